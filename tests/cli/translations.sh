# The French and Dutch catalogues are whole and in step with the sources:
# every language of po/LINGUAS has every message translated (none fuzzy),
# po/segsync.pot is what xgettext extracts from the sources today, and
# make update-po would change nothing in any catalogue. A message added,
# changed or removed in the code without updating po/ fails here.
. "$top_srcdir/tests/cli/lib.sh"
cd "$top_srcdir" || exit 99

for tool in xgettext msgmerge msgfmt msgcat; do
	command -v "$tool" >/dev/null ||
	    { echo "Bail out! $tool is missing (Debian package gettext)"; exit 1; }
done
langs=$(grep -v '^#' po/LINGUAS)
is "$(echo $langs)" "fr nl" "po/LINGUAS lists French and Dutch"

# whole STATS: 0 when msgfmt counted translated messages and nothing else.
whole() { printf '%s\n' "$1" | grep -Eqx '[0-9]+ translated messages\.'; }

# entries FILE: the catalogue's entries without its header, sorted.
entries() {
	msgcat --sort-output --no-wrap "$1" | awk '
	    !h && /^$/ { h = 1; next }
	    h'
}

# shellcheck disable=SC2046
xgettext --keyword=_ --keyword=N_ --keyword=ngettext_:1,2 \
    --from-code=UTF-8 --add-comments=TRANSLATORS: --add-location=file \
    -o "$TMPD/segsync.pot" $(grep -v '^#' po/POTFILES.in) 2>"$TMPD/xg.err"
ok $? "xgettext extracts the template from po/POTFILES.in"
entries "$TMPD/segsync.pot" >"$TMPD/fresh"
entries po/segsync.pot >"$TMPD/committed"
diff "$TMPD/committed" "$TMPD/fresh" >"$TMPD/pot.diff"
ok $? "po/segsync.pot holds exactly the messages of the sources"
[ -s "$TMPD/pot.diff" ] &&
    diag "run make update-po, translate what changed:
$(head -20 "$TMPD/pot.diff")"

for l in $langs; do
	stats=$(msgfmt --check --statistics -o /dev/null "po/$l.po" 2>&1)
	whole "$stats"
	ok $? "$l: every message translated, none fuzzy ($stats)"
	msgmerge --quiet --add-location=file -o "$TMPD/$l.po" "po/$l.po" \
	    "$TMPD/segsync.pot" 2>/dev/null
	stats=$(msgfmt --check --statistics -o /dev/null "$TMPD/$l.po" 2>&1)
	whole "$stats"
	ok $? "$l: against today's sources too ($stats)"
	entries "$TMPD/$l.po" >"$TMPD/$l.merged"
	entries "po/$l.po" >"$TMPD/$l.committed"
	diff "$TMPD/$l.committed" "$TMPD/$l.merged" >/dev/null
	ok $? "$l: make update-po would change nothing"
done
like "$(grep '^"Plural-Forms' po/fr.po)" 'nplurals=2; plural=(n > 1);' \
    "French plural rule (0 and 1 are singular)"
like "$(grep '^"Plural-Forms' po/nl.po)" 'nplurals=2; plural=(n != 1);' \
    "Dutch plural rule"
# The seeds' words are the ones on screen.
for w in "Connexions" "Ajouter une connexion" "Nom d'affichage" \
    "J'accepte" "Enregistrer" "Correspondance des données"; do
	msgcat --no-wrap po/fr.po | grep -q "^msgstr.*$w"
	ok $? "fr: the documentation's \"$w\""
done
for w in "Verbindingen" "Verbinding toevoegen" "Weergavenaam" \
    "Ik ga akkoord" "Opslaan" "Gegevensvergelijking"; do
	msgcat --no-wrap po/nl.po | grep -q "^msgstr.*$w"
	ok $? "nl: the documentation's \"$w\""
done
done_testing
