/*
 * The bridge between the workspace's member registry and the secrets
 * formats: who a connection's record is sealed to, where members'
 * identity files are, and unlocking the identity of whoever is running.
 *
 * Recipients (shared/docs/secrets-design.md 3.5): every administrator
 * always; contributors when the connection allows them; the registered
 * service identities when the connection has an export user (scheduled,
 * unattended runs). Members whose public key is not known yet are left
 * out.
 */
#ifndef SEGSYNC_SRC_SECRETS_KEYRING_H
#define SEGSYNC_SRC_SECRETS_KEYRING_H

#include <stddef.h>

#include "secrets/identity.h"
#include "secrets/secrecord.h"
#include "secrets/secstatus.h"

struct workspace;
struct ws_member;
struct connection;

struct keyring_set {
	struct secrecord_recipient	*r;	/* r[i].pk points into pk[i] */
	unsigned char		(*pk)[IDENTITY_PKBYTES];
	size_t			 n;
};

/* The policy and export mode a connection's record must carry. */
enum secrecord_policy	keyring_policy(const struct connection *);
enum secrecord_export	keyring_export(const struct connection *);

/*
 * The recipient set for a record with this policy and export mode, sorted
 * by id. Fails (SEC_EINVAL) when it would be empty.
 */
enum sec_status	keyring_recipients(const struct workspace *,
		    enum secrecord_policy, enum secrecord_export,
		    struct keyring_set *, char **cause);
void		keyring_set_free(struct keyring_set *);

/* 1 when the record is sealed to exactly the ids of the set. */
int		keyring_matches(const struct keyring_set *,
		    const struct secrecord *);

/* identities/<user>.identity and identities/<user>.pub, malloc'd. */
char		*keyring_identity_path(const struct workspace *,
		    const char *user);
char		*keyring_pub_path(const struct workspace *, const char *user);

/*
 * The identity of the member running this process, checked against the
 * registry but not unlocked: the key file when one is given (it comes
 * back unlocked and must be a registered service identity), else the
 * member's identity file, still locked when it has a passphrase (the
 * terminal UI derives the key with identity_unlock() away from its
 * loop). Failures as keyring_unlock().
 */
enum sec_status	keyring_identity_load(const struct workspace *,
		    const struct ws_member *me, const char *key_file,
		    struct identity **out, char **cause);

/*
 * Unlock the identity of the member running this process: the key file
 * when one is given (it must be a registered service identity), else the
 * member's identity file with the passphrase from passphrase_file
 * ("-" = standard input) or the terminal. SEC_ENOKEY without a terminal
 * or a file; SEC_EPASSPHRASE for a wrong passphrase; SEC_EDENIED when the
 * key is not the one the registry holds for that member or service.
 */
enum sec_status	keyring_unlock(const struct workspace *,
		    const struct ws_member *me, const char *key_file,
		    const char *passphrase_file, struct identity **out,
		    char **cause);

/*
 * The passphrase of a new identity: from passphrase_file when given,
 * else asked twice on the terminal.
 */
enum sec_status	keyring_new_passphrase(const char *passphrase_file,
		    struct secret **out, char **cause);

/* Write and read the public file (identities/<user>.pub) of a member. */
int		keyring_pub_write(const struct workspace *,
		    const struct identity *, char **cause);
enum sec_status	keyring_pub_read(const struct workspace *, const char *user,
		    unsigned long uid, char **box_pk, char **cause);

/*
 * Bring every connection's record in line with the registry (members
 * added, removed or re-keyed, services added). keyring_stale() says,
 * without any key, which records need it (names malloc'd into *names,
 * count returned; -1 on error), so that a passphrase is asked only when
 * something must change. keyring_sync() then reseals them with the
 * unlocked identity, or re-keys (new data key, every field re-encrypted)
 * those that removed_user could open. *changed receives the names of the
 * connections changed (malloc'd list, caller frees each and the list).
 * Called with the workspace lock held.
 */
int		keyring_stale(const struct workspace *, const char *removed_user,
		    char ***names, char **cause);
enum sec_status	keyring_sync(const struct workspace *, const struct identity *,
		    const char *removed_user, char ***changed, size_t *nchanged,
		    char **cause);
void		keyring_names_free(char **names, size_t n);

#endif
