/*
 * Every driver of the registry against what dest.h asks of a driver: the
 * command line, the wizard and the run engine read these tables without
 * knowing the destination, so a driver that breaks a rule breaks them.
 * Built twice: with the program's registry, and with the test registry
 * that adds the null driver (tests/nullreg.c, TEST_NULL_REGISTRY).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xmalloc.h"
#include "dest/dest.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "tap.h"

static int
nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

/* An HTTP header name: a token (RFC 9110), so no space or colon. */
static int
header_name(const char *s)
{
	if (!nonempty(s))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == strlen(s);
}

static int
headers_ok(const struct ratelimit_headers *h)
{
	if (h == NULL)
		return 1;
	return header_name(h->remaining) && header_name(h->reset) &&
	    strcasecmp(h->remaining, h->reset) != 0 &&
	    (h->reset_kind == RATELIMIT_RESET_EPOCH ||
	    h->reset_kind == RATELIMIT_RESET_RELATIVE);
}

static int
rate_ok(const struct ratelimit_config *r)
{
	return r->limit > 0 && r->window_ms > 0 && r->burst <= r->limit &&
	    headers_ok(r->headers);
}

static const struct dest_field *
field(const struct dest_driver *d, const char *key)
{
	const struct dest_field	*f;

	for (f = d->conn_fields; f->key != NULL; f++)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

static void
test_fields(const struct dest_driver *d)
{
	const struct dest_field	*f, *g;
	const struct dest_suggest *sg;
	size_t			 n = 0;
	int			 good = 1, uniq = 1, secret_file = 1;

	for (f = d->conn_fields; f->key != NULL; f++) {
		n++;
		good &= nonempty(f->label) && nonempty(f->option) &&
		    nonempty(f->help) && nonempty(f->metavar) &&
		    nonempty(f->cli_help) && f->option[0] != '-';
		for (g = d->conn_fields; g != f; g++)
			uniq &= strcmp(g->key, f->key) != 0 &&
			    strcmp(g->option, f->option) != 0;
		/* A secret never comes from an argument, only a file. */
		if (f->secret)
			secret_file &= strlen(f->option) > 5 &&
			    strcmp(f->option + strlen(f->option) - 5,
			    "-file") == 0 && strcmp(f->metavar, "FILE") == 0;
	}
	ok(n >= 1 && n <= DEST_MAX_CONN_FIELDS, "%s: %zu conn_fields, within "
	    "the wizard's %d", d->id, n, DEST_MAX_CONN_FIELDS);
	ok(good, "%s: every field has a label, an option, help, a metavar "
	    "and command-line help", d->id);
	ok(uniq, "%s: keys and options are unique", d->id);
	ok(secret_file, "%s: secrets are read from --...-file FILE", d->id);
	for (sg = d->suggest; sg != NULL && sg->key != NULL; sg++)
		ok(field(d, sg->key) != NULL && sg->values != NULL &&
		    sg->values[0] != NULL, "%s: suggestions for %s, a field",
		    d->id, sg->key);
}

/* Two drivers with the same option mean the same by it. */
static void
test_shared_options(void)
{
	const struct dest_driver *const	*dp, *const *ep;
	const struct dest_field		*f, *g;
	int				 same = 1;

	for (dp = dest_all(); *dp != NULL; dp++)
		for (ep = dest_all(); ep != dp; ep++)
			for (f = (*dp)->conn_fields; f->key != NULL; f++)
				for (g = (*ep)->conn_fields; g->key != NULL;
				    g++) {
					if (strcmp(f->option, g->option) != 0)
						continue;
					same &= strcmp(f->key, g->key) == 0 &&
					    f->secret == g->secret &&
					    strcmp(f->metavar,
					    g->metavar) == 0 &&
					    strcmp(f->cli_help,
					    g->cli_help) == 0;
				}
	ok(same, "an option shared by drivers has one key, secrecy, metavar "
	    "and command-line help");
}

static void
test_slots(const struct dest_driver *d)
{
	const struct dest_slot	*s, *t;
	int			 good = 1, uniq = 1;

	for (s = d->slots; s->key != NULL; s++) {
		good &= nonempty(s->label) && s->id < DEST_SLOT_COUNT;
		for (t = d->slots; t != s; t++)
			uniq &= t->id != s->id && strcmp(t->key, s->key) != 0;
	}
	ok(good && uniq, "%s: slots have labels, known and unique ids and keys",
	    d->id);
	ok(dest_slot_find(d, DEST_SLOT_EMAIL) != NULL &&
	    dest_slot_find(d, DEST_SLOT_EMAIL)->required &&
	    strcmp(dest_slot_find(d, DEST_SLOT_EMAIL)->key, "email") == 0,
	    "%s: the email slot is there and required (profiles always have "
	    "one)", d->id);
	ok(d->attrs == (d->limits.attr_name_max > 0),
	    "%s: custom attributes have a name limit, and only then", d->id);
}

static void
test_limits(const struct dest_driver *d)
{
	const struct dest_limits	*l = &d->limits;

	ok(l->batch_default >= 1 && l->batch_default <= l->batch_max,
	    "%s: batches of %u, at most %u", d->id, l->batch_default,
	    l->batch_max);
	ok(l->max_request_bytes >= 1024 && l->concurrency >= 1,
	    "%s: requests up to %zu bytes, %u at once", d->id,
	    l->max_request_bytes, l->concurrency);
	ok(rate_ok(&l->rate), "%s: a delivery budget, its rate-limit headers "
	    "named and distinct", d->id);
	ok(l->other_rate.limit == 0 ? l->other_rate.headers == NULL :
	    rate_ok(&l->other_rate), "%s: the other budget is none or sane",
	    d->id);
	/*
	 * The run core cuts removals into batches of remove_batch_max: at
	 * least one, and no more than the destination takes of anything in
	 * one request.
	 */
	ok(d->remove_batch_max >= 1 && d->remove_batch_max <= l->batch_max,
	    "%s: removals in batches of at most %u, no more than batch_max",
	    d->id, d->remove_batch_max);
	ok(d->update_only == 0 || d->update_only == 1,
	    "%s: update_only is a flag (%d)", d->id, d->update_only);
}

static void
test_functions(const struct dest_driver *d)
{
	const struct dest_field	*f;
	char			*cause = NULL;

	ok(d->session_open != NULL && d->target_check != NULL &&
	    d->test != NULL && d->verify_target != NULL &&
	    d->encode != NULL && d->decode != NULL &&
	    d->encode_remove != NULL && d->decode_remove != NULL,
	    "%s: every function that is not optional is there", d->id);
	ok((d->confirm != NULL) == nonempty(d->confirm_help),
	    "%s: a confirmation phase has its help, and only then", d->id);
	ok(dest_has_confirm(d) == (d->confirm != NULL), "%s: "
	    "dest_has_confirm", d->id);
	if (!dest_is_oauth(d)) {
		ok(d->oauth_scope == NULL && d->oauth_secret == NULL &&
		    d->reauth == NULL, "%s: no OAuth, no scope, secret or "
		    "renewal", d->id);
		return;
	}
	f = field(d, d->oauth_secret != NULL ? d->oauth_secret : "");
	ok(f != NULL && f->secret && f->required, "%s: the OAuth client "
	    "secret is a required secret field", d->id);
	ok(field(d, "client_id") != NULL && field(d, "client_id")->required &&
	    field(d, "redirect_uri") != NULL &&
	    field(d, "redirect_uri")->required, "%s: client_id and "
	    "redirect_uri are asked for (dest_oauth_app reads them)", d->id);
	ok(nonempty(d->oauth_scope) && d->reauth != NULL &&
	    http_url_check(d->oauth_url, &cause) == 0, "%s: OAuth at a valid "
	    "address, with a scope and renewal", d->id);
	free(cause);
}

static void
test_driver(const struct dest_driver *d)
{
	size_t	lab = strlen(d->short_label != NULL ? d->short_label : "");

	ok(nonempty(d->id) && strspn(d->id, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_") == strlen(d->id), "%s: the id is a lowercase word",
	    d->id);
	ok(dest_find(d->id) == d, "%s: dest_find finds it", d->id);
	ok(nonempty(d->label) && nonempty(d->short_label) &&
	    strncmp(d->label, d->short_label, lab) == 0 &&
	    (d->label[lab] == '\0' || d->label[lab] == ' '),
	    "%s: a label, and a short label that begins it (\"%s\", \"%s\")",
	    d->id, d->label != NULL ? d->label : "", d->short_label != NULL ?
	    d->short_label : "");
	ok(nonempty(d->target.label) && nonempty(d->target.help),
	    "%s: the target has a label and help", d->id);
	test_fields(d);
	test_slots(d);
	test_limits(d);
	test_functions(d);
}

static int
only_braze(const struct dest_driver *d)
{
	return strcmp(d->id, "braze") == 0;
}

static int
has_update_only(const struct dest_driver *d)
{
	return d->update_only;
}

int
main(void)
{
	const struct dest_driver *const	*dp;
	char				*s, *want;
	size_t				 n = 0;

	plan_lazy();
	ok(dest_all() == dest_registry, "dest_all() is the registry");
	for (dp = dest_all(); *dp != NULL; dp++) {
		test_driver(*dp);
		n++;
	}
	test_shared_options();
#ifdef TEST_NULL_REGISTRY
	is_int(n, 4, "the test registry has the three drivers and null");
	is_str(dest_all()[3]->id, "null", "null is listed last");
	want = xstrdup("braze|sendinblue|snapchat|null");
#else
	is_int(n, 3, "the registry has three drivers");
	ok(dest_find("null") == NULL, "the null driver is for tests only");
	want = xstrdup("braze|sendinblue|snapchat");
#endif
	s = dest_names(DEST_NAME_ID, NULL, "|", "|");
	is_str(s, want, "dest_names lists the ids in the registry's order");
	free(s);
	free(want);
	s = dest_names(DEST_NAME_SHORT, only_braze, ", ", " and ");
	is_str(s, "Braze", "one name alone");
	free(s);
	s = dest_names(DEST_NAME_SHORT, dest_is_oauth, ", ", " and ");
	is_str(s, "Snapchat", "the OAuth drivers");
	free(s);
	s = dest_names(DEST_NAME_ID, has_update_only, "|", "|");
#ifdef TEST_NULL_REGISTRY
	is_str(s, "braze|null", "update-only: Braze and the null driver");
#else
	is_str(s, "braze", "update-only is Braze's alone (data-rules.md)");
#endif
	free(s);
	return done_testing();
}
