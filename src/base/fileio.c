/* Atomic replacement and bounded reads of small files. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"

/*
 * Test-only crash points: SEGSYNC_TEST_FAULT=<step> makes the process kill
 * itself at that step, as a power cut or kill -9 would. It only ever makes
 * a write fail, never succeed, so it opens no back door.
 */
static void
fileio_fault(const char *step)
{
	const char	*want;

	want = getenv(FILEIO_FAULT_ENV);
	if (want != NULL && strcmp(want, step) == 0)
		raise(SIGKILL);
}

/* The directory part of path, malloc'd. */
static char *
fileio_dirname(const char *path)
{
	char	*copy, *dir;

	copy = xstrdup(path);
	dir = xstrdup(dirname(copy));
	free(copy);
	return dir;
}

int
fileio_sync_dir(const char *dir, char **cause)
{
	int	fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		*cause = xasprintf(_("cannot open directory %s: %s"), dir,
		    strerror(errno));
		return -1;
	}
	if (fsync(fd) == -1 && errno != EINVAL) {
		*cause = xasprintf(_("cannot sync directory %s: %s"), dir,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Write all of buf, retrying short writes and interruptions. */
static int
fileio_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	ssize_t			 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fileio_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode, gid_t gid, char **cause)
{
	char		*dir, *tmp = NULL;
	unsigned char	 rnd[6];
	char		 hex[sizeof rnd * 2 + 1];
	const char	*base;
	int		 fd = -1, saved;
	void		(*oldxfsz)(int);

	dir = fileio_dirname(path);
	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	tmp = xasprintf("%s/.%s.%s.tmp", dir, base, hex);

	/* A file-size limit must give EFBIG, not kill us mid-write. */
	oldxfsz = signal(SIGXFSZ, SIG_IGN);

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		*cause = xasprintf(_("cannot create a temporary file in %s: "
		    "%s"), dir, strerror(errno));
		goto fail;
	}
	fileio_fault("after-create");
	if (fchmod(fd, mode) == -1) {
		*cause = xasprintf(_("cannot set the mode of %s: %s"), tmp,
		    strerror(errno));
		goto fail;
	}
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) == -1) {
		*cause = xasprintf(_("cannot set the group of %s: %s"), tmp,
		    strerror(errno));
		goto fail;
	}
	if (len > 1 && getenv(FILEIO_FAULT_ENV) != NULL) {
		/* Half the bytes, then the crash point, then the rest. */
		if (fileio_write_all(fd, buf, len / 2) == -1)
			goto write_fail;
		fileio_fault("mid-write");
		if (fileio_write_all(fd, (const char *)buf + len / 2,
		    len - len / 2) == -1)
			goto write_fail;
	} else if (fileio_write_all(fd, buf, len) == -1)
		goto write_fail;
	if (fsync(fd) == -1)
		goto write_fail;
	fileio_fault("after-fsync");
	if (close(fd) == -1) {
		fd = -1;
		goto write_fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		*cause = xasprintf(_("cannot replace %s: %s"), path,
		    strerror(errno));
		goto fail;
	}
	fileio_fault("after-rename");
	signal(SIGXFSZ, oldxfsz);
	free(tmp);
	if (fileio_sync_dir(dir, cause) == -1) {
		free(dir);
		return -1;
	}
	free(dir);
	return 0;

write_fail:
	*cause = xasprintf(_("cannot write %s: %s (the previous version is "
	    "unchanged)"), path, strerror(errno));
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	signal(SIGXFSZ, oldxfsz);
	free(tmp);
	free(dir);
	errno = saved;
	return -1;
}

int
fileio_read(const char *path, size_t cap, int nofollow, char **out,
    size_t *outlen, char **cause)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, size;
	ssize_t		 n;
	int		 fd, saved;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd == -1) {
		saved = errno;
		if (saved == ELOOP)
			*cause = xasprintf(_("%s is a symbolic link; refusing "
			    "to follow it"), path);
		else
			*cause = xasprintf(_("cannot read %s: %s"), path,
			    strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf(_("%s is not a regular file"), path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((unsigned long long)st.st_size > cap) {
		*cause = xasprintf(_("%s is too large (%lld bytes; at most %zu "
		    "are read)"), path, (long long)st.st_size, cap);
		close(fd);
		errno = EFBIG;
		return -1;
	}
	size = (size_t)st.st_size + 1;
	buf = xmalloc(size);
	for (;;) {
		if (len + 1 >= size) {
			if (size > cap) {
				*cause = xasprintf(_("%s is too large (at "
				    "most %zu bytes are read)"), path, cap);
				goto fail;
			}
			size *= 2;
			buf = xrealloc(buf, size);
		}
		n = read(fd, buf + len, size - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf(_("cannot read %s: %s"), path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	if (outlen != NULL)
		*outlen = len;
	return 0;

fail:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return -1;
}

int
fileio_mkdir(const char *path, mode_t mode, gid_t gid, char **cause)
{
	struct stat	st;
	int		fd;

	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		*cause = xasprintf(_("cannot create directory %s: %s"), path,
		    strerror(errno));
		return -1;
	}
	/*
	 * Change the directory through its own descriptor: in a shared
	 * parent, a path checked with lstat could be swapped for a symbolic
	 * link before chmod and chown follow it.
	 */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode)) {
		*cause = xasprintf(_("%s exists and is not a directory"),
		    path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) == -1) {
		*cause = xasprintf(_("cannot set the group of %s: %s"), path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (fchmod(fd, mode) == -1) {
		*cause = xasprintf(_("cannot set the mode of %s: %s"), path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
