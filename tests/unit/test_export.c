/* Export validation against the destination's slots and the segments. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/xmalloc.h"
#include "data/segments.h"
#include "dest/dest.h"
#include "store/export.h"
#include "tap.h"

static void
spew(const char *dir, const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	path = util_path(dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	free(path);
}

/* An export built from "dest=field" pairs and segment names. */
static struct export *
mk(const char *const *maps, const char *const *segs)
{
	struct export	*x;
	char		*cause = NULL;
	size_t		 n;

	x = xcalloc(1, sizeof *x);
	for (n = 0; maps[n] != NULL; n++)
		;
	x->map = xcalloc(n + 1, sizeof *x->map);
	for (; x->nmap < n; x->nmap++)
		if (export_map_parse(maps[x->nmap], &x->map[x->nmap],
		    &cause) == -1)
			exit(99);
	for (n = 0; segs[n] != NULL; n++)
		;
	x->segments = xcalloc(n + 1, sizeof *x->segments);
	for (; x->nsegments < n; x->nsegments++)
		x->segments[x->nsegments] = xstrdup(segs[x->nsegments]);
	return x;
}

/* Validate and compare the message (NULL: must pass). */
static void
check(const struct dest_driver *d, const struct segment_list *l,
    const char *const *maps, const char *const *segs, const char *want,
    const char *name)
{
	struct export	*x;
	char		*cause = NULL;
	int		 rc;

	x = mk(maps, segs);
	rc = export_validate(x, d, l, &cause);
	if (want == NULL) {
		if (!ok(rc == 0, "%s: valid", name))
			diag("%s", cause);
	} else {
		ok(rc == -1, "%s: refused", name);
		like(cause, want, "%s: says \"%s\"", name, want);
	}
	free(cause);
	export_free(&x);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

int
main(void)
{
	const struct dest_driver	*braze, *brevo, *snap;
	struct segment_list		*l = NULL;
	struct export_map		 m;
	char				*cause = NULL;
	const char			*dir;

	plan_lazy();
	dir = tap_tmpdir();
	spew(dir, "VIP.csv", "email,id,city\na@b.co,1,Paris\n");
	spew(dir, "News.csv", "email;id\nc@d.co;2\n");
	spew(dir, "Broken.csv", "email,email\nx,y\n");
	if (segments_list(dir, NULL, &l, &cause) == -1) {
		diag("%s", cause);
		return 99;
	}
	braze = dest_find("braze");
	brevo = dest_find("sendinblue");
	snap = dest_find("snapchat");
	ok(braze != NULL && brevo != NULL && snap != NULL,
	    "the three drivers are registered");

	ok(export_map_parse("attr:city=town", &m, &cause) == 0 &&
	    strcmp(m.dest, "attr:city") == 0 && strcmp(m.field, "town") == 0,
	    "--map splits at the first '='");
	free(m.dest);
	free(m.field);
	ok(export_map_parse("email", &m, &cause) == -1, "--map without '='");
	like(cause, "DEST=FIELD", "says how to write it");
	xfree(&cause);
	ok(export_map_parse("email=", &m, &cause) == -1, "--map without field");
	xfree(&cause);

	check(braze, l, L("email=email", "customer_id=id"), L("VIP", "News"),
	    NULL, "braze, both required slots, two segments");
	check(braze, l, L("email=email", "customer_id=id", "attr:city=city"),
	    L("VIP"), NULL, "braze with a custom attribute");
	check(braze, l, L("email=email"), L("VIP"), "customer_id=FIELD",
	    "braze without the customer ID");
	check(braze, l, L("email=email", "customer_id=id", "attr:city=city"),
	    L("VIP", "News"), "the segment \"News\" has no field \"city\"",
	    "a mapped field missing from one segment");
	check(braze, l, L("email=email", "customer_id=id", "email=id"),
	    L("VIP"), "\"email\" is mapped twice", "a slot mapped twice");
	check(braze, l, L("email=email", "customer_id=id", "attr:=city"),
	    L("VIP"), "needs a name", "an attribute without a name");
	check(braze, l, L("email=email", "customer_id=id", "phone=id"),
	    L("VIP"), "has no field \"phone\" to map; what it takes: email, "
	    "customer_id, attr:NAME", "a slot Braze does not have");
	check(brevo, l, L("email=email", "phone=id"), L("VIP"), NULL,
	    "sendinblue with a phone");
	check(brevo, l, L("email=email", "attr:x=id"), L("VIP"),
	    "takes no custom attributes", "sendinblue with an attribute");
	check(snap, l, L("email=email"), L("VIP", "News"), NULL,
	    "snapchat with the email");
	check(snap, l, L("customer_id=id"), L("VIP"),
	    "Snapchat has no field \"customer_id\" to map; what it takes: "
	    "email", "snapchat with a customer ID");
	check(brevo, l, L("firstname=email"), L("VIP"),
	    "needs the Email mapped: add --map email=FIELD",
	    "sendinblue without the email");
	check(brevo, l, L("email=email"), L("Nope"), "no segment \"Nope\"",
	    "an unknown segment");
	check(brevo, l, L("email=email"), L("Broken"), "cannot be used",
	    "an unusable segment");
	check(brevo, l, L("email=email"), L("VIP", "VIP"), "chosen twice",
	    "a segment chosen twice");
	{
		struct export	*x = mk(L("email=email"), L("VIP"));

		x->nsegments = 0;
		ok(export_validate(x, brevo, l, &cause) == -1,
		    "no segment: refused");
		like(cause, "no segment chosen", "and says so");
		xfree(&cause);
		x->nsegments = 1;
		export_free(&x);
	}
	segments_free(&l);
	return done_testing();
}
