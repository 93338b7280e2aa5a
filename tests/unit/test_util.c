/*
 * base/util.c: util_sentence ends a message as a sentence so that the
 * next one does not run into it.
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
	return done_testing();
}
