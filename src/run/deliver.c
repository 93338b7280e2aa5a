/* Delivery of selected segments to one destination: plan, then stream. */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "data/csv.h"
#include "data/normalize.h"
#include "data/rejects.h"
#include "net/http.h"
#include "run/confirm.h"
#include "run/deliver.h"

/*
 * The key map: slots of 1 + W 64-bit words (W = segment words); word 0 is
 * the hash with bit 0 meaning "sent" (0: empty slot), the others the
 * segment bits. With one segment W is 0: every key is in it.
 */
struct keymap {
	uint64_t	*v;
	size_t		 nslots;	/* power of two */
	size_t		 used;
	size_t		 words;		/* W */
	unsigned char	 key[crypto_shorthash_KEYBYTES];
};

#define KEY_SENT	((uint64_t)1)

/* Offsets into a batch's arena; NONE stands for NULL. */
#define NONE		SIZE_MAX

struct item {
	size_t			 email, cid, fn, ln, phone, ident;
	size_t			 seg;		/* segment index */
	unsigned long long	 line;
	size_t			 nsegs;		/* names in segnames */
	int			 phone_warn;
};

struct batch {
	struct deliver		*d;
	size_t			 n, cap;
	struct item		*items;
	size_t			*attrs;		/* cap * nattrs offsets */
	const char		**segnames;	/* cap * nsegments */
	char			*arena;
	size_t			 alen, asize;
	unsigned		 resubmits;
	unsigned		 auth_gen;	/* session's, when encoded */
	int			 reauthed;	/* reauth() ran for it */
	/* Filled just before encoding (cap entries each). */
	struct dest_profile	*p;
	struct dest_attr	*pattrs;
	unsigned char		*warned;
	struct dest_result	*res;		/* decode()'s */
	struct batch		*next;		/* queued, or in the pool */
};

struct deliver {
	const struct deliver_config	*cfg;
	const struct dest_driver	*driver;
	struct deliver_stats		*stats;
	struct keymap			 map;
	size_t				 nattrs;
	size_t				*order;	/* segment indexes by name */
	unsigned			 in_flight, max_in_flight;
	struct batch			*queue, **queue_tail;
	char				*fatal;
	int				 planned;	/* plan pass ran */
	uint64_t			 dry_requests;
	uint64_t			 resubmitted;	/* RETRY verdicts */
	unsigned			 rows;		/* since the last tick */
	struct confirm			*confirm;	/* jobs, or NULL */
	/*
	 * Finished batches kept for their buffers (wiped): allocating and
	 * freeing a batch's arrays for every request was a visible share of
	 * a delivery's CPU, and large Brevo batches churned the heap.
	 */
	struct batch			*pool;
	unsigned			 npool;
};

/*
 * Zeroed room for n slots of the given stride. A large map is looked up at
 * random, one cache and TLB miss per row: it asks for huge pages, where
 * the system gives them (about a third of the time spent in lookups at a
 * million rows).
 */
static uint64_t *
keymap_alloc(size_t n, size_t stride)
{
	size_t	 bytes;
	void	*p;

#ifdef MADV_HUGEPAGE
	if (stride != 0 && n <= SIZE_MAX / sizeof(uint64_t) / stride &&
	    (bytes = n * stride * sizeof(uint64_t)) >= ((size_t)4 << 20) &&
	    posix_memalign(&p, (size_t)2 << 20, bytes) == 0) {
		(void)madvise(p, bytes, MADV_HUGEPAGE);
		memset(p, 0, bytes);
		return p;
	}
#endif
	p = xcalloc(n * stride, sizeof(uint64_t));
	return p;
}

/*
 * Room for about expected keys from the start, so that a large run never
 * holds the old and the new table at once while doubling.
 */
static int
keymap_init(struct keymap *m, size_t nsegments, uint64_t expected)
{
	m->words = nsegments > 1 ? (nsegments + 63) / 64 : 0;
	m->nslots = 1024;
	while (m->nslots < ((size_t)1 << 40) &&
	    (uint64_t)m->nslots * 3 < expected * 4 + 4)
		m->nslots *= 2;
	m->used = 0;
	m->v = keymap_alloc(m->nslots, 1 + m->words);
	randombytes_buf(m->key, sizeof m->key);
	return 0;
}

static void
keymap_free(struct keymap *m)
{
	free(m->v);
	m->v = NULL;
}

/* The hash of a key; email and customer ID keys differ in a constant. */
static uint64_t
keymap_hash(const struct keymap *m, const char *s, size_t len, int email)
{
	unsigned char	out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, (const unsigned char *)s, len, m->key);
	memcpy(&h, out, sizeof h);
	if (email)
		h ^= 0x9e3779b97f4a7c15ULL;
	h &= ~KEY_SENT;
	return h == 0 ? 2 : h;
}

static void keymap_grow(struct keymap *);

/*
 * Start fetching the first slot that h probes. GCC 12 treats a function
 * or block that only prefetches as having no effect and drops it, so on
 * x86 the instruction is written out.
 */
static inline void
keymap_prefetch(const struct keymap *m, uint64_t h)
{
	size_t	i = ((size_t)(h >> 1) & (m->nslots - 1)) * (1 + m->words);

#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m" (m->v[i]));
#else
	__builtin_prefetch(&m->v[i], 0, 3);
#endif
}

