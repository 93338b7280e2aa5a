/*
 * The exports the member may see (those of the connections they may use):
 * connection, target, segments, scheduled refresh, and the selected one's
 * mapping; add (the export wizard) and remove.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "screens/app.h"
#include "screens/nav.h"
#include "screens/runshow.h"
#include "screens/screens.h"
#include "store/connops.h"
#include "store/exportops.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"

#define EXP_DETAIL_ROWS	7

struct exps {
	struct ui_screen	 base;
	struct app		*app;
	struct ui_list		 list;
	char			*remove_id;
	char			*detach_id;
};

static int
visible(struct app *app, const struct export *x)
{
	struct connection	*c = app_conn(app, x->connection);

	return app->admin || (c != NULL && c->contributors);
}

/* As conns_refresh (connections.c): rows hold export ids. */
static void
exps_refresh(struct exps *e, int reload)
{
	struct export		*x;
	struct connection	*c;
	const char		*cells[5];
	char			*sel_id, count[16], *target, when[48];
	char			**marked;
	size_t			 i, j, nmarked;

	/* What a wizard just saved, else what was selected. */
	if (e->app->just_saved != NULL && e->app->just_saved_kind == 'x') {
		sel_id = e->app->just_saved;
		e->app->just_saved = NULL;
	} else
		sel_id = ui_list_selected_key(&e->list) != NULL ?
		    xstrdup(ui_list_selected_key(&e->list)) : NULL;
	/* The marks (Space) outlive a reload, by export id. */
	marked = xcalloc(e->list.n + 1, sizeof *marked);
	for (i = 0, nmarked = 0; i < e->list.n; i++)
		if (e->list.rows[i].checked)
			marked[nmarked++] = xstrdup(e->list.rows[i].key);
	if (reload)
		app_reload(e->app);
	ui_list_clear(&e->list);
	for (i = 0; i < e->app->exports.n; i++) {
		x = e->app->exports.items[i];
		if (!visible(e->app, x))
			continue;
		c = app_conn(e->app, x->connection);
		target = x->target_name != NULL ? xasprintf("%s (%s)",
		    x->target_name, x->target) : xstrdup(x->target);
		snprintf(count, sizeof count, "%zu", x->nsegments);
		cells[0] = x->name;
		cells[1] = c != NULL ? c->name : _("(removed)");
		cells[2] = target;
		cells[3] = count;
		/* A timed schedule in its own words ("daily 06:30"). */
		cells[4] = x->detached ? _("detached") :
		    x->schedule.kind >= SCHEDULE_HOURLY ?
		    schedule_text(&x->schedule, when, sizeof when) :
		    x->scheduled ? _("yes") : _("no");
		ui_list_add_key(&e->list, cells, x->id);
		for (j = 0; j < nmarked; j++)
			if (strcmp(marked[j], x->id) == 0)
				e->list.rows[e->list.n - 1].checked = 1;
		free(target);
	}
	for (j = 0; j < nmarked; j++)
		free(marked[j]);
	free(marked);
	ui_list_select_key(&e->list, sel_id);
	free(sel_id);
}

/* The selected export, as loaded now, or NULL. */
static struct export *
exps_selected(struct exps *e)
{
	return export_list_by_id(&e->app->exports,
	    ui_list_selected_key(&e->list));
}

static const char *
exps_title(struct ui_screen *s)
{
	(void)s;
	return _("Exports");
}

static char *
details(struct exps *e, const struct export *x)
{
	struct connection		*c = app_conn(e->app, x->connection);
	const struct dest_driver	*d = c != NULL ? app_driver(c) : NULL;
	const struct dest_slot		*sl;
	char				*s, *t, *timed = NULL, *attr;
	char				 sched[128];
	size_t				 i;

	if (x->schedule.kind >= SCHEDULE_HOURLY)
		timed = xasprintf(_(", on schedule: %s"),
		    export_schedule_text(x, sched, sizeof sched));
	s = xasprintf(_("Through \"%s\" (%s) to the %s \"%s\"%s. Created %s "
	    "by %s."), c != NULL ? c->name : _("(removed)"), d != NULL ?
	    _(d->label) : "-", d != NULL ? _(d->target.label) : _("target"),
	    x->target, timed != NULL ? timed : x->scheduled ? _(", on every "
	    "scheduled refresh") : "", app_date(x->created_at),
	    x->created_by);
	free(timed);
	if (x->detached) {
		t = xasprintf(_("%s Detached: it keeps its settings and does "
		    "not run until it is attached to a connection again."), s);
		free(s);
		s = t;
	}
	t = xasprintf(_("%s\nSends:"), s);
	free(s);
	s = t;
	for (i = 0; i < x->nmap; i++) {
		sl = d != NULL ? dest_slot_by_key(d, x->map[i].dest) : NULL;
		/* The words of the wizard, never the key ("attr:city"). */
		attr = sl == NULL && strncmp(x->map[i].dest, "attr:", 5) == 0 ?
		    xasprintf(_("custom attribute \"%s\""), x->map[i].dest +
		    5) : NULL;
		t = xasprintf("%s%s %s %s %s", s, i > 0 ? "," : "",
		    sl != NULL ? _(sl->label) : attr != NULL ? attr :
		    x->map[i].dest, ui_glyph(UI_G_ARROW), x->map[i].field);
		free(attr);
		free(s);
		s = t;
	}
	t = xasprintf(_("%s\nSegments:"), s);
	free(s);
	s = t;
	for (i = 0; i < x->nsegments; i++) {
		t = xasprintf("%s%s \"%s\"", s, i > 0 ? "," : "",
		    x->segments[i]);
		free(s);
		s = t;
	}
	return s;
}

