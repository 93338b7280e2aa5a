# Changing what exists: export edit, duplicate and detach, connection edit,
# and removing a connection that exports use, against the fake Braze and
# Brevo servers. Every refusal says why, exits with its status and leaves
# the files as they were.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
mkdir -p "$D"
"$GEN" --rows 30 --seed 1 -o "$D/VIP.csv"
"$GEN" --rows 20 --seed 2 -o "$D/Newsletter.csv"

cat >"$TMPD/braze.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]},
           "new-key-5678": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP (Braze)"},
               {"id": "gold-seg", "name": "Gold (Braze)"}]}}
EOT
cat >"$TMPD/brevo.json" <<'EOT'
{"brevo": {"keys": {"xkeysib-good-1234": {}},
  "lists": [{"id": 12, "name": "Newsletter", "size": 0}]}}
EOT
BASE=$($FAKECTL start "$TMPD/fb" --dest braze --config "$TMPD/braze.json") ||
    fail_all "the fake Braze server did not start"
BREVO=$($FAKECTL start "$TMPD/fv" --dest brevo --config "$TMPD/brevo.json") ||
    fail_all "the fake Brevo server did not start"
stop_fakes() {
	$FAKECTL stop "$TMPD/fb" >/dev/null 2>&1
	$FAKECTL stop "$TMPD/fv" >/dev/null 2>&1
}
cleanup_hooks="$cleanup_hooks stop_fakes"

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
key() { printf '%s\n' "$1" >"$TMPD/$1"; echo "$TMPD/$1"; }
braze() {
	n=$1
	shift
	run "$S" -w "$W" connection add --type braze --name "$n" \
	    --agree-privacy --api-key-file "$(key good-key-1234)" \
	    --endpoint rest.fra-01.braze.eu --base-url "$BASE" "$@"
}
# The workspace's saved files, to compare before and after a refusal.
snap() {
	(cd "$W" && find connections exports activity.log -type f 2>/dev/null |
	    sort | xargs sha256sum)
}
same_files() {
	is "$(snap)" "$before" "$1: nothing changed on disk"
}
xj() { "$S" -w "$W" export show "$1" --json; }
field() {
	"$S" -w "$W" export show "$1" --json | "${PYTHON3:-python3}" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(json.dumps(v) if not isinstance(v, str) else v)' "$2"
}

braze B1 --contributors --export-user
is "$rc" 0 "a Braze connection for contributors"
run "$S" -w "$W" connection add --type braze --name B2 --agree-privacy \
    --api-key-file "$(key good-key-1234)" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" --export-user
is "$rc" 0 "a second Braze connection"
run "$S" -w "$W" connection add --type sendinblue --name L1 --agree-privacy \
    --api-key-file "$(key xkeysib-good-1234)" --base-url "$BREVO"
is "$rc" 0 "a Brevo connection"
run "$S" -w "$W" export add --name E --connection B1 --target vip-seg \
    --map email=email --map customer_id=customer_id --map attr:city=city \
    --segment VIP
is "$rc" 0 "an export to edit"
run "$S" -w "$W" export add --name Other --connection L1 --target 12 \
    --map email=email --segment Newsletter
is "$rc" 0 "another export, on Brevo"

# --- refusals: each says why, and nothing changes ------------------------
before=$(snap)
run "$S" -w "$W" export edit E
is "$rc" 2 "an edit with nothing to change exits 2"
like "$err" "nothing to change" "and says so"
run "$S" -w "$W" export edit Nope --rename X
is "$rc" 4 "an unknown export exits 4"
like "$err" "there is no export named \"Nope\"" "naming it"
run "$S" -w "$W" export edit E --add-segment Missing
is "$rc" 4 "an unknown segment exits 4"
like "$err" "there is no segment \"Missing\" in the data folder" "in words"
like "$err" "nothing was saved" "and says that nothing was saved"
same_files "unknown segment"
run "$S" -w "$W" export edit E --add-segment VIP
is "$rc" 4 "adding a segment the export has exits 4"
run "$S" -w "$W" export edit E --remove-segment Newsletter
is "$rc" 4 "removing a segment it does not have exits 4"
like "$err" "the export does not have it" "in words"
run "$S" -w "$W" export edit E --remove-segment VIP
is "$rc" 4 "removing its only segment exits 4"
like "$err" "no segment chosen" "in words"
run "$S" -w "$W" export edit E --unmap attr:town
is "$rc" 4 "unmapping a field it does not map exits 4"
like "$err" "maps nothing to \"attr:town\"" "in words"
run "$S" -w "$W" export edit E --unmap customer_id
is "$rc" 4 "unmapping a required field exits 4"
like "$err" "needs the" "saying what Braze needs"
run "$S" -w "$W" export edit E --map email=email
is "$rc" 4 "a --map set without the customer ID exits 4"
run "$S" -w "$W" export edit E --map attr:x=nofield --map email=email \
    --map customer_id=customer_id
