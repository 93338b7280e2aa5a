/*
 * The delivery pipeline against the fake Braze over loopback: what lands
 * is exactly what data-rules.md says, the counts and rejects are exact,
 * and faults (429 storms, 503s, dropped connections, latency, a revoked
 * key) lose nothing and duplicate nothing. Then to the fake Brevo, through
 * the confirmation of its import processes.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/xmalloc.h"
#include "data/rejects.h"
#include "dest/dest.h"
#include "fake.h"
#include "net/http.h"
#include "run/confirm.h"
#include "run/deliver.h"
#include "tap.h"

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
prior_half(uint64_t ref, unsigned *flags, const char **reason,
    uint64_t *job, void *arg)
{
	size_t	i;

	(void)arg;
	for (i = 0; i < nseen; i += 2) {
		if (seen[i].ref == ref) {
			*flags = seen[i].flags;
			*reason = seen[i].reason;
			*job = 0;
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

/* Requests the fake Brevo answered on endpoint ("GET /processes"). */
static int
endpoint_count(const char *endpoint)
{
	cJSON		*st;
	const cJSON	*e, *v;
	int		 n = 0;

	st = fake_json("brevo", "stats");
	e = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "by_endpoint"),
	    endpoint);
	cJSON_ArrayForEach(v, e)
		n += v->valueint;
	cJSON_Delete(st);
	return n;
}

/* Confirmation rejections heard through on_confirm_reject. */
static uint64_t		 crefs[64];
static uint64_t		 cjobs[64];
static int		 ncrefs;
static volatile sig_atomic_t cancel_flag;

static void
on_confirm_reject(const uint64_t *refs, size_t n, uint64_t job,
    const char *reason, void *arg)
{
	size_t	i;

	(void)arg;
	if (reason == NULL || *reason == '\0')
		ncrefs = -1000;
	for (i = 0; i < n && ncrefs >= 0 && ncrefs < 64; i++) {
		crefs[ncrefs] = refs[i];
		cjobs[ncrefs++] = job;
	}
}

/* The most pending jobs a tick saw in the confirmation phase. */
static uint64_t		 tick_pending;

static void
on_tick_confirm(const struct deliver_stats *st, void *arg)
{
	(void)arg;
	if (st->phase == DELIVER_PHASE_CONFIRM && st->jobs_pending >
	    tick_pending)
		tick_pending = st->jobs_pending;
}

