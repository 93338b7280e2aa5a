/*
 * What the screens about runs share (progress.c, rundetail.c, runs.c,
 * rejected.c): a run's words (where it sends, its state, its phase) and
 * pictures (the progress bar, the counts), drawn the same way on each.
 * The numbers come from src/run/runview.h, as for `segsync run`. And the
 * run actions every screen offers (app_run_*): starting an export's run,
 * resuming and cancelling runs.
 */
#ifndef SEGSYNC_SCREENS_RUNSHOW_H
#define SEGSYNC_SCREENS_RUNSHOW_H

#include <stdint.h>

#include "run/run.h"
#include "run/runrecord.h"
#include "run/runview.h"
#include "ui/ui.h"

struct app;
struct export;

/*
 * Runs (runshow.c). Run now: app_run_ask() says what the export sends
 * where (segments with their profiles, connection, destination and
 * target) and asks; app_run_describe() is that text (malloc'd), or NULL
 * with *problem (malloc'd) when the export cannot run (a segment gone).
 * An export already running offers to watch its run instead.
 * app_run_export() starts the run (its worker goes on in the background)
 * and opens its progress screen: 0, or -1 with the reason on the message
 * line.
 */
void		 app_run_ask(struct app *, const char *export_id);
char		*app_run_describe(struct app *, const struct export *,
		    char **problem);
int		 app_run_export(struct app *, const char *export_id);
/*
 * A run stopped by a guard of the mirror mode (failed, guard set): its
 * status in words, and "Run anyway", asked twice, which starts a run of
 * the same export with force (segsync run --force).
 */
int		 app_run_guarded(const struct run *);
const char	*app_run_status(const struct run *);
void		 app_run_anyway_ask(struct app *, const struct run *);
/* Whether the member may see (watch, cancel, resume) a run. */
int		 app_run_visible(const struct app *, const struct run *);
/* Interrupted, failed or cancelled: resuming sends the rest. */
int		 app_run_resumable(const struct run *);
/*
 * Ask, then resume (its worker detached again; open: then show its
 * progress screen) or cancel.
 */
void		 app_run_resume_ask(struct app *, const struct run *, int open);
int		 app_run_resume(struct app *, const char *run_id, int open);
void		 app_run_cancel_ask(struct app *, const struct run *);

/* How often a screen looks at a running run's record. */
#define RUNSHOW_POLL_MS		RUN_TICK_MS

/* The role a run's status is drawn in (never an error for a retry). */
enum ui_role	 runshow_status_role(const struct run *);

/* The destination's name ("Braze") of a run, translated. */
const char	*runshow_dest(const struct run *);

/*
 * Where the run sends, malloc'd: "VIP" to the Braze segment API
 * identifier "seg-vip" through "Braze EU".
 */
char		*runshow_where(const struct run *);

/*
 * The run's state in a sentence, malloc'd: the phase while it runs
 * ("Sending: ..."), else how it ended and how long it took.
 */
char		*runshow_state(const struct app *, const struct run *,
		    long elapsed);

/* A progress bar of w columns at (y, x) with the percentage after it. */
void		 runshow_bar(int y, int x, int w, double frac, enum ui_role);

/*
 * The count as text with thousands separated, in one of
 * RUNSHOW_COUNT_BUFS static buffers used in turn (so that one call of
 * printf may take that many).
 */
#define RUNSHOW_COUNT_BUFS	8
const char	*runshow_count(uint64_t);

/* Right-aligned text in w columns at (y, x). */
void		 runshow_right(int y, int x, int w, enum ui_role,
		    const char *);

/*
 * "Label   value" with the value right-aligned in w columns, the label
 * taking lw of them.
 */
void		 runshow_pair(int y, int x, int lw, int w, const char *label,
		    const char *value, enum ui_role);

/*
 * The segments' counts as a table from row y, at most h rows (the
 * heading included); returns the rows used. When they do not all fit the
 * last row says how many more there are.
 */
int		 runshow_segments(const struct run *, int y, int x, int w,
		    int h);

#endif