static void
exps_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct exps	*e = (struct exps *)s;
	struct export	*x;
	char		*text;

	(void)ui;
	ui_list_draw(&e->list, (struct ui_rect){ r.x, r.y, r.w,
	    r.h - EXP_DETAIL_ROWS }, 1);
	x = exps_selected(e);
	if (x == NULL)
		return;
	text = details(e, x);
	ui_draw_wrap((struct ui_rect){ r.x + 2, r.y + r.h - EXP_DETAIL_ROWS +
	    1, r.w - 3, EXP_DETAIL_ROWS - 1 }, UI_A_DIM, text);
	free(text);
}

static void
exps_remove_answer(struct ui *ui, void *arg, int yes)
{
	struct exps	*e = arg;
	struct export	*x;
	char		*cause = NULL;

	x = yes ? export_list_by_id(&e->app->exports, e->remove_id) : NULL;
	if (x != NULL) {
		if (exportops_remove(e->app->ws, x, &cause) != FAIL_NONE) {
			cause = app_sentence(cause);
			ui_message(ui, UI_MSG_ERROR, "%s", cause);
			free(cause);
		} else
			ui_message(ui, UI_MSG_OK, _("Removed the export: it no "
			    "longer runs, on demand or on schedule. What was "
			    "already sent stays at the destination."));
		exps_refresh(e, 1);
	}
	xfree(&e->remove_id);
}

/* Schedule the marked exports, or the selected one when none is. */
static void
exps_schedule(struct exps *e, const struct export *x)
{
	char	**ids;
	size_t	  i, n = 0;

	ids = xcalloc(e->list.n + 1, sizeof *ids);
	for (i = 0; i < e->list.n; i++)
		if (e->list.rows[i].checked)
			ids[n++] = xstrdup(e->list.rows[i].key);
	if (n == 0 && x != NULL)
		ids[n++] = xstrdup(x->id);
	if (n == 0) {
		free(ids);
		return;
	}
	/* Done with the marks: the next Schedule starts afresh. */
	for (i = 0; i < e->list.n; i++)
		e->list.rows[i].checked = 0;
	ui_push(e->app->ui, schedule_new(e->app, ids, n));
}

static void
exps_detach_answer(struct ui *ui, void *arg, int yes)
{
	struct exps	*e = arg;
	struct export	*x, *y;
	char		*cause = NULL;

	x = yes ? export_list_by_id(&e->app->exports, e->detach_id) : NULL;
	if (x != NULL) {
		y = export_dup(x);
		y->detached = 1;
		if (y->destination == NULL) {
			struct connection	*c = app_conn(e->app,
			    x->connection);

			if (c != NULL)
				y->destination = xstrdup(c->type);
		}
		if (exportops_update(e->app->ws, x, y, &cause) != FAIL_NONE) {
			cause = app_sentence(cause);
			ui_message(ui, UI_MSG_ERROR, _("Nothing was saved: %s"),
			    cause);
			free(cause);
		} else
			ui_message(ui, UI_MSG_OK, _("Detached \"%s\": it no "
			    "longer runs until you edit it and choose a "
			    "connection."), y->name);
		export_free(&y);
		exps_refresh(e, 1);
	}
	xfree(&e->detach_id);
}

