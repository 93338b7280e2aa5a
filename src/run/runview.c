/* Watching runs (runview.h). */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "run/runrecord.h"
#include "run/runview.h"
#include "store/workspace.h"

/* The weight of the newest sample in the smoothed rate. */
#define RUNVIEW_SMOOTH	0.3

void
runview_duration(long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

long
runview_seconds_between(const char *a, const char *b)
{
	struct tm	ta, tb;
	const char	*ea, *eb;

	if (a == NULL || b == NULL)
		return -1;
	memset(&ta, 0, sizeof ta);
	memset(&tb, 0, sizeof tb);
	ea = strptime(a, "%Y-%m-%dT%H:%M:%SZ", &ta);
	eb = strptime(b, "%Y-%m-%dT%H:%M:%SZ", &tb);
	if (ea == NULL || eb == NULL || *ea != '\0' || *eb != '\0')
		return -1;
	return (long)difftime(timegm(&tb), timegm(&ta));
}

long
runview_attempt_elapsed(const struct run *r, const char *end)
{
	const char	*from = r->attempt_started_at != NULL ?
	    r->attempt_started_at : r->started_at;
	long		 e = runview_seconds_between(from, end);

	return e < 0 ? 0 : e;
}

long
runview_record_elapsed(const struct run *r, time_t now)
{
	char	t[UTIL_RFC3339_LEN];
	long	e;

	if (r->finished_at != NULL)
		e = runview_attempt_elapsed(r, r->finished_at);
	else if (r->status != RUN_RUNNING)
		e = runview_attempt_elapsed(r, r->updated_at != NULL ?
		    r->updated_at : r->started_at);
	else {
		util_rfc3339(now, t);
		e = runview_attempt_elapsed(r, t);
	}
	return (long)r->earlier_seconds + e;
}

uint64_t
runview_done(const struct run *r)
{
	return r->counts.accepted + r->counts.rejected +
	    r->counts.duplicates + r->counts.unchanged;
}

double
runview_fraction(const struct run *r)
{
	double	f;

	if (r->status == RUN_SUCCEEDED)
		return 1;
	if (r->total_rows == 0)
		return 0;
	f = (double)runview_done(r) / (double)r->total_rows;
	return f > 1 ? 1 : f;
}

void
runview_rate_seed(struct runview_rate *fr, uint64_t done, long elapsed,
    int64_t now_ms)
{
	fr->rate = elapsed > 0 ? (double)done / (double)elapsed : 0;
	fr->sampled = 1;
	fr->last_done = done;
	fr->last_ms = now_ms;
}

void
runview_rate_update(struct runview_rate *fr, uint64_t done, int64_t now_ms)
{
	double	inst;

	if (!fr->sampled) {
		fr->sampled = 1;
		fr->last_done = done;
		fr->last_ms = now_ms;
		return;
	}
	if (now_ms - fr->last_ms < RUNVIEW_RATE_MS)
		return;
	/* A resumed attempt starts its counts again: no negative rate. */
	inst = done < fr->last_done ? 0 : (double)(done - fr->last_done) *
	    1000.0 / (double)(now_ms - fr->last_ms);
	fr->rate = fr->rate == 0 ? inst : (1 - RUNVIEW_SMOOTH) * fr->rate +
	    RUNVIEW_SMOOTH * inst;
	fr->last_done = done;
	fr->last_ms = now_ms;
}

long
runview_remaining(const struct run *r, double rate)
{
	uint64_t	done = runview_done(r);

	if (r->status != RUN_RUNNING || r->phase != DELIVER_PHASE_SEND ||
	    rate <= 0 || r->total_rows <= done)
		return -1;
	return (long)((double)(r->total_rows - done) / rate + 0.5);
}

struct runview *
runview_new(const char *id)
{
	struct runview	*v = xcalloc(1, sizeof *v);

	v->id = xstrdup(id);
	return v;
}

void
runview_free(struct runview **vp)
{
	struct runview	*v = *vp;

	if (v == NULL)
		return;
	free(v->id);
	run_free(&v->run);
	free(v->error);
	free(v);
	*vp = NULL;
}

/* Take a record just read: the rate and the clock follow it. */
static void
runview_take(struct runview *v, struct run *r, int64_t now_ms)
{
	uint64_t	done = runview_done(r);
	int		first = v->run == NULL || !v->rate.sampled;
	long		e;

	/*
	 * The record's own elapsed time: from its start to its last write
	 * (or its end), so that what shows does not depend on the
	 * watcher's wall clock.
	 */
	e = (long)r->earlier_seconds + runview_attempt_elapsed(r,
	    r->finished_at != NULL ? r->finished_at : r->updated_at != NULL ?
	    r->updated_at : r->started_at);
	v->elapsed_read = e;
	v->read_ms = now_ms;
	if (first || (v->run != NULL && v->run->attempts != r->attempts))
		runview_rate_seed(&v->rate, done, v->elapsed_read, now_ms);
	else
		runview_rate_update(&v->rate, done, now_ms);
	run_free(&v->run);
	v->run = r;
	v->reads++;
}

int
runview_poll(struct runview *v, const struct workspace *ws, int64_t now_ms)
{
	struct stat	 st;
	struct run	*r = NULL;
	char		*path, *cause = NULL;
	long long	 mt;

	path = run_file(ws, v->id, "run.json");
	if (stat(path, &st) != 0) {
		free(path);
		if (v->have || v->error == NULL) {
			free(v->error);
			v->error = xasprintf(_("there is no run %s ('segsync "
			    "runs' lists them)"), v->id);
			v->have = 0;
			run_free(&v->run);
			errno = ENOENT;
			return -1;
		}
		errno = ENOENT;
		return v->run != NULL ? 0 : -1;
	}
	free(path);
	mt = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	if (v->have && st.st_dev == v->dev && st.st_ino == v->ino &&
	    st.st_size == v->size && mt == v->mtime_ns) {
		/* The same file: only its worker may have died since. */
		if (v->run != NULL && v->run->status == RUN_RUNNING &&
		    !run_alive(ws, v->id)) {
			v->run->status = RUN_INTERRUPTED;
			return 1;
		}
		return v->error != NULL && v->run == NULL ? -1 : 0;
	}
	v->have = 1;
	v->dev = st.st_dev;
	v->ino = st.st_ino;
	v->size = st.st_size;
	v->mtime_ns = mt;
	if (run_load(ws, v->id, &r, &cause) != 0) {
		if (errno == ENOENT) {
			/* Removed between stat() and reading. */
			free(cause);
			v->have = 0;
			return runview_poll(v, ws, now_ms);
		}
		free(v->error);
		v->error = cause;
		if (v->run == NULL || v->run->export_id[0] == '\0') {
			run_free(&v->run);
			v->run = run_damaged(v->id, cause);
		}
		return -1;
	}
	xfree(&v->error);
	runview_take(v, r, now_ms);
	return 1;
}

long
runview_elapsed(const struct runview *v, int64_t now_ms)
{
	if (v->run == NULL)
		return 0;
	if (v->run->status != RUN_RUNNING || now_ms < v->read_ms)
		return v->elapsed_read;
	return v->elapsed_read + (long)((now_ms - v->read_ms) / 1000);
}

static int
runview_cmp(const void *a, const void *b)
{
	const struct runview	*x = *(struct runview *const *)a;
	const struct runview	*y = *(struct runview *const *)b;

	return strcmp(y->id, x->id);
}

struct runview *
runview_list_find(const struct runview_list *l, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < l->n; i++)
		if (strcmp(l->v[i]->id, id) == 0)
			return l->v[i];
	return NULL;
}

