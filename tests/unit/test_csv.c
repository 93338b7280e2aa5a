#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xmalloc.h"
#include "data/csv.h"
#include "tap.h"

/* Path of a fixture in the source tree. */
static char *
fixture(const char *name)
{
	const char	*top = getenv("top_srcdir");

	return xasprintf("%s/tests/fixtures/csv/%s", top ? top : "..", name);
}

static struct csv_reader *
open_fixture(const char *name)
{
	struct csv_reader	*r = NULL;
	char			*path, *cause = NULL;

	path = fixture(name);
	if (!ok(csv_open(path, &r, &cause) == 0, "%s opens", name))
		diag("%s", cause);
	free(cause);
	free(path);
	return r;
}

/* The reason csv_open() gives for a fixture, or NULL if it opened. */
static char *
open_error(const char *name)
{
	struct csv_reader	*r = NULL;
	char			*path, *cause = NULL;

	path = fixture(name);
	if (csv_open(path, &r, &cause) == 0)
		csv_close(&r);
	free(path);
	return cause;
}

/* Read the next row, check its status and line; the message is returned. */
static char *
next(struct csv_reader *r, struct csv_row *row, enum csv_status want,
    unsigned long long line, const char *what)
{
	enum csv_status	 st;
	char		*cause = NULL;

	st = csv_next(r, row, &cause);
	is_int(st, want, "%s: status", what);
	if (want == CSV_OK || want == CSV_ROW_ERROR)
		is_int(row->line, line, "%s: starts on line %llu", what, line);
	if (st == CSV_OK && cause != NULL)
		ok(0, "%s: no message on a good row", what);
	return cause;
}

static void
test_basic(void)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	const char *const	*h;
	size_t			 n;

	r = open_fixture("basic.csv");
	is_int(csv_delimiter(r), ',', "basic: comma");
	h = csv_header_peek(r, &n);
	is_int(n, 3, "basic: 3 header fields");
	is_str(h[0], "customer_id", "basic: first name");
	is_str(h[2], "first_name", "basic: last name");
	is_int(csv_field_index(r, "email"), 1, "basic: email is field 1");
	is_int(csv_field_index(r, "Email"), -1, "basic: names are exact");
	next(r, &row, CSV_OK, 2, "basic row 1");
	is_int(row.nfields, 3, "basic row 1: 3 fields");
	is_str(row.fields[1].s, "anna@example.com", "basic row 1: email");
	is_int(row.fields[1].len, 16, "basic row 1: email length");
	is_int(row.record, 1, "basic row 1: record 1");
	next(r, &row, CSV_OK, 3, "basic row 2");
	is_str(row.fields[1].s, " Bob@Example.COM ", "values are kept as read");
	is_int(row.record, 2, "basic row 2: record 2");
	next(r, &row, CSV_EOF, 0, "basic end");
	next(r, &row, CSV_EOF, 0, "basic end again");
	csv_close(&r);
	ok(r == NULL, "csv_close clears the pointer");
}

static void
test_bom_crlf(void)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	const char *const	*h;
	size_t			 n;

	r = open_fixture("bom_crlf_semicolon.csv");
	is_int(csv_delimiter(r), ';', "bom: semicolon detected");
	h = csv_header_peek(r, &n);
	is_int(n, 3, "bom: 3 header fields");
	is_str(h[0], "customer_id", "bom: the BOM is not part of the name");
	is_str(h[2], "first_name", "bom: no CR in the last name");
	next(r, &row, CSV_OK, 2, "bom row 1");
	is_str(row.fields[2].s, "Zoé", "bom row 1: UTF-8 kept, no CR");
	next(r, &row, CSV_OK, 4, "bom row 2 after an empty line");
	is_int(row.record, 2, "an empty line is not a record");
	is_str(row.fields[1].s, "jean;paul@example.fr",
	    "quoted delimiter is data");
	is_str(row.fields[2].s, "Jean\r\nPaul", "quoted CRLF is data");
	next(r, &row, CSV_OK, 6, "bom row 3 after a quoted line break");
	is_str(row.fields[2].s, "dit \"le grand\"", "doubled quotes");
	next(r, &row, CSV_EOF, 0, "bom end");
	csv_close(&r);
}

