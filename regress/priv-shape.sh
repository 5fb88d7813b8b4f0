# The caller does not shape its root helper.  t2 starts banger-priv from
# a cgroup delegated to it (owned by t2, so t2 could freeze it with the
# lease lock held), with hostile rlimits (CPU time, address space, data,
# stack, pending signals), nice 19, SCHED_IDLE and the idle I/O class.
# The CPU, address space, data and stack limits are lowered soft only:
# raising a hard limit the caller lowered needs CAP_SYS_RESOURCE, which
# this suite's host may lack (the helper then takes the soft limit up to
# the hard one, see sandbox.c).
# The helper must have left that cgroup and reset every one of them:
# /proc/PID/{limits,stat,sched,cgroup} and ionice say so.
#
# Nor can the caller keep the helper in its session, where a terminal the
# caller controls could stop it with ^Z (SIGTSTP needs no permission when
# the tty sends it) while it holds the lease lock: the helper is a session
# leader of its own and ignores SIGTSTP, SIGTTIN and SIGTTOU.  A caller
# that makes the helper a process-group leader before the exec (setsid()
# then fails with EPERM) is refused.  Before the fix that setsid() failure
# was ignored and the helper served from inside the caller's session.
. "$REGRESS/test-lib.sh"

[ -x "$BIN/priv-client" ] || fatal "no priv-client (obj/regress/priv-client)"

CGNAME=banger-regress-shape-$$
CGS=
for m in $(findmnt -n -t cgroup2 -o TARGET) \
    $(findmnt -n -t cgroup -o TARGET,OPTIONS | awk '$2 ~ /freezer/ {print $1}'); do
	mkdir "$m/$CGNAME" || fatal "cannot make a test cgroup in $m"
	chown "$(user_uid t2)" "$m/$CGNAME" "$m/$CGNAME/cgroup.procs"
	CGS="$CGS $m/$CGNAME"
done
[ -n "$CGS" ] || fatal "no cgroup2 or freezer hierarchy mounted"
cleanup_cg() {
	for c in $CGS; do
		rmdir "$c" 2>/dev/null || echo "  could not remove $c"
	done
}

mkfifo "$W/hold" "$W/go"
trace "[t2] priv-client --hold list, in $CGS, hostile limits and priority"
(
	# Wait until the parent has moved this subshell into the cgroups.
	read -r _ <"$W/go"
	# as_user, but nsenter rather than ip netns exec: that one
	# remounts /sys, hiding the cgroup mounts the helper must see.
	assert_ns
	nsenter --net="/run/netns/$NS" setpriv --reuid="$(user_uid t2)" \
	    --regid="$(user_gid t2)" --init-groups env -i \
	    PATH=/usr/local/bin:/usr/bin:/bin LANG=C \
	    prlimit --cpu=3600: --as=1073741824: \
	    --data=1073741824: --stack=1048576: --sigpending=1: --msgqueue=1 \
	    nice -n 19 chrt --idle 0 ionice -c 3 \
	    "$BIN/priv-client" --hold "$PRIV_BIN" list
) <"$W/hold" >"$W/shape.out" 2>"$W/shape.err" &
bg=$!
exec 7>"$W/hold"
for c in $CGS; do
	echo "$bg" >"$c/cgroup.procs" || fail "cannot move the client to $c"
done
echo go >"$W/go"

hp=
while [ -z "$hp" ] && kill -0 "$bg" 2>/dev/null &&
    ! grep -q '^fail\|^error' "$W/shape.out"; do
	grep -q '^ids' "$W/shape.out" &&
	    hp=$(sed -n 's/^helper pid //p' "$W/shape.out")
	[ -n "$hp" ] || sleep 0.1
done
if [ -z "$hp" ]; then
	exec 7>&-
	wait "$bg"
	show "$W/shape.out" stdout
	show "$W/shape.err" stderr
	cleanup_cg
	fatal "the helper did not answer"
fi
ok "t2's helper $hp answered"

# The control: the client (the helper's parent) runs as set up.
cp=$(sed 's/.*) //' "/proc/$hp/stat" | awk '{print $2}')
grep -q "$CGNAME" "/proc/$cp/cgroup" ||
    fail "control: client $cp is not in the test cgroup"
