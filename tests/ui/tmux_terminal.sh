# The terminal is given back as it was on every way out: q, Ctrl-C (at
# once with nothing typed, asked first over typed input), Ctrl-Z and fg,
# SIGTERM, and a crash (SIGSEGV); and the UI works with TERM=vt100 and
# NO_COLOR. In tmux, comparing 'stty -g' before and after.
. "$top_srcdir/tests/ui/lib.sh"
tm_available || fail_all "tmux is not installed"
ui_workspace

# tm_session ENV...: segsync in a session between two 'stty -g'.
tm_session() {
	t_cmd="cd '$TMPD' && stty -g >'$TMPD/before' &&"
	t_cmd="$t_cmd env LANG=C.UTF-8 LC_ALL=C.UTF-8 $* '$SEGSYNC' -w ws"
	t_cmd="$t_cmd --passphrase-file '$TMPD/admin.pp'; echo SEGSYNC-EXIT=\$?;"
	t_cmd="$t_cmd stty -g >'$TMPD/after'; echo STTY-SAVED; sleep 600"
	tm_next
	tm new-session -d -x 80 -y 24 -c "$TMPD" "$t_cmd"
}
same_tty() {
	tm_wait "STTY-SAVED" "$1: the shell runs again"
	cmp -s "$TMPD/before" "$TMPD/after"
	ok $? "$1: the terminal settings are as they were"
}
# The UI's process: its command line names the binary and "ws", and it
# works in this test's directory (other tests run the same command line
# at the same time, and run workers are forks of a UI).
segsync_pid() {
	for t_p in /proc/[0-9]*; do
		t_c=$(tr '\0' ' ' <"$t_p/cmdline" 2>/dev/null) || continue
		case $t_c in
		"$SEGSYNC -w ws --passphrase-file"*)
			[ "$(readlink "$t_p/cwd")" = "$(cd "$TMPD" && pwd -P)" ] ||
			    continue
			echo "${t_p#/proc/}"
			return ;;
		esac
	done
}

tm_session || fail_all "tmux cannot start a session"
tm_wait "Welcome," "the UI opens"
tm_keys q
tm_wait "SEGSYNC-EXIT=0" "q quits with status 0"
same_tty "q"

tm_session
tm_wait "Welcome," "the UI opens again"
tm_keys C-c
tm_wait "SEGSYNC-EXIT=130" "Ctrl-C with nothing typed quits at once"
same_tty "Ctrl-C"

tm_session
tm_wait "Welcome," "and again"
tm_keys c a Enter
tm_type "half typed"
tm_keys C-c
tm_wait "Ctrl-C again" "Ctrl-C over typed input asks first, as Esc and q do"
tm_keys Enter
tm_wait "half typed" "Stay keeps what was typed"
sleep 0.3
unlike "$(tm_screen)" "Quit segsync?" "and closes the question"
tm_keys C-c
tm_wait "Ctrl-C again" "a new Ctrl-C asks again"
tm_keys C-c
tm_wait "SEGSYNC-EXIT=130" "and a second one quits at once"
same_tty "Ctrl-C twice"

# Ctrl-Z in a shell with job control: segsync stops, the shell is back,
# and fg brings the screen back as it was.
tm_next
tm new-session -d -x 80 -y 24 -c "$TMPD" "env PS1='sh> ' bash --norc -i" ||
    fail_all "tmux cannot start a shell"
tm_wait "sh>" "a shell with job control"
tm_type "stty -g >'$TMPD/before'; LANG=C.UTF-8 LC_ALL=C.UTF-8 '$SEGSYNC' -w ws --passphrase-file '$TMPD/admin.pp'; echo SEGSYNC-EXIT=\$?; stty -g >'$TMPD/after'; echo STTY-SAVED"
tm_keys Enter
tm_wait "Welcome," "segsync runs in it"
tm_keys s
tm_wait "Clients fidèles" "on the segments screen"
tm_keys C-z
tm_wait "Stopped" "Ctrl-Z suspends it and gives the shell back"
unlike "$(tm_screen)" "Clients fidèles" "with the shell's screen, not segsync's"
tm_type "fg"
tm_keys Enter
tm_wait "Clients fidèles" "fg brings segsync back on the screen it was on"
like "$(tm_screen)" "segsync › Segments" "redrawn whole"
tm_keys q q
same_tty "Ctrl-Z, then fg and q"

tm_session
tm_wait "Welcome," "and again"
kill -TERM "$(segsync_pid)"
tm_wait "SEGSYNC-EXIT=143" "SIGTERM quits"
same_tty "SIGTERM"

tm_session
tm_wait "Welcome," "and again"
kill -SEGV "$(segsync_pid)"
tm_wait "SEGSYNC-EXIT=139" "a crash still dies of its signal"
same_tty "a crash"

tm_session TERM=vt100 NO_COLOR=1
tm_wait "Welcome," "TERM=vt100 without colour works"
tm_keys s
tm_wait "Clients fidèles" "and shows UTF-8 text"
tm_keys q
tm_wait "Welcome," "q closes the segments screen, back to Home"
tm_keys q
tm_wait "SEGSYNC-EXIT=0" "and q there quits"
done_testing
