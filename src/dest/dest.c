/* What every destination driver shares; the drivers are in registry.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "dest/dest.h"
#include "dest/jsonbuf.h"
#include "net/http.h"
#include "net/oauth.h"
#include "net/ratelimit.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"

const struct dest_driver *
dest_find(const char *id)
{
	size_t	i;

	if (id == NULL)
		return NULL;
	for (i = 0; dest_registry[i] != NULL; i++)
		if (strcmp(dest_registry[i]->id, id) == 0)
			return dest_registry[i];
	return NULL;
}

const struct dest_driver *const *
dest_all(void)
{
	return dest_registry;
}

char *
dest_names(enum dest_name what, int (*keep)(const struct dest_driver *),
    const char *sep, const char *last)
{
	const struct dest_driver	*d;
	const char			*name;
	char				*s = NULL, *t;
	size_t				 i, n = 0, k = 0;

	for (i = 0; dest_registry[i] != NULL; i++)
		if (keep == NULL || keep(dest_registry[i]))
			n++;
	for (i = 0; dest_registry[i] != NULL; i++) {
		d = dest_registry[i];
		if (keep != NULL && !keep(d))
			continue;
		switch (what) {
		case DEST_NAME_ID:
			name = d->id;
			break;
		case DEST_NAME_LABEL:
			name = _(d->label);
			break;
		case DEST_NAME_SHORT:
			name = _(d->short_label);
			break;
		case DEST_NAME_TARGET:
		default:
			name = _(d->target.label);
			break;
		}
		k++;
		t = xasprintf("%s%s%s", s != NULL ? s : "", k == 1 ? "" :
		    k == n ? last : sep, name);
		free(s);
		s = t;
	}
	return s != NULL ? s : xstrdup("");
}

int
dest_is_oauth(const struct dest_driver *d)
{
	return d->oauth_url != NULL;
}

int
dest_has_confirm(const struct dest_driver *d)
{
	return d->confirm != NULL;
}

void
dest_oauth_app(const struct dest_driver *d, const struct connection *c,
    const struct secret *client_secret, struct oauth_app *app)
{
	const cJSON	*set, *v;

	memset(app, 0, sizeof *app);
	set = c != NULL ? c->settings : NULL;
	v = cJSON_GetObjectItemCaseSensitive(set, "auth_url");
	app->auth_url = cJSON_IsString(v) && v->valuestring[0] != '\0' ?
	    v->valuestring : d->oauth_url;
	v = cJSON_GetObjectItemCaseSensitive(set, "client_id");
	app->client_id = cJSON_IsString(v) ? v->valuestring : "";
	v = cJSON_GetObjectItemCaseSensitive(set, "redirect_uri");
	app->redirect_uri = cJSON_IsString(v) ? v->valuestring : "";
	app->client_secret = client_secret;
	app->scope = d->oauth_scope;
	app->label = _(d->label);
}

const struct secret *
dest_oauth_secret(const struct dest_driver *d, const struct secrecord *rec)
{
	if (rec == NULL || d->oauth_secret == NULL)
		return NULL;
	return secrecord_get(rec, d->oauth_secret);
}

const char *const *
dest_suggestions(const struct dest_driver *d, const char *key)
{
	const struct dest_suggest	*s;

	for (s = d->suggest; s != NULL && s->key != NULL; s++)
		if (strcmp(s->key, key) == 0)
			return s->values;
	return NULL;
}

const struct dest_slot *
dest_slot_find(const struct dest_driver *d, enum dest_slot_id id)
{
	const struct dest_slot	*s;

	for (s = d->slots; s->key != NULL; s++)
		if (s->id == id)
			return s;
	return NULL;
}

const struct dest_slot *
dest_slot_by_key(const struct dest_driver *d, const char *key)
{
	const struct dest_slot	*s;

	for (s = d->slots; s->key != NULL; s++)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

const char *
dest_outcome_name(enum dest_outcome o)
{
	switch (o) {
	case DEST_OK:
		return "ok";
	case DEST_WARNING:
		return "warning";
	case DEST_AUTH:
		return "auth";
	case DEST_PERMISSION:
		return "permission";
	case DEST_NOT_FOUND:
		return "not_found";
	case DEST_UNREACHABLE:
		return "unreachable";
	case DEST_CONFIG:
		return "config";
	case DEST_OTHER:
		break;
	}
	return "other";
}

int
dest_session_new(const struct dest_driver *d, const struct connection *conn,
    const struct secrecord *rec, struct dest_session **sp, char **cause)
{
	struct dest_session	*s;

	*sp = NULL;
	s = xcalloc(1, sizeof *s);
	s->driver = d;
	s->batch_size = d->limits.batch_default;
	/*
	 * Checked here as well as by the driver (which words the error for
	 * its own field): no driver can send anywhere http_url_check refuses.
	 */
	if (d->session_open(s, conn, rec, cause) != 0 ||
	    http_url_check(s->base_url, cause) != 0) {
		dest_session_free(&s);
		return -1;
	}
	s->limiter = ratelimit_new(&d->limits.rate);
	if (d->limits.other_rate.limit != 0)
		s->other_limiter = ratelimit_new(&d->limits.other_rate);
	*sp = s;
	return 0;
}

