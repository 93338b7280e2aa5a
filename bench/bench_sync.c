/*
 * Incremental runs (issue 14): deliver one segment file to a (fake) Braze
 * as bench_braze does, but with a sync state in mirror mode, and report
 * what the state saved and what it cost.
 *
 *	bench_sync [-n] STATEDIR FILE BASE_URL
 *	bench_sync derive IN OUT
 *
 * The first form is one run: the state and its log are STATEDIR/bench.state
 * and STATEDIR/bench.state.log, under keys derived from a fixed sync key,
 * so that a second invocation on the same STATEDIR is the next run of the
 * same export. -n: a dry run (nothing sent, the state left as it is; any
 * BASE_URL will do). Each run is its own process so that its peak RSS is
 * its own. See docs/benchmarks.md, "Sync: incremental runs".
 *
 * "derive" writes the second run's file: of the data rows of IN, one in
 * 100 changes its city (a mapped attribute), one in 200 leaves and after
 * one in 200 a new profile arrives; the same rule as bench/sync.sh.
 * BENCH_COALESCE=MS replaces the engine's coalesce_ms, as in bench_braze.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/xmalloc.h"
#include "bench_rows.h"
#include "data/rejects.h"
#include "dest/dest.h"
#include "net/http.h"
#include "run/deliver.h"
#include "run/syncstate.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_now(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
die(const char *what, const char *cause)
{
	fprintf(stderr, "bench_sync: %s: %s\n", what, cause);
	exit(1);
}

/*
 * The second run's data. Lines are copied as bytes: a change appends an
 * "x" to the last field (inside its closing quote when it is quoted), so
 * that the row stays valid CSV and only the city differs.
 */
static int
derive(const char *in, const char *out)
{
	FILE		*f, *o;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 len;
	unsigned long	 i;

	if ((f = fopen(in, "r")) == NULL || (o = fopen(out, "w")) == NULL) {
		perror("bench_sync derive");
		return 1;
	}
	if ((len = getline(&line, &cap, f)) > 0)
		fwrite(line, 1, (size_t)len, o);
	for (i = 0; (len = getline(&line, &cap, f)) > 0; i++) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (i % 200 == 7)
			continue;
		if (i % 100 == 3) {
			if (len > 0 && line[len - 1] == '"')
				fprintf(o, "%.*sx\"\n", (int)len - 1, line);
			else
				fprintf(o, "%sx\n", line);
		} else
			fprintf(o, "%s\n", line);
		if (i % 200 == 11)
			fprintf(o, "CNEW%lu,new%lu@example.net,N,N,,Paris\n",
			    i, i);
	}
	free(line);
	fclose(f);
	if (fclose(o) != 0) {
		perror("bench_sync derive");
		return 1;
	}
	return 0;
}

/* What the tick sees: the CPU spent before the sending began. */
struct marks {
	double	start;
	double	send;		/* phase SEND reached: state read, planned */
	double	first;		/* first request sent */
	int	dry;
};

static void
on_tick(const struct deliver_stats *st, void *arg)
{
	struct marks	*m = arg;

	if (m->send < 0 && st->phase >= DELIVER_PHASE_SEND)
		m->send = cpu_now() - m->start;
	if (m->first < 0 && !m->dry && st->requests > 0)
		m->first = cpu_now() - m->start;
}

/* Records in the state file (after the run, outside its figures). */
static uint64_t
state_records(const char *path, const struct syncstate_keys *keys)
{
	struct syncstate_reader	*r;
	struct syncstate_rec	 rec;
	const char		*target;
	char			*why = NULL, *cause = NULL;
	uint64_t		 n = 0;
	int			 rv;

	if (syncstate_open(path, keys, &r, &target, &why, &cause) != 0) {
		free(why);
		free(cause);
		return 0;
	}
	while ((rv = syncstate_next(r, &rec, &cause)) == 1)
		n++;
	if (rv < 0)
		die("state", cause);
	syncstate_close(&r);
	return n;
}

