/*
 * Run records (runrecord.h): run.json in and out, listing, liveness.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/deferfmt.h"
#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "run/deliver.h"
#include "run/runrecord.h"
#include "store/workspace.h"

#define RUN_FILE_CAP	(4u * 1024 * 1024)

void
run_new_id(char id[RUN_ID_LEN])
{
	struct timespec	ts;
	struct tm	tm;
	char		when[20], buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
	/*
	 * The milliseconds, then one random hex digit: IDs sort by start
	 * time even within a second (the listing's order).
	 */
	snprintf(buf, sizeof buf, "%.16s-%03d%x", when,
	    (int)(ts.tv_nsec / 1000000 % 1000),
	    (unsigned)(randombytes_uniform(16) & 0xf));
	memcpy(id, buf, RUN_ID_LEN - 1);
	id[RUN_ID_LEN - 1] = '\0';
}

int
run_id_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != RUN_ID_LEN - 1)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == 8 ? s[i] != 'T' : i == 15 ? s[i] != 'Z' :
		    i == 16 ? s[i] != '-' : i > 16 ?
		    strchr("0123456789abcdef", s[i]) == NULL :
		    (s[i] < '0' || s[i] > '9'))
			return 0;
	}
	return 1;
}

static const char *const status_names[] = {
	"running", "succeeded", "failed", "cancelled", "interrupted"
};

const char *
run_status_name(enum run_status s)
{
	return status_names[s];
}

const char *
run_status_label(enum run_status s)
{
	switch (s) {
	case RUN_RUNNING:
		return _("running");
	case RUN_SUCCEEDED:
		return _("succeeded");
	case RUN_FAILED:
		return _("failed");
	case RUN_CANCELLED:
		return _("cancelled");
	case RUN_INTERRUPTED:
		return _("interrupted");
	}
	return "?";
}

int
run_succeeded_with_rejects(const struct run *r)
{
	return r->status == RUN_SUCCEEDED && r->counts.rejected > 0;
}

double
run_rejected_share(const struct run *r)
{
	return deliver_rejected_share(&r->counts);
}

char *
run_status_text(const struct run *r)
{
	if (run_succeeded_with_rejects(r))
		return xasprintf(ngettext("succeeded with %'llu rejected",
		    "succeeded with %'llu rejected", r->counts.rejected),
		    (unsigned long long)r->counts.rejected);
	return xstrdup(run_status_label(r->status));
}

static const char *const phase_names[] = {
	"planning", "sending", "confirming", "removing", "done"
};

const char *
run_phase_label(enum deliver_phase p)
{
	/* TRANSLATORS: a run's phase, as its progress line says it. */
	switch (p) {
	case DELIVER_PHASE_PLAN:
		return _("planning");
	case DELIVER_PHASE_SEND:
		return _("sending");
	case DELIVER_PHASE_CONFIRM:
		return _("confirming");
	case DELIVER_PHASE_REMOVE:
		return _("removing");
	case DELIVER_PHASE_DONE:
		break;
	}
	return _("finishing");
}

const char *
run_phase_name(enum deliver_phase p)
{
	return phase_names[p];
}

static const char *const fault_names[] = { "", "auth", "config", "other" };

char *
run_dir(const struct workspace *ws, const char *id)
{
	char	*rel = xasprintf("runs/%s", id), *p;

	p = workspace_path(ws, rel);
	free(rel);
	return p;
}

char *
run_file(const struct workspace *ws, const char *id, const char *name)
{
	char	*rel = xasprintf("runs/%s/%s", id, name), *p;

	p = workspace_path(ws, rel);
	free(rel);
	return p;
}

char *
run_export_lock_path(const struct workspace *ws, const char *export_id)
{
	char	*rel = xasprintf("runs/%s.lock", export_id), *p;

	p = workspace_path(ws, rel);
	free(rel);
	return p;
}

static cJSON *
counts_json(const struct deliver_counts *c)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "read", (double)c->read);
	cJSON_AddNumberToObject(o, "duplicates", (double)c->duplicates);
	cJSON_AddNumberToObject(o, "rejected", (double)c->rejected);
	cJSON_AddNumberToObject(o, "sent", (double)c->sent);
	cJSON_AddNumberToObject(o, "accepted", (double)c->accepted);
	cJSON_AddNumberToObject(o, "warnings", (double)c->warnings);
	cJSON_AddNumberToObject(o, "unchanged", (double)c->unchanged);
	cJSON_AddNumberToObject(o, "new", (double)c->fresh);
	cJSON_AddNumberToObject(o, "changed", (double)c->changed);
	cJSON_AddNumberToObject(o, "retried", (double)c->retried);
	return o;
}

static void	add_str(cJSON *, const char *, const char *);

static const char *const guard_names[] = { "", "empty", "max_removals" };

/* The run's counts, with the removals (which belong to no segment). */
static cJSON *
run_counts_json(const struct run *r)
{
	cJSON	*o = counts_json(&r->counts);

	cJSON_AddNumberToObject(o, "removed", (double)r->removed);
	return o;
}

