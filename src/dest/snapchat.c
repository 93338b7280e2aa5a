/*
 * The Snapchat Marketing API driver (shared/docs/api-contracts.md section
 * 3, data-rules.md "Per destination"): GET /me for the credentials check,
 * GET /segments/{id} for the audience, and one POST /segments/{id}/users
 * per batch of at most 100,000 identifiers, each the lowercase hex
 * SHA-256 of the normalised email: no clear-text email ever leaves.
 *
 * Credentials are OAuth 2 (oauth.h): the record holds the app's client
 * secret and the refresh token; the access token lives in memory only. It
 * is renewed before 80 % of its lifetime has passed (encode() checks
 * before each batch) and once when Snapchat answers 401 (test and
 * verify_target retry; a delivery gets DEST_BATCH_REAUTH and calls
 * reauth()). Renewing runs under the credential store's lock (dest_credstore):
 * the refresh token is read again from the record as saved, used, and the one
 * Snapchat rotated it to is saved before the new access token is used, so that
 * concurrent runs take turns instead of burning each other's token. Token calls
 * go through an engine of the driver's own, never the delivery's, so that they
 * can run inside its callbacks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "dest/dest.h"
#include "dest/jsonbuf.h"
#include "net/http.h"
#include "net/oauth.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"

#define SNAP_BASE_URL	"https://adsapi.snapchat.com/v1"
#define SNAP_AUTH_URL	"https://accounts.snapchat.com"
#define SNAP_SCOPE	"snapchat-marketing-api"
#define SNAP_BEARER	"Authorization: Bearer "
#define SNAP_TARGET_MAX	64

static const struct dest_field snapchat_fields[] = {
	{ "client_id", N_("OAuth client ID"), "client-id", 0, 1,
	  N_("The client ID of your Snapchat OAuth app."), "ID",
	  N_("the OAuth app's client ID") },
	{ "client_secret", N_("OAuth client secret"), "client-secret-file", 1,
	  1, N_("The client secret of your Snapchat OAuth app."), "FILE",
	  N_("read the OAuth client secret from FILE ('-' for standard "
	  "input)") },
	{ "redirect_uri", N_("Redirect URI"), "redirect-uri", 0, 1,
	  N_("The redirect URI registered for the OAuth app."), "URI",
	  N_("the OAuth app's redirect URI") },
	{ "base_url", N_("Base URL"), "base-url", 0, 0,
	  N_("Only for sandboxes and tests: instead of "
	  "https://adsapi.snapchat.com/v1."), "URL", N_("replace the destination's API address (sandboxes, tests); "
	  "http:// only for loopback hosts") },
	{ "auth_url", N_("OAuth URL"), "auth-url", 0, 0,
	  N_("Only for sandboxes and tests: instead of "
	  "https://accounts.snapchat.com."), "URL",
	  N_("replace the OAuth address (sandboxes, tests)") },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct dest_slot snapchat_slots[] = {
	{ DEST_SLOT_EMAIL, "email", N_("Email (sent SHA-256 hashed)"), 1 },
	{ DEST_SLOT_COUNT, NULL, NULL, 0 }
};

struct snap {
	char			*conn_name;	/* for "re-authorize ..." */
	char			*client_id;
	char			*redirect_uri;
	char			*auth_url;
	struct secret		*client_secret;
	struct secret		*refresh;	/* as last read or saved */
	int64_t			 renew_at;	/* monotonic ms; 0: none */
	int			 force;		/* renew even if cached */
	int			 revoked;	/* the refresh was refused */
	struct http_engine	*engine;	/* token calls only */
};

/* A string setting of the connection, or NULL when absent or empty. */
static const char *
snap_setting(const struct connection *conn, const char *key)
{
	const cJSON	*v;

	if (conn == NULL || conn->settings == NULL)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(conn->settings, key);
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return NULL;
	return v->valuestring;
}

/* url without trailing slashes, checked; malloc'd, or NULL with cause. */
static char *
snap_url(const char *url, char **cause)
{
	size_t	 len = strlen(url);
	char	*u;

	while (len > 0 && url[len - 1] == '/')
		len--;
	u = xstrndup(url, len);
	if (http_url_check(u, cause) != 0) {
		free(u);
		return NULL;
	}
	return u;
}

static void
snap_app(const struct snap *p, struct oauth_app *app)
{
	app->auth_url = p->auth_url;
	app->client_id = p->client_id;
	app->client_secret = p->client_secret;
	app->redirect_uri = p->redirect_uri;
	app->scope = SNAP_SCOPE;
	app->label = "Snapchat";
}