/* The slot of hash h, added when missing (when add is set), or NULL. */
static uint64_t *
keymap_slot(struct keymap *m, uint64_t h, int add)
{
	size_t		 stride = 1 + m->words, i, mask = m->nslots - 1;
	uint64_t	*s;

	i = (size_t)(h >> 1) & mask;
	for (;;) {
		s = m->v + i * stride;
		if (s[0] == 0)
			break;
		if ((s[0] & ~KEY_SENT) == h)
			return s;
		i = (i + 1) & mask;
	}
	if (!add)
		return NULL;
	if ((m->used + 1) * 4 > m->nslots * 3) {
		keymap_grow(m);
		return keymap_slot(m, h, add);
	}
	s[0] = h;
	m->used++;
	return s;
}

static void
keymap_grow(struct keymap *m)
{
	struct keymap	 old = *m;
	size_t		 stride = 1 + m->words, i;
	uint64_t	*s, *t;

	m->nslots *= 2;
	m->used = 0;
	m->v = keymap_alloc(m->nslots, stride);
	for (i = 0; i < old.nslots; i++) {
		s = old.v + i * stride;
		if (s[0] == 0)
			continue;
		t = keymap_slot(m, s[0] & ~KEY_SENT, 1);
		memcpy(t, s, stride * sizeof *s);
	}
	free(old.v);
}

/* Column indexes of the mapping in one segment's header. */
struct columns {
	long	slot[DEST_SLOT_COUNT];
	long	*attr;
};

static int
columns_find(struct deliver *d, struct csv_reader *r, size_t seg,
    struct columns *c, char **cause)
{
	const struct deliver_mapping	*mp = d->cfg->mapping;
	const char			*name = d->cfg->segments[seg].name;
	size_t				 i;

	for (i = 0; i < DEST_SLOT_COUNT; i++) {
		c->slot[i] = -1;
		if (mp->fields[i] == NULL)
			continue;
		c->slot[i] = csv_field_index(r, mp->fields[i]);
		if (c->slot[i] == -1) {
			*cause = xasprintf(_("Segment \"%1$s\" has no field "
			    "\"%2$s\", which the mapping uses."), name,
			    mp->fields[i]);
			return -1;
		}
	}
	c->attr = xcalloc(mp->nattrs + 1, sizeof *c->attr);
	for (i = 0; i < mp->nattrs; i++) {
		c->attr[i] = csv_field_index(r, mp->attr_fields[i]);
		if (c->attr[i] == -1) {
			*cause = xasprintf(_("Segment \"%1$s\" has no field "
			    "\"%2$s\", which the mapping uses."), name,
			    mp->attr_fields[i]);
			free(c->attr);
			c->attr = NULL;
			return -1;
		}
	}
	return 0;
}

/*
 * The key of a valid row: its hash, or 0 when the email is missing or
 * invalid (*emailres says which). email receives the normalised address.
 */
static uint64_t
row_key(struct deliver *d, const struct csv_row *row,
    const struct columns *c, char *email, size_t *emaillen,
    enum normalize_result *emailres)
{
	const struct csv_field	*f;
	const char		*cid;
	size_t			 cidlen = 0;

	f = &row->fields[c->slot[DEST_SLOT_EMAIL]];
	*emailres = normalize_email(f->s, f->len, email, emaillen);
	if (*emailres != NORMALIZE_OK)
		return 0;
	if (c->slot[DEST_SLOT_CUSTOMER_ID] != -1) {
		f = &row->fields[c->slot[DEST_SLOT_CUSTOMER_ID]];
		cid = normalize_trim(f->s, f->len, &cidlen);
		if (cidlen > 0)
			return keymap_hash(&d->map, cid, cidlen, 0);
	}
	return keymap_hash(&d->map, email, *emaillen, 1);
}

static void	deliver_tick(struct deliver *);

/* Plan pass: every valid row's key and the segments it is in. */
static int
deliver_plan(struct deliver *d, char **cause)
{
	const struct deliver_config	*cfg = d->cfg;
	struct csv_reader		*r;
	struct csv_row			 row;
	struct columns			 c;
	enum csv_status			 st;
	enum normalize_result		 er;
	char				 email[NORMALIZE_EMAIL_SIZE];
	char				*rc = NULL;
	size_t				 seg, elen;
	uint64_t			 h, *s;

	for (seg = 0; seg < cfg->nsegments; seg++) {
		if (csv_open(cfg->segments[seg].path, &r, cause) != 0)
			return -1;
		if (columns_find(d, r, seg, &c, cause) != 0) {
			csv_close(&r);
			return -1;
		}
		while ((st = csv_next(r, &row, &rc)) != CSV_EOF) {
			if (st == CSV_IO_ERROR) {
				*cause = rc;
				free(c.attr);
				csv_close(&r);
				return -1;
			}
			if (++d->rows == 4096) {
				deliver_tick(d);
				if (cfg->cancel != NULL && *cfg->cancel)
					break;
			}
			if (st == CSV_ROW_ERROR) {
				xfree(&rc);
				continue;
			}
			h = row_key(d, &row, &c, email, &elen, &er);
			if (h == 0)
				continue;
			s = keymap_slot(&d->map, h, 1);
			s[1 + seg / 64] |= (uint64_t)1 << (seg % 64);
		}
		free(c.attr);
		csv_close(&r);
		if (cfg->cancel != NULL && *cfg->cancel) {
			*cause = xstrdup(_("The delivery was cancelled."));
			return -1;
		}
	}
	d->stats->profiles = d->map.used;
	return 0;
}

