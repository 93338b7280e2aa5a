/*
 * One run, live: where it sends, its phase, a progress bar, the counts
 * (read, sent, accepted, rejected, duplicates), the requests in flight,
 * the throughput (smoothed), the time elapsed and left, retries and
 * waits for the rate limit (said as what they are: the run handles them,
 * they are not errors), the segments' counts and the latest errors.
 *
 * The worker is another process (started here, from the command line,
 * from cron or from another session: they all look the same): the screen
 * reads its run.json through a runview a few times a second, parses it
 * only when the file changed, and redraws only then (and once a second
 * for the clock while the run runs). Leaving the screen leaves the run
 * going; c asks it to stop, r shows its rejected records, d its record.
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
#include "screens/screens.h"
#include "ui/text.h"
#include "ui/ui.h"

#define PROG_OVER_POLL_MS	1000	/* a run over may be resumed */

struct progress {
	struct ui_screen	 base;
	struct app		*app;
	struct runview		*rv;
	uint64_t		 next_poll;
	long			 shown;		/* elapsed as last drawn */
	char			*title;
	char			*help;
};

static const struct run *
prog_run(const struct progress *p)
{
	return p->rv->run;
}

static int
prog_running(const struct progress *p)
{
	return p->rv->run != NULL && p->rv->run->status == RUN_RUNNING;
}

static void
prog_title_set(struct progress *p)
{
	const struct run	*r = prog_run(p);

	free(p->title);
	p->title = r != NULL && r->export_name[0] != '?' ?
	    xasprintf(_("Run of \"%s\""), r->export_name) :
	    xasprintf(_("Run %s"), p->rv->id);
}

static const char *
prog_title(struct ui_screen *s)
{
	return ((struct progress *)s)->title;
}

/* Retries and waits, in words: what the run did about them. */
static char *
prog_retries(const struct run *r)
{
	char	*a, *b, *s;

	a = r->retries == 0 ? xstrdup(_("no retries")) : r->throttled > 0 ?
	    xasprintf(_("%s retries (%s answered 429)"),
	    runshow_count(r->retries), runshow_count(r->throttled)) :
	    xasprintf(_("%s retries"), runshow_count(r->retries));
	b = r->rate_waits == 0 ? xstrdup(_("no waits for the rate limit")) :
	    xasprintf(_("%s waits for the rate limit"),
	    runshow_count(r->rate_waits));
	/* TRANSLATORS: requests, then the retries and the waits. */
	s = xasprintf(_("Requests %s; %s; %s."), runshow_count(r->requests),
	    a, b);
	free(a);
	free(b);
	return s;
}

/* Rows every error would take, the heading included. */
static int
prog_errors_rows(const struct run *r, int w)
{
	size_t	i;
	int	n = 1;
	char	*line, *t;

	for (i = 0; i < r->nerrors; i++) {
		t = run_error_text(r, i);
		line = xasprintf("%s %s", ui_glyph(UI_G_FAIL), t);
		free(t);
		n += ui_wrap_rows(line, w);
		free(line);
	}
	return n;
}

/* The latest errors, newest first, from row y in h rows; rows used. */
static int
prog_errors(const struct run *r, int y, int x, int w, int h)
{
	char	*line, *t;
	int	 used, k;
	size_t	 i;

	if (h < 2)
		return 0;
	if (r->nerrors == 0) {
		ui_draw_text(y, x, w, UI_A_DIM, _("No errors."));
		return 1;
	}
	ui_draw_text(y, x, w, UI_A_HEADING, r->nerrors == 1 ?
	    _("Latest error") : _("Latest errors, newest first"));
	used = 1;
	for (i = r->nerrors; i > 0 && used < h; i--) {
		t = run_error_text(r, i - 1);
		line = xasprintf("%s %s", ui_glyph(UI_G_FAIL), t);
		free(t);
		k = ui_wrap_rows(line, w);
		if (k > h - used && used > 1) {
			/* Whole sentences only, but always the newest. */
			free(line);
			break;
		}
		if (k > h - used)
			k = h - used;
		ui_draw_wrap((struct ui_rect){ x, y + used, w, k }, UI_A_ERROR,
		    line);
		used += k;
		free(line);
	}
	return used;
}

/*
 * The latest events of the timeline (phases, retries, waits, resumes),
 * newest last, in what room is left: a taller terminal shows more.
 */
