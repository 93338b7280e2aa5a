/*
 * base/columns.c: text measured in terminal columns in a UTF-8 locale
 * (accents one column, CJK two, combining marks none), names shortened in
 * the middle with an ellipsis to exactly the columns asked, and cells
 * padded to their width on either side.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/columns.h"
#include "tap.h"

/* What columns_cell prints, malloc'd. */
static char *
cell(const char *s, int cols, int right)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	columns_cell(fp, s, cols, right);
	fclose(fp);
	return buf;
}

int
main(void)
{
	char	*s;

	plan_lazy();
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		fail_all("the C.UTF-8 locale is missing");
	is_int(columns_width("abc"), 3, "ASCII: a column a byte");
	is_int(columns_width("fidèles"), 7, "an accented letter takes one");
	is_int(columns_width("Ελληνικά"), 8, "so does a Greek one");
	is_int(columns_width("日本"), 4, "a CJK ideograph takes two");
	is_int(columns_width("e\xcc\x81"), 1, "a combining mark none");
	is_int(columns_width("a\x01" "b\xff"), 4,
	    "a control and a bad byte one each (shown as '?')");

	s = columns_shorten("Newsletter subscribers 2026", 27);
	is_str(s, "Newsletter subscribers 2026", "what fits is kept whole");
	free(s);
	s = columns_shorten("Newsletter subscribers 2026", 15);
	is_str(s, "Newslet\u2026rs 2026", "wider: start and end around an "
	    "ellipsis");
	is_int(columns_width(s), 15, "in exactly the columns asked");
	free(s);
	s = columns_shorten("Clients fidèles de l'été", 11);
	is_int(columns_width(s), 11, "accents are shortened by columns");
	ok(strncmp(s, "Clien", 5) == 0 && strstr(s, "été") != NULL,
	    "and never cut inside a letter (%s)", s);
	free(s);
	s = columns_shorten("日本語の名前です", 7);
	ok(columns_width(s) <= 7, "wide letters fit (%s, %d columns)", s,
	    columns_width(s));
	free(s);

	s = columns_shorten("abcdefgh", 3);
	is_str(s, "a\u2026h", "three columns: an end each side of the ellipsis");
	free(s);
	s = columns_shorten("abcdefgh", 2);
	is_str(s, "ab", "fewer: the start alone, never wider than asked");
	free(s);
	if (setlocale(LC_ALL, "C") != NULL) {
		s = columns_shorten("abcdefgh", 6);
		is_str(s, "ab...h", "in ASCII the ellipsis is three dots");
		free(s);
		s = columns_shorten("abcdefgh", 4);
		is_str(s, "abcd", "and with no room for them, the start");
		free(s);
		setlocale(LC_ALL, "C.UTF-8");
	}

	s = cell("VIP", 6, 0);
	is_str(s, "VIP   ", "a cell padded on the right");
	free(s);
	s = cell("42", 6, 1);
	is_str(s, "    42", "or on the left, for numbers");
	free(s);
	s = cell("fidèles", 9, 0);
	is_str(s, "fidèles  ", "padding counts columns, not bytes");
	free(s);
	return done_testing();
}
