#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/xmalloc.h"
#include "secrets/hygiene.h"
#include "secrets/passphrase.h"
#include "tap.h"

static char *
put(const char *name, const char *text, size_t len, mode_t mode)
{
	char	*path;
	int	 fd;

	path = xasprintf("%s/%s", tap_tmpdir(), name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	(void)!write(fd, text, len);
	fchmod(fd, mode);
	close(fd);
	return path;
}

/* Read from a passphrase file; the value as a C string or NULL. */
static char *
from_file(const char *text, size_t len, mode_t mode, enum sec_status *st,
    char **cause)
{
	struct secret	*s;
	char		*path, *v = NULL;

	path = put("pass", text, len, mode);
	*cause = NULL;
	*st = passphrase_read_file(path, &s, cause);
	if (*st == SEC_OK) {
		v = xstrndup((const char *)secret_peek(s), secret_len(s));
		secret_free(&s);
	}
	free(path);
	return v;
}

/* Drain what the pseudo-terminal printed, waiting up to ms for it. */
static size_t
drain(int fd, char *buf, size_t size, const char *until, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		len = 0;
	ssize_t		n;

	buf[0] = '\0';
	while (len + 1 < size && poll(&pfd, 1, ms) == 1) {
		n = read(fd, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (until != NULL && strstr(buf, until) != NULL)
			break;
	}
	return len;
}

static int
open_pty(int *master, int *slave)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master == -1 || grantpt(*master) != 0 || unlockpt(*master) != 0)
		return -1;
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
	return *slave == -1 ? -1 : 0;
}

static int
echo_on(int fd)
{
	struct termios	t;

	return tcgetattr(fd, &t) == 0 && (t.c_lflag & ECHO) != 0;
}

/*
 * A child reads from the pty; the parent types once the prompt shows.
 * Returns the child's answer (what it read, or "ERR:<cause>").
 */
static char *
tty_round(const char *typed, const char *typed2, int *echo_during,
    char *screen, size_t screensize)
{
	struct secret	*s;
	char		*cause, buf[512];
	int		 master, slave, p[2], status;
	pid_t		 pid;
	ssize_t		 n;
	size_t		 len;

	if (open_pty(&master, &slave) != 0 || pipe(p) != 0)
		return NULL;
	pid = fork();
	if (pid == 0) {
		enum sec_status	st;

		close(p[0]);
		if (typed2 == NULL)
			st = passphrase_read_tty(slave, "Passphrase: ", &s,
			    &cause);
		else
			st = passphrase_new_tty(slave, &s, &cause);
		if (st == SEC_OK)
			(void)!write(p[1], secret_peek(s), secret_len(s));
		else {
			/* One write, so the parent's one read gets it all. */
			char	*msg = xasprintf("ERR:%s", cause);

			(void)!write(p[1], msg, strlen(msg));
		}
		_exit(0);
	}
	close(p[1]);
	len = drain(master, screen, screensize, "passphrase: ", 5000);
	if (len == 0)
		len = drain(master, screen, screensize, ": ", 5000);
	*echo_during = echo_on(slave);
	(void)!write(master, typed, strlen(typed));
	if (typed2 != NULL) {
		drain(master, buf, sizeof buf, "passphrase: ", 5000);
		(void)!write(master, typed2, strlen(typed2));
	}
	n = read(p[0], buf, sizeof buf - 1);
	waitpid(pid, &status, 0);
	drain(master, screen + len, screensize - len, NULL, 100);
	close(p[0]);
	close(master);
	close(slave);
	buf[n < 0 ? 0 : n] = '\0';
	return xstrdup(buf);
}

