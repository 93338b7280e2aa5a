/*
 * A tiny TAP producer for unit tests run by automake's tap-driver.sh.
 * Header-only so that every test program is one .c file.
 *
 *	plan_lazy();			(or plan(N))
 *	ok(x == 1, "x is one");
 *	is_int(got, 4, "four rows");
 *	is_str(msg, "line 3: ...", "message names the line");
 *	like(msg, "line 3", "message names the line");
 *	return done_testing();
 *
 * Include "config.h" first, as every .c file does.
 * tap_tmpdir() gives a fresh directory under $TMPDIR that is removed at
 * exit, so tests never touch a real workspace.
 */
#ifndef SEGSYNC_TESTS_TAP_H
#define SEGSYNC_TESTS_TAP_H

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int	tap_n;
static int	tap_failed;
static int	tap_planned;
static char	tap_dir[4096];

static void __attribute__((unused))
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static void __attribute__((unused))
plan_lazy(void)
{
	tap_planned = -1;
}

/*
 * The program cannot go on without something it could not get (python3
 * for the fakes, a locale, ...): one failed assertion that says why, the
 * plan, and exit 1. A missing dependency is a failure in words, never a
 * silent SKIP.
 */
static void __attribute__((noreturn, unused))
fail_all(const char *why)
{
	tap_n++;
	printf("not ok %d - %s\n", tap_n, why);
	if (tap_planned == -1)
		printf("1..%d\n", tap_n);
	fflush(stdout);
	exit(1);
}

static void __attribute__((format(printf, 1, 2), unused))
diag(const char *fmt, ...)
{
	va_list	ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return cond;
}

static void __attribute__((unused))
skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

#define is_int(got, want, ...) tap_is_int((long long)(got), \
	(long long)(want), __VA_ARGS__)
static int __attribute__((format(printf, 3, 4), unused))
tap_is_int(long long got, long long want, const char *fmt, ...)
{
	char	name[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (!ok(got == want, "%s", name))
		diag("got %lld, want %lld", got, want);
	return got == want;
}

static int __attribute__((format(printf, 3, 4), unused))
is_str(const char *got, const char *want, const char *fmt, ...)
{
	char	name[512];
	va_list	ap;
	int	same;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	if (!ok(same, "%s", name))
		diag("got \"%s\", want \"%s\"", got ? got : "(null)",
		    want ? want : "(null)");
	return same;
}

static int __attribute__((format(printf, 3, 4), unused))
like(const char *got, const char *sub, const char *fmt, ...)
{
	char	name[512];
	va_list	ap;
	int	found;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	found = got != NULL && strstr(got, sub) != NULL;
	if (!ok(found, "%s", name))
		diag("\"%s\" does not contain \"%s\"", got ? got : "(null)",
		    sub);
	return found;
}

static int __attribute__((unused))
done_testing(void)
{
	if (tap_planned == -1)
		printf("1..%d\n", tap_n);
	else if (tap_planned != tap_n) {
		printf("# planned %d tests but ran %d\n", tap_planned, tap_n);
		tap_failed++;
	}
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

static int __attribute__((unused))
tap_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void __attribute__((unused))
tap_cleanup(void)
{
	if (tap_dir[0] != '\0' && getenv("TAP_KEEP_TMP") == NULL)
		nftw(tap_dir, tap_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh private directory, removed at exit (set TAP_KEEP_TMP to keep). */
static __attribute__((unused)) const char *
tap_tmpdir(void)
{
	const char	*base;

	if (tap_dir[0] != '\0')
		return tap_dir;
	base = getenv("TMPDIR");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(tap_dir, sizeof tap_dir, "%s/segsync-test.XXXXXX", base);
	if (mkdtemp(tap_dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	atexit(tap_cleanup);
	return tap_dir;
}

#endif
