/*
 * The home screen: Connections, Exports, Runs, Segments, with counts, and
 * Activity.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "dest/dest.h"
#include "screens/app.h"
#include "screens/nav.h"
#include "screens/screens.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"

enum home_item {
	HOME_CONNECTIONS,
	HOME_EXPORTS,
	HOME_RUNS,
	HOME_SEGMENTS,
	HOME_ACTIVITY,
	HOME_COUNT
};

struct home {
	struct ui_screen	 base;
	struct app		*app;
	struct ui_list		 list;
	char			*where;
	char			*tip;
	char			*conns_what;	/* the destinations by name */
	char			*help;
};

static const struct {
	int		 key;
	const char	*label;
	const char	*what;
} home_items[HOME_COUNT] = {
	{ 'c', N_("Connections"), NULL },	/* home_new() says what */
	{ 'e', N_("Exports"),
	  N_("which segments go where, with which fields") },
	{ 'r', N_("Runs"), N_("what happened each time an export ran") },
	{ 's', N_("Segments"), N_("the customer segments in the data folder") },
	{ 'l', N_("Activity"), N_("who changed what, and when") },
};

static size_t
visible_conns(const struct app *app)
{
	size_t	i, n = 0;

	for (i = 0; i < app->conns.n; i++)
		if (app_conn_usable(app, app->conns.items[i]))
			n++;
	return n;
}

static size_t
visible_exports(struct app *app)
{
	struct connection	*c;
	size_t			 i, n = 0;

	for (i = 0; i < app->exports.n; i++) {
		c = app_conn(app, app->exports.items[i]->connection);
		if (app->admin || (c != NULL && c->contributors))
			n++;
	}
	return n;
}

static void
home_fill(struct home *h)
{
	struct app	*app = h->app;
	const char	*cells[3];
	char		 count[32], *running = NULL;
	size_t		 i, n[HOME_COUNT];
	int		 sel = h->list.sel;

	n[HOME_CONNECTIONS] = visible_conns(app);
	n[HOME_EXPORTS] = visible_exports(app);
	n[HOME_RUNS] = app->nruns;
	n[HOME_SEGMENTS] = app->segs != NULL ? app->segs->n : 0;
	n[HOME_ACTIVITY] = 0;
	ui_list_clear(&h->list);
	for (i = 0; i < HOME_COUNT; i++) {
		cells[0] = _(home_items[i].label);
		/* The record only grows: a count would say nothing. */
		cells[1] = i == HOME_ACTIVITY ? "" : ui_text_count(n[i], count,
		    sizeof count);
		cells[2] = i == HOME_CONNECTIONS ? h->conns_what :
		    _(home_items[i].what);
		if (i == HOME_RUNS && app->nguarded > 0) {
			/* Short: the column has some 50 at 80 columns. */
			running = xasprintf(ngettext_("%zu stopped by a guard: "
			    "see what it would remove", "%zu stopped by guards: "
			    "see what they would remove", app->nguarded),
			    app->nguarded);
			cells[2] = running;
		} else if (i == HOME_RUNS && app->nrejecting > 0) {
			running = xasprintf(ngettext_("%zu succeeded with "
			    "rejected profiles: see why", "%zu succeeded with "
			    "rejected profiles: see why", app->nrejecting),
			    app->nrejecting);
			cells[2] = running;
		} else if (i == HOME_RUNS && app->nrunning > 0) {
			running = xasprintf(_("%zu running now; and what "
			    "happened each time"), app->nrunning);
			cells[2] = running;
		}
		ui_list_add(&h->list, cells, (void *)(uintptr_t)i);
	}
	free(running);
	if (sel >= 0)
		h->list.sel = sel;
	free(h->tip);
	h->tip = NULL;
	if (n[HOME_CONNECTIONS] == 0 && app->admin)
		h->tip = xstrdup(_("Start here: open Connections and add a "
		    "connection to a destination account, then create an "
		    "export in Exports."));
	else if (n[HOME_CONNECTIONS] == 0)
		h->tip = xstrdup(_("No connection is open to contributors yet: "
		    "ask an administrator to add one, or to open one to "
		    "contributors."));
	else if (n[HOME_EXPORTS] == 0)
		h->tip = xstrdup(_("Next: open Exports and create an export "
		    "that sends segments through a connection."));
	else if (app->nguarded == 1)
		h->tip = xasprintf(_("A guard stopped the last run of \"%s\" "
		    "before it sent anything: open Runs to see what it would "
		    "have removed, and run it anyway from there."),
		    app->guarded_name);
	else if (app->nguarded > 1)
		h->tip = xasprintf(_("A guard stopped the last run of %zu "
		    "exports before they sent anything, \"%s\" the latest: "
		    "open Runs to see what they would have removed."),
		    app->nguarded, app->guarded_name);
	else if (app->nrejecting == 1)
		h->tip = xasprintf(ngettext_("The last run of \"%s\" succeeded "
		    "with %s rejected profile: open Runs, then its rejected "
		    "records, to see why.", "The last run of \"%s\" succeeded "
		    "with %s rejected profiles: open Runs, then its rejected "
		    "records, to see why.", app->rejecting_count),
		    app->rejecting_name, ui_text_count(app->rejecting_count,
		    count, sizeof count));
	else if (app->nrejecting > 1)
		h->tip = xasprintf(_("The last runs of %zu exports succeeded "
		    "with rejected profiles, \"%s\" the latest: open Runs, "
		    "then their rejected records, to see why."),
		    app->nrejecting, app->rejecting_name);
}

