# The French and Dutch man pages are in step with the English one: their
# catalogues translate every paragraph of today's man/segsync.1 (none
# fuzzy), man/LANG/segsync.1 is exactly what po4a makes of them, they
# render without warnings, and every command of the English page is in
# each (commands are never translated). script/update-man-po fixes the
# first two after an edit of the English page.
. "$top_srcdir/tests/cli/lib.sh"
cd "$top_srcdir" || exit 99

for tool in po4a-updatepo po4a-translate msgfmt msgcat; do
	command -v "$tool" >/dev/null ||
	    { echo "Bail out! $tool is missing (Debian packages po4a, gettext)"
	    exit 1; }
done
if [ -z "${GROFF:-}" ] || ! [ -x "$GROFF" ]; then
	GROFF=$(command -v groff) ||
	    { echo "Bail out! groff is missing (Debian package groff-base)"
	    exit 1; }
fi
opts="-f man -m man/segsync.1 -M UTF-8"
entries() {
	msgcat --sort-output --no-wrap "$1" | awk '!h && /^$/ { h = 1; next } h'
}
text() {
	LC_ALL=C.UTF-8 "$GROFF" -man -Tutf8 -rLL=300n -rHY=0 "$1" 2>/dev/null |
	    sed 's/.\x08//g'
}

# shellcheck disable=SC2086
po4a-updatepo $opts -p "$TMPD/segsync.pot" --porefs file >/dev/null 2>&1
ok $? "po4a extracts the English page's paragraphs"
entries "$TMPD/segsync.pot" >"$TMPD/fresh"
entries man/po/segsync.pot >"$TMPD/committed"
diff "$TMPD/committed" "$TMPD/fresh" >"$TMPD/pot.diff"
ok $? "man/po/segsync.pot is today's English page"
[ -s "$TMPD/pot.diff" ] &&
    diag "run script/update-man-po and translate what it reports"

# Command names: the first column of the help's command list (as man.sh).
cmds=$("$SEGSYNC" --help | sed -n '/^Commands:/,/^$/p' |
    sed -n 's/^  \([a-z-]*\( [a-z-]*\)\?\)  .*/\1/p')
[ -n "$cmds" ]
ok $? "the help lists commands"
for l in fr nl; do
	cp "man/po/$l.po" "$TMPD/$l.po"
	# shellcheck disable=SC2086
	po4a-updatepo $opts -p "$TMPD/$l.po" --porefs file >/dev/null 2>&1
	stats=$(msgfmt --check --statistics -o /dev/null "$TMPD/$l.po" 2>&1)
	printf '%s\n' "$stats" | grep -Eqx '[0-9]+ translated messages\.'
	ok $? "$l: every paragraph translated, none fuzzy ($stats)"
	# shellcheck disable=SC2086
	po4a-translate $opts -p "man/po/$l.po" -l "$TMPD/$l.1" -L UTF-8 \
	    -k 100 >/dev/null 2>&1
	cmp -s "$TMPD/$l.1" "man/$l/segsync.1"
	ok $? "$l: man/$l/segsync.1 is what po4a makes of man/po/$l.po"
	warnings=$(LC_ALL=C.UTF-8 "$GROFF" -ww -z -man -Tutf8 \
	    "man/$l/segsync.1" 2>&1)
	is "$warnings" "" "$l: the page renders without warnings"
	t=$(text "man/$l/segsync.1")
	missing=$(printf '%s\n' "$cmds" | while read -r c; do
		printf "%s\n" "$t" | grep -qwF "$c" || echo "$c"
	done)
	is "$missing" "" "$l: every command of the English page is there"
done
like "$(text man/fr/segsync.1)" "NOM" "the French page's sections are French"
like "$(text man/nl/segsync.1)" "NAAM" "the Dutch page's sections are Dutch"
done_testing
