/*
 * segsync init, identity new, key add-file/passphrase, member
 * add/list/remove.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "secrets/identity.h"
#include "secrets/keyring.h"
#include "secrets/passphrase.h"
#include "store/activity.h"
#include "store/workspace.h"

/* Print a secrets failure and map it to the exit status. */
static enum exit_status
sec_fail(enum sec_status st, char *cause)
{
	cli_error("%s", cause != NULL ? cause : _("internal error"));
	free(cause);
	return cli_sec_exit(st);
}

/*
 * Refuse anyone but an administrator. msg is a whole translated sentence
 * with one %s for the member's name.
 */
static enum exit_status __attribute__((format(printf, 2, 0)))
require_admin(const struct ws_member *me, const char *msg)
{
	if (me->role == WS_ROLE_ADMIN)
		return EXIT_OK;
	cli_error(msg, me->user);
	return EXIT_AUTH;
}

static enum identity_kdf
kdf_option(const struct cli_ctx *ctx)
{
	enum identity_kdf	kdf = IDENTITY_KDF_MODERATE;

	if (cli_opt(ctx, "kdf") != NULL)
		identity_kdf_parse(cli_opt(ctx, "kdf"), &kdf);
	return kdf;
}

/* Print "Label: a, b, c." for a list of connection names. */
static void
print_names(const char *label, char **names, size_t n)
{
	size_t	i;

	if (n == 0)
		return;
	fputs(label, stdout);
	for (i = 0; i < n; i++)
		printf("%s\"%s\"", i == 0 ? " " : ", ", cli_str(names[i]));
	puts(".");
}

/*
 * A workspace whose administrator has no identity can never be used, and
 * init refuses to run twice: take back what a failed init wrote.
 */
static void
init_rollback(const struct workspace *ws, const char *idpath)
{
	char	*path;

	unlink(idpath);
	path = workspace_path(ws, WORKSPACE_FILE);
	unlink(path);
	free(path);
	fprintf(stderr, _("segsync: the workspace was not created; run "
	    "'segsync init' again once the problem is fixed\n"));
}

