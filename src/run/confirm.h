/*
 * Confirmation: the last phase of a delivery to a destination that only
 * queues what it is sent (Brevo's import processes: dest.h, struct
 * dest_job). Nothing here knows the destination: it reads jobs through the
 * driver's optional confirm() function.
 *
 * While the batches are answered, deliver.c hands over each accepted
 * profile whose result carries a job (confirm_add()). Once every batch is
 * answered, confirm_run():
 *
 *	poll:		asks confirm() about the distinct pending jobs, one
 *			round at a time; the first round FIRST after the last
 *			answer, each later one 1.5 times the previous interval
 *			later, at most MAX apart, until none is pending or
 *			GIVE_UP has passed. A round that fails (network, 5xx,
 *			the account's budget spent) is tried again at the
 *			next interval; a refused key or a wrong base URL ends
 *			the polling. Undecided jobs stay counted as accepted,
 *			and stats say how many are left.
 *	resolve:	for the jobs that failed (every profile of them is
 *			rejected) and the completed jobs with a report (the
 *			profiles whose email it lists are rejected), reads
 *			the affected segments once more, in order, to find
 *			each profile's row: its identifier as read for the
 *			rejects file, its normalised email to match the
 *			report. Then the counts move (accepted down, rejected
 *			up, per segment and in total) and on_confirm_reject
 *			hears of the refs. A row that is no longer there (the
 *			file changed) is still rejected when its job failed,
 *			with an empty identifier.
 *
 * Defaults are sparing: Brevo counts each poll against the 100 requests
 * an hour that the whole account shares with /account. FIRST is 30 s,
 * MAX 5 min, GIVE_UP 6 h. For tests only, the environment variable
 * SEGSYNC_TEST_CONFIRM_MS="FIRST[,MAX[,GIVE_UP]]" (milliseconds) replaces
 * them.
 *
 * Memory: no profile is kept. A job holds the refs of its profiles
 * (DELIVER_REF: segment and line), which arrive in increasing order, as
 * runs of consecutive refs, each two LEB128 varints (the gap from the
 * previous run's end, the length): a few bytes per batch when its rows
 * are consecutive, 2 bytes a ref at worst while refs stay close (1
 * million profiles with every other row rejected: 2 MB). A ref lower
 * than the job's last starts another run list for the same job. The
 * resolve pass holds one cursor per affected job and the reports'
 * emails as 64-bit keyed hashes.
 */
#ifndef SEGSYNC_SRC_RUN_CONFIRM_H
#define SEGSYNC_SRC_RUN_CONFIRM_H

#include <stddef.h>
#include <stdint.h>

struct deliver_config;
struct deliver_stats;

struct confirm;

struct confirm	*confirm_new(void);
void		 confirm_free(struct confirm **);

/* The profile ref now waits on job (not 0). */
void		 confirm_add(struct confirm *, uint64_t job, uint64_t ref);

/* Distinct jobs added, and the bytes the map takes. */
size_t		 confirm_njobs(const struct confirm *);
size_t		 confirm_bytes(const struct confirm *);

/*
 * Told, while resolving, the key of each profile the confirmation rejected
 * whose row was read again (its customer ID when cid is set, else its
 * normalised email), so that the sync state does not keep it as taken.
 */
typedef void	 confirm_unaccept_cb(const char *id, size_t idlen, int cid,
		    void *arg);

/*
 * Poll and resolve, as above, for the delivery cfg (its session, engine,
 * segments, mapping, rejects, cancel and on_confirm_reject) whose counts
 * are in stats (phase, jobs*, confirm_* are kept up to date). 0 when the
 * phase ran its course (some jobs may still be pending: stats say so),
 * or -1 with *cause when it was cancelled or the rejects file could not
 * be written.
 */
int		 confirm_run(struct confirm *, const struct deliver_config *cfg,
		    struct deliver_stats *stats, confirm_unaccept_cb *unaccept,
		    void *arg, char **cause);

#endif
