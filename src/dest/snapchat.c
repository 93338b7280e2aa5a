/*
 * Snapchat Marketing API: what a connection and an export ask for. OAuth,
 * the credentials test, audience verification and uploads come with the
 * Snapchat issue; until then the driver has no functions, and the command
 * line stores the connection without testing it and says so.
 */
#include "config.h"

#include <stddef.h>

#include "dest/dest.h"
#include "i18n.h"

static const struct dest_field snapchat_fields[] = {
	{ "client_id", N_("OAuth client ID"), "client-id", 0, 1,
	  N_("The client ID of your Snapchat OAuth app.") },
	{ "client_secret", N_("OAuth client secret"), "client-secret-file", 1,
	  1, N_("The client secret of your Snapchat OAuth app.") },
	{ "redirect_uri", N_("Redirect URI"), "redirect-uri", 0, 1,
	  N_("The redirect URI registered for the OAuth app.") },
	{ "base_url", N_("Base URL"), "base-url", 0, 0,
	  N_("Only for sandboxes and tests: instead of "
	  "https://adsapi.snapchat.com/v1.") },
	{ "auth_url", N_("OAuth URL"), "auth-url", 0, 0,
	  N_("Only for sandboxes and tests: instead of "
	  "https://accounts.snapchat.com.") },
	{ NULL, NULL, NULL, 0, 0, NULL }
};

static const struct dest_slot snapchat_slots[] = {
	{ DEST_SLOT_EMAIL, "email", N_("Email (sent SHA-256 hashed)"), 1 },
	{ DEST_SLOT_COUNT, NULL, NULL, 0 }
};

const struct dest_driver dest_snapchat = {
	.id = "snapchat",
	.label = N_("Snapchat"),
	.conn_fields = snapchat_fields,
	.target = { N_("Snapchat audience ID"),
	    N_("The ID of the Snap Audience Match segment to add users to.") },
	.slots = snapchat_slots,
	.attrs = 0,
	/* 10 requests per second per token, 100,000 identifiers each. */
	.limits = { 100000, 100000, 64u * 1000 * 1000,
	    { 10, 1000, 1, RATELIMIT_HEADERS_NONE }, 2 },
};
