/* segsync export add/list/show/remove. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "data/segments.h"
#include "net/http.h"
#include "store/connection.h"
#include "store/connops.h"
#include "store/credstore.h"
#include "store/export.h"
#include "store/workspace.h"

/* Ask the destination whether the target exists; prints the outcome. */
static enum exit_status
verify_target(struct cli_ctx *ctx, struct workspace *ws,
    const struct ws_member *me, const struct dest_driver *d,
    const struct connection *c, struct export *x)
{
	struct dest_session	*s = NULL;
	struct credstore		*k = NULL;
	struct http_engine	*e = NULL;
	char			*found = NULL, *message = NULL, *cause = NULL;
	enum dest_outcome	 o;
	enum exit_status	 rc;

	if (d->target_check(x->target, &cause) == -1) {
		cli_error(_("--target \"%s\": %s"), x->target, cause);
		free(cause);
		return EXIT_CONFIG;
	}
	rc = cmd_conn_session(ctx, ws, me, d, c, &s, &k);
	if (rc != EXIT_OK)
		goto out;
	e = cmd_check_engine();
	if (e == NULL) {
		rc = EXIT_FAIL;
		goto out;
	}
	o = d->verify_target(s, e, x->target, &found, &message);
	rc = cmd_outcome_exit(o);
	if (rc != EXIT_OK) {
		cli_error(_("the %s \"%s\" could not be verified: %s; nothing "
		    "was saved"), _(d->target.label), x->target,
		    cmd_clause(message));
		goto out;
	}
	if (o == DEST_WARNING)
		cli_warn("%s", message);
	else
		printf("%s\n", cli_str(message));
	x->target_name = found;
	found = NULL;
out:
	free(found);
	free(message);
	http_free(&e);
	dest_session_free(&s);
	credstore_free(&k);
	return rc;
}

/*
 * --mode and --max-removals; prints why not. A maximum is refused outside
 * mirror, the only mode that removes: given with upsert it could only
 * mean that its author expects removals that never happen.
 */
static enum exit_status
parse_mode(struct cli_ctx *ctx, enum export_mode *mode, unsigned *max)
{
	const char	*name = cli_opt(ctx, "mode");
	const char	*pct = cli_opt(ctx, "max-removals");
	size_t		 n;

	*mode = EXPORT_UPSERT;
	*max = EXPORT_MAX_REMOVALS_DEFAULT;
	/* The parser took only one of its choices. */
	if (name != NULL)
		*mode = (enum export_mode)export_mode_parse(name);
	if (pct == NULL)
		return EXIT_OK;
	if (*mode != EXPORT_MIRROR) {
		cli_error(_("--max-removals limits what the mirror mode "
		    "removes, and %s never removes anything: give --mode "
		    "mirror, or leave --max-removals out"),
		    export_mode_name(*mode));
		return EXIT_USAGE;
	}
	/* Digits only: no sign, space, fraction or "%" (strtoul takes some). */
	n = strspn(pct, "0123456789");
	if (n == 0 || n > 3 || pct[n] != '\0' ||
	    strtoul(pct, NULL, 10) > 100) {
		cli_error(_("--max-removals must be a whole number of percent "
		    "from 0 to 100, such as 10, not \"%s\""), pct);
		return EXIT_USAGE;
	}
	*max = (unsigned)strtoul(pct, NULL, 10);
	return EXIT_OK;
}

