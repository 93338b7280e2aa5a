/*
 * The HTTP engine against a real loopback server (tests/unit/http_stub.py,
 * run with $PYTHON3): concurrency, reuse, retries, timeouts, 429s, rate
 * limits, the body cap, the URL policy, redaction and counters.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/xmalloc.h"
#include "dest/dest.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "tap.h"

static pid_t	stub_pid;
static int	stub_port;

/* What a completion callback saw, copied. */
struct result {
	int			done;
	enum http_outcome	outcome;
	long			status;
	char			*error;
	char			*body;
	unsigned		attempts;
	unsigned		throttled;
	double			total_s;
};

static void
result_clear(struct result *r)
{
	free(r->error);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static void
on_done(const struct http_response *resp, void *arg)
{
	struct result	*r = arg;

	r->done++;
	r->outcome = resp->outcome;
	r->status = resp->status;
	free(r->error);
	r->error = resp->error != NULL ? xstrdup(resp->error) : NULL;
	free(r->body);
	r->body = xstrndup(resp->body, resp->body_len);
	r->attempts = resp->attempts;
	r->throttled = resp->throttled;
	r->total_s = resp->total_s;
}

static void
stub_stop(void)
{
	if (stub_pid > 0) {
		kill(stub_pid, SIGTERM);
		waitpid(stub_pid, NULL, 0);
		stub_pid = 0;
	}
}

static void
stub_start(void)
{
	const char	*py, *top;
	char		 script[4096], portfile[4200];
	FILE		*f;
	int		 i;

	py = getenv("PYTHON3");
	if (py == NULL || *py == '\0' || access(py, X_OK) != 0)
		fail_all("python3 is missing (PYTHON3 is not set)");
	top = getenv("top_srcdir");
	if (top == NULL)
		top = ".";
	snprintf(script, sizeof script, "%s/tests/unit/http_stub.py", top);
	snprintf(portfile, sizeof portfile, "%s/port", tap_tmpdir());

	stub_pid = fork();
	if (stub_pid == -1) {
		perror("fork");
		exit(99);
	}
	if (stub_pid == 0) {
		execl(py, py, script, portfile, (char *)NULL);
		_exit(127);
	}
	atexit(stub_stop);
	for (i = 0; i < 500; i++) {
		f = fopen(portfile, "r");
		if (f != NULL) {
			if (fscanf(f, "%d", &stub_port) != 1)
				stub_port = 0;
			fclose(f);
			if (stub_port > 0)
				return;
		}
		if (waitpid(stub_pid, NULL, WNOHANG) == stub_pid) {
			stub_pid = 0;
			printf("Bail out! the test server did not start\n");
			exit(99);
		}
		poll(NULL, 0, 20);
	}
	printf("Bail out! the test server wrote no port\n");
	exit(99);
}

static char *
url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", stub_port, path);
}

/* A config with small waits so the whole test stays short. */
static void
test_config(struct http_config *cfg)
{
	http_config_defaults(cfg);
	cfg->backoff_base_ms = 20;
	cfg->backoff_cap_ms = 100;
	cfg->timeout_ms = 5000;
	cfg->connect_timeout_ms = 2000;
}

static struct http_engine *
engine(const struct http_config *cfg)
{
	struct http_engine	*e;
	char			*cause = NULL;

	e = http_new(cfg, &cause);
	if (e == NULL) {
		printf("Bail out! %s\n", cause);
		exit(99);
	}
	return e;
}

static void
submit(struct http_engine *e, const char *method, const char *path,
    struct ratelimit *rl, struct result *r)
{
	struct http_request	*req;
	char			*u, *cause = NULL;

	u = url(path);
	req = http_request_new(method, u);
	free(u);
	http_request_limiter(req, rl);
	http_request_callback(req, on_done, r);
	if (http_submit(e, req, &cause) != 0) {
		printf("Bail out! submit %s: %s\n", path, cause);
		exit(99);
	}
}

