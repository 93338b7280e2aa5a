/*
 * A run's rejected records (runs/<id>/rejects.csv): segment, line,
 * identifier and the reason for each, scrolled through a page at a time
 * whatever the size of the file (src/data/rejreader.h: the file is indexed a
 * budget of bytes per tick, and only the rows on screen are read). The
 * selected record's reason shows whole beneath the table. While the run
 * runs, records it adds appear. f keeps one reason's records (picked
 * from those counted), / those holding what is typed, x all again: the
 * reader keeps an index of its own for what the filter keeps.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "data/rejreader.h"
#include "run/runrecord.h"
#include "screens/app.h"
#include "screens/runshow.h"
#include "screens/screens.h"
#include "ui/layout.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"

#define REJ_BUDGET		(4u * 1024 * 1024)	/* indexed per tick */
#define REJ_FIRST_BUDGET	(4u * 1024 * 1024)
#define REJ_END_BUDGET		(64u * 1024 * 1024)	/* for End */
#define REJ_RESCAN_MS		1000
#define REJ_PAGE_MAX		256
#define REJ_DETAIL_ROWS		4

struct rejected {
	struct ui_screen	 base;
	struct app		*app;
	char			*id;
	char			*title;
	char			*export_name;
	struct rejreader		*rr;
	char			*error;
	int			 complete;	/* indexed to the end */
	uint64_t		 next_scan;
	uint64_t		 top;
	uint64_t		 sel;
	int			 at_end;	/* End: follow the last row */
	int			 rows;		/* table rows, last drawn */
	struct rejreader_row	 page[REJ_PAGE_MAX];
	size_t			 npage;
	uint64_t		 page_first;
	uint64_t		 page_count;	/* rejreader_count() then */
	int			 page_ok;
	char			*f_reason;	/* NULL: every reason */
	char			**picked;	/* the reasons the picker shows */
	size_t			 npicked;
	int			 searching;	/* typing after '/' */
	char			 search[UI_SEARCH_MAX];
};

static void
rej_page_drop(struct rejected *j)
{
	rejreader_rows_clear(j->page, j->npage);
	j->npage = 0;
	j->page_ok = 0;
}

/* Index some more; 1 when the count changed. */
static int
rej_scan(struct rejected *j, size_t budget)
{
	uint64_t	before;
	char		*cause = NULL;
	int		 r;

	if (j->rr == NULL)
		return 0;
	before = rejreader_count(j->rr);
	r = rejreader_scan(j->rr, budget, &cause);
	if (r == -1) {
		free(j->error);
		j->error = cause;
		return 1;
	}
	j->complete = r == 1;
	if (rejreader_count(j->rr) < before)
		rej_page_drop(j);
	return rejreader_count(j->rr) != before;
}

/* The filter (reason, search) as it stands now, indexed from the start. */
static void
rej_apply(struct rejected *j)
{
	if (j->rr == NULL)
		return;
	rejreader_filter(j->rr, j->f_reason, j->search);
	rej_page_drop(j);
	j->sel = j->top = 0;
	j->at_end = 0;
	rej_scan(j, REJ_FIRST_BUDGET);
}

static void
rej_reason_chosen(struct ui *ui, void *arg, int i)
{
	struct rejected	*j = arg;

	(void)ui;
	if (i < 0 || j->rr == NULL)
		return;
	free(j->f_reason);
	j->f_reason = i > 0 && (size_t)i <= j->npicked ?
	    xstrdup(j->picked[i - 1]) : NULL;
	rej_apply(j);
}

static void
rej_picked_free(struct rejected *j)
{
	size_t	k;

	for (k = 0; k < j->npicked; k++)
		free(j->picked[k]);
	free(j->picked);
	j->picked = NULL;
	j->npicked = 0;
}

/* f: the reasons counted so far, each with how many, "all" first. */
static void
rej_pick_reason(struct rejected *j)
{
	const struct rejreader_reason	*rs;
	const char			**items;
	char				**own, num[32];
	size_t				 n, k;
	int				 sel = 0;

	/* Kept as shown: a rescan may change the reader's list meanwhile. */
	rej_picked_free(j);
	rs = rejreader_reasons(j->rr, &n);
	j->picked = xcalloc(n + 1, sizeof *j->picked);
	for (k = 0; k < n; k++)
		j->picked[k] = xstrdup(rs[k].reason);
	j->npicked = n;
	items = xcalloc(n + 1, sizeof *items);
	own = xcalloc(n + 1, sizeof *own);
	items[0] = _("All reasons");
	for (k = 0; k < n; k++) {
		own[k] = xasprintf(_("%s (%s)"), rs[k].reason, ui_text_count(
		    rs[k].count, num, sizeof num));
		items[k + 1] = own[k];
		if (j->f_reason != NULL && strcmp(j->f_reason,
		    rs[k].reason) == 0)
			sel = (int)k + 1;
	}
	ui_choose(j->app->ui, _("Records rejected for which reason?"), items,
	    (int)n + 1, sel, rej_reason_chosen, j);
	for (k = 0; k < n; k++)
		free(own[k]);
	free(own);
	free(items);
}

