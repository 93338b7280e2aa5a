/*
 * The run engine (run.h).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "data/rejects.h"
#include "data/segments.h"
#include "dest/dest.h"
#include "net/http.h"
#include "run/deliver.h"
#include "run/journal.h"
#include "run/run.h"
#include "run/runrecord.h"
#include "run/runview.h"
#include "run/syncstate.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/activity.h"
#include "store/connection.h"
#include "store/export.h"
#include "store/schedule.h"
#include "store/workspace.h"

struct run_job {
	struct workspace		*ws;
	struct run			*run;
	const struct dest_driver	*driver;
	const struct connection		*conn;
	const struct secrecord		*rec;
	const struct dest_credstore	*credstore;
	int				 export_fd;
	int				 run_fd;
	struct journal_index		*prior;

	/* While executing. */
	struct journal			*journal;
	char				*journal_error;
	char				*cancel_path;
	/*
	 * Disk kept for the last writes (runs/ID/reserve), given back when
	 * the disk fills; and whether it did.
	 */
	char				*reserve_path;
	int				 disk_full;
	/* The last cancel request refused (so that it is told once). */
	unsigned long			 refused_uid;
	struct timespec			 refused_mtime;
	int64_t				 last_save;
	/* Retries and waits as the timeline last told them. */
	uint64_t			 noted_retries;
	uint64_t			 noted_waits;
	int64_t				 noted_retries_ms;
	int64_t				 noted_waits_ms;
	/* What earlier attempts of a resumed run used (added on). */
	struct run			 base;
};

/* How often the timeline tells of retries, and of waits. */
#define RUN_NOTE_MS	30000

/*
 * What a worker keeps of the disk for its last writes (the final record,
 * the rejects and journal flushed), and below how much free space a
 * failed write is put down to a full disk.
 */
#define RUN_RESERVE_BYTES	(256 * 1024)
#define RUN_DISK_LOW		RUN_DISK_FULL_BYTES	/* runrecord.h */

static volatile sig_atomic_t	run_cancelled;

static void
run_on_signal(int sig)
{
	(void)sig;
	run_cancelled = 1;
}


/*
 * Open (creating) path with the workspace's file mode and take an
 * exclusive flock without waiting. 0 with *fdp; 1 when someone holds it;
 * -1 with *cause.
 */
static int
lock_file(const struct workspace *ws, const char *path, int *fdp,
    char **cause)
{
	struct stat	st;
	int		fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    workspace_file_mode(ws));
	if (fd == -1) {
		*cause = xasprintf(_("%s: cannot open the lock: %s"), path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && st.st_uid == geteuid()) {
		(void)fchmod(fd, workspace_file_mode(ws));
		if (workspace_gid(ws) != (gid_t)-1 &&
		    st.st_gid != workspace_gid(ws))
			(void)fchown(fd, (uid_t)-1, workspace_gid(ws));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			close(fd);
			return 1;
		}
		*cause = xasprintf(_("%s: cannot lock: %s"), path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

/*
 * Take the export's lock, writing our run ID in it for others to read.
 * 0; 1 with *cause when another run holds it; -1 with *cause.
 */
static int
lock_export(struct run_job *job, const char *export_id, const char *name,
    char **cause)
{
	char	*path, held[RUN_ID_LEN + 1];
	ssize_t	 n;
	int	 fd = -1, r;

	path = run_export_lock_path(job->ws, export_id);
	r = lock_file(job->ws, path, &fd, cause);
	if (r == 1) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		n = fd == -1 ? -1 : read(fd, held, sizeof held - 1);
		if (fd != -1)
			close(fd);
		held[n > 0 ? n : 0] = '\0';
		if (n > 0 && held[n - 1] == '\n')
			held[n - 1] = '\0';
		*cause = run_id_valid(held) ?
		    xasprintf(_("the export \"%s\" is already running as run "
		    "%s; watch it with 'segsync runs watch %s' or stop it "
		    "with 'segsync runs cancel %s'"), name, held, held, held) :
		    xasprintf(_("the export \"%s\" is already running"), name);
		free(path);
		return 1;
	}
	free(path);
	if (r != 0)
		return -1;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, job->run->id,
	    strlen(job->run->id), 0) != (ssize_t)strlen(job->run->id)) {
		*cause = xasprintf(_("cannot write the export's lock: %s"),
		    strerror(errno));
		close(fd);
		return -1;
	}
	job->export_fd = fd;
	return 0;
}

static int
lock_run(struct run_job *job, char **cause)
{
	char	*path = run_file(job->ws, job->run->id, "lock");
	int	 r;

	r = lock_file(job->ws, path, &job->run_fd, cause);
	free(path);
	if (r == 1)
		*cause = xasprintf(_("run %s is still running"), job->run->id);
	return r == 0 ? 0 : -1;
}

