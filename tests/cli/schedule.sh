# Schedules: export add/edit --schedule and --tz, what export list and show
# say, and refresh on a faked clock (SEGSYNC_TEST_NOW): exactly the due
# exports run, one missed run is caught up once, one still running is
# skipped and run at the next refresh.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
PY=${PYTHON3:-python3}
FAKECTL="$PY $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
mkdir -p "$D"
"$GEN" --rows 20 --seed 1 -o "$D/VIP.csv"
"$GEN" --rows 3000 --seed 2 -o "$D/Big.csv"
cat >"$TMPD/braze.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP (Braze)"}]}}
EOT
F=$TMPD/fb
BASE=$($FAKECTL start "$F" --dest braze --config "$TMPD/braze.json") ||
    fail_all "the fake Braze server did not start"
stop_fake() { $FAKECTL stop "$F" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"
ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/key"
"$S" -w "$W" connection add --type braze --name B --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" --export-user >/dev/null || exit 99
"$S" -w "$W" key add-file "$TMPD/cron.key" >/dev/null || exit 99
add() {
	n=$1
	shift
	run "$S" -w "$W" export add --name "$n" --connection B --target vip-seg \
	    --map email=email --map customer_id=customer_id "$@"
}
field() {
	"$S" -w "$W" export show "$1" --json | "$PY" -c '
import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(json.dumps(v) if not isinstance(v, str) else v)' "$2"
}
refresh() {
	run env -i PATH=/usr/bin:/bin SEGSYNC_TEST_NOW="$1" "$S" -w "$W" \
	    --key-file "$TMPD/cron.key" refresh
}

# --- saving schedules -------------------------------------------------------
add Bad --segment VIP --schedule "daily 25:00"
is "$rc" 2 "an hour past 23 is a usage error"
like "$err" "is not a schedule" "in words"
like "$err" "daily HH:MM" "saying what is expected"
add Bad --segment VIP --schedule "weekly someday 06:30"
is "$rc" 2 "an unknown day is a usage error"
add Bad --segment VIP --schedule "daily 06:30" --tz Mars/Olympus
is "$rc" 2 "an unknown time zone is a usage error"
like "$err" "not a time zone this system knows" "in words"
add Bad --segment VIP --schedule refresh --tz UTC
is "$rc" 2 "--tz without a timed schedule is a usage error"
add Bad --segment VIP --scheduled --schedule hourly
is "$rc" 2 "--scheduled and another --schedule contradict"
is "$(ls "$W/exports" | grep -c json)" 0 "nothing was saved"

add H --segment VIP --schedule hourly --tz UTC
is "$rc" 0 "an hourly export"
like "$out" "It runs on schedule (hourly UTC), first at" "saying when it first runs"
add Dd --segment Big --schedule "daily 06:30" --tz UTC
is "$rc" 0 "a daily one"
add Wk --segment VIP --schedule "weekly mon 06:30" --tz Europe/Paris
is "$rc" 0 "a weekly one, in Paris"
add R --segment VIP --scheduled
is "$rc" 0 "one on every refresh"
add O --segment VIP
is "$rc" 0 "and one that is not scheduled"
is "$(field Dd schedule)" "daily 06:30" "export show --json: schedule"
is "$(field Wk time_zone)" "Europe/Paris" "and its time zone"
is "$(field R schedule)" refresh "--scheduled is --schedule refresh"
is "$(field R scheduled)" true "scheduled stays true for it"
is "$(field O schedule)" off "off by default"
is "$(field O next_run)" null "with no next run"
next=$(field Wk next_run)
"$PY" - "$next" <<'EOT'
import datetime, sys, zoneinfo
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ").replace(
    tzinfo=datetime.timezone.utc).astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
assert (t.weekday(), t.hour, t.minute) == (0, 6, 30), t
assert t > datetime.datetime.now(datetime.timezone.utc)
EOT
ok $? "the weekly one's next run is a Monday 06:30 in Paris ($next)"
run "$S" -w "$W" export list
like "$out" "weekly mon 06:30" "export list shows the schedule"
like "$out" "NEXT RUN" "and a next-run column"
run "$S" -w "$W" export show Wk
like "$out" "weekly mon 06:30 Europe/Paris, next at" "export show says when"
run "$S" -w "$W" export edit Wk --tz America/New_York
is "$rc" 0 "another time zone for the same schedule"
is "$(field Wk time_zone)" "America/New_York" "saved"
run "$S" -w "$W" export edit Wk --schedule "weekly mon 06:30" --tz UTC
is "$rc" 0 "and back to UTC"

