/* Navigation: the table of screens and the one call that opens them. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "screens/app.h"
#include "screens/nav.h"
#include "screens/screens.h"
#include "store/export.h"
#include "ui/ui.h"

/*
 * One screen: how to make it for an id, and, for screens about one
 * thing, which id a screen on the stack shows (NULL when it is another
 * screen).
 */
struct nav_entry {
	struct ui_screen	*(*make)(struct app *, const char *id);
	const char		*(*shows)(struct ui_screen *);
};

static struct ui_screen *
nav_home(struct app *app, const char *id)
{
	(void)id;
	return home_new(app);
}

static struct ui_screen *
nav_connections(struct app *app, const char *id)
{
	(void)id;
	return connections_new(app);
}

static struct ui_screen *
nav_conn_wizard(struct app *app, const char *id)
{
	return conn_wizard_new(app, id != NULL ? app_conn(app, id) : NULL);
}

static struct ui_screen *
nav_exports(struct app *app, const char *id)
{
	(void)id;
	return exports_new(app);
}

static struct ui_screen *
nav_export_wizard(struct app *app, const char *id)
{
	(void)id;
	return export_wizard_new(app);
}

static struct ui_screen *
nav_export_edit(struct app *app, const char *id)
{
	const struct export	*x = export_list_by_id(&app->exports, id);

	return x != NULL ? export_wizard_from(app, x, 0) :
	    export_wizard_new(app);
}

static struct ui_screen *
nav_export_copy(struct app *app, const char *id)
{
	const struct export	*x = export_list_by_id(&app->exports, id);

	return x != NULL ? export_wizard_from(app, x, 1) :
	    export_wizard_new(app);
}

static struct ui_screen *
nav_activity(struct app *app, const char *id)
{
	(void)id;
	return activity_new(app);
}

static struct ui_screen *
nav_segments(struct app *app, const char *id)
{
	(void)id;
	return segments_new(app);
}

static const struct nav_entry nav_table[NAV_COUNT] = {
	[NAV_HOME] = { nav_home, NULL },
	[NAV_CONNECTIONS] = { nav_connections, NULL },
	[NAV_CONN_WIZARD] = { nav_conn_wizard, NULL },
	[NAV_EXPORTS] = { nav_exports, NULL },
	[NAV_EXPORT_WIZARD] = { nav_export_wizard, NULL },
	[NAV_EXPORT_EDIT] = { nav_export_edit, NULL },
	[NAV_EXPORT_COPY] = { nav_export_copy, NULL },
	[NAV_RUNS] = { runs_new, NULL },
	[NAV_PROGRESS] = { progress_new, progress_run },
	[NAV_RUNDETAIL] = { rundetail_new, rundetail_run },
	[NAV_REJECTED] = { rejected_new, NULL },
	[NAV_SEGMENTS] = { nav_segments, NULL },
	[NAV_ACTIVITY] = { nav_activity, NULL },
};

/* Whether s is screen k showing id. */
static int
nav_is(struct ui_screen *s, enum nav_screen k, const char *id)
{
	const char	*shows;

	if (s == NULL || id == NULL || nav_table[k].shows == NULL)
		return 0;
	shows = nav_table[k].shows(s);
	return shows != NULL && strcmp(shows, id) == 0;
}

void
nav_open(struct app *app, enum nav_screen k, const char *id)
{
	if (nav_is(ui_under(app->ui), k, id)) {
		ui_pop(app->ui);
		return;
	}
	ui_push(app->ui, nav_table[k].make(app, id));
}

void
nav_replace(struct app *app, enum nav_screen k, const char *id)
{
	ui_replace(app->ui, nav_table[k].make(app, id));
}
