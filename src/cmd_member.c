/* segsync init, member add/list/remove. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "i18n.h"
#include "util.h"
#include "workspace.h"
#include "xmalloc.h"

enum exit_status
cmd_init(struct cli_ctx *ctx)
{
	struct ws_init_opts	 o;
	struct workspace	*ws;
	char			*dir, *name, *cause = NULL, *data;
	enum exit_status	 rc = EXIT_OK;

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
	if (workspace_init(dir, &o, &ws, &cause) == -1) {
		rc = errno == EACCES || errno == EPERM ? EXIT_AUTH :
		    EXIT_CONFIG;
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	data = workspace_data_dir(ws);
	printf(_("Created the workspace %s.\n"), workspace_dir(ws));
	printf(_("Administrator: %s. Segments are read from %s.\n"), name,
	    data);
	if (workspace_group(ws) != NULL)
		printf(_("Shared with the Unix group %s (directories 2770, "
		    "files 0660).\n"), workspace_group(ws));
	free(data);
	workspace_free(&ws);
out:
	free(dir);
	free(name);
	return rc;
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

enum exit_status
cmd_member_add(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	struct passwd		*pw;
	enum ws_role		 role;
	const char		*user = ctx->args[0];
	char			*cause = NULL, *admin = NULL;
	enum exit_status	 rc;

	workspace_role_parse(cli_opt(ctx, "role"), &role);
	rc = cli_open_workspace(ctx, &ws, &me);
	if (rc != EXIT_OK)
		return rc;
	rc = require_admin(me, _("only administrators can add members; "
	    "you (%s) are a contributor"));
	if (rc != EXIT_OK)
		goto out;
	if (workspace_lock(ws, &cause) == -1) {
		rc = EXIT_FAIL;
		goto fail;
	}
	/* Re-check under the lock: the file may have changed meanwhile. */
	if (workspace_current_member(ws, &me, &cause) == -1) {
		rc = EXIT_AUTH;
		goto fail;
	}
	rc = require_admin(me, _("only administrators can add members; "
	    "you (%s) are a contributor"));
	if (rc != EXIT_OK)
		goto out;
	pw = getpwnam(user);
	if (pw == NULL) {
		cause = xasprintf(_("there is no Unix user named \"%s\" on "
		    "this system; members are Unix users"), user);
		rc = EXIT_CONFIG;
		goto fail;
	}
	admin = xstrdup(me->user);
	if (workspace_member_add(ws, user, (unsigned long)pw->pw_uid, role,
	    admin, &cause) == -1) {
		rc = EXIT_CONFIG;
		goto fail;
	}
	if (workspace_save(ws, &cause) == -1) {
		rc = EXIT_FAIL;
		goto fail;
	}
	printf(_("Added %s as %s.\n"), user, workspace_role_label(role));
	goto out;
fail:
	cli_error("%s", cause);
	free(cause);
out:
	free(admin);
	workspace_free(&ws);
	return rc;
}

enum exit_status
cmd_member_list(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me, *m;
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
		cli_print_json(arr);
	} else {
		/* TRANSLATORS: column headings of 'segsync member list'. */
		printf("%-16s %-14s %-16s %s\n", _("USER"), _("ROLE"),
		    _("ADDED BY"), _("ADDED"));
		for (i = 0; i < n; i++) {
			m = workspace_member_at(ws, i);
			printf("%-16s %-14s %-16s %s\n", m->user,
			    workspace_role_label(m->role), m->added_by,
			    m->added_at);
		}
	}
	workspace_free(&ws);
	return EXIT_OK;
}

enum exit_status
cmd_member_remove(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	const char		*user = ctx->args[0];
	char			*cause = NULL;
	enum exit_status	 rc;

	rc = cli_open_workspace(ctx, &ws, &me);
	if (rc != EXIT_OK)
		return rc;
	rc = require_admin(me, _("only administrators can remove "
	    "members; you (%s) are a contributor"));
	if (rc != EXIT_OK)
		goto out;
	if (workspace_lock(ws, &cause) == -1) {
		rc = EXIT_FAIL;
		goto fail;
	}
	if (workspace_current_member(ws, &me, &cause) == -1) {
		rc = EXIT_AUTH;
		goto fail;
	}
	rc = require_admin(me, _("only administrators can remove "
	    "members; you (%s) are a contributor"));
	if (rc != EXIT_OK)
		goto out;
	if (workspace_member_remove(ws, user, &cause) == -1) {
		rc = EXIT_CONFIG;
		goto fail;
	}
	if (workspace_save(ws, &cause) == -1) {
		rc = EXIT_FAIL;
		goto fail;
	}
	printf(_("Removed %s from the workspace.\n"), user);
	goto out;
fail:
	cli_error("%s", cause);
	free(cause);
out:
	workspace_free(&ws);
	return rc;
}
