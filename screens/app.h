/*
 * The terminal UI's application: the workspace as the screens see it
 * (the member, the unlocked identity, the connections, exports and
 * segments), and one constructor per screen or wizard.
 *
 *	unlock.c	the passphrase, derived away from the loop
 *	home.c		Connections, Exports, Runs, Segments with counts
 *	connections.c	the list: add, edit, test, remove
 *	conn_wizard.c	the connection wizard (product.md steps 1-8),
 *			also used to edit
 *	exports.c	the list: add, remove
 *	export_wizard.c	the export wizard (product.md steps 1-6)
 *	runs.c		the history of runs: filters, search, live
 *	progress.c	one run live: bar, counts, rate, time left
 *	rundetail.c	one run's record: summary, timeline, errors
 *	rejected.c	a run's rejected records, a page at a time
 *	runshow.c	what those share; starting, resuming and
 *			cancelling runs
 *	segments.c	the data folder's segments
 *
 * Screens change saved state only through src/store/connops.h, on the loop's
 * thread; background jobs get their own copies of what they need.
 */
#ifndef SEGSYNC_SCREENS_APP_H
#define SEGSYNC_SCREENS_APP_H

#include <stddef.h>

#include "cli/cli.h"
#include "data/segments.h"
#include "dest/dest.h"
#include "secrets/identity.h"
#include "store/connection.h"
#include "store/export.h"
#include "store/workspace.h"

#define APP_NOTES_FILE	"notes.txt"	/* in the workspace */
#define APP_NOTES_MAX	(16u * 1024)

struct run;
struct secret;
struct ui;
struct ui_screen;

struct app {
	struct ui		*ui;
	struct workspace	*ws;
	const struct ws_member	*me;	/* refreshed by app_reload */
	char			*user;
	int			 admin;
	struct identity		*id;	/* unlocked, or NULL */
	const char		*key_file;
	const char		*passphrase_file;
	struct connection_list	 conns;
	struct export_list	 exports;
	struct segment_list	*segs;
	char			*segs_error;
	size_t			 nruns;
	size_t			 nrunning;	/* workers alive */
	char			*run_offer;	/* the export to run now? */
	char			*run_watch;	/* the run to watch? */
	char			*run_resume;	/* the run to resume? */
	int			 run_resume_open; /* then watch it */
	char			*run_cancel;	/* the run to stop? */
	char			*notes;		/* the workspace's notes.txt */
};

/* segsync without a command (cli.c calls it through cli_ui). */
enum exit_status	 app_main(struct cli_ctx *);

/*
 * Read the workspace again: the member (and role), connections, exports,
 * segments and runs. After any locked change (the member's entry moves).
 * 0, or -1 with the reason on the message line.
 */
int			 app_reload(struct app *);

/* The connection with this id, or NULL. */
struct connection	*app_conn(struct app *, const char *id);
/* 1 when the member may use (and see) the connection. */
int			 app_conn_usable(const struct app *,
			     const struct connection *);
/* The driver of a connection, or NULL for an unknown type. */
const struct dest_driver *app_driver(const struct connection *);
/* The destination's label ("Braze") for a type, translated. */
const char		*app_type_label(const char *type);
/* The segment called name, or NULL. */
const struct segment	*app_segment(const struct app *, const char *name);
/* How many exports use the connection, and their names ("A, B"). */
size_t			 app_conn_exports(const struct app *, const char *id,
			     char **names);

/*
 * A core message clause as a sentence: capital first letter, full stop.
 * Takes s (malloc'd) and returns the sentence (malloc'd).
 */
char			*app_sentence(char *s);

/*
 * "Label:  value" lines, kv[2i] and kv[2i + 1] for n pairs, the values
 * aligned and wrapped under themselves in width columns; malloc'd.
 */
char			*app_kv(const char *const *kv, size_t n, int width);

/*
 * For a background job on a saved connection: a workspace handle of its
 * own and a copy of the unlocked identity (both the job's), so that a
 * credential store can save what the destination renews (connops_test) without
 * sharing the screens' handle with the worker thread. 0, or -1 with the
 * reason on the message line.
 */
int			 app_job_keys(struct app *, struct workspace **,
			     struct identity **);

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
void			 app_run_ask(struct app *, const char *export_id);
char			*app_run_describe(struct app *, const struct export *,
			    char **problem);
int			 app_run_export(struct app *, const char *export_id);
/* Whether the member may see (watch, cancel, resume) a run. */
int			 app_run_visible(const struct app *, const struct run *);
/* Interrupted, failed or cancelled: resuming sends the rest. */
int			 app_run_resumable(const struct run *);
/*
 * Ask, then resume (its worker detached again; open: then show its
 * progress screen) or cancel.
 */
void			 app_run_resume_ask(struct app *, const struct run *,
			    int open);
int			 app_run_resume(struct app *, const char *run_id,
			    int open);
void			 app_run_cancel_ask(struct app *, const struct run *);

/* A short date for lists: "2026-11-22 18:19" from RFC 3339 (static). */
const char		*app_date(const char *rfc3339);

/* Screens. */
struct ui_screen	*unlock_new(struct app *, struct identity *locked);
/* Unlock with a passphrase read from a file (taken over). */
void			 unlock_submit(struct ui_screen *, struct secret *);
struct ui_screen	*home_new(struct app *);
struct ui_screen	*connections_new(struct app *);
struct ui_screen	*conn_wizard_new(struct app *, struct connection *edit);
struct ui_screen	*exports_new(struct app *);
struct ui_screen	*export_wizard_new(struct app *);
/* Runs, with the run select (may be NULL) selected. */
struct ui_screen	*runs_new(struct app *, const char *select);
/*
 * One run live; its record (each says whether it was opened from the
 * other, so that w and d go back instead of stacking); its rejected
 * records.
 */
struct ui_screen	*progress_new(struct app *, const char *run_id,
			    int from_detail);
struct ui_screen	*rundetail_new(struct app *, const char *run_id,
			    int from_live);
struct ui_screen	*rejected_new(struct app *, const char *run_id);
struct ui_screen	*segments_new(struct app *);

#endif
