#!/usr/bin/env python3
"""TAP test of the fake destination servers (tests/fakes/fakedest.py).

Starts each fake on loopback and checks auth, validation, response shapes,
rate limiting, OAuth, import processes, fault injection and final state
with http.client / urllib.  Prints TAP; exits non-zero on any failure.
"""

import hashlib
import http.client
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakectl  # noqa: E402

N = 0
FAILED = 0
TMP = tempfile.mkdtemp(prefix="fakes-test.")
RUNNING = []


def ok(cond, desc, diag=None):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, desc))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, desc))
        if diag is not None:
            for line in str(diag).splitlines()[:20]:
                print("# " + line)
    sys.stdout.flush()
    return cond


def is_(got, want, desc):
    return ok(got == want, desc, "got  %r\nwant %r" % (got, want))


class Fake:
    count = 0

    def __init__(self, dest, *args, config=None):
        Fake.count += 1
        self.dir = os.path.join(TMP, "%s-%d" % (dest, Fake.count))
        os.makedirs(self.dir)
        extra = list(args)
        if config is not None:
            path = os.path.join(self.dir, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            extra += ["--config", path]
        self.pid, self.port = fakectl.start(
            self.dir, ["--dest", dest, "--exit-after", "120"] + extra)
        RUNNING.append(self)
        self.conn = None

    def request(self, method, path, body=None, headers=None, fresh=False,
                raw=False):
        """Returns (status, headers dict lower-cased, parsed body)."""
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        if fresh or self.conn is None:
            if self.conn is not None:
                self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=30)
        try:
            self.conn.request(method, path, body, h)
            r = self.conn.getresponse()
            data = r.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if raw:
            return r.status, hdrs, data
        try:
            parsed = json.loads(data.decode()) if data else None
        except ValueError:
            parsed = data
        return r.status, hdrs, parsed

    def ctl(self, path, data=None):
        return fakectl.call(self.dir, "POST" if data is not None else "GET",
                            path, data)

    def stop(self):
        if self.conn:
            self.conn.close()
        rc = fakectl.stop(self.dir)
        RUNNING.remove(self)
        return rc


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


# ---------------------------------------------------------------------------

