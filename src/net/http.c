/* The libcurl multi engine: transfers, retries, rate limits, counters. */
#include "config.h"

#include <sys/queue.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "net/redact.h"

/* Response headers kept per attempt: enough for any API, bounded. */
#define HTTP_MAX_HEADERS	128
#define HTTP_MAX_HEADER_BYTES	(64 * 1024)

struct http_request {
	TAILQ_ENTRY(http_request) entry;
	struct http_engine	*engine;

	char			*method;
	char			*url;
	char			*host;		/* for messages */
	char			*log_url;	/* url, redacted */
	long			 port;
	struct curl_slist	*headers;
	char			*body;
	size_t			 body_len;
	struct ratelimit	*limiter;	/* borrowed */
	enum http_retry		 retry;
	http_done_cb		*cb;
	void			*arg;

	int64_t			 submitted_ms;
	int64_t			 due_ms;	/* not before (backoff, 429) */
	unsigned		 attempts;	/* sends */
	unsigned		 failures;	/* failed sends, not 429s */
	unsigned		 throttled;	/* 429s */
	int			 retrying;	/* next send is a retry */
	int			 reached;	/* an attempt may have got there */
	int64_t			 throttle_wait_ms;

	/* The current attempt. */
	CURL			*easy;
	char			*resp;
	size_t			 resp_len, resp_size;
	int			 too_big;
	struct http_header	 hdrs[HTTP_MAX_HEADERS];
	size_t			 nhdrs, hdr_bytes;
	char			 errbuf[CURL_ERROR_SIZE];
};

TAILQ_HEAD(http_queue, http_request);

/* A socket libcurl wants watched, and for what (CURL_POLL_*). */
struct http_sock {
	curl_socket_t	 fd;
	int		 what;
};

struct http_engine {
	struct http_config	 cfg;
	CURLM			*multi;
	/*
	 * libcurl is driven by curl_multi_socket_action(): it tells us its
	 * sockets and its timer, we poll them (with the caller's extra fds
	 * and a wake-up pipe) and hand it only the sockets that are ready.
	 * curl_multi_perform() would check every running transfer's socket
	 * with a poll() of its own at every step.
	 */
	struct http_sock	*socks;
	size_t			 nsocks, socks_size;
	int64_t			 timer_due;	/* -1: none */
	int			 wake[2];	/* self-pipe */
	/* Easy handles of finished attempts, reset, for the next ones. */
	CURL			**idle;
	size_t			 nidle;
	struct http_queue	 waiting;
	struct http_queue	 running;
	unsigned		 nwaiting, nrunning;
	int			 cancelled;
	int64_t			 held_since;	/* rate limit holding us */
	int64_t			 waited_ms;	/* when the last wait ended */
	/* The origin (scheme://authority) last accepted, and its parts. */
	char			*ok_origin;
	char			*ok_host;
	long			 ok_port;
	struct http_counters	 counters;
};


static int64_t
http_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds as seconds for a sentence: "30", "0.5". */
static void
http_secs(long ms, char *buf, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%ld", ms / 1000);
	else
		snprintf(buf, size, "%.1f", ms / 1000.0);
}

void
http_config_defaults(struct http_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_transfers = 8;
	cfg->max_body = 32 * 1024 * 1024;
	cfg->connect_timeout_ms = 10 * 1000;
	cfg->timeout_ms = 60 * 1000;
	cfg->max_attempts = 6;
	cfg->backoff_base_ms = 500;
	cfg->backoff_cap_ms = 30 * 1000;
	cfg->max_throttled = 50;
	cfg->max_throttle_wait_ms = 15 * 60 * 1000;
	cfg->user_agent = PACKAGE_NAME "/" PACKAGE_VERSION;
	cfg->debug_body_max = 2048;
	cfg->coalesce_ms = 10;
}

static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct http_engine	*e = arg;
	size_t			 i;

	(void)easy;
	(void)sockp;
	for (i = 0; i < e->nsocks; i++)
		if (e->socks[i].fd == fd)
			break;
	if (what == CURL_POLL_REMOVE) {
		if (i < e->nsocks)
			e->socks[i] = e->socks[--e->nsocks];
		return 0;
	}
	if (i == e->nsocks) {
		if (e->nsocks == e->socks_size) {
			e->socks_size = e->socks_size == 0 ? 16 :
			    e->socks_size * 2;
			e->socks = xreallocarray(e->socks, e->socks_size,
			    sizeof *e->socks);
		}
		e->socks[e->nsocks++].fd = fd;
	}
	e->socks[i].what = what;
	return 0;
}

static int
http_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct http_engine	*e = arg;

	(void)multi;
	e->timer_due = timeout_ms < 0 ? -1 : util_mono_ms() + timeout_ms;
	return 0;
}

static int
http_pipe_open(int fd[2])
{
	int	i, fl;

	if (pipe(fd) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fl = fcntl(fd[i], F_GETFL);
		if (fl == -1 || fcntl(fd[i], F_SETFL, fl | O_NONBLOCK) == -1 ||
		    fcntl(fd[i], F_SETFD, FD_CLOEXEC) == -1) {
			close(fd[0]);
			close(fd[1]);
			return -1;
		}
	}
	return 0;
}

