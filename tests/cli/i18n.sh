# Translation readiness: every source file with _() strings is listed in
# po/POTFILES.in, and xgettext extracts a template from them that holds
# the messages the program prints.
. "$top_srcdir/tests/cli/lib.sh"
cd "$top_srcdir" || exit 99

listed=$(grep -v '^#' po/POTFILES.in | sort)
used=$(grep -l '_("' src/*.c src/*/*.c ui/*.c screens/*.c 2>/dev/null | sort)
missing=$(for f in $used; do
	echo "$listed" | grep -qx "$f" || echo "$f"
done)
is "$missing" "" "every file with _() strings is in po/POTFILES.in"
absent=$(for f in $listed; do [ -f "$f" ] || echo "$f"; done)
is "$absent" "" "every file in po/POTFILES.in exists"

command -v xgettext >/dev/null || fail_all "xgettext is missing"
# shellcheck disable=SC2086
xgettext --keyword=_ --keyword=N_ --keyword=ngettext_:1,2 --from-code=UTF-8 \
    -o "$TMPD/segsync.pot" $listed 2>"$TMPD/xg.err"
ok $? "xgettext extracts the template"
n=$(grep -c '^msgid "' "$TMPD/segsync.pot")
[ "$n" -gt 50 ]
ok $? "the template holds the messages ($n)"
# A live message: the program prints it, and the template has it with a
# reference to the command line's sources (it fails when the message is
# gone from the code, as well as when extraction misses it).
msg="'%s' is not a segsync command"
run "$SEGSYNC" frobnicate
is "$rc" 2 "an unknown command is a usage error"
like "$err" "'frobnicate' is not a segsync command" \
    "with the message the template is checked for"
ref=$(awk -v m="msgid \"$msg\"" '/^#: / { r = $0 } $0 == m { print r; exit }
    /^msgstr/ { r = "" }' "$TMPD/segsync.pot")
like "$ref" "src/cli/" "a command-line message is in the template"
done_testing