static void
test_tab_quoted(void)
{
	struct csv_reader	*r;
	struct csv_row		 row;

	r = open_fixture("tab.csv");
	is_int(csv_delimiter(r), '\t', "tab detected");
	next(r, &row, CSV_OK, 2, "tab row 1");
	is_str(row.fields[1].s, "+33 6 12 34 56 78", "tab: phone");
	is_str(row.fields[2].s, "Paris, 11e", "tab: comma is data");
	next(r, &row, CSV_OK, 3, "tab row 2");
	is_int(row.fields[1].len, 0, "tab: empty field");
	is_str(row.fields[2].s, "Lyon\tcentre", "tab: quoted tab is data");
	next(r, &row, CSV_EOF, 0, "tab end");
	csv_close(&r);

	r = open_fixture("quoted.csv");
	next(r, &row, CSV_OK, 2, "quoted row 1");
	is_str(row.fields[2].s, "one, two", "quoted comma");
	next(r, &row, CSV_OK, 3, "quoted row 2");
	is_str(row.fields[2].s, "line one\nline two\nline three",
	    "quoted line breaks");
	next(r, &row, CSV_OK, 6, "row after 3 physical lines starts on 6");
	is_str(row.fields[2].s, "say \"hi\"", "quotes in quotes");
	next(r, &row, CSV_OK, 7, "quoted row 4");
	is_str(row.fields[2].s, "", "empty quoted field");
	next(r, &row, CSV_OK, 8, "quoted row 5");
	is_str(row.fields[2].s, "plain \"quote\" inside",
	    "a quote inside an unquoted field is kept");
	is_int(row.record, 5, "5 records");
	next(r, &row, CSV_EOF, 0, "quoted end");
	csv_close(&r);
}

static void
test_row_errors(void)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	char			*m;

	r = open_fixture("wrong_count.csv");
	free(next(r, &row, CSV_OK, 2, "count row 1"));
	m = next(r, &row, CSV_ROW_ERROR, 3, "too few fields");
	is_str(m, "wrong_count.csv, line 3: 2 fields where the header has 3",
	    "too few: message");
	is_int(row.error, CSV_ERR_FIELDS, "too few: kind");
	is_int(row.nfields, 2, "too few: the fields read are given");
	is_str(row.fields[1].s, "b@example.com", "too few: email still there");
	free(m);
	m = next(r, &row, CSV_ROW_ERROR, 4, "too many fields");
	is_str(m, "wrong_count.csv, line 4: 4 fields where the header has 3",
	    "too many: message");
	free(m);
	next(r, &row, CSV_OK, 5, "reading goes on; last row has no newline");
	is_str(row.fields[2].s, "D", "last field without newline");
	is_int(row.record, 4, "malformed rows are counted as records");
	next(r, &row, CSV_EOF, 0, "count end");
	csv_close(&r);

	r = open_fixture("unterminated.csv");
	next(r, &row, CSV_OK, 2, "unterminated row 1");
	m = next(r, &row, CSV_ROW_ERROR, 3, "unterminated quote");
	is_str(m, "unterminated.csv, line 3, column 17: a quoted field is not "
	    "closed before the end of the file", "unterminated: message");
	is_int(row.error, CSV_ERR_QUOTE, "unterminated: kind");
	is_int(row.error_line, 3, "unterminated: error line");
	is_int(row.error_column, 17, "unterminated: error column");
	free(m);
	next(r, &row, CSV_EOF, 0, "the rest of the file was in the quote");
	csv_close(&r);

	r = open_fixture("bad_utf8.csv");
	next(r, &row, CSV_OK, 2, "utf8 row 1");
	m = next(r, &row, CSV_ROW_ERROR, 3, "truncated sequence");
	is_str(m, "bad_utf8.csv, line 3, column 5: bytes that are not UTF-8",
	    "truncated: message");
	is_int(row.error, CSV_ERR_UTF8, "truncated: kind");
	free(m);
	m = next(r, &row, CSV_ROW_ERROR, 4, "overlong");
	is_str(m, "bad_utf8.csv, line 4, column 7: bytes that are not UTF-8",
	    "overlong: message");
	free(m);
	m = next(r, &row, CSV_ROW_ERROR, 5, "surrogate");
	is_str(m, "bad_utf8.csv, line 5, column 13: bytes that are not UTF-8",
	    "surrogate: message");
	free(m);
	m = next(r, &row, CSV_ROW_ERROR, 6, "past U+10FFFF");
	is_str(m, "bad_utf8.csv, line 6, column 7: bytes that are not UTF-8",
	    "past U+10FFFF: message");
	free(m);
	next(r, &row, CSV_OK, 7, "valid UTF-8 after errors");
	is_str(row.fields[1].s, "fine é", "valid UTF-8 kept");
	m = next(r, &row, CSV_ROW_ERROR, 8, "0xff in quotes");
	is_int(row.error_column, 5, "0xff: column counts characters");
	free(m);
	is_int(row.record, 7, "7 records");
	next(r, &row, CSV_EOF, 0, "utf8 end");
	csv_close(&r);
}

