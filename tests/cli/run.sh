# Runs against the fake Braze: what a run records equals what landed at
# the destination, the rejects file lists every invalid profile, runs
# survive SIGHUP, overlapping runs are refused, cancel is consistent,
# kill -9 at several points then --resume delivers everything with nothing
# acknowledged sent again, refresh works from cron's empty environment,
# --dry-run sends and saves nothing, and retention prunes old runs.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
F=$TMPD/fake
mkdir -p "$D"
"$GEN" --rows 30000 --seed 11 -o "$D/VIP.csv"
"$GEN" --rows 10000 --seed 12 -o "$D/News.csv"
"$GEN" --rows 600 --seed 13 -o "$D/Small.csv"

cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}]}}
EOT
BASE=$($FAKECTL start "$F" --dest braze --config "$TMPD/fake.json") ||
    fail_all "the fake Braze server did not start"
stop_fake() { $FAKECTL stop "$F" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"
fake() { $FAKECTL "$@" "$F"; }
# A number from the fake's state or stats: num state.user_count
num() { $FAKECTL get "$F" "$1"; }
# A field of a run record: rj ID counts.accepted
rj() {
	"${PYTHON3:-python3}" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(str(d).lower() if isinstance(d, bool) else d)' "$W/runs/$1/run.json" "$2"
}
latency() {
	$FAKECTL config "$F" "{\"faults\": {\"latency_ms\": $1}}" >/dev/null
}
newest() { ls "$W/runs" | grep -v '\.lock$' | sort | tail -1; }
# Wait until run $1 is no longer running (at most $2 seconds).
wait_end() {
	t_i=0
	while [ "$t_i" -lt $(($2 * 10)) ]; do
		case $("$S" -w "$W" runs show "$1" 2>/dev/null) in
		*"Status:       running"*) ;;
		*) return 0 ;;
		esac
		sleep 0.1
		t_i=$((t_i + 1))
	done
	return 1
}
# Wait until run $1 has at least $2 accepted.
wait_accepted() {
	t_i=0
	while [ "$t_i" -lt 300 ]; do
		[ -f "$W/runs/$1/run.json" ] &&
		    [ "$(rj "$1" counts.accepted)" -ge "$2" ] && return 0
		sleep 0.1
		t_i=$((t_i + 1))
	done
	return 1
}

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/key"
"$S" -w "$W" connection add --type braze --name Braze --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" --export-user >/dev/null || exit 99
"$S" -w "$W" export add --name Big --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --map attr:city=city \
    --segment VIP --segment News --scheduled >/dev/null || exit 99
"$S" -w "$W" export add --name Small --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --segment Small \
    --scheduled >/dev/null || exit 99

# --- dry run ---------------------------------------------------------------
fake reset >/dev/null
run "$S" -w "$W" run Big --dry-run
is "$rc" 0 "a dry run exits 0"
like "$out" "nothing was sent and nothing was saved" "and says so"
like "$out" "VIP" "counts per segment"
like "$out" "invalid email (" "rejects grouped by reason, with lines"
like "$out" "requests (up to 50 profiles each)" "the number of requests"
like "$out" "so sending takes at least" "and the time the limit implies"
is "$(num stats.requests_total)" 0 "nothing reached the destination"
is "$(ls "$W/runs" | grep -c .)" 0 "no run was recorded"
dry_send=$(printf '%s\n' "$out" | awk '$1 == "Total" { print $5 }')
unlike "$out" "Planned as a run with" "a plain dry run names no run option"
run "$S" -w "$W" run Big --dry-run --full --force --allow-empty
is "$rc" 0 "a dry run takes --full, --force and --allow-empty"
like "$out" "Planned as a run with --full --force --allow-empty." \
    "and says it is planned with them"
is "$(num stats.requests_total)" 0 "still nothing reached the destination"
is "$(ls "$W/runs" | grep -c .)" 0 "and no run was recorded"
run "$S" -w "$W" run Big --dry-run --force
like "$out" "Planned as a run with --force." "only the options given"

# --- a whole run: recorded counts equal the destination ----------------------
run "$S" -w "$W" run Big
is "$rc" 0 "run Big succeeds (status 0)"
like "$out" "succeeded" "and says so"
id=$(newest)
is "$(rj "$id" status)" succeeded "recorded as succeeded"
acc=$(rj "$id" counts.accepted)
is "$(num state.user_count)" "$acc" \
    "users at Braze = accepted in the record ($acc)"
