/*
 * Run records: what a run leaves in the workspace, read by `segsync runs`,
 * by `segsync run` while it follows a run, and by the progress screens.
 *
 *	runs/<id>/run.json	the record: what runs where, status, phase,
 *				counts (overall and per segment), requests,
 *				the worker's resources, errors in words and a
 *				timeline; rewritten atomically by the worker a
 *				few times a second at most
 *	runs/<id>/journal	what the destination answered (journal.h)
 *	runs/<id>/rejects.csv	rejected records with reasons (rejects.h)
 *	runs/<id>/lock		flock()ed by the worker while it lives
 *	runs/<id>/cancel	present when someone asked the run to stop
 *	runs/<id>/reserve	disk the worker keeps for its last writes,
 *				given back when it ends or the disk fills
 *	runs/<export-id>.lock	flock()ed by the worker of the export's
 *				current run; holds that run's ID
 *
 * Run IDs sort by start time (UTC, to the second, then the milliseconds
 * and a random hex digit): "20261122T101530Z-3fa2". A record saying
 * "running" whose lock nobody holds belongs to a worker that died (kill
 * -9, reboot): it is read as "interrupted", and `segsync run --resume`
 * continues it.
 *
 * The record keeps a copy of what the run sends (target, mapping,
 * segments with their files' size and modification time) so that a
 * resumed run sends exactly what the first attempt would have, and
 * refuses when a segment file changed in between.
 *
 * Errors: functions returning int give 0, or -1 with *cause (malloc'd).
 */
#ifndef SEGSYNC_SRC_RUN_RUNRECORD_H
#define SEGSYNC_SRC_RUN_RUNRECORD_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "run/deliver.h"
#include "store/export.h"

struct workspace;

#define RUN_ID_LEN	sizeof("20261122T101530Z-3fa2")
#define RUN_VERSION	1
#define RUN_EVENTS_MAX	200	/* the timeline keeps the first and last */
#define RUN_ERRORS_MAX	20	/* the latest errors in words */

enum run_status {
	RUN_RUNNING,
	RUN_SUCCEEDED,
	RUN_FAILED,
	RUN_CANCELLED,
	RUN_INTERRUPTED
};

/* Why a run failed, for the exit status of `segsync run`. */
enum run_fault {
	RUN_FAULT_NONE,
	RUN_FAULT_AUTH,		/* credentials refused: status 3 */
	RUN_FAULT_CONFIG,	/* settings, target, data: status 4 */
	RUN_FAULT_OTHER		/* status 1 */
};

struct run_segment {
	char			*name;
	char			*file;
	long long		 size;
	long long		 mtime_ns;
	uint64_t		 rows;		/* as counted when started */
	struct deliver_counts	 counts;
};

/*
 * One line of the timeline: what, in English with plain digits (for
 * --json and older readers), and, for events the run engine writes, the
 * untranslated format and its arguments, so that each reader reads it in
 * their own language (run_event_text()).
 */
struct run_event {
	char	 *at;		/* RFC 3339 */
	char	 *what;		/* in words, English */
	char	 *msgid;	/* untranslated format, or NULL */
	char	**args;		/* deferfmt_args() of it */
	size_t	  nargs;
};

struct run {
	char			*id;
	char			*export_id;
	char			*export_name;
	char			*connection_id;
	char			*connection_name;
	char			*destination;	/* driver id */
	char			*target;
	struct export_map	*map;		/* "email", "attr:city" */
	size_t			 nmap;
	struct run_segment	*segments;
	size_t			 nsegments;
	int			 scheduled;	/* started by refresh */

	enum run_status		 status;
	enum deliver_phase	 phase;
	enum run_fault		 fault;
	char			*started_by;
	char			*started_at;
	char			*finished_at;	/* NULL while running */
	char			*updated_at;
	/*
	 * A resumed run's clock: when its current attempt started (NULL:
	 * the run's start) and the seconds the attempts before it ran, so
	 * that the time between an interruption and its resume is no part
	 * of the run's duration.
	 */
	char			*attempt_started_at;
	uint64_t		 earlier_seconds;
	long			 pid;
	unsigned		 attempts;	/* 1, then 2 after a resume */
	uint64_t		 total_rows;

	struct deliver_counts	 counts;
	uint64_t		 requests;
	uint64_t		 retries;
	uint64_t		 throttled;
	uint64_t		 rate_waits;
	unsigned		 in_flight;
	double			 cpu_seconds;
	long			 peak_rss_kb;

	/* The confirmation of queued jobs (Brevo import processes). */
	uint64_t		 jobs;
	uint64_t		 jobs_pending;
	uint64_t		 jobs_failed;
	uint64_t		 confirm_rejected;
	int64_t			 confirm_next;	/* epoch s; 0: none due */
	char			*confirm_note;	/* in words, or NULL */

