/* Screen geometry (see layout.h). */
#include "config.h"

#include "layout.h"

void
ui_layout_screen(int cols, int rows, struct ui_layout *l)
{
	l->cols = cols;
	l->rows = rows;
	l->too_small = cols < UI_MIN_COLS || rows < UI_MIN_ROWS;
	l->title = (struct ui_rect){ 0, 0, cols, 1 };
	l->body = (struct ui_rect){ 1, 1, cols - 2, rows - 3 };
	l->message = (struct ui_rect){ 1, rows - 2, cols - 2, 1 };
	l->help = (struct ui_rect){ 0, rows - 1, cols, 1 };
	if (l->body.w < 0)
		l->body.w = 0;
	if (l->body.h < 0)
		l->body.h = 0;
}

struct ui_rect
ui_layout_center(struct ui_rect outer, int w, int h)
{
	struct ui_rect	r;

	r.w = w < outer.w ? w : outer.w;
	r.h = h < outer.h ? h : outer.h;
	r.x = outer.x + (outer.w - r.w) / 2;
	r.y = outer.y + (outer.h - r.h) / 2;
	return r;
}

void
ui_layout_form(struct ui_rect r, int widest_label, struct ui_form_geom *g)
{
	int	cap = r.w / 3;

	g->mark_x = r.x;
	g->label_x = r.x + 2;
	g->label_w = widest_label + 2;
	g->stacked = g->label_w > cap;
	if (g->stacked) {
		g->label_w = r.w - 2;
		g->field_x = g->label_x + 2;
	} else
		g->field_x = g->label_x + g->label_w;
	g->field_w = r.x + r.w - g->field_x;
	if (g->field_w < 1)
		g->field_w = 1;
}

int
ui_layout_columns(int width, int gap, const struct ui_col *c, size_t n,
    int *out)
{
	int	left, weights = 0, total = 0, share, last = -1;
	size_t	i;

	if (n == 0)
		return 0;
	left = width - gap * (int)(n - 1);
	for (i = 0; i < n; i++) {
		out[i] = c[i].min;
		left -= c[i].min;
		weights += c[i].weight;
		if (c[i].weight > 0)
			last = (int)i;
	}
	if (left > 0 && weights > 0) {
		share = left;
		for (i = 0; i < n; i++) {
			if (c[i].weight == 0)
				continue;
			if ((int)i == last)
				out[i] += left;
			else {
				out[i] += share * c[i].weight / weights;
				left -= share * c[i].weight / weights;
			}
		}
	}
	for (i = n; left < 0 && i-- > 0;) {
		while (left < 0 && out[i] > 1) {
			out[i]--;
			left++;
		}
	}
	for (i = 0; i < n; i++)
		total += out[i];
	return total + gap * (int)(n - 1);
}

int
ui_layout_scroll(int top, int sel, int n, int h)
{
	if (h < 1)
		h = 1;
	if (sel < top)
		top = sel;
	if (sel >= top + h)
		top = sel - h + 1;
	if (top > n - h)
		top = n - h;
	if (top < 0)
		top = 0;
	return top;
}
