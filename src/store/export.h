/*
 * Exports: a saved job (exports/<id>.json): a connection, a display name,
 * the destination target, the mapping of segment fields to destination
 * fields, the segments to send, and whether scheduled refreshes run it.
 *
 *	{ "version": 1, "id": "9f2c...", "name": "VIP to Braze",
 *	  "connection": "<connection id>", "target": "seg-api-id",
 *	  "target_name": "VIP (Braze)" | null,
 *	  "mapping": { "email": "email", "customer_id": "customer_id",
 *	               "attr:city": "city" },
 *	  "segments": [ "VIP customers", "Newsletter" ],
 *	  "scheduled": true, "schedule": "daily 06:30",
 *	  "time_zone": "Europe/Paris", "mode": "upsert", "max_removals": 10,
 *	  "max_rejected": 50,
 *	  "destination": "braze", "detached": false,
 *	  "created_by": "alice", "created_at": "...",
 *	  "changed_by": "bob", "changed_at": "..." }
 *
 * A detached export keeps everything but is never run (refresh skips it,
 * a run is refused) until an edit attaches it to a connection of its
 * destination type again; "connection" still names the one it had, which
 * may be gone.
 *
 * Errors: 0 / -1 with *cause set to a malloc'd sentence (caller frees).
 */
#ifndef SEGSYNC_SRC_STORE_EXPORT_H
#define SEGSYNC_SRC_STORE_EXPORT_H

#include <stddef.h>

#include "store/schedule.h"

struct workspace;
struct dest_driver;
struct segment_list;
struct connection;
struct cJSON;

#define EXPORT_VERSION	1

/*
 * How a run keeps the target in step (data-rules.md "Keeping a destination
 * in step"). An export saved before modes existed loads as upsert.
 */
enum export_mode {
	EXPORT_UPSERT,
	EXPORT_MIRROR,
	EXPORT_UPDATE_ONLY
};

/* The mirror mode's largest share of removals, in percent, by default. */
#define EXPORT_MAX_REMOVALS_DEFAULT	10
/*
 * A run whose rejected share passes this fails (the mapping or the data
 * is likely wrong), before it removes anyone.
 */
#define EXPORT_MAX_REJECTED_DEFAULT	50

struct export_map {
	char	*dest;		/* "email", "customer_id", "attr:NAME" */
	char	*field;		/* the segments' CSV field */
};

struct export {
	char			*id;
	char			*name;
	char			*connection;	/* connection id */
	char			*target;
	char			*target_name;	/* found at the destination */
	struct export_map	*map;
	size_t			 nmap;
	char			**segments;
	size_t			 nsegments;
	int			 scheduled;	/* schedule.kind != OFF */
	struct schedule		 schedule;	/* "schedule", "time_zone" */
	int			 detached;	/* kept, but never run */
	char			*destination;	/* driver id; NULL: unknown */
	enum export_mode	 mode;
	unsigned		 max_removals;	/* percent, 0 to 100 */
	unsigned		 max_rejected;	/* percent, 0 to 100 */
	char			*created_by;
	char			*created_at;
	char			*changed_by;	/* last edit; NULL: none */
	char			*changed_at;
};

struct export_list {
	struct export	**items;	/* sorted by name */
	size_t		  n;
};

/*
 * Parse "DEST=FIELD" (as given to --map) into m (malloc'd strings).
 * DEST is split at the first '='.
 */
int	export_map_parse(const char *arg, struct export_map *m, char **cause);

/* "upsert", "mirror", "update-only"; and back (-1: not a mode). */
const char	*export_mode_name(enum export_mode);
int		 export_mode_parse(const char *);

/*
 * A new, empty export with the defaults of one saved before modes
 * existed (upsert, EXPORT_MAX_REMOVALS_DEFAULT): every path that creates
 * an export starts here, so that none saves a maximum of 0 by accident.
 */
struct export	*export_new(void);

/* Set the schedule (and scheduled with it). */
void		 export_set_schedule(struct export *, const struct schedule *);

/*
 * The schedule in words for a listing ("daily 06:30 Europe/Paris"), into
 * buf.
 */
