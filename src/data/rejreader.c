/* Paging through a rejected-records file (data/rejreader.h). */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "data/rejreader.h"

#define REJREADER_FIELDS	4

struct rejreader {
	char		*path;
	FILE		*f;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 data;		/* the first record after the header */
	int		 header;	/* the header has been read */
	off_t		 scan;		/* after the last complete record */
	uint64_t	 count;
	off_t		*marks;		/* record k * stride starts here */
	size_t		 nmarks;
	uint64_t	 stride;
	/*
	 * The records counted, indexed and paged are only those whose
	 * reason is reason (when set) and that hold search (when set,
	 * ignoring ASCII case) in a field; and the distinct reasons of
	 * every record seen, with their counts, for a picker.
	 */
	char		*reason;
	char		*search;
	struct rejreader_reason reasons[REJREADER_REASONS];
	size_t		 nreasons;
	uint64_t	 total;		/* every complete record seen */
};

/* One field being collected, cut at REJREADER_FIELD_MAX. */
struct rj_field {
	char	buf[REJREADER_FIELD_MAX + 1];
	size_t	len;
};

/*
 * Parse one record from the current position. Fields are collected into
 * fl when it is not NULL. 1 for a complete record (its line ended), 0 at
 * the end of the file (nothing, or half a record), -1 on a read error.
 * *used gets the bytes consumed.
 */
static int
rj_record(FILE *f, struct rj_field *fl, size_t *used)
{
	size_t	n = 0, k = 0;
	int	c, quoted = 0, start = 1;

	if (fl != NULL)
		for (k = 0; k < REJREADER_FIELDS; k++)
			fl[k].len = 0;
	k = 0;
	for (;;) {
		c = getc_unlocked(f);
		if (c == EOF) {
			*used = n;
			return ferror(f) ? -1 : 0;
		}
		n++;
		if (quoted) {
			if (c != '"')
				goto add;
			c = getc_unlocked(f);
			if (c == '"') {
				n++;
				goto add;
			}
			quoted = 0;
			if (c == EOF) {
				*used = n;
				return ferror(f) ? -1 : 0;
			}
			n++;
		}
		if (c == '"' && start) {
			quoted = 1;
			start = 0;
			continue;
		}
		start = 0;
		if (c == ',') {
			k++;
			start = 1;
			continue;
		}
		if (c == '\n') {
			*used = n;
			return 1;
		}
		if (c == '\r')
			continue;
add:
		if (fl != NULL && k < REJREADER_FIELDS &&
		    fl[k].len < REJREADER_FIELD_MAX)
			fl[k].buf[fl[k].len++] = (char)c;
	}
}

/* A field's value as the run saw it: the formula guard taken off. */
static char *
rj_value(struct rj_field *fl)
{
	const char	*s = fl->buf;
	size_t		 len = fl->len;

	if (len >= 2 && s[0] == '\'' && strchr("=+-@\t\r", s[1]) != NULL) {
		s++;
		len--;
	}
	return xstrndup(s, len);
}

static void
rj_reset(struct rejreader *rr)
{
	size_t	i;

	rr->header = 0;
	rr->data = 0;
	rr->scan = 0;
	rr->count = 0;
	rr->nmarks = 0;
	rr->stride = 1;
	rr->total = 0;
	for (i = 0; i < rr->nreasons; i++)
		free(rr->reasons[i].reason);
	rr->nreasons = 0;
}

/* Case-insensitive (ASCII) substring of n bytes of hay. */
static int
rj_has(const char *hay, size_t n, const char *needle)
{
	size_t	len = strlen(needle), i, j;

	for (i = 0; i + len <= n; i++) {
		for (j = 0; j < len && tolower((unsigned char)hay[i + j]) ==
		    tolower((unsigned char)needle[j]); j++)
			;
		if (j == len)
			return 1;
	}
	return len == 0;
}

/* The reason of a record, its formula guard off, compared with want. */
static int
rj_same_reason(const struct rj_field *f, const char *want)
{
	const char	*s = f->buf;
	size_t		 len = f->len;

	if (len >= 2 && s[0] == '\'' && strchr("=+-@\t\r", s[1]) != NULL) {
		s++;
		len--;
	}
	return strlen(want) == len && memcmp(s, want, len) == 0;
}

