# The terminal UI headless in French (fr_FR.UTF-8) and Dutch
# (nl_NL.UTF-8) at 80x24, compared with golden screens fr-* and nl-*:
# home, the connections, the connection wizard's steps for Braze,
# Sendinblue and Snapchat, the export wizard's steps, the runs browser, a
# run's progress, record and rejected records, and errors in words (a
# wrong key, a wrong authorization code, a run that failed). The longer
# sentences must still fit: no line is wider than 80 columns.
. "$top_srcdir/tests/ui/lib.sh"
MKRUN="${PYTHON3:-python3} $top_srcdir/tests/ui/mkrun.py"
PP=$TMPD/admin.pp

fake_start braze braze '{"braze": {"keys": {"braze-good-key-1234":
    {"permissions": ["users.track", "segments.list"]}},
    "segments": [{"id": "seg-vip", "name": "VIP (Braze)"}]}}' ||
    fail_all "the fake Braze did not start"
BRAZE=$fake_url
fake_start brevo brevo '{"brevo": {"keys": {"xkeysib-good-5678": {}},
    "account": {"email": "owner@example.com", "companyName": "Example Ltd"},
    "lists": [{"id": 12, "name": "Newsletter (été)", "size": 41}]}}' ||
    fail_all "the fake Brevo did not start"
BREVO=$fake_url
fake_start snap snapchat '{"snapchat": {"client_secret": "snap-secret-42",
    "codes": ["code-1", "code-2"]}}' ||
    fail_all "the fake Snapchat did not start"
SNAP=$fake_url

# Running runs need a live worker: a process holding the run's lock.
t_holders=""
hold() {
	rm -f "$TMPD/hold-$1"
	"${PYTHON3:-python3}" -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)' "$TMPD/ws/runs/$1/lock" >"$TMPD/hold-$1" &
	t_holders="$t_holders $!"
	t_i=0
	while [ "$t_i" -lt 100 ] && ! grep -q held "$TMPD/hold-$1"; do
		sleep 0.05
		t_i=$((t_i + 1))
	done
}
t_kill_holders() {
	for p in $t_holders; do kill "$p" 2>/dev/null; done
	t_holders=""
}
cleanup_hooks="$cleanup_hooks t_kill_holders"

# tr_msg MSGID: the message in $UI_LOCALE's language, as a worker started
# in that language writes it in a run's errors.
tr_msg() {
	TEXTDOMAINDIR=$top_builddir/locale LC_ALL=$UI_LOCALE \
	    gettext -d segsync "$1"
}

