/*
 * Runs as the screens show them (runshow.h), and what the screens do to
 * runs through the core (app.h): start an export now after saying what
 * goes where, resume, cancel. Starting and resuming decrypt the
 * connection's record in the loop (quick, the identity is unlocked) and
 * fork the detached worker through src/store/connops.c; the worker is no child
 * of ours and outlives segsync.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "dest/dest.h"
#include "run/runrecord.h"
#include "run/runview.h"
#include "screens/app.h"
#include "screens/nav.h"
#include "screens/runshow.h"
#include "data/segments.h"
#include "store/connops.h"
#include "store/workspace.h"
#include "ui/text.h"
#include "ui/ui.h"

enum ui_role
runshow_status_role(const struct run *r)
{
	switch (r->status) {
	case RUN_RUNNING:
		return UI_A_HEADING;
	case RUN_SUCCEEDED:
		return run_succeeded_with_rejects(r) ? UI_A_WARN : UI_A_OK;
	case RUN_FAILED:
		return UI_A_ERROR;
	case RUN_CANCELLED:
	case RUN_INTERRUPTED:
		return UI_A_WARN;
	}
	return UI_A_NORMAL;
}

const char *
runshow_dest(const struct run *r)
{
	const struct dest_driver	*d = dest_find(r->destination);

	return d != NULL ? _(d->label) : r->destination;
}

char *
runshow_where(const struct run *r)
{
	const struct dest_driver	*d = dest_find(r->destination);

	if (d == NULL)
		return xasprintf(_("\"%s\" to %s \"%s\" through \"%s\""),
		    r->export_name, r->destination, r->target,
		    r->connection_name);
	/* TRANSLATORS: export, target label ("Braze segment API
	 * identifier"), target, connection. */
	return xasprintf(_("\"%s\" to the %s \"%s\" through \"%s\""),
	    r->export_name, _(d->target.label), r->target,
	    r->connection_name);
}

char *
runshow_state(const struct app *app, const struct run *r, long elapsed)
{
	char	dur[32];

	runview_duration(elapsed, dur, sizeof dur);
	switch (r->status) {
	case RUN_RUNNING:
		switch (r->phase) {
		case DELIVER_PHASE_PLAN:
			return xstrdup(_("Planning: reading the segments once "
			    "to see which profiles are in which."));
		case DELIVER_PHASE_SEND:
			return xstrdup(_("Sending: profiles go out in batches "
			    "and the answers come back."));
		case DELIVER_PHASE_REMOVE:
			return xasprintf(_("Removing: the members who left "
			    "the segments leave %s."), runshow_dest(r));
		case DELIVER_PHASE_CONFIRM:
			if (r->jobs > 0)
				return xasprintf(_("Confirming: %llu of %llu "
				    "import processes still pending at %s; "
				    "the run waits for their outcome."),
				    (unsigned long long)r->jobs_pending,
				    (unsigned long long)r->jobs,
				    runshow_dest(r));
			return xasprintf(_("Confirming: %s is processing the "
			    "imports it accepted; the run waits for their "
			    "outcome."), runshow_dest(r));
		case DELIVER_PHASE_DONE:
			return xstrdup(_("Finishing: writing the outcome."));
		}
		break;
	case RUN_SUCCEEDED:
		if (run_succeeded_with_rejects(r))
			return xasprintf(ngettext_("Succeeded in %s with %s "
			    "rejected: the rejected records say why.",
			    "Succeeded in %s with %s rejected: the rejected "
			    "records say why.", r->counts.rejected), dur,
			    runshow_count(r->counts.rejected));
		return xasprintf(_("Succeeded in %s."), dur);
	case RUN_FAILED:
		if (app_run_guarded(r))
			return xasprintf(_("Stopped by a guard after %s: "
			    "nothing was sent or removed."), dur);
		return xasprintf(_("Failed after %s."), dur);
	case RUN_CANCELLED:
		return xasprintf(_("Cancelled after %s."), dur);
	case RUN_INTERRUPTED:
		/* A worker that could not write its end says nothing. */
		if (run_disk_full(app->ws))
			return xasprintf(_("Interrupted after %s, and the disk "
			    "holding the workspace is full, which may be why. "
			    "Free space, then resume the run (s)."), dur);
		return xasprintf(_("Interrupted after %s: its worker stopped "
		    "(killed, or the machine restarted)."), dur);
	}
	return xstrdup("?");
}

