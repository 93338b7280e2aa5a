/*
 * The command line: one table of commands (shared/docs/cli.md) read by the
 * parser, the help printer and the man page test. Each command's handler
 * receives a parsed context and returns an exit status (exitcode.h); core
 * failure kinds become exit statuses here only (cli_fail_exit).
 */
#ifndef SEGSYNC_SRC_CLI_CLI_H
#define SEGSYNC_SRC_CLI_CLI_H

#include <stddef.h>

#include "base/fail.h"
#include "cli/exitcode.h"
#include "secrets/secstatus.h"

struct workspace;
struct ws_member;

/* Option flags. */
#define OPT_ARG		0x1	/* takes a value */
#define OPT_REPEAT	0x2	/* may be given more than once */
#define OPT_REQUIRED	0x4	/* must be given */

struct cli_opt {
	const char	*name;		/* long name without "--" */
	int		 flags;
	const char	*metavar;	/* "FILE" */
	const char	*choices;	/* "a|b|c" or NULL */
	const char	*help;		/* N_() text */
};

/* Command flags. */
#define CMD_JSON	0x1	/* accepts --json */
#define CMD_NO_MEMBER	0x2	/* runs without being a member (init...) */

struct cli_ctx;

struct cli_cmd {
	const char		*group;		/* "connection" or NULL */
	const char		*name;		/* "add", or the command */
	const char		*args;		/* positional synopsis "USER" */
	int			 min_args;
	int			 max_args;
	int			 flags;
	const struct cli_opt	*opts;
	const char		*summary;	/* N_() one line */
	const char		*description;	/* N_() paragraph or NULL */
	enum exit_status	(*run)(struct cli_ctx *);
};

struct cli_ctx {
	const struct cli_cmd	*cmd;
	char			*argv0;
	const char		*workspace_opt;
	const char		*passphrase_file;
	const char		*key_file;
	int			 json;
	char			**args;		/* positionals */
	int			 nargs;
	/* values[i] holds the values given for cmd->opts[i] */
	char			***values;
	size_t			*nvalues;
};

/*
 * The whole program: parse argv, run the command, return the status.
 * Without a command, ui (main.c: the terminal UI) runs instead.
 */
int	cli_main(int, char **, enum exit_status (*ui)(struct cli_ctx *));

/*
 * The exit status for a core failure kind (shared/docs/cli.md): 3 for
 * denied, 4 for invalid, 2 for unsupported, 1 otherwise; and for a
 * secrets failure.
 */
enum exit_status cli_fail_exit(enum fail_kind);
enum exit_status cli_sec_exit(enum sec_status);

/*
 * The command table, ending with a zeroed entry (for tests and help).
 * cli_main() first completes it with cli_dest_build(): the parts that come
 * from the destination drivers (cli_dest.c).
 */
extern struct cli_cmd cli_commands[];
void	cli_dest_build(void);
/* The program in a sentence, naming the destinations; malloc'd. */
char	*cli_dest_about(void);

/* The last value of an option, or NULL. */
const char	*cli_opt(const struct cli_ctx *, const char *name);
/* All values of a repeatable option. */
size_t		 cli_opt_all(const struct cli_ctx *, const char *name,
		    char ***values);
int		 cli_flag(const struct cli_ctx *, const char *name);

/*
 * A string from a workspace file or a destination's answer as it may be
 * printed for a person: s itself when it has no control and is valid
 * UTF-8, else a copy with each control or bad byte as '?' (base/safetext.h)
 * that lives until 16 later calls. Every such string the command line
 * prints goes through it; NULL stays NULL.
 */
const char	*cli_str(const char *s);

/*
 * Print "segsync: <message>" on stderr, with any control in the message
 * (names and causes from files) as '?'.
 */
void	cli_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	cli_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Open the workspace named by the options and find the current member.
 * On failure, prints the reason and returns the exit status to use.
 */
enum exit_status cli_open_workspace(struct cli_ctx *, struct workspace **,
	    const struct ws_member **);

/* Print a cJSON value (consumed) followed by a newline. */
struct cJSON;
void	cli_print_json(struct cJSON *);

/* Command handlers (cmd_*.c). */
enum exit_status cmd_init(struct cli_ctx *);
enum exit_status cmd_member_add(struct cli_ctx *);
enum exit_status cmd_member_list(struct cli_ctx *);
enum exit_status cmd_member_remove(struct cli_ctx *);
enum exit_status cmd_identity_new(struct cli_ctx *);
enum exit_status cmd_segments(struct cli_ctx *);
enum exit_status cmd_key_add_file(struct cli_ctx *);
enum exit_status cmd_key_passphrase(struct cli_ctx *);
enum exit_status cmd_connection_add(struct cli_ctx *);
enum exit_status cmd_connection_list(struct cli_ctx *);
enum exit_status cmd_connection_show(struct cli_ctx *);
enum exit_status cmd_connection_remove(struct cli_ctx *);
enum exit_status cmd_connection_edit(struct cli_ctx *);
enum exit_status cmd_connection_test(struct cli_ctx *);
enum exit_status cmd_connection_authorize(struct cli_ctx *);
enum exit_status cmd_export_add(struct cli_ctx *);
enum exit_status cmd_export_list(struct cli_ctx *);
enum exit_status cmd_export_show(struct cli_ctx *);
enum exit_status cmd_export_remove(struct cli_ctx *);
enum exit_status cmd_export_edit(struct cli_ctx *);
enum exit_status cmd_export_duplicate(struct cli_ctx *);
enum exit_status cmd_export_detach(struct cli_ctx *);
enum exit_status cmd_log(struct cli_ctx *);
enum exit_status cmd_run(struct cli_ctx *);
enum exit_status cmd_refresh(struct cli_ctx *);
enum exit_status cmd_runs_list(struct cli_ctx *);
enum exit_status cmd_runs_show(struct cli_ctx *);
enum exit_status cmd_runs_watch(struct cli_ctx *);
enum exit_status cmd_runs_cancel(struct cli_ctx *);

#endif
