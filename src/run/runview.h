/*
 * Watching runs: what `segsync run`, `segsync runs watch` and the terminal
 * UI's progress screens compute from a run's record (runrecord.h), so that
 * the command line and the UI say the same things the same way.
 *
 *	runview_duration()	"1:02:03", "2:03"
 *	runview_done()		profiles the run is done with
 *	runview_fraction()	of the rows counted when it started
 *	struct runview_rate	the throughput, smoothed
 *	runview_remaining()	the time left at that rate
 *	struct runview		one run watched: its record read again only
 *				when run.json changed
 *	struct runview_list	every run watched the same way, for a
 *				history that follows runs started elsewhere
 *
 * Cheap watching: the worker replaces run.json atomically (a new inode)
 * at most every RUN_TICK_MS, so a record is parsed again only when the
 * file's inode, size or modification time changed; a record that says
 * "running" is checked against its worker's lock on every poll, so that a
 * worker that died (kill -9, a reboot) shows as interrupted although its
 * file did not change. A watcher holds one record per run: its memory
 * does not grow with the run's size or length.
 *
 * Clocks: callers pass the monotonic time in milliseconds (now_ms), so
 * that the UI's headless mode runs these on its virtual clock. The
 * elapsed time of a running run is the record's own (from started_at to
 * updated_at, both written by the worker) plus the time since it was
 * read: the watcher's wall clock never enters, and goldens stay stable.
 */
#ifndef SEGSYNC_SRC_RUN_RUNVIEW_H
#define SEGSYNC_SRC_RUN_RUNVIEW_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "run/runrecord.h"

struct workspace;

/* Samples closer than this are not used for the rate. */
#define RUNVIEW_RATE_MS		500

/* "1:02:03" or "2:03" (a negative count of seconds is 0). */
void		 runview_duration(long seconds, char *buf, size_t len);

/* Seconds from one RFC 3339 time (UTC) to another, or -1. */
long		 runview_seconds_between(const char *from, const char *to);

/*
 * The seconds a run took, or has taken at now when it still runs (an
 * interrupted run: until its last progress).
 */
long		 runview_record_elapsed(const struct run *, time_t now);

/* The seconds the run's current attempt ran until end (RFC 3339). */
long		 runview_attempt_elapsed(const struct run *, const char *end);

/* Profiles the run is done with: accepted, rejected or duplicates. */
uint64_t	 runview_done(const struct run *);

/* runview_done() of the rows counted at the start, in [0, 1]. */
double		 runview_fraction(const struct run *);

/* Throughput in profiles per second, smoothed over samples. */
struct runview_rate {
	int		sampled;	/* last_done and last_ms are set */
	uint64_t	last_done;
	int64_t		last_ms;
	double		rate;
};

/*
 * A first sample: done profiles after elapsed seconds give the average so
 * far, so that someone attaching to a run sees a rate at once.
 */
void		 runview_rate_seed(struct runview_rate *, uint64_t done,
		    long elapsed, int64_t now_ms);
/* A sample: at least RUNVIEW_RATE_MS after the last one counts. */
void		 runview_rate_update(struct runview_rate *, uint64_t done,
		    int64_t now_ms);

/*
 * Seconds left for the rows still to do at rate profiles per second, or
 * -1 when that cannot be told (no rate, not sending, over).
 */
long		 runview_remaining(const struct run *, double rate);

/* One run watched. */
struct runview {
	char			*id;
	struct run		*run;		/* the latest record, or NULL */
	char			*error;		/* why it could not be read */
	int64_t			 read_ms;	/* when run was read */
	long			 elapsed_read;	/* its elapsed seconds then */
	struct runview_rate	 rate;
	unsigned long		 reads;		/* records parsed */

	/* run.json as last read */
	int			 have;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	long long		 mtime_ns;
};

struct runview	*runview_new(const char *id);
void		 runview_free(struct runview **);

/*
 * Look at the run again: 1 when what it shows changed (a new record, or
 * its worker found dead), 0 when nothing changed, -1 when the record
 * cannot be read (error says why; a record read before is kept, and a
 * damaged one is shown as a failed run saying why; run stays NULL when
 * there is no such run).
 */
int		 runview_poll(struct runview *, const struct workspace *,
		    int64_t now_ms);

/* The run's elapsed seconds at now_ms (see the clocks above). */
long		 runview_elapsed(const struct runview *, int64_t now_ms);

/* Every run, newest first. */
struct runview_list {
	struct runview	**v;
	size_t		  n;
};

/*
 * Read the folder of runs again: new runs are read, changed ones read
 * again, runs removed meanwhile dropped. 1 when anything changed, 0 when
 * nothing did, -1 with *cause when the folder cannot be read.
 */
int		 runview_list_poll(struct runview_list *,
		    const struct workspace *, int64_t now_ms, char **cause);
/* The watched run with this id, or NULL. */
struct runview	*runview_list_find(const struct runview_list *,
		    const char *id);
void		 runview_list_free(struct runview_list *);

#endif
