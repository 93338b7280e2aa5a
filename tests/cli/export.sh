# Braze connections tested before they are saved, connection test, and
# exports verified at the destination: all against the fake Braze server.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
mkdir -p "$D"
"$GEN" --rows 300 --seed 1 -o "$D/VIP.csv"
"$GEN" --rows 200 --seed 2 -o "$D/Newsletter.csv"
printf 'email,name\na@b.co,x\n' >"$D/NoId.csv"

cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]},
           "track-only-9876": {"permissions": ["users.track"]},
           "revoke-me-1111": {"permissions": ["users.track", "segments.list"]},
           "other-inst-5555": {"permissions": ["users.track", "segments.list"],
                               "instance": "rest.iad-03.braze.com"}},
  "segments": [{"id": "vip-seg-api-id", "name": "VIP (from segsync)"}]}}
EOT
BASE=$($FAKECTL start "$TMPD/fake" --dest braze --config "$TMPD/fake.json") ||
    fail_all "the fake Braze server did not start"
stop_fake() { $FAKECTL stop "$TMPD/fake" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
key() { printf '%s\n' "$1" >"$TMPD/$1"; echo "$TMPD/$1"; }
# add NAME KEY [BASE_URL]
add() {
	run "$S" -w "$W" connection add --type braze --name "$1" \
	    --agree-privacy --api-key-file "$(key "$2")" \
	    --endpoint rest.fra-01.braze.eu --base-url "${3:-$BASE}"
}
nconn() { ls "$W/connections" | grep -c '\.json$'; }

add Good good-key-1234
is "$rc" 0 "a connection whose key works is saved"
like "$out" "Braze accepted the API key on rest.fra-01.braze.eu" \
    "and the test says which account answered"
like "$out" "The requests went to $BASE, the connection's base URL, not to the endpoint." \
    "and, the base URL overriding the endpoint, where the key was sent"
add Bad bad-key-0000
is "$rc" 3 "a wrong key exits 3"
like "$err" "the API key is wrong or belongs to another instance than rest.fra-01.braze.eu" \
    "in words"
like "$err" "The requests went to $BASE" \
    "naming the address the refusal came from"
like "$err" "nothing was saved" "and nothing is saved"
add Other other-inst-5555
is "$rc" 3 "a key of another instance exits 3"
add TrackOnly track-only-9876
is "$rc" 0 "a key without segments.list is saved"
like "$err" "lacks the segments.list permission" "with a warning in words"
add Down good-key-1234 http://127.0.0.1:9
is "$rc" 4 "an unreachable host exits 4"
like "$err" "connection refused" "and says why"
add Plain good-key-1234 http://example.com
is "$rc" 4 "http:// to a host that is not loopback exits 4"
like "$err" "only allowed for loopback hosts" "and says why"
unlike "$err" "Could not reach" "without any request being made"
is "$(nconn)" 2 "only the two working connections were saved"

add Revoked revoke-me-1111
run "$S" -w "$W" connection test Revoked
is "$rc" 0 "connection test on a working key exits 0"
run "$S" -w "$W" connection show Revoked --json
like "$out" '"outcome":	"ok"' "the outcome is kept"
$FAKECTL config "$TMPD/fake" '{"revoke_keys": ["revoke-me-1111"]}' >/dev/null
run "$S" -w "$W" connection test Revoked
is "$rc" 3 "after the key is revoked, connection test exits 3"
like "$err" "the connection \"Revoked\" does not work" "naming the connection"
run "$S" -w "$W" connection show Revoked
like "$out" "auth:" "show tells the last outcome"

# Exports: the mapping and the target are checked before saving.
run "$S" -w "$W" export add --name E --connection Good \
    --target vip-seg-api-id --map email=email --segment VIP
is "$rc" 4 "a Braze export without the customer ID exits 4"
like "$err" "customer_id=FIELD" "and says what to add"
run "$S" -w "$W" export add --name E --connection Good \
    --target vip-seg-api-id --map email=email --map customer_id=customer_id
is "$rc" 2 "an export without a segment is a usage error"
run "$S" -w "$W" export add --name E --connection Good \
    --target vip-seg-api-id --map email=email --map customer_id=customer_id \
    --segment NoId
is "$rc" 4 "a segment without the mapped field exits 4"
like "$err" "the segment \"NoId\" has no field \"customer_id\"" "naming both"
run "$S" -w "$W" export add --name E --connection Good \
    --target no-such-segment --map email=email \
    --map customer_id=customer_id --segment VIP
is "$rc" 4 "a target the destination does not have exits 4"
like "$err" "no-such-segment" "naming it"
run "$S" -w "$W" export add --name "VIP to Braze" --connection Good \
    --target vip-seg-api-id --map email=email \
    --map customer_id=customer_id --map attr:city=city \
    --segment VIP --segment Newsletter --scheduled
is "$rc" 4 "--scheduled on a connection without an export user exits 4"
like "$err" "has no export user" "and says why"
run "$S" -w "$W" export add --name "VIP to Braze" --connection Good \
    --target vip-seg-api-id --map email=email \
    --map customer_id=customer_id --map attr:city=city \
    --segment VIP --segment Newsletter
is "$rc" 0 "an export with a verified target is saved"
like "$out" "VIP (from segsync)" "showing the segment's name at Braze"
like "$out" "500 profiles" "and how many profiles it covers"
like "$out" "did not run it" "and saying that saving did not run it"
run "$S" -w "$W" export add --name "Track only" --connection TrackOnly \
    --target vip-seg-api-id --map email=email \
    --map customer_id=customer_id --segment VIP
is "$rc" 0 "without segments.list the export is saved"
like "$err" "Cannot verify" "with a warning"
run "$S" -w "$W" export add --name "VIP to Braze" --connection Good \
    --target vip-seg-api-id --map email=email \
    --map customer_id=customer_id --segment VIP
is "$rc" 4 "a second export with the same name is refused"
# "Fidèles" typed two ways: è as one character (NFC), or e and U+0300.
nfc=$(printf 'Fid\303\250les')
nfd=$(printf 'Fide\314\200les')
run "$S" -w "$W" export add --name "$nfd" --connection Good \
    --target vip-seg-api-id --map email=email \
    --map customer_id=customer_id --segment VIP
is "$rc" 0 "an export named with a combining accent is saved"
run "$S" -w "$W" export add --name "$nfc" --connection Good \
    --target vip-seg-api-id --map email=email \
    --map customer_id=customer_id --segment VIP
is "$rc" 4 "the same name with the accent as one character is the same name"
like "$err" "already exists" "and refused as such"
run "$S" -w "$W" export show "$nfc"
is "$rc" 0 "either spelling finds the export"
ok "$(grep -lq "\"name\":	\"$nfc\"" "$W"/exports/*.json; echo $?)" \
    "which is saved in NFC"
run "$S" -w "$W" export remove "$nfc"
is "$rc" 0 "and removes it"

run "$S" -w "$W" export list --json
is "$rc" 0 "export list --json"
if command -v python3 >/dev/null; then
	got=$(printf '%s' "$out" | python3 -c '
import json, sys
xs = json.load(sys.stdin)
x = [x for x in xs if x["name"] == "VIP to Braze"][0]
assert set(x) == {"name", "connection", "target", "segments", "mapping",
                  "scheduled", "schedule", "time_zone", "next_run", "mode",
                  "max_removals", "max_rejected", "detached"}, sorted(x)
print(x["connection"], x["target"], "|".join(x["segments"]),
      sorted(x["mapping"].items()), x["scheduled"], x["mode"],
      x["max_removals"], x["max_rejected"])')
	is "$got" "Good vip-seg-api-id VIP|Newsletter [('attr:city', 'city'), ('customer_id', 'customer_id'), ('email', 'email')] False upsert 10 50" \
	    "the JSON has cli.md's keys and values"
else
	ok 1 "python3 is missing: the JSON cannot be checked"
fi
run "$S" -w "$W" export show "VIP to Braze"
like "$out" "attr:city" "export show lists the mapping"
like "$out" "Mode:        upsert" "an export saved without --mode is upsert"
unlike "$out" "Removals:" "with no removal share shown: upsert never removes"

# Modes: --mode and --max-removals, as saved, shown and listed.
# xadd NAME [OPTION...]: an export of VIP to the verified Braze segment.
xadd() {
	t_name=$1
	shift
	run "$S" -w "$W" export add --name "$t_name" --connection Good \
	    --target vip-seg-api-id --map email=email \
	    --map customer_id=customer_id --segment VIP "$@"
}
# xjson NAME: the mode and max_removals of export show --json.
xjson() {
	"$S" -w "$W" export show "$1" --json | "${PYTHON3:-python3}" -c '
import json, sys
x = json.load(sys.stdin)
print(x["mode"], x["max_removals"])'
}
xadd Mirror --mode mirror --max-removals 25
is "$rc" 0 "--mode mirror --max-removals 25 is saved"
like "$out" "Mode mirror: a run also removes the members who left its segments, at most 25% of them at once" \
    "saying what mirror does, with the share"
is "$(xjson Mirror)" "mirror 25" "export show --json: mode mirror, max_removals 25"
f=$(grep -l '"name":[[:space:]]*"Mirror"' "$W"/exports/*.json)
is "$(grep -c '"mode":[[:space:]]*"mirror"' "$f")" 1 "the file says \"mode\": \"mirror\""
is "$(grep -c '"max_removals":[[:space:]]*25' "$f")" 1 "and \"max_removals\": 25"
run "$S" -w "$W" export show Mirror
like "$out" "Mode:        mirror" "export show says mirror"
like "$out" "Removals:    at most 25% of the target's members in one run" \
    "and the largest share of removals"
xadd Mirror10 --mode mirror
is "$rc" 0 "--mode mirror without --max-removals is saved"
is "$(xjson Mirror10)" "mirror 10" "with the default maximum of 10%"
xadd Zero --mode mirror --max-removals 0
is "$rc" 0 "--max-removals 0 is saved (every removal then needs --force)"
is "$(xjson Zero)" "mirror 0" "as 0, not the default"
xadd Hundred --mode mirror --max-removals 100
is "$(xjson Hundred)" "mirror 100" "--max-removals 100 is the largest"
xadd Upsert --mode upsert
is "$rc" 0 "--mode upsert is saved"
is "$(xjson Upsert)" "upsert 10" "as upsert, with the default maximum"
is "$(xjson "VIP to Braze")" "upsert 10" "and so is an export without --mode"
run "$S" -w "$W" export list
like "$out" "MODE" "export list has a mode column"
row() { printf '%s\n' "$out" | awk -v n="$1" '$1 == n { print $4, $5 }'; }
is "$(row Mirror)" "mirror 25%" "showing mirror with its share"
is "$(row Upsert)" "upsert off" "and upsert alone, before the schedule"
run "$S" -w "$W" export list --json
got=$(printf '%s' "$out" | "${PYTHON3:-python3}" -c '
import json, sys
xs = {x["name"]: x for x in json.load(sys.stdin)}
print(xs["Mirror"]["mode"], xs["Mirror"]["max_removals"],
      xs["Upsert"]["mode"], xs["Upsert"]["max_removals"])')
is "$got" "mirror 25 upsert 10" "export list --json: mode and max_removals"

n0=$(ls "$W/exports" | grep -c .)
xadd Bad --mode sync
is "$rc" 2 "an unknown --mode is a usage error"
like "$err" "--mode must be one of upsert|mirror|update-only, not 'sync'" \
    "naming the modes"
for pct in 101 -1 10.5 10% abc " 10" 1000 0x10; do
	xadd Bad --mode mirror --max-removals "$pct"
	is "$rc" 2 "--max-removals '$pct' is a usage error"
	like "$err" "--max-removals must be a whole number of percent from 0 to 100, such as 10, not \"$pct\"" \
	    "in words"
done
xadd Bad --max-removals 5
is "$rc" 2 "--max-removals without --mode mirror is a usage error"
like "$err" "--max-removals limits what the mirror mode removes, and upsert never removes anything" \
    "saying that upsert never removes"
xadd Bad --mode update-only --max-removals 5
is "$rc" 2 "--max-removals with update-only is a usage error too"
like "$err" "and update-only never removes anything" "saying so"
is "$(ls "$W/exports" | grep -c .)" "$n0" "none of them was saved"

# An export saved before modes existed: no "mode", no "max_removals".
cid=$("$S" -w "$W" connection show Good --json | "${PYTHON3:-python3}" -c '
import json, sys
print(json.load(sys.stdin)["id"])') || cid=
cat >"$W/exports/0123456789abcdef.json" <<EOT
{
	"version":	1,
	"id":	"0123456789abcdef",
	"name":	"Old",
	"connection":	"$cid",
	"target_name":	null,
	"target":	"vip-seg-api-id",
	"segments":	["VIP"],
	"mapping":	{
		"email":	"email",
		"customer_id":	"customer_id"
	},
	"scheduled":	false,
	"created_by":	"$(id -un)",
	"created_at":	"2026-01-05T10:00:00Z"
}
EOT
run "$S" -w "$W" export show Old
is "$rc" 0 "an export file without a mode loads"
like "$out" "Mode:        upsert" "as upsert"
is "$(xjson Old)" "upsert 10" "with max_removals 10"
# update-only, as a driver that offers it would have saved it.
sed 's/"Old"/"Only"/; s/0123456789abcdef/0123456789abcde0/
    s/"scheduled":/"mode": "update-only", "max_removals": 10, "scheduled":/' \
    "$W/exports/0123456789abcdef.json" >"$W/exports/0123456789abcde0.json"
run "$S" -w "$W" export show Only
like "$out" "Mode:        update-only" "export show says update-only"
unlike "$out" "Removals:" "with no removal share: update-only never removes"
is "$(xjson Only)" "update-only 10" "export show --json: mode update-only"
sed 's/"Old"/"Odd"/; s/0123456789abcdef/0123456789abcde1/
    s/"scheduled":/"mode": "sync", "scheduled":/' \
    "$W/exports/0123456789abcdef.json" >"$W/exports/0123456789abcde1.json"
run "$S" -w "$W" export list
is "$rc" 4 "an export file with an unknown mode is refused (4)"
like "$err" "\"mode\" must be \"upsert\", \"mirror\" or \"update-only\"" \
    "in words"
rm -f "$W/exports/0123456789abcde1.json"
run "$S" -w "$W" export remove "Track only"
is "$rc" 0 "export remove"
run "$S" -w "$W" export show "Track only"
is "$rc" 4 "a removed export is gone"

is "$($FAKECTL get "$TMPD/fake" stats.over_limit)" 0 \
    "the fake saw no request over its rate limit"
done_testing
