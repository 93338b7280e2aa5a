/*
 * The Snapchat driver and the OAuth core: the tables, the authorization
 * address and what the administrator pastes back, the token grants, and
 * against the fake Snapchat (tests/fakes/fakedest.py) over loopback: the
 * credentials check, the audience lookup, and whole deliveries whose
 * access token expires or is revoked on the way. The fake's hash set must
 * end equal to the SHA-256 of the normalised valid emails, and no request
 * body may ever hold an '@'.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/xmalloc.h"
#include "data/rejects.h"
#include "dest/dest.h"
#include "fake.h"
#include "net/http.h"
#include "net/oauth.h"
#include "run/deliver.h"
#include "secrets/secrecord.h"
#include "secrets/secret.h"
#include "store/connection.h"
#include "tap.h"

#define REDIRECT	"http://127.0.0.1/callback"

static const struct dest_driver	*snap;

static struct http_engine *
engine(void)
{
	struct http_config	 cfg;
	struct http_engine	*e;
	char			*cause = NULL;

	http_config_defaults(&cfg);
	cfg.connect_timeout_ms = 2000;
	cfg.timeout_ms = 10000;
	cfg.max_attempts = 2;
	cfg.backoff_base_ms = 10;
	cfg.backoff_cap_ms = 20;
	e = http_new(&cfg, &cause);
	if (e == NULL) {
		printf("Bail out! %s\n", cause);
		exit(99);
	}
	return e;
}

/* A credential store in memory: the "saved" refresh token, and how often it
 * was. */
struct memkeep {
	struct dest_credstore	 k;
	struct secret		*cur;
	int			 calls, saves;
};

static int
memkeep_update(void *arg, const char *field, dest_credstore_fn *fn, void *fnarg,
    char **cause)
{
	struct memkeep	*m = arg;
	struct secret	*nv = NULL;

	m->calls++;
	if (strcmp(field, OAUTH_REFRESH_FIELD) != 0) {
		*cause = xstrdup("wrong field");
		return -1;
	}
	if (fn(m->cur, &nv, fnarg, cause) != 0)
		return -1;
	if (nv != NULL) {
		secret_free(&m->cur);
		m->cur = nv;
		m->saves++;
	}
	return 0;
}

static void
memkeep_init(struct memkeep *m, const struct secret *refresh)
{
	memset(m, 0, sizeof *m);
	m->k.update = memkeep_update;
	m->k.arg = m;
	m->cur = refresh != NULL ? secret_dup(refresh) : NULL;
}

/* A Snapchat session on the fake with this refresh token. */
static struct dest_session *
session(const char *base, const char *secret, const struct secret *refresh,
    struct memkeep *keep, char **cause)
{
	unsigned char		 pk[crypto_box_PUBLICKEYBYTES];
	unsigned char		 sk[crypto_box_SECRETKEYBYTES];
	unsigned char		 store[SECRECORD_STOREBYTES];
	struct secrecord_recipient	 rcpt = { "alice", pk };
	struct connection	 conn;
	struct secrecord		*rec = NULL;
	struct secret		*cs;
	struct dest_session	*s = NULL;
	char			*c = NULL, *api;

	crypto_box_keypair(pk, sk);
	randombytes_buf(store, sizeof store);
	if (secrecord_create(store, "c1", SECRECORD_POLICY_ADMINS,
	    SECRECORD_EXPORT_MANUAL, &rcpt, 1, &rec, &c) != SEC_OK)
		exit(99);
	cs = secret_from_bytes(secret, strlen(secret));
	if (secrecord_set(rec, "client_secret", cs, &c) != SEC_OK ||
	    (refresh != NULL && secrecord_set(rec, OAUTH_REFRESH_FIELD, refresh,
	    &c) != SEC_OK))
		exit(99);
	secret_free(&cs);
	memset(&conn, 0, sizeof conn);
	conn.id = (char *)"c1";
	conn.name = (char *)"Snap EU";
	conn.type = (char *)"snapchat";
	conn.settings = cJSON_CreateObject();
	api = xasprintf("%s/v1", base);
	cJSON_AddStringToObject(conn.settings, "base_url", api);
	cJSON_AddStringToObject(conn.settings, "auth_url", base);
	cJSON_AddStringToObject(conn.settings, "client_id", "snap-client");
	cJSON_AddStringToObject(conn.settings, "redirect_uri", REDIRECT);
	if (dest_session_new(snap, &conn, rec, &s, cause) != 0)
		s = NULL;
	if (s != NULL && keep != NULL)
		dest_session_credstore(s, &keep->k);
	free(api);
	cJSON_Delete(conn.settings);
	secrecord_free(&rec);
	sodium_memzero(sk, sizeof sk);
	return s;
}

