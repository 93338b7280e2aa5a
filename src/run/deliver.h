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
 * answer from the destination, cancel, or more rejected profiles than
 * limit_rejected allows (checked once every answer is in, before any
 * removal: a mapping that rejects everyone must not empty a target).
 */
#ifndef SEGSYNC_SRC_RUN_DELIVER_H
#define SEGSYNC_SRC_RUN_DELIVER_H

#include "run/deliver_types.h"

/*
 * Deliver. *stats is filled in either case (free it with
 * deliver_stats_free()). 0, or -1 with *cause.
 */
int	deliver_run(const struct deliver_config *, struct deliver_stats *stats,
	    char **cause);

/*
 * The share of the profiles a run rejected, from 0 to 1: of the records
 * read less the duplicates (0 when there are none).
 */
double	deliver_rejected_share(const struct deliver_counts *);

/* Free what deliver_run() allocated in stats. */
void	deliver_stats_free(struct deliver_stats *);

#endif
