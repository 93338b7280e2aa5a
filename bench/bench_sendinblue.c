/*
 * Deliver one segment file to a (fake) Brevo, through the confirmation of
 * its import processes, and report wall time (sending, confirming), the
 * requests against the rate-limit floor, segsync's own CPU seconds and
 * peak RSS.
 *
 *	bench_sendinblue FILE BASE_URL [BATCH]
 *
 * The key is "brevo-key", the list 2 (the fake's defaults); start the fake
 * with tests/fakes/fakectl.py and set SEGSYNC_TEST_CONFIRM_MS (see
 * docs/benchmarks.md, "Delivering to Sendinblue").
 */
#include "config.h"

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/xmalloc.h"
#include "bench_rows.h"
#include "data/rejects.h"
#include "dest/dest.h"
#include "net/http.h"
#include "run/deliver.h"
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

static double	 t_confirm;

static void
die(const char *what, const char *cause)
{
	fprintf(stderr, "bench_sendinblue: %s: %s\n", what, cause);
	exit(1);
}

/* When the confirmation phase started. */
static void
on_tick(const struct deliver_stats *st, void *arg)
{
	(void)arg;
	if (st->phase == DELIVER_PHASE_CONFIRM && t_confirm == 0)
		t_confirm = now();
}

int
main(int argc, char **argv)
{
	const struct dest_driver	*d = dest_find("sendinblue");
	unsigned char			 pk[crypto_box_PUBLICKEYBYTES];
	unsigned char			 sk[crypto_box_SECRETKEYBYTES];
	unsigned char			 store[SECRECORD_STOREBYTES];
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
	struct deliver_stats		 st;
	struct rusage			 ru;
	char				*cause = NULL, *rejpath;
	double				 t0, wall, cpu, floor_s;
	unsigned			 batch = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_sendinblue FILE BASE_URL "
		    "[BATCH]\n");
		return 2;
	}
	if (argc > 3)
		batch = (unsigned)strtoul(argv[3], NULL, 10);
	if (sodium_init() < 0)
		return 1;
	crypto_box_keypair(pk, sk);
	randombytes_buf(store, sizeof store);
	if (secrecord_create(store, "bench", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, &rcpt, 1, &rec, &cause) != SEC_OK)
		die("record", cause);
	key = secret_from_bytes("brevo-key", 9);
	if (secrecord_set(rec, "api_key", key, &cause) != SEC_OK)
		die("record", cause);
	secret_free(&key);
	memset(&conn, 0, sizeof conn);
	conn.type = (char *)"sendinblue";
	conn.settings = cJSON_CreateObject();
	cJSON_AddStringToObject(conn.settings, "base_url", argv[2]);
	if (dest_session_new(d, &conn, rec, &s, &cause) != 0)
		die("session", cause);
	if (batch != 0 && dest_session_set_batch(s, batch, &cause) != 0)
		die("batch", cause);
	secrecord_free(&rec);
	cJSON_Delete(conn.settings);

	http_config_defaults(&hc);
	hc.max_transfers = d->limits.concurrency;
	if (getenv("BENCH_COALESCE") != NULL)
		hc.coalesce_ms = (unsigned)atoi(getenv("BENCH_COALESCE"));
	if ((e = http_new(&hc, &cause)) == NULL)
		die("engine", cause);
	rejpath = xasprintf("%s.rejects.csv", argv[1]);
	if (rejects_open(rejpath, &rj, &cause) != 0)
		die("rejects", cause);

	seg.name = "bench";
	seg.path = argv[1];
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "email";
	mp.fields[DEST_SLOT_FIRSTNAME] = "first_name";
	mp.fields[DEST_SLOT_LASTNAME] = "last_name";
	mp.fields[DEST_SLOT_PHONE] = "phone";
	memset(&cfg, 0, sizeof cfg);
	cfg.session = s;
	cfg.engine = e;
	cfg.target = "2";
	cfg.expected_rows = count_rows(seg.path);
	cfg.on_tick = on_tick;
	cfg.segments = &seg;
	cfg.nsegments = 1;
	cfg.mapping = &mp;
	cfg.rejects = rj;

	t0 = now();
	if (deliver_run(&cfg, &st, &cause) != 0)
		die("deliver", cause);
	wall = now() - t0;
	if (rejects_close(&rj, &cause) != 0)
		die("rejects", cause);
	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	/* 10 imports a second. */
	floor_s = (double)(st.requests - st.confirm_rounds) / 10.0;
	printf("read %llu rejected %llu duplicates %llu sent %llu "
	    "accepted %llu warnings %llu\n",
	    (unsigned long long)st.total.read,
	    (unsigned long long)st.total.rejected,
	    (unsigned long long)st.total.duplicates,
	    (unsigned long long)st.total.sent,
	    (unsigned long long)st.total.accepted,
	    (unsigned long long)st.total.warnings);
	printf("requests %llu retries %llu 429s %llu rate waits %llu\n",
	    (unsigned long long)st.requests, (unsigned long long)st.retries,
	    (unsigned long long)st.throttled,
	    (unsigned long long)st.rate_waits);
	printf("import processes %llu, failed %llu, pending %llu, "
	    "rejected at confirmation %llu, rounds %llu%s%s\n",
	    (unsigned long long)st.jobs, (unsigned long long)st.jobs_failed,
	    (unsigned long long)st.jobs_pending,
	    (unsigned long long)st.confirm_rejected,
	    (unsigned long long)st.confirm_rounds,
	    st.confirm_note != NULL ? ": " : "",
	    st.confirm_note != NULL ? st.confirm_note : "");
	printf("wall %.2f s (sending %.2f, confirming %.2f), import floor "
	    "%.2f s, cpu %.2f s (user %.2f, sys %.2f), peak RSS %.1f MB, "
	    "key map %.1f MB\n", wall, (t_confirm > 0 ? t_confirm : t0 +
	    wall) - t0, t_confirm > 0 ? t0 + wall - t_confirm : 0.0,
	    floor_s, cpu,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss / 1024.0, st.map_bytes / 1048576.0);
	deliver_stats_free(&st);
	dest_session_free(&s);
	http_free(&e);
	free(rejpath);
	sodium_memzero(sk, sizeof sk);
	return 0;
}