static void
test_tables(void)
{
	const struct dest_field	*f;

	snap = dest_find("snapchat");
	ok(snap != NULL && dest_all()[2] == snap, "snapchat is registered "
	    "third");
	f = snap->conn_fields;
	ok(strcmp(f[0].key, "client_id") == 0 && !f[0].secret &&
	    strcmp(f[1].key, "client_secret") == 0 && f[1].secret &&
	    strcmp(f[2].key, "redirect_uri") == 0 && f[2].required,
	    "client ID, client secret (a secret) and redirect URI");
	ok(dest_slot_find(snap, DEST_SLOT_EMAIL)->required &&
	    dest_slot_find(snap, DEST_SLOT_CUSTOMER_ID) == NULL &&
	    dest_slot_find(snap, DEST_SLOT_PHONE) == NULL && !snap->attrs,
	    "the email only");
	ok(snap->limits.batch_max == 100000 && snap->limits.rate.limit == 10 &&
	    snap->limits.rate.window_ms == 1000, "100,000 identifiers a "
	    "request, 10 requests a second");
	is_str(snap->oauth_url, "https://accounts.snapchat.com",
	    "OAuth at accounts.snapchat.com");
	is_str(snap->oauth_scope, "snapchat-marketing-api", "scope");
	ok(snap->reauth != NULL && snap->limits.rate.headers == NULL,
	    "tokens are renewed; no rate-limit headers");
	ok(snap->oauth_secret != NULL &&
	    strcmp(snap->oauth_secret, f[1].key) == 0,
	    "the client secret is the OAuth secret");
	ok(dest_find("braze")->reauth == NULL &&
	    dest_find("braze")->oauth_url == NULL, "Braze has neither");
}

static void
test_target_check(void)
{
	char	*cause = NULL;

	ok(snap->target_check("5677923948298240", &cause) == 0,
	    "a numeric segment ID");
	ok(snap->target_check("../me", &cause) == -1, "a path is refused");
	like(cause, "not a Snapchat audience ID", "in words");
	xfree(&cause);
	ok(snap->target_check("", &cause) == -1, "empty is refused");
	xfree(&cause);
	ok(snap->target_check("1 2", &cause) == -1, "spaces are refused");
	xfree(&cause);
}

static struct oauth_app	 app0 = { "https://accounts.snapchat.com",
    "my client", NULL, "https://example.com/cb?x=1", "snapchat-marketing-api",
    "Snapchat" };

static void
test_authorize_url(void)
{
	char	*st1, *st2, *url;
	size_t	 i;

	st1 = oauth_state_new();
	st2 = oauth_state_new();
	is_int(strlen(st1), OAUTH_STATE_BYTES * 2, "a state is 32 characters");
	for (i = 0; st1[i] != '\0' && isxdigit((unsigned char)st1[i]); i++)
		;
	ok(st1[i] == '\0' && strcmp(st1, st2) != 0, "hex, and random");
	url = oauth_authorize_url(&app0, st1);
	like(url, "https://accounts.snapchat.com/login/oauth2/authorize?"
	    "response_type=code&client_id=my%20client&redirect_uri="
	    "https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1&scope="
	    "snapchat-marketing-api&state=", "the authorization address, "
	    "every value percent-encoded");
	like(url, st1, "with the state");
	free(url);
	free(st1);
	free(st2);
}

