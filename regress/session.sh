# session: long-lived guest sessions (vm session).  A session outlives the
# CLI that started it and every CLI attached to it or following its logs;
# its output is kept in bounded logs in the guest; its exit status stays
# until `vm session stop` collects it.  Sessions live as long as their VM,
# and the VM outlives a crash of bangerd (the next bangerd adopts it,
# regress/crash.sh): after a kill -9 of bangerd the sessions still run,
# their logs and attach work, and a new one starts; so after `banger
# daemon restart`.
. "$REGRESS/test-lib.sh"

uid1=$(user_uid t1)
SD=/run/banger/sessions

# session_field NAME FIELD: one field of `vm session list ss --json`.
session_field() {
	banger vm session list ss --json >"$W/sl.json" 2>"$W/sl.err" ||
	    return 1
	jq -r --arg n "$1" --arg f "$2" \
	    '.[] | select(.name == $n) | .[$f] | tostring' "$W/sl.json"
}

session_state() {
	[ "$(session_field "$1" state)" = "$2" ]
}

# logs_have NAME TEXT: the session's stdout log holds the line TEXT.
logs_have() {
	banger vm session logs ss "$1" >"$W/lh.out" 2>/dev/null &&
	    grep -qx -- "$2" "$W/lh.out"
}

log_lines() {
	banger vm session logs ss "$1" 2>/dev/null | wc -l
}

# log_grew NAME N: the session's log has more than N lines.
log_grew() {
	[ "$(log_lines "$1")" -gt "$2" ]
}

# file_grew FILE N: FILE has more than N lines.
file_grew() {
	[ "$(wc -l <"$1")" -gt "$2" ]
}

# The banger processes of t1 (the CLIs this test runs in the background).
cli_pid() {
	pgrep -U "$uid1" -x banger | head -n 1
}

run t1 vm create --name ss
expect_rc 0 "vm create ss"

# ---- names are checked on the host and again in the guest ----
for bad in .. -x a/b 'a b' abcdefghijklmnopqrstuvwxyz0123456 "$(printf 'a\tb')"; do
	run t1 vm session start ss --name "$bad" -- true
	expect_rc 2 "vm session start --name '$bad'"
done
run t1 vm session logs ss ../etc
expect_rc 2 "vm session logs with a bad name"
run t1 vm exec ss -- banger-agent session start ../x -- true
expect_rc 2 "the guest's banger-agent refuses a bad name"
run t1 vm exec ss -- banger-agent session start .. -- true
expect_rc 2 "the guest's banger-agent refuses '..'"
run t1 vm session start ss --name ok -- true extra --stdin-mode tty
expect_rc 0 "a session's arguments after -- are the command's"
run t1 vm session start ss --name bad-mode --stdin-mode tty -- true
expect_rc 2 "--stdin-mode tty"
run t1 vm session list ss ctr
expect_rc 2 "list takes no session name"

# ---- start returns at once; list shows the session running ----
run t1 vm session start ss --name ctr -- sh -c \
    'i=0; while :; do echo "n$i"; i=$((i + 1)); sleep 0.2; done'
expect_rc 0 "vm session start ctr"
[ -s "$W/out" ] && fail "start printed something: $(cat "$W/out")"
run t1 vm session start ss --name ctr -- true
expect_rc 1 "a second session named ctr"
grep -q "already exists" "$W/err" || fail "no 'already exists' message"

run t1 vm session list ss --json
expect_rc 0 "vm session list --json"
jq -e '.[] | select(.name == "ctr") | .state == "running" and
    .stdin == "pipe" and .pid > 1 and (.command | startswith("sh -c"))' \
    "$W/out" >/dev/null || fail "list --json does not show ctr running"
run t1 vm session list ss
expect_rc 0 "vm session list"
grep -Eq '^ctr +running +pipe ' "$W/out" || fail "list does not show ctr running"

