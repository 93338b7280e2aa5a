/*
 * Widgets, and the form that stacks them into a screen (style.md R8):
 *
 *	ui_field	a line of text, or a secret (masked, F2 shows it),
 *			with a label, a note or its validation message
 *			beneath, and optional suggestions (Down lists them)
 *	ui_list		a list or table with scrolling and search ('/'),
 *			also a single choice (UI_LIST_RADIO: the mark
 *			follows the cursor) or a checklist (UI_LIST_CHECK:
 *			Space ticks); rows may be group headings
 *	ui_buttons	a row of buttons, some maybe disabled
 *	ui_form		paragraphs, fields, lists, check boxes and one
 *			button row pinned at the bottom; Tab and Shift-Tab
 *			move the focus, the form scrolls to keep it visible
 *
 * Why not ncurses' own form, menu and panel libraries: a form field keeps
 * its text in the library's own heap buffers (set_field_buffer copies,
 * field_buffer hands them out), where a typed API key could not be kept
 * in locked memory and wiped, and masking is all or nothing (O_PUBLIC);
 * menus have neither tables with columns, nor group headings, nor
 * counts; and both measure labels their own way where ours must follow
 * ui/text.c for wide characters and the ASCII fallback. One modal level
 * is drawn last by the loop, so panels are not needed either. Owning the
 * widgets also keeps their logic testable without a terminal.
 *
 * Secret fields hold their bytes in a struct secret (sodium memory,
 * locked, wiped on free): they never pass through an ordinary heap
 * buffer, and ui_field_secret() hands out a copy of exactly their length.
 */
#ifndef SEGSYNC_UI_WIDGET_H
#define SEGSYNC_UI_WIDGET_H

#include <stddef.h>

#include "layout.h"
#include "ui.h"

struct secret;

/* What a widget did with a key. */
enum ui_w {
	UI_W_IGNORED,		/* not for it */
	UI_W_HANDLED,		/* used, nothing changed but the view */
	UI_W_CHANGED,		/* its value changed */
	UI_W_ACTIVATE		/* Enter on it (buttons: *which pressed) */
};

struct ui_field {
	const char		*label;
	const char		*note;		/* beneath when no error */
	const char		*placeholder;	/* dim while empty */
	const char *const	*suggest;	/* NULL-terminated, or NULL */
	int			 secret;
	int			 shown;		/* secret in clear (F2) */
	int			 changed;	/* edited since ui_field_set */
	size_t			 cap;		/* bytes */
	char			*text;		/* text field: cap + 1 */
	struct secret		*sec;		/* secret field: cap */
	size_t			 len;
	size_t			 cur;		/* cursor, bytes */
	int			 scroll;	/* first column shown */
	char			*error;		/* from the validation */
	/*
	 * A masked text that typing replaces rather than extends (the
	 * secret cannot be seen to be corrected); a key refused because
	 * the field holds cap bytes.
	 */
	int			 replace;
	int			 full;
	int			 sug_open;
	int			 sug_sel;
};

void	ui_field_init(struct ui_field *, const char *label, int secret,
	    size_t cap);
/* Wipe and free the contents. */
void	ui_field_free(struct ui_field *);
/* Replace the contents (text fields); changed goes back to 0. */
void	ui_field_set(struct ui_field *, const char *);
void	ui_field_clear(struct ui_field *);
/* The text of a text field (borrowed, NUL-terminated). */
const char *ui_field_text(const struct ui_field *);
size_t	ui_field_len(const struct ui_field *);
/* A copy of a secret field's bytes, or NULL when it is empty. */
struct secret *ui_field_secret(const struct ui_field *);
/*
 * Set (malloc'd copy) or clear (NULL) the validation message; a message
 * on a masked field selects its text (ui_field_select).
 */
void	ui_field_error(struct ui_field *, const char *);
/*
 * A masked field holding text: the next character typed replaces it
 * (Backspace clears it, F2 shows it to edit it), as a field entered
 * again after a refused secret needs.
 */
void	ui_field_select(struct ui_field *);
/*
 * Remove the white space around the contents (a pasted key often brings
 * a space or a tab); 1 when there was some, which the caller says.
 */
int	ui_field_trim(struct ui_field *);
enum ui_w ui_field_key(struct ui_field *, int key);
/* Rows the field takes at this width, its note included. */
int	ui_field_rows(const struct ui_field *, const struct ui_form_geom *);
void	ui_field_draw(struct ui_field *, int y, const struct ui_form_geom *,
	    int focused);
/* The open suggestion list, drawn over what is beneath. */
void	ui_field_draw_suggest(struct ui_field *, int y,
	    const struct ui_form_geom *, struct ui_rect clip);

enum ui_list_mode {
	UI_LIST_TABLE,
	UI_LIST_RADIO,
	UI_LIST_CHECK
};

struct ui_list_row {
	char		**cells;	/* ncols malloc'd strings */
	int		  heading;	/* group heading: not selectable */
	int		  checked;
	void		 *data;		/* the caller's */
	char		 *key;		/* the caller's id, copied, or NULL */
	int		  tint_col;	/* -1: none; else drawn in tint */
	enum ui_role	  tint;		/* unless selected */
};

#define UI_LIST_COLS	8
#define UI_SEARCH_MAX	64