is "$rc" 4 "a field the segment lacks exits 4"
like "$err" "has no field \"nofield\"" "in words"
run "$S" -w "$W" export edit E --connection L1
is "$rc" 4 "re-attaching to a connection of another type exits 4"
like "$err" "the connection \"L1\" goes to Sendinblue (Brevo)" "saying which destination"
run "$S" -w "$W" export edit E --rename Other
is "$rc" 4 "a name taken exits 4"
like "$err" "already exists" "in words"
run "$S" -w "$W" export edit E --max-removals 5
is "$rc" 2 "a maximum of removals outside mirror mode exits 2"
run "$S" -w "$W" export edit E --target no-such-seg
is "$rc" 4 "a target the destination does not have exits 4"
run "$S" -w "$W" export edit Other --mode update-only
is "$rc" 4 "update-only on Brevo exits 4"
same_files "every refusal"

# --- edits ----------------------------------------------------------------
run "$S" -w "$W" export edit E --add-segment Newsletter
is "$rc" 0 "adding a segment"
like "$out" "its segments changed" "says what changed"
is "$(field E segments)" '["VIP", "Newsletter"]' "both segments saved"
id1=$(field E created_at)
run "$S" -w "$W" export edit E --segment Newsletter
is "$rc" 0 "a --segment set replaces the saved one"
is "$(field E segments)" '["Newsletter"]' "only Newsletter now"
run "$S" -w "$W" export edit E --segment Newsletter
is "$rc" 0 "an edit that changes nothing exits 0"
like "$out" "Nothing changed" "and says so"
run "$S" -w "$W" export edit E --unmap attr:city
is "$rc" 0 "unmapping an attribute"
like "$out" "its mapping changed" "says the mapping changed"
like "$out" "sends every profile again, once" "and what it does to the next run"
is "$(field E mapping)" '{"email": "email", "customer_id": "customer_id"}' \
    "the attribute is gone"
run "$S" -w "$W" export edit E --rename "E two" --mode mirror --max-removals 20
is "$rc" 0 "rename and mirror mode in one edit"
like "$out" "its name, mode and largest share of removals changed" \
    "every change named"
like "$out" "at most 20% of the target's members" "the guard said"
is "$(field "E two" mode)" mirror "the mode saved"
is "$(field "E two" max_removals)" 20 "and its maximum"
is "$(field "E two" created_at)" "$id1" "the same export, renamed"
is "$(field "E two" changed_by)" "$(id -un)" "the edit is stamped with who made it"
run "$S" -w "$W" export show "E two"
like "$out" "Changed:     " "and shown"
run "$S" -w "$W" export show E
is "$rc" 4 "the old name is gone"
run "$S" -w "$W" export edit "E two" --target gold-seg
is "$rc" 0 "a new target, verified"
like "$out" "Gold (Braze)" "the destination's name for it"
like "$out" "starts a new sync state" "and the new state said"
like "$out" "nothing is removed from the old one" "the old target left alone"
run "$S" -w "$W" export edit "E two" --scheduled
is "$rc" 0 "scheduled by an edit"
is "$(field "E two" scheduled)" true "saved scheduled"
run "$S" -w "$W" export edit Other --schedule refresh
is "$rc" 4 "scheduling on a connection without an export user exits 4"
like "$err" "has no export user" "in words"

