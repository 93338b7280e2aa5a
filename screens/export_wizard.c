/*
 * The export wizard, the steps of shared/docs/product.md in order:
 * connection (grouped by destination, only those the member may use),
 * display name, destination target (checked at the destination, which
 * names what it found), data matching (the driver's slots; the segment
 * fields offered with sample values from their first rows), segments
 * (with member counts), the mode (data-rules.md "Keeping a destination
 * in step", with the mirror's maximum removal share), and Save with the
 * scheduled refresh switch.
 * Saving does not run the export, and the screen says so.
 *
 * Data matching comes before choosing segments, as documented, so it
 * offers the fields of every usable segment, saying in how many each is;
 * the segment step then marks the segments that lack a mapped field.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/normalize.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "screens/app.h"
#include "screens/nav.h"
#include "screens/runshow.h"
#include "screens/screens.h"
#include "store/connops.h"
#include "store/exportops.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"

#define XW_MAPS		32	/* slots and custom attributes */
#define XW_SAMPLES	3
#define XW_TARGET_CAP	255
#define XW_CONN_ROWS	12	/* connections shown at once */
#define XW_ADD_ROW	((void *)-1)	/* the "add an attribute" row */
#define XW_NONE_ROW	((void *)-2)	/* "not sent" in the picker */

enum xw_step {
	XW_CONN,
	XW_NAME,
	XW_TARGET,
	XW_MAP,
	XW_SEGS,
	XW_MODE,
	XW_SAVE,
	XW_NSTEPS
};

/* One line of the mapping: a destination field and its segment field. */
struct xw_map {
	char			*dest;		/* "email", "attr:city" */
	const struct dest_slot	*slot;		/* NULL for attributes */
	char			*field;		/* NULL: not sent */
};

/* A segment field, with where it is found and what it looks like. */
struct xw_field {
	char	*name;
	size_t	 nsegs;		/* usable segments that have it */
	char	*samples;	/* "a, b, c" from the first rows */
	size_t	 nvalues;	/* non-empty samples */
	size_t	 nemails;	/* of them, valid emails */
};

struct xw {
	struct ui_screen		 base;
	struct app			*app;
	enum xw_step			 step;
	char				*title;
	char				*heading;
	char				*text;
	char				*email_warned;	/* field warned of */
	/*
	 * The targets the connection can see (F4 on the target step), in
	 * tpick while the list is open.
	 */
	struct dest_pick		*picks;
	size_t				 npicks;
	int				 tpicking;
	struct ui_list			 tpick;	/* keys: the targets' ids */
	char				*text2;

	struct ui_form			 form;
	struct ui_buttons		 buttons;

	struct ui_list			 conns;		/* keys: ids */
	char				*conn_id;	/* chosen */
	const struct dest_driver	*d;

	struct ui_field			 name;
	struct ui_field			 target;
	char				*verified;	/* target checked */
	enum dest_outcome		 vo;
	char				*vmsg;
	char				*found;

	struct xw_field			*fields;
	size_t				 nfields;
	struct xw_map			 maps[XW_MAPS];
	size_t				 nmaps;
	struct ui_list			 maplist;
	int				 picking;	/* map row, or -1 */
	struct ui_list			 picklist;

	struct ui_list			 segs;
	struct ui_list			 modes;		/* keys: mode names */
	struct ui_field			 maxrm;		/* percent (mirror) */
	int				 scheduled;
	int				 touched;
	char				*help;		/* built for the step */
	/* Editing: the export as read (its copy's settings otherwise). */
	struct export			*edit;
	char				*copy_of;	/* copying: its name */
	char				*effect;	/* the summary's */
};

struct xw_job {
	struct xw			*w;
	struct workspace		*ws;	/* the credstore's own handle */
	struct identity			*id;
	const struct dest_driver	*d;
	struct connection		*c;
	struct secrecord			*rec;
	char				*target;
	enum dest_outcome		 o;
	char				*found;
	char				*message;
	struct dest_pick		*picks;
	size_t				 npicks;
};

static void	xw_build(struct xw *);

static struct connection *
xw_conn(struct xw *w)
{
	return w->conn_id != NULL ? app_conn(w->app, w->conn_id) : NULL;
}

/* Connections grouped by destination; empty groups are left out. */
static void
xw_fill_conns(struct xw *w)
{
	const struct dest_driver *const	*dp;
	struct connection		*c;
	const char			*cells[3];
	size_t				 i, n;

	ui_list_clear(&w->conns);
	for (dp = dest_all(); *dp != NULL; dp++) {
		/* An edit keeps the destination: its settings are its. */
		if (w->edit != NULL && w->d != NULL && *dp != w->d)
			continue;
		for (i = 0, n = 0; i < w->app->conns.n; i++) {
			c = w->app->conns.items[i];
			if (strcmp(c->type, (*dp)->id) != 0 ||
			    !app_conn_usable(w->app, c))
				continue;
			if (n++ == 0)
				ui_list_add_heading(&w->conns, _((*dp)->label));
			cells[0] = c->name;
			cells[1] = c->export_user != NULL ? _("has an export "
			    "user") : _("no export user");
			cells[2] = c->last_test_outcome == NULL ? _("never "
			    "tested") : strcmp(c->last_test_outcome, "ok") ==
			    0 ? _("works") : strcmp(c->last_test_outcome,
			    "warning") == 0 ? _("works, with a warning") :
			    _("last test failed");
			ui_list_add_key(&w->conns, cells, c->id);
		}
	}
	ui_list_select_key(&w->conns, w->conn_id);
}

/* "Snapchat, Sendinblue": destinations without a usable connection. */
static char *
xw_missing_types(struct xw *w)
{
	const struct dest_driver *const	*dp;
	char				*s = NULL, *t;
	size_t				 i;
	int				 found;

	for (dp = dest_all(); *dp != NULL; dp++) {
		for (i = 0, found = 0; i < w->app->conns.n; i++)
			if (strcmp(w->app->conns.items[i]->type,
			    (*dp)->id) == 0 && app_conn_usable(w->app,
			    w->app->conns.items[i]))
				found = 1;
		if (found)
			continue;
		t = xasprintf("%s%s%s", s != NULL ? s : "", s != NULL ? ", " :
		    "", _((*dp)->label));
		free(s);
		s = t;
	}
	return s;
}

/* Lower case letters and digits only: "First Name" -> "firstname". */
static void
squash(const char *in, char *out, size_t size)
{
	size_t	o = 0;

	for (; *in != '\0' && o + 1 < size; in++)
		if (isalnum((unsigned char)*in))
			out[o++] = (char)tolower((unsigned char)*in);
	out[o] = '\0';
}

/* One non-empty sample of f: whether it would be a valid email. */
static void
xw_count_sample(struct xw_field *f, const char *v)
{
	char	out[NORMALIZE_EMAIL_SIZE];
	size_t	len;

	f->nvalues++;
	if (normalize_email(v, strlen(v), out, &len) == NORMALIZE_OK)
		f->nemails++;
}

/* The segment fields, in order of first appearance, with samples. */
static void
xw_fill_fields(struct xw *w)
{
	const struct segment	*sg;
	char			**vals = NULL, *s, *t;
	size_t			 i, j, k, nv = 0;

	for (i = 0; i < w->nfields; i++) {
		free(w->fields[i].name);
		free(w->fields[i].samples);
	}
	free(w->fields);
	w->fields = NULL;
	w->nfields = 0;
	for (i = 0; w->app->segs != NULL && i < w->app->segs->n; i++) {
		sg = &w->app->segs->v[i];
		if (!sg->usable)
			continue;
		for (j = 0; j < sg->nfields; j++) {
			for (k = 0; k < w->nfields; k++)
				if (strcmp(w->fields[k].name,
				    sg->fields[j]) == 0)
					break;
			if (k < w->nfields) {
				w->fields[k].nsegs++;
				continue;
			}
			w->fields = xreallocarray(w->fields, w->nfields + 1,
			    sizeof *w->fields);
			w->fields[k].name = xstrdup(sg->fields[j]);
			w->fields[k].nsegs = 1;
			w->fields[k].nvalues = w->fields[k].nemails = 0;
			s = NULL;
			if (segments_sample(sg->file, sg->fields[j],
			    XW_SAMPLES, &vals, &nv, &t) == 0) {
				for (k = 0; k < nv; k++) {
					if (vals[k][0] == '\0')
						continue;
					xw_count_sample(&w->fields[w->nfields],
					    vals[k]);
					t = xasprintf("%s%s%s", s != NULL ? s :
					    "", s != NULL ? ", " : "", vals[k]);
					free(s);
					s = t;
				}
				segments_sample_free(&vals, nv);
			} else
				free(t);
			w->fields[w->nfields].samples = s != NULL ? s :
			    xstrdup("");
			w->nfields++;
		}
	}
}

