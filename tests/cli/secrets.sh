# Secrets through the command line (issue 3): unlock sources and their
# failures, passphrase change, key files, tampering, the contributor
# policy across real Unix users, and a canary that must never leak.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
W=$TMPD/ws
LOG=$TMPD/all-output.log
IN=$TMPD/inputs			# where the canary is allowed to be
mkdir -p "$IN"
chmod 700 "$IN"

CANARY=CANARY-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$CANARY" >"$IN/api.key"
chmod 600 "$IN/api.key"

# The Braze connections are tested against the fake Braze before they are
# saved; the canary is its valid key. The fake is the destination: the key
# may reach its state folder, which is inside $IN.
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
printf '{"braze": {"keys": {"%s": {"permissions": ["users.track", "segments.list"]}}}}\n' \
    "$CANARY" >"$IN/fake.json"
BASE=$($FAKECTL start "$IN/fake" --dest braze --config "$IN/fake.json") ||
    fail_all "the fake Braze server did not start"
# The Sendinblue connections likewise, against the fake Brevo.
printf '{"brevo": {"keys": {"%s": {}}}}\n' "$CANARY" >"$IN/fake-brevo.json"
BREVO=$($FAKECTL start "$IN/fake-brevo" --dest brevo \
    --config "$IN/fake-brevo.json") ||
    { $FAKECTL stop "$IN/fake" >/dev/null 2>&1;
      fail_all "the fake Brevo server did not start"; }
stop_fake() {
	$FAKECTL stop "$IN/fake" >/dev/null 2>&1
	$FAKECTL stop "$IN/fake-brevo" >/dev/null 2>&1
}
cleanup_hooks="$cleanup_hooks stop_fake"

# Run and keep every byte of output for the leak scan at the end.
logrun() {
	run "$@"
	printf '%s\n%s\n' "$out" "$err" >>"$LOG"
}

# No terminal and no passphrase file: fail at once, create nothing.
start=$(date +%s)
logrun timeout 10 setsid "$S" -w "$TMPD/nokey" init
is "$rc" 3 "init without a terminal or a passphrase file exits 3"
like "$err" "--passphrase-file" "and names the options to use"
[ $(($(date +%s) - start)) -lt 5 ]
ok $? "and fails at once (under 5 s)"
[ ! -e "$TMPD/nokey/workspace.json" ]
ok $? "and creates no workspace"

printf 'x\n' >"$TMPD/open.pp"
chmod 644 "$TMPD/open.pp"
logrun "$S" -w "$TMPD/open" init --passphrase-file "$TMPD/open.pp"
is "$rc" 3 "a passphrase file readable by others is refused"
like "$err" "too open" "like OpenSSH refuses private keys"

logrun ws_init "$W"
is "$rc" 0 "init with a passphrase file"
PP=$TMPD/admin.pp

# Connections: consent, type checks, secrets from files and stdin.
logrun "$S" -w "$W" connection add --type braze --name "Braze EU" \
    --api-key-file "$IN/api.key" --endpoint rest.fra-01.braze.eu --base-url "$BASE"
is "$rc" 2 "no connection without --agree-privacy"
like "$err" "personal data" "the privacy notice is shown"
like "$err" "nothing was saved" "and nothing is saved"
[ -z "$(ls "$W/connections")" ]
ok $? "the connections folder is still empty"
logrun "$S" -w "$W" connection add --type sendinblue --name X \
    --agree-privacy --api-key-file "$IN/api.key" --endpoint h \
    --base-url "$BREVO"
is "$rc" 2 "an option of another destination is a usage error"
logrun "$S" -w "$W" connection add --type braze --name X --agree-privacy \
    --api-key-file "$IN/api.key"
is "$rc" 2 "a Braze connection needs --endpoint"
: >"$IN/empty.key"
logrun "$S" -w "$W" connection add --type sendinblue --name X \
    --agree-privacy --api-key-file "$IN/empty.key" --base-url "$BREVO"