static int
exps_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct exps	*e = (struct exps *)s;
	struct export	*x = exps_selected(e);
	char		*text;

	if (e->list.searching)
		return ui_list_key(&e->list, key) != UI_W_IGNORED;
	switch (key) {
	case 'a':
	case '+':
		nav_open(e->app, NAV_EXPORT_WIZARD, NULL);
		return 1;
	case 'r':
		if (x != NULL)
			app_run_ask(e->app, x->id);
		return 1;
	case 'e':
	case UI_KEY_ENTER:
		if (x != NULL)
			nav_open(e->app, NAV_EXPORT_EDIT, x->id);
		return 1;
	case 'c':
		if (x != NULL)
			nav_open(e->app, NAV_EXPORT_COPY, x->id);
		return 1;
	case 's':
		exps_schedule(e, x);
		return 1;
	case 'x':
		if (x == NULL)
			return 1;
		if (x->detached) {
			ui_message(ui, UI_MSG_WARN, _("\"%s\" is detached "
			    "already: e edits it, and choosing a connection "
			    "attaches it."), x->name);
			return 1;
		}
		free(e->detach_id);
		e->detach_id = xstrdup(x->id);
		text = xasprintf(_("Detach the export \"%s\"? It keeps its "
		    "settings and what it knows of the destination, but no "
		    "longer runs, on demand or on schedule, until you edit it "
		    "and choose a connection. What was sent stays at the "
		    "destination."), x->name);
		ui_confirm(ui, _("Detach the export?"), text, _("Detach"),
		    _("Keep"), 1, exps_detach_answer, e);
		free(text);
		return 1;
	case 'd':
	case UI_KEY_DELETE:
		if (x == NULL)
			return 1;
		free(e->remove_id);
		e->remove_id = xstrdup(x->id);
		text = xasprintf(_("Remove the export \"%s\"? It will no longer "
		    "run, on demand or on schedule. What was already sent stays "
		    "at the destination."), x->name);
		ui_confirm(ui, _("Remove the export?"), text, _("Remove"),
		    _("Keep"), 1, exps_remove_answer, e);
		free(text);
		return 1;
	case UI_KEY_TAB:
		key = UI_KEY_DOWN;
		break;
	case UI_KEY_BTAB:
		key = UI_KEY_UP;
		break;
	}
	return ui_list_key(&e->list, key) != UI_W_IGNORED || key ==
	    UI_KEY_UP || key == UI_KEY_DOWN || key == UI_KEY_ENTER;
}

static size_t
exps_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct exps	*e = (struct exps *)s;
	size_t		 n = 0;

	if (max < 6)
		return 0;
	if (e->list.searching) {
		h[n++] = (struct ui_hint){ "Down", _("next match") };
		h[n++] = (struct ui_hint){ "Enter", _("done") };
		return n;
	}
	h[n++] = (struct ui_hint){ "a", _("add") };
	/* c (copy), x (detach) and / (search) are in the help: 80 columns. */
	if (e->list.n > 0) {
		h[n++] = (struct ui_hint){ "e", _("edit") };
		h[n++] = (struct ui_hint){ "r", _("run now") };
		h[n++] = (struct ui_hint){ "d", _("remove") };
	}
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
exps_help(struct ui_screen *s)
{
	(void)s;
	return _("An export is a saved job: a connection, the destination's "
	    "list, segment or audience, which segment fields fill which "
	    "destination fields, the segments to send, and whether scheduled "
	    "refreshes run it. a adds one with a wizard; e (or Enter) opens "
	    "the selected one in the wizard to change it, on its summary, "
	    "with Save on every step; c copies it under a new name; r runs "
	    "it now, after saying what it sends where (it goes on in the "
	    "background, and its progress shows live); x detaches it (kept, "
	    "but not run until attached to a connection again); d removes "
	    "it; s schedules it, or every export marked with Space (one "
	    "schedule for all, or each keeping its own); / searches the list. "
	    "Saving an export does not run it.");
}

static void
exps_resume(struct ui_screen *s, struct ui *ui)
{
	struct exps	*e = (struct exps *)s;

	(void)ui;
	exps_refresh(e, 1);
}

static void
exps_free(struct ui_screen *s)
{
	struct exps	*e = (struct exps *)s;

	ui_list_free(&e->list);
	free(e->remove_id);
	free(e->detach_id);
	free(e);
}

static const struct ui_screen_ops exps_ops = {
	.name = "exports",
	.title = exps_title,
	.draw = exps_draw,
	.key = exps_key,
	.hints = exps_hints,
	.help = exps_help,
	.resume = exps_resume,
	.free = exps_free,
};

static int
exps_sched_width(const struct app *app)
{
	size_t	i;

	for (i = 0; i < app->exports.n; i++)
		if (app->exports.items[i]->schedule.kind >= SCHEDULE_HOURLY)
			return 16;
	return 9;
}

struct ui_screen *
exports_new(struct app *app)
{
	struct exps	*e;

	e = xcalloc(1, sizeof *e);
	e->base.ops = &exps_ops;
	e->app = app;
	ui_list_init(&e->list, UI_LIST_TABLE, 5);
	e->list.markable = 1;
	ui_list_column(&e->list, 0, _("NAME"), 10, 2);
	ui_list_column(&e->list, 1, _("CONNECTION"), 10, 1);
	ui_list_column(&e->list, 2, _("TARGET"), 10, 2);
	ui_list_column(&e->list, 3, _("SEGMENTS"), 8, 0);
	/* Wide enough for "weekly mon 06:30" when one has that. */
	ui_list_column(&e->list, 4, _("SCHEDULED"), exps_sched_width(app), 0);
	/* Counts fit what they hold; names that start alike stay apart. */
	ui_list_fit(&e->list, 3);
	ui_list_middle(&e->list, 0);
	ui_list_middle(&e->list, 1);
	ui_list_middle(&e->list, 2);
	e->list.empty = _("No export yet. Press a to create one: it sends "
	    "segments through a connection to a list, segment or audience.");
	exps_refresh(e, 0);
	return &e->base;
}