# suite fr|nl CODE: every screen in that language, in a workspace of its
# own; CODE is a Snapchat authorization code not used yet (each works once).
suite() {
	L=$1
	CODE=$2
	ui_lang "$L"
	t_kill_holders
	rm -rf ws
	ui_workspace

	ui_keys "$L-conn" <<EOT
dump $L-home
keys c
dump $L-connections-empty
keys a
dump $L-cw-1-destination
keys <Enter>
dump $L-cw-2-name
keys Braze EU<Enter>
dump $L-cw-3-who
keys <Enter>
dump $L-cw-4-credentials
keys braze-wrong-key-0000<Tab><Down><Down><Down><Enter><Tab>$BRAZE<Enter>
dump $L-cw-5-privacy
keys <Enter>
dump $L-cw-5-privacy-refused
keys <Space><Enter>
dump $L-cw-6-connect-failed
keys <Enter><C-u>braze-good-key-1234<Enter><Enter>
dump $L-cw-6-connect-ok
keys <Enter>
dump $L-cw-7-export-user
keys <Space><Enter>
dump $L-cw-8-save
keys <Enter>
dump $L-cw-saved
keys a<Down><Enter>Brevo<Enter><Down><Enter>
dump $L-cw-brevo-credentials
keys xkeysib-good-5678<Tab>$BREVO<Enter>
dump $L-cw-brevo-privacy
keys <Space><Enter>
dump $L-cw-brevo-connect
keys <Enter>
dump $L-cw-brevo-export-user
keys <Space><Enter>
dump $L-cw-brevo-save
keys <Enter>
keys a<Down><Down><Enter>Snap<Enter><Enter>
dump $L-cw-snapchat-credentials
keys snap-client<Tab>snap-secret-42<Tab>http://127.0.0.1/callback<Tab>
keys $SNAP/v1<Tab>$SNAP<Enter>
dump $L-cw-snapchat-authorize
keys code-9<Enter>
dump $L-cw-snapchat-wrong-code
keys <C-u>$CODE<Enter>
dump $L-cw-snapchat-privacy
keys <Space><Enter>
dump $L-cw-snapchat-connect
keys <Enter>
dump $L-cw-snapchat-export-user
keys <Enter>
dump $L-cw-snapchat-save
keys <Enter>
dump $L-connections
keys q
EOT
	ui_run "$L-conn" --passphrase-file "$PP"
	is "$rc" 0 "$L: the connection wizard runs to the end (${err:-})"
	for d in home connections-empty cw-1-destination cw-2-name cw-3-who \
	    cw-4-credentials cw-5-privacy cw-5-privacy-refused \
	    cw-6-connect-failed cw-6-connect-ok cw-7-export-user cw-8-save \
	    cw-saved cw-brevo-credentials cw-brevo-privacy cw-brevo-connect \
	    cw-brevo-export-user cw-brevo-save cw-snapchat-credentials \
	    cw-snapchat-wrong-code cw-snapchat-privacy cw-snapchat-connect \
	    cw-snapchat-export-user cw-snapchat-save connections; do
		golden "$L-$d" "$L: connection wizard: $d"
	done
	# The address carries a random state: checked by its parts.
	dump_has "$L-cw-snapchat-authorize" \
	    "/login/oauth2/authorize?response_type=code&client_id=" \
	    "$L: the authorization address is shown in full"

	ui_keys "$L-export" <<EOT
keys ea
dump $L-xw-1-connection
keys <Enter>
dump $L-xw-2-name
keys <Enter>
dump $L-xw-2-name-empty
keys VIP to Braze<Enter>
dump $L-xw-3-target
keys seg-nope<Enter>
dump $L-xw-3-target-not-found
keys <C-u>seg-vip<Enter>
dump $L-xw-3-target-found
keys <Enter>
dump $L-xw-4-matching
keys <Tab><Enter>
dump $L-xw-5-segments
keys <Enter>
dump $L-xw-5-no-segment
keys <Space><Down><Space>
dump $L-xw-5-chosen
keys <Enter>
dump $L-xw-6-mode
keys <Enter>
dump $L-xw-7-save
keys <Enter>
dump $L-xw-saved
keys <Enter>
dump $L-xw-exports
keys a<Down><Enter>Newsletter<Enter>
dump $L-xw-brevo-target
keys 12<Enter>
dump $L-xw-brevo-target-found
keys <Enter>
dump $L-xw-brevo-matching
keys <Tab><Enter><Down><Space><Enter><Enter>
dump $L-xw-brevo-save
keys <Space><Tab><Enter><Enter>
keys a<Down><Down><Enter>Audience<Enter>
dump $L-xw-snapchat-target
keys <Esc><Esc><Esc><Esc>q
EOT
	ui_run "$L-export" --passphrase-file "$PP"
	is "$rc" 0 "$L: the export wizard runs to the end (${err:-})"
	for d in xw-1-connection xw-2-name xw-2-name-empty xw-3-target \
	    xw-3-target-not-found xw-3-target-found xw-4-matching \
	    xw-5-segments xw-5-no-segment xw-5-chosen xw-6-mode xw-7-save xw-saved \
	    xw-exports xw-brevo-target xw-brevo-target-found \
	    xw-brevo-matching xw-brevo-save xw-snapchat-target; do
		golden "$L-$d" "$L: export wizard: $d"
	done

	# Runs as their workers record them: events as formats and
	# arguments (read in the reader's language), errors in words in the
	# language of whoever started the run.
	W=$TMPD/ws
	SEND=20261122T100000Z-0001
	DONE=20261120T080000Z-0001
	FAIL=20261119T080000Z-0001
	INTR=20261117T080000Z-0001
	e401=$(tr_msg "%s refused the credentials (401 Unauthorized)" |
	    sed 's/%s/Braze/')
	$MKRUN "$W" $SEND '{"started_at": "2026-11-22T10:00:00Z",
	    "updated_at": "2026-11-22T10:01:20Z",
	    "counts": {"read": 45000, "sent": 44000, "accepted": 43000,
	    "rejected": 1000, "duplicates": 3},
	    "segment_counts": [{"read": 30000, "accepted": 28500,
	    "rejected": 500, "duplicates": 3}, {"read": 15000,
	    "accepted": 14500, "rejected": 500}],
	    "requests": 450, "retries": 3, "throttled": 2, "rate_waits": 12,
	    "in_flight": 4,
	    "events": [{"at": "2026-11-22T10:00:00Z", "what": "Started by alice.",
	    "msgid": "Started by %s.", "args": ["alice"]},
	    {"at": "2026-11-22T10:00:02Z", "what": "Phase: sending.",
	    "msgid": "Phase: %s.", "args": ["sending"]},
	    {"at": "2026-11-22T10:00:40Z", "what": "Retries so far: 3",
	    "msgid": "Retries so far: %'"'"'llu (%'"'"'llu answered 429 Too Many Requests); the requests were sent again.",
	    "args": ["3", "2"]}]}' --rejects 1000
	$MKRUN "$W" $DONE '{"status": "succeeded", "phase": "done",
	    "started_at": "2026-11-20T08:00:00Z", "updated_at":
	    "2026-11-20T08:02:05Z", "finished_at": "2026-11-20T08:02:05Z",
	    "counts": {"read": 100000, "sent": 99000, "accepted": 99000,
	    "rejected": 990, "duplicates": 10},
	    "segment_counts": [{"read": 60000, "accepted": 59400,
	    "rejected": 594, "duplicates": 6}, {"read": 40000,
	    "accepted": 39600, "rejected": 396, "duplicates": 4}],
	    "requests": 1320,
	    "events": [{"at": "2026-11-20T08:00:00Z", "what": "Started by alice.",
	    "msgid": "Started by %s.", "args": ["alice"]},
	    {"at": "2026-11-20T08:02:05Z", "what": "Succeeded.",
	    "msgid": "Succeeded: %'"'"'llu profiles accepted, %'"'"'llu rejected.",
	    "args": ["99000", "990"]}]}'
	$MKRUN "$W" $FAIL "{\"status\": \"failed\", \"phase\": \"done\",
	    \"fault\": \"auth\", \"started_by\": \"bob\",
	    \"started_at\": \"2026-11-19T08:00:00Z\", \"updated_at\":
	    \"2026-11-19T08:00:03Z\", \"finished_at\": \"2026-11-19T08:00:03Z\",
	    \"counts\": {\"read\": 150}, \"requests\": 1,
	    \"segment_counts\": [{\"read\": 150}],
	    \"errors\": [\"$e401\"]}"
	$MKRUN "$W" $INTR '{"started_at": "2026-11-17T08:00:00Z",
	    "attempts": 2, "updated_at": "2026-11-17T09:30:00Z",
	    "counts": {"read": 80000, "sent": 80000, "accepted": 79000,
	    "rejected": 500, "duplicates": 500},
	    "segment_counts": [{"read": 60000, "accepted": 59000,
	    "rejected": 500, "duplicates": 500}, {"read": 20000,
	    "accepted": 20000}],
	    "events": [{"at": "2026-11-17T08:00:00Z", "what": "Started by alice.",
	    "msgid": "Started by %s.", "args": ["alice"]},
	    {"at": "2026-11-17T09:00:00Z", "what": "Interrupted.",
	    "msgid": "Interrupted: the worker stopped (killed, or the machine restarted) after %s.",
	    "args": ["2026-11-17T08:20:00Z"]},
	    {"at": "2026-11-17T09:00:01Z", "what": "Resumed.",
	    "msgid": "Resumed by %s (attempt %u): %'"'"'zu profiles answered before are not sent again.",
	    "args": ["alice", "2", "40000"]},
	    {"at": "2026-11-17T09:10:00Z", "what": "Waits.",
	    "msgid": "Waits for the destination'"'"'s rate limit so far: %'"'"'llu.",
	    "args": ["40"]}]}'
	hold $SEND

	ui_keys "$L-runs" <<EOT
