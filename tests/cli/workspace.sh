# init and members through the command line: modes, refusals, roles,
# damaged files, and (as root) real distinct Unix users.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
W=$TMPD/ws

umask 000
run "$S" -w "$W" init
is "$rc" 0 "init exits 0"
like "$out" "Created the workspace $W" "init says where"
is "$(mode_of "$W")" 700 "the workspace is 0700 under umask 000"
is "$(mode_of "$W/workspace.json")" 600 "workspace.json is 0600 under umask 000"
for d in identities connections exports runs data; do
	is "$(mode_of "$W/$d")" 700 "$d/ is 0700 under umask 000"
done
umask 077

cp "$W/workspace.json" "$TMPD/before.json"
run "$S" -w "$W" init
is "$rc" 4 "init on an existing workspace exits 4"
cmp -s "$W/workspace.json" "$TMPD/before.json"
ok $? "and leaves workspace.json byte-identical"

me=$(id -un)
run "$S" -w "$W" member list --json
is "$rc" 0 "member list --json"
if command -v python3 >/dev/null; then
	role=$(printf '%s' "$out" | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(m[0]["user"], m[0]["role"], len(m))')
	is "$role" "$me admin 1" "the user who ran init is the only member, an admin"
else
	skip "python3 is missing"
fi

run "$S" -w "$W" member add no-such-user-xyz --role contributor
is "$rc" 4 "adding a name that is not a Unix user exits 4"
like "$err" "no Unix user named \"no-such-user-xyz\"" "and says so"
run "$S" -w "$W" member add daemon --role contributor
is "$rc" 0 "adding a Unix user as contributor"
like "$out" "Added daemon as contributor" "says what it did"
run "$S" -w "$W" member add daemon --role admin
is "$rc" 4 "adding an existing member again exits 4"
run "$S" -w "$W" member list
like "$out" "daemon" "member list shows the new member"
like "$out" "contributor" "with their role"
run "$S" -w "$W" member remove "$me"
is "$rc" 4 "the last administrator cannot be removed"
like "$err" "last administrator" "and says why"
run "$S" -w "$W" member remove daemon
is "$rc" 0 "removing a member"
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
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null ||
    ! command -v setpriv >/dev/null; then
	skip "multi-user tests need root, useradd and setpriv"
	done_testing
	exit $?
fi

users=""
del_users() {
	for u in $users; do userdel "$u" 2>/dev/null; done
}
cleanup_hooks="del_users"
mkuser() {
	useradd -M -N -s /usr/sbin/nologin -d /nonexistent "$1" 2>/dev/null ||
	    return 1
	users="$users $1"
}
as() {
	u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups "$@"
}

pre=sgt$$
mkuser "${pre}c" || { skip "useradd failed"; done_testing; exit $?; }
# The workspace is readable by all here so that the refusals below come
# from the member check, not from file modes.
chmod 755 "$TMPD" "$W"
chmod 644 "$W/workspace.json"
chmod 666 "$W/.lock"
run as "${pre}c" "$S" -w "$W" member list
is "$rc" 3 "a Unix user who is not a member is refused with status 3"
like "$err" "you (Unix user ${pre}c) are not a member" "and told why"
like "$err" "segsync member add ${pre}c" "and how to get in"
run "$S" -w "$W" member add "${pre}c" --role contributor
is "$rc" 0 "the administrator adds them as contributor"
chmod 644 "$W/workspace.json"
run as "${pre}c" "$S" -w "$W" member list
is "$rc" 0 "the contributor can list members"
run as "${pre}c" "$S" -w "$W" member add daemon --role admin
is "$rc" 3 "a contributor cannot add members (status 3)"
like "$err" "only administrators can add members" "and is told why"
run as "${pre}c" "$S" -w "$W" member remove "$me"
is "$rc" 3 "a contributor cannot remove members (status 3)"

# 20 processes add 20 members at once: all 20 are present.
i=1
while [ $i -le 20 ]; do
	mkuser "${pre}r$i" || break
	i=$((i + 1))
done
pids=""
i=1
while [ $i -le 20 ]; do
	"$S" -w "$W" member add "${pre}r$i" --role contributor \
	    >/dev/null 2>"$TMPD/race$i.err" &
	pids="$pids $!"
	i=$((i + 1))
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "20 concurrent 'member add' all succeed"
run "$S" -w "$W" member list
n=$(printf '%s\n' "$out" | grep -c "^${pre}r")
is "$n" 20 "all 20 new members are present"
ls -a "$W" | grep -q '\.tmp$'
ok $((! $?)) "no temporary file is left in the workspace"

done_testing