static struct run_job *
job_new(struct workspace *ws)
{
	struct run_job	*job = xcalloc(1, sizeof *job);

	job->ws = ws;
	job->export_fd = job->run_fd = -1;
	return job;
}

/* Size and modification time of a segment file, as saved in the run. */
static int
seg_stat(const char *file, long long *size, long long *mtime_ns,
    char **cause)
{
	struct stat	st;

	if (stat(file, &st) != 0) {
		*cause = xasprintf(_("%s: %s"), file, strerror(errno));
		return -1;
	}
	*size = (long long)st.st_size;
	*mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL +
	    st.st_mtim.tv_nsec;
	return 0;
}

int
run_prepare(struct workspace *ws, const char *user, const struct export *x,
    const struct connection *c, const struct segment_list *segs,
    int scheduled, struct run_job **jobp, enum fail_kind *kind,
    char **cause)
{
	struct run_job		*job;
	struct run		*r;
	struct run_segment	*rs;
	const struct segment	*sg;
	char			 id[RUN_ID_LEN], now[UTIL_RFC3339_LEN], *dir;
	size_t			 i;
	int			 locked;

	*jobp = NULL;
	*kind = FAIL_INVALID;
	job = job_new(ws);
	job->driver = dest_find(c->type);
	r = job->run = xcalloc(1, sizeof *r);
	r->export_id = xstrdup(x->id);
	r->export_name = xstrdup(x->name);
	r->connection_id = xstrdup(c->id);
	r->connection_name = xstrdup(c->name);
	r->destination = xstrdup(c->type);
	r->target = xstrdup(x->target);
	r->mode = xstrdup(export_mode_name(x->mode));
	r->max_removals = x->max_removals;
	r->max_rejected = x->max_rejected;
	r->map = xcalloc(x->nmap + 1, sizeof *r->map);
	for (i = 0; i < x->nmap; i++) {
		r->map[i].dest = xstrdup(x->map[i].dest);
		r->map[i].field = xstrdup(x->map[i].field);
	}
	r->nmap = x->nmap;
	r->segments = xcalloc(x->nsegments + 1, sizeof *r->segments);
	for (i = 0; i < x->nsegments; i++) {
		sg = segments_find(segs, x->segments[i]);
		if (sg == NULL || !sg->usable) {
			*cause = sg == NULL ?
			    xasprintf(_("the segment \"%s\" of the export "
			    "\"%s\" is not in the data folder any more"),
			    x->segments[i], x->name) :
			    xasprintf(_("the segment \"%s\" cannot be used: "
			    "%s"), sg->name, sg->error);
			goto fail;
		}
		rs = &r->segments[r->nsegments++];
		rs->name = xstrdup(sg->name);
		rs->file = xstrdup(sg->file);
		rs->rows = sg->members;
		r->total_rows += sg->members;
		if (seg_stat(sg->file, &rs->size, &rs->mtime_ns, cause) != 0)
			goto fail;
	}
	r->scheduled = scheduled;
	r->status = RUN_RUNNING;
	r->phase = DELIVER_PHASE_PLAN;
	r->started_by = xstrdup(user);
	util_rfc3339(time(NULL), now);
	r->started_at = xstrdup(now);
	r->attempts = 1;

	*kind = FAIL_ERROR;
	/* A new folder: two runs started in the same millisecond differ by
	 * their random digit, or take the next ID. */
	for (i = 0; i < 100; i++) {
		run_new_id(id);
		dir = run_dir(ws, id);
		if (mkdir(dir, 0700) == 0 || errno != EEXIST)
			break;
		free(dir);
		dir = NULL;
	}
	r->id = xstrdup(id);
	if (dir == NULL) {
		*cause = xstrdup(_("cannot find a free run ID."));
		goto fail;
	}
	if (fileio_mkdir(dir, workspace_dir_mode(ws), workspace_gid(ws),
	    cause) != 0) {
		free(dir);
		goto fail;
	}
	free(dir);
	if ((locked = lock_export(job, x->id, x->name, cause)) != 0) {
		if (locked == 1)
			*kind = FAIL_BUSY;
		dir = run_dir(ws, r->id);
		(void)rmdir(dir);
		free(dir);
		goto fail;
	}
	if (lock_run(job, cause) != 0)
		goto fail;
	run_event(r, scheduled ? N_("Started by the scheduled refresh (as "
	    "%s).") : N_("Started by %s."), user);
	if (run_save(ws, r, cause) != 0)
		goto fail;
	*jobp = job;
	*kind = FAIL_NONE;
	return 0;
fail:
	run_job_free(&job);
	return -1;
}

int
run_resume_prepare(struct workspace *ws, const char *user, const char *id,
    struct run_job **jobp, enum fail_kind *kind, char **cause)
{
	struct run_job	*job;
	struct run	*r;
	char		*path, now[UTIL_RFC3339_LEN];
	long long	 size, mtime;
	long		 ran;
	size_t		 i;
	int		 locked;

