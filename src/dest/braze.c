/*
 * The Braze driver: POST /users/track with attribute objects only, and
 * GET /segments/list for the credentials check and the target lookup
 * (shared/docs/api-contracts.md section 1, data-rules.md "Per
 * destination").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "dest/dest.h"
#include "dest/jsonbuf.h"
#include "net/http.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"

/* Custom attribute keys and values: at most 255 characters (Braze). */
#define BRAZE_NAME_MAX		255

/* X-RateLimit-Reset is in seconds since the epoch (api-contracts.md 1.4). */
static const struct ratelimit_headers braze_ratelimit = {
	"X-RateLimit-Remaining", "X-RateLimit-Reset", RATELIMIT_RESET_EPOCH
};

static const struct dest_field braze_fields[] = {
	{ "api_key", N_("REST API key"), "api-key-file", 1, 1,
	  N_("A Braze REST API key with the users.track permission, and "
	  "segments.list to verify segments."), "FILE",
	  N_("read the API key from FILE ('-' for standard input)") },
	{ "endpoint", N_("REST endpoint"), "endpoint", 0, 1,
	  N_("The REST endpoint of your Braze instance, such as "
	  "rest.iad-03.braze.com, or its full URL."), "HOST",
	  N_("the REST endpoint of the account's instance, e.g. "
	  "rest.iad-03.braze.com") },
	{ "base_url", N_("Base URL"), "base-url", 0, 0,
	  N_("Only for sandboxes and tests: the URL to send requests to "
	  "instead of the endpoint's."), "URL", N_("replace the destination's API address (sandboxes, tests); "
	  "http:// only for loopback hosts") },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
};

/*
 * The REST endpoints of Braze's instances (api-contracts.md 1.1), offered
 * as suggestions: the list grows, so any rest.*.braze.com|eu host goes.
 */
static const char *const braze_endpoints[] = {
	"rest.iad-01.braze.com", "rest.iad-02.braze.com",
	"rest.iad-03.braze.com", "rest.iad-04.braze.com",
	"rest.iad-05.braze.com", "rest.iad-06.braze.com",
	"rest.iad-07.braze.com", "rest.iad-08.braze.com",
	"rest.iad-10.braze.com", "rest.fra-01.braze.eu",
	"rest.fra-02.braze.eu", "rest.au-01.braze.com", NULL
};

static const struct dest_suggest braze_suggest[] = {
	{ "endpoint", braze_endpoints },
	{ NULL, NULL }
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
    const struct secrecord *rec, char **cause)
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

	key = rec != NULL ? secrecord_get(rec, "api_key") : NULL;
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

/*
 * *message with, when the connection's base URL sends the requests
 * elsewhere than to its endpoint, a sentence naming where they went: a
 * test or a refusal must not name an instance the key never reached.
 */
static void
braze_where(const struct dest_session *s, char **message)
{
	char	*plain, *t, *lo;

	/* The endpoint's own address, as a URL or a host (either scheme). */
	plain = xasprintf("https://%s", s->account);
	lo = xasprintf("http://%s", s->account);
	if (strcasecmp(plain, s->base_url) != 0 &&
	    strcasecmp(lo, s->base_url) != 0) {
		t = xasprintf(_("%1$s The requests went to %2$s, the "
		    "connection's base URL, not to the endpoint."), *message,
		    s->base_url);
		free(*message);
		*message = t;
	}
	free(plain);
	free(lo);
}

static enum dest_outcome
braze_list_failure(struct dest_session *s, const struct dest_reply *r,
    char **message)
{
	if (r->outcome != HTTP_DONE) {
		*message = xasprintf(_("Could not reach Braze at %s: %s"),
		    s->base_url, r->error != NULL ? r->error : "?");
		return DEST_UNREACHABLE;
	}
	if (r->status == 401) {
		*message = xasprintf(_("Braze refused the credentials (401): "
		    "the API key is wrong or belongs to another instance "
		    "than %s."), s->account);
		braze_where(s, message);
		return DEST_AUTH;
	}
	if (r->status == 404 || (r->status >= 300 && r->status < 400)) {
		*message = xasprintf(_("%s does not answer as a Braze REST "
		    "endpoint (status %ld): check the endpoint, which looks "
		    "like rest.iad-03.braze.com."), s->base_url, r->status);
		return DEST_CONFIG;
	}
	*message = xasprintf(_("Braze answered the segment list with an "
	    "error: %s"), r->error != NULL ? r->error : "?");
	return DEST_OTHER;
}

