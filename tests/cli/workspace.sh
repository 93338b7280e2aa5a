# init and members through the command line: modes, refusals, roles,
# damaged files, and (as root) real distinct Unix users.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
W=$TMPD/ws

umask 000
run ws_init "$W"
is "$rc" 0 "init exits 0"
like "$out" "Created the workspace $W" "init says where"
is "$(mode_of "$W")" 700 "the workspace is 0700 under umask 000"
is "$(mode_of "$W/workspace.json")" 600 "workspace.json is 0600 under umask 000"
for d in identities connections exports runs data; do
	is "$(mode_of "$W/$d")" 700 "$d/ is 0700 under umask 000"
done
me=$(id -un)
is "$(mode_of "$W/identities/$me.identity")" 600 \
    "the identity file is 0600 under umask 000"
umask 077

cp "$W/workspace.json" "$TMPD/before.json"
run ws_init "$W"
is "$rc" 4 "init on an existing workspace exits 4"
cmp -s "$W/workspace.json" "$TMPD/before.json"
ok $? "and leaves workspace.json byte-identical"

run "$S" -w "$W" member list --json
is "$rc" 0 "member list --json"
if command -v python3 >/dev/null; then
	role=$(printf '%s' "$out" | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(m[0]["user"], m[0]["role"], len(m))')
	is "$role" "$me admin 1" "the user who ran init is the only member, an admin"
else
	ok 1 "python3 is missing: the JSON cannot be checked"
fi

run "$S" -w "$W" member add no-such-user-xyz --role contributor
is "$rc" 4 "adding a name that is not a Unix user exits 4"
like "$err" "no Unix user named \"no-such-user-xyz\"" "and says so"
run "$S" -w "$W" member add daemon --role contributor
is "$rc" 4 "adding a user without an identity exits 4"
like "$err" "segsync identity new" "and says they must run 'identity new'"
run "$S" -w "$W" member remove "$me"
is "$rc" 4 "you cannot remove yourself (nor the last administrator)"
run "$S" -w "$W" member remove daemon
is "$rc" 4 "removing a non-member exits 4"

# Damaged and future files: clear error, status 4, nothing overwritten.
printf '{ "version": 1,\n  "id": oops }\n' >"$W/workspace.json"
cp "$W/workspace.json" "$TMPD/bad.json"
run "$S" -w "$W" member add daemon --role contributor
is "$rc" 4 "a malformed workspace.json gives status 4"
like "$err" "$W/workspace.json: not valid JSON at line 2" "naming file and line"
cmp -s "$W/workspace.json" "$TMPD/bad.json"
ok $? "the damaged file is left untouched"
sed 's/"version":	1/"version":	7/' "$TMPD/before.json" >"$W/workspace.json"
run "$S" -w "$W" member list
is "$rc" 4 "a future version gives status 4"
like "$err" "has version 7" "and names the version"
cp "$TMPD/before.json" "$W/workspace.json"

# Real, distinct Unix users (root only: throwaway accounts, as CI runs).
if ! multiuser; then
	skip "multi-user tests need root"
	done_testing
	exit $?
fi
G=sgg$$
pre=sgt$$
mkgroup "$G" || fail_all "groupadd failed"
SW=$TMPD/shared
chmod 755 "$TMPD"
run ws_init "$SW" --group "$G"
is "$rc" 0 "init --group"
is "$(mode_of "$SW")" 2770 "a shared workspace is 2770"
is "$(mode_of "$SW/workspace.json")" 660 "its files are 0660"
is "$(stat -c %G "$SW/workspace.json")" "$G" "and belong to the group"
is "$(mode_of "$SW/identities")" 3770 \
    "identities/ is sticky: members cannot replace each other's keys"
is "$(mode_of "$SW/.lock")" 660 "the lock file is usable by the group"
"$S" -w "$SW" segments >/dev/null 2>&1
is "$(mode_of "$SW/cache/segments.json")" 660 \
    "the segment count cache is shared with the group too"

mkuser "${pre}c" "$G"
mkpass "$TMPD/c.pp" "contributor passphrase"
chown "${pre}c" "$TMPD/c.pp"
run as "${pre}c" "$S" -w "$SW" member list
is "$rc" 3 "a Unix user who is not a member is refused with status 3"
like "$err" "you (Unix user ${pre}c) are not a member" "and told why"
like "$err" "segsync member add ${pre}c" "and how to get in"
run as "${pre}c" "$S" -w "$SW" identity new --kdf interactive \
    --passphrase-file "$TMPD/c.pp"
is "$rc" 0 "the newcomer creates their identity"
like "$out" "segsync member add ${pre}c --role contributor" \
    "and is told what an administrator runs"
is "$(mode_of "$SW/identities/${pre}c.identity")" 600 \
    "their identity file is 0600"
is "$(stat -c %U "$SW/identities/${pre}c.identity")" "${pre}c" \
    "and theirs"
run "$S" -w "$SW" member add "${pre}c" --role contributor
is "$rc" 0 "the administrator adds them as contributor"
run as "${pre}c" "$S" -w "$SW" member list
is "$rc" 0 "the contributor can list members"
run as "${pre}c" "$S" -w "$SW" member add daemon --role admin
is "$rc" 3 "a contributor cannot add members (status 3)"
like "$err" "only administrators can add members" "and is told why"
run as "${pre}c" "$S" -w "$SW" member remove "$me"
is "$rc" 3 "a contributor cannot remove members (status 3)"

# A second administrator who is not root can change the workspace too
# (the lock file is the group's, not only its creator's).
mkuser "${pre}a" "$G"
mkpass "$TMPD/a.pp" "second admin passphrase"
chown "${pre}a" "$TMPD/a.pp"
as "${pre}a" "$S" -w "$SW" identity new --kdf interactive \
    --passphrase-file "$TMPD/a.pp" >/dev/null 2>&1
run "$S" -w "$SW" member add "${pre}a" --role admin
is "$rc" 0 "a second administrator is added"
run as "${pre}a" "$S" -w "$SW" member remove "${pre}c" \
    --passphrase-file "$TMPD/a.pp"
is "$rc" 0 "who can remove a member, taking the shared lock"
run "$S" -w "$SW" member add "${pre}c" --role contributor
is "$rc" 0 "and the contributor is added back"

# Someone else's public key cannot be planted for a user.
mkuser "${pre}v" "$G"
as "${pre}c" sh -c "sed 's/member ${pre}c/member ${pre}v/' \
    '$SW/identities/${pre}c.pub' >'$SW/identities/${pre}v.pub'"
run "$S" -w "$SW" member add "${pre}v" --role contributor
is "$rc" 3 "a public key file written by another user is refused"
like "$err" "is not a file owned by ${pre}v" "and the reason is given"

# 20 processes add 20 members at once: all 20 are present.
i=1
while [ $i -le 20 ]; do
	mkuser "${pre}r$i" "$G" || break
	mkpass "$TMPD/r$i.pp" "racer $i"
	chown "${pre}r$i" "$TMPD/r$i.pp"
	as "${pre}r$i" "$S" -w "$SW" identity new --kdf interactive \
	    --passphrase-file "$TMPD/r$i.pp" >/dev/null 2>&1
	i=$((i + 1))
done
pids=""
i=1
while [ $i -le 20 ]; do
	"$S" -w "$SW" member add "${pre}r$i" --role contributor \
	    >/dev/null 2>"$TMPD/race$i.err" &
	pids="$pids $!"
	i=$((i + 1))
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "20 concurrent 'member add' all succeed"
run "$S" -w "$SW" member list
n=$(printf '%s\n' "$out" | grep -c "^${pre}r")
is "$n" 20 "all 20 new members are present"
ls -a "$SW" | grep -q '\.tmp$'
ok $((! $?)) "no temporary file is left in the workspace"

done_testing
