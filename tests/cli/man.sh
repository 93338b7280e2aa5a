# The man page renders without warnings and documents every command and
# option that the program knows.
. "$top_srcdir/tests/cli/lib.sh"
MAN=$top_srcdir/man/segsync.1

if [ -z "${GROFF:-}" ] || ! [ -x "$GROFF" ]; then
	GROFF=$(command -v groff) || fail_all "groff is not installed"
fi
warnings=$(LC_ALL=C.UTF-8 "$GROFF" -ww -z -man -Tutf8 "$MAN" 2>&1)
is "$warnings" "" "groff -ww renders segsync.1 without warnings"

# Plain text of the page (no hyphenation, wide lines) for the checks.
text=$(LC_ALL=C.UTF-8 "$GROFF" -man -Tutf8 -rLL=300n -rHY=0 "$MAN" \
    2>/dev/null | sed 's/.\x08//g')
for section in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS \
    ENVIRONMENT FILES "EXIT STATUS" EXAMPLES; do
	like "$text" "$section" "the page has a $section section"
done

"$SEGSYNC" --help >"$TMPD/help" || exit 99
# Command names: the first column of the help's command list (not its
# wrapped descriptions, which start with spaces).
cmds=$(sed -n '/^Commands:/,/^$/p' "$TMPD/help" |
    sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\?\)  .*/\1/p')
n=$(printf '%s\n' "$cmds" | grep -c .)
[ "$n" -gt 20 ]
ok $? "the help lists commands ($n)"
# The page's command entries: the tags of COMMANDS (a line indented by 7
# columns whose next line is indented further), without the indentation.
# A command is documented when an entry is the command's whole name, alone
# or followed by its arguments: "runs" is not found in "runs watch RUN_ID",
# nor "connection add" in a paragraph that mentions it.
printf '%s\n' "$text" | sed -n '/^COMMANDS/,/^ENVIRONMENT/p' |
    awk '/^        / && prev ~ /^       [^ ]/ { print substr(prev, 8) }
	{ prev = $0 }' >"$TMPD/entries"
n=$(grep -c . "$TMPD/entries")
[ "$n" -gt 20 ]
ok $? "the page has command entries ($n)"
echo "$cmds" | while read -r c; do
	if grep -qxE -- "$c( .*)?" "$TMPD/entries"; then
		echo "$c: ok"
	else
		echo "$c: missing"
	fi
done >"$TMPD/cmds"
missing=$(grep -c ': missing$' "$TMPD/cmds")
is "$missing" 0 "every command is documented" ||
    diag "$(grep ': missing$' "$TMPD/cmds")"

# Options: every --option in every command's help.
: >"$TMPD/opts"
echo "$cmds" | while read -r c; do
	# shellcheck disable=SC2086
	"$SEGSYNC" $c --help
done | grep -o -- '--[a-z][a-z-]*' | sort -u >"$TMPD/opts"
n=$(wc -l <"$TMPD/opts")
[ "$n" -gt 20 ]
ok $? "the commands' help lists options ($n)"
# Whole options: --auth-code is not found in --auth-code-file.
while read -r o; do
	printf '%s\n' "$text" | grep -qE -- "$o([^a-z-]|\$)" || echo "$o"
done <"$TMPD/opts" >"$TMPD/missing-opts"
is "$(wc -l <"$TMPD/missing-opts" | tr -d ' ')" 0 \
    "every option is documented" || diag "$(cat "$TMPD/missing-opts")"

# Every exit status of cli.md is explained.
for st in 0 1 2 3 4; do
	printf '%s\n' "$text" | sed -n '/^EXIT STATUS/,/^EXAMPLES/p' |
	    grep -q "^ *$st  *"
	ok $? "exit status $st is documented"
done

done_testing