wait_until 60 logs_have ctr n3 || fail "no counter output in the logs"
run t1 vm session logs ss ctr
expect_rc 0 "vm session logs"
[ "$(head -n 1 "$W/out")" = n0 ] || fail "logs do not start at n0"
run t1 vm session logs ss ctr --stream stderr
expect_rc 0 "vm session logs --stream stderr"
[ -s "$W/out" ] && fail "stderr log of ctr is not empty"

# ---- the CLI going away: logs -f and attach are killed, ctr runs on ----
trace "[t1] vm session logs -f ss ctr &, then kill -9 of the CLI"
as_user t1 "$BIN/banger" vm session logs ss ctr -f </dev/null \
    >"$W/follow.out" 2>"$W/follow.err" &
bg=$!
wait_until 60 grep -q n5 "$W/follow.out" || fail "logs -f shows nothing"
n1=$(wc -l <"$W/follow.out")
wait_until 30 file_grew "$W/follow.out" "$n1" ||
    fail "logs -f does not follow"
cli=$(cli_pid)
[ -n "$cli" ] && kill -KILL "$cli"
wait "$bg"
# Until bangerd has hung up on the guest's `logs -f`, the VM is busy.
wait_until 30 session_state ctr running ||
    fail "ctr not running after its logs -f CLI died"
n1=$(log_lines ctr)
wait_until 30 log_grew ctr "$n1" ||
    fail "ctr's log stopped growing after its logs -f CLI died"

# ---- attach, pipe stdin: input goes through, end of input detaches ----
run t1 vm session start ss --name echo -- cat
expect_rc 0 "vm session start echo -- cat"
rm -f "$W/in"
mkfifo "$W/in"
trace "[t1] vm session attach ss echo <fifo &"
as_user t1 "$BIN/banger" vm session attach ss echo <"$W/in" \
    >"$W/att.out" 2>"$W/att.err" &
bg=$!
exec 3>"$W/in"
echo hello-through >&3
wait_until 60 grep -qx hello-through "$W/att.out" ||
    fail "attach did not show cat's echo: $(cat "$W/att.out" "$W/att.err")"
echo again >&3
wait_until 60 grep -qx again "$W/att.out" || fail "second line not echoed"
# While attached, other commands run beside it (bangerd runs several).
run t1 vm session list ss
expect_rc 0 "vm session list while attached"
grep -q "^echo .*running" "$W/out" || fail "list while attached: no echo running"
run t1 vm session logs ss echo
expect_rc 0 "vm session logs while attached"
grep -qx again "$W/out" || fail "logs while attached lacks the echoed line"
exec 3>&-
wait "$bg"
RC=$?
show "$W/att.err" "attach stderr"
expect_rc 0 "attach detached at the end of its input"
session_state echo running || fail "echo ended when attach detached"
logs_have echo hello-through || fail "echo's log lacks the input it echoed"

# Killed mid-attach: the session stays.
mkfifo "$W/in2"
as_user t1 "$BIN/banger" vm session attach ss echo <"$W/in2" \
    >"$W/att2.out" 2>"$W/att2.err" &
bg=$!
exec 3>"$W/in2"
echo third >&3
wait_until 60 grep -qx third "$W/att2.out" || fail "third line not echoed"
cli=$(cli_pid)
[ -n "$cli" ] && kill -KILL "$cli"
wait "$bg"
exec 3>&-
wait_until 30 session_state echo running ||
    fail "echo ended when its attach CLI was killed"
run t1 vm session attach ss echo </dev/null
expect_rc 0 "attach with no input detaches at once"

# ---- attach on a terminal to a pty session; ~. detaches ----
run t1 vm session start ss --name tty --stdin-mode pty -- sh -c \
    'while :; do if read -t 1 l; then echo "got-$l"; else echo tick; fi; done'
expect_rc 0 "vm session start --stdin-mode pty"
rm -f "$W/tty.out"
trace "[t1, on a terminal] vm session attach ss tty; hello, then ~."
{
	wait_until 120 grep -q tick "$W/tty.out"
	printf 'hello\r'
	wait_until 60 grep -q got-hello "$W/tty.out"
	printf '~.'
} | as_user t1 script -qec "$BIN/banger vm session attach ss tty" \
    /dev/null >"$W/tty.out" 2>&1
