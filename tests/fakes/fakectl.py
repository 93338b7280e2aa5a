#!/usr/bin/env python3
"""fakectl: start, query and stop a fakedest server from shell tests.

    fakectl.py start DIR --dest braze [fakedest options...]
        spawn the server (state in DIR), wait for its port, print the
        API base URL (Brevo: .../v3)
    fakectl.py url DIR [--origin]   print the API base URL (or origin)
    fakectl.py state DIR            print GET /__fake/state
    fakectl.py stats DIR            print GET /__fake/stats
    fakectl.py requests DIR         print GET /__fake/requests
    fakectl.py config DIR JSON      POST /__fake/config
    fakectl.py reset DIR            POST /__fake/reset
    fakectl.py get DIR DOTTED.PATH  one value of state+stats, e.g.
                                    stats.over_limit or state.user_count
    fakectl.py stop DIR             SIGTERM, wait; final state in
                                    DIR/final-state.json

Standard library only.  Exit status 0 on success, 1 on failure.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKEDEST = os.path.join(HERE, "fakedest.py")


def die(msg):
    sys.stderr.write("fakectl: %s\n" % msg)
    sys.exit(1)


def start(state_dir, args, timeout=15.0):
    """Spawn fakedest with args; returns (pid, port)."""
    os.makedirs(state_dir, exist_ok=True)
    port_file = os.path.join(state_dir, "port")
    for f in ("port", "pid", "dest"):
        try:
            os.unlink(os.path.join(state_dir, f))
        except FileNotFoundError:
            pass
    dest = None
    for i, a in enumerate(args):
        if a == "--dest" and i + 1 < len(args):
            dest = args[i + 1]
        elif a.startswith("--dest="):
            dest = a.split("=", 1)[1]
    if dest is None:
        die("start needs --dest")
    cmd = [sys.executable, FAKEDEST, "--port", "0", "--port-file", port_file,
           "--state-dir", state_dir,
           "--dump-state", os.path.join(state_dir, "final-state.json")] + args
    log = open(os.path.join(state_dir, "server.log"), "ab")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                         stderr=log, start_new_session=True)
    log.close()
    with open(os.path.join(state_dir, "pid"), "w") as f:
        f.write("%d\n" % p.pid)
    with open(os.path.join(state_dir, "dest"), "w") as f:
        f.write(dest + "\n")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                return p.pid, int(f.read().strip())
        if p.poll() is not None:
            die("fakedest exited with status %d; see %s" % (
                p.returncode, os.path.join(state_dir, "server.log")))
        time.sleep(0.02)
    p.terminate()
    die("fakedest did not write its port within %gs" % timeout)


def port_of(state_dir):
    try:
        with open(os.path.join(state_dir, "port")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        die("no running fake in %s" % state_dir)


def origin(state_dir):
    return "http://127.0.0.1:%d" % port_of(state_dir)


def api_base(state_dir):
    with open(os.path.join(state_dir, "dest")) as f:
        dest = f.read().strip()
    return origin(state_dir) + ("/v3" if dest == "brevo" else "")


def call(state_dir, method, path, data=None):
    url = origin(state_dir) + path
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        die("%s %s: HTTP %d %s" % (method, path, e.code, e.read()[:200]))
    except OSError as e:
        die("%s %s: %s" % (method, path, e))


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def stop(state_dir, timeout=15.0):
    try:
        with open(os.path.join(state_dir, "pid")) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.time() + timeout
    rc = 0
    while time.time() < deadline:
        try:
            wpid, status = os.waitpid(pid, os.WNOHANG)
            if wpid == pid:
                break
        except ChildProcessError:
            # not our child (started by another fakectl): poll for it
            if not alive(pid):
                break
        time.sleep(0.02)
    else:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        rc = 1
    for f in ("pid", "port"):
        try:
            os.unlink(os.path.join(state_dir, f))
        except FileNotFoundError:
            pass
    return rc


def get_path(obj, dotted):
    for part in dotted.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        else:
            obj = obj[part]
    return obj


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 1
    cmd, d = argv[0], argv[1]
    rest = argv[2:]
    out = None
    if cmd == "start":
        pid, port = start(d, rest)
        print(api_base(d))
        return 0
    if cmd == "url":
        print(origin(d) if "--origin" in rest else api_base(d))
        return 0
    if cmd == "state":
        out = call(d, "GET", "/__fake/state")
    elif cmd == "stats":
        out = call(d, "GET", "/__fake/stats")
    elif cmd == "requests":
        out = call(d, "GET", "/__fake/requests")
    elif cmd == "config":
        out = call(d, "POST", "/__fake/config",
                   json.loads(rest[0]) if rest else {})
    elif cmd == "reset":
        out = call(d, "POST", "/__fake/reset")
    elif cmd == "get":
        both = {"state": call(d, "GET", "/__fake/state"),
                "stats": call(d, "GET", "/__fake/stats")}
        try:
            v = get_path(both, rest[0])
        except (KeyError, IndexError, ValueError):
            die("no value at %s" % rest[0])
        print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
        return 0
    elif cmd == "stop":
        return stop(d)
    else:
        die("unknown command %s" % cmd)
    print(json.dumps(out, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
