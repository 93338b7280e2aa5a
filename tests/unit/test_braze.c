/*
 * The Braze driver: its tables, sessions, the exact JSON of a batch, the
 * decoding of answers, and the credentials check and segment lookup
 * against the fake Braze (tests/fakes/fakedest.py) over loopback.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/xmalloc.h"
#include "dest/dest.h"
#include "fake.h"
#include "net/http.h"
#include "tap.h"

static const struct dest_driver	*braze;

static struct http_engine *
engine(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	char			*cause = NULL;

	http_config_defaults(&cfg);
	cfg.connect_timeout_ms = 2000;
	cfg.timeout_ms = 5000;
	cfg.max_attempts = 2;
	cfg.backoff_base_ms = 10;
	cfg.backoff_cap_ms = 20;
	e = http_new(&cfg, &cause);
	if (e == NULL) {
		printf("Bail out! %s\n", cause);
		exit(99);
	}
	return e;
}

static void
test_tables(void)
{
	const struct dest_driver *const	*all = dest_all();
	const struct dest_field		*f;

	braze = dest_find("braze");
	ok(braze != NULL && all[0] == braze, "braze is registered first");
	ok(dest_find("nope") == NULL && dest_find(NULL) == NULL,
	    "unknown types are not found");
	is_str(braze->label, "Braze", "label");
	f = braze->conn_fields;
	ok(strcmp(f[0].key, "api_key") == 0 && f[0].secret && f[0].required &&
	    strcmp(f[0].option, "api-key-file") == 0, "api_key is a secret");
	ok(strcmp(f[1].key, "endpoint") == 0 && f[1].required &&
	    !f[1].secret, "endpoint is required");
	ok(strcmp(f[2].key, "base_url") == 0 && !f[2].required &&
	    f[3].key == NULL, "base_url is optional, and last");
	is_str(braze->target.label, "Braze segment API identifier",
	    "target label");
	ok(dest_slot_find(braze, DEST_SLOT_EMAIL)->required &&
	    dest_slot_by_key(braze, "customer_id")->required &&
	    dest_slot_find(braze, DEST_SLOT_PHONE) == NULL && braze->attrs,
	    "email and customer_id slots, attributes allowed");
	is_int(braze->limits.batch_default, 50, "50 per request");
	is_int(braze->limits.batch_max, 75, "75 at most");
	ok(braze->limits.rate.limit == 3000 &&
	    braze->limits.rate.window_ms == 3000 &&
	    strcmp(braze->limits.rate.headers->remaining,
	    "X-RateLimit-Remaining") == 0 &&
	    strcmp(braze->limits.rate.headers->reset, "X-RateLimit-Reset") ==
	    0 && braze->limits.rate.headers->reset_kind ==
	    RATELIMIT_RESET_EPOCH,
	    "3,000 requests per 3 s, X-RateLimit-* with an epoch reset");
	is_int(braze->limits.attr_name_max, 255,
	    "attribute names of 255 characters at most");
}

static void
test_sessions(void)
{
	struct dest_session	*s;
	char			*cause = NULL;

	s = fake_session(braze, NULL, "rest.iad-03.braze.com", "k1", &cause);
	ok(s != NULL && strcmp(s->base_url,
	    "https://rest.iad-03.braze.com") == 0, "a host gets https://");
	ok(s != NULL && strcmp(s->account, "rest.iad-03.braze.com") == 0,
	    "the account is the endpoint");
	ok(s != NULL && strcmp((const char *)secret_peek(s->auth),
	    "Authorization: Bearer k1") == 0, "bearer header");
	dest_session_free(&s);
	ok(s == NULL, "freed");

	s = fake_session(braze, NULL, "https://rest.fra-01.braze.eu/",
	    "k1", &cause);
	ok(s != NULL && strcmp(s->base_url,
	    "https://rest.fra-01.braze.eu") == 0 &&
	    strcmp(s->account, "rest.fra-01.braze.eu") == 0,
	    "a full URL is kept, without its trailing slash");
	dest_session_free(&s);

	s = fake_session(braze, "http://127.0.0.1:9/", "rest.iad-01.braze.com",
	    "k1", &cause);
	ok(s != NULL && strcmp(s->base_url, "http://127.0.0.1:9") == 0,
	    "base_url wins over the endpoint");
	dest_session_free(&s);

	s = fake_session(braze, "http://braze.example.com",
	    "rest.iad-01.braze.com", "k1", &cause);
	ok(s == NULL && cause != NULL, "http:// to another host is refused "
	    "before any request");
	diag("%s", cause ? cause : "");
	xfree(&cause);

	s = fake_session(braze, NULL, "rest.iad-01.braze.com/x", "k1", &cause);
	ok(s == NULL && cause != NULL, "a host with a path is refused");
	xfree(&cause);
	s = fake_session(braze, NULL, NULL, "k1", &cause);
	like(cause, "no REST endpoint", "a missing endpoint is said");
	xfree(&cause);
	s = fake_session(braze, NULL, "rest.iad-01.braze.com", NULL, &cause);
	like(cause, "no API key", "a missing key is said");
	xfree(&cause);
	s = fake_session(braze, NULL, "rest.iad-01.braze.com", "\"k1\"",
	    &cause);
	like(cause, "quotes", "a quoted key is refused");
	xfree(&cause);
}

/* Read the n-th recorded body of the fake. */
static char *
fake_body(const char *name, int n)
{
	char	*dir, *path, *buf;
	FILE	*f;
	long	 len;

	dir = fake_dir(name);
	path = xasprintf("%s/bodies/%07d.body", dir, n);
	f = fopen(path, "rb");
	free(dir);
	free(path);
	if (f == NULL)
		return xstrdup("");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = xmalloc(len + 1);
	if (fread(buf, 1, len, f) != (size_t)len)
		len = 0;
	buf[len] = '\0';
	fclose(f);
	return buf;
}

