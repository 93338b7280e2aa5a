/* Buttons, and forms stacking widgets into a screen (see widget.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "keys.h"
#include "text.h"
#include "widget.h"

void
ui_buttons_init(struct ui_buttons *b, const char *a, const char *c,
    const char *d)
{
	memset(b, 0, sizeof *b);
	if (a != NULL)
		b->labels[b->n++] = a;
	if (c != NULL)
		b->labels[b->n++] = c;
	if (d != NULL)
		b->labels[b->n++] = d;
	b->sel = b->n - 1;
}

enum ui_w
ui_buttons_key(struct ui_buttons *b, int key, int *which)
{
	switch (key) {
	case UI_KEY_LEFT:
		if (b->sel > 0)
			b->sel--;
		return UI_W_HANDLED;
	case UI_KEY_RIGHT:
		if (b->sel + 1 < b->n)
			b->sel++;
		return UI_W_HANDLED;
	case UI_KEY_ENTER:
	case ' ':
		*which = b->sel;
		return UI_W_ACTIVATE;
	}
	return UI_W_IGNORED;
}

static int
button_width(const char *label)
{
	return ui_text_width(label) + 4;
}

void
ui_buttons_draw(struct ui_buttons *b, struct ui_rect r, int focused)
{
	enum ui_role	 role;
	char		*t;
	int		 i, w = 0, x;

	for (i = 0; i < b->n; i++)
		w += button_width(b->labels[i]) + 2;
	x = r.x + r.w - w + 2;
	if (x < r.x)
		x = r.x;
	for (i = 0; i < b->n; i++) {
		if (focused && i == b->sel) {
			t = xasprintf("> %s <", b->labels[i]);
			role = UI_A_BUTTON_FOCUS;
		} else {
			t = xasprintf("[ %s ]", b->labels[i]);
			role = (b->disabled & UI_BUTTON_BIT(i)) ? UI_A_DIM :
			    UI_A_BUTTON;
		}
		ui_draw_text(r.y, x, r.x + r.w - x, role, t);
		x += button_width(b->labels[i]) + 2;
		free(t);
	}
}

void
ui_form_reset(struct ui_form *f)
{
	memset(f, 0, sizeof *f);
	f->focus = -1;
}

static int
focusable(const struct ui_item *it)
{
	return !it->hidden && it->kind != UI_ITEM_TEXT;
}

static struct ui_item *
add(struct ui_form *f, enum ui_item_kind kind)
{
	struct ui_item	*it;

	if (f->n == UI_FORM_MAX)
		abort();	/* a screen built wrong: a programming error */
	it = &f->items[f->n++];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	if (f->focus == -1 && focusable(it))
		f->focus = (int)f->n - 1;
	return it;
}

int
ui_form_text(struct ui_form *f, enum ui_role role, const char *text)
{
	struct ui_item	*it = add(f, UI_ITEM_TEXT);

	it->role = role;
	it->text = text;
	return (int)f->n - 1;
}

int
ui_form_field(struct ui_form *f, struct ui_field *field)
{
	add(f, UI_ITEM_FIELD)->field = field;
	return (int)f->n - 1;
}

int
ui_form_list(struct ui_form *f, struct ui_list *l, int rows)
{
	struct ui_item	*it = add(f, UI_ITEM_LIST);

	it->list = l;
	it->list_rows = rows;
	return (int)f->n - 1;
}

int
ui_form_check(struct ui_form *f, const char *label, int *value)
{
	struct ui_item	*it = add(f, UI_ITEM_CHECK);

	it->text = label;
	it->check = value;
	return (int)f->n - 1;
}

int
ui_form_buttons(struct ui_form *f, struct ui_buttons *b)
{
	add(f, UI_ITEM_BUTTONS)->buttons = b;
	return (int)f->n - 1;
}

void
ui_form_focus(struct ui_form *f, int i)
{
	int	k;

	for (k = 0; k < (int)f->n; k++) {
		if (focusable(&f->items[(i + k) % (int)f->n])) {
			f->focus = (i + k) % (int)f->n;
			return;
		}
	}
	f->focus = -1;
}

struct ui_item *
ui_form_focused(struct ui_form *f)
{
	if (f->focus < 0 || (size_t)f->focus >= f->n)
		return NULL;
	return &f->items[f->focus];
}

static void
move_focus(struct ui_form *f, int dir)
{
	int	k, i;

	if (f->n == 0)
		return;
	for (k = 1; k <= (int)f->n; k++) {
		i = (f->focus + dir * k + (int)f->n * 2) % (int)f->n;
		if (focusable(&f->items[i])) {
			f->focus = i;
			/* Tabbed into, a hidden secret is typed anew. */
			if (f->items[i].field != NULL)
				ui_field_select(f->items[i].field);
			return;
		}
	}
}

