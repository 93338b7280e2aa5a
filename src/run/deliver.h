/*
 * Delivery: the streaming pipeline of one run (shared/docs/architecture.md,
 * "One run"; data-rules.md for what is sent and counted):
 *
 *	plan pass:	read every selected segment once and map each
 *			profile key to the set of segments it belongs to
 *	delivery pass:	read again, in order: validate and normalise each
 *			row, de-duplicate (first valid row wins), batch,
 *			encode with the driver, submit through the engine
 *			(the session's rate limiter, at most N batches in
 *			flight), decode, count and record rejects
 *	confirmation:	when the destination only queued the batches (its
 *			answers carried jobs: Brevo's import processes),
 *			wait for each job's outcome and reject what it
 *			refused (src/run/confirm.h)
 *
 * The key map is the only structure that grows: one slot of 8 bytes of
 * keyed hash, plus 8 bytes of segment bits per 64 selected segments when
 * there are several, in an open-addressing table sized from expected_rows
 * (the segments' row counts) and doubled at 3/4 full (one segment: 8
 * bytes a slot, 16 MiB for 1 million profiles; up to 64: 16 bytes, 32
 * MiB).
 * Everything else is bounded by the batch size and the batches in flight
 * (and the confirmation's few bytes per batch).
 *
 * The key is the customer ID when one is mapped and non-empty, otherwise
 * the normalised email (data-rules.md "De-duplicating"), hashed with
 * SipHash-2-4 under a random key drawn per run; one bit of the 64 marks
 * "sent", so 63 bits tell keys apart: for n profiles the chance that two
 * distinct keys collide somewhere is about n^2 / 2^64 (5.4e-8 for 1
 * million, 5.4e-6 for 10 million). A collision merges two profiles: the
 * second is counted as a duplicate and the first lists the segments of
 * both.
 *
 * The journal, detaching and resuming belong to the run engine (run.c)
 * that wraps this: on_ack hands it what the destination said of every
 * profile, prior lets a resumed run skip what was answered before (the
 * rows are still read, so that counts, de-duplication and validation
 * rejects come out as in one go), on_tick lets it write progress,
 * on_confirm_reject hands it the profiles the confirmation rejected after
 * their ack, and cancel stops the delivery.
 *
 * A dry run (dry_run) reads, validates and encodes every batch exactly as
 * a real one, but sends nothing: requests counts the requests it would
 * have made, sent the profiles it would have sent, accepted stays 0.
 *
 * Errors: deliver_run() returns 0 when every row was handled (rejects
 * included), and -1 with *cause (malloc'd sentence) when the run stopped:
 * a segment that cannot be read, a mapping that does not fit, a fatal
 * answer from the destination, or cancel.
 */
#ifndef SEGSYNC_SRC_RUN_DELIVER_H
#define SEGSYNC_SRC_RUN_DELIVER_H

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

/* The counts of data-rules.md "Counts of a run". */
struct deliver_counts {
	uint64_t	read;
	uint64_t	rejected;
	uint64_t	duplicates;
	uint64_t	sent;
	uint64_t	accepted;
	uint64_t	warnings;
};

/* Where a delivery is: what a progress screen names. */
enum deliver_phase {
	DELIVER_PHASE_PLAN,	/* reading every segment once for membership */
	DELIVER_PHASE_SEND,	/* reading, sending, answers coming back */
	DELIVER_PHASE_CONFIRM,	/* waiting on the destination's own jobs */
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
};

/*
 * Deliver. *stats is filled in either case (free it with
 * deliver_stats_free()). 0, or -1 with *cause.
 */
int	deliver_run(const struct deliver_config *, struct deliver_stats *stats,
	    char **cause);

/* Free what deliver_run() allocated in stats. */
void	deliver_stats_free(struct deliver_stats *);

#endif
