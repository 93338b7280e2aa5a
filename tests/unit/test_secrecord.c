#include "config.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/xmalloc.h"
#include "leakscan.h"
#include "secrets/hygiene.h"
#include "secrets/identity.h"
#include "secrets/secrecord.h"
#include "secrets/sectext.h"
#include "tap.h"

#define CANARY1	"CANARY-4f1c2a9e7b3d4c5e8a6b0d1f2e3c4b5a"
#define CANARY2	"CANARY-client-secret-93e8d7c6b5a4"

static unsigned char	store[SECRECORD_STOREBYTES] = { 0xaa, 1, 2, 3 };
static unsigned char	store2[SECRECORD_STOREBYTES] = { 0xbb, 1, 2, 3 };

/* Open text as conn with ident; the status, and *cause freed unless kept. */
static enum sec_status
try_open(const char *text, size_t len, const unsigned char *st_id,
    const char *conn, const struct identity *ident, char **keep)
{
	struct secrecord	*rec = NULL;
	enum sec_status	 st;
	char		*cause = NULL;

	st = secrecord_open(text, len, "r.secrets", st_id, conn, ident, &rec,
	    &cause);
	if (st == SEC_OK)
		secrecord_free(&rec);
	if (keep != NULL)
		*keep = cause;
	else
		free(cause);
	return st;
}

static enum sec_status
try_str(const char *text, const char *conn, const struct identity *ident)
{
	return try_open(text, strlen(text), store, conn, ident, NULL);
}

/* The n-th line (0-based) of text without LF, malloc'd. */
static char *
nth_line(const char *text, int n)
{
	const char	*p = text, *nl;

	while (n-- > 0)
		p = strchr(p, '\n') + 1;
	nl = strchr(p, '\n');
	return xstrndup(p, (size_t)(nl - p));
}

/* The first line starting with prefix, malloc'd (NULL if none). */
static char *
find_line(const char *text, const char *prefix)
{
	const char	*p = text;

	while (*p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return xstrndup(p, (size_t)(strchr(p, '\n') - p));
		p = strchr(p, '\n') + 1;
	}
	return NULL;
}

