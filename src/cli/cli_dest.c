/*
 * The parts of the command table that come from the destination drivers
 * (dest.h): 'connection add's options, their choices and help, which of
 * them each destination needs, and the texts naming the destinations. A
 * destination added to the registry shows here without a change.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "dest/dest.h"

/* The options of 'connection add' that are not about one destination. */
static const struct cli_opt add_head[] = {
	{ "type", OPT_ARG | OPT_REQUIRED, "TYPE", NULL,
	  N_("the destination") },
	{ "name", OPT_ARG | OPT_REQUIRED, "NAME",
	  NULL, N_("display name, unique in the workspace") },
	{ "agree-privacy", 0, NULL, NULL,
	  N_("agree to the data privacy and compliance notice (personal data "
	     "leaves this system); without it nothing is saved") },
	{ "contributors", 0, NULL, NULL,
	  N_("contributors may use the connection too (default: "
	     "administrators only)") },
	{ "export-user", 0, NULL, NULL,
	  N_("add yourself as export user: exports on this connection may run "
	     "in your name, including unattended scheduled runs") },
};
#define ADD_HEAD	(sizeof add_head / sizeof add_head[0])

/* The driver's field for a command-line option, or NULL. */
static const struct dest_field *
field_of(const struct dest_driver *d, const char *option)
{
	const struct dest_field	*f;

	for (f = d->conn_fields; f->key != NULL; f++)
		if (strcmp(f->option, option) == 0)
			return f;
	return NULL;
}

/* Set by has_option() for dest_names(): the option asked about. */
static const char	*asked_option;

static int
has_option(const struct dest_driver *d)
{
	return field_of(d, asked_option) != NULL;
}

static int
every_driver_has(const char *option)
{
	const struct dest_driver *const	*dp;

	for (dp = dest_all(); *dp != NULL; dp++)
		if (field_of(*dp, option) == NULL)
			return 0;
	return 1;
}

/* Whether o[0..n) already holds option. */
static int
listed(const struct cli_opt *o, size_t n, const char *option)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(o[i].name, option) == 0)
			return 1;
	return 0;
}

/*
 * Add the option of field f (some driver's) to o[*n]. An option every
 * driver has goes without a prefix; any other names the destinations it
 * applies to, "Braze, Sendinblue: ...".
 */
static void
add_field_opt(struct cli_opt *o, size_t *n, const struct dest_field *f)
{
	char	*names;

	o[*n].name = f->option;
	o[*n].flags = OPT_ARG;
	o[*n].metavar = f->metavar;
	o[*n].choices = NULL;
	if (every_driver_has(f->option))
		o[*n].help = _(f->cli_help);
	else {
		asked_option = f->option;
		names = dest_names(DEST_NAME_SHORT, has_option, ", ", ", ");
		/* TRANSLATORS: destinations, an option's help. */
		o[*n].help = xasprintf(_("%1$s: %2$s"), names, _(f->cli_help));
		free(names);
	}
	(*n)++;
}

/*
 * Add every driver's field options to o[*n], once each: those every
 * destination has first, then in the drivers' order.
 */
static void
add_field_opts(struct cli_opt *o, size_t *n)
{
	const struct dest_driver *const	*dp;
	const struct dest_field		*f;
	int				 pass;

	for (pass = 0; pass < 2; pass++)
		for (dp = dest_all(); *dp != NULL; dp++)
			for (f = (*dp)->conn_fields; f->key != NULL; f++)
				if (!listed(o, *n, f->option) &&
				    every_driver_has(f->option) == (pass == 0))
					add_field_opt(o, n, f);
}

/* "--a, --b and --c": the options driver d needs; malloc'd, or NULL. */
static char *
needed_options(const struct dest_driver *d)
{
	const struct dest_field	*f;
	char			*s = NULL, *t;
	size_t			 n = 0, k = 0;

	for (f = d->conn_fields; f->key != NULL; f++)
		n += f->required;
	for (f = d->conn_fields; f->key != NULL; f++) {
		if (!f->required)
			continue;
		k++;
		t = xasprintf("%s%s--%s", s != NULL ? s : "", k == 1 ? "" :
		    k == n ? _(" and ") : ", ", f->option);
		free(s);
		s = t;
	}
	return s;
}

static void
build_connection_add(struct cli_cmd *c)
{
	const struct dest_driver *const	*dp;
	const struct dest_field		*f;
	struct cli_opt			*o;
	char				*need, *s = NULL, *t;
	size_t				 n, nfields = 0;

	for (dp = dest_all(); *dp != NULL; dp++)
		for (f = (*dp)->conn_fields; f->key != NULL; f++)
			nfields++;
	o = xcalloc(ADD_HEAD + nfields + 2, sizeof *o);
	memcpy(o, add_head, sizeof add_head);
	o[0].choices = dest_names(DEST_NAME_ID, NULL, "|", "|");
	n = ADD_HEAD;
	add_field_opts(o, &n);
	for (dp = dest_all(); *dp != NULL; dp++)
		if (dest_is_oauth(*dp))
			break;
	if (*dp != NULL) {
		o[n].name = "auth-code-file";
		o[n].flags = OPT_ARG;
		o[n].metavar = "FILE";
		t = dest_names(DEST_NAME_SHORT, dest_is_oauth, ", ", ", ");
		o[n].help = xasprintf(_("%1$s: %2$s"), t, _("read the "
		    "authorization code, or the whole redirect URL, from FILE"));
		free(t);
		n++;
	}
	c->opts = o;

	for (dp = dest_all(); *dp != NULL; dp++) {
		if ((need = needed_options(*dp)) == NULL)
			continue;
		/* TRANSLATORS: a destination, the options it needs. */
		t = xasprintf(_("%1$s needs %2$s"), _((*dp)->short_label),
		    need);
		free(need);
		if (s != NULL) {
			need = t;
			/* TRANSLATORS: what two destinations need. */
			t = xasprintf(_("%1$s; %2$s"), s, need);
			free(need);
			free(s);
		}
		s = t;
	}
	c->description = xasprintf(_("%s. Secrets are read from files or "
	    "standard input, never from arguments."), s != NULL ? s : "");
	free(s);
}

