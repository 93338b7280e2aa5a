# Helpers for the terminal UI's tests (POSIX sh), on top of
# tests/cli/lib.sh. Source it first:
#	. "$top_srcdir/tests/ui/lib.sh"
#
# Headless (style.md R13): ui_run runs segsync with keys from a script and
# screen dumps in $DUMPS; golden compares a dump with its golden file in
# tests/ui/golden/, after replacing what changes from run to run (the
# time, the user's name, the fakes' ports) with fixed text of the same
# width. UPDATE_GOLDEN=1 rewrites the golden files instead (read the diff
# before committing them).
#
# Every test works in $TMPD with a workspace at the relative path ws (so
# that no temporary path shows on screen) and the segments in ws/data.
. "$top_srcdir/tests/cli/lib.sh"
GOLDEN=$top_srcdir/tests/ui/golden
DUMPS=$TMPD/dumps
GEN=$top_builddir/bench/gen_segment
FAKECTL="${PYTHON3:-python3} $top_srcdir/tests/fakes/fakectl.py"
mkdir -p "$DUMPS"
cd "$TMPD" || exit 99
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' ||
    skip_all "the C.UTF-8 locale is missing"

# A workspace in ws with two segments, unlocked with $TMPD/admin.pp.
ui_workspace() {
	ws_init ws >/dev/null || exit 99
	"$GEN" --rows 50 --seed 1 -o "ws/data/VIP customers.csv" &&
	"$GEN" --rows 30 --seed 2 -o "ws/data/Clients fidèles.csv" || exit 99
}

# ui_keys NAME <<EOF ... EOF: write the key script $TMPD/NAME.keys.
ui_keys() { cat >"$TMPD/$1.keys"; }

# ui_run NAME [ARGS...]: run the script NAME headless (80x24 unless
# SEGSYNC_UI_SIZE says otherwise); sets $rc, $out and $err like run.
ui_run() {
	t_script=$1
	shift
	run env LC_ALL=C.UTF-8 SEGSYNC_UI_SCRIPT="$TMPD/$t_script.keys" \
	    SEGSYNC_UI_DUMP_DIR="$DUMPS" "$SEGSYNC" -w ws "$@"
}

# ui_norm FILE: the dump with the run-dependent parts replaced.
ui_norm() {
	t_user=$(id -un)
	sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]/YYYY-MM-DD hh:mm/g' \
	    -e 's/127\.0\.0\.1:[0-9]\{4,5\}/127.0.0.1:PORT/g' \
	    -e 's/state=[0-9a-f]\{32\}/state=XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/g' \
	    -e 's/[0-9]\{8\}T[0-9]\{6\}Z-[0-9a-f]\{4\}/YYYYMMDDThhmmssZ-NNNN/g' \
	    -e "s/\\b$t_user\\b/USER/g" \
	    -e '1s/  *\([^ ]* ([a-z]*)\)$/ \1/' "$1"
}

# golden NAME DESCRIPTION: the dump NAME looks like tests/ui/golden/NAME.
golden() {
	if [ ! -f "$DUMPS/$1" ]; then
		ok 1 "$2"
		diag "no dump $1 (segsync: $err)"
		return 1
	fi
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		ui_norm "$DUMPS/$1" >"$GOLDEN/$1"
	fi
	ui_norm "$DUMPS/$1" >"$TMPD/$1.norm"
	diff -u "$GOLDEN/$1" "$TMPD/$1.norm" >"$TMPD/$1.diff" 2>&1
	ok $? "$2" || diag "$(cat "$TMPD/$1.diff")"
}

# dump_has NAME TEXT DESCRIPTION: the dump NAME shows TEXT.
dump_has() {
	like "$(cat "$DUMPS/$1" 2>/dev/null)" "$2" "$3"
}

# fake_start NAME DEST CONFIG_JSON: start a fake destination server on
# loopback; its base URL goes in $fake_url. Stopped at exit.
fake_start() {
	printf '%s\n' "$3" >"$TMPD/$1.json"
	fake_url=$($FAKECTL start "$TMPD/fake-$1" --dest "$2" \
	    --config "$TMPD/$1.json") || return 1
	t_fakes="${t_fakes:-} $1"
}
t_stop_fakes() {
	for f in ${t_fakes:-}; do
		$FAKECTL stop "$TMPD/fake-$f" >/dev/null 2>&1
	done
}
cleanup_hooks="$cleanup_hooks t_stop_fakes"
