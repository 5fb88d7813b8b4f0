# stdio: stdout and stderr stay apart and stdout carries nothing else;
# stdin reaches the command, EOF included; binary data survives a round
# trip through the guest.
. "$REGRESS/test-lib.sh"

run t1 vm run --rm -- sh -c 'echo out1; echo err1 >&2; echo out2'
expect_rc 0 "echo to both streams"
printf 'out1\nout2\n' >"$W/want"
cmp -s "$W/want" "$W/out" || fail "stdout is not exactly 'out1\\nout2\\n'"
grep -qx err1 "$W/err" || fail "stderr lacks 'err1'"
grep -q out1 "$W/err" && fail "stdout leaked into stderr"
grep -v '^banger: ' "$W/err" | grep -qvx err1 &&
    fail "stderr has lines that are neither 'err1' nor 'banger: ' progress"

trace "[t1] printf 'hello\\nworld\\n' | banger vm run --rm -- cat"
printf 'hello\nworld\n' | banger vm run --rm -- cat >"$W/out" 2>"$W/err"
RC=$?
echo "  exit $RC"
show "$W/err" stderr
expect_rc 0 "cat from a pipe"
printf 'hello\nworld\n' | cmp -s - "$W/out" ||
    fail "stdin did not come back from cat exactly"

head -c 204800 /dev/urandom >"$W/in.bin"
trace "[t1] banger vm run --rm -- cat < 200 KiB random > out.bin"
banger vm run --rm -- cat <"$W/in.bin" >"$W/out.bin" 2>"$W/err"
RC=$?
echo "  exit $RC"
show "$W/err" stderr
expect_rc 0 "binary cat"
if cmp "$W/in.bin" "$W/out.bin"; then
	ok "200 KiB of random bytes came back intact"
else
	fail "binary round trip differs ($(stat -c %s "$W/out.bin") of 204800 bytes back)"
fi

# Output larger than one chunk and both streams at once, checked by sum.
run t1 vm run --rm -- sh -c 'head -c 300000 /dev/zero | tr "\0" x; echo done >&2'
expect_rc 0 "300 KB of output"
[ "$(stat -c %s "$W/out")" = 300000 ] ||
    fail "got $(stat -c %s "$W/out") bytes of stdout, want 300000"
grep -qx done "$W/err" || fail "stderr after a large stdout lost"
