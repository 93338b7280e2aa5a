/* The confirmation phase: a delivery's jobs, polled, then resolved. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "data/csv.h"
#include "data/dedup.h"
#include "data/normalize.h"
#include "data/rejects.h"
#include "dest/dest.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "run/confirm.h"
#include "run/deliver_types.h"

#define CONFIRM_FIRST_MS	((int64_t)30 * 1000)
#define CONFIRM_MAX_MS		((int64_t)5 * 60 * 1000)
#define CONFIRM_GIVE_UP_MS	((int64_t)6 * 3600 * 1000)

/* Refs handed to on_confirm_reject in one call, at most. */
#define CONFIRM_CHUNK		1024

/*
 * The refs of one job, increasing: closed runs encoded in buf (gap from
 * end, then length), and the run still growing kept apart.
 */
struct centry {
	uint64_t	 id;
	size_t		 job;		/* index of id in the distinct jobs */
	uint64_t	 end;		/* where the closed runs end */
	uint64_t	 run, runlen;	/* the open run */
	unsigned char	*buf;
	size_t		 len, size;
};

struct confirm {
	struct centry	*e;
	size_t		 n, size;
	size_t		 last;		/* entry of the last confirm_add() */
	size_t		 njobs;		/* distinct ids */
	size_t		 bytes;
};

/* Reading an entry's refs back, in order. */
struct cursor {
	const struct centry	*e;
	size_t			 pos;
	uint64_t		 prev;		/* end of the last run read */
	uint64_t		 ref;		/* the current ref */
	uint64_t		 left;		/* refs of its run after it */
	int			 open_read;	/* the open run was read */
};

/* What the resolve pass carries along. */
struct resolve {
	const struct deliver_config	*cfg;
	struct deliver_stats		*stats;
	struct dest_job			*jobs;
	struct dedup			*report;	/* id || email */
	uint64_t			 refs[CONFIRM_CHUNK];
	size_t				 nrefs;
	uint64_t			 job;		/* of refs[] */
	const char			*reason;	/* of refs[] */
	confirm_unaccept_cb		*unaccept;	/* or NULL */
	void				*arg;
};


struct confirm *
confirm_new(void)
{
	return xcalloc(1, sizeof(struct confirm));
}

void
confirm_free(struct confirm **cp)
{
	struct confirm	*c = *cp;
	size_t		 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->e[i].buf);
	free(c->e);
	free(c);
	*cp = NULL;
}

