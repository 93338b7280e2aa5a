/*
 * The delivery pipeline against the fake Braze over loopback: what lands
 * is exactly what data-rules.md says, the counts and rejects are exact,
 * and faults (429 storms, 503s, dropped connections, latency, a revoked
 * key) lose nothing and duplicate nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "deliver.h"
#include "dest/dest.h"
#include "http.h"
#include "rejects.h"
#include "xmalloc.h"
#include "tap.h"
#include "fake.h"

static const struct dest_driver	*braze;
static int			 acks;

static char *
write_file(const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", tap_tmpdir(), name);
	FILE	*f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		exit(99);
	return path;
}

static char *
read_file(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf = xcalloc(1, 1 << 20);

	if (f != NULL) {
		if (fread(buf, 1, (1 << 20) - 1, f) == 0)
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

static struct http_engine *
engine(void)
{
	struct http_config	 cfg;
	char			*cause = NULL;
	struct http_engine	*e;

	http_config_defaults(&cfg);
	cfg.backoff_base_ms = 10;
	cfg.backoff_cap_ms = 50;
	cfg.timeout_ms = 5000;
	e = http_new(&cfg, &cause);
	if (e == NULL)
		exit(99);
	return e;
}

/* What the acks said, for a resumed run to skip (test_resume). */
struct seen {
	uint64_t	 ref;
	unsigned	 flags;
	char		*reason;
};
static struct seen	*seen;
static size_t		 nseen;
static int		 record_acks;

static void
on_ack(const struct deliver_ack *a, size_t n, void *arg)
{
	size_t	i;

	(void)arg;
	acks += (int)n;
	if (!record_acks)
		return;
	seen = xreallocarray(seen, nseen + n, sizeof *seen);
	for (i = 0; i < n; i++) {
		seen[nseen].ref = a[i].ref;
		seen[nseen].flags = a[i].flags;
		seen[nseen].reason = a[i].reason != NULL ?
		    xstrdup(a[i].reason) : NULL;
		nseen++;
	}
}

static void
seen_free(void)
{
	size_t	i;

	for (i = 0; i < nseen; i++)
		free(seen[i].reason);
	free(seen);
	seen = NULL;
	nseen = 0;
}

/*
 * Deliver segs to the fake at base; returns deliver_run's result. extra
 * (may be NULL) gives dry_run and the prior and tick callbacks.
 */
static int
run_with(const char *base, const struct deliver_segment *segs, size_t n,
    const struct deliver_mapping *mp, const char *rejpath,
    const struct deliver_config *extra, struct deliver_stats *st,
    char **cause)
{
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct rejects		*rj = NULL;
	struct deliver_config	 cfg;
	char			*c = NULL;
	int			 rv;

	s = fake_session(braze, base, "rest.iad-01.braze.com", "braze-key",
	    &c);
	if (s == NULL || rejects_open(rejpath, &rj, &c) != 0) {
		printf("Bail out! %s\n", c);
		exit(99);
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.session = s;
	cfg.engine = e;
	cfg.target = "SEG_API";
	cfg.segments = segs;
	cfg.nsegments = n;
	cfg.mapping = mp;
	cfg.rejects = rj;
	cfg.on_ack = on_ack;
	if (extra != NULL) {
		cfg.dry_run = extra->dry_run;
		cfg.prior = extra->prior;
		cfg.on_tick = extra->on_tick;
		cfg.arg = extra->arg;
	}
	acks = 0;
	rv = deliver_run(&cfg, st, cause);
	if (rejects_close(&rj, &c) != 0) {
		printf("Bail out! %s\n", c);
		exit(99);
	}
	dest_session_free(&s);
	http_free(&e);
	return rv;
}

static int
run(const char *base, const struct deliver_segment *segs, size_t n,
    const struct deliver_mapping *mp, const char *rejpath,
    struct deliver_stats *st, char **cause)
{
	return run_with(base, segs, n, mp, rejpath, NULL, st, cause);
}

static cJSON *
user(cJSON *state, const char *key)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    state, "users"), key), "attributes");
}

static char *
attr(cJSON *attrs, const char *name)
{
	cJSON	*v = cJSON_GetObjectItem(attrs, name);

	return v == NULL ? xstrdup("(none)") : cJSON_PrintUnformatted(v);
}

