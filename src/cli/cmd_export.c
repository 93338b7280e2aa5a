/* segsync export add/list/show/remove. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/columns.h"
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
#include "store/exportops.h"
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
	free(x->target_name);
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

static enum exit_status	parse_percent(const char *, const char *, unsigned,
			    unsigned *);

/* --max-removals PCT for an export in mode; prints why not. */
static enum exit_status
parse_max(const char *pct, enum export_mode mode, unsigned *max)
{
	if (mode != EXPORT_MIRROR) {
		cli_error(_("--max-removals limits what the mirror mode "
		    "removes, and %s never removes anything: give --mode "
		    "mirror, or leave --max-removals out"),
		    export_mode_name(mode));
		return EXIT_USAGE;
	}
	return parse_percent("max-removals", pct, 10, max);
}

/* --OPT PCT, a whole percentage; prints why not. */
static enum exit_status
parse_percent(const char *opt, const char *pct, unsigned example,
    unsigned *out)
{
	size_t	n;

	/* Digits only: no sign, space, fraction or "%" (strtoul takes some). */
	n = strspn(pct, "0123456789");
	if (n == 0 || n > 3 || pct[n] != '\0' ||
	    strtoul(pct, NULL, 10) > 100) {
		cli_error(_("--%s must be a whole number of percent from 0 to "
		    "100, such as %u, not \"%s\""), opt, example, pct);
		return EXIT_USAGE;
	}
	*out = (unsigned)strtoul(pct, NULL, 10);
	return EXIT_OK;
}

/* --max-rejected PCT, when given, into *max; prints why not. */
static enum exit_status
parse_max_rejected(struct cli_ctx *ctx, unsigned *max)
{
	const char	*pct = cli_opt(ctx, "max-rejected");

	if (pct == NULL)
		return EXIT_OK;
	return parse_percent("max-rejected", pct, EXPORT_MAX_REJECTED_DEFAULT,
	    max);
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

	*mode = EXPORT_UPSERT;
	*max = EXPORT_MAX_REMOVALS_DEFAULT;
	/* The parser took only one of its choices. */
	if (name != NULL)
		*mode = (enum export_mode)export_mode_parse(name);
	if (pct == NULL)
		return EXIT_OK;
	return parse_max(pct, *mode, max);
}

/*
 * When a timed schedule next runs, in its zone ("2026-12-04 06:30 CET"),
 * into buf; "-" for the others.
 */
static const char *
next_text(const struct export *x, time_t now, char *buf, size_t size)
{
	time_t	t = schedule_next(&x->schedule, now);

	if (t == 0 || x->detached) {
		snprintf(buf, size, "-");
		return buf;
	}
	return schedule_local_text(&x->schedule, t, buf, size);
}

/*
 * --schedule, --scheduled and --tz, over old (the export's schedule, or
 * off for a new one); prints why not.
 */
static enum exit_status
parse_schedule(struct cli_ctx *ctx, const struct schedule *old,
    struct schedule *out)
{
	const char	*when = cli_opt(ctx, "schedule");
	const char	*tz = cli_opt(ctx, "tz");
	char		*cause = NULL;

	*out = *old;
	if (when != NULL && cli_flag(ctx, "scheduled") &&
	    strcmp(when, "refresh") != 0) {
		cli_error(_("--scheduled and --schedule %s say different "
		    "things: give one of them"), when);
		return EXIT_USAGE;
	}
	if (cli_flag(ctx, "scheduled"))
		when = "refresh";
	if (when != NULL) {
		if (schedule_parse(when, out, &cause) == -1) {
			cli_error(_("--schedule: %s"), cause);
			free(cause);
			return EXIT_USAGE;
		}
		/* A new timed schedule keeps the zone the old one had. */
		snprintf(out->tz, sizeof out->tz, "%s", old->tz);
	}
	if (out->kind < SCHEDULE_HOURLY) {
		if (tz != NULL) {
			cli_error("%s", _("--tz is the time zone of an hourly, "
			    "daily or weekly schedule; give one with "
			    "--schedule, or leave --tz out"));
			return EXIT_USAGE;
		}
		out->tz[0] = '\0';
		return EXIT_OK;
	}
	if (tz != NULL) {
		if (schedule_tz_check(tz, &cause) == -1) {
			cli_error(_("--tz: %s"), cause);
			free(cause);
			return EXIT_USAGE;
		}
		snprintf(out->tz, sizeof out->tz, "%s", tz);
	} else if (out->tz[0] == '\0')
		schedule_tz_system(out->tz);
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
	unsigned			 max, max_rejected;
	struct schedule			 off, sched;
	enum export_mode		 mode;
	enum exit_status		 rc;

