/*
 * Secret bytes (passphrases, keys, API tokens, decrypted fields) held in
 * sodium_malloc memory: guarded, mlocked where the limit allows, left out
 * of core dumps, wiped on free. The type is opaque so that a secret cannot
 * reach printf or a log by accident; the only ways to the bytes are
 * secret_peek() and secret_buf(), meant for the crypto code.
 *
 * hygiene_init() (or sodium_init()) must have run before any of these.
 * Every secret returned is owned by the caller and released with
 * secret_free().
 */
#ifndef SEGSYNC_SRC_SECRETS_SECRET_H
#define SEGSYNC_SRC_SECRETS_SECRET_H

#include <stddef.h>

struct secret;

/* Largest secret secret_from_fd() reads unless told otherwise. */
#define SECRET_DEFAULT_CAP	(64u * 1024)

/*
 * A secret of len bytes, all zero, to be filled through secret_buf().
 * Aborts on out of memory, like xmalloc.
 */
struct secret	*secret_new(size_t len);

/* A copy of len bytes from buf. */
struct secret	*secret_from_bytes(const void *buf, size_t len);

/* A copy of another secret. */
struct secret	*secret_dup(const struct secret *);

/*
 * Read fd to end of file (at most cap bytes) into a new secret. name is
 * used in the message. Returns 0, or -1 with *cause set (read error or
 * more than cap bytes). fd is not closed.
 */
int		 secret_from_fd(int fd, size_t cap, const char *name,
		     struct secret **out, char **cause);

/* Wipe and free *sp, then set it to NULL. NULL is fine. */
void		 secret_free(struct secret **sp);

/*
 * Lock the pages of every live secret in memory again: a child process
 * does not inherit its parent's locks. 0, or -1 with errno when one could
 * not be locked (RLIMIT_MEMLOCK too low, say); the others are locked.
 */
int		 secret_relock(void);

/* Borrowed read-only view of the bytes, valid until secret_free. */
const unsigned char *secret_peek(const struct secret *);

/* Borrowed writable view, for code filling a fresh secret. */
unsigned char	*secret_buf(struct secret *);

size_t		 secret_len(const struct secret *);

/*
 * Shorten the secret to len bytes (len <= secret_len); the bytes cut off
 * are wiped.
 */
void		 secret_truncate(struct secret *, size_t len);

/* 1 when both hold the same bytes (constant time for equal lengths). */
int		 secret_equal(const struct secret *, const struct secret *);

/*
 * A masked form for display, malloc'd (caller frees): eight bullets, then
 * the last four characters when the secret is at least
 * SECRET_MASK_REVEAL_MIN bytes long and those four are printable ASCII;
 * otherwise the bullets alone. Short secrets reveal nothing, because four
 * characters of a short secret are too large a share of it.
 */
#define SECRET_MASK_REVEAL_MIN	12
char		*secret_mask(const struct secret *);

#endif