/* A key while typing the search: it applies as typed. */
static int
rej_search_key(struct rejected *j, int key)
{
	char	enc[4];
	size_t	len = strlen(j->search), n;

	if (key == UI_KEY_ENTER) {
		j->searching = 0;
		return 1;
	}
	if (key == UI_KEY_ESC) {
		j->searching = 0;
		j->search[0] = '\0';
	} else if (key == UI_KEY_BACKSPACE) {
		if (len == 0)
			j->searching = 0;
		else
			j->search[ui_text_prev(j->search, len)] = '\0';
	} else if (UI_KEY_PRINTABLE(key)) {
		n = ui_text_encode((uint32_t)key, enc);
		if (len + n < sizeof j->search) {
			memcpy(j->search + len, enc, n);
			j->search[len + n] = '\0';
		}
	} else
		return 1;
	rej_apply(j);
	return 1;
}

static const char *
rej_title(struct ui_screen *s)
{
	return ((struct rejected *)s)->title;
}

/* The rows from top, read when what is on screen changed. */
static void
rej_page(struct rejected *j, size_t n)
{
	char	*cause = NULL;

	if (n > REJ_PAGE_MAX)
		n = REJ_PAGE_MAX;
	if (j->page_ok && j->page_first == j->top && j->npage >= n &&
	    j->page_count == rejreader_count(j->rr))
		return;
	rej_page_drop(j);
	if (rejreader_page(j->rr, j->top, n, j->page, &j->npage,
	    &cause) != 0) {
		free(j->error);
		j->error = cause;
		return;
	}
	j->page_first = j->top;
	j->page_count = rejreader_count(j->rr);
	j->page_ok = 1;
}

