/*
 * Translation hooks. Every user-facing string goes through _() as one whole
 * sentence with printf-style arguments (use %1$s positional forms when a
 * translator may need to reorder them); never build a message from pieces.
 */
#ifndef SEGSYNC_SRC_BASE_I18N_H
#define SEGSYNC_SRC_BASE_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s)	gettext(s)
#define ngettext_(s, p, n) ngettext(s, p, n)
#else
#define _(s)	(s)
#define ngettext_(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s)	(s)

#endif
