# Sendinblue (Brevo) connections tested before they are saved, exports
# whose list is looked up at the destination, and runs whose import
# processes are confirmed: against the fake Brevo.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
mkdir -p "$D"
"$GEN" --rows 120 --seed 3 -o "$D/VIP.csv"

cat >"$TMPD/fake.json" <<'EOT'
{"brevo": {"keys": {"xkeysib-good-1234": {}},
  "account": {"email": "owner@example.com", "companyName": "Example Ltd"},
  "lists": [{"id": 12, "name": "Newsletter (été)", "size": 41}]}}
EOT
BASE=$($FAKECTL start "$TMPD/fake" --dest brevo --config "$TMPD/fake.json") ||
    fail_all "the fake Brevo server did not start"
stop_fake() { $FAKECTL stop "$TMPD/fake" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
key() { printf '%s\n' "$1" >"$TMPD/$1"; echo "$TMPD/$1"; }
# add NAME KEY [BASE_URL]
add() {
	run "$S" -w "$W" connection add --type sendinblue --name "$1" \
	    --agree-privacy --api-key-file "$(key "$2")" \
	    --base-url "${3:-$BASE}"
}
nconn() { ls "$W/connections" | grep -c '\.json$'; }

add Good xkeysib-good-1234
is "$rc" 0 "a Sendinblue connection whose key works is saved"
like "$out" "Brevo accepted the API key: account owner@example.com (Example Ltd)." \
    "and the test says which account answered"
unlike "$out" "comes in a later version" "without the untested notice"
add Bad xkeysib-bad-0000
is "$rc" 3 "a wrong key exits 3"
like "$err" "no account has this key" "in words"
like "$err" "nothing was saved" "and nothing is saved"
add Down xkeysib-good-1234 http://127.0.0.1:9/v3
is "$rc" 4 "an unreachable host exits 4"
like "$err" "Could not reach Brevo" "and says why"
add Plain xkeysib-good-1234 http://api.brevo.com/v3
is "$rc" 4 "http:// to a host that is not loopback exits 4"
unlike "$err" "Could not reach" "without any request being made"
is "$(nconn)" 1 "only the working connection was saved"
run "$S" -w "$W" connection test Good
is "$rc" 0 "connection test on the working key exits 0"

run "$S" -w "$W" export add --name N --connection Good --target Newsletter \
    --map email=email --segment VIP
is "$rc" 4 "a list ID that is not a number exits 4"
like "$err" "not a Sendinblue list ID" "in words"
run "$S" -w "$W" export add --name N --connection Good --target 99 \
    --map email=email --segment VIP
is "$rc" 4 "a list the account does not have exits 4"
like "$err" "list 99 does not exist in this account" "in words"
like "$err" "nothing was saved" "and nothing is saved"
run "$S" -w "$W" export add --name U --connection Good --target 12 \
    --map email=email --segment VIP --mode update-only
is "$rc" 4 "--mode update-only on Sendinblue exits 4"
like "$err" "Sendinblue (Brevo) cannot be told to update only the profiles it already has, so an export to it cannot use the update-only mode" \
    "naming the destination"
like "$err" "choose upsert or mirror" "and saying what to choose instead"
run "$S" -w "$W" export show U
is "$rc" 4 "and the export was not saved"
run "$S" -w "$W" export add --name "VIP to Brevo" --connection Good \
    --target 12 --map email=email --map firstname=first_name \
    --map lastname=last_name --map phone=phone --segment VIP
is "$rc" 0 "an export to an existing list is saved"
like "$out" "Found the Brevo list \"Newsletter (été)\" (ID 12) with 41 contacts." \
    "showing the list's name and size at Brevo"
like "$out" "120 profiles" "and how many profiles it covers"
run "$S" -w "$W" export show "VIP to Brevo"
like "$out" "Newsletter (été)" "export show names the list"

# --- runs: imports confirmed, the list's contents at Brevo -------------------
# The fake's import processes complete 0.6 s after each import; Brevo's
# own check refuses the gmx.net addresses (they go in the report).
$FAKECTL config "$TMPD/fake" '{"brevo": {"invalid_email_pattern":
    "@gmx\\.net$", "process": {"queued_seconds": 0.3,
    "in_process_seconds": 0.3}}}' >/dev/null