grep -q '^Max cpu time  *3600  ' "/proc/$cp/limits" ||
    fail "control: client $cp has no CPU time limit"
[ "$(sed 's/.*) //' "/proc/$cp/stat" | awk '{print $17}')" = 19 ] ||
    fail "control: client $cp is not at nice 19"

echo "  --- helper /proc/$hp/limits"
sed 's/^/  | /' "/proc/$hp/limits"

limit() {
	awk -v n="$1" 'index($0, n) == 1 {
	    s = substr($0, length(n) + 1); split(s, f); print f[1], f[2] }' \
	    "/proc/$hp/limits"
}
for l in "Max cpu time:unlimited unlimited" \
    "Max address space:unlimited unlimited" \
    "Max data size:unlimited unlimited" \
    "Max stack size:8388608 8388608" \
    "Max pending signals:64 64" \
    "Max msgqueue size:0 0" \
    "Max open files:32 32" \
    "Max processes:0 0" \
    "Max core file size:0 0" \
    "Max realtime priority:0 0"; do
	name=${l%%:*}
	want=${l#*:}
	have=$(limit "$name")
	[ "$have" = "$want" ] && ok "$name: $have" ||
	    fail "$name: '$have', want '$want'"
done

# /proc/PID/stat: field 19 is nice, 41 the policy (after the comm field).
set -- $(sed 's/.*) //' "/proc/$hp/stat")
nice=${17}
policy=${39}
[ "$nice" = 0 ] && ok "nice 0" || fail "helper nice $nice, want 0"
[ "$policy" = 0 ] && ok "policy SCHED_OTHER" ||
    fail "helper policy $policy, want 0 (SCHED_OTHER)"
grep -q '^policy  *:  *0$' "/proc/$hp/sched" ||
    fail "/proc/$hp/sched: $(grep '^policy' "/proc/$hp/sched")"
io=$(ionice -p "$hp")
case $io in
idle*)	fail "helper I/O class: $io" ;;
*)	ok "helper I/O class: $io" ;;
esac

echo "  --- helper /proc/$hp/cgroup"
sed 's/^/  | /' "/proc/$hp/cgroup"
if grep -q "$CGNAME" "/proc/$hp/cgroup"; then
	fail "the helper is still in t2's cgroup"
else
	ok "the helper left t2's cgroups"
fi

# /proc/PID/stat after the comm field: 4 session; /proc/PID/status SigIgn.
set -- $(sed 's/.*) //' "/proc/$hp/stat")
[ "$4" = "$hp" ] && ok "the helper leads a session of its own" ||
    fail "helper session $4, want its own ($hp)"
ign=$(awk '$1 == "SigIgn:" {print $2}' "/proc/$hp/status")
# SIGTSTP 20, SIGTTIN 21, SIGTTOU 22: bits 19-21, 0x380000.
if [ $((0x$ign & 0x380000)) = $((0x380000)) ]; then
	ok "the helper ignores SIGTSTP, SIGTTIN and SIGTTOU (SigIgn $ign)"
else
	fail "the helper does not ignore the terminal stop signals (SigIgn $ign)"
fi

exec 7>&-
wait "$bg"
grep -q '^helper exit 0$' "$W/shape.out" ||
    fail "helper did not exit 0: $(helper_exit)"
cleanup_cg

say "--- the helper spawned as a process-group leader"
trace "[t2] priv-client --pgrp list"
as_user t2 "$BIN/priv-client" --pgrp "$PRIV_BIN" list \
    >"$W/pgrp.out" 2>"$W/pgrp.err" </dev/null
show "$W/pgrp.out" stdout
show "$W/pgrp.err" stderr
if grep -q '^ids' "$W/pgrp.out"; then
	fail "the helper served inside the caller's session (setsid failed)"
else
	grep -q '^helper exit 1$' "$W/pgrp.out" &&
	    grep -q 'setsid' "$W/pgrp.err" &&
	    ok "the helper refuses to serve in the caller's session" ||
	    fail "the helper did not refuse with a setsid error"
fi
