/*
 * Drawing on the frame: text measured in columns (ui/text.c), a small
 * colour theme with a monochrome form, glyphs with ASCII forms.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "base/xmalloc.h"
#include "term.h"
#include "text.h"
#include "ui.h"

static int	ui_attrs[UI_A_COUNT];
static int	ui_cur_y = -1, ui_cur_x = -1;

static const char *const ui_glyphs_utf8[UI_G_COUNT] = {
	"─", "│", "┌", "┐", "└", "┘",
	"•", "…",
	"(•)", "( )",
	"[x]", "[ ]",
	">", "←",
	"✓", "✗", "!",
	" › ",
	"█", "░"
};

static const char *const ui_glyphs_ascii[UI_G_COUNT] = {
	"-", "|", "+", "+", "+", "+",
	"*", "~",
	"(*)", "( )",
	"[x]", "[ ]",
	">", "<-",
	"+", "x", "!",
	" > ",
	"#", "."
};

/* Colour pairs of the theme. */
enum {
	UI_P_TITLE = 1,
	UI_P_SEL,
	UI_P_OK,
	UI_P_WARN,
	UI_P_ERROR,
	UI_P_HEAD
};

void
ui_theme_init(int colour)
{
	int	i;

	for (i = 0; i < UI_A_COUNT; i++)
		ui_attrs[i] = A_NORMAL;
	ui_attrs[UI_A_HELP] = A_REVERSE;
	ui_attrs[UI_A_HELPKEY] = A_REVERSE | A_BOLD;
	ui_attrs[UI_A_HEADING] = A_BOLD;
	ui_attrs[UI_A_DIM] = A_DIM;
	ui_attrs[UI_A_FIELD] = A_UNDERLINE;
	ui_attrs[UI_A_FIELD_FOCUS] = A_UNDERLINE | A_BOLD;
	ui_attrs[UI_A_SEL_UNFOCUSED] = A_UNDERLINE;
	if (!colour) {
		ui_attrs[UI_A_TITLE] = A_REVERSE | A_BOLD;
		ui_attrs[UI_A_SEL] = A_REVERSE;
		ui_attrs[UI_A_BUTTON_FOCUS] = A_REVERSE;
		ui_attrs[UI_A_OK] = A_BOLD;
		ui_attrs[UI_A_WARN] = A_BOLD;
		ui_attrs[UI_A_ERROR] = A_BOLD;
		return;
	}
	init_pair(UI_P_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(UI_P_SEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_P_OK, COLOR_GREEN, -1);
	init_pair(UI_P_WARN, COLOR_YELLOW, -1);
	init_pair(UI_P_ERROR, COLOR_RED, -1);
	init_pair(UI_P_HEAD, COLOR_CYAN, -1);
	ui_attrs[UI_A_TITLE] = COLOR_PAIR(UI_P_TITLE) | A_BOLD;
	ui_attrs[UI_A_SEL] = COLOR_PAIR(UI_P_SEL);
	ui_attrs[UI_A_BUTTON_FOCUS] = COLOR_PAIR(UI_P_SEL) | A_BOLD;
	ui_attrs[UI_A_OK] = COLOR_PAIR(UI_P_OK) | A_BOLD;
	ui_attrs[UI_A_WARN] = COLOR_PAIR(UI_P_WARN) | A_BOLD;
	ui_attrs[UI_A_ERROR] = COLOR_PAIR(UI_P_ERROR) | A_BOLD;
	ui_attrs[UI_A_HEADING] = COLOR_PAIR(UI_P_HEAD) | A_BOLD;
}

const char *
ui_glyph(enum ui_glyph g)
{
	return ui_text_utf8() ? ui_glyphs_utf8[g] : ui_glyphs_ascii[g];
}

int
ui_draw_ntext(int y, int x, int maxw, enum ui_role role, const char *s,
    size_t len, int cut)
{
	char	*d;
	size_t	 n;
	int	 used, ew;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS || maxw <= 0)
		return 0;
	if (maxw > COLS - x)
		maxw = COLS - x;
	d = ui_text_display(s, len);
	n = ui_text_fit(d, strlen(d), maxw, &used);
	if (cut && n < strlen(d)) {
		/* Room for the ellipsis. */
		ew = ui_text_width(ui_glyph(UI_G_ELLIPSIS));
		n = ui_text_fit(d, strlen(d), maxw - ew, &used);
	}
	attrset(ui_attrs[role]);
	mvaddnstr(y, x, d, (int)n);
	if (cut && n < strlen(d)) {
		addstr(ui_glyph(UI_G_ELLIPSIS));
		used += ui_text_width(ui_glyph(UI_G_ELLIPSIS));
	}
	attrset(A_NORMAL);
	free(d);
	return used;
}

