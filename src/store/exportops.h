/*
 * The locked changes to saved exports that the command line and the UI
 * share: add, edit (rename, re-target, re-map, re-attach, detach) and who
 * may make them. Each re-reads, under the workspace lock, what its caller
 * checked before (the member's role, the connection, a free name, the
 * export as the caller read it), since another segsync may have changed
 * it meanwhile.
 *
 * Errors: enum fail_kind (base/fail.h) with *cause set to a malloc'd
 * sentence (caller frees).
 */
#ifndef SEGSYNC_SRC_STORE_EXPORTOPS_H
#define SEGSYNC_SRC_STORE_EXPORTOPS_H

#include <time.h>

#include "base/fail.h"

struct connection_list;
struct export;
struct workspace;
struct ws_member;

/*
 * Whether the member may change x (edit, duplicate, detach, remove):
 * administrators every export; contributors those whose connection is
 * open to contributors (product.md: they manage every export of such a
 * connection, and never the connection itself).
 */
int		exportops_may_change(const struct ws_member *,
		    const struct connection_list *, const struct export *);

/*
 * Save a new export under the lock, its name still free; from names the
 * export it copies (NULL: none), for the record of changes.
 */
enum fail_kind	exportops_add(struct workspace *, const struct export *,
		    const char *from, char **cause);

/*
 * Remove x (its file, sync state and schedule's stamp) under the lock,
 * if the member may change it.
 */
enum fail_kind	exportops_remove(struct workspace *, const struct export *,
		    char **cause);

/*
 * Save x, an edit of was (the export as the caller read it, same id),
 * stamped as changed by user now: under the lock the export must still be
 * as was (else it changed meanwhile and nothing is saved), x's name free,
 * and the member allowed to change both was and x (contributors: both
 * connections open to them).
 */
enum fail_kind	exportops_update(struct workspace *, const struct export *was,
		    struct export *x, char **cause);

/*
 * When refresh last started x on its schedule, or its schedule was set
 * (exports/<id>.last, written by both), else its creation; 0 when
 * neither is known.
 */
time_t		exportops_schedule_since(const struct workspace *,
		    const struct export *);

/* Remember that refresh started x on its schedule at t. 0, or -1. */
int		exportops_schedule_mark(const struct workspace *,
		    const struct export *, time_t t, char **cause);

#endif