static void
prog_events(const struct run *r, int y, int x, int w, int h)
{
	char	*line, *what;
	size_t	 i, n;

	if (h < 3 || r->nevents == 0)
		return;
	ui_draw_text(y++, x, w, UI_A_HEADING, _("Latest events"));
	n = (size_t)h - 1;
	if (n > r->nevents)
		n = r->nevents;
	for (i = r->nevents - n; i < r->nevents; i++) {
		what = run_event_text(&r->events[i]);
		line = xasprintf("%.8s  %s", strlen(r->events[i].at) >=
		    APP_RFC3339_SECS_END ? r->events[i].at + APP_RFC3339_TIME :
		    "", what);
		ui_draw_text(y++, x, w, UI_A_DIM, line);
		free(line);
		free(what);
	}
}

/*
 * A count of the grid, in a buffer of its own (runshow_count's turn
 * around before the grid is drawn).
 */
#define CNT(v)	ui_text_count((unsigned long long)(v), cnt[ncnt++],	\
		    sizeof cnt[0])

/* One "label  value" of the counts (a NULL label: an empty place). */
#define PAIR(l, v, role) do {						\
	pl[np] = (l);							\
	pv[np] = (v);							\
	pr[np] = (role);						\
	np++;								\
} while (0)

static void
prog_draw(struct ui_screen *s, struct ui *ui, struct ui_rect body)
{
	struct progress		*p = (struct progress *)s;
	const struct run	*r = prog_run(p);
	char			*t, a[64], b[64], c[64], e[96], cnt[10][32];
	int			 x = body.x + 2, w = body.w - 3, y = body.y;
	const char		*pl[12], *pv[12];
	enum ui_role		 pr[12];
	int			 gw, lw, left, segh, errh, need, k, np, ncols;
	int			 ncnt = 0;
	long			 elapsed, rem;
	double			 rate;
	enum ui_role		 role;

	if (r == NULL) {
		ui_draw_wrap((struct ui_rect){ x, y, w, body.h }, UI_A_ERROR,
		    p->rv->error != NULL ? p->rv->error : "?");
		return;
	}
	elapsed = runview_elapsed(p->rv, (int64_t)ui_now(ui));
	p->shown = elapsed;
	role = runshow_status_role(r);

	t = runshow_where(r);
	y += ui_draw_wrap((struct ui_rect){ x, y, w, 2 }, UI_A_HEADING, t) > 1 ?
	    2 : 1;
	free(t);
	t = runshow_state(p->app, r, elapsed);
	y += ui_draw_wrap((struct ui_rect){ x, y, w, 2 }, role, t) > 1 ? 2 : 1;
	free(t);
	snprintf(a, sizeof a, "%s", app_date(r->started_at));
	t = xasprintf(r->attempts > 1 ? _("Run %s, started %s by %s%s; "
	    "attempt %u.") : _("Run %s, started %s by %s%s."), r->id, a,
	    r->started_by, r->scheduled ? _(" (scheduled refresh)") : "",
	    r->attempts);
	ui_draw_text(y++, x, w, UI_A_DIM, t);
	free(t);
	if (p->rv->error != NULL)
		ui_draw_text(y, x, w, UI_A_WARN, p->rv->error);
	y++;

	/* The bar: profiles done of the rows counted at the start. */
	snprintf(a, sizeof a, "%s", runshow_count(runview_done(r)));
	t = xasprintf(_("%s of %s done"), a, runshow_count(r->total_rows));
	left = ui_text_width(t) + 2;
	runshow_bar(y, x, w - left, runview_fraction(r),
	    r->status == RUN_RUNNING ? UI_A_OK : role);
	runshow_right(y++, x + w - left, left, UI_A_NORMAL, t);
	free(t);
	y++;

	/*
	 * The counts: columns of "label  value" (three, or two on a terminal
	 * under 80 columns), filled row by row, the labels as wide as the
	 * widest in the reader's language needs (11 columns at least).
	 */
	rate = r->status == RUN_RUNNING ? p->rv->rate.rate : elapsed > 0 ?
	    (double)runview_done(r) / (double)elapsed : 0;
	/* A run over within its first second has no rate to speak of. */
	if (r->status != RUN_RUNNING && elapsed <= 0)
		snprintf(a, sizeof a, "-");
	else
		snprintf(a, sizeof a, _("%s/s"), runshow_count((uint64_t)(
		    rate + 0.5)));
	runview_duration(elapsed, b, sizeof b);
	rem = runview_remaining(r, p->rv->rate.rate);
	if (rem >= 0)
		runview_duration(rem, c, sizeof c);
	else
		snprintf(c, sizeof c, "-");
	np = 0;
	PAIR(_("Read"), CNT(r->counts.read), UI_A_NORMAL);
	PAIR(_("Accepted"), CNT(r->counts.accepted), UI_A_OK);
	PAIR(_("Duplicates"), CNT(r->counts.duplicates), UI_A_NORMAL);
	PAIR(_("Sent"), CNT(r->counts.sent), UI_A_NORMAL);
	PAIR(_("Rejected"), CNT(r->counts.rejected),
	    r->counts.rejected > 0 ? UI_A_WARN : UI_A_NORMAL);
	PAIR(_("In flight"), CNT(r->in_flight), UI_A_NORMAL);
	/*
	 * Keeping in step: a run recorded before modes existed has none of
	 * these, so its screen stays as it was.
	 */
	if (r->mode != NULL) {
		PAIR(_("Unchanged"), CNT(r->counts.unchanged),
		    UI_A_NORMAL);
		if (strcmp(r->mode, "mirror") == 0) {
			const char	*done = CNT(r->removed);
			const char	*of = CNT(r->to_remove);

			snprintf(e, sizeof e, _("%s of %s"), done, of);
			PAIR(_("Removed"), e, UI_A_NORMAL);
		} else
			PAIR(NULL, NULL, UI_A_NORMAL);
		PAIR(_("Mode"), r->mode, UI_A_NORMAL);
	}
	PAIR(_("Throughput"), a, UI_A_NORMAL);
	PAIR(_("Elapsed"), b, UI_A_NORMAL);
	PAIR(_("Remaining"), c, UI_A_NORMAL);
	ncols = w >= 75 ? 3 : 2;
	/* Two columns: the empty place of a grid of three goes. */
	for (k = 0; ncols == 2 && k < np; k++)
		if (pl[k] == NULL) {
			memmove(pl + k, pl + k + 1, (size_t)(np - k - 1) *
			    sizeof *pl);
			memmove(pv + k, pv + k + 1, (size_t)(np - k - 1) *
			    sizeof *pv);
			memmove(pr + k, pr + k + 1, (size_t)(np - k - 1) *
			    sizeof *pr);
			np--;
			k--;
		}
	gw = w / ncols;
	lw = 11;
	for (k = 0; k < np; k++)
		if (pl[k] != NULL && ui_text_width(pl[k]) + 1 > lw)
			lw = ui_text_width(pl[k]) + 1;
	/* Three columns keep the rows of three as they were. */
	for (k = 0; k < np; k++) {
		if (pl[k] != NULL)
			runshow_pair(y, x + (k % ncols) * gw, lw, gw - 3,
			    pl[k], pv[k], pr[k]);
		if (k % ncols == ncols - 1 || k == np - 1)
			y++;
	}
	t = prog_retries(r);
	y += ui_draw_wrap((struct ui_rect){ x, y, w, 2 }, UI_A_NORMAL, t) > 1 ?
	    2 : 1;
	free(t);
	y++;

	/*
	 * What is left goes to the segments and the errors: the errors get
	 * up to half of it, the segments the rest (at least their heading
	 * and one row); a taller terminal shows more of both.
	 */
	left = body.y + body.h - y;
	need = (int)r->nsegments + 1;
	errh = r->nerrors == 0 ? 1 : prog_errors_rows(r, w);
	if (errh > left / 2)
		errh = left / 2 < 3 ? 3 : left / 2;
	segh = left - errh - 1;
	if (segh > need)
		segh = need;
	if (segh < 2)
		segh = 2;
	y += runshow_segments(r, y, x, w, segh) + 1;
	y += prog_errors(r, y, x, w, body.y + body.h - y) + 1;
	prog_events(r, y, x, w, body.y + body.h - y);
}