is "$(rj "$id" counts.sent)" "$dry_send" "the dry run predicted what was sent"
rej=$(rj "$id" counts.rejected)
lines=$(($(wc -l <"$W/runs/$id/rejects.csv") - 1))
is "$lines" "$rej" "the rejects file has one line per rejected profile ($rej)"
# Every invalid row of the input is in the rejects file, with its reason.
bad=$("${PYTHON3:-python3}" - "$D/VIP.csv" "$D/News.csv" <<'EOT'
import csv, re, sys
n = 0
for f in sys.argv[1:]:
    for row in csv.DictReader(open(f, encoding="utf-8")):
        e = (row.get("email") or "").strip()
        if e == "" or "@" not in e:
            n += 1
print(n)
EOT
)
ok "$([ "$(grep -c -e ',missing email' -e ',invalid email' \
    "$W/runs/$id/rejects.csv")" -ge "$bad" ]; echo $?)" \
    "every row without a usable email is listed with the reason ($bad)"
run "$S" -w "$W" runs show "$id" --json
like "$out" '"rejects_file":' "runs show --json has rejects_file"
like "$out" '"peak_rss_kb":' "and the worker's resources"
like "$out" "\"started_by\":	\"$(id -un)\"" "and who started it"
run "$S" -w "$W" runs
like "$out" "$id" "runs lists it"
like "$out" "succeeded" "with its status"
run "$S" -w "$W" runs --export Small --json
is "$out" "[]" "runs --export filters"

# --- SIGHUP: closing the terminal does not stop a run ------------------------
fake reset >/dev/null
latency 40
setsid sh -c "exec '$S' -w '$W' run Small --full >'$TMPD/hup.out' 2>&1" &
hpid=$!
sleep 1
hid=$(newest)
kill -HUP -- "-$hpid" 2>/dev/null || kill -HUP "$hpid"
wpid=$(rj "$hid" pid)
kill -HUP "$wpid" 2>/dev/null
ok "$(wait_end "$hid" 60; echo $?)" "the run ended on its own"
is "$(rj "$hid" status)" succeeded "after SIGHUP to the follower and the worker"
is "$(num state.user_count)" "$(rj "$hid" counts.accepted)" \
    "with everything delivered"

# The same when the tmux session holding the terminal is killed.
if command -v tmux >/dev/null; then
	fake reset >/dev/null
	latency 30
	sock=$TMPD/tmux.sock
	tmux -S "$sock" new-session -d -x 80 -y 24 \
	    "SEGSYNC_PASSPHRASE_FILE='$TMPD/admin.pp' '$S' -w '$W' run Big --full"
	t_i=0
	while [ "$t_i" -lt 100 ] && [ "$(newest)" = "$hid" ]; do
		sleep 0.1
		t_i=$((t_i + 1))
	done
	tid=$(newest)
	sleep 1
	tmux -S "$sock" capture-pane -p >"$TMPD/pane" 2>/dev/null
	like "$(cat "$TMPD/pane")" "sending    [" "a progress bar in the terminal"
	like "$(cat "$TMPD/pane")" "accepted" "with counts"
	tmux -S "$sock" kill-server
	ok "$(wait_end "$tid" 60; echo $?)" "the run outlived its tmux session"
	is "$(rj "$tid" status)" succeeded "and succeeded"
	is "$(num state.user_count)" "$(rj "$tid" counts.accepted)" \
	    "with everything delivered"
else
	ok 1 "tmux is not installed: the run in a killed session is untested"
fi

# --- overlapping runs are refused; cancel is consistent ----------------------
fake reset >/dev/null
latency 150
run "$S" -w "$W" run Big --full --detach
is "$rc" 0 "run --detach returns at once"
like "$out" "goes on in the background" "saying the run goes on"
cid=$(newest)
wait_accepted "$cid" 500
run "$S" -w "$W" run Big --full
is "$rc" 1 "a second run of the same export is refused (1)"
like "$err" "already running as run $cid" "naming the run that holds it"
run "$S" -w "$W" run Small --full --detach
is "$rc" 0 "another export runs side by side"
sid=$(newest)
run "$S" -w "$W" runs cancel "$cid"
is "$rc" 0 "runs cancel"
like "$out" "cancelled" "reports the run cancelled"
is "$(rj "$cid" status)" cancelled "recorded as cancelled"
ok "$([ "$(rj "$cid" finished_at)" != None ]; echo $?)" "with its end time"
j_acc=$(grep -c '^[aw] ' "$W/runs/$cid/journal")
is "$j_acc" "$(rj "$cid" counts.accepted)" \
    "the journal holds exactly the accepted profiles"