RC=$?
show "$W/tty.out" terminal
expect_rc 125 "attach left with ~."
grep -q got-hello "$W/tty.out" || fail "the pty session did not get the input"
grep -q "~\.: leaving" "$W/tty.out" || fail "no message saying ~. left"
wait_until 30 session_state tty running ||
    fail "the pty session ended when attach left"
run t1 vm exec ss -- sh -c "tr -d '\\r' <$SD/tty/stdout.log | grep -x got-hello"
expect_rc 0 "the pty session's log has its answer"

# ---- stop with a signal; the status stays until stop collects it ----
run t1 vm session stop ss ctr --signal TERM
expect_rc 0 "vm session stop --signal TERM"
wait_until 30 session_state ctr killed || fail "ctr not killed after stop"
[ "$(session_field ctr signal)" = 15 ] || fail "ctr's signal is not 15"
run t1 vm session list ss
grep -Eq '^ctr +killed SIGTERM ' "$W/out" || fail "list does not say SIGTERM"
run t1 vm session list ss --json
jq -e '.[] | select(.name == "ctr") | .state == "killed"' "$W/out" \
    >/dev/null || fail "a second list lost ctr's status"
run t1 vm session logs ss ctr
[ -s "$W/out" ] || fail "an ended session's logs are gone"
run t1 vm session stop ss ctr
expect_rc 0 "stop collects an ended session"
grep -qx "ctr: killed by signal 15" "$W/out" || fail "stop did not say the status"
run t1 vm session list ss --json
jq -e 'all(.name != "ctr")' "$W/out" >/dev/null ||
    fail "ctr still listed after it was collected"
run t1 vm session logs ss ctr
expect_rc 1 "logs of a collected session"

run t1 vm session start ss --name ex --stdin-mode none --env GREETING=bye \
    --cwd /tmp -- sh -c 'echo "$GREETING from $(pwd)"; echo oops >&2; exit 7'
expect_rc 0 "vm session start ex"
wait_until 30 session_state ex exited || fail "ex did not exit"
[ "$(session_field ex exit_status)" = 7 ] || fail "ex's exit status is not 7"
logs_have ex "bye from /tmp" || fail "--env or --cwd did not reach the command"
run t1 vm session logs ss ex --stream stderr
grep -qx oops "$W/out" || fail "stderr log of ex"
run t1 vm session stop ss ex
grep -qx "ex: exited 7" "$W/out" || fail "stop did not say 'exited 7'"

# Logs on a terminal: the guest's control characters are escaped.
run t1 vm session start ss --name esc -- printf 'A\033]0;pwned\007B\n'
expect_rc 0 "vm session start esc"
wait_until 30 session_state esc exited || fail "esc did not exit"
trace "[t1, on a terminal] vm session logs ss esc"
as_user t1 script -qec "$BIN/banger vm session logs ss esc" /dev/null \
    </dev/null >"$W/esc.tty" 2>&1
RC=$?
show "$W/esc.tty" terminal
expect_rc 0 "vm session logs on a terminal"
grep -qF 'A\e]0;pwned\x07B' "$W/esc.tty" ||
    fail "session logs on a terminal are not escaped"
grep -q "$(printf '\033')" "$W/esc.tty" &&
    fail "a raw ESC from the session reached the terminal"

run t1 vm session start ss --name nf -- no-such-command-xyzzy
expect_rc 127 "a session whose command does not exist"
run t1 vm session list ss --json
jq -e 'all(.name != "nf")' "$W/out" >/dev/null || fail "a failed start left nf"

# ---- several MiB of output: the log stays bounded, the newest kept ----
run t1 vm session start ss --name big -- sh -c \
    'head -c 6000000 /dev/zero | tr "\0" x; echo; echo END-OF-BIG'
