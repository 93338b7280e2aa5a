# runs watch against the fake Braze (segsync.1, "runs watch"): it follows
# a run started elsewhere to its end, with a plain progress line every few
# seconds off a terminal, prints the run's outcome and exits with the
# run's status (0 succeeded; 1 cancelled or interrupted; 3 stopped by the
# destination refusing the credentials); a finished run is reported at
# once; Ctrl-C stops watching, not the run; an unknown run, a missing ID
# and an option it does not take are refused.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
F=$TMPD/fake
mkdir -p "$D"
"$GEN" --rows 12000 --seed 21 -o "$D/VIP.csv" || exit 99

cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"watch-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}]}}
EOT
BASE=$($FAKECTL start "$F" --dest braze --config "$TMPD/fake.json") ||
    fail_all "the fake Braze server did not start"
stop_fake() { $FAKECTL stop "$F" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"
fake() { $FAKECTL "$@" "$F"; }
latency() {
	$FAKECTL config "$F" "{\"faults\": {\"latency_ms\": $1}}" >/dev/null
}
newest() { ls "$W/runs" | grep -v '\.lock$' | sort | tail -1; }
# A field of a run record: rj ID status
rj() {
	"${PYTHON3:-python3}" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(d)' "$W/runs/$1/run.json" "$2"
}
# Wait until run $1 has at least $2 accepted (at most 30 s).
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
# watch_bg ID: runs watch ID in the background, its process ID in
# $TMPD/watch.pid, its output in $TMPD/watch.out and its status, once it
# ends, in $TMPD/watch.rc.
watch_bg() {
	rm -f "$TMPD/watch.rc" "$TMPD/watch.pid"
	( LC_ALL=C sh -c 'echo $$ >"$1"; shift; exec "$@"' sh \
	    "$TMPD/watch.pid" "$S" -w "$W" runs watch "$1" \
	    >"$TMPD/watch.out" 2>"$TMPD/watch.err" </dev/null
	  echo $? >"$TMPD/watch.rc" ) &
	wpid=$!
	t_i=0
	while [ ! -s "$TMPD/watch.pid" ] && [ "$t_i" -lt 50 ]; do
		sleep 0.1
		t_i=$((t_i + 1))
	done
}
# watch_wait SECONDS: wait for the background watch to end; 1 if it did
# not in time.
watch_wait() {
	t_i=0
	while [ ! -s "$TMPD/watch.rc" ]; do
		[ "$t_i" -lt $(($1 * 10)) ] || return 1
		sleep 0.1
		t_i=$((t_i + 1))
	done
	wait "$wpid" 2>/dev/null
	return 0
}

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'watch-key-1234\n' >"$TMPD/key"
"$S" -w "$W" connection add --type braze --name Braze --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" --export-user >/dev/null || exit 99
"$S" -w "$W" export add --name Big --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --segment VIP \
    >/dev/null || exit 99

# --- usage ------------------------------------------------------------------
run "$S" -w "$W" runs watch
is "$rc" 2 "runs watch without a run ID is a usage error"
run "$S" -w "$W" runs watch 20990101T000000Z-0000 --json
is "$rc" 2 "runs watch takes no --json"
like "$err" "--json is not available for this command" "in words"
run "$S" -w "$W" runs watch 20990101T000000Z-0000
is "$rc" 4 "an unknown run exits 4"
ok "$([ -n "$err" ] && [ -z "$out" ]; echo $?)" \
    "with a message, and nothing on stdout"
diag "$err"

# --- a run started with --detach, followed to its end ------------------------
# About 1,300 profiles a second (16 requests of 50 in flight, 600 ms each):
# the run takes several seconds, long enough for a progress line.
fake reset >/dev/null
latency 600
run "$S" -w "$W" run Big --detach
is "$rc" 0 "run --detach starts the run"
id=$(newest)
wait_accepted "$id" 1
ok $? "the run is sending"
start=$(date +%s)
run env LC_ALL=C "$S" -w "$W" runs watch "$id"
took=$(($(date +%s) - start))
is "$rc" 0 "runs watch exits 0 for a run that succeeded"
is "$(rj "$id" status)" succeeded "the run had ended when runs watch did"
like "$out" "] sending: " "a plain progress line off a terminal (phase)"
like "$out" " read, " "with the profiles read"
like "$out" " accepted, " "and accepted"
like "$out" "profiles/s" "and the rate"
unlike "$out" "$(printf '\033')" "no terminal escapes off a terminal"
like "$out" "Run $id succeeded in " "the outcome, in words"
acc=$(rj "$id" counts.accepted)
like "$out" " sent, $acc accepted, " "with the run's accepted count ($acc)"
is "$($FAKECTL get "$F" state.user_count)" "$acc" \
    "which is what reached the destination"
ok "$([ "$took" -ge 3 ]; echo $?)" "it followed the run live (${took}s)"
is "$err" "" "nothing on stderr"

# --- a finished run: its outcome at once ------------------------------------
start=$(date +%s)
run env LC_ALL=C "$S" -w "$W" runs watch "$id"
is "$rc" 0 "watching a finished run exits with its status (0)"
like "$out" "Run $id succeeded in " "and says how it ended"
unlike "$out" "] sending: " "without a progress line"
ok "$([ $(($(date +%s) - start)) -lt 3 ]; echo $?)" "at once"

# --- Ctrl-C stops watching, not the run --------------------------------------
fake reset >/dev/null
latency 600
"$S" -w "$W" run Big --full --detach >/dev/null || exit 99
iid=$(newest)
wait_accepted "$iid" 1
watch_bg "$iid"
sleep 1
kill -INT "$(cat "$TMPD/watch.pid")"
watch_wait 10
ok $? "runs watch stops on SIGINT"
is "$(cat "$TMPD/watch.rc")" 0 "and exits 0"
like "$(cat "$TMPD/watch.out")" "Stopped watching; run $iid goes on" \
    "saying the run goes on"
like "$(cat "$TMPD/watch.out")" "segsync runs watch $iid" \
    "and how to watch it again"
is "$(rj "$iid" status)" running "the run is still running"

# --- a cancelled run: 1 ------------------------------------------------------
watch_bg "$iid"
sleep 1
run "$S" -w "$W" runs cancel "$iid"
is "$rc" 0 "the run is cancelled from elsewhere"
watch_wait 20
ok $? "runs watch ends with the run"
is "$(cat "$TMPD/watch.rc")" 1 "and exits 1 for a cancelled run"
like "$(cat "$TMPD/watch.out")" "Run $iid was cancelled after" "in words"
like "$(cat "$TMPD/watch.out")" \
    "'segsync run --resume $iid' sends what is left" \
    "saying how to send the rest"

# --- an interrupted run (its worker killed): 1 -------------------------------
fake reset >/dev/null
latency 600
"$S" -w "$W" run Big --full --detach >/dev/null || exit 99
kid=$(newest)
wait_accepted "$kid" 1
watch_bg "$kid"
sleep 1
kill -9 "$(rj "$kid" pid)"
watch_wait 20
ok $? "runs watch notices the dead worker"
is "$(cat "$TMPD/watch.rc")" 1 "and exits 1 for an interrupted run"
like "$(cat "$TMPD/watch.out")" "Run $kid was interrupted" "in words"
like "$(cat "$TMPD/watch.out")" "segsync run --resume $kid" \
    "saying how to resume"

# --- a run stopped by refused credentials: 3 ---------------------------------
fake reset >/dev/null
latency 600
"$S" -w "$W" run Big --full --detach >/dev/null || exit 99
aid=$(newest)
wait_accepted "$aid" 1
watch_bg "$aid"
$FAKECTL config "$F" '{"revoke_keys": ["watch-key-1234"]}' >/dev/null
watch_wait 30
ok $? "runs watch ends when the destination refuses the key"
is "$(cat "$TMPD/watch.rc")" 3 "and exits 3, as the run does"
is "$(rj "$aid" status)" failed "the run is recorded as failed"
like "$(cat "$TMPD/watch.out")" "Run $aid failed after" "in words"
like "$(cat "$TMPD/watch.out")" "401" "with the destination's answer"
done_testing
