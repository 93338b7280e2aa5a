# A full disk, for real: the workspace on a small tmpfs (root only, as CI
# runs) that fills while a run sends to the fake Braze. The worker stops,
# writes its end in the disk it kept for it, and 'segsync run' returns at
# once saying the disk is full and how to resume; after space is freed
# the resume delivers every profile with nothing accepted sent again. A
# worker killed while the disk is full is said to be interrupted by the
# full disk.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
PY=${PYTHON3:-python3}
FAKECTL="$PY $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
D=$TMPD/data
M=$TMPD/small
W=$M/ws
F=$TMPD/fake
mkdir -p "$D" "$M"
export LC_ALL=C.UTF-8

if [ "$(id -u)" -ne 0 ]; then
	skip "a full disk needs root, to mount a small tmpfs (CI runs as root)"
	done_testing
	exit 0
fi
mount -t tmpfs -o size=4m,mode=0755 segsync-test "$M" ||
    fail_all "could not mount a 4 MiB tmpfs at $M (as root): a full disk" \
    "cannot be made without it"
t_umount() { umount "$M" 2>/dev/null || umount -l "$M" 2>/dev/null; }
cleanup_hooks="$cleanup_hooks t_umount"

rj() { run_field "$W" "$@"; }
newest() { newest_run "$W"; }
latency() {
	$FAKECTL config "$F" "{\"faults\": {\"latency_ms\": $1}}" >/dev/null
}
fill() { dd if=/dev/zero of="$M/filler" bs=64k 2>/dev/null; }
wait_accepted() { wait_run_accepted "$W" "$@"; }

cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}]}}
EOT
BASE=$($FAKECTL start "$F" --dest braze --config "$TMPD/fake.json") ||
    fail_all "the fake Braze server did not start"
stop_fake() { $FAKECTL stop "$F" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"

"$GEN" --rows 20000 --seed 31 -o "$D/Big.csv"
"$GEN" --rows 40 --seed 32 -o "$D/Small.csv"
ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/key"
"$S" -w "$W" connection add --type braze --name Braze --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" >/dev/null || exit 99
for x in Big Small; do
	"$S" -w "$W" export add --name "$x" --connection Braze \
	    --target vip-seg --map email=email --map customer_id=customer_id \
	    --segment "$x" >/dev/null || exit 99
done

# --- the reserve of a run that ends ------------------------------------------------
run "$S" -w "$W" run Small
is "$rc" 0 "a run of 40 profiles succeeds"
sid=$(newest)
ok "$([ ! -e "$W/runs/$sid/reserve" ]; echo $?)" \
    "the disk a worker keeps for its end is given back when it ends"

# --- the disk fills during a run ------------------------------------------------
latency 150
"$S" -w "$W" run Big >"$TMPD/run.out" 2>&1 &
pid=$!
sleep 1
id=$(newest)
wait_accepted "$id" 500 || diag "the run did not get going"
ok "$([ -s "$W/runs/$id/reserve" ]; echo $?)" \
    "the worker keeps some of the disk for its last writes"
fill
t0=$(date +%s)
wait "$pid"
rc=$?
t1=$(date +%s)
out=$(tr '\r' '\n' <"$TMPD/run.out")
is "$rc" 1 "with the disk full, 'segsync run' ends with status 1"
ok "$([ $((t1 - t0)) -lt 20 ]; echo $?)" \
    "soon after the disk filled ($((t1 - t0)) s)"
like "$out" "Run $id failed after" "saying the run failed"
like "$out" "The disk holding the workspace is full: free space, then 'segsync run --resume $id'." \
    "because the disk is full, and what to do"
is "$(rj "$id" status)" failed "the record, written in the kept disk, says failed"
like "$(rj "$id" errors)" "The disk holding the workspace is full" \
    "with the reason among its errors"
unlike "$(rj "$id" errors)" "The delivery was cancelled" \
    "and no word of a cancel nobody asked for"
run "$S" -w "$W" runs show "$id"
like "$out" "The disk holding the workspace is full" "runs show says it too"

# --- space freed, the run resumed ---------------------------------------------
rm -f "$M/filler"
latency 0
run "$S" -w "$W" run --resume "$id"
is "$rc" 0 "after freeing space, the resumed run succeeds"
unlike "$out" "could not be saved" \
    "and says nothing of the first attempt's unsaved sync state"
is "$(rj "$id" counts.accepted)" "$(rj "$id" counts.sent)" \
    "every profile sent was accepted"
valid=$(( $(rj "$id" counts.read) - $(rj "$id" counts.rejected) - $(rj "$id" counts.duplicates) ))
# The last batch may have reached the sync log before the journal failed:
# the resume then finds it unchanged, at Braze already.
is "$(( $(rj "$id" counts.accepted) + $(rj "$id" counts.unchanged) ))" \
    "$valid" "every valid profile of the segment, accepted or already there"
users=$($FAKECTL state "$F" | "$PY" -c '
import json, sys
print(len(json.load(sys.stdin)["users"]))')
is "$users" "$(( valid + $(rj "$sid" counts.accepted) ))" \
    "Braze holds each of them (and those of the small run) once"

# --- a worker killed while the disk is full ---------------------------------------
latency 150
"$S" -w "$W" run Big --full --detach >/dev/null || exit 99
kid=$(newest)
wait_accepted "$kid" 300 || diag "the run did not get going"
kill -9 "$(rj "$kid" pid)"
fill
run "$S" -w "$W" runs watch "$kid"
is "$rc" 1 "runs watch of a run killed on a full disk ends with status 1"
like "$out" "Run $kid was interrupted after" "saying it was interrupted"
like "$out" "and the disk holding the workspace is full, which may be why: free space, then 'segsync run --resume $kid'." \
    "and that the disk is full, as the worker could not say"
# The UI's progress screen says it too (headless: keys from a script, the
# screen dumped outside the full disk).
mkdir -p "$TMPD/dumps"
printf 'keys r\nkeys w\ndump full\nkeys q\n' >"$TMPD/full.keys"
run env LC_ALL=C.UTF-8 SEGSYNC_UI_SCRIPT="$TMPD/full.keys" \
    SEGSYNC_UI_DUMP_DIR="$TMPD/dumps" "$S" -w "$W"
is "$rc" 0 "the UI runs on a full disk"
like "$(cat "$TMPD/dumps/full" 2>/dev/null)" "the disk holding the workspace is full," \
    "its progress screen says the run was interrupted by the full disk"
rm -f "$M/filler"
latency 0
run "$S" -w "$W" runs watch "$kid"
like "$out" "resume it with 'segsync run --resume $kid'" \
    "with space again, an interruption is said as one"

done_testing
