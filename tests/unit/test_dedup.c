#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"
/*
 * The set itself, compiled in (the library's copy is then not linked), so
 * that the test can see each set's hash key and the hashes it stores:
 * per-set keys are not observable through the interface.
 */
#include "data/dedup.c"

int
main(void)
{
	struct dedup	*set, *other;
	char		 key[32];
	size_t		 i, n = 1000000, newkeys = 0, again = 0, same = 0;
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
	is_int(dedup_has(set, "anna@example.com", 16), 1, "has what was added");
	is_int(dedup_has(set, "bob@example.com", 15), 0, "not what was not");
	is_int(dedup_has(set, "bob@example.com", 15), 0, "and asking added "
	    "nothing");
	is_int(dedup_count(set), 3, "still three keys");
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
	for (i = 0, again = 0; i < n; i += 1000) {
		len = snprintf(key, sizeof key, "C%08zu@example.com", i);
		again += (size_t)dedup_has(set, key, (size_t)len);
		len = snprintf(key, sizeof key, "D%08zu@example.com", i);
		again += (size_t)dedup_has(set, key, (size_t)len) * 1000;
	}
	is_int(again, n / 1000, "dedup_has finds 1,000 of them, and none "
	    "of 1,000 others");
	is_int(dedup_count(set), n, "count is 1M");
	ok(dedup_bytes(set) <= 22 * n, "at most 22 bytes per key (%zu)",
	    dedup_bytes(set));
	ok(dedup_bytes(set) >= 8 * n * 4 / 3, "the table is at most 3/4 full");

	/* Each set has its own key: hashes differ, results do not. */
	other = dedup_new();
	ok(memcmp(set->key, other->key, sizeof set->key) != 0,
	    "each set draws its own hash key");
	is_int(dedup_add(other, "C00000001@example.com", 21), 1,
	    "another set starts empty");
	for (i = 0; i < 1000; i++) {
		len = snprintf(key, sizeof key, "C%08zu@example.com", i);
		same += dedup_hash(set, key, (size_t)len) ==
		    dedup_hash(other, key, (size_t)len);
	}
	is_int(same, 0, "the same 1,000 keys hash differently in two sets");
	for (i = 0, again = 0; i < 1000; i++) {
		len = snprintf(key, sizeof key, "C%08zu@example.com", i);
		(void)dedup_add(other, key, (size_t)len);
		again += (size_t)dedup_has(other, key, (size_t)len) +
		    (size_t)dedup_has(set, key, (size_t)len);
	}
	is_int(again, 2000, "and both sets hold them");
	dedup_free(&other);
	dedup_free(&set);
	return done_testing();
}