static cJSON *
sync_json(const struct run *r)
{
	cJSON	*o = cJSON_CreateObject();

	add_str(o, "mode", r->mode);
	cJSON_AddNumberToObject(o, "max_removals", r->max_removals);
	cJSON_AddBoolToObject(o, "full", r->full);
	cJSON_AddBoolToObject(o, "force", r->force);
	cJSON_AddBoolToObject(o, "allow_empty", r->allow_empty);
	cJSON_AddBoolToObject(o, "baseline", r->baseline);
	cJSON_AddNumberToObject(o, "members", (double)r->members);
	cJSON_AddNumberToObject(o, "to_remove", (double)r->to_remove);
	cJSON_AddNumberToObject(o, "removed", (double)r->removed);
	cJSON_AddNumberToObject(o, "remove_rejected",
	    (double)r->remove_rejected);
	add_str(o, "guard", r->guard == DELIVER_GUARD_NONE ? NULL :
	    guard_names[r->guard]);
	add_str(o, "note", r->state_note);
	return o;
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v == NULL)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddStringToObject(o, k, v);
}

static void	run_error_at(struct run *, const char *, unsigned);
static void	error_attempts_json(cJSON *, const struct run *);

/* Jobs queued at the destination and what their confirmation found. */
/* An event's format and arguments, when it has them. */
static void
event_msg_json(cJSON *it, const struct run_event *e)
{
	cJSON	*a;
	size_t	 i;

	if (e->msgid == NULL)
		return;
	add_str(it, "msgid", e->msgid);
	a = cJSON_AddArrayToObject(it, "args");
	for (i = 0; i < e->nargs; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(e->args[i]));
}

/* The most arguments a stored event may have: formats take a few. */
#define RUN_EVENT_ARGS_MAX	16

/* Read them back; a malformed pair leaves the English what alone. */
static void
event_msg_parse(const cJSON *it, struct run_event *e)
{
	const cJSON	*m, *a, *v;
	size_t		 n = 0;

	m = cJSON_GetObjectItemCaseSensitive(it, "msgid");
	a = cJSON_GetObjectItemCaseSensitive(it, "args");
	if (!cJSON_IsString(m) || !cJSON_IsArray(a) ||
	    cJSON_GetArraySize(a) > RUN_EVENT_ARGS_MAX)
		return;
	cJSON_ArrayForEach(v, a)
		if (!cJSON_IsString(v))
			return;
	e->args = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *e->args);
	cJSON_ArrayForEach(v, a)
		e->args[n++] = xstrdup(v->valuestring);
	e->nargs = n;
	e->msgid = xstrdup(m->valuestring);
}

static void
event_free(struct run_event *e)
{
	free(e->at);
	free(e->what);
	free(e->msgid);
	deferfmt_free(e->args, e->nargs);
	memset(e, 0, sizeof *e);
}

static cJSON *
confirm_json(const struct run *r)
{
	cJSON	*o = cJSON_CreateObject();
	char	 at[UTIL_RFC3339_LEN];

	cJSON_AddNumberToObject(o, "jobs", (double)r->jobs);
	cJSON_AddNumberToObject(o, "pending", (double)r->jobs_pending);
	cJSON_AddNumberToObject(o, "failed", (double)r->jobs_failed);
	cJSON_AddNumberToObject(o, "rejected", (double)r->confirm_rejected);
	if (r->confirm_next > 0) {
		util_rfc3339((time_t)r->confirm_next, at);
		cJSON_AddStringToObject(o, "next_poll_at", at);
	} else
		cJSON_AddNullToObject(o, "next_poll_at");
	add_str(o, "note", r->confirm_note);
	return o;
}

