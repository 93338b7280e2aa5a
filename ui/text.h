/*
 * Measuring and cutting UTF-8 text in terminal columns, without curses
 * (unit-tested headless). Widths come from wcwidth(3): accented letters
 * take one column, CJK ideographs and most emoji two, combining marks
 * none. Bytes that are not UTF-8 and control characters are shown as one
 * '?' each, so that a damaged segment name never moves the cursor.
 *
 * In a locale that is not UTF-8, text is shown in ASCII: Latin-1 letters
 * lose their accents ("fidèles" reads "fideles"), combining marks are
 * dropped and anything else becomes '?', one column each; the widths
 * below follow whichever mode ui_text_init() chose.
 */
#ifndef SEGSYNC_UI_TEXT_H
#define SEGSYNC_UI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define UI_TEXT_BAD	0xfffdu		/* what a bad byte decodes to */

/* One line of wrapped text: bytes [off, off + len) of the source. */
struct ui_line {
	size_t	off;
	size_t	len;
};

/* Choose UTF-8 (1) or ASCII (0) display; the UI sets it from the locale. */
void	ui_text_init(int utf8);
int	ui_text_utf8(void);

/*
 * Decode the character at s (len > 0 bytes available): its code point in
 * *cp (UI_TEXT_BAD for a byte that starts no valid sequence) and the
 * number of bytes it takes (at least 1).
 */
size_t	ui_text_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp as UTF-8 into out; the number of bytes (1 to 4). */
size_t	ui_text_encode(uint32_t cp, char out[4]);

/* Offset of the character before pos (0 at the start). */
size_t	ui_text_prev(const char *s, size_t pos);

/* Columns one code point takes on screen (0, 1 or 2). */
int	ui_text_cpwidth(uint32_t cp);

/* Columns of a NUL-terminated string, and of len bytes. */
int	ui_text_width(const char *s);
int	ui_text_nwidth(const char *s, size_t len);

/*
 * How many bytes of s (len bytes) fit in cols columns, never splitting a
 * character; *used (may be NULL) gets the columns they take.
 */
size_t	ui_text_fit(const char *s, size_t len, int cols, int *used);

/*
 * s in at most cols columns, shortened in the middle around the ellipsis
 * glyph when wider ("Newsletter F…2026"): the two ends that tell names
 * apart stay. Malloc'd.
 */
char	*ui_text_shorten(const char *s, int cols);

/*
 * The bytes to hand to curses for s (len bytes): control characters and
 * bad bytes as '?', and in ASCII mode the transliteration above.
 * Malloc'd, NUL-terminated; its width is ui_text_nwidth(s, len).
 */
char	*ui_text_display(const char *s, size_t len);

/*
 * Break s into lines of at most width columns, at spaces where possible
 * (a word longer than a line is cut), and at every '\n'. Fills at most
 * max entries of lines and returns how many lines the whole text needs
 * (which may be more than max).
 */
size_t	ui_text_wrap(const char *s, int width, struct ui_line *lines,
	    size_t max);

/*
 * Thousands separated as the locale's LC_NUMERIC does ("12 345" with a
 * narrow no-break space in French, "12.345" in Dutch), by ',' where it
 * has no separator (C), into buf. The separator may take several bytes
 * for its one column.
 */
char	*ui_text_count(unsigned long long n, char *buf, size_t size);

#endif