int
ui_draw_text(int y, int x, int maxw, enum ui_role role, const char *s)
{
	return ui_draw_ntext(y, x, maxw, role, s, strlen(s), 1);
}

void
ui_draw_fill(int y, int x, int w, enum ui_role role)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return;
	if (w > COLS - x)
		w = COLS - x;
	attrset(ui_attrs[role]);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void
ui_draw_box(struct ui_rect r, enum ui_role role, const char *title)
{
	int	i;

	if (r.w < 2 || r.h < 2)
		return;
	for (i = 0; i < r.h; i++)
		ui_draw_fill(r.y + i, r.x, r.w, role);
	attrset(ui_attrs[role]);
	for (i = 1; i < r.w - 1; i++) {
		mvaddstr(r.y, r.x + i, ui_glyph(UI_G_HLINE));
		mvaddstr(r.y + r.h - 1, r.x + i, ui_glyph(UI_G_HLINE));
	}
	for (i = 1; i < r.h - 1; i++) {
		mvaddstr(r.y + i, r.x, ui_glyph(UI_G_VLINE));
		mvaddstr(r.y + i, r.x + r.w - 1, ui_glyph(UI_G_VLINE));
	}
	mvaddstr(r.y, r.x, ui_glyph(UI_G_TL));
	mvaddstr(r.y, r.x + r.w - 1, ui_glyph(UI_G_TR));
	mvaddstr(r.y + r.h - 1, r.x, ui_glyph(UI_G_BL));
	mvaddstr(r.y + r.h - 1, r.x + r.w - 1, ui_glyph(UI_G_BR));
	attrset(A_NORMAL);
	if (title != NULL && r.w > 6) {
		ui_draw_text(r.y, r.x + 2, 1, role, " ");
		i = ui_draw_text(r.y, r.x + 3, r.w - 6, UI_A_HEADING, title);
		ui_draw_text(r.y, r.x + 3 + i, 1, role, " ");
	}
}

int
ui_wrap_rows(const char *s, int w)
{
	return (int)ui_text_wrap(s, w, NULL, 0);
}

int
ui_draw_wrap(struct ui_rect r, enum ui_role role, const char *s)
{
	struct ui_line	*lines;
	size_t		 n, i;

	if (r.w <= 0)
		return 0;
	n = ui_text_wrap(s, r.w, NULL, 0);
	lines = xcalloc(n + 1, sizeof *lines);
	ui_text_wrap(s, r.w, lines, n);
	for (i = 0; i < n && (int)i < r.h; i++)
		ui_draw_ntext(r.y + (int)i, r.x, r.w, role, s + lines[i].off,
		    lines[i].len, 0);
	free(lines);
	return (int)n;
}

void
ui_cursor(int y, int x)
{
	ui_cur_y = y;
	ui_cur_x = x;
}

void
ui_cursor_get(int *y, int *x)
{
	*y = ui_cur_y;
	*x = ui_cur_x;
}

/* ASCII on purpose: console fonts (TERM=linux) lack braille and arcs. */
const char *
ui_spinner(uint64_t now_ms)
{
	static const char *const frames[] = { "|", "/", "-", "\\" };

	return frames[(now_ms / UI_TICK_MS) % 4];
}
