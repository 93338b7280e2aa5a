/* ui/text.c: UTF-8 text in terminal columns, without a terminal. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ui/text.h"

static void
test_width(void)
{
	is_int(ui_text_width(""), 0, "the empty string takes no column");
	is_int(ui_text_width("VIP customers"), 13, "ASCII: one column each");
	is_int(ui_text_width("Clients fidèles"), 15,
	    "an accented letter takes one column");
	is_int(ui_text_width("e\xcc\x81t\xc3\xa9"), 3,
	    "a combining accent takes none (e + U+0301, t, e-acute)");
	is_int(ui_text_width("顧客"), 4, "CJK ideographs take two columns");
	is_int(ui_text_width("VIP 🎉"), 6, "an emoji takes two columns");
	is_int(ui_text_width("a\xff" "b"), 3,
	    "a byte that is not UTF-8 takes one column ('?')");
	is_int(ui_text_width("a\tb"), 3, "a tab is shown as '?', one column");
	is_int(ui_text_width("\xe2\x82"), 2,
	    "a cut sequence is two bad bytes, not a character");
}

static void
test_fit(void)
{
	const char	*s = "顧客リスト";
	int		 used;
	size_t		 n;

	n = ui_text_fit(s, strlen(s), 5, &used);
	is_int(n, 6, "5 columns hold two ideographs (6 bytes), not half a third");
	is_int(used, 4, "which take 4 columns");
	n = ui_text_fit("fidèles", strlen("fidèles"), 4, &used);
	is_int(n, 5, "\"fidè\" is 5 bytes in 4 columns");
	n = ui_text_fit("abc", 3, 10, &used);
	is_int(n, 3, "everything fits when there is room");
	is_int(used, 3, "and says how wide it is");
}

static void
test_display(void)
{
	char	*d;

	d = ui_text_display("a\x01" "b\xff" "c", 5);
	is_str(d, "a?b?c", "control characters and bad bytes become '?'");
	free(d);
	d = ui_text_display("Clients fidèles", strlen("Clients fidèles"));
	is_str(d, "Clients fidèles", "UTF-8 text is shown as it is");
	free(d);

	ui_text_init(0);
	d = ui_text_display("Clients fidèles", strlen("Clients fidèles"));
	is_str(d, "Clients fideles", "ASCII mode: Latin-1 letters lose their "
	    "accents");
	is_int(ui_text_width("Clients fidèles"), 15,
	    "and the width follows the ASCII form");
	free(d);
	d = ui_text_display("e\xcc\x81-顧客", strlen("e\xcc\x81-顧客"));
	is_str(d, "e-??", "combining marks are dropped, the rest is '?'");
	is_int(ui_text_width("e\xcc\x81-顧客"), 4, "one column each");
	free(d);
	ui_text_init(1);
}

static void
test_wrap(void)
{
	struct ui_line	 l[8];
	const char	*s = "Exporting sends personal data outside";
	size_t		 n;

	n = ui_text_wrap(s, 16, l, 8);
	is_int(n, 3, "wrapped at spaces into three lines");
	ok(l[0].len == 15 && strncmp(s + l[0].off, "Exporting sends", 15) == 0,
	    "the first line ends at a word");
	ok(strncmp(s + l[2].off, "outside", l[2].len) == 0,
	    "the last line holds the last word");
	n = ui_text_wrap("abcdefghij", 4, l, 8);
	is_int(n, 3, "a word longer than the line is cut");
	is_int(l[2].len, 2, "the rest goes on the last line");
	n = ui_text_wrap("one\n\ntwo", 10, l, 8);
	is_int(n, 3, "'\\n' breaks lines, an empty line included");
	is_int(l[1].len, 0, "the empty line is empty");
	n = ui_text_wrap("顧客 顧客 顧客", 9, l, 8);
	is_int(n, 2, "wide characters are wrapped by their columns");
	is_int(ui_text_wrap("a b c d e f", 3, NULL, 0), 3,
	    "the number of lines is given without room for them");
}

static void
test_edit_helpers(void)
{
	char		 enc[4];
	uint32_t	 cp;
	const char	*s = "aé顧";

	is_int(ui_text_encode(0xe9, enc), 2, "é encodes in two bytes");
	is_int(ui_text_encode(0x1f389, enc), 4, "🎉 in four");
	is_int(ui_text_decode(enc, 4, &cp), 4, "and decodes back");
	is_int(cp, 0x1f389, "to the same code point");
	is_int(ui_text_prev(s, strlen(s)), 3, "back over a 3-byte character");
	is_int(ui_text_prev(s, 3), 1, "back over a 2-byte one");
	is_int(ui_text_prev(s, 1), 0, "back to the start");
	is_int(ui_text_decode("\xed\xa0\x80", 3, &cp), 1,
	    "a UTF-16 surrogate is not UTF-8");
}

static void
test_count(void)
{
	char	buf[32];

	is_str(ui_text_count(0, buf, sizeof buf), "0", "zero");
	is_str(ui_text_count(999, buf, sizeof buf), "999", "three digits");
	is_str(ui_text_count(1000, buf, sizeof buf), "1,000", "thousands");
	is_str(ui_text_count(1234567, buf, sizeof buf), "1,234,567",
	    "millions");

	/* The locale's separator, which may be several bytes. */
	if (setlocale(LC_NUMERIC, "fr_FR.UTF-8") != NULL &&
	    strcmp(localeconv()->thousands_sep, "\xe2\x80\xaf") == 0)
		is_str(ui_text_count(1234567, buf, sizeof buf),
		    "1\xe2\x80\xaf" "234\xe2\x80\xaf" "567",
		    "French: a narrow no-break space");
	else
		skip("fr_FR.UTF-8 is missing or groups otherwise");
	if (setlocale(LC_NUMERIC, "nl_NL.UTF-8") != NULL)
		is_str(ui_text_count(1234567, buf, sizeof buf), "1.234.567",
		    "Dutch: a dot");
	else
		skip("nl_NL.UTF-8 is missing");
	setlocale(LC_NUMERIC, "C");
}