/* oauth_parse_reply on a string: the code, or NULL with *cause. */
static char *
parse(const char *text, const char *state, char **note, char **cause)
{
	struct secret	*code = NULL;
	char		*out;

	*cause = NULL;
	if (oauth_parse_reply(text, strlen(text), state, &code, note,
	    cause) != 0)
		return NULL;
	out = xstrndup((const char *)secret_peek(code), secret_len(code));
	secret_free(&code);
	return out;
}

static void
test_parse_reply(void)
{
	const char	*st = "0123456789abcdef0123456789abcdef";
	char		*c, *note = NULL, *cause = NULL, *u;

	c = parse("  abc.DEF-123_x~y \n", st, &note, &cause);
	is_str(c, "abc.DEF-123_x~y", "a bare code, surrounding spaces "
	    "ignored");
	ok(note == NULL, "with nothing to say");
	free(c);
	c = parse("abc.DEF\n-123 _x", st, &note, &cause);
	is_str(c, "abc.DEF-123_x", "a code pasted with spaces and a line "
	    "break: they are removed");
	like(note, "2 spaces or line breaks", "and the note says so");
	xfree(&note);
	free(c);
	u = xasprintf("  http://127.0.0.1/callback?foo=1&code=c%%2Fd%%3D&"
	    "utm_source=x&state=%s&scope=snapchat-marketing-api#frag \n", st);
	c = parse(u, st, &note, &cause);
	is_str(c, "c/d=", "a whole redirect address with extra parameters "
	    "and a fragment: the code, decoded");
	free(c);
	free(u);
	u = xasprintf("?code=xyz&state=%s", st);
	c = parse(u, st, NULL, &cause);
	is_str(c, "xyz", "the query string alone");
	free(c);
	free(u);
	c = parse("https://example.com/cb?code=xyz&state=fedcba9876543210"
	    "fedcba9876543210", st, NULL, &cause);
	ok(c == NULL, "another state is refused");
	like(cause, "not the one of this authorization", "in words");
	xfree(&cause);
	c = parse("https://example.com/cb?code=xyz", st, NULL, &cause);
	ok(c == NULL, "an address without state is refused");
	like(cause, "no state parameter", "in words");
	xfree(&cause);
	u = xasprintf("https://example.com/cb?error=access_denied&"
	    "error_description=The+user+denied&state=%s", st);
	c = parse(u, st, NULL, &cause);
	ok(c == NULL, "a refusal in the browser");
	like(cause, "access denied", "is reported");
	like(cause, "The user denied", "with its description");
	xfree(&cause);
	free(u);
	c = parse("https://example.com/cb?state=x", st, NULL, &cause);
	ok(c == NULL && strstr(cause, "no code") != NULL, "no code: in words");
	xfree(&cause);
	c = parse("https://example.com/cb?code=a%2&state=x", st, NULL, &cause);
	ok(c == NULL && strstr(cause, "broken") != NULL,
	    "a broken escape: in words");
	xfree(&cause);
	c = parse("https://example.com/cb?code=ab\ncd&state=x", st, NULL,
	    &cause);
	ok(c == NULL && strstr(cause, "one line") != NULL,
	    "an address broken over two lines: paste it on one line");
	xfree(&cause);
	c = parse(" \t\n", st, NULL, &cause);
	ok(c == NULL && strstr(cause, "Nothing was pasted") != NULL,
	    "nothing pasted: in words");
	xfree(&cause);
	c = parse("ab<script>", st, NULL, &cause);
	ok(c == NULL && strstr(cause, "never has") != NULL,
	    "characters a code never has");
	xfree(&cause);
}

/* An exchange of code at the fake; the status, *tok filled on OK. */
static enum oauth_status
exchange(const char *base, const char *secret, const char *code,
    struct oauth_tokens *tok, char **cause)
{
	struct http_engine	*e = engine();
	struct oauth_app	 app;
	struct secret		*cs, *c;
	enum oauth_status	 st;

