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
 * Reading (secrecord_open) runs in a fixed order, one failure kind each:
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
 * Ownership: a struct secrecord is owned by its creator (secrecord_free). K and
 * the decrypted fields live in secret memory inside it; secrecord_get hands
 * out borrowed pointers. All functions returning enum sec_status set
 * *cause on failure (malloc'd, names the file or connection; caller
 * frees).
 */
#ifndef SEGSYNC_SRC_SECRETS_SECRECORD_H
#define SEGSYNC_SRC_SECRETS_SECRECORD_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "secrets/identity.h"
#include "secrets/secret.h"
#include "secrets/secstatus.h"

#define SECRECORD_MAGIC		"segsync-secret/v1"
#define SECRECORD_STOREBYTES	16
#define SECRECORD_MAX_FILE		(64u * 1024)
#define SECRECORD_MAX_FIELD	(16u * 1024)	/* plaintext bytes */
#define SECRECORD_PAD_BLOCK	256
#define SECRECORD_MAX_CONN		64
#define SECRECORD_MAX_NAME		64

/* crypto_kdf contexts and subkey ids (fixed by the v1 format). */
#define SECRECORD_CTX_FIELD	"segsfld1"
#define SECRECORD_CTX_MAC		"segsmac1"
#define SECRECORD_CTX_COMMIT	"segscmt1"
#define SECRECORD_SUBKEY_ID	1

struct secrecord;

enum secrecord_policy {
	SECRECORD_POLICY_ADMINS,			/* "admins" */
	SECRECORD_POLICY_CONTRIBUTORS		/* "admins+contributors" */
};

enum secrecord_export {
	SECRECORD_EXPORT_MANUAL,			/* "manual" */
	SECRECORD_EXPORT_SCHEDULED			/* "scheduled" */
};

enum secrecord_role {
	SECRECORD_ROLE_ADMIN,
	SECRECORD_ROLE_CONTRIBUTOR,
	SECRECORD_ROLE_SERVICE
};

/* One recipient: a member id and its X25519 public key (borrowed). */
struct secrecord_recipient {
	const char		*id;
	const unsigned char	*pk;		/* IDENTITY_PKBYTES */
};

/*
 * 1 when a member of this role belongs in the recipient set of a record
 * with this policy and export mode (design 3.5): admins always,
 * contributors when the policy says so, service identities for scheduled
 * exports. The caller builds the set from workspace.json with this.
 */
int		 secrecord_role_wanted(enum secrecord_policy,
		    enum secrecord_export,
		     enum secrecord_role);

/* 1 when conn matches [a-z0-9_-]{1,64}. */
int		 secrecord_conn_valid(const char *conn);

/* 1 when a field name matches [a-z0-9_]{1,64}. */
int		 secrecord_name_valid(const char *name);

/* 32 lowercase hex chars (workspace.json's id) to 16 bytes; 0 or -1. */
int		 secrecord_store_from_hex(const char *hex,
		     unsigned char store[SECRECORD_STOREBYTES]);

/*
 * A new record with a fresh K, gen 1 and no fields, sealed to the n
 * recipients (at least one; ids valid and distinct, else SEC_EINVAL).
 */
enum sec_status	 secrecord_create(const unsigned char store[SECRECORD_STOREBYTES],
		     const char *conn, enum secrecord_policy,
		    enum secrecord_export,
		     const struct secrecord_recipient *, size_t n,
		     struct secrecord **out, char **cause);

/*
 * Parse only (step 1), leaving the record locked: no field values, no K.
 * name is used in messages. For the fuzzer and for listing; a parsed
 * record cannot be changed or serialised.
 */
enum sec_status	 secrecord_parse(const void *buf, size_t len, const char *name,
		     struct secrecord **out, char **cause);

/*
 * Parse and open a record held in memory (steps 1-5 above) with an
 * unlocked identity; store and conn are what the caller expects.
 */
enum sec_status	 secrecord_open(const void *buf, size_t len, const char *name,
		     const unsigned char store[SECRECORD_STOREBYTES],
		     const char *conn, const struct identity *,
		     struct secrecord **out, char **cause);

/* Read path (O_NOFOLLOW, at most SECRECORD_MAX_FILE) and secrecord_open it. */
enum sec_status	 secrecord_load(const char *path,
		     const unsigned char store[SECRECORD_STOREBYTES],
		     const char *conn, const struct identity *,
		     struct secrecord **out, char **cause);

/* Wipe and free, then NULL. NULL is fine. */
void		 secrecord_free(struct secrecord **);

/* Borrowed: the field's value, or NULL if the record has no such field. */
const struct secret *secrecord_get(const struct secrecord *, const char *name);

/*
 * Set (add or replace) a field: only that field is re-encrypted, under a
 * fresh nonce; every other line stays byte-identical except mac.
 * SEC_EINVAL for a bad name or a value over SECRECORD_MAX_FIELD.
 */
enum sec_status	 secrecord_set(struct secrecord *, const char *name,
		     const struct secret *value, char **cause);

/* Remove a field; 0, or -1 if there was none. */
int		 secrecord_unset(struct secrecord *, const char *name);

/* Field names in file order: count, and the i-th (borrowed). */
size_t		 secrecord_field_count(const struct secrecord *);
const char	*secrecord_field_name(const struct secrecord *, size_t i);

/* Recipients in file order: count, and the i-th id (borrowed). */
size_t		 secrecord_recipient_count(const struct secrecord *);
const char	*secrecord_recipient_id(const struct secrecord *, size_t i);

/* 1 when id is a recipient. */
int		 secrecord_has_recipient(const struct secrecord *,
		    const char *id);

enum secrecord_policy secrecord_policy(const struct secrecord *);
enum secrecord_export secrecord_export(const struct secrecord *);
uint64_t	 secrecord_gen(const struct secrecord *);

/* Change policy and export mode (reseal afterwards to match). */
void		 secrecord_set_policy(struct secrecord *, enum secrecord_policy,
		     enum secrecord_export);

/*
 * Seal the same K to a new recipient set (member added or policy
 * changed). Field lines stay byte-identical. After removing a member use
 * secrecord_rekey instead: they may have kept K.
 */
enum sec_status	 secrecord_reseal(struct secrecord *,
		     const struct secrecord_recipient *, size_t n,
		    char **cause);

/*
 * New K, gen + 1, every field re-encrypted under fresh nonces, sealed to
 * the given set. Also rotate the upstream credential: a removed member may
 * have kept the plaintext.
 */
enum sec_status	 secrecord_rekey(struct secrecord *,
		     const struct secrecord_recipient *, size_t n,
		    char **cause);

/*
 * The file text, malloc'd (*buf, *len; caller frees). It holds no
 * plaintext. Only for records made by secrecord_create or secrecord_open.
 */
void		 secrecord_serialize(const struct secrecord *, char **buf,
		     size_t *len);

/*
 * Serialise and write with fileio_write_atomic (mode, gid as there).
 * SEC_EFAIL on write failure; the old file is then intact.
 */
enum sec_status	 secrecord_save(const struct secrecord *, const char *path,
		     mode_t mode, gid_t gid, char **cause);

/*
 * Borrowed: K (32 bytes), or NULL for a parsed-only record. Tests only
 * (proving an old K no longer decrypts after a rekey).
 */
const struct secret *secrecord_key_peek(const struct secrecord *);

#endif
