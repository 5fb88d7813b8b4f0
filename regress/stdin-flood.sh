# stdin-flood: a client's stdin towards a guest that does not keep up
# cannot grow bangerd without bound.  bangerd stops reading the client
# while more than AGENT_OUTQ_HIGH bytes wait for the guest (the CLI then
# stops reading its stdin, and the writer into that pipe waits) and reads
# it again once they drain; the bytes it did read all reach the guest, end
# of input included.  Nor may it overrun the guest agent's queue for the
# command: bangerd keeps no more than a window of unacknowledged input in
# flight to the agent, so a slow reader still gets every byte.  The CLI's
# side (it never blocks writing to bangerd) is banger/test-session, the
# queue's bounds and the window bangerd/test-agent.
. "$REGRESS/test-lib.sh"

mib=1048576
# How far bangerd's resident size may rise during the flood: a few times
# what it may hold for one session (AGENT_OUTQ_HIGH towards the guest,
# CLIENT_OUTQ_HIGH towards the client), far below the flood itself.
bound_kb=$((32 * 1024))
flood=$((160 * mib))

# 1. Intact: 24 MiB of random bytes through a command that reads them all
# (and ends only at end of input), checked by sum and size in the guest.
n=$((24 * mib))
head -c "$n" /dev/urandom >"$W/in.bin"
want=$(sha256sum <"$W/in.bin" | cut -d' ' -f1)
trace "[t1] banger vm run --rm -- sh -c 'cat >/tmp/in; sha256sum; wc -c' < 24 MiB"
with_timeout 600 banger vm run --rm -- \
    sh -c 'cat >/tmp/in && sha256sum </tmp/in && wc -c </tmp/in' \
    <"$W/in.bin" >"$W/out" 2>"$W/err"
RC=$?
echo "  exit $RC"
show "$W/out" stdout
show "$W/err" stderr
expect_rc 0 "24 MiB through cat"
got=$(sed -n '1s/ .*//p' "$W/out")
size=$(sed -n 2p "$W/out" | tr -dc 0-9)
[ "$got" = "$want" ] && [ "$size" = "$n" ] &&
    ok "the guest got all $n bytes intact, then end of input" ||
    fail "the guest got $size bytes with sum $got, want $n with $want"

# 2. Slow: 40 MiB into a command that reads nothing for a while, then
# reads it all.  The guest agent can queue only STDIN_MAX (8 MiB) for the
# command: bangerd must send no more than the agent has room for (it
# waits for the agent's acknowledgements), so nothing is dropped.
n=$((40 * mib))
head -c "$n" /dev/urandom >"$W/slow.bin"
want=$(sha256sum <"$W/slow.bin" | cut -d' ' -f1)
trace "[t1] banger vm run --rm -- sh -c 'sleep 5; sha256sum' < 40 MiB"
with_timeout 900 banger vm run --rm -- \
    sh -c 'sleep 5; sha256sum' <"$W/slow.bin" >"$W/out" 2>"$W/err"
RC=$?
echo "  exit $RC"
show "$W/out" stdout
show "$W/err" stderr
expect_rc 0 "40 MiB into a slow reader"
got=$(sed -n '1s/ .*//p' "$W/out")
[ "$got" = "$want" ] &&
    ok "the slow reader got all $n bytes intact, then end of input" ||
    fail "the slow reader's sum is $got, want $want"
grep -q 'buffer full' "$W/err" &&
    fail "the agent refused input (stdin buffer full)"

# 3. Bounded: an endless stream into a command that never reads stdin.
# Its writer is held once the window is unacknowledged, and bangerd's
# size stays within the bound.
run t1 vm create --name sf
expect_rc 0 "vm create --name sf"
dpid=$(daemon_pid t1)
pid_alive "$dpid" || fatal "no bangerd for t1"
base=$(proc_status "$dpid" VmHWM | cut -d' ' -f1)
limit=$((base + bound_kb))
echo "  bangerd $dpid: VmHWM ${base} kB before the flood"

mkfifo "$W/fifo"
trace "[t1] cat /dev/zero | banger vm exec sf -- sleep 1000 (background)"
as_user t1 "$BIN/banger" vm exec sf -- sleep 1000 <"$W/fifo" \
    >"$W/flood.out" 2>"$W/flood.err" &
cpid=$!
cat /dev/zero >"$W/fifo" &
ppid=$!

# Until $flood bytes have gone into the CLI, or bangerd has grown past
# the bound, or the writer is held (nothing more went in over the last
# ten looks: sleep never reads, and the agent acknowledges nothing), or
# the CLI is gone.  When to look is all the looks decide; the verdict is
# the sizes below.
last=-1
still=0
while :; do
	rss=$(proc_status "$dpid" VmRSS | cut -d' ' -f1)
	[ -n "$rss" ] || break
	[ "$rss" -gt "$limit" ] && break
	sent=$(sed -n 's/^wchar: //p' "/proc/$ppid/io" 2>/dev/null)
	[ -n "$sent" ] && [ "$sent" -ge "$flood" ] && break
	# Past 1 MiB (more than the pipe and sockets hold) the command runs.
	if [ "${sent:-0}" -gt "$mib" ] && [ "${sent:-0}" = "$last" ]; then
		still=$((still + 1))
		[ "$still" -ge 10 ] && break
	else
		still=0
	fi
	last=${sent:-0}
	pid_alive "$cpid" || break
	sleep 0.2
done
sent=$(sed -n 's/^wchar: //p' "/proc/$ppid/io" 2>/dev/null)
hwm=$(proc_status "$dpid" VmHWM | cut -d' ' -f1)
echo "  ${sent:-?} bytes into the CLI; bangerd VmRSS ${rss:-?} kB," \
    "VmHWM ${hwm:-?} kB (limit $limit kB)"
kill "$ppid" 2>/dev/null
wait "$ppid" 2>/dev/null
pid_alive "$dpid" || fail "bangerd died during the flood"
# Held by the window: no more than it, the queues and a few pipes' and
# sockets' buffers went in, not the whole flood.
[ -n "$sent" ] && [ "$sent" -lt $((32 * mib)) ] &&
    ok "the writer was held after $((sent / mib)) MiB" ||
    fail "the writer was not held: ${sent:-?} bytes went in"
[ -n "$hwm" ] && [ "$hwm" -le "$limit" ] &&
    ok "bangerd grew by $((hwm - base)) kB for $((sent / mib)) MiB of stdin" ||
    fail "bangerd grew by $((${hwm:-0} - base)) kB, over $bound_kb kB"

# The command is still there, and the held client is not stuck: deleting
# the VM ends its session.
run t1 vm delete sf
expect_rc 0 "vm delete sf during the flood"
wait "$cpid"
echo "  the flooding CLI exited $?"
show "$W/flood.err" stderr
grep -q 'was deleted' "$W/flood.err" ||
    fail "the flooding CLI did not hear that its VM was deleted"
grep -q 'buffer full' "$W/flood.err" &&
    fail "the agent refused input (stdin buffer full)"
