/* segsync: export customer segments to Braze, Sendinblue and Snapchat. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "screens/app_main.h"

/* segsync without a command: the terminal UI, on the workspace opened. */
static enum exit_status
ui_main(struct cli_ctx *ctx)
{
	struct app_opts	 o;
	char		*cause = NULL;
	enum fail_kind	 kind = FAIL_ERROR;
	enum exit_status rc;
	int		 status;

	memset(&o, 0, sizeof o);
	rc = cli_open_workspace(ctx, &o.ws, &o.me);
	if (rc != EXIT_OK)
		return rc;
	o.passphrase_file = ctx->passphrase_file;
	o.key_file = ctx->key_file;
	status = app_main(&o, &kind, &cause);
	if (status != -1)
		return (enum exit_status)status;
	if (cause != NULL)
		cli_error("%s", cause);
	free(cause);
	return cli_fail_exit(kind);
}

int
main(int argc, char **argv)
{
	return cli_main(argc, argv, ui_main);
}
