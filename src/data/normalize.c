/* Normalising and validating emails, phone numbers and text fields. */
#include "config.h"

#include <string.h>

#include "base/i18n.h"
#include "data/normalize.h"

/* ASCII white space, whatever the locale. */
static int
normalize_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

const char *
normalize_trim(const char *in, size_t len, size_t *outlen)
{
	while (len > 0 && normalize_space((unsigned char)*in)) {
		in++;
		len--;
	}
	while (len > 0 && normalize_space((unsigned char)in[len - 1]))
		len--;
	*outlen = len;
	return in;
}

/* A letter, digit or hyphen: what a domain label is made of. */
static int
normalize_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Check the lowercased domain: labels, hyphens, at least one dot. */
static int
normalize_domain_ok(const char *d, size_t len)
{
	size_t	i, start = 0;
	int	dots = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && d[i] != '.') {
			if (!normalize_ldh((unsigned char)d[i]))
				return 0;
			continue;
		}
		/* A label is d[start..i). */
		if (i == start || d[start] == '-' || d[i - 1] == '-')
			return 0;
		if (i < len)
			dots++;
		start = i + 1;
	}
	return dots > 0;
}

enum normalize_result
normalize_email(const char *in, size_t len, char *out, size_t *outlen)
{
	const char	*s;
	size_t		 n, i, at = 0;
	unsigned char	 c;
	int		 nat = 0;

	*outlen = 0;
	out[0] = '\0';
	s = normalize_trim(in, len, &n);
	if (n == 0)
		return NORMALIZE_EMPTY;
	if (n > NORMALIZE_EMAIL_MAX)
		return NORMALIZE_INVALID;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80 || c <= 0x20 || c == 0x7f)
			return NORMALIZE_INVALID;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c == '@') {
			nat++;
			at = i;
		}
		out[i] = (char)c;
	}
	out[n] = '\0';
	if (nat != 1 || at == 0 || at > 64 ||
	    !normalize_domain_ok(out + at + 1, n - at - 1)) {
		out[0] = '\0';
		return NORMALIZE_INVALID;
	}
	*outlen = n;
	return NORMALIZE_OK;
}

enum normalize_result
normalize_phone(const char *in, size_t len, char *out, size_t *outlen)
{
	const char	*s;
	size_t		 n, i, o = 0, ndigits = 0;
	int		 trunk = 0;
	char		 c;

	*outlen = 0;
	out[0] = '\0';
	s = normalize_trim(in, len, &n);
	if (n == 0)
		return NORMALIZE_EMPTY;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (!trunk && o > 0 && c == '(' && i + 2 < n &&
		    s[i + 1] == '0' && s[i + 2] == ')') {
			trunk = 1;
			i += 2;
			continue;
		}
		if (normalize_space((unsigned char)c) || c == '.' ||
		    c == '-' || c == '(' || c == ')')
			continue;
		if (c == '+' && o == 0) {
			out[o++] = '+';
			continue;
		}
		if (c < '0' || c > '9')
			goto invalid;
		/* "00" at the start is the international prefix. */
		if (o == 1 && out[0] == '0' && c == '0') {
			out[0] = '+';
			ndigits = 0;
			continue;
		}
		if (++ndigits > 15 || o >= NORMALIZE_PHONE_MAX)
			goto invalid;
		out[o++] = c;
	}
	if (o == 0)
		return NORMALIZE_EMPTY;
	if (out[0] != '+' || ndigits < 8)
		goto invalid;
	out[o] = '\0';
	*outlen = o;
	return NORMALIZE_OK;
invalid:
	out[0] = '\0';
	return NORMALIZE_INVALID;
}

const char *
normalize_email_reason(enum normalize_result res)
{
	switch (res) {
	case NORMALIZE_EMPTY:
		return _("missing email");
	case NORMALIZE_INVALID:
		return _("invalid email");
	case NORMALIZE_OK:
		break;
	}
	return "";
}
