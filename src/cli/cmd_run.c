/*
 * segsync run, refresh and runs: starting runs as detached workers,
 * following their progress file, the history, cancel and resume.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/columns.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "data/rejects.h"
#include "data/segments.h"
#include "dest/dest.h"
#include "run/deliver.h"
#include "run/run.h"
#include "run/runrecord.h"
#include "run/runview.h"
#include "run/syncstate.h"
#include "secrets/identity.h"
#include "store/connection.h"
#include "store/connops.h"
#include "store/credstore.h"
#include "store/export.h"
#include "store/exportops.h"
#include "store/workspace.h"

#define FOLLOW_POLL_MS		200
#define FOLLOW_PLAIN_EVERY	5	/* seconds between lines off a tty */

static volatile sig_atomic_t	follow_stop;
static volatile sig_atomic_t	refresh_signal;

static void
on_follow_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

static enum exit_status
status_exit(const struct run *r)
{
	switch (r->status) {
	case RUN_SUCCEEDED:
		return EXIT_OK;
	case RUN_FAILED:
		if (r->fault == RUN_FAULT_AUTH)
			return EXIT_AUTH;
		if (r->fault == RUN_FAULT_CONFIG)
			return EXIT_CONFIG;
		return EXIT_FAIL;
	default:
		return EXIT_FAIL;
	}
}

/* The seconds a run took, or has taken so far. */
static long
run_elapsed(const struct run *r)
{
	return runview_record_elapsed(r, time(NULL));
}

/*
 * What the run did against the export's sync state: the profiles it did
 * not send because the target has them as they are, the removals, the
 * guard that stopped it and what it said of the state.
 */
static void
print_sync(const struct run *r, const char *lead)
{
	if (r->mode == NULL)
		return;		/* a run from before sync states */
	if (r->baseline)
		printf(_("%sfirst run of the export (%s): a baseline, nothing "
		    "removed\n"), lead, cli_str(r->mode));
	else
		printf(_("%s%s: %'llu new, %'llu changed, %'llu retried, "
		    "%'llu unchanged (not sent), %'llu removed\n"), lead,
		    cli_str(r->mode), (unsigned long long)r->counts.fresh,
		    (unsigned long long)r->counts.changed,
		    (unsigned long long)r->counts.retried,
		    (unsigned long long)r->counts.unchanged,
		    (unsigned long long)r->removed);
	if (r->guard != DELIVER_GUARD_NONE)
		printf(_("%sstopped by a guard before anything was sent; "
		    "'segsync run EXPORT --force' goes ahead\n"), lead);
	if (r->state_note != NULL)
		printf("%s%s\n", lead, cli_str(r->state_note));
}

/*
 * "1 request", "2 requests": fmt is ngettext's choice for n (written out
 * at each call, where xgettext finds both forms).
 */
static char *
count_phrase(const char *fmt, uint64_t n)
{
	return xasprintf(fmt, (unsigned long long)n);
}

/* A run's counts in words, each with its plural, malloc'd. */
static char *
counts_phrase(const struct deliver_counts *c)
{
	char	*p[6], *out;
	size_t	 i;

	/* TRANSLATORS: each count of a run, joined by ", " below. */
	p[0] = count_phrase(ngettext("%'llu read", "%'llu read", c->read),
	    c->read);
	p[1] = count_phrase(ngettext("%'llu duplicate", "%'llu duplicates",
	    c->duplicates), c->duplicates);
	p[2] = count_phrase(ngettext("%'llu rejected", "%'llu rejected",
	    c->rejected), c->rejected);
	p[3] = count_phrase(ngettext("%'llu sent", "%'llu sent", c->sent),
	    c->sent);
	p[4] = count_phrase(ngettext("%'llu accepted", "%'llu accepted",
	    c->accepted), c->accepted);
	p[5] = count_phrase(ngettext("%'llu warning", "%'llu warnings",
	    c->warnings), c->warnings);
	out = xasprintf(_("%1$s, %2$s, %3$s, %4$s, %5$s, %6$s"), p[0], p[1],
	    p[2], p[3], p[4], p[5]);
	for (i = 0; i < 6; i++)
		free(p[i]);
	return out;
}

/* Error i of r, indented, with its attempt once the run was resumed. */
static void
print_error_line(const struct run *r, size_t i)
{
	char	*t = run_error_text(r, i);

	printf("  %s\n", cli_str(t));
	free(t);
}

/*
 * The rejected share in percent ("12%", "0.4%": never "0%" when some
 * were), into buf.
 */
static const char *
share_text(const struct run *r, char *buf, size_t size)
{
	double	p = run_rejected_share(r) * 100;

	/* Never "0%" when some were, nor "100%" when some were not. */
	if (p < 1 && r->counts.rejected > 0)
		snprintf(buf, size, "%.1f%%", p < 0.1 ? 0.1 : p);
	else if (p > 99 && p < 100)
		snprintf(buf, size, "%.1f%%", p > 99.9 ? 99.9 : p);
	else
		snprintf(buf, size, "%.0f%%", p);
	return buf;
}

