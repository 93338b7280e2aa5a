# Outcomes in their colours, in a real terminal (tmux, 80x24, the colours
# read back from capture-pane's escape sequences): a run that succeeded
# with rejected profiles is no green success but "succeeded with N
# rejected" in the warning colour on Home, in the runs browser (its status
# cell and its details) and on its progress screen, while a clean success
# stays green.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
ui_workspace
PP=$TMPD/admin.pp
MKRUN="${PYTHON3:-python3} $top_srcdir/tests/ui/mkrun.py"

fake_start braze braze '{"braze": {"keys": {"braze-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
printf 'braze-key-1234\n' >"$TMPD/braze.key"
"$SEGSYNC" -w ws connection add --type braze --name "Braze EU" \
    --agree-privacy --api-key-file "$TMPD/braze.key" \
    --endpoint rest.iad-01.braze.com --base-url "$fake_url" \
    --passphrase-file "$PP" >/dev/null || exit 99
for x in Wrong Clean; do
	"$SEGSYNC" -w ws export add --name "$x to Braze" --connection "Braze EU" \
	    --target seg-vip --map email=email --map customer_id=customer_id \
	    --segment "VIP customers" --passphrase-file "$PP" >/dev/null ||
	    exit 99
done
# id_of NAME KEY: a saved export's id or connection id.
id_of() {
	"${PYTHON3:-python3}" -c '
import glob, json, sys
for p in glob.glob("ws/exports/*.json"):
    d = json.load(open(p))
    if d["name"] == sys.argv[1]:
        print(d[sys.argv[2]])' "$1" "$2"
}
# run_of ID NAME STARTED REJECTED: a finished run of export NAME.
run_of() {
	$MKRUN ws "$1" '{"export": "'"$2"'", "export_id": "'"$(id_of "$2" id)"'",
	    "connection_id": "'"$(id_of "$2" connection)"'",
	    "status": "succeeded", "phase": "done",
	    "started_at": "'"$3"'", "updated_at": "'"$3"'", "finished_at": "'"$3"'",
	    "counts": {"read": 800, "sent": '"$((800 - $4))"',
	    "accepted": '"$((800 - $4))"', "rejected": '"$4"'},
	    "segment_counts": [{"read": 800, "sent": '"$((800 - $4))"',
	    "accepted": '"$((800 - $4))"', "rejected": '"$4"'}], "requests": 1}'
}
run_of 20261201T080000Z-0001 "Wrong to Braze" 2026-12-01T08:00:00Z 800
run_of 20261202T080000Z-0001 "Clean to Braze" 2026-12-02T08:00:00Z 0

tm_start --passphrase-file "$PP" || fail_all "tmux did not start"
tm_wait "Welcome" "the UI opens on Home"
like "$(tm_screen)" "1 succeeded with rejected profiles" \
    "Home's Runs line says an export's last run had rejected profiles"
tm_wait "The last run of \"Wrong to Braze\" succeeded with 800 rejected" \
    "and its tip names the export and the count"
is "$(tm_colour 'The last run of')" yellow "in the warning colour"

tm_keys r
tm_wait "REJECTED" "r opens the runs browser"
is "$(tm_colour 'Succeeded in 0:00.')" green \
    "the selected clean run's details say succeeded, in green"
like "$(tm_screen | grep 'Wrong to Braze')" "succeeded" \
    "the other run's status is succeeded"
is "$(tm_screen | grep 'Wrong to Braze' | grep -c '  800$')" 1 \
    "with its 800 rejected in the REJECTED column"
tm_keys Down
tm_wait "with 800 rejected: the rejected records say why." \
    "its details say it succeeded with 800 rejected"
is "$(tm_colour 'with 800 rejected: the rejected')" yellow \
    "in the warning colour"
is "$(tm_colour 'Clean to Braze')" default \
    "the unselected clean run's name is in the normal colour"
# Its status cell: the text after the name on its row.
is "$(tm capture-pane -p -e | grep 'Clean to Braze' |
    "${PYTHON3:-python3}" -c '
import re, sys
l = sys.stdin.read()
m = re.search(r"Clean to Braze.*?((?:\x1b\[[0-9;]*m)*)succeeded", l)
print("green" if m and "32m" in m.group(1) else "other")')" green \
    "and its status cell is green"
tm_keys Up
tm_wait "Succeeded in 0:00." "back on the clean run"
is "$(tm capture-pane -p -e | grep 'Wrong to Braze' |
    "${PYTHON3:-python3}" -c '
import re, sys
l = sys.stdin.read()
m = re.search(r"Wrong to Braze.*?((?:\x1b\[[0-9;]*m)*)succeeded", l)
print("yellow" if m and "33m" in m.group(1) else "other")')" yellow \
    "the rejected run's status cell is in the warning colour"

tm_keys Down w
tm_wait "Run of \"Wrong to Braze\"" "w opens its progress screen"
tm_wait "Succeeded in 0:00 with 800 rejected" \
    "which says it succeeded with 800 rejected"
is "$(tm_colour 'Succeeded in 0:00 with 800')" yellow "in the warning colour"
done_testing