static enum dest_outcome
braze_test(struct dest_session *s, struct http_engine *e, char **message)
{
	struct dest_reply	 r;
	enum dest_outcome	 o;
	char			*cause = NULL;
	cJSON			*body, *msg;

	if (dest_get(s, e, "/segments/list?page=0", NULL, &r, &cause) != 0) {
		*message = cause;
		dest_reply_clear(&r);
		return DEST_OTHER;
	}
	if (r.outcome == HTTP_DONE && r.status == 403) {
		/*
		 * Braze knows the key, which lacks segments.list only: a key
		 * made for users.track alone still delivers.
		 */
		*message = xasprintf(_("Braze accepted the API key on %s, but "
		    "the key lacks the segments.list permission: segsync "
		    "cannot verify segment API identifiers with it. Sending "
		    "needs users.track, which this check cannot see."),
		    s->account);
		braze_where(s, message);
		o = DEST_WARNING;
	} else if (r.outcome == HTTP_DONE && r.status / 100 == 2) {
		body = cJSON_Parse(r.body);
		msg = cJSON_GetObjectItemCaseSensitive(body, "message");
		if (cJSON_IsString(msg) &&
		    strcmp(msg->valuestring, "success") == 0) {
			*message = xasprintf(_("Braze accepted the API key on "
			    "%s, and the key can list segments."), s->account);
			braze_where(s, message);
			o = DEST_OK;
		} else {
			*message = xasprintf(_("%s answered the segment list "
			    "without \"success\": it does not look like a "
			    "Braze REST endpoint."), s->base_url);
			o = DEST_CONFIG;
		}
		cJSON_Delete(body);
	} else
		o = braze_list_failure(s, &r, message);
	dest_reply_clear(&r);
	return o;
}

/* Pages of /segments/list hold 100 segments; stop after this many pages. */
#define BRAZE_LIST_PAGE		100
#define BRAZE_LIST_MAX_PAGES	10000

static enum dest_outcome
braze_verify_target(struct dest_session *s, struct http_engine *e,
    const char *target, char **found_name, char **message)
{
	struct dest_reply	 r;
	enum dest_outcome	 o = DEST_NOT_FOUND;
	char			*cause = NULL, path[64];
	cJSON			*body, *segs, *seg, *id, *name;
	int			 page, count;

	*found_name = NULL;
	*message = NULL;
	if (braze_target_check(target, message) != 0)
		return DEST_CONFIG;
	for (page = 0; page < BRAZE_LIST_MAX_PAGES; page++) {
		snprintf(path, sizeof path, "/segments/list?page=%d", page);
		if (dest_get(s, e, path, NULL, &r, &cause) != 0) {
			*message = cause;
			dest_reply_clear(&r);
			return DEST_OTHER;
		}
		if (r.outcome == HTTP_DONE && r.status == 403) {
			*message = xasprintf(_("Cannot verify the segment API "
			    "identifier %s: the API key lacks the segments.list "
			    "permission. Sending only needs users.track, so "
			    "the export can still run."), target);
			dest_reply_clear(&r);
			return DEST_WARNING;
		}
		if (r.outcome != HTTP_DONE || r.status / 100 != 2) {
			o = braze_list_failure(s, &r, message);
			dest_reply_clear(&r);
			return o;
		}
		body = cJSON_Parse(r.body);
		segs = cJSON_GetObjectItemCaseSensitive(body, "segments");
		if (!cJSON_IsArray(segs)) {
			*message = xasprintf(_("%s answered the segment list "
			    "without a list of segments."), s->base_url);
			cJSON_Delete(body);
			dest_reply_clear(&r);
			return DEST_OTHER;
		}
		count = 0;
		cJSON_ArrayForEach(seg, segs) {
			count++;
			id = cJSON_GetObjectItemCaseSensitive(seg, "id");
			name = cJSON_GetObjectItemCaseSensitive(seg, "name");
			if (!cJSON_IsString(id) ||
			    strcmp(id->valuestring, target) != 0)
				continue;
			*found_name = xstrdup(cJSON_IsString(name) ?
			    name->valuestring : "");
			o = DEST_OK;
			break;
		}
		cJSON_Delete(body);
		dest_reply_clear(&r);
		/* The end of the list is a short or empty page. */
		if (o == DEST_OK || count < BRAZE_LIST_PAGE)
			break;
	}
	if (o == DEST_OK)
		*message = xasprintf(_("Found the Braze segment \"%1$s\" with "
		    "the API identifier %2$s."), *found_name, target);
	else
		*message = xasprintf(_("No Braze segment on %1$s has the API "
		    "identifier %2$s (archived segments are not listed)."),
		    s->account, target);
	return o;
}