struct http_engine *
http_new(const struct http_config *cfg, char **cause)
{
	static int		 inited;
	struct http_engine	*e;
	long			 hostconns;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			*cause = xstrdup(_("libcurl could not be "
			    "initialised."));
			return NULL;
		}
		inited = 1;
	}
	e = xcalloc(1, sizeof *e);
	e->cfg = *cfg;
	if (e->cfg.max_transfers == 0)
		e->cfg.max_transfers = 1;
	if (e->cfg.max_attempts == 0)
		e->cfg.max_attempts = 1;
	TAILQ_INIT(&e->waiting);
	TAILQ_INIT(&e->running);
	e->timer_due = -1;
	if (http_pipe_open(e->wake) != 0) {
		free(e);
		*cause = xasprintf(_("A pipe could not be created: %s."),
		    strerror(errno));
		return NULL;
	}
	e->multi = curl_multi_init();
	if (e->multi == NULL) {
		close(e->wake[0]);
		close(e->wake[1]);
		free(e);
		*cause = xstrdup(_("libcurl could not be initialised."));
		return NULL;
	}
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	hostconns = e->cfg.max_host_connections != 0 ?
	    (long)e->cfg.max_host_connections : (long)e->cfg.max_transfers;
	curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, hostconns);
	curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS,
	    (long)e->cfg.max_transfers * 2);
	return e;
}

struct http_request *
http_request_new(const char *method, const char *url)
{
	struct http_request	*req;

	req = xcalloc(1, sizeof *req);
	req->method = xstrdup(method);
	req->url = xstrdup(url);
	/* No 100-continue round trip: APIs answer large bodies directly. */
	req->headers = curl_slist_append(NULL, "Expect:");
	return req;
}

static void
http_request_reset(struct http_request *req)
{
	size_t	i;

	/* Answers carry tokens (OAuth) and personal data: wiped. */
	for (i = 0; i < req->nhdrs; i++) {
		if (req->hdrs[i].value != NULL)
			sodium_memzero(req->hdrs[i].value,
			    strlen(req->hdrs[i].value));
		free(req->hdrs[i].name);
		free(req->hdrs[i].value);
	}
	req->nhdrs = 0;
	req->hdr_bytes = 0;
	if (req->resp != NULL)
		sodium_memzero(req->resp, req->resp_size);
	xfree(&req->resp);
	req->resp_len = req->resp_size = 0;
	req->too_big = 0;
	req->errbuf[0] = '\0';
}

void
http_request_free(struct http_request **reqp)
{
	struct http_request	*req = *reqp;
	struct curl_slist	*l;

	if (req == NULL)
		return;
	http_request_reset(req);
	if (req->easy != NULL)
		curl_easy_cleanup(req->easy);
	/* Header lines carry the credentials (Authorization, api-key). */
	for (l = req->headers; l != NULL; l = l->next)
		sodium_memzero(l->data, strlen(l->data));
	curl_slist_free_all(req->headers);
	free(req->method);
	free(req->url);
	free(req->host);
	free(req->log_url);
	if (req->body != NULL) {
		/* Bodies may hold personal data: leave none behind. */
		sodium_memzero(req->body, req->body_len);
		free(req->body);
	}
	xfree(reqp);
}

void
http_request_header(struct http_request *req, const char *line)
{
	struct curl_slist	*l;

	l = curl_slist_append(req->headers, line);
	if (l == NULL)
		abort();	/* out of memory, as xmalloc */
	req->headers = l;
}

void
http_request_body(struct http_request *req, char *body, size_t len)
{
	if (req->body != NULL) {
		sodium_memzero(req->body, req->body_len);
		free(req->body);
	}
	req->body = body;
	req->body_len = len;
}

void
http_request_limiter(struct http_request *req, struct ratelimit *rl)
{
	req->limiter = rl;
}

void
http_request_retry(struct http_request *req, enum http_retry retry)
{
	req->retry = retry;
}

void
http_request_callback(struct http_request *req, http_done_cb *cb, void *arg)
{
	req->cb = cb;
	req->arg = arg;
}

/* Whether host (as curl_url gives it, IPv6 in brackets) is loopback. */
static int
http_host_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN + 2];
	size_t		 n;

	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	n = strlen(host);
	if (n > 2 && n < sizeof buf && host[0] == '[' && host[n - 1] == ']') {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) == 1)
			return memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
	}
	return 0;
}