static void
on_alarm(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

/* Whether ref was heard as rejected at confirmation, for job. */
static int
heard(uint64_t ref, uint64_t job)
{
	int	i;

	for (i = 0; i < ncrefs; i++)
		if (crefs[i] == ref && cjobs[i] == job)
			return 1;
	return 0;
}

/* Deliver to the fake Brevo at base, three profiles a batch, one at once. */
static int
run_sib(const char *base, const struct deliver_segment *segs, size_t n,
    const struct deliver_mapping *mp, const char *rejpath,
    struct deliver_stats *st, char **cause)
{
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct rejects		*rj = NULL;
	struct deliver_config	 cfg;
	char			*c = NULL;
	int			 rv;

	s = fake_session(dest_find("sendinblue"), base, NULL, "brevo-key", &c);
	if (s == NULL || dest_session_set_batch(s, 3, &c) != 0 ||
	    rejects_open(rejpath, &rj, &c) != 0) {
		printf("Bail out! %s\n", c);
		exit(99);
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.session = s;
	cfg.engine = e;
	cfg.target = "2";
	cfg.segments = segs;
	cfg.nsegments = n;
	cfg.mapping = mp;
	cfg.rejects = rj;
	/* One batch at a time: the fake numbers processes as they arrive. */
	cfg.max_in_flight = 1;
	cfg.on_ack = on_ack;
	cfg.on_confirm_reject = on_confirm_reject;
	cfg.on_tick = on_tick_confirm;
	cfg.cancel = &cancel_flag;
	tick_pending = 0;
	acks = 0;
	ncrefs = 0;
	cancel_flag = 0;
	rv = deliver_run(&cfg, st, cause);
	if (rejects_close(&rj, &c) != 0) {
		printf("Bail out! %s\n", c);
		exit(99);
	}
	dest_session_free(&s);
	http_free(&e);
	return rv;
}

static char *
contact(cJSON *state, const char *email)
{
	cJSON	*c;

	c = cJSON_GetObjectItem(cJSON_GetObjectItem(state, "contacts"),
	    email);
	return c == NULL ? xstrdup("(none)") : cJSON_PrintUnformatted(c);
}

/*
 * A delivery to Brevo through its confirmation: imports that complete,
 * fail, are cancelled or report invalid emails, with exact counts,
 * rejects, callbacks and the list's contents at the fake.
 */
static void
test_brevo(const char *base)
{
	struct deliver_segment	 segs[2];
	struct deliver_mapping	 mp;
	struct deliver_stats	 st;
	char			*cause = NULL, *rej, *text, *v;
	cJSON			*state;

	cJSON_Delete(fake_json("brevo", "reset"));
	fake_config("brevo", "{\"brevo\": {\"invalid_email_pattern\": "
	    "\"@bounce\\\\.example$\", \"process\": {\"fail\": [2], "
	    "\"cancel\": [4], \"queued_seconds\": 0.2, "
	    "\"in_process_seconds\": 0.2}}}");
	setenv("SEGSYNC_TEST_CONFIRM_MS", "100,300,20000", 1);
	segs[0].name = "Clients";
	segs[0].path = write_file("sib-a.csv",
	    "Email,First,Last,Phone\n"
	    " Ann@Example.com ,Ann,Lee,+33 6 12 34 56 78\n"	/* 2: job 1 */
	    "bob@example.org,Bob,,12\n"			/* 3: bad phone */
	    "bad@bounce.example,Bad,Bounce,\n"		/* 4: reported */
	    "not-an-email,X,Y,\n"				/* 5: refused */
	    "carl@example.com,Carl,Ng,0033612345679\n"	/* 6: job 2 fails */
	    "dora@example.com,,Dee,\n"			/* 7 */
	    "eve@example.com,Eve,,\n");			/* 8 */
	segs[1].name = "Prospects";
	segs[1].path = write_file("sib-b.csv",
	    "Email;First;Last;Phone\n"
	    "ann@example.com;Annie;;\n"			/* 2: duplicate */
	    "fay@example.com;Fay;Fo;\n"			/* 3: job 3 */
	    "gus@bounce.example;Gus;;\n"			/* 4: reported */
	    "hal@example.com;;;\n"				/* 5 */
	    "ivy@example.com;Ivy;;\n");			/* 6: job 4, cancelled */
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "Email";
	mp.fields[DEST_SLOT_FIRSTNAME] = "First";
	mp.fields[DEST_SLOT_LASTNAME] = "Last";
	mp.fields[DEST_SLOT_PHONE] = "Phone";
	rej = xasprintf("%s/rejects-sib.csv", tap_tmpdir());

	ok(run_sib(base, segs, 2, &mp, rej, &st, &cause) == 0,
	    "delivered to Brevo and confirmed");
	if (cause != NULL)
		diag("%s", cause);
	xfree(&cause);
	is_int(st.phase, DELIVER_PHASE_DONE, "phase: done");
	is_int(st.jobs, 4, "four import processes");
	is_int(st.jobs_pending, 0, "none left pending");
	is_int(st.jobs_failed, 2, "two failed (one failed, one cancelled)");
	is_int(tick_pending, 4, "ticks showed four processes being confirmed");
	ok(st.confirm_rounds >= 1 && st.confirm_rounds <= 6,
	    "in a few rounds (%llu)", (unsigned long long)st.confirm_rounds);
	ok(st.confirm_note == NULL, "nothing left unsaid (%s)",
	    st.confirm_note != NULL ? st.confirm_note : "");
	is_int(st.total.read, 12, "read 12");
	is_int(st.total.duplicates, 1, "one duplicate");
	is_int(st.total.sent, 10, "sent 10");
	is_int(st.total.warnings, 1, "one warning: bob's phone");
	is_int(st.confirm_rejected, 6, "six rejected at confirmation");
	is_int(st.total.accepted, 4, "accepted: ann, bob, fay, hal");
	is_int(st.total.rejected, 7, "rejected: the bad email and six");
	ok(st.segments[0].sent == 6 && st.segments[0].accepted == 2 &&
	    st.segments[0].rejected == 5, "Clients: 6 sent, 2 accepted, 5 "
	    "rejected");
	ok(st.segments[1].sent == 4 && st.segments[1].accepted == 2 &&
	    st.segments[1].rejected == 2 && st.segments[1].duplicates == 1,
	    "Prospects: 4 sent, 2 accepted, 2 rejected, 1 duplicate");
	is_int(acks, 10, "every sent profile acknowledged once");
	is_int(ncrefs, 6, "six refs heard as rejected at confirmation");
	ok(heard(DELIVER_REF(0, 4), 1) && heard(DELIVER_REF(0, 6), 2) &&
	    heard(DELIVER_REF(0, 7), 2) && heard(DELIVER_REF(0, 8), 2) &&
	    heard(DELIVER_REF(1, 4), 3) && heard(DELIVER_REF(1, 6), 4),
	    "each with its line and process");

	state = fake_json("brevo", "state");
	is_int(cJSON_GetObjectItem(state, "contact_count")->valueint, 4,
	    "four contacts at Brevo");
	v = contact(state, "ann@example.com");
	is_str(v, "{\"attributes\":{\"FIRSTNAME\":\"Ann\",\"LASTNAME\":"
	    "\"Lee\",\"SMS\":\"+33612345678\"},\"imports\":1,"
	    "\"listIds\":[2]}", "ann: names and normalised SMS, in list 2");
	free(v);
	v = contact(state, "bob@example.org");
	is_str(v, "{\"attributes\":{\"FIRSTNAME\":\"Bob\"},\"imports\":1,"
	    "\"listIds\":[2]}", "bob: no SMS (invalid), no empty LASTNAME");
	free(v);
	v = contact(state, "fay@example.com");
	is_str(v, "{\"attributes\":{\"FIRSTNAME\":\"Fay\",\"LASTNAME\":"
	    "\"Fo\"},\"imports\":1,\"listIds\":[2]}", "fay");
	free(v);
	v = contact(state, "hal@example.com");
	is_str(v, "{\"attributes\":{},\"imports\":1,\"listIds\":[2]}",
	    "hal: no attributes at all");
	free(v);
	cJSON_Delete(state);
	is_int(fake_number("brevo", "stats.over_limit"), 0,
	    "never over a rate limit");

	text = read_file(rej);
	like(text, "Clients,5,not-an-email,invalid email\r\n",
	    "the local refusal");
	like(text, "Clients,4,bad@bounce.example,Brevo's import process 1 "
	    "found the email address invalid and did not import the "
	    "contact.\r\n", "the reported email, by line and process");
	like(text, "Clients,6,carl@example.com,\"Brevo's import process 2 "
	    "failed, so the contact was not imported.\"\r\n", "carl: failed");
	like(text, "Clients,7,dora@example.com,\"Brevo's import process 2 "
	    "failed", "dora: failed");
	like(text, "Clients,8,eve@example.com,", "eve: failed");
	like(text, "Prospects,4,gus@bounce.example,Brevo's import process 3 "
	    "found", "gus: reported");
	like(text, "Prospects,6,ivy@example.com,\"Brevo's import process 4 "
	    "was cancelled", "ivy: cancelled");
	ok(strstr(text, "Ann") == NULL, "ann is not there");
	free(text);
	deliver_stats_free(&st);

	/*
	 * The hourly budget nearly spent at Brevo: three polls left. The
	 * run stops asking when its headers say so, and gives up on time.
	 */
	cJSON_Delete(fake_json("brevo", "reset"));
	fake_config("brevo", "{\"rate_limits\": {\"brevo_other\": "
	    "[{\"limit\": 3, \"window\": 3600}]}, \"brevo\": {\"process\": "
	    "{\"queued_seconds\": 60}}}");
	setenv("SEGSYNC_TEST_CONFIRM_MS", "100,300,2500", 1);
	ok(run_sib(base, segs, 2, &mp, rej, &st, &cause) == 0,
	    "delivered; the confirmation gave up");
	xfree(&cause);
	ok(st.jobs == 4 && st.jobs_pending == 4 && st.confirm_rejected == 0 &&
	    st.total.accepted == 10, "four processes left pending, their "
	    "profiles accepted");
	like(st.confirm_note, "4 jobs queued by Sendinblue (Brevo) were "
	    "still pending after 0 minutes", "and said");
	is_int(endpoint_count("GET /processes"), 3, "three polls: the "
	    "budget");
	is_int(fake_number("brevo", "stats.over_limit"), 0, "none over it");
	deliver_stats_free(&st);

	/* Cancelled while waiting for the first round. */
	cJSON_Delete(fake_json("brevo", "reset"));
	fake_config("brevo", "{\"rate_limits\": {\"brevo_other\": "
	    "[{\"limit\": 100, \"window\": 3600}]}}");
	setenv("SEGSYNC_TEST_CONFIRM_MS", "60000", 1);
	signal(SIGALRM, on_alarm);
	alarm(1);
	ok(run_sib(base, segs, 2, &mp, rej, &st, &cause) == -1,
	    "cancelled during the confirmation");
	like(cause, "cancelled", "said");
	xfree(&cause);
	ok(st.jobs_pending == 4 && st.total.accepted == 10 &&
	    endpoint_count("GET /processes") == 0, "nothing polled, nothing "
	    "rejected");
	deliver_stats_free(&st);
	unsetenv("SEGSYNC_TEST_CONFIRM_MS");
	free((char *)segs[0].path);
	free((char *)segs[1].path);
	free(rej);
}

/*
 * The confirmation's job -> refs map stays small: consecutive refs cost
 * nothing past their run, and even every other line costs 2 bytes.
 */
static void
test_confirm_map(void)
{
	struct confirm	*c = confirm_new();
	size_t		 i, base;

	for (i = 0; i < 1000000; i++)
		confirm_add(c, 7 + i / 20000, DELIVER_REF(0, 2 + i));
	is_int(confirm_njobs(c), 50, "50 jobs");
	ok(confirm_bytes(c) < 16384, "a million consecutive refs in 50 jobs: "
	    "%zu bytes", confirm_bytes(c));
	confirm_free(&c);
	ok(c == NULL, "confirm_free clears the pointer");

	c = confirm_new();
	for (i = 0; i < 1000000; i++)
		confirm_add(c, 1, DELIVER_REF(i / 500000, 2 + 2 * i));
	base = confirm_bytes(c);
	ok(base < 2500000, "every other line: about 2 bytes a ref, growth "
	    "included (%zu bytes for 1,000,000)", base);
	/* Out of order for one job: another run list, still one job. */
	confirm_add(c, 1, DELIVER_REF(0, 5));
	is_int(confirm_njobs(c), 1, "a ref out of order keeps one job");
	confirm_free(&c);
}

int
main(void)
{
	char	*base;

	plan_lazy();
	test_confirm_map();
	braze = dest_find("braze");
	base = fake_start("braze", "--dest braze");
	test_exact(base);
	test_single(base);
	test_faults(base);
	test_resume(base);
	free(base);
	base = fake_start("brevo", "--dest brevo");
	test_brevo(base);
	free(base);
	return done_testing();
}
