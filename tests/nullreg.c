/*
 * The test registry: the program's three drivers and the null one
 * (nulldest.c). Linked before the core, it replaces src/dest/registry.c in
 * the test programs that list it (tests/segsync-null, test_drivers_null):
 * nothing else changes for them.
 */
#include "config.h"

#include <stddef.h>

#include "dest/dest.h"

extern const struct dest_driver	dest_braze;
extern const struct dest_driver	dest_sendinblue;
extern const struct dest_driver	dest_snapchat;
extern const struct dest_driver	dest_null;

const struct dest_driver *const dest_registry[] = {
	&dest_braze,
	&dest_sendinblue,
	&dest_snapchat,
	&dest_null,
	NULL
};
