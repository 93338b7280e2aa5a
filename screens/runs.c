/*
 * Runs: every run of the exports the member may see, newest first, with
 * its export, destination, status, who started it, when, how long it
 * took and its counts; filters by export (e) and by status (f), picked
 * from small lists and cleared with x, and a
 * search typed after '/' that narrows the table as it is typed. Beneath
 * the table, the selected run's progress and latest error.
 *
 * The table follows the runs folder through a runview_list: a run started
 * anywhere (segsync run --detach, cron, another session) appears within a
 * second, running ones move, and a record is parsed again only when its
 * file changed. Enter opens a running run's progress screen (the same as
 * for a run started here) and a finished run's record; c cancels.
 */
#include "config.h"

#include <ctype.h>
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
#include "ui/widget.h"

#define RUNS_DETAIL_ROWS	6
#define RUNS_POLL_MS		500	/* while a run runs */
#define RUNS_IDLE_POLL_MS	1000	/* for runs started elsewhere */
#define RUNS_WIDE		110	/* columns for the wide table */
#define RUNS_SMALL		78	/* under it, the small one */
#define RUNS_STATUS_ALL		(-1)

struct runs {
	struct ui_screen	 base;
	struct app		*app;
	struct runview_list	 hist;
	struct ui_list		 list;		/* keys: run ids */
	size_t			 nvisible;	/* before the filters */
	char			*error;
	uint64_t		 next_poll;
	int			 wide;
	int			 small;		/* who and how long go */
	char			*f_export;	/* NULL: every export */
	int			 f_status;
	int			 searching;
	char			 search[UI_SEARCH_MAX];
	/* The exports the open picker shows: a new run may come meanwhile. */
	char			**picked;
	size_t			 npicked;
};

