/* Small helpers shared by the core. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uninorm.h>
#include <unistr.h>

#include "base/util.h"
#include "base/xmalloc.h"

int64_t
util_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
util_rfc3339(time_t t, char buf[UTIL_RFC3339_LEN])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, UTIL_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *
util_path(const char *dir, const char *name)
{
	size_t	len;

	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	return xasprintf("%.*s/%s", (int)len, dir, name);
}

char *
util_user_name(unsigned long uid)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[4096];

	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) != 0 ||
	    res == NULL)
		return NULL;
	return xstrdup(pw.pw_name);
}

void
util_line_col(const char *text, size_t offset, unsigned long *line,
    unsigned long *col)
{
	size_t	i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

size_t
util_edit_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t	*row;

	row = xcalloc(lb + 1, sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

char *
util_sentence(char *s)
{
	size_t	len;
	char	*t;

	if (s == NULL)
		return xstrdup("");
	len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		s[--len] = '\0';
	if (len == 0 || strchr(".!?:", s[len - 1]) != NULL)
		return s;
	t = xasprintf("%s.", s);
	free(s);
	return t;
}

char *
util_shell_word(const char *s)
{
	size_t	 i, n = 0;
	char	*out, *o;

	if (s[0] != '\0' && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/@%+=")] == '\0')
		return xstrdup(s);
	/* Double quotes read best inside the messages' single ones. */
	if (strpbrk(s, "\"$`\\!") == NULL)
		return xasprintf("\"%s\"", s);
	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == '\'' ? 4 : 1;
	o = out = xmalloc(n + 3);
	*o++ = '\'';
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = s[i];
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

char *
util_nfc(const char *s)
{
	uint8_t	*out;
	size_t	 len = 0;
	char	*r;

	/* Not UTF-8: kept, not mended with U+FFFD behind the caller's back. */
	if (u8_check((const uint8_t *)s, strlen(s)) != NULL)
		return xstrdup(s);
	out = u8_normalize(UNINORM_NFC, (const uint8_t *)s, strlen(s), NULL,
	    &len);
	if (out == NULL)
		return xstrdup(s);
	r = xmalloc(len + 1);
	memcpy(r, out, len);
	r[len] = '\0';
	free(out);
	return r;
}

/* Only ASCII: NFC leaves it as it is. */
static int
ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

int
util_same_name(const char *a, const char *b)
{
	char	*na, *nb;
	int	 same;

	if (strcmp(a, b) == 0)
		return 1;
	if (ascii(a) && ascii(b))
		return 0;
	na = util_nfc(a);
	nb = util_nfc(b);
	same = strcmp(na, nb) == 0;
	free(na);
	free(nb);
	return same;
}
