/* Redaction of secrets in debug output. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xmalloc.h"
#include "net/redact.h"

/* Headers whose value is a secret. */
static const char *redact_header_names[] = {
	"authorization", "proxy-authorization", "api-key", "x-api-key",
	"cookie", "set-cookie", NULL
};

/* JSON and form fields whose value is a secret. */
static const char *redact_field_names[] = {
	"access_token", "refresh_token", "client_secret", "code", "password",
	"authorization", "api-key", "api_key", "apikey", "x-api-key",
	"cookie", "set-cookie", NULL
};

/* A growing output buffer. */
struct rbuf {
	char	*p;
	size_t	 len, size;
};

static void
rbuf_add(struct rbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->size);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
rbuf_str(struct rbuf *b, const char *s)
{
	rbuf_add(b, s, strlen(s));
}

static int
redact_in(const char **names, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; names[i] != NULL; i++) {
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return 1;
	}
	return 0;
}

static int
redact_form_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * Redact form fields (name=value) in s[0..n): a name starts at the start,
 * or after '&', '?', ';' or white space, and its value runs to the next
 * '&', white space or end.
 */
static void
redact_form(struct rbuf *out, const char *s, size_t n)
{
	size_t	i = 0, k, v;

	while (i < n) {
		if (i == 0 || s[i - 1] == '&' || s[i - 1] == '?' ||
		    s[i - 1] == ';' || s[i - 1] == ' ' || s[i - 1] == '\t') {
			k = i;
			while (k < n && redact_form_key_char(s[k]))
				k++;
			if (k < n && k > i && s[k] == '=' &&
			    redact_in(redact_field_names, s + i, k - i)) {
				rbuf_add(out, s + i, k + 1 - i);
				rbuf_str(out, REDACT_MARK);
				v = k + 1;
				while (v < n && s[v] != '&' && s[v] != ' ' &&
				    s[v] != '\t' && s[v] != '\r' &&
				    s[v] != '\n')
					v++;
				i = v;
				continue;
			}
		}
		rbuf_add(out, s + i, 1);
		i++;
	}
}

/* End of a JSON string starting after its opening quote, at the quote. */
static size_t
redact_json_string_end(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != '"') {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		i++;
	}
	return i;
}

static int
redact_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Redact JSON members ("name": value) in s[0..n): a string value loses
 * everything between its quotes, any other scalar up to the next ',', '}'
 * or ']'. Keys are compared without regard to case. Not a parser: it also
 * copes with truncated or invalid JSON.
 */
static void
redact_json(struct rbuf *out, const char *s, size_t n)
{
	size_t	i = 0, end, j, v;

	while (i < n) {
		if (s[i] != '"') {
			rbuf_add(out, s + i, 1);
			i++;
			continue;
		}
		end = redact_json_string_end(s, n, i + 1);
		if (end >= n) {
			rbuf_add(out, s + i, n - i);
			return;
		}
		j = end + 1;
		while (j < n && redact_json_space(s[j]))
			j++;
		if (j >= n || s[j] != ':' ||
		    !redact_in(redact_field_names, s + i + 1, end - i - 1)) {
			rbuf_add(out, s + i, end + 1 - i);
			i = end + 1;
			continue;
		}
		j++;
		while (j < n && redact_json_space(s[j]))
			j++;
		rbuf_add(out, s + i, j - i);
		if (j < n && s[j] == '"') {
			v = redact_json_string_end(s, n, j + 1);
			rbuf_str(out, "\"" REDACT_MARK "\"");
			i = v < n ? v + 1 : n;
		} else if (j < n && s[j] != '{' && s[j] != '[') {
			v = j;
			while (v < n && s[v] != ',' && s[v] != '}' &&
			    s[v] != ']' && !redact_json_space(s[v]))
				v++;
			rbuf_str(out, REDACT_MARK);
			i = v;
		} else
			i = j;
	}
}

/*
 * Redact members of JSON carried inside a JSON string (an echo, an error
 * quoting the request): there every quote is written \". The value ends
 * at the next \" whose backslash is not itself escaped.
 */
