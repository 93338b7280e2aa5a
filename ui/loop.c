/* The event loop, the screen stack, modal boxes and jobs (see ui.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "script.h"
#include "term.h"
#include "text.h"
#include "ui.h"

#define UI_STACK_MAX	16

enum ui_modal_kind {
	UI_MODAL_NONE,
	UI_MODAL_CONFIRM,
	UI_MODAL_NOTICE,
	UI_MODAL_HELP,
	UI_MODAL_BUSY,
	UI_MODAL_CHOOSE
};

struct ui_modal {
	enum ui_modal_kind	 kind;
	char			*title;
	char			*text;
	char			*yes;
	char			*no;
	int			 sel;		/* 0 yes, 1 no; chosen */
	int			 top;		/* help: first row shown */
	char			**items;	/* choose: what to pick from */
	int			 nitems;
	ui_answer_fn		*done;
	void			*arg;
};

struct ui {
	struct ui_layout	 lay;
	unsigned		 dirty;
	struct ui_screen	*stack[UI_STACK_MAX];
	int			 depth;
	struct ui_screen	*dead[UI_STACK_MAX * 2];
	int			 ndead;
	struct ui_modal		 modal;
	char			*msg;
	enum ui_msg		 msg_kind;
	char			*last_msg;	/* kept after msg clears: F8 */
	int			 interrupt_asked; /* Ctrl-C's question open */
	char			*status;
	char			*notes;
	int			 quit;
	int			 exit_status;
	int			 suspended;	/* ui_show_plain */

	int			 wake[2];

	/* The background job. */
	int			 job_running;
	pthread_t		 job_thread;
	ui_job_fn		*job_fn;
	ui_job_done_fn		*job_done;
	void			*job_arg;

	/* Headless. */
	struct ui_script	*script;
	char			*dump_dir;
	uint64_t		 vclock;
	uint64_t		 next_tick;
	int			 ticking;	/* the top screen's tick */
};

static void	ui_modal_close(struct ui *);

uint64_t
ui_now(struct ui *ui)
{
	if (ui->script != NULL)
		return ui->vclock;
	return (uint64_t)util_mono_ms();
}

/* The smallest terminal the top screen needs. */
static void
ui_min_size(struct ui *ui, int *cols, int *rows)
{
	struct ui_screen	*s = ui->depth > 0 ? ui->stack[ui->depth - 1] :
				    NULL;

	*cols = s != NULL && s->ops->min_cols > 0 ? s->ops->min_cols :
	    UI_MIN_COLS;
	*rows = s != NULL && s->ops->min_rows > 0 ? s->ops->min_rows :
	    UI_MIN_ROWS;
}

/* Whether the terminal is too small for the screen on top now. */
static void
ui_fit(struct ui *ui)
{
	int	mc, mr;

	ui_min_size(ui, &mc, &mr);
	ui->lay.too_small = ui->lay.cols < mc || ui->lay.rows < mr;
}

static void
ui_relayout(struct ui *ui)
{
	int	cols, rows;

	ui_term_size(&cols, &rows);
	ui_layout_screen(cols, rows, &ui->lay);
	ui_fit(ui);
	ui_term_repaint();
	erase();
	ui->dirty = UI_DIRTY_ALL;
}

struct ui *
ui_open(const struct ui_opts *o, char **cause)
{
	struct ui	*ui;
	int		 i, fl;

	ui = xcalloc(1, sizeof *ui);
	ui->wake[0] = ui->wake[1] = -1;
	if (o->script != NULL) {
		if (ui_script_load(o->script, &ui->script, cause) == -1)
			goto fail;
		ui->dump_dir = xstrdup(o->dump_dir != NULL ? o->dump_dir :
		    ".");
		ui->vclock = 1000000;
	}
	if (pipe(ui->wake) == -1) {
		*cause = xasprintf(_("cannot create a pipe: %s"),
		    strerror(errno));
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		fl = fcntl(ui->wake[i], F_GETFL);
		fcntl(ui->wake[i], F_SETFL, fl | O_NONBLOCK);
		fcntl(ui->wake[i], F_SETFD, FD_CLOEXEC);
	}
	if (ui_term_open(o, ui->wake[1], cause) == -1)
		goto fail;
	ui_relayout(ui);
	return ui;
fail:
	if (ui->wake[0] != -1) {
		close(ui->wake[0]);
		close(ui->wake[1]);
	}
	ui_script_free(&ui->script);
	free(ui->dump_dir);
	free(ui);
	return NULL;
}

static void
ui_reap(struct ui *ui)
{
	struct ui_screen	*s;

	while (ui->ndead > 0) {
		s = ui->dead[--ui->ndead];
		s->ops->free(s);
	}
}

