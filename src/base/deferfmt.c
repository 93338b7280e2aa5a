/* Deferred formatting (deferfmt.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/deferfmt.h"
#include "base/i18n.h"
#include "base/xmalloc.h"

/* One conversion of a format, as far as deferfmt understands it. */
struct spec {
	size_t	pos;		/* %N$: N, else 0 */
	int	group;		/* the ' flag */
	char	len[3];		/* "", "h", "hh", "l", "ll", "z", "j", "t" */
	char	conv;		/* d i u x o c s, or 0 when not understood */
	size_t	end;		/* offset just past the conversion */
};

/* Parse the conversion at fmt[i] (just past '%'). */
static struct spec
spec_parse(const char *fmt, size_t i)
{
	struct spec	 sp;
	size_t		 j = i, n = 0;

	memset(&sp, 0, sizeof sp);
	while (fmt[j] >= '0' && fmt[j] <= '9')
		n = n * 10 + (size_t)(fmt[j++] - '0');
	if (fmt[j] == '$' && n > 0) {
		sp.pos = n;
		i = ++j;
	} else
		j = i;
	for (; strchr("-+ #0'", fmt[j]) != NULL && fmt[j] != '\0'; j++)
		if (fmt[j] == '\'')
			sp.group = 1;
	while (fmt[j] >= '0' && fmt[j] <= '9')
		j++;
	if (fmt[j] == '.')
		for (j++; fmt[j] >= '0' && fmt[j] <= '9'; j++)
			;
	if (strchr("hlzjt", fmt[j]) != NULL && fmt[j] != '\0') {
		sp.len[0] = fmt[j++];
		if ((sp.len[0] == 'h' || sp.len[0] == 'l') &&
		    fmt[j] == sp.len[0])
			sp.len[1] = fmt[j++];
	}
	if (fmt[j] != '\0' && strchr("diuxocs", fmt[j]) != NULL)
		sp.conv = fmt[j++];
	else if ((fmt[j] >= 'a' && fmt[j] <= 'z') ||
	    (fmt[j] >= 'A' && fmt[j] <= 'Z'))
		j++;	/* %n, %p, %f...: shown as '?', never acted on */
	sp.end = j;
	return sp;
}

static char *
arg_text(const struct spec *sp, va_list *ap)
{
	long long		 s;
	unsigned long long	 u;
	const char		*str;

	switch (sp->conv) {
	case 's':
		str = va_arg(*ap, const char *);
		return xstrdup(str != NULL ? str : "(null)");
	case 'c':
		return xasprintf("%c", va_arg(*ap, int));
	case 'd':
	case 'i':
		if (strcmp(sp->len, "ll") == 0)
			s = va_arg(*ap, long long);
		else if (strcmp(sp->len, "l") == 0)
			s = va_arg(*ap, long);
		else if (strcmp(sp->len, "z") == 0)
			s = va_arg(*ap, ssize_t);
		else if (strcmp(sp->len, "j") == 0)
			s = va_arg(*ap, intmax_t);
		else if (strcmp(sp->len, "t") == 0)
			s = va_arg(*ap, ptrdiff_t);
		else
			s = va_arg(*ap, int);
		return xasprintf("%lld", s);
	default:
		if (strcmp(sp->len, "ll") == 0)
			u = va_arg(*ap, unsigned long long);
		else if (strcmp(sp->len, "l") == 0)
			u = va_arg(*ap, unsigned long);
		else if (strcmp(sp->len, "z") == 0)
			u = va_arg(*ap, size_t);
		else if (strcmp(sp->len, "j") == 0)
			u = va_arg(*ap, uintmax_t);
		else if (strcmp(sp->len, "t") == 0)
			u = (unsigned long long)va_arg(*ap, ptrdiff_t);
		else
			u = va_arg(*ap, unsigned int);
		return xasprintf(sp->conv == 'x' ? "%llx" : sp->conv == 'o' ?
		    "%llo" : "%llu", u);
	}
}

char **
deferfmt_args(const char *fmt, va_list ap, size_t *n)
{
	char		**args = NULL;
	struct spec	  sp;
	size_t		  i;
	va_list		  aq;

	*n = 0;
	va_copy(aq, ap);
	for (i = 0; fmt[i] != '\0'; i++) {
		if (fmt[i] != '%')
			continue;
		if (fmt[i + 1] == '%') {
			i++;
			continue;
		}
		sp = spec_parse(fmt, i + 1);
		if (sp.conv == 0)
			break;	/* nothing past it could be fetched right */
		args = xreallocarray(args, *n + 1, sizeof *args);
		args[(*n)++] = arg_text(&sp, &aq);
		i = sp.end - 1;
	}
	va_end(aq);
	return args;
}

/* An integer argument grouped as the locale does, else NULL. */
static char *
grouped(const char *arg, char conv)
{
	char			*end;
	long long		 s;
	unsigned long long	 u;

	errno = 0;
	if (conv == 'u') {
		if (arg[0] == '-')
			return NULL;
		u = strtoull(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0')
			return NULL;
		return xasprintf("%'llu", u);
	}
	s = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0')
		return NULL;
	return xasprintf("%'lld", s);
}

char *
deferfmt_render(const char *fmt, char *const *args, size_t n, int localized)
{
	struct spec	 sp;
	const char	*f = localized ? _(fmt) : fmt, *arg;
	char		*out, *g;
	size_t		 i, len = 0, cap = strlen(f) + 64, next = 0, k, alen;
	size_t		 skip;

	out = xmalloc(cap);
	for (i = 0; f[i] != '\0'; i++) {
		arg = NULL;
		g = NULL;
		skip = 0;
		if (f[i] == '%' && f[i + 1] == '%') {
			arg = "%";
			skip = 1;
		} else if (f[i] == '%') {
			sp = spec_parse(f, i + 1);
			k = sp.pos > 0 ? sp.pos - 1 : next++;
			arg = sp.conv != 0 && k < n ? args[k] : "?";
			if (localized && sp.group && sp.conv != 0 && k < n &&
			    strchr("diu", sp.conv) != NULL)
				g = grouped(arg, sp.conv);
			if (g != NULL)
				arg = g;
			skip = sp.end - i - 1;
		}
		if (arg == NULL) {
			if (len + 2 > cap)
				out = xrealloc(out, cap *= 2);
			out[len++] = f[i];
			continue;
		}
		alen = strlen(arg);
		while (len + alen + 1 > cap)
			out = xrealloc(out, cap *= 2);
		memcpy(out + len, arg, alen);
		len += alen;
		free(g);
		i += skip;
	}
	out[len] = '\0';
	return out;
}

void
deferfmt_free(char **args, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(args[i]);
	free(args);
}
