/* The workspace store: layout, modes, validation, atomic writes, locking. */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "store/workspace.h"
#include "tap.h"

static char *
slurp(const char *path)
{
	char	*text = NULL, *cause = NULL;

	if (fileio_read(path, 1 << 20, 0, &text, NULL, &cause) == -1) {
		diag("%s", cause);
		free(cause);
		return xstrdup("");
	}
	return text;
}

static void
spew(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

/* Count files in dir whose name ends with ".tmp". */
static int
count_temps(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 len;
	int		 n = 0;

	d = opendir(dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static struct workspace *
make_ws(const char *dir, const char *group)
{
	struct ws_init_opts	 o;
	struct workspace	*ws = NULL;
	char			*cause = NULL;

	memset(&o, 0, sizeof o);
	o.admin_user = "alice";
	o.admin_uid = (unsigned long)geteuid();
	o.group = group;
	if (workspace_init(dir, &o, &ws, &cause) == -1) {
		diag("init %s: %s", dir, cause);
		free(cause);
	}
	return ws;
}

static void
test_layout_and_modes(const char *base)
{
	struct workspace	*ws;
	struct group		*gr;
	char			*dir, *p;
	const char		*subs[] = { "identities", "connections",
				    "exports", "runs", "data" };
	size_t			 i;
	mode_t			 old;

	old = umask(0);
	dir = util_path(base, "private/nested/ws");
	ws = make_ws(dir, NULL);
	ok(ws != NULL, "init creates a workspace (and its parents)");
	is_int(mode_of(dir), 0700, "workspace directory is 0700 under umask 0");
	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		p = util_path(dir, subs[i]);
		is_int(mode_of(p), 0700, "%s/ is 0700 under umask 0", subs[i]);
		free(p);
	}
	p = util_path(dir, WORKSPACE_FILE);
	is_int(mode_of(p), 0600, "workspace.json is 0600 under umask 0");
	free(p);
	p = util_path(dir, ".lock");
	is_int(mode_of(p), 0600, "the lock file is 0600 under umask 0");
	free(p);
	ok(ws != NULL && strlen(workspace_id(ws)) == WORKSPACE_ID_HEX,
	    "the workspace has a 32-hex-digit id");
	is_int(workspace_runs_retention(ws), 100, "retention defaults to 100");
	is_int(workspace_member_count(ws), 1, "one member after init");
	ok(workspace_member_find(ws, "alice") != NULL &&
	    workspace_member_find(ws, "alice")->role == WS_ROLE_ADMIN,
	    "the user who ran init is an administrator");
	workspace_free(&ws);
	free(dir);

	/* Shared with a group: the caller's own group is always allowed. */
	gr = getgrgid(getegid());
	dir = util_path(base, "shared");
	ws = make_ws(dir, gr != NULL ? gr->gr_name : "root");
	ok(ws != NULL, "init --group creates a shared workspace");
	is_int(mode_of(dir), 02770, "shared workspace directory is 2770");
	p = util_path(dir, "connections");
	is_int(mode_of(p), 02770, "shared connections/ is 2770");
	free(p);
	p = util_path(dir, WORKSPACE_FILE);
	is_int(mode_of(p), 0660, "shared workspace.json is 0660");
	free(p);
	workspace_free(&ws);
	free(dir);
	umask(old);
}

static void
test_two_workspaces_differ(const char *base)
{
	struct workspace	*a, *b;
	char			*da, *db;

	da = util_path(base, "id-a");
	db = util_path(base, "id-b");
	a = make_ws(da, NULL);
	b = make_ws(db, NULL);
	ok(a != NULL && b != NULL && strcmp(workspace_id(a),
	    workspace_id(b)) != 0, "two workspaces get different ids");
	workspace_free(&a);
	workspace_free(&b);
	free(da);
	free(db);
}

static void
test_init_refuses_existing(const char *base)
{
	struct ws_init_opts	 o;
	struct workspace	*ws, *again = NULL;
	char			*dir, *file, *before, *after, *cause = NULL;

	dir = util_path(base, "twice");
	ws = make_ws(dir, NULL);
	file = util_path(dir, WORKSPACE_FILE);
	before = slurp(file);
	memset(&o, 0, sizeof o);
	o.admin_user = "mallory";
	o.admin_uid = 4242;
	ok(workspace_init(dir, &o, &again, &cause) == -1,
	    "init refuses a directory that holds a workspace");
	like(cause, "already holds a segsync workspace",
	    "and says so in words");
	after = slurp(file);
	is_str(after, before, "the existing workspace.json is unchanged");
	free(cause);
	free(before);
	free(after);
	free(file);
	free(dir);
	workspace_free(&ws);
}

/* Open must fail with a message naming the file; nothing is rewritten. */
static void
expect_bad(const char *base, const char *name, const char *content,
    const char *want)
{
	struct workspace	*ws = NULL;
	char			*dir, *file, *cause = NULL, *after;

	dir = util_path(base, name);
	ws = make_ws(dir, NULL);
	workspace_free(&ws);
	file = util_path(dir, WORKSPACE_FILE);
	spew(file, content);
	ok(workspace_open(dir, &ws, &cause) == -1, "%s: open fails", name);
	like(cause, file, "%s: the message names the file", name);
	like(cause, want, "%s: the message says \"%s\"", name, want);
	free(cause);
	cause = NULL;
	after = slurp(file);
	is_str(after, content, "%s: the file is left as it was", name);
	free(after);
	free(file);
	free(dir);
}

static void
test_bad_files(const char *base)
{
	const char	*id = "\"id\": \"00112233445566778899aabbccddeeff\"";
	char		*s;

	expect_bad(base, "corrupt", "{\n  \"version\": 1,\n  \"id\": \n}\n",
	    "not valid JSON at line 4, column 1");
	expect_bad(base, "truncated", "{\"version\": 1, \"id\": \"00", 
	    "not valid JSON");
	expect_bad(base, "array", "[1, 2]\n", "must hold a JSON object");
	expect_bad(base, "noversion", "{\"id\": \"x\"}\n",
	    "the \"version\" field is missing");
	s = xasprintf("{\"version\": 2, %s, \"data_dir\": \"data\", "
	    "\"members\": []}\n", id);
	expect_bad(base, "future", s, "has version 2, which this segsync");
	free(s);
	s = xasprintf("{\"version\": 1.5, %s}\n", id);
	expect_bad(base, "fraction", s, "\"version\" must be a positive");
	free(s);
	expect_bad(base, "badid", "{\"version\": 1, \"id\": \"XYZ\"}\n",
	    "\"id\" must be 32 lowercase hexadecimal digits");
	s = xasprintf("{\"version\": 1, %s, \"data_dir\": \"data\", "
	    "\"members\": [{\"user\": \"bob\", \"uid\": 7, \"role\": "
	    "\"owner\"}]}\n", id);
	expect_bad(base, "badrole", s, "has role \"owner\"");
	free(s);
	s = xasprintf("{\"version\": 1, %s, \"data_dir\": \"data\", "
	    "\"members\": [{\"user\": \"bob\", \"uid\": 7, \"role\": "
	    "\"admin\"}, {\"user\": \"bob\", \"uid\": 8, \"role\": "
	    "\"contributor\"}]}\n", id);
	expect_bad(base, "dupmember", s, "member \"bob\" is listed twice");
	free(s);
	s = xasprintf("{\"version\": 1, %s, \"data_dir\": \"data\", "
	    "\"members\": {}}\n", id);
	expect_bad(base, "membersobj", s, "\"members\" must be a list");
	free(s);
}

static void
test_not_a_workspace(const char *base)
{
	struct workspace	*ws = NULL;
	char			*cause = NULL;

	ok(workspace_open(base, &ws, &cause) == -1 && errno == ENOENT,
	    "a directory without workspace.json is no workspace");
	like(cause, "segsync init", "the message points to segsync init");
	free(cause);
}

/* In a child: add a member under a tiny file-size limit, then save. */
static void
test_write_fails_midway(const char *base)
{
	struct workspace	*ws;
	struct rlimit		 rl;
	char			*dir, *file, *before, *after, *cause = NULL;
	pid_t			 pid;
	int			 status, i;

	dir = util_path(base, "fsize");
	ws = make_ws(dir, NULL);
	workspace_free(&ws);
	file = util_path(dir, WORKSPACE_FILE);
	before = slurp(file);

	pid = fork();
	if (pid == 0) {
		if (workspace_open(dir, &ws, &cause) == -1 ||
		    workspace_lock(ws, &cause) == -1)
			_exit(10);
		/* Enough members to outgrow the limit. */
		for (i = 0; i < 50; i++) {
			char name[32];
			snprintf(name, sizeof name, "member%02d", i);
			workspace_member_add(ws, name, 1000 + i, 
			    WS_ROLE_CONTRIBUTOR, NULL, "alice", &cause);
		}
		rl.rlim_cur = rl.rlim_max = 200;
		setrlimit(RLIMIT_FSIZE, &rl);
		if (workspace_save(ws, &cause) == 0)
			_exit(11);
		/* The reason must be in words and name the file. */
		if (strstr(cause, "workspace.json") == NULL ||
		    strstr(cause, "unchanged") == NULL)
			_exit(12);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : 100 +
	    WTERMSIG(status), 0, "a save beyond RLIMIT_FSIZE fails with a "
	    "clear message");
	after = slurp(file);
	is_str(after, before, "the old workspace.json is intact");
	is_int(count_temps(dir), 0, "no temporary file is left behind");
	free(before);
	free(after);
	free(file);
	free(dir);
}

/* A writer killed at each step of a save leaves the old or new file. */
static void
test_crash_points(const char *base)
{
	const char		*steps[] = { "after-create", "mid-write",
				    "after-fsync", "after-rename" };
	struct workspace	*ws;
	char			*dir, *file, *before, *after, *cause = NULL;
	size_t			 i;
	pid_t			 pid;
	int			 status, is_old, is_new;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		dir = xasprintf("%s/crash-%s", base, steps[i]);
		ws = make_ws(dir, NULL);
		workspace_free(&ws);
		file = util_path(dir, WORKSPACE_FILE);
		before = slurp(file);
		pid = fork();
		if (pid == 0) {
			setenv(FILEIO_FAULT_ENV, steps[i], 1);
			if (workspace_open(dir, &ws, &cause) == -1 ||
			    workspace_lock(ws, &cause) == -1 ||
			    workspace_member_add(ws, "bob", 1001, 
			    WS_ROLE_CONTRIBUTOR, NULL, "alice", &cause) == -1)
				_exit(10);
			workspace_save(ws, &cause);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "%s: the writer was killed", steps[i]);
		after = slurp(file);
		is_old = strcmp(after, before) == 0;
		is_new = strstr(after, "\"bob\"") != NULL;
		ok(is_old || is_new, "%s: workspace.json is whole (old or new)",
		    steps[i]);
		if (strcmp(steps[i], "after-rename") == 0)
			ok(is_new, "%s: the rename made the change durable",
			    steps[i]);
		else
			ok(is_old, "%s: the old content is intact", steps[i]);
		ok(workspace_open(dir, &ws, &cause) == 0,
		    "%s: the workspace still opens", steps[i]);
		/* The next locked change sweeps the dead writer's temp. */
		if (ws != NULL && workspace_lock(ws, &cause) == 0) {
			workspace_member_add(ws, "carol", 1002, 
			    WS_ROLE_CONTRIBUTOR, NULL, "alice", &cause);
			workspace_save(ws, &cause);
		}
		workspace_free(&ws);
		is_int(count_temps(dir), 0, "%s: no temporary file remains "
		    "after the next save", steps[i]);
		free(before);
		free(after);
		free(file);
		free(dir);
	}
}

/* 20 processes add a member each at the same moment: none is lost. */
static void
test_concurrent_writers(const char *base)
{
	struct workspace	*ws;
	char			*dir, *cause = NULL, name[32];
	pid_t			 pids[20];
	int			 i, status, failures = 0, found = 0;
	int			 go[2];
	char			 c;

	dir = util_path(base, "concurrent");
	ws = make_ws(dir, NULL);
	workspace_free(&ws);
	if (pipe(go) == -1)
		exit(99);
	for (i = 0; i < 20; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(go[1]);
			/* Wait for the start signal so all race together. */
			if (read(go[0], &c, 1) != 0)
				_exit(9);
			snprintf(name, sizeof name, "racer%02d", i);
			if (workspace_open(dir, &ws, &cause) == -1 ||
			    workspace_lock(ws, &cause) == -1 ||
			    workspace_member_add(ws, name, 2000 + i, 
			    WS_ROLE_CONTRIBUTOR, NULL, "alice", &cause) == -1 ||
			    workspace_save(ws, &cause) == -1)
				_exit(1);
			workspace_free(&ws);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < 20; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
	}
	is_int(failures, 0, "20 concurrent writers all succeed");
	if (workspace_open(dir, &ws, &cause) == 0) {
		for (i = 0; i < 20; i++) {
			snprintf(name, sizeof name, "racer%02d", i);
			if (workspace_member_find(ws, name) != NULL)
				found++;
		}
		is_int(workspace_member_count(ws), 21,
		    "21 members: the administrator and 20 racers");
		workspace_free(&ws);
	} else
		ok(0, "workspace opens after the race: %s", cause);
	is_int(found, 20, "every racer's member is present");
	free(dir);
}

static void
test_members(const char *base)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	char			*dir, *cause = NULL;

	dir = util_path(base, "members");
	ws = make_ws(dir, NULL);
	ok(workspace_current_member(ws, &me, &cause) == 0 &&
	    strcmp(me->user, "alice") == 0,
	    "the current member is found by effective uid");
	ok(workspace_lock(ws, &cause) == 0, "lock");
	ok(workspace_member_add(ws, "alice", 1, WS_ROLE_ADMIN, NULL, "alice",
	    &cause) == -1, "adding an existing member fails");
	like(cause, "already a member", "and says so");
	xfree(&cause);
	ok(workspace_member_remove(ws, "alice", &cause) == -1,
	    "the last administrator cannot be removed");
	like(cause, "last administrator", "and says so");
	xfree(&cause);
	ok(workspace_member_add(ws, "bob", 77777, WS_ROLE_ADMIN, NULL, "alice",
	    &cause) == 0, "a second administrator is added");
	ok(workspace_member_remove(ws, "alice", &cause) == 0,
	    "then the first can be removed");
	ok(workspace_save(ws, &cause) == 0, "save");
	workspace_unlock(ws);
	workspace_free(&ws);
	ok(workspace_open(dir, &ws, &cause) == 0, "reopen");
	ok(workspace_current_member(ws, &me, &cause) == -1,
	    "a removed user is no longer a member");
	like(cause, "not a member", "the refusal says why");
	like(cause, "segsync member add", "and how to get in");
	xfree(&cause);
	workspace_free(&ws);
	free(dir);
}