keys s
dump $L-segments
keys <Esc>r
dump $L-rb-all
keys <Enter>
dump $L-pr-sending
keys r
dump $L-rj-first
keys <PgDn><Down>
dump $L-rj-page
keys <Esc><Esc><Down><Enter>
dump $L-pr-succeeded
keys <Esc><Down>w
dump $L-pr-failed
keys d
dump $L-rd-failed
keys <Esc><Esc><Down>w
dump $L-pr-interrupted
keys d
dump $L-rd-interrupted
keys <PgDn>
dump $L-rd-timeline
keys s
dump $L-rd-resume-ask
keys <Esc><Esc><Esc>
keys f<Down><Enter>
dump $L-rb-status-running
keys <Esc>q
EOT
	ui_run "$L-runs" --passphrase-file "$PP"
	is "$rc" 0 "$L: the runs screens run headless (${err:-})"
	for d in segments rb-all pr-sending rj-first rj-page pr-succeeded pr-failed \
	    rd-failed pr-interrupted rd-interrupted rd-timeline \
	    rd-resume-ask rb-status-running; do
		golden "$L-$d" "$L: runs: $d"
	done

	# Nothing wider than the terminal, and no key on screen.
	t_wide=$(for f in "$DUMPS/$L"-*; do
		[ "$(LC_ALL=C.UTF-8 wc -L <"$f")" -le 80 ] || echo "${f##*/}"
	done)
	is "$t_wide" "" "$L: no line is wider than 80 columns"
	grep -rl -e braze-good-key -e braze-wrong-key -e snap-secret-42 \
	    -e "$CODE" \
	    -e xkeysib-good "$DUMPS" >"$TMPD/leaks"
	is "$(cat "$TMPD/leaks")" "" "$L: no secret ever shows on screen"
}