	*jobp = NULL;
	*kind = FAIL_INVALID;
	job = job_new(ws);
	if (run_load(ws, id, &job->run, cause) != 0)
		goto fail;
	r = job->run;
	switch (r->status) {
	case RUN_RUNNING:
		*kind = FAIL_BUSY;
		*cause = xasprintf(_("run %s is still running; watch it with "
		    "'segsync runs watch %s'"), id, id);
		goto fail;
	case RUN_SUCCEEDED:
		*cause = xasprintf(_("run %s succeeded: there is nothing to "
		    "resume (start a new run with 'segsync run \"%s\"')"), id,
		    r->export_name);
		goto fail;
	default:
		break;
	}
	job->driver = dest_find(r->destination);
	if (job->driver == NULL) {
		*cause = xasprintf(_("run %s sends to \"%s\", which this "
		    "segsync does not know"), id, r->destination);
		goto fail;
	}
	for (i = 0; i < r->nsegments; i++) {
		if (seg_stat(r->segments[i].file, &size, &mtime, cause) != 0)
			goto fail;
		if (size != r->segments[i].size ||
		    mtime != r->segments[i].mtime_ns) {
			*cause = xasprintf(
			    _("the segment file %s changed since "
			      "run %s started, so what was sent cannot be told "
			      "apart from what was not; start a new run with "
			      "'segsync run \"%s\"' instead"),
			    r->segments[i].file, id, r->export_name);
			goto fail;
		}
	}
	*kind = FAIL_ERROR;
	if ((locked = lock_export(job, r->export_id, r->export_name,
	    cause)) != 0 || lock_run(job, cause) != 0) {
		if (locked == 1)
			*kind = FAIL_BUSY;
		goto fail;
	}
	path = run_file(ws, id, "journal");
	if (journal_load(path, &job->prior, cause) != 0) {
		free(path);
		*kind = FAIL_INVALID;
		goto fail;
	}
	free(path);
	/* What the attempt ran, to the last write of its worker. */
	ran = runview_attempt_elapsed(r, r->finished_at != NULL ?
	    r->finished_at : r->updated_at != NULL ? r->updated_at :
	    r->started_at);
	if (r->status == RUN_INTERRUPTED) {
		time_t	from, to;
		char	took[32];

		/*
		 * How long it had run, not the time it stopped: a time in
		 * the text would stay UTC in every reader's language.
		 */
		if (schedule_parse_stamp(r->started_at, &from) == 0 &&
		    schedule_parse_stamp(r->updated_at != NULL ?
		    r->updated_at : r->started_at, &to) == 0 && to >= from) {
			runview_duration(ran, took, sizeof took);
			run_event(r, N_("Interrupted: the worker stopped "
			    "(killed, or the machine restarted) after running "
			    "for %s."), took);
		} else
			run_event(r, N_("Interrupted: the worker stopped "
			    "(killed, or the machine restarted)."));
	}
	job->base.requests = r->requests;
	job->base.retries = r->retries;
	job->base.throttled = r->throttled;
	job->base.rate_waits = r->rate_waits;
	job->noted_retries = r->retries;
	job->noted_waits = r->rate_waits;
	job->base.cpu_seconds = r->cpu_seconds;
	job->base.peak_rss_kb = r->peak_rss_kb;
	r->status = RUN_RUNNING;
	r->attempts++;
	r->earlier_seconds += (uint64_t)ran;
	util_rfc3339(time(NULL), now);
	free(r->attempt_started_at);
	r->attempt_started_at = xstrdup(now);
	xfree(&r->finished_at);
	/* What the last attempt could not save, this one says anew. */
	xfree(&r->state_note);
	r->fault = RUN_FAULT_NONE;
	run_event(r, N_("Resumed by %s (attempt %u): %'zu profiles answered "
	    "before are not sent again."), user, r->attempts,
	    journal_index_count(job->prior));
	if (run_save(ws, r, cause) != 0)
		goto fail;
	*jobp = job;
	*kind = FAIL_NONE;
	return 0;
fail:
	run_job_free(&job);
	return -1;
}

const struct run *
run_job_run(const struct run_job *job)
{
	return job->run;
}

void
run_job_options(struct run_job *job, int full, int force, int allow_empty)
{
	job->run->full = full;
	job->run->force = force;
	job->run->allow_empty = allow_empty;
}

