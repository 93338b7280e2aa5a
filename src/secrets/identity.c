/* Member identities: X25519 keypairs under a passphrase or in a key file. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "secrets/hygiene.h"
#include "secrets/identity.h"
#include "secrets/sectext.h"

#define AEAD_NONCE	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define AEAD_TAG	crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SKBYTES		crypto_box_SECRETKEYBYTES
#define SALTBYTES	crypto_pwhash_SALTBYTES

struct identity {
	char		*id;
	char		*name;		/* file, for messages */
	unsigned char	 pk[IDENTITY_PKBYTES];
	int		 keyfile;	/* "kdf none" */
	uint64_t	 ops;
	uint64_t	 mem;
	unsigned char	 salt[SALTBYTES];
	unsigned char	 nonce[AEAD_NONCE];
	unsigned char	 skct[SKBYTES + AEAD_TAG];
	char		*ad;		/* header lines before "nonce" */
	size_t		 adlen;
	struct secret	*sk;		/* NULL while locked */
};

static const struct {
	const char	*name;
	uint64_t	 ops;
	uint64_t	 mem;
} identity_levels[] = {
	{ "interactive", 2, 64ULL * 1024 * 1024 },
	{ "moderate", 3, 256ULL * 1024 * 1024 },
	{ "sensitive", 4, 1024ULL * 1024 * 1024 },
};

int
identity_kdf_parse(const char *s, enum identity_kdf *out)
{
	size_t	i;

	for (i = 0; i < sizeof identity_levels / sizeof identity_levels[0];
	    i++) {
		if (strcmp(s, identity_levels[i].name) == 0) {
			*out = (enum identity_kdf)i;
			return 0;
		}
	}
	return -1;
}