enum exit_status
cmd_export_add(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	const struct dest_driver	*d;
	struct connection_list		 cl;
	struct export_list		 xl;
	struct segment_list		*segs = NULL;
	const struct connection		*c;
	struct export			*x = NULL;
	char				**maps, **segnames, *cause = NULL;
	char				 now[UTIL_RFC3339_LEN];
	size_t				 nmaps, nsegs, i;
	unsigned			 max;
	enum export_mode		 mode;
	enum exit_status		 rc;

	rc = parse_mode(ctx, &mode, &max);
	if (rc != EXIT_OK)
		return rc;
	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	c = cmd_conn_find(&cl, me, cli_opt(ctx, "connection"), &rc);
	if (c == NULL)
		goto out;
	d = dest_find(c->type);
	if (d == NULL) {
		cli_error(_("the connection \"%s\" has the unknown type \"%s\""),
		    c->name, c->type);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (cli_flag(ctx, "scheduled") && c->export_user == NULL) {
		cli_error(_("the connection \"%s\" has no export user, so "
		    "unattended scheduled runs could not use it; add the export "
		    "without --scheduled, or have an administrator add the "
		    "connection again with --export-user"), c->name);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (connection_name_valid(cli_opt(ctx, "name"), &cause) == -1) {
		cli_error(_("--name \"%s\": %s"), cli_opt(ctx, "name"), cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	util_rfc3339(time(NULL), now);
	x = export_new();
	x->mode = mode;
	x->max_removals = max;
	x->id = connection_new_id();
	x->name = xstrdup(cli_opt(ctx, "name"));
	x->connection = xstrdup(c->id);
	x->target = xstrdup(cli_opt(ctx, "target"));
	x->scheduled = cli_flag(ctx, "scheduled");
	x->created_by = xstrdup(me->user);
	x->created_at = xstrdup(now);
	nmaps = cli_opt_all(ctx, "map", &maps);
	x->map = xcalloc(nmaps, sizeof *x->map);
	for (i = 0; i < nmaps; i++) {
		if (export_map_parse(maps[i], &x->map[i], &cause) == -1) {
			cli_error("%s", cause);
			free(cause);
			rc = EXIT_USAGE;
			goto out;
		}
		x->nmap++;
	}
	nsegs = cli_opt_all(ctx, "segment", &segnames);
	x->segments = xcalloc(nsegs, sizeof *x->segments);
	for (i = 0; i < nsegs; i++)
		x->segments[x->nsegments++] = xstrdup(segnames[i]);

	if (workspace_segments(ws, &segs, &cause) == -1 ||
	    export_validate(x, d, segs, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (export_list_find(&xl, x->name) != NULL) {
		cli_error(_("an export named \"%s\" already exists; choose "
		    "another name"), x->name);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = verify_target(ctx, ws, me, d, c, x);
	if (rc != EXIT_OK)
		goto out;

	rc = cli_fail_exit(connops_export_add(ws, x, &cause));
	if (rc != EXIT_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	printf(_("Saved the export \"%s\": %zu segment(s), %llu profiles "
	    "before de-duplication, to %s \"%s\" through \"%s\".\n"),
	    cli_str(x->name), x->nsegments, export_members(x, segs),
	    _(d->target.label), cli_str(x->target_name != NULL ?
	    x->target_name : x->target), cli_str(c->name));
	if (x->mode == EXPORT_MIRROR)
		printf(_("Mode mirror: a run also removes the members who left "
		    "its segments, at most %u%% of them at once unless run "
		    "with --force; the first run only adds.\n"),
		    x->max_removals);
	else if (x->mode == EXPORT_UPDATE_ONLY)
		printf(_("Mode update-only: runs update the profiles %s "
		    "already has and create none.\n"), _(d->short_label));
	printf(x->scheduled ? _("It runs on every scheduled refresh, and on "
	    "demand with 'segsync run'; saving did not run it.\n") :
	    _("Saving did not run it: run it on demand with 'segsync "
	    "run'.\n"));
out:
	segments_free(&segs);
	export_free(&x);
	cmd_close(&ws, &cl, &xl);
	return rc;
}

/* The mode as 'export list' shows it: mirror with its maximum share. */
static const char *
mode_text(const struct export *x, char *buf, size_t size)
{
	if (x->mode != EXPORT_MIRROR)
		return export_mode_name(x->mode);
	snprintf(buf, size, "%s %u%%", export_mode_name(x->mode),
	    x->max_removals);
	return buf;
}

enum exit_status
cmd_export_list(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	struct connection_list		 cl;
	struct export_list		 xl;
	const struct connection		*c;
	const struct export		*x;
	cJSON				*arr;
	char				 mode[32];
	size_t				 i;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	arr = cJSON_CreateArray();
	/* TRANSLATORS: column headings of 'export list'. */
	if (!ctx->json)
		printf("%-24s %-20s %-20s %-11s %-9s %s\n", _("NAME"),
		    _("CONNECTION"), _("TARGET"), _("MODE"), _("SCHEDULED"),
		    _("SEGMENTS"));
	for (i = 0; i < xl.n; i++) {
		x = xl.items[i];
		if (!cmd_export_visible(me, &cl, x))
			continue;
		c = connection_list_by_id(&cl, x->connection);
		if (ctx->json) {
			cJSON_AddItemToArray(arr, export_to_json(x,
			    c != NULL ? c->name : x->connection));
			continue;
		}
		util_print_padded(cli_str(x->name), 24);
		putchar(' ');
		util_print_padded(c != NULL ? cli_str(c->name) : _("(removed)"),
		    20);
		printf(" %-20s ", cli_str(x->target));
		util_print_padded(mode_text(x, mode, sizeof mode), 11);
		printf(" %-9s %zu\n", x->scheduled ? _("yes") : _("no"),
		    x->nsegments);
	}
	if (ctx->json)
		cli_print_json(arr);
	else
		cJSON_Delete(arr);
	cmd_close(&ws, &cl, &xl);
	return EXIT_OK;
}

/* Find an export the member may see; prints why not. */
static struct export *
find_export(const struct export_list *xl, const struct connection_list *cl,
    const struct ws_member *me, const char *name, enum exit_status *rc)
{
	struct export	*x;

	x = export_list_find(xl, name);
	if (x == NULL || !cmd_export_visible(me, cl, x)) {
		cli_error(_("there is no export named \"%s\" (see 'segsync "
		    "export list')"), name);
		*rc = EXIT_CONFIG;
		return NULL;
	}
	return x;
}

enum exit_status
cmd_export_show(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	struct connection_list		 cl;
	struct export_list		 xl;
	const struct connection		*c;
	const struct dest_driver	*d;
	struct export			*x;
	cJSON				*o;
	size_t				 i;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	x = find_export(&xl, &cl, me, ctx->args[0], &rc);
	if (x == NULL)
		goto out;
	c = connection_list_by_id(&cl, x->connection);
	d = c != NULL ? dest_find(c->type) : NULL;
	if (ctx->json) {
		o = export_to_json(x, c != NULL ? c->name : x->connection);
		if (x->target_name != NULL)
			cJSON_AddStringToObject(o, "target_name",
			    x->target_name);
		else
			cJSON_AddNullToObject(o, "target_name");
		cJSON_AddStringToObject(o, "created_by", x->created_by);
		cJSON_AddStringToObject(o, "created_at", x->created_at);
		cli_print_json(o);
		goto out;
	}
	printf(_("Name:        %s\n"), cli_str(x->name));
	printf(_("Connection:  %s (%s)\n"), c != NULL ? cli_str(c->name) :
	    _("removed"), d != NULL ? _(d->label) : "-");
	printf(_("Target:      %s%s%s%s\n"), cli_str(x->target),
	    x->target_name != NULL ? " (" : "",
	    x->target_name != NULL ? cli_str(x->target_name) : "",
	    x->target_name != NULL ? ")" : "");
	printf(_("Scheduled:   %s\n"), x->scheduled ? _("yes") : _("no"));
	printf(_("Mode:        %s\n"), export_mode_name(x->mode));
	if (x->mode == EXPORT_MIRROR)
		printf(_("Removals:    at most %u%% of the target's members in "
		    "one run, unless run with --force\n"), x->max_removals);
	printf(_("Created:     %s by %s\n"), cli_str(x->created_at),
	    cli_str(x->created_by));
	printf("%s\n", _("Mapping:"));
	for (i = 0; i < x->nmap; i++)
		printf("  %-20s <- %s\n", cli_str(x->map[i].dest),
		    cli_str(x->map[i].field));
	printf("%s\n", _("Segments:"));
	for (i = 0; i < x->nsegments; i++)
		printf("  %s\n", cli_str(x->segments[i]));
out:
	cmd_close(&ws, &cl, &xl);
	return rc;
}

enum exit_status
cmd_export_remove(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	struct connection_list		 cl;
	struct export_list		 xl;
	struct export			*x;
	char				*cause = NULL;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	x = find_export(&xl, &cl, me, ctx->args[0], &rc);
	if (x == NULL)
		goto out;
	if (me->role != WS_ROLE_ADMIN && strcmp(me->user,
	    x->created_by) != 0) {
		cli_error(_("only administrators and the member who created "
		    "it (%s) can remove the export \"%s\""), x->created_by,
		    x->name);
		rc = EXIT_AUTH;
		goto out;
	}
	if (workspace_lock(ws, &cause) == -1 ||
	    export_remove_file(ws, x->id, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
		goto out;
	}
	printf(_("Removed the export \"%s\": it no longer runs, on demand or "
	    "on schedule. What was already sent stays at the "
	    "destination.\n"), cli_str(x->name));
out:
	cmd_close(&ws, &cl, &xl);
	return rc;
}