static enum dest_outcome
braze_list_targets(struct dest_session *s, struct http_engine *e,
    struct dest_pick **out, size_t *n, char **message)
{
	struct dest_reply	 r;
	enum dest_outcome	 o;
	char			*cause = NULL, path[64];
	cJSON			*body, *segs, *seg, *id, *name;
	int			 page, count;

	*out = NULL;
	*n = 0;
	*message = NULL;
	for (page = 0; page < BRAZE_LIST_MAX_PAGES && *n < DEST_PICKS_MAX;
	    page++) {
		snprintf(path, sizeof path, "/segments/list?page=%d", page);
		if (dest_get(s, e, path, NULL, &r, &cause) != 0) {
			*message = cause;
			dest_reply_clear(&r);
			dest_picks_free(out, n);
			return DEST_OTHER;
		}
		if (r.outcome == HTTP_DONE && r.status == 403) {
			*message = xstrdup(_("The API key lacks the "
			    "segments.list permission, so Braze lists no "
			    "segment: type the segment's API identifier."));
			dest_reply_clear(&r);
			dest_picks_free(out, n);
			return DEST_PERMISSION;
		}
		if (r.outcome != HTTP_DONE || r.status / 100 != 2) {
			o = braze_list_failure(s, &r, message);
			dest_reply_clear(&r);
			dest_picks_free(out, n);
			return o;
		}
		body = cJSON_Parse(r.body);
		segs = cJSON_GetObjectItemCaseSensitive(body, "segments");
		count = 0;
		if (!cJSON_IsArray(segs))
			segs = NULL;
		cJSON_ArrayForEach(seg, segs) {
			count++;
			id = cJSON_GetObjectItemCaseSensitive(seg, "id");
			name = cJSON_GetObjectItemCaseSensitive(seg, "name");
			if (cJSON_IsString(id) && *n < DEST_PICKS_MAX)
				dest_picks_add(out, n, id->valuestring,
				    cJSON_IsString(name) ? name->valuestring :
				    "", NULL);
		}
		cJSON_Delete(body);
		dest_reply_clear(&r);
		if (count < BRAZE_LIST_PAGE)
			break;
	}
	return DEST_OK;
}

/* At most this many names in the membership array (Braze's default cap). */
#define BRAZE_ARRAY_MAX		25

/*
 * The names a batch repeats for every profile (attribute and segment
 * names: the delivery hands each profile the same strings), looked up by
 * pointer, with whether they need escaping at all: most are written as
 * they are, without going through jsonbuf_str() for each profile.
 */
#define BRAZE_NAMES	32

struct braze_names {
	const char	*name[BRAZE_NAMES];
	size_t		 len[BRAZE_NAMES];	/* plain: its length */
	int		 plain[BRAZE_NAMES];
	size_t		 n;
};

/* Add name as a JSON string; as a key: with "," before and ":" after. */
static void
braze_name(struct jsonbuf *b, struct braze_names *nm, const char *name,
    int key)
{
	size_t	i, len;
	char	*o;

	for (i = 0; i < nm->n; i++)
		if (nm->name[i] == name)
			break;
	if (i == nm->n && nm->n < BRAZE_NAMES) {
		nm->name[i] = name;
		nm->plain[i] = jsonbuf_plain(name, &nm->len[i]);
		nm->n++;
	}
	if (i == nm->n || !nm->plain[i]) {
		if (key)
			jsonbuf_lit(b, ",");
		jsonbuf_str(b, name);
		if (key)
			jsonbuf_lit(b, ":");
		return;
	}
	len = nm->len[i];
	jsonbuf_grow(b, len + 4);
	o = b->p + b->len;
	if (key)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, name, len);
	o += len;
	*o++ = '"';
	if (key)
		*o++ = ':';
	b->len = (size_t)(o - b->p);
}

static int
braze_encode(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, unsigned char *warned,
    struct http_request **reqp, char **cause)
{
	const struct dest_profile	*p;
	struct jsonbuf		 b = JSONBUF_INIT;
	struct braze_names	 names;
	size_t				 i, j, nseg;

