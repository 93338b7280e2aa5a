# The connection wizard headless, step by step against the fake Braze,
# Brevo and Snapchat servers: every documented step in order, the
# mistakes a newcomer makes (an invalid name, a wrong key, going on
# without agreeing), a resize in the middle, then changing a connection
# without retyping its secret, testing it again and removing it.
. "$top_srcdir/tests/ui/lib.sh"
ui_workspace
PP=$TMPD/admin.pp

fake_start braze braze '{"braze": {"keys": {"braze-good-key-1234":
    {"permissions": ["users.track", "segments.list"]}}}}' ||
    fail_all "the fake Braze did not start"
BRAZE=$fake_url
fake_start brevo brevo '{"brevo": {"keys": {"xkeysib-good-5678": {}},
    "account": {"email": "owner@example.com", "companyName": "Example Ltd"}}}' ||
    fail_all "the fake Brevo did not start"
BREVO=$fake_url
fake_start snap snapchat '{"snapchat": {"client_secret": "snap-secret-42",
    "codes": ["code-1", "code-2"]}}' ||
    fail_all "the fake Snapchat did not start"
SNAP=$fake_url

ui_keys braze <<EOT
keys ca
dump cw-1-destination
keys <Enter>
dump cw-2-name
keys <Space>Braze EU
dump cw-2-name-invalid
keys <Home><Del><Enter>
dump cw-3-who
keys <Enter>
dump cw-4-credentials
keys braze-wrong-key-0000<Tab><Down><Down><Down>
dump cw-4-suggestions
keys <Enter><Tab>$BRAZE
resize 100x30
dump cw-4-resized
resize 80x24
keys <Enter>
dump cw-5-privacy
keys <Enter>
dump cw-5-privacy-refused
keys <Space><Enter>
dump cw-6-connect-failed
keys <Enter>
dump cw-6-back-to-credentials
keys braze-good-key-1234<Enter><Enter>
dump cw-6-connect-ok
keys <Enter>
dump cw-7-export-user
keys <Space><Enter>
dump cw-8-save
keys <Enter>
dump cw-saved
keys q
EOT
ui_run braze --passphrase-file "$PP"
is "$rc" 0 "the wizard runs to the end"
for d in cw-1-destination cw-2-name cw-2-name-invalid cw-3-who \
    cw-4-credentials cw-4-suggestions cw-4-resized cw-5-privacy \
    cw-5-privacy-refused cw-6-connect-failed cw-6-back-to-credentials \
    cw-6-connect-ok cw-7-export-user cw-8-save cw-saved; do
	golden "$d" "connection wizard, Braze: $d"
done
grep -rl -e 'braze-good-key' -e 'braze-wrong-key' "$DUMPS" >"$TMPD/leaks"
is "$(cat "$TMPD/leaks")" "" "no key ever shows on screen"
run "$SEGSYNC" -w ws connection show "Braze EU" --unlock --passphrase-file "$PP"
is "$rc" 0 "the connection is saved"
like "$out" "Export user:    $(id -un)" "with its export user"
like "$out" "endpoint        rest.iad-03.braze.com" \
    "the endpoint picked from the suggestions"
