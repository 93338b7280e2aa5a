/*
 * One run's record, to read through: the summary (what ran where, who
 * started it and when, how it ended, the counts, requests, retries and
 * waits, resources), the segments' counts, the timeline (phases,
 * resumes, interruptions, retries and waits), the errors in words and
 * the rejected records (r lists them, with the reason for each). s
 * resumes an interrupted, failed or cancelled run; a running one is
 * followed (w watches it live, c stops it).
 *
 * The text is a list of paragraphs wrapped at the width of the moment,
 * scrolled a line or a page at a time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "run/runrecord.h"
#include "run/runview.h"
#include "screens/app.h"
#include "screens/nav.h"
#include "screens/runshow.h"
#include "screens/screens.h"
#include "ui/text.h"
#include "ui/ui.h"

#define DETAIL_POLL_MS	1000

struct dpara {
	enum ui_role	 role;
	char		*text;
};

struct rundetail {
	struct ui_screen	 base;
	struct app		*app;
	struct runview		*rv;
	uint64_t		 next_poll;
	char			*title;
	struct dpara		*paras;
	size_t			 npara;
	int			 top;		/* first line shown */
	int			 lines;		/* at the last width */
	int			 page;		/* rows shown */
	int			 width;		/* the text's, when filled */
	char			 where[48];	/* "1-21 of 32" */
};

static void
dpara_add(struct rundetail *d, enum ui_role role, char *text)
{
	d->paras = xreallocarray(d->paras, d->npara + 1, sizeof *d->paras);
	d->paras[d->npara].role = role;
	d->paras[d->npara++].text = text;
}

static void
dpara_clear(struct rundetail *d)
{
	size_t	i;

	for (i = 0; i < d->npara; i++)
		free(d->paras[i].text);
	free(d->paras);
	d->paras = NULL;
	d->npara = 0;
}

