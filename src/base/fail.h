/*
 * The kinds of failure a core operation reports where its callers must
 * tell cases apart, beside the malloc'd sentence in *cause that says
 * what happened. The front ends decide what a kind means to them: only
 * the command line turns kinds into exit statuses (src/cli/cli.h).
 */
#ifndef SEGSYNC_SRC_BASE_FAIL_H
#define SEGSYNC_SRC_BASE_FAIL_H

enum fail_kind {
	FAIL_NONE = 0,		/* success */
	FAIL_ERROR,		/* system failure: I/O, memory, a lock */
	FAIL_DENIED,		/* authentication or permission refused */
	FAIL_INVALID,		/* not found, name taken, settings, data */
	FAIL_BUSY,		/* already running: nothing was started */
	FAIL_UNSUPPORTED	/* not possible here (no terminal) */
};

#endif