static void
test_exact(const char *base)
{
	static const char *attr_names[] = { "city" };
	static const char *attr_fields[] = { "City" };
	struct deliver_segment	 segs[2];
	struct deliver_mapping	 mp;
	struct deliver_stats	 st;
	char			*cause = NULL, *rej, *text, *v;
	cJSON			*state, *a;
	char			 longcity[400];

	memset(longcity, 'x', 300);
	longcity[300] = '\0';
	segs[0].name = "Été VIP";
	segs[0].path = write_file("a.csv",
	    "Email,CustomerID,City\n"
	    " Ann@Example.com ,C1,Paris\n"		/* 2 */
	    "bob@example.org,,\n"			/* 3 email id */
	    "not-an-email,C3,x\n"			/* 4 invalid */
	    ",C4,x\n"					/* 5 missing */
	    "\"unterminated,C5\n"			/* 6 ... */
	    "");
	text = xasprintf("Email;CustomerID;City\n"
	    "ann.other@example.com;C1;Lyon\n"		/* 2 dup of C1 */
	    "carl@example.com;C6;Köln\n"		/* 3 */
	    "dora@example.com;C7;%s\n"			/* 4 refused */
	    "bob@example.org;;\n"			/* 5 dup of bob */
	    "a,b\n"					/* 6 malformed */
	    "eve@example.com;  C8 ;\n", longcity);	/* 7 */
	segs[1].name = "Abonnés";
	segs[1].path = write_file("b.csv", text);
	free(text);
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "Email";
	mp.fields[DEST_SLOT_CUSTOMER_ID] = "CustomerID";
	mp.attr_names = attr_names;
	mp.attr_fields = attr_fields;
	mp.nattrs = 1;
	rej = xasprintf("%s/rejects.csv", tap_tmpdir());

	ok(run(base, segs, 2, &mp, rej, &st, &cause) == 0, "delivered");
	if (cause != NULL)
		diag("%s", cause);
	xfree(&cause);
	is_int(st.total.read, 11, "read: 11 records, malformed included");
	is_int(st.total.duplicates, 2, "duplicates: C1 and bob again");
	is_int(st.total.sent, 5, "sent: C1, bob, C6, C7, C8");
	is_int(st.total.accepted, 4, "accepted: all but C7");
	is_int(st.total.rejected, 5, "rejected: invalid, missing, two "
	    "malformed, and the one Braze refused");
	is_int(st.total.warnings, 0, "no warnings");
	is_int(st.segments[0].read, 5, "segment 1 read");
	is_int(st.segments[0].rejected, 3, "segment 1 rejected");
	is_int(st.segments[1].duplicates, 2, "segment 2 duplicates");
	is_int(st.segments[1].accepted, 2, "segment 2 accepted");
	is_int(acks, 5, "every sent profile acknowledged once");
	is_int(st.profiles, 5, "five distinct keys planned");

	state = fake_json("braze", "state");
	is_int(cJSON_GetObjectItem(state, "user_count")->valueint, 4,
	    "four users in Braze");
	a = user(state, "external_id:C1");
	v = attr(a, "email");
	is_str(v, "\"ann@example.com\"", "C1: normalised email");
	free(v);
	v = attr(a, "city");
	is_str(v, "\"Paris\"", "C1: the first row won");
	free(v);
	v = attr(a, "SEG_API");
	is_str(v, "[\"Abonnés\",\"Été VIP\"]", "C1: both segments, by code "
	    "point");
	free(v);
	a = user(state, "email:bob@example.org");
	v = attr(a, "city");
	is_str(v, "(none)", "bob: the empty city is left out");
	free(v);
	v = attr(a, "SEG_API");
	is_str(v, "[\"Abonnés\",\"Été VIP\"]", "bob: email-identified, in "
	    "both");
	free(v);
	a = user(state, "external_id:C8");
	v = attr(a, "SEG_API");
	is_str(v, "[\"Abonnés\"]", "C8: trimmed customer ID, one segment");
	free(v);
	ok(user(state, "external_id:C7") == NULL, "C7 was refused");
	cJSON_Delete(state);

	text = read_file(rej);
	like(text, "segment,line,identifier,reason\r\n", "rejects header");
	like(text, "Été VIP,4,C3,invalid email\r\n", "invalid email, line 4");
	like(text, "Été VIP,5,C4,missing email\r\n", "missing email, line 5");
	like(text, "Été VIP,6,", "the unterminated quote, line 6");
	like(text, "Abonnés,6,", "the malformed row, line 6");
	like(text, "Abonnés,4,C7,The value of 'city' is longer than 255",
	    "Braze's refusal mapped back to its line");
	free(text);
	deliver_stats_free(&st);
	free((char *)segs[0].path);
	free((char *)segs[1].path);
	free(rej);
}

