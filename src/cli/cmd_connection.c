/* segsync connection add/list/show/remove (the credentials part). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "net/http.h"
#include "net/oauth.h"
#include "secrets/identity.h"
#include "secrets/keyring.h"
#include "secrets/passphrase.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"
#include "store/connops.h"
#include "store/credstore.h"
#include "store/export.h"
#include "store/workspace.h"

static int
str_changed(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static const struct dest_field *
field_by_option(const struct dest_driver *d, const char *option)
{
	const struct dest_field	*f;

	for (f = d->conn_fields; f->key != NULL; f++)
		if (strcmp(f->option, option) == 0)
			return f;
	return NULL;
}

/* The field of some driver that option fills, or NULL. */
static const struct dest_field *
field_of_any(const char *option)
{
	const struct dest_driver *const	*dp;
	const struct dest_field		*f;

	for (dp = dest_all(); *dp != NULL; dp++)
		if ((f = field_by_option(*dp, option)) != NULL)
			return f;
	return NULL;
}

/* The driver's credentials test on a session; *message in words. */
static enum dest_outcome
session_test(struct dest_session *s, char **message)
{
	struct http_engine	*e;
	enum dest_outcome	 o;

	*message = NULL;
	e = cmd_check_engine();
	if (e == NULL) {
		*message = xstrdup(_("the HTTP engine could not start"));
		return DEST_OTHER;
	}
	o = s->driver->test(s, e, message);
	http_free(&e);
	return o;
}

/*
 * Read a secret from a file, or standard input for "-": the whole file,
 * one trailing newline removed. An empty secret is refused.
 */
static int
read_secret_file(const char *path, const char *option, struct secret **out,
    char **cause)
{
	struct secret	*s = NULL;
	size_t		 len;
	int		 fd;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			*cause = xasprintf(_("--%s: cannot read %s: %s"),
			    option, path, strerror(errno));
			return -1;
		}
	}
	if (secret_from_fd(fd, SECRECORD_MAX_FIELD, path, &s, cause) == -1) {
		if (fd != STDIN_FILENO)
			close(fd);
		return -1;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	len = secret_len(s);
	if (len > 0 && secret_peek(s)[len - 1] == '\n')
		len--;
	if (len > 0 && secret_peek(s)[len - 1] == '\r')
		len--;
	secret_truncate(s, len);
	if (len == 0) {
		*cause = xasprintf(_("--%s: %s is empty"), option,
		    strcmp(path, "-") == 0 ? _("standard input") : path);
		secret_free(&s);
		return -1;
	}
	*out = s;
	return 0;
}

/*
 * The secrets of d's fields given on the command line, into values[] (one
 * per conn_fields entry, in order; NULL where none was given). Prints why
 * not.
 */
static enum exit_status
read_secrets(struct cli_ctx *ctx, const struct dest_driver *d,
    struct secret **values)
{
	const struct dest_field	*in;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0, in = d->conn_fields; in->key != NULL; in++, i++) {
		if (!in->secret || cli_opt(ctx, in->option) == NULL)
			continue;
		if (read_secret_file(cli_opt(ctx, in->option), in->option,
		    &values[i], &cause) == -1) {
			cli_error("%s", cause);
			free(cause);
			return EXIT_CONFIG;
		}
	}
	return EXIT_OK;
}

/*
 * What the administrator pastes back: from FILE (read once the address
 * is shown, so that it may be a FIFO written meanwhile), else a line from
 * the terminal with echo off, else a line of standard input.
 */
static int
read_auth_reply(const char *file, struct secret **out, char **cause)
{
	struct secret	*s = NULL;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 n;

	*out = NULL;
	if (file != NULL)
		return read_secret_file(file, "auth-code-file", out, cause);
	if (isatty(STDIN_FILENO)) {
		if (passphrase_read_tty(-1, _("Code or redirect address "
		    "(hidden): "), &s, cause) != SEC_OK)
			return -1;
		*out = s;
		return 0;
	}
	fprintf(stderr, _("Code or redirect address: "));
	n = getline(&line, &size, stdin);
	if (n <= 0) {
		free(line);
		*cause = xstrdup(_("no code came on standard input; paste the "
		    "code or the redirect address, or give --auth-code-file"));
		return -1;
	}
	*out = secret_from_bytes(line, (size_t)n);
	sodium_memzero(line, size);
	free(line);
	return 0;
}

/*
 * The OAuth authorization of connection c (driver d, whose client secret
 * is given): show the address, take the code back, exchange it for
 * tokens (*tok). Says what goes wrong in words; returns the exit status.
 */
