#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/xmalloc.h"
#include "leakscan.h"
#include "secrets/hygiene.h"
#include "secrets/identity.h"
#include "secrets/secrecord.h"
#include "tap.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static struct secret *
pw(const char *s)
{
	return secret_from_bytes(s, strlen(s));
}

static char *
tmp(const char *name)
{
	return xasprintf("%s/%s", tap_tmpdir(), name);
}

static void
put(const char *path, const void *buf, size_t len)
{
	int	fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	(void)!write(fd, buf, len);
	fchmod(fd, 0600);
	close(fd);
}

static char *
slurp(const char *path, size_t *len)
{
	char	*buf, *cause;

	if (fileio_read(path, 1 << 20, 0, &buf, len, &cause) != 0) {
		free(cause);
		return NULL;
	}
	return buf;
}

/* Same public key, and secret keys equal outside the clamped bits. */
static int
same_effective_key(const struct identity *a, const struct identity *b)
{
	unsigned char	x[32], y[32];

	memcpy(x, secret_peek(identity_sk_peek(a)), 32);
	memcpy(y, secret_peek(identity_sk_peek(b)), 32);
	x[0] &= 248;
	y[0] &= 248;
	x[31] &= 63;
	y[31] &= 63;
	return memcmp(identity_pk(a), identity_pk(b), 32) == 0 &&
	    memcmp(x, y, 32) == 0;
}

/* Read and (if locked) unlock; the status of the first failing step. */
static enum sec_status
load(const char *path, const char *pass, char **cause)
{
	struct identity	*ident;
	struct secret	*p;
	enum sec_status	 st;

	*cause = NULL;
	st = identity_read(path, &ident, cause);
	if (st != SEC_OK)
		return st;
	if (identity_locked(ident)) {
		p = pw(pass);
		st = identity_unlock(ident, p, cause);
		secret_free(&p);
	}
	identity_free(&ident);
	return st;
}

/* Parse an identity text; the status. */
static enum sec_status
parse(const char *text, char **cause)
{
	struct identity	*ident;
	enum sec_status	 st;

	*cause = NULL;
	st = identity_parse(text, strlen(text), "t.identity", &ident, cause);
	identity_free(&ident);
	return st;
}

