# Control characters a group member plants in a shared workspace's files
# (names, test messages, endpoints, targets, mappings, segment files,
# member names, run records, rejects) never reach the terminal: every
# output that prints them shows '?' instead, and the text around them.
# A hostile member writes the JSON directly, so this test does too.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
PY=${PYTHON3:-python3}
FAKECTL="$PY $top_srcdir/tests/fakes/fakectl.py"
GEN=$top_builddir/bench/gen_segment
W=$TMPD/ws
D=$TMPD/data
F=$TMPD/fake
mkdir -p "$D"
"$GEN" --rows 300 --seed 31 -o "$D/VIP.csv" || exit 99

# OSC 0 (window title), OSC 52 (clipboard), CSI clear screen, C1 CSI as
# UTF-8 (U+009B) and as a raw byte, BEL, a byte no UTF-8 has, and DEL;
# and what a reader sees of it. The letter after it stays as it is.
P=$(printf '\033]0;pwned\007\033]52;c;cHduZWQ=\007')
P=$P$(printf '\033[2J\302\233\233\007\377\177')
SP='?]0;pwned??]52;c;cHduZWQ=??[2J?????'
E=$(printf '\303\251')
# The same, valid UTF-8 (a file name must be, to be a segment).
Q=$(printf '\033]0;pwned\007\033[2J\302\233\007\177')
SQ='?]0;pwned??[2J???'

cat >"$TMPD/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"good-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "vip-seg", "name": "VIP"}]}}
EOT
BASE=$($FAKECTL start "$F" --dest braze --config "$TMPD/fake.json") ||
    fail_all "the fake Braze server did not start"
stop_fake() { $FAKECTL stop "$F" >/dev/null 2>&1; }
cleanup_hooks="$cleanup_hooks stop_fake"

ws_init "$W" --data "$D" >/dev/null || exit 99
export SEGSYNC_PASSPHRASE_FILE="$TMPD/admin.pp"
printf 'good-key-1234\n' >"$TMPD/key"
"$S" -w "$W" connection add --type braze --name Braze --agree-privacy \
    --api-key-file "$TMPD/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$BASE" --export-user >/dev/null || exit 99
"$S" -w "$W" export add --name Big --connection Braze --target vip-seg \
    --map email=email --map customer_id=customer_id --map attr:city=city \
    --segment VIP --scheduled >/dev/null || exit 99