static int
prog_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct progress		*p = (struct progress *)s;
	const struct run	*r = prog_run(p);

	switch (key) {
	case 'c':
		if (r != NULL)
			app_run_cancel_ask(p->app, r);
		return 1;
	case 's':
		if (r != NULL)
			app_run_resume_ask(p->app, r, 0);
		return 1;
	case 'a':
		if (r != NULL)
			app_run_anyway_ask(p->app, r);
		return 1;
	case 'r':
		nav_open(p->app, NAV_REJECTED, p->rv->id);
		return 1;
	case 'd':
	case UI_KEY_ENTER:
		nav_open(p->app, NAV_RUNDETAIL, p->rv->id);
		return 1;
	case UI_KEY_ESC:
		if (prog_running(p))
			ui_message(ui, UI_MSG_INFO, _("Run %s goes on in the "
			    "background; Runs shows it, and Enter there comes "
			    "back to it."), p->rv->id);
		return 0;
	}
	return 0;
}

/*
 * Look at the record a few times a second; redraw when it changed, or
 * once a second for the clock while the run runs.
 */
static int
prog_tick(struct ui_screen *s, struct ui *ui, uint64_t now)
{
	struct progress	*p = (struct progress *)s;
	int		 rc;

	if (now < p->next_poll)
		return 1;
	p->next_poll = now + (prog_running(p) ? RUNSHOW_POLL_MS :
	    PROG_OVER_POLL_MS);
	rc = runview_poll(p->rv, p->app->ws, (int64_t)now);
	if (rc != 0) {
		prog_title_set(p);
		ui_dirty(ui, UI_DIRTY_BODY | UI_DIRTY_HELP | UI_DIRTY_TITLE);
	} else if (prog_running(p) &&
	    runview_elapsed(p->rv, (int64_t)now) != p->shown)
		ui_dirty(ui, UI_DIRTY_BODY);
	return 1;
}

