/*
 * The journal of a run: what the destination said of each profile it
 * answered for, appended batch by batch, so that a resumed run sends none
 * of them again (shared/docs/architecture.md, "One run").
 *
 * The file is text, one line per profile after a header line:
 *
 *	segsync-journal 1
 *	a 20000000002			accepted (ref in hex)
 *	a 20000000003 1f4		accepted, queued in job 0x1f4 (a
 *					Brevo import process to confirm)
 *	w 20000000005			accepted, sent with a warning
 *	r 20000000007 reason		rejected, with the reason in words
 *	s 2000000000c reason		rejected, sent with a warning
 *
 * where ref = segment index << 40 | line (deliver.h). A later line for the
 * same ref replaces an earlier one (a confirmation phase may turn an
 * accepted profile into a rejected one). It holds no personal data beyond
 * what a destination's reason may quote.
 *
 * Each batch is one write() on an O_APPEND descriptor, so a killed worker
 * leaves whole lines behind except, at worst, a torn last line, which
 * reading ignores and reopening cuts off. A write is in the page cache as
 * soon as write() returns: it survives the worker being killed; only a
 * machine crash can lose what came after the last journal_sync().
 *
 * Errors: functions return 0, or -1 with *cause (malloc'd sentence naming
 * the file).
 */
#ifndef SEGSYNC_SRC_RUN_JOURNAL_H
#define SEGSYNC_SRC_RUN_JOURNAL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct deliver_ack;
struct journal;
struct journal_index;

/*
 * Open path for appending, creating it (with this mode and group, gid
 * (gid_t)-1 to keep) and its header when missing; a torn last line is cut
 * off first.
 */
int	journal_open(const char *path, mode_t mode, gid_t gid,
	    struct journal **jp, char **cause);

/* Append the n acks of one batch in one write. */
int	journal_append(struct journal *, const struct deliver_ack *acks,
	    size_t n, char **cause);

/* Make what was appended durable (fdatasync). */
int	journal_sync(struct journal *, char **cause);

/* Sync, close and free; *jp set to NULL (NULL allowed). */
int	journal_close(struct journal **jp, char **cause);

/*
 * Read path into an index (a missing file gives an empty one). A line that
 * is not understood, other than a torn last line, is an error naming its
 * line number.
 */
int	journal_load(const char *path, struct journal_index **ip,
	    char **cause);

/*
 * What the journal says of ref: 1 with *flags (DELIVER_REJECTED,
 * DELIVER_WARNED) and *reason (NULL when accepted; owned by the index), or
 * 0 when it has nothing.
 */
int	journal_lookup(uint64_t ref, unsigned *flags, const char **reason,
	    void *index);
/* The same with the job it was queued in (0: none): deliver_prior_cb. */
int	journal_lookup_job(uint64_t ref, unsigned *flags, const char **reason,
	    uint64_t *job, void *index);

/* Distinct refs in the index. */
size_t	journal_index_count(const struct journal_index *);

void	journal_index_free(struct journal_index **ip);

#endif