# --- refresh on a faked clock -----------------------------------------------
# A Monday at 00:00 UTC at least eight days ahead: every slot of every
# schedule has passed at least once since the exports were made.
mon=$("$PY" -c '
import datetime
d = datetime.datetime.now(datetime.timezone.utc).replace(
    hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(days=8)
d += datetime.timedelta(days=(7 - d.weekday()) % 7)
print(int(d.timestamp()))')
at() { echo $((mon + $1)); }	# seconds after that Monday 00:00
ran() { printf '%s\n' "$out" | grep -c "^$1: succeeded"; }

refresh "$(at $((6 * 3600)))"		# Monday 06:00
is "$rc" 0 "refresh at Monday 06:00"

is "$(ran H)" 1 "the hourly export ran"
is "$(ran Dd)" 1 "the daily one ran once, though days of slots were missed"
is "$(ran Wk)" 1 "the weekly one ran: last Monday's slot was missed"
is "$(ran R)" 1 "the refresh one ran"
is "$(ran O)" 0 "the unscheduled one did not"
like "$out" "4 scheduled, 4 succeeded, 0 failed" "the summary counts the due ones"
refresh "$(at $((6 * 3600 + 600)))"	# Monday 06:10
is "$(ran H)" 0 "ten minutes later the hourly one is not due"
is "$(ran Dd)" 0 "nor the daily one"
is "$(ran R)" 1 "the refresh one runs every time"
like "$out" "H: not due, next at " "a line says when the hourly one is next"
refresh "$(at $((6 * 3600 + 31 * 60)))"	# Monday 06:31
is "$(ran Dd)" 1 "at 06:31 the daily one is due again"
is "$(ran Wk)" 1 "and the weekly one"
is "$(ran H)" 0 "the hourly one not yet"
refresh "$(at $((7 * 3600 + 5 * 60)))"	# Monday 07:05
is "$(ran H)" 1 "at 07:05 the hourly one"
is "$(ran Dd)" 0 "the daily one not"
is "$(ran Wk)" 0 "nor the weekly one"

# One still running when its slot comes is skipped, and run at the next
# refresh: being skipped does not take its slot.
# Slow enough to be running still after the refresh and its cancel.
$FAKECTL config "$F" '{"faults": {"latency_ms": 2000}}' >/dev/null
"$S" -w "$W" run Dd --full --detach >/dev/null
refresh "$(at $((30 * 3600 + 31 * 60)))"	# Tuesday 06:31
like "$out" "Dd: skipped" "the daily one, still running, is skipped"
is "$(ran Dd)" 0 "not started twice"
# Cancelled meanwhile: the record of changes says who started and who
# cancelled it.
rid=$("$S" -w "$W" runs list --export Dd --json | "$PY" -c '
import json, sys
print(" ".join(r["id"] for r in json.load(sys.stdin) if r["status"] == "running"))')
is "$(echo $rid | wc -w)" 1 "one run of it is running"
"$S" -w "$W" runs cancel $rid >/dev/null
$FAKECTL config "$F" '{"faults": {"latency_ms": 0}}' >/dev/null
for i in $(seq 1 100); do
	"$S" -w "$W" runs list --export Dd --json | grep -q '"running"' || break
	sleep 0.2
done
run "$S" -w "$W" log --object run --name Dd
like "$out" 'run "Dd" start' "the log says the run was started"
like "$out" 'run "Dd" cancel' "and cancelled"
like "$out" "$(id -un)" "and by whom"
refresh "$(at $((30 * 3600 + 46 * 60)))"	# Tuesday 06:46
is "$(ran Dd)" 1 "and runs at the next refresh"
refresh "$(at $((30 * 3600 + 50 * 60)))"	# Tuesday 06:50
is "$(ran Dd)" 0 "once"

# Unscheduling and detaching take an export out of refresh.
run "$S" -w "$W" export edit H --schedule off
is "$rc" 0 "unscheduled"
run "$S" -w "$W" export detach R
is "$rc" 0 "and the refresh one detached"
refresh "$(at $((40 * 3600)))"
unlike "$out" "H:" "refresh no longer mentions the unscheduled one"
like "$out" "R: detached, not run" "and says the detached one is not run"
is "$(ran R)" 0 "which does not run"
# A new schedule counts from when it is set: the old one's slots are not
# caught up for it.
run "$S" -w "$W" export edit O --schedule "daily 06:30" --tz UTC
refresh "$(date +%s)"
like "$out" "O: not due" "a schedule set now does not run at once for a past slot"

done_testing
