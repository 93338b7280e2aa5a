/* Allocation helpers that abort on exhaustion, as tmux's xmalloc.c does. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/xmalloc.h"

/* Say why we stop, without allocating, and stop. */
static void __attribute__((noreturn))
xmalloc_fatal(size_t size)
{
	char	buf[96];
	int	n;

	n = snprintf(buf, sizeof buf, "segsync: out of memory (%zu bytes)\n",
	    size);
	if (n > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)n);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	p = malloc(size == 0 ? 1 : size);
	if (p == NULL)
		xmalloc_fatal(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
	if (p == NULL)
		xmalloc_fatal(n * size);
	return p;
}

void *
xrealloc(void *old, size_t size)
{
	void	*p;

	p = realloc(old, size == 0 ? 1 : size);
	if (p == NULL)
		xmalloc_fatal(size);
	return p;
}

void *
xrealloc_wipe(void *old, size_t used, size_t size)
{
	void	*p;

	p = xmalloc(size);
	if (old != NULL) {
		memcpy(p, old, used < size ? used : size);
		sodium_memzero(old, used);
		free(old);
	}
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xmalloc_fatal(SIZE_MAX);
	return xrealloc(old, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) < 0)
		xmalloc_fatal(strlen(fmt));
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}