/* The whole record as saved. */
static cJSON *
run_record_json(const struct run *r)
{
	cJSON	*o = cJSON_CreateObject(), *a, *it, *m;
	char	 num[32];
	size_t	 i;

	cJSON_AddNumberToObject(o, "version", RUN_VERSION);
	add_str(o, "id", r->id);
	add_str(o, "export", r->export_name);
	add_str(o, "export_id", r->export_id);
	add_str(o, "connection", r->connection_name);
	add_str(o, "connection_id", r->connection_id);
	add_str(o, "destination", r->destination);
	add_str(o, "target", r->target);
	m = cJSON_AddObjectToObject(o, "mapping");
	for (i = 0; i < r->nmap; i++)
		cJSON_AddStringToObject(m, r->map[i].dest, r->map[i].field);
	a = cJSON_AddArrayToObject(o, "segments");
	for (i = 0; i < r->nsegments; i++) {
		it = cJSON_CreateObject();
		add_str(it, "name", r->segments[i].name);
		add_str(it, "file", r->segments[i].file);
		cJSON_AddNumberToObject(it, "size",
		    (double)r->segments[i].size);
		/* A string: nanoseconds since 1970 do not fit a double. */
		snprintf(num, sizeof num, "%lld", r->segments[i].mtime_ns);
		cJSON_AddStringToObject(it, "mtime_ns", num);
		cJSON_AddNumberToObject(it, "rows",
		    (double)r->segments[i].rows);
		cJSON_AddItemToObject(it, "counts",
		    counts_json(&r->segments[i].counts));
		cJSON_AddItemToArray(a, it);
	}
	cJSON_AddBoolToObject(o, "scheduled", r->scheduled);
	add_str(o, "status", run_status_name(r->status == RUN_INTERRUPTED ?
	    RUN_RUNNING : r->status));
	add_str(o, "phase", run_phase_name(r->phase));
	add_str(o, "fault", fault_names[r->fault]);
	add_str(o, "started_by", r->started_by);
	add_str(o, "started_at", r->started_at);
	add_str(o, "finished_at", r->finished_at);
	add_str(o, "updated_at", r->updated_at);
	if (r->attempt_started_at != NULL) {
		add_str(o, "attempt_started_at", r->attempt_started_at);
		cJSON_AddNumberToObject(o, "earlier_seconds",
		    (double)r->earlier_seconds);
	}
	cJSON_AddNumberToObject(o, "pid", (double)r->pid);
	cJSON_AddNumberToObject(o, "attempts", r->attempts);
	cJSON_AddNumberToObject(o, "total_rows", (double)r->total_rows);
	cJSON_AddNumberToObject(o, "max_rejected", r->max_rejected);
	cJSON_AddItemToObject(o, "counts", run_counts_json(r));
	cJSON_AddNumberToObject(o, "requests", (double)r->requests);
	cJSON_AddNumberToObject(o, "retries", (double)r->retries);
	cJSON_AddNumberToObject(o, "throttled", (double)r->throttled);
	cJSON_AddNumberToObject(o, "rate_waits", (double)r->rate_waits);
	cJSON_AddNumberToObject(o, "in_flight", r->in_flight);
	it = cJSON_AddObjectToObject(o, "resources");
	cJSON_AddNumberToObject(it, "cpu_seconds",
	    (double)(long long)(r->cpu_seconds * 1000) / 1000);
	cJSON_AddNumberToObject(it, "peak_rss_kb", (double)r->peak_rss_kb);
	cJSON_AddItemToObject(o, "confirmation", confirm_json(r));
	cJSON_AddItemToObject(o, "sync", sync_json(r));
	a = cJSON_AddArrayToObject(o, "errors");
	for (i = 0; i < r->nerrors; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->errors[i]));
	error_attempts_json(o, r);
	a = cJSON_AddArrayToObject(o, "events");
	for (i = 0; i < r->nevents; i++) {
		it = cJSON_CreateObject();
		add_str(it, "at", r->events[i].at);
		add_str(it, "what", r->events[i].what);
		event_msg_json(it, &r->events[i]);
		cJSON_AddItemToArray(a, it);
	}
	return o;
}

int
run_save(const struct workspace *ws, struct run *r, char **cause)
{
	char		 now[UTIL_RFC3339_LEN], *path, *text;
	cJSON		*o;
	int		 rv;

	util_rfc3339(time(NULL), now);
	free(r->updated_at);
	r->updated_at = xstrdup(now);
	o = run_record_json(r);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text == NULL) {
		*cause = xstrdup(_("Out of memory."));
		return -1;
	}
	path = run_file(ws, r->id, "run.json");
	rv = fileio_write_atomic(path, text, strlen(text),
	    workspace_file_mode(ws), workspace_gid(ws), cause);
	free(path);
	free(text);
	return rv;
}

/* Strict getters: a wrong type is the record's damage, said in words. */
static int
get_str(const cJSON *o, const char *k, int null_ok, char **out,
    const char *path, char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	*out = NULL;
	if (null_ok && (v == NULL || cJSON_IsNull(v)))
		return 0;
	if (!cJSON_IsString(v)) {
		*cause = xasprintf(_("%s: \"%s\" is missing or not a string."),
		    path, k);
		return -1;
	}
	*out = xstrdup(v->valuestring);
	return 0;
}

static int
get_num(const cJSON *o, const char *k, double *out, const char *path,
    char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0) {
		*cause = xasprintf(_("%s: \"%s\" is missing or not a number."),
		    path, k);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

static int
get_u64(const cJSON *o, const char *k, uint64_t *out, const char *path,
    char **cause)
{
	double	d;

	if (get_num(o, k, &d, path, cause) != 0)
		return -1;
	*out = (uint64_t)d;
	return 0;
}

static uint64_t
opt_u64(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ?
	    (uint64_t)v->valuedouble : 0;
}

static int
get_counts(const cJSON *o, struct deliver_counts *c, const char *path,
    char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "counts");

	if (!cJSON_IsObject(v)) {
		*cause = xasprintf(_("%s: \"counts\" is missing."), path);
		return -1;
	}
	if (get_u64(v, "read", &c->read, path, cause) != 0 ||
	    get_u64(v, "duplicates", &c->duplicates, path, cause) != 0 ||
	    get_u64(v, "rejected", &c->rejected, path, cause) != 0 ||
	    get_u64(v, "sent", &c->sent, path, cause) != 0 ||
	    get_u64(v, "accepted", &c->accepted, path, cause) != 0 ||
	    get_u64(v, "warnings", &c->warnings, path, cause) != 0)
		return -1;
	/* Optional: records from before the sync state. */
	c->unchanged = opt_u64(v, "unchanged");
	c->fresh = opt_u64(v, "new");
	c->changed = opt_u64(v, "changed");
	c->retried = opt_u64(v, "retried");
	return 0;
}

