# Keeping a destination in step (data-rules.md), against the fakes over
# real HTTP: three runs over changing data for Braze, Sendinblue and
# Snapchat in mirror mode, where after each run the fake's membership is
# exactly what the segments say (an oracle in Python reads the CSV files)
# and the fake received only the new, changed and removed profiles; the
# guards (an empty source, a 60% removal) stop a run before any request
# and go ahead with --allow-empty / --force; a kill -9 during a run, then a
# fresh run, leaves the membership exact with nothing accepted sent twice
# beyond the batches in flight; a change of mapping re-sends every item; a
# change of target starts a new state and leaves the old target alone;
# update-only creates nobody at Braze; the state file holds no email.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
PY=${PYTHON3:-python3}
FAKECTL="$PY $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
mkdir -p "$D"

# seg NAME FIRST LAST [SKIP...]: rows FIRST..LAST of segment NAME (email
# u<i>@example.com, customer ID C<i>, city P<i mod 3>), without SKIP. An
# environment CITY_<i>=X changes one city, BAD_<i>=1 spoils one email.
seg() {
	t_f=$D/$1.csv
	shift
	"$PY" - "$t_f" "$@" <<'EOT'
import os, sys
path, a, b, skip = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), set(map(int, sys.argv[4:]))
with open(path + ".tmp", "w") as f:
    f.write("email,customer_id,city\n")
    for i in range(a, b + 1):
        if i in skip:
            continue
        email = "u%d@example.com" % i
        if os.environ.get("BAD_%d" % i):
            email = "u%d-at-example.com" % i
        city = os.environ.get("CITY_%d" % i, "P%d" % (i % 3))
        f.write("%s,C%d,%s\n" % (email, i, city))
os.rename(path + ".tmp", path)
EOT
}
empty() { printf 'email,customer_id,city\n' >"$D/$1.csv"; }

# What the segments say the target must hold: "KEY SEG,SEG" lines, by key
# (Braze: customer ID; Brevo: email; Snapchat: the email's SHA-256).
oracle() {
	t_k=$1
	shift
	"$PY" - "$t_k" "$D" "$@" <<'EOT'
import csv, hashlib, re, sys
kind, d, segs = sys.argv[1], sys.argv[2], sys.argv[3:]
ok = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
m = {}
for s in segs:
    for row in csv.DictReader(open("%s/%s.csv" % (d, s))):
        e = row["email"].strip().lower()
        if not ok.match(e):
            continue
        k = {"braze": row["customer_id"], "brevo": e,
             "snapchat": hashlib.sha256(e.encode()).hexdigest()}[kind]
        m.setdefault(k, set()).add(s)
for k in sorted(m):
    print(k if kind != "braze" else "%s %s" % (k, ",".join(sorted(m[k]))))
EOT
}

# What the fake holds: the same lines.
members() {
	$FAKECTL state "$1" | "$PY" -c '
import json, sys
kind, target = sys.argv[1], sys.argv[2]
st = json.load(sys.stdin)
out = []
if kind == "braze":
    for k, u in st["users"].items():
        v = u.get("attributes", {}).get(target)
        if v:
            out.append("%s %s" % (u.get("external_id", k), ",".join(sorted(v))))
elif kind == "brevo":
    out = [e for e, c in st["contacts"].items() if int(target) in c["listIds"]]
else:
    out = [h for v in st["segments"][target]["users"].values() for h in v]
print("\n".join(sorted(out)))' "$2" "$3"
}
# A number of the fake's counts: counted DIR NAME
counted() {
	$FAKECTL state "$1" | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["counts"].get(sys.argv[1], 0))' "$2"
}
rj() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(str(d).lower() if isinstance(d, bool) else d)' "$W/runs/$1/run.json" "$2"
}
isnt() { t_g=$1 t_w=$2; shift 2; ok "$([ "$t_g" != "$t_w" ]; echo $?)" "$@"; }
newest() { ls "$W/runs" | grep -v '\.lock$' | sort | tail -1; }
nreq() { $FAKECTL get "$1" stats.requests_total; }

cat >"$TMPD/braze.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}, {"id": "kill-seg", "name": "K"},
    {"id": "upd-seg", "name": "U"}, {"id": "gone-seg", "name": "G"},
    {"id": "nul-seg", "name": "N"}]}}
