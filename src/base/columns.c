/* Text in terminal columns (columns.h). */
#include "config.h"

#include <langinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/columns.h"
#include "base/safetext.h"
#include "base/xmalloc.h"

/* The columns of the character at s (len bytes left) and its length. */
static size_t
columns_char(const char *s, size_t len, int *cols)
{
	uint32_t	cp;
	size_t		n = safetext_decode(s, len, &cp);
	int		w;

	if (cp == SAFETEXT_BAD || cp > 0x10ffff)
		w = 1;
	else if ((w = wcwidth((wchar_t)cp)) < 0)
		w = 1;		/* a control, or a letter the locale lacks */
	*cols = w;
	return n;
}

int
columns_width(const char *s)
{
	size_t	len = strlen(s), i = 0;
	int	cols = 0, w;

	while (i < len) {
		i += columns_char(s + i, len - i, &w);
		cols += w;
	}
	return cols;
}

/* How many bytes of s (len bytes) fit in cols columns, whole characters. */
static size_t
columns_fit(const char *s, size_t len, int cols)
{
	size_t	i = 0, n;
	int	used = 0, w;

	while (i < len) {
		n = columns_char(s + i, len - i, &w);
		if (used + w > cols)
			break;
		used += w;
		i += n;
	}
	return i;
}

/* Bytes at the end of s (len bytes) that fit in cols columns. */
static size_t
columns_fit_end(const char *s, size_t len, int cols)
{
	size_t	i = len, j;
	int	used = 0, w;

	while (i > 0) {
		j = i - 1;
		while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xc0) ==
		    0x80)
			j--;
		/* A stray continuation byte is a character of its own. */
		if (columns_char(s + j, i - j, &w) != i - j) {
			j = i - 1;
			w = 1;
		}
		if (used + w > cols)
			break;
		used += w;
		i = j;
	}
	return len - i;
}

char *
columns_shorten(const char *s, int cols)
{
	int		 utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	const char	*dots = utf8 ? "\u2026" : "...";
	int		 dw = utf8 ? 1 : 3, head, tail;
	size_t		 len = strlen(s), h, t;
	char		*out;

	if (columns_width(s) <= cols)
		return xstrdup(s);
	if (cols < dw + 2) {
		/* No room for an ellipsis and both ends: the start alone. */
		h = columns_fit(s, len, cols < 0 ? 0 : cols);
		return xstrndup(s, h);
	}
	head = (cols - dw + 1) / 2;
	tail = cols - dw - head;
	h = columns_fit(s, len, head);
	t = columns_fit_end(s + h, len - h, tail);
	out = xmalloc(h + strlen(dots) + t + 1);
	memcpy(out, s, h);
	memcpy(out + h, dots, strlen(dots));
	memcpy(out + h + strlen(dots), s + len - t, t);
	out[h + strlen(dots) + t] = '\0';
	return out;
}

void
columns_pad(FILE *fp, const char *s, int cols, int right)
{
	int	pad = cols - columns_width(s);

	if (right)
		for (; pad > 0; pad--)
			putc(' ', fp);
	fputs(s, fp);
	if (!right)
		for (; pad > 0; pad--)
			putc(' ', fp);
}

void
columns_cell(FILE *fp, const char *s, int cols, int right)
{
	char	*t = columns_shorten(s, cols);

	columns_pad(fp, t, cols, right);
	free(t);
}
