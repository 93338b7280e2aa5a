/*
 * Request bodies built by hand: a growing byte buffer and JSON string
 * escaping, shared by the drivers. Bodies hold personal data, so growing
 * wipes the old block (xrealloc_wipe) and jsonbuf_free() wipes the bytes.
 */
#ifndef SEGSYNC_SRC_DEST_JSONBUF_H
#define SEGSYNC_SRC_DEST_JSONBUF_H

#include <stddef.h>

struct jsonbuf {
	char	*p;		/* owned; not NUL-terminated */
	size_t	 len, size;
};

#define JSONBUF_INIT	{ NULL, 0, 0 }

/* Make room for more bytes (the first block is 8 KiB). */
void	jsonbuf_grow(struct jsonbuf *, size_t more);
void	jsonbuf_add(struct jsonbuf *, const char *, size_t);
#define jsonbuf_lit(b, s) jsonbuf_add(b, s, sizeof s - 1)

/*
 * s as a JSON string, quotes included. The input is valid UTF-8 (the CSV
 * reader checks it), so only '"', '\\' and control characters need
 * escaping; everything else is copied as it is.
 */
void	jsonbuf_str(struct jsonbuf *, const char *s);

/*
 * Whether s needs no escaping at all (then jsonbuf_str() would only add
 * quotes around it), with its length.
 */
int	jsonbuf_plain(const char *s, size_t *len);

/* Wipe and free the bytes; the buffer is empty again. */
void	jsonbuf_free(struct jsonbuf *);

#endif