	cs = secret_from_bytes(secret, strlen(secret));
	c = secret_from_bytes(code, strlen(code));
	app.auth_url = base;
	app.client_id = "snap-client";
	app.client_secret = cs;
	app.redirect_uri = REDIRECT;
	app.scope = "snapchat-marketing-api";
	app.label = "Snapchat";
	st = oauth_exchange(e, &app, c, tok, cause);
	secret_free(&cs);
	secret_free(&c);
	http_free(&e);
	return st;
}

static void
test_exchange(const char *base, struct secret **refresh)
{
	struct oauth_tokens	 tok;
	struct secret		*at = NULL;
	char			*cause = NULL;
	int64_t			 exp;
	long			 life;

	is_int(exchange(base, "snap-secret", "wrong-code", &tok, &cause),
	    OAUTH_REFUSED, "a wrong code is refused");
	like(cause, "refused the authorization code (invalid_grant",
	    "in words");
	xfree(&cause);
	is_int(exchange(base, "bad-secret", "code-1", &tok, &cause),
	    OAUTH_CLIENT, "a wrong client secret is refused");
	like(cause, "client ID or client secret", "in words");
	xfree(&cause);
	is_int(exchange(base, "snap-secret", "code-1", &tok, &cause), OAUTH_OK,
	    "the right code gives tokens");
	ok(tok.access != NULL && tok.refresh != NULL && tok.expires_in == 3,
	    "an access token, a refresh token, and their lifetime");
	ok(oauth_cache_get(tok.refresh, 0, &at, &exp, &life) == 0 &&
	    secret_equal(at, tok.access) && life == 3, "the access token is remembered "
	    "under its refresh token");
	secret_free(&at);
	*refresh = secret_dup(tok.refresh);
	oauth_tokens_clear(&tok);
	is_int(exchange(base, "snap-secret", "code-1", &tok, &cause),
	    OAUTH_REFUSED, "a code works once");
	xfree(&cause);
}

static void
test_checks(const char *base, const struct secret *refresh)
{
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct memkeep		 keep;
	struct dest_pick	*picks = NULL;
	size_t			 npicks = 0;
	char			*cause = NULL, *msg = NULL, *name = NULL;

	memkeep_init(&keep, refresh);
	s = session(base, "snap-secret", refresh, &keep, &cause);
	ok(s != NULL, "a session on the fake");
	is_int(snap->test(s, e, &msg), DEST_OK, "the credentials check");
	is_str(msg, "Snapchat accepted the authorization: signed in as Fake "
	    "Owner (owner@example.com).", "names who authorized");
	xfree(&msg);
	is_int(keep.calls, 0, "with the access token of the exchange: no "
	    "refresh");
	is_int(snap->verify_target(s, e, "111", &name, &msg), DEST_OK,
	    "an audience that exists");
	is_str(name, "Sams", "its name");
	is_str(msg, "Found the Snapchat audience \"Sams\" (ID 111): status "
	    "ACTIVE, about 7 users.", "its name, status and size");
	xfree(&msg);
	xfree(&name);
	is_int(snap->verify_target(s, e, "999", &name, &msg), DEST_NOT_FOUND,
	    "an audience that does not exist");
	like(msg, "audience 999 does not exist", "in words");
	xfree(&msg);
	is_int(snap->verify_target(s, e, "222", &name, &msg),
	    DEST_PERMISSION, "an audience of another ad account");
	like(msg, "Data Manager", "says which role is needed");
	xfree(&msg);
	is_int(snap->list_targets(s, e, &picks, &npicks, &msg), DEST_OK,
	    "the audiences the authorization can see are listed");
	is_int((int)npicks, 2, "those of its organization's ad accounts: "
	    "not 222, of another");
	if (npicks == 2) {
		is_str(picks[0].id, "111", "each with its ID");
		is_str(picks[0].name, "Sams", "its name");
		like(picks[0].detail, "about 7 users", "and its size");
		like(picks[0].detail, "ACTIVE", "and status");
		is_str(picks[1].id, "333", "an audience without a name too");
	}
	dest_picks_free(&picks, &npicks);
	ok(picks == NULL && npicks == 0, "freed");

	/* Access tokens die: the check renews once and goes on. */
	fake_config("snap", "{\"revoke_tokens\": \"access\"}");
	is_int(snap->test(s, e, &msg), DEST_OK, "a revoked access token is "
	    "renewed on the 401");
	xfree(&msg);
	ok(keep.calls == 1 && keep.saves == 1, "once, through the credential store, "
	    "which saved the rotated refresh token");
	ok(!secret_equal(keep.cur, refresh), "a new one");
	dest_session_free(&s);

	/* Revoked: re-authorize, in words. */
	fake_config("snap", "{\"revoke_tokens\": \"all\"}");
	s = session(base, "snap-secret", keep.cur, &keep, &cause);
	is_int(snap->test(s, e, &msg), DEST_AUTH, "a revoked refresh token "
	    "is a credentials failure");
	like(msg, "re-authorize connection \"Snap EU\"", "which says to "
	    "re-authorize the connection, by name");
	like(msg, "'segsync connection authorize \"Snap EU\"'", "and how, "
	    "the name quoted as the shell needs it");
	xfree(&msg);
	dest_session_free(&s);

	/* Without a credential store a rotating token cannot be renewed safely.
	 */
	s = session(base, "snap-secret", keep.cur, NULL, &cause);
	is_int(snap->test(s, e, &msg), DEST_OTHER, "no credential store: no renewal");
	like(msg, "no place to save", "in words");
	xfree(&msg);
	dest_session_free(&s);
	secret_free(&keep.cur);
	http_free(&e);
}