int
run_sync_open(const struct workspace *ws, const struct secrecord *rec,
    const char *export_id, const char *connection_id, const char *target,
    const char *mode, unsigned max_removals, int full, int force,
    int allow_empty, struct deliver_sync *sy, struct syncstate_keys *keys)
{
	const struct secret	*k;
	char			*rel;

	memset(sy, 0, sizeof *sy);
	k = secrecord_get(rec, SYNCSTATE_KEY_FIELD);
	if (k == NULL)
		return -1;
	syncstate_keys_derive(secret_peek(k), secret_len(k), export_id, keys);
	sy->keys = keys;
	rel = xasprintf("exports/%s.state", export_id);
	sy->state_path = workspace_path(ws, rel);
	free(rel);
	rel = xasprintf("exports/%s.state.log", export_id);
	sy->log_path = workspace_path(ws, rel);
	free(rel);
	sy->target_label = xasprintf("%s/%s", connection_id, target);
	sy->file_mode = workspace_file_mode(ws);
	sy->gid = workspace_gid(ws);
	sy->mirror = mode != NULL && strcmp(mode, "mirror") == 0;
	sy->update_only = mode != NULL && strcmp(mode, "update-only") == 0;
	sy->full = full;
	sy->force = force;
	sy->allow_empty = allow_empty;
	sy->max_removals = max_removals;
	return 0;
}

void
run_sync_close(struct deliver_sync *sy, struct syncstate_keys *keys)
{
	free((char *)sy->state_path);
	free((char *)sy->log_path);
	free((char *)sy->target_label);
	memset(sy, 0, sizeof *sy);
	sodium_memzero(keys, sizeof *keys);
}

void
run_job_connect(struct run_job *job, const struct connection *c,
    const struct secrecord *rec)
{
	job->conn = c;
	job->rec = rec;
}

void
run_job_credstore(struct run_job *job, const struct dest_credstore *k)
{
	job->credstore = k;
}

void
run_job_free(struct run_job **jobp)
{
	struct run_job	*job = *jobp;

	if (job == NULL)
		return;
	if (job->export_fd != -1)
		close(job->export_fd);
	if (job->run_fd != -1)
		close(job->run_fd);
	journal_index_free(&job->prior);
	free(job->journal_error);
	free(job->cancel_path);
	free(job->reserve_path);
	run_free(&job->run);
	free(job);
	*jobp = NULL;
}

/* Detach from the terminal: new session, stdio on /dev/null. */
static void
detach_stdio(void)
{
	int	fd = open("/dev/null", O_RDWR);

	if (fd != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/*
 * In the worker: close every descriptor but stdio and the job's two locks.
 * A worker forked from the UI would otherwise keep its wake-up pipe, its
 * terminal and its connections open for as long as the run lasts.
 */
static void
close_inherited(const struct run_job *job)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, *fds = NULL;
	size_t		 n = 0, i;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd <= STDERR_FILENO ||
		    fd == dirfd(d) || fd == job->export_fd ||
		    fd == job->run_fd)
			continue;
		fds = xreallocarray(fds, n + 1, sizeof *fds);
		fds[n++] = fd;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		(void)close(fds[i]);
	free(fds);
}

