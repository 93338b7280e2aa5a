/*
 * Connection secret records (design 3.4, minus the tier-2 "sig" line that
 * decision 5.1 defers): one file per connection,
 * connections/<conn-id>.secrets, holding the connection's secret fields
 * (API keys, OAuth client secrets, refresh tokens) encrypted under a
 * random data key K that is sealed to every recipient the policy allows.
 *
 *	segsync-secret/v1
 *	suite 1
 *	store <b64 16-byte workspace id>
 *	conn <conn-id>
 *	policy admins | admins+contributors
 *	export manual | scheduled
 *	gen <decimal, 1 and up; +1 on every rekey>
 *	commit <b64 32: BLAKE2b-256(key = K_cmt, "commit" store conn)>
 *	-> <member-id> <b64 80: crypto_box_seal(K)>	(sorted by id, >= 1)
 *	field <name> <b64 24 nonce> <b64 ciphertext>	(sorted by name)
 *	mac <b64 32: BLAKE2b-256(key = K_mac, every byte before this line)>
 *
 * K_field, K_mac and K_cmt come from crypto_kdf_derive_from_key(K) with
 * the contexts below. Each field is sodium_pad'ded to 256-byte blocks and
 * encrypted with XChaCha20-Poly1305, fresh nonce per write, AD =
 * "segsync-secret/v1" 0x00 store(16) u8(len conn) conn u8(len name) name,
 * so a ciphertext only decrypts in its own workspace, connection and
 * field.
 *
 * Reading (record_open) runs in a fixed order, one failure kind each:
 *	1. strict parse: SEC_EFORMAT ("unsupported format" for another
 *	   version or suite);
 *	2. store and conn must be the ones the caller expects (a file renamed
 *	   or copied from another connection or workspace): SEC_EINTEGRITY;
 *	3. a wrap for my id: SEC_EDENIED ("you are not allowed to use
 *	   connection X (its policy is: ...)");
 *	4. unseal K, check commit, then mac: SEC_EINTEGRITY ("FILE failed its
 *	   integrity check: it was altered or damaged"), before any field is
 *	   decrypted;
 *	5. decrypt every field: SEC_EINTEGRITY.
 *
 * Ownership: a struct record is owned by its creator (record_free). K and
 * the decrypted fields live in secret memory inside it; record_get hands
 * out borrowed pointers. All functions returning enum sec_status set
 * *cause on failure (malloc'd, names the file or connection; caller
 * frees).
 */
#ifndef SEGSYNC_SRC_RECORD_H
#define SEGSYNC_SRC_RECORD_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "secret.h"
#include "secstatus.h"

#define RECORD_MAGIC		"segsync-secret/v1"
#define RECORD_STOREBYTES	16
#define RECORD_MAX_FILE		(64u * 1024)
#define RECORD_MAX_FIELD	(16u * 1024)	/* plaintext bytes */
#define RECORD_PAD_BLOCK	256
#define RECORD_MAX_CONN		64
#define RECORD_MAX_NAME		64

/* crypto_kdf contexts and subkey ids (fixed by the v1 format). */
#define RECORD_CTX_FIELD	"segsfld1"
#define RECORD_CTX_MAC		"segsmac1"
#define RECORD_CTX_COMMIT	"segscmt1"
#define RECORD_SUBKEY_ID	1

struct record;

enum record_policy {
	RECORD_POLICY_ADMINS,			/* "admins" */
	RECORD_POLICY_CONTRIBUTORS		/* "admins+contributors" */
};

enum record_export {
	RECORD_EXPORT_MANUAL,			/* "manual" */
	RECORD_EXPORT_SCHEDULED			/* "scheduled" */
};

enum record_role {
	RECORD_ROLE_ADMIN,
	RECORD_ROLE_CONTRIBUTOR,
	RECORD_ROLE_SERVICE
};

/* One recipient: a member id and its X25519 public key (borrowed). */
struct record_recipient {
	const char		*id;
	const unsigned char	*pk;		/* IDENTITY_PKBYTES */
};

/*
 * 1 when a member of this role belongs in the recipient set of a record
 * with this policy and export mode (design 3.5): admins always,
 * contributors when the policy says so, service identities for scheduled
 * exports. The caller builds the set from workspace.json with this.
 */
int		 record_role_wanted(enum record_policy, enum record_export,
		     enum record_role);

