/*
 * The sync state of an export (data-rules.md "Keeping a destination in
 * step"): for every profile key the export has sent to its target, a
 * digest of the item the destination last answered for and how it
 * answered, so that a run sends only what is new or changed and, in
 * mirror mode, removes what left.
 *
 * Two files beside the export's JSON:
 *
 *	exports/<id>.state	the state as the last finished run left it:
 *				a header in clear (magic, version, key id),
 *				then chunks sealed with libsodium's
 *				secretstream (XChaCha20-Poly1305, the header
 *				as additional data, the last chunk tagged
 *				final, so that a cut, a swap or a change of
 *				one byte is refused); inside, the target and
 *				one record per key:
 *
 *				    u8 flags, u8 idlen, [u64 hash when idlen
 *				    is 0], u64 digest, idlen bytes of id
 *
 *				where id is the key itself (the customer ID
 *				or the normalised email: a removal has to
 *				name the person), kept only so that mirror
 *				mode can remove it.
 *	exports/<id>.state.log	what runs since then sent and were answered,
 *				appended batch by batch: entries of a kind (s
 *				sent, a accepted, r rejected by the
 *				destination, x removed), a hash and a digest,
 *				a sent one with its id, in chunks sealed with
 *				XChaCha20-Poly1305 and chained to the one
 *				before (the ids are not readable; a change, a
 *				swap or a chunk dropped but at the end is
 *				refused; a torn end is a kill and is
 *				ignored). The ids are what the new state
 *				file takes for the keys a run sent, without
 *				reading the segments again. Its header names
 *				the state file it goes with (a keyed hash of
 *				that file's random header): a log kept past
 *				the state that folded it in, or copied back
 *				from an earlier one, is not replayed. Replayed
 *				over the state when it is loaded, so that a
 *				worker killed at any point, a resumed run and
 *				a fresh one all start from what the
 *				destination was told; folded into a new state
 *				file (and removed) when a run ends.
 *
 * Keys, digests and the encryption come from the connection's sync key (a
 * random secret in its encrypted record, made by its first run) and the
 * export's ID: whoever may not use the connection learns nothing from the
 * files, not even who is in a segment, and two exports' states cannot be
 * matched against each other.
 *
 * Errors: 0, or -1 with *cause (malloc'd sentence naming the file).
 */
#ifndef SEGSYNC_SRC_RUN_SYNCSTATE_H
#define SEGSYNC_SRC_RUN_SYNCSTATE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/* The field of a connection's record that holds its sync key. */
#define SYNCSTATE_KEY_FIELD	"sync_key"
#define SYNCSTATE_KEYBYTES	32

struct syncstate_keys {
	unsigned char	hash[crypto_shorthash_KEYBYTES];	/* keys */
	unsigned char	digest[crypto_shorthash_KEYBYTES];	/* items */
	unsigned char	seal[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char	id[8];		/* tells the key apart, in clear */
	unsigned char	log[crypto_generichash_KEYBYTES];	/* log MACs */
};

/* Derive the export's keys from a connection's sync key; wipe with
   sodium_memzero when done. */
void	syncstate_keys_derive(const unsigned char *sync_key, size_t len,
	    const char *export_id, struct syncstate_keys *);

/* Record flags. */
#define SYNCSTATE_ACCEPTED	0x01u	/* else rejected by the destination */
#define SYNCSTATE_PENDING	0x02u	/* sent, never answered */
#define SYNCSTATE_CID		0x04u	/* id is a customer ID, else email */

struct syncstate_rec {
	unsigned	 flags;
	uint64_t	 hash;		/* the key's hash (deliver.c's) */
	uint64_t	 digest;
	const char	*id;		/* borrowed; NULL when unknown */
	size_t		 idlen;
};

/*
 * The hash of a profile key (its customer ID, or its email when email is
 * set) under key: the one definition, so that the key map of a run and the
 * state it reads agree. Bit 0 is left 0 for the key map's mark; never 0.
 */
uint64_t syncstate_hash(const unsigned char key[crypto_shorthash_KEYBYTES],
	    const char *s, size_t len, int email);

struct syncstate_reader;

/*
 * Open path. 1 when there is no state file (nothing was ever answered, or
 * it was made under another key: *why then says so, else NULL), 0 with
 * *rp and *target (borrowed from the reader), -1 with *cause when it is
 * damaged.
 */
int	syncstate_open(const char *path, const struct syncstate_keys *,
	    struct syncstate_reader **rp, const char **target, char **why,
	    char **cause);
/* The next record: 1 with *rec (valid until the next call), 0 at the
   end, -1 with *cause. */
int	syncstate_next(struct syncstate_reader *, struct syncstate_rec *rec,
	    char **cause);
void	syncstate_close(struct syncstate_reader **);

struct syncstate_writer;

/* Start writing a new state for target (a temporary file beside path). */
int	syncstate_create(const char *path, const struct syncstate_keys *,
	    const char *target, mode_t mode, gid_t gid,
	    struct syncstate_writer **wp, char **cause);
int	syncstate_put(struct syncstate_writer *, const struct syncstate_rec *,
	    char **cause);
/* Seal, fsync and rename over path; or (abandon) remove the temporary
   file. Frees *wp either way. */
int	syncstate_commit(struct syncstate_writer **wp, char **cause);
void	syncstate_abandon(struct syncstate_writer **wp);

/* The log. */
enum synclog_kind {
	SYNCLOG_SENT = 's',
	SYNCLOG_ACCEPTED = 'a',
	SYNCLOG_REJECTED = 'r',
	SYNCLOG_REMOVED = 'x'
};

struct synclog_entry {
	enum synclog_kind	 kind;
	uint64_t		 hash;
	uint64_t		 digest;
	/* A sent entry's id (as struct syncstate_rec's), or NULL. */
	const char		*id;
	size_t			 idlen;
	int			 cid;
};

struct synclog;

/*
 * Open the log for appending (created with its header naming target's tag
 * when missing; a torn last chunk cut off). A log of another target or key
 * is emptied first; one that does not verify is refused.
 */
int	synclog_open(const char *path, const struct syncstate_keys *,
	    const char *target, mode_t mode, gid_t gid, struct synclog **lp,
	    char **cause);
/* The n entries in one write. */
int	synclog_append(struct synclog *, const struct synclog_entry *e,
	    size_t n, char **cause);
int	synclog_close(struct synclog **, char **cause);

/*
 * Call fn for every entry of the log at path, in order (a missing log, or
 * one of another target or key, has none). A torn last chunk is ignored;
 * a chunk that does not verify fails it (-1 with *cause), after fn saw
 * the entries before.
 */
int	synclog_replay(const char *path, const struct syncstate_keys *,
	    const char *target, void (*fn)(const struct synclog_entry *,
	    void *), void *arg, char **cause);

/* Remove the log once a new state holds it (a missing one is fine). */
int	synclog_remove(const char *path, char **cause);

#endif
