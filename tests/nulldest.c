/*
 * The null destination, for tests only (tests/nullreg.c registers it): it
 * proves that a driver is all a destination needs. It talks to any
 * loopback server that answers 2xx (tests/unit/http_stub.py's /ok): the
 * credentials check is GET /ok, any target exists, and each batch is one
 * POST /ok of the batch's emails that accepts every profile. When
 * SEGSYNC_NULL_FILE names a file, every accepted email is appended to it,
 * one a line, so that a test can see what a run delivered. Removals are
 * the same: POST /ok?key=null-remove of the emails, every one removed,
 * and appended to SEGSYNC_NULL_REMOVED_FILE when it is set. It offers
 * update-only too (encode() then says "update_only":true).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "dest/dest.h"
#include "dest/jsonbuf.h"
#include "net/http.h"
#include "secrets/secret.h"
#include "store/connection.h"

#define NULL_AUTH	"Authorization: Bearer null"
#define NULL_TARGET_MAX	64

static const struct dest_field null_fields[] = {
	{ "base_url", N_("Base URL"), "base-url", 0, 1,
	  N_("The address of a loopback server that answers 2xx."), "URL",
	  N_("replace the destination's API address (sandboxes, tests); "
	  "http:// only for loopback hosts") },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct dest_slot null_slots[] = {
	{ DEST_SLOT_EMAIL, "email", N_("Email"), 1 },
	{ DEST_SLOT_FIRSTNAME, "firstname", N_("First name"), 0 },
	{ DEST_SLOT_COUNT, NULL, NULL, 0 }
};

static int
null_session_open(struct dest_session *s, const struct connection *conn,
    const struct secrecord *rec, char **cause)
{
	const cJSON	*v;
	const char	*host;
	size_t		 len;

	(void)rec;
	v = conn != NULL ? cJSON_GetObjectItemCaseSensitive(conn->settings,
	    "base_url") : NULL;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
		*cause = xstrdup(_("The null connection has no base URL."));
		return -1;
	}
	len = strlen(v->valuestring);
	while (len > 0 && v->valuestring[len - 1] == '/')
		len--;
	s->base_url = xstrndup(v->valuestring, len);
	if (http_url_check(s->base_url, cause) != 0)
		return -1;
	host = strstr(s->base_url, "://");
	host = host != NULL ? host + 3 : s->base_url;
	s->account = xstrndup(host, strcspn(host, "/?#"));
	s->auth = secret_from_bytes(NULL_AUTH, sizeof NULL_AUTH);
	return 0;
}

static int
null_target_check(const char *target, char **cause)
{
	size_t	i, len = strlen(target);

	for (i = 0; i < len; i++)
		if ((unsigned char)target[i] < ' ')
			break;
	if (len == 0 || len > NULL_TARGET_MAX || i < len) {
		*cause = xasprintf(_("\"%s\" is not a null target: 1 to %d "
		    "characters, no control characters."), target,
		    NULL_TARGET_MAX);
		return -1;
	}
	return 0;
}

static enum dest_outcome
null_test(struct dest_session *s, struct http_engine *e, char **message)
{
	struct dest_reply	 r;
	enum dest_outcome	 o;
	char			*cause = NULL;

	if (dest_get(s, e, "/ok?key=null-test", NULL, &r, &cause) != 0) {
		*message = cause;
		dest_reply_clear(&r);
		return DEST_OTHER;
	}
	if (r.outcome != HTTP_DONE) {
		*message = xasprintf(_("Could not reach the null destination "
		    "at %s: %s"), s->base_url, r.error != NULL ? r.error : "?");
		o = DEST_UNREACHABLE;
	} else if (r.status / 100 != 2) {
		*message = xasprintf(_("The null destination at %1$s answered "
		    "with status %2$ld."), s->account, r.status);
		o = DEST_OTHER;
	} else {
		*message = xasprintf(_("The null destination at %s answered."),
		    s->account);
		o = DEST_OK;
	}
	dest_reply_clear(&r);
	return o;
}

static enum dest_outcome
null_verify_target(struct dest_session *s, struct http_engine *e,
    const char *target, char **found_name, char **message)
{
	(void)s;
	(void)e;
	*found_name = NULL;
	*message = NULL;
	if (null_target_check(target, message) != 0)
		return DEST_CONFIG;
	*found_name = xstrdup(target);
	*message = xasprintf(_("The null destination takes any target, "
	    "\"%s\" too."), target);
	return DEST_OK;
}

/* {"target":T,"emails":[...]} to path, flagged update-only when asked. */
static int
null_build(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, const char *path,
    int update_only, struct http_request **reqp, char **cause)
{
	struct jsonbuf	b = JSONBUF_INIT;
	size_t		i;

	*reqp = NULL;
	jsonbuf_lit(&b, "{\"target\":");
	jsonbuf_str(&b, target);
	if (update_only)
		jsonbuf_lit(&b, ",\"update_only\":true");
	jsonbuf_lit(&b, ",\"emails\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			jsonbuf_lit(&b, ",");
		jsonbuf_str(&b, profiles[i].email);
	}
	jsonbuf_lit(&b, "]}");
	if (b.len > s->driver->limits.max_request_bytes) {
		jsonbuf_free(&b);
		if (n > 1)
			return 1;
		*cause = xstrdup(_("One profile is too large for the null "
		    "destination."));
		return -1;
	}
	*reqp = dest_post_json(s, path, &b);
	return 0;
}

