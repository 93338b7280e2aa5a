/* OAuth 2 authorization code and refresh grants (oauth.h). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "net/http.h"
#include "net/oauth.h"
#include "secrets/secret.h"

#define OAUTH_AUTHORIZE_PATH	"/login/oauth2/authorize"
#define OAUTH_TOKEN_PATH	"/login/oauth2/access_token"

/* When the server gives no lifetime: the shortest documented one. */
#define OAUTH_DEFAULT_EXPIRES	1800

char *
oauth_state_new(void)
{
	unsigned char	raw[OAUTH_STATE_BYTES];
	char		hex[OAUTH_STATE_BYTES * 2 + 1];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	return xstrdup(hex);
}

/* A growing text buffer; wiped when freed, as it may hold a secret. */
struct buf {
	char	*p;
	size_t	 len, size;
};

static void
buf_add(struct buf *b, const void *s, size_t len)
{
	size_t	size;

	if (b->len + len + 1 > b->size) {
		size = b->size == 0 ? 256 : b->size;
		while (b->len + len + 1 > size)
			size *= 2;
		b->p = xrealloc_wipe(b->p, b->len, size);
		b->size = size;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Percent-encode len bytes as an RFC 3986 query value. */
static void
buf_enc(struct buf *b, const unsigned char *s, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];
	size_t			 i;

	for (i = 0; i < len; i++) {
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == '_' || s[i] == '~') {
			buf_add(b, s + i, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[s[i] >> 4];
		e[2] = hex[s[i] & 15];
		buf_add(b, e, 3);
	}
}

/* "&name=value" (no '&' when first), value percent-encoded. */
static void
buf_param(struct buf *b, const char *name, const void *value, size_t len)
{
	if (b->len > 0 && b->p[b->len - 1] != '?')
		buf_str(b, "&");
	buf_str(b, name);
	buf_str(b, "=");
	buf_enc(b, value, len);
}

static void
buf_wipe(struct buf *b)
{
	if (b->p != NULL)
		sodium_memzero(b->p, b->size);
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* auth_url without its trailing slashes, then path; malloc'd. */
static char *
oauth_endpoint(const struct oauth_app *app, const char *path)
{
	size_t	len = strlen(app->auth_url);

	while (len > 0 && app->auth_url[len - 1] == '/')
		len--;
	return xasprintf("%.*s%s", (int)len, app->auth_url, path);
}

char *
oauth_authorize_url(const struct oauth_app *app, const char *state)
{
	struct buf	 b = { NULL, 0, 0 };
	char		*u, *out;

	u = oauth_endpoint(app, OAUTH_AUTHORIZE_PATH);
	buf_str(&b, u);
	free(u);
	buf_str(&b, "?");
	buf_param(&b, "response_type", "code", 4);
	buf_param(&b, "client_id", app->client_id, strlen(app->client_id));
	buf_param(&b, "redirect_uri", app->redirect_uri,
	    strlen(app->redirect_uri));
	buf_param(&b, "scope", app->scope, strlen(app->scope));
	buf_param(&b, "state", state, strlen(state));
	out = xstrdup(b.p);
	buf_wipe(&b);
	return out;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode a query value in place ('+' is a space, %XX a byte); the new
 * length, or -1 for a broken escape.
 */
static long
pct_decode(char *s, size_t len)
{
	size_t	i, o = 0;
	int	h, l;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			s[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= len)
				return -1;
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			s[o++] = (char)(h << 4 | l);
			i += 2;
		} else
			s[o++] = s[i];
	}
	return (long)o;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

/* A code may hold what a URL query carries unescaped, nothing else. */
static int
code_char(int c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' &&
	    c != '>' && c != '\\' && c != '`' && c != '&' && c != '#' &&
	    c != '?';
}

/*
 * The parameters code, state, error and error_description of a query
 * (borrowed pointers into q, decoded in place; NULL when absent).
 */
struct reply_params {
	char	*code, *state, *error, *error_desc;
	int	 dup;		/* code or state given twice */
	int	 broken;	/* a bad %-escape */
};

static void
parse_query(char *q, struct reply_params *p)
{
	char	*item, *eq, *val, **slot;
	long	 n;

	memset(p, 0, sizeof *p);
	while (q != NULL && *q != '\0') {
		item = q;
		q = strpbrk(q, "&;");
		if (q != NULL)
			*q++ = '\0';
		eq = strchr(item, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		val = eq + 1;
		if (strcmp(item, "code") == 0)
			slot = &p->code;
		else if (strcmp(item, "state") == 0)
			slot = &p->state;
		else if (strcmp(item, "error") == 0)
			slot = &p->error;
		else if (strcmp(item, "error_description") == 0)
			slot = &p->error_desc;
		else
			continue;	/* other parameters are no concern */
		if (*slot != NULL)
			p->dup = 1;
		n = pct_decode(val, strlen(val));
		if (n < 0) {
			p->broken = 1;
			continue;
		}
		val[n] = '\0';
		*slot = val;
	}
}

/* Cut a text that may be someone's paste down to size for a message. */
static char *
shown(const char *s)
{
	size_t	i, n = strlen(s);
	char	*out;

	if (n > 200)
		n = 200;
	out = xstrndup(s, n);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < ' ' || out[i] == 0x7f)
			out[i] = '?';
	return out;
}

int
oauth_parse_reply(const char *text, size_t len, const char *state,
    struct secret **code, char **note, char **cause)
{
	struct reply_params	 p;
	char			*t, *q, *d;
	const char		*c;
	size_t			 i, o, spaces = 0;
	int			 rv = -1;

	*code = NULL;
	if (note != NULL)
		*note = NULL;
	while (len > 0 && is_space((unsigned char)text[0])) {
		text++;
		len--;
	}
	while (len > 0 && is_space((unsigned char)text[len - 1]))
		len--;
	if (len == 0) {
		*cause = xstrdup(_("Nothing was pasted: paste the code, or the "
		    "whole address the browser went to after you allowed "
		    "access."));
		return -1;
	}
	if (len > OAUTH_REPLY_MAX) {
		*cause = xasprintf(_("What was pasted is longer than %u bytes: "
		    "it is neither a code nor a redirect address."),
		    (unsigned)OAUTH_REPLY_MAX);
		return -1;
	}
	/* len + 1 bytes even with a NUL inside: out: wipes len of them. */
	t = xmalloc(len + 1);
	memcpy(t, text, len);
	t[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		*cause = xstrdup(_("What was pasted holds a NUL byte: paste "
		    "the code or the address as text."));
		goto out;
	}

	/* An address, or its query string: find the parameters. */
	q = NULL;
	if (strstr(t, "://") != NULL || t[0] == '?' || t[0] == '/') {
		q = strchr(t, '?');
		if (q == NULL) {
			*cause = xstrdup(_("The pasted address has no query "
			    "string, so no code: paste the address the browser "
			    "went to after you allowed access (it has "
			    "?code=... in it)."));
			goto out;
		}
		q++;
	} else if (strstr(t, "code=") != NULL || strstr(t, "error=") != NULL)
		q = t;
	if (q != NULL) {
		/* A fragment is not sent to the server: ignore it. */
		d = strchr(q, '#');
		if (d != NULL)
			*d = '\0';
		for (i = 0; q[i] != '\0'; i++) {
			if (is_space((unsigned char)q[i])) {
				*cause = xstrdup(_("The pasted address is "
				    "broken by spaces or a line break: paste "
				    "it again on one line, as the browser's "
				    "address bar shows it."));
				goto out;
			}
		}
		parse_query(q, &p);
		if (p.error != NULL) {
			d = shown(p.error_desc != NULL ? p.error_desc :
			    p.error);
			*cause = xasprintf(_("The authorization was not "
			    "given (%1$s): %2$s. Open the authorization "
			    "address again and allow access."),
			    strcmp(p.error, "access_denied") == 0 ?
			    _("access denied") : p.error, d);
			free(d);
			goto out;
		}
		if (p.broken) {
			*cause = xstrdup(_("The pasted address has a broken "
			    "%-escape: copy it again from the browser's "
			    "address bar."));
			goto out;
		}
		if (p.dup) {
			*cause = xstrdup(_("The pasted address gives the code "
			    "or the state twice: copy it again from the "
			    "browser's address bar."));
			goto out;
		}
		if (p.code == NULL || *p.code == '\0') {
			*cause = xstrdup(_("The pasted address has no code "
			    "parameter: paste the address the browser went to "
			    "after you allowed access (it has ?code=... in "
			    "it)."));
			goto out;
		}
		if (p.state == NULL) {
			*cause = xstrdup(_("The pasted address has no state "
			    "parameter, so segsync cannot tell that it answers "
			    "the authorization it asked for: paste the whole "
			    "address, or just the code."));
			goto out;
		}
		if (strlen(p.state) != strlen(state) ||
		    sodium_memcmp(p.state, state, strlen(state)) != 0) {
			*cause = xstrdup(_("The state in the pasted address is "
			    "not the one of this authorization: the address "
			    "belongs to another attempt (an older browser tab?) "
			    "or was altered. Open the authorization address "
			    "shown now and paste what it leads to."));
			goto out;
		}
		c = p.code;
	} else {
		/* A bare code: a terminal may have broken it over lines. */
		for (i = o = 0; t[i] != '\0'; i++) {
			if (is_space((unsigned char)t[i]))
				spaces++;
			else
				t[o++] = t[i];
		}
		t[o] = '\0';
		c = t;
		if (spaces > 0 && note != NULL)
			*note = xasprintf(ngettext_("The code had %zu space "
			    "or line break in it (a line broken by the "
			    "terminal?); it was removed.", "The code had %zu "
			    "spaces or line breaks in it (a line broken by the "
			    "terminal?); they were removed.", spaces), spaces);
	}
	for (i = 0; c[i] != '\0'; i++) {
		if (!code_char((unsigned char)c[i])) {
			*cause = xstrdup(_("The code holds characters an "
			    "authorization code never has: paste only the "
			    "code (the value after code= in the address), or "
			    "the whole address."));
			if (note != NULL)
				xfree(note);
			goto out;
		}
	}
	*code = secret_from_bytes(c, strlen(c));
	rv = 0;
out:
	sodium_memzero(t, len);
	free(t);
	return rv;
}

/* The answer of the token endpoint, copied into secret memory. */
struct token_reply {
	int			 done;
	enum http_outcome	 outcome;
	long			 status;
	char			*error;
	struct secret		*body;
};

static void
token_done(const struct http_response *resp, void *arg)
{
	struct token_reply	*r = arg;

	r->done = 1;
	r->outcome = resp->outcome;
	r->status = resp->status;
	r->error = resp->error != NULL ? xstrdup(resp->error) : NULL;
	r->body = secret_from_bytes(resp->body, resp->body_len);
}

/* Wipe a parsed JSON tree's strings before freeing it. */
static void
json_wipe(cJSON *j)
{
	cJSON	*c;

	if (j == NULL)
		return;
	if (cJSON_IsString(j) && j->valuestring != NULL)
		sodium_memzero(j->valuestring, strlen(j->valuestring));
	for (c = j->child; c != NULL; c = c->next)
		json_wipe(c);
}

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Access tokens by refresh token (a BLAKE2b of it), in secret memory. */
struct cache_entry {
	unsigned char		 key[32];
	struct secret		*access;
	int64_t			 expires_at;
	long			 expires_in;
	struct cache_entry	*next;
};
static struct cache_entry	*oauth_cache;

static void
cache_key(const struct secret *refresh, unsigned char key[32])
{
	static const unsigned char	ctx[] = "segsync-oauth-cache";

	crypto_generichash(key, 32, secret_peek(refresh),
	    secret_len(refresh), ctx, sizeof ctx - 1);
}

static struct cache_entry **
cache_find(const unsigned char key[32])
{
	struct cache_entry	**e;

	for (e = &oauth_cache; *e != NULL; e = &(*e)->next)
		if (sodium_memcmp((*e)->key, key, 32) == 0)
			return e;
	return NULL;
}

static void
cache_put(const struct secret *refresh, const struct oauth_tokens *t)
{
	unsigned char		  key[32];
	struct cache_entry	**ep, *e;

	cache_key(refresh, key);
	ep = cache_find(key);
	if (ep != NULL)
		e = *ep;
	else {
		e = xcalloc(1, sizeof *e);
		memcpy(e->key, key, 32);
		e->next = oauth_cache;
		oauth_cache = e;
	}
	secret_free(&e->access);
	e->access = secret_dup(t->access);
	e->expires_at = t->expires_at;
	e->expires_in = t->expires_in;
}

int
oauth_cache_get(const struct secret *refresh, int64_t margin_ms,
    struct secret **access, int64_t *expires_at, long *expires_in)
{
	unsigned char		  key[32];
	struct cache_entry	**ep;

	*access = NULL;
	if (refresh == NULL)
		return -1;
	cache_key(refresh, key);
	ep = cache_find(key);
	if (ep == NULL || (*ep)->expires_at - margin_ms <= util_mono_ms())
		return -1;
	*access = secret_dup((*ep)->access);
	*expires_at = (*ep)->expires_at;
	*expires_in = (*ep)->expires_in;
	return 0;
}

void
oauth_cache_drop(const struct secret *refresh)
{
	unsigned char		  key[32];
	struct cache_entry	**ep, *e;

	if (refresh == NULL)
		return;
	cache_key(refresh, key);
	ep = cache_find(key);
	if (ep == NULL)
		return;
	e = *ep;
	*ep = e->next;
	secret_free(&e->access);
	free(e);
}

void
oauth_cache_clear(void)
{
	struct cache_entry	*e;

	while ((e = oauth_cache) != NULL) {
		oauth_cache = e->next;
		secret_free(&e->access);
		free(e);
	}
}

void
oauth_tokens_clear(struct oauth_tokens *t)
{
	secret_free(&t->access);
	secret_free(&t->refresh);
	memset(t, 0, sizeof *t);
}

/* A token as the server sent it must fit in a header line. */
static int
token_ok(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0' || strlen(s) > 8192)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * POST the form in b (wiped here) to the token endpoint and read the
 * answer. grant names the grant for messages.
 */
static enum oauth_status
token_call(struct http_engine *e, const struct oauth_app *app,
    struct buf *b, int refreshing, struct oauth_tokens *tok, char **cause)
{
	struct http_request	*req;
	struct token_reply	 r;
	enum oauth_status	 st = OAUTH_OTHER;
	cJSON			*j = NULL;
	const cJSON		*exp;
	const char		*at, *rt, *tt, *err, *desc;
	char			*url, *c = NULL, *d;

	memset(tok, 0, sizeof *tok);
	memset(&r, 0, sizeof r);
	url = oauth_endpoint(app, OAUTH_TOKEN_PATH);
	req = http_request_new("POST", url);
	http_request_header(req, "Content-Type: "
	    "application/x-www-form-urlencoded");
	http_request_header(req, "Accept: application/json");
	http_request_body(req, xstrndup(b->p, b->len), b->len);
	buf_wipe(b);
	http_request_callback(req, token_done, &r);
	if (http_submit(e, req, &c) != 0 || http_drain(e, &c) != 0) {
		*cause = xasprintf(_("Could not ask %1$s for a token at %2$s: "
		    "%3$s"), app->label, url, c != NULL ? c : "?");
		free(c);
		st = OAUTH_UNREACHABLE;
		goto out;
	}
	if (!r.done || r.outcome != HTTP_DONE) {
		*cause = xasprintf(_("Could not reach %1$s's token endpoint "
		    "%2$s: %3$s"), app->label, url,
		    r.error != NULL ? r.error : "?");
		st = OAUTH_UNREACHABLE;
		goto out;
	}
	j = cJSON_ParseWithLength((const char *)secret_peek(r.body),
	    secret_len(r.body));
	if (r.status != 200) {
		err = jstr(j, "error");
		desc = jstr(j, "error_description");
		d = shown(desc != NULL ? desc : (err != NULL ? err :
		    (r.error != NULL ? r.error : "?")));
		if (err != NULL && strcmp(err, "invalid_grant") == 0) {
			st = OAUTH_REFUSED;
			*cause = xasprintf(refreshing ?
			    _("%1$s no longer accepts the refresh token "
			    "(invalid_grant: %2$s)") :
			    _("%1$s refused the authorization code "
			    "(invalid_grant: %2$s): a code works once and "
			    "only for minutes, and only with the redirect URI "
			    "it was made for"), app->label, d);
		} else if ((err != NULL && strcmp(err, "invalid_client") ==
		    0) || r.status == 401) {
			st = OAUTH_CLIENT;
			*cause = xasprintf(_("%1$s refused the OAuth app's "
			    "client ID or client secret (%2$s): check them in "
			    "Business Manager, Business Details, OAuth apps"),
			    app->label, d);
		} else if (r.status == 404 || (r.status >= 300 &&
		    r.status < 400)) {
			*cause = xasprintf(_("%1$s does not answer as an OAuth "
			    "token endpoint (status %2$ld): check the OAuth "
			    "URL"), url, r.status);
			st = OAUTH_OTHER;
		} else
			*cause = xasprintf(_("%1$s's token endpoint answered "
			    "with an error (status %2$ld): %3$s"), app->label,
			    r.status, d);
		free(d);
		goto out;
	}
	at = jstr(j, "access_token");
	rt = jstr(j, "refresh_token");
	tt = jstr(j, "token_type");
	exp = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
	if (!token_ok(at) || (rt != NULL && !token_ok(rt)) ||
	    (tt != NULL && strcasecmp(tt, "bearer") != 0)) {
		*cause = xasprintf(_("%1$s's token endpoint answered without "
		    "a usable bearer access token: check the OAuth URL (%2$s)"),
		    app->label, url);
		goto out;
	}
	if (!refreshing && rt == NULL) {
		*cause = xasprintf(_("%s gave no refresh token: without one, "
		    "exports would stop working within the hour"),
		    app->label);
		goto out;
	}
	tok->access = secret_from_bytes(at, strlen(at));
	tok->refresh = rt != NULL ? secret_from_bytes(rt, strlen(rt)) : NULL;
	tok->expires_in = OAUTH_DEFAULT_EXPIRES;
	if (cJSON_IsNumber(exp) && exp->valuedouble >= 1 &&
	    exp->valuedouble < 1e7)
		tok->expires_in = (long)exp->valuedouble;
	tok->expires_at = util_mono_ms() + (int64_t)tok->expires_in * 1000;
	st = OAUTH_OK;
out:
	json_wipe(j);
	cJSON_Delete(j);
	secret_free(&r.body);
	free(r.error);
	free(url);
	return st;
}

enum oauth_status
oauth_exchange(struct http_engine *e, const struct oauth_app *app,
    const struct secret *code, struct oauth_tokens *tok, char **cause)
{
	struct buf		b = { NULL, 0, 0 };
	enum oauth_status	st;

	buf_param(&b, "grant_type", "authorization_code", 18);
	buf_param(&b, "client_id", app->client_id, strlen(app->client_id));
	buf_param(&b, "client_secret", secret_peek(app->client_secret),
	    secret_len(app->client_secret));
	buf_param(&b, "code", secret_peek(code), secret_len(code));
	buf_param(&b, "redirect_uri", app->redirect_uri,
	    strlen(app->redirect_uri));
	st = token_call(e, app, &b, 0, tok, cause);
	if (st == OAUTH_OK)
		cache_put(tok->refresh, tok);
	return st;
}

enum oauth_status
oauth_refresh(struct http_engine *e, const struct oauth_app *app,
    const struct secret *refresh, struct oauth_tokens *tok, char **cause)
{
	struct buf		b = { NULL, 0, 0 };
	enum oauth_status	st;

	buf_param(&b, "grant_type", "refresh_token", 13);
	buf_param(&b, "client_id", app->client_id, strlen(app->client_id));
	buf_param(&b, "client_secret", secret_peek(app->client_secret),
	    secret_len(app->client_secret));
	buf_param(&b, "refresh_token", secret_peek(refresh),
	    secret_len(refresh));
	st = token_call(e, app, &b, 1, tok, cause);
	if (st == OAUTH_OK)
		cache_put(tok->refresh != NULL ? tok->refresh : refresh, tok);
	else if (st == OAUTH_REFUSED)
		oauth_cache_drop(refresh);
	return st;
}
