/* The terminal under the loop (see term.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "keys.h"
#include "term.h"
#include "text.h"
#include "ui.h"

/* Last: it defines lower-case macros (lines, columns) our headers use. */
#include <term.h>

/* Geometry of the virtual terminal unless the script says otherwise. */
#define UI_HEADLESS_COLS	80
#define UI_HEADLESS_ROWS	24

static SCREEN			*ui_scr;
static FILE			*ui_out;
static FILE			*ui_in;
static WINDOW			*ui_inwin;
static int			 ui_headless_mode;
static int			 ui_wake_fd = -1;
static volatile sig_atomic_t	 ui_quit_signal;

/* What the crash handler writes and restores (prepared in advance). */
static struct termios		 ui_saved_tio;
static int			 ui_saved_ok;
static char			 ui_reset_seq[256];
static size_t			 ui_reset_len;

static const int ui_quit_sigs[] = { SIGINT, SIGTERM, SIGHUP };
static const int ui_fatal_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	SIGABRT };

/* Quitting signals: only a flag and a byte on the wake-up pipe. */
static void
ui_on_quit_signal(int sig)
{
	int	saved = errno;
	char	c = 's';

	ui_quit_signal = sig;
	if (ui_wake_fd != -1)
		(void)write(ui_wake_fd, &c, 1);
	errno = saved;
}

/*
 * Crashes: give the terminal back with async-signal-safe calls only,
 * then die of the same signal.
 */