"$S" -w "$W" run Big >/dev/null || exit 99
RUN=$(ls "$W/runs" | grep -v '\.lock$' | sort | tail -1)
CONN=$(ls "$W"/connections/*.json)
EXP=$(ls "$W"/exports/*.json)

# plant FILE KEY... VALUE: set a field of a JSON file to VALUE (raw bytes,
# controls and all, as a hostile writer can; a key that is a number picks
# from an array, or adds to its end).
plant() {
	T_VAL=$(eval "printf '%s' \"\${$#}\"") "$PY" -c '
import json, os, sys
path, keys = sys.argv[1], sys.argv[2:-1]
with open(path, "rb") as f:
    doc = json.loads(f.read().decode("utf-8", "surrogateescape"),
        strict=False)
d = doc
for k in keys[:-1]:
    d = d[int(k)] if isinstance(d, list) else d[k]
k = keys[-1]
mark = "\ue000planted\ue000"
if isinstance(d, list) and int(k) == len(d):
    d.append(mark)
elif isinstance(d, list):
    d[int(k)] = mark
else:
    d[k] = mark
text = json.dumps(doc, indent="\t", ensure_ascii=False).encode("utf-8",
    "surrogateescape")
text = text.replace(mark.encode(), os.environb[b"T_VAL"])
with open(path, "wb") as f:
    f.write(text)' "$@"
}

# clean DESC [WANT...]: stdout and stderr of the last run hold nothing
# a terminal acts on (no control but newline, no C1, valid UTF-8) and show
# each WANT.
clean() {
	t_desc=$1
	shift
	t_why=$("$PY" -c '
import re, sys
data = open(sys.argv[1], "rb").read() + open(sys.argv[2], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8 at byte %d" % e.start)
m = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)
if m:
    sys.exit("control U+%04X at %d: %r" % (ord(m.group()), m.start(),
        text[max(0, m.start() - 20):m.start() + 20]))
for want in sys.argv[3:]:
    if want not in text:
        sys.exit("%r is not shown" % want)
' "$TMPD/.out" "$TMPD/.err" "$@" 2>&1)
	ok $? "$t_desc" || diag "$t_why"
}

# json_ok DESC WANT: stdout of the last run is valid JSON with nothing a
# terminal acts on (what cJSON leaves raw is escaped), stderr is empty,
# and the string WANT is among its values.
json_ok() {
	t_why=$(T_WANT="$2" "$PY" -c '
import json, os, re, sys
data = open(sys.argv[1], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8 at byte %d" % e.start)
if re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text):
    sys.exit("a raw control character")
want = os.environb[b"T_WANT"].decode("utf-8", "replace")
def strings(o):
    if isinstance(o, dict):
        o = list(o.keys()) + list(o.values())
    if isinstance(o, list):
        for v in o:
            yield from strings(v)
    elif isinstance(o, str):
        yield o
if not any(want in v for v in strings(json.loads(text))):
    sys.exit("%r is not among the values" % want)
if open(sys.argv[2], "rb").read():
    sys.exit("something on stderr")
' "$TMPD/.out" "$TMPD/.err" 2>&1)
	ok $? "$1" || diag "$t_why"
}

# --- what a hostile group member writes ----------------------------------
plant "$CONN" name "Braze$P$E"
plant "$CONN" export_user "root$P$E"
plant "$CONN" created_by "root$P$E"
plant "$CONN" last_test message "Braze accepted$P$E"
plant "$CONN" settings endpoint "rest$P$E"
NAME="Braze$P$E"
plant "$CONN" settings base_url "http://127.0.0.1:1/$P$E"
plant "$EXP" name "Big$P$E"
plant "$EXP" target "vip$P$E"
plant "$EXP" target_name "VIP$P$E"
plant "$EXP" mapping "attr:city" "city$P$E"
plant "$EXP" created_by "root$P$E"
plant "$W/workspace.json" members 0 added_by "root$P$E"
R=$W/runs/$RUN/run.json
plant "$R" export "Big$P$E"
plant "$R" connection "Braze$P$E"
plant "$R" target "vip$P$E"
plant "$R" started_by "root$P$E"
plant "$R" segments 0 name "VIP$P$E"
plant "$R" status failed
plant "$R" errors 0 "Braze said$P$E"
plant "$R" events 0 args 0 "root$P$E"
# Segment files whose names and header carry the sequences.
{ printf 'customer_id,email,city%s\n' "$Q$E"
  sed 1d "$D/VIP.csv" | cut -d, -f1,2,6; } >"$D/Hdr$Q$E.csv"
cp "$D/VIP.csv" "$D/Bad$P$E.csv"

# --- every output that prints them ---------------------------------------
run "$S" -w "$W" connection list
clean "connection list shows the name with '?' for the controls" \
    "Braze$SP$E" "root$SP$E"
run "$S" -w "$W" connection list --json
json_ok "connection list --json stays valid JSON, controls escaped" \
    "Braze$P"
run "$S" -w "$W" connection show "Braze$P$E"
clean "connection show: name, endpoint, base URL, last test message" \
    "Braze$SP$E" "rest$SP$E" "127.0.0.1:1/$SP$E" "Braze accepted$SP$E"
run "$S" -w "$W" connection show --json "Braze$P$E"
json_ok "connection show --json stays valid JSON" "rest$P"
run "$S" -w "$W" connection test "Braze$P$E"
clean "connection test: the error names the base URL with '?'" \
    "127.0.0.1:1/$SP$E"
run "$S" -w "$W" connection show "Nope$P$E"
clean "an unknown name echoed in an error is shown with '?'" "Nope$SP$E"
run "$S" -w "$W" export list
clean "export list: name, connection and target" "Big$SP$E" \
    "Braze$SP$E" "vip$SP$E"
run "$S" -w "$W" export list --json
json_ok "export list --json stays valid JSON" "Big$P"
run "$S" -w "$W" export show "Big$P$E"
clean "export show: name, target, mapping and creator" "Big$SP$E" \
    "vip$SP$E (VIP$SP$E)" "<- city$SP$E" "by root$SP$E"
run "$S" -w "$W" export show --json "Big$P$E"
json_ok "export show --json stays valid JSON" "city$P"
run "$S" -w "$W" segments
clean "segments: file names, header fields, why a file is unusable" \
    "Hdr$SQ$E" "city$SQ$E" "Bad$SP$E"
run "$S" -w "$W" segments --json
json_ok "segments --json stays valid JSON" "city$Q$E"
run "$S" -w "$W" member list
clean "member list: who added a member" "root$SP$E"
run "$S" -w "$W" member list --json
json_ok "member list --json stays valid JSON" "root$P"
run env LC_ALL=C.UTF-8 "$S" -w "$W" runs
# The table shortens names wider than their column in the middle: the
# two ends show, cleaned.
clean "runs: export and who started it" "Big?]0;pwned??]5…" "?[2J?????$E " \
    "root?]0;…"
run "$S" -w "$W" runs --json
json_ok "runs --json stays valid JSON" "Big$P"
run "$S" -w "$W" runs show "$RUN"
clean "runs show: export, connection, target, segments, errors, events" \
    "Big$SP$E" "Braze$SP$E" "vip$SP$E" "VIP$SP$E" "Braze said$SP$E" \
    "Started by root$SP$E"
run "$S" -w "$W" runs show --json "$RUN"
json_ok "runs show --json stays valid JSON" "Braze said$P"
run "$S" -w "$W" runs watch "$RUN"
clean "a run's summary shows its errors with '?'" "Braze said$SP$E"
plant "$EXP" segments 0 "Hdr$Q$E"
plant "$CONN" settings base_url "$BASE"
run "$S" -w "$W" run --dry-run "Big$P$E"
clean "a run's error names the mapped field with '?'" "city$SP$E"
plant "$EXP" mapping "attr:city" email
run "$S" -w "$W" run --dry-run "Big$P$E"
clean "a dry run: export, target, segments, rejected records by reason" \
    "Big$SP$E" "vip$SP$E" "Hdr$SQ$E line "
done_testing