static const struct run *
runs_selected(const struct runs *rs)
{
	struct runview	*v;

	v = runview_list_find(&rs->hist, ui_list_selected_key(&rs->list));
	return v != NULL ? v->run : NULL;
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Case-insensitive (ASCII) substring. */
static int
contains(const char *hay, const char *needle)
{
	size_t	n = strlen(needle), i, j;

	if (hay == NULL)
		return 0;
	for (i = 0; hay[i] != '\0'; i++) {
		for (j = 0; j < n && hay[i + j] != '\0' &&
		    tolower((unsigned char)hay[i + j]) ==
		    tolower((unsigned char)needle[j]); j++)
			;
		if (j == n)
			return 1;
	}
	return n == 0;
}

static int
runs_match(const struct runs *rs, const struct run *r)
{
	if (rs->f_export != NULL && strcmp(r->export_name, rs->f_export) != 0)
		return 0;
	if (rs->f_status != RUNS_STATUS_ALL && (int)r->status != rs->f_status)
		return 0;
	if (rs->search[0] == '\0')
		return 1;
	return contains(r->export_name, rs->search) ||
	    contains(r->id, rs->search) ||
	    contains(runshow_dest(r), rs->search) ||
	    contains(run_status_label(r->status), rs->search) ||
	    contains(r->started_by, rs->search) ||
	    contains(r->connection_name, rs->search) ||
	    contains(r->target, rs->search) ||
	    contains(app_date(r->started_at), rs->search);
}

/*
 * The table's columns, for this width: the destination needs the wide
 * table's room; narrow, the selected run's details name it.
 */
static void
runs_columns(struct runs *rs)
{
	int	n = rs->wide ? 8 : rs->small ? 5 : 7, c = 0, first_fit;

	ui_list_free(&rs->list);
	ui_list_init(&rs->list, UI_LIST_TABLE, n);
	ui_list_column(&rs->list, c++, _("STARTED"), rs->wide ? 16 : 11, 0);
	ui_list_middle(&rs->list, c);
	ui_list_column(&rs->list, c++, _("EXPORT"), 8, 2);
	if (rs->wide)
		ui_list_column(&rs->list, c++, _("TO"), 18, 0);
	first_fit = c;
	ui_list_column(&rs->list, c++, _("STATUS"), 0, 0);
	if (!rs->small) {
		ui_list_column(&rs->list, c++, _("BY"), 0, rs->wide ? 1 : 0);
		ui_list_column(&rs->list, c++, rs->wide ? _("DURATION") :
		    _("TIME"), 0, 0);
	}
	ui_list_column(&rs->list, c++, _("ACCEPTED"), 0, 0);
	ui_list_column(&rs->list, c++, _("REJECTED"), 0, 0);
	/* Wide, who started a run shares what is left with the names. */
	for (c = first_fit; c < n; c++)
		if (!rs->wide || c != first_fit + 1)
			ui_list_fit(&rs->list, c);
}

/*
 * A date without its year, for a narrow table: "11-22 18:19" from
 * "2026-11-22 18:19", and "22/11 18:19" from the French "22/11/2026 18:19":
 * the year is not always first, so it is found, with the separator that
 * ties it to the day and month.
 */
static void
runs_date_short(char *s)
{
	size_t	i, len = strlen(s);

	for (i = 0; i + 4 <= len; i++) {
		if ((i > 0 && isdigit((unsigned char)s[i - 1])) ||
		    !isdigit((unsigned char)s[i]) ||
		    !isdigit((unsigned char)s[i + 1]) ||
		    !isdigit((unsigned char)s[i + 2]) ||
		    !isdigit((unsigned char)s[i + 3]) ||
		    (i + 4 < len && isdigit((unsigned char)s[i + 4])))
			continue;
		if (i == 0 && len > 4 && ispunct((unsigned char)s[4]))
			memmove(s, s + 5, len - 4);
		else if (i > 0 && ispunct((unsigned char)s[i - 1]))
			memmove(s + i - 1, s + i + 4, len - i - 3);
		return;
	}
}

static void
runs_fill(struct runs *rs, const char *select)
{
	const struct run	*r;
	const char		*cells[UI_LIST_COLS];
	char			*keep, when[32], dur[16], acc[32], rej[32];
	size_t			 i;
	int			 c, status;

	keep = select != NULL ? xstrdup(select) :
	    ui_list_selected_key(&rs->list) != NULL ?
	    xstrdup(ui_list_selected_key(&rs->list)) : NULL;
	ui_list_clear(&rs->list);
	rs->nvisible = 0;
	for (i = 0; i < rs->hist.n; i++) {
		r = rs->hist.v[i]->run;
		if (r == NULL || !app_run_visible(rs->app, r))
			continue;
		rs->nvisible++;
		if (!runs_match(rs, r))
			continue;
		/* "2026-11-22 18:19", or "11-22 18:19" when narrow. */
		snprintf(when, sizeof when, "%s", app_date(r->started_at));
		if (!rs->wide)
			runs_date_short(when);
		runview_duration(runview_elapsed(rs->hist.v[i],
		    (int64_t)ui_now(rs->app->ui)), dur, sizeof dur);
		c = 0;
		cells[c++] = when;
		cells[c++] = r->export_name;
		if (rs->wide)
			cells[c++] = runshow_dest(r);
		status = c;
		cells[c++] = app_run_guarded(r) ? _("guard stop") :
		    run_status_label(r->status);
		if (!rs->small) {
			cells[c++] = r->started_by;
			cells[c++] = dur;
		}
		cells[c++] = ui_text_count(r->counts.accepted, acc, sizeof acc);
		cells[c++] = ui_text_count(r->counts.rejected, rej, sizeof rej);
		ui_list_tint(&rs->list, ui_list_add_key(&rs->list, cells,
		    r->id), status, runshow_status_role(r));
	}
	if (ui_list_select_key(&rs->list, keep) != 0 && rs->list.n > 0)
		rs->list.sel = 0;
	free(keep);
	rs->list.empty = rs->nvisible == 0 ? _("No export has run yet. Start "
	    "one from Exports (r runs the selected export now); runs started "
	    "with 'segsync run' or by scheduled refreshes from cron or a "
	    "systemd timer show here too, live.") : _("No run matches: e and "
	    "f change the filters, / the search.");
}

/* Read the folder of runs again; 1 when the table changed. */
static int
runs_poll(struct runs *rs, uint64_t now)
{
	char	*cause = NULL;
	int	 rc;

	rc = runview_list_poll(&rs->hist, rs->app->ws, (int64_t)now, &cause);
	if (rc == -1) {
		free(rs->error);
		rs->error = app_sentence(cause);
		return 1;
	}
	if (rc == 1) {
		xfree(&rs->error);
		rs->app->nruns = rs->hist.n;
		runs_fill(rs, NULL);
	}
	return rc;
}

static int
any_running(const struct runs *rs)
{
	size_t	i;

	for (i = 0; i < rs->hist.n; i++)
		if (rs->hist.v[i]->run != NULL &&
		    rs->hist.v[i]->run->status == RUN_RUNNING)
			return 1;
	return 0;
}

static const char *
runs_title(struct ui_screen *s)
{
	(void)s;
	return _("Runs");
}

/* The filters' line: what the table shows. */
static void
runs_draw_filters(struct runs *rs, int y, int x, int w)
{
	char	*t;
	int	 used;

	if (rs->nvisible == 0)
		return;
	t = xasprintf(_("Export: %s   Status: %s"), rs->f_export != NULL ?
	    rs->f_export : _("all"), rs->f_status == RUNS_STATUS_ALL ?
	    _("all") : run_status_label((enum run_status)rs->f_status));
	used = ui_draw_text(y, x, w, UI_A_NORMAL, t);
	free(t);
	if (rs->searching || rs->search[0] != '\0') {
		used += 3;
		used += ui_draw_text(y, x + used, w - used, rs->searching ?
		    UI_A_WARN : UI_A_NORMAL, _("Search:"));
		used++;
		used += ui_draw_text(y, x + used, w - used, rs->searching ?
		    UI_A_FIELD_FOCUS : UI_A_NORMAL, rs->search);
		if (rs->searching)
			ui_cursor(y, x + used);
	}
	t = xasprintf(_("%zu of %zu"), rs->list.n, rs->nvisible);
	runshow_right(y, x, w, UI_A_DIM, t);
	free(t);
}

/* The selected run beneath the table. */
static void
runs_draw_detail(struct runs *rs, const struct run *r, struct ui_rect d)
{
	struct runview	*v = runview_list_find(&rs->hist, r->id);
	char		*t, a[32];
	int		 x = d.x + 2, w = d.w - 3, y = d.y;
	long		 elapsed = v != NULL ? runview_elapsed(v,
			    (int64_t)ui_now(rs->app->ui)) : 0;

	snprintf(a, sizeof a, _("%s of %s done"), runshow_count(
	    runview_done(r)), runshow_count(r->total_rows));
	runshow_bar(y, x, w - ui_text_width(a) - 2, runview_fraction(r),
	    r->status == RUN_RUNNING ? UI_A_OK :
	    runshow_status_role(r));
	runshow_right(y++, x, w, UI_A_NORMAL, a);
	t = runshow_where(r);
	ui_draw_text(y++, x, w, UI_A_NORMAL, t);
	free(t);
	t = runshow_state(rs->app, r, elapsed);
	ui_draw_text(y++, x, w, runshow_status_role(r), t);
	free(t);
	t = xasprintf(_("Read %s, sent %s, accepted %s, rejected %s, "
	    "duplicates %s; %s retries, %s waits for the rate limit."),
	    runshow_count(r->counts.read), runshow_count(r->counts.sent),
	    runshow_count(r->counts.accepted),
	    runshow_count(r->counts.rejected), ui_text_count(
	    r->counts.duplicates, a, sizeof a), runshow_count(r->retries),
	    runshow_count(r->rate_waits));
	if (rs->small) {
		/* The table has no room for who: said here. */
		char	*u = xasprintf(_("Started by %s. %s"), r->started_by, t);

		free(t);
		t = u;
	}
	y += ui_draw_wrap((struct ui_rect){ x, y, w, 2 }, UI_A_DIM, t) > 1 ?
	    2 : 1;
	free(t);
	if (r->nerrors > 0 && y < d.y + d.h) {
		char	*e = run_error_text(r, r->nerrors - 1);

		t = xasprintf("%s %s", ui_glyph(UI_G_FAIL), e);
		free(e);
		ui_draw_text(y, x, w, UI_A_ERROR, t);
		free(t);
	}
}

static void
runs_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct runs		*rs = (struct runs *)s;
	const struct run	*run;
	int			 h = 0, wide = r.w >= RUNS_WIDE;
	int			 small = r.w < RUNS_SMALL;

	(void)ui;
	if (wide != rs->wide || small != rs->small) {
		rs->wide = wide;
		rs->small = small;
		runs_columns(rs);
		runs_fill(rs, NULL);
	}
	if (rs->error != NULL)
		h = ui_draw_wrap((struct ui_rect){ r.x + 2, r.y, r.w - 3, 2 },
		    UI_A_ERROR, rs->error);
	runs_draw_filters(rs, r.y + h, r.x + 2, r.w - 3);
	h++;
	run = runs_selected(rs);
	ui_list_draw(&rs->list, (struct ui_rect){ r.x, r.y + h, r.w,
	    r.h - h - (run != NULL ? RUNS_DETAIL_ROWS : 0) }, !rs->searching);
	if (run != NULL)
		runs_draw_detail(rs, run, (struct ui_rect){ r.x, r.y + r.h -
		    RUNS_DETAIL_ROWS + 1, r.w, RUNS_DETAIL_ROWS - 1 });
	if (rs->searching)
		runs_draw_filters(rs, r.y + h - 1, r.x + 2, r.w - 3);
}

