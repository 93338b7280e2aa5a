/*
 * The workspace: a directory holding the configuration, the encrypted
 * secrets, the run history and (by default) the data.
 *
 *	workspace.json		version, id, settings, members and roles
 *	identities/		members' passphrase-protected keys
 *	connections/		<id>.json and <id>.secrets
 *	exports/		<id>.json
 *	runs/			<run-id>/ (summary, journal, progress, rejects)
 *	data/			default segments folder (CSV files)
 *	.lock			flock(2) target serialising every change;
 *				its holder writes who it is and since when
 *
 * Directories are 0700 and files 0600 whatever the umask, or 2770/0660 with
 * the workspace's group when it is shared (init --group).
 *
 * Changing workspace.json always goes through workspace_lock() (exclusive
 * flock, then a fresh read of the file), a change to the in-memory
 * document, workspace_save() (atomic replace) and workspace_unlock(), so two
 * segsync processes never lose each other's changes. The lock is waited for
 * 10 seconds at most; then the refusal names the process holding it, its
 * user and since when.
 *
 * While a workspace is open no symbolic link inside it is followed, and a
 * file owned by anyone but the user, root or (when shared) a member is
 * refused (base/fileio.h, fileio_set_tree).
 *
 * Errors: 0 / -1 with *cause set to a malloc'd sentence (caller frees).
 */
#ifndef SEGSYNC_SRC_STORE_WORKSPACE_H
#define SEGSYNC_SRC_STORE_WORKSPACE_H

#include <sys/types.h>
#include <stddef.h>

#define WORKSPACE_VERSION	1
#define WORKSPACE_FILE		"workspace.json"
#define WORKSPACE_ID_HEX	32	/* 16 random bytes */
#define WORKSPACE_RETENTION	100	/* runs kept per export by default */

enum ws_role {
	WS_ROLE_ADMIN,
	WS_ROLE_CONTRIBUTOR
};

struct ws_member {
	char		*user;		/* Unix user name */
	unsigned long	 uid;
	enum ws_role	 role;
	char		*added_by;
	char		*added_at;	/* RFC 3339 */
	char		*box_pk;	/* X25519 public key, base64, or NULL */
};

/* A service identity (key file for unattended runs): "service:<name>". */
struct ws_service {
	char		*id;
	char		*box_pk;
	char		*added_by;
	char		*added_at;
};

struct workspace;

struct ws_init_opts {
	const char	*data_dir;	/* NULL: data/ inside the workspace */
	const char	*group;		/* NULL: private (0700/0600) */
	const char	*admin_user;	/* first administrator */
	unsigned long	 admin_uid;
	const char	*admin_box_pk;	/* their public key (base64) */
};

/* The workspace directory chosen by -w, SEGSYNC_WORKSPACE, XDG or HOME. */
char	*workspace_default_dir(const char *option);

/* Create a new workspace; refuses a directory that already holds one. */
int	workspace_init(const char *dir, const struct ws_init_opts *,
	    struct workspace **, char **cause);

/* Open an existing workspace (read-only until workspace_lock()). */
int	workspace_open(const char *dir, struct workspace **, char **cause);
void	workspace_free(struct workspace **);

/* Take the exclusive lock and re-read workspace.json under it. */
int	workspace_lock(struct workspace *, char **cause);
/* Write workspace.json atomically; the lock must be held. */
int	workspace_save(struct workspace *, char **cause);
void	workspace_unlock(struct workspace *);

/* Accessors; returned strings belong to the workspace. */
const char	*workspace_dir(const struct workspace *);
const char	*workspace_id(const struct workspace *);
const char	*workspace_file(const struct workspace *);
const char	*workspace_group(const struct workspace *);
gid_t		 workspace_gid(const struct workspace *);
mode_t		 workspace_file_mode(const struct workspace *);
mode_t		 workspace_dir_mode(const struct workspace *);
unsigned	 workspace_runs_retention(const struct workspace *);
/* The segments folder, absolute, malloc'd. */
char		*workspace_data_dir(const struct workspace *);
struct segment_list;
/*
 * The segments folder's listing (segments.h), through the workspace's
 * count cache, written with the workspace's mode and group. 0, or -1 with
 * *cause when the folder cannot be read.
 */
int		 workspace_segments(const struct workspace *,
		     struct segment_list **, char **cause);
/* A path inside the workspace, malloc'd. */
char		*workspace_path(const struct workspace *, const char *rel);

/*
 * Call fn for every "*.json" file of a folder of the workspace (rel, e.g.
 * "connections"), with its path and its text (NUL-terminated, at most cap
 * bytes; both borrowed for the call). Stops at the first failure of
 * reading or of fn, which sets *cause. Hidden files are skipped. 0 or -1.
 */
typedef int workspace_json_fn(const char *path, const char *text, void *arg,
	    char **cause);
int	workspace_each_json(const struct workspace *, const char *rel,
	    size_t cap, workspace_json_fn *fn, void *arg, char **cause);

size_t			 workspace_member_count(const struct workspace *);
const struct ws_member	*workspace_member_at(const struct workspace *, size_t);
const struct ws_member	*workspace_member_find(const struct workspace *,
			    const char *user);
size_t			 workspace_admin_count(const struct workspace *);

/* Add or remove a member (lock held). box_pk may be NULL. */
int	workspace_member_add(struct workspace *, const char *user,
	    unsigned long uid, enum ws_role, const char *box_pk,
	    const char *added_by, char **cause);
int	workspace_member_remove(struct workspace *, const char *user,
	    char **cause);

size_t			 workspace_service_count(const struct workspace *);
const struct ws_service	*workspace_service_at(const struct workspace *,
			    size_t);
const struct ws_service	*workspace_service_find(const struct workspace *,
			    const char *id);
/* Register a service identity's public key (lock held). */
int	workspace_service_add(struct workspace *, const char *id,
	    const char *box_pk, const char *added_by, char **cause);

/*
 * The member running this process, from the effective uid. A non-member
 * gets a message saying how an administrator adds them.
 */
int	workspace_current_member(const struct workspace *,
	    const struct ws_member **, char **cause);

const char	*workspace_role_name(enum ws_role);	/* "admin" */
const char	*workspace_role_label(enum ws_role);	/* translated */
int		 workspace_role_parse(const char *, enum ws_role *);

#endif