def test_braze():
    cfg = {"braze": {
        "keys": {"k-all": {"permissions": ["users.track", "segments.list"]},
                 "k-track": {"permissions": ["users.track"]},
                 "k-other": {"permissions": ["users.track"],
                             "instance": "rest.iad-02.braze.com"},
                 "k-rev": {"permissions": ["users.track"],
                           "revoke_after": 2}},
        "segments": [{"id": "seg-%03d" % i, "name": "Segment %d" % i}
                     for i in range(250)] +
                    [{"id": "archived", "name": "Old", "archived": True}]}}
    f = Fake("braze", "--rate-scale", "0.01", config=cfg)
    A = {"Authorization": "Bearer k-all"}

    def track(body, key="k-all", **kw):
        return f.request("POST", "/users/track", body,
                         {"Authorization": "Bearer " + key}, **kw)

    # auth
    st, h, b = f.request("POST", "/users/track", {"attributes": []})
    is_((st, b), (401, {"message": "Invalid API key"}),
        "braze: no Authorization -> 401")
    st, h, b = track({"attributes": [{"external_id": "x"}]}, key="nope")
    is_(st, 401, "braze: unknown key -> 401")
    st, h, b = track({"attributes": [{"external_id": "x"}]},
                     key='"k-all"')
    ok(st == 401 and "quotes" in b["message"],
       "braze: quoted key -> 401 with the quotes message", b)
    st, h, b = f.request("GET", "/segments/list",
                         headers={"Authorization": "Bearer k-track"})
    is_((st, b), (403, {"message": "Access Denied"}),
        "braze: key without segments.list -> 403 Access Denied")
    st, h, b = track({"attributes": [{"external_id": "x"}]}, key="k-other")
    ok(st == 401 and "instance" in h.get("x-fake-reason", ""),
       "braze: key of another instance -> 401", h)
    st, h, b = f.request("POST", "/users/track",
                         {"attributes": [{"external_id": "x"}]},
                         {"Authorization": "Bearer k-other",
                          "Host": "rest.iad-02.braze.com"})
    is_(st, 201, "braze: same key on its own instance (Host) -> 201")
    sts = [track({"attributes": [{"external_id": "r"}]}, key="k-rev")[0]
           for _ in range(4)]
    is_(sts, [201, 201, 401, 401], "braze: key revoked after 2 requests")
    st, h, b = f.request("GET", "/nope", headers=A)
    is_(st, 404, "braze: unknown path -> 404")

    # validation and shapes
    st, h, b = track({"attributes": [{"external_id": "u1", "email":
                                      "u1@example.com", "segs": ["a"]},
                                     {"first_name": "no id"},
                                     {"email": "not-an-email"}]})
    ok(st == 201 and b["message"] == "success" and
       b["attributes_processed"] == 1, "braze: partial success -> 201 "
       "with attributes_processed", b)
    is_([(e["input_array"], e["index"]) for e in b.get("errors", [])],
        [("attributes", 1), ("attributes", 2)],
        "braze: errors[] name input_array and index of the bad items")
    ok(all(isinstance(e.get("type"), str) for e in b.get("errors", [])),
       "braze: each errors[] item has a type string")
    st, h, b = track({"attributes": [{"first_name": "x"}]})
    ok(st == 400 and b["message"].startswith("Valid data must be provided")
       and b["errors"][0]["index"] == 0,
       "braze: no valid item -> 400 'Valid data must be provided'", b)
    st, h, b = track({"attributes": []})
    is_(st, 400, "braze: empty attributes -> 400")
    st, h, b = track({"attributes": [{"external_id": "u%d" % i}
                                     for i in range(76)]})
    ok(st == 400 and b["message"] == "Max Input Length Exceeded",
       "braze: 76 attribute objects -> 400 Max Input Length Exceeded", b)
    st, h, b = track({"attributes": [{"external_id": "u%d" % i}
                                     for i in range(75)]})
    ok(st == 201 and b["attributes_processed"] == 75,
       "braze: 75 attribute objects accepted", b)
    st, h, b = track({"attributes": [{"external_id": "big",
                                      "pad": "x" * 200}] * 20000})
    is_(st, 413, "braze: body over 4 MB -> 413")
    st, h, b = f.request("POST", "/users/track", "{not json",
                         {"Authorization": "Bearer k-all",
                          "Content-Type": "application/json"})
    is_(st, 400, "braze: malformed JSON -> 400")
    st, h, b = track({"attributes": [{"external_id": "u1",
                                      "x": "y" * 256}]})
    ok(st == 400 and "255" in b["errors"][0]["type"],
       "braze: string over 255 characters -> item error", b)

    # merge: last write wins, null removes, email-only users
    track({"attributes": [{"external_id": "m1", "email": "m1@example.com",
                           "a": 1, "b": "keep", "tags": ["x", "y", "x"]}]})
    track({"attributes": [{"external_id": "m1", "a": 2, "b": None,
                           "n": {"inc": 3}}]})
    track({"attributes": [{"email": "Solo@Example.com", "seg": True}]})
    track({"attributes": [{"email": "m1@example.com", "via_email": 1}]})
    state = f.ctl("/__fake/state")
    u = state["users"].get("external_id:m1", {})
    is_(u.get("attributes"), {"email": "m1@example.com", "a": 2,
                              "tags": ["x", "y"], "n": 3, "via_email": 1},
        "braze: merged attributes (last write wins, null removes, inc, "
        "email update reaches the external_id profile)")
    ok("email:solo@example.com" in state["users"],
       "braze: email-only profile keyed by email", list(state["users"]))

    # segments list paging
    pages = []
    for p in range(4):
        st, h, b = f.request("GET", "/segments/list?page=%d" % p,
                             headers=A)
        pages.append(len(b["segments"]))
    is_(pages, [100, 100, 50, 0], "braze: /segments/list pages of 100, "
        "archived left out")
    st, h, b = f.request("GET", "/segments/list?page=0&sort_direction=desc",
                         headers=A)
    is_(b["segments"][0], {"id": "seg-249", "name": "Segment 249",
                           "analytics_tracking_enabled": False, "tags": []},
        "braze: sort_direction=desc, segment object shape")
    st, h, b = f.request("GET", "/segments/list?page=x", headers=A)
    is_(st, 400, "braze: bad page -> 400")

    # rate limit: 30 per 3 s at --rate-scale 0.01
    f.ctl("/__fake/reset", {})
    sts, hdrs = [], []
    for i in range(70):
        st, h, b = track({"attributes": [{"external_id": "rl"}]})
        sts.append(st)
        hdrs.append(h)
    n429 = sts.count(429)
    ok(n429 >= 10 and set(sts) <= {201, 429},
       "braze: burst of 70 at 30/3s -> some 429s (%d)" % n429)
    h429 = hdrs[sts.index(429)]
    t = time.time()
    ok(h429.get("x-ratelimit-limit") == "30" and
       h429.get("x-ratelimit-remaining") == "0" and
       t - 1 <= int(h429.get("x-ratelimit-reset")) <= t + 4,
       "braze: 429 carries X-RateLimit-* (limit 30, remaining 0, reset "
       "epoch within the window)", h429)
    rem = [int(h["x-ratelimit-remaining"]) for h, s in zip(hdrs, sts)
           if s == 201][:5]
    ok(all(a > b for a, b in zip(rem, rem[1:])) or len(rem) < 2,
       "braze: X-RateLimit-Remaining counts down", rem)
    stats = f.ctl("/__fake/stats")
    ok(stats["over_limit"] == n429 and stats["rate_limited"] == n429,
       "braze: over-limit arrivals and 429s counted", stats)
    is_(stats["by_endpoint"]["POST /users/track"].get("429"), n429,
        "braze: stats by endpoint and status")
    f.ctl("/__fake/config", {"rate_enforce": False})
    f.ctl("/__fake/reset", {})
    sts = [track({"attributes": [{"external_id": "rl"}]})[0]
           for _ in range(70)]
    stats = f.ctl("/__fake/stats")
    ok(set(sts) == {201} and stats["over_limit"] >= 10,
       "braze: rate_enforce false -> answered, over_limit still counted "
       "(%d)" % stats["over_limit"])
    f.stop()
    final = json.load(open(os.path.join(f.dir, "final-state.json")))
    ok("state" in final and "stats" in final and
       final["stats"]["requests_total"] == 70,
       "braze: final state dumped on SIGTERM")

    # strict mode: 50 combined
    f = Fake("braze", "--strict",
             config={"braze": {"keys": {"k": {"permissions":
                                              ["users.track"]}}}})
    ev = [{"external_id": "e", "name": "n", "time": "2024-01-01"}] * 21
    st, h, b = f.request("POST", "/users/track",
                         {"attributes": [{"external_id": "a"}] * 30,
                          "events": ev}, {"Authorization": "Bearer k"})
    is_(st, 400, "braze --strict: 30 attributes + 21 events -> 400")
    st, h, b = f.request("POST", "/users/track",
                         {"attributes": [{"external_id": "a"}] * 50},
                         {"Authorization": "Bearer k"})
    is_(st, 201, "braze --strict: 50 attributes -> 201")
    f.stop()


