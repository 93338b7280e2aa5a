/* The sync state of an export and its log (syncstate.h). */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "run/syncstate.h"

#define SS_MAGIC	"segsyncS"
#define SS_VERSION	1u
#define SS_HDRBYTES	(8 + 8 + 8 + \
			    crypto_secretstream_xchacha20poly1305_HEADERBYTES)
/* Plaintext of one sealed chunk; a record never spans two. */
#define SS_CHUNK	65536u
#define SS_RECMAX	(2 + 8 + 8 + 255)
#define SS_ABYTES	crypto_secretstream_xchacha20poly1305_ABYTES

void
syncstate_keys_derive(const unsigned char *sync_key, size_t len,
    const char *export_id, struct syncstate_keys *k)
{
	crypto_generichash_state	 st;
	unsigned char			 out[crypto_generichash_BYTES_MAX];
	static const char *const	 purpose[] = { "hash", "digest", "seal",
	    "id", "log" };
	size_t				 i;

	for (i = 0; i < 5; i++) {
		crypto_generichash_init(&st, sync_key, len, sizeof out);
		crypto_generichash_update(&st, (const unsigned char *)
		    "segsync sync state 1", 20);
		crypto_generichash_update(&st,
		    (const unsigned char *)purpose[i], strlen(purpose[i]) + 1);
		crypto_generichash_update(&st,
		    (const unsigned char *)export_id, strlen(export_id));
		crypto_generichash_final(&st, out, sizeof out);
		switch (i) {
		case 0:
			memcpy(k->hash, out, sizeof k->hash);
			break;
		case 1:
			memcpy(k->digest, out, sizeof k->digest);
			break;
		case 2:
			memcpy(k->seal, out, sizeof k->seal);
			break;
		case 3:
			memcpy(k->id, out, sizeof k->id);
			break;
		default:
			memcpy(k->log, out, sizeof k->log);
			break;
		}
	}
	sodium_memzero(out, sizeof out);
	sodium_memzero(&st, sizeof st);
}

uint64_t
syncstate_hash(const unsigned char key[crypto_shorthash_KEYBYTES],
    const char *s, size_t len, int email)
{
	unsigned char	out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, (const unsigned char *)s, len, key);
	memcpy(&h, out, sizeof h);
	if (email)
		h ^= 0x9e3779b97f4a7c15ULL;
	h &= ~(uint64_t)1;
	return h == 0 ? 2 : h;
}

