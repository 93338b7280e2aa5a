# Snapchat connections through OAuth (authorization address, code or
# redirect address pasted back, tokens exchanged and tested before saving),
# refresh-token rotation saved under the workspace lock, revocation, and
# exports whose audience is looked up: against the fake Snapchat. The
# client secret and every token must stay out of argv, files and output.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
PY=${PYTHON3:-python3}
FAKECTL="$PY $top_srcdir/tests/fakes/fakectl.py"
W=$TMPD/ws
D=$TMPD/data
IN=$TMPD/inputs			# where secrets are allowed to be
LOG=$TMPD/all-output.log
mkdir -p "$D" "$IN"
chmod 700 "$IN"
printf 'email,name\nann@example.com,Ann\n Bob@Example.COM ,Bob\n' \
    >"$D/VIP.csv"

CANARY=CANARY-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$CANARY" >"$IN/secret"
chmod 600 "$IN/secret"
cat >"$IN/fake.json" <<EOT
{"snapchat": {"client_secret": "$CANARY",
  "codes": ["code-1", "code-2", "code-3", "code-4"],
  "segments": [{"id": "111", "name": "Sams", "approximate_number_users": 1200}]}}
EOT
BASE=$($FAKECTL start "$IN/fake" --dest snapchat --config "$IN/fake.json") ||
    fail_all "the fake Snapchat server did not start"
stop_fake() { $FAKECTL stop "$IN/fake" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
logrun() {
	run "$@"
	printf '%s\n%s\n' "$out" "$err" >>"$LOG"
}
code() { printf '%s\n' "$1" >"$IN/code"; echo "$IN/code"; }
# add NAME SECRET_FILE [more options]
add() {
	t_name=$1 t_secret=$2
	shift 2
	logrun "$S" -w "$W" connection add --type snapchat --name "$t_name" \
	    --agree-privacy --client-id snap-client \
	    --client-secret-file "$t_secret" \
	    --redirect-uri http://127.0.0.1/callback \
	    --base-url "$BASE/v1" --auth-url "$BASE" "$@"
}
nconn() { ls "$W/connections" | grep -c '\.json$'; }
fake() { $FAKECTL get "$IN/fake" "$1"; }

# The authorization address, and a code pasted back from a file.
add Snap "$IN/secret" --auth-code-file "$(code code-1)"
is "$rc" 0 "a Snapchat connection is authorized, tested and saved"
like "$out" "$BASE/login/oauth2/authorize?response_type=code&client_id=snap-client&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&scope=snapchat-marketing-api&state=" \
    "the authorization address is shown, with the scope and a state"
like "$out" "signed in as Fake Owner (owner@example.com)" \
    "the test says who authorized (GET /v1/me)"
like "$out" "Saved the connection \"Snap\" (Snapchat)" "and it is saved"
unlike "$out" "later version" "without the untested notice"
logrun "$S" -w "$W" connection show Snap
like "$out" "oauth_refresh_token stored encrypted" \
    "the refresh token is in the encrypted record"

# Wrong code, wrong secret: in words, nothing saved.
add Bad "$IN/secret" --auth-code-file "$(code code-9)"
is "$rc" 3 "a wrong code exits 3"
like "$err" "refused the authorization code (invalid_grant" "in words"
like "$err" "nothing was saved" "and nothing is saved"
add Bad "$IN/secret" --auth-code-file "$(code code-1)"
is "$rc" 3 "a code used already exits 3"
printf 'wrong-secret\n' >"$IN/wrong"
add Bad "$IN/wrong" --auth-code-file "$(code code-2)"
is "$rc" 3 "a wrong client secret exits 3"
like "$err" "client ID or client secret" "in words"
is "$(nconn)" 1 "only the authorized connection was saved"

# The whole redirect address, pasted into a FIFO once the address shows:
# the fake's authorize page redirects with a code and our state.
follow() {
	"$PY" - "$1" <<'EOT'
import http.client, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port)
c.request("GET", u.path + "?" + u.query)
r = c.getresponse()
print(r.getheader("Location"))
EOT
}
# paste NAME TRANSFORM: connection add reading from a FIFO; TRANSFORM
# (a sed script) turns the redirect address into what is pasted.
paste_add() {
	rm -f "$IN/fifo" "$TMPD/.out" "$TMPD/.err"
	mkfifo "$IN/fifo"
	(add "$1" "$IN/secret" --auth-code-file "$IN/fifo"; exit "$rc") &
	t_pid=$!
	t_i=0
	while ! grep -q 'state=' "$TMPD/.out" 2>/dev/null && [ $t_i -lt 100 ]; do
		sleep 0.1
		t_i=$((t_i + 1))
	done
	t_url=$(grep -o "$BASE/login/oauth2/authorize[^ ]*" "$TMPD/.out")
	follow "$t_url" | sed "$2" >"$IN/fifo"
	wait "$t_pid"
	rc=$?
	out=$(cat "$TMPD/.out")
	err=$(cat "$TMPD/.err")
	printf '%s\n%s\n' "$out" "$err" >>"$LOG"
}
paste_add Url 's/^/  /; s/$/\&utm_source=mail\&scope=snapchat-marketing-api#_  /'
is "$rc" 0 "a pasted redirect address with extra parameters and spaces around"
like "$out" "Saved the connection \"Url\"" "is taken"
paste_add Other 's/state=[0-9a-f]*/state=00112233445566778899aabbccddeeff/'
is "$rc" 4 "a redirect address with another state exits 4"
like "$err" "not the one of this authorization" "in words"
like "$err" "Nothing was saved" "and nothing is saved"

