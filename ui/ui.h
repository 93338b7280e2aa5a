/*
 * The terminal UI's frame: the terminal (term.c), drawing with a small
 * theme (draw.c), and the event loop with its screen stack, modal boxes,
 * message line, help bar and background jobs (loop.c). It knows curses,
 * not destinations: screens/ glue the core (src/) to it.
 *
 * The loop (shared/docs/architecture.md, "The event loop (UI)"):
 *
 *	for (;;) {
 *		keys: drained with wget_wch() in no-delay mode, each to the
 *		    modal box, else the top screen, else the global keys
 *		    (F1 or ? help, q quit, Esc back);
 *		a finished background job: its done callback;
 *		timers: the spinner;
 *		render: only the dirty regions of the frame, then one
 *		    doupdate();
 *		wait: poll() on the terminal and the wake-up pipe (jobs,
 *		    signals) until the next timer is due: the only place
 *		    the program waits.
 *	}
 *
 * Slow work (the Argon2id key derivation, a connection test, a target
 * lookup) runs in one worker thread at a time (ui_job_start) that never
 * touches curses; a modal spinner shows meanwhile, and the job's done
 * callback runs back in the loop.
 *
 * Screens (screens/) are struct ui_screen with a const ops table
 * (style.md R2). Their key handler returns 1 when it used the key; they
 * never refresh the terminal themselves: changes go through ui_dirty().
 * Pushing, popping and replacing screens take effect between keys.
 *
 * The headless mode (SEGSYNC_UI_SCRIPT, style.md R13) runs the same loop
 * on a virtual terminal (newterm on /dev/null) with keys from a script
 * and screen dumps for golden files (ui_term_dump).
 */
#ifndef SEGSYNC_UI_UI_H
#define SEGSYNC_UI_UI_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "layout.h"

struct ui;
struct ui_screen;

/* What the drawing functions are asked to look like (draw.c's theme). */
enum ui_role {
	UI_A_NORMAL,
	UI_A_TITLE,		/* title bar */
	UI_A_HELP,		/* help bar */
	UI_A_HELPKEY,		/* a key name in the help bar */
	UI_A_HEADING,		/* headings, group rows */
	UI_A_DIM,		/* notes, disabled things */
	UI_A_SEL,		/* the selected row of the focused list */
	UI_A_SEL_UNFOCUSED,	/* the selected row of another list */
	UI_A_FIELD,		/* an input area */
	UI_A_FIELD_FOCUS,	/* the input area being typed in */
	UI_A_BUTTON,
	UI_A_BUTTON_FOCUS,
	UI_A_OK,
	UI_A_WARN,
	UI_A_ERROR,
	UI_A_BOX,		/* modal boxes */
	UI_A_COUNT
};

/* Small pictures with an ASCII form for terminals without UTF-8. */
enum ui_glyph {
	UI_G_HLINE, UI_G_VLINE, UI_G_TL, UI_G_TR, UI_G_BL, UI_G_BR,
	UI_G_BULLET,		/* a masked character */
	UI_G_ELLIPSIS,
	UI_G_RADIO_ON, UI_G_RADIO_OFF,
	UI_G_CHECK_ON, UI_G_CHECK_OFF,
	UI_G_MARK,		/* the focus mark */
	UI_G_ARROW,		/* "from" in mappings */
	UI_G_OK, UI_G_FAIL, UI_G_WARN,
	UI_G_SEP,		/* between parts of the title */
	UI_G_BAR_FULL,		/* a progress bar's done part */
	UI_G_BAR_EMPTY,		/* and the rest */
	UI_G_COUNT
};

/* The message line's kinds. */
enum ui_msg {
	UI_MSG_INFO,
	UI_MSG_OK,
	UI_MSG_WARN,
	UI_MSG_ERROR
};

/* Regions of the frame, redrawn only when dirty. */
#define UI_DIRTY_TITLE		0x01
#define UI_DIRTY_BODY		0x02
#define UI_DIRTY_MESSAGE	0x04
#define UI_DIRTY_HELP		0x08
#define UI_DIRTY_MODAL		0x10
#define UI_DIRTY_ALL		0x1f

/* One key hint of the help bar: "Tab" "next field". */
struct ui_hint {
	const char	*key;
	const char	*label;
};
#define UI_HINTS_MAX	10

struct ui_screen_ops {
	const char	*name;
	/* The title bar's text for this screen (borrowed). */
	const char	*(*title)(struct ui_screen *);
	/* Draw into the body rectangle. */
	void		 (*draw)(struct ui_screen *, struct ui *,
			     struct ui_rect body);
	/* A key: 1 when used, 0 to let the loop try its global keys. */
	int		 (*key)(struct ui_screen *, struct ui *, int key);
	/* The keys that apply now, for the help bar; returns how many. */
	size_t		 (*hints)(struct ui_screen *, struct ui_hint *,
			     size_t max);
	/* The full help (F1), borrowed; NULL for none. */
	const char	*(*help)(struct ui_screen *);
	/* 1 when leaving would lose something typed. */
	int		 (*unsaved)(struct ui_screen *);
	/* Back on top after the screen above it went: refresh. */
	void		 (*resume)(struct ui_screen *, struct ui *);
	/*
	 * Called every UI_TICK_MS while on top (may be NULL); returns 0
	 * when nothing needs it, and the loop then sleeps without a
	 * timeout until the next key or the screen comes back on top.
	 */
	int		 (*tick)(struct ui_screen *, struct ui *,
			     uint64_t now_ms);
	void		 (*free)(struct ui_screen *);
	/*
	 * The smallest terminal the screen lays itself out in (0: the
	 * UI's UI_MIN_COLS x UI_MIN_ROWS); below it the size notice shows.
	 */
	int		 min_cols;
	int		 min_rows;
};