static struct batch *
batch_new(struct deliver *d)
{
	struct batch	*b;
	size_t		 cap = d->cfg->session->batch_size;

	if ((b = d->pool) != NULL) {
		d->pool = b->next;
		d->npool--;
		b->next = NULL;
		b->n = 0;
		b->alen = 0;
		b->resubmits = 0;
		b->auth_gen = 0;
		b->reauthed = 0;
		return b;
	}
	b = xcalloc(1, sizeof *b);
	b->d = d;
	b->cap = cap;
	b->items = xcalloc(cap, sizeof *b->items);
	b->attrs = xcalloc(cap * (d->nattrs + 1), sizeof *b->attrs);
	b->segnames = xcalloc(cap * d->cfg->nsegments + 1,
	    sizeof *b->segnames);
	b->p = xcalloc(cap, sizeof *b->p);
	b->pattrs = xcalloc(cap * d->nattrs + 1, sizeof *b->pattrs);
	b->warned = xcalloc(cap, 1);
	b->res = xcalloc(cap, sizeof *b->res);
	return b;
}

static void
batch_destroy(struct batch *b)
{
	free(b->arena);
	free(b->items);
	free(b->attrs);
	free(b->segnames);
	free(b->p);
	free(b->pattrs);
	free(b->warned);
	free(b->res);
	free(b);
}

/* Wipe b, and keep it for batch_new() while the pool has room. */
static void
batch_free(struct batch *b)
{
	struct deliver	*d;

	if (b == NULL)
		return;
	d = b->d;
	/*
	 * Personal data: leave none behind. Only the first alen bytes were
	 * ever written (batch_pick copies no more); the rest only points
	 * into them.
	 */
	if (b->arena != NULL)
		sodium_memzero(b->arena, b->alen);
	b->alen = 0;
	if (d->npool < d->max_in_flight + 2) {
		b->next = d->pool;
		d->pool = b;
		d->npool++;
		return;
	}
	batch_destroy(b);
}

/* Copy len bytes at s (NUL added) into the arena; returns the offset. */
static size_t
batch_add(struct batch *b, const char *s, size_t len)
{
	size_t	off = b->alen;

	if (b->alen + len + 1 > b->asize) {
		if (b->asize == 0)
			b->asize = 16384;
		while (b->alen + len + 1 > b->asize)
			b->asize *= 2;
		b->arena = xrealloc_wipe(b->arena, b->alen, b->asize);
	}
	memcpy(b->arena + b->alen, s, len);
	b->arena[b->alen + len] = '\0';
	b->alen += len + 1;
	return off;
}

/*
 * Take back the rows added since the batch had n items and alen bytes of
 * arena: they are wiped, like everything that leaves a batch.
 */
static void
batch_unmark(struct batch *b, size_t n, size_t alen)
{
	if (b->alen > alen)
		sodium_memzero(b->arena + alen, b->alen - alen);
	b->n = n;
	b->alen = alen;
}

/* A new batch with the items of b for which pick[i] is set. */
static struct batch *
batch_pick(struct batch *b, const unsigned char *pick)
{
	struct deliver	*d = b->d;
	struct batch	*nb = batch_new(d);
	size_t		 i, nseg = d->cfg->nsegments;

	if (nb->asize < b->asize) {
		free(nb->arena);	/* wiped when it was freed */
		nb->arena = xmalloc(b->asize);
		nb->asize = b->asize;
	}
	memcpy(nb->arena, b->arena, b->alen);
	nb->alen = b->alen;
	nb->resubmits = b->resubmits;
	nb->reauthed = b->reauthed;
	for (i = 0; i < b->n; i++) {
		if (!pick[i])
			continue;
		nb->items[nb->n] = b->items[i];
		memcpy(nb->attrs + nb->n * d->nattrs, b->attrs + i * d->nattrs,
		    d->nattrs * sizeof *b->attrs);
		memcpy(nb->segnames + nb->n * nseg, b->segnames + i * nseg,
		    nseg * sizeof *b->segnames);
		nb->n++;
	}
	return nb;
}

#define AT(b, off)	((off) == NONE ? NULL : (b)->arena + (off))

/* Point the profiles at the arena, now that it moves no more. */
static void
batch_profiles(struct batch *b)
{
	struct deliver	*d = b->d;
	struct item	*it;
	size_t		 i, j, nseg = d->cfg->nsegments;

	memset(b->warned, 0, b->n);
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		b->p[i].email = AT(b, it->email);
		b->p[i].customer_id = AT(b, it->cid);
		b->p[i].firstname = AT(b, it->fn);
		b->p[i].lastname = AT(b, it->ln);
		b->p[i].phone = AT(b, it->phone);
		for (j = 0; j < d->nattrs; j++) {
			b->pattrs[i * d->nattrs + j].name =
			    d->cfg->mapping->attr_names[j];
			b->pattrs[i * d->nattrs + j].value =
			    AT(b, b->attrs[i * d->nattrs + j]);
		}
		b->p[i].attrs = b->pattrs + i * d->nattrs;
		b->p[i].nattrs = d->nattrs;
		b->p[i].segments = b->segnames + i * nseg;
		b->p[i].nsegments = it->nsegs;
		b->p[i].ref = DELIVER_REF(it->seg, it->line);
	}
}

