/*
 * The connections: type, name, who may use it, export user and the last
 * test, with the selected one's details; add, edit, test and remove.
 * Contributors see the connections open to them, may test them, and
 * never see or change credentials.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "screens/app.h"
#include "screens/nav.h"
#include "screens/screens.h"
#include "store/connops.h"
#include "ui/ui.h"
#include "ui/widget.h"

#define CONN_DETAIL_ROWS	7

struct conns {
	struct ui_screen	 base;
	struct app		*app;
	struct ui_list		 list;
	char			*remove_id;	/* waiting for the answer */
};

/* A test in the worker thread: everything it reads is its own. */
struct conn_test {
	struct conns			*cs;
	struct workspace		*ws;	/* the job's own handle */
	struct identity			*id;	/* for the credential store */
	const struct dest_driver	*d;
	struct connection		*c;
	struct secrecord			*rec;
	enum dest_outcome		 o;
	char				*message;
};

static const char *
last_test(const struct connection *c)
{
	if (c->last_test_outcome == NULL)
		return _("never");
	if (strcmp(c->last_test_outcome, "ok") == 0)
		return _("works");
	if (strcmp(c->last_test_outcome, "warning") == 0)
		return _("warning");
	return _("failed");
}

/*
 * Read the workspace again (reload) and list what the member may see,
 * keeping the selection: rows hold ids, since a reload (here or by
 * another screen) frees the connections.
 */
static void
conns_refresh(struct conns *cs, int reload)
{
	struct connection	*c;
	const char		*cells[5];
	char			*sel_id;
	size_t			 i;

	/* What a wizard just saved, else what was selected. */
	if (cs->app->just_saved != NULL &&
	    cs->app->just_saved_kind == 'c') {
		sel_id = cs->app->just_saved;
		cs->app->just_saved = NULL;
	} else
		sel_id = ui_list_selected_key(&cs->list) != NULL ?
		    xstrdup(ui_list_selected_key(&cs->list)) : NULL;
	if (reload)
		app_reload(cs->app);
	ui_list_clear(&cs->list);
	for (i = 0; i < cs->app->conns.n; i++) {
		c = cs->app->conns.items[i];
		if (!app_conn_usable(cs->app, c))
			continue;
		cells[0] = c->name;
		cells[1] = app_type_label(c->type);
		cells[2] = c->contributors ? _("all members") :
		    _("admins only");
		cells[3] = c->export_user != NULL ? c->export_user : "-";
		cells[4] = last_test(c);
		ui_list_add_key(&cs->list, cells, c->id);
	}
	ui_list_select_key(&cs->list, sel_id);
	free(sel_id);
}

/* The selected connection, as loaded now, or NULL. */
static struct connection *
conns_selected(struct conns *cs)
{
	const char	*id = ui_list_selected_key(&cs->list);

	return id != NULL ? app_conn(cs->app, id) : NULL;
}

static const char *
conns_title(struct ui_screen *s)
{
	(void)s;
	return _("Connections");
}

/* The details of the selected connection, malloc'd. */
static char *
details(struct conns *cs, const struct connection *c)
{
	const struct dest_driver	*d = app_driver(c);
	const struct dest_field		*f;
	const cJSON			*item;
	char				*s, *t, *names = NULL;
	size_t				 n;

	s = xasprintf(_("%s (%s), added %s by %s."), c->name,
	    app_type_label(c->type), app_date(c->created_at), c->created_by);
	for (f = d != NULL ? d->conn_fields : NULL; f != NULL &&
	    f->key != NULL; f++) {
		item = cJSON_GetObjectItemCaseSensitive(c->settings, f->key);
		if (f->secret || !cJSON_IsString(item))
			continue;
		t = xasprintf(_("%s %s: %s."), s, _(f->label),
		    item->valuestring);
		free(s);
		s = t;
	}
	if (c->nsecrets > 0 && cs->app->admin) {
		t = xasprintf(_("%s Credentials are stored encrypted."), s);
		free(s);
		s = t;
	}
	n = app_conn_exports(cs->app, c->id, &names);
	if (n > 0) {
		t = xasprintf(ngettext_("%s Used by %zu export: %s.",
		    "%s Used by %zu exports: %s.", n), s, n, names);
		free(s);
		s = t;
	}
	free(names);
	if (c->last_test_at != NULL) {
		t = xasprintf(_("%s\nLast test, %s: %s"), s,
		    app_date(c->last_test_at), c->last_test_message != NULL ?
		    c->last_test_message : "");
		free(s);
		s = t;
	}
	return s;
}