static int
name_index(const char *const *names, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int
run_parse(const char *path, const char *text, struct run **rp, char **cause)
{
	struct run	*r = xcalloc(1, sizeof *r);
	cJSON		*o, *a, *it, *res, *v0;
	char		*s = NULL;
	double		 d;
	int		 k;

	o = cJSON_Parse(text);
	if (o == NULL || !cJSON_IsObject(o)) {
		*cause = xasprintf(_("%s: not a run record (damaged JSON)."),
		    path);
		goto fail;
	}
	if (get_num(o, "version", &d, path, cause) != 0)
		goto fail;
	if (d != RUN_VERSION) {
		*cause = xasprintf(_("%s: a run record of version %g, which "
		    "this segsync does not know."), path, d);
		goto fail;
	}
	if (get_str(o, "id", 0, &r->id, path, cause) != 0 ||
	    get_str(o, "export", 0, &r->export_name, path, cause) != 0 ||
	    get_str(o, "export_id", 0, &r->export_id, path, cause) != 0 ||
	    get_str(o, "connection", 0, &r->connection_name, path,
	    cause) != 0 ||
	    get_str(o, "connection_id", 0, &r->connection_id, path,
	    cause) != 0 ||
	    get_str(o, "destination", 0, &r->destination, path, cause) != 0 ||
	    get_str(o, "target", 0, &r->target, path, cause) != 0 ||
	    get_str(o, "started_by", 0, &r->started_by, path, cause) != 0 ||
	    get_str(o, "started_at", 0, &r->started_at, path, cause) != 0 ||
	    get_str(o, "finished_at", 1, &r->finished_at, path, cause) != 0 ||
	    get_str(o, "updated_at", 1, &r->updated_at, path, cause) != 0 ||
	    get_str(o, "attempt_started_at", 1, &r->attempt_started_at, path,
	    cause) != 0)
		goto fail;
	r->earlier_seconds = opt_u64(o, "earlier_seconds");
	if (!run_id_valid(r->id)) {
		*cause = xasprintf(_("%s: \"id\" is not a run ID."), path);
		goto fail;
	}
	a = cJSON_GetObjectItemCaseSensitive(o, "mapping");
	if (!cJSON_IsObject(a)) {
		*cause = xasprintf(_("%s: \"mapping\" is missing."), path);
		goto fail;
	}
	r->map = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *r->map);
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it)) {
			*cause = xasprintf(_("%s: the mapping of \"%s\" is not "
			    "a string."), path, it->string);
			goto fail;
		}
		r->map[r->nmap].dest = xstrdup(it->string);
		r->map[r->nmap++].field = xstrdup(it->valuestring);
	}
	a = cJSON_GetObjectItemCaseSensitive(o, "segments");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) {
		*cause = xasprintf(_("%s: \"segments\" is missing."), path);
		goto fail;
	}
	r->segments = xcalloc((size_t)cJSON_GetArraySize(a),
	    sizeof *r->segments);
	cJSON_ArrayForEach(it, a) {
		struct run_segment	*sg = &r->segments[r->nsegments++];

		if (get_str(it, "name", 0, &sg->name, path, cause) != 0 ||
		    get_str(it, "file", 0, &sg->file, path, cause) != 0 ||
		    get_num(it, "size", &d, path, cause) != 0)
			goto fail;
		sg->size = (long long)d;
		if (get_str(it, "mtime_ns", 0, &s, path, cause) != 0)
			goto fail;
		sg->mtime_ns = strtoll(s, NULL, 10);
		xfree(&s);
		if (get_u64(it, "rows", &sg->rows, path, cause) != 0 ||
		    get_counts(it, &sg->counts, path, cause) != 0)
			goto fail;
	}
	r->scheduled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "scheduled"));
	if (get_str(o, "status", 0, &s, path, cause) != 0)
		goto fail;
	if ((k = name_index(status_names, 5, s)) == -1) {
		*cause = xasprintf(_("%s: unknown status \"%s\"."), path, s);
		goto fail;
	}
	r->status = (enum run_status)k;
	xfree(&s);
	if (get_str(o, "phase", 0, &s, path, cause) != 0)
		goto fail;
	if ((k = name_index(phase_names, 5, s)) == -1) {
		*cause = xasprintf(_("%s: unknown phase \"%s\"."), path, s);
		goto fail;
	}
	r->phase = (enum deliver_phase)k;
	xfree(&s);
	if (get_str(o, "fault", 1, &s, path, cause) != 0)
		goto fail;
	k = s == NULL ? 0 : name_index(fault_names, 4, s);
	r->fault = k < 0 ? RUN_FAULT_OTHER : (enum run_fault)k;
	xfree(&s);
	if (get_num(o, "pid", &d, path, cause) != 0)
		goto fail;
	r->pid = (long)d;
	if (get_num(o, "attempts", &d, path, cause) != 0)
		goto fail;
	r->attempts = (unsigned)d;
	if (get_u64(o, "total_rows", &r->total_rows, path, cause) != 0 ||
	    get_counts(o, &r->counts, path, cause) != 0 ||
	    get_u64(o, "requests", &r->requests, path, cause) != 0 ||
	    get_u64(o, "retries", &r->retries, path, cause) != 0 ||
	    get_u64(o, "throttled", &r->throttled, path, cause) != 0 ||
	    get_u64(o, "rate_waits", &r->rate_waits, path, cause) != 0 ||
	    get_num(o, "in_flight", &d, path, cause) != 0)
		goto fail;
	r->in_flight = (unsigned)d;
	res = cJSON_GetObjectItemCaseSensitive(o, "resources");
	if (!cJSON_IsObject(res) ||
	    get_num(res, "cpu_seconds", &r->cpu_seconds, path, cause) != 0 ||
	    get_num(res, "peak_rss_kb", &d, path, cause) != 0) {
		if (*cause == NULL)
			*cause = xasprintf(_("%s: \"resources\" is missing."),
			    path);
		goto fail;
	}
	r->peak_rss_kb = (long)d;
	/* Runs of versions without the limit had none. */
	v0 = cJSON_GetObjectItemCaseSensitive(o, "max_rejected");
	r->max_rejected = cJSON_IsNumber(v0) && v0->valuedouble >= 0 &&
	    v0->valuedouble <= 100 ? (unsigned)v0->valuedouble : 100;
	/* Optional: records from before the sync state. */
	res = cJSON_GetObjectItemCaseSensitive(o, "sync");
	if (cJSON_IsObject(res)) {
		const cJSON	*v;

		v = cJSON_GetObjectItemCaseSensitive(res, "mode");
		if (cJSON_IsString(v))
			r->mode = xstrdup(v->valuestring);
		r->full = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res,
		    "full"));
		r->force = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res,
		    "force"));
		r->allow_empty = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(res, "allow_empty"));
		r->baseline = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(res, "baseline"));
		r->max_removals = (unsigned)opt_u64(res, "max_removals");
		r->members = opt_u64(res, "members");
		r->to_remove = opt_u64(res, "to_remove");
		r->removed = opt_u64(res, "removed");
		r->remove_rejected = opt_u64(res, "remove_rejected");
		v = cJSON_GetObjectItemCaseSensitive(res, "guard");
		if (cJSON_IsString(v) && name_index(guard_names, 3,
		    v->valuestring) > 0)
			r->guard = (enum deliver_guard)name_index(guard_names,
			    3, v->valuestring);
		v = cJSON_GetObjectItemCaseSensitive(res, "note");
		if (cJSON_IsString(v))
			r->state_note = xstrdup(v->valuestring);
	}
	/* Optional: records of runs without a confirmation phase. */
	res = cJSON_GetObjectItemCaseSensitive(o, "confirmation");
	if (cJSON_IsObject(res)) {
		const cJSON	*v;
		struct tm	 tm;

		r->jobs = opt_u64(res, "jobs");
		r->jobs_pending = opt_u64(res, "pending");
		r->jobs_failed = opt_u64(res, "failed");
		r->confirm_rejected = opt_u64(res, "rejected");
		v = cJSON_GetObjectItemCaseSensitive(res, "next_poll_at");
		memset(&tm, 0, sizeof tm);
		if (cJSON_IsString(v) && strptime(v->valuestring,
		    "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
			r->confirm_next = (int64_t)timegm(&tm);
		v = cJSON_GetObjectItemCaseSensitive(res, "note");
		if (cJSON_IsString(v))
			r->confirm_note = xstrdup(v->valuestring);
	}
	a = cJSON_GetObjectItemCaseSensitive(o, "errors");
	{
		const cJSON	*att = cJSON_GetObjectItemCaseSensitive(o,
		    "error_attempts");
		const cJSON	*n = cJSON_IsArray(att) ? att->child : NULL;

		/* Side by side, each list walked once. */
		cJSON_ArrayForEach(it, a) {
			if (cJSON_IsString(it))
				run_error_at(r, it->valuestring,
				    cJSON_IsNumber(n) && n->valuedouble >= 0 &&
				    n->valuedouble < 1e6 ?
				    (unsigned)n->valuedouble : 0);
			if (n != NULL)
				n = n->next;
		}
	}
	a = cJSON_GetObjectItemCaseSensitive(o, "events");
	r->events = xcalloc((size_t)cJSON_GetArraySize(a) + 1,
	    sizeof *r->events);
	cJSON_ArrayForEach(it, a) {
		const cJSON	*at, *what;

		at = cJSON_GetObjectItemCaseSensitive(it, "at");
		what = cJSON_GetObjectItemCaseSensitive(it, "what");
		if (!cJSON_IsString(at) || !cJSON_IsString(what))
			continue;
		r->events[r->nevents].at = xstrdup(at->valuestring);
		r->events[r->nevents].what = xstrdup(what->valuestring);
		event_msg_parse(it, &r->events[r->nevents++]);
	}
	cJSON_Delete(o);
	*rp = r;
	return 0;
fail:
	free(s);
	cJSON_Delete(o);
	run_free(&r);
	return -1;
}

int
run_alive(const struct workspace *ws, const char *id)
{
	char	*path = run_file(ws, id, "lock");
	int	 fd, alive = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0)
		alive = errno == EWOULDBLOCK;
	close(fd);
	return alive;
}