static void	deliver_done(const struct http_response *, void *);

/* Queue a batch to be submitted when a slot is free. */
static void
deliver_enqueue(struct deliver *d, struct batch *b)
{
	b->next = NULL;
	*d->queue_tail = b;
	d->queue_tail = &b->next;
}

/* Split b in two halves, queued. */
static void
deliver_split(struct deliver *d, struct batch *b)
{
	unsigned char	*pick = xcalloc(b->n, 1);
	size_t		 i;

	for (i = 0; i < b->n / 2; i++)
		pick[i] = 1;
	deliver_enqueue(d, batch_pick(b, pick));
	for (i = 0; i < b->n; i++)
		pick[i] = !pick[i];
	deliver_enqueue(d, batch_pick(b, pick));
	free(pick);
}

/* Stop everything with this message (the first one wins). */
static void
deliver_stop(struct deliver *d, char *message)
{
	if (d->fatal == NULL)
		d->fatal = message;
	else
		free(message);
	http_cancel(d->cfg->engine);
}

/* A dry run's "answer": every profile would have been sent. */
static void
deliver_dry(struct deliver *d, struct batch *b)
{
	struct deliver_counts	*sc;
	size_t			 i;

	d->dry_requests++;
	for (i = 0; i < b->n; i++) {
		sc = &d->stats->segments[b->items[i].seg];
		sc->sent++;
		d->stats->total.sent++;
		if (b->items[i].phone_warn || b->warned[i]) {
			sc->warnings++;
			d->stats->total.warnings++;
		}
	}
}

/* Encode and submit b, or split it when it is too large. */
static void
deliver_submit(struct deliver *d, struct batch *b)
{
	struct http_request	*req;
	char			*cause = NULL;
	int			 r;

	batch_profiles(b);
	r = d->driver->encode(d->cfg->session, d->cfg->target, b->p, b->n,
	    b->warned, &req, &cause);
	if (r == 1) {
		deliver_split(d, b);
		batch_free(b);
		return;
	}
	if (r != 0) {
		/* An OAuth renewal refused before sending: as a 401. */
		if (d->cfg->session->auth_refused &&
		    d->stats->fatal_status == 0)
			d->stats->fatal_status = 401;
		deliver_stop(d, cause);
		batch_free(b);
		return;
	}
	if (d->cfg->dry_run) {
		deliver_dry(d, b);
		http_request_free(&req);
		batch_free(b);
		return;
	}
	/* After encode(), which may have renewed the credentials. */
	b->auth_gen = d->cfg->session->auth_gen;
	http_request_callback(req, deliver_done, b);
	if (http_submit(d->cfg->engine, req, &cause) != 0) {
		deliver_stop(d, cause);
		batch_free(b);
		return;
	}
	d->in_flight++;
	d->stats->in_flight = d->in_flight;
}

/* Count one profile's verdict, now or from an earlier attempt. */
static int
deliver_count(struct deliver *d, size_t seg, unsigned long long line,
    unsigned flags, const char *ident, size_t identlen, const char *reason,
    char **cause)
{
	struct deliver_counts	*sc = &d->stats->segments[seg];

	sc->sent++;
	d->stats->total.sent++;
	if (flags & DELIVER_WARNED) {
		sc->warnings++;
		d->stats->total.warnings++;
	}
	if (!(flags & DELIVER_REJECTED)) {
		sc->accepted++;
		d->stats->total.accepted++;
		return 0;
	}
	sc->rejected++;
	d->stats->total.rejected++;
	if (d->cfg->rejects == NULL)
		return 0;
	return rejects_add(d->cfg->rejects, d->cfg->segments[seg].name, line,
	    ident, identlen, reason != NULL ? reason : _("rejected"), cause);
}

/* Note that ref waits on the destination's job. */
static void
deliver_job(struct deliver *d, uint64_t job, uint64_t ref)
{
	if (d->confirm == NULL)
		d->confirm = confirm_new();
	confirm_add(d->confirm, job, ref);
	d->stats->jobs = confirm_njobs(d->confirm);
	d->stats->jobs_pending = d->stats->jobs;
}