static enum exit_status
authorize_flow(const struct dest_driver *d, const struct connection *c,
    const struct secret *client_secret, const char *code_file,
    struct oauth_tokens *tok)
{
	struct oauth_app	 app;
	struct http_engine	*e = NULL;
	struct secret		*reply = NULL, *code = NULL;
	char			*state, *url, *note = NULL, *cause = NULL;
	enum oauth_status	 st;
	enum exit_status	 rc = EXIT_OK;

	memset(tok, 0, sizeof *tok);
	dest_oauth_app(d, c, client_secret, &app);

	state = oauth_state_new();
	url = oauth_authorize_url(&app, state);
	printf(_("Open this address in a web browser, on any computer, sign "
	    "in to %1$s as a user with the Data Manager role on the ad "
	    "account, and allow access:\n\n  %2$s\n\n"), _(d->label),
	    cli_str(url));
	printf(_("The browser is then sent to %s (the page may fail to "
	    "load: that is expected). Paste the whole address from the "
	    "address bar, or only the value after code=.\n"),
	    cli_str(app.redirect_uri));
	fflush(stdout);
	free(url);

	if (read_auth_reply(code_file, &reply, &cause) != 0) {
		cli_error(_("%s; nothing was saved"), cause);
		free(cause);
		rc = code_file != NULL ? EXIT_CONFIG : EXIT_USAGE;
		goto out;
	}
	if (oauth_parse_reply((const char *)secret_peek(reply),
	    secret_len(reply), state, &code, &note, &cause) != 0) {
		cli_error(_("%s Nothing was saved."), cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (note != NULL)
		cli_warn("%s", note);
	if ((e = cmd_check_engine()) == NULL) {
		rc = EXIT_FAIL;
		goto out;
	}
	st = oauth_exchange(e, &app, code, tok, &cause);
	if (st != OAUTH_OK) {
		cli_error(_("%s; nothing was saved"), cause);
		free(cause);
		rc = st == OAUTH_REFUSED || st == OAUTH_CLIENT ? EXIT_AUTH :
		    st == OAUTH_UNREACHABLE ? EXIT_CONFIG : EXIT_FAIL;
		oauth_tokens_clear(tok);
	}
out:
	http_free(&e);
	secret_free(&reply);
	secret_free(&code);
	free(note);
	free(state);
	return rc;
}

static const char privacy_notice[] = N_(
    "Exporting sends personal data (emails, names, phone numbers) outside "
    "this system's compliance boundary, to the destination's servers. You "
    "must make sure the destination meets your obligations (consent, "
    "processing agreement, retention). You can remove the export or the "
    "connection at any time to stop the transfer. Give --agree-privacy to "
    "agree; nothing was saved.");

enum exit_status
cmd_connection_add(struct cli_ctx *ctx)
{
	struct workspace	*ws = NULL;
	const struct ws_member	*me;
	const struct dest_driver *type;
	const struct dest_field	*in, *f;
	const struct cli_opt	*o;
	struct connection	*c = NULL;
	struct connection_list	 list = { NULL, 0 };
	struct secrecord		*rec = NULL;
	struct secret		*values[DEST_MAX_CONN_FIELDS] = { NULL };
	struct oauth_tokens	 tok = { NULL, NULL, 0, 0 };
	char			*message = NULL;
	enum dest_outcome	 outcome = DEST_OK;
	char			 now[UTIL_RFC3339_LEN];
	char			*cause = NULL, *path = NULL, *who = NULL;
	const char		*name = cli_opt(ctx, "name");
	size_t			 i, nstdin = 0;
	enum sec_status		 sst;
	enum exit_status	 rc = EXIT_OK;

	type = dest_find(cli_opt(ctx, "type"));
	/* The options of the drivers' conn_fields, in the table's order. */
	for (o = ctx->cmd->opts; o->name != NULL; o++) {
		if (cli_opt(ctx, o->name) != NULL &&
		    field_of_any(o->name) != NULL &&
		    field_by_option(type, o->name) == NULL) {
			cli_error(_("--%s does not apply to %s connections"),
			    o->name, _(type->label));
			return EXIT_USAGE;
		}
	}
	for (in = type->conn_fields; in->key != NULL; in++) {
		if (in->required && cli_opt(ctx, in->option) == NULL) {
			cli_error(_("a %s connection needs --%s"),
			    _(type->label), in->option);
			return EXIT_USAGE;
		}
		if (in->secret && cli_opt(ctx, in->option) != NULL &&
		    strcmp(cli_opt(ctx, in->option), "-") == 0)
			nstdin++;
	}
	if (nstdin > 1) {
		cli_error(_("only one secret can come from standard input"));
		return EXIT_USAGE;
	}
	if (cli_opt(ctx, "auth-code-file") != NULL && type->oauth_url == NULL) {
		cli_error(_("--auth-code-file does not apply to %s "
		    "connections"), _(type->label));
		return EXIT_USAGE;
	}
	if (type->oauth_url != NULL && nstdin > 0 &&
	    cli_opt(ctx, "auth-code-file") == NULL) {
		cli_error(_("the client secret comes from standard input, so "
		    "the authorization code must come from a file: give "
		    "--auth-code-file"));
		return EXIT_USAGE;
	}
	/* Addresses: the URL policy applies to every one. */
	for (o = ctx->cmd->opts; o->name != NULL; o++) {
		f = field_of_any(o->name);
		if (f != NULL && strcmp(f->metavar, DEST_METAVAR_URL) == 0 &&
		    cli_opt(ctx, o->name) != NULL &&
		    http_url_check(cli_opt(ctx, o->name), &cause) == -1) {
			cli_error(_("--%s: %s"), o->name, cause);
			free(cause);
			return EXIT_CONFIG;
		}
	}
	if (!cli_flag(ctx, "agree-privacy")) {
		cli_error("%s", _(privacy_notice));
		return EXIT_USAGE;
	}
	if (connection_name_valid(name, &cause) == -1) {
		cli_error(_("--name \"%s\": %s"), name, cause);
		free(cause);
		return EXIT_CONFIG;
	}
	rc = cmd_open(ctx, &ws, &me, &list, NULL);
	if (rc != EXIT_OK)
		return rc;
	if (me->role != WS_ROLE_ADMIN) {
		cli_error(_("only administrators can add connections; you (%s) "
		    "are a contributor"), me->user);
		rc = EXIT_AUTH;
		goto out;
	}
	/* Read the secrets before taking the lock: stdin may be slow. */
	if ((rc = read_secrets(ctx, type, values)) != EXIT_OK)
		goto out;
	if (connection_list_find(&list, name) != NULL) {
		cli_error(_("a connection named \"%s\" already exists; choose "
		    "another name"), name);
		rc = EXIT_CONFIG;
		goto out;
	}
	who = xstrdup(me->user);
	util_rfc3339(time(NULL), now);
	c = xcalloc(1, sizeof *c);
	c->id = connection_new_id();
	c->name = xstrdup(name);
	c->type = xstrdup(type->id);
	c->contributors = cli_flag(ctx, "contributors");
	c->export_user = cli_flag(ctx, "export-user") ? xstrdup(who) : NULL;
	c->created_by = xstrdup(who);
	c->created_at = xstrdup(now);
	c->privacy_agreed_by = xstrdup(who);
	c->privacy_agreed_at = xstrdup(now);
	c->settings = cJSON_CreateObject();
	c->secrets = xcalloc(sizeof values / sizeof values[0] + 1,
	    sizeof *c->secrets);
	for (in = type->conn_fields; in->key != NULL; in++) {
		if (in->secret && cli_opt(ctx, in->option) != NULL)
			c->secrets[c->nsecrets++] = xstrdup(in->key);
		else if (cli_opt(ctx, in->option) != NULL)
			cJSON_AddStringToObject(c->settings, in->key,
			    cli_opt(ctx, in->option));
	}

	/* OAuth: the administrator authorizes in a browser, here and now. */
	if (type->oauth_url != NULL) {
		for (i = 0, in = type->conn_fields; in->key != NULL; in++, i++)
			if (strcmp(in->key, type->oauth_secret) == 0)
				break;
		rc = authorize_flow(type, c, values[i],
		    cli_opt(ctx, "auth-code-file"), &tok);
		if (rc != EXIT_OK)
			goto out;
		c->secrets[c->nsecrets++] = xstrdup(OAUTH_REFRESH_FIELD);
	}

	/*
	 * Test before saving (a connection that does not work is no use),
	 * and before taking the lock: the destination may take seconds to
	 * answer, and nobody else should wait for it.
	 */
	sst = connops_record_build(ws, c, type, values, tok.refresh,
	    &rec, &cause);
	if (sst != SEC_OK) {
		cli_error("%s", cause);
		free(cause);
		rc = cli_sec_exit(sst);
		goto out;
	}
	outcome = connops_test(NULL, NULL, type, c, rec, &message);
	secrecord_free(&rec);
	rc = cmd_outcome_exit(outcome);
	if (rc != EXIT_OK) {
		cli_error(_("the connection test failed: %s; nothing "
		    "was saved"), cmd_clause(message));
		goto out;
	}
	connection_set_last_test(c, dest_outcome_name(outcome),
	    message);

	/* Under the lock: the name, the role and the members as they are. */
	rc = cli_fail_exit(connops_add(ws, c, type, values, tok.refresh,
	    &cause));
	if (rc != EXIT_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	if (message != NULL && outcome == DEST_WARNING)
		cli_warn("%s", message);
	else if (message != NULL)
		printf("%s\n", cli_str(message));
	printf(_("Saved the connection \"%s\" (%s), usable by %s.\n"),
	    cli_str(c->name),
	    _(type->label), c->contributors ? _("administrators and "
	    "contributors") : _("administrators only"));
out:
	for (i = 0; i < sizeof values / sizeof values[0]; i++)
		secret_free(&values[i]);
	oauth_tokens_clear(&tok);
	secrecord_free(&rec);
	connection_free(&c);
	free(message);
	free(path);
	free(who);
	cmd_close(&ws, &list, NULL);
	return rc;
}

enum exit_status
cmd_connection_list(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	struct connection_list	 l;
	struct connection	*c;
	cJSON			*arr;
	size_t			 i;
	enum exit_status	 rc;

	rc = cmd_open(ctx, &ws, &me, &l, NULL);
	if (rc != EXIT_OK)
		return rc;
	if (ctx->json) {
		arr = cJSON_CreateArray();
		for (i = 0; i < l.n; i++)
			if (cmd_conn_visible(me, l.items[i]))
				cJSON_AddItemToArray(arr,
				    connection_to_json(l.items[i]));
		cli_print_json(arr);
	} else {
		/* TRANSLATORS: column headings of 'connection list'. */
		printf("%-24s %-11s %-15s %-12s %s\n", _("NAME"), _("TYPE"),
		    _("USABLE BY"), _("EXPORT USER"), _("CREATED"));
		for (i = 0; i < l.n; i++) {
			c = l.items[i];
			if (!cmd_conn_visible(me, c))
				continue;
			printf("%-24s %-11s %-15s %-12s %s %s\n",
			    cli_str(c->name), cli_str(c->type),
			    connection_usable_by(c), c->export_user != NULL ?
			    cli_str(c->export_user) : "-",
			    cli_str(c->created_at), cli_str(c->created_by));
		}
	}
	cmd_close(&ws, &l, NULL);
	return EXIT_OK;
}

enum exit_status
cmd_connection_show(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	struct connection_list	 l = { NULL, 0 };
	struct connection	*c;
	struct secrecord		*rec = NULL;
	cJSON			*o, *item, *fields;
	int			 unlocked = 0;
	char			*cause = NULL, *path = NULL, *text = NULL;
	char			*mask;
	size_t			 i, len;
	enum sec_status		 sst;
	enum exit_status	 rc;

	rc = cmd_open(ctx, &ws, &me, &l, NULL);
	if (rc != EXIT_OK)
		return rc;
	c = connection_list_find(&l, ctx->args[0]);
	if (c == NULL) {
		cli_error(_("there is no connection named \"%s\" (see "
		    "'segsync connection list')"), ctx->args[0]);
		rc = EXIT_CONFIG;
		goto out;
	}
	path = connection_secrets_path(ws, c->id);
	if (cli_flag(ctx, "unlock")) {
		/* The cryptography decides here, not the role. */
		rc = cmd_conn_open_record(ctx, ws, me, c, &rec);
		if (rc != EXIT_OK)
			goto out;
		unlocked = 1;
	} else if (!cmd_conn_visible(me, c)) {
		cli_error(_("the connection \"%s\" is open to administrators "
		    "only"), c->name);
		rc = EXIT_AUTH;
		goto out;
	} else if (fileio_read(path, SECRECORD_MAX_FILE, 1, &text, &len,
	    &cause) == -1 || (sst = secrecord_parse(text, len, path, &rec,
	    &cause)) != SEC_OK) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	o = connection_to_json(c);
	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddItemToObject(o, "settings", cJSON_Duplicate(c->settings, 1));
	fields = cJSON_AddArrayToObject(o, "secrets");
	for (i = 0; i < secrecord_field_count(rec); i++) {
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "name",
		    secrecord_field_name(rec, i));
		if (unlocked) {
			mask = secret_mask(secrecord_get(rec,
			    secrecord_field_name(rec, i)));
			cJSON_AddStringToObject(item, "masked", mask);
			free(mask);
		}
		cJSON_AddItemToArray(fields, item);
	}
	if (c->last_test_at != NULL) {
		item = cJSON_AddObjectToObject(o, "last_test");
		cJSON_AddStringToObject(item, "at", c->last_test_at);
		cJSON_AddStringToObject(item, "outcome", c->last_test_outcome);
		cJSON_AddStringToObject(item, "message", c->last_test_message);
	}
	item = cJSON_AddArrayToObject(o, "encrypted_for");
	for (i = 0; i < secrecord_recipient_count(rec); i++)
		cJSON_AddItemToArray(item, cJSON_CreateString(
		    secrecord_recipient_id(rec, i)));
	if (ctx->json) {
		cli_print_json(o);
		goto out;
	}
	printf(_("Name:           %s\n"), cli_str(c->name));
	printf(_("Type:           %s\n"), cli_str(cmd_type_label(c->type)));
	printf(_("Usable by:      %s\n"), c->contributors ?
	    _("administrators and contributors") : _("administrators only"));
	printf(_("Export user:    %s\n"), c->export_user != NULL ?
	    cli_str(c->export_user) : _("none"));
	printf(_("Created:        %s by %s\n"), cli_str(c->created_at),
	    cli_str(c->created_by));
	printf(_("Privacy notice: agreed by %s on %s\n"),
	    cli_str(c->privacy_agreed_by), cli_str(c->privacy_agreed_at));
	cJSON_ArrayForEach(item, c->settings)
		if (cJSON_IsString(item))
			printf("%-15s %s\n", cli_str(item->string),
			    cli_str(item->valuestring));
	for (i = 0; i < secrecord_field_count(rec); i++) {
		if (unlocked) {
			mask = secret_mask(secrecord_get(rec,
			    secrecord_field_name(rec, i)));
			printf(_("%-15s %s (decrypted for you, shown masked)\n"),
			    cli_str(secrecord_field_name(rec, i)),
			    cli_str(mask));
			free(mask);
		} else
			printf(_("%-15s stored encrypted\n"),
			    cli_str(secrecord_field_name(rec, i)));
	}
	if (c->last_test_at != NULL)
		printf(_("Last test:      %s, %s: %s\n"),
		    cli_str(c->last_test_at), cli_str(c->last_test_outcome),
		    cli_str(c->last_test_message));
	else
		printf(_("Last test:      never\n"));
	printf(_("Encrypted for:  "));
	for (i = 0; i < secrecord_recipient_count(rec); i++)
		printf("%s%s", i == 0 ? "" : ", ",
		    cli_str(secrecord_recipient_id(rec, i)));
	putchar('\n');
	cJSON_Delete(o);
out:
	secrecord_free(&rec);
	free(text);
	free(path);
	cmd_close(&ws, &l, NULL);
	return rc;
}

enum exit_status
cmd_connection_remove(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	struct connection_list	 l = { NULL, 0 };
	struct export_list	 xl = { NULL, 0 };
	struct connection	*c;
	enum connops_exports	 what = CONNOPS_EXPORTS_REFUSE;
	char			*cause = NULL, *names = NULL;
	size_t			 n = 0;
	enum exit_status	 rc;

	if (cli_flag(ctx, "detach-exports") && cli_flag(ctx, "remove-exports")) {
		cli_error("%s", _("give --detach-exports or --remove-exports, "
		    "not both"));
		return EXIT_USAGE;
	}
	if (cli_flag(ctx, "detach-exports"))
		what = CONNOPS_EXPORTS_DETACH;
	else if (cli_flag(ctx, "remove-exports"))
		what = CONNOPS_EXPORTS_REMOVE;
	rc = cli_open_workspace(ctx, &ws, &me);
	if (rc != EXIT_OK)
		return rc;
	/* Said before anything is read; connops_remove checks again, locked. */
	if (me->role != WS_ROLE_ADMIN) {
		cli_error(_("only administrators can remove connections; you "
		    "(%s) are a contributor"), me->user);
		rc = EXIT_AUTH;
		goto out;
	}
	if (connection_list_load(ws, &l, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
		goto out;
	}
	c = connection_list_find(&l, ctx->args[0]);
	if (c == NULL) {
		cli_error(_("there is no connection named \"%s\" (see "
		    "'segsync connection list')"), ctx->args[0]);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = cli_fail_exit(connops_remove(ws, c->id, what, &n, &cause));
	if (rc != EXIT_OK) {
		/* The choice is this command's to name. */
		if (what == CONNOPS_EXPORTS_REFUSE && rc == EXIT_CONFIG &&
		    export_list_load(ws, &xl, NULL) == 0 &&
		    (names = connops_exports_of(&xl, c->id, &n)) != NULL) {
			cli_error(ngettext_("the connection \"%1$s\" is used by "
			    "%2$zu export, %3$s: give --detach-exports to keep "
			    "it, detached (it does not run until attached to "
			    "another connection), or --remove-exports to remove "
			    "it too; nothing was removed", "the connection "
			    "\"%1$s\" is used by %2$zu exports, %3$s: give "
			    "--detach-exports to keep them, detached (they do "
			    "not run until attached to another connection), or "
			    "--remove-exports to remove them too; nothing was "
			    "removed", n), c->name, n, names);
			free(names);
		} else
			cli_error("%s", cause);
		free(cause);
		goto out;
	}
	printf(_("Removed the connection \"%s\" and its encrypted "
	    "credentials: nothing more is sent through it.\n"),
	    cli_str(c->name));
	if (n > 0 && what == CONNOPS_EXPORTS_DETACH)
		printf(ngettext_("%zu export that used it is kept, detached: "
		    "'segsync export edit NAME --connection CONN' attaches it "
		    "to another connection.\n", "%zu exports that used it are "
		    "kept, detached: 'segsync export edit NAME --connection "
		    "CONN' attaches each to another connection.\n", n), n);
	else if (n > 0)
		printf(ngettext_("%zu export that used it was removed too.\n",
		    "%zu exports that used it were removed too.\n", n), n);
	printf(_("The credentials still work at the destination until you "
	    "revoke them there.\n"));
out:
	export_list_free(&xl);
	cmd_close(&ws, &l, NULL);
	return rc;
}

/* The options of 'connection edit' the connection's type takes, checked. */
static enum exit_status
edit_check(struct cli_ctx *ctx, const struct dest_driver *d)
{
	const struct cli_opt	*o;
	const struct dest_field	*f;
	char			*cause = NULL;
	size_t			 nstdin = 0;

	for (o = ctx->cmd->opts; o->name != NULL; o++) {
		if (cli_opt(ctx, o->name) == NULL ||
		    (f = field_of_any(o->name)) == NULL)
			continue;
		if (field_by_option(d, o->name) == NULL) {
			cli_error(_("--%s does not apply to %s connections"),
			    o->name, _(d->label));
			return EXIT_USAGE;
		}
		f = field_by_option(d, o->name);
		if (f->secret && strcmp(cli_opt(ctx, o->name), "-") == 0)
			nstdin++;
		if (strcmp(f->metavar, DEST_METAVAR_URL) == 0 &&
		    http_url_check(cli_opt(ctx, o->name), &cause) == -1) {
			cli_error(_("--%s: %s"), o->name, cause);
			free(cause);
			return EXIT_CONFIG;
		}
	}
	if (nstdin > 1) {
		cli_error(_("only one secret can come from standard input"));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int
edit_any(struct cli_ctx *ctx)
{
	const struct cli_opt	*o;

	for (o = ctx->cmd->opts; o->name != NULL; o++)
		if (cli_opt(ctx, o->name) != NULL || ((o->flags & OPT_ARG) ==
		    0 && cli_flag(ctx, o->name)))
			return 1;
	return 0;
}

enum exit_status
cmd_connection_edit(struct cli_ctx *ctx)
{
	struct workspace	*ws = NULL;
	const struct ws_member	*me;
	const struct dest_driver *d;
	const struct dest_field	*in;
	struct connection_list	 l = { NULL, 0 };
	struct connection	*c, *n = NULL;
	struct secrecord		*rec = NULL;
	struct identity		*id = NULL;
	struct secret		*values[DEST_MAX_CONN_FIELDS] = { NULL };
	char			*cause = NULL, *message = NULL, *replaced = NULL;
	char			*t;
	const char		*name = cli_opt(ctx, "rename");
	size_t			 i, j;
	int			 retest = 0, narrowed, widened;
	enum dest_outcome	 outcome;
	enum sec_status		 sst;
	enum exit_status	 rc;

	if (!edit_any(ctx)) {
		cli_error("%s", _("nothing to change: give at least one of "
		    "the options of 'segsync connection edit' (see 'segsync "
		    "connection edit --help')"));
		return EXIT_USAGE;
	}
	if (cli_flag(ctx, "contributors") && cli_flag(ctx, "admins-only")) {
		cli_error("%s", _("give --contributors or --admins-only, not "
		    "both"));
		return EXIT_USAGE;
	}
	if (cli_flag(ctx, "export-user") && cli_flag(ctx, "no-export-user")) {
		cli_error("%s", _("give --export-user or --no-export-user, not "
		    "both"));
		return EXIT_USAGE;
	}
	rc = cmd_open(ctx, &ws, &me, &l, NULL);
	if (rc != EXIT_OK)
		return rc;
	if (me->role != WS_ROLE_ADMIN) {
		cli_error(_("only administrators can change connections; you "
		    "(%s) are a contributor"), me->user);
		rc = EXIT_AUTH;
		goto out;
	}
	c = cmd_conn_find(&l, me, ctx->args[0], &rc);
	if (c == NULL)
		goto out;
	if ((d = cmd_conn_driver(c, &rc)) == NULL)
		goto out;
	if ((rc = edit_check(ctx, d)) != EXIT_OK)
		goto out;
	if (name != NULL && connection_name_valid(name, &cause) == -1) {
		cli_error(_("--rename \"%s\": %s"), name, cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (name != NULL && connection_list_find(&l, name) != NULL &&
	    connection_list_find(&l, name) != c) {
		cli_error(_("a connection named \"%s\" already exists; choose "
		    "another name"), name);
		rc = EXIT_CONFIG;
		goto out;
	}
	/* Read the secrets before anything slow or locked. */
	if ((rc = read_secrets(ctx, d, values)) != EXIT_OK)
		goto out;
	n = connection_dup(c);
	if (name != NULL) {
		free(n->name);
		n->name = xstrdup(name);
	}
	if (cli_flag(ctx, "contributors"))
		n->contributors = 1;
	else if (cli_flag(ctx, "admins-only"))
		n->contributors = 0;
	if (cli_flag(ctx, "export-user")) {
		free(n->export_user);
		n->export_user = xstrdup(me->user);
	} else if (cli_flag(ctx, "no-export-user"))
		xfree(&n->export_user);
	for (i = 0, in = d->conn_fields; in->key != NULL; in++, i++) {
		if (cli_opt(ctx, in->option) == NULL)
			continue;
		retest = 1;
		if (in->secret) {
			/* TRANSLATORS: joins the names of replaced secrets. */
			t = xasprintf(replaced == NULL ? "%s%s" : _("%s and %s"),
			    replaced != NULL ? replaced : "", _(in->label));
			free(replaced);
			replaced = t;
			for (j = 0; j < n->nsecrets; j++)
				if (strcmp(n->secrets[j], in->key) == 0)
					break;
			if (j == n->nsecrets) {
				n->secrets = xreallocarray(n->secrets,
				    n->nsecrets + 2, sizeof *n->secrets);
				n->secrets[n->nsecrets++] = xstrdup(in->key);
			}
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(n->settings, in->key);
		cJSON_AddStringToObject(n->settings, in->key,
		    cli_opt(ctx, in->option));
	}
	rc = cmd_conn_unlock(ctx, ws, me, c, &rec, &id);
	if (rc != EXIT_OK)
		goto out;
	/*
	 * A new secret or setting is tested as it would be saved, before
	 * anything is: a connection that no longer works is no use.
	 */
	if (retest) {
		sst = SEC_OK;
		for (i = 0, in = d->conn_fields; sst == SEC_OK &&
		    in->key != NULL; in++, i++)
			if (values[i] != NULL)
				sst = secrecord_set(rec, in->key, values[i],
				    &cause);
		if (sst != SEC_OK) {
			cli_error("%s", cause);
			free(cause);
			rc = cli_sec_exit(sst);
			goto out;
		}
		outcome = connops_test(NULL, NULL, d, n, rec, &message);
		rc = cmd_outcome_exit(outcome);
		if (rc != EXIT_OK) {
			cli_error(_("the connection test failed: %s; nothing "
			    "was saved"), cmd_clause(message));
			goto out;
		}
		connection_set_last_test(n, dest_outcome_name(outcome),
		    message);
	}
	rc = cli_fail_exit(connops_update(ws, id, n, d, values, NULL,
	    &cause));
	if (rc != EXIT_OK) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	if (message != NULL)
		printf("%s\n", cli_str(message));
	printf(_("Saved the connection \"%s\" (%s), usable by %s.\n"),
	    cli_str(n->name), _(d->label), n->contributors ?
	    _("administrators and contributors") : _("administrators only"));
	if (replaced != NULL)
		printf(_("Replaced: %s (never shown).\n"), replaced);
	narrowed = c->contributors && !n->contributors;
	widened = !c->contributors && n->contributors;
	if (narrowed)
		printf("%s\n", _("Its credentials have a new data key, sealed "
		    "for administrators only: a contributor's key, or a copy "
		    "of the old file, no longer opens them."));
	else if (widened)
		printf("%s\n", _("Its credentials have a new data key, sealed "
		    "for the administrators and the contributors."));
	if (str_changed(c->export_user, n->export_user))
		printf(n->export_user != NULL ? _("Export user: %s; scheduled "
		    "runs use the connection in their name.\n") : _("No export "
		    "user any more: scheduled runs can no longer use the "
		    "connection.\n"), cli_str(n->export_user != NULL ?
		    n->export_user : ""));
out:
	for (i = 0; i < sizeof values / sizeof values[0]; i++)
		secret_free(&values[i]);
	secrecord_free(&rec);
	identity_free(&id);
	connection_free(&n);
	free(message);
	free(replaced);
	cmd_close(&ws, &l, NULL);
	return rc;
}

/* Remember a test's outcome (best effort); see connops_remember_test. */
static void
remember_test(struct workspace *ws, const char *id, enum dest_outcome o,
    const char *message, const char *secret)
{
	char	*cause = NULL;

	if (connops_remember_test(ws, id, o, message, secret, &cause) == -1) {
		cli_warn("%s", cause);
		free(cause);
	}
}

enum exit_status
cmd_connection_test(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	const struct dest_driver	*d;
	struct connection_list		 l = { NULL, 0 };
	struct connection		*c;
	struct dest_session		*s = NULL;
	struct credstore			*k = NULL;
	char				*message = NULL;
	enum dest_outcome		 o;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &l, NULL);
	if (rc != EXIT_OK)
		return rc;
	c = cmd_conn_find(&l, me, ctx->args[0], &rc);
	if (c == NULL)
		goto out;
	if ((d = cmd_conn_driver(c, &rc)) == NULL)
		goto out;
	/* With a credential store: a renewed OAuth token is saved as it
	 * happens. */
	rc = cmd_conn_session(ctx, ws, me, d, c, &s, &k);
	if (rc != EXIT_OK)
		goto out;
	o = session_test(s, &message);
	dest_session_free(&s);
	credstore_free(&k);
	rc = cmd_outcome_exit(o);
	if (rc == EXIT_OK)
		printf(o == DEST_WARNING ? _("Works, with a warning: %s\n") :
		    "%s\n", cli_str(message));
	else
		cli_error(_("the connection \"%s\" does not work: %s"),
		    c->name, cmd_clause(message));
	remember_test(ws, c->id, o, message, NULL);
out:
	free(message);
	cmd_close(&ws, &l, NULL);
	return rc;
}

enum exit_status
cmd_connection_authorize(struct cli_ctx *ctx)
{
	struct workspace		*ws;
	const struct ws_member		*me;
	const struct dest_driver	*d;
	struct connection_list		 l = { NULL, 0 };
	struct connection		*c;
	struct secrecord			*rec = NULL;
	struct identity			*id = NULL;
	struct credstore			*k = NULL;
	struct oauth_tokens		 tok = { NULL, NULL, 0, 0 };
	char				*cause = NULL, *message = NULL;
	enum sec_status			 sst;
	enum dest_outcome		 o;
	enum exit_status		 rc;

	rc = cmd_open(ctx, &ws, &me, &l, NULL);
	if (rc != EXIT_OK)
		return rc;
	if (me->role != WS_ROLE_ADMIN) {
		cli_error(_("only administrators can authorize connections; "
		    "you (%s) are a contributor"), me->user);
		rc = EXIT_AUTH;
		goto out;
	}
	c = cmd_conn_find(&l, me, ctx->args[0], &rc);
	if (c == NULL)
		goto out;
	d = dest_find(c->type);
	if (d == NULL || d->oauth_url == NULL) {
		cli_error(_("the connection \"%s\" is a %s connection, which "
		    "has an API key and no OAuth authorization: to change the "
		    "key, remove the connection and add it again"), c->name,
		    cmd_type_label(c->type));
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = cmd_conn_unlock(ctx, ws, me, c, &rec, &id);
	if (rc != EXIT_OK)
		goto out;
	rc = authorize_flow(d, c, dest_oauth_secret(d, rec),
	    cli_opt(ctx, "auth-code-file"), &tok);
	if (rc != EXIT_OK)
		goto out;

	/* Test with the new tokens before anything is saved. */
	sst = secrecord_set(rec, OAUTH_REFRESH_FIELD, tok.refresh, &cause);
	if (sst != SEC_OK) {
		cli_error("%s", cause);
		free(cause);
		rc = cli_sec_exit(sst);
		goto out;
	}
	o = connops_test(NULL, NULL, d, c, rec, &message);
	rc = cmd_outcome_exit(o);
	if (rc != EXIT_OK) {
		cli_error(_("the connection test failed: %s; nothing was "
		    "saved"), cmd_clause(message));
		goto out;
	}
	/* Saved under the lock, over whatever a run may have rotated. */
	k = credstore_new(ws, id, c->id);
	id = NULL;
	if (credstore_store(k, OAUTH_REFRESH_FIELD, tok.refresh, &cause) !=
	    0) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
		goto out;
	}
	remember_test(ws, c->id, o, message, OAUTH_REFRESH_FIELD);
	printf("%s\n", cli_str(message));
	printf(_("Authorized the connection \"%s\": its new refresh token is "
	    "stored encrypted.\n"), cli_str(c->name));
out:
	oauth_tokens_clear(&tok);
	free(message);
	credstore_free(&k);
	identity_free(&id);
	secrecord_free(&rec);
	cmd_close(&ws, &l, NULL);
	return rc;
}
