/* The workspace directory, its lock and workspace.json. */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "data/segments.h"
#include "store/workspace.h"

/* workspace.json is small; anything larger is not ours. */
#define WS_FILE_CAP	(4u * 1024 * 1024)

/*
 * How long a change waits for the lock before giving up and saying who
 * holds it: a member holding .lock must not stall everyone else forever.
 */
#define WS_LOCK_TIMEOUT_MS	10000
/*
 * Test-only: seconds (fractions allowed) to wait instead, so that the
 * suite need not sleep ten seconds per case. It can only shorten or
 * lengthen a wait, never grant a lock, so it opens no back door.
 */
#define WS_LOCK_TIMEOUT_ENV	"SEGSYNC_TEST_LOCK_TIMEOUT"

/* What a holder writes into .lock: informative only, never trusted. */
#define WS_LOCK_RECORD		"segsync lock: pid=%ld uid=%lu since=%s\n"

struct workspace {
	char			*dir;
	char			*file;
	char			*lockpath;
	int			 lockfd;

	cJSON			*doc;
	char			*id;
	char			*data;
	char			*group;
	gid_t			 gid;
	unsigned		 retention;
	struct ws_member	*members;
	size_t			 nmembers;
	struct ws_service	*services;
	size_t			 nservices;
};

static const char *const ws_subdirs[] = {
	"identities", "connections", "exports", "runs"
};

/* Release what ws_parse() built from the document. */
static void
ws_clear(struct workspace *ws)
{
	size_t	i;

	for (i = 0; i < ws->nmembers; i++) {
		free(ws->members[i].user);
		free(ws->members[i].added_by);
		free(ws->members[i].added_at);
		free(ws->members[i].box_pk);
	}
	xfree(&ws->members);
	ws->nmembers = 0;
	for (i = 0; i < ws->nservices; i++) {
		free(ws->services[i].id);
		free(ws->services[i].box_pk);
		free(ws->services[i].added_by);
		free(ws->services[i].added_at);
	}
	xfree(&ws->services);
	ws->nservices = 0;
	xfree(&ws->id);
	xfree(&ws->data);
	xfree(&ws->group);
	ws->gid = (gid_t)-1;
	cJSON_Delete(ws->doc);
	ws->doc = NULL;
}

const char *
workspace_role_name(enum ws_role role)
{
	return role == WS_ROLE_ADMIN ? "admin" : "contributor";
}

const char *
workspace_role_label(enum ws_role role)
{
	return role == WS_ROLE_ADMIN ? _("administrator") : _("contributor");
}

int
workspace_role_parse(const char *s, enum ws_role *role)
{
	if (strcmp(s, "admin") == 0 || strcmp(s, "administrator") == 0)
		*role = WS_ROLE_ADMIN;
	else if (strcmp(s, "contributor") == 0)
		*role = WS_ROLE_CONTRIBUTOR;
	else
		return -1;
	return 0;
}

