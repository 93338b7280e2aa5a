/*
 * base/safetext.c: a stored string reaches a terminal with every control
 * and every byte of invalid UTF-8 as '?', and letters as they are; JSON
 * text keeps its values, with nothing raw a terminal acts on.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/safetext.h"
#include "tap.h"

static void
check(const char *in, const char *want, const char *what)
{
	char	*s = safetext(in);

	is_str(s, want, "%s", what);
	ok(safetext_clean(in) == (strcmp(in, want) == 0),
	    "%s: clean says so", what);
	free(s);
}

static void
check_json(const char *in, const char *want, const char *what)
{
	char	*s = safetext_json(in);

	is_str(s, want, "%s", what);
	free(s);
}

int
main(void)
{
	plan_lazy();
	check("", "", "empty");
	check("Braze EU, 2024", "Braze EU, 2024", "printable ASCII as it is");
	check("caf\xc3\xa9 \xce\xb1\xce\xb2\xce\xb3 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80", "caf\xc3\xa9 \xce\xb1\xce\xb2\xce\xb3 "
	    "\xe2\x82\xac \xf0\x9f\x98\x80",
	    "letters, Greek, the euro and an emoji as they are");
	check("a\033]0;pwned\007b", "a?]0;pwned?b",
	    "OSC title: ESC and BEL as '?'");
	check("a\033]52;c;cHduZWQ=\007", "a?]52;c;cHduZWQ=?", "OSC 52");
	check("x\033[2Jy", "x?[2Jy", "CSI clear screen");
	check("l1\nl2\tt\r", "l1?l2?t?", "newline, tab and CR too");
	check("del\x7f", "del?", "DEL");
	check("c1\xc2\x9b" "2J", "c1?2J", "C1 CSI (U+009B) as one '?'");
	check("c1\xc2\x80\xc2\x9f\xc2\xa0", "c1??\xc2\xa0",
	    "U+0080 and U+009F are C1; U+00A0 is not");
	check("raw\x9b" "2J", "raw?2J", "a raw 0x9b byte");
	check("bad\xff\xfe", "bad??", "bytes that start nothing");
	check("cut\xc3", "cut?", "a sequence cut by the end");
	check("cut\xe2\x82", "cut??", "a three-byte sequence cut short");
	check("over\xc0\xaf", "over??", "an overlong '/'");
	check("over\xe0\x80\xaf", "over???", "an overlong three-byte '/'");
	check("sur\xed\xa0\x80", "sur???", "a surrogate");
	check("big\xf4\x90\x80\x80", "big????", "above U+10FFFF");

	check_json("{\n\t\"name\":\t\"caf\xc3\xa9\"\n}",
	    "{\n\t\"name\":\t\"caf\xc3\xa9\"\n}",
	    "JSON: ordinary text byte for byte");
	check_json("[\"\\u001b]0;x\\u0007\"]", "[\"\\u001b]0;x\\u0007\"]",
	    "JSON: cJSON's escapes untouched");
	check_json("[\"a\x7f\xc2\x9b\xc2\xa0\"]",
	    "[\"a\\u007f\\u009b\xc2\xa0\"]", "JSON: DEL and C1 escaped");
	check_json("[\"a\x9b\xff\"]", "[\"a\\ufffd\\ufffd\"]",
	    "JSON: invalid UTF-8 as U+FFFD");
	return done_testing();
}
