/* Locked changes to saved exports, shared by the command line and the UI. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include <stdio.h>

#include <cjson/cJSON.h>

#include "store/activity.h"
#include "store/connection.h"
#include "store/export.h"
#include "store/exportops.h"
#include "store/schedule.h"
#include "store/workspace.h"

int
exportops_may_change(const struct ws_member *me,
    const struct connection_list *cl, const struct export *x)
{
	const struct connection	*c = connection_list_by_id(cl, x->connection);

	return me->role == WS_ROLE_ADMIN || (c != NULL && c->contributors);
}

/* The name of connection id, or the id when it is gone. */
static const char *
conn_name(const struct connection_list *cl, const char *id)
{
	const struct connection	*c = connection_list_by_id(cl, id);

	return c != NULL ? c->name : id;
}

/*
 * Record a change already saved; a failure is only said (on stderr): the
 * change stands.
 */
static void
record(const struct workspace *ws, const char *by, const struct export *x,
    const char *action, cJSON *changes)
{
	char	*cause = NULL;

	if (activity_append(ws, by, ACTIVITY_EXPORT, x->id, x->name, action,
	    changes, &cause) == -1) {
		fprintf(stderr, "segsync: %s\n", cause);
		free(cause);
	}
}

enum fail_kind
exportops_add(struct workspace *ws, const struct export *x, const char *from,
    char **cause)
{
	struct export_list	 xl = { NULL, 0 };
	struct connection_list	 cl = { NULL, 0 };
	const struct ws_member	*me;
	cJSON			*changes;
	enum fail_kind		 rc = FAIL_NONE;

	if (workspace_lock(ws, cause) == -1)
		return FAIL_ERROR;
	/* Someone may have taken the name meanwhile. */
	if (workspace_current_member(ws, &me, cause) == -1 ||
	    connection_list_load(ws, &cl, cause) == -1 ||
	    export_list_load(ws, &xl, cause) == -1)
		rc = FAIL_ERROR;
	else if (!exportops_may_change(me, &cl, x)) {
		*cause = xasprintf(_("only administrators can add an export "
		    "on this connection: it is for administrators only, and "
		    "you (%s) are a contributor"), me->user);
		rc = FAIL_DENIED;
	} else if (export_list_find(&xl, x->name) != NULL) {
		*cause = xasprintf(_("an export named \"%s\" already exists; "
		    "choose another name"), x->name);
		rc = FAIL_INVALID;
	} else if (export_save(ws, x, cause) == -1)
		rc = FAIL_ERROR;
	if (rc == FAIL_NONE) {
		changes = export_changes_json(NULL, x, NULL,
		    conn_name(&cl, x->connection));
		if (from != NULL)
			cJSON_AddStringToObject(changes, "copy_of", from);
		if (x->schedule.kind >= SCHEDULE_HOURLY &&
		    exportops_schedule_mark(ws, x, time(NULL), cause) == -1) {
			fprintf(stderr, "segsync: %s\n", *cause);
			xfree(cause);
		}
		record(ws, me->user, x, from != NULL ? "duplicate" : "add",
		    changes);
	}
	workspace_unlock(ws);
	export_list_free(&xl);
	connection_list_free(&cl);
	return rc;
}

enum fail_kind
exportops_remove(struct workspace *ws, const struct export *x, char **cause)
{
	struct export_list	 xl = { NULL, 0 };
	struct connection_list	 cl = { NULL, 0 };
	const struct ws_member	*me;
	const struct export	*now;
	enum fail_kind		 rc = FAIL_NONE;

	if (workspace_lock(ws, cause) == -1)
		return FAIL_ERROR;
	if (workspace_current_member(ws, &me, cause) == -1 ||
	    connection_list_load(ws, &cl, cause) == -1 ||
	    export_list_load(ws, &xl, cause) == -1)
		rc = FAIL_ERROR;
	else if ((now = export_list_by_id(&xl, x->id)) == NULL) {
		*cause = xasprintf(_("the export \"%s\" was removed "
		    "meanwhile"), x->name);
		rc = FAIL_INVALID;
	} else if (!exportops_may_change(me, &cl, now)) {
		*cause = xasprintf(_("only administrators can remove the "
		    "export \"%s\": its connection is for administrators "
		    "only"), x->name);
		rc = FAIL_DENIED;
	} else if (export_remove_file(ws, x->id, cause) == -1)
		rc = FAIL_ERROR;
	else
		record(ws, me->user, x, "remove", NULL);
	workspace_unlock(ws);
	export_list_free(&xl);
	connection_list_free(&cl);
	return rc;
}