static const struct xw_field *
xw_field(const struct xw *w, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < w->nfields; i++)
		if (strcmp(w->fields[i].name, name) == 0)
			return &w->fields[i];
	return NULL;
}

static void
xw_clear_maps(struct xw *w)
{
	size_t	i;

	for (i = 0; i < w->nmaps; i++) {
		free(w->maps[i].dest);
		free(w->maps[i].field);
	}
	w->nmaps = 0;
}

/*
 * One line per slot of the driver, each with the segment field whose
 * name matches it best (its key, its label, or a common spelling).
 */
static void
xw_default_maps(struct xw *w)
{
	static const struct {
		const char	*slot;
		const char	*names[6];
	} aliases[] = {
		{ "email", { "email", "emailaddress", "mail", "courriel",
		    NULL } },
		{ "customer_id", { "customerid", "externalid", "id",
		    "clientid", "userid", NULL } },
		{ "firstname", { "firstname", "prenom", "givenname", NULL } },
		{ "lastname", { "lastname", "nom", "surname", "familyname",
		    NULL } },
		{ "phone", { "phone", "mobile", "telephone", "sms", NULL } },
	};
	const struct dest_slot	*sl;
	char			 a[64], b[64];
	size_t			 i, k, j;

	xw_clear_maps(w);
	for (sl = w->d->slots; sl->key != NULL && w->nmaps < XW_MAPS; sl++) {
		w->maps[w->nmaps].dest = xstrdup(sl->key);
		w->maps[w->nmaps].slot = sl;
		w->maps[w->nmaps].field = NULL;
		squash(sl->key, a, sizeof a);
		for (k = 0; k < sizeof aliases / sizeof aliases[0]; k++) {
			if (strcmp(aliases[k].slot, sl->key) != 0)
				continue;
			for (j = 0; aliases[k].names[j] != NULL &&
			    w->maps[w->nmaps].field == NULL; j++) {
				for (i = 0; i < w->nfields; i++) {
					squash(w->fields[i].name, b, sizeof b);
					if (strcmp(b, aliases[k].names[j]) ==
					    0) {
						w->maps[w->nmaps].field =
						    xstrdup(w->fields[i].name);
						break;
					}
				}
			}
		}
		w->nmaps++;
	}
}

static void
xw_fill_maplist(struct xw *w)
{
	const struct xw_field	*f;
	const char		*cells[3];
	char			*label;
	size_t			 i;
	int			 sel = w->maplist.sel;

	ui_list_clear(&w->maplist);
	for (i = 0; i < w->nmaps; i++) {
		f = xw_field(w, w->maps[i].field);
		if (w->maps[i].slot != NULL)
			label = w->maps[i].slot->required ?
			    xasprintf(_("%s (required)"),
			    _(w->maps[i].slot->label)) :
			    xstrdup(_(w->maps[i].slot->label));
		else
			label = xasprintf(_("Custom attribute \"%s\""),
			    w->maps[i].dest + strlen("attr:"));
		cells[0] = label;
		cells[1] = w->maps[i].field != NULL ? w->maps[i].field :
		    _("(not sent)");
		cells[2] = f != NULL ? f->samples : "";
		ui_list_add(&w->maplist, cells, &w->maps[i]);
		free(label);
	}
	if (w->d->attrs) {
		cells[0] = _("+ Add a custom attribute");
		cells[1] = "";
		cells[2] = "";
		ui_list_add(&w->maplist, cells, XW_ADD_ROW);
	}
	if (sel >= 0 && (size_t)sel < w->maplist.n)
		w->maplist.sel = sel;
}

/* The picker: the segment fields for map row w->picking. */
static void
xw_open_picker(struct xw *w, int row)
{
	const char	*cells[3];
	char		 where[64];
	size_t		 i, nusable = 0;

	for (i = 0; w->app->segs != NULL && i < w->app->segs->n; i++)
		if (w->app->segs->v[i].usable)
			nusable++;
	w->picking = row;
	ui_list_clear(&w->picklist);
	if (row < (int)w->nmaps && (w->maps[row].slot == NULL ||
	    !w->maps[row].slot->required)) {
		cells[0] = w->maps[row].slot == NULL ?
		    _("(remove this attribute)") : _("(not sent)");
		cells[1] = "";
		cells[2] = "";
		ui_list_add(&w->picklist, cells, XW_NONE_ROW);
	}
	for (i = 0; i < w->nfields; i++) {
		snprintf(where, sizeof where, _("in %zu of %zu"),
		    w->fields[i].nsegs, nusable);
		cells[0] = w->fields[i].name;
		cells[1] = where;
		cells[2] = w->fields[i].samples;
		ui_list_add(&w->picklist, cells, &w->fields[i]);
		if (row < (int)w->nmaps && w->maps[row].field != NULL &&
		    strcmp(w->maps[row].field, w->fields[i].name) == 0)
			w->picklist.sel = (int)w->picklist.n - 1;
	}
	xw_build(w);
}

static void
xw_remove_attr(struct xw *w, int row)
{
	struct xw_map	*m = &w->maps[row];

	free(m->dest);
	free(m->field);
	memmove(m, m + 1, (w->nmaps - (size_t)row - 1) * sizeof *m);
	w->nmaps--;
	w->touched = 1;
	xw_fill_maplist(w);
	xw_build(w);
}

static void
xw_pick(struct xw *w)
{
	void		*d = ui_list_selected(&w->picklist);
	struct xw_field	*f = d != XW_NONE_ROW ? d : NULL;
	struct xw_map	*m;
	size_t		 i;
	int		 row = w->picking;

	w->picking = -1;
	w->touched = 1;
	if (row >= (int)w->nmaps) {
		/* A new attribute, named after the field. */
		if (f == NULL || w->nmaps == XW_MAPS)
			goto out;
		for (i = 0; i < w->nmaps; i++) {
			if (w->maps[i].slot == NULL &&
			    strcmp(w->maps[i].dest + strlen("attr:"),
			    f->name) == 0) {
				ui_message(w->app->ui, UI_MSG_WARN, _("The "
				    "attribute \"%s\" is already sent."),
				    f->name);
				goto out;
			}
		}
		m = &w->maps[w->nmaps++];
		m->dest = xasprintf("attr:%s", f->name);
		m->slot = NULL;
		m->field = xstrdup(f->name);
		goto out;
	}
	m = &w->maps[row];
	if (m->slot == NULL && f == NULL) {
		xw_remove_attr(w, row);
		return;
	}
	free(m->field);
	m->field = f != NULL ? xstrdup(f->name) : NULL;
out:
	xw_fill_maplist(w);
	xw_build(w);
}

static int
seg_has(const struct segment *sg, const char *field)
{
	size_t	i;

	for (i = 0; i < sg->nfields; i++)
		if (strcmp(sg->fields[i], field) == 0)
			return 1;
	return 0;
}

/* Mark the segments lacking a mapped field; keep what was ticked. */
static void
xw_fill_segs(struct xw *w)
{
	const struct segment	*sg;
	const char		*cells[3];
	char			 count[32], *note;
	size_t			 i, j, k, old_n = w->segs.n;
	int			*was;

	was = xcalloc(old_n + 1, sizeof *was);
	for (i = 0; i < old_n; i++)
		was[i] = w->segs.rows[i].checked;
	ui_list_clear(&w->segs);
	for (i = 0, k = 0; w->app->segs != NULL && i < w->app->segs->n; i++) {
		sg = &w->app->segs->v[i];
		if (!sg->usable)
			continue;
		note = NULL;
		for (j = 0; j < w->nmaps && note == NULL; j++)
			if (w->maps[j].field != NULL &&
			    !seg_has(sg, w->maps[j].field))
				note = xasprintf(_("has no field \"%s\""),
				    w->maps[j].field);
		cells[0] = sg->name;
		cells[1] = ui_text_count(sg->members, count, sizeof count);
		cells[2] = note != NULL ? note : "";
		ui_list_add_key(&w->segs, cells, sg->name);
		if (k < old_n)
			w->segs.rows[w->segs.n - 1].checked = was[k];
		k++;
		free(note);
	}
	free(was);
}

