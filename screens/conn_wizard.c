/*
 * The connection wizard: exactly the steps of shared/docs/product.md, in
 * order: destination, name, who may use it, credentials (the driver's
 * conn_fields), the privacy notice, Connect (the live test), the export
 * user, Save. Changing a saved connection walks the same steps without
 * the destination and the notice; a secret left empty keeps its value.
 *
 * Everything about a destination comes from its driver's tables: what to
 * ask (conn_fields, with labels, help and suggestions), how to test. No
 * step knows which destination it is talking about.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "net/http.h"
#include "net/oauth.h"
#include "screens/app.h"
#include "screens/screens.h"
#include "secrets/secret.h"
#include "store/connops.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"

#define CW_FIELD_CAP	4096		/* bytes a credential may take */

enum cw_step {
	CW_DEST,
	CW_NAME,
	CW_WHO,
	CW_CREDS,
	CW_AUTHORIZE,		/* OAuth drivers: part of the credentials */
	CW_PRIVACY,
	CW_CONNECT,
	CW_EXPORT_USER,
	CW_SAVE,
	CW_NSTEPS
};

/*
 * The buttons by position: Back (or Cancel) and Next (or Save); on
 * Connect once tested, Back, Test again and Next.
 */
enum cw_button {
	CW_BUTTON_BACK,
	CW_BUTTON_NEXT,
	CW_BUTTON_TEST = CW_BUTTON_NEXT,
	CW_BUTTON_TESTED_NEXT
};

enum cw_test {
	CW_UNTESTED,
	CW_PASSED,		/* ok or warning */
	CW_FAILED
};

struct cw {
	struct ui_screen		 base;
	struct app			*app;
	struct connection		*edit;	/* a copy of the saved one */
	enum cw_step			 steps[CW_NSTEPS];
	size_t				 nsteps;
	size_t				 at;	/* index into steps */
	const struct dest_driver	*d;
	char				*title;
	char				*heading;
	char				*text;
	char				*text2;

	struct ui_form			 form;
	struct ui_buttons		 buttons;
	struct ui_list			 dests;
	struct ui_field			 name;
	struct ui_list			 who;
	struct ui_field			 creds[DEST_MAX_CONN_FIELDS];
	char				*cred_labels[DEST_MAX_CONN_FIELDS];
	size_t				 ncreds;
	int				 agree;
	int				 export_user;
	char				*agree_label;
	char				*export_label;
	int				 touched;	/* anything typed */

	int				 built_w;	/* of the summary */
	enum cw_test			 test;
	enum dest_outcome		 outcome;
	char				*outcome_msg;

	/* OAuth (the driver's oauth_url): the address, what came back. */
	char				*oauth_state;
	char				*oauth_url;
	char				*oauth_text;
	struct ui_field			 code;
	struct secret			*refresh;	/* from the exchange */
	/*
	 * The test found the saved authorization refused: an empty code
	 * no longer keeps it.
	 */
	int				 reauthorize;

	char				*help;		/* built for the step */
};

struct cw_job {
	struct cw			*w;
	const struct dest_driver	*d;
	struct connection		*c;
	struct secrecord			*rec;
	struct workspace		*ws;	/* a credstore's, or NULL */
	struct identity			*id;
	enum dest_outcome		 o;
	char				*message;

	/* The OAuth exchange. */
	struct secret			*client_secret;
	struct secret			*code;
	struct oauth_tokens		 tok;
	enum oauth_status		 st;
};

static void	cw_build(struct cw *);

/* The steps for this driver: new or changed, with OAuth or not. */
static void
cw_set_steps(struct cw *w)
{
	w->nsteps = 0;
	if (w->edit == NULL)
		w->steps[w->nsteps++] = CW_DEST;
	w->steps[w->nsteps++] = CW_NAME;
	w->steps[w->nsteps++] = CW_WHO;
	w->steps[w->nsteps++] = CW_CREDS;
	if (w->d->oauth_url != NULL)
		w->steps[w->nsteps++] = CW_AUTHORIZE;
	if (w->edit == NULL)
		w->steps[w->nsteps++] = CW_PRIVACY;
	w->steps[w->nsteps++] = CW_CONNECT;
	w->steps[w->nsteps++] = CW_EXPORT_USER;
	w->steps[w->nsteps++] = CW_SAVE;
}

/* Forget the authorization: the client's fields changed. */
static void
cw_forget_auth(struct cw *w)
{
	secret_free(&w->refresh);
	xfree(&w->oauth_state);
	xfree(&w->oauth_url);
	ui_field_clear(&w->code);
	w->code.changed = 0;
	ui_field_error(&w->code, NULL);
}

static enum cw_step
cw_step(const struct cw *w)
{
	return w->steps[w->at];
}

/* A field holding a URL gets the URL policy (http only to loopback). */
static int
is_url_field(const struct dest_field *f)
{
	size_t	len = strlen(f->option);

	return len > 4 && strcmp(f->option + len - 4, "-url") == 0;
}

static void
cw_free_creds(struct cw *w)
{
	size_t	i;

	for (i = 0; i < w->ncreds; i++) {
		ui_field_free(&w->creds[i]);
		free(w->cred_labels[i]);
	}
	w->ncreds = 0;
}

/* The credential fields of the chosen driver, kept across Back. */
static void
cw_make_creds(struct cw *w)
{
	const struct dest_field	*f;
	const cJSON		*v;
	struct ui_field		*uf;
	size_t			 i;

	cw_free_creds(w);
	for (f = w->d->conn_fields, i = 0; f->key != NULL &&
	    i < DEST_MAX_CONN_FIELDS; f++, i++) {
		uf = &w->creds[i];
		w->cred_labels[i] = f->required ? xstrdup(_(f->label)) :
		    xasprintf(_("%s (optional)"), _(f->label));
		ui_field_init(uf, w->cred_labels[i], f->secret, CW_FIELD_CAP);
		uf->note = _(f->help);
		uf->suggest = dest_suggestions(w->d, f->key);
		if (w->edit != NULL && f->secret)
			uf->placeholder = _("unchanged (type to replace)");
		if (w->edit != NULL && !f->secret) {
			v = cJSON_GetObjectItemCaseSensitive(w->edit->settings,
			    f->key);
			if (cJSON_IsString(v))
				ui_field_set(uf, v->valuestring);
		}
	}
	w->ncreds = i;
}