def test_brevo():
    cfg = {"brevo": {"keys": {"bk": {}, "bk-rev": {"revoke_after": 1}},
                     "account": {"email": "acme@example.com",
                                 "companyName": "Acme"},
                     "lists": [{"id": i, "name": "L%d" % i, "size": 10}
                               for i in range(1, 61)],
                     "process": {"fail": [3]}},
           "rate_limits": {"brevo_contacts": [{"limit": 40, "window": 5}],
                           "brevo_other": [{"limit": 30, "window": 60}]}}
    f = Fake("brevo", config=cfg)
    K = {"api-key": "bk"}

    st, h, b = f.request("GET", "/v3/account")
    is_((st, b), (401, {"message": "authentication not found in headers",
                        "code": "unauthorized"}),
        "brevo: missing api-key -> 401 body")
    ok("x-sib-ratelimit-limit" in h, "brevo: rate headers on a 401 too", h)
    st, h, b = f.request("GET", "/v3/account", headers={"api-key": "bad"})
    is_((st, b), (401, {"message": "Key not found", "code": "unauthorized"}),
        "brevo: wrong api-key -> 401 Key not found")
    sts = [f.request("GET", "/v3/account", headers={"api-key": "bk-rev"})[0]
           for _ in range(2)]
    is_(sts, [200, 401], "brevo: key revoked after 1 request")
    st, h, b = f.request("GET", "/v3/account", headers=K)
    ok(st == 200 and b["email"] == "acme@example.com" and
       b["companyName"] == "Acme" and "plan" in b,
       "brevo: GET /account -> 200 with the configured account", b)
    ok(h.get("x-sib-ratelimit-limit") == "30" and
       0 <= int(h.get("x-sib-ratelimit-reset")) <= 60,
       "brevo: x-sib-ratelimit-* with a relative reset", h)

    st, h, b = f.request("GET", "/v3/contacts/lists?limit=51", headers=K)
    ok(st == 400 and b["code"] == "out_of_range",
       "brevo: lists limit 51 -> 400 out_of_range", b)
    st, h, b = f.request("GET", "/v3/contacts/lists?limit=50&offset=50&"
                         "sort=asc", headers=K)
    ok(st == 200 and b["count"] == 60 and len(b["lists"]) == 10 and
       b["lists"][0]["id"] == 51 and set(b["lists"][0]) >=
       {"id", "name", "totalBlacklisted", "totalSubscribers",
        "uniqueSubscribers", "folderId"},
       "brevo: lists paging and item shape", b)
    st, h, b = f.request("GET", "/v3/contacts/lists/999", headers=K)
    is_((st, b.get("code")), (404, "document_not_found"),
        "brevo: unknown list -> 404")
    st, h, b = f.request("GET", "/v3/contacts/folders?limit=51", headers=K)
    ok(st == 400 and b["code"] == "out_of_range",
       "brevo: folders limit 51 -> 400 out_of_range", b)
    st, h, b = f.request("GET", "/v3/contacts/folders?limit=50", headers=K)
    ok(st == 200 and b["count"] == 1 and b["folders"][0]["id"] == 1 and
       set(b["folders"][0]) >= {"id", "name", "totalSubscribers"},
       "brevo: folders, the default one, with the lists' envelope", b)

    def imp(body):
        return f.request("POST", "/v3/contacts/import", body, K)
    item = {"email": "a@example.com", "attributes": {"FIRSTNAME": "A"}}
    st, h, b = imp({"listIds": [1]})
    is_(st, 400, "brevo import: no data source -> 400")
    st, h, b = imp({"jsonBody": [item], "fileBody": "EMAIL\nx@y.z",
                    "listIds": [1]})
    is_(st, 400, "brevo import: two data sources -> 400")
    st, h, b = imp({"jsonBody": [item]})
    is_(st, 400, "brevo import: neither listIds nor newList -> 400")
    st, h, b = imp({"jsonBody": [item], "listIds": [999]})
    is_(st, 400, "brevo import: unknown list id -> 400")
    st, h, b = imp({"jsonBody": [{"email": "p%07d@example.com" % i,
                                  "attributes": {"FIRSTNAME": "x" * 40}}
                                 for i in range(130000)], "listIds": [1]})
    ok(st == 400 and "10MB" in b["message"],
       "brevo import: body over 10 MB -> 400", b)
    st, h, b = imp({"jsonBody": [
        {"email": "A@Example.com", "attributes": {
            "FIRSTNAME": "Ann", "SMS": "+33612345678", "lower": "x"}},
        {"email": "b@example.com", "attributes": {"SMS": "12",
                                                  "LASTNAME": ""}},
        {"email": "broken"}], "listIds": [1, 2]})
    ok(st == 202 and isinstance(b.get("processId"), int),
       "brevo import: valid -> 202 {processId}", b)
    pid = b["processId"]
    seq = []
    for _ in range(4):
        st, h, b = f.request("GET", "/v3/processes/%d" % pid, headers=K)
        seq.append(b["status"])
    is_(seq, ["queued", "in_process", "completed", "completed"],
        "brevo: process queued -> in_process -> completed")
    ok(b["name"] == "IMPORTUSER" and b["id"] == pid and
       b["info"]["import"]["invalid_emails"],
       "brevo: completed process shape with an invalid_emails report", b)
    st, h, b = f.request("GET", "/v3/processes/777", headers=K)
    is_((st, b), (404, {"code": "invalid_parameter",
                        "message": "processId is invalid"}),
        "brevo: unknown process -> 404 body")
    st, h, b = imp({"fileBody": "EMAIL;FIRSTNAME\nc@example.com;Cy",
                    "newList": {"listName": "Fresh", "folderId": 1}})
    pid2 = b["processId"]
    st, h, b = imp({"jsonBody": [{"email": "z@example.com"}],
                    "listIds": [1]})
    pid3 = b["processId"]
    for _ in range(3):
        f.request("GET", "/v3/processes/%d" % pid2, headers=K)
        st, h, b = f.request("GET", "/v3/processes/%d" % pid3, headers=K)
    is_(b["status"], "failed", "brevo: configured import (3rd) fails")
    state = f.ctl("/__fake/state")
    is_(state["contacts"].get("a@example.com"),
        {"attributes": {"FIRSTNAME": "Ann", "SMS": "+33612345678"},
         "listIds": [1, 2], "imports": 1},
        "brevo state: contact with known attributes and lists")
    is_(state["contacts"].get("b@example.com", {}).get("attributes"), {},
        "brevo state: invalid SMS and empty value left out")
    ok("z@example.com" not in state["contacts"] and
       state["contacts"].get("c@example.com", {}).get("listIds") == [61],
       "brevo state: failed import not applied; newList created", state)
    is_(state["ignored_attribute_names"], ["lower"],
        "brevo state: unknown attributes ignored and reported")

    # rate limit: contacts 40/5s
    f.ctl("/__fake/reset", {})
    sts, hs = [], []
    for _ in range(90):
        st, h, b = f.request("GET", "/v3/contacts/lists", headers=K)
        sts.append(st)
        hs.append(h)
    n429 = sts.count(429)
    ok(n429 >= 10, "brevo: burst of 90 at 40/5s -> 429s (%d)" % n429)
    h = hs[sts.index(429)]
    ok(h.get("x-sib-ratelimit-remaining") == "0" and
       h.get("x-sib-ratelimit-limit") == "40" and
       0 <= int(h.get("x-sib-ratelimit-reset")) <= 5,
       "brevo: 429 headers (remaining 0, relative reset <= 5 s)", h)
    stats = f.ctl("/__fake/stats")
    is_(stats["over_limit"], n429, "brevo: over-limit arrivals counted")
    f.stop()


