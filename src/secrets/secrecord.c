/* Connection secret records: fields under a data key sealed to members. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "secrets/secrecord.h"
#include "secrets/sectext.h"

#define KEYBYTES	crypto_kdf_KEYBYTES
#define WRAPBYTES	(crypto_box_SEALBYTES + KEYBYTES)
#define NONCEBYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAGBYTES	crypto_aead_xchacha20poly1305_ietf_ABYTES
#define HASHBYTES	32
#define MAX_PADDED	((SECRECORD_MAX_FIELD / SECRECORD_PAD_BLOCK + 1) * \
			    SECRECORD_PAD_BLOCK)
#define AD_MAX		(sizeof SECRECORD_MAGIC + SECRECORD_STOREBYTES + 1 + \
			    SECRECORD_MAX_CONN + 1 + SECRECORD_MAX_NAME)

struct record_wrap {
	char		*id;
	unsigned char	 box[WRAPBYTES];
};

struct record_field {
	char		*name;
	unsigned char	 nonce[NONCEBYTES];
	unsigned char	*ct;
	size_t		 ctlen;
	struct secret	*value;		/* NULL in a parsed-only record */
};

struct secrecord {
	char			*name;	/* file, for messages */
	unsigned char		 store[SECRECORD_STOREBYTES];
	char			*conn;
	enum secrecord_policy	 policy;
	enum secrecord_export	 export;
	uint64_t		 gen;
	unsigned char		 commit[HASHBYTES];
	struct record_wrap	*wraps;
	size_t			 nwraps;
	struct record_field	*fields;
	size_t			 nfields;
	unsigned char		 mac[HASHBYTES];
	size_t			 macoff;	/* bytes the parsed mac covers */
	struct secret		*key;	/* K; NULL in a parsed-only record */
};

/* A growing text buffer for serialising. */
struct record_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
record_buf_add(struct record_buf *b, const char *s, size_t n)
{
	while (b->len + n + 1 > b->cap) {
		b->cap = b->cap == 0 ? 1024 : b->cap * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
record_buf_str(struct record_buf *b, const char *s)
{
	record_buf_add(b, s, strlen(s));
}

static void
record_buf_b64(struct record_buf *b, const void *bin, size_t n)
{
	char	*s;

	s = sectext_b64(bin, n);
	record_buf_str(b, s);
	free(s);
}

int
secrecord_role_wanted(enum secrecord_policy policy,
    enum secrecord_export export,
    enum secrecord_role role)
{
	switch (role) {
	case SECRECORD_ROLE_ADMIN:
		return 1;
	case SECRECORD_ROLE_CONTRIBUTOR:
		return policy == SECRECORD_POLICY_CONTRIBUTORS;
	case SECRECORD_ROLE_SERVICE:
		return export == SECRECORD_EXPORT_SCHEDULED;
	}
	return 0;
}

static int
record_word_valid(const char *s, size_t n, size_t max, const char *alphabet)
{
	size_t	i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '\0' || strchr(alphabet, s[i]) == NULL)
			return 0;
	}
	return 1;
}

