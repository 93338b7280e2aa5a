/*
 * ui/field.c, ui/list.c, ui/form.c: what the widgets do with keys, without
 * a terminal (no drawing here; the headless screen tests draw).
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secrets/secret.h"
#include "tap.h"
#include "ui/keys.h"
#include "ui/text.h"
#include "ui/widget.h"

static void
type(struct ui_field *f, const char *s)
{
	uint32_t	cp;
	size_t		n;

	while (*s != '\0') {
		n = ui_text_decode(s, strlen(s), &cp);
		ui_field_key(f, (int)cp);
		s += n;
	}
}

static void
test_text_field(void)
{
	struct ui_field	f;

	ui_field_init(&f, "Name", 0, 16);
	is_int(ui_field_key(&f, 'V'), UI_W_CHANGED, "typing changes the value");
	type(&f, "IP clients");
	is_str(ui_field_text(&f), "VIP clients", "the text is what was typed");
	ui_field_key(&f, UI_KEY_HOME);
	ui_field_key(&f, UI_KEY_DELETE);
	ui_field_key(&f, UI_KEY_END);
	ui_field_key(&f, UI_KEY_BACKSPACE);
	is_str(ui_field_text(&f), "IP client", "Home, Delete, End, Backspace");
	ui_field_key(&f, UI_KEY_LEFT);
	ui_field_key(&f, UI_KEY_LEFT);
	type(&f, "é");
	is_str(ui_field_text(&f), "IP clieént", "typing at the cursor");
	ui_field_key(&f, UI_KEY_BACKSPACE);
	is_str(ui_field_text(&f), "IP client",
	    "Backspace removes a whole UTF-8 character");
	ui_field_key(&f, UI_CTRL('w'));
	is_str(ui_field_text(&f), "IP nt", "Ctrl-W removes the word before");
	type(&f, "0123456789abcdef");
	is_int(ui_field_len(&f), 16, "never more than the field's capacity");
	ui_field_key(&f, UI_KEY_END);
	ui_field_key(&f, UI_CTRL('u'));
	is_int(ui_field_len(&f), 0, "Ctrl-U empties it from the end");
	is_int(ui_field_key(&f, UI_KEY_ENTER), UI_W_IGNORED,
	    "Enter is left to the form");
	is_int(ui_field_key(&f, UI_KEY_F(2)), UI_W_IGNORED,
	    "F2 does nothing in a text field");
	ui_field_free(&f);
}

static void
test_secret_field(void)
{
	struct ui_field	 f;
	struct secret	*s;

	ui_field_init(&f, "API key", 1, 64);
	ok(ui_field_secret(&f) == NULL, "an empty secret field gives nothing");
	type(&f, "xkeysib-abc");
	is_str(ui_field_text(&f), "", "a secret field never hands out text");
	s = ui_field_secret(&f);
	ok(s != NULL && secret_len(s) == 11 && memcmp(secret_peek(s),
	    "xkeysib-abc", 11) == 0,
	    "but a secret copy of exactly what was typed");
	secret_free(&s);
	ok(!f.shown, "masked at first");
	is_int(ui_field_key(&f, UI_KEY_F(2)), UI_W_HANDLED, "F2 toggles");
	ok(f.shown, "shown after F2");
	ui_field_key(&f, UI_KEY_F(2));
	ok(!f.shown, "masked again after a second F2");
	ui_field_key(&f, UI_KEY_BACKSPACE);
	ui_field_key(&f, UI_KEY_BACKSPACE);
	ui_field_key(&f, UI_KEY_BACKSPACE);
	ok(memchr(secret_peek(f.sec), 'c', 64) == NULL,
	    "erased characters are wiped from the buffer, not left behind");
	ui_field_free(&f);
	ok(f.sec == NULL, "freeing wipes and releases the secret memory");
}

/* What typing into a secret field that holds one does, and the limit. */
static void
test_secret_replace(void)
{
	struct ui_field	 f;
	struct secret	*s;

	ui_field_init(&f, "API key", 1, 8);
	type(&f, "wrong-k");
	type(&f, "ey");
	ok(f.full, "a key over the capacity is refused and said so");
	is_int((int)ui_field_len(&f), 8, "the field holds its 8 bytes");
	ui_field_key(&f, UI_KEY_BACKSPACE);
	ok(!f.full, "the next key takes the word away");
	ui_field_select(&f);
	ok(f.replace, "a masked field holding text can be selected");
	type(&f, "good");
	s = ui_field_secret(&f);
	ok(s != NULL && secret_len(s) == 4 && memcmp(secret_peek(s), "good",
	    4) == 0, "then typing replaces the secret instead of adding to it");
	secret_free(&s);
	ui_field_error(&f, "refused");
	ok(f.replace, "an error on it selects it again");
	ui_field_key(&f, UI_KEY_F(3));
	ok(f.replace, "a key the field does not use (F3) keeps it selected");
	ui_field_key(&f, UI_KEY_TAB);
	ok(f.replace, "leaving with Tab keeps it selected");
	ui_field_key(&f, UI_KEY_BACKSPACE);
	is_int((int)ui_field_len(&f), 0, "Backspace clears a selected secret");
	type(&f, "abc");
	ui_field_select(&f);
	ui_field_key(&f, UI_KEY_F(2));
	ok(!f.replace && f.shown, "F2 shows it, to be changed in place");
	type(&f, "d");
	s = ui_field_secret(&f);
	ok(s != NULL && secret_len(s) == 4 && memcmp(secret_peek(s), "abcd",
	    4) == 0, "shown, typing adds at the cursor");
	secret_free(&s);
	ui_field_key(&f, UI_KEY_F(2));
	ui_field_select(&f);
	ui_field_key(&f, UI_KEY_END);
	type(&f, "e");
	s = ui_field_secret(&f);
	ok(s != NULL && secret_len(s) == 5, "a cursor key first edits in place "
	    "too");
	secret_free(&s);
	ui_field_free(&f);
	ui_field_init(&f, "Name", 0, 8);
	type(&f, "abc");
	ui_field_select(&f);
	ok(!f.replace, "a text field, which shows its text, is never selected");
	ui_field_free(&f);
	ui_field_init(&f, "Key", 1, 16);
	type(&f, " \tk y  ");
	ok(ui_field_trim(&f), "trimming says when it removed something");
	s = ui_field_secret(&f);
	ok(s != NULL && secret_len(s) == 3 && memcmp(secret_peek(s), "k y",
	    3) == 0, "the white space around a secret goes, not inside it");
	secret_free(&s);
	ok(memchr(secret_peek(f.sec), ' ', 16) == secret_peek(f.sec) + 1 &&
	    memchr((const char *)secret_peek(f.sec) + 2, ' ', 14) == NULL,
	    "and the bytes it moved are wiped behind it");
	ok(!ui_field_trim(&f), "trimming again removes nothing");
	ui_field_free(&f);
}

