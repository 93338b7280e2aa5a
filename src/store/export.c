/* Exports: saved jobs, their validation and their JSON form. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "data/segments.h"
#include "dest/dest.h"
#include "run/deliver.h"
#include "store/activity.h"
#include "store/connection.h"
#include "store/export.h"
#include "store/workspace.h"

#define EXPORT_FILE_CAP	(1u * 1024 * 1024)
#define ATTR_PREFIX	"attr:"

int
export_map_parse(const char *arg, struct export_map *m, char **cause)
{
	const char	*eq;

	memset(m, 0, sizeof *m);
	eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || eq[1] == '\0') {
		*cause = xasprintf(_("--map \"%s\": write DEST=FIELD, for "
		    "example email=email_address"), arg);
		return -1;
	}
	m->dest = xstrndup(arg, (size_t)(eq - arg));
	m->field = xstrdup(eq + 1);
	return 0;
}

const char *
export_field(const struct export *x, const char *dest)
{
	size_t	i;

	for (i = 0; i < x->nmap; i++)
		if (strcmp(x->map[i].dest, dest) == 0)
			return x->map[i].field;
	return NULL;
}

static int
segment_has_field(const struct segment *sg, const char *field)
{
	size_t	i;

	for (i = 0; i < sg->nfields; i++)
		if (strcmp(sg->fields[i], field) == 0)
			return 1;
	return 0;
}

/* "email, customer_id, attr:NAME": what a driver can map, malloc'd. */
static char *
slot_keys(const struct dest_driver *d)
{
	const struct dest_slot	*slot;
	char			*s = xstrdup(""), *t;

	for (slot = d->slots; slot->key != NULL; slot++) {
		t = xasprintf("%s%s%s", s, *s != '\0' ? ", " : "", slot->key);
		free(s);
		s = t;
	}
	if (d->attrs) {
		t = xasprintf("%s, %sNAME", s, ATTR_PREFIX);
		free(s);
		s = t;
	}
	return s;
}

static int
offers_update_only(const struct dest_driver *d)
{
	return d->update_only;
}

/* The mode and its maximum, which the front ends check before the rest. */
static int
export_mode_check(const struct export *x, const struct dest_driver *d,
    char **cause)
{
	char	*which;

	if (x->mode != EXPORT_UPSERT && x->mode != EXPORT_MIRROR &&
	    x->mode != EXPORT_UPDATE_ONLY) {
		*cause = xasprintf(_("unknown mode %d: choose upsert, mirror "
		    "or update-only"), (int)x->mode);
		return -1;
	}
	if (x->max_removals > 100) {
		*cause = xasprintf(_("the largest share of removals is a "
		    "percentage, from 0 to 100, not %u"), x->max_removals);
		return -1;
	}
	if (x->max_rejected > 100) {
		*cause = xasprintf(_("the largest share of rejected profiles "
		    "is a percentage, from 0 to 100, not %u"), x->max_rejected);
		return -1;
	}
	if (x->mode != EXPORT_UPDATE_ONLY || d->update_only)
		return 0;
	/* The destinations that can say which ones do (a sentence's list). */
	which = dest_names(DEST_NAME_SHORT, offers_update_only, ", ",
	    _(" and "));
	if (*which != '\0')
		*cause = xasprintf(_("%s cannot be told to update only the "
		    "profiles it already has, so an export to it cannot use "
		    "the update-only mode (%s can); choose upsert or mirror"),
		    _(d->label), which);
	else
		*cause = xasprintf(_("%s cannot be told to update only the "
		    "profiles it already has, so an export to it cannot use "
		    "the update-only mode; choose upsert or mirror"),
		    _(d->label));
	free(which);
	return -1;
}

