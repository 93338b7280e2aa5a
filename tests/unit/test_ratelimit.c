/* The token bucket and the rate-limit headers, on a simulated clock. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/ratelimit.h"
#include "tap.h"

/*
 * The two schemes of the destinations, as their drivers give them: an
 * epoch reset (Braze's) and a relative one (Brevo's).
 */
static const struct ratelimit_headers epoch_hdrs = {
	"X-RateLimit-Remaining", "X-RateLimit-Reset", RATELIMIT_RESET_EPOCH
};
static const struct ratelimit_headers relative_hdrs = {
	"x-sib-ratelimit-remaining", "x-sib-ratelimit-reset",
	RATELIMIT_RESET_RELATIVE
};

/* Response headers for ratelimit_observe(): NULL-terminated pairs. */
static const char *
hdr(void *arg, const char *name)
{
	const char	**h = arg;

	for (; h[0] != NULL; h += 2) {
		if (strcasecmp(h[0], name) == 0)
			return h[1];
	}
	return NULL;
}

/*
 * Take as fast as allowed for duration ms at 1 ms steps; return the most
 * grants seen in any half-open window of window ms, and the total.
 */
static int
greedy(struct ratelimit *rl, int64_t duration, int64_t window, int *total)
{
	static int64_t	at[100000];
	int		n = 0, i, j, most = 0;
	int64_t		t;

	for (t = 0; t < duration && n < 100000; t++) {
		while (ratelimit_take(rl, t) == 0 && n < 100000)
			at[n++] = t;
	}
	for (i = 0; i < n; i++) {
		for (j = i; j < n && at[j] < at[i] + window; j++)
			;
		if (j - i > most)
			most = j - i;
	}
	*total = n;
	return most;
}

