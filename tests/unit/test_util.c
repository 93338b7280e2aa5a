/*
 * base/util.c: util_shell_word quotes a word of a suggested command as
 * the shell needs it, util_nfc and util_same_name compare names in NFC,
 * and util_sentence ends a message as a sentence so that the next one
 * does not run into it.
 */
#include "config.h"

#include <stdlib.h>

#include "base/util.h"
#include "base/xmalloc.h"
#include "tap.h"

static void
check(const char *in, const char *want, const char *what)
{
	char	*s = util_sentence(in != NULL ? xstrdup(in) : NULL);

	is_str(s, want, "%s", what);
	free(s);
}

static void
nfc(const char *in, const char *want, const char *what)
{
	char	*s = util_nfc(in);

	is_str(s, want, "%s", what);
	free(s);
}

static void
word(const char *in, const char *want, const char *what)
{
	char	*s = util_shell_word(in);

	is_str(s, want, "%s", what);
	free(s);
}

int
main(void)
{
	plan_lazy();
	check("gave up after 6 attempts", "gave up after 6 attempts.",
	    "a full stop is added");
	check("Braze refused it.", "Braze refused it.", "one is not doubled");
	check("Is it down?", "Is it down?", "a question ends a sentence");
	check("It failed:", "It failed:", "so does a colon");
	check("trailing  ", "trailing.", "trailing spaces go first");
	check("", "", "nothing stays nothing");
	check(NULL, "", "and none is empty");
	word("Snap", "Snap", "a plain name is one word as it is");
	word("snap-eu_2.x:@%+=,/", "snap-eu_2.x:@%+=,/", "so is one of "
	    "the characters the shell leaves alone");
	word("Snap EU", "\"Snap EU\"", "a space: double quotes");
	word("Clients fidèles", "\"Clients fidèles\"", "so does a letter "
	    "outside ASCII");
	word("it's", "\"it's\"", "a single quote fits in double quotes");
	word("$HOME", "'$HOME'", "a dollar: single quotes");
	word("a\"b", "'a\"b'", "a double quote too");
	word("it's $5", "'it'\\''s $5'", "a single quote and a dollar: "
	    "single quotes, the quote closed, escaped and reopened");
	word("", "\"\"", "an empty word is quoted, not lost");
	nfc("Fide\xcc\x80les", "Fid\xc3\xa8les", "e and a combining grave "
	    "become one character");
	nfc("Fid\xc3\xa8les", "Fid\xc3\xa8les", "NFC stays as it is");
	nfc("plain", "plain", "so does ASCII");
	nfc("bad\xff", "bad\xff", "text that is not UTF-8 is kept as it is");
	ok(util_same_name("Fide\xcc\x80les", "Fid\xc3\xa8les"), "the two "
	    "spellings are the same name");
	ok(!util_same_name("Fideles", "Fid\xc3\xa8les"), "without the accent "
	    "it is another");
	ok(!util_same_name("abc", "abd"), "and ASCII names compare as bytes");
	return done_testing();
}
