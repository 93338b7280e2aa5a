/*
 * Sendinblue (Brevo): what a connection and an export ask for. Talking to
 * the API (credentials test, list verification, contacts import and
 * process confirmation) comes with the Sendinblue issue; until then the
 * driver has no functions, and the command line stores the connection
 * without testing it and says so.
 */
#include "config.h"

#include <stddef.h>

#include "dest/dest.h"
#include "i18n.h"

static const struct dest_field sendinblue_fields[] = {
	{ "api_key", N_("API key"), "api-key-file", 1, 1,
	  N_("A Brevo API v3 key (SMTP & API, API keys).") },
	{ "base_url", N_("Base URL"), "base-url", 0, 0,
	  N_("Only for sandboxes and tests: the URL to send requests to "
	  "instead of https://api.brevo.com/v3.") },
	{ NULL, NULL, NULL, 0, 0, NULL }
};

static const struct dest_slot sendinblue_slots[] = {
	{ DEST_SLOT_EMAIL, "email", N_("Email"), 1 },
	{ DEST_SLOT_FIRSTNAME, "firstname", N_("First name (FIRSTNAME)"), 0 },
	{ DEST_SLOT_LASTNAME, "lastname", N_("Last name (LASTNAME)"), 0 },
	{ DEST_SLOT_PHONE, "phone", N_("Phone (SMS)"), 0 },
	{ DEST_SLOT_COUNT, NULL, NULL, 0 }
};

const struct dest_driver dest_sendinblue = {
	.id = "sendinblue",
	.label = N_("Sendinblue (Brevo)"),
	.conn_fields = sendinblue_fields,
	.target = { N_("Sendinblue list ID"),
	    N_("The numeric ID of the Brevo contact list to import into.") },
	.slots = sendinblue_slots,
	.attrs = 0,
	/* 10 requests per second on the contacts endpoints (api-contracts 2.3). */
	.limits = { 1000, 5000, 8u * 1000 * 1000,
	    { 10, 1000, 1, RATELIMIT_HEADERS_BREVO }, 2 },
};