/* n profiles p<i>@example.com, customer ID every other one. */
static char *
gen(const char *name, int from, int n)
{
	size_t	 size = (size_t)n * 64 + 64, len;
	char	*buf = xmalloc(size), *path;
	int	 i;

	len = (size_t)snprintf(buf, size, "email,id\n");
	for (i = from; i < from + n; i++)
		len += (size_t)snprintf(buf + len, size - len,
		    "p%d@example.com,%s%d\n", i, i % 2 ? "" : "K", i);
	path = write_file(name, buf);
	free(buf);
	return path;
}

/*
 * One segment: no plan pass (the file is read once), yet duplicates within
 * the file are still caught and every profile carries that segment.
 */
static void
test_single(const char *base)
{
	struct deliver_segment	 seg;
	struct deliver_mapping	 mp;
	struct deliver_stats	 st;
	cJSON			*state;
	char			*cause = NULL, *rej, *v;

	cJSON_Delete(fake_json("braze", "reset"));
	seg.name = "Solo";
	seg.path = write_file("solo.csv",
	    "email,id\n"
	    "a@example.com,S1\n"
	    "b@example.com,S2\n"
	    "a@example.com,S1\n"		/* same customer ID: duplicate */
	    "c@example.com,\n"
	    "C@Example.com ,\n"		/* same normalised email */
	    "not-an-email,S9\n");
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "email";
	mp.fields[DEST_SLOT_CUSTOMER_ID] = "id";
	rej = xasprintf("%s/rejects-solo.csv", tap_tmpdir());
	ok(run(base, &seg, 1, &mp, rej, &st, &cause) == 0,
	    "one segment delivered");
	if (cause != NULL)
		diag("%s", cause);
	xfree(&cause);
	is_int(st.total.read, 6, "one segment: read");
	is_int(st.total.duplicates, 2, "one segment: duplicates in the file");
	is_int(st.total.rejected, 1, "one segment: the invalid email");
	is_int(st.total.sent, 3, "one segment: sent");
	is_int(st.profiles, 3, "one segment: distinct keys of valid rows");
	state = fake_json("braze", "state");
	is_int(cJSON_GetObjectItem(state, "user_count")->valueint, 3,
	    "one segment: three users in Braze");
	v = attr(user(state, "external_id:S2"), "SEG_API");
	is_str(v, "[\"Solo\"]", "one segment: its name is the membership");
	free(v);
	v = attr(user(state, "email:c@example.com"), "SEG_API");
	is_str(v, "[\"Solo\"]", "one segment: email-identified too");
	free(v);
	cJSON_Delete(state);
	deliver_stats_free(&st);
	free((char *)seg.path);
	free(rej);
}