/*
 * A second open file description conflicts with the first even in one
 * process: the lock is refused after the timeout, naming its holder and
 * since when (from the holder's record in .lock).
 */
static void
test_lock_timeout(const char *base)
{
	struct workspace	*a, *b = NULL;
	char			*dir, *cause = NULL, *want, *lock, *text;
	int64_t			 t0;

	dir = util_path(base, "locked");
	a = make_ws(dir, NULL);
	ok(a != NULL && workspace_open(dir, &b, &cause) == 0, "open twice");
	ok(workspace_lock(a, &cause) == 0, "the first takes the lock");
	setenv("SEGSYNC_TEST_LOCK_TIMEOUT", "0.3", 1);
	t0 = util_mono_ms();
	ok(workspace_lock(b, &cause) == -1, "the second gives up");
	ok(util_mono_ms() - t0 >= 300 && util_mono_ms() - t0 < 3000,
	    "after the timeout, not before, not much after");
	want = xasprintf("(process %ld) since 20", (long)getpid());
	like(cause, want, "naming the process and since when");
	like(cause, "kill ", "and what can be done");
	free(want);
	xfree(&cause);
	unsetenv("SEGSYNC_TEST_LOCK_TIMEOUT");
	workspace_unlock(a);
	lock = util_path(dir, ".lock");
	text = slurp(lock);
	is_str(text, "", "unlocking leaves no stale record");
	free(text);
	ok(workspace_lock(b, &cause) == 0, "then the lock is free");
	workspace_unlock(b);
	free(lock);
	workspace_free(&b);
	workspace_free(&a);
	free(dir);
}

