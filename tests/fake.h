/*
 * Helpers for C tests that talk to the fake destinations of tests/fakes/
 * (run with $PYTHON3 through fakectl.py), and build driver sessions
 * without a workspace. Header-only, like tap.h (which it includes).
 *
 *	base = fake_start("braze", "--dest braze --record-bodies");
 *	state = fake_json("braze", "state");	cJSON, caller deletes
 *	s = fake_session("braze", base, "rest.iad-01.braze.com", "braze-key");
 *
 * Every fake started is stopped at exit; its state directory is under
 * tap_tmpdir().
 */
#ifndef SEGSYNC_TESTS_FAKE_H
#define SEGSYNC_TESTS_FAKE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/xmalloc.h"
#include "dest/dest.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"
#include "tap.h"

#define FAKE_MAX	8

static char	*fake_dirs[FAKE_MAX];
static size_t	 fake_n;

/* The fakectl.py command prefix; without python the whole test fails. */
static __attribute__((unused)) char *
fake_ctl(void)
{
	const char	*py, *top;

	py = getenv("PYTHON3");
	if (py == NULL || *py == '\0' || access(py, X_OK) != 0)
		fail_all("python3 is missing (PYTHON3 is not set)");
	top = getenv("top_srcdir");
	if (top == NULL)
		top = ".";
	return xasprintf("%s %s/tests/fakes/fakectl.py", py, top);
}

/* The state directory of the fake called name. */
static __attribute__((unused)) char *
fake_dir(const char *name)
{
	return xasprintf("%s/fake-%s", tap_tmpdir(), name);
}

/* Run a fakectl command and return its standard output, malloc'd. */
static __attribute__((unused)) char *
fake_run(const char *cmd)
{
	FILE	*f;
	char	*out = NULL;
	size_t	 len = 0, size = 0, got;

	f = popen(cmd, "r");
	if (f == NULL) {
		printf("Bail out! cannot run %s\n", cmd);
		exit(99);
	}
	for (;;) {
		if (size - len < 4096) {
			size = size == 0 ? 65536 : size * 2;
			out = xrealloc(out, size);
		}
		got = fread(out + len, 1, size - len - 1, f);
		if (got == 0)
			break;
		len += got;
	}
	out[len] = '\0';
	if (pclose(f) != 0) {
		printf("Bail out! failed: %s\n", cmd);
		exit(99);
	}
	return out;
}

static __attribute__((unused)) void
fake_stop_all(void)
{
	char	*ctl, *cmd;
	size_t	 i;

	ctl = fake_ctl();
	for (i = 0; i < fake_n; i++) {
		cmd = xasprintf("%s stop %s >/dev/null 2>&1", ctl,
		    fake_dirs[i]);
		if (system(cmd) == -1)
			perror("system");
		free(cmd);
		free(fake_dirs[i]);
	}
	fake_n = 0;
	free(ctl);
}

/* Start a fake (args as for fakedest.py); returns its API base URL. */
static __attribute__((unused)) char *
fake_start(const char *name, const char *args)
{
	char	*ctl, *dir, *cmd, *out;
	size_t	 len;

	if (fake_n == FAKE_MAX) {
		printf("Bail out! too many fakes\n");
		exit(99);
	}
	ctl = fake_ctl();
	dir = fake_dir(name);
	cmd = xasprintf("%s start %s %s", ctl, dir, args);
	out = fake_run(cmd);
	if (fake_n == 0)
		atexit(fake_stop_all);
	fake_dirs[fake_n++] = dir;
	len = strlen(out);
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	free(cmd);
	free(ctl);
	return out;
}

/*
 * A fakectl command's JSON answer ("state", "stats", "requests",
 * "reset", or "config 'JSON'"); the caller deletes it.
 */
static __attribute__((unused)) cJSON *
fake_json(const char *name, const char *what)
{
	char	*ctl, *dir, *cmd, *out;
	cJSON	*j;

	ctl = fake_ctl();
	dir = fake_dir(name);
	cmd = xasprintf("%s %s %s", ctl, what, dir);
	out = fake_run(cmd);
	j = cJSON_Parse(out);
	if (j == NULL) {
		printf("Bail out! not JSON from %s\n", cmd);
		exit(99);
	}
	free(out);
	free(cmd);
	free(dir);
	free(ctl);
	return j;
}

/* Merge a JSON object into the fake's configuration. */
static __attribute__((unused)) void
fake_config(const char *name, const char *json)
{
	char	*ctl, *dir, *cmd, *out;

	ctl = fake_ctl();
	dir = fake_dir(name);
	cmd = xasprintf("%s config %s '%s'", ctl, dir, json);
	out = fake_run(cmd);
	free(out);
	free(cmd);
	free(dir);
	free(ctl);
}

/* A stats or state number by dotted path ("stats.over_limit"), or -1. */
static __attribute__((unused)) double
fake_number(const char *name, const char *dotted)
{
	char	*ctl, *dir, *cmd, *out;
	double	 v;

	ctl = fake_ctl();
	dir = fake_dir(name);
	cmd = xasprintf("%s get %s %s", ctl, dir, dotted);
	out = fake_run(cmd);
	v = strtod(out, NULL);
	free(out);
	free(cmd);
	free(dir);
	free(ctl);
	return v;
}

/*
 * A connection of type driver->id with these settings (base_url may be
 * NULL) and a record holding api_key, sealed to a throwaway key pair; the
 * session made from them. NULL with *cause when dest_session_new() fails.
 */
static __attribute__((unused)) struct dest_session *
fake_session(const struct dest_driver *d, const char *base_url,
    const char *endpoint, const char *api_key, char **cause)
{
	unsigned char		 pk[crypto_box_PUBLICKEYBYTES];
	unsigned char		 sk[crypto_box_SECRETKEYBYTES];
	unsigned char		 store[SECRECORD_STOREBYTES];
	struct secrecord_recipient	 rcpt = { "alice", pk };
	struct connection	 conn;
	struct secrecord		*rec = NULL;
	struct secret		*key;
	struct dest_session	*s = NULL;
	char			*c = NULL;

	if (sodium_init() < 0)
		exit(99);
	crypto_box_keypair(pk, sk);
	randombytes_buf(store, sizeof store);
	if (secrecord_create(store, "c1", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, &rcpt, 1, &rec, &c) != SEC_OK) {
		printf("Bail out! secrecord_create: %s\n", c);
		exit(99);
	}
	if (api_key != NULL) {
		key = secret_from_bytes(api_key, strlen(api_key));
		if (secrecord_set(rec, "api_key", key, &c) != SEC_OK) {
			printf("Bail out! secrecord_set: %s\n", c);
			exit(99);
		}
		secret_free(&key);
	}
	memset(&conn, 0, sizeof conn);
	conn.id = (char *)"c1";
	conn.name = (char *)"test";
	conn.type = (char *)d->id;
	conn.settings = cJSON_CreateObject();
	if (endpoint != NULL)
		cJSON_AddStringToObject(conn.settings, "endpoint", endpoint);
	if (base_url != NULL)
		cJSON_AddStringToObject(conn.settings, "base_url", base_url);
	if (dest_session_new(d, &conn, rec, &s, cause) != 0)
		s = NULL;
	cJSON_Delete(conn.settings);
	secrecord_free(&rec);
	sodium_memzero(sk, sizeof sk);
	return s;
}

#endif