/* The name: valid, and no other connection has it. */
static int
cw_check_name(struct cw *w, int show_empty)
{
	const char		*name = ui_field_text(&w->name);
	struct connection	*same;
	char			*cause = NULL;

	if (ui_field_len(&w->name) == 0 && !show_empty) {
		ui_field_error(&w->name, NULL);
		return 0;
	}
	if (connection_name_valid(name, &cause) == -1) {
		cause = app_sentence(cause);
		ui_field_error(&w->name, cause);
		free(cause);
		return 0;
	}
	same = connection_list_find(&w->app->conns, name);
	if (same != NULL && (w->edit == NULL || strcmp(same->id,
	    w->edit->id) != 0)) {
		cause = xasprintf(_("A connection named \"%s\" already exists: "
		    "choose another name."), name);
		ui_field_error(&w->name, cause);
		free(cause);
		return 0;
	}
	ui_field_error(&w->name, NULL);
	return 1;
}

/* Credentials: required ones given, addresses allowed. */
static int
cw_check_creds(struct cw *w, int *first_bad)
{
	const struct dest_field	*f;
	struct ui_field		*uf;
	char			*cause = NULL, *msg;
	size_t			 i;
	int			 ok = 1;

	*first_bad = -1;
	for (f = w->d->conn_fields, i = 0; i < w->ncreds; f++, i++) {
		uf = &w->creds[i];
		ui_field_error(uf, NULL);
		if (ui_field_len(uf) == 0) {
			if (f->required && !(f->secret && w->edit != NULL)) {
				msg = xasprintf(_("%s is needed."),
				    _(f->label));
				ui_field_error(uf, msg);
				free(msg);
			}
		} else if (is_url_field(f) &&
		    http_url_check(ui_field_text(uf), &cause) == -1) {
			ui_field_error(uf, cause);
			free(cause);
		}
		if (uf->error != NULL) {
			ok = 0;
			if (*first_bad == -1)
				*first_bad = (int)i;
		}
	}
	return ok;
}

/*
 * The connection as the steps describe it (malloc'd) and the secrets
 * typed (values[], one per conn_fields entry, NULL where none).
 */
