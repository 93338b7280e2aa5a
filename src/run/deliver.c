/* Delivery of selected segments to one destination: plan, then stream. */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "data/csv.h"
#include "data/normalize.h"
#include "data/rejects.h"
#include "net/http.h"
#include "run/confirm.h"
#include "run/deliver.h"
#include "run/syncstate.h"

/*
 * The key map: slots of 1 + S + W 64-bit words; word 0 is the hash with
 * bit 0 meaning "sent" (0: empty slot); when the export keeps a sync state
 * (S = 1) word 1 is what it says of the key (ST_* flags in the low bits, the
 * digest of the item last answered for above them; 0: nothing); the W
 * others are the segment bits. With one segment W is 0: every key is in
 * it. A run without a state thus keeps its one word a profile.
 */
struct keymap {
	uint64_t	*v;
	size_t		 nslots;	/* power of two */
	size_t		 used;
	size_t		 state;		/* S: 0 or 1 */
	size_t		 words;		/* W */
	unsigned char	 key[crypto_shorthash_KEYBYTES];
};

#define KEY_SENT	((uint64_t)1)

#define ST_PRESENT	((uint64_t)1)	/* the state holds the key */
#define ST_ACCEPTED	((uint64_t)2)	/* ... as accepted */
#define ST_PENDING	((uint64_t)4)	/* ... sent, never answered */
#define ST_SEEN		((uint64_t)8)	/* a valid row of this run */
#define ST_FLAGS	((uint64_t)15)
/*
 * The target may hold the key: it took it, or it was sent and never
 * answered (a worker killed with it in flight), which mirror mode removes
 * too when it leaves: removing what is not there is harmless at all three
 * destinations, keeping a member who left is not.
 */
#define ST_MAY_HOLD(w)	(((w) & ST_PRESENT) && \
			    ((w) & (ST_ACCEPTED | ST_PENDING)))
#define SLOT_WORDS(m)	(1 + (m)->state + (m)->words)
#define SEG_WORD(m, s, k) ((s)[1 + (m)->state + (k) / 64])
#define SEG_BIT(k)	((uint64_t)1 << ((k) % 64))

/* Offsets into a batch's arena; NONE stands for NULL. */
#define NONE		SIZE_MAX

struct item {
	size_t			 email, cid, fn, ln, phone, ident;
	size_t			 idlen;		/* of cid, else email */
	uint64_t		 hash, digest;	/* key, item (sync) */
	size_t			 seg;		/* segment index */
	unsigned long long	 line;
	size_t			 nsegs;		/* names in segnames */
	int			 phone_warn;
};

/*
 * How often one batch may be refused for its credentials and sent again
 * after reauth(): twice, because a batch encoded before its token expired
 * is re-sent with the token renewed ahead of time, and that one can be
 * revoked in turn before the batch reaches the destination. A token
 * refused just after it was renewed for the batch is refused a second
 * time, and the delivery stops, a few requests later.
 */
