/* UTF-8 text in terminal columns (see text.h). */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/safetext.h"
#include "base/xmalloc.h"
#include "text.h"

static int	ui_utf8 = 1;

/*
 * Latin-1 letters U+00C0 to U+00FF without their accents, for terminals
 * that cannot show them ('?' where there is no plain letter).
 */
static const char ui_latin1[] =
    "AAAAAAACEEEEIIII"		/* U+00C0 */
    "DNOOOOO?OUUUUYTs"		/* U+00D0 */
    "aaaaaaaceeeeiiii"		/* U+00E0 */
    "dnooooo?ouuuuyty";		/* U+00F0 */

void
ui_text_init(int utf8)
{
	ui_utf8 = utf8;
}

int
ui_text_utf8(void)
{
	return ui_utf8;
}

size_t
ui_text_decode(const char *s, size_t len, uint32_t *cp)
{
	size_t	n = safetext_decode(s, len, cp);

	if (*cp == SAFETEXT_BAD)
		*cp = UI_TEXT_BAD;
	return n;
}

size_t
ui_text_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t
ui_text_prev(const char *s, size_t pos)
{
	uint32_t	cp;
	size_t		i, n;

	if (pos == 0)
		return 0;
	/* Step back over continuation bytes, then check the sequence. */
	i = pos - 1;
	while (i > 0 && pos - i < 4 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	n = ui_text_decode(s + i, pos - i, &cp);
	if (i + n == pos)
		return i;
	return pos - 1;
}

/* Combining marks: shown on the previous character, in no column. */
static int
is_combining(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 &&
	    cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
	    (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f);
}

int
ui_text_cpwidth(uint32_t cp)
{
	int	w;

	if (cp < 0x20 || cp == 0x7f || cp == UI_TEXT_BAD)
		return 1;			/* shown as '?' */
	if (cp < 0x7f)
		return 1;
	if (!ui_utf8)
		return is_combining(cp) ? 0 : 1;
	if (cp >= 0x80 && cp < 0xa0)
		return 1;			/* C1 controls: '?' */
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 1;			/* unprintable: '?' */
	return w > 2 ? 2 : w;
}

int
ui_text_nwidth(const char *s, size_t len)
{
	uint32_t	cp;
	size_t		i = 0;
	int		w = 0;

	while (i < len) {
		i += ui_text_decode(s + i, len - i, &cp);
		w += ui_text_cpwidth(cp);
	}
	return w;
}

int
ui_text_width(const char *s)
{
	return ui_text_nwidth(s, strlen(s));
}

size_t
ui_text_fit(const char *s, size_t len, int cols, int *used)
{
	uint32_t	cp;
	size_t		i = 0, n;
	int		w = 0, cw;

	while (i < len) {
		n = ui_text_decode(s + i, len - i, &cp);
		cw = ui_text_cpwidth(cp);
		if (w + cw > cols)
			break;
		w += cw;
		i += n;
	}
	if (used != NULL)
		*used = w;
	return i;
}

char *
ui_text_display(const char *s, size_t len)
{
	char		*out, *o;
	uint32_t	 cp;
	size_t		 i = 0, n;

	/* Never longer than the input: '?' replaces at least one byte. */
	o = out = xmalloc(len + 1);
	while (i < len) {
		n = ui_text_decode(s + i, len - i, &cp);
		if (cp < 0x20 || cp == 0x7f || cp == UI_TEXT_BAD ||
		    (cp >= 0x80 && cp < 0xa0))
			*o++ = '?';
		else if (cp < 0x80 || (ui_utf8 && wcwidth((wchar_t)cp) >= 0)) {
			memcpy(o, s + i, n);
			o += n;
		} else if (ui_utf8)
			*o++ = '?';
		else if (is_combining(cp))
			;			/* ASCII: drop the mark */
		else if (cp >= 0xc0 && cp <= 0xff)
			*o++ = ui_latin1[cp - 0xc0];
		else
			*o++ = '?';
		i += n;
	}
	*o = '\0';
	return out;
}

size_t
ui_text_wrap(const char *s, int width, struct ui_line *lines, size_t max)
{
	size_t	len = strlen(s), start = 0, i, brk, end, n = 0, fit;
	int	used;

	if (width < 1)
		width = 1;
	while (start <= len) {
		/* The next hard line. */
		end = start;
		while (end < len && s[end] != '\n')
			end++;
		if (start == end) {
			if (n < max) {
				lines[n].off = start;
				lines[n].len = 0;
			}
			n++;
		}
		i = start;
		while (i < end) {
			fit = ui_text_fit(s + i, end - i, width, &used);
			if (i + fit == end)
				brk = end;
			else {
				/* Back to the last space that fits. */
				for (brk = i + fit; brk > i && s[brk] != ' ';
				    brk--)
					;
				if (brk == i)
					brk = i + (fit > 0 ? fit :
					    ui_text_decode(s + i, end - i,
					    &(uint32_t){ 0 }));
			}
			if (n < max) {
				lines[n].off = i;
				lines[n].len = brk - i;
				while (lines[n].len > 0 &&
				    s[i + lines[n].len - 1] == ' ')
					lines[n].len--;
			}
			n++;
			i = brk;
			while (i < end && s[i] == ' ')
				i++;
		}
		if (end == len)
			break;
		start = end + 1;
	}
	return n;
}

char *
ui_text_count(unsigned long long n, char *buf, size_t size)
{
	const struct lconv	*lc = localeconv();
	const char		*sep = ",";
	char			 digits[32];
	size_t			 len, seplen, i, o = 0;

	/* The C locales have no separator: the English screens show ','. */
	if (lc->thousands_sep != NULL && *lc->thousands_sep != '\0')
		sep = lc->thousands_sep;
	seplen = strlen(sep);
	len = (size_t)snprintf(digits, sizeof digits, "%llu", n);
	for (i = 0; i < len && o + 1 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + seplen + 1 < size) {
			memcpy(buf + o, sep, seplen);
			o += seplen;
		}
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

char *
ui_text_shorten(const char *s, int cols)
{
	const char	*dots = ui_text_utf8() ? "\xe2\x80\xa6" : "~";
	size_t		 len = strlen(s), head, tail, t;
	int		 w = ui_text_width(s), hw, tw, used;
	char		*out;

	if (w <= cols || cols < 3)
		return xstrdup(s);
	/* The start gets the odd column: names differ there first. */
	hw = (cols - 1 + 1) / 2;
	tw = cols - 1 - hw;
	head = ui_text_fit(s, len, hw, NULL);
	/* The shortest tail that takes at most tw columns. */
	tail = len;
	for (t = len; t > head; t = ui_text_prev(s, t)) {
		uint32_t	cp;

		used = ui_text_nwidth(s + t, len - t);
		if (used > tw)
			break;
		/* Never start on a combining mark: it would sit on the dots. */
		ui_text_decode(s + t, len - t, &cp);
		if (ui_text_cpwidth(cp) > 0)
			tail = t;
	}
	out = xmalloc(head + strlen(dots) + (len - tail) + 1);
	memcpy(out, s, head);
	memcpy(out + head, dots, strlen(dots));
	memcpy(out + head + strlen(dots), s + tail, len - tail);
	out[head + strlen(dots) + (len - tail)] = '\0';
	return out;
}