static void
drain(struct http_engine *e)
{
	char	*cause = NULL;

	if (http_drain(e, &cause) != 0) {
		printf("Bail out! drain: %s\n", cause);
		exit(99);
	}
}

/* One request on a fresh default-ish engine, drained. */
static void
run1(const struct http_config *cfg, const char *path, struct ratelimit *rl,
    struct result *r)
{
	struct http_engine	*e;

	e = engine(cfg);
	submit(e, "GET", path, rl, r);
	drain(e);
	http_free(&e);
}

/* The server's record for key, parsed (cJSON_Delete it). */
static cJSON *
stats(const char *key)
{
	struct http_config	 cfg;
	struct result		 r = { 0 };
	char			*path;
	cJSON			*j;

	test_config(&cfg);
	path = xasprintf("/stats?key=%s", key);
	run1(&cfg, path, NULL, &r);
	free(path);
	j = cJSON_Parse(r.body != NULL ? r.body : "");
	result_clear(&r);
	if (j == NULL) {
		printf("Bail out! bad /stats answer\n");
		exit(99);
	}
	return j;
}

static int
stat_int(const char *key, const char *field)
{
	cJSON	*j;
	int	 v;

	j = stats(key);
	v = cJSON_GetObjectItem(j, field)->valueint;
	cJSON_Delete(j);
	return v;
}

/* Arrival times of key, into a (at most max), returns the count. */
static int
arrivals(const char *key, double *a, int max)
{
	cJSON	*j, *it;
	int	 n = 0;

	j = stats(key);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "arrivals")) {
		if (n < max)
			a[n++] = it->valuedouble;
	}
	cJSON_Delete(j);
	return n;
}

static void
test_url_policy(void)
{
	static const struct {
		const char	*url;
		const char	*want;	/* NULL: accepted */
	} t[] = {
		{ "https://rest.iad-01.braze.com", NULL },
		{ "https://api.brevo.com/v3/contacts?limit=10", NULL },
		{ "http://127.0.0.1:8443/x", NULL },
		{ "http://127.1.2.3/", NULL },
		{ "http://localhost:9/", NULL },
		{ "http://LOCALHOST/", NULL },
		{ "http://[::1]:8080/", NULL },
		{ "http://example.com/", "http:// is only allowed for loopback "
		    "hosts (127.0.0.0/8, ::1, localhost); use https:// for "
		    "example.com." },
		{ "http://128.0.0.1/", "use https:// for 128.0.0.1" },
		{ "http://localhost.example.com/", "loopback" },
		{ "http://[::2]/", "loopback" },
		{ "https://user:pass@api.brevo.com/", "user name or password" },
		{ "https://user@api.brevo.com/", "user name or password" },
		{ "https://api.brevo.com/v3#frag", "fragment" },
		{ "ftp://127.0.0.1/", "not an http:// or https:// URL" },
		{ "file:///etc/passwd", "https://" },
		{ "not a url", "not a valid URL" },
		{ "", "not a valid URL" },
	};
	struct http_config	 cfg;
	struct http_engine	*e;
	struct http_counters	 c;
	struct http_request	*req;
	char			*cause;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		rc = http_url_check(t[i].url, &cause);
		if (t[i].want == NULL)
			ok(rc == 0, "URL policy accepts %s", t[i].url);
		else {
			ok(rc == -1, "URL policy refuses \"%s\"", t[i].url);
			like(cause, t[i].want, "with a reason");
		}
		free(cause);
	}

	test_config(&cfg);
	e = engine(&cfg);
	req = http_request_new("GET", "http://example.com/");
	cause = NULL;
	is_int(http_submit(e, req, &cause), -1,
	    "http_submit refuses http:// to a non-loopback host");
	like(cause, "use https:// for example.com", "and says why");
	free(cause);
	req = http_request_new("GET", "https://u:p@127.0.0.1/");
	cause = NULL;
	is_int(http_submit(e, req, &cause), -1,
	    "http_submit refuses credentials in the URL");
	free(cause);
	http_counters(e, &c);
	ok(c.submitted == 0 && c.sent == 0 && http_pending(e) == 0,
	    "no request was made");
	/* An origin once accepted: what follows it is still checked. */
	req = http_request_new("GET", "http://127.0.0.1:9/a?b=1");
	is_int(http_submit(e, req, &cause), 0, "a loopback URL is taken");
	req = http_request_new("GET", "http://127.0.0.1:9/a#frag");
	is_int(http_submit(e, req, &cause), -1, "the same origin with a "
	    "fragment is still refused");
	xfree(&cause);
	req = http_request_new("GET", "http://127.0.0.1:9@example.com/");
	is_int(http_submit(e, req, &cause), -1, "so is a longer authority "
	    "that starts the same");
	xfree(&cause);
	req = http_request_new("GET", "http://127.0.0.1:99/");
	is_int(http_submit(e, req, &cause), 0, "another port is parsed on its "
	    "own");
	http_free(&e);
	ok(e == NULL, "http_free clears the pointer");
}