enum ui_form_ev
ui_form_key(struct ui_form *f, int key, int *which)
{
	struct ui_item	*it = ui_form_focused(f);
	enum ui_w	 r = UI_W_IGNORED;

	*which = f->focus;
	if (it != NULL) {
		switch (it->kind) {
		case UI_ITEM_FIELD:
			r = ui_field_key(it->field, key);
			if (r == UI_W_IGNORED && key == UI_KEY_ENTER)
				return UI_FORM_SUBMIT;
			break;
		case UI_ITEM_LIST:
			r = ui_list_key(it->list, key);
			if (r == UI_W_ACTIVATE)
				return UI_FORM_SUBMIT;
			break;
		case UI_ITEM_CHECK:
			/* Enter goes on, as everywhere: only Space ticks. */
			if (key == ' ') {
				*it->check = !*it->check;
				r = UI_W_CHANGED;
			} else if (key == UI_KEY_ENTER)
				return UI_FORM_SUBMIT;
			break;
		case UI_ITEM_BUTTONS:
			r = ui_buttons_key(it->buttons, key, which);
			if (r == UI_W_ACTIVATE)
				return UI_FORM_BUTTON;
			break;
		case UI_ITEM_TEXT:
			break;
		}
	}
	if (r == UI_W_CHANGED)
		return UI_FORM_CHANGED;
	if (r != UI_W_IGNORED)
		return UI_FORM_HANDLED;
	switch (key) {
	case UI_KEY_TAB:
		move_focus(f, 1);
		return UI_FORM_HANDLED;
	case UI_KEY_BTAB:
		move_focus(f, -1);
		return UI_FORM_HANDLED;
	case UI_KEY_DOWN:
		if (it != NULL && it->kind == UI_ITEM_BUTTONS)
			return UI_FORM_IGNORED;
		move_focus(f, 1);
		return UI_FORM_HANDLED;
	case UI_KEY_UP:
		move_focus(f, -1);
		return UI_FORM_HANDLED;
	}
	return UI_FORM_IGNORED;
}

static int
label_width(const struct ui_form *f)
{
	size_t	i;
	int	w = 0, lw;

	for (i = 0; i < f->n; i++) {
		if (f->items[i].hidden || f->items[i].kind != UI_ITEM_FIELD)
			continue;
		lw = ui_text_width(f->items[i].field->label);
		if (lw > w)
			w = lw;
	}
	return w;
}

/* Scroll f so that the focused item shows whole in view. */
static void
form_scroll(struct ui_form *f, const struct ui_rect *view, int total,
    const struct ui_item *buttons)
{
	const struct ui_item	*it = ui_form_focused(f);

	if (total <= view->h)
		f->top = 0;
	else if (it != NULL && it != buttons) {
		if (it->y + it->h > f->top + view->h)
			f->top = it->y + it->h - view->h;
		if (it->y < f->top)
			f->top = it->y;
	}
	if (f->top > total - view->h)
		f->top = total - view->h > 0 ? total - view->h : 0;
}