static void
test_faults(const char *base)
{
	struct deliver_segment	 segs[2];
	struct deliver_mapping	 mp;
	struct deliver_stats	 st;
	char			*cause = NULL, *rej;

	cJSON_Delete(fake_json("braze", "reset"));
	fake_config("braze", "{\"faults\": {\"fail_every\": 7, "
	    "\"fail_status\": 503, \"drop_every\": 11, \"drop_mode\": "
	    "\"after\", \"latency_ms\": 5, \"latency_jitter_ms\": 5, "
	    "\"burst_429\": {\"count\": 30}}}");
	segs[0].name = "one";
	segs[0].path = gen("g1.csv", 0, 3000);
	segs[1].name = "two";
	segs[1].path = gen("g2.csv", 2000, 2000);
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "email";
	mp.fields[DEST_SLOT_CUSTOMER_ID] = "id";
	rej = xasprintf("%s/rejects2.csv", tap_tmpdir());
	ok(run(base, segs, 2, &mp, rej, &st, &cause) == 0,
	    "delivered through 503s, drops, latency and a 429 storm");
	if (cause != NULL)
		diag("%s", cause);
	xfree(&cause);
	is_int(st.total.read, 5000, "read");
	is_int(st.total.duplicates, 1000, "duplicates");
	is_int(st.total.sent, 4000, "sent");
	is_int(st.total.accepted, 4000, "accepted");
	is_int(acks, 4000, "acknowledged once each");
	ok(st.retries > 0 && st.throttled > 0, "retries and 429s counted");
	diag("requests %llu retries %llu throttled %llu",
	    (unsigned long long)st.requests, (unsigned long long)st.retries,
	    (unsigned long long)st.throttled);
	is_int(fake_number("braze", "state.user_count"), 4000,
	    "4,000 users landed");
	is_int(fake_number("braze", "stats.over_limit"), 0,
	    "never over the rate limit");
	ok(fake_number("braze", "state.counts.attributes_processed") >= 4000,
	    "re-sends only after dropped answers (idempotent)");
	deliver_stats_free(&st);

	/* A key revoked after 20 requests stops the delivery in words. */
	cJSON_Delete(fake_json("braze", "reset"));
	fake_config("braze", "{\"faults\": {\"fail_every\": 0, "
	    "\"drop_every\": 0, \"latency_ms\": 0, \"latency_jitter_ms\": 0,"
	    " \"burst_429\": {\"count\": 0}}, \"braze\": {\"keys\": "
	    "{\"braze-key\": {\"permissions\": [\"users.track\"], "
	    "\"revoke_after\": 20}}}}");
	ok(run(base, segs, 2, &mp, rej, &st, &cause) == -1, "a revoked key "
	    "stops the delivery");
	like(cause, "Braze refused the API key (401)", "says why");
	like(cause, "The delivery stopped after", "and how far it got");
	diag("%s", cause);
	ok(st.total.accepted <= 1000 && st.total.accepted > 0,
	    "at most 20 batches accepted");
	xfree(&cause);
	deliver_stats_free(&st);
	free((char *)segs[0].path);
	free((char *)segs[1].path);
	free(rej);
}

/* Every other answered profile of the first attempt counts as done. */
static int
prior_half(uint64_t ref, unsigned *flags, const char **reason, void *arg)
{
	size_t	i;

	(void)arg;
	for (i = 0; i < nseen; i += 2) {
		if (seen[i].ref == ref) {
			*flags = seen[i].flags;
			*reason = seen[i].reason;
			return 1;
		}
	}
	return 0;
}

static int		 ticks;
static enum deliver_phase last_phase;

static void
on_tick(const struct deliver_stats *st, void *arg)
{
	(void)arg;
	ticks++;
	last_phase = st->phase;
}

/*
 * A resumed run skips what the first attempt had answered, sends the
 * rest, and ends with the counts and the rejects of one uninterrupted
 * run; a dry run sends nothing and counts the requests it would make.
 */