static void
test_describe(void)
{
	char	*s;

	s = http_describe_failure(CURLE_PEER_FAILED_VERIFICATION,
	    "api.example.com", 443, 0, 1, 0,
	    "SSL certificate problem: unable to get local issuer certificate");
	is_str(s, "TLS certificate of api.example.com could not be verified: "
	    "SSL certificate problem: unable to get local issuer certificate",
	    "TLS failure in words");
	free(s);
	s = http_describe_failure(CURLE_OPERATION_TIMEDOUT, "api.example.com",
	    443, 0, 1, 30000, NULL);
	is_str(s, "the server at api.example.com:443 did not answer within 30 "
	    "seconds", "time-out in words");
	free(s);
	s = http_describe_failure(CURLE_COULDNT_CONNECT, "127.0.0.1", 8443,
	    ECONNREFUSED, 0, 0, "Failed to connect");
	is_str(s, "could not connect to 127.0.0.1:8443: connection refused",
	    "refused connection in words");
	free(s);
	s = http_describe_status(401, "rest.iad-01.braze.com");
	is_str(s, "rest.iad-01.braze.com refused the credentials (401 "
	    "Unauthorized)", "401 in words");
	free(s);
	ok(http_retryable_status(503) && http_retryable_status(500) &&
	    !http_retryable_status(400) && !http_retryable_status(401) &&
	    !http_retryable_status(404) && !http_retryable_status(413) &&
	    !http_retryable_status(429), "which statuses are retried");
	ok(http_retryable_code(CURLE_GOT_NOTHING) &&
	    http_retryable_code(CURLE_COULDNT_CONNECT) &&
	    !http_retryable_code(CURLE_PEER_FAILED_VERIFICATION) &&
	    !http_retryable_code(CURLE_COULDNT_RESOLVE_HOST),
	    "which transfer errors are retried");
}

static void
test_basic(void)
{
	struct http_config	cfg;
	struct result		r = { 0 };

	test_config(&cfg);
	run1(&cfg, "/ok", NULL, &r);
	is_int(r.done, 1, "/ok: the callback ran once");
	ok(r.outcome == HTTP_DONE && r.status == 200 && r.error == NULL,
	    "/ok: 200 without an error");
	is_str(r.body, "ok\n", "/ok: the body");
	is_int(r.attempts, 1, "/ok: one attempt");
	result_clear(&r);

	run1(&cfg, "/redirect", NULL, &r);
	is_int(r.status, 302, "a redirect is returned, not followed");
	like(r.error, "to https://elsewhere.example/, which is not followed",
	    "and named");
	result_clear(&r);
}

