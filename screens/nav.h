/*
 * Navigation: every screen and wizard of the UI, in one table (nav.c),
 * opened by one call. A screen names the screen it wants and what it
 * shows (a run, a connection), never another screen's constructor; the
 * stack says where to go back to.
 *
 *	unlock.c	the passphrase, derived away from the loop
 *	home.c		Connections, Exports, Runs, Segments with counts
 *	connections.c	the list: add, edit, test, remove
 *	conn_wizard.c	the connection wizard (product.md steps 1-8),
 *			also used to edit
 *	exports.c	the list: add, edit, copy, detach, remove
 *	export_wizard.c	the export wizard (product.md steps 1-6),
 *			also used to edit and to copy
 *	runs.c		the history of runs: filters, search, live
 *	progress.c	one run live: bar, counts, rate, time left
 *	rundetail.c	one run's record: summary, timeline, errors
 *	rejected.c	a run's rejected records, a page at a time
 *	runshow.c	what those share; starting, resuming and
 *			cancelling runs (runshow.h)
 *	segments.c	the data folder's segments
 *	activity.c	the record of changes, newest first
 */
#ifndef SEGSYNC_SCREENS_NAV_H
#define SEGSYNC_SCREENS_NAV_H

struct app;

/* The screens, and what the id given to nav_open() is for each. */
enum nav_screen {
	NAV_HOME,
	NAV_CONNECTIONS,
	NAV_CONN_WIZARD,	/* the connection to change, NULL for new */
	NAV_EXPORTS,
	NAV_EXPORT_WIZARD,
	NAV_EXPORT_EDIT,	/* the export to change */
	NAV_EXPORT_COPY,	/* the export to copy */
	NAV_RUNS,		/* the run to select, or NULL */
	NAV_PROGRESS,		/* the run, live */
	NAV_RUNDETAIL,		/* the run's record */
	NAV_REJECTED,		/* the run's rejected records */
	NAV_SEGMENTS,
	NAV_ACTIVITY,
	NAV_COUNT
};

/*
 * Open a screen on top. When the screen under the top one is already
 * that screen showing that id (a run's live view and its record, opened
 * from each other), go back to it instead of stacking another.
 */
void	nav_open(struct app *, enum nav_screen, const char *id);

/* Open a screen instead of the top one (unlocked: home). */
void	nav_replace(struct app *, enum nav_screen, const char *id);

#endif
