/* Process hygiene and careful opening of key files. */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "secrets/hygiene.h"

int
hygiene_init(char **cause)
{
	struct rlimit	rl = { 0, 0 };

	/* 1 means already initialised, which is fine. */
	if (sodium_init() < 0) {
		*cause = xstrdup(_("the cryptography library (libsodium) "
		    "could not be initialised"));
		return -1;
	}
	umask(077);
	if (setrlimit(RLIMIT_CORE, &rl) == -1) {
		*cause = xasprintf(_("cannot disable core dumps: %s"),
		    strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		*cause = xasprintf(_("cannot make the process non-dumpable: "
		    "%s"), strerror(errno));
		return -1;
	}
	return 0;
}

enum sec_status
hygiene_open_private(const char *path, int *fd, char **cause)
{
	struct stat	st;
	int		f, saved;

	*fd = -1;
	/*
	 * O_NONBLOCK: a FIFO put in place of the file must not keep us
	 * waiting in open() for a writer; it is refused below instead.
	 */
	f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK);
	if (f == -1) {
		saved = errno;
		if (saved == ELOOP) {
			*cause = xasprintf(_("%s is a symbolic link; refusing "
			    "to use it as a key or passphrase file"), path);
			return SEC_EUNSAFE;
		}
		*cause = xasprintf(_("cannot open %s: %s"), path,
		    strerror(saved));
		return SEC_EFORMAT;
	}
	/* Checked on the open descriptor, so the file cannot be swapped. */
	if (fstat(f, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf(_("%s is not a regular file (it may be a "
		    "FIFO, a device or a directory); a key or passphrase file "
		    "must be a plain file"), path);
		close(f);
		return SEC_EFORMAT;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		*cause = xasprintf(_("'%s' is owned by another user (uid %lu); "
		    "a key or passphrase file must be owned by you"), path,
		    (unsigned long)st.st_uid);
		close(f);
		return SEC_EUNSAFE;
	}
	if ((st.st_mode & 077) != 0) {
		*cause = xasprintf(_("permissions %04o for '%s' are too open; "
		    "it must not be accessible by others (chmod 600 %s)"),
		    (unsigned int)(st.st_mode & 07777), path, path);
		close(f);
		return SEC_EUNSAFE;
	}
	/* Reads of a regular file never block; keep them plain anyway. */
	(void)fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK);
	*fd = f;
	return SEC_OK;
}