/* The export names of the history, each once, sorted; malloc'd array. */
static char **
export_names(const struct runs *rs, size_t *np)
{
	const char	*name;
	char		**v = NULL;
	size_t		 i, j, n = 0;

	for (i = 0; i < rs->hist.n; i++) {
		if (rs->hist.v[i]->run == NULL ||
		    !app_run_visible(rs->app, rs->hist.v[i]->run))
			continue;
		name = rs->hist.v[i]->run->export_name;
		for (j = 0; j < n && strcmp(v[j], name) != 0; j++)
			;
		if (j < n)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrdup(name);
	}
	if (n > 0)
		qsort(v, n, sizeof *v, strp_cmp);
	*np = n;
	return v;
}

/* The picker of 'e': every export, "all" first. */
static void
runs_export_chosen(struct ui *ui, void *arg, int i)
{
	struct runs	*rs = arg;

	(void)ui;
	if (i < 0)
		return;
	xfree(&rs->f_export);
	if (i > 0 && (size_t)i <= rs->npicked)
		rs->f_export = xstrdup(rs->picked[i - 1]);
	runs_fill(rs, NULL);
}

static void
runs_picked_free(struct runs *rs)
{
	size_t	k;

	for (k = 0; k < rs->npicked; k++)
		free(rs->picked[k]);
	free(rs->picked);
	rs->picked = NULL;
	rs->npicked = 0;
}

