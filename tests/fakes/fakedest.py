#!/usr/bin/env python3
"""fakedest: strict fake Braze, Brevo (Sendinblue) and Snapchat servers.

One process serves one destination on 127.0.0.1.  Python 3 standard
library only.  See tests/fakes/README.md for the CLI, the configuration
keys, the control endpoints under /__fake/ and what is not emulated.
The behaviour follows docs/api-contracts.md (sections 1-3 and 5).
"""

import argparse
import copy
import csv
import gc
import hashlib
import http.server
import io
import ipaddress
import json
import math
import os
import random
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

DESTS = ("braze", "brevo", "snapchat")

# ---------------------------------------------------------------------------
# Configuration

DEFAULT_CONFIG = {
    # Limits are multiplied by rate_scale (at least 1), windows by
    # window_scale.  rate_enforce false: over-limit requests are counted
    # but answered normally.
    "rate_scale": 1.0,
    "window_scale": 1.0,
    "rate_enforce": True,
    "rate_limits": {
        "braze_track": [{"limit": 3000, "window": 3}],
        "braze_default": [{"limit": 250000, "window": 3600}],
        "brevo_contacts": [{"limit": 10, "window": 1},
                           {"limit": 36000, "window": 3600}],
        "brevo_other": [{"limit": 100, "window": 3600}],
        "snapchat_token": [{"limit": 10, "window": 1}],
        "snapchat_app": [{"limit": 20, "window": 1}],
    },
    "faults": {
        "fail_every": 0,        # every Nth API request -> fail_status
        "fail_status": 503,
        "drop_every": 0,        # every Mth API request -> connection closed
        "drop_mode": "before",  # before: not applied; after: applied, reply lost
        "latency_ms": 0,
        "latency_jitter_ms": 0,  # uniform 0..jitter added, seeded
        "seed": 1,
        "burst_429": {"start": 0, "count": 0},  # requests start..start+count-1
    },
    "record_bodies": False,
    "braze": {
        "instance": "rest.iad-01.braze.com",
        "keys": {
            "braze-key": {"permissions": ["users.track", "segments.list"]},
        },
        "object_limit": 75,
        "object_limit_mode": "per_array",  # or "combined"
        "max_body_bytes": 4000000,
        "max_string_len": 255,
        "max_array_len": 25,
        "require_json_content_type": True,
        "segments": [],
    },
    "brevo": {
        "keys": {"brevo-key": {}},
        "account": {"email": "owner@example.com", "firstName": "Ada",
                    "lastName": "Owner", "companyName": "Example Ltd"},
        "lists": [{"id": 2, "name": "Newsletter", "size": 0, "folderId": 1}],
        "attributes": ["EMAIL", "FIRSTNAME", "LASTNAME", "SMS", "WHATSAPP",
                       "LANDLINE_NUMBER", "EXT_ID"],
        "import_max_bytes": 10000000,
        "require_json_content_type": True,
        # Emails Brevo's own validation refuses on import although they
        # look fine (a regex searched in the email); they go into the
        # completed process's invalid_emails report.
        "invalid_email_pattern": None,
        "process": {
            "queued_polls": 1,       # polls answered "queued"
            "in_process_polls": 1,   # then polls answered "in_process"
            "queued_seconds": None,  # if set: time-based instead of polls
            "in_process_seconds": None,
            "fail": [],              # 1-based ordinals of imports that fail
            "fail_every": 0,         # every Nth import fails
            "cancel": [],            # ... that end "cancelled"
            "cancel_every": 0,
        },
    },
    "snapchat": {
        "client_id": "snap-client",
        "client_secret": "snap-secret",
        "redirect_uri": "http://127.0.0.1/callback",
        "codes": ["snap-code"],
        "refresh_tokens": [],    # pre-issued refresh tokens
        "access_tokens": [],     # pre-issued access tokens (never expire)
        "expires_in": 1800,
        "rotate_refresh_tokens": True,
        "reuse_revokes_family": True,
        "revoke_access_after": None,  # N API requests, then tokens invalid
        "revoke_all_after": None,     # same, and refresh tokens revoked too
        "max_identifiers": 100000,
        "segments_page_size": 50,
        "me": {"id": "me-1", "email": "owner@example.com",
               "display_name": "Fake Owner", "organization_id": "org-1"},
        "organization": {"id": "org-1", "name": "Fake Org"},
        "ad_accounts": [{"id": "adacct-1", "name": "Fake Ad Account"}],
        "segments": [],
    },
}


def deep_merge(dst, src):
    """Merge dict src into dict dst in place (dicts recurse, rest replace)."""
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict) \
                and k not in ("keys", "rate_limits"):
            deep_merge(dst[k], v)
        elif isinstance(v, dict) and isinstance(dst.get(k), dict):
            # keys / rate_limits: entries replace, others kept
            for kk, vv in v.items():
                dst[k][kk] = copy.deepcopy(vv)
        else:
            dst[k] = copy.deepcopy(v)
    return dst


def set_path(cfg, dotted, value):
    parts = dotted.split(".")
    cur = cfg
    for p in parts[:-1]:
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    cur[parts[-1]] = value


def now():
    return time.time()


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)


# ---------------------------------------------------------------------------
# Rate limiting: fixed windows aligned to the epoch, per (bucket, key).

class RateLimiter:
    def __init__(self, server):
        self.srv = server
        self.counts = {}   # (bucket, key, i) -> [window index, count]
        self.peaks = {}    # (bucket, i) -> max accepted in one window

    def windows(self, bucket):
        cfg = self.srv.cfg
        scale = float(cfg.get("rate_scale", 1.0))
        wscale = float(cfg.get("window_scale", 1.0))
        out = []
        for w in cfg["rate_limits"].get(bucket, []):
            out.append((max(1, int(math.floor(w["limit"] * scale))),
                        max(0.001, float(w["window"]) * wscale)))
        return out

    def check(self, buckets, consume=True):
        """buckets: list of (bucket, key).  Returns (allowed, over, hdr)

        hdr = (limit, remaining, reset_epoch) of the most constrained
        window of the first bucket, or None."""
        t = now()
        over = False
        states = []
        for bucket, key in buckets:
            for i, (limit, win) in enumerate(self.windows(bucket)):
                idx = int(t // win)
                st = self.counts.get((bucket, key, i))
                if st is None or st[0] != idx:
                    st = [idx, 0]
                    if consume:
                        self.counts[(bucket, key, i)] = st
                if st[1] >= limit:
                    over = True
                states.append((bucket, i, limit, win, idx, st))
        enforce = self.srv.cfg.get("rate_enforce", True)
        allowed = not (over and enforce)
        if consume and allowed:
            for bucket, i, limit, win, idx, st in states:
                st[1] += 1
                pk = (bucket, i)
                if st[1] > self.peaks.get(pk, 0):
                    self.peaks[pk] = st[1]
        hdr = None
        if buckets:
            first = buckets[0][0]
            best = None
            for bucket, i, limit, win, idx, st in states:
                if bucket != first:
                    continue
                rem = max(0, limit - st[1])
                reset = (idx + 1) * win
                if best is None or rem < best[1] or \
                        (rem == best[1] and reset > best[2]):
                    best = (limit, rem, reset)
            hdr = best
        return allowed, over, hdr


# ---------------------------------------------------------------------------
# Request object


class Req:
    __slots__ = ("method", "path", "query", "headers", "body", "host", "n",
                 "raw_path")

    def __init__(self, method, raw_path, headers, body, n):
        self.method = method
        self.raw_path = raw_path
        u = urllib.parse.urlsplit(raw_path)
        self.path = u.path
        self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        host = headers.get("Host", "") or ""
        if host.startswith("["):
            self.host = host.split("]")[0] + "]"
        else:
            self.host = host.rsplit(":", 1)[0] if ":" in host else host
        self.n = n

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0] \
            .strip().lower()

    def json(self):
        """Returns (value, error message)."""
        try:
            return json.loads(self.body.decode("utf-8")), None
        except (UnicodeDecodeError, ValueError) as e:
            return None, "body is not valid JSON: %s" % e


class Reply:
    __slots__ = ("status", "body", "headers", "reason", "items")

    def __init__(self, status, body=None, headers=None, reason=None,
                 items=None):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.reason = reason     # X-Fake-Reason: why an error was sent
        self.items = items       # items counted (for the request log)


class Route:
    __slots__ = ("name", "func", "buckets", "auth")

    def __init__(self, name, func, buckets=(), auth=True):
        self.name = name
        self.func = func
        self.buckets = buckets   # bucket names; keyed by the principal
        self.auth = auth


# ---------------------------------------------------------------------------
# Destinations


class Dest:
    name = "?"
    rate_header_style = None

    def __init__(self, srv):
        self.srv = srv
        self.reset_state()

    @property
    def cfg(self):
        return self.srv.cfg[self.name]

    def reset_state(self):
        self.key_uses = {}

    def error(self, status, message, reason=None):
        raise NotImplementedError

    def not_found(self, req):
        return self.error(404, "Not Found", "unknown path")

    def method_not_allowed(self, req):
        return self.error(405, "Method Not Allowed", "method not allowed")

    def rate_limited(self):
        return self.error(429, "Too Many Requests", "rate limited")

    def fault(self, status):
        return self.error(status, "Service Unavailable", "injected fault")

    def key_revoked(self, key, kcfg):
        """Count one use of a key; true once it is past revoke_after."""
        n = self.key_uses.get(key, 0) + 1
        self.key_uses[key] = n
        ra = kcfg.get("revoke_after")
        if key in self.srv.revoked_keys:
            return True
        return ra is not None and n > int(ra)

    def stats_extra(self):
        return {}


# ----- Braze ---------------------------------------------------------------

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BRAZE_HOST_RE = re.compile(r"^rest\.[a-z0-9-]+\.braze\.(com|eu)$")
BRAZE_IDS = ("external_id", "user_alias", "braze_id", "email", "phone")
# Object keys that identify a user rather than set an attribute.
ATTR_SKIP = frozenset(("external_id", "user_alias", "braze_id",
                       "_update_existing_only", "push_token_import"))
BRAZE_NO_DATA = ("Valid data must be provided in the 'attributes', "
                 "'events', or 'purchases' fields.")