	rc = parse_mode(ctx, &mode, &max);
	if (rc != EXIT_OK)
		return rc;
	max_rejected = EXPORT_MAX_REJECTED_DEFAULT;
	if ((rc = parse_max_rejected(ctx, &max_rejected)) != EXIT_OK)
		return rc;
	memset(&off, 0, sizeof off);
	rc = parse_schedule(ctx, &off, &sched);
	if (rc != EXIT_OK)
		return rc;
	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	c = cmd_conn_find(&cl, me, cli_opt(ctx, "connection"), &rc);
	if (c == NULL)
		goto out;
	if ((d = cmd_conn_driver(c, &rc)) == NULL)
		goto out;
	if (sched.kind != SCHEDULE_OFF && c->export_user == NULL) {
		cli_error(_("the connection \"%s\" has no export user, so "
		    "unattended scheduled runs could not use it; add the export "
		    "without a schedule, or have an administrator give the "
		    "connection one with 'segsync connection edit \"%s\" "
		    "--export-user'"), c->name, c->name);
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
	x->max_rejected = max_rejected;
	x->id = connection_new_id();
	x->name = xstrdup(cli_opt(ctx, "name"));
	x->connection = xstrdup(c->id);
	x->destination = xstrdup(c->type);
	x->target = xstrdup(cli_opt(ctx, "target"));
	export_set_schedule(x, &sched);
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

	rc = cli_fail_exit(exportops_add(ws, x, NULL, &cause));
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
	if (x->schedule.kind >= SCHEDULE_HOURLY) {
		char	sbuf[128], when[64];

		printf(_("It runs on schedule (%1$s), first at %2$s, and on "
		    "demand with 'segsync run'; saving did not run it.\n"),
		    export_schedule_text(x, sbuf, sizeof sbuf), next_text(x,
		    time(NULL), when, sizeof when));
	} else
		printf(x->scheduled ? _("It runs on every scheduled refresh, "
		    "and on demand with 'segsync run'; saving did not run "
		    "it.\n") : _("Saving did not run it: run it on demand "
		    "with 'segsync run'.\n"));
out:
	segments_free(&segs);
	export_free(&x);
	cmd_close(&ws, &cl, &xl);
	return rc;
}

/* "next_run": when a timed schedule runs next (RFC 3339), or null. */
static void
add_next_run(cJSON *o, const struct export *x, time_t now)
{
	char	buf[UTIL_RFC3339_LEN];
	time_t	t = schedule_next(&x->schedule, now);

	if (t == 0 || x->detached) {
		cJSON_AddNullToObject(o, "next_run");
		return;
	}
	util_rfc3339(t, buf);
	cJSON_AddStringToObject(o, "next_run", buf);
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
	cJSON				*arr, *o;
	char				 mode[32], sched[48], when[64];
	time_t				 now = time(NULL);
	size_t				 i;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	arr = cJSON_CreateArray();
	/* TRANSLATORS: column headings of 'export list'. */
	if (!ctx->json) {
		columns_pad(stdout, _("NAME"), 24, 0);
		putchar(' ');
		columns_pad(stdout, _("CONNECTION"), 20, 0);
		putchar(' ');
		columns_pad(stdout, _("TARGET"), 20, 0);
		putchar(' ');
		columns_pad(stdout, _("MODE"), 11, 0);
		putchar(' ');
		columns_pad(stdout, _("SCHEDULE"), 16, 0);
		putchar(' ');
		columns_pad(stdout, _("NEXT RUN"), 21, 0);
		printf(" %s\n", _("SEGMENTS"));
	}
	for (i = 0; i < xl.n; i++) {
		x = xl.items[i];
		if (!cmd_export_visible(me, &cl, x))
			continue;
		c = connection_list_by_id(&cl, x->connection);
		if (ctx->json) {
			o = export_to_json(x, c != NULL ? c->name :
			    x->connection);
			add_next_run(o, x, now);
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		columns_pad(stdout, cli_str(x->name), 24, 0);
		putchar(' ');
		columns_pad(stdout, c != NULL ? cli_str(c->name) :
		    _("(removed)"), 20, 0);
		putchar(' ');
		columns_pad(stdout, cli_str(x->target), 20, 0);
		putchar(' ');
		columns_pad(stdout, mode_text(x, mode, sizeof mode), 11, 0);
		putchar(' ');
		columns_pad(stdout, x->detached ? _("detached") :
		    schedule_text(&x->schedule, sched, sizeof sched), 16, 0);
		putchar(' ');
		columns_pad(stdout, next_text(x, now, when, sizeof when), 21,
		    0);
		printf(" %zu\n", x->nsegments);
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

/*
 * Find an export the member may see and change (exportops_may_change);
 * prints why not: denied is the refusal, naming the export (%s).
 */
static struct export *
find_changeable(const struct export_list *xl,
    const struct connection_list *cl, const struct ws_member *me,
    const char *name, const char *denied, enum exit_status *rc)
{
	struct export	*x;

	if ((x = find_export(xl, cl, me, name, rc)) == NULL)
		return NULL;
	if (!exportops_may_change(me, cl, x)) {
		cli_error(denied, x->name);
		*rc = EXIT_AUTH;
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
	char				 sbuf[128], when[64];
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
		add_next_run(o, x, time(NULL));
		if (x->target_name != NULL)
			cJSON_AddStringToObject(o, "target_name",
			    x->target_name);
		else
			cJSON_AddNullToObject(o, "target_name");
		cJSON_AddStringToObject(o, "created_by", x->created_by);
		cJSON_AddStringToObject(o, "created_at", x->created_at);
		if (x->changed_by != NULL) {
			cJSON_AddStringToObject(o, "changed_by", x->changed_by);
			cJSON_AddStringToObject(o, "changed_at", x->changed_at);
		} else {
			cJSON_AddNullToObject(o, "changed_by");
			cJSON_AddNullToObject(o, "changed_at");
		}
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
	if (x->schedule.kind >= SCHEDULE_HOURLY)
		printf(_("Schedule:    %1$s, next at %2$s\n"),
		    export_schedule_text(x, sbuf, sizeof sbuf), next_text(x,
		    time(NULL), when, sizeof when));
	else
		printf(_("Schedule:    %s\n"), x->schedule.kind ==
		    SCHEDULE_REFRESH ? _("on every scheduled refresh") :
		    _("off (on demand only)"));
	if (x->detached)
		printf(_("Detached:    yes: it does not run until 'segsync "
		    "export edit \"%s\" --connection CONN' attaches it\n"),
		    cli_str(x->name));
	if (x->changed_by != NULL)
		printf(_("Changed:     %s by %s\n"), cli_str(x->changed_at),
		    cli_str(x->changed_by));
	printf(_("Mode:        %s\n"), export_mode_name(x->mode));
	if (x->mode == EXPORT_MIRROR)
		printf(_("Removals:    at most %u%% of the target's members in "
		    "one run, unless run with --force\n"), x->max_removals);
	printf(_("Rejections:  a run fails when more than %u%% of its "
	    "profiles are rejected\n"), x->max_rejected);
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
	x = find_changeable(&xl, &cl, me, ctx->args[0],
	    _("only administrators can remove the export \"%s\": its "
	    "connection is for administrators only"), &rc);
	if (x == NULL)
		goto out;
	rc = cli_fail_exit(exportops_remove(ws, x, &cause));
	if (rc != EXIT_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	printf(_("Removed the export \"%s\": it no longer runs, on demand or "
	    "on schedule. What was already sent stays at the "
	    "destination.\n"), cli_str(x->name));
out:
	cmd_close(&ws, &cl, &xl);
	return rc;
}

static void
segments_clear(struct export *x)
{
	size_t	i;

	for (i = 0; i < x->nsegments; i++)
		free(x->segments[i]);
	x->nsegments = 0;
}

static void
segment_append(struct export *x, const char *name)
{
	x->segments = xreallocarray(x->segments, x->nsegments + 2,
	    sizeof *x->segments);
	x->segments[x->nsegments++] = xstrdup(name);
}

static void
map_clear(struct export *x)
{
	size_t	i;

	for (i = 0; i < x->nmap; i++) {
		free(x->map[i].dest);
		free(x->map[i].field);
	}
	x->nmap = 0;
}

/*
 * The mapping and segment options of 'export edit' applied to y: a set
 * given replaces the saved one, the others change one entry each. Prints
 * why not.
 */
static enum exit_status
edit_lists(struct cli_ctx *ctx, struct export *y)
{
	struct export_map	 m;
	char			**v, *cause = NULL;
	size_t			 n, i, j;

	if ((n = cli_opt_all(ctx, "map", &v)) > 0) {
		map_clear(y);
		y->map = xreallocarray(y->map, n + 1, sizeof *y->map);
		for (i = 0; i < n; i++) {
			if (export_map_parse(v[i], &m, &cause) == -1) {
				cli_error("%s", cause);
				free(cause);
				return EXIT_USAGE;
			}
			y->map[y->nmap++] = m;
		}
	}
	n = cli_opt_all(ctx, "unmap", &v);
	for (i = 0; i < n; i++) {
		for (j = 0; j < y->nmap; j++)
			if (strcmp(y->map[j].dest, v[i]) == 0)
				break;
		if (j == y->nmap) {
			char	*word = util_shell_word(y->name);

			cli_error(_("--unmap %s: the export maps nothing to "
			    "\"%s\" (see 'segsync export show %s')"), v[i],
			    v[i], word);
			free(word);
			return EXIT_CONFIG;
		}
		free(y->map[j].dest);
		free(y->map[j].field);
		memmove(&y->map[j], &y->map[j + 1],
		    (y->nmap - j - 1) * sizeof *y->map);
		y->nmap--;
	}
	if ((n = cli_opt_all(ctx, "segment", &v)) > 0) {
		segments_clear(y);
		for (i = 0; i < n; i++)
			segment_append(y, v[i]);
	}
	n = cli_opt_all(ctx, "add-segment", &v);
	for (i = 0; i < n; i++) {
		if (export_has_segment(y, v[i])) {
			cli_error(_("--add-segment \"%s\": the export already "
			    "has it"), v[i]);
			return EXIT_CONFIG;
		}
		segment_append(y, v[i]);
	}
	n = cli_opt_all(ctx, "remove-segment", &v);
	for (i = 0; i < n; i++) {
		for (j = 0; j < y->nsegments; j++)
			if (strcmp(y->segments[j], v[i]) == 0)
				break;
		if (j == y->nsegments) {
			cli_error(_("--remove-segment \"%s\": the export does "
			    "not have it"), v[i]);
			return EXIT_CONFIG;
		}
		free(y->segments[j]);
		memmove(&y->segments[j], &y->segments[j + 1],
		    (y->nsegments - j - 1) * sizeof *y->segments);
		y->nsegments--;
	}
	return EXIT_OK;
}

/*
 * --mode, --max-removals, --max-rejected and the schedule applied to y;
 * prints why not.
 */
static enum exit_status
edit_settings(struct cli_ctx *ctx, struct export *y)
{
	const char	*pct = cli_opt(ctx, "max-removals");
	struct schedule	 sc;
	enum exit_status rc;

	if (cli_opt(ctx, "mode") != NULL)
		y->mode = (enum export_mode)export_mode_parse(
		    cli_opt(ctx, "mode"));
	if (pct != NULL && (rc = parse_max(pct, y->mode,
	    &y->max_removals)) != EXIT_OK)
		return rc;
	if ((rc = parse_max_rejected(ctx, &y->max_rejected)) != EXIT_OK)
		return rc;
	if ((rc = parse_schedule(ctx, &y->schedule, &sc)) != EXIT_OK)
		return rc;
	export_set_schedule(y, &sc);
	return EXIT_OK;
}

/* "name, mapping and segments": what changed, in words; malloc'd. */
static char *
changes_text(unsigned changes)
{
	static const struct {
		unsigned	 bit;
		const char	*what;
	} parts[] = {
		{ EXPORT_CHANGED_NAME, N_("name") },
		{ EXPORT_CHANGED_CONNECTION, N_("connection") },
		{ EXPORT_CHANGED_TARGET, N_("target") },
		{ EXPORT_CHANGED_MAPPING, N_("mapping") },
		{ EXPORT_CHANGED_SEGMENTS, N_("segments") },
		{ EXPORT_CHANGED_MODE, N_("mode") },
		{ EXPORT_CHANGED_MAX_REMOVALS, N_("largest share of removals") },
		{ EXPORT_CHANGED_MAX_REJECTED,
		    N_("largest share of rejected profiles") },
		{ EXPORT_CHANGED_SCHEDULE, N_("schedule") },
		{ EXPORT_CHANGED_DETACHED, N_("attachment") },
	};
	char	*s = NULL, *t;
	size_t	 i, n = 0, k = 0;

	for (i = 0; i < sizeof parts / sizeof parts[0]; i++)
		n += (changes & parts[i].bit) != 0;
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		if (!(changes & parts[i].bit))
			continue;
		k++;
		t = xasprintf("%s%s%s", s != NULL ? s : "", k == 1 ? "" :
		    k == n ? _(" and ") : ", ", _(parts[i].what));
		free(s);
		s = t;
	}
	return s;
}

static int
edit_given(struct cli_ctx *ctx)
{
	static const char *const opts[] = { "rename", "connection", "target",
	    "map", "unmap", "segment", "add-segment", "remove-segment",
	    "schedule", "tz", "mode", "max-removals", "max-rejected" };
	size_t	i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (cli_opt(ctx, opts[i]) != NULL)
			return 1;
	return cli_flag(ctx, "scheduled");
}

enum exit_status
cmd_export_edit(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	const struct dest_driver	*d;
	struct connection_list		 cl;
	struct export_list		 xl;
	struct segment_list		*segs = NULL;
	const struct connection		*c, *was_c;
	struct export			*x, *y = NULL;
	const char			*type, *name = cli_opt(ctx, "rename");
	char				*cause = NULL, *what = NULL, *effect;
	unsigned			 changes, changes_pre = 0;
	enum exit_status		 rc;

	if (!edit_given(ctx)) {
		cli_error("%s", _("nothing to change: give at least one of "
		    "the options of 'segsync export edit' (see 'segsync export "
		    "edit --help')"));
		return EXIT_USAGE;
	}
	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	x = find_changeable(&xl, &cl, me, ctx->args[0],
	    _("only administrators can change the export \"%s\": its "
	    "connection is for administrators only"), &rc);
	if (x == NULL)
		goto out;
	was_c = connection_list_by_id(&cl, x->connection);
	type = export_destination(x, was_c);
	y = export_dup(x);
	if (y->destination == NULL && type != NULL)
		y->destination = xstrdup(type);
	if (name != NULL) {
		if (connection_name_valid(name, &cause) == -1) {
			cli_error(_("--rename \"%s\": %s"), name, cause);
			free(cause);
			rc = EXIT_CONFIG;
			goto out;
		}
		free(y->name);
		y->name = xstrdup(name);
	}
	c = was_c;
	if (cli_opt(ctx, "connection") != NULL) {
		c = cmd_conn_find(&cl, me, cli_opt(ctx, "connection"), &rc);
		if (c == NULL)
			goto out;
		if (type != NULL && strcmp(c->type, type) != 0) {
			cli_error(_("the connection \"%s\" goes to %s, and the "
			    "export \"%s\" to %s: its target, mapping and mode "
			    "are %s's; choose a %s connection"), c->name,
			    cmd_type_label(c->type), x->name, cmd_type_label(type),
			    cmd_type_label(type), cmd_type_label(type));
			rc = EXIT_CONFIG;
			goto out;
		}
		free(y->connection);
		y->connection = xstrdup(c->id);
		y->detached = 0;
	}
	if (cli_opt(ctx, "target") != NULL &&
	    strcmp(cli_opt(ctx, "target"), y->target) != 0) {
		free(y->target);
		y->target = xstrdup(cli_opt(ctx, "target"));
		/* Looked up again below, or unknown while detached. */
		xfree(&y->target_name);
	}
	if ((rc = edit_lists(ctx, y)) != EXIT_OK ||
	    (rc = edit_settings(ctx, y)) != EXIT_OK)
		goto out;
	if (c == NULL && !y->detached) {
		cli_error(_("the connection of the export \"%s\" was removed: "
		    "give --connection to attach it to another one"), x->name);
		rc = EXIT_CONFIG;
		goto out;
	}
	d = dest_find(type != NULL ? type : c != NULL ? c->type : "");
	if (d == NULL) {
		cli_error(_("the export \"%s\" goes to the unknown destination "
		    "\"%s\""), x->name, type != NULL ? type : "?");
		rc = EXIT_CONFIG;
		goto out;
	}
	if (y->scheduled && !y->detached && (!x->scheduled ||
	    (changes_pre = export_changes(x, y) &
	    EXPORT_CHANGED_CONNECTION) != 0) && (c == NULL ||
	    c->export_user == NULL)) {
		cli_error(_("the connection of the export \"%s\" has no export "
		    "user, so unattended scheduled runs could not use it; have "
		    "an administrator make one with 'segsync connection edit "
		    "CONN --export-user'"), x->name);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (workspace_segments(ws, &segs, &cause) == -1 ||
	    export_validate(y, d, segs, &cause) == -1) {
		cli_error(_("%s; nothing was saved"), cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	if ((d->target_check(y->target, &cause)) == -1) {
		cli_error(_("--target \"%s\": %s"), y->target, cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	changes = export_changes(x, y);
	if (changes == 0) {
		printf(_("Nothing changed: the export \"%s\" already is as "
		    "given.\n"), cli_str(x->name));
		goto out;
	}
	if ((changes & (EXPORT_CHANGED_CONNECTION | EXPORT_CHANGED_TARGET)) &&
	    !y->detached) {
		rc = verify_target(ctx, ws, me, d, c, y);
		if (rc != EXIT_OK)
			goto out;
	}
	rc = cli_fail_exit(exportops_update(ws, x, y, &cause));
	if (rc != EXIT_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	what = changes_text(changes);
	/* TRANSLATORS: %2$s lists what changed ("name and mapping"). */
	printf(_("Saved the export \"%1$s\": its %2$s changed.\n"),
	    cli_str(y->name), what);
	effect = export_changes_effect(x, y, changes);
	if (effect != NULL)
		printf("%s\n", effect);
	free(effect);
	if (y->detached)
		printf(_("It stays detached: it does not run until 'segsync "
		    "export edit \"%s\" --connection CONN' attaches it.\n"),
		    cli_str(y->name));
out:
	free(what);
	segments_free(&segs);
	export_free(&y);
	cmd_close(&ws, &cl, &xl);
	return rc;
}

enum exit_status
cmd_export_duplicate(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	const struct dest_driver	*d;
	struct connection_list		 cl;
	struct export_list		 xl;
	struct segment_list		*segs = NULL;
	const struct connection		*c;
	struct export			*x, *y = NULL;
	const char			*name = cli_opt(ctx, "name"), *type;
	char				*cause = NULL;
	char				 now[UTIL_RFC3339_LEN];
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	x = find_changeable(&xl, &cl, me, ctx->args[0],
	    _("only administrators can duplicate the export \"%s\": its "
	    "connection is for administrators only"), &rc);
	if (x == NULL)
		goto out;
	if (connection_name_valid(name, &cause) == -1) {
		cli_error(_("--name \"%s\": %s"), name, cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	c = connection_list_by_id(&cl, x->connection);
	type = export_destination(x, c);
	d = type != NULL ? dest_find(type) : NULL;
	if (d == NULL) {
		cli_error(_("the export \"%s\" goes to the unknown destination "
		    "\"%s\""), x->name, type != NULL ? type : "?");
		rc = EXIT_CONFIG;
		goto out;
	}
	util_rfc3339(time(NULL), now);
	y = export_dup(x);
	free(y->id);
	free(y->name);
	free(y->created_by);
	free(y->created_at);
	free(y->changed_by);
	free(y->changed_at);
	y->id = connection_new_id();
	y->name = xstrdup(name);
	y->created_by = xstrdup(me->user);
	y->created_at = xstrdup(now);
	y->changed_by = y->changed_at = NULL;
	{
		struct schedule	off;

		memset(&off, 0, sizeof off);
		export_set_schedule(y, &off);
	}
	if (y->destination == NULL)
		y->destination = xstrdup(type);
	if (workspace_segments(ws, &segs, &cause) == -1 ||
	    export_validate(y, d, segs, &cause) == -1) {
		cli_error(_("%s; nothing was saved"), cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = cli_fail_exit(exportops_add(ws, y, x->name, &cause));
	if (rc != EXIT_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	printf(_("Saved the export \"%1$s\", a copy of \"%2$s\": the same "
	    "connection, target, mapping, segments and mode, not scheduled. "
	    "It has no sync state yet, so its first run sends every "
	    "profile.\n"), cli_str(y->name), cli_str(x->name));
	if (y->detached)
		printf(_("Like the original it is detached: it does not run "
		    "until 'segsync export edit \"%s\" --connection CONN' "
		    "attaches it.\n"), cli_str(y->name));
out:
	segments_free(&segs);
	export_free(&y);
	cmd_close(&ws, &cl, &xl);
	return rc;
}

enum exit_status
cmd_export_detach(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	struct connection_list		 cl;
	struct export_list		 xl;
	const struct connection		*c;
	struct export			*x, *y = NULL;
	const char			*type;
	char				*cause = NULL;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	x = find_changeable(&xl, &cl, me, ctx->args[0],
	    _("only administrators can detach the export \"%s\": its "
	    "connection is for administrators only"), &rc);
	if (x == NULL)
		goto out;
	if (x->detached) {
		printf(_("The export \"%s\" is already detached.\n"),
		    cli_str(x->name));
		goto out;
	}
	c = connection_list_by_id(&cl, x->connection);
	type = export_destination(x, c);
	y = export_dup(x);
	y->detached = 1;
	if (y->destination == NULL && type != NULL)
		y->destination = xstrdup(type);
	rc = cli_fail_exit(exportops_update(ws, x, y, &cause));
	if (rc != EXIT_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	printf(_("Detached the export \"%1$s\": it keeps its settings and "
	    "sync state but no longer runs, on demand or on schedule, until "
	    "'segsync export edit \"%1$s\" --connection CONN' attaches it "
	    "again. What was sent stays at the destination.\n"),
	    cli_str(x->name));
out:
	export_free(&y);
	cmd_close(&ws, &cl, &xl);
	return rc;
}
