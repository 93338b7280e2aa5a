/*
 * libFuzzer target for the Snapchat driver's response decoder (decode()
 * of /segments/ID/users answers): any bytes as the status line and body,
 * with the checks of fuzz_dest.h. The session has no refresh token and
 * never asks for one: decode() makes no request.
 */
#include "config.h"

#include "fuzz_dest.h"

static const char *const fuzz_settings[] = {
	"client_id", "fuzz-client",
	"redirect_uri", "https://example.com/callback", NULL
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dest_session	*s;

	if (s == NULL)
		s = fuzz_session(dest_find("snapchat"), fuzz_settings,
		    "client_secret", "fuzz-secret");
	return fuzz_decode(s, data, size);
}