/* The options of 'connection edit' that are not about one destination. */
static const struct cli_opt edit_head[] = {
	{ "rename", OPT_ARG, "NEW", NULL,
	  N_("a new display name, unique in the workspace") },
	{ "contributors", 0, NULL, NULL,
	  N_("contributors may use the connection too") },
	{ "admins-only", 0, NULL, NULL,
	  N_("only administrators may use the connection (its credentials "
	     "get a new data key)") },
	{ "export-user", 0, NULL, NULL,
	  N_("make yourself the export user: exports on this connection may "
	     "run in your name, including unattended scheduled runs") },
	{ "no-export-user", 0, NULL, NULL,
	  N_("no export user: scheduled runs cannot use the connection") },
};
#define EDIT_HEAD	(sizeof edit_head / sizeof edit_head[0])

static void
build_connection_edit(struct cli_cmd *c)
{
	const struct dest_driver *const	*dp;
	const struct dest_field		*f;
	struct cli_opt			*o;
	size_t				 n, nfields = 0;

	for (dp = dest_all(); *dp != NULL; dp++)
		for (f = (*dp)->conn_fields; f->key != NULL; f++)
			nfields++;
	o = xcalloc(EDIT_HEAD + nfields + 1, sizeof *o);
	memcpy(o, edit_head, sizeof edit_head);
	n = EDIT_HEAD;
	add_field_opts(o, &n);
	c->opts = o;
}

static void
build_connection_authorize(struct cli_cmd *c)
{
	char	*names;

	names = dest_names(DEST_NAME_SHORT, dest_is_oauth, ", ", ", ");
	c->summary = xasprintf(_("%s: finish or redo the OAuth "
	    "authorization"), names);
	free(names);
}

/* "email, customer_id, ..., attr:NAME": what a mapping may fill. */
static char *
mappable(void)
{
	const struct dest_driver *const	*dp, *const *ep;
	const struct dest_slot		*sl;
	char				*s = NULL, *t;
	int				 attrs = 0;

	for (dp = dest_all(); *dp != NULL; dp++) {
		attrs |= (*dp)->attrs;
		for (sl = (*dp)->slots; sl->key != NULL; sl++) {
			/* Once, where it first appears. */
			for (ep = dest_all(); ep != dp; ep++)
				if (dest_slot_by_key(*ep, sl->key) != NULL)
					break;
			if (ep != dp)
				continue;
			t = xasprintf("%s%s%s", s != NULL ? s : "",
			    s != NULL ? ", " : "", sl->key);
			free(s);
			s = t;
		}
	}
	if (attrs) {
		t = xasprintf("%s, attr:NAME", s);
		free(s);
		s = t;
	}
	return s;
}

static void
build_export_add(struct cli_cmd *c)
{
	struct cli_opt	*o;
	char		*s;
	size_t		 i, n;

	for (n = 0; c->opts[n].name != NULL; n++)
		;
	o = xcalloc(n + 1, sizeof *o);
	memcpy(o, c->opts, n * sizeof *o);
	for (i = 0; i < n; i++) {
		if (strcmp(o[i].name, "target") == 0)
			o[i].help = dest_names(DEST_NAME_TARGET, NULL, ", ",
			    _(" or "));
		else if (strcmp(o[i].name, "map") == 0) {
			s = mappable();
			o[i].help = xasprintf(_("map a segment field to a "
			    "destination field: %s"), s);
			free(s);
		}
	}
	c->opts = o;
}

char *
cli_dest_about(void)
{
	char	*names, *s;

	names = dest_names(DEST_NAME_LABEL, NULL, ", ", _(" and "));
	/* TRANSLATORS: %s lists the destinations ("A, B and C"). */
	s = xasprintf(_("Export customer segments to %s. Without a command, "
	    "segsync opens its terminal UI."), names);
	free(names);
	return s;
}

/* The commands completed here, and how. */
static const struct {
	const char	*group;
	const char	*name;
	void		(*build)(struct cli_cmd *);
} builders[] = {
	{ "connection", "add", build_connection_add },
	{ "connection", "authorize", build_connection_authorize },
	{ "connection", "edit", build_connection_edit },
	{ "export", "add", build_export_add },
	{ "export", "edit", build_export_add },
};

void
cli_dest_build(void)
{
	static int	 built;
	struct cli_cmd	*c;
	size_t		 i;

	if (built++)
		return;
	for (i = 0; i < sizeof builders / sizeof builders[0]; i++) {
		for (c = cli_commands; c->name != NULL; c++) {
			if (c->group != NULL &&
			    strcmp(c->group, builders[i].group) == 0 &&
			    strcmp(c->name, builders[i].name) == 0)
				builders[i].build(c);
		}
	}
}