const char	*export_schedule_text(const struct export *, char *buf,
		    size_t size);

/* A deep copy. */
struct export	*export_dup(const struct export *);

/*
 * What an edit changed, from the export as saved (a) to the edited one
 * (b): EXPORT_CHANGED_* bits.
 */
#define EXPORT_CHANGED_NAME		0x001u
#define EXPORT_CHANGED_CONNECTION	0x002u
#define EXPORT_CHANGED_TARGET		0x004u
#define EXPORT_CHANGED_MAPPING		0x008u
#define EXPORT_CHANGED_SEGMENTS		0x010u
#define EXPORT_CHANGED_MODE		0x020u
#define EXPORT_CHANGED_MAX_REMOVALS	0x040u
#define EXPORT_CHANGED_SCHEDULE		0x080u
#define EXPORT_CHANGED_DETACHED		0x100u
#define EXPORT_CHANGED_MAX_REJECTED	0x200u
unsigned	 export_changes(const struct export *a, const struct export *b);

/*
 * The changes as the record of changes keeps them (store/activity.h):
 * {"FIELD": {"old": ..., "new": ...}} for each field that changed, the
 * connections by the names given. Every field of b when a is NULL.
 */
struct cJSON	*export_changes_json(const struct export *a,
		    const struct export *b, const char *conn_a,
		    const char *conn_b);

/*
 * What the changes do to the export's next run and its sync state, in
 * sentences (malloc'd, NULL when they do nothing to it): a new connection
 * or target starts a new state and leaves the old target as it is; a new
 * mapping sends every profile again, once; in mirror mode, segments left
 * out remove their members (within the guard).
 */
char		*export_changes_effect(const struct export *a,
		    const struct export *b, unsigned changes);

/* Whether the export sends the segment called name. */
int		 export_has_segment(const struct export *, const char *name);

/* The field mapped to dest ("email"), or NULL. */
const char	*export_field(const struct export *, const char *dest);

/*
 * Check an export against its destination driver and the data folder's
 * segments: every mapped destination field exists for the driver (attr:
 * only where it takes custom attributes), every required one is mapped,
 * nothing is mapped twice, every segment exists, is usable and is named
 * once, every mapped field is in every selected segment's header, the
 * mode is one the destination offers (update-only: drivers with
 * update_only) and the maximum share of removals is 0 to 100.
 * The message names what is wrong and what to do.
 */
int	export_validate(const struct export *, const struct dest_driver *,
	    const struct segment_list *, char **cause);

int	export_list_load(const struct workspace *, struct export_list *,
	    char **cause);
void	export_list_free(struct export_list *);
/* Find by display name (exact), or by id (NULL: none); or NULL. */
struct export *export_list_find(const struct export_list *, const char *name);
struct export *export_list_by_id(const struct export_list *, const char *id);

/* Write exports/<id>.json atomically (caller holds the lock). */
int	export_save(const struct workspace *, const struct export *,
	    char **cause);
int	export_remove_file(const struct workspace *, const char *id,
	    char **cause);
void	export_free(struct export **);

/* Rows of the export's segments in the listing (malformed included). */
unsigned long long export_members(const struct export *,
	    const struct segment_list *);

struct deliver_mapping;
/*
 * The n mappings as deliver_run() takes them: each slot's field and the
 * custom attributes ("attr:NAME"), pointing into map (which must outlive
 * dm). 0, or -1 with *cause when d has no slot for one of them. Free with
 * export_delivery_mapping_free().
 */
int	export_delivery_mapping(const struct export_map *map, size_t n,
	    const struct dest_driver *d, struct deliver_mapping *dm,
	    char **cause);
void	export_delivery_mapping_free(struct deliver_mapping *dm);

/*
 * The export's destination type: the one it was saved with, else its
 * connection's (c, may be NULL), else NULL.
 */
const char	*export_destination(const struct export *,
		    const struct connection *c);

/* cli.md's JSON: connection given by its display name. */
struct cJSON	*export_to_json(const struct export *,
		    const char *connection_name);

#endif