static void
conns_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct conns		*cs = (struct conns *)s;
	struct connection	*c;
	char			*text;
	enum ui_role		 role = UI_A_DIM;

	(void)ui;
	ui_list_draw(&cs->list, (struct ui_rect){ r.x, r.y, r.w,
	    r.h - CONN_DETAIL_ROWS }, 1);
	c = conns_selected(cs);
	if (c == NULL)
		return;
	text = details(cs, c);
	if (c->last_test_outcome != NULL && strcmp(c->last_test_outcome,
	    "ok") != 0 && strcmp(c->last_test_outcome, "warning") != 0)
		role = UI_A_WARN;
	ui_draw_wrap((struct ui_rect){ r.x + 2, r.y + r.h - CONN_DETAIL_ROWS +
	    1, r.w - 3, CONN_DETAIL_ROWS - 1 }, role, text);
	free(text);
}

static void
conn_test_work(void *arg)
{
	struct conn_test	*t = arg;

	t->o = connops_test(t->ws, t->id, t->d, t->c, t->rec, &t->message);
	t->id = NULL;		/* the credential store freed it */
}

static void
conn_test_done(struct ui *ui, void *arg)
{
	struct conn_test	*t = arg;
	struct conns		*cs = t->cs;
	char			*cause = NULL;

	workspace_free(&t->ws);
	if (connops_remember_test(cs->app->ws, t->c->id, t->o, t->message,
	    NULL, &cause) == -1) {
		ui_message(ui, UI_MSG_WARN, "%s", cause);
		free(cause);
	}
	conns_refresh(cs, 1);
	if (t->o == DEST_OK)
		ui_message(ui, UI_MSG_OK, "%s %s", ui_glyph(UI_G_OK),
		    t->message);
	else if (t->o == DEST_WARNING)
		ui_message(ui, UI_MSG_WARN, _("Works, with a warning: %s"),
		    t->message);
	else
		ui_notice(ui, _("The connection does not work"), t->message,
		    NULL, NULL);
	secrecord_free(&t->rec);
	connection_free(&t->c);
	free(t->message);
	free(t);
}

