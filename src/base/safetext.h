/*
 * Stored text made harmless for a terminal. Names, messages and paths come
 * from workspace files that anyone in a shared workspace's group may write,
 * and from destinations' answers: printed as they are, an escape sequence
 * in one retitles the window, writes the clipboard (OSC 52) or moves the
 * cursor. What a person reads shows each control as '?' instead, as the
 * UI does (ui/text.c); valid UTF-8 letters stay as they are.
 */
#ifndef SEGSYNC_SRC_BASE_SAFETEXT_H
#define SEGSYNC_SRC_BASE_SAFETEXT_H

#include <stddef.h>
#include <stdint.h>

/* What a byte that starts no valid sequence decodes to (no code point). */
#define SAFETEXT_BAD	UINT32_MAX

/*
 * The code point at s (at most len bytes; a NUL ends a sequence too) and
 * its length in bytes: strict UTF-8, so overlong forms, surrogates and
 * truncated sequences are SAFETEXT_BAD, one byte long. The UI measures
 * text with it as well (ui_text_decode).
 */
size_t	 safetext_decode(const char *s, size_t len, uint32_t *cp);

/*
 * Whether s can be printed as it is: valid UTF-8 with no C0 control
 * (newline and tab included), no DEL and no C1 control (U+0080..U+009F).
 */
int	 safetext_clean(const char *s);

/*
 * s with each C0 control, DEL, C1 control and byte that is not part of
 * valid UTF-8 replaced by one '?', malloc'd. A C1 control takes one
 * column, like the '?' that replaces it, so padded columns stay aligned.
 */
char	*safetext(const char *s);

/*
 * JSON text (cJSON_Print's, which escapes only what is below U+0020) with
 * DEL and the C1 controls escaped as \u007f..\u009f and each byte of
 * invalid UTF-8 as \ufffd, malloc'd: valid JSON, and nothing a terminal
 * acts on. Only strings hold such bytes, so the structure is untouched.
 */
char	*safetext_json(const char *json);

#endif
