/*
 * A dest_credstore (dest/dest.h) on a workspace: what a driver session uses
 * to save a credential the destination renewed (Snapchat's rotated
 * refresh token) in the connection's encrypted record. Each update takes
 * the workspace lock, re-reads and decrypts connections/<id>.secrets with
 * the identity given, lets the driver decide from the value saved now,
 * and writes the record back atomically (secrecord_save) before unlocking
 * (shared/docs/secrets-design.md 3.6, "single-flight").
 *
 *	k = credstore_new(ws, id, c->id);	id: an unlocked identity
 *	dest_session_credstore(s, credstore_dest(k));
 *	... test, verify_target, deliver_run ...
 *	dest_session_free(&s);
 *	credstore_free(&k);			after the session
 *
 * The workspace must not be locked by this process while a session uses
 * the credential store (flock would wait on itself).
 */
#ifndef SEGSYNC_SRC_STORE_CREDSTORE_H
#define SEGSYNC_SRC_STORE_CREDSTORE_H

#include "dest/dest.h"

struct credstore;
struct secret;
struct identity;
struct workspace;

/* ws is borrowed; the identity is taken over (freed by credstore_free). */
struct credstore		*credstore_new(struct workspace *ws,
			    struct identity *id, const char *conn_id);
const struct dest_credstore *credstore_dest(struct credstore *);
void			 credstore_free(struct credstore **);

/*
 * Store value as the record's field under the lock, whatever is saved
 * there now (a new authorization: 'connection authorize'). 0, or -1
 * with *cause.
 */
int			 credstore_store(struct credstore *, const char *field,
			    const struct secret *value, char **cause);

#endif
