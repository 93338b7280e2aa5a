#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "tap.h"

/*
 * The program is linked with -Wl,--wrap=free (Makefile.am), so every free()
 * comes here first: for the block being watched, it records whether its
 * first watch_len bytes were zero while the block was still allocated,
 * which is the only time the wipe can be seen without reading freed memory.
 */
void	__real_free(void *);
void	__wrap_free(void *);

/* volatile: the compiler takes free() to leave other memory alone. */
static void *volatile	watch_p;
static volatile size_t	watch_len;
static volatile int	watch_freed, watch_zero;

void
__wrap_free(void *p)
{
	size_t	i;

	if (p != NULL && p == watch_p) {
		watch_freed = 1;
		watch_zero = 1;
		for (i = 0; i < watch_len; i++) {
			if (((unsigned char *)p)[i] != 0)
				watch_zero = 0;
		}
		watch_p = NULL;
	}
	__real_free(p);
}

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
	watch_p = p;
	watch_len = strlen(p) + 1;
	p = xrealloc_wipe(p, strlen(p) + 1, 4096);
	is_str(p, "personal data", "xrealloc_wipe keeps the used bytes");
	ok(watch_freed, "the old block is freed");
	ok(watch_zero, "and was wiped before it was freed");
	free(p);

	/* The control: a plain free of bytes that were not wiped is seen. */
	p = xstrdup("personal data");
	watch_p = p;
	watch_len = strlen(p) + 1;
	watch_freed = watch_zero = 0;
	free(p);
	ok(watch_freed && !watch_zero, "the check sees bytes left unwiped");
	return done_testing();
}