int
secrecord_conn_valid(const char *conn)
{
	return record_word_valid(conn, strlen(conn), SECRECORD_MAX_CONN,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-");
}

int
secrecord_name_valid(const char *name)
{
	return record_word_valid(name, strlen(name), SECRECORD_MAX_NAME,
	    "abcdefghijklmnopqrstuvwxyz0123456789_");
}

int
secrecord_store_from_hex(const char *hex,
    unsigned char store[SECRECORD_STOREBYTES])
{
	size_t	i, got;

	if (strlen(hex) != SECRECORD_STOREBYTES * 2)
		return -1;
	for (i = 0; hex[i] != '\0'; i++) {
		if (strchr("0123456789abcdef", hex[i]) == NULL)
			return -1;
	}
	if (sodium_hex2bin(store, SECRECORD_STOREBYTES, hex, strlen(hex), NULL,
	    &got, NULL) != 0 || got != SECRECORD_STOREBYTES)
		return -1;
	return 0;
}

void
secrecord_free(struct secrecord **rp)
{
	struct secrecord	*rec = *rp;
	size_t		 i;

	if (rec == NULL)
		return;
	for (i = 0; i < rec->nwraps; i++)
		free(rec->wraps[i].id);
	free(rec->wraps);
	for (i = 0; i < rec->nfields; i++) {
		free(rec->fields[i].name);
		free(rec->fields[i].ct);
		secret_free(&rec->fields[i].value);
	}
	free(rec->fields);
	secret_free(&rec->key);
	free(rec->conn);
	free(rec->name);
	free(rec);
	*rp = NULL;
}

/* A 32-byte subkey of K for one purpose. */
static struct secret *
record_subkey(const struct secret *key, const char *ctx)
{
	struct secret	*sub;

	sub = secret_new(32);
	crypto_kdf_derive_from_key(secret_buf(sub), 32, SECRECORD_SUBKEY_ID,
	    ctx,
	    secret_peek(key));
	return sub;
}

/* commit = BLAKE2b-256(key = K_cmt, "commit" store u8(len conn) conn). */
static void
record_commitment(const struct secrecord *rec, const struct secret *key,
    unsigned char out[HASHBYTES])
{
	crypto_generichash_state	 st;
	struct secret			*kc;
	unsigned char			 n;

	kc = record_subkey(key, SECRECORD_CTX_COMMIT);
	crypto_generichash_init(&st, secret_peek(kc), secret_len(kc),
	    HASHBYTES);
	crypto_generichash_update(&st, (const unsigned char *)"commit", 6);
	crypto_generichash_update(&st, rec->store, sizeof rec->store);
	n = (unsigned char)strlen(rec->conn);
	crypto_generichash_update(&st, &n, 1);
	crypto_generichash_update(&st, (const unsigned char *)rec->conn, n);
	crypto_generichash_final(&st, out, HASHBYTES);
	sodium_memzero(&st, sizeof st);
	secret_free(&kc);
}

static void
record_mac(const struct secret *key, const void *text, size_t len,
    unsigned char out[HASHBYTES])
{
	struct secret	*km;

	km = record_subkey(key, SECRECORD_CTX_MAC);
	crypto_generichash(out, HASHBYTES, text, len, secret_peek(km),
	    secret_len(km));
	secret_free(&km);
}

/* AD = magic 0x00 store u8(len conn) conn u8(len name) name. */
static size_t
record_ad(const struct secrecord *rec, const char *name,
    unsigned char ad[AD_MAX])
{
	size_t	len = 0, n;

	/* with the NUL */
	memcpy(ad, SECRECORD_MAGIC, sizeof SECRECORD_MAGIC);
	len += sizeof SECRECORD_MAGIC;
	memcpy(ad + len, rec->store, sizeof rec->store);
	len += sizeof rec->store;
	n = strlen(rec->conn);
	ad[len++] = (unsigned char)n;
	memcpy(ad + len, rec->conn, n);
	len += n;
	n = strlen(name);
	ad[len++] = (unsigned char)n;
	memcpy(ad + len, name, n);
	len += n;
	return len;
}

/* Encrypt f->value under a fresh nonce with K_field. */
static void
record_encrypt_field(const struct secrecord *rec, const struct secret *kf,
    struct record_field *f)
{
	struct secret	*pad;
	unsigned char	 ad[AD_MAX];
	size_t		 adlen, padlen, vlen;

	vlen = secret_len(f->value);
	pad = secret_new((vlen / SECRECORD_PAD_BLOCK + 1) * SECRECORD_PAD_BLOCK);
	if (vlen > 0)
		memcpy(secret_buf(pad), secret_peek(f->value), vlen);
	if (sodium_pad(&padlen, secret_buf(pad), vlen, SECRECORD_PAD_BLOCK,
	    secret_len(pad)) != 0)
		abort();	/* cannot happen: the buffer is sized for it */
	adlen = record_ad(rec, f->name, ad);
	randombytes_buf(f->nonce, sizeof f->nonce);
	free(f->ct);
	f->ctlen = padlen + TAGBYTES;
	f->ct = xmalloc(f->ctlen);
	crypto_aead_xchacha20poly1305_ietf_encrypt(f->ct, NULL,
	    secret_peek(pad), padlen, ad, adlen, NULL, f->nonce,
	    secret_peek(kf));
	secret_free(&pad);
}

/* Decrypt f->ct into f->value; -1 when it does not authenticate. */
static int
record_decrypt_field(const struct secrecord *rec, const struct secret *kf,
    struct record_field *f)
{
	struct secret		*pad;
	unsigned char		 ad[AD_MAX];
	unsigned long long	 plen;
	size_t			 adlen, vlen;

	pad = secret_new(f->ctlen - TAGBYTES);
	adlen = record_ad(rec, f->name, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret_buf(pad),
	    &plen, NULL, f->ct, f->ctlen, ad, adlen, f->nonce,
	    secret_peek(kf)) != 0 || plen != secret_len(pad) ||
	    sodium_unpad(&vlen, secret_peek(pad), secret_len(pad),
	    SECRECORD_PAD_BLOCK) != 0) {
		secret_free(&pad);
		return -1;
	}
	secret_truncate(pad, vlen);
	secret_free(&f->value);
	f->value = pad;
	return 0;
}