def test_snapchat():
    cfg = {"snapchat": {"codes": ["c1", "c2"], "expires_in": 1,
                        "max_identifiers": 10,
                        "segments": [{"id": "111", "name": "Sams",
                                      "approximate_number_users": 5}]},
           "rate_limits": {"snapchat_token": [{"limit": 15, "window": 5}],
                           "snapchat_app": [{"limit": 1000, "window": 1}]}}
    f = Fake("snapchat", config=cfg)
    TOK = "/login/oauth2/access_token"
    FORM = {"Content-Type": "application/x-www-form-urlencoded"}

    def token(**fields):
        base = {"client_id": "snap-client", "client_secret": "snap-secret"}
        base.update(fields)
        return f.request("POST", TOK, urllib.parse.urlencode(base), FORM)
    ru = "http://127.0.0.1/callback"
    st, h, b = token(grant_type="authorization_code", code="c1",
                     redirect_uri=ru, client_secret="wrong")
    is_((st, b.get("error")), (401, "invalid_client"),
        "snap oauth: wrong client secret -> invalid_client")
    st, h, b = token(grant_type="authorization_code", code="nope",
                     redirect_uri=ru)
    is_((st, b.get("error")), (400, "invalid_grant"),
        "snap oauth: wrong code -> invalid_grant")
    st, h, b = f.request("POST", TOK, json.dumps(
        {"grant_type": "authorization_code", "code": "c1"}),
        {"Content-Type": "application/json"})
    is_(st, 400, "snap oauth: JSON body instead of a form -> 400")
    st, h, b = token(grant_type="authorization_code", code="c1",
                     redirect_uri=ru)
    ok(st == 200 and set(b) >= {"access_token", "token_type", "expires_in",
                                "refresh_token"} and b["expires_in"] == 1
       and b["token_type"] == "Bearer",
       "snap oauth: authorization_code grant -> tokens", b)
    at, rt = b["access_token"], b["refresh_token"]
    st, h, b = token(grant_type="authorization_code", code="c1",
                     redirect_uri=ru)
    is_(b.get("error"), "invalid_grant", "snap oauth: code is single-use")
    B = {"Authorization": "Bearer " + at}
    st, h, b = f.request("GET", "/v1/me", headers=B)
    ok(st == 200 and b["me"]["email"] == "owner@example.com" and
       "request_id" in b, "snap: /v1/me", b)
    st, h, b = f.request("GET", "/v1/me", headers={"Authorization":
                                                   "Bearer junk"})
    ok(st == 401 and b["request_status"] == "ERROR",
       "snap: unknown token -> 401 error envelope", b)
    st, h, b = token(grant_type="refresh_token", refresh_token=rt)
    ok(st == 200 and b["refresh_token"] != rt,
       "snap oauth: refresh grant rotates the refresh token", b)
    at2, rt2 = b["access_token"], b["refresh_token"]
    st, h, b = token(grant_type="refresh_token", refresh_token=rt)
    is_((st, b.get("error")), (400, "invalid_grant"),
        "snap oauth: reuse of a rotated refresh token -> invalid_grant")
    st, h, b = token(grant_type="refresh_token", refresh_token=rt2)
    is_(b.get("error"), "invalid_grant",
        "snap oauth: reuse revoked the whole family")
    st, h, b = f.request("GET", "/v1/me",
                         headers={"Authorization": "Bearer " + at2})
    is_(st, 401, "snap: access token of a revoked family -> 401")
    st, h, b = token(grant_type="authorization_code", code="c2",
                     redirect_uri=ru)
    at = b["access_token"]
    time.sleep(1.1)
    st, h, b = f.request("GET", "/v1/me",
                         headers={"Authorization": "Bearer " + at})
    ok(st == 401 and "expired" in h.get("x-fake-reason", ""),
       "snap: expired access token -> 401", h)
    f.stop()

    cfg["snapchat"].update(expires_in=600, refresh_tokens=["rt0"],
                           codes=[])
    f = Fake("snapchat", "--no-rotate", config=cfg)
    st, h, b = token(grant_type="refresh_token", refresh_token="rt0")
    st2, h2, b2 = token(grant_type="refresh_token", refresh_token="rt0")
    ok(st == st2 == 200 and b["refresh_token"] == b2["refresh_token"] ==
       "rt0", "snap oauth --no-rotate: the same refresh token works again")
    B = {"Authorization": "Bearer " + b["access_token"]}
    J = dict(B, **{"Content-Type": "application/json"})

    st, h, b = f.request("GET", "/v1/segments/111", headers=B)
    seg = b["segments"][0]
    ok(st == 200 and b["request_status"] == "SUCCESS" and
       seg["sub_request_status"] == "SUCCESS" and
       seg["segment"]["id"] == "111" and
       seg["segment"]["approximate_number_users"] == 5,
       "snap: GET /v1/segments/{id} envelope", b)
    st, h, b = f.request("GET", "/v1/segments/999", headers=B)
    is_(st, 404, "snap: unknown segment -> 404")
    hashes = [sha("user%d@example.com" % i) for i in range(4)]

    def users(method, body, sid="111"):
        return f.request(method, "/v1/segments/%s/users" % sid, body, J)
    bad = [
        ({"users": [{"schema": ["EMAIL_SHA256", "PHONE_SHA256"],
                     "data": [[hashes[0]]]}]}, "two schema types"),
        ({"users": [{"schema": ["EMAIL"], "data": [[hashes[0]]]}]},
         "unknown schema"),
        ({"users": [{"schema": ["EMAIL_SHA256"],
                     "data": [[hashes[0].upper()]]}]}, "upper-case hex"),
        ({"users": [{"schema": ["EMAIL_SHA256"], "data": [hashes[0]]}]},
         "data items not arrays"),
        ({"users": [{"schema": ["EMAIL_SHA256"],
                     "data": [[hashes[0], hashes[1]]]}]},
         "two identifiers in one item"),
        ({"users": [{"schema": ["EMAIL_SHA256"],
                     "data": [["a@example.com"]]}]}, "clear-text email"),
        ({"users": [{"schema": ["EMAIL_SHA256"],
                     "data": [[sha(str(i))] for i in range(11)]}]},
         "11 identifiers over the limit of 10"),
        ({"users": []}, "empty users"),
    ]
    for body, what in bad:
        st, h, b = users("POST", body)
        ok(st == 400 and b.get("request_status") == "ERROR",
           "snap users: %s -> 400" % what, (st, b))
    st, h, b = users("POST", {"users": [{"schema": ["EMAIL_SHA256"],
                                         "data": [[x] for x in hashes]}]})
    ok(st == 200 and b["request_status"] == "SUCCESS" and
       b["users"][0]["user"]["number_uploaded_users"] == 4,
       "snap users: add 4 -> number_uploaded_users 4", b)
    st, h, b = users("DELETE", {"users": [{"id": "111",
                                           "schema": ["EMAIL_SHA256"],
                                           "data": [[hashes[0]]]}]})
    is_(st, 200, "snap users: DELETE with users[].id accepted")
    st, h, b = users("DELETE", {"users": [{"schema": ["EMAIL_SHA256"],
                                           "data": [[hashes[1]]]}]})
    is_(st, 200, "snap users: DELETE without users[].id accepted")
    state = f.ctl("/__fake/state")
    is_(state["segments"]["111"]["users"], {"EMAIL_SHA256":
                                            sorted(hashes[2:])},
        "snap state: segment holds the added minus the removed hashes")
    st, h, b = f.request("DELETE", "/v1/segments/111/all_users", headers=B)
    ok(st == 200 and
       b["segments"][0]["segment"]["approximate_number_users"] == 0,
       "snap: DELETE all_users empties the segment", b)
    st, h, b = f.request("GET", "/v1/adaccounts/adacct-1/segments",
                         headers=B)
    ok(st == 200 and len(b["segments"]) == 1 and "next_link" not in
       b.get("paging", {}), "snap: list the ad account's segments", b)

    # segment create, paging with next_link (fresh state and token)
    f.ctl("/__fake/reset", {})
    st, h, b = token(grant_type="refresh_token", refresh_token="rt0")
    B = {"Authorization": "Bearer " + b["access_token"]}
    J = dict(B, **{"Content-Type": "application/json"})
    for i in range(3):
        st, h, b = f.request("POST", "/v1/adaccounts/adacct-1/segments",
                             {"segments": [{"name": "S%d" % i,
                                            "source_type": "FIRST_PARTY",
                                            "retention_in_days": 180,
                                            "ad_account_id": "adacct-1"}]},
                             J)
    ok(st == 200 and b["segments"][0]["segment"]["status"] == "PENDING" and
       b["segments"][0]["segment"]["id"].isdigit(),
       "snap: create segment -> envelope, numeric string id", b)
    st, h, b = f.request("POST", "/v1/adaccounts/adacct-1/segments",
                         {"segments": [{"name": "no source"}]}, J)
    is_(st, 400, "snap: create segment without source_type -> 400")
    f.ctl("/__fake/config", {"snapchat": {"segments_page_size": 2}})
    names, path = [], "/v1/adaccounts/adacct-1/segments"
    while path:
        st, h, b = f.request("GET", path, headers=B)
        names += [x["segment"]["name"] for x in b["segments"]]
        nl = b.get("paging", {}).get("next_link")
        path = urllib.parse.urlsplit(nl)._replace(scheme="", netloc="") \
            .geturl() if nl else None
    is_(names, ["Sams", "S0", "S1", "S2"],
        "snap: follow paging.next_link through every segment")
    st, h, b = f.request("GET", "/v1/adaccounts/adacct-1/segments?limit=10",
                         headers=B)
    is_(st, 400, "snap: segments limit below 50 -> 400")

    # rate limit: 15/5s per token, no headers
    f.ctl("/__fake/reset", {})
    st, h, b = token(grant_type="refresh_token", refresh_token="rt0")
    B = {"Authorization": "Bearer " + b["access_token"]}
    sts, hs = [], []
    for _ in range(40):
        st, h, b = f.request("GET", "/v1/me", headers=B)
        sts.append(st)
        hs.append(h)
    n429 = sts.count(429)
    ok(n429 >= 10 and not any(k.startswith("x-ratelimit") for k in
                              hs[sts.index(429)]),
       "snap: burst of 40 at 15/5s per token -> 429s without headers (%d)"
       % n429)
    is_(f.ctl("/__fake/stats")["over_limit"], n429,
        "snap: over-limit arrivals counted")
    f.stop()