static struct connection *
cw_draft(struct cw *w, struct secret **values)
{
	const struct dest_field	*f;
	struct connection	*c;
	char			 now[UTIL_RFC3339_LEN];
	size_t			 i, j;
	int			 had;

	util_rfc3339(time(NULL), now);
	if (w->edit != NULL)
		c = connection_dup(w->edit);
	else {
		c = xcalloc(1, sizeof *c);
		c->id = connection_new_id();
		c->type = xstrdup(w->d->id);
		c->created_by = xstrdup(w->app->user);
		c->created_at = xstrdup(now);
		c->privacy_agreed_by = xstrdup(w->app->user);
		c->privacy_agreed_at = xstrdup(now);
		c->settings = cJSON_CreateObject();
		c->secrets = xcalloc(DEST_MAX_CONN_FIELDS, sizeof *c->secrets);
	}
	free(c->name);
	c->name = xstrdup(ui_field_text(&w->name));
	c->contributors = w->who.sel == 1;
	free(c->export_user);
	c->export_user = w->export_user ? xstrdup(w->app->user) : NULL;
	if (w->edit != NULL) {
		c->secrets = xreallocarray(c->secrets, c->nsecrets +
		    DEST_MAX_CONN_FIELDS, sizeof *c->secrets);
	}
	for (f = w->d->conn_fields, i = 0; i < w->ncreds; f++, i++) {
		values[i] = NULL;
		if (f->secret) {
			values[i] = ui_field_secret(&w->creds[i]);
			for (j = 0, had = 0; j < c->nsecrets; j++)
				if (strcmp(c->secrets[j], f->key) == 0)
					had = 1;
			if (values[i] != NULL && !had)
				c->secrets[c->nsecrets++] = xstrdup(f->key);
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(c->settings, f->key);
		if (ui_field_len(&w->creds[i]) > 0)
			cJSON_AddStringToObject(c->settings, f->key,
			    ui_field_text(&w->creds[i]));
	}
	return c;
}

static void
cw_free_values(struct secret **values)
{
	size_t	i;

	for (i = 0; i < DEST_MAX_CONN_FIELDS; i++)
		secret_free(&values[i]);
}

/* Free a job and what it owns. */
static void
cw_job_free(struct cw_job *j)
{
	secrecord_free(&j->rec);
	connection_free(&j->c);
	identity_free(&j->id);
	workspace_free(&j->ws);
	secret_free(&j->client_secret);
	secret_free(&j->code);
	oauth_tokens_clear(&j->tok);
	free(j->message);
	free(j);
}

/* The test, in the worker thread. */
static void
cw_test_work(void *arg)
{
	struct cw_job	*j = arg;

	j->o = connops_test(j->ws, j->id, j->d, j->c, j->rec, &j->message);
	j->id = NULL;			/* the credential store freed it */
}

static void
cw_test_done(struct ui *ui, void *arg)
{
	struct cw_job	*j = arg;
	struct cw	*w = j->w;

	(void)ui;
	w->outcome = j->o;
	free(w->outcome_msg);
	w->outcome_msg = j->message;
	j->message = NULL;
	w->test = j->o == DEST_OK || j->o == DEST_WARNING ? CW_PASSED :
	    CW_FAILED;
	cw_job_free(j);
	cw_build(w);
}

/*
 * The record the steps describe: built from what was typed for a new
 * connection, or the saved one with what was typed over it.
 */
static enum sec_status
cw_record(struct cw *w, const struct connection *c, struct secret **values,
    struct secrecord **recp, char **cause)
{
	const struct dest_field	*f;
	size_t			 i;
	enum sec_status		 sst;

	if (w->edit == NULL)
		return connops_record_build(w->app->ws, c, w->d, values,
		    w->refresh, recp, cause);
	sst = connops_record_open(w->app->ws, w->edit, w->app->id, recp,
	    cause);
	for (f = w->d->conn_fields, i = 0; sst == SEC_OK && i < w->ncreds;
	    f++, i++)
		if (values[i] != NULL)
			sst = secrecord_set(*recp, f->key, values[i], cause);
	if (sst == SEC_OK && w->refresh != NULL)
		sst = secrecord_set(*recp, OAUTH_REFRESH_FIELD, w->refresh,
		    cause);
	if (sst != SEC_OK)
		secrecord_free(recp);
	return sst;
}

/* Start the live test of what the steps say. */
static void
cw_test(struct cw *w)
{
	struct secret		*values[DEST_MAX_CONN_FIELDS] = { NULL };
	struct connection	*c;
	struct secrecord		*rec = NULL;
	struct cw_job		*j;
	char			*cause = NULL, *text;
	enum sec_status		 sst;

	c = cw_draft(w, values);
	sst = cw_record(w, c, values, &rec, &cause);
	cw_free_values(values);
	if (sst != SEC_OK) {
		w->test = CW_FAILED;
		w->outcome = DEST_OTHER;
		free(w->outcome_msg);
		w->outcome_msg = app_sentence(cause);
		connection_free(&c);
		cw_build(w);
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->w = w;
	j->d = w->d;
	j->c = c;
	j->rec = rec;
	/* A saved connection: what the destination renews is kept. */
	if (w->edit != NULL && app_job_keys(w->app, &j->ws, &j->id) == -1) {
		cw_job_free(j);
		return;
	}
	text = xasprintf(_("Testing the credentials at %s..."), _(w->d->label));
	if (ui_job_start(w->app->ui, text, cw_test_work, cw_test_done, j,
	    &cause) == -1) {
		ui_message(w->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		cw_job_free(j);
	}
	free(text);
}

/* The OAuth client secret: typed, else the saved one (editing). */
static struct secret *
cw_client_secret(struct cw *w)
{
	const struct dest_field	*f;
	struct secrecord		*rec = NULL;
	struct secret		*s = NULL;
	char			*cause = NULL;
	size_t			 i;

	for (f = w->d->conn_fields, i = 0; i < w->ncreds; f++, i++)
		if (w->d->oauth_secret != NULL &&
		    strcmp(f->key, w->d->oauth_secret) == 0)
			s = ui_field_secret(&w->creds[i]);
	if (s != NULL || w->edit == NULL)
		return s;
	if (connops_record_open(w->app->ws, w->edit, w->app->id, &rec,
	    &cause) != SEC_OK) {
		ui_field_error(&w->code, cause);
		free(cause);
		return NULL;
	}
	if (dest_oauth_secret(w->d, rec) != NULL)
		s = secret_dup(dest_oauth_secret(w->d, rec));
	secrecord_free(&rec);
	return s;
}

/* The address to open, for the client's fields as typed. */
static void
cw_make_auth_url(struct cw *w)
{
	struct secret		*values[DEST_MAX_CONN_FIELDS] = { NULL };
	struct connection	*c;
	struct oauth_app	 app;

	if (w->oauth_url != NULL)
		return;
	c = cw_draft(w, values);
	cw_free_values(values);
	dest_oauth_app(w->d, c, NULL, &app);
	w->oauth_state = oauth_state_new();
	w->oauth_url = oauth_authorize_url(&app, w->oauth_state);
	free(w->oauth_text);
	w->oauth_text = xasprintf(_("The browser is then sent to %s (the page "
	    "may fail to load: that is expected). Paste here the whole "
	    "address from the browser's address bar, or only the value after "
	    "code=. F3 shows the address alone, to copy it in one piece."),
	    app.redirect_uri);
	connection_free(&c);
}

/* The exchange of the code for tokens, in the worker thread. */
static void
cw_auth_work(void *arg)
{
	struct cw_job		*j = arg;
	struct oauth_app	 app;
	struct http_engine	*e;

	dest_oauth_app(j->d, j->c, j->client_secret, &app);
	e = connops_check_engine(&j->message);
	if (e == NULL) {
		j->st = OAUTH_OTHER;
		return;
	}
	j->st = oauth_exchange(e, &app, j->code, &j->tok, &j->message);
	http_free(&e);
}

static void
cw_auth_done(struct ui *ui, void *arg)
{
	struct cw_job	*j = arg;
	struct cw	*w = j->w;

	if (j->st != OAUTH_OK || j->tok.refresh == NULL) {
		if (j->message == NULL)
			j->message = xasprintf(_("%s gave no refresh token: "
			    "authorize again."), _(w->d->label));
		j->message = app_sentence(j->message);
		ui_field_error(&w->code, j->message);
		/* A code is good once: the next try needs a new one. */
		xfree(&w->oauth_url);
		xfree(&w->oauth_state);
		cw_make_auth_url(w);
		cw_job_free(j);
		cw_build(w);
		return;
	}
	secret_free(&w->refresh);
	w->refresh = j->tok.refresh;
	j->tok.refresh = NULL;
	w->reauthorize = 0;
	w->test = CW_UNTESTED;
	ui_message(ui, UI_MSG_OK, _("%s authorized segsync: its refresh "
	    "token will be stored encrypted."), _(w->d->label));
	cw_job_free(j);
	w->at++;
	cw_build(w);
	if (cw_step(w) == CW_CONNECT && w->test == CW_UNTESTED)
		cw_test(w);
}

static void	cw_trim(struct cw *, struct ui_field *);

/* Take the pasted code or address back and exchange it. */
static int
cw_authorize(struct cw *w)
{
	struct secret		*values[DEST_MAX_CONN_FIELDS] = { NULL };
	struct secret		*reply;
	struct cw_job		*j;
	char			*cause = NULL, *note = NULL, *text;

	cw_trim(w, &w->code);
	reply = ui_field_secret(&w->code);
	if (reply == NULL) {
		if ((w->edit != NULL && !w->reauthorize) || w->refresh != NULL)
			return 0;	/* keep the authorization there is */
		if (w->reauthorize) {
			ui_field_error(&w->code, _("The saved authorization "
			    "was refused: open the address, allow access, and "
			    "paste the code or the address the browser was "
			    "sent to."));
			return -1;
		}
		ui_field_error(&w->code, _("Paste the code, or the address the "
		    "browser was sent to, first."));
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	if (oauth_parse_reply((const char *)secret_peek(reply),
	    secret_len(reply), w->oauth_state, &j->code, &note,
	    &cause) != 0) {
		secret_free(&reply);
		ui_field_error(&w->code, cause);
		free(cause);
		cw_job_free(j);
		return -1;
	}
	secret_free(&reply);
	if (note != NULL)
		ui_message(w->app->ui, UI_MSG_WARN, "%s", note);
	free(note);
	j->w = w;
	j->d = w->d;
	j->c = cw_draft(w, values);
	cw_free_values(values);
	j->client_secret = cw_client_secret(w);
	if (j->client_secret == NULL) {
		cw_job_free(j);
		return -1;
	}
	ui_field_clear(&w->code);
	w->code.changed = 0;
	text = xasprintf(_("Exchanging the code for tokens at %s..."),
	    _(w->d->label));
	if (ui_job_start(w->app->ui, text, cw_auth_work, cw_auth_done, j,
	    &cause) == -1) {
		ui_message(w->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
		cw_job_free(j);
	}
	free(text);
	return 1;
}

static void
cw_save(struct cw *w)
{
	struct secret		*values[DEST_MAX_CONN_FIELDS] = { NULL };
	struct connection	*c;
	char			*cause = NULL;
	size_t			 i;
	enum fail_kind		 rc;

	c = cw_draft(w, values);
	if (w->refresh != NULL) {
		for (i = 0; i < c->nsecrets; i++)
			if (strcmp(c->secrets[i], OAUTH_REFRESH_FIELD) == 0)
				break;
		if (i == c->nsecrets) {
			c->secrets = xreallocarray(c->secrets, c->nsecrets + 1,
			    sizeof *c->secrets);
			c->secrets[c->nsecrets++] = xstrdup(
			    OAUTH_REFRESH_FIELD);
		}
	}
	if (w->test == CW_PASSED)
		connection_set_last_test(c, dest_outcome_name(w->outcome),
		    w->outcome_msg);
	if (w->edit == NULL)
		rc = connops_add(w->app->ws, c, w->d, values, w->refresh,
		    &cause);
	else
		rc = connops_update(w->app->ws, w->app->id, c, w->d, values,
		    w->refresh, &cause);
	cw_free_values(values);
	app_reload(w->app);
	if (rc != FAIL_NONE) {
		cause = app_sentence(cause);
		ui_message(w->app->ui, UI_MSG_ERROR, _("Nothing was saved: %s"),
		    cause);
		free(cause);
		connection_free(&c);
		return;
	}
	ui_message(w->app->ui, UI_MSG_OK, _("Saved the connection \"%s\" "
	    "(%s)."), c->name, _(w->d->label));
	free(w->app->just_saved);
	w->app->just_saved = xstrdup(c->id);
	w->app->just_saved_kind = 'c';
	connection_free(&c);
	ui_pop(w->app->ui);
}

/* The summary of the Save step, malloc'd. */
static char *
cw_summary(struct cw *w, int width)
{
	const struct dest_field	*f;
	struct secret		*v;
	const char		*kv[2 * (DEST_MAX_CONN_FIELDS + 6)];
	char			*own[DEST_MAX_CONN_FIELDS + 2], *mask, *s;
	size_t			 i, n = 0, nown = 0;

#define KV(k, val) do { kv[2 * n] = (k); kv[2 * n + 1] = (val); n++; } \
	while (0)
	KV(_("Destination"), _(w->d->label));
	KV(_("Name"), ui_field_text(&w->name));
	KV(_("Usable by"), w->who.sel == 1 ? _("administrators and "
	    "contributors") : _("administrators only"));
	for (f = w->d->conn_fields, i = 0; i < w->ncreds; f++, i++) {
		if (f->secret) {
			v = ui_field_secret(&w->creds[i]);
			mask = v != NULL ? secret_mask(v) : NULL;
			secret_free(&v);
			if (mask != NULL)
				own[nown] = xasprintf(_("%s (stored "
				    "encrypted)"), mask);
			else
				own[nown] = xstrdup(_("unchanged"));
			free(mask);
			KV(_(f->label), own[nown]);
			nown++;
		} else if (ui_field_len(&w->creds[i]) > 0)
			KV(_(f->label), ui_field_text(&w->creds[i]));
	}
	if (w->d->oauth_url != NULL)
		KV(_("Authorization"), w->refresh != NULL ? _("given; the "
		    "refresh token is stored encrypted") : _("unchanged"));
	KV(_("Test"), w->test == CW_PASSED ? w->outcome_msg :
	    _("not tested"));
	if (w->export_user)
		own[nown] = xasprintf(_("%s (exports may run in your name, "
		    "scheduled ones too)"), w->app->user);
	else
		own[nown] = xstrdup(_("none (exports run only when a member "
		    "starts them)"));
	KV(_("Export user"), own[nown]);
	nown++;
#undef KV
	s = app_kv(kv, n, width);
	for (i = 0; i < nown; i++)
		free(own[i]);
	return s;
}

/* The steps (cw_steps[] below): what each shows, checks and explains. */
struct cw_step_def {
	const char	*name;
	/* Add the step's items to the form; the item to focus, or -1. */
	int		 (*build)(struct cw *);
	/* Enter or Next: 1 to go on to the next step. */
	int		 (*check)(struct cw *);
	/* The help box (borrowed); NULL: the wizard's. */
	const char	*(*help)(struct cw *);
};

static int
cw_build_dest(struct cw *w)
{
	ui_form_text(&w->form, UI_A_NORMAL, _("Which destination will "
	    "this connection send segments to?"));
	ui_form_list(&w->form, &w->dests, (int)w->dests.n);
	return -1;
}

static int
cw_check_dest(struct cw *w)
{
	if (w->d != ui_list_selected(&w->dests)) {
		w->d = ui_list_selected(&w->dests);
		cw_make_creds(w);
		cw_set_steps(w);
		cw_forget_auth(w);
		w->test = CW_UNTESTED;
	}
	return 1;
}

/*
 * "Braze: Braze segment API identifier": a label and what it names, the
 * one shape every language can put in a list without grammar of ours.
 */
static char *
cw_dest_clause(const struct dest_driver *d)
{
	return xasprintf(_("%s: %s"), _(d->label), _(d->target.label));
}

static const char *
cw_help_dest(struct cw *w)
{
	char	*dests;

	dests = app_dests_join(cw_dest_clause, "; ", "; ");
	free(w->help);
	w->help = xasprintf(_("Choose with Up and Down, then Enter. Where "
	    "each destination sends the profiles: %s."),
	    dests != NULL ? dests : "");
	free(dests);
	return w->help;
}

static int
cw_build_name(struct cw *w)
{
	ui_form_text(&w->form, UI_A_NORMAL, _("Give the connection a "
	    "name people will recognise, such as \"Braze EU "
	    "production\". It must be unique in this workspace."));
	ui_form_field(&w->form, &w->name);
	return -1;
}

static int
cw_check_name_step(struct cw *w)
{
	cw_trim(w, &w->name);
	return cw_check_name(w, 1);
}

static int
cw_build_who(struct cw *w)
{
	ui_form_text(&w->form, UI_A_NORMAL, _("Who may use this "
	    "connection? Administrators always can. Contributors you "
	    "let in may create and run exports through it, but never "
	    "see or change its credentials."));
	ui_form_list(&w->form, &w->who, 2);
	return -1;
}

static int
cw_build_creds(struct cw *w)
{
	size_t	i;

	w->text = xasprintf(w->edit != NULL ? _("The credentials of the "
	    "%s account. Leave a secret empty to keep the one saved; "
	    "what you type is masked and stored encrypted.") :
	    _("The credentials of your %s account. Secrets are masked "
	    "as you type, stored encrypted, and never shown again in "
	    "full."), _(w->d->label));
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	for (i = 0; i < w->ncreds; i++)
		ui_form_field(&w->form, &w->creds[i]);
	return -1;
}

/*
 * The spaces a paste brings around a key or an address go, and the
 * status line says so, rather than the test refusing the key later.
 */
static void
cw_trim(struct cw *w, struct ui_field *f)
{
	if (ui_field_trim(f))
		ui_message(w->app->ui, UI_MSG_WARN, _("Removed the spaces "
		    "around %s."), f->label);
}

static int
cw_check_creds_step(struct cw *w)
{
	size_t	i;
	int	bad;

	for (i = 0; i < w->ncreds; i++)
		cw_trim(w, &w->creds[i]);
	if (cw_check_creds(w, &bad))
		return 1;
	for (i = 0; i < w->form.n; i++)
		if (w->form.items[i].field == &w->creds[bad])
			ui_form_focus(&w->form, (int)i);
	ui_message(w->app->ui, UI_MSG_ERROR, _("Some "
	    "credentials are missing or wrong: see the "
	    "message under the field."));
	return 0;
}

/* "Braze: REST endpoint": the fields with suggestions of a driver. */
static char *
cw_suggest_clause(const struct dest_driver *d)
{
	const struct dest_suggest	*sg;
	const struct dest_field		*f;
	char				*s = NULL, *t, *clause;

	for (sg = d->suggest; sg != NULL && sg->key != NULL; sg++) {
		for (f = d->conn_fields; f->key != NULL; f++) {
			if (strcmp(f->key, sg->key) != 0)
				continue;
			clause = xasprintf(_("%s: %s"), _(d->label),
			    _(f->label));
			t = xasprintf("%s%s%s", s != NULL ? s : "", s != NULL ?
			    ", " : "", clause);
			free(clause);
			free(s);
			s = t;
		}
	}
	return s;
}

static const char *
cw_help_creds(struct cw *w)
{
	char	*fields, *sentence = NULL;

	fields = app_dests_join(cw_suggest_clause, "; ", "; ");
	if (fields != NULL)
		sentence = xasprintf(_("A field with suggestions (%s) lists "
		    "them with Down."), fields);
	free(w->help);
	w->help = xasprintf("%s%s%s %s", _("Each field says what it needs. "
	    "Secrets are masked: F2 shows what you typed."), sentence != NULL ?
	    " " : "", sentence != NULL ? sentence : "", _("The optional base "
	    "URL is only for sandboxes and tests, such as the fake "
	    "destinations of script/demo."));
	free(sentence);
	free(fields);
	return w->help;
}

static int
cw_build_authorize(struct cw *w)
{
	int	focus;

	cw_make_auth_url(w);
	/* One paragraph: the address and the field still fit at 80x24. */
	w->text = xasprintf(w->reauthorize ? _("%s refused the saved "
	    "authorization: authorize again. Open this address in a web "
	    "browser, on any computer, sign in as a user who manages the ad "
	    "account's audiences, and allow access:") : _("Open this address "
	    "in a web browser, on any computer, sign in to %s as a user who "
	    "manages the ad account's audiences, and allow access:"),
	    _(w->d->label));
	ui_form_text(&w->form, w->reauthorize ? UI_A_WARN : UI_A_NORMAL,
	    w->text);
	ui_form_text(&w->form, UI_A_HEADING, w->oauth_url);
	ui_form_text(&w->form, UI_A_NORMAL, w->oauth_text);
	focus = ui_form_field(&w->form, &w->code);
	if (w->refresh != NULL) {
		w->text2 = xasprintf(_("%s %s authorized segsync. Paste "
		    "a new code only to authorize again."),
		    ui_glyph(UI_G_OK), _(w->d->label));
		ui_form_text(&w->form, UI_A_OK, w->text2);
	} else if (w->edit != NULL && !w->reauthorize)
		ui_form_text(&w->form, UI_A_DIM, _("Leave it empty to "
		    "keep the authorization the connection has."));
	return focus;
}

static int
cw_check_authorize(struct cw *w)
{
	/* Not yet: an error, or the exchange started. */
	return cw_authorize(w) == 0;
}

static const char *
cw_help_authorize(struct cw *w)
{
	(void)w;
	return _("segsync runs over SSH, so it cannot open a browser for "
	    "you: open the address shown in a browser on any computer "
	    "(F3 shows it alone, to copy it in one piece), sign in and "
	    "allow access. The browser then goes to the redirect "
	    "address, which may fail to load: copy that address, or the "
	    "code in it, and paste it here. The code works once and "
	    "soon expires.");
}

static int
cw_build_privacy(struct cw *w)
{
	int	focus;

	w->text = xasprintf(_("Exporting sends personal data (emails, "
	    "names, phone numbers) outside this system's compliance "
	    "boundary, to %s's servers. You must make sure the "
	    "destination meets your obligations: consent, a processing "
	    "agreement, retention. You can remove the export or the "
	    "connection at any time to stop the transfer."),
	    _(w->d->label));
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	free(w->agree_label);
	w->agree_label = xasprintf(_("I agree: sending this data to %s "
	    "meets our obligations."), _(w->d->label));
	focus = ui_form_check(&w->form, w->agree_label, &w->agree);
	if (!w->agree)
		w->buttons.disabled = UI_BUTTON_BIT(CW_BUTTON_NEXT);
	return focus;
}

static int
cw_check_privacy(struct cw *w)
{
	if (w->agree)
		return 1;
	ui_message(w->app->ui, UI_MSG_ERROR, _("Tick \"I "
	    "agree\" with Space to go on: nothing is saved "
	    "without your agreement."));
	return 0;
}

static int
cw_build_connect(struct cw *w)
{
	w->text = xasprintf(_("segsync tests the credentials against "
	    "%s and says which account answered, or why it failed."),
	    _(w->d->label));
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	if (w->test == CW_UNTESTED)
		return -1;
	w->text2 = xasprintf("%s %s", ui_glyph(w->test == CW_PASSED ?
	    (w->outcome == DEST_OK ? UI_G_OK : UI_G_WARN) : UI_G_FAIL),
	    w->outcome_msg);
	ui_form_text(&w->form, w->test == CW_PASSED ? (w->outcome ==
	    DEST_OK ? UI_A_OK : UI_A_WARN) : UI_A_ERROR, w->text2);
	if (w->test == CW_FAILED) {
		ui_form_text(&w->form, UI_A_NORMAL, _("Go back to fix "
		    "the credentials, or test again."));
		ui_buttons_init(&w->buttons, _("Back to credentials"),
		    _("Test again"), _("Next"));
		w->buttons.disabled = UI_BUTTON_BIT(CW_BUTTON_TESTED_NEXT);
		w->buttons.sel = CW_BUTTON_BACK;
	} else
		ui_buttons_init(&w->buttons, _("Back"),
		    _("Test again"), _("Next"));
	return -1;
}

static int
cw_check_connect(struct cw *w)
{
	if (w->test == CW_FAILED) {
		ui_message(w->app->ui, UI_MSG_ERROR, _("The test "
		    "failed: go back to fix the credentials, or test "
		    "again."));
		return 0;
	}
	if (w->test == CW_UNTESTED) {
		cw_test(w);
		return 0;
	}
	return 1;
}

static const char *
cw_help_connect(struct cw *w)
{
	(void)w;
	return _("The test asks the destination whether it accepts the "
	    "credentials, and shows the answer in words. When it "
	    "fails, \"Back to credentials\" lets you fix them.");
}

static int
cw_build_export_user(struct cw *w)
{
	ui_form_text(&w->form, UI_A_NORMAL, _("An export user lets "
	    "exports that use this connection run in their name, "
	    "including unattended scheduled runs (from cron or a "
	    "systemd timer, with a key file). Without one, exports run "
	    "only when a member starts them."));
	free(w->export_label);
	w->export_label = xasprintf(_("Add yourself (%s) as export "
	    "user"), w->app->user);
	return ui_form_check(&w->form, w->export_label, &w->export_user);
}

static int
cw_build_save(struct cw *w)
{
	w->built_w = ui_layout(w->app->ui)->body.w - UI_FORM_TEXT_INSET;
	w->text = cw_summary(w, w->built_w);
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	return -1;
}

static int
cw_check_save(struct cw *w)
{
	cw_save(w);
	return 0;
}

static const struct cw_step_def cw_steps[CW_NSTEPS] = {
	[CW_DEST] = { N_("Destination"), cw_build_dest, cw_check_dest,
	    cw_help_dest },
	[CW_NAME] = { N_("Name"), cw_build_name, cw_check_name_step, NULL },
	[CW_WHO] = { N_("Who can use it"), cw_build_who, NULL, NULL },
	[CW_CREDS] = { N_("Credentials"), cw_build_creds,
	    cw_check_creds_step, cw_help_creds },
	[CW_AUTHORIZE] = { N_("Credentials: authorization"),
	    cw_build_authorize, cw_check_authorize, cw_help_authorize },
	[CW_PRIVACY] = { N_("Data privacy"), cw_build_privacy,
	    cw_check_privacy, NULL },
	[CW_CONNECT] = { N_("Connect"), cw_build_connect, cw_check_connect,
	    cw_help_connect },
	[CW_EXPORT_USER] = { N_("Export user"), cw_build_export_user, NULL,
	    NULL },
	[CW_SAVE] = { N_("Save"), cw_build_save, cw_check_save, NULL },
};

/* (Re)build the current step's form. */
static void
cw_build(struct cw *w)
{
	enum cw_step	 st = cw_step(w);
	int		 focus, first = w->at == 0;

	ui_form_reset(&w->form);
	free(w->heading);
	free(w->text);
	free(w->text2);
	w->text = w->text2 = NULL;
	w->heading = xasprintf(_("Step %zu of %zu: %s"), w->at + 1, w->nsteps,
	    _(cw_steps[st].name));
	ui_form_text(&w->form, UI_A_HEADING, w->heading);
	ui_buttons_init(&w->buttons, first ? _("Cancel") : _("Back"), st ==
	    CW_SAVE ? _("Save") : _("Next"), NULL);
	focus = cw_steps[st].build(w);
	ui_form_buttons(&w->form, &w->buttons);
	if (focus != -1)
		ui_form_focus(&w->form, focus);
	ui_dirty(w->app->ui, UI_DIRTY_ALL);
}

static void
cw_goto(struct cw *w, size_t at)
{
	size_t	i;

	w->at = at;
	/* Come back to, a secret typed before is typed anew, not added to. */
	for (i = 0; i < DEST_MAX_CONN_FIELDS; i++)
		ui_field_select(&w->creds[i]);
	ui_field_select(&w->code);
	cw_build(w);
	if (cw_step(w) == CW_CONNECT && w->test == CW_UNTESTED)
		cw_test(w);
}

static void
cw_leave_answer(struct ui *ui, void *arg, int yes)
{
	(void)arg;
	if (yes)
		ui_pop(ui);
}

static void
cw_back(struct cw *w)
{
	if (w->at > 0) {
		cw_goto(w, w->at - 1);
		return;
	}
	if (w->touched)
		ui_confirm(w->app->ui, _("Leave the wizard?"), _("What you "
		    "typed has not been saved and will be lost."), _("Leave"),
		    _("Stay"), 1, cw_leave_answer, w);
	else
		ui_pop(w->app->ui);
}

/* Check the current step and go on. */
static void
cw_next(struct cw *w)
{
	const struct cw_step_def	*st = &cw_steps[cw_step(w)];

	if (st->check != NULL && !st->check(w))
		return;
	cw_goto(w, w->at + 1);
}

/*
 * "Back to credentials" after a failed test. With OAuth, whatever was
 * refused (a revoked refresh token, a client changed since) is mended by
 * authorizing again: the code step opens, with a new address, where a
 * pasted redirect address belongs; Back from there reaches the client's
 * fields.
 */
static void
cw_back_to_creds(struct cw *w)
{
	enum cw_step	want = CW_CREDS;
	size_t		i;

	if (w->d->oauth_url != NULL) {
		want = CW_AUTHORIZE;
		if (w->outcome == DEST_AUTH) {
			secret_free(&w->refresh);
			xfree(&w->oauth_state);
			xfree(&w->oauth_url);
			/* A code works once: what the field held is spent. */
			ui_field_clear(&w->code);
			w->code.changed = 0;
			w->reauthorize = 1;
		}
	}
	for (i = 0; i < w->nsteps; i++)
		if (w->steps[i] == want)
			cw_goto(w, i);
}

static int
cw_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct cw	*w = (struct cw *)s;
	struct ui_item	*it;
	size_t		 i;
	int		 which;

	switch (ui_form_key(&w->form, key, &which)) {
	case UI_FORM_CHANGED:
		w->touched = 1;
		it = &w->form.items[which];
		if (it->field == &w->name)
			cw_check_name(w, 0);
		for (i = 0; i < w->ncreds; i++) {
			if (it->field == &w->creds[i]) {
				ui_field_error(&w->creds[i], NULL);
				w->test = CW_UNTESTED;
				/* Another client: authorize again. */
				if (w->d->oauth_url != NULL)
					cw_forget_auth(w);
			}
		}
		if (it->field == &w->code)
			ui_field_error(&w->code, NULL);
		if (it->list == &w->who)
			w->test = CW_UNTESTED;
		if (it->check == &w->agree)
			w->buttons.disabled = w->agree ? 0 :
			    UI_BUTTON_BIT(CW_BUTTON_NEXT);
		return 1;
	case UI_FORM_SUBMIT:
		cw_next(w);
		return 1;
	case UI_FORM_BUTTON:
		if (which == CW_BUTTON_BACK && cw_step(w) == CW_CONNECT &&
		    w->test == CW_FAILED)
			cw_back_to_creds(w);
		else if (which == CW_BUTTON_BACK)
			cw_back(w);
		else if (which == CW_BUTTON_TEST && cw_step(w) == CW_CONNECT &&
		    w->buttons.n == 3)
			cw_test(w);
		else
			cw_next(w);
		return 1;
	case UI_FORM_HANDLED:
		return 1;
	case UI_FORM_IGNORED:
		break;
	}
	if (key == UI_KEY_ESC) {
		cw_back(w);
		return 1;
	}
	if (key == UI_KEY_F(3) && cw_step(w) == CW_AUTHORIZE &&
	    w->oauth_url != NULL) {
		ui_show_plain(ui, w->oauth_url);
		return 1;
	}
	return 0;
}

static const char *
cw_title(struct ui_screen *s)
{
	struct cw	*w = (struct cw *)s;

	return w->title;
}

static void
cw_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct cw	*w = (struct cw *)s;

	(void)ui;
	if (cw_step(w) == CW_SAVE && w->built_w != r.w - UI_FORM_TEXT_INSET)
		cw_build(w);
	ui_form_draw(&w->form, r);
}

static size_t
cw_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct cw	*w = (struct cw *)s;
	size_t		 n;

	n = 0;
	if (cw_step(w) == CW_AUTHORIZE && max > 1)
		h[n++] = (struct ui_hint){ "F3", _("address alone") };
	n += ui_form_hints(&w->form, h + n, max - n);
	if (n < max)
		h[n++] = (struct ui_hint){ "Esc", w->at > 0 ? _("back") :
		    _("cancel") };
	return n;
}

static const char *
cw_help(struct ui_screen *s)
{
	struct cw			*w = (struct cw *)s;
	const struct cw_step_def	*st = &cw_steps[cw_step(w)];

	if (st->help != NULL)
		return st->help(w);
	return _("The connection wizard walks through the documented "
	    "steps in order: destination, name, who can use it, "
	    "credentials, data privacy, the connection test, the "
	    "export user, and Save. Enter goes on, Esc goes back a "
	    "step; nothing is saved before the last step.");
}

static int
cw_unsaved(struct ui_screen *s)
{
	struct cw	*w = (struct cw *)s;

	return w->touched;
}

static void
cw_free(struct ui_screen *s)
{
	struct cw	*w = (struct cw *)s;

	cw_free_creds(w);
	ui_field_free(&w->name);
	ui_list_free(&w->dests);
	ui_list_free(&w->who);
	connection_free(&w->edit);
	free(w->title);
	free(w->heading);
	free(w->text);
	free(w->text2);
	free(w->agree_label);
	free(w->export_label);
	free(w->outcome_msg);
	ui_field_free(&w->code);
	secret_free(&w->refresh);
	free(w->oauth_state);
	free(w->oauth_url);
	free(w->oauth_text);
	free(w->help);
	free(w);
}

static const struct ui_screen_ops cw_ops = {
	.name = "connection-wizard",
	.title = cw_title,
	.draw = cw_draw,
	.key = cw_key,
	.hints = cw_hints,
	.help = cw_help,
	.unsaved = cw_unsaved,
	.free = cw_free,
};

struct ui_screen *
conn_wizard_new(struct app *app, struct connection *edit)
{
	const struct dest_driver *const	*dp;
	struct cw			*w;
	const char			*cells[2];
	char				*target;
	int				 widest = 0;

	w = xcalloc(1, sizeof *w);
	w->base.ops = &cw_ops;
	w->app = app;
	ui_list_init(&w->dests, UI_LIST_RADIO, 2);
	for (dp = dest_all(); *dp != NULL; dp++)
		if (ui_text_width(_((*dp)->label)) > widest)
			widest = ui_text_width(_((*dp)->label));
	ui_list_column(&w->dests, 0, NULL, widest, 0);
	ui_list_column(&w->dests, 1, NULL, 20, 1);
	for (dp = dest_all(); *dp != NULL; dp++) {
		target = xasprintf(_("exports go to a %s"),
		    _((*dp)->target.label));
		cells[0] = _((*dp)->label);
		cells[1] = target;
		ui_list_add(&w->dests, cells, (void *)*dp);
		free(target);
	}
	ui_list_init(&w->who, UI_LIST_RADIO, 1);
	cells[0] = _("Administrators only (the default)");
	ui_list_add(&w->who, cells, NULL);
	cells[0] = _("Administrators and contributors");
	ui_list_add(&w->who, cells, NULL);
	ui_field_init(&w->code, _("Code or address"), 1, OAUTH_REPLY_MAX);
	w->code.note = _("What the browser was sent to, or the code in it; "
	    "masked, F2 shows it.");
	ui_field_init(&w->name, _("Display name"), 0, CONNECTION_NAME_MAX);
	w->name.note = _("Up to 64 bytes; letters, digits, spaces and "
	    "punctuation.");

	if (edit != NULL) {
		w->edit = connection_dup(edit);
		w->d = app_driver(edit);
		w->title = xasprintf(_("Connections%sChange \"%s\" (%s)"),
		    ui_glyph(UI_G_SEP), edit->name, app_type_label(edit->type));
		ui_field_set(&w->name, edit->name);
		w->who.sel = edit->contributors ? 1 : 0;
		w->export_user = edit->export_user != NULL;
		ui_list_select_data(&w->dests, w->d);
		cw_make_creds(w);
		/* Unchanged credentials need no new test. */
		if (edit->last_test_outcome != NULL &&
		    (strcmp(edit->last_test_outcome, "ok") == 0 ||
		    strcmp(edit->last_test_outcome, "warning") == 0)) {
			w->test = CW_PASSED;
			w->outcome = strcmp(edit->last_test_outcome, "ok") ==
			    0 ? DEST_OK : DEST_WARNING;
			w->outcome_msg = xstrdup(edit->last_test_message != NULL ?
			    edit->last_test_message : "");
		}
	} else {
		w->title = xasprintf(_("Connections%sNew connection"),
		    ui_glyph(UI_G_SEP));
		w->d = dest_all()[0];
		cw_make_creds(w);
	}
	cw_set_steps(w);
	cw_build(w);
	return &w->base;
}