EOT
cat >"$TMPD/brevo.json" <<'EOT'
{"brevo": {"keys": {"xkeysib-good-1234": {}},
  "account": {"email": "owner@example.com", "companyName": "Example Ltd"},
  "lists": [{"id": 12, "name": "Newsletter", "size": 0}]}}
EOT
cat >"$TMPD/snap.json" <<'EOT'
{"snapchat": {"client_secret": "snap-secret",
  "codes": ["code-1"],
  "segments": [{"id": "111", "name": "Sams", "approximate_number_users": 0}]}}
EOT
FB=$TMPD/fb FV=$TMPD/fv FS=$TMPD/fs
BB=$($FAKECTL start "$FB" --dest braze --config "$TMPD/braze.json") ||
    fail_all "the fake Braze server did not start"
BV=$($FAKECTL start "$FV" --dest brevo --config "$TMPD/brevo.json") ||
    fail_all "the fake Brevo server did not start"
BS=$($FAKECTL start "$FS" --dest snapchat --config "$TMPD/snap.json") ||
    fail_all "the fake Snapchat server did not start"
stop_fakes() {
	for f in "$FB" "$FV" "$FS"; do $FAKECTL stop "$f" >/dev/null 2>&1; done
}
cleanup_hooks="$cleanup_hooks stop_fakes"

# Brevo's import processes complete at once, and are asked about soon.
$FAKECTL config "$FV" '{"brevo": {"process": {"queued_seconds": 0,
    "in_process_seconds": 0}}}' >/dev/null
export SEGSYNC_TEST_CONFIRM_MS=50,200,30000

seg A 1 20
seg B 15 25
ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/bkey"
printf 'xkeysib-good-1234\n' >"$TMPD/vkey"
printf 'snap-secret\n' >"$TMPD/ssecret"
printf 'code-1\n' >"$TMPD/scode"
"$S" -w "$W" connection add --type braze --name Braze --agree-privacy \
    --api-key-file "$TMPD/bkey" --endpoint rest.fra-01.braze.eu \
    --base-url "$BB" --export-user >/dev/null || exit 99
"$S" -w "$W" connection add --type sendinblue --name Brevo --agree-privacy \
    --api-key-file "$TMPD/vkey" --base-url "$BV" >/dev/null || exit 99
"$S" -w "$W" connection add --type snapchat --name Snap --agree-privacy \
    --client-id snap-client --client-secret-file "$TMPD/ssecret" \
    --redirect-uri http://127.0.0.1/callback --base-url "$BS/v1" \
    --auth-url "$BS" --auth-code-file "$TMPD/scode" >/dev/null || exit 99
"$S" -w "$W" export add --name MB --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --map attr:city=city \
    --segment A --segment B --mode mirror >/dev/null || exit 99
"$S" -w "$W" export add --name MV --connection Brevo --target 12 \
    --map email=email --segment A --segment B --mode mirror >/dev/null ||
    exit 99
"$S" -w "$W" export add --name MS --connection Snap --target 111 \
    --map email=email --segment A --segment B --mode mirror >/dev/null ||
    exit 99

# round LABEL: every export once; membership exact at each fake.
round() {
	for x in MB:braze:"$FB":vip-seg MV:brevo:"$FV":12 MS:snapchat:"$FS":111
	do
		IFS=: read -r t_x t_k t_f t_t <<EOF
$x
EOF
		run "$S" -w "$W" run "$t_x"
		is "$rc" 0 "$1: $t_x succeeds"
		is "$(members "$t_f" "$t_k" "$t_t")" "$(oracle "$t_k" A B)" \
		    "$1: $t_x: the $t_k target holds exactly the segments' members"
	done
}

# --- run 1: a baseline ------------------------------------------------------
round "run 1"
id=$(newest)
is "$(rj "$id" counts.new)" 25 "run 1 sends the 25 profiles as new"
is "$(rj "$id" sync.baseline)" true "and is recorded as a baseline"
is "$(counted "$FS" identifiers_added)" 25 "Snapchat received 25 identifiers"
ok "$(grep -c 'example.com' "$W/exports/"*.state | grep -v ':0$' | wc -l)" \
    "no state file holds an email in clear"

