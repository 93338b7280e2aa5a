/*
 * The sync log (syncstate.h): what a run appends is replayed whole, the
 * ids of sent entries with it, which the file does not show; a torn end
 * (a kill, or a crash's half-written or zeroed last chunk) is ignored and
 * cut off on the next open; a changed byte or a chunk swapped in before
 * the end is refused; another key's or target's log is not taken.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xmalloc.h"
#include "run/syncstate.h"
#include "tap.h"

#define HDR	56	/* SL_HDRBYTES */
#define LENS	8	/* the count and the plaintext's length */
#define FRAME	(LENS + 24 + 16)	/* lengths, nonce, tag */
#define ENTRY	19	/* kind, flags, id length, hash, digest */
#define CHUNK(n) (FRAME + (n) * ENTRY)

struct seen {
	struct synclog_entry	e[64];
	char			id[64][32];
	size_t			n;
};

static void
collect(const struct synclog_entry *e, void *arg)
{
	struct seen	*s = arg;

	if (s->n < 64) {
		s->e[s->n] = *e;
		s->id[s->n][0] = '\0';
		if (e->id != NULL && e->idlen < 32) {
			memcpy(s->id[s->n], e->id, e->idlen);
			s->id[s->n][e->idlen] = '\0';
		}
	}
	s->n++;
}

static struct syncstate_keys	keys, other;

/* Replay path into s: the return value of synclog_replay. */
static int
replay(const char *path, const struct syncstate_keys *k, const char *target,
    struct seen *s, char **cause)
{
	memset(s, 0, sizeof *s);
	return synclog_replay(path, k, target, collect, s, cause);
}

