# The export wizard headless against the fake Braze and Brevo: every
# documented step in order (connection by destination, name, target
# looked up, data matching with samples, segments with counts, Save),
# the mistakes (no name, a target that does not exist, no segment
# chosen), a resize in the middle, and what an empty workspace says.
. "$top_srcdir/tests/ui/lib.sh"
ui_workspace
PP=$TMPD/admin.pp

# No connection yet: the wizard says why and offers to create one.
ui_keys none <<'EOT'
keys ea
dump xw-no-connection
keys <Enter>
dump xw-no-connection-create
keys <Esc><Esc>q
EOT
ui_run none --passphrase-file "$PP"
golden xw-no-connection "no usable connection: the screen says why"
golden xw-no-connection-create "and opens the connection wizard"

# Wait (at most 30 s) until no run of the workspace is running.
wait_runs() {
	i=0
	while [ $i -lt 150 ] && "$SEGSYNC" -w ws runs --json 2>/dev/null |
	    grep -q '"status":[[:space:]]*"running"'; do
		sleep 0.2
		i=$((i + 1))
	done
}

fake_start braze braze '{"braze": {"keys": {"braze-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
BRAZE=$fake_url
fake_start brevo brevo '{"brevo": {"keys": {"xkeysib-5678": {}},
    "lists": [{"id": 12, "name": "Newsletter (été)", "size": 41}]}}' ||
    fail_all "the fake Brevo did not start"
BREVO=$fake_url
# Runs to Brevo wait for their import processes: poll them at once here
# (test-only; a real run waits 30 s first, then longer each time).
export SEGSYNC_TEST_CONFIRM_MS=100
printf 'braze-key-1234\n' >"$TMPD/braze.key"
printf 'xkeysib-5678\n' >"$TMPD/brevo.key"
"$SEGSYNC" -w ws connection add --type braze --name "Braze EU" \
    --agree-privacy --api-key-file "$TMPD/braze.key" \
    --endpoint rest.iad-01.braze.com --base-url "$BRAZE" \
    --passphrase-file "$PP" >/dev/null || exit 99
"$SEGSYNC" -w ws connection add --type sendinblue --name Brevo \
    --agree-privacy --api-key-file "$TMPD/brevo.key" --export-user \
    --base-url "$BREVO" --passphrase-file "$PP" >/dev/null || exit 99

ui_keys braze <<'EOT'
keys ea
dump xw-1-connection
keys <Enter>
dump xw-2-name
keys <Enter>
dump xw-2-name-empty
keys VIP to Braze<Enter>
dump xw-3-target
keys seg-nope<Enter>
dump xw-3-target-not-found
keys <C-u>seg-vip<Enter>
dump xw-3-target-found
keys <Enter>
dump xw-4-matching
resize 100x30
dump xw-4-resized
resize 80x24
keys <Down><Down><Enter>
dump xw-4-picker
keys <End><Enter>
dump xw-4-attribute
keys <Tab><Enter>
dump xw-5-segments
keys <Enter>
dump xw-5-no-segment
keys <Space><Down><Space>
dump xw-5-chosen
keys <Enter>
dump xw-6-mode
keys <Down>
dump xw-6-mode-mirror
keys <Tab><C-u>150<Enter>
dump xw-6-mode-invalid
keys <C-u>5<Enter>
dump xw-7-save
keys <Enter>
dump xw-saved
keys <Enter>
dump xw-exports
keys q
EOT
ui_run braze --passphrase-file "$PP"
is "$rc" 0 "the export wizard runs to the end"
for d in xw-1-connection xw-2-name xw-2-name-empty xw-3-target \
    xw-3-target-not-found xw-3-target-found xw-4-matching xw-4-resized \
    xw-4-picker xw-4-attribute xw-5-segments xw-5-no-segment xw-5-chosen \
    xw-6-mode xw-6-mode-mirror xw-6-mode-invalid xw-7-save xw-saved \
    xw-exports; do
	golden "$d" "export wizard, Braze: $d"
