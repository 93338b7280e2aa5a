# Changing what exists, in a real terminal (tmux, 80x24), against the fake
# Braze: edit an export's segments and mapping, copy it, schedule both at
# once, detach and attach again, rotate a Braze key, open a connection to
# contributors and close it again, and remove connections in use choosing
# each fate for their exports. Each step is checked on disk with the
# command line.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
ui_workspace
PP=$TMPD/admin.pp
fake_start braze braze '{"braze": {"keys": {"braze-key-1234":
    {"permissions": ["users.track", "segments.list"]}, "braze-new-5678":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
BRAZE=$fake_url
printf 'braze-key-1234\n' >"$TMPD/braze.key"
for c in "Braze EU" "Braze US"; do
	"$SEGSYNC" -w ws connection add --type braze --name "$c" \
	    --agree-privacy --api-key-file "$TMPD/braze.key" --export-user \
	    --endpoint rest.iad-01.braze.com --base-url "$BRAZE" \
	    --passphrase-file "$PP" >/dev/null || exit 99
done
"$SEGSYNC" -w ws export add --name "VIP to Braze" --connection "Braze EU" \
    --target seg-vip --map email=email --map customer_id=customer_id \
    --segment "VIP customers" --passphrase-file "$PP" >/dev/null || exit 99
field() {
	"$SEGSYNC" -w ws export show "$1" --json | "${PYTHON3:-python3}" -c '
import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$2"
}
usable() {
	"$SEGSYNC" -w ws connection show "$1" --json | "${PYTHON3:-python3}" \
	    -c 'import json, sys; print(json.load(sys.stdin)["usable_by"])'
}

tm_start || fail_all "tmux cannot start a session"
tm_wait "Unlock your key" "segsync opens on the unlock screen"
tm_type "admin passphrase"
tm_keys Enter
tm_wait "Welcome," "unlocked"

# Edit the export: one more segment and a custom attribute, then Save.
tm_keys e e
tm_wait "Step 7 of 7: Save" "e on an export opens the wizard on its summary"
tm_keys Escape Escape
tm_wait "Step 5 of 7: Segments" "Back walks to the segments"
tm_keys Space
tm_wait "[x] Clients fidèles" "another segment ticked"
tm_keys Escape
tm_wait "Step 4 of 7: Data matching" "and back to the mapping"
tm_keys Down Down Enter End Enter
tm_wait 'Custom attribute "city"' "a custom attribute added"
tm_keys Tab Enter
tm_wait "Step 7 of 7: Save" "Save from the mapping shows the summary"
tm_wait "The mapping changed: the next run sends every" \
    "which says what the change does to the next run"
tm_keys Enter
tm_wait 'Saved the export "VIP to Braze".' "saved"
is "$(field "VIP to Braze" segments)" '["Clients fidèles", "VIP customers"]' \
    "the segments are saved"
like "$(field "VIP to Braze" mapping)" '"attr:city": "city"' "and the attribute"

# Copy it, then schedule both at once.
tm_keys c
tm_wait "VIP to Braze (copy)" "c proposes a name for the copy"
tm_keys Enter Enter Tab Enter Enter Enter
tm_wait "Step 7 of 7: Save" "the copy's summary"
tm_keys Enter
tm_wait "Export saved" "saved, offering to run it"
tm_keys Enter
tm_wait "VIP to Br…e (copy)" "the copy is listed, its name shortened in the middle"
is "$(field "VIP to Braze (copy)" scheduled)" false "not scheduled"
tm_keys Home Space Down Space s
tm_wait "Schedule 2 exports" "the two marked exports are scheduled together"
tm_keys Down Down Down
tm_wait "Time (HH:MM)" "every day at a time"
tm_keys Tab C-u
tm_type "07:15"
tm_keys Tab C-u
tm_type "UTC"
tm_keys Enter
tm_wait "Scheduled 2 exports." "both saved"
is "$(field "VIP to Braze" schedule)" "daily 07:15" "the first one daily"
is "$(field "VIP to Braze (copy)" schedule)" "daily 07:15" "the second too"

