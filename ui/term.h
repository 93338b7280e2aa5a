/*
 * The terminal under the loop (ui/ internal): opening it with curses (or a
 * virtual one for the headless mode), reading keys, the theme, dumping
 * the screen, and giving the terminal back on every way out: a normal
 * exit, Ctrl-C and the other quitting signals (through the loop), and
 * crashes (from the signal handler, with nothing but write(2) and
 * tcsetattr(3), which are safe there).
 */
#ifndef SEGSYNC_UI_TERM_H
#define SEGSYNC_UI_TERM_H

#include <stdio.h>

struct ui_opts;

/* Open; 0, or -1 with *cause. wake_fd is written to on a signal. */
int	ui_term_open(const struct ui_opts *, int wake_fd, char **cause);
/* Give the terminal back (idempotent). */
void	ui_term_close(void);

/* The file descriptor keys arrive on, or -1 in headless mode. */
int	ui_term_fd(void);
/* The next key (keys.h) already typed, or -1 when there is none. */
int	ui_term_key(void);
/* The current size. */
void	ui_term_size(int *cols, int *rows);
/* Headless: the virtual terminal changes size (as a user's would). */
void	ui_term_resize(int cols, int rows);
/* Forget what the terminal shows: the next update repaints it all. */
void	ui_term_repaint(void);
/* Push the frame drawn since the last call to the terminal. */
void	ui_term_update(void);

/* Leave curses for plain text (ui_show_plain), and come back. */
void	ui_term_suspend(const char *text, const char *prompt);
void	ui_term_resume(void);

/* Write what the terminal shows to path as UTF-8 text lines. */
int	ui_term_dump(const char *path, char **cause);

/* The signal that asked to quit (SIGINT, SIGTERM, SIGHUP), or 0. */
int	ui_term_signal(void);
/* Forget a SIGINT the UI answered with a question instead. */
void	ui_term_signal_clear(void);

/* The theme (draw.c): colours unless NO_COLOR or none available. */
void	ui_theme_init(int colour);
/* Where ui_cursor() asked the cursor to be (draw.c); y < 0: hidden. */
void	ui_cursor_get(int *y, int *x);

#endif
