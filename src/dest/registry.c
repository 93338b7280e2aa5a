/*
 * The registry: every destination segsync knows, and the only place that
 * lists them. Adding a destination is adding its file under src/dest/ and
 * a line here. This file defines nothing else, so that a program linking
 * a registry of its own before the core (the test build tests/segsync-null,
 * with tests/nullreg.c) gets that one and not this.
 */
#include "config.h"

#include <stddef.h>

#include "dest/dest.h"

extern const struct dest_driver	dest_braze;
extern const struct dest_driver	dest_sendinblue;
extern const struct dest_driver	dest_snapchat;

/* The wizard lists destinations in this order. */
const struct dest_driver *const dest_registry[] = {
	&dest_braze,
	&dest_sendinblue,
	&dest_snapchat,
	NULL
};