static int
record_wrap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct record_wrap *)a)->id,
	    ((const struct record_wrap *)b)->id);
}

/* Seal K to each recipient, sorted by id; replaces rec->wraps. */
static enum sec_status
record_seal(struct secrecord *rec, const struct secrecord_recipient *rcpt,
    size_t n, char **cause)
{
	struct record_wrap	*w;
	size_t			 i;

	if (n == 0) {
		*cause = xasprintf(_("connection %s needs at least one "
		    "recipient"), rec->conn);
		return SEC_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!identity_id_valid(rcpt[i].id)) {
			*cause = xasprintf(_("'%s' is not a valid member "
			    "name"), rcpt[i].id);
			return SEC_EINVAL;
		}
	}
	w = xcalloc(n, sizeof *w);
	for (i = 0; i < n; i++) {
		w[i].id = xstrdup(rcpt[i].id);
		if (crypto_box_seal(w[i].box, secret_peek(rec->key), KEYBYTES,
		    rcpt[i].pk) != 0)
			abort();	/* only fails on a bad point */
	}
	qsort(w, n, sizeof *w, record_wrap_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(w[i - 1].id, w[i].id) == 0) {
			*cause = xasprintf(_("member %s is listed twice as a "
			    "recipient of connection %s"), w[i].id, rec->conn);
			for (i = 0; i < n; i++)
				free(w[i].id);
			free(w);
			return SEC_EINVAL;
		}
	}
	for (i = 0; i < rec->nwraps; i++)
		free(rec->wraps[i].id);
	free(rec->wraps);
	rec->wraps = w;
	rec->nwraps = n;
	return SEC_OK;
}

enum sec_status
secrecord_create(const unsigned char store[SECRECORD_STOREBYTES],
    const char *conn,
    enum secrecord_policy policy, enum secrecord_export export,
    const struct secrecord_recipient *rcpt, size_t n, struct secrecord **out,
    char **cause)
{
	struct secrecord	*rec;
	enum sec_status	 st;

	*out = NULL;
	if (!secrecord_conn_valid(conn)) {
		*cause = xasprintf(_("'%s' is not a valid connection id"),
		    conn);
		return SEC_EINVAL;
	}
	rec = xcalloc(1, sizeof *rec);
	rec->name = xasprintf("%s.secrets", conn);
	memcpy(rec->store, store, sizeof rec->store);
	rec->conn = xstrdup(conn);
	rec->policy = policy;
	rec->export = export;
	rec->gen = 1;
	rec->key = secret_new(KEYBYTES);
	crypto_kdf_keygen(secret_buf(rec->key));
	record_commitment(rec, rec->key, rec->commit);
	st = record_seal(rec, rcpt, n, cause);
	if (st != SEC_OK) {
		secrecord_free(&rec);
		return st;
	}
	*out = rec;
	return SEC_OK;
}