/* The one-line summary printed when a run ends. */
static void
print_outcome(const struct workspace *ws, const struct run *r)
{
	char	dur[32], pct[16], *rej, *t, *q;
	size_t	i;

	runview_duration(run_elapsed(r), dur, sizeof dur);
	switch (r->status) {
	case RUN_SUCCEEDED:
		if (run_succeeded_with_rejects(r))
			printf(ngettext("Run %1$s succeeded in %2$s with "
			    "%3$'llu rejected (%4$s of the profiles).\n",
			    "Run %1$s succeeded in %2$s with %3$'llu rejected "
			    "(%4$s of the profiles).\n", r->counts.rejected),
			    cli_str(r->id), dur,
			    (unsigned long long)r->counts.rejected,
			    share_text(r, pct, sizeof pct));
		else
			printf(_("Run %s succeeded in %s.\n"), cli_str(r->id),
			    dur);
		break;
	case RUN_CANCELLED:
		printf(_("Run %s was cancelled after %s.\n"), cli_str(r->id),
		    dur);
		break;
	case RUN_INTERRUPTED:
		/* A worker that could not write its end says nothing. */
		if (run_disk_full(ws))
			printf(_("Run %1$s was interrupted after %2$s, and the "
			    "disk holding the workspace is full, which may be "
			    "why: free space, then 'segsync run --resume "
			    "%1$s'.\n"), cli_str(r->id), dur);
		else
			printf(_("Run %s was interrupted (its worker stopped); "
			    "resume it with 'segsync run --resume %s'.\n"),
			    cli_str(r->id), cli_str(r->id));
		break;
	case RUN_FAILED:
		printf(_("Run %s failed after %s.\n"), cli_str(r->id), dur);
		break;
	case RUN_RUNNING:
		break;
	}
	t = counts_phrase(&r->counts);
	q = count_phrase(ngettext("%'llu request", "%'llu requests",
	    r->requests), r->requests);
	/* TRANSLATORS: the counts, then the requests ("1 request"). */
	printf(_("  %1$s; %2$s.\n"), t, q);
	free(t);
	free(q);
	print_sync(r, "  ");
	for (i = 0; i < r->nerrors; i++)
		print_error_line(r, i);
	if (r->counts.rejected > 0) {
		rej = run_file(ws, r->id, "rejects.csv");
		printf(_("  Rejected records, with the reason for each: %s\n"),
		    cli_str(rej));
		free(rej);
	}
	if (r->status == RUN_FAILED || r->status == RUN_CANCELLED)
		printf(_("  'segsync run --resume %s' sends what is left.\n"),
		    cli_str(r->id));
}

static int
term_width(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}


/* The live line on a terminal: phase, bar, counts, rate, ETA. */
static void
print_bar(const struct run *r, double rate)
{
	char		 line[512], bar[64], eta[32];
	double		 frac = runview_fraction(r);
	long		 left = runview_remaining(r, rate);
	int		 width = term_width(), barw, i, n;

	barw = width >= 100 ? 30 : 16;
	n = (int)(frac * barw);
	for (i = 0; i < barw; i++)
		bar[i] = i < n ? '#' : '.';
	bar[barw] = '\0';
	if (left >= 0)
		runview_duration(left, eta, sizeof eta);
	else
		snprintf(eta, sizeof eta, "-");
	snprintf(line, sizeof line, _("%-10s [%s] %3d%%  %'llu accepted  "
	    "%'llu rejected  %'.0f/s  ETA %s"), run_phase_label(r->phase), bar,
	    (int)(frac * 100), (unsigned long long)r->counts.accepted,
	    (unsigned long long)r->counts.rejected, rate, eta);
	if ((int)strlen(line) >= width)
		line[width - 1] = '\0';
	printf("\r\033[K%s", line);
	fflush(stdout);
}

static void
print_plain(const struct run *r, double rate)
{
	char	dur[32];

	runview_duration(run_elapsed(r), dur, sizeof dur);
	if (r->phase == DELIVER_PHASE_CONFIRM && r->jobs > 0) {
		printf(_("[%s] confirming: %'llu of %'llu import processes "
		    "pending, %'llu accepted, %'llu rejected\n"), dur,
		    (unsigned long long)r->jobs_pending,
		    (unsigned long long)r->jobs,
		    (unsigned long long)r->counts.accepted,
		    (unsigned long long)r->counts.rejected);
		fflush(stdout);
		return;
	}
	printf(_("[%s] %s: %'llu of %'llu read, %'llu accepted, %'llu "
	    "rejected, %'llu duplicates, %'.0f profiles/s\n"), dur,
	    run_phase_label(r->phase), (unsigned long long)r->counts.read,
	    (unsigned long long)r->total_rows,
	    (unsigned long long)r->counts.accepted,
	    (unsigned long long)r->counts.rejected,
	    (unsigned long long)r->counts.duplicates, rate);
	fflush(stdout);
}

/*
 * The worker of a run being followed, through a pidfd: its exit wakes the
 * follower at once, whether it wrote its end or died without a word (the
 * record then reads as interrupted), instead of at the next look.
 */
struct worker {
	int	fd;	/* pidfd, or -1 */
	long	pid;	/* whose */
};

static void
worker_close(struct worker *w)
{
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
	w->pid = 0;
}

/*
 * Wait up to ms, or until worker pid (the record's; a resume changes it)
 * exits; without pidfds (Linux before 5.3) or a pid, just wait.
 */
static void
worker_wait(struct worker *w, long pid, int ms)
{
	struct pollfd	pfd;

	if (pid != w->pid) {
		worker_close(w);
		w->pid = pid;
#ifdef SYS_pidfd_open
		if (pid > 0)
			w->fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
#endif
	}
	pfd.fd = w->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, w->fd != -1 ? 1 : 0, ms) == 1 &&
	    (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
		/* Exited: the next look finds its end. */
		close(w->fd);
		w->fd = -1;
	}
}

/*
 * Follow a run's record until it ends; Ctrl-C stops following, not the
 * run. Returns the exit status for the run's outcome.
 */