void
ui_close(struct ui **uip)
{
	struct ui	*ui = *uip;

	if (ui == NULL)
		return;
	ui_term_close();
	/*
	 * A job still running (Ctrl-C during a connection test) owns its
	 * argument: leave both to the process exit rather than wait.
	 */
	if (ui->job_running)
		pthread_detach(ui->job_thread);
	while (ui->depth > 0)
		ui->dead[ui->ndead++] = ui->stack[--ui->depth];
	ui_reap(ui);
	ui_modal_close(ui);
	close(ui->wake[0]);
	if (!ui->job_running)
		close(ui->wake[1]);
	ui_script_free(&ui->script);
	free(ui->dump_dir);
	free(ui->msg);
	free(ui->last_msg);
	free(ui->status);
	free(ui->notes);
	free(ui);
	*uip = NULL;
}

void
ui_push(struct ui *ui, struct ui_screen *s)
{
	if (ui->depth == UI_STACK_MAX) {
		s->ops->free(s);
		return;
	}
	ui->stack[ui->depth++] = s;
	ui->dirty = UI_DIRTY_ALL;
	ui->ticking = 1;
	ui_fit(ui);
}

void
ui_pop(struct ui *ui)
{
	struct ui_screen	*top;

	if (ui->depth == 0)
		return;
	ui->dead[ui->ndead++] = ui->stack[--ui->depth];
	ui->dirty = UI_DIRTY_ALL;
	ui->ticking = 1;
	ui_fit(ui);
	if (ui->depth > 0) {
		top = ui->stack[ui->depth - 1];
		if (top->ops->resume != NULL)
			top->ops->resume(top, ui);
	}
}

void
ui_replace(struct ui *ui, struct ui_screen *s)
{
	if (ui->depth > 0)
		ui->dead[ui->ndead++] = ui->stack[--ui->depth];
	ui_push(ui, s);
}

struct ui_screen *
ui_top(struct ui *ui)
{
	return ui->depth > 0 ? ui->stack[ui->depth - 1] : NULL;
}

struct ui_screen *
ui_under(struct ui *ui)
{
	return ui->depth > 1 ? ui->stack[ui->depth - 2] : NULL;
}

void
ui_quit(struct ui *ui, int status)
{
	ui->quit = 1;
	ui->exit_status = status;
}

static void
ui_quit_answer(struct ui *ui, void *arg, int yes)
{
	(void)arg;
	if (yes)
		ui_quit(ui, 0);
}

static void
ui_close_answer(struct ui *ui, void *arg, int yes)
{
	(void)arg;
	if (yes)
		ui_pop(ui);
}

/* q, as in tig and htop: close this screen (asking over typed input). */
static void
ui_close_ask(struct ui *ui)
{
	struct ui_screen	*s = ui_top(ui);

	if (s != NULL && s->ops->unsaved != NULL && s->ops->unsaved(s)) {
		ui_confirm(ui, _("Leave this screen?"), _("What you typed "
		    "has not been saved and will be lost."), _("Leave"),
		    _("Stay"), 1, ui_close_answer, NULL);
		return;
	}
	ui_pop(ui);
}

void
ui_quit_ask(struct ui *ui)
{
	struct ui_screen	*s;
	int			 i;

	for (i = ui->depth - 1; i >= 0; i--) {
		s = ui->stack[i];
		if (s->ops->unsaved != NULL && s->ops->unsaved(s)) {
			ui_confirm(ui, _("Quit segsync?"), _("What you typed "
			    "has not been saved and will be lost."),
			    _("Quit"), _("Stay"), 1, ui_quit_answer, NULL);
			return;
		}
	}
	ui_quit(ui, 0);
}

void
ui_dirty(struct ui *ui, unsigned what)
{
	ui->dirty |= what;
}

const struct ui_layout *
ui_layout(struct ui *ui)
{
	return &ui->lay;
}

void
ui_set_notes(struct ui *ui, const char *s)
{
	free(ui->notes);
	ui->notes = s != NULL ? xstrdup(s) : NULL;
}

void
ui_set_status(struct ui *ui, const char *s)
{
	free(ui->status);
	ui->status = s != NULL ? xstrdup(s) : NULL;
	ui->dirty |= UI_DIRTY_TITLE;
}

void
ui_message(struct ui *ui, enum ui_msg kind, const char *fmt, ...)
{
	va_list	ap;

	free(ui->msg);
	va_start(ap, fmt);
	ui->msg = xvasprintf(fmt, ap);
	va_end(ap);
	ui->msg_kind = kind;
	free(ui->last_msg);
	ui->last_msg = xstrdup(ui->msg);
	ui->dirty |= UI_DIRTY_MESSAGE | UI_DIRTY_HELP;
}

