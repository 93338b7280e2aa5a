/*
 * The Sendinblue (Brevo) driver: its tables and sessions, the exact JSON of
 * an import, the decoding of answers, and the credentials check, list
 * lookup and a real import against the fake Brevo
 * (tests/fakes/fakedest.py) over loopback.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/xmalloc.h"
#include "dest/dest.h"
#include "fake.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "tap.h"

static const struct dest_driver	*sib;

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
	const struct dest_field	*f;

	sib = dest_find("sendinblue");
	ok(sib != NULL && dest_all()[1] == sib, "sendinblue is registered "
	    "second");
	f = sib->conn_fields;
	ok(strcmp(f[0].key, "api_key") == 0 && f[0].secret && f[0].required,
	    "api_key is a secret");
	ok(strcmp(f[1].key, "base_url") == 0 && !f[1].required &&
	    f[2].key == NULL, "base_url is optional, and last");
	ok(dest_slot_find(sib, DEST_SLOT_EMAIL)->required &&
	    dest_slot_find(sib, DEST_SLOT_PHONE) != NULL &&
	    dest_slot_find(sib, DEST_SLOT_CUSTOMER_ID) == NULL && !sib->attrs,
	    "email, names and phone; no customer ID, no attributes");
	ok(sib->limits.rate.limit == 9 && sib->limits.rate.window_ms == 1000 &&
	    strcmp(sib->limits.rate.headers->remaining,
	    "x-sib-ratelimit-remaining") == 0 &&
	    strcmp(sib->limits.rate.headers->reset, "x-sib-ratelimit-reset") ==
	    0 && sib->limits.rate.headers->reset_kind ==
	    RATELIMIT_RESET_RELATIVE,
	    "9 requests per second (Brevo allows 10), x-sib-ratelimit-* with "
	    "a relative reset");
	is_int(sib->limits.max_request_bytes, 8000000, "about 8 MB a request");
	ok(sib->limits.other_rate.limit == 100 &&
	    sib->limits.other_rate.window_ms == 3600 * 1000 &&
	    sib->limits.other_rate.headers == sib->limits.rate.headers,
	    "100 an hour on the other endpoints, the same headers");
	ok(sib->confirm != NULL, "imports are confirmed");
}

static void
test_sessions(void)
{
	struct dest_session	*s;
	char			*cause = NULL;

	s = fake_session(sib, NULL, NULL, "k1", &cause);
	ok(s != NULL && strcmp(s->base_url, "https://api.brevo.com/v3") == 0,
	    "Brevo's base URL by default");
	ok(s != NULL && strcmp(s->account, "api.brevo.com") == 0,
	    "the account is the host");
	ok(s != NULL && strcmp((const char *)secret_peek(s->auth),
	    "api-key: k1") == 0, "api-key header");
	ok(s != NULL && s->other_limiter != NULL && s->limiter != NULL &&
	    s->other_limiter != s->limiter, "two budgets, two limiters");
	dest_session_free(&s);

	s = fake_session(sib, "http://127.0.0.1:9/v3//", NULL, "k1", &cause);
	ok(s != NULL && strcmp(s->base_url, "http://127.0.0.1:9/v3") == 0 &&
	    strcmp(s->account, "127.0.0.1:9") == 0,
	    "base_url wins, without its trailing slashes");
	dest_session_free(&s);

	s = fake_session(sib, "http://api.brevo.com/v3", NULL, "k1", &cause);
	ok(s == NULL && cause != NULL, "http:// to another host is refused "
	    "before any request");
	diag("%s", cause != NULL ? cause : "");
	xfree(&cause);
	s = fake_session(sib, "ftp://127.0.0.1/v3", NULL, "k1", &cause);
	ok(s == NULL && cause != NULL, "another scheme is refused");
	xfree(&cause);
	s = fake_session(sib, NULL, NULL, NULL, &cause);
	like(cause, "no API key", "a missing key is said");
	xfree(&cause);
	s = fake_session(sib, NULL, NULL, "xkeysib-1 2", &cause);
	like(cause, "spaces, quotes or control characters",
	    "a key with a space is refused");
	xfree(&cause);
}

static void
test_target_check(void)
{
	char	*cause = NULL;

	ok(sib->target_check("12", &cause) == 0, "12 is a list ID");
	ok(sib->target_check("9223372036854775807", &cause) == 0,
	    "the largest int64 is a list ID");
	ok(sib->target_check("0", &cause) == -1, "0 is not");
	like(cause, "must be a positive whole number", "in words");
	xfree(&cause);
	ok(sib->target_check("Newsletter", &cause) == -1, "a name is not");
	like(cause, "\"Newsletter\" is not a Sendinblue list ID", "said");
	xfree(&cause);
	ok(sib->target_check("-3", &cause) == -1, "a negative is not");
	xfree(&cause);
	ok(sib->target_check("+3", &cause) == -1, "a sign is not allowed");
	xfree(&cause);
	ok(sib->target_check("", &cause) == -1, "empty is not");
	xfree(&cause);
	ok(sib->target_check("9223372036854775808", &cause) == -1,
	    "past int64 is not");
	xfree(&cause);
	ok(sib->target_check("12 ", &cause) == -1, "a trailing space is not");
	xfree(&cause);
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
	p[2].email = "c@example.com";
	p[3].email = "d@example.com";
	memset(&resp, 0, sizeof resp);
	memset(res, 0, n * sizeof *res);
	resp.outcome = HTTP_DONE;
	resp.status = status;
	resp.body = body;
	resp.body_len = strlen(body);
	*msg = NULL;
	return sib->decode(s, &resp, p, n, res, msg);
}

/* decode_remove() of an answer to the first n of four emails. */
static enum dest_verdict
decode_remove(struct dest_session *s, long status, const char *body,
    size_t n, struct dest_result *res, char **msg)
{
	static struct dest_profile	 p[4];
	struct http_response		 resp;

	memset(p, 0, sizeof p);
	p[0].email = "a@example.com";
	p[1].email = "b@example.com";
	p[2].email = "c@example.com";
	p[3].email = "d@example.com";
	memset(&resp, 0, sizeof resp);
	memset(res, 0, n * sizeof *res);
	resp.outcome = HTTP_DONE;
	resp.status = status;
	resp.body = body;
	resp.body_len = strlen(body);
	*msg = NULL;
	return sib->decode_remove(s, &resp, p, n, res, msg);
}

