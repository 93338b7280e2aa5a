/*
 * libFuzzer target for the secrets parsers (design 4, I1): the identity
 * parser, the record parser, and the whole record open path (unseal,
 * commitment, MAC, field decryption) with the golden service key, so
 * that mutations of tests/fixtures/secrets/braze-prod.secrets reach the
 * crypto checks. Property: a record that opens re-serialises to exactly
 * the input bytes (the format is canonical).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secrets/identity.h"
#include "secrets/secrecord.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* tests/fixtures/secrets/export.key: public test data. */
static const char fuzz_key[] =
    "segsync-identity/v1\n"
    "member service:export\n"
    "box-pk THzdnoRaQcc9YiB1JJFDencXoqTbgRdwZoXynjSRpjY\n"
    "sign-pk -\n"
    "kdf none\n"
    "sk EY3uQ2DrAC4SsniRzHmeaXRn/oQS4HqYIcpYfwrrpxk\n";

static const unsigned char fuzz_store[SECRECORD_STOREBYTES] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
};

static struct identity	*fuzz_svc;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct identity	*ident;
	struct secrecord	*rec;
	char		*cause = NULL, *out;
	size_t		 outlen;

	if (fuzz_svc == NULL) {
		if (sodium_init() < 0 ||
		    identity_parse(fuzz_key, sizeof fuzz_key - 1, "key",
		    &fuzz_svc, &cause) != SEC_OK)
			abort();
	}

	if (identity_parse(data, size, "input", &ident, &cause) == SEC_OK)
		identity_free(&ident);
	else
		free(cause);
	cause = NULL;

	if (secrecord_parse(data, size, "input", &rec, &cause) == SEC_OK) {
		if (secrecord_field_count(rec) > 0 &&
		    secrecord_field_name(rec, 0) == NULL)
			abort();
		secrecord_free(&rec);
	} else
		free(cause);
	cause = NULL;

	if (secrecord_open(data, size, "input", fuzz_store, "braze-prod",
	    fuzz_svc, &rec, &cause) == SEC_OK) {
		secrecord_serialize(rec, &out, &outlen);
		if (outlen != size || memcmp(out, data, size) != 0)
			abort();
		free(out);
		secrecord_free(&rec);
	} else
		free(cause);
	return 0;
}