/* One more record seen: its reason counted (the first few distinct). */
static void
rj_note_reason(struct rejreader *rr, struct rj_field *fl)
{
	size_t	i;
	char	*r;

	for (i = 0; i < rr->nreasons; i++)
		if (rj_same_reason(&fl[3], rr->reasons[i].reason)) {
			rr->reasons[i].count++;
			return;
		}
	if (rr->nreasons == REJREADER_REASONS)
		return;
	r = rj_value(&fl[3]);
	rr->reasons[rr->nreasons].reason = r;
	rr->reasons[rr->nreasons].count = 1;
	rr->nreasons++;
}

/* Whether a parsed record passes the filter. */
static int
rj_keep(const struct rejreader *rr, const struct rj_field *fl)
{
	if (rr->reason != NULL && !rj_same_reason(&fl[3], rr->reason))
		return 0;
	if (rr->search != NULL && !rj_has(fl[0].buf, fl[0].len, rr->search) &&
	    !rj_has(fl[2].buf, fl[2].len, rr->search) &&
	    !rj_has(fl[3].buf, fl[3].len, rr->search))
		return 0;
	return 1;
}

int
rejreader_open(const char *path, struct rejreader **rrp, char **cause)
{
	struct rejreader	*rr;
	struct stat	 st;
	FILE		*f;
	int		 fd, e;

	*rrp = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) != 0) {
		e = errno;
		*cause = xasprintf(_("%s: %s"), path, strerror(e));
		if (fd != -1)
			close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (f = fdopen(fd, "r")) == NULL) {
		*cause = xasprintf(_("%s: not a file of rejected records."),
		    path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	rr = xcalloc(1, sizeof *rr);
	rr->path = xstrdup(path);
	rr->f = f;
	rr->dev = st.st_dev;
	rr->ino = st.st_ino;
	rr->marks = xcalloc(REJREADER_MARKS, sizeof *rr->marks);
	rj_reset(rr);
	*rrp = rr;
	return 0;
}

void
rejreader_close(struct rejreader **rrp)
{
	struct rejreader	*rr = *rrp;

	if (rr == NULL)
		return;
	fclose(rr->f);
	rj_reset(rr);
	free(rr->reason);
	free(rr->search);
	free(rr->marks);
	free(rr->path);
	free(rr);
	*rrp = NULL;
}

/* The file replaced or cut shorter: open it again, index it again. */
static int
rj_check(struct rejreader *rr, char **cause)
{
	struct stat	 st;
	FILE		*f;

	if (stat(rr->path, &st) != 0) {
		*cause = xasprintf(_("%s: %s"), rr->path, strerror(errno));
		return -1;
	}
	if (st.st_dev != rr->dev || st.st_ino != rr->ino) {
		if ((f = fopen(rr->path, "re")) == NULL) {
			*cause = xasprintf(_("%s: %s"), rr->path,
			    strerror(errno));
			return -1;
		}
		fclose(rr->f);
		rr->f = f;
		rr->dev = st.st_dev;
		rr->ino = st.st_ino;
		rj_reset(rr);
	} else if (st.st_size < rr->scan)
		rj_reset(rr);
	return 0;
}

static int
rj_seek(struct rejreader *rr, off_t off, char **cause)
{
	clearerr(rr->f);
	if (fseeko(rr->f, off, SEEK_SET) != 0) {
		*cause = xasprintf(_("%s: %s"), rr->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
rj_read_error(struct rejreader *rr, char **cause)
{
	*cause = xasprintf(_("%s: %s"), rr->path, strerror(errno));
	return -1;
}

int
rejreader_scan(struct rejreader *rr, size_t budget, char **cause)
{
	struct rj_field	*fl;
	size_t		 used, done = 0;
	size_t		 i;
	int		 r;

	if (rj_check(rr, cause) != 0 || rj_seek(rr, rr->scan, cause) != 0)
		return -1;
	if (!rr->header) {
		r = rj_record(rr->f, NULL, &used);
		if (r == -1)
			return rj_read_error(rr, cause);
		if (r == 0)
			return 1;
		rr->header = 1;
		rr->data = rr->scan = (off_t)used;
		done += used;
	}
	fl = xmalloc(REJREADER_FIELDS * sizeof *fl);
	while (done < budget) {
		if (rr->count % rr->stride == 0 &&
		    rr->count / rr->stride >= rr->nmarks) {
			if (rr->nmarks == REJREADER_MARKS) {
				/* Full: keep every other mark. */
				for (i = 0; i < REJREADER_MARKS / 2; i++)
					rr->marks[i] = rr->marks[2 * i];
				rr->nmarks = REJREADER_MARKS / 2;
				rr->stride *= 2;
				continue;
			}
			rr->marks[rr->nmarks] = rr->scan;
		}
		r = rj_record(rr->f, fl, &used);
		if (r == -1) {
			free(fl);
			return rj_read_error(rr, cause);
		}
		if (r == 0) {
			free(fl);
			return 1;
		}
		rr->scan += (off_t)used;
		done += used;
		rr->total++;
		rj_note_reason(rr, fl);
		if (!rj_keep(rr, fl))
			continue;
		if (rr->count % rr->stride == 0)
			rr->nmarks = (size_t)(rr->count / rr->stride) + 1;
		rr->count++;
	}
	free(fl);
	return 0;
}

void
rejreader_filter(struct rejreader *rr, const char *reason,
    const char *search)
{
	free(rr->reason);
	free(rr->search);
	rr->reason = reason != NULL ? xstrdup(reason) : NULL;
	rr->search = search != NULL && search[0] != '\0' ? xstrdup(search) :
	    NULL;
	rj_reset(rr);
}

uint64_t
rejreader_total(const struct rejreader *rr)
{
	return rr->total;
}

const struct rejreader_reason *
rejreader_reasons(const struct rejreader *rr, size_t *n)
{
	*n = rr->nreasons;
	return rr->reasons;
}

uint64_t
rejreader_count(const struct rejreader *rr)
{
	return rr->count;
}

size_t
rejreader_marks(const struct rejreader *rr, uint64_t *stride)
{
	if (stride != NULL)
		*stride = rr->stride;
	return rr->nmarks;
}

void
rejreader_rows_clear(struct rejreader_row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(rows[i].segment);
		free(rows[i].identifier);
		free(rows[i].reason);
		memset(&rows[i], 0, sizeof rows[i]);
	}
}

int
rejreader_page(struct rejreader *rr, uint64_t first, size_t n,
    struct rejreader_row *rows, size_t *got, char **cause)
{
	struct rj_field	*fl;
	uint64_t	 k, at;
	size_t		 used, i;
	int		 r, rc = 0;

	*got = 0;
	memset(rows, 0, n * sizeof *rows);
	if (first >= rr->count || n == 0 || rr->nmarks == 0)
		return 0;
	if (first + n > rr->count)
		n = (size_t)(rr->count - first);
	k = first / rr->stride;
	if (k >= rr->nmarks)
		k = rr->nmarks - 1;
	if (rj_seek(rr, rr->marks[k], cause) != 0)
		return -1;
	fl = xmalloc(REJREADER_FIELDS * sizeof *fl);
	/* A mark is a kept record: the others between are passed over. */
	for (at = k * rr->stride; at < first; ) {
		r = rj_record(rr->f, fl, &used);
		if (r != 1)
			goto short_read;
		if (rj_keep(rr, fl))
			at++;
	}
	for (i = 0; i < n; i++) {
		r = rj_record(rr->f, fl, &used);
		if (r != 1)
			goto short_read;
		if (!rj_keep(rr, fl)) {
			i--;
			continue;
		}
		rows[i].segment = rj_value(&fl[0]);
		fl[1].buf[fl[1].len] = '\0';
		rows[i].line = strtoull(fl[1].buf, NULL, 10);
		rows[i].identifier = rj_value(&fl[2]);
		rows[i].reason = rj_value(&fl[3]);
		(*got)++;
	}
	goto out;
short_read:
	/* The file changed under us: the caller scans again. */
	if (r == -1)
		rc = rj_read_error(rr, cause);
out:
	free(fl);
	return rc;
}