/* Use this access token from now on. */
static void
snap_use(struct dest_session *s, const struct secret *access,
    int64_t expires_at, long expires_in)
{
	struct snap	*p = s->priv;
	size_t		 hl = strlen(SNAP_BEARER), len;
	char		*line;
	int64_t		 now = util_mono_ms(), life;

	len = hl + secret_len(access);
	secret_free(&s->auth);
	s->auth = secret_new(len + 1);
	line = (char *)secret_buf(s->auth);
	memcpy(line, SNAP_BEARER, hl);
	memcpy(line + hl, secret_peek(access), secret_len(access));
	line[len] = '\0';
	s->auth_gen++;
	/*
	 * Renew once 80 % of the lifetime is gone, and at least a second
	 * before the end: a request may wait that long for the rate limit
	 * after it was built.
	 */
	life = expires_in > 0 ? (int64_t)expires_in * 1000 : expires_at - now;
	p->renew_at = expires_at - (life / 5 > 1000 ? life / 5 : 1000);
}

static int
snap_session_open(struct dest_session *s, const struct connection *conn,
    const struct secrecord *rec, char **cause)
{
	struct snap		*p;
	struct oauth_app	 app;
	const struct secret	*cs, *rt;
	struct secret		*at = NULL;
	const char		*v, *host;
	int64_t			 exp;
	long			 life;

	p = xcalloc(1, sizeof *p);
	s->priv = p;
	p->conn_name = xstrdup(conn != NULL && conn->name != NULL ?
	    conn->name : "?");
	v = snap_setting(conn, "base_url");
	if ((s->base_url = snap_url(v != NULL ? v : SNAP_BASE_URL,
	    cause)) == NULL)
		return -1;
	host = strstr(s->base_url, "://");
	host = host != NULL ? host + 3 : s->base_url;
	s->account = xstrndup(host, strcspn(host, "/?#"));
	cs = dest_oauth_secret(s->driver, rec);
	dest_oauth_app(s->driver, conn, cs, &app);
	if ((p->auth_url = snap_url(app.auth_url, cause)) == NULL)
		return -1;
	if (*app.client_id == '\0') {
		*cause = xstrdup(_("The Snapchat connection has no OAuth "
		    "client ID."));
		return -1;
	}
	p->client_id = xstrdup(app.client_id);
	if (*app.redirect_uri == '\0') {
		*cause = xstrdup(_("The Snapchat connection has no redirect "
		    "URI."));
		return -1;
	}
	p->redirect_uri = xstrdup(app.redirect_uri);
	if (cs == NULL || secret_len(cs) == 0) {
		*cause = xstrdup(_("The Snapchat connection has no OAuth "
		    "client secret."));
		return -1;
	}
	p->client_secret = secret_dup(cs);
	rt = rec != NULL ? secrecord_get(rec, OAUTH_REFRESH_FIELD) : NULL;
	if (rt != NULL && secret_len(rt) > 0) {
		p->refresh = secret_dup(rt);
		/* Just authorized in this process: no refresh needed. */
		if (oauth_cache_get(p->refresh, 0, &at, &exp, &life) == 0) {
			snap_use(s, at, exp, life);
			secret_free(&at);
		}
	}
	return 0;
}

static void
snap_session_close(struct dest_session *s)
{
	struct snap	*p = s->priv;

	if (p == NULL)
		return;
	http_free(&p->engine);
	secret_free(&p->client_secret);
	secret_free(&p->refresh);
	free(p->conn_name);
	free(p->client_id);
	free(p->redirect_uri);
	free(p->auth_url);
	free(p);
	s->priv = NULL;
}

/* What one renewal under the credential store's lock did. */
struct renewal {
	struct dest_session	*s;
	struct oauth_tokens	 tok;
};

/* "re-authorize connection X", the one way out of a refused token. */
static char *
snap_reauthorize(const struct snap *p, const char *why)
{
	char	*word = util_shell_word(p->conn_name), *s;

	s = xasprintf(_("%1$s: re-authorize connection \"%2$s\" with "
	    "'segsync connection authorize %3$s'."), why, p->conn_name, word);
	free(word);
	return s;
}

