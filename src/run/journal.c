/*
 * The run journal (journal.h): appending batches and reading them back
 * into a hash index for a resumed run.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "run/deliver.h"
#include "run/journal.h"

#define JOURNAL_HEADER		"segsync-journal 1\n"
#define JOURNAL_LINE_MAX	4096	/* a reason is cut to fit */

struct journal {
	int	 fd;
	char	*path;
	char	*buf;
	size_t	 len, size;
};

/* One ref: 24 bytes, ref 0 marks an empty slot (no line is 0). */
struct jentry {
	uint64_t	ref;
	uint64_t	job;		/* queued in this job, or 0 */
	uint32_t	reason;		/* 1 + index into reasons, or 0 */
	uint32_t	flags;
};

struct journal_index {
	struct jentry	*slots;
	size_t		 nslots, used;
	char		**reasons;
	size_t		 nreasons;
};

static char *
jerror(const char *path, const char *what)
{
	return xasprintf(_("%s: %s: %s"), path, what, strerror(errno));
}

/* Cut a torn last line off (the worker was killed mid-write). */
static int
journal_trim(int fd, const char *path, char **cause)
{
	struct stat	 st;
	off_t		 end, pos;
	char		 c;

	if (fstat(fd, &st) != 0) {
		*cause = jerror(path, _("cannot read the journal"));
		return -1;
	}
	end = st.st_size;
	for (pos = end; pos > 0; pos--) {
		if (pread(fd, &c, 1, pos - 1) != 1) {
			*cause = jerror(path, _("cannot read the journal"));
			return -1;
		}
		if (c == '\n')
			break;
	}
	if (pos != end && ftruncate(fd, pos) != 0) {
		*cause = jerror(path, _("cannot repair the journal"));
		return -1;
	}
	return 0;
}

int
journal_open(const char *path, mode_t mode, gid_t gid, struct journal **jp,
    char **cause)
{
	struct journal	*j;
	struct stat	 st;
	int		 fd;

	*jp = NULL;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		*cause = jerror(path, _("cannot open the journal"));
		return -1;
	}
	if (fstat(fd, &st) != 0 || fchmod(fd, mode) != 0 ||
	    (gid != (gid_t)-1 && st.st_gid != gid && fchown(fd, (uid_t)-1,
	    gid) != 0)) {
		*cause = jerror(path, _("cannot set up the journal"));
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		if (write(fd, JOURNAL_HEADER, strlen(JOURNAL_HEADER)) !=
		    (ssize_t)strlen(JOURNAL_HEADER)) {
			*cause = jerror(path, _("cannot write the journal"));
			close(fd);
			return -1;
		}
	} else if (journal_trim(fd, path, cause) != 0) {
		close(fd);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = xstrdup(path);
	*jp = j;
	return 0;
}

/* Append one line for a to j's buffer. */
static void
journal_line(struct journal *j, const struct deliver_ack *a)
{
	char		 code;
	const char	*r;
	size_t		 need, rlen = 0, i;

	if (a->flags & DELIVER_REJECTED)
		code = (a->flags & DELIVER_WARNED) ? 's' : 'r';
	else
		code = (a->flags & DELIVER_WARNED) ? 'w' : 'a';
	r = (a->flags & DELIVER_REJECTED) && a->reason != NULL ? a->reason :
	    NULL;
	if (r != NULL) {
		rlen = strlen(r);
		if (rlen > JOURNAL_LINE_MAX - 32)
			rlen = JOURNAL_LINE_MAX - 32;
	}
	need = 2 + 16 + 1 + 16 + rlen + 1 + 1;
	if (j->len + need > j->size) {
		j->size = (j->len + need) * 2;
		j->buf = xrealloc(j->buf, j->size);
	}
	j->len += (size_t)snprintf(j->buf + j->len, j->size - j->len,
	    "%c %" PRIx64, code, a->ref);
	if (r == NULL && a->job != 0)
		j->len += (size_t)snprintf(j->buf + j->len, j->size - j->len,
		    " %" PRIx64, a->job);
	if (r != NULL) {
		j->buf[j->len++] = ' ';
		/* One line per profile: a reason's newlines become spaces. */
		for (i = 0; i < rlen; i++)
			j->buf[j->len++] = (r[i] == '\n' || r[i] == '\r') ?
			    ' ' : r[i];
	}
	j->buf[j->len++] = '\n';
}