static enum sec_status
record_bad(const char *name, char **cause)
{
	*cause = xasprintf(_("%s is not a valid segsync secrets file (it is "
	    "damaged or was edited)"), name);
	return SEC_EFORMAT;
}

/* Parse "<key> <b64 of exactly n bytes>". */
static int
record_line_b64(const char *line, size_t llen, const char *key,
    unsigned char *out, size_t n)
{
	const char	*w[2];
	size_t		 wl[2];

	return sectext_words(line, llen, w, wl, 2) == 2 &&
	    sectext_is(w[0], wl[0], key) &&
	    sectext_unb64(w[1], wl[1], out, n) == 0 ? 0 : -1;
}

enum sec_status
secrecord_parse(const void *buf, size_t len, const char *name,
    struct secrecord **out, char **cause)
{
	struct sectext		 t;
	struct secrecord		*rec;
	struct record_field	*f;
	struct record_wrap	*wr;
	const char		*line, *w[4];
	size_t			 llen, wl[4];
	long			 dl;

	*out = NULL;
	if (len > SECRECORD_MAX_FILE) {
		*cause = xasprintf(_("%s is too large to be a secrets file"),
		    name);
		return SEC_EFORMAT;
	}
	if (sectext_check(buf, len, SECRECORD_MAX_FILE) != 0)
		return record_bad(name, cause);
	t.p = buf;
	t.end = t.p + len;

	if (!sectext_line(&t, &line, &llen))
		return record_bad(name, cause);
	if (!sectext_is(line, llen, SECRECORD_MAGIC)) {
		if (llen > 15 && memcmp(line, "segsync-secret/", 15) == 0)
			goto unsupported;
		return record_bad(name, cause);
	}
	if (!sectext_line(&t, &line, &llen))
		return record_bad(name, cause);
	if (!sectext_is(line, llen, "suite 1")) {
		if (llen > 6 && memcmp(line, "suite ", 6) == 0)
			goto unsupported;
		return record_bad(name, cause);
	}

	rec = xcalloc(1, sizeof *rec);
	rec->name = xstrdup(name);

	if (!sectext_line(&t, &line, &llen) ||
	    record_line_b64(line, llen, "store", rec->store,
	    sizeof rec->store) != 0)
		goto bad;

	if (!sectext_line(&t, &line, &llen) ||
	    sectext_words(line, llen, w, wl, 2) != 2 ||
	    !sectext_is(w[0], wl[0], "conn"))
		goto bad;
	rec->conn = xstrndup(w[1], wl[1]);
	if (!secrecord_conn_valid(rec->conn))
		goto bad;

	if (!sectext_line(&t, &line, &llen))
		goto bad;
	if (sectext_is(line, llen, "policy admins"))
		rec->policy = SECRECORD_POLICY_ADMINS;
	else if (sectext_is(line, llen, "policy admins+contributors"))
		rec->policy = SECRECORD_POLICY_CONTRIBUTORS;
	else
		goto bad;

	if (!sectext_line(&t, &line, &llen))
		goto bad;
	if (sectext_is(line, llen, "export manual"))
		rec->export = SECRECORD_EXPORT_MANUAL;
	else if (sectext_is(line, llen, "export scheduled"))
		rec->export = SECRECORD_EXPORT_SCHEDULED;
	else
		goto bad;

