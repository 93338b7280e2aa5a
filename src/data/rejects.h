/*
 * The rejected-records file of a run (shared/docs/data-rules.md, "Rejected
 * records"): a CSV file with the header
 *
 *	segment,line,identifier,reason
 *
 * and one row per rejected profile. Fields are quoted as RFC 4180 says
 * when they hold a comma, a quote, CR or LF (quotes doubled).
 *
 * Formula injection: a spreadsheet would run a cell starting with '=',
 * '+', '-' or '@' (or tab or CR, per OWASP) as a formula, and these values
 * come from the segment files, so such a value is written with a "'"
 * before it. The file therefore does not give back such values byte for
 * byte: "+33612345678" reads back as "'+33612345678".
 *
 * The file is created with mode 0600 (whatever the umask) and written
 * directly, so that the records of an interrupted run are still there;
 * writes are buffered and rejects_close() flushes, fsyncs and reports any
 * write error met on the way.
 *
 * Errors: functions return 0 on success and -1 with *cause set to a
 * malloc'd sentence naming the file (caller frees).
 */
#ifndef SEGSYNC_SRC_DATA_REJECTS_H
#define SEGSYNC_SRC_DATA_REJECTS_H

#include <stddef.h>

struct rejects;

/* Create (or truncate) path and write the header row. */
int	rejects_open(const char *path, struct rejects **rp, char **cause);

/*
 * Add a row. identifier is the customer ID or email as read (idlen bytes,
 * may be empty); segment and reason are NUL-terminated. A write error is
 * returned at once when seen, and again by rejects_close().
 */
int	rejects_add(struct rejects *r, const char *segment,
	    unsigned long long line, const char *identifier, size_t idlen,
	    const char *reason, char **cause);

/* Rows added so far. */
unsigned long long rejects_count(const struct rejects *r);

/*
 * Flush, fsync and close; frees *rp and sets it to NULL (NULL allowed).
 * Fails if any write failed since rejects_open().
 */
int	rejects_close(struct rejects **rp, char **cause);

#endif