void
runshow_bar(int y, int x, int w, double frac, enum ui_role role)
{
	char	pct[16];
	int	bw, n, i;

	snprintf(pct, sizeof pct, " %3d%%", (int)(frac * 100));
	bw = w - (int)strlen(pct);
	if (bw < 4)
		return;
	n = (int)(frac * bw + 1e-9);
	for (i = 0; i < bw; i++)
		ui_draw_text(y, x + i, 1, i < n ? role : UI_A_DIM,
		    ui_glyph(i < n ? UI_G_BAR_FULL : UI_G_BAR_EMPTY));
	ui_draw_text(y, x + bw, (int)strlen(pct), role, pct);
}

const char *
runshow_count(uint64_t n)
{
	static char	buf[RUNSHOW_COUNT_BUFS][32];
	static int	k;

	k = (k + 1) % RUNSHOW_COUNT_BUFS;
	return ui_text_count((unsigned long long)n, buf[k], sizeof buf[k]);
}

void
runshow_right(int y, int x, int w, enum ui_role role, const char *s)
{
	int	tw = ui_text_width(s);

	if (tw > w)
		tw = w;
	ui_draw_text(y, x + w - tw, tw, role, s);
}

void
runshow_pair(int y, int x, int lw, int w, const char *label,
    const char *value, enum ui_role role)
{
	ui_draw_text(y, x, lw, UI_A_DIM, label);
	runshow_right(y, x + lw, w - lw, role, value);
}

int
runshow_segments(const struct run *r, int y, int x, int w, int h)
{
	const char		*heads[5];
	const struct deliver_counts *c;
	char			 more[96];
	int			 cw[5], cx[6], nw, rows, i, k, nshow;

	if (h < 2 || r->nsegments == 0)
		return 0;
	heads[0] = _("ROWS");
	heads[1] = _("READ");
	heads[2] = _("ACCEPTED");
	heads[3] = _("REJECTED");
	heads[4] = _("DUPLICATES");
	/*
	 * Columns of 11, wider where a heading needs more in the reader's
	 * language, with a column between headings.
	 */
	nw = w;
	for (k = 0; k < 5; k++) {
		cw[k] = ui_text_width(heads[k]) + 1;
		if (cw[k] < 11)
			cw[k] = 11;
		nw -= cw[k];
	}
	if (nw < 8)
		nw = 8;
	cx[0] = x + nw;
	for (k = 0; k < 5; k++)
		cx[k + 1] = cx[k] + cw[k];
	ui_draw_text(y, x, nw, UI_A_HEADING, _("SEGMENT"));
	for (k = 0; k < 5; k++)
		runshow_right(y, cx[k], cw[k], UI_A_HEADING, heads[k]);
	rows = 1;
	nshow = (int)r->nsegments;
	if (nshow > h - 1)
		nshow = h - 2;
	for (i = 0; i < nshow; i++, rows++) {
		c = &r->segments[i].counts;
		ui_draw_text(y + rows, x, nw - 1, UI_A_NORMAL,
		    r->segments[i].name);
		runshow_right(y + rows, cx[0], cw[0], UI_A_NORMAL,
		    runshow_count(r->segments[i].rows));
		runshow_right(y + rows, cx[1], cw[1], UI_A_NORMAL,
		    runshow_count(c->read));
		runshow_right(y + rows, cx[2], cw[2], UI_A_NORMAL,
		    runshow_count(c->accepted));
		runshow_right(y + rows, cx[3], cw[3], c->rejected > 0 ?
		    UI_A_WARN : UI_A_NORMAL, runshow_count(c->rejected));
		runshow_right(y + rows, cx[4], cw[4], UI_A_NORMAL,
		    runshow_count(c->duplicates));
	}
	if ((size_t)nshow < r->nsegments) {
		snprintf(more, sizeof more, _("and %zu more segments (d shows "
		    "them all)"), r->nsegments - (size_t)nshow);
		ui_draw_text(y + rows++, x, w, UI_A_DIM, more);
	}
	return rows;
}

