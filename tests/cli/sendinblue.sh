# Sendinblue (Brevo) connections tested before they are saved, and exports
# whose list is looked up at the destination: against the fake Brevo.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
mkdir -p "$D"
"$GEN" --rows 120 --seed 3 -o "$D/VIP.csv"

cat >"$TMPD/fake.json" <<'EOT'
{"brevo": {"keys": {"xkeysib-good-1234": {}},
  "account": {"email": "owner@example.com", "companyName": "Example Ltd"},
  "lists": [{"id": 12, "name": "Newsletter (été)", "size": 41}]}}
EOT
BASE=$($FAKECTL start "$TMPD/fake" --dest brevo --config "$TMPD/fake.json") ||
    skip_all "the fake Brevo server did not start"
stop_fake() { $FAKECTL stop "$TMPD/fake" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
key() { printf '%s\n' "$1" >"$TMPD/$1"; echo "$TMPD/$1"; }
# add NAME KEY [BASE_URL]
add() {
	run "$S" -w "$W" connection add --type sendinblue --name "$1" \
	    --agree-privacy --api-key-file "$(key "$2")" \
	    --base-url "${3:-$BASE}"
}
nconn() { ls "$W/connections" | grep -c '\.json$'; }

add Good xkeysib-good-1234
is "$rc" 0 "a Sendinblue connection whose key works is saved"
like "$out" "Brevo accepted the API key: account owner@example.com (Example Ltd)." \
    "and the test says which account answered"
unlike "$out" "comes in a later version" "without the untested notice"
add Bad xkeysib-bad-0000
is "$rc" 3 "a wrong key exits 3"
like "$err" "no account has this key" "in words"
like "$err" "nothing was saved" "and nothing is saved"
add Down xkeysib-good-1234 http://127.0.0.1:9/v3
is "$rc" 4 "an unreachable host exits 4"
like "$err" "Could not reach Brevo" "and says why"
add Plain xkeysib-good-1234 http://api.brevo.com/v3
is "$rc" 4 "http:// to a host that is not loopback exits 4"
unlike "$err" "Could not reach" "without any request being made"
is "$(nconn)" 1 "only the working connection was saved"
run "$S" -w "$W" connection test Good
is "$rc" 0 "connection test on the working key exits 0"

run "$S" -w "$W" export add --name N --connection Good --target Newsletter \
    --map email=email --segment VIP
is "$rc" 4 "a list ID that is not a number exits 4"
like "$err" "not a Sendinblue list ID" "in words"
run "$S" -w "$W" export add --name N --connection Good --target 99 \
    --map email=email --segment VIP
is "$rc" 4 "a list the account does not have exits 4"
like "$err" "list 99 does not exist in this account" "in words"
like "$err" "nothing was saved" "and nothing is saved"
run "$S" -w "$W" export add --name "VIP to Brevo" --connection Good \
    --target 12 --map email=email --map firstname=first_name \
    --map lastname=last_name --map phone=phone --segment VIP
is "$rc" 0 "an export to an existing list is saved"
like "$out" "Found the Brevo list \"Newsletter (été)\" (ID 12) with 41 contacts." \
    "showing the list's name and size at Brevo"
like "$out" "120 profiles" "and how many profiles it covers"
run "$S" -w "$W" export show "VIP to Brevo"
like "$out" "Newsletter (été)" "export show names the list"

is "$($FAKECTL get "$TMPD/fake" stats.over_limit)" 0 \
    "the fake saw no request over its rate limit"
done_testing
