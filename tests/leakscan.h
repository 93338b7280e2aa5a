/*
 * Leak scanning for tests (design 4, "scan"): does a buffer or file hold a
 * canary in plain text, lowercase or uppercase hex, or standard or URL-safe
 * base64 at any alignment? Header-only; needs libsodium initialised.
 *
 *	ok(!leakscan_file(path, "CANARY-..."), "no canary in the record");
 */
#ifndef SEGSYNC_TESTS_LEAKSCAN_H
#define SEGSYNC_TESTS_LEAKSCAN_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static int
leakscan_has(const void *buf, size_t len, const char *needle, size_t n)
{
	return n > 0 && n <= len && memmem(buf, len, needle, n) != NULL;
}

/* 1 when canary shows in buf in any of the forms; 0 otherwise. */
static int __attribute__((unused))
leakscan_buf(const void *buf, size_t len, const char *canary)
{
	static const int	 variants[] = {
		sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_URLSAFE
	};
	size_t			 n = strlen(canary), i, o, v, total, keep, skip;
	unsigned char		*in;
	char			*hex, *b64;
	int			 found = 0;

	if (leakscan_has(buf, len, canary, n))
		return 1;
	hex = malloc(n * 2 + 1);
	sodium_bin2hex(hex, n * 2 + 1, (const unsigned char *)canary, n);
	found = leakscan_has(buf, len, hex, n * 2);
	for (i = 0; hex[i] != '\0'; i++)
		hex[i] = (char)toupper((unsigned char)hex[i]);
	found = found || leakscan_has(buf, len, hex, n * 2);
	free(hex);
	/* Base64 at the three alignments: keep only the characters that
	 * depend on the canary alone. */
	in = malloc(n + 2);
	for (o = 0; o < 3 && !found; o++) {
		memset(in, 0, o);
		memcpy(in + o, canary, n);
		total = o + n;
		skip = o == 0 ? 0 : o + 1;
		keep = total / 3 * 4;
		for (v = 0; v < 2 && !found; v++) {
			b64 = malloc(sodium_base64_ENCODED_LEN(total,
			    variants[v]));
			sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(total,
			    variants[v]), in, total, variants[v]);
			if (keep > skip + 4)
				found = leakscan_has(buf, len, b64 + skip,
				    keep - skip);
			free(b64);
		}
	}
	free(in);
	return found;
}

/* 1 when the file at path holds canary (see leakscan_buf); -1 if unread. */
static int __attribute__((unused))
leakscan_file(const char *path, const char *canary)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;
	int	 r;

	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = realloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	r = leakscan_buf(buf, len, canary);
	free(buf);
	return r;
}

#endif