class Braze(Dest):
    name = "braze"
    rate_header_style = "braze"

    def reset_state(self):
        super().reset_state()
        self.users = {}         # key -> {"attributes": {}, "updated": n, ...}
        # email (lowercased) / phone attribute -> keys of the users that
        # have it, so that an email- or phone-identified object finds its
        # user without scanning them all (a million-profile benchmark
        # would otherwise be quadratic).
        self.by_attr = {"email": {}, "phone": {}}
        self.seq = 0
        self.counts = {"attributes_processed": 0,
                       "events_processed": 0, "purchases_processed": 0,
                       "item_errors": 0}

    def error(self, status, message, reason=None, errors=None):
        body = {"message": message}
        if errors is not None:
            body["errors"] = errors
        return Reply(status, body, reason=reason)

    def rate_limited(self):
        return self.error(429, "Rate Limited", "rate limited")

    def fault(self, status):
        if status == 202:   # the old maintenance answer: accepted, queued
            return Reply(202, {"message": "queued"}, reason="injected fault")
        return self.error(status, "Internal Server Error" if status == 500
                          else "Service Unavailable", "injected fault")

    def route(self, req):
        p = req.path
        if p == "/users/track":
            if req.method != "POST":
                return "405"
            return Route("POST /users/track", self.track, ("braze_track",))
        if p == "/segments/list":
            if req.method != "GET":
                return "405"
            return Route("GET /segments/list", self.segments_list,
                         ("braze_default",))
        return None

    PERM = {"POST /users/track": "users.track",
            "GET /segments/list": "segments.list"}

    def authenticate(self, req, route):
        """Returns (principal key, error Reply or None)."""
        auth = req.headers.get("Authorization")
        if not auth:
            return None, self.error(401, "Invalid API key", "missing "
                                    "Authorization header")
        m = re.match(r"^Bearer +(.*)$", auth.strip())
        if not m:
            return None, self.error(401, "Invalid API key",
                                    "Authorization is not 'Bearer KEY'")
        key = m.group(1).strip()
        if len(key) >= 2 and key[0] in "'\"" and key[-1] == key[0]:
            return None, self.error(
                401, "The API key syntax is using single or double quotes. "
                "The correct syntax is Authorization: Bearer "
                "{YOUR-API-KEY}.", "quoted key")
        kcfg = self.cfg["keys"].get(key)
        if kcfg is None:
            return None, self.error(401, "Invalid API key", "unknown key")
        if self.key_revoked(key, kcfg):
            return None, self.error(401, "Invalid API key", "revoked key")
        instance = self.cfg.get("instance")
        host = req.host.lower()
        if BRAZE_HOST_RE.match(host):
            instance = host
        kinst = kcfg.get("instance")
        if kinst and instance and kinst != instance:
            return None, self.error(401, "Invalid API key",
                                    "key belongs to instance %s, request "
                                    "went to %s" % (kinst, instance))
        perm = self.PERM.get(route.name)
        if perm and perm not in kcfg.get("permissions", []):
            return None, self.error(403, "Access Denied",
                                    "key lacks permission %s" % perm)
        return key, None

    # -- /users/track

    def track(self, req, key):
        cfg = self.cfg
        if len(req.body) > int(cfg["max_body_bytes"]):
            return self.error(413, "Request Entity Too Large",
                              "body of %d bytes over %d" %
                              (len(req.body), cfg["max_body_bytes"]))
        if cfg.get("require_json_content_type", True) and \
                req.content_type() != "application/json":
            return self.error(400, "Bad Request",
                              "Content-Type is not application/json")
        body, err = req.json()
        if err:
            return self.error(400, "Bad Request", err)
        if not isinstance(body, dict):
            return self.error(400, "Bad Request", "body is not an object")
        arrays = {}
        for name in ("attributes", "events", "purchases"):
            v = body.get(name)
            if v is None:
                continue
            if not isinstance(v, list):
                return self.error(400, "Bad Request",
                                  "'%s' is not an array" % name)
            arrays[name] = v
        limit = int(cfg["object_limit"])
        if cfg.get("object_limit_mode") == "combined":
            total = sum(len(v) for v in arrays.values())
            too_many = total > limit
        else:
            too_many = any(len(v) > limit for v in arrays.values())
        if too_many:
            return self.error(
                400, "Max Input Length Exceeded",
                "over %d objects (%s)" % (limit, cfg["object_limit_mode"]),
                errors=[{"type": "Max Input Length Exceeded: at most %d "
                         "objects %s" % (limit, "in total" if
                                         cfg["object_limit_mode"] ==
                                         "combined" else "per array")}])
        errors = []
        valid = {"attributes": [], "events": [], "purchases": []}
        for name, items in arrays.items():
            for i, item in enumerate(items):
                msg = self.check_item(name, item)
                if msg:
                    errors.append({"type": msg, "input_array": name,
                                   "index": i})
                else:
                    valid[name].append(item)
        self.counts["item_errors"] += len(errors)
        if not any(valid.values()):
            return Reply(400, {"message": BRAZE_NO_DATA, "errors": errors},
                         reason="no valid item", items=0)
        for item in valid["attributes"]:
            self.apply_attributes(item)
        for item in valid["events"]:
            u = self.find_user(item, create=True)
            if u is not None:
                u["events"] = u.get("events", 0) + 1
        for item in valid["purchases"]:
            u = self.find_user(item, create=True)
            if u is not None:
                u["purchases"] = u.get("purchases", 0) + 1
        out = {"message": "success"}
        for name in ("attributes", "events", "purchases"):
            if name in arrays:
                out[name + "_processed"] = len(valid[name])
                self.counts[name + "_processed"] += len(valid[name])
        if errors:
            out["errors"] = errors
        return Reply(201, out,
                     items=sum(len(v) for v in valid.values()))

    def check_item(self, array, item):
        if not isinstance(item, dict):
            return "Each object in '%s' must be a JSON object." % array
        for k in BRAZE_IDS:
            v = item.get(k)
            if v is not None and v != "":
                break
        else:
            return ("One of 'external_id', 'user_alias', 'braze_id', "
                    "'email' or 'phone' is required.")
        for k in ("external_id", "braze_id", "email", "phone"):
            if k in item and item[k] is not None and \
                    not isinstance(item[k], str):
                return "The value provided for the '%s' field is not a " \
                    "string." % k
        if "email" in item and isinstance(item["email"], str) and \
                item["email"] != "" and not EMAIL_RE.match(item["email"]):
            return "The value provided for the 'email' field is not a " \
                "valid email."
        ua = item.get("user_alias")
        if ua is not None and not (
                isinstance(ua, dict) and isinstance(ua.get("alias_name"), str)
                and isinstance(ua.get("alias_label"), str)):
            return "'user_alias' must have 'alias_name' and 'alias_label'."
        maxlen = int(self.cfg["max_string_len"])
        maxarr = int(self.cfg["max_array_len"])
        if array == "attributes":
            for k, v in item.items():
                if len(k) > maxlen:
                    return "Custom attribute key '%s...' is longer than " \
                        "%d characters." % (k[:20], maxlen)
                if type(v) is str:      # the common case, checked first
                    if len(v) > maxlen:
                        return "The value of '%s' is longer than %d " \
                            "characters." % (k, maxlen)
                    continue
                if isinstance(v, str) and len(v) > maxlen:
                    return "The value of '%s' is longer than %d " \
                        "characters." % (k, maxlen)
                vals = v if isinstance(v, list) else \
                    (v.get("add") if isinstance(v, dict) and
                     isinstance(v.get("add"), list) else None)
                if vals is not None:
                    if isinstance(v, list) and len(v) > maxarr:
                        return "The array '%s' has more than %d " \
                            "elements." % (k, maxarr)
                    for e in vals:
                        if isinstance(e, str) and len(e) > maxlen:
                            return "An element of '%s' is longer than " \
                                "%d characters." % (k, maxlen)
        elif array == "events":
            if not isinstance(item.get("name"), str) or \
                    not isinstance(item.get("time"), str):
                return "Events need a string 'name' and 'time'."
        elif array == "purchases":
            if not isinstance(item.get("product_id"), str) or \
                    not isinstance(item.get("currency"), str) or \
                    not isinstance(item.get("price"), (int, float)) or \
                    not isinstance(item.get("time"), str):
                return "'price' is not valid"
        return None

    def find_user(self, item, create):
        """The user record an object addresses (Braze identifier rules)."""
        self.seq += 1
        ext = item.get("external_id")
        alias = item.get("user_alias")
        if ext:
            key = "external_id:" + ext
        elif item.get("braze_id"):
            key = "braze_id:" + item["braze_id"]
            if key not in self.users:
                return None       # unknown braze_id: nothing to update
        elif alias:
            key = "alias:%s:%s" % (alias["alias_label"], alias["alias_name"])
        elif item.get("email"):
            email = item["email"].lower()
            cands = [(("external_id" in self.users[k]),
                      self.users[k]["updated"], k)
                     for k in self.by_attr["email"].get(email, ())]
            if cands:
                key = max(cands)[2]
            else:
                key = "email:" + email
        else:
            phone = item["phone"]
            cands = [(("external_id" in self.users[k]),
                      self.users[k]["updated"], k)
                     for k in self.by_attr["phone"].get(phone, ())]
            key = max(cands)[2] if cands else "phone:" + phone
        u = self.users.get(key)
        if u is None:
            ueo = item.get("_update_existing_only")
            if ueo is None:
                ueo = bool(alias) and not ext
            if ueo or not create:
                return None
            u = {"attributes": {}, "created": self.seq, "updated": self.seq}
            if ext:
                u["external_id"] = ext
            if alias and not ext:
                u["user_alias"] = alias
            self.users[key] = u
        u["updated"] = self.seq
        u["_key"] = key
        return u

    def index_user(self, u, before):
        """Keep by_attr in step with a user's email and phone."""
        for name in ("email", "phone"):
            old, new = before.get(name), u["attributes"].get(name)
            if name == "email":
                old = old.lower() if isinstance(old, str) else None
                new = new.lower() if isinstance(new, str) else None
            if old == new:
                continue
            if isinstance(old, str):
                self.by_attr[name].get(old, set()).discard(u["_key"])
            if isinstance(new, str):
                self.by_attr[name].setdefault(new, set()).add(u["_key"])

    def apply_attributes(self, item):
        u = self.find_user(item, create=True)
        if u is None:
            return
        attrs = u["attributes"]
        before = {"email": attrs.get("email"), "phone": attrs.get("phone")}
        u["writes"] = u.get("writes", 0) + 1
        for k, v in item.items():
            if k in ATTR_SKIP:
                continue
            if type(v) is str:          # the common case: a plain value
                attrs[k] = v
                continue
            if v is None:
                attrs.pop(k, None)
            elif isinstance(v, dict) and set(v) == {"inc"}:
                attrs[k] = (attrs.get(k) or 0) + v["inc"]
            elif isinstance(v, dict) and set(v) <= {"add", "remove"} and v:
                cur = list(attrs.get(k) or [])
                for e in v.get("remove") or []:
                    while e in cur:
                        cur.remove(e)
                for e in v.get("add") or []:
                    if e in cur:
                        cur.remove(e)
                    cur.append(e)
                attrs[k] = cur
            elif isinstance(v, list):
                seen = []
                for e in v:
                    if e not in seen:
                        seen.append(e)
                attrs[k] = seen
            else:
                attrs[k] = v
        self.index_user(u, before)

    # -- /segments/list

    def segments_list(self, req, key):
        page = req.q("page", "0")
        try:
            page = int(page)
            if page < 0:
                raise ValueError
        except ValueError:
            return self.error(400, "Bad Request", "page is not an integer "
                              ">= 0")
        sd = req.q("sort_direction", "asc")
        if sd not in ("asc", "desc"):
            return self.error(400, "Bad Request", "sort_direction is not "
                              "asc or desc")
        segs = [s for s in self.cfg.get("segments", [])
                if not s.get("archived")]
        if sd == "desc":
            segs = list(reversed(segs))
        chunk = segs[page * 100:(page + 1) * 100]
        out = [{"id": s["id"], "name": s["name"],
                "analytics_tracking_enabled":
                    bool(s.get("analytics_tracking_enabled", False)),
                "tags": list(s.get("tags", []))} for s in chunk]
        return Reply(200, {"message": "success", "segments": out},
                     items=len(out))

    def state(self):
        users = {}
        for k, u in sorted(self.users.items()):
            users[k] = {kk: vv for kk, vv in u.items()
                        if kk not in ("created", "updated", "_key")}
        return {"dest": "braze", "users": users, "user_count": len(users),
                "counts": dict(self.counts)}


