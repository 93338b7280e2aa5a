# Runs end to end in a real terminal (tmux, 80x24) against the fake Braze
# with latency: Run now on 120,000 profiles after the confirmation says
# what goes where; the progress screen shows moving counts and a bar;
# leaving it and losing the session leave the run going; a new session
# finds it running in Runs and watches it to the end, where the screen's
# counts equal 'segsync runs show --json'; another run is cancelled from
# its progress screen; both are in the history; a run started with
# 'segsync run --detach' in another shell appears live. Meanwhile the UI
# stays light: little CPU while watching, and no growing memory.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
ui_workspace
PP=$TMPD/admin.pp

fake_start braze braze '{"braze": {"keys": {"braze-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
FAKE=$TMPD/fake-braze
latency() {
	$FAKECTL config "$FAKE" "{\"faults\": {\"latency_ms\": $1}}" >/dev/null
}
printf 'braze-key-1234\n' >"$TMPD/braze.key"
"$SEGSYNC" -w ws connection add --type braze --name "Braze EU" \
    --agree-privacy --api-key-file "$TMPD/braze.key" \
    --endpoint rest.iad-01.braze.com --base-url "$fake_url" \
    --passphrase-file "$PP" >/dev/null || exit 99
"$GEN" --rows 120000 --seed 21 -o "ws/data/Everyone.csv" || exit 99
"$GEN" --rows 40000 --seed 22 -o "ws/data/Lapsed.csv" || exit 99
"$SEGSYNC" -w ws export add --name "All to Braze" --connection "Braze EU" \
    --target seg-vip --map email=email --map customer_id=customer_id \
    --segment Everyone --passphrase-file "$PP" >/dev/null || exit 99
"$SEGSYNC" -w ws export add --name "Lapsed to Braze" \
    --connection "Braze EU" --target seg-vip --map email=email \
    --map customer_id=customer_id --segment Lapsed \
    --passphrase-file "$PP" >/dev/null || exit 99

newest() { ls ws/runs | grep -v '\.lock$' | sort | tail -1; }
# A field of 'segsync runs show ID --json': rshow ID KEY (counts.read).
rshow() {
	"$SEGSYNC" -w ws runs show "$1" --json | "${PYTHON3:-python3}" -c '
import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[k]
print(d)' "$2"
}
# The number after a label on the screen: snum Accepted -> 43000.
snum() {
	tm_screen | grep -o "$1  *[0-9,][0-9,]*" | head -1 |
	    sed 's/.* //; s/,//g'
}
# The UI's process: the child of the pane's shell (the detached workers
# are forks of it, but no children of that shell).
ui_pid() {
	t_sh=$(tm display-message -p '#{pane_pid}')
	for t_p in /proc/[0-9]*; do
		[ "$(awk '{print $4}' "$t_p/stat" 2>/dev/null)" = "$t_sh" ] &&
		    { echo "${t_p#/proc/}"; return; }
	done
}
# CPU ticks (user + system) and resident KiB of a process.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
wait_over() {
	t_i=0
	while [ $t_i -lt 1200 ] && [ "$(rshow "$1" status)" = running ]; do
		sleep 0.1
		t_i=$((t_i + 1))
	done
}

# Run now, from the exports list (slow enough to be watched from two
# sessions in turn).
latency 150
tm_start --passphrase-file "$PP" || fail_all "tmux cannot start a session"
tm_wait "Welcome," "the UI opens"
tm_keys e
tm_wait "All to Braze" "the exports"
tm_keys r
tm_wait "It sends 120,000 profiles" \
    "Run now says how many profiles it sends"
tm_wait '"seg-vip" (VIP (Braze))' \
    "and where: the connection, the Braze segment API identifier"
tm_keys y
tm_wait "Sending:" "the run starts, and its progress screen opens"
ID=$(newest)
sleep 1
a1=$(snum Accepted)
s1=$(tm_screen)
sleep 2
a2=$(snum Accepted)
s2=$(tm_screen)
ok "$([ "${a2:-0}" -gt "${a1:-0}" ]; echo $?)" \
    "the counts move ($a1, then $a2 accepted)"
case $s2 in
*█*%*) ok 0 "a progress bar shows" ;;
*) ok 1 "a progress bar shows"; diag "$s2" ;;
esac
like "$s2" "Throughput" "with the throughput"
like "$s2" "Remaining" "and the time left"
ok "$([ "$s1" != "$s2" ]; echo $?)" "the screen follows the run"

