/*
 * Redaction of secrets in what the HTTP debug log shows: header values of
 * Authorization, api-key, X-Api-Key, Cookie, Set-Cookie (and Proxy-
 * Authorization), and JSON or form fields named access_token,
 * refresh_token, client_secret, code, password (and the same header names
 * used as fields, such as "api_key"). Each secret becomes "[redacted]".
 *
 * These functions only shape text for people to read; nothing redacted is
 * ever sent.
 */
#ifndef SEGSYNC_SRC_NET_REDACT_H
#define SEGSYNC_SRC_NET_REDACT_H

#include <stddef.h>

#define REDACT_MARK	"[redacted]"

/*
 * A copy of one or more header lines ("Name: value", CRLF or LF
 * separated; a request or status line passes through with its query
 * string redacted), malloc'd and NUL-terminated; the caller frees it.
 */
char	*redact_headers(const char *buf, size_t len);

/*
 * A copy of a request or response body with secret JSON and form fields
 * redacted, control bytes shown as '.', and cut after max bytes with a note
 * of how many were left out. malloc'd; the caller frees it.
 */
char	*redact_body(const char *buf, size_t len, size_t max);

#endif