int
export_validate(const struct export *x, const struct dest_driver *d,
    const struct segment_list *segs, char **cause)
{
	const struct dest_slot	*slot;
	const struct segment	*sg;
	const char		*dest, *name;
	char			*keys;
	size_t			 i, j;

	if (export_mode_check(x, d, cause) == -1)
		return -1;
	for (i = 0; i < x->nmap; i++) {
		dest = x->map[i].dest;
		for (j = 0; j < i; j++) {
			if (strcmp(x->map[j].dest, dest) == 0) {
				*cause = xasprintf(_("\"%s\" is mapped twice; "
				    "map each destination field once"), dest);
				return -1;
			}
		}
		if (strncmp(dest, ATTR_PREFIX, strlen(ATTR_PREFIX)) == 0) {
			name = dest + strlen(ATTR_PREFIX);
			if (!d->attrs) {
				keys = slot_keys(d);
				*cause = xasprintf(_("%s takes no custom "
				    "attributes (\"%s\"); what it takes: %s"),
				    _(d->label), dest, keys);
				free(keys);
				return -1;
			}
			if (*name == '\0' ||
			    strlen(name) > d->limits.attr_name_max) {
				*cause =
				    xasprintf(_("\"%s\": a custom attribute "
						"needs a name of 1 to %zu "
						"characters"),
					dest, d->limits.attr_name_max);
				return -1;
			}
			continue;
		}
		if (dest_slot_by_key(d, dest) == NULL) {
			keys = slot_keys(d);
			*cause = xasprintf(_("%s has no field \"%s\" to map; "
			    "what it takes: %s"), _(d->label), dest, keys);
			free(keys);
			return -1;
		}
	}
	for (slot = d->slots; slot->key != NULL; slot++) {
		if (slot->required && export_field(x, slot->key) == NULL) {
			*cause =
			    xasprintf(_("%s needs the %s mapped: add --map "
					"%s=FIELD"),
				_(d->label), _(slot->label), slot->key);
			return -1;
		}
	}
	if (x->nsegments == 0) {
		*cause = xstrdup(_("no segment chosen: add --segment SEG at "
		    "least once (see 'segsync segments')"));
		return -1;
	}
	for (i = 0; i < x->nsegments; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(x->segments[i], x->segments[j]) == 0) {
				*cause = xasprintf(_("the segment \"%s\" is "
				    "chosen twice"), x->segments[i]);
				return -1;
			}
		}
		sg = segments_find(segs, x->segments[i]);
		if (sg == NULL) {
			*cause =
			    xasprintf(_("there is no segment \"%s\" in the "
					"data folder (see 'segsync segments')"),
				x->segments[i]);
			return -1;
		}
		if (!sg->usable) {
			*cause = xasprintf(_("the segment \"%s\" cannot be "
			    "used: %s"), sg->name, sg->error);
			return -1;
		}
		for (j = 0; j < x->nmap; j++) {
			if (!segment_has_field(sg, x->map[j].field)) {
				*cause =
				    xasprintf(_("the segment \"%s\" has no "
						"field \"%s\" (mapped to %s)"),
					sg->name, x->map[j].field,
					x->map[j].dest);
				return -1;
			}
		}
	}
	return 0;
}

struct export *
export_new(void)
{
	struct export	*x;

	x = xcalloc(1, sizeof *x);
	x->mode = EXPORT_UPSERT;
	x->max_removals = EXPORT_MAX_REMOVALS_DEFAULT;
	x->max_rejected = EXPORT_MAX_REJECTED_DEFAULT;
	return x;
}