int
run_export_running(const struct workspace *ws, const char *export_id,
    char id[RUN_ID_LEN])
{
	char	*path, buf[RUN_ID_LEN + 1];
	ssize_t	 n;
	int	 fd, held;

	id[0] = '\0';
	path = run_export_lock_path(ws, export_id);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return 0;
	held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	n = held ? pread(fd, buf, sizeof buf - 1, 0) : -1;
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (!run_id_valid(buf))
		return 0;
	memcpy(id, buf, RUN_ID_LEN);
	return 1;
}

int
run_load(const struct workspace *ws, const char *id, struct run **rp,
    char **cause)
{
	char	*path, *text = NULL;
	int	 rv;

	*rp = NULL;
	if (!run_id_valid(id)) {
		*cause = xasprintf(_("\"%s\" is not a run ID (they look like "
		    "20261122T101530Z-3fa2; 'segsync runs' lists them)."),
		    id);
		errno = ENOENT;
		return -1;
	}
	path = run_file(ws, id, "run.json");
	if (fileio_read(path, RUN_FILE_CAP, 1, &text, NULL, cause) != 0) {
		if (errno == ENOENT) {
			free(*cause);
			*cause = xasprintf(_("there is no run %s ('segsync "
			    "runs' lists them)"), id);
			errno = ENOENT;
		}
		free(path);
		return -1;
	}
	rv = run_parse(path, text, rp, cause);
	free(text);
	free(path);
	if (rv == 0 && (*rp)->status == RUN_RUNNING && !run_alive(ws, id))
		(*rp)->status = RUN_INTERRUPTED;
	if (rv != 0)
		errno = EINVAL;
	return rv;
}