static void
test_decode_remove(void)
{
	struct dest_session	*s;
	struct dest_result	 res[4];
	enum dest_verdict	 v;
	char			*msg = NULL, *cause = NULL;

	s = fake_session(sib, NULL, NULL, "k", &cause);
	v = decode_remove(s, 201, "{\"contacts\":{\"success\":"
	    "[\"a@example.com\"],\"failure\":[\"b@example.com\","
	    "\"c@example.com\"],\"total\":1}}", 3, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && !res[1].rejected &&
	    !res[2].rejected && msg == NULL,
	    "201: success and failure alike are removed, nothing rejected");
	v = decode_remove(s, 200, "{\"contacts\":{\"success\":[],"
	    "\"failure\":[\"a@example.com\"]}}", 1, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && msg == NULL,
	    "200 with the one email in failure: removed");
	v = decode_remove(s, 201, "{}", 2, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && msg != NULL,
	    "2xx without contacts: done, with a warning");
	xfree(&msg);

	v = decode_remove(s, 404, "{\"code\":\"document_not_found\","
	    "\"message\":\"List ID not found\"}", 2, res, &msg);
	ok(v == DEST_BATCH_FATAL, "404: the list is gone, fatal");
	like(msg, "list does not exist in this account", "in words");
	xfree(&msg);
	v = decode_remove(s, 400, "{\"code\":\"invalid_parameter\","
	    "\"message\":\"listId must be an integer\"}", 2, res, &msg);
	ok(v == DEST_BATCH_FATAL, "400 naming the list: fatal");
	like(msg, "list does not exist in this account or is not a list ID",
	    "in words");
	xfree(&msg);
	v = decode_remove(s, 400, "{\"code\":\"out_of_range\","
	    "\"message\":\"emails: at most 150 items\"}", 4, res, &msg);
	ok(v == DEST_BATCH_SPLIT && msg == NULL, "400 over the 150: split");
	v = decode_remove(s, 400, "{\"code\":\"bad_request\","
	    "\"message\":\"something\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "another 400: fatal");
	like(msg, "malformed (400, bad_request): something",
	    "naming code and message");
	xfree(&msg);
	v = decode_remove(s, 401, "{\"code\":\"unauthorized\","
	    "\"message\":\"Key not found\"}", 2, res, &msg);
	ok(v == DEST_BATCH_FATAL, "401: fatal");
	like(msg, "API key (401): Key not found", "in words");
	xfree(&msg);
	v = decode_remove(s, 429, "", 2, res, &msg);
	ok(v == DEST_BATCH_RETRY && msg != NULL, "429: retry later");
	xfree(&msg);
	v = decode_remove(s, 502, "", 2, res, &msg);
	ok(v == DEST_BATCH_RETRY && !res[0].rejected && msg != NULL,
	    "5xx: sent again, unlike an import (removing twice is harmless)");
	xfree(&msg);
	dest_session_free(&s);
}

static void
test_decode(void)
{
	struct dest_session	*s;
	struct dest_result	 res[4];
	struct http_response	 resp;
	enum dest_verdict	 v;
	char			*msg = NULL, *cause = NULL;

	s = fake_session(sib, NULL, NULL, "k", &cause);

	v = decode(s, 202, "{\"processId\":78}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && !res[0].rejected && !res[3].rejected &&
	    !res[2].resend && msg == NULL, "202: every profile accepted");
	ok(res[0].job == 78 && res[3].job == 78, "with the processId as job");
	dest_results_clear(res, 4);
	ok(res[0].job == 0, "clearing zeroes the job");

	v = decode(s, 202, "{}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && res[0].job == 0 && !res[0].rejected,
	    "202 without a processId: accepted, no job");
	like(msg, "without a process ID", "and said");
	xfree(&msg);

	v = decode(s, 400, "{\"code\":\"invalid_parameter\",\"message\":"
	    "\"listIds [99] not found\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "400 unknown list: fatal");
	like(msg, "list does not exist in this account", "in words");
	like(msg, "listIds [99] not found", "with Brevo's message");
	xfree(&msg);

	v = decode(s, 400, "{\"code\":\"missing_parameter\",\"message\":"
	    "\"exactly one of fileUrl, fileBody or jsonBody must be given\"}",
	    4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "400 malformed request: fatal");
	like(msg, "malformed (400, missing_parameter)", "with the code");
	xfree(&msg);

	v = decode(s, 400, "{\"code\":\"invalid_parameter\",\"message\":"
	    "\"jsonBody[2] is invalid\"}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && res[2].rejected && !res[2].resend &&
	    res[0].resend && res[1].resend && res[3].resend,
	    "400 naming an item: it is rejected, the others sent again");
	like(res[2].reason, "jsonBody[2] is invalid", "with the reason");
	dest_results_clear(res, 4);
	v = decode(s, 400, "{\"code\":\"invalid_parameter\",\"message\":"
	    "\"jsonBody[9] is invalid\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "an item past the batch is not believed");
	xfree(&msg);

	v = decode(s, 400, "{\"code\":\"invalid_parameter\",\"message\":"
	    "\"Maximum allowed json body size is 10MB\"}", 4, res, &msg);
	ok(v == DEST_BATCH_SPLIT && msg == NULL, "400 body size: split");
	v = decode(s, 413, "", 4, res, &msg);
	ok(v == DEST_BATCH_SPLIT, "413: split");
	v = decode(s, 413, "", 1, res, &msg);
	ok(v == DEST_BATCH_DONE && res[0].rejected, "413 on one profile "
	    "rejects it");
	dest_results_clear(res, 4);

	v = decode(s, 401, "{\"code\":\"unauthorized\",\"message\":"
	    "\"Key not found\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "401 is fatal");
	like(msg, "Brevo refused the API key (401): Key not found",
	    "in words");
	xfree(&msg);
	v = decode(s, 403, "{\"code\":\"permission_denied\",\"message\":"
	    "\"Permission denied\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "403 is fatal");
	like(msg, "may not import contacts", "in words");
	xfree(&msg);
	v = decode(s, 402, "{\"code\":\"not_enough_credits\",\"message\":"
	    "\"x\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "402 is fatal");
	xfree(&msg);
	v = decode(s, 404, "{\"code\":\"document_not_found\",\"message\":"
	    "\"Invalid URL\"}", 4, res, &msg);
	ok(v == DEST_BATCH_FATAL, "404 is fatal");
	like(msg, "check the base URL", "and names the base URL");
	xfree(&msg);
	v = decode(s, 429, "{\"code\":\"too_many_requests\"}", 4, res, &msg);
	ok(v == DEST_BATCH_RETRY, "429 past the engine's patience: later");
	xfree(&msg);
	v = decode(s, 503, "{\"message\":\"busy\"}", 4, res, &msg);
	ok(v == DEST_BATCH_DONE && msg == NULL && res[0].rejected &&
	    res[3].rejected && !res[1].resend && res[2].job == 0,
	    "503 (not retried): every profile rejected, none sent again");
	like(res[0].reason, "may or may not have been imported", "in words");
	like(res[0].reason, "running the export again is safe",
	    "saying what to do");
	like(res[0].reason, "(status 503: busy)", "with Brevo's message");
	dest_results_clear(res, 4);

	memset(&resp, 0, sizeof resp);
	resp.outcome = HTTP_FAILED;
	resp.error = "could not connect";
	resp.body = "";
	v = sib->decode(s, &resp, NULL, 0, res, &msg);
	ok(v == DEST_BATCH_RETRY, "never reached Brevo: later");
	is_str(msg, "could not connect", "with the engine's sentence");
	xfree(&msg);
	resp.reached = 1;
	resp.error = "the connection broke";
	memset(res, 0, sizeof res);
	v = sib->decode(s, &resp, NULL, 2, res, &msg);
	ok(v == DEST_BATCH_DONE && msg == NULL && res[0].rejected &&
	    res[1].rejected, "the answer lost: rejected, not sent again");
	like(res[1].reason, "(the connection broke)", "with the cause");
	dest_results_clear(res, 2);
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
	static const char	 nokey[] = "x-api-key: brevo-key";
	struct dest_session	*s;
	struct http_engine	*e = engine();
	enum dest_outcome	 o;
	char			*msg = NULL, *cause = NULL, *url;

	s = fake_session(sib, base, NULL, "brevo-key", &cause);
	o = sib->test(s, e, &msg);
	is_int(o, DEST_OK, "the right key: OK");
	is_str(msg, "Brevo accepted the API key: account owner@example.com "
	    "(Example Ltd).", "names the account and company");
	xfree(&msg);
	dest_session_free(&s);

	s = fake_session(sib, base, NULL, "wrong-key", &cause);
	o = sib->test(s, e, &msg);
	is_int(o, DEST_AUTH, "a wrong key: AUTH");
	like(msg, "no account has this key", "in words");
	xfree(&msg);
	dest_session_free(&s);

	s = fake_session(sib, base, NULL, "revoked-key", &cause);
	o = sib->test(s, e, &msg);
	is_int(o, DEST_AUTH, "a revoked key: AUTH");
	xfree(&msg);
	dest_session_free(&s);

	/* The driver always sends api-key; a proxy could drop it. */
	s = fake_session(sib, base, NULL, "brevo-key", &cause);
	secret_free(&s->auth);
	s->auth = secret_from_bytes(nokey, sizeof nokey);
	o = sib->test(s, e, &msg);
	is_int(o, DEST_AUTH, "no api-key header: AUTH");
	like(msg, "Brevo received no API key (401)", "said apart");
	xfree(&msg);
	dest_session_free(&s);

	url = xasprintf("%s/nope", base);
	s = fake_session(sib, url, NULL, "brevo-key", &cause);
	o = sib->test(s, e, &msg);
	is_int(o, DEST_CONFIG, "a base URL that is not the API: CONFIG");
	like(msg, "check the base URL", "in words");
	xfree(&msg);
	free(url);
	dest_session_free(&s);

	fake_config("brevo", "{\"faults\": {\"fail_every\": 1, "
	    "\"fail_status\": 500}}");
	s = fake_session(sib, base, NULL, "brevo-key", &cause);
	o = sib->test(s, e, &msg);
	is_int(o, DEST_OTHER, "a 500 that lasts: OTHER");
	like(msg, "status 500", "said");
	xfree(&msg);
	dest_session_free(&s);
	fake_config("brevo", "{\"faults\": {\"fail_every\": 0}}");

	url = xasprintf("http://127.0.0.1:%d/v3", dead_port());
	s = fake_session(sib, url, NULL, "brevo-key", &cause);
	o = sib->test(s, e, &msg);
	is_int(o, DEST_UNREACHABLE, "nobody listening: UNREACHABLE");
	like(msg, "Could not reach Brevo at http://127.0.0.1:", "in words");
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
	size_t			 npicks = 0, i;
	enum dest_outcome	 o;
	char			*msg = NULL, *name = NULL, *cause = NULL;

	s = fake_session(sib, base, NULL, "brevo-key", &cause);
	o = sib->verify_target(s, e, "2", &name, &msg);
	is_int(o, DEST_OK, "list 2 is found");
	is_str(name, "Newsletter", "with its Brevo name");
	is_str(msg, "Found the Brevo list \"Newsletter\" (ID 2) with 41 "
	    "contacts.", "and its size");
	xfree(&name);
	xfree(&msg);
	o = sib->verify_target(s, e, "7", &name, &msg);
	is_int(o, DEST_OK, "list 7 is found");
	is_str(msg, "Found the Brevo list \"Clients été\" (ID 7) with 1 "
	    "contact.", "UTF-8 name, one contact");
	xfree(&name);
	xfree(&msg);
	o = sib->verify_target(s, e, "99", &name, &msg);
	is_int(o, DEST_NOT_FOUND, "list 99 is not found");
	ok(name == NULL, "no name");
	is_str(msg, "Brevo says list 99 does not exist in this account.",
	    "in words");
	xfree(&msg);
	o = sib->verify_target(s, e, "news", &name, &msg);
	is_int(o, DEST_CONFIG, "a non-numeric target is refused first");
	like(msg, "not a Sendinblue list ID", "in words");
	xfree(&msg);
	o = sib->list_targets(s, e, &picks, &npicks, &msg);
	is_int(o, DEST_OK, "the lists are listed");
	is_int((int)npicks, 2, "both");
	for (i = 0; i < npicks; i++) {
		if (strcmp(picks[i].id, "2") == 0) {
			is_str(picks[i].name, "Newsletter", "list 2 by name");
			is_str(picks[i].detail, "folder \"Marketing\", 41 "
			    "contacts", "with its folder's name and its size");
		} else {
			is_str(picks[i].id, "7", "and list 7");
			is_str(picks[i].detail, "folder \"Boutiques\", 1 "
			    "contact", "in its own folder, one contact");
		}
	}
	dest_picks_free(&picks, &npicks);
	dest_session_free(&s);

	s = fake_session(sib, base, NULL, "wrong-key", &cause);
	o = sib->verify_target(s, e, "2", &name, &msg);
	is_int(o, DEST_AUTH, "a wrong key: AUTH");
	xfree(&msg);
	dest_session_free(&s);
	http_free(&e);
}

static char	*last_body(const char *);

/* The body of the fake's last POST /contacts/import. */
static char *
last_import_body(void)
{
	return last_body("/v3/contacts/import");
}

/* The body of the fake's last POST to path. */
static char *
last_body(const char *want)
{
	cJSON		*log, *r;
	const cJSON	*m, *p, *n;
	char		*dir, *path, *buf = NULL;
	int		 last = 0;
	FILE		*f;
	long		 len;

	log = fake_json("brevo", "requests");
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(log, "requests")) {
		m = cJSON_GetObjectItem(r, "method");
		p = cJSON_GetObjectItem(r, "path");
		n = cJSON_GetObjectItem(r, "n");
		if (cJSON_IsString(m) && strcmp(m->valuestring, "POST") == 0 &&
		    cJSON_IsString(p) &&
		    strcmp(p->valuestring, want) == 0)
			last = n->valueint;
	}
	cJSON_Delete(log);
	dir = fake_dir("brevo");
	path = xasprintf("%s/bodies/%07d.body", dir, last);
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

/*
 * Whether the fake's saved request bodies (in dir/bodies) hold needle: 1
 * yes, 0 no, -1 when the scan itself failed (no such folder, say), so that
 * a scan of nothing never passes for a scan that found nothing.
 */
static int
key_in_bodies(const char *dir, const char *needle)
{
	char	*cmd;
	int	 st;

	cmd = xasprintf("grep -rqF -- '%s' '%s/bodies'", needle, dir);
	st = system(cmd);
	free(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return -1;
	return WEXITSTATUS(st) == 0;
}

/* The answer of a submitted batch, decoded in the callback as deliver does. */
struct sent {
	struct dest_session		*s;
	const struct dest_profile	*p;
	size_t				 n;
	struct dest_result		 res[160];	/* a removal's 150 */
	enum dest_verdict		 v;
	long				 status;
	unsigned			 attempts;
	int				 reached;
	char				*msg;
	char				*body;
};

static void
sent_done(const struct http_response *resp, void *arg)
{
	struct sent	*t = arg;

	t->status = resp->status;
	t->attempts = resp->attempts;
	t->reached = resp->reached;
	t->body = xstrndup(resp->body, resp->body_len);
	t->v = sib->decode(t->s, resp, t->p, t->n, t->res, &t->msg);
}

/* Encode and send a batch, with the engine's default retries if asked. */
static int
send_batch_policy(struct dest_session *s, struct http_engine *e,
    const struct dest_profile *p, size_t n, struct sent *t, int dflt)
{
	struct http_request	*req = NULL;
	char			*cause = NULL;
	int			 r;

	memset(t, 0, sizeof *t);
	t->s = s;
	t->p = p;
	t->n = n;
	r = sib->encode(s, "2", p, n, NULL, &req, &cause);
	if (r != 0) {
		diag("encode: %d %s", r, cause != NULL ? cause : "");
		free(cause);
		return -1;
	}
	if (dflt)
		http_request_retry(req, HTTP_RETRY_DEFAULT);
	http_request_callback(req, sent_done, t);
	if (http_submit(e, req, &cause) != 0 || http_drain(e, &cause) != 0) {
		diag("%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
send_batch(struct dest_session *s, struct http_engine *e,
    const struct dest_profile *p, size_t n, struct sent *t)
{
	return send_batch_policy(s, e, p, n, t, 0);
}

/* GET /processes/{job} as the confirmation phase would; its status. */
static char *
poll_process(struct dest_session *s, struct http_engine *e, uint64_t job)
{
	struct http_request	*req;
	struct sent		 t;
	char			*url, *cause = NULL, *status;
	cJSON			*j;
	const cJSON		*st;

	memset(&t, 0, sizeof t);
	url = xasprintf("%s/processes/%llu", s->base_url,
	    (unsigned long long)job);
	req = http_request_new("GET", url);
	free(url);
	http_request_header(req, (const char *)secret_peek(s->auth));
	http_request_callback(req, sent_done, &t);
	t.s = s;
	if (http_submit(e, req, &cause) != 0 || http_drain(e, &cause) != 0) {
		diag("%s", cause);
		free(cause);
		return xstrdup("?");
	}
	j = cJSON_Parse(t.body);
	st = cJSON_GetObjectItem(j, "status");
	status = xstrdup(cJSON_IsString(st) ? st->valuestring : "?");
	cJSON_Delete(j);
	free(t.body);
	free(t.msg);
	dest_results_clear(t.res, 8);
	return status;
}

static void
test_import(const char *base)
{
	struct dest_profile	 p[3];
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct http_request	*req = NULL;
	struct sent		 t;
	unsigned char		 warned[3] = { 9, 9, 9 };
	char			*cause = NULL, *body, *st, *dir, *path;
	cJSON			*state, *c, *a, *pr;
	FILE			*f;
	uint64_t		 job;
	int			 i;

	memset(p, 0, sizeof p);
	p[0].email = "ann@example.com";
	p[0].firstname = "Ann";
	p[0].lastname = "Lee";
	p[0].phone = "+33612345678";
	/* No names, no phone: no attributes at all, never empty strings. */
	p[1].email = "bob@example.org";
	p[2].email = "zoé@example.com";
	p[2].firstname = "Zoé \"Z\"";
	p[2].lastname = "Æbelø\tx";
	p[2].customer_id = "never-sent";

	s = fake_session(sib, base, NULL, "brevo-key", &cause);
	ok(sib->encode(s, "2", p, 3, warned, &req, &cause) == 0 &&
	    req != NULL, "three profiles encode");
	ok(warned[0] == 0 && warned[1] == 0 && warned[2] == 0,
	    "nothing is left out by the driver");
	http_request_free(&req);
	ok(sib->encode(s, "x2", p, 3, NULL, &req, &cause) == -1 &&
	    req == NULL, "a bad target is refused by encode too");
	xfree(&cause);

	ok(send_batch(s, e, p, 3, &t) == 0, "sent to the fake");
	is_int(t.status, 202, "202 accepted");
	body = last_import_body();
	is_str(body, "{\"jsonBody\":["
	    "{\"email\":\"ann@example.com\",\"attributes\":{"
	    "\"FIRSTNAME\":\"Ann\",\"LASTNAME\":\"Lee\","
	    "\"SMS\":\"+33612345678\"}},"
	    "{\"email\":\"bob@example.org\"},"
	    "{\"email\":\"zoé@example.com\",\"attributes\":{"
	    "\"FIRSTNAME\":\"Zoé \\\"Z\\\"\",\"LASTNAME\":\"Æbelø\\u0009x\"}}"
	    "],\"listIds\":[2],\"updateExistingContacts\":true,"
	    "\"emptyContactsAttributes\":false}",
	    "the exact body: UTF-8 kept, escapes, absent fields absent");
	free(body);
	ok(t.v == DEST_BATCH_DONE && !t.res[0].rejected &&
	    !t.res[1].rejected && !t.res[2].rejected && t.msg == NULL,
	    "decoded: every profile accepted for now");
	job = t.res[0].job;
	ok(job > 0 && t.res[1].job == job && t.res[2].job == job,
	    "every profile carries the processId %llu",
	    (unsigned long long)job);
	dest_results_clear(t.res, 3);
	free(t.body);

	state = fake_json("brevo", "state");
	is_int(cJSON_GetObjectItem(state, "contact_count")->valueint, 0,
	    "nothing is applied while the process is queued");
	cJSON_Delete(state);

	/* queued, in_process, then completed (the fake's default polls). */
	for (i = 0; i < 5; i++) {
		st = poll_process(s, e, job);
		if (strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0) {
			free(st);
			break;
		}
		free(st);
	}
	is_int(i, 2, "completed at the third poll");

	state = fake_json("brevo", "state");
	pr = cJSON_GetObjectItem(cJSON_GetObjectItem(state, "processes"),
	    "1");
	ok(pr != NULL && strcmp(cJSON_GetObjectItem(pr, "status")->valuestring,
	    "completed") == 0 && strcmp(cJSON_GetObjectItem(pr,
	    "name")->valuestring, "IMPORTUSER") == 0 &&
	    cJSON_GetObjectItem(pr, "rows")->valueint == 3,
	    "the fake's process: an IMPORTUSER of 3 rows, completed");
	c = cJSON_GetObjectItem(state, "contacts");
	body = cJSON_PrintUnformatted(c);
	is_str(body, "{\"ann@example.com\":{\"attributes\":{"
	    "\"FIRSTNAME\":\"Ann\",\"LASTNAME\":\"Lee\","
	    "\"SMS\":\"+33612345678\"},\"imports\":1,\"listIds\":[2]},"
	    "\"bob@example.org\":{\"attributes\":{},\"imports\":1,"
	    "\"listIds\":[2]},"
	    "\"zoé@example.com\":{\"attributes\":{"
	    "\"FIRSTNAME\":\"Zoé \\\"Z\\\"\","
	    "\"LASTNAME\":\"Æbelø\\tx\"},\"imports\":1,\"listIds\":[2]}}",
	    "contacts, attributes and list membership as data-rules says");
	free(body);
	a = cJSON_GetObjectItem(state, "counts");
	ok(cJSON_GetObjectItem(a, "ignored_attributes")->valueint == 0 &&
	    cJSON_GetObjectItem(a, "invalid_sms")->valueint == 0 &&
	    cJSON_GetObjectItem(a, "invalid_emails")->valueint == 0,
	    "no attribute ignored, no phone or email refused");
	cJSON_Delete(state);

	/* A second import of ann updates without erasing (no empty fields). */
	p[0].firstname = NULL;
	p[0].phone = NULL;
	p[0].lastname = "Lee-Park";
	ok(send_batch(s, e, p, 1, &t) == 0 && t.v == DEST_BATCH_DONE &&
	    t.res[0].job == job + 1, "a second import: the next processId");
	dest_results_clear(t.res, 1);
	free(t.body);
	for (i = 0; i < 3; i++)
		free(poll_process(s, e, job + 1));
	state = fake_json("brevo", "state");
	body = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(state, "contacts"), "ann@example.com"),
	    "attributes"));
	is_str(body, "{\"FIRSTNAME\":\"Ann\",\"LASTNAME\":\"Lee-Park\","
	    "\"SMS\":\"+33612345678\"}",
	    "ann updated, her absent fields kept");
	free(body);
	cJSON_Delete(state);

	/* An unknown list: the whole request is refused. */
	p[0].email = "x@example.com";
	req = NULL;
	ok(sib->encode(s, "99", p, 1, NULL, &req, &cause) == 0, "list 99 "
	    "encodes");
	memset(&t, 0, sizeof t);
	t.s = s;
	t.p = p;
	t.n = 1;
	http_request_callback(req, sent_done, &t);
	ok(http_submit(e, req, &cause) == 0 && http_drain(e, &cause) == 0,
	    "sent");
	ok(t.status == 400 && t.v == DEST_BATCH_FATAL, "400: fatal");
	like(t.msg, "does not exist in this account", "in words");
	free(t.msg);
	free(t.body);

	dir = fake_dir("brevo");
	is_int(key_in_bodies(dir, "brevo-key"), 0,
	    "the key never appears in a request body");
	/* The control: the same scan finds the key once a body holds it. */
	path = xasprintf("%s/bodies/planted.body", dir);
	f = fopen(path, "w");
	ok(f != NULL && fputs("{\"api-key\":\"brevo-key\"}", f) >= 0 &&
	    fclose(f) == 0, "a body holding the key is planted");
	is_int(key_in_bodies(dir, "brevo-key"), 1,
	    "and the scan finds it there");
	unlink(path);
	free(path);
	free(dir);
	dest_session_free(&s);
	http_free(&e);
}

static void
removed_done(const struct http_response *resp, void *arg)
{
	struct sent	*t = arg;

	t->status = resp->status;
	t->body = xstrndup(resp->body, resp->body_len);
	t->v = sib->decode_remove(t->s, resp, t->p, t->n, t->res, &t->msg);
}

/* encode_remove() the n profiles from list, send, decode_remove(). */
static int
send_removal(struct dest_session *s, struct http_engine *e, const char *list,
    const struct dest_profile *p, size_t n, struct sent *t)
{
	struct http_request	*req = NULL;
	char			*cause = NULL;

	memset(t, 0, sizeof *t);
	t->s = s;
	t->p = p;
	t->n = n;
	if (sib->encode_remove(s, list, p, n, &req, &cause) != 0) {
		diag("encode_remove: %s", cause != NULL ? cause : "");
		free(cause);
		return -1;
	}
	http_request_callback(req, removed_done, t);
	if (http_submit(e, req, &cause) != 0 || http_drain(e, &cause) != 0) {
		diag("%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/*
 * Removals against the fake, after test_import() put ann, bob and zoé on
 * list 2: they leave the list and stay contacts; an email Brevo lists as
 * failure (not on the list, no contact) is removed, not rejected.
 */
static void
test_remove(const char *base)
{
	static struct dest_profile	 p[151];
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct http_request	*req = NULL;
	struct sent		 t;
	char			*cause = NULL, *body;
	cJSON			*state, *c;
	int			 i;

	memset(p, 0, sizeof p);
	for (i = 0; i < 151; i++)
		p[i].email = "nobody@example.com";
	p[0].email = "ann@example.com";
	p[1].email = "bob@example.org";
	s = fake_session(sib, base, NULL, "brevo-key", &cause);

	ok(send_removal(s, e, "2", p, 3, &t) == 0, "a removal is sent");
	is_int(t.status, 201, "201");
	body = last_body("/v3/contacts/lists/2/contacts/remove");
	is_str(body, "{\"emails\":[\"ann@example.com\",\"bob@example.org\","
	    "\"nobody@example.com\"]}",
	    "the exact body: the emails, on the list's remove path");
	free(body);
	like(t.body, "\"failure\":[\"nobody@example.com\"]",
	    "Brevo lists the stranger as a failure");
	ok(t.v == DEST_BATCH_DONE && !t.res[0].rejected &&
	    !t.res[1].rejected && !t.res[2].rejected && t.msg == NULL,
	    "every profile removed, the failure too");
	dest_results_clear(t.res, 3);
	free(t.body);

	state = fake_json("brevo", "state");
	c = cJSON_GetObjectItem(state, "contacts");
	body = cJSON_PrintUnformatted(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c, "ann@example.com"), "listIds"));
	is_str(body, "[]", "ann left list 2");
	free(body);
	body = cJSON_PrintUnformatted(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c, "zoé@example.com"), "listIds"));
	is_str(body, "[2]", "zoé, not removed, stays on it");
	free(body);
	ok(cJSON_GetObjectItem(c, "bob@example.org") != NULL,
	    "bob is still a contact: only his membership went");
	cJSON_Delete(state);

	ok(send_removal(s, e, "2", p, 1, &t) == 0 && t.status == 201 &&
	    t.v == DEST_BATCH_DONE && !t.res[0].rejected,
	    "removing ann again: in failure, and removed all the same");
	dest_results_clear(t.res, 1);
	free(t.body);
	free(t.msg);

	ok(send_removal(s, e, "99", p, 1, &t) == 0 && t.status == 404 &&
	    t.v == DEST_BATCH_FATAL, "an unknown list: 404, fatal");
	like(t.msg, "list does not exist in this account", "in words");
	free(t.msg);
	free(t.body);

	ok(sib->encode_remove(s, "2", p, 151, &req, &cause) == -1 &&
	    req == NULL, "151 emails are more than a removal takes");
	like(cause, "150", "saying how many it takes");
	xfree(&cause);
	ok(sib->encode_remove(s, "x", p, 1, &req, &cause) == -1 &&
	    req == NULL, "a bad list ID is refused");
	xfree(&cause);
	ok(send_removal(s, e, "2", p, 150, &t) == 0 && t.status == 201 &&
	    t.v == DEST_BATCH_DONE, "150 emails go in one request");
	dest_results_clear(t.res, 8);
	free(t.body);
	free(t.msg);
	dest_session_free(&s);
	http_free(&e);
}

/* Requests the fake answered on endpoint ("POST /contacts/import"). */
static int
endpoint_count(const char *endpoint)
{
	cJSON		*st;
	const cJSON	*e, *v;
	int		 n = 0;

	st = fake_json("brevo", "stats");
	e = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "by_endpoint"),
	    endpoint);
	cJSON_ArrayForEach(v, e)
		n += v->valueint;
	cJSON_Delete(st);
	return n;
}

/*
 * An import is sent once: the engine retries only what never reached
 * Brevo, and never on a reused connection that libcurl would silently
 * send again on. Against the fake's fault injection.
 */
static void
test_retry_policy(const char *base)
{
	struct dest_profile	 p[2];
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct sent		 t;
	char			*cause = NULL, *url;
	int			 before;

	memset(p, 0, sizeof p);
	p[0].email = "r1@example.com";
	p[1].email = "r2@example.com";
	s = fake_session(sib, base, NULL, "brevo-key", &cause);

	/* A 503: Brevo may have queued it; not sent again. */
	cJSON_Delete(fake_json("brevo", "reset"));
	fake_config("brevo", "{\"faults\": {\"fail_every\": 1, "
	    "\"fail_status\": 503}}");
	ok(send_batch(s, e, p, 2, &t) == 0 && t.status == 503, "a 503");
	is_int(t.attempts, 1, "one attempt (the engine allows 2)");
	is_int(endpoint_count("POST /contacts/import"), 1,
	    "the fake saw one POST");
	ok(t.v == DEST_BATCH_DONE && t.res[0].rejected && t.res[1].rejected &&
	    !t.res[0].resend, "both profiles rejected, none to resend");
	like(t.res[0].reason, "does not send an import twice", "in words");
	dest_results_clear(t.res, 2);
	free(t.body);
	free(t.msg);
	ok(send_batch_policy(s, e, p, 2, &t, 1) == 0 && t.attempts == 2 &&
	    endpoint_count("POST /contacts/import") == 3,
	    "the default policy would have sent it twice");
	dest_results_clear(t.res, 2);
	free(t.body);
	free(t.msg);

	/*
	 * Every second request applied, then its connection closed without
	 * an answer. Under the default policy the second import goes out on
	 * the first one's kept-alive connection, and libcurl itself sends it
	 * again on a new one: one batch, two processes.
	 */
	cJSON_Delete(fake_json("brevo", "reset"));
	fake_config("brevo", "{\"faults\": {\"fail_every\": 0, "
	    "\"drop_every\": 2, \"drop_mode\": \"after\"}}");
	ok(send_batch_policy(s, e, p, 1, &t, 1) == 0 && t.status == 202,
	    "default policy: the first import");
	dest_results_clear(t.res, 1);
	free(t.body);
	ok(send_batch_policy(s, e, p + 1, 1, &t, 1) == 0 && t.status == 202,
	    "the second, applied and dropped, seems fine");
	dest_results_clear(t.res, 1);
	free(t.body);
	is_int(fake_number("brevo", "state.counts.imports_accepted"), 3,
	    "but Brevo queued it twice: three processes for two batches");

	cJSON_Delete(fake_json("brevo", "reset"));
	before = endpoint_count("POST /contacts/import");
	ok(send_batch(s, e, p, 1, &t) == 0 && t.status == 202,
	    "safe policy: the first import");
	dest_results_clear(t.res, 1);
	free(t.body);
	ok(send_batch(s, e, p + 1, 1, &t) == 0 && t.status == 0 &&
	    t.reached && t.attempts == 1, "the second: no answer, reached, "
	    "one attempt");
	ok(t.v == DEST_BATCH_DONE && t.res[0].rejected, "its profile is "
	    "rejected");
	like(t.res[0].reason, "may or may not have been imported", "said");
	dest_results_clear(t.res, 1);
	free(t.body);
	free(t.msg);
	is_int(endpoint_count("POST /contacts/import") - before, 2,
	    "two POSTs for two batches");
	is_int(fake_number("brevo", "state.counts.imports_accepted"), 2,
	    "two processes");
	fake_config("brevo", "{\"faults\": {\"drop_every\": 0}}");
	dest_session_free(&s);

	/* Nobody listening: provably never reached, so retried. */
	url = xasprintf("http://127.0.0.1:%d/v3", dead_port());
	s = fake_session(sib, url, NULL, "brevo-key", &cause);
	ok(send_batch(s, e, p, 1, &t) == 0 && t.attempts == 2 &&
	    !t.reached, "refused: retried (2 attempts), not reached");
	ok(t.v == DEST_BATCH_RETRY, "and the batch may be sent later");
	like(t.msg, "could not connect", "in words");
	free(t.msg);
	free(t.body);
	free(url);
	dest_session_free(&s);
	http_free(&e);
}

/* The state a job came to, as a word, for messages. */
static const char *
job_state(const struct dest_job *j)
{
	switch (j->state) {
	case DEST_JOB_PENDING:
		return "pending";
	case DEST_JOB_DONE:
		return "done";
	case DEST_JOB_FAILED:
		break;
	}
	return "failed";
}

/* confirm() rounds until none of the n jobs is pending (at most 10). */
static int
confirm_rounds(struct dest_session *s, struct http_engine *e,
    struct dest_job *jobs, size_t n)
{
	struct dest_job	*pj = xcalloc(n, sizeof *pj);
	size_t		*idx = xcalloc(n, sizeof *idx), i, np;
	char		*msg = NULL;
	int		 rounds = 0;

	for (;;) {
		for (i = np = 0; i < n; i++) {
			if (jobs[i].state != DEST_JOB_PENDING)
				continue;
			pj[np].id = jobs[i].id;
			idx[np++] = i;
		}
		if (np == 0 || rounds == 10)
			break;
		rounds++;
		if (sib->confirm(s, e, pj, np, &msg) != DEST_OK) {
			diag("confirm: %s", msg != NULL ? msg : "?");
			xfree(&msg);
			break;
		}
		for (i = 0; i < np; i++) {
			if (pj[i].state != DEST_JOB_PENDING) {
				jobs[idx[i]] = pj[i];
				memset(&pj[i], 0, sizeof pj[i]);
			} else
				dest_job_clear(&pj[i]);
		}
	}
	free(pj);
	free(idx);
	return rounds;
}

static void
test_confirm(const char *base)
{
	struct dest_driver	 fast;
	struct dest_profile	 p[3];
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct dest_job		 jobs[60];
	struct sent		 t;
	char			*cause = NULL, email[64];
	int			 i, lists, singles, rounds;
	int64_t			 now;
	struct timespec		 ts;

	cJSON_Delete(fake_json("brevo", "reset"));
	fake_config("brevo", "{\"brevo\": {\"invalid_email_pattern\": "
	    "\"(?i)@bounce\\\\.example$\", \"process\": {\"fail\": [2], "
	    "\"cancel\": [3]}}}");
	s = fake_session(sib, base, NULL, "brevo-key", &cause);
	memset(p, 0, sizeof p);
	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < 4; i++) {
		snprintf(email, sizeof email, "c%d@example.com", i);
		p[0].email = email;
		p[1].email = i == 0 ? "Bad.One@Bounce.Example" :
		    "x@example.com";
		ok(send_batch(s, e, p, 2, &t) == 0 && t.res[0].job > 0,
		    "import %d queued", i + 1);
		jobs[i].id = t.res[0].job;
		dest_results_clear(t.res, 2);
		free(t.body);
	}
	jobs[4].id = 999;

	rounds = confirm_rounds(s, e, jobs, 5);
	is_int(rounds, 3, "three rounds (the fake moves on each reading)");
	ok(jobs[0].state == DEST_JOB_DONE && jobs[3].state == DEST_JOB_DONE,
	    "imports 1 and 4 completed (%s, %s)", job_state(&jobs[0]),
	    job_state(&jobs[3]));
	ok(jobs[0].report != NULL && jobs[0].report_len ==
	    strlen("bad.one@bounce.example") + 1 &&
	    strcmp(jobs[0].report, "bad.one@bounce.example") == 0,
	    "import 1's report of invalid emails, read and normalised");
	like(jobs[0].report_reason, "process 1 found the email address "
	    "invalid", "with the reason, naming the process");
	ok(jobs[3].report == NULL && jobs[3].warning == NULL,
	    "import 4 has no report");
	is_int(jobs[1].state, DEST_JOB_FAILED, "import 2 failed");
	is_str(jobs[1].reason, "Brevo's import process 2 failed, so the "
	    "contact was not imported.", "in words, naming the process");
	is_int(jobs[2].state, DEST_JOB_FAILED, "import 3 was cancelled");
	like(jobs[2].reason, "process 3 was cancelled", "in words");
	is_int(jobs[4].state, DEST_JOB_FAILED, "process 999 is unknown");
	like(jobs[4].reason, "Brevo does not know import process 999 (404: "
	    "processId is invalid)", "in words");
	lists = endpoint_count("GET /processes");
	singles = endpoint_count("GET /processes/{id}");
	is_int(lists, 3, "one GET /processes a round for the five");
	is_int(singles, 1, "and one GET /processes/999: it was not listed");
	for (i = 0; i < 5; i++)
		dest_job_clear(&jobs[i]);

	/* One pending process: GET /processes/{id}. */
	jobs[0].id = 4;
	ok(sib->confirm(s, e, jobs, 1, &cause) == DEST_OK &&
	    jobs[0].state == DEST_JOB_DONE && endpoint_count(
	    "GET /processes/{id}") == singles + 1 && endpoint_count(
	    "GET /processes") == lists, "one job: GET /processes/4 alone");
	dest_job_clear(&jobs[0]);
	dest_session_free(&s);

	/*
	 * 57 processes: two pages a round. Imports go fast on a copy of the
	 * driver, as the fake is told.
	 */
	cJSON_Delete(fake_json("brevo", "reset"));
	fake_config("brevo", "{\"rate_limits\": {\"brevo_contacts\": "
	    "[{\"limit\": 1000, \"window\": 1}]}, \"brevo\": {\"process\": "
	    "{\"fail\": [], \"cancel\": []}}}");
	fast = *sib;
	fast.limits.rate.limit = 1000;
	s = fake_session(&fast, base, NULL, "brevo-key", &cause);
	p[0].email = "page@example.com";
	for (i = 0; i < 57; i++) {
		send_batch(s, e, p, 1, &t);
		memset(&jobs[i], 0, sizeof jobs[i]);
		jobs[i].id = t.res[0].job;
		dest_results_clear(t.res, 1);
		free(t.body);
	}
	ok(jobs[0].id == 1 && jobs[56].id == 57, "57 processes");
	ok(sib->confirm(s, e, jobs, 57, &cause) == DEST_OK &&
	    endpoint_count("GET /processes") == 2, "one round: two pages");
	rounds = confirm_rounds(s, e, jobs, 57);
	ok(rounds == 2 && endpoint_count("GET /processes") == 6 &&
	    endpoint_count("GET /processes/{id}") == 0 &&
	    jobs[0].state == DEST_JOB_DONE && jobs[56].state == DEST_JOB_DONE,
	    "two more rounds of two pages: all completed");
	for (i = 0; i < 57; i++) {
		dest_job_clear(&jobs[i]);
		jobs[i].state = DEST_JOB_PENDING;
	}

	/*
	 * With one request left in the hourly budget, a round reads one
	 * page and stops rather than wait: the second page's jobs stay
	 * pending, unread.
	 */
	dest_session_free(&s);
	s = fake_session(&fast, base, NULL, "brevo-key", &cause);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	for (i = 0; i < 9; i++)
		ratelimit_take(s->other_limiter, now);
	lists = endpoint_count("GET /processes");
	ok(sib->confirm(s, e, jobs, 57, &cause) == DEST_OK &&
	    endpoint_count("GET /processes") == lists + 1,
	    "one request left: one page");
	ok(jobs[56].state == DEST_JOB_DONE && jobs[7].state == DEST_JOB_DONE &&
	    jobs[6].state == DEST_JOB_PENDING &&
	    jobs[0].state == DEST_JOB_PENDING,
	    "the 50 newest read, the 7 oldest left for the next round");
	for (i = 0; i < 57; i++)
		dest_job_clear(&jobs[i]);
	fake_config("brevo", "{\"rate_limits\": {\"brevo_contacts\": "
	    "[{\"limit\": 10, \"window\": 1}, {\"limit\": 36000, "
	    "\"window\": 3600}]}}");
	dest_session_free(&s);
	http_free(&e);
}

static void
test_split(const char *base)
{
	struct dest_driver	 small;
	struct dest_profile	 p[3];
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct http_request	*req = NULL;
	struct sent		 t;
	char			*cause = NULL;
	static char		 longname[400];

	memset(p, 0, sizeof p);
	p[0].email = "a1@example.com";
	p[1].email = "a2@example.com";
	p[2].email = "a3@example.com";

	/* The driver's own limit, made small on a copy of the driver. */
	small = *sib;
	small.limits.max_request_bytes = 160;
	s = fake_session(&small, base, NULL, "brevo-key", &cause);
	is_int(small.encode(s, "2", p, 3, NULL, &req, &cause), 1,
	    "three profiles pass 160 bytes: split, nothing built");
	ok(req == NULL && cause == NULL, "nothing allocated, no cause");
	http_request_free(&req);
	is_int(small.encode(s, "2", p, 1, NULL, &req, &cause), 0,
	    "one profile fits");
	http_request_free(&req);
	memset(longname, 'x', sizeof longname - 1);
	p[0].firstname = longname;
	is_int(small.encode(s, "2", p, 1, NULL, &req, &cause), -1,
	    "one profile too large alone: an error");
	like(cause, "more than Sendinblue's 160 bytes", "in words");
	xfree(&cause);
	p[0].firstname = NULL;
	dest_session_free(&s);

	/* Brevo's own limit: a 400 about the body size splits too. */
	fake_config("brevo", "{\"brevo\": {\"import_max_bytes\": 150}}");
	s = fake_session(sib, base, NULL, "brevo-key", &cause);
	ok(send_batch(s, e, p, 3, &t) == 0, "three profiles sent");
	ok(t.status == 400 && t.v == DEST_BATCH_SPLIT && t.msg == NULL,
	    "the fake's 400 on size: split");
	free(t.body);
	ok(send_batch(s, e, p, 1, &t) == 0 && t.status == 202 &&
	    t.v == DEST_BATCH_DONE && t.res[0].job > 0,
	    "one profile goes through");
	dest_results_clear(t.res, 1);
	free(t.body);
	fake_config("brevo", "{\"brevo\": {\"import_max_bytes\": 10000000}}");
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
	test_target_check();
	test_decode();
	test_decode_remove();

	cfgpath = xasprintf("%s/brevo.json", tap_tmpdir());
	f = fopen(cfgpath, "w");
	fputs("{\"brevo\": {\"keys\": {\"brevo-key\": {}, "
	    "\"revoked-key\": {\"revoke_after\": 0}},"
	    "\"lists\": [{\"id\": 2, \"name\": \"Newsletter\", \"size\": 41},"
	    "{\"id\": 7, \"name\": \"Clients été\", \"size\": 1, "
	    "\"folderId\": 3}],"
	    "\"folders\": [{\"id\": 1, \"name\": \"Marketing\"},"
	    "{\"id\": 3, \"name\": \"Boutiques\"}]}}", f);
	fclose(f);
	args = xasprintf("--dest brevo --record-bodies --config %s", cfgpath);
	base = fake_start("brevo", args);
	test_credentials(base);
	test_verify(base);
	test_import(base);
	test_remove(base);
	test_split(base);
	test_retry_policy(base);
	test_confirm(base);
	ok(fake_number("brevo", "stats.over_limit") == 0,
	    "the fake never saw a request over its rate limits");
	free(base);
	free(args);
	free(cfgpath);
	return done_testing();
}
