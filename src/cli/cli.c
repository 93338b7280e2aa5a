/* Command-line parsing, help and dispatch (shared/docs/cli.md). */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sodium.h>

#include "base/i18n.h"
#include "base/safetext.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "secrets/hygiene.h"
#include "store/workspace.h"

static enum exit_status	cmd_help(struct cli_ctx *);

static const struct cli_opt global_opts[] = {
	{ "workspace", OPT_ARG, "DIR", NULL,
	  N_("the workspace directory (default: $XDG_DATA_HOME/segsync, "
	     "else ~/.local/share/segsync)") },
	{ "passphrase-file", OPT_ARG, "FILE", NULL,
	  N_("read the passphrase from the first line of FILE ('-' for "
	     "standard input)") },
	{ "key-file", OPT_ARG, "FILE", NULL,
	  N_("unlock with an unattended key file instead of a passphrase") },
	{ "json", 0, NULL, NULL,
	  N_("machine-readable output (list and show commands)") },
	{ "help", 0, NULL, NULL, N_("show help and exit") },
	{ "version", 0, NULL, NULL, N_("show the version and exit") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt no_opts[] = {
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt init_opts[] = {
	{ "data", OPT_ARG, "DIR", NULL,
	  N_("the folder of segment CSV files (default: data/ inside the "
	     "workspace)") },
	{ "group", OPT_ARG, "GROUP", NULL,
	  N_("share the workspace with this Unix group (directories 2770, "
	     "files 0660) instead of keeping it private (0700/0600)") },
	{ "kdf", OPT_ARG, "LEVEL", "interactive|moderate|sensitive",
	  N_("cost of deriving the key from the passphrase (default: "
	     "moderate)") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt identity_new_opts[] = {
	{ "kdf", OPT_ARG, "LEVEL", "interactive|moderate|sensitive",
	  N_("cost of deriving the key from the passphrase (default: "
	     "moderate)") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt key_add_file_opts[] = {
	{ "name", OPT_ARG, "NAME", NULL,
	  N_("name of the key in the workspace (default: cron), shown as "
	     "service:NAME") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt key_passphrase_opts[] = {
	{ "new-passphrase-file", OPT_ARG, "FILE", NULL,
	  N_("read the new passphrase from FILE ('-' for standard input) "
	     "instead of asking twice on the terminal") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt connection_show_opts[] = {
	{ "unlock", 0, NULL, NULL,
	  N_("unlock your key and decrypt the credentials, to check that you "
	     "can use the connection (they are shown masked)") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt member_add_opts[] = {
	{ "role", OPT_ARG | OPT_REQUIRED, "ROLE", "admin|contributor",
	  N_("what the member may do: admin manages connections and members; "
	     "contributor uses the connections open to contributors") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt connection_authorize_opts[] = {
	{ "auth-code-file", OPT_ARG, "FILE", NULL,
	  N_("read the authorization code, or the whole redirect URL, from "
	     "FILE instead of the terminal") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt export_add_opts[] = {
	{ "name", OPT_ARG | OPT_REQUIRED, "NAME", NULL,
	  N_("display name, unique in the workspace") },
	{ "connection", OPT_ARG | OPT_REQUIRED, "CONN", NULL,
	  N_("the connection to send through") },
	/* The help of these two names the drivers' (cli_dest.c). */
	{ "target", OPT_ARG | OPT_REQUIRED, "ID", NULL, NULL },
	{ "map", OPT_ARG | OPT_REPEAT | OPT_REQUIRED, "DEST=FIELD", NULL,
	  NULL },
	{ "segment", OPT_ARG | OPT_REPEAT | OPT_REQUIRED, "SEG", NULL,
	  N_("a segment to export (repeat for several)") },
	{ "scheduled", 0, NULL, NULL,
	  N_("run this export on every scheduled refresh (the same as "
	     "--schedule refresh)") },
	{ "schedule", OPT_ARG, "WHEN", NULL,
	  N_("when 'segsync refresh' runs it: off, refresh (every time), "
	     "hourly, \"daily HH:MM\" or \"weekly DAY HH:MM\" (default: "
	     "off)") },
	{ "tz", OPT_ARG, "ZONE", NULL,
	  N_("the time zone of a timed schedule, such as Europe/Paris "
	     "(default: the system's)") },
	{ "mode", OPT_ARG, "MODE", "upsert|mirror|update-only",
	  N_("how runs keep the target in step: upsert adds and updates, "
	     "mirror also removes the members who left the segments, "
	     "update-only updates the profiles the destination already has "
	     "and creates none, where the destination offers it (default: "
	     "upsert)") },
	{ "max-removals", OPT_ARG, "PCT", NULL,
	  N_("with --mode mirror, the largest share of the target's members "
	     "that one run may remove, in percent from 0 to 100 (default: "
	     "10); a run that would remove more fails before sending "
	     "anything, unless run with --force") },
	{ "max-rejected", OPT_ARG, "PCT", NULL,
	  N_("the largest share of a run's profiles that may be rejected, in "
	     "percent from 0 to 100 (default: 50); a run that rejects more "
	     "fails, before it removes anyone, with the reason in words") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt export_edit_opts[] = {
	{ "rename", OPT_ARG, "NEW", NULL,
	  N_("a new display name, unique in the workspace") },
	{ "connection", OPT_ARG, "CONN", NULL,
	  N_("send through another connection of the same destination (this "
	     "attaches a detached export again)") },
	/* The help of these two names the drivers' (cli_dest.c). */
	{ "target", OPT_ARG, "ID", NULL, NULL },
	{ "map", OPT_ARG | OPT_REPEAT, "DEST=FIELD", NULL, NULL },
	{ "unmap", OPT_ARG | OPT_REPEAT, "DEST", NULL,
	  N_("stop sending this destination field (repeat for several)") },
	{ "segment", OPT_ARG | OPT_REPEAT, "SEG", NULL,
	  N_("the segments to export, replacing the saved ones (repeat for "
	     "several)") },
	{ "add-segment", OPT_ARG | OPT_REPEAT, "SEG", NULL,
	  N_("export this segment too (repeat for several)") },
	{ "remove-segment", OPT_ARG | OPT_REPEAT, "SEG", NULL,
	  N_("stop exporting this segment (repeat for several)") },
	{ "schedule", OPT_ARG, "WHEN", NULL,
	  N_("when 'segsync refresh' runs it: off, refresh (every time), "
	     "hourly, \"daily HH:MM\" or \"weekly DAY HH:MM\"") },
	{ "scheduled", 0, NULL, NULL, N_("the same as --schedule refresh") },
	{ "tz", OPT_ARG, "ZONE", NULL,
	  N_("the time zone of a timed schedule, such as Europe/Paris "
	     "(default: the one it has, else the system's)") },
	{ "mode", OPT_ARG, "MODE", "upsert|mirror|update-only",
	  N_("how runs keep the target in step (see 'export add')") },
	{ "max-removals", OPT_ARG, "PCT", NULL,
	  N_("with mode mirror, the largest share of the target's members "
	     "that one run may remove, in percent") },
	{ "max-rejected", OPT_ARG, "PCT", NULL,
	  N_("the largest share of a run's profiles that may be rejected, in "
	     "percent (see 'export add')") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt export_duplicate_opts[] = {
	{ "name", OPT_ARG | OPT_REQUIRED, "NEW", NULL,
	  N_("the copy's display name, unique in the workspace") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt connection_remove_opts[] = {
	{ "detach-exports", 0, NULL, NULL,
	  N_("keep the exports that use the connection, detached: they do "
	     "not run until attached to another connection") },
	{ "remove-exports", 0, NULL, NULL,
	  N_("remove the exports that use the connection too") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt run_opts[] = {
	{ "detach", 0, NULL, NULL,
	  N_("start the run and return at once (it keeps running)") },
	{ "dry-run", 0, NULL, NULL,
	  N_("read, map and validate everything and report what would be "
	     "sent, without sending") },
	{ "resume", OPT_ARG, "RUN_ID", NULL,
	  N_("resume an interrupted run") },
	{ "full", 0, NULL, NULL,
	  N_("send every valid profile again, also those the destination "
	     "already has as they are") },
	{ "force", 0, NULL, NULL,
	  N_("mirror: remove the members who left even when they are more "
	     "than the export's --max-removals share") },
	{ "allow-empty", 0, NULL, NULL,
	  N_("mirror: go on when the segments have no valid profile at all "
	     "(without it, such a run fails rather than empty the target)") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt log_opts[] = {
	{ "since", OPT_ARG, "DATE", NULL,
	  N_("only the changes from this date (2026-12-01, UTC) or time "
	     "(2026-12-01T09:00:00Z) on") },
	{ "object", OPT_ARG, "WHAT", "member|key|connection|export|run",
	  N_("only the changes to this kind of object") },
	{ "name", OPT_ARG, "NAME", NULL,
	  N_("only the changes to the object of this name") },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct cli_opt runs_opts[] = {
	{ "export", OPT_ARG, "NAME", NULL, N_("only the runs of this export") },
	{ NULL, 0, NULL, NULL, NULL }
};

/* Groups: the first word of two-word commands. */
static const struct {
	const char	*name;
	const char	*summary;
} cli_groups[] = {
	{ "identity", N_("your own identity in a shared workspace") },
	{ "key", N_("key files and the passphrase") },
	{ "member", N_("who may use the workspace") },
	{ "connection", N_("links to destination accounts") },
	{ "export", N_("saved exports") },
	{ "runs", N_("past and current runs") },
};
#define NGROUPS (sizeof cli_groups / sizeof cli_groups[0])

struct cli_cmd cli_commands[] = {
	{ NULL, "init", NULL, 0, 0, CMD_NO_MEMBER, init_opts,
	  N_("create a workspace; you become its first administrator"),
	  N_("Creates the workspace directory with private modes (0700 and "
	     "0600, whatever the umask) and makes the Unix user who runs it "
	     "the first administrator."),
	  cmd_init },
	{ "identity", "new", NULL, 0, 0, CMD_NO_MEMBER, identity_new_opts,
	  N_("create your own identity in a shared workspace"),
	  N_("Asks for your passphrase and prints what an administrator runs "
	     "to add you."),
	  cmd_identity_new },
	{ "key", "add-file", "FILE", 1, 1, 0, key_add_file_opts,
	  N_("write a key file (mode 0600) for unattended runs"),
	  N_("The key can open the connections that have an export user, "
	     "for 'segsync refresh' from cron or a systemd timer."),
	  cmd_key_add_file },
	{ "key", "passphrase", NULL, 0, 0, 0, key_passphrase_opts,
	  N_("change your passphrase"),
	  N_("Only your identity file is rewritten; no connection changes."),
	  cmd_key_passphrase },
	{ "member", "add", "USER", 1, 1, 0, member_add_opts,
	  N_("add a Unix user to the workspace"), NULL, cmd_member_add },
	{ "member", "list", NULL, 0, 0, CMD_JSON, no_opts,
	  N_("list the members and their roles"), NULL, cmd_member_list },
	{ "member", "remove", "USER", 1, 1, 0, no_opts,
	  N_("remove a member"), NULL, cmd_member_remove },
	{ NULL, "segments", NULL, 0, 0, CMD_JSON, no_opts,
	  N_("segments with member counts and fields"),
	  N_("Each *.csv file of the workspace's data folder is one segment. "
	     "A segment that cannot be used is listed with the reason, and "
	     "the command then exits with status 4."),
	  cmd_segments },
	/* Options, description and summary from the drivers (cli_dest.c). */
	{ "connection", "add", NULL, 0, 0, 0, no_opts,
	  N_("save a connection to a destination account"), NULL,
	  cmd_connection_add },
	{ "connection", "authorize", "NAME", 1, 1, 0,
	  connection_authorize_opts, NULL,
	  N_("Prints the authorization address to open in any browser, then "
	     "reads the code, or the whole address the browser was sent to, "
	     "from --auth-code-file or the terminal; the connection is tested "
	     "with the new tokens before its refresh token is saved."),
	  cmd_connection_authorize },
	{ "connection", "list", NULL, 0, 0, CMD_JSON, no_opts,
	  N_("list connections (never any secret)"), NULL,
	  cmd_connection_list },
	{ "connection", "show", "NAME", 1, 1, CMD_JSON, connection_show_opts,
	  N_("show one connection (never any secret)"), NULL,
	  cmd_connection_show },
	{ "connection", "test", "NAME", 1, 1, 0, no_opts,
	  N_("test a connection's credentials against the destination"),
	  N_("Says in words which account answered, or why it failed; the "
	     "outcome is kept and shown by 'connection show'."),
	  cmd_connection_test },
	/* Options from the drivers (cli_dest.c). */
	{ "connection", "edit", "NAME", 1, 1, 0, no_opts,
	  N_("change a connection: its name, who may use it, a secret, a "
	     "setting, the export user"),
	  N_("A new secret or setting is tested against the destination "
	     "before anything is saved. Narrowing who may use the connection "
	     "gives its credentials a new data key, sealed for the members "
	     "who may still use them. Secrets are never shown, only "
	     "replaced."),
	  cmd_connection_edit },
	{ "connection", "remove", "NAME", 1, 1, 0, connection_remove_opts,
	  N_("remove a connection and its secrets"),
	  N_("Refused, with exit status 4 and their names, when exports use "
	     "the connection, unless --detach-exports or --remove-exports "
	     "says what becomes of them."),
	  cmd_connection_remove },
	{ "export", "add", NULL, 0, 0, 0, export_add_opts,
	  N_("save an export (it does not run)"),
	  N_("The mapping is checked against the destination's fields and "
	     "every chosen segment's header, and the target is verified at "
	     "the destination where its API allows (which unlocks your "
	     "key)."),
	  cmd_export_add },
	{ "export", "list", NULL, 0, 0, CMD_JSON, no_opts,
	  N_("list exports"), NULL, cmd_export_list },
	{ "export", "show", "NAME", 1, 1, CMD_JSON, no_opts,
	  N_("show one export"), NULL, cmd_export_show },
	{ "export", "edit", "NAME", 1, 1, 0, export_edit_opts,
	  N_("change a saved export"),
	  N_("A --map or --segment given replaces the saved set; --unmap, "
	     "--add-segment and --remove-segment change one at a time. The "
	     "result is checked as 'export add' checks, the target verified "
	     "when it or the connection changes, and what the change does to "
	     "the next run is said; nothing is saved when a check fails."),
	  cmd_export_edit },
	{ "export", "duplicate", "NAME", 1, 1, 0, export_duplicate_opts,
	  N_("save a copy of an export under a new name"),
	  N_("The copy has the same connection, target, mapping, segments "
	     "and mode, is not scheduled, and has no sync state of its own "
	     "yet: its first run sends every profile."),
	  cmd_export_duplicate },
	{ "export", "detach", "NAME", 1, 1, 0, no_opts,
	  N_("keep an export but stop it running"),
	  N_("A detached export is kept with all its settings but neither "
	     "runs on demand nor on schedule; 'segsync export edit NAME "
	     "--connection CONN' attaches it again."),
	  cmd_export_detach },
	{ "export", "remove", "NAME", 1, 1, 0, no_opts,
	  N_("remove an export"), NULL, cmd_export_remove },
	{ NULL, "run", "EXPORT", 0, 1, 0, run_opts,
	  N_("run an export now; without --detach, show progress until the "
	     "end"),
	  N_("The run goes on in the background when the terminal closes or "
	     "the SSH session drops; Ctrl-C stops watching, not the run. "
	     "'segsync run --resume RUN_ID' resumes an interrupted, failed "
	     "or cancelled run without sending again what the destination "
	     "already answered."),
	  cmd_run },
	{ NULL, "refresh", NULL, 0, 0, 0, no_opts,
	  N_("run every scheduled export (for cron and systemd timers)"),
	  N_("Unlocks with the key file (--key-file or SEGSYNC_KEY_FILE), "
	     "runs in turn each scheduled export that is due (every time for "
	     "--schedule refresh; once a slot of an hourly, daily or weekly "
	     "schedule has passed since its last scheduled run, once however "
	     "many were missed), skipping one that is already running, "
	     "prints a line per scheduled export and exits non-zero if any "
	     "failed."),
	  cmd_refresh },
	{ NULL, "log", NULL, 0, 0, CMD_JSON, log_opts,
	  N_("the record of changes: who changed what, and when"),
	  N_("Every change to the members, key files, connections, exports "
	     "and schedules, and every run started or cancelled, oldest "
	     "first, with the old and new value of each field that is not a "
	     "secret (a secret is only said to be replaced). Contributors see "
	     "the changes to what they may use."),
	  cmd_log },
	{ "runs", "list", NULL, 0, 0, CMD_JSON, runs_opts,
	  N_("past and current runs, newest first"), NULL, cmd_runs_list },
	{ "runs", "show", "RUN_ID", 1, 1, CMD_JSON, no_opts,
	  N_("one run in detail"), NULL, cmd_runs_show },
	{ "runs", "watch", "RUN_ID", 1, 1, 0, no_opts,
	  N_("follow a running run's progress until it ends"), NULL,
	  cmd_runs_watch },
	{ "runs", "cancel", "RUN_ID", 1, 1, 0, no_opts,
	  N_("cancel a running run"),
	  N_("The run stops taking new batches, lets its requests in "
	     "flight finish, and is recorded as cancelled; 'segsync run "
	     "--resume RUN_ID' sends the rest later."),
	  cmd_runs_cancel },
	{ NULL, "help", "[COMMAND]", 0, 2, CMD_NO_MEMBER, no_opts,
	  N_("show help for a command"), NULL, cmd_help },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL }
};

/* Option names that would carry a secret: refused with a pointer. */
static const char *const secret_opts[] = {
	"api-key", "client-secret", "passphrase", "password", "secret",
	"token", "refresh-token", "access-token", "auth-code", NULL
};

/* How many cli_str() copies live at once: more than one printf takes. */
#define CLI_STR_SLOTS	16

const char *
cli_str(const char *s)
{
	static char	*slots[CLI_STR_SLOTS];
	static size_t	 next;

	if (s == NULL || safetext_clean(s))
		return s;
	free(slots[next]);
	slots[next] = safetext(s);
	s = slots[next];
	next = (next + 1) % CLI_STR_SLOTS;
	return s;
}

/*
 * A message on stderr after prefix. The whole sentence goes through
 * safetext(): it embeds names and causes from the core that come from
 * workspace files, and no message of ours has a control in it.
 */
static void __attribute__((format(printf, 2, 0)))
cli_vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char	*text, *safe;

	text = xvasprintf(fmt, ap);
	safe = safetext(text);
	fprintf(stderr, "%s%s\n", prefix, safe);
	free(safe);
	free(text);
}

void
cli_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cli_vmessage("segsync: ", fmt, ap);
	va_end(ap);
}

void
cli_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cli_vmessage(_("segsync: warning: "), fmt, ap);
	va_end(ap);
}

void
cli_print_json(cJSON *json)
{
	char	*text, *safe;

	/* cJSON escapes what is below U+0020 only: DEL, C1, bad bytes. */
	text = cJSON_Print(json);
	safe = safetext_json(text);
	puts(safe);
	free(safe);
	free(text);
	cJSON_Delete(json);
}

/* "connection add" or "init", malloc'd. */
static char *
cmd_full_name(const struct cli_cmd *c)
{
	if (c->group == NULL)
		return xstrdup(c->name);
	if (strcmp(c->group, "runs") == 0 && strcmp(c->name, "list") == 0)
		return xstrdup("runs");
	return xasprintf("%s %s", c->group, c->name);
}

/* Print a usage error and a pointer to the help; returns EXIT_USAGE. */
static enum exit_status __attribute__((format(printf, 2, 3)))
usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*name;

	va_start(ap, fmt);
	cli_vmessage("segsync: ", fmt, ap);
	va_end(ap);
	if (c != NULL) {
		name = cmd_full_name(c);
		fprintf(stderr, _("Try 'segsync %s --help' for more "
		    "information.\n"), name);
		free(name);
	} else
		fputs(_("Try 'segsync --help' for more information.\n"),
		    stderr);
	return EXIT_USAGE;
}

static const struct cli_opt *
opt_find(const struct cli_opt *opts, const char *name, size_t len)
{
	for (; opts->name != NULL; opts++)
		if (strlen(opts->name) == len &&
		    strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

/* The option name (without "--") closest to name, if close enough. */
static const char *
opt_suggest(const struct cli_cmd *c, const char *name)
{
	const struct cli_opt	*sets[2], *o;
	const char		*best = NULL;
	size_t			 d, bestd = 3, i;

	sets[0] = c != NULL ? c->opts : no_opts;
	sets[1] = global_opts;
	for (i = 0; i < 2; i++) {
		for (o = sets[i]; o->name != NULL; o++) {
			d = util_edit_distance(name, o->name);
			if (d < bestd) {
				bestd = d;
				best = o->name;
			}
		}
	}
	return best;
}

/*
 * Print text from column col, wrapped at 79 columns with continuation
 * lines indented to indent (UTF-8 aware enough for help texts).
 */
static void
print_wrapped(const char *text, int col, int indent)
{
	const char	*p = text, *end;
	int		 len, w, i;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (end = p; *end != '\0' && *end != ' '; end++)
			;
		len = (int)(end - p);
		for (w = 0, i = 0; i < len; i++)
			if (((unsigned char)p[i] & 0xc0) != 0x80)
				w++;
		if (col > indent && col + 1 + w > 79) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, (size_t)len, stdout);
		col += w;
		p = end;
	}
	putchar('\n');
}

/* A whole sentence: the first letter in capitals (ASCII), a full stop. */
static void
print_sentence(const char *text, int indent)
{
	char	*s;

	s = xasprintf("%s.", text);
	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
	print_wrapped(s, indent, indent);
	free(s);
}

static void
print_opts(const struct cli_opt *o)
{
	char	left[64], *text;

	for (; o->name != NULL; o++) {
		if (strcmp(o->name, "workspace") == 0)
			snprintf(left, sizeof left, "-w, --%s %s", o->name,
			    o->metavar);
		else if (strcmp(o->name, "help") == 0)
			snprintf(left, sizeof left, "-h, --%s", o->name);
		else if (strcmp(o->name, "version") == 0)
			snprintf(left, sizeof left, "-V, --%s", o->name);
		else if (o->metavar != NULL)
			snprintf(left, sizeof left, "--%s %s", o->name,
			    o->metavar);
		else
			snprintf(left, sizeof left, "--%s", o->name);
		if (o->choices != NULL)
			text = xasprintf(_("%s (one of: %s)%s%s"), _(o->help),
			    o->choices, (o->flags & OPT_REQUIRED) ?
			    _(" [required]") : "", (o->flags & OPT_REPEAT) ?
			    _(" [repeatable]") : "");
		else
			text = xasprintf("%s%s%s", _(o->help),
			    (o->flags & OPT_REQUIRED) ? _(" [required]") : "",
			    (o->flags & OPT_REPEAT) ? _(" [repeatable]") : "");
		printf("  %-26s ", left);
		if (strlen(left) > 26)
			printf("\n%29s", "");
		print_wrapped(text, 29, 29);
		free(text);
	}
}

static void
print_cmd_help(const struct cli_cmd *c)
{
	char	*name;

	name = cmd_full_name(c);
	printf(_("Usage: segsync %s%s%s%s\n\n"), name,
	    c->args != NULL ? " " : "", c->args != NULL ? c->args : "",
	    c->opts[0].name != NULL ? _(" [OPTIONS]") : "");
	print_sentence(_(c->summary), 0);
	if (c->description != NULL) {
		putchar('\n');
		print_wrapped(_(c->description), 0, 0);
	}
	if (c->opts[0].name != NULL) {
		printf("\n%s\n", _("Options:"));
		print_opts(c->opts);
	}
	printf("\n%s\n", _("Global options:"));
	print_opts(global_opts);
	printf(_("\nSee segsync(1) for the exit statuses and the "
	    "environment.\n"));
	free(name);
}

static void
print_group_help(const char *group)
{
	const struct cli_cmd	*c;
	char			*name;

	printf(_("Usage: segsync %s COMMAND [OPTIONS]\n\n"), group);
	printf("%s\n", _("Commands:"));
	for (c = cli_commands; c->name != NULL; c++) {
		if (c->group == NULL || strcmp(c->group, group) != 0)
			continue;
		name = cmd_full_name(c);
		printf("  %-22s %s\n", name, _(c->summary));
		free(name);
	}
	printf(_("\nRun 'segsync %s COMMAND --help' for a command's "
	    "options.\n"), group);
}

static void
print_main_help(void)
{
	const struct cli_cmd	*c;
	char			*name, *about;

	printf("%s\n\n", _("Usage: segsync [OPTIONS] [COMMAND [ARGS]]"));
	about = cli_dest_about();
	print_wrapped(about, 0, 0);
	free(about);
	putchar('\n');
	printf("%s\n", _("Commands:"));
	for (c = cli_commands; c->name != NULL; c++) {
		name = cmd_full_name(c);
		printf("  %-22s ", name);
		print_wrapped(_(c->summary), 25, 25);
		free(name);
	}
	printf("\n%s\n", _("Global options:"));
	print_opts(global_opts);
	putchar('\n');
	print_wrapped(_("Run 'segsync COMMAND --help' for a command's "
	    "options; see segsync(1) for the exit statuses, the environment "
	    "and examples."), 0, 0);
}

static void
print_version(void)
{
	const curl_version_info_data	*cv;

	cv = curl_version_info(CURLVERSION_NOW);
	printf("segsync %s\n", PACKAGE_VERSION);
	printf("libcurl %s, libsodium %s, cJSON %s\n", cv->version,
	    sodium_version_string(), cJSON_Version());
}

static int
is_group(const char *word)
{
	size_t	i;

	for (i = 0; i < NGROUPS; i++)
		if (strcmp(cli_groups[i].name, word) == 0)
			return 1;
	return 0;
}

static const struct cli_cmd *
cmd_find(const char *group, const char *name)
{
	const struct cli_cmd	*c;

	for (c = cli_commands; c->name != NULL; c++) {
		if ((group == NULL) != (c->group == NULL))
			continue;
		if (group != NULL && strcmp(group, c->group) != 0)
			continue;
		if (strcmp(name, c->name) == 0)
			return c;
	}
	return NULL;
}

/* The command word closest to word, for "did you mean". */
static const char *
cmd_suggest(const char *group, const char *word)
{
	const struct cli_cmd	*c;
	const char		*best = NULL;
	size_t			 d, bestd = 3, i;

	for (c = cli_commands; c->name != NULL; c++) {
		if ((group == NULL) != (c->group == NULL))
			continue;
		if (group != NULL && strcmp(group, c->group) != 0)
			continue;
		d = util_edit_distance(word, c->name);
		if (d < bestd) {
			bestd = d;
			best = c->name;
		}
	}
	for (i = 0; group == NULL && i < NGROUPS; i++) {
		d = util_edit_distance(word, cli_groups[i].name);
		if (d < bestd) {
			bestd = d;
			best = cli_groups[i].name;
		}
	}
	return best;
}

const char *
cli_opt(const struct cli_ctx *ctx, const char *name)
{
	size_t	i;

	for (i = 0; ctx->cmd->opts[i].name != NULL; i++)
		if (strcmp(ctx->cmd->opts[i].name, name) == 0)
			return ctx->nvalues[i] == 0 ? NULL :
			    ctx->values[i][ctx->nvalues[i] - 1];
	return NULL;
}

size_t
cli_opt_all(const struct cli_ctx *ctx, const char *name, char ***values)
{
	size_t	i;

	for (i = 0; ctx->cmd->opts[i].name != NULL; i++) {
		if (strcmp(ctx->cmd->opts[i].name, name) == 0) {
			*values = ctx->values[i];
			return ctx->nvalues[i];
		}
	}
	*values = NULL;
	return 0;
}

int
cli_flag(const struct cli_ctx *ctx, const char *name)
{
	return cli_opt(ctx, name) != NULL;
}

static int
choice_ok(const char *choices, const char *value)
{
	const char	*p = choices, *bar;
	size_t		 len;

	for (;;) {
		bar = strchr(p, '|');
		len = bar == NULL ? strlen(p) : (size_t)(bar - p);
		if (strlen(value) == len && strncmp(p, value, len) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

static enum exit_status
cmd_help(struct cli_ctx *ctx)
{
	const struct cli_cmd	*c;

	if (ctx->nargs == 0) {
		print_main_help();
		return EXIT_OK;
	}
	if (is_group(ctx->args[0]) && ctx->nargs == 1) {
		if (strcmp(ctx->args[0], "runs") == 0)
			print_cmd_help(cmd_find("runs", "list"));
		else
			print_group_help(ctx->args[0]);
		return EXIT_OK;
	}
	if (is_group(ctx->args[0]))
		c = cmd_find(ctx->args[0], ctx->args[1]);
	else
		c = ctx->nargs == 1 ? cmd_find(NULL, ctx->args[0]) : NULL;
	if (c == NULL)
		return usage_error(NULL, _("there is no command '%s%s%s'"),
		    ctx->args[0], ctx->nargs > 1 ? " " : "",
		    ctx->nargs > 1 ? ctx->args[1] : "");
	print_cmd_help(c);
	return EXIT_OK;
}

static void
ctx_free(struct cli_ctx *ctx)
{
	size_t	i;

	if (ctx->values != NULL) {
		for (i = 0; ctx->cmd->opts[i].name != NULL; i++)
			free(ctx->values[i]);
	}
	free(ctx->values);
	free(ctx->nvalues);
	free(ctx->args);
}

/*
 * Store value for option o of the command (o indexes cmd->opts), or a
 * global option. Returns EXIT_OK or EXIT_USAGE after printing why.
 */
static enum exit_status
take_opt(struct cli_ctx *ctx, const struct cli_cmd *c, const char *name,
    const char *value)
{
	size_t	i;

	if (strcmp(name, "workspace") == 0)
		ctx->workspace_opt = value;
	else if (strcmp(name, "passphrase-file") == 0)
		ctx->passphrase_file = value;
	else if (strcmp(name, "key-file") == 0)
		ctx->key_file = value;
	else if (strcmp(name, "json") == 0)
		ctx->json = 1;
	else {
		for (i = 0; c->opts[i].name != NULL; i++)
			if (strcmp(c->opts[i].name, name) == 0)
				break;
		if (ctx->nvalues[i] > 0 && !(c->opts[i].flags & OPT_REPEAT))
			return usage_error(c, _("--%s is given more than "
			    "once"), name);
		if (c->opts[i].choices != NULL &&
		    !choice_ok(c->opts[i].choices, value))
			return usage_error(c, _("--%s must be one of %s, not "
			    "'%s'"), name, c->opts[i].choices, value);
		ctx->values[i] = xreallocarray(ctx->values[i],
		    ctx->nvalues[i] + 1, sizeof *ctx->values[i]);
		ctx->values[i][ctx->nvalues[i]++] = (char *)value;
	}
	return EXIT_OK;
}

/* Report an option that does not exist, with what was probably meant. */
static enum exit_status
unknown_opt(const struct cli_cmd *c, const char *name, size_t len)
{
	char		*n;
	const char	*near;
	size_t		 i;

	n = xstrndup(name, len);
	for (i = 0; secret_opts[i] != NULL; i++) {
		if (strcmp(n, secret_opts[i]) == 0) {
			usage_error(c, _("--%s: secrets are never taken as "
			    "arguments (they would show in the process list); "
			    "give a file instead, or '-' for standard input, "
			    "with the matching --...-file option"), n);
			free(n);
			return EXIT_USAGE;
		}
	}
	near = opt_suggest(c, n);
	if (near != NULL)
		usage_error(c, _("unknown option '--%s'; did you mean "
		    "'--%s'?"), n, near);
	else
		usage_error(c, _("unknown option '--%s'"), n);
	free(n);
	return EXIT_USAGE;
}

/*
 * Parse argv into ctx: global options anywhere, then the command words,
 * then the command's own options and positional arguments.
 */
static enum exit_status
parse(int argc, char **argv, struct cli_ctx *ctx, int *want_help,
    int *want_version, const char **group_only)
{
	const struct cli_cmd	*c = NULL;
	const struct cli_opt	*o;
	const char		*arg, *name, *eq, *value, *near;
	const char		*group = NULL;
	size_t			 len, nopts, i;
	int			 k, dashdash = 0;

	ctx->args = xcalloc((size_t)argc, sizeof *ctx->args);
	for (k = 1; k < argc; k++) {
		arg = argv[k];
		if (!dashdash && strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && arg[0] == '-' && arg[1] != '\0') {
			value = NULL;
			if (arg[1] != '-') {
				/* Short options: -h, -V, -w DIR / -wDIR. */
				if (strcmp(arg, "-h") == 0) {
					*want_help = 1;
					continue;
				}
				if (strcmp(arg, "-V") == 0) {
					*want_version = 1;
					continue;
				}
				if (arg[1] != 'w')
					return usage_error(c, _("unknown option "
					    "'%s'"), arg);
				name = "workspace";
				len = strlen(name);
				if (arg[2] != '\0')
					value = arg[2] == '=' ? arg + 3 :
					    arg + 2;
				o = &global_opts[0];
			} else {
				name = arg + 2;
				eq = strchr(name, '=');
				len = eq != NULL ? (size_t)(eq - name) :
				    strlen(name);
				if (eq != NULL)
					value = eq + 1;
				o = opt_find(global_opts, name, len);
				if (o == NULL && c != NULL)
					o = opt_find(c->opts, name, len);
				if (o == NULL)
					return unknown_opt(c, name, len);
				name = o->name;
			}
			if (strcmp(name, "help") == 0) {
				*want_help = 1;
				continue;
			}
			if (strcmp(name, "version") == 0) {
				*want_version = 1;
				continue;
			}
			if ((o->flags & OPT_ARG) && value == NULL) {
				if (k + 1 >= argc)
					return usage_error(c, _("--%s needs a "
					    "value (%s)"), name, o->metavar);
				value = argv[++k];
			} else if (!(o->flags & OPT_ARG) && value != NULL)
				return usage_error(c, _("--%s takes no value"),
				    name);
			if (o->flags & OPT_ARG && *value == '\0')
				return usage_error(c, _("--%s needs a "
				    "non-empty value"), name);
			if (take_opt(ctx, c, name, value != NULL ? value :
			    "1") != EXIT_OK)
				return EXIT_USAGE;
			continue;
		}
		if (c == NULL && group == NULL) {
			if (is_group(arg)) {
				group = arg;
				if (k + 1 >= argc || argv[k + 1][0] == '-') {
					if (strcmp(group, "runs") != 0) {
						*group_only = group;
						continue;
					}
					c = cmd_find("runs", "list");
				}
			} else {
				c = cmd_find(NULL, arg);
				if (c == NULL) {
					near = cmd_suggest(NULL, arg);
					if (near != NULL)
						return usage_error(NULL, _("'%s' "
						    "is not a segsync command; "
						    "did you mean '%s'?"), arg,
						    near);
					return usage_error(NULL, _("'%s' is not "
					    "a segsync command"), arg);
				}
			}
			if (c != NULL)
				goto command_found;
			continue;
		}
		if (c == NULL && group != NULL) {
			c = cmd_find(group, arg);
			if (c == NULL && strcmp(group, "runs") == 0 &&
			    strcmp(arg, "list") != 0) {
				/* "runs" alone lists; a word is a command. */
				near = cmd_suggest(group, arg);
				return usage_error(NULL, near != NULL ?
				    _("'runs %s' is not a segsync command; "
				    "did you mean 'runs %s'?") :
				    _("'runs %s' is not a segsync command"),
				    arg, near);
			}
			if (c == NULL) {
				near = cmd_suggest(group, arg);
				if (near != NULL)
					return usage_error(NULL, _("'%s %s' is "
					    "not a segsync command; did you "
					    "mean '%s %s'?"), group, arg,
					    group, near);
				return usage_error(NULL, _("'%s %s' is not a "
				    "segsync command; see 'segsync %s "
				    "--help'"), group, arg, group);
			}
			*group_only = NULL;
command_found:
			ctx->cmd = c;
			for (nopts = 0; c->opts[nopts].name != NULL; nopts++)
				;
			ctx->values = xcalloc(nopts + 1, sizeof *ctx->values);
			ctx->nvalues = xcalloc(nopts + 1,
			    sizeof *ctx->nvalues);
			continue;
		}
		ctx->args[ctx->nargs++] = (char *)arg;
	}
	if (*want_help || *want_version || c == NULL)
		return EXIT_OK;

	if (ctx->nargs < c->min_args)
		return usage_error(c, _("missing %s"), c->args);
	if (ctx->nargs > c->max_args)
		return usage_error(c, _("unexpected argument '%s'"),
		    ctx->args[c->max_args]);
	for (i = 0; c->opts[i].name != NULL; i++)
		if ((c->opts[i].flags & OPT_REQUIRED) && ctx->nvalues[i] == 0)
			return usage_error(c, _("--%s %s is required"),
			    c->opts[i].name, c->opts[i].metavar);
	if (ctx->json && !(c->flags & CMD_JSON))
		return usage_error(c, _("--json is not available for this "
		    "command"));
	return EXIT_OK;
}

enum exit_status
cli_fail_exit(enum fail_kind k)
{
	switch (k) {
	case FAIL_NONE:
		return EXIT_OK;
	case FAIL_DENIED:
		return EXIT_AUTH;
	case FAIL_INVALID:
		return EXIT_CONFIG;
	case FAIL_UNSUPPORTED:
		return EXIT_USAGE;
	case FAIL_ERROR:
	case FAIL_BUSY:
		break;
	}
	return EXIT_FAIL;
}

enum exit_status
cli_sec_exit(enum sec_status st)
{
	return cli_fail_exit(secstatus_kind(st));
}

/* segsync with no command: the terminal UI. */
static enum exit_status
run_ui(struct cli_ctx *ctx, enum exit_status (*ui)(struct cli_ctx *))
{
	const char	*script = getenv("SEGSYNC_UI_SCRIPT");

	/* The headless mode of the tests needs no terminal. */
	if ((script == NULL || *script == '\0') &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		cli_error(_("the terminal UI needs a terminal on standard input "
		    "and output; to script segsync, use its commands (see "
		    "'segsync --help')"));
		return EXIT_USAGE;
	}
	return ui(ctx);
}

enum exit_status
cli_open_workspace(struct cli_ctx *ctx, struct workspace **ws,
    const struct ws_member **me)
{
	char	*dir, *cause = NULL;
	int	 saved;

	dir = workspace_default_dir(ctx->workspace_opt);
	if (workspace_open(dir, ws, &cause) == -1) {
		saved = errno;
		cli_error("%s", cause);
		free(cause);
		free(dir);
		return saved == EACCES ? EXIT_AUTH : EXIT_CONFIG;
	}
	free(dir);
	if (me != NULL && workspace_current_member(*ws, me, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		workspace_free(ws);
		return EXIT_AUTH;
	}
	return EXIT_OK;
}

#ifdef ENABLE_NLS
/*
 * The catalogues: LOCALEDIR, or those of a build tree (a locale/ folder
 * beside the program, which make writes), so that the tests read the
 * uninstalled program in French and Dutch. Whoever can write beside the
 * program can replace the program itself: this trusts nobody new.
 */
static void
bind_catalogues(void)
{
	char		 exe[PATH_MAX], *slash, *dir;
	ssize_t		 n;
	struct stat	 sb;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		dir = xasprintf("%s/locale", exe);
		if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			bindtextdomain(PACKAGE, dir);
			free(dir);
			textdomain(PACKAGE);
			return;
		}
		free(dir);
	}
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
}
#endif

int
cli_main(int argc, char **argv, enum exit_status (*ui)(struct cli_ctx *))
{
	struct cli_ctx	 ctx;
	const char	*group_only = NULL;
	char		*hcause = NULL;
	int		 want_help = 0, want_version = 0;
	enum exit_status rc;

	setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
	bind_catalogues();
#endif
	cJSON_InitHooks(&(cJSON_Hooks){ .malloc_fn = xmalloc,
	    .free_fn = free });
	cli_dest_build();
	if (hygiene_init(&hcause) == -1) {
		cli_error("%s", hcause);
		free(hcause);
		return EXIT_FAIL;
	}

	memset(&ctx, 0, sizeof ctx);
	ctx.argv0 = argv[0];
	rc = parse(argc, argv, &ctx, &want_help, &want_version, &group_only);
	if (rc != EXIT_OK)
		goto out;
	if (want_version) {
		print_version();
		goto out;
	}
	if (want_help) {
		if (ctx.cmd != NULL)
			print_cmd_help(ctx.cmd);
		else if (group_only != NULL)
			print_group_help(group_only);
		else
			print_main_help();
		goto out;
	}
	if (group_only != NULL) {
		rc = usage_error(NULL, _("'segsync %s' needs a command; see "
		    "'segsync %s --help'"), group_only, group_only);
		goto out;
	}
	if (getenv("SEGSYNC_PASSPHRASE") != NULL)
		cli_warn(_("SEGSYNC_PASSPHRASE is ignored: secrets are never "
		    "read from the environment; use --passphrase-file or "
		    "SEGSYNC_PASSPHRASE_FILE"));
	/*
	 * A key source given on the command line wins over both variables,
	 * so that --passphrase-file is not silently ignored because cron's
	 * environment happens to set SEGSYNC_KEY_FILE.
	 */
	if (ctx.passphrase_file == NULL && ctx.key_file == NULL) {
		ctx.passphrase_file = getenv("SEGSYNC_PASSPHRASE_FILE");
		ctx.key_file = getenv("SEGSYNC_KEY_FILE");
		if (ctx.passphrase_file != NULL && *ctx.passphrase_file == '\0')
			ctx.passphrase_file = NULL;
		if (ctx.key_file != NULL && *ctx.key_file == '\0')
			ctx.key_file = NULL;
		if (ctx.passphrase_file != NULL && ctx.key_file != NULL) {
			rc = usage_error(ctx.cmd, _("both SEGSYNC_PASSPHRASE_FILE "
			    "and SEGSYNC_KEY_FILE are set; unset one, or choose "
			    "with --passphrase-file or --key-file"));
			goto out;
		}
	} else if (ctx.passphrase_file != NULL && ctx.key_file != NULL) {
		rc = usage_error(ctx.cmd, _("--passphrase-file and --key-file "
		    "cannot be used together"));
		goto out;
	}
	if (ctx.cmd == NULL) {
		if (ctx.nargs > 0)
			rc = usage_error(NULL, _("'%s' is not a segsync "
			    "command"), ctx.args[0]);
		else
			rc = run_ui(&ctx, ui);
		goto out;
	}
	rc = ctx.cmd->run(&ctx);
out:
	if (fflush(stdout) == EOF && rc == EXIT_OK) {
		cli_error(_("cannot write the output: %s"), strerror(errno));
		rc = EXIT_FAIL;
	}
	ctx_free(&ctx);
	return (int)rc;
}