# A code pasted on standard input with a space in it (a broken line).
printf 'co de-3\n' | "$S" -w "$W" connection add --type snapchat --name Typed \
    --agree-privacy --client-id snap-client --client-secret-file "$IN/secret" \
    --redirect-uri http://127.0.0.1/callback --base-url "$BASE/v1" \
    --auth-url "$BASE" >"$TMPD/.out" 2>"$TMPD/.err"
rc=$?
err=$(cat "$TMPD/.err")
cat "$TMPD/.out" "$TMPD/.err" >>"$LOG"
is "$rc" 0 "a code pasted with a space in it is taken"
like "$err" "The code had 1 space or line break in it" "and the space named"

# Rotation: each test renews the token and saves the rotated one.
logrun "$S" -w "$W" connection test Snap
is "$rc" 0 "connection test renews the token"
r1=$(fake state.counts.refreshes)
logrun "$S" -w "$W" connection test Snap
is "$rc" 0 "and again with the rotated refresh token it saved"
is "$(fake state.counts.refreshes)" $((r1 + 1)) "one refresh each"
# Two processes at once: they take turns under the workspace lock.
r2=$(fake state.counts.refreshes)
"$S" -w "$W" connection test Snap >"$TMPD/t1" 2>&1 &
p1=$!
"$S" -w "$W" connection test Snap >"$TMPD/t2" 2>&1 &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
cat "$TMPD/t1" "$TMPD/t2" >>"$LOG"
ok $((s1 + s2)) "two concurrent tests of one connection both succeed"
is "$(fake state.counts.refreshes)" $((r2 + 2)) \
    "each renewed once, one after the other"
is "$(fake state.counts.families_revoked)" 0 \
    "neither burned the other's refresh token (no reuse seen)"
logrun "$S" -w "$W" connection test Snap
is "$rc" 0 "and the token saved last is the one that works"

# Audiences.
logrun "$S" -w "$W" export add --name E --connection Snap --target 111 \
    --map email=email --segment VIP
is "$rc" 0 "an export to an existing audience is saved"
like "$out" "Found the Snapchat audience \"Sams\" (ID 111): status ACTIVE, about 1200 users." \
    "with the audience's name, status and size"
unlike "$out" "unverified" "verified, not saved unverified"
logrun "$S" -w "$W" export add --name E2 --connection Snap --target 999 \
    --map email=email --segment VIP
is "$rc" 4 "an audience that does not exist exits 4"
like "$err" "audience 999 does not exist" "in words"
logrun "$S" -w "$W" export add --name E3 --connection Snap \
    --target '../../me' --map email=email --segment VIP