/* Selected segments and their members before de-duplication. */
static size_t
xw_chosen(const struct xw *w, unsigned long long *members)
{
	const struct segment	*sg;
	size_t			 i, n = 0;

	*members = 0;
	for (i = 0; i < w->segs.n; i++) {
		if (!w->segs.rows[i].checked)
			continue;
		sg = app_segment(w->app, w->segs.rows[i].key);
		*members += sg != NULL ? sg->members : 0;
		n++;
	}
	return n;
}

static int
xw_check_name(struct xw *w, int show_empty)
{
	const char		*name = ui_field_text(&w->name);
	const struct export	*same;
	char			*cause = NULL;

	if (ui_field_len(&w->name) == 0) {
		ui_field_error(&w->name, show_empty ? _("Give the export a name "
		    "first.") : NULL);
		return 0;
	}
	if (connection_name_valid(name, &cause) == -1) {
		cause = app_sentence(cause);
		ui_field_error(&w->name, cause);
		free(cause);
		return 0;
	}
	same = export_list_find(&w->app->exports, name);
	if (same != NULL && (w->edit == NULL || strcmp(same->id,
	    w->edit->id) != 0)) {
		cause = xasprintf(_("An export named \"%s\" already exists: "
		    "choose another name."), name);
		ui_field_error(&w->name, cause);
		free(cause);
		return 0;
	}
	ui_field_error(&w->name, NULL);
	return 1;
}

/* The target's syntax, as the driver checks it before asking. */
static int
xw_check_target(struct xw *w, int show_empty)
{
	char	*cause = NULL, *msg;

	if (ui_field_len(&w->target) == 0) {
		if (show_empty) {
			msg = xasprintf(_("Type the %s."),
			    _(w->d->target.label));
			ui_field_error(&w->target, msg);
			free(msg);
		} else
			ui_field_error(&w->target, NULL);
		return 0;
	}
	if (w->d->target_check != NULL &&
	    w->d->target_check(ui_field_text(&w->target), &cause) == -1) {
		ui_field_error(&w->target, cause);
		free(cause);
		return 0;
	}
	ui_field_error(&w->target, NULL);
	return 1;
}

/* What a job holds when it is done with (what it found is taken). */
static void
xw_job_free(struct xw_job *j)
{
	secrecord_free(&j->rec);
	connection_free(&j->c);
	identity_free(&j->id);
	workspace_free(&j->ws);
	free(j->target);
	free(j);
}

/*
 * Ask the destination, in the worker thread, with the connection's
 * record opened here (rec) and the keys of the unlocked identity: work,
 * then done; text says what is asked. The job is freed when it cannot
 * start. 0, or -1.
 */
static int
xw_job_start(struct xw *w, struct xw_job *j, struct connection *c,
    struct secrecord *rec, const char *text, ui_job_fn *work,
    ui_job_done_fn *done)
{
	char	*cause = NULL;

	j->w = w;
	j->d = w->d;
	j->rec = rec;
	if (app_job_keys(w->app, &j->ws, &j->id) == -1) {
		xw_job_free(j);
		return -1;
	}
	j->c = connection_dup(c);
	if (ui_job_start(w->app->ui, text, work, done, j, &cause) == -1) {
		ui_message(w->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		xw_job_free(j);
		return -1;
	}
	return 0;
}

static void
xw_verify_work(void *arg)
{
	struct xw_job	*j = arg;

	j->o = connops_verify_target(j->ws, j->id, j->d, j->c, j->rec,
	    j->target, &j->found, &j->message);
	j->id = NULL;			/* the credential store freed it */
}

static void
xw_verify_done(struct ui *ui, void *arg)
{
	struct xw_job	*j = arg;
	struct xw	*w = j->w;

	(void)ui;
	free(w->verified);
	free(w->vmsg);
	free(w->found);
	w->verified = j->target;
	w->vo = j->o;
	w->vmsg = j->message;
	w->found = j->found;
	if (w->vo != DEST_OK && w->vo != DEST_WARNING)
		ui_field_error(&w->target, w->vmsg);
	j->target = NULL;
	xw_job_free(j);
	xw_build(w);
}

/* Ask the destination about the target, in the worker thread. */
static void
xw_verify(struct xw *w)
{
	struct connection	*c = xw_conn(w);
	struct secrecord		*rec = NULL;
	struct xw_job		*j;
	char			*cause = NULL, *text;

	if (c == NULL)
		return;
	if (w->d->verify_target != NULL && connops_record_open(w->app->ws, c,
	    w->app->id, &rec, &cause) != SEC_OK) {
		cause = app_sentence(cause);
		ui_field_error(&w->target, cause);
		free(cause);
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->target = xstrdup(ui_field_text(&w->target));
	text = xasprintf(_("Looking up the %s \"%s\" at %s..."),
	    _(w->d->target.label), j->target, _(w->d->label));
	(void)xw_job_start(w, j, c, rec, text, xw_verify_work, xw_verify_done);
	free(text);
}

/* The target step's list: what the destination has, searchable. */
static void
xw_fill_tpick(struct xw *w)
{
	const char	*cells[3];
	size_t		 i;

	ui_list_clear(&w->tpick);
	for (i = 0; i < w->npicks; i++) {
		cells[0] = w->picks[i].name;
		cells[1] = w->picks[i].id;
		cells[2] = w->picks[i].detail != NULL ? w->picks[i].detail : "";
		ui_list_add_key(&w->tpick, cells, w->picks[i].id);
		if (strcmp(w->picks[i].id, ui_field_text(&w->target)) == 0)
			w->tpick.sel = (int)w->tpick.n - 1;
	}
	w->tpick.empty = _("The destination lists none: create one there, "
	    "or type its ID.");
}

static void
xw_list_work(void *arg)
{
	struct xw_job	*j = arg;

	j->o = connops_list_targets(j->ws, j->id, j->d, j->c, j->rec,
	    &j->picks, &j->npicks, &j->message);
	j->id = NULL;			/* the credential store freed it */
}

static void
xw_list_done(struct ui *ui, void *arg)
{
	struct xw_job	*j = arg;
	struct xw	*w = j->w;

	if (j->o == DEST_OK) {
		dest_picks_free(&w->picks, &w->npicks);
		w->picks = j->picks;
		w->npicks = j->npicks;
		xw_fill_tpick(w);
		w->tpicking = 1;
	} else {
		char	*m = app_sentence(j->message);

		ui_message(ui, UI_MSG_ERROR, "%s", m);
		free(m);
		j->message = NULL;
	}
	free(j->message);
	xw_job_free(j);
	xw_build(w);
}

/* F4: ask the destination for its targets, in the worker thread. */
static void
xw_list_targets(struct xw *w)
{
	struct connection	*c = xw_conn(w);
	struct secrecord		*rec = NULL;
	char			*cause = NULL, *text;

	if (c == NULL || w->d->list_targets == NULL)
		return;
	if (connops_record_open(w->app->ws, c, w->app->id, &rec,
	    &cause) != SEC_OK) {
		cause = app_sentence(cause);
		ui_message(w->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		return;
	}
	text = xasprintf(_("Asking %s what these credentials can see..."),
	    _(w->d->label));
	(void)xw_job_start(w, xcalloc(1, sizeof(struct xw_job)), c, rec, text,
	    xw_list_work, xw_list_done);
	free(text);
}

/* Chosen in the list: the ID in the field, found there already. */
static void
xw_take_pick(struct xw *w)
{
	const char	*id = ui_list_selected_key(&w->tpick);
	size_t		 i;

	w->tpicking = 0;
	for (i = 0; id != NULL && i < w->npicks; i++) {
		if (strcmp(w->picks[i].id, id) != 0)
			continue;
		ui_field_set(&w->target, id);
		w->touched = 1;
		free(w->verified);
		free(w->vmsg);
		free(w->found);
		w->verified = xstrdup(id);
		w->found = xstrdup(w->picks[i].name);
		w->vo = DEST_OK;
		w->vmsg = xasprintf(_("Chosen from what %s lists: \"%s\" (%s)."),
		    _(w->d->label), w->picks[i].name, id);
		ui_field_error(&w->target, NULL);
		break;
	}
	xw_build(w);
}

static int
xw_verified(const struct xw *w)
{
	return w->verified != NULL && strcmp(w->verified,
	    ui_field_text(&w->target)) == 0 && (w->vo == DEST_OK ||
	    w->vo == DEST_WARNING);
}

/* The chosen mode; upsert until one is chosen. */
static enum export_mode
xw_mode(const struct xw *w)
{
	const char	*k = ui_list_selected_key(&w->modes);
	int		 m;

	m = k != NULL ? export_mode_parse(k) : -1;
	return m == -1 ? EXPORT_UPSERT : (enum export_mode)m;
}

/* The maximum removal share typed: 1 with *pct, 0 if not 0 to 100. */
static int
xw_maxrm(const struct xw *w, unsigned *pct)
{
	const char	*s = ui_field_text(&w->maxrm);
	unsigned	 v = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) || v > 100)
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > 100)
		return 0;
	*pct = v;
	return 1;
}