# --- run 2: joins, leaves, changes, an invalid email, new ones ------------
# 19 and 20 leave A (staying in B), 3 moves, 5's email turns invalid, 24
# leaves both, 26 and 27 arrive.
CITY_3=Elsewhere BAD_5=1 seg A 1 18
"$PY" -c 'import sys; open(sys.argv[1], "a").write("u26@example.com,C26,P2\nu27@example.com,C27,P0\n")' "$D/A.csv"
seg B 15 25 24
run "$S" -w "$W" run MB --dry-run
is "$rc" 0 "the dry run of run 2 works"
like "$out" "2 of the 25 members the target holds from this export left" \
    "it says how many would be removed"
like "$out" "$(printf '%-24s %10s %10s %10s %10s' Total 2 3 0 20)" \
    "and counts 2 new, 3 changed, 0 retried, 20 unchanged"
b0=$(counted "$FB" attributes_processed)
s0=$(counted "$FS" identifiers_added)
r0=$(counted "$FS" identifiers_removed)
round "run 2"
id=$(newest)
is "$(rj "$id" counts.unchanged)" 21 \
    "run 2: Snapchat: 21 unchanged, not sent (the city is not sent there)"
is "$(rj "$id" counts.removed)" 2 "run 2: 2 removed (24 left, 5 invalid)"
is "$(( $(counted "$FS" identifiers_added) - s0 ))" 4 \
    "Snapchat received only 4 identifiers to add (2 new, 19 and 20 changed)"
is "$(( $(counted "$FS" identifiers_removed) - r0 ))" 2 \
    "and 2 to remove"
is "$(( $(counted "$FB" attributes_processed) - b0 ))" 7 \
    "Braze received 7 attribute objects: 2 new, 3 changed, 2 removals"

# --- run 3: a 64% removal trips the guard; --force goes ahead -------------
seg A 1 10
empty B
n_fb=$(nreq "$FB")
n_fv=$(nreq "$FV")
run "$S" -w "$W" run MB
isnt "$rc" 0 "run 3 of MB is stopped by the guard"
like "$out$err" "would remove 16 of the 25 members (64%), more than the export's maximum of 10%" \
    "saying how many would go and the limit"
like "$out$err" "--force" "and how to go ahead"
is "$(nreq "$FB")" "$n_fb" "Braze received no request from it"
is "$(rj "$(newest)" sync.guard)" max_removals "the run records the guard"
run "$S" -w "$W" run MV
isnt "$rc" 0 "MV is stopped too"
is "$(nreq "$FV")" "$n_fv" "Brevo received no request"
for x in MB:braze:"$FB":vip-seg MV:brevo:"$FV":12 MS:snapchat:"$FS":111; do
	IFS=: read -r t_x t_k t_f t_t <<EOF
$x
EOF
	run "$S" -w "$W" run "$t_x" --force
	is "$rc" 0 "run 3: $t_x --force succeeds"
	is "$(members "$t_f" "$t_k" "$t_t")" "$(oracle "$t_k" A B)" \
	    "run 3: $t_x: the target holds exactly the 10 members left"
done

# --- an empty source fails; --allow-empty empties the target --------------
empty A
n=$(nreq "$FV")
run "$S" -w "$W" run MV
isnt "$rc" 0 "an empty source fails the run"
like "$out$err" "--allow-empty" "saying how to go ahead"
is "$(nreq "$FV")" "$n" "before any request"
run "$S" -w "$W" run MV --allow-empty
is "$rc" 0 "--allow-empty goes ahead"
is "$(members "$FV" brevo 12)" "" "and the Brevo list is empty"
is "$(rj "$(newest)" counts.removed)" 10 "10 removed"