# Detach the copy, then attach it to the other connection.
tm_keys End x
tm_wait "Detach the export?" "x asks first"
tm_keys y
tm_wait "detached" "the copy is detached"
is "$(field "VIP to Braze (copy)" detached)" true "saved detached"
tm_keys e
tm_wait "Step 1 of 7: Connection" "editing it asks for a connection"
tm_keys Down Tab Enter
tm_wait 'Found the Braze segment "VIP (Braze)"' "the target is looked up again"
tm_keys Tab Enter
tm_wait "A new connection or target starts a new sync" \
    "the summary says a new sync state starts"
tm_keys Enter
tm_wait 'Saved the export "VIP to Braze (copy)".' "attached again"
is "$(field "VIP to Braze (copy)" connection)" "Braze US" "through Braze US"
is "$(field "VIP to Braze (copy)" detached)" false "no longer detached"

# Connections: rotate Braze EU's key, widen then narrow who may use it.
tm_keys Escape c
tm_wait "LAST TEST" "the connections"
tm_keys Enter
tm_wait "Step 1 of 6: Name" "Enter changes a connection"
tm_keys Enter
tm_wait "Step 2 of 6" "who may use it"
tm_keys Enter
tm_wait "Step 3 of 6" "past the name and who may use it"
tm_type "braze-new-5678"
tm_keys Enter
tm_wait "Step 4 of 6: Connect" "the new key is tested"
tm_wait "Braze accepted the API key" "and works"
tm_keys Enter
tm_wait "Step 5 of 6: Export user" "then the export user"
tm_keys Enter
tm_wait "Step 6 of 6" "then Save"
tm_keys Enter
tm_wait 'Saved the connection "Braze EU"' "the new key saved"
printf 'braze-new-5678\n' >"$TMPD/new.key"
$FAKECTL config \
    "$TMPD/fake-braze" '{"revoke_keys": ["braze-key-1234"]}' >/dev/null
run "$SEGSYNC" -w ws connection test "Braze EU" --passphrase-file "$PP"
is "$rc" 0 "Braze EU works with the new key"
# who KEY: change who may use Braze EU, the other steps as they are.
who() {
	tm_keys Enter
	tm_wait "Step 1 of 6: Name" "$2: the wizard opens"
	tm_keys Enter
	tm_wait "Step 2 of 6" "$2: who may use it"
	tm_keys "$1" Enter
	tm_wait "Step 3 of 6" "$2: the credentials, kept"
	tm_keys Enter
	tm_wait "Step 4 of 6: Connect" "$2: tested again"
	tm_wait "Braze accepted the API key" "$2: and working"
	tm_keys Enter
	tm_wait "Step 5 of 6: Export user" "$2: the export user"
	tm_keys Enter
	tm_wait "Step 6 of 6" "$2: the Save step"
	tm_keys Enter
	tm_wait 'Saved the connection "Braze EU"' "$2: saved"
}
who Down widening
is "$(usable "Braze EU")" contributors "open to contributors"
who Up narrowing
is "$(usable "Braze EU")" administrators "administrators only again"

# Remove the connections in use: Braze US with its export, Braze EU
# keeping its export, detached.
tm_keys Down d
tm_wait 'export uses it, "VIP to Braze (copy)"' "removing Braze US names its export"
tm_keys y
tm_wait "What becomes of the export" "then asks what becomes of it"
tm_keys y
tm_wait 'Removed "Braze US", its credentials and 1 export.' "removed with it"
tm_keys Up d
tm_wait 'export uses it, "VIP to Braze"' "removing Braze EU names its export"
tm_keys y
tm_wait "What becomes of the export" "asked again"
tm_keys n
tm_wait "1 export is kept, detached." "kept, detached"
run "$SEGSYNC" -w ws export list --json
unlike "$out" "VIP to Braze (copy)" "the export removed with Braze US is gone"
is "$(field "VIP to Braze" detached)" true "the one of Braze EU is detached"
run "$SEGSYNC" -w ws connection list
unlike "$out" "Braze" "both connections are gone"
tm_keys Escape q
tm_wait "SEGSYNC-EXIT=0" "segsync quits cleanly"

done_testing
