/* The terminal UI's application: startup, the model, helpers (app.h). */
#include "config.h"

#include <dirent.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "run/runrecord.h"
#include "screens/app.h"
#include "screens/app_main.h"
#include "screens/runshow.h"
#include "screens/screens.h"
#include "secrets/keyring.h"
#include "secrets/passphrase.h"
#include "store/connops.h"
#include "ui/text.h"
#include "ui/ui.h"

/* Columns the values of app_kv() keep, however wide the labels. */
#define APP_KV_MIN_VALUE	20

static int
id_newest_first(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/*
 * Which exports the member sees had their last run stopped by a guard,
 * and which succeeded with rejected profiles (Home says so): run ids
 * sort by start time, so the newest first, each export counted once, at
 * most a few hundred records read.
 */
static void
app_guarded(struct app *app, char **ids, size_t n)
{
	struct run	*r;
	char		*cause = NULL, **seen;
	size_t		 i, j, nseen = 0;

	app->nguarded = app->nrejecting = 0;
	xfree(&app->guarded_name);
	xfree(&app->rejecting_name);
	if (n > 0)
		qsort(ids, n, sizeof *ids, id_newest_first);
	seen = xcalloc(app->exports.n + 1, sizeof *seen);
	for (i = 0; i < n && i < 500 && nseen < app->exports.n; i++) {
		r = NULL;
		if (run_load(app->ws, ids[i], &r, &cause) != 0) {
			xfree(&cause);
			continue;
		}
		for (j = 0; j < nseen && strcmp(seen[j], r->export_id) != 0;
		    j++)
			;
		if (j == nseen && export_list_by_id(&app->exports,
		    r->export_id) != NULL && app_run_visible(app, r)) {
			seen[nseen++] = xstrdup(r->export_id);
			if (app_run_guarded(r) && app->nguarded++ == 0)
				app->guarded_name = xstrdup(r->export_name);
			if (run_succeeded_with_rejects(r) &&
			    app->nrejecting++ == 0) {
				app->rejecting_name = xstrdup(r->export_name);
				app->rejecting_count = r->counts.rejected;
			}
		}
		run_free(&r);
	}
	for (j = 0; j < nseen; j++)
		free(seen[j]);
	free(seen);
}

size_t
app_running_now(struct app *app)
{
	struct dirent	*de;
	DIR		*d;
	char		*runs = workspace_path(app->ws, "runs");
	size_t		 n = 0;

	if ((d = opendir(runs)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (run_id_valid(de->d_name) &&
			    run_alive(app->ws, de->d_name))
				n++;
		closedir(d);
	}
	free(runs);
	return app->nrunning = n;
}

int
app_reload(struct app *app)
{
	struct connection_list	 cl = { NULL, 0 };
	struct export_list	 xl = { NULL, 0 };
	struct segment_list	*segs = NULL;
	struct dirent		*de;
	DIR			*d;
	char			*cause = NULL, *runs, **ids = NULL;
	size_t			 i, nids = 0;

	if (workspace_current_member(app->ws, &app->me, &cause) == -1)
		goto fail;
	app->admin = app->me->role == WS_ROLE_ADMIN;
	if (connection_list_load(app->ws, &cl, &cause) == -1)
		goto fail;
	if (export_list_load(app->ws, &xl, &cause) == -1) {
		connection_list_free(&cl);
		goto fail;
	}
	connection_list_free(&app->conns);
	export_list_free(&app->exports);
	app->conns = cl;
	app->exports = xl;

	/* Segments: a folder that cannot be read is said, not fatal. */
	xfree(&app->segs_error);
	if (workspace_segments(app->ws, &segs, &cause) == -1)
		app->segs_error = cause;
	else {
		segments_free(&app->segs);
		app->segs = segs;
	}

	app->nruns = app->nrunning = 0;
	runs = workspace_path(app->ws, "runs");
	if ((d = opendir(runs)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (!run_id_valid(de->d_name))
				continue;
			if (app->nruns == nids) {
				nids = nids == 0 ? 64 : nids * 2;
				ids = xreallocarray(ids, nids, sizeof *ids);
			}
			ids[app->nruns++] = xstrdup(de->d_name);
			/* Wherever they were started: Home says so. */
			if (run_alive(app->ws, de->d_name))
				app->nrunning++;
		}
		closedir(d);
	}
	free(runs);
	app_guarded(app, ids, app->nruns);
	for (i = 0; i < app->nruns; i++)
		free(ids[i]);
	free(ids);
	return 0;
fail:
	if (app->ui != NULL)
		ui_message(app->ui, UI_MSG_ERROR, "%s", cause);
	free(cause);
	return -1;
}

struct connection *
app_conn(struct app *app, const char *id)
{
	return connection_list_by_id(&app->conns, id);
}

int
app_conn_usable(const struct app *app, const struct connection *c)
{
	return app->admin || c->contributors;
}

const struct dest_driver *
app_driver(const struct connection *c)
{
	return dest_find(c->type);
}

const char *
app_type_label(const char *type)
{
	const struct dest_driver	*d = dest_find(type);

	return d != NULL ? _(d->label) : type;
}

char *
app_dests_join(app_dest_clause_fn *each, const char *sep, const char *last)
{
	const struct dest_driver *const	*dp;
	char				*s = NULL, *prev = NULL, *clause, *t;

	/* Each clause waits for the next, to know which joint it takes. */
	for (dp = dest_all(); *dp != NULL; dp++) {
		if ((clause = each(*dp)) == NULL)
			continue;
		if (prev != NULL) {
			t = xasprintf("%s%s%s", s != NULL ? s : "", s != NULL ?
			    sep : "", prev);
			free(s);
			free(prev);
			s = t;
		}
		prev = clause;
	}
	if (prev == NULL)
		return s;
	t = xasprintf("%s%s%s", s != NULL ? s : "", s != NULL ? last : "",
	    prev);
	free(s);
	free(prev);
	return t;
}

const struct segment *
app_segment(const struct app *app, const char *name)
{
	return segments_find(app->segs, name);
}

size_t
app_conn_exports(const struct app *app, const char *id, char **names)
{
	char	*s;
	size_t	 n;

	s = connops_exports_of(&app->exports, id, &n);
	if (names != NULL)
		*names = s;
	else
		free(s);
	return n;
}

int
app_job_keys(struct app *app, struct workspace **ws, struct identity **id)
{
	char	*cause = NULL;

	*id = NULL;
	if (workspace_open(workspace_dir(app->ws), ws, &cause) == -1) {
		ui_message(app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		return -1;
	}
	*id = identity_dup(app->id);
	return 0;
}

const char *
app_date(const char *t)
{
	static char	 buf[64];
	const char	*lc = setlocale(LC_TIME, NULL);
	char		 fmt[32], *y;
	struct tm	 tm;

	if (t == NULL)
		return "-";
	/*
	 * The locale's date ("22/11/2026 18:19" in French), in UTC as the
	 * records are; under C or POSIX, and for anything unparsable, the
	 * record's own "2026-11-22 18:19".
	 */
	memset(&tm, 0, sizeof tm);
	if (lc != NULL && strcmp(lc, "C") != 0 && strcmp(lc, "POSIX") != 0 &&
	    strncmp(lc, "C.", 2) != 0 &&
	    sscanf(t, "%4d-%2d-%2dT%2d:%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min) == 5) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		/* The locale's order and separators; years in four digits. */
		snprintf(fmt, sizeof fmt, "%s %%H:%%M", nl_langinfo(D_FMT));
		if ((y = strstr(fmt, "%y")) != NULL)
			y[1] = 'Y';
		if (strftime(buf, sizeof buf, fmt, &tm) > 0)
			return buf;
	}
	snprintf(buf, sizeof buf, "%.*s %.5s", APP_RFC3339_DATE_LEN, t,
	    strlen(t) > APP_RFC3339_TIME ? t + APP_RFC3339_TIME : "");
	return buf;
}

char *
app_sentence(char *s)
{
	char	*t;
	size_t	 len = strlen(s);

	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
	if (len > 0 && s[len - 1] != '.' && s[len - 1] != '?' &&
	    s[len - 1] != '!') {
		t = xasprintf("%s.", s);
		free(s);
		s = t;
	}
	return s;
}

char *
app_kv(const char *const *kv, size_t n, int width)
{
	struct ui_line	*lines;
	char		*s = xstrdup(""), *t, *pad;
	size_t		 i, nl, k;
	int		 lw = 0, w;

	for (i = 0; i < n; i++) {
		w = ui_text_width(kv[2 * i]);
		if (w > lw)
			lw = w;
	}
	lw += 2;
	if (width - lw < APP_KV_MIN_VALUE)
		width = lw + APP_KV_MIN_VALUE;
	pad = xmalloc((size_t)lw + 1);
	memset(pad, ' ', (size_t)lw);
	pad[lw] = '\0';
	for (i = 0; i < n; i++) {
		nl = ui_text_wrap(kv[2 * i + 1], width - lw, NULL, 0);
		lines = xcalloc(nl + 1, sizeof *lines);
		ui_text_wrap(kv[2 * i + 1], width - lw, lines, nl);
		w = ui_text_width(kv[2 * i]);
		t = xasprintf("%s%s%s%s%.*s", s, i > 0 ? "\n" : "", kv[2 * i],
		    w > 0 ? ":" : " ", lw - w - 1, pad);
		free(s);
		s = t;
		for (k = 0; k < nl; k++) {
			t = xasprintf("%s%s%.*s", s, k > 0 ? pad : "",
			    (int)lines[k].len, kv[2 * i + 1] + lines[k].off);
			free(s);
			s = k + 1 < nl ? xasprintf("%s\n", t) : xstrdup(t);
			free(t);
		}
		free(lines);
	}
	free(pad);
	return s;
}

/* The title bar's right part: who, and which workspace. */
static void
app_status(struct app *app)
{
	char	*s;

	s = xasprintf(app->admin ? _("%s (administrator)") :
	    _("%s (contributor)"), app->user);
	ui_set_status(app->ui, s);
	free(s);
}

/*
 * The workspace's notes (notes.txt, a few lines an administrator leaves
 * for everyone: which account is which, where the keys are): on the
 * home screen and at the end of every help box.
 */
static void
app_notes(struct app *app)
{
	char	*path, *text = NULL, *cause = NULL;
	size_t	 len;

	path = workspace_path(app->ws, APP_NOTES_FILE);
	if (fileio_read(path, APP_NOTES_MAX, 1, &text, &len, &cause) == 0 &&
	    len > 0)
		app->notes = text;
	else
		free(text);
	free(cause);
	free(path);
	ui_set_notes(app->ui, app->notes);
}

static void
app_free(struct app *app)
{
	identity_free(&app->id);
	connection_list_free(&app->conns);
	export_list_free(&app->exports);
	segments_free(&app->segs);
	free(app->segs_error);
	free(app->guarded_name);
	free(app->rejecting_name);
	free(app->just_saved);
	free(app->run_offer);
	free(app->run_anyway);
	free(app->run_watch);
	free(app->run_resume);
	free(app->run_cancel);
	free(app->notes);
	free(app->user);
	workspace_free(&app->ws);
}

int
app_main(struct app_opts *ao, enum fail_kind *kind, char **cause)
{
	struct app		 app;
	struct ui_opts		 o;
	struct identity		*id = NULL;
	struct secret		*pass = NULL;
	struct ui_screen	*s;
	const char		*size;
	enum sec_status		 sst;
	int			 status;

	*cause = NULL;
	memset(&app, 0, sizeof app);
	memset(&o, 0, sizeof o);
	o.script = getenv("SEGSYNC_UI_SCRIPT");
	if (o.script != NULL && *o.script == '\0')
		o.script = NULL;
	o.dump_dir = getenv("SEGSYNC_UI_DUMP_DIR");
	size = getenv("SEGSYNC_UI_SIZE");
	if (size != NULL && sscanf(size, "%dx%d", &o.cols, &o.rows) != 2)
		o.cols = o.rows = 0;

	app.ws = ao->ws;
	app.me = ao->me;
	ao->ws = NULL;
	app.user = xstrdup(app.me->user);
	app.key_file = ao->key_file;
	app.passphrase_file = ao->passphrase_file;

	/*
	 * Before the screen opens, everything that can fail in words on the
	 * terminal: the identity file, and a passphrase file.
	 */
	sst = keyring_identity_load(app.ws, app.me, app.key_file, &id, cause);
	if (sst == SEC_OK && identity_locked(id) &&
	    app.passphrase_file != NULL)
		sst = passphrase_read_file(app.passphrase_file, &pass, cause);
	if (sst != SEC_OK) {
		identity_free(&id);
		app_free(&app);
		*kind = secstatus_kind(sst);
		return -1;
	}
	if (app_reload(&app) == -1) {
		app_free(&app);
		identity_free(&id);
		secret_free(&pass);
		*kind = FAIL_INVALID;
		return -1;
	}

	app.ui = ui_open(&o, cause);
	if (app.ui == NULL) {
		identity_free(&id);
		secret_free(&pass);
		app_free(&app);
		*kind = o.script != NULL ? FAIL_ERROR : FAIL_UNSUPPORTED;
		return -1;
	}
	app_status(&app);
	app_notes(&app);
	if (!identity_locked(id)) {
		app.id = id;
		ui_push(app.ui, home_new(&app));
	} else {
		s = unlock_new(&app, id);
		ui_push(app.ui, s);
		if (pass != NULL)
			unlock_submit(s, pass);
	}
	status = ui_run(app.ui);
	ui_close(&app.ui);
	app_free(&app);
	return status;
}