struct got {
	int	 done;
	long	 status;
	char	*body;
};

static void
got_done(const struct http_response *resp, void *arg)
{
	struct got	*g = arg;

	g->done = 1;
	g->status = resp->status;
	g->body = xstrndup(resp->body, resp->body_len);
}

static void
test_encode(const char *base)
{
	static const char *many[30];
	static const char *two[] = { "Clients \"VIP\"", "Été 2026" };
	struct dest_attr	 attrs[] = {
		{ "city", "Zürich" }, { "tier", "" }, { "note", "a\\b\n" }
	};
	struct dest_profile	 p[3];
	struct dest_session	*s;
	struct http_engine	*e;
	struct http_request	*req = NULL;
	struct got		 g = { 0, 0, NULL };
	unsigned char		 warned[3] = { 9, 9, 9 };
	char			*cause = NULL, *body, names[30][8], *want;
	static char		 longval[301];
	struct dest_attr	 longattr = { "bio", longval };
	cJSON			*state, *u, *a;
	int			 i, r;

	for (i = 0; i < 30; i++) {
		snprintf(names[i], sizeof names[i], "s%02d", i);
		many[i] = names[i];
	}
	memset(p, 0, sizeof p);
	p[0].email = "ann@example.com";
	p[0].customer_id = "C-1";
	p[0].attrs = attrs;
	p[0].nattrs = 3;
	p[0].segments = two;
	p[0].nsegments = 2;
	p[1].email = "bob@example.org";
	p[1].segments = many;
	p[1].nsegments = 30;
	/* Braze refuses values over 255 characters: an item error. */
	memset(longval, 'x', 300);
	longval[300] = '\0';
	p[2].email = "zoé@example.com";
	p[2].customer_id = "C-3";
	p[2].attrs = &longattr;
	p[2].nattrs = 1;
	p[2].segments = two;
	p[2].nsegments = 1;

	s = fake_session(braze, base, "rest.iad-01.braze.com", "braze-key",
	    &cause);
	r = braze->encode(s, "SEG-API-1", p, 3, warned, &req, &cause);
	ok(r == 0 && req != NULL, "three profiles encode");
	ok(warned[0] == 0 && warned[1] == 1 && warned[2] == 0,
	    "only the profile in 30 segments is warned about");
	e = engine();
	http_request_callback(req, got_done, &g);
	ok(http_submit(e, req, &cause) == 0 && http_drain(e, &cause) == 0,
	    "sent to the fake");
	is_int(g.status, 201, "201 with an item error");
	body = fake_body("braze", 1);
	want = xasprintf("{\"attributes\":["
	    "{\"external_id\":\"C-1\",\"email\":\"ann@example.com\","
	    "\"city\":\"Zürich\",\"note\":\"a\\\\b\\u000a\","
	    "\"SEG-API-1\":[\"Clients \\\"VIP\\\"\",\"Été 2026\"]},"
	    "{\"email\":\"bob@example.org\",\"SEG-API-1\":[\"s00\",\"s01\","
	    "\"s02\",\"s03\",\"s04\",\"s05\",\"s06\",\"s07\",\"s08\",\"s09\","
	    "\"s10\",\"s11\",\"s12\",\"s13\",\"s14\",\"s15\",\"s16\",\"s17\","
	    "\"s18\",\"s19\",\"s20\",\"s21\",\"s22\",\"s23\",\"s24\"]},"
	    "{\"external_id\":\"C-3\",\"email\":\"zoé@example.com\","
	    "\"bio\":\"%s\","
	    "\"SEG-API-1\":[\"Clients \\\"VIP\\\"\"]}]}", longval);
	is_str(body, want,
	    "the exact body: ids, empty attrs left out, escapes, 25 names");
	free(want);
	free(body);

	state = fake_json("braze", "state");
	u = cJSON_GetObjectItem(cJSON_GetObjectItem(state, "users"),
	    "external_id:C-1");
	a = cJSON_GetObjectItem(u, "attributes");
	ok(a != NULL && strcmp(cJSON_GetObjectItem(a, "city")->valuestring,
	    "Zürich") == 0 && cJSON_GetArraySize(cJSON_GetObjectItem(a,
	    "SEG-API-1")) == 2, "C-1 landed with its attributes");
	u = cJSON_GetObjectItem(cJSON_GetObjectItem(state, "users"),
	    "email:bob@example.org");
	ok(u != NULL && cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(u, "attributes"), "SEG-API-1")) == 25,
	    "bob is an email-identified user with 25 segment names");
	cJSON_Delete(state);
	{
		struct http_response	resp;
		struct dest_result	res[3];
		char			*msg = NULL;
		enum dest_verdict	v;

		memset(&resp, 0, sizeof resp);
		memset(res, 0, sizeof res);
		resp.outcome = HTTP_DONE;
		resp.status = g.status;
		resp.body = g.body;
		resp.body_len = strlen(g.body);
		v = braze->decode(s, &resp, p, 3, res, &msg);
		ok(v == DEST_BATCH_DONE && !res[0].rejected &&
		    !res[1].rejected && res[2].rejected,
		    "the fake's errors[] rejects the third profile only");
		like(res[2].reason, "longer than 255", "with the reason in words");
		dest_results_clear(res, 3);
		free(msg);
	}
	free(g.body);
	http_free(&e);

	r = braze->encode(s, "SEG", p, 76, NULL, &req, &cause);
	ok(r == -1 && cause != NULL, "more than the batch size is refused");
	xfree(&cause);
	dest_session_free(&s);
}

