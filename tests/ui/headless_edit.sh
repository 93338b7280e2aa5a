# Changing exports in the UI, headless, against the fake Braze: Edit opens
# the wizard filled in on its summary, Save works from any step and says
# what the change does to the next run first; Copy saves a duplicate that
# is not scheduled; Detach keeps an export that Run now then refuses,
# saying why, and Edit attaches it again; removing a connection that
# exports use asks what becomes of them.
. "$top_srcdir/tests/ui/lib.sh"
ui_workspace
PP=$TMPD/admin.pp

fake_start braze braze '{"braze": {"keys": {"braze-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"},
                 {"id": "seg-gold", "name": "Gold (Braze)"}]}}' ||
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
    --segment "VIP customers" --scheduled --passphrase-file "$PP" \
    >/dev/null || exit 99
field() {
	"$SEGSYNC" -w ws export show "$1" --json | "${PYTHON3:-python3}" -c '
import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$2"
}

# Edit: the summary first; Back to the segments, tick one more, Save from
# there: the summary says what the next run does, Save saves.
ui_keys edit <<'EOT'
keys ee
dump xe-summary
keys <Esc><Esc>
dump xe-segments
keys <Space><Tab><Enter>
dump xe-save-from-segments
keys <Esc><Esc><Esc>
dump xe-matching
keys <Down><Down><Enter><End><Enter>
dump xe-attribute
keys <Tab><Enter>
dump xe-after-mapping
keys <Enter>
dump xe-saved
keys q
EOT
ui_run edit --passphrase-file "$PP"
is "$rc" 0 "the edit runs to the end"
dump_has xe-summary 'Exports › Edit "VIP to Braze"' "Edit opens the wizard on the export"
dump_has xe-summary "Step 7 of 7: Save" "on its summary"
dump_has xe-summary "VIP to Braze" "filled in: the name"
dump_has xe-summary "seg-vip (VIP (Braze))" "the target, as found"
dump_has xe-summary "Nothing changed." "and says nothing changed yet"
dump_has xe-segments "Step 5 of 7: Segments" "Back walks the steps"
dump_has xe-segments "[x] VIP customers" "the saved segment ticked"
dump_has xe-segments "Save" "with Save on the step"
dump_has xe-save-from-segments "Step 7 of 7: Save" "Save from a step shows the summary"
dump_has xe-save-from-segments "2, 80 profiles before de-duplication" "with both segments"
dump_has xe-matching "Step 4 of 7: Data matching" "back to the mapping"
dump_has xe-attribute 'Custom attribute "city"' "a custom attribute added"
dump_has xe-after-mapping "The mapping changed: the next run sends every" \
    "a new mapping: the summary says every profile is sent again"
dump_has xe-saved 'Saved the export "VIP to Braze".' "saved, and said"
is "$(field "VIP to Braze" segments)" '["Clients fidèles", "VIP customers"]' \
    "the segments saved"
like "$(field "VIP to Braze" mapping)" '"attr:' "the attribute saved"
is "$(field "VIP to Braze" scheduled)" true "the schedule kept"
is "$(field "VIP to Braze" changed_by)" "$(id -un)" "stamped with who changed it"