void
ui_form_draw(struct ui_form *f, struct ui_rect r)
{
	struct ui_form_geom	 g;
	struct ui_item		*it, *buttons = NULL, *fill = NULL;
	struct ui_rect		 area, view, lr;
	int			 total = 0, y, sy, rows, w;
	size_t			 i;
	char			*c;
	const char		*more;

	ui_layout_form(r, label_width(f), &g);
	area = r;
	for (i = 0; i < f->n; i++)
		if (!f->items[i].hidden &&
		    f->items[i].kind == UI_ITEM_BUTTONS)
			buttons = &f->items[i];
	if (buttons != NULL)
		area.h -= 2;

	/* Heights, then the one list that takes what is left. */
	for (i = 0; i < f->n; i++) {
		it = &f->items[i];
		it->h = 0;
		if (it->hidden || it == buttons)
			continue;
		switch (it->kind) {
		case UI_ITEM_TEXT:
			it->h = ui_wrap_rows(it->text,
			    r.w - UI_FORM_TEXT_INSET) + 1;
			break;
		case UI_ITEM_FIELD:
			it->h = ui_field_rows(it->field, &g) + 1;
			break;
		case UI_ITEM_LIST:
			if (it->list_rows == 0 && fill == NULL)
				fill = it;
			else
				it->h = it->list_rows +
				    (it->list->headers[0] != NULL) + 1;
			break;
		case UI_ITEM_CHECK:
			it->h = 2;
			break;
		case UI_ITEM_BUTTONS:
			break;
		}
		total += it->h;
	}
	if (fill != NULL) {
		fill->h = area.h - total;
		if (fill->h < 4)
			fill->h = 4;
		total += fill->h;
	}
	for (i = 0, y = 0; i < f->n; i++) {
		f->items[i].y = y;
		y += f->items[i].h;
	}

	/*
	 * A form taller than its area scrolls with a row of its own at the
	 * bottom for "(more below)" and, once scrolled, one at the top for
	 * "(more above)", so that they never cover a line of the form.
	 */
	view = area;
	if (total > area.h && area.h > 4)
		view.h--;
	form_scroll(f, &view, total, buttons);
	if (f->top > 0 && view.h < area.h) {
		view.y++;
		view.h--;
		form_scroll(f, &view, total, buttons);
	}

	for (i = 0; i < f->n; i++) {
		it = &f->items[i];
		if (it->hidden || it == buttons || it->h == 0)
			continue;
		sy = view.y + it->y - f->top;
		switch (it->kind) {
		case UI_ITEM_TEXT:
			rows = it->h - 1;
			lr = (struct ui_rect){ r.x + 2, sy,
			    r.w - UI_FORM_TEXT_INSET, rows };
			if (sy < view.y) {
				/* Partly scrolled off: draw what is left. */
				continue;
			}
			if (sy + rows > view.y + view.h)
				lr.h = view.y + view.h - sy;
			ui_draw_wrap(lr, it->role, it->text);
			break;
		case UI_ITEM_FIELD:
			if (sy < view.y || sy + it->h - 1 > view.y + view.h)
				continue;
			ui_field_draw(it->field, sy, &g, (int)i == f->focus);
			break;
		case UI_ITEM_LIST:
			lr = (struct ui_rect){ r.x, sy, r.w, it->h - 1 };
			if (sy < view.y || sy >= view.y + view.h)
				continue;
			if (sy + lr.h > view.y + view.h)
				lr.h = view.y + view.h - sy;
			ui_list_draw(it->list, lr, (int)i == f->focus);
			break;
		case UI_ITEM_CHECK:
			if (sy < view.y || sy >= view.y + view.h)
				continue;
			if ((int)i == f->focus)
				ui_draw_text(sy, g.mark_x, 1, UI_A_HEADING,
				    ui_glyph(UI_G_MARK));
			c = xasprintf("%s %s", ui_glyph(*it->check ?
			    UI_G_CHECK_ON : UI_G_CHECK_OFF), it->text);
			ui_draw_text(sy, g.label_x, r.w - 2, (int)i ==
			    f->focus ? UI_A_HEADING : UI_A_NORMAL, c);
			free(c);
			break;
		case UI_ITEM_BUTTONS:
			break;
		}
	}
	if (f->top > 0) {
		more = _("(more above)");
		w = ui_text_width(more);
		ui_draw_text(area.y, r.x + r.w - w, w, UI_A_DIM, more);
	}
	if (total - f->top > view.h) {
		more = _("(more below)");
		w = ui_text_width(more);
		ui_draw_text(area.y + area.h - 1, r.x + r.w - w, w, UI_A_DIM,
		    more);
	}
	if (buttons != NULL)
		ui_buttons_draw(buttons->buttons, (struct ui_rect){ r.x,
		    r.y + r.h - 1, r.w, 1 }, buttons == ui_form_focused(f));
	it = ui_form_focused(f);
	if (it != NULL && it->kind == UI_ITEM_FIELD && it->field->sug_open)
		ui_field_draw_suggest(it->field, view.y + it->y - f->top, &g,
		    r);
}

size_t
ui_form_hints(struct ui_form *f, struct ui_hint *h, size_t max)
{
	struct ui_item	*it = ui_form_focused(f);
	size_t		 n = 0;

#define HINT(k, l) do { if (n < max) h[n++] = (struct ui_hint){ k, l }; \
	} while (0)
	if (it == NULL)
		return 0;
	switch (it->kind) {
	case UI_ITEM_FIELD:
		if (it->field->sug_open) {
			HINT("Up/Down", _("suggestion"));
			HINT("Enter", _("take it"));
			return n;
		}
		if (it->field->secret)
			HINT("F2", it->field->shown ? _("hide") : _("show"));
		if (it->field->suggest != NULL)
			HINT("Down", _("suggestions"));
		/* Secrets say theirs beneath: the bar keeps room for F1. */
		else if (!it->field->secret && it->field->len > 0)
			HINT("Ctrl-U", _("clear"));
		HINT("Tab", _("next"));
		HINT("Enter", _("continue"));
		break;
	case UI_ITEM_LIST:
		if (it->list->searching) {
			HINT("Down", _("next match"));
			HINT("Enter", _("done"));
			return n;
		}
		if (it->list->mode == UI_LIST_CHECK)
			HINT("Space", _("tick"));
		HINT("Up/Down", _("move"));
		HINT("/", _("search"));
		HINT("Tab", _("next"));
		HINT("Enter", _("continue"));
		break;
	case UI_ITEM_CHECK:
		HINT("Space", _("tick"));
		HINT("Tab", _("next"));
		HINT("Enter", _("continue"));
		break;
	case UI_ITEM_BUTTONS:
		HINT("Left/Right", _("choose"));
		HINT("Enter", _("press"));
		HINT("Tab", _("fields"));
		break;
	case UI_ITEM_TEXT:
		break;
	}
	return n;
#undef HINT
}
