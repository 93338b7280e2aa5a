/* Writer of the rejected-records CSV file. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "data/rejects.h"

#define REJECTS_BUF	(64u * 1024)

struct rejects {
	char			*path;
	int			 fd;
	int			 write_errno;	/* first write error, or 0 */
	char			*buf;
	size_t			 len;
	unsigned long long	 count;
};

/* Write the buffer out; the first error sticks. */
static void
rejects_flush(struct rejects *r)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < r->len && r->write_errno == 0) {
		n = write(r->fd, r->buf + off, r->len - off);
		if (n == -1) {
			if (errno != EINTR)
				r->write_errno = errno;
			continue;
		}
		off += (size_t)n;
	}
	r->len = 0;
}

/* Append bytes, flushing when the buffer is full. */
static void
rejects_put(struct rejects *r, const char *s, size_t len)
{
	size_t	n;

	while (len > 0) {
		if (r->len == REJECTS_BUF)
			rejects_flush(r);
		n = REJECTS_BUF - r->len;
		if (n > len)
			n = len;
		memcpy(r->buf + r->len, s, n);
		r->len += n;
		s += n;
		len -= n;
	}
}

/* Append one field, defused against formulas and quoted if needed. */
static void
rejects_field(struct rejects *r, const char *s, size_t len)
{
	const char	*q;
	size_t		 i;
	int		 quote, formula;

	formula = len > 0 && strchr("=+-@\t\r", s[0]) != NULL;
	quote = 0;
	for (i = 0; i < len && !quote; i++) {
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			quote = 1;
	}
	if (quote)
		rejects_put(r, "\"", 1);
	if (formula)
		rejects_put(r, "'", 1);
	if (!quote)
		rejects_put(r, s, len);
	else {
		while ((q = memchr(s, '"', len)) != NULL) {
			rejects_put(r, s, (size_t)(q - s) + 1);
			rejects_put(r, "\"", 1);
			len -= (size_t)(q - s) + 1;
			s = q + 1;
		}
		rejects_put(r, s, len);
		rejects_put(r, "\"", 1);
	}
}

int
rejects_open(const char *path, struct rejects **rp, char **cause)
{
	struct rejects	*r;
	int		 fd;

	*rp = NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		*cause = xasprintf(_("cannot create %1$s: %2$s"), path,
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) == -1) {
		*cause = xasprintf(_("cannot set the mode of %1$s: %2$s"),
		    path, strerror(errno));
		close(fd);
		return -1;
	}
	r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	r->fd = fd;
	r->buf = xmalloc(REJECTS_BUF);
	rejects_put(r, "segment,line,identifier,reason\r\n", 32);
	*rp = r;
	return 0;
}

int
rejects_add(struct rejects *r, const char *segment, unsigned long long line,
    const char *identifier, size_t idlen, const char *reason, char **cause)
{
	char	num[32];
	int	n;

	rejects_field(r, segment, strlen(segment));
	n = snprintf(num, sizeof num, ",%llu,", line);
	rejects_put(r, num, (size_t)n);
	rejects_field(r, identifier, idlen);
	rejects_put(r, ",", 1);
	rejects_field(r, reason, strlen(reason));
	rejects_put(r, "\r\n", 2);
	r->count++;
	if (r->write_errno != 0) {
		*cause = xasprintf(_("cannot write %1$s: %2$s"), r->path,
		    strerror(r->write_errno));
		return -1;
	}
	return 0;
}

unsigned long long
rejects_count(const struct rejects *r)
{
	return r->count;
}

int
rejects_close(struct rejects **rp, char **cause)
{
	struct rejects	*r = *rp;
	int		 rc = 0;

	if (r == NULL)
		return 0;
	rejects_flush(r);
	if (r->write_errno == 0 && fsync(r->fd) == -1 && errno != EINVAL)
		r->write_errno = errno;
	if (close(r->fd) == -1 && r->write_errno == 0 && errno != EINTR)
		r->write_errno = errno;
	if (r->write_errno != 0) {
		*cause = xasprintf(_("cannot write %1$s: %2$s"), r->path,
		    strerror(r->write_errno));
		rc = -1;
	}
	free(r->buf);
	free(r->path);
	free(r);
	*rp = NULL;
	return rc;
}
