/*
 * Member identities: an X25519 keypair whose secret key rests encrypted
 * under a passphrase (Argon2id13 + XChaCha20-Poly1305), or, for a service
 * identity used by unattended runs, unencrypted in a 0600 key file
 * (design 3.3 and 5.4).
 *
 * File format (text, LF, canonical unpadded base64):
 *
 *	segsync-identity/v1
 *	member <id>
 *	box-pk <b64 32 bytes>
 *	sign-pk -			(signatures come later, design 5.1)
 *	kdf argon2id13 <opslimit> <memlimit bytes> <b64 salt 16 bytes>
 *	nonce <b64 24 bytes>
 *	sk <b64 48 bytes: XChaCha20-Poly1305 of the 32-byte box sk>
 *
 * or, for a key file, "kdf none" followed directly by "sk <b64 32 bytes>".
 * The AEAD's associated data is the exact bytes of the lines before
 * "nonce", so the id, the public key and the KDF parameters cannot be
 * changed (or downgraded) without the decryption failing.
 *
 * Ids are member ids: a Unix user name, or "service:<name>" for a service
 * identity (IDENTITY_SERVICE_PREFIX); see identity_id_valid().
 *
 * All functions returning enum sec_status set *cause on failure (malloc'd,
 * names the file; caller frees). hygiene_init() must have run.
 */
#ifndef SEGSYNC_SRC_SECRETS_IDENTITY_H
#define SEGSYNC_SRC_SECRETS_IDENTITY_H

#include <stddef.h>

#include "secrets/secret.h"
#include "secrets/secstatus.h"

#define IDENTITY_MAGIC		"segsync-identity/v1"
#define IDENTITY_SERVICE_PREFIX	"service:"
#define IDENTITY_PKBYTES	32
#define IDENTITY_MAX_FILE	4096

/* Accepted Argon2id parameters on read, checked before deriving. */
#define IDENTITY_OPS_MIN	2ULL
#define IDENTITY_OPS_MAX	10ULL
#define IDENTITY_MEM_MIN	(64ULL * 1024 * 1024)
#define IDENTITY_MEM_MAX	(1024ULL * 1024 * 1024)

struct identity;

/* Passphrase cost levels (design 5.3); the numbers go into the file. */
enum identity_kdf {
	IDENTITY_KDF_INTERACTIVE,	/* ops 2, 64 MiB */
	IDENTITY_KDF_MODERATE,		/* ops 3, 256 MiB: the default */
	IDENTITY_KDF_SENSITIVE,		/* ops 4, 1 GiB */
	IDENTITY_KDF_KEEP		/* identity_write: as read, else
					   moderate */
};

/* "interactive", "moderate" or "sensitive" to a level; 0 or -1. */
int		 identity_kdf_parse(const char *, enum identity_kdf *);

/* 1 when id is a valid member id: [A-Za-z0-9_.][A-Za-z0-9_.-]{0,63},
 * optionally prefixed with "service:". */
int		 identity_id_valid(const char *id);

/*
 * A new identity with a fresh keypair, unlocked, in memory only (write it
 * with identity_write). SEC_EINVAL for an invalid id. *out is owned by
 * the caller (identity_free).
 */
enum sec_status	 identity_generate(const char *id, struct identity **out,
		     char **cause);

/*
 * Write an unlocked identity to path (mode 0600 whatever the umask,
 * atomically). With a passphrase (must not be empty: SEC_EINVAL), the
 * secret key is encrypted under a fresh salt and nonce at the given cost;
 * with passphrase NULL it is written as a key file ("kdf none").
 * Unless replace is set, an existing path is refused (SEC_EINVAL).
 * SEC_EFAIL for write or KDF allocation failures.
 */
enum sec_status	 identity_write(const struct identity *, const char *path,
		     const struct secret *passphrase, enum identity_kdf,
		     int replace, char **cause);

/*
 * Read and parse an identity or key file. The file is opened with
 * hygiene_open_private (symlink, foreign owner, group/other bits:
 * SEC_EUNSAFE, with an OpenSSH-style message). A "kdf none" file comes
 * back unlocked; a passphrase file comes back locked (identity_unlock).
 * KDF parameters outside the floor and ceiling are refused here
 * (SEC_EFORMAT), so a hostile file cannot make us allocate or spin.
 */
enum sec_status	 identity_read(const char *path, struct identity **out,
		     char **cause);

/*
 * Parse an identity held in memory, without any file checks. name is used
 * in messages. For tests and the fuzzer; identity_read is the real entry.
 */
enum sec_status	 identity_parse(const void *buf, size_t len,
		     const char *name, struct identity **out, char **cause);

/* 1 when the secret key still needs a passphrase. */
int		 identity_locked(const struct identity *);

/*
 * Unlock with a passphrase: SEC_EPASSPHRASE for a wrong passphrase
 * ("wrong passphrase for FILE (or the file is damaged)"), SEC_EFAIL when
 * the KDF cannot get its memory ("could not allocate N MiB for key
 * derivation"), SEC_EINTEGRITY when the secret key does not match the
 * public key. Unlocking an unlocked identity is SEC_OK.
 */
enum sec_status	 identity_unlock(struct identity *,
		     const struct secret *passphrase, char **cause);

/* Wipe and free, then NULL. NULL is fine. */
void		 identity_free(struct identity **);

/*
 * A copy, unlocked if the original is (the secret key copied into new
 * secret memory), for a holder that frees its own: a credential store
 * (credstore_new) working beside the terminal UI's session.
 */
struct identity	*identity_dup(const struct identity *);

/* Borrowed: the member id (valid until identity_free). */
const char	*identity_id(const struct identity *);

/* Borrowed: the 32-byte X25519 public key. */
const unsigned char *identity_pk(const struct identity *);

/* The public key as unpadded base64 for workspace.json, malloc'd. */
char		*identity_pk_b64(const struct identity *);

/* Decode a workspace.json box_pk into 32 bytes; 0, or -1 if malformed. */
int		 identity_pk_decode(const char *b64,
		     unsigned char pk[IDENTITY_PKBYTES]);

/* 1 when the identity was read from (or would be) a "kdf none" file. */
int		 identity_is_keyfile(const struct identity *);

/*
 * Borrowed: the 32-byte secret key, or NULL while locked. For
 * secrets/secrecord.c (crypto_box_seal_open) only.
 */
const struct secret *identity_sk_peek(const struct identity *);

#endif
