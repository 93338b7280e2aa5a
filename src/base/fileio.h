/*
 * Files that are never half-written: every write goes to a temporary file in
 * the same directory, is fsync'd, renamed over the target, and the directory
 * is fsync'd (shared/docs/secrets-design.md 3.9).
 *
 * Errors: functions return 0 on success and -1 on failure with *cause set
 * to a malloc'd sentence naming the file (caller frees).
 */
#ifndef SEGSYNC_SRC_BASE_FILEIO_H
#define SEGSYNC_SRC_BASE_FILEIO_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>

/* Largest file read_file() accepts unless told otherwise. */
#define FILEIO_DEFAULT_CAP	(16u * 1024 * 1024)

/*
 * Replace path with buf atomically. mode is applied with fchmod whatever
 * the umask; gid is applied with fchown unless it is (gid_t)-1. On any
 * failure the old file is intact and no temporary file remains.
 */
int	fileio_write_atomic(const char *path, const void *buf, size_t len,
	    mode_t mode, gid_t gid, char **cause);

/*
 * Read a whole regular file (at most cap bytes) into a NUL-terminated
 * buffer. Symlinks are refused when nofollow is set. *out is malloc'd.
 * errno is kept for the caller (ENOENT for a missing file).
 */
int	fileio_read(const char *path, size_t cap, int nofollow, char **out,
	    size_t *outlen, char **cause);

/*
 * Trees whose files are opened carefully (open workspaces, registered
 * under a key): below root, fileio_open(), fileio_read() with nofollow and
 * fileio_write_atomic() open every directory from its parent's descriptor
 * with O_NOFOLLOW, so no symbolic link inside the tree is ever followed,
 * and fileio_read() refuses a file whose owner is not trusted: trusted are
 * the user, root and, when shared, the uids given. Setting a key again
 * replaces its tree. Thread-safe.
 */
void	fileio_set_tree(const void *key, const char *root, int shared,
	    const uid_t *uids, size_t nuids);
void	fileio_clear_tree(const void *key);

/*
 * open(2) that never follows a symbolic link as the last component, nor,
 * inside a tree, as any directory below its root (errno ELOOP then).
 * O_CLOEXEC is added. A descriptor or -1 with errno.
 */
int	fileio_open(const char *path, int flags, mode_t mode);

/* May a file at path owned by uid be used? 0, or -1 with *cause. */
int	fileio_check_owner(const char *path, uid_t uid, char **cause);

/*
 * fileio_read() with nofollow, leaving the owner check to the caller:
 * *owner is set (for a file that says who is trusted, workspace.json).
 */
int	fileio_read_owner(const char *path, size_t cap, char **out,
	    size_t *outlen, uid_t *owner, char **cause);

/* Create a directory with exactly this mode (whatever the umask). */
int	fileio_mkdir(const char *path, mode_t mode, gid_t gid, char **cause);

/* fsync a directory so that a rename or create in it is durable. */
int	fileio_sync_dir(const char *dir, char **cause);

/*
 * Whether the file system holding dir has less than need bytes left for
 * this user (root may use the blocks kept for it): 1, 0, or -1 when it
 * cannot be told.
 */
int	fileio_space_below(const char *dir, unsigned long long need);

/*
 * Keep size bytes of the disk in a file at path (created with mode and
 * gid), so that what must be written last can still be written when the
 * disk fills: unlinking it gives them back. 0, or -1 with *cause.
 */
int	fileio_reserve(const char *path, off_t size, mode_t mode, gid_t gid,
	    char **cause);

/* Test hook: fault names understood by fileio_write_atomic (tests only). */
#define FILEIO_FAULT_ENV	"SEGSYNC_TEST_FAULT"

#endif
