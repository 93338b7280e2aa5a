/*
 * The distinct ways a secrets operation can fail (identity, record,
 * passphrase). Every function returning one also sets *cause to a malloc'd
 * sentence naming the file (caller frees); the kind is for the caller to act
 * on and for tests, the sentence is for the user.
 */
#ifndef SEGSYNC_SRC_SECRETS_SECSTATUS_H
#define SEGSYNC_SRC_SECRETS_SECSTATUS_H

#include "base/fail.h"

enum sec_status {
	SEC_OK = 0,
	SEC_EFAIL,		/* system failure: write error, no memory */
	SEC_EINVAL,		/* bad argument: empty passphrase, bad name */
	SEC_EFORMAT,		/* unreadable, malformed or unsupported file */
	SEC_EINTEGRITY,		/* altered, damaged, or from another slot */
	SEC_EUNSAFE,		/* key file mode, owner or symlink refused */
	SEC_EPASSPHRASE,	/* wrong passphrase (or damaged identity) */
	SEC_EDENIED,		/* not a recipient of this record */
	SEC_ENOKEY		/* no terminal and no passphrase or key file */
};

/*
 * The failure kind of a secrets failure: denied for authentication and
 * permission, invalid for configuration and data, error for system
 * failures (the command line's 3, 4 and 1: shared/docs/cli.md).
 */
enum fail_kind	secstatus_kind(enum sec_status);

#endif
