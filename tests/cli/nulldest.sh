# A fourth destination is a driver and a registry line: tests/segsync-null
# is the program built with the test registry (tests/nullreg.c), which adds
# the null driver (tests/nulldest.c) and changes nothing else. Its command
# line offers the type, generates its options, and a run delivers through
# it; the program itself knows nothing of it.
. "$top_srcdir/tests/cli/lib.sh"
N=$top_builddir/tests/segsync-null
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
[ -x "$N" ] || { echo "Bail out! $N is not built"; exit 99; }
[ -n "${PYTHON3:-}" ] || { echo "Bail out! PYTHON3 is not set"; exit 99; }

# --- the command line picks the driver up -----------------------------------
run "$N" connection add --help
is "$rc" 0 "connection add --help exits 0"
like "$out" "braze|sendinblue|snapchat|null" "--type offers null"
like "$(printf '%s\n' "$out" | tr '\n' ' ')" "; Null needs --base-url." \
    "the description says what null needs"
like "$out" "--base-url URL" "null's option is there"
run "$SEGSYNC" connection add --help
unlike "$out" "null" "the program itself has no null destination"
run "$N" --help
like "$(printf '%s\n' "$out" | tr '\n' ' ')" \
    "Braze, Sendinblue (Brevo), Snapchat and Null" \
    "the help names the four destinations"
run "$N" export add --help
like "$(printf '%s\n' "$out" | tr '\n' ' ' | tr -s ' ')" \
    "Snapchat audience ID or null target" "--target names null's"

# --- a connection, an export and a run through it -------------------------
mkdir -p "$D"
"$GEN" --rows 500 --seed 21 -o "$D/VIP.csv" || exit 99
SEGSYNC=$N ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
"$PYTHON3" "$top_srcdir/tests/unit/http_stub.py" "$TMPD/port" &
stub=$!
stop_stub() { kill "$stub" 2>/dev/null; }
cleanup_hooks="$cleanup_hooks stop_stub"
i=0
while [ ! -s "$TMPD/port" ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$TMPD/port" ] || { echo "Bail out! http_stub.py did not start"; exit 99; }
BASE=http://127.0.0.1:$(cat "$TMPD/port")

run "$N" -w "$W" connection add --type null --name Nul --agree-privacy
is "$rc" 2 "null needs its base URL"
like "$err" "a Null connection needs --base-url" "and says so"
run "$N" -w "$W" connection add --type null --name Nul --agree-privacy \
    --base-url "$BASE" --endpoint rest.iad-03.braze.com
is "$rc" 2 "another driver's option is refused"
like "$err" "--endpoint does not apply to Null connections" "in words"
run "$N" -w "$W" connection add --type null --name Nul --agree-privacy \
    --base-url "$BASE"
is "$rc" 0 "connection add --type null works"
like "$out" "The null destination at 127.0.0.1" "the driver's test ran"
run "$N" -w "$W" connection list
like "$out" "Nul " "the connection is listed"
run "$N" -w "$W" export add --name Sink --connection Nul --target t1 \
    --map email=email --map firstname=first_name --segment VIP
is "$rc" 0 "export add on the null connection works"
like "$out" "takes any target" "the target was verified by the driver"

SEGSYNC_NULL_FILE=$TMPD/delivered
export SEGSYNC_NULL_FILE
run "$N" -w "$W" run Sink
is "$rc" 0 "the run through the null driver succeeds"
like "$out" "succeeded" "and says so"
run "$N" -w "$W" runs list --json
acc=$("$PYTHON3" -c 'import json, sys
print(json.load(sys.stdin)[0]["counts"]["accepted"])' <<EOT
$out
EOT
)
[ "${acc:-0}" -gt 400 ]
ok $? "the run accepted the valid rows (${acc:-none})"
is "$(sort -u "$TMPD/delivered" | wc -l | tr -d ' ')" "$acc" \
    "the driver delivered every accepted profile"
is "$(wc -l <"$TMPD/delivered" | tr -d ' ')" "$acc" "each of them once"

run "$SEGSYNC" -w "$W" run Sink
[ "$rc" -ne 0 ]
ok $? "the program without the null driver refuses to run it"
done_testing