static enum exit_status
follow(const struct workspace *ws, const char *id)
{
	struct sigaction	 sa, old_int, old_term;
	struct runview		*rv = runview_new(id);
	const struct run	*r;
	struct worker		 worker = { -1, 0 };
	int			 tty = isatty(STDOUT_FILENO), shown = 0, i;
	time_t			 last_plain = 0;
	enum exit_status	 rc = EXIT_FAIL;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_follow_signal;
	sigemptyset(&sa.sa_mask);
	follow_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (;;) {
		if (runview_poll(rv, ws, util_mono_ms()) == -1) {
			if (tty && shown)
				putchar('\n');
			cli_error("%s", rv->error);
			break;
		}
		r = rv->run;
		if (r->status != RUN_RUNNING) {
			/*
			 * The record is final; let the worker finish exiting
			 * (up to 5 s), so that whatever comes next (another
			 * run, a script) sees its locks free.
			 */
			for (i = 0; i < 50 && run_alive(ws, id); i++)
				worker_wait(&worker, r->pid, FOLLOW_POLL_MS);
			if (tty && shown)
				printf("\r\033[K");
			print_outcome(ws, r);
			rc = status_exit(r);
			break;
		}
		if (follow_stop) {
			if (tty && shown)
				putchar('\n');
			printf(_("Stopped watching; run %s goes on. Watch it "
			    "again with 'segsync runs watch %s', stop it with "
			    "'segsync runs cancel %s'.\n"), id, id, id);
			rc = EXIT_OK;
			break;
		}
		if (tty) {
			print_bar(r, rv->rate.rate);
			shown = 1;
		} else if (time(NULL) - last_plain >= FOLLOW_PLAIN_EVERY) {
			if (last_plain != 0)
				print_plain(r, rv->rate.rate);
			last_plain = time(NULL);
		}
		worker_wait(&worker, r->pid, FOLLOW_POLL_MS);
	}
	worker_close(&worker);
	runview_free(&rv);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}