/* The modes the driver offers, each said in one sentence. */
static void
xw_fill_modes(struct xw *w)
{
	const char	*cells[1];
	char		*keep;

	keep = ui_list_selected_key(&w->modes) != NULL ?
	    xstrdup(ui_list_selected_key(&w->modes)) : NULL;
	ui_list_clear(&w->modes);
	cells[0] = _("Add and update only");
	ui_list_add_key(&w->modes, cells, export_mode_name(EXPORT_UPSERT));
	cells[0] = _("Keep in step: also remove people who left the "
	    "segments");
	ui_list_add_key(&w->modes, cells, export_mode_name(EXPORT_MIRROR));
	/* Only a destination that can refuse to create profiles offers it. */
	if (w->d != NULL && w->d->update_only) {
		cells[0] = _("Update existing Braze users only");
		ui_list_add_key(&w->modes, cells,
		    export_mode_name(EXPORT_UPDATE_ONLY));
	}
	if (keep == NULL || ui_list_select_key(&w->modes, keep) == -1)
		ui_list_select_key(&w->modes, export_mode_name(EXPORT_UPSERT));
	free(keep);
}

/* "Keep in step, removing at most 10% of the members": the summary's. */
static char *
xw_mode_text(const struct xw *w)
{
	unsigned	pct = EXPORT_MAX_REMOVALS_DEFAULT;

	switch (xw_mode(w)) {
	case EXPORT_MIRROR:
		xw_maxrm(w, &pct);
		return xasprintf(_("Keep in step: also remove people who left "
		    "the segments (at most %u%% of the members a run)"), pct);
	case EXPORT_UPDATE_ONLY:
		return xstrdup(_("Update existing Braze users only"));
	default:
		return xstrdup(_("Add and update only"));
	}
}

/* The export the steps describe (malloc'd). */
static struct export *
xw_export(struct xw *w)
{
	struct export	*x;
	char		 now[UTIL_RFC3339_LEN];
	size_t		 i;

	util_rfc3339(time(NULL), now);
	x = export_new();
	x->id = w->edit != NULL ? xstrdup(w->edit->id) : connection_new_id();
	x->name = xstrdup(ui_field_text(&w->name));
	x->connection = xstrdup(w->conn_id);
	x->destination = xstrdup(w->d->id);
	x->target = xstrdup(ui_field_text(&w->target));
	x->target_name = w->found != NULL ? xstrdup(w->found) : NULL;
	x->map = xcalloc(w->nmaps + 1, sizeof *x->map);
	for (i = 0; i < w->nmaps; i++) {
		if (w->maps[i].field == NULL)
			continue;
		x->map[x->nmap].dest = xstrdup(w->maps[i].dest);
		x->map[x->nmap].field = xstrdup(w->maps[i].field);
		x->nmap++;
	}
	x->segments = xcalloc(w->segs.n + 1, sizeof *x->segments);
	for (i = 0; i < w->segs.n; i++)
		if (w->segs.rows[i].checked)
			x->segments[x->nsegments++] = xstrdup(
			    w->segs.rows[i].key);
	x->mode = xw_mode(w);
	/* An edit keeps the maximum it had unless mirror's field says. */
	if (w->edit != NULL) {
		x->max_removals = w->edit->max_removals;
		x->max_rejected = w->edit->max_rejected;
	}
	if (x->mode == EXPORT_MIRROR)
		xw_maxrm(w, &x->max_removals);
	{
		struct schedule	sc;

		memset(&sc, 0, sizeof sc);
		sc.kind = w->scheduled ? SCHEDULE_REFRESH : SCHEDULE_OFF;
		/* Ticked, a timed schedule of the export stays as it was. */
		if (w->scheduled && w->edit != NULL &&
		    w->edit->schedule.kind >= SCHEDULE_HOURLY)
			sc = w->edit->schedule;
		export_set_schedule(x, &sc);
	}
	if (w->edit != NULL) {
		x->created_by = xstrdup(w->edit->created_by);
		x->created_at = xstrdup(w->edit->created_at);
	} else {
		x->created_by = xstrdup(w->app->user);
		x->created_at = xstrdup(now);
	}
	if (w->edit != NULL) {
		x->changed_by = w->edit->changed_by != NULL ?
		    xstrdup(w->edit->changed_by) : NULL;
		x->changed_at = w->edit->changed_at != NULL ?
		    xstrdup(w->edit->changed_at) : NULL;
	}
	return x;
}

static void
xw_run_answer(struct ui *ui, void *arg, int yes)
{
	struct app	*app = arg;

	(void)ui;
	if (yes && app->run_offer != NULL)
		app_run_export(app, app->run_offer);
	xfree(&app->run_offer);
}

/* Save an edit: the export must still be as the wizard read it. */
static void
xw_save_edit(struct xw *w, struct export *x)
{
	char		*cause = NULL;
	unsigned	 changes = export_changes(w->edit, x);
	enum fail_kind	 rc;

	if (changes == 0) {
		ui_message(w->app->ui, UI_MSG_OK, _("Nothing changed: \"%s\" "
		    "is as it was."), x->name);
		ui_pop(w->app->ui);
		return;
	}
	rc = exportops_update(w->app->ws, w->edit, x, &cause);
	app_reload(w->app);
	if (rc != FAIL_NONE) {
		cause = app_sentence(cause);
		ui_message(w->app->ui, UI_MSG_ERROR, _("Nothing was saved: %s"),
		    cause);
		free(cause);
		return;
	}
	ui_message(w->app->ui, UI_MSG_OK, _("Saved the export \"%s\"."),
	    x->name);
	free(w->app->just_saved);
	w->app->just_saved = xstrdup(x->id);
	w->app->just_saved_kind = 'x';
	ui_pop(w->app->ui);
}

static void
xw_save(struct xw *w)
{
	struct connection	*c = xw_conn(w);
	struct export		*x;
	char			*cause = NULL, *text, *what, *problem = NULL;
	enum fail_kind		 rc;

	if (c == NULL) {
		ui_message(w->app->ui, UI_MSG_ERROR, _("The connection was "
		    "removed meanwhile: nothing was saved."));
		return;
	}
	x = xw_export(w);
	if (export_validate(x, w->d, w->app->segs, &cause) == -1) {
		cause = app_sentence(cause);
		ui_message(w->app->ui, UI_MSG_ERROR, _("Nothing was saved: %s"),
		    cause);
		free(cause);
		export_free(&x);
		return;
	}
	if (w->edit != NULL) {
		xw_save_edit(w, x);
		export_free(&x);
		return;
	}
	rc = exportops_add(w->app->ws, x, w->copy_of, &cause);
	if (rc != FAIL_NONE) {
		cause = app_sentence(cause);
		ui_message(w->app->ui, UI_MSG_ERROR, _("Nothing was saved: %s"),
		    cause);
		free(cause);
		export_free(&x);
		return;
	}
	free(w->app->just_saved);
	w->app->just_saved = xstrdup(x->id);
	w->app->just_saved_kind = 'x';
	what = app_run_describe(w->app, x, &problem);
	if (what == NULL) {
		/* Saved, but it cannot run as it is: say why, offer nothing. */
		text = xasprintf(_("Saved \"%s\". %s"), x->name, problem);
		export_free(&x);
		free(problem);
		ui_pop(w->app->ui);
		ui_notice(w->app->ui, _("Export saved"), text, NULL, NULL);
		free(text);
		return;
	}
	text = xasprintf(x->scheduled ? _("Saved \"%s\". %s\n\nSaving did "
	    "not run it: it runs on every scheduled refresh, and whenever a "
	    "member starts it. Run it now? The run goes on in the background, "
	    "and its progress shows live.") : _("Saved \"%s\". %s\n\nSaving "
	    "did not run it: it runs whenever a member starts it. Run it now? "
	    "The run goes on in the background, and its progress shows "
	    "live."), x->name, what);
	free(what);
	free(w->app->run_offer);
	w->app->run_offer = xstrdup(x->id);
	export_free(&x);
	ui_pop(w->app->ui);
	ui_confirm(w->app->ui, _("Export saved"), text, _("Run now"),
	    _("Not now"), 1, xw_run_answer, w->app);
	free(text);
}