/* Parse url and check it; on success *hostp and *portp (may be NULL). */
static int
http_url_parse(const char *url, char **hostp, long *portp, char **cause)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		*scheme = NULL, *host = NULL, *part = NULL;
	char		*port = NULL;
	int		 rc = -1;

	u = curl_url();
	if (u == NULL)
		abort();
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		*cause = xasprintf(_("%s is not a valid URL: %s."), url,
		    curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "https") != 0 &&
	    strcasecmp(scheme, "http") != 0)) {
		*cause = xasprintf(_("%s is not an http:// or https:// URL; "
		    "use https://."), url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		*cause = xasprintf(_("%s is not a valid URL: it has no "
		    "host."), url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		*cause = xasprintf(_("URLs must not contain a user name or "
		    "password; remove the part before @ in %s and enter the "
		    "credentials in their own fields."), host);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		*cause = xasprintf(_("URLs must not contain a fragment "
		    "(#...); remove it from the address of %s."), host);
		goto out;
	}
	if (strcasecmp(scheme, "http") == 0 && !http_host_loopback(host)) {
		*cause = xasprintf(_("http:// is only allowed for loopback "
		    "hosts (127.0.0.0/8, ::1, localhost); use https:// for "
		    "%s."), host);
		goto out;
	}
	if (portp != NULL) {
		*portp = 0;
		if (curl_url_get(u, CURLUPART_PORT, &port,
		    CURLU_DEFAULT_PORT) == CURLUE_OK)
			*portp = strtol(port, NULL, 10);
	}
	if (hostp != NULL)
		*hostp = xstrdup(host);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(part);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int
http_url_check(const char *url, char **cause)
{
	return http_url_parse(url, NULL, NULL, cause);
}

const char *
http_response_header(const struct http_response *resp, const char *name)
{
	size_t	i;

	for (i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	}
	return NULL;
}

/* The value of a header of the current attempt, or NULL. */
static const char *
http_req_header(void *arg, const char *name)
{
	struct http_request	*req = arg;
	size_t			 i;

	for (i = 0; i < req->nhdrs; i++) {
		if (strcasecmp(req->hdrs[i].name, name) == 0)
			return req->hdrs[i].value;
	}
	return NULL;
}

/* errno in words, for the common network cases. */
static const char *
http_errno_words(long os_errno)
{
	switch (os_errno) {
	case ECONNREFUSED:
		return _("connection refused");
	case ECONNRESET:
		return _("connection reset");
	case ETIMEDOUT:
		return _("timed out");
	case EHOSTUNREACH:
		return _("host unreachable");
	case ENETUNREACH:
		return _("network unreachable");
	default:
		return strerror((int)os_errno);
	}
}

char *
http_describe_failure(CURLcode code, const char *host, long port,
    long os_errno, int connected, long timeout_ms, const char *detail)
{
	char	 secs[32];
	char	*where, *s;

	if (detail == NULL || *detail == '\0')
		detail = curl_easy_strerror(code);
	if (port > 0)
		where = xasprintf("%s:%ld", host, port);
	else
		where = xstrdup(host);

	switch (code) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno != 0)
			s = xasprintf(_("could not connect to %s: %s"), where,
			    http_errno_words(os_errno));
		else
			s = xasprintf(_("could not connect to %s: %s"), where,
			    detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		http_secs(timeout_ms, secs, sizeof secs);
		if (connected)
			s = xasprintf(_("the server at %s did not answer "
			    "within %s seconds"), where, secs);
		else
			s = xasprintf(_("could not connect to %s within %s "
			    "seconds"), where, secs);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		s = xasprintf(_("TLS certificate of %s could not be verified: "
		    "%s"), host, detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		s = xasprintf(_("the TLS handshake with %s failed: %s"), where,
		    detail);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		s = xasprintf(_("could not find the host %s (name resolution "
		    "failed)"), host);
		break;
	case CURLE_GOT_NOTHING:
		s = xasprintf(_("%s closed the connection without answering"),
		    where);
		break;
	case CURLE_SEND_ERROR:
		s = xasprintf(_("the connection to %s broke while sending the "
		    "request: %s"), where, detail);
		break;
	case CURLE_RECV_ERROR:
		s = xasprintf(_("the connection to %s broke while receiving "
		    "the answer: %s"), where, detail);
		break;
	case CURLE_PARTIAL_FILE:
		s = xasprintf(_("the connection to %s closed before the whole "
		    "answer arrived"), where);
		break;
	default:
		s = xasprintf(_("the request to %s failed: %s"), where,
		    detail);
		break;
	}
	free(where);
	return s;
}

char *
http_describe_status(long status, const char *host)
{
	switch (status) {
	case 400:
		return xasprintf(_("%s rejected the request as invalid (400 "
		    "Bad Request)"), host);
	case 401:
		return xasprintf(_("%s refused the credentials (401 "
		    "Unauthorized)"), host);
	case 403:
		return xasprintf(_("%s denied permission for this request (403 "
		    "Forbidden)"), host);
	case 404:
		return xasprintf(_("%s has no such resource (404 Not Found)"),
		    host);
	case 408:
		return xasprintf(_("%s gave up waiting for the request (408 "
		    "Request Timeout)"), host);
	case 413:
		return xasprintf(_("the request was too large for %s (413 "
		    "Payload Too Large)"), host);
	case 429:
		return xasprintf(_("%s is limiting the request rate (429 Too "
		    "Many Requests)"), host);
	}
	if (status >= 300 && status < 400)
		return xasprintf(_("%s answered with a redirect (%ld), which "
		    "is not followed"), host, status);
	if (status >= 500 && status < 600)
		return xasprintf(_("%s had a server error (%ld)"), host,
		    status);
	return xasprintf(_("%s answered with HTTP status %ld"), host, status);
}

int
http_retryable_code(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

int
http_retryable_status(long status)
{
	return status == 408 || (status >= 500 && status < 600);
}

/* Exponential backoff with full jitter: uniform in [0, min(cap, base*2^n)). */
static int64_t
http_backoff_ms(const struct http_config *cfg, unsigned n)
{
	int64_t	ceiling;

	ceiling = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 1;
	while (n-- > 0 && ceiling < cfg->backoff_cap_ms)
		ceiling *= 2;
	if (ceiling > cfg->backoff_cap_ms)
		ceiling = cfg->backoff_cap_ms;
	if (ceiling <= 0)
		return 0;
	if (ceiling > UINT32_MAX)
		ceiling = UINT32_MAX;
	return randombytes_uniform((uint32_t)ceiling);
}

/* Retry-After (seconds or an HTTP date) as milliseconds from now, or -1. */
static int64_t
http_retry_after_ms(const char *v, int64_t wall_ms)
{
	char		*end;
	long long	 secs;
	time_t		 t;

	if (v == NULL)
		return -1;
	while (*v == ' ')
		v++;
	if (*v >= '0' && *v <= '9') {
		errno = 0;
		secs = strtoll(v, &end, 10);
		if (errno != 0 || secs > INT32_MAX)
			return -1;
		return (int64_t)secs * 1000;
	}
	t = curl_getdate(v, NULL);
	if (t == -1)
		return -1;
	if ((int64_t)t * 1000 <= wall_ms)
		return 0;
	return (int64_t)t * 1000 - wall_ms;
}

/* Write one line of the debug log, each line prefixed. */
static void
http_debug_lines(FILE *f, const char *prefix, const char *text)
{
	const char	*nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		if (nl == NULL) {
			fprintf(f, "%s%s\n", prefix, text);
			break;
		}
		fprintf(f, "%s%.*s\n", prefix, (int)(nl - text), text);
		text = nl + 1;
	}
}

static int
http_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct http_request	*req = arg;
	FILE			*f = req->engine->cfg.debug;
	char			*s;
	const char		*prefix;
	size_t			 n;

	(void)easy;
	switch (type) {
	case CURLINFO_TEXT:
		prefix = "* ";
		break;
	case CURLINFO_HEADER_OUT:
		prefix = "> ";
		break;
	case CURLINFO_HEADER_IN:
		prefix = "< ";
		break;
	default:
		/* Bodies are logged whole (redacted) at start and end. */
		return 0;
	}
	s = redact_headers(data, size);
	/* Drop the line ends (and the blank line ending a header block). */
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (n != 0)
		http_debug_lines(f, prefix, s);
	free(s);
	return 0;
}

static void
http_debug_body(struct http_engine *e, const char *prefix, const char *body,
    size_t len)
{
	char	*s;

	if (e->cfg.debug == NULL || len == 0)
		return;
	s = redact_body(body, len, e->cfg.debug_body_max);
	fprintf(e->cfg.debug, "%sbody (%zu bytes):\n", prefix, len);
	http_debug_lines(e->cfg.debug, prefix, s);
	free(s);
}

static size_t
http_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_request	*req = arg;
	size_t			 len = size * n, max;

	max = req->engine->cfg.max_body;
	if (req->resp_len + len > max) {
		req->too_big = 1;
		return 0;	/* CURLE_WRITE_ERROR ends the transfer */
	}
	if (req->resp_len + len + 1 > req->resp_size) {
		req->resp_size = (req->resp_len + len + 1) * 2;
		if (req->resp_size > max + 1)
			req->resp_size = max + 1;
		req->resp = xrealloc_wipe(req->resp, req->resp_len,
		    req->resp_size);
	}
	memcpy(req->resp + req->resp_len, data, len);
	req->resp_len += len;
	req->resp[req->resp_len] = '\0';
	return len;
}