	*reqp = NULL;
	if (n == 0 || n > s->batch_size) {
		*cause = xasprintf(_("A batch of %zu profiles does not fit "
		    "Braze's %u per request."), n, s->batch_size);
		return -1;
	}
	names.n = 0;
	jsonbuf_lit(&b, "{\"attributes\":[");
	for (i = 0; i < n; i++) {
		p = &profiles[i];
		if (i > 0)
			jsonbuf_lit(&b, ",");
		jsonbuf_lit(&b, "{");
		if (p->customer_id != NULL) {
			jsonbuf_lit(&b, "\"external_id\":");
			jsonbuf_str(&b, p->customer_id);
			jsonbuf_lit(&b, ",");
		}
		/*
		 * Without it Braze creates a profile for an unknown
		 * external_id or email (api-contracts.md 1.4).
		 */
		if (s->update_only)
			jsonbuf_lit(&b, "\"_update_existing_only\":true,");
		jsonbuf_lit(&b, "\"email\":");
		jsonbuf_str(&b, p->email);
		for (j = 0; j < p->nattrs; j++) {
			if (p->attrs[j].value == NULL ||
			    p->attrs[j].value[0] == '\0')
				continue;
			braze_name(&b, &names, p->attrs[j].name, 1);
			jsonbuf_str(&b, p->attrs[j].value);
		}
		braze_name(&b, &names, target, 1);
		jsonbuf_lit(&b, "[");
		nseg = p->nsegments;
		if (warned != NULL)
			warned[i] = nseg > BRAZE_ARRAY_MAX;
		if (nseg > BRAZE_ARRAY_MAX)
			nseg = BRAZE_ARRAY_MAX;
		for (j = 0; j < nseg; j++) {
			if (j > 0)
				jsonbuf_lit(&b, ",");
			braze_name(&b, &names, p->segments[j], 0);
		}
		jsonbuf_lit(&b, "]}");
	}
	jsonbuf_lit(&b, "]}");
	if (b.len > s->driver->limits.max_request_bytes) {
		size_t	blen = b.len;

		jsonbuf_free(&b);
		if (n > 1)
			return 1;
		*cause = xasprintf(_("One profile makes a request of %zu "
		    "bytes, more than Braze's %zu."), blen,
		    s->driver->limits.max_request_bytes);
		return -1;
	}
	*reqp = dest_post_json(s, "/users/track", &b);
	return 0;
}

/*
 * Removal (data-rules.md "What a removal is"): the membership attribute
 * set to null, on an attribute object that names the profile as encode()
 * does, by external_id when there is one, else by email, and nothing
 * else: Braze keeps the user and its other attributes. Every object also
 * says "_update_existing_only": a profile deleted in Braze since it was
 * sent must not come back as an empty one to have nothing removed.
 */
static int
braze_encode_remove(struct dest_session *s, const char *target,
    const struct dest_profile *profiles, size_t n, struct http_request **reqp,
    char **cause)
{
	const struct dest_profile	*p;
	struct jsonbuf			 b = JSONBUF_INIT;
	struct braze_names		 names;
	size_t				 i, blen;

	*reqp = NULL;
	if (n == 0 || n > s->driver->remove_batch_max) {
		*cause = xasprintf(_("A batch of %1$zu removals does not fit "
		    "Braze's %2$u per request."), n,
		    s->driver->remove_batch_max);
		return -1;
	}
	names.n = 0;
	jsonbuf_lit(&b, "{\"attributes\":[");
	for (i = 0; i < n; i++) {
		p = &profiles[i];
		if (i > 0)
			jsonbuf_lit(&b, ",");
		if (p->customer_id != NULL) {
			jsonbuf_lit(&b, "{\"external_id\":");
			jsonbuf_str(&b, p->customer_id);
		} else {
			jsonbuf_lit(&b, "{\"email\":");
			jsonbuf_str(&b, p->email);
		}
		jsonbuf_lit(&b, ",\"_update_existing_only\":true");
		braze_name(&b, &names, target, 1);
		jsonbuf_lit(&b, "null}");
	}
	jsonbuf_lit(&b, "]}");
	if (b.len > s->driver->limits.max_request_bytes) {
		blen = b.len;
		jsonbuf_free(&b);
		if (n > 1)
			return 1;
		*cause = xasprintf(_("One profile makes a request of %zu "
		    "bytes, more than Braze's %zu."), blen,
		    s->driver->limits.max_request_bytes);
		return -1;
	}
	*reqp = dest_post_json(s, "/users/track", &b);
	return 0;
}