/* Runs: what the screens do to them. */

int
app_run_visible(const struct app *app, const struct run *r)
{
	struct connection	*c;

	if (app->admin)
		return 1;
	c = app_conn((struct app *)app, r->connection_id);
	return c != NULL && c->contributors;
}

char *
app_run_describe(struct app *app, const struct export *x, char **problem)
{
	struct connection		*c = app_conn(app, x->connection);
	const struct dest_driver	*d = c != NULL ? app_driver(c) : NULL;
	const struct segment		*sg;
	unsigned long long		 total = 0;
	char				*list = xstrdup(""), *t, *target, n[32];
	size_t				 i;

	*problem = NULL;
	if (connops_export_runnable(x, problem) != 0) {
		free(list);
		*problem = app_sentence(*problem);
		return NULL;
	}
	if (c == NULL || d == NULL) {
		free(list);
		*problem = xstrdup(_("The export goes through a connection "
		    "that was removed: edit it (e in Exports) and choose "
		    "another one."));
		return NULL;
	}
	if (app->segs == NULL) {
		free(list);
		*problem = app_sentence(xstrdup(app->segs_error != NULL ?
		    app->segs_error : _("the segments folder cannot be read")));
		return NULL;
	}
	for (i = 0; i < x->nsegments; i++) {
		sg = app_segment(app, x->segments[i]);
		if (sg == NULL || !sg->usable) {
			free(list);
			*problem = sg == NULL ? xasprintf(_("The segment "
			    "\"%s\" of the export is not in the data folder "
			    "any more: put its file back, or create the export "
			    "again without it."), x->segments[i]) :
			    xasprintf(_("The segment \"%s\" cannot be used: "
			    "%s"), sg->name, sg->error != NULL ? sg->error :
			    "?");
			return NULL;
		}
		total += sg->members;
		t = xasprintf("%s%s\"%s\": %s", list, i > 0 ? ", " : "",
		    sg->name, ui_text_count(sg->members, n, sizeof n));
		free(list);
		list = t;
	}
	target = x->target_name != NULL ? xasprintf("\"%s\" (%s)", x->target,
	    x->target_name) : xasprintf("\"%s\"", x->target);
	/* TRANSLATORS: profiles, the segments with theirs, connection,
	 * destination, target label, target. */
	t = xasprintf(_("It sends %s profiles before de-duplication (%s) "
	    "through the connection \"%s\" (%s) to the %s %s."),
	    ui_text_count(total, n, sizeof n), list, c->name, _(d->label),
	    _(d->target.label), target);
	free(target);
	free(list);
	return t;
}

static void
app_watch_answer(struct ui *ui, void *arg, int yes)
{
	struct app	*app = arg;

	(void)ui;
	if (yes && app->run_watch != NULL)
		nav_open(app, NAV_PROGRESS, app->run_watch);
	xfree(&app->run_watch);
}

/* The export already runs: offer to watch that run. 1 when it does. */
static int
app_run_busy(struct app *app, const struct export *x)
{
	char	id[RUN_ID_LEN], *text;

	if (!run_export_running(app->ws, x->id, id))
		return 0;
	free(app->run_watch);
	app->run_watch = xstrdup(id);
	text = xasprintf(_("\"%s\" is running now (run %s): an export runs "
	    "once at a time. Watch that run?"), x->name, id);
	ui_confirm(app->ui, _("Already running"), text, _("Watch it"),
	    _("Not now"), 0, app_watch_answer, app);
	free(text);
	return 1;
}

