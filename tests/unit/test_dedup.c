#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dedup.h"
#include "tap.h"

int
main(void)
{
	struct dedup	*set, *other;
	char		 key[32];
	size_t		 i, n = 1000000, newkeys = 0, again = 0;
	int		 len;

	plan_lazy();
	set = dedup_new();
	is_int(dedup_count(set), 0, "a new set is empty");
	is_int(dedup_add(set, "anna@example.com", 16), 1, "first add is new");
	is_int(dedup_add(set, "anna@example.com", 16), 0, "second is seen");
	is_int(dedup_add(set, "anna@example.co", 15), 1, "a prefix is new");
	is_int(dedup_add(set, "", 0), 1, "the empty key is a key");
	is_int(dedup_add(set, "", 0), 0, "and is seen again");
	is_int(dedup_count(set), 3, "three distinct keys");
	dedup_free(&set);
	ok(set == NULL, "dedup_free clears the pointer");
	dedup_free(&set);

	/* A million keys, each added twice: exact counts. */
	set = dedup_new();
	for (i = 0; i < n; i++) {
		len = snprintf(key, sizeof key, "C%08zu@example.com", i);
		newkeys += (size_t)dedup_add(set, key, (size_t)len);
	}
	for (i = 0; i < n; i++) {
		len = snprintf(key, sizeof key, "C%08zu@example.com", i);
		again += (size_t)dedup_add(set, key, (size_t)len);
	}
	is_int(newkeys, n, "1M distinct keys are all new");
	is_int(again, 0, "1M keys added again are all seen");
	is_int(dedup_count(set), n, "count is 1M");
	ok(dedup_bytes(set) <= 22 * n, "at most 22 bytes per key (%zu)",
	    dedup_bytes(set));
	ok(dedup_bytes(set) >= 8 * n * 4 / 3, "the table is at most 3/4 full");

	/* Each set has its own key: hashes differ, results do not. */
	other = dedup_new();
	is_int(dedup_add(other, "C00000001@example.com", 21), 1,
	    "another set starts empty");
	dedup_free(&other);
	dedup_free(&set);
	return done_testing();
}