void
export_free(struct export **px)
{
	struct export	*x = *px;
	size_t		 i;

	if (x == NULL)
		return;
	free(x->id);
	free(x->name);
	free(x->connection);
	free(x->target);
	free(x->target_name);
	for (i = 0; i < x->nmap; i++) {
		free(x->map[i].dest);
		free(x->map[i].field);
	}
	free(x->map);
	for (i = 0; i < x->nsegments; i++)
		free(x->segments[i]);
	free(x->segments);
	free(x->created_by);
	free(x->created_at);
	free(x->changed_by);
	free(x->changed_at);
	free(x->destination);
	free(x);
	*px = NULL;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct export *
export_dup(const struct export *x)
{
	struct export	*y;
	size_t		 i;

	y = xcalloc(1, sizeof *y);
	*y = *x;
	y->id = dup_or_null(x->id);
	y->name = dup_or_null(x->name);
	y->connection = dup_or_null(x->connection);
	y->target = dup_or_null(x->target);
	y->target_name = dup_or_null(x->target_name);
	y->destination = dup_or_null(x->destination);
	y->created_by = dup_or_null(x->created_by);
	y->created_at = dup_or_null(x->created_at);
	y->changed_by = dup_or_null(x->changed_by);
	y->changed_at = dup_or_null(x->changed_at);
	y->map = xcalloc(x->nmap + 1, sizeof *y->map);
	for (i = 0; i < x->nmap; i++) {
		y->map[i].dest = xstrdup(x->map[i].dest);
		y->map[i].field = xstrdup(x->map[i].field);
	}
	y->segments = xcalloc(x->nsegments + 1, sizeof *y->segments);
	for (i = 0; i < x->nsegments; i++)
		y->segments[i] = xstrdup(x->segments[i]);
	return y;
}

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* The same mapping, whatever the order of its entries. */
static int
same_mapping(const struct export *a, const struct export *b)
{
	const char	*f;
	size_t		 i;

	if (a->nmap != b->nmap)
		return 0;
	for (i = 0; i < a->nmap; i++) {
		f = export_field(b, a->map[i].dest);
		if (f == NULL || strcmp(f, a->map[i].field) != 0)
			return 0;
	}
	return 1;
}

int
export_has_segment(const struct export *x, const char *name)
{
	size_t	i;

	for (i = 0; i < x->nsegments; i++)
		if (strcmp(x->segments[i], name) == 0)
			return 1;
	return 0;
}

/* The same set of segments: their order does not matter to a run. */
static int
same_segments(const struct export *a, const struct export *b)
{
	size_t	i;

	if (a->nsegments != b->nsegments)
		return 0;
	for (i = 0; i < a->nsegments; i++)
		if (!export_has_segment(b, a->segments[i]))
			return 0;
	return 1;
}

unsigned
export_changes(const struct export *a, const struct export *b)
{
	unsigned	c = 0;

	if (str_differ(a->name, b->name))
		c |= EXPORT_CHANGED_NAME;
	if (str_differ(a->connection, b->connection))
		c |= EXPORT_CHANGED_CONNECTION;
	if (str_differ(a->target, b->target))
		c |= EXPORT_CHANGED_TARGET;
	if (!same_mapping(a, b))
		c |= EXPORT_CHANGED_MAPPING;
	if (!same_segments(a, b))
		c |= EXPORT_CHANGED_SEGMENTS;
	if (a->mode != b->mode)
		c |= EXPORT_CHANGED_MODE;
	if (a->max_removals != b->max_removals)
		c |= EXPORT_CHANGED_MAX_REMOVALS;
	if (a->max_rejected != b->max_rejected)
		c |= EXPORT_CHANGED_MAX_REJECTED;
	if (a->scheduled != b->scheduled ||
	    a->schedule.kind != b->schedule.kind ||
	    a->schedule.hour != b->schedule.hour ||
	    a->schedule.minute != b->schedule.minute ||
	    a->schedule.wday != b->schedule.wday ||
	    strcmp(a->schedule.tz, b->schedule.tz) != 0)
		c |= EXPORT_CHANGED_SCHEDULE;
	if (a->detached != b->detached)
		c |= EXPORT_CHANGED_DETACHED;
	return c;
}

static cJSON *
segments_json(const struct export *x)
{
	cJSON	*arr = cJSON_CreateArray();
	size_t	 i;

	for (i = 0; i < x->nsegments; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(x->segments[i]));
	return arr;
}

static cJSON *
mapping_json(const struct export *x)
{
	cJSON	*o = cJSON_CreateObject();
	size_t	 i;

	for (i = 0; i < x->nmap; i++)
		cJSON_AddStringToObject(o, x->map[i].dest, x->map[i].field);
	return o;
}

static cJSON *
schedule_json(const struct export *x)
{
	char	buf[128];

	return cJSON_CreateString(export_schedule_text(x, buf, sizeof buf));
}

static cJSON *
str_json(const char *s)
{
	return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *
export_changes_json(const struct export *a, const struct export *b,
    const char *conn_a, const char *conn_b)
{
	cJSON		*o = cJSON_CreateObject();
	unsigned	 c = a != NULL ? export_changes(a, b) : ~0u;

#define CH(bit, key, old, new) do {					\
	if (c & (bit)) {						\
		cJSON *c_new = (new);					\
		if (a != NULL)						\
			activity_change(o, (key), (old), c_new);	\
		else							\
			cJSON_AddItemToObject(o, (key), c_new);		\
	}								\
} while (0)
	CH(EXPORT_CHANGED_NAME, "name", str_json(a->name), str_json(b->name));
	CH(EXPORT_CHANGED_CONNECTION, "connection", str_json(conn_a),
	    str_json(conn_b));
	CH(EXPORT_CHANGED_TARGET, "target", str_json(a->target),
	    str_json(b->target));
	CH(EXPORT_CHANGED_MAPPING, "mapping", mapping_json(a),
	    mapping_json(b));
	CH(EXPORT_CHANGED_SEGMENTS, "segments", segments_json(a),
	    segments_json(b));
	CH(EXPORT_CHANGED_MODE, "mode", str_json(export_mode_name(a->mode)),
	    str_json(export_mode_name(b->mode)));
	CH(EXPORT_CHANGED_MAX_REMOVALS, "max_removals",
	    cJSON_CreateNumber(a->max_removals),
	    cJSON_CreateNumber(b->max_removals));
	CH(EXPORT_CHANGED_MAX_REJECTED, "max_rejected",
	    cJSON_CreateNumber(a->max_rejected),
	    cJSON_CreateNumber(b->max_rejected));
	CH(EXPORT_CHANGED_SCHEDULE, "schedule", schedule_json(a),
	    schedule_json(b));
	CH(EXPORT_CHANGED_DETACHED, "detached", cJSON_CreateBool(a->detached),
	    cJSON_CreateBool(b->detached));
#undef CH
	return o;
}

/* s, then t after a space; s freed. */
static char *
sentence_add(char *s, char *t)
{
	char	*u;

	if (s == NULL)
		return t;
	u = xasprintf("%s %s", s, t);
	free(s);
	free(t);
	return u;
}

char *
export_changes_effect(const struct export *a, const struct export *b,
    unsigned changes)
{
	char	*s = NULL;
	size_t	 i, left = 0;

	if (changes & (EXPORT_CHANGED_CONNECTION | EXPORT_CHANGED_TARGET)) {
		s = xstrdup(_("A new connection or target starts a new sync "
		    "state: the next run sends every profile to the new "
		    "target, and nothing is removed from the old one."));
		return s;
	}
	if (changes & EXPORT_CHANGED_MAPPING)
		s = sentence_add(s, xstrdup(_("The mapping changed: the next "
		    "run sends every profile again, once.")));
	for (i = 0; i < a->nsegments; i++)
		if (!export_has_segment(b, a->segments[i]))
			left++;
	if (b->mode == EXPORT_MIRROR && (left > 0 ||
	    (changes & EXPORT_CHANGED_MODE)))
		s = sentence_add(s, xasprintf(_("In mirror mode the next run "
		    "also removes those who are in none of the segments any "
		    "more, at most %u%% of the target's members unless run "
		    "with --force."), b->max_removals));
	else if (a->mode == EXPORT_MIRROR && (changes & EXPORT_CHANGED_MODE))
		s = sentence_add(s, xstrdup(_("Runs no longer remove anyone "
		    "from the target.")));
	if (changes & EXPORT_CHANGED_MODE && (a->mode == EXPORT_UPDATE_ONLY ||
	    b->mode == EXPORT_UPDATE_ONLY))
		s = sentence_add(s, xstrdup(_("The mode changed what is sent: "
		    "the next run sends every profile again, once.")));
	return s;
}

void
export_set_schedule(struct export *x, const struct schedule *s)
{
	x->schedule = *s;
	if (s->kind < SCHEDULE_HOURLY)
		x->schedule.tz[0] = '\0';
	x->scheduled = s->kind != SCHEDULE_OFF;
}

const char *
export_schedule_text(const struct export *x, char *buf, size_t size)
{
	char	text[48];

	schedule_text(&x->schedule, text, sizeof text);
	if (x->schedule.tz[0] != '\0')
		snprintf(buf, size, "%s %s", text, x->schedule.tz);
	else
		snprintf(buf, size, "%s", text);
	return buf;
}

const char *
export_destination(const struct export *x, const struct connection *c)
{
	if (x->destination != NULL)
		return x->destination;
	return c != NULL ? c->type : NULL;
}

/*
 * A percentage at key into *pct, left as it is when absent: NULL, or the
 * key when it holds something else.
 */
static const char *
json_percent(const cJSON *doc, const char *key, unsigned *pct)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(doc, key);

	if (item == NULL)
		return NULL;
	if (!cJSON_IsNumber(item) || item->valuedouble < 0 ||
	    item->valuedouble > 100 ||
	    item->valuedouble != (double)(int)item->valuedouble)
		return key;
	*pct = (unsigned)item->valueint;
	return NULL;
}