static void
app_run_answer(struct ui *ui, void *arg, int yes)
{
	struct app	*app = arg;

	(void)ui;
	if (yes && app->run_offer != NULL)
		app_run_export(app, app->run_offer);
	xfree(&app->run_offer);
}

/*
 * Run now first works out what the run would do (connops_plan(), a dry
 * run: at a million profiles about two seconds of reading and encoding),
 * in the worker thread with its own workspace, lists and identity, so
 * that the question can say "1,204 to add, 87 to remove" and a guard that
 * would stop the run.
 */
static void	app_anyway_answer(struct ui *, void *, int);

struct plan_job {
	struct app		*app;
	struct workspace	*ws;
	struct identity		*id;
	char			*export_id;
	char			*name;
	char			*what;		/* app_run_describe() */
	char			*dest;		/* the destination's label */
	enum export_mode	 mode;
	unsigned		 max_removals;
	struct connops_plan	 plan;
	enum fail_kind		 kind;
	char			*cause;
};

static void
plan_work(void *arg)
{
	struct plan_job		*j = arg;
	struct connection_list	 cl;
	struct export_list	 xl;
	struct segment_list	*segs = NULL;
	const struct export	*x;
	const struct connection	*c;

	memset(&cl, 0, sizeof cl);
	memset(&xl, 0, sizeof xl);
	j->kind = FAIL_ERROR;
	if (connection_list_load(j->ws, &cl, &j->cause) != 0 ||
	    export_list_load(j->ws, &xl, &j->cause) != 0 ||
	    workspace_segments(j->ws, &segs, &j->cause) != 0)
		goto out;
	x = export_list_by_id(&xl, j->export_id);
	c = x != NULL ? connection_list_by_id(&cl, x->connection) : NULL;
	if (x == NULL || c == NULL) {
		j->cause = xstrdup(_("the export or its connection was removed "
		    "meanwhile"));
		goto out;
	}
	j->kind = connops_plan(j->ws, j->id, &(struct connops_start){
	    .conn = c, .export = x, .segs = segs }, &j->plan, &j->cause);
out:
	segments_free(&segs);
	export_list_free(&xl);
	connection_list_free(&cl);
}

static void
plan_job_free(struct plan_job *j)
{
	connops_plan_free(&j->plan);
	identity_free(&j->id);
	workspace_free(&j->ws);
	free(j->export_id);
	free(j->name);
	free(j->what);
	free(j->dest);
	free(j->cause);
	free(j);
}

/* What the plan says the run would do, as a sentence (malloc'd). */
static char *
plan_sentence(const struct plan_job *j)
{
	const struct deliver_stats	*st = &j->plan.stats;
	char				 a[32], b[32], c[32], d[32], *t, *r;

	if (j->kind != FAIL_NONE)
		return app_sentence(xasprintf(_("What the run would do could "
		    "not be worked out: %s"), j->cause != NULL ? j->cause :
		    "?"));
	if (!j->plan.synced || st->baseline)
		t = xasprintf(j->mode == EXPORT_MIRROR ? _("A first run: it "
		    "sends the %s valid profiles and removes nobody.") :
		    _("A first run: it sends the %s valid profiles."),
		    ui_text_count(st->total.sent, a, sizeof a));
	else if (j->mode == EXPORT_MIRROR)
		/* TRANSLATORS: Run now's plan in mirror mode. */
		t = xasprintf(_("%s to add, %s to update, %s to remove, %s "
		    "unchanged."), ui_text_count(st->total.fresh, a, sizeof a),
		    ui_text_count(st->total.changed + st->total.retried, b,
		    sizeof b), ui_text_count(st->to_remove, c, sizeof c),
		    ui_text_count(st->total.unchanged, d, sizeof d));
	else
		t = xasprintf(_("%s to add, %s to update, %s unchanged."),
		    ui_text_count(st->total.fresh, a, sizeof a),
		    ui_text_count(st->total.changed + st->total.retried, b,
		    sizeof b), ui_text_count(st->total.unchanged, c,
		    sizeof c));
	if (st->total.rejected == 0)
		return t;
	r = xasprintf(ngettext_("%s %s record is rejected by the data rules.",
	    "%s %s records are rejected by the data rules.",
	    st->total.rejected), t, ui_text_count(st->total.rejected, a,
	    sizeof a));
	free(t);
	/* More than the export allows: the run would fail, said first. */
	if (st->reject_note != NULL) {
		t = xasprintf(_("%s The run would fail: %s"), r,
		    st->reject_note);
		free(r);
		r = t;
	}
	return r;
}