enum exit_status
cmd_init(struct cli_ctx *ctx)
{
	struct ws_init_opts	 o;
	struct workspace	*ws = NULL;
	struct identity		*id = NULL;
	struct secret		*pass = NULL;
	struct stat		 st;
	char			*dir, *name, *cause = NULL, *data, *file;
	char			*pk = NULL, *idpath = NULL;
	enum sec_status		 sst;
	enum exit_status	 rc = EXIT_OK;

	if (ctx->key_file != NULL) {
		cli_error(_("init creates a passphrase-protected identity; key "
		    "files for unattended runs come from 'segsync key "
		    "add-file' afterwards"));
		return EXIT_USAGE;
	}
	memset(&o, 0, sizeof o);
	o.data_dir = cli_opt(ctx, "data");
	o.group = cli_opt(ctx, "group");
	o.admin_uid = (unsigned long)geteuid();
	name = util_user_name(o.admin_uid);
	if (name == NULL) {
		cli_error(_("your user id %lu has no name in the passwd "
		    "database; members are Unix users with names"),
		    o.admin_uid);
		return EXIT_CONFIG;
	}
	o.admin_user = name;
	dir = workspace_default_dir(ctx->workspace_opt);

	/* Say so before asking for a passphrase that would be wasted. */
	file = util_path(dir, WORKSPACE_FILE);
	if (lstat(file, &st) == 0) {
		cli_error(_("%s already holds a segsync workspace; nothing was "
		    "changed"), dir);
		free(file);
		rc = EXIT_CONFIG;
		goto out;
	}
	free(file);

	sst = keyring_new_passphrase(ctx->passphrase_file, &pass, &cause);
	if (sst == SEC_OK)
		sst = identity_generate(name, &id, &cause);
	if (sst != SEC_OK) {
		rc = sec_fail(sst, cause);
		goto out;
	}
	pk = identity_pk_b64(id);
	o.admin_box_pk = pk;
	if (workspace_init(dir, &o, &ws, &cause) == -1) {
		rc = errno == EACCES || errno == EPERM ? EXIT_AUTH :
		    EXIT_CONFIG;
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	idpath = keyring_identity_path(ws, name);
	sst = identity_write(id, idpath, pass, kdf_option(ctx), 0, &cause);
	if (sst != SEC_OK) {
		rc = sec_fail(sst, cause);
		init_rollback(ws, idpath);
		goto out;
	}
	if (keyring_pub_write(ws, id, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
		init_rollback(ws, idpath);
		goto out;
	}
	data = workspace_data_dir(ws);
	printf(_("Created the workspace %s.\n"), workspace_dir(ws));
	printf(_("Administrator: %s. Segments are read from %s.\n"), name,
	    cli_str(data));
	printf(_("Your identity is %s, protected by your passphrase.\n"),
	    idpath);
	if (workspace_group(ws) != NULL)
		printf(_("Shared with the Unix group %s (directories 2770, "
		    "files 0660).\n"), workspace_group(ws));
	free(data);
out:
	workspace_free(&ws);
	identity_free(&id);
	secret_free(&pass);
	free(idpath);
	free(pk);
	free(dir);
	free(name);
	return rc;
}

enum exit_status
cmd_identity_new(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	struct identity		*id = NULL;
	struct secret		*pass = NULL;
	struct stat		 st;
	char			*user, *path = NULL, *cause = NULL;
	enum sec_status		 sst;
	enum exit_status	 rc;

	rc = cli_open_workspace(ctx, &ws, NULL);
	if (rc != EXIT_OK)
		return rc;
	user = util_user_name((unsigned long)geteuid());
	if (user == NULL) {
		cli_error(_("your user id has no name in the passwd database; "
		    "members are Unix users with names"));
		workspace_free(&ws);
		return EXIT_CONFIG;
	}
	path = keyring_identity_path(ws, user);
	if (lstat(path, &st) == 0) {
		cli_error(_("you already have an identity in this workspace "
		    "(%s); to change its passphrase use 'segsync key "
		    "passphrase'"), path);
		rc = EXIT_CONFIG;
		goto out;
	}
	sst = keyring_new_passphrase(ctx->passphrase_file, &pass, &cause);
	if (sst == SEC_OK)
		sst = identity_generate(user, &id, &cause);
	if (sst == SEC_OK)
		sst = identity_write(id, path, pass, kdf_option(ctx), 0,
		    &cause);
	if (sst != SEC_OK) {
		rc = sec_fail(sst, cause);
		goto out;
	}
	if (keyring_pub_write(ws, id, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		unlink(path);
		rc = EXIT_FAIL;
		goto out;
	}
	printf(_("Created your identity %s, protected by your passphrase.\n"),
	    path);
	printf(_("Ask an administrator of %s to run:\n  segsync member add %s "
	    "--role contributor\n(or --role admin).\n"),
	    cli_str(workspace_dir(ws)), user);
out:
	identity_free(&id);
	secret_free(&pass);
	free(path);
	free(user);
	workspace_free(&ws);
	return rc;
}

/*
 * With the lock held and the registry changed in memory: reseal (or
 * re-key, for removed_user) the records that need it, asking for the
 * passphrase only when there are any. Then save workspace.json.
 */
static enum exit_status
sync_and_save(struct cli_ctx *ctx, struct workspace *ws, const char *me_user,
    const char *removed_user, char ***changed, size_t *nchanged)
{
	const struct ws_member	*me;
	struct identity		*id = NULL;
	char			**stale = NULL, *cause = NULL;
	int			 nstale;
	enum sec_status		 sst;

	*changed = NULL;
	*nchanged = 0;
	nstale = keyring_stale(ws, removed_user, &stale, &cause);
	if (nstale == -1) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_CONFIG;
	}
	keyring_names_free(stale, (size_t)nstale);
	if (nstale > 0) {
		me = workspace_member_find(ws, me_user);
		if (me == NULL) {
			cli_error(_("you cannot remove yourself; ask another "
			    "administrator"));
			return EXIT_CONFIG;
		}
		sst = keyring_unlock(ws, me, ctx->key_file,
		    ctx->passphrase_file, &id, &cause);
		if (sst == SEC_OK)
			sst = keyring_sync(ws, id, removed_user, changed,
			    nchanged, &cause);
		identity_free(&id);
		if (sst != SEC_OK)
			return sec_fail(sst, cause);
	}
	if (workspace_save(ws, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * Record a change to the members or key files (already saved): what
 * (changes, taken over) and who; a failure is only said.
 */
static void
record(struct workspace *ws, const char *me, const char *object,
    const char *name, const char *action, cJSON *changes, size_t nnames)
{
	char	*cause = NULL;

	/*
	 * How many connections were re-sealed, not which: contributors read
	 * these entries, and some of those connections are not theirs.
	 */
	if (nnames > 0)
		cJSON_AddNumberToObject(changes, "connections_resealed",
		    (double)nnames);
	if (activity_append(ws, me, object, NULL, name, action, changes,
	    &cause) == -1) {
		cli_warn("%s", cause);
		free(cause);
	}
}

/* Open, check the caller is an administrator, lock, check again. */
static enum exit_status
open_as_admin(struct cli_ctx *ctx, struct workspace **ws, char **me_user,
    const char *msg)
{
	const struct ws_member	*me;
	char			*cause = NULL;
	enum exit_status	 rc;

	*me_user = NULL;
	rc = cli_open_workspace(ctx, ws, &me);
	if (rc != EXIT_OK)
		return rc;
	rc = require_admin(me, msg);
	if (rc == EXIT_OK && workspace_lock(*ws, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
	}
	/* The file may have changed before we held the lock. */
	if (rc == EXIT_OK && workspace_current_member(*ws, &me, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_AUTH;
	}
	if (rc == EXIT_OK)
		rc = require_admin(me, msg);
	if (rc != EXIT_OK) {
		workspace_free(ws);
		return rc;
	}
	*me_user = xstrdup(me->user);
	return EXIT_OK;
}

enum exit_status
cmd_member_add(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	struct passwd		*pw;
	enum ws_role		 role;
	const char		*user = ctx->args[0];
	char			*cause = NULL, *me = NULL, *pk = NULL;
	char			**changed = NULL;
	size_t			 nchanged = 0;
	enum sec_status		 sst;
	enum exit_status	 rc;

	workspace_role_parse(cli_opt(ctx, "role"), &role);
	rc = open_as_admin(ctx, &ws, &me, _("only administrators can add "
	    "members; you (%s) are a contributor"));
	if (rc != EXIT_OK)
		return rc;
	pw = getpwnam(user);
	if (pw == NULL) {
		cli_error(_("there is no Unix user named \"%s\" on this "
		    "system; members are Unix users"), user);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (workspace_member_find(ws, user) != NULL) {
		cli_error(_("%s is already a member of this workspace"), user);
		rc = EXIT_CONFIG;
		goto out;
	}
	sst = keyring_pub_read(ws, user, (unsigned long)pw->pw_uid, &pk,
	    &cause);
	if (sst != SEC_OK) {
		rc = sec_fail(sst, cause);
		goto out;
	}
	if (workspace_member_add(ws, user, (unsigned long)pw->pw_uid, role,
	    pk, me, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = sync_and_save(ctx, ws, me, NULL, &changed, &nchanged);
	if (rc != EXIT_OK)
		goto out;
	{
		cJSON	*ch = cJSON_CreateObject();

		cJSON_AddStringToObject(ch, "role", workspace_role_name(role));
		record(ws, me, ACTIVITY_MEMBER, user, "add", ch, nchanged);
	}
	printf(_("Added %s as %s.\n"), user, workspace_role_label(role));
	print_names(_("Connections they can now use:"), changed, nchanged);
out:
	keyring_names_free(changed, nchanged);
	free(pk);
	free(me);
	workspace_free(&ws);
	return rc;
}

enum exit_status
cmd_member_list(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me, *m;
	const struct ws_service	*sv;
	cJSON			*arr, *o;
	size_t			 i, n;
	enum exit_status	 rc;

	rc = cli_open_workspace(ctx, &ws, &me);
	if (rc != EXIT_OK)
		return rc;
	n = workspace_member_count(ws);
	if (ctx->json) {
		arr = cJSON_CreateArray();
		for (i = 0; i < n; i++) {
			m = workspace_member_at(ws, i);
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "user", m->user);
			cJSON_AddNumberToObject(o, "uid", (double)m->uid);
			cJSON_AddStringToObject(o, "role",
			    workspace_role_name(m->role));
			cJSON_AddStringToObject(o, "added_by", m->added_by);
			cJSON_AddStringToObject(o, "added_at", m->added_at);
			cJSON_AddItemToArray(arr, o);
		}
		for (i = 0; i < workspace_service_count(ws); i++) {
			sv = workspace_service_at(ws, i);
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "user", sv->id);
			cJSON_AddNullToObject(o, "uid");
			cJSON_AddStringToObject(o, "role", "service");
			cJSON_AddStringToObject(o, "added_by", sv->added_by);
			cJSON_AddStringToObject(o, "added_at", sv->added_at);
			cJSON_AddItemToArray(arr, o);
		}
		cli_print_json(arr);
	} else {
		/* TRANSLATORS: column headings of 'segsync member list'. */
		printf("%-16s %-14s %-16s %s\n", _("USER"), _("ROLE"),
		    _("ADDED BY"), _("ADDED"));
		for (i = 0; i < n; i++) {
			m = workspace_member_at(ws, i);
			printf("%-16s %-14s %-16s %s\n", cli_str(m->user),
			    workspace_role_label(m->role),
			    cli_str(m->added_by), cli_str(m->added_at));
		}
		for (i = 0; i < workspace_service_count(ws); i++) {
			sv = workspace_service_at(ws, i);
			printf("%-16s %-14s %-16s %s\n", cli_str(sv->id),
			    _("key file"), cli_str(sv->added_by),
			    cli_str(sv->added_at));
		}
	}
	workspace_free(&ws);
	return EXIT_OK;
}

enum exit_status
cmd_member_remove(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const char		*user = ctx->args[0];
	char			*cause = NULL, *me = NULL;
	char			**changed = NULL;
	size_t			 nchanged = 0;
	enum exit_status	 rc;

	rc = open_as_admin(ctx, &ws, &me, _("only administrators can remove "
	    "members; you (%s) are a contributor"));
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(user, me) == 0) {
		cli_error(_("you cannot remove yourself; ask another "
		    "administrator"));
		rc = EXIT_CONFIG;
		goto out;
	}
	if (workspace_member_remove(ws, user, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = sync_and_save(ctx, ws, me, user, &changed, &nchanged);
	if (rc != EXIT_OK)
		goto out;
	record(ws, me, ACTIVITY_MEMBER, user, "remove", cJSON_CreateObject(),
	    nchanged);
	printf(_("Removed %s from the workspace.\n"), user);
	if (nchanged > 0) {
		print_names(_("Re-keyed the connections they could use:"),
		    changed, nchanged);
		printf(_("%s may have kept those connections' credentials: "
		    "rotate their API keys (or re-authorize them) at the "
		    "destination.\n"), user);
	}
out:
	keyring_names_free(changed, nchanged);
	free(me);
	workspace_free(&ws);
	return rc;
}

enum exit_status
cmd_key_add_file(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	struct identity		*id = NULL;
	const char		*file = ctx->args[0];
	char			*cause = NULL, *me = NULL, *sid, *pk = NULL;
	char			**changed = NULL;
	size_t			 nchanged = 0;
	enum sec_status		 sst;
	enum exit_status	 rc;

	sid = xasprintf("%s%s", IDENTITY_SERVICE_PREFIX,
	    cli_opt(ctx, "name") != NULL ? cli_opt(ctx, "name") : "cron");
	if (!identity_id_valid(sid)) {
		cli_error(_("\"%s\" is not a valid key name: use letters, "
		    "digits, '.', '_' and '-'"), sid + 8);
		free(sid);
		return EXIT_USAGE;
	}
	rc = open_as_admin(ctx, &ws, &me, _("only administrators can create "
	    "key files; you (%s) are a contributor"));
	if (rc != EXIT_OK) {
		free(sid);
		return rc;
	}
	if (workspace_service_find(ws, sid) != NULL) {
		cli_error(_("a key file named %s is already registered; choose "
		    "another --name"), sid);
		rc = EXIT_CONFIG;
		goto out;
	}
	sst = identity_generate(sid, &id, &cause);
	if (sst == SEC_OK)
		sst = identity_write(id, file, NULL, IDENTITY_KDF_KEEP, 0,
		    &cause);
	if (sst != SEC_OK) {
		rc = sec_fail(sst, cause);
		goto out;
	}
	pk = identity_pk_b64(id);
	if (workspace_service_add(ws, sid, pk, me, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		unlink(file);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = sync_and_save(ctx, ws, me, NULL, &changed, &nchanged);
	if (rc != EXIT_OK) {
		unlink(file);
		goto out;
	}
	record(ws, me, ACTIVITY_KEY, sid, "add", cJSON_CreateObject(),
	    nchanged);
	printf(_("Wrote the key file %s (%s, mode 0600).\n"), file, sid);
	printf(_("Anyone who can read it can use the connections that have an "
	    "export user; keep it owned by the account that runs 'segsync "
	    "refresh' (chown it if needed) and out of backups.\n"));
	print_names(_("Connections it can use now:"), changed, nchanged);
out:
	keyring_names_free(changed, nchanged);
	identity_free(&id);
	free(pk);
	free(me);
	free(sid);
	workspace_free(&ws);
	return rc;
}

enum exit_status
cmd_key_passphrase(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	struct identity		*id = NULL;
	struct secret		*pass = NULL;
	const char		*newfile = cli_opt(ctx, "new-passphrase-file");
	char			*path = NULL, *cause = NULL;
	enum sec_status		 sst;
	enum exit_status	 rc;

	if (ctx->key_file != NULL) {
		cli_error(_("key files have no passphrase; this changes the "
		    "passphrase of your own identity"));
		return EXIT_USAGE;
	}
	if (newfile != NULL && ctx->passphrase_file != NULL &&
	    strcmp(newfile, "-") == 0 && strcmp(ctx->passphrase_file,
	    "-") == 0) {
		cli_error(_("the old and the new passphrase cannot both come "
		    "from standard input"));
		return EXIT_USAGE;
	}
	rc = cli_open_workspace(ctx, &ws, &me);
	if (rc != EXIT_OK)
		return rc;
	sst = keyring_unlock(ws, me, NULL, ctx->passphrase_file, &id, &cause);
	if (sst == SEC_OK)
		sst = keyring_new_passphrase(newfile, &pass, &cause);
	if (sst == SEC_OK) {
		path = keyring_identity_path(ws, me->user);
		sst = identity_write(id, path, pass, IDENTITY_KDF_KEEP, 1,
		    &cause);
	}
	if (sst != SEC_OK) {
		rc = sec_fail(sst, cause);
		goto out;
	}
	printf(_("Changed the passphrase of %s; no connection record "
	    "changed.\n"), path);
out:
	identity_free(&id);
	secret_free(&pass);
	free(path);
	workspace_free(&ws);
	return rc;
}