static void
test_concurrency(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	struct result		 r[12];
	cJSON			*j, *it;
	int			 i, k, nports = 0, ports[12], seen, good = 1;

	test_config(&cfg);
	cfg.max_transfers = 4;
	e = engine(&cfg);
	memset(r, 0, sizeof r);
	for (i = 0; i < 12; i++)
		submit(e, "GET", "/slow?ms=150&key=conc", NULL, &r[i]);
	drain(e);
	http_free(&e);
	for (i = 0; i < 12; i++) {
		good &= r[i].done == 1 && r[i].status == 200;
		result_clear(&r[i]);
	}
	ok(good, "12 requests, 4 at a time: all done");

	j = stats("conc");
	k = cJSON_GetObjectItem(j, "max_active")->valueint;
	ok(k <= 4, "the server never saw more than 4 at once (%d)", k);
	ok(k >= 2, "and did see several at once (%d)", k);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "ports")) {
		seen = 0;
		for (i = 0; i < nports; i++)
			seen |= ports[i] == it->valueint;
		if (!seen && nports < 12)
			ports[nports++] = it->valueint;
	}
	cJSON_Delete(j);
	ok(nports <= 4, "connections are reused: %d for 12 requests", nports);
}

static void
test_retries(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	struct http_counters	 c;
	struct result		 r = { 0 };
	static const int	 codes[] = { 400, 401, 403, 404, 413 };
	char			 path[64], key[32];
	size_t			 i;
	int			 s;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			*u, *want, *cause = NULL;
	struct http_request	*req;

	test_config(&cfg);
	e = engine(&cfg);
	submit(e, "GET", "/503-then-200?n=2&key=r503", NULL, &r);
	drain(e);
	http_counters(e, &c);
	http_free(&e);
	ok(r.status == 200 && r.error == NULL, "503, 503, then 200: success");
	is_int(r.attempts, 3, "after three attempts");
	is_int(c.retries, 2, "counted as two retries");
	is_int(stat_int("r503", "count"), 3, "the server saw three");
	result_clear(&r);

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		snprintf(path, sizeof path, "/status/%d?key=st%d", codes[i],
		    codes[i]);
		snprintf(key, sizeof key, "st%d", codes[i]);
		run1(&cfg, path, NULL, &r);
		ok(r.outcome == HTTP_DONE && r.status == codes[i] &&
		    r.attempts == 1 && stat_int(key, "count") == 1,
		    "%d is not retried", codes[i]);
		ok(r.error != NULL, "%d comes with a sentence: %s", codes[i],
		    r.error ? r.error : "(none)");
		result_clear(&r);
	}

	run1(&cfg, "/503-then-200?n=99&key=r503x", NULL, &r);
	is_int(r.status, 503, "endless 503: the last status is given");
	like(r.error, "gave up after 6 attempts", "after max_attempts");
	is_int(stat_int("r503x", "count"), 6, "the server saw six");
	result_clear(&r);

	run1(&cfg, "/drop-first?n=1&key=drop", NULL, &r);
	ok(r.status == 200 && r.attempts == 2,
	    "a dropped connection is retried (%u attempts)", r.attempts);
	result_clear(&r);

	cfg.timeout_ms = 300;
	cfg.max_attempts = 2;
	run1(&cfg, "/slow?ms=1500&key=tmo", NULL, &r);
	ok(r.outcome == HTTP_FAILED && r.status == 0, "time-out: failed");
	like(r.error, "did not answer within 0.3 seconds",
	    "time-out in words");
	like(r.error, "gave up after 2 attempts", "after retrying");
	is_int(stat_int("tmo", "count"), 2, "the server saw two");
	result_clear(&r);

	/* A port nobody listens on. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&sin, sizeof sin);
	getsockname(s, (struct sockaddr *)&sin, &len);
	close(s);
	test_config(&cfg);
	cfg.max_attempts = 3;
	e = engine(&cfg);
	u = xasprintf("http://127.0.0.1:%d/", ntohs(sin.sin_port));
	req = http_request_new("GET", u);
	free(u);
	http_request_callback(req, on_done, &r);
	http_submit(e, req, &cause);
	drain(e);
	http_free(&e);
	want = xasprintf("could not connect to 127.0.0.1:%d: connection "
	    "refused; gave up after 3 attempts", ntohs(sin.sin_port));
	is_str(r.error, want, "refused connection: retried, then in words");
	free(want);
	result_clear(&r);
}

static void
test_throttling(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	struct http_counters	 c;
	struct ratelimit_config	 rc;
	struct ratelimit	*rl;
	struct result		 r = { 0 }, rs[7];
	double			 a[16];
	cJSON			*j;
	int			 i, n, good;
	double			 reset;

	test_config(&cfg);
	memset(&rc, 0, sizeof rc);
	rc.headers = dest_find("braze")->limits.rate.headers;
	rl = ratelimit_new(&rc);
	e = engine(&cfg);
	submit(e, "GET", "/429-braze?key=t429a", rl, &r);
	drain(e);
	http_counters(e, &c);
	http_free(&e);
	ratelimit_free(&rl);
	ok(r.status == 200 && r.attempts == 2 && r.throttled == 1,
	    "Braze 429: sent again and done");
	j = stats("t429a");
	reset = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "resets"), 0)->
	    valuedouble;
	n = arrivals("t429a", a, 16);
	cJSON_Delete(j);
	ok(n == 2 && a[1] >= reset, "the retry came at or after the epoch "
	    "reset (%.3f >= %.0f)", n == 2 ? a[1] : 0.0, reset);
	ok(c.throttled == 1 && c.retries == 0 && c.failed == 0,
	    "counted as throttling, not a failure or a retry");
	result_clear(&r);

	rc.headers = dest_find("sendinblue")->limits.rate.headers;
	rl = ratelimit_new(&rc);
	e = engine(&cfg);
	submit(e, "GET", "/429-brevo?reset=1&key=t429b", rl, &r);
	drain(e);
	http_free(&e);
	ratelimit_free(&rl);
	n = arrivals("t429b", a, 16);
	ok(r.status == 200 && n == 2 && a[1] - a[0] >= 1.0,
	    "Brevo 429: waited the relative reset (%.3f s)",
	    n == 2 ? a[1] - a[0] : 0.0);
	result_clear(&r);

	run1(&cfg, "/429-retry-after?s=1&key=t429r", NULL, &r);
	n = arrivals("t429r", a, 16);
	ok(r.status == 200 && n == 2 && a[1] - a[0] >= 1.0,
	    "429 with Retry-After: waited it (%.3f s)",
	    n == 2 ? a[1] - a[0] : 0.0);
	result_clear(&r);

	cfg.max_throttled = 3;
	run1(&cfg, "/429-always?key=t429x", NULL, &r);
	ok(r.outcome == HTTP_FAILED && r.status == 429 && r.attempts == 4,
	    "endless 429s are bounded (%u attempts)", r.attempts);
	like(r.error, "kept answering 429 Too Many Requests", "in words");
	result_clear(&r);

	/* The server's budget: 3 per window, sequential requests. */
	test_config(&cfg);
	cfg.max_transfers = 1;
	rc.headers = dest_find("braze")->limits.rate.headers;
	rl = ratelimit_new(&rc);
	e = engine(&cfg);
	memset(rs, 0, sizeof rs);
	for (i = 0; i < 7; i++)
		submit(e, "GET", "/ratelimit-braze?limit=3&window=1&key=bb",
		    rl, &rs[i]);
	drain(e);
	http_free(&e);
	ratelimit_free(&rl);
	good = 1;
	for (i = 0; i < 7; i++) {
		good &= rs[i].status == 200;
		result_clear(&rs[i]);
	}
	ok(good, "Braze budget of 3: all 7 done");
	is_int(stat_int("bb", "throttled"), 0,
	    "remaining 0 held the requests: no 429 (epoch reset)");

	rc.headers = dest_find("sendinblue")->limits.rate.headers;
	rl = ratelimit_new(&rc);
	e = engine(&cfg);
	for (i = 0; i < 7; i++)
		submit(e, "GET", "/ratelimit-brevo?limit=3&window=1&key=bv",
		    rl, &rs[i]);
	drain(e);
	http_counters(e, &c);
	http_free(&e);
	ratelimit_free(&rl);
	good = 1;
	for (i = 0; i < 7; i++) {
		good &= rs[i].status == 200;
		result_clear(&rs[i]);
	}
	ok(good, "Brevo budget of 3: all 7 done");
	is_int(stat_int("bv", "throttled"), 0,
	    "remaining 0 held the requests: no 429 (relative reset)");
	ok(c.rate_waits >= 1 && c.rate_wait_s > 0.5,
	    "rate-limit waits are counted (%llu, %.2f s)",
	    (unsigned long long)c.rate_waits, c.rate_wait_s);
}