static const char *
jstr(const cJSON *obj, const char *key)
{
	const cJSON	*item;

	item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static char *
export_path(const struct workspace *ws, const char *id)
{
	char	*rel, *path;

	rel = xasprintf("exports/%s.json", id);
	path = workspace_path(ws, rel);
	free(rel);
	return path;
}

static int
export_parse(const char *path, const char *text, struct export **out,
    char **cause)
{
	struct export	*x;
	cJSON		*doc, *map, *segs, *item, *ver;
	const char	*end = NULL, *why = NULL, *bad;
	unsigned long	 line, col;

	*out = NULL;
	doc = cJSON_ParseWithOpts(text, &end, 1);
	if (doc == NULL) {
		util_line_col(text, end == NULL ? 0 : (size_t)(end - text),
		    &line, &col);
		*cause = xasprintf(_("%s: not valid JSON at line %lu, column "
		    "%lu"), path, line, col);
		return -1;
	}
	ver = cJSON_GetObjectItemCaseSensitive(doc, "version");
	map = cJSON_GetObjectItemCaseSensitive(doc, "mapping");
	segs = cJSON_GetObjectItemCaseSensitive(doc, "segments");
	if (!cJSON_IsNumber(ver) || ver->valuedouble != EXPORT_VERSION)
		why = _("its \"version\" is missing or not one this segsync "
		    "knows");
	else if (jstr(doc, "id") == NULL || jstr(doc, "name") == NULL ||
	    jstr(doc, "connection") == NULL || jstr(doc, "target") == NULL)
		why = _("\"id\", \"name\", \"connection\" and \"target\" are "
		    "required");
	else if (!cJSON_IsObject(map))
		why = _("\"mapping\" must be an object");
	else if (!cJSON_IsArray(segs))
		why = _("\"segments\" must be a list");
	if (why != NULL) {
		*cause = xasprintf(_("%s: %s"), path, why);
		cJSON_Delete(doc);
		return -1;
	}
	x = xcalloc(1, sizeof *x);
	x->id = xstrdup(jstr(doc, "id"));
	x->name = xstrdup(jstr(doc, "name"));
	x->connection = xstrdup(jstr(doc, "connection"));
	x->target = xstrdup(jstr(doc, "target"));
	if (jstr(doc, "target_name") != NULL)
		x->target_name = xstrdup(jstr(doc, "target_name"));
	x->scheduled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc,
	    "scheduled"));
	/* Saved before schedules: scheduled meant every refresh. */
	x->schedule.kind = x->scheduled ? SCHEDULE_REFRESH : SCHEDULE_OFF;
	if (jstr(doc, "schedule") != NULL) {
		struct schedule	 sc;
		char		*why2 = NULL;

		if (schedule_parse(jstr(doc, "schedule"), &sc, &why2) == -1 ||
		    (sc.kind >= SCHEDULE_HOURLY && (jstr(doc, "time_zone") ==
		    NULL || !schedule_tz_name(jstr(doc, "time_zone"))))) {
			*cause = xasprintf(_("%s: \"schedule\": %s"), path,
			    why2 != NULL ? why2 : _("a timed schedule needs "
			    "its \"time_zone\""));
			free(why2);
			export_free(&x);
			cJSON_Delete(doc);
			return -1;
		}
		if (sc.kind >= SCHEDULE_HOURLY)
			snprintf(sc.tz, sizeof sc.tz, "%s",
			    jstr(doc, "time_zone"));
		export_set_schedule(x, &sc);
	}
	x->detached = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc,
	    "detached"));
	if (jstr(doc, "destination") != NULL)
		x->destination = xstrdup(jstr(doc, "destination"));
	if (jstr(doc, "changed_by") != NULL && jstr(doc, "changed_at") != NULL) {
		x->changed_by = xstrdup(jstr(doc, "changed_by"));
		x->changed_at = xstrdup(jstr(doc, "changed_at"));
	}
	/* Saved before modes existed: upsert, the only behaviour then. */
	x->mode = EXPORT_UPSERT;
	x->max_removals = EXPORT_MAX_REMOVALS_DEFAULT;
	if ((item = cJSON_GetObjectItemCaseSensitive(doc, "mode")) != NULL) {
		if (!cJSON_IsString(item) ||
		    export_mode_parse(item->valuestring) == -1) {
			*cause = xasprintf(_("%s: \"mode\" must be \"upsert\", "
			    "\"mirror\" or \"update-only\""), path);
			export_free(&x);
			cJSON_Delete(doc);
			return -1;
		}
		x->mode = (enum export_mode)export_mode_parse(
		    item->valuestring);
	}
	/* Saved before the rejected share was limited: the default. */
	x->max_rejected = EXPORT_MAX_REJECTED_DEFAULT;
	if ((bad = json_percent(doc, "max_removals", &x->max_removals)) ==
	    NULL)
		bad = json_percent(doc, "max_rejected", &x->max_rejected);
	if (bad != NULL) {
		*cause = xasprintf(_("%s: \"%s\" must be a whole number "
		    "from 0 to 100"), path, bad);
		export_free(&x);
		cJSON_Delete(doc);
		return -1;
	}
	x->created_by = xstrdup(jstr(doc, "created_by") != NULL ?
	    jstr(doc, "created_by") : "");
	x->created_at = xstrdup(jstr(doc, "created_at") != NULL ?
	    jstr(doc, "created_at") : "");
	x->map = xcalloc((size_t)cJSON_GetArraySize(map) + 1,
	    sizeof *x->map);
	cJSON_ArrayForEach(item, map) {
		if (!cJSON_IsString(item))
			continue;
		x->map[x->nmap].dest = xstrdup(item->string);
		x->map[x->nmap++].field = xstrdup(item->valuestring);
	}
	x->segments = xcalloc((size_t)cJSON_GetArraySize(segs) + 1,
	    sizeof *x->segments);
	cJSON_ArrayForEach(item, segs)
		if (cJSON_IsString(item))
			x->segments[x->nsegments++] =
			    xstrdup(item->valuestring);
	cJSON_Delete(doc);
	*out = x;
	return 0;
}