static size_t
http_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_request	*req = arg;
	size_t			 len = size * n, nlen, vlen;
	const char		*colon, *v;

	/* A new status line (after 1xx, say) starts a new header set. */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		http_request_reset(req);
		return len;
	}
	colon = memchr(data, ':', len);
	if (colon == NULL || colon == data || req->nhdrs == HTTP_MAX_HEADERS ||
	    req->hdr_bytes + len > HTTP_MAX_HEADER_BYTES)
		return len;
	nlen = colon - data;
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	req->hdrs[req->nhdrs].name = xstrndup(data, nlen);
	req->hdrs[req->nhdrs].value = xstrndup(v, vlen);
	req->nhdrs++;
	req->hdr_bytes += len;
	return len;
}

/* Complete a request: counters, the callback, then free it. */
static void
http_finish(struct http_engine *e, struct http_request *req,
    enum http_outcome outcome, long status, const char *error)
{
	struct http_response	resp;

	memset(&resp, 0, sizeof resp);
	resp.outcome = outcome;
	resp.status = status;
	resp.error = error;
	resp.body = req->resp != NULL ? req->resp : "";
	resp.body_len = req->resp_len;
	resp.headers = req->hdrs;
	resp.nheaders = req->nhdrs;
	resp.total_s = (util_mono_ms() - req->submitted_ms) / 1000.0;
	resp.attempts = req->attempts;
	resp.throttled = req->throttled;
	resp.reached = req->reached;
	resp.method = req->method;
	resp.url = req->url;

	switch (outcome) {
	case HTTP_DONE:
		if (status >= 200 && status < 300)
			e->counters.done_2xx++;
		else if (status >= 400 && status < 500)
			e->counters.done_4xx++;
		else if (status >= 500 && status < 600)
			e->counters.done_5xx++;
		else
			e->counters.done_other++;
		break;
	case HTTP_FAILED:
		e->counters.failed++;
		break;
	case HTTP_CANCELLED:
		e->counters.cancelled++;
		break;
	}
	if (e->cfg.debug != NULL) {
		fprintf(e->cfg.debug, "= %s %s: %s (%u attempts, %.3f s)\n",
		    req->method, req->log_url, error != NULL ? error : "ok",
		    req->attempts, resp.total_s);
		fflush(e->cfg.debug);
	}
	if (req->cb != NULL)
		req->cb(&resp, req->arg);
	http_request_free(&req);
}

