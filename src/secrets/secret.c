/* Secrets in guarded sodium memory. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "secrets/secret.h"

/*
 * The struct itself holds no secret bytes, so it lives in ordinary memory;
 * only the bytes go to sodium_malloc (each allocation costs pages).
 */
struct secret {
	unsigned char	*p;
	size_t		 len;
	size_t		 cap;
	struct secret	*prev, *next;	/* every live secret (secret_relock) */
};

/*
 * The live secrets: memory locks do not survive fork(), so a child that
 * keeps them (the run worker) locks their pages again. The UI unlocks an
 * identity on a thread of its own, hence the mutex.
 */
static struct secret	*live;
static pthread_mutex_t	 live_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t	 live_once = PTHREAD_ONCE_INIT;

/*
 * A fork() while another thread holds the mutex would leave it held for
 * ever in the child, whose secret_relock() would then hang: fork waits
 * for it, and both sides release it.
 */
static void	live_lock(void) { pthread_mutex_lock(&live_mutex); }
static void	live_unlock(void) { pthread_mutex_unlock(&live_mutex); }
static void	live_init(void) { (void)pthread_atfork(live_lock, live_unlock,
		    live_unlock); }

static struct secret *
secret_alloc(size_t cap)
{
	struct secret	*s;

	s = xcalloc(1, sizeof *s);
	/* sodium_malloc(0) is legal but a zero-size region is pointless. */
	s->p = sodium_malloc(cap == 0 ? 1 : cap);
	if (s->p == NULL) {
		/* Same policy as xmalloc: out of memory is fatal. */
		fputs("segsync: out of secure memory\n", stderr);
		abort();
	}
	sodium_memzero(s->p, cap == 0 ? 1 : cap);
	s->cap = cap;
	pthread_once(&live_once, live_init);
	pthread_mutex_lock(&live_mutex);
	s->next = live;
	if (live != NULL)
		live->prev = s;
	live = s;
	pthread_mutex_unlock(&live_mutex);
	return s;
}

struct secret *
secret_new(size_t len)
{
	struct secret	*s;

	s = secret_alloc(len);
	s->len = len;
	return s;
}

struct secret *
secret_from_bytes(const void *buf, size_t len)
{
	struct secret	*s;

	s = secret_new(len);
	if (len > 0)
		memcpy(s->p, buf, len);
	return s;
}

struct secret *
secret_dup(const struct secret *src)
{
	return secret_from_bytes(src->p, src->len);
}

int
secret_from_fd(int fd, size_t cap, const char *name, struct secret **out,
    char **cause)
{
	struct secret	*s;
	ssize_t		 n;
	size_t		 len = 0;

	*out = NULL;
	/* One spare byte tells "exactly cap" from "more than cap". */
	s = secret_alloc(cap + 1);
	for (;;) {
		n = read(fd, s->p + len, s->cap - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf(_("cannot read %s: %s"), name,
			    strerror(errno));
			secret_free(&s);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > cap) {
			*cause = xasprintf(_("%s is too large (at most %zu "
			    "bytes are read)"), name, cap);
			secret_free(&s);
			return -1;
		}
	}
	s->len = len;
	*out = s;
	return 0;
}

void
secret_free(struct secret **sp)
{
	if (*sp == NULL)
		return;
	pthread_mutex_lock(&live_mutex);
	if ((*sp)->prev != NULL)
		(*sp)->prev->next = (*sp)->next;
	else
		live = (*sp)->next;
	if ((*sp)->next != NULL)
		(*sp)->next->prev = (*sp)->prev;
	pthread_mutex_unlock(&live_mutex);
	/* sodium_free wipes the region and checks the canary. */
	sodium_free((*sp)->p);
	free(*sp);
	*sp = NULL;
}

int
secret_relock(void)
{
	struct secret	*s;
	int		 rv = 0, err = 0;

	pthread_mutex_lock(&live_mutex);
	for (s = live; s != NULL; s = s->next) {
		if (sodium_mlock(s->p, s->cap == 0 ? 1 : s->cap) != 0 &&
		    rv == 0) {
			err = errno;
			rv = -1;
		}
	}
	pthread_mutex_unlock(&live_mutex);
	if (rv != 0)
		errno = err;
	return rv;
}

const unsigned char *
secret_peek(const struct secret *s)
{
	return s->p;
}

unsigned char *
secret_buf(struct secret *s)
{
	return s->p;
}

size_t
secret_len(const struct secret *s)
{
	return s->len;
}

void
secret_truncate(struct secret *s, size_t len)
{
	if (len >= s->len)
		return;
	sodium_memzero(s->p + len, s->len - len);
	s->len = len;
}

int
secret_equal(const struct secret *a, const struct secret *b)
{
	if (a->len != b->len)
		return 0;
	if (a->len == 0)
		return 1;
	return sodium_memcmp(a->p, b->p, a->len) == 0;
}

char *
secret_mask(const struct secret *s)
{
	static const char	 bullets[] = "\xe2\x80\xa2\xe2\x80\xa2"
	    "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"
	    "\xe2\x80\xa2\xe2\x80\xa2";
	const unsigned char	*tail;
	size_t			 i;

	if (s->len < SECRET_MASK_REVEAL_MIN)
		return xstrdup(bullets);
	tail = s->p + s->len - 4;
	for (i = 0; i < 4; i++) {
		if (tail[i] < 0x21 || tail[i] > 0x7e)
			return xstrdup(bullets);
	}
	return xasprintf("%s%c%c%c%c", bullets, tail[0], tail[1], tail[2],
	    tail[3]);
}
