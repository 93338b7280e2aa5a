# Runs in the terminal UI headless, from recorded run records
# (tests/ui/mkrun.py writes runs/ID/run.json as the worker does, and a
# rejects file): the progress screen in each state (planning, sending
# with retries, waits and errors, Sendinblue's confirmation, succeeded,
# failed, cancelled, interrupted), its clock on the UI's clock, 80x24 and
# larger; the rejected records a page at a time; a run's record with its
# timeline; the runs browser with its filters and search; cancel and
# resume asked first. Then a real run against the fake Braze, killed and
# resumed from the UI, ends with every profile accepted once.
. "$top_srcdir/tests/ui/lib.sh"
ui_workspace
MKRUN="${PYTHON3:-python3} $top_srcdir/tests/ui/mkrun.py"
W=$TMPD/ws

# Running runs need a live worker: a process holding the run's lock.
t_holders=""
hold() {
	"${PYTHON3:-python3}" -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)' "$W/runs/$1/lock" >"$TMPD/hold-$1" &
	t_holders="$t_holders $!"
	t_i=0
	while [ "$t_i" -lt 100 ] && ! grep -q held "$TMPD/hold-$1"; do
		sleep 0.05
		t_i=$((t_i + 1))
	done
}
t_kill_holders() {
	for p in $t_holders; do kill "$p" 2>/dev/null; done
}
cleanup_hooks="$cleanup_hooks t_kill_holders"

PLAN=20261122T110000Z-0001
SEND=20261122T100000Z-0001
CONF=20261121T090000Z-0001
DONE=20261120T080000Z-0001
FAIL=20261119T080000Z-0001
CANC=20261118T080000Z-0001
INTR=20261117T080000Z-0001

$MKRUN "$W" $PLAN '{"phase": "planning", "started_at":
    "2026-11-22T11:00:00Z", "updated_at": "2026-11-22T11:00:04Z"}'
$MKRUN "$W" $SEND '{"started_at": "2026-11-22T10:00:00Z",
    "updated_at": "2026-11-22T10:01:20Z",
    "counts": {"read": 45000, "sent": 44000, "accepted": 43000,
    "rejected": 1000, "duplicates": 3},
    "segment_counts": [{"read": 30000, "accepted": 28500, "rejected": 500,
    "duplicates": 3}, {"read": 15000, "accepted": 14500, "rejected": 500}],
    "requests": 450, "retries": 3, "throttled": 2, "rate_waits": 12,
    "in_flight": 4,
    "errors": ["Braze answered 400 Bad Request to a batch of 75 profiles (\"attributes\" is invalid): they are rejected with that reason.",
    "Braze refused 3 profiles of a batch: the email is not valid."],
    "events": [{"at": "2026-11-22T10:00:00Z", "what": "Started by alice."},
    {"at": "2026-11-22T10:00:02Z", "what": "Phase: sending."},
    {"at": "2026-11-22T10:00:40Z", "what": "Retries so far: 3 (2 answered 429 Too Many Requests); the requests were sent again."},
    {"at": "2026-11-22T10:00:41Z", "what": "Waits for the destination'"'"'s rate limit so far: 12."}]}' \
    --rejects 1000
$MKRUN "$W" $CONF '{"export": "Newsletter", "export_id":
    "11111111111111111111111111111111", "connection": "Brevo",
    "destination": "sendinblue", "target": "12", "phase": "confirming",
    "started_at": "2026-11-21T09:00:00Z", "updated_at":
    "2026-11-21T09:03:00Z", "total_rows": 50000,
    "segments": [{"name": "VIP customers", "file": "/d/VIP customers.csv",
    "size": 1, "mtime_ns": "1", "rows": 50000, "counts": {"read": 50000,
    "duplicates": 0, "rejected": 2, "sent": 49998, "accepted": 49998,
    "warnings": 0}}],
    "counts": {"read": 50000, "sent": 49998, "accepted": 49998,
    "rejected": 2}, "requests": 1, "in_flight": 0}'
$MKRUN "$W" $DONE '{"status": "succeeded", "phase": "done",
    "started_at": "2026-11-20T08:00:00Z", "updated_at":
    "2026-11-20T08:02:05Z", "finished_at": "2026-11-20T08:02:05Z",
    "counts": {"read": 100000, "sent": 98000, "accepted": 98000,
    "rejected": 990, "duplicates": 10, "new": 1204, "changed": 96796,
    "unchanged": 1000},
    "sync": {"mode": "mirror", "max_removals": 10, "members": 99000,
    "to_remove": 87, "removed": 87},
    "segment_counts": [{"read": 60000, "accepted": 59400, "rejected": 594,
    "duplicates": 6}, {"read": 40000, "accepted": 39600, "rejected": 396,
    "duplicates": 4}], "requests": 1320,
    "events": [{"at": "2026-11-20T08:00:00Z", "what": "Started by alice."},
    {"at": "2026-11-20T08:02:05Z", "what": "Succeeded: 99000 profiles accepted, 990 rejected."}]}'
