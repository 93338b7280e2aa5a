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
 * Errors: 0, or -1 with *cause (malloc'd sentence) and *kind saying what
 * kind of failure it was (base/fail.h; busy: the export or run is already
 * running).
 */
#ifndef SEGSYNC_SRC_RUN_RUN_H
#define SEGSYNC_SRC_RUN_RUN_H

#include <sys/types.h>

#include "base/fail.h"
#include "run/deliver.h"
#include "run/runrecord.h"

struct dest_credstore;

struct connection;
struct dest_driver;
struct dest_session;
struct export;
struct export_map;
struct http_engine;
struct rejects;
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
	    struct run_job **jobp, enum fail_kind *kind, char **cause);

/* Resume run id, started again by user. */
int	run_resume_prepare(struct workspace *, const char *user,
	    const char *id, struct run_job **jobp, enum fail_kind *kind,
	    char **cause);

/* The job's record (its id, its export's connection id, ...). */
const struct run *run_job_run(const struct run_job *);

/*
 * A new run's options (segsync run --full, --force, --allow-empty): saved
 * with its record, so that a resume keeps them.
 */
void	run_job_options(struct run_job *, int full, int force,
	    int allow_empty);

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

/*
 * What a delivery sends with, set up alike for a run and a dry run
 * (segsync run --dry-run). The caller fills cfg with what the delivery is
 * about (target, segments, expected rows, dry_run, callbacks), then
 * run_delivery_open() adds the mapping of map onto driver d's slots, a
 * session of d on connection c's decrypted record with the credential
 * store k (may be NULL), an engine with as many transfers as the driver
 * keeps batches in flight, and the rejects file at rejects_path. 0, or -1
 * with *kind (invalid for the mapping or the session) and *cause. The
 * caller closes rd->rejects when it wants to hear of a write error;
 * run_delivery_free() frees the rest (and any open rejects file).
 */
struct run_delivery {
	struct deliver_config	 cfg;
	struct deliver_mapping	 mapping;
	struct dest_session	*session;
	struct http_engine	*engine;
	struct rejects		*rejects;
};

int	run_delivery_open(struct run_delivery *rd, const struct dest_driver *d,
	    const struct connection *c, const struct secrecord *rec,
	    const struct dest_credstore *k, const struct export_map *map,
	    size_t nmap, const char *rejects_path, enum fail_kind *kind,
	    char **cause);
void	run_delivery_free(struct run_delivery *rd);

struct deliver_sync;
struct syncstate_keys;
/*
 * The sync state of an export (deliver_types.h, syncstate.h) as a run
 * with these options would keep it, under the sync key of the connection's
 * decrypted record rec. 0, or -1 when the record has no sync key yet (no
 * run ever kept a state: everything is new). Free with run_sync_close().
 */
int	run_sync_open(const struct workspace *, const struct secrecord *rec,
	    const char *export_id, const char *connection_id,
	    const char *target, const char *mode, unsigned max_removals,
	    int full, int force, int allow_empty, struct deliver_sync *,
	    struct syncstate_keys *);
void	run_sync_close(struct deliver_sync *, struct syncstate_keys *);

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
