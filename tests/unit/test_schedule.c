/*
 * store/schedule.c: parsing schedules, their slots in a time zone (the
 * clocks going forward and back included), and when refresh runs them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/schedule.h"
#include "tap.h"

/* "2026-03-29T06:30:00Z" as seconds (UTC). */
static time_t
at(const char *stamp)
{
	time_t	t = 0;

	if (schedule_parse_stamp(stamp, &t) != 0)
		diag("bad stamp %s", stamp);
	return t;
}

static const char *
stamp(time_t t, char buf[UTIL_RFC3339_LEN])
{
	util_rfc3339(t, buf);
	return buf;
}

static struct schedule
sched(const char *text, const char *tz)
{
	struct schedule	 s;
	char		*cause = NULL;

	if (schedule_parse(text, &s, &cause) != 0) {
		diag("%s", cause);
		free(cause);
	}
	strcpy(s.tz, tz);
	return s;
}

static void
test_parse(void)
{
	static const char *const good[] = { "off", "refresh", "hourly",
	    "daily 00:00", "daily 23:59", "weekly mon 06:30", "weekly sun 00:00" };
	static const char *const bad[] = { "", "daily", "daily 24:00",
	    "daily 6:30", "daily 06:60", "weekly 06:30", "weekly mon",
	    "weekly monday 06:30", "monthly 1 06:30", "hourly 06", "off now",
	    "weekly mon 06:30 junk", "daily 06:30 07:30" };
	struct schedule	 s;
	char		*cause = NULL, buf[48];
	size_t		 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ok(schedule_parse(good[i], &s, &cause) == 0 &&
		    strcmp(schedule_text(&s, buf, sizeof buf), good[i]) == 0,
		    "\"%s\" parses and prints back the same", good[i]);
		free(cause);
		cause = NULL;
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ok(schedule_parse(bad[i], &s, &cause) == -1 && cause != NULL &&
		    strstr(cause, "weekly DAY HH:MM") != NULL,
		    "\"%s\" is refused, saying what is expected", bad[i]);
		free(cause);
		cause = NULL;
	}
	ok(schedule_parse("weekly MON 06:30", &s, &cause) == 0 && s.wday == 1,
	    "day names in capitals are taken");
	ok(schedule_tz_check("Europe/Paris", &cause) == 0, "Europe/Paris is "
	    "a zone");
	ok(schedule_tz_check("../../etc/passwd", &cause) == -1, "a path is "
	    "not a zone");
	free(cause);
	cause = NULL;
	ok(schedule_tz_check("Mars/Olympus", &cause) == -1 &&
	    strstr(cause, "Europe/Paris") != NULL, "an unknown zone is "
	    "refused, with an example");
	free(cause);
}

static void
test_slots(void)
{
	struct schedule	 s;
	char		 b[UTIL_RFC3339_LEN];

	s = sched("daily 06:30", "UTC");
	is_str(stamp(schedule_prev(&s, at("2026-12-03T13:00:00Z")), b),
	    "2026-12-03T06:30:00Z", "daily: the slot of today once passed");
	is_str(stamp(schedule_prev(&s, at("2026-12-03T06:29:59Z")), b),
	    "2026-12-02T06:30:00Z", "yesterday's before it");
	is_str(stamp(schedule_next(&s, at("2026-12-03T06:30:00Z")), b),
	    "2026-12-04T06:30:00Z", "the next one after a slot is tomorrow's");
	s = sched("daily 06:30", "Europe/Paris");
	is_str(stamp(schedule_prev(&s, at("2026-12-03T13:00:00Z")), b),
	    "2026-12-03T05:30:00Z", "in Paris in winter: 05:30 UTC");
	is_str(stamp(schedule_prev(&s, at("2026-07-03T13:00:00Z")), b),
	    "2026-07-03T04:30:00Z", "in summer: 04:30 UTC");
	/* 2026-03-29: Paris goes from 02:00 to 03:00. */
	s = sched("daily 02:30", "Europe/Paris");
	is_str(stamp(schedule_next(&s, at("2026-03-28T12:00:00Z")), b),
	    "2026-03-29T01:30:00Z",
	    "02:30 on the night the clocks go forward is 03:30 CEST");
	/* 2026-10-25: Paris goes from 03:00 back to 02:00; 02:30 comes twice. */
	is_str(stamp(schedule_next(&s, at("2026-10-24T12:00:00Z")), b),
	    "2026-10-25T00:30:00Z",
	    "the night the clocks go back, 02:30 is its first occurrence");
	is_str(stamp(schedule_prev(&s, at("2026-10-25T01:00:00Z")), b),
	    "2026-10-25T00:30:00Z", "and stays so between the two");
	is_str(stamp(schedule_next(&s, at("2026-10-25T01:00:00Z")), b),
	    "2026-10-26T01:30:00Z", "the next is the day after (CET)");
	ok(!schedule_due(&s, at("2026-10-25T00:31:00Z"),
	    at("2026-10-25T01:40:00Z")), "run once that night, not twice");
	s = sched("weekly mon 06:30", "UTC");
	/* 2026-12-03 is a Thursday. */
	is_str(stamp(schedule_prev(&s, at("2026-12-03T13:00:00Z")), b),
	    "2026-11-30T06:30:00Z", "weekly: last Monday's slot");
	is_str(stamp(schedule_next(&s, at("2026-12-03T13:00:00Z")), b),
	    "2026-12-07T06:30:00Z", "and next Monday's");
	is_str(stamp(schedule_next(&s, at("2026-11-30T06:00:00Z")), b),
	    "2026-11-30T06:30:00Z", "on a Monday before the time: today's");
	s = sched("hourly", "Asia/Kolkata");
	is_str(stamp(schedule_prev(&s, at("2026-12-03T13:10:00Z")), b),
	    "2026-12-03T12:30:00Z", "hourly on the local hour (UTC+5:30)");
	is_str(stamp(schedule_next(&s, at("2026-12-03T13:10:00Z")), b),
	    "2026-12-03T13:30:00Z", "and the next one an hour later");
	ok(getenv("TZ") == NULL, "TZ is left as it was (unset)");
}

static void
test_due(void)
{
	struct schedule	s;
	time_t		since = at("2026-12-01T09:00:00Z");

	s = sched("off", "");
	ok(!schedule_due(&s, 0, at("2026-12-03T13:00:00Z")), "off: never");
	s = sched("refresh", "");
	ok(schedule_due(&s, at("2026-12-03T13:00:00Z"),
	    at("2026-12-03T13:00:00Z")), "refresh: always");
	s = sched("daily 06:30", "UTC");
	ok(schedule_due(&s, since, at("2026-12-03T13:00:00Z")),
	    "daily: due after missed slots (once: the last one counts)");
	ok(!schedule_due(&s, at("2026-12-03T06:31:00Z"),
	    at("2026-12-03T13:00:00Z")), "not again after running for it");
	ok(!schedule_due(&s, since, at("2026-12-01T10:00:00Z")),
	    "nor before the first slot after it was scheduled");
}

int
main(void)
{
	plan_lazy();
	unsetenv("TZ");
	test_parse();
	test_slots();
	test_due();
	return done_testing();
}
