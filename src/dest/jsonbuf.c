/* Request bodies built by hand: buffer and JSON string escaping. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/xmalloc.h"
#include "dest/jsonbuf.h"

void
jsonbuf_grow(struct jsonbuf *b, size_t more)
{
	if (b->len + more <= b->size)
		return;
	while (b->len + more > b->size)
		b->size = b->size == 0 ? 8192 : b->size * 2;
	b->p = xrealloc_wipe(b->p, b->len, b->size);
}

void
jsonbuf_add(struct jsonbuf *b, const char *s, size_t len)
{
	jsonbuf_grow(b, len);
	memcpy(b->p + b->len, s, len);
	b->len += len;
}

/* Bytes jsonbuf_str() escapes (or stops at: NUL). */
static const unsigned char jsonbuf_esc[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1,
	[0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1,
	[0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1
};

void
jsonbuf_str(struct jsonbuf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 run;
	char			*o;

	jsonbuf_grow(b, 2);
	b->p[b->len++] = '"';
	for (;;) {
		for (run = 0; !jsonbuf_esc[u[run]]; run++)
			;
		jsonbuf_add(b, (const char *)u, run);
		u += run;
		if (*u == '\0')
			break;
		jsonbuf_grow(b, 6);
		o = b->p + b->len;
		if (*u == '"' || *u == '\\') {
			o[0] = '\\';
			o[1] = (char)*u;
			b->len += 2;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[*u >> 4];
			o[5] = hex[*u & 0xf];
			b->len += 6;
		}
		u++;
	}
	jsonbuf_grow(b, 1);
	b->p[b->len++] = '"';
}

int
jsonbuf_plain(const char *s, size_t *len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n;

	for (n = 0; !jsonbuf_esc[u[n]]; n++)
		;
	*len = n;
	return u[n] == '\0';
}

void
jsonbuf_free(struct jsonbuf *b)
{
	if (b->p != NULL) {
		sodium_memzero(b->p, b->len);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->size = 0;
}