is "$rc" 4 "a target that is not an audience ID exits 4"
like "$err" "not a Snapchat audience ID" "in words"
logrun "$S" -w "$W" export add --name U --connection Snap --target 111 \
    --map email=email --segment VIP --mode update-only
is "$rc" 4 "--mode update-only on Snapchat exits 4"
like "$err" "Snapchat cannot be told to update only the profiles it already has, so an export to it cannot use the update-only mode" \
    "naming the destination"
like "$err" "choose upsert or mirror" "and saying what to choose instead"
logrun "$S" -w "$W" export show U
is "$rc" 4 "and the export was not saved"

# A run: the hashes of the normalised emails reach the audience, and
# nothing in clear; its access token is renewed on the way.
logrun "$S" -w "$W" run E
is "$rc" 0 "a run of the export succeeds"
hashes=$($FAKECTL state "$IN/fake" | "$PY" -c '
import json, sys
print(" ".join(json.load(sys.stdin)["segments"]["111"]["users"]["EMAIL_SHA256"]))')
want=$(for e in ann@example.com bob@example.com; do
	printf '%s' "$e" | sha256sum | cut -d' ' -f1; done | sort | tr '\n' ' ')
is "$hashes " "$want" "the audience holds exactly the SHA-256 of the normalised emails"
is "$(fake state.counts.bodies_with_at)" 0 "no email in clear reached Snapchat"

# Revoked: re-authorize, then it works again.
$FAKECTL config "$IN/fake" '{"revoke_tokens": "all"}' >/dev/null
logrun "$S" -w "$W" connection test Snap
is "$rc" 3 "a revoked authorization exits 3"
like "$err" "re-authorize connection \"Snap\"" "saying to re-authorize it"
logrun "$S" -w "$W" run E --full
is "$rc" 3 "a run on a revoked authorization fails with status 3"
like "$out$err" "re-authorize connection \"Snap\"" "saying to re-authorize it"
logrun "$S" -w "$W" connection authorize Snap --auth-code-file "$(code code-9)"
is "$rc" 3 "authorize with a wrong code exits 3"
logrun "$S" -w "$W" connection authorize Snap --auth-code-file "$(code code-4)"
is "$rc" 0 "connection authorize with a new code"
like "$out" "Authorized the connection \"Snap\"" "says so"
logrun "$S" -w "$W" connection test Snap
is "$rc" 0 "the connection works again"
logrun "$S" -w "$W" connection authorize Nope --auth-code-file "$IN/code"
is "$rc" 4 "authorize on an unknown connection exits 4"

is "$(fake stats.over_limit)" 0 "the fake saw no request over its rate limit"

# Leak scan: the client secret and every refresh token the fake issued
# never in the workspace, in any output, or in an argv.
$FAKECTL state "$IN/fake" | "$PY" -c '
import json, sys
for t in json.load(sys.stdin)["tokens"]["refresh"]:
    print(t)' >"$IN/tokens"
echo "$CANARY" >>"$IN/tokens"
[ "$(wc -l <"$IN/tokens")" -gt 5 ]
ok $? "the fake issued refresh tokens to look for"
! grep -r -F -f "$IN/tokens" "$W" "$TMPD/home" >/dev/null 2>&1
ok $? "no secret in clear in the workspace"
! grep -F -f "$IN/tokens" "$LOG" >/dev/null
ok $? "no secret in any output"
# The code file and secret file are the only way in: nothing in argv.
mkfifo "$IN/fifo2"
"$S" -w "$W" connection authorize Snap --auth-code-file "$IN/fifo2" \
    >/dev/null 2>&1 &
apid=$!
sleep 0.5
cmdline=$(tr '\0' ' ' </proc/$apid/cmdline 2>/dev/null)
echo never >"$IN/fifo2"
wait $apid
unlike "$cmdline" "$CANARY" "no secret in the command line of a running authorize"
like "$cmdline" "--auth-code-file" "(that was its command line)"
done_testing
