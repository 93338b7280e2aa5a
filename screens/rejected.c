/*
 * A run's rejected records (runs/<id>/rejects.csv): segment, line,
 * identifier and the reason for each, scrolled through a page at a time
 * whatever the size of the file (src/data/rejreader.h: the file is indexed a
 * budget of bytes per tick, and only the rows on screen are read). The
 * selected record's reason shows whole beneath the table. While the run
 * runs, records it adds appear.
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
	if (count == 0 && j->complete)
		t = xstrdup(_("No rejected records (yet)."));
	else
		t = xasprintf(j->complete ? _("%s rejected records of "
		    "\"%s\", with the reason for each.") : _("%s rejected "
		    "records of \"%s\" so far (still counting)."),
		    runshow_count(count), j->export_name);
	ui_draw_text(y++, x, tw, UI_A_HEADING, t);
	free(t);
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
	switch (key) {
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
	(void)s;
	if (max < 4)
		return 0;
	h[0] = (struct ui_hint){ "Up/Down", _("move") };
	h[1] = (struct ui_hint){ "PgUp/PgDn", _("page") };
	h[2] = (struct ui_hint){ "Home/End", _("first, last") };
	h[3] = (struct ui_hint){ "Esc", _("back") };
	return 4;
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
	    "goes to the last one, and follows new ones while the run runs.");
}

static void
rej_free(struct ui_screen *s)
{
	struct rejected	*j = (struct rejected *)s;

	rej_page_drop(j);
	rejreader_close(&j->rr);
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