void
ui_message_clear(struct ui *ui)
{
	if (ui->msg == NULL)
		return;
	xfree(&ui->msg);
	ui->dirty |= UI_DIRTY_MESSAGE | UI_DIRTY_HELP;
}

/* Modal boxes. */

static void
ui_modal_close(struct ui *ui)
{
	struct ui_modal	*m = &ui->modal;

	int		 i;

	free(m->title);
	free(m->text);
	free(m->yes);
	free(m->no);
	for (i = 0; i < m->nitems; i++)
		free(m->items[i]);
	free(m->items);
	memset(m, 0, sizeof *m);
	ui->dirty = UI_DIRTY_ALL;
}

static void
ui_modal_open(struct ui *ui, enum ui_modal_kind kind, const char *title,
    const char *text)
{
	ui_modal_close(ui);
	ui->modal.kind = kind;
	ui->modal.title = title != NULL ? xstrdup(title) : NULL;
	ui->modal.text = xstrdup(text);
}

void
ui_confirm(struct ui *ui, const char *title, const char *text,
    const char *yes, const char *no, int no_default, ui_answer_fn *done,
    void *arg)
{
	ui_modal_open(ui, UI_MODAL_CONFIRM, title, text);
	ui->modal.yes = xstrdup(yes);
	ui->modal.no = xstrdup(no);
	ui->modal.sel = no_default ? 1 : 0;
	ui->modal.done = done;
	ui->modal.arg = arg;
}

void
ui_choose(struct ui *ui, const char *title, const char *const *items, int n,
    int sel, ui_answer_fn *done, void *arg)
{
	int	i;

	ui_modal_open(ui, UI_MODAL_CHOOSE, title, "");
	ui->modal.items = xcalloc((size_t)n + 1, sizeof *ui->modal.items);
	for (i = 0; i < n; i++)
		ui->modal.items[i] = xstrdup(items[i]);
	ui->modal.nitems = n;
	ui->modal.sel = sel >= 0 && sel < n ? sel : 0;
	ui->modal.done = done;
	ui->modal.arg = arg;
}

void
ui_notice(struct ui *ui, const char *title, const char *text,
    ui_answer_fn *done, void *arg)
{
	ui_modal_open(ui, UI_MODAL_NOTICE, title, text);
	ui->modal.yes = xstrdup(_("OK"));
	ui->modal.done = done;
	ui->modal.arg = arg;
}

static const char ui_general_help[] = N_(
    "Keys that work everywhere:\n"
    "  Tab, Shift-Tab   next and previous field or button\n"
    "  Up, Down         move in a list; PgUp, PgDn by pages\n"
    "  Enter            choose, or go on to the next step\n"
    "  Esc              back to the previous screen\n"
    "  F1 or ?          this help (? types a '?' in a text field)\n"
    "  F8               the last message of the status line, whole\n"
    "  q                close this screen; on Home, quit (asks first\n"
    "                   when something is not saved, or runs go on)\n"
    "  Ctrl-C           quit at once (asks first over typed input)\n"
    "  Ctrl-Z           suspend, in a shell with job control (fg)");

void
ui_show_help(struct ui *ui)
{
	struct ui_screen	*s = ui_top(ui);
	const char		*own = NULL, *title = "segsync";
	char			*text;

	if (s != NULL && s->ops->help != NULL)
		own = s->ops->help(s);
	if (s != NULL && s->ops->title != NULL)
		title = s->ops->title(s);
	/* The screen's help, the workspace's notes, then the keys. */
	if (own != NULL && ui->notes != NULL)
		text = xasprintf(_("%s\n\nNotes for this workspace:\n%s\n%s"),
		    own, ui->notes, _(ui_general_help));
	else if (ui->notes != NULL)
		text = xasprintf(_("Notes for this workspace:\n%s\n%s"),
		    ui->notes, _(ui_general_help));
	else if (own != NULL)
		text = xasprintf("%s\n\n%s", own, _(ui_general_help));
	else
		text = xstrdup(_(ui_general_help));
	ui_modal_open(ui, UI_MODAL_HELP, title, text);
	free(text);
}

void
ui_show_plain(struct ui *ui, const char *text)
{
	if (ui->script != NULL) {
		ui_notice(ui, _("The address alone"), text, NULL, NULL);
		return;
	}
	ui_term_suspend(text, _("Select it to copy it, then press Enter to go "
	    "back to segsync."));
	ui->suspended = 1;
}