export SEGSYNC_TEST_CONFIRM_MS=200,500,30000
newest() { ls "$W/runs" | grep -v '\.lock$' | sort | tail -1; }
rj() {
	"${PYTHON3:-python3}" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(d)' "$W/runs/$1/run.json" "$2"
}
run "$S" -w "$W" run "VIP to Brevo"
is "$rc" 0 "a run to Brevo succeeds"
like "$out" "succeeded" "and says so"
id=$(newest)
is "$(rj "$id" status)" succeeded "recorded as succeeded"
# Every valid row is a contact of list 12 with exactly its names and SMS
# (only a valid phone, normalised), except what Brevo reported invalid;
# those are the confirmation's rejects, and the run's counts agree.
$FAKECTL state "$TMPD/fake" >"$TMPD/state.json"
check=$("${PYTHON3:-python3}" - "$D/VIP.csv" "$TMPD/state.json" \
    "$W/runs/$id/run.json" "$W/runs/$id/rejects.csv" <<'EOT'
import csv, json, re, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
state = json.load(open(sys.argv[2]))["contacts"]
rec = json.load(open(sys.argv[3]))
rejects = list(csv.DictReader(open(sys.argv[4], encoding="utf-8")))
def email(e):
    e = e.strip().lower()
    ok = re.match(r"^[^@\s]{1,64}@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+"
                  r"[a-z0-9]([a-z0-9-]*[a-z0-9])?$", e) and len(e) <= 254
    return e if ok else None
def phone(p):
    p = re.sub(r"[\s.()-]", "", p.strip().replace("(0)", "", 1))
    if p.startswith("00"):
        p = "+" + p[2:]
    return p if re.match(r"^\+[0-9]{8,15}$", p) else None
want, reported, seen = {}, set(), set()
for r in rows:
    e = email(r["email"])
    if e is None or e in seen:
        continue
    seen.add(e)
    if e.endswith("@gmx.net"):
        reported.add(e)
        continue
    a = {}
    for k, f in (("FIRSTNAME", "first_name"), ("LASTNAME", "last_name")):
        if r[f].strip():
            a[k] = r[f].strip()
    if phone(r["phone"]):
        a["SMS"] = phone(r["phone"])
    want[e] = {"attributes": a, "listIds": [12], "imports": 1}
bad = [e for e in want if state.get(e) != want[e]]
extra = [e for e in state if e not in want]
rep = [x for x in rejects if "found the email address invalid" in x["reason"]]
print("contacts %d bad %d extra %d reported %d/%d accepted %s" % (
    len(state), len(bad), len(extra), len(rep), len(reported),
    "right" if rec["counts"]["accepted"] == len(want) else "wrong"))
EOT
)
like "$check" "bad 0 extra 0" "the list holds exactly the valid profiles, as data-rules says ($check)"
unlike "$check" "reported 0/" "some emails were reported invalid"
like "$check" "accepted right" "accepted in the record: the valid profiles Brevo kept"
n=$(printf '%s\n' "$check" | sed 's/.*reported \([0-9]*\)\/\([0-9]*\).*/\1 \2/')
is "${n% *}" "${n#* }" "each reported email is rejected once"
is "$($FAKECTL get "$TMPD/fake" state.processes.1.status)" completed \
    "its import process completed"

# What the confirmation rejected is not taken as a member: in mirror mode,
# when those profiles leave the segment, nothing is removed for them (they
# never joined the list); data-rules sends them again only when they change.
cp "$D/VIP.csv" "$D/Mirror.csv"
run "$S" -w "$W" export add --name "Mirror to Brevo" --connection Good \
    --target 12 --map email=email --segment Mirror --mode mirror \
    --max-removals 100