# --- duplicate --------------------------------------------------------------
before=$(snap)
run "$S" -w "$W" export duplicate "E two" --name Other
is "$rc" 4 "a duplicate under a taken name exits 4"
same_files "a refused duplicate"
run "$S" -w "$W" export duplicate "E two" --name Copy
is "$rc" 0 "a duplicate"
like "$out" "first run sends every profile" "with a fresh sync state"
is "$(field Copy segments)" "$(field "E two" segments)" "the same segments"
is "$(field Copy mapping)" "$(field "E two" mapping)" "the same mapping"
is "$(field Copy mode)" mirror "the same mode"
is "$(field Copy target)" gold-seg "the same target"
is "$(field Copy scheduled)" false "not scheduled"
is "$(ls "$W"/exports/*.json | wc -l)" 3 "a file of its own"

# --- detach and attach ------------------------------------------------------
run "$S" -w "$W" export detach "E two"
is "$rc" 0 "detach"
like "$out" "no longer runs" "says what it means"
is "$(field "E two" detached)" true "saved detached"
run "$S" -w "$W" export detach "E two"
is "$rc" 0 "detaching again exits 0"
like "$out" "already detached" "and says so"
before=$(snap)
run "$S" -w "$W" run "E two"
is "$rc" 4 "a detached export does not run"
like "$err" "is detached from its connection" "saying why"
like "$err" "--connection CONN" "and how to attach it"
run "$S" -w "$W" run "E two" --dry-run
is "$rc" 4 "nor as a dry run"
run "$S" -w "$W" refresh
like "$out" "E two: detached, not run" "refresh skips it, saying so"
same_files "a refused run"
is "$(ls "$W/runs" 2>/dev/null | wc -l)" 0 "no run was started"
run "$S" -w "$W" export edit "E two" --connection L1
is "$rc" 4 "attaching to a Brevo connection exits 4"
run "$S" -w "$W" export edit "E two" --connection B2
is "$rc" 0 "attached to the other Braze connection"
like "$out" "its connection and attachment changed" "said"
is "$(field "E two" detached)" false "no longer detached"
is "$(field "E two" connection)" B2 "through B2"
run "$S" -w "$W" run "E two"
is "$rc" 0 "an attached export runs"

# --- removing a connection that exports use --------------------------------
before=$(snap)
run "$S" -w "$W" connection remove B2
is "$rc" 4 "removing a connection in use without a choice exits 4"
like "$err" "is used by 1 export, \"E two\"" "naming the export"
like "$err" "--detach-exports" "and the two ways on"
like "$err" "--remove-exports" "both"
same_files "a refused removal"
run "$S" -w "$W" connection remove B2 --detach-exports --remove-exports
is "$rc" 2 "both choices at once exit 2"
run "$S" -w "$W" connection remove B2 --detach-exports
is "$rc" 0 "removed, its export detached"
like "$out" "1 export that used it is kept, detached" "said"
is "$(field "E two" detached)" true "the export is kept, detached"
is "$(field "E two" target)" gold-seg "with its settings"
run "$S" -w "$W" export list
like "$out" "(removed)" "its connection shown as removed"
like "$out" "detached" "and the export as detached"
run "$S" -w "$W" export edit "E two" --rename "E three"
is "$rc" 0 "a detached export whose connection is gone can still be edited"
like "$out" "It stays detached" "and stays detached"
run "$S" -w "$W" export edit "E three" --connection B1
is "$rc" 0 "and attached to another connection of its type"
run "$S" -w "$W" run "E three"
is "$rc" 0 "it runs through the new connection"
like "$out" "new sync state: the export's connection changed" \
    "starting a new sync state, which it says"
run "$S" -w "$W" export detach Copy
run "$S" -w "$W" connection remove B1 --remove-exports
is "$rc" 0 "removed with its exports"
like "$out" "2 exports that used it were removed too" "said"
run "$S" -w "$W" export list --json
unlike "$out" "E three" "the export is gone"
unlike "$out" "Copy" "the detached one too"
like "$out" "Other" "another connection's export is kept"