struct run *
run_damaged(const char *id, const char *why)
{
	struct run	*r = xcalloc(1, sizeof *r);

	r->id = xstrdup(id);
	r->export_name = xstrdup("?");
	r->export_id = xstrdup("");
	r->connection_name = xstrdup("?");
	r->connection_id = xstrdup("");
	r->destination = xstrdup("?");
	r->target = xstrdup("");
	r->started_by = xstrdup("?");
	r->started_at = xstrdup("?");
	r->status = RUN_FAILED;
	run_error(r, why);
	return r;
}

static int
run_cmp(const void *a, const void *b)
{
	const struct run	*x = *(struct run *const *)a;
	const struct run	*y = *(struct run *const *)b;

	return strcmp(y->id, x->id);
}

int
run_list(const struct workspace *ws, const char *export_id,
    struct run ***runsp, size_t *np, char **cause)
{
	struct run	**v = NULL, *r;
	struct dirent	*de;
	DIR		*dir;
	char		*path, *err = NULL;
	size_t		 n = 0;

	*runsp = NULL;
	*np = 0;
	path = workspace_path(ws, "runs");
	dir = opendir(path);
	if (dir == NULL) {
		if (errno == ENOENT) {
			free(path);
			return 0;
		}
		*cause = xasprintf(_("%s: cannot read the folder of runs: %s"),
		    path, strerror(errno));
		free(path);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!run_id_valid(de->d_name))
			continue;
		r = NULL;
		if (run_load(ws, de->d_name, &r, &err) != 0) {
			if (errno == ENOENT) {	/* removed meanwhile */
				xfree(&err);
				continue;
			}
			r = run_damaged(de->d_name, err);
			xfree(&err);
		}
		if (export_id != NULL && strcmp(r->export_id, export_id) != 0) {
			run_free(&r);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = r;
	}
	closedir(dir);
	free(path);
	if (n > 1)
		qsort(v, n, sizeof *v, run_cmp);
	*runsp = v;
	*np = n;
	return 0;
}

void
run_list_free(struct run ***runsp, size_t n)
{
	size_t	i;

	if (*runsp == NULL)
		return;
	for (i = 0; i < n; i++)
		run_free(&(*runsp)[i]);
	free(*runsp);
	*runsp = NULL;
}

void
run_event(struct run *r, const char *fmt, ...)
{
	char			 now[UTIL_RFC3339_LEN];
	struct run_event	*e;
	va_list			 ap;

	util_rfc3339(time(NULL), now);
	if (r->nevents == RUN_EVENTS_MAX) {
		/* Keep the first half (how it started), drop the oldest of
		 * the rest. */
		event_free(&r->events[RUN_EVENTS_MAX / 2]);
		memmove(&r->events[RUN_EVENTS_MAX / 2],
		    &r->events[RUN_EVENTS_MAX / 2 + 1],
		    (RUN_EVENTS_MAX / 2 - 1) * sizeof *r->events);
		r->nevents--;
	}
	r->events = xreallocarray(r->events, r->nevents + 1,
	    sizeof *r->events);
	e = &r->events[r->nevents++];
	e->at = xstrdup(now);
	e->msgid = xstrdup(fmt);
	va_start(ap, fmt);
	e->args = deferfmt_args(fmt, ap, &e->nargs);
	va_end(ap);
	e->what = deferfmt_render(fmt, e->args, e->nargs, 0);
}

