/*
 * The HTTP engine every destination driver uses: libcurl's multi interface
 * with bounded concurrency, connection reuse (HTTP/2 multiplexing where
 * the server offers it), timeouts, a fixed TLS policy, per-account rate
 * limits, retries with backoff, counters and a redacted debug log.
 *
 * Protocol:
 *
 *	http_config_defaults(&cfg);		then change what you need
 *	e = http_new(&cfg, &cause);
 *	req = http_request_new("POST", url);
 *	http_request_header(req, "Authorization: Bearer ...");
 *	http_request_body(req, json, len);	the request owns json now
 *	http_request_limiter(req, rl);		borrowed; outlives the request
 *	http_request_callback(req, done, arg);
 *	http_submit(e, req, &cause);		the engine owns req now
 *	... http_step(e, fds, n, timeout_ms, &cause) in the program's loop,
 *	    or http_drain(e, &cause) to finish everything;
 *	http_free(&e);
 *
 * Nothing here waits except http_step() and http_drain(), which wait in
 * poll() (the single wait point of the program: http_step()
 * takes extra fds such as the terminal). Backoff and rate-limit holds are
 * deadlines that shorten the poll timeout; nothing sleeps.
 *
 * Policy, fixed on purpose:
 * - TLS peer and host verification are always on; there is no option to
 *   turn them off.
 * - Only http and https; http only to loopback hosts (http_url_check()).
 *   Every submitted URL is checked, so a refused URL never leaves.
 * - Redirects are not followed: an API answering 3xx is a configuration
 *   error, and following one could carry the credentials elsewhere. A 3xx
 *   completes the request with an error naming the Location.
 * - HTTP/2 over TLS when offered (multiplexing on), HTTP/1.1 keep-alive
 *   otherwise; one connection pool for the whole engine.
 * - Retried: 5xx, 408, time-outs and dropped or refused connections, with
 *   exponential backoff and full jitter, at most max_attempts attempts.
 *   Not retried: any other status (400, 401, 403, 404, 413...; the driver
 *   decides), TLS verification failures, unknown hosts, bodies over the
 *   cap.
 * - 429 is throttling, not failure: wait until the reset the rate-limit
 *   headers give, else Retry-After, else backoff; then send again. 429s do
 *   not use up max_attempts but are bounded by max_throttled and
 *   max_throttle_wait_ms so that a run cannot hang forever.
 * - A request that must not reach the server twice asks for
 *   HTTP_RETRY_SAFE_ONLY (http_request_retry()): see there.
 */
#ifndef SEGSYNC_SRC_NET_HTTP_H
#define SEGSYNC_SRC_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>

#include "net/ratelimit.h"

struct http_config {
	unsigned	 max_transfers;		/* at once; 8 */
	unsigned	 max_host_connections;	/* 0: max_transfers */
	size_t		 max_body;		/* response cap; 32 MiB */
	long		 connect_timeout_ms;	/* 10 s */
	long		 timeout_ms;		/* whole attempt; 60 s */
	unsigned	 max_attempts;		/* per request; 6 */
	long		 backoff_base_ms;	/* 500 */
	long		 backoff_cap_ms;	/* 30 s */
	unsigned	 max_throttled;		/* 429s per request; 50 */
	long		 max_throttle_wait_ms;	/* per request; 15 min */
	const char	*user_agent;		/* borrowed; segsync/VER */
	FILE		*debug;			/* borrowed; NULL: no log */
	size_t		 debug_body_max;	/* bytes of body shown; 2048 */
	unsigned	 coalesce_ms;		/* see below; 10 */
};

/*
 * coalesce_ms: when http_step() has to wait, it waits at least until
 * this long after its previous wait ended, deaf to the network meanwhile,
 * so that answers and rate-limit grants that come close together are
 * handled in one wake-up rather than one each. At Braze's 1,000 requests
 * a second, going to sleep and waking up about twice a request was a
 * third of a delivery's CPU. A request may start or be answered up to
 * that much later; the limiter's burst makes up for grants handed out
 * together, and the bound on transfers in flight must cover a few
 * periods' worth of requests (against the fake Braze at a request a
 * millisecond, 8 transfers starved at 8 ms, losing 5 % of the
 * throughput; 16 transfers lose nothing at 10 or 12 ms). Where answers
 * come farther apart than that (a distant server, 10 requests a second)
 * it costs nothing either: the next event comes later anyway. It never
 * applies while a request body is being written. 0 turns it off.
 */

