/* Connection and export changes shared by the command line and the UI. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "net/http.h"
#include "net/oauth.h"
#include "data/rejects.h"
#include "data/segments.h"
#include "run/deliver.h"
#include "run/run.h"
#include "run/syncstate.h"
#include "secrets/keyring.h"
#include "store/activity.h"
#include "store/connops.h"
#include "store/credstore.h"
#include "store/export.h"
#include "store/workspace.h"

enum sec_status
connops_record_build(const struct workspace *ws, const struct connection *c,
    const struct dest_driver *d, struct secret *const *values,
    const struct secret *refresh, struct secrecord **recp, char **cause)
{
	const struct dest_field	*in;
	struct keyring_set	 set = { NULL, NULL, 0 };
	unsigned char		 store[SECRECORD_STOREBYTES];
	size_t			 i;
	enum sec_status		 sst;

	*recp = NULL;
	secrecord_store_from_hex(workspace_id(ws), store);
	sst = keyring_recipients(ws, keyring_policy(c), keyring_export(c),
	    &set, cause);
	if (sst == SEC_OK)
		sst = secrecord_create(store, c->id, keyring_policy(c),
		    keyring_export(c), set.r, set.n, recp, cause);
	for (i = 0, in = d->conn_fields; sst == SEC_OK && in->key != NULL;
	    in++, i++)
		if (values[i] != NULL)
			sst = secrecord_set(*recp, in->key, values[i], cause);
	if (sst == SEC_OK && refresh != NULL)
		sst = secrecord_set(*recp, OAUTH_REFRESH_FIELD, refresh, cause);
	keyring_set_free(&set);
	if (sst != SEC_OK)
		secrecord_free(recp);
	return sst;
}

enum sec_status
connops_record_open(const struct workspace *ws, const struct connection *c,
    const struct identity *id, struct secrecord **recp, char **cause)
{
	unsigned char	 store[SECRECORD_STOREBYTES];
	char		*path;
	enum sec_status	 sst;

	*recp = NULL;
	secrecord_store_from_hex(workspace_id(ws), store);
	path = connection_secrets_path(ws, c->id);
	sst = secrecord_load(path, store, c->id, id, recp, cause);
	free(path);
	if (sst == SEC_EDENIED) {
		/* Name the connection as people know it. */
		free(*cause);
		*cause = xasprintf(c->contributors ?
		    _("you are not allowed to use the connection \"%s\": its "
		    "key was not sealed for you (an administrator re-adds you "
		    "with 'segsync member add')") :
		    _("you are not allowed to use the connection \"%s\": it "
		    "is open to administrators only"), c->name);
	}
	return sst;
}

struct http_engine *
connops_check_engine(char **cause)
{
	struct http_config	cfg;

	http_config_defaults(&cfg);
	cfg.max_attempts = 2;
	cfg.backoff_cap_ms = 2000;
	cfg.connect_timeout_ms = 10000;
	cfg.timeout_ms = 30000;
	cfg.max_throttle_wait_ms = 60000;
	return http_new(&cfg, cause);
}

/*
 * A session on c's record for driver d, with a credential store on ws when
 * given (the identity is then taken over by it, else freed).
 */
static int
open_session(struct workspace *ws, struct identity *id,
    const struct dest_driver *d, const struct connection *c,
    const struct secrecord *rec, struct dest_session **sp,
    struct credstore **kp,
    char **cause)
{
	*kp = NULL;
	if (dest_session_new(d, c, rec, sp, cause) == -1) {
		identity_free(&id);
		return -1;
	}
	if (ws != NULL && id != NULL) {
		*kp = credstore_new(ws, id, c->id);
		dest_session_credstore(*sp, credstore_dest(*kp));
	} else
		identity_free(&id);
	return 0;
}

/* One question to the destination, asked in a session of its own. */
typedef enum dest_outcome ask_fn(const struct dest_driver *,
    struct dest_session *, struct http_engine *, void *arg, char **message);

/*
 * Open a session on c's record (the identity as for open_session) and a
 * check engine, ask, and close both: the outcome, *message set.
 */