static int
export_cmp(const void *a, const void *b)
{
	const struct export	*xa = *(struct export *const *)a;
	const struct export	*xb = *(struct export *const *)b;

	return strcmp(xa->name, xb->name);
}

/* Parse one export file into the list (workspace_each_json). */
static int
export_list_add(const char *path, const char *text, void *arg, char **cause)
{
	struct export_list	*l = arg;
	struct export		*x;

	if (export_parse(path, text, &x, cause) == -1)
		return -1;
	l->items = xreallocarray(l->items, l->n + 1, sizeof *l->items);
	l->items[l->n++] = x;
	return 0;
}

int
export_list_load(const struct workspace *ws, struct export_list *l,
    char **cause)
{
	memset(l, 0, sizeof *l);
	if (workspace_each_json(ws, "exports", EXPORT_FILE_CAP,
	    export_list_add, l, cause) == -1) {
		export_list_free(l);
		return -1;
	}
	if (l->n > 1)
		qsort(l->items, l->n, sizeof *l->items, export_cmp);
	return 0;
}

void
export_list_free(struct export_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		export_free(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

struct export *
export_list_find(const struct export_list *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (util_same_name(l->items[i]->name, name))
			return l->items[i];
	return NULL;
}

struct export *
export_list_by_id(const struct export_list *l, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < l->n; i++)
		if (strcmp(l->items[i]->id, id) == 0)
			return l->items[i];
	return NULL;
}

static cJSON *
export_json_common(const struct export *x, cJSON *o)
{
	cJSON	*arr, *map;
	char	 buf[64];
	size_t	 i;

	cJSON_AddStringToObject(o, "target", x->target);
	arr = cJSON_AddArrayToObject(o, "segments");
	for (i = 0; i < x->nsegments; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(x->segments[i]));
	map = cJSON_AddObjectToObject(o, "mapping");
	for (i = 0; i < x->nmap; i++)
		cJSON_AddStringToObject(map, x->map[i].dest, x->map[i].field);
	cJSON_AddBoolToObject(o, "scheduled", x->scheduled);
	cJSON_AddStringToObject(o, "schedule", schedule_text(&x->schedule,
	    buf, sizeof buf));
	if (x->schedule.tz[0] != '\0')
		cJSON_AddStringToObject(o, "time_zone", x->schedule.tz);
	else
		cJSON_AddNullToObject(o, "time_zone");
	cJSON_AddStringToObject(o, "mode", export_mode_name(x->mode));
	cJSON_AddNumberToObject(o, "max_removals", x->max_removals);
	cJSON_AddNumberToObject(o, "max_rejected", x->max_rejected);
	cJSON_AddBoolToObject(o, "detached", x->detached);
	return o;
}

static const char *const export_modes[] = { "upsert", "mirror",
    "update-only" };

const char *
export_mode_name(enum export_mode m)
{
	return (size_t)m < sizeof export_modes / sizeof export_modes[0] ?
	    export_modes[m] : "upsert";
}

int
export_mode_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof export_modes / sizeof export_modes[0]; i++)
		if (strcmp(s, export_modes[i]) == 0)
			return (int)i;
	return -1;
}