	if (!sectext_line(&t, &line, &llen) ||
	    sectext_words(line, llen, w, wl, 2) != 2 ||
	    !sectext_is(w[0], wl[0], "gen") ||
	    sectext_uint(w[1], wl[1], &rec->gen) != 0 || rec->gen == 0)
		goto bad;

	if (!sectext_line(&t, &line, &llen) ||
	    record_line_b64(line, llen, "commit", rec->commit,
	    sizeof rec->commit) != 0)
		goto bad;

	/* Recipients: at least one, strictly increasing ids. */
	for (;;) {
		if (!sectext_line(&t, &line, &llen))
			goto bad;
		if (llen < 3 || memcmp(line, "-> ", 3) != 0)
			break;
		if (sectext_words(line, llen, w, wl, 3) != 3)
			goto bad;
		rec->wraps = xreallocarray(rec->wraps, rec->nwraps + 1,
		    sizeof *rec->wraps);
		wr = &rec->wraps[rec->nwraps];
		memset(wr, 0, sizeof *wr);
		wr->id = xstrndup(w[1], wl[1]);
		rec->nwraps++;
		if (!identity_id_valid(wr->id) ||
		    sectext_unb64(w[2], wl[2], wr->box, sizeof wr->box) != 0)
			goto bad;
		if (rec->nwraps > 1 &&
		    strcmp(rec->wraps[rec->nwraps - 2].id, wr->id) >= 0)
			goto bad;
	}
	if (rec->nwraps == 0)
		goto bad;

	/* Fields: strictly increasing names; line is already read. */
	for (;;) {
		if (llen < 6 || memcmp(line, "field ", 6) != 0)
			break;
		if (sectext_words(line, llen, w, wl, 4) != 4)
			goto bad;
		rec->fields = xreallocarray(rec->fields, rec->nfields + 1,
		    sizeof *rec->fields);
		f = &rec->fields[rec->nfields];
		memset(f, 0, sizeof *f);
		f->name = xstrndup(w[1], wl[1]);
		rec->nfields++;
		if (!secrecord_name_valid(f->name) ||
		    sectext_unb64(w[2], wl[2], f->nonce,
		    sizeof f->nonce) != 0)
			goto bad;
		if (rec->nfields > 1 &&
		    strcmp(rec->fields[rec->nfields - 2].name, f->name) >= 0)
			goto bad;
		dl = sectext_b64_declen(wl[3]);
		if (dl < (long)(SECRECORD_PAD_BLOCK + TAGBYTES) ||
		    dl > (long)(MAX_PADDED + TAGBYTES) ||
		    (dl - TAGBYTES) % SECRECORD_PAD_BLOCK != 0)
			goto bad;
		f->ctlen = (size_t)dl;
		f->ct = xmalloc(f->ctlen);
		if (sectext_unb64(w[3], wl[3], f->ct, f->ctlen) != 0)
			goto bad;
		if (!sectext_line(&t, &line, &llen))
			goto bad;
	}

	rec->macoff = (size_t)(line - (const char *)buf);
	if (record_line_b64(line, llen, "mac", rec->mac,
	    sizeof rec->mac) != 0 || t.p != t.end)
		goto bad;
	*out = rec;
	return SEC_OK;

bad:
	secrecord_free(&rec);
	return record_bad(name, cause);
unsupported:
	*cause = xasprintf(_("%s has an unsupported format (a newer segsync "
	    "may read it)"), name);
	return SEC_EFORMAT;
}

static enum sec_status
record_damaged(struct secrecord **rp, char **cause)
{
	*cause = xasprintf(_("%s failed its integrity check: it was altered "
	    "or damaged"), (*rp)->name);
	secrecord_free(rp);
	return SEC_EINTEGRITY;
}