/* Names shortened in the middle, measured in columns. */
static void
test_shorten(void)
{
	char	*t;

	t = ui_text_shorten("Newsletter FR 2026", 40);
	is_str(t, "Newsletter FR 2026", "a name that fits stays whole");
	free(t);
	t = ui_text_shorten("Newsletter FR 2026", 11);
	is_str(t, "Newsl\xe2\x80\xa6 2026", "a long one keeps both ends "
	    "around the ellipsis");
	is_int(ui_text_width(t), 11, "in exactly the columns given");
	free(t);
	t = ui_text_shorten("Clients fid\xc3\xa8les de Lyon", 12);
	is_int(ui_text_width(t), 12, "accented letters are one column each");
	like(t, "Lyon", "and the end is kept");
	free(t);
	t = ui_text_shorten("\xe4\xb8\xad\xe6\x96\x87\xe5\x90\x8d"
	    "\xe5\xad\x97\xe5\xbe\x88\xe9\x95\xbf", 7);
	ok(ui_text_width(t) <= 7, "wide characters are never split, and "
	    "never overflow (%d columns)", ui_text_width(t));
	free(t);
	t = ui_text_shorten("abcdefghijklmne\xcc\x81z", 4);
	ok(strstr(t, "\xe2\x80\xa6\xcc\x81") == NULL, "a combining accent "
	    "never sits on the ellipsis (%s)", t);
	free(t);
	ui_text_init(0);
	t = ui_text_shorten("Newsletter FR 2026", 11);
	is_str(t, "Newsl~ 2026", "in ASCII the ellipsis is '~'");
	free(t);
	ui_text_init(1);
}

int
main(void)
{
	plan_lazy();
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		fail_all("the C.UTF-8 locale is missing");
	ui_text_init(1);
	test_width();
	test_fit();
	test_display();
	test_wrap();
	test_edit_helpers();
	test_count();
	test_shorten();
	return done_testing();
}
