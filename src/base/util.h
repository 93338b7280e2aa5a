/* Small helpers shared by the core: time stamps, paths, names. */
#ifndef SEGSYNC_SRC_BASE_UTIL_H
#define SEGSYNC_SRC_BASE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UTIL_RFC3339_LEN	sizeof("2026-11-22T18:19:41Z")

/* Format t as RFC 3339 in UTC ("2026-11-22T18:19:41Z"). */
void	util_rfc3339(time_t t, char buf[UTIL_RFC3339_LEN]);

/*
 * Milliseconds on the monotonic clock: for deadlines, backoff, rate
 * limits and elapsed times, which a change of the wall clock must not move.
 */
int64_t	util_mono_ms(void);

/* Join a directory and a name with one '/', malloc'd. */
char	*util_path(const char *dir, const char *name);

/*
 * The name of the Unix user with this uid, malloc'd, or NULL when the uid
 * has no passwd entry.
 */
char	*util_user_name(unsigned long uid);

/* Line and column (1-based) of offset in text, for error messages. */
void	util_line_col(const char *text, size_t offset, unsigned long *line,
	    unsigned long *col);

/*
 * s (malloc'd, or NULL for none) ending as a sentence does, so that the
 * sentence put after it does not run into it ("...after 6 attempts The
 * delivery..."): a full stop is added unless it ends with one, '!', '?'
 * or ':' (trailing spaces dropped). Takes s; malloc'd ("" for NULL).
 */
char	*util_sentence(char *s);

/*
 * s as one word of a shell command a message suggests: as it is when it
 * holds only letters, digits and -_.,:/@%+=, in double quotes when
 * nothing in it means something there ("My Snap"), otherwise in single
 * quotes (a quote in it as '\''). Malloc'd.
 */
char	*util_shell_word(const char *s);

/*
 * s in Unicode NFC (malloc'd; s as it is when it is not UTF-8), and
 * whether two names are the same once both are: "é" typed as one
 * character or as "e" and U+0301 makes one name, not two that look alike.
 */
char	*util_nfc(const char *s);
int	 util_same_name(const char *a, const char *b);

/* Levenshtein distance, for "did you mean" suggestions (short strings). */
size_t	util_edit_distance(const char *, const char *);

#endif