def test_snapchat_more():
    cfg = {"snapchat": {"access_tokens": ["static-at"],
                        "refresh_tokens": ["rt0"], "codes": [],
                        "revoke_access_after": 2,
                        "segments": [{"id": "111", "name": "Sams"}]}}
    f = Fake("snapchat", config=cfg)
    S = {"Authorization": "Bearer static-at"}
    sts = [f.request("GET", "/v1/me", headers=S)[0] for _ in range(3)]
    is_(sts, [200, 200, 401], "snap: revoke_access_after 2 -> 401 on the "
        "3rd request")
    st, h, b = f.request("POST", "/login/oauth2/access_token",
                         urllib.parse.urlencode({
                             "grant_type": "refresh_token",
                             "refresh_token": "rt0",
                             "client_id": "snap-client",
                             "client_secret": "snap-secret"}),
                         {"Content-Type":
                          "application/x-www-form-urlencoded"})
    st, h, b = f.request("GET", "/v1/me", headers={
        "Authorization": "Bearer " + b["access_token"]})
    is_(st, 200, "snap: a refresh after the revocation recovers")
    st, h, b = f.request(
        "GET", "/login/oauth2/authorize?client_id=snap-client&"
        "response_type=code&scope=snapchat-marketing-api&state=xyz&"
        "redirect_uri=" + urllib.parse.quote("http://127.0.0.1/callback",
                                             safe=""))
    loc = urllib.parse.urlsplit(h.get("location", ""))
    q = urllib.parse.parse_qs(loc.query)
    ok(st == 302 and q.get("state") == ["xyz"] and q.get("code"),
       "snap: authorize redirects with a code and the state", h)
    st, h, b = f.request("POST", "/login/oauth2/access_token",
                         urllib.parse.urlencode({
                             "grant_type": "authorization_code",
                             "code": q["code"][0],
                             "redirect_uri": "http://127.0.0.1/callback",
                             "client_id": "snap-client",
                             "client_secret": "snap-secret"}),
                         {"Content-Type":
                          "application/x-www-form-urlencoded"})
    is_(st, 200, "snap: the authorize code exchanges for tokens")
    fresh = b
    A = {"Authorization": "Bearer " + fresh["access_token"]}
    f.ctl("/__fake/config", {"revoke_tokens": "access"})
    is_(f.request("GET", "/v1/me", headers=A)[0], 401,
        "snap: revoke_tokens access -> the access token is dead")
    form = {"grant_type": "refresh_token",
            "refresh_token": fresh["refresh_token"],
            "client_id": "snap-client", "client_secret": "snap-secret"}
    st, h, b = f.request("POST", "/login/oauth2/access_token",
                         urllib.parse.urlencode(form),
                         {"Content-Type":
                          "application/x-www-form-urlencoded"})
    ok(st == 200 and b["refresh_token"] != fresh["refresh_token"],
       "snap: ... and its refresh token still renews it, rotated", b)
    f.ctl("/__fake/config", {"revoke_tokens": "all"})
    form["refresh_token"] = b["refresh_token"]
    st, h, b = f.request("POST", "/login/oauth2/access_token",
                         urllib.parse.urlencode(form),
                         {"Content-Type":
                          "application/x-www-form-urlencoded"})
    ok(st == 400 and b.get("error") == "invalid_grant",
       "snap: revoke_tokens all -> the refresh token is refused", b)
    st, h, b = f.request("POST", "/__fake/config", {"revoke_tokens": "x"})
    is_(st, 400, "snap: revoke_tokens takes access or all only")
    f.ctl("/__fake/config", {"snapchat": {"access_tokens": ["clear-at"]}})
    f.ctl("/__fake/reset", {})
    S = {"Authorization": "Bearer clear-at"}
    good = {"users": [{"schema": ["EMAIL_SHA256"],
                       "data": [["a" * 64]]}]}
    bad = {"users": [{"schema": ["EMAIL_SHA256"],
                      "data": [["ann@example.com"]]}]}
    st, h, b = f.request("POST", "/v1/segments/111/users", good, S)
    ok(st == 200 and
       f.ctl("/__fake/state")["counts"]["bodies_with_at"] == 0,
       "snap: a body of hashes is taken, and counts no '@'", st)
    st, h, b = f.request("POST", "/v1/segments/111/users", bad, S)
    n = f.ctl("/__fake/state")["counts"]["bodies_with_at"]
    ok(st == 400 and n == 1,
       "snap: a clear-text email is refused and counted in bodies_with_at",
       (st, n))
    f.stop()