/* The body of the fake's last POST /users/track. */
static char *
last_track_body(void)
{
	cJSON		*log, *r;
	const cJSON	*m, *p, *n;
	int		 last = 0;

	log = fake_json("braze", "requests");
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(log, "requests")) {
		m = cJSON_GetObjectItem(r, "method");
		p = cJSON_GetObjectItem(r, "path");
		n = cJSON_GetObjectItem(r, "n");
		if (cJSON_IsString(m) && strcmp(m->valuestring, "POST") == 0 &&
		    cJSON_IsString(p) &&
		    strcmp(p->valuestring, "/users/track") == 0)
			last = n->valueint;
	}
	cJSON_Delete(log);
	return fake_body("braze", last);
}

/* How many times needle is in s. */
static int
count_in(const char *s, const char *needle)
{
	int	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Send req to the fake; with remove, decode_remove() the answer. */
static enum dest_verdict
send_track(struct dest_session *s, struct http_request *req,
    const struct dest_profile *p, size_t n, int remove,
    struct dest_result *res, char **msg)
{
	struct http_engine	*e = engine();
	struct http_response	 resp;
	struct got		 g = { 0, 0, NULL };
	enum dest_verdict	 v;
	char			*cause = NULL;

	http_request_callback(req, got_done, &g);
	if (http_submit(e, req, &cause) != 0 || http_drain(e, &cause) != 0) {
		diag("%s", cause);
		free(cause);
		http_free(&e);
		return DEST_BATCH_FATAL;
	}
	http_free(&e);
	memset(&resp, 0, sizeof resp);
	memset(res, 0, n * sizeof *res);
	resp.outcome = HTTP_DONE;
	resp.status = g.status;
	resp.body = g.body;
	resp.body_len = strlen(g.body);
	*msg = NULL;
	v = remove ? braze->decode_remove(s, &resp, p, n, res, msg) :
	    braze->decode(s, &resp, p, n, res, msg);
	free(g.body);
	return v;
}

/*
 * After test_encode(): removals null the membership attribute and keep
 * the user; update-only creates no one, and only then is it said.
 */
static void
test_remove(const char *base)
{
	static const char *one[] = { "VIP" };
	struct dest_attr	 attrs[] = { { "city", "Bern" } };
	struct dest_profile	 p[76];
	struct dest_result	 res[76];
	struct dest_session	*s;
	struct http_request	*req = NULL;
	enum dest_verdict	 v;
	char			*cause = NULL, *msg = NULL, *body;
	cJSON			*state, *users, *a;
	int			 i;

	memset(p, 0, sizeof p);
	for (i = 0; i < 76; i++)
		p[i].email = "ghost@example.com";
	p[0].email = "ann@example.com";
	p[0].customer_id = "C-1";
	p[1].email = "bob@example.org";
	s = fake_session(braze, base, "rest.iad-01.braze.com", "braze-key",
	    &cause);

	ok(braze->encode_remove(s, "SEG-API-1", p, 3, &req, &cause) == 0 &&
	    req != NULL, "three removals encode");
	v = send_track(s, req, p, 3, 1, res, &msg);
	body = last_track_body();
	is_str(body, "{\"attributes\":["
	    "{\"external_id\":\"C-1\",\"_update_existing_only\":true,"
	    "\"SEG-API-1\":null},"
	    "{\"email\":\"bob@example.org\",\"_update_existing_only\":true,"
	    "\"SEG-API-1\":null},"
	    "{\"email\":\"ghost@example.com\",\"_update_existing_only\":true,"
	    "\"SEG-API-1\":null}]}",
	    "the exact body: the key, update-only, the attribute null");
	free(body);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && !res[1].rejected &&
	    !res[2].rejected && msg == NULL, "every removal accepted");
	dest_results_clear(res, 3);
	xfree(&msg);
	state = fake_json("braze", "state");
	users = cJSON_GetObjectItem(state, "users");
	a = cJSON_GetObjectItem(cJSON_GetObjectItem(users, "external_id:C-1"),
	    "attributes");
	ok(a != NULL && cJSON_GetObjectItem(a, "SEG-API-1") == NULL &&
	    cJSON_IsString(cJSON_GetObjectItem(a, "city")),
	    "C-1 lost the membership attribute and kept the others");
	a = cJSON_GetObjectItem(cJSON_GetObjectItem(users,
	    "email:bob@example.org"), "attributes");
	ok(a != NULL && cJSON_GetObjectItem(a, "SEG-API-1") == NULL,
	    "bob, by email, too; his user is kept");
	ok(cJSON_GetObjectItem(users, "email:ghost@example.com") == NULL,
	    "a removal of a user Braze does not have creates none");
	cJSON_Delete(state);

	ok(braze->encode_remove(s, "SEG", p, 76, &req, &cause) == -1 &&
	    req == NULL, "76 removals are more than a request takes");
	like(cause, "75", "saying how many it takes");
	xfree(&cause);
	ok(braze->encode_remove(s, "SEG", p, 75, &req, &cause) == 0 &&
	    req != NULL, "75 fit");
	http_request_free(&req);

	/* Update-only: C-1 comes back, new@ is not created. */
	p[0].attrs = attrs;
	p[0].nattrs = 1;
	p[0].segments = one;
	p[0].nsegments = 1;
	p[1].email = "new@example.com";
	p[1].segments = one;
	p[1].nsegments = 1;
	s->update_only = 1;
	ok(braze->encode(s, "SEG-API-1", p, 2, NULL, &req, &cause) == 0,
	    "update-only encodes");
	v = send_track(s, req, p, 2, 0, res, &msg);
	body = last_track_body();
	is_int(count_in(body, "\"_update_existing_only\":true"), 2,
	    "update-only: on every attribute object");
	is_str(body, "{\"attributes\":[{\"external_id\":\"C-1\","
	    "\"_update_existing_only\":true,\"email\":\"ann@example.com\","
	    "\"city\":\"Bern\",\"SEG-API-1\":[\"VIP\"]},"
	    "{\"_update_existing_only\":true,\"email\":\"new@example.com\","
	    "\"SEG-API-1\":[\"VIP\"]}]}", "the exact update-only body");
	free(body);
	ok(v == DEST_BATCH_DONE, "answered");
	dest_results_clear(res, 2);
	xfree(&msg);
	state = fake_json("braze", "state");
	users = cJSON_GetObjectItem(state, "users");
	a = cJSON_GetObjectItem(cJSON_GetObjectItem(users, "external_id:C-1"),
	    "attributes");
	ok(a != NULL && cJSON_GetObjectItem(a, "SEG-API-1") != NULL,
	    "the existing user is updated");
	ok(cJSON_GetObjectItem(users, "email:new@example.com") == NULL,
	    "the unknown one is not created");
	cJSON_Delete(state);

	s->update_only = 0;
	ok(braze->encode(s, "SEG-API-1", p, 2, NULL, &req, &cause) == 0,
	    "upsert encodes");
	v = send_track(s, req, p, 2, 0, res, &msg);
	body = last_track_body();
	is_int(count_in(body, "_update_existing_only"), 0,
	    "without update-only the flag is never sent");
	free(body);
	dest_results_clear(res, 2);
	xfree(&msg);
	state = fake_json("braze", "state");
	ok(cJSON_GetObjectItem(cJSON_GetObjectItem(state, "users"),
	    "email:new@example.com") != NULL, "and the new user is created");
	cJSON_Delete(state);
	dest_session_free(&s);
}