struct ui_list {
	enum ui_list_mode	 mode;
	int			 ncols;
	const char		*headers[UI_LIST_COLS];	/* NULL: no header */
	struct ui_col		 cols[UI_LIST_COLS];
	struct ui_list_row	*rows;
	size_t			 n;
	int			 sel;		/* -1 when nothing selectable */
	int			 top;
	int			 searching;
	char			 search[UI_SEARCH_MAX];
	const char		*empty;		/* shown without rows */
	int			 markable;	/* a table: Space marks rows */
	unsigned		 fit;		/* bit c: column c fits */
	unsigned		 middle;	/* bit c: shortened mid-way */
};

void	ui_list_init(struct ui_list *, enum ui_list_mode, int ncols);
void	ui_list_column(struct ui_list *, int col, const char *header, int min,
	    int weight);
/*
 * A fixed column as wide as its widest cell or its heading, whichever is
 * wider, rather than its min: counts and statuses take what they need
 * and leave the rest to the names.
 */
void	ui_list_fit(struct ui_list *, int col);
/*
 * Names too wide for column col are shortened in the middle ("Newsletter
 * F…2026"), not cut at the end, where names that start alike would all
 * read the same.
 */
void	ui_list_middle(struct ui_list *, int col);
/* Add a row; cells are copied. Returns its index. */
size_t	ui_list_add(struct ui_list *, const char *const *cells, void *data);
size_t	ui_list_add_heading(struct ui_list *, const char *text);
void	ui_list_clear(struct ui_list *);
void	ui_list_free(struct ui_list *);
/*
 * Add a row identified by key (copied): for rows standing for things the
 * caller may free and reload, found again by key.
 */
size_t	ui_list_add_key(struct ui_list *, const char *const *cells,
	    const char *key);
/*
 * Draw cell col of row i in role (the status of a run in its colour),
 * except on the selected row, which keeps the selection's.
 */
void	ui_list_tint(struct ui_list *, size_t i, int col, enum ui_role);
/* The selected row's data, or NULL. */
void	*ui_list_selected(const struct ui_list *);
/* The selected row's key, or NULL. */
const char *ui_list_selected_key(const struct ui_list *);
/* Select the row with this key; 0, or -1 when there is none. */
int	ui_list_select_key(struct ui_list *, const char *key);
/* Select the first row whose data is data (else the first selectable). */
void	ui_list_select_data(struct ui_list *, const void *data);
size_t	ui_list_checked(const struct ui_list *);
enum ui_w ui_list_key(struct ui_list *, int key);
void	ui_list_draw(struct ui_list *, struct ui_rect, int focused);

#define UI_BUTTONS_MAX	4

struct ui_buttons {
	const char	*labels[UI_BUTTONS_MAX];
	int		 n;
	int		 sel;
	unsigned	 disabled;	/* bit i: button i cannot be pressed */
};
/* The bit of disabled for button i. */
#define UI_BUTTON_BIT(i)	(1u << (i))

void	ui_buttons_init(struct ui_buttons *, const char *, const char *,
	    const char *);
enum ui_w ui_buttons_key(struct ui_buttons *, int key, int *which);
/* Drawn right-aligned in r's first row. */
void	ui_buttons_draw(struct ui_buttons *, struct ui_rect, int focused);

enum ui_item_kind {
	UI_ITEM_TEXT,
	UI_ITEM_FIELD,
	UI_ITEM_LIST,
	UI_ITEM_CHECK,
	UI_ITEM_BUTTONS
};

struct ui_item {
	enum ui_item_kind	 kind;
	const char		*text;		/* paragraph, check box label */
	enum ui_role		 role;		/* paragraph */
	struct ui_field		*field;
	struct ui_list		*list;
	int			 list_rows;	/* 0: what is left */
	int			*check;		/* check box value */
	struct ui_buttons	*buttons;
	int			 hidden;
	int			 y, h;		/* laid out by ui_form_draw */
};

#define UI_FORM_MAX	24

struct ui_form {
	struct ui_item	items[UI_FORM_MAX];
	size_t		n;
	int		focus;		/* item index, -1: none */
	int		top;		/* scrolled rows */
};

/* What a form did with a key. */
enum ui_form_ev {
	UI_FORM_IGNORED,
	UI_FORM_HANDLED,
	UI_FORM_CHANGED,	/* item *which changed value */
	UI_FORM_BUTTON,		/* button *which pressed */
	UI_FORM_SUBMIT		/* Enter in a field, list or check box */
};

void	ui_form_reset(struct ui_form *);
/* Add items (pointers are borrowed); each returns the item's index. */
int	ui_form_text(struct ui_form *, enum ui_role, const char *);
int	ui_form_field(struct ui_form *, struct ui_field *);
int	ui_form_list(struct ui_form *, struct ui_list *, int rows);
int	ui_form_check(struct ui_form *, const char *label, int *value);
int	ui_form_buttons(struct ui_form *, struct ui_buttons *);
/* Move the focus to item i (or the next focusable one after it). */
void	ui_form_focus(struct ui_form *, int i);
enum ui_form_ev ui_form_key(struct ui_form *, int key, int *which);
void	ui_form_draw(struct ui_form *, struct ui_rect);
/* The focused item, or NULL. */
struct ui_item *ui_form_focused(struct ui_form *);
/* Help bar hints for the focused item; returns how many were added. */
size_t	ui_form_hints(struct ui_form *, struct ui_hint *, size_t max);

#endif