int
export_save(const struct workspace *ws, const struct export *x,
    char **cause)
{
	cJSON	*o;
	char	*text, *path, *nfc;
	int	 rc;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "version", EXPORT_VERSION);
	cJSON_AddStringToObject(o, "id", x->id);
	/* Saved in NFC, whichever way its accents were typed. */
	nfc = util_nfc(x->name);
	cJSON_AddStringToObject(o, "name", nfc);
	free(nfc);
	cJSON_AddStringToObject(o, "connection", x->connection);
	if (x->target_name != NULL)
		cJSON_AddStringToObject(o, "target_name", x->target_name);
	else
		cJSON_AddNullToObject(o, "target_name");
	export_json_common(x, o);
	if (x->destination != NULL)
		cJSON_AddStringToObject(o, "destination", x->destination);
	cJSON_AddStringToObject(o, "created_by", x->created_by);
	cJSON_AddStringToObject(o, "created_at", x->created_at);
	if (x->changed_by != NULL && x->changed_at != NULL) {
		cJSON_AddStringToObject(o, "changed_by", x->changed_by);
		cJSON_AddStringToObject(o, "changed_at", x->changed_at);
	}
	text = cJSON_Print(o);
	cJSON_Delete(o);
	path = export_path(ws, x->id);
	rc = fileio_write_atomic(path, text, strlen(text),
	    workspace_file_mode(ws), workspace_gid(ws), cause);
	free(path);
	free(text);
	return rc;
}