static enum dest_verdict
decode(struct dest_session *s, long status, const char *body, size_t n,
    struct dest_result *res, char **msg)
{
	static struct dest_profile	 p[4];
	struct http_response		 resp;

	memset(p, 0, sizeof p);
	p[0].email = "a@example.com";
	p[1].email = "b@example.com";
	p[1].customer_id = "B-2";
	p[2].email = "c@example.com";
	p[3].email = "d@example.com";
	memset(&resp, 0, sizeof resp);
	memset(res, 0, n * sizeof *res);
	resp.outcome = HTTP_DONE;
	resp.status = status;
	resp.body = body;
	resp.body_len = strlen(body);
	*msg = NULL;
	return braze->decode(s, &resp, p, n, res, msg);
}

static void
test_decode(void)
{
	struct dest_session	*s;
	struct dest_result	 res[4];
	enum dest_verdict	 v;
	char			*msg = NULL, *cause = NULL;

	s = fake_session(braze, NULL, "rest.iad-03.braze.com", "k", &cause);

	v = decode(s, 201, "{\"message\":\"success\",\"errors\":["
	    "{\"type\":\"bad email\",\"input_array\":\"attributes\","
	    "\"index\":2},{\"type\":\"x\",\"input_array\":\"events\","
	    "\"index\":0}]}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && !res[1].rejected &&
	    res[2].rejected && !res[3].rejected, "object item: index 2");
	is_str(res[2].reason, "bad email", "its type is the reason");
	like(msg, "did not tie", "an events item is reported, not "
	    "rejected");
	dest_results_clear(res, 4);
	xfree(&msg);

	v = decode(s, 201, "{\"message\":\"success\",\"errors\":["
	    "\"'B-2' is blacklisted\",\"something odd\"]}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && res[1].rejected && !res[0].rejected &&
	    !res[2].rejected, "string item naming an external_id: B-2");
	like(msg, "something odd", "an unnamed string is reported");
	dest_results_clear(res, 4);
	xfree(&msg);

	v = decode(s, 200, "{\"message\":\"success\"}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && msg == NULL,
	    "200 is accepted");
	v = decode(s, 202, "{\"message\":\"queued\"}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[3].rejected, "202 queued accepted");

	v = decode(s, 400, "{\"message\":\"Valid data must be provided\","
	    "\"errors\":[{\"type\":\"e1\",\"input_array\":\"attributes\","
	    "\"index\":0},{\"type\":\"e3\",\"input_array\":\"attributes\","
	    "\"index\":3}]}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && res[0].rejected && res[3].rejected &&
	    res[1].resend && res[2].resend && !res[0].resend,
	    "400: named items rejected, the others sent again");
	dest_results_clear(res, 4);

	v = decode(s, 413, "{\"message\":\"Request Entity Too Large\"}", 4,
	    res, &msg);
	ok(v == DEST_BATCH_SPLIT, "413 splits the batch");
	v = decode(s, 413, "", 1, res, &msg);
	ok(v == DEST_BATCH_DONE && res[0].rejected, "413 on one profile "
	    "rejects it");
	dest_results_clear(res, 4);
	v = decode(s, 400, "{\"message\":\"Max Input Length Exceeded\"}", 4,
	    res, &msg);
	ok(v == DEST_BATCH_SPLIT, "Max Input Length Exceeded splits");
	v = decode(s, 400, "{\"message\":\"Bad Request\"}", 2, res, &msg);
	ok(v == DEST_BATCH_SPLIT, "an unattributed 400 splits");
	v = decode(s, 400, "{\"message\":\"Bad Request\"}", 1, res, &msg);
	ok(v == DEST_BATCH_DONE && res[0].rejected, "... down to the "
	    "profile, which is rejected");
	like(res[0].reason, "Bad Request", "with Braze's message");
	dest_results_clear(res, 4);

	v = decode(s, 401, "{\"message\":\"Invalid API key\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "401 is fatal");
	like(msg, "another instance than rest.iad-03.braze.com",
	    "and says the instance");
	xfree(&msg);
	v = decode(s, 403, "{\"message\":\"Access Denied\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "403 is fatal");
	like(msg, "users.track", "and names the permission");
	xfree(&msg);
	v = decode(s, 404, "{}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "404 is fatal");
	xfree(&msg);
	v = decode(s, 503, "", 4, res, &msg);
	ok(v == DEST_BATCH_RETRY, "503 after the engine's retries: later");
	xfree(&msg);
	dest_session_free(&s);
}

/* decode_remove() reads a removal's answer as decode() does an add's. */
static void
test_decode_remove(void)
{
	static struct dest_profile	 p[3];
	struct http_response	 resp;
	struct dest_session	*s;
	struct dest_result	 res[3];
	enum dest_verdict	 v;
	char			*msg = NULL, *cause = NULL;
	static const struct {
		long		 status;
		const char	*body;
		enum dest_verdict v;
	} cases[] = {
		{ 401, "{\"message\":\"Invalid API key\"}", DEST_BATCH_FATAL },
		{ 429, "", DEST_BATCH_RETRY },
		{ 400, "{\"message\":\"Bad Request\"}", DEST_BATCH_SPLIT },
	};
	size_t			 i;

	s = fake_session(braze, NULL, "rest.iad-03.braze.com", "k", &cause);
	memset(p, 0, sizeof p);
	p[0].email = "a@example.com";
	p[1].email = "b@example.com";
	p[2].email = "c@example.com";
	memset(&resp, 0, sizeof resp);
	memset(res, 0, sizeof res);
	resp.outcome = HTTP_DONE;
	resp.status = 201;
	resp.body = "{\"message\":\"success\",\"errors\":[{\"type\":"
	    "\"'SEG' is not valid\",\"input_array\":\"attributes\","
	    "\"index\":1}]}";
	resp.body_len = strlen(resp.body);
	v = braze->decode_remove(s, &resp, p, 3, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && res[1].rejected &&
	    !res[2].rejected && msg == NULL,
	    "errors[] index 1: that removal refused, the others done");
	is_str(res[1].reason, "'SEG' is not valid", "with Braze's reason");
	dest_results_clear(res, 3);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		resp.status = cases[i].status;
		resp.body = cases[i].body;
		resp.body_len = strlen(resp.body);
		v = braze->decode_remove(s, &resp, p, 3, res, &msg);
		ok(v == cases[i].v, "a removal answered %ld: verdict %d",
		    cases[i].status, (int)v);
		xfree(&msg);
	}
	dest_session_free(&s);
}

/* A loopback port nobody listens on. */
static int
dead_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		exit(99);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_credentials(const char *base)
{
	struct dest_session	*s;
	struct http_engine	*e = engine();
	enum dest_outcome	 o;
	char			*msg = NULL, *cause = NULL, *url;

	s = fake_session(braze, base, "rest.iad-01.braze.com", "braze-key",
	    &cause);
	o = braze->test(s, e, &msg);
	is_int(o, DEST_OK, "the right key: OK");
	like(msg, "rest.iad-01.braze.com", "names the instance");
	xfree(&msg);
	dest_session_free(&s);

	s = fake_session(braze, base, "rest.iad-01.braze.com", "wrong", &cause);
	o = braze->test(s, e, &msg);
	is_int(o, DEST_AUTH, "a wrong key: AUTH");
	like(msg, "the API key is wrong or belongs to another instance "
	    "than rest.iad-01.braze.com", "in words");
	xfree(&msg);
	dest_session_free(&s);

	s = fake_session(braze, base, "rest.iad-01.braze.com", "eu-key",
	    &cause);
	o = braze->test(s, e, &msg);
	is_int(o, DEST_AUTH, "a key of another instance: AUTH");
	like(msg, "another instance than rest.iad-01.braze.com", "in words");
	xfree(&msg);
	dest_session_free(&s);

	s = fake_session(braze, base, "rest.iad-01.braze.com", "track-only",
	    &cause);
	o = braze->test(s, e, &msg);
	is_int(o, DEST_WARNING, "a key without segments.list: a warning");
	like(msg, "lacks the segments.list permission", "in words");
	xfree(&msg);
	o = braze->verify_target(s, e, "seg-1", &url, &msg);
	is_int(o, DEST_WARNING, "verifying with it: a warning, not a block");
	ok(url == NULL, "no name");
	xfree(&msg);
	dest_session_free(&s);

	url = xasprintf("http://127.0.0.1:%d", dead_port());
	s = fake_session(braze, url, "rest.iad-01.braze.com", "braze-key",
	    &cause);
	o = braze->test(s, e, &msg);
	is_int(o, DEST_UNREACHABLE, "nobody listening: UNREACHABLE");
	diag("%s", msg);
	xfree(&msg);
	free(url);
	dest_session_free(&s);
	http_free(&e);
}

static void
test_verify(const char *base)
{
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct dest_pick	*picks = NULL;
	size_t			 npicks = 0;
	enum dest_outcome	 o;
	char			*msg = NULL, *name = NULL, *cause = NULL;
	cJSON			*cfg, *segs, *seg;
	char			 id[32], nm[32], *json;
	int			 i;

	cfg = cJSON_CreateObject();
	segs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(cfg, "braze"),
	    "segments");
	for (i = 0; i < 250; i++) {
		snprintf(id, sizeof id, "seg-%03d", i);
		snprintf(nm, sizeof nm, "Segment %d", i);
		seg = cJSON_CreateObject();
		cJSON_AddStringToObject(seg, "id", id);
		cJSON_AddStringToObject(seg, "name", nm);
		cJSON_AddBoolToObject(seg, "archived", i == 7);
		cJSON_AddItemToArray(segs, seg);
	}
	json = cJSON_PrintUnformatted(cfg);
	fake_config("braze", json);
	free(json);
	cJSON_Delete(cfg);

	s = fake_session(braze, base, "rest.iad-01.braze.com", "braze-key",
	    &cause);
	o = braze->verify_target(s, e, "seg-180", &name, &msg);
	is_int(o, DEST_OK, "found on the second page");
	is_str(name, "Segment 180", "with its Braze name");
	like(msg, "Segment 180", "said");
	xfree(&name);
	xfree(&msg);
	o = braze->verify_target(s, e, "seg-249", &name, &msg);
	ok(o == DEST_OK && name != NULL, "found on the third page");
	xfree(&name);
	xfree(&msg);
	o = braze->verify_target(s, e, "seg-007", &name, &msg);
	is_int(o, DEST_NOT_FOUND, "an archived segment is not found");
	like(msg, "No Braze segment on rest.iad-01.braze.com has the API "
	    "identifier seg-007", "in words");
	xfree(&msg);
	o = braze->verify_target(s, e, "nope", &name, &msg);
	is_int(o, DEST_NOT_FOUND, "unknown: not found");
	xfree(&msg);
	o = braze->verify_target(s, e, "$bad", &name, &msg);
	is_int(o, DEST_CONFIG, "a bad identifier is refused first");
	xfree(&msg);
	o = braze->list_targets(s, e, &picks, &npicks, &msg);
	is_int(o, DEST_OK, "the segments are listed");
	is_int((int)npicks, 249, "all of them, over three pages, less the "
	    "archived one");
	if (npicks == 249) {
		is_str(picks[0].id, "seg-000", "each with its API identifier");
		is_str(picks[0].name, "Segment 0", "and its name");
		is_str(picks[248].id, "seg-249", "the last page's too");
	}
	dest_picks_free(&picks, &npicks);
	dest_session_free(&s);
	s = fake_session(braze, base, "rest.iad-01.braze.com", "track-only",
	    &cause);
	o = braze->list_targets(s, e, &picks, &npicks, &msg);
	is_int(o, DEST_PERMISSION, "a key without segments.list lists none");
	like(msg, "type the segment's API identifier", "and says what to do");
	ok(picks == NULL && npicks == 0, "leaving nothing");
	xfree(&msg);
	dest_session_free(&s);
	http_free(&e);
}

int
main(void)
{
	char	*base, *cfgpath, *args;
	FILE	*f;

	plan_lazy();
	test_tables();
	test_sessions();
	test_decode();
	test_decode_remove();

	cfgpath = xasprintf("%s/braze.json", tap_tmpdir());
	f = fopen(cfgpath, "w");
	fputs("{\"braze\": {\"keys\": {"
	    "\"braze-key\": {\"permissions\": [\"users.track\", "
	    "\"segments.list\"]},"
	    "\"eu-key\": {\"permissions\": [\"users.track\", "
	    "\"segments.list\"], \"instance\": \"rest.fra-01.braze.eu\"},"
	    "\"track-only\": {\"permissions\": [\"users.track\"]}}}}", f);
	fclose(f);
	args = xasprintf("--dest braze --record-bodies --config %s", cfgpath);
	base = fake_start("braze", args);
	test_encode(base);
	test_remove(base);
	test_credentials(base);
	test_verify(base);
	free(base);
	free(args);
	free(cfgpath);
	return done_testing();
}