static void
runs_pick_export(struct runs *rs)
{
	char		**v;
	const char	**items;
	size_t		 n, k;
	int		 sel = 0;

	runs_picked_free(rs);
	v = rs->picked = export_names(rs, &n);
	rs->npicked = n;
	items = xcalloc(n + 1, sizeof *items);
	items[0] = _("All exports");
	for (k = 0; k < n; k++) {
		items[k + 1] = v[k];
		if (rs->f_export != NULL && strcmp(v[k], rs->f_export) == 0)
			sel = (int)k + 1;
	}
	ui_choose(rs->app->ui, _("Runs of which export?"), items, (int)n + 1,
	    sel, runs_export_chosen, rs);
	free(items);
}

/* The picker of 'f': "all", then each status, in their order. */
static void
runs_status_chosen(struct ui *ui, void *arg, int i)
{
	struct runs	*rs = arg;

	(void)ui;
	if (i < 0)
		return;
	rs->f_status = i == 0 ? RUNS_STATUS_ALL : i - 1;
	runs_fill(rs, NULL);
}

static void
runs_pick_status(struct runs *rs)
{
	const char	*items[RUN_INTERRUPTED + 2];
	int		 k;

	items[0] = _("All statuses");
	for (k = RUN_RUNNING; k <= RUN_INTERRUPTED; k++)
		items[k + 1] = run_status_label((enum run_status)k);
	ui_choose(rs->app->ui, _("Runs with which status?"), items,
	    RUN_INTERRUPTED + 2, rs->f_status == RUNS_STATUS_ALL ? 0 :
	    rs->f_status + 1, runs_status_chosen, rs);
}