/* Under the lock: renew with the refresh token as saved now. */
static int
snap_renew_locked(const struct secret *cur, struct secret **newval,
    void *arg, char **cause)
{
	struct renewal		*r = arg;
	struct dest_session	*s = r->s;
	struct snap		*p = s->priv;
	struct oauth_app	 app;
	struct http_config	 cfg;
	enum oauth_status	 st;
	struct secret		*at = NULL;
	char			*c = NULL;
	int64_t			 exp;
	long			 life;

	*newval = NULL;
	if (cur == NULL || secret_len(cur) == 0) {
		*cause = snap_reauthorize(p, _("The Snapchat connection has "
		    "no refresh token (it was never authorized, or the "
		    "authorization was not finished)"));
		p->revoked = 1;
		s->auth_refused = 1;
		return -1;
	}
	/* Another session of this process may have renewed it already. */
	if (!p->force && oauth_cache_get(cur, 60000, &at, &exp, &life) == 0) {
		r->tok.access = at;
		r->tok.expires_at = exp;
		r->tok.expires_in = life;
		secret_free(&p->refresh);
		p->refresh = secret_dup(cur);
		return 0;
	}
	if (p->engine == NULL) {
		http_config_defaults(&cfg);
		cfg.max_transfers = 1;
		cfg.max_attempts = 3;
		cfg.backoff_cap_ms = 2000;
		cfg.timeout_ms = 30000;
		if ((p->engine = http_new(&cfg, cause)) == NULL)
			return -1;
	}
	snap_app(p, &app);
	st = oauth_refresh(p->engine, &app, cur, &r->tok, &c);
	if (st == OAUTH_REFUSED || st == OAUTH_CLIENT) {
		p->revoked = 1;
		s->auth_refused = 1;
		*cause = snap_reauthorize(p, c);
		free(c);
		return -1;
	}
	if (st != OAUTH_OK) {
		*cause = c;
		return -1;
	}
	secret_free(&p->refresh);
	if (r->tok.refresh != NULL && !secret_equal(r->tok.refresh, cur)) {
		/* Rotated: the old one is dead, save the new one first. */
		*newval = secret_dup(r->tok.refresh);
		p->refresh = secret_dup(r->tok.refresh);
	} else
		p->refresh = secret_dup(cur);
	return 0;
}

/*
 * An access token valid for a while: the one held, or a new one (force:
 * the held one was refused). 0, or -1 with *cause.
 */
