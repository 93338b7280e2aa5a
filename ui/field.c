/* Text and secret fields (see widget.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "keys.h"
#include "secrets/secret.h"
#include "text.h"
#include "widget.h"

#define UI_SUGGEST_ROWS		6
#define UI_NOTE_ROWS		3	/* help beneath a field */
#define UI_ERROR_ROWS		5	/* what is wrong, in words */

/* The bytes being edited: ordinary memory or secret memory. */
static char *
fbuf(const struct ui_field *f)
{
	return f->secret ? (char *)secret_buf(f->sec) : f->text;
}

void
ui_field_init(struct ui_field *f, const char *label, int secret, size_t cap)
{
	memset(f, 0, sizeof *f);
	f->label = label;
	f->secret = secret;
	f->cap = cap;
	if (secret)
		f->sec = secret_new(cap + 1);
	else
		f->text = xcalloc(1, cap + 1);
}

void
ui_field_free(struct ui_field *f)
{
	secret_free(&f->sec);
	free(f->text);
	free(f->error);
	f->text = f->error = NULL;
	f->len = f->cur = 0;
}

void
ui_field_clear(struct ui_field *f)
{
	memset(fbuf(f), 0, f->cap + 1);
	f->len = f->cur = 0;
	f->scroll = 0;
	f->changed = 1;
	f->sug_open = 0;
	f->replace = f->full = 0;
}

void
ui_field_set(struct ui_field *f, const char *s)
{
	size_t	len = strlen(s);

	if (len > f->cap)
		len = f->cap;
	memset(fbuf(f), 0, f->cap + 1);
	memcpy(fbuf(f), s, len);
	f->len = f->cur = len;
	f->scroll = 0;
	f->changed = 0;
	f->replace = f->full = 0;
}

const char *
ui_field_text(const struct ui_field *f)
{
	return f->secret ? "" : f->text;
}

size_t
ui_field_len(const struct ui_field *f)
{
	return f->len;
}

struct secret *
ui_field_secret(const struct ui_field *f)
{
	if (!f->secret || f->len == 0)
		return NULL;
	return secret_from_bytes(secret_peek(f->sec), f->len);
}

void
ui_field_error(struct ui_field *f, const char *e)
{
	free(f->error);
	f->error = e != NULL ? xstrdup(e) : NULL;
	if (e != NULL)
		ui_field_select(f);
}

static void	cut(struct ui_field *, size_t, size_t);

int
ui_field_trim(struct ui_field *f)
{
	const char	*b = fbuf(f);
	size_t		 lead = 0, end = f->len;

	while (lead < f->len && (b[lead] == ' ' || b[lead] == '\t'))
		lead++;
	while (end > lead && (b[end - 1] == ' ' || b[end - 1] == '\t'))
		end--;
	if (lead == 0 && end == f->len)
		return 0;
	cut(f, end, f->len);
	cut(f, 0, lead);
	f->cur = f->len;
	f->changed = 1;
	return 1;
}

void
ui_field_select(struct ui_field *f)
{
	f->replace = f->secret && !f->shown && f->len > 0;
}

static void
insert(struct ui_field *f, int key)
{
	char	 enc[4], *b = fbuf(f);
	size_t	 n;

	n = ui_text_encode((uint32_t)key, enc);
	if (f->len + n > f->cap) {
		f->full = 1;
		return;
	}
	memmove(b + f->cur + n, b + f->cur, f->len - f->cur);
	memcpy(b + f->cur, enc, n);
	f->len += n;
	f->cur += n;
	b[f->len] = '\0';
}

/* Remove bytes [from, to) and wipe the tail they leave. */
static void
cut(struct ui_field *f, size_t from, size_t to)
{
	char	*b = fbuf(f);

	memmove(b + from, b + to, f->len - to);
	f->len -= to - from;
	memset(b + f->len, 0, f->cap + 1 - f->len);
	if (f->cur > to)
		f->cur -= to - from;
	else if (f->cur > from)
		f->cur = from;
}

static size_t
next_char(const struct ui_field *f, size_t pos)
{
	uint32_t	cp;

	if (pos >= f->len)
		return f->len;
	return pos + ui_text_decode(fbuf(f) + pos, f->len - pos, &cp);
}

/* Suggestions that start with what is typed (all when it is empty). */
static size_t
suggest_matches(const struct ui_field *f, const char **out, size_t max)
{
	size_t	i, n = 0;

	if (f->suggest == NULL || f->secret)
		return 0;
	for (i = 0; f->suggest[i] != NULL && n < max; i++)
		if (strncmp(f->suggest[i], f->text, f->len) == 0 &&
		    strlen(f->suggest[i]) != f->len)
			out[n++] = f->suggest[i];
	return n;
}