/* A shell command's output, whatever its exit status; malloc'd. */
static char *
fake_run_any(const char *cmd)
{
	FILE	*f;
	char	*out;
	size_t	 n;

	out = xcalloc(1, 4096);
	f = popen(cmd, "r");
	if (f == NULL)
		return out;
	n = fread(out, 1, 4095, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

/* A segment of emails; returns the path (malloc'd). */
static char *
write_segment(const char *name, unsigned n)
{
	FILE		*f;
	char		*path;
	unsigned	 i;

	path = xasprintf("%s/%s.csv", tap_tmpdir(), name);
	f = fopen(path, "w");
	fprintf(f, "email,name\n");
	for (i = 0; i < n; i++) {
		/* Mixed case and spaces: normalised before hashing. */
		if (i % 5 == 0)
			fprintf(f, "  User%u@Example.COM ,U%u\n", i, i);
		else
			fprintf(f, "user%u@example.com,U%u\n", i, i);
	}
	fprintf(f, "not-an-email,X\n,Y\nUSER1@example.com,dup\n");
	fclose(f);
	return path;
}

/* Whether the fake's hash set is exactly SHA-256("user<i>@example.com"). */
static int
hash_set_ok(const char *seg, unsigned n)
{
	cJSON		*st, *set, *h;
	unsigned char	 d[crypto_hash_sha256_BYTES];
	char		 hex[2 * sizeof d + 1], email[64], *seen;
	unsigned	 i, found = 0;
	int		 good = 1;

	st = fake_json("snap", "state");
	set = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(st, "segments"), seg), "users"),
	    "EMAIL_SHA256");
	seen = xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		snprintf(email, sizeof email, "user%u@example.com", i);
		crypto_hash_sha256(d, (unsigned char *)email, strlen(email));
		sodium_bin2hex(hex, sizeof hex, d, sizeof d);
		cJSON_ArrayForEach(h, set) {
			if (strcmp(h->valuestring, hex) == 0) {
				seen[i] = 1;
				found++;
				break;
			}
		}
	}
	if (found != n || cJSON_GetArraySize(set) != (int)n)
		good = 0;
	if (!good)
		diag("hashes at the fake: %d, expected %u, found %u",
		    cJSON_GetArraySize(set), n, found);
	free(seen);
	cJSON_Delete(st);
	return good;
}

