#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "data/csv.h"
#include "data/rejects.h"
#include "tap.h"

struct rec {
	const char		*segment;
	unsigned long long	 line;
	const char		*id;
	const char		*reason;
	const char		*want_id;	/* as read back */
};

static const struct rec recs[] = {
	{ "vip", 2, "anna@example", "invalid email", "anna@example" },
	{ "Clients fidèles", 3, "", "missing email", "" },
	{ "a,b", 4, "x,y@example.com", "invalid email", "x,y@example.com" },
	{ "q", 5, "say \"hi\"@x", "invalid email", "say \"hi\"@x" },
	{ "nl", 6, "line\nbreak", "invalid email", "line\nbreak" },
	{ "crlf", 7, "a\r\nb", "invalid email", "a\r\nb" },
	{ "f1", 8, "=HYPERLINK(\"http://x\")", "invalid email",
	    "'=HYPERLINK(\"http://x\")" },
	{ "f2", 9, "+33612345678", "invalid email", "'+33612345678" },
	{ "f3", 10, "-2+3", "invalid email", "'-2+3" },
	{ "f4", 11, "@SUM(A1)", "invalid email", "'@SUM(A1)" },
	{ "f5", 12, "\tcmd", "invalid email", "'\tcmd" },
	{ "ok", 1234567, "a=b@example.com", "rejected by Braze: bad \"x\"",
	    "a=b@example.com" },
};

#define NRECS (sizeof recs / sizeof recs[0])

static void
test_roundtrip(void)
{
	struct rejects		*rj;
	struct csv_reader	*r;
	struct csv_row		 row;
	struct stat		 sb;
	const char *const	*h;
	char			*path, *cause = NULL, num[32];
	size_t			 i, n;
	mode_t			 old;

	path = xasprintf("%s/rejects.csv", tap_tmpdir());
	old = umask(0);
	ok(rejects_open(path, &rj, &cause) == 0, "rejects_open");
	umask(old);
	for (i = 0; i < NRECS; i++) {
		if (rejects_add(rj, recs[i].segment, recs[i].line, recs[i].id,
		    strlen(recs[i].id), recs[i].reason, &cause) != 0)
			ok(0, "rejects_add %zu: %s", i, cause);
	}
	is_int(rejects_count(rj), NRECS, "rows counted");
	ok(rejects_close(&rj, &cause) == 0, "rejects_close");
	ok(rj == NULL, "rejects_close clears the pointer");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "mode 0600 even with umask 0");

	if (!ok(csv_open(path, &r, &cause) == 0, "our reader reads it")) {
		diag("%s", cause);
		free(cause);
		free(path);
		return;
	}
	h = csv_header_peek(r, &n);
	is_int(n, 4, "4 columns");
	ok(n == 4 && strcmp(h[0], "segment") == 0 &&
	    strcmp(h[1], "line") == 0 && strcmp(h[2], "identifier") == 0 &&
	    strcmp(h[3], "reason") == 0,
	    "header is segment,line,identifier,reason");
	for (i = 0; i < NRECS; i++) {
		if (!is_int(csv_next(r, &row, &cause), CSV_OK, "row %zu", i))
			break;
		snprintf(num, sizeof num, "%llu", recs[i].line);
		is_str(row.fields[0].s, recs[i].segment, "row %zu: segment", i);
		is_str(row.fields[1].s, num, "row %zu: line", i);
		is_str(row.fields[2].s, recs[i].want_id, "row %zu: identifier",
		    i);
		is_str(row.fields[3].s, recs[i].reason, "row %zu: reason", i);
	}
	is_int(csv_next(r, &row, &cause), CSV_EOF, "no more rows");
	csv_close(&r);
	free(path);
}

/* A write error (here: over the file size limit) is reported at close. */
static void
test_write_error(void)
{
	struct rejects	*rj;
	struct rlimit	 old, rl;
	char		*path, *cause = NULL, id[200];
	int		 i, failed = 0;

	path = xasprintf("%s/full.csv", tap_tmpdir());
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = 4096;
	setrlimit(RLIMIT_FSIZE, &rl);
	ok(rejects_open(path, &rj, &cause) == 0, "open under a size limit");
	memset(id, 'x', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	for (i = 0; i < 1000 && !failed; i++) {
		if (rejects_add(rj, "s", 2, id, strlen(id), "r", &cause) != 0) {
			failed = 1;
			xfree(&cause);
		}
	}
	ok(rejects_close(&rj, &cause) == -1, "close reports the write error");
	like(cause, "cannot write ", "error sentence");
	like(cause, "full.csv: File too large", "names the file and why");
	free(cause);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	free(path);

	ok(rejects_open("/nonexistent-dir/r.csv", &rj, &cause) == -1,
	    "open fails in a missing folder");
	like(cause, "cannot create /nonexistent-dir/r.csv", "open error");
	free(cause);
}

int
main(void)
{
	plan_lazy();
	test_roundtrip();
	test_write_error();
	return done_testing();
}