static char *
xw_summary(struct xw *w, int width)
{
	struct connection	*c = xw_conn(w);
	const char		*kv[2 * (XW_MAPS + 8)];
	char			*own[XW_MAPS + 4], *s, count[32];
	size_t			 i, n = 0, nown = 0, nsegs;
	unsigned long long	 members;

#define KV(k, val) do { kv[2 * n] = (k); kv[2 * n + 1] = (val); n++; } \
	while (0)
	KV(_("Connection"), c != NULL ? c->name : "?");
	KV(_("Name"), ui_field_text(&w->name));
	own[nown] = w->found != NULL ? xasprintf("%s (%s)",
	    ui_field_text(&w->target), w->found) :
	    xstrdup(ui_field_text(&w->target));
	KV(_(w->d->target.label), own[nown]);
	nown++;
	for (i = 0; i < w->nmaps; i++) {
		if (w->maps[i].field == NULL)
			continue;
		if (w->maps[i].slot != NULL)
			own[nown] = xasprintf("%s %s %s",
			    _(w->maps[i].slot->label), ui_glyph(UI_G_ARROW),
			    w->maps[i].field);
		else
			own[nown] = xasprintf(_("custom attribute \"%s\" %s "
			    "%s"), w->maps[i].dest + strlen("attr:"),
			    ui_glyph(UI_G_ARROW), w->maps[i].field);
		KV(n == 3 ? _("Sends") : "", own[nown]);
		nown++;
	}
	nsegs = xw_chosen(w, &members);
	own[nown] = xasprintf(_("%zu, %s profiles before de-duplication"),
	    nsegs, ui_text_count(members, count, sizeof count));
	KV(_("Segments"), own[nown]);
	nown++;
	own[nown] = xw_mode_text(w);
	KV(_("Mode"), own[nown]);
	nown++;
	if (w->edit != NULL) {
		struct export	*x = xw_export(w);
		unsigned	 changes = export_changes(w->edit, x);

		free(w->effect);
		w->effect = export_changes_effect(w->edit, x, changes);
		KV(_("Next run"), changes == 0 ? _("Nothing changed.") :
		    w->effect != NULL ? w->effect : _("As before: only what "
		    "changed in the segments is sent."));
		export_free(&x);
	}
#undef KV
	s = app_kv(kv, n, width);
	for (i = 0; i < nown; i++)
		free(own[i]);
	return s;
}

/* The steps (xw_steps[] below): what each shows, checks and explains. */
struct xw_step_def {
	const char	*name;
	/* Add the step's items to the form; the item to focus, or -1. */
	int		 (*build)(struct xw *);
	/* Enter or Next: 1 to go on to the next step. */
	int		 (*check)(struct xw *);
	/* The help box (borrowed); NULL: the wizard's. */
	const char	*(*help)(struct xw *);
};

static int
xw_build_conn(struct xw *w)
{
	char	*missing;
	size_t	 n;

	missing = xw_missing_types(w);
	if (w->conns.n == 0) {
		ui_form_text(&w->form, UI_A_WARN, w->app->admin ?
		    _("There is no connection yet. An export sends "
		    "segments through a connection to a destination "
		    "account: create one first.") :
		    _("No connection is open to contributors, so you "
		    "cannot create an export yet. An administrator can "
		    "add a connection, or open one to contributors."));
		if (w->app->admin)
			ui_buttons_init(&w->buttons, _("Back"),
			    _("Create a connection"), NULL);
		else
			ui_buttons_init(&w->buttons, _("Back"), NULL,
			    NULL);
		free(missing);
		return -1;
	}
	ui_form_text(&w->form, UI_A_NORMAL, _("Which connection will "
	    "the export send through? Only the connections you may use "
	    "are listed, by destination."));
	n = w->conns.n > XW_CONN_ROWS ? XW_CONN_ROWS : w->conns.n;
	ui_form_list(&w->form, &w->conns, (int)n);
	if (missing != NULL) {
		w->text = xasprintf(w->app->admin ? _("Not listed: %s "
		    "(no connection yet; add one in Connections).") :
		    _("Not listed: %s (no connection open to "
		    "contributors)."), missing);
		ui_form_text(&w->form, UI_A_DIM, w->text);
	}
	free(missing);
	return -1;
}

static int
xw_check_conn(struct xw *w)
{
	const char		*id;
	struct connection	*c;

	if (w->conns.n == 0) {
		if (w->app->admin)
			nav_open(w->app, NAV_CONN_WIZARD, NULL);
		return 0;
	}
	id = ui_list_selected_key(&w->conns);
	c = id != NULL ? app_conn(w->app, id) : NULL;
	if (c == NULL || app_driver(c) == NULL)
		return 0;
	if (w->conn_id == NULL || strcmp(w->conn_id, id) != 0 ||
	    w->d != app_driver(c)) {
		free(w->conn_id);
		w->conn_id = xstrdup(id);
		if (w->d != app_driver(c)) {
			w->d = app_driver(c);
			xw_default_maps(w);
			xw_fill_maplist(w);
		}
		xfree(&w->verified);
	}
	return 1;
}

static int
xw_build_name(struct xw *w)
{
	ui_form_text(&w->form, UI_A_NORMAL, _("Give the export a name, "
	    "unique in this workspace, such as \"VIP customers to "
	    "Braze\"."));
	ui_form_field(&w->form, &w->name);
	return -1;
}

/* The spaces a paste brings go, said so (as the connection wizard does). */
static void
xw_trim(struct xw *w, struct ui_field *f)
{
	if (ui_field_trim(f))
		ui_message(w->app->ui, UI_MSG_WARN, _("Removed the spaces "
		    "around %s."), f->label);
}

static int
xw_check_name_step(struct xw *w)
{
	xw_trim(w, &w->name);
	return xw_check_name(w, 1);
}

static int
xw_build_target(struct xw *w)
{
	if (w->tpicking) {
		w->text = xasprintf(_("Which %s? / searches; Enter takes the "
		    "one selected."), _(w->d->target.label));
		ui_form_text(&w->form, UI_A_NORMAL, w->text);
		ui_form_list(&w->form, &w->tpick, 0);
		ui_buttons_init(&w->buttons, _("Cancel"), _("Choose"), NULL);
		return -1;
	}
	w->text = xasprintf(w->d->list_targets != NULL ? _("Where in %s do "
	    "the profiles go? Type it, or F4 lists what the connection can "
	    "see; segsync looks it up there and shows the name it finds.") :
	    _("Where in %s do the profiles go? segsync looks it up there and "
	    "shows the name it finds."), _(w->d->label));
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	w->target.label = _(w->d->target.label);
	w->target.note = _(w->d->target.help);
	ui_form_field(&w->form, &w->target);
	if (xw_verified(w)) {
		w->text2 = xasprintf("%s %s", ui_glyph(w->vo ==
		    DEST_OK ? UI_G_OK : UI_G_WARN), w->vmsg);
		ui_form_text(&w->form, w->vo == DEST_OK ? UI_A_OK :
		    UI_A_WARN, w->text2);
	} else
		ui_buttons_init(&w->buttons, _("Back"),
		    _("Look it up"), NULL);
	return -1;
}

static int
xw_check_target_step(struct xw *w)
{
	if (w->tpicking) {
		xw_take_pick(w);
		return 0;
	}
	xw_trim(w, &w->target);
	if (!xw_check_target(w, 1))
		return 0;
	if (!xw_verified(w)) {
		xw_verify(w);
		return 0;
	}
	return 1;
}