static int
deliver_file(const char *base, const char *target, const char *path,
    const struct secret *rt,
    struct memkeep *keep, unsigned batch, struct deliver_stats *stats,
    char **cause)
{
	struct dest_session	*s;
	struct http_config	 hc;
	struct http_engine	*e;
	struct deliver_segment	 seg;
	struct deliver_mapping	 mp;
	struct deliver_config	 cfg;
	int			 rv;

	s = session(base, "snap-secret", rt, keep, cause);
	if (s == NULL || dest_session_set_batch(s, batch, cause) != 0)
		return -1;
	http_config_defaults(&hc);
	hc.max_transfers = snap->limits.concurrency;
	hc.backoff_base_ms = 10;
	hc.backoff_cap_ms = 50;
	e = http_new(&hc, cause);
	seg.name = "VIP";
	seg.path = path;
	memset(&mp, 0, sizeof mp);
	mp.fields[DEST_SLOT_EMAIL] = "email";
	memset(&cfg, 0, sizeof cfg);
	cfg.session = s;
	cfg.engine = e;
	cfg.target = target;
	cfg.segments = &seg;
	cfg.nsegments = 1;
	cfg.mapping = &mp;
	rv = deliver_run(&cfg, stats, cause);
	http_free(&e);
	dest_session_free(&s);
	return rv;
}

/* The body of the fake's last request of method on path. */
static char *
last_body(const char *method, const char *path)
{
	cJSON		*log, *r;
	const cJSON	*m, *p, *n;
	char		*dir, *file, *out;
	int		 last = 0;

	log = fake_json("snap", "requests");
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(log, "requests")) {
		m = cJSON_GetObjectItem(r, "method");
		p = cJSON_GetObjectItem(r, "path");
		n = cJSON_GetObjectItem(r, "n");
		if (cJSON_IsString(m) && strcmp(m->valuestring, method) == 0 &&
		    cJSON_IsString(p) && strcmp(p->valuestring, path) == 0)
			last = n->valueint;
	}
	cJSON_Delete(log);
	if (last == 0)
		return xstrdup("");
	dir = fake_dir("snap");
	file = xasprintf("cat %s/bodies/%07d.body", dir, last);
	out = fake_run_any(file);
	free(file);
	free(dir);
	return out;
}

struct removed {
	struct dest_session	*s;
	size_t			 n;
	long			 status;
	enum dest_verdict	 v;
	struct dest_result	 res[2];
	char			*msg;
};

static void
removed_done(const struct http_response *resp, void *arg)
{
	struct removed	*t = arg;

	t->status = resp->status;
	t->v = snap->decode_remove(t->s, resp, NULL, t->n, t->res, &t->msg);
}

/* decode_remove() of a made-up answer. */
static enum dest_verdict
decode_remove(struct dest_session *s, long status, const char *body,
    char **msg)
{
	struct http_response	resp;
	struct dest_result	res[2];

	memset(&resp, 0, sizeof resp);
	memset(res, 0, sizeof res);
	resp.outcome = HTTP_DONE;
	resp.status = status;
	resp.body = body;
	resp.body_len = strlen(body);
	*msg = NULL;
	return snap->decode_remove(s, &resp, NULL, 2, res, msg);
}

/*
 * After a delivery of 300 to audience 111: two of them removed by DELETE
 * with the add's body and the audience id, hashes only; then what
 * decode_remove() says of other answers.
 */
