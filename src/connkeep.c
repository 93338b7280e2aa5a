/* Saving renewed credentials of a connection under the lock (connkeep.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "connection.h"
#include "connkeep.h"
#include "i18n.h"
#include "identity.h"
#include "record.h"
#include "secret.h"
#include "workspace.h"
#include "xmalloc.h"

struct connkeep {
	struct dest_keeper	 keeper;
	struct workspace	*ws;
	struct identity		*id;
	char			*conn;
};

static int
connkeep_update(void *arg, const char *field, dest_keep_fn *fn, void *fnarg,
    char **cause)
{
	struct connkeep	*k = arg;
	struct record	*rec = NULL;
	struct secret	*nv = NULL;
	unsigned char	 store[RECORD_STOREBYTES];
	char		*path, *c;
	int		 rv = -1;

	if (workspace_lock(k->ws, cause) != 0)
		return -1;
	path = connection_secrets_path(k->ws, k->conn);
	record_store_from_hex(workspace_id(k->ws), store);
	/* Read again under the lock: another process may have renewed it. */
	if (record_load(path, store, k->conn, k->id, &rec, cause) != SEC_OK)
		goto out;
	if (fn(record_get(rec, field), &nv, fnarg, cause) != 0)
		goto out;
	if (nv != NULL) {
		if (record_set(rec, field, nv, cause) != SEC_OK ||
		    record_save(rec, path, workspace_file_mode(k->ws),
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
	record_free(&rec);
	free(path);
	return rv;
}

static int
connkeep_replace(const struct secret *cur, struct secret **newval, void *arg,
    char **cause)
{
	(void)cur;
	(void)cause;
	*newval = secret_dup(arg);
	return 0;
}

int
connkeep_store(struct connkeep *k, const char *field,
    const struct secret *value, char **cause)
{
	return connkeep_update(k, field, connkeep_replace, (void *)value,
	    cause);
}

struct connkeep *
connkeep_new(struct workspace *ws, struct identity *id, const char *conn_id)
{
	struct connkeep	*k;

	k = xcalloc(1, sizeof *k);
	k->keeper.update = connkeep_update;
	k->keeper.arg = k;
	k->ws = ws;
	k->id = id;
	k->conn = xstrdup(conn_id);
	return k;
}

const struct dest_keeper *
connkeep_keeper(struct connkeep *k)
{
	return &k->keeper;
}

void
connkeep_free(struct connkeep **kp)
{
	struct connkeep	*k = *kp;

	if (k == NULL)
		return;
	identity_free(&k->id);
	free(k->conn);
	free(k);
	*kp = NULL;
}