static void
test_token_bucket(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	struct ratelimit_config	 rc;
	struct ratelimit	*rl;
	struct result		 r[15];
	double			 a[32];
	int			 i, j, n, most = 0, good = 1;

	test_config(&cfg);
	memset(&rc, 0, sizeof rc);
	rc.limit = 5;
	rc.window_ms = 1000;
	rl = ratelimit_new(&rc);
	e = engine(&cfg);
	memset(r, 0, sizeof r);
	for (i = 0; i < 15; i++)
		submit(e, "GET", "/ok?key=tb", rl, &r[i]);
	drain(e);
	http_free(&e);
	ratelimit_free(&rl);
	for (i = 0; i < 15; i++) {
		good &= r[i].status == 200;
		result_clear(&r[i]);
	}
	ok(good, "15 requests at 5/s: all done");
	n = arrivals("tb", a, 32);
	for (i = 0; i < n; i++) {
		for (j = i; j < n && a[j] < a[i] + 1.0; j++)
			;
		if (j - i > most)
			most = j - i;
	}
	ok(n == 15 && most <= 5 + 1,
	    "at most 5 (+1 for scheduling) in any second (%d)", most);
	/* A bucket that started full would send the first five at once. */
	ok(n == 15 && a[1] - a[0] >= 0.15 && a[4] - a[0] >= 0.75,
	    "no burst at the start (2nd at +%.3f s, 5th at +%.3f s)",
	    n == 15 ? a[1] - a[0] : 0.0, n == 15 ? a[4] - a[0] : 0.0);
	ok(n == 15 && a[14] - a[0] >= 2.6,
	    "paced over %.2f s (>= 2.8 s expected)", a[n - 1] - a[0]);
}