	/*
	 * Keeping in step (deliver_types.h): the options the run was started
	 * with (a resume keeps them), the export's mode then, and what the
	 * state said and the removals did.
	 */
	int			 full;
	int			 force;
	int			 allow_empty;
	char			*mode;		/* "upsert", ...; NULL: old */
	unsigned		 max_removals;	/* percent (mirror) */
	uint64_t		 members;
	uint64_t		 to_remove;
	uint64_t		 removed;
	uint64_t		 remove_rejected;
	enum deliver_guard	 guard;
	int			 baseline;
	char			*state_note;	/* in words, or NULL */
	/*
	 * The export's largest share of rejected profiles, in percent, when
	 * the run began (100, no limit, in the records of older versions).
	 */
	unsigned		 max_rejected;

	char			**errors;
	unsigned		*error_attempts; /* each one's; 0: unknown */
	size_t			 nerrors;
	struct run_event	*events;
	size_t			 nevents;
};

/* A new run ID for now. */
void		 run_new_id(char id[RUN_ID_LEN]);
/* Whether s looks like a run ID (no path tricks). */
int		 run_id_valid(const char *s);

const char	*run_status_name(enum run_status);	/* "running" */
const char	*run_status_label(enum run_status);	/* translated */
/*
 * A run that succeeded although some profiles were rejected: the screens
 * and the command line say "succeeded with N rejected", in the warning
 * colour, rather than a plain success.
 */
int		 run_succeeded_with_rejects(const struct run *);
/* The status in words, "succeeded with 12 rejected" too; malloc'd. */
char		*run_status_text(const struct run *);
/*
 * A full disk, in words: what to do, with the run to resume (malloc'd);
 * and whether the disk holding the workspace has less than
 * RUN_DISK_FULL_BYTES left, what the watchers of a run whose worker
 * stopped without a word check.
 */
#define RUN_DISK_FULL_BYTES	(64 * 1024)
char		*run_disk_full_text(const char *id);
int		 run_disk_full(const struct workspace *);
/* deliver_rejected_share() of the run's counts. */
double		 run_rejected_share(const struct run *);
const char	*run_phase_name(enum deliver_phase);	/* "sending" */
const char	*run_phase_label(enum deliver_phase);	/* translated */

/* runs/<id> and a file in it (malloc'd). */
char		*run_dir(const struct workspace *, const char *id);
char		*run_file(const struct workspace *, const char *id,
		    const char *name);
/* runs/<export-id>.lock */
char		*run_export_lock_path(const struct workspace *,
		    const char *export_id);

/* Save r as runs/<r->id>/run.json, atomically. */
int		 run_save(const struct workspace *, struct run *r,
		    char **cause);

/*
 * Load a run. A record saying "running" whose worker is gone comes back
 * as RUN_INTERRUPTED. errno is ENOENT when there is no such run.
 */
int		 run_load(const struct workspace *, const char *id,
		    struct run **rp, char **cause);

/*
 * Every run (of one export when export_id is not NULL), newest first. A
 * record that cannot be read is listed as a failed run whose error says
 * why, so that it is seen and can be removed.
 */
int		 run_list(const struct workspace *, const char *export_id,
		    struct run ***runsp, size_t *np, char **cause);
void		 run_list_free(struct run ***runsp, size_t n);

/*
 * What a record that cannot be read is listed as: a failed run of export
 * "?" whose error is why (copied).
 */
struct run	*run_damaged(const char *id, const char *why);

/* Whether the worker of run id is alive (its lock is held). */
int		 run_alive(const struct workspace *, const char *id);

/*
 * Whether export_id has a run whose worker lives (its export lock is
 * held): 1 with that run's ID in id, else 0.
 */
int		 run_export_running(const struct workspace *,
		    const char *export_id, char id[RUN_ID_LEN]);

/*
 * Add to the timeline or the errors (the oldest go past the caps). fmt is
 * untranslated (N_()): the timeline keeps it and its arguments, and each
 * reader renders it in their language.
 */
void		 run_event(struct run *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* An event in the reader's language, malloc'd. */
char		*run_event_text(const struct run_event *);
void		 run_error(struct run *, const char *message);
/*
 * Error i as a person reads it: with its attempt ("Attempt 1: ...") once
 * the run has been resumed, so that what went wrong before a resume is
 * not read as the outcome of the last attempt. Malloc'd.
 */
char		*run_error_text(const struct run *, size_t i);

/* Copy the delivery's live counts and the process's resources. */
void		 run_take_stats(struct run *, const struct deliver_stats *);

/*
 * The summary of shared/docs/cli.md (detail adds errors, rejects_file
 * and more).
 */
cJSON		*run_to_json(const struct workspace *, const struct run *,
		    int detail);

void		 run_free(struct run **);

#endif