# A refused edit: no segment left; nothing is saved.
before=$(cat ws/exports/*.json | sha256sum)
ui_keys edit-bad <<'EOT'
keys ee<Esc><Esc>
keys <Space><Down><Space><Tab><Enter>
dump xe-no-segment
keys <Esc><Esc><Esc><Esc><Esc>
dump xe-leave
keys <Enter>q
EOT
ui_run edit-bad --passphrase-file "$PP"
is "$rc" 0 "the refused edit runs to the end"
dump_has xe-no-segment "Choose at least one segment" "no segment: Save says why"
dump_has xe-no-segment "Step 5 of 7: Segments" "and stays on the step"
dump_has xe-leave "Leave the wizard?" "leaving asks, the change not saved"
is "$(cat ws/exports/*.json | sha256sum)" "$before" "nothing was saved"

# Copy: a new export under a new name, not scheduled.
ui_keys copy <<'EOT'
keys ec
dump xc-name
keys <Enter><Enter><Tab><Enter><Enter><Enter>
dump xc-summary
keys <Enter>
dump xc-saved
keys <Enter>q
EOT
ui_run copy --passphrase-file "$PP"
is "$rc" 0 "the copy runs to the end"
dump_has xc-name 'Copy of "VIP to Braze"' "Copy opens the wizard titled so"
dump_has xc-name "VIP to Braze (copy)" "with a new name proposed"
run "$SEGSYNC" -w ws export show "VIP to Braze (copy)" --json
is "$rc" 0 "the copy is saved"
is "$(field "VIP to Braze (copy)" segments)" \
    "$(field "VIP to Braze" segments)" "with the same segments"
is "$(field "VIP to Braze (copy)" scheduled)" false "not scheduled"
is "$(ls ws/exports/*.json | wc -l)" 2 "the original is still there"

# Schedule two exports at once: marked with Space, one schedule for all.
ui_keys schedule <<'EOT'
keys e<Space><Down><Space>
dump xs-marked
keys s
dump xs-schedule
keys <Down><Down><Down><Down>
dump xs-daily
keys <Tab><C-u>07:15<Tab><C-u>UTC<Enter>
dump xs-saved
keys q
EOT
ui_run schedule --passphrase-file "$PP"
is "$rc" 0 "scheduling two exports runs to the end"
dump_has xs-marked " *VIP to Braze  " "Space marks the first export"
dump_has xs-marked ">*VIP to Br…e (copy)" "and the second, under the cursor"
dump_has xs-schedule "Schedule 2 exports" "s schedules the marked ones"
dump_has xs-schedule "Keep each export's own schedule" \
    "with a choice to keep their own, as they differ"
dump_has xs-daily "Time (HH:MM)" "a daily schedule asks for the time"
dump_has xs-daily "Time zone" "and the zone"
dump_has xs-saved "Scheduled 2 exports." "both saved, and said"
dump_has xs-saved "daily 07:15" "the list shows the schedule"
is "$(field "VIP to Braze" schedule) $(field "VIP to Braze" time_zone)" \
    "daily 07:15 UTC" "the first export's schedule saved"
is "$(field "VIP to Braze (copy)" schedule) $(field "VIP to Braze (copy)" time_zone)" \
    "daily 07:15 UTC" "and the second's"

# Detach, then Run now says why not, then Edit attaches it to the other
# connection (the connection step first: a detached export has none).
ui_keys detach <<'EOT'
keys e<Down>x
dump xd-ask
keys y
dump xd-detached
keys r
dump xd-run-refused
keys <Enter>e
dump xd-edit
keys <Down><Tab><Enter>
dump xd-attached-target
keys <Tab><Enter>
dump xd-summary
keys <Enter>
dump xd-saved
keys q
EOT
ui_run detach --passphrase-file "$PP"
is "$rc" 0 "detach and attach run to the end"
dump_has xd-ask "Detach the export?" "x asks first"
dump_has xd-detached "detached" "the list says detached"
dump_has xd-run-refused "is detached from its connection" "Run now says why not"
dump_has xd-edit "Step 1 of 7: Connection" "Edit asks for a connection"
dump_has xd-attached-target "Found the Braze segment \"VIP (Braze)\"" "the target is looked up again through it"
dump_has xd-summary "A new connection or target starts a new sync" \
    "the summary says what that does to the sync state"
is "$(field "VIP to Braze (copy)" detached)" false "Edit attached it again"
is "$(field "VIP to Braze (copy)" connection)" "Braze US" "to the other connection"

# Removing a connection in use: asked what becomes of its exports.
ui_keys remove <<'EOT'
keys c<Down>d
dump xr-ask
keys y
dump xr-which
keys <Enter>
dump xr-removed
keys q
EOT
ui_run remove --passphrase-file "$PP"
is "$rc" 0 "removing a connection runs to the end"
dump_has xr-ask 'export uses it, "VIP to Braze (copy)"' "the export named"
dump_has xr-which "What becomes of the export" "then asked what becomes of it"
dump_has xr-removed "kept, detached" "Detach, the default, keeps it"
is "$(field "VIP to Braze (copy)" detached)" true "saved detached"
run "$SEGSYNC" -w ws connection list
unlike "$out" "Braze US" "and the connection is gone"

# Activity: every change above, newest first, filtered with f.
ui_keys activity <<'EOT'
dump xa-home
keys l
dump xa-all
keys f
dump xa-exports
keys ff
dump xa-runs
keys <Esc>q
EOT
ui_run activity --passphrase-file "$PP"
is "$rc" 0 "the Activity screen opens and closes"
dump_has xa-home "Activity" "Home lists Activity"
dump_has xa-all "segsync › Activity" "l opens it"
dump_has xa-all 'connection "Braze US" remove' "newest first: the removal on top"
dump_has xa-all "WHO" "with who made each change"
dump_has xa-exports "Activity (exports)" "f shows the exports alone"
dump_has xa-exports 'export "VIP to Braze (copy)" detach' "their detach"
dump_has xa-exports 'export "VIP to Braze (copy)" duplicate' "the copy"
dump_has xa-exports 'export "VIP to Braze" edit: mapping' "and the edit, with what changed"
unlike "$(cat "$DUMPS/xa-exports")" 'connection "' "and no connection"
dump_has xa-runs "Activity (runs started and cancelled)" "then the runs"

done_testing