static void
test_body_cap(void)
{
	struct http_config	cfg;
	struct result		r = { 0 };

	test_config(&cfg);
	cfg.max_body = 1000;
	run1(&cfg, "/big?bytes=1000", NULL, &r);
	ok(r.status == 200 && strlen(r.body) == 1000,
	    "a body at the cap is whole");
	result_clear(&r);
	run1(&cfg, "/big?bytes=5000", NULL, &r);
	ok(r.outcome == HTTP_FAILED && r.attempts == 1,
	    "over the cap (Content-Length): failed, not retried");
	like(r.error, "is larger than the limit of", "in words");
	result_clear(&r);
	run1(&cfg, "/big?bytes=50000&chunked=1", NULL, &r);
	ok(r.outcome == HTTP_FAILED && r.attempts == 1,
	    "over the cap (chunked): failed, not retried");
	like(r.error, "is larger than the limit of", "in words");
	ok(r.body != NULL && *r.body == '\0', "and no partial body");
	result_clear(&r);
}

static void
test_redaction(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	struct http_request	*req;
	struct result		 r = { 0 };
	char			*log = NULL, *u, *cause = NULL;
	size_t			 loglen = 0;
	FILE			*f;

	f = open_memstream(&log, &loglen);
	test_config(&cfg);
	cfg.debug = f;
	e = engine(&cfg);
	u = url("/echo-headers?code=CANARY-Q-4");
	req = http_request_new("POST", u);
	free(u);
	http_request_header(req, "Authorization: Bearer CANARY-AUTH-1");
	http_request_header(req, "api-key: CANARY-KEY-2");
	http_request_header(req, "Content-Type: application/json");
	u = xstrdup("{\"password\":\"CANARY-PW-3\","
	    "\"email\":\"a@example.com\"}");
	http_request_body(req, u, strlen(u));
	http_request_callback(req, on_done, &r);
	http_submit(e, req, &cause);
	drain(e);
	http_free(&e);
	fclose(f);

	like(r.body, "Bearer CANARY-AUTH-1", "the server got the real key");
	like(r.body, "CANARY-PW-3", "and the real body");
	like(log, "Authorization: [redacted]", "the log redacts Authorization");
	like(log, "api-key: [redacted]", "and api-key");
	like(log, "\"password\":\"[redacted]\"", "and the password field");
	like(log, "a@example.com", "but shows the rest of the body");
	ok(strstr(log, "CANARY") == NULL, "no canary anywhere in the log");
	if (strstr(log, "CANARY") != NULL)
		diag("%s", log);
	free(log);
	result_clear(&r);
}

