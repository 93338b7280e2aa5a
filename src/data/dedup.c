/* De-duplication set: keyed 64-bit hashes in an open-addressing table. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/xmalloc.h"
#include "data/dedup.h"

/* Slot value 0 means empty, so a hash of 0 is stored as 1. */
#define DEDUP_EMPTY	0
#define DEDUP_MIN_SLOTS	1024

struct dedup {
	uint64_t	*slots;
	size_t		 mask;		/* number of slots - 1 */
	size_t		 count;
	unsigned char	 key[crypto_shorthash_KEYBYTES];
};

struct dedup *
dedup_new(void)
{
	struct dedup	*set;

	if (sodium_init() < 0)
		abort();
	set = xcalloc(1, sizeof *set);
	randombytes_buf(set->key, sizeof set->key);
	set->slots = xcalloc(DEDUP_MIN_SLOTS, sizeof *set->slots);
	set->mask = DEDUP_MIN_SLOTS - 1;
	return set;
}

/*
 * Insert h; returns 1 if it was not there. The hash is uniform, so its low
 * bits pick the slot and linear probing stays short at 3/4 load.
 */
static int
dedup_insert(uint64_t *slots, size_t mask, uint64_t h)
{
	size_t	i;

	for (i = (size_t)h & mask; slots[i] != DEDUP_EMPTY;
	    i = (i + 1) & mask) {
		if (slots[i] == h)
			return 0;
	}
	slots[i] = h;
	return 1;
}

/* Double the table. */
static void
dedup_grow(struct dedup *set)
{
	uint64_t	*old = set->slots, *slots;
	size_t		 oldn = set->mask + 1, n = oldn * 2, i;

	slots = xcalloc(n, sizeof *slots);
	for (i = 0; i < oldn; i++) {
		if (old[i] != DEDUP_EMPTY)
			dedup_insert(slots, n - 1, old[i]);
	}
	free(old);
	set->slots = slots;
	set->mask = n - 1;
}

/* The keyed hash of a key, never DEDUP_EMPTY. */
static uint64_t
dedup_hash(const struct dedup *set, const void *s, size_t len)
{
	unsigned char	out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, s, len, set->key);
	memcpy(&h, out, sizeof h);
	return h == DEDUP_EMPTY ? 1 : h;
}

int
dedup_has(const struct dedup *set, const void *s, size_t len)
{
	uint64_t	h = dedup_hash(set, s, len);
	size_t		i;

	for (i = (size_t)h & set->mask; set->slots[i] != DEDUP_EMPTY;
	    i = (i + 1) & set->mask) {
		if (set->slots[i] == h)
			return 1;
	}
	return 0;
}

int
dedup_add(struct dedup *set, const void *s, size_t len)
{
	uint64_t	h = dedup_hash(set, s, len);

	if (!dedup_insert(set->slots, set->mask, h))
		return 0;
	set->count++;
	if (set->count > (set->mask + 1) / 4 * 3)
		dedup_grow(set);
	return 1;
}

size_t
dedup_count(const struct dedup *set)
{
	return set->count;
}

size_t
dedup_bytes(const struct dedup *set)
{
	return sizeof *set + (set->mask + 1) * sizeof *set->slots;
}

void
dedup_free(struct dedup **setp)
{
	struct dedup	*set = *setp;

	if (set == NULL)
		return;
	sodium_memzero(set->key, sizeof set->key);
	free(set->slots);
	free(set);
	*setp = NULL;
}
