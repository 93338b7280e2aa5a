#!/usr/bin/env python3
# Write a recorded run for the UI's headless tests: runs/ID/run.json as
# the worker writes it (src/run/runrecord.c, version 1), from a base record and
# overrides, and optionally rejects.csv with N rows as src/data/rejects.c
# writes them (CRLF, quoted when needed, the formula guard).
#
#	mkrun.py WS ID '{"status": "running", "counts": {"read": 10}}'
#	mkrun.py WS ID '{...}' --rejects 1000
#
# Objects in the overrides are merged one level deep ("counts", one
# segment's "counts" through "segments"), the rest replaced.
import json
import os
import sys


def counts(read=0, dup=0, rej=0, sent=0, acc=0, warn=0):
    return {"read": read, "duplicates": dup, "rejected": rej, "sent": sent,
            "accepted": acc, "warnings": warn}


def base(run_id):
    return {
        "version": 1, "id": run_id, "export": "VIP to Braze",
        "export_id": "0123456789abcdef0123456789abcdef",
        "connection": "Braze EU",
        "connection_id": "fedcba9876543210fedcba9876543210",
        "destination": "braze", "target": "seg-vip",
        "mapping": {"email": "email", "customer_id": "customer_id"},
        "segments": [
            {"name": "VIP customers", "file": "/data/VIP customers.csv",
             "size": 1000, "mtime_ns": "1763840000000000000", "rows": 60000,
             "counts": counts()},
            {"name": "Clients fidèles", "file": "/data/Clients fidèles.csv",
             "size": 1000, "mtime_ns": "1763840000000000000", "rows": 40000,
             "counts": counts()}],
        "scheduled": False, "status": "running", "phase": "sending",
        "fault": "", "started_by": "alice",
        "started_at": "2026-11-22T10:15:30Z", "finished_at": None,
        "updated_at": "2026-11-22T10:16:10Z", "pid": 0, "attempts": 1,
        "total_rows": 100000, "counts": counts(), "requests": 0,
        "retries": 0, "throttled": 0, "rate_waits": 0, "in_flight": 0,
        "resources": {"cpu_seconds": 1.5, "peak_rss_kb": 20480},
        "errors": [],
        "events": [{"at": "2026-11-22T10:15:30Z",
                    "what": "Started by alice."}],
    }


def field(s):
    s = str(s)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        s = "'" + s
    if any(c in s for c in ',"\r\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def main():
    ws, run_id, over = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    rec = base(run_id)
    for k, v in over.items():
        if k == "counts":
            rec["counts"].update(v)
        elif k == "segment_counts":
            for i, c in enumerate(v):
                rec["segments"][i]["counts"].update(c)
        else:
            rec[k] = v
    d = os.path.join(ws, "runs", run_id)
    os.makedirs(d, mode=0o700, exist_ok=True)
    with open(os.path.join(d, "run.json"), "w", encoding="utf-8") as f:
        json.dump(rec, f, ensure_ascii=False, indent=2)
    if "--rejects" in sys.argv:
        n = int(sys.argv[sys.argv.index("--rejects") + 1])
        reasons = ["The email has no domain.",
                   "No email and no customer ID.",
                   "The email \"x@@y\" is not valid, twice over: two @s.",
                   "Braze refused the profile: the value of 'city' is "
                   "longer than 255 characters."]
        with open(os.path.join(d, "rejects.csv"), "w", newline="",
                  encoding="utf-8") as f:
            f.write("segment,line,identifier,reason\r\n")
            for i in range(n):
                seg = rec["segments"][i % len(rec["segments"])]["name"]
                ident = "+3361234%04d" % i if i % 10 == 3 else \
                    "" if i % 10 == 7 else "user%d@example" % i
                f.write(",".join([field(seg), str(i + 2), field(ident),
                                  field(reasons[i % len(reasons)])]) + "\r\n")


if __name__ == "__main__":
    main()