static int
runs_search_key(struct runs *rs, int key)
{
	char	enc[4];
	size_t	len = strlen(rs->search), n;

	if (key == UI_KEY_ENTER) {
		rs->searching = 0;
		return 1;
	}
	if (key == UI_KEY_ESC) {
		rs->searching = 0;
		rs->search[0] = '\0';
	} else if (key == UI_KEY_BACKSPACE) {
		if (len == 0)
			rs->searching = 0;
		else
			rs->search[ui_text_prev(rs->search, len)] = '\0';
	} else if (key == UI_KEY_UP || key == UI_KEY_DOWN) {
		ui_list_key(&rs->list, key);
		return 1;
	} else if (UI_KEY_PRINTABLE(key)) {
		n = ui_text_encode((uint32_t)key, enc);
		if (len + n < sizeof rs->search) {
			memcpy(rs->search + len, enc, n);
			rs->search[len + n] = '\0';
		}
	} else
		return 1;
	runs_fill(rs, NULL);
	return 1;
}

static int
runs_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct runs		*rs = (struct runs *)s;
	const struct run	*r = runs_selected(rs);

	(void)ui;
	if (rs->searching)
		return runs_search_key(rs, key);
	switch (key) {
	case '/':
		rs->searching = 1;
		return 1;
	case 'e':
		runs_pick_export(rs);
		return 1;
	case 'f':
		runs_pick_status(rs);
		return 1;
	case 'x':
		/* Every filter and the search go at once. */
		rs->search[0] = '\0';
		xfree(&rs->f_export);
		rs->f_status = RUNS_STATUS_ALL;
		runs_fill(rs, NULL);
		return 1;
	case 'c':
		if (r != NULL)
			app_run_cancel_ask(rs->app, r);
		return 1;
	case 's':
		if (r != NULL)
			app_run_resume_ask(rs->app, r, 1);
		return 1;
	case 'r':
		if (r != NULL)
			nav_open(rs->app, NAV_REJECTED, r->id);
		return 1;
	case 'd':
		if (r != NULL)
			nav_open(rs->app, NAV_RUNDETAIL, r->id);
		return 1;
	case 'w':
		if (r != NULL)
			nav_open(rs->app, NAV_PROGRESS, r->id);
		return 1;
	case UI_KEY_ENTER:
		if (r == NULL)
			return 1;
		if (r->status == RUN_RUNNING)
			nav_open(rs->app, NAV_PROGRESS, r->id);
		else
			nav_open(rs->app, NAV_RUNDETAIL, r->id);
		return 1;
	case UI_KEY_ESC:
		if (rs->search[0] != '\0' || rs->f_export != NULL ||
		    rs->f_status != RUNS_STATUS_ALL) {
			/* Esc clears the filters first, then goes back. */
			rs->search[0] = '\0';
			xfree(&rs->f_export);
			rs->f_status = RUNS_STATUS_ALL;
			runs_fill(rs, NULL);
			return 1;
		}
		return 0;
	case UI_KEY_TAB:
		key = UI_KEY_DOWN;
		break;
	case UI_KEY_BTAB:
		key = UI_KEY_UP;
		break;
	}
	return ui_list_key(&rs->list, key) != UI_W_IGNORED ||
	    key == UI_KEY_UP || key == UI_KEY_DOWN;
}