static off_t
size_of(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The whole file at path (malloc'd), *len its size. */
static char *
read_all(const char *path, size_t *len)
{
	off_t	 n = size_of(path);
	char	*buf;
	int	 fd;

	if (n < 0 || (fd = open(path, O_RDONLY)) == -1)
		fail_all("reading the log");
	buf = xmalloc((size_t)n + 1);
	if (read(fd, buf, (size_t)n) != (ssize_t)n)
		fail_all("reading the log");
	close(fd);
	*len = (size_t)n;
	return buf;
}

static void
flip(const char *path, off_t at)
{
	unsigned char	c;
	int		fd = open(path, O_RDWR);

	if (pread(fd, &c, 1, at) == 1) {
		c ^= 0x20;
		(void)!pwrite(fd, &c, 1, at);
	}
	close(fd);
}

/* Write the log anew: three chunks of 2, 3 and 1 entries. */
static void
write_log(const char *path)
{
	struct synclog_entry	e[6];
	struct synclog		*l = NULL;
	char			*cause = NULL;
	size_t			 i;

	unlink(path);
	memset(e, 0, sizeof e);
	for (i = 0; i < 6; i++) {
		e[i].kind = i == 5 ? SYNCLOG_REMOVED : i % 2 ? SYNCLOG_ACCEPTED :
		    SYNCLOG_SENT;
		e[i].hash = 0x1000 + 2 * i;
		e[i].digest = i == 5 ? 0 : 0xabc0 + i;
	}
	if (synclog_open(path, &keys, "seg-vip", 0600, (gid_t)-1, &l,
	    &cause) != 0 || synclog_append(l, e, 2, &cause) != 0 ||
	    synclog_append(l, e + 2, 3, &cause) != 0 ||
	    synclog_append(l, e + 5, 1, &cause) != 0 ||
	    synclog_close(&l, &cause) != 0)
		fail_all(cause);
}

int
main(void)
{
	unsigned char		 key[SYNCSTATE_KEYBYTES];
	struct synclog_entry	 e = { SYNCLOG_ACCEPTED, 0x2000, 0x77, NULL, 0, 0 };
	struct synclog		*l = NULL;
	struct seen		 s;
	char			*path, *cause = NULL, buf[CHUNK(3)];
	int			 fd, rv;

	plan_lazy();
	memset(key, 7, sizeof key);
	syncstate_keys_derive(key, sizeof key, "x1", &keys);
	syncstate_keys_derive(key, sizeof key, "x2", &other);
	path = xasprintf("%s/x1.state.log", tap_tmpdir());

	write_log(path);
	is_int(size_of(path), HDR + CHUNK(2) + CHUNK(3) + CHUNK(1),
	    "a chunk per append: 19 bytes an entry, a nonce and a tag");
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	is_int(rv, 0, "the log replays");
	is_int(s.n, 6, "every entry, in order");
	ok(s.e[0].kind == SYNCLOG_SENT && s.e[0].hash == 0x1000 &&
	    s.e[0].digest == 0xabc0, "the first as written");
	ok(s.e[4].kind == SYNCLOG_SENT && s.e[4].hash == 0x1008 &&
	    s.e[4].digest == 0xabc4, "the fifth as written");
	ok(s.e[5].kind == SYNCLOG_REMOVED && s.e[5].hash == 0x100a,
	    "a removal as written");

	rv = replay(path, &other, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 0, "another export's keys see no entry");
	rv = replay(path, &keys, "seg-other", &s, &cause);
	ok(rv == 0 && s.n == 0, "nor does another target");

	/* A kill in the middle of the last write: a torn chunk. */
	if (truncate(path, HDR + CHUNK(2) + CHUNK(3) + 7) != 0)
		fail_all("truncate");
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 5, "a torn last chunk is left out, the rest "
	    "replays");
	if (synclog_open(path, &keys, "seg-vip", 0600, (gid_t)-1, &l,
	    &cause) != 0 || synclog_append(l, &e, 1, &cause) != 0 ||
	    synclog_close(&l, &cause) != 0)
		fail_all(cause);
	is_int(size_of(path), HDR + CHUNK(2) + CHUNK(3) + CHUNK(1),
	    "the next open cuts the torn chunk off before appending");
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 6 && s.e[5].hash == 0x2000,
	    "and the chain goes on from the last whole chunk");

	/* A byte changed, anywhere after the header, is refused. */
	write_log(path);
	flip(path, HDR + CHUNK(2) + LENS + 24 + ENTRY + 3);
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	is_int(rv, -1, "a changed hash in a middle chunk is refused");
	like(cause, "does not verify", "in words");
	like(cause, "--full", "saying how to start again");
	xfree(&cause);
	is_int(s.n, 2, "the chunks before it were taken, none after");
	rv = synclog_open(path, &keys, "seg-vip", 0600, (gid_t)-1, &l,
	    &cause);
	ok(rv == -1 && l == NULL, "and nothing appends to that log");
	xfree(&cause);

	/* The end half written (a crash, not only a kill): torn, cut. */
	write_log(path);
	flip(path, size_of(path) - 1);
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 5, "a last chunk that does not verify is torn: "
	    "the chunks before replay");
	write_log(path);
	fd = open(path, O_WRONLY | O_APPEND);
	memset(buf, 0, sizeof buf);
	if (write(fd, buf, 60) != 60)
		fail_all("appending zeros");
	close(fd);
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 6, "so is a tail of zeros (data never synced)");
	if (synclog_open(path, &keys, "seg-vip", 0600, (gid_t)-1, &l,
	    &cause) != 0 || synclog_close(&l, &cause) != 0)
		fail_all(cause);
	is_int(size_of(path), HDR + CHUNK(2) + CHUNK(3) + CHUNK(1),
	    "which the next open cuts off");

	write_log(path);
	flip(path, HDR + CHUNK(2) + FRAME - 16 + ENTRY * 3);
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == -1 && s.n == 2, "a changed tag in a middle chunk is refused");
	xfree(&cause);

	write_log(path);
	flip(path, HDR + CHUNK(2));
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == -1 && s.n == 2, "so is a changed entry count");
	xfree(&cause);

	/* A longer length runs past the end: read as a cut there. */
	write_log(path);
	flip(path, HDR + CHUNK(2) + 5);
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 2, "a length changed to run past the end drops "
	    "the chunks from there, as cutting the file would");
	xfree(&cause);

	/* The second chunk dropped: the third no longer chains. */
	write_log(path);
	fd = open(path, O_RDWR);
	if (pread(fd, buf, CHUNK(1), HDR + CHUNK(2) + CHUNK(3)) != CHUNK(1) ||
	    pwrite(fd, buf, CHUNK(1), HDR + CHUNK(2)) != CHUNK(1) ||
	    ftruncate(fd, HDR + CHUNK(2) + CHUNK(1)) != 0)
		fail_all("rewriting the log");
	close(fd);
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 2, "a chunk dropped before the last: the last no "
	    "longer chains and is not replayed, as if the end were cut");

	/* Another export's chunk spliced in, whole and well formed. */
	{
		char	*p2 = xasprintf("%s/x2.state.log", tap_tmpdir());
		struct synclog_entry e2[3] = { { SYNCLOG_REMOVED, 0x1000, 0, NULL, 0, 0 },
		    { SYNCLOG_REMOVED, 0x1002, 0, NULL, 0, 0 },
		    { SYNCLOG_REMOVED, 0x1004, 0, NULL, 0, 0 } };

		if (synclog_open(p2, &other, "seg-vip", 0600, (gid_t)-1, &l,
		    &cause) != 0 || synclog_append(l, e2, 3, &cause) != 0 ||
		    synclog_close(&l, &cause) != 0)
			fail_all(cause);
		write_log(path);
		fd = open(p2, O_RDONLY);
		if (pread(fd, buf, CHUNK(3), HDR) != CHUNK(3))
			fail_all("reading the other log");
		close(fd);
		fd = open(path, O_RDWR);
		if (pwrite(fd, buf, CHUNK(3), HDR + CHUNK(2)) != CHUNK(3))
			fail_all("splicing");
		close(fd);
		rv = replay(path, &keys, "seg-vip", &s, &cause);
		ok(rv == -1 && s.n == 2, "another export's removals spliced in "
		    "are refused");
		xfree(&cause);
		free(p2);
	}

	/* A sent entry's id comes back, and the file does not show it. */
	{
		struct synclog_entry	ie[3];
		char			*blob;
		size_t			 len;

		memset(ie, 0, sizeof ie);
		ie[0].kind = SYNCLOG_SENT;
		ie[0].hash = 0x3000;
		ie[0].id = "ada@example.com";
		ie[0].idlen = 15;
		ie[1].kind = SYNCLOG_SENT;
		ie[1].hash = 0x3002;
		ie[1].id = "CUST-0042";
		ie[1].idlen = 9;
		ie[1].cid = 1;
		ie[2].kind = SYNCLOG_ACCEPTED;
		ie[2].hash = 0x3000;
		ie[2].id = "not kept";	/* only a sent entry has one */
		ie[2].idlen = 8;
		unlink(path);
		if (synclog_open(path, &keys, "seg-vip", 0600, (gid_t)-1, &l,
		    &cause) != 0 || synclog_append(l, ie, 3, &cause) != 0 ||
		    synclog_close(&l, &cause) != 0)
			fail_all(cause);
		is_int(size_of(path), HDR + FRAME + 3 * ENTRY + 15 + 9,
		    "a sent entry holds its id");
		rv = replay(path, &keys, "seg-vip", &s, &cause);
		ok(rv == 0 && s.n == 3, "a log with ids replays");
		is_str(s.id[0], "ada@example.com", "an email id as written");
		ok(!s.e[0].cid, "flagged as an email");
		is_str(s.id[1], "CUST-0042", "a customer ID as written");
		ok(s.e[1].cid, "flagged as a customer ID");
		ok(s.e[2].id == NULL, "an answer carries no id");
		blob = read_all(path, &len);
		ok(memmem(blob, len, "ada@", 4) == NULL &&
		    memmem(blob, len, "CUST", 4) == NULL &&
		    memmem(blob, len, "example", 7) == NULL,
		    "no id can be read in the file");
		free(blob);
	}

	/*
	 * A log goes with the state file beside it: once a new state is
	 * written (it folded the log in), or when an earlier log is copied
	 * back over a later state, it is not replayed, and an open starts it
	 * afresh.
	 */
	{
		struct syncstate_writer	*w = NULL;
		char			*state = xasprintf("%s/x1.state",
		    tap_tmpdir());

		write_log(path);
		if (syncstate_create(state, &keys, "seg-vip", 0600, (gid_t)-1,
		    &w, &cause) != 0 || syncstate_commit(&w, &cause) != 0)
			fail_all(cause);
		rv = replay(path, &keys, "seg-vip", &s, &cause);
		ok(rv == 0 && s.n == 0, "a log started before the state file "
		    "was written is not replayed over it");
		write_log(path);
		rv = replay(path, &keys, "seg-vip", &s, &cause);
		ok(rv == 0 && s.n == 6, "one started on it is");
		if (syncstate_create(state, &keys, "seg-vip", 0600, (gid_t)-1,
		    &w, &cause) != 0 || syncstate_commit(&w, &cause) != 0)
			fail_all(cause);
		rv = replay(path, &keys, "seg-vip", &s, &cause);
		ok(rv == 0 && s.n == 0, "and no longer once the next state is "
		    "written, though its content is the same");
		unlink(state);
		free(state);
	}

	/* A log of the version before (text) starts afresh. */
	fd = open(path, O_WRONLY | O_TRUNC);
	if (write(fd, "segsync-synclog 1 00 00\na 1 2\n", 30) != 30)
		fail_all("writing a text log");
	close(fd);
	rv = replay(path, &keys, "seg-vip", &s, &cause);
	ok(rv == 0 && s.n == 0, "a text log of version 1 has no entries");

	free(path);
	sodium_memzero(&keys, sizeof keys);
	sodium_memzero(&other, sizeof other);
	return done_testing();
}
