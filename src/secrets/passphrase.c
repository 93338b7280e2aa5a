/* Passphrases from the terminal (no echo) or from a passphrase file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "secrets/hygiene.h"
#include "secrets/passphrase.h"

static volatile sig_atomic_t	passphrase_signo;

static const int passphrase_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSIGS	(sizeof passphrase_sigs / sizeof passphrase_sigs[0])

/* Only note the signal: the reader restores the terminal, then re-raises. */
static void
passphrase_catch(int sig)
{
	passphrase_signo = sig;
}

static enum sec_status
passphrase_notty(char **cause)
{
	*cause = xstrdup(_("no passphrase available: there is no terminal to "
	    "ask on; use --passphrase-file FILE or --key-file FILE (or set "
	    "SEGSYNC_PASSPHRASE_FILE or SEGSYNC_KEY_FILE)"));
	return SEC_ENOKEY;
}

static void
passphrase_say(int fd, const char *s)
{
	size_t	len = strlen(s);
	ssize_t	n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

enum sec_status
passphrase_read_tty(int tty, const char *prompt, struct secret **out,
    char **cause)
{
	struct termios		 old, quiet;
	struct sigaction	 sa, saved[NSIGS];
	struct secret		*buf;
	unsigned char		 c;
	size_t			 len = 0, i;
	ssize_t			 n;
	int			 fd, toolong = 0, eof = 0, sig;

	*out = NULL;
	fd = tty;
	if (tty == -1) {
		fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fd == -1)
			return passphrase_notty(cause);
	}
	if (tcgetattr(fd, &old) == -1) {
		if (tty == -1)
			close(fd);
		return passphrase_notty(cause);
	}

	passphrase_signo = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = passphrase_catch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: read must see EINTR */
	for (i = 0; i < NSIGS; i++)
		sigaction(passphrase_sigs[i], &sa, &saved[i]);

	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ICANON;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	passphrase_say(fd, prompt);

	buf = secret_new(PASSPHRASE_MAX);
	while (passphrase_signo == 0) {
		n = read(fd, &c, 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			eof = 1;
			break;
		}
		if (n == 0) {
			eof = 1;
			break;
		}
		if (c == '\n')
			break;
		if (len == PASSPHRASE_MAX)
			toolong = 1;
		else
			secret_buf(buf)[len++] = c;
	}
	c = 0;

	/* Restore on every path, then let a signal take its course. */
	tcsetattr(fd, TCSAFLUSH, &old);
	passphrase_say(fd, "\n");
	for (i = 0; i < NSIGS; i++)
		sigaction(passphrase_sigs[i], &saved[i], NULL);
	if (tty == -1)
		close(fd);
	sig = passphrase_signo;
	if (sig != 0) {
		secret_free(&buf);
		raise(sig);
		*cause = xstrdup(_("interrupted while reading the "
		    "passphrase"));
		return SEC_EINVAL;
	}
	if (eof) {
		secret_free(&buf);
		*cause = xstrdup(_("no passphrase was entered"));
		return SEC_EINVAL;
	}
	if (toolong) {
		secret_free(&buf);
		*cause = xasprintf(_("the passphrase is too long (at most %d "
		    "bytes)"), PASSPHRASE_MAX);
		return SEC_EINVAL;
	}
	secret_truncate(buf, len);
	*out = buf;
	return SEC_OK;
}

enum sec_status
passphrase_new_tty(int tty, struct secret **out, char **cause)
{
	struct secret	*a, *b;
	enum sec_status	 st;

	*out = NULL;
	st = passphrase_read_tty(tty, _("New passphrase: "), &a, cause);
	if (st != SEC_OK)
		return st;
	if (secret_len(a) == 0) {
		secret_free(&a);
		*cause = xstrdup(_("an empty passphrase is not allowed"));
		return SEC_EINVAL;
	}
	st = passphrase_read_tty(tty, _("Repeat the new passphrase: "), &b,
	    cause);
	if (st != SEC_OK) {
		secret_free(&a);
		return st;
	}
	if (!secret_equal(a, b)) {
		secret_free(&a);
		secret_free(&b);
		*cause = xstrdup(_("the two passphrases do not match"));
		return SEC_EINVAL;
	}
	secret_free(&b);
	*out = a;
	return SEC_OK;
}

enum sec_status
passphrase_read_file(const char *path, struct secret **out, char **cause)
{
	struct secret		*buf;
	const unsigned char	*p, *nl;
	enum sec_status		 st;
	size_t			 len;
	int			 fd;

	*out = NULL;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		path = _("standard input");
	} else {
		st = hygiene_open_private(path, &fd, cause);
		if (st != SEC_OK)
			return st;
	}
	/* Room for the longest passphrase, its newline and a little more. */
	if (secret_from_fd(fd, 4096, path, &buf, cause) != 0) {
		if (fd != STDIN_FILENO)
			close(fd);
		return SEC_EINVAL;
	}
	if (fd != STDIN_FILENO)
		close(fd);

	p = secret_peek(buf);
	len = secret_len(buf);
	nl = memchr(p, '\n', len);
	if (nl != NULL) {
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
	}
	secret_truncate(buf, len);
	if (len == 0) {
		secret_free(&buf);
		*cause = xasprintf(_("%s holds no passphrase (a passphrase "
		    "file holds it on its first line)"), path);
		return SEC_EINVAL;
	}
	if (len > PASSPHRASE_MAX) {
		secret_free(&buf);
		*cause = xasprintf(_("the passphrase in %s is too long (at "
		    "most %d bytes)"), path, PASSPHRASE_MAX);
		return SEC_EINVAL;
	}
	*out = buf;
	return SEC_OK;
}
