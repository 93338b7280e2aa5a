/*
 * The run engine: one run of a saved export, from its segment files to the
 * destination, as a worker process that outlives the terminal
 * (shared/docs/architecture.md, "One run"; runrecord.h says what it leaves
 * behind).
 *
 *	run_prepare()		take the export's lock, create the run's
 *				folder and record ("running"), its own lock
 *	run_resume_prepare()	the same for an interrupted, failed or
 *				cancelled run: its journal says what not to
 *				send again
 *	run_job_connect()	the connection and its decrypted record
 *	run_spawn()		fork the worker (detached: a new session,
 *				stdio on /dev/null, SIGHUP ignored), or
 *	run_execute()		be the worker: deliver, journal each answered
 *				batch, rewrite run.json a few times a second,
 *				stop cleanly on SIGTERM or a cancel request,
 *				record the outcome, prune old runs
 *
 * The starter unlocks the secrets and opens the record before forking, so
 * that the worker never asks anything; both locks are flock()s on
 * descriptors the worker inherits, so they live exactly as long as the
 * worker does (a kill -9 releases them: the run reads as interrupted).
 *
 * Errors: 0, or -1 with *cause (malloc'd sentence) and *fault saying which
 * exit status fits.
 */
#ifndef SEGSYNC_SRC_RUN_RUN_H
#define SEGSYNC_SRC_RUN_RUN_H

#include <sys/types.h>

#include "run/runrecord.h"

struct dest_credstore;

struct connection;
struct dest_driver;
struct export;
struct secrecord;
struct segment_list;
struct workspace;

struct run_job;

/* Cancel requests are noticed within this many milliseconds. */
#define RUN_TICK_MS	250

/*
 * A new run of export x on connection c (whose driver is d), started by
 * the member user; segs is the data folder's listing (for files and row
 * counts). scheduled: started by `segsync refresh`.
 */
int	run_prepare(struct workspace *, const char *user,
	    const struct export *x, const struct connection *c,
	    const struct segment_list *segs, int scheduled,
	    struct run_job **jobp, enum run_fault *fault, char **cause);

/* Resume run id, started again by user. */
int	run_resume_prepare(struct workspace *, const char *user,
	    const char *id, struct run_job **jobp, enum run_fault *fault,
	    char **cause);

/* The job's record (its id, its export's connection id, ...). */
const struct run *run_job_run(const struct run_job *);

/* The connection and decrypted record to send with (both borrowed). */
void	run_job_connect(struct run_job *, const struct connection *c,
	    const struct secrecord *rec);

/*
 * Where the worker's session saves credentials the destination renews
 * (Snapchat's rotated refresh token; store/credstore.h), borrowed like the
 * record. Without one such a destination cannot renew its token.
 */
void	run_job_credstore(struct run_job *, const struct dest_credstore *);

/*
 * Start the worker. detach: it leaves the session and is no child of
 * ours (segsync run, the UI); otherwise it is a child to wait for
 * (segsync refresh, *pidp). 0 once the worker is on its way, and the
 * caller only frees the job.
 */
int	run_spawn(struct run_job *, int detach, pid_t *pidp, char **cause);

/* Be the worker, in this process. The run's final status. */
enum run_status run_execute(struct run_job *);

/* Release the locks this process holds for the job, free it. */
void	run_job_free(struct run_job **);

/*
 * Ask a running run to stop: a cancel request in its folder, which the
 * worker sees within RUN_TICK_MS, and SIGTERM when we may signal it.
 */
int	run_cancel(struct workspace *, const char *id, const char *user,
	    char **cause);

/*
 * Remove the oldest finished runs of an export past keep (never a run
 * whose worker lives). Returns how many were removed.
 */
size_t	run_prune(const struct workspace *, const char *export_id,
	    unsigned keep);

#endif
