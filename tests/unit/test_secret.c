#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fail.h"
#include "leakscan.h"
#include "secrets/hygiene.h"
#include "secrets/secret.h"
#include "secrets/secstatus.h"
#include "secrets/sectext.h"
#include "tap.h"

/* The kB of locked memory of this process (VmLck), or -1. */
static long __attribute__((unused))
locked_kb(void)
{
	FILE	*f = fopen("/proc/self/status", "r");
	char	 line[256];
	long	 kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmLck: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int
main(void)
{
	struct secret	*s, *t;
	struct rlimit	 rl;
	unsigned char	 out[32];
	char		*cause = NULL, *m;
	int		 p[2], st;
	mode_t		 old;
	pid_t		 pid;

	plan_lazy();
	ok(hygiene_init(&cause) == 0, "hygiene_init succeeds");
	ok(hygiene_init(&cause) == 0, "hygiene_init can run twice");
	ok(getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 &&
	    rl.rlim_max == 0, "core dumps are off");
	is_int(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0, "not dumpable");
	old = umask(022);
	is_int(old, 077, "umask is 077");

	s = secret_from_bytes("abcdefghijklmnop", 16);
	is_int(secret_len(s), 16, "length kept");
	ok(memcmp(secret_peek(s), "abcdefghijklmnop", 16) == 0, "bytes kept");
	m = secret_mask(s);
	is_str(m, "••••••••mnop", "long secret shows its last four");
	free(m);
	t = secret_dup(s);
	ok(secret_equal(s, t), "dup is equal");
	secret_truncate(t, 15);
	ok(!secret_equal(s, t), "different lengths differ");
	secret_free(&t);
	ok(t == NULL, "secret_free clears the pointer");
	/* In a child: a crash is then a failed assertion, not a lost plan. */
	if ((pid = fork()) == 0) {
		secret_free(&t);
		_exit(t == NULL ? 0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "secret_free(NULL) is harmless: no crash, "
	    "the pointer stays NULL");
	secret_free(&t);
	ok(t == NULL && secret_len(s) == 16 &&
	    memcmp(secret_peek(s), "abcdefghijklmnop", 16) == 0,
	    "and leaves other secrets alone");
	secret_free(&s);

	s = secret_from_bytes("short-secret", 11);
	m = secret_mask(s);
	is_str(m, "••••••••", "a secret under 12 bytes reveals nothing");
	free(m);
	secret_free(&s);
	s = secret_from_bytes("0123456789ab", 12);
	m = secret_mask(s);
	is_str(m, "••••••••89ab", "12 bytes reveal four");
	free(m);
	secret_free(&s);
	s = secret_from_bytes("0123456789a\n\t\x01\x02", 15);
	m = secret_mask(s);
	is_str(m, "••••••••", "unprintable tail is not revealed");
	free(m);
	secret_free(&s);

	if (pipe(p) == 0) {
		(void)!write(p[1], "0123456789", 10);
		close(p[1]);
		ok(secret_from_fd(p[0], 10, "pipe", &s, &cause) == 0 &&
		    secret_len(s) == 10, "exactly cap bytes are read");
		secret_free(&s);
		close(p[0]);
	}
	if (pipe(p) == 0) {
		(void)!write(p[1], "0123456789x", 11);
		close(p[1]);
		ok(secret_from_fd(p[0], 10, "pipe", &s, &cause) == -1 &&
		    s == NULL, "more than cap is refused");
		like(cause, "pipe is too large", "message names the source");
		free(cause);
		close(p[0]);
	}

	/* Strict base64: one byte 0x00 is "AA"; "AB" has stray bits. */
	ok(sectext_unb64("AA", 2, out, 1) == 0, "canonical base64 accepted");
	ok(sectext_unb64("AB", 2, out, 1) == -1, "non-zero trailing bits "
	    "refused");
	ok(sectext_unb64("AA==", 4, out, 1) == -1, "padding refused");
	ok(sectext_unb64("AAA", 3, out, 1) == -1, "wrong length refused");
	ok(sectext_unb64("A-", 2, out, 1) == -1, "URL-safe alphabet refused");

	is_int(secstatus_kind(SEC_EPASSPHRASE), FAIL_DENIED, "wrong "
	    "passphrase is denied (exits 3)");
	is_int(secstatus_kind(SEC_EDENIED), FAIL_DENIED, "not allowed is "
	    "denied (exits 3)");
	is_int(secstatus_kind(SEC_EUNSAFE), FAIL_DENIED, "unsafe file is "
	    "denied (exits 3)");
	is_int(secstatus_kind(SEC_ENOKEY), FAIL_DENIED, "no key is denied "
	    "(exits 3)");
	is_int(secstatus_kind(SEC_EINTEGRITY), FAIL_INVALID, "integrity is "
	    "invalid (exits 4)");
	is_int(secstatus_kind(SEC_EFORMAT), FAIL_INVALID, "format is invalid "
	    "(exits 4)");
	is_int(secstatus_kind(SEC_EFAIL), FAIL_ERROR, "failure is an error "
	    "(exits 1)");

	/* The leak scanner finds every form and no false positive. */
	{
		const char	*c = "CANARY-0123";
		char		 hex[64], b64[64], buf[128];

		ok(!leakscan_buf("nothing here", 12, c), "no false positive");
		sodium_bin2hex(hex, sizeof hex, (const unsigned char *)c,
		    strlen(c));
		snprintf(buf, sizeof buf, "x=%s;", hex);
		ok(leakscan_buf(buf, strlen(buf), c), "hex found");
		snprintf(buf, sizeof buf, "xy%s", c);
		sodium_bin2base64(b64, sizeof b64, (unsigned char *)buf,
		    strlen(buf), sodium_base64_VARIANT_ORIGINAL);
		ok(leakscan_buf(b64, strlen(b64), c), "base64 at offset 2 "
		    "found");
		sodium_bin2base64(b64, sizeof b64, (unsigned char *)buf + 1,
		    strlen(buf) - 1, sodium_base64_VARIANT_URLSAFE);
		ok(leakscan_buf(b64, strlen(b64), c), "url-safe base64 at "
		    "offset 1 found");
	}
#ifdef __SANITIZE_ADDRESS__
	/* Its mlock() interceptor does nothing and says it succeeded. */
	skip("AddressSanitizer ignores mlock(): the memory locks are "
	    "checked by the build without sanitizers");
#else
	/*
	 * A child does not inherit the parent's memory locks; secret_relock
	 * takes them again, a page or more for each live secret.
	 */
	{
		struct secret	*live[3];
		long		 before, after;
		int		 i, status;
		pid_t		 c;

		for (i = 0; i < 3; i++)
			live[i] = secret_from_bytes("locked secret", 13);
		ok(locked_kb() >= 12, "the parent holds its secrets' pages "
		    "locked");
		fflush(NULL);
		if ((c = fork()) == 0) {
			before = locked_kb();
			if (before != 0)
				_exit(1);
			if (secret_relock() != 0)
				_exit(2);
			after = locked_kb();
			_exit(after >= 12 ? 0 : 3);
		}
		status = 0;
		ok(c > 0 && waitpid(c, &status, 0) == c && WIFEXITED(status),
		    "the child ran");
		is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "after fork it holds no lock "
		    "(else 1), and secret_relock locks every live secret's "
		    "pages again (else 2 or 3)");
		for (i = 0; i < 3; i++)
			secret_free(&live[i]);
	}
#endif
	return done_testing();
}
