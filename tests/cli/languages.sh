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

# A run started by a French administrator reads in Dutch for a Dutch one:
# the timeline keeps formats and arguments, not sentences.
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
"$top_builddir/bench/gen_segment" --rows 3000 --seed 5 -o "$TMPD/data/Big.csv"
cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}]}}
EOT
BASE=$($FAKECTL start "$TMPD/fake" --dest braze --config "$TMPD/fake.json") ||
    { echo "Bail out! the fake Braze server did not start"; exit 1; }
stop_fake() { $FAKECTL stop "$TMPD/fake" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/key"
"$S" -w "$TMPD/ws" connection add --type braze --name Braze --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" --export-user >/dev/null || exit 99
"$S" -w "$TMPD/ws" export add --name Big --connection Braze \
    --target vip-seg --map email=email --map customer_id=customer_id \
    --segment Big >/dev/null || exit 99
with_locale LANG=fr_FR.UTF-8 "$S" -w "$TMPD/ws" run Big
is "$rc" 0 "a run started in French"
id=$(ls "$TMPD/ws/runs" | grep -v '\.lock$' | sort | tail -1)
with_locale LANG=nl_NL.UTF-8 "$S" -w "$TMPD/ws" runs show "$id"
like "$out" "Gestart door" "watched in Dutch: how it started, in Dutch"
like "$out" "Geslaagd: 2.9" "and how it ended, counts grouped as in Dutch"
unlike "$out" "Démarrée\|Réussie" "with nothing left in French"
with_locale LANG=fr_FR.UTF-8 "$S" -w "$TMPD/ws" runs show "$id"
like "$out" "Réussie : 2" "the same run read in French"
with_locale LANG=nl_NL.UTF-8 "$S" -w "$TMPD/ws" runs show "$id" --json
like "$out" '"what":	"Succeeded: 2' "--json keeps the English, digits plain"
# A run's phase is said in the reader's language; --json keeps its name.
$FAKECTL config "$TMPD/fake" '{"faults": {"latency_ms": 1500}}' >/dev/null
"$S" -w "$TMPD/ws" run Big --full --detach >/dev/null
id=$(ls "$TMPD/ws/runs" | grep -v '\.lock$' | sort | tail -1)
i=0
until "$S" -w "$TMPD/ws" runs show "$id" --json | grep -q '"phase":[[:space:]]*"sending"' ||
    [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
with_locale LANG=fr_FR.UTF-8 "$S" -w "$TMPD/ws" runs show "$id"
like "$out" "envoi, " "the phase of a run, in French"
unlike "$out" "sending" "not its name"
with_locale LANG=nl_NL.UTF-8 "$S" -w "$TMPD/ws" runs show "$id"
like "$out" "verzenden, " "and in Dutch"
"$S" -w "$TMPD/ws" runs cancel "$id" >/dev/null
$FAKECTL config "$TMPD/fake" '{"faults": {"latency_ms": 0}}' >/dev/null
done_testing