def test_brevo_timed():
    f = Fake("brevo", "--set", "brevo.process.queued_seconds=0.3",
             "--set", "brevo.process.in_process_seconds=0.3")
    K = {"api-key": "brevo-key"}
    st, h, b = f.request("POST", "/v3/contacts/import",
                         {"jsonBody": [{"email": "t@example.com"}],
                          "listIds": [2]}, K)
    pid = b["processId"]
    seq = [f.request("GET", "/v3/processes/%d" % pid, headers=K)[2]
           ["status"]]
    time.sleep(0.4)
    seq.append(f.request("GET", "/v3/processes/%d" % pid, headers=K)[2]
               ["status"])
    time.sleep(0.35)
    st = f.ctl("/__fake/state")
    seq.append(st["processes"][str(pid)]["status"])
    is_(seq, ["queued", "in_process", "completed"],
        "brevo: time-driven process life cycle")
    ok("t@example.com" in st["contacts"],
       "brevo: time-driven import applied on completion")
    f.stop()


def test_brevo_processes():
    """What segsync's confirmation phase relies on: listed processes move
    on, failed and cancelled ones, the invalid_emails report, the slow
    hourly bucket of /processes and /account."""
    cfg = {"brevo": {"invalid_email_pattern": "@bounce\\.example$",
                     "process": {"fail": [2], "cancel": [3]}},
           "rate_limits": {"brevo_other": [{"limit": 8, "window": 3600}]}}
    f = Fake("brevo", config=cfg)
    K = {"api-key": "brevo-key"}
    pids = []
    for i in range(4):
        st, h, b = f.request("POST", "/v3/contacts/import", {
            "jsonBody": [{"email": "p%d@example.com" % i,
                          "attributes": {"FIRSTNAME": "P%d" % i}},
                         {"email": "q%d@bounce.example" % i}],
            "listIds": [2]}, K)
        pids.append(b["processId"])
    st, h, b = f.request("GET", "/v3/processes?limit=2&offset=0&sort=desc",
                         headers=K)
    ok(st == 200 and b["count"] == 4 and
       [p["id"] for p in b["processes"]] == pids[:1:-1] and
       all(p["status"] == "queued" for p in b["processes"]),
       "brevo: GET /processes pages newest first", b)
    seen = {}
    for _ in range(3):
        for off in (0, 2):
            st, h, b = f.request("GET", "/v3/processes?limit=2&offset=%d"
                                 % off, headers=K)
            for p in b["processes"]:
                seen[p["id"]] = p
    is_([seen[p]["status"] for p in pids],
        ["completed", "failed", "cancelled", "completed"],
        "brevo: listed processes move on; failed and cancelled ones")
    state = f.ctl("/__fake/state")
    ok("p0@example.com" in state["contacts"] and
       "p1@example.com" not in state["contacts"] and
       "p2@example.com" not in state["contacts"] and
       "q0@bounce.example" not in state["contacts"] and
       state["counts"]["invalid_emails"] == 2,
       "brevo: only completed imports applied, refused emails left out",
       state)
    url = seen[pids[0]]["info"]["import"]["invalid_emails"]
    ok(url and url.startswith("http://127.0.0.1:%d/" % f.port),
       "brevo: a completed import points at its invalid_emails report", url)
    st, h, body = f.request("GET", urllib.parse.urlsplit(url).path, raw=True)
    is_((st, body), (200, b"EMAIL\nq0@bounce.example\n"),
        "brevo: the report lists the refused email")
    st, h, b = f.request("GET", "/v3/processes/%d" % pids[1], headers=K)
    ok(st == 200 and b["status"] == "failed" and "info" not in b,
       "brevo: a failed process has no report", b)
    st, h, b = f.request("GET", "/v3/processes/%d" % pids[1], headers=K)
    is_(st, 429, "brevo: the 9th request of the hourly bucket -> 429")
    ok(h.get("x-sib-ratelimit-limit") == "8" and
       h.get("x-sib-ratelimit-remaining") == "0" and
       0 < int(h.get("x-sib-ratelimit-reset")) <= 3600,
       "brevo: its headers say when the hour ends", h)
    st, h, b = f.request("GET", "/v3/account", headers=K)
    is_(st, 429, "brevo: /account shares the bucket")
    st, h, b = f.request("GET", "/v3/contacts/lists/2", headers=K)
    is_(st, 200, "brevo: the contacts bucket is apart")
    stats = f.ctl("/__fake/stats")
    ok(stats["over_limit"] == 2 and
       stats["rate_peaks"]["brevo_other/3600s"]["peak"] == 8,
       "brevo: the two over the hourly limit are counted", stats)
    f.stop()