/* The record as paragraphs, for text width columns wide. */
static void
detail_fill(struct rundetail *d, int64_t now, int width)
{
	const struct run	*r = d->rv->run;
	const char		*kv[2 * 20];
	char			*own[20], a[32], b[32], dur[32], *t, *what;
	size_t			 n = 0, nown = 0, i;
	long			 elapsed;

#define KV(k, v) do { kv[2 * n] = (k); kv[2 * n + 1] = (v); n++; } while (0)
#define OWN(s) (own[nown++] = (s))

	dpara_clear(d);
	d->width = width;
	free(d->title);
	d->title = xasprintf(_("Run %s"), d->rv->id);
	if (r == NULL) {
		dpara_add(d, UI_A_ERROR, xstrdup(d->rv->error != NULL ?
		    d->rv->error : "?"));
		return;
	}
	elapsed = runview_elapsed(d->rv, now);
	dpara_add(d, UI_A_HEADING, runshow_where(r));
	dpara_add(d, runshow_status_role(r), runshow_state(d->app, r,
	    elapsed));
	dpara_add(d, UI_A_NORMAL, xstrdup(""));

	KV(_("Run"), r->id);
	KV(_("Status"), r->status == RUN_RUNNING ? OWN(xasprintf(_("%s, "
	    "%s"), run_status_label(r->status), run_phase_name(r->phase))) :
	    app_run_status(r));
	snprintf(a, sizeof a, "%s", app_date(r->started_at));
	KV(_("Started"), OWN(xasprintf(r->scheduled ? _("%s by %s, by the "
	    "scheduled refresh") : _("%s by %s"), a, r->started_by)));
	KV(_("Finished"), r->finished_at != NULL ?
	    OWN(xstrdup(app_date(r->finished_at))) : "-");
	runview_duration(elapsed, dur, sizeof dur);
	KV(_("Duration"), dur);
	if (r->attempts > 1)
		KV(_("Attempts"), OWN(xasprintf(_("%u (resumed)"),
		    r->attempts)));
	KV(_("Counts"), OWN(xasprintf(_("%s of %s rows read, %s sent, %s "
	    "accepted, %s rejected, %s duplicates, %s warnings"),
	    runshow_count(r->counts.read), runshow_count(r->total_rows),
	    runshow_count(r->counts.sent), runshow_count(r->counts.accepted),
	    ui_text_count(r->counts.rejected, a, sizeof a),
	    ui_text_count(r->counts.duplicates, b, sizeof b),
	    runshow_count(r->counts.warnings))));
	if (r->mode != NULL) {
		/* Keeping in step: what the state spared and what left. */
		KV(_("Mode"), r->mode);
		KV(_("In step"), OWN(xasprintf(_("%s new, %s changed, %s "
		    "retried, %s unchanged (not sent)"),
		    runshow_count(r->counts.fresh),
		    runshow_count(r->counts.changed),
		    runshow_count(r->counts.retried),
		    runshow_count(r->counts.unchanged))));
		if (strcmp(r->mode, "mirror") == 0)
			KV(_("Removed"), OWN(r->baseline ? xstrdup(_("none: "
			    "a first run is a baseline that only adds")) :
			    app_run_guarded(r) ? xasprintf(_("none: a guard "
			    "stopped the run before %s removals"),
			    ui_text_count(r->to_remove, a, sizeof a)) :
			    xasprintf(_("%s of %s who left the segments"),
			    ui_text_count(r->removed, a, sizeof a),
			    ui_text_count(r->to_remove, b, sizeof b))));
		if (r->state_note != NULL)
			KV("", r->state_note);
	}
	KV(_("Requests"), OWN(xasprintf(_("%s, %s retried (%s answered "
	    "429), %s waits for the rate limit, %u in flight"),
	    runshow_count(r->requests), runshow_count(r->retries),
	    runshow_count(r->throttled), runshow_count(r->rate_waits),
	    r->in_flight)));
	KV(_("Resources"), OWN(xasprintf(_("%.2f CPU seconds, %s KiB of "
	    "memory at most"), r->cpu_seconds, runshow_count(
	    (uint64_t)r->peak_rss_kb))));
	KV(_("Connection"), r->connection_name);
	dpara_add(d, UI_A_NORMAL, app_kv(kv, n, width));
	for (i = 0; i < nown; i++)
		free(own[i]);
#undef KV
#undef OWN

	dpara_add(d, UI_A_NORMAL, xstrdup(""));
	dpara_add(d, UI_A_HEADING, xstrdup(_("Segments")));
	for (i = 0; i < r->nsegments; i++)
		dpara_add(d, UI_A_NORMAL, xasprintf(_("\"%s\": %s rows; %s "
		    "read, %s accepted, %s rejected, %s duplicates."),
		    r->segments[i].name, runshow_count(r->segments[i].rows),
		    runshow_count(r->segments[i].counts.read),
		    runshow_count(r->segments[i].counts.accepted),
		    ui_text_count(r->segments[i].counts.rejected, a, sizeof a),
		    ui_text_count(r->segments[i].counts.duplicates, b,
		    sizeof b)));

	dpara_add(d, UI_A_NORMAL, xstrdup(""));
	dpara_add(d, UI_A_HEADING, xstrdup(_("Timeline")));
	for (i = 0; i < r->nevents; i++) {
		snprintf(a, sizeof a, "%s", app_date(r->events[i].at));
		what = run_event_text(&r->events[i]);
		dpara_add(d, UI_A_NORMAL, xasprintf("%s:%.2s  %s", a,
		    strlen(r->events[i].at) >= APP_RFC3339_SECS_END ?
		    r->events[i].at + APP_RFC3339_SECS : "00", what));
		free(what);
	}
	if (r->nevents == 0)
		dpara_add(d, UI_A_DIM, xstrdup(_("Nothing recorded.")));

	dpara_add(d, UI_A_NORMAL, xstrdup(""));
	dpara_add(d, UI_A_HEADING, xstrdup(_("Errors")));
	for (i = 0; i < r->nerrors; i++) {
		char	*e = run_error_text(r, i);

		dpara_add(d, UI_A_ERROR, xasprintf("%s %s",
		    ui_glyph(UI_G_FAIL), e));
		free(e);
	}
	if (r->nerrors == 0)
		dpara_add(d, UI_A_DIM, xstrdup(_("None.")));

	dpara_add(d, UI_A_NORMAL, xstrdup(""));
	dpara_add(d, UI_A_HEADING, xstrdup(_("Rejected records")));
	t = r->counts.rejected == 0 ? xstrdup(_("None.")) :
	    xasprintf(_("%s profiles were rejected: r lists them, with the "
	    "reason for each."), runshow_count(r->counts.rejected));
	dpara_add(d, r->counts.rejected == 0 ? UI_A_DIM : UI_A_NORMAL, t);
	if (app_run_resumable(r)) {
		dpara_add(d, UI_A_NORMAL, xstrdup(""));
		dpara_add(d, UI_A_NORMAL, xstrdup(_("s resumes the run: it "
		    "sends what the destination has not answered yet, and "
		    "nothing twice.")));
	}
}