/* Count and record the final verdict of each profile of a batch. */
static void
deliver_results(struct deliver *d, struct batch *b,
    const struct dest_result *res)
{
	struct batch		*again = NULL;
	unsigned char		*resend = NULL;
	struct deliver_ack	*acks;
	struct item		*it;
	size_t			 i, nacks = 0, nresend = 0;
	char			*cause = NULL;
	const char		*ident;
	unsigned		 flags;

	acks = xcalloc(b->n + 1, sizeof *acks);
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (res[i].resend) {
			if (resend == NULL)
				resend = xcalloc(b->n, 1);
			resend[i] = 1;
			nresend++;
			continue;
		}
		flags = 0;
		if (it->phone_warn || b->warned[i])
			flags |= DELIVER_WARNED;
		if (res[i].rejected)
			flags |= DELIVER_REJECTED;
		acks[nacks].ref = b->p[i].ref;
		acks[nacks].flags = flags;
		acks[nacks].reason = res[i].rejected ? (res[i].reason != NULL ?
		    res[i].reason : _("rejected")) : NULL;
		acks[nacks].job = res[i].rejected ? 0 : res[i].job;
		nacks++;
		/* Queued: the confirmation phase decides it. */
		if (!res[i].rejected && res[i].job != 0)
			deliver_job(d, res[i].job, b->p[i].ref);
		ident = AT(b, it->ident);
		if (deliver_count(d, it->seg, it->line, flags, ident,
		    strlen(ident), acks[nacks - 1].reason, &cause) != 0)
			deliver_stop(d, cause);
	}
	if (nacks > 0 && d->cfg->on_ack != NULL)
		d->cfg->on_ack(acks, nacks, d->cfg->arg);
	free(acks);
	if (nresend > 0) {
		again = batch_pick(b, resend);
		again->resubmits++;
		if (again->resubmits > d->cfg->max_resubmits) {
			deliver_stop(d, xstrdup(_("The destination kept "
			    "refusing batches because of other profiles in "
			    "them.")));
			batch_free(again);
		} else
			deliver_enqueue(d, again);
		free(resend);
	}
}

static void
deliver_done(const struct http_response *resp, void *arg)
{
	struct batch		*b = arg;
	struct deliver		*d = b->d;
	struct dest_result	*res;
	enum dest_verdict	 v;
	char			*msg = NULL;

	d->in_flight--;
	d->stats->in_flight = d->in_flight;
	if (resp->outcome == HTTP_CANCELLED || d->fatal != NULL) {
		batch_free(b);
		return;
	}
	res = b->res;
	memset(res, 0, b->n * sizeof *res);
	v = d->driver->decode(d->cfg->session, resp, b->p, b->n, res, &msg);
	switch (v) {
	case DEST_BATCH_DONE:
		d->stats->batches++;
		deliver_results(d, b, res);
		free(msg);	/* unattributed errors: nothing rejected */
		break;
	case DEST_BATCH_SPLIT:
		free(msg);
		deliver_split(d, b);
		break;
	case DEST_BATCH_REAUTH:
		/*
		 * The credentials expired under way (an OAuth access token):
		 * renew them once for this batch and send it again; a second
		 * refusal is final.
		 */
		if (d->driver->reauth != NULL && !b->reauthed) {
			b->reauthed = 1;
			free(msg);
			msg = NULL;
			if (d->driver->reauth(d->cfg->session, b->auth_gen,
			    &msg) == 0) {
				d->resubmitted++;
				deliver_enqueue(d, b);
				b = NULL;
				break;
			}
		}
		goto fatal;
	case DEST_BATCH_RETRY:
		if (++b->resubmits <= d->cfg->max_resubmits) {
			d->resubmitted++;
			free(msg);
			dest_results_clear(res, b->n);
			deliver_enqueue(d, b);
			b = NULL;
			break;
		}
		/* FALLTHROUGH */
	case DEST_BATCH_FATAL:
	fatal:
		if (d->stats->fatal_status == 0)
			d->stats->fatal_status = resp->status;
		deliver_stop(d, xasprintf(_("%1$s The delivery stopped after "
		    "%2$llu profiles had been accepted; the others were not "
		    "sent."), msg != NULL ? msg : "",
		    (unsigned long long)d->stats->total.accepted));
		free(msg);
		break;
	}
	if (b != NULL) {
		dest_results_clear(res, b->n);
		batch_free(b);
	}
}

static void
deliver_tick(struct deliver *d)
{
	struct http_counters	hc;

	d->rows = 0;
	if (d->cfg->on_tick == NULL)
		return;
	if (!d->cfg->dry_run) {
		http_counters(d->cfg->engine, &hc);
		d->stats->requests = hc.sent;
		d->stats->retries = d->resubmitted + hc.retries;
		d->stats->throttled = hc.throttled;
		d->stats->rate_waits = hc.rate_waits;
	}
	d->cfg->on_tick(d->stats, d->cfg->arg);
}

/*
 * Submit queued batches while there is room; wait on the engine when the
 * room is full or until = 1 (everything answered). 0, or -1 with *cause
 * when the engine fails.
 */
static int
deliver_pump(struct deliver *d, int until_done, char **cause)
{
	struct batch	*b;
	int		 pending;

	for (;;) {
		while (d->fatal == NULL && d->queue != NULL &&
		    d->in_flight < d->max_in_flight) {
			b = d->queue;
			d->queue = b->next;
			if (d->queue == NULL)
				d->queue_tail = &d->queue;
			deliver_submit(d, b);
		}
		if (d->cfg->cancel != NULL && *d->cfg->cancel &&
		    d->fatal == NULL)
			deliver_stop(d, xstrdup(_("The delivery was "
			    "cancelled.")));
		if (d->in_flight == 0 && (d->queue == NULL || d->fatal != NULL))
			return 0;
		if (!until_done && d->in_flight < d->max_in_flight &&
		    d->fatal == NULL)
			return 0;
		/* A tick a few times a second while waiting. */
		pending = http_step(d->cfg->engine, NULL, 0,
		    d->cfg->on_tick != NULL ? 100 : 1000, cause);
		if (pending == -1)
			return -1;
		deliver_tick(d);
	}
}

