/*
 * What the command line and the terminal UI do to connections and
 * exports beyond reading and writing their files: seal a connection's
 * secrets, test its credentials, look an export's target up, and the
 * locked changes (add, update, remove, remember a test, add an export)
 * that re-check, under the workspace lock, what the caller checked
 * before (the role, a unique name) since another segsync may have changed
 * it meanwhile.
 *
 * values[] always has one entry per conn_fields entry of the driver, in
 * table order: the secret typed or read for a secret field, NULL for the
 * others (and, on update, NULL for a secret left unchanged). The caller
 * owns them.
 *
 * The test and the lookup wait for the destination (seconds at worst):
 * the UI runs them away from its loop. They touch no shared state, so
 * that is safe as long as one runs at a time.
 *
 * Errors: enum fail_kind (base/fail.h: denied for the role, invalid for a
 * name taken or a connection gone) or enum sec_status with *cause set to
 * a malloc'd sentence (caller frees).
 */
#ifndef SEGSYNC_SRC_STORE_CONNOPS_H
#define SEGSYNC_SRC_STORE_CONNOPS_H

#include <sys/types.h>

#include "base/fail.h"
#include "dest/dest.h"
#include "run/deliver_types.h"
#include "secrets/identity.h"
#include "secrets/secrecord.h"
#include "secrets/secstatus.h"
#include "store/connection.h"

struct export;
struct export_list;
struct segment_list;
struct workspace;

/*
 * A record holding c's secrets, sealed to the recipients of its policy;
 * refresh (may be NULL) is an OAuth refresh token, stored as
 * OAUTH_REFRESH_FIELD.
 */
enum sec_status	connops_record_build(const struct workspace *,
		    const struct connection *, const struct dest_driver *,
		    struct secret *const *values,
		    const struct secret *refresh, struct secrecord **,
		    char **cause);

/*
 * Decrypt c's record with an unlocked identity, naming the connection in
 * words when the identity may not open it.
 */
enum sec_status	connops_record_open(const struct workspace *,
		    const struct connection *, const struct identity *,
		    struct secrecord **, char **cause);

/*
 * An engine for the interactive checks: few attempts and short waits, so
 * that a wrong host is reported in seconds, not minutes.
 */
struct http_engine *connops_check_engine(char **cause);

/*
 * The driver's credentials test with a short-lived engine for interactive
 * checks. *message (always set, malloc'd) says in words which account
 * answered or why it failed.
 *
 * For a saved connection, give ws and an unlocked identity (taken over,
 * freed here): a credential store (store/credstore.h) then saves what the
 * destination renews meanwhile (Snapchat's rotated refresh token). ws must not
 * be locked by the caller, nor used by another thread, meanwhile. Without them
 * (a connection not saved yet) nothing is kept.
 */
enum dest_outcome connops_test(struct workspace *, struct identity *,
		    const struct dest_driver *, const struct connection *,
		    const struct secrecord *, char **message);

/*
 * Look an export's target up at the destination (ws and the identity as
 * for connops_test). DEST_OK sets *found (malloc'd) to its name there;
 * *message is always set.
 */
enum dest_outcome connops_verify_target(struct workspace *,
		    struct identity *, const struct dest_driver *,
		    const struct connection *, const struct secrecord *,
		    const char *target, char **found, char **message);

/*
 * The targets the connection's credentials can see, for picking one (ws
 * and the identity as for connops_test): DEST_OK with *out and *n (free
 * with dest_picks_free()), else *message.
 */
enum dest_outcome connops_list_targets(struct workspace *,
		    struct identity *, const struct dest_driver *,
		    const struct connection *, const struct secrecord *,
		    struct dest_pick **out, size_t *n, char **message);

/*
 * Save a new connection (both files): under the lock, the current member
 * must still be an administrator and the name still free. refresh as in
 * connops_record_build().
 */
enum fail_kind	connops_add(struct workspace *, const struct connection *,
		    const struct dest_driver *, struct secret *const *values,
		    const struct secret *refresh, char **cause);

/*
 * Change a saved connection (found by c->id) to c: name, who may use it,
 * export user and settings; a secret is replaced where values[] has one
 * and kept otherwise, which needs the record decrypted (id unlocked).
 * When who may open the record changes, it gets a new data key sealed
 * to the new recipients (someone losing access may have kept the old
 * one).
 */
