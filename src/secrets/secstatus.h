/*
 * The distinct ways a secrets operation can fail (identity, record,
 * passphrase). Every function returning one also sets *cause to a malloc'd
 * sentence naming the file (caller frees); the kind is for the exit status
 * and for tests, the sentence is for the user.
 */
#ifndef SEGSYNC_SRC_SECRETS_SECSTATUS_H
#define SEGSYNC_SRC_SECRETS_SECSTATUS_H

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
 * The command-line exit status for a kind (shared/docs/cli.md, design 5.7):
 * 3 for authentication and permission, 4 for configuration and data, 1 for
 * system failures.
 */
int	secstatus_exit(enum sec_status);

#endif