static void
test_remove(const char *base, struct memkeep *keep)
{
	struct dest_profile	 p[2];
	struct dest_session	*s;
	struct http_engine	*e = engine();
	struct http_request	*req = NULL;
	struct removed		 t;
	unsigned char		 d[crypto_hash_sha256_BYTES];
	char			 hex[2][2 * sizeof d + 1];
	char			*cause = NULL, *msg = NULL, *body, *want;
	int			 i;

	memset(p, 0, sizeof p);
	p[0].email = "user0@example.com";
	p[1].email = "user1@example.com";
	for (i = 0; i < 2; i++) {
		crypto_hash_sha256(d, (const unsigned char *)p[i].email,
		    strlen(p[i].email));
		sodium_bin2hex(hex[i], sizeof hex[i], d, sizeof d);
	}
	s = session(base, "snap-secret", keep->cur, keep, &cause);
	ok(s != NULL && snap->encode_remove(s, "111", p, 2, &req, &cause) ==
	    0 && req != NULL, "two removals encode");
	memset(&t, 0, sizeof t);
	t.s = s;
	t.n = 2;
	http_request_callback(req, removed_done, &t);
	ok(http_submit(e, req, &cause) == 0 && http_drain(e, &cause) == 0,
	    "sent to the fake");
	ok(t.status == 200 && t.v == DEST_BATCH_DONE && !t.res[0].rejected &&
	    !t.res[1].rejected && t.msg == NULL, "200 SUCCESS: both removed");
	free(t.msg);
	body = last_body("DELETE", "/v1/segments/111/users");
	want = xasprintf("{\"users\":[{\"id\":\"111\",\"schema\":"
	    "[\"EMAIL_SHA256\"],\"data\":[[\"%s\"],[\"%s\"]]}]}", hex[0],
	    hex[1]);
	is_str(body, want, "a DELETE with the exact body: the audience id and "
	    "the hashes");
	free(want);
	free(body);
	ok(!hash_set_ok("111", 300), "the audience no longer holds the 300");
	ok(fake_number("snap", "state.counts.identifiers_removed") == 2,
	    "the fake removed two identifiers");
	ok(snap->encode_remove(s, "111", p, 0, &req, &cause) == -1 &&
	    req == NULL, "an empty removal is refused");
	xfree(&cause);
	ok(snap->encode_remove(s, "1/1", p, 1, &req, &cause) == -1 &&
	    req == NULL, "a bad audience ID is refused");
	xfree(&cause);

	is_int(decode_remove(s, 200, "{\"request_status\":\"SUCCESS\","
	    "\"users\":[{\"sub_request_status\":\"ERROR\"}]}", &msg),
	    DEST_BATCH_RETRY, "a part not SUCCESS: sent again later");
	like(msg, "did not confirm the removal", "in words");
	xfree(&msg);
	is_int(decode_remove(s, 401, "unauthorized", &msg),
	    DEST_BATCH_REAUTH, "401: renew the token, then again");
	xfree(&msg);
	is_int(decode_remove(s, 429, "", &msg), DEST_BATCH_RETRY,
	    "429: later");
	xfree(&msg);
	is_int(decode_remove(s, 403, "{\"request_status\":\"ERROR\","
	    "\"debug_message\":\"Caller does not have permission\","
	    "\"error_code\":\"E3002\"}", &msg), DEST_BATCH_FATAL,
	    "403: fatal");
	like(msg, "refused the removal (403, E3002): Caller does not have "
	    "permission", "saying it was a removal");
	xfree(&msg);
	is_int(decode_remove(s, 404, "{}", &msg), DEST_BATCH_FATAL,
	    "404: the audience is gone");
	xfree(&msg);
	dest_session_free(&s);
	http_free(&e);
}