static int
snap_token(struct dest_session *s, int force, char **cause)
{
	struct snap	*p = s->priv;
	struct renewal	 r;
	int		 rv;

	if (!force && s->auth != NULL && util_mono_ms() < p->renew_at)
		return 0;
	if (p->revoked) {
		*cause = snap_reauthorize(p, _("Snapchat no longer accepts "
		    "this connection's authorization"));
		return -1;
	}
	if (s->credstore == NULL) {
		*cause = xstrdup(p->refresh == NULL ?
		    _("The Snapchat connection is not authorized yet.") :
		    _("The Snapchat access token must be renewed, but this "
		    "session has no place to save the new refresh token."));
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.s = s;
	p->force = force;
	if (force)
		oauth_cache_drop(p->refresh);
	rv = s->credstore->update(s->credstore->arg, OAUTH_REFRESH_FIELD,
	    snap_renew_locked, &r, cause);
	p->force = 0;
	if (rv == 0)
		snap_use(s, r.tok.access, r.tok.expires_at, r.tok.expires_in);
	oauth_tokens_clear(&r.tok);
	return rv;
}

static int
snap_reauth(struct dest_session *s, unsigned gen, char **cause)
{
	/* Renewed since that batch was encoded: just send it again. */
	if (gen != s->auth_gen && s->auth != NULL)
		return 0;
	return snap_token(s, 1, cause);
}

/*
 * Audience (segment) IDs are numeric strings ("5677923948298240"); take
 * letters, digits and '-' too, never anything that changes the path.
 */
static int
snap_target_check(const char *target, char **cause)
{
	size_t	i, n = target != NULL ? strlen(target) : 0;

	for (i = 0; i < n; i++)
		if (!((target[i] >= '0' && target[i] <= '9') ||
		    (target[i] >= 'a' && target[i] <= 'z') ||
		    (target[i] >= 'A' && target[i] <= 'Z') || target[i] == '-'))
			break;
	if (n == 0 || n > SNAP_TARGET_MAX || i < n) {
		*cause = xasprintf(_("\"%s\" is not a Snapchat audience ID: it "
		    "is the segment's ID as Ads Manager shows it under "
		    "Audiences, such as 5677923948298240."),
		    target != NULL ? target : "");
		return -1;
	}
	return 0;
}

static const char *
snap_string(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* request_status (or sub_request_status) is SUCCESS, in any case. */
static int
snap_success(const cJSON *o, const char *name)
{
	const char	*v = snap_string(o, name);

	return v != NULL && strcasecmp(v, "success") == 0;
}

/* The debug_message of an error envelope, else what the engine said. */
static const char *
snap_error_text(const cJSON *body, const char *fallback)
{
	const char	*m = snap_string(body, "debug_message");

	if (m == NULL)
		m = snap_string(body, "display_message");
	return m != NULL ? m : (fallback != NULL ? fallback : "?");
}

/*
 * GET path with a valid token; one renewal and one more try on 401.
 * 0 with *r, or -1 with *message and *o.
 */
static int
snap_get(struct dest_session *s, struct http_engine *e, const char *path,
    struct dest_reply *r, enum dest_outcome *o, char **message)
{
	char	*cause = NULL;
	int	 tries;

	memset(r, 0, sizeof *r);
	for (tries = 0; tries < 2; tries++) {
		if (snap_token(s, tries > 0, &cause) != 0) {
			dest_reply_clear(r);
			*message = cause;
			*o = ((struct snap *)s->priv)->revoked ? DEST_AUTH :
			    DEST_OTHER;
			return -1;
		}
		dest_reply_clear(r);
		if (dest_get(s, e, path, s->limiter, r, &cause) != 0) {
			*message = cause;
			*o = DEST_OTHER;
			dest_reply_clear(r);
			return -1;
		}
		if (r->outcome != HTTP_DONE || r->status != 401)
			return 0;
	}
	return 0;
}

/* Unreachable, 401 after a renewal, 403, wrong base URL, anything else. */
static enum dest_outcome
snap_failure(struct dest_session *s, const struct dest_reply *r,
    char **message)
{
	struct snap		*p = s->priv;
	cJSON			*body;
	const char		*msg, *code;
	enum dest_outcome	 o;

	if (r->outcome != HTTP_DONE) {
		*message = xasprintf(_("Could not reach Snapchat at %s: %s"),
		    s->base_url, r->error != NULL ? r->error : "?");
		return DEST_UNREACHABLE;
	}
	body = cJSON_Parse(r->body);
	msg = snap_error_text(body, r->error);
	code = snap_string(body, "error_code");
	if (r->status == 401) {
		*message = snap_reauthorize(p, _("Snapchat refused the access "
		    "token (401) even just after renewing it"));
		o = DEST_AUTH;
	} else if (r->status == 403) {
		*message = xasprintf(_("Snapchat says the authorizing user may "
		    "not do this (403%1$s%2$s): %3$s. They need the Data "
		    "Manager role on the audience's ad account."),
		    code != NULL ? ", " : "", code != NULL ? code : "", msg);
		o = DEST_PERMISSION;
	} else if (r->status == 404 || r->status == 405 ||
	    (r->status >= 300 && r->status < 400)) {
		*message = xasprintf(_("%1$s does not answer as the Snapchat "
		    "Marketing API (status %2$ld): check the base URL, which "
		    "is normally https://adsapi.snapchat.com/v1."),
		    s->base_url, r->status);
		o = DEST_CONFIG;
	} else {
		*message = xasprintf(_("Snapchat answered with an error "
		    "(status %1$ld): %2$s"), r->status, msg);
		o = DEST_OTHER;
	}
	cJSON_Delete(body);
	return o;
}

static enum dest_outcome
snap_test(struct dest_session *s, struct http_engine *e, char **message)
{
	struct dest_reply	 r;
	enum dest_outcome	 o;
	const cJSON		*me;
	const char		*name, *email;
	cJSON			*body;

	*message = NULL;
	if (snap_get(s, e, "/me", &r, &o, message) != 0)
		return o;
	if (r.outcome != HTTP_DONE || r.status != 200) {
		o = snap_failure(s, &r, message);
		dest_reply_clear(&r);
		return o;
	}
	body = cJSON_Parse(r.body);
	me = cJSON_GetObjectItemCaseSensitive(body, "me");
	name = snap_string(me, "display_name");
	email = snap_string(me, "email");
	if (!cJSON_IsObject(me) || (name == NULL && email == NULL)) {
		*message = xasprintf(_("%s answered the credentials check "
		    "without a user: it does not look like the Snapchat "
		    "Marketing API."), s->base_url);
		o = DEST_CONFIG;
	} else if (name != NULL && email != NULL)
		*message = xasprintf(_("Snapchat accepted the authorization: "
		    "signed in as %1$s (%2$s)."), name, email);
	else
		*message = xasprintf(_("Snapchat accepted the authorization: "
		    "signed in as %s."), name != NULL ? name : email);
	if (o != DEST_CONFIG)
		o = DEST_OK;
	cJSON_Delete(body);
	dest_reply_clear(&r);
	return o;
}

static enum dest_outcome
snap_verify_target(struct dest_session *s, struct http_engine *e,
    const char *target, char **found_name, char **message)
{
	struct dest_reply	 r;
	enum dest_outcome	 o;
	const cJSON		*segs, *seg, *size;
	const char		*name, *status;
	char			*path;
	cJSON			*body;
	unsigned long long	 n;

	*found_name = NULL;
	*message = NULL;
	if (snap_target_check(target, message) != 0)
		return DEST_CONFIG;
	path = xasprintf("/segments/%s", target);
	if (snap_get(s, e, path, &r, &o, message) != 0) {
		free(path);
		return o;
	}
	free(path);
	if (r.outcome == HTTP_DONE && r.status == 404) {
		*message = xasprintf(_("Snapchat says audience %s does not "
		    "exist (or was deleted), or is not one this authorization "
		    "can see."), target);
		dest_reply_clear(&r);
		return DEST_NOT_FOUND;
	}
	if (r.outcome != HTTP_DONE || r.status != 200) {
		o = snap_failure(s, &r, message);
		dest_reply_clear(&r);
		return o;
	}
	body = cJSON_Parse(r.body);
	segs = cJSON_GetObjectItemCaseSensitive(body, "segments");
	seg = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(segs, 0),
	    "segment");
	name = snap_string(seg, "name");
	status = snap_string(seg, "status");
	size = cJSON_GetObjectItemCaseSensitive(seg,
	    "approximate_number_users");
	if (!snap_success(body, "request_status") || name == NULL) {
		*message = xasprintf(_("%s answered the audience lookup "
		    "without an audience: it does not look like the Snapchat "
		    "Marketing API."), s->base_url);
		cJSON_Delete(body);
		dest_reply_clear(&r);
		return DEST_OTHER;
	}
	*found_name = xstrdup(name);
	if (cJSON_IsNumber(size) && size->valuedouble >= 0) {
		n = (unsigned long long)size->valuedouble;
		*message = xasprintf(ngettext_("Found the Snapchat audience "
		    "\"%1$s\" (ID %2$s): status %3$s, about %4$llu user.",
		    "Found the Snapchat audience \"%1$s\" (ID %2$s): status "
		    "%3$s, about %4$llu users.", n), name, target,
		    status != NULL ? status : "?", n);
	} else
		*message = xasprintf(_("Found the Snapchat audience \"%1$s\" "
		    "(ID %2$s): status %3$s."), name, target,
		    status != NULL ? status : "?");
	cJSON_Delete(body);
	dest_reply_clear(&r);
	return DEST_OK;
}

/*
 * GET path, expecting a 200 of the Marketing API: the parsed body, or NULL
 * with *o and *message.
 */
static cJSON *
snap_get_json(struct dest_session *s, struct http_engine *e,
    const char *path, enum dest_outcome *o, char **message)
{
	struct dest_reply	 r;
	cJSON			*body;

	if (snap_get(s, e, path, &r, o, message) != 0)
		return NULL;
	if (r.outcome != HTTP_DONE || r.status != 200) {
		*o = snap_failure(s, &r, message);
		dest_reply_clear(&r);
		return NULL;
	}
	body = cJSON_Parse(r.body);
	dest_reply_clear(&r);
	if (!snap_success(body, "request_status")) {
		*message = xasprintf(_("%s answered without \"SUCCESS\": it "
		    "does not look like the Snapchat Marketing API."),
		    s->base_url);
		*o = DEST_OTHER;
		cJSON_Delete(body);
		return NULL;
	}
	return body;
}

/* Pages of one ad account's audiences followed at most (1,000 each). */
#define SNAP_LIST_MAX_PAGES	100

/* The audiences of one ad account, following its pages. */
static enum dest_outcome
snap_account_segments(struct dest_session *s, struct http_engine *e,
    const char *acct, const char *acct_name, struct dest_pick **out,
    size_t *n, char **message)
{
	const cJSON		*it, *seg, *size, *next;
	const char		*id, *status;
	char			*path, *prev, *detail;
	enum dest_outcome	 o = DEST_OK;
	size_t			 blen = strlen(s->base_url), before;
	int			 pages;
	cJSON			*body;
	unsigned long long	 users;

	path = xasprintf("/adaccounts/%s/segments?limit=1000", acct);
	for (pages = 0; path != NULL && *n < DEST_PICKS_MAX &&
	    pages < SNAP_LIST_MAX_PAGES; pages++) {
		before = *n;
		body = snap_get_json(s, e, path, &o, message);
		prev = path;
		path = NULL;
		if (body == NULL) {
			free(prev);
			return o;
		}
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(body,
		    "segments")) {
			seg = cJSON_GetObjectItemCaseSensitive(it, "segment");
			if ((id = snap_string(seg, "id")) == NULL ||
			    *n >= DEST_PICKS_MAX)
				continue;
			status = snap_string(seg, "status");
			size = cJSON_GetObjectItemCaseSensitive(seg,
			    "approximate_number_users");
			users = cJSON_IsNumber(size) && size->valuedouble >= 0 ?
			    (unsigned long long)size->valuedouble : 0;
			detail = xasprintf(ngettext_("ad account \"%1$s\", "
			    "%2$s, about %3$llu user", "ad account \"%1$s\", "
			    "%2$s, about %3$llu users", users), acct_name,
			    status != NULL ? status : "?", users);
			dest_picks_add(out, n, id, snap_string(seg, "name"),
			    detail);
		}
		/*
		 * The next page's address is absolute: followed only on the
		 * connection's own base URL, where the token may go.
		 */
		next = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(body, "paging"),
		    "next_link");
		if (cJSON_IsString(next) && strncmp(next->valuestring,
		    s->base_url, blen) == 0 && next->valuestring[blen] == '/')
			path = xstrdup(next->valuestring + blen);
		/* A page that adds nothing, or points at itself, ends it. */
		if (path != NULL && (*n == before || strcmp(path, prev) == 0))
			xfree(&path);
		free(prev);
		cJSON_Delete(body);
	}
	free(path);
	return DEST_OK;
}

