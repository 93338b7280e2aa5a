#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/xmalloc.h"
#include "data/segments.h"
#include "tap.h"

struct want {
	const char		*name;
	unsigned long long	 members;
	size_t			 nfields;
	const char		*error;		/* start of it, or NULL */
};

/* The fixtures folder, sorted by name in byte order. */
static const struct want fixtures[] = {
	{ "Clients fidèles", 2, 2, NULL },
	{ "bad_utf8", 7, 2, NULL },
	{ "basic", 2, 3, NULL },
	{ "bom_crlf_semicolon", 3, 3, NULL },
	{ "dup_header", 0, 0, "dup_header.csv: the header row names the "
	    "field \"email\" twice (fields 2 and 4)" },
	{ "empty", 0, 0, "empty.csv is empty: a segment file needs a header "
	    "row that names its fields" },
	{ "empty_name", 0, 0, "empty_name.csv: field 2 of the header row has "
	    "no name" },
	{ "header_only", 0, 3, NULL },
	{ "quoted", 5, 3, NULL },
	{ "tab", 2, 3, NULL },
	{ "unterminated", 2, 3, NULL },
	{ "wrong_count", 4, 3, NULL },
};
#define NFIXTURES (sizeof fixtures / sizeof fixtures[0])

static char *
fixture_dir(void)
{
	const char	*top = getenv("top_srcdir");

	return xasprintf("%s/tests/fixtures/csv", top ? top : "..");
}

static void
check_fixtures(const struct segment_list *l, const char *dir, const char *how)
{
	const struct segment	*s;
	char			*file;
	size_t			 i;

	if (!is_int(l->n, NFIXTURES, "%s: %zu segments", how, NFIXTURES))
		return;
	for (i = 0; i < NFIXTURES; i++) {
		s = &l->v[i];
		is_str(s->name, fixtures[i].name, "%s: segment %zu is %s", how,
		    i, fixtures[i].name);
		is_int(s->members, fixtures[i].members, "%s: %s members", how,
		    fixtures[i].name);
		is_int(s->nfields, fixtures[i].nfields, "%s: %s fields", how,
		    fixtures[i].name);
		is_int(s->usable, fixtures[i].error == NULL, "%s: %s usable",
		    how, fixtures[i].name);
		is_str(s->error, fixtures[i].error, "%s: %s error", how,
		    fixtures[i].name);
		file = xasprintf("%s/%s.csv", dir, fixtures[i].name);
		is_str(s->file, file, "%s: %s file", how, fixtures[i].name);
		free(file);
	}
}

static void
test_fixtures(void)
{
	struct segment_list	*l;
	cJSON			*j;
	char			*dir, *cache, *cause = NULL, *text, *want;
	struct stat		 sb;

	dir = fixture_dir();
	cache = xasprintf("%s/fixtures-cache.json", tap_tmpdir());
	ok(segments_list(dir, cache, &l, &cause) == 0, "list the fixtures");
	check_fixtures(l, dir, "first listing");
	is_int(l->scanned, NFIXTURES, "first listing reads every file");
	is_str(l->v[0].fields[1], "prénom", "UTF-8 field name");
	ok(stat(cache, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "cache written with mode 0600");

	j = segments_to_json(l);
	text = cJSON_PrintUnformatted(cJSON_GetArrayItem(j, 2));
	want = xasprintf("{\"name\":\"basic\",\"members\":2,\"fields\":"
	    "[\"customer_id\",\"email\",\"first_name\"],\"file\":"
	    "\"%s/basic.csv\"}", dir);
	is_str(text, want, "JSON of a usable segment, as cli.md says");
	cJSON_free(text);
	free(want);
	text = cJSON_PrintUnformatted(cJSON_GetArrayItem(j, 5));
	want = xasprintf("{\"name\":\"empty\",\"members\":0,\"fields\":[],"
	    "\"file\":\"%s/empty.csv\",\"usable\":false,\"error\":\"%s\"}",
	    dir, fixtures[5].error);
	is_str(text, want, "JSON of an unusable segment");
	cJSON_free(text);
	free(want);
	is_int(cJSON_GetArraySize(j), NFIXTURES, "JSON has every segment");
	cJSON_Delete(j);
	segments_free(&l);
	ok(l == NULL, "segments_free clears the pointer");

	ok(segments_list(dir, cache, &l, &cause) == 0, "list again");
	check_fixtures(l, dir, "cached listing");
	is_int(l->scanned, 0, "second listing reads no file");
	segments_free(&l);

	ok(segments_list(dir, NULL, &l, &cause) == 0, "list without cache");
	is_int(l->scanned, NFIXTURES, "without a cache every file is read");
	segments_free(&l);
	free(cache);
	free(dir);
}

static void
write_file(const char *path, const char *s)
{
	FILE	*f;

	f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
}

static unsigned long long
members_of(const char *dir, const char *cache, const char *name,
    size_t *scanned)
{
	struct segment_list	*l;
	unsigned long long	 m = 999;
	char			*cause = NULL;
	size_t			 i;

	if (segments_list(dir, cache, &l, &cause) != 0) {
		diag("%s", cause);
		free(cause);
		return 999;
	}
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0)
			m = l->v[i].members;
	}
	*scanned = l->scanned;
	segments_free(&l);
	return m;
}

