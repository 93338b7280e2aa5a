/*
 * Paging through a rejected-records file: rows come back as the run saw
 * them (commas, quotes, line breaks in quoted fields, the formula guard
 * taken off), a page anywhere in 200,000 rows without reading them all
 * (the index stays at most REJREADER_MARKS offsets), a half-written last
 * record waits for its line end, a file written anew is indexed anew, a
 * filter by reason or by a search keeps an index of its own, and a
 * missing file says so.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xmalloc.h"
#include "data/rejects.h"
#include "data/rejreader.h"
#include "tap.h"

static void
append_raw(const char *path, const char *text)
{
	FILE	*f = fopen(path, "a");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		exit(99);
}

static void
add(struct rejects *w, const char *seg, unsigned long long line,
    const char *id, const char *reason)
{
	char	*cause = NULL;

	if (rejects_add(w, seg, line, id, strlen(id), reason, &cause) != 0) {
		diag("%s", cause);
		exit(99);
	}
}

static int
scan_all(struct rejreader *rr)
{
	char	*cause = NULL;
	int	 r, calls = 0;

	while ((r = rejreader_scan(rr, 64 * 1024, &cause)) == 0)
		calls++;
	if (r == -1) {
		diag("%s", cause);
		exit(99);
	}
	return calls + 1;
}

static void
test_values(const char *path)
{
	struct rejects		*w = NULL;
	struct rejreader		*rr = NULL;
	struct rejreader_row	 rows[8];
	char			*cause = NULL;
	size_t			 got;

	if (rejects_open(path, &w, &cause) != 0)
		exit(99);
	add(w, "VIP", 2, "a@example.com", "The email has no domain.");
	add(w, "Clients, fidèles", 3, "b\"q\"@example.com",
	    "Two lines:\nthe second one");
	add(w, "VIP", 4, "+33612345678", "=SUM(A1) is not a name");
	add(w, "VIP", 5, "", "No email and no customer ID.");
	if (rejects_close(&w, &cause) != 0)
		exit(99);

	ok(rejreader_open(path, &rr, &cause) == 0, "open");
	is_int(scan_all(rr), 1, "a small file is indexed in one call");
	is_int(rejreader_count(rr), 4, "four records, the header left out");
	ok(rejreader_page(rr, 0, 8, rows, &got, &cause) == 0, "a page");
	is_int(got, 4, "as many rows as there are");
	is_str(rows[0].segment, "VIP", "segment");
	is_int(rows[0].line, 2, "line");
	is_str(rows[0].identifier, "a@example.com", "identifier");
	is_str(rows[0].reason, "The email has no domain.", "reason");
	is_str(rows[1].segment, "Clients, fidèles",
	    "a comma in a quoted field");
	is_str(rows[1].identifier, "b\"q\"@example.com", "doubled quotes");
	is_str(rows[1].reason, "Two lines:\nthe second one",
	    "a line break in a quoted field");
	is_str(rows[2].identifier, "+33612345678",
	    "the formula guard taken off the identifier");
	is_str(rows[2].reason, "=SUM(A1) is not a name", "and off the reason");
	is_str(rows[3].identifier, "", "an empty identifier");
	rejreader_rows_clear(rows, got);
	ok(rejreader_page(rr, 3, 8, rows, &got, &cause) == 0 && got == 1 &&
	    rows[0].line == 5, "a page from the last row");
	rejreader_rows_clear(rows, got);
	ok(rejreader_page(rr, 4, 8, rows, &got, &cause) == 0 && got == 0,
	    "nothing past the end");
	rejreader_close(&rr);
	ok(rr == NULL, "closed");
}

static void
test_large(const char *path)
{
	struct rejects		*w = NULL;
	struct rejreader		*rr = NULL;
	struct rejreader_row	 rows[5];
	char			*cause = NULL, id[64];
	size_t			 got, marks;
	uint64_t		 stride, i;
	int			 calls, good;

	if (rejects_open(path, &w, &cause) != 0)
		exit(99);
	for (i = 0; i < 200000; i++) {
		snprintf(id, sizeof id, "user%llu@example.com",
		    (unsigned long long)i);
		add(w, i % 2 ? "News" : "VIP", i + 2, id, i % 1000 == 0 ?
		    "A reason, with a comma" : "The email is not valid.");
	}
	if (rejects_close(&w, &cause) != 0)
		exit(99);
	ok(rejreader_open(path, &rr, &cause) == 0, "open 200,000 rows");
	calls = scan_all(rr);
	ok(calls > 50, "indexed a budget at a time (%d calls)", calls);
	is_int(rejreader_count(rr), 200000, "every row counted");
	marks = rejreader_marks(rr, &stride);
	ok(marks <= REJREADER_MARKS, "the index stays small (%zu offsets)",
	    marks);
	ok(stride > 1 && marks * stride >= 200000,
	    "with a stride that grew (%llu)", (unsigned long long)stride);
	ok(rejreader_page(rr, 199997, 5, rows, &got, &cause) == 0 && got == 3,
	    "the last page");
	is_int(rows[2].line, 200001, "ends with the last row");
	is_str(rows[2].identifier, "user199999@example.com",
	    "its identifier");
	rejreader_rows_clear(rows, got);
	good = 1;
	for (i = 0; i < 200000; i += 7919) {
		if (rejreader_page(rr, i, 2, rows, &got, &cause) != 0 ||
		    got != 2 || rows[0].line != i + 2 || rows[1].line != i + 3)
			good = 0;
		rejreader_rows_clear(rows, got);
	}
	ok(good, "pages anywhere give the right rows");
	ok(rejreader_page(rr, 123000, 1, rows, &got, &cause) == 0 &&
	    strcmp(rows[0].reason, "A reason, with a comma") == 0,
	    "quoted fields in the middle");
	rejreader_rows_clear(rows, got);

	/* The distinct reasons, then only one of them, then a search. */
	{
		const struct rejreader_reason	*rs;
		size_t				 nr;

		rs = rejreader_reasons(rr, &nr);
		ok(nr == 2 && rs[0].count == 200 && rs[1].count == 199800,
		    "the reasons are counted as they are read (%zu)", nr);
		if (nr == 2)
			is_str(rs[0].reason, "A reason, with a comma",
			    "each given whole");
	}
	rejreader_filter(rr, "A reason, with a comma", NULL);
	scan_all(rr);
	is_int(rejreader_count(rr), 200, "a reason keeps only its records");
	is_int(rejreader_total(rr), 200000, "of all those read");
	ok(rejreader_page(rr, 199, 1, rows, &got, &cause) == 0 && got == 1 &&
	    rows[0].line == 199002, "its last page, found by its own index");
	rejreader_rows_clear(rows, got);
	good = 1;
	for (i = 0; i < 200; i += 13) {
		if (rejreader_page(rr, i, 1, rows, &got, &cause) != 0 ||
		    got != 1 || rows[0].line != i * 1000 + 2)
			good = 0;
		rejreader_rows_clear(rows, got);
	}
	ok(good, "and any page of it");
	rejreader_filter(rr, NULL, "USER12345@");
	scan_all(rr);
	is_int(rejreader_count(rr), 1, "a search keeps what holds it, in any "
	    "case");
	ok(rejreader_page(rr, 0, 2, rows, &got, &cause) == 0 && got == 1 &&
	    rows[0].line == 12347, "the one row");
	rejreader_rows_clear(rows, got);
	rejreader_filter(rr, NULL, NULL);
	scan_all(rr);
	is_int(rejreader_count(rr), 200000, "no filter: every row again");

	/* A resumed run writes the file anew: shorter. */
	if (rejects_open(path, &w, &cause) != 0)
		exit(99);
	add(w, "VIP", 9, "again@example.com", "Again.");
	if (rejects_close(&w, &cause) != 0)
		exit(99);
	scan_all(rr);
	is_int(rejreader_count(rr), 1, "a file written anew is indexed anew");
	ok(rejreader_page(rr, 0, 1, rows, &got, &cause) == 0 && got == 1 &&
	    rows[0].line == 9, "and read from its start");
	rejreader_rows_clear(rows, got);

	/* A running run: half a record, then the rest. */
	append_raw(path, "VIP,10,half@example.com,\"The reason is still");
	is_int(rejreader_scan(rr, 1024, &cause), 1, "at the end");
	is_int(rejreader_count(rr), 1, "half a record does not count");
	append_raw(path, " being written\"\r\n");
	is_int(rejreader_scan(rr, 1024, &cause), 1, "the rest comes");
	is_int(rejreader_count(rr), 2, "and the record counts");
	ok(rejreader_page(rr, 1, 1, rows, &got, &cause) == 0 && got == 1,
	    "read");
	is_str(rows[0].reason, "The reason is still being written",
	    "whole");
	rejreader_rows_clear(rows, got);
	rejreader_close(&rr);
}

static void
test_missing(const char *dir)
{
	struct rejreader	*rr = NULL;
	char		*cause = NULL, *path;

	path = util_path(dir, "none.csv");
	ok(rejreader_open(path, &rr, &cause) == -1 && errno == ENOENT,
	    "no file");
	like(cause, "none.csv", "names the file");
	free(cause);
	free(path);
	ok(rr == NULL, "and opens nothing");
}

int
main(void)
{
	char	*p;

	plan_lazy();
	p = util_path(tap_tmpdir(), "rejects.csv");
	test_values(p);
	free(p);
	p = util_path(tap_tmpdir(), "big.csv");
	test_large(p);
	free(p);
	test_missing(tap_tmpdir());
	return done_testing();
}