int
export_remove_file(const struct workspace *ws, const char *id, char **cause)
{
	char	*path, *dir, *rel;
	int	 rc = 0, i;

	path = export_path(ws, id);
	if (unlink(path) == -1 && errno != ENOENT) {
		*cause = xasprintf(_("cannot remove %s: %s"), path,
		    strerror(errno));
		rc = -1;
	}
	free(path);
	/* Its sync state goes with it: it would only mislead a new export. */
	for (i = 0; rc == 0 && i < 3; i++) {
		/* Its sync state, its log and its last scheduled run. */
		rel = xasprintf("exports/%s.%s", id, i == 0 ? "state" :
		    i == 1 ? "state.log" : "last");
		path = workspace_path(ws, rel);
		free(rel);
		if (unlink(path) == -1 && errno != ENOENT) {
			*cause = xasprintf(_("cannot remove %s: %s"), path,
			    strerror(errno));
			rc = -1;
		}
		free(path);
	}
	if (rc == 0) {
		dir = workspace_path(ws, "exports");
		rc = fileio_sync_dir(dir, cause);
		free(dir);
	}
	return rc;
}

cJSON *
export_to_json(const struct export *x, const char *connection_name)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", x->name);
	cJSON_AddStringToObject(o, "connection", connection_name);
	return export_json_common(x, o);
}

