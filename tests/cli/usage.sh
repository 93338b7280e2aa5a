# The command line's shape: help, usage errors and exit statuses (cli.md).
. "$top_srcdir/tests/cli/lib.sh"
S=$SEGSYNC

run "$S" --version
is "$rc" 0 "--version exits 0"
like "$out" "segsync 0.1.0" "--version names the version"
run "$S" -V
is "$rc" 0 "-V exits 0"

run "$S" --help
is "$rc" 0 "--help exits 0"
like "$out" "Usage: segsync" "--help shows the usage"
help=$out

# Every command of cli.md is listed and has its own help.
for cmd in init "identity new" "key add-file" "key passphrase" \
    "member add" "member list" "member remove" segments \
    "connection add" "connection authorize" "connection list" \
    "connection show" "connection test" "connection remove" \
    "export add" "export list" "export show" "export remove" \
    run refresh runs "runs show" "runs cancel"; do
	like "$help" "  $cmd " "--help lists '$cmd'"
	# shellcheck disable=SC2086
	run "$S" $cmd --help
	is "$rc" 0 "'$cmd --help' exits 0"
	like "$out" "Usage: segsync $cmd" "'$cmd --help' shows its usage"
done
run "$S" help connection add
is "$rc" 0 "'help connection add' exits 0"
like "$out" "--agree-privacy" "'help connection add' lists its options"
run "$S" member -h
like "$out" "member add" "'member -h' lists the member commands"

# Usage errors: status 2, a sentence, and a pointer to the help.
run "$S" frobnicate
is "$rc" 2 "an unknown command is a usage error"
like "$err" "'frobnicate' is not a segsync command" "and says so"
run "$S" conection list
like "$err" "did you mean 'connection'?" "a near miss gets a suggestion"
run "$S" member lst
is "$rc" 2 "an unknown subcommand is a usage error"
like "$err" "did you mean 'member list'?" "with a suggestion"
run "$S" runs bogus
is "$rc" 2 "'runs bogus' is a usage error"
run "$S" member
is "$rc" 2 "a group without a command is a usage error"
like "$err" "needs a command" "and says so"
run "$S" member list --bogus
is "$rc" 2 "an unknown option is a usage error"
like "$err" "unknown option '--bogus'" "and names it"
like "$err" "Try 'segsync member list --help'" "and points to the help"
run "$S" export add --segmnt x
like "$err" "did you mean '--segment'?" "a misspelt option gets a suggestion"
run "$S" member add bob
is "$rc" 2 "a missing required option is a usage error"
like "$err" "--role ROLE is required" "and names it"
run "$S" member add --role admin
is "$rc" 2 "a missing argument is a usage error"
like "$err" "missing USER" "and names it"
run "$S" member add bob --role owner
is "$rc" 2 "a value outside the choices is a usage error"
like "$err" "--role must be one of admin|contributor" "and lists them"
run "$S" member list extra
is "$rc" 2 "an extra argument is a usage error"
run "$S" init --json
is "$rc" 2 "--json on a command without JSON output is a usage error"
run "$S" member add bob --role admin --role contributor
is "$rc" 2 "a non-repeatable option given twice is a usage error"
run "$S" -w
is "$rc" 2 "-w without a value is a usage error"
run "$S" init --data=
is "$rc" 2 "an empty value is a usage error"
run "$S" member list --json=yes
is "$rc" 2 "a flag with a value is a usage error"

# Secrets are never accepted as arguments.
for opt in --api-key=CANARY --client-secret=CANARY --passphrase=CANARY \
    --token=CANARY; do
	run "$S" connection add --type braze --name n "$opt"
	is "$rc" 2 "$opt is refused"
	like "$err" "never taken as arguments" "$opt: the refusal says why"
	unlike "$err" "CANARY" "$opt: the value is not echoed"
done

# No command and no terminal: the UI needs one.
run "$S"
is "$rc" 2 "no command without a terminal is a usage error"
like "$err" "needs a terminal" "and says the UI needs a terminal"
like "$err" "segsync --help" "and points to the commands"

# Workspace errors are configuration errors (4).
mkdir -p "$TMPD/empty"
run "$S" -w "$TMPD/empty" member list
is "$rc" 4 "a folder without a workspace gives status 4"
like "$err" "segsync init" "and points to segsync init"

# Unknown names are configuration errors (4), after usage checks.
run ws_init "$TMPD/ws"
is "$rc" 0 "init"
run "$S" -w "$TMPD/ws" connection authorize x
is "$rc" 4 "authorize on a connection that does not exist exits 4"
like "$err" "no connection named \"x\"" "and says so"
run "$S" -w "$TMPD/ws" connection add --name x
is "$rc" 2 "usage errors still come first"

# The environment carries paths only; a passphrase variable is refused.
SEGSYNC_WORKSPACE=$TMPD/ws run "$S" member list
is "$rc" 0 "SEGSYNC_WORKSPACE selects the workspace"
SEGSYNC_PASSPHRASE=CANARY SEGSYNC_WORKSPACE=$TMPD/ws run "$S" member list
like "$err" "SEGSYNC_PASSPHRASE is ignored" "SEGSYNC_PASSPHRASE is refused"
unlike "$err$out" "CANARY" "its value is never echoed"

# '--' ends the options, not the command; -w=DIR works like -wDIR.
run "$S" -w "$TMPD/ws" -- member list
is "$rc" 0 "a command after '--' is still a command"
run "$S" -w="$TMPD/ws" member list
is "$rc" 0 "-w=DIR"

# Without -w: $XDG_DATA_HOME/segsync.
mkpass "$TMPD/pp" "a passphrase"
run "$S" init --kdf interactive --passphrase-file "$TMPD/pp"
is "$rc" 0 "init without -w"
[ -f "$XDG_DATA_HOME/segsync/workspace.json" ]
ok $? "the default workspace is \$XDG_DATA_HOME/segsync"

done_testing
