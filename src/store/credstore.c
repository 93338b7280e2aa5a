/* Saving renewed credentials of a connection under the lock
 * (store/credstore.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "secrets/identity.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"
#include "store/credstore.h"
#include "store/workspace.h"

struct credstore {
	struct dest_credstore	 credstore;
	struct workspace	*ws;
	struct identity		*id;
	char			*conn;
};

static int
credstore_update(void *arg, const char *field, dest_credstore_fn *fn,
    void *fnarg, char **cause)
{
	struct credstore	*k = arg;
	struct secrecord	*rec = NULL;
	struct secret	*nv = NULL;
	unsigned char	 store[SECRECORD_STOREBYTES];
	char		*path, *c;
	int		 rv = -1;

	if (workspace_lock(k->ws, cause) != 0)
		return -1;
	path = connection_secrets_path(k->ws, k->conn);
	secrecord_store_from_hex(workspace_id(k->ws), store);
	/* Read again under the lock: another process may have renewed it. */
	if (secrecord_load(path, store, k->conn, k->id, &rec, cause) != SEC_OK)
		goto out;
	if (fn(secrecord_get(rec, field), &nv, fnarg, cause) != 0)
		goto out;
	if (nv != NULL) {
		if (secrecord_set(rec, field, nv, cause) != SEC_OK ||
		    secrecord_save(rec, path, workspace_file_mode(k->ws),
		    workspace_gid(k->ws), cause) != SEC_OK) {
			/* The renewed token is lost with the old one spent. */
			c = *cause;
			*cause = xasprintf(_("Could not save the renewed "
			    "credentials of the connection (it may need to be "
			    "authorized again): %s"), c);
			free(c);
			goto out;
		}
	}
	rv = 0;
out:
	workspace_unlock(k->ws);
	secret_free(&nv);
	secrecord_free(&rec);
	free(path);
	return rv;
}

static int
credstore_replace(const struct secret *cur, struct secret **newval, void *arg,
    char **cause)
{
	(void)cur;
	(void)cause;
	*newval = secret_dup(arg);
	return 0;
}

int
credstore_store(struct credstore *k, const char *field,
    const struct secret *value, char **cause)
{
	return credstore_update(k, field, credstore_replace, (void *)value,
	    cause);
}

struct credstore *
credstore_new(struct workspace *ws, struct identity *id, const char *conn_id)
{
	struct credstore	*k;

	k = xcalloc(1, sizeof *k);
	k->credstore.update = credstore_update;
	k->credstore.arg = k;
	k->ws = ws;
	k->id = id;
	k->conn = xstrdup(conn_id);
	return k;
}

const struct dest_credstore *
credstore_dest(struct credstore *k)
{
	return &k->credstore;
}

void
credstore_free(struct credstore **kp)
{
	struct credstore	*k = *kp;

	if (k == NULL)
		return;
	identity_free(&k->id);
	free(k->conn);
	free(k);
	*kp = NULL;
}
