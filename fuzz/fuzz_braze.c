/*
 * libFuzzer target for the Braze driver's response decoder (decode() of
 * /users/track answers): any bytes as the status line and body, with the
 * checks of fuzz_dest.h.
 */
#include "config.h"

#include "fuzz_dest.h"

static const char *const fuzz_settings[] = {
	"endpoint", "rest.iad-03.braze.com", NULL
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dest_session	*s;

	if (s == NULL)
		s = fuzz_session(dest_find("braze"), fuzz_settings, "api_key",
		    "fuzz-key");
	return fuzz_decode(s, data, size);
}