/* text with the first occurrence of from replaced by to (malloc'd). */
static char *
subst(const char *text, const char *from, const char *to)
{
	const char	*at = strstr(text, from);

	if (at == NULL)
		return xstrdup(text);
	return xasprintf("%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
}

/* Replace the mac line with a correct one for key (an attacker with K). */
static char *
remac(const char *text, const struct secret *key)
{
	unsigned char	 km[32], mac[32];
	const char	*at;
	char		*m, *out;

	at = strstr(text, "\nmac ") + 1;
	crypto_kdf_derive_from_key(km, 32, SECRECORD_SUBKEY_ID,
	    SECRECORD_CTX_MAC,
	    secret_peek(key));
	crypto_generichash(mac, 32, (const unsigned char *)text,
	    (size_t)(at - text), km, 32);
	m = sectext_b64(mac, 32);
	out = xasprintf("%.*smac %s\n", (int)(at - text), text, m);
	free(m);
	return out;
}

/* Replace the commit line with a correct one for key, store, conn. */
static char *
recommit(const char *text, const struct secret *key, const unsigned char *sid,
    const char *conn)
{
	crypto_generichash_state	 s;
	unsigned char			 kc[32], h[32], n;
	char				*old, *c, *line, *out;

	crypto_kdf_derive_from_key(kc, 32, SECRECORD_SUBKEY_ID,
	    SECRECORD_CTX_COMMIT, secret_peek(key));
	crypto_generichash_init(&s, kc, 32, 32);
	crypto_generichash_update(&s, (const unsigned char *)"commit", 6);
	crypto_generichash_update(&s, sid, SECRECORD_STOREBYTES);
	n = (unsigned char)strlen(conn);
	crypto_generichash_update(&s, &n, 1);
	crypto_generichash_update(&s, (const unsigned char *)conn, n);
	crypto_generichash_final(&s, h, 32);
	old = find_line(text, "commit ");
	c = sectext_b64(h, 32);
	line = xasprintf("commit %s", c);
	out = subst(text, old, line);
	free(old);
	free(c);
	free(line);
	return out;
}

static char *
serialize(const struct secrecord *rec, size_t *len)
{
	char	*buf;
	size_t	 l;

	secrecord_serialize(rec, &buf, &l);
	if (len != NULL)
		*len = l;
	return buf;
}

static int
has_value(const struct secrecord *rec, const char *name, const char *want)
{
	const struct secret	*v = secrecord_get(rec, name);

	return v != NULL && secret_len(v) == strlen(want) &&
	    memcmp(secret_peek(v), want, strlen(want)) == 0;
}

int
main(void)
{
	struct identity		*alice, *bob, *svc;
	struct secrecord		*rec, *recb, *r2;
	struct secrecord_recipient	 rc[3];
	struct secret		*v, *oldkey, *k2;
	struct stat		 sb;
	char			*cause, *text, *t2, *t3, *path, *la, *lb;
	char			*want, *wrap, *la2, *lb2;
	size_t			 len, i, nok, nleak;
	unsigned char		 box[80], kf[32], pt[1024];
	unsigned long long	 ptlen;

	plan_lazy();
	if (hygiene_init(&cause) != 0)
		return 99;
	umask(0);
	identity_generate("alice", &alice, &cause);
	identity_generate("bob", &bob, &cause);
	identity_generate("service:export", &svc, &cause);
	rc[0].id = "alice";
	rc[0].pk = identity_pk(alice);
	rc[1].id = "service:export";
	rc[1].pk = identity_pk(svc);
	rc[2].id = "bob";
	rc[2].pk = identity_pk(bob);

	ok(secrecord_role_wanted(SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL,
	    SECRECORD_ROLE_ADMIN) && !secrecord_role_wanted(SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, SECRECORD_ROLE_CONTRIBUTOR) &&
	    secrecord_role_wanted(SECRECORD_POLICY_CONTRIBUTORS,
	    SECRECORD_EXPORT_MANUAL, SECRECORD_ROLE_CONTRIBUTOR) &&
	    !secrecord_role_wanted(SECRECORD_POLICY_CONTRIBUTORS,
	    SECRECORD_EXPORT_MANUAL, SECRECORD_ROLE_SERVICE) &&
	    secrecord_role_wanted(SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_SCHEDULED,
	    SECRECORD_ROLE_SERVICE), "recipient sets follow the policy");
	ok(secrecord_conn_valid("braze-prod_2") && !secrecord_conn_valid("Braze") &&
	    !secrecord_conn_valid("") && !secrecord_conn_valid("a/b"),
	    "connection ids are checked");
	is_int(secrecord_create(store, "../x", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, rc, 1, &rec, &cause), SEC_EINVAL,
	    "a bad connection id is refused");
	free(cause);
	{
		struct secrecord_recipient	dup[2] = { rc[0], rc[0] };

		is_int(secrecord_create(store, "x", SECRECORD_POLICY_ADMINS,
		    SECRECORD_EXPORT_MANUAL, dup, 2, &rec, &cause), SEC_EINVAL,
		    "a recipient listed twice is refused");
		free(cause);
	}

	/* Round trip through a file. */
	ok(secrecord_create(store, "braze-prod", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_SCHEDULED, rc, 2, &rec, &cause) == SEC_OK,
	    "create a record");
	v = secret_from_bytes(CANARY1, strlen(CANARY1));
	ok(secrecord_set(rec, "api_key", v, &cause) == SEC_OK, "set api_key");
	secret_free(&v);
	v = secret_from_bytes(CANARY2, strlen(CANARY2));
	ok(secrecord_set(rec, "client_secret", v, &cause) == SEC_OK,
	    "set client_secret");
	secret_free(&v);
	is_int(secrecord_set(rec, "Bad Name", v == NULL ? NULL : v, &cause),
	    SEC_EINVAL, "a bad field name is refused");
	free(cause);
	path = xasprintf("%s/braze-prod.secrets", tap_tmpdir());
	ok(secrecord_save(rec, path, 0600, (gid_t)-1, &cause) == SEC_OK,
	    "save it");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0600,
	    "the record file has the mode asked for under umask 000");
	is_int(leakscan_file(path, CANARY1), 0, "no api_key in the file "
	    "(plain, hex, base64)");
	is_int(leakscan_file(path, CANARY2), 0, "no client_secret in the "
	    "file");
	secrecord_free(&rec);
	ok(secrecord_load(path, store, "braze-prod", alice, &rec, &cause) ==
	    SEC_OK, "alice opens it");
	ok(has_value(rec, "api_key", CANARY1) &&
	    has_value(rec, "client_secret", CANARY2), "values round trip");
	is_int(secrecord_field_count(rec), 2, "two fields");
	is_str(secrecord_field_name(rec, 0), "api_key", "listed in order");
	is_int(secrecord_recipient_count(rec), 2, "two recipients");
	is_str(secrecord_recipient_id(rec, 1), "service:export", "sorted by id");
	text = serialize(rec, &len);
	secrecord_free(&rec);
	ok(secrecord_load(path, store, "braze-prod", svc, &rec, &cause) ==
	    SEC_OK && has_value(rec, "api_key", CANARY1),
	    "the service identity opens it");
	secrecord_free(&rec);
	{
		char	*disk;
		size_t	 dlen;

		fileio_read(path, SECRECORD_MAX_FILE, 1, &disk, &dlen, &cause);
		ok(dlen == len && memcmp(disk, text, len) == 0, "an opened "
		    "record serialises to the same bytes");
		free(disk);
	}

	/* Policy is cryptographic: readable is not usable. */
	chmod(path, 0644);
	is_int(secrecord_load(path, store, "braze-prod", bob, &rec, &cause),
	    SEC_EDENIED, "bob is not allowed, even with the file readable");
	is_str(cause, "you are not allowed to use connection braze-prod (its "
	    "policy is: administrators only)", "with the policy in the "
	    "message");
	free(cause);

	/* One bit of every byte. */
	nok = nleak = 0;
	for (i = 0; i < len; i++) {
		t2 = xmalloc(len);
		memcpy(t2, text, len);
		t2[i] ^= (char)(1 << (i % 8));
		if (try_open(t2, len, store, "braze-prod", alice, &cause) ==
		    SEC_OK)
			nok++;
		if (cause != NULL && leakscan_buf(cause, strlen(cause),
		    CANARY1))
			nleak++;
		free(cause);
		free(t2);
	}
	is_int(nok, 0, "no bit flip opens (%zu bytes tried)", len);
	is_int(nleak, 0, "no message holds the secret");
	{
		char	*disk;
		size_t	 dlen;

		fileio_read(path, SECRECORD_MAX_FILE, 1, &disk, &dlen, &cause);
		ok(dlen == len && memcmp(disk, text, len) == 0, "the file is "
		    "unchanged by failed reads");
		free(disk);
	}

	/* Structure. */
	nok = 0;
	for (i = 0; i < len; i++) {
		if (try_open(text, i, store, "braze-prod", alice, NULL) ==
		    SEC_OK)
			nok++;
	}
	is_int(nok, 0, "every truncation is refused");
	t2 = xasprintf("%sx\n", text);
	is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT, "appended data "
	    "refused");
	free(t2);
	la = find_line(text, "field api_key");
	lb = find_line(text, "field client_secret");
	t3 = xasprintf("%s\n%s\n", la, la);
	want = xasprintf("%s\n", la);
	t2 = subst(text, want, t3);
	is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT, "a duplicated "
	    "field refused");
	free(t2);
	t2 = subst(text, want, "");
	is_int(try_str(t2, "braze-prod", alice), SEC_EINTEGRITY, "a deleted "
	    "field fails the MAC");
	free(t2);
	free(t3);
	t3 = xasprintf("%s\n%s\n", lb, la);
	free(want);
	want = xasprintf("%s\n%s\n", la, lb);
	t2 = subst(text, want, t3);
	is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT, "reordered "
	    "fields refused");
	free(t2);
	free(t3);
	free(want);
	{
		char	*w1 = find_line(text, "-> alice"), *w2 = find_line(text,
			    "-> service:export");

		want = xasprintf("%s\n%s\n", w1, w2);
		t3 = xasprintf("%s\n%s\n", w2, w1);
		t2 = subst(text, want, t3);
		is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT,
		    "reordered recipients refused");
		free(t2);
		free(t3);
		t3 = xasprintf("%s\n%s\n%s\n", w1, w1, w2);
		t2 = subst(text, want, t3);
		is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT,
		    "a duplicated recipient refused");
		free(t2);
		free(t3);
		free(want);
		/* 79- and 81-byte wraps. */
		wrap = strrchr(w1, ' ') + 1;
		sectext_unb64(wrap, strlen(wrap), box, 80);
		t3 = sectext_b64(box, 79);
		t2 = subst(text, wrap, t3);
		is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT,
		    "a 79-byte wrap refused");
		free(t2);
		free(t3);
		{
			unsigned char	big[81];

			memcpy(big, box, 80);
			big[80] = 0;
			t3 = sectext_b64(big, 81);
		}
		t2 = subst(text, wrap, t3);
		is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT,
		    "an 81-byte wrap refused");
		free(t2);
		free(t3);
		free(w1);
		free(w2);
	}
	t2 = subst(text, "\n", "\r\n");
	is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT, "CRLF refused");
	free(t2);
	t2 = xmalloc(len);
	memcpy(t2, text, len);
	t2[30] = '\0';
	is_int(try_open(t2, len, store, "braze-prod", alice, NULL),
	    SEC_EFORMAT, "NUL refused");
	free(t2);
	t2 = xmalloc(SECRECORD_MAX_FILE + 1);
	memset(t2, 'a', SECRECORD_MAX_FILE + 1);
	memcpy(t2, text, len - 1);
	t2[SECRECORD_MAX_FILE] = '\n';
	is_int(try_open(t2, SECRECORD_MAX_FILE + 1, store, "braze-prod", alice,
	    &cause), SEC_EFORMAT, "over 64 KiB refused");
	like(cause, "too large", "as too large");
	free(cause);
	free(t2);
	t2 = subst(text, "segsync-secret/v1", "segsync-secret/v2");
	is_int(try_open(t2, len, store, "braze-prod", alice, &cause),
	    SEC_EFORMAT, "v2 refused");
	like(cause, "unsupported format", "as unsupported");
	free(cause);
	free(t2);
	t2 = subst(text, "suite 1", "suite 2");
	is_int(try_open(t2, len, store, "braze-prod", alice, &cause),
	    SEC_EFORMAT, "suite 2 refused");
	like(cause, "unsupported format", "as unsupported");
	free(cause);
	free(t2);
	t2 = subst(text, "gen 1\n", "gen 01\n");
	is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT, "a non-canonical "
	    "number refused");
	free(t2);
	{
		/* mac: 32 bytes, the last char has 2 unused bits. */
		char	*m = find_line(text, "mac "), *bad;
		char	*alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
			    "vwxyz0123456789+/";

		bad = xstrdup(m);
		bad[strlen(bad) - 1] = alpha[strchr(alpha,
		    bad[strlen(bad) - 1]) - alpha + 1];
		t2 = subst(text, m, bad);
		is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT,
		    "non-canonical base64 refused");
		free(t2);
		free(bad);
		bad = xasprintf("%s=", m);
		t2 = subst(text, m, bad);
		is_int(try_str(t2, "braze-prod", alice), SEC_EFORMAT,
		    "padded base64 refused");
		free(t2);
		free(bad);
		free(m);
	}

	/* Slot binding. */
	is_int(try_open(text, len, store, "sendinblue", alice, &cause),
	    SEC_EINTEGRITY, "a record renamed to another connection is "
	    "refused");
	like(cause, "holds the secrets of connection braze-prod, not "
	    "sendinblue", "naming both connections");
	free(cause);
	is_int(try_open(text, len, store2, "braze-prod", alice, &cause),
	    SEC_EINTEGRITY, "a record from another workspace is refused");
	like(cause, "another workspace", "saying so");
	free(cause);
	ok(secrecord_load(path, store, "braze-prod", alice, &rec, &cause) ==
	    SEC_OK, "reopen to get K (an insider's view)");
	{
		/* An insider with K rewrites conn, commit and mac: the
		 * field AD still binds the ciphertext to braze-prod. */
		t2 = subst(text, "conn braze-prod", "conn sendinblue");
		t3 = recommit(t2, secrecord_key_peek(rec), store, "sendinblue");
		free(t2);
		t2 = remac(t3, secrecord_key_peek(rec));
		is_int(try_str(t2, "sendinblue", alice), SEC_EINTEGRITY,
		    "fields do not decrypt under another connection id");
		free(t2);
		free(t3);
		/* Same for the store id. */
		{
			char	*s1 = sectext_b64(store, 16), *s2 =
				    sectext_b64(store2, 16);

			t2 = subst(text, s1, s2);
			free(s1);
			free(s2);
		}
		t3 = recommit(t2, secrecord_key_peek(rec), store2, "braze-prod");
		free(t2);
		t2 = remac(t3, secrecord_key_peek(rec));
		is_int(try_open(t2, strlen(t2), store2, "braze-prod", alice,
		    NULL), SEC_EINTEGRITY, "fields do not decrypt under "
		    "another store id");
		free(t2);
		free(t3);
		/* Swap the two ciphertexts between field names. */
		{
			char	*na, *nb, *ta, *tb;

			na = xasprintf("field api_key %s",
			    lb + strlen("field client_secret "));
			nb = xasprintf("field client_secret %s",
			    la + strlen("field api_key "));
			ta = subst(text, la, na);
			tb = subst(ta, lb, nb);
			t2 = remac(tb, secrecord_key_peek(rec));
			is_int(try_str(t2, "braze-prod", alice),
			    SEC_EINTEGRITY, "swapped field ciphertexts do not "
			    "decrypt");
			free(t2);
			free(na);
			free(nb);
			free(ta);
			free(tb);
		}
	}

	/* Record B: same workspace, same recipients. */
	ok(secrecord_create(store, "sendinblue", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_SCHEDULED, rc, 2, &recb, &cause) == SEC_OK,
	    "create a second record");
	v = secret_from_bytes("other key", 9);
	secrecord_set(recb, "api_key", v, &cause);
	secret_free(&v);
	t3 = serialize(recb, NULL);
	{
		char	*fb = find_line(t3, "field api_key"), *wb =
			    find_line(t3, "-> alice"), *wa = find_line(text,
			    "-> alice");

		t2 = subst(t3, fb, la);
		is_int(try_str(t2, "sendinblue", alice), SEC_EINTEGRITY,
		    "a field copied from another connection is refused");
		free(t2);
		t2 = subst(text, wa, wb);
		is_int(try_str(t2, "braze-prod", alice), SEC_EINTEGRITY,
		    "a wrap copied from another record is refused");
		/* Even with the MAC redone under B's key: commitment. */
		free(t3);
		t3 = remac(t2, secrecord_key_peek(recb));
		is_int(try_str(t3, "braze-prod", alice), SEC_EINTEGRITY,
		    "and the commitment catches it when the MAC matches");
		free(t2);
		/* Key commitment: a fresh valid wrap of another K. */
		k2 = secret_new(32);
		crypto_kdf_keygen(secret_buf(k2));
		crypto_box_seal(box, secret_peek(k2), 32, identity_pk(alice));
		t2 = sectext_b64(box, 80);
		free(t3);
		t3 = xasprintf("-> alice %s", t2);
		free(t2);
		t2 = subst(text, wa, t3);
		free(t3);
		t3 = remac(t2, k2);
		is_int(try_str(t3, "braze-prod", alice), SEC_EINTEGRITY,
		    "a planted wrap of another K fails the commitment");
		free(t2);
		free(t3);
		secret_free(&k2);
		free(fb);
		free(wb);
		free(wa);
	}
	secrecord_free(&recb);

	/* set: one field line and the mac change, nothing else. */
	v = secret_from_bytes("rotated " CANARY1, strlen(CANARY1) + 8);
	ok(secrecord_set(rec, "api_key", v, &cause) == SEC_OK, "change api_key");
	secret_free(&v);
	t2 = serialize(rec, NULL);
	t3 = find_line(t2, "field client_secret");
	is_str(t3, lb, "the other field line is byte-identical");
	free(t3);
	t3 = find_line(t2, "field api_key");
	ok(strcmp(t3, la) != 0, "the changed field has a new line");
	free(t3);
	la2 = nth_line(t2, 7);
	lb2 = nth_line(text, 7);
	ok(strncmp(la2, "commit ", 7) == 0 && strcmp(la2, lb2) == 0,
	    "commit unchanged");
	free(la2);
	free(lb2);
	is_int(try_str(t2, "braze-prod", alice), SEC_OK, "and it opens");
	free(t2);

	/* Reseal: add bob; field lines stay byte-identical. */
	t2 = serialize(rec, NULL);
	secrecord_set_policy(rec, SECRECORD_POLICY_CONTRIBUTORS,
	    SECRECORD_EXPORT_SCHEDULED);
	ok(secrecord_reseal(rec, rc, 3, &cause) == SEC_OK, "reseal to add bob");
	t3 = serialize(rec, NULL);
	{
		char	*f1 = find_line(t2, "field api_key"), *f2 =
			    find_line(t3, "field api_key");
		char	*g1 = find_line(t2, "field client_secret"), *g2 =
			    find_line(t3, "field client_secret");

		ok(strcmp(f1, f2) == 0 && strcmp(g1, g2) == 0, "reseal "
		    "keeps every field line byte-identical");
		free(f1);
		free(f2);
		free(g1);
		free(g2);
	}
	is_int(try_str(t3, "braze-prod", bob), SEC_OK, "bob now opens it");
	ok(secrecord_has_recipient(rec, "bob"), "bob is a recipient");
	free(t2);
	free(t3);

	/* Rekey without bob. */
	oldkey = secret_dup(secrecord_key_peek(rec));
	t2 = serialize(rec, NULL);
	ok(secrecord_rekey(rec, rc, 2, &cause) == SEC_OK, "rekey without bob");
	is_int(secrecord_gen(rec), 2, "gen went up");
	t3 = serialize(rec, NULL);
	{
		char	*f1 = find_line(t2, "field api_key"), *f2 =
			    find_line(t3, "field api_key");
		char	*g1 = find_line(t2, "field client_secret"), *g2 =
			    find_line(t3, "field client_secret");

		ok(strncmp(f1, f2, 14 + 32) != 0 &&
		    strncmp(g1, g2, 20 + 32) != 0, "every nonce changed");
		free(f1);
		free(g1);
		free(g2);
		/* The old K's field key no longer decrypts. */
		{
			char		*nb64 = f2 + 14, *cb64 = strrchr(f2,
					    ' ') + 1;
			unsigned char	 nonce[24], ct[300], ad[200];
			size_t		 adl = 0;

			sectext_unb64(nb64, 32, nonce, 24);
			sectext_unb64(cb64, strlen(cb64), ct, 272);
			memcpy(ad, SECRECORD_MAGIC, sizeof SECRECORD_MAGIC);
			adl = sizeof SECRECORD_MAGIC;
			memcpy(ad + adl, store, 16);
			adl += 16;
			ad[adl++] = 10;
			memcpy(ad + adl, "braze-prod", 10);
			adl += 10;
			ad[adl++] = 7;
			memcpy(ad + adl, "api_key", 7);
			adl += 7;
			crypto_kdf_derive_from_key(kf, 32, SECRECORD_SUBKEY_ID,
			    SECRECORD_CTX_FIELD, secret_peek(oldkey));
			ok(crypto_aead_xchacha20poly1305_ietf_decrypt(pt,
			    &ptlen, NULL, ct, 272, ad, adl, nonce, kf) != 0,
			    "the old K does not decrypt the new field");
			crypto_kdf_derive_from_key(kf, 32, SECRECORD_SUBKEY_ID,
			    SECRECORD_CTX_FIELD,
			    secret_peek(secrecord_key_peek(rec)));
			ok(crypto_aead_xchacha20poly1305_ietf_decrypt(pt,
			    &ptlen, NULL, ct, 272, ad, adl, nonce, kf) == 0,
			    "while the new K does (the check can fail)");
		}
		free(f2);
	}
	is_int(try_str(t3, "braze-prod", bob), SEC_EDENIED, "bob is out");
	ok(strstr(t3, "-> bob") == NULL, "his wrap is gone");
	ok(secrecord_open(t3, strlen(t3), "r", store, "braze-prod", alice, &r2,
	    &cause) == SEC_OK && has_value(r2, "api_key", "rotated " CANARY1),
	    "alice still reads the values after rekey");
	secrecord_free(&r2);
	secret_free(&oldkey);
	free(t2);
	free(t3);

	ok(secrecord_unset(rec, "client_secret") == 0 &&
	    secrecord_field_count(rec) == 1 && secrecord_get(rec,
	    "client_secret") == NULL, "unset removes a field");
	ok(secrecord_unset(rec, "client_secret") == -1, "only once");

	secrecord_free(&rec);
	ok(rec == NULL, "secrecord_free clears the pointer");
	free(la);
	free(lb);
	free(text);
	free(path);
	identity_free(&alice);
	identity_free(&bob);
	identity_free(&svc);
	return done_testing();
}
