/*
 * Watching runs: durations, how much is done, the smoothed rate seeded
 * from the record and the time left; a watched record is read again only
 * when run.json changed, a dead worker shows as interrupted without a
 * new file, the elapsed time follows the watcher's clock from the
 * record's own; the history follows runs that appear, change and go.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xmalloc.h"
#include "run/runrecord.h"
#include "run/runview.h"
#include "store/workspace.h"
#include "tap.h"

static struct run *
sample_run(const char *id, const char *export_id, time_t started)
{
	struct run	*r = xcalloc(1, sizeof *r);
	char		 t[UTIL_RFC3339_LEN];

	util_rfc3339(started, t);
	r->id = xstrdup(id);
	r->export_id = xstrdup(export_id);
	r->export_name = xstrdup("VIP");
	r->connection_id = xstrdup("c1");
	r->connection_name = xstrdup("Braze");
	r->destination = xstrdup("braze");
	r->target = xstrdup("seg-api");
	r->map = xcalloc(1, sizeof *r->map);
	r->map[0].dest = xstrdup("email");
	r->map[0].field = xstrdup("email");
	r->nmap = 1;
	r->segments = xcalloc(1, sizeof *r->segments);
	r->segments[0].name = xstrdup("VIP");
	r->segments[0].file = xstrdup("/data/VIP.csv");
	r->segments[0].rows = 10000;
	r->nsegments = 1;
	r->status = RUN_RUNNING;
	r->phase = DELIVER_PHASE_SEND;
	r->started_by = xstrdup("alice");
	r->started_at = xstrdup(t);
	r->attempts = 1;
	r->total_rows = 10000;
	return r;
}

/* Hold run id's lock as its worker would; the descriptor. */
static int
hold_lock(const struct workspace *ws, const char *id)
{
	char	*dir = run_dir(ws, id), *path = run_file(ws, id, "lock");
	int	 fd;

	mkdir(dir, 0700);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) != 0)
		exit(99);
	free(dir);
	free(path);
	return fd;
}

static void
test_words(void)
{
	struct run		*r;
	struct runview_rate	 fr;
	char			 buf[32];

	runview_duration(0, buf, sizeof buf);
	is_str(buf, "0:00", "no time");
	runview_duration(65, buf, sizeof buf);
	is_str(buf, "1:05", "a minute and five seconds");
	runview_duration(3723, buf, sizeof buf);
	is_str(buf, "1:02:03", "hours when there are");
	runview_duration(-4, buf, sizeof buf);
	is_str(buf, "0:00", "never negative");
	is_int(runview_seconds_between("2026-11-22T10:00:00Z",
	    "2026-11-22T11:01:05Z"), 3665, "seconds between two times");
	is_int(runview_seconds_between("2026-11-22T10:00:00Z", "soon"), -1,
	    "-1 for what is not a time");
	is_int(runview_seconds_between("2026-11-22T10:00:00Z", NULL), -1,
	    "or nothing");

	r = sample_run("20261122T101530Z-0001", "x1", 1700000000);
	is_int(runview_record_elapsed(r, 1700000042), 42,
	    "a running run: until now");
	r->updated_at = xstrdup("2026-11-22T10:00:10Z");
	free(r->started_at);
	r->started_at = xstrdup("2026-11-22T10:00:00Z");
	r->status = RUN_INTERRUPTED;
	is_int(runview_record_elapsed(r, 1900000000), 10,
	    "an interrupted run: until its last progress");
	r->finished_at = xstrdup("2026-11-22T10:02:00Z");
	r->status = RUN_CANCELLED;
	is_int(runview_record_elapsed(r, 1900000000), 120,
	    "a finished run: until it ended");
	/* Resumed at 10:30 after attempts that ran 10 s: the gap is not
	 * part of the run's time. */
	r->attempt_started_at = xstrdup("2026-11-22T10:30:00Z");
	r->earlier_seconds = 10;
	free(r->finished_at);
	r->finished_at = xstrdup("2026-11-22T10:30:40Z");
	is_int(runview_record_elapsed(r, 1900000000), 50,
	    "a resumed run: its attempts' time, not the gap between them");
	is_int(runview_attempt_elapsed(r, r->finished_at), 40,
	    "and its last attempt's alone");
	xfree(&r->attempt_started_at);
	r->earlier_seconds = 0;
	free(r->finished_at);
	r->finished_at = xstrdup("2026-11-22T10:02:00Z");

	r->status = RUN_RUNNING;
	r->counts.read = 5000;
	r->counts.accepted = 3000;
	r->counts.rejected = 500;
	r->counts.duplicates = 500;
	r->counts.sent = 3800;
	is_int(runview_done(r), 4000, "done: accepted, rejected, duplicates");
	ok(runview_fraction(r) > 0.399 && runview_fraction(r) < 0.401,
	    "40%% of the rows counted at the start");
	r->total_rows = 0;
	ok(runview_fraction(r) == 0, "nothing counted: 0, not a division by "
	    "zero");
	r->total_rows = 3000;
	ok(runview_fraction(r) == 1, "never past the end");
	r->total_rows = 0;
	r->status = RUN_SUCCEEDED;
	ok(runview_fraction(r) == 1, "a succeeded run is whole");
	r->status = RUN_RUNNING;
	r->total_rows = 10000;

	memset(&fr, 0, sizeof fr);
	runview_rate_seed(&fr, 1000, 10, 5000);
	ok(fr.rate == 100, "seeded with the average so far (%g)", fr.rate);
	runview_rate_update(&fr, 1300, 5400);
	ok(fr.rate == 100, "a sample closer than %d ms is not used",
	    RUNVIEW_RATE_MS);
	runview_rate_update(&fr, 1300, 6000);
	ok(fr.rate > 159.99 && fr.rate < 160.01,
	    "then smoothed: 0.7 x 100 + 0.3 x 300 (%g)", fr.rate);
	runview_rate_update(&fr, 100, 7000);
	ok(fr.rate > 111.99 && fr.rate < 112.01,
	    "fewer done (a new attempt) counts as nothing, not negative (%g)",
	    fr.rate);
	memset(&fr, 0, sizeof fr);
	runview_rate_seed(&fr, 0, 0, 100);
	ok(fr.rate == 0, "no time yet: no rate");

	is_int(runview_remaining(r, 100), 60, "6,000 left at 100/s: a minute");
	is_int(runview_remaining(r, 0), -1, "unknown without a rate");
	r->phase = DELIVER_PHASE_PLAN;
	is_int(runview_remaining(r, 100), -1, "unknown while planning");
	r->phase = DELIVER_PHASE_SEND;
	r->status = RUN_CANCELLED;
	is_int(runview_remaining(r, 100), -1, "none once over");
	run_free(&r);
}

