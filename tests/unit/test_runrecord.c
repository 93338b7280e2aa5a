/*
 * The run journal and run records: what a resumed run trusts (every
 * answered profile, a torn last line ignored, damage refused with its
 * line), and what `segsync runs` shows (a record round-trips, a dead
 * worker reads as interrupted, newest first, damaged records listed,
 * retention keeps the newest finished runs).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xmalloc.h"
#include "run/deliver.h"
#include "run/journal.h"
#include "run/run.h"
#include "run/runrecord.h"
#include "store/workspace.h"
#include "tap.h"

static void
append_raw(const char *path, const char *text)
{
	FILE	*f = fopen(path, "a");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		exit(99);
}

static void
test_journal(void)
{
	struct deliver_ack	 acks[3];
	struct journal		*j = NULL;
	struct journal_index	*ix = NULL;
	char			*path, *cause = NULL;
	const char		*reason;
	unsigned		 flags;
	uint64_t		 job;
	struct stat		 st;

	path = util_path(tap_tmpdir(), "journal");
	ok(journal_load(path, &ix, &cause) == 0 &&
	    journal_index_count(ix) == 0, "a missing journal is empty");
	journal_index_free(&ix);

	ok(journal_open(path, 0600, (gid_t)-1, &j, &cause) == 0, "open");
	memset(acks, 0, sizeof acks);
	acks[0].ref = DELIVER_REF(0, 2);
	acks[0].flags = 0;
	acks[0].reason = NULL;
	acks[0].job = 0x1f4;
	acks[1].ref = DELIVER_REF(1, 7);
	acks[1].flags = DELIVER_REJECTED;
	acks[1].reason = "The value of 'city' is\nlonger than 255";
	acks[2].ref = DELIVER_REF(0, 9);
	acks[2].flags = DELIVER_WARNED;
	acks[2].reason = NULL;
	ok(journal_append(j, acks, 3, &cause) == 0, "append a batch");
	acks[0].ref = DELIVER_REF(0, 9);
	acks[0].job = 0;
	acks[0].flags = DELIVER_REJECTED | DELIVER_WARNED;
	acks[0].reason = "import process 12 failed";
	ok(journal_append(j, acks, 1, &cause) == 0, "a later verdict");
	ok(journal_close(&j, &cause) == 0 && j == NULL, "close");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "mode 0600");
	/* A worker killed mid-write leaves a torn line. */
	append_raw(path, "a 200000000");

	ok(journal_load(path, &ix, &cause) == 0, "load");
	is_int(journal_index_count(ix), 3, "three profiles, the torn line "
	    "ignored");
	ok(journal_lookup(DELIVER_REF(0, 2), &flags, &reason, ix) == 1 &&
	    flags == 0 && reason == NULL, "accepted");
	ok(journal_lookup_job(DELIVER_REF(0, 2), &flags, &reason, &job,
	    ix) == 1 && job == 0x1f4, "queued in the job it was answered "
	    "with (a Brevo import process to ask again on resume)");
	ok(journal_lookup_job(DELIVER_REF(0, 9), &flags, &reason, &job,
	    ix) == 1 && job == 0, "a rejected profile waits on no job");
	ok(journal_lookup(DELIVER_REF(1, 7), &flags, &reason, ix) == 1 &&
	    flags == DELIVER_REJECTED, "rejected");
	is_str(reason, "The value of 'city' is longer than 255",
	    "the reason, on one line");
	ok(journal_lookup(DELIVER_REF(0, 9), &flags, &reason, ix) == 1 &&
	    flags == (DELIVER_REJECTED | DELIVER_WARNED),
	    "the later verdict wins");
	is_str(reason, "import process 12 failed", "with its reason");
	ok(journal_lookup(DELIVER_REF(0, 3), &flags, &reason, ix) == 0,
	    "an unanswered profile is not there");
	ok(journal_lookup(DELIVER_REF(2, 2), &flags, &reason, ix) == 0,
	    "nor another segment's line");
	journal_index_free(&ix);

	/* Reopening cuts the torn line off before appending. */
	ok(journal_open(path, 0600, (gid_t)-1, &j, &cause) == 0, "reopen");
	acks[0].ref = DELIVER_REF(0, 3);
	acks[0].flags = 0;
	acks[0].job = 0;
	ok(journal_append(j, acks, 1, &cause) == 0 &&
	    journal_close(&j, &cause) == 0, "append after the repair");
	ok(journal_load(path, &ix, &cause) == 0 &&
	    journal_index_count(ix) == 4, "four profiles, none damaged");
	journal_index_free(&ix);

	/* Damage in the middle is refused, naming the line. */
	append_raw(path, "x 12\na 20000000004\n");
	ok(journal_load(path, &ix, &cause) == -1 && ix == NULL,
	    "a damaged line is refused");
	like(cause, "line 7: this line is damaged", "naming its line");
	xfree(&cause);
	free(path);

	path = util_path(tap_tmpdir(), "notajournal");
	append_raw(path, "hello\n");
	ok(journal_load(path, &ix, &cause) == -1, "not a journal");
	like(cause, "not a segsync run journal", "says so");
	xfree(&cause);
	free(path);

	/* Many refs: the index grows and finds them all. */
	path = util_path(tap_tmpdir(), "big");
	ok(journal_open(path, 0600, (gid_t)-1, &j, &cause) == 0, "big");
	{
		struct deliver_ack	b[1000];
		size_t			i, k, miss = 0;

		for (k = 0; k < 100; k++) {
			for (i = 0; i < 1000; i++) {
				b[i].ref = DELIVER_REF(k % 3, k * 1000 + i +
				    2);
				b[i].flags = i % 10 == 0 ? DELIVER_REJECTED :
				    0;
				b[i].reason = "no";
				b[i].job = 0;
			}
			if (journal_append(j, b, 1000, &cause) != 0)
				break;
		}
		journal_close(&j, &cause);
		ok(journal_load(path, &ix, &cause) == 0 &&
		    journal_index_count(ix) == 100000, "100,000 refs");
		for (k = 0; k < 100000; k++)
			if (!journal_lookup(DELIVER_REF(k / 1000 % 3, k + 2),
			    &flags, &reason, ix) || (flags != 0) != (k % 10 ==
			    0))
				miss++;
		is_int(miss, 0, "every one found with its verdict");
		journal_index_free(&ix);
	}
	free(path);
}