static void
ui_on_fatal_signal(int sig)
{
	if (!ui_headless_mode && ui_saved_ok) {
		(void)write(STDOUT_FILENO, ui_reset_seq, ui_reset_len);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &ui_saved_tio);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Append a terminfo capability to the crash reset sequence. */
static void
ui_reset_add(const char *cap)
{
	char	*s;
	size_t	 len;

	s = tigetstr((char *)cap);
	if (s == NULL || s == (char *)-1)
		return;
	len = strlen(s);
	if (ui_reset_len + len >= sizeof ui_reset_seq)
		return;
	memcpy(ui_reset_seq + ui_reset_len, s, len);
	ui_reset_len += len;
}

static void
ui_signals(void)
{
	struct sigaction	sa;
	size_t			i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = ui_on_quit_signal;
	for (i = 0; i < sizeof ui_quit_sigs / sizeof ui_quit_sigs[0]; i++)
		sigaction(ui_quit_sigs[i], &sa, NULL);
	sa.sa_handler = ui_on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof ui_fatal_sigs / sizeof ui_fatal_sigs[0]; i++)
		sigaction(ui_fatal_sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
ui_signals_default(void)
{
	size_t	i;

	for (i = 0; i < sizeof ui_quit_sigs / sizeof ui_quit_sigs[0]; i++)
		signal(ui_quit_sigs[i], SIG_DFL);
	for (i = 0; i < sizeof ui_fatal_sigs / sizeof ui_fatal_sigs[0]; i++)
		signal(ui_fatal_sigs[i], SIG_DFL);
}

static int
ui_locale_utf8(void)
{
	const char	*cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

static int
ui_want_colour(void)
{
	const char	*nc = getenv("NO_COLOR");

	if (nc != NULL && *nc != '\0')
		return 0;
	return has_colors();
}

int
ui_term_open(const struct ui_opts *o, int wake_fd, char **cause)
{
	const char	*term;

	ui_text_init(ui_locale_utf8());
	ui_wake_fd = wake_fd;
	ui_quit_signal = 0;
	ui_headless_mode = o->script != NULL;
	if (ui_headless_mode) {
		/*
		 * A virtual terminal: curses draws to /dev/null and keeps
		 * its idea of the screen, which ui_term_dump() reads.
		 */
		ui_out = fopen("/dev/null", "w");
		ui_in = fopen("/dev/null", "r");
		if (ui_out == NULL || ui_in == NULL) {
			*cause = xasprintf(_("cannot open /dev/null: %s"),
			    strerror(errno));
			goto fail;
		}
		ui_scr = newterm("xterm-256color", ui_out, ui_in);
		if (ui_scr == NULL)
			ui_scr = newterm("vt100", ui_out, ui_in);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			*cause = xstrdup(_(
			    "the terminal UI needs a terminal on "
			    "standard input and output; to script segsync, use "
			    "its commands (see 'segsync --help')"));
			return -1;
		}
		term = getenv("TERM");
		if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0) {
			*cause = xstrdup(_("the terminal UI needs a terminal "
			    "that can move the cursor, and TERM is not set "
			    "or is \"dumb\"; set TERM (for example "
			    "TERM=xterm) or use the commands (see 'segsync "
			    "--help')"));
			return -1;
		}
		ui_saved_ok = tcgetattr(STDIN_FILENO, &ui_saved_tio) == 0;
		ui_scr = newterm(NULL, stdout, stdin);
	}
	if (ui_scr == NULL) {
		*cause = xasprintf(_("the terminal \"%s\" is unknown to "
		    "curses; set TERM to one it knows, such as xterm or "
		    "vt100"), ui_headless_mode ? "xterm-256color" :
		    getenv("TERM"));
		goto fail;
	}
	set_term(ui_scr);
	if (ui_headless_mode)
		resizeterm(o->rows > 0 ? o->rows : UI_HEADLESS_ROWS,
		    o->cols > 0 ? o->cols : UI_HEADLESS_COLS);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	set_escdelay(25);
	curs_set(0);
	/* Keys come from their own window: wget_wch() never repaints. */
	ui_inwin = newwin(1, 1, 0, 0);
	keypad(ui_inwin, TRUE);
	nodelay(ui_inwin, TRUE);
	meta(ui_inwin, TRUE);
	if (ui_want_colour()) {
		start_color();
		use_default_colors();
		ui_theme_init(1);
	} else
		ui_theme_init(0);
	if (!ui_headless_mode) {
		ui_reset_len = 0;
		ui_reset_add("sgr0");
		ui_reset_add("cnorm");
		ui_reset_add("rmkx");
		ui_reset_add("rmcup");
	}
	ui_signals();
	return 0;
fail:
	if (ui_out != NULL)
		fclose(ui_out);
	if (ui_in != NULL)
		fclose(ui_in);
	ui_out = ui_in = NULL;
	return -1;
}

void
ui_term_close(void)
{
	if (ui_scr == NULL)
		return;
	if (ui_inwin != NULL)
		delwin(ui_inwin);
	ui_inwin = NULL;
	curs_set(1);
	endwin();
	delscreen(ui_scr);
	ui_scr = NULL;
	if (ui_out != NULL)
		fclose(ui_out);
	if (ui_in != NULL)
		fclose(ui_in);
	ui_out = ui_in = NULL;
	if (!ui_headless_mode && ui_saved_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &ui_saved_tio);
	ui_signals_default();
	ui_wake_fd = -1;
}

int
ui_term_fd(void)
{
	return ui_headless_mode ? -1 : STDIN_FILENO;
}

static int
ui_term_translate(int rc, wint_t wc)
{
	if (rc == KEY_CODE_YES) {
		switch (wc) {
		case KEY_UP:
			return UI_KEY_UP;
		case KEY_DOWN:
			return UI_KEY_DOWN;
		case KEY_LEFT:
			return UI_KEY_LEFT;
		case KEY_RIGHT:
			return UI_KEY_RIGHT;
		case KEY_HOME:
			return UI_KEY_HOME;
		case KEY_END:
			return UI_KEY_END;
		case KEY_PPAGE:
			return UI_KEY_PGUP;
		case KEY_NPAGE:
			return UI_KEY_PGDN;
		case KEY_BACKSPACE:
			return UI_KEY_BACKSPACE;
		case KEY_DC:
			return UI_KEY_DELETE;
		case KEY_ENTER:
			return UI_KEY_ENTER;
		case KEY_BTAB:
			return UI_KEY_BTAB;
		case KEY_RESIZE:
			return UI_KEY_RESIZE;
		default:
			if (wc >= KEY_F(1) && wc <= KEY_F(12))
				return UI_KEY_F((int)(wc - KEY_F0));
			return -1;
		}
	}
	switch (wc) {
	case '\r':
	case '\n':
		return UI_KEY_ENTER;
	case '\t':
		return UI_KEY_TAB;
	case 27:
		return UI_KEY_ESC;
	case 127:
	case 8:
		return UI_KEY_BACKSPACE;
	}
	return (int)wc;
}

int
ui_term_key(void)
{
	wint_t	wc;
	int	rc, key;

	if (ui_headless_mode || ui_inwin == NULL)
		return -1;
	for (;;) {
		rc = wget_wch(ui_inwin, &wc);
		if (rc == ERR)
			return -1;
		key = ui_term_translate(rc, wc);
		if (key != -1)
			return key;
	}
}

void
ui_term_size(int *cols, int *rows)
{
	*cols = COLS;
	*rows = LINES;
}

void
ui_term_resize(int cols, int rows)
{
	resizeterm(rows, cols);
}

void
ui_term_repaint(void)
{
	clearok(curscr, TRUE);
}

void
ui_term_update(void)
{
	int	y, x;

	ui_cursor_get(&y, &x);
	if (y >= 0 && y < LINES && x >= 0 && x < COLS) {
		wmove(stdscr, y, x);
		curs_set(1);
		leaveok(stdscr, FALSE);
	} else {
		curs_set(0);
		leaveok(stdscr, TRUE);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

void
ui_term_suspend(const char *text, const char *prompt)
{
	def_prog_mode();
	endwin();
	/* One write the terminal wraps itself: selections copy one line. */
	printf("\n%s\n\n%s", text, prompt);
	fflush(stdout);
}

void
ui_term_resume(void)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
}

int
ui_term_dump(const char *path, char **cause)
{
	wchar_t	*w;
	char	*text, enc[4];
	size_t	 len = 0, cap, i, n, end;
	int	 y, got;

	w = xcalloc((size_t)COLS * 4 + 1, sizeof *w);
	cap = (size_t)LINES * ((size_t)COLS * 8 + 1) + 1;
	text = xmalloc(cap);
	for (y = 0; y < LINES; y++) {
		got = mvwinnwstr(curscr, y, 0, w, COLS * 4);
		end = len;
		for (i = 0; got > 0 && i < (size_t)got && w[i] != L'\0'; i++) {
			n = ui_text_encode((uint32_t)w[i], enc);
			memcpy(text + len, enc, n);
			len += n;
			if (w[i] != L' ')
				end = len;
		}
		len = end;		/* no trailing spaces */
		text[len++] = '\n';
	}
	free(w);
	if (fileio_write_atomic(path, text, len, 0600, (gid_t)-1,
	    cause) == -1) {
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

int
ui_term_signal(void)
{
	return ui_quit_signal;
}

void
ui_term_signal_clear(void)
{
	ui_quit_signal = 0;
}
