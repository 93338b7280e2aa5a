/* Exit statuses of the command line: a contract (shared/docs/cli.md). */
#ifndef SEGSYNC_SRC_CLI_EXITCODE_H
#define SEGSYNC_SRC_CLI_EXITCODE_H

enum exit_status {
	EXIT_OK = 0,		/* success */
	EXIT_FAIL = 1,		/* the operation failed */
	EXIT_USAGE = 2,		/* usage error */
	EXIT_AUTH = 3,		/* authentication or permission */
	EXIT_CONFIG = 4		/* configuration or data error */
};

#endif
