# The man page renders without warnings and documents every command and
# option that the program knows.
. "$top_srcdir/tests/cli/lib.sh"
MAN=$top_srcdir/man/segsync.1

if [ -z "${GROFF:-}" ] || ! [ -x "$GROFF" ]; then
	GROFF=$(command -v groff) || skip_all "groff is not installed"
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
# Command names: the first column of the help's command list.
cmds=$(sed -n '/^Commands:/,/^$/p' "$TMPD/help" | sed -n 's/^  \([a-z-]*\( [a-z-]*\)\?\)  .*/\1/p')
[ -n "$cmds" ]
ok $? "the help lists commands"
echo "$cmds" | while read -r c; do
	case $text in
	*"$c"*) echo "$c: ok" ;;
	*) echo "$c: missing" ;;
	esac
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
while read -r o; do
	case $text in
	*"$o"*) ;;
	*) echo "$o" ;;
	esac
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