/*
 * The profile a plain-string error item is about: the only one whose
 * customer ID or email appears quoted in the text. Braze's generic error
 * page writes errors[] as strings without an index; when no single profile
 * matches, the error is not tied to any.
 */
static long
braze_string_owner(const char *text, const struct dest_profile *profiles,
    size_t n)
{
	long	 found = -1;
	size_t	 i;
	char	*q;

	for (i = 0; i < n; i++) {
		q = xasprintf("'%s'", profiles[i].customer_id != NULL ?
		    profiles[i].customer_id : profiles[i].email);
		if (strstr(text, q) == NULL) {
			free(q);
			q = xasprintf("\"%s\"", profiles[i].customer_id !=
			    NULL ? profiles[i].customer_id :
			    profiles[i].email);
		}
		if (strstr(text, q) != NULL) {
			free(q);
			if (found != -1)
				return -1;
			found = (long)i;
			continue;
		}
		free(q);
	}
	return found;
}

/*
 * Tie errors[] items to profiles. Object items {"type", "input_array",
 * "index"} name an attribute object; plain strings are matched by
 * identifier. Returns how many items could not be tied to a profile, and
 * sets *first to the text of the first of those (borrowed from errs).
 */
static size_t
braze_errors(const cJSON *errs, const struct dest_profile *profiles,
    size_t n, struct dest_result *results, const char **first)
{
	const cJSON	*item, *type, *array, *index;
	const char	*text;
	size_t		 loose = 0;
	long		 i;

	*first = NULL;
	cJSON_ArrayForEach(item, errs) {
		i = -1;
		text = NULL;
		if (cJSON_IsString(item)) {
			text = item->valuestring;
			i = braze_string_owner(text, profiles, n);
		} else if (cJSON_IsObject(item)) {
			type = cJSON_GetObjectItemCaseSensitive(item, "type");
			array = cJSON_GetObjectItemCaseSensitive(item,
			    "input_array");
			index = cJSON_GetObjectItemCaseSensitive(item, "index");
			/* An empty type would be an empty reason. */
			text = cJSON_IsString(type) &&
			    type->valuestring[0] != '\0' ? type->valuestring :
			    "rejected by Braze";
			if (cJSON_IsNumber(index) && (!cJSON_IsString(array) ||
			    strcmp(array->valuestring, "attributes") == 0) &&
			    index->valuedouble >= 0 &&
			    index->valuedouble < (double)n)
				i = (long)index->valuedouble;
		}
		if (i < 0 || results[i].rejected) {
			if (i < 0) {
				if (*first == NULL && text != NULL)
					*first = text;
				loose++;
			}
			continue;
		}
		results[i].rejected = 1;
		results[i].resend = 0;
		results[i].reason = xstrdup(text != NULL ? text :
		    "rejected by Braze");
	}
	return loose;
}

