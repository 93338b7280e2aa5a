/*
 * The screens' constructors, for navigation's table (nav.c) and the
 * first screen app_main() opens; screens open each other with
 * nav_open() (nav.h), never through these.
 */
#ifndef SEGSYNC_SCREENS_SCREENS_H
#define SEGSYNC_SCREENS_SCREENS_H

#include <stddef.h>

struct app;
struct connection;
struct identity;
struct secret;
struct ui_screen;

struct ui_screen	*unlock_new(struct app *, struct identity *locked);
/* Unlock with a passphrase read from a file (taken over). */
void			 unlock_submit(struct ui_screen *, struct secret *);
struct ui_screen	*home_new(struct app *);
struct ui_screen	*connections_new(struct app *);
struct ui_screen	*conn_wizard_new(struct app *, struct connection *edit);
struct ui_screen	*exports_new(struct app *);
struct ui_screen	*activity_new(struct app *);
/* Schedule the exports of ids (n of them, taken over). */
struct ui_screen	*schedule_new(struct app *, char **ids, size_t n);
struct ui_screen	*export_wizard_new(struct app *);
/* The wizard filled in from an export: to edit it, or to copy it. */
struct export;
struct ui_screen	*export_wizard_from(struct app *, const struct export *,
			    int duplicate);
/* Runs, with the run select (may be NULL) selected. */
struct ui_screen	*runs_new(struct app *, const char *select);
/* One run live; its record; its rejected records. */
struct ui_screen	*progress_new(struct app *, const char *run_id);
struct ui_screen	*rundetail_new(struct app *, const char *run_id);
struct ui_screen	*rejected_new(struct app *, const char *run_id);
struct ui_screen	*segments_new(struct app *);

/*
 * The run s shows (borrowed) when s is that screen, else NULL: for going
 * back to it.
 */
const char		*progress_run(struct ui_screen *);
const char		*rundetail_run(struct ui_screen *);

#endif