/* Back from ui_show_plain once a line (Enter) was typed. */
static void
ui_suspended_input(struct ui *ui)
{
	char	buf[256];
	ssize_t	n;
	int	back = 0;

	while ((n = read(ui_term_fd(), buf, sizeof buf)) > 0)
		if (memchr(buf, '\n', (size_t)n) != NULL ||
		    memchr(buf, '\r', (size_t)n) != NULL) {
			back = 1;
			break;
		}
	if (n == 0)
		back = 1;
	if (back) {
		ui->suspended = 0;
		ui_term_resume();
		ui_relayout(ui);
	}
}

/* A key for the open modal box. */
static void
ui_modal_key(struct ui *ui, int key)
{
	struct ui_modal	*m = &ui->modal;
	ui_answer_fn	*done = m->done;
	void		*arg = m->arg;
	int		 yes = -1;

	switch (m->kind) {
	case UI_MODAL_CONFIRM:
		if (key == UI_KEY_LEFT || key == UI_KEY_RIGHT ||
		    key == UI_KEY_TAB || key == UI_KEY_BTAB)
			m->sel = !m->sel;
		else if (key == UI_KEY_ENTER || key == ' ')
			yes = m->sel == 0;
		else if (key == 'y' || key == 'Y')
			yes = 1;
		else if (key == 'n' || key == 'N' || key == UI_KEY_ESC)
			yes = 0;
		break;
	case UI_MODAL_NOTICE:
		if (key == UI_KEY_ENTER || key == UI_KEY_ESC || key == ' ')
			yes = 1;
		break;
	case UI_MODAL_HELP:
		if (key == UI_KEY_DOWN || key == UI_KEY_PGDN)
			m->top += key == UI_KEY_DOWN ? 1 : 10;
		else if (key == UI_KEY_UP || key == UI_KEY_PGUP)
			m->top -= key == UI_KEY_UP ? 1 : 10;
		else if (key == UI_KEY_ENTER || key == UI_KEY_ESC ||
		    key == 'q' || key == '?' || key == UI_KEY_F(1))
			yes = 1;
		if (m->top < 0)
			m->top = 0;
		break;
	case UI_MODAL_CHOOSE:
		if (key == UI_KEY_DOWN || key == UI_KEY_TAB)
			m->sel++;
		else if (key == UI_KEY_UP || key == UI_KEY_BTAB)
			m->sel--;
		else if (key == UI_KEY_PGDN)
			m->sel += 10;
		else if (key == UI_KEY_PGUP)
			m->sel -= 10;
		else if (key == UI_KEY_HOME)
			m->sel = 0;
		else if (key == UI_KEY_END)
			m->sel = m->nitems - 1;
		else if ((key == UI_KEY_ENTER || key == ' ') && m->nitems > 0)
			yes = m->sel;
		if (m->sel >= m->nitems)
			m->sel = m->nitems - 1;
		if (m->sel < 0)
			m->sel = 0;
		/* -1 is the answer "none", which yes == -1 cannot carry. */
		if (key == UI_KEY_ESC || key == 'q') {
			ui_modal_close(ui);
			if (done != NULL)
				done(ui, arg, -1);
			return;
		}
		break;
	case UI_MODAL_BUSY:
	case UI_MODAL_NONE:
		return;
	}
	ui->dirty |= UI_DIRTY_MODAL;
	if (yes == -1)
		return;
	ui_modal_close(ui);
	if (done != NULL)
		done(ui, arg, yes);
}

static void
ui_draw_buttons_at(int y, int x, const char *label, int focused)
{
	char	*t;

	t = xasprintf(focused ? "> %s <" : "[ %s ]", label);
	ui_draw_text(y, x, ui_text_width(t), focused ? UI_A_BUTTON_FOCUS :
	    UI_A_BUTTON, t);
	free(t);
}

/* The picker: its items in a box, the chosen one selected, scrolled. */
static void
ui_choose_draw(struct ui *ui, int w)
{
	struct ui_modal	*m = &ui->modal;
	struct ui_rect	 r;
	int		 rows = m->nitems, i, y;
	char		 buf[48];

	if (rows > ui->lay.body.h - 4)
		rows = ui->lay.body.h - 4;
	if (rows < 1)
		rows = 1;
	r = ui_layout_center(ui->lay.body, w, rows + 2);
	ui_draw_box(r, UI_A_BOX, m->title);
	if (m->sel < m->top)
		m->top = m->sel;
	if (m->sel >= m->top + rows)
		m->top = m->sel - rows + 1;
	for (i = 0; i < rows && m->top + i < m->nitems; i++) {
		y = r.y + 1 + i;
		if (m->top + i == m->sel) {
			ui_draw_fill(y, r.x + 1, r.w - 2, UI_A_SEL);
			ui_draw_text(y, r.x + 1, 1, UI_A_SEL,
			    ui_glyph(UI_G_MARK));
		}
		ui_draw_text(y, r.x + 3, r.w - 5, m->top + i == m->sel ?
		    UI_A_SEL : UI_A_BOX, m->items[m->top + i]);
	}
	if (m->nitems > rows) {
		snprintf(buf, sizeof buf, " %d/%d ", m->sel + 1, m->nitems);
		ui_draw_text(r.y + r.h - 1, r.x + 2, r.w - 4, UI_A_DIM, buf);
	}
}