int
identity_id_valid(const char *id)
{
	size_t	i, n;

	if (strncmp(id, IDENTITY_SERVICE_PREFIX,
	    strlen(IDENTITY_SERVICE_PREFIX)) == 0)
		id += strlen(IDENTITY_SERVICE_PREFIX);
	n = strlen(id);
	if (n == 0 || n > 64 || id[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", id[i]) == NULL)
			return 0;
	}
	return 1;
}

void
identity_free(struct identity **ip)
{
	struct identity	*ident = *ip;

	if (ident == NULL)
		return;
	secret_free(&ident->sk);
	free(ident->id);
	free(ident->name);
	free(ident->ad);
	sodium_memzero(ident, sizeof *ident);
	free(ident);
	*ip = NULL;
}

struct identity *
identity_dup(const struct identity *src)
{
	struct identity	*d;

	d = xmalloc(sizeof *d);
	*d = *src;
	d->id = src->id != NULL ? xstrdup(src->id) : NULL;
	d->name = src->name != NULL ? xstrdup(src->name) : NULL;
	if (src->ad != NULL) {
		d->ad = xmalloc(src->adlen + 1);
		memcpy(d->ad, src->ad, src->adlen);
		d->ad[src->adlen] = '\0';
	}
	d->sk = src->sk != NULL ? secret_dup(src->sk) : NULL;
	return d;
}

enum sec_status
identity_generate(const char *id, struct identity **out, char **cause)
{
	struct identity	*ident;

	*out = NULL;
	if (!identity_id_valid(id)) {
		*cause = xasprintf(_("'%s' is not a valid member name"), id);
		return SEC_EINVAL;
	}
	ident = xcalloc(1, sizeof *ident);
	ident->id = xstrdup(id);
	ident->name = xstrdup(id);
	ident->sk = secret_new(SKBYTES);
	crypto_box_keypair(ident->pk, secret_buf(ident->sk));
	*out = ident;
	return SEC_OK;
}

const char *
identity_id(const struct identity *ident)
{
	return ident->id;
}

const unsigned char *
identity_pk(const struct identity *ident)
{
	return ident->pk;
}

char *
identity_pk_b64(const struct identity *ident)
{
	return sectext_b64(ident->pk, sizeof ident->pk);
}

int
identity_pk_decode(const char *b64, unsigned char pk[IDENTITY_PKBYTES])
{
	return sectext_unb64(b64, strlen(b64), pk, IDENTITY_PKBYTES);
}

int
identity_locked(const struct identity *ident)
{
	return ident->sk == NULL;
}

int
identity_is_keyfile(const struct identity *ident)
{
	return ident->keyfile;
}

const struct secret *
identity_sk_peek(const struct identity *ident)
{
	return ident->sk;
}

/* Recompute the public key from the secret key and compare. */
static enum sec_status
identity_check_pk(const struct identity *ident, const struct secret *sk,
    char **cause)
{
	unsigned char	pk[IDENTITY_PKBYTES];

	crypto_scalarmult_base(pk, secret_peek(sk));
	if (sodium_memcmp(pk, ident->pk, sizeof pk) != 0) {
		*cause = xasprintf(_("%s is damaged: its secret key does not "
		    "match its public key"), ident->name);
		return SEC_EINTEGRITY;
	}
	return SEC_OK;
}

static enum sec_status
identity_bad(const char *name, char **cause)
{
	*cause = xasprintf(_("%s is not a valid segsync identity file (it is "
	    "damaged or was edited)"), name);
	return SEC_EFORMAT;
}

enum sec_status
identity_parse(const void *buf, size_t len, const char *name,
    struct identity **out, char **cause)
{
	struct sectext	 t;
	struct identity	*ident;
	const char	*line, *w[5];
	size_t		 llen, wl[5];
	int		 n;
	enum sec_status	 st;
	char		*id = NULL;

	*out = NULL;
	if (len > IDENTITY_MAX_FILE) {
		*cause = xasprintf(_("%s is too large to be an identity "
		    "file"), name);
		return SEC_EFORMAT;
	}
	if (sectext_check(buf, len, IDENTITY_MAX_FILE) != 0)
		return identity_bad(name, cause);
	t.p = buf;
	t.end = t.p + len;

	if (!sectext_line(&t, &line, &llen))
		return identity_bad(name, cause);
	if (!sectext_is(line, llen, IDENTITY_MAGIC)) {
		if (llen > 17 && memcmp(line, "segsync-identity/", 17) == 0) {
			*cause = xasprintf(_("%s has an unsupported format "
			    "(a newer segsync may read it)"), name);
			return SEC_EFORMAT;
		}
		return identity_bad(name, cause);
	}

	ident = xcalloc(1, sizeof *ident);
	ident->name = xstrdup(name);

	/* member <id> */
	if (!sectext_line(&t, &line, &llen) ||
	    sectext_words(line, llen, w, wl, 2) != 2 ||
	    !sectext_is(w[0], wl[0], "member"))
		goto bad;
	id = xstrndup(w[1], wl[1]);
	if (!identity_id_valid(id))
		goto bad;
	ident->id = id;
	id = NULL;

	/* box-pk <b64> */
	if (!sectext_line(&t, &line, &llen) ||
	    sectext_words(line, llen, w, wl, 2) != 2 ||
	    !sectext_is(w[0], wl[0], "box-pk") ||
	    sectext_unb64(w[1], wl[1], ident->pk, sizeof ident->pk) != 0)
		goto bad;

	/* sign-pk - */
	if (!sectext_line(&t, &line, &llen) ||
	    !sectext_is(line, llen, "sign-pk -"))
		goto bad;

	/* kdf none | kdf argon2id13 <ops> <mem> <salt> */
	if (!sectext_line(&t, &line, &llen))
		goto bad;
	n = sectext_words(line, llen, w, wl, 5);
	if (n == 2 && sectext_is(w[0], wl[0], "kdf") &&
	    sectext_is(w[1], wl[1], "none"))
		ident->keyfile = 1;
	else if (n == 5 && sectext_is(w[0], wl[0], "kdf") &&
	    sectext_is(w[1], wl[1], "argon2id13")) {
		if (sectext_uint(w[2], wl[2], &ident->ops) != 0 ||
		    sectext_uint(w[3], wl[3], &ident->mem) != 0 ||
		    sectext_unb64(w[4], wl[4], ident->salt,
		    sizeof ident->salt) != 0)
			goto bad;
		/* Floors against downgrade, ceilings against DoS. */
		if (ident->ops < IDENTITY_OPS_MIN ||
		    ident->mem < IDENTITY_MEM_MIN) {
			*cause = xasprintf(_("%s asks for a weaker key "
			    "derivation than segsync allows (at least %llu "
			    "passes and %llu MiB); it may have been tampered "
			    "with"), name, IDENTITY_OPS_MIN,
			    IDENTITY_MEM_MIN >> 20);
			st = SEC_EFORMAT;
			goto fail;
		}
		if (ident->ops > IDENTITY_OPS_MAX ||
		    ident->mem > IDENTITY_MEM_MAX) {
			*cause = xasprintf(_("%s asks for a costlier key "
			    "derivation than segsync allows (at most %llu "
			    "passes and %llu MiB)"), name, IDENTITY_OPS_MAX,
			    IDENTITY_MEM_MAX >> 20);
			st = SEC_EFORMAT;
			goto fail;
		}
	} else {
		if (n >= 2 && sectext_is(w[0], wl[0], "kdf")) {
			*cause = xasprintf(_("%s has an unsupported format "
			    "(unknown key derivation)"), name);
			st = SEC_EFORMAT;
			goto fail;
		}
		goto bad;
	}
	ident->adlen = (size_t)(t.p - (const char *)buf);
	ident->ad = xmalloc(ident->adlen);
	memcpy(ident->ad, buf, ident->adlen);

	if (!ident->keyfile) {
		/* nonce <b64> */
		if (!sectext_line(&t, &line, &llen) ||
		    sectext_words(line, llen, w, wl, 2) != 2 ||
		    !sectext_is(w[0], wl[0], "nonce") ||
		    sectext_unb64(w[1], wl[1], ident->nonce,
		    sizeof ident->nonce) != 0)
			goto bad;
	}

	/* sk <b64> */
	if (!sectext_line(&t, &line, &llen) ||
	    sectext_words(line, llen, w, wl, 2) != 2 ||
	    !sectext_is(w[0], wl[0], "sk"))
		goto bad;
	if (ident->keyfile) {
		ident->sk = secret_new(SKBYTES);
		if (sectext_unb64(w[1], wl[1], secret_buf(ident->sk),
		    SKBYTES) != 0)
			goto bad;
	} else if (sectext_unb64(w[1], wl[1], ident->skct,
	    sizeof ident->skct) != 0)
		goto bad;

	/* Nothing may follow. */
	if (t.p != t.end)
		goto bad;

	if (ident->keyfile) {
		st = identity_check_pk(ident, ident->sk, cause);
		if (st != SEC_OK)
			goto fail;
	}
	*out = ident;
	return SEC_OK;

bad:
	st = identity_bad(name, cause);
fail:
	free(id);
	identity_free(&ident);
	return st;
}

enum sec_status
identity_read(const char *path, struct identity **out, char **cause)
{
	struct secret	*buf;
	enum sec_status	 st;
	int		 fd;

	*out = NULL;
	st = hygiene_open_private(path, &fd, cause);
	if (st != SEC_OK)
		return st;
	/* Into secret memory: a key file holds the plaintext key. */
	if (secret_from_fd(fd, IDENTITY_MAX_FILE, path, &buf, cause) != 0) {
		close(fd);
		return SEC_EFORMAT;
	}
	close(fd);
	st = identity_parse(secret_peek(buf), secret_len(buf), path, out,
	    cause);
	secret_free(&buf);
	return st;
}

enum sec_status
identity_unlock(struct identity *ident, const struct secret *pass,
    char **cause)
{
	struct secret		*kek, *sk;
	unsigned long long	 outlen;
	enum sec_status		 st;

	if (ident->sk != NULL)
		return SEC_OK;
	kek = secret_new(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	if (crypto_pwhash(secret_buf(kek), secret_len(kek),
	    (const char *)secret_peek(pass), secret_len(pass), ident->salt,
	    ident->ops, (size_t)ident->mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		*cause = xasprintf(_("could not allocate %llu MiB for key "
		    "derivation (unlocking %s)"),
		    (unsigned long long)(ident->mem >> 20), ident->name);
		secret_free(&kek);
		return SEC_EFAIL;
	}
	sk = secret_new(SKBYTES);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret_buf(sk),
	    &outlen, NULL, ident->skct, sizeof ident->skct,
	    (const unsigned char *)ident->ad, ident->adlen, ident->nonce,
	    secret_peek(kek)) != 0 || outlen != SKBYTES) {
		secret_free(&kek);
		secret_free(&sk);
		*cause = xasprintf(_("wrong passphrase for %s (or the file is "
		    "damaged)"), ident->name);
		return SEC_EPASSPHRASE;
	}
	secret_free(&kek);
	st = identity_check_pk(ident, sk, cause);
	if (st != SEC_OK) {
		secret_free(&sk);
		return st;
	}
	ident->sk = sk;
	return SEC_OK;
}

/* Append s to the secret text buffer at *pos (sized by the caller). */
static void
identity_put(struct secret *buf, size_t *pos, const char *s, size_t n)
{
	memcpy(secret_buf(buf) + *pos, s, n);
	*pos += n;
}

enum sec_status
identity_write(const struct identity *ident, const char *path,
    const struct secret *pass, enum identity_kdf level, int replace,
    char **cause)
{
	struct stat	 sb;
	struct secret	*kek = NULL, *text = NULL;
	unsigned char	 salt[SALTBYTES], nonce[AEAD_NONCE];
	unsigned char	 ct[SKBYTES + AEAD_TAG];
	char		*head = NULL, *pk64, *salt64 = NULL, *tail = NULL;
	char		*n64 = NULL, *c64 = NULL;
	char		 sk64[sodium_base64_ENCODED_LEN(SKBYTES,
			     sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	uint64_t	 ops, mem;
	size_t		 pos = 0, headlen, taillen;
	enum sec_status	 st = SEC_EFAIL;

	if (ident->sk == NULL) {
		*cause = xasprintf(_("%s is locked; unlock it before writing "
		    "it"), ident->name);
		return SEC_EINVAL;
	}
	if (pass != NULL && secret_len(pass) == 0) {
		*cause = xstrdup(_("an empty passphrase is not allowed"));
		return SEC_EINVAL;
	}
	if (!replace && lstat(path, &sb) == 0) {
		*cause = xasprintf(_("%s already exists; not overwriting it"),
		    path);
		return SEC_EINVAL;
	}

	pk64 = sectext_b64(ident->pk, sizeof ident->pk);
	if (pass == NULL) {
		head = xasprintf("%s\nmember %s\nbox-pk %s\nsign-pk -\n"
		    "kdf none\n", IDENTITY_MAGIC, ident->id, pk64);
		sodium_bin2base64(sk64, sizeof sk64, secret_peek(ident->sk),
		    SKBYTES, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
		headlen = strlen(head);
		text = secret_new(headlen + 3 + strlen(sk64) + 1);
		identity_put(text, &pos, head, headlen);
		identity_put(text, &pos, "sk ", 3);
		identity_put(text, &pos, sk64, strlen(sk64));
		identity_put(text, &pos, "\n", 1);
		sodium_memzero(sk64, sizeof sk64);
	} else {
		if (level == IDENTITY_KDF_KEEP) {
			if (ident->ops != 0 && !ident->keyfile) {
				ops = ident->ops;
				mem = ident->mem;
			} else {
				ops = identity_levels[IDENTITY_KDF_MODERATE]
				    .ops;
				mem = identity_levels[IDENTITY_KDF_MODERATE]
				    .mem;
			}
		} else {
			ops = identity_levels[level].ops;
			mem = identity_levels[level].mem;
		}
		randombytes_buf(salt, sizeof salt);
		randombytes_buf(nonce, sizeof nonce);
		salt64 = sectext_b64(salt, sizeof salt);
		head = xasprintf("%s\nmember %s\nbox-pk %s\nsign-pk -\n"
		    "kdf argon2id13 %" PRIu64 " %" PRIu64 " %s\n",
		    IDENTITY_MAGIC, ident->id, pk64, ops, mem, salt64);
		headlen = strlen(head);
		kek = secret_new(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
		if (crypto_pwhash(secret_buf(kek), secret_len(kek),
		    (const char *)secret_peek(pass), secret_len(pass), salt,
		    ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
			*cause = xasprintf(_("could not allocate %llu MiB for "
			    "key derivation (writing %s)"),
			    (unsigned long long)(mem >> 20), path);
			goto out;
		}
		crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL,
		    secret_peek(ident->sk), SKBYTES,
		    (const unsigned char *)head, headlen, NULL, nonce,
		    secret_peek(kek));
		n64 = sectext_b64(nonce, sizeof nonce);
		c64 = sectext_b64(ct, sizeof ct);
		tail = xasprintf("nonce %s\nsk %s\n", n64, c64);
		taillen = strlen(tail);
		text = secret_new(headlen + taillen);
		identity_put(text, &pos, head, headlen);
		identity_put(text, &pos, tail, taillen);
	}
	if (fileio_write_atomic(path, secret_peek(text), secret_len(text),
	    0600, (gid_t)-1, cause) != 0)
		goto out;
	st = SEC_OK;
out:
	secret_free(&kek);
	secret_free(&text);
	free(pk64);
	free(salt64);
	free(n64);
	free(c64);
	free(head);
	free(tail);
	return st;
}