/* The normalised fields of a valid, new row, added to batch b. */
static void
deliver_row(struct deliver *d, struct batch *b, const struct csv_row *row,
    const struct columns *c, size_t seg, const char *email, size_t elen,
    const uint64_t *slot, const char *ident, size_t identlen)
{
	struct item		*it = &b->items[b->n];
	const struct csv_field	*f;
	const char		*v;
	char			 phone[NORMALIZE_PHONE_SIZE];
	size_t			 len, i, k, nseg = d->cfg->nsegments;

	memset(it, 0, sizeof *it);
	it->seg = seg;
	it->line = row->line;
	it->email = batch_add(b, email, elen);
	it->ident = batch_add(b, ident, identlen);
	it->cid = it->fn = it->ln = it->phone = NONE;
	if (c->slot[DEST_SLOT_CUSTOMER_ID] != -1) {
		f = &row->fields[c->slot[DEST_SLOT_CUSTOMER_ID]];
		v = normalize_trim(f->s, f->len, &len);
		if (len > 0)
			it->cid = batch_add(b, v, len);
	}
	if (c->slot[DEST_SLOT_FIRSTNAME] != -1) {
		f = &row->fields[c->slot[DEST_SLOT_FIRSTNAME]];
		v = normalize_trim(f->s, f->len, &len);
		if (len > 0)
			it->fn = batch_add(b, v, len);
	}
	if (c->slot[DEST_SLOT_LASTNAME] != -1) {
		f = &row->fields[c->slot[DEST_SLOT_LASTNAME]];
		v = normalize_trim(f->s, f->len, &len);
		if (len > 0)
			it->ln = batch_add(b, v, len);
	}
	if (c->slot[DEST_SLOT_PHONE] != -1) {
		f = &row->fields[c->slot[DEST_SLOT_PHONE]];
		switch (normalize_phone(f->s, f->len, phone, &len)) {
		case NORMALIZE_OK:
			it->phone = batch_add(b, phone, len);
			break;
		case NORMALIZE_INVALID:
			it->phone_warn = 1;
			break;
		case NORMALIZE_EMPTY:
			break;
		}
	}
	for (i = 0; i < d->nattrs; i++) {
		f = &row->fields[c->attr[i]];
		v = normalize_trim(f->s, f->len, &len);
		b->attrs[b->n * d->nattrs + i] = len > 0 ?
		    batch_add(b, v, len) : NONE;
	}
	/* Segment names by code point, from the plan's bits. */
	for (i = 0; i < nseg; i++) {
		k = d->order[i];
		if (d->map.words == 0 ||
		    (slot[1 + k / 64] & ((uint64_t)1 << (k % 64))))
			b->segnames[b->n * nseg + it->nsegs++] =
			    d->cfg->segments[k].name;
	}
	b->n++;
}

/* A row put in the batch before its key was looked up (one segment). */
struct pending {
	int			 set;
	uint64_t		 h;
	unsigned long long	 line;
	size_t			 n, alen;	/* the batch before it */
};

/*
 * Look the pending row's key up, now that its slot had the time to
 * arrive: keep the row, or take it back out when the key was sent
 * already or an earlier attempt of the run answered it. Then send a full
 * batch. 0, or -1 with *cause.
 */
static int
deliver_settle(struct deliver *d, size_t seg, struct batch **bp,
    struct pending *pd, char **cause)
{
	const struct deliver_config	*cfg = d->cfg;
	struct batch			*b = *bp;
	uint64_t			*slot;
	const char			*preason, *ident;
	unsigned			 pflags;
	uint64_t			 pjob;
	int				 rv;

	pd->set = 0;
	slot = keymap_slot(&d->map, pd->h, 1);
	if (slot[0] & KEY_SENT) {
		batch_unmark(b, pd->n, pd->alen);
		d->stats->segments[seg].duplicates++;
		d->stats->total.duplicates++;
		return 0;
	}
	slot[0] |= KEY_SENT;
	pjob = 0;
	if (cfg->prior != NULL && cfg->prior(DELIVER_REF(seg, pd->line),
	    &pflags, &preason, &pjob, cfg->arg)) {
		if (pjob != 0 && !(pflags & DELIVER_REJECTED))
			deliver_job(d, pjob, DELIVER_REF(seg, pd->line));
		ident = AT(b, b->items[pd->n].ident);
		rv = deliver_count(d, seg, pd->line, pflags, ident,
		    strlen(ident), preason, cause);
		batch_unmark(b, pd->n, pd->alen);
		return rv;
	}
	if (b->n == b->cap) {
		deliver_enqueue(d, b);
		*bp = batch_new(d);
		if (deliver_pump(d, 0, cause) != 0)
			return -1;
	}
	return 0;
}

