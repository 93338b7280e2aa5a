/*
 * Runs: the history of export runs (runs/<id>/run.json, runrec.h), newest
 * first, and the selected one's progress, counts and latest errors,
 * followed live while a run's worker writes its record: the screen reads
 * the records again a few times a second, and only then. c cancels a
 * running run. The worker is another process: leaving this screen, or
 * segsync, does not stop it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest/dest.h"
#include "i18n.h"
#include "run.h"
#include "runrec.h"
#include "screens/app.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "xmalloc.h"

#define RUNS_DETAIL_ROWS	9
#define RUNS_POLL_MS		500

struct runs {
	struct ui_screen	 base;
	struct app		*app;
	struct ui_list		 list;		/* keys: run ids */
	struct run		**runs;
	size_t			 n;
	char			*error;
	uint64_t		 next_poll;
	char			*cancel_id;
};

static const struct run *
runs_selected(const struct runs *rs)
{
	const char	*id = ui_list_selected_key(&rs->list);
	size_t		 i;

	for (i = 0; id != NULL && i < rs->n; i++)
		if (strcmp(rs->runs[i]->id, id) == 0)
			return rs->runs[i];
	return NULL;
}

/* "1,234 of 5,800" (read of rows), or the accepted count once done. */
static void
progress_cell(const struct run *r, char *buf, size_t size)
{
	char	a[32], b[32];

	if (r->status == RUN_RUNNING)
		snprintf(buf, size, _("%s of %s read"), ui_text_count(
		    r->counts.read, a, sizeof a), ui_text_count(r->total_rows,
		    b, sizeof b));
	else
		snprintf(buf, size, _("%s accepted"), ui_text_count(
		    r->counts.accepted, a, sizeof a));
}

static void
runs_fill(struct runs *rs, const char *select)
{
	const char	*cells[4];
	char		*keep, progress[80], *cause = NULL;
	size_t		 i;

	keep = select != NULL ? xstrdup(select) :
	    ui_list_selected_key(&rs->list) != NULL ?
	    xstrdup(ui_list_selected_key(&rs->list)) : NULL;
	run_list_free(&rs->runs, rs->n);
	rs->n = 0;
	xfree(&rs->error);
	if (run_list(rs->app->ws, NULL, &rs->runs, &rs->n, &cause) != 0)
		rs->error = cause;
	ui_list_clear(&rs->list);
	for (i = 0; i < rs->n; i++) {
		progress_cell(rs->runs[i], progress, sizeof progress);
		cells[0] = app_date(rs->runs[i]->started_at);
		cells[1] = rs->runs[i]->export_name != NULL ?
		    rs->runs[i]->export_name : "?";
		cells[2] = run_status_label(rs->runs[i]->status);
		cells[3] = progress;
		ui_list_add_key(&rs->list, cells, rs->runs[i]->id);
	}
	ui_list_select_key(&rs->list, keep);
	free(keep);
}

static int
any_running(const struct runs *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		if (rs->runs[i]->status == RUN_RUNNING)
			return 1;
	return 0;
}

static const char *
runs_title(struct ui_screen *s)
{
	(void)s;
	return _("Runs");
}

