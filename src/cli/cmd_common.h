/*
 * What the connection and export commands share: finding a connection the
 * member may see, decrypting its record, an HTTP engine for the
 * interactive checks, and the exit status of a destination's answer.
 */
#ifndef SEGSYNC_SRC_CLI_CMD_COMMON_H
#define SEGSYNC_SRC_CLI_CMD_COMMON_H

#include "cli/cli.h"
#include "dest/dest.h"
#include "secrets/secrecord.h"
#include "store/connection.h"

struct credstore;
struct identity;
struct http_engine;

/*
 * The driver of c's destination, or NULL when this build has none (a
 * connection file naming another type): said, *rc set to EXIT_CONFIG.
 */
const struct dest_driver *cmd_conn_driver(const struct connection *,
		    enum exit_status *rc);

/* The destination's label ("Braze") for a type id, translated. */
const char	*cmd_type_label(const char *type);

/* Contributors see only the connections open to them. */
int		 cmd_conn_visible(const struct ws_member *,
		    const struct connection *);

/* "there is no connection named X" unless found (and visible). */
struct connection *cmd_conn_find(const struct connection_list *,
		    const struct ws_member *, const char *name,
		    enum exit_status *rc);

/*
 * Unlock the member's key (a key file, a passphrase file or the
 * terminal). Prints the reason and returns the exit status on failure.
 */
enum exit_status cmd_unlock(struct cli_ctx *, const struct workspace *,
		    const struct ws_member *, struct identity **);

/*
 * Unlock the member's key and decrypt the connection's record, naming the
 * connection in words when the member may not use it. Prints the reason
 * and returns the exit status on failure.
 */
enum exit_status cmd_conn_open_record(struct cli_ctx *,
		    const struct workspace *, const struct ws_member *,
		    const struct connection *, struct secrecord **);

/*
 * cmd_conn_open_record(), handing the unlocked identity over too when idp
 * is not NULL (the caller frees it: identity_free).
 */
enum exit_status cmd_conn_unlock(struct cli_ctx *,
		    const struct workspace *, const struct ws_member *,
		    const struct connection *, struct secrecord **,
		    struct identity **idp);

/*
 * cmd_conn_open_record(), and a credential store (store/credstore.h) on the
 * same unlocked identity, for the session that will use the record (a run's:
 * run_job_credstore). Free it with credstore_free() after the session.
 */
enum exit_status cmd_conn_open_credstore(struct cli_ctx *, struct workspace *,
		    const struct ws_member *, const struct connection *,
		    struct secrecord **, struct credstore **kp);

/*
 * cmd_conn_open_record(), then a session of driver d on it with a credential
 * store (store/credstore.h) that saves the credentials the destination renews
 * under the workspace lock (Snapchat's rotated refresh token). Free with
 * dest_session_free(sp), then credstore_free(kp). Prints the reason and
 * returns the exit status on failure.
 */
enum exit_status cmd_conn_session(struct cli_ctx *, struct workspace *,
		    const struct ws_member *, const struct dest_driver *d,
		    const struct connection *, struct dest_session **sp,
		    struct credstore **kp);

/*
 * An engine for the interactive checks: few attempts and short waits, so
 * that a wrong host is reported in seconds, not minutes.
 */
struct http_engine *cmd_check_engine(void);

/*
 * Drop the final full stop of a driver's sentence, so that it can be
 * embedded in another ("...: <message>; nothing was saved").
 */
char		*cmd_clause(char *message);

struct export;
struct export_list;
/*
 * How a command starts: open the workspace named by the options, find
 * the current member, and load the connections (cl) and the exports (xl)
 * when not NULL. On failure prints the reason, closes what it opened and
 * returns the exit status. cmd_close() closes the same.
 */
enum exit_status cmd_open(struct cli_ctx *, struct workspace **,
		    const struct ws_member **, struct connection_list *cl,
		    struct export_list *xl);
void		 cmd_close(struct workspace **, struct connection_list *,
		    struct export_list *);

/* A member sees the exports of the connections they may use. */
int		 cmd_export_visible(const struct ws_member *,
		    const struct connection_list *, const struct export *);

/* 0 for ok and warning, 3 for credentials, 4 for settings, else 1. */
enum exit_status cmd_outcome_exit(enum dest_outcome);

#endif
