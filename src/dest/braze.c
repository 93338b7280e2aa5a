/*
 * The Braze driver: POST /users/track with attribute objects only, and
 * GET /segments/list for the credentials check and the target lookup
 * (shared/docs/api-contracts.md section 1, data-rules.md "Per
 * destination").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "connection.h"
#include "dest/dest.h"
#include "http.h"
#include "i18n.h"
#include "record.h"
#include "secret.h"
#include "xmalloc.h"

/* Custom attribute keys and values: at most 255 characters (Braze). */
#define BRAZE_NAME_MAX		255

static const struct dest_field braze_fields[] = {
	{ "api_key", N_("REST API key"), "api-key-file", 1, 1,
	  N_("A Braze REST API key with the users.track permission, and "
	  "segments.list to verify segments.") },
	{ "endpoint", N_("REST endpoint"), "endpoint", 0, 1,
	  N_("The REST endpoint of your Braze instance, such as "
	  "rest.iad-03.braze.com, or its full URL.") },
	{ "base_url", N_("Base URL"), "base-url", 0, 0,
	  N_("Only for sandboxes and tests: the URL to send requests to "
	  "instead of the endpoint's.") },
	{ NULL, NULL, NULL, 0, 0, NULL }
};

static const struct dest_slot braze_slots[] = {
	{ DEST_SLOT_EMAIL, "email", N_("Email"), 1 },
	{ DEST_SLOT_CUSTOMER_ID, "customer_id", N_("Braze customer ID"), 1 },
	{ DEST_SLOT_COUNT, NULL, NULL, 0 }
};

/* A setting of the connection, or NULL when absent or empty. */
static const char *
braze_setting(const struct connection *conn, const char *key)
{
	const cJSON	*v;

	if (conn == NULL || conn->settings == NULL)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(conn->settings, key);
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return NULL;
	return v->valuestring;
}

/* A copy of s without trailing slashes. */
static char *
braze_strip_slash(const char *s)
{
	size_t	len = strlen(s);

	while (len > 0 && s[len - 1] == '/')
		len--;
	return xstrndup(s, len);
}

static int
braze_session_open(struct dest_session *s, const struct connection *conn,
    const struct record *rec, char **cause)
{
	const char		*endpoint, *base, *p;
	const struct secret	*key;
	const unsigned char	*k;
	char			*url, *line;
	size_t			 i, klen, len;

	endpoint = braze_setting(conn, "endpoint");
	base = braze_setting(conn, "base_url");
	if (endpoint == NULL) {
		*cause = xstrdup(_("The Braze connection has no REST endpoint "
		    "(such as rest.iad-03.braze.com)."));
		return -1;
	}
	p = strstr(endpoint, "://");
	s->account = braze_strip_slash(p != NULL ? p + 3 : endpoint);
	if (base != NULL)
		url = braze_strip_slash(base);
	else if (p != NULL)
		url = braze_strip_slash(endpoint);
	else {
		/* A bare host: nothing but a host name may follow. */
		if (strcspn(endpoint, "/?#@ \t") != strlen(endpoint)) {
			*cause = xasprintf(_("The Braze REST endpoint \"%s\" "
			    "is not a host name such as "
			    "rest.iad-03.braze.com."), endpoint);
			return -1;
		}
		url = xasprintf("https://%s", s->account);
	}
	if (http_url_check(url, cause) != 0) {
		free(url);
		return -1;
	}
	s->base_url = url;

	key = rec != NULL ? record_get(rec, "api_key") : NULL;
	if (key == NULL || secret_len(key) == 0) {
		*cause = xstrdup(_("The Braze connection has no API key."));
		return -1;
	}
	k = secret_peek(key);
	klen = secret_len(key);
	for (i = 0; i < klen; i++) {
		if (k[i] <= ' ' || k[i] == 0x7f || k[i] == '"' ||
		    k[i] == '\'') {
			*cause = xstrdup(_("The Braze API key holds spaces, "
			    "quotes or control characters: paste the key "
			    "alone, as the Braze dashboard shows it."));
			return -1;
		}
	}
	len = strlen("Authorization: Bearer ") + klen;
	s->auth = secret_new(len + 1);
	line = (char *)secret_buf(s->auth);
	memcpy(line, "Authorization: Bearer ", len - klen);
	memcpy(line + len - klen, k, klen);
	line[len] = '\0';
	return 0;
}

static void
braze_session_close(struct dest_session *s)
{
	(void)s;
}

/*
 * The target names a custom attribute: at most 255 characters, no control
 * characters, and not starting with '$' (Braze reserves those).
 */
static int
braze_target_check(const char *target, char **cause)
{
	size_t	i, len = strlen(target);

	if (len == 0 || len > BRAZE_NAME_MAX || target[0] == '$') {
		*cause = xasprintf(_("\"%s\" is not a Braze segment API "
		    "identifier: it must be 1 to 255 characters, not "
		    "starting with '$'."), target);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)target[i] < ' ' || target[i] == 0x7f) {
			*cause = xstrdup(_("A Braze segment API identifier "
			    "cannot hold control characters."));
			return -1;
		}
	}
	return 0;
}

static enum dest_outcome
braze_test(struct dest_session *s, struct http_engine *e, char **message)
{
	(void)s;
	(void)e;
	*message = xstrdup(_("The Braze credentials check is not "
	    "implemented yet."));
	return DEST_OTHER;
}

static enum dest_outcome
braze_verify_target(struct dest_session *s, struct http_engine *e,
    const char *target, char **found_name, char **message)
{
	(void)s;
	(void)e;
	(void)target;
	*found_name = NULL;
	*message = xstrdup(_("Verifying a Braze segment is not implemented "
	    "yet."));
	return DEST_OTHER;
}

static int
braze_encode(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, unsigned char *warned,
    struct http_request **reqp, char **cause)
{
	(void)s;
	(void)target;
	(void)profiles;
	(void)n;
	(void)warned;
	*reqp = NULL;
	*cause = xstrdup(_("Sending to Braze is not implemented yet."));
	return -1;
}

static enum dest_verdict
braze_decode(struct dest_session *s, const struct http_response *resp,
    size_t n, struct dest_result *results, char **message)
{
	(void)s;
	(void)resp;
	(void)n;
	(void)results;
	*message = xstrdup(_("Sending to Braze is not implemented yet."));
	return DEST_BATCH_FATAL;
}

const struct dest_driver dest_braze = {
	.id = "braze",
	.label = "Braze",
	.conn_fields = braze_fields,
	.target = {
		N_("Braze segment API identifier"),
		N_("The API identifier shown at the bottom of the segment's "
		"page in Braze. Exported profiles get a custom attribute of "
		"this name listing the segments they belong to.")
	},
	.slots = braze_slots,
	.attrs = 1,
	.limits = {
		/*
		 * 50 objects fit every documented plan; 75 is the most any
		 * plan allows (api-contracts.md 1.4).
		 */
		.batch_default = 50,
		.batch_max = 75,
		.max_request_bytes = 4000000,
		.rate = { 3000, 3000, 100, RATELIMIT_HEADERS_BRAZE },
		.concurrency = 8
	},
	.session_open = braze_session_open,
	.session_close = braze_session_close,
	.target_check = braze_target_check,
	.test = braze_test,
	.verify_target = braze_verify_target,
	.encode = braze_encode,
	.decode = braze_decode
};
