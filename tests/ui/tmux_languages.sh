# End to end in a real terminal (tmux, 80x24) in French and in Dutch: a
# Braze connection and an export to it, both wizards walked to the end
# with the keys a person types. Each step's documented title must show
# whole (not cut at the right edge), with the words of the documentation
# the administrators know, and no line of any screen seen may be cut in
# the middle of a word at the right edge.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
fake_start braze braze '{"braze": {"keys": {"braze-good-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
BRAZE=$fake_url

# seen DESCRIPTION: the help bar (the last line) is not cut, and no line
# is wider than the terminal.
seen() {
	tm_screen >"$TMPD/pane"
	t_help=$(grep -v '^ *$' "$TMPD/pane" | tail -1)
	unlike "$t_help" "…" "$1: the help bar is whole"
	[ "$(LC_ALL=C.UTF-8 wc -L <"$TMPD/pane")" -le 80 ]
	ok $? "$1: within 80 columns"
}

# step TITLE WORDS DESCRIPTION: the step's title shows whole, with WORDS.
step() {
	tm_wait "$1" "$3: $1" || return 1
	# The words may come a moment later (a test's answer, a lookup).
	tm_wait "$2" "$3: the step says \"$2\""
	seen "$3"
}

# walk fr|nl: both wizards to the end in that language.
walk() {
	L=$1
	ui_lang "$L"
	rm -rf ws
	ui_workspace
	case $L in
	fr)
		s="Étape" of="sur" c=" :"
		t_home="Bienvenue," t_conns="Connexions"
		c1="Destination" w1="Braze"
		c2="Nom" w2="Nom d'affichage"
		c3="Qui peut l'utiliser" w3="Administrateurs uniquement"
		c4="Identifiants" w4="Clé API REST"
		c5="Confidentialité des données" w5="J'accepte"
		c6="Connecter" w6="Braze a accepté la clé API"
		c6x="Braze a refusé les identifiants (401)"
		c7="Utilisateur à exporter"
		w7="en tant qu'utilisateur à exporter"
		c8="Enregistrer" w8="Enregistrer"
		t_saved='Connexion "Braze EU" enregistrée (Braze).'
		x1="Connexion" v1="Braze EU"
		x2="Nom d'affichage" v2="Nom d'affichage"
		x3="Cible de destination"
		v3="Identificateur de l'API du segment Braze"
		v3x='Segment Braze "VIP (Braze)" trouvé'
		x4="Correspondance des données" v4="ID client Braze"
		x5="Segments" v5="MEMBRES"
		x6="Mode" v6="Synchroniser : retirer aussi"
		x7="Enregistrer" v7="L'enregistrement n'exécute pas"
		t_notnow="Pas maintenant" t_run="r exécuter"
		;;
	nl)
		s="Stap" of="van" c=":"
		t_home="Welkom," t_conns="Verbindingen"
		c1="Bestemming" w1="Braze"
		c2="Naam" w2="Weergavenaam"
		c3="Wie het mag gebruiken" w3="Alleen beheerders"
		c4="Referenties" w4="REST-API-sleutel"
		c5="Gegevensprivacy" w5="Ik ga akkoord"
		c6="Verbinden" w6="Braze heeft de API-sleutel"
		c6x="Braze heeft de referenties geweigerd (401)"
		c7="Exportgebruiker" w7="toevoegen als exportgebruiker"
		c8="Opslaan" w8="Opslaan"
		t_saved='De verbinding "Braze EU" (Braze) is opgeslagen.'
		x1="Verbinding" v1="Braze EU"
		x2="Weergavenaam" v2="Weergavenaam"
		x3="Bestemmingsdoel" v3="API-id van Braze-segment"
		v3x='Braze-segment "VIP (Braze)" gevonden'
		x4="Gegevensvergelijking" v4="Braze-klant-id"
		x5="Segmenten" v5="LEDEN"
		x6="Modus" v6="Bijhouden: ook mensen verwijderen"
		x7="Opslaan" v7="Opslaan voert de export niet uit"
		t_notnow="Niet nu" t_run="r nu uitvoeren"
		;;
	esac

	tm_next
	tm_start --passphrase-file "$TMPD/admin.pp" ||
	    fail_all "tmux cannot start a session"
	tm_wait "$t_home" "$L: home greets the administrator"
	seen "$L: home"
	tm_keys c
	tm_wait "$t_conns" "$L: the connections"
	tm_keys a
	step "$s 1 $of 8$c $c1" "$w1" "$L: connection"
	tm_keys Enter
	step "$s 2 $of 8$c $c2" "$w2" "$L: connection"
	tm_type "Braze EU"
	tm_keys Enter
	step "$s 3 $of 8$c $c3" "$w3" "$L: connection"
	tm_keys Enter
	step "$s 4 $of 8$c $c4" "$w4" "$L: connection"
	tm_type "braze-wrong-key-0000"
	tm_keys Tab Down Down Down Enter Tab
	tm_type "$BRAZE"
	tm_keys Enter
	step "$s 5 $of 8$c $c5" "$w5" "$L: connection"
	tm_keys Space Enter
	tm_wait "$c6x" "$L: a wrong key is refused in words"
	seen "$L: connection, the wrong key"
	tm_keys Enter
	tm_wait "$s 4 $of 8$c $c4" "$L: back to the credentials"
	tm_keys C-u
	tm_type "braze-good-key-1234"
	tm_keys Enter Enter
	step "$s 6 $of 8$c $c6" "$w6" "$L: connection"
	tm_keys Enter
	step "$s 7 $of 8$c $c7" "$w7" "$L: connection"
	tm_keys Space Enter
	step "$s 8 $of 8$c $c8" "$w8" "$L: connection"
	tm_keys Enter
	tm_wait "$t_saved" "$L: the connection is saved"
	seen "$L: connections"

	tm_keys Escape e a
	step "$s 1 $of 7$c $x1" "$v1" "$L: export"
	tm_keys Enter
	step "$s 2 $of 7$c $x2" "$v2" "$L: export"
	tm_type "VIP to Braze"
	tm_keys Enter
	step "$s 3 $of 7$c $x3" "$v3" "$L: export"
	tm_type "seg-vip"
	tm_keys Enter
	tm_wait "$v3x" "$L: the segment is looked up"
	tm_keys Enter
	step "$s 4 $of 7$c $x4" "$v4" "$L: export"
	tm_keys Tab Enter
	step "$s 5 $of 7$c $x5" "$v5" "$L: export"
	tm_keys Space Enter
	step "$s 6 $of 7$c $x6" "$v6" "$L: export"
	tm_keys Enter
	step "$s 7 $of 7$c $x7" "$v7" "$L: export"
	tm_keys Enter
	tm_wait "$t_notnow" "$L: saved, and Run now asked"
	seen "$L: saved"
	tm_keys Enter
	tm_wait "$t_run" "$L: the exports, with Run now offered"
	seen "$L: exports"
	case $(tm_screen) in
	*braze-good-key*|*braze-wrong-key*) ok 1 "$L: no key shows" ;;
	*) ok 0 "$L: no key shows" ;;
	esac
	tm_keys Escape q
	tm_wait "SEGSYNC-EXIT=0" "$L: q quits"
	run "$SEGSYNC" -w ws export show "VIP to Braze"
	like "$out" "seg-vip (VIP (Braze))" "$L: the export is saved"
}

walk fr
walk nl
done_testing