int
main(void)
{
	struct secret	*s;
	enum sec_status	 st;
	char		*v, *cause, *path, *link, screen[2048];
	int		 echo_during, master, slave, status, p[2];
	pid_t		 pid;
	time_t		 t0;

	plan_lazy();
	if (hygiene_init(&cause) != 0)
		return 99;

	/* Passphrase files: exactly one trailing newline goes. */
	v = from_file("pass \n", 6, 0600, &st, &cause);
	is_str(v, "pass ", "\"pass \\n\" is \"pass \"");
	free(v);
	v = from_file("pass\r\n", 6, 0600, &st, &cause);
	is_str(v, "pass", "CRLF is stripped once");
	free(v);
	v = from_file("pass\n\n", 6, 0600, &st, &cause);
	is_str(v, "pass", "only the first line counts");
	free(v);
	v = from_file(" pass  ", 7, 0600, &st, &cause);
	is_str(v, " pass  ", "no newline: taken as is, spaces kept");
	free(v);
	v = from_file("\n", 1, 0600, &st, &cause);
	ok(v == NULL && st == SEC_EINVAL, "an empty passphrase is refused");
	like(cause, "holds no passphrase", "and says so");
	free(cause);
	v = from_file("pass\n", 5, 0644, &st, &cause);
	ok(v == NULL && st == SEC_EUNSAFE, "a 0644 passphrase file is "
	    "refused");
	path = xasprintf("%s/pass", tap_tmpdir());
	{
		char	*want;

		want = xasprintf("permissions 0644 for '%s' are too open; it "
		    "must not be accessible by others (chmod 600 %s)", path,
		    path);
		is_str(cause, want, "with the OpenSSH-style message");
		free(want);
	}
	free(cause);
	v = from_file("pass\n", 5, 0640, &st, &cause);
	ok(v == NULL && st == SEC_EUNSAFE, "a 0640 passphrase file is "
	    "refused");
	free(cause);
	v = from_file("pass\n", 5, 0604, &st, &cause);
	ok(v == NULL && st == SEC_EUNSAFE, "a 0604 passphrase file is "
	    "refused");
	free(cause);
	link = xasprintf("%s/link", tap_tmpdir());
	chmod(path, 0600);
	ok(symlink(path, link) == 0, "made a symlink");
	cause = NULL;
	ok(passphrase_read_file(link, &s, &cause) == SEC_EUNSAFE,
	    "a symlinked passphrase file is refused");
	like(cause, "symbolic link", "because it is a link");
	free(cause);
	free(link);
	cause = NULL;
	ok(passphrase_read_file("/nonexistent/pass", &s, &cause) ==
	    SEC_EFORMAT, "a missing file is an error");
	like(cause, "/nonexistent/pass", "naming it");
	free(cause);
	if (geteuid() == 0) {
		ok(chown(path, 4321, 4321) == 0, "gave the file away");
		cause = NULL;
		ok(passphrase_read_file(path, &s, &cause) == SEC_EUNSAFE,
		    "a file owned by someone else is refused");
		like(cause, "owned by another user", "and says why");
		free(cause);
	} else
		skip("not root: cannot give a file away");
	free(path);

	/* Standard input as "-". */
	if (pipe(p) == 0) {
		int	saved = dup(0);

		(void)!write(p[1], "from stdin\n", 11);
		close(p[1]);
		dup2(p[0], 0);
		close(p[0]);
		ok(passphrase_read_file("-", &s, &cause) == SEC_OK &&
		    secret_len(s) == 10 &&
		    memcmp(secret_peek(s), "from stdin", 10) == 0,
		    "\"-\" reads standard input");
		secret_free(&s);
		dup2(saved, 0);
		close(saved);
	}

	/* The terminal: echo off while typing, restored after. */
	v = tty_round("tty secret 1\n", NULL, &echo_during, screen,
	    sizeof screen);
	is_str(v, "tty secret 1", "the typed line is the passphrase");
	free(v);
	ok(!echo_during, "echo was off during the prompt");
	like(screen, "Passphrase: ", "the prompt went to the terminal");
	ok(strstr(screen, "tty secret") == NULL, "the passphrase was not "
	    "echoed");

	v = tty_round("new one\n", "new one\n", &echo_during, screen,
	    sizeof screen);
	is_str(v, "new one", "a new passphrase typed twice");
	free(v);
	v = tty_round("new one\n", "new two\n", &echo_during, screen,
	    sizeof screen);
	is_str(v, "ERR:the two passphrases do not match", "two different "
	    "answers are refused");
	free(v);
	v = tty_round("\n", NULL, &echo_during, screen, sizeof screen);
	is_str(v, "", "an empty line reads as empty (unlock fails later)");
	free(v);

	/* A signal during the prompt restores echo, then kills. */
	if (open_pty(&master, &slave) == 0) {
		pid = fork();
		if (pid == 0) {
			passphrase_read_tty(slave, "Passphrase: ", &s, &cause);
			_exit(0);
		}
		drain(master, screen, sizeof screen, "Passphrase: ", 5000);
		ok(!echo_on(slave), "echo is off at the prompt");
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
		    "SIGTERM still terminates the reader");
		ok(echo_on(slave), "echo is back on after SIGTERM");
		close(master);
		close(slave);
	}
	if (open_pty(&master, &slave) == 0) {
		pid = fork();
		if (pid == 0) {
			/* A shell starts background jobs with SIGINT ignored. */
			signal(SIGINT, SIG_DFL);
			passphrase_read_tty(slave, "Passphrase: ", &s, &cause);
			_exit(0);
		}
		drain(master, screen, sizeof screen, "Passphrase: ", 5000);
		kill(pid, SIGINT);
		waitpid(pid, &status, 0);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
		    "SIGINT still interrupts the reader");
		ok(echo_on(slave), "echo is back on after SIGINT");
		close(master);
		close(slave);
	}

	/* No terminal at all: fail at once, naming the ways out. */
	if (pipe(p) == 0) {
		t0 = time(NULL);
		pid = fork();
		if (pid == 0) {
			char	*msg;

			close(p[0]);
			setsid();	/* no controlling terminal */
			alarm(5);
			cause = xstrdup("");
			st = passphrase_read_tty(-1, "Passphrase: ", &s,
			    &cause);
			/* One write, so the parent's one read gets it all. */
			msg = xasprintf("%c%s", st == SEC_ENOKEY ? 'Y' : 'N',
			    cause);
			(void)!write(p[1], msg, strlen(msg));
			_exit(0);
		}
		close(p[1]);
		memset(screen, 0, sizeof screen);
		(void)!read(p[0], screen, sizeof screen - 1);
		waitpid(pid, &status, 0);
		close(p[0]);
		ok(screen[0] == 'Y', "no terminal gives SEC_ENOKEY");
		ok(time(NULL) - t0 < 5, "without waiting");
		like(screen, "--passphrase-file", "names --passphrase-file");
		like(screen, "--key-file", "names --key-file");
		like(screen, "SEGSYNC_PASSPHRASE_FILE", "names "
		    "SEGSYNC_PASSPHRASE_FILE");
		like(screen, "SEGSYNC_KEY_FILE", "names SEGSYNC_KEY_FILE");
	}
	/* A non-terminal descriptor is not a way around the terminal. */
	if (pipe(p) == 0) {
		cause = NULL;
		ok(passphrase_read_tty(p[0], "x", &s, &cause) == SEC_ENOKEY,
		    "a pipe is not accepted as the terminal");
		free(cause);
		close(p[0]);
		close(p[1]);
	}
	return done_testing();
}
