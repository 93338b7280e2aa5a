/* Export schedules: parsing, their slots in a time zone, and when due. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "store/schedule.h"

#define ZONEINFO	"/usr/share/zoneinfo"

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu",
    "fri", "sat" };

/* "HH:MM" into *h, *m. */
static int
parse_hhmm(const char *s, int *h, int *m)
{
	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	*h = (s[0] - '0') * 10 + (s[1] - '0');
	*m = (s[3] - '0') * 10 + (s[4] - '0');
	return *h < 24 && *m < 60 ? 0 : -1;
}

int
schedule_parse(const char *text, struct schedule *s, char **cause)
{
	char	 w[4][16];
	int	 n, i;

	memset(s, 0, sizeof *s);
	/* A fourth word is one too many: "weekly mon 06:30 junk". */
	n = sscanf(text, "%15s %15s %15s %15s", w[0], w[1], w[2], w[3]);
	if (n == 1 && strcmp(w[0], "off") == 0)
		return 0;
	if (n == 1 && strcmp(w[0], "refresh") == 0) {
		s->kind = SCHEDULE_REFRESH;
		return 0;
	}
	if (n == 1 && strcmp(w[0], "hourly") == 0) {
		s->kind = SCHEDULE_HOURLY;
		return 0;
	}
	if (n == 2 && strcmp(w[0], "daily") == 0 &&
	    parse_hhmm(w[1], &s->hour, &s->minute) == 0) {
		s->kind = SCHEDULE_DAILY;
		return 0;
	}
	if (n == 3 && strcmp(w[0], "weekly") == 0 &&
	    parse_hhmm(w[2], &s->hour, &s->minute) == 0) {
		for (i = 0; i < 7; i++)
			if (strcasecmp(w[1], day_names[i]) == 0)
				break;
		if (i < 7) {
			s->kind = SCHEDULE_WEEKLY;
			s->wday = i;
			return 0;
		}
	}
	*cause = xasprintf(_("\"%s\" is not a schedule: write off, refresh, "
	    "hourly, \"daily HH:MM\" or \"weekly DAY HH:MM\" (DAY: mon, tue, "
	    "wed, thu, fri, sat or sun; HH:MM from 00:00 to 23:59)"), text);
	return -1;
}

const char *
schedule_text(const struct schedule *s, char *buf, size_t size)
{
	switch (s->kind) {
	case SCHEDULE_OFF:
		snprintf(buf, size, "off");
		break;
	case SCHEDULE_REFRESH:
		snprintf(buf, size, "refresh");
		break;
	case SCHEDULE_HOURLY:
		snprintf(buf, size, "hourly");
		break;
	case SCHEDULE_DAILY:
		snprintf(buf, size, "daily %02d:%02d", s->hour, s->minute);
		break;
	case SCHEDULE_WEEKLY:
		snprintf(buf, size, "weekly %s %02d:%02d", day_names[s->wday],
		    s->hour, s->minute);
		break;
	}
	return buf;
}

int
schedule_tz_name(const char *tz)
{
	const char	*p;
	int		 ok;

	/* A name, not a path: no "..", no leading '/', plain characters. */
	ok = *tz != '\0' && strlen(tz) < SCHEDULE_TZ_MAX && *tz != '/' &&
	    strstr(tz, "..") == NULL;
	for (p = tz; ok && *p != '\0'; p++)
		ok = isalnum((unsigned char)*p) || strchr("/_+-", *p) != NULL;
	return ok;
}

int
schedule_tz_check(const char *tz, char **cause)
{
	struct stat	 sb;
	char		*path;
	int		 ok;

	ok = schedule_tz_name(tz);
	if (ok) {
		path = xasprintf("%s/%s", ZONEINFO, tz);
		ok = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
		free(path);
	}
	if (!ok) {
		*cause = xasprintf(_("\"%s\" is not a time zone this system "
		    "knows: give an IANA name such as Europe/Paris or UTC (see "
		    "%s)"), tz, ZONEINFO);
		return -1;
	}
	return 0;
}

void
schedule_tz_system(char tz[SCHEDULE_TZ_MAX])
{
	char		 link[PATH_MAX], *cause = NULL, *nl;
	const char	*env = getenv("TZ"), *p;
	FILE		*f;
	ssize_t		 n;

	if (env != NULL && *env == ':')
		env++;
	if (env != NULL && schedule_tz_check(env, &cause) == 0) {
		memcpy(tz, env, strlen(env) + 1);
		return;
	}
	free(cause);
	cause = NULL;
	if ((f = fopen("/etc/timezone", "r")) != NULL) {
		if (fgets(link, sizeof link, f) != NULL) {
			if ((nl = strchr(link, '\n')) != NULL)
				*nl = '\0';
			if (schedule_tz_check(link, &cause) == 0) {
				/* Checked: shorter than SCHEDULE_TZ_MAX. */
				memcpy(tz, link, strlen(link) + 1);
				fclose(f);
				return;
			}
			free(cause);
			cause = NULL;
		}
		fclose(f);
	}
	n = readlink("/etc/localtime", link, sizeof link - 1);
	if (n > 0) {
		link[n] = '\0';
		p = strstr(link, "zoneinfo/");
		if (p != NULL && schedule_tz_check(p + 9, &cause) == 0) {
			memcpy(tz, p + 9, strlen(p + 9) + 1);
			return;
		}
		free(cause);
	}
	snprintf(tz, SCHEDULE_TZ_MAX, "UTC");
}