static void
rej_draw(struct ui_screen *s, struct ui *ui, struct ui_rect body)
{
	struct rejected		*j = (struct rejected *)s;
	struct ui_col		 cols[4] = { { 14, 1 }, { 7, 0 }, { 16, 1 },
				    { 20, 3 } };
	int			 w[4], x = body.x + 2, y = body.y, i, xx;
	int			 tw = body.w - 3;
	uint64_t		 count;
	const struct rejreader_row *row;
	char			*t, num[32];
	enum ui_role		 role;

	(void)ui;
	if (j->rr == NULL) {
		ui_draw_wrap((struct ui_rect){ x, y, tw, body.h },
		    j->error != NULL ? UI_A_ERROR : UI_A_DIM, j->error != NULL ?
		    j->error : _("This run rejected no profile: it has no "
		    "file of rejected records."));
		return;
	}
	count = rejreader_count(j->rr);
	if (j->f_reason != NULL || j->search[0] != '\0' || j->searching) {
		char	*u = j->f_reason != NULL && j->search[0] != '\0' ?
		    xasprintf(_("reason \"%s\", holding \"%s\""), j->f_reason,
		    j->search) : j->f_reason != NULL ? xasprintf(_("reason "
		    "\"%s\""), j->f_reason) : xasprintf(_("holding \"%s\""),
		    j->search);
		char	 all[32];

		snprintf(all, sizeof all, "%s",
		    runshow_count(rejreader_total(j->rr)));
		t = xasprintf(j->complete ? _("%s of the %s rejected records "
		    "of \"%s\": %s.") : _("%s of the %s rejected records of "
		    "\"%s\" so far: %s (still counting)."),
		    runshow_count(count), all, j->export_name, u);
		free(u);
	} else if (count == 0 && j->complete)
		t = xstrdup(_("No rejected records (yet)."));
	else
		t = xasprintf(j->complete ? _("%s rejected records of "
		    "\"%s\", with the reason for each.") : _("%s rejected "
		    "records of \"%s\" so far (still counting)."),
		    runshow_count(count), j->export_name);
	ui_draw_text(y++, x, tw, UI_A_HEADING, t);
	free(t);
	if (j->searching) {
		int	used = ui_draw_text(y, x, tw, UI_A_WARN, _("Search:"));

		used += 1 + ui_draw_text(y, x + used + 1, tw - used - 1,
		    UI_A_FIELD_FOCUS, j->search);
		ui_cursor(y, x + used);
		y++;
	}
	if (j->error != NULL)
		ui_draw_text(y++, x, tw, UI_A_ERROR, j->error);
	y++;
	ui_layout_columns(tw - 2, 2, cols, 4, w);
	xx = x + 2;
	ui_draw_text(y, xx, w[0], UI_A_HEADING, _("SEGMENT"));
	runshow_right(y, xx + w[0] + 2, w[1], UI_A_HEADING, _("LINE"));
	ui_draw_text(y, xx + w[0] + w[1] + 4, w[2], UI_A_HEADING,
	    _("IDENTIFIER"));
	ui_draw_text(y, xx + w[0] + w[1] + w[2] + 6, w[3], UI_A_HEADING,
	    _("REASON"));
	if (count > 0) {
		if (j->at_end || j->sel >= count)
			j->sel = count - 1;
		snprintf(num, sizeof num, "%s/%s", runshow_count(j->sel + 1),
		    runshow_count(count));
		runshow_right(y, body.x, body.w - 1, UI_A_DIM, num);
	}
	y++;
	j->rows = body.y + body.h - y - REJ_DETAIL_ROWS;
	if (j->rows < 1)
		j->rows = 1;
	if (count == 0)
		return;
	/* Scroll as little as needed to keep the selection on screen. */
	if (j->sel < j->top)
		j->top = j->sel;
	if (j->sel >= j->top + (uint64_t)j->rows)
		j->top = j->sel - (uint64_t)j->rows + 1;
	rej_page(j, (size_t)j->rows);
	for (i = 0; i < (int)j->npage && i < j->rows; i++) {
		row = &j->page[i];
		role = j->top + (uint64_t)i == j->sel ? UI_A_SEL : UI_A_NORMAL;
		if (role == UI_A_SEL) {
			ui_draw_fill(y + i, body.x, body.w, role);
			ui_draw_text(y + i, x, 1, role, ui_glyph(UI_G_MARK));
		}
		snprintf(num, sizeof num, "%llu", row->line);
		ui_draw_text(y + i, xx, w[0], role, row->segment);
		runshow_right(y + i, xx + w[0] + 2, w[1], role, num);
		ui_draw_text(y + i, xx + w[0] + w[1] + 4, w[2], role,
		    row->identifier[0] != '\0' ? row->identifier : "-");
		ui_draw_text(y + i, xx + w[0] + w[1] + w[2] + 6, w[3], role,
		    row->reason);
	}
	/* The selected record whole. */
	if (j->sel >= j->top && j->sel - j->top < j->npage) {
		row = &j->page[j->sel - j->top];
		t = xasprintf(_("\"%s\", line %llu, %s: %s"), row->segment,
		    row->line, row->identifier[0] != '\0' ? row->identifier :
		    _("no identifier"), row->reason);
		ui_draw_wrap((struct ui_rect){ x, body.y + body.h -
		    REJ_DETAIL_ROWS + 1, tw, REJ_DETAIL_ROWS - 1 }, UI_A_DIM,
		    t);
		free(t);
	}
}

static int
rej_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct rejected	*j = (struct rejected *)s;
	uint64_t	 count = j->rr != NULL ? rejreader_count(j->rr) : 0;
	uint64_t	 page = j->rows > 1 ? (uint64_t)j->rows - 1 : 1;

	(void)ui;
	if (j->searching)
		return rej_search_key(j, key);
	switch (key) {
	case '/':
		if (j->rr != NULL)
			j->searching = 1;
		return 1;
	case 'f':
		if (j->rr != NULL)
			rej_pick_reason(j);
		return 1;
	case 'x':
		xfree(&j->f_reason);
		j->search[0] = '\0';
		rej_apply(j);
		return 1;
	case UI_KEY_ESC:
		/* The filter goes first, then the screen. */
		if (j->f_reason == NULL && j->search[0] == '\0')
			return 0;
		xfree(&j->f_reason);
		j->search[0] = '\0';
		rej_apply(j);
		return 1;
	case UI_KEY_UP:
		if (j->sel > 0)
			j->sel--;
		j->at_end = 0;
		return 1;
	case UI_KEY_DOWN:
		if (j->sel + 1 < count)
			j->sel++;
		return 1;
	case UI_KEY_PGUP:
		j->sel = j->sel > page ? j->sel - page : 0;
		j->at_end = 0;
		return 1;
	case UI_KEY_PGDN:
	case ' ':
		j->sel = j->sel + page < count ? j->sel + page :
		    count > 0 ? count - 1 : 0;
		return 1;
	case UI_KEY_HOME:
		j->sel = 0;
		j->at_end = 0;
		return 1;
	case UI_KEY_END:
		/* The last record: count on to it now, within reason. */
		if (!j->complete)
			rej_scan(j, REJ_END_BUDGET);
		j->at_end = 1;
		return 1;
	}
	return 0;
}

