/* The record of changes to a workspace: activity.log, one JSON line each. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "store/activity.h"
#include "store/connection.h"
#include "store/export.h"
#include "store/schedule.h"
#include "store/workspace.h"

#define ACTIVITY_FILE	"activity.log"
#define ACTIVITY_CAP	(64u * 1024 * 1024)

void
activity_change(cJSON *changes, const char *key, cJSON *old, cJSON *new)
{
	cJSON	*c = cJSON_CreateObject();

	cJSON_AddItemToObject(c, "old", old != NULL ? old : cJSON_CreateNull());
	cJSON_AddItemToObject(c, "new", new != NULL ? new : cJSON_CreateNull());
	cJSON_AddItemToObject(changes, key, c);
}

int
activity_append(const struct workspace *ws, const char *by,
    const char *object, const char *id, const char *name,
    const char *action, cJSON *changes, char **cause)
{
	cJSON	*o;
	char	 now[UTIL_RFC3339_LEN], *text, *line, *path;
	size_t	 len;
	ssize_t	 n;
	int	 fd, rc = 0;

	util_rfc3339(time(NULL), now);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "at", now);
	cJSON_AddStringToObject(o, "by", by != NULL ? by : "?");
	cJSON_AddStringToObject(o, "object", object);
	if (id != NULL)
		cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", name != NULL ? name : "");
	cJSON_AddStringToObject(o, "action", action);
	if (changes != NULL && cJSON_GetArraySize(changes) > 0)
		cJSON_AddItemToObject(o, "changes", changes);
	else
		cJSON_Delete(changes);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	line = xasprintf("%s\n", text);
	free(text);
	len = strlen(line);
	path = workspace_path(ws, ACTIVITY_FILE);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    workspace_file_mode(ws));
	if (fd == -1) {
		*cause = xasprintf(_("cannot write the record of changes "
		    "%s: %s"), path, strerror(errno));
		rc = -1;
	} else {
		/* As the workspace's other files, whatever the umask. */
		if (workspace_gid(ws) != (gid_t)-1)
			(void)fchown(fd, (uid_t)-1, workspace_gid(ws));
		(void)fchmod(fd, workspace_file_mode(ws));
		/* One write: appends of other segsyncs land before or after. */
		n = write(fd, line, len);
		if (n != (ssize_t)len) {
			*cause = xasprintf(_("cannot write the record of "
			    "changes %s: %s"), path, n == -1 ?
			    strerror(errno) : _("short write"));
			rc = -1;
		} else if (fsync(fd) == -1) {
			*cause = xasprintf(_("cannot write the record of "
			    "changes %s: %s"), path, strerror(errno));
			rc = -1;
		}
		close(fd);
	}
	free(path);
	free(line);
	return rc;
}

/*
 * The last cap bytes of path at most (all of a smaller file), NUL
 * terminated; a missing file is empty. 0, or -1 with *cause.
 */