/* The "message" of a JSON answer, or NULL (borrowed from body). */
static const char *
braze_message(const cJSON *body)
{
	const cJSON	*m;

	m = cJSON_GetObjectItemCaseSensitive(body, "message");
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

static enum dest_verdict
braze_decode(struct dest_session *s, const struct http_response *resp,
    const struct dest_profile *profiles, size_t n,
    struct dest_result *results, char **message)
{
	enum dest_verdict	 v = DEST_BATCH_DONE;
	cJSON			*body = NULL;
	const cJSON		*errs;
	const char		*msg, *first;
	size_t			 i, loose, named;

	*message = NULL;
	if (resp->outcome == HTTP_CANCELLED) {
		*message = xstrdup(_("The delivery was cancelled."));
		return DEST_BATCH_FATAL;
	}
	if (resp->outcome != HTTP_DONE) {
		/* The engine already retried; the caller may try later. */
		*message = xstrdup(resp->error != NULL ? resp->error :
		    _("The request to Braze failed."));
		return DEST_BATCH_RETRY;
	}
	if (resp->body_len > 0)
		body = cJSON_ParseWithLength(resp->body, resp->body_len);
	errs = cJSON_GetObjectItemCaseSensitive(body, "errors");
	msg = braze_message(body);

	switch (resp->status / 100) {
	case 2:
		/*
		 * Any 2xx is accepted, not only the documented 201: mocks
		 * and older Braze answers use 200, and 202 {"message":
		 * "queued"} was Braze's maintenance answer, meaning queued
		 * for processing (api-contracts.md 1.4). Only the items
		 * errors[] names were refused.
		 */
		loose = cJSON_IsArray(errs) ? braze_errors(errs, profiles, n,
		    results, &first) : 0;
		/* first is NULL when no loose item was text or an object. */
		if (loose > 0)
			*message = xasprintf(ngettext_("Braze reported %zu "
			    "error it did not tie to a profile: %s",
			    "Braze reported %zu errors it did not tie to a "
			    "profile; the first: %s", loose), loose,
			    first != NULL ? first : _("an item that is neither "
			    "text nor an object"));
		goto out;
	case 4:
		break;
	default:
		/* 5xx after the engine's retries, or a stray 1xx/3xx. */
		*message = xasprintf(_("Braze did not take the batch: %s"),
		    resp->error != NULL ? resp->error : "?");
		v = resp->status / 100 == 5 ? DEST_BATCH_RETRY :
		    DEST_BATCH_FATAL;
		goto out;
	}

	switch (resp->status) {
	case 401:
		*message = xasprintf(_("Braze refused the API key (401): it is "
		    "wrong, was revoked, or belongs to another instance than "
		    "%s."), s->account);
		braze_where(s, message);
		v = DEST_BATCH_FATAL;
		goto out;
	case 403:
		*message = xstrdup(_("Braze refused the request (403): the "
		    "API key lacks the users.track permission, or the "
		    "account is inactive."));
		v = DEST_BATCH_FATAL;
		goto out;
	case 404:
		*message = xasprintf(_("%s has no /users/track (404): check "
		    "the Braze REST endpoint."), s->base_url);
		v = DEST_BATCH_FATAL;
		goto out;
	case 429:
		*message = xstrdup(_("Braze kept answering that the rate "
		    "limit is spent (429)."));
		v = DEST_BATCH_RETRY;
		goto out;
	case 413:
		/* Over Braze's 4 MB: halves fit sooner or later. */
		if (n > 1) {
			v = DEST_BATCH_SPLIT;
			goto out;
		}
		results[0].rejected = 1;
		results[0].reason = xstrdup(_("the profile is larger than "
		    "Braze accepts in one request (413)"));
		goto out;
	}

	/* 400 and other 4xx: a fatal answer about the request's content. */
	if (msg != NULL && strstr(msg, "Max Input Length") != NULL && n > 1) {
		v = DEST_BATCH_SPLIT;
		goto out;
	}
	named = 0;
	if (cJSON_IsArray(errs)) {
		braze_errors(errs, profiles, n, results, &first);
		for (i = 0; i < n; i++)
			named += results[i].rejected;
	}
	if (named > 0) {
		/*
		 * Nothing of a refused request was applied: drop the named
		 * items and send the others again (api-contracts.md 4).
		 */
		for (i = 0; i < n; i++)
			results[i].resend = !results[i].rejected;
		goto out;
	}
	if (n > 1) {
		/* Unattributed: halve until the culprit is alone. */
		dest_results_clear(results, n);
		v = DEST_BATCH_SPLIT;
		goto out;
	}
	results[0].rejected = 1;
	results[0].reason = xasprintf(_("Braze refused the profile (%ld): "
	    "%s"), resp->status, msg != NULL ? msg : (resp->error != NULL ?
	    resp->error : "?"));
out:
	if (v != DEST_BATCH_DONE)
		dest_results_clear(results, n);
	cJSON_Delete(body);
	return v;
}

const struct dest_driver dest_braze = {
	.id = "braze",
	.label = "Braze",
	.short_label = "Braze",
	.conn_fields = braze_fields,
	.suggest = braze_suggest,
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
		.rate = { 3000, 3000, 100, &braze_ratelimit },
		/*
		 * 16 batches in flight: at a request a millisecond, answers
		 * are handled a few at a time (the engine's coalesce_ms), and
		 * 8 left the limiter waiting on free slots; over HTTP/2 they
		 * share one connection.
		 */
		.concurrency = 16,
		.attr_name_max = BRAZE_NAME_MAX
	},
	.update_only = 1,
	/* The most attribute objects any plan takes, as batch_max. */
	.remove_batch_max = 75,
	.session_open = braze_session_open,
	.target_check = braze_target_check,
	.test = braze_test,
	.verify_target = braze_verify_target,
	.list_targets = braze_list_targets,
	.encode = braze_encode,
	.decode = braze_decode,
	/*
	 * A removal is a /users/track request like any other: its answer
	 * reads the same (errors[] items name the refused objects).
	 */
	.encode_remove = braze_encode_remove,
	.decode_remove = braze_decode
};