/*
 * Messages that only records written by earlier versions hold: kept in
 * the catalogues so that those records still read in every language.
 */
static const char *const legacy_msgids[] __attribute__((unused)) = {
	N_("Interrupted: the worker stopped (killed, or the machine "
	    "restarted) after %s."),
	N_("Phase: %s."),
};

/*
 * Records written before each phase had a message of its own kept
 * "Phase: %s." with the phase's name, which no reader could translate:
 * read them as the message of that phase.
 */
static const char *
legacy_phase(const struct run_event *e)
{
	static const struct {
		const char	*name;
		const char	*msgid;
	} phases[] = {
		{ "planning", N_("Phase: planning.") },
		{ "sending", N_("Phase: sending.") },
		{ "confirming", N_("Phase: confirming.") },
		{ "removing", N_("Phase: removing.") },
	};
	size_t	i;

	if (strcmp(e->msgid, "Phase: %s.") != 0 || e->nargs != 1)
		return NULL;
	for (i = 0; i < sizeof phases / sizeof phases[0]; i++)
		if (strcmp(e->args[0], phases[i].name) == 0)
			return phases[i].msgid;
	return NULL;
}

char *
run_event_text(const struct run_event *e)
{
	const char	*phase;

	if (e->msgid == NULL)
		return xstrdup(e->what);
	if ((phase = legacy_phase(e)) != NULL)
		return xstrdup(_(phase));
	return deferfmt_render(e->msgid, e->args, e->nargs, 1);
}

static void
run_error_at(struct run *r, const char *message, unsigned attempt)
{
	if (r->nerrors == RUN_ERRORS_MAX) {
		free(r->errors[0]);
		memmove(&r->errors[0], &r->errors[1],
		    (RUN_ERRORS_MAX - 1) * sizeof *r->errors);
		memmove(&r->error_attempts[0], &r->error_attempts[1],
		    (RUN_ERRORS_MAX - 1) * sizeof *r->error_attempts);
		r->nerrors--;
	}
	r->errors = xreallocarray(r->errors, r->nerrors + 1,
	    sizeof *r->errors);
	r->error_attempts = xreallocarray(r->error_attempts, r->nerrors + 1,
	    sizeof *r->error_attempts);
	r->error_attempts[r->nerrors] = attempt;
	r->errors[r->nerrors++] = xstrdup(message);
}

void
run_error(struct run *r, const char *message)
{
	run_error_at(r, message, r->attempts);
}

char *
run_disk_full_text(const char *id)
{
	return xasprintf(_("The disk holding the workspace is full: free "
	    "space, then 'segsync run --resume %s'."), id);
}

int
run_disk_full(const struct workspace *ws)
{
	char	*runs = workspace_path(ws, "runs");
	int	 full = fileio_space_below(runs, RUN_DISK_FULL_BYTES) == 1;

	free(runs);
	return full;
}

char *
run_error_text(const struct run *r, size_t i)
{
	if (r->attempts > 1 && r->error_attempts[i] > 0)
		return xasprintf(_("Attempt %1$u: %2$s"),
		    r->error_attempts[i], r->errors[i]);
	return xstrdup(r->errors[i]);
}

/* The attempt of each error, beside "errors" (cli.md keeps it strings). */
static void
error_attempts_json(cJSON *o, const struct run *r)
{
	cJSON	*a = cJSON_AddArrayToObject(o, "error_attempts");
	size_t	 i;

	for (i = 0; i < r->nerrors; i++)
		cJSON_AddItemToArray(a,
		    cJSON_CreateNumber(r->error_attempts[i]));
}

void
run_take_stats(struct run *r, const struct deliver_stats *st)
{
	struct rusage	ru;
	size_t		i;

	r->phase = st->phase;
	r->counts = st->total;
	for (i = 0; i < r->nsegments && i < st->nsegments; i++)
		r->segments[i].counts = st->segments[i];
	r->requests = st->requests;
	r->retries = st->retries;
	r->throttled = st->throttled;
	r->rate_waits = st->rate_waits;
	r->in_flight = st->in_flight;
	r->jobs = st->jobs;
	r->jobs_pending = st->jobs_pending;
	r->jobs_failed = st->jobs_failed;
	r->confirm_rejected = st->confirm_rejected;
	r->confirm_next = st->confirm_next;
	r->members = st->members;
	r->to_remove = st->to_remove;
	r->removed = st->removed;
	r->remove_rejected = st->remove_rejected;
	r->guard = st->guard;
	r->baseline = st->baseline;
	if (st->state_note != NULL && (r->state_note == NULL ||
	    strcmp(r->state_note, st->state_note) != 0)) {
		free(r->state_note);
		r->state_note = xstrdup(st->state_note);
	}
	if (st->confirm_note != NULL && (r->confirm_note == NULL ||
	    strcmp(r->confirm_note, st->confirm_note) != 0)) {
		free(r->confirm_note);
		r->confirm_note = xstrdup(st->confirm_note);
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		r->cpu_seconds = (double)ru.ru_utime.tv_sec +
		    (double)ru.ru_utime.tv_usec / 1e6 +
		    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec /
		    1e6;
		r->peak_rss_kb = ru.ru_maxrss;
	}
}