enum ui_w
ui_field_key(struct ui_field *f, int key)
{
	const char	*m[UI_SUGGEST_ROWS * 4];
	size_t		 nm, p;

	if (f->sug_open) {
		nm = suggest_matches(f, m, sizeof m / sizeof m[0]);
		if (key == UI_KEY_DOWN) {
			if (f->sug_sel + 1 < (int)nm)
				f->sug_sel++;
			return UI_W_HANDLED;
		}
		if (key == UI_KEY_UP) {
			if (f->sug_sel > 0)
				f->sug_sel--;
			else
				f->sug_open = 0;
			return UI_W_HANDLED;
		}
		if (key == UI_KEY_ESC) {
			f->sug_open = 0;
			return UI_W_HANDLED;
		}
		if ((key == UI_KEY_ENTER || key == UI_KEY_TAB) &&
		    f->sug_sel < (int)nm) {
			ui_field_set(f, m[f->sug_sel]);
			f->changed = 1;
			f->sug_open = 0;
			return UI_W_CHANGED;
		}
		f->sug_open = 0;
	}
	f->full = 0;
	if (f->replace) {
		/* What would edit the hidden text takes it all. */
		if (UI_KEY_PRINTABLE(key) || key == UI_KEY_BACKSPACE ||
		    key == UI_KEY_DELETE || key == UI_CTRL('d') ||
		    key == UI_CTRL('u') || key == UI_CTRL('k') ||
		    key == UI_CTRL('w')) {
			f->replace = 0;
			cut(f, 0, f->len);
			if (!UI_KEY_PRINTABLE(key)) {
				f->changed = 1;
				return UI_W_CHANGED;
			}
		} else if (key == UI_KEY_LEFT || key == UI_KEY_RIGHT ||
		    key == UI_KEY_HOME || key == UI_KEY_END ||
		    key == UI_CTRL('a') || key == UI_CTRL('e'))
			f->replace = 0;		/* editing in place */
		/* Any other key (F2 below, F3, Enter, Tab...) keeps it. */
	}
	if (UI_KEY_PRINTABLE(key)) {
		insert(f, key);
		f->changed = 1;
		return UI_W_CHANGED;
	}
	switch (key) {
	case UI_KEY_DOWN:
		if (suggest_matches(f, m, 1) == 0)
			return UI_W_IGNORED;
		f->sug_open = 1;
		f->sug_sel = 0;
		return UI_W_HANDLED;
	case UI_KEY_LEFT:
		f->cur = ui_text_prev(fbuf(f), f->cur);
		return UI_W_HANDLED;
	case UI_KEY_RIGHT:
		f->cur = next_char(f, f->cur);
		return UI_W_HANDLED;
	case UI_KEY_HOME:
	case UI_CTRL('a'):
		f->cur = 0;
		return UI_W_HANDLED;
	case UI_KEY_END:
	case UI_CTRL('e'):
		f->cur = f->len;
		return UI_W_HANDLED;
	case UI_KEY_BACKSPACE:
		if (f->cur == 0)
			return UI_W_HANDLED;
		cut(f, ui_text_prev(fbuf(f), f->cur), f->cur);
		break;
	case UI_KEY_DELETE:
	case UI_CTRL('d'):
		if (f->cur == f->len)
			return UI_W_HANDLED;
		cut(f, f->cur, next_char(f, f->cur));
		break;
	case UI_CTRL('u'):
		cut(f, 0, f->cur);
		break;
	case UI_CTRL('k'):
		cut(f, f->cur, f->len);
		break;
	case UI_CTRL('w'):
		p = f->cur;
		while (p > 0 && fbuf(f)[p - 1] == ' ')
			p--;
		while (p > 0 && fbuf(f)[p - 1] != ' ')
			p--;
		cut(f, p, f->cur);
		break;
	case UI_KEY_F(2):
		if (!f->secret)
			return UI_W_IGNORED;
		f->shown = !f->shown;
		f->replace = 0;
		return UI_W_HANDLED;
	default:
		return UI_W_IGNORED;
	}
	f->changed = 1;
	return UI_W_CHANGED;
}

/*
 * The note or error under the field, with its role: the error, else the
 * limit just reached, else what typing into a selected secret does.
 */
static const char *
field_note(const struct ui_field *f, enum ui_role *role)
{
	static char	limit[96];

	if (f->error != NULL) {
		*role = UI_A_ERROR;
		return f->error;
	}
	if (f->full) {
		*role = UI_A_WARN;
		snprintf(limit, sizeof limit, _("The field is full: it holds "
		    "at most %zu bytes."), f->cap);
		return limit;
	}
	*role = UI_A_DIM;
	if (f->replace)
		return _("Typing replaces it; Backspace clears it; F2 shows "
		    "it, to change it.");
	return f->note;
}

int
ui_field_rows(const struct ui_field *f, const struct ui_form_geom *g)
{
	enum ui_role	 role;
	const char	*note = field_note(f, &role);
	int		 rows, max;

	if (note == NULL)
		return 1 + g->stacked;
	rows = ui_wrap_rows(note, g->field_w);
	max = role == UI_A_ERROR ? UI_ERROR_ROWS : UI_NOTE_ROWS;
	return 1 + g->stacked + (rows > max ? max : rows);
}

