/*
 * The terminal UI's entry: segsync without a command. The front end that
 * starts it (src/cli/main.c) opens the workspace and finds the member, so
 * that both front ends say the same when that fails.
 */
#ifndef SEGSYNC_SCREENS_APP_MAIN_H
#define SEGSYNC_SCREENS_APP_MAIN_H

#include "base/fail.h"

struct workspace;
struct ws_member;

struct app_opts {
	struct workspace	*ws;		/* open; taken over */
	const struct ws_member	*me;		/* the current member */
	const char		*passphrase_file; /* or NULL */
	const char		*key_file;	/* or NULL */
};

/*
 * Run the UI until it quits: the status it quits with (0, or 128 and a
 * signal), or -1 with *kind and *cause (malloc'd, may be NULL when the
 * reason was shown already) when it could not start.
 */
int	app_main(struct app_opts *, enum fail_kind *kind, char **cause);

#endif