/* How a request ended. */
enum http_outcome {
	HTTP_DONE,		/* a final HTTP response (any status) */
	HTTP_FAILED,		/* no usable response: see error */
	HTTP_CANCELLED		/* http_cancel() or http_free() */
};

struct http_header {
	char	*name;
	char	*value;
};

/*
 * What the completion callback gets. Everything in it is borrowed and
 * valid only during the call: copy what you keep.
 *
 * error is NULL exactly when outcome is HTTP_DONE and status is 2xx;
 * otherwise it is a sentence for people ("Braze refused the credentials
 * (401 Unauthorized)", "could not connect to ...: connection refused").
 * body is NUL-terminated (body_len excludes the NUL); it is empty, not
 * NULL, when there is none. headers are those of the final response.
 */
struct http_response {
	enum http_outcome		 outcome;
	long				 status;	/* 0: no response */
	const char			*error;
	const char			*body;
	size_t				 body_len;
	const struct http_header	*headers;
	size_t				 nheaders;
	double				 total_s;	/* submit to end */
	unsigned			 attempts;	/* sends, 429s too */
	unsigned			 throttled;	/* 429s among them */
	int				 reached;	/* see below */
	const char			*method;
	const char			*url;
};

/*
 * reached is 0 only when the server cannot have acted on the request:
 * each attempt either failed before a byte of it was written (connection
 * refused, host not found, connect time-out, TLS handshake failure) or was
 * refused with 429. It is 1 whenever another answer came, and whenever
 * the server may have received the request without the answer getting
 * back (a time-out after sending, a dropped connection). Exact for
 * HTTP_RETRY_SAFE_ONLY requests, which always use a fresh connection; for
 * others a request that failed on a reused connection counts as reached.
 */

/*
 * Called exactly once per submitted request, from within http_step(),
 * http_drain() or http_free(); never from http_submit(). It may submit new
 * requests and call http_cancel(), but must not call http_step(),
 * http_drain() or http_free().
 */
typedef void http_done_cb(const struct http_response *, void *arg);

/* Live counters, for progress displays. Throttling is not failure. */
struct http_counters {
	uint64_t	submitted;	/* requests accepted by http_submit */
	uint64_t	sent;		/* attempts started (retries too) */
	uint64_t	in_flight;	/* transfers running now */
	uint64_t	queued;		/* waiting: slot, backoff, rate limit */
	uint64_t	retries;	/* attempts repeated after a failure */
	uint64_t	throttled;	/* 429 responses */
	uint64_t	rate_waits;	/* times the rate limit held us */
	double		rate_wait_s;	/* wall time held by rate limits */
	uint64_t	bytes_up;	/* request bodies and headers */
	uint64_t	bytes_down;	/* response bodies */
	uint64_t	done_2xx;	/* final outcomes: */
	uint64_t	done_4xx;
	uint64_t	done_5xx;
	uint64_t	done_other;	/* 1xx/3xx */
	uint64_t	failed;		/* transport, cap, gave up on 429 */
	uint64_t	cancelled;
};

/* Fill cfg with the defaults above. */
void	http_config_defaults(struct http_config *cfg);

/*
 * A new engine (one per run or connection test). Returns NULL and sets
 * *cause (malloc'd; the caller frees it) when libcurl cannot be set up.
 * Calls curl_global_init() the first time.
 */
struct http_engine	*http_new(const struct http_config *, char **cause);

/*
 * Cancel whatever is still pending (each callback runs with
 * HTTP_CANCELLED) and free the engine; *ep becomes NULL.
 */
void	 http_free(struct http_engine **ep);

/*
 * A request under construction (method such as "GET", "POST", "DELETE";
 * url absolute). Both strings are copied. Free an unsubmitted request with
 * http_request_free().
 */
