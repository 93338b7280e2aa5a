# script/demo as a newcomer meets it: a ready connection and export per
# destination that work at once; sandboxes on fixed ports that outlive the
# script (a run started after it still succeeds) and are found again by a
# second script/demo; after --stop they start again on the same ports and
# every demo connection still works (Snapchat re-authorized against the
# new sandbox); a taken port moves one sandbox and its connection with it.
. "$top_srcdir/tests/cli/lib.sh"
DEMO=$TMPD/demo
PY=${PYTHON3:-python3}
FAKECTL="$PY $top_srcdir/tests/fakes/fakectl.py"
# Three free consecutive ports, away from the demo's own 47810.
PORT=$($PY -c '
import random, socket
for _ in range(200):
    p = random.randrange(20000, 40000)
    try:
        for q in (p, p + 1, p + 2):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
    except OSError:
        continue
    print(p); break')
[ -n "$PORT" ] || { echo "Bail out! no three free loopback ports"; exit 1; }
export SEGSYNC_DEMO_DIR=$DEMO SEGSYNC_DEMO_PORT=$PORT
# Brevo confirms its imports in rounds 30 s apart; tests need not wait.
export SEGSYNC_TEST_CONFIRM_MS=200
stop_demo() {
	"$top_srcdir/script/demo" --stop >/dev/null 2>&1
	[ -z "${holder:-}" ] || kill "$holder" 2>/dev/null
}
cleanup_hooks="$cleanup_hooks stop_demo"
S() { "$SEGSYNC" -w "$DEMO/workspace" --passphrase-file "$DEMO/passphrase" \
    "$@"; }
demo() { run "$top_srcdir/script/demo" </dev/null; }
sandboxes() { printf '%s\n' "$out" | grep '^Sandboxes:'; }

# every_test: 0 when each demo connection's test says it works.
every_test() {
	for c in "Demo Braze" "Demo Brevo" "Demo Snapchat"; do
		S connection test "$c" >/dev/null 2>&1 || return 1
	done
}
# run_ok EXPORT: a detached run of EXPORT, then its status once it ends.
run_ok() {
	r_id=$(S run --detach "$1" 2>/dev/null |
	    sed -n 's/^Run \([^ ]*\) started.*/\1/p')
	[ -n "$r_id" ] || { echo "no run started"; return; }
	r_i=0
	while [ $r_i -lt 300 ]; do
		r_st=$(S runs show "$r_id" --json 2>/dev/null |
		    $PY -c 'import json, sys; print(json.load(sys.stdin)["status"])')
		case $r_st in
		running|"") ;;
		*) echo "$r_st"; return ;;
		esac
		r_i=$((r_i + 1))
		sleep 0.1
	done
	echo "still $r_st after 30 s"
}

demo
is "$rc" 0 "script/demo sets everything up without a terminal"
like "$out" "Sandboxes: Braze http://127.0.0.1:$PORT, Sendinblue http://127.0.0.1:$((PORT + 1))/v3, Snapchat http://127.0.0.1:$((PORT + 2))" \
    "on the fixed ports"
like "$out" "script/demo --stop ends them" "saying the sandboxes stay"
first=$(sandboxes)
run S export list
for e in "Demo to Braze" "Demo to Brevo" "Demo to Snapchat"; do
	like "$out" "$e " "a ready export: $e"
done
every_test
ok $? "every demo connection works at once"
# The script has ended: its sandboxes must still be there for a run.
is "$(run_ok "Demo to Braze")" succeeded "a Braze run after the script ended"
is "$(run_ok "Demo to Snapchat")" succeeded "a Snapchat run too"

demo
is "$rc" 0 "script/demo a second time"
is "$(sandboxes)" "$first" "finds the same sandboxes"
every_test
ok $? "and every demo connection still works"
run S export list
is "$(printf '%s\n' "$out" | grep -c '^Demo to ')" 3 \
    "nothing was added twice"

# A run live while the sandboxes are found again is not disturbed.
r_live=$(S run --detach "Demo to Braze" 2>/dev/null |
    sed -n 's/^Run \([^ ]*\) started.*/\1/p')
demo
is "$rc" 0 "script/demo while a run is live"
i=0
while S runs show "$r_live" --json 2>/dev/null | grep -q '"running"' &&
    [ $i -lt 300 ]; do
	i=$((i + 1))
	sleep 0.1
done
run S runs show "$r_live" --json
like "$out" '"status":	"succeeded"' "that run finished"

run "$top_srcdir/script/demo" --stop
is "$rc" 0 "script/demo --stop"
$FAKECTL stats "$DEMO/fakes/braze" >/dev/null 2>&1
isnt_up=$?
ok $((isnt_up == 0)) "stops the sandboxes"
demo
is "$(sandboxes)" "$first" "started again on the same ports"
every_test
ok $? "every demo connection works again (Snapchat re-authorized)"
is "$(run_ok "Demo to Brevo")" succeeded "a Brevo run on the new sandbox"

# A taken port: that sandbox moves, and the demo's connection with it.
"$top_srcdir/script/demo" --stop >/dev/null
$PY -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
time.sleep(120)' "$PORT" &
holder=$!
i=0
until $PY -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$PORT" \
    2>/dev/null || [ $i -ge 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
[ $i -lt 100 ] || { echo "Bail out! could not hold port $PORT"; exit 1; }
demo
is "$rc" 0 "script/demo with the Braze port taken"
unlike "$(sandboxes)" "Braze http://127.0.0.1:$PORT," "Braze moved"
like "$(sandboxes)" "Sendinblue http://127.0.0.1:$((PORT + 1))/v3" \
    "the others did not"
every_test
ok $? "every demo connection works, the moved one included"
is "$(run_ok "Demo to Braze")" succeeded "and its export runs"
done_testing