static void
ui_modal_draw(struct ui *ui)
{
	struct ui_modal	*m = &ui->modal;
	struct ui_rect	 r, in;
	struct ui_line	*lines;
	size_t		 n, i;
	int		 w, h, textw, rows, x, wy, wn;
	char		 buf[64];

	w = ui->lay.body.w - 4;
	if (w > 70)
		w = 70;
	textw = w - 4;
	if (m->kind == UI_MODAL_BUSY) {
		rows = ui_wrap_rows(m->text, textw - 2);
		r = ui_layout_center(ui->lay.body, w, rows + 4);
		ui_draw_box(r, UI_A_BOX, NULL);
		ui_draw_text(r.y + 2, r.x + 2, 1, UI_A_HEADING,
		    ui_spinner(ui_now(ui)));
		in = (struct ui_rect){ r.x + 4, r.y + 2, textw - 2, rows };
		ui_draw_wrap(in, UI_A_BOX, m->text);
		return;
	}
	if (m->kind == UI_MODAL_CHOOSE) {
		ui_choose_draw(ui, w);
		return;
	}
	n = ui_text_wrap(m->text, textw, NULL, 0);
	rows = (int)n;
	if (m->kind == UI_MODAL_HELP) {
		h = ui->lay.body.h - 2;
		if (rows + 4 < h)
			h = rows + 4;
	} else
		h = rows + 5;
	r = ui_layout_center(ui->lay.body, w, h);
	ui_draw_box(r, UI_A_BOX, m->title);
	lines = xcalloc(n + 1, sizeof *lines);
	ui_text_wrap(m->text, textw, lines, n);
	wy = r.y + 2;
	wn = r.h - (m->kind == UI_MODAL_HELP ? 3 : 5);
	if (m->kind == UI_MODAL_HELP) {
		if (m->top > rows - wn)
			m->top = rows - wn > 0 ? rows - wn : 0;
		if (rows > wn) {
			snprintf(buf, sizeof buf, _(" %d-%d of %d, Up/Down "
			    "scroll "), m->top + 1, m->top + wn, rows);
			ui_draw_text(r.y + r.h - 1, r.x + 2, r.w - 4, UI_A_DIM,
			    buf);
		}
	}
	for (i = 0; (int)i < wn && (int)i + m->top < rows; i++)
		ui_draw_ntext(wy + (int)i, r.x + 2, textw, UI_A_BOX,
		    m->text + lines[i + m->top].off,
		    lines[i + m->top].len, 0);
	free(lines);
	if (m->kind == UI_MODAL_HELP)
		return;
	if (m->kind == UI_MODAL_NOTICE) {
		x = r.x + (r.w - ui_text_width(m->yes) - 4) / 2;
		ui_draw_buttons_at(r.y + r.h - 2, x, m->yes, 1);
		return;
	}
	x = r.x + (r.w - ui_text_width(m->yes) - ui_text_width(m->no) -
	    10) / 2;
	ui_draw_buttons_at(r.y + r.h - 2, x, m->yes, m->sel == 0);
	ui_draw_buttons_at(r.y + r.h - 2, x + ui_text_width(m->yes) + 6,
	    m->no, m->sel == 1);
}

/* Background jobs. */

static void *
ui_job_main(void *arg)
{
	struct ui	*ui = arg;
	char		 c = 'j';

	ui->job_fn(ui->job_arg);
	(void)write(ui->wake[1], &c, 1);
	return NULL;
}