/* A string member of obj, or NULL when absent or not a string. */
static const char *
ws_str(const cJSON *obj, const char *key)
{
	const cJSON	*item;

	item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Is item a whole number within [lo, hi]? */
static int
ws_int(const cJSON *item, double lo, double hi)
{
	return cJSON_IsNumber(item) && item->valuedouble >= lo &&
	    item->valuedouble <= hi &&
	    floor(item->valuedouble) == item->valuedouble;
}

static int
ws_is_hex_id(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != WORKSPACE_ID_HEX)
		return 0;
	for (i = 0; i < WORKSPACE_ID_HEX; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

/* 43 characters of unpadded base64: a 32-byte public key. */
static int
ws_pk_valid(const char *pk)
{
	unsigned char	bin[32];
	size_t		len;

	return sodium_base642bin(bin, sizeof bin, pk, strlen(pk), NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
	    len == sizeof bin;
}

/* Check one entry of "services" and copy it into sv. */
static int
ws_parse_service(struct workspace *ws, const cJSON *item, size_t index,
    struct ws_service *sv, char **cause)
{
	const char	*id, *pk, *by, *at;

	id = ws_str(item, "id");
	pk = ws_str(item, "box_pk");
	by = ws_str(item, "added_by");
	at = ws_str(item, "added_at");
	if (id == NULL || strncmp(id, "service:", 8) != 0 || id[8] == '\0') {
		*cause = xasprintf(_("%s: service %zu needs an \"id\" of the "
		    "form service:NAME"), ws->file, index + 1);
		return -1;
	}
	if (pk == NULL || !ws_pk_valid(pk)) {
		*cause = xasprintf(_("%s: service \"%s\" has a missing or "
		    "malformed \"box_pk\""), ws->file, id);
		return -1;
	}
	sv->id = xstrdup(id);
	sv->box_pk = xstrdup(pk);
	sv->added_by = xstrdup(by == NULL ? "" : by);
	sv->added_at = xstrdup(at == NULL ? "" : at);
	return 0;
}

/* Check one entry of "members" and copy it into m. */
static int
ws_parse_member(struct workspace *ws, const cJSON *item, size_t index,
    struct ws_member *m, char **cause)
{
	const char	*user, *role, *by, *at, *pk;
	const cJSON	*uid;

	pk = ws_str(item, "box_pk");
	user = ws_str(item, "user");
	role = ws_str(item, "role");
	by = ws_str(item, "added_by");
	at = ws_str(item, "added_at");
	uid = cJSON_GetObjectItemCaseSensitive(item, "uid");
	if (!cJSON_IsObject(item) || user == NULL || *user == '\0') {
		*cause = xasprintf(_("%s: member %zu has no \"user\" name"),
		    ws->file, index + 1);
		return -1;
	}
	if (role == NULL || workspace_role_parse(role, &m->role) == -1) {
		*cause = xasprintf(_("%s: member \"%s\" has role \"%s\"; the "
		    "role must be \"admin\" or \"contributor\""), ws->file,
		    user, role == NULL ? "" : role);
		return -1;
	}
	if (!ws_int(uid, 0, 4294967295.0)) {
		*cause = xasprintf(_("%s: member \"%s\" has no valid \"uid\""),
		    ws->file, user);
		return -1;
	}
	if (pk != NULL && !ws_pk_valid(pk)) {
		*cause = xasprintf(_("%s: member \"%s\" has a malformed "
		    "\"box_pk\""), ws->file, user);
		return -1;
	}
	m->user = xstrdup(user);
	m->box_pk = pk == NULL ? NULL : xstrdup(pk);
	m->uid = (unsigned long)uid->valuedouble;
	m->added_by = xstrdup(by == NULL ? "" : by);
	m->added_at = xstrdup(at == NULL ? "" : at);
	return 0;
}

/*
 * Validate the document and fill the fields of ws from it. Unknown keys are
 * kept in the document so that a newer minor addition survives a save.
 */
static int
ws_parse(struct workspace *ws, cJSON *doc, char **cause)
{
	const cJSON	*version, *members, *item, *settings, *ret, *group;
	const cJSON	*services;
	const char	*id, *data;
	struct group	*gr;
	size_t		 i, j, n;

	if (!cJSON_IsObject(doc)) {
		*cause = xasprintf(_("%s: the file must hold a JSON object"),
		    ws->file);
		return -1;
	}
	version = cJSON_GetObjectItemCaseSensitive(doc, "version");
	if (version == NULL) {
		*cause = xasprintf(_("%s: the \"version\" field is missing; "
		    "this is not a segsync workspace file"), ws->file);
		return -1;
	}
	if (!ws_int(version, 1, 1e9)) {
		*cause = xasprintf(_("%s: \"version\" must be a positive whole "
		    "number"), ws->file);
		return -1;
	}
	if (version->valuedouble > WORKSPACE_VERSION) {
		*cause = xasprintf(_("%s has version %d, which this segsync "
		    "(%s) does not know (it reads version %d); use a newer "
		    "segsync"), ws->file, (int)version->valuedouble,
		    PACKAGE_VERSION, WORKSPACE_VERSION);
		return -1;
	}
	id = ws_str(doc, "id");
	if (!ws_is_hex_id(id)) {
		*cause = xasprintf(_("%s: \"id\" must be %d lowercase "
		    "hexadecimal digits"), ws->file, WORKSPACE_ID_HEX);
		return -1;
	}
	data = ws_str(doc, "data_dir");
	if (data == NULL || *data == '\0') {
		*cause = xasprintf(_("%s: \"data_dir\" must name the folder "
		    "of segment files"), ws->file);
		return -1;
	}
	group = cJSON_GetObjectItemCaseSensitive(doc, "group");
	if (group != NULL && !cJSON_IsNull(group) &&
	    (!cJSON_IsString(group) || *group->valuestring == '\0')) {
		*cause = xasprintf(_("%s: \"group\" must be a Unix group name "
		    "or null"), ws->file);
		return -1;
	}
	ws->retention = WORKSPACE_RETENTION;
	settings = cJSON_GetObjectItemCaseSensitive(doc, "settings");
	if (settings != NULL) {
		if (!cJSON_IsObject(settings)) {
			*cause = xasprintf(_("%s: \"settings\" must be an "
			    "object"), ws->file);
			return -1;
		}
		ret = cJSON_GetObjectItemCaseSensitive(settings,
		    "runs_retention");
		if (ret != NULL && !ws_int(ret, 1, 1000000)) {
			*cause = xasprintf(_("%s: \"settings\".\"runs_retention"
			    "\" must be a whole number from 1 to 1000000"),
			    ws->file);
			return -1;
		}
		if (ret != NULL)
			ws->retention = (unsigned)ret->valuedouble;
	}
	members = cJSON_GetObjectItemCaseSensitive(doc, "members");
	if (!cJSON_IsArray(members)) {
		*cause = xasprintf(_("%s: \"members\" must be a list"),
		    ws->file);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(members);
	ws->members = xcalloc(n, sizeof *ws->members);
	i = 0;
	cJSON_ArrayForEach(item, members) {
		if (ws_parse_member(ws, item, i, &ws->members[i], cause) == -1)
			return -1;
		ws->nmembers = ++i;
		for (j = 0; j + 1 < i; j++) {
			if (strcmp(ws->members[j].user,
			    ws->members[i - 1].user) == 0) {
				*cause = xasprintf(_("%s: member \"%s\" is "
				    "listed twice"), ws->file,
				    ws->members[j].user);
				return -1;
			}
		}
	}
	services = cJSON_GetObjectItemCaseSensitive(doc, "services");
	if (services != NULL && !cJSON_IsArray(services)) {
		*cause = xasprintf(_("%s: \"services\" must be a list"),
		    ws->file);
		return -1;
	}
	n = services == NULL ? 0 : (size_t)cJSON_GetArraySize(services);
	ws->services = xcalloc(n, sizeof *ws->services);
	i = 0;
	cJSON_ArrayForEach(item, services) {
		if (ws_parse_service(ws, item, i, &ws->services[i],
		    cause) == -1)
			return -1;
		ws->nservices = ++i;
	}
	if (cJSON_IsString(group)) {
		gr = getgrnam(group->valuestring);
		if (gr == NULL) {
			*cause = xasprintf(_("%s: the workspace is shared with "
			    "group \"%s\", which does not exist on this "
			    "system"), ws->file, group->valuestring);
			return -1;
		}
		ws->gid = gr->gr_gid;
		ws->group = xstrdup(group->valuestring);
	}
	ws->id = xstrdup(id);
	ws->data = xstrdup(data);
	ws->doc = doc;
	return 0;
}

/*
 * Tell fileio which files of the workspace may be trusted: in a shared
 * workspace those of its members, in a private one the user's alone.
 */
static void
ws_register(struct workspace *ws)
{
	uid_t	*uids;
	size_t	 i;

	uids = xcalloc(ws->nmembers == 0 ? 1 : ws->nmembers, sizeof *uids);
	for (i = 0; i < ws->nmembers; i++)
		uids[i] = (uid_t)ws->members[i].uid;
	fileio_set_tree(ws, ws->dir, ws->gid != (gid_t)-1, uids,
	    ws->nmembers);
	free(uids);
}

/* Read and validate workspace.json into ws (replacing what it held). */
static int
ws_load(struct workspace *ws, char **cause)
{
	char		*text, *why;
	const char	*end = NULL;
	unsigned long	 line, col;
	cJSON		*doc;
	uid_t		 owner;
	int		 saved;

	ws_clear(ws);
	/* Its owner is checked against the members it lists, once parsed. */
	if (fileio_read_owner(ws->file, WS_FILE_CAP, &text, NULL, &owner,
	    &why) == -1) {
		saved = errno;
		if (saved == ENOENT)
			*cause = xasprintf(_("%s is not a segsync workspace "
			    "(no %s); create one with 'segsync init' or name "
			    "another with -w DIR"), ws->dir, WORKSPACE_FILE);
		else
			*cause = xstrdup(why);
		free(why);
		errno = saved;
		return -1;
	}
	doc = cJSON_ParseWithOpts(text, &end, 1);
	if (doc == NULL) {
		util_line_col(text, end == NULL ? 0 : (size_t)(end - text),
		    &line, &col);
		*cause = xasprintf(_("%s: not valid JSON at line %lu, column "
		    "%lu; fix the file or restore it from a backup"), ws->file,
		    line, col);
		free(text);
		return -1;
	}
	free(text);
	if (ws_parse(ws, doc, cause) == -1) {
		if (ws->doc == NULL)
			cJSON_Delete(doc);
		ws_clear(ws);
		return -1;
	}
	ws_register(ws);
	if (fileio_check_owner(ws->file, owner, cause) == -1) {
		ws_clear(ws);
		ws_register(ws);
		return -1;
	}
	return 0;
}

static struct workspace *
ws_new(const char *dir)
{
	struct workspace	*ws;

	ws = xcalloc(1, sizeof *ws);
	ws->dir = xstrdup(dir);
	ws->file = util_path(dir, WORKSPACE_FILE);
	ws->lockpath = util_path(dir, ".lock");
	ws->lockfd = -1;
	ws->gid = (gid_t)-1;
	/* Until workspace.json is read, only the user's files are trusted. */
	ws_register(ws);
	return ws;
}

void
workspace_free(struct workspace **pws)
{
	struct workspace	*ws = *pws;

	if (ws == NULL)
		return;
	workspace_unlock(ws);
	fileio_clear_tree(ws);
	ws_clear(ws);
	free(ws->dir);
	free(ws->file);
	free(ws->lockpath);
	free(ws);
	*pws = NULL;
}

char *
workspace_default_dir(const char *option)
{
	const char	*env, *home;

	if (option != NULL && *option != '\0')
		return xstrdup(option);
	env = getenv("SEGSYNC_WORKSPACE");
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	env = getenv("XDG_DATA_HOME");
	if (env != NULL && env[0] == '/')
		return util_path(env, "segsync");
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		home = "/";
	return xasprintf("%s/.local/share/segsync", strcmp(home, "/") == 0 ?
	    "" : home);
}

/* mkdir -p for the parents of dir, private to the user. */
static int
ws_mkdir_parents(const char *dir, char **cause)
{
	char	*copy, *p;

	copy = xstrdup(dir);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
			*cause = xasprintf(_("cannot create directory %s: %s"),
			    copy, strerror(errno));
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	return 0;
}

static int
ws_open_lock(struct workspace *ws, char **cause)
{
	struct stat	st;
	int		saved;

	if (ws->lockfd != -1)
		return 0;
	/*
	 * flock needs no write access, so every member of a shared
	 * workspace can take the lock whoever created the file; write access
	 * only lets the holder say who it is. O_NONBLOCK: a FIFO put there
	 * must not stop us in open().
	 */
	ws->lockfd = fileio_open(ws->lockpath, O_RDWR | O_NONBLOCK, 0);
	if (ws->lockfd == -1 && errno == EACCES)
		ws->lockfd = fileio_open(ws->lockpath, O_RDONLY | O_NONBLOCK,
		    0);
	if (ws->lockfd == -1 && errno == ENOENT) {
		ws->lockfd = fileio_open(ws->lockpath, O_RDWR | O_CREAT |
		    O_EXCL | O_NONBLOCK, 0600);
		/* The umask (077) must not decide the mode of a shared file. */
		if (ws->lockfd != -1 && (fchmod(ws->lockfd,
		    workspace_file_mode(ws)) == -1 || (ws->gid != (gid_t)-1 &&
		    fchown(ws->lockfd, (uid_t)-1, ws->gid) == -1))) {
			*cause = xasprintf(_("cannot set the mode of the lock "
			    "file %s: %s"), ws->lockpath, strerror(errno));
			close(ws->lockfd);
			ws->lockfd = -1;
			return -1;
		}
	}
	if (ws->lockfd == -1) {
		saved = errno;
		if (saved == ELOOP)
			*cause = xasprintf(_("the lock file %s is a "
			    "symbolic link, or lies in a folder that is one; "
			    "refusing to follow it (someone may have replaced "
			    "it: check it, remove it and try again)"),
			    ws->lockpath);
		else
			*cause = xasprintf(_("cannot open the lock file %s: "
			    "%s"), ws->lockpath, strerror(saved));
		return -1;
	}
	if (fstat(ws->lockfd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf(_("the lock file %s is not a regular file; "
		    "refusing to use it (check it, remove it and try again)"),
		    ws->lockpath);
		close(ws->lockfd);
		ws->lockfd = -1;
		return -1;
	}
	if (fileio_check_owner(ws->lockpath, st.st_uid, cause) == -1) {
		close(ws->lockfd);
		ws->lockfd = -1;
		return -1;
	}
	return 0;
}

/* How long to wait for the lock, in milliseconds. */
static int64_t
ws_lock_timeout_ms(void)
{
	const char	*env;
	char		*end;
	double		 s;

	env = getenv(WS_LOCK_TIMEOUT_ENV);
	if (env != NULL && *env != '\0') {
		s = strtod(env, &end);
		if (*end == '\0' && s >= 0 && s <= 3600)
			return (int64_t)(s * 1000);
	}
	return WS_LOCK_TIMEOUT_MS;
}

/*
 * The process holding a flock on the file dev/ino, from /proc/locks, or
 * -1. The kernel's view, so it names holders that wrote no record too.
 */
static long
ws_lock_pid(const struct stat *st)
{
	FILE		*f;
	char		 line[256], t1[16], t2[16], t3[16];
	unsigned	 maj, min;
	unsigned long	 ino;
	long		 pid, found = -1, by_ino = -1;

	f = fopen("/proc/locks", "re");
	if (f == NULL)
		return -1;
	while (found == -1 && fgets(line, sizeof line, f) != NULL) {
		/*
		 * "1: FLOCK ADVISORY WRITE 1234 08:02:5678 0 EOF"; waiters
		 * have "->" before FLOCK and do not parse.
		 */
		if (sscanf(line, "%*[^:]: %15s %15s %15s %ld %x:%x:%lu", t1,
		    t2, t3, &pid, &maj, &min, &ino) != 7 ||
		    strcmp(t1, "FLOCK") != 0 ||
		    ino != (unsigned long)st->st_ino)
			continue;
		if (maj == major(st->st_dev) && min == minor(st->st_dev))
			found = pid;
		else if (by_ino == -1)
			by_ino = pid;	/* overlay file systems differ */
	}
	fclose(f);
	return found != -1 ? found : by_ino;
}

/* The effective uid of a process, from /proc; -1 when unknown. */
static int
ws_proc_uid(long pid, unsigned long *uid)
{
	FILE	*f;
	char	 path[64], line[256];
	int	 rc = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "Uid: %*u %lu", uid) == 1) {
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* When a process started (wall clock), from /proc; -1 when unknown. */
static time_t
ws_proc_start(long pid)
{
	FILE			*f;
	char			 path[64], buf[1024], *p;
	unsigned long long	 ticks;
	long long		 btime = -1;
	long			 hz;
	int			 i;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return -1;
	/* Field 22 (starttime) follows the 20th space after the name. */
	for (i = 0; i < 20 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu", &ticks) != 1)
		return -1;
	f = fopen("/proc/stat", "re");
	if (f == NULL)
		return -1;
	while (fgets(buf, sizeof buf, f) != NULL)
		if (sscanf(buf, "btime %lld", &btime) == 1)
			break;
	fclose(f);
	hz = sysconf(_SC_CLK_TCK);
	if (btime < 0 || hz <= 0)
		return -1;
	return (time_t)(btime + (long long)(ticks / (unsigned long long)hz));
}

/*
 * Say who holds the lock we could not get: the kernel names the process
 * (/proc/locks), /proc its user; the holder's own record in .lock, when
 * it is the same process, says since when. A record alone (no /proc) is
 * used as a last resort.
 */
static char *
ws_lock_holder(struct workspace *ws, int64_t waited_ms)
{
	struct stat	 st;
	char		 text[256], since[UTIL_RFC3339_LEN + 1];
	char		 started[UTIL_RFC3339_LEN], secs[32], *name, *msg;
	unsigned long	 uid = 0, ruid = 0;
	long		 pid = -1, rpid = -1;
	ssize_t		 n;
	time_t		 t;
	int		 have_uid = 0, have_rec = 0;

	/* Whole seconds: the wait overshoots the timeout by a pause. */
	snprintf(secs, sizeof secs, "%lld", (long long)(waited_ms / 1000));
	n = pread(ws->lockfd, text, sizeof text - 1, 0);
	if (n > 0) {
		text[n] = '\0';
		/* Anyone in the group can write it: a hint, never a fact. */
		have_rec = sscanf(text, "segsync lock: pid=%ld uid=%lu "
		    "since=%20s", &rpid, &ruid, since) == 3 && rpid > 0 &&
		    since[strspn(since, "0123456789-:TZ")] == '\0';
	}
	if (fstat(ws->lockfd, &st) == 0)
		pid = ws_lock_pid(&st);
	if (pid == -1 && have_rec && (kill((pid_t)rpid, 0) == 0 ||
	    errno == EPERM))
		pid = rpid;
	if (pid == -1)
		return xasprintf(_("the workspace %s is locked by another "
		    "process; gave up after %s seconds. Try again later "
		    "('fuser -v %s' shows who holds it)"), ws->dir, secs,
		    ws->lockpath);
	if (ws_proc_uid(pid, &uid) == 0)
		have_uid = 1;
	else if (have_rec && rpid == pid) {
		uid = ruid;
		have_uid = 1;
	}
	name = have_uid ? util_user_name(uid) : NULL;
	if (name == NULL)
		name = have_uid ? xasprintf("uid %lu", uid) : xstrdup("?");
	if (have_rec && rpid == pid)
		msg = xasprintf(_("the workspace %s is locked by %s (process "
		    "%ld) since %s; gave up after %s seconds. Try again once "
		    "that process has finished; if it is stuck, its user or "
		    "root can end it with 'kill %ld'"), ws->dir, name, pid,
		    since, secs, pid);
	else {
		t = ws_proc_start(pid);
		if (t == -1)
			snprintf(started, sizeof started, "?");
		else
			util_rfc3339(t, started);
		msg = xasprintf(_("the workspace %s is locked by %s (process "
		    "%ld, running since %s; it is not segsync or did not say "
		    "when it took the lock); gave up after %s seconds. Try "
		    "again once that process has finished; if it is stuck, "
		    "its user or root can end it with 'kill %ld'"), ws->dir,
		    name, pid, started, secs, pid);
	}
	free(name);
	return msg;
}

/* Say in .lock who holds it (when the file is writable to us). */
static void
ws_lock_record(struct workspace *ws)
{
	char	now[UTIL_RFC3339_LEN], *text;
	int	fl;

	fl = fcntl(ws->lockfd, F_GETFL);
	if (fl == -1 || (fl & O_ACCMODE) != O_RDWR)
		return;
	util_rfc3339(time(NULL), now);
	text = xasprintf(WS_LOCK_RECORD, (long)getpid(),
	    (unsigned long)geteuid(), now);
	if (ftruncate(ws->lockfd, 0) == 0)
		(void)pwrite(ws->lockfd, text, strlen(text), 0);
	free(text);
}

/*
 * Take the exclusive lock without reading the file (init, lock), waiting
 * at most the timeout; then say who gave up on whom.
 */
static int
ws_flock(struct workspace *ws, char **cause)
{
	struct timespec	ts;
	int64_t		start, limit;
	long		pause_ms = 10;

	if (ws_open_lock(ws, cause) == -1)
		return -1;
	start = util_mono_ms();
	limit = ws_lock_timeout_ms();
	while (flock(ws->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			*cause = xasprintf(_("cannot lock %s: %s"),
			    ws->lockpath, strerror(errno));
			close(ws->lockfd);
			ws->lockfd = -1;
			return -1;
		}
		if (util_mono_ms() - start >= limit) {
			*cause = ws_lock_holder(ws, util_mono_ms() - start);
			close(ws->lockfd);
			ws->lockfd = -1;
			return -1;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = pause_ms * 1000000L;
		(void)nanosleep(&ts, NULL);
		if (pause_ms < 200)
			pause_ms *= 2;
	}
	ws_lock_record(ws);
	return 0;
}

int
workspace_init(const char *dir, const struct ws_init_opts *o,
    struct workspace **out, char **cause)
{
	struct workspace	*ws;
	struct group		*gr;
	struct stat		 st;
	unsigned char		 raw[WORKSPACE_ID_HEX / 2];
	char			 hex[WORKSPACE_ID_HEX + 1];
	char			 now[UTIL_RFC3339_LEN];
	char			*data = NULL, *path;
	cJSON			*doc, *members, *m, *settings;
	size_t			 i;
	int			 rc = -1;

	*out = NULL;
	ws = ws_new(dir);
	if (o->group != NULL) {
		gr = getgrnam(o->group);
		if (gr == NULL) {
			*cause = xasprintf(_("there is no Unix group \"%s\"; "
			    "create it first (groupadd %s)"), o->group,
			    o->group);
			goto out;
		}
		ws->gid = gr->gr_gid;
		ws->group = xstrdup(o->group);
	}
	if (o->data_dir != NULL) {
		data = realpath(o->data_dir, NULL);
		if (data == NULL || stat(data, &st) == -1 ||
		    !S_ISDIR(st.st_mode)) {
			*cause =
			    xasprintf(_("the data folder %s does not exist "
					"or is not a directory"),
				o->data_dir);
			goto out;
		}
	}
	if (ws_mkdir_parents(dir, cause) == -1 ||
	    fileio_mkdir(dir, workspace_dir_mode(ws), ws->gid, cause) == -1)
		goto out;
	if (ws_flock(ws, cause) == -1)
		goto out;
	if (lstat(ws->file, &st) == 0) {
		*cause = xasprintf(_("%s already holds a segsync workspace; "
		    "nothing was changed"), dir);
		goto out;
	}
	for (i = 0; i < sizeof ws_subdirs / sizeof ws_subdirs[0]; i++) {
		path = util_path(dir, ws_subdirs[i]);
		/*
		 * In a shared workspace every member writes their own identity
		 * here; the sticky bit stops them renaming or deleting
		 * anyone else's. The root, connections/ and exports/ cannot
		 * be sticky: an administrator replaces files another one wrote
		 * (workspace.json, re-sealed records) by rename(2), which a
		 * sticky directory forbids unless one owns the file.
		 */
		rc = fileio_mkdir(path, workspace_dir_mode(ws) |
		    (ws->gid != (gid_t)-1 && strcmp(ws_subdirs[i],
		    "identities") == 0 ? S_ISVTX : 0), ws->gid, cause);
		free(path);
		if (rc == -1)
			goto out;
		rc = -1;
	}
	if (data == NULL) {
		path = util_path(dir, "data");
		rc = fileio_mkdir(path, workspace_dir_mode(ws), ws->gid, cause);
		free(path);
		if (rc == -1)
			goto out;
		rc = -1;
	}

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	util_rfc3339(time(NULL), now);
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "version", WORKSPACE_VERSION);
	cJSON_AddStringToObject(doc, "id", hex);
	cJSON_AddStringToObject(doc, "created_at", now);
	cJSON_AddStringToObject(doc, "data_dir", data == NULL ? "data" : data);
	if (o->group != NULL)
		cJSON_AddStringToObject(doc, "group", o->group);
	else
		cJSON_AddNullToObject(doc, "group");
	settings = cJSON_AddObjectToObject(doc, "settings");
	cJSON_AddNumberToObject(settings, "runs_retention",
	    WORKSPACE_RETENTION);
	members = cJSON_AddArrayToObject(doc, "members");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "user", o->admin_user);
	cJSON_AddNumberToObject(m, "uid", (double)o->admin_uid);
	cJSON_AddStringToObject(m, "role", "admin");
	cJSON_AddStringToObject(m, "added_by", o->admin_user);
	cJSON_AddStringToObject(m, "added_at", now);
	if (o->admin_box_pk != NULL)
		cJSON_AddStringToObject(m, "box_pk", o->admin_box_pk);
	cJSON_AddItemToArray(members, m);
	cJSON_AddArrayToObject(doc, "services");

	ws->doc = doc;
	rc = workspace_save(ws, cause);
	if (rc == 0)
		rc = ws_load(ws, cause);
out:
	free(data);
	workspace_unlock(ws);
	if (rc == 0)
		*out = ws;
	else
		workspace_free(&ws);
	return rc;
}

int
workspace_open(const char *dir, struct workspace **out, char **cause)
{
	struct workspace	*ws;

	*out = NULL;
	ws = ws_new(dir);
	if (ws_load(ws, cause) == -1) {
		workspace_free(&ws);
		return -1;
	}
	*out = ws;
	return 0;
}

/*
 * Remove temporary files that a writer killed mid-save left behind. Only
 * called with the lock held: every writer of workspace.json holds it, so no
 * temporary file of ours can be in use.
 */
static void
ws_remove_stale_temps(struct workspace *ws)
{
	DIR		*d;
	struct dirent	*de;
	const char	 prefix[] = "." WORKSPACE_FILE ".";
	size_t		 len;

	d = opendir(ws->dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, sizeof prefix - 1) == 0 &&
		    len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int
workspace_lock(struct workspace *ws, char **cause)
{
	if (ws_flock(ws, cause) == -1)
		return -1;
	ws_remove_stale_temps(ws);
	if (ws_load(ws, cause) == -1) {
		workspace_unlock(ws);
		return -1;
	}
	return 0;
}

void
workspace_unlock(struct workspace *ws)
{
	if (ws->lockfd == -1)
		return;
	/* No stale record for the next waiter to report. */
	if ((fcntl(ws->lockfd, F_GETFL) & O_ACCMODE) == O_RDWR)
		(void)ftruncate(ws->lockfd, 0);
	flock(ws->lockfd, LOCK_UN);
	close(ws->lockfd);
	ws->lockfd = -1;
}

int
workspace_save(struct workspace *ws, char **cause)
{
	char	*text;
	size_t	 len;
	int	 rc;

	if (ws->lockfd == -1) {
		*cause = xasprintf(_("internal error: %s saved without its "
		    "lock"), ws->file);
		return -1;
	}
	text = cJSON_Print(ws->doc);
	len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	rc = fileio_write_atomic(ws->file, text, len, workspace_file_mode(ws),
	    ws->gid, cause);
	free(text);
	return rc;
}

const char *
workspace_dir(const struct workspace *ws)
{
	return ws->dir;
}

const char *
workspace_id(const struct workspace *ws)
{
	return ws->id;
}

const char *
workspace_file(const struct workspace *ws)
{
	return ws->file;
}

const char *
workspace_group(const struct workspace *ws)
{
	return ws->group;
}

gid_t
workspace_gid(const struct workspace *ws)
{
	return ws->gid;
}

mode_t
workspace_file_mode(const struct workspace *ws)
{
	return ws->gid == (gid_t)-1 ? 0600 : 0660;
}

mode_t
workspace_dir_mode(const struct workspace *ws)
{
	return ws->gid == (gid_t)-1 ? 0700 : 02770;
}

unsigned
workspace_runs_retention(const struct workspace *ws)
{
	return ws->retention;
}

char *
workspace_data_dir(const struct workspace *ws)
{
	if (ws->data[0] == '/')
		return xstrdup(ws->data);
	return util_path(ws->dir, ws->data);
}

char *
workspace_path(const struct workspace *ws, const char *rel)
{
	return util_path(ws->dir, rel);
}

int
workspace_each_json(const struct workspace *ws, const char *rel, size_t cap,
    workspace_json_fn *fn, void *arg, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	char		*dir, *path, *text;
	size_t		 len;
	int		 rc = 0;

	dir = workspace_path(ws, rel);
	d = opendir(dir);
	if (d == NULL) {
		*cause = xasprintf(_("cannot read the folder %s: %s"), dir,
		    strerror(errno));
		free(dir);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		path = util_path(dir, de->d_name);
		rc = fileio_read(path, cap, 1, &text, NULL, cause);
		if (rc == 0) {
			rc = fn(path, text, arg, cause);
			free(text);
		}
		free(path);
	}
	closedir(d);
	free(dir);
	return rc;
}

size_t
workspace_member_count(const struct workspace *ws)
{
	return ws->nmembers;
}

const struct ws_member *
workspace_member_at(const struct workspace *ws, size_t i)
{
	return i < ws->nmembers ? &ws->members[i] : NULL;
}

const struct ws_member *
workspace_member_find(const struct workspace *ws, const char *user)
{
	size_t	i;

	for (i = 0; i < ws->nmembers; i++)
		if (strcmp(ws->members[i].user, user) == 0)
			return &ws->members[i];
	return NULL;
}

size_t
workspace_admin_count(const struct workspace *ws)
{
	size_t	i, n = 0;

	for (i = 0; i < ws->nmembers; i++)
		if (ws->members[i].role == WS_ROLE_ADMIN)
			n++;
	return n;
}

/* Rebuild the parsed fields after a change to the document. */
static int
ws_reparse(struct workspace *ws, char **cause)
{
	cJSON	*doc;

	doc = ws->doc;
	ws->doc = NULL;
	ws_clear(ws);
	if (ws_parse(ws, doc, cause) == -1) {
		if (ws->doc == NULL)
			cJSON_Delete(doc);
		return -1;
	}
	ws_register(ws);
	return 0;
}

int
workspace_member_add(struct workspace *ws, const char *user,
    unsigned long uid, enum ws_role role, const char *box_pk,
    const char *added_by, char **cause)
{
	cJSON	*members, *m;
	char	 now[UTIL_RFC3339_LEN];

	if (workspace_member_find(ws, user) != NULL) {
		*cause = xasprintf(_("%s is already a member of this "
		    "workspace"), user);
		return -1;
	}
	util_rfc3339(time(NULL), now);
	members = cJSON_GetObjectItemCaseSensitive(ws->doc, "members");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "user", user);
	cJSON_AddNumberToObject(m, "uid", (double)uid);
	cJSON_AddStringToObject(m, "role", workspace_role_name(role));
	cJSON_AddStringToObject(m, "added_by", added_by);
	cJSON_AddStringToObject(m, "added_at", now);
	if (box_pk != NULL)
		cJSON_AddStringToObject(m, "box_pk", box_pk);
	cJSON_AddItemToArray(members, m);
	return ws_reparse(ws, cause);
}

int
workspace_member_remove(struct workspace *ws, const char *user,
    char **cause)
{
	const struct ws_member	*m;
	cJSON			*members, *item;
	int			 i;

	m = workspace_member_find(ws, user);
	if (m == NULL) {
		*cause = xasprintf(_("%s is not a member of this workspace"),
		    user);
		return -1;
	}
	if (m->role == WS_ROLE_ADMIN && workspace_admin_count(ws) == 1) {
		*cause = xasprintf(_("%s is the last administrator; add "
		    "another administrator before removing them"), user);
		return -1;
	}
	members = cJSON_GetObjectItemCaseSensitive(ws->doc, "members");
	i = 0;
	cJSON_ArrayForEach(item, members) {
		if (strcmp(ws_str(item, "user"), user) == 0)
			break;
		i++;
	}
	cJSON_DeleteItemFromArray(members, i);
	return ws_reparse(ws, cause);
}

int
workspace_current_member(const struct workspace *ws,
    const struct ws_member **out, char **cause)
{
	unsigned long	 uid = (unsigned long)geteuid();
	char		*name;
	size_t		 i;

	for (i = 0; i < ws->nmembers; i++) {
		if (ws->members[i].uid == uid) {
			*out = &ws->members[i];
			return 0;
		}
	}
	name = util_user_name(uid);
	if (name == NULL)
		name = xasprintf("%lu", uid);
	*cause = xasprintf(_("you (Unix user %s) are not a member of the "
	    "workspace %s; an administrator can add you with 'segsync member "
	    "add %s --role contributor'"), name, ws->dir, name);
	free(name);
	*out = NULL;
	return -1;
}

size_t
workspace_service_count(const struct workspace *ws)
{
	return ws->nservices;
}

const struct ws_service *
workspace_service_at(const struct workspace *ws, size_t i)
{
	return i < ws->nservices ? &ws->services[i] : NULL;
}

const struct ws_service *
workspace_service_find(const struct workspace *ws, const char *id)
{
	size_t	i;

	for (i = 0; i < ws->nservices; i++)
		if (strcmp(ws->services[i].id, id) == 0)
			return &ws->services[i];
	return NULL;
}

int
workspace_service_add(struct workspace *ws, const char *id,
    const char *box_pk, const char *added_by, char **cause)
{
	cJSON	*services, *sv;
	char	 now[UTIL_RFC3339_LEN];

	if (workspace_service_find(ws, id) != NULL) {
		*cause = xasprintf(_("a service identity named %s is already "
		    "registered"), id);
		return -1;
	}
	services = cJSON_GetObjectItemCaseSensitive(ws->doc, "services");
	if (services == NULL)
		services = cJSON_AddArrayToObject(ws->doc, "services");
	util_rfc3339(time(NULL), now);
	sv = cJSON_CreateObject();
	cJSON_AddStringToObject(sv, "id", id);
	cJSON_AddStringToObject(sv, "box_pk", box_pk);
	cJSON_AddStringToObject(sv, "added_by", added_by);
	cJSON_AddStringToObject(sv, "added_at", now);
	cJSON_AddItemToArray(services, sv);
	return ws_reparse(ws, cause);
}

int
workspace_segments(const struct workspace *ws, struct segment_list **lp,
    char **cause)
{
	char	*dir = workspace_data_dir(ws);
	char	*cache = workspace_path(ws, "cache/segments.json");
	int	 rv;

	rv = segments_list_mode(dir, cache, workspace_file_mode(ws),
	    workspace_gid(ws), lp, cause);
	free(cache);
	free(dir);
	return rv;
}