static struct run *
sample_run(const char *id, const char *export_id)
{
	struct run	*r = xcalloc(1, sizeof *r);

	r->id = xstrdup(id);
	r->export_id = xstrdup(export_id);
	r->export_name = xstrdup("Été VIP");
	r->connection_id = xstrdup("c1");
	r->connection_name = xstrdup("Braze prod");
	r->destination = xstrdup("braze");
	r->target = xstrdup("seg-api");
	r->map = xcalloc(2, sizeof *r->map);
	r->map[0].dest = xstrdup("email");
	r->map[0].field = xstrdup("Email");
	r->map[1].dest = xstrdup("attr:city");
	r->map[1].field = xstrdup("City");
	r->nmap = 2;
	r->segments = xcalloc(1, sizeof *r->segments);
	r->segments[0].name = xstrdup("VIP");
	r->segments[0].file = xstrdup("/data/VIP.csv");
	r->segments[0].size = 12345;
	r->segments[0].mtime_ns = 1763840000123456789LL;
	r->segments[0].rows = 100;
	r->segments[0].counts.read = 100;
	r->nsegments = 1;
	r->status = RUN_RUNNING;
	r->phase = DELIVER_PHASE_SEND;
	r->started_by = xstrdup("alice");
	r->started_at = xstrdup("2026-11-22T10:15:30Z");
	r->attempts = 1;
	r->total_rows = 100;
	r->counts.read = 100;
	r->counts.accepted = 90;
	r->counts.rejected = 10;
	r->requests = 2;
	r->peak_rss_kb = 4096;
	run_error(r, "first error");
	run_event(r, "Started by %s.", "alice");
	return r;
}

