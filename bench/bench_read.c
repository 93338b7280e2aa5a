/*
 * Read, normalise (email, phone, names) and de-duplicate segment files,
 * as a run does before sending, and print the throughput and peak memory.
 * Several files share one de-duplication set, as the segments of an
 * export do.
 *
 *	bench_read [--no-dedup] FILE...
 */
#include "config.h"

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/csv.h"
#include "data/dedup.h"
#include "data/normalize.h"

int
main(int argc, char **argv)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	struct dedup		*set = NULL;
	struct rusage		 ru;
	struct timespec		 t0, t1;
	enum csv_status		 st;
	char			 email[NORMALIZE_EMAIL_SIZE];
	char			 phone[NORMALIZE_PHONE_SIZE];
	char			*cause = NULL;
	const char		*id, *t;
	size_t			 elen, plen, idlen, tlen;
	unsigned long long	 rows = 0, bad = 0, rejected = 0, dups = 0;
	unsigned long long	 badphone = 0, names = 0;
	long			 fe, fp, ff, fl, fc;
	double			 secs;
	int			 dedup = 1, a = 1;

	if (argc > 1 && strcmp(argv[1], "--no-dedup") == 0) {
		dedup = 0;
		a++;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: bench_read [--no-dedup] FILE...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (dedup)
		set = dedup_new();
next_file:
	if (csv_open(argv[a], &r, &cause) != 0) {
		fprintf(stderr, "bench_read: %s\n", cause);
		free(cause);
		return 1;
	}
	fe = csv_field_index(r, "email");
	fp = csv_field_index(r, "phone");
	ff = csv_field_index(r, "first_name");
	fl = csv_field_index(r, "last_name");
	fc = csv_field_index(r, "customer_id");
	if (fe == -1) {
		fprintf(stderr, "bench_read: no email field\n");
		return 1;
	}
	while ((st = csv_next(r, &row, &cause)) != CSV_EOF) {
		if (st == CSV_IO_ERROR) {
			fprintf(stderr, "bench_read: %s\n", cause);
			return 1;
		}
		rows++;
		if (st == CSV_ROW_ERROR) {
			free(cause);
			cause = NULL;
			bad++;
			continue;
		}
		if (normalize_email(row.fields[fe].s, row.fields[fe].len, email,
		    &elen) != NORMALIZE_OK) {
			rejected++;
			continue;
		}
		if (fp != -1 && normalize_phone(row.fields[fp].s,
		    row.fields[fp].len, phone, &plen) == NORMALIZE_INVALID)
			badphone++;
		if (ff != -1) {
			t = normalize_trim(row.fields[ff].s, row.fields[ff].len,
			    &tlen);
			names += tlen != 0 && t != NULL;
		}
		if (fl != -1) {
			t = normalize_trim(row.fields[fl].s, row.fields[fl].len,
			    &tlen);
			names += tlen != 0 && t != NULL;
		}
		if (set == NULL)
			continue;
		idlen = 0;
		id = NULL;
		if (fc != -1)
			id = normalize_trim(row.fields[fc].s,
			    row.fields[fc].len, &idlen);
		if (idlen == 0) {
			id = email;
			idlen = elen;
		}
		if (!dedup_add(set, id, idlen))
			dups++;
	}
	csv_close(&r);
	if (++a < argc)
		goto next_file;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	printf("rows %llu malformed %llu rejected %llu duplicates %llu "
	    "bad_phones %llu names %llu\n", rows, bad, rejected, dups,
	    badphone, names);
	printf("seconds %.3f rows/s %.0f peak_rss_kb %ld dedup_bytes %zu\n",
	    secs, (double)rows / secs, ru.ru_maxrss,
	    set != NULL ? dedup_bytes(set) : (size_t)0);
	dedup_free(&set);
	return 0;
}