static void
home_open(struct home *h, enum home_item i)
{
	struct app	*app = h->app;

	switch (i) {
	case HOME_CONNECTIONS:
		nav_open(app, NAV_CONNECTIONS, NULL);
		break;
	case HOME_EXPORTS:
		nav_open(app, NAV_EXPORTS, NULL);
		break;
	case HOME_RUNS:
		nav_open(app, NAV_RUNS, NULL);
		break;
	case HOME_SEGMENTS:
		nav_open(app, NAV_SEGMENTS, NULL);
		break;
	case HOME_ACTIVITY:
		nav_open(app, NAV_ACTIVITY, NULL);
		break;
	case HOME_COUNT:
		break;
	}
}

static const char *
home_title(struct ui_screen *s)
{
	(void)s;
	return _("Home");
}

static void
home_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct home	*h = (struct home *)s;
	char		*hello;
	int		 y = r.y + 1;

	(void)ui;
	hello = xasprintf(_("Welcome, %s. What would you like to do?"),
	    h->app->user);
	ui_draw_text(y, r.x + 2, r.w - 3, UI_A_HEADING, hello);
	free(hello);
	y += 2;
	ui_list_draw(&h->list, (struct ui_rect){ r.x, y, r.w, HOME_COUNT },
	    1);
	y += HOME_COUNT + 1;
	if (h->tip != NULL)
		y += ui_draw_wrap((struct ui_rect){ r.x + 2, y, r.w - 4, 3 },
		    h->app->nguarded > 0 || h->app->nrejecting > 0 ?
		    UI_A_WARN : UI_A_OK, h->tip) + 1;
	y += ui_draw_wrap((struct ui_rect){ r.x + 2, y, r.w - 4, 4 },
	    UI_A_DIM, h->where) + 1;
	if (h->app->segs_error != NULL)
		y += ui_draw_wrap((struct ui_rect){ r.x + 2, y, r.w - 4,
		    r.y + r.h - y }, UI_A_ERROR, h->app->segs_error) + 1;
	if (h->app->notes != NULL && y + 2 < r.y + r.h) {
		ui_draw_text(y++, r.x + 2, r.w - 4, UI_A_HEADING,
		    _("Notes for this workspace (F1 shows them in full):"));
		ui_draw_wrap((struct ui_rect){ r.x + 2, y, r.w - 4,
		    r.y + r.h - y }, UI_A_NORMAL, h->app->notes);
	}
}

static void
home_quit_answer(struct ui *ui, void *arg, int yes)
{
	(void)arg;
	if (yes)
		ui_quit_ask(ui);
}