static enum dest_outcome
snap_list_targets(struct dest_session *s, struct http_engine *e,
    struct dest_pick **out, size_t *n, char **message)
{
	const cJSON		*org, *it, *acct;
	const char		*oid, *aid;
	char			*path;
	cJSON			*orgs, *accts;
	enum dest_outcome	 o = DEST_OK;

	*out = NULL;
	*n = 0;
	*message = NULL;
	if ((orgs = snap_get_json(s, e, "/me/organizations", &o,
	    message)) == NULL)
		return o;
	cJSON_ArrayForEach(org, cJSON_GetObjectItemCaseSensitive(orgs,
	    "organizations")) {
		oid = snap_string(cJSON_GetObjectItemCaseSensitive(org,
		    "organization"), "id");
		if (oid == NULL)
			continue;
		path = xasprintf("/organizations/%s/adaccounts", oid);
		accts = snap_get_json(s, e, path, &o, message);
		free(path);
		if (accts == NULL)
			break;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(
		    accts, "adaccounts")) {
			acct = cJSON_GetObjectItemCaseSensitive(it,
			    "adaccount");
			if ((aid = snap_string(acct, "id")) == NULL)
				continue;
			o = snap_account_segments(s, e, aid,
			    snap_string(acct, "name") != NULL ?
			    snap_string(acct, "name") : aid, out, n, message);
			if (o != DEST_OK)
				break;
		}
		cJSON_Delete(accts);
		if (o != DEST_OK)
			break;
	}
	cJSON_Delete(orgs);
	if (o != DEST_OK)
		dest_picks_free(out, n);
	return o;
}

