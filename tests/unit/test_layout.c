/* ui/layout.c: the geometry as pure functions of the terminal size. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "ui/layout.h"

/* "x,y wxh" for comparisons. */
static const char *
rect(struct ui_rect r)
{
	static char	buf[4][32];
	static int	i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%d,%d %dx%d", r.x, r.y, r.w, r.h);
	return buf[i];
}

static void
test_screen(void)
{
	struct ui_layout	l;

	ui_layout_screen(80, 24, &l);
	ok(!l.too_small, "80x24 is big enough");
	is_str(rect(l.title), "0,0 80x1", "the title bar is the top line");
	is_str(rect(l.body), "1,1 78x21",
	    "the body is between, with a margin");
	is_str(rect(l.message), "1,22 78x1", "then the message line");
	is_str(rect(l.help), "0,23 80x1", "and the help bar at the bottom");

	ui_layout_screen(79, 24, &l);
	ok(l.too_small, "79 columns are too few");
	ui_layout_screen(80, 23, &l);
	ok(l.too_small, "23 rows are too few");
	ui_layout_screen(2, 1, &l);
	ok(l.too_small && l.body.w == 0 && l.body.h == 0,
	    "a tiny terminal gives empty rectangles, never negative ones");

	ui_layout_screen(200, 60, &l);
	is_str(rect(l.body), "1,1 198x57", "a big terminal: the body grows");
	is_str(rect(l.help), "0,59 200x1", "the help bar stays at the bottom");
}

static void
test_center(void)
{
	struct ui_rect	outer = { 1, 1, 78, 21 }, r;

	r = ui_layout_center(outer, 60, 10);
	is_str(rect(r), "10,6 60x10", "a box is centred");
	r = ui_layout_center(outer, 100, 40);
	is_str(rect(r), "1,1 78x21", "and shrunk to fit");
}

static void
test_form(void)
{
	struct ui_rect		r = { 1, 1, 78, 21 };
	struct ui_form_geom	g;

	ui_layout_form(r, 12, &g);
	ok(!g.stacked, "short labels sit beside their fields");
	is_int(g.label_x, 3, "after the focus mark's gutter");
	is_int(g.field_x, 17, "fields start after the widest label and two");
	is_int(g.field_w, 62, "and take the rest of the width");
	ui_layout_form(r, 28, &g);
	ok(g.stacked, "a label over a third of the width goes above");
	is_int(g.field_x, 5, "and its field starts two columns in");
	is_int(g.field_w, 74, "taking the rest");
}

static void
test_columns(void)
{
	struct ui_col	c[3] = { { 10, 2 }, { 6, 0 }, { 10, 1 } };
	int		w[3], total;

	total = ui_layout_columns(80, 2, c, 3, w);
	is_int(total, 80, "the columns and gaps fill the width");
	is_int(w[1], 6, "a column without weight keeps its minimum");
	is_int(w[0], 10 + 2 * 50 / 3, "the weighted ones share the rest");
	is_int(w[2], 80 - 4 - 6 - w[0], "the last one takes the rounding");
	total = ui_layout_columns(20, 2, c, 3, w);
	is_int(total, 20, "when even the minimums do not fit, it still fits");
	ok(w[0] == 10 && w[1] == 5 && w[2] == 1,
	    "the columns on the right shrink first, down to one column");
}

static void
test_scroll(void)
{
	is_int(ui_layout_scroll(0, 5, 100, 10), 0, "visible: no scrolling");
	is_int(ui_layout_scroll(0, 12, 100, 10), 3,
	    "below: scrolled just enough");
	is_int(ui_layout_scroll(20, 12, 100, 10), 12, "above: the row on top");
	is_int(ui_layout_scroll(95, 99, 100, 10), 90,
	    "never past the end of the list");
	is_int(ui_layout_scroll(5, 2, 4, 10), 0,
	    "a list shorter than the window never scrolls");
}

int
main(void)
{
	plan_lazy();
	test_screen();
	test_center();
	test_form();
	test_columns();
	test_scroll();
	return done_testing();
}