/*
 * Inside an open workspace no symbolic link is followed, not even as a
 * folder on the way; the protection lasts as long as one of the objects
 * opened on the workspace (the UI opens it again for a job).
 */
static void
test_no_links(const char *base)
{
	struct workspace	*a, *b = NULL;
	char			*dir, *sub, *via, *text = NULL, *cause = NULL;

	dir = util_path(base, "links");
	a = make_ws(dir, NULL);
	ok(a != NULL && workspace_open(dir, &b, &cause) == 0, "open twice");
	sub = util_path(dir, "sub");
	via = util_path(sub, WORKSPACE_FILE);
	ok(symlink(".", sub) == 0, "a folder link inside the workspace");
	ok(fileio_read(via, 1 << 20, 1, &text, NULL, &cause) == -1 &&
	    errno == ELOOP, "a file read through it is refused");
	like(cause, "symbolic link", "and says so");
	xfree(&cause);
	workspace_free(&b);
	ok(fileio_read(via, 1 << 20, 1, &text, NULL, &cause) == -1,
	    "still refused while the other object is open");
	xfree(&cause);
	workspace_free(&a);
	ok(fileio_read(via, 1 << 20, 1, &text, NULL, &cause) == 0,
	    "outside any open workspace only the last component counts");
	free(text);
	xfree(&cause);
	free(via);
	free(sub);
	free(dir);
}

