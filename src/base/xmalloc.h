/* Allocation that never returns NULL: out of memory is the only fatal path. */
#ifndef SEGSYNC_SRC_BASE_XMALLOC_H
#define SEGSYNC_SRC_BASE_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
/*
 * Grow a buffer that holds personal data or secrets: the first used bytes
 * move to a new block and are wiped from the old one before it is freed
 * (realloc may leave them behind in freed memory).
 */
void	*xrealloc_wipe(void *, size_t used, size_t size);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list)
	    __attribute__((format(printf, 1, 0)));

/* Free *pp and set it to NULL. */
#define xfree(pp) do { free(*(pp)); *(pp) = NULL; } while (0)

#endif
