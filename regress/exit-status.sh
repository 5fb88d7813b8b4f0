# vm run's exit status is the command's: plain exits, death by a signal
# (128+N), command not found (127), not executable (126).
. "$REGRESS/test-lib.sh"

run t1 vm run --rm -- true
expect_rc 0 "true"

run t1 vm run --rm -- sh -c 'exit 7'
expect_rc 7 "exit 7"

run t1 vm run --rm -- sh -c 'kill -KILL $$'
expect_rc 137 "killed by SIGKILL"

run t1 vm run --rm -- no-such-command-xyzzy
expect_rc 127 "command not found"
grep -q "no-such-command-xyzzy" "$W/err" ||
    fail "not-found error does not name the command"

# /etc/hostname exists in the guest but is not executable.
run t1 vm run --rm -- /etc/hostname
expect_rc 126 "not executable"
