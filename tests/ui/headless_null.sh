# The connection wizard of the program built with the test registry
# (tests/segsync-null): its destination step lists the null driver, and
# the wizard asks for its field, tests it and saves it without a line of
# the UI knowing it.
SEGSYNC=$top_builddir/tests/segsync-null
. "$top_srcdir/tests/ui/lib.sh"
[ -x "$SEGSYNC" ] || { echo "Bail out! $SEGSYNC is not built"; exit 99; }
[ -n "${PYTHON3:-}" ] || { echo "Bail out! PYTHON3 is not set"; exit 99; }
ui_workspace
PP=$TMPD/admin.pp

"$PYTHON3" "$top_srcdir/tests/unit/http_stub.py" "$TMPD/port" &
stub=$!
stop_stub() { kill "$stub" 2>/dev/null; }
cleanup_hooks="$cleanup_hooks stop_stub"
i=0
while [ ! -s "$TMPD/port" ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$TMPD/port" ] || { echo "Bail out! http_stub.py did not start"; exit 99; }
BASE=http://127.0.0.1:$(cat "$TMPD/port")

ui_keys null <<EOT
keys ca
dump null-destination
keys <Down><Down><Down><Enter>Nul<Enter><Enter>
dump null-credentials
keys $BASE<Enter>
dump null-privacy
keys <Space><Enter>
dump null-connect
keys <Enter><Enter><Enter>
dump null-saved
keys q
EOT
ui_run null --passphrase-file "$PP"
is "$rc" 0 "the wizard runs to the end"
dump_has null-destination "Braze" "the destination step lists Braze"
dump_has null-destination "( ) Null" "and the null driver"
dump_has null-destination "exports go to a null target" \
    "with its target's label"
dump_has null-credentials "Base URL" "the credentials step asks for its field"
dump_has null-connect "The null destination at 127.0.0.1" \
    "the wizard's test went through the driver"
run "$SEGSYNC" -w ws connection list
like "$out" "null" "the connection is saved with the null type"
done_testing