static void
test_header_errors(void)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	char			*m, *path, *cause = NULL;
	size_t			 n;

	m = open_error("dup_header.csv");
	is_str(m, "dup_header.csv: the header row names the field \"email\" "
	    "twice (fields 2 and 4)", "duplicate header names which");
	free(m);
	m = open_error("empty.csv");
	is_str(m, "empty.csv is empty: a segment file needs a header row that "
	    "names its fields", "empty file");
	free(m);
	m = open_error("empty_name.csv");
	is_str(m, "empty_name.csv: field 2 of the header row has no name",
	    "empty header name");
	free(m);
	m = open_error("no-such-file.csv");
	like(m, "cannot open ", "missing file");
	like(m, "no-such-file.csv: No such file or directory",
	    "missing file: names the file and why");
	free(m);

	r = open_fixture("header_only.csv");
	csv_header_peek(r, &n);
	is_int(n, 3, "header only: 3 fields");
	next(r, &row, CSV_EOF, 0, "header only: no records");
	csv_close(&r);

	r = open_fixture("Clients fidèles.csv");
	is_str(csv_header_peek(r, &n)[1], "prénom", "UTF-8 header name");
	next(r, &row, CSV_OK, 2, "UTF-8 file name row 1");
	next(r, &row, CSV_OK, 3, "UTF-8 file name row 2");
	is_str(row.fields[1].s, "Noémie", "UTF-8 value");
	csv_close(&r);

	path = fixture("empty.csv");
	ok(csv_open_mem(path, "\xef\xbb\xbf\n\n", 5, &r, &cause) == -1,
	    "BOM and blank lines only: no header");
	like(cause, "empty.csv is empty", "BOM only: empty");
	free(cause);
	free(path);
}

/* Open bytes in memory; NULL and a diagnostic on failure. */
static struct csv_reader *
mem(const char *s, size_t len)
{
	struct csv_reader	*r = NULL;
	char			*cause = NULL;

	if (csv_open_mem("mem.csv", s, len, &r, &cause) != 0) {
		diag("%s", cause);
		free(cause);
	}
	return r;
}