/* "a Braze segment API identifier": what a driver's target is. */
static char *
xw_target_clause(const struct dest_driver *d)
{
	return xasprintf(_("%s: %s"), _(d->label), _(d->target.label));
}

static const char *
xw_help_target(struct xw *w)
{
	char	*targets;

	targets = app_dests_join(xw_target_clause, "; ", "; ");
	free(w->help);
	w->help = xasprintf(_("The destination target is where the profiles "
	    "go (%s). \"Look it up\" asks the destination and shows the name "
	    "it has there."), targets != NULL ? targets : "");
	free(targets);
	return w->help;
}

/*
 * The field mapped to the email holds samples that are not emails (a
 * first-name column chosen by mistake would have every profile
 * rejected): the warning in words, malloc'd, or NULL.
 */
static char *
xw_email_warning(const struct xw *w)
{
	const struct xw_field	*f;
	size_t			 i;

	for (i = 0; i < w->nmaps; i++) {
		if (w->maps[i].slot == NULL ||
		    w->maps[i].slot->id != DEST_SLOT_EMAIL)
			continue;
		f = xw_field(w, w->maps[i].field);
		if (f == NULL || f->nvalues == 0 || f->nemails == f->nvalues)
			return NULL;
		if (f->nemails == 0)
			return xasprintf(_("The examples of \"%s\" are not "
			    "email addresses: every profile without a valid "
			    "email is rejected. Choose the field that holds "
			    "the emails."), f->name);
		return xasprintf(_("%zu of the %zu examples of \"%s\" are not "
		    "email addresses: profiles without a valid email are "
		    "rejected."), f->nvalues - f->nemails, f->nvalues,
		    f->name);
	}
	return NULL;
}

static int
xw_build_map(struct xw *w)
{
	if (w->picking >= 0) {
		if (w->picking < (int)w->nmaps)
			w->text = xasprintf(_("Which segment field "
			    "fills \"%s\"? The examples come from the "
			    "first rows."), w->maps[w->picking].slot !=
			    NULL ? _(w->maps[w->picking].slot->label) :
			    w->maps[w->picking].dest);
		else
			w->text = xstrdup(_("Which segment field becomes "
			    "a custom attribute? It is sent under the "
			    "field's name."));
		ui_form_text(&w->form, UI_A_NORMAL, w->text);
		ui_form_list(&w->form, &w->picklist, 0);
		ui_buttons_init(&w->buttons, _("Cancel"), _("Choose"),
		    NULL);
		return -1;
	}
	w->text = xasprintf(_("Which segment field fills each %s field? "
	    "Enter on a line to change it."), _(w->d->label));
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	ui_form_list(&w->form, &w->maplist, (int)w->maplist.n);
	if ((w->text2 = xw_email_warning(w)) != NULL)
		ui_form_text(&w->form, UI_A_WARN, w->text2);
	return -1;
}

static int
xw_check_map(struct xw *w)
{
	size_t	i;
	char	*warn;

	if (w->picking >= 0) {
		xw_pick(w);
		return 0;
	}
	for (i = 0; i < w->nmaps; i++) {
		if (w->maps[i].slot != NULL &&
		    w->maps[i].slot->required &&
		    w->maps[i].field == NULL) {
			ui_message(w->app->ui, UI_MSG_ERROR, _("%s "
			    "needs a segment field: Enter on its line "
			    "to choose one."),
			    _(w->maps[i].slot->label));
			w->maplist.sel = (int)i;
			return 0;
		}
	}
	/* Asked once per field: the first rows may be the odd ones. */
	if ((warn = xw_email_warning(w)) != NULL) {
		for (i = 0; i < w->nmaps && (w->maps[i].slot == NULL ||
		    w->maps[i].slot->id != DEST_SLOT_EMAIL); i++)
			;
		if (w->email_warned == NULL ||
		    strcmp(w->email_warned, w->maps[i].field) != 0) {
			free(w->email_warned);
			w->email_warned = xstrdup(w->maps[i].field);
			ui_message(w->app->ui, UI_MSG_WARN, _("Press Next "
			    "again to keep \"%s\" for the email."),
			    w->maps[i].field);
			free(warn);
			w->maplist.sel = (int)i;
			return 0;
		}
		free(warn);
	}
	xw_fill_segs(w);
	return 1;
}

static const char *
xw_help_map(struct xw *w)
{
	(void)w;
	return _("Each line is a field of the destination; required "
	    "ones must be filled. Enter opens the list of segment "
	    "fields, with examples from the first rows and in how many "
	    "segments each field is. Where the destination takes "
	    "custom attributes, \"+ Add a custom attribute\" sends "
	    "another field under its own name; d removes one.");
}

static int
xw_build_segs(struct xw *w)
{
	unsigned long long	 members;
	char			 count[32];

	ui_form_text(&w->form, UI_A_NORMAL, _("Which segments does the "
	    "export send? Space ticks one. A profile in several of "
	    "them is sent once."));
	xw_chosen(w, &members);
	ui_form_list(&w->form, &w->segs, 0);
	w->text = xasprintf(_("%zu selected: %s profiles before "
	    "de-duplication."), ui_list_checked(&w->segs),
	    ui_text_count(members, count, sizeof count));
	ui_form_text(&w->form, UI_A_HEADING, w->text);
	return -1;
}

static int
xw_check_segs(struct xw *w)
{
	size_t	i;

	if (ui_list_checked(&w->segs) == 0) {
		ui_message(w->app->ui, UI_MSG_ERROR, _("Choose at least "
		    "one segment: Space ticks the one under the "
		    "cursor."));
		return 0;
	}
	for (i = 0; i < w->segs.n; i++) {
		if (!w->segs.rows[i].checked ||
		    w->segs.rows[i].cells[2][0] == '\0')
			continue;
		ui_message(w->app->ui, UI_MSG_ERROR, _("\"%s\" %s, "
		    "which the mapping sends: untick it, or change the "
		    "mapping."), w->segs.rows[i].key,
		    w->segs.rows[i].cells[2]);
		w->segs.sel = (int)i;
		return 0;
	}
	return 1;
}

static const char *
xw_help_segs(struct xw *w)
{
	(void)w;
	return _("Space ticks a segment; each shows its member count. "
	    "A segment lacking a field the mapping sends cannot be "
	    "exported with this mapping.");
}

static int
xw_build_mode(struct xw *w)
{
	int	focus;

	xw_fill_modes(w);
	ui_form_text(&w->form, UI_A_NORMAL, _("What does a run do at the "
	    "destination?"));
	focus = ui_form_list(&w->form, &w->modes, (int)w->modes.n);
	if (xw_mode(w) == EXPORT_MIRROR) {
		ui_form_text(&w->form, UI_A_DIM, _("A run stops before "
		    "sending anything when it would remove more than this "
		    "share of the members the destination has from this "
		    "export; the first run only adds."));
		ui_form_field(&w->form, &w->maxrm);
	}
	return focus;
}

static int
xw_check_mode(struct xw *w)
{
	unsigned	pct;

	if (xw_mode(w) == EXPORT_MIRROR && !xw_maxrm(w, &pct)) {
		ui_field_error(&w->maxrm, _("Type a whole number from 0 "
		    "to 100: the largest share of the members, in percent, "
		    "that a run may remove."));
		ui_dirty(w->app->ui, UI_DIRTY_ALL);
		return 0;
	}
	ui_field_error(&w->maxrm, NULL);
	return 1;
}

static const char *
xw_help_mode(struct xw *w)
{
	(void)w;
	return _("\"Add and update only\" never removes anyone. \"Keep in "
	    "step\" also removes from the destination the people this "
	    "export sent who left its segments; a run that would remove "
	    "more than the maximum share stops before sending anything. "
	    "\"Update existing Braze users only\" creates no new user.");
}

static int
xw_build_save(struct xw *w)
{
	struct connection	*c;
	int			 focus = -1;

	w->text = xw_summary(w, ui_layout(w->app->ui)->body.w -
	    UI_FORM_TEXT_INSET);
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	c = xw_conn(w);
	if (c != NULL && c->export_user != NULL)
		focus = ui_form_check(&w->form, _("Run it on every "
		    "scheduled refresh (in the name of the export "
		    "user)"), &w->scheduled);
	else if (w->edit != NULL && w->edit->scheduled)
		/* Said, not undone behind the summary's back. */
		ui_form_text(&w->form, UI_A_WARN, _("It is scheduled, but its "
		    "connection has no export user now, so scheduled runs "
		    "cannot use it: s in Exports changes the schedule."));
	else {
		w->scheduled = 0;
		ui_form_text(&w->form, UI_A_DIM, _("Scheduled refresh "
		    "needs a connection with an export user; this "
		    "export runs when a member starts it."));
	}
	ui_form_text(&w->form, UI_A_NORMAL, _("Saving does not run the "
	    "export."));
	return focus;
}