done
run "$SEGSYNC" -w ws export show "VIP to Braze"
is "$rc" 0 "the export is saved"
like "$out" "seg-vip (VIP (Braze))" "with the target's name found at Braze"
like "$out" "attr:city            <- city" "the attribute added"
like "$out" "email                <- email" "the email matched by name"
like "$out" "customer_id          <- customer_id" "and the customer ID"
like "$out" "mirror" "in mirror mode, as chosen in its step"
like "$out" "5%" "removing at most the share typed"
like "$out" "Schedule:    off" "not scheduled: the connection has no export user"
is "$($FAKECTL get "$TMPD/fake-braze" stats.over_limit)" 0 \
    "the fake Braze saw nothing over its limits"

ui_keys brevo <<'EOT'
keys ea<Down><Enter>Newsletter<Enter>abc
dump xw-brevo-target-invalid
keys <C-u>12<Enter>
dump xw-brevo-target-found
keys <Enter>
dump xw-brevo-matching
keys <Tab><Enter><Down><Space><Enter>
dump xw-brevo-mode
keys <Enter>
dump xw-brevo-save
keys <Space><Tab><Enter><Enter>
dump xw-brevo-listed
keys q
EOT
ui_run brevo --passphrase-file "$PP"
is "$rc" 0 "an export to a Sendinblue list"
for d in xw-brevo-target-invalid xw-brevo-target-found xw-brevo-matching \
    xw-brevo-mode xw-brevo-save; do
	golden "$d" "export wizard, Sendinblue: $d"
done
like "$(grep '^ > ' "$DUMPS/xw-brevo-listed")" "Newsletter" \
    "back in the list, the cursor is on the export just saved"
dump_has xw-brevo-listed 'Through "Brevo"' "and the details describe it"
run "$SEGSYNC" -w ws export show Newsletter
like "$out" "12 (Newsletter (été))" "the list found at Brevo"
like "$out" "firstname            <- first_name" "first names matched by name"
like "$out" "Schedule:    on every scheduled refresh" "scheduled, through an export user"
unlike "$out" "Clients fidèles" "only the segment chosen"

# Run now: asked first, started in the background, followed in Runs.
ui_keys run <<'EOT'
keys er
dump xr-run-ask
keys y
dump xr-started
keys q
EOT
ui_run run --passphrase-file "$PP"
is "$rc" 0 "Run now from the exports list"
golden xr-run-ask "r asks before sending, saying what goes where"
dump_has xr-started 'segsync › Run of "Newsletter"' \
    "then the new run's progress screen opens"
dump_has xr-started "started; it goes on in the background" \
    "which goes on in the background"
wait_runs
run "$SEGSYNC" -w ws runs
like "$out" "succeeded" "the run finished at the fake Braze"
ui_keys runs <<'EOT'
keys r
dump xr-finished
keys q
EOT
ui_run runs --passphrase-file "$PP"
# Not a golden: the run's duration is its own.
ok "$(grep -q 'Newsletter  *succeeded' "$DUMPS/xr-finished"; echo $?)" \
    "Runs: the run and how it ended"
dump_has xr-finished "\"Newsletter\" to the Sendinblue list ID \"12\"" \
    "and where it sent"
dump_has xr-finished " with 2 rejected: the rejected records say why." \
    "a success with rejected profiles says so"
dump_has xr-finished "Read 50, sent 48, accepted 48, rejected 2, duplicates 0" \
    "and its counts"

# Run now says what a run would do against what the last one left: in
# "VIP customers", the second profile's first name changes and one
# profile joins; "VIP to Braze" (mirror, at most 5 %) loses ten of the 30
# "Clients fidèles", more than its guard allows.
run "$SEGSYNC" -w ws run "VIP to Braze" --passphrase-file "$PP"
is "$rc" 0 "VIP to Braze's first run, from the command line"
awk -F, 'NR == 3 { sub(/^[^,]*,[^,]*,[^,]*/, $1 "," $2 ",Renamed") } 1' \
    "ws/data/VIP customers.csv" >"$TMPD/vip.csv"
