# term: guest text that reaches the user's terminal is escaped (vm logs
# on a terminal; a command's output without a pty session), and a guest
# that ignores signals cannot hold vm run: a second SIGINT, or ~. on a
# pty session, leaves, and --rm deletes the VM.  `script` gives banger a
# terminal.
. "$REGRESS/test-lib.sh"

ESC=$(printf '\033')
uid1=$(user_uid t1)

# tty_run OUT CMD: CMD (a shell command line) as t1 on a terminal; what
# the terminal showed goes to OUT.
tty_run() {
	_o=$1
	shift
	trace "[t1, on a terminal] $*"
	as_user t1 script -qec "$*" /dev/null </dev/null >"$_o" 2>&1
	RC=$?
	echo "  exit $RC"
	show "$_o" terminal
}

has_esc() {
	grep -q "$ESC" "$1"
}

# No SIGINT pending for process $1.
sig_taken() {
	_p=$(awk '/^ShdPnd:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$_p" ] && [ $((0x$_p & 2)) = 0 ]
}

# ---- vm logs ----
run t1 vm run --name tl -- sh -c \
    'printf "GUEST\033]0;pwned\007MARK\033[2J\n" >/dev/console'
expect_rc 0 "write an escape sequence to the console"
wait_until 20 grep -q MARK "$(state_dir t1)/vms/tl/console.log" ||
    fail "the console line did not reach console.log"
tty_run "$W/logs.tty" "$BIN/banger vm logs tl"
expect_rc 0 "vm logs on a terminal"
grep -qF 'GUEST\e]0;pwned\x07MARK\e[2J' "$W/logs.tty" ||
    fail "vm logs on a terminal does not show the sequence escaped"
has_esc "$W/logs.tty" && fail "vm logs wrote a raw ESC to the terminal"
run t1 vm logs tl
expect_rc 0 "vm logs into a file"
grep -qF "GUEST${ESC}]0;pwned" "$W/out" ||
    fail "vm logs into a file is not the console byte for byte"
run t1 vm delete tl
expect_rc 0 "vm delete tl"

# ---- output without a pty session, to a terminal ----
tty_run "$W/out.tty" "$BIN/banger vm run --rm -- sh -c 'printf \"E\\033]0;pwned\\007F\\n\" >&2; printf \"O\\033[2JP\\n\"' </dev/null"
expect_rc 0 "vm run without a pty, output on a terminal"
grep -qF 'E\e]0;pwned\x07F' "$W/out.tty" ||
    fail "guest stderr on a terminal is not escaped"
grep -qF 'O\e[2JP' "$W/out.tty" ||
    fail "guest stdout on a terminal is not escaped"
has_esc "$W/out.tty" && fail "a raw ESC from the guest reached the terminal"

# ---- a second SIGINT leaves a command that ignores it ----
trace "[t1] vm run --rm --name hang -- (ignores INT, TERM, HUP) &"
as_user t1 "$BIN/banger" vm run --rm --name hang -- sh -c \
    'trap "" INT TERM HUP; echo started; while :; do sleep 1; done' \
    </dev/null >"$W/hang.out" 2>"$W/hang.err" &
bg=$!
if wait_until 200 grep -q started "$W/hang.out"; then
	cli=$(pgrep -U "$uid1" -x banger)
	echo "  banger pid $cli"
	[ -n "$cli" ] || fatal "no banger process of t1"
	kill -INT "$cli"
	# Two signals sent at once would merge into one: let banger take
	# the first (it is no longer pending) before the second.
	wait_until 30 sig_taken "$cli" ||
	    fail "banger did not take the first SIGINT"
	kill -INT "$cli"
	wait "$bg"
	RC=$?
	echo "  exit $RC"
	show "$W/hang.err" stderr
	expect_rc 130 "vm run after two SIGINTs"
	grep -q "second SIGINT: leaving.*deletes the VM (--rm)" \
	    "$W/hang.err" || fail "no message saying banger left and why"
	wait_until 60 vm_absent t1 hang ||
	    fail "the --rm VM is still there after banger left"
else
	fail "the command did not start: $(cat "$W/hang.err")"
	kill "$bg"
fi

# ---- ~. on a pty session ----
rm -f "$W/tilde.tty"
trace "[t1, on a terminal] vm run --rm --name tilde -- (ignores signals); then ~."
{
	wait_until 200 grep -q started "$W/tilde.tty"
	printf '~.'
} | as_user t1 script -qec "$BIN/banger vm run --rm --name tilde -- sh -c 'trap \"\" INT TERM HUP; echo started; while :; do sleep 1; done'" /dev/null >"$W/tilde.tty" 2>&1
RC=$?
echo "  exit $RC"
show "$W/tilde.tty" terminal
expect_rc 125 "vm run left with ~."
grep -q "~\.: leaving.*deletes the VM (--rm)" "$W/tilde.tty" ||
    fail "no message saying ~. left"
wait_until 60 vm_absent t1 tilde ||
    fail "the --rm VM is still there after ~."
no_qemu t1 || fail "a VMM of t1 is still running"