static void
test_suggestions(void)
{
	static const char *const hosts[] = { "rest.iad-01.braze.com",
		"rest.iad-03.braze.com", "rest.fra-01.braze.eu", NULL };
	struct ui_field	f;

	ui_field_init(&f, "Endpoint", 0, 64);
	f.suggest = hosts;
	is_int(ui_field_key(&f, UI_KEY_DOWN), UI_W_HANDLED,
	    "Down opens the suggestions");
	ok(f.sug_open, "which are open");
	ui_field_key(&f, UI_KEY_DOWN);
	is_int(ui_field_key(&f, UI_KEY_ENTER), UI_W_CHANGED,
	    "Enter takes the one chosen");
	is_str(ui_field_text(&f), "rest.iad-03.braze.com", "the second");
	ui_field_clear(&f);
	type(&f, "rest.fr");
	ui_field_key(&f, UI_KEY_DOWN);
	ui_field_key(&f, UI_KEY_TAB);
	is_str(ui_field_text(&f), "rest.fra-01.braze.eu",
	    "suggestions follow what is typed (Tab takes one too)");
	ui_field_clear(&f);
	type(&f, "api.example.com");
	is_int(ui_field_key(&f, UI_KEY_DOWN), UI_W_IGNORED,
	    "no suggestion matches: Down is left to the form");
	ui_field_free(&f);
}