int
run_spawn(struct run_job *job, int detach, pid_t *pidp, char **cause)
{
	pid_t	pid, mid;
	int	status;

	fflush(NULL);
	if (!detach) {
		pid = fork();
		if (pid == -1) {
			*cause = xasprintf(_("cannot start the run: %s"),
			    strerror(errno));
			return -1;
		}
		if (pid == 0) {
			close_inherited(job);
			_exit(run_execute(job) == RUN_SUCCEEDED ? 0 : 1);
		}
		*pidp = pid;
		return 0;
	}
	/*
	 * Twice: the middle process makes a new session and leaves at once,
	 * so that the worker is no child of ours (no zombie in a long-lived
	 * UI) and can never get a controlling terminal back.
	 */
	mid = fork();
	if (mid == -1) {
		*cause = xasprintf(_("cannot start the run: %s"),
		    strerror(errno));
		return -1;
	}
	if (mid == 0) {
		(void)setsid();
		signal(SIGHUP, SIG_IGN);
		pid = fork();
		if (pid != 0)
			_exit(pid == -1 ? 1 : 0);
		detach_stdio();
		close_inherited(job);
		_exit(run_execute(job) == RUN_SUCCEEDED ? 0 : 1);
	}
	while (waitpid(mid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*cause = xstrdup(_("cannot start the run (fork failed)."));
		return -1;
	}
	if (pidp != NULL)
		*pidp = 0;
	return 0;
}

static void
run_on_ack(const struct deliver_ack *acks, size_t n, void *arg)
{
	struct run_job	*job = arg;
	char		*cause = NULL;

	if (job->journal_error != NULL)
		return;
	if (journal_append(job->journal, acks, n, &cause) != 0) {
		/*
		 * Going on would send what a resume could not skip: stop
		 * (the tick sees it).
		 */
		job->journal_error = cause;
	}
}

static int
run_prior(uint64_t ref, unsigned *flags, const char **reason,
    uint64_t *jobid, void *arg)
{
	struct run_job	*job = arg;

	return journal_lookup_job(ref, flags, reason, jobid, job->prior);
}

/* The confirmation turned accepted profiles into rejected ones: journal
 * it, so that a resumed run keeps them rejected. */
static void
run_on_confirm_reject(const uint64_t *refs, size_t n, uint64_t jobid,
    const char *reason, void *arg)
{
	struct run_job		*job = arg;
	struct deliver_ack	*acks;
	char			*cause = NULL;
	size_t			 i;

	(void)jobid;
	if (job->journal_error != NULL || n == 0)
		return;
	acks = xcalloc(n, sizeof *acks);
	for (i = 0; i < n; i++) {
		acks[i].ref = refs[i];
		acks[i].flags = DELIVER_REJECTED;
		acks[i].reason = reason;
	}
	if (journal_append(job->journal, acks, n, &cause) != 0)
		job->journal_error = cause;
	free(acks);
}

/* The live counts, plus what earlier attempts used. */
static void
job_take_stats(struct run_job *job, const struct deliver_stats *st)
{
	struct run	*r = job->run;

	run_take_stats(r, st);
	r->requests += job->base.requests;
	r->retries += job->base.retries;
	r->throttled += job->base.throttled;
	r->rate_waits += job->base.rate_waits;
	r->cpu_seconds += job->base.cpu_seconds;
	if (job->base.peak_rss_kb > r->peak_rss_kb)
		r->peak_rss_kb = job->base.peak_rss_kb;
}

/*
 * Retries and waits for the rate limit go in the timeline as they come,
 * in words and not as errors, at most once per RUN_NOTE_MS each, so that
 * a long run held by the limit does not fill it (runrecord.h keeps its first
 * and last events).
 */
static void
run_note_retries(struct run_job *job)
{
	struct run	*r = job->run;
	int64_t		 now = util_mono_ms();

	if (r->retries > job->noted_retries &&
	    (job->noted_retries_ms == 0 ||
	    now - job->noted_retries_ms >= RUN_NOTE_MS)) {
		run_event(r, N_("Retries so far: %'llu (%'llu answered 429 Too "
		    "Many Requests); the requests were sent again."),
		    (unsigned long long)r->retries,
		    (unsigned long long)r->throttled);
		job->noted_retries = r->retries;
		job->noted_retries_ms = now;
	}
	if (r->rate_waits > job->noted_waits &&
	    (job->noted_waits_ms == 0 ||
	    now - job->noted_waits_ms >= RUN_NOTE_MS)) {
		run_event(r, N_("Waits for the destination's rate limit so far: "
		    "%'llu."), (unsigned long long)r->rate_waits);
		job->noted_waits = r->rate_waits;
		job->noted_waits_ms = now;
	}
}

/*
 * A write failed: when the disk holding the workspace is (nearly) full,
 * say so and stop the delivery, which could not journal what it sends.
 */
static void
run_check_disk(struct run_job *job)
{
	char	*runs = workspace_path(job->ws, "runs");

	if (!job->disk_full && fileio_space_below(runs, RUN_DISK_LOW) == 1) {
		job->disk_full = 1;
		run_cancelled = 1;
	}
	free(runs);
}

static void
run_save_progress(struct run_job *job, const struct deliver_stats *st)
{
	char	*cause = NULL;

	job_take_stats(job, st);
	run_note_retries(job);
	if (run_save(job->ws, job->run, &cause) != 0) {
		/* Progress is best effort; the final save reports. */
		free(cause);
		cause = NULL;
		run_check_disk(job);
	}
	if (job->journal != NULL && job->journal_error == NULL &&
	    journal_sync(job->journal, &cause) != 0) {
		job->journal_error = cause;
		run_check_disk(job);
	}
}

/*
 * Whether the cancel request in sb comes from someone who may start this
 * run: its own user, root, an administrator, or a contributor when the
 * connection is open to contributors. The runs folder is group-writable:
 * without this, any group member could stop an administrator's run. A
 * refused request is told once in the timeline and otherwise ignored.
 */
static int
cancel_allowed(struct run_job *job, const struct stat *sb)
{
	const struct ws_member	*m = NULL;
	char			*user;

	if (S_ISREG(sb->st_mode) && (sb->st_uid == geteuid() ||
	    sb->st_uid == 0))
		return 1;
	user = util_user_name((unsigned long)sb->st_uid);
	if (user != NULL)
		m = workspace_member_find(job->ws, user);
	if (S_ISREG(sb->st_mode) && m != NULL && m->uid == sb->st_uid &&
	    (m->role == WS_ROLE_ADMIN || (m->role == WS_ROLE_CONTRIBUTOR &&
	    job->conn->contributors))) {
		free(user);
		return 1;
	}
	if (job->refused_uid != (unsigned long)sb->st_uid ||
	    job->refused_mtime.tv_sec != sb->st_mtim.tv_sec ||
	    job->refused_mtime.tv_nsec != sb->st_mtim.tv_nsec) {
		job->refused_uid = (unsigned long)sb->st_uid;
		job->refused_mtime = sb->st_mtim;
		run_event(job->run, N_("A cancel request from %s was ignored: "
		    "only a member who may start this run can cancel it."),
		    user != NULL ? user : "?");
	}
	free(user);
	return 0;
}


/*
 * The timeline's line for a new phase: one message each, so that each
 * reader sees the phase in their language (an argument would stay as
 * written).
 */
static void
phase_event(struct run *r, enum deliver_phase p)
{
	switch (p) {
	case DELIVER_PHASE_PLAN:
		run_event(r, N_("Phase: planning."));
		break;
	case DELIVER_PHASE_SEND:
		run_event(r, N_("Phase: sending."));
		break;
	case DELIVER_PHASE_CONFIRM:
		run_event(r, N_("Phase: confirming."));
		break;
	case DELIVER_PHASE_REMOVE:
		run_event(r, N_("Phase: removing."));
		break;
	case DELIVER_PHASE_DONE:
		break;
	}
}

static void
run_on_tick(const struct deliver_stats *st, void *arg)
{
	struct run_job	*job = arg;
	int64_t		 now = util_mono_ms();
	struct stat	 sb;

	if (job->journal_error != NULL)
		run_cancelled = 1;
	if (now - job->last_save < RUN_TICK_MS && st->phase ==
	    job->run->phase)
		return;
	if (st->phase != job->run->phase)
		phase_event(job->run, st->phase);
	job->last_save = now;
	if (!run_cancelled && lstat(job->cancel_path, &sb) == 0 &&
	    cancel_allowed(job, &sb))
		run_cancelled = 1;
	run_save_progress(job, st);
}

static enum run_fault
fault_of(const struct deliver_stats *st)
{
	if (st->fatal_status == 401 || st->fatal_status == 403)
		return RUN_FAULT_AUTH;
	if (st->fatal_status == 400 || st->fatal_status == 404)
		return RUN_FAULT_CONFIG;
	if (st->fatal_status == 0 && st->batches == 0)
		return RUN_FAULT_CONFIG;
	return RUN_FAULT_OTHER;
}

/* The workspace's retention: drop the oldest finished runs. */
static void
run_finish_prune(struct run_job *job)
{
	unsigned	keep = workspace_runs_retention(job->ws);
	size_t		n;

	n = run_prune(job->ws, job->run->export_id, keep);
	if (n > 0)
		run_event(job->run, N_("%zu older runs of this export removed "
		    "(the workspace keeps %u)."), n, keep);
}

enum run_status
run_execute(struct run_job *job)
{
	struct run		*r = job->run;
	struct deliver_segment	*segs = NULL;
	struct deliver_config	*cfg;
	struct deliver_stats	 st;
	struct run_delivery	 rd;
	struct deliver_sync	 sync;
	struct syncstate_keys	 keys;
	struct sigaction	 sa;
	char			*cause = NULL, *path, *full, now[UTIL_RFC3339_LEN];
	size_t			 i;
	enum fail_kind		 kind;
	int			 rv = -1;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	run_cancelled = 0;
	memset(&st, 0, sizeof st);
	memset(&rd, 0, sizeof rd);
	memset(&sync, 0, sizeof sync);
	memset(&keys, 0, sizeof keys);

	r->pid = (long)getpid();
	/* The keys came from the parent, whose memory locks fork() drops. */
	if (secret_relock() != 0)
		run_event(r, N_("The memory holding the connection's keys "
		    "could not be locked in RAM, so the system may write it to "
		    "swap: raise the locked-memory limit (ulimit -l) of the "
		    "user who runs exports."));
	job->cancel_path = run_file(job->ws, r->id, "cancel");
	(void)unlink(job->cancel_path);
	job->reserve_path = run_file(job->ws, r->id, "reserve");
	if (fileio_reserve(job->reserve_path, RUN_RESERVE_BYTES,
	    workspace_file_mode(job->ws), workspace_gid(job->ws), &cause) != 0) {
		xfree(&job->reserve_path);
		xfree(&cause);
		run_check_disk(job);
		if (job->disk_full)
			goto out;
	}
	segs = xcalloc(r->nsegments, sizeof *segs);
	for (i = 0; i < r->nsegments; i++) {
		segs[i].name = r->segments[i].name;
		segs[i].path = r->segments[i].file;
	}
	if (job->conn == NULL || job->rec == NULL) {
		cause = xstrdup(_("The run has no connection to send with."));
		goto out;
	}
	cfg = &rd.cfg;
	cfg->target = r->target;
	cfg->segments = segs;
	cfg->nsegments = r->nsegments;
	cfg->expected_rows = r->total_rows;
	cfg->on_ack = run_on_ack;
	cfg->prior = job->prior != NULL ? run_prior : NULL;
	cfg->on_tick = run_on_tick;
	cfg->on_confirm_reject = run_on_confirm_reject;
	cfg->limit_rejected = 1;
	cfg->max_rejected = r->max_rejected;
	cfg->arg = job;
	cfg->cancel = &run_cancelled;
	if (run_sync_open(job->ws, job->rec, r->export_id, r->connection_id,
	    r->target, r->mode, r->max_removals, r->full, r->force,
	    r->allow_empty, &sync, &keys) == 0)
		cfg->sync = &sync;
	/* Rebuilt on every attempt: validation rejects are found again and
	 * the destination's come back from the journal. */
	/* The journal first: without it, the last rejects file stays. */
	path = run_file(job->ws, r->id, "journal");
	rv = journal_open(path, workspace_file_mode(job->ws),
	    workspace_gid(job->ws), &job->journal, &cause);
	free(path);
	if (rv != 0)
		goto out;
	path = run_file(job->ws, r->id, "rejects.csv");
	rv = run_delivery_open(&rd, job->driver, job->conn, job->rec,
	    job->credstore, r->map, r->nmap, path, &kind, &cause);
	free(path);
	if (rv != 0)
		goto out;
	rv = -1;
	if (run_cancelled)
		cause = xstrdup(_("The delivery was cancelled."));
	else
		rv = deliver_run(cfg, &st, &cause);
out:
	/*
	 * A delivery that stopped, or a journal that could not be written,
	 * may be a full disk (the sync log's writes fail there first); a
	 * run that ended well on a low disk ended as it ended. The last
	 * writes get the disk kept for them.
	 */
	if (!job->disk_full && (rv != 0 || job->journal_error != NULL))
		run_check_disk(job);
	if (job->disk_full && job->reserve_path != NULL)
		(void)unlink(job->reserve_path);
	if (rd.rejects != NULL) {
		char	*c2 = NULL;

		if (rejects_close(&rd.rejects, &c2) != 0) {
			run_error(r, c2);
			free(c2);
		}
	}
	job_take_stats(job, &st);
	/* The last tally of retries and waits, whenever the last was. */
	job->noted_retries_ms = job->noted_waits_ms = 0;
	run_note_retries(job);
	if (job->journal_error != NULL) {
		run_error(r, job->journal_error);
		rv = -1;
	}
	if (job->journal != NULL) {
		char	*c2 = NULL;

		if (journal_close(&job->journal, &c2) != 0) {
			run_error(r, c2);
			free(c2);
			rv = -1;
		}
	}
	r->in_flight = 0;
	if (rv == 0) {
		r->status = RUN_SUCCEEDED;
		r->fault = RUN_FAULT_NONE;
		if (sync.keys != NULL)
			run_event(r, N_("Succeeded: %'llu profiles accepted, "
			    "%'llu rejected, %'llu unchanged, %'llu removed."),
			    (unsigned long long)r->counts.accepted,
			    (unsigned long long)r->counts.rejected,
			    (unsigned long long)r->counts.unchanged,
			    (unsigned long long)r->removed);
		else
			run_event(r, N_("Succeeded: %'llu profiles accepted, "
			    "%'llu rejected."),
			    (unsigned long long)r->counts.accepted,
			    (unsigned long long)r->counts.rejected);
	} else if (job->disk_full && !st.rejected_over &&
	    fault_of(&st) != RUN_FAULT_AUTH) {
		/*
		 * The disk stopped the delivery: its "cancelled" is no reason
		 * of its own; the write that failed is among the errors.
		 */
		r->status = RUN_FAILED;
		r->fault = RUN_FAULT_OTHER;
		full = run_disk_full_text(r->id);
		run_error(r, full);
		free(full);
		run_event(r, N_("Failed: the disk holding the workspace is "
		    "full."));
	} else if (run_cancelled && job->journal_error == NULL &&
	    !job->disk_full) {
		r->status = RUN_CANCELLED;
		r->fault = RUN_FAULT_OTHER;
		run_event(r, N_("Cancelled after %'llu profiles had been "
		    "accepted."), (unsigned long long)r->counts.accepted);
	} else {
		r->status = RUN_FAILED;
		r->fault = job->journal_error != NULL ? RUN_FAULT_OTHER :
		    st.rejected_over ? RUN_FAULT_CONFIG : fault_of(&st);
		if (cause != NULL && cause[0] != '\0')
			run_error(r, cause);
		/* Failed for its own reason, on a full disk all the same. */
		if (job->disk_full) {
			full = run_disk_full_text(r->id);
			run_error(r, full);
			free(full);
		}
		run_event(r, N_("Failed."));
	}
	free(cause);
	util_rfc3339(time(NULL), now);
	free(r->finished_at);
	r->finished_at = xstrdup(now);
	r->phase = DELIVER_PHASE_DONE;
	run_finish_prune(job);
	cause = NULL;
	if (run_save(job->ws, r, &cause) != 0) {
		free(cause);
		cause = NULL;
		/*
		 * The record itself did not fit (the disk filled at the very
		 * end): written again in the disk kept for it, as it ended.
		 */
		if (!job->disk_full && job->reserve_path != NULL &&
		    run_disk_full(job->ws)) {
			(void)unlink(job->reserve_path);
			if (run_save(job->ws, r, &cause) != 0)
				free(cause);
		}
	}
	if (job->reserve_path != NULL)
		(void)unlink(job->reserve_path);
	deliver_stats_free(&st);
	run_delivery_free(&rd);
	run_sync_close(&sync, &keys);
	free(segs);
	return r->status;
}

int
run_delivery_open(struct run_delivery *rd, const struct dest_driver *d,
    const struct connection *c, const struct secrecord *rec,
    const struct dest_credstore *k, const struct export_map *map,
    size_t nmap, const char *rejects_path, enum fail_kind *kind,
    char **cause)
{
	struct http_config	hc;

	*kind = FAIL_INVALID;
	if (export_delivery_mapping(map, nmap, d, &rd->mapping, cause) != 0 ||
	    dest_session_new(d, c, rec, &rd->session, cause) != 0)
		return -1;
	dest_session_credstore(rd->session, k);
	http_config_defaults(&hc);
	/* As many transfers as the driver keeps batches in flight. */
	if (d->limits.concurrency > hc.max_transfers)
		hc.max_transfers = d->limits.concurrency;
	if ((rd->engine = http_new(&hc, cause)) == NULL)
		return -1;
	*kind = FAIL_ERROR;
	if (rejects_open(rejects_path, &rd->rejects, cause) != 0)
		return -1;
	rd->cfg.session = rd->session;
	rd->cfg.engine = rd->engine;
	rd->cfg.mapping = &rd->mapping;
	rd->cfg.rejects = rd->rejects;
	*kind = FAIL_NONE;
	return 0;
}

void
run_delivery_free(struct run_delivery *rd)
{
	char	*cause = NULL;

	if (rd->rejects != NULL && rejects_close(&rd->rejects, &cause) != 0)
		free(cause);
	dest_session_free(&rd->session);
	http_free(&rd->engine);
	export_delivery_mapping_free(&rd->mapping);
}

static int
rmtree_flat(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		 dfd;

	d = opendir(dir);
	if (d == NULL)
		return -1;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
	return rmdir(dir);
}

size_t
run_prune(const struct workspace *ws, const char *export_id, unsigned keep)
{
	struct run	**runs;
	char		*cause = NULL, *dir;
	size_t		 n, i, kept = 0, removed = 0;

	if (run_list(ws, export_id, &runs, &n, &cause) != 0) {
		free(cause);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (runs[i]->status == RUN_RUNNING || kept < keep) {
			kept++;
			continue;
		}
		/* An interrupted run is kept: it may still be resumed. */
		if (runs[i]->status == RUN_INTERRUPTED ||
		    run_alive(ws, runs[i]->id))
			continue;
		dir = run_dir(ws, runs[i]->id);
		if (rmtree_flat(dir) == 0)
			removed++;
		free(dir);
	}
	run_list_free(&runs, n);
	return removed;
}

int
run_cancel(struct workspace *ws, const char *id, const char *user,
    char **cause)
{
	struct run	*r = NULL;
	char		*path, *text;
	int		 rv = -1;

	if (run_load(ws, id, &r, cause) != 0)
		return -1;
	if (r->status != RUN_RUNNING) {
		*cause = xasprintf(_("run %s is not running (it is %s)"), id,
		    run_status_label(r->status));
		goto out;
	}
	path = run_file(ws, id, "cancel");
	text = xasprintf("%s\n", user);
	rv = fileio_write_atomic(path, text, strlen(text),
	    workspace_file_mode(ws), workspace_gid(ws), cause);
	free(text);
	free(path);
	/*
	 * The worker reads the request within a tick; a signal only makes
	 * it quicker (and is refused for another user's worker, which is
	 * fine).
	 */
	if (rv == 0 && r->pid > 1 && run_alive(ws, id))
		(void)kill((pid_t)r->pid, SIGTERM);
	if (rv == 0) {
		cJSON	*ch = cJSON_CreateObject();
		char	*why = NULL;

		cJSON_AddStringToObject(ch, "export", r->export_name);
		cJSON_AddStringToObject(ch, "export_id", r->export_id);
		if (activity_append(ws, user, ACTIVITY_RUN, id, r->export_name,
		    "cancel", ch, &why) == -1) {
			fprintf(stderr, "segsync: %s\n", why);
			free(why);
		}
	}
out:
	run_free(&r);
	return rv;
}
