/*
 * Client-side rate limiting for one destination account (or one rate
 * bucket of it): a token bucket sized from the documented limit, narrowed
 * by what the server reports in its rate-limit headers.
 *
 * One limiter is shared by every request that draws from the same server
 * budget; the HTTP engine asks it before each attempt (retries included).
 * The limiter never reads a clock and never sleeps: the caller passes the
 * time in (monotonic milliseconds, plus the wall clock in milliseconds for
 * epoch resets) and turns the waits it returns into poll timeouts.
 */
#ifndef SEGSYNC_SRC_NET_RATELIMIT_H
#define SEGSYNC_SRC_NET_RATELIMIT_H

#include <stdint.h>

/*
 * How a server reports its budget in response headers: the header names
 * (matched case-insensitively) of the requests left and of the window's
 * reset, a number of seconds either since the epoch or from now. The
 * destination driver that knows the server gives it; NULL in a config
 * means the server reports nothing.
 */
enum ratelimit_reset {
	RATELIMIT_RESET_EPOCH,		/* seconds since 1970 (wall clock) */
	RATELIMIT_RESET_RELATIVE	/* seconds from the answer on */
};

struct ratelimit_headers {
	const char		*remaining;	/* "X-RateLimit-Remaining" */
	const char		*reset;		/* "X-RateLimit-Reset" */
	enum ratelimit_reset	 reset_kind;
};

/*
 * limit requests per window_ms. burst is how many may leave back to back
 * (0 means 1). The refill rate is (limit - burst + 1) / window, so that any
 * half-open window of window_ms holds at most limit requests, from the very
 * first request on: the bucket starts with burst tokens, never more.
 * limit 0 means no client-side pacing (headers and holds still apply).
 */
struct ratelimit_config {
	unsigned			 limit;
	unsigned			 window_ms;
	unsigned			 burst;
	const struct ratelimit_headers	*headers;	/* static; or NULL */
};

/* Looks up a response header by name (case-insensitively), or NULL. */
typedef const char *ratelimit_header_fn(void *arg, const char *name);

/* A new limiter; free it with ratelimit_free() after its last request. */
struct ratelimit	*ratelimit_new(const struct ratelimit_config *);
void			 ratelimit_free(struct ratelimit **);

/*
 * Take one request's worth of budget at now_ms. Returns 0 when granted,
 * otherwise the number of milliseconds (>= 1) to wait before asking again;
 * nothing is taken then.
 */
int64_t	ratelimit_take(struct ratelimit *, int64_t now_ms);

/*
 * How long ratelimit_take() at now_ms would ask to wait (0: it would
 * grant), without taking anything: for callers that would rather do
 * something else than wait (confirmation rounds in an hourly budget).
 */
int64_t	ratelimit_wait(const struct ratelimit *, int64_t now_ms);

/* Grant nothing before until_ms (a 429, or a server window spent). */
void	ratelimit_hold(struct ratelimit *, int64_t until_ms);

/*
 * Read the headers the config names from a response. When the
 * server reports remaining = 0, further requests are held until its reset;
 * otherwise at most `remaining` more are granted before that reset.
 * wall_ms is the real-time clock in milliseconds (for epoch resets).
 */
void	ratelimit_observe(struct ratelimit *, ratelimit_header_fn *,
	    void *arg, int64_t now_ms, int64_t wall_ms);

/*
 * The monotonic time at which the server says its window resets, from the
 * configured headers, or -1 when the headers do not say (or say a
 * time already past).
 */
int64_t	ratelimit_reset_at(const struct ratelimit *, ratelimit_header_fn *,
	    void *arg, int64_t now_ms, int64_t wall_ms);

/* The headers the config names, or NULL. */
const struct ratelimit_headers *ratelimit_headers(const struct ratelimit *);

#endif