/* 1 when conn matches [a-z0-9_-]{1,64}. */
int		 record_conn_valid(const char *conn);

/* 1 when a field name matches [a-z0-9_]{1,64}. */
int		 record_name_valid(const char *name);

/* 32 lowercase hex chars (workspace.json's id) to 16 bytes; 0 or -1. */
int		 record_store_from_hex(const char *hex,
		     unsigned char store[RECORD_STOREBYTES]);

/*
 * A new record with a fresh K, gen 1 and no fields, sealed to the n
 * recipients (at least one; ids valid and distinct, else SEC_EINVAL).
 */
enum sec_status	 record_create(const unsigned char store[RECORD_STOREBYTES],
		     const char *conn, enum record_policy, enum record_export,
		     const struct record_recipient *, size_t n,
		     struct record **out, char **cause);

/*
 * Parse only (step 1), leaving the record locked: no field values, no K.
 * name is used in messages. For the fuzzer and for listing; a parsed
 * record cannot be changed or serialised.
 */
enum sec_status	 record_parse(const void *buf, size_t len, const char *name,
		     struct record **out, char **cause);

/*
 * Parse and open a record held in memory (steps 1-5 above) with an
 * unlocked identity; store and conn are what the caller expects.
 */
enum sec_status	 record_open(const void *buf, size_t len, const char *name,
		     const unsigned char store[RECORD_STOREBYTES],
		     const char *conn, const struct identity *,
		     struct record **out, char **cause);

/* Read path (O_NOFOLLOW, at most RECORD_MAX_FILE) and record_open it. */
enum sec_status	 record_load(const char *path,
		     const unsigned char store[RECORD_STOREBYTES],
		     const char *conn, const struct identity *,
		     struct record **out, char **cause);

/* Wipe and free, then NULL. NULL is fine. */
void		 record_free(struct record **);

/* Borrowed: the field's value, or NULL if the record has no such field. */
const struct secret *record_get(const struct record *, const char *name);

/*
 * Set (add or replace) a field: only that field is re-encrypted, under a
 * fresh nonce; every other line stays byte-identical except mac.
 * SEC_EINVAL for a bad name or a value over RECORD_MAX_FIELD.
 */
enum sec_status	 record_set(struct record *, const char *name,
		     const struct secret *value, char **cause);

/* Remove a field; 0, or -1 if there was none. */
int		 record_unset(struct record *, const char *name);

/* Field names in file order: count, and the i-th (borrowed). */
size_t		 record_field_count(const struct record *);
const char	*record_field_name(const struct record *, size_t i);

/* Recipients in file order: count, and the i-th id (borrowed). */
size_t		 record_recipient_count(const struct record *);
const char	*record_recipient_id(const struct record *, size_t i);

/* 1 when id is a recipient. */
int		 record_has_recipient(const struct record *, const char *id);

const char	*record_conn(const struct record *);
enum record_policy record_policy(const struct record *);
enum record_export record_export(const struct record *);
uint64_t	 record_gen(const struct record *);

/* Change policy and export mode (reseal afterwards to match). */
void		 record_set_policy(struct record *, enum record_policy,
		     enum record_export);

/*
 * Seal the same K to a new recipient set (member added or policy
 * changed). Field lines stay byte-identical. After removing a member use
 * record_rekey instead: they may have kept K.
 */
enum sec_status	 record_reseal(struct record *,
		     const struct record_recipient *, size_t n, char **cause);

/*
 * New K, gen + 1, every field re-encrypted under fresh nonces, sealed to
 * the given set. Also rotate the upstream credential: a removed member may
 * have kept the plaintext.
 */
enum sec_status	 record_rekey(struct record *,
		     const struct record_recipient *, size_t n, char **cause);

/*
 * The file text, malloc'd (*buf, *len; caller frees). It holds no
 * plaintext. Only for records made by record_create or record_open.
 */
void		 record_serialize(const struct record *, char **buf,
		     size_t *len);

/*
 * Serialise and write with fileio_write_atomic (mode, gid as there).
 * SEC_EFAIL on write failure; the old file is then intact.
 */
enum sec_status	 record_save(const struct record *, const char *path,
		     mode_t mode, gid_t gid, char **cause);

/*
 * Borrowed: K (32 bytes), or NULL for a parsed-only record. Tests only
 * (proving an old K no longer decrypts after a rekey).
 */
const struct secret *record_key_peek(const struct record *);

#endif
