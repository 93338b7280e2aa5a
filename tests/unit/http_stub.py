#!/usr/bin/env python3
"""Scripted loopback HTTP/1.1 server for tests/unit/test_http.c.

Usage: http_stub.py PORTFILE

Binds 127.0.0.1 on a free port, writes the port to PORTFILE, and serves
until killed (or until its parent dies, or after five minutes).

Every request is recorded under its `key` query parameter (else its path):
arrival times, client ports, how many were in progress at once, and the
429s answered. GET /stats?key=K returns that record as JSON.

Paths:
  /ok                          200 "ok"
  /status/NNN                  that status
  /503-then-200?n=N            503 for the first N requests, then 200
  /drop-first?n=N              close without answering N times, then 200
  /slow?ms=M                   answer after M milliseconds
  /429-braze                   first: 429, X-RateLimit-Reset = epoch
  /429-brevo?reset=S           first: 429, x-sib-ratelimit-reset = S
  /429-retry-after?s=S         first: 429, Retry-After: S
  /429-always                  always 429, no headers
  /ratelimit-braze?limit=L&window=W   L per W s, X-RateLimit-*, 429 over
  /ratelimit-brevo?limit=L&window=W   same with x-sib-ratelimit-*
  /big?bytes=N[&chunked=1]     N bytes of body
  /echo-headers                the request headers, method and body as JSON
  /redirect                    302 to another origin
"""

import json
import math
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATS = {}
WINDOWS = {}


def record(key):
    s = STATS.get(key)
    if s is None:
        s = {"count": 0, "arrivals": [], "ports": [], "active": 0,
             "max_active": 0, "throttled": 0, "resets": []}
        STATS[key] = s
    return s


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any()

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def reply(self, status, body=b"", headers=None, chunked=False):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = 4096
            for i in range(0, len(body), step):
                part = body[i:i + step]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def handle_any(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path = url.path

        if path == "/stats":
            with LOCK:
                s = json.dumps(record(q.get("key", "")))
            self.reply(200, s, {"Content-Type": "application/json"})
            return

        key = q.get("key", path)
        with LOCK:
            s = record(key)
            s["count"] += 1
            nth = s["count"]
            s["arrivals"].append(time.time())
            s["ports"].append(self.client_address[1])
            s["active"] += 1
            s["max_active"] = max(s["max_active"], s["active"])
        try:
            self.route(path, q, key, nth, body, s)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (time-out, body cap): expected here.
            self.close_connection = True
        finally:
            with LOCK:
                s["active"] -= 1

    def throttle(self, s, headers):
        with LOCK:
            s["throttled"] += 1
        self.reply(429, '{"message":"rate limited"}', headers)

    def route(self, path, q, key, nth, body, s):
        if path == "/ok":
            self.reply(200, "ok\n")
        elif path.startswith("/status/"):
            self.reply(int(path[8:]), '{"message":"as asked"}')
        elif path == "/503-then-200":
            if nth <= int(q.get("n", "1")):
                self.reply(503, "busy")
            else:
                self.reply(200, "ok\n")
        elif path == "/drop-first":
            if nth <= int(q.get("n", "1")):
                self.close_connection = True
                return
            self.reply(200, "ok\n")
        elif path == "/slow":
            time.sleep(int(q.get("ms", "100")) / 1000.0)
            self.reply(200, "ok\n")
        elif path == "/429-braze":
            if nth == 1:
                reset = math.ceil(time.time()) + 1
                with LOCK:
                    s["resets"].append(reset)
                self.throttle(s, {"X-RateLimit-Limit": 1,
                                  "X-RateLimit-Remaining": 0,
                                  "X-RateLimit-Reset": reset})
            else:
                self.reply(200, "ok\n")
        elif path == "/429-brevo":
            if nth == 1:
                self.throttle(s, {"x-sib-ratelimit-limit": 1,
                                  "x-sib-ratelimit-remaining": 0,
                                  "x-sib-ratelimit-reset":
                                  q.get("reset", "1")})
            else:
                self.reply(200, "ok\n")
        elif path == "/429-retry-after":
            if nth == 1:
                self.throttle(s, {"Retry-After": q.get("s", "1")})
            else:
                self.reply(200, "ok\n")
        elif path == "/429-always":
            self.throttle(s, {})
        elif path in ("/ratelimit-braze", "/ratelimit-brevo"):
            self.budget(path, q, key, s)
        elif path == "/big":
            n = int(q.get("bytes", "1000"))
            self.reply(200, b"x" * n, chunked=q.get("chunked") == "1")
        elif path == "/echo-headers":
            out = {"headers": {k: v for k, v in self.headers.items()},
                   "method": self.command,
                   "body": body.decode("utf-8", "replace")}
            self.reply(200, json.dumps(out),
                       {"Content-Type": "application/json"})
        elif path == "/redirect":
            self.reply(302, "", {"Location": "https://elsewhere.example/"})
        else:
            self.reply(404, '{"message":"no such path"}')

    def budget(self, path, q, key, s):
        limit = int(q.get("limit", "3"))
        window = float(q.get("window", "1"))
        now = time.time()
        with LOCK:
            w = WINDOWS.get(key)
            if w is None or now >= w["end"]:
                if path == "/ratelimit-braze":
                    end = math.ceil(now + window)
                else:
                    end = now + window
                w = {"end": end, "used": 0}
                WINDOWS[key] = w
            w["used"] += 1
            remaining = max(0, limit - w["used"])
            over = w["used"] > limit
            end = w["end"]
        if path == "/ratelimit-braze":
            h = {"X-RateLimit-Limit": limit,
                 "X-RateLimit-Remaining": remaining,
                 "X-RateLimit-Reset": int(end)}
        else:
            h = {"x-sib-ratelimit-limit": limit,
                 "x-sib-ratelimit-remaining": remaining,
                 "x-sib-ratelimit-reset": max(1, math.ceil(end - now))}
        if over:
            self.throttle(s, h)
        else:
            self.reply(200, "ok\n", h)


def watchdog(parent):
    deadline = time.time() + 300
    while time.time() < deadline and os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: http_stub.py PORTFILE")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=watchdog, args=(os.getppid(),),
                     daemon=True).start()
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