/* The selected run in words, malloc'd. */
static char *
details(const struct run *r)
{
	const struct dest_driver	*d;
	char				 a[32], b[32], c[32], e[32], f[32], g[32];
	char				*s, *t;
	size_t				 i;

	d = dest_find(r->destination != NULL ? r->destination : "");
	s = xasprintf(r->scheduled ? _("Started %s by %s, by scheduled "
	    "refresh: %s.") : _("Started %s by %s: %s."),
	    app_date(r->started_at), r->started_by != NULL ? r->started_by :
	    "?", run_status_label(r->status));
	t = xasprintf(_("%s\n\"%s\" through \"%s\" to the %s \"%s\"."), s,
	    r->export_name != NULL ? r->export_name : "?",
	    r->connection_name != NULL ? r->connection_name : "?",
	    d != NULL ? _(d->target.label) : _("target"),
	    r->target != NULL ? r->target : "?");
	free(s);
	s = t;
	t = xasprintf(_("%s\nRead %s of %s, sent %s, accepted %s, rejected %s, "
	    "duplicates %s."), s, ui_text_count(r->counts.read, a, sizeof a),
	    ui_text_count(r->total_rows, b, sizeof b),
	    ui_text_count(r->counts.sent, c, sizeof c),
	    ui_text_count(r->counts.accepted, e, sizeof e),
	    ui_text_count(r->counts.rejected, f, sizeof f),
	    ui_text_count(r->counts.duplicates, g, sizeof g));
	free(s);
	s = t;
	t = xasprintf(_("%s\nRequests %llu, retries %llu, rate-limit waits "
	    "%llu, in flight %u."), s, (unsigned long long)r->requests,
	    (unsigned long long)r->retries, (unsigned long long)r->rate_waits,
	    r->in_flight);
	free(s);
	s = t;
	for (i = r->nerrors > 2 ? r->nerrors - 2 : 0; i < r->nerrors; i++) {
		t = xasprintf("%s\n%s %s", s, ui_glyph(UI_G_FAIL),
		    r->errors[i]);
		free(s);
		s = t;
	}
	return s;
}

static void
runs_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct runs		*rs = (struct runs *)s;
	const struct run	*run;
	char			*text, bar[128];
	int			 h, w, filled, i, n = 0;
	double			 frac;

	(void)ui;
	if (rs->error != NULL)
		h = ui_draw_wrap((struct ui_rect){ r.x + 2, r.y, r.w - 3, 3 },
		    UI_A_ERROR, rs->error) + 1;
	else
		h = 0;
	ui_list_draw(&rs->list, (struct ui_rect){ r.x, r.y + h, r.w,
	    r.h - h - RUNS_DETAIL_ROWS }, 1);
	run = runs_selected(rs);
	if (run == NULL)
		return;
	r.y += r.h - RUNS_DETAIL_ROWS + 1;
	/* The progress bar: rows read of the rows counted at the start. */
	w = r.w - 12;
	frac = run->total_rows > 0 ? (double)run->counts.read /
	    (double)run->total_rows : run->status == RUN_SUCCEEDED;
	if (frac > 1)
		frac = 1;
	filled = (int)(frac * w);
	bar[n++] = '[';
	for (i = 0; i < w && n < (int)sizeof bar - 8; i++)
		bar[n++] = i < filled ? '#' : '.';
	n += snprintf(bar + n, sizeof bar - (size_t)n, "] %3d%%",
	    (int)(frac * 100));
	ui_draw_text(r.y, r.x + 2, r.w - 3, run->status == RUN_FAILED ?
	    UI_A_ERROR : run->status == RUN_SUCCEEDED ? UI_A_OK : UI_A_HEADING,
	    bar);
	text = details(run);
	ui_draw_wrap((struct ui_rect){ r.x + 2, r.y + 1, r.w - 3,
	    RUNS_DETAIL_ROWS - 2 }, UI_A_DIM, text);
	free(text);
}

static void
runs_cancel_answer(struct ui *ui, void *arg, int yes)
{
	struct runs	*rs = arg;
	char		*cause = NULL;

	if (yes && rs->cancel_id != NULL) {
		if (run_cancel(rs->app->ws, rs->cancel_id, rs->app->user,
		    &cause) != 0) {
			cause = app_sentence(cause);
			ui_message(ui, UI_MSG_ERROR, "%s", cause);
			free(cause);
		} else
			ui_message(ui, UI_MSG_OK, _("Asked the run to stop: it "
			    "stops after the requests in flight are answered."));
		runs_fill(rs, NULL);
	}
	xfree(&rs->cancel_id);
}