/*
 * One request of the n hashes: POST /segments/{id}/users to add them, or,
 * remove set, DELETE of the same path with the same body plus the
 * audience's id in the users object (api-contracts.md 3.7: the
 * docs-derived clients send it; whether Snapchat needs it is not known).
 */
static int
snap_build(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, int remove,
    struct http_request **reqp, char **cause)
{
	static const char		 head[] = "{\"users\":[{\"schema\":"
					    "[\"EMAIL_SHA256\"],\"data\":[";
	static const char		 tail[] = "]}]}";
	unsigned char			 h[crypto_hash_sha256_BYTES];
	char				 hex[2 * sizeof h + 1];
	struct jsonbuf			 b = JSONBUF_INIT;
	size_t				 i, max, need;
	char				*path;

	*reqp = NULL;
	if (snap_target_check(target, cause) != 0)
		return -1;
	max = s->driver->limits.max_request_bytes;
	need = sizeof head + n * (sizeof hex + 4) + sizeof tail;
	if (remove)
		need += strlen(",\"id\":\"\"") + strlen(target);
	if (need > max) {
		if (n > 1)
			return 1;
		*cause = xasprintf(_("One identifier makes a request of more "
		    "than %zu bytes."), max);
		return -1;
	}
	/* A token that will last this request, before building it. */
	if (snap_token(s, 0, cause) != 0)
		return -1;

