/*
 * The types of one delivery (deliver.h says what it does): its
 * configuration, its counts and the hooks of the run engine. Apart from
 * deliver.h so that the confirmation phase (confirm.c), which works on
 * a delivery's configuration and counts, needs none of the pipeline's
 * functions, and the pipeline and its last phase do not include each
 * other.
 */
#ifndef SEGSYNC_SRC_RUN_DELIVER_TYPES_H
#define SEGSYNC_SRC_RUN_DELIVER_TYPES_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "dest/dest.h"

struct http_engine;
struct rejects;

/* One selected segment: its name (as sent) and its CSV file. Borrowed. */
struct deliver_segment {
	const char	*name;
	const char	*path;
};

/*
 * Which CSV field fills each slot (NULL: not mapped), and the custom
 * attributes: attr_names[i] (as sent) from attr_fields[i]. Borrowed.
 */
struct deliver_mapping {
	const char		*fields[DEST_SLOT_COUNT];
	const char *const	*attr_names;
	const char *const	*attr_fields;
	size_t			 nattrs;
};

/*
 * The counts of data-rules.md "Counts of a run", and of "Keeping a
 * destination in step": of the valid profiles, the ones sent because the
 * state did not hold them (fresh), held them otherwise (changed), held
 * them sent but never answered (retried), and the ones not sent because
 * the destination already has them as they are (unchanged).
 */
struct deliver_counts {
	uint64_t	read;
	uint64_t	rejected;
	uint64_t	duplicates;
	uint64_t	sent;
	uint64_t	accepted;
	uint64_t	warnings;
	uint64_t	fresh;
	uint64_t	changed;
	uint64_t	retried;
	uint64_t	unchanged;
};

/* Which guard of the mirror mode stopped a run (or would, dry). */
enum deliver_guard {
	DELIVER_GUARD_NONE,
	DELIVER_GUARD_EMPTY,	/* no valid profile, members in the state */
	DELIVER_GUARD_SHARE	/* removals over the maximum share */
};

/* Where a delivery is: what a progress screen names. */
enum deliver_phase {
	DELIVER_PHASE_PLAN,	/* reading every segment once for membership */
	DELIVER_PHASE_SEND,	/* reading, sending, answers coming back */
	DELIVER_PHASE_CONFIRM,	/* waiting on the destination's own jobs */
	DELIVER_PHASE_REMOVE,	/* removing members who left (mirror) */
	DELIVER_PHASE_DONE
};

/*
 * The counts as they stand: deliver_run() updates them in place, so that
 * on_tick can show them. The confirmation fields (phase
 * DELIVER_PHASE_CONFIRM; "confirming N import processes" is jobs_pending):
 * jobs the destination queued (Brevo import processes), how many are still
 * undecided (left over when the run ends if they stayed pending too long
 * or the confirmation could not go on: they count as accepted,
 * unconfirmed) and how many failed; profiles the confirmation rejected
 * (already in total.rejected, out of total.accepted); the wall-clock time
 * of the next round of polls; and the last thing the confirmation could
 * not do, in words, for the run's messages.
 */
struct deliver_stats {
	enum deliver_phase	 phase;
	unsigned		 in_flight;	/* batches awaiting an answer */
	struct deliver_counts	 total;
	struct deliver_counts	*segments;	/* one per segment, owned */
	size_t			 nsegments;
	uint64_t		 profiles;	/* distinct keys of valid rows */
	uint64_t		 batches;	/* answered batches */
	uint64_t		 requests;	/* engine: attempts sent */
	uint64_t		 retries;	/* engine and resubmissions */
	uint64_t		 throttled;	/* 429 answers */
	uint64_t		 rate_waits;	/* held by the rate limiter */
	size_t			 map_bytes;	/* the key map */
	long			 fatal_status;	/* HTTP status that stopped it */
	uint64_t		 jobs;
	uint64_t		 jobs_pending;
	uint64_t		 jobs_failed;
	uint64_t		 confirm_rejected;
	uint64_t		 confirm_rounds;	/* driver confirm() calls */
	int64_t			 confirm_next;	/* epoch s; 0: none due */
	size_t			 confirm_bytes;	/* job -> refs map */
	char			*confirm_note;	/* malloc'd, or NULL */
	/*
	 * Keeping in step: the state's accepted members when the run began,
	 * how many of them left (to remove, in mirror mode), how many were
	 * removed and how many removals the destination refused; the guard
	 * that tripped; and what the run should tell of the state (a new
	 * target, a state it could not save), malloc'd or NULL.
	 */
	uint64_t		 members;
	uint64_t		 to_remove;
	uint64_t		 removed;
	uint64_t		 remove_rejected;
	uint64_t		 remove_requests;	/* dry: would make */
	enum deliver_guard	 guard;
	int			 baseline;	/* no state: a first run */
	char			*state_note;
	/*
	 * More profiles were rejected than the configuration allows: the run
	 * fails (a dry run only says so in reject_note, malloc'd).
	 */
	int			 rejected_over;
	char			*reject_note;
};

