/*
 * What the destination decoders' fuzz targets share (fuzz_braze.c,
 * fuzz_sendinblue.c, fuzz_snapchat.c): one session of the driver, made
 * once with throwaway credentials and no network, and one input format.
 *
 * An input is a first line "STATUS [N [FAILED]]" and the response body
 * after it: the HTTP status, the number of profiles in the batch (1 to
 * FUZZ_PROFILES, 4 when absent) and, with a third word, an answer that
 * never came back whole (HTTP_FAILED; "unreached" when the request cannot
 * have reached the server). A first line that is not that is status 200
 * with the whole input as the body.
 *
 * Besides the sanitizers, fuzz_decode() checks decode()'s promises
 * (dest.h): the verdict is one of the enum; FATAL and RETRY say why;
 * results are set on DONE only; a rejected profile has a reason and is
 * not also sent again; a batch of one is never split (it would be sent
 * for ever) and REAUTH only comes from a driver that can renew; no
 * message shows a "(null)" the answer did not hold.
 */
#ifndef SEGSYNC_FUZZ_FUZZ_DEST_H
#define SEGSYNC_FUZZ_FUZZ_DEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/xmalloc.h"
#include "dest/dest.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"

#define FUZZ_PROFILES	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct dest_profile fuzz_profiles[FUZZ_PROFILES] = {
	{ .email = "a@example.com" },
	{ .email = "b@example.com", .customer_id = "B-2" },
	{ .email = "c@example.com", .firstname = "C" },
	{ .email = "d@example.com", .customer_id = "D-4" },
	{ .email = "e@example.com", .phone = "+33612345678" },
	{ .email = "zoé@example.com", .customer_id = "'quoted'" },
	{ .email = "g@example.com", .customer_id = "" },
	{ .email = "h@example.com", .customer_id = "H-8" }
};

/*
 * A session of d on a connection with these settings (key, value pairs,
 * NULL-terminated) and a record holding the secret field, sealed to a
 * throwaway key pair. Aborts when it cannot be made: the target would
 * test nothing.
 */
static struct dest_session *
fuzz_session(const struct dest_driver *d, const char *const *settings,
    const char *field, const char *secret)
{
	unsigned char		 pk[crypto_box_PUBLICKEYBYTES];
	unsigned char		 sk[crypto_box_SECRETKEYBYTES];
	unsigned char		 store[SECRECORD_STOREBYTES];
	struct secrecord_recipient rcpt = { "fuzz", pk };
	struct connection	 conn;
	struct secrecord	*rec = NULL;
	struct secret		*key;
	struct dest_session	*s = NULL;
	char			*cause = NULL;
	size_t			 i;

	if (d == NULL || sodium_init() < 0)
		abort();
	crypto_box_keypair(pk, sk);
	randombytes_buf(store, sizeof store);
	if (secrecord_create(store, "c1", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, &rcpt, 1, &rec, &cause) != SEC_OK)
		abort();
	key = secret_from_bytes(secret, strlen(secret));
	if (secrecord_set(rec, field, key, &cause) != SEC_OK)
		abort();
	secret_free(&key);
	memset(&conn, 0, sizeof conn);
	conn.id = (char *)"c1";
	conn.name = (char *)"fuzz";
	conn.type = (char *)d->id;
	conn.settings = cJSON_CreateObject();
	for (i = 0; settings[i] != NULL; i += 2)
		cJSON_AddStringToObject(conn.settings, settings[i],
		    settings[i + 1]);
	if (dest_session_new(d, &conn, rec, &s, &cause) != 0) {
		fprintf(stderr, "fuzz: no %s session: %s\n", d->id, cause);
		abort();
	}
	cJSON_Delete(conn.settings);
	secrecord_free(&rec);
	sodium_memzero(sk, sizeof sk);
	return s;
}

/*
 * Whether a message is a sentence: set, not empty, and without a "(null)"
 * (printf's rendering of a NULL string) unless the answer holds "(null"
 * (quoted text followed by the message's own ")").
 */
static int
fuzz_words(const char *m, const struct http_response *resp)
{
	if (m == NULL || *m == '\0')
		return 0;
	return strstr(m, "(null)") == NULL ||
	    memmem(resp->body, resp->body_len, "(null", 5) != NULL;
}

/* Decode the input as s's answer and check decode()'s promises. */
static int
fuzz_decode(struct dest_session *s, const uint8_t *data, size_t size)
{
	const struct dest_driver *d = s->driver;
	struct dest_result	 res[FUZZ_PROFILES];
	struct http_response	 resp;
	enum dest_verdict	 v;
	const char		*nl;
	char			 line[64], word[16];
	char			*message = NULL;
	long			 status = 200, st;
	int			 n = 4, nn, got;
	size_t			 i, off = 0;

	memset(&resp, 0, sizeof resp);
	resp.outcome = HTTP_DONE;
	resp.reached = 1;
	nl = memchr(data, '\n', size < sizeof line ? size : sizeof line);
	if (nl != NULL) {
		memcpy(line, data, (size_t)(nl - (const char *)data));
		line[nl - (const char *)data] = '\0';
		got = sscanf(line, "%ld %d %15s", &st, &nn, word);
		if (got >= 1 && st >= 0 && st <= 999) {
			off = (size_t)(nl - (const char *)data) + 1;
			status = st;
			if (got >= 2)
				n = nn < 1 ? 1 : (nn > FUZZ_PROFILES ?
				    FUZZ_PROFILES : nn);
			if (got == 3) {
				resp.outcome = HTTP_FAILED;
				resp.error = "the connection was reset";
				resp.reached = strcmp(word, "unreached") != 0;
			}
		}
	}
	resp.status = status;
	resp.body = (const char *)data + off;
	resp.body_len = size - off;
	resp.method = "POST";
	resp.url = "http://127.0.0.1:1/fuzz";

	memset(res, 0, sizeof res);
	v = d->decode(s, &resp, fuzz_profiles, (size_t)n, res, &message);
	switch (v) {
	case DEST_BATCH_DONE:
		for (i = 0; i < (size_t)n; i++) {
			if (res[i].rejected && (res[i].resend ||
			    !fuzz_words(res[i].reason, &resp)))
				abort();
			if (!res[i].rejected && res[i].reason != NULL)
				abort();
		}
		if (message != NULL && !fuzz_words(message, &resp))
			abort();
		break;
	case DEST_BATCH_SPLIT:
		if (n < 2)
			abort();
		break;
	case DEST_BATCH_REAUTH:
		if (d->reauth == NULL)
			abort();
		break;
	case DEST_BATCH_RETRY:
	case DEST_BATCH_FATAL:
		if (!fuzz_words(message, &resp))
			abort();
		break;
	default:
		abort();
	}
	if (v != DEST_BATCH_DONE) {
		for (i = 0; i < (size_t)n; i++)
			if (res[i].rejected || res[i].resend ||
			    res[i].reason != NULL || res[i].job != 0)
				abort();
	}
	dest_results_clear(res, (size_t)n);
	free(message);
	return 0;
}

#endif