static enum dest_outcome
connops_ask(struct workspace *ws, struct identity *id,
    const struct dest_driver *d, const struct connection *c,
    const struct secrecord *rec, ask_fn *ask, void *arg, char **message)
{
	struct http_engine	*e;
	struct dest_session	*s = NULL;
	struct credstore		*k = NULL;
	char			*cause = NULL;
	enum dest_outcome	 o;

	if (open_session(ws, id, d, c, rec, &s, &k, &cause) == -1) {
		*message = cause;
		return DEST_CONFIG;
	}
	e = connops_check_engine(&cause);
	if (e == NULL) {
		*message = cause;
		o = DEST_OTHER;
	} else
		o = ask(d, s, e, arg, message);
	http_free(&e);
	dest_session_free(&s);
	credstore_free(&k);
	return o;
}

static enum dest_outcome
ask_test(const struct dest_driver *d, struct dest_session *s,
    struct http_engine *e, void *arg, char **message)
{
	(void)arg;
	return d->test(s, e, message);
}

enum dest_outcome
connops_test(struct workspace *ws, struct identity *id,
    const struct dest_driver *d, const struct connection *c,
    const struct secrecord *rec, char **message)
{
	*message = NULL;
	return connops_ask(ws, id, d, c, rec, ask_test, NULL, message);
}

struct ask_target {
	const char	*target;
	char		**found;
};

static enum dest_outcome
ask_verify(const struct dest_driver *d, struct dest_session *s,
    struct http_engine *e, void *arg, char **message)
{
	struct ask_target	*a = arg;

	return d->verify_target(s, e, a->target, a->found, message);
}

enum dest_outcome
connops_verify_target(struct workspace *ws, struct identity *id,
    const struct dest_driver *d, const struct connection *c,
    const struct secrecord *rec, const char *target, char **found,
    char **message)
{
	struct ask_target	 a = { target, found };
	char			*cause = NULL;
	enum dest_outcome	 o;

	*found = NULL;
	*message = NULL;
	if (d->target_check(target, &cause) == -1) {
		identity_free(&id);
		*message = cause;
		return DEST_CONFIG;
	}
	o = connops_ask(ws, id, d, c, rec, ask_verify, &a, message);
	if (o != DEST_OK)
		xfree(found);
	return o;
}

struct ask_picks {
	struct dest_pick	**out;
	size_t			 *n;
};

static enum dest_outcome
ask_list(const struct dest_driver *d, struct dest_session *s,
    struct http_engine *e, void *arg, char **message)
{
	struct ask_picks	*a = arg;

	return d->list_targets(s, e, a->out, a->n, message);
}

enum dest_outcome
connops_list_targets(struct workspace *ws, struct identity *id,
    const struct dest_driver *d, const struct connection *c,
    const struct secrecord *rec, struct dest_pick **out, size_t *n,
    char **message)
{
	struct ask_picks	 a = { out, n };
	enum dest_outcome	 o;

	*out = NULL;
	*n = 0;
	*message = NULL;
	if (d->list_targets == NULL) {
		identity_free(&id);
		*message = xasprintf(_("%s cannot list its targets: type the "
		    "%s."), _(d->label), _(d->target.label));
		return DEST_CONFIG;
	}
	o = connops_ask(ws, id, d, c, rec, ask_list, &a, message);
	if (o != DEST_OK)
		dest_picks_free(out, n);
	return o;
}

/*
 * Take the lock and re-read who is running and the connections, as they
 * are now. The caller unlocks (workspace_free does too).
 */
static enum fail_kind
lock_admin(struct workspace *ws, struct connection_list *l,
    const char *denied, const struct ws_member **mep, char **cause)
{
	const struct ws_member	*me;

	memset(l, 0, sizeof *l);
	if (workspace_lock(ws, cause) == -1 ||
	    workspace_current_member(ws, &me, cause) == -1 ||
	    connection_list_load(ws, l, cause) == -1)
		return FAIL_ERROR;
	if (me->role != WS_ROLE_ADMIN) {
		*cause = xasprintf(denied, me->user);
		return FAIL_DENIED;
	}
	*mep = me;
	return FAIL_NONE;
}

/* {"old": a, "new": b} under key when they differ (NULL: none). */
static void
str_change(cJSON *o, const char *key, const char *a, const char *b)
{
	if ((a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0))
		return;
	activity_change(o, key, a != NULL ? cJSON_CreateString(a) : NULL,
	    b != NULL ? cJSON_CreateString(b) : NULL);
}

