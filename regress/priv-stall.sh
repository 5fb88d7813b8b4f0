# One user cannot freeze banger-priv for every user.  t2 hands its helper
# a stderr that blocks for ever and makes it work under the host-wide
# lease lock; the helper must neither write nor wait there: the lock is
# free afterwards and t1's helper gets it and answers.
#
# 1. A full pipe nobody reads on fd 2, and a request that ends the helper
#    while it holds the lock (vm_id 0 is found wrong under the lock).
#    Before the fix the helper blocked in the pipe write with the lock
#    held, and every other helper waited in flock().
# 2. A full stream socketpair on fd 2 (which the helper cannot reopen
#    non-blocking as it does a pipe) and NLCB=debug in the environment,
#    then requests that talk netlink under the lock (bridge, list).  libnl
#    reads NLCB in a constructor that runs before main() clears the
#    environment; before the fix its debug hooks printed netlink messages
#    to fd 2 and the helper blocked in that write.  (NLDBG is not tried:
#    libnl's own constructors print with it before main() runs, which
#    blocks only the caller's own helper, before it holds anything.)
. "$REGRESS/test-lib.sh"

[ -x "$BIN/priv-client" ] || fatal "no priv-client (obj/regress/priv-client)"
LOCKFILE=$PRIV_ROOT/run/leases.lock

# stall NAME EXIT OPTIONS... -- COMMANDS...
stall() {
	_name=$1
	_want=$2
	shift 2
	say "--- $_name"
	trace "[t2] priv-client $* (in the background)"
	_o=
	while [ "$1" != -- ]; do
		_o="$_o $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # the options are words
	as_user t2 "$BIN/priv-client" $_o "$PRIV_BIN" "$@" \
	    >"$W/stall.out" 2>"$W/stall.err" </dev/null &
	bg=$!

	hp=
	while [ -z "$hp" ] && kill -0 "$bg" 2>/dev/null; do
		hp=$(sed -n 's/^helper pid //p' "$W/stall.out")
		[ -n "$hp" ] || sleep 0.1
	done
	[ -n "$hp" ] || hp=$(sed -n 's/^helper pid //p' "$W/stall.out")
	if [ -z "$hp" ]; then
		show "$W/stall.out" stdout
		show "$W/stall.err" stderr
		fatal "priv-client printed no helper pid"
	fi

	# Wait until the helper has ended (fixed) or is seen blocked in a
	# write to its stderr (broken).  A helper blocked anywhere else would
	# keep this loop going: after 60 s it is reported as
	# hung, so a new way to stall fails the test rather than hanging
	# the suite.
	stuck=
	_end=$(($(date +%s) + 60))
	while :; do
		st=$(awk '{print $3}' "/proc/$hp/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && break
		wc=$(cat "/proc/$hp/wchan" 2>/dev/null)
		case $wc in
		pipe_write|sock_alloc_send_pskb|unix_stream_sendmsg|\
		    sk_stream_wait_memory|wait_for_unix_gc|n_tty_write)
			stuck="blocked writing to its stderr ($wc)"
			break ;;
		esac
		if [ "$(date +%s)" -ge "$_end" ]; then
			stuck="still running after 60 s (state $st, wchan $wc)"
			break
		fi
		sleep 0.1
	done
	if [ -n "$stuck" ]; then
		fail "t2's helper $hp is $stuck"
		if flock -n "$LOCKFILE" true; then
			ok "... but not with the lease lock held"
		fi
	fi

	if flock -n "$LOCKFILE" true; then
		ok "the lease lock is free after t2's helper"
		pc t1 list
		expect_rc 0 "t1's helper gets the lock and answers"
		grep -q '^ids' "$W/pc.out" || fail "t1 list: no ids line"
	else
		fail "the lease lock is held by t2's stalled helper: every other user's helper would wait"
	fi

	# Release a stuck helper: end its priv-client (the helper's parent),
	# which holds the read end; the helper's write then fails and it
	# exits (or, hung elsewhere, is ended too).
	if [ -n "$stuck" ]; then
		cpid=$(sed 's/.*) //' "/proc/$hp/stat" | awk '{print $2}')
		[ -n "$cpid" ] && kill "$cpid"
		case $stuck in
		still*)	kill -9 "$hp" 2>/dev/null ;;
		esac
	fi
	wait "$bg"
	show "$W/stall.out" "t2 stdout"
	grep -q "^helper exit $_want\$" "$W/stall.out" ||
	    fail "t2's helper did not end with exit $_want"
	no_leases t2 || fail "t2 has tap leases: $(user_leases t2)"
}

stall "full pipe on stderr, fault under the lock" 1 --full-stderr -- \
    bridge tap 0
stall "full socket on stderr, libnl debugging from the environment" 0 \
    --full-stderr-socket --env NLCB=debug -- bridge list
