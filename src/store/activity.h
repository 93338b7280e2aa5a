/*
 * The record of changes (activity.log in the workspace): one JSON line per
 * change to members, key files, connections, exports and schedules, and
 * per run started or cancelled, saying who, when, what, and the old and
 * new values of the fields that are not secret. A secret is only said to
 * be replaced; no profile ever appears.
 *
 *	{"at": "2026-12-03T13:17:02Z", "by": "alice", "object": "export",
 *	 "id": "9f2c...", "name": "VIP to Braze", "action": "edit",
 *	 "changes": {"segments": {"old": ["VIP"], "new": ["VIP", "Gold"]}}}
 *
 * Lines are appended with one write(2) on an O_APPEND descriptor, so that
 * writers do not interleave; a line that cannot be written is said on
 * stderr by the caller and does not undo the change it records (the change
 * is already saved). Reading skips a torn or foreign line, counting it.
 */
#ifndef SEGSYNC_SRC_STORE_ACTIVITY_H
#define SEGSYNC_SRC_STORE_ACTIVITY_H

#include <stddef.h>
#include <time.h>

struct cJSON;
struct workspace;

/* What changed, for the "object" key. */
#define ACTIVITY_MEMBER		"member"
#define ACTIVITY_KEY		"key"
#define ACTIVITY_CONNECTION	"connection"
#define ACTIVITY_EXPORT		"export"
#define ACTIVITY_RUN		"run"

/*
 * Append one entry by user now. changes (may be NULL) is taken over.
 * 0, or -1 with *cause.
 */
int	activity_append(const struct workspace *, const char *by,
	    const char *object, const char *id, const char *name,
	    const char *action, struct cJSON *changes, char **cause);

/* {"old": old, "new": new}, both taken over, added to changes as key. */
void	activity_change(struct cJSON *changes, const char *key,
	    struct cJSON *old, struct cJSON *new);

struct activity_filter {
	time_t		 since;		/* 0: from the start */
	const char	*object;	/* NULL: every object */
	const char	*name;		/* NULL: every name */
};

/*
 * The entries that pass the filter, oldest first, as a JSON array
 * (*out, the caller deletes it); *skipped counts lines that are not
 * entries. A log that does not exist yet is empty. 0, or -1 with *cause.
 */
int	activity_read(const struct workspace *, const struct activity_filter *,
	    struct cJSON **out, size_t *skipped, char **cause);

struct connection_list;
struct export_list;
/*
 * Whether a member may see the entry: administrators (admin set) every
 * one; contributors those about members and key files, the connections
 * open to them, and the exports (and their runs) of those connections.
 */
int	activity_visible(int admin, const struct connection_list *,
	    const struct export_list *, const struct cJSON *entry);

/* One entry in words ("export "VIP" edit: segments [A] -> [A, B]"). */
char	*activity_text(const struct cJSON *entry);

#endif
