/* ui/script.c: the key scripts of the headless mode. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ui/keys.h"
#include "ui/script.h"

static void
test_parse(void)
{
	struct ui_script	*s = NULL;
	const struct ui_step	*st;
	char			*cause = NULL;
	const char		*text =
	    "# comment\n"
	    "keys <Down>a<lt>é<S-Tab><C-u><F12>\n"
	    "\n"
	    "dump step-1.screen\r\n"
	    "resize 60x20\n"
	    "sleep 250\n";

	ok(ui_script_parse("t.keys", text, &s, &cause) == 0,
	    "a script parses");
	if (s == NULL) {
		diag("%s", cause);
		return;
	}
	is_int(s->n, 10, "into one step per key, dump, resize and sleep");
	st = ui_script_next(s);
	is_int(st->key, UI_KEY_DOWN, "<Down> is the Down key");
	is_int(ui_script_next(s)->key, 'a', "text is typed as it is");
	is_int(ui_script_next(s)->key, '<', "<lt> types a '<'");
	is_int(ui_script_next(s)->key, 0xe9, "UTF-8 text gives code points");
	is_int(ui_script_next(s)->key, UI_KEY_BTAB, "<S-Tab> is Shift-Tab");
	is_int(ui_script_next(s)->key, UI_CTRL('u'), "<C-u> is Control-U");
	is_int(ui_script_next(s)->key, UI_KEY_F(12), "<F12>");
	st = ui_script_next(s);
	ok(st->kind == UI_STEP_DUMP && strcmp(st->name, "step-1.screen") == 0,
	    "dump names its file (CRLF line ends are fine)");
	is_int(st->line, 4, "and knows its line");
	st = ui_script_next(s);
	ok(st->kind == UI_STEP_RESIZE && st->cols == 60 && st->rows == 20,
	    "resize COLSxROWS");
	st = ui_script_next(s);
	ok(st->kind == UI_STEP_SLEEP && st->ms == 250, "sleep MS");
	ok(ui_script_next(s) == NULL, "then the end");
	ui_script_free(&s);
	ok(s == NULL, "freeing sets the pointer to NULL");
}

static void
test_errors(void)
{
	static const struct {
		const char	*text;
		const char	*want;
	} bad[] = {
		{ "keys <Nope>\n", "t.keys, line 1: unknown key <Nope>" },
		{ "\nkeys <Down\n", "t.keys, line 2: '<' without '>'" },
		{ "dump ../x\n", "t.keys, line 1: expected" },
		{ "dump\n", "t.keys, line 1: expected" },
		{ "resize 0x20\n", "t.keys, line 1: expected" },
		{ "sleep -1\n", "t.keys, line 1: expected" },
		{ "press q\n", "t.keys, line 1: expected" },
		{ "keys \xff\n", "t.keys, line 1: the text is not UTF-8" },
	};
	struct ui_script	*s;
	char			*cause;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = NULL;
		cause = NULL;
		ok(ui_script_parse("t.keys", bad[i].text, &s, &cause) == -1 &&
		    s == NULL, "refused: %s", bad[i].want);
		like(cause, bad[i].want, "with the file, the line and why");
		free(cause);
	}
	is_int(ui_script_key("F13"), -1, "there is no F13");
	is_int(ui_script_key("C-A"), -1, "Control takes lower-case letters");
}

int
main(void)
{
	plan_lazy();
	test_parse();
	test_errors();
	return done_testing();
}