static void
test_memory(void)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	const char		*s;
	char			*big, *m, *cause = NULL;
	size_t			 n, len;

	s = "a,b;c\n";
	r = mem(s, strlen(s));
	is_int(csv_delimiter(r), ',', "tie between , and ; goes to ,");
	csv_close(&r);
	s = "a;b\tc\n";
	r = mem(s, strlen(s));
	is_int(csv_delimiter(r), ';', "tie between ; and tab goes to ;");
	csv_close(&r);
	s = "a\tb\tc;d\n";
	r = mem(s, strlen(s));
	is_int(csv_delimiter(r), '\t', "the most frequent wins");
	csv_close(&r);
	s = "\"a,b,c\";d\n";
	r = mem(s, strlen(s));
	is_int(csv_delimiter(r), ';', "quoted commas do not count");
	is_str(csv_header_peek(r, &n)[0], "a,b,c", "quoted header name");
	csv_close(&r);
	s = "email\nx@example.com";
	r = mem(s, strlen(s));
	is_int(csv_delimiter(r), ',', "one field: comma");
	next(r, &row, CSV_OK, 2, "one field row");
	csv_close(&r);

	s = "  id  , email\t\nx,y\n";
	r = mem(s, strlen(s));
	is_str(csv_header_peek(r, &n)[0], "id", "header names are trimmed");
	is_str(csv_header_peek(r, &n)[1], "email", "header tabs are trimmed");
	csv_close(&r);

	s = "a,b\nx\ry,z\n1,2\r";
	r = mem(s, strlen(s));
	next(r, &row, CSV_OK, 2, "lone CR row");
	is_str(row.fields[0].s, "x\ry", "a lone CR is data");
	next(r, &row, CSV_OK, 3, "CR at the very end");
	is_str(row.fields[1].s, "2", "a final CR ends the line");
	csv_close(&r);

	s = "a,b\n\"x\"y,\"1\"\n,\n";
	r = mem(s, strlen(s));
	next(r, &row, CSV_OK, 2, "text after a closing quote");
	is_str(row.fields[0].s, "xy", "text after a closing quote is kept");
	next(r, &row, CSV_OK, 3, "two empty fields");
	is_int(row.fields[0].len + row.fields[1].len, 0, "both empty");
	csv_close(&r);

	s = "a\n\xf0\x9f\x98\x80\n\xf0\x8f\xbf\xbf\n\xef\xbf\xbf\n";
	r = mem(s, strlen(s));
	next(r, &row, CSV_OK, 2, "4-byte character");
	m = next(r, &row, CSV_ROW_ERROR, 3, "overlong 4-byte form");
	free(m);
	next(r, &row, CSV_OK, 4, "U+FFFF is valid UTF-8");
	csv_close(&r);

	s = "a\n\"x\n";
	ok(csv_open_mem("q.csv", "\"a\n", 3, &r, &cause) == -1,
	    "unclosed quote in the header");
	is_str(cause, "q.csv, line 1, column 1: a quoted name in the header "
	    "row is not closed before the end of the file",
	    "header quote message");
	free(cause);
	cause = NULL;
	ok(csv_open_mem("u.csv", "a,\xc3(\n", 5, &r, &cause) == -1,
	    "bad UTF-8 in the header");
	is_str(cause, "u.csv, line 1, column 3: the header row has bytes that "
	    "are not UTF-8", "header UTF-8 message");
	free(cause);

	/* A record past the cap is an error, not a crash, and reading goes
	 * on with the next one. */
	len = CSV_RECORD_MAX + 100;
	big = xmalloc(len + 64);
	memcpy(big, "a,b\n1,", 6);
	memset(big + 6, 'x', len);
	memcpy(big + 6 + len, "\n2,ok\n", 6);
	r = mem(big, len + 12);
	m = next(r, &row, CSV_ROW_ERROR, 2, "too long");
	is_str(m, "mem.csv, line 2: the record is longer than 1 MiB",
	    "too long: message");
	is_int(row.error, CSV_ERR_TOO_LONG, "too long: kind");
	free(m);
	next(r, &row, CSV_OK, 3, "row after the long one");
	is_str(row.fields[1].s, "ok", "row after the long one: value");
	csv_close(&r);
	free(big);

	ok(csv_utf8_valid("Zoé", 4), "utf8_valid: é");
	ok(!csv_utf8_valid("\xc0\x80", 2), "utf8_valid: overlong NUL");
	ok(!csv_utf8_valid("\xed\xbf\xbf", 3), "utf8_valid: surrogate");
	ok(!csv_utf8_valid("\xf4\x90\x80\x80", 4), "utf8_valid: > U+10FFFF");
	ok(!csv_utf8_valid("\xe2\x82", 2), "utf8_valid: truncated");
	ok(csv_utf8_valid("\xf4\x8f\xbf\xbf", 4), "utf8_valid: U+10FFFF");
}

/*
 * A file much larger than the read buffer: records and multi-byte
 * characters cross buffer boundaries, line numbers must stay exact.
 */
static void
test_large_file(void)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	enum csv_status		 st;
	FILE			*f;
	char			*path, *cause = NULL, want[64];
	unsigned long long	 i, nrec = 200000, bad = 0;

	path = xasprintf("%s/large.csv", tap_tmpdir());
	f = fopen(path, "w");
	fputs("id,note\r\n", f);
	for (i = 0; i < nrec; i++)
		fprintf(f, "%llu,\"é\n%llu\"\r\n", i, i);
	fclose(f);
	if (csv_open(path, &r, &cause) != 0) {
		ok(0, "large file opens: %s", cause);
		free(cause);
		free(path);
		return;
	}
	for (i = 0; (st = csv_next(r, &row, &cause)) == CSV_OK; i++) {
		snprintf(want, sizeof want, "é\n%llu", i);
		if (row.line != 2 + 2 * i || strcmp(row.fields[1].s, want) != 0)
			bad++;
	}
	is_int(st, CSV_EOF, "large file: read to the end");
	is_int(i, nrec, "large file: all records");
	is_int(bad, 0, "large file: every value and line number exact");
	csv_close(&r);
	free(path);
}

int
main(void)
{
	plan_lazy();
	test_basic();
	test_bom_crlf();
	test_tab_quoted();
	test_row_errors();
	test_header_errors();
	test_memory();
	test_large_file();
	return done_testing();
}