/* Put a request back in the queue, due at due_ms. */
static void
http_requeue(struct http_engine *e, struct http_request *req, int64_t due_ms)
{
	http_request_reset(req);
	req->due_ms = due_ms;
	TAILQ_INSERT_TAIL(&e->waiting, req, entry);
	e->nwaiting++;
}

/*
 * Whether url is on the origin last accepted, with nothing after it that
 * http_url_parse() could refuse (a fragment; spaces or control characters
 * are left to it too): a run's requests all go to one origin, and parsing
 * each URL again was 2 % of a delivery's CPU.
 */
static int
http_url_known(const struct http_engine *e, const char *url)
{
	const unsigned char	*p;
	size_t			 n;

	if (e->ok_origin == NULL)
		return 0;
	n = strlen(e->ok_origin);
	if (strncmp(url, e->ok_origin, n) != 0 ||
	    (url[n] != '/' && url[n] != '?' && url[n] != '\0'))
		return 0;
	for (p = (const unsigned char *)url + n; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '#')
			return 0;
	return 1;
}

/* Remember the origin of an accepted url. */
static void
http_url_remember(struct http_engine *e, const char *url, const char *host,
    long port)
{
	const char	*p;

	if ((p = strstr(url, "://")) == NULL)
		return;
	p += 3;
	p += strcspn(p, "/?#");
	free(e->ok_origin);
	free(e->ok_host);
	e->ok_origin = xstrndup(url, (size_t)(p - url));
	e->ok_host = xstrdup(host);
	e->ok_port = port;
}

int
http_submit(struct http_engine *e, struct http_request *req, char **cause)
{
	char	*host = NULL;

	if (e->cancelled) {
		*cause = xstrdup(_("The run was cancelled; no more requests "
		    "are sent."));
		http_request_free(&req);
		return -1;
	}
	if (http_url_known(e, req->url)) {
		host = xstrdup(e->ok_host);
		req->port = e->ok_port;
	} else if (http_url_parse(req->url, &host, &req->port, cause) != 0) {
		http_request_free(&req);
		return -1;
	} else
		http_url_remember(e, req->url, host, req->port);
	req->host = host;
	/* Only the debug log shows it. */
	if (e->cfg.debug != NULL)
		req->log_url = redact_headers(req->url, strlen(req->url));
	req->engine = e;
	req->submitted_ms = util_mono_ms();
	req->due_ms = req->submitted_ms;
	TAILQ_INSERT_TAIL(&e->waiting, req, entry);
	e->nwaiting++;
	e->counters.submitted++;
	return 0;
}

/*
 * Keep a finished attempt's easy handle for the next one (at most
 * max_transfers of them), with the options every attempt shares still
 * set (http_easy_new()); http_start() sets, or sets back, all the others.
 */
static void
http_easy_release(struct http_engine *e, CURL *c)
{
	if (e->nidle >= e->cfg.max_transfers || e->cancelled) {
		curl_easy_cleanup(c);
		return;
	}
	if (e->idle == NULL)
		e->idle = xcalloc(e->cfg.max_transfers, sizeof *e->idle);
	e->idle[e->nidle++] = c;
}

/* A new easy handle with the options that every attempt shares. */
static CURL *
http_easy_new(struct http_engine *e)
{
	const struct http_config	*cfg = &e->cfg;
	CURL				*c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* Never configurable: see the header. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)cfg->max_body);
	if (cfg->user_agent != NULL)
		curl_easy_setopt(c, CURLOPT_USERAGENT, cfg->user_agent);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header_cb);
	if (cfg->debug != NULL) {
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, http_debug_cb);
		/* Only feeds the debug callback: never raw output. */
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	return c;
}

/* Set up an easy handle for the next attempt and add it. */
static int
http_start(struct http_engine *e, struct http_request *req)
{
	const struct http_config	*cfg = &e->cfg;
	CURL				*c;

	c = e->nidle > 0 ? e->idle[--e->nidle] : http_easy_new(e);
	if (c == NULL)
		return -1;
	req->easy = c;
	req->attempts++;
	curl_easy_setopt(c, CURLOPT_PRIVATE, req);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, req);
	if (cfg->debug != NULL)
		curl_easy_setopt(c, CURLOPT_DEBUGDATA, req);
	/* See HTTP_RETRY_SAFE_ONLY: no silent re-send by libcurl. */
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT,
	    req->retry == HTTP_RETRY_SAFE_ONLY ? 1L : 0L);

	/*
	 * The method, from a known start on a handle that may have sent
	 * anything before: no body, no custom method, GET.
	 */
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(req->method, "GET") != 0 || req->body != NULL) {
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
			    req->method);
		if (req->body != NULL || strcmp(req->method, "POST") == 0) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->body_len);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			    req->body != NULL ? req->body : "");
		}
	}

	if (cfg->debug != NULL) {
		fprintf(cfg->debug, "= %s %s (attempt %u)\n", req->method,
		    req->log_url, req->attempts);
		http_debug_body(e, "> ", req->body, req->body_len);
	}

	if (curl_multi_add_handle(e->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		req->easy = NULL;
		return -1;
	}
	TAILQ_INSERT_TAIL(&e->running, req, entry);
	e->nrunning++;
	e->counters.sent++;
	if (req->retrying) {
		e->counters.retries++;
		req->retrying = 0;
	}
	return 0;
}