int
journal_append(struct journal *j, const struct deliver_ack *acks, size_t n,
    char **cause)
{
	size_t	i, off;
	ssize_t	w;

	j->len = 0;
	for (i = 0; i < n; i++)
		journal_line(j, &acks[i]);
	for (off = 0; off < j->len; off += (size_t)w) {
		w = write(j->fd, j->buf + off, j->len - off);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			*cause = jerror(j->path, _("cannot write the journal"));
			return -1;
		}
	}
	return 0;
}

int
journal_sync(struct journal *j, char **cause)
{
	if (fdatasync(j->fd) != 0) {
		*cause = jerror(j->path, _("cannot write the journal"));
		return -1;
	}
	return 0;
}

int
journal_close(struct journal **jp, char **cause)
{
	struct journal	*j = *jp;
	int		 rv = 0;

	if (j == NULL)
		return 0;
	*jp = NULL;
	if (fdatasync(j->fd) != 0 || close(j->fd) != 0) {
		*cause = jerror(j->path, _("cannot write the journal"));
		rv = -1;
	}
	free(j->buf);
	free(j->path);
	free(j);
	return rv;
}

static uint64_t
jhash(uint64_t x)
{
	/* splitmix64's finaliser: refs are sequential, spread them. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static struct jentry *
jslot(struct journal_index *ix, uint64_t ref)
{
	size_t	i = (size_t)jhash(ref) & (ix->nslots - 1);

	while (ix->slots[i].ref != 0 && ix->slots[i].ref != ref)
		i = (i + 1) & (ix->nslots - 1);
	return &ix->slots[i];
}

static void
jgrow(struct journal_index *ix)
{
	struct jentry	*old = ix->slots;
	size_t		 n = ix->nslots, i;

	ix->nslots = n == 0 ? 1024 : n * 2;
	ix->slots = xcalloc(ix->nslots, sizeof *ix->slots);
	for (i = 0; i < n; i++)
		if (old[i].ref != 0)
			*jslot(ix, old[i].ref) = old[i];
	free(old);
}

/* Record one parsed line; a later line for a ref replaces the earlier. */
static void
jput(struct journal_index *ix, uint64_t ref, unsigned flags, uint64_t job,
    const char *reason, size_t rlen)
{
	struct jentry	*e;

	if ((ix->used + 1) * 4 > ix->nslots * 3)
		jgrow(ix);
	e = jslot(ix, ref);
	if (e->ref == 0) {
		e->ref = ref;
		ix->used++;
	}
	e->flags = flags;
	e->job = job;
	e->reason = 0;
	if (reason != NULL) {
		ix->reasons = xreallocarray(ix->reasons, ix->nreasons + 1,
		    sizeof *ix->reasons);
		ix->reasons[ix->nreasons] = xstrndup(reason, rlen);
		e->reason = (uint32_t)++ix->nreasons;
	}
}

/* A hex number at s[*i] up to a space or len; 0 when malformed. */
static uint64_t
jhex(const char *s, size_t len, size_t *i)
{
	uint64_t	v = 0;
	int		digits = 0, c;

	for (; *i < len && s[*i] != ' '; (*i)++) {
		c = s[*i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c = c - 'a' + 10;
		else
			return 0;
		if (++digits > 16)
			return 0;
		v = v << 4 | (uint64_t)c;
	}
	return v;
}

/* Parse one line (without its newline). 0, or -1 when malformed. */
static int
jparse(struct journal_index *ix, const char *s, size_t len)
{
	unsigned	 flags;
	uint64_t	 ref, job = 0;
	size_t		 i;

	if (len < 3 || s[1] != ' ')
		return -1;
	switch (s[0]) {
	case 'a':
		flags = 0;
		break;
	case 'w':
		flags = DELIVER_WARNED;
		break;
	case 'r':
		flags = DELIVER_REJECTED;
		break;
	case 's':
		flags = DELIVER_REJECTED | DELIVER_WARNED;
		break;
	default:
		return -1;
	}
	i = 2;
	if ((ref = jhex(s, len, &i)) == 0)
		return -1;
	if (flags & DELIVER_REJECTED) {
		if (i >= len)
			jput(ix, ref, flags, 0, "", 0);
		else
			jput(ix, ref, flags, 0, s + i + 1, len - i - 1);
		return 0;
	}
	/* Accepted, maybe queued in a job: "a REF JOB". */
	if (i < len) {
		i++;
		if ((job = jhex(s, len, &i)) == 0 || i != len)
			return -1;
	}
	jput(ix, ref, flags, job, NULL, 0);
	return 0;
}

int
journal_load(const char *path, struct journal_index **ip, char **cause)
{
	struct journal_index	*ix;
	char			*text = NULL, *p, *nl, *end;
	size_t			 len = 0;
	unsigned long		 line = 1;

	*ip = NULL;
	ix = xcalloc(1, sizeof *ix);
	jgrow(ix);
	/* A journal holds a few dozen bytes per profile: allow billions. */
	if (fileio_read(path, (size_t)64 << 30, 1, &text, &len, cause) != 0) {
		if (errno == ENOENT) {
			free(*cause);
			*cause = NULL;
			*ip = ix;
			return 0;
		}
		journal_index_free(&ix);
		return -1;
	}
	end = text + len;
	if (len > 0 && (len < strlen(JOURNAL_HEADER) ||
	    memcmp(text, JOURNAL_HEADER, strlen(JOURNAL_HEADER)) != 0)) {
		*cause = xasprintf(_("%s: this is not a segsync run journal "
		    "(or a newer version's)."), path);
		goto fail;
	}
	p = len > 0 ? text + strlen(JOURNAL_HEADER) : end;
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;		/* torn last line: not acknowledged */
		if (jparse(ix, p, (size_t)(nl - p)) != 0) {
			*cause = xasprintf(_("%s, line %lu: this line is "
			    "damaged; the run cannot be resumed safely (start "
			    "a new run of the export instead)."), path, line);
			goto fail;
		}
		p = nl + 1;
	}
	free(text);
	*ip = ix;
	return 0;
fail:
	free(text);
	journal_index_free(&ix);
	return -1;
}

int
journal_lookup_job(uint64_t ref, unsigned *flags, const char **reason,
    uint64_t *job, void *arg)
{
	struct journal_index	*ix = arg;
	struct jentry		*e;

	if (ix == NULL || ix->used == 0)
		return 0;
	e = jslot(ix, ref);
	if (e->ref == 0)
		return 0;
	*flags = e->flags;
	*reason = e->reason != 0 ? ix->reasons[e->reason - 1] : NULL;
	*job = e->job;
	return 1;
}

int
journal_lookup(uint64_t ref, unsigned *flags, const char **reason,
    void *arg)
{
	uint64_t	job;

	return journal_lookup_job(ref, flags, reason, &job, arg);
}

size_t
journal_index_count(const struct journal_index *ix)
{
	return ix->used;
}

void
journal_index_free(struct journal_index **ip)
{
	struct journal_index	*ix = *ip;
	size_t			 i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->nreasons; i++)
		free(ix->reasons[i]);
	free(ix->reasons);
	free(ix->slots);
	free(ix);
	*ip = NULL;
}