	jsonbuf_grow(&b, need);
	if (remove) {
		jsonbuf_lit(&b, "{\"users\":[{\"id\":");
		jsonbuf_str(&b, target);
		jsonbuf_lit(&b, ",");
		/* The rest of head, past its "{"users":[{". */
		jsonbuf_add(&b, head + 11, sizeof head - 12);
	} else
		jsonbuf_add(&b, head, sizeof head - 1);
	for (i = 0; i < n; i++) {
		/* data-rules.md: the hash of the normalised email, only. */
		crypto_hash_sha256(h, (const unsigned char *)profiles[i].email,
		    strlen(profiles[i].email));
		if (i > 0)
			jsonbuf_add(&b, ",", 1);
		jsonbuf_add(&b, "[\"", 2);
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		jsonbuf_add(&b, hex, 2 * sizeof h);
		jsonbuf_add(&b, "\"]", 2);
	}
	jsonbuf_add(&b, tail, sizeof tail - 1);
	path = xasprintf("/segments/%s/users", target);
	*reqp = dest_request_json(s, remove ? "DELETE" : "POST", path, &b);
	free(path);
	return 0;
}

static int
snap_encode(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, unsigned char *warned,
    struct http_request **reqp, char **cause)
{
	*reqp = NULL;
	if (n == 0 || n > s->batch_size) {
		*cause = xasprintf(_("A batch of %1$zu profiles does not fit "
		    "Snapchat's %2$u per request."), n, s->batch_size);
		return -1;
	}
	/* Nothing is ever left out of a hash. */
	if (warned != NULL)
		memset(warned, 0, n);
	return snap_build(s, target, profiles, n, 0, reqp, cause);
}

/* Removal (data-rules.md "What a removal is"): the hashes leave the audience. */
static int
snap_encode_remove(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, struct http_request **reqp,
    char **cause)
{
	*reqp = NULL;
	if (n == 0 || n > s->driver->remove_batch_max) {
		*cause = xasprintf(_("A batch of %1$zu removals does not fit "
		    "Snapchat's %2$u per request."), n,
		    s->driver->remove_batch_max);
		return -1;
	}
	return snap_build(s, target, profiles, n, 1, reqp, cause);
}

/*
 * The answer to an add, or a removal (remove set): both have the same
 * envelope and errors (api-contracts.md 3.6, 3.7); only the words differ.
 */