is "$rc" 0 "a mirror export to the same list is saved"
run "$S" -w "$W" run "Mirror to Brevo"
is "$rc" 0 "its first run succeeds"
idm=$(newest)
nrej=$(grep -c 'found the email address invalid' "$W/runs/$idm/rejects.csv")
is "$nrej" "${n% *}" "the confirmation rejects the same profiles"
grep -v '@gmx\.net' "$D/VIP.csv" >"$D/Mirror.csv"
run "$S" -w "$W" run "Mirror to Brevo"
is "$rc" 0 "the run after those profiles left succeeds"
idm=$(newest)
is "$(rj "$idm" counts.removed)" 0 \
    "and removes none of them: Brevo never took them"
is "$(rj "$idm" counts.sent)" 0 "nor sends anything else"

# An import that fails rejects all of its profiles, in words.
$FAKECTL reset "$TMPD/fake" >/dev/null
$FAKECTL config "$TMPD/fake" '{"brevo": {"process": {"fail_every": 1}}}' \
    >/dev/null
run "$S" -w "$W" run "VIP to Brevo" --full
is "$rc" 4 "a run whose import fails ends, failed: every profile rejected"
like "$out" "were rejected, more than the export's maximum of 50%" \
    "over the export's largest share of rejected profiles, it says"
id=$(newest)
is "$(rj "$id" counts.accepted)" 0 "nothing accepted"
like "$(cat "$W/runs/$id/rejects.csv")" "Brevo's import process 1 failed, so the contact was not imported." \
    "the rejects say why, naming the process"
is "$($FAKECTL get "$TMPD/fake" state.contact_count)" 0 "and Brevo has none"

# The worker killed while it waits on the import processes: the resumed
# run sends no import again, asks Brevo about the journaled processes,
# and their failure still rejects every profile.
$FAKECTL reset "$TMPD/fake" >/dev/null
nproc_fake() {
	$FAKECTL state "$TMPD/fake" | "${PYTHON3:-python3}" -c \
	    'import json, sys; print(len(json.load(sys.stdin)["processes"]))'
}
SEGSYNC_TEST_CONFIRM_MS=4000,4000,30000 \
    "$S" -w "$W" run "VIP to Brevo" --full --detach >/dev/null
cid=$(newest)
i=0
while [ "$i" -lt 100 ] && [ "$(rj "$cid" phase)" != confirming ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(rj "$cid" phase)" confirming "the run waits on its import processes"
jobs=$(rj "$cid" confirmation.jobs)
ok "$([ "$jobs" -gt 0 ]; echo $?)" "the record counts them ($jobs)"
kill -9 "$(rj "$cid" pid)"
sleep 0.3
before=$(nproc_fake)
run "$S" -w "$W" run --resume "$cid"
is "$rc" 4 "the resumed run ends, failed on its rejected share"
is "$(nproc_fake)" "$before" "no import was sent again"
is "$(rj "$cid" counts.accepted)" 0 "the failed processes, asked again, reject"
is "$(rj "$cid" confirmation.failed)" "$jobs" "every journaled process"
ok "$([ "$(grep -c '^r ' "$W/runs/$cid/journal")" -gt 0 ]; echo $?)" \
    "the journal keeps the confirmation's rejects"
like "$(cat "$W/runs/$cid/rejects.csv")" "import process 1 failed" \
    "and the rejects file says why"
run "$S" -w "$W" runs show "$cid"
like "$out" "Confirmation: " "runs show reports the confirmation"
unset SEGSYNC_TEST_CONFIRM_MS

is "$($FAKECTL get "$TMPD/fake" stats.over_limit)" 0 \
    "the fake saw no request over its rate limit"
done_testing