/*
 * Start what may start: free slots, past its backoff, granted by its
 * limiter. *wake gets the earliest time something waiting may start.
 */
static void
http_start_ready(struct http_engine *e, int64_t *wake)
{
	struct http_request	*req, *next;
	int64_t			 now, w;
	int			 held = 0;
	char			*error;

	now = util_mono_ms();
	*wake = INT64_MAX;
	for (req = TAILQ_FIRST(&e->waiting); req != NULL; req = next) {
		next = TAILQ_NEXT(req, entry);
		if (e->nrunning >= e->cfg.max_transfers)
			break;
		if (req->due_ms > now) {
			if (req->due_ms < *wake)
				*wake = req->due_ms;
			continue;
		}
		if (req->limiter != NULL) {
			w = ratelimit_take(req->limiter, now);
			if (w > 0) {
				held = 1;
				if (now + w < *wake)
					*wake = now + w;
				continue;
			}
		}
		TAILQ_REMOVE(&e->waiting, req, entry);
		e->nwaiting--;
		if (http_start(e, req) != 0) {
			error = xasprintf(_("the request to %s could not be "
			    "started."), req->host);
			http_finish(e, req, HTTP_FAILED, 0, error);
			free(error);
		}
	}

	/* Wall time with at least one request held by a rate limit. */
	if (held && e->held_since == 0)
		e->held_since = now;
	else if (!held && e->held_since != 0) {
		e->counters.rate_waits++;
		e->counters.rate_wait_s += (now - e->held_since) / 1000.0;
		e->held_since = 0;
	}
}

/* A 429: wait as the server says, then send again (or give up). */
static void
http_throttled(struct http_engine *e, struct http_request *req, int64_t now)
{
	int64_t	 until = -1, ms;
	char	 secs[32];
	char	*error;

	e->counters.throttled++;
	req->throttled++;
	if (req->limiter != NULL)
		until = ratelimit_reset_at(req->limiter, http_req_header, req,
		    now, http_wall_ms());
	if (until < 0) {
		ms = http_retry_after_ms(http_req_header(req, "Retry-After"),
		    http_wall_ms());
		if (ms >= 0)
			until = now + ms;
	}
	if (until < 0)
		until = now + http_backoff_ms(&e->cfg, req->throttled);
	ms = until - now;
	if (req->throttled > e->cfg.max_throttled ||
	    req->throttle_wait_ms + ms > e->cfg.max_throttle_wait_ms) {
		http_secs((long)req->throttle_wait_ms, secs, sizeof secs);
		error = xasprintf(_("%s kept answering 429 Too Many Requests; "
		    "gave up after %u of them and %s seconds of waiting"),
		    req->host, req->throttled, secs);
		http_finish(e, req, HTTP_FAILED, 429, error);
		free(error);
		return;
	}
	req->throttle_wait_ms += ms;
	if (req->limiter != NULL)
		ratelimit_hold(req->limiter, until);
	http_requeue(e, req, until);
}

/*
 * Whether a failed attempt provably wrote nothing of its request. Nothing
 * leaves before a connection exists; and a fresh connection (always the
 * case for HTTP_RETRY_SAFE_ONLY) whose TCP connect, or over https whose
 * TLS handshake, never completed carried nothing either. A reused
 * connection cannot tell: libcurl may have written on it.
 */
static int
http_unsent(const struct http_request *req, CURLcode code, curl_off_t conn,
    curl_off_t appconn)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return 1;
	default:
		break;
	}
	if (req->retry != HTTP_RETRY_SAFE_ONLY)
		return 0;
	if (strncasecmp(req->url, "https:", 6) == 0)
		return appconn == 0;
	return conn == 0;
}

