# TAP helpers for shell tests (POSIX sh). Source it first:
#	. "$top_srcdir/tests/cli/lib.sh"
# Every test gets a fresh $TMPD, removed at exit, and never touches the
# user's real workspace: SEGSYNC_WORKSPACE, XDG_DATA_HOME and HOME point
# inside $TMPD.

: "${SEGSYNC:?SEGSYNC must name the segsync binary (make check sets it)}"
t_n=0
t_fail=0
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/segsync-sh.XXXXXX") || exit 99
cleanup_hooks=""
t_cleanup() {
	for h in $cleanup_hooks; do "$h"; done
	[ -n "${TAP_KEEP_TMP:-}" ] || rm -rf "$TMPD"
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM
HOME=$TMPD/home
XDG_DATA_HOME=$TMPD/xdg
mkdir -p "$HOME"
export HOME XDG_DATA_HOME
unset SEGSYNC_WORKSPACE SEGSYNC_PASSPHRASE_FILE SEGSYNC_KEY_FILE \
    SEGSYNC_PASSPHRASE

diag() { printf '# %s\n' "$*" | sed '2,$s/^/# /'; }

# ok STATUS DESCRIPTION: a passed (0) or failed (non-0) assertion.
ok() {
	t_st=$1
	shift
	t_n=$((t_n + 1))
	if [ "$t_st" -eq 0 ]; then
		echo "ok $t_n - $*"
	else
		echo "not ok $t_n - $*"
		t_fail=$((t_fail + 1))
	fi
	return "$t_st"
}

# run CMD...: sets $rc, $out (stdout) and $err (stderr).
run() {
	"$@" >"$TMPD/.out" 2>"$TMPD/.err" </dev/null
	rc=$?
	out=$(cat "$TMPD/.out")
	err=$(cat "$TMPD/.err")
}

is() {
	t_got=$1 t_want=$2
	shift 2
	[ "$t_got" = "$t_want" ]
	ok $? "$@" || { diag "got '$t_got', want '$t_want'"; return 1; }
}

like() {
	t_got=$1 t_sub=$2
	shift 2
	case $t_got in
	*"$t_sub"*) ok 0 "$@" ;;
	*) ok 1 "$@"; diag "'$t_got' does not contain '$t_sub'"; return 1 ;;
	esac
}

unlike() {
	t_got=$1 t_sub=$2
	shift 2
	case $t_got in
	*"$t_sub"*) ok 1 "$@"; diag "'$t_got' contains '$t_sub'"; return 1 ;;
	*) ok 0 "$@" ;;
	esac
}

skip() { t_n=$((t_n + 1)); echo "ok $t_n # SKIP $*"; }
# fail_all WHY: the test cannot go on without something it could not get
# (a fake destination that did not start, tmux, python3): one failed
# assertion that says why, and the end. Never a silent SKIP.
fail_all() { ok 1 "$*"; done_testing; exit 1; }

done_testing() {
	echo "1..$t_n"
	[ "$t_fail" -eq 0 ]
}

mode_of() { stat -c %a "$1"; }

# A passphrase file (mode 0600) holding $2.
mkpass() {
	printf '%s\n' "$2" >"$1"
	chmod 600 "$1"
}

# Create a workspace in $1 as the current user, with the cheapest KDF and
# the passphrase of $TMPD/admin.pp; more init options may follow.
# run_field WS ID KEY: a field of the record of run ID in workspace WS,
# by a dotted path (counts.accepted); booleans as true or false.
run_field() {
	"${PYTHON3:-python3}" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(str(d).lower() if isinstance(d, bool) else d)' "$1/runs/$2/run.json" "$3"
}
# newest_run WS: the ID of workspace WS's newest run.
newest_run() { ls "$1/runs" | grep -v '\.lock$' | sort | tail -1; }
# wait_run_accepted WS ID N: run ID has at least N accepted (30 s at most).
wait_run_accepted() {
	t_i=0
	while [ "$t_i" -lt 300 ]; do
		[ -f "$1/runs/$2/run.json" ] &&
		    [ "$(run_field "$1" "$2" counts.accepted)" -ge "$3" ] &&
		    return 0
		sleep 0.1
		t_i=$((t_i + 1))
	done
	return 1
}

ws_init() {
	t_dir=$1
	shift
	[ -f "$TMPD/admin.pp" ] || mkpass "$TMPD/admin.pp" "admin passphrase"
	"$SEGSYNC" -w "$t_dir" init --kdf interactive \
	    --passphrase-file "$TMPD/admin.pp" "$@"
}

# Throwaway Unix users and groups (root only), removed at exit.
t_users=""
t_groups=""
t_del_accounts() {
	for u in $t_users; do userdel "$u" 2>/dev/null; done
	for g in $t_groups; do groupdel "$g" 2>/dev/null; done
}
cleanup_hooks="$cleanup_hooks t_del_accounts"

can_make_users() {
	[ "$(id -u)" -eq 0 ] && command -v useradd >/dev/null &&
	    command -v groupadd >/dev/null && command -v setpriv >/dev/null
}

# multiuser: 0 when the tests of distinct Unix users can run (as root, as
# CI runs them); 1 for an ordinary user, who skips them saying so
# (docs/architecture.md, "Tests"). Root without useradd, groupadd or
# setpriv cannot get what the tests need: that fails, in words.
multiuser() {
	can_make_users && return 0
	[ "$(id -u)" -eq 0 ] || return 1
	fail_all "useradd, groupadd or setpriv is missing"
}

# mkgroup NAME
mkgroup() {
	groupadd "$1" 2>/dev/null || return 1
	t_groups="$t_groups $1"
}

# mkuser NAME [GROUP]: a user without home or shell, optionally in GROUP.
mkuser() {
	useradd -M -N -s /usr/sbin/nologin -d /nonexistent \
	    ${2:+-G "$2"} "$1" 2>/dev/null || return 1
	t_users="$t_users $1"
}

# as USER CMD...: run CMD as USER with their own groups.
as() {
	t_u=$1
	shift
	setpriv --reuid="$t_u" --regid="$(id -g "$t_u")" --init-groups "$@"
}