/*
 * One easy handle for a POST, a DELETE, a GET and a PUT in turn: each
 * attempt sets its method and body from scratch, nothing is left over
 * from the one before (handles keep their shared options between
 * attempts). The DELETE carries a body, as Snapchat's removals do.
 */
static void
test_handle_reuse(void)
{
	static const char	*methods[] = { "POST", "DELETE", "GET", "PUT",
	    "GET" };
	static const char	*bodies[] = { "first", "{\"users\":[]}", NULL,
	    "third", NULL };
	struct http_config	 cfg;
	struct http_engine	*e;
	struct http_request	*req;
	struct result		 r;
	cJSON			*j;
	char			*u, *cause = NULL;
	const char		*m, *b;
	int			 i, good = 0;

	test_config(&cfg);
	cfg.max_transfers = 1;
	e = engine(&cfg);
	for (i = 0; i < 5; i++) {
		memset(&r, 0, sizeof r);
		u = url("/echo-headers");
		req = http_request_new(methods[i], u);
		free(u);
		if (bodies[i] != NULL)
			http_request_body(req, xstrdup(bodies[i]),
			    strlen(bodies[i]));
		http_request_callback(req, on_done, &r);
		if (http_submit(e, req, &cause) != 0)
			exit(99);
		drain(e);
		j = cJSON_Parse(r.body != NULL ? r.body : "");
		m = cJSON_GetStringValue(cJSON_GetObjectItem(j, "method"));
		b = cJSON_GetStringValue(cJSON_GetObjectItem(j, "body"));
		if (m != NULL && strcmp(m, methods[i]) == 0 && b != NULL &&
		    strcmp(b, bodies[i] != NULL ? bodies[i] : "") == 0)
			good++;
		else
			diag("%s: got %s with body \"%s\"", methods[i],
			    m != NULL ? m : "?", b != NULL ? b : "?");
		cJSON_Delete(j);
		result_clear(&r);
	}
	http_free(&e);
	is_int(good, 5, "one handle, five methods: each as asked, with its "
	    "own body or none");
}