/* The data folder's segments; prints on failure. */
static struct segment_list *
load_segments(const struct workspace *ws)
{
	struct segment_list	*segs = NULL;
	char			*cause = NULL;

	if (workspace_segments(ws, &segs, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
	}
	return segs;
}

/* "a.csv line 4" examples kept per reason in a dry run. */
#define DRY_EXAMPLES	3

struct dry_reason {
	char			*reason;
	unsigned long long	 count;
	char			*examples[DRY_EXAMPLES];
	size_t			 nexamples;
};

/* A rejects CSV read back (segment,line,identifier,reason), by reason. */
static void
dry_reasons(const char *path, struct dry_reason **rp, size_t *np)
{
	FILE			*f = fopen(path, "r");
	struct dry_reason	*v = NULL, *d;
	char			*line = NULL, *seg, *ln, *reason, *p;
	size_t			 cap = 0, n = 0, i;

	*rp = NULL;
	*np = 0;
	if (f == NULL)
		return;
	if (getline(&line, &cap, f) == -1) {	/* the header */
		fclose(f);
		free(line);
		return;
	}
	while (getline(&line, &cap, f) != -1) {
		line[strcspn(line, "\r\n")] = '\0';
		/* The reason is the last field; quoted when it has a comma. */
		p = strrchr(line, ',');
		if (line[0] == '\0' || p == NULL)
			continue;
		if (p[1] == '"' || line[strlen(line) - 1] == '"') {
			reason = strstr(line, ",\"");
			while (reason != NULL && strstr(reason + 1, ",\"") !=
			    NULL)
				reason = strstr(reason + 1, ",\"");
			reason = reason != NULL ? reason + 2 : p + 1;
			if (reason[0] != '\0' &&
			    reason[strlen(reason) - 1] == '"')
				reason[strlen(reason) - 1] = '\0';
		} else
			reason = p + 1;
		seg = line;
		ln = strchr(line, ',');
		if (ln == NULL)
			continue;
		*ln++ = '\0';
		ln[strcspn(ln, ",")] = '\0';
		for (i = 0; i < n; i++)
			if (strcmp(v[i].reason, reason) == 0)
				break;
		if (i == n) {
			v = xreallocarray(v, n + 1, sizeof *v);
			memset(&v[n], 0, sizeof v[n]);
			v[n].reason = xstrdup(reason);
			n++;
		}
		d = &v[i];
		d->count++;
		if (d->nexamples < DRY_EXAMPLES)
			d->examples[d->nexamples++] = xasprintf(_("%s line "
			    "%s"), seg, ln);
	}
	free(line);
	fclose(f);
	*rp = v;
	*np = n;
}

/*
 * run --full, --force, --allow-empty: what a run, and so its dry run, is
 * planned with (data-rules.md "Keeping a destination in step").
 */
struct run_sync_opts {
	int	full;
	int	force;
	int	allow_empty;
};

/*
 * The dry run's tables: the segment's name in 24 columns, then numbers in
 * columns as wide as their heading, at least 10 (translated headings are
 * longer, and accented: measured in columns). w receives the widths.
 */
#define DRY_COLS	6

static void
dry_heading(int w[DRY_COLS], const char *first, const char *const *heads)
{
	size_t	i;

	columns_pad(stdout, first, 24, 0);
	for (i = 0; i < DRY_COLS && heads[i] != NULL; i++) {
		w[i] = columns_width(heads[i]);
		if (w[i] < 10)
			w[i] = 10;
		putchar(' ');
		columns_pad(stdout, heads[i], w[i], 1);
	}
	putchar('\n');
}

static void
dry_row(const int w[DRY_COLS], const char *name, const uint64_t *v,
    size_t n)
{
	size_t	i;

	columns_pad(stdout, name, 24, 0);
	for (i = 0; i < n && i < DRY_COLS; i++)
		printf(" %*llu", w[i], (unsigned long long)v[i]);
	putchar('\n');
}

/*
 * What a dry run found against the sync state: per segment, the profiles
 * new to the target, changed, retried and unchanged; the removals; the
 * guard that would stop the run.
 */
static void
dry_sync(const struct export *x, const struct deliver_stats *st, int synced)
{
	size_t	i;
	int	w[DRY_COLS];

	if (!synced || st->baseline) {
		printf(_("No sync state yet: this first run is a baseline, "
		    "which sends every valid profile and removes nothing.\n"
		    "\n"));
		return;
	}
	/* TRANSLATORS: column headings of 'run --dry-run', second table. */
	dry_heading(w, _("SEGMENT"), (const char *const []){ _("NEW"),
	    _("CHANGED"), _("RETRIED"), _("UNCHANGED"), NULL });
	for (i = 0; i <= x->nsegments; i++) {
		const struct deliver_counts *sc = i < x->nsegments ?
		    &st->segments[i] : &st->total;

		dry_row(w, i < x->nsegments ? cli_str(x->segments[i]) :
		    _("Total"), (const uint64_t []){ sc->fresh, sc->changed,
		    sc->retried, sc->unchanged }, 4);
	}
	putchar('\n');
	if (x->mode == EXPORT_MIRROR)
		printf(_("%'llu of the %'llu members the target holds from "
		    "this export left the segments and would be removed.\n"),
		    (unsigned long long)st->to_remove,
		    (unsigned long long)st->members);
	if (st->guard != DELIVER_GUARD_NONE && st->state_note != NULL)
		printf(_("The run would stop before sending anything: %s\n"),
		    st->state_note);
	else if (st->state_note != NULL)
		printf("%s\n", st->state_note);
	putchar('\n');
}

/*
 * --dry-run: everything but sending, and nothing saved. so: the options
 * a run started now would have, which its plan (unchanged profiles,
 * removals, guards) is made with, so the dry run's too.
 */
static enum exit_status
dry_run(struct cli_ctx *ctx, struct workspace *ws,
    const struct ws_member *me, const struct export *x,
    const struct connection *c, const struct dest_driver *d,
    const struct segment_list *segs, const struct run_sync_opts *so)
{
	struct connops_plan	 plan;
	const struct deliver_stats	*st;
	struct dry_reason	*reasons = NULL;
	struct identity		*ident = NULL;
	char			*cause = NULL;
	size_t			 i, j, nreasons = 0;
	int			 w[DRY_COLS];
	double			 secs;
	enum fail_kind		 kind;
	enum exit_status	 rc;

	memset(&plan, 0, sizeof plan);
	/* What cannot be planned is said before any unlocking. */
	if (connops_plan_check(x, d, segs, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_CONFIG;
	}
	if ((rc = cmd_unlock(ctx, ws, me, &ident)) != EXIT_OK)
		return rc;
	kind = connops_plan(ws, ident, &(struct connops_start){
	    .user = me->user, .conn = c, .export = x, .segs = segs,
	    .full = so->full, .force = so->force,
	    .allow_empty = so->allow_empty }, &plan, &cause);
	identity_free(&ident);
	if (kind != FAIL_NONE) {
		cli_error("%s", cause);
		rc = cli_fail_exit(kind);
		goto out;
	}
	st = &plan.stats;
	printf(_("Dry run of \"%s\" to the %s \"%s\": nothing was sent and "
	    "nothing was saved.\n"), cli_str(x->name), _(d->target.label),
	    cli_str(x->target));
	if (so->full || so->force || so->allow_empty)
		printf(_("Planned as a run with%s%s%s.\n"),
		    so->full ? " --full" : "", so->force ? " --force" : "",
		    so->allow_empty ? " --allow-empty" : "");
	putchar('\n');
	/* TRANSLATORS: column headings of 'run --dry-run'. */
	dry_heading(w, _("SEGMENT"), (const char *const []){ _("READ"),
	    _("DUPLICATES"), _("REJECTED"), _("TO SEND"), _("WARNINGS"),
	    NULL });
	for (i = 0; i <= x->nsegments; i++) {
		const struct deliver_counts *sc = i < x->nsegments ?
		    &st->segments[i] : &st->total;

		dry_row(w, i < x->nsegments ? cli_str(x->segments[i]) :
		    _("Total"), (const uint64_t []){ sc->read,
		    sc->duplicates, sc->rejected, sc->sent, sc->warnings }, 5);
	}
	putchar('\n');
	dry_sync(x, st, plan.synced);
	secs = d->limits.rate.limit > 0 ? (double)(st->requests +
	    st->remove_requests) * d->limits.rate.window_ms / 1000.0 /
	    d->limits.rate.limit : 0;
	printf(_("%'llu profiles in %'llu requests (up to %u profiles each); "
	    "%s allows %u requests per %g s, so sending takes at least "
	    "%.1f s.\n"), (unsigned long long)st->total.sent,
	    (unsigned long long)st->requests, plan.batch_size, d->label,
	    d->limits.rate.limit, d->limits.rate.window_ms / 1000.0, secs);
	if (st->remove_requests > 0)
		printf(_("The removals take %'llu more requests, counted in "
		    "that time.\n"), (unsigned long long)st->remove_requests);
	if (st->reject_note != NULL)
		printf(_("The run would fail: %s\n"), st->reject_note);
	dry_reasons(plan.rejects_path, &reasons, &nreasons);
	if (nreasons > 0)
		printf(_("\nRejected records by reason:\n"));
	for (i = 0; i < nreasons; i++) {
		printf("  %10llu  %s (", reasons[i].count,
		    cli_str(reasons[i].reason));
		for (j = 0; j < reasons[i].nexamples; j++) {
			printf("%s%s", j > 0 ? ", " : "",
			    cli_str(reasons[i].examples[j]));
			free(reasons[i].examples[j]);
		}
		printf("%s)\n", reasons[i].count > reasons[i].nexamples ?
		    ", ..." : "");
		free(reasons[i].reason);
	}
	free(reasons);
	rc = EXIT_OK;
out:
	free(cause);
	connops_plan_free(&plan);
	return rc;
}

/* Whether a member may see (and so watch, cancel, resume) a run. */
static int
run_visible(const struct ws_member *me, const struct connection_list *cl,
    const struct run *r)
{
	const struct connection	*c;

	c = connection_list_by_id(cl, r->connection_id);
	return me->role == WS_ROLE_ADMIN || (c != NULL && c->contributors);
}

/* Refuse a connection whose destination this build lacks; prints why. */
static int
known_driver(const struct dest_driver *d, const struct connection *c)
{
	/* A connection file naming a destination this build lacks. */
	if (d == NULL) {
		cli_error(_("the connection \"%s\" has the unknown type \"%s\""),
		    c->name, c->type);
		return 0;
	}
	return 1;
}

/* Start the run, then say so and follow it (unless --detach). */
static enum exit_status
start_and_follow(struct cli_ctx *ctx, struct workspace *ws,
    const struct ws_member *me, const struct connops_start *st)
{
	struct identity		*ident = NULL;
	char			*id = NULL, *cause = NULL;
	enum fail_kind		 kind;
	enum exit_status	 rc;

	rc = cmd_unlock(ctx, ws, me, &ident);
	if (rc != EXIT_OK)
		return rc;
	kind = connops_start(ws, ident, st, &id, NULL, &cause);
	identity_free(&ident);
	if (kind != FAIL_NONE) {
		cli_error("%s", cause);
		free(cause);
		return cli_fail_exit(kind);
	}
	if (cli_opt(ctx, "detach") != NULL) {
		printf(_("Run %s started; it goes on in the background.\n"
		    "Watch it with 'segsync runs watch %s', stop it with "
		    "'segsync runs cancel %s'.\n"), id, id, id);
		free(id);
		return EXIT_OK;
	}
	printf(_("Run %s started (Ctrl-C stops watching, not the run).\n"),
	    id);
	fflush(stdout);
	rc = follow(ws, id);
	free(id);
	return rc;
}

static enum exit_status
cmd_run_resume(struct cli_ctx *ctx, struct workspace *ws,
    const struct ws_member *me, const struct connection_list *cl,
    const char *id)
{
	struct run		*probe = NULL;
	const struct connection	*c;
	char			*cause = NULL;
	enum exit_status	 rc;

	if (run_load(ws, id, &probe, &cause) != 0) {
		cli_error("%s", cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (!run_visible(me, cl, probe)) {
		cli_error(_("there is no run %s ('segsync runs' lists them)"),
		    id);
		rc = EXIT_CONFIG;
		goto out;
	}
	c = connection_list_by_id(cl, probe->connection_id);
	if (c == NULL) {
		cli_error(_("run %s went through the connection \"%s\", which "
		    "was removed; it cannot be resumed"), id,
		    probe->connection_name);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (!known_driver(dest_find(c->type), c)) {
		rc = EXIT_FAIL;
		goto out;
	}
	rc = start_and_follow(ctx, ws, me, &(struct connops_start){
	    .user = me->user, .conn = c, .resume = id });
out:
	free(cause);
	run_free(&probe);
	return rc;
}

enum exit_status
cmd_run(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	struct connection_list		 cl;
	struct export_list		 xl;
	struct segment_list		*segs = NULL;
	const struct export		*x;
	const struct connection		*c;
	const struct dest_driver	*d;
	const char			*resume = cli_opt(ctx, "resume");
	struct run_sync_opts		 so;
	char				*cause = NULL;
	enum exit_status		 rc;

	if ((resume == NULL) == (ctx->nargs == 0)) {
		cli_error("%s", resume == NULL ?
		    _("which export? 'segsync run EXPORT', or 'segsync run "
		    "--resume RUN_ID'") :
		    _("give either an export or --resume RUN_ID, not both"));
		return EXIT_USAGE;
	}
	if (resume != NULL && cli_opt(ctx, "dry-run") != NULL) {
		cli_error("%s", _("--dry-run starts nothing, so it cannot "
		    "resume a run"));
		return EXIT_USAGE;
	}
	so.full = cli_flag(ctx, "full");
	so.force = cli_flag(ctx, "force");
	so.allow_empty = cli_flag(ctx, "allow-empty");
	/* The journal and the plan were made with the first start's. */
	if (resume != NULL && (so.full || so.force || so.allow_empty)) {
		cli_error(_("--%s cannot be given with --resume: a resumed run "
		    "keeps the options it was started with; start a new run "
		    "with 'segsync run EXPORT --%s' instead"),
		    so.full ? "full" : so.force ? "force" : "allow-empty",
		    so.full ? "full" : so.force ? "force" : "allow-empty");
		return EXIT_USAGE;
	}
	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	if (resume != NULL) {
		rc = cmd_run_resume(ctx, ws, me, &cl, resume);
		goto out;
	}
	x = export_list_find(&xl, ctx->args[0]);
	if (x == NULL || !cmd_export_visible(me, &cl, x)) {
		cli_error(_("there is no export named \"%s\" ('segsync export "
		    "list' lists them)"), ctx->args[0]);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (connops_export_runnable(x, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	c = connection_list_by_id(&cl, x->connection);
	if (c == NULL) {
		cli_error(_("the export \"%s\" goes through a connection that "
		    "was removed; attach it to another one with 'segsync "
		    "export edit \"%s\" --connection CONN'"), x->name,
		    x->name);
		rc = EXIT_CONFIG;
		goto out;
	}
	d = dest_find(c->type);
	if (!known_driver(d, c)) {
		rc = EXIT_FAIL;
		goto out;
	}
	if ((segs = load_segments(ws)) == NULL) {
		rc = EXIT_CONFIG;
		goto out;
	}
	if (cli_opt(ctx, "dry-run") != NULL) {
		rc = dry_run(ctx, ws, me, x, c, d, segs, &so);
		goto out;
	}
	rc = start_and_follow(ctx, ws, me, &(struct connops_start){
	    .user = me->user, .conn = c, .export = x, .segs = segs,
	    .full = so.full, .force = so.force,
	    .allow_empty = so.allow_empty });
out:
	segments_free(&segs);
	cmd_close(&ws, &cl, &xl);
	return rc;
}

static void
on_refresh_signal(int sig)
{
	refresh_signal = sig;
}

/*
 * The time refresh goes by: now, or for the tests of schedules the seconds
 * since the epoch in SEGSYNC_TEST_NOW (nothing else reads it).
 */
static time_t
refresh_now(void)
{
	const char	*v = getenv("SEGSYNC_TEST_NOW");
	char		*end;
	long long	 t;

	if (v != NULL && *v != '\0') {
		t = strtoll(v, &end, 10);
		if (*end == '\0' && t > 0)
			return (time_t)t;
	}
	return time(NULL);
}

enum exit_status
cmd_refresh(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	struct connection_list		 cl;
	struct export_list		 xl;
	struct segment_list		*segs = NULL;
	struct connops_start		 st;
	struct run			*r;
	struct sigaction		 sa;
	const struct export		*x;
	const struct connection		*c;
	const struct dest_driver	*d;
	struct identity			*ident = NULL;
	enum fail_kind			 kind;
	char				*cause = NULL, *id;
	size_t				 i, due = 0, ok = 0, failed = 0;
	size_t				 skipped = 0;
	pid_t				 pid;
	struct ws_member		 self;
	time_t				 now;
	int				 status;
	enum exit_status		 rc, worst = EXIT_OK;
	enum exit_status		 unlock_rc = EXIT_OK;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	/*
	 * Starting a run takes the workspace lock, which reads the members
	 * again: *me does not outlive the first run, so keep what we need.
	 */
	memset(&self, 0, sizeof self);
	self.user = xstrdup(me->user);
	self.uid = me->uid;
	self.role = me->role;
	now = refresh_now();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_refresh_signal;
	sigemptyset(&sa.sa_mask);
	refresh_signal = 0;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	for (i = 0; i < xl.n && refresh_signal == 0; i++) {
		x = xl.items[i];
		if (!x->scheduled || !cmd_export_visible(&self, &cl, x))
			continue;
		if (x->detached) {
			printf(_("%s: detached, not run\n"), cli_str(x->name));
			continue;
		}
		if (!schedule_due(&x->schedule, exportops_schedule_since(ws,
		    x), now)) {
			char	when[UTIL_RFC3339_LEN];

			util_rfc3339(schedule_next(&x->schedule, now), when);
			printf(_("%1$s: not due, next at %2$s\n"),
			    cli_str(x->name), when);
			continue;
		}
		due++;
		c = connection_list_by_id(&cl, x->connection);
		d = c != NULL ? dest_find(c->type) : NULL;
		if (c == NULL || !known_driver(d, c)) {
			if (c == NULL)
				cli_error(_("%s: its connection was removed"),
				    x->name);
			failed++;
			worst = EXIT_FAIL;
			continue;
		}
		if (segs == NULL && (segs = load_segments(ws)) == NULL) {
			rc = EXIT_CONFIG;
			goto out;
		}
		/*
		 * Unlock once first: without a usable key nothing can run,
		 * and cron should hear it once, at once. Every run then
		 * starts with that identity.
		 */
		if (ident == NULL && unlock_rc == EXIT_OK) {
			unlock_rc = cmd_unlock(ctx, ws, me, &ident);
			if (unlock_rc != EXIT_OK && due == 1) {
				rc = unlock_rc;
				goto out;
			}
		}
		if (ident == NULL) {
			/* Asked once: a second prompt would not do better. */
			failed++;
			worst = unlock_rc;
			continue;
		}
		memset(&st, 0, sizeof st);
		st.user = self.user;
		st.conn = c;
		st.export = x;
		st.segs = segs;
		st.scheduled = 1;
		kind = connops_start(ws, ident, &st, &id, &pid, &cause);
		/* Started: this slot is taken, whatever the run's outcome. */
		if (kind == FAIL_NONE && x->schedule.kind >= SCHEDULE_HOURLY &&
		    exportops_schedule_mark(ws, x, now, &cause) != 0) {
			cli_warn("%s: %s", x->name, cause);
			xfree(&cause);
		}
		if (kind == FAIL_BUSY) {
			printf(_("%s: skipped, %s\n"), cli_str(x->name),
			    cli_str(cause));
			xfree(&cause);
			skipped++;
			continue;
		}
		if (kind != FAIL_NONE) {
			/* A refused record names its connection already. */
			if (kind == FAIL_DENIED)
				cli_error("%s", cause);
			else
				cli_error("%s: %s", x->name, cause);
			xfree(&cause);
			failed++;
			worst = cli_fail_exit(kind);
			continue;
		}
		/* Pass a stop request on to the worker, then wait for it. */
		while (waitpid(pid, &status, 0) == -1) {
			if (errno != EINTR)
				break;
			if (refresh_signal != 0)
				(void)kill(pid, SIGTERM);
		}
		r = NULL;
		if (run_load(ws, id, &r, &cause) != 0) {
			cli_error("%s: %s", x->name, cause);
			xfree(&cause);
			failed++;
			worst = EXIT_FAIL;
		} else {
			printf(_("%s: %s, run %s: %'llu read, %'llu accepted, "
			    "%'llu rejected, %'llu duplicates.\n"),
			    cli_str(x->name), run_status_label(r->status),
			    cli_str(r->id),
			    (unsigned long long)r->counts.read,
			    (unsigned long long)r->counts.accepted,
			    (unsigned long long)r->counts.rejected,
			    (unsigned long long)r->counts.duplicates);
			if (r->nerrors > 0)
				print_error_line(r, r->nerrors - 1);
			if (r->status == RUN_SUCCEEDED)
				ok++;
			else {
				failed++;
				if (worst == EXIT_OK)
					worst = status_exit(r);
			}
		}
		run_free(&r);
		free(id);
	}
	if (due == 0)
		printf(_("No export is marked --scheduled: nothing to do.\n"));
	else
		printf(_("Refresh: %zu scheduled, %zu succeeded, %zu failed, "
		    "%zu skipped (already running).\n"), due, ok, failed,
		    skipped);
	rc = refresh_signal != 0 && worst == EXIT_OK ? EXIT_FAIL : worst;
out:
	free(self.user);
	identity_free(&ident);
	segments_free(&segs);
	cmd_close(&ws, &cl, &xl);
	return rc;
}

/*
 * The table of 'runs': each text column as wide as its widest cell or
 * heading (measured in columns, translated headings too), names wider
 * than the cap shortened in the middle; the run ID, which commands take,
 * is never shortened.
 */
enum runs_col { RC_ID, RC_EXPORT, RC_TO, RC_STATUS, RC_BY, RC_STARTED,
	RC_DURATION, RC_ACCEPTED, RC_REJECTED, RC_N };

static void
runs_table(struct run *const *runs, size_t n)
{
	/* TRANSLATORS: column headings of 'runs'. */
	const char	*head[RC_N] = { _("ID"), _("EXPORT"), _("TO"),
	    _("STATUS"), _("BY"), _("STARTED"), _("DURATION"), _("ACCEPTED"),
	    _("REJECTED") };
	static const int cap[RC_N] = { 0, 32, 24, 0, 16, 0, 0, 0, 0 };
	char		**cell, dur[32];
	int		 w[RC_N], c, cw;
	size_t		 i;

	cell = xcalloc(n * RC_N + 1, sizeof *cell);
	for (c = 0; c < RC_N; c++)
		w[c] = columns_width(head[c]);
	for (i = 0; i < n; i++) {
		const struct run	*r = runs[i];
		char			**row = cell + i * RC_N;

		runview_duration(run_elapsed(r), dur, sizeof dur);
		row[RC_ID] = xstrdup(cli_str(r->id));
		row[RC_EXPORT] = xstrdup(cli_str(r->export_name));
		row[RC_TO] = xstrdup(cli_str(r->destination));
		row[RC_STATUS] = run_status_text(r);
		row[RC_BY] = xstrdup(cli_str(r->started_by));
		row[RC_STARTED] = xstrndup(cli_str(r->started_at), 16);
		row[RC_DURATION] = xstrdup(dur);
		row[RC_ACCEPTED] = xasprintf("%llu",
		    (unsigned long long)r->counts.accepted);
		row[RC_REJECTED] = xasprintf("%llu",
		    (unsigned long long)r->counts.rejected);
		for (c = 0; c < RC_N; c++) {
			cw = columns_width(row[c]);
			if (cap[c] > 0 && cw > cap[c])
				cw = cap[c];
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (c = 0; c < RC_N; c++) {
		columns_pad(stdout, head[c], w[c], c >= RC_DURATION);
		putchar(c == RC_N - 1 ? '\n' : ' ');
	}
	for (i = 0; i < n; i++)
		for (c = 0; c < RC_N; c++) {
			columns_cell(stdout, cell[i * RC_N + c], w[c],
			    c >= RC_DURATION);
			putchar(c == RC_N - 1 ? '\n' : ' ');
		}
	for (i = 0; i < n * RC_N; i++)
		free(cell[i]);
	free(cell);
}

enum exit_status
cmd_runs_list(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	struct connection_list		 cl;
	struct export_list		 xl;
	struct run			**runs = NULL, **shown;
	const struct export		*x;
	const char			*only = cli_opt(ctx, "export");
	char				*cause = NULL;
	size_t				 n = 0, i, nshown = 0;
	cJSON				*arr;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &cl, &xl);
	if (rc != EXIT_OK)
		return rc;
	x = only != NULL ? export_list_find(&xl, only) : NULL;
	if (run_list(ws, NULL, &runs, &n, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	arr = cJSON_CreateArray();
	shown = xcalloc(n + 1, sizeof *shown);
	for (i = 0; i < n; i++) {
		if (!run_visible(me, &cl, runs[i]))
			continue;
		/* By name: runs of a removed export can still be listed. */
		if (only != NULL && !util_same_name(runs[i]->export_name, only) &&
		    (x == NULL || strcmp(runs[i]->export_id, x->id) != 0))
			continue;
		if (ctx->json)
			cJSON_AddItemToArray(arr, run_to_json(ws, runs[i], 0));
		else
			shown[nshown++] = runs[i];
	}
	if (!ctx->json)
		runs_table(shown, nshown);
	free(shown);
	if (ctx->json)
		cli_print_json(arr);
	else
		cJSON_Delete(arr);
out:
	run_list_free(&runs, n);
	cmd_close(&ws, &cl, &xl);
	return rc;
}

/* Load a run the member may see; prints why not. */
static enum exit_status
load_visible(struct cli_ctx *ctx, struct workspace **wsp,
    const struct ws_member **mep, struct run **rp)
{
	struct connection_list	 cl;
	char			*cause = NULL;
	enum exit_status	 rc;

	*rp = NULL;
	rc = cmd_open(ctx, wsp, mep, &cl, NULL);
	if (rc != EXIT_OK)
		return rc;
	if (run_load(*wsp, ctx->args[0], rp, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
	} else if (!run_visible(*mep, &cl, *rp)) {
		run_free(rp);
		cli_error(_("there is no run %s ('segsync runs' lists them)"),
		    ctx->args[0]);
		rc = EXIT_CONFIG;
	}
	connection_list_free(&cl);
	return rc;
}

enum exit_status
cmd_runs_show(struct cli_ctx *ctx)
{
	struct workspace		*ws = NULL;
	const struct ws_member		*me;
	struct run			*r;
	char				 dur[32], *rej, *what, *t;
	size_t				 i;
	enum exit_status		 rc;

	rc = load_visible(ctx, &ws, &me, &r);
	if (rc != EXIT_OK) {
		workspace_free(&ws);
		return rc;
	}
	if (ctx->json) {
		cli_print_json(run_to_json(ws, r, 1));
		goto out;
	}
	runview_duration(run_elapsed(r), dur, sizeof dur);
	printf(_("Run:          %s\n"), cli_str(r->id));
	printf(_("Export:       %s\n"), cli_str(r->export_name));
	printf(_("Destination:  %s, connection \"%s\", target %s\n"),
	    cli_str(r->destination), cli_str(r->connection_name),
	    cli_str(r->target));
	t = run_status_text(r);
	printf(_("Status:       %s\n"), t);
	free(t);
	if (r->status == RUN_RUNNING)
		printf(_("Phase:        %s, %u requests in flight\n"),
		    run_phase_label(r->phase), r->in_flight);
	printf(_("Started:      %s by %s%s\n"), cli_str(r->started_at),
	    cli_str(r->started_by), r->scheduled ?
	    _(" (scheduled refresh)") : "");
	printf(_("Finished:     %s (%s)\n"), r->finished_at != NULL ?
	    cli_str(r->finished_at) : "-", dur);
	if (r->attempts > 1)
		printf(_("Attempts:     %u (resumed)\n"), r->attempts);
	t = counts_phrase(&r->counts);
	printf(_("Counts:       %s\n"), t);
	free(t);
	print_sync(r, _("Sync:         "));
	{
		char	*rt = count_phrase(ngettext("%'llu retry",
		    "%'llu retries", r->retries), r->retries);
		char	*th = count_phrase(ngettext("%'llu answered 429",
		    "%'llu answered 429", r->throttled), r->throttled);
		char	*wt = count_phrase(ngettext(
		    "%'llu wait for the rate limit",
		    "%'llu waits for the rate limit", r->rate_waits),
		    r->rate_waits);

		printf(_("Requests:     %1$'llu (%2$s, %3$s, %4$s)\n"),
		    (unsigned long long)r->requests, rt, th, wt);
		free(rt);
		free(th);
		free(wt);
	}
	printf(_("Resources:    %.2f CPU seconds, %ld KiB peak memory\n"),
	    r->cpu_seconds, r->peak_rss_kb);
	if (r->jobs > 0)
		printf(_("Confirmation: %'llu import processes, %'llu pending, "
		    "%'llu failed; %'llu profiles rejected by them%s%s\n"),
		    (unsigned long long)r->jobs,
		    (unsigned long long)r->jobs_pending,
		    (unsigned long long)r->jobs_failed,
		    (unsigned long long)r->confirm_rejected,
		    r->confirm_note != NULL ? "; " : "",
		    r->confirm_note != NULL ? cli_str(r->confirm_note) : "");
	printf(_("Segments:\n"));
	for (i = 0; i < r->nsegments; i++) {
		printf("  ");
		columns_pad(stdout, cli_str(r->segments[i].name), 24, 0);
		printf(_(" %'llu read, %'llu duplicates, %'llu rejected, "
		    "%'llu accepted\n"),
		    (unsigned long long)r->segments[i].counts.read,
		    (unsigned long long)r->segments[i].counts.duplicates,
		    (unsigned long long)r->segments[i].counts.rejected,
		    (unsigned long long)r->segments[i].counts.accepted);
	}
	if (r->nerrors > 0)
		printf(_("Errors:\n"));
	for (i = 0; i < r->nerrors; i++)
		print_error_line(r, i);
	rej = run_file(ws, r->id, "rejects.csv");
	printf(_("Rejects file: %s\n"), cli_str(rej));
	free(rej);
	printf(_("Timeline:\n"));
	for (i = 0; i < r->nevents; i++) {
		what = run_event_text(&r->events[i]);
		printf("  %s  %s\n", cli_str(r->events[i].at), cli_str(what));
		free(what);
	}
	if (r->status == RUN_INTERRUPTED || r->status == RUN_FAILED ||
	    r->status == RUN_CANCELLED)
		printf(_("Resume it with 'segsync run --resume %s'.\n"),
		    cli_str(r->id));
out:
	run_free(&r);
	workspace_free(&ws);
	return EXIT_OK;
}

enum exit_status
cmd_runs_watch(struct cli_ctx *ctx)
{
	struct workspace		*ws = NULL;
	const struct ws_member		*me;
	struct run			*r;
	enum exit_status		 rc;

	rc = load_visible(ctx, &ws, &me, &r);
	if (rc == EXIT_OK) {
		run_free(&r);
		rc = follow(ws, ctx->args[0]);
	}
	workspace_free(&ws);
	return rc;
}

enum exit_status
cmd_runs_cancel(struct cli_ctx *ctx)
{
	struct workspace		*ws = NULL;
	const struct ws_member		*me;
	struct run			*r;
	struct timespec			 nap = { 0, 100 * 1000000L };
	char				*cause = NULL;
	int				 i;
	enum exit_status		 rc;

	rc = load_visible(ctx, &ws, &me, &r);
	if (rc != EXIT_OK) {
		workspace_free(&ws);
		return rc;
	}
	run_free(&r);
	if (run_cancel(ws, ctx->args[0], me->user, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		workspace_free(&ws);
		return EXIT_FAIL;
	}
	/* The worker finishes or abandons its requests: wait a little. */
	for (i = 0; i < 300; i++) {
		if (run_load(ws, ctx->args[0], &r, &cause) != 0) {
			xfree(&cause);
			break;
		}
		if (r->status != RUN_RUNNING)
			break;
		run_free(&r);
		nanosleep(&nap, NULL);
	}
	if (r != NULL && r->status != RUN_RUNNING)
		printf(_("Run %s is %s: %'llu profiles had been accepted.\n"),
		    cli_str(r->id), run_status_label(r->status),
		    (unsigned long long)r->counts.accepted);
	else
		printf(_("Asked run %s to stop; it stops once its requests in "
		    "flight are answered.\n"), cli_str(ctx->args[0]));
	run_free(&r);
	workspace_free(&ws);
	return EXIT_OK;
}