# ----- Brevo ---------------------------------------------------------------

SMS_RE = re.compile(r"^(\+|00)?[1-9][0-9]{7,14}$")


class Brevo(Dest):
    name = "brevo"
    rate_header_style = "brevo"

    def reset_state(self):
        super().reset_state()
        self.contacts = {}   # email -> {"email", "attributes", "listIds"}
        self.lists = {}
        for lst in self.cfg.get("lists", []):
            self.lists[int(lst["id"])] = {
                "id": int(lst["id"]), "name": lst["name"],
                "size": int(lst.get("size", 0)),
                "folderId": int(lst.get("folderId", 1)),
                "totalBlacklisted": int(lst.get("totalBlacklisted", 0)),
                "createdAt": lst.get("createdAt", "2024-01-01T00:00:00Z")}
        self.processes = {}
        self.next_process = 1
        self.imports = 0
        # Completed imports not applied to the contacts yet: they are
        # applied, in completion order, before anything reads contacts
        # (the same for every observer, and a million-row benchmark does
        # not pay for it while it polls).
        self.to_apply = []
        self.counts = {"imports_accepted": 0, "imports_completed": 0,
                       "imports_failed": 0, "contacts_imported": 0,
                       "invalid_emails": 0, "invalid_sms": 0,
                       "ignored_attributes": 0}
        self.ignored_attribute_names = set()

    def error(self, status, message, reason=None, code=None):
        if code is None:
            code = {400: "bad_request", 401: "unauthorized",
                    402: "not_enough_credits", 403: "permission_denied",
                    404: "document_not_found", 405: "method_not_allowed",
                    429: "too_many_requests"}.get(status, "internal_error")
        return Reply(status, {"code": code, "message": message},
                     reason=reason)

    def not_found(self, req):
        return self.error(404, "Invalid URL", "unknown path",
                          code="document_not_found")

    def route(self, req):
        p, m = req.path, req.method
        if not p.startswith("/v3/"):
            return None
        p = p[3:]
        parts = p.strip("/").split("/")
        if p == "/account":
            return Route("GET /account", self.account, ("brevo_other",)) \
                if m == "GET" else "405"
        if p == "/contacts/lists":
            if m == "GET":
                return Route("GET /contacts/lists", self.lists_get,
                             ("brevo_contacts",))
            if m == "POST":
                return Route("POST /contacts/lists", self.lists_create,
                             ("brevo_contacts",))
            return "405"
        if p == "/contacts/folders":
            return Route("GET /contacts/folders", self.folders_get,
                         ("brevo_contacts",)) if m == "GET" else "405"
        if len(parts) == 3 and parts[:2] == ["contacts", "lists"]:
            return Route("GET /contacts/lists/{id}", self.list_get,
                         ("brevo_contacts",)) if m == "GET" else "405"
        if len(parts) == 5 and parts[:2] == ["contacts", "lists"] and \
                parts[3] == "contacts" and parts[4] in ("add", "remove"):
            return Route("POST /contacts/lists/{id}/contacts/" + parts[4],
                         self.list_members, ("brevo_contacts",)) \
                if m == "POST" else "405"
        if p == "/contacts/import":
            return Route("POST /contacts/import", self.import_,
                         ("brevo_contacts",)) if m == "POST" else "405"
        if len(parts) == 2 and parts[0] == "contacts" and \
                parts[1] not in ("lists", "import", "folders", "attributes"):
            return Route("GET /contacts/{identifier}", self.contact_get,
                         ("brevo_contacts",)) if m == "GET" else "405"
        if p == "/processes":
            return Route("GET /processes", self.processes_get,
                         ("brevo_other",)) if m == "GET" else "405"
        if len(parts) == 2 and parts[0] == "processes":
            return Route("GET /processes/{id}", self.process_get,
                         ("brevo_other",)) if m == "GET" else "405"
        return None

    def authenticate(self, req, route):
        key = req.headers.get("api-key")
        if key is None:
            return None, self.error(401, "authentication not found in "
                                    "headers", "missing api-key header",
                                    code="unauthorized")
        kcfg = self.cfg["keys"].get(key)
        if kcfg is None:
            return None, self.error(401, "Key not found", "unknown key",
                                    code="unauthorized")
        if self.key_revoked(key, kcfg):
            return None, self.error(401, "Key not found", "revoked key",
                                    code="unauthorized")
        return key, None

    def need_json(self, req):
        if self.cfg.get("require_json_content_type", True) and \
                req.content_type() != "application/json":
            return None, self.error(400, "Content-Type must be "
                                    "application/json",
                                    "bad Content-Type", "invalid_parameter")
        body, err = req.json()
        if err:
            return None, self.error(400, "Invalid JSON body", err,
                                    "bad_request")
        if not isinstance(body, dict):
            return None, self.error(400, "body must be a JSON object",
                                    "body is not an object", "bad_request")
        return body, None

    def account(self, req, key):
        a = self.cfg["account"]
        out = {"email": a.get("email", ""),
               "firstName": a.get("firstName", ""),
               "lastName": a.get("lastName", ""),
               "companyName": a.get("companyName", ""),
               "address": a.get("address", {"street": "1 Fake Street",
                                            "city": "Testville",
                                            "zipCode": "00000",
                                            "country": "France"}),
               "plan": a.get("plan", [{"type": "free", "credits": 300,
                                       "creditsType": "sendLimit"}]),
               "relay": {"enabled": False, "data": {
                   "userName": a.get("email", ""),
                   "relay": "smtp-relay.example.invalid", "port": 587}}}
        return Reply(200, out)

    def list_json(self, lst, extended=False):
        self.apply_pending()
        members = sum(1 for c in self.contacts.values()
                      if lst["id"] in c["listIds"])
        total = lst["size"] + members
        out = {"id": lst["id"], "name": lst["name"],
               "totalBlacklisted": lst["totalBlacklisted"],
               "totalSubscribers": total, "uniqueSubscribers": total,
               "folderId": lst["folderId"]}
        if extended:
            out["createdAt"] = lst["createdAt"]
            out["dynamicList"] = False
        return out

    def int_param(self, req, name, default, lo, hi):
        v = req.q(name)
        if v is None:
            return default, None
        try:
            iv = int(v)
        except ValueError:
            return None, self.error(400, "%s must be an integer" % name,
                                    "bad %s" % name, "invalid_parameter")
        if iv < lo or (hi is not None and iv > hi):
            return None, self.error(
                400, "%s must be between %d and %s" % (name, lo, hi),
                "%s out of range" % name, "out_of_range")
        return iv, None

    def paged(self, req, name, items, as_json):
        """GET ?limit=&offset=&sort=: one page of items, Brevo's way
        (limit 0-50, default 10; newest first unless sort=asc)."""
        limit, err = self.int_param(req, "limit", 10, 0, 50)
        if err:
            return err
        offset, err = self.int_param(req, "offset", 0, 0, None)
        if err:
            return err
        sort = req.q("sort", "desc")
        if sort not in ("asc", "desc"):
            return self.error(400, "sort must be asc or desc", "bad sort",
                              "invalid_parameter")
        ids = sorted(items, reverse=(sort == "desc"))
        page = ids[offset:offset + limit]
        out = {"count": len(ids)}
        if page:
            out[name] = [as_json(items[i]) for i in page]
        return Reply(200, out, items=len(page))

    def lists_get(self, req, key):
        return self.paged(req, "lists", self.lists, self.list_json)

    def folders_get(self, req, key):
        # api-contracts.md 2.5: "Folders come from GET /contacts/folders
        # (limit max 50)"; the same paging and envelope as the lists.
        folders = {f["id"]: f for f in self.cfg.get(
            "folders", [{"id": 1, "name": "Your first folder"}])}
        return self.paged(req, "folders", folders, lambda f: {
            "id": f["id"], "name": f["name"], "totalBlacklisted": 0,
            "totalSubscribers": 0, "uniqueSubscribers": 0})

    def list_get(self, req, key):
        lid = req.path.rstrip("/").split("/")[-1]
        if not lid.isdigit():
            return self.error(400, "listId must be an integer",
                              "bad list id", "invalid_parameter")
        lst = self.lists.get(int(lid))
        if lst is None:
            return self.error(404, "List ID not found", "unknown list",
                              "document_not_found")
        return Reply(200, self.list_json(lst, extended=True))

    def new_list(self, name, folder):
        lid = max(list(self.lists) + [0]) + 1
        self.lists[lid] = {"id": lid, "name": name, "size": 0,
                           "folderId": folder, "totalBlacklisted": 0,
                           "createdAt": time.strftime(
                               "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        return lid

    def lists_create(self, req, key):
        body, err = self.need_json(req)
        if err:
            return err
        if not isinstance(body.get("name"), str) or not body["name"]:
            return self.error(400, "name is missing", "no name",
                              "missing_parameter")
        if not isinstance(body.get("folderId"), int):
            return self.error(400, "folderId is missing", "no folderId",
                              "missing_parameter")
        return Reply(201, {"id": self.new_list(body["name"],
                                               body["folderId"])})

    def list_members(self, req, key):
        parts = req.path.strip("/").split("/")
        lid, op = parts[3], parts[5]
        if not lid.isdigit():
            return self.error(400, "listId must be an integer",
                              "bad list id", "invalid_parameter")
        lid = int(lid)
        if lid not in self.lists:
            return self.error(404, "List ID not found", "unknown list",
                              "document_not_found")
        body, err = self.need_json(req)
        if err:
            return err
        self.apply_pending()
        if op == "remove" and body.get("all") is True:
            for c in self.contacts.values():
                if lid in c["listIds"]:
                    c["listIds"].remove(lid)
            pid = self.new_process("LIST_REMOVE_ALL", None)
            return Reply(201, {"contacts": {"processId": pid}})
        emails = body.get("emails")
        if not isinstance(emails, list) or not emails:
            return self.error(400, "emails is missing", "no emails",
                              "missing_parameter")
        if len(emails) > 150:
            return self.error(400, "emails: at most 150 items",
                              "over 150 emails", "out_of_range")
        success, failure = [], []
        for e in emails:
            c = self.contacts.get(e.lower()) if isinstance(e, str) else None
            if c is None:
                failure.append(e)
                continue
            if op == "add" and lid not in c["listIds"]:
                c["listIds"].append(lid)
                c["listIds"].sort()
                success.append(e)
            elif op == "remove" and lid in c["listIds"]:
                c["listIds"].remove(lid)
                success.append(e)
            else:
                failure.append(e)
        return Reply(201, {"contacts": {"success": success,
                                        "failure": failure,
                                        "total": len(success)}},
                     items=len(emails))

    def contact_get(self, req, key):
        self.apply_pending()
        ident = urllib.parse.unquote(req.path.rstrip("/").split("/")[-1])
        c = self.contacts.get(ident.lower())
        if c is None:
            return self.error(404, "Contact does not exist",
                              "unknown contact", "document_not_found")
        return Reply(200, {"email": c["email"], "id": c["id"],
                           "attributes": c["attributes"],
                           "listIds": c["listIds"],
                           "emailBlacklisted": False,
                           "smsBlacklisted": False})

    def import_(self, req, key):
        if len(req.body) > int(self.cfg["import_max_bytes"]):
            return self.error(400, "Maximum allowed json body size is "
                              "10MB", "body of %d bytes over %d" %
                              (len(req.body), self.cfg["import_max_bytes"]),
                              "invalid_parameter")
        body, err = self.need_json(req)
        if err:
            return err
        sources = [k for k in ("fileUrl", "fileBody", "jsonBody")
                   if body.get(k) is not None]
        if len(sources) != 1:
            return self.error(400, "exactly one of fileUrl, fileBody or "
                              "jsonBody must be given",
                              "%d data sources" % len(sources),
                              "missing_parameter" if not sources else
                              "invalid_parameter")
        list_ids = body.get("listIds")
        new_list = body.get("newList")
        if list_ids in (None, []) and new_list is None:
            return self.error(400, "listIds or newList is mandatory",
                              "no listIds/newList", "missing_parameter")
        if list_ids not in (None, []):
            if not isinstance(list_ids, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool)
                    for i in list_ids):
                return self.error(400, "listIds must be an array of "
                                  "integers", "bad listIds",
                                  "invalid_parameter")
            missing = [i for i in list_ids if i not in self.lists]
            if missing:
                return self.error(400, "listIds %s not found" % missing,
                                  "unknown list ids", "invalid_parameter")
        if new_list is not None and list_ids in (None, []):
            if not isinstance(new_list, dict) or \
                    not isinstance(new_list.get("listName"), str) or \
                    not isinstance(new_list.get("folderId"), int):
                return self.error(400, "newList needs listName and "
                                  "folderId", "bad newList",
                                  "invalid_parameter")
        for flag in ("updateExistingContacts", "emptyContactsAttributes",
                     "emailBlacklist", "smsBlacklist", "disableNotification"):
            if flag in body and not isinstance(body[flag], bool):
                return self.error(400, "%s must be a boolean" % flag,
                                  "bad %s" % flag, "invalid_parameter")
        rows = []
        if "jsonBody" in sources:
            jb = body["jsonBody"]
            if not isinstance(jb, list) or not jb:
                return self.error(400, "jsonBody must be a non-empty array",
                                  "bad jsonBody", "invalid_parameter")
            for i, it in enumerate(jb):
                # The common shape first: {"email": s[, "attributes": {}]}
                if type(it) is dict and type(it.get("email")) is str and \
                        (len(it) == 1 or (len(it) == 2 and type(
                            it.get("attributes")) is dict)):
                    continue
                if not isinstance(it, dict) or not it or \
                        set(it) - {"email", "attributes"} or \
                        ("email" in it and not isinstance(it["email"], str))\
                        or ("attributes" in it and
                            not isinstance(it["attributes"], dict)):
                    return self.error(400, "jsonBody[%d] is invalid" % i,
                                      "bad jsonBody item %d" % i,
                                      "invalid_parameter")
            rows = jb    # kept as parsed: {"email", "attributes"} items
        elif "fileBody" in sources:
            fb = body["fileBody"]
            if not isinstance(fb, str) or not fb.strip():
                return self.error(400, "fileBody must be a non-empty string",
                                  "bad fileBody", "invalid_parameter")
            rdr = csv.reader(io.StringIO(fb), delimiter=";")
            hdr = [h.strip().upper() for h in next(rdr)]
            for rec in rdr:
                d = dict(zip(hdr, rec))
                email = d.pop("EMAIL", None)
                rows.append({"email": email, "attributes": d})
        elif not isinstance(body["fileUrl"], str):
            return self.error(400, "fileUrl must be a string", "bad fileUrl",
                              "invalid_parameter")
        if new_list is not None and list_ids in (None, []):
            list_ids = [self.new_list(new_list["listName"],
                                      new_list["folderId"])]
        self.imports += 1
        pc = self.cfg["process"]
        fails = self.imports in (pc.get("fail") or []) or \
            (pc.get("fail_every") and self.imports % int(pc["fail_every"])
             == 0)
        cancels = self.imports in (pc.get("cancel") or []) or \
            (pc.get("cancel_every") and
             self.imports % int(pc["cancel_every"]) == 0)
        job = {"rows": rows, "listIds": list(list_ids),
               "update": body.get("updateExistingContacts", True),
               "empty": body.get("emptyContactsAttributes", False),
               "fails": "failed" if fails else
               ("cancelled" if cancels else None),
               "fileUrl": body.get("fileUrl"),
               "invalid": self.invalid_emails(rows)}
        pid = self.new_process("IMPORTUSER", job)
        self.counts["imports_accepted"] += 1
        # Tens of thousands of new long-lived objects: out of the cyclic
        # collector's reach at once (see main()), or its full collections
        # stall the server for most of a second now and then.
        gc.freeze()
        return Reply(202, {"processId": pid}, items=len(rows))

    def new_process(self, name, job):
        pid = self.next_process
        self.next_process += 1
        self.processes[pid] = {"id": pid, "name": name, "polls": 0,
                               "created": now(), "job": job,
                               "status": "queued" if job else "completed",
                               "report": None}
        return pid

    def invalid_emails(self, rows):
        """The emails of rows that this Brevo refuses, as sent."""
        pat = self.cfg.get("invalid_email_pattern")
        pat = re.compile(pat) if pat else None
        match = EMAIL_RE.match
        out = []
        for it in rows:
            e = it.get("email")
            if type(e) is not str or not match(e.strip()) or \
                    (pat is not None and pat.search(e)):
                out.append(e)
        return out

    def advance(self, p, poll):
        """Move a process along its life cycle; returns its status."""
        if p["status"] in ("completed", "failed", "cancelled"):
            return p["status"]
        pc = self.cfg["process"]
        if poll:
            p["polls"] += 1
        if pc.get("queued_seconds") is not None or \
                pc.get("in_process_seconds") is not None:
            age = now() - p["created"]
            q = float(pc.get("queued_seconds") or 0)
            ip = float(pc.get("in_process_seconds") or 0)
            st = "queued" if age < q else \
                ("in_process" if age < q + ip else "done")
        elif not poll:
            return p["status"]
        else:
            q = int(pc.get("queued_polls", 1))
            ip = int(pc.get("in_process_polls", 1))
            n = p["polls"]
            st = "queued" if n <= q else \
                ("in_process" if n <= q + ip else "done")
        if st == "done":
            job = p["job"]
            if job["fails"]:
                st = job["fails"]
                self.counts["imports_failed"] += 1
            else:
                st = "completed"
                p["report"] = {"invalid_emails": len(job["invalid"])}
                self.counts["invalid_emails"] += len(job["invalid"])
                self.to_apply.append(job)
                self.counts["imports_completed"] += 1
        p["status"] = st
        return st

    def apply_pending(self):
        """Apply completed imports to the contacts, in completion order."""
        todo, self.to_apply = self.to_apply, []
        for job in todo:
            self.apply_import(job)

    def apply_import(self, job):
        known = set(self.cfg.get("attributes", []))
        invalid = set(e for e in job["invalid"] if isinstance(e, str))
        for it in job["rows"]:
            email = it.get("email")
            attrs = it.get("attributes") or {}
            if not isinstance(email, str) or email in invalid:
                continue
            email = email.strip().lower()
            c = self.contacts.get(email)
            if c is not None and not job["update"]:
                continue
            if c is None:
                c = {"id": len(self.contacts) + 1, "email": email,
                     "attributes": {}, "listIds": [], "imports": 0}
                self.contacts[email] = c
            c["imports"] += 1
            for k, v in attrs.items():
                if k not in known or k == "EMAIL":
                    self.counts["ignored_attributes"] += 1
                    self.ignored_attribute_names.add(k)
                    continue
                if v is None or v == "":
                    if job["empty"]:
                        c["attributes"].pop(k, None)
                    continue
                if k in ("SMS", "WHATSAPP", "LANDLINE_NUMBER") and \
                        not SMS_RE.match(re.sub(r"[\s().-]", "", str(v))):
                    self.counts["invalid_sms"] += 1
                    continue
                c["attributes"][k] = v
            for lid in job["listIds"]:
                if lid not in c["listIds"]:
                    c["listIds"].append(lid)
            c["listIds"].sort()
            self.counts["contacts_imported"] += 1

    def process_json(self, p):
        out = {"id": p["id"], "status": p["status"], "name": p["name"]}
        if p["status"] == "completed" and p["name"] == "IMPORTUSER":
            inv = (p["report"] or {}).get("invalid_emails", 0)
            out["info"] = {"import": {
                "invalid_emails": ("%s/__fake/reports/%d/invalid_emails.csv"
                                   % (self.srv.base_url, p["id"]))
                if inv else None,
                "duplicate_contact_id": None, "duplicate_ext_id": None,
                "duplicate_email_id": None, "duplicate_phone_id": None,
                "duplicate_whatsapp_id": None,
                "duplicate_landline_number_id": None}}
        return out

    def process_get(self, req, key):
        pid = req.path.rstrip("/").split("/")[-1]
        if not pid.isdigit():
            return self.error(400, "processId must be an integer",
                              "bad process id", "invalid_parameter")
        p = self.processes.get(int(pid))
        if p is None:
            return self.error(404, "processId is invalid",
                              "unknown process", "invalid_parameter")
        self.advance(p, poll=True)
        return Reply(200, self.process_json(p))

    def processes_get(self, req, key):
        limit, err = self.int_param(req, "limit", 10, 0, 50)
        if err:
            return err
        offset, err = self.int_param(req, "offset", 0, 0, None)
        if err:
            return err
        ids = sorted(self.processes, reverse=(req.q("sort", "desc") ==
                                              "desc"))
        page = ids[offset:offset + limit]
        # Listing a process observes it as much as reading it alone.
        for i in page:
            self.advance(self.processes[i], poll=True)
        return Reply(200, {"processes": [self.process_json(self.processes[i])
                                         for i in page],
                           "count": len(ids)}, items=len(page))

    def state(self):
        for p in self.processes.values():
            self.advance(p, poll=False)
        self.apply_pending()
        return {"dest": "brevo",
                "contacts": {e: {"attributes": c["attributes"],
                                 "listIds": c["listIds"],
                                 "imports": c["imports"]}
                             for e, c in sorted(self.contacts.items())},
                "contact_count": len(self.contacts),
                "lists": {str(i): self.list_json(lst)
                          for i, lst in sorted(self.lists.items())},
                "processes": {str(i): {"status": p["status"],
                                       "name": p["name"],
                                       "polls": p["polls"],
                                       "rows": len((p["job"] or {}).get(
                                           "rows", [])),
                                       "listIds": (p["job"] or {}).get(
                                           "listIds")}
                              for i, p in sorted(self.processes.items())},
                "ignored_attribute_names": sorted(
                    self.ignored_attribute_names),
                "counts": dict(self.counts)}


# ----- Snapchat -------------------------------------------------------------

HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
SNAP_SCHEMAS = ("EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256")
SNAP_SOURCE_TYPES = ("FIRST_PARTY", "ENGAGEMENT", "PIXEL", "MOBILE",
                     "FOOT_TRAFFIC_INSIGHTS")


class Snapchat(Dest):
    name = "snapchat"

    def reset_state(self):
        super().reset_state()
        c = self.cfg
        self.codes = set(c.get("codes", []))
        self.used_codes = set()
        # refresh token -> {"family": f, "state": active|rotated|revoked}
        self.refresh = {}
        self.access = {}   # access token -> {"family", "expires", "revoked"}
        self.families = {}
        self.tok_seq = 0
        self.api_requests = 0
        self.cur_req = None
        self.segments = {}
        for s in c.get("segments", []):
            self.add_segment(s)
        self.next_segment = 9000000000000001
        for rt in c.get("refresh_tokens", []):
            fam = self.new_family()
            self.refresh[rt] = {"family": fam, "state": "active"}
        for at in c.get("access_tokens", []):
            self.access[at] = {"family": None, "expires": None,
                               "revoked": False}
        self.counts = {"tokens_issued": 0, "refreshes": 0,
                       "families_revoked": 0, "identifiers_added": 0,
                       "identifiers_removed": 0, "bodies_with_at": 0}

    def add_segment(self, s):
        sid = str(s["id"])
        seg = {"id": sid, "name": s.get("name", "segment " + sid),
               "description": s.get("description", ""),
               "status": s.get("status", "ACTIVE"),
               "source_type": s.get("source_type", "FIRST_PARTY"),
               "retention_in_days": s.get("retention_in_days", 9999),
               "ad_account_id": s.get("ad_account_id",
                                      self.cfg["ad_accounts"][0]["id"]),
               "organization_id": self.cfg["organization"]["id"],
               "base_users": int(s.get("approximate_number_users", 0)),
               "upload_status": s.get("upload_status", "NO_UPLOAD"),
               "targetable_status": s.get("targetable_status", "NOT_READY"),
               "created_at": "2024-01-01T00:00:00.000Z",
               "updated_at": "2024-01-01T00:00:00.000Z",
               "users": {}, "deleted": False}
        self.segments[sid] = seg
        return seg

    def new_family(self):
        self.tok_seq += 1
        fam = "f%d" % self.tok_seq
        self.families[fam] = {"revoked": False}
        return fam

    def token(self, prefix):
        self.tok_seq += 1
        return "%s.%d.%s" % (prefix, self.tok_seq, hashlib.sha256(
            ("%s%d%f" % (prefix, self.tok_seq, now())).encode())
            .hexdigest()[:24])

    def rid(self, req):
        req = req or self.cur_req
        return "fake%08x" % (req.n if req else 0)

    def error(self, status, message, reason=None, error_code=None, req=None):
        body = {"request_status": "ERROR", "request_id": self.rid(req),
                "debug_message": message,
                "display_message": "We're sorry, but the request could "
                "not be completed"}
        if error_code:
            body["error_code"] = error_code
        return Reply(status, body, reason=reason)

    def oauth_error(self, status, err, desc):
        return Reply(status, {"error": err, "error_description": desc},
                     reason=err + ": " + desc)

    def route(self, req):
        self.cur_req = req   # for request_id in errors made without req
        p, m = req.path, req.method
        parts = p.strip("/").split("/")
        if p == "/login/oauth2/access_token":
            return Route("POST /login/oauth2/access_token", self.token_ep,
                         (), auth=False) if m == "POST" else "405"
        if p == "/login/oauth2/authorize":
            return Route("GET /login/oauth2/authorize", self.authorize, (),
                         auth=False) if m == "GET" else "405"
        if not p.startswith("/v1/"):
            return None
        b = ("snapchat_token", "snapchat_app")
        if p == "/v1/me":
            return Route("GET /v1/me", self.me, b) if m == "GET" else "405"
        if p == "/v1/me/organizations":
            return Route("GET /v1/me/organizations", self.orgs, b) \
                if m == "GET" else "405"
        if len(parts) == 4 and parts[1] == "organizations" and \
                parts[3] == "adaccounts":
            return Route("GET /v1/organizations/{id}/adaccounts",
                         self.adaccounts, b) if m == "GET" else "405"
        if len(parts) == 4 and parts[1] == "adaccounts" and \
                parts[3] == "segments":
            if m == "GET":
                return Route("GET /v1/adaccounts/{id}/segments",
                             self.segments_list, b)
            if m == "POST":
                return Route("POST /v1/adaccounts/{id}/segments",
                             self.segments_create, b)
            return "405"
        if len(parts) == 3 and parts[1] == "segments":
            if m == "GET":
                return Route("GET /v1/segments/{id}", self.segment_get, b)
            if m == "DELETE":
                return Route("DELETE /v1/segments/{id}", self.segment_delete,
                             b)
            return "405"
        if len(parts) == 4 and parts[1] == "segments" and \
                parts[3] == "users":
            if m in ("POST", "DELETE"):
                return Route("%s /v1/segments/{id}/users" % m, self.users, b)
            return "405"
        if len(parts) == 4 and parts[1] == "segments" and \
                parts[3] == "all_users":
            return Route("DELETE /v1/segments/{id}/all_users",
                         self.all_users, b) if m == "DELETE" else "405"
        return None

    def not_found(self, req):
        return self.error(404, "Resource not found", "unknown path",
                          req=req)

    def method_not_allowed(self, req):
        return self.error(405, "Method not allowed", "method not allowed",
                          req=req)

    def rate_limited(self):
        return self.error(429, "Too Many Requests", "rate limited")

    def fault(self, status):
        return self.error(status, "Service Unavailable", "injected fault")

    def authenticate(self, req, route):
        c = self.cfg
        self.api_requests += 1
        # Each revocation happens once, when request N+1 arrives: tokens
        # issued afterwards (by a refresh, or a new authorization) work.
        ra = c.get("revoke_all_after")
        rac = c.get("revoke_access_after")
        if ra is not None and self.api_requests == int(ra) + 1:
            self.revoke_tokens("all")
        if rac is not None and self.api_requests == int(rac) + 1:
            self.revoke_tokens("access")
        # Hashed identifiers never hold an '@': one in a body is an email
        # sent in clear.
        if req.body and b"@" in req.body:
            self.counts["bodies_with_at"] += 1
        auth = req.headers.get("Authorization") or ""
        m = re.match(r"^Bearer +(\S+)\s*$", auth)
        if not m:
            return None, self.unauth(req, "missing or malformed "
                                     "Authorization header")
        tok = m.group(1)
        a = self.access.get(tok)
        if a is None:
            return None, self.unauth(req, "unknown access token")
        if a["revoked"] or (a["family"] and
                            self.families[a["family"]]["revoked"]):
            return None, self.unauth(req, "revoked access token")
        if a["expires"] is not None and now() >= a["expires"]:
            return None, self.unauth(req, "expired access token")
        return tok, None

    def revoke_tokens(self, what):
        """Revoke every access token now ("access"), and every refresh
        token family too ("all"); tokens issued afterwards work."""
        for a in self.access.values():
            a["revoked"] = True
        if what != "all":
            return
        for f in self.families.values():
            if not f["revoked"]:
                f["revoked"] = True
                self.counts["families_revoked"] += 1

    def unauth(self, req, why):
        r = self.error(401, "Unauthorized", why, req=req)
        r.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return r

    # -- OAuth

    def authorize(self, req, _):
        c = self.cfg
        if req.q("client_id") != c["client_id"] or \
                req.q("response_type") != "code" or \
                req.q("redirect_uri") != c["redirect_uri"]:
            return self.oauth_error(400, "invalid_request",
                                    "client_id, response_type=code and the "
                                    "registered redirect_uri are required")
        code = self.token("code")
        self.codes.add(code)
        loc = c["redirect_uri"] + ("&" if "?" in c["redirect_uri"] else "?")
        loc += urllib.parse.urlencode(
            [("code", code)] + ([("state", req.q("state"))]
                                if req.q("state") is not None else []))
        return Reply(302, {"redirect": loc}, headers={"Location": loc})

    def issue(self, fam, refresh_token=None):
        c = self.cfg
        at = self.token("at")
        exp = int(c["expires_in"])
        self.access[at] = {"family": fam, "expires": now() + exp,
                           "revoked": False}
        if refresh_token is None:
            refresh_token = self.token("rt")
            self.refresh[refresh_token] = {"family": fam, "state": "active"}
        self.counts["tokens_issued"] += 1
        return Reply(200, {"access_token": at, "token_type": "Bearer",
                           "expires_in": exp,
                           "refresh_token": refresh_token,
                           "scope": "snapchat-marketing-api"})

    def token_ep(self, req, _):
        c = self.cfg
        if req.content_type() != "application/x-www-form-urlencoded":
            return self.oauth_error(400, "invalid_request", "the body must "
                                    "be application/x-www-form-urlencoded")
        try:
            form = urllib.parse.parse_qs(req.body.decode("utf-8"),
                                         keep_blank_values=True,
                                         strict_parsing=bool(req.body))
        except (UnicodeDecodeError, ValueError):
            return self.oauth_error(400, "invalid_request",
                                    "unparsable form body")
        f = {k: v[0] for k, v in form.items()}
        gt = f.get("grant_type")
        if gt not in ("authorization_code", "refresh_token"):
            return self.oauth_error(400, "unsupported_grant_type",
                                    "grant_type %r" % gt)
        if f.get("client_id") != c["client_id"] or \
                f.get("client_secret") != c["client_secret"]:
            return self.oauth_error(401, "invalid_client",
                                    "unknown client or wrong secret")
        if gt == "authorization_code":
            code = f.get("code")
            if not code:
                return self.oauth_error(400, "invalid_request",
                                        "code is missing")
            if f.get("redirect_uri") != c["redirect_uri"]:
                return self.oauth_error(400, "invalid_grant",
                                        "redirect_uri does not match")
            if code not in self.codes or code in self.used_codes:
                return self.oauth_error(400, "invalid_grant",
                                        "unknown or already used code")
            self.used_codes.add(code)
            return self.issue(self.new_family())
        rt = f.get("refresh_token")
        if not rt:
            return self.oauth_error(400, "invalid_request",
                                    "refresh_token is missing")
        r = self.refresh.get(rt)
        if r is None:
            return self.oauth_error(400, "invalid_grant",
                                    "unknown refresh token")
        fam = self.families[r["family"]]
        if fam["revoked"] or r["state"] == "revoked":
            return self.oauth_error(400, "invalid_grant",
                                    "refresh token revoked")
        if r["state"] == "rotated":
            if c.get("reuse_revokes_family", True):
                fam["revoked"] = True
                self.counts["families_revoked"] += 1
                return self.oauth_error(400, "invalid_grant",
                                        "rotated refresh token reused; "
                                        "token family revoked")
            return self.oauth_error(400, "invalid_grant",
                                    "refresh token already rotated")
        self.counts["refreshes"] += 1
        if c.get("rotate_refresh_tokens", True):
            r["state"] = "rotated"
            return self.issue(r["family"])
        return self.issue(r["family"], refresh_token=rt)

    # -- API

    def me(self, req, tok):
        return Reply(200, {"request_status": "SUCCESS",
                           "request_id": self.rid(req),
                           "me": dict(self.cfg["me"],
                                      created_at="2024-01-01T00:00:00.000Z",
                                      updated_at="2024-01-01T00:00:00.000Z")})

    def orgs(self, req, tok):
        o = self.cfg["organization"]
        return Reply(200, {"request_status": "SUCCESS",
                           "request_id": self.rid(req),
                           "organizations": [{"sub_request_status": "SUCCESS",
                                              "organization": dict(o)}]})

    def adaccounts(self, req, tok):
        org = req.path.strip("/").split("/")[2]
        if org != self.cfg["organization"]["id"]:
            return self.error(403, "Caller does not have permission",
                              "other organization", "E3002", req)
        return Reply(200, {"request_status": "SUCCESS",
                           "request_id": self.rid(req),
                           "adaccounts": [
                               {"sub_request_status": "SUCCESS",
                                "adaccount": dict(a, organization_id=org)}
                               for a in self.cfg["ad_accounts"]]})

    def seg_json(self, s):
        n = s["base_users"] + sum(len(v) for v in s["users"].values())
        out = {k: v for k, v in s.items()
               if k not in ("users", "base_users", "deleted")}
        out["approximate_number_users"] = n
        return out

    def seg_envelope(self, req, segs, **extra):
        out = {"request_status": "SUCCESS", "request_id": self.rid(req),
               "segments": [{"sub_request_status": "SUCCESS",
                             "segment": self.seg_json(s)} for s in segs]}
        out.update(extra)
        return Reply(200, out, items=len(segs))

    def account_ok(self, acct):
        return any(a["id"] == acct for a in self.cfg["ad_accounts"])

    def segments_list(self, req, tok):
        acct = req.path.strip("/").split("/")[2]
        if not self.account_ok(acct):
            return self.error(403, "Caller does not have permission",
                              "unknown ad account", "E3002", req)
        limit = req.q("limit")
        explicit = limit is not None
        if limit is not None:
            try:
                limit = int(limit)
                if not 50 <= limit <= 1000:
                    raise ValueError
            except ValueError:
                return self.error(400, "limit must be between 50 and 1000",
                                  "bad limit", req=req)
        else:
            limit = int(self.cfg["segments_page_size"])
        try:
            cursor = int(req.q("cursor", "0"))
        except ValueError:
            return self.error(400, "bad cursor", "bad cursor", req=req)
        segs = [s for s in self.segments.values()
                if s["ad_account_id"] == acct and not s["deleted"]]
        page = segs[cursor:cursor + limit]
        extra = {}
        if cursor + limit < len(segs):
            extra["paging"] = {"next_link": "%s/v1/adaccounts/%s/segments?"
                               "%scursor=%d" % (
                                   self.srv.base_url_for(req), acct,
                                   "limit=%d&" % limit if explicit else "",
                                   cursor + limit)}
        else:
            extra["paging"] = {}
        return self.seg_envelope(req, page, **extra)

    def segments_create(self, req, tok):
        acct = req.path.strip("/").split("/")[2]
        if not self.account_ok(acct):
            return self.error(403, "Caller does not have permission",
                              "unknown ad account", "E3002", req)
        body, err = self.need_json(req)
        if err:
            return err
        segs = body.get("segments")
        if not isinstance(segs, list) or not segs:
            return self.error(400, "segments must be a non-empty array",
                              "no segments", req=req)
        made = []
        for s in segs:
            if not isinstance(s, dict) or not isinstance(s.get("name"), str)\
                    or not s["name"] or len(s["name"]) > 375 or \
                    s.get("source_type") not in SNAP_SOURCE_TYPES or \
                    not isinstance(s.get("retention_in_days"), int) or \
                    s.get("ad_account_id") != acct:
                return self.error(400, "invalid segment: name (<= 375), "
                                  "source_type, retention_in_days and "
                                  "ad_account_id are required",
                                  "bad segment", req=req)
        for s in segs:
            sid = str(self.next_segment)
            self.next_segment += 1
            made.append(self.add_segment(dict(s, id=sid, status="PENDING")))
        return self.seg_envelope(req, made)

    def find_segment(self, req):
        sid = req.path.strip("/").split("/")[2]
        s = self.segments.get(sid)
        if s is None or s["deleted"]:
            return None, self.error(404, "Segment not found",
                                    "unknown segment %s" % sid, req=req)
        if not self.account_ok(s["ad_account_id"]):
            return None, self.error(403, "Caller does not have permission",
                                    "segment of another ad account",
                                    "E3002", req)
        return s, None

    def segment_get(self, req, tok):
        s, err = self.find_segment(req)
        return err or self.seg_envelope(req, [s])

    def segment_delete(self, req, tok):
        s, err = self.find_segment(req)
        if err:
            return err
        s["deleted"] = True
        return Reply(200, {"request_status": "SUCCESS",
                           "request_id": self.rid(req), "segments": []})

    def all_users(self, req, tok):
        s, err = self.find_segment(req)
        if err:
            return err
        s["users"] = {}
        s["base_users"] = 0
        return self.seg_envelope(req, [s])

    def need_json(self, req):
        if req.content_type() != "application/json":
            return None, self.error(400, "Content-Type must be "
                                    "application/json", "bad Content-Type",
                                    req=req)
        body, err = req.json()
        if err or not isinstance(body, dict):
            return None, self.error(400, "body must be a JSON object",
                                    err or "body is not an object", req=req)
        return body, None

    def users(self, req, tok):
        s, err = self.find_segment(req)
        if err:
            return err
        body, err = self.need_json(req)
        if err:
            return err
        users = body.get("users")
        if not isinstance(users, list) or not users:
            return self.error(400, "users must be a non-empty array",
                              "no users", req=req)
        total = 0
        for i, u in enumerate(users):
            if not isinstance(u, dict):
                return self.error(400, "users[%d] is not an object" % i,
                                  "bad users object", req=req)
            sch = u.get("schema")
            if not isinstance(sch, list) or len(sch) != 1 or \
                    sch[0] not in SNAP_SCHEMAS:
                return self.error(400, "users[%d].schema must hold exactly "
                                  "one of %s" % (i, ", ".join(SNAP_SCHEMAS)),
                                  "bad schema", req=req)
            if "id" in u and str(u["id"]) != s["id"]:
                return self.error(400, "users[%d].id does not match the "
                                  "segment" % i, "id mismatch", req=req)
            data = u.get("data")
            if not isinstance(data, list) or not data:
                return self.error(400, "users[%d].data must be a non-empty "
                                  "array" % i, "no data", req=req)
            for j, d in enumerate(data):
                if not isinstance(d, list) or len(d) != 1 or \
                        not isinstance(d[0], str) or \
                        not HEX64_RE.match(d[0]):
                    return self.error(
                        400, "users[%d].data[%d] must be a one-element "
                        "array of a 64-character lowercase hex SHA-256" %
                        (i, j), "bad identifier", req=req)
            total += len(data)
        if total > int(self.cfg["max_identifiers"]):
            return self.error(400, "at most %d identifiers per request" %
                              int(self.cfg["max_identifiers"]),
                              "%d identifiers" % total, req=req)
        out = []
        for u in users:
            st = s["users"].setdefault(u["schema"][0], set())
            ids = [d[0] for d in u["data"]]
            if req.method == "POST":
                st.update(ids)
                self.counts["identifiers_added"] += len(ids)
            else:
                st.difference_update(ids)
                self.counts["identifiers_removed"] += len(ids)
            out.append({"sub_request_status": "SUCCESS",
                        "user": {"number_uploaded_users": len(ids)}})
        s["upload_status"] = "COMPLETE"
        return Reply(200, {"request_status": "SUCCESS",
                           "request_id": self.rid(req), "users": out},
                     items=total)

    def state(self):
        segs = {}
        for sid, s in self.segments.items():
            segs[sid] = {"name": s["name"], "deleted": s["deleted"],
                         "status": s["status"],
                         "ad_account_id": s["ad_account_id"],
                         "users": {k: sorted(v)
                                   for k, v in sorted(s["users"].items())},
                         "user_count": sum(len(v)
                                           for v in s["users"].values()),
                         "approximate_number_users":
                             self.seg_json(s)["approximate_number_users"]}
        return {"dest": "snapchat", "segments": segs,
                "tokens": {"access_active": sum(
                    1 for a in self.access.values()
                    if not a["revoked"] and (a["expires"] is None or
                                             a["expires"] > now())),
                    "refresh": {k: dict(v) for k, v in self.refresh.items()},
                    "families_revoked": sorted(
                        f for f, v in self.families.items()
                        if v["revoked"])},
                "counts": dict(self.counts)}


DEST_CLASSES = {"braze": Braze, "brevo": Brevo, "snapchat": Snapchat}

# ---------------------------------------------------------------------------
# Server


class Stats:
    def __init__(self):
        self.requests_total = 0
        self.by_endpoint = {}
        self.over_limit = 0
        self.rate_limited = 0
        self.forced_429 = 0
        self.faults = {"failed": 0, "dropped": 0, "delayed": 0,
                       "latency_ms_total": 0}
        self.over_limit_events = []
        self.inflight = 0
        self.max_inflight = 0
        self.bytes_in = 0
        self.control_requests = 0
        self.started = now()

    def count(self, endpoint, status):
        e = self.by_endpoint.setdefault(endpoint, {})
        k = str(status)
        e[k] = e.get(k, 0) + 1


class FakeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, dest_name, cfg, state_dir):
        self.dest_name = dest_name
        self.initial_cfg = copy.deepcopy(cfg)
        self.cfg = cfg
        self.state_dir = state_dir
        self.lock = threading.RLock()
        self.log_lock = threading.Lock()
        self.stop_event = threading.Event()
        self.revoked_keys = set()
        self.reset_all()
        self.log = open(os.path.join(state_dir, "requests.jsonl"), "a",
                        buffering=1 << 16, encoding="utf-8")
        super().__init__(addr, Handler)
        host, port = self.server_address[:2]
        self.base_url = "http://%s:%d" % (
            "[%s]" % host if ":" in host else host, port)

    def reset_all(self):
        self.rng = random.Random(self.cfg["faults"].get("seed", 1))
        self.limiter = RateLimiter(self)
        self.stats = Stats()
        self.seq = 0
        self.dest = DEST_CLASSES[self.dest_name](self)

    def base_url_for(self, req):
        h = req.headers.get("Host")
        return "http://" + h if h else self.base_url

    def server_bind(self):
        # Not HTTPServer.server_bind: it calls getfqdn(), a DNS lookup.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.server_address[0]
        self.server_port = self.server_address[1]

    def record(self, entry, body=None):
        if self.cfg.get("record_bodies") and body:
            d = os.path.join(self.state_dir, "bodies")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "%07d.body" % entry["n"]), "wb") as f:
                f.write(body)
        line = jdump(entry) + "\n"
        with self.log_lock:
            self.log.write(line)

    def flush_log(self):
        with self.log_lock:
            try:
                self.log.flush()
            except ValueError:
                pass

    def snapshot(self):
        with self.lock:
            st = self.dest.state()
            return st

    def stats_json(self):
        with self.lock:
            s = self.stats
            peaks = {}
            for (bucket, i), v in sorted(self.limiter.peaks.items()):
                lim, win = self.limiter.windows(bucket)[i]
                peaks["%s/%gs" % (bucket, win)] = {"limit": lim,
                                                   "peak": v}
            return {"dest": self.dest_name,
                    "requests_total": s.requests_total,
                    "by_endpoint": copy.deepcopy(s.by_endpoint),
                    "over_limit": s.over_limit,
                    "rate_limited": s.rate_limited,
                    "forced_429": s.forced_429,
                    "faults": dict(s.faults),
                    "over_limit_events": list(s.over_limit_events),
                    "rate_peaks": peaks,
                    "max_inflight": s.max_inflight,
                    "bytes_in": s.bytes_in,
                    "control_requests": s.control_requests,
                    "uptime_s": round(now() - s.started, 3)}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakedest/1"
    sys_version = ""

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP,
                                       socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if os.environ.get("FAKEDEST_VERBOSE"):
            sys.stderr.write("fakedest: " + (fmt % args) + "\n")

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, reply, extra_headers=None):
        st = reply.status
        if isinstance(reply.body, (bytes, bytearray)):
            data = bytes(reply.body)
            ctype = "application/octet-stream"
        elif reply.body is None:
            data = b""
            ctype = None
        else:
            data = jdump(reply.body).encode("utf-8")
            ctype = "application/json; charset=utf-8"
        phrase = self.responses.get(st, ("",))[0]
        lines = ["HTTP/1.1 %d %s" % (st, phrase),
                 "Server: fakedest/1",
                 "Date: " + self.date_time_string(),
                 "Content-Length: %d" % len(data)]
        if ctype:
            lines.append("Content-Type: " + ctype)
        if reply.reason:
            lines.append("X-Fake-Reason: " +
                         re.sub(r"[\r\n]", " ", str(reply.reason)))
        for k, v in list(reply.headers.items()) + \
                list((extra_headers or {}).items()):
            lines.append("%s: %s" % (k, v))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + data)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    def do_ANY(self):
        srv = self.server
        cl = int(self.headers.get("Content-Length") or 0)
        if cl > 256 * 1024 * 1024:
            self.close_connection = True
            self.send(Reply(413, {"message": "Request Entity Too Large"},
                            reason="body over the hard cap"))
            return
        body = self.read_body()
        path = self.path
        if path.startswith("/__fake/") or path == "/__fake":
            with srv.lock:
                srv.stats.control_requests += 1
            self.send(control(srv, self.command, path, self.headers, body))
            return
        with srv.lock:
            srv.seq += 1
            n = srv.seq
            srv.stats.requests_total += 1
            srv.stats.bytes_in += len(body)
            srv.stats.inflight += 1
            srv.stats.max_inflight = max(srv.stats.max_inflight,
                                         srv.stats.inflight)
        try:
            self.serve_api(n, body)
        finally:
            with srv.lock:
                srv.stats.inflight -= 1

    def serve_api(self, n, body):
        srv = self.server
        req = Req(self.command, self.path, self.headers, body, n)
        entry = {"n": n, "t": round(now(), 4), "method": req.method,
                 "path": req.path, "bytes": len(body)}
        f = srv.cfg["faults"]
        delay = 0.0
        with srv.lock:
            dest = srv.dest
            route = dest.route(req)
            extra = {}
            drop = False
            if route is None:
                endpoint = "%s (unknown)" % req.method
                reply = dest.not_found(req)
            elif route == "405":
                endpoint = "%s (unknown)" % req.method
                reply = dest.method_not_allowed(req)
            else:
                endpoint = route.name
                reply = None
                principal = None
                if route.auth:
                    principal, reply = dest.authenticate(req, route)
                buckets = [(b, "app" if b == "snapchat_app" else principal)
                           for b in route.buckets]
                if reply is not None:
                    if buckets and dest.rate_header_style == "brevo":
                        key = req.headers.get("api-key") or ""
                        _, _, hdr = srv.limiter.check(
                            [(b, key) for b, _ in buckets], consume=False)
                        extra = rate_headers(dest, hdr)
                else:
                    allowed, over, hdr = srv.limiter.check(buckets)
                    extra = rate_headers(dest, hdr)
                    if over:
                        srv.stats.over_limit += 1
                        entry["over_limit"] = True
                        if len(srv.stats.over_limit_events) < 100:
                            srv.stats.over_limit_events.append(
                                {"n": n, "t": entry["t"],
                                 "endpoint": endpoint,
                                 "key": str(principal)[:12]})
                    if not allowed:
                        srv.stats.rate_limited += 1
                        reply = dest.rate_limited()
                if reply is None:
                    fe = int(f.get("fail_every") or 0)
                    de = int(f.get("drop_every") or 0)
                    b = f.get("burst_429") or {}
                    bstart = int(b.get("start") or 0)
                    bcount = int(b.get("count") or 0)
                    if de and n % de == 0:
                        drop = True
                        srv.stats.faults["dropped"] += 1
                        entry["fault"] = "drop"
                    elif fe and n % fe == 0:
                        srv.stats.faults["failed"] += 1
                        entry["fault"] = "fail"
                        reply = dest.fault(int(f.get("fail_status", 503)))
                    elif bcount and bstart <= n < bstart + bcount:
                        srv.stats.forced_429 += 1
                        entry["fault"] = "429"
                        reply = dest.rate_limited()
                        reply.reason = "injected 429 burst"
                    if reply is None and (not drop or
                                          f.get("drop_mode") == "after"):
                        reply = route.func(req, principal)
                    if drop:
                        reply = None
            lat = float(f.get("latency_ms") or 0)
            jit = float(f.get("latency_jitter_ms") or 0)
            if jit:
                lat += srv.rng.uniform(0, jit)
            if lat > 0:
                delay = lat / 1000.0
                srv.stats.faults["delayed"] += 1
                srv.stats.faults["latency_ms_total"] += int(round(lat))
            status = reply.status if reply is not None else "dropped"
            srv.stats.count(endpoint, status)
        entry["endpoint"] = endpoint
        entry["status"] = status
        if reply is not None and reply.items is not None:
            entry["items"] = reply.items
        if reply is not None and reply.reason:
            entry["reason"] = reply.reason
        srv.record(entry, body)
        if delay:
            time.sleep(delay)
        if reply is None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send(reply, extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_ANY


def rate_headers(dest, hdr):
    if hdr is None:
        return {}
    limit, rem, reset = hdr
    if dest.rate_header_style == "braze":
        return {"X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(rem),
                "X-RateLimit-Reset": str(int(math.ceil(reset)))}
    if dest.rate_header_style == "brevo":
        return {"x-sib-ratelimit-limit": str(limit),
                "x-sib-ratelimit-remaining": str(rem),
                "x-sib-ratelimit-reset": str(max(0, int(math.ceil(
                    reset - now()))))}
    return {}


def control(srv, method, path, headers, body):
    u = urllib.parse.urlsplit(path)
    p = u.path
    qs = urllib.parse.parse_qs(u.query)
    if p == "/__fake/health" and method == "GET":
        return Reply(200, {"ok": True, "dest": srv.dest_name,
                           "pid": os.getpid(), "base_url": srv.base_url})
    if p == "/__fake/state" and method == "GET":
        return Reply(200, srv.snapshot())
    if p == "/__fake/stats" and method == "GET":
        return Reply(200, srv.stats_json())
    if p == "/__fake/config" and method == "GET":
        with srv.lock:
            return Reply(200, copy.deepcopy(srv.cfg))
    if p == "/__fake/requests" and method == "GET":
        srv.flush_log()
        since = int((qs.get("since") or ["0"])[0])
        out = []
        with open(os.path.join(srv.state_dir, "requests.jsonl"),
                  encoding="utf-8") as fh:
            for line in fh:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("reset"):
                    out = []     # numbering restarts after a reset
                elif e.get("n", 0) > since:
                    out.append(e)
        return Reply(200, {"requests": out})
    if p == "/__fake/config" and method == "POST":
        try:
            upd = json.loads(body.decode("utf-8") or "{}")
            if not isinstance(upd, dict):
                raise ValueError("not an object")
        except ValueError as e:
            return Reply(400, {"error": "bad JSON: %s" % e})
        with srv.lock:
            revoke = upd.pop("revoke_keys", None)
            if revoke:
                srv.revoked_keys.update(revoke)
            rt = upd.pop("revoke_tokens", None)
            if rt is not None:
                if srv.dest_name != "snapchat" or rt not in ("access",
                                                             "all"):
                    return Reply(400, {"error": "revoke_tokens is "
                                       "\"access\" or \"all\", Snapchat "
                                       "only"})
                srv.dest.revoke_tokens(rt)
            b = upd.get("faults", {}).get("burst_429")
            if isinstance(b, dict) and "start" not in b:
                b["start"] = srv.seq + 1
            deep_merge(srv.cfg, upd)
            if "seed" in upd.get("faults", {}):
                srv.rng = random.Random(srv.cfg["faults"]["seed"])
            return Reply(200, copy.deepcopy(srv.cfg))
    if p == "/__fake/reset" and method == "POST":
        with srv.lock:
            srv.record({"reset": True, "t": round(now(), 4)})
            if (qs.get("config") or ["0"])[0] == "1":
                srv.cfg.clear()
                srv.cfg.update(copy.deepcopy(srv.initial_cfg))
                srv.revoked_keys.clear()
            srv.reset_all()
        return Reply(200, {"ok": True})
    if p == "/__fake/shutdown" and method == "POST":
        srv.stop_event.set()
        return Reply(200, {"ok": True})
    m = re.match(r"^/__fake/reports/(\d+)/invalid_emails\.csv$", p)
    if m and method == "GET" and srv.dest_name == "brevo":
        with srv.lock:
            pr = srv.dest.processes.get(int(m.group(1)))
            if pr is None or not pr["job"] or pr["status"] != "completed":
                return Reply(404, {"error": "no such report"})
            rows = pr["job"]["invalid"]
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["EMAIL"])
        for r in rows:
            w.writerow([r if isinstance(r, str) else ""])
        return Reply(200, out.getvalue().encode())
    return Reply(404, {"error": "unknown control endpoint %s %s" %
                       (method, p)})


