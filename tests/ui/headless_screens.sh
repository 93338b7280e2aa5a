# The terminal UI headless (style.md R13): unlock, home, segments, runs,
# connections, help, the quit question, a terminal too small and its
# recovery, and the ASCII fallback, compared with golden screens.
. "$top_srcdir/tests/ui/lib.sh"
ui_workspace

ui_keys basics <<'EOT'
dump unlock
keys wrong passphrase<Enter>
dump unlock-wrong
keys admin passphrase<Enter>
dump home
keys s
dump segments
keys /FID
dump segments-search
keys <Enter><Esc>r
dump runs
keys <Esc>c
dump connections-empty
keys <Esc><F1>
dump help-home
keys <Esc>q
EOT
ui_run basics
is "$rc" 0 "the UI runs headless and quits with q"
golden unlock "unlock: the passphrase, masked"
golden unlock-wrong "a wrong passphrase is said under the field"
unlike "$(cat "$DUMPS/unlock-wrong")" "wrong passphrase<" \
    "and nothing typed shows"
golden home "home: Connections, Exports, Runs, Segments with counts"
golden segments "segments: member counts and fields"
golden segments-search "/ searches the list, whatever the case"
golden runs "runs: the history, empty"
golden connections-empty "connections: empty, and how to add one"
golden help-home "F1 shows the screen's help and the keys"

# q closes a screen, asking first when something typed would be lost.
ui_keys quit <<'EOT'
keys ca<Enter>Half typed<Tab>q
dump quit-ask
keys <Enter>
dump quit-stayed
keys qy
dump quit-closed
keys q
dump quit-home
keys q
dump quit-never
EOT
ui_run quit --passphrase-file "$TMPD/admin.pp"
is "$rc" 0 "the UI quits after the question"
golden quit-ask "q asks before closing a screen with something typed"
dump_has quit-stayed "Half typed" "Stay (the default) keeps it"
dump_has quit-closed "segsync › Connections " \
    "Leave closes the wizard, back to the screen that opened it"
dump_has quit-home "segsync › Home " "q there closes Connections: Home"
ok "$([ ! -e "$DUMPS/quit-never" ]; echo $?)" \
    "and q on Home, with no run going on, quits at once"

# Too small, then big enough again: nothing is lost.
ui_keys small <<'EOT'
keys c
resize 79x24
dump too-small
keys a
resize 100x30
dump recovered
keys q
EOT
ui_run small --passphrase-file "$TMPD/admin.pp"
golden too-small "below 80x24 the screen says how to go on"
golden recovered "and recovers when the terminal grows, keys ignored meanwhile"

# A terminal without UTF-8: ASCII only.
ui_keys ascii <<'EOT'
keys s
dump ascii-segments
keys q
EOT
run env LC_ALL=C SEGSYNC_UI_SCRIPT="$TMPD/ascii.keys" \
    SEGSYNC_UI_DUMP_DIR="$DUMPS" "$SEGSYNC" -w ws \
    --passphrase-file "$TMPD/admin.pp"
golden ascii-segments "without UTF-8, accents fall back to ASCII"
LC_ALL=C grep -q '[^ -~]' "$DUMPS/ascii-segments"
ok $(($? == 0)) "and nothing but ASCII is drawn"

# Scripts are checked like any input.
printf 'keys <Nope>\n' >"$TMPD/bad.keys"
run env SEGSYNC_UI_SCRIPT="$TMPD/bad.keys" "$SEGSYNC" -w ws \
    --passphrase-file "$TMPD/admin.pp"
is "$rc" 1 "a bad key script is an error"
like "$err" "bad.keys, line 1: unknown key <Nope>" "naming the file and line"
done_testing