static int
rej_tick(struct ui_screen *s, struct ui *ui, uint64_t now)
{
	struct rejected	*j = (struct rejected *)s;

	if (j->rr == NULL)
		return 0;
	if (j->complete && now < j->next_scan)
		return 1;
	j->next_scan = now + REJ_RESCAN_MS;
	if (rej_scan(j, REJ_BUDGET))
		ui_dirty(ui, UI_DIRTY_BODY);
	return 1;
}

static size_t
rej_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct rejected	*j = (struct rejected *)s;
	size_t		 n = 0;

	if (max < 7)
		return 0;
	if (j->searching) {
		h[n++] = (struct ui_hint){ "Enter", _("keep the search") };
		h[n++] = (struct ui_hint){ "Esc", _("clear it") };
		return n;
	}
	h[n++] = (struct ui_hint){ "Up/Down", _("move") };
	h[n++] = (struct ui_hint){ "PgUp/PgDn", _("page") };
	h[n++] = (struct ui_hint){ "End", _("last") };
	h[n++] = (struct ui_hint){ "f", _("reason") };
	h[n++] = (struct ui_hint){ "/", _("search") };
	if (j->f_reason != NULL || j->search[0] != '\0')
		h[n++] = (struct ui_hint){ "x", _("clear filters") };
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
rej_help(struct ui_screen *s)
{
	(void)s;
	return _("Every profile the run could not send, or that the "
	    "destination refused: the segment it came from, its line in the "
	    "segment's file, its identifier (customer ID or email) and why. "
	    "The list is read from the run's file (runs/ID/rejects.csv) a page "
	    "at a time, so that even millions of records scroll at once; End "
	    "goes to the last one, and follows new ones while the run runs. "
	    "f shows only the records of one reason, picked from those counted "
	    "so far; / only those holding what you type (in the segment, the "
	    "identifier or the reason); x, or Esc, shows every record again.");
}

static void
rej_free(struct ui_screen *s)
{
	struct rejected	*j = (struct rejected *)s;

	rej_page_drop(j);
	rejreader_close(&j->rr);
	rej_picked_free(j);
	free(j->f_reason);
	free(j->error);
	free(j->title);
	free(j->export_name);
	free(j->id);
	free(j);
}

static const struct ui_screen_ops rej_ops = {
	.name = "rejected",
	.title = rej_title,
	.draw = rej_draw,
	.key = rej_key,
	.hints = rej_hints,
	.help = rej_help,
	.tick = rej_tick,
	.free = rej_free,
};

struct ui_screen *
rejected_new(struct app *app, const char *run_id)
{
	struct rejected	*j;
	struct run	*r = NULL;
	char		*path, *cause = NULL;

	j = xcalloc(1, sizeof *j);
	j->base.ops = &rej_ops;
	j->app = app;
	j->id = xstrdup(run_id);
	j->title = xasprintf(_("Rejected records of run %s"), run_id);
	if (run_load(app->ws, run_id, &r, &cause) == 0)
		j->export_name = xstrdup(r->export_name);
	else {
		j->export_name = xstrdup("?");
		free(cause);
		cause = NULL;
	}
	run_free(&r);
	path = run_file(app->ws, run_id, "rejects.csv");
	if (rejreader_open(path, &j->rr, &cause) != 0) {
		if (errno == ENOENT)
			free(cause);
		else if (errno == EACCES) {
			j->error = xasprintf(_("%s: you may not read it; only "
			    "the member who started the run can (the file "
			    "holds personal data)."), path);
			free(cause);
		} else
			j->error = app_sentence(cause);
	} else
		rej_scan(j, REJ_FIRST_BUDGET);
	free(path);
	j->next_scan = ui_now(app->ui) + REJ_RESCAN_MS;
	return &j->base;
}