ok "$([ "$(rj "$cid" counts.accepted)" -lt "$acc" ]; echo $?)" \
    "it stopped before the end"
ok "$(wait_end "$sid" 60; echo $?)" "the other export's run went on"
is "$(rj "$sid" status)" succeeded "and succeeded"
run "$S" -w "$W" runs cancel "$sid"
is "$rc" 1 "cancelling a finished run fails"
like "$err" "is not running" "in words"

# --- kill -9 at several points, then resume ----------------------------------
fake reset >/dev/null
latency 60
run "$S" -w "$W" run Big --full --detach
kid=$(newest)
for at in 1500 6000 15000; do
	wait_accepted "$kid" "$at"
	kill -9 "$(rj "$kid" pid)"
	sleep 0.3
	run "$S" -w "$W" runs show "$kid"
	like "$out" "interrupted" "killed after $at accepted: shown as interrupted"
	# The time between a kill and its resume is no part of the run's.
	[ "$at" = 6000 ] && sleep 3
	run "$S" -w "$W" run --resume "$kid" --detach
	is "$rc" 0 "resumed"
done
latency 0
ok "$(wait_end "$kid" 120; echo $?)" "the resumed run ended"
is "$(rj "$kid" status)" succeeded "succeeded after three kills"
is "$(rj "$kid" attempts)" 4 "in four attempts"
wall=$("${PYTHON3:-python3}" -c '
import json, sys, datetime
d = json.load(open(sys.argv[1]))
f = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
print(int((f(d["finished_at"]) - f(d["started_at"])).total_seconds()))' \
    "$W/runs/$kid/run.json")
ok "$([ "$(rj "$kid" earlier_seconds)" -ge 0 ] && [ -n "$(rj "$kid" attempt_started_at)" ]; echo $?)" \
    "the record keeps the attempts' time apart ($(rj "$kid" earlier_seconds) s before the last attempt)"
run "$S" -w "$W" runs show "$kid"
dur=$(printf '%s\n' "$out" | sed -n 's/^Finished: .*(\([0-9:]*\))$/\1/p' | head -1)
secs=$(printf '%s\n' "$dur" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
ok "$([ -n "$secs" ] && [ "$secs" -le $((wall - 3)) ]; echo $?)" \
    "its duration ($dur) leaves out the 3 s between a kill and its resume (start to end: $wall s)"
is "$(num state.user_count)" "$acc" \
    "every valid profile reached Braze ($acc, as in one run)"
is "$(rj "$kid" counts.accepted)" "$acc" "the record counts them once"
is "$(rj "$kid" counts.rejected)" "$rej" "rejects as in one run"
is "$(($(wc -l <"$W/runs/$kid/rejects.csv") - 1))" "$rej" \
    "the rejects file was rebuilt, not appended to"
# Only what was in flight at each kill (the Braze driver keeps 16 batches
# of 50 in flight) can reach Braze twice.
processed=$(num state.counts.attributes_processed 2>/dev/null ||
    echo "$acc")
ok "$([ "$processed" -le $((acc + 3 * 16 * 50)) ]; echo $?)" \
    "nothing acknowledged was sent again ($processed profiles received)"
run "$S" -w "$W" runs show "$kid"
like "$out" "Interrupted: the worker stopped" "the timeline says it was interrupted"
like "$out" "restarted) after running for " "after how long, not at which UTC time"
is "$(printf '%s\n' "$out" | grep -o 'Interrupted:.*' |
    grep -cE 'T[0-9]{2}:[0-9]{2}:[0-9]{2}Z')" 0 \
    "with no time stamp in the sentence"
like "$out" "Resumed by" "and resumed"
run "$S" -w "$W" run --resume "$kid"
is "$rc" 4 "a succeeded run cannot be resumed"
like "$err" "nothing to resume" "in words"

# A resume refuses a segment file that changed.
fake reset >/dev/null
latency 100
"$S" -w "$W" run Big --full --detach >/dev/null
mid=$(newest)
wait_accepted "$mid" 500
kill -9 "$(rj "$mid" pid)"
sleep 0.3
latency 0
cp -p "$D/VIP.csv" "$TMPD/vip.bak"
printf 'new@example.com,x\n' >>"$D/VIP.csv"
run "$S" -w "$W" run --resume "$mid"
is "$rc" 4 "resume refuses a changed segment file (4)"
like "$err" "changed since run $mid started" "in words"
cp -p "$TMPD/vip.bak" "$D/VIP.csv"

# Errors of an attempt that failed are kept, each with its attempt, once a
# resumed attempt succeeds: they are not read as the last attempt's.
fake reset >/dev/null
$FAKECTL config "$F" '{"faults": {"fail_every": 1, "fail_status": 503}}' \
    >/dev/null
run "$S" -w "$W" run Small --full
ok "$([ "$rc" -ne 0 ]; echo $?)" "a run whose every request fails with 503 fails ($rc)"
eid=$(newest)
$FAKECTL config "$F" '{"faults": {"fail_every": 0}}' >/dev/null
run "$S" -w "$W" runs show "$eid"
like "$out" "Errors:" "it records an error"
diag "$(printf '%s\n' "$out" | grep -A2 "Errors:")"
is "$(printf '%s\n' "$out" | grep -c '[a-z0-9)] The delivery stopped')" 0 \
    "whose sentences do not run into each other"
like "$out" "The delivery stopped after 0 profiles had been accepted" \
    "the count of accepted profiles in the sentence"
unlike "$out" "Attempt 1:" "not yet numbered: the run had one attempt"
run "$S" -w "$W" run --resume "$eid"
is "$rc" 0 "resumed once the destination answers, it succeeds"
run "$S" -w "$W" runs show "$eid"
like "$out" "Status:       succeeded" "recorded as succeeded"
like "$out" "  Attempt 1: " "the first attempt's error is shown with its attempt"
unlike "$out" "Attempt 2:" "and the second attempt had none"
run "$S" -w "$W" runs show "$eid" --json
like "$out" '"error_attempts":' "--json gives each error's attempt"
is "$(rj "$eid" error_attempts | tr -d '[] ' | tr ',' '\n' | sort -u)" 1 \
    "every error recorded belongs to attempt 1"

# --- usage -----------------------------------------------------------------
run "$S" -w "$W" run
is "$rc" 2 "run without an export is a usage error"
run "$S" -w "$W" run Big --resume "$kid"
is "$rc" 2 "an export and --resume together are a usage error"
for o in full force allow-empty; do
	run "$S" -w "$W" run --resume "$kid" --$o
	is "$rc" 2 "--$o with --resume is a usage error"
	like "$err" "--$o cannot be given with --resume: a resumed run keeps the options it was started with" \
	    "saying that a resumed run keeps its options"
done
run "$S" -w "$W" run Small --full --force --allow-empty
is "$rc" 0 "a run with --full, --force and --allow-empty starts and succeeds"
like "$out" "succeeded" "and says so"
unlike "$("$S" -w "$W" runs show "$(newest)")" "could not be locked in RAM" \
    "its worker locked the keys in memory again after fork, without a word"
# With a locked-memory limit of 0 (and, for root, without CAP_IPC_LOCK,
# which ignores the limit) the worker cannot, and says so once.
memlock0() {
	if [ "$(id -u)" -eq 0 ]; then
		sh -c 'ulimit -l 0 && exec setpriv --bounding-set -ipc_lock "$@"' \
		    sh "$@"
	else
		sh -c 'ulimit -l 0 && exec "$@"' sh "$@"
	fi
}
run memlock0 "$S" -w "$W" run Small --full
is "$rc" 0 "a run whose keys cannot be locked in memory still runs"
if [ "${SEGSYNC_SANITIZED:-no}" = yes ]; then
	skip "AddressSanitizer ignores mlock(), which then never fails: the event is checked by the build without sanitizers"
else
	is "$("$S" -w "$W" runs show "$(newest)" | grep -c "could not be locked in RAM")" 1 \
	    "and its events say once that the keys may go to swap"
fi
run "$S" -w "$W" run Nope
is "$rc" 4 "an unknown export exits 4"
like "$err" "there is no export named \"Nope\"" "in words"
run "$S" -w "$W" runs show 20990101T000000Z-0000
is "$rc" 4 "an unknown run exits 4"

# --- refresh from cron ------------------------------------------------------
fake reset >/dev/null
"$S" -w "$W" key add-file "$TMPD/cron.key" >/dev/null || exit 99
run env -i PATH=/usr/bin:/bin "$S" -w "$W" --key-file "$TMPD/cron.key" refresh
is "$rc" 0 "refresh with a key file in an empty environment exits 0"
like "$out" "Big: succeeded" "runs Big"
like "$out" "Small: succeeded" "and Small"
like "$out" "2 scheduled, 2 succeeded, 0 failed" "with a summary"
is "$(rj "$(newest)" scheduled)" true "recorded as scheduled"
run env -i PATH=/usr/bin:/bin "$S" -w "$W" refresh
is "$rc" 3 "refresh without a key fails (3)"
ok "$([ -n "$err" ] && [ "$(printf '%s\n' "$err" | wc -l)" -le 3 ]; echo $?)" \
    "at once, with a short message"
diag "$err"
# A running export is skipped, not failed.
latency 150
"$S" -w "$W" run Big --full --detach >/dev/null
bid=$(newest)
run env -i PATH=/usr/bin:/bin "$S" -w "$W" --key-file "$TMPD/cron.key" refresh
is "$rc" 0 "refresh skips an export already running"
like "$out" "Big: skipped" "and says so"
"$S" -w "$W" runs cancel "$bid" >/dev/null
latency 0

# --- retention ----------------------------------------------------------------
"${PYTHON3:-python3}" - "$W/workspace.json" <<'EOT'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d.setdefault("settings", {})["runs_retention"] = 2
open(p, "w").write(json.dumps(d, indent=2))
EOT
for i in 1 2 3; do "$S" -w "$W" run Small --full >/dev/null; done
run "$S" -w "$W" runs --export Small --json
n=$(printf '%s' "$out" | "${PYTHON3:-python3}" -c \
    'import json,sys; print(len([r for r in json.load(sys.stdin) if r["status"] != "interrupted"]))')
is "$n" 2 "retention keeps the last 2 finished runs of an export"

# --- counts in sentences take their plural ----------------------------------
head -n 2 "$D/Small.csv" >"$D/One.csv"
"$S" -w "$W" export add --name One --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --segment One \
    >/dev/null || exit 99
run "$S" -w "$W" run One --full
like "$out" "1 read, 0 duplicates, " "one profile read is '1 read'"
like "$out" "; 1 request." "one request is 'request'"
unlike "$out" "1 requests" "never '1 requests'"
run env LC_ALL=fr_FR.UTF-8 "$S" -w "$W" run One --full
like "$out" "; 1 requête." "in French too"
like "$out" "1 lu, 0 doublon," "with French plurals (0 takes the singular)"
run env LC_ALL=nl_NL.UTF-8 "$S" -w "$W" run Small --full
like "$out" "; 12 verzoeken." "and in Dutch"
like "$out" "0 duplicaten," "with Dutch plurals (0 takes the plural)"
run "$S" -w "$W" runs show "$(newest)"
like "$out" "(0 retries, 0 answered 429, 0 waits for the rate limit)" \
    "runs show counts its retries and waits with their plurals"

# --- the runs table: long and accented names, in columns -------------------
long="Ελληνικοί πελάτες, newsletter d'été 2026 Q4"
"$S" -w "$W" export add --name "$long" --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --segment Small \
    >/dev/null || exit 99
"$S" -w "$W" run "$long" >/dev/null
for loc in C.UTF-8 fr_FR.UTF-8 nl_NL.UTF-8; do
	run env LC_ALL=$loc "$S" -w "$W" runs
	check=$(printf '%s\n' "$out" | LC_ALL=C.UTF-8 "${PYTHON3:-python3}" -c '
import sys, unicodedata
lines = [l.rstrip("\n") for l in sys.stdin if l.strip()]
head = lines[0].split()
# Each heading starts a column: its offset in the heading line must be
# where every row has a cell boundary (a space before, text after).
cols = []
at = 0
for h in head:
    at = lines[0].index(h, at)
    cols.append(at)
    at += len(h)
bad = []
for l in lines[1:]:
    for c in cols[1:6]:  # the text columns, left-aligned
        if c >= len(l) or l[c - 1] != " " or l[c] == " ":
            bad.append((l, c))
print("rows %d misaligned %d" % (len(lines) - 1, len(bad)))
')
	like "$check" "misaligned 0" "$loc: every column of 'runs' lines up under its heading ($check)"
	like "$out" "Ελληνικοί πελ" "$loc: a name wider than its column keeps its start"
	like "$out" "…" "$loc: is shortened in the middle"
	like "$out" "2026 Q4 " "$loc: and keeps its end"
done
run env LC_ALL=C.UTF-8 "$S" -w "$W" runs --export "$long"
is "$(printf '%s\n' "$out" | grep -c "…")" 1 \
    "only that name is shortened: the others fit their columns"

done_testing