expect_rc 0 "vm session start big"
wait_until 120 session_state big exited || fail "big did not finish"
run t1 vm exec ss -- sh -c "wc -c <$SD/big/stdout.log; wc -c <$SD/big/stdout.log.1; ls $SD/big"
expect_rc 0 "sizes of big's logs"
cur=$(sed -n 1p "$W/out")
old=$(sed -n 2p "$W/out")
[ "$old" = 1048576 ] || fail "big's rotated log is $old bytes, want 1048576"
[ "$cur" -le 1048576 ] || fail "big's log is $cur bytes, over 1 MiB"
grep -q 'stdout.log.2' "$W/out" && fail "more than one rotated log"
run t1 vm session logs ss big
expect_rc 0 "vm session logs big"
[ "$(tail -n 1 "$W/out")" = END-OF-BIG ] || fail "the newest output is not kept"
sz=$(wc -c <"$W/out")
[ "$sz" -le 2097152 ] || fail "logs printed $sz bytes, over 2 MiB"

# The agent (PID 1) reaped the supervisors of the ended sessions.
run t1 vm exec ss -- sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status; true'
expect_rc 0 "look for zombies in the guest"
[ -s "$W/out" ] && fail "zombies in the guest: $(cat "$W/out")"
# The running sessions' supervisors (echo and tty) are orphans of PID 1.
run t1 vm exec ss -- sh -c 'for p in /proc/[0-9]*; do
	tr "\0" " " <$p/cmdline 2>/dev/null | grep -q "^banger-agent session start" &&
	    cut -d" " -f4 $p/stat; done; true'
expect_rc 0 "parents of the supervisors"
[ "$(grep -cx 1 "$W/out")" = 2 ] && [ "$(grep -c . "$W/out")" = 2 ] ||
    fail "want two supervisors, children of PID 1: $(cat "$W/out")"

# ---- bangerd killed: the VM runs on, adopted, and so do its sessions ----
q=$(vm_field t1 ss pid)
n1=$(log_lines tty)
dpid=$(daemon_pid t1)
pid_alive "$dpid" || fatal "no running bangerd"
trace "kill -9 bangerd $dpid"
kill -KILL "$dpid"
wait_until 10 pid_gone "$dpid" || fatal "bangerd survived kill -9"
pid_alive "$q" || fail "the VM's QEMU $q died with bangerd"
run t1 vm session list ss --json
expect_rc 0 "vm session list after bangerd's crash"
jq -e '(.[] | select(.name == "echo") | .state == "running") and
    (.[] | select(.name == "tty") | .state == "running")' "$W/out"     >/dev/null || fail "echo and tty not running after bangerd's crash"
[ "$(vm_field t1 ss pid)" = "$q" ] || fail "ss has another QEMU than $q"
wait_until 30 log_grew tty "$n1" ||
    fail "tty's log stopped growing across bangerd's crash"
logs_have echo third || fail "echo's log lost its lines across the crash"
rm -f "$W/in3"
mkfifo "$W/in3"
as_user t1 "$BIN/banger" vm session attach ss echo <"$W/in3" \
    >"$W/att3.out" 2>"$W/att3.err" &
bg=$!
exec 3>"$W/in3"
echo after-crash >&3
wait_until 60 grep -qx after-crash "$W/att3.out" ||
    fail "attach after the crash: $(cat "$W/att3.out" "$W/att3.err")"
exec 3>&-
wait "$bg"
run t1 vm session start ss --name late -- echo started-after-crash
expect_rc 0 "vm session start after bangerd's crash"
wait_until 30 logs_have late started-after-crash ||
    fail "a session started after the crash did not run"

# ---- banger daemon restart: the same, asked for ----
run t1 daemon restart
expect_rc 0 "daemon restart"
[ "$(vm_field t1 ss pid)" = "$q" ] || fail "ss has another QEMU after restart"
n1=$(log_lines tty)
wait_until 30 log_grew tty "$n1" ||
    fail "tty's log stopped growing across daemon restart"
session_state echo running || fail "echo not running after daemon restart"

run t1 vm delete ss
expect_rc 0 "vm delete ss"