static const char *
detail_title(struct ui_screen *s)
{
	return ((struct rundetail *)s)->title;
}

static void
detail_draw(struct ui_screen *s, struct ui *ui, struct ui_rect body)
{
	struct rundetail	*d = (struct rundetail *)s;
	struct ui_line		*lines;
	size_t			 i, n, k;
	int			 w = body.w - 4, y = 0, total = 0;

	if (w != d->width)
		detail_fill(d, (int64_t)ui_now(ui), w);
	for (i = 0; i < d->npara; i++)
		total += d->paras[i].text[0] == '\0' ? 1 :
		    (int)ui_text_wrap(d->paras[i].text, w, NULL, 0);
	d->lines = total;
	d->page = body.h;
	if (d->top > total - body.h)
		d->top = total - body.h;
	if (d->top < 0)
		d->top = 0;
	for (i = 0; i < d->npara && y - d->top < body.h; i++) {
		if (d->paras[i].text[0] == '\0') {
			y++;
			continue;
		}
		n = ui_text_wrap(d->paras[i].text, w, NULL, 0);
		lines = xcalloc(n + 1, sizeof *lines);
		ui_text_wrap(d->paras[i].text, w, lines, n);
		for (k = 0; k < n; k++, y++) {
			if (y < d->top || y - d->top >= body.h)
				continue;
			ui_draw_ntext(body.y + y - d->top, body.x + 2, w,
			    d->paras[i].role, d->paras[i].text + lines[k].off,
			    lines[k].len, 0);
		}
		free(lines);
	}
	if (total > body.h)
		snprintf(d->where, sizeof d->where, _("scroll, %d-%d of %d"),
		    d->top + 1, d->top + body.h < total ? d->top + body.h :
		    total, total);
	else
		snprintf(d->where, sizeof d->where, "%s", _("scroll"));
}

static int
detail_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct rundetail	*d = (struct rundetail *)s;
	const struct run	*r = d->rv->run;
	int			 page = d->page > 2 ? d->page - 1 : 1;

	(void)ui;
	switch (key) {
	case UI_KEY_UP:
		d->top--;
		break;
	case UI_KEY_DOWN:
	case ' ':
		d->top += key == ' ' ? page : 1;
		break;
	case UI_KEY_PGUP:
		d->top -= page;
		break;
	case UI_KEY_PGDN:
		d->top += page;
		break;
	case UI_KEY_HOME:
		d->top = 0;
		break;
	case UI_KEY_END:
		d->top = d->lines;
		break;
	case 'r':
		nav_open(d->app, NAV_REJECTED, d->rv->id);
		return 1;
	case 's':
		if (r != NULL)
			app_run_resume_ask(d->app, r, 1);
		return 1;
	case 'a':
		if (r != NULL)
			app_run_anyway_ask(d->app, r);
		return 1;
	case 'c':
		if (r != NULL)
			app_run_cancel_ask(d->app, r);
		return 1;
	case 'w':
		nav_open(d->app, NAV_PROGRESS, d->rv->id);
		return 1;
	default:
		return 0;
	}
	if (d->top < 0)
		d->top = 0;
	return 1;
}