int
main(void)
{
	struct ratelimit_config	 cfg;
	struct ratelimit	*rl;
	int			 most, total;
	int64_t			 w;
	const char		*braze[] = { "X-RateLimit-Limit", "3",
	    "x-ratelimit-remaining", "0", "X-RateLimit-Reset", "1005", NULL };
	const char		*brevo[] = { "x-sib-ratelimit-limit", "10",
	    "x-sib-ratelimit-remaining", "2", "x-sib-ratelimit-reset", "3",
	    NULL };
	const char		*none[] = { NULL };

	plan_lazy();

	memset(&cfg, 0, sizeof cfg);
	cfg.limit = 10;
	cfg.window_ms = 1000;
	rl = ratelimit_new(&cfg);
	most = greedy(rl, 10000, 1000, &total);
	ok(most <= 10, "10/s: at most 10 in any second (saw %d)", most);
	ok(total >= 99 && total <= 101, "10/s: about 100 in 10 s (%d)",
	    total);
	ratelimit_free(&rl);
	ok(rl == NULL, "ratelimit_free clears the pointer");

	/* Braze: 3,000 per 3 s with a burst of 100. */
	cfg.limit = 3000;
	cfg.window_ms = 3000;
	cfg.burst = 100;
	rl = ratelimit_new(&cfg);
	most = greedy(rl, 9000, 3000, &total);
	ok(most <= 3000, "3000/3 s burst 100: never above 3000 per 3 s "
	    "(saw %d)", most);
	ok(total > 8500, "3000/3 s: close to the limit (%d in 9 s)", total);
	ratelimit_free(&rl);

	cfg.limit = 5;
	cfg.window_ms = 1000;
	cfg.burst = 5;
	rl = ratelimit_new(&cfg);
	most = greedy(rl, 5000, 1000, &total);
	ok(most <= 5, "burst = limit: still at most 5 per second (%d)", most);
	ratelimit_free(&rl);

	cfg.burst = 0;
	rl = ratelimit_new(&cfg);
	is_int(ratelimit_take(rl, 0), 0, "first request goes at once");
	is_int(ratelimit_wait(rl, 0), ratelimit_take(rl, 0),
	    "ratelimit_wait says what take would");
	w = ratelimit_take(rl, 0);
	ok(w >= 199 && w <= 200, "the next waits a fifth of a second (%lld)",
	    (long long)w);
	is_int(ratelimit_take(rl, w), 0, "and goes after that wait");
	ratelimit_hold(rl, 5000);
	is_int(ratelimit_take(rl, 1000), 4000, "a hold delays until its end");
	is_int(ratelimit_take(rl, 5000), 0, "and ends");
	ratelimit_free(&rl);

	/* Braze headers: epoch reset. Wall clock 1000.5 s, mono 0. */
	memset(&cfg, 0, sizeof cfg);
	cfg.headers = &epoch_hdrs;
	rl = ratelimit_new(&cfg);
	is_int(ratelimit_reset_at(rl, hdr, braze, 0, 1000500), 4500,
	    "Braze reset is epoch seconds");
	is_int(ratelimit_reset_at(rl, hdr, none, 0, 1000500), -1,
	    "no headers, no reset");
	ratelimit_observe(rl, hdr, braze, 0, 1000500);
	is_int(ratelimit_take(rl, 10), 4490,
	    "remaining 0 holds until the reset");
	is_int(ratelimit_take(rl, 4500), 0, "and lets go at the reset");
	ok(ratelimit_headers(rl) == &epoch_hdrs, "headers kept");
	ratelimit_free(&rl);

	/* Brevo headers: relative reset, remaining 2. */
	cfg.headers = &relative_hdrs;
	rl = ratelimit_new(&cfg);
	is_int(ratelimit_reset_at(rl, hdr, brevo, 100, 999999999), 3100,
	    "Brevo reset is seconds from now");
	ratelimit_observe(rl, hdr, brevo, 100, 0);
	is_int(ratelimit_wait(rl, 200), 0, "remaining 2: one could go");
	is_int(ratelimit_wait(rl, 200), 0, "and asking took nothing");
	is_int(ratelimit_take(rl, 200), 0, "remaining 2: one");
	is_int(ratelimit_take(rl, 200), 0, "remaining 2: two");
	is_int(ratelimit_wait(rl, 200), 2900, "the third would wait");
	is_int(ratelimit_take(rl, 200), 2900, "remaining 2: third waits");
	/* A stale response from the same window must not raise it again. */
	ratelimit_observe(rl, hdr, brevo, 300, 0);
	ok(ratelimit_take(rl, 300) > 0, "a stale remaining does not refill");
	is_int(ratelimit_take(rl, 3400), 0, "the next window opens");
	ratelimit_free(&rl);

	/*
	 * A server with fixed one-second windows of 10, as Brevo's contacts
	 * bucket, answering at once with a relative reset in whole seconds
	 * (rounded up): paced at its own limit, the client gets its 10 a
	 * second and never an 11th in a window. Keeping the latest of a
	 * window's resets made them creep into the next windows and hold a
	 * request for up to a second every ten.
	 */
	memset(&cfg, 0, sizeof cfg);
	cfg.limit = 10;
	cfg.window_ms = 1000;
	cfg.burst = 1;
	cfg.headers = &relative_hdrs;
	rl = ratelimit_new(&cfg);
	{
		char		 rem[16], reset[16];
		const char	*h[] = { "x-sib-ratelimit-remaining", rem,
		    "x-sib-ratelimit-reset", reset, NULL };
		int64_t		 t, win = -1;
		int		 inwin = 0, peak = 0, n = 0;

		for (t = 0; t < 10000; t++) {
			if (ratelimit_take(rl, t) != 0)
				continue;
			if (t / 1000 != win) {
				win = t / 1000;
				inwin = 0;
			}
			inwin++;
			n++;
			if (inwin > peak)
				peak = inwin;
			snprintf(rem, sizeof rem, "%d", 10 - inwin);
			snprintf(reset, sizeof reset, "%lld",
			    (long long)((win + 1) * 1000 - t + 999) / 1000);
			ratelimit_observe(rl, hdr, h, t, 0);
		}
		ok(peak <= 10, "never more than 10 in a server window (%d)",
		    peak);
		ok(n >= 95, "about 10 a second over 10 s (%d)", n);
	}
	ratelimit_free(&rl);

	/* A limiter reads only the headers of its own scheme. */
	cfg.headers = &epoch_hdrs;
	rl = ratelimit_new(&cfg);
	is_int(ratelimit_reset_at(rl, hdr, brevo, 0, 0), -1,
	    "Braze limiter ignores x-sib-* headers");
	ratelimit_free(&rl);
	{
		const char *junk[] = { "X-RateLimit-Remaining", "-1",
		    "X-RateLimit-Reset", "soon", NULL };

		rl = ratelimit_new(&cfg);
		ratelimit_observe(rl, hdr, junk, 0, 0);
		is_int(ratelimit_take(rl, 0), 0, "junk headers are ignored");
		ratelimit_free(&rl);
	}
	return done_testing();
}
