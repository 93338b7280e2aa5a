/* Lists, tables, single choices and checklists (see widget.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "keys.h"
#include "text.h"
#include "widget.h"

void
ui_list_init(struct ui_list *l, enum ui_list_mode mode, int ncols)
{
	int	i;

	memset(l, 0, sizeof *l);
	l->mode = mode;
	l->ncols = ncols < 1 ? 1 : ncols > UI_LIST_COLS ? UI_LIST_COLS : ncols;
	l->sel = -1;
	for (i = 0; i < l->ncols; i++)
		l->cols[i] = (struct ui_col){ 4, 1 };
}

void
ui_list_column(struct ui_list *l, int col, const char *header, int min,
    int weight)
{
	if (col < 0 || col >= l->ncols)
		return;
	/*
	 * A fixed column's heading is never cut: translated ones are often
	 * longer ("GEACCEPTEERD"). Growing columns share what is left.
	 */
	if (weight == 0 && header != NULL && ui_text_width(header) > min)
		min = ui_text_width(header);
	l->headers[col] = header;
	l->cols[col] = (struct ui_col){ min, weight };
}

void
ui_list_fit(struct ui_list *l, int col)
{
	if (col >= 0 && col < l->ncols && col < 32)
		l->fit |= 1u << col;
}

void
ui_list_middle(struct ui_list *l, int col)
{
	if (col >= 0 && col < l->ncols && col < 32)
		l->middle |= 1u << col;
}

/* The columns as drawn: fitting ones as wide as what they hold. */
static void
list_cols(const struct ui_list *l, struct ui_col *cols)
{
	size_t	i;
	int	c, w;

	for (c = 0; c < l->ncols; c++) {
		cols[c] = l->cols[c];
		if (!(l->fit & (1u << c)))
			continue;
		cols[c].min = l->headers[c] != NULL ?
		    ui_text_width(l->headers[c]) : 0;
		for (i = 0; i < l->n; i++) {
			if (l->rows[i].heading)
				continue;
			w = ui_text_width(l->rows[i].cells[c]);
			if (w > cols[c].min)
				cols[c].min = w;
		}
	}
}

void
ui_list_tint(struct ui_list *l, size_t i, int col, enum ui_role role)
{
	if (i < l->n && col >= 0 && col < l->ncols) {
		l->rows[i].tint_col = col;
		l->rows[i].tint = role;
	}
}

static size_t
add_row(struct ui_list *l, const char *const *cells, int heading,
    void *data)
{
	struct ui_list_row	*r;
	int			 i;

	l->rows = xreallocarray(l->rows, l->n + 1, sizeof *l->rows);
	r = &l->rows[l->n];
	memset(r, 0, sizeof *r);
	r->cells = xcalloc((size_t)l->ncols, sizeof *r->cells);
	for (i = 0; i < l->ncols; i++)
		r->cells[i] = xstrdup(cells[i] != NULL ? cells[i] : "");
	r->heading = heading;
	r->data = data;
	r->tint_col = -1;
	if (l->sel == -1 && !heading)
		l->sel = (int)l->n;
	return l->n++;
}

size_t
ui_list_add(struct ui_list *l, const char *const *cells, void *data)
{
	return add_row(l, cells, 0, data);
}

size_t
ui_list_add_key(struct ui_list *l, const char *const *cells, const char *key)
{
	size_t	i;

	i = add_row(l, cells, 0, NULL);
	l->rows[i].key = xstrdup(key);
	return i;
}

const char *
ui_list_selected_key(const struct ui_list *l)
{
	if (l->sel < 0 || (size_t)l->sel >= l->n)
		return NULL;
	return l->rows[l->sel].key;
}

int
ui_list_select_key(struct ui_list *l, const char *key)
{
	size_t	i;

	for (i = 0; key != NULL && i < l->n; i++) {
		if (l->rows[i].key != NULL && strcmp(l->rows[i].key,
		    key) == 0) {
			l->sel = (int)i;
			return 0;
		}
	}
	return -1;
}

size_t
ui_list_add_heading(struct ui_list *l, const char *text)
{
	const char	*cells[UI_LIST_COLS] = { text };

	return add_row(l, cells, 1, NULL);
}

void
ui_list_clear(struct ui_list *l)
{
	size_t	i;
	int	j;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < l->ncols; j++)
			free(l->rows[i].cells[j]);
		free(l->rows[i].cells);
		free(l->rows[i].key);
	}
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
	l->sel = -1;
	l->top = 0;
	l->searching = 0;
	l->search[0] = '\0';
}

void
ui_list_free(struct ui_list *l)
{
	ui_list_clear(l);
}

