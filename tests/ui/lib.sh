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
    fail_all "the C.UTF-8 locale is missing"

# The locale ui_run and tm_start run segsync in: C.UTF-8, the English of
# the golden screens, unless ui_lang chose another. LANGUAGE is unset
# around segsync so that the tester's own does not choose for the test.
UI_LOCALE=C.UTF-8
# ui_lang fr|nl|en: run what follows in fr_FR.UTF-8, nl_NL.UTF-8 or
# C.UTF-8 (script/bootstrap generates the first two).
ui_lang() {
	case $1 in
	fr) UI_LOCALE=fr_FR.UTF-8 ;;
	nl) UI_LOCALE=nl_NL.UTF-8 ;;
	en) UI_LOCALE=C.UTF-8 ;;
	*) fail_all "ui_lang: unknown language $1" ;;
	esac
	locale -a 2>/dev/null | grep -qix "${UI_LOCALE%.UTF-8}.utf-\?8" ||
	    fail_all "the locale $UI_LOCALE is missing" \
	    "(script/bootstrap generates it)"
}

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
	run env -u LANGUAGE LC_ALL="$UI_LOCALE" \
	    SEGSYNC_UI_SCRIPT="$TMPD/$t_script.keys" \
	    SEGSYNC_UI_DUMP_DIR="$DUMPS" "$SEGSYNC" -w ws "$@"
}

# ui_norm FILE: the dump with the run-dependent parts replaced.
ui_norm() {
	t_user=$(id -un)
	sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]/YYYY-MM-DD hh:mm/g' \
	    -e 's,\b[0-3][0-9]\([/-]\)[01][0-9]\1[0-9]\{4\} [0-2][0-9]:[0-5][0-9]\b,DD\1MM\1YYYY hh:mm,g' \
	    -e 's/YYYY-MM-DD hh:mm:[0-9][0-9]/YYYY-MM-DD hh:mm:ss/g' \
	    -e 's,\(DD\([/-]\)MM\2YYYY hh:mm\):[0-9][0-9],\1:ss,g' \
	    -e 's/\b[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]\b/MM-DD hh:mm/g' \
	    -e 's,\b[0-3][0-9]\([/-]\)[01][0-9] [0-2][0-9]:[0-5][0-9]\b,DD\1MM hh:mm,g' \
	    -e 's/127\.0\.0\.1:[0-9]\{4,5\}/127.0.0.1:PORT/g' \
	    -e 's/state=[0-9a-f]\{32\}/state=XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/g' \
	    -e 's/[0-9]\{8\}T[0-9]\{6\}Z-[0-9a-f]\{4\}/YYYYMMDDThhmmssZ-NNNN/g' \
	    -e 's/^\(   \)[0-3][0-9]└/\1DD└/' \
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

# End to end inside tmux (style.md R13): a real terminal of 80x24, keys
# sent as a person types them, the screen read back with capture-pane.
# tm_start runs segsync in a detached session on its own server; the
# session's shell then prints SEGSYNC-EXIT=<status> and waits.
TM_SOCK=segsync-ui-$$
tm_n=0
tm() { "${TMUX_BIN:-tmux}" -L "$TM_SOCK-$tm_n" -f /dev/null "$@"; }
tm_available() {
	command -v "${TMUX_BIN:-tmux}" >/dev/null 2>&1
}
t_tm_kill() {
	t_k=0
	while [ $t_k -le $tm_n ]; do
		"${TMUX_BIN:-tmux}" -L "$TM_SOCK-$t_k" kill-server \
		    >/dev/null 2>&1
		t_k=$((t_k + 1))
	done
}
# tm_next: the next session gets a server of its own (a server being
# killed may still hold its socket for a moment).
tm_next() {
	tm kill-server >/dev/null 2>&1
	tm_n=$((tm_n + 1))
}
cleanup_hooks="$cleanup_hooks t_tm_kill"

# tm_start ARGS...: segsync -w ws ARGS in a new 80x24 session.
tm_start() {
	t_cmd="cd '$TMPD' && env -u LANGUAGE LANG=$UI_LOCALE LC_ALL=$UI_LOCALE"
	t_cmd="$t_cmd '$SEGSYNC' -w ws $*;"
	t_cmd="$t_cmd echo SEGSYNC-EXIT=\$?; sleep 600"
	tm new-session -d -x 80 -y 24 -c "$TMPD" "$t_cmd" || return 1
	tm set-option -g window-size manual >/dev/null 2>&1
	tm resize-window -x 80 -y 24 >/dev/null 2>&1
}
# tm_keys KEY...: tmux key names (Enter, Tab, BTab, Down, Space, C-u...).
tm_keys() { tm send-keys "$@"; }
# tm_type TEXT: typed literally.
tm_type() { tm send-keys -l "$1"; }
tm_screen() { tm capture-pane -p; }
# tm_wait TEXT DESCRIPTION: the screen shows TEXT within 20 seconds.
tm_wait() {
	t_i=0
	while [ $t_i -lt 200 ]; do
		case $(tm_screen) in
		*"$1"*) ok 0 "$2"; return 0 ;;
		esac
		sleep 0.1
		t_i=$((t_i + 1))
	done
	ok 1 "$2"
	diag "the screen never showed '$1'; it shows:"
	diag "$(tm_screen)"
	return 1
}
# tm_colour TEXT: the colour the first TEXT on the screen is drawn in
# (green, yellow, red, cyan... or default), from capture-pane's escape
# sequences; empty when the screen does not show TEXT.
tm_colour() {
	tm capture-pane -p -e | "${PYTHON3:-python3}" -c '
import re, sys
names = {30: "black", 31: "red", 32: "green", 33: "yellow", 34: "blue",
         35: "magenta", 36: "cyan", 37: "white"}
want = sys.argv[1]
for line in sys.stdin.read().split("\n"):
    fg, text, at = "default", "", []
    for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b]+)", line):
        if m.group(2) is not None:
            text += m.group(2)
            at += [fg] * len(m.group(2))
            continue
        for c in (m.group(1) or "0").split(";"):
            c = int(c or 0)
            if c in (0, 39):
                fg = "default"
            elif c in names:
                fg = names[c]
    i = text.find(want)
    if i >= 0:
        print(at[i])
        break' "$1"
}
# tm_resize COLS ROWS: the window changes size, as a person's would.
tm_resize() { tm resize-window -x "$1" -y "$2"; }