int
runview_list_poll(struct runview_list *l, const struct workspace *ws,
    int64_t now_ms, char **cause)
{
	struct runview	*v;
	struct dirent	*de;
	DIR		*dir;
	char		*path;
	size_t		 i, j;
	int		 changed = 0, rv;
	unsigned char	*seen;

	path = workspace_path(ws, "runs");
	dir = opendir(path);
	if (dir == NULL) {
		if (errno != ENOENT) {
			*cause = xasprintf(_("%s: cannot read the folder of "
			    "runs: %s"), path, strerror(errno));
			free(path);
			return -1;
		}
		free(path);
		changed = l->n > 0;
		runview_list_free(l);
		return changed;
	}
	free(path);
	seen = xcalloc(l->n + 1, 1);
	while ((de = readdir(dir)) != NULL) {
		if (!run_id_valid(de->d_name))
			continue;
		for (i = 0; i < l->n; i++)
			if (strcmp(l->v[i]->id, de->d_name) == 0)
				break;
		if (i < l->n) {
			seen[i] = 1;
			continue;
		}
		v = runview_new(de->d_name);
		rv = runview_poll(v, ws, now_ms);
		if (rv == -1 && v->run == NULL) {
			/* Half made or removed meanwhile. */
			runview_free(&v);
			continue;
		}
		l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
		l->v[l->n] = v;
		seen = xreallocarray(seen, l->n + 2, 1);
		seen[l->n++] = 2;
		changed = 1;
	}
	closedir(dir);
	for (i = j = 0; i < l->n; i++) {
		if (seen[i] == 0) {
			runview_free(&l->v[i]);
			changed = 1;
			continue;
		}
		if (seen[i] == 1) {
			rv = runview_poll(l->v[i], ws, now_ms);
			if (rv == -1 && l->v[i]->run == NULL) {
				runview_free(&l->v[i]);
				changed = 1;
				continue;
			}
			if (rv != 0)
				changed = 1;
		}
		l->v[j++] = l->v[i];
	}
	l->n = j;
	free(seen);
	if (changed && l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, runview_cmp);
	return changed;
}

void
runview_list_free(struct runview_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		runview_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
