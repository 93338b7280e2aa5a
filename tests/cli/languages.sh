# The program speaks French and Dutch in real locales, chosen in the usual
# order (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), and English under LANG=C or
# an unknown locale; what scripts read does not change with the language:
# exit statuses, --json output, counts' digits in --json.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
for l in fr_FR.utf8 nl_NL.utf8; do
	locale -a | grep -qx "$l" ||
	    { echo "Bail out! the locale $l is missing (script/bootstrap generates it)"
	    exit 1; }
done
# with_locale SETTINGS... CMD: run CMD with only those locale variables.
with_locale() {
	t_env=""
	while [ $# -gt 0 ] && case $1 in *=*) true ;; *) false ;; esac; do
		t_env="$t_env $1"
		shift
	done
	# shellcheck disable=SC2086
	run env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG $t_env "$@"
}

with_locale LANG=fr_FR.UTF-8 "$S" nosuch
is "$rc" 2 "French: an unknown command exits 2"
like "$err" "'nosuch' n'est pas une commande segsync" "in French"
with_locale LANG=nl_NL.UTF-8 "$S" nosuch
is "$rc" 2 "Dutch: the same exit status"
like "$err" "'nosuch' is geen segsync-opdracht" "in Dutch"
with_locale LANG=C "$S" nosuch
like "$err" "'nosuch' is not a segsync command" "LANG=C: English"
with_locale LANG=xx_YY.UTF-8 "$S" nosuch
like "$err" "'nosuch' is not a segsync command" "an unknown locale: English"
with_locale LANG=fr_FR.UTF-8 LC_MESSAGES=nl_NL.UTF-8 "$S" nosuch
like "$err" "is geen segsync-opdracht" "LC_MESSAGES before LANG"
with_locale LANG=fr_FR.UTF-8 LC_ALL=nl_NL.UTF-8 "$S" nosuch
like "$err" "is geen segsync-opdracht" "LC_ALL before LC_MESSAGES and LANG"
with_locale LANG=fr_FR.UTF-8 LANGUAGE=nl "$S" nosuch
like "$err" "is geen segsync-opdracht" "LANGUAGE first"
with_locale LANG=fr_FR.UTF-8 "$S" --help
like "$out" "  connection add   " "the French help keeps the commands"
like "$out" "Commandes :" "and is French"

# The same workspace read in three languages: --json identical.
mkdir -p "$TMPD/data"
printf 'email,first_name\na@example.com,Ann\nb@example.com,Bob\n' \
    >"$TMPD/data/VIP.csv"
ws_init "$TMPD/ws" --data "$TMPD/data" >/dev/null || exit 99
for l in C fr_FR.UTF-8 nl_NL.UTF-8; do
	with_locale LANG=$l "$S" -w "$TMPD/ws" segments --json
	printf '%s\n' "$out" >"$TMPD/segments.$l"
	with_locale LANG=$l "$S" -w "$TMPD/ws" connection list --json
	printf '%s\n' "$out" >"$TMPD/connections.$l"
done
cmp -s "$TMPD/segments.C" "$TMPD/segments.fr_FR.UTF-8" &&
    cmp -s "$TMPD/segments.C" "$TMPD/segments.nl_NL.UTF-8"
ok $? "segments --json is the same in English, French and Dutch"
cmp -s "$TMPD/connections.C" "$TMPD/connections.fr_FR.UTF-8" &&
    cmp -s "$TMPD/connections.C" "$TMPD/connections.nl_NL.UTF-8"
ok $? "connection list --json too"
with_locale LANG=fr_FR.UTF-8 "$S" -w "$TMPD/ws" connection show Nope
is "$rc" 4 "French: a missing connection exits 4, as in English"
unlike "$err" "no connection named" "and says so in French"
done_testing