# ---------------------------------------------------------------------------
# Main


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, ".%s.%d.tmp" % (os.path.basename(path),
                                          os.getpid()))
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="fakedest.py",
        description="Strict fake Braze/Brevo/Snapchat server on loopback.")
    ap.add_argument("--dest", required=True, choices=DESTS)
    ap.add_argument("--host", default="127.0.0.1",
                    help="loopback address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here "
                    "(atomically)")
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--config", help="JSON configuration file")
    ap.add_argument("--dump-state", help="write final state+stats here on "
                    "exit")
    ap.add_argument("--exit-after", type=float, default=600.0,
                    help="stop after this many seconds (0: never)")
    ap.add_argument("--rate-scale", type=float)
    ap.add_argument("--window-scale", type=float)
    ap.add_argument("--no-rate-enforce", action="store_true",
                    help="count over-limit requests but answer them")
    ap.add_argument("--fail-every", type=int)
    ap.add_argument("--fail-status", type=int)
    ap.add_argument("--drop-every", type=int)
    ap.add_argument("--drop-mode", choices=("before", "after"))
    ap.add_argument("--latency-ms", type=float)
    ap.add_argument("--latency-jitter-ms", type=float)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--burst-429", metavar="START:COUNT")
    ap.add_argument("--revoke-after", action="append", default=[],
                    metavar="KEY=N", help="Braze/Brevo key revoked after N "
                    "requests")
    ap.add_argument("--strict", action="store_true",
                    help="Braze: at most 50 objects combined")
    ap.add_argument("--object-limit", type=int)
    ap.add_argument("--expires-in", type=int, help="Snapchat token lifetime")
    ap.add_argument("--no-rotate", action="store_true",
                    help="Snapchat: refresh tokens do not rotate")
    ap.add_argument("--record-bodies", action="store_true")
    ap.add_argument("--set", action="append", default=[],
                    metavar="PATH=JSON", help="override any config value, "
                    "e.g. brevo.process.fail_every=2")
    return ap.parse_args(argv)