like "$out" "••••••••1234 (decrypted for you" "and the key that worked"
like "$out" "Last test:      " "and the test's outcome"
grep -q braze-good-key ws/connections/* 2>/dev/null
ok $(($? == 0)) "the key is not in the connection's files in clear"

# Sendinblue (Brevo): one secret; Snapchat: the OAuth app's fields.
ui_keys brevo <<EOT
keys ca<Down><Enter>Brevo<Enter><Down><Enter>xkeysib-good-5678<Tab>$BREVO<Enter>
dump cw-brevo-privacy
keys <Space><Enter>
dump cw-brevo-connect
keys <Enter><Enter><Enter>
dump cw-brevo-saved
keys a<Down><Down><Enter>Snap<Enter><Enter>
dump cw-snapchat-credentials
keys <Enter>
dump cw-snapchat-missing
keys snap-client<Tab>snap-secret-42<Tab>http://127.0.0.1/callback<Tab>
keys $SNAP/v1<Tab>$SNAP<Enter>
dump cw-snapchat-authorize
keys <Enter>
dump cw-snapchat-no-code
keys code-9<Enter>
dump cw-snapchat-wrong-code
keys <F3>
dump cw-snapchat-address-alone
keys <Enter>code-1<Enter>
dump cw-snapchat-privacy
keys <Space><Enter>
dump cw-snapchat-connect
keys <Enter><Enter>
dump cw-snapchat-save
keys <Enter>q
EOT
ui_run brevo --passphrase-file "$PP"
is "$rc" 0 "Sendinblue and Snapchat connections through the wizard"
for d in cw-brevo-privacy cw-brevo-connect cw-brevo-saved \
    cw-snapchat-credentials cw-snapchat-missing cw-snapchat-no-code \
    cw-snapchat-privacy cw-snapchat-connect cw-snapchat-save; do
	golden "$d" "connection wizard: $d"
done
# The address carries a random state: checked by its parts.
dump_has cw-snapchat-authorize "Step 5 of 9: Credentials: authorization" \
    "Snapchat: the authorization step comes after the credentials"
dump_has cw-snapchat-authorize \
    "/login/oauth2/authorize?response_type=code&client_id=" \
    "the authorization address is shown in full"
dump_has cw-snapchat-wrong-code "refused the authorization code" \
    "a wrong code is refused in words"
dump_has cw-snapchat-address-alone "scope=snapchat-marketing-api&state=" \
    "F3 shows the address alone"
grep -rl -e snap-secret-42 -e code-1 "$DUMPS" >"$TMPD/leaks"
is "$(cat "$TMPD/leaks")" "" "neither the client secret nor a code shows"
run "$SEGSYNC" -w ws connection show Snap
like "$out" "oauth_refresh_token stored encrypted" \
    "the refresh token is stored encrypted"
run "$SEGSYNC" -w ws connection list
like "$out" "Brevo " "the Sendinblue connection is saved"
like "$out" "Snap " "the Snapchat one too"

# Change "Braze EU": open it to contributors without retyping the key.
ui_keys edit <<'EOT'
keys c<Enter>
dump ce-1-name
keys <Enter><Down>
dump ce-2-who
keys <Enter>
dump ce-3-credentials
keys <Enter>
dump ce-4-connect
keys <Enter><Enter>
dump ce-6-save
keys <Enter>
dump ce-saved
keys q
EOT
ui_run edit --passphrase-file "$PP"
is "$rc" 0 "changing a connection"
run "$SEGSYNC" -w ws connection show "Braze EU" --unlock --passphrase-file "$PP"
like "$out" "administrators and contributors" "it is open to contributors now"
like "$out" "••••••••1234 (decrypted for you" "with the key it had"

ui_keys edit2 <<'EOT'
keys c
keys t
dump ce-retested
keys d
dump ce-remove-ask
keys y
dump ce-removed
keys q
EOT
ui_run edit2 --passphrase-file "$PP"
is "$rc" 0 "testing and removing"
for d in ce-1-name ce-2-who ce-3-credentials ce-4-connect ce-6-save \
    ce-saved ce-retested ce-remove-ask ce-removed; do
	golden "$d" "changing a connection: $d"
done
run "$SEGSYNC" -w ws connection list
unlike "$out" "Braze EU" "the removed connection is gone"
is "$(ls ws/connections | grep -c '\.secrets$')" 2 \
    "and its encrypted credentials with it"
# Snapchat no longer accepts the refresh token: the test says so, and
# "Back to credentials" opens the code step, where a pasted redirect
# address belongs, with a new address; an empty code no longer keeps the
# refused authorization.
$FAKECTL config "$TMPD/fake-snap" '{"revoke_tokens": "all"}' \
    >/dev/null || fail_all "the fake Snapchat took no configuration"
ui_keys reauth <<'EOT'
keys c<Down><Enter>
keys <Enter><Enter><Enter><Enter>
dump cr-connect
keys <Left><Enter>
dump cr-refused
keys <Enter>
dump cr-code-step
keys <Enter>
dump cr-code-needed
keys http://127.0.0.1/callback?code=code-2&state=x<Enter>
dump cr-state
keys code-2<Enter>
dump cr-authorized
EOT
ui_run reauth --passphrase-file "$PP"
dump_has cr-refused "no longer accepts the refresh token" \
    "the test of a revoked Snapchat connection says so"
dump_has cr-refused "Back to credentials" "and offers Back to credentials"
dump_has cr-code-step "Paste here the whole address" \
    "which opens the code step, not the client's fields"
like "$(grep '^ > ' "$DUMPS/cr-code-step")" "Code or address" \
    "with the code field focused"
dump_has cr-code-step "Snapchat refused the saved authorization: authorize again." \
    "saying why a new code is needed"
dump_has cr-code-step "/login/oauth2/authorize?response_type=code&client_id=" \
    "with the address to open"
dump_has cr-code-needed "The saved authorization was refused" \
    "an empty code is not taken for keeping it"
dump_has cr-state "The state in the pasted address is not the one of this" \
    "a pasted redirect address lands in the code field and is read there"
dump_has cr-state "Paste here the whole address" "which stays open to paste again"
dump_has cr-authorized "Step 5 of 7: Connect" \
    "a new code authorizes again and goes on to the test"

# Pasted with the spaces around them: a name and a key are trimmed, and
# the status line says so, rather than the test refusing the key.
ui_keys trim <<EOT
keys ca<Enter>  Braze Trim  <Enter>
dump ct-name
keys <Enter>  braze-good-key-1234  <Tab>rest.iad-01.braze.com<Tab>$BRAZE<Enter>
dump ct-creds
keys <Space><Enter>
dump ct-connect
keys <Enter><Enter><Enter>
dump ct-saved
EOT
ui_run trim --passphrase-file "$PP"
dump_has ct-name "Removed the spaces around Display name." \
    "the name's spaces go, said so"
dump_has ct-creds "Removed the spaces around REST API key." \
    "so do the key's"
dump_has ct-connect "Braze accepted the API key" \
    "and the trimmed key works"
run "$SEGSYNC" -w ws --json connection list
like "$out" '"name":	"Braze Trim"' "it is saved under the trimmed name"

done_testing