enum sec_status
secrecord_open(const void *buf, size_t len, const char *name,
    const unsigned char store[SECRECORD_STOREBYTES], const char *conn,
    const struct identity *ident, struct secrecord **out, char **cause)
{
	struct secrecord		*rec;
	const struct secret	*sk;
	struct secret		*kf;
	struct record_wrap	*wr = NULL;
	unsigned char		 h[HASHBYTES];
	size_t			 i;
	enum sec_status		 st;

	*out = NULL;
	sk = identity_sk_peek(ident);
	if (sk == NULL) {
		*cause = xasprintf(_("the identity of %s is locked"),
		    identity_id(ident));
		return SEC_EINVAL;
	}
	st = secrecord_parse(buf, len, name, &rec, cause);
	if (st != SEC_OK)
		return st;

	if (memcmp(rec->store, store, SECRECORD_STOREBYTES) != 0) {
		*cause = xasprintf(_("%s belongs to another workspace; "
		    "refusing to use it"), name);
		secrecord_free(&rec);
		return SEC_EINTEGRITY;
	}
	if (strcmp(rec->conn, conn) != 0) {
		*cause = xasprintf(_("%s holds the secrets of connection %s, "
		    "not %s; refusing to use it"), name, rec->conn, conn);
		secrecord_free(&rec);
		return SEC_EINTEGRITY;
	}

	for (i = 0; i < rec->nwraps; i++) {
		if (strcmp(rec->wraps[i].id, identity_id(ident)) == 0)
			wr = &rec->wraps[i];
	}
	if (wr == NULL) {
		if (rec->policy == SECRECORD_POLICY_ADMINS)
			*cause = xasprintf(_("you are not allowed to use "
			    "connection %s (its policy is: administrators "
			    "only)"), rec->conn);
		else
			*cause = xasprintf(_("you are not allowed to use "
			    "connection %s (its policy is: administrators and "
			    "contributors; ask an administrator to add you)"),
			    rec->conn);
		secrecord_free(&rec);
		return SEC_EDENIED;
	}

	rec->key = secret_new(KEYBYTES);
	if (crypto_box_seal_open(secret_buf(rec->key), wr->box,
	    sizeof wr->box, identity_pk(ident), secret_peek(sk)) != 0)
		return record_damaged(&rec, cause);
	/* Commitment first: a planted K must not get near the fields. */
	record_commitment(rec, rec->key, h);
	if (sodium_memcmp(h, rec->commit, sizeof h) != 0)
		return record_damaged(&rec, cause);
	record_mac(rec->key, buf, rec->macoff, h);
	if (sodium_memcmp(h, rec->mac, sizeof h) != 0)
		return record_damaged(&rec, cause);

	kf = record_subkey(rec->key, SECRECORD_CTX_FIELD);
	for (i = 0; i < rec->nfields; i++) {
		if (record_decrypt_field(rec, kf, &rec->fields[i]) != 0) {
			secret_free(&kf);
			return record_damaged(&rec, cause);
		}
	}
	secret_free(&kf);
	*out = rec;
	return SEC_OK;
}

enum sec_status
secrecord_load(const char *path,
    const unsigned char store[SECRECORD_STOREBYTES],
    const char *conn, const struct identity *ident, struct secrecord **out,
    char **cause)
{
	char		*buf;
	size_t		 len;
	enum sec_status	 st;

	*out = NULL;
	if (fileio_read(path, SECRECORD_MAX_FILE, 1, &buf, &len, cause) != 0)
		return SEC_EFORMAT;
	st = secrecord_open(buf, len, path, store, conn, ident, out, cause);
	free(buf);
	return st;
}

static struct record_field *
record_find(const struct secrecord *rec, const char *name)
{
	size_t	i;

	for (i = 0; i < rec->nfields; i++) {
		if (strcmp(rec->fields[i].name, name) == 0)
			return &rec->fields[i];
	}
	return NULL;
}

const struct secret *
secrecord_get(const struct secrecord *rec, const char *name)
{
	struct record_field	*f;

	f = record_find(rec, name);
	return f == NULL ? NULL : f->value;
}

static enum sec_status
record_locked(const struct secrecord *rec, char **cause)
{
	*cause = xasprintf(_("%s was only parsed, not opened"), rec->name);
	return SEC_EINVAL;
}

