/*
 * Reading a run's rejected-records file (rejects.h) a page at a time, for
 * a viewer that scrolls through millions of rows without loading them.
 *
 * The file is parsed from its start once, incrementally (rejreader_scan()
 * takes a budget of bytes per call, so that a viewer stays responsive),
 * keeping the offset of every stride-th record. A page is read by seeking
 * to the nearest kept offset at or before it and parsing forward. The
 * index holds at most REJREADER_MARKS offsets: when it is full every other
 * one goes and the stride doubles, so memory stays flat whatever the
 * size of the file (a page costs at most one stride of parsing).
 *
 * The file may still be growing (a running run appends to it, through a
 * buffer) and its last record may be half written: a record counts once
 * its line ends. A file that got shorter or was replaced (a resumed run
 * writes it anew) is indexed again from the start.
 *
 * Values come back as the run saw them: the "'" that the writer puts
 * before a value starting with '=', '+', '-', '@', tab or CR (so that a
 * spreadsheet does not run it) is taken off again. A field longer than
 * REJREADER_FIELD_MAX bytes is cut there.
 *
 * Errors: functions returning int give 0 (or what they say), or -1 with
 * *cause (a malloc'd sentence naming the file).
 */
#ifndef SEGSYNC_SRC_DATA_REJREADER_H
#define SEGSYNC_SRC_DATA_REJREADER_H

#include <stddef.h>
#include <stdint.h>

#define REJREADER_MARKS		4096
#define REJREADER_FIELD_MAX	4096
#define REJREADER_REASONS	64	/* distinct reasons kept */

struct rejreader;

struct rejreader_row {
	char			*segment;
	unsigned long long	 line;
	char			*identifier;	/* may be empty */
	char			*reason;
};

/* A reason and how many records of those seen give it. */
struct rejreader_reason {
	char			*reason;
	uint64_t		 count;
};

/* Open path; errno is ENOENT when the run has no such file (yet). */
int		 rejreader_open(const char *path, struct rejreader **,
		    char **cause);
void		 rejreader_close(struct rejreader **);

/*
 * Index up to budget more bytes: 1 when the index reached the end of the
 * file as it is now (call again later for what a running run adds), 0
 * when there is more to read, -1 with *cause.
 */
int		 rejreader_scan(struct rejreader *, size_t budget, char **cause);

/* Complete records indexed so far (those the filter keeps). */
uint64_t	 rejreader_count(const struct rejreader *);

/*
 * Keep only the records whose reason is reason and that hold search in
 * their segment, identifier or reason (ignoring ASCII case); NULL or ""
 * for either: all. The index starts again (scan to fill it).
 */
void		 rejreader_filter(struct rejreader *, const char *reason,
		    const char *search);

/* Every complete record scanned, kept or not. */
uint64_t	 rejreader_total(const struct rejreader *);

/*
 * The distinct reasons of the records scanned so far, with their counts,
 * in the order first seen (the first REJREADER_REASONS of them).
 */
const struct rejreader_reason *rejreader_reasons(const struct rejreader *,
		    size_t *n);

/* Offsets the index holds (at most REJREADER_MARKS), and its stride. */
size_t		 rejreader_marks(const struct rejreader *, uint64_t *stride);

/*
 * Rows first to first + n - 1 of those indexed, into rows (the caller's
 * array of n, emptied first); *got says how many. Clear them with
 * rejreader_rows_clear().
 */
int		 rejreader_page(struct rejreader *, uint64_t first, size_t n,
		    struct rejreader_row *rows, size_t *got, char **cause);
void		 rejreader_rows_clear(struct rejreader_row *, size_t n);

#endif