printf 'N-1,new.member@example.org,Nadia,New,,Gent\n' >>"$TMPD/vip.csv"
mv "$TMPD/vip.csv" "ws/data/VIP customers.csv"
head -21 "ws/data/Clients fidèles.csv" >"$TMPD/cf.csv"
mv "$TMPD/cf.csv" "ws/data/Clients fidèles.csv"
ui_keys plan <<'EOT'
keys er
dump xr-plan-upsert
keys <Esc><Down>r
dump xr-plan-guard
keys <Esc>q
EOT
ui_run plan --passphrase-file "$PP"
is "$rc" 0 "Run now again, on both exports"
dump_has xr-plan-upsert "1 to add, 1 to update, 47 unchanged." \
    "Run now says what the run would add, update and leave alone"
dump_has xr-plan-guard "Run anyway?" \
    "a guard that would stop the run is said before it starts"
dump_has xr-plan-guard "remove 10 of the 76 members (14%)" \
    "with the share it would remove"
dump_has xr-plan-guard "of 5%." "and the limit"
dump_has xr-plan-guard "to remove" "and what would be removed"
is "$($FAKECTL get "$TMPD/fake-braze" stats.over_limit)" 0 \
    "the fake Braze saw nothing over its limits"

# The guard stops the run for real: Home says so until a run goes ahead.
run "$SEGSYNC" -w ws run "VIP to Braze" --passphrase-file "$PP"
unlike "$rc" 0 "the command line's run stops at the guard"
ui_keys home <<'EOT'
dump xr-home-guard
keys e<Down>r<Left><Enter>
dump xr-anyway-again
keys <Left><Enter>
dump xr-anyway-started
keys q
EOT
ui_run home --passphrase-file "$PP"
dump_has xr-home-guard 'A guard stopped the last run of "VIP to Braze"' \
    "Home says a guard stopped the export's last run"
dump_has xr-home-guard "1 stopped by a guard" "and so does its Runs line"
dump_has xr-anyway-again "Really run anyway?" \
    "running it anyway from Run now asks a second time"
dump_has xr-anyway-started 'segsync › Run of "VIP to Braze"' \
    "then the forced run starts"
wait_runs
ui_keys home2 <<'EOT'
dump xr-home-after
keys q
EOT
ui_run home2 --passphrase-file "$PP"
unlike "$(cat "$DUMPS/xr-home-after" 2>/dev/null)" "A guard stopped" \
    "once a run goes ahead, Home says no more of the guard"
# Email mapped to a first-name column: the matching step warns, from the
# examples it shows, and Next asks once more before going on.
ui_keys wrongmail <<'EOT'
keys ea<Enter>Wrong mail<Enter>seg-vip<Enter>
keys <Enter>
dump xw-4-email-ok
keys <Enter><Down><Enter>
dump xw-4-email-warning
keys <Tab><Enter>
dump xw-4-email-ask
keys <Enter>
dump xw-4-email-kept
EOT
ui_run wrongmail --passphrase-file "$PP"
is "$rc" 0 "the wizard with Email mapped to first names"
unlike "$(cat "$DUMPS/xw-4-email-ok")" "are not email addresses" \
    "the matching step found by name says nothing of the email"
golden xw-4-email-warning \
    "Email mapped to first_name: the step warns, naming the field"
dump_has xw-4-email-ask "Press Next again to keep \"first_name\" for the email." \
    "Next asks once more"
dump_has xw-4-email-ask "Step 4 of 7" "and stays on the step"
dump_has xw-4-email-kept "Step 5 of 7" "Next again goes on to the segments"
run "$SEGSYNC" -w ws export show "Wrong mail"
is "$rc" 4 "nothing was saved"

# A status-line message too long for the line: F8 reads it whole.
printf 'email,customer_id,first_name_of_the_customer_as_typed_at_the_shop\n' \
    >ws/data/Long.csv
