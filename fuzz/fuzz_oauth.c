/*
 * libFuzzer target for the OAuth reply parser (oauth_parse_reply()): any
 * bytes as what the administrator pastes back, a bare code or the
 * redirect address, answering the authorization of one fixed state.
 * Besides the sanitizers, it checks the parser's promises (oauth.h): a
 * code comes back non-empty, without white space or control bytes, and
 * with no cause; a refusal comes with a cause in words and no code or
 * note; a note is only ever a sentence.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/oauth.h"
#include "secrets/secret.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The state of fuzz/corpus/oauth's redirect addresses. */
static const char fuzz_state[] = "0123456789abcdef0123456789abcdef";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secret		*code = NULL;
	const unsigned char	*c;
	char			*note = NULL, *cause = NULL;
	size_t			 i;

	if (sodium_init() < 0)
		abort();
	if (oauth_parse_reply((const char *)data, size, fuzz_state, &code,
	    &note, &cause) == 0) {
		if (code == NULL || secret_len(code) == 0 || cause != NULL)
			abort();
		c = secret_peek(code);
		for (i = 0; i < secret_len(code); i++)
			if (c[i] <= ' ' || c[i] == 0x7f)
				abort();
		if (note != NULL && *note == '\0')
			abort();
	} else {
		if (code != NULL || cause == NULL || *cause == '\0' ||
		    note != NULL)
			abort();
	}
	secret_free(&code);
	free(note);
	free(cause);
	return 0;
}