is "$rc" 4 "an empty API key file is refused"
logrun "$S" -w "$W" connection add --type braze --name "Braze EU" \
    --agree-privacy --api-key-file "$IN/api.key" \
    --endpoint rest.fra-01.braze.eu --base-url "$BASE"
is "$rc" 0 "a Braze connection is saved"
logrun "$S" -w "$W" connection add --type braze --name "Braze EU" \
    --agree-privacy --api-key-file "$IN/api.key" --endpoint x \
    --base-url "$BASE"
is "$rc" 4 "a second connection with the same name is refused"
logrun "$S" -w "$W" connection add --type sendinblue --name Brevo \
    --agree-privacy --contributors --export-user --api-key-file - \
    --base-url "$BREVO" <"$IN/api.key"
# (run redirects stdin from /dev/null, so call it directly here)
out=$("$S" -w "$W" connection add --type sendinblue --name Brevo \
    --agree-privacy --contributors --export-user --api-key-file - \
    --base-url "$BREVO" <"$IN/api.key" 2>&1)
ok $? "a Sendinblue connection is saved with the key from standard input"
printf '%s\n' "$out" >>"$LOG"
like "$out" "Brevo accepted the API key: account owner@example.com" \
    "once the fake Brevo accepted the key"
is "$(mode_of "$W/connections/$(ls "$W/connections" | grep -m1 secrets)")" \
    600 "secret records are 0600"

logrun "$S" -w "$W" connection list --json
is "$rc" 0 "connection list --json"
for key in '"name"' '"type"' '"usable_by"' '"export_user"' '"created_by"' \
    '"created_at"'; do
	like "$out" "$key" "connection list --json has $key"
done
unlike "$out" "masked" "connection list --json carries no secret, not even masked"
logrun "$S" -w "$W" connection show "Braze EU"
like "$out" "api_key" "show names the secret field"
like "$out" "stored encrypted" "without decrypting it"

logrun "$S" -w "$W" connection show "Braze EU" --unlock \
    --passphrase-file "$PP"
is "$rc" 0 "show --unlock decrypts with the passphrase file"
tail4=$(printf '%s' "$CANARY" | tail -c 4)
like "$out" "••••••••$tail4" "and shows the key masked (last 4 at most)"

# A wrong passphrase: status 3, a clear message, nothing written.
mkpass "$TMPD/wrong.pp" "not the passphrase"
snap() { (cd "$W" && find . -type f -exec sha256sum {} + | sort); }
snap >"$TMPD/snap1"
logrun "$S" -w "$W" connection show "Braze EU" --unlock \
    --passphrase-file "$TMPD/wrong.pp"
is "$rc" 3 "a wrong passphrase exits 3"
like "$err" "wrong passphrase for $W/identities/$(id -un).identity (or the file is damaged)" \
    "with the message naming the identity file"
is "$out" "" "and prints nothing on standard output"
snap >"$TMPD/snap2"
cmp -s "$TMPD/snap1" "$TMPD/snap2"
ok $? "and changes no file in the workspace"

# Unlocking without a terminal and without a key source fails fast.
start=$(date +%s)
logrun timeout 10 setsid "$S" -w "$W" connection show "Braze EU" --unlock
is "$rc" 3 "unlocking without a terminal or key source exits 3"
[ $(($(date +%s) - start)) -lt 5 ]
ok $? "at once"