static int
home_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct home	*h = (struct home *)s;
	size_t		 i;

	/* Quitting leaves runs going: say so before, not after. */
	if ((key == 'q' || key == 'Q') && app_running_now(h->app) > 0) {
		char	*text = xasprintf(ngettext_("%zu run is going on: it "
		    "goes on in the background, and Runs (or 'segsync runs') "
		    "shows it next time.", "%zu runs are going on: they go "
		    "on in the background, and Runs (or 'segsync runs') shows "
		    "them next time.", h->app->nrunning), h->app->nrunning);

		ui_confirm(ui, _("Quit segsync?"), text, _("Quit"), _("Stay"),
		    1, home_quit_answer, NULL);
		free(text);
		return 1;
	}
	for (i = 0; i < HOME_COUNT; i++) {
		if (key == home_items[i].key) {
			h->list.sel = (int)i;
			home_open(h, (enum home_item)i);
			return 1;
		}
	}
	if (key == UI_KEY_TAB)
		key = h->list.sel + 1 < HOME_COUNT ? UI_KEY_DOWN : UI_KEY_HOME;
	else if (key == UI_KEY_BTAB)
		key = h->list.sel > 0 ? UI_KEY_UP : UI_KEY_END;
	else if (key == UI_KEY_RIGHT)
		key = UI_KEY_ENTER;
	switch (ui_list_key(&h->list, key)) {
	case UI_W_ACTIVATE:
		home_open(h, (enum home_item)(uintptr_t)ui_list_selected(
		    &h->list));
		return 1;
	case UI_W_IGNORED:
		return key == UI_KEY_UP || key == UI_KEY_DOWN;
	default:
		return 1;
	}
}

static size_t
home_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	size_t	n = 0;

	(void)s;
	if (max < 4)
		return 0;
	h[n++] = (struct ui_hint){ "Up/Down", _("move") };
	h[n++] = (struct ui_hint){ "Enter", _("open") };
	h[n++] = (struct ui_hint){ "c e r s l", _("open directly") };
	h[n++] = (struct ui_hint){ "q", _("quit") };
	return n;
}

static const char *
home_help(struct ui_screen *s)
{
	return ((struct home *)s)->help;
}

/* The help, naming the destinations of the registry. */
static char *
home_help_text(void)
{
	char	*names, *text;

	names = dest_names(DEST_NAME_LABEL, NULL, ", ", _(" and "));
	/* TRANSLATORS: %s lists the destinations ("A, B and C"). */
	text = xasprintf(_("segsync sends customer segments to %s.\n\n"
	    "1. Connections: an administrator links a destination account "
	    "(its API key or authorization), agrees to the privacy notice and "
	    "tests it.\n"
	    "2. Exports: pick a connection, the destination list, segment or "
	    "audience, which segment fields fill which destination fields, "
	    "and the segments to send.\n"
	    "3. Runs: each time an export runs, what was sent, accepted and "
	    "rejected.\n"
	    "4. Segments: every CSV file of the data folder is a segment.\n\n"
	    "Move with the arrows or Tab, open with Enter, or press the first "
	    "letter (c, e, r, s)."), names);
	free(names);
	return text;
}

static void
home_resume(struct ui_screen *s, struct ui *ui)
{
	struct home	*h = (struct home *)s;

	(void)ui;
	app_reload(h->app);
	home_fill(h);
}

static void
home_free(struct ui_screen *s)
{
	struct home	*h = (struct home *)s;

	ui_list_free(&h->list);
	free(h->where);
	free(h->tip);
	free(h->conns_what);
	free(h->help);
	free(h);
}

static const struct ui_screen_ops home_ops = {
	.name = "home",
	.title = home_title,
	.draw = home_draw,
	.key = home_key,
	.hints = home_hints,
	.help = home_help,
	.resume = home_resume,
	.free = home_free,
	/* What it lists fits a small terminal: runs are watched from there. */
	.min_cols = 60,
	.min_rows = 18,
};

struct ui_screen *
home_new(struct app *app)
{
	struct home	*h;
	char		*data, *names;

	h = xcalloc(1, sizeof *h);
	h->base.ops = &home_ops;
	h->app = app;
	ui_list_init(&h->list, UI_LIST_TABLE, 3);
	ui_list_column(&h->list, 0, NULL, 12, 0);
	ui_list_column(&h->list, 1, NULL, 6, 0);
	ui_list_column(&h->list, 2, NULL, 20, 1);
	data = workspace_data_dir(app->ws);
	h->where = xasprintf(_("Workspace: %s\nSegments folder: %s"),
	    workspace_dir(app->ws), data);
	free(data);
	names = dest_names(DEST_NAME_SHORT, NULL, ", ", _(" and "));
	/* TRANSLATORS: %s lists the destinations ("A, B and C"). */
	h->conns_what = xasprintf(_("links to your %s accounts"), names);
	free(names);
	h->help = home_help_text();
	home_fill(h);
	return &h->base;
}