/* A finished attempt: retry, wait, or complete it. */
static void
http_done(struct http_engine *e, struct http_request *req, CURLcode code)
{
	const struct http_config	*cfg = &e->cfg;
	CURL				*c = req->easy;
	long				 status = 0, os_errno = 0, tmo;
	curl_off_t			 up = 0, down = 0, hdr = 0, conn = 0;
	curl_off_t			 appconn = 0;
	int64_t				 now, delay, ra;
	int				 again;
	char				 max[32];
	char				*error, *s;
	const char			*loc;

	curl_multi_remove_handle(e->multi, c);
	TAILQ_REMOVE(&e->running, req, entry);
	e->nrunning--;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &hdr);
	curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &conn);
	curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &appconn);
	http_easy_release(e, c);
	req->easy = NULL;
	e->counters.bytes_up += (uint64_t)up + (uint64_t)hdr;
	e->counters.bytes_down += (uint64_t)down;
	now = util_mono_ms();

	if (code == CURLE_OK) {
		if (req->limiter != NULL)
			ratelimit_observe(req->limiter, http_req_header, req,
			    now, http_wall_ms());
		http_debug_body(e, "< ", req->resp, req->resp_len);
		if (status == 429) {
			http_throttled(e, req, now);
			return;
		}
		req->reached = 1;
		if (http_retryable_status(status) &&
		    req->retry == HTTP_RETRY_DEFAULT &&
		    ++req->failures < cfg->max_attempts) {
			delay = http_backoff_ms(cfg, req->failures - 1);
			/* A 503 may say when to come back: not sooner. */
			ra = http_retry_after_ms(http_req_header(req,
			    "Retry-After"), http_wall_ms());
			if (ra > delay && ra <= cfg->backoff_cap_ms)
				delay = ra;
			req->retrying = 1;
			http_requeue(e, req, now + delay);
			return;
		}
		if (status >= 200 && status < 300) {
			http_finish(e, req, HTTP_DONE, status, NULL);
			return;
		}
		s = http_describe_status(status, req->host);
		loc = http_req_header(req, "Location");
		if (status >= 300 && status < 400 && loc != NULL) {
			error = xasprintf(_("%1$s answered with a redirect "
			    "(%2$ld) to %3$s, which is not followed"),
			    req->host, status, loc);
		} else if (req->failures > 1) {
			error = xasprintf(ngettext_("%s; gave up after %u "
			    "attempt", "%s; gave up after %u attempts",
			    req->failures), s, req->failures);
		} else
			error = xstrdup(s);
		free(s);
		http_finish(e, req, HTTP_DONE, status, error);
		free(error);
		return;
	}

	if (req->too_big || code == CURLE_FILESIZE_EXCEEDED) {
		req->reached = 1;
		http_secs((long)(cfg->max_body * 1000 / (1024 * 1024)), max,
		    sizeof max);
		error = xasprintf(_("the answer from %s is larger than the "
		    "limit of %s MiB"), req->host, max);
		if (req->resp != NULL)
			sodium_memzero(req->resp, req->resp_size);
		xfree(&req->resp);
		req->resp_len = 0;
		http_finish(e, req, HTTP_FAILED, status, error);
		free(error);
		return;
	}
	again = http_retryable_code(code);
	if (!http_unsent(req, code, conn, appconn)) {
		req->reached = 1;
		if (req->retry == HTTP_RETRY_SAFE_ONLY)
			again = 0;
	}
	if (again && ++req->failures < cfg->max_attempts) {
		req->retrying = 1;
		http_requeue(e, req,
		    now + http_backoff_ms(cfg, req->failures - 1));
		return;
	}
	tmo = cfg->timeout_ms;
	if (conn == 0 && cfg->connect_timeout_ms < tmo)
		tmo = cfg->connect_timeout_ms;
	s = http_describe_failure(code, req->host, req->port, os_errno,
	    conn != 0, tmo, req->errbuf);
	if (req->failures > 1)
		error = xasprintf(ngettext_("%s; gave up after %u attempt",
		    "%s; gave up after %u attempts", req->failures), s,
		    req->failures);
	else
		error = xstrdup(s);
	free(s);
	http_finish(e, req, HTTP_FAILED, 0, error);
	free(error);
}

