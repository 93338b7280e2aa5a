#!/bin/sh
# Incremental runs at scale (issue 14, docs/benchmarks.md "Sync"): N
# profiles to the fake Braze at its real rate limit in mirror mode, then a
# second run where 1 % changed a mapped field, 0.5 % left and 0.5 % are
# new. Prints each run's requests, counts, CPU and peak memory, the dry
# run's CPU (the planning: read, digest, diff) and the state file's size.
#
#	cd build && sh ../bench/sync.sh [ROWS]
set -eu
rows=${1:-1000000}
top=$(cd "$(dirname "$0")/.." && pwd)
S=$PWD/segsync
T=$(mktemp -d)
trap 'python3 "$top/tests/fakes/fakectl.py" stop "$T/fake" >/dev/null 2>&1; rm -rf "$T"' EXIT
mkdir -p "$T/data"
./bench/gen_segment --rows "$rows" --seed 1 -o "$T/data/all.csv"
cp "$T/data/all.csv" "$T/data/Seg.csv"
cat >"$T/fake.json" <<'EOT'
{"braze": {"instance": "rest.fra-01.braze.eu",
  "keys": {"bench-key-1234": {"permissions": ["users.track", "segments.list"]}},
  "segments": [{"id": "bench-seg", "name": "Bench"}]}}
EOT
base=$(python3 "$top/tests/fakes/fakectl.py" start "$T/fake" --dest braze \
    --config "$T/fake.json" --exit-after 1800)
printf 'bench passphrase\n' >"$T/pp"
chmod 600 "$T/pp"
export SEGSYNC_PASSPHRASE_FILE="$T/pp"
W=$T/ws
"$S" -w "$W" init --kdf interactive --passphrase-file "$T/pp" \
    --data "$T/data" >/dev/null
printf 'bench-key-1234\n' >"$T/key"
chmod 600 "$T/key"
"$S" -w "$W" connection add --type braze --name B --agree-privacy \
    --api-key-file "$T/key" --endpoint rest.fra-01.braze.eu \
    --base-url "$base" --export-user >/dev/null
"$S" -w "$W" export add --name X --connection B --target bench-seg \
    --map email=email --map customer_id=customer_id --map attr:city=city \
    --segment Seg --mode mirror >/dev/null
report() {
	python3 - "$W/runs/$(ls "$W/runs" | grep -v lock | sort | tail -1)/run.json" <<'EOT'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["counts"]
print("  status %s, %s requests, sent %d, unchanged %d, new %d, changed %d, removed %d; cpu %.2f s, peak RSS %d kB" % (
    r["status"], r["requests"], c["sent"], c["unchanged"], c["new"], c["changed"],
    c["removed"], r["resources"]["cpu_seconds"], r["resources"]["peak_rss_kb"]))
EOT
}
echo "run 1 ($rows profiles, a baseline):"
/usr/bin/time -f "  wall %e s" "$S" -w "$W" run X >/dev/null
report
ls -l "$W"/exports/*.state | awk -v n="$rows" '{ printf "  state file %d bytes, %.1f bytes a profile\n", $5, $5 / n }'
# 1 % change a mapped field, 0.5 % leave, 0.5 % arrive.
python3 - "$T/data/all.csv" "$T/data/Seg.csv" <<'EOT'
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f, open(dst + ".tmp", "w") as o:
    head = f.readline(); o.write(head)
    for i, line in enumerate(f):
        if i % 200 == 7:
            continue                      # 0.5 % left
        if i % 100 == 3:
            line = line.rstrip("\n")     # 1 %: the city changed
            line = (line[:-1] + "x\"" if line.endswith('"') else
                line + "x") + "\n"
        o.write(line)
        if i % 200 == 11:
            o.write("CNEW%d,new%d@example.net,N,N,,Paris\n" % (i, i))
import os; os.rename(dst + ".tmp", dst)
EOT
echo "dry run of run 2 (the planning):"
/usr/bin/time -f "  wall %e s, cpu %U+%S s, peak RSS %M kB" "$S" -w "$W" run X --dry-run >/dev/null
echo "run 2 (1 % changed, 0.5 % left, 0.5 % new):"
/usr/bin/time -f "  wall %e s" "$S" -w "$W" run X --force >/dev/null
report