struct http_request	*http_request_new(const char *method, const char *url);
void	 http_request_free(struct http_request **);
/* Add one "Name: value" header line (copied). */
void	 http_request_header(struct http_request *, const char *line);
/* Attach a body; the request takes ownership of body (malloc'd). */
void	 http_request_body(struct http_request *, char *body, size_t len);
/* Draw on this limiter before each attempt (borrowed). */
void	 http_request_limiter(struct http_request *, struct ratelimit *);

/*
 * When a failed attempt is tried again.
 *
 * HTTP_RETRY_DEFAULT: 5xx, 408, time-outs and refused, dropped or broken
 * connections, as the policy above says.
 *
 * HTTP_RETRY_SAFE_ONLY: only attempts that provably never reached the
 * server (see reached in struct http_response): for requests whose every
 * arrival has an effect, such as a Brevo import, where each POST that gets
 * through creates one import process. A 5xx, a time-out after the request
 * was written or a connection dropped before the answer ends the request
 * at once (HTTP_DONE with that status, or HTTP_FAILED with reached set)
 * and the caller decides. The request also opens a fresh connection:
 * libcurl by itself sends a request again, once, when the reused
 * connection it went out on closes without any answer, and the server
 * may have acted on the first one. 429s are waited out and sent again
 * under both policies: the server refused them before doing anything.
 */
enum http_retry {
	HTTP_RETRY_DEFAULT,
	HTTP_RETRY_SAFE_ONLY
};
void	 http_request_retry(struct http_request *, enum http_retry);
void	 http_request_callback(struct http_request *, http_done_cb *,
	     void *arg);

/*
 * Queue a request. The engine owns req from here on, even on failure.
 * Returns -1 with *cause (malloc'd) and no callback when the URL is
 * refused by http_url_check() or the engine is cancelled.
 */
int	 http_submit(struct http_engine *, struct http_request *req,
	     char **cause);

/*
 * Run transfers, retries and callbacks, waiting at most timeout_ms in
 * poll() for the network, one of the extra fds (may be NULL when
 * nextra is 0) or http_wakeup(). Returns the number of requests still
 * pending, or -1 with *cause when libcurl fails.
 */
int	 http_step(struct http_engine *, struct curl_waitfd *extra,
	     unsigned nextra, int timeout_ms, char **cause);

/* http_step() until nothing is pending. 0, or -1 with *cause. */
int	 http_drain(struct http_engine *, char **cause);

/*
 * Stop taking requests (http_submit() fails from now on) and abandon the
 * pending ones: at the next http_step() every in-flight transfer is
 * removed and each pending callback runs with HTTP_CANCELLED. Safe from a
 * callback.
 */
void	 http_cancel(struct http_engine *);

/* Wake a waiting http_step() (safe from another thread or a signal). */
void	 http_wakeup(struct http_engine *);

/* Number of requests submitted and not completed yet. */
unsigned http_pending(const struct http_engine *);

/* A copy of the counters. */
void	 http_counters(const struct http_engine *, struct http_counters *);

/*
 * Check a base or request URL: https:// to anywhere, http:// only to a
 * loopback host (127.0.0.0/8, ::1, localhost); no user name or password,
 * no fragment, no other scheme. 0, or -1 with *cause (malloc'd).
 */
int	 http_url_check(const char *url, char **cause);

/* The value of a response header (case-insensitive name), or NULL. */
const char	*http_response_header(const struct http_response *,
		     const char *name);

/*
 * What went wrong with a transfer, in words. host and port name the server
 * (port 0: not shown), os_errno is CURLINFO_OS_ERRNO, connected whether
 * the TCP connection was up (it tells a connect time-out from a server that
 * did not answer), timeout_ms the limit that applied, detail curl's error
 * buffer (may be NULL or empty). malloc'd.
 */
char	*http_describe_failure(CURLcode, const char *host, long port,
	     long os_errno, int connected, long timeout_ms,
	     const char *detail);

/* A final HTTP status in words, naming the host. malloc'd. */
char	*http_describe_status(long status, const char *host);

/*
 * Whether a transfer result or a status is worth another attempt (429 is
 * not: it is throttling, handled apart).
 */
int	 http_retryable_code(CURLcode);
int	 http_retryable_status(long status);

#endif
