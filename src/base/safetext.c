/* Stored text made harmless for a terminal (see safetext.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/safetext.h"
#include "base/xmalloc.h"

size_t
safetext_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 c = p[0];
	size_t			 n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else
		goto bad;
	if (n > len)
		goto bad;
	/* A NUL ends the string: it is no continuation byte either. */
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = SAFETEXT_BAD;
	return 1;
}

/* The same, in a NUL-terminated string. */
static size_t
decode(const unsigned char *s, uint32_t *cp)
{
	return safetext_decode((const char *)s, SIZE_MAX, cp);
}

static int
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

int
safetext_clean(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;

	while (*p != '\0') {
		/* Printable ASCII, the common case, without decoding. */
		if (*p >= 0x20 && *p < 0x7f) {
			p++;
			continue;
		}
		p += decode(p, &cp);
		if (cp == SAFETEXT_BAD || is_control(cp))
			return 0;
	}
	return 1;
}

char *
safetext(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;
	uint32_t		 cp;
	size_t			 n;

	/* Never longer: each bad byte or control becomes one '?'. */
	o = out = xmalloc(strlen(s) + 1);
	while (*p != '\0') {
		n = decode(p, &cp);
		if (cp == SAFETEXT_BAD || is_control(cp))
			*o++ = '?';
		else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

char *
safetext_json(const char *json)
{
	const unsigned char	*p = (const unsigned char *)json;
	char			*out, *o;
	uint32_t		 cp;
	size_t			 n;

	/* At most six bytes ("\ufffd") for each byte of the input. */
	o = out = xmalloc(strlen(json) * 6 + 1);
	while (*p != '\0') {
		n = decode(p, &cp);
		if (cp == SAFETEXT_BAD)
			o += sprintf(o, "\\ufffd");
		else if (cp >= 0x7f && cp < 0xa0)
			o += sprintf(o, "\\u%04x", (unsigned)cp);
		else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}
