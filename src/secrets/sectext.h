/*
 * Strict reading and writing of the line-based secrets formats
 * (segsync-identity/v1, segsync-secret/v1): canonical unpadded base64
 * (sodium ORIGINAL_NO_PADDING), canonical decimals, single-space separated
 * words, LF-terminated printable-ASCII lines. Shared by identity.c and
 * secrets/secrecord.c; not a general-purpose parser.
 */
#ifndef SEGSYNC_SRC_SECRETS_SECTEXT_H
#define SEGSYNC_SRC_SECRETS_SECTEXT_H

#include <stddef.h>
#include <stdint.h>

/* A cursor over a buffer of lines. */
struct sectext {
	const char	*p;
	const char	*end;
};

/*
 * 0 when buf is non-empty, at most cap bytes, ends with LF and holds only
 * printable ASCII and LF (so no NUL, no CR, no tabs); -1 otherwise.
 */
int	sectext_check(const void *buf, size_t len, size_t cap);

/*
 * Next line (without its LF) from the cursor: 1 with line and len set, 0 at
 * the end. Only valid on a buffer sectext_check accepted.
 */
int	sectext_line(struct sectext *, const char **line, size_t *len);

/*
 * Split a line at single spaces into at most max words. Returns the
 * number of words, or -1 for an empty word (leading, trailing or double
 * space) or more than max words.
 */
int	sectext_words(const char *line, size_t len, const char **w,
	    size_t *wlen, int max);

/* 1 when the word equals the NUL-terminated string s. */
int	sectext_is(const char *w, size_t wlen, const char *s);

/*
 * Decode canonical unpadded base64 of exactly outlen bytes. Returns 0, or
 * -1 for a wrong length, a stray character, padding, or non-zero trailing
 * bits (so every byte string has exactly one accepted encoding).
 */
int	sectext_unb64(const char *s, size_t slen, unsigned char *out,
	    size_t outlen);

/* The decoded length of a canonical encoding of slen chars, or -1. */
long	sectext_b64_declen(size_t slen);

/* Unpadded base64 of buf, malloc'd. */
char	*sectext_b64(const void *buf, size_t len);

/* Canonical decimal (no sign, no leading zero) to *out; 0 or -1. */
int	sectext_uint(const char *s, size_t slen, uint64_t *out);

#endif