static void
test_watch(struct workspace *ws)
{
	struct runview	*v;
	struct run	*r;
	char		*cause = NULL, *p;
	int		 fd;
	long		 e;
	time_t		 start = time(NULL) - 100;

	r = sample_run("20261122T101530Z-0001", "x1", start);
	fd = hold_lock(ws, r->id);
	r->counts.accepted = 1000;
	if (run_save(ws, r, &cause) != 0)
		exit(99);

	v = runview_new(r->id);
	is_int(runview_poll(v, ws, 1000), 1, "the first look reads the record");
	ok(v->run != NULL && v->run->status == RUN_RUNNING, "running");
	is_int(v->reads, 1, "read once");
	ok(v->rate.rate > 9 && v->rate.rate < 11,
	    "the rate at once: 1,000 in about 100 s (%g)", v->rate.rate);
	e = v->elapsed_read;
	ok(e >= 99 && e <= 102, "elapsed from the record (%ld)", e);
	is_int(runview_elapsed(v, 6500), e + 5, "5.5 s later on the watcher's "
	    "clock: 5 more seconds");
	is_int(runview_poll(v, ws, 1250), 0, "unchanged: nothing to redraw");
	is_int(runview_poll(v, ws, 1500), 0, "still unchanged");
	is_int(v->reads, 1, "and not parsed again");

	usleep(20000);
	r->counts.accepted = 2000;
	if (run_save(ws, r, &cause) != 0)
		exit(99);
	is_int(runview_poll(v, ws, 2000), 1, "a new record: changed");
	is_int(v->run->counts.accepted, 2000, "with the new counts");
	is_int(v->reads, 2, "parsed once more");
	ok(v->rate.rate > 10, "the rate follows the new sample (%g)",
	    v->rate.rate);

	/* The worker dies: the file stays as it was. */
	close(fd);
	is_int(runview_poll(v, ws, 2250), 1, "a dead worker is a change");
	is_int(v->run->status, RUN_INTERRUPTED, "shown as interrupted");
	is_int(v->reads, 2, "without reading the file again");
	is_int(runview_poll(v, ws, 2500), 0, "and then nothing changes");
	is_int(runview_elapsed(v, 90000), v->elapsed_read,
	    "an interrupted run's clock stands still");

	/* Removed. */
	p = run_file(ws, r->id, "run.json");
	unlink(p);
	free(p);
	is_int(runview_poll(v, ws, 3000), -1, "a removed run");
	ok(v->run == NULL, "has no record");
	like(v->error, "there is no run", "and says so");
	runview_free(&v);

	/* Damaged. */
	p = run_file(ws, r->id, "run.json");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, "{\"version\": 1}", 14) != 14)
		exit(99);
	close(fd);
	free(p);
	v = runview_new(r->id);
	is_int(runview_poll(v, ws, 100), -1, "a damaged record");
	ok(v->run != NULL && v->run->status == RUN_FAILED,
	    "shows as a failed run");
	like(v->run->nerrors > 0 ? v->run->errors[0] : NULL,
	    "is missing or not a string", "saying why");
	is_int(runview_poll(v, ws, 400), 0, "and is not read again");
	runview_free(&v);
	p = run_dir(ws, r->id);
	run_free(&r);
	free(cause);
	r = NULL;
	/* Leave the damaged run for the list test. */
	free(p);
}

