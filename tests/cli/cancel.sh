# A run is cancelled only by someone who may start it: in a shared
# workspace the runs folder is group-writable, and a cancel request
# written there by a contributor on an administrators-only connection, or
# by a group member who is not a member, is ignored (and said once in the
# timeline); an administrator's request stops the run.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
if ! multiuser; then
	skip "cancel requests of other users need root (to create them)"
	done_testing
	exit $?
fi
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
G=sgcg$$
U=sgc$$c
N=sgc$$n
SW=$TMPD/shared
D=$TMPD/data
chmod 755 "$TMPD"
mkdir -p "$D"
"$top_builddir/bench/gen_segment" --rows 20000 --seed 3 -o "$D/VIP.csv"
chmod -R a+rX "$D"
cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}]}}
EOT
BASE=$($FAKECTL start "$TMPD/fake" --dest braze --config "$TMPD/fake.json" \
    --latency-ms 300) ||
    { echo "Bail out! the fake Braze server did not start"; exit 1; }
stop_fake() { $FAKECTL stop "$TMPD/fake" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"
mkgroup "$G" && mkuser "$U" "$G" && mkuser "$N" "$G" ||
    { echo "Bail out! could not create the test users"; exit 1; }
ws_init "$SW" --group "$G" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/key"
"$S" -w "$SW" connection add --type braze --name Admins --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" --export-user >/dev/null || exit 99
"$S" -w "$SW" export add --name Slow --connection Admins --target vip-seg \
    --map email=email --map customer_id=customer_id --segment VIP \
    >/dev/null || exit 99
mkpass "$TMPD/u.pp" "contributor passphrase"
chown "$U" "$TMPD/u.pp"
as "$U" "$S" -w "$SW" identity new --kdf interactive \
    --passphrase-file "$TMPD/u.pp" >/dev/null 2>&1
"$S" -w "$SW" member add "$U" --role contributor >/dev/null || exit 99

id=$("$S" -w "$SW" run --detach Slow | sed -n 's/^Run \([^ ]*\) started.*/\1/p')
[ -n "$id" ]
ok $? "an administrator's run started"
running() { "$S" -w "$SW" runs show "$id" | grep -q 'Status: *running'; }
# request USER: USER writes a cancel request into the run's folder.
request() {
	as "$1" sh -c "printf '%s\\n' '$1' >'$SW/runs/$id/cancel.tmp' &&
	    mv -f '$SW/runs/$id/cancel.tmp' '$SW/runs/$id/cancel'"
}
request "$U"
ok $? "a contributor can write the request (the folder is the group's)"
sleep 1.5
running
ok $? "the run goes on: the contributor may not use its connection"
request "$N"
sleep 1.5
running
ok $? "and goes on for a group member who is not a member"
run "$S" -w "$SW" runs show "$id"
like "$out" "A cancel request from $U was ignored" \
    "the timeline says whose request was ignored"
like "$out" "A cancel request from $N was ignored" "both of them"
is "$(printf '%s\n' "$out" | grep -c "request from $U was ignored")" 1 \
    "once each"
run "$S" -w "$SW" runs cancel "$id"
is "$rc" 0 "the administrator cancels it"
i=0
while running && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
run "$S" -w "$SW" runs show "$id"
like "$out" "cancelled" "and the run is cancelled"
done_testing