# --- mapping change: every item sent again, once --------------------------
seg A 1 10
run "$S" -w "$W" run MB --force
xf=$(grep -l '"name":[[:space:]]*"MB"' "$W"/exports/*.json)
"$PY" -c '
import json, sys
p = sys.argv[1]; x = json.load(open(p))
x["mapping"]["attr:town"] = "city"
json.dump(x, open(p, "w"))' "$xf"
b0=$(counted "$FB" attributes_processed)
run "$S" -w "$W" run MB
is "$(rj "$(newest)" counts.changed)" 10 "a new mapping re-sends every item"
is "$(( $(counted "$FB" attributes_processed) - b0 ))" 10 "once each"
run "$S" -w "$W" run MB
is "$(rj "$(newest)" counts.unchanged)" 10 "the next run sends nothing again"
# The same values under another attribute's name are new to the destination.
"$PY" -c '
import json, sys
p = sys.argv[1]; x = json.load(open(p))
del x["mapping"]["attr:town"]
x["mapping"]["attr:borough"] = "city"
json.dump(x, open(p, "w"))' "$xf"
run "$S" -w "$W" run MB
is "$(rj "$(newest)" counts.changed)" 10 "a renamed attribute re-sends every item"

# --- target change: a new state; the old target is left alone -------------
"$PY" -c '
import json, sys
p = sys.argv[1]; x = json.load(open(p))
x["target"] = "gold-seg"
json.dump(x, open(p, "w"))' "$xf"
empty A
run "$S" -w "$W" run MB --allow-empty --force
like "$out" "new sync state" "a change of target is told"
is "$(members "$FB" braze vip-seg | wc -l)" 10 \
    "nothing is removed from the old target"

# --- kill -9 during a run, then a fresh run --------------------------------
"$GEN" --rows 4000 --seed 5 -o "$D/Big.csv"
"$S" -w "$W" export add --name KB --connection Braze --target kill-seg \
    --map email=email --map customer_id=customer_id --segment Big \
    --mode mirror >/dev/null || exit 99
# wait_accepted ID N TRIES: until run ID has N profiles accepted, at most
# TRIES times 50 ms.
wait_accepted() {
	t_i=0
	while [ "$t_i" -lt "$3" ] &&
	    [ "$(rj "$1" counts.accepted 2>/dev/null || echo 0)" -lt "$2" ]; do
		sleep 0.05
		t_i=$((t_i + 1))
	done
}
# kill_after EXPORT N: a detached run of EXPORT to a slow Braze, killed
# with -9 once it has N profiles accepted; its ID in $kid.
kill_after() {
	$FAKECTL config "$FB" '{"faults": {"latency_ms": 500}}' >/dev/null
	"$S" -w "$W" run "$1" --detach >/dev/null
	kid=$(newest)
	wait_accepted "$kid" "$2" 200
	kill -9 "$(rj "$kid" pid)"
	sleep 0.3
	$FAKECTL config "$FB" '{"faults": {"latency_ms": 0}}' >/dev/null
}
b0=$(counted "$FB" attributes_processed)
kill_after KB 1000
run "$S" -w "$W" run KB
is "$rc" 0 "a fresh run after kill -9 succeeds"
fid=$(newest)
valid=$(( $(rj "$fid" counts.read) - $(rj "$fid" counts.rejected) - $(rj "$fid" counts.duplicates) ))
is "$(members "$FB" braze kill-seg | wc -l)" "$valid" \
    "the target holds every valid profile"
got=$(( $(counted "$FB" attributes_processed) - b0 ))
ok "$([ "$got" -ge "$valid" ] && [ "$got" -le $((valid + 16 * 75)) ]; echo $?)" \
    "nothing accepted was sent twice beyond the batches in flight ($got sent for $valid)"
ok "$([ "$(rj "$fid" counts.unchanged)" -ge 1000 ]; echo $?)" \
    "what the killed run had delivered counts as unchanged"

# A first run killed, then most of its profiles leave before a fresh run
# (not a resume): what the killed run delivered has no state file yet,
# only the log, and the fresh run still removes every one who left.
cp "$D/Big.csv" "$D/Gone.csv"
"$S" -w "$W" export add --name KG --connection Braze --target gone-seg \
    --map email=email --map customer_id=customer_id --segment Gone \
    --mode mirror >/dev/null || exit 99
kill_after KG 1000
head -n 101 "$D/Big.csv" >"$D/Gone.csv"
ok "$([ "$(members "$FB" braze gone-seg | wc -l)" -ge 1000 ]; echo $?)" \
    "the killed first run had delivered a thousand profiles or more"
run "$S" -w "$W" run KG --force
is "$rc" 0 "a fresh run after they left succeeds"
gid=$(newest)
gvalid=$(( $(rj "$gid" counts.read) - $(rj "$gid" counts.rejected) - $(rj "$gid" counts.duplicates) ))
is "$(members "$FB" braze gone-seg | wc -l)" "$gvalid" \
    "and removes every profile the killed run delivered that left"
is "$(rj "$gid" counts.removed)" "$(rj "$gid" sync.to_remove)" \
    "as many as it planned to remove ($(rj "$gid" sync.to_remove))"

# A customer ID with a NUL byte in it: the state keeps the key's id whole,
# so the next run neither sends it again nor removes a phantom of it.
printf 'email,customer_id\na1@example.com,C1\na3@example.com,AB\000CD\n' \
    >"$D/Nul.csv"
"$S" -w "$W" export add --name KN --connection Braze --target nul-seg \
    --map email=email --map customer_id=customer_id --segment Nul \
    --mode mirror --max-removals 100 >/dev/null || exit 99
"$S" -w "$W" run KN >/dev/null
run "$S" -w "$W" run KN
nid=$(newest)
is "$(rj "$nid" counts.sent) $(rj "$nid" counts.removed)" "0 0" \
    "a key with a NUL byte is unchanged on the next run, nothing removed"

# kill -9 at two points of a run that re-sends everything (--full), each
# time resumed: the membership stays exact and what was answered before a
# kill is not sent again.
b0=$(counted "$FB" attributes_processed)
$FAKECTL config "$FB" '{"faults": {"latency_ms": 500}}' >/dev/null
"$S" -w "$W" run KB --full --detach >/dev/null
kid=$(newest)
for at in 800 2400; do
	wait_accepted "$kid" "$at" 1200
	n=$(rj "$kid" attempts)
	kill -9 "$(rj "$kid" pid)"
	sleep 0.3
	"$S" -w "$W" run --resume "$kid" --detach >/dev/null
	# The new attempt's worker, not the dead one, is the next to kill
	# (a loaded machine may take seconds to start it).
	t_i=0
	while [ "$t_i" -lt 600 ] && [ "$(rj "$kid" attempts)" -le "$n" ]; do
		sleep 0.05
		t_i=$((t_i + 1))
	done
done
$FAKECTL config "$FB" '{"faults": {"latency_ms": 0}}' >/dev/null
t_i=0
while [ "$t_i" -lt 600 ] && [ "$(rj "$kid" status)" = running ]; do
	sleep 0.1
	t_i=$((t_i + 1))
done
is "$(rj "$kid" status)" succeeded "killed twice and resumed twice, the run succeeds"
is "$(rj "$kid" attempts)" 3 "in three attempts"
is "$(members "$FB" braze kill-seg | wc -l)" "$valid" \
    "the target still holds every valid profile"
got=$(( $(counted "$FB" attributes_processed) - b0 ))
ok "$([ "$got" -ge "$valid" ] && [ "$got" -le $((valid + 2 * 16 * 75)) ]; echo $?)" \
    "each profile sent once but for the batches in flight at the kills ($got for $valid)"
run "$S" -w "$W" run KB
is "$(rj "$(newest)" counts.unchanged)" "$valid" \
    "after the resumed run, nothing is left to send"

# --- update-only: Braze creates nobody ------------------------------------
seg A 1 2
"$PY" -c 'import sys; open(sys.argv[1], "a").write("u999@example.com,C999,P0\n")' "$D/A.csv"
"$S" -w "$W" export add --name UB --connection Braze --target upd-seg \
    --map email=email --map customer_id=customer_id --segment A \
    --mode update-only >/dev/null || exit 99
run "$S" -w "$W" run UB
is "$rc" 0 "an update-only run succeeds"
is "$(members "$FB" braze upd-seg)" "C1 A
C2 A" "it updated the existing users and created none"

# --- removing an export removes its sync state ----------------------------
kx=$(basename "$(grep -l '"name":[[:space:]]*"KB"' "$W"/exports/*.json)" .json)
ok "$([ -e "$W/exports/$kx.state" ]; echo $?)" "KB has a sync state"
"$S" -w "$W" export remove KB >/dev/null
ok "$([ ! -e "$W/exports/$kx.state" ] && [ ! -e "$W/exports/$kx.state.log" ]; echo $?)" \
    "export remove takes its sync state with it"

done_testing