static void
test_counters(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	struct http_counters	 c;
	struct result		 r[4];
	int			 i;

	test_config(&cfg);
	e = engine(&cfg);
	memset(r, 0, sizeof r);
	submit(e, "GET", "/ok?key=c1", NULL, &r[0]);
	submit(e, "GET", "/status/404?key=c2", NULL, &r[1]);
	submit(e, "GET", "/503-then-200?n=1&key=c3", NULL, &r[2]);
	submit(e, "POST", "/429-retry-after?s=0&key=c4", NULL, &r[3]);
	drain(e);
	http_counters(e, &c);
	http_free(&e);
	for (i = 0; i < 4; i++)
		result_clear(&r[i]);
	is_int(c.submitted, 4, "counters: 4 submitted");
	is_int(c.sent, 6, "counters: 6 sent");
	is_int(c.retries, 1, "counters: 1 retry (the 503)");
	is_int(c.throttled, 1, "counters: 1 throttled (the 429)");
	is_int(c.done_2xx, 3, "counters: 3 done with 2xx");
	is_int(c.done_4xx, 1, "counters: 1 done with 4xx");
	ok(c.failed == 0 && c.cancelled == 0 && c.done_5xx == 0,
	    "counters: no failure, no cancel");
	ok(c.in_flight == 0 && c.queued == 0, "counters: nothing pending");
	ok(c.bytes_up > 0 && c.bytes_down > 0, "counters: bytes both ways");
}

static void
test_cancel(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	struct http_counters	 c;
	struct http_request	*req;
	struct result		 r[3];
	struct curl_waitfd	 w;
	char			*cause = NULL, *u;
	int			 i, p[2], n = 0, good = 1;
	struct timespec		 t0, t1;

	test_config(&cfg);
	e = engine(&cfg);
	memset(r, 0, sizeof r);
	for (i = 0; i < 3; i++)
		submit(e, "GET", "/slow?ms=3000&key=cancel", NULL, &r[i]);
	for (i = 0; i < 20 && stat_int("cancel", "count") < 3; i++)
		http_step(e, NULL, 0, 50, &cause);
	http_counters(e, &c);
	is_int(c.in_flight, 3, "three transfers in flight");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	http_cancel(e);
	u = url("/ok");
	req = http_request_new("GET", u);
	free(u);
	is_int(http_submit(e, req, &cause), -1, "no new requests after cancel");
	like(cause, "cancelled", "and says so");
	free(cause);
	cause = NULL;
	drain(e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < 3; i++) {
		good &= r[i].done == 1 && r[i].outcome == HTTP_CANCELLED;
		result_clear(&r[i]);
	}
	ok(good, "each in-flight request completed as cancelled");
	ok(t1.tv_sec - t0.tv_sec < 2, "at once, not after the transfers");
	http_counters(e, &c);
	is_int(c.cancelled, 3, "counted as cancelled");
	http_free(&e);

	/* Pending at http_free: cancelled too. */
	e = engine(&cfg);
	submit(e, "GET", "/ok?key=free", NULL, &r[0]);
	http_free(&e);
	ok(r[0].done == 1 && r[0].outcome == HTTP_CANCELLED,
	    "http_free cancels what is pending");
	result_clear(&r[0]);

	/* The wait point also wakes for an extra fd. */
	e = engine(&cfg);
	if (pipe(p) == 0) {
		if (write(p[1], "x", 1) != 1)
			diag("write failed");
		w.fd = p[0];
		w.events = CURL_WAIT_POLLIN;
		w.revents = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		n = http_step(e, &w, 1, 5000, &cause);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ok(n == 0 && (w.revents & CURL_WAIT_POLLIN) &&
		    t1.tv_sec - t0.tv_sec < 2,
		    "http_step wakes for an extra fd");
		close(p[0]);
		close(p[1]);
	}
	http_free(&e);
}

int
main(void)
{
	plan_lazy();
	test_url_policy();
	test_describe();
	stub_start();
	test_basic();
	test_concurrency();
	test_retries();
	test_throttling();
	test_token_bucket();
	test_body_cap();
	test_redaction();
	test_handle_reuse();
	test_counters();
	test_cancel();
	curl_global_cleanup();
	return done_testing();
}