static int
runs_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct runs		*rs = (struct runs *)s;
	const struct run	*r = runs_selected(rs);
	char			*text;

	if (rs->list.searching)
		return ui_list_key(&rs->list, key) != UI_W_IGNORED;
	if (key == 'c' && r != NULL) {
		if (r->status != RUN_RUNNING) {
			ui_message(ui, UI_MSG_WARN, _("This run is over: there "
			    "is nothing to cancel."));
			return 1;
		}
		free(rs->cancel_id);
		rs->cancel_id = xstrdup(r->id);
		text = xasprintf(_("Stop the run of \"%s\"? What was sent stays "
		    "at the destination; 'segsync run --resume %s' can go on "
		    "later without sending it twice."), r->export_name != NULL ?
		    r->export_name : "?", r->id);
		ui_confirm(ui, _("Cancel the run?"), text, _("Stop it"),
		    _("Let it run"), 1, runs_cancel_answer, rs);
		free(text);
		return 1;
	}
	if (key == UI_KEY_ESC)
		return 0;
	if (key == UI_KEY_TAB)
		key = UI_KEY_DOWN;
	else if (key == UI_KEY_BTAB)
		key = UI_KEY_UP;
	return ui_list_key(&rs->list, key) != UI_W_IGNORED ||
	    key == UI_KEY_UP || key == UI_KEY_DOWN || key == UI_KEY_ENTER;
}

/* Follow running runs: read their records again, a few times a second. */
static int
runs_tick(struct ui_screen *s, struct ui *ui, uint64_t now)
{
	struct runs	*rs = (struct runs *)s;

	if (!any_running(rs))
		return 0;
	if (now < rs->next_poll)
		return 1;
	rs->next_poll = now + RUNS_POLL_MS;
	runs_fill(rs, NULL);
	ui_dirty(ui, UI_DIRTY_BODY | UI_DIRTY_HELP);
	return 1;
}

static size_t
runs_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct runs		*rs = (struct runs *)s;
	const struct run	*r = runs_selected(rs);
	size_t			 n = 0;

	if (max < 4)
		return 0;
	if (rs->list.n > 0)
		h[n++] = (struct ui_hint){ "Up/Down", _("move") };
	if (r != NULL && r->status == RUN_RUNNING)
		h[n++] = (struct ui_hint){ "c", _("cancel the run") };
	if (rs->list.n > 0)
		h[n++] = (struct ui_hint){ "/", _("search") };
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
runs_help(struct ui_screen *s)
{
	(void)s;
	return _("Every run of an export, newest first: when, which export, "
	    "how it ended, and for the selected one what was read, sent, "
	    "accepted and rejected, with the latest errors. A running run is "
	    "followed live; it goes on in the background when you leave this "
	    "screen or segsync, and c asks it to stop. The rejected records of "
	    "a run, with their reasons, are in its folder (runs/ID/"
	    "rejects.csv); 'segsync runs show ID' tells everything.");
}

static void
runs_resume(struct ui_screen *s, struct ui *ui)
{
	(void)ui;
	runs_fill((struct runs *)s, NULL);
}

static void
runs_free(struct ui_screen *s)
{
	struct runs	*rs = (struct runs *)s;

	ui_list_free(&rs->list);
	run_list_free(&rs->runs, rs->n);
	free(rs->error);
	free(rs->cancel_id);
	free(rs);
}

static const struct ui_screen_ops runs_ops = {
	.name = "runs",
	.title = runs_title,
	.draw = runs_draw,
	.key = runs_key,
	.hints = runs_hints,
	.help = runs_help,
	.resume = runs_resume,
	.tick = runs_tick,
	.free = runs_free,
};

struct ui_screen *
runs_new(struct app *app, const char *select)
{
	struct runs	*rs;

	rs = xcalloc(1, sizeof *rs);
	rs->base.ops = &runs_ops;
	rs->app = app;
	ui_list_init(&rs->list, UI_LIST_TABLE, 4);
	ui_list_column(&rs->list, 0, _("STARTED"), 16, 0);
	ui_list_column(&rs->list, 1, _("EXPORT"), 12, 2);
	ui_list_column(&rs->list, 2, _("STATUS"), 11, 0);
	ui_list_column(&rs->list, 3, _("PROGRESS"), 16, 1);
	rs->list.empty = _("No export has run yet. Start one from Exports "
	    "(r runs the selected export now); scheduled refreshes run from "
	    "cron or a systemd timer with 'segsync refresh'.");
	runs_fill(rs, select);
	return &rs->base;
}