static void
conns_test(struct conns *cs, struct connection *c)
{
	struct conn_test	*t;
	const struct dest_driver *d = app_driver(c);
	struct secrecord		*rec = NULL;
	char			*cause = NULL, *text;
	enum sec_status		 sst;

	if (d == NULL) {
		text = app_sentence(xasprintf(_("the connection \"%s\" has "
		    "the unknown type \"%s\""), c->name, c->type));
		ui_message(cs->app->ui, UI_MSG_ERROR, "%s", text);
		free(text);
		return;
	}
	sst = connops_record_open(cs->app->ws, c, cs->app->id, &rec, &cause);
	if (sst != SEC_OK) {
		ui_message(cs->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		return;
	}
	t = xcalloc(1, sizeof *t);
	if (app_job_keys(cs->app, &t->ws, &t->id) == -1) {
		secrecord_free(&rec);
		free(t);
		return;
	}
	t->cs = cs;
	t->d = d;
	t->c = connection_dup(c);
	t->rec = rec;
	text = xasprintf(_("Testing \"%s\" at %s..."), c->name,
	    app_type_label(c->type));
	if (ui_job_start(cs->app->ui, text, conn_test_work, conn_test_done, t,
	    &cause) == -1) {
		ui_message(cs->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		secrecord_free(&t->rec);
		connection_free(&t->c);
		identity_free(&t->id);
		workspace_free(&t->ws);
		free(t);
	}
	free(text);
}

/* Remove the connection chosen, its exports as what says. */
static void
conns_remove_now(struct conns *cs, enum connops_exports what)
{
	struct connection	*c;
	char			*cause = NULL, *name;
	size_t			 n = 0;

	c = app_conn(cs->app, cs->remove_id);
	name = xstrdup(c != NULL ? c->name : "?");
	if (connops_remove(cs->app->ws, cs->remove_id, what, &n,
	    &cause) != FAIL_NONE) {
		ui_message(cs->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
	} else if (n == 0)
		ui_message(cs->app->ui, UI_MSG_OK, _("Removed \"%s\" and its "
		    "credentials: nothing more is sent through it."), name);
	else if (what == CONNOPS_EXPORTS_DETACH)
		ui_message(cs->app->ui, UI_MSG_OK, ngettext_("Removed \"%s\" "
		    "and its credentials; %zu export is kept, detached.",
		    "Removed \"%s\" and its credentials; %zu exports are "
		    "kept, detached.", n), name, n);
	else
		ui_message(cs->app->ui, UI_MSG_OK, ngettext_("Removed \"%s\", "
		    "its credentials and %zu export.", "Removed \"%s\", its "
		    "credentials and %zu exports.", n), name, n);
	free(name);
	xfree(&cs->remove_id);
	conns_refresh(cs, 1);
}

static void
conns_exports_answer(struct ui *ui, void *arg, int remove)
{
	(void)ui;
	/* No (and Esc) keeps the exports: the one choice that loses none. */
	conns_remove_now(arg, remove ? CONNOPS_EXPORTS_REMOVE :
	    CONNOPS_EXPORTS_DETACH);
}

static void
conns_remove_answer(struct ui *ui, void *arg, int yes)
{
	struct conns	*cs = arg;
	char		*names = NULL, *text;
	size_t		 n;

	if (!yes || cs->remove_id == NULL) {
		xfree(&cs->remove_id);
		return;
	}
	n = app_conn_exports(cs->app, cs->remove_id, &names);
	if (n == 0) {
		conns_remove_now(cs, CONNOPS_EXPORTS_REFUSE);
		return;
	}
	if (n == 1)
		text = xasprintf(_("What becomes of the export %s? Detached, "
		    "it keeps its settings and does not run until you attach it "
		    "to another connection (Edit, Connection); removed, it is "
		    "gone with its history of what was sent."), names);
	else
		text = xasprintf(ngettext_("What becomes of the %1$zu export "
		    "%2$s? Detached, it keeps its settings and does not run "
		    "until you attach it to another connection (Edit, "
		    "Connection); removed, it is gone with its history of what "
		    "was sent.", "What becomes of the %1$zu exports %2$s? "
		    "Detached, they keep their settings and do not run until "
		    "you attach them to another connection (Edit, Connection); "
		    "removed, they are gone with their history of what was "
		    "sent.", n), n, names);
	free(names);
	ui_confirm(ui, _("Its exports"), text, _("Remove them"),
	    _("Detach them"), 1, conns_exports_answer, cs);
	free(text);
}

static void
conns_remove(struct conns *cs, struct connection *c)
{
	char	*text, *names = NULL;
	size_t	 n;

	n = app_conn_exports(cs->app, c->id, &names);
	if (n == 0)
		text = xasprintf(_("Remove the connection \"%s\" and its "
		    "encrypted credentials? No export uses it. The credentials "
		    "still work at %s until you revoke them there."), c->name,
		    app_type_label(c->type));
	else
		text = xasprintf(ngettext_("Remove the connection \"%1$s\" "
		    "and its encrypted credentials? %2$zu export uses it, %3$s: "
		    "you choose next whether it is detached or removed. The "
		    "credentials still work at %4$s until you revoke them there.",
		    "Remove the connection \"%1$s\" and its encrypted "
		    "credentials? %2$zu exports use it, %3$s: you choose next "
		    "whether they are detached or removed. The credentials "
		    "still work at %4$s until you revoke them there.", n),
		    c->name, n, names, app_type_label(c->type));
	free(names);
	free(cs->remove_id);
	cs->remove_id = xstrdup(c->id);
	ui_confirm(cs->app->ui, _("Remove the connection?"), text,
	    _("Remove"), _("Keep"), 1, conns_remove_answer, cs);
	free(text);
}

static int
conns_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct conns		*cs = (struct conns *)s;
	struct connection	*c = conns_selected(cs);
	int			 admin = cs->app->admin;

	if (cs->list.searching)
		return ui_list_key(&cs->list, key) != UI_W_IGNORED;
	switch (key) {
	case 'a':
	case '+':
		if (!admin) {
			ui_message(ui, UI_MSG_WARN, _("Only administrators can "
			    "add connections."));
			return 1;
		}
		nav_open(cs->app, NAV_CONN_WIZARD, NULL);
		return 1;
	case 'e':
	case UI_KEY_ENTER:
		if (c == NULL)
			return 1;
		if (!admin) {
			ui_message(ui, UI_MSG_WARN, _("Only administrators can "
			    "change connections."));
			return 1;
		}
		nav_open(cs->app, NAV_CONN_WIZARD, c->id);
		return 1;
	case 't':
		if (c != NULL)
			conns_test(cs, c);
		return 1;
	case 'd':
	case UI_KEY_DELETE:
		if (c == NULL)
			return 1;
		if (!admin) {
			ui_message(ui, UI_MSG_WARN, _("Only administrators can "
			    "remove connections."));
			return 1;
		}
		conns_remove(cs, c);
		return 1;
	case UI_KEY_TAB:
		key = UI_KEY_DOWN;
		break;
	case UI_KEY_BTAB:
		key = UI_KEY_UP;
		break;
	}
	return ui_list_key(&cs->list, key) != UI_W_IGNORED || key ==
	    UI_KEY_UP || key == UI_KEY_DOWN;
}

static size_t
conns_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct conns	*cs = (struct conns *)s;
	size_t		 n = 0;

	if (max < 6)
		return 0;
	if (cs->list.searching) {
		h[n++] = (struct ui_hint){ "Down", _("next match") };
		h[n++] = (struct ui_hint){ "Enter", _("done") };
		return n;
	}
	if (cs->app->admin)
		h[n++] = (struct ui_hint){ "a", _("add") };
	if (cs->list.n > 0) {
		if (cs->app->admin)
			h[n++] = (struct ui_hint){ "Enter", _("edit") };
		h[n++] = (struct ui_hint){ "t", _("test") };
		if (cs->app->admin)
			h[n++] = (struct ui_hint){ "d", _("remove") };
		h[n++] = (struct ui_hint){ "/", _("search") };
	}
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
conns_help(struct ui_screen *s)
{
	struct conns	*cs = (struct conns *)s;

	if (!cs->app->admin)
		return _("The connections open to contributors. You may test "
		    "them (t) and create exports that use them; only "
		    "administrators add, change or remove connections, and "
		    "nobody sees the credentials.");
	return _("A connection is an authenticated link to one destination "
	    "account. a adds one with a wizard (destination, name, who may "
	    "use it, credentials, privacy notice, test, export user). Enter "
	    "changes the selected one (leave a secret empty to keep it), t "
	    "tests its credentials again, d removes it and its encrypted "
	    "credentials (its exports then stop).");
}

static void
conns_resume(struct ui_screen *s, struct ui *ui)
{
	struct conns	*cs = (struct conns *)s;

	(void)ui;
	conns_refresh(cs, 1);
}

static void
conns_free(struct ui_screen *s)
{
	struct conns	*cs = (struct conns *)s;

	ui_list_free(&cs->list);
	free(cs->remove_id);
	free(cs);
}

static const struct ui_screen_ops conns_ops = {
	.name = "connections",
	.title = conns_title,
	.draw = conns_draw,
	.key = conns_key,
	.hints = conns_hints,
	.help = conns_help,
	.resume = conns_resume,
	.free = conns_free,
};

struct ui_screen *
connections_new(struct app *app)
{
	struct conns	*cs;

	cs = xcalloc(1, sizeof *cs);
	cs->base.ops = &conns_ops;
	cs->app = app;
	ui_list_init(&cs->list, UI_LIST_TABLE, 5);
	ui_list_column(&cs->list, 0, _("NAME"), 12, 3);
	ui_list_column(&cs->list, 1, _("TYPE"), 18, 0);
	ui_list_column(&cs->list, 2, _("USABLE BY"), 11, 0);
	ui_list_column(&cs->list, 3, _("EXPORT USER"), 11, 1);
	ui_list_column(&cs->list, 4, _("LAST TEST"), 9, 0);
	/* What is fixed fits what it holds; the names get the rest. */
	ui_list_fit(&cs->list, 1);
	ui_list_fit(&cs->list, 2);
	ui_list_fit(&cs->list, 4);
	ui_list_middle(&cs->list, 0);
	cs->list.empty = app->admin ? _("No connection yet. Press a to add "
	    "one: the wizard asks for the destination, a name and the "
	    "credentials, and tests them.") : _("No connection is open to "
	    "contributors. An administrator can add one, or open one to "
	    "contributors.");
	conns_refresh(cs, 0);
	return &cs->base;
}
