/*
 * Screen geometry as pure functions of the terminal size (no curses), so
 * that every layout is unit-tested headless (tests/unit/test_layout.c).
 *
 *	row 0		title bar: where you are, the workspace, who you are
 *	rows 1..H-3	body: the current screen, one column of margin
 *	row H-2		message line: outcomes and errors in words
 *	row H-1		help bar: the keys that apply here
 *
 * Below UI_MIN_COLS x UI_MIN_ROWS the layout says too_small and the UI
 * shows only how to recover, until the terminal grows again.
 */
#ifndef SEGSYNC_UI_LAYOUT_H
#define SEGSYNC_UI_LAYOUT_H

#include <stddef.h>

#define UI_MIN_COLS	80
#define UI_MIN_ROWS	24

struct ui_rect {
	int	x;
	int	y;
	int	w;
	int	h;
};

struct ui_layout {
	int		cols;
	int		rows;
	int		too_small;
	struct ui_rect	title;
	struct ui_rect	body;
	struct ui_rect	message;
	struct ui_rect	help;
};

/* The layout of a cols x rows terminal. */
void	ui_layout_screen(int cols, int rows, struct ui_layout *);

/* A w x h box centred in outer, shrunk to fit it. */
struct ui_rect ui_layout_center(struct ui_rect outer, int w, int h);

/*
 * A form in r: a two-column gutter for the focus mark, a label column as
 * wide as the widest label plus two, and the rest for the fields and the
 * notes beneath them. When that label column would take more than a
 * third of the width, labels go above their fields instead (stacked),
 * and fields start two columns right of the labels.
 */
/*
 * A form's text is wrapped that much narrower than the form: the focus
 * mark's gutter, and a column on the right.
 */
#define UI_FORM_TEXT_INSET	3

struct ui_form_geom {
	int	mark_x;		/* the focus mark '>' */
	int	label_x;
	int	label_w;
	int	field_x;
	int	field_w;
	int	stacked;	/* label on its own row */
};
void	ui_layout_form(struct ui_rect r, int widest_label,
	    struct ui_form_geom *);

/*
 * Table columns: each gets its min, then what is left is shared by
 * weight (the last weighted column takes the rounding). When even the
 * mins do not fit, columns from the right shrink, down to 1. gap columns
 * separate neighbours. out[i] receives the widths; returns their sum
 * plus the gaps.
 */
struct ui_col {
	int	min;
	int	weight;
};
int	ui_layout_columns(int width, int gap, const struct ui_col *,
	    size_t n, int *out);

/*
 * The first visible row of a list of n rows shown h at a time, moved as
 * little as possible from top so that sel is visible.
 */
int	ui_layout_scroll(int top, int sel, int n, int h);

#endif
