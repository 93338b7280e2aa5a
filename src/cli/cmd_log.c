/* segsync log: the record of changes to the workspace (store/activity.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/columns.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "store/activity.h"
#include "store/connection.h"
#include "store/export.h"
#include "store/schedule.h"
#include "store/workspace.h"

/* "2026-12-01" (midnight UTC) or "2026-12-01T09:00:00Z"; -1 if neither. */
static int
parse_since(const char *s, time_t *t)
{
	char	*full;
	int	 rc;

	if (schedule_parse_stamp(s, t) == 0)
		return 0;
	if (strlen(s) != 10)
		return -1;
	full = xasprintf("%sT00:00:00Z", s);
	rc = schedule_parse_stamp(full, t);
	free(full);
	return rc;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

enum exit_status
cmd_log(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	struct connection_list	 cl;
	struct export_list	 xl;
	struct activity_filter	 f;
	cJSON			*all = NULL, *shown, *e, *next;
	char			*cause = NULL, *text;
	size_t			 skipped;
	enum exit_status	 rc;

	memset(&f, 0, sizeof f);
	if (cli_opt(ctx, "since") != NULL &&
	    parse_since(cli_opt(ctx, "since"), &f.since) == -1) {
		cli_error(_("--since \"%s\": write a date such as 2026-12-01, "
		    "or a time such as 2026-12-01T09:00:00Z (UTC)"),
		    cli_opt(ctx, "since"));
		return EXIT_USAGE;
	}
	f.object = cli_opt(ctx, "object");
	f.name = cli_opt(ctx, "name");
	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	if (activity_read(ws, &f, &all, &skipped, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
		goto out;
	}
	shown = cJSON_CreateArray();
	for (e = all->child; e != NULL; e = next) {
		next = e->next;
		if (activity_visible(me->role == WS_ROLE_ADMIN, &cl, &xl, e))
			cJSON_AddItemToArray(shown,
			    cJSON_DetachItemViaPointer(all, e));
	}
	if (ctx->json)
		cli_print_json(shown);
	else {
		if (cJSON_GetArraySize(shown) == 0)
			printf("%s\n", _("No change recorded matches."));
		cJSON_ArrayForEach(e, shown) {
			text = activity_text(e);
			printf("%s  ", cli_str(jstr(e, "at")));
			columns_pad(stdout, cli_str(jstr(e, "by")), 12, 0);
			printf(" %s\n", cli_str(text));
			free(text);
		}
		cJSON_Delete(shown);
	}
	if (skipped > 0)
		cli_warn(ngettext_("%zu line of the record of changes is not "
		    "an entry (torn, or written by something else) and was "
		    "left out", "%zu lines of the record of changes are not "
		    "entries (torn, or written by something else) and were "
		    "left out", skipped), skipped);
out:
	cJSON_Delete(all);
	cmd_close(&ws, &cl, &xl);
	return rc;
}