/* Hold runs/<id>/lock as a live worker would. */
static int
hold_lock(struct workspace *ws, const char *id)
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
test_records(void)
{
	struct ws_init_opts	 o;
	struct workspace	*ws = NULL;
	struct run		*r, *back = NULL, **runs;
	char			*dir, *cause = NULL, id[RUN_ID_LEN], *p;
	size_t			 n, i;
	int			 fd;
	cJSON			*j;

	run_new_id(id);
	ok(run_id_valid(id), "a new ID is valid: %s", id);
	ok(!run_id_valid("../../etc") && !run_id_valid("20261122T101530Z-3FA2")
	    && !run_id_valid("20261122T101530Z-3fa") &&
	    run_id_valid("20261122T101530Z-3fa2"), "and nothing else is");

	dir = util_path(tap_tmpdir(), "ws");
	memset(&o, 0, sizeof o);
	o.admin_user = "alice";
	o.admin_uid = (unsigned long)geteuid();
	if (workspace_init(dir, &o, &ws, &cause) != 0) {
		diag("%s", cause);
		exit(99);
	}

	/* A live worker: the record reads as running. */
	r = sample_run("20261122T101530Z-0001", "x1");
	fd = hold_lock(ws, r->id);
	ok(run_save(ws, r, &cause) == 0, "save");
	ok(run_load(ws, r->id, &back, &cause) == 0, "load");
	is_int(back->status, RUN_RUNNING, "running while its lock is held");
	is_str(back->export_name, "Été VIP", "export name");
	is_int(back->segments[0].mtime_ns, 1763840000123456789LL,
	    "the segment's mtime to the nanosecond");
	is_int(back->segments[0].size, 12345, "and its size");
	is_str(back->map[1].dest, "attr:city", "the mapping");
	is_int(back->counts.accepted, 90, "counts");
	is_str(back->errors[0], "first error", "errors");
	like(back->events[0].what, "Started by alice.", "timeline");
	run_free(&back);
	/* The worker dies (kill -9 releases the lock). */
	close(fd);
	ok(run_load(ws, r->id, &back, &cause) == 0 &&
	    back->status == RUN_INTERRUPTED, "interrupted once the lock is "
	    "free");
	ok(!run_alive(ws, r->id), "not alive");
	run_free(&back);
	run_free(&r);

	/* Older and newer finished runs of x1, one of x2. */
	for (i = 2; i <= 5; i++) {
		snprintf(id, sizeof id, "20261122T10153%zuZ-0001", i);
		r = sample_run(id, i == 4 ? "x2" : "x1");
		r->status = RUN_SUCCEEDED;
		r->finished_at = xstrdup("2026-11-22T10:20:00Z");
		p = run_dir(ws, id);
		mkdir(p, 0700);
		free(p);
		ok(run_save(ws, r, &cause) == 0, "save %s", id);
		run_free(&r);
	}
	/* A damaged record. */
	p = run_dir(ws, "20261122T101529Z-0001");
	mkdir(p, 0700);
	free(p);
	p = run_file(ws, "20261122T101529Z-0001", "run.json");
	append_raw(p, "{\"version\": 1, \"id\": 3}");
	free(p);

	ok(run_list(ws, NULL, &runs, &n, &cause) == 0, "list");
	is_int(n, 6, "six runs");
	is_str(runs[0]->id, "20261122T101535Z-0001", "newest first");
	is_str(runs[5]->id, "20261122T101529Z-0001", "oldest last");
	is_int(runs[5]->status, RUN_FAILED, "a damaged record is listed as "
	    "failed");
	like(runs[5]->errors[0], "\"id\" is missing or not a string",
	    "saying why");
	j = run_to_json(ws, runs[0], 1);
	ok(cJSON_GetObjectItem(j, "rejects_file") != NULL &&
	    cJSON_GetObjectItem(j, "errors") != NULL &&
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "resources"),
	    "peak_rss_kb") != NULL, "the detail JSON has the cli.md keys");
	cJSON_Delete(j);
	run_list_free(&runs, n);
	ok(run_list(ws, "x1", &runs, &n, &cause) == 0 && n == 4,
	    "four runs of x1 (the interrupted one included)");
	run_list_free(&runs, n);

	/* Retention: keep 2 of x1; the interrupted one stays resumable. */
	is_int(run_prune(ws, "x1", 2), 1, "one finished run pruned");
	ok(run_list(ws, "x1", &runs, &n, &cause) == 0 && n == 3,
	    "the two newest and the interrupted run remain");
	for (i = 0; i < n; i++)
		ok(strcmp(runs[i]->id, "20261122T101532Z-0001") != 0,
		    "not the oldest finished one (%s)", runs[i]->id);
	run_list_free(&runs, n);
	ok(run_list(ws, "x2", &runs, &n, &cause) == 0 && n == 1,
	    "other exports untouched");
	run_list_free(&runs, n);

	ok(run_load(ws, "20261122T999999Z-0001", &back, &cause) == -1 &&
	    errno == ENOENT, "an unknown run");
	like(cause, "there is no run", "in words");
	xfree(&cause);
	workspace_free(&ws);
	free(dir);
}

int
main(void)
{
	plan_lazy();
	test_journal();
	test_records();
	return done_testing();
}
