# The rejected share of a run, against the fake Braze over real HTTP: a run
# whose rejected profiles pass the export's --max-rejected (default 50%)
# fails with the reason in words and status 4, whether the profiles were
# refused by validation or by the destination, and removes nobody in
# mirror mode even with --force; under the limit it succeeds "with N
# rejected", which 'runs', 'runs show', the run's outcome and --json
# ("rejected_share") say; the dry run warns; the option is checked and
# kept by 'export add/edit'.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
PY=${PYTHON3:-python3}
FAKECTL="$PY $top_srcdir/tests/fakes/fakectl.py"
W=$TMPD/ws
D=$TMPD/data
F=$TMPD/fake
mkdir -p "$D"
export LC_ALL=C.UTF-8

# seg NAME N BAD LONG: N rows (email u<i>@example.com, customer ID C<i>,
# first name F<i>, city P<i>); the first BAD emails are invalid and the
# last LONG rows have a city longer than the fake accepts (20 bytes).
seg() {
	"$PY" - "$D/$1.csv" "$2" "$3" "$4" <<'EOT'
import sys
path, n, bad, long = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(path, "w") as f:
    f.write("email,customer_id,first_name,city\n")
    for i in range(1, n + 1):
        email = "u%d-at-example.com" % i if i <= bad else "u%d@example.com" % i
        city = "P%d" % i if i <= n - long else "A city of many words %d" % i
        f.write("%s,C%d,F%d,%s\n" % (email, i, i, city))
EOT
}
rj() { run_field "$W" "$@"; }
newest() { newest_run "$W"; }
# Members of the fake's segment attribute vip-seg.
members() {
	$FAKECTL state "$F" | "$PY" -c '
import json, sys
st = json.load(sys.stdin)
print(sum(1 for u in st["users"].values() if u.get("attributes", {}).get("vip-seg")))'
}

cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu", "max_string_len": 20,
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}]}}
EOT
BASE=$($FAKECTL start "$F" --dest braze --config "$TMPD/fake.json") ||
    fail_all "the fake Braze server did not start"
