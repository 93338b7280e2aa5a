/*
 * Text in terminal columns, for the command line's tables: names come
 * with accents, Greek or CJK letters and translated headings are longer,
 * so cells are measured in columns (wcwidth(3) in the locale), not bytes,
 * and a name too wide for its column is shortened in the middle, where
 * the two ends that tell names apart ("Newsletter FR ... 2026") stay.
 * Control characters and bad bytes count one column each: what is printed
 * has gone through safetext() (cli_str) and shows them as '?'.
 */
#ifndef SEGSYNC_SRC_BASE_COLUMNS_H
#define SEGSYNC_SRC_BASE_COLUMNS_H

#include <stdio.h>

/* The columns s takes. */
int	 columns_width(const char *s);

/*
 * s in at most cols columns: itself when it fits, else its start and end
 * around an ellipsis ("…" in a UTF-8 locale, "..." in others), or only
 * its start when cols leaves no room for both. Malloc'd.
 */
char	*columns_shorten(const char *s, int cols);

/*
 * Print s to fp padded with spaces to cols columns, on the right (right
 * set: on the left, for numbers and their headings). Wider text is
 * printed whole: for names a command takes back.
 */
void	 columns_pad(FILE *fp, const char *s, int cols, int right);

/* The same in exactly cols columns, shortened as above when wider. */
void	 columns_cell(FILE *fp, const char *s, int cols, int right);

#endif
