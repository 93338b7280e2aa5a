# Contributors in the terminal UI (issue 8, item 6): a contributor sees
# and uses only the connections open to contributors, may test them and
# create exports on them, and never adds, changes or removes connections
# or sees their credentials. Needs root to make a throwaway user.
. "$top_srcdir/tests/ui/lib.sh"
# As an ordinary user the test skips, saying so (see multiuser).
multiuser || { echo "1..0 # SKIP making a contributor's Unix user needs root";
    exit 0; }

G=sgu$$
U=sgu$$c
chmod 755 "$TMPD"
mkgroup "$G" && mkuser "$U" "$G" || fail_all "useradd failed"
ws_init ws --group "$G" >/dev/null || exit 99
"$GEN" --rows 40 --seed 4 -o "ws/data/Newsletter.csv" || exit 99
chmod 660 "ws/data/Newsletter.csv" && chgrp "$G" "ws/data/Newsletter.csv"
PP=$TMPD/admin.pp

fake_start braze braze '{"braze": {"keys": {"braze-key-1234":
    {"permissions": ["users.track", "segments.list"]}}}}' ||
    fail_all "the fake Braze did not start"
BRAZE=$fake_url
fake_start brevo brevo '{"brevo": {"keys": {"xkeysib-5678": {}},
    "lists": [{"id": 7, "name": "Weekly", "size": 3}]}}' ||
    fail_all "the fake Brevo did not start"
BREVO=$fake_url
printf 'braze-key-1234\n' >"$TMPD/braze.key"
printf 'xkeysib-5678\n' >"$TMPD/brevo.key"
mkpass "$TMPD/u.pp" "contributor passphrase"
chown "$U" "$TMPD/u.pp"
as "$U" "$SEGSYNC" -w ws identity new --kdf interactive \
    --passphrase-file "$TMPD/u.pp" >/dev/null 2>&1 || exit 99
"$SEGSYNC" -w ws member add "$U" --role contributor \
    --passphrase-file "$PP" >/dev/null || exit 99
"$SEGSYNC" -w ws connection add --type braze --name "Admins only" \
    --agree-privacy --api-key-file "$TMPD/braze.key" --endpoint e.example \
    --base-url "$BRAZE" --passphrase-file "$PP" >/dev/null || exit 99
"$SEGSYNC" -w ws connection add --type sendinblue --name Shared \
    --agree-privacy --contributors --api-key-file "$TMPD/brevo.key" \
    --base-url "$BREVO" --passphrase-file "$PP" >/dev/null || exit 99
chmod 777 "$DUMPS"

ui_keys contrib <<'EOT'
dump co-home
keys c
dump co-connections
keys a
dump co-cannot-add
keys <Enter>
dump co-cannot-change
keys t
dump co-tested
keys <Esc>ea
dump co-export-connection
keys <Enter>Weekly<Enter>7<Enter><Enter><Tab><Enter><Space><Enter><Enter>
dump co-export-save
keys <Enter><Enter>q
EOT
chmod 644 "$TMPD/contrib.keys"
run as "$U" env LC_ALL=C.UTF-8 SEGSYNC_UI_SCRIPT="$TMPD/contrib.keys" \
    SEGSYNC_UI_DUMP_DIR="$DUMPS" "$SEGSYNC" -w ws \
    --passphrase-file "$TMPD/u.pp"
is "$rc" 0 "a contributor uses the UI"
sed -i "s/\\b$U\\b/CONTRIB/g" "$DUMPS"/co-*
for d in co-home co-connections co-cannot-add co-cannot-change co-tested \
    co-export-connection co-export-save; do
	golden "$d" "contributor: $d"
done
unlike "$(cat "$DUMPS/co-connections")" "Admins only" \
    "the administrators' connection is not even listed"
unlike "$(cat "$DUMPS/co-connections")" "Credentials" \
    "nothing is said of credentials"
run "$SEGSYNC" -w ws export show Weekly
is "$rc" 0 "the contributor's export is saved"
like "$out" "Created:" "and the administrator sees it"
like "$out" "by $U" "created by the contributor"
done_testing
