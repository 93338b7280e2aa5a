/*
 * Where a passphrase comes from (design 3.7, 3.8; cli.md): the terminal
 * with echo off, or a passphrase file (--passphrase-file FILE or
 * SEGSYNC_PASSPHRASE_FILE; "-" is standard input). Never from argv or the
 * environment: the caller resolves the option and the variable to a path
 * and passes it here.
 *
 * Every passphrase returned is a secret owned by the caller (secret_free).
 * Functions set *cause on failure (malloc'd; caller frees).
 */
#ifndef SEGSYNC_SRC_SECRETS_PASSPHRASE_H
#define SEGSYNC_SRC_SECRETS_PASSPHRASE_H

#include "secrets/secret.h"
#include "secrets/secstatus.h"

#define PASSPHRASE_MAX	1024	/* bytes, after the newline is stripped */

/*
 * Prompt on the terminal and read one line with echo off. tty is the
 * terminal to use, or -1 for /dev/tty (the command line always passes -1;
 * tests pass a pseudo-terminal). The terminal settings are restored on
 * every path; SIGINT, SIGTERM, SIGHUP and SIGQUIT during the prompt
 * restore them and then take their usual effect.
 * SEC_ENOKEY when there is no terminal, with a message naming
 * --passphrase-file, --key-file, SEGSYNC_PASSPHRASE_FILE and
 * SEGSYNC_KEY_FILE (never waits); SEC_EINVAL at end of input or for a
 * line over PASSPHRASE_MAX.
 */
enum sec_status	passphrase_read_tty(int tty, const char *prompt,
		    struct secret **out, char **cause);

/*
 * Ask for a new passphrase twice on the terminal (tty as above). An empty
 * passphrase or two different answers give SEC_EINVAL.
 */
enum sec_status	passphrase_new_tty(int tty, struct secret **out,
		    char **cause);

/*
 * Read the first line of path ("-": standard input). Exactly one trailing
 * newline ("\n" or "\r\n") is removed and nothing else, so "pass \n" is
 * "pass ". A file (not "-") is opened like a key file
 * (hygiene_open_private): a symlink, another owner or any group/other
 * permission is refused with SEC_EUNSAFE. An empty passphrase is
 * SEC_EINVAL.
 */
enum sec_status	passphrase_read_file(const char *path, struct secret **out,
		    char **cause);

#endif
