/*
 * The terminal UI's application: the workspace as the screens see it
 * (the member, the unlocked identity, the connections, exports and
 * segments) and the helpers they share. Screens open each other through
 * nav.h; runs are started, resumed and cancelled through runshow.h.
 *
 * Screens change saved state only through src/store/connops.h, on the loop's
 * thread; background jobs get their own copies of what they need.
 */
#ifndef SEGSYNC_SCREENS_APP_H
#define SEGSYNC_SCREENS_APP_H

#include <stddef.h>

#include "data/segments.h"
#include "dest/dest.h"
#include "secrets/identity.h"
#include "store/connection.h"
#include "store/export.h"
#include "store/workspace.h"

#define APP_NOTES_FILE	"notes.txt"	/* in the workspace */
#define APP_NOTES_MAX	(16u * 1024)

struct ui;

struct app {
	struct ui		*ui;
	struct workspace	*ws;
	const struct ws_member	*me;	/* refreshed by app_reload */
	char			*user;
	int			 admin;
	struct identity		*id;	/* unlocked, or NULL */
	const char		*key_file;
	const char		*passphrase_file;
	struct connection_list	 conns;
	struct export_list	 exports;
	struct segment_list	*segs;
	char			*segs_error;
	size_t			 nruns;
	size_t			 nrunning;	/* workers alive */
	/* Exports whose last run a guard stopped, and the newest's name. */
	size_t			 nguarded;
	char			*guarded_name;
	/*
	 * Exports whose last run succeeded with rejected profiles, and the
	 * newest's name and count.
	 */
	size_t			 nrejecting;
	char			*rejecting_name;
	uint64_t		 rejecting_count;
	char			*run_offer;	/* the export to run now? */
	char			*just_saved;	/* id a wizard saved: the list
						   it returns to selects it */
	int			 just_saved_kind; /* 'c'onnection, e'x'port */
	char			*run_watch;	/* the run to watch? */
	char			*run_resume;	/* the run to resume? */
	char			*run_anyway;	/* export to force, asked */
	int			 run_resume_open; /* then watch it */
	char			*run_cancel;	/* the run to stop? */
	char			*notes;		/* the workspace's notes.txt */
};

/*
 * Read the workspace again: the member (and role), connections, exports,
 * segments and runs. After any locked change (the member's entry moves).
 * 0, or -1 with the reason on the message line.
 */
int			 app_reload(struct app *);
/* How many runs have a live worker now, wherever started (nrunning). */
size_t			 app_running_now(struct app *);

/* The connection with this id, or NULL. */
struct connection	*app_conn(struct app *, const char *id);
/* 1 when the member may use (and see) the connection. */
int			 app_conn_usable(const struct app *,
			     const struct connection *);
/* The driver of a connection, or NULL for an unknown type. */
const struct dest_driver *app_driver(const struct connection *);
/* The destination's label ("Braze") for a type, translated. */
const char		*app_type_label(const char *type);
/* The segment called name, or NULL. */
const struct segment	*app_segment(const struct app *, const char *name);
/* How many exports use the connection, and their names ("A, B"). */
size_t			 app_conn_exports(const struct app *, const char *id,
			     char **names);

/*
 * A core message clause as a sentence: capital first letter, full stop.
 * Takes s (malloc'd) and returns the sentence (malloc'd).
 */
char			*app_sentence(char *s);

/*
 * "Label:  value" lines, kv[2i] and kv[2i + 1] for n pairs, the values
 * aligned and wrapped under themselves in width columns; malloc'd.
 */
char			*app_kv(const char *const *kv, size_t n, int width);

/*
 * For a background job on a saved connection: a workspace handle of its
 * own and a copy of the unlocked identity (both the job's), so that a
 * credential store can save what the destination renews (connops_test) without
 * sharing the screens' handle with the worker thread. 0, or -1 with the
 * reason on the message line.
 */
int			 app_job_keys(struct app *, struct workspace **,
			     struct identity **);

/*
 * One clause per driver of the registry, for help texts that name the
 * destinations (so that a new driver is in them): each(d) is the
 * driver's clause (malloc'd), or NULL to leave it out. The clauses are
 * joined with sep, the last two with last; malloc'd, or NULL when no
 * driver gave one.
 */
typedef char		*app_dest_clause_fn(const struct dest_driver *);
char			*app_dests_join(app_dest_clause_fn *each,
			     const char *sep, const char *last);

/*
 * Where the parts of an RFC 3339 time ("2026-11-22T18:19:41Z") are, for
 * the screens that show some of them: the date and the year in it, the
 * time, its seconds, and the length of a time with seconds.
 */
#define APP_RFC3339_DATE_LEN	10	/* "2026-11-22" */
#define APP_RFC3339_YEAR_LEN	5	/* "2026-" */
#define APP_RFC3339_TIME	11	/* "18:19:41Z" */
#define APP_RFC3339_SECS	17	/* "41Z" */
#define APP_RFC3339_SECS_END	19

/* A short date for lists: "2026-11-22 18:19" from RFC 3339 (static). */
const char		*app_date(const char *rfc3339);

#endif