stop_fake() { $FAKECTL stop "$F" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"

seg All 800 0 0
seg Some 800 240 0
seg Long 800 0 480
ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/key"
"$S" -w "$W" connection add --type braze --name Braze --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" >/dev/null || exit 99

# --- the option ---------------------------------------------------------------
for bad in 150 10% -1 5.5; do
	run "$S" -w "$W" export add --name X --connection Braze --target vip-seg \
	    --map email=email --segment All --max-rejected "$bad"
	is "$rc" 2 "export add --max-rejected '$bad' is a usage error"
	like "$err" "--max-rejected must be a whole number of percent from 0 to 100" \
	    "and says what it takes ('$bad')"
done
run "$S" -w "$W" --json export list
is "$out" "[]" "none of them saved an export"
run "$S" -w "$W" export add --name Wrong --connection Braze --target vip-seg \
    --map email=first_name --map customer_id=customer_id --segment All
is "$rc" 0 "an export whose Email is a first-name column saves"
run "$S" -w "$W" export show Wrong
like "$out" "Rejections:  a run fails when more than 50% of its profiles are rejected" \
    "export show gives the default limit of 50%"
run "$S" -w "$W" --json export list
like "$out" '"max_rejected":	50' "export list --json has max_rejected 50"

# --- everyone rejected by validation: the run fails -------------------------
run "$S" -w "$W" run Wrong --dry-run
is "$rc" 0 "the dry run works"
like "$out" "The run would fail: 800 of the 800 profiles (100%) were rejected, more than the export's maximum of 50%" \
    "and says the run would fail, with the numbers"
run "$S" -w "$W" run Wrong
is "$rc" 4 "a run that rejects all 800 profiles ends with status 4"
like "$out" "failed after" "its outcome says it failed"
like "$out" "800 of the 800 profiles (100%) were rejected, more than the export's maximum of 50%: the mapping or the data is likely wrong" \
    "and why, in words"
like "$out" "give the export a higher --max-rejected" "and what to do"
id=$(newest)
is "$(rj "$id" status)" failed "the record says failed"
run "$S" -w "$W" --json runs show "$id"
like "$out" '"status":	"failed"' "runs show --json: failed"
like "$out" '"rejected_share":	1' "runs show --json: a rejected share of 1"

# --- the limit raised to 100%: a success, with the rejections said ---------
run "$S" -w "$W" export edit Wrong --max-rejected 100
is "$rc" 0 "export edit --max-rejected 100 works"
like "$out" "largest share of rejected profiles" "and names what changed"
run "$S" -w "$W" run Wrong
is "$rc" 0 "the same run under a limit of 100% succeeds"
like "$out" "succeeded in " "its outcome says succeeded"
like "$out" "with 800 rejected (100% of the profiles)." \
    "with the count and share of rejected profiles"
id=$(newest)
run "$S" -w "$W" runs show "$id"
like "$out" "Status:       succeeded with 800 rejected" \
    "runs show: succeeded with 800 rejected"
run "$S" -w "$W" runs
like "$out" "succeeded with 800 rejected" "runs: the status column says it"

# --- a share under the limit, at it and over it -----------------------------
"$S" -w "$W" export add --name Some --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --segment Some \
    >/dev/null || exit 99
run "$S" -w "$W" run Some
is "$rc" 0 "30% rejected under the default 50% succeeds"
like "$out" "with 240 rejected (30% of the profiles)" "saying 240 rejected, 30%"
id=$(newest)
run "$S" -w "$W" --json runs
like "$out" '"rejected_share":	0.3' "runs --json: a rejected share of 0.3"
"$S" -w "$W" export edit Some --max-rejected 30 >/dev/null || exit 99
run "$S" -w "$W" run Some --full
is "$rc" 0 "30% rejected with a limit of 30% succeeds: only more fails"
"$S" -w "$W" export edit Some --max-rejected 29 >/dev/null || exit 99
run "$S" -w "$W" run Some --full
is "$rc" 4 "30% rejected with a limit of 29% fails"
like "$out" "240 of the 800 profiles (30%) were rejected, more than the export's maximum of 29%" \
    "saying so"
is "$(rj "$(newest)" counts.accepted)" 560 \
    "the valid profiles were still delivered (560 accepted)"
"$S" -w "$W" export edit Some --max-rejected 0 >/dev/null || exit 99
run "$S" -w "$W" run Some --full
is "$rc" 4 "a limit of 0% fails a run with any rejection"

# --- rejected by the destination ----------------------------------------------
"$S" -w "$W" export add --name Long --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --map attr:city=city \
    --segment Long >/dev/null || exit 99
run "$S" -w "$W" run Long
is "$rc" 4 "60% rejected by Braze itself fails the run too"
like "$out" "480 of the 800 profiles (60%) were rejected" "with the numbers"
id=$(newest)
is "$(rj "$id" counts.accepted) $(rj "$id" counts.rejected)" "320 480" \
    "the record counts 320 accepted, 480 rejected"

# --- mirror: spoilt data removes nobody, even with --force -------------------
seg Mix 800 0 0
"$S" -w "$W" export add --name Mirror --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --segment Mix \
    --mode mirror >/dev/null || exit 99
run "$S" -w "$W" run Mirror
is "$rc" 0 "the mirror export's first run succeeds"
m0=$(members)
# 600 of the 800 emails spoilt: they would leave the target.
seg Mix 800 600 0
run "$S" -w "$W" run Mirror --force
is "$rc" 4 "with 75% of the emails spoilt, run --force fails on the rejected share"
like "$out" "600 of the 800 profiles (75%) were rejected" "saying so"
like "$out" "Nobody was removed from the target." "and that nobody was removed"
is "$(rj "$(newest)" counts.removed)" 0 "the record counts 0 removed"
is "$(members)" "$m0" "Braze still holds every member the export had added"

# --- an export saved before the limit existed -----------------------------------
"$S" -w "$W" export add --name Old --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --segment All \
    >/dev/null || exit 99
"$PY" - "$W/exports" <<'EOT'
import glob, json, sys
for p in glob.glob(sys.argv[1] + "/*.json"):
    d = json.load(open(p))
    if d["name"] == "Old":
        d.pop("max_rejected")
        json.dump(d, open(p, "w"))
EOT
run "$S" -w "$W" export show Old
like "$out" "more than 50% of its profiles" \
    "an export saved without max_rejected gets the default"

done_testing