static enum dest_verdict
snap_answer(struct dest_session *s, const struct http_response *resp,
    size_t n, struct dest_result *results, int remove, char **message)
{
	struct snap		*p = s->priv;
	enum dest_verdict	 v = DEST_BATCH_DONE;
	cJSON			*body = NULL;
	const cJSON		*users, *u;
	const char		*msg, *code;
	int			 good;

	*message = NULL;
	if (resp->outcome == HTTP_CANCELLED) {
		*message = xstrdup(_("The delivery was cancelled."));
		return DEST_BATCH_FATAL;
	}
	if (resp->outcome != HTTP_DONE) {
		*message = xstrdup(resp->error != NULL ? resp->error :
		    _("The request to Snapchat failed."));
		return DEST_BATCH_RETRY;
	}
	if (resp->body_len > 0)
		body = cJSON_ParseWithLength(resp->body, resp->body_len);
	msg = snap_error_text(body, resp->error);
	code = snap_string(body, "error_code");

	switch (resp->status) {
	case 200:
	case 201:
		/*
		 * Partial failures are not documented: the batch is taken
		 * only when the request and every users object say SUCCESS;
		 * adding is a set operation, so sending it again is harmless.
		 */
		good = snap_success(body, "request_status");
		users = cJSON_GetObjectItemCaseSensitive(body, "users");
		if (!cJSON_IsArray(users) || cJSON_GetArraySize(users) == 0)
			good = 0;
		cJSON_ArrayForEach(u, users)
			if (!snap_success(u, "sub_request_status"))
				good = 0;
		if (!good) {
			*message = xstrdup(remove ? _("Snapchat did not "
			    "confirm the removal (its answer does not say "
			    "SUCCESS for every part).") : _("Snapchat did not "
			    "confirm the upload (its answer does not say "
			    "SUCCESS for every part)."));
			v = DEST_BATCH_RETRY;
		}
		break;
	case 401:
		*message = snap_reauthorize(p, _("Snapchat refused the access "
		    "token (401)"));
		v = DEST_BATCH_REAUTH;
		break;
	case 403:
		*message = xasprintf(remove ? _("Snapchat refused the removal "
		    "(403%1$s%2$s): %3$s. The authorizing user needs the Data "
		    "Manager role on the audience's ad account.") :
		    _("Snapchat refused the upload (403%1$s"
		    "%2$s): %3$s. The authorizing user needs the Data Manager "
		    "role on the audience's ad account."),
		    code != NULL ? ", " : "", code != NULL ? code : "", msg);
		v = DEST_BATCH_FATAL;
		break;
	case 404:
		*message = xasprintf(_("Snapchat says the audience does not "
		    "exist (404): %s"), msg);
		v = DEST_BATCH_FATAL;
		break;
	case 413:
		if (n > 1)
			v = DEST_BATCH_SPLIT;
		else {
			*message =
			    xstrdup(_("Snapchat refused a request of one "
				      "identifier as too large (413)."));
			v = DEST_BATCH_FATAL;
		}
		break;
	case 429:
		*message = xstrdup(_("Snapchat kept answering that the rate "
		    "limit is spent (429)."));
		v = DEST_BATCH_RETRY;
		break;
	default:
		*message = xasprintf(remove ? _("Snapchat did not take the "
		    "removal (status %1$ld): %2$s") : _("Snapchat did not take "
		    "the upload (status %1$ld): %2$s"), resp->status, msg);
		v = resp->status / 100 == 5 ? DEST_BATCH_RETRY :
		    DEST_BATCH_FATAL;
		break;
	}
	if (v != DEST_BATCH_DONE)
		dest_results_clear(results, n);
	cJSON_Delete(body);
	return v;
}

static enum dest_verdict
snap_decode(struct dest_session *s, const struct http_response *resp,
    const struct dest_profile *profiles, size_t n,
    struct dest_result *results, char **message)
{
	(void)profiles;
	return snap_answer(s, resp, n, results, 0, message);
}

/*
 * A hash the audience does not hold is removed all the same: Snapchat
 * answers a DELETE as it answers an add, for the whole request.
 */
static enum dest_verdict
snap_decode_remove(struct dest_session *s, const struct http_response *resp,
    const struct dest_profile *profiles, size_t n,
    struct dest_result *results, char **message)
{
	(void)profiles;
	return snap_answer(s, resp, n, results, 1, message);
}

const struct dest_driver dest_snapchat = {
	.id = "snapchat",
	.label = N_("Snapchat"),
	.short_label = N_("Snapchat"),
	.conn_fields = snapchat_fields,
	.target = { N_("Snapchat audience ID"),
	    N_("The ID of the Snap Audience Match segment to add users to.") },
	.slots = snapchat_slots,
	.attrs = 0,
	/*
	 * 10 requests per second per token, up to 100,000 identifiers each
	 * (api-contracts.md 3.3, 3.6). Batches of 25,000 still send 250,000
	 * profiles a second, and keep a run's memory flat and small: each
	 * profile of the batch being filled and of the two in flight costs
	 * about 250 bytes (docs/benchmarks.md).
	 */
	.limits = { 25000, 100000, 64u * 1000 * 1000,
	    { 10, 1000, 1, NULL }, 2, { 0, 0, 0, NULL }, 0 },
	/* An add cannot be told to leave unknown users out. */
	.update_only = 0,
	/* The most identifiers a request takes, removals too (3.6, 3.7). */
	.remove_batch_max = 100000,
	.oauth_url = SNAP_AUTH_URL,
	.oauth_scope = SNAP_SCOPE,
	.oauth_secret = "client_secret",
	.session_open = snap_session_open,
	.session_close = snap_session_close,
	.target_check = snap_target_check,
	.test = snap_test,
	.verify_target = snap_verify_target,
	.list_targets = snap_list_targets,
	.encode = snap_encode,
	.decode = snap_decode,
	.encode_remove = snap_encode_remove,
	.decode_remove = snap_decode_remove,
	.reauth = snap_reauth
};