enum sec_status
secrecord_set(struct secrecord *rec, const char *name,
    const struct secret *value,
    char **cause)
{
	struct record_field	*f;
	struct secret		*kf;
	size_t			 i;

	if (rec->key == NULL)
		return record_locked(rec, cause);
	if (!secrecord_name_valid(name)) {
		*cause = xasprintf(_("'%s' is not a valid secret field name"),
		    name);
		return SEC_EINVAL;
	}
	if (secret_len(value) > SECRECORD_MAX_FIELD) {
		*cause = xasprintf(_("the value of %s is too long (at most "
		    "%u bytes)"), name, SECRECORD_MAX_FIELD);
		return SEC_EINVAL;
	}
	f = record_find(rec, name);
	if (f == NULL) {
		/* Keep fields sorted: insert at its place. */
		for (i = 0; i < rec->nfields; i++) {
			if (strcmp(rec->fields[i].name, name) > 0)
				break;
		}
		rec->fields = xreallocarray(rec->fields, rec->nfields + 1,
		    sizeof *rec->fields);
		memmove(&rec->fields[i + 1], &rec->fields[i],
		    (rec->nfields - i) * sizeof *rec->fields);
		rec->nfields++;
		f = &rec->fields[i];
		memset(f, 0, sizeof *f);
		f->name = xstrdup(name);
	}
	secret_free(&f->value);
	f->value = secret_dup(value);
	kf = record_subkey(rec->key, SECRECORD_CTX_FIELD);
	record_encrypt_field(rec, kf, f);
	secret_free(&kf);
	return SEC_OK;
}

int
secrecord_unset(struct secrecord *rec, const char *name)
{
	struct record_field	*f;
	size_t			 i;

	f = record_find(rec, name);
	if (f == NULL)
		return -1;
	i = (size_t)(f - rec->fields);
	free(f->name);
	free(f->ct);
	secret_free(&f->value);
	memmove(&rec->fields[i], &rec->fields[i + 1],
	    (rec->nfields - i - 1) * sizeof *rec->fields);
	rec->nfields--;
	return 0;
}

size_t
secrecord_field_count(const struct secrecord *rec)
{
	return rec->nfields;
}

const char *
secrecord_field_name(const struct secrecord *rec, size_t i)
{
	return i < rec->nfields ? rec->fields[i].name : NULL;
}

size_t
secrecord_recipient_count(const struct secrecord *rec)
{
	return rec->nwraps;
}

const char *
secrecord_recipient_id(const struct secrecord *rec, size_t i)
{
	return i < rec->nwraps ? rec->wraps[i].id : NULL;
}

int
secrecord_has_recipient(const struct secrecord *rec, const char *id)
{
	size_t	i;

	for (i = 0; i < rec->nwraps; i++) {
		if (strcmp(rec->wraps[i].id, id) == 0)
			return 1;
	}
	return 0;
}

enum secrecord_policy
secrecord_policy(const struct secrecord *rec)
{
	return rec->policy;
}

enum secrecord_export
secrecord_export(const struct secrecord *rec)
{
	return rec->export;
}

uint64_t
secrecord_gen(const struct secrecord *rec)
{
	return rec->gen;
}

const struct secret *
secrecord_key_peek(const struct secrecord *rec)
{
	return rec->key;
}

void
secrecord_set_policy(struct secrecord *rec, enum secrecord_policy policy,
    enum secrecord_export export)
{
	rec->policy = policy;
	rec->export = export;
}

enum sec_status
secrecord_reseal(struct secrecord *rec, const struct secrecord_recipient *rcpt,
    size_t n, char **cause)
{
	if (rec->key == NULL)
		return record_locked(rec, cause);
	return record_seal(rec, rcpt, n, cause);
}