struct ui_screen {
	const struct ui_screen_ops	*ops;
};

#define UI_TICK_MS	100

/* How the terminal is opened. */
struct ui_opts {
	const char	*script;	/* headless: the key script */
	const char	*dump_dir;	/* headless: where dumps go */
	int		 cols, rows;	/* headless: the terminal size */
};

/*
 * Open the terminal (or the headless virtual one) and the loop.
 * NULL with *cause when there is no usable terminal.
 */
struct ui	*ui_open(const struct ui_opts *, char **cause);
/* Run until ui_quit(); returns the status given to it. */
int		 ui_run(struct ui *);
/* Restore the terminal, free every screen and the loop. */
void		 ui_close(struct ui **);

/* Screens: the ui owns them once pushed and frees them when popped. */
void		 ui_push(struct ui *, struct ui_screen *);
void		 ui_pop(struct ui *);
void		 ui_replace(struct ui *, struct ui_screen *);
struct ui_screen *ui_top(struct ui *);
/* The screen under the top one, or NULL. */
struct ui_screen *ui_under(struct ui *);

/* Stop the loop after this key with this exit status. */
void		 ui_quit(struct ui *, int status);
/* Ask first when a screen has something unsaved. */
void		 ui_quit_ask(struct ui *);

void		 ui_dirty(struct ui *, unsigned);
const struct ui_layout *ui_layout(struct ui *);

/* Notes shown at the end of every help box (copied; NULL for none). */
void		 ui_set_notes(struct ui *, const char *);

/* The right part of the title bar: workspace and member (copied). */
void		 ui_set_status(struct ui *, const char *);

/* The message line, until the next key; printf-like. */
void		 ui_message(struct ui *, enum ui_msg, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
void		 ui_message_clear(struct ui *);

/* Milliseconds on the UI clock (virtual and still in headless mode). */
uint64_t	 ui_now(struct ui *);

/*
 * A yes/no question in a box. done(arg, yes) runs when it is answered
 * (Esc is no). The default answer is no when no_default is set.
 */
typedef void	 ui_answer_fn(struct ui *, void *arg, int yes);
void		 ui_confirm(struct ui *, const char *title, const char *text,
		     const char *yes, const char *no, int no_default,
		     ui_answer_fn *done, void *arg);
/* A box with text and OK (done may be NULL). */
void		 ui_notice(struct ui *, const char *title, const char *text,
		     ui_answer_fn *done, void *arg);
/*
 * A small picker in a box: n items (copied), sel selected at first;
 * done(arg, i) gets the item chosen with Enter, or -1 for Esc.
 */
void		 ui_choose(struct ui *, const char *title,
		     const char *const *items, int n, int sel,
		     ui_answer_fn *done, void *arg);
/*
 * Show text alone on the terminal, outside curses, so that the
 * terminal's own selection copies it whole even where it wraps (an
 * address to open elsewhere); Enter comes back. Headless: a box.
 */
void		 ui_show_plain(struct ui *, const char *text);
/* The help box of the top screen (F1, ?). */
void		 ui_show_help(struct ui *);

/*
 * Background work: fn(arg) runs in a worker thread (no curses, no UI
 * state), then done(ui, arg) in the loop. A box with a spinner and text
 * shows meanwhile; keys wait (Ctrl-C still quits). One job at a time:
 * -1 with *cause when one is running or the thread cannot start.
 */
typedef void	 ui_job_fn(void *arg);
typedef void	 ui_job_done_fn(struct ui *, void *arg);
int		 ui_job_start(struct ui *, const char *text, ui_job_fn *,
		     ui_job_done_fn *, void *arg, char **cause);

/* Drawing (draw.c), on the current frame, clipped to the screen. */
const char	*ui_glyph(enum ui_glyph);
/*
 * Text at (y, x), at most maxw columns (cut with an ellipsis when cut is
 * set); returns the columns used.
 */
int		 ui_draw_text(int y, int x, int maxw, enum ui_role,
		     const char *s);
int		 ui_draw_ntext(int y, int x, int maxw, enum ui_role,
		     const char *s, size_t len, int cut);
void		 ui_draw_fill(int y, int x, int w, enum ui_role);
void		 ui_draw_box(struct ui_rect, enum ui_role, const char *title);
/* Wrapped text from the top of r; returns the rows it needs. */
int		 ui_draw_wrap(struct ui_rect r, enum ui_role, const char *s);
/* Rows s needs wrapped in w columns. */
int		 ui_wrap_rows(const char *s, int w);
/* Put the terminal's cursor there (shown), or hide it (y < 0). */
void		 ui_cursor(int y, int x);
/* The spinner's picture at this time. */
const char	*ui_spinner(uint64_t now_ms);

#endif