static void
redact_json_escaped(struct rbuf *out, const char *s, size_t n)
{
	size_t	i = 0, k, j, v;

	while (i < n) {
		if (i + 1 >= n || s[i] != '\\' || s[i + 1] != '"') {
			rbuf_add(out, s + i, 1);
			i++;
			continue;
		}
		/* The key runs from i + 2 to the next \". */
		for (k = i + 2; k + 1 < n; k++) {
			if (s[k] == '\\' && s[k + 1] == '"')
				break;
		}
		if (k + 1 >= n ||
		    !redact_in(redact_field_names, s + i + 2, k - i - 2)) {
			rbuf_add(out, s + i, 2);
			i += 2;
			continue;
		}
		j = k + 2;
		while (j < n && redact_json_space(s[j]))
			j++;
		if (j >= n || s[j] != ':') {
			rbuf_add(out, s + i, 2);
			i += 2;
			continue;
		}
		j++;
		while (j < n && redact_json_space(s[j]))
			j++;
		rbuf_add(out, s + i, j - i);
		if (j + 1 < n && s[j] == '\\' && s[j + 1] == '"') {
			for (v = j + 2; v + 1 < n; v++) {
				if (s[v] == '\\' && s[v + 1] == '"' &&
				    s[v - 1] != '\\')
					break;
			}
			rbuf_str(out, "\\\"" REDACT_MARK "\\\"");
			i = v + 1 < n ? v + 2 : n;
		} else {
			v = j;
			while (v < n && s[v] != ',' && s[v] != '}' &&
			    s[v] != ']' && s[v] != '\\' &&
			    !redact_json_space(s[v]))
				v++;
			rbuf_str(out, REDACT_MARK);
			i = v;
		}
	}
}

/* One header line without its end of line. */
static void
redact_header_line(struct rbuf *out, const char *s, size_t n)
{
	const char	*colon;
	size_t		 name_len;

	colon = memchr(s, ':', n);
	if (colon != NULL && colon != s) {
		name_len = colon - s;
		/* HTTP/2 pseudo headers (":path") have a leading colon. */
		if (memchr(s, ' ', name_len) == NULL &&
		    redact_in(redact_header_names, s, name_len)) {
			rbuf_add(out, s, name_len + 1);
			rbuf_str(out, " " REDACT_MARK);
			return;
		}
	}
	/* Request lines and :path carry query strings. */
	redact_form(out, s, n);
}

char *
redact_headers(const char *buf, size_t len)
{
	struct rbuf	 out = { NULL, 0, 0 };
	const char	*nl;
	size_t		 i = 0, n, eol;

	rbuf_add(&out, "", 0);
	while (i < len) {
		nl = memchr(buf + i, '\n', len - i);
		n = nl == NULL ? len - i : (size_t)(nl - (buf + i));
		eol = n;
		if (eol > 0 && buf[i + eol - 1] == '\r')
			eol--;
		redact_header_line(&out, buf + i, eol);
		rbuf_add(&out, buf + i + eol, n - eol);
		if (nl != NULL)
			rbuf_add(&out, "\n", 1);
		i += n + (nl != NULL);
	}
	return out.p;
}

char *
redact_body(const char *buf, size_t len, size_t max)
{
	struct rbuf	 json = { NULL, 0, 0 }, esc = { NULL, 0, 0 };
	struct rbuf	 out = { NULL, 0, 0 };
	char		 note[64];
	size_t		 i, cut;

	rbuf_add(&json, "", 0);
	rbuf_add(&esc, "", 0);
	rbuf_add(&out, "", 0);
	redact_json(&json, buf, len);
	redact_json_escaped(&esc, json.p, json.len);
	redact_form(&out, esc.p, esc.len);
	free(json.p);
	free(esc.p);

	for (i = 0; i < out.len; i++) {
		if ((unsigned char)out.p[i] < 0x20 && out.p[i] != '\n' &&
		    out.p[i] != '\t')
			out.p[i] = '.';
		else if (out.p[i] == 0x7f)
			out.p[i] = '.';
	}
	if (out.len > max) {
		cut = out.len - max;
		out.len = max;
		out.p[max] = '\0';
		snprintf(note, sizeof note, " [... %zu more bytes]", cut);
		rbuf_str(&out, note);
	}
	return out.p;
}