int
main(int argc, char **argv)
{
	static const char *an[] = { "city" }, *af[] = { "city" };
	const struct dest_driver	*d = dest_find("braze");
	unsigned char			 pk[crypto_box_PUBLICKEYBYTES];
	unsigned char			 sk[crypto_box_SECRETKEYBYTES];
	unsigned char			 store[SECRECORD_STOREBYTES];
	unsigned char			 synckey[SYNCSTATE_KEYBYTES];
	struct secrecord_recipient		 rcpt = { "bench", pk };
	struct secrecord			*rec = NULL;
	struct secret			*key;
	struct connection		 conn;
	struct dest_session		*s = NULL;
	struct http_config		 hc;
	struct http_engine		*e;
	struct rejects			*rj = NULL;
	struct deliver_segment		 seg;
	struct deliver_mapping		 mp;
	struct deliver_config		 cfg;
	struct deliver_sync		 sy;
	struct syncstate_keys		 keys;
	struct deliver_stats		 st;
	struct marks			 m;
	struct rusage			 ru;
	struct stat			 sb;
	char				*cause = NULL, *rejpath;
	const char			*dir, *file, *base;
	double				 t0, wall, cpu;
	uint64_t			 nrec;
	int				 dry = 0, a = 1;

	if (argc == 4 && strcmp(argv[1], "derive") == 0)
		return derive(argv[2], argv[3]);
	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		dry = 1;
		a++;
	}
	if (argc - a != 3) {
		fprintf(stderr, "usage: bench_sync [-n] STATEDIR FILE "
		    "BASE_URL\n       bench_sync derive IN OUT\n");
		return 2;
	}
	dir = argv[a];
	file = argv[a + 1];
	base = argv[a + 2];
	if (sodium_init() < 0)
		return 1;
	crypto_box_keypair(pk, sk);
	randombytes_buf(store, sizeof store);
	if (secrecord_create(store, "bench", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, &rcpt, 1, &rec, &cause) != SEC_OK)
		die("record", cause);
	key = secret_from_bytes("braze-key", 9);
	if (secrecord_set(rec, "api_key", key, &cause) != SEC_OK)
		die("record", cause);
	secret_free(&key);
	memset(&conn, 0, sizeof conn);
	conn.type = (char *)"braze";
	conn.settings = cJSON_CreateObject();
	cJSON_AddStringToObject(conn.settings, "endpoint",
	    "rest.iad-01.braze.com");
	cJSON_AddStringToObject(conn.settings, "base_url", base);
	if (dest_session_new(d, &conn, rec, &s, &cause) != 0)
		die("session", cause);
	if (dest_session_set_batch(s, 50, &cause) != 0)
		die("batch", cause);
	secrecord_free(&rec);
	cJSON_Delete(conn.settings);

	http_config_defaults(&hc);
	hc.max_transfers = d->limits.concurrency;
	if (getenv("BENCH_COALESCE") != NULL)
		hc.coalesce_ms = (unsigned)atoi(getenv("BENCH_COALESCE"));
	if ((e = http_new(&hc, &cause)) == NULL)
		die("engine", cause);
	rejpath = xasprintf("%s/rejects.csv", dir);
	if (rejects_open(rejpath, &rj, &cause) != 0)
		die("rejects", cause);

	/*
	 * A fixed sync key: every invocation is a run of the same export,
	 * as run_sync_open() would set it up from the connection's record.
	 */
	memset(synckey, 0x5a, sizeof synckey);
	syncstate_keys_derive(synckey, sizeof synckey, "bench", &keys);
	memset(&sy, 0, sizeof sy);
	sy.keys = &keys;
	sy.state_path = xasprintf("%s/bench.state", dir);
	sy.log_path = xasprintf("%s/bench.state.log", dir);
	sy.target_label = "bench/BENCH_SEGMENT";
	sy.file_mode = 0600;
	sy.gid = (gid_t)-1;
	sy.mirror = 1;
	sy.max_removals = 10;	/* EXPORT_MAX_REMOVALS_DEFAULT */

	seg.name = "bench";
	seg.path = file;
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "email";
	mp.fields[DEST_SLOT_CUSTOMER_ID] = "customer_id";
	mp.attr_names = an;
	mp.attr_fields = af;
	mp.nattrs = 1;
	memset(&m, 0, sizeof m);
	m.send = m.first = -1;
	m.dry = dry;
	memset(&cfg, 0, sizeof cfg);
	cfg.session = s;
	cfg.engine = e;
	cfg.target = "BENCH_SEGMENT";
	cfg.segments = &seg;
	cfg.nsegments = 1;
	cfg.mapping = &mp;
	cfg.expected_rows = count_rows(seg.path);
	cfg.rejects = rj;
	cfg.dry_run = dry;
	cfg.on_tick = on_tick;
	cfg.arg = &m;
	cfg.sync = &sy;

	t0 = now();
	m.start = cpu_now();
	if (deliver_run(&cfg, &st, &cause) != 0)
		die("deliver", cause);
	wall = now() - t0;
	cpu = cpu_now() - m.start;
	getrusage(RUSAGE_SELF, &ru);
	if (rejects_close(&rj, &cause) != 0)
		die("rejects", cause);
	printf("%s%s: read %llu rejected %llu duplicates %llu sent %llu "
	    "accepted %llu\n", dry ? "dry run, " : "",
	    st.baseline ? "baseline" : "incremental",
	    (unsigned long long)st.total.read,
	    (unsigned long long)st.total.rejected,
	    (unsigned long long)st.total.duplicates,
	    (unsigned long long)st.total.sent,
	    (unsigned long long)st.total.accepted);
	printf("new %llu changed %llu retried %llu unchanged %llu; "
	    "members %llu, to remove %llu, removed %llu (refused %llu)\n",
	    (unsigned long long)st.total.fresh,
	    (unsigned long long)st.total.changed,
	    (unsigned long long)st.total.retried,
	    (unsigned long long)st.total.unchanged,
	    (unsigned long long)st.members,
	    (unsigned long long)st.to_remove,
	    (unsigned long long)st.removed,
	    (unsigned long long)st.remove_rejected);
	if (dry)
		printf("requests (would make) %llu + %llu removals\n",
		    (unsigned long long)st.requests,
		    (unsigned long long)st.remove_requests);
	else
		printf("requests %llu (removals included) retries %llu "
		    "429s %llu rate waits %llu\n",
		    (unsigned long long)st.requests,
		    (unsigned long long)st.retries,
		    (unsigned long long)st.throttled,
		    (unsigned long long)st.rate_waits);
	printf("wall %.2f s, cpu %.2f s (user %.2f, sys %.2f); cpu until "
	    "sending %.2f s", wall, cpu,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, m.send);
	if (!dry)
		printf(", until the first request %.2f s", m.first);
	printf("; peak RSS %.1f MB, key map %.1f MB\n",
	    ru.ru_maxrss / 1024.0, st.map_bytes / 1048576.0);
	if (st.profiles > 0)
		printf("%llu profiles: %.1f bytes of peak RSS a profile\n",
		    (unsigned long long)st.profiles,
		    ru.ru_maxrss * 1024.0 / (double)st.profiles);
	if (st.state_note != NULL)
		printf("note: %s\n", st.state_note);
	if (stat(sy.state_path, &sb) == 0) {
		nrec = state_records(sy.state_path, &keys);
		printf("state file %lld bytes, %llu records, %.1f bytes a "
		    "record\n", (long long)sb.st_size,
		    (unsigned long long)nrec,
		    nrec > 0 ? (double)sb.st_size / (double)nrec : 0.0);
	}
	deliver_stats_free(&st);
	dest_session_free(&s);
	http_free(&e);
	free(rejpath);
	free((char *)sy.state_path);
	free((char *)sy.log_path);
	sodium_memzero(&keys, sizeof keys);
	sodium_memzero(synckey, sizeof synckey);
	sodium_memzero(sk, sizeof sk);
	return 0;
}