static int
xw_check_save(struct xw *w)
{
	xw_save(w);
	return 0;
}

static const struct xw_step_def xw_steps[XW_NSTEPS] = {
	[XW_CONN] = { N_("Connection"), xw_build_conn, xw_check_conn, NULL },
	[XW_NAME] = { N_("Display name"), xw_build_name, xw_check_name_step,
	    NULL },
	[XW_TARGET] = { N_("Destination target"), xw_build_target,
	    xw_check_target_step, xw_help_target },
	[XW_MAP] = { N_("Data matching"), xw_build_map, xw_check_map,
	    xw_help_map },
	[XW_SEGS] = { N_("Segments"), xw_build_segs, xw_check_segs,
	    xw_help_segs },
	[XW_MODE] = { N_("Mode"), xw_build_mode, xw_check_mode,
	    xw_help_mode },
	[XW_SAVE] = { N_("Save"), xw_build_save, xw_check_save, NULL },
};

static void
xw_build(struct xw *w)
{
	int	focus;

	ui_form_reset(&w->form);
	free(w->heading);
	free(w->text);
	free(w->text2);
	w->text = w->text2 = NULL;
	w->heading = xasprintf(_("Step %d of %d: %s"), (int)w->step + 1,
	    XW_NSTEPS, _(xw_steps[w->step].name));
	ui_form_text(&w->form, UI_A_HEADING, w->heading);
	ui_buttons_init(&w->buttons, w->step == XW_CONN ? _("Cancel") :
	    _("Back"), w->step == XW_SAVE ? _("Save") : _("Next"),
	    w->edit != NULL && w->step != XW_SAVE ? _("Save") : NULL);
	focus = xw_steps[w->step].build(w);
	ui_form_buttons(&w->form, &w->buttons);
	if (focus != -1)
		ui_form_focus(&w->form, focus);
	ui_dirty(w->app->ui, UI_DIRTY_ALL);
}

static void
xw_leave_answer(struct ui *ui, void *arg, int yes)
{
	(void)arg;
	if (yes)
		ui_pop(ui);
}

static void
xw_back(struct xw *w)
{
	if (w->step == XW_MAP && w->picking >= 0) {
		w->picking = -1;
		xw_build(w);
		return;
	}
	if (w->step == XW_TARGET && w->tpicking) {
		w->tpicking = 0;
		xw_build(w);
		return;
	}
	if (w->step > XW_CONN) {
		w->step--;
		xw_build(w);
		return;
	}
	if (w->touched)
		ui_confirm(w->app->ui, _("Leave the wizard?"), _("What you "
		    "chose has not been saved and will be lost."), _("Leave"),
		    _("Stay"), 1, xw_leave_answer, w);
	else
		ui_pop(w->app->ui);
}

/*
 * Save from the step shown (editing): every step from here on is checked
 * as Next would, and the first that is not right is shown instead; the
 * Save step then shows what the change does before saving.
 */
static void
xw_save_any(struct xw *w)
{
	enum xw_step	from = w->step;

	for (; w->step < XW_SAVE; w->step = (enum xw_step)(w->step + 1)) {
		if (!xw_steps[w->step].check(w)) {
			if (w->step != from)
				xw_build(w);
			return;
		}
	}
	xw_build(w);
}

static void
xw_next(struct xw *w)
{
	const struct xw_step_def	*st = &xw_steps[w->step];

	if (!st->check(w))
		return;
	w->step = (enum xw_step)((size_t)w->step + 1);
	xw_build(w);
}

static int
xw_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct xw	*w = (struct xw *)s;
	struct ui_item	*it;
	void		*row;
	int		 which;

	(void)ui;
	switch (ui_form_key(&w->form, key, &which)) {
	case UI_FORM_CHANGED:
		w->touched = 1;
		it = &w->form.items[which];
		if (it->field == &w->name)
			xw_check_name(w, 0);
		else if (it->field == &w->target) {
			xw_check_target(w, 0);
			xw_build(w);
			ui_form_focus(&w->form, which);
		} else if (it->list == &w->segs || it->list == &w->modes) {
			xw_build(w);
			ui_form_focus(&w->form, which);
		}
		return 1;
	case UI_FORM_SUBMIT:
		it = ui_form_focused(&w->form);
		if (w->step == XW_MAP && w->picking < 0 && it != NULL &&
		    it->list == &w->maplist) {
			row = ui_list_selected(&w->maplist);
			xw_open_picker(w, row == XW_ADD_ROW ? (int)w->nmaps :
			    w->maplist.sel);
			return 1;
		}
		if ((w->step == XW_SEGS || w->step == XW_MODE) && it != NULL &&
		    (it->list == &w->segs || it->list == &w->modes)) {
			/* Enter in the checklist goes on, like elsewhere. */
			xw_next(w);
			return 1;
		}
		xw_next(w);
		return 1;
	case UI_FORM_BUTTON:
		if (which == 0)
			xw_back(w);
		else if (which == 2)
			xw_save_any(w);
		else
			xw_next(w);
		return 1;
	case UI_FORM_HANDLED:
		return 1;
	case UI_FORM_IGNORED:
		break;
	}
	if (key == UI_KEY_ESC) {
		xw_back(w);
		return 1;
	}
	if (key == UI_KEY_F(4) && w->step == XW_TARGET && !w->tpicking &&
	    w->d->list_targets != NULL) {
		xw_list_targets(w);
		return 1;
	}
	if (w->step == XW_MAP && w->picking < 0 && (key == UI_KEY_DELETE ||
	    key == 'd')) {
		row = ui_list_selected(&w->maplist);
		if (row != NULL && row != XW_ADD_ROW &&
		    ((struct xw_map *)row)->slot == NULL)
			xw_remove_attr(w, w->maplist.sel);
		return 1;
	}
	return 0;
}

static const char *
xw_title(struct ui_screen *s)
{
	return ((struct xw *)s)->title;
}

static void
xw_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct xw	*w = (struct xw *)s;

	(void)ui;
	ui_form_draw(&w->form, r);
}

static size_t
xw_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct xw	*w = (struct xw *)s;
	size_t		 n = 0;

	if (w->step == XW_MAP && w->picking < 0 && max > 4) {
		h[n++] = (struct ui_hint){ "Up/Down", _("move") };
		h[n++] = (struct ui_hint){ "Enter", _("change") };
		h[n++] = (struct ui_hint){ "Tab", _("buttons") };
	} else {
		if (w->step == XW_TARGET && !w->tpicking &&
		    w->d->list_targets != NULL && max > 1)
			h[n++] = (struct ui_hint){ "F4", _("list") };
		n += ui_form_hints(&w->form, h + n, max - n);
	}
	if (n < max)
		h[n++] = (struct ui_hint){ "Esc", w->step > XW_CONN ||
		    w->picking >= 0 ? _("back") : _("cancel") };
	return n;
}

static const char *
xw_help(struct ui_screen *s)
{
	struct xw			*w = (struct xw *)s;
	const struct xw_step_def	*st = &xw_steps[w->step];

	if (st->help != NULL)
		return st->help(w);
	return _("The export wizard walks through the documented "
	    "steps in order: connection, display name, destination "
	    "target, data matching, segments, mode, and Save. Enter goes on, "
	    "Esc goes back a step; nothing is saved before the last "
	    "step, and saving does not run the export.");
}

static int
xw_unsaved(struct ui_screen *s)
{
	return ((struct xw *)s)->touched;
}

static void
xw_resume(struct ui_screen *s, struct ui *ui)
{
	struct xw	*w = (struct xw *)s;

	(void)ui;
	/*
	 * Back from creating a connection, which read the workspace again:
	 * list the connections and the segments' fields again.
	 */
	xw_fill_conns(w);
	xw_fill_fields(w);
	if (w->d != NULL)
		xw_fill_maplist(w);
	xw_fill_segs(w);
	xw_build(w);
}