static void
centry_put(struct confirm *c, struct centry *e, uint64_t v)
{
	if (e->len + 10 > e->size) {
		c->bytes -= e->size;
		e->size = e->size == 0 ? 64 : e->size * 2;
		e->buf = xrealloc(e->buf, e->size);
		c->bytes += e->size;
	}
	while (v >= 0x80) {
		e->buf[e->len++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	e->buf[e->len++] = (unsigned char)v;
}

static uint64_t
centry_get(const struct centry *e, size_t *pos)
{
	uint64_t	v = 0;
	unsigned	shift = 0;
	unsigned char	b;

	do {
		b = e->buf[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && *pos < e->len && shift < 64);
	return v;
}

void
confirm_add(struct confirm *c, uint64_t job, uint64_t ref)
{
	struct centry	*e = NULL;
	size_t		 i;
	int		 known = 0;

	/* A batch's profiles share their job: the last entry, nearly always. */
	if (c->n > 0) {
		e = &c->e[c->last];
		if (e->id != job || ref < e->run + e->runlen)
			e = NULL;
	}
	for (i = c->n; e == NULL && i-- > 0;) {
		if (c->e[i].id != job)
			continue;
		known = 1;
		if (ref >= c->e[i].run + c->e[i].runlen) {
			e = &c->e[i];
			c->last = i;
		}
	}
	if (e == NULL) {
		if (c->n == c->size) {
			c->bytes -= c->size * sizeof *c->e;
			c->size = c->size == 0 ? 16 : c->size * 2;
			c->e = xreallocarray(c->e, c->size, sizeof *c->e);
			c->bytes += c->size * sizeof *c->e;
		}
		e = &c->e[c->n];
		memset(e, 0, sizeof *e);
		e->id = job;
		c->last = c->n++;
		if (!known)
			c->njobs++;
	}
	if (e->runlen > 0 && ref == e->run + e->runlen) {
		e->runlen++;
		return;
	}
	if (e->runlen > 0) {
		centry_put(c, e, e->run - e->end);
		centry_put(c, e, e->runlen);
		e->end = e->run + e->runlen;
	}
	e->run = ref;
	e->runlen = 1;
}

size_t
confirm_njobs(const struct confirm *c)
{
	return c->njobs;
}

size_t
confirm_bytes(const struct confirm *c)
{
	return sizeof *c + c->bytes;
}

/* The next ref of the entry into k->ref: 1, or 0 when there is none. */
static int
cursor_next(struct cursor *k)
{
	uint64_t	gap, len;

	if (k->left > 0) {
		k->ref++;
		k->left--;
		return 1;
	}
	if (k->pos < k->e->len) {
		gap = centry_get(k->e, &k->pos);
		len = k->pos < k->e->len ? centry_get(k->e, &k->pos) : 1;
		if (len == 0)
			len = 1;
		k->ref = k->prev + gap;
		k->left = len - 1;
		k->prev = k->ref + len;
		return 1;
	}
	if (!k->open_read && k->e->runlen > 0) {
		k->open_read = 1;
		k->ref = k->e->run;
		k->left = k->e->runlen - 1;
		return 1;
	}
	return 0;
}

/* A min-heap of cursors by ref. */
static void
heap_down(struct cursor **h, size_t n, size_t i)
{
	struct cursor	*t;
	size_t		 l, m;

	for (;;) {
		l = 2 * i + 1;
		if (l >= n)
			break;
		m = l + 1 < n && h[l + 1]->ref < h[l]->ref ? l + 1 : l;
		if (h[i]->ref <= h[m]->ref)
			break;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void
heap_up(struct cursor **h, size_t i)
{
	struct cursor	*t;
	size_t		 p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (h[p]->ref <= h[i]->ref)
			break;
		t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* Move the top cursor on, or drop it when it is done. */
static void
heap_advance(struct cursor **h, size_t *n)
{
	if (!cursor_next(h[0]))
		h[0] = h[--*n];
	if (*n > 0)
		heap_down(h, *n, 0);
}

/* Keep the latest note for the run's messages. */
static void
confirm_note(struct deliver_stats *stats, char *note)
{
	if (note == NULL)
		return;
	free(stats->confirm_note);
	stats->confirm_note = note;
}

/*
 * Test-only timing (see confirm.h), else the defaults. Values that do not
 * parse as positive numbers are ignored.
 */
static void
confirm_timing(int64_t *first, int64_t *max, int64_t *give_up)
{
	const char	*v;
	long long	 a = 0, b = 0, c = 0;
	int		 n;

	*first = CONFIRM_FIRST_MS;
	*max = CONFIRM_MAX_MS;
	*give_up = CONFIRM_GIVE_UP_MS;
	v = getenv("SEGSYNC_TEST_CONFIRM_MS");
	if (v == NULL || (n = sscanf(v, "%lld,%lld,%lld", &a, &b, &c)) < 1)
		return;
	if (a > 0)
		*first = a;
	if (n >= 2 && b > 0)
		*max = b;
	if (n >= 3 && c > 0)
		*give_up = c;
	if (*max < *first)
		*max = *first;
}

/* Live counts for on_tick, which the run engine writes progress from. */
static void
confirm_tick(const struct deliver_config *cfg, struct deliver_stats *stats)
{
	struct http_counters	hc;

	if (cfg->on_tick == NULL)
		return;
	http_counters(cfg->engine, &hc);
	stats->requests = hc.sent;
	stats->throttled = hc.throttled;
	stats->rate_waits = hc.rate_waits;
	cfg->on_tick(stats, cfg->arg);
}

/*
 * Wait in the engine's poll, waking at least every second for cancel
 * and on_tick,
 * until due (monotonic ms) and until the session's other budget grants a
 * request, so that the round's first request never waits inside the
 * driver (an hourly budget may hold it for most of an hour). 0 then, 1
 * when the deadline comes first, or -1 with *cause.
 */
static int
confirm_wait(const struct deliver_config *cfg, struct deliver_stats *stats,
    int64_t due, int64_t deadline, char **cause)
{
	struct ratelimit	*rl = cfg->session->other_limiter;
	int64_t			 now, until;

	for (;;) {
		confirm_tick(cfg, stats);
		if (cfg->cancel != NULL && *cfg->cancel) {
			*cause = xstrdup(_("The delivery was cancelled."));
			return -1;
		}
		now = util_mono_ms();
		until = due;
		if (rl != NULL && now + ratelimit_wait(rl, now) > until)
			until = now + ratelimit_wait(rl, now);
		if (now >= until)
			return 0;
		if (now >= deadline)
			return 1;
		if (until > deadline)
			until = deadline;
		if (http_step(cfg->engine, NULL, 0, until - now > 1000 ? 1000 :
		    (int)(until - now), cause) == -1)
			return -1;
	}
}

/* Say that pending jobs were given up on. */
static void
confirm_give_up(struct deliver_stats *stats, const struct dest_driver *d,
    size_t pending, int64_t start)
{
	confirm_note(stats, xasprintf(ngettext_("%1$zu job queued by %2$s "
	    "was still pending after %3$lld minutes: its profiles count as "
	    "accepted, unconfirmed.", "%1$zu jobs queued by %2$s were still "
	    "pending after %3$lld minutes: their profiles count as accepted, "
	    "unconfirmed.", pending), pending, _(d->label),
	    (long long)((util_mono_ms() - start) / 60000)));
}

static int
job_cmp(const void *a, const void *b)
{
	uint64_t	x = ((const struct dest_job *)a)->id;
	uint64_t	y = ((const struct dest_job *)b)->id;

	return x < y ? -1 : x > y;
}

/* The index of id in jobs (sorted, present). */
static size_t
job_find(const struct dest_job *jobs, size_t n, uint64_t id)
{
	size_t	lo = 0, hi = n, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (jobs[mid].id <= id)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Rounds of the driver's confirm() until no job is pending, the time is
 * up, or asking again is of no use. 0, or -1 with *cause (cancelled).
 */
static int
confirm_poll(const struct deliver_config *cfg, struct deliver_stats *stats,
    struct dest_job *jobs, size_t njobs, char **cause)
{
	const struct dest_driver	*d = cfg->session->driver;
	struct dest_job			*pj;
	enum dest_outcome		 o;
	size_t				*idx, i, np, pending = njobs;
	int64_t				 first, max, give_up, start, due;
	int64_t				 interval, now;
	char				*msg;
	int				 rv = 0, w;

	confirm_timing(&first, &max, &give_up);
	pj = xcalloc(njobs, sizeof *pj);
	idx = xcalloc(njobs, sizeof *idx);
	start = util_mono_ms();
	interval = first;
	due = start + first;
	while (pending > 0) {
		now = util_mono_ms();
		stats->confirm_next = (int64_t)time(NULL) +
		    (due > now ? (due - now + 999) / 1000 : 0);
		w = confirm_wait(cfg, stats, due, start + give_up, cause);
		if (w == -1) {
			rv = -1;
			break;
		}
		if (w == 1) {
			confirm_give_up(stats, d, pending, start);
			break;
		}
		for (i = np = 0; i < njobs; i++) {
			if (jobs[i].state != DEST_JOB_PENDING)
				continue;
			memset(&pj[np], 0, sizeof pj[np]);
			pj[np].id = jobs[i].id;
			idx[np++] = i;
		}
		msg = NULL;
		o = d->confirm(cfg->session, cfg->engine, pj, np, &msg);
		stats->confirm_rounds++;
		for (i = 0; i < np; i++) {
			confirm_note(stats, pj[i].warning);
			pj[i].warning = NULL;
			if (pj[i].state == DEST_JOB_PENDING) {
				dest_job_clear(&pj[i]);
				continue;
			}
			jobs[idx[i]] = pj[i];
			memset(&pj[i], 0, sizeof pj[i]);
			pending--;
			if (jobs[idx[i]].state == DEST_JOB_FAILED)
				stats->jobs_failed++;
		}
		stats->jobs_pending = pending;
		confirm_tick(cfg, stats);
		if (o == DEST_OK)
			free(msg);
		else if (pending > 0 && (o == DEST_AUTH || o == DEST_CONFIG)) {
			/* Asking again is of no use: say what is left. */
			confirm_note(stats, xasprintf(ngettext_("%1$s %2$zu "
			    "job queued by %3$s could not be confirmed: its "
			    "profiles count as accepted, unconfirmed.",
			    "%1$s %2$zu jobs queued by %3$s could not be "
			    "confirmed: their profiles count as accepted, "
			    "unconfirmed.", pending), msg != NULL ? msg : "",
			    pending, _(d->label)));
			free(msg);
			break;
		} else
			confirm_note(stats, msg);
		if (pending == 0)
			break;
		now = util_mono_ms();
		if (now - start >= give_up) {
			confirm_give_up(stats, d, pending, start);
			break;
		}
		interval = interval * 3 / 2;
		if (interval > max)
			interval = max;
		due = now + interval;
	}
	stats->confirm_next = 0;
	for (i = 0; i < njobs; i++)
		dest_job_clear(&pj[i]);
	free(pj);
	free(idx);
	return rv;
}

/* Hand the refs gathered so far to on_confirm_reject. */
static void
resolve_flush(struct resolve *rs)
{
	const struct deliver_config	*cfg = rs->cfg;

	if (rs->nrefs > 0 && cfg->on_confirm_reject != NULL)
		cfg->on_confirm_reject(rs->refs, rs->nrefs, rs->job,
		    rs->reason, cfg->arg);
	rs->nrefs = 0;
}

/*
 * Tell the sync state that the profile of row was not taken after all,
 * by its key: the customer ID when it has one, else the email.
 */
static void
resolve_unaccept(struct resolve *rs, const struct csv_row *row, long ei,
    long ci)
{
	const struct csv_field	*f;
	const char		*v;
	char			 email[NORMALIZE_EMAIL_SIZE];
	size_t			 len = 0;

	if (ci != -1 && (size_t)ci < row->nfields) {
		f = &row->fields[ci];
		v = normalize_trim(f->s, f->len, &len);
		if (len > 0) {
			rs->unaccept(v, len, 1, rs->arg);
			return;
		}
	}
	if (ei == -1 || (size_t)ei >= row->nfields)
		return;
	f = &row->fields[ei];
	if (normalize_email(f->s, f->len, email, &len) == NORMALIZE_OK)
		rs->unaccept(email, len, 0, rs->arg);
	sodium_memzero(email, sizeof email);
}

/*
 * Decide one profile of an affected job: row is its record as read again
 * (NULL when it is no longer there). 0, or -1 with *cause when the
 * rejects file fails.
 */
static int
resolve_one(struct resolve *rs, const struct cursor *k,
    const struct csv_row *row, long ei, long ci, char **cause)
{
	const struct deliver_config	*cfg = rs->cfg;
	struct deliver_stats		*st = rs->stats;
	const struct dest_job		*j = &rs->jobs[k->e->job];
	const struct csv_field		*f;
	const char			*reason = NULL, *ident = "";
	char				 key[8 + NORMALIZE_EMAIL_SIZE];
	size_t				 identlen = 0, elen, seg;
	uint64_t			 ref = k->ref;

	if (row != NULL) {
		if (ci != -1 && (size_t)ci < row->nfields &&
		    row->fields[ci].len > 0) {
			ident = row->fields[ci].s;
			identlen = row->fields[ci].len;
		} else if (ei != -1 && (size_t)ei < row->nfields) {
			ident = row->fields[ei].s;
			identlen = row->fields[ei].len;
		}
	}
	if (j->state == DEST_JOB_FAILED)
		reason = j->reason != NULL ? j->reason :
		    _("the destination's job for this profile failed");
	else if (row != NULL && ei != -1 && (size_t)ei < row->nfields) {
		f = &row->fields[ei];
		memcpy(key, &j->id, 8);
		if (normalize_email(f->s, f->len, key + 8, &elen) ==
		    NORMALIZE_OK && dedup_has(rs->report, key, 8 + elen))
			reason = j->report_reason != NULL ? j->report_reason :
			    _("the destination refused the profile");
	}
	if (reason == NULL)
		return 0;
	if (row != NULL && rs->unaccept != NULL)
		resolve_unaccept(rs, row, ei, ci);

	if (rs->nrefs == CONFIRM_CHUNK || (rs->nrefs > 0 &&
	    (rs->job != j->id || rs->reason != reason)))
		resolve_flush(rs);
	rs->job = j->id;
	rs->reason = reason;
	rs->refs[rs->nrefs++] = ref;
	seg = DELIVER_REF_SEGMENT(ref);
	if (seg < st->nsegments && st->segments[seg].accepted > 0) {
		st->segments[seg].accepted--;
		st->segments[seg].rejected++;
	}
	if (st->total.accepted > 0)
		st->total.accepted--;
	st->total.rejected++;
	st->confirm_rejected++;
	if (cfg->rejects != NULL && seg < cfg->nsegments &&
	    rejects_add(cfg->rejects, cfg->segments[seg].name,
	    DELIVER_REF_LINE(ref), ident, identlen, reason, cause) != 0)
		return -1;
	return 0;
}

/*
 * Read segment seg again for the refs at the top of the heap that are in
 * it. 0, or -1 with *cause.
 */
static int
resolve_segment(struct resolve *rs, struct cursor **heap, size_t *nheap,
    size_t seg, char **cause)
{
	const struct deliver_config	*cfg = rs->cfg;
	const struct deliver_mapping	*mp = cfg->mapping;
	struct csv_reader		*r = NULL;
	struct csv_row			 row;
	enum csv_status			 st;
	char				*rc = NULL;
	uint64_t			 line;
	long				 ei = -1, ci = -1;
	int				 have = 0, rv = 0;

	if (csv_open(cfg->segments[seg].path, &r, &rc) != 0) {
		confirm_note(rs->stats, rc);
		rc = NULL;
	} else {
		if (mp->fields[DEST_SLOT_EMAIL] != NULL)
			ei = csv_field_index(r, mp->fields[DEST_SLOT_EMAIL]);
		if (mp->fields[DEST_SLOT_CUSTOMER_ID] != NULL)
			ci = csv_field_index(r,
			    mp->fields[DEST_SLOT_CUSTOMER_ID]);
	}
	while (*nheap > 0 && DELIVER_REF_SEGMENT(heap[0]->ref) == seg) {
		line = DELIVER_REF_LINE(heap[0]->ref);
		while (r != NULL && (!have || row.line < line)) {
			st = csv_next(r, &row, &rc);
			if (st == CSV_EOF || st == CSV_IO_ERROR) {
				confirm_note(rs->stats, rc);
				rc = NULL;
				csv_close(&r);
				have = 0;
				break;
			}
			if (st == CSV_ROW_ERROR) {
				xfree(&rc);
				have = 0;
				continue;
			}
			have = 1;
		}
		if (resolve_one(rs, heap[0], r != NULL && have &&
		    row.line == line ? &row : NULL, ei, ci, cause) != 0) {
			rv = -1;
			break;
		}
		heap_advance(heap, nheap);
	}
	csv_close(&r);
	return rv;
}

/*
 * Reject what the decided jobs refused, reading the segments once more.
 * 0, or -1 with *cause.
 */
static int
confirm_resolve(struct confirm *c, const struct deliver_config *cfg,
    struct deliver_stats *stats, struct dest_job *jobs, size_t njobs,
    confirm_unaccept_cb *unaccept, void *arg, char **cause)
{
	struct resolve	 rs;
	struct cursor	*ks, **heap;
	struct dest_job	*j;
	char		 key[8 + NORMALIZE_EMAIL_SIZE];
	const char	*p, *end;
	size_t		 i, n, nheap = 0, seg;
	int		 rv = 0;

	memset(&rs, 0, sizeof rs);
	rs.cfg = cfg;
	rs.stats = stats;
	rs.jobs = jobs;
	rs.unaccept = unaccept;
	rs.arg = arg;
	rs.report = dedup_new();
	for (i = 0; i < njobs; i++) {
		j = &jobs[i];
		if (j->state != DEST_JOB_DONE || j->report == NULL)
			continue;
		memcpy(key, &j->id, 8);
		end = j->report + j->report_len;
		for (p = j->report; p < end; p += n + 1) {
			n = strnlen(p, (size_t)(end - p));
			if (n > 0 && n < NORMALIZE_EMAIL_SIZE) {
				memcpy(key + 8, p, n);
				dedup_add(rs.report, key, 8 + n);
			}
		}
	}

	ks = xcalloc(c->n + 1, sizeof *ks);
	heap = xcalloc(c->n + 1, sizeof *heap);
	for (i = 0; i < c->n; i++) {
		j = &jobs[c->e[i].job];
		if (j->state != DEST_JOB_FAILED && (j->state != DEST_JOB_DONE ||
		    j->report_len == 0))
			continue;
		ks[i].e = &c->e[i];
		if (!cursor_next(&ks[i]))
			continue;
		heap[nheap] = &ks[i];
		heap_up(heap, nheap++);
	}
	for (seg = 0; seg < cfg->nsegments && nheap > 0 && rv == 0; seg++) {
		if (DELIVER_REF_SEGMENT(heap[0]->ref) == seg)
			rv = resolve_segment(&rs, heap, &nheap, seg, cause);
	}
	/* Refs past the segments: no row to read. */
	while (nheap > 0 && rv == 0) {
		rv = resolve_one(&rs, heap[0], NULL, -1, -1, cause);
		heap_advance(heap, &nheap);
	}
	if (rv == 0)
		resolve_flush(&rs);
	free(heap);
	free(ks);
	dedup_free(&rs.report);
	return rv;
}

int
confirm_run(struct confirm *c, const struct deliver_config *cfg,
    struct deliver_stats *stats, confirm_unaccept_cb *unaccept, void *arg,
    char **cause)
{
	const struct dest_driver	*d = cfg->session->driver;
	struct dest_job			*jobs;
	size_t				 i, n;
	char				*rc = NULL;
	int				 rv;

	if (c->n == 0 || d->confirm == NULL)
		return 0;
	/* The distinct jobs, by id; each entry points at its own. */
	jobs = xcalloc(c->n, sizeof *jobs);
	for (i = 0; i < c->n; i++)
		jobs[i].id = c->e[i].id;
	qsort(jobs, c->n, sizeof *jobs, job_cmp);
	for (i = n = 0; i < c->n; i++)
		if (n == 0 || jobs[i].id != jobs[n - 1].id)
			jobs[n++].id = jobs[i].id;
	for (i = 0; i < c->n; i++)
		c->e[i].job = job_find(jobs, n, c->e[i].id);

	stats->phase = DELIVER_PHASE_CONFIRM;
	stats->jobs = n;
	stats->jobs_pending = n;
	stats->confirm_bytes = confirm_bytes(c);
	rv = confirm_poll(cfg, stats, jobs, n, cause);
	/* Even when cancelled: what is known is counted and recorded. */
	if ((stats->jobs_failed > 0 || stats->jobs_pending < n) &&
	    confirm_resolve(c, cfg, stats, jobs, n, unaccept, arg, rv == 0 ?
	    cause : &rc) != 0) {
		free(rc);
		rv = -1;
	}
	for (i = 0; i < n; i++)
		dest_job_clear(&jobs[i]);
	free(jobs);
	return rv;
}