static void
test_default_dir(void)
{
	char	*d;

	d = workspace_default_dir("/opt/ws");
	is_str(d, "/opt/ws", "-w wins");
	free(d);
	setenv("SEGSYNC_WORKSPACE", "/srv/ws", 1);
	d = workspace_default_dir(NULL);
	is_str(d, "/srv/ws", "then SEGSYNC_WORKSPACE");
	free(d);
	unsetenv("SEGSYNC_WORKSPACE");
	setenv("XDG_DATA_HOME", "/xdg", 1);
	d = workspace_default_dir(NULL);
	is_str(d, "/xdg/segsync", "then $XDG_DATA_HOME/segsync");
	free(d);
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/alice", 1);
	d = workspace_default_dir(NULL);
	is_str(d, "/home/alice/.local/share/segsync",
	    "then ~/.local/share/segsync");
	free(d);
}

int
main(void)
{
	const char	*base;

	if (sodium_init() < 0)
		return 99;
	plan_lazy();
	base = tap_tmpdir();
	test_layout_and_modes(base);
	test_two_workspaces_differ(base);
	test_init_refuses_existing(base);
	test_bad_files(base);
	test_not_a_workspace(base);
	test_write_fails_midway(base);
	test_crash_points(base);
	test_concurrent_writers(base);
	test_members(base);
	test_lock_timeout(base);
	test_no_links(base);
	test_default_dir();
	return done_testing();
}