static void
put64(unsigned char *p, uint64_t v)
{
	size_t	i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int
read_full(int fd, void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;
	size_t		 got = 0;

	while (got < len) {
		n = read(fd, p + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (int)(got == 0 ? 0 : -2) : -1;
		got += (size_t)n;
	}
	return 1;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	ssize_t			 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct syncstate_reader {
	int						 fd;
	char						*path;
	unsigned char					 hdr[SS_HDRBYTES];
	crypto_secretstream_xchacha20poly1305_state	 st;
	unsigned char					*buf;	/* plaintext */
	unsigned char					*cbuf;
	size_t						 len, off;
	int						 final;
	char						*target;
};

static char *
damaged(const char *path, const char *why)
{
	return xasprintf(_("The sync state %1$s is damaged (%2$s). Remove it "
	    "to start again: the next run then sends every profile and, "
	    "being a first run, removes nothing."), path, why);
}

/* Read and open the next chunk. 1, 0 at the end, -1. */
static int
reader_chunk(struct syncstate_reader *r, char **cause)
{
	unsigned char	lenb[4];
	unsigned long long mlen;
	unsigned char	tag;
	uint32_t	clen;
	int		rv;

	if (r->final)
		return 0;
	rv = read_full(r->fd, lenb, 4);
	if (rv != 1) {
		*cause = rv == -1 ? xasprintf(_("Cannot read %1$s: %2$s."),
		    r->path, strerror(errno)) : damaged(r->path,
		    _("it ends too early"));
		return -1;
	}
	clen = (uint32_t)lenb[0] | (uint32_t)lenb[1] << 8 |
	    (uint32_t)lenb[2] << 16 | (uint32_t)lenb[3] << 24;
	if (clen < SS_ABYTES || clen > SS_CHUNK + SS_ABYTES) {
		*cause = damaged(r->path, _("a chunk has an impossible size"));
		return -1;
	}
	if (read_full(r->fd, r->cbuf, clen) != 1) {
		*cause = damaged(r->path, _("it ends too early"));
		return -1;
	}
	if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->buf, &mlen,
	    &tag, r->cbuf, clen, r->hdr, sizeof r->hdr) != 0) {
		*cause = damaged(r->path, _("it does not authenticate"));
		return -1;
	}
	r->len = (size_t)mlen;
	r->off = 0;
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		r->final = 1;
	return 1;
}

int
syncstate_open(const char *path, const struct syncstate_keys *k,
    struct syncstate_reader **rp, const char **target, char **why,
    char **cause)
{
	struct syncstate_reader	*r;
	size_t			 tlen;
	int			 fd, rv;

	*rp = NULL;
	*why = NULL;
	if ((fd = fileio_open(path, O_RDONLY, 0)) == -1) {
		if (errno == ENOENT)
			return 1;
		*cause = xasprintf(_("Cannot open %1$s: %2$s."), path,
		    strerror(errno));
		return -1;
	}
	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->path = xstrdup(path);
	r->buf = xmalloc(SS_CHUNK);
	r->cbuf = xmalloc(SS_CHUNK + SS_ABYTES);
	rv = read_full(fd, r->hdr, sizeof r->hdr);
	if (rv != 1 || memcmp(r->hdr, SS_MAGIC, 8) != 0) {
		*cause = damaged(path, _("it is not a sync state file"));
		goto fail;
	}
	if (get64(r->hdr + 8) != SS_VERSION) {
		*cause = damaged(path, _("it was written by another version "
		    "of segsync"));
		goto fail;
	}
	if (memcmp(r->hdr + 16, k->id, 8) != 0) {
		/* Another connection's key: its state says nothing here. */
		*why = xstrdup(_("the export's connection changed since the "
		    "state was written"));
		syncstate_close(&r);
		return 1;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&r->st,
	    r->hdr + 24, k->seal) != 0) {
		*cause = damaged(path, _("its header is invalid"));
		goto fail;
	}
	if (reader_chunk(r, cause) != 1)
		goto fail;
	if (r->len < 2 || (tlen = (size_t)r->buf[0] | (size_t)r->buf[1] << 8) >
	    r->len - 2) {
		*cause = damaged(path, _("it names no target"));
		goto fail;
	}
	r->target = xmalloc(tlen + 1);
	memcpy(r->target, r->buf + 2, tlen);
	r->target[tlen] = '\0';
	r->off = 2 + tlen;
	*target = r->target;
	*rp = r;
	return 0;
fail:
	syncstate_close(&r);
	return -1;
}

int
syncstate_next(struct syncstate_reader *r, struct syncstate_rec *rec,
    char **cause)
{
	const unsigned char	*p;
	size_t			 need;
	int			 rv;

	while (r->off == r->len) {
		if ((rv = reader_chunk(r, cause)) != 1)
			return rv;
	}
	p = r->buf + r->off;
	if (r->len - r->off < 2)
		goto short_rec;
	need = 2 + (p[1] == 0 ? 8 : 0) + 8 + p[1];
	if (r->len - r->off < need)
		goto short_rec;
	memset(rec, 0, sizeof *rec);
	rec->flags = p[0];
	rec->idlen = p[1];
	p += 2;
	if (rec->idlen == 0) {
		rec->hash = get64(p);
		p += 8;
	}
	rec->digest = get64(p);
	p += 8;
	if (rec->idlen > 0) {
		rec->id = (const char *)p;
		rec->hash = 0;		/* the caller hashes the id */
	}
	r->off += need;
	return 1;
short_rec:
	*cause = damaged(r->path, _("a record is cut"));
	return -1;
}

void
syncstate_close(struct syncstate_reader **rp)
{
	struct syncstate_reader	*r = *rp;

	if (r == NULL)
		return;
	if (r->fd != -1)
		close(r->fd);
	sodium_memzero(r->buf, SS_CHUNK);
	sodium_memzero(&r->st, sizeof r->st);
	free(r->buf);
	free(r->cbuf);
	free(r->path);
	free(r->target);
	free(r);
	*rp = NULL;
}

struct syncstate_writer {
	int						 fd;
	char						*path, *tmp;
	unsigned char					 hdr[SS_HDRBYTES];
	crypto_secretstream_xchacha20poly1305_state	 st;
	unsigned char					*buf, *cbuf;
	size_t						 len;
	int						 failed;
};