int
ui_job_start(struct ui *ui, const char *text, ui_job_fn *fn,
    ui_job_done_fn *done, void *arg, char **cause)
{
	sigset_t	all, old;
	int		rc;

	if (ui->job_running) {
		*cause = xstrdup(_("something else is still running"));
		return -1;
	}
	ui->job_fn = fn;
	ui->job_done = done;
	ui->job_arg = arg;
	/* Signals are for the loop's thread: the worker blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&ui->job_thread, NULL, ui_job_main, ui);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		*cause = xasprintf(_("cannot start a thread: %s"),
		    strerror(rc));
		return -1;
	}
	ui->job_running = 1;
	ui_modal_open(ui, UI_MODAL_BUSY, NULL, text);
	return 0;
}

/* Whether a screen of the stack holds what was typed and not saved. */
static int
ui_unsaved(struct ui *ui)
{
	struct ui_screen	*s;
	int			 i;

	for (i = ui->depth - 1; i >= 0; i--) {
		s = ui->stack[i];
		if (s->ops->unsaved != NULL && s->ops->unsaved(s))
			return 1;
	}
	return 0;
}

static void
ui_interrupt_answer(struct ui *ui, void *arg, int yes)
{
	(void)arg;
	ui->interrupt_asked = 0;
	if (yes)
		ui_quit(ui, 128 + SIGINT);
}

/*
 * A quitting signal. Ctrl-C over typed input asks, as Esc and q do (a
 * second Ctrl-C quits at once); the others, and Ctrl-C with nothing to
 * lose or while busy, quit now.
 */
static void
ui_interrupt(struct ui *ui, int sig)
{
	if (sig != SIGINT || ui->interrupt_asked || ui->job_running ||
	    !ui_unsaved(ui)) {
		ui_quit(ui, 128 + sig);
		return;
	}
	ui_term_signal_clear();
	ui->interrupt_asked = 1;
	ui_confirm(ui, _("Quit segsync?"), _("What you typed has not been "
	    "saved and will be lost. Ctrl-C again quits at once."),
	    _("Quit"), _("Stay"), 1, ui_interrupt_answer, NULL);
	ui->dirty = UI_DIRTY_ALL;
}

/* Read the wake-up pipe: a finished job runs its done callback. */
static void
ui_wakeup(struct ui *ui)
{
	char	buf[64];
	ssize_t	n;
	int	job = 0, i, sig;

	while ((n = read(ui->wake[0], buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++)
			if (buf[i] == 'j')
				job = 1;
	if ((sig = ui_term_signal()) != 0)
		ui_interrupt(ui, sig);
	if (job && ui->job_running) {
		pthread_join(ui->job_thread, NULL);
		ui->job_running = 0;
		if (ui->modal.kind == UI_MODAL_BUSY)
			ui_modal_close(ui);
		ui->job_done(ui, ui->job_arg);
		ui->dirty = UI_DIRTY_ALL;
	}
}

/* Keys. */

static void
ui_key(struct ui *ui, int key)
{
	struct ui_screen	*s = ui_top(ui);

	if (key == UI_KEY_RESIZE) {
		ui_relayout(ui);
		return;
	}
	/*
	 * Nothing acts blindly: while busy or too small, keys wait; but a
	 * screen that needs more room than a smaller one it came from can
	 * be left (Esc, q) without resizing.
	 */
	if (ui->lay.too_small && !ui->job_running && ui->depth > 1 &&
	    ui->modal.kind == UI_MODAL_NONE && (key == UI_KEY_ESC ||
	    key == 'q') && ui_unsaved(ui) == 0) {
		ui_pop(ui);
		return;
	}
	if (ui->job_running || ui->lay.too_small)
		return;
	ui_message_clear(ui);
	if (ui->modal.kind != UI_MODAL_NONE) {
		ui_modal_key(ui, key);
		return;
	}
	/* A message the status line cut is read whole here, also later. */
	if (key == UI_KEY_F(8) && ui->last_msg != NULL) {
		ui_notice(ui, _("The last message"), ui->last_msg, NULL, NULL);
		return;
	}
	ui->dirty |= UI_DIRTY_BODY | UI_DIRTY_HELP | UI_DIRTY_TITLE;
	ui->ticking = 1;
	if (s != NULL && s->ops->key(s, ui, key))
		return;
	if (key == UI_KEY_F(1) || key == '?')
		ui_show_help(ui);
	else if ((key == 'q' || key == 'Q') && ui->depth > 1)
		ui_close_ask(ui);
	else if (key == 'q' || key == 'Q')
		ui_quit_ask(ui);
	else if (key == UI_KEY_ESC && ui->depth > 1)
		ui_pop(ui);
}

/* Rendering: only the dirty regions, then one doupdate(). */

static void
ui_draw_too_small(struct ui *ui)
{
	struct ui_rect	r;
	char		*text;
	int		 mc, mr;

	erase();
	ui_min_size(ui, &mc, &mr);
	text = xasprintf(_("This terminal is %dx%d; segsync needs at least "
	    "%dx%d. Make the window larger to go on (nothing is lost), or "
	    "press Ctrl-C to quit."), ui->lay.cols, ui->lay.rows, mc, mr);
	r.x = 1;
	r.w = ui->lay.cols - 2;
	r.h = ui->lay.rows;
	r.y = (ui->lay.rows - ui_wrap_rows(text, r.w)) / 2;
	if (r.y < 0)
		r.y = 0;
	ui_draw_wrap(r, UI_A_WARN, text);
	free(text);
	ui_cursor(-1, -1);
}

static void
ui_draw_title(struct ui *ui)
{
	struct ui_screen	*s = ui_top(ui);
	const struct ui_rect	*r = &ui->lay.title;
	char			*left;
	int			 sw = 0;

	ui_draw_fill(r->y, r->x, r->w, UI_A_TITLE);
	left = xasprintf(" segsync%s%s", ui_glyph(UI_G_SEP), s != NULL &&
	    s->ops->title != NULL ? s->ops->title(s) : "");
	if (ui->status != NULL) {
		sw = ui_text_width(ui->status) + 1;
		if (sw > r->w / 2)
			sw = r->w / 2;
		ui_draw_text(r->y, r->x + r->w - sw, sw - 1, UI_A_TITLE,
		    ui->status);
	}
	ui_draw_text(r->y, r->x, r->w - sw - 1, UI_A_TITLE, left);
	free(left);
}

/* Columns n hints take in the help bar. */
static int
hints_width(const struct ui_hint *h, size_t n)
{
	size_t	i;
	int	w = 0;

	for (i = 0; i < n; i++)
		w += ui_text_width(h[i].key) + 1 + ui_text_width(h[i].label) +
		    (i + 1 < n ? 2 : 0);
	return w;
}

static void
ui_draw_help(struct ui *ui)
{
	struct ui_screen	*s = ui_top(ui);
	const struct ui_rect	*r = &ui->lay.help;
	struct ui_hint		 h[UI_HINTS_MAX];
	size_t			 n = 0, i;
	int			 x = r->x + 1, end = r->x + r->w, kw, lw;

	ui_draw_fill(r->y, r->x, r->w, UI_A_HELP);
	if (ui->modal.kind == UI_MODAL_CONFIRM) {
		h[n++] = (struct ui_hint){ "Left/Right", _("choose") };
		h[n++] = (struct ui_hint){ "Enter", _("answer") };
		h[n++] = (struct ui_hint){ "Esc", _("no") };
	} else if (ui->modal.kind == UI_MODAL_NOTICE ||
	    ui->modal.kind == UI_MODAL_HELP) {
		h[n++] = (struct ui_hint){ "Up/Down", _("scroll") };
		h[n++] = (struct ui_hint){ "Enter/Esc", _("close") };
	} else if (ui->modal.kind == UI_MODAL_CHOOSE) {
		h[n++] = (struct ui_hint){ "Up/Down", _("move") };
		h[n++] = (struct ui_hint){ "Enter", _("choose") };
		h[n++] = (struct ui_hint){ "Esc", _("cancel") };
	} else if (ui->modal.kind == UI_MODAL_BUSY)
		h[n++] = (struct ui_hint){ "Ctrl-C", _("quit") };
	else {
		/* First, when the status line could not hold the message. */
		if (ui->msg != NULL &&
		    ui_text_width(ui->msg) > ui->lay.message.w)
			h[n++] = (struct ui_hint){ "F8", _("whole message") };
		if (s != NULL && s->ops->hints != NULL)
			n += s->ops->hints(s, h + n, UI_HINTS_MAX - 1 - n);
		h[n++] = (struct ui_hint){ "F1", _("help") };
	}
	/* Too many for the bar: drop from the end, but F1 stays last. */
	while (n > 1 && hints_width(h, n) > end - x) {
		h[n - 2] = h[n - 1];
		n--;
	}
	for (i = 0; i < n; i++) {
		kw = ui_text_width(h[i].key);
		lw = ui_text_width(h[i].label);
		if (x + kw + 1 + lw > end)
			break;
		ui_draw_text(r->y, x, kw, UI_A_HELPKEY, h[i].key);
		ui_draw_text(r->y, x + kw + 1, lw, UI_A_HELP, h[i].label);
		x += kw + lw + 3;
	}
}

static void
ui_draw_message(struct ui *ui)
{
	const struct ui_rect	*r = &ui->lay.message;
	static const enum ui_role roles[] = { UI_A_NORMAL, UI_A_OK, UI_A_WARN,
		UI_A_ERROR };

	ui_draw_fill(r->y, r->x, r->w, UI_A_NORMAL);
	if (ui->msg != NULL)
		ui_draw_text(r->y, r->x, r->w, roles[ui->msg_kind], ui->msg);
}

static void
ui_render(struct ui *ui)
{
	struct ui_screen	*s = ui_top(ui);
	int			 i;

	if (ui->dirty == 0)
		return;
	if (ui->lay.too_small) {
		ui_draw_too_small(ui);
		ui->dirty = 0;
		ui_term_update();
		return;
	}
	if (ui->dirty & UI_DIRTY_TITLE)
		ui_draw_title(ui);
	if (ui->dirty & UI_DIRTY_BODY) {
		for (i = 0; i < ui->lay.body.h; i++)
			ui_draw_fill(ui->lay.body.y + i, 0, ui->lay.cols,
			    UI_A_NORMAL);
		ui_cursor(-1, -1);
		if (s != NULL)
			s->ops->draw(s, ui, ui->lay.body);
	}
	if (ui->dirty & UI_DIRTY_MESSAGE)
		ui_draw_message(ui);
	if (ui->dirty & (UI_DIRTY_HELP | UI_DIRTY_MODAL))
		ui_draw_help(ui);
	if (ui->modal.kind != UI_MODAL_NONE &&
	    (ui->dirty & (UI_DIRTY_BODY | UI_DIRTY_MODAL))) {
		ui_modal_draw(ui);
		ui_cursor(-1, -1);
	}
	ui->dirty = 0;
	ui_term_update();
}

/* Timers: the spinner of the busy box, and the top screen's tick. */
static void
ui_timers(struct ui *ui)
{
	struct ui_screen	*s = ui_top(ui);
	uint64_t		 now = ui_now(ui);

	if (now < ui->next_tick)
		return;
	ui->next_tick = now + UI_TICK_MS;
	if (ui->modal.kind == UI_MODAL_BUSY)
		ui->dirty |= UI_DIRTY_MODAL;
	if (s != NULL && s->ops->tick != NULL && ui->ticking)
		ui->ticking = s->ops->tick(s, ui, now);
}

/* How long poll() may sleep: until the next tick when one matters. */
static int
ui_timeout(struct ui *ui)
{
	struct ui_screen	*s = ui_top(ui);
	uint64_t		 now = ui_now(ui);

	if (ui->modal.kind != UI_MODAL_BUSY && (s == NULL ||
	    s->ops->tick == NULL || !ui->ticking))
		return -1;
	if (ui->next_tick <= now)
		return 0;
	return (int)(ui->next_tick - now);
}

/* A headless step; 0 to go on, -1 on a failed dump. */
static int
ui_step(struct ui *ui, const struct ui_step *st)
{
	char	*path, *cause = NULL;

	switch (st->kind) {
	case UI_STEP_KEY:
		ui_key(ui, st->key);
		break;
	case UI_STEP_DUMP:
		ui_render(ui);
		path = xasprintf("%s/%s", ui->dump_dir, st->name);
		if (ui_term_dump(path, &cause) == -1) {
			ui_term_close();
			fprintf(stderr, "segsync: %s\n", cause);
			free(cause);
			free(path);
			return -1;
		}
		free(path);
		break;
	case UI_STEP_RESIZE:
		ui_term_resize(st->cols, st->rows);
		ui_key(ui, UI_KEY_RESIZE);
		break;
	case UI_STEP_SLEEP:
		ui->vclock += (uint64_t)st->ms;
		ui_timers(ui);
		break;
	}
	return 0;
}

int
ui_run(struct ui *ui)
{
	const struct ui_step	*st;
	struct pollfd		 pfd[2];
	int			 key, n;

	while (!ui->quit) {
		if (ui->suspended)
			ui_suspended_input(ui);
		else if (ui->script == NULL)
			while (!ui->quit && (key = ui_term_key()) != -1)
				ui_key(ui, key);
		ui_wakeup(ui);
		ui_reap(ui);
		ui_timers(ui);
		if (ui->depth == 0)
			ui_quit(ui, ui->exit_status);
		if (ui->quit)
			break;
		if (!ui->suspended)
			ui_render(ui);
		if (ui->script != NULL && !ui->job_running) {
			/* Headless: the next step, once the job is over. */
			st = ui_script_next(ui->script);
			if (st == NULL)
				ui_quit(ui, 0);
			else if (ui_step(ui, st) == -1)
				ui_quit(ui, 1);
			ui_reap(ui);
			continue;
		}
		n = 0;
		pfd[n].fd = ui->wake[0];
		pfd[n++].events = POLLIN;
		if (ui_term_fd() != -1) {
			pfd[n].fd = ui_term_fd();
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, ui->script != NULL ? -1 :
		    ui_timeout(ui)) == -1 && errno != EINTR) {
			ui_quit(ui, 1);
			break;
		}
	}
	ui_reap(ui);
	return ui->exit_status;
}