/* Delivery pass over one segment. */
static int
deliver_segment(struct deliver *d, size_t seg, struct batch **bp,
    char **cause)
{
	const struct deliver_config	*cfg = d->cfg;
	struct deliver_counts		*sc = &d->stats->segments[seg];
	struct csv_reader		*r;
	struct csv_row			 row;
	struct columns			 c;
	enum csv_status			 st;
	enum normalize_result		 er;
	char				 email[NORMALIZE_EMAIL_SIZE];
	char				*rc = NULL, *wc = NULL;
	const char			*ident, *reason, *preason;
	size_t				 elen, identlen;
	uint64_t			 h, *slot;
	long				 ci, ei;
	unsigned			 pflags;
	uint64_t			 pjob;
	struct pending			 pd;
	int				 rv = -1;

	memset(&pd, 0, sizeof pd);

	if (csv_open(cfg->segments[seg].path, &r, cause) != 0)
		return -1;
	if (columns_find(d, r, seg, &c, cause) != 0) {
		csv_close(&r);
		return -1;
	}
	ci = c.slot[DEST_SLOT_CUSTOMER_ID];
	ei = c.slot[DEST_SLOT_EMAIL];
	while ((st = csv_next(r, &row, &rc)) != CSV_EOF) {
		if (st == CSV_IO_ERROR) {
			*cause = rc;
			goto out;
		}
		if (pd.set && deliver_settle(d, seg, bp, &pd, cause) != 0)
			goto out;
		if (d->fatal != NULL)
			break;
		if (++d->rows == 4096)
			deliver_tick(d);
		sc->read++;
		d->stats->total.read++;
		/* The identifier as read: customer ID, else email. */
		ident = "";
		identlen = 0;
		if (ci != -1 && (size_t)ci < row.nfields &&
		    row.fields[ci].len > 0) {
			ident = row.fields[ci].s;
			identlen = row.fields[ci].len;
		} else if ((size_t)ei < row.nfields) {
			ident = row.fields[ei].s;
			identlen = row.fields[ei].len;
		}
		reason = NULL;
		h = 0;
		if (st == CSV_ROW_ERROR)
			reason = rc;
		else {
			h = row_key(d, &row, &c, email, &elen, &er);
			if (h == 0)
				reason = normalize_email_reason(er);
		}
		if (reason != NULL) {
			sc->rejected++;
			d->stats->total.rejected++;
			if (cfg->rejects != NULL && rejects_add(cfg->rejects,
			    cfg->segments[seg].name, row.line, ident,
			    identlen, reason, &wc) != 0) {
				*cause = wc;
				goto out;
			}
			xfree(&rc);
			continue;
		}
		/*
		 * Without a plan pass (one segment) the map fills as we go;
		 * every profile's membership is that segment, so the row
		 * needs nothing from its slot, which is a cache miss away (a
		 * random probe into megabytes): the row goes into the batch
		 * now, its slot is fetched meanwhile, and the lookup waits
		 * until the next row is read (deliver_settle()).
		 */
		if (!d->planned) {
			keymap_prefetch(&d->map, h);
			pd.set = 1;
			pd.h = h;
			pd.line = row.line;
			pd.n = (*bp)->n;
			pd.alen = (*bp)->alen;
			deliver_row(d, *bp, &row, &c, seg, email, elen, NULL,
			    ident, identlen);
			continue;
		}
		slot = keymap_slot(&d->map, h, 0);
		if (slot == NULL || (slot[0] & KEY_SENT)) {
			/* slot NULL: a file changed since the plan. */
			sc->duplicates++;
			d->stats->total.duplicates++;
			continue;
		}
		slot[0] |= KEY_SENT;
		pjob = 0;
		if (cfg->prior != NULL && cfg->prior(DELIVER_REF(seg,
		    row.line), &pflags, &preason, &pjob, cfg->arg)) {
			if (pjob != 0 && !(pflags & DELIVER_REJECTED))
				deliver_job(d, pjob, DELIVER_REF(seg,
				    row.line));
			if (deliver_count(d, seg, row.line, pflags, ident,
			    identlen, preason, cause) != 0)
				goto out;
			continue;
		}
		deliver_row(d, *bp, &row, &c, seg, email, elen, slot, ident,
		    identlen);
		if ((*bp)->n == (*bp)->cap) {
			deliver_enqueue(d, *bp);
			*bp = batch_new(d);
			if (deliver_pump(d, 0, cause) != 0)
				goto out;
			if (d->fatal != NULL)
				break;
		}
	}
	if (pd.set && deliver_settle(d, seg, bp, &pd, cause) != 0)
		goto out;
	rv = 0;
out:
	xfree(&rc);
	free(c.attr);
	csv_close(&r);
	return rv;
}

/* Refuse mappings that cannot be sent. */
static int
deliver_check(const struct deliver_config *cfg, char **cause)
{
	const struct dest_driver	*dr = cfg->session->driver;
	const struct deliver_mapping	*mp = cfg->mapping;
	size_t				 i, j;

	if (cfg->nsegments == 0) {
		*cause = xstrdup(_("No segment is selected."));
		return -1;
	}
	if (cfg->nsegments >= ((size_t)1 << 24)) {
		*cause = xstrdup(_("Too many segments are selected."));
		return -1;
	}
	for (i = 0; i < DEST_SLOT_COUNT; i++) {
		const struct dest_slot	*s = dest_slot_find(dr, i);

		/*
		 * Only the email is needed to send; other required slots
		 * (Braze's customer ID) are the export wizard's to ask for:
		 * an unmapped or empty one falls back to the email.
		 */
		if (s != NULL && mp->fields[i] == NULL &&
		    i == DEST_SLOT_EMAIL) {
			*cause = xasprintf(_("The mapping has no field for "
			    "%s."), _(s->label));
			return -1;
		}
		if (s == NULL && mp->fields[i] != NULL) {
			*cause = xasprintf(_("%s has no place for a mapped "
			    "field of this kind."), dr->label);
			return -1;
		}
	}
	if (mp->nattrs > 0 && !dr->attrs) {
		*cause = xasprintf(_("%s takes no custom attributes."),
		    dr->label);
		return -1;
	}
	for (i = 0; i < mp->nattrs; i++) {
		if (strcmp(mp->attr_names[i], cfg->target) == 0 ||
		    strcmp(mp->attr_names[i], "email") == 0 ||
		    strcmp(mp->attr_names[i], "external_id") == 0) {
			*cause = xasprintf(_("The attribute name \"%s\" is "
			    "taken by what segsync sends itself."),
			    mp->attr_names[i]);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(mp->attr_names[i], mp->attr_names[j]) ==
			    0) {
				*cause = xasprintf(_("The attribute \"%s\" is "
				    "mapped twice."), mp->attr_names[i]);
				return -1;
			}
		}
	}
	return 0;
}