static void
test_resume(const char *base)
{
	static const char *attr_names[] = { "city" };
	static const char *attr_fields[] = { "city" };
	struct deliver_segment	 segs[2];
	struct deliver_mapping	 mp;
	struct deliver_config	 extra;
	struct deliver_stats	 st, st2;
	char			*cause = NULL, *rej, *rej2, *text, *t1, *t2;
	char			 longcity[300];
	size_t			 size = 200000, len, i, skipped;
	int			 ok1;

	memset(longcity, 'y', 299);
	longcity[299] = '\0';
	text = xmalloc(size);
	len = (size_t)snprintf(text, size, "email,id,city\n");
	for (i = 0; i < 600; i++)
		len += (size_t)snprintf(text + len, size - len,
		    "r%zu%s,%s%zu,%s\n", i, i % 97 == 5 ? "-at-example" :
		    "@example.com", i % 3 ? "" : "R", i, i % 101 == 7 ?
		    longcity : "Nantes");
	segs[0].name = "first";
	segs[0].path = write_file("r1.csv", text);
	free(text);
	segs[1].name = "second";
	segs[1].path = write_file("r2.csv", "email,id,city\n"
	    "r1@example.com,,Brest\n"			/* duplicate */
	    "s1@example.com,S1,Brest\n"
	    "s2@example.com,S2,Brest\n");
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "email";
	mp.fields[DEST_SLOT_CUSTOMER_ID] = "id";
	mp.attr_names = attr_names;
	mp.attr_fields = attr_fields;
	mp.nattrs = 1;
	rej = xasprintf("%s/rejects-r1.csv", tap_tmpdir());
	rej2 = xasprintf("%s/rejects-r2.csv", tap_tmpdir());

	cJSON_Delete(fake_json("braze", "reset"));
	fake_config("braze", "{\"braze\": {\"keys\": {\"braze-key\": "
	    "{\"permissions\": [\"users.track\"], \"revoke_after\": "
	    "null}}}}");
	record_acks = 1;
	ok1 = run(base, segs, 2, &mp, rej, &st, &cause) == 0;
	record_acks = 0;
	ok(ok1, "first attempt delivered");
	if (cause != NULL)
		diag("%s", cause);
	xfree(&cause);
	ok(st.total.rejected >= 12 && st.total.accepted > 580,
	    "the data set has validation and destination rejects");
	for (i = 0, skipped = 0; i < nseen; i += 2)
		skipped++;

	cJSON_Delete(fake_json("braze", "reset"));
	memset(&extra, 0, sizeof extra);
	extra.prior = prior_half;
	extra.on_tick = on_tick;
	ticks = 0;
	ok(run_with(base, segs, 2, &mp, rej2, &extra, &st2, &cause) == 0,
	    "resumed attempt delivered");
	xfree(&cause);
	is_int(acks, (long long)(nseen - skipped), "only the profiles not "
	    "answered before were sent again");
	ok(fake_number("braze", "state.user_count") <=
	    (double)(st.total.accepted - skipped / 2) &&
	    fake_number("braze", "state.user_count") > 0,
	    "the destination saw none of the skipped profiles");
	ok(memcmp(&st.total, &st2.total, sizeof st.total) == 0,
	    "the resumed run's counts equal one uninterrupted run's");
	is_int(st2.segments[0].rejected, st.segments[0].rejected,
	    "per segment too");
	t1 = read_file(rej);
	t2 = read_file(rej2);
	is_int(strlen(t1), strlen(t2), "the rejects file has the same size");
	like(t2, "first,110,R108,The value of 'city' is longer than 255",
	    "a destination rejection of the first attempt is listed again");
	like(t2, "first,7,", "validation rejects are found again");
	free(t1);
	free(t2);
	ok(ticks > 0, "ticks while delivering");
	is_int(last_phase, DELIVER_PHASE_SEND, "the phase seen by the ticks");
	is_int(st2.phase, DELIVER_PHASE_DONE, "done at the end");
	deliver_stats_free(&st2);

	/* Dry run: nothing reaches the destination. */
	cJSON_Delete(fake_json("braze", "reset"));
	memset(&extra, 0, sizeof extra);
	extra.dry_run = 1;
	ok(run_with(base, segs, 2, &mp, rej2, &extra, &st2, &cause) == 0,
	    "dry run");
	xfree(&cause);
	is_int(fake_number("braze", "stats.requests_total"), 0,
	    "a dry run sends no request");
	is_int(acks, 0, "and acknowledges nothing");
	is_int(st2.total.sent, st.total.sent, "it counts what would be "
	    "sent");
	is_int(st2.total.accepted, 0, "nothing is accepted");
	is_int(st2.requests, (st2.total.sent + 49) / 50,
	    "requests: batches of 50");
	deliver_stats_free(&st2);
	deliver_stats_free(&st);
	seen_free();
	free((char *)segs[0].path);
	free((char *)segs[1].path);
	free(rej);
	free(rej2);
}

int
main(void)
{
	char	*base;

	plan_lazy();
	braze = dest_find("braze");
	base = fake_start("braze", "--dest braze");
	test_exact(base);
	test_single(base);
	test_faults(base);
	test_resume(base);
	free(base);
	return done_testing();
}
