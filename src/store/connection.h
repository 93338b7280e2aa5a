/*
 * Connections: the saved, non-secret part of a link to one destination
 * account (connections/<id>.json). The secrets (API keys, OAuth client
 * secrets, refresh tokens) live next to it in <id>.secrets, encrypted
 * (secrets/secrecord.h); this module never sees them.
 *
 *	{ "version": 1, "id": "c3f1...", "name": "Braze EU",
 *	  "type": "braze", "usable_by": "administrators",
 *	  "export_user": "alice" | null,
 *	  "created_by": "alice", "created_at": "2026-11-22T18:19:41Z",
 *	  "privacy_agreed_by": "alice", "privacy_agreed_at": "...",
 *	  "settings": { "endpoint": "rest.iad-03.braze.com", ... },
 *	  "secrets": [ "api_key" ],
 *	  "last_test": { "at": "...", "outcome": "ok", "message": "..." } }
 *
 * Errors: 0 / -1 with *cause set to a malloc'd sentence (caller frees).
 */
#ifndef SEGSYNC_SRC_STORE_CONNECTION_H
#define SEGSYNC_SRC_STORE_CONNECTION_H

#include <stddef.h>

struct workspace;
struct cJSON;

#define CONNECTION_VERSION	1
#define CONNECTION_NAME_MAX	64	/* bytes of UTF-8 */
#define CONNECTION_ID_LEN	16	/* hex digits */

struct connection {
	char		*id;
	char		*name;
	char		*type;		/* "braze", "sendinblue", "snapchat" */
	int		 contributors;	/* usable by contributors too */
	char		*export_user;	/* NULL when none */
	char		*created_by;
	char		*created_at;
	char		*privacy_agreed_by;
	char		*privacy_agreed_at;
	struct cJSON	*settings;	/* object of strings */
	char		**secrets;	/* names of the encrypted fields */
	size_t		 nsecrets;
	char		*last_test_at;		/* NULL until tested */
	char		*last_test_outcome;	/* dest_outcome_name() */
	char		*last_test_message;
};

struct connection_list {
	struct connection	**items;	/* sorted by name */
	size_t			  n;
};

/* Check a display name; *cause says what is wrong in words. */
int	connection_name_valid(const char *name, char **cause);

/* A fresh random id (CONNECTION_ID_LEN lowercase hex digits), malloc'd. */
char	*connection_new_id(void);

/* Paths of the two files of a connection, malloc'd. */
char	*connection_json_path(const struct workspace *, const char *id);
char	*connection_secrets_path(const struct workspace *, const char *id);

/* Read every connections/<id>.json; a damaged file is an error. */
int	connection_list_load(const struct workspace *,
	    struct connection_list *, char **cause);
void	connection_list_free(struct connection_list *);
/* Find by display name (exact), or NULL. */
struct connection *connection_list_find(const struct connection_list *,
	    const char *name);
/* Find by id, or NULL (also for a NULL id). */
struct connection *connection_list_by_id(const struct connection_list *,
	    const char *id);

/* Write connections/<id>.json atomically (caller holds the lock). */
int	connection_save(const struct workspace *, const struct connection *,
	    char **cause);
/* Remove both files of a connection (caller holds the lock). */
int	connection_remove_files(const struct workspace *, const char *id,
	    char **cause);

void	connection_free(struct connection **);
/* A deep copy (for work done away from the caller's copy). */
struct connection *connection_dup(const struct connection *);

/* Remember the outcome of a credentials test (in memory; save after). */
void	connection_set_last_test(struct connection *, const char *outcome,
	    const char *message);

/* "administrators" or "contributors", as in cli.md. */
const char	*connection_usable_by(const struct connection *);

/* The cli.md JSON form (never any secret). */
struct cJSON	*connection_to_json(const struct connection *);

#endif
