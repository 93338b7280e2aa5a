# End to end in a real terminal (tmux, 80x24): a newcomer unlocks, adds a
# Braze connection and an export against the fake Braze, with the usual
# mistakes (an invalid name, a wrong key, no export name, no segment),
# and the terminal resized in the middle of each wizard.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
ui_workspace
fake_start braze braze '{"braze": {"keys": {"braze-good-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
BRAZE=$fake_url

tm_start || fail_all "tmux cannot start a session"
tm_wait "Unlock your key" "segsync opens on the unlock screen"
tm_type "admin passphrase"
tm_keys Enter
tm_wait "Welcome," "the passphrase unlocks, and home says what to do"

# The connection wizard.
tm_keys c a
tm_wait "Step 1 of 8: Destination" "a opens the connection wizard"
tm_keys Enter
tm_wait "Step 2 of 8: Name" "Braze is the first destination"
tm_type " Braze EU"
tm_wait "The name starts or ends with a space." \
    "an invalid name is said as it is typed"
tm_keys Home Delete Enter
tm_wait "Step 3 of 8: Who can use it" "a valid name goes on"
tm_keys Enter
tm_wait "Step 4 of 8: Credentials" "administrators only, then credentials"
tm_type "braze-wrong-key-0000"
tm_keys Tab Down
tm_wait "rest.iad-01.braze.com" "Down lists the Braze instances"
tm_keys Down Down Enter Tab
tm_type "$BRAZE"
tm_resize 100 30
tm_wait "Base URL (optional)  http://127.0.0.1:" \
    "resized in the middle of the wizard: nothing is lost"
tm_resize 60 20
tm_wait "segsync needs at least 80x24" "too small: the screen says so"
tm_resize 80 24
tm_wait "REST endpoint        rest.iad-03.braze.com" \
    "back at 80x24, the wizard is as it was"
tm_keys Enter
tm_wait "Step 5 of 8: Data privacy" "then the privacy notice"
tm_keys Enter
tm_wait 'Tick "I agree"' "going on without agreeing is refused"
tm_keys Space Enter
tm_wait "Braze refused the credentials (401)" \
    "the wrong key is refused, in words"
tm_keys Enter
tm_wait "Step 4 of 8: Credentials" "Back to credentials"
tm_keys C-u
tm_type "braze-good-key-1234"
tm_keys Enter Enter
tm_wait "Braze accepted the API key" "the right key works"
tm_keys Enter
tm_wait "Step 7 of 8: Export user" "then the export user"
tm_keys Enter
tm_wait "Step 8 of 8: Save" "and Save, with a summary"
tm_keys Enter
tm_wait 'Saved the connection "Braze EU" (Braze).' "the connection is saved"
case $(tm_screen) in
*braze-good-key*|*braze-wrong-key*) ok 1 "no key ever shows on screen" ;;
*) ok 0 "no key ever shows on screen" ;;
esac

# The export wizard.
tm_keys Escape e a
tm_wait "Step 1 of 7: Connection" "e a opens the export wizard"
tm_wait "Braze EU" "the connection is offered under Braze"
tm_keys Enter
tm_wait "Step 2 of 7: Display name" "then its name"
tm_keys Enter
tm_wait "Give the export a name first." "an empty name is refused"
tm_type "VIP to Braze"
tm_keys Enter
tm_wait "Step 3 of 7: Destination target" "then the target"
tm_type "seg-vip"
tm_keys Enter
tm_wait 'Found the Braze segment "VIP (Braze)"' \
    "the segment is looked up and its name shown"
tm_keys Enter
tm_wait "Step 4 of 7: Data matching" "then the data matching"
tm_resize 120 40
tm_wait "Braze customer ID (required)" "resized in the middle: still there"
tm_resize 80 24
tm_wait "+ Add a custom attribute" "and back"
tm_keys Tab Enter
tm_wait "Step 5 of 7: Segments" "then the segments"
tm_keys Enter
tm_wait "Choose at least one segment" "no segment chosen is refused"
tm_keys Space Enter
tm_wait "Step 6 of 7: Mode" "then the mode"
tm_wait "(•) Add and update only" "which is add and update by default"
tm_keys Down
tm_wait "Maximum removal share (%)" "keeping in step asks for the removal share"
tm_keys Tab C-u
tm_type "25"
tm_keys Enter
tm_wait "Step 7 of 7: Save" "then Save"
tm_wait "at most 25% of the members a run" "which says the mode and its share"
tm_keys Enter
tm_wait "Saving did not run it" "saving says it did not run the export"
tm_keys Enter
tm_wait "r run now" "and leaves the choice to run it to the member"
tm_keys Escape q
tm_wait "SEGSYNC-EXIT=0" "q quits, and the terminal is given back"

run "$SEGSYNC" -w ws export show "VIP to Braze"
like "$out" "seg-vip (VIP (Braze))" "the export is saved with its target"
run "$SEGSYNC" -w ws export show "VIP to Braze" --json
like "$(printf '%s' "$out" | tr -d ' \t')" '"mode":"mirror"' "in the mode chosen"
like "$(printf '%s' "$out" | tr -d ' \t')" '"max_removals":25' \
    "with the share typed"
run "$SEGSYNC" -w ws connection show "Braze EU"
like "$out" "Last test:" "the connection with its test"
done_testing
