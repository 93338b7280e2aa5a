/*
 * When an export runs by itself (product.md, Exports, Schedule): never
 * (off), on every 'segsync refresh' (refresh), or at set times in a time
 * zone: hourly (on the hour), daily HH:MM, weekly DAY HH:MM. refresh,
 * started every 15 minutes by the shipped timer, runs the exports whose
 * last slot has passed since their last scheduled run, once however many
 * slots it missed (as systemd's Persistent= catches up after downtime).
 *
 * In text, as --schedule takes it and exports/<id>.json keeps it:
 * "off", "refresh", "hourly", "daily 06:30", "weekly mon 06:30".
 *
 * The times are wall-clock times in the schedule's zone (an IANA name,
 * such as Europe/Paris), DST included: a daily 02:30 on the night the
 * clocks go forward runs at 03:30.
 */
#ifndef SEGSYNC_SRC_STORE_SCHEDULE_H
#define SEGSYNC_SRC_STORE_SCHEDULE_H

#include <time.h>

#define SCHEDULE_TZ_MAX	64

enum schedule_kind {
	SCHEDULE_OFF,
	SCHEDULE_REFRESH,
	SCHEDULE_HOURLY,
	SCHEDULE_DAILY,
	SCHEDULE_WEEKLY
};

struct schedule {
	enum schedule_kind	kind;
	int			hour, minute;	/* daily, weekly */
	int			wday;		/* weekly: 0 Sunday .. 6 */
	char			tz[SCHEDULE_TZ_MAX];	/* "" for off, refresh */
};

/*
 * Parse text into s (the zone is left empty). -1 with *cause (malloc'd)
 * saying what is expected.
 */
int		 schedule_parse(const char *text, struct schedule *s,
		    char **cause);

/* The text form ("weekly mon 06:30"), into buf. */
const char	*schedule_text(const struct schedule *, char *buf, size_t size);

/*
 * Check an IANA zone name (it must exist under /usr/share/zoneinfo).
 * -1 with *cause.
 */
int		 schedule_tz_check(const char *tz, char **cause);

/*
 * Whether tz looks like a zone's name (not a path): what loading an
 * export checks, so that a system without that zone's data still opens
 * the workspace (its schedule then runs in UTC, and says so).
 */
int		 schedule_tz_name(const char *tz);

/* The system's zone: TZ, /etc/timezone or /etc/localtime's link; "UTC". */
void		 schedule_tz_system(char tz[SCHEDULE_TZ_MAX]);

/*
 * The latest slot at or before now, and the first one after it (timed
 * kinds only; 0 for the others).
 */
time_t		 schedule_prev(const struct schedule *, time_t now);
time_t		 schedule_next(const struct schedule *, time_t now);

/* t in the schedule's zone ("2026-12-04 06:30 CET"), into buf. */
const char	*schedule_local_text(const struct schedule *, time_t t,
		    char *buf, size_t size);

/*
 * Whether refresh should run it now: refresh always; a timed kind when a
 * slot has passed since since (its last scheduled run, or when it was
 * scheduled); off never.
 */
int		 schedule_due(const struct schedule *, time_t since, time_t now);

/* Parse "2026-11-22T18:19:41Z" (util_rfc3339's form); -1 when it is not. */
int		 schedule_parse_stamp(const char *, time_t *);

#endif