static void
test_list(void)
{
	struct ui_list	 l;
	const char	*c[2];

	ui_list_init(&l, UI_LIST_CHECK, 2);
	ui_list_add_heading(&l, "Braze");
	c[0] = "VIP customers"; c[1] = "800";
	ui_list_add_key(&l, c, "vip");
	c[0] = "Newsletter"; c[1] = "5,000";
	ui_list_add_key(&l, c, "news");
	ui_list_add_heading(&l, "Sendinblue");
	c[0] = "Clients fidèles"; c[1] = "2,500";
	ui_list_add_key(&l, c, "fid");
	is_int(l.sel, 1, "the first selectable row is selected, not a heading");
	ui_list_key(&l, UI_KEY_DOWN);
	ui_list_key(&l, UI_KEY_DOWN);
	is_str(ui_list_selected_key(&l), "fid", "Down skips headings");
	is_int(ui_list_key(&l, UI_KEY_DOWN), UI_W_IGNORED,
	    "Down at the end is left to the form");
	is_int(ui_list_key(&l, ' '), UI_W_CHANGED, "Space ticks");
	is_int(ui_list_checked(&l), 1, "one ticked");
	ui_list_key(&l, UI_KEY_HOME);
	is_str(ui_list_selected_key(&l), "vip", "Home goes to the first row");
	ui_list_key(&l, '/');
	ok(l.searching, "/ starts a search");
	ui_list_key(&l, 'F');
	ui_list_key(&l, 'I');
	is_str(ui_list_selected_key(&l), "fid",
	    "typing finds a row, whatever the case");
	ui_list_key(&l, UI_KEY_BACKSPACE);
	ui_list_key(&l, UI_KEY_BACKSPACE);
	ui_list_key(&l, 'n');
	ui_list_key(&l, 'e');
	is_str(ui_list_selected_key(&l), "news", "searching again from here");
	ui_list_key(&l, UI_KEY_ENTER);
	ok(!l.searching, "Enter ends the search");
	ok(ui_list_select_key(&l, "vip") == 0 && l.sel == 1,
	    "rows are found again by key");
	ok(ui_list_select_key(&l, "gone") == -1 && l.sel == 1,
	    "an unknown key keeps the selection");
	ui_list_free(&l);
	ok(l.n == 0 && l.sel == -1, "freeing empties the list");
}

static void
test_form(void)
{
	struct ui_form		f;
	struct ui_field		a, b;
	struct ui_buttons	bt;
	int			agree = 0, which;

	ui_field_init(&a, "Name", 0, 16);
	ui_field_init(&b, "Key", 1, 16);
	ui_buttons_init(&bt, "Back", "Next", NULL);
	ui_form_reset(&f);
	ui_form_text(&f, UI_A_NORMAL, "Intro");
	ui_form_field(&f, &a);
	ui_form_field(&f, &b);
	ui_form_check(&f, "I agree", &agree);
	ui_form_buttons(&f, &bt);
	is_int(f.focus, 1, "the focus starts on the first field, not on text");
	is_int(ui_form_key(&f, 'x', &which), UI_FORM_CHANGED,
	    "keys go to the focused field");
	is_int(which, 1, "which says which item changed");
	ui_form_key(&f, UI_KEY_TAB, &which);
	is_int(f.focus, 2, "Tab moves to the next field");
	ok(!b.replace, "an empty secret field tabbed into is not selected");
	ui_form_key(&f, UI_KEY_DOWN, &which);
	is_int(f.focus, 3, "so does Down in a field");
	is_int(ui_form_key(&f, ' ', &which), UI_FORM_CHANGED, "Space ticks");
	ok(agree, "the check box's value changed");
	is_int(ui_form_key(&f, UI_KEY_ENTER, &which), UI_FORM_SUBMIT,
	    "Enter on a check box goes on and does not untick it");
	ok(agree, "still ticked");
	ui_form_key(&f, UI_KEY_TAB, &which);
	is_int(f.focus, 4, "then the buttons");
	is_int(bt.sel, 1, "whose last button is the default");
	ui_form_key(&f, UI_KEY_LEFT, &which);
	is_int(ui_form_key(&f, UI_KEY_ENTER, &which), UI_FORM_BUTTON,
	    "Enter presses a button");
	is_int(which, 0, "the one chosen with Left");
	ui_form_key(&f, UI_KEY_TAB, &which);
	is_int(f.focus, 1, "Tab wraps around to the first field");
	ui_form_key(&f, UI_KEY_BTAB, &which);
	is_int(f.focus, 4, "Shift-Tab goes back, wrapping too");
	f.items[2].hidden = 1;
	ui_form_focus(&f, 2);
	is_int(f.focus, 3, "a hidden item never takes the focus");
	ui_field_free(&a);
	ui_field_free(&b);
}

int
main(void)
{
	plan_lazy();
	if (sodium_init() < 0)
		fail_all("libsodium cannot start");
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		fail_all("the C.UTF-8 locale is missing");
	ui_text_init(1);
	test_text_field();
	test_secret_field();
	test_secret_replace();
	test_suggestions();
	test_list();
	test_form();
	return done_testing();
}