static int
writer_flush(struct syncstate_writer *w, int final, char **cause)
{
	unsigned long long	clen;
	unsigned char		lenb[4];

	crypto_secretstream_xchacha20poly1305_push(&w->st, w->cbuf, &clen,
	    w->buf, w->len, w->hdr, sizeof w->hdr, final ?
	    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
	sodium_memzero(w->buf, w->len);
	w->len = 0;
	lenb[0] = (unsigned char)clen;
	lenb[1] = (unsigned char)(clen >> 8);
	lenb[2] = (unsigned char)(clen >> 16);
	lenb[3] = (unsigned char)(clen >> 24);
	if (write_full(w->fd, lenb, 4) != 0 ||
	    write_full(w->fd, w->cbuf, (size_t)clen) != 0) {
		*cause = xasprintf(_("Cannot write %1$s: %2$s."), w->tmp,
		    strerror(errno));
		w->failed = 1;
		return -1;
	}
	return 0;
}

int
syncstate_create(const char *path, const struct syncstate_keys *k,
    const char *target, mode_t mode, gid_t gid, struct syncstate_writer **wp,
    char **cause)
{
	struct syncstate_writer	*w;
	size_t			 tlen = strlen(target);

	*wp = NULL;
	if (tlen > 60000) {
		*cause = xstrdup(_("The export's target is too long."));
		return -1;
	}
	w = xcalloc(1, sizeof *w);
	w->path = xstrdup(path);
	w->tmp = xasprintf("%s.tmp", path);
	(void)unlink(w->tmp);
	w->fd = fileio_open(w->tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (w->fd == -1) {
		*cause = xasprintf(_("Cannot create %1$s: %2$s."), w->tmp,
		    strerror(errno));
		free(w->path);
		free(w->tmp);
		free(w);
		return -1;
	}
	(void)fchmod(w->fd, mode);
	if (gid != (gid_t)-1)
		(void)fchown(w->fd, (uid_t)-1, gid);
	w->buf = xmalloc(SS_CHUNK);
	w->cbuf = xmalloc(SS_CHUNK + SS_ABYTES);
	memcpy(w->hdr, SS_MAGIC, 8);
	put64(w->hdr + 8, SS_VERSION);
	memcpy(w->hdr + 16, k->id, 8);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, w->hdr + 24,
	    k->seal);
	if (write_full(w->fd, w->hdr, sizeof w->hdr) != 0) {
		*cause = xasprintf(_("Cannot write %1$s: %2$s."), w->tmp,
		    strerror(errno));
		syncstate_abandon(&w);
		return -1;
	}
	w->buf[0] = (unsigned char)tlen;
	w->buf[1] = (unsigned char)(tlen >> 8);
	memcpy(w->buf + 2, target, tlen);
	w->len = 2 + tlen;
	*wp = w;
	return 0;
}

int
syncstate_put(struct syncstate_writer *w, const struct syncstate_rec *rec,
    char **cause)
{
	unsigned char	*p;
	size_t		 idlen = rec->id != NULL && rec->idlen <= 255 ?
			    rec->idlen : 0;

	if (w->len + SS_RECMAX > SS_CHUNK && writer_flush(w, 0, cause) != 0)
		return -1;
	p = w->buf + w->len;
	*p++ = (unsigned char)rec->flags;
	*p++ = (unsigned char)idlen;
	if (idlen == 0) {
		put64(p, rec->hash);
		p += 8;
	}
	put64(p, rec->digest);
	p += 8;
	if (idlen > 0) {
		memcpy(p, rec->id, idlen);
		p += idlen;
	}
	w->len = (size_t)(p - w->buf);
	return 0;
}

static void
writer_free(struct syncstate_writer *w)
{
	if (w->fd != -1)
		close(w->fd);
	if (w->buf != NULL)
		sodium_memzero(w->buf, SS_CHUNK);
	sodium_memzero(&w->st, sizeof w->st);
	free(w->buf);
	free(w->cbuf);
	free(w->path);
	free(w->tmp);
	free(w);
}

int
syncstate_commit(struct syncstate_writer **wp, char **cause)
{
	struct syncstate_writer	*w = *wp;
	char			*dir, *slash;
	int			 rv = -1;

	*wp = NULL;
	if (writer_flush(w, 1, cause) != 0)
		goto out;
	if (fsync(w->fd) != 0 || close(w->fd) != 0) {
		w->fd = -1;
		*cause = xasprintf(_("Cannot write %1$s: %2$s."), w->tmp,
		    strerror(errno));
		goto out;
	}
	w->fd = -1;
	if (rename(w->tmp, w->path) != 0) {
		*cause = xasprintf(_("Cannot replace %1$s: %2$s."), w->path,
		    strerror(errno));
		goto out;
	}
	dir = xstrdup(w->path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	rv = fileio_sync_dir(slash != NULL ? dir : ".", cause);
	free(dir);
	w->failed = 0;
	writer_free(w);
	return rv;
out:
	(void)unlink(w->tmp);
	writer_free(w);
	return rv;
}

void
syncstate_abandon(struct syncstate_writer **wp)
{
	if (*wp == NULL)
		return;
	(void)unlink((*wp)->tmp);
	writer_free(*wp);
	*wp = NULL;
}

/*
 * The log: a header in clear (magic, version, key id, the target's tag,
 * the generation of the state file it goes with: log_generation()),
 * then chunks, one per append: the entry count and the plaintext's length
 * (32 bits each), a random nonce, the entries sealed with
 * XChaCha20-Poly1305 under a key derived from the log key, and the tag.
 * The additional data is the tag before (for the first chunk, a BLAKE2b
 * MAC of the header) and the two lengths, so that a group member who can
 * write the file can neither read the ids a sent entry carries nor forge,
 * alter, reorder or drop an entry but at the end, where a kill leaves a
 * torn chunk anyway (and a dropped tail only makes the next run send
 * again what it would not have needed to).
 *
 * An entry: kind, flags (1: the id is a customer ID), the id's length,
 * hash, digest (64 bits each), then the id.
 */

#define SL_MAGIC	"segsync-synclog\n"
#define SL_VERSION	3u
#define SL_GENBYTES	16u
#define SL_HDRBYTES	(16 + 4 + 4 + 8 + 8 + SL_GENBYTES)
#define SL_MACBYTES	16u
#define SL_LENS		8u
#define SL_NONCE	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SL_ENTRY	((size_t)(1 + 1 + 1 + 8 + 8))
#define SL_MAXN		65536u
#define SL_MAXBYTES	((size_t)1 << 20)
#define SL_FRAME	(SL_LENS + SL_NONCE + SL_MACBYTES)

struct synclog {
	int		 fd;
	char		*path;
	unsigned char	*buf;
	size_t		 cap;
	unsigned char	 chain[SL_MACBYTES];
	unsigned char	 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
};

/*
 * The generation of the state file the log at path goes with (the file
 * beside it, path without ".log"): a keyed hash of its header, whose
 * secretstream header is random on every write; zeros when there is none.
 * A log is only replayed over the state it was started on: one kept past
 * the state that folded it in (a kill between the two), or copied back
 * from an earlier one, is not.
 */
static void
log_generation(const char *path, const struct syncstate_keys *k,
    unsigned char gen[SL_GENBYTES])
{
	unsigned char	 hdr[SS_HDRBYTES];
	char		*state;
	size_t		 len = strlen(path);
	int		 fd;

	memset(gen, 0, SL_GENBYTES);
	if (len <= 4 || strcmp(path + len - 4, ".log") != 0)
		return;
	state = xstrdup(path);
	state[len - 4] = '\0';
	fd = fileio_open(state, O_RDONLY, 0);
	free(state);
	if (fd == -1)
		return;
	if (read_full(fd, hdr, sizeof hdr) == 1 &&
	    memcmp(hdr, SS_MAGIC, 8) == 0)
		crypto_generichash(gen, SL_GENBYTES, hdr, sizeof hdr, k->log,
		    crypto_generichash_KEYBYTES);
	close(fd);
}

static void
log_header(const char *path, const struct syncstate_keys *k,
    const char *target, unsigned char out[SL_HDRBYTES])
{
	unsigned char	tag[crypto_shorthash_BYTES];

	crypto_shorthash(tag, (const unsigned char *)target, strlen(target),
	    k->hash);
	memset(out, 0, SL_HDRBYTES);
	memcpy(out, SL_MAGIC, 16);
	out[16] = (unsigned char)SL_VERSION;
	memcpy(out + 24, k->id, 8);
	memcpy(out + 32, tag, 8);
	log_generation(path, k, out + 40);
}

/* The chain's start (a MAC of the header) and the chunks' key. */
static void
log_keys(const struct syncstate_keys *k, const unsigned char *hdr,
    unsigned char chain[SL_MACBYTES],
    unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
	static const unsigned char	zero[SL_MACBYTES];
	crypto_generichash_state	st;

	crypto_generichash_init(&st, k->log, crypto_generichash_KEYBYTES,
	    SL_MACBYTES);
	crypto_generichash_update(&st, zero, sizeof zero);
	crypto_generichash_update(&st, hdr, SL_HDRBYTES);
	crypto_generichash_final(&st, chain, SL_MACBYTES);
	crypto_generichash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	    (const unsigned char *)"segsync sync log chunks", 23, k->log,
	    crypto_generichash_KEYBYTES);
	sodium_memzero(&st, sizeof st);
}

/* The additional data of a chunk: the tag before it and its lengths. */
static void
log_ad(const unsigned char *chain, const unsigned char *lens,
    unsigned char ad[SL_MACBYTES + SL_LENS])
{
	memcpy(ad, chain, SL_MACBYTES);
	memcpy(ad + SL_MACBYTES, lens, SL_LENS);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static char *
log_damaged(const char *path)
{
	return xasprintf(_("The sync log %s does not verify: it was changed "
	    "or damaged. Remove it and run the export with --full, which "
	    "sends every profile again."), path);
}

/* 1 when the log has only zeros from here to its end. */
static int
log_rest_zero(int fd)
{
	unsigned char	b[4096];
	ssize_t		n, i;

	while ((n = read(fd, b, sizeof b)) > 0)
		for (i = 0; i < n; i++)
			if (b[i] != 0)
				return 0;
	return n == 0;
}

/*
 * Call fn for each of the n entries in the len bytes at p: 0, or -3 when
 * they are not well formed (which a chunk that verified never is but by a
 * bug).
 */
static int
log_entries(const unsigned char *p, size_t len, uint32_t n,
    void (*fn)(const struct synclog_entry *, void *), void *arg)
{
	struct synclog_entry	 e;
	const unsigned char	*end = p + len;
	uint32_t		 i;

	for (i = 0; i < n; i++) {
		if ((size_t)(end - p) < SL_ENTRY ||
		    (size_t)(end - p) < (size_t)SL_ENTRY + p[2])
			return -3;
		memset(&e, 0, sizeof e);
		e.kind = (enum synclog_kind)p[0];
		if (e.kind != SYNCLOG_SENT && e.kind != SYNCLOG_ACCEPTED &&
		    e.kind != SYNCLOG_REJECTED && e.kind != SYNCLOG_REMOVED)
			return -3;
		e.cid = p[1] & 1;
		e.idlen = p[2];
		e.hash = get64(p + 3);
		e.digest = get64(p + 11);
		e.id = e.idlen > 0 ? (const char *)p + SL_ENTRY : NULL;
		p += SL_ENTRY + e.idlen;
		if (fn != NULL)
			fn(&e, arg);
	}
	return p == end ? 0 : -3;
}

/*
 * Check the log on fd from its start, calling fn (when not NULL) for every
 * entry of every chunk that verifies. 0 with *end after the last whole
 * chunk and chain its tag; 1 when the header is another target's, key's or
 * version's (or missing); -1 with *cause.
 */
static int
log_scan(int fd, const char *path, const struct syncstate_keys *k,
    const unsigned char hdr[SL_HDRBYTES],
    void (*fn)(const struct synclog_entry *, void *), void *arg,
    off_t *end, unsigned char chain[SL_MACBYTES], char **cause)
{
	unsigned char	 got[SL_HDRBYTES], ad[SL_MACBYTES + SL_LENS];
	unsigned char	 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned char	*buf;
	struct stat	 st;
	uint32_t	 n;
	size_t		 plen;
	int		 rv, err = 0;

	if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) == -1 ||
	    (rv = read_full(fd, got, sizeof got)) == -1) {
		*cause = xasprintf(_("Cannot read %1$s: %2$s."), path,
		    strerror(errno));
		return -1;
	}
	if (rv != 1 || memcmp(got, hdr, SL_HDRBYTES) != 0)
		return 1;
	log_keys(k, hdr, chain, key);
	*end = SL_HDRBYTES;
	buf = xmalloc(SL_FRAME + SL_MAXBYTES);
	for (;;) {
		if ((rv = read_full(fd, buf, SL_LENS)) != 1)
			break;		/* the end, or torn lengths */
		n = get32(buf);
		plen = get32(buf + 4);
		if (n == 0 || n > SL_MAXN || plen > SL_MAXBYTES ||
		    plen < (size_t)n * SL_ENTRY) {
			/* A crash before the data was synced: zeros. */
			rv = log_rest_zero(fd) ? 0 : -3;
			break;
		}
		if ((rv = read_full(fd, buf + SL_LENS, SL_NONCE + plen +
		    SL_MACBYTES)) != 1)
			break;		/* torn: the worker was killed */
		log_ad(chain, buf, ad);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
		    buf + SL_LENS + SL_NONCE, NULL, buf + SL_LENS + SL_NONCE,
		    plen, buf + SL_LENS + SL_NONCE + plen, ad, sizeof ad,
		    buf + SL_LENS, key) != 0) {
			/* The last chunk half written is torn too. */
			rv = *end + (off_t)(SL_FRAME + plen) >= st.st_size ||
			    log_rest_zero(fd) ? 0 : -3;
			break;
		}
		memcpy(chain, buf + SL_LENS + SL_NONCE + plen, SL_MACBYTES);
		*end += (off_t)(SL_FRAME + plen);
		rv = log_entries(buf + SL_LENS + SL_NONCE, plen, n, fn, arg);
		sodium_memzero(buf + SL_LENS + SL_NONCE, plen);
		if (rv != 0)
			break;
	}
	if (rv == -1)
		err = errno;
	sodium_memzero(key, sizeof key);
	free(buf);
	if (rv == -1) {
		*cause = xasprintf(_("Cannot read %1$s: %2$s."), path,
		    strerror(err));
		return -1;
	}
	if (rv == -3) {
		*cause = log_damaged(path);
		return -1;
	}
	return 0;
}

