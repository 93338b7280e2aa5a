/* Strict line, word, decimal and base64 handling for the secrets formats. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/xmalloc.h"
#include "secrets/sectext.h"

#define B64_VARIANT	sodium_base64_VARIANT_ORIGINAL_NO_PADDING

int
sectext_check(const void *buf, size_t len, size_t cap)
{
	const unsigned char	*p = buf;
	size_t			 i;

	if (len == 0 || len > cap || p[len - 1] != '\n')
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] != '\n' && (p[i] < 0x20 || p[i] > 0x7e))
			return -1;
	}
	return 0;
}

int
sectext_line(struct sectext *t, const char **line, size_t *len)
{
	const char	*nl;

	if (t->p >= t->end)
		return 0;
	nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
	if (nl == NULL)
		return 0;
	*line = t->p;
	*len = (size_t)(nl - t->p);
	t->p = nl + 1;
	return 1;
}

int
sectext_words(const char *line, size_t len, const char **w, size_t *wlen,
    int max)
{
	size_t	i, start = 0;
	int	n = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || n == max)
			return -1;
		w[n] = line + start;
		wlen[n] = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

int
sectext_is(const char *w, size_t wlen, const char *s)
{
	return strlen(s) == wlen && memcmp(w, s, wlen) == 0;
}

long
sectext_b64_declen(size_t slen)
{
	if (slen % 4 == 1 || slen > 1024 * 1024)
		return -1;
	return (long)(slen / 4 * 3 + (slen % 4 == 0 ? 0 : slen % 4 - 1));
}

int
sectext_unb64(const char *s, size_t slen, unsigned char *out, size_t outlen)
{
	const char	*end;
	size_t		 got;
	size_t		 i;

	if (sectext_b64_declen(slen) != (long)outlen)
		return -1;
	/* Only the alphabet: sodium would stop early at anything else. */
	for (i = 0; i < slen; i++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/", s[i]) == NULL || s[i] == '\0')
			return -1;
	}
	/*
	 * libsodium rejects non-zero trailing bits, which makes the
	 * encoding canonical; the length check above makes it exact.
	 */
	if (sodium_base642bin(out, outlen, s, slen, NULL, &got, &end,
	    B64_VARIANT) != 0 || got != outlen || end != s + slen) {
		sodium_memzero(out, outlen);
		return -1;
	}
	return 0;
}

char *
sectext_b64(const void *buf, size_t len)
{
	size_t	 n;
	char	*s;

	n = sodium_base64_ENCODED_LEN(len, B64_VARIANT);
	s = xmalloc(n);
	sodium_bin2base64(s, n, buf, len, B64_VARIANT);
	return s;
}

int
sectext_uint(const char *s, size_t slen, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (slen == 0 || slen > 20 || (slen > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < slen; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}