void *
ui_list_selected(const struct ui_list *l)
{
	if (l->sel < 0 || (size_t)l->sel >= l->n)
		return NULL;
	return l->rows[l->sel].data;
}

void
ui_list_select_data(struct ui_list *l, const void *data)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (!l->rows[i].heading && l->rows[i].data == data) {
			l->sel = (int)i;
			return;
		}
	}
}

size_t
ui_list_checked(const struct ui_list *l)
{
	size_t	i, n = 0;

	for (i = 0; i < l->n; i++)
		if (l->rows[i].checked)
			n++;
	return n;
}

/* The next selectable row from i in direction dir, or -1. */
static int
step(const struct ui_list *l, int i, int dir)
{
	for (i += dir; i >= 0 && (size_t)i < l->n; i += dir)
		if (!l->rows[i].heading)
			return i;
	return -1;
}

/* Case-insensitive (ASCII) substring. */
static int
contains(const char *hay, const char *needle)
{
	size_t	n = strlen(needle), i, j;

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
row_matches(const struct ui_list *l, size_t i)
{
	int	c;

	if (l->rows[i].heading)
		return 0;
	for (c = 0; c < l->ncols; c++)
		if (contains(l->rows[i].cells[c], l->search))
			return 1;
	return 0;
}

/* Move to the first match from row from in direction dir (wrapping). */
static int
find(struct ui_list *l, int from, int dir)
{
	size_t	k;
	int	i;

	if (l->n == 0)
		return 0;
	for (k = 0; k < l->n; k++) {
		i = (from + dir * (int)k + (int)l->n * 2) % (int)l->n;
		if (row_matches(l, (size_t)i)) {
			l->sel = i;
			return 1;
		}
	}
	return 0;
}

static enum ui_w
search_key(struct ui_list *l, int key)
{
	char	enc[4];
	size_t	len = strlen(l->search), n;

	if (key == UI_KEY_ESC || key == UI_KEY_ENTER) {
		l->searching = 0;
		return UI_W_HANDLED;
	}
	if (key == UI_KEY_DOWN || key == UI_KEY_TAB) {
		find(l, l->sel + 1, 1);
		return UI_W_HANDLED;
	}
	if (key == UI_KEY_UP || key == UI_KEY_BTAB) {
		find(l, l->sel - 1, -1);
		return UI_W_HANDLED;
	}
	if (key == UI_KEY_BACKSPACE) {
		if (len == 0) {
			l->searching = 0;
			return UI_W_HANDLED;
		}
		l->search[ui_text_prev(l->search, len)] = '\0';
		find(l, l->sel < 0 ? 0 : l->sel, 1);
		return UI_W_HANDLED;
	}
	if (UI_KEY_PRINTABLE(key)) {
		n = ui_text_encode((uint32_t)key, enc);
		if (len + n < sizeof l->search) {
			memcpy(l->search + len, enc, n);
			l->search[len + n] = '\0';
		}
		find(l, l->sel < 0 ? 0 : l->sel, 1);
		return UI_W_HANDLED;
	}
	return UI_W_HANDLED;
}

enum ui_w
ui_list_key(struct ui_list *l, int key)
{
	int	i, moved, old = l->sel;

	if (l->searching)
		return search_key(l, key);
	switch (key) {
	case UI_KEY_UP:
		i = step(l, l->sel, -1);
		if (i == -1)
			return UI_W_IGNORED;
		l->sel = i;
		break;
	case UI_KEY_DOWN:
		i = step(l, l->sel, 1);
		if (i == -1)
			return UI_W_IGNORED;
		l->sel = i;
		break;
	case UI_KEY_PGUP:
	case UI_KEY_PGDN:
		for (moved = 0; moved < 10; moved++) {
			i = step(l, l->sel, key == UI_KEY_PGUP ? -1 : 1);
			if (i == -1)
				break;
			l->sel = i;
		}
		break;
	case UI_KEY_HOME:
		i = step(l, -1, 1);
		if (i != -1)
			l->sel = i;
		break;
	case UI_KEY_END:
		i = step(l, (int)l->n, -1);
		if (i != -1)
			l->sel = i;
		break;
	case '/':
		if (l->n == 0)
			return UI_W_IGNORED;
		l->searching = 1;
		l->search[0] = '\0';
		return UI_W_HANDLED;
	case ' ':
		if ((l->mode != UI_LIST_CHECK && !l->markable) || l->sel < 0)
			return UI_W_IGNORED;
		l->rows[l->sel].checked = !l->rows[l->sel].checked;
		return UI_W_CHANGED;
	case UI_KEY_ENTER:
		return l->sel < 0 ? UI_W_IGNORED : UI_W_ACTIVATE;
	default:
		return UI_W_IGNORED;
	}
	if (l->mode == UI_LIST_RADIO && l->sel != old)
		return UI_W_CHANGED;
	return UI_W_HANDLED;
}

void
ui_list_draw(struct ui_list *l, struct ui_rect r, int focused)
{
	struct ui_col	 cols[UI_LIST_COLS];
	int		 w[UI_LIST_COLS], x, y, i, c, rows, pre, hdr = 0;
	enum ui_role	 role;
	const char	*g;
	char		 pos[48];

	if (r.h <= 0 || r.w <= 4)
		return;
	pre = l->mode == UI_LIST_TABLE ? 2 : 6;
	if (l->headers[0] != NULL)
		hdr = 1;
	list_cols(l, cols);
	ui_layout_columns(r.w - pre, 2, cols, (size_t)l->ncols, w);
	if (hdr) {
		for (c = 0, x = r.x + pre; c < l->ncols; c++) {
			ui_draw_text(r.y, x, w[c], UI_A_HEADING,
			    l->headers[c] != NULL ? l->headers[c] : "");
			x += w[c] + 2;
		}
	}
	rows = r.h - hdr - (l->searching ? 1 : 0);
	if (l->n == 0) {
		if (l->empty != NULL)
			ui_draw_wrap((struct ui_rect){ r.x + 2, r.y + hdr,
			    r.w - 2, rows }, UI_A_DIM, l->empty);
		return;
	}
	if (rows < 1)
		return;
	l->top = ui_layout_scroll(l->top, l->sel < 0 ? 0 : l->sel, (int)l->n,
	    rows);
	/* Show the heading of the first visible group too. */
	if (l->top > 0 && l->sel >= 0 && l->rows[l->top - 1].heading &&
	    l->sel - (l->top - 1) < rows)
		l->top--;
	for (i = 0; i < rows && l->top + i < (int)l->n; i++) {
		y = r.y + hdr + i;
		if (l->rows[l->top + i].heading) {
			ui_draw_text(y, r.x + 2, r.w - 2, UI_A_HEADING,
			    l->rows[l->top + i].cells[0]);
			continue;
		}
		role = UI_A_NORMAL;
		if (l->top + i == l->sel)
			role = focused ? UI_A_SEL : UI_A_SEL_UNFOCUSED;
		if (role != UI_A_NORMAL)
			ui_draw_fill(y, r.x, r.w, role);
		if (l->top + i == l->sel && focused)
			ui_draw_text(y, r.x, 1, role, ui_glyph(UI_G_MARK));
		if (l->mode == UI_LIST_RADIO)
			g = ui_glyph(l->top + i == l->sel ? UI_G_RADIO_ON :
			    UI_G_RADIO_OFF);
		else if (l->mode == UI_LIST_CHECK)
			g = ui_glyph(l->rows[l->top + i].checked ?
			    UI_G_CHECK_ON : UI_G_CHECK_OFF);
		else
			g = NULL;
		if (g != NULL)
			ui_draw_text(y, r.x + 2, 3, role, g);
		/* A marked row of a table, beside the cursor's mark. */
		if (l->markable && l->rows[l->top + i].checked)
			ui_draw_text(y, r.x + 1, 1, role, "*");
		for (c = 0, x = r.x + pre; c < l->ncols; c++) {
			const char	*cell = l->rows[l->top + i].cells[c];
			char		*mid = NULL;

			if ((l->middle & (1u << c)) &&
			    ui_text_width(cell) > w[c])
				cell = mid = ui_text_shorten(cell, w[c]);
			ui_draw_text(y, x, w[c], role == UI_A_NORMAL &&
			    c == l->rows[l->top + i].tint_col ?
			    l->rows[l->top + i].tint : role, cell);
			free(mid);
			x += w[c] + 2;
		}
	}
	if (l->n > (size_t)rows && hdr) {
		snprintf(pos, sizeof pos, "%d/%zu", l->sel + 1, l->n);
		ui_draw_text(r.y, r.x + r.w - (int)strlen(pos), (int)strlen(pos),
		    UI_A_DIM, pos);
	}
	if (l->searching) {
		y = r.y + r.h - 1;
		x = r.x + ui_draw_text(y, r.x, r.w, UI_A_WARN, _("Search:")) + 1;
		c = ui_draw_text(y, x, r.w - (x - r.x), UI_A_WARN, l->search);
		if (focused)
			ui_cursor(y, x + c);
		ui_draw_text(y, x + c + 2, r.w - (x + c + 2 - r.x), UI_A_DIM,
		    _("(Down: next match, Enter: done)"));
	}
}