/* Hand finished transfers to http_done(). */
static void
http_collect(struct http_engine *e)
{
	CURLMsg			*msg;
	struct http_request	*req;
	char			*p;
	int			 left;

	while ((msg = curl_multi_info_read(e->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		p = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
		req = (struct http_request *)(void *)p;
		http_done(e, req, msg->data.result);
	}
}

/* Abandon everything pending: the callbacks see HTTP_CANCELLED. */
static void
http_cancel_all(struct http_engine *e)
{
	struct http_request	*req;
	char			*error;

	error = xstrdup(_("the request was cancelled"));
	while ((req = TAILQ_FIRST(&e->running)) != NULL) {
		TAILQ_REMOVE(&e->running, req, entry);
		e->nrunning--;
		curl_multi_remove_handle(e->multi, req->easy);
		curl_easy_cleanup(req->easy);
		req->easy = NULL;
		http_finish(e, req, HTTP_CANCELLED, 0, error);
	}
	while ((req = TAILQ_FIRST(&e->waiting)) != NULL) {
		TAILQ_REMOVE(&e->waiting, req, entry);
		e->nwaiting--;
		http_finish(e, req, HTTP_CANCELLED, 0, error);
	}
	free(error);
}

/* Hand libcurl what is due: its timer, then the ready sockets. */
static int
http_act(struct http_engine *e, const struct pollfd *pfd, size_t n,
    char **cause)
{
	CURLMcode	mc = CURLM_OK;
	size_t		i;
	int		running, bits;

	for (i = 0; i < n && mc == CURLM_OK; i++) {
		if (pfd[i].revents == 0)
			continue;
		bits = 0;
		if (pfd[i].revents & (POLLIN | POLLPRI | POLLHUP))
			bits |= CURL_CSELECT_IN;
		if (pfd[i].revents & POLLOUT)
			bits |= CURL_CSELECT_OUT;
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			bits |= CURL_CSELECT_ERR;
		mc = curl_multi_socket_action(e->multi, pfd[i].fd, bits,
		    &running);
	}
	if (mc == CURLM_OK && e->timer_due >= 0 &&
	    e->timer_due <= util_mono_ms()) {
		e->timer_due = -1;
		mc = curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0,
		    &running);
	}
	if (mc != CURLM_OK) {
		*cause = xasprintf(_("libcurl failed: %s."),
		    curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

/* Start what may start, or abandon everything once cancelled. */
static void
http_ready(struct http_engine *e, int64_t *wake)
{
	if (e->cancelled) {
		http_cancel_all(e);
		*wake = INT64_MAX;
	} else
		http_start_ready(e, wake);
}

/* Whether libcurl is waiting to write on one of its sockets. */
static int
http_writing(const struct http_engine *e)
{
	size_t	i;

	for (i = 0; i < e->nsocks; i++)
		if (e->socks[i].what & CURL_POLL_OUT)
			return 1;
	return 0;
}

int
http_step(struct http_engine *e, struct curl_waitfd *extra, unsigned nextra,
    int timeout_ms, char **cause)
{
	struct pollfd	*pfd;
	struct timespec	 ts;
	int64_t		 wake, now, d;
	size_t		 i, n, ncurl;
	int		 t, r;
	char		 buf[64];

	http_ready(e, &wake);
	t = timeout_ms < 0 ? 0 : timeout_ms;
	d = 0;
	now = util_mono_ms();
	if (e->timer_due >= 0 && e->timer_due < wake)
		wake = e->timer_due;
	if (wake != INT64_MAX) {
		if (wake <= now)
			t = 0;
		else if (wake - now < t)
			t = (int)(wake - now);
	}
	/*
	 * Let what comes close together gather (see coalesce_ms): answers,
	 * and rate-limit grants too, which the limiter's burst makes up
	 * for. Only when this step would wait at all, and not while a body
	 * is being written out: a large one (a Brevo import) goes a socket
	 * buffer at a time, and pausing between them made each take twice
	 * as long.
	 */
	if (t > 0 && e->cfg.coalesce_ms > 0 && e->waited_ms != 0 &&
	    now - e->waited_ms < (int64_t)e->cfg.coalesce_ms &&
	    !http_writing(e)) {
		d = e->waited_ms + e->cfg.coalesce_ms - now;
		if (timeout_ms >= 0 && d > timeout_ms)
			d = timeout_ms;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)d * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR &&
		    !e->cancelled)
			;
		t = t > d ? t - (int)d : 0;
	}

	/* One wait: libcurl's sockets, the wake-up pipe, the extra fds. */
	ncurl = e->nsocks;
	n = ncurl + 1 + nextra;
	pfd = xcalloc(n, sizeof *pfd);
	for (i = 0; i < ncurl; i++) {
		pfd[i].fd = e->socks[i].fd;
		if (e->socks[i].what & CURL_POLL_IN)
			pfd[i].events |= POLLIN | POLLPRI;
		if (e->socks[i].what & CURL_POLL_OUT)
			pfd[i].events |= POLLOUT;
	}
	pfd[ncurl].fd = e->wake[0];
	pfd[ncurl].events = POLLIN;
	for (i = 0; i < nextra; i++) {
		pfd[ncurl + 1 + i].fd = extra[i].fd;
		if (extra[i].events & CURL_WAIT_POLLIN)
			pfd[ncurl + 1 + i].events |= POLLIN;
		if (extra[i].events & CURL_WAIT_POLLPRI)
			pfd[ncurl + 1 + i].events |= POLLPRI;
		if (extra[i].events & CURL_WAIT_POLLOUT)
			pfd[ncurl + 1 + i].events |= POLLOUT;
	}
	r = poll(pfd, (nfds_t)n, t);
	if (t > 0 || d > 0)
		e->waited_ms = util_mono_ms();
	if (r == -1) {
		if (errno != EINTR) {
			*cause = xasprintf(_("poll failed: %s."),
			    strerror(errno));
			free(pfd);
			return -1;
		}
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
	}
	if (pfd[ncurl].revents != 0)
		while (read(e->wake[0], buf, sizeof buf) > 0)
			;
	for (i = 0; i < nextra; i++) {
		extra[i].revents = 0;
		if (pfd[ncurl + 1 + i].revents & POLLIN)
			extra[i].revents |= CURL_WAIT_POLLIN;
		if (pfd[ncurl + 1 + i].revents & POLLPRI)
			extra[i].revents |= CURL_WAIT_POLLPRI;
		if (pfd[ncurl + 1 + i].revents & POLLOUT)
			extra[i].revents |= CURL_WAIT_POLLOUT;
	}

	if (!e->cancelled && http_act(e, pfd, ncurl, cause) != 0) {
		free(pfd);
		return -1;
	}
	free(pfd);
	if (!e->cancelled)
		http_collect(e);
	http_ready(e, &wake);
	return (int)http_pending(e);
}

int
http_drain(struct http_engine *e, char **cause)
{
	int	n;

	while (http_pending(e) > 0) {
		n = http_step(e, NULL, 0, 1000, cause);
		if (n < 0)
			return -1;
	}
	return 0;
}

void
http_cancel(struct http_engine *e)
{
	e->cancelled = 1;
	http_wakeup(e);
}

void
http_wakeup(struct http_engine *e)
{
	int	saved = errno;

	/* Full pipe: a wake-up is pending already. */
	(void)!write(e->wake[1], "", 1);
	errno = saved;
}

unsigned
http_pending(const struct http_engine *e)
{
	return e->nwaiting + e->nrunning;
}

void
http_counters(const struct http_engine *e, struct http_counters *out)
{
	*out = e->counters;
	out->in_flight = e->nrunning;
	out->queued = e->nwaiting;
}

void
http_free(struct http_engine **ep)
{
	struct http_engine	*e = *ep;

	if (e == NULL)
		return;
	e->cancelled = 1;
	http_cancel_all(e);
	while (e->nidle > 0)
		curl_easy_cleanup(e->idle[--e->nidle]);
	free(e->idle);
	free(e->ok_origin);
	free(e->ok_host);
	curl_multi_cleanup(e->multi);
	free(e->socks);
	close(e->wake[0]);
	close(e->wake[1]);
	xfree(ep);
}
