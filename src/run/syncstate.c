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
	    "id" };
	size_t				 i;

	for (i = 0; i < 4; i++) {
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
		default:
			memcpy(k->id, out, sizeof k->id);
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

/* The log. */

struct synclog {
	int	 fd;
	char	*path;
	char	*buf;
	size_t	 cap;
};

static void
log_header(const struct syncstate_keys *k, const char *target, char *out,
    size_t len)
{
	unsigned char	tag[crypto_shorthash_BYTES];

	crypto_shorthash(tag, (const unsigned char *)target, strlen(target),
	    k->hash);
	snprintf(out, len, "segsync-synclog 1 %016" PRIx64 " %016" PRIx64
	    "\n", get64(k->id), get64(tag));
}

int
synclog_open(const char *path, const struct syncstate_keys *k,
    const char *target, mode_t mode, gid_t gid, struct synclog **lp,
    char **cause)
{
	char		 want[64], got[64];
	struct stat	 st;
	struct synclog	*l;
	off_t		 end, pos;
	ssize_t		 n;
	char		 c;
	int		 fd;

	*lp = NULL;
	log_header(k, target, want, sizeof want);
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
	memset(got, 0, sizeof got);
	n = pread(fd, got, strlen(want), 0);
	if (n != (ssize_t)strlen(want) || memcmp(got, want, strlen(want)) !=
	    0) {
		/* New, or another target's or key's: start it afresh. */
		if (ftruncate(fd, 0) != 0 ||
		    pwrite(fd, want, strlen(want), 0) !=
		    (ssize_t)strlen(want)) {
			*cause = xasprintf(_("Cannot write %1$s: %2$s."), path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	} else {
		/* Cut a torn last line off. */
		end = st.st_size;
		pos = end;
		while (pos > (off_t)strlen(want)) {
			if (pread(fd, &c, 1, pos - 1) != 1)
				break;
			if (c == '\n')
				break;
			pos--;
		}
		if (pos != end && ftruncate(fd, pos) != 0) {
			*cause = xasprintf(_("Cannot write %1$s: %2$s."), path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (lseek(fd, 0, SEEK_END) == -1) {
		close(fd);
		*cause = xasprintf(_("Cannot write %1$s: %2$s."), path,
		    strerror(errno));
		return -1;
	}
	l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->path = xstrdup(path);
	*lp = l;
	return 0;
}

int
synclog_append(struct synclog *l, const struct synclog_entry *e, size_t n,
    char **cause)
{
	size_t	i, len = 0;
	int	w;

	if (n == 0)
		return 0;
	if (l->cap < n * 40) {
		l->cap = n * 40;
		l->buf = xrealloc(l->buf, l->cap);
	}
	for (i = 0; i < n; i++) {
		if (e[i].kind == SYNCLOG_REMOVED)
			w = snprintf(l->buf + len, l->cap - len, "x %016"
			    PRIx64 "\n", e[i].hash);
		else
			w = snprintf(l->buf + len, l->cap - len, "%c %016"
			    PRIx64 " %016" PRIx64 "\n", (char)e[i].kind,
			    e[i].hash, e[i].digest);
		len += (size_t)w;
	}
	/* One write: a kill leaves whole lines but, at worst, the last. */
	if (write_full(l->fd, l->buf, len) != 0) {
		*cause = xasprintf(_("Cannot write %1$s: %2$s."), l->path,
		    strerror(errno));
		return -1;
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
	char			 want[64], line[128];
	struct synclog_entry	 e;
	unsigned long long	 h, dg;
	FILE			*f;
	char			 kind;
	int			 fd, first = 1;
	size_t			 len;

	log_header(k, target, want, sizeof want);
	if ((fd = fileio_open(path, O_RDONLY, 0)) == -1) {
		if (errno == ENOENT)
			return 0;
		*cause = xasprintf(_("Cannot open %1$s: %2$s."), path,
		    strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		*cause = xasprintf(_("Cannot open %1$s: %2$s."), path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		len = strlen(line);
		if (len == 0 || line[len - 1] != '\n')
			break;		/* torn: the worker was killed */
		if (first) {
			first = 0;
			if (strcmp(line, want) != 0)
				break;	/* another target's or key's */
			continue;
		}
		memset(&e, 0, sizeof e);
		dg = 0;
		if (sscanf(line, "%c %llx %llx", &kind, &h, &dg) < 2 ||
		    (kind != 's' && kind != 'a' && kind != 'r' &&
		    kind != 'x')) {
			*cause = xasprintf(_("The sync log %s has a line that "
			    "is not understood. Remove it and run the export "
			    "with --full."), path);
			fclose(f);
			return -1;
		}
		e.kind = (enum synclog_kind)kind;
		e.hash = (uint64_t)h;
		e.digest = (uint64_t)dg;
		fn(&e, arg);
	}
	fclose(f);
	return 0;
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