static void
xw_free(struct ui_screen *s)
{
	struct xw	*w = (struct xw *)s;
	size_t		 i;

	xw_clear_maps(w);
	for (i = 0; i < w->nfields; i++) {
		free(w->fields[i].name);
		free(w->fields[i].samples);
	}
	free(w->fields);
	ui_list_free(&w->conns);
	ui_list_free(&w->maplist);
	ui_list_free(&w->tpick);
	dest_picks_free(&w->picks, &w->npicks);
	ui_list_free(&w->picklist);
	ui_list_free(&w->segs);
	ui_list_free(&w->modes);
	ui_field_free(&w->maxrm);
	ui_field_free(&w->name);
	ui_field_free(&w->target);
	free(w->conn_id);
	free(w->verified);
	free(w->vmsg);
	free(w->found);
	free(w->title);
	free(w->heading);
	free(w->text);
	free(w->email_warned);
	free(w->text2);
	free(w->help);
	free(w->effect);
	free(w->copy_of);
	export_free(&w->edit);
	free(w);
}

static const struct ui_screen_ops xw_ops = {
	.name = "export-wizard",
	.title = xw_title,
	.draw = xw_draw,
	.key = xw_key,
	.hints = xw_hints,
	.help = xw_help,
	.unsaved = xw_unsaved,
	.resume = xw_resume,
	.free = xw_free,
};

struct ui_screen *
export_wizard_new(struct app *app)
{
	struct xw	*w;
	char		 pct[8];

	w = xcalloc(1, sizeof *w);
	w->base.ops = &xw_ops;
	w->app = app;
	w->picking = -1;
	w->title = xasprintf(_("Exports%sNew export"), ui_glyph(UI_G_SEP));
	ui_list_init(&w->conns, UI_LIST_RADIO, 3);
	ui_list_column(&w->conns, 0, NULL, 16, 2);
	ui_list_column(&w->conns, 1, NULL, 18, 1);
	ui_list_column(&w->conns, 2, NULL, 16, 1);
	ui_list_init(&w->maplist, UI_LIST_TABLE, 3);
	ui_list_column(&w->maplist, 0, _("DESTINATION FIELD"), 24, 1);
	ui_list_column(&w->maplist, 1, _("SEGMENT FIELD"), 14, 1);
	ui_list_column(&w->maplist, 2, _("EXAMPLES"), 14, 2);
	ui_list_init(&w->tpick, UI_LIST_TABLE, 3);
	ui_list_column(&w->tpick, 0, _("NAME"), 16, 2);
	ui_list_column(&w->tpick, 1, _("ID"), 0, 0);
	ui_list_column(&w->tpick, 2, _("DETAILS"), 12, 2);
	ui_list_fit(&w->tpick, 1);
	ui_list_middle(&w->tpick, 0);
	ui_list_init(&w->picklist, UI_LIST_TABLE, 3);
	ui_list_column(&w->picklist, 0, _("SEGMENT FIELD"), 16, 1);
	ui_list_column(&w->picklist, 1, _("FOUND"), 10, 0);
	ui_list_column(&w->picklist, 2, _("EXAMPLES"), 16, 3);
	ui_list_init(&w->segs, UI_LIST_CHECK, 3);
	ui_list_column(&w->segs, 0, _("SEGMENT"), 16, 2);
	ui_list_column(&w->segs, 1, _("MEMBERS"), 9, 0);
	ui_list_column(&w->segs, 2, "", 10, 1);
	w->segs.empty = _("There is no usable segment: put CSV files in the "
	    "segments folder (see Segments).");
	ui_field_init(&w->name, _("Display name"), 0, CONNECTION_NAME_MAX);
	w->name.note = _("Up to 64 bytes; letters, digits, spaces and "
	    "punctuation.");
	ui_field_init(&w->target, "", 0, XW_TARGET_CAP);
	ui_list_init(&w->modes, UI_LIST_RADIO, 1);
	ui_list_column(&w->modes, 0, NULL, 40, 1);
	ui_field_init(&w->maxrm, _("Maximum removal share (%)"), 0, 3);
	snprintf(pct, sizeof pct, "%u", EXPORT_MAX_REMOVALS_DEFAULT);
	ui_field_set(&w->maxrm, pct);
	xw_fill_conns(w);
	xw_fill_fields(w);
	xw_build(w);
	return &w->base;
}

/*
 * The wizard filled in from x: to change it (duplicate unset), or to save
 * a copy of it as a new export, not scheduled.
 */
struct ui_screen *
export_wizard_from(struct app *app, const struct export *x, int duplicate)
{
	struct xw		*w = (struct xw *)export_wizard_new(app);
	struct connection	*c = app_conn(app, x->connection);
	const struct dest_slot	*sl;
	const char		*type = export_destination(x, c);
	char			*name, pct[8];
	size_t			 i, j;

	free(w->title);
	if (duplicate) {
		w->copy_of = xstrdup(x->name);
		name = xasprintf(_("%s (copy)"), x->name);
		w->title = xasprintf(_("Exports%sCopy of \"%s\""),
		    ui_glyph(UI_G_SEP), x->name);
	} else {
		name = xstrdup(x->name);
		w->title = xasprintf(_("Exports%sEdit \"%s\""),
		    ui_glyph(UI_G_SEP), x->name);
		w->edit = export_dup(x);
	}
	ui_field_set(&w->name, name);
	free(name);
	w->d = type != NULL ? dest_find(type) : NULL;
	if (w->d == NULL) {
		/* Nothing to fill in from: say so, and offer a new one. */
		export_free(&w->edit);
		xfree(&w->copy_of);
		free(w->title);
		w->title = xasprintf(_("Exports%sNew export"),
		    ui_glyph(UI_G_SEP));
		ui_message(app->ui, UI_MSG_WARN, _("\"%s\" goes to a "
		    "destination this segsync does not know; here is a new "
		    "export instead."), x->name);
		return &w->base;
	}
	/* A detached export chooses its connection again. */
	if (c != NULL && app_conn_usable(app, c) && !x->detached)
		w->conn_id = xstrdup(c->id);
	xw_fill_conns(w);
	ui_field_set(&w->target, x->target);
	if (w->conn_id != NULL) {
		/* Looked up when it was saved; a change looks it up again. */
		w->verified = xstrdup(x->target);
		w->vo = DEST_OK;
		w->found = x->target_name != NULL ? xstrdup(x->target_name) :
		    NULL;
		w->vmsg = x->target_name != NULL ? xasprintf(_("Found at "
		    "%s: %s."), _(w->d->label), x->target_name) :
		    xasprintf(_("Checked when the export was saved."));
	}
	xw_clear_maps(w);
	for (sl = w->d->slots; sl->key != NULL && w->nmaps < XW_MAPS; sl++) {
		w->maps[w->nmaps].dest = xstrdup(sl->key);
		w->maps[w->nmaps].slot = sl;
		w->maps[w->nmaps].field = export_field(x, sl->key) != NULL ?
		    xstrdup(export_field(x, sl->key)) : NULL;
		w->nmaps++;
	}
	for (i = 0; i < x->nmap && w->nmaps < XW_MAPS; i++) {
		if (strncmp(x->map[i].dest, "attr:", 5) != 0)
			continue;
		w->maps[w->nmaps].dest = xstrdup(x->map[i].dest);
		w->maps[w->nmaps].slot = NULL;
		w->maps[w->nmaps].field = xstrdup(x->map[i].field);
		w->nmaps++;
	}
	xw_fill_maplist(w);
	xw_fill_segs(w);
	for (i = 0; i < w->segs.n; i++)
		for (j = 0; j < x->nsegments; j++)
			if (strcmp(w->segs.rows[i].key, x->segments[j]) == 0)
				w->segs.rows[i].checked = 1;
	xw_fill_modes(w);
	ui_list_select_key(&w->modes, export_mode_name(x->mode));
	snprintf(pct, sizeof pct, "%u", x->max_removals);
	ui_field_set(&w->maxrm, pct);
	w->scheduled = duplicate ? 0 : x->scheduled;
	/* An edit opens on its summary; a copy on its name. */
	w->step = duplicate ? XW_NAME : XW_SAVE;
	if (w->conn_id == NULL)
		w->step = XW_CONN;
	xw_build(w);
	return &w->base;
}
