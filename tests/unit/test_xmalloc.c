#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "tap.h"

int
main(void)
{
	char	*s, *p;

	plan_lazy();
	s = xasprintf("line %d: %s", 1204, "7 fields");
	is_str(s, "line 1204: 7 fields", "xasprintf formats");
	p = xstrndup("abcdef", 3);
	is_str(p, "abc", "xstrndup stops at n");
	xfree(&s);
	ok(s == NULL, "xfree clears the pointer");
	free(p);
	p = xmalloc(0);
	ok(p != NULL, "xmalloc(0) returns a pointer");
	free(p);
	p = xstrdup("personal data");
	p = xrealloc_wipe(p, strlen(p) + 1, 4096);
	is_str(p, "personal data", "xrealloc_wipe keeps the used bytes");
	free(p);
	return done_testing();
}