enum sec_status
secrecord_rekey(struct secrecord *rec, const struct secrecord_recipient *rcpt,
    size_t n, char **cause)
{
	struct secret	*old, *kf;
	enum sec_status	 st;
	size_t		 i;

	if (rec->key == NULL)
		return record_locked(rec, cause);
	if (rec->gen == UINT64_MAX) {
		*cause = xasprintf(_("%s cannot be rekeyed any more"),
		    rec->name);
		return SEC_EINVAL;
	}
	old = rec->key;
	rec->key = secret_new(KEYBYTES);
	crypto_kdf_keygen(secret_buf(rec->key));
	st = record_seal(rec, rcpt, n, cause);
	if (st != SEC_OK) {
		/* Nothing changed yet but the key: put it back. */
		secret_free(&rec->key);
		rec->key = old;
		return st;
	}
	secret_free(&old);
	rec->gen++;
	record_commitment(rec, rec->key, rec->commit);
	kf = record_subkey(rec->key, SECRECORD_CTX_FIELD);
	for (i = 0; i < rec->nfields; i++)
		record_encrypt_field(rec, kf, &rec->fields[i]);
	secret_free(&kf);
	return SEC_OK;
}

void
secrecord_serialize(const struct secrecord *rec, char **buf, size_t *len)
{
	struct record_buf	 b = { NULL, 0, 0 };
	unsigned char		 mac[HASHBYTES];
	char			*s;
	size_t			 i;

	if (rec->key == NULL)
		abort();	/* a contract violation,
		    see secrets/secrecord.h */
	record_buf_str(&b, SECRECORD_MAGIC "\nsuite 1\nstore ");
	record_buf_b64(&b, rec->store, sizeof rec->store);
	s = xasprintf("\nconn %s\npolicy %s\nexport %s\ngen %" PRIu64
	    "\ncommit ", rec->conn,
	    rec->policy == SECRECORD_POLICY_ADMINS ? "admins" :
	    "admins+contributors",
	    rec->export == SECRECORD_EXPORT_MANUAL ? "manual" : "scheduled",
	    rec->gen);
	record_buf_str(&b, s);
	free(s);
	record_buf_b64(&b, rec->commit, sizeof rec->commit);
	record_buf_str(&b, "\n");
	for (i = 0; i < rec->nwraps; i++) {
		record_buf_str(&b, "-> ");
		record_buf_str(&b, rec->wraps[i].id);
		record_buf_str(&b, " ");
		record_buf_b64(&b, rec->wraps[i].box, sizeof rec->wraps[i].box);
		record_buf_str(&b, "\n");
	}
	for (i = 0; i < rec->nfields; i++) {
		record_buf_str(&b, "field ");
		record_buf_str(&b, rec->fields[i].name);
		record_buf_str(&b, " ");
		record_buf_b64(&b, rec->fields[i].nonce,
		    sizeof rec->fields[i].nonce);
		record_buf_str(&b, " ");
		record_buf_b64(&b, rec->fields[i].ct, rec->fields[i].ctlen);
		record_buf_str(&b, "\n");
	}
	record_mac(rec->key, b.p, b.len, mac);
	record_buf_str(&b, "mac ");
	record_buf_b64(&b, mac, sizeof mac);
	record_buf_str(&b, "\n");
	*buf = b.p;
	*len = b.len;
}

enum sec_status
secrecord_save(const struct secrecord *rec, const char *path, mode_t mode,
    gid_t gid, char **cause)
{
	char	*buf;
	size_t	 len;
	int	 r;

	secrecord_serialize(rec, &buf, &len);
	if (len > SECRECORD_MAX_FILE) {
		*cause = xasprintf(_("the secrets of connection %s do not fit "
		    "in %u bytes"), rec->conn, SECRECORD_MAX_FILE);
		free(buf);
		return SEC_EINVAL;
	}
	r = fileio_write_atomic(path, buf, len, mode, gid, cause);
	free(buf);
	return r == 0 ? SEC_OK : SEC_EFAIL;
}