static void
test_list(struct workspace *ws)
{
	struct runview_list	 l;
	struct run		*r;
	char			*cause = NULL, *p, *q;
	int			 fd;

	memset(&l, 0, sizeof l);
	is_int(runview_list_poll(&l, ws, 0, &cause), 1, "the history read");
	is_int(l.n, 1, "the damaged run listed");
	is_int(runview_list_poll(&l, ws, 300, &cause), 0, "nothing new");

	/* A run started elsewhere (the command line, cron). */
	r = sample_run("20261122T111111Z-0002", "x2", time(NULL) - 5);
	fd = hold_lock(ws, r->id);
	if (run_save(ws, r, &cause) != 0)
		exit(99);
	is_int(runview_list_poll(&l, ws, 600, &cause), 1,
	    "a run started elsewhere appears");
	is_int(l.n, 2, "two runs");
	is_str(l.v[0]->id, "20261122T111111Z-0002", "newest first");
	ok(runview_list_find(&l, "20261122T111111Z-0002") == l.v[0],
	    "found by its ID");
	ok(runview_list_find(&l, "20261122T000000Z-0009") == NULL,
	    "and an unknown one is not");
	is_int(l.v[0]->run->status, RUN_RUNNING, "running");
	is_int(runview_list_poll(&l, ws, 900, &cause), 0,
	    "unchanged: nothing to redraw");
	usleep(20000);
	r->counts.accepted = 77;
	if (run_save(ws, r, &cause) != 0)
		exit(99);
	is_int(runview_list_poll(&l, ws, 1200, &cause), 1, "progress: changed");
	is_int(l.v[0]->run->counts.accepted, 77, "the new counts");
	is_int(l.v[1]->reads, 0, "the damaged one was not read again");
	close(fd);
	is_int(runview_list_poll(&l, ws, 1500, &cause), 1,
	    "its worker died: changed");
	is_int(l.v[0]->run->status, RUN_INTERRUPTED, "interrupted");

	/* Removed (retention). */
	p = run_file(ws, r->id, "run.json");
	q = run_file(ws, r->id, "lock");
	unlink(p);
	unlink(q);
	free(p);
	free(q);
	p = run_dir(ws, r->id);
	rmdir(p);
	free(p);
	is_int(runview_list_poll(&l, ws, 1800, &cause), 1, "a run removed");
	is_int(l.n, 1, "is dropped");
	run_free(&r);
	runview_list_free(&l);
	ok(l.n == 0 && l.v == NULL, "freed");
	free(cause);
}

int
main(void)
{
	struct ws_init_opts	 o;
	struct workspace	*ws = NULL;
	char			*dir, *cause = NULL;

	plan_lazy();
	test_words();
	dir = util_path(tap_tmpdir(), "ws");
	memset(&o, 0, sizeof o);
	o.admin_user = "alice";
	o.admin_uid = (unsigned long)geteuid();
	if (workspace_init(dir, &o, &ws, &cause) != 0) {
		diag("%s", cause);
		exit(99);
	}
	test_watch(ws);
	test_list(ws);
	workspace_free(&ws);
	free(dir);
	return done_testing();
}
