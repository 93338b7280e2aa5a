/*
 * The fuzz targets as regression tests: when not built for libFuzzer,
 * each fuzz/fuzz_NAME.c is linked with this main into fuzz/replay_NAME,
 * which make check runs. It feeds every file of fuzz/corpus/NAME (under
 * $top_srcdir) to LLVMFuzzerTestOneInput once, as TAP: an input that
 * trips a check aborts the program after the line naming it, so that the
 * targets and their corpora cannot rot between fuzzing sessions.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "tap.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole file, malloc'd (a NULL-terminated copy), or NULL. */
static uint8_t *
replay_read(const char *path, size_t *lenp)
{
	FILE	*f;
	uint8_t	*buf = NULL;
	size_t	 len = 0, cap = 0, got;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		if (got == 0)
			break;
		len += got;
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	} else
		buf[len] = '\0';
	fclose(f);
	*lenp = len;
	return buf;
}

int
main(int argc, char **argv)
{
	const char	*top, *name;
	char		*dir, *path, **files = NULL;
	DIR		*d;
	struct dirent	*e;
	uint8_t		*buf, *copy;
	size_t		 n = 0, i, len;

	(void)argc;
	plan_lazy();
	name = strrchr(argv[0], '/');
	name = name != NULL ? name + 1 : argv[0];
	if (strncmp(name, "replay_", 7) == 0)
		name += 7;
	top = getenv("top_srcdir");
	dir = xasprintf("%s/fuzz/corpus/%s", top != NULL ? top : ".", name);
	if ((d = opendir(dir)) == NULL) {
		diag("cannot open %s", dir);
		fail_all("the corpus of the fuzz target is missing");
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		files = xreallocarray(files, n + 1, sizeof *files);
		files[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(files, n, sizeof *files, replay_cmp);
	ok(n > 0, "fuzz/corpus/%s has inputs (%zu)", name, n);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, files[i]);
		buf = replay_read(path, &len);
		if (buf == NULL)
			ok(0, "%s: cannot be read", files[i]);
		else {
			diag("%s", path);
			/* An exact-size copy, so ASan sees overreads. */
			copy = xmalloc(len > 0 ? len : 1);
			memcpy(copy, buf, len);
			ok(LLVMFuzzerTestOneInput(copy, len) == 0, "%s",
			    files[i]);
			free(copy);
			free(buf);
		}
		free(path);
		free(files[i]);
	}
	free(files);
	free(dir);
	return done_testing();
}
