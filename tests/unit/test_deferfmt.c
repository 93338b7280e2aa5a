/*
 * base/deferfmt.c: arguments kept as text render like printf would, in
 * order or by position, grouped only for a reader, and a format from a
 * file can never make rendering read what is not there.
 */
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/deferfmt.h"
#include "tap.h"

static char **
args_of(size_t *n, const char *fmt, ...)
{
	char	**a;
	va_list	  ap;

	va_start(ap, fmt);
	a = deferfmt_args(fmt, ap, n);
	va_end(ap);
	return a;
}

int
main(void)
{
	char		**a, *s;
	size_t		  n;
	char		 *two[] = { "first", "second" };
	char		 *num[] = { "1234567" };

	plan_lazy();
	a = args_of(&n, "Resumed by %s (attempt %u): %'zu profiles, %lld, "
	    "%%, %c, %x.", "ann", 3u, (size_t)12345, -7LL, 'z', 255u);
	is_int((int)n, 6, "six arguments taken, %% is none");
	ok(n == 6 && strcmp(a[0], "ann") == 0 && strcmp(a[1], "3") == 0 &&
	    strcmp(a[2], "12345") == 0 && strcmp(a[3], "-7") == 0 &&
	    strcmp(a[4], "z") == 0 && strcmp(a[5], "ff") == 0,
	    "each as the text of its conversion");
	s = deferfmt_render("Resumed by %s (attempt %u): %'zu profiles, "
	    "%lld, %%, %c, %x.", a, n, 0);
	is_str(s, "Resumed by ann (attempt 3): 12345 profiles, -7, %, z, ff.",
	    "rendered for a file: as printf, digits plain");
	free(s);
	deferfmt_free(a, n);

	a = args_of(&n, "No arguments.");
	ok(a == NULL && n == 0, "a format without conversions keeps nothing");
	s = deferfmt_render("%2$s then %1$s", two, 2, 0);
	is_str(s, "second then first", "positions, as a translation reorders");
	free(s);
	s = deferfmt_render("%s, %s, %s and %n", two, 2, 0);
	is_str(s, "first, second, ? and ?",
	    "missing arguments and unknown conversions read '?'");
	free(s);
	s = deferfmt_render("%99$s%s", two, 2, 0);
	is_str(s, "?first", "a position past the arguments reads '?'");
	free(s);
	s = deferfmt_render("100%", two, 2, 0);
	ok(s != NULL && strncmp(s, "100", 3) == 0,
	    "a lone %% at the end is harmless");
	free(s);

	if (setlocale(LC_ALL, "fr_FR.UTF-8") == NULL)
		fail_all("the locale fr_FR.UTF-8 is missing (script/bootstrap "
		    "generates it)");
	s = deferfmt_render("Succeeded: %'llu profiles.", num, 1, 1);
	is_str(s, "Succeeded: 1\xe2\x80\xaf" "234\xe2\x80\xaf" "567 profiles.",
	    "for a French reader: grouped with narrow no-break spaces");
	free(s);
	s = deferfmt_render("%llu profiles.", num, 1, 1);
	is_str(s, "1234567 profiles.", "without the ' flag: not grouped");
	free(s);
	s = deferfmt_render("Succeeded: %'llu profiles.", num, 1, 0);
	is_str(s, "Succeeded: 1234567 profiles.",
	    "for a file, even in a French locale: plain digits");
	free(s);
	num[0] = "12x";
	s = deferfmt_render("%'llu", num, 1, 1);
	is_str(s, "12x", "a stored argument that is no number is shown as is");
	free(s);
	if (setlocale(LC_ALL, "nl_NL.UTF-8") == NULL)
		fail_all("the locale nl_NL.UTF-8 is missing (script/bootstrap "
		    "generates it)");
	num[0] = "1234567";
	s = deferfmt_render("%'llu", num, 1, 1);
	is_str(s, "1.234.567", "for a Dutch reader: grouped with dots");
	free(s);
	num[0] = "-1";
	s = deferfmt_render("%'llu", num, 1, 1);
	is_str(s, "-1", "a negative %%u from a file is not wrapped around");
	free(s);
	return done_testing();
}