enum fail_kind	connops_update(struct workspace *, const struct identity *,
		    const struct connection *, const struct dest_driver *,
		    struct secret *const *values,
		    const struct secret *refresh, char **cause);

/*
 * What becomes of the exports of a connection being removed: none may use
 * it (refuse), or they are kept detached (export.h), or removed with it.
 */
enum connops_exports {
	CONNOPS_EXPORTS_REFUSE,
	CONNOPS_EXPORTS_DETACH,
	CONNOPS_EXPORTS_REMOVE
};

/*
 * Remove a connection's two files (administrators only), its exports
 * first as what says. With CONNOPS_EXPORTS_REFUSE and exports using it:
 * FAIL_INVALID, *cause naming them, and nothing removed. *nexports (may
 * be NULL) says how many exports were detached or removed.
 */
enum fail_kind	connops_remove(struct workspace *, const char *id,
		    enum connops_exports what, size_t *nexports,
		    char **cause);

/*
 * The names of the exports that use connection id, in a sentence's list
 * ("A", "B" and "C"), malloc'd; *n says how many (0: NULL returned).
 */
char		*connops_exports_of(const struct export_list *,
		    const char *id, size_t *n);

/*
 * Remember a test's outcome on the saved connection, as it is now (it may
 * have changed or gone meanwhile). secret, when not NULL, is a field the
 * connection now lists among its secrets (a new authorization's).
 */
int		connops_remember_test(struct workspace *, const char *id,
		    enum dest_outcome, const char *message,
		    const char *secret, char **cause);

/*
 * What to start: a new run of export (segs: the data folder's listing, for
 * its files and row counts), or, when resume is set, that run again
 * (interrupted, failed or cancelled: its journal says what not to send
 * again); either through conn, as user. scheduled: by segsync refresh.
 */
struct connops_start {
	const char			*user;
	const struct connection		*conn;
	const struct export		*export;
	const struct segment_list	*segs;
	const char			*resume;
	int				 scheduled;
	/*
	 * segsync run --full, --force, --allow-empty (data-rules.md,
	 * "Keeping a destination in step"); a resumed run keeps those it
	 * was started with.
	 */
	int				 full;
	int				 force;
	int				 allow_empty;
};

/*
 * Start a run now, the one way the UI (Run now, Resume), segsync run
 * (--resume) and segsync refresh do: the record decrypted with id
 * (borrowed), a credential store for renewed credentials, the run
 * prepared and its worker started. The worker is detached (it outlives
 * the caller), or for a scheduled run a child whose pid is *pidp, to
 * wait for. *run_id (malloc'd) names the run. FAIL_NONE, or the kind of
 * failure with *cause (busy: the export is already running).
 */
enum fail_kind	connops_start(struct workspace *, const struct identity *,
		    const struct connops_start *, char **run_id, pid_t *pidp,
		    char **cause);

/*
 * What a run of st->export started now with st's options would do, worked
 * out by a dry run (deliver.h): every segment read and every batch
 * encoded, the sync state read, nothing sent and nothing saved (not even
 * a sync key: without one every profile is new). The UI's Run now and
 * segsync run --dry-run both ask it. rejects_path names the temporary
 * file of the rejected records (removed by connops_plan_free()). FAIL_NONE,
 * or the kind of failure with *cause (invalid: a segment gone, a mapping
 * the driver refuses, a file that cannot be read).
 */
struct connops_plan {
	struct deliver_stats	 stats;
	unsigned		 batch_size;	/* profiles a request */
	int			 synced;	/* the export keeps a state */
	char			*rejects_path;
};

/*
 * 0 when x may run; -1 with *cause when it is detached (export.h), which
 * connops_start() and connops_plan() refuse.
 */
int		connops_export_runnable(const struct export *, char **cause);

/*
 * What connops_plan() checks before it opens the record, for a caller to
 * say before asking for a passphrase: every segment in segs, a mapping d
 * accepts. 0, or -1 with *cause.
 */
int		connops_plan_check(const struct export *,
		    const struct dest_driver *, const struct segment_list *,
		    char **cause);
enum fail_kind	connops_plan(struct workspace *, const struct identity *,
		    const struct connops_start *, struct connops_plan *,
		    char **cause);
void		connops_plan_free(struct connops_plan *);


#endif
