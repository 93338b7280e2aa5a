/*
 * Deferred formatting: a message kept as its untranslated format and its
 * arguments as text, rendered later in the reader's language. A run's
 * timeline is written by the worker of whoever started it and read by
 * anyone (in another language, or from JSON), so it stores this and never
 * a translated sentence.
 *
 * Formats are printf's, limited to what messages use: %s, %d, %i, %u
 * (with the h, hh, l, ll, z, j, t modifiers), the ' flag (digit grouping,
 * applied only when rendering for a reader), %N$ positions and %%. A
 * stored format and its arguments come from a file anyone in the group
 * may write: rendering never hands them to printf, and a conversion with
 * no argument reads "?".
 */
#ifndef SEGSYNC_SRC_BASE_DEFERFMT_H
#define SEGSYNC_SRC_BASE_DEFERFMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The arguments ap holds for fmt, as decimal text or the strings given:
 * a malloc'd array of *n malloc'd strings (NULL when fmt takes none).
 */
char	**deferfmt_args(const char *fmt, va_list ap, size_t *n);

/*
 * fmt with its stored arguments, malloc'd. With localized, fmt is first
 * translated (gettext) and ' groups digits as the locale does; without,
 * fmt is used as it is and digits are plain (for files and --json).
 */
char	 *deferfmt_render(const char *fmt, char *const *args, size_t n,
	    int localized);

/* Free what deferfmt_args returned. */
void	  deferfmt_free(char **args, size_t n);

#endif