unsigned long long
export_members(const struct export *x, const struct segment_list *segs)
{
	const struct segment	*sg;
	unsigned long long	 n = 0;
	size_t			 i;

	for (i = 0; i < x->nsegments; i++)
		if ((sg = segments_find(segs, x->segments[i])) != NULL)
			n += sg->members;
	return n;
}

int
export_delivery_mapping(const struct export_map *map, size_t n,
    const struct dest_driver *d, struct deliver_mapping *dm, char **cause)
{
	const struct dest_slot	*slot;
	const char		**names, **fields;
	size_t			 i;

	memset(dm, 0, sizeof *dm);
	names = xcalloc(n + 1, sizeof *names);
	fields = xcalloc(n + 1, sizeof *fields);
	dm->attr_names = names;
	dm->attr_fields = fields;
	for (i = 0; i < n; i++) {
		if (strncmp(map[i].dest, ATTR_PREFIX,
		    strlen(ATTR_PREFIX)) == 0) {
			names[dm->nattrs] = map[i].dest + strlen(ATTR_PREFIX);
			fields[dm->nattrs++] = map[i].field;
			continue;
		}
		slot = dest_slot_by_key(d, map[i].dest);
		if (slot == NULL) {
			*cause = xasprintf(_("%s has no place for \"%s\"."),
			    d->label, map[i].dest);
			export_delivery_mapping_free(dm);
			return -1;
		}
		dm->fields[slot->id] = map[i].field;
	}
	return 0;
}

void
export_delivery_mapping_free(struct deliver_mapping *dm)
{
	/* The arrays are ours; the strings they point at are the map's. */
	free((void *)(uintptr_t)dm->attr_names);
	free((void *)(uintptr_t)dm->attr_fields);
	memset(dm, 0, sizeof *dm);
}