def build_config(a):
    cfg = copy.deepcopy(DEFAULT_CONFIG)
    if a.config:
        with open(a.config, encoding="utf-8") as f:
            deep_merge(cfg, json.load(f))
    fl = cfg["faults"]
    for opt, key in (("fail_every", "fail_every"),
                     ("fail_status", "fail_status"),
                     ("drop_every", "drop_every"), ("drop_mode", "drop_mode"),
                     ("latency_ms", "latency_ms"),
                     ("latency_jitter_ms", "latency_jitter_ms"),
                     ("seed", "seed")):
        v = getattr(a, opt)
        if v is not None:
            fl[key] = v
    if a.burst_429:
        s, c = a.burst_429.split(":")
        fl["burst_429"] = {"start": int(s), "count": int(c)}
    if a.rate_scale is not None:
        cfg["rate_scale"] = a.rate_scale
    if a.window_scale is not None:
        cfg["window_scale"] = a.window_scale
    if a.no_rate_enforce:
        cfg["rate_enforce"] = False
    if a.record_bodies:
        cfg["record_bodies"] = True
    for ra in a.revoke_after:
        k, n = ra.rsplit("=", 1)
        keys = cfg[a.dest].get("keys")
        if keys is None:
            raise SystemExit("--revoke-after: %s has no keys" % a.dest)
        keys.setdefault(k, {})["revoke_after"] = int(n)
    if a.strict:
        cfg["braze"]["object_limit"] = 50
        cfg["braze"]["object_limit_mode"] = "combined"
    if a.object_limit is not None:
        cfg["braze"]["object_limit"] = a.object_limit
    if a.expires_in is not None:
        cfg["snapchat"]["expires_in"] = a.expires_in
    if a.no_rotate:
        cfg["snapchat"]["rotate_refresh_tokens"] = False
    for s in a.set:
        k, v = s.split("=", 1)
        try:
            val = json.loads(v)
        except ValueError:
            val = v
        set_path(cfg, k, val)
    return cfg


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    host = "127.0.0.1" if a.host == "localhost" else a.host
    try:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError
    except ValueError:
        sys.stderr.write("fakedest: refusing to bind %r: loopback only\n"
                         % a.host)
        return 2
    os.makedirs(a.state_dir, exist_ok=True)
    cfg = build_config(a)
    FakeServer.address_family = socket.AF_INET6 if ":" in host \
        else socket.AF_INET
    srv = FakeServer((host, a.port), a.dest, cfg, a.state_dir)
    port = srv.server_address[1]

    def on_signal(signum, frame):
        srv.stop_event.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=srv.serve_forever, kwargs={
        "poll_interval": 0.2}, daemon=True)
    t.start()
    if a.port_file:
        write_atomic(a.port_file, "%d\n" % port)
    deadline = now() + a.exit_after if a.exit_after > 0 else None
    timed_out = False
    while not srv.stop_event.is_set():
        srv.flush_log()
        # The state (a million users in a benchmark) is long-lived and
        # holds no cycles: keep the cyclic collector from scanning it
        # over and over, which cost the fake about a quarter of its time.
        gc.freeze()
        srv.stop_event.wait(0.5)
        if deadline and now() >= deadline:
            timed_out = True
            sys.stderr.write("fakedest: --exit-after %gs reached, "
                             "stopping\n" % a.exit_after)
            break
    srv.shutdown()
    srv.server_close()
    srv.flush_log()
    srv.log.close()
    if a.dump_state:
        write_atomic(a.dump_state, json.dumps(
            {"state": srv.snapshot(), "stats": srv.stats_json()},
            indent=1, sort_keys=True) + "\n")
    return 3 if timed_out else 0


if __name__ == "__main__":
    sys.exit(main())