void
dest_session_credstore(struct dest_session *s, const struct dest_credstore *k)
{
	s->credstore = k;
}

int
dest_session_set_batch(struct dest_session *s, unsigned n, char **cause)
{
	if (n < 1 || n > s->driver->limits.batch_max) {
		*cause = xasprintf(_("The batch size must be between 1 and %u "
		    "profiles per request for %s."),
		    s->driver->limits.batch_max, s->driver->label);
		return -1;
	}
	s->batch_size = n;
	return 0;
}

void
dest_session_free(struct dest_session **sp)
{
	struct dest_session	*s = *sp;

	if (s == NULL)
		return;
	if (s->driver->session_close != NULL)
		s->driver->session_close(s);
	/* The auth header is in secret memory: freeing it wipes it. */
	secret_free(&s->auth);
	ratelimit_free(&s->limiter);
	ratelimit_free(&s->other_limiter);
	free(s->base_url);
	free(s->account);
	free(s);
	*sp = NULL;
}

void
dest_picks_add(struct dest_pick **v, size_t *n, const char *id,
    const char *name, char *detail)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].id = xstrdup(id);
	(*v)[*n].name = xstrdup(name != NULL ? name : "");
	(*v)[*n].detail = detail;
	(*n)++;
}

void
dest_picks_free(struct dest_pick **v, size_t *n)
{
	size_t	i;

	for (i = 0; *v != NULL && i < *n; i++) {
		free((*v)[i].id);
		free((*v)[i].name);
		free((*v)[i].detail);
	}
	free(*v);
	*v = NULL;
	*n = 0;
}

void
dest_results_clear(struct dest_result *results, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(results[i].reason);
		results[i].reason = NULL;
		results[i].rejected = 0;
		results[i].resend = 0;
		results[i].job = 0;
	}
}

void
dest_job_clear(struct dest_job *j)
{
	free(j->reason);
	/* Emails: personal data. */
	if (j->report != NULL)
		sodium_memzero(j->report, j->report_len);
	free(j->report);
	free(j->report_reason);
	free(j->warning);
	j->reason = j->report = j->report_reason = j->warning = NULL;
	j->report_len = 0;
	j->state = DEST_JOB_PENDING;
}

static void
dest_reply_done(const struct http_response *resp, void *arg)
{
	struct dest_reply	*r = arg;

	r->done = 1;
	r->outcome = resp->outcome;
	r->status = resp->status;
	r->error = resp->error != NULL ? xstrdup(resp->error) : NULL;
	r->body = xstrndup(resp->body, resp->body_len);
}

void
dest_reply_clear(struct dest_reply *r)
{
	free(r->error);
	free(r->body);
	memset(r, 0, sizeof *r);
}

int
dest_get(struct dest_session *s, struct http_engine *e, const char *path,
    struct ratelimit *rl, struct dest_reply *r, char **cause)
{
	char	*url;
	int	 rv;

	url = xasprintf("%s%s", s->base_url, path);
	rv = dest_get_url(s, e, url, 1, rl, r, cause);
	free(url);
	return rv;
}

int
dest_get_url(struct dest_session *s, struct http_engine *e, const char *url,
    int auth, struct ratelimit *rl, struct dest_reply *r, char **cause)
{
	struct http_request	*req;

	memset(r, 0, sizeof *r);
	if (auth && s->auth == NULL) {
		*cause = xasprintf(_("The %s session has no credentials to "
		    "send."), _(s->driver->label));
		return -1;
	}
	req = http_request_new("GET", url);
	if (auth)
		http_request_header(req, (const char *)secret_peek(s->auth));
	http_request_header(req, "Accept: application/json");
	if (rl != NULL)
		http_request_limiter(req, rl);
	http_request_callback(req, dest_reply_done, r);
	if (http_submit(e, req, cause) != 0)
		return -1;
	if (http_drain(e, cause) != 0)
		return -1;
	if (!r->done) {
		*cause = xasprintf(_("The request to %s did not complete."),
		    _(s->driver->label));
		return -1;
	}
	return 0;
}

struct http_request *
dest_post_json(struct dest_session *s, const char *path, struct jsonbuf *b)
{
	return dest_request_json(s, "POST", path, b);
}

struct http_request *
dest_request_json(struct dest_session *s, const char *method,
    const char *path, struct jsonbuf *b)
{
	struct http_request	*req;
	char			*url;

	url = xasprintf("%s%s", s->base_url, path);
	req = http_request_new(method, url);
	free(url);
	http_request_header(req, (const char *)secret_peek(s->auth));
	http_request_header(req, "Content-Type: application/json");
	http_request_header(req, "Accept: application/json");
	http_request_body(req, b->p, b->len);
	http_request_limiter(req, s->limiter);
	b->p = NULL;
	b->len = b->size = 0;
	return req;
}
