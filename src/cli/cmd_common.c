/* Helpers shared by the connection and export commands. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "cli/cmd_common.h"
#include "net/http.h"
#include "secrets/keyring.h"
#include "store/connops.h"
#include "store/credstore.h"
#include "store/export.h"
#include "store/workspace.h"

int
cmd_conn_visible(const struct ws_member *me, const struct connection *c)
{
	return me->role == WS_ROLE_ADMIN || c->contributors;
}

struct connection *
cmd_conn_find(const struct connection_list *l, const struct ws_member *me,
    const char *name, enum exit_status *rc)
{
	struct connection	*c;

	c = connection_list_find(l, name);
	if (c == NULL) {
		cli_error(_("there is no connection named \"%s\" (see "
		    "'segsync connection list')"), name);
		*rc = EXIT_CONFIG;
		return NULL;
	}
	if (!cmd_conn_visible(me, c)) {
		cli_error(_("the connection \"%s\" is open to administrators "
		    "only"), c->name);
		*rc = EXIT_AUTH;
		return NULL;
	}
	*rc = EXIT_OK;
	return c;
}

enum exit_status
cmd_unlock(struct cli_ctx *ctx, const struct workspace *ws,
    const struct ws_member *me, struct identity **idp)
{
	char		*cause = NULL;
	enum sec_status	 sst;

	sst = keyring_unlock(ws, me, ctx->key_file, ctx->passphrase_file, idp,
	    &cause);
	if (sst != SEC_OK) {
		cli_error("%s", cause);
		free(cause);
		return cli_sec_exit(sst);
	}
	return EXIT_OK;
}

enum exit_status
cmd_conn_unlock(struct cli_ctx *ctx, const struct workspace *ws,
    const struct ws_member *me, const struct connection *c,
    struct secrecord **recp, struct identity **idp)
{
	struct identity		*id = NULL;
	char			*cause = NULL;
	enum sec_status		 sst;
	enum exit_status	 rc;

	*recp = NULL;
	if (idp != NULL)
		*idp = NULL;
	if ((rc = cmd_unlock(ctx, ws, me, &id)) != EXIT_OK)
		return rc;
	sst = connops_record_open(ws, c, id, recp, &cause);
	if (sst != SEC_OK) {
		identity_free(&id);
		cli_error("%s", cause);
		free(cause);
		return cli_sec_exit(sst);
	}
	if (idp != NULL)
		*idp = id;
	else
		identity_free(&id);
	return EXIT_OK;
}

enum exit_status
cmd_conn_open_record(struct cli_ctx *ctx, const struct workspace *ws,
    const struct ws_member *me, const struct connection *c,
    struct secrecord **recp)
{
	return cmd_conn_unlock(ctx, ws, me, c, recp, NULL);
}

enum exit_status
cmd_conn_open_credstore(struct cli_ctx *ctx, struct workspace *ws,
    const struct ws_member *me, const struct connection *c,
    struct secrecord **recp, struct credstore **kp)
{
	struct identity		*id = NULL;
	enum exit_status	 rc;

	*kp = NULL;
	rc = cmd_conn_unlock(ctx, ws, me, c, recp, &id);
	if (rc == EXIT_OK)
		*kp = credstore_new(ws, id, c->id);
	return rc;
}

enum exit_status
cmd_conn_session(struct cli_ctx *ctx, struct workspace *ws,
    const struct ws_member *me, const struct dest_driver *d,
    const struct connection *c, struct dest_session **sp,
    struct credstore **kp)
{
	struct secrecord		*rec = NULL;
	struct identity		*id = NULL;
	char			*cause = NULL;
	enum exit_status	 rc;

	*sp = NULL;
	*kp = NULL;
	rc = cmd_conn_unlock(ctx, ws, me, c, &rec, &id);
	if (rc != EXIT_OK)
		return rc;
	if (dest_session_new(d, c, rec, sp, &cause) == -1) {
		secrecord_free(&rec);
		identity_free(&id);
		cli_error("%s", cause);
		free(cause);
		return EXIT_CONFIG;
	}
	secrecord_free(&rec);
	*kp = credstore_new(ws, id, c->id);
	dest_session_credstore(*sp, credstore_dest(*kp));
	return EXIT_OK;
}

struct http_engine *
cmd_check_engine(void)
{
	struct http_engine	*e;
	char			*cause = NULL;

	e = connops_check_engine(&cause);
	if (e == NULL) {
		cli_error("%s", cause);
		free(cause);
	}
	return e;
}

enum exit_status
cmd_outcome_exit(enum dest_outcome o)
{
	switch (o) {
	case DEST_OK:
	case DEST_WARNING:
		return EXIT_OK;
	case DEST_AUTH:
	case DEST_PERMISSION:
		return EXIT_AUTH;
	case DEST_NOT_FOUND:
	case DEST_CONFIG:
	case DEST_UNREACHABLE:
		return EXIT_CONFIG;
	case DEST_OTHER:
		break;
	}
	return EXIT_FAIL;
}

char *
cmd_clause(char *message)
{
	size_t	len;

	if (message == NULL)
		return message;
	len = strlen(message);
	if (len > 0 && message[len - 1] == '.')
		message[len - 1] = '\0';
	return message;
}

enum exit_status
cmd_open(struct cli_ctx *ctx, struct workspace **ws,
    const struct ws_member **me, struct connection_list *cl,
    struct export_list *xl)
{
	char			*cause = NULL;
	enum exit_status	 rc;

	if (cl != NULL)
		memset(cl, 0, sizeof *cl);
	if (xl != NULL)
		memset(xl, 0, sizeof *xl);
	rc = cli_open_workspace(ctx, ws, me);
	if (rc != EXIT_OK)
		return rc;
	if ((cl != NULL && connection_list_load(*ws, cl, &cause) == -1) ||
	    (xl != NULL && export_list_load(*ws, xl, &cause) == -1)) {
		cli_error("%s", cause);
		free(cause);
		cmd_close(ws, cl, xl);
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}

void
cmd_close(struct workspace **ws, struct connection_list *cl,
    struct export_list *xl)
{
	if (xl != NULL)
		export_list_free(xl);
	if (cl != NULL)
		connection_list_free(cl);
	workspace_free(ws);
}

const struct dest_driver *
cmd_conn_driver(const struct connection *c, enum exit_status *rc)
{
	const struct dest_driver	*d = dest_find(c->type);

	if (d == NULL) {
		cli_error(_("the connection \"%s\" has the unknown type \"%s\""),
		    c->name, c->type);
		*rc = EXIT_CONFIG;
	}
	return d;
}

const char *
cmd_type_label(const char *type)
{
	const struct dest_driver	*d = dest_find(type);

	return d != NULL ? _(d->label) : type;
}

/* A member sees the exports of the connections they may use. */
int
cmd_export_visible(const struct ws_member *me, const struct connection_list *cl,
    const struct export *x)
{
	const struct connection	*c = connection_list_by_id(cl, x->connection);

	return me->role == WS_ROLE_ADMIN || (c != NULL && c->contributors);
}
