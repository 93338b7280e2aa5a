/*
 * The unlock screen: the member's passphrase, masked, then the Argon2id
 * derivation in a worker thread behind a spinner, so that the screen
 * never freezes. Skipped with a key file; filled from a passphrase file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "screens/app.h"
#include "screens/nav.h"
#include "screens/screens.h"
#include "secrets/keyring.h"
#include "secrets/passphrase.h"
#include "secrets/secret.h"
#include "ui/ui.h"
#include "ui/widget.h"

struct unlock {
	struct ui_screen	 base;
	struct app		*app;
	struct identity		*locked;	/* NULL while the job has it */
	char			*intro;
	struct ui_form		 form;
	struct ui_field		 pass;
	struct ui_buttons	 buttons;
	int			 failures;
};

/* What the worker thread gets, owns and hands back. */
struct unlock_job {
	struct unlock		*u;
	struct identity		*id;
	struct secret		*pass;
	enum sec_status		 st;
	char			*cause;
};

static void
unlock_work(void *arg)
{
	struct unlock_job	*j = arg;

	j->st = identity_unlock(j->id, j->pass, &j->cause);
	secret_free(&j->pass);
}

static void
unlock_done(struct ui *ui, void *arg)
{
	struct unlock_job	*j = arg;
	struct unlock		*u = j->u;

	(void)ui;
	if (j->st == SEC_OK) {
		u->app->id = j->id;
		free(j);
		nav_replace(u->app, NAV_HOME, NULL);
		return;
	}
	u->locked = j->id;
	u->failures++;
	ui_field_clear(&u->pass);
	u->pass.changed = 0;
	j->cause = app_sentence(j->cause);
	ui_field_error(&u->pass, j->cause);
	ui_form_focus(&u->form, 1);
	free(j->cause);
	free(j);
}

void
unlock_submit(struct ui_screen *s, struct secret *pass)
{
	struct unlock		*u = (struct unlock *)s;
	struct unlock_job	*j;
	char			*cause = NULL;

	j = xcalloc(1, sizeof *j);
	j->u = u;
	j->id = u->locked;
	j->pass = pass;
	u->locked = NULL;
	if (ui_job_start(u->app->ui, _("Unlocking your key (deriving it "
	    "from the passphrase takes a moment)..."), unlock_work,
	    unlock_done, j, &cause) == -1) {
		u->locked = j->id;
		secret_free(&j->pass);
		free(j);
		ui_message(u->app->ui, UI_MSG_ERROR, "%s", cause);
		free(cause);
	}
}

static void
unlock_go(struct unlock *u)
{
	struct secret	*pass;

	pass = ui_field_secret(&u->pass);
	if (pass == NULL) {
		ui_field_error(&u->pass, _("Type your passphrase first."));
		return;
	}
	ui_field_error(&u->pass, NULL);
	unlock_submit(&u->base, pass);
}

static const char *
unlock_title(struct ui_screen *s)
{
	(void)s;
	return _("Unlock");
}

static void
unlock_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct unlock	*u = (struct unlock *)s;

	(void)ui;
	ui_form_draw(&u->form, r);
}

static int
unlock_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct unlock	*u = (struct unlock *)s;
	int		 which;

	switch (ui_form_key(&u->form, key, &which)) {
	case UI_FORM_SUBMIT:
		unlock_go(u);
		return 1;
	case UI_FORM_BUTTON:
		if (which == 0)
			ui_quit(ui, 0);
		else
			unlock_go(u);
		return 1;
	case UI_FORM_CHANGED:
		ui_field_error(&u->pass, NULL);
		return 1;
	case UI_FORM_HANDLED:
		return 1;
	case UI_FORM_IGNORED:
		break;
	}
	return 0;
}

static size_t
unlock_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct unlock	*u = (struct unlock *)s;

	return ui_form_hints(&u->form, h, max);
}

static const char *
unlock_help(struct ui_screen *s)
{
	(void)s;
	return _("Type the passphrase you chose when the workspace was created "
	    "(or when you ran 'segsync identity new'), then press Enter. "
	    "It is never shown; F2 shows what you typed if you need to check "
	    "it. With --key-file segsync opens without a passphrase, and with "
	    "--passphrase-file it reads it from a file.");
}

static void
unlock_free(struct ui_screen *s)
{
	struct unlock	*u = (struct unlock *)s;

	ui_field_free(&u->pass);
	identity_free(&u->locked);
	free(u->intro);
	free(u);
}

static const struct ui_screen_ops unlock_ops = {
	.name = "unlock",
	.title = unlock_title,
	.draw = unlock_draw,
	.key = unlock_key,
	.hints = unlock_hints,
	.help = unlock_help,
	.free = unlock_free,
};

struct ui_screen *
unlock_new(struct app *app, struct identity *locked)
{
	struct unlock	*u;
	char		*path;

	u = xcalloc(1, sizeof *u);
	u->base.ops = &unlock_ops;
	u->app = app;
	u->locked = locked;
	path = keyring_identity_path(app->ws, app->user);
	u->intro = xasprintf(_("segsync keeps the credentials of every "
	    "connection encrypted. Your key, in %s, opens them: unlock it "
	    "with your passphrase."), path);
	free(path);
	ui_field_init(&u->pass, _("Passphrase"), 1, PASSPHRASE_MAX);
	ui_buttons_init(&u->buttons, _("Quit"), _("Unlock"), NULL);
	ui_form_reset(&u->form);
	ui_form_text(&u->form, UI_A_HEADING, _("Unlock your key"));
	ui_form_text(&u->form, UI_A_NORMAL, u->intro);
	ui_form_field(&u->form, &u->pass);
	if (app->notes != NULL) {
		ui_form_text(&u->form, UI_A_HEADING, _("Notes for this "
		    "workspace:"));
		ui_form_text(&u->form, UI_A_NORMAL, app->notes);
	}
	ui_form_buttons(&u->form, &u->buttons);
	return &u->base;
}
