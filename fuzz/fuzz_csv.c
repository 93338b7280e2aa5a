/*
 * libFuzzer target for the CSV reader: any bytes as a segment file. Besides
 * the sanitizers, it checks the reader's promises: well-formed rows have
 * the header's field count and valid UTF-8, lines never go backwards, and
 * every row error comes with a message.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	enum csv_status		 st;
	char			*cause = NULL;
	unsigned long long	 lastline = 1, n = 0;
	size_t			 nhdr, i;

	if (csv_open_mem("fuzz.csv", data, size, &r, &cause) != 0) {
		if (cause == NULL || *cause == '\0')
			abort();
		free(cause);
		return 0;
	}
	(void)csv_header_peek(r, &nhdr);
	if (nhdr == 0)
		abort();
	while ((st = csv_next(r, &row, &cause)) != CSV_EOF) {
		if (st == CSV_IO_ERROR)
			abort();
		if (row.line <= lastline || row.record != ++n)
			abort();
		lastline = row.line;
		if (st == CSV_ROW_ERROR) {
			if (cause == NULL || row.error == CSV_ERR_NONE)
				abort();
			free(cause);
			cause = NULL;
			continue;
		}
		if (row.nfields != nhdr)
			abort();
		for (i = 0; i < row.nfields; i++) {
			if (!csv_utf8_valid(row.fields[i].s,
			    row.fields[i].len) ||
			    row.fields[i].s[row.fields[i].len] != '\0')
				abort();
		}
	}
	csv_close(&r);
	return 0;
}