/*
 * What the destination said of one profile: ref = segment index << 40 |
 * line, flags DELIVER_REJECTED (reason says why, borrowed until the
 * callback returns) and DELIVER_WARNED (sent with something left out).
 */
struct deliver_ack {
	uint64_t	 ref;
	unsigned	 flags;
	const char	*reason;
	uint64_t	 job;		/* queued in this job (accepted) */
};

#define DELIVER_REJECTED	0x1u
#define DELIVER_WARNED		0x2u

/* The profiles of one answered batch, each once. */
typedef void deliver_ack_cb(const struct deliver_ack *acks, size_t n,
    void *arg);

/*
 * Resuming: whether an earlier attempt of the run already had ref
 * answered. 1 with *flags, *reason (borrowed, may be NULL) and *job as
 * the ack gave them: the profile is counted as then and not sent again
 * (and when it was queued in a job, the confirmation phase asks about
 * that job again); 0: send.
 */
typedef int deliver_prior_cb(uint64_t ref, unsigned *flags,
    const char **reason, uint64_t *job, void *arg);

/*
 * Called often (every loop turn, every few thousand rows) so that the
 * caller can write progress or notice a cancel request; it decides how
 * often to act. stats are the live counts.
 */
typedef void deliver_tick_cb(const struct deliver_stats *stats, void *arg);

/*
 * refs of profiles the confirmation phase rejected after on_ack had
 * reported them answered (and counted them accepted): the destination's
 * job that held them (job: Brevo's import processId) failed, was
 * cancelled, is unknown to it, or refused them (its report of invalid
 * emails). reason is the sentence written to the rejects file, the same
 * for the n refs. Called after every batch is answered, possibly several
 * times for one job; each ref at most once.
 */
typedef void deliver_reject_cb(const uint64_t *refs, size_t n, uint64_t job,
    const char *reason, void *arg);

#define DELIVER_REF(seg, line)	(((uint64_t)(seg) << 40) | (uint64_t)(line))
#define DELIVER_REF_SEGMENT(r)	((size_t)((r) >> 40))
#define DELIVER_REF_LINE(r)	((r) & (((uint64_t)1 << 40) - 1))

struct syncstate_keys;

/*
 * Keeping the target in step (syncstate.h): the export's state and log,
 * the files' mode and group, its mode and the run's options.
 */
struct deliver_sync {
	const struct syncstate_keys	*keys;		/* borrowed */
	const char			*state_path;
	const char			*log_path;
	const char			*target_label;	/* connection/target */
	mode_t				 file_mode;
	gid_t				 gid;
	int				 mirror;
	int				 update_only;
	int				 full;
	int				 force;
	int				 allow_empty;
	unsigned			 max_removals;	/* percent */
};

struct deliver_config {
	struct dest_session		*session;	/* borrowed */
	struct http_engine		*engine;	/* borrowed */
	const char			*target;
	const struct deliver_segment	*segments;	/* in export order */
	size_t				 nsegments;
	const struct deliver_mapping	*mapping;
	struct rejects			*rejects;	/* borrowed */
	unsigned			 max_in_flight;	/* 0: the driver's */
	unsigned			 max_resubmits;	/* 0: 3 */
	uint64_t			 expected_rows;	/* hint; 0: unknown */
	int				 dry_run;	/* encode only */
	deliver_ack_cb			*on_ack;	/* may be NULL */
	deliver_prior_cb		*prior;		/* may be NULL */
	deliver_tick_cb			*on_tick;	/* may be NULL */
	deliver_reject_cb		*on_confirm_reject; /* may be NULL */
	void				*arg;		/* of the four */
	volatile sig_atomic_t		*cancel;	/* may be NULL */
	const struct deliver_sync	*sync;		/* NULL: send all */
	/*
	 * Fail, before any removal, when more than max_rejected percent of
	 * the profiles were rejected (limit_rejected 0: never).
	 */
	int				 limit_rejected;
	unsigned			 max_rejected;
};

#endif