/* The guard that would stop the run, said for the UI (malloc'd). */
static char *
plan_guard(const struct plan_job *j)
{
	const struct deliver_stats	*st = &j->plan.stats;
	char				 a[32], b[32];

	if (st->guard == DELIVER_GUARD_EMPTY)
		return xasprintf(_("A guard would stop this run before it "
		    "sends anything: the segments hold no valid profile, while "
		    "the target holds %s members this export added, which "
		    "looks like a mistake (an emptied or unreadable export?)."),
		    ui_text_count(st->members, a, sizeof a));
	return xasprintf(_("A guard would stop this run before it sends "
	    "anything: it would remove %s of the %s members (%llu%%), more "
	    "than the export's maximum of %u%%."),
	    ui_text_count(st->to_remove, a, sizeof a),
	    ui_text_count(st->members, b, sizeof b),
	    (unsigned long long)(st->members > 0 ? (st->to_remove * 100 +
	    st->members - 1) / st->members : 100), j->max_removals);
}

static void
plan_done(struct ui *ui, void *arg)
{
	struct plan_job			*j = arg;
	struct app			*app = j->app;
	const struct deliver_stats	*st = &j->plan.stats;
	char				*plan, *guard, *text;

	plan = plan_sentence(j);
	if (j->kind == FAIL_NONE && st->guard != DELIVER_GUARD_NONE) {
		/* The run would fail at once: offer to force it instead. */
		free(app->run_anyway);
		app->run_anyway = xstrdup(j->export_id);
		guard = plan_guard(j);
		text = xasprintf(_("Run \"%s\" now?\n\n%s\n\n%s\n\n%s\n\nRun "
		    "it anyway? It starts without its guards and removes from "
		    "%s the members who left the segments."), j->name, j->what,
		    plan, guard, j->dest);
		free(guard);
		ui_confirm(ui, _("Run anyway?"), text, _("Continue"),
		    _("Not now"), 1, app_anyway_answer, app);
	} else {
		free(app->run_offer);
		app->run_offer = xstrdup(j->export_id);
		text = xasprintf(_("Run \"%s\" now?\n\n%s\n\n%s\n\nThe run "
		    "goes on in the background, even if you quit segsync; its "
		    "progress shows live."), j->name, j->what, plan);
		ui_confirm(ui, _("Run the export now?"), text, _("Run now"),
		    _("Not now"), 1, app_run_answer, app);
	}
	free(text);
	free(plan);
	plan_job_free(j);
}