static void
test_delivery(const char *base)
{
	struct deliver_stats	 st;
	struct memkeep		 keep;
	struct oauth_tokens	 tok;
	char			*cause = NULL, *path, *bdir, *cmd, *out, *ctl;
	double			 r0, refreshes;
	int			 rv;

	ok(exchange(base, "snap-secret", "code-2", &tok, &cause) == OAUTH_OK,
	    "a new authorization");
	memkeep_init(&keep, tok.refresh);
	oauth_tokens_clear(&tok);
	/* 300 profiles, 10 a request, 10 requests a second: 3 s. */
	path = write_segment("VIP", 300);
	r0 = fake_number("snap", "state.counts.refreshes");
	rv = deliver_file(base, "111", path, keep.cur, &keep, 10, &st, &cause);
	ok(rv == 0, "a delivery of 3 seconds with 3-second tokens%s%s",
	    cause != NULL ? ": " : "", cause != NULL ? cause : "");
	xfree(&cause);
	ok(st.total.read == 303 && st.total.rejected == 2 &&
	    st.total.duplicates == 1 && st.total.accepted == 300,
	    "300 accepted, 2 invalid, 1 duplicate (by normalised email)");
	deliver_stats_free(&st);
	ok(hash_set_ok("111", 300), "the fake holds exactly the SHA-256 of "
	    "the 300 normalised valid emails");
	refreshes = fake_number("snap", "state.counts.refreshes") - r0;
	ok(refreshes >= 1 && keep.saves == (int)refreshes,
	    "the token was renewed on the way (%.0f times), each rotated "
	    "refresh token saved", refreshes);
	is_int(fake_number("snap", "stats.over_limit"), 0,
	    "no request over the fake's 10 a second");
	is_int(fake_number("snap", "state.counts.bodies_with_at"), 0,
	    "no body with an '@' reached the fake");
	/* The bodies themselves: hashes only, never an email. */
	bdir = fake_dir("snap");
	cmd = xasprintf("cat %s/bodies/* | grep -c -e '@' -e 'example' "
	    "; ls %s/bodies | wc -l", bdir, bdir);
	out = fake_run_any(cmd);
	ok(strncmp(out, "0\n", 2) == 0 && atoi(out + 2) >= 30,
	    "no recorded body holds '@' or a domain (%d bodies)",
	    atoi(out + 2));
	free(out);
	free(cmd);
	test_remove(base, &keep);

	/* Every access token dies a second in: 401, renew, go on. */
	r0 = fake_number("snap", "state.counts.refreshes");
	ctl = fake_ctl();
	cmd = xasprintf("(sleep 1; %s config %s '{\"revoke_tokens\": "
	    "\"access\"}' >/dev/null) &", ctl, bdir);
	free(ctl);
	if (system(cmd) != 0)
		diag("could not start the revocation");
	free(cmd);
	rv = deliver_file(base, "333", path, keep.cur, &keep, 10, &st, &cause);
	ok(rv == 0, "a delivery whose access token is revoked on the way%s%s",
	    cause != NULL ? ": " : "", cause != NULL ? cause : "");
	xfree(&cause);
	ok(st.total.accepted == 300 && st.retries >= 1,
	    "every profile accepted, the refused batch sent again");
	deliver_stats_free(&st);
	ok(hash_set_ok("333", 300), "and the hash set is complete");
	ok(fake_number("snap", "state.counts.refreshes") - r0 >= 1,
	    "after a renewal on the 401");
	free(bdir);

	/* Revoked refresh token: the delivery stops, saying what to do. */
	fake_config("snap", "{\"revoke_tokens\": \"all\"}");
	rv = deliver_file(base, "111", path, keep.cur, &keep, 25, &st, &cause);
	ok(rv == -1, "a revoked authorization stops the delivery");
	like(cause, "re-authorize connection \"Snap EU\"", "saying to "
	    "re-authorize the connection");
	xfree(&cause);
	deliver_stats_free(&st);
	secret_free(&keep.cur);
	free(path);
}

int
main(void)
{
	struct secret	*refresh = NULL;
	char		*base;

	plan_lazy();
	if (sodium_init() < 0)
		return 99;
	test_tables();
	test_target_check();
	test_authorize_url();
	test_parse_reply();
	base = fake_start("snap", "--dest snapchat --record-bodies "
	    "--expires-in 3 --set 'snapchat.codes=[\"code-1\",\"code-2\"]' "
	    "--set 'snapchat.segments=[{\"id\":\"111\",\"name\":\"Sams\","
	    "\"approximate_number_users\":7},{\"id\":\"222\","
	    "\"ad_account_id\":\"other\"},{\"id\":\"333\"}]'");
	test_exchange(base, &refresh);
	test_checks(base, refresh);
	test_delivery(base);
	secret_free(&refresh);
	oauth_cache_clear();
	free(base);
	return done_testing();
}