cJSON *
run_to_json(const struct workspace *ws, const struct run *r, int detail)
{
	cJSON	*o = cJSON_CreateObject(), *it, *a, *m;
	char	*p;
	size_t	 i;

	add_str(o, "id", r->id);
	add_str(o, "export", r->export_name);
	add_str(o, "destination", r->destination);
	add_str(o, "status", run_status_name(r->status));
	add_str(o, "started_by", r->started_by);
	add_str(o, "started_at", r->started_at);
	add_str(o, "finished_at", r->finished_at);
	cJSON_AddItemToObject(o, "counts", run_counts_json(r));
	/* 0 to 1, to four places: what --max-rejected is compared with. */
	cJSON_AddNumberToObject(o, "rejected_share",
	    (double)(long long)(run_rejected_share(r) * 10000 + 0.5) / 10000);
	cJSON_AddNumberToObject(o, "requests", (double)r->requests);
	it = cJSON_AddObjectToObject(o, "resources");
	cJSON_AddNumberToObject(it, "cpu_seconds",
	    (double)(long long)(r->cpu_seconds * 1000) / 1000);
	cJSON_AddNumberToObject(it, "peak_rss_kb", (double)r->peak_rss_kb);
	if (!detail)
		return o;
	a = cJSON_AddArrayToObject(o, "errors");
	for (i = 0; i < r->nerrors; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->errors[i]));
	error_attempts_json(o, r);
	p = run_file(ws, r->id, "rejects.csv");
	add_str(o, "rejects_file", p);
	free(p);
	add_str(o, "connection", r->connection_name);
	add_str(o, "target", r->target);
	add_str(o, "phase", run_phase_name(r->phase));
	cJSON_AddBoolToObject(o, "scheduled", r->scheduled);
	cJSON_AddNumberToObject(o, "attempts", r->attempts);
	cJSON_AddNumberToObject(o, "total_rows", (double)r->total_rows);
	cJSON_AddNumberToObject(o, "retries", (double)r->retries);
	cJSON_AddNumberToObject(o, "throttled", (double)r->throttled);
	cJSON_AddNumberToObject(o, "rate_waits", (double)r->rate_waits);
	cJSON_AddNumberToObject(o, "in_flight", r->in_flight);
	cJSON_AddItemToObject(o, "confirmation", confirm_json(r));
	cJSON_AddItemToObject(o, "sync", sync_json(r));
	m = cJSON_AddObjectToObject(o, "mapping");
	for (i = 0; i < r->nmap; i++)
		cJSON_AddStringToObject(m, r->map[i].dest, r->map[i].field);
	a = cJSON_AddArrayToObject(o, "segments");
	for (i = 0; i < r->nsegments; i++) {
		it = cJSON_CreateObject();
		add_str(it, "name", r->segments[i].name);
		add_str(it, "file", r->segments[i].file);
		cJSON_AddItemToObject(it, "counts",
		    counts_json(&r->segments[i].counts));
		cJSON_AddItemToArray(a, it);
	}
	a = cJSON_AddArrayToObject(o, "events");
	for (i = 0; i < r->nevents; i++) {
		it = cJSON_CreateObject();
		add_str(it, "at", r->events[i].at);
		add_str(it, "what", r->events[i].what);
		cJSON_AddItemToArray(a, it);
	}
	return o;
}

void
run_free(struct run **rp)
{
	struct run	*r = *rp;
	size_t		 i;

	if (r == NULL)
		return;
	free(r->id);
	free(r->export_id);
	free(r->export_name);
	free(r->connection_id);
	free(r->connection_name);
	free(r->destination);
	free(r->target);
	for (i = 0; i < r->nmap; i++) {
		free(r->map[i].dest);
		free(r->map[i].field);
	}
	free(r->map);
	for (i = 0; i < r->nsegments; i++) {
		free(r->segments[i].name);
		free(r->segments[i].file);
	}
	free(r->segments);
	free(r->started_by);
	free(r->started_at);
	free(r->attempt_started_at);
	free(r->finished_at);
	free(r->updated_at);
	free(r->confirm_note);
	free(r->state_note);
	free(r->mode);
	for (i = 0; i < r->nerrors; i++)
		free(r->errors[i]);
	free(r->errors);
	free(r->error_attempts);
	for (i = 0; i < r->nevents; i++)
		event_free(&r->events[i]);
	free(r->events);
	free(r);
	*rp = NULL;
}