static const char *
setting(const struct connection *c, const char *key)
{
	const cJSON	*v = c != NULL ? cJSON_GetObjectItemCaseSensitive(
			    c->settings, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * What changed from a (NULL: a new connection) to b for the record of
 * changes: names, who may use it, export user and settings, and which
 * secrets were replaced (values[i] set), never their values.
 */
static cJSON *
conn_changes(const struct connection *a, const struct connection *b,
    const struct dest_driver *d, struct secret *const *values)
{
	const struct dest_field	*f;
	cJSON			*o = cJSON_CreateObject();
	size_t			 i;

	if (a == NULL)
		cJSON_AddStringToObject(o, "type", b->type);
	str_change(o, "name", a != NULL ? a->name : NULL, b->name);
	str_change(o, "usable_by", a != NULL ? connection_usable_by(a) :
	    NULL, connection_usable_by(b));
	str_change(o, "export_user", a != NULL ? a->export_user : NULL,
	    b->export_user);
	for (i = 0, f = d->conn_fields; f->key != NULL; f++, i++) {
		if (f->secret) {
			if (values != NULL && values[i] != NULL)
				cJSON_AddStringToObject(o, f->key, a != NULL ?
				    "replaced" : "set");
			continue;
		}
		str_change(o, f->key, setting(a, f->key), setting(b, f->key));
	}
	return o;
}

/* An export detached or removed with its connection, for the record. */
static void
export_record(const struct workspace *ws, const char *by,
    const struct export *x, const char *action, const char *conn)
{
	cJSON	*ch = cJSON_CreateObject();
	char	*cause = NULL;

	cJSON_AddStringToObject(ch, "with_connection", conn);
	if (activity_append(ws, by, ACTIVITY_EXPORT, x->id, x->name, action,
	    ch, &cause) == -1) {
		fprintf(stderr, "segsync: %s\n", cause);
		free(cause);
	}
}

/* Record a connection's change, already saved; a failure is only said. */
static void
conn_record(const struct workspace *ws, const char *by,
    const struct connection *c, const char *action, cJSON *changes)
{
	char	*cause = NULL;

	if (activity_append(ws, by, ACTIVITY_CONNECTION, c->id, c->name,
	    action, changes, &cause) == -1) {
		fprintf(stderr, "segsync: %s\n", cause);
		free(cause);
	}
}

enum fail_kind
connops_add(struct workspace *ws, const struct connection *c,
    const struct dest_driver *d, struct secret *const *values,
    const struct secret *refresh, char **cause)
{
	struct connection_list	 l;
	const struct ws_member	*me = NULL;
	struct secrecord		*rec = NULL;
	char			*path = NULL;
	enum sec_status		 sst;
	enum fail_kind		 rc;

	rc = lock_admin(ws, &l, _("only administrators can add connections; "
	    "you (%s) are a contributor"), &me, cause);
	if (rc != FAIL_NONE)
		goto out;
	if (connection_list_find(&l, c->name) != NULL) {
		*cause =
		    xasprintf(_("a connection named \"%s\" already exists; "
				"choose another name"),
			c->name);
		rc = FAIL_INVALID;
		goto out;
	}
	path = connection_secrets_path(ws, c->id);
	sst = connops_record_build(ws, c, d, values, refresh, &rec, cause);
	if (sst == SEC_OK)
		sst = secrecord_save(rec, path, workspace_file_mode(ws),
		    workspace_gid(ws), cause);
	if (sst != SEC_OK) {
		rc = secstatus_kind(sst);
		goto out;
	}
	if (connection_save(ws, c, cause) == -1) {
		unlink(path);
		rc = FAIL_ERROR;
	} else
		conn_record(ws, me->user, c, "add", conn_changes(NULL, c, d,
		    values));
out:
	workspace_unlock(ws);
	secrecord_free(&rec);
	free(path);
	connection_list_free(&l);
	return rc;
}

enum fail_kind
connops_update(struct workspace *ws, const struct identity *id,
    const struct connection *c, const struct dest_driver *d,
    struct secret *const *values, const struct secret *refresh,
    char **cause)
{
	struct connection_list	 l;
	const struct ws_member	*me = NULL;
	struct connection	*old, *same;
	struct keyring_set	 set = { NULL, NULL, 0 };
	const struct dest_field	*in;
	struct secrecord		*rec = NULL;
	char			*path = NULL;
	size_t			 i;
	enum sec_status		 sst = SEC_OK;
	enum fail_kind		 rc;

	rc = lock_admin(ws, &l, _("only administrators can change "
	    "connections; you (%s) are a contributor"), &me, cause);
	if (rc != FAIL_NONE)
		goto out;
	old = connection_list_by_id(&l, c->id);
	if (old == NULL) {
		*cause = xasprintf(_("the connection \"%s\" was removed "
		    "meanwhile; nothing was saved"), c->name);
		rc = FAIL_INVALID;
		goto out;
	}
	same = connection_list_find(&l, c->name);
	if (same != NULL && same != old) {
		*cause =
		    xasprintf(_("a connection named \"%s\" already exists; "
				"choose another name"),
			c->name);
		rc = FAIL_INVALID;
		goto out;
	}
	sst = connops_record_open(ws, old, id, &rec, cause);
	for (i = 0, in = d->conn_fields; sst == SEC_OK && in->key != NULL;
	    in++, i++)
		if (values[i] != NULL)
			sst = secrecord_set(rec, in->key, values[i], cause);
	if (sst == SEC_OK && refresh != NULL)
		sst = secrecord_set(rec, OAUTH_REFRESH_FIELD, refresh, cause);
	if (sst == SEC_OK && (secrecord_policy(rec) != keyring_policy(c) ||
	    secrecord_export(rec) != keyring_export(c))) {
		secrecord_set_policy(rec, keyring_policy(c), keyring_export(c));
		sst = keyring_recipients(ws, keyring_policy(c),
		    keyring_export(c), &set, cause);
		if (sst == SEC_OK)
			sst = secrecord_rekey(rec, set.r, set.n, cause);
	}
	path = connection_secrets_path(ws, c->id);
	if (sst == SEC_OK)
		sst = secrecord_save(rec, path, workspace_file_mode(ws),
		    workspace_gid(ws), cause);
	if (sst != SEC_OK) {
		rc = secstatus_kind(sst);
		goto out;
	}
	if (connection_save(ws, c, cause) == -1)
		rc = FAIL_ERROR;
	else {
		cJSON	*ch = conn_changes(old, c, d, values);

		if (set.n > 0)
			cJSON_AddStringToObject(ch, "data_key", "rotated");
		if (refresh != NULL)
			cJSON_AddStringToObject(ch, OAUTH_REFRESH_FIELD,
			    "replaced");
		conn_record(ws, me->user, c, "edit", ch);
	}
out:
	workspace_unlock(ws);
	keyring_set_free(&set);
	secrecord_free(&rec);
	free(path);
	connection_list_free(&l);
	return rc;
}

char *
connops_exports_of(const struct export_list *xl, const char *id, size_t *n)
{
	char	*s = NULL, *t;
	size_t	 i, k = 0, total = 0;

	for (i = 0; i < xl->n; i++)
		if (strcmp(xl->items[i]->connection, id) == 0)
			total++;
	*n = total;
	for (i = 0; i < xl->n; i++) {
		if (strcmp(xl->items[i]->connection, id) != 0)
			continue;
		k++;
		if (s == NULL)
			t = xasprintf("\"%s\"", xl->items[i]->name);
		else
			/* TRANSLATORS: joins the last name of a list. */
			t = xasprintf(k == total ? _("%s and \"%s\"") :
			    "%s, \"%s\"", s, xl->items[i]->name);
		free(s);
		s = t;
	}
	return s;
}

enum fail_kind
connops_remove(struct workspace *ws, const char *id,
    enum connops_exports what, size_t *nexports, char **cause)
{
	struct connection_list	 l;
	struct export_list	 xl = { NULL, 0 };
	const struct ws_member	*me = NULL;
	struct connection	*c;
	struct export		*x;
	char			*names = NULL;
	size_t			 i, n = 0;
	enum fail_kind		 rc;

	if (nexports != NULL)
		*nexports = 0;
	rc = lock_admin(ws, &l, _("only administrators can remove "
	    "connections; you (%s) are a contributor"), &me, cause);
	if (rc != FAIL_NONE)
		goto out;
	if ((c = connection_list_by_id(&l, id)) == NULL) {
		*cause = xstrdup(_("the connection was removed meanwhile"));
		rc = FAIL_INVALID;
		goto out;
	}
	if (export_list_load(ws, &xl, cause) == -1) {
		rc = FAIL_ERROR;
		goto out;
	}
	names = connops_exports_of(&xl, id, &n);
	if (n > 0 && what == CONNOPS_EXPORTS_REFUSE) {
		*cause = xasprintf(ngettext_("the connection \"%1$s\" is "
		    "used by %2$zu export, %3$s: detach it (kept, but not run until "
		    "attached to another connection) or remove it too; "
		    "nothing was removed", "the connection \"%1$s\" is used "
		    "by %2$zu exports, %3$s: detach them (kept, but not run "
		    "until attached to another connection) or remove them "
		    "too; nothing was removed", n), c->name, n, names);
		rc = FAIL_INVALID;
		goto out;
	}
	/* The exports first: a failure then leaves the connection usable. */
	for (i = 0; i < xl.n; i++) {
		x = xl.items[i];
		if (strcmp(x->connection, id) != 0)
			continue;
		if (what == CONNOPS_EXPORTS_DETACH) {
			x->detached = 1;
			if (x->destination == NULL)
				x->destination = xstrdup(c->type);
			if (export_save(ws, x, cause) == -1)
				rc = FAIL_ERROR;
		} else if (export_remove_file(ws, x->id, cause) == -1)
			rc = FAIL_ERROR;
		if (rc != FAIL_NONE)
			goto out;
		export_record(ws, me->user, x, what == CONNOPS_EXPORTS_DETACH ?
		    "detach" : "remove", c->name);
		if (nexports != NULL)
			(*nexports)++;
	}
	if (connection_remove_files(ws, id, cause) == -1)
		rc = FAIL_ERROR;
	else {
		cJSON	*ch = cJSON_CreateObject();

		if (n > 0)
			cJSON_AddStringToObject(ch, what ==
			    CONNOPS_EXPORTS_DETACH ? "exports_detached" :
			    "exports_removed", names);
		conn_record(ws, me->user, c, "remove", ch);
	}
out:
	workspace_unlock(ws);
	free(names);
	export_list_free(&xl);
	connection_list_free(&l);
	return rc;
}

int
connops_remember_test(struct workspace *ws, const char *id,
    enum dest_outcome o, const char *message, const char *secret,
    char **cause)
{
	struct connection_list	 l = { NULL, 0 };
	struct connection	*c;
	size_t			 j;
	int			 rc = -1;

	if (workspace_lock(ws, cause) == 0 &&
	    connection_list_load(ws, &l, cause) == 0) {
		rc = 0;
		c = connection_list_by_id(&l, id);
		if (c != NULL) {
			connection_set_last_test(c, dest_outcome_name(o),
			    message);
			for (j = 0; secret != NULL && j < c->nsecrets; j++)
				if (strcmp(c->secrets[j], secret) == 0)
					break;
			if (secret != NULL && j == c->nsecrets) {
				c->secrets = xreallocarray(c->secrets,
				    c->nsecrets + 1, sizeof *c->secrets);
				c->secrets[c->nsecrets++] = xstrdup(secret);
			}
			rc = connection_save(ws, c, cause);
		}
	}
	workspace_unlock(ws);
	connection_list_free(&l);
	return rc;
}

/* Keep the sync key the record has, or give it a new one. */
static int
sync_key_fn(const struct secret *cur, struct secret **newval, void *arg,
    char **cause)
{
	struct secret	**out = arg;

	(void)cause;
	if (cur != NULL && secret_len(cur) == SYNCSTATE_KEYBYTES) {
		*out = secret_dup(cur);
		return 0;
	}
	*newval = secret_new(SYNCSTATE_KEYBYTES);
	randombytes_buf(secret_buf(*newval), SYNCSTATE_KEYBYTES);
	*out = secret_dup(*newval);
	return 0;
}

/*
 * The connection's sync key (syncstate.h) in rec, made and saved under the
 * record's lock by the first run that needs it, so that two runs starting
 * at once agree on it. 0, or -1 with *cause.
 */
static int
sync_key_ensure(struct credstore *keep, struct secrecord *rec, char **cause)
{
	const struct dest_credstore	*k = credstore_dest(keep);
	struct secret			*key = NULL;
	enum sec_status			 sst;

	if (secrecord_get(rec, SYNCSTATE_KEY_FIELD) != NULL)
		return 0;
	if (k->update(k->arg, SYNCSTATE_KEY_FIELD, sync_key_fn, &key,
	    cause) != 0)
		return -1;
	sst = secrecord_set(rec, SYNCSTATE_KEY_FIELD, key, cause);
	secret_free(&key);
	return sst == SEC_OK ? 0 : -1;
}

/* The record of changes says who started each run, and how. */
static void
run_record_start(const struct workspace *ws, const char *user,
    const struct run *r, const struct connops_start *st)
{
	cJSON	*ch = cJSON_CreateObject();
	char	*cause = NULL;

	cJSON_AddStringToObject(ch, "export", r->export_name);
	cJSON_AddStringToObject(ch, "export_id", r->export_id);
	if (st->resume != NULL)
		cJSON_AddStringToObject(ch, "resumes", st->resume);
	if (st->scheduled)
		cJSON_AddBoolToObject(ch, "scheduled", 1);
	if (st->full)
		cJSON_AddBoolToObject(ch, "full", 1);
	if (st->force)
		cJSON_AddBoolToObject(ch, "force", 1);
	if (st->allow_empty)
		cJSON_AddBoolToObject(ch, "allow_empty", 1);
	if (activity_append(ws, user, ACTIVITY_RUN, r->id, r->export_name,
	    st->resume != NULL ? "resume" : "start", ch, &cause) == -1) {
		fprintf(stderr, "segsync: %s\n", cause);
		free(cause);
	}
}

enum fail_kind
connops_start(struct workspace *ws, const struct identity *id,
    const struct connops_start *st, char **run_id, pid_t *pidp,
    char **cause)
{
	const struct connection		*c = st->conn;
	const struct dest_driver	*d = dest_find(c->type);
	struct secrecord			*rec = NULL;
	struct credstore			*keep = NULL;
	struct run_job			*job = NULL;
	enum fail_kind			 kind;
	enum sec_status			 sst;
	char				*user = NULL;

	*run_id = NULL;
	if (d == NULL) {
		*cause = xasprintf(_("the connection \"%s\" has the unknown "
		    "type \"%s\""), c->name, c->type);
		return FAIL_ERROR;
	}
	if (st->export != NULL && connops_export_runnable(st->export,
	    cause) != 0)
		return FAIL_INVALID;
	if ((sst = connops_record_open(ws, c, id, &rec, cause)) != SEC_OK)
		return secstatus_kind(sst);
	keep = credstore_new(ws, identity_dup(id), c->id);
	/* Taking the workspace's lock reads it again: st->user with it. */
	user = xstrdup(st->user);
	if (sync_key_ensure(keep, rec, cause) != 0) {
		kind = FAIL_ERROR;
		goto out;
	}
	if ((st->resume != NULL ? run_resume_prepare(ws, user, st->resume,
	    &job, &kind, cause) : run_prepare(ws, user, st->export, c,
	    st->segs, st->scheduled, &job, &kind, cause)) != 0)
		goto out;
	if (st->resume == NULL)
		run_job_options(job, st->full, st->force, st->allow_empty);
	run_job_connect(job, c, rec);
	run_job_credstore(job, credstore_dest(keep));
	*run_id = xstrdup(run_job_run(job)->id);
	/* Recorded before the worker can end and the run be pruned. */
	run_record_start(ws, user, run_job_run(job), st);
	/* A scheduled run is refresh's child, which it waits for. */
	kind = FAIL_ERROR;
	if (run_spawn(job, !st->scheduled, pidp, cause) != 0) {
		xfree(run_id);
		goto out;
	}
	kind = FAIL_NONE;
out:
	run_job_free(&job);
	secrecord_free(&rec);
	credstore_free(&keep);
	free(user);
	return kind;
}

/* A temporary file for a dry run's rejected records, in $TMPDIR. */
static char *
plan_tempfile(char **cause)
{
	const char	*tmp = getenv("TMPDIR");
	char		 tmpl[PATH_MAX];
	int		 fd;

	if (tmp == NULL || tmp[0] == '\0' || (size_t)snprintf(tmpl,
	    sizeof tmpl, "%s/segsync-dry-XXXXXX", tmp) >= sizeof tmpl)
		snprintf(tmpl, sizeof tmpl, "/tmp/segsync-dry-XXXXXX");
	if ((fd = mkstemp(tmpl)) == -1) {
		*cause = xasprintf(_("cannot create a temporary file in %s: "
		    "%s"), tmpl, strerror(errno));
		return NULL;
	}
	close(fd);
	return xstrdup(tmpl);
}

int
connops_export_runnable(const struct export *x, char **cause)
{
	if (!x->detached)
		return 0;
	*cause = xasprintf(_("the export \"%1$s\" is detached from its "
	    "connection, so it does not run: attach it to one with "
	    "'segsync export edit \"%1$s\" --connection CONN', or Edit in "
	    "the exports list"), x->name);
	return -1;
}

int
connops_plan_check(const struct export *x, const struct dest_driver *d,
    const struct segment_list *segs, char **cause)
{
	struct deliver_mapping	dm;
	size_t			i;

	if (connops_export_runnable(x, cause) != 0)
		return -1;
	for (i = 0; i < x->nsegments; i++)
		if (segments_find(segs, x->segments[i]) == NULL) {
			*cause = xasprintf(_("the segment \"%s\" of the export "
			    "\"%s\" is not in the data folder any more"),
			    x->segments[i], x->name);
			return -1;
		}
	if (export_delivery_mapping(x->map, x->nmap, d, &dm, cause) != 0)
		return -1;
	export_delivery_mapping_free(&dm);
	return 0;
}

enum fail_kind
connops_plan(struct workspace *ws, const struct identity *id,
    const struct connops_start *st, struct connops_plan *out, char **cause)
{
	const struct connection		*c = st->conn;
	const struct export		*x = st->export;
	const struct dest_driver	*d = dest_find(c->type);
	struct deliver_segment		*ds = NULL;
	struct run_delivery		 rd;
	struct deliver_sync		 sync;
	struct syncstate_keys		 keys;
	struct secrecord			*rec = NULL;
	struct credstore		*keep = NULL;
	enum fail_kind			 kind;
	enum sec_status			 sst;
	size_t				 i;

	memset(out, 0, sizeof *out);
	memset(&rd, 0, sizeof rd);
	memset(&sync, 0, sizeof sync);
	memset(&keys, 0, sizeof keys);
	if (d == NULL) {
		*cause = xasprintf(_("the connection \"%s\" has the unknown "
		    "type \"%s\""), c->name, c->type);
		return FAIL_ERROR;
	}
	if (connops_plan_check(x, d, st->segs, cause) != 0)
		return FAIL_INVALID;
	ds = xcalloc(x->nsegments + 1, sizeof *ds);
	for (i = 0; i < x->nsegments; i++) {
		ds[i].name = x->segments[i];
		ds[i].path = segments_find(st->segs, x->segments[i])->file;
	}

	/* The session encodes exactly as a real run, auth header included. */
	if ((sst = connops_record_open(ws, c, id, &rec, cause)) != SEC_OK) {
		kind = secstatus_kind(sst);
		goto out;
	}
	keep = credstore_new(ws, identity_dup(id), c->id);
	kind = FAIL_ERROR;
	if ((out->rejects_path = plan_tempfile(cause)) == NULL)
		goto out;
	rd.cfg.target = x->target;
	rd.cfg.segments = ds;
	rd.cfg.nsegments = x->nsegments;
	rd.cfg.dry_run = 1;
	rd.cfg.expected_rows = export_members(x, st->segs);
	rd.cfg.limit_rejected = 1;
	rd.cfg.max_rejected = x->max_rejected;
	if (run_delivery_open(&rd, d, c, rec, credstore_dest(keep), x->map,
	    x->nmap, out->rejects_path, &kind, cause) != 0)
		goto out;
	out->batch_size = rd.session->batch_size;
	/* Without a sync key no run ever kept a state: all is new. */
	if (run_sync_open(ws, rec, x->id, c->id, x->target,
	    export_mode_name(x->mode), x->max_removals, st->full, st->force,
	    st->allow_empty, &sync, &keys) == 0) {
		rd.cfg.sync = &sync;
		out->synced = 1;
	}
	kind = FAIL_INVALID;
	if (deliver_run(&rd.cfg, &out->stats, cause) != 0)
		goto out;
	kind = FAIL_ERROR;
	if (rejects_close(&rd.rejects, cause) != 0)
		goto out;
	kind = FAIL_NONE;
out:
	run_delivery_free(&rd);
	run_sync_close(&sync, &keys);
	secrecord_free(&rec);
	credstore_free(&keep);
	free(ds);
	return kind;
}

void
connops_plan_free(struct connops_plan *p)
{
	deliver_stats_free(&p->stats);
	if (p->rejects_path != NULL) {
		(void)unlink(p->rejects_path);
		xfree(&p->rejects_path);
	}
}