static int
read_tail(const char *path, size_t cap, char **out, size_t *outlen,
    char **cause)
{
	struct stat	 sb;
	char		*buf;
	size_t		 want, got = 0;
	ssize_t		 n;
	int		 fd;

	*out = NULL;
	*outlen = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT) {
		*out = xstrdup("");
		return 0;
	}
	if (fd == -1 || fstat(fd, &sb) == -1) {
		*cause = xasprintf(_("cannot read the record of changes %s: "
		    "%s"), path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		*cause = xasprintf(_("cannot read the record of changes %s: "
		    "%s"), path, _("it is not a regular file"));
		close(fd);
		return -1;
	}
	want = (size_t)sb.st_size > cap ? cap : (size_t)sb.st_size;
	if ((size_t)sb.st_size > cap &&
	    lseek(fd, sb.st_size - (off_t)cap, SEEK_SET) == -1) {
		*cause = xasprintf(_("cannot read the record of changes %s: "
		    "%s"), path, strerror(errno));
		close(fd);
		return -1;
	}
	buf = xmalloc(want + 1);
	while (got < want && (n = read(fd, buf + got, want - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
passes(const cJSON *e, const struct activity_filter *f)
{
	time_t	t;

	if (jstr(e, "at") == NULL || jstr(e, "object") == NULL ||
	    jstr(e, "action") == NULL || jstr(e, "by") == NULL)
		return -1;
	if (f == NULL)
		return 1;
	if (f->since != 0 && (schedule_parse_stamp(jstr(e, "at"), &t) == -1 ||
	    t < f->since))
		return 0;
	if (f->object != NULL && strcmp(jstr(e, "object"), f->object) != 0)
		return 0;
	if (f->name != NULL && (jstr(e, "name") == NULL ||
	    strcmp(jstr(e, "name"), f->name) != 0))
		return 0;
	return 1;
}

int
activity_read(const struct workspace *ws, const struct activity_filter *f,
    cJSON **out, size_t *skipped, char **cause)
{
	char	*path, *text = NULL, *line, *nl;
	size_t	 len;
	cJSON	*arr, *e;
	int	 p;

	*out = NULL;
	*skipped = 0;
	path = workspace_path(ws, ACTIVITY_FILE);
	if (read_tail(path, ACTIVITY_CAP, &text, &len, cause) == -1) {
		free(path);
		return -1;
	}
	free(path);
	arr = cJSON_CreateArray();
	line = text;
	/* Read from within: the first line is cut, an entry is left out. */
	if (len == ACTIVITY_CAP && (nl = strchr(text, '\n')) != NULL) {
		(*skipped)++;
		line = nl + 1;
	}
	for (; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL) {
			/* A torn last line: a writer was stopped mid-write. */
			(*skipped)++;
			break;
		}
		*nl = '\0';
		e = cJSON_Parse(line);
		p = e != NULL && cJSON_IsObject(e) ? passes(e, f) : -1;
		if (p == 1)
			cJSON_AddItemToArray(arr, e);
		else {
			if (p == -1)
				(*skipped)++;
			cJSON_Delete(e);
		}
	}
	free(text);
	*out = arr;
	return 0;
}

static int
export_open(const struct connection_list *cl, const struct export *x)
{
	const struct connection	*c;

	c = x != NULL ? connection_list_by_id(cl, x->connection) : NULL;
	return c != NULL && c->contributors;
}

int
activity_visible(int admin, const struct connection_list *cl,
    const struct export_list *xl, const cJSON *e)
{
	const char		*object = jstr(e, "object"), *id = jstr(e, "id");
	const cJSON		*ch;
	const struct connection	*c;

	if (admin || strcmp(object, ACTIVITY_MEMBER) == 0 ||
	    strcmp(object, ACTIVITY_KEY) == 0)
		return 1;
	if (strcmp(object, ACTIVITY_CONNECTION) == 0) {
		c = id != NULL ? connection_list_by_id(cl, id) : NULL;
		return c != NULL && c->contributors;
	}
	if (strcmp(object, ACTIVITY_EXPORT) == 0)
		return export_open(cl, id != NULL ? export_list_by_id(xl, id) :
		    NULL);
	/* A run, by its export's id: names change and are reused. */
	ch = cJSON_GetObjectItemCaseSensitive(e, "changes");
	return export_open(cl, jstr(ch, "export_id") != NULL ?
	    export_list_by_id(xl, jstr(ch, "export_id")) : NULL);
}

/* A value in a line of text: strings as they are, lists joined. */
static char *
value_text(const cJSON *v)
{
	const cJSON	*i;
	char		*s, *t;

	if (v == NULL || cJSON_IsNull(v))
		return xstrdup(_("(none)"));
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsArray(v)) {
		s = xstrdup("[");
		cJSON_ArrayForEach(i, v) {
			char	*u = value_text(i);

			t = xasprintf("%s%s%s", s, i != v->child ? ", " : "", u);
			free(u);
			free(s);
			s = t;
		}
		t = xasprintf("%s]", s);
		free(s);
		return t;
	}
	return cJSON_PrintUnformatted(v);
}

char *
activity_text(const cJSON *e)
{
	const cJSON	*changes = cJSON_GetObjectItemCaseSensitive(e,
			    "changes"), *c;
	char		*s, *t, *old, *new;

	s = xasprintf("%s \"%s\" %s", jstr(e, "object"),
	    jstr(e, "name") != NULL ? jstr(e, "name") : "",
	    jstr(e, "action"));
	cJSON_ArrayForEach(c, changes) {
		if (!cJSON_IsObject(c)) {
			old = value_text(c);
			t = xasprintf("%s%s %s %s", s, c == changes->child ?
			    ":" : ";", c->string, old);
			free(old);
		} else {
			old = value_text(cJSON_GetObjectItemCaseSensitive(c,
			    "old"));
			new = value_text(cJSON_GetObjectItemCaseSensitive(c,
			    "new"));
			t = xasprintf("%s%s %s %s -> %s", s, c ==
			    changes->child ? ":" : ";", c->string, old, new);
			free(old);
			free(new);
		}
		free(s);
		s = t;
	}
	return s;
}