/*
 * Follow the folder of runs: twice a second while one runs, every second
 * otherwise (for runs started elsewhere); redraw only when the table
 * changed, or once a second for the clocks of running runs.
 */
static int
runs_tick(struct ui_screen *s, struct ui *ui, uint64_t now)
{
	struct runs	*rs = (struct runs *)s;
	int		 running = any_running(rs);

	if (now < rs->next_poll)
		return 1;
	rs->next_poll = now + (running ? RUNS_POLL_MS : RUNS_IDLE_POLL_MS);
	if (runs_poll(rs, now) != 0 || running) {
		if (running)
			runs_fill(rs, NULL);
		ui_dirty(ui, UI_DIRTY_BODY | UI_DIRTY_HELP);
	}
	return 1;
}

static size_t
runs_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct runs		*rs = (struct runs *)s;
	const struct run	*r = runs_selected(rs);
	size_t			 n = 0;

	if (max < 7)
		return 0;
	if (rs->searching) {
		h[n++] = (struct ui_hint){ "Enter", _("keep the search") };
		h[n++] = (struct ui_hint){ "Esc", _("clear it") };
		return n;
	}
	if (r != NULL)
		h[n++] = (struct ui_hint){ "Enter", r->status == RUN_RUNNING ?
		    _("watch") : _("open") };
	if (r != NULL && r->status == RUN_RUNNING)
		h[n++] = (struct ui_hint){ "c", _("cancel") };
	if (r != NULL && app_run_resumable(r))
		h[n++] = (struct ui_hint){ "s", _("resume") };
	if (rs->nvisible > 0) {
		h[n++] = (struct ui_hint){ "e", _("export") };
		h[n++] = (struct ui_hint){ "f", _("status") };
		h[n++] = (struct ui_hint){ "/", _("search") };
		if (rs->f_export != NULL || rs->f_status != RUNS_STATUS_ALL ||
		    rs->search[0] != '\0')
			h[n++] = (struct ui_hint){ "x", _("clear filters") };
	}
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
runs_help(struct ui_screen *s)
{
	(void)s;
	return _("Every run of the exports you may use, newest first: when it "
	    "started and who started it, the export, the destination, how it "
	    "ended (or that it runs), how long it took and what was "
	    "accepted. Runs started anywhere show here: from this screen, "
	    "with 'segsync run', from another session or by a scheduled "
	    "refresh; running ones move live.\n\nEnter watches a running "
	    "run, or opens a finished one's record (summary, timeline, "
	    "errors); w shows the progress screen of either, d the record, r "
	    "the rejected records. "
	    "c stops a running run; s resumes an interrupted, failed or "
	    "cancelled one. e picks the export whose runs show, f the status, "
	    "and / searches as you type (Enter keeps the search, Esc clears "
	    "it); x clears the filters and the search at once, and so does "
	    "Esc before it goes back.");
}

static void
runs_resume(struct ui_screen *s, struct ui *ui)
{
	struct runs	*rs = (struct runs *)s;

	runs_poll(rs, ui_now(ui));
	rs->next_poll = 0;
}

static void
runs_free(struct ui_screen *s)
{
	struct runs	*rs = (struct runs *)s;

	ui_list_free(&rs->list);
	runview_list_free(&rs->hist);
	runs_picked_free(rs);
	free(rs->error);
	free(rs->f_export);
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
	.min_cols = 60,
	.min_rows = 18,
};

struct ui_screen *
runs_new(struct app *app, const char *select)
{
	struct runs	*rs;
	uint64_t	 now = ui_now(app->ui);

	rs = xcalloc(1, sizeof *rs);
	rs->base.ops = &runs_ops;
	rs->app = app;
	rs->f_status = RUNS_STATUS_ALL;
	rs->wide = ui_layout(app->ui)->cols >= RUNS_WIDE;
	runs_columns(rs);
	runs_poll(rs, now);
	runs_fill(rs, select);
	rs->next_poll = now + RUNS_IDLE_POLL_MS;
	return &rs->base;
}