enum fail_kind
exportops_update(struct workspace *ws, const struct export *was,
    struct export *x, char **cause)
{
	struct export_list	 xl = { NULL, 0 };
	struct connection_list	 cl = { NULL, 0 };
	const struct ws_member	*me;
	const struct export	*now, *same;
	char			 stamp[UTIL_RFC3339_LEN], *why = NULL;
	enum fail_kind		 rc = FAIL_NONE;

	if (workspace_lock(ws, cause) == -1)
		return FAIL_ERROR;
	if (workspace_current_member(ws, &me, cause) == -1 ||
	    connection_list_load(ws, &cl, cause) == -1 ||
	    export_list_load(ws, &xl, cause) == -1) {
		rc = FAIL_ERROR;
		goto out;
	}
	now = export_list_by_id(&xl, was->id);
	same = export_list_find(&xl, x->name);
	if (now == NULL) {
		*cause = xasprintf(_("the export \"%s\" was removed "
		    "meanwhile; nothing was saved"), was->name);
		rc = FAIL_INVALID;
	} else if (export_changes(was, now) != 0) {
		*cause = xasprintf(_("the export \"%s\" was changed by someone "
		    "else meanwhile; nothing was saved: look at it again and "
		    "make your change then"), was->name);
		rc = FAIL_INVALID;
	} else if (same != NULL && same != now) {
		*cause = xasprintf(_("an export named \"%s\" already exists; "
		    "choose another name"), x->name);
		rc = FAIL_INVALID;
	} else if (!exportops_may_change(me, &cl, now) ||
	    !exportops_may_change(me, &cl, x)) {
		*cause = xasprintf(_("only administrators can change the "
		    "export \"%s\": its connection is for administrators "
		    "only, and you (%s) are a contributor"), was->name,
		    me->user);
		rc = FAIL_DENIED;
	}
	if (rc != FAIL_NONE)
		goto out;
	util_rfc3339(time(NULL), stamp);
	free(x->changed_by);
	free(x->changed_at);
	x->changed_by = xstrdup(me->user);
	x->changed_at = xstrdup(stamp);
	if (export_save(ws, x, cause) == -1)
		rc = FAIL_ERROR;
	else {
		unsigned	c = export_changes(was, x);

		/*
		 * A new schedule counts from now: the slots of the old one
		 * (and a stamp it left) are not this one's to catch up.
		 */
		if ((c & EXPORT_CHANGED_SCHEDULE) &&
		    exportops_schedule_mark(ws, x, time(NULL), &why) == -1) {
			fprintf(stderr, "segsync: %s\n", why);
			free(why);
		}

		record(ws, me->user, x, c == EXPORT_CHANGED_DETACHED &&
		    x->detached ? "detach" : (c & EXPORT_CHANGED_DETACHED) ?
		    "attach" : "edit", export_changes_json(was, x,
		    conn_name(&cl, was->connection), conn_name(&cl,
		    x->connection)));
	}
out:
	workspace_unlock(ws);
	export_list_free(&xl);
	connection_list_free(&cl);
	return rc;
}

static char *
last_path(const struct workspace *ws, const struct export *x)
{
	char	*rel, *path;

	rel = xasprintf("exports/%s.last", x->id);
	path = workspace_path(ws, rel);
	free(rel);
	return path;
}

time_t
exportops_schedule_since(const struct workspace *ws, const struct export *x)
{
	char	*path, *text = NULL, *cause = NULL, *nl;
	size_t	 len;
	time_t	 t = 0;

	path = last_path(ws, x);
	if (fileio_read(path, 64, 1, &text, &len, &cause) == 0) {
		if ((nl = strchr(text, '\n')) != NULL)
			*nl = '\0';
		if (schedule_parse_stamp(text, &t) == -1)
			t = 0;
	}
	free(cause);
	free(text);
	free(path);
	/* Written whenever the schedule is set: else, since its creation. */
	if (t == 0 && schedule_parse_stamp(x->created_at, &t) == -1)
		t = 0;
	return t;
}

int
exportops_schedule_mark(const struct workspace *ws, const struct export *x,
    time_t t, char **cause)
{
	char	stamp[UTIL_RFC3339_LEN + 1], *path;
	int	rc;

	util_rfc3339(t, stamp);
	strcat(stamp, "\n");
	path = last_path(ws, x);
	rc = fileio_write_atomic(path, stamp, strlen(stamp),
	    workspace_file_mode(ws), workspace_gid(ws), cause);
	free(path);
	return rc;
}