# --- connection edit ---------------------------------------------------------
braze C --export-user
before=$(snap)
run "$S" -w "$W" connection edit C
is "$rc" 2 "a connection edit with nothing to change exits 2"
run "$S" -w "$W" connection edit C --contributors --admins-only
is "$rc" 2 "both --contributors and --admins-only exit 2"
run "$S" -w "$W" connection edit L1 --endpoint rest.fra-01.braze.eu
is "$rc" 2 "an option another destination takes exits 2"
like "$err" "--endpoint does not apply to Sendinblue (Brevo) connections" "in words"
run "$S" -w "$W" connection edit C --rename L1
is "$rc" 4 "a name taken exits 4"
run "$S" -w "$W" connection edit C --api-key-file "$(key wrong-key-0000)"
is "$rc" 3 "a new key that does not work exits 3"
like "$err" "nothing was saved" "and nothing is saved"
run "$S" -w "$W" connection edit C --base-url http://example.com
is "$rc" 4 "an address against the URL policy exits 4"
same_files "every refused connection edit"
run "$S" -w "$W" connection edit C --api-key-file "$(key new-key-5678)" \
    --rename "C new"
is "$rc" 0 "a new key, tested, and a new name"
like "$out" "Braze accepted the API key" "the test said"
like "$out" "Replaced: REST API key (never shown)" "which secret was replaced"
unlike "$out$err" "new-key-5678" "never the key itself"
run "$S" -w "$W" connection show "C new" --unlock
is "$rc" 0 "the renamed connection opens"
run "$S" -w "$W" connection test "C new"
is "$rc" 0 "and works with the new key"
$FAKECTL config "$TMPD/fb" '{"revoke_keys": ["good-key-1234"]}' >/dev/null
run "$S" -w "$W" connection test "C new"
is "$rc" 0 "it no longer uses the old key"
run "$S" -w "$W" connection edit "C new" --no-export-user
is "$rc" 0 "the export user taken away"
like "$out" "No export user any more" "said"
run "$S" -w "$W" connection show "C new" --json
like "$out" '"export_user":	null' "saved"
grep -rl "new-key-5678" "$W" >/dev/null
is "$?" 1 "the new key is in no file in clear"

# --- the record of changes --------------------------------------------------
logq() {
	"$S" -w "$W" log --json "$@" | "${PYTHON3:-python3}" -c '
import json, sys
es = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$Q"
}
Q='len([e for e in es if e["object"] == "export" and e["name"] == "E" and e["action"] == "add"])'
is "$(logq)" 1 "log: the export's creation"
Q='[e["changes"]["segments"] for e in es if e["action"] == "edit" and e["object"] == "export" and "segments" in e.get("changes", {})][0]'
is "$(logq)" "{'old': ['VIP'], 'new': ['VIP', 'Newsletter']}" \
    "an edit, with the old and new segments"
Q='[e["changes"]["name"] for e in es if e["object"] == "export" and "name" in e.get("changes", {}) and e["action"] == "edit"][0]'
is "$(logq)" "{'old': 'E', 'new': 'E two'}" "a rename, old and new"
Q='sorted(set(e["action"] for e in es if e["object"] == "export"))'
is "$(logq)" "['add', 'attach', 'detach', 'duplicate', 'edit', 'remove']" \
    "every kind of change to exports"
Q='[e["changes"]["copy_of"] for e in es if e["action"] == "duplicate"][0]'
is "$(logq)" "E two" "a duplicate says what it copies"
Q='[e["changes"] for e in es if e["object"] == "connection" and e["action"] == "edit" and "api_key" in e.get("changes", {})][0]'
like "$(logq)" "'api_key': 'replaced'" "a key replaced, said as replaced"
like "$(logq)" "'name': {'old': 'C', 'new': 'C new'}" "with the rename"
Q='[e["changes"] for e in es if e["object"] == "connection" and e["action"] == "remove" and e["name"] == "B2"][0]'
like "$(logq)" "'exports_detached': '\"E two\"'" "a removal says which exports were detached"
Q='[e["by"] for e in es if e["object"] == "run" and e["action"] == "start"][0]'
is "$(logq)" "$(id -un)" "a run started, and by whom"
Q='len(es)'
is "$(logq --object connection --name L1)" 1 "--object and --name filter"
is "$(logq --since 2099-01-01)" 0 "--since filters by time"
run "$S" -w "$W" log --since yesterday
is "$rc" 2 "a --since that is no date exits 2"
run "$S" -w "$W" log --object export --name "E three"
like "$out" '-> B1; detached true -> false' \
    "the text form says the change in words"
printf '{"torn": ' >>"$W/activity.log"
run "$S" -w "$W" log --object member
like "$err" "1 line of the record of changes is not an entry" "a torn line is said, not fatal"
is "$rc" 0 "and the rest is read"

done_testing