# Light while watching: CPU and memory of the UI over five seconds.
P=$(ui_pid)
c0=$(cpu_ticks "$P")
m0=$(rss_kb "$P")
sleep 5
c1=$(cpu_ticks "$P")
m1=$(rss_kb "$P")
hz=$(getconf CLK_TCK)
ok "$([ $((c1 - c0)) -le $((hz * 5 / 4)) ]; echo $?)" \
    "the UI used at most a quarter of a CPU while watching" \
    "($((c1 - c0)) ticks in 5 s at $hz/s)"
ok "$([ $((m1 - m0)) -le 1024 ]; echo $?)" \
    "and its memory did not grow ($m0 KiB, then $m1 KiB)"

# Leave the screen, then lose the session: the run goes on.
tm_keys Escape
tm_wait "goes on in the background" "leaving the screen leaves the run"
tm kill-server
sleep 1
is "$(rshow "$ID" status)" running "the run outlives its session"

# A new session finds it and watches it to the end.
tm_next
tm_start --passphrase-file "$PP" || exit 99
tm_wait "Welcome," "a new session"
tm_keys r
tm_wait "running" "Runs shows the run as running"
tm_keys Enter
tm_wait "Sending:" "Enter watches it live again"
b1=$(snum Accepted)
sleep 1.5
b2=$(snum Accepted)
ok "$([ "${b2:-0}" -gt "${b1:-0}" ]; echo $?)" \
    "still moving ($b1, then $b2 accepted)"
latency 0
wait_over "$ID"
tm_wait "Succeeded in" "the run ends on the screen"
for k in Read:read Sent:sent Accepted:accepted Rejected:rejected \
    Duplicates:duplicates; do
	is "$(snum "${k%%:*}")" "$(rshow "$ID" "counts.${k#*:}")" \
	    "the screen's ${k%%:*} equals segsync runs show --json"
done
is "$(rshow "$ID" counts.read)" 120000 "every row was read"
is "$($FAKECTL get "$FAKE" state.user_count)" \
    "$(rshow "$ID" counts.accepted)" "and the fake Braze holds the accepted"

# Another run, cancelled from its progress screen.
latency 300
tm_keys Escape Escape Escape e
tm_wait "Lapsed to Braze" "back to the exports"
tm_keys Down r
tm_wait "It sends 40,000 profiles" "Run now on the other export"
tm_keys y
tm_wait "Sending:" "it runs"
ID2=$(newest)
tm_keys c
tm_wait "Stop the run" "c asks first"
tm_keys y
tm_wait "Cancelled after" "the run stops and the screen says so"
is "$(rshow "$ID2" status)" cancelled "segsync runs show agrees"
ok "$([ "$(rshow "$ID2" counts.accepted)" -lt 40000 ]; echo $?)" \
    "before the end"

# Both in the history.
tm_keys Escape Escape Escape r
tm_wait "cancelled" "the history lists the cancelled run"
case $(tm_screen) in
*"All to Br"*succeeded*) ok 0 "and the one that succeeded" ;;
*) ok 1 "and the one that succeeded"; diag "$(tm_screen)" ;;
esac
tm_keys f
tm_wait "Runs with which status?" "f opens a small list of the statuses"
tm_keys Down Down Down Down Enter
tm_wait "Status: cancelled" "cancelled, chosen there, shows the cancelled runs only"
case $(tm_screen) in
*succeeded*) ok 1 "without the others" ;;
*) ok 0 "without the others" ;;
esac
tm_keys Escape

# A run started from another shell appears live.
latency 100
run "$SEGSYNC" -w ws run "All to Braze" --full --detach --passphrase-file "$PP"
is "$rc" 0 "segsync run --detach in another shell"
ID3=$(newest)
tm_wait "running" "the run appears in Runs, running"
tm_keys Home Enter
tm_wait "Sending:" "and is watched like the others"
like "$(tm_screen)" "Run $ID3" "the same run"
c1=$(snum Accepted)
sleep 1.5
c2=$(snum Accepted)
ok "$([ "${c2:-0}" -gt "${c1:-0}" ]; echo $?)" \
    "its counts move ($c1, then $c2 accepted)"
latency 0
wait_over "$ID3"
tm_wait "Succeeded in" "and it ends on the screen"
tm_keys Escape q
tm_wait "Welcome," "q closes the runs browser, back to Home"
tm_keys q
tm_wait "SEGSYNC-EXIT=0" "where q quits"
done_testing
