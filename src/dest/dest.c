/* The registry of destination drivers and what every driver shares. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "dest/dest.h"
#include "dest/jsonbuf.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "secrets/secret.h"

extern const struct dest_driver	dest_braze;
extern const struct dest_driver	dest_sendinblue;
extern const struct dest_driver	dest_snapchat;

/* The wizard lists destinations in this order. */
static const struct dest_driver *const dest_drivers[] = {
	&dest_braze,
	&dest_sendinblue,
	&dest_snapchat,
	NULL
};

const struct dest_driver *
dest_find(const char *id)
{
	size_t	i;

	if (id == NULL)
		return NULL;
	for (i = 0; dest_drivers[i] != NULL; i++)
		if (strcmp(dest_drivers[i]->id, id) == 0)
			return dest_drivers[i];
	return NULL;
}

const struct dest_driver *const *
dest_all(void)
{
	return dest_drivers;
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
	if (d->session_open(s, conn, rec, cause) != 0) {
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
	struct http_request	*req;
	char			*url;

	url = xasprintf("%s%s", s->base_url, path);
	req = http_request_new("POST", url);
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