suite fr code-1
dump_has fr-home "Connexions" "French: the home screen's words"
dump_has fr-cw-1-destination "Ajouter une connexion" \
    "French: the wizard's title from the documentation"
dump_has fr-cw-5-privacy "J'accepte" "French: I agree"
dump_has fr-xw-4-matching "Correspondance des données" \
    "French: data matching"
dump_has fr-xw-brevo-target "ID de liste Sendinblue" \
    "French: the Sendinblue list ID"
dump_has fr-xw-snapchat-target "ID d'audience Snapchat" \
    "French: the Snapchat audience ID"
dump_has fr-rb-all "22/11 10:00" "French: dates in the French order"
dump_has fr-rd-interrupted "17/11/2026 08:00" \
    "with the year where there is room"
suite nl code-2
dump_has nl-home "Verbindingen" "Dutch: the home screen's words"
dump_has nl-cw-1-destination "Verbinding toevoegen" \
    "Dutch: the wizard's title from the documentation"
dump_has nl-cw-5-privacy "Ik ga akkoord" "Dutch: I agree"
dump_has nl-xw-4-matching "Gegevensvergelijking" "Dutch: data matching"
dump_has nl-rb-all "22-11 10:00" "Dutch: dates in the Dutch order"
dump_has nl-rd-interrupted "17-11-2026 08:00" \
    "with the year where there is room"
done_testing
