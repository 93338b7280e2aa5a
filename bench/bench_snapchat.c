/*
 * Deliver one segment file to a (fake) Snapchat audience and report wall
 * time against the rate-limit floor, segsync's own CPU seconds and peak
 * RSS.
 *
 *	bench_snapchat FILE BASE [BATCH]
 *
 * BASE is the fake's origin (http://127.0.0.1:PORT): the OAuth endpoints
 * are there and the Marketing API under /v1. The client is "snap-client"
 * with secret "snap-secret", the code "snap-code" and the audience "111"
 * (the fake's defaults); see docs/benchmarks.md, "Delivering to
 * Snapchat". The code is exchanged first, as 'connection add' does, so
 * the delivery starts with a fresh access token.
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
#include "net/oauth.h"
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

static void
die(const char *what, const char *cause)
{
	fprintf(stderr, "bench_snapchat: %s: %s\n", what, cause);
	exit(1);
}

int
main(int argc, char **argv)
{
	const struct dest_driver	*d = dest_find("snapchat");
	unsigned char			 pk[crypto_box_PUBLICKEYBYTES];
	unsigned char			 sk[crypto_box_SECRETKEYBYTES];
	unsigned char			 store[SECRECORD_STOREBYTES];
	struct secrecord_recipient		 rcpt = { "bench", pk };
	struct secrecord			*rec = NULL;
	struct secret			*cs, *code;
	struct oauth_app		 app;
	struct oauth_tokens		 tok;
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
	char				*cause = NULL, *rejpath, *api;
	double				 t0, wall, cpu, floor_s;
	unsigned			 batch = 100000;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_snapchat FILE BASE [BATCH]\n");
		return 2;
	}
	if (argc > 3)
		batch = (unsigned)strtoul(argv[3], NULL, 10);
	if (sodium_init() < 0)
		return 1;

	http_config_defaults(&hc);
	hc.max_transfers = d->limits.concurrency;
	if ((e = http_new(&hc, &cause)) == NULL)
		die("engine", cause);
	cs = secret_from_bytes("snap-secret", 11);
	code = secret_from_bytes("snap-code", 9);
	memset(&app, 0, sizeof app);
	app.auth_url = argv[2];
	app.client_id = "snap-client";
	app.client_secret = cs;
	app.redirect_uri = "http://127.0.0.1/callback";
	app.scope = d->oauth_scope;
	app.label = "Snapchat";
	if (oauth_exchange(e, &app, code, &tok, &cause) != OAUTH_OK)
		die("authorization", cause);

	crypto_box_keypair(pk, sk);
	randombytes_buf(store, sizeof store);
	if (secrecord_create(store, "bench", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, &rcpt, 1, &rec, &cause) != SEC_OK ||
	    secrecord_set(rec, "client_secret", cs, &cause) != SEC_OK ||
	    secrecord_set(rec, OAUTH_REFRESH_FIELD, tok.refresh, &cause) !=
	    SEC_OK)
		die("record", cause);
	memset(&conn, 0, sizeof conn);
	conn.name = (char *)"bench";
	conn.type = (char *)"snapchat";
	conn.settings = cJSON_CreateObject();
	api = xasprintf("%s/v1", argv[2]);
	cJSON_AddStringToObject(conn.settings, "base_url", api);
	cJSON_AddStringToObject(conn.settings, "auth_url", argv[2]);
	cJSON_AddStringToObject(conn.settings, "client_id", "snap-client");
	cJSON_AddStringToObject(conn.settings, "redirect_uri",
	    "http://127.0.0.1/callback");
	if (dest_session_new(d, &conn, rec, &s, &cause) != 0)
		die("session", cause);
	if (dest_session_set_batch(s, batch, &cause) != 0)
		die("batch", cause);
	secrecord_free(&rec);
	cJSON_Delete(conn.settings);
	free(api);
	oauth_tokens_clear(&tok);
	secret_free(&cs);
	secret_free(&code);

	rejpath = xasprintf("%s.rejects.csv", argv[1]);
	if (rejects_open(rejpath, &rj, &cause) != 0)
		die("rejects", cause);
	seg.name = "bench";
	seg.path = argv[1];
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "email";
	memset(&cfg, 0, sizeof cfg);
	cfg.session = s;
	cfg.engine = e;
	cfg.target = "111";
	cfg.segments = &seg;
	cfg.nsegments = 1;
	cfg.mapping = &mp;
	cfg.expected_rows = count_rows(seg.path);
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
	/* 10 requests a second, the first at once. */
	floor_s = st.requests > 0 ? (double)(st.requests - 1) / 10.0 : 0;
	printf("read %llu rejected %llu duplicates %llu sent %llu "
	    "accepted %llu\n",
	    (unsigned long long)st.total.read,
	    (unsigned long long)st.total.rejected,
	    (unsigned long long)st.total.duplicates,
	    (unsigned long long)st.total.sent,
	    (unsigned long long)st.total.accepted);
	printf("requests %llu retries %llu 429s %llu rate waits %llu\n",
	    (unsigned long long)st.requests, (unsigned long long)st.retries,
	    (unsigned long long)st.throttled,
	    (unsigned long long)st.rate_waits);
	printf("wall %.2f s, floor %.2f s, cpu %.2f s (user %.2f, sys %.2f), "
	    "peak RSS %.1f MB, key map %.1f MB\n", wall, floor_s, cpu,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss / 1024.0, st.map_bytes / 1048576.0);
	deliver_stats_free(&st);
	dest_session_free(&s);
	http_free(&e);
	oauth_cache_clear();
	free(rejpath);
	sodium_memzero(sk, sizeof sk);
	return 0;
}