int
synclog_open(const char *path, const struct syncstate_keys *k,
    const char *target, mode_t mode, gid_t gid, struct synclog **lp,
    char **cause)
{
	unsigned char	 hdr[SL_HDRBYTES], chain[SL_MACBYTES];
	unsigned char	 start[SL_MACBYTES];
	struct stat	 st;
	struct synclog	*l;
	off_t		 end = 0;
	int		 fd, rv;

	*lp = NULL;
	log_header(path, k, target, hdr);
	fd = fileio_open(path, O_RDWR | O_CREAT, mode);
	if (fd == -1 || fstat(fd, &st) != 0) {
		*cause = xasprintf(_("Cannot open %1$s: %2$s."), path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (gid != (gid_t)-1 && st.st_gid != gid)
		(void)fchown(fd, (uid_t)-1, gid);
	if ((rv = log_scan(fd, path, k, hdr, NULL, NULL, &end, chain,
	    cause)) == -1) {
		close(fd);
		return -1;
	}
	l = xcalloc(1, sizeof *l);
	if (rv == 1) {
		/* New, or another target's, key's or version's: afresh. */
		end = SL_HDRBYTES;
		if (ftruncate(fd, 0) != 0 || pwrite(fd, hdr, sizeof hdr, 0) !=
		    (ssize_t)sizeof hdr) {
			*cause = xasprintf(_("Cannot write %1$s: %2$s."), path,
			    strerror(errno));
			close(fd);
			free(l);
			return -1;
		}
	}
	log_keys(k, hdr, start, l->key);
	if (rv == 1)
		memcpy(chain, start, sizeof chain);
	sodium_memzero(start, sizeof start);
	/* Cut a torn last chunk off. */
	if (ftruncate(fd, end) != 0 || lseek(fd, end, SEEK_SET) == -1) {
		*cause = xasprintf(_("Cannot write %1$s: %2$s."), path,
		    strerror(errno));
		close(fd);
		sodium_memzero(l->key, sizeof l->key);
		free(l);
		return -1;
	}
	l->fd = fd;
	l->path = xstrdup(path);
	memcpy(l->chain, chain, sizeof l->chain);
	*lp = l;
	return 0;
}

/* The bytes entry e takes in a chunk. */
static size_t
log_entry_size(const struct synclog_entry *e)
{
	return SL_ENTRY + (e->id != NULL && e->kind == SYNCLOG_SENT &&
	    e->idlen <= 255 ? e->idlen : 0);
}

int
synclog_append(struct synclog *l, const struct synclog_entry *e, size_t n,
    char **cause)
{
	unsigned char	 ad[SL_MACBYTES + SL_LENS], *p, *text;
	size_t		 i, m, plen, sz;
	off_t		 at;

	while (n > 0) {
		for (m = plen = 0; m < n && m < SL_MAXN; m++) {
			sz = log_entry_size(&e[m]);
			if (plen + sz > SL_MAXBYTES)
				break;
			plen += sz;
		}
		if (l->cap < SL_FRAME + plen) {
			l->cap = SL_FRAME + plen;
			l->buf = xrealloc(l->buf, l->cap);
		}
		put32(l->buf, (uint32_t)m);
		put32(l->buf + 4, (uint32_t)plen);
		randombytes_buf(l->buf + SL_LENS, SL_NONCE);
		text = p = l->buf + SL_LENS + SL_NONCE;
		for (i = 0; i < m; i++) {
			sz = log_entry_size(&e[i]) - SL_ENTRY;
			p[0] = (unsigned char)e[i].kind;
			p[1] = sz > 0 && e[i].cid ? 1 : 0;
			p[2] = (unsigned char)sz;
			put64(p + 3, e[i].hash);
			put64(p + 11, e[i].kind == SYNCLOG_REMOVED ? 0 :
			    e[i].digest);
			if (sz > 0)
				memcpy(p + SL_ENTRY, e[i].id, sz);
			p += SL_ENTRY + sz;
		}
		log_ad(l->chain, l->buf, ad);
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(text,
		    text + plen, NULL, text, plen, ad, sizeof ad, NULL,
		    l->buf + SL_LENS, l->key);
		/*
		 * One write: a kill leaves whole chunks but, at worst, the
		 * last. A failed one is cut off, so that the chain goes on
		 * from the last whole chunk when a later append succeeds.
		 */
		if ((at = lseek(l->fd, 0, SEEK_CUR)) == -1 ||
		    write_full(l->fd, l->buf, SL_FRAME + plen) != 0) {
			*cause = xasprintf(_("Cannot write %1$s: %2$s."),
			    l->path, strerror(errno));
			if (at != -1 && ftruncate(l->fd, at) == 0)
				(void)lseek(l->fd, at, SEEK_SET);
			return -1;
		}
		memcpy(l->chain, text + plen, SL_MACBYTES);
		e += m;
		n -= m;
	}
	return 0;
}

int
synclog_close(struct synclog **lp, char **cause)
{
	struct synclog	*l = *lp;
	int		 rv = 0;

	if (l == NULL)
		return 0;
	*lp = NULL;
	if (fdatasync(l->fd) != 0 || close(l->fd) != 0) {
		*cause = xasprintf(_("Cannot write %1$s: %2$s."), l->path,
		    strerror(errno));
		rv = -1;
	}
	sodium_memzero(l->key, sizeof l->key);
	if (l->buf != NULL)
		sodium_memzero(l->buf, l->cap);
	free(l->buf);
	free(l->path);
	free(l);
	return rv;
}

int
synclog_replay(const char *path, const struct syncstate_keys *k,
    const char *target, void (*fn)(const struct synclog_entry *, void *),
    void *arg, char **cause)
{
	unsigned char	 hdr[SL_HDRBYTES], chain[SL_MACBYTES];
	off_t		 end;
	int		 fd, rv;

	log_header(path, k, target, hdr);
	if ((fd = fileio_open(path, O_RDONLY, 0)) == -1) {
		if (errno == ENOENT)
			return 0;
		*cause = xasprintf(_("Cannot open %1$s: %2$s."), path,
		    strerror(errno));
		return -1;
	}
	rv = log_scan(fd, path, k, hdr, fn, arg, &end, chain, cause);
	close(fd);
	return rv == -1 ? -1 : 0;
}

int
synclog_remove(const char *path, char **cause)
{
	if (unlink(path) != 0 && errno != ENOENT) {
		*cause = xasprintf(_("Cannot remove %1$s: %2$s."), path,
		    strerror(errno));
		return -1;
	}
	return 0;
}