void
app_run_ask(struct app *app, const char *export_id)
{
	struct export		*x = NULL;
	struct connection	*c;
	struct plan_job		*j;
	char			*what, *problem = NULL, *text, *cause = NULL;

	x = export_list_by_id(&app->exports, export_id);
	if (x == NULL) {
		ui_message(app->ui, UI_MSG_ERROR, _("The export was removed "
		    "meanwhile."));
		return;
	}
	if (app_run_busy(app, x))
		return;
	if ((what = app_run_describe(app, x, &problem)) == NULL) {
		ui_notice(app->ui, _("The export cannot run"), problem, NULL,
		    NULL);
		free(problem);
		return;
	}
	c = app_conn(app, x->connection);
	j = xcalloc(1, sizeof *j);
	if (app_job_keys(app, &j->ws, &j->id) == -1) {
		free(what);
		free(j);
		return;
	}
	j->app = app;
	j->export_id = xstrdup(x->id);
	j->name = xstrdup(x->name);
	j->what = what;
	j->dest = xstrdup(_(app_driver(c)->label));
	j->mode = x->mode;
	j->max_removals = x->max_removals;
	text = xasprintf(_("Working out what a run of \"%s\" would do..."),
	    x->name);
	if (ui_job_start(app->ui, text, plan_work, plan_done, j,
	    &cause) == -1) {
		ui_message(app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		plan_job_free(j);
	}
	free(text);
}

static int	run_export(struct app *, const char *, int);

int
app_run_export(struct app *app, const char *export_id)
{
	return run_export(app, export_id, 0);
}

int
app_run_guarded(const struct run *r)
{
	return r->status == RUN_FAILED && r->guard != DELIVER_GUARD_NONE;
}

const char *
app_run_status(const struct run *r)
{
	return app_run_guarded(r) ? _("stopped by a guard") :
	    run_status_label(r->status);
}

static void
app_anyway_again(struct ui *ui, void *arg, int yes)
{
	struct app	*app = arg;

	(void)ui;
	if (yes && app->run_anyway != NULL)
		run_export(app, app->run_anyway, 1);
	xfree(&app->run_anyway);
}

/* The first answer: removing past the guard is asked once more. */
static void
app_anyway_answer(struct ui *ui, void *arg, int yes)
{
	struct app	*app = arg;

	if (!yes || app->run_anyway == NULL) {
		xfree(&app->run_anyway);
		return;
	}
	ui_confirm(ui, _("Really run anyway?"), _("This cannot be undone "
	    "from segsync: the members removed must be sent again to be "
	    "back. Start the run without its guards?"), _("Run anyway"),
	    _("Not now"), 1, app_anyway_again, app);
}

void
app_run_anyway_ask(struct app *app, const struct run *r)
{
	char	*text;

	if (!app_run_guarded(r)) {
		ui_message(app->ui, UI_MSG_WARN, _("Only a run stopped by a "
		    "guard can be run anyway."));
		return;
	}
	free(app->run_anyway);
	app->run_anyway = xstrdup(r->export_id);
	text = xasprintf(_("The run of \"%s\" stopped before sending "
	    "anything: %s\n\nRun it anyway? A new run of the export starts "
	    "without its guards and removes from %s the members who left "
	    "the segments."), r->export_name, r->nerrors > 0 ?
	    r->errors[r->nerrors - 1] : "", runshow_dest(r));
	ui_confirm(app->ui, _("Run anyway?"), text, _("Continue"),
	    _("Not now"), 1, app_anyway_answer, app);
	free(text);
}

static int
run_export(struct app *app, const char *export_id, int force)
{
	struct export		*x = NULL;
	struct connection	*c;
	char			*cause = NULL, *run_id = NULL;

	app_reload(app);
	x = export_list_by_id(&app->exports, export_id);
	c = x != NULL ? app_conn(app, x->connection) : NULL;
	if (x == NULL || c == NULL) {
		ui_message(app->ui, UI_MSG_ERROR, x == NULL ? _("The export "
		    "was removed meanwhile.") : _("The export goes through a "
		    "connection that was removed: create it again on another "
		    "one."));
		return -1;
	}
	if (app_run_busy(app, x))
		return -1;
	if (app->segs == NULL || connops_start(app->ws, app->id,
	    &(struct connops_start){ .user = app->user, .conn = c,
	    .export = x, .segs = app->segs, .force = force }, &run_id, NULL,
	    &cause) != FAIL_NONE) {
		cause = app_sentence(cause != NULL ? cause :
		    xstrdup(_("the segments folder cannot be read")));
		ui_message(app->ui, UI_MSG_ERROR,
		    _("The run did not start: %s"), cause);
		free(cause);
		return -1;
	}
	app->nruns++;
	nav_open(app, NAV_PROGRESS, run_id);
	ui_message(app->ui, UI_MSG_OK, _("Run %s started; it goes on in the "
	    "background."), run_id);
	free(run_id);
	return 0;
}

int
app_run_resume(struct app *app, const char *run_id, int open)
{
	struct run		*r = NULL;
	struct connection	*c;
	char			*cause = NULL, *started = NULL;

	app_reload(app);
	if (run_load(app->ws, run_id, &r, &cause) != 0) {
		cause = app_sentence(cause);
		ui_message(app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		return -1;
	}
	c = app_conn(app, r->connection_id);
	if (c == NULL || !app_run_visible(app, r)) {
		ui_message(app->ui, UI_MSG_ERROR, _("Run %s went through the "
		    "connection \"%s\", which was removed: it cannot be "
		    "resumed."), run_id, r->connection_name);
		run_free(&r);
		return -1;
	}
	run_free(&r);
	if (connops_start(app->ws, app->id, &(struct connops_start){
	    .user = app->user, .conn = c, .resume = run_id }, &started, NULL,
	    &cause) != FAIL_NONE) {
		cause = app_sentence(cause);
		ui_message(app->ui, UI_MSG_ERROR,
		    _("The run did not resume: %s"), cause);
		free(cause);
		return -1;
	}
	if (open)
		nav_open(app, NAV_PROGRESS, run_id);
	ui_message(app->ui, UI_MSG_OK, _("Run %s resumed; what was answered "
	    "before is not sent again."), run_id);
	free(started);
	return 0;
}

static void
app_resume_answer(struct ui *ui, void *arg, int yes)
{
	struct app	*app = arg;

	(void)ui;
	if (yes && app->run_resume != NULL)
		app_run_resume(app, app->run_resume, app->run_resume_open);
	xfree(&app->run_resume);
}

int
app_run_resumable(const struct run *r)
{
	return r->status == RUN_INTERRUPTED || r->status == RUN_FAILED ||
	    r->status == RUN_CANCELLED;
}

void
app_run_resume_ask(struct app *app, const struct run *r, int open)
{
	char	*text;

	if (!app_run_resumable(r)) {
		ui_message(app->ui, UI_MSG_WARN, r->status == RUN_RUNNING ?
		    _("This run is still running.") : _("This run succeeded: "
		    "there is nothing to resume. Start a new run from "
		    "Exports."));
		return;
	}
	free(app->run_resume);
	app->run_resume = xstrdup(r->id);
	app->run_resume_open = open;
	/* Counted as the progress screen counts: the same "done". */
	text = xasprintf(_("Resume the run of \"%s\"? %s of %s profiles are "
	    "done (answered, duplicates or unchanged); it sends what the "
	    "destination has not answered yet, from the same segment files, "
	    "which must not have changed."), r->export_name,
	    runshow_count(runview_done(r)), runshow_count(r->total_rows));
	ui_confirm(app->ui, _("Resume the run?"), text, _("Resume"),
	    _("Not now"), 1, app_resume_answer, app);
	free(text);
}

static void
app_cancel_answer(struct ui *ui, void *arg, int yes)
{
	struct app	*app = arg;
	char		*cause = NULL;

	if (yes && app->run_cancel != NULL) {
		if (run_cancel(app->ws, app->run_cancel, app->user,
		    &cause) != 0) {
			cause = app_sentence(cause);
			ui_message(ui, UI_MSG_ERROR, "%s", cause);
			free(cause);
		} else
			ui_message(ui, UI_MSG_OK, _("Asked the run to stop: it "
			    "stops once the requests in flight are answered."));
	}
	xfree(&app->run_cancel);
}

void
app_run_cancel_ask(struct app *app, const struct run *r)
{
	char	*text;

	if (r->status != RUN_RUNNING) {
		ui_message(app->ui, UI_MSG_WARN, _("This run is over: there is "
		    "nothing to cancel."));
		return;
	}
	free(app->run_cancel);
	app->run_cancel = xstrdup(r->id);
	text = xasprintf(_("Stop the run of \"%s\"? What was sent stays at the "
	    "destination, and resuming it later sends only the rest."),
	    r->export_name);
	ui_confirm(app->ui, _("Cancel the run?"), text, _("Stop it"),
	    _("Let it run"), 1, app_cancel_answer, app);
	free(text);
}
