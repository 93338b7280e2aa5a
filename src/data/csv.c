/* Streaming CSV reader: RFC 4180, strict UTF-8, line and column tracking. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "data/csv.h"

/* Input is read in chunks this large; one record may span many chunks. */
#define CSV_INBUF	(256u * 1024)

enum csv_state {
	ST_START,		/* at the start of a field */
	ST_UNQUOTED,		/* inside an unquoted field */
	ST_QUOTED,		/* inside a quoted field */
	ST_QUOTE,		/* a quote inside a quoted field: "" or close */
	ST_CR			/* a CR outside quotes: CRLF or a lone CR */
};

struct csv_reader {
	char			*name;		/* base name, for messages */
	int			 fd;		/* -1 when reading memory */
	unsigned char		*inbuf;		/* owned when reading a file */
	const unsigned char	*in;
	size_t			 inpos;
	size_t			 inlen;
	int			 eof;
	int			 read_errno;
	char			 delim;
	unsigned char		 special[256];	/* fast path stops here */

	unsigned long long	 line;		/* line of the next byte */
	unsigned long long	 col;		/* characters before it */
	unsigned long long	 records;

	/* The record being read: unquoted field bytes, each NUL-ended. */
	char			*out;
	size_t			 outlen;
	size_t			 outcap;
	size_t			*starts;
	size_t			 nstarts;
	size_t			 startcap;
	struct csv_field	*fields;
	size_t			 fieldcap;

	enum csv_error		 err;
	unsigned long long	 err_line;
	unsigned long long	 err_col;

	char			**hdr;
	size_t			 nhdr;
};