# Passphrase change: only the identity file changes.
mkpass "$TMPD/new.pp" "a brand new passphrase"
(cd "$W/connections" && sha256sum ./*.secrets) >"$TMPD/rec1"
idsum=$(sha256sum <"$W/identities/$(id -un).identity")
logrun "$S" -w "$W" key passphrase --passphrase-file "$PP" \
    --new-passphrase-file "$TMPD/new.pp"
is "$rc" 0 "key passphrase"
(cd "$W/connections" && sha256sum ./*.secrets) >"$TMPD/rec2"
cmp -s "$TMPD/rec1" "$TMPD/rec2"
ok $? "every connection record is byte-identical"
[ "$idsum" != "$(sha256sum <"$W/identities/$(id -un).identity")" ]
ok $? "the identity file changed"
logrun "$S" -w "$W" connection show "Braze EU" --unlock --passphrase-file "$PP"
is "$rc" 3 "the old passphrase no longer unlocks"
logrun "$S" -w "$W" connection show "Braze EU" --unlock \
    --passphrase-file "$TMPD/new.pp"
is "$rc" 0 "the new one does"
PP=$TMPD/new.pp

# Key files for unattended runs.
logrun "$S" -w "$W" key add-file "$IN/cron.key" --passphrase-file "$PP"
is "$rc" 0 "key add-file"
is "$(mode_of "$IN/cron.key")" 600 "the key file is 0600"
like "$out" "Brevo" "it can open the connection that has an export user"
logrun "$S" -w "$W" connection show Brevo --unlock --key-file "$IN/cron.key"
is "$rc" 0 "the key file opens a connection with an export user"
SEGSYNC_KEY_FILE=$IN/cron.key logrun "$S" -w "$W" connection show Brevo --unlock
is "$rc" 0 "SEGSYNC_KEY_FILE works too"
logrun "$S" -w "$W" connection show "Braze EU" --unlock --key-file "$IN/cron.key"
is "$rc" 3 "but not one without an export user"
SEGSYNC_KEY_FILE=$IN/cron.key logrun "$S" -w "$W" connection show \
    "Braze EU" --unlock --passphrase-file "$PP"
is "$rc" 0 "--passphrase-file on the command line wins over SEGSYNC_KEY_FILE"
SEGSYNC_KEY_FILE=$IN/cron.key SEGSYNC_PASSPHRASE_FILE=$PP logrun "$S" \
    -w "$W" connection show Brevo --unlock
is "$rc" 2 "both key variables set is a usage error"
logrun "$S" -w "$W" connection show Brevo --unlock \
    --key-file "$IN/cron.key" --passphrase-file "$PP"
is "$rc" 2 "--key-file with --passphrase-file is a usage error"
chmod 644 "$IN/cron.key"
logrun "$S" -w "$W" connection show Brevo --unlock --key-file "$IN/cron.key"
is "$rc" 3 "a key file readable by others is refused"
like "$err" "too open" "with OpenSSH's words"
chmod 600 "$IN/cron.key"
ln -s "$IN/cron.key" "$IN/link.key"
logrun "$S" -w "$W" connection show Brevo --unlock --key-file "$IN/link.key"
is "$rc" 3 "a key file that is a symbolic link is refused"
logrun "$S" -w "$W" key add-file "$IN/cron.key" --name other
is "$rc" 4 "key add-file never overwrites a file"

# A FIFO in place of a passphrase or key file is refused at once, not
# waited on in open() for a writer that never comes.
mkfifo "$TMPD/pp.fifo" "$IN/key.fifo"
chmod 600 "$TMPD/pp.fifo" "$IN/key.fifo"
start=$(date +%s)
logrun timeout 10 "$S" -w "$W" connection show Brevo --unlock \
    --passphrase-file "$TMPD/pp.fifo"
is "$rc" 4 "a FIFO as passphrase file is refused (status 4)"
like "$err" "$TMPD/pp.fifo is not a regular file" "naming the file"
logrun timeout 10 "$S" -w "$W" connection show Brevo --unlock \
    --key-file "$IN/key.fifo"
is "$rc" 4 "a FIFO as key file is refused too"
like "$err" "must be a plain file" "in words"
[ $(($(date +%s) - start)) -lt 5 ]
ok $? "both at once (under 5 s), not after timeout's 10 s"
logrun sh -c "'$S' -w '$W' connection show Brevo --unlock \
    --passphrase-file - <'$PP'"
is "$rc" 0 "--passphrase-file - still reads standard input"

# A symbolic link in place of the lock or of a connection file is refused,
# naming the file, and never followed.
mv "$W/.lock" "$TMPD/lock.bak"
ln -s "$TMPD/elsewhere" "$W/.lock"
logrun "$S" -w "$W" connection add --type sendinblue --name Linked \
    --agree-privacy --api-key-file "$IN/api.key" --base-url "$BREVO" \
    --passphrase-file "$PP"
is "$rc" 1 "a symbolic link as .lock stops changes (status 1)"
like "$err" "the lock file $W/.lock is a symbolic link" "and says so"
[ ! -e "$TMPD/elsewhere" ]
ok $? "the link was not followed"
rm "$W/.lock"
mv "$TMPD/lock.bak" "$W/.lock"
cj=$(ls "$W/connections"/*.json | head -1)
mv "$cj" "$TMPD/conn.bak"
ln -s "$TMPD/conn.bak" "$cj"
logrun "$S" -w "$W" connection list
is "$rc" 4 "a connection file that is a symbolic link is refused"
like "$err" "$cj is a symbolic link" "naming the file"
rm "$cj"
mv "$TMPD/conn.bak" "$cj"
mv "$W/connections" "$TMPD/conns"
ln -s "$TMPD/conns" "$W/connections"
logrun "$S" -w "$W" connection list
is "$rc" 4 "so is a connections folder that is a symbolic link"
like "$err" "is a symbolic link; refusing to follow it" "in words too"
rm "$W/connections"
mv "$TMPD/conns" "$W/connections"
logrun "$S" -w "$W" connection list
is "$rc" 0 "all is well once the files are back"

# Tampering: the file is rejected by name, nothing decrypts.
rec=$(ls "$W/connections"/*.secrets | head -1)
cp "$rec" "$TMPD/rec.bak"
sed 's/^gen 1$/gen 2/' "$TMPD/rec.bak" >"$rec"
name=$(cd "$W/connections" && grep -l "\"id\":.*\"$(basename "$rec" .secrets)\"" ./*.json |
    xargs cat | sed -n 's/.*"name":[[:space:]]*"\([^"]*\)".*/\1/p')
logrun "$S" -w "$W" connection show "$name" --unlock --passphrase-file "$PP"
is "$rc" 4 "an altered record is rejected (status 4)"
like "$err" "$rec" "naming the file"
unlike "$out" "••••" "and nothing is decrypted"
cp "$TMPD/rec.bak" "$rec"
other=$(ls "$W/connections"/*.secrets | grep -v "$rec" | head -1)
cp "$other" "$TMPD/other.bak"
cp "$rec" "$other"
logrun "$S" -w "$W" connection list --json
bname=$(cd "$W/connections" && grep -l "\"id\":.*\"$(basename "$other" .secrets)\"" ./*.json |
    xargs cat | sed -n 's/.*"name":[[:space:]]*"\([^"]*\)".*/\1/p')
logrun "$S" -w "$W" connection show "$bname" --unlock --passphrase-file "$PP"
is "$rc" 4 "a record copied over another connection's is rejected"
cp "$TMPD/other.bak" "$other"

# The canary never reaches argv or the environment: read them while
# 'connection add' waits for the key on standard input.
mkfifo "$TMPD/fifo"
"$S" -w "$W" connection add --type sendinblue --name Waiting --agree-privacy \
    --api-key-file - --base-url "$BREVO" <"$TMPD/fifo" >>"$LOG" 2>&1 &
pid=$!
exec 7>"$TMPD/fifo"
sleep 0.3
tr '\0' ' ' <"/proc/$pid/cmdline" >"$TMPD/cmdline" 2>/dev/null
cat "/proc/$pid/environ" >"$TMPD/environ" 2>/dev/null
grep -q -- "--api-key-file -" "$TMPD/cmdline"
ok $? "the waiting process's command line was read"
core=$(awk '/^Max core file size/ { print $5 }' "/proc/$pid/limits")
is "$core" 0 "it runs with core dumps off (RLIMIT_CORE 0)"
if [ "$(id -u)" -ne 0 ]; then
	# Not dumpable: its /proc files belong to root, not to us.
	is "$(stat -c %u "/proc/$pid/status")" 0 "it is not dumpable"
fi
cat "$IN/api.key" >&7
exec 7>&-
wait "$pid"
ok $? "the connection is saved once the key arrives"

# Real, distinct users: the policy holds by cryptography.
if multiuser; then
	G=sgg$$
	U=sgt$$c
	SW=$TMPD/shared
	chmod 755 "$TMPD"
	mkgroup "$G" && mkuser "$U" "$G"
	ws_init "$SW" --group "$G" >>"$LOG" 2>&1
	"$S" -w "$SW" connection add --type braze --name Admins --agree-privacy \
	    --api-key-file "$IN/api.key" --endpoint e --base-url "$BASE" \
	    >>"$LOG" 2>&1
	"$S" -w "$SW" connection add --type sendinblue --name Shared \
	    --agree-privacy --contributors --api-key-file "$IN/api.key" \
	    --base-url "$BREVO" >>"$LOG" 2>&1
	mkpass "$TMPD/u.pp" "contributor passphrase"
	chown "$U" "$TMPD/u.pp"
	as "$U" "$S" -w "$SW" identity new --kdf interactive \
	    --passphrase-file "$TMPD/u.pp" >>"$LOG" 2>&1
	logrun "$S" -w "$SW" member add "$U" --role contributor \
	    --passphrase-file "$TMPD/admin.pp"
	is "$rc" 0 "the administrator adds a contributor"
	like "$out" "\"Shared\"" "whose key is sealed into the contributors' connection"
	unlike "$out" "\"Admins\"" "and not into the administrators' one"
	for f in "$SW"/connections/*; do chmod 644 "$f"; done
	logrun as "$U" "$S" -w "$SW" connection show Admins --unlock \
	    --passphrase-file "$TMPD/u.pp"
	is "$rc" 3 "a contributor cannot decrypt an administrators-only connection"
	like "$err" "not allowed to use the connection \"Admins\"" \
	    "even though the file mode lets them read it"
	logrun as "$U" "$S" -w "$SW" connection show Shared --unlock \
	    --passphrase-file "$TMPD/u.pp"
	is "$rc" 0 "the contributor decrypts the contributors' connection"
	logrun as "$U" "$S" -w "$SW" connection list
	unlike "$out" "Admins" "and does not see the administrators' one listed"
	# A process of another user, waiting for a passphrase, is not
	# dumpable: its /proc files belong to root instead of to that user.
	mkuser "${U}d" "$G"
	mkfifo "$TMPD/fifo2"
	# (setpriv directly, not the shell function: $! must be segsync)
	setpriv --reuid="${U}d" --regid="$(id -g "${U}d")" --init-groups \
	    "$S" -w "$SW" identity new --kdf interactive \
	    --passphrase-file - <"$TMPD/fifo2" >>"$LOG" 2>&1 &
	pid=$!
	exec 8>"$TMPD/fifo2"
	sleep 0.3
	is "$(stat -c %U "/proc/$pid/status")" root \
	    "a segsync process is not dumpable (its /proc files are root's)"
	is "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" \
	    "$(id -u "${U}d")" "although it runs as its user"
	echo "waiting user passphrase" >&8
	exec 8>&-
	wait "$pid"
	# A member holding .lock (flock(1), no segsync record) makes a change
	# wait for the timeout (shortened for the test), then fail naming them.
	mkdir "$TMPD/flag"
	chmod 777 "$TMPD/flag"
	setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups \
	    flock -x -o "$SW/.lock" \
	    sh -c "echo \$\$ >'$TMPD/flag/held'; exec sleep 60" &
	holder=$!
	i=0
	while [ ! -s "$TMPD/flag/held" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	start=$(date +%s)
	SEGSYNC_TEST_LOCK_TIMEOUT=2 logrun "$S" -w "$SW" connection add \
	    --type sendinblue --name Blocked --agree-privacy \
	    --api-key-file "$IN/api.key" --base-url "$BREVO" \
	    --passphrase-file "$TMPD/admin.pp"
	took=$(($(date +%s) - start))
	is "$rc" 1 "a change cannot get a lock a member holds (status 1)"
	like "$err" "is locked by $U (process $holder, running since" \
	    "and names who holds it: user, process, since when"
	like "$err" "gave up after 2 seconds" "after the timeout"
	like "$err" "kill $holder" "and says what can be done"
	[ "$took" -ge 1 ] && [ "$took" -le 6 ]
	ok $? "it waited for the timeout, no longer (${took} s)"
	kill "$(cat "$TMPD/flag/held")" "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	logrun "$S" -w "$SW" connection list
	unlike "$out" "Blocked" "nothing was saved while it was locked"
	# A file owned by a group member who is not a member of the
	# workspace is refused, in words.
	sj=$(grep -l '"name":[[:space:]]*"Shared"' "$SW"/connections/*.json)
	chown "${U}d" "$sj"
	logrun "$S" -w "$SW" connection list
	is "$rc" 4 "a connection file owned by a non-member is refused"
	like "$err" "$sj belongs to Unix user ${U}d" \
	    "naming the file and its owner"
	like "$err" "who is not a member of this workspace" "and why"
	chown "$U" "$sj"
	logrun "$S" -w "$SW" connection list
	is "$rc" 0 "one owned by a member is used"
	chown 0 "$sj"
	chown "${U}d" "$SW/workspace.json"
	logrun "$S" -w "$SW" member list
	is "$rc" 4 "a workspace.json owned by a non-member is refused"
	like "$err" "$SW/workspace.json belongs to Unix user ${U}d" "in words"
	chown 0 "$SW/workspace.json"
	# A member who edits a connection's file to open it to contributors
	# gains nothing: its record says otherwise, and the next reseal
	# reports the disagreement instead of sealing the key for them.
	adm=$(grep -l '"name":[[:space:]]*"Admins"' "$SW"/connections/*.json)
	cp "$adm" "$TMPD/adm.json"
	sed 's/"administrators"/"contributors"/' "$TMPD/adm.json" >"$adm"
	logrun "$S" -w "$SW" key add-file "$IN/shared-cron.key" \
	    --passphrase-file "$TMPD/admin.pp"
	is "$rc" 4 "a reseal refuses a connection file that disagrees with its record"
	like "$err" "disagree on who may use it" "and says so"
	logrun as "$U" "$S" -w "$SW" connection show Admins --unlock \
	    --passphrase-file "$TMPD/u.pp"
	is "$rc" 3 "the edit did not open the connection to the contributor"
	cp "$TMPD/adm.json" "$adm"
	rm -f "$IN/shared-cron.key"
	# connection edit: only administrators change a connection; narrowing
	# who may use it re-keys it, so the contributor's key opens nothing
	# saved afterwards, even with the connection file from before.
	logrun as "$U" "$S" -w "$SW" connection edit Shared --rename Mine \
	    --passphrase-file "$TMPD/u.pp"
	is "$rc" 3 "a contributor cannot edit a connection"
	like "$err" "only administrators can change connections" "in words"
	shj=$(grep -l '"name":[[:space:]]*"Shared"' "$SW"/connections/*.json)
	shs=${shj%.json}.secrets
	cp "$shj" "$TMPD/shared-open.json"
	g0=$(grep '^gen ' "$shs")
	logrun "$S" -w "$SW" connection edit Shared --admins-only \
	    --passphrase-file "$TMPD/admin.pp"
	is "$rc" 0 "an administrator narrows the connection to administrators"
	like "$out" "new data key, sealed for administrators only" "and is told"
	isnt_gen=$(grep '^gen ' "$shs")
	[ "$isnt_gen" != "$g0" ]
	ok $? "the record has a new generation ($g0 -> $isnt_gen)"
	logrun "$S" -w "$SW" connection show Shared
	unlike "$out" "$U" "the contributor is no longer among its recipients"
	cp "$shj" "$TMPD/shared-closed.json"
	cp "$TMPD/shared-open.json" "$shj"
	for f in "$SW"/connections/*; do chmod 644 "$f"; done
	logrun as "$U" "$S" -w "$SW" connection show Shared --unlock \
	    --passphrase-file "$TMPD/u.pp"
	[ "$rc" -ne 0 ]
	ok $? "the contributor's key does not open the narrowed record, even with the old file (status $rc)"
	unlike "$out" "••" "and nothing of it is shown"
	cp "$TMPD/shared-closed.json" "$shj"
	logrun "$S" -w "$SW" connection edit Shared --contributors \
	    --passphrase-file "$TMPD/admin.pp"
	is "$rc" 0 "widened again"
	like "$out" "sealed for the administrators and the contributors" "and told"
	for f in "$SW"/connections/*; do chmod 644 "$f"; done
	logrun as "$U" "$S" -w "$SW" connection show Shared --unlock \
	    --passphrase-file "$TMPD/u.pp"
	is "$rc" 0 "the contributor opens the widened record"
	# The record of changes: the administrator sees every change, the
	# contributor those to what they may use.
	logrun "$S" -w "$SW" log --object connection
	like "$out" 'connection "Admins" add' "log: the administrator sees the admins-only connection"
	like "$out" 'connection "Shared" edit: usable_by contributors -> administrators' \
	    "and the narrowing, old and new"
	like "$out" "data_key rotated" "with the data key said rotated"
	logrun as "$U" "$S" -w "$SW" log
	is "$rc" 0 "a contributor reads the record" || diag "$err"
	unlike "$out" "Admins" "without the admins-only connection, even by name"
	like "$out" 'connection "Shared"' "but with the one open to them"
	like "$out" "member \"$U\" add: role contributor" "and the members"
	gen1=$(grep '^gen ' "$shs")
	logrun "$S" -w "$SW" member remove "$U" --passphrase-file "$TMPD/admin.pp"
	is "$rc" 0 "the contributor is removed"
	like "$out" "rotate" "and the administrator is told to rotate the keys"
	gen2=$(grep '^gen ' "$shs")
	[ "$gen2" != "$gen1" ]
	ok $? "the connection they could use was re-keyed ($gen1 -> $gen2)"
	logrun as "$U" "$S" -w "$SW" connection show Shared --unlock \
	    --passphrase-file "$TMPD/u.pp"
	is "$rc" 3 "the removed contributor can no longer decrypt it"
else
	skip "multi-user policy tests need root"
fi

# The leak scan: the canary in plain, hex or base64, anywhere but inputs.
hex=$(printf '%s' "$CANARY" | od -An -tx1 | tr -d ' \n')
b64=$(printf '%s' "$CANARY" | base64 | tr -d '\n=')
b64u=$(printf '%s' "$CANARY" | base64 | tr -d '\n=' | tr '+/' '-_')
found=""
for pat in "$CANARY" "$hex" "$b64" "$b64u"; do
	hits=$(grep -rlF -- "$pat" "$TMPD" 2>/dev/null | grep -v "^$IN/")
	[ -z "$hits" ] || found="$found $hits"
done
is "$found" "" "the canary appears in no file, output, argv or environment"
done_testing
