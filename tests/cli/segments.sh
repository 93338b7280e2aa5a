# segsync segments and init --data: the table, the JSON of cli.md, and
# unusable segments listed with their reason.
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC
GEN=$top_builddir/bench/gen_segment
D=$TMPD/data
mkdir -p "$D"

run ws_init "$TMPD/ws" --data "$TMPD/missing"
is "$rc" 4 "init --data with a missing folder exits 4"
like "$err" "does not exist" "and says so"

"$GEN" --rows 5000 --seed 1 -o "$D/Newsletter.csv"
"$GEN" --rows 800 --seed 2 --dup-from 1:0.5 --delimiter ';' --bom --crlf \
    -o "$D/VIP customers.csv"
"$GEN" --rows 2500 --seed 3 --delimiter tab -o "$D/Clients fidèles.csv"
run ws_init "$TMPD/ws" --data "$D"
is "$rc" 0 "init --data DIR"

run "$S" -w "$TMPD/ws" segments
is "$rc" 0 "segments exits 0 when every segment is usable"
like "$out" "Newsletter" "the table lists a segment"
like "$out" "5000" "with its member count"
like "$out" "customer_id, email, first_name" "and its fields"
line=$(printf '%s\n' "$out" | grep '^Clients fidèles')
# The count column lines up whatever the accents in the name.
pos_a=$(printf '%s\n' "$out" | grep '^Newsletter' | sed 's/5000.*//' |
    LC_ALL=C.UTF-8 wc -m)
pos_b=$(printf "%s\n" "$line" | sed "s/2500.*//" | LC_ALL=C.UTF-8 wc -m)
is "$pos_b" "$pos_a" "columns line up with accented names"

run "$S" -w "$TMPD/ws" segments --json
is "$rc" 0 "segments --json"
if command -v python3 >/dev/null; then
	check=$(printf '%s' "$out" | python3 -c '
import json, sys
segs = json.load(sys.stdin)
for s in segs:
    assert set(s) == {"name", "members", "fields", "file"}, sorted(s)
    assert isinstance(s["members"], int) and isinstance(s["fields"], list)
print(" ".join("%s=%d" % (s["name"], s["members"]) for s in segs))
print(segs[0]["file"])')
	is "$(printf '%s\n' "$check" | head -1)" \
	    "Clients fidèles=2500 Newsletter=5000 VIP customers=800" \
	    "the JSON has cli.md's keys, names in byte order and exact counts"
	is "$(printf '%s\n' "$check" | tail -1)" "$D/Clients fidèles.csv" \
	    "and each segment's file"
else
	ok 1 "python3 is missing: the JSON cannot be checked"
fi

# An unusable segment is listed with its reason, never skipped.
printf 'email,name,email\na@b.c,x,y\n' >"$D/broken.csv"
run "$S" -w "$TMPD/ws" segments
is "$rc" 4 "an unusable segment makes the command exit 4"
like "$out" "broken" "it is listed"
like "$out" "\"email\" twice" "with the reason"
run "$S" -w "$TMPD/ws" segments --json
is "$rc" 4 "in JSON too"
like "$out" "\"usable\":	false" "marked unusable in the JSON"

done_testing