#define MAX_REAUTHS	2

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
	unsigned		 reauths;	/* times reauth() ran for it */
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
	const struct deliver_sync	*sync;		/* or NULL */
	struct synclog			*log;
	uint64_t			*seghash;	/* per segment name */
	uint64_t			 maphash;	/* the attributes' names */
	struct synclog_entry		*logbuf;	/* batch_size + 1 */
	size_t				 nunaccepted;	/* in logbuf */
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
keymap_init(struct keymap *m, size_t nsegments, uint64_t expected,
    const unsigned char *key)
{
	m->state = key != NULL;
	m->words = nsegments > 1 ? (nsegments + 63) / 64 : 0;
	m->nslots = 1024;
	while (m->nslots < ((size_t)1 << 40) &&
	    (uint64_t)m->nslots * 3 < expected * 4 + 4)
		m->nslots *= 2;
	m->used = 0;
	m->v = keymap_alloc(m->nslots, SLOT_WORDS(m));
	if (key != NULL)
		memcpy(m->key, key, sizeof m->key);
	else
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
	return syncstate_hash(m->key, s, len, email);
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
	size_t	i = ((size_t)(h >> 1) & (m->nslots - 1)) * SLOT_WORDS(m);

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
	size_t		 stride = SLOT_WORDS(m), i, mask = m->nslots - 1;
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
	size_t		 stride = SLOT_WORDS(m), i;
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

/* The plan pass's mark on key h: in segment seg, seen. */
static void
plan_mark(struct deliver *d, uint64_t h, size_t seg)
{
	uint64_t	*s = keymap_slot(&d->map, h, 1);

	if (d->map.words > 0)
		SEG_WORD(&d->map, s, seg) |= SEG_BIT(seg);
	if (d->map.state)
		s[1] |= ST_SEEN;
}

/*
 * Plan pass: every valid row's key and the segments it is in. Each key's
 * slot is prefetched and marked when the next row has been read, so that
 * its cache miss overlaps the reading.
 */
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
	uint64_t			 h, prev;

	for (seg = 0; seg < cfg->nsegments; seg++) {
		prev = 0;
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
			keymap_prefetch(&d->map, h);
			if (prev != 0)
				plan_mark(d, prev, seg);
			prev = h;
		}
		if (prev != 0)
			plan_mark(d, prev, seg);
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
		b->reauths = 0;
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
	nb->reauths = b->reauths;
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
	/*
	 * The state learns that these were sent before they are: a worker
	 * killed while they are in flight leaves them to be retried.
	 */
	if (d->log != NULL) {
		size_t	i;

		for (i = 0; i < b->n; i++) {
			const struct item	*it = &b->items[i];
			const char		*id;

			d->logbuf[i].kind = SYNCLOG_SENT;
			d->logbuf[i].hash = it->hash;
			d->logbuf[i].digest = it->digest;
			/* The key's id, for the state (state_save). */
			d->logbuf[i].cid = it->cid != NONE;
			id = AT(b, it->cid != NONE ? it->cid : it->email);
			d->logbuf[i].id = id;
			d->logbuf[i].idlen = it->idlen;
		}
		if (synclog_append(d->log, d->logbuf, b->n, &cause) != 0) {
			http_request_free(&req);
			deliver_stop(d, cause);
			batch_free(b);
			return;
		}
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
	size_t			 i, nacks = 0, nresend = 0, nlog = 0;
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
		if (d->log != NULL) {
			uint64_t	*slot = keymap_slot(&d->map, it->hash, 0);

			memset(&d->logbuf[nlog], 0, sizeof d->logbuf[nlog]);
			d->logbuf[nlog].kind = res[i].rejected ?
			    SYNCLOG_REJECTED : SYNCLOG_ACCEPTED;
			d->logbuf[nlog].hash = it->hash;
			d->logbuf[nlog++].digest = it->digest;
			if (slot != NULL)
				slot[1] = it->digest | ST_PRESENT | ST_SEEN |
				    (res[i].rejected ? 0 : ST_ACCEPTED);
		}
		/* Queued: the confirmation phase decides it. */
		if (!res[i].rejected && res[i].job != 0)
			deliver_job(d, res[i].job, b->p[i].ref);
		ident = AT(b, it->ident);
		if (deliver_count(d, it->seg, it->line, flags, ident,
		    strlen(ident), acks[nacks - 1].reason, &cause) != 0)
			deliver_stop(d, cause);
	}
	if (nlog > 0 && synclog_append(d->log, d->logbuf, nlog, &cause) != 0)
		deliver_stop(d, cause);
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
		 * renew them for this batch and send it again, at most
		 * MAX_REAUTHS times.
		 */
		if (d->driver->reauth != NULL && b->reauths < MAX_REAUTHS) {
			b->reauths++;
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
		msg = util_sentence(msg);
		deliver_stop(d, xasprintf(ngettext("%1$s The delivery stopped "
		    "after %2$'llu profile had been accepted; the others were "
		    "not sent.", "%1$s The delivery stopped after %2$'llu "
		    "profiles had been accepted; the others were not sent.",
		    d->stats->total.accepted), msg,
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

/* The attributes' names in their order, hashed under key. */
static uint64_t
mapping_hash(const struct deliver_mapping *mp, const unsigned char *key)
{
	unsigned char	 out[crypto_shorthash_BYTES], *buf;
	uint64_t	 h = 0;
	size_t		 j, len;

	/* Chained: shorthash has no streaming form. */
	for (j = 0; j < mp->nattrs; j++) {
		len = strlen(mp->attr_names[j]);
		buf = xmalloc(len + 8);
		memcpy(buf, &h, 8);
		memcpy(buf + 8, mp->attr_names[j], len);
		crypto_shorthash(out, buf, len + 8, key);
		memcpy(&h, out, sizeof h);
		free(buf);
	}
	return h;
}

/*
 * The digest of what is sent of an item (sync state): its normalised
 * fields as they lie in the arena, which of them are present (the arena
 * holds only the values), its membership (mx: the segments' name hashes
 * xored, so that their order in the export does not matter), the names
 * the attributes are sent under (a mapping renamed from attr:city to
 * attr:town sends the same values, which the destination must get again)
 * and the mode. The low ST_FLAGS bits are left for the state's flags.
 */
static uint64_t
item_digest(struct deliver *d, const struct batch *b, const struct item *it,
    uint64_t mx)
{
	const size_t		*at = b->attrs + b->n * d->nattrs;
	const unsigned char	*key = d->sync->keys->digest;
	unsigned char		 buf[33], out[crypto_shorthash_BYTES];
	uint64_t		 shape = 0, h, dg;
	size_t			 j;

	shape |= (uint64_t)(it->cid != NONE) << 0;
	shape |= (uint64_t)(it->fn != NONE) << 1;
	shape |= (uint64_t)(it->ln != NONE) << 2;
	shape |= (uint64_t)(it->phone != NONE) << 3;
	for (j = 0; j < d->nattrs; j++)
		if (at[j] != NONE)
			shape ^= (uint64_t)1 << ((4 + j) % 64) ^
			    (j >= 60 ? (uint64_t)j << 32 : 0);
	crypto_shorthash(out, (const unsigned char *)b->arena + it->email,
	    b->alen - it->email, key);
	memcpy(&h, out, sizeof h);
	memcpy(buf, &h, 8);
	memcpy(buf + 8, &mx, 8);
	memcpy(buf + 16, &shape, 8);
	memcpy(buf + 24, &d->maphash, 8);
	buf[32] = (unsigned char)d->sync->update_only;
	crypto_shorthash(out, buf, sizeof buf, key);
	memcpy(&dg, out, sizeof dg);
	return dg & ~ST_FLAGS;
}

/*
 * What the state says of a valid row's key, the first time it is seen:
 * counted as fresh, changed or retried (send it: 0) or unchanged (1: do
 * not). Without a state, every row is sent.
 */
static int
deliver_classify(struct deliver *d, uint64_t *slot, const struct item *it)
{
	struct deliver_counts	*sc = &d->stats->segments[it->seg];
	uint64_t		 w;

	if (d->sync == NULL)
		return 0;
	w = slot[1];
	slot[1] |= ST_SEEN;
	if (!(w & ST_PRESENT)) {
		sc->fresh++;
		d->stats->total.fresh++;
	} else if (w & ST_PENDING) {
		sc->retried++;
		d->stats->total.retried++;
	} else if (!d->sync->full && (w & ~ST_FLAGS) == it->digest) {
		sc->unchanged++;
		d->stats->total.unchanged++;
		return 1;
	} else {
		sc->changed++;
		d->stats->total.changed++;
	}
	return 0;
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
	uint64_t		 mx = 0;

	memset(it, 0, sizeof *it);
	it->seg = seg;
	it->line = row->line;
	/* The identifier as read first: the digest covers what follows. */
	it->ident = batch_add(b, ident, identlen);
	it->email = batch_add(b, email, elen);
	it->idlen = elen;
	it->cid = it->fn = it->ln = it->phone = NONE;
	if (c->slot[DEST_SLOT_CUSTOMER_ID] != -1) {
		f = &row->fields[c->slot[DEST_SLOT_CUSTOMER_ID]];
		v = normalize_trim(f->s, f->len, &len);
		if (len > 0) {
			it->cid = batch_add(b, v, len);
			it->idlen = len;	/* the key's bytes, NULs too */
		}
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
		    (SEG_WORD(&d->map, slot, k) & SEG_BIT(k))) {
			b->segnames[b->n * nseg + it->nsegs++] =
			    d->cfg->segments[k].name;
			if (d->sync != NULL)
				mx ^= d->seghash[k];
		}
	}
	if (d->sync != NULL)
		it->digest = item_digest(d, b, it, mx);
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
	/* After a plan pass every key is in the map: NULL, a file changed. */
	slot = keymap_slot(&d->map, pd->h, !d->planned);
	if (slot == NULL || (slot[0] & KEY_SENT)) {
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
	b->items[pd->n].hash = pd->h;
	if (deliver_classify(d, slot, &b->items[pd->n])) {
		batch_unmark(b, pd->n, pd->alen);
		return 0;
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
		 * With one segment every profile's membership is that
		 * segment, so the row needs nothing from its slot, which is
		 * a cache miss away (a random probe into megabytes): the row
		 * goes into the batch now, its slot is fetched meanwhile, and
		 * the lookup waits until the next row is read
		 * (deliver_settle()). Without a plan pass the map fills as
		 * we go; after one (mirror mode), it is only looked up.
		 */
		if (!d->planned || d->map.words == 0) {
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
		(*bp)->items[(*bp)->n - 1].hash = h;
		if (deliver_classify(d, slot, &(*bp)->items[(*bp)->n - 1])) {
			/* The last row is the arena's end: take it back. */
			batch_unmark(*bp, (*bp)->n - 1,
			    (*bp)->items[(*bp)->n - 1].ident);
			continue;
		}
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

/*
 * Keeping the target in step (syncstate.h): the state read into the key
 * map before the plan, the guards, the removals after every add is
 * answered, and the new state written when the run ends.
 */

static void
state_apply(const struct synclog_entry *e, void *arg)
{
	struct deliver	*d = arg;
	uint64_t	*slot, was;

	slot = keymap_slot(&d->map, e->hash, 1);
	was = slot[1];
	switch (e->kind) {
	case SYNCLOG_SENT:
		/* Whether it got there is not known: it keeps ACCEPTED. */
		slot[1] = (e->digest & ~ST_FLAGS) | ST_PRESENT | ST_PENDING |
		    (was & ST_ACCEPTED);
		break;
	case SYNCLOG_ACCEPTED:
		slot[1] = (e->digest & ~ST_FLAGS) | ST_PRESENT | ST_ACCEPTED;
		break;
	case SYNCLOG_REJECTED:
		slot[1] = (e->digest & ~ST_FLAGS) | ST_PRESENT;
		break;
	case SYNCLOG_REMOVED:
		slot[1] = 0;
		break;
	}
}

/* The key map slot of a state record, hashing its id when it has one. */
static uint64_t
rec_hash(const struct deliver *d, const struct syncstate_rec *rec)
{
	if (rec->id == NULL)
		return rec->hash;
	return keymap_hash(&d->map, rec->id, rec->idlen,
	    !(rec->flags & SYNCSTATE_CID));
}

/* Read the state and its log into the key map. 0, or -1 with *cause. */
static int
state_load(struct deliver *d, char **cause)
{
	const struct deliver_sync	*sy = d->sync;
	struct syncstate_reader		*r;
	struct syncstate_rec		 rec;
	const char			*target;
	char				*why = NULL;
	uint64_t			*slot, h, prev = 0, pword = 0;
	size_t				 i, stride;
	int				 rv, have = 0;

	rv = syncstate_open(sy->state_path, sy->keys, &r, &target, &why,
	    cause);
	if (rv == -1)
		return -1;
	if (rv == 0 && strcmp(target, sy->target_label) != 0) {
		/* The label is CONNECTION-ID/TARGET: name the target. */
		const char	*old = strchr(target, '/');

		why = xasprintf(_("the export's target changed since the last "
		    "run (it was %s)"), old != NULL ? old + 1 : target);
		syncstate_close(&r);
		rv = 1;
	}
	if (why != NULL) {
		d->stats->state_note = xasprintf(_("This run starts a new sync "
		    "state: %s. Nothing is removed from the old target."),
		    why);
		free(why);
	}
	/* Each slot is prefetched a record ahead, as in the plan pass. */
	while (rv == 0 && (rv = syncstate_next(r, &rec, cause)) == 1) {
		h = rec_hash(d, &rec);
		keymap_prefetch(&d->map, h);
		if (have) {
			slot = keymap_slot(&d->map, prev, 1);
			slot[1] = pword;
		}
		have = 1;
		prev = h;
		pword = (rec.digest & ~ST_FLAGS) | ST_PRESENT |
		    ((rec.flags & SYNCSTATE_ACCEPTED) ? ST_ACCEPTED : 0) |
		    ((rec.flags & SYNCSTATE_PENDING) ? ST_PENDING : 0);
		rv = 0;
	}
	if (rv == 0 && have) {
		slot = keymap_slot(&d->map, prev, 1);
		slot[1] = pword;
	}
	if (r != NULL) {
		d->stats->baseline = 0;
		syncstate_close(&r);
	} else
		d->stats->baseline = 1;
	if (rv == -1)
		return -1;
	if (synclog_replay(sy->log_path, sy->keys, sy->target_label,
	    state_apply, d, cause) != 0)
		return -1;
	stride = SLOT_WORDS(&d->map);
	for (i = 0; i < d->map.nslots; i++) {
		slot = d->map.v + i * stride;
		if (slot[0] != 0 && (slot[1] & ST_PRESENT)) {
			d->stats->baseline = 0;
			if (ST_MAY_HOLD(slot[1]))
				d->stats->members++;
		}
	}
	return 0;
}

/* Members of the state that no valid row of this run holds. */
static uint64_t
state_leavers(const struct deliver *d, uint64_t *seen)
{
	size_t		 i, stride = SLOT_WORDS(&d->map);
	const uint64_t	*slot;
	uint64_t	 n = 0;

	*seen = 0;
	for (i = 0; i < d->map.nslots; i++) {
		slot = d->map.v + i * stride;
		if (slot[0] == 0)
			continue;
		if (slot[1] & ST_SEEN)
			(*seen)++;
		else if (ST_MAY_HOLD(slot[1]))
			n++;
	}
	return n;
}

/*
 * The mirror mode's guards, checked before anything is sent. 0, or -1
 * with *cause when one trips (a dry run only notes it in stats).
 */
static int
state_guards(struct deliver *d, char **cause)
{
	const struct deliver_sync	*sy = d->sync;
	struct deliver_stats		*st = d->stats;
	uint64_t			 seen;
	char				*msg = NULL;

	st->to_remove = state_leavers(d, &seen);
	if (!sy->mirror) {
		st->to_remove = 0;
		return 0;
	}
	if (seen == 0 && st->members > 0 && !sy->allow_empty) {
		st->guard = DELIVER_GUARD_EMPTY;
		msg = xasprintf(ngettext("The segments hold no valid profile, "
		    "while the target holds %llu member this export added: "
		    "removing it looks like a mistake (an emptied or "
		    "unreadable export?). Nothing was sent. To remove it, run "
		    "the export again with --allow-empty.",
		    "The segments hold no valid profile, while the target "
		    "holds %llu members this export added: removing them all "
		    "looks like a mistake (an emptied or unreadable export?). "
		    "Nothing was sent. To remove them all, run the export "
		    "again with --allow-empty.", st->members),
		    (unsigned long long)st->members);
	} else if (!sy->force && !(seen == 0 && sy->allow_empty) &&
	    st->to_remove * 100 > (uint64_t)sy->max_removals * st->members) {
		st->guard = DELIVER_GUARD_SHARE;
		msg = xasprintf(ngettext("This run would remove %1$llu of the "
		    "%2$llu members (%3$llu%%), more than the export's "
		    "maximum of %4$u%%. Nothing was sent. To go ahead, run "
		    "the export again with --force, or give it a higher "
		    "--max-removals.", "This run would remove %1$llu of the "
		    "%2$llu members (%3$llu%%), more than the export's "
		    "maximum of %4$u%%. Nothing was sent. To go ahead, run "
		    "the export again with --force, or give it a higher "
		    "--max-removals.", st->to_remove),
		    (unsigned long long)st->to_remove,
		    (unsigned long long)st->members,
		    (unsigned long long)((st->to_remove * 100 +
		    st->members - 1) / st->members), sy->max_removals);
	}
	if (msg == NULL)
		return 0;
	if (d->cfg->dry_run) {
		free(st->state_note);
		st->state_note = msg;
		return 0;
	}
	*cause = msg;
	return -1;
}

/*
 * One removal request in the making or in flight: the profiles (their
 * key only, in the arena), their hashes, the driver's results.
 */
struct rset {
	struct deliver		*d;
	size_t			 n, cap;
	struct dest_profile	*p;
	uint64_t		*hash;
	char			*arena;
	size_t			 alen, asize;
	unsigned		 resubmits, auth_gen, reauths;
	struct dest_result	*res;
	struct rset		*next;
};

static struct rset *
rset_new(struct deliver *d, size_t cap)
{
	struct rset	*r = xcalloc(1, sizeof *r);

	r->d = d;
	r->cap = cap;
	r->p = xcalloc(cap, sizeof *r->p);
	r->hash = xcalloc(cap, sizeof *r->hash);
	r->res = xcalloc(cap, sizeof *r->res);
	return r;
}

static void
rset_free(struct rset *r)
{
	if (r == NULL)
		return;
	if (r->arena != NULL)
		sodium_memzero(r->arena, r->alen);
	free(r->arena);
	free(r->p);
	free(r->hash);
	free(r->res);
	free(r);
}

/* Offsets while filling; pointers once full (rset_fix). */
static void
rset_add(struct rset *r, const struct syncstate_rec *rec, uint64_t h)
{
	struct dest_profile	*p = &r->p[r->n];
	size_t			 off;

	if (r->alen + rec->idlen + 1 > r->asize) {
		r->asize = r->asize == 0 ? 8192 : r->asize * 2;
		while (r->alen + rec->idlen + 1 > r->asize)
			r->asize *= 2;
		r->arena = xrealloc_wipe(r->arena, r->alen, r->asize);
	}
	off = r->alen;
	memcpy(r->arena + off, rec->id, rec->idlen);
	r->arena[off + rec->idlen] = '\0';
	r->alen += rec->idlen + 1;
	memset(p, 0, sizeof *p);
	/* Offsets + 1 (0: none) until the arena stops moving. */
	p->ref = (rec->flags & SYNCSTATE_CID) ? (uint64_t)off + 1 : 0;
	p->nattrs = (rec->flags & SYNCSTATE_CID) ? 0 : off + 1;
	r->hash[r->n++] = h;
}

static void
rset_fix(struct rset *r)
{
	struct dest_profile	*p;
	size_t			 i;

	for (i = 0; i < r->n; i++) {
		p = &r->p[i];
		if (p->ref != 0) {
			p->customer_id = r->arena + (p->ref - 1);
			p->email = "";
		} else
			p->email = r->arena + (p->nattrs - 1);
		p->ref = i;
		p->nattrs = 0;
	}
}

/* Of one answer: count, log and forget what was removed. */
static void
rset_results(struct deliver *d, struct rset *r)
{
	uint64_t	*slot;
	size_t		 i, nlog = 0;
	char		*cause = NULL;
	const char	*id;

	for (i = 0; i < r->n; i++) {
		if (r->res[i].rejected) {
			d->stats->remove_rejected++;
			id = r->p[i].customer_id != NULL ? r->p[i].customer_id :
			    r->p[i].email;
			if (d->cfg->rejects != NULL && rejects_add(
			    d->cfg->rejects, _("(removal)"), 0, id,
			    strlen(id), r->res[i].reason != NULL ?
			    r->res[i].reason : _("rejected"), &cause) != 0)
				deliver_stop(d, cause);
			continue;
		}
		d->stats->removed++;
		if ((slot = keymap_slot(&d->map, r->hash[i], 0)) != NULL)
			slot[1] = 0;
		memset(&d->logbuf[nlog], 0, sizeof d->logbuf[nlog]);
		d->logbuf[nlog].kind = SYNCLOG_REMOVED;
		d->logbuf[nlog].hash = r->hash[i];
		d->logbuf[nlog++].digest = 0;
		if (nlog == d->cfg->session->batch_size) {
			if (synclog_append(d->log, d->logbuf, nlog, &cause))
				deliver_stop(d, cause);
			nlog = 0;
		}
	}
	if (nlog > 0 && synclog_append(d->log, d->logbuf, nlog, &cause) != 0)
		deliver_stop(d, cause);
}

static struct rset	*rqueue;	/* removal sets waiting for a slot */

/* Queue r cut in two halves, the second in a copy of the arena. */
static void
rset_split(struct deliver *d, struct rset *r)
{
	struct rset	*h2 = rset_new(d, r->cap);
	size_t		 half = r->n / 2, i;

	h2->arena = xmalloc(r->asize);
	memcpy(h2->arena, r->arena, r->alen);
	h2->alen = r->alen;
	h2->asize = r->asize;
	for (i = 0; i < r->n - half; i++) {
		h2->p[i] = r->p[half + i];
		if (h2->p[i].customer_id != NULL)
			h2->p[i].customer_id = h2->arena +
			    (r->p[half + i].customer_id - r->arena);
		else
			h2->p[i].email = h2->arena +
			    (r->p[half + i].email - r->arena);
		h2->p[i].ref = i;
		h2->hash[i] = r->hash[half + i];
	}
	h2->n = r->n - half;
	h2->resubmits = r->resubmits;
	r->n = half;
	h2->next = rqueue;
	rqueue = h2;
	r->next = rqueue;
	rqueue = r;
}

static void	rset_submit(struct deliver *, struct rset *);

static void
rset_done(const struct http_response *resp, void *arg)
{
	struct rset		*r = arg;
	struct deliver		*d = r->d;
	enum dest_verdict	 v;
	char			*msg = NULL;

	d->in_flight--;
	d->stats->in_flight = d->in_flight;
	if (resp->outcome == HTTP_CANCELLED || d->fatal != NULL) {
		rset_free(r);
		return;
	}
	memset(r->res, 0, r->n * sizeof *r->res);
	v = d->driver->decode_remove(d->cfg->session, resp, r->p, r->n,
	    r->res, &msg);
	switch (v) {
	case DEST_BATCH_DONE:
		d->stats->batches++;
		rset_results(d, r);
		dest_results_clear(r->res, r->n);
		free(msg);
		rset_free(r);
		return;
	case DEST_BATCH_SPLIT:
		free(msg);
		msg = NULL;
		if (r->n > 1) {
			rset_split(d, r);
			return;
		}
		msg = xstrdup(_("The destination refused a removal of one "
		    "profile as too large."));
		break;
	case DEST_BATCH_REAUTH:
		if (d->driver->reauth != NULL && r->reauths < MAX_REAUTHS) {
			r->reauths++;
			free(msg);
			msg = NULL;
			if (d->driver->reauth(d->cfg->session, r->auth_gen,
			    &msg) == 0) {
				r->next = rqueue;
				rqueue = r;
				return;
			}
		}
		break;
	case DEST_BATCH_RETRY:
		if (++r->resubmits <= d->cfg->max_resubmits) {
			d->resubmitted++;
			free(msg);
			dest_results_clear(r->res, r->n);
			r->next = rqueue;
			rqueue = r;
			return;
		}
		break;
	case DEST_BATCH_FATAL:
		break;
	}
	if (d->stats->fatal_status == 0)
		d->stats->fatal_status = resp->status;
	msg = util_sentence(msg);
	deliver_stop(d, xasprintf(ngettext("%1$s The removals stopped after "
	    "%2$'llu member had been removed; the others stay at the "
	    "destination until the next run.", "%1$s The removals stopped "
	    "after %2$'llu members had been removed; the others stay at the "
	    "destination until the next run.", d->stats->removed), msg,
	    (unsigned long long)d->stats->removed));
	free(msg);
	dest_results_clear(r->res, r->n);
	rset_free(r);
}

static void
rset_submit(struct deliver *d, struct rset *r)
{
	struct http_request	*req;
	char			*cause = NULL;
	int			 rv;

	rv = d->driver->encode_remove(d->cfg->session, d->cfg->target, r->p,
	    r->n, &req, &cause);
	if (rv == 1 && r->n > 1) {
		rset_split(d, r);
		return;
	}
	if (rv != 0) {
		deliver_stop(d, cause != NULL ? cause : xstrdup(_("A removal "
		    "could not be encoded.")));
		rset_free(r);
		return;
	}
	r->auth_gen = d->cfg->session->auth_gen;
	http_request_callback(req, rset_done, r);
	if (http_submit(d->cfg->engine, req, &cause) != 0) {
		deliver_stop(d, cause);
		rset_free(r);
		return;
	}
	d->in_flight++;
	d->stats->in_flight = d->in_flight;
}

/* Send what rqueue holds while there is room; wait when full or done. */
static int
rset_pump(struct deliver *d, int until_done, char **cause)
{
	struct rset	*r;

	for (;;) {
		while (d->fatal == NULL && rqueue != NULL &&
		    d->in_flight < d->max_in_flight) {
			r = rqueue;
			rqueue = r->next;
			r->next = NULL;
			rset_submit(d, r);
		}
		if (d->cfg->cancel != NULL && *d->cfg->cancel &&
		    d->fatal == NULL)
			deliver_stop(d, xstrdup(_("The delivery was "
			    "cancelled.")));
		if (d->in_flight == 0 && (rqueue == NULL || d->fatal != NULL))
			return 0;
		if (!until_done && d->in_flight < d->max_in_flight &&
		    d->fatal == NULL && rqueue == NULL)
			return 0;
		if (http_step(d->cfg->engine, NULL, 0, 100, cause) == -1)
			return -1;
		deliver_tick(d);
	}
}

/* Removals being gathered: the set filling, and why it stopped. */
struct removal {
	struct deliver	*d;
	struct rset	*r;
	size_t		 cap;
	char		*cause;		/* an error, or NULL */
	int		 stop;		/* an error or d->fatal */
};

/*
 * Queue the key of rec for removal when it is an accepted member that no
 * valid row of this run holds, once (KEY_SENT marks it: no key of a
 * removal was sent by this run), sending each set once it is full.
 */
static void
removal_add(struct removal *rm, const struct syncstate_rec *rec)
{
	struct deliver	*d = rm->d;
	uint64_t	*slot, h;

	if (rm->stop || rec->id == NULL)
		return;		/* its id was never known */
	h = rec_hash(d, rec);
	slot = keymap_slot(&d->map, h, 0);
	if (slot == NULL || (slot[0] & KEY_SENT) || (slot[1] & ST_SEEN) ||
	    !ST_MAY_HOLD(slot[1]))
		return;
	slot[0] |= KEY_SENT;
	if (rm->r == NULL)
		rm->r = rset_new(d, rm->cap);
	rset_add(rm->r, rec, h);
	if (rm->r->n < rm->cap)
		return;
	rset_fix(rm->r);
	rm->r->next = rqueue;
	rqueue = rm->r;
	rm->r = NULL;
	if (rset_pump(d, 0, &rm->cause) != 0 || d->fatal != NULL)
		rm->stop = 1;
}

/* A sent entry of the log: a key a run since the state file sent. */
static void
removal_log_entry(const struct synclog_entry *e, void *arg)
{
	struct syncstate_rec	rec;

	if (e->kind != SYNCLOG_SENT || e->id == NULL)
		return;
	memset(&rec, 0, sizeof rec);
	rec.flags = e->cid ? SYNCSTATE_CID : 0;
	rec.hash = e->hash;
	rec.id = e->id;
	rec.idlen = e->idlen;
	removal_add(arg, &rec);
}

/*
 * Remove the members who left: the keys the target may hold that no valid
 * row of this run holds, named by the ids the state file keeps and, for the
 * keys runs sent since it was written (a run killed, cancelled or failed,
 * then not resumed), the ids of the log. A dry run only counts the requests.
 * 0, or -1 with *cause.
 */
static int
state_remove(struct deliver *d, char **cause)
{
	const struct deliver_sync	*sy = d->sync;
	struct syncstate_reader		*rd;
	struct syncstate_rec		 rec;
	struct removal			 rm;
	struct rset			*q;
	const char			*target;
	char				*why = NULL, *ignore = NULL;
	size_t				 cap;
	int				 rv;

	cap = d->driver->remove_batch_max;
	if (cap == 0)
		cap = 1;
	if (d->cfg->dry_run) {
		d->stats->remove_requests = (d->stats->to_remove + cap - 1) /
		    cap;
		return 0;
	}
	memset(&rm, 0, sizeof rm);
	rm.d = d;
	rm.cap = cap;
	d->stats->phase = DELIVER_PHASE_REMOVE;
	rqueue = NULL;
	rv = syncstate_open(sy->state_path, sy->keys, &rd, &target, &why,
	    cause);
	free(why);
	if (rv == -1)
		return -1;
	if (rv == 0 && strcmp(target, sy->target_label) == 0) {
		while (!rm.stop && (rv = syncstate_next(rd, &rec, cause)) == 1)
			removal_add(&rm, &rec);
		if (rv == -1)
			goto fail;
	}
	syncstate_close(&rd);
	if (!rm.stop && synclog_replay(sy->log_path, sy->keys,
	    sy->target_label, removal_log_entry, &rm, cause) != 0) {
		free(rm.cause);
		goto fail;
	}
	if (rm.cause != NULL) {
		*cause = rm.cause;
		rm.cause = NULL;
		goto fail;
	}
	if (rm.r != NULL && d->fatal == NULL) {
		rset_fix(rm.r);
		rm.r->next = rqueue;
		rqueue = rm.r;
		rm.r = NULL;
	}
	if (rset_pump(d, 1, cause) != 0)
		goto drop;
	if (d->fatal != NULL) {
		*cause = d->fatal;
		d->fatal = NULL;
		goto drop;
	}
	return 0;
fail:
	syncstate_close(&rd);
	deliver_stop(d, xstrdup(""));
	if (rset_pump(d, 1, &ignore) != 0)
		free(ignore);
drop:
	rset_free(rm.r);
	while ((q = rqueue) != NULL) {
		rqueue = q->next;
		rset_free(q);
	}
	return -1;
}

/* Write one key's record unless it was written already (KEY_SENT). */
static int
state_put(struct syncstate_writer *w, uint64_t *slot,
    const char *id, size_t idlen, int cid, char **cause)
{
	struct syncstate_rec	rec;

	if ((slot[0] & KEY_SENT) || !(slot[1] & ST_PRESENT))
		return 0;
	slot[0] |= KEY_SENT;
	memset(&rec, 0, sizeof rec);
	rec.flags = ((slot[1] & ST_ACCEPTED) ? SYNCSTATE_ACCEPTED : 0) |
	    ((slot[1] & ST_PENDING) ? SYNCSTATE_PENDING : 0) |
	    (cid ? SYNCSTATE_CID : 0);
	rec.hash = slot[0] & ~KEY_SENT;
	rec.digest = slot[1] & ~ST_FLAGS;
	rec.id = id;
	rec.idlen = id != NULL ? idlen : 0;
	return syncstate_put(w, &rec, cause);
}

/*
 * Append the entries state_unaccept() gathered. One that cannot be
 * written is not lost for this run: the state file is written from the
 * key map, which has it.
 */
static void
state_unaccept_flush(struct deliver *d)
{
	char	*cause = NULL;

	if (d->nunaccepted > 0 && synclog_append(d->log, d->logbuf,
	    d->nunaccepted, &cause) != 0)
		free(cause);
	d->nunaccepted = 0;
}

/*
 * The confirmation rejected a profile that its batch's answer took: the
 * state keeps it as rejected (sent again once it changes, never
 * removed), and the log says so, for a resumed or later run.
 */
static void
state_unaccept(const char *id, size_t idlen, int cid, void *arg)
{
	struct deliver		*d = arg;
	struct synclog_entry	*e;
	uint64_t		*slot;

	slot = keymap_slot(&d->map, keymap_hash(&d->map, id, idlen, !cid), 0);
	if (slot == NULL || !(slot[1] & ST_ACCEPTED))
		return;
	slot[1] &= ~(ST_ACCEPTED | ST_PENDING);
	e = &d->logbuf[d->nunaccepted++];
	memset(e, 0, sizeof *e);
	e->kind = SYNCLOG_REJECTED;
	e->hash = slot[0] & ~KEY_SENT;
	e->digest = slot[1] & ~ST_FLAGS;
	if (d->nunaccepted > d->cfg->session->batch_size)
		state_unaccept_flush(d);
}

/* What state_save's replay of the log needs. */
struct state_fold {
	struct deliver			*d;
	struct syncstate_writer		*w;
	char				*cause;
	uint64_t			*prev;	/* slot of the entry before */
	struct synclog_entry		 pe;	/* ... and the entry */
	char				 pid[256];
};

/*
 * Write the key of the sent entry before this one with its id, once the
 * slot of this one is on its way in (as in the plan pass).
 */
static void
state_fold_entry(const struct synclog_entry *e, void *arg)
{
	struct state_fold	*f = arg;
	uint64_t		*slot;

	if (f->cause != NULL || e->kind != SYNCLOG_SENT || e->id == NULL)
		return;
	keymap_prefetch(&f->d->map, e->hash);
	if (f->prev != NULL && state_put(f->w, f->prev, f->pid, f->pe.idlen,
	    f->pe.cid, &f->cause) != 0)
		return;
	slot = keymap_slot(&f->d->map, e->hash, 0);
	f->prev = slot;
	if (slot == NULL)
		return;
	f->pe = *e;
	memcpy(f->pid, e->id, e->idlen);
	f->pid[e->idlen] = '\0';
}

/*
 * Fold the run into a new state file: every key the state holds, with its
 * id from the log (every key a run sent since the last state, with the id
 * it was sent with), else from the old state, else none. Then the log,
 * which the new file holds, is removed. 0, or -1 with *cause (the log then
 * still holds the run: nothing is lost).
 */
static int
state_save(struct deliver *d, char **cause)
{
	const struct deliver_sync	*sy = d->sync;
	struct syncstate_writer		*w = NULL;
	struct syncstate_reader		*rd = NULL;
	struct syncstate_rec		 rec;
	struct state_fold		 f;
	const char			*target;
	char				*why = NULL;
	size_t				 i, stride;
	uint64_t			*slot;
	int				 rv;

	stride = SLOT_WORDS(&d->map);
	for (i = 0; i < d->map.nslots; i++)
		d->map.v[i * stride] &= ~KEY_SENT;
	if (syncstate_create(sy->state_path, sy->keys, sy->target_label,
	    sy->file_mode, sy->gid, &w, cause) != 0)
		return -1;
	memset(&f, 0, sizeof f);
	f.d = d;
	f.w = w;
	rv = synclog_replay(sy->log_path, sy->keys, sy->target_label,
	    state_fold_entry, &f, cause);
	if (rv == 0 && f.cause == NULL && f.prev != NULL)
		(void)state_put(w, f.prev, f.pid, f.pe.idlen, f.pe.cid,
		    &f.cause);
	sodium_memzero(f.pid, sizeof f.pid);
	if (f.cause != NULL) {
		if (rv == 0)
			*cause = f.cause;
		else
			free(f.cause);
		rv = -1;
	}
	if (rv != 0)
		goto fail;
	/* Keys no sent entry names keep the id the old state had. */
	rv = syncstate_open(sy->state_path, sy->keys, &rd, &target, &why,
	    cause);
	free(why);
	if (rv == -1)
		goto fail;
	if (rv == 0 && strcmp(target, sy->target_label) == 0) {
		while ((rv = syncstate_next(rd, &rec, cause)) == 1) {
			slot = keymap_slot(&d->map, rec_hash(d, &rec), 0);
			if (slot != NULL && state_put(w, slot, rec.id,
			    rec.idlen, rec.flags & SYNCSTATE_CID, cause) != 0)
				goto fail;
		}
		if (rv == -1)
			goto fail;
	}
	syncstate_close(&rd);
	for (i = 0; i < d->map.nslots; i++) {
		slot = d->map.v + i * stride;
		if (slot[0] != 0 && state_put(w, slot, NULL, 0, 0,
		    cause) != 0)
			goto fail;
	}
	if (synclog_close(&d->log, cause) != 0)
		goto fail;
	if (syncstate_commit(&w, cause) != 0)
		return -1;
	return synclog_remove(sy->log_path, cause);
fail:
	syncstate_close(&rd);
	syncstate_abandon(&w);
	return -1;
}

static const struct deliver_segment	*sort_segments;

double
deliver_rejected_share(const struct deliver_counts *c)
{
	uint64_t	n = c->read > c->duplicates ? c->read - c->duplicates : 0;

	return n == 0 ? 0 : (double)c->rejected / (double)n;
}

/*
 * The configuration's limit on rejected profiles, once every answer is
 * in: 0, or -1 with *cause when more were rejected (a dry run only notes
 * it in stats).
 */
static int
rejected_check(struct deliver *d, char **cause)
{
	const struct deliver_counts	*c = &d->stats->total;
	uint64_t			 n;
	char				*msg, *rm;

	n = c->read > c->duplicates ? c->read - c->duplicates : 0;
	if (!d->cfg->limit_rejected || n == 0 ||
	    c->rejected * 100 <= (uint64_t)d->cfg->max_rejected * n)
		return 0;
	d->stats->rejected_over = 1;
	rm = !d->cfg->dry_run && d->sync != NULL && d->sync->mirror &&
	    d->stats->to_remove > 0 ?
	    xstrdup(_(" Nobody was removed from the target.")) : xstrdup("");
	msg = xasprintf(ngettext("%1$'llu of the %2$'llu profiles (%3$llu%%) "
	    "was rejected, more than the export's maximum of %4$u%%: the "
	    "mapping or the data is likely wrong, and the rejected records "
	    "say why.%5$s If this share is expected, give the export a "
	    "higher --max-rejected.", "%1$'llu of the %2$'llu profiles "
	    "(%3$llu%%) were rejected, more than the export's maximum of "
	    "%4$u%%: the mapping or the data is likely wrong, and the "
	    "rejected records say why.%5$s If this share is expected, give "
	    "the export a higher --max-rejected.", c->rejected),
	    (unsigned long long)c->rejected, (unsigned long long)n,
	    (unsigned long long)((c->rejected * 100 + n - 1) / n),
	    d->cfg->max_rejected, rm);
	free(rm);
	if (d->cfg->dry_run) {
		free(d->stats->reject_note);
		d->stats->reject_note = msg;
		return 0;
	}
	*cause = msg;
	return -1;
}

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
	keymap_init(&d.map, cfg.nsegments, cfg.expected_rows,
	    cfg.sync != NULL ? cfg.sync->keys->hash : NULL);
	if ((d.sync = cfg.sync) != NULL) {
		unsigned char	out[crypto_shorthash_BYTES];

		cfg.session->update_only = d.sync->update_only;
		d.seghash = xcalloc(cfg.nsegments, sizeof *d.seghash);
		for (seg = 0; seg < cfg.nsegments; seg++) {
			crypto_shorthash(out, (const unsigned char *)
			    cfg.segments[seg].name,
			    strlen(cfg.segments[seg].name) + 1,
			    d.sync->keys->digest);
			memcpy(&d.seghash[seg], out, sizeof d.seghash[seg]);
		}
		d.maphash = mapping_hash(cfg.mapping, d.sync->keys->digest);
		d.logbuf = xcalloc(cfg.session->batch_size + 1,
		    sizeof *d.logbuf);
		if (state_load(&d, cause) != 0)
			goto out;
	}

	/*
	 * One segment: every profile's membership is known, read it once;
	 * unless the guards of the mirror mode need to know who left before
	 * anything is sent, which they do only when the target holds
	 * members this export added (a first run removes nobody).
	 */
	stats->phase = DELIVER_PHASE_PLAN;
	if (cfg.nsegments > 1 || (d.sync != NULL && d.sync->mirror &&
	    stats->members > 0)) {
		if (deliver_plan(&d, cause) != 0)
			goto out;
		d.planned = 1;
	}
	if (d.sync != NULL) {
		if (state_guards(&d, cause) != 0)
			goto out;
		if (!cfg.dry_run && synclog_open(d.sync->log_path,
		    d.sync->keys, d.sync->target_label, d.sync->file_mode,
		    d.sync->gid, &d.log, cause) != 0)
			goto out;
	}
	stats->map_bytes = d.map.nslots * SLOT_WORDS(&d.map) * 8;

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
	    d.log != NULL ? state_unaccept : NULL, &d, cause) != 0) {
		if (d.log != NULL)
			state_unaccept_flush(&d);
		goto out;
	}
	if (d.log != NULL)
		state_unaccept_flush(&d);
	if (rejected_check(&d, cause) != 0)
		goto out;
	/* Adds and removals of one target go one after the other. */
	if (d.sync != NULL && d.sync->mirror && stats->to_remove > 0 &&
	    state_remove(&d, cause) != 0)
		goto out;
	rv = 0;
out:
	if (d.log != NULL) {
		char	*why = NULL;

		if (state_save(&d, &why) != 0) {
			char	*note = xasprintf(_("The sync state could not "
			    "be saved (%s); its log still holds this run, "
			    "which the next run reads."), why);

			free(why);
			free(stats->state_note);
			stats->state_note = note;
		}
		if (synclog_close(&d.log, &why) != 0)
			free(why);
	}
	if (d.confirm != NULL)
		stats->confirm_bytes = confirm_bytes(d.confirm);
	confirm_free(&d.confirm);
	if (!d.planned) {
		stats->profiles = d.map.used;
		stats->map_bytes = d.map.nslots * SLOT_WORDS(&d.map) * 8;
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
	free(d.seghash);
	free(d.logbuf);
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
	free(stats->state_note);
	stats->state_note = NULL;
	free(stats->reject_note);
	stats->reject_note = NULL;
}
