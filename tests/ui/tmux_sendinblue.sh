# End to end in tmux (80x24): a Sendinblue (Brevo) connection and an
# export to one of its lists against the fake Brevo, with a wrong key, a
# list ID that is not a number, then one that does not exist, and a
# resize in the middle of each wizard.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
ui_workspace
fake_start brevo brevo '{"brevo": {"keys": {"xkeysib-good-5678": {}},
    "account": {"email": "owner@example.com", "companyName": "Example Ltd"},
    "lists": [{"id": 12, "name": "Newsletter (été)", "size": 41}]}}' ||
    fail_all "the fake Brevo did not start"
BREVO=$fake_url

tm_start --passphrase-file "$TMPD/admin.pp" ||
    fail_all "tmux cannot start a session"
tm_wait "Welcome," "a passphrase file unlocks without asking"
tm_keys c a Down Enter
tm_wait "Step 2 of 8: Name" "Sendinblue chosen"
tm_type "Brevo"
tm_keys Enter Down Enter
tm_wait "Step 4 of 8: Credentials" "open to contributors, then credentials"
tm_wait "API key" "Sendinblue asks for its API key"
tm_type "xkeysib-wrong-0000"
tm_keys Tab
tm_type "$BREVO"
tm_resize 90 28
tm_wait "Base URL (optional)" "resized in the middle: nothing is lost"
tm_resize 80 24
tm_keys Enter Space Enter
tm_wait "no account has this key" "a wrong key is refused in words"
tm_keys Enter C-u
tm_type "xkeysib-good-5678"
tm_keys Enter Enter
tm_wait "account owner@example.com (Example Ltd)" \
    "the test says which account answered"
tm_keys Enter Space Enter Enter
tm_wait 'Saved the connection "Brevo"' "saved, with an export user"

tm_keys Escape e a
tm_wait "Sendinblue (Brevo)" "the export wizard lists it by destination"
tm_keys Enter
tm_type "Newsletter"
tm_keys Enter
tm_wait "Sendinblue list ID" "the target is a Sendinblue list ID"
tm_type "abc"
tm_wait "not a Sendinblue list ID" "a list ID that is not a number is said"
tm_keys C-u
tm_type "99"
tm_keys Enter
tm_wait "list 99 does not exist" "a list the account does not have is said"
tm_resize 100 30
tm_wait "Look it up" "resized in the middle: the step is as it was"
tm_resize 80 24
tm_keys C-u
tm_type "12"
tm_keys Enter
tm_wait 'Found the Brevo list "Newsletter (été)" (ID 12)' \
    "the list is found, with its name at Brevo"
tm_keys Enter
tm_wait "First name (FIRSTNAME)" "Sendinblue's fields are offered"
tm_keys Tab Enter Down Space Enter
tm_wait "Step 6 of 7: Mode" "then the mode"
tm_keys Enter
tm_wait "Run it on every scheduled refresh" \
    "scheduled refresh, since the connection has an export user"
tm_keys Space Tab Enter
tm_wait "it runs on every scheduled refresh" "saved, and says it did not run"
tm_keys Enter Escape q
tm_wait "SEGSYNC-EXIT=0" "q quits cleanly"
run "$SEGSYNC" -w ws export show Newsletter
like "$out" "12 (Newsletter (été))" "the export is saved with its list"
like "$out" "Schedule:    on every scheduled refresh" "and scheduled"
done_testing
