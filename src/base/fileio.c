/* Atomic replacement and bounded reads of small files. */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"

/*
 * The trees (open workspaces) whose files are opened component by
 * component without following symbolic links, and whose files' owners are
 * checked. A list under a mutex: the UI opens the same workspace again
 * for a job that runs in another thread.
 */
struct fileio_tree {
	const void		*key;
	char			*root;
	uid_t			*uids;
	size_t			 nuids;
	int			 shared;
	struct fileio_tree	*next;
};
static struct fileio_tree	*fileio_trees;
static pthread_mutex_t		 fileio_trees_mutex = PTHREAD_MUTEX_INITIALIZER;

void
fileio_clear_tree(const void *key)
{
	struct fileio_tree	**pt, *t;

	pthread_mutex_lock(&fileio_trees_mutex);
	for (pt = &fileio_trees; *pt != NULL; pt = &(*pt)->next) {
		if ((*pt)->key == key) {
			t = *pt;
			*pt = t->next;
			free(t->root);
			free(t->uids);
			free(t);
			break;
		}
	}
	pthread_mutex_unlock(&fileio_trees_mutex);
}

void
fileio_set_tree(const void *key, const char *root, int shared,
    const uid_t *uids, size_t nuids)
{
	struct fileio_tree	*t;
	size_t			 len;

	fileio_clear_tree(key);
	t = xcalloc(1, sizeof *t);
	t->key = key;
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	t->root = xasprintf("%.*s", (int)len, root);
	t->shared = shared;
	t->nuids = nuids;
	t->uids = xcalloc(nuids == 0 ? 1 : nuids, sizeof *t->uids);
	if (nuids > 0)
		memcpy(t->uids, uids, nuids * sizeof *uids);
	pthread_mutex_lock(&fileio_trees_mutex);
	t->next = fileio_trees;
	fileio_trees = t;
	pthread_mutex_unlock(&fileio_trees_mutex);
}

/* The tree holding path (mutex held), with *rel the part below its root. */
static struct fileio_tree *
fileio_find_tree(const char *path, const char **rel)
{
	struct fileio_tree	*t;
	const char		*p;
	size_t			 len;

	for (t = fileio_trees; t != NULL; t = t->next) {
		len = strlen(t->root);
		if (strncmp(path, t->root, len) != 0 || path[len] != '/')
			continue;
		for (p = path + len; *p == '/'; p++)
			;
		if (*p == '\0')
			continue;
		if (rel != NULL)
			*rel = p;
		return t;
	}
	return NULL;
}

/* A copy of the root of the tree holding path, or NULL when outside. */
static char *
fileio_in_tree(const char *path, const char **rel)
{
	struct fileio_tree	*t;
	char			*root;

	pthread_mutex_lock(&fileio_trees_mutex);
	t = fileio_find_tree(path, rel);
	root = t == NULL ? NULL : xstrdup(t->root);
	pthread_mutex_unlock(&fileio_trees_mutex);
	return root;
}

int
fileio_check_owner(const char *path, uid_t uid, char **cause)
{
	struct fileio_tree	*t;
	char			*name;
	size_t			 i;
	int			 trusted = 1, shared = 0;

	/* Root can write anything anyway; trusting its files costs nothing. */
	if (uid == geteuid() || uid == 0)
		return 0;
	pthread_mutex_lock(&fileio_trees_mutex);
	t = fileio_find_tree(path, NULL);
	if (t != NULL) {
		shared = t->shared;
		trusted = 0;
		for (i = 0; shared && i < t->nuids; i++)
			if (t->uids[i] == uid)
				trusted = 1;
	}
	pthread_mutex_unlock(&fileio_trees_mutex);
	if (trusted)
		return 0;
	name = util_user_name((unsigned long)uid);
	if (!shared)
		*cause = xasprintf(_("%s belongs to Unix user %s (uid %lu), "
		    "not to you, in a private workspace; refusing to use it "
		    "(check the file, then remove it or restore it from a "
		    "backup)"), path, name == NULL ? "?" : name,
		    (unsigned long)uid);
	else
		*cause = xasprintf(_("%s belongs to Unix user %s (uid %lu), "
		    "who is not a member of this workspace; refusing to use "
		    "it (an administrator can check the file, then remove it "
		    "or restore it from a backup)"), path,
		    name == NULL ? "?" : name, (unsigned long)uid);
	free(name);
	return -1;
}

/*
 * Open the directory holding path; *base is set to its last component.
 * Inside the tree every directory below the root is opened with
 * O_NOFOLLOW from its parent's descriptor, so a symbolic link planted
 * anywhere in the workspace is never followed. -1 with errno on failure.
 */