/* The last path component, for messages that name the file. */
static const char *
csv_basename(const char *path)
{
	const char	*slash;

	slash = strrchr(path, '/');
	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* Read the next chunk of a file; 0 on data or end of file, -1 on error. */
static int
csv_fill(struct csv_reader *r)
{
	ssize_t	n;

	if (r->fd == -1) {
		r->eof = 1;
		return 0;
	}
	for (;;) {
		n = read(r->fd, r->inbuf, CSV_INBUF);
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	if (n == -1) {
		r->read_errno = errno;
		return -1;
	}
	r->in = r->inbuf;
	r->inpos = 0;
	r->inlen = (size_t)n;
	if (n == 0)
		r->eof = 1;
	return 0;
}

/* Fill the buffer as far as it goes, so that the header can be looked at. */
static int
csv_fill_first(struct csv_reader *r)
{
	ssize_t	n;

	if (r->fd == -1)
		return 0;
	r->in = r->inbuf;
	r->inpos = 0;
	r->inlen = 0;
	while (r->inlen < CSV_INBUF) {
		n = read(r->fd, r->inbuf + r->inlen, CSV_INBUF - r->inlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r->read_errno = errno;
			return -1;
		}
		if (n == 0)
			break;
		r->inlen += (size_t)n;
	}
	return 0;
}

/*
 * Pick the delimiter that occurs most often outside quotes on the first
 * line in the buffer. Ties: ',' then ';' then tab (see csv.h).
 */
static char
csv_detect(const unsigned char *p, size_t len)
{
	size_t	ncomma = 0, nsemi = 0, ntab = 0, i;
	int	quoted = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (p[i] == '\n')
			break;
		else if (p[i] == ',')
			ncomma++;
		else if (p[i] == ';')
			nsemi++;
		else if (p[i] == '\t')
			ntab++;
	}
	if (ncomma >= nsemi && ncomma >= ntab)
		return ',';
	if (nsemi >= ntab)
		return ';';
	return '\t';
}

/* Remember the first error of the record. */
static void
csv_error_at(struct csv_reader *r, enum csv_error e, unsigned long long line,
    unsigned long long col)
{
	if (r->err != CSV_ERR_NONE)
		return;
	r->err = e;
	r->err_line = line;
	r->err_col = col;
}

/* Make room for at least two more bytes of field data. */
static void
csv_out_grow(struct csv_reader *r)
{
	r->outcap = r->outcap == 0 ? 4096 : r->outcap * 2;
	r->out = xrealloc(r->out, r->outcap);
}

/* Start a new field at the current end of the data. */
static void
csv_field_start(struct csv_reader *r)
{
	if (r->nstarts == r->startcap) {
		r->startcap = r->startcap == 0 ? 64 : r->startcap * 2;
		r->starts = xreallocarray(r->starts, r->startcap,
		    sizeof *r->starts);
	}
	r->starts[r->nstarts++] = r->outlen;
}

/* End the current field with a NUL. */
static void
csv_field_end(struct csv_reader *r)
{
	if (r->outlen + 2 > r->outcap)
		csv_out_grow(r);
	r->out[r->outlen++] = '\0';
}

/*
 * Read one record into r->out and r->starts.
 * Returns 1 for a record (r->err says whether it is well-formed), 0 at the
 * end of the input, -1 on a read error. *startline is the line it starts on.
 */
static int
csv_read_record(struct csv_reader *r, unsigned long long *startline)
{
	enum csv_state		 st = ST_START;
	const unsigned char	*p, *end, *q;
	unsigned char		 c, lo = 0x80, hi = 0xbf;
	size_t			 n;
	unsigned int		 need = 0;
	unsigned long long	 line = r->line, col = r->col;
	unsigned long long	 seqline = 0, seqcol = 0;
	unsigned long long	 qline = 0, qcol = 0;
	size_t			 raw = 0;
	int			 skip = 0, quoted = 0, started = 0;
	int			 delim = (unsigned char)r->delim;

again:
	r->outlen = 0;
	r->nstarts = 0;
	r->err = CSV_ERR_NONE;
	st = ST_START;
	raw = 0;
	skip = quoted = started = 0;
	need = 0;
	for (;;) {
		if (r->inpos == r->inlen) {
			if (r->eof || csv_fill(r) == -1 || r->eof) {
				if (r->read_errno != 0)
					return -1;
				break;
			}
		}
		p = r->in + r->inpos;
		end = r->in + r->inlen;
		if (!started) {
			*startline = line;
			started = 1;
		}
		while (p < end) {
			/*
			 * Fast path: a run of plain ASCII inside a field is
			 * copied at once (most of a typical file).
			 */
			if (need == 0 && !skip &&
			    (st == ST_UNQUOTED || st == ST_QUOTED)) {
				q = p;
				while (q < end && !r->special[*q])
					q++;
				/* Stop at the cap: the slow path reports it. */
				n = (size_t)(q - p);
				if (n > CSV_RECORD_MAX - raw)
					n = CSV_RECORD_MAX - raw;
				q = p + n;
				if (n > 0) {
					while (r->outlen + n + 2 > r->outcap)
						csv_out_grow(r);
					memcpy(r->out + r->outlen, p, n);
					r->outlen += n;
					raw += n;
					col += n;
					p = q;
					continue;
				}
			}
			c = *p++;
			if (++raw > CSV_RECORD_MAX && !skip) {
				csv_error_at(r, CSV_ERR_TOO_LONG, *startline,
				    0);
				skip = 1;
				r->outlen = 0;
				r->nstarts = 0;
			}
			if (need != 0) {
				if (c >= lo && c <= hi) {
					need--;
					lo = 0x80;
					hi = 0xbf;
					goto data;
				}
				csv_error_at(r, CSV_ERR_UTF8, seqline, seqcol);
				need = 0;
			}
			col++;
			if (c >= 0x80) {
				seqline = line;
				seqcol = col;
				lo = 0x80;
				hi = 0xbf;
				if (c >= 0xc2 && c <= 0xdf)
					need = 1;
				else if (c == 0xe0) {
					need = 2;
					lo = 0xa0;
				} else if (c == 0xed) {
					need = 2;
					hi = 0x9f;
				} else if (c >= 0xe1 && c <= 0xef)
					need = 2;
				else if (c == 0xf0) {
					need = 3;
					lo = 0x90;
				} else if (c >= 0xf1 && c <= 0xf3)
					need = 3;
				else if (c == 0xf4) {
					need = 3;
					hi = 0x8f;
				} else
					csv_error_at(r, CSV_ERR_UTF8, line,
					    col);
				goto plain;
			}
			switch (st) {
			case ST_CR:
				if (c == '\n')
					goto eol;
				/* A lone CR is data: keep it, then see c. */
				if (!skip) {
					if (r->outlen + 2 > r->outcap)
						csv_out_grow(r);
					r->out[r->outlen++] = '\r';
				}
				st = ST_UNQUOTED;
				/* FALLTHROUGH */
			case ST_UNQUOTED:
			case ST_START:
				if (st == ST_START && !skip)
					csv_field_start(r);
				if (c == '"' && st == ST_START) {
					st = ST_QUOTED;
					quoted = 1;
					qline = line;
					qcol = col;
					continue;
				}
				st = ST_UNQUOTED;
				if (c == delim) {
					if (!skip)
						csv_field_end(r);
					st = ST_START;
					continue;
				}
				if (c == '\n')
					goto eol;
				if (c == '\r') {
					st = ST_CR;
					continue;
				}
				goto data;
			case ST_QUOTED:
				if (c == '"') {
					st = ST_QUOTE;
					continue;
				}
				if (c == '\n') {
					line++;
					col = 0;
				}
				goto data;
			case ST_QUOTE:
				if (c == '"') {
					st = ST_QUOTED;
					goto data;
				}
				/* The quote closed the field. */
				st = ST_UNQUOTED;
				if (c == delim) {
					if (!skip)
						csv_field_end(r);
					st = ST_START;
					continue;
				}
				if (c == '\n')
					goto eol;
				if (c == '\r') {
					st = ST_CR;
					continue;
				}
				goto data;
			}
plain:
			/* Any byte that is not CSV syntax. */
			if (st == ST_START) {
				if (!skip)
					csv_field_start(r);
			} else if (st == ST_CR && !skip) {
				if (r->outlen + 2 > r->outcap)
					csv_out_grow(r);
				r->out[r->outlen++] = '\r';
			}
			if (st != ST_QUOTED)
				st = ST_UNQUOTED;
data:
			if (!skip) {
				if (r->outlen + 2 > r->outcap)
					csv_out_grow(r);
				r->out[r->outlen++] = (char)c;
			}
			continue;
eol:
			line++;
			col = 0;
			r->inpos = (size_t)(p - r->in);
			goto done;
		}
		r->inpos = r->inlen;
	}
	/* End of the input. */
	if (!started || (raw == 0))
		goto eof;
	if (need != 0)
		csv_error_at(r, CSV_ERR_UTF8, seqline, seqcol);
	if (st == ST_QUOTED)
		csv_error_at(r, CSV_ERR_QUOTE, qline, qcol);
	/* A CR at the very end ends the line, as CRLF would. */
done:
	if (need != 0)
		csv_error_at(r, CSV_ERR_UTF8, seqline, seqcol);
	if (!skip) {
		if (st == ST_START)
			csv_field_start(r);
		csv_field_end(r);
	}
	r->line = line;
	r->col = col;
	/* An empty line is not a record. */
	if (!skip && !quoted && r->nstarts == 1 && r->outlen == 1 &&
	    r->err == CSV_ERR_NONE)
		goto again;
	return 1;
eof:
	r->line = line;
	r->col = col;
	return 0;
}

/* Point r->fields at the fields of the record just read. */
static void
csv_make_fields(struct csv_reader *r)
{
	size_t	i, next;

	if (r->nstarts > r->fieldcap) {
		r->fieldcap = r->nstarts;
		r->fields = xreallocarray(r->fields, r->fieldcap,
		    sizeof *r->fields);
	}
	for (i = 0; i < r->nstarts; i++) {
		next = i + 1 < r->nstarts ? r->starts[i + 1] : r->outlen;
		r->fields[i].s = r->out + r->starts[i];
		r->fields[i].len = next - r->starts[i] - 1;
	}
}

/* A sentence for the error of the record just read. */
static char *
csv_error_message(struct csv_reader *r)
{
	switch (r->err) {
	case CSV_ERR_FIELDS:
		return xasprintf(ngettext_("%1$s, line %2$'llu: %3$zu field "
		    "where the header has %4$zu", "%1$s, line %2$'llu: %3$zu "
		    "fields where the header has %4$zu", r->nstarts), r->name,
		    r->err_line, r->nstarts, r->nhdr);
	case CSV_ERR_QUOTE:
		return xasprintf(_("%1$s, line %2$'llu, column %3$'llu: a "
		    "quoted field is not closed before the end of the file"),
		    r->name, r->err_line, r->err_col);
	case CSV_ERR_UTF8:
		return xasprintf(_("%1$s, line %2$'llu, column %3$'llu: bytes "
		    "that are not UTF-8"), r->name, r->err_line, r->err_col);
	case CSV_ERR_TOO_LONG:
		return xasprintf(_("%1$s, line %2$'llu: the record is longer "
		    "than 1 MiB"), r->name, r->err_line);
	case CSV_ERR_NONE:
		break;
	}
	return xstrdup("?");
}

/* Trim spaces and tabs around a header name, in place. */
static char *
csv_trim_name(char *s)
{
	size_t	len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}

/* Read and check the header row. */
static int
csv_read_header(struct csv_reader *r, char **cause)
{
	unsigned long long	 startline;
	size_t			 i, j;
	char			*t;
	int			 n;

	n = csv_read_record(r, &startline);
	if (n == -1) {
		*cause = xasprintf(_("cannot read %1$s: %2$s"), r->name,
		    strerror(r->read_errno));
		return -1;
	}
	if (n == 0) {
		*cause = xasprintf(_("%s is empty: a segment file needs a "
		    "header row that names its fields"), r->name);
		return -1;
	}
	switch (r->err) {
	case CSV_ERR_NONE:
	case CSV_ERR_FIELDS:
		break;
	case CSV_ERR_QUOTE:
		*cause = xasprintf(_("%1$s, line %2$'llu, column %3$'llu: a "
		    "quoted name in the header row is not closed before the "
		    "end of the file"), r->name, r->err_line, r->err_col);
		return -1;
	case CSV_ERR_UTF8:
		*cause = xasprintf(_("%1$s, line %2$'llu, column %3$'llu: the "
		    "header row has bytes that are not UTF-8"), r->name,
		    r->err_line, r->err_col);
		return -1;
	case CSV_ERR_TOO_LONG:
		*cause = xasprintf(_("%s: the header row is longer than 1 MiB"),
		    r->name);
		return -1;
	}
	csv_make_fields(r);
	r->nhdr = r->nstarts;
	r->hdr = xcalloc(r->nhdr + 1, sizeof *r->hdr);
	for (i = 0; i < r->nhdr; i++) {
		r->hdr[i] = xstrdup(r->fields[i].s);
		t = csv_trim_name(r->hdr[i]);
		memmove(r->hdr[i], t, strlen(t) + 1);
		if (*r->hdr[i] == '\0') {
			*cause = xasprintf(_("%1$s: field %2$zu of the header "
			    "row has no name"), r->name, i + 1);
			return -1;
		}
	}
	/* Headers are short: a quadratic check costs nothing. */
	for (i = 0; i < r->nhdr; i++) {
		for (j = i + 1; j < r->nhdr; j++) {
			if (strcmp(r->hdr[i], r->hdr[j]) != 0)
				continue;
			*cause = xasprintf(_("%1$s: the header row names the "
			    "field \"%2$s\" twice (fields %3$zu and %4$zu)"),
			    r->name, r->hdr[i], i + 1, j + 1);
			return -1;
		}
	}
	return 0;
}

/* Common part of csv_open() and csv_open_mem(). */
static int
csv_start(struct csv_reader *r, struct csv_reader **rp, char **cause)
{
	size_t	i;

	r->line = 1;
	if (r->inlen - r->inpos >= 3 &&
	    memcmp(r->in + r->inpos, "\xef\xbb\xbf", 3) == 0)
		r->inpos += 3;
	r->delim = csv_detect(r->in + r->inpos, r->inlen - r->inpos);
	for (i = 0x80; i < 256; i++)
		r->special[i] = 1;
	r->special[(unsigned char)r->delim] = 1;
	r->special['"'] = 1;
	r->special['\r'] = 1;
	r->special['\n'] = 1;
	if (csv_read_header(r, cause) != 0) {
		csv_close(&r);
		return -1;
	}
	*rp = r;
	return 0;
}

int
csv_open(const char *path, struct csv_reader **rp, char **cause)
{
	struct csv_reader	*r;

	*rp = NULL;
	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(csv_basename(path));
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd == -1) {
		*cause = xasprintf(_("cannot open %1$s: %2$s"), path,
		    strerror(errno));
		csv_close(&r);
		return -1;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	r->inbuf = xmalloc(CSV_INBUF);
	if (csv_fill_first(r) != 0) {
		*cause = xasprintf(_("cannot read %1$s: %2$s"), path,
		    strerror(r->read_errno));
		csv_close(&r);
		return -1;
	}
	return csv_start(r, rp, cause);
}

int
csv_open_mem(const char *name, const void *buf, size_t len,
    struct csv_reader **rp, char **cause)
{
	struct csv_reader	*r;

	*rp = NULL;
	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(csv_basename(name));
	r->fd = -1;
	r->in = buf;
	r->inlen = len;
	return csv_start(r, rp, cause);
}

const char *const *
csv_header_peek(const struct csv_reader *r, size_t *n)
{
	*n = r->nhdr;
	return (const char *const *)r->hdr;
}

long
csv_field_index(const struct csv_reader *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nhdr; i++) {
		if (strcmp(r->hdr[i], name) == 0)
			return (long)i;
	}
	return -1;
}

