/*
 * Normalising profile fields (shared/docs/data-rules.md, "Normalising
 * fields"). Pure functions: no allocation, no locale, no global state.
 *
 * Input is a byte string with a length (it need not be NUL-terminated);
 * white space means the ASCII characters space, tab, LF, VT, FF and CR.
 */
#ifndef SEGSYNC_SRC_DATA_NORMALIZE_H
#define SEGSYNC_SRC_DATA_NORMALIZE_H

#include <stddef.h>

/* Longest valid email, and the buffer size normalize_email() needs. */
#define NORMALIZE_EMAIL_MAX	254
#define NORMALIZE_EMAIL_SIZE	(NORMALIZE_EMAIL_MAX + 1)
/* "+" and 15 digits, and the buffer size normalize_phone() needs. */
#define NORMALIZE_PHONE_MAX	16
#define NORMALIZE_PHONE_SIZE	(NORMALIZE_PHONE_MAX + 1)

enum normalize_result {
	NORMALIZE_OK,
	NORMALIZE_EMPTY,	/* nothing left after trimming */
	NORMALIZE_INVALID
};

/*
 * Trim surrounding white space and lowercase. Valid when, exactly as the
 * contract says: one '@'; a local part of 1 to 64 bytes with no white
 * space (nor other control characters); a domain of at least two
 * dot-separated non-empty labels of ASCII letters, digits and '-', none
 * starting or ending with '-'; at most 254 bytes in all. Any non-ASCII
 * byte makes it invalid (an IDN must be written in its xn-- form).
 * Nothing else is checked: quotes or a leading dot in the local part, a
 * label longer than 63 bytes or an all-digit top-level label pass.
 *
 * out must hold NORMALIZE_EMAIL_SIZE bytes; on NORMALIZE_OK it holds the
 * NUL-terminated address and *outlen its length. On NORMALIZE_EMPTY the
 * reason is "missing email", on NORMALIZE_INVALID "invalid email".
 */
enum normalize_result normalize_email(const char *in, size_t len, char *out,
	    size_t *outlen);

/*
 * Drop spaces (any white space), dots, dashes and parentheses, and a "(0)"
 * trunk marker (only the first one, and only after something, as in
 * "+44 (0)20 ..."); a leading "00" becomes "+". Valid when the result is
 * "+" and 8 to 15 digits. out must hold NORMALIZE_PHONE_SIZE bytes.
 */
enum normalize_result normalize_phone(const char *in, size_t len, char *out,
	    size_t *outlen);

/*
 * Trim surrounding white space, for customer IDs and text fields: returns
 * a pointer into in and sets *outlen. An empty result (*outlen == 0)
 * means: no customer ID (identify by email), or a text field left out.
 */
const char *normalize_trim(const char *in, size_t len, size_t *outlen);

/* The reason, in words, for a rejected email ("missing email", ...). */
const char *normalize_email_reason(enum normalize_result);

#endif