static size_t
prog_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct progress		*p = (struct progress *)s;
	const struct run	*r = prog_run(p);
	size_t			 n = 0;

	if (max < 5)
		return 0;
	if (r != NULL && r->status == RUN_RUNNING)
		h[n++] = (struct ui_hint){ "c", _("cancel") };
	if (r != NULL && app_run_resumable(r))
		h[n++] = (struct ui_hint){ "s", _("resume") };
	if (r != NULL && app_run_guarded(r))
		h[n++] = (struct ui_hint){ "a", _("run anyway") };
	h[n++] = (struct ui_hint){ "r", _("rejected") };
	h[n++] = (struct ui_hint){ "d", _("details") };
	h[n++] = (struct ui_hint){ "Esc", prog_running(p) ?
	    _("leave (it goes on)") : _("back") };
	return n;
}

static const char *
prog_help(struct ui_screen *s)
{
	struct progress			*p = (struct progress *)s;
	const struct dest_driver *const	*dp;
	char				*confirm = xstrdup(""), *t;

	if (p->help != NULL)
		return p->help;
	/* What the destinations that confirm their jobs say of it. */
	for (dp = dest_all(); *dp != NULL; dp++) {
		if ((*dp)->confirm_help == NULL)
			continue;
		t = xasprintf("%s %s", confirm, _((*dp)->confirm_help));
		free(confirm);
		confirm = t;
	}
	p->help = xasprintf("%s%s\n\n%s", _("A run as it goes: the bar is "
	    "the profiles done (accepted, rejected or duplicates) of the rows "
	    "the segments had when it started. Sent profiles wait for the "
	    "destination's answer; in flight are the requests waiting for "
	    "one. The throughput, in profiles a second, is smoothed over the "
	    "last seconds, and the time left follows it. Retries (a request "
	    "sent again after a timeout or a 5xx) and waits for the "
	    "destination's rate limit are normal: the run handles them. "
	    "Errors are what it could not do."), confirm, _("The run is a "
	    "process of its own: Esc leaves this screen and the run goes on, "
	    "even if you quit segsync or the connection drops. c asks it to "
	    "stop (what was sent stays sent); s resumes an interrupted, "
	    "failed or cancelled run without sending twice what was "
	    "answered; r lists the rejected records with their reasons; d "
	    "shows the run's record and timeline."));
	free(confirm);
	return p->help;
}

static void
prog_resume(struct ui_screen *s, struct ui *ui)
{
	struct progress	*p = (struct progress *)s;

	if (runview_poll(p->rv, p->app->ws, (int64_t)ui_now(ui)) != 0)
		prog_title_set(p);
	p->next_poll = 0;
}

static void
prog_free(struct ui_screen *s)
{
	struct progress	*p = (struct progress *)s;

	runview_free(&p->rv);
	free(p->title);
	free(p->help);
	free(p);
}

static const struct ui_screen_ops prog_ops = {
	.name = "progress",
	.title = prog_title,
	.draw = prog_draw,
	.key = prog_key,
	.hints = prog_hints,
	.help = prog_help,
	.resume = prog_resume,
	.tick = prog_tick,
	.free = prog_free,
	.min_cols = 60,
	.min_rows = 18,
};

struct ui_screen *
progress_new(struct app *app, const char *run_id)
{
	struct progress	*p;
	uint64_t	 now = ui_now(app->ui);

	p = xcalloc(1, sizeof *p);
	p->base.ops = &prog_ops;
	p->app = app;
	p->rv = runview_new(run_id);
	runview_poll(p->rv, app->ws, (int64_t)now);
	p->next_poll = now + RUNSHOW_POLL_MS;
	prog_title_set(p);
	return &p->base;
}

const char *
progress_run(struct ui_screen *s)
{
	return s->ops == &prog_ops ? ((struct progress *)s)->rv->id : NULL;
}