static int
null_encode(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, unsigned char *warned,
    struct http_request **reqp, char **cause)
{
	if (warned != NULL)
		memset(warned, 0, n);
	return null_build(s, target, profiles, n, "/ok?key=null",
	    s->update_only, reqp, cause);
}

static int
null_encode_remove(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, struct http_request **reqp,
    char **cause)
{
	if (n == 0 || n > s->driver->remove_batch_max) {
		*reqp = NULL;
		*cause = xasprintf(_("A batch of %1$zu removals does not fit "
		    "the null destination's %2$u per request."), n,
		    s->driver->remove_batch_max);
		return -1;
	}
	return null_build(s, target, profiles, n, "/ok?key=null-remove", 0,
	    reqp, cause);
}

/*
 * Any 2xx takes every profile; their emails are appended to the file
 * the environment variable env names, when it is set.
 */
static enum dest_verdict
null_answer(const struct http_response *resp,
    const struct dest_profile *profiles, size_t n, const char *env,
    char **message)
{
	const char	*path = getenv(env);
	FILE		*f;
	size_t		 i;

	*message = NULL;
	if (resp->outcome == HTTP_CANCELLED) {
		*message = xstrdup(_("The delivery was cancelled."));
		return DEST_BATCH_FATAL;
	}
	if (resp->outcome != HTTP_DONE) {
		*message = xstrdup(resp->error != NULL ? resp->error :
		    _("The request to the null destination failed."));
		return DEST_BATCH_RETRY;
	}
	if (resp->status / 100 != 2) {
		*message = xasprintf(_("The null destination answered with "
		    "status %ld."), resp->status);
		return DEST_BATCH_FATAL;
	}
	if (path == NULL || *path == '\0')
		return DEST_BATCH_DONE;
	if ((f = fopen(path, "a")) == NULL) {
		*message = xasprintf(_("Cannot open %s: %s"), path,
		    strerror(errno));
		return DEST_BATCH_FATAL;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", profiles[i].email);
	if (fclose(f) != 0) {
		*message = xasprintf(_("Cannot write %s: %s"), path,
		    strerror(errno));
		return DEST_BATCH_FATAL;
	}
	return DEST_BATCH_DONE;
}

static enum dest_verdict
null_decode(struct dest_session *s, const struct http_response *resp,
    const struct dest_profile *profiles, size_t n,
    struct dest_result *results, char **message)
{
	(void)s;
	(void)results;
	return null_answer(resp, profiles, n, "SEGSYNC_NULL_FILE", message);
}

static enum dest_verdict
null_decode_remove(struct dest_session *s, const struct http_response *resp,
    const struct dest_profile *profiles, size_t n,
    struct dest_result *results, char **message)
{
	(void)s;
	(void)results;
	return null_answer(resp, profiles, n, "SEGSYNC_NULL_REMOVED_FILE",
	    message);
}

const struct dest_driver dest_null = {
	.id = "null",
	.label = N_("Null"),
	.short_label = N_("Null"),
	.conn_fields = null_fields,
	.target = { N_("null target"),
	    N_("Any name: the null destination accepts every target.") },
	.slots = null_slots,
	.attrs = 0,
	.limits = { 100, 1000, 1000000, { 1000, 1000, 100, NULL }, 2,
	    { 0, 0, 0, NULL }, 0 },
	.update_only = 1,
	.remove_batch_max = 100,
	.session_open = null_session_open,
	.target_check = null_target_check,
	.test = null_test,
	.verify_target = null_verify_target,
	.encode = null_encode,
	.decode = null_decode,
	.encode_remove = null_encode_remove,
	.decode_remove = null_decode_remove
};
