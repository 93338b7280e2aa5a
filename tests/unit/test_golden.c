/* The golden v1 fixtures (tests/fixtures/secrets/README) must decrypt. */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/xmalloc.h"
#include "secrets/hygiene.h"
#include "secrets/identity.h"
#include "secrets/secrecord.h"
#include "tap.h"

/* Copy a fixture into the temp dir with mode 0600; the copy's path. */
static char *
fixture(const char *name)
{
	char	*src, *dst, *buf, *cause;
	size_t	 len;

	src = xasprintf("%s/tests/fixtures/secrets/%s", getenv("top_srcdir") ?
	    getenv("top_srcdir") : "..", name);
	dst = xasprintf("%s/%s", tap_tmpdir(), name);
	if (fileio_read(src, 1 << 20, 0, &buf, &len, &cause) != 0 ||
	    fileio_write_atomic(dst, buf, len, 0600, (gid_t)-1, &cause) != 0) {
		diag("%s", cause);
		exit(99);
	}
	free(buf);
	free(src);
	return dst;
}

static struct identity *
unlock(const char *name, const char *pass)
{
	struct identity	*ident = NULL;
	struct secret	*p;
	char		*path, *cause = NULL;

	path = fixture(name);
	if (identity_read(path, &ident, &cause) == SEC_OK && pass != NULL) {
		p = secret_from_bytes(pass, strlen(pass));
		if (identity_unlock(ident, p, &cause) != SEC_OK)
			identity_free(&ident);
		secret_free(&p);
	}
	if (ident == NULL)
		diag("%s", cause);
	free(cause);
	free(path);
	return ident;
}

static int
is_value(const struct secrecord *rec, const char *name, const char *want)
{
	const struct secret	*v;

	v = secrecord_get(rec, name);
	return v != NULL && secret_len(v) == strlen(want) &&
	    memcmp(secret_peek(v), want, strlen(want)) == 0;
}

int
main(void)
{
	struct identity	*alice, *bob, *svc;
	struct secrecord	*rec;
	unsigned char	 store[SECRECORD_STOREBYTES];
	char		*braze, *snap, *cause;

	plan_lazy();
	if (hygiene_init(&cause) != 0)
		return 99;
	secrecord_store_from_hex("00112233445566778899aabbccddeeff", store);
	alice = unlock("alice.identity", "golden alice passphrase");
	bob = unlock("bob.identity", "golden bob passphrase");
	svc = unlock("export.key", NULL);
	ok(alice != NULL, "alice's golden identity unlocks");
	ok(bob != NULL, "bob's golden identity unlocks");
	ok(svc != NULL && !identity_locked(svc), "the golden key file loads");
	if (alice == NULL || bob == NULL || svc == NULL)
		return done_testing();
	braze = fixture("braze-prod.secrets");
	snap = fixture("snap-shared.secrets");

	ok(secrecord_load(braze, store, "braze-prod", alice, &rec, &cause) ==
	    SEC_OK, "alice opens braze-prod");
	ok(is_value(rec, "api_key", "CANARY-GOLDEN-API-KEY-0001") &&
	    is_value(rec, "client_secret", "CANARY-GOLDEN-CLIENT-SECRET-0002"),
	    "with the golden values");
	ok(secrecord_gen(rec) == 1 && secrecord_policy(rec) ==
	    SECRECORD_POLICY_ADMINS && secrecord_export(rec) ==
	    SECRECORD_EXPORT_SCHEDULED, "and the golden header");
	secrecord_free(&rec);
	ok(secrecord_load(braze, store, "braze-prod", svc, &rec, &cause) ==
	    SEC_OK && is_value(rec, "api_key", "CANARY-GOLDEN-API-KEY-0001"),
	    "the service key opens braze-prod");
	secrecord_free(&rec);
	is_int(secrecord_load(braze, store, "braze-prod", bob, &rec, &cause),
	    SEC_EDENIED, "bob may not use braze-prod");
	free(cause);
	ok(secrecord_load(snap, store, "snap-shared", bob, &rec, &cause) ==
	    SEC_OK && is_value(rec, "oauth_refresh_token",
	    "CANARY-GOLDEN-REFRESH-TOKEN-0003"), "bob opens snap-shared");
	secrecord_free(&rec);
	is_int(secrecord_load(snap, store, "snap-shared", svc, &rec, &cause),
	    SEC_EDENIED, "the service may not use a manual connection");
	free(cause);
	identity_free(&alice);
	identity_free(&bob);
	identity_free(&svc);
	free(braze);
	free(snap);
	return done_testing();
}
