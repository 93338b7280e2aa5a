/*
 * A set of byte strings, asked only "seen before?": the confirmation
 * phase (run/confirm.c) keeps in one the job and e-mail of every profile a
 * destination reported, to tell them apart when it re-reads the segment.
 * A run's own de-duplication (shared/docs/data-rules.md, "De-duplicating")
 * is not this: run/deliver.c's key map also keeps each key's segments.
 *
 * Only a 64-bit keyed hash of each key is kept (SipHash-2-4 through
 * libsodium's crypto_shorthash, with a random key drawn for each set), in
 * an open-addressing table of 8-byte slots that doubles when it is 3/4
 * full: about 11 to 21 bytes per key (load between 3/8 and 3/4),
 * whatever the keys' length. The random key
 * means nobody can build a file whose keys collide on purpose.
 *
 * A collision makes a distinct profile look like a duplicate. For n keys
 * the probability of any collision is about n^2 / 2^65: at 10 million
 * keys, 1e14 / 3.7e19 = 2.7e-6, about one run in 370,000; at 1 million,
 * 2.7e-8.
 *
 * libsodium must be initialised (sodium_init()) before dedup_new(); it is
 * called there, which is harmless when already done.
 */
#ifndef SEGSYNC_SRC_DATA_DEDUP_H
#define SEGSYNC_SRC_DATA_DEDUP_H

#include <stddef.h>

struct dedup;

/* A new empty set; owned by the caller, freed with dedup_free(). */
struct dedup	*dedup_new(void);

/* Add len bytes at s. Returns 1 when the key is new, 0 when already seen. */
int		 dedup_add(struct dedup *set, const void *s, size_t len);

/* Whether len bytes at s were added (1) or not (0); adds nothing. */
int		 dedup_has(const struct dedup *set, const void *s, size_t len);

/* How many distinct keys were added. */
size_t		 dedup_count(const struct dedup *set);

/* Bytes the set allocated (its table and header). */
size_t		 dedup_bytes(const struct dedup *set);

/* Free *setp and set it to NULL. NULL is allowed. */
void		 dedup_free(struct dedup **setp);

#endif