def test_faults():
    cfg = {"braze": {"keys": {"k": {"permissions": ["users.track"]}}}}
    f = Fake("braze", "--fail-every", "3", config=cfg)
    H = {"Authorization": "Bearer k"}
    body = {"attributes": [{"external_id": "f"}]}
    sts = [f.request("POST", "/users/track", body, H)[0] for _ in range(6)]
    is_(sts, [201, 201, 503, 201, 201, 503], "faults: every 3rd -> 503")
    f.ctl("/__fake/config", {"faults": {"fail_every": 0, "drop_every": 2}})
    results = []
    for _ in range(4):
        try:
            results.append(f.request("POST", "/users/track", body, H,
                                     fresh=True)[0])
        except (http.client.HTTPException, ConnectionError) as e:
            results.append(type(e).__name__)
    ok(results[0] == 201 and results[2] == 201 and
       isinstance(results[1], str) and isinstance(results[3], str),
       "faults: every 2nd request dropped without a response", results)
    f.ctl("/__fake/config", {"faults": {"drop_every": 0, "latency_ms": 150}})
    t = time.time()
    st = f.request("POST", "/users/track", body, H, fresh=True)[0]
    dt = time.time() - t
    ok(st == 201 and dt >= 0.15, "faults: latency 150 ms (%.3fs)" % dt)
    f.ctl("/__fake/config", {"faults": {"latency_ms": 0,
                                        "burst_429": {"count": 3}}})
    sts = [f.request("POST", "/users/track", body, H)[0] for _ in range(5)]
    is_(sts, [429, 429, 429, 201, 201], "faults: burst of three 429s")
    stats = f.ctl("/__fake/stats")
    ok(stats["faults"]["failed"] == 2 and stats["faults"]["dropped"] == 2
       and stats["forced_429"] == 3 and stats["over_limit"] == 0,
       "faults: counted in stats (and not as over-limit)", stats)
    state = f.ctl("/__fake/state")
    is_(state["users"]["external_id:f"]["writes"], 4 + 2 + 1 + 2,
        "faults: failed/dropped requests were not applied")
    reqs = f.ctl("/__fake/requests")["requests"]
    ok(len(reqs) == stats["requests_total"] and
       sum(1 for r in reqs if r.get("fault") == "drop") == 2,
       "faults: request log records every request and its fault")
    f.ctl("/__fake/config", {"faults": {"fail_every": 1,
                                        "fail_status": 202}})
    st, h, b = f.request("POST", "/users/track", body, H)
    is_((st, b), (202, {"message": "queued"}),
        "faults: --fail-status 202 gives the maintenance 'queued' answer")
    f.stop()
    # drop after applying: state changes, reply lost
    f = Fake("braze", "--drop-every", "1", "--drop-mode", "after",
             config=cfg)
    try:
        f.request("POST", "/users/track", body, H)
        dropped = False
    except (http.client.HTTPException, ConnectionError):
        dropped = True
    state = f.ctl("/__fake/state")
    ok(dropped and "external_id:f" in state["users"],
       "faults: drop-mode after applies the write and loses the reply")
    f.stop()
    # seeded jitter is deterministic
    totals = []
    for _ in range(2):
        f = Fake("braze", "--latency-jitter-ms", "20", "--seed", "7",
                 config=cfg)
        for _ in range(5):
            f.request("POST", "/users/track", body, H)
        totals.append(f.ctl("/__fake/stats")["faults"]["latency_ms_total"])
        f.stop()
    ok(totals[0] == totals[1] and totals[0] > 0,
       "faults: seeded latency jitter is deterministic", totals)