/* The text with the first occurrence of from replaced by to. */
static char *
subst(const char *text, const char *from, const char *to)
{
	const char	*at;

	at = strstr(text, from);
	if (at == NULL)
		return xstrdup(text);
	return xasprintf("%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
}

int
main(void)
{
	struct identity		*alice, *ident, *svc;
	struct secret		*p, *q;
	struct secrecord		*rec;
	struct secrecord_recipient	 r;
	struct stat		 sb;
	unsigned char		 store[SECRECORD_STOREBYTES] = { 1 };
	char			*path, *kpath, *rpath, *cause, *text, *t2;
	char			*before, *after, *want, *line;
	size_t			 len, len2, i, nfail, nok;
	enum sec_status		 st;
	enum identity_kdf	 lvl;
	time_t			 t0;
	mode_t			 modes[] = { 0644, 0640, 0604, 0660, 0606 };

	plan_lazy();
	if (hygiene_init(&cause) != 0)
		return 99;
	umask(0);	/* modes must come out right whatever the umask */

	ok(identity_kdf_parse("moderate", &lvl) == 0 &&
	    lvl == IDENTITY_KDF_MODERATE, "kdf level names parse");
	ok(identity_kdf_parse("fast", &lvl) == -1, "unknown levels do not");
	ok(identity_id_valid("alice") && identity_id_valid("service:export"),
	    "user and service ids are valid");
	ok(!identity_id_valid("a b") && !identity_id_valid("") &&
	    !identity_id_valid("-x") && !identity_id_valid("service:"),
	    "bad ids are not");

	/* Round trip through a file. */
	path = tmp("alice.identity");
	ok(identity_generate("alice", &alice, &cause) == SEC_OK, "generate");
	p = pw("");
	ok(identity_write(alice, path, p, IDENTITY_KDF_INTERACTIVE, 0,
	    &cause) == SEC_EINVAL, "an empty passphrase is refused");
	like(cause, "empty passphrase", "and says so");
	free(cause);
	secret_free(&p);
	ok(lstat(path, &sb) == -1, "nothing was written");
	p = pw("alice pass");
	ok(identity_write(alice, path, p, IDENTITY_KDF_INTERACTIVE, 0,
	    &cause) == SEC_OK, "write with a passphrase");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0600,
	    "the identity file is 0600 under umask 000");
	ok(identity_write(alice, path, p, IDENTITY_KDF_INTERACTIVE, 0,
	    &cause) == SEC_EINVAL, "an existing file is not overwritten");
	free(cause);
	ok(identity_read(path, &ident, &cause) == SEC_OK, "read it back");
	ok(identity_locked(ident), "it is locked");
	is_str(identity_id(ident), "alice", "id kept");
	ok(memcmp(identity_pk(ident), identity_pk(alice), 32) == 0,
	    "public key kept");
	ok(identity_unlock(ident, p, &cause) == SEC_OK, "unlock");
	ok(sodium_memcmp(secret_peek(identity_sk_peek(ident)),
	    secret_peek(identity_sk_peek(alice)), 32) == 0,
	    "the secret key came back");
	identity_free(&ident);
	ok(ident == NULL, "identity_free clears the pointer");
	{
		char		*b64 = identity_pk_b64(alice);
		unsigned char	 pk[32];

		ok(identity_pk_decode(b64, pk) == 0 &&
		    memcmp(pk, identity_pk(alice), 32) == 0,
		    "box_pk survives base64 for workspace.json");
		free(b64);
	}

	/* Wrong passphrase: its own kind and message, file untouched. */
	before = slurp(path, &len);
	st = load(path, "not alice", &cause);
	is_int(st, SEC_EPASSPHRASE, "a wrong passphrase is SEC_EPASSPHRASE");
	want = xasprintf("wrong passphrase for %s (or the file is damaged)",
	    path);
	is_str(cause, want, "with the documented message");
	free(want);
	free(cause);
	after = slurp(path, &len2);
	ok(len == len2 && memcmp(before, after, len) == 0, "the file is "
	    "unchanged");
	free(after);

	/* Passphrase change: only the identity file changes. */
	rpath = tmp("c.secrets");
	r.id = "alice";
	r.pk = identity_pk(alice);
	ok(secrecord_create(store, "c", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, &r, 1, &rec, &cause) == SEC_OK &&
	    secrecord_set(rec, "api_key", p, &cause) == SEC_OK &&
	    secrecord_save(rec, rpath, 0600, (gid_t)-1, &cause) == SEC_OK,
	    "a record for alice");
	secrecord_free(&rec);
	t2 = slurp(rpath, &len2);
	ok(identity_read(path, &ident, &cause) == SEC_OK &&
	    identity_unlock(ident, p, &cause) == SEC_OK, "unlock to change");
	q = pw("alice new pass");
	ok(identity_write(ident, path, q, IDENTITY_KDF_KEEP, 1, &cause) ==
	    SEC_OK, "write it with the new passphrase");
	identity_free(&ident);
	is_int(load(path, "alice pass", &cause), SEC_EPASSPHRASE,
	    "the old passphrase fails");
	free(cause);
	is_int(load(path, "alice new pass", &cause), SEC_OK, "the new one "
	    "works");
	after = slurp(path, &len);
	ok(strstr(after, "kdf argon2id13 2 67108864 ") != NULL, "the KDF "
	    "level was kept");
	{
		/* Salt and nonce lines differ. */
		char	*s1 = strstr(before, "kdf "), *s2 = strstr(after,
			    "kdf ");
		char	*n1 = strstr(before, "nonce "), *n2 = strstr(after,
			    "nonce ");

		ok(strncmp(s1, s2, (size_t)(strchr(s1, '\n') - s1)) != 0,
		    "new salt");
		ok(strncmp(n1, n2, (size_t)(strchr(n1, '\n') - n1)) != 0,
		    "new nonce");
	}
	free(after);
	after = slurp(rpath, &len);
	ok(len == len2 && memcmp(after, t2, len) == 0, "the record is "
	    "byte-identical after the passphrase change");
	free(after);
	free(t2);
	free(before);
	ok(identity_read(path, &ident, &cause) == SEC_OK &&
	    identity_unlock(ident, q, &cause) == SEC_OK &&
	    secrecord_load(rpath, store, "c", ident, &rec, &cause) == SEC_OK,
	    "the record opens with the new passphrase");
	secrecord_free(&rec);
	identity_free(&ident);
	secret_free(&q);
	ok(leakscan_file(path, "alice new pass") == 0 &&
	    leakscan_file(path, "alice pass") == 0, "no passphrase in the "
	    "identity file");

	/* Key files (kdf none). */
	kpath = tmp("svc.key");
	ok(identity_generate("service:export", &svc, &cause) == SEC_OK &&
	    identity_write(svc, kpath, NULL, IDENTITY_KDF_INTERACTIVE, 0,
	    &cause) == SEC_OK, "write a key file");
	ok(stat(kpath, &sb) == 0 && (sb.st_mode & 07777) == 0600,
	    "the key file is 0600 under umask 000");
	ok(identity_read(kpath, &ident, &cause) == SEC_OK &&
	    !identity_locked(ident) && identity_is_keyfile(ident),
	    "a key file reads unlocked");
	ok(sodium_memcmp(secret_peek(identity_sk_peek(ident)),
	    secret_peek(identity_sk_peek(svc)), 32) == 0, "with its key");
	identity_free(&ident);

	/* Permission checks, for both kinds. */
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		chmod(kpath, modes[i]);
		st = load(kpath, "", &cause);
		want = xasprintf("permissions %04o for '%s' are too open; it "
		    "must not be accessible by others (chmod 600 %s)",
		    (unsigned int)modes[i], kpath, kpath);
		ok(st == SEC_EUNSAFE && cause != NULL &&
		    strcmp(cause, want) == 0, "a %04o key file is refused "
		    "with the OpenSSH-style message", (unsigned int)modes[i]);
		free(want);
		free(cause);
	}
	chmod(path, 0644);
	is_int(load(path, "alice new pass", &cause), SEC_EUNSAFE,
	    "a 0644 identity file is refused too");
	free(cause);
	chmod(path, 0600);
	chmod(kpath, 0600);
	line = tmp("link.key");
	ok(symlink(kpath, line) == 0, "symlink to the key file");
	is_int(load(line, "", &cause), SEC_EUNSAFE, "a symlinked key file is "
	    "refused");
	like(cause, "symbolic link", "because it is a link");
	free(cause);
	free(line);
	if (geteuid() == 0) {
		ok(chown(kpath, 4321, 4321) == 0, "give the key file away");
		is_int(load(kpath, "", &cause), SEC_EUNSAFE, "a key file of "
		    "another user is refused");
		like(cause, "owned by another user", "and says why");
		free(cause);
		ok(chown(kpath, 0, 0) == 0, "take it back");
	} else
		skip("not root: cannot give a file away");
	is_int(load(kpath, "", &cause), SEC_OK, "the 0600 key file is fine");

	/* Flip one bit of every byte: every read fails, nothing leaks. */
	text = slurp(kpath, &len);
	nfail = nok = 0;
	for (i = 0; i < len; i++) {
		t2 = xmalloc(len);
		memcpy(t2, text, len);
		t2[i] ^= (char)(1 << (i % 8));
		st = identity_parse(t2, len, "k", &ident, &cause);
		if (st == SEC_OK) {
			/*
			 * A key file is plaintext: the member line is not
			 * authenticated, and X25519 ignores the clamped bits
			 * of the scalar. Only those may change, never the
			 * effective key.
			 */
			if (!same_effective_key(ident, svc))
				nok++;
			identity_free(&ident);
		} else {
			nfail++;
			free(cause);
		}
		free(t2);
	}
	is_int(nok, 0, "no bit flip of a key file yields another key (%zu "
	    "tried)", len);
	free(text);

	text = slurp(path, &len);
	before = slurp(path, &len2);
	nfail = nok = 0;
	for (i = 0; i < len; i++) {
		t2 = xmalloc(len);
		memcpy(t2, text, len);
		t2[i] ^= (char)(1 << (i % 8));
		put(kpath, t2, len);
		st = load(kpath, "alice new pass", &cause);
		if (st == SEC_OK)
			nok++;
		else
			free(cause);
		free(t2);
	}
	is_int(nok, 0, "no bit flip of an identity file unlocks (%zu tried)",
	    len);
	after = slurp(path, &len2);
	ok(len == len2 && memcmp(after, before, len) == 0, "the original "
	    "file is unchanged");
	free(after);
	free(before);

	/* Structure: truncations, appends, reorders, CRLF, NUL, size. */
	nok = 0;
	for (i = 0; i < len; i++) {
		if (identity_parse(text, i, "t", &ident, &cause) == SEC_OK) {
			nok++;
			identity_free(&ident);
		} else
			free(cause);
	}
	is_int(nok, 0, "every truncation (line boundary and mid-line) is "
	    "refused");
	t2 = xasprintf("%sx\n", text);
	is_int(parse(t2, &cause), SEC_EFORMAT, "appended line refused");
	free(cause);
	free(t2);
	t2 = xasprintf("%s\n", text);
	is_int(parse(t2, &cause), SEC_EFORMAT, "appended empty line refused");
	free(cause);
	free(t2);
	t2 = subst(text, "\nsign-pk -\n", "\nsign-pk -\nsign-pk -\n");
	is_int(parse(t2, &cause), SEC_EFORMAT, "duplicated line refused");
	free(cause);
	free(t2);
	t2 = subst(text, "sign-pk -\n", "");
	is_int(parse(t2, &cause), SEC_EFORMAT, "deleted line refused");
	free(cause);
	free(t2);
	{
		char	*m = strstr(text, "member "), *b = strstr(text,
			    "box-pk ");
		char	*e = strstr(text, "sign-pk");

		t2 = xasprintf("%.*s%.*s%.*s%s", (int)(m - text), text,
		    (int)(e - b), b, (int)(b - m), m, e);
		is_int(parse(t2, &cause), SEC_EFORMAT, "reordered lines "
		    "refused");
		free(cause);
		free(t2);
	}
	t2 = subst(text, "\n", "\r\n");
	is_int(parse(t2, &cause), SEC_EFORMAT, "CRLF refused");
	free(cause);
	free(t2);
	t2 = xmalloc(len);
	memcpy(t2, text, len);
	t2[5] = '\0';
	is_int(identity_parse(t2, len, "t", &ident, &cause), SEC_EFORMAT,
	    "NUL refused");
	free(cause);
	free(t2);
	t2 = xcalloc(1, IDENTITY_MAX_FILE + 2);
	memcpy(t2, text, len);
	memset(t2 + len, 'x', IDENTITY_MAX_FILE - len);
	t2[IDENTITY_MAX_FILE] = '\n';
	is_int(identity_parse(t2, IDENTITY_MAX_FILE + 1, "t", &ident, &cause),
	    SEC_EFORMAT, "oversize refused");
	like(cause, "too large", "as too large");
	free(cause);
	free(t2);
	t2 = subst(text, "segsync-identity/v1", "segsync-identity/v2");
	is_int(parse(t2, &cause), SEC_EFORMAT, "v2 refused");
	like(cause, "unsupported format", "as an unsupported format");
	free(cause);
	free(t2);
	t2 = subst(text, "kdf argon2id13", "kdf scrypt");
	is_int(parse(t2, &cause), SEC_EFORMAT, "another KDF refused");
	like(cause, "unsupported format", "as an unsupported format");
	free(cause);
	free(t2);

	/* KDF floor and ceiling, before any derivation. */
	{
		static const char	*bad[][2] = {
			{ " 2 67108864 ", " 1 67108864 " },
			{ " 2 67108864 ", " 2 8388608 " },
			{ " 2 67108864 ", " 2 4294967296 " },
			{ " 2 67108864 ", " 1000 67108864 " },
			{ " 2 67108864 ", " 2 99999999999999999999999 " },
			{ " 2 67108864 ", " 02 67108864 " },
		};

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			t2 = subst(text, bad[i][0], bad[i][1]);
			put(kpath, t2, strlen(t2));
			t0 = time(NULL);
			is_int(load(kpath, "alice new pass", &cause),
			    SEC_EFORMAT, "kdf params%s refused", bad[i][1]);
			ok(time(NULL) - t0 <= 1, "quickly");
			free(cause);
			free(t2);
		}
		/* In range but edited: the AD catches it. */
		t2 = subst(text, " 2 67108864 ", " 3 67108864 ");
		put(kpath, t2, strlen(t2));
		is_int(load(kpath, "alice new pass", &cause), SEC_EPASSPHRASE,
		    "an edited kdf line fails to decrypt");
		free(cause);
		free(t2);
	}

	/* Non-canonical base64 and wrong lengths. */
	{
		char	*pk64 = identity_pk_b64(alice), *bad;
		char	 last;

		/* 32 bytes: the last char carries 2 unused bits, which a
		 * canonical encoding leaves zero; set one. */
		last = pk64[strlen(pk64) - 1];
		bad = xstrdup(pk64);
		bad[strlen(bad) - 1] =
		    alphabet[(strchr(alphabet, last) - alphabet) + 1];
		t2 = subst(text, pk64, bad);
		is_int(parse(t2, &cause), SEC_EFORMAT, "base64 with stray "
		    "bits refused");
		free(cause);
		free(t2);
		free(bad);
		bad = xasprintf("%s=", pk64);
		t2 = subst(text, pk64, bad);
		is_int(parse(t2, &cause), SEC_EFORMAT, "padded base64 "
		    "refused");
		free(cause);
		free(t2);
		free(bad);
		bad = xasprintf("%sAAAA", pk64);
		t2 = subst(text, pk64, bad);
		is_int(parse(t2, &cause), SEC_EFORMAT, "a 35-byte key "
		    "refused");
		free(cause);
		free(t2);
		free(bad);
		bad = xstrndup(pk64, strlen(pk64) - 4);
		t2 = subst(text, pk64, bad);
		is_int(parse(t2, &cause), SEC_EFORMAT, "a 29-byte key "
		    "refused");
		free(cause);
		free(t2);
		free(bad);
		free(pk64);
	}
	free(text);

	/* Public key that does not match the secret key. */
	text = NULL;
	identity_write(svc, kpath, NULL, IDENTITY_KDF_INTERACTIVE, 1, &cause);
	text = slurp(kpath, &len);
	{
		char	*pk1 = identity_pk_b64(svc), *pk2 = identity_pk_b64(alice);

		t2 = subst(text, pk1, pk2);
		put(kpath, t2, strlen(t2));
		is_int(load(kpath, "", &cause), SEC_EINTEGRITY, "a key file "
		    "whose public key does not match is refused");
		like(cause, "does not match its public key", "and says so");
		free(cause);
		free(t2);
		free(pk1);
		free(pk2);
	}
	free(text);

	identity_free(&alice);
	identity_free(&svc);
	secret_free(&p);
	free(path);
	free(kpath);
	free(rpath);
	return done_testing();
}