printf 'a@example.com,C1,Ann\nb@example.com,C2,Bob\n' >>ws/data/Long.csv
ui_keys longmsg <<'EOT'
keys ea<Enter>Long<Enter>seg-vip<Enter>
keys <Enter><Enter><End><Enter>
keys <Tab><Enter>
dump xw-long-message
keys <F8>
dump xw-long-whole
EOT
ui_run longmsg --passphrase-file "$PP"
like "$(tail -2 "$DUMPS/xw-long-message")" "…" \
    "a message longer than the status line is cut"
like "$(tail -1 "$DUMPS/xw-long-message")" "F8 whole message" \
    "and the help bar offers F8"
dump_has xw-long-whole "The last message" "F8 opens the last message"
dump_has xw-long-whole '"first_name_of_the_customer_as_typed_at_the_shop" for the' \
    "whole"

# Pick, don't type: F4 lists what the connection can see, / searches, and
# Enter takes one, found there already.
$FAKECTL config "$TMPD/fake-braze" '{"braze": {"segments": [
    {"id": "seg-vip", "name": "VIP (Braze)"},
    {"id": "seg-lapsed", "name": "Lapsed customers"},
    {"id": "seg-new", "name": "New this week"}]}}' >/dev/null ||
    fail_all "the fake Braze took no configuration"
$FAKECTL config "$TMPD/fake-brevo" '{"brevo": {"folders": [
    {"id": 1, "name": "Clients"}]}}' >/dev/null ||
    fail_all "the fake Brevo took no configuration"
ui_keys pick <<'EOT'
keys ea<Enter>Picked<Enter>
dump xw-3-target-f4
keys <F4>
dump xw-3-picker
keys /laps<Enter>
dump xw-3-picker-search
keys <Enter>
dump xw-3-picked
keys <Enter>
dump xw-3-picked-next
EOT
ui_run pick --passphrase-file "$PP"
like "$(tail -1 "$DUMPS/xw-3-target-f4")" "F4 list" "the target step offers F4"
dump_has xw-3-picker "Lapsed customers" "F4 lists the Braze segments"
dump_has xw-3-picker "seg-new" "with their API identifiers"
like "$(grep '^ > ' "$DUMPS/xw-3-picker-search")" "Lapsed customers" \
    "/ finds one by name"
dump_has xw-3-picked "seg-lapsed" "Enter puts the chosen ID in the field"
dump_has xw-3-picked 'Chosen from what Braze lists: "Lapsed customers"' \
    "found there already, by name"
dump_has xw-3-picked-next "Step 4 of 7: Data matching" \
    "and Next goes on without another lookup"

ui_keys pickb <<'EOT'
keys ea<Down><Enter>Picked list<Enter><F4>
dump xw-brevo-picker
EOT
ui_run pickb --passphrase-file "$PP"
dump_has xw-brevo-picker "Newsletter (été)" "F4 lists the Brevo lists"
ok "$(grep -q 'Newsletter (été) .*folder "Clients", [0-9][0-9]* contacts' \
    "$DUMPS/xw-brevo-picker"; echo $?)" "with their folder and size"

# Run now says when the rejected share would fail the run.
"$SEGSYNC" -w ws export add --name "Wrong email" --connection "Braze EU" \
    --target seg-vip --map email=first_name --map customer_id=customer_id \
    --segment "VIP customers" --passphrase-file "$PP" >/dev/null || exit 99
ui_keys wrongrun <<'EOT'
keys e<End>r
dump xr-wrong-ask
EOT
ui_run wrongrun --passphrase-file "$PP"
# The box's text, its lines joined.
box=$("${PYTHON3:-python3}" -c '
import sys
out = []
for l in open(sys.argv[1], encoding="utf-8"):
    if l.count("\u2502") >= 2:
        out.append(l[l.index("\u2502") + 1:l.rindex("\u2502")].strip())
print(" ".join(out))' "$DUMPS/xr-wrong-ask")
like "$box" "The run would fail: 51 of the 51 profiles (100%) were rejected" \
    "Run now says the run would fail on its rejected share"

done_testing
