/* Token bucket per destination account, adjusted from rate-limit headers. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "base/xmalloc.h"
#include "net/ratelimit.h"

/*
 * The server tells us of its window in its headers; treat two resets less
 * than this apart as the same window (a relative reset in whole seconds,
 * as Brevo's, read at two moments drifts).
 */
#define RATELIMIT_SAME_WINDOW_MS	1000

struct ratelimit {
	struct ratelimit_config	cfg;
	double			rate;		/* tokens/ms; 0: no pacing */
	double			cap;		/* bucket size */
	double			tokens;
	int64_t			last_ms;	/* last refill */
	int			started;

	int64_t			hold_ms;	/* nothing before this */

	/* The server's own budget, when its headers told us. */
	int			srv_known;
	long			srv_remaining;
	int64_t			srv_reset_ms;
};

struct ratelimit *
ratelimit_new(const struct ratelimit_config *cfg)
{
	struct ratelimit	*rl;
	unsigned		 burst;

	rl = xcalloc(1, sizeof *rl);
	rl->cfg = *cfg;
	if (cfg->limit != 0 && cfg->window_ms != 0) {
		burst = cfg->burst == 0 ? 1 : cfg->burst;
		if (burst > cfg->limit)
			burst = cfg->limit;
		rl->cap = burst;
		rl->tokens = burst;
		rl->rate = (double)(cfg->limit - burst + 1) / cfg->window_ms;
	}
	return rl;
}

void
ratelimit_free(struct ratelimit **rlp)
{
	xfree(rlp);
}

const struct ratelimit_headers *
ratelimit_headers(const struct ratelimit *rl)
{
	return rl->cfg.headers;
}

void
ratelimit_hold(struct ratelimit *rl, int64_t until_ms)
{
	if (until_ms > rl->hold_ms)
		rl->hold_ms = until_ms;
}

int64_t
ratelimit_take(struct ratelimit *rl, int64_t now_ms)
{
	double	need;
	int64_t	wait;

	if (now_ms < rl->hold_ms)
		return rl->hold_ms - now_ms;
	if (rl->srv_known && now_ms >= rl->srv_reset_ms)
		rl->srv_known = 0;
	if (rl->srv_known && rl->srv_remaining <= 0)
		return rl->srv_reset_ms - now_ms;

	if (rl->rate > 0) {
		if (!rl->started) {
			rl->started = 1;
			rl->last_ms = now_ms;
		}
		if (now_ms > rl->last_ms) {
			rl->tokens += (double)(now_ms - rl->last_ms) * rl->rate;
			if (rl->tokens > rl->cap)
				rl->tokens = rl->cap;
			rl->last_ms = now_ms;
		}
		/* A hair of slack so float error never stalls a whole ms. */
		if (rl->tokens < 1.0 - 1e-9) {
			need = (1.0 - rl->tokens) / rl->rate;
			wait = (int64_t)need;
			if ((double)wait < need)
				wait++;
			return wait < 1 ? 1 : wait;
		}
		rl->tokens -= 1.0;
		if (rl->tokens < 0)
			rl->tokens = 0;
	}
	if (rl->srv_known)
		rl->srv_remaining--;
	return 0;
}

int64_t
ratelimit_wait(const struct ratelimit *rl, int64_t now_ms)
{
	struct ratelimit	copy = *rl;

	return ratelimit_take(&copy, now_ms);
}

/* A non-negative decimal header value, or -1. */
static long long
ratelimit_number(const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	/* Tolerate a fractional part ("1.5") by rounding up. */
	if (*end == '.') {
		end++;
		while (*end == '0')
			end++;
		if (*end >= '1' && *end <= '9')
			v++;
		while (*end >= '0' && *end <= '9')
			end++;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return -1;
	return v;
}

int64_t
ratelimit_reset_at(const struct ratelimit *rl, ratelimit_header_fn *get,
    void *arg, int64_t now_ms, int64_t wall_ms)
{
	const struct ratelimit_headers	*h;
	long long			 reset;
	int64_t				 delta;

	h = rl->cfg.headers;
	if (h == NULL || h->reset == NULL)
		return -1;
	reset = ratelimit_number(get(arg, h->reset));
	if (reset < 0 || reset > INT64_MAX / 1000)
		return -1;
	delta = (int64_t)reset * 1000;
	if (h->reset_kind == RATELIMIT_RESET_EPOCH)
		delta -= wall_ms;
	if (delta <= 0 || delta > INT64_MAX - now_ms)
		return -1;
	return now_ms + delta;
}

void
ratelimit_observe(struct ratelimit *rl, ratelimit_header_fn *get, void *arg,
    int64_t now_ms, int64_t wall_ms)
{
	const char	*name;
	long long	 remaining;
	int64_t		 reset_ms;

	if (rl->cfg.headers == NULL || rl->cfg.headers->remaining == NULL)
		return;
	name = rl->cfg.headers->remaining;
	remaining = ratelimit_number(get(arg, name));
	reset_ms = ratelimit_reset_at(rl, get, arg, now_ms, wall_ms);
	if (remaining < 0 || reset_ms < 0)
		return;
	if (remaining > LONG_MAX)
		remaining = LONG_MAX;

	/*
	 * Within one server window our own count (which includes requests
	 * granted since this response was generated) is the better one, so
	 * only ever lower it; a new window starts from what the server says.
	 * Of the window's resets keep the earliest: a relative reset in
	 * whole seconds is rounded up, so every reading is at or after the
	 * true one and the earliest is the closest. Keeping the latest
	 * instead let a window of one second (Brevo's 10 a second) creep
	 * into the next ones, whose readings fall within a second of it, and
	 * hold a request for up to a second every ten.
	 */
	if (rl->srv_known && now_ms < rl->srv_reset_ms &&
	    llabs(reset_ms - rl->srv_reset_ms) < RATELIMIT_SAME_WINDOW_MS) {
		if (remaining < rl->srv_remaining)
			rl->srv_remaining = (long)remaining;
		if (reset_ms < rl->srv_reset_ms)
			rl->srv_reset_ms = reset_ms;
	} else {
		rl->srv_known = 1;
		rl->srv_remaining = (long)remaining;
		rl->srv_reset_ms = reset_ms;
	}
}