def test_cli():
    d = os.path.join(TMP, "cli")
    os.makedirs(d)
    rc = os.system("%s %s --dest braze --host 0.0.0.0 --state-dir %s "
                   ">/dev/null 2>&1" % (sys.executable, fakectl.FAKEDEST, d))
    ok(os.WEXITSTATUS(rc) == 2, "cli: refuses a non-loopback address")
    f = Fake("brevo", "--exit-after", "1")
    time.sleep(1.8)
    ok(not fakectl.alive(f.pid) and
       os.path.exists(os.path.join(f.dir, "final-state.json")),
       "cli: --exit-after stops the server and dumps the state")
    f.stop()
    f = Fake("snapchat")
    urls = fakectl.api_base(f.dir), fakectl.origin(f.dir)
    ok(urls[0] == urls[1] == "http://127.0.0.1:%d" % f.port,
       "cli: fakectl prints the base URL")
    h = json.loads(urllib.request.urlopen(urls[1] + "/__fake/health")
                   .read())
    ok(h["ok"] and h["dest"] == "snapchat", "cli: /__fake/health")
    is_(f.stop(), 0, "cli: fakectl stop")


def main():
    for t in (test_braze, test_brevo, test_snapchat, test_snapchat_more,
              test_brevo_timed, test_brevo_processes, test_faults,
              test_cli):
        try:
            t()
        except Exception:
            ok(False, "%s raised" % t.__name__, traceback.format_exc())
    for f in list(RUNNING):
        f.stop()
    print("1..%d" % N)
    if FAILED == 0 and not os.environ.get("TAP_KEEP_TMP"):
        shutil.rmtree(TMP, ignore_errors=True)
    else:
        print("# state kept in %s" % TMP)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