static void
test_cache(void)
{
	struct timespec	 ts[2];
	struct stat	 sb;
	char		*dir, *a, *b, *cache, *text, *cause = NULL;
	size_t		 scanned, len;

	dir = xasprintf("%s/data", tap_tmpdir());
	mkdir(dir, 0700);
	a = xasprintf("%s/a.csv", dir);
	b = xasprintf("%s/b.csv", dir);
	cache = xasprintf("%s/cache.json", tap_tmpdir());
	write_file(a, "h\n1\n2\n3\n");
	is_int(members_of(dir, cache, "a", &scanned), 3, "a has 3 members");
	is_int(scanned, 1, "a was read");

	/* Same size and mtime, other content: the cache must answer. */
	stat(a, &sb);
	write_file(a, "h\n1234\n\n");
	ts[0] = sb.st_atim;
	ts[1] = sb.st_mtim;
	utimensat(AT_FDCWD, a, ts, 0);
	is_int(members_of(dir, cache, "a", &scanned), 3,
	    "same size and mtime: the count comes from the cache");
	is_int(scanned, 0, "no file read");

	/* One nanosecond later is another file. */
	ts[1].tv_nsec = (ts[1].tv_nsec + 1) % 1000000000;
	utimensat(AT_FDCWD, a, ts, 0);
	is_int(members_of(dir, cache, "a", &scanned), 1,
	    "touched: the count is recomputed");
	is_int(scanned, 1, "touched file read again");

	write_file(b, "email\nx@example.com\n");
	is_int(members_of(dir, cache, "b", &scanned), 1, "new file b");
	is_int(scanned, 1, "only the new file is read");

	unlink(b);
	is_int(members_of(dir, cache, "a", &scanned), 1, "b removed");
	ok(fileio_read(cache, 1 << 20, 1, &text, &len, &cause) == 0,
	    "cache readable");
	ok(strstr(text, "b.csv") == NULL, "gone files leave the cache");
	ok(strstr(text, "a.csv") != NULL, "present files stay");
	free(text);

	write_file(cache, "{not json");
	is_int(members_of(dir, cache, "a", &scanned), 1,
	    "corrupt cache: still counted");
	is_int(scanned, 1, "corrupt cache is ignored");
	is_int(members_of(dir, cache, "a", &scanned), 1, "and rewritten");
	is_int(scanned, 0, "rewritten cache is used");

	write_file(cache, "{\"version\":1,\"files\":[{\"file\":\"a.csv\"}]}");
	is_int(members_of(dir, cache, "a", &scanned), 1,
	    "stale entry without counts");
	is_int(scanned, 1, "stale entry is ignored");

	free(a);
	free(b);
	free(cache);
	free(dir);
}

static void
test_odd_names(void)
{
	struct segment_list	*l;
	char			*dir, *p, *cause = NULL;

	dir = xasprintf("%s/odd", tap_tmpdir());
	mkdir(dir, 0700);
	p = xasprintf("%s/bad\xff.csv", dir);
	write_file(p, "email\n");
	free(p);
	p = xasprintf("%s/.csv", dir);
	write_file(p, "email\n");
	free(p);
	p = xasprintf("%s/notes.txt", dir);
	write_file(p, "email\n");
	free(p);
	p = xasprintf("%s/folder.csv", dir);
	mkdir(p, 0700);
	free(p);
	ok(segments_list(dir, NULL, &l, &cause) == 0, "list odd names");
	if (is_int(l->n, 2, "only .csv files, not folders") && l->n == 2) {
		is_str(l->v[0].name, "", "\".csv\" is listed");
		ok(!l->v[0].usable, "\".csv\" is unusable");
		like(l->v[0].error, "gives the segment no name",
		    "and says why");
		ok(!l->v[1].usable, "a non-UTF-8 name is unusable");
		like(l->v[1].error, "is not UTF-8", "and says why");
	}
	segments_free(&l);
	free(dir);

	ok(segments_list("/nonexistent-folder", NULL, &l, &cause) == -1,
	    "a missing folder fails");
	is_str(cause, "cannot open the data folder /nonexistent-folder: No "
	    "such file or directory", "missing folder message");
	free(cause);
}

static void
test_sample(void)
{
	char	*dir, *path, **v, *cause = NULL;
	size_t	 n;

	dir = fixture_dir();
	path = xasprintf("%s/quoted.csv", dir);
	ok(segments_sample(path, "email", 3, &v, &n, &cause) == 0, "sample");
	is_int(n, 3, "three values");
	if (n == 3) {
		is_str(v[0], "a@example.com", "first value");
		is_str(v[2], "c@example.com", "third value");
	}
	segments_sample_free(&v, n);
	ok(v == NULL, "sample freed");
	ok(segments_sample(path, "nope", 3, &v, &n, &cause) == -1,
	    "unknown field");
	like(cause, "has no field named \"nope\"", "unknown field message");
	free(cause);
	free(path);
	path = xasprintf("%s/wrong_count.csv", dir);
	ok(segments_sample(path, "name", 10, &v, &n, &cause) == 0,
	    "sample skips malformed rows");
	is_int(n, 2, "two well-formed rows");
	if (n == 2)
		is_str(v[1], "D", "last value");
	segments_sample_free(&v, n);
	free(path);
	free(dir);
}

int
main(void)
{
	plan_lazy();
	test_fixtures();
	test_cache();
	test_odd_names();
	test_sample();
	return done_testing();
}