static int
fileio_open_parent(const char *path, const char **base)
{
	struct stat	 st;
	const char	*rel, *p, *slash;
	char		*name, *root;
	int		 fd, next, saved;

	root = fileio_in_tree(path, &rel);
	if (root == NULL) {
		slash = strrchr(path, '/');
		if (slash == NULL) {
			*base = path;
			return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		*base = slash + 1;
		name = slash == path ? xstrdup("/") :
		    xasprintf("%.*s", (int)(slash - path), path);
		fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		saved = errno;
		free(name);
		errno = saved;
		return fd;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	saved = errno;
	free(root);
	errno = saved;
	for (p = rel; fd != -1 && (slash = strchr(p, '/')) != NULL;
	    p = slash + 1) {
		if (slash == p)
			continue;
		name = xasprintf("%.*s", (int)(slash - p), p);
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		saved = errno;
		/* Linux says ENOTDIR for a link here; call it what it is. */
		if (next == -1 && saved == ENOTDIR &&
		    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			saved = ELOOP;
		free(name);
		close(fd);
		errno = saved;
		fd = next;
	}
	*base = p;
	return fd;
}

int
fileio_open(const char *path, int flags, mode_t mode)
{
	const char	*base;
	int		 dfd, fd, saved;

	dfd = fileio_open_parent(path, &base);
	if (dfd == -1)
		return -1;
	fd = openat(dfd, base, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	saved = errno;
	close(dfd);
	errno = saved;
	return fd;
}

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

int
fileio_space_below(const char *dir, unsigned long long need)
{
	struct statvfs	sv;
	unsigned long long left;

	if (statvfs(dir, &sv) != 0)
		return -1;
	left = (unsigned long long)(geteuid() == 0 ? sv.f_bfree :
	    sv.f_bavail) * sv.f_frsize;
	return left < need;
}

int
fileio_reserve(const char *path, off_t size, mode_t mode, gid_t gid,
    char **cause)
{
	int	fd, rc;

	fd = fileio_open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1) {
		*cause = xasprintf(_("cannot create %s: %s"), path,
		    strerror(errno));
		return -1;
	}
	if (gid != (gid_t)-1)
		(void)fchown(fd, (uid_t)-1, gid);
	(void)fchmod(fd, mode);
	/* Blocks allocated, not a hole that takes nothing. */
	if ((rc = posix_fallocate(fd, 0, size)) != 0) {
		*cause = xasprintf(_("cannot keep %lld bytes in %s: %s"),
		    (long long)size, path, strerror(rc));
		close(fd);
		(void)unlink(path);
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
	char		*dir, *tmp = NULL, *tmpname = NULL;
	unsigned char	 rnd[6];
	char		 hex[sizeof rnd * 2 + 1];
	const char	*base;
	int		 dfd, fd = -1, saved;
	void		(*oldxfsz)(int);

	dir = fileio_dirname(path);
	/*
	 * Everything happens relative to the directory's descriptor, opened
	 * without following links inside the workspace, so that a directory
	 * swapped for a symbolic link cannot send the file elsewhere.
	 */
	dfd = fileio_open_parent(path, &base);
	if (dfd == -1) {
		saved = errno;
		if (saved == ENOTDIR || saved == ELOOP)
			*cause = xasprintf(_("cannot write %s: a folder on its "
			    "way is a symbolic link or not a folder; refusing "
			    "to follow it"), path);
		else
			*cause = xasprintf(_("cannot open directory %s: %s"),
			    dir, strerror(saved));
		free(dir);
		errno = saved;
		return -1;
	}
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	tmpname = xasprintf(".%s.%s.tmp", base, hex);
	tmp = xasprintf("%s/%s", dir, tmpname);

	/* A file-size limit must give EFBIG, not kill us mid-write. */
	oldxfsz = signal(SIGXFSZ, SIG_IGN);

	fd = openat(dfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
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
	if (renameat(dfd, tmpname, dfd, base) == -1) {
		*cause = xasprintf(_("cannot replace %s: %s"), path,
		    strerror(errno));
		goto fail;
	}
	fileio_fault("after-rename");
	signal(SIGXFSZ, oldxfsz);
	free(tmp);
	free(tmpname);
	if (fsync(dfd) == -1 && errno != EINVAL) {
		*cause = xasprintf(_("cannot sync directory %s: %s"), dir,
		    strerror(errno));
		close(dfd);
		free(dir);
		return -1;
	}
	close(dfd);
	free(dir);
	return 0;

write_fail:
	*cause = xasprintf(_("cannot write %s: %s (the previous version is "
	    "unchanged)"), path, strerror(errno));
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(dfd, tmpname, 0);
	close(dfd);
	signal(SIGXFSZ, oldxfsz);
	free(tmp);
	free(tmpname);
	free(dir);
	errno = saved;
	return -1;
}

static int	fileio_read_impl(const char *, size_t, int, int, char **,
		    size_t *, uid_t *, char **);

int
fileio_read(const char *path, size_t cap, int nofollow, char **out,
    size_t *outlen, char **cause)
{
	return fileio_read_impl(path, cap, nofollow, 1, out, outlen, NULL,
	    cause);
}

int
fileio_read_owner(const char *path, size_t cap, char **out, size_t *outlen,
    uid_t *owner, char **cause)
{
	return fileio_read_impl(path, cap, 1, 0, out, outlen, owner, cause);
}

/* fileio_read(), checking the owner or returning it. */
static int
fileio_read_impl(const char *path, size_t cap, int nofollow, int check,
    char **out, size_t *outlen, uid_t *owner, char **cause)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, size;
	ssize_t		 n;
	int		 fd, saved;

	*out = NULL;
	/* O_NONBLOCK: a FIFO must be refused, not waited on in open(). */
	if (nofollow)
		fd = fileio_open(path, O_RDONLY | O_NONBLOCK, 0);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
	if (owner != NULL)
		*owner = st.st_uid;
	if (nofollow && check && fileio_check_owner(path, st.st_uid,
	    cause) == -1) {
		close(fd);
		errno = EPERM;
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
