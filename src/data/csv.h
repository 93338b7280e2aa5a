/*
 * Streaming CSV reader for segment files (shared/docs/data-rules.md,
 * "Reading segments").
 *
 * Memory is constant per row whatever the size of the file: input is read
 * with large read(2) calls into a fixed buffer, and one record may take at
 * most CSV_RECORD_MAX bytes as written in the file; a longer record is a
 * row error and reading goes on after it.
 *
 * Format:
 * - RFC 4180 quoting: a field that starts with '"' is quoted; inside it
 *   '""' is one quote, and delimiters and line breaks are data. A quote in
 *   the middle of an unquoted field is kept as a character, and characters
 *   after a closing quote are appended to the field (as most spreadsheets
 *   do): neither is an error, since the contract lists only the three
 *   errors below.
 * - LF and CRLF end a record; a lone CR is data. A record may end at the
 *   end of the file without a line break. An empty line is not a record
 *   (it still counts in line numbers).
 * - UTF-8, with or without a byte-order mark, checked strictly: overlong
 *   forms, surrogates (U+D800..U+DFFF) and code points past U+10FFFF are
 *   invalid, as are truncated sequences.
 * - The delimiter is ',', ';' or tab, whichever occurs most often outside
 *   quotes on the header row (as far as the first input buffer holds it).
 *   Ties go to ',' first, then ';', then tab, so a header that has none of
 *   them (a single field) reads as comma-separated.
 * - Header names are trimmed of surrounding spaces and tabs. A header that
 *   is missing (empty file), has an empty name, has the same name twice,
 *   or is itself malformed makes the whole file unusable: csv_open() fails
 *   with a reason.
 *
 * Row errors, each reported as a sentence with the file's base name, the
 * line and, where it helps, the column (counted in characters from 1):
 * a field count that differs from the header's, a quoted field that is not
 * closed before the end of the file, bytes that are not UTF-8, a record
 * longer than CSV_RECORD_MAX. The first error met in a record is the one
 * reported. Line numbers are physical lines: the header starts on line 1
 * and a record's line is the one it starts on, even when quoted line
 * breaks make it span several. Numbers in messages use the locale's digit
 * grouping (printf's ' flag): "line 1,204" in English, none in the C
 * locale.
 *
 * Errors: functions returning int return 0 on success and -1 with *cause
 * set to a malloc'd sentence (caller frees).
 */
#ifndef SEGSYNC_SRC_DATA_CSV_H
#define SEGSYNC_SRC_DATA_CSV_H

#include <stddef.h>

/*
 * Longest record, as bytes in the file (quotes and line breaks included).
 * The fuzzing build lowers it (CPPFLAGS=-DCSV_RECORD_MAX=512) so that the
 * fuzzer reaches the cap with small inputs.
 */
#ifndef CSV_RECORD_MAX
#define CSV_RECORD_MAX	(1024u * 1024)
#endif

struct csv_reader;

struct csv_field {
	const char	*s;	/* NUL-terminated, unquoted */
	size_t		 len;
};

enum csv_status {
	CSV_OK,			/* a well-formed record */
	CSV_ROW_ERROR,		/* a malformed record, skipped; *cause set */
	CSV_EOF,		/* no more records */
	CSV_IO_ERROR		/* reading failed; *cause set; stop */
};

enum csv_error {
	CSV_ERR_NONE,
	CSV_ERR_FIELDS,		/* field count differs from the header */
	CSV_ERR_QUOTE,		/* quoted field not closed at end of file */
	CSV_ERR_UTF8,		/* bytes that are not UTF-8 */
	CSV_ERR_TOO_LONG	/* record longer than CSV_RECORD_MAX */
};

/*
 * One record. Everything it points to belongs to the reader and stays
 * valid until the next csv_next() or csv_close().
 *
 * On CSV_ROW_ERROR, fields holds what could be read (all of them for
 * CSV_ERR_FIELDS, possibly fewer or none otherwise) so that the caller can
 * name the record in a rejects file; error_line and error_column say where
 * the error is (column 0 when it is about the whole record).
 */
struct csv_row {
	const struct csv_field	*fields;
	size_t			 nfields;
	unsigned long long	 line;		/* physical line it starts on */
	unsigned long long	 record;	/* 1 for the first record */
	enum csv_error		 error;
	unsigned long long	 error_line;
	unsigned long long	 error_column;
};

/*
 * Open path and read its header. Fails when the file cannot be opened or
 * read, or when the header makes the segment unusable (the reason says
 * which, e.g. which name is duplicated). *rp is owned by the caller, freed
 * with csv_close().
 */
int	csv_open(const char *path, struct csv_reader **rp, char **cause);

/*
 * The same over bytes in memory (len bytes at buf, not copied: they must
 * outlive the reader). name is used in messages as the file name.
 */
int	csv_open_mem(const char *name, const void *buf, size_t len,
	    struct csv_reader **rp, char **cause);

/* Header field names (borrowed; NUL-terminated, trimmed) and their count. */
const char *const *csv_header_peek(const struct csv_reader *r, size_t *n);

/* Index of the header field with this exact name, or -1. */
long	csv_field_index(const struct csv_reader *r, const char *name);

/* The delimiter that was detected: ',', ';' or '\t'. */
char	csv_delimiter(const struct csv_reader *r);

/*
 * Read the next record into *row.
 * @retval CSV_OK		*row is a record with as many fields as the
 *				header.
 * @retval CSV_ROW_ERROR	*row is a malformed record (counted in
 *				row->record); *cause is set; call again to go
 *				on with the next record.
 * @retval CSV_EOF		no more records.
 * @retval CSV_IO_ERROR		read(2) failed; *cause is set.
 */
enum csv_status csv_next(struct csv_reader *r, struct csv_row *row,
	    char **cause);

/* Whether len bytes at s are valid UTF-8, by the same rules as the reader. */
int	csv_utf8_valid(const char *s, size_t len);

/* Close and free *rp, and set it to NULL. NULL is allowed. */
void	csv_close(struct csv_reader **rp);

#endif