$MKRUN "$W" $FAIL '{"status": "failed", "phase": "done", "fault": "auth",
    "started_by": "bob",
    "started_at": "2026-11-19T08:00:00Z", "updated_at":
    "2026-11-19T08:00:03Z", "finished_at": "2026-11-19T08:00:03Z",
    "counts": {"read": 150}, "requests": 1,
    "segment_counts": [{"read": 150}],
    "errors": ["Braze refused the credentials (401 Unauthorized): the REST API key was revoked or mistyped; test the connection and give it a new key."]}'
$MKRUN "$W" $CANC '{"export": "Audience", "export_id":
    "22222222222222222222222222222222", "connection": "Snapchat Ads",
    "destination": "snapchat", "target": "aud-1", "status": "cancelled",
    "phase": "done", "started_at": "2026-11-18T08:00:00Z",
    "updated_at": "2026-11-18T08:10:00Z", "finished_at":
    "2026-11-18T08:10:00Z", "counts": {"read": 70000, "sent": 70000,
    "accepted": 50000},
    "segment_counts": [{"read": 60000, "accepted": 45000},
    {"read": 10000, "accepted": 5000}], "requests": 2}'
$MKRUN "$W" $INTR '{"started_at": "2026-11-17T08:00:00Z", "attempts": 2,
    "updated_at": "2026-11-17T09:30:00Z",
    "errors": ["Could not reach Braze at https://rest.fra-01.braze.eu: the connection timed out."],
    "error_attempts": [1],
    "counts": {"read": 80000, "sent": 80000, "accepted": 79000,
    "rejected": 500, "duplicates": 500},
    "segment_counts": [{"read": 60000, "accepted": 59000, "rejected": 500,
    "duplicates": 500}, {"read": 20000, "accepted": 20000}],
    "events": [{"at": "2026-11-17T08:00:00Z", "what": "Started by alice."},
    {"at": "2026-11-17T08:00:01Z", "what": "Phase: sending."},
    {"at": "2026-11-17T09:00:00Z", "what": "Interrupted: the worker stopped (killed, or the machine restarted) after 2026-11-17T08:20:00Z."},
    {"at": "2026-11-17T09:00:01Z", "what": "Resumed by alice (attempt 2): 40000 profiles answered before are not sent again."},
    {"at": "2026-11-17T09:10:00Z", "what": "Waits for the destination'"'"'s rate limit so far: 40."}]}'
hold $PLAN
hold $SEND
hold $CONF

ui_keys states <<'EOT'
dump rh-home
keys r
dump rb-all
keys <Enter>
dump pr-planning
keys <Esc><Down><Enter>
dump pr-sending
sleep 2000
dump pr-sending-2s
resize 120x40
dump pr-sending-large
resize 80x24
keys r
dump rj-first
keys <PgDn><Down>
dump rj-page
keys <End>
dump rj-end
keys <Esc><Esc><Down><Enter>
dump pr-confirming
keys <Esc><Down>w
dump pr-succeeded
keys d
dump rd-mirror
keys <Esc><Esc><Down>w
dump pr-failed
keys <Esc><Down>w
dump pr-cancelled
keys <Esc><Down>w
dump pr-interrupted
keys d
dump rd-interrupted
keys <PgDn>
dump rd-timeline
keys s
dump rd-resume-ask
keys <Esc><Esc><Esc>qq
dump home-quit-ask
EOT
ui_run states --passphrase-file "$TMPD/admin.pp"
is "$rc" 0 "the runs screens run headless"
dump_has rh-home "3 running now" "home says how many runs run now"
golden rb-all "the history: every run, newest first, running ones too"
golden pr-planning "progress: planning"
golden pr-sending \
    "progress: sending, retries and waits said as such, errors in words"
golden pr-sending-2s "the clock moves on the UI's clock"
golden pr-sending-large "a larger terminal gets more room"
golden rj-first "rejected records: the first page, the reason beneath"
golden rj-page "a page down"
golden rj-end "End: the last record"
golden pr-confirming "progress: Sendinblue confirming its imports"
golden pr-succeeded "progress: succeeded"
dump_has pr-succeeded "Unchanged        1,000" "progress: the profiles not sent, unchanged"
dump_has pr-succeeded "87 of 87" "and the members removed, of those who left"
golden rd-mirror "the record: the mode, new, changed, unchanged and removed"
golden pr-failed "progress: failed, the error in words"
golden pr-cancelled "progress: cancelled"
golden pr-interrupted "progress: interrupted (no worker holds the lock)"
dump_has pr-interrupted "Attempt 1: Could not reach Braze" \
    "an error of an earlier attempt says which attempt it was"
golden rd-interrupted "the record: summary"
golden rd-timeline "and the timeline: phases, interruption, resume, waits"
golden rd-resume-ask "resume is asked first"
dump_has home-quit-ask "3 runs are going on: they go on in the background" \
    "q on Home while runs go on asks first, saying they go on"
done_pr=$(grep -o '[0-9,]* of 100,000 done' "$DUMPS/pr-interrupted" | cut -d' ' -f1)
like "$(tr -s ' \n' ' ' <"$DUMPS/rd-resume-ask")" "$done_pr of 100,000" \
    "counting done profiles as the progress screen does ($done_pr)"

# The rejected records by reason (f) and by a search (/), and x for all.
ui_keys rejfilter <<'EOT'
keys r<Down>r
keys f
dump rj-reasons
keys <Down><Down><Enter>
dump rj-reason
keys x/user12<Enter>
dump rj-search
keys x
dump rj-all
EOT
ui_run rejfilter --passphrase-file "$TMPD/admin.pp"
is "$rc" 0 "the rejected records filtered"
golden rj-reasons "f: the reasons counted, with how many each"
dump_has rj-reason '250 of the 1,000 rejected records of "VIP to Braze": reason "No email and' \
    "picking one shows its records only, and says so"
unlike "$(cat "$DUMPS/rj-reason")" "The email has no domain." \
    "none of another reason"
dump_has rj-search '9 of the 1,000 rejected records of "VIP to Braze": holding "user12".' \
    "/ keeps the records holding what is typed"
dump_has rj-all "1,000 rejected records of" "x shows them all again"

# A small terminal (60x18): the runs browser and the progress screen lay
# themselves out in it, with fewer columns; a screen that needs 80x24
# says so, and Esc goes back.
ui_keys small <<'EOT'
keys r
resize 60x18
dump rb-small
keys <Down><Down><Down>w
dump pr-small
keys d
dump rd-small-notice
keys <Esc>
dump pr-small-back
resize 80x24
keys <Esc><Esc>
EOT
ui_run small --passphrase-file "$TMPD/admin.pp"
is "$rc" 0 "the runs screens run in a 60x18 terminal"
golden rb-small "runs at 60x18: fewer columns, who in the details"
golden pr-small "progress at 60x18: the counts in two columns"
dump_has rd-small-notice "needs at least 80x24" \
    "a run's record asks for 80x24"
dump_has pr-small-back 'segsync › Run of "VIP to Braze"' \
    "and Esc goes back without resizing"

# The browser: filters, search, a wide terminal, cancel.
ui_keys browse <<'EOT'
keys r
keys e
dump rb-export-picker
keys <Down><Enter>
dump rb-export-1
keys e<Down><Enter>
dump rb-export-2
keys x
dump rb-export-all
keys f<Down><Enter>
dump rb-status-running
keys f
dump rb-status-picker
keys <End><Enter>
dump rb-status-interrupted
keys <Esc>/news
dump rb-search
keys <Enter>
dump rb-search-kept
keys <Esc>
resize 120x30
dump rb-wide
resize 80x24
keys <Down>c
dump rb-cancel-ask
keys y
dump rb-cancel-asked
keys q
EOT
ui_run browse --passphrase-file "$TMPD/admin.pp"
is "$rc" 0 "the browser runs headless"
golden rb-export-picker "e: a small list of every export, all first"
golden rb-export-1 "picking one shows the runs of that export"
golden rb-export-2 "e again opens on it: the next one"
golden rb-export-all "x clears the filter: every export"
golden rb-status-running "f, then running: running runs only"
golden rb-status-picker "f: every status, on the one chosen"
golden rb-status-interrupted "End, Enter: interrupted runs"
golden rb-search "/ narrows the table as it is typed"
golden rb-search-kept "Enter keeps the search"
golden rb-wide "a wide terminal gets every column"
golden rb-cancel-ask "c asks before stopping a run"
dump_has rb-cancel-asked "Asked the run to stop" "then asks the run to stop"
is "$(cat "$W/runs/$SEND/cancel" 2>/dev/null)" "$(id -un)" \
    "the run's cancel request names who asked"

# A real run through the fake Braze, its worker killed, resumed here.
fake_start braze braze '{"braze": {"keys": {"braze-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
printf 'braze-key-1234\n' >"$TMPD/braze.key"
"$SEGSYNC" -w ws connection add --type braze --name "Braze EU" \
    --agree-privacy --api-key-file "$TMPD/braze.key" \
    --endpoint rest.iad-01.braze.com --base-url "$fake_url" \
    --passphrase-file "$TMPD/admin.pp" >/dev/null || exit 99
"$GEN" --rows 20000 --seed 9 -o "ws/data/Big.csv" || exit 99
"$SEGSYNC" -w ws export add --name "Big to Braze" --connection "Braze EU" \
    --target seg-vip --map email=email --map customer_id=customer_id \
    --segment Big --passphrase-file "$TMPD/admin.pp" >/dev/null || exit 99
$FAKECTL config "$TMPD/fake-braze" '{"faults": {"latency_ms": 150}}' \
    >/dev/null
run "$SEGSYNC" -w ws run "Big to Braze" --detach \
    --passphrase-file "$TMPD/admin.pp"
is "$rc" 0 "a run started from the command line"
id=$(ls ws/runs | grep -v '\.lock$' | sort | tail -1)
# A number of a run record: rnum KEY (counts.accepted, pid).
rnum() {
	"${PYTHON3:-python3}" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    for k in sys.argv[2].split("."):
        d = d[k]
    print(d)
except (OSError, ValueError, KeyError):
    print(0)' "ws/runs/$id/run.json" "$1"
}
t_i=0
while [ $t_i -lt 200 ] && [ "$(rnum counts.accepted)" -lt 2000 ]; do
	sleep 0.1
	t_i=$((t_i + 1))
done
is "$(rnum status)" running "the run is under way"
kill -9 "$(rnum pid)" 2>/dev/null
ok $? "its worker is killed in the middle"
sleep 0.3
$FAKECTL config "$TMPD/fake-braze" '{"faults": {"latency_ms": 0}}' \
    >/dev/null
ui_keys resume <<'EOT'
keys r
dump rr-interrupted
keys s
dump rr-ask
keys y
dump rr-resumed
keys q
EOT
ui_run resume --passphrase-file "$TMPD/admin.pp"
ok "$(grep -q '^ > .*Big to Braze  *interrupted' "$DUMPS/rr-interrupted"
    echo $?)" \
    "the killed run shows as interrupted"
dump_has rr-ask "Resume the run of \"Big to Braze\"?" "s asks first"
dump_has rr-resumed "resumed; what was answered before is not sent again" \
    "then resumes it"
dump_has rr-resumed "attempt 2." "and shows its progress"
t_i=0
while [ $t_i -lt 300 ] && "$SEGSYNC" -w ws runs show "$id" 2>/dev/null |
    grep -q "Status:       running"; do
	sleep 0.1
	t_i=$((t_i + 1))
done
run "$SEGSYNC" -w ws runs show "$id" --json
# A count of the run's JSON: jnum KEY (counts.accepted, attempts).
jnum() {
	printf '%s\n' "$out" | "${PYTHON3:-python3}" -c '
import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[k]
print(d)' "$1"
}
is "$(jnum status)" succeeded "the resumed run succeeds"
is "$(jnum attempts)" 2 "as its second attempt"
acc=$(jnum counts.accepted)
is "$(($(jnum counts.accepted) + $(jnum counts.rejected) + \
    $(jnum counts.duplicates)))" "$(jnum counts.read)" \
    "every profile read was answered"
is "$(jnum counts.read)" 20000 "and every row was read"
is "$($FAKECTL get "$TMPD/fake-braze" state.user_count)" "$acc" \
    "the fake Braze holds each accepted profile once"

# Run now on an export that runs already offers to watch that run.
xid=$("${PYTHON3:-python3}" -c '
import glob, json
for f in glob.glob("ws/exports/*.json"):
    d = json.load(open(f))
    if d["name"] == "Big to Braze":
        print(d["id"])')
printf '%s' "$SEND" >"ws/runs/$xid.lock"
"${PYTHON3:-python3}" -c '
import fcntl, sys, time
f = open(sys.argv[1], "r")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)' "ws/runs/$xid.lock" >"$TMPD/hold-export" &
xhold=$!
t_holders="$t_holders $xhold"
t_i=0
while [ "$t_i" -lt 100 ] && ! grep -q held "$TMPD/hold-export"; do
	sleep 0.05
	t_i=$((t_i + 1))
done
ui_keys busy <<'EOT'
keys er
dump xr-busy
keys y
dump xr-busy-watch
keys q
EOT
ui_run busy --passphrase-file "$TMPD/admin.pp"
dump_has xr-busy "\"Big to Braze\" is running now (run $SEND)" \
    "Run now on a running export says which run runs it"
dump_has xr-busy-watch "Run $SEND, started" "and watches that run"

# An export whose segment file is gone cannot run: the UI says why.
kill "$xhold"
wait "$xhold" 2>/dev/null
mv ws/data/Big.csv "$TMPD/Big.csv"
ui_keys gone <<'EOT'
keys er
dump xr-gone
keys <Enter>q
EOT
ui_run gone --passphrase-file "$TMPD/admin.pp"
dump_has xr-gone "The segment \"Big\" of the export is not in the data" \
    "a segment gone: Run now says why instead"

# A mirror run stopped by a guard: said so, and "Run anyway", asked twice,
# starts a new run of the export with force.
mv "$TMPD/Big.csv" ws/data/Big.csv
GUARD=20271201T080000Z-0001
xconn=$("${PYTHON3:-python3}" -c '
import json, sys
print(json.load(open("ws/exports/" + sys.argv[1] + ".json"))["connection"])' \
    "$xid")
$MKRUN ws $GUARD '{"export": "Big to Braze", "export_id": "'"$xid"'",
    "connection_id": "'"$xconn"'", "status": "failed", "phase": "done",
    "fault": "config", "started_at": "2027-12-01T08:00:00Z",
    "updated_at": "2027-12-01T08:00:02Z",
    "finished_at": "2027-12-01T08:00:02Z",
    "sync": {"mode": "mirror", "max_removals": 10, "members": 20000,
    "to_remove": 5000, "guard": "max_removals"},
    "errors": ["5000 of the 20000 members would be removed (25%), over the maximum of 10%: nothing was sent."]}'
ui_keys guard <<'EOT'
keys r
dump rb-guard
keys <Enter>
dump pr-guard
keys a
dump pr-guard-ask
keys <Left><Enter>
dump pr-guard-again
keys <Left><Enter>
dump pr-guard-forced
keys q
EOT
ui_run guard --passphrase-file "$TMPD/admin.pp"
dump_has rb-guard "guard stop" "the history says a guard stopped it"
dump_has pr-guard "Stopped by a guard" "and so does its record"
dump_has pr-guard "a run anyway" "which offers to run anyway"
dump_has pr-guard-ask "anything: 5000 of" \
    "Run anyway says how many would be removed"
dump_has pr-guard-again "Really run anyway?" "and asks a second time"
forced=$("${PYTHON3:-python3}" -c '
import glob, json
for f in sorted(glob.glob("ws/runs/*/run.json")):
    d = json.load(open(f))
    if d.get("export_id") == "'"$xid"'" and d.get("sync", {}).get("force"):
        print(d["id"])')
ok "$([ -n "$forced" ]; echo $?)" "and then starts a run of the export with force"

# A run over within its first second: no "0/s" for its throughput.
$MKRUN ws 20281201T080000Z-0002 '{"status": "succeeded", "phase": "done",
    "started_at": "2028-12-01T08:00:00Z", "updated_at": "2028-12-01T08:00:00Z",
    "finished_at": "2028-12-01T08:00:00Z", "attempts": 1,
    "counts": {"read": 40, "sent": 37, "accepted": 37, "rejected": 3},
    "segment_counts": [{"read": 40, "sent": 37, "accepted": 37, "rejected": 3}],
    "requests": 1}'
ui_keys quick <<'EOT'
keys r
keys w
dump pr-quick
keys q
EOT
ui_run quick --passphrase-file "$TMPD/admin.pp"
dump_has pr-quick "Succeeded" "a run of under a second opens in progress"
is "$(grep -c 'Throughput *0/s' "$DUMPS/pr-quick")" 0 \
    "its throughput is not said to be 0/s"
like "$(grep 'Throughput' "$DUMPS/pr-quick")" "Throughput           -" \
    "but unknown (-), as the time left of a finished run"
done_testing