/*
 * Enter the schedule's zone; zone_leave() puts the one before back. TZ is
 * the process's, so it is set around each use (refresh and the UI's loop
 * are one thread). Returns what to give zone_leave().
 */
static char *
zone_enter(const struct schedule *s)
{
	const char	*old = getenv("TZ");
	char		*keep = old != NULL ? xstrdup(old) : NULL;

	setenv("TZ", s->tz[0] != '\0' ? s->tz : "UTC", 1);
	tzset();
	return keep;
}

static void
zone_leave(char *keep)
{
	if (keep != NULL)
		setenv("TZ", keep, 1);
	else
		unsetenv("TZ");
	tzset();
	free(keep);
}

/* fn in the schedule's zone. */
static time_t
in_zone(const struct schedule *s, time_t now,
    time_t (*fn)(const struct schedule *, time_t))
{
	char	*keep = zone_enter(s);
	time_t	 t;

	t = fn(s, now);
	zone_leave(keep);
	return t;
}

const char *
schedule_local_text(const struct schedule *s, time_t t, char *buf,
    size_t size)
{
	char		*keep = zone_enter(s);
	struct tm	 tm;

	localtime_r(&t, &tm);
	if (strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm) == 0 && size > 0)
		buf[0] = '\0';
	zone_leave(keep);
	return buf;
}

/* The local time of the day (days from today) at h:m, with isdst. */
static time_t
local_at(const struct schedule *s, const struct tm *today, int days,
    int isdst, int *exact)
{
	struct tm	tm = *today;
	time_t		t;

	tm.tm_mday += days;
	tm.tm_hour = s->hour;
	tm.tm_min = s->minute;
	tm.tm_sec = 0;
	tm.tm_isdst = isdst;
	t = mktime(&tm);
	/* mktime moved it: that wall-clock time does not exist so. */
	*exact = tm.tm_hour == s->hour && tm.tm_min == s->minute &&
	    (isdst < 0 || tm.tm_isdst == isdst);
	return t;
}

/*
 * The slot of the day (days from today) at the schedule's time: when the
 * clocks go back and the time comes twice, its first occurrence, so that
 * the slot is the same whichever side of the change one asks from; when
 * they go forward past it, the time it becomes (02:30 is 03:30).
 */
static time_t
at_day(const struct schedule *s, const struct tm *today, int days)
{
	time_t	a, b;
	int	ea, eb;

	a = local_at(s, today, days, 1, &ea);
	b = local_at(s, today, days, 0, &eb);
	if (ea && eb)
		return a < b ? a : b;
	if (ea)
		return a;
	if (eb)
		return b;
	return local_at(s, today, days, -1, &ea);
}

static time_t
prev_local(const struct schedule *s, time_t now)
{
	struct tm	lt, tm;
	time_t		t;
	int		back;

	localtime_r(&now, &lt);
	switch (s->kind) {
	case SCHEDULE_HOURLY:
		tm = lt;
		tm.tm_min = 0;
		tm.tm_sec = 0;
		return mktime(&tm);
	case SCHEDULE_DAILY:
		t = at_day(s, &lt, 0);
		return t <= now ? t : at_day(s, &lt, -1);
	case SCHEDULE_WEEKLY:
		back = (lt.tm_wday - s->wday + 7) % 7;
		t = at_day(s, &lt, -back);
		return t <= now ? t : at_day(s, &lt, -back - 7);
	default:
		return 0;
	}
}

static time_t
next_local(const struct schedule *s, time_t now)
{
	struct tm	lt;
	time_t		t;
	int		ahead;

	localtime_r(&now, &lt);
	switch (s->kind) {
	case SCHEDULE_HOURLY:
		return prev_local(s, now) + 3600;
	case SCHEDULE_DAILY:
		t = at_day(s, &lt, 0);
		return t > now ? t : at_day(s, &lt, 1);
	case SCHEDULE_WEEKLY:
		ahead = (s->wday - lt.tm_wday + 7) % 7;
		t = at_day(s, &lt, ahead);
		return t > now ? t : at_day(s, &lt, ahead + 7);
	default:
		return 0;
	}
}

time_t
schedule_prev(const struct schedule *s, time_t now)
{
	if (s->kind < SCHEDULE_HOURLY)
		return 0;
	return in_zone(s, now, prev_local);
}

time_t
schedule_next(const struct schedule *s, time_t now)
{
	if (s->kind < SCHEDULE_HOURLY)
		return 0;
	return in_zone(s, now, next_local);
}

int
schedule_due(const struct schedule *s, time_t since, time_t now)
{
	if (s->kind == SCHEDULE_OFF)
		return 0;
	if (s->kind == SCHEDULE_REFRESH)
		return 1;
	return schedule_prev(s, now) > since;
}

int
schedule_parse_stamp(const char *s, time_t *t)
{
	struct tm	tm;
	const char	*end;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) ==
	    NULL || *end != '\0')
		return -1;
	*t = timegm(&tm);
	return 0;
}