char
csv_delimiter(const struct csv_reader *r)
{
	return r->delim;
}

enum csv_status
csv_next(struct csv_reader *r, struct csv_row *row, char **cause)
{
	unsigned long long	startline = 0;
	int			n;

	memset(row, 0, sizeof *row);
	n = csv_read_record(r, &startline);
	if (n == -1) {
		*cause = xasprintf(_("cannot read %1$s: %2$s"), r->name,
		    strerror(r->read_errno));
		return CSV_IO_ERROR;
	}
	if (n == 0)
		return CSV_EOF;
	r->records++;
	if (r->err == CSV_ERR_NONE && r->nstarts != r->nhdr)
		csv_error_at(r, CSV_ERR_FIELDS, startline, 0);
	csv_make_fields(r);
	row->fields = r->fields;
	row->nfields = r->nstarts;
	row->line = startline;
	row->record = r->records;
	row->error = r->err;
	if (r->err == CSV_ERR_NONE)
		return CSV_OK;
	row->error_line = r->err_line;
	row->error_column = r->err_col;
	*cause = csv_error_message(r);
	return CSV_ROW_ERROR;
}

int
csv_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, need, k;
	unsigned char		 lo, hi;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			need = 1;
		else if (p[i] == 0xe0) {
			need = 2;
			lo = 0xa0;
		} else if (p[i] == 0xed) {
			need = 2;
			hi = 0x9f;
		} else if (p[i] >= 0xe1 && p[i] <= 0xef)
			need = 2;
		else if (p[i] == 0xf0) {
			need = 3;
			lo = 0x90;
		} else if (p[i] >= 0xf1 && p[i] <= 0xf3)
			need = 3;
		else if (p[i] == 0xf4) {
			need = 3;
			hi = 0x8f;
		} else
			return 0;
		i++;
		for (k = 0; k < need; k++, i++) {
			if (i >= len || p[i] < lo || p[i] > hi)
				return 0;
			lo = 0x80;
			hi = 0xbf;
		}
	}
	return 1;
}

void
csv_close(struct csv_reader **rp)
{
	struct csv_reader	*r = *rp;
	size_t			 i;

	if (r == NULL)
		return;
	if (r->fd != -1)
		close(r->fd);
	for (i = 0; i < r->nhdr; i++)
		free(r->hdr[i]);
	free(r->hdr);
	free(r->fields);
	free(r->starts);
	free(r->out);
	free(r->inbuf);
	free(r->name);
	free(r);
	*rp = NULL;
}