static int
detail_tick(struct ui_screen *s, struct ui *ui, uint64_t now)
{
	struct rundetail	*d = (struct rundetail *)s;

	if (now < d->next_poll)
		return 1;
	d->next_poll = now + DETAIL_POLL_MS;
	if (runview_poll(d->rv, d->app->ws, (int64_t)now) != 0) {
		detail_fill(d, (int64_t)now, d->width);
		ui_dirty(ui, UI_DIRTY_BODY | UI_DIRTY_HELP | UI_DIRTY_TITLE);
	}
	return 1;
}

static size_t
detail_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct rundetail	*d = (struct rundetail *)s;
	const struct run	*r = d->rv->run;
	size_t			 n = 0;

	if (max < 6)
		return 0;
	h[n++] = (struct ui_hint){ "Up/Down", d->where[0] != '\0' ?
	    d->where : _("scroll") };
	h[n++] = (struct ui_hint){ "r", _("rejected") };
	if (r != NULL && app_run_resumable(r))
		h[n++] = (struct ui_hint){ "s", _("resume") };
	if (r != NULL && app_run_guarded(r))
		h[n++] = (struct ui_hint){ "a", _("run anyway") };
	if (r != NULL && r->status == RUN_RUNNING) {
		h[n++] = (struct ui_hint){ "w", _("watch live") };
		h[n++] = (struct ui_hint){ "c", _("cancel") };
	}
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
detail_help(struct ui_screen *s)
{
	(void)s;
	return _("Everything a run recorded: what ran where, who started it "
	    "and when, how it ended, its counts and requests, and its "
	    "timeline: phases, resumes, interruptions, retries and waits for "
	    "the destination's rate limit (retries and waits are normal; "
	    "errors are what the run could not do). r lists the rejected "
	    "records with the reason for each. s resumes an interrupted, "
	    "failed or cancelled run: it sends only what the destination has "
	    "not answered, from the same segment files. 'segsync runs show "
	    "ID' prints the same record.");
}

static void
detail_resume(struct ui_screen *s, struct ui *ui)
{
	struct rundetail	*d = (struct rundetail *)s;

	if (runview_poll(d->rv, d->app->ws, (int64_t)ui_now(ui)) != 0)
		detail_fill(d, (int64_t)ui_now(ui), d->width);
	d->next_poll = 0;
}

static void
detail_free(struct ui_screen *s)
{
	struct rundetail	*d = (struct rundetail *)s;

	runview_free(&d->rv);
	dpara_clear(d);
	free(d->title);
	free(d);
}

static const struct ui_screen_ops detail_ops = {
	.name = "rundetail",
	.title = detail_title,
	.draw = detail_draw,
	.key = detail_key,
	.hints = detail_hints,
	.help = detail_help,
	.resume = detail_resume,
	.tick = detail_tick,
	.free = detail_free,
};

struct ui_screen *
rundetail_new(struct app *app, const char *run_id)
{
	struct rundetail	*d;
	uint64_t		 now = ui_now(app->ui);

	d = xcalloc(1, sizeof *d);
	d->base.ops = &detail_ops;
	d->app = app;
	d->rv = runview_new(run_id);
	runview_poll(d->rv, app->ws, (int64_t)now);
	d->next_poll = now + DETAIL_POLL_MS;
	detail_fill(d, (int64_t)now, ui_layout(app->ui)->cols - 4);
	return &d->base;
}

const char *
rundetail_run(struct ui_screen *s)
{
	return s->ops == &detail_ops ? ((struct rundetail *)s)->rv->id : NULL;
}