/* Columns of the first n bytes as shown (bullets when masked). */
static int
shown_width(const struct ui_field *f, size_t n)
{
	uint32_t	cp;
	size_t		i = 0;
	int		w = 0;

	if (!f->secret || f->shown)
		return ui_text_nwidth(fbuf(f), n);
	while (i < n) {
		i += ui_text_decode(fbuf(f) + i, n - i, &cp);
		w++;
	}
	return w;
}

void
ui_field_draw(struct ui_field *f, int y, const struct ui_form_geom *g,
    int focused)
{
	struct ui_rect	 r;
	enum ui_role	 role, frole;
	const char	*note, *b = fbuf(f);
	uint32_t	 cp;
	size_t		 i, n, chars;
	int		 w = g->field_w - 1, curcol, col, x, shown;
	char		*mask;

	if (focused)
		ui_draw_text(y, g->mark_x, 1, UI_A_HEADING,
		    ui_glyph(UI_G_MARK));
	ui_draw_text(y, g->label_x, g->label_w - 1, focused ? UI_A_HEADING :
	    UI_A_NORMAL, f->label);
	if (g->stacked)
		y++;
	frole = focused ? UI_A_FIELD_FOCUS : UI_A_FIELD;
	if (f->secret && w > 16)
		w -= 10;		/* room for the F2 reminder */
	ui_draw_fill(y, g->field_x, w, frole);

	/* Keep the cursor in view. */
	curcol = shown_width(f, f->cur);
	if (curcol < f->scroll)
		f->scroll = curcol;
	if (curcol > f->scroll + w - 1)
		f->scroll = curcol - w + 1;
	if (f->len == 0 && f->placeholder != NULL && !focused)
		ui_draw_text(y, g->field_x, w, UI_A_DIM, f->placeholder);
	else if (f->secret && !f->shown) {
		for (i = 0, chars = 0; i < f->len; chars++)
			i += ui_text_decode(b + i, f->len - i, &cp);
		shown = (int)chars - f->scroll;
		if (shown > w)
			shown = w;
		if (shown > 0) {
			n = strlen(ui_glyph(UI_G_BULLET));
			mask = xcalloc((size_t)shown, n + 1);
			for (i = 0; i < (size_t)shown; i++)
				memcpy(mask + i * n, ui_glyph(UI_G_BULLET), n);
			ui_draw_text(y, g->field_x, w, f->replace &&
			    focused ? UI_A_SEL : frole, mask);
			free(mask);
		}
	} else {
		/* Skip the columns scrolled off to the left. */
		for (i = 0, col = 0; i < f->len && col < f->scroll;) {
			i += ui_text_decode(b + i, f->len - i, &cp);
			col += ui_text_cpwidth(cp);
		}
		x = g->field_x + (col - f->scroll);
		ui_draw_ntext(y, x, w - (x - g->field_x), frole, b + i,
		    f->len - i, 0);
	}
	if (f->secret && g->field_w > 16)
		ui_draw_text(y, g->field_x + w + 1, 9, UI_A_DIM, f->shown ?
		    _("F2 hide") : _("F2 show"));
	if (focused)
		ui_cursor(y, g->field_x + curcol - f->scroll);

	note = field_note(f, &role);
	if (note != NULL) {
		r = (struct ui_rect){ g->field_x, y + 1, g->field_w,
		    role == UI_A_ERROR ? UI_ERROR_ROWS : UI_NOTE_ROWS };
		ui_draw_wrap(r, role, note);
	}
}

void
ui_field_draw_suggest(struct ui_field *f, int y, const struct ui_form_geom *g,
    struct ui_rect clip)
{
	const char	*m[UI_SUGGEST_ROWS * 4];
	size_t		 nm, i, first = 0;
	int		 w = g->field_w - 1, rows;

	if (!f->sug_open)
		return;
	y += g->stacked;
	nm = suggest_matches(f, m, sizeof m / sizeof m[0]);
	if (nm == 0) {
		f->sug_open = 0;
		return;
	}
	if (f->sug_sel >= (int)nm)
		f->sug_sel = (int)nm - 1;
	rows = (int)nm < UI_SUGGEST_ROWS ? (int)nm : UI_SUGGEST_ROWS;
	if (y + 1 + rows > clip.y + clip.h)
		rows = clip.y + clip.h - y - 1;
	if (rows < 1)
		return;
	if (f->sug_sel >= rows)
		first = (size_t)(f->sug_sel - rows + 1);
	for (i = 0; (int)i < rows; i++) {
		ui_draw_fill(y + 1 + (int)i, g->field_x, w,
		    (int)(first + i) == f->sug_sel ? UI_A_SEL : UI_A_BOX);
		if ((int)(first + i) == f->sug_sel)
			ui_draw_text(y + 1 + (int)i, g->field_x, 1, UI_A_SEL,
			    ui_glyph(UI_G_MARK));
		ui_draw_text(y + 1 + (int)i, g->field_x + 1, w - 2,
		    (int)(first + i) == f->sug_sel ? UI_A_SEL : UI_A_BOX,
		    m[first + i]);
	}
}
