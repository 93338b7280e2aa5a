# End to end in tmux (80x24): a Snapchat connection through OAuth over
# "SSH" (the address shown, a code pasted back) and an export to an
# audience, against the fake Snapchat, with a wrong code and a resize in
# the middle of each wizard.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
ui_workspace
fake_start snap snapchat '{"snapchat": {"client_secret": "snap-secret-42",
    "codes": ["code-1"],
    "segments": [{"id": "111", "name": "Sams", "approximate_number_users": 1200}]}}' ||
    fail_all "the fake Snapchat did not start"
SNAP=$fake_url

tm_start --passphrase-file "$TMPD/admin.pp" ||
    fail_all "tmux cannot start a session"
tm_wait "Welcome," "unlocked"
tm_keys c a Down Down Enter
tm_wait "Step 2 of 9: Name" "Snapchat has one more step: the authorization"
tm_type "Snap"
tm_keys Enter Enter
tm_wait "OAuth client ID" "the OAuth app's fields"
tm_type "snap-client"
tm_keys Tab
tm_type "snap-secret-42"
tm_keys Tab
tm_type "http://127.0.0.1/callback"
tm_keys Tab
tm_type "$SNAP/v1"
tm_keys Tab
tm_type "$SNAP"
tm_keys Enter
tm_wait "Step 5 of 9: Credentials: authorization" "then the authorization"
tm_wait "/login/oauth2/authorize?response_type=code&client_id=" \
    "the address to open is shown in full"
tm_resize 120 30
tm_wait "scope=snapchat-marketing-api&state=" \
    "resized in the middle: the address rewraps"
tm_resize 80 24
tm_type "code-9"
tm_keys Enter
tm_wait "refused the authorization code" "a wrong code is refused in words"
tm_type "code-1"
tm_keys Enter
tm_wait "Step 6 of 9: Data privacy" "the right code is exchanged"
tm_keys Space Enter
tm_wait "Snapchat accepted the authorization" "and the test passes"
tm_keys Enter Enter Enter
tm_wait 'Saved the connection "Snap"' "saved"

tm_keys Escape e a Enter
tm_type "Sams"
tm_keys Enter
tm_wait "Snapchat audience ID" "the target is an audience"
tm_type "111"
tm_keys Enter
tm_wait "Sams" "the audience is looked up"
tm_keys Enter
tm_wait "Email (sent SHA-256 hashed)" "emails only, hashed"
tm_resize 100 30
tm_wait "Email (sent SHA-256 hashed)" "resized in the middle"
tm_resize 80 24
tm_keys Tab Enter Space Enter
tm_wait "Step 6 of 7: Mode" "then the mode"
tm_keys Enter Enter
tm_wait "Saving did not run it" "saved, not run"
tm_keys Enter Escape q
tm_wait "SEGSYNC-EXIT=0" "q quits cleanly"
run "$SEGSYNC" -w ws export show Sams
like "$out" "111" "the export is saved with its audience"
done_testing