static const struct deliver_segment	*sort_segments;

static int
order_cmp(const void *a, const void *b)
{
	size_t	x = *(const size_t *)a, y = *(const size_t *)b;
	int	c;

	/* strcmp compares bytes, and UTF-8 byte order is code point order. */
	c = strcmp(sort_segments[x].name, sort_segments[y].name);
	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

int
deliver_run(const struct deliver_config *cfg0, struct deliver_stats *stats,
    char **cause)
{
	struct deliver_config	 cfg = *cfg0;
	struct deliver		 d;
	struct http_counters	 hc;
	struct batch		*b = NULL, *q;
	char			*ignore = NULL;
	size_t			 seg;
	int			 rv = -1;

	memset(stats, 0, sizeof *stats);
	memset(&d, 0, sizeof d);
	if (deliver_check(&cfg, cause) != 0)
		return -1;
	if (cfg.max_resubmits == 0)
		cfg.max_resubmits = 3;
	if (sodium_init() < 0) {
		*cause = xstrdup(_("libsodium could not be initialised."));
		return -1;
	}
	d.cfg = &cfg;
	d.driver = cfg.session->driver;
	d.stats = stats;
	d.nattrs = cfg.mapping->nattrs;
	d.max_in_flight = cfg.max_in_flight != 0 ? cfg.max_in_flight :
	    d.driver->limits.concurrency;
	d.queue_tail = &d.queue;
	stats->nsegments = cfg.nsegments;
	stats->segments = xcalloc(cfg.nsegments, sizeof *stats->segments);
	d.order = xcalloc(cfg.nsegments, sizeof *d.order);
	for (seg = 0; seg < cfg.nsegments; seg++)
		d.order[seg] = seg;
	sort_segments = cfg.segments;
	qsort(d.order, cfg.nsegments, sizeof *d.order, order_cmp);
	keymap_init(&d.map, cfg.nsegments, cfg.expected_rows);

	/* One segment: every profile's membership is known, read it once. */
	stats->phase = DELIVER_PHASE_PLAN;
	if (cfg.nsegments > 1) {
		if (deliver_plan(&d, cause) != 0)
			goto out;
		d.planned = 1;
	}
	stats->map_bytes = d.map.nslots * (1 + d.map.words) * 8;

	stats->phase = DELIVER_PHASE_SEND;
	deliver_tick(&d);
	b = batch_new(&d);
	for (seg = 0; seg < cfg.nsegments && d.fatal == NULL; seg++) {
		if (deliver_segment(&d, seg, &b, cause) != 0) {
			/* Abandon what is in flight; *cause says why. */
			deliver_stop(&d, xstrdup(""));
			if (deliver_pump(&d, 1, &ignore) != 0)
				free(ignore);
			goto out;
		}
	}
	if (b->n > 0 && d.fatal == NULL) {
		deliver_enqueue(&d, b);
		b = NULL;
	}
	if (deliver_pump(&d, 1, cause) != 0)
		goto out;
	if (d.fatal != NULL) {
		*cause = d.fatal;
		d.fatal = NULL;
		goto out;
	}
	if (d.confirm != NULL && confirm_run(d.confirm, &cfg, stats,
	    cause) != 0)
		goto out;
	rv = 0;
out:
	if (d.confirm != NULL)
		stats->confirm_bytes = confirm_bytes(d.confirm);
	confirm_free(&d.confirm);
	if (!d.planned) {
		stats->profiles = d.map.used;
		stats->map_bytes = d.map.nslots * (1 + d.map.words) * 8;
	}
	http_counters(cfg.engine, &hc);
	stats->requests = cfg.dry_run ? d.dry_requests : hc.sent;
	stats->retries = d.resubmitted + hc.retries;
	stats->throttled = hc.throttled;
	stats->rate_waits = hc.rate_waits;
	stats->phase = DELIVER_PHASE_DONE;
	stats->in_flight = 0;
	while ((q = d.queue) != NULL) {
		d.queue = q->next;
		batch_free(q);
	}
	batch_free(b);
	while ((q = d.pool) != NULL) {
		d.pool = q->next;
		batch_destroy(q);
	}
	free(d.fatal);
	free(d.order);
	keymap_free(&d.map);
	return rv;
}

void
deliver_stats_free(struct deliver_stats *stats)
{
	free(stats->segments);
	stats->segments = NULL;
	stats->nsegments = 0;
	free(stats->confirm_note);
	stats->confirm_note = NULL;
}
