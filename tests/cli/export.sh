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
add Bad bad-key-0000
is "$rc" 3 "a wrong key exits 3"
like "$err" "the API key is wrong or belongs to another instance than rest.fra-01.braze.eu" \
    "in words"
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

run "$S" -w "$W" export list --json
is "$rc" 0 "export list --json"
if command -v python3 >/dev/null; then
	got=$(printf '%s' "$out" | python3 -c '
import json, sys
xs = json.load(sys.stdin)
x = [x for x in xs if x["name"] == "VIP to Braze"][0]
assert set(x) == {"name", "connection", "target", "segments", "mapping",
                  "scheduled"}, sorted(x)
print(x["connection"], x["target"], "|".join(x["segments"]),
      sorted(x["mapping"].items()), x["scheduled"])')
	is "$got" "Good vip-seg-api-id VIP|Newsletter [('attr:city', 'city'), ('customer_id', 'customer_id'), ('email', 'email')] False" \
	    "the JSON has cli.md's keys and values"
else
	ok 1 "python3 is missing: the JSON cannot be checked"
fi
run "$S" -w "$W" export show "VIP to Braze"
like "$out" "attr:city" "export show lists the mapping"
run "$S" -w "$W" export remove "Track only"
is "$rc" 0 "export remove"
run "$S" -w "$W" export show "Track only"
is "$rc" 4 "a removed export is gone"

is "$($FAKECTL get "$TMPD/fake" stats.over_limit)" 0 \
    "the fake saw no request over its rate limit"
done_testing
