# banger regress harness.  Sourced three ways:
#  - by run.sh and bench.sh, which call regress_setup / regress_cleanup to
#    build the world (users, namespace, setuid helper, TESTROOT);
#  - by each test script, which gets that world through the exported
#    variables below and uses the helpers (as_user, banger, fail, ...).
#
# Network safety: every banger process is started through as_user, which
# refuses to run anything unless the test namespace exists and is not the
# namespace this harness runs in.  run.sh also compares the root
# namespace's links, addresses, routes, rules, forwarding sysctls and
# nftables ruleset before and after the run.

RUSERS="t1 t2"
PRIV_ROOT=/run/banger-regress
PRIV_BIN=$PRIV_ROOT/banger-priv
PRIV_CONF=$PRIV_ROOT/etc/priv.conf
LEASES=$PRIV_ROOT/run/leases
# The regress helper's device-mapper control (priv-paths.h).
DM_CTL=$PRIV_ROOT/dm-control
POOL_PREFIX=10.213.
# Per banger command; a hung boot must not hang the suite.
CMD_TIMEOUT=${CMD_TIMEOUT:-240}

FAILED=0

say() {
	echo "$*"
}

trace() {
	echo "+ $*"
}

# Record a failed check and go on; the test fails at its end.
fail() {
	echo "FAIL: $*"
	FAILED=$((FAILED + 1))
}

# A failure after which the test cannot meaningfully continue.
fatal() {
	echo "FATAL: $*"
	FAILED=$((FAILED + 1))
	exit 1
}

# The test cannot run here (a tool it needs is missing): says why and
# ends it; run.sh counts it as skipped, not passed.
skip() {
	echo "SKIP: $*"
	TEST_SKIPPED=1
	exit 77
}

ok() {
	echo "ok: $*"
}

# ---- users --------------------------------------------------------------

user_name() {
	case $1 in
	t1 | t2)	echo "banger-$1" ;;
	*)		echo "$1" ;;
	esac
}

user_uid() {
	id -u "$(user_name "$1")"
}

user_gid() {
	id -g "$(user_name "$1")"
}

user_home() {
	case $1 in
	t1 | t2)	echo "$TESTROOT/home/$1" ;;
	*)		echo /nonexistent ;;
	esac
}

state_dir() {
	echo "$(user_home "$1")/.local/state/banger"
}

rt_dir() {
	echo "$(user_home "$1")/run/banger"
}

# ---- the namespace guard --------------------------------------------------

ns_inode() {
	stat -L -c %i "/run/netns/$1" 2>/dev/null
}

# Refuse to start any banger process unless it will land in the test
# namespace.  Called by as_user before every command.
assert_ns() {
	[ -n "${NS:-}" ] ||
	    fatal "NS is unset: refusing to run a banger process outside the test namespace"
	[ -e "/run/netns/$NS" ] ||
	    fatal "namespace $NS does not exist: refusing to run"
	_in=$(ns_inode "$NS")
	_self=$(stat -L -c %i /proc/self/ns/net)
	[ -n "$_in" ] && [ "$_in" != "$_self" ] ||
	    fatal "namespace $NS is the harness's own namespace: refusing to run"
}

# True if process $1 lives in network namespace $2 (default $NS).
pid_in_ns() {
	_l=$(readlink "/proc/$1/ns/net" 2>/dev/null) || return 1
	[ "$_l" = "net:[$(ns_inode "${2:-$NS}")]" ]
}

# ---- running things as a test user ----------------------------------------

# as_user USER CMD...: run CMD as USER inside the test namespace with a
# clean environment pointing banger at the per-run binaries.  Prefix CMD
# with "env K=V" to add or override variables.
as_user() {
	_u=$1
	shift
	assert_ns
	_n=$(user_name "$_u")
	_h=$(user_home "$_u")
	timeout -k 10 "$CMD_TIMEOUT" \
	    ip netns exec "$NS" \
	    setpriv --reuid="$(id -u "$_n")" --regid="$(id -g "$_n")" \
	    --init-groups \
	    env -i HOME="$_h" XDG_RUNTIME_DIR="$_h/run" \
	    PATH="$BIN:/usr/local/bin:/usr/bin:/bin" LANG=C \
	    BANGER_DAEMON="$BIN/bangerd" BANGER_PRIV="$PRIV_BIN" \
	    BANGER_IMAGE_DIR="$IMAGES" BANGER_RECIPES="$TESTROOT/recipes" \
	    BANGER_CATALOG_KEYS="$TESTROOT/catalog.d" BANGER_WARM=manual "$@"
}

# as_user_hostnet USER CMD...: as as_user, but in the host's network
# namespace.  Only for `banger image build`, which downloads packages from
# Debian's archive exactly as `make images` does and creates no device,
# address, route or firewall rule (the run's before/after snapshot of the
# root namespace still checks that).  The user's namespaced daemon must
# be stopped first: the control socket would reach it.
as_user_hostnet() {
	_u=$1
	shift
	_n=$(user_name "$_u")
	_h=$(user_home "$_u")
	timeout -k 10 "$CMD_TIMEOUT" \
	    setpriv --reuid="$(id -u "$_n")" --regid="$(id -g "$_n")" \
	    --init-groups \
	    env -i HOME="$_h" XDG_RUNTIME_DIR="$_h/run" \
	    PATH="$BIN:/usr/local/bin:/usr/bin:/bin" LANG=C \
	    BANGER_DAEMON="$BIN/bangerd" BANGER_PRIV="$PRIV_BIN" \
	    BANGER_IMAGE_DIR="$IMAGES" BANGER_RECIPES="$TESTROOT/recipes" \
	    BANGER_CATALOG_KEYS="$TESTROOT/catalog.d" BANGER_WARM=manual "$@"
}

# with_timeout SECS CMD...: CMD with another per-command timeout.  (A
# "VAR=x func" prefix is not portable: bash keeps the assignment.)
with_timeout() {
	_wt_save=$CMD_TIMEOUT
	CMD_TIMEOUT=$1
	shift
	"$@"
	_wt_rc=$?
	CMD_TIMEOUT=$_wt_save
	return $_wt_rc
}

# The CLI as t1, stdio passed through.
banger() {
	as_user t1 "$BIN/banger" "$@"
}

banger_as() {
	_bu=$1
	shift
	as_user "$_bu" "$BIN/banger" "$@"
}

# run USER ARGS...: the CLI as USER with stdout and stderr captured in
# $W/out and $W/err, exit status in RC; everything is echoed to the log.
# stdin is whatever the caller redirected.
run() {
	_ru=$1
	shift
	trace "[$_ru] banger $*"
	banger_as "$_ru" "$@" >"$W/out" 2>"$W/err"
	RC=$?
	echo "  exit $RC"
	show "$W/out" "stdout"
	show "$W/err" "stderr"
	return 0
}

# show FILE LABEL: at most 30 lines of a captured stream, for the log.
show() {
	[ -s "$1" ] || return 0
	echo "  --- $2"
	head -c 4096 "$1" | head -n 30 | sed 's/^/  | /'
}

# Whether the kernel has device-mapper: it must answer DM_VERSION on
# /dev/mapper/control.  The node alone proves nothing (dmsetup leaves one
# behind even where the kernel has no device-mapper).
kernel_has_dm() {
	[ -c /dev/mapper/control ] &&
	    "$BIN/priv-client" --dm-version /dev/mapper/control
}

# On a kernel with device-mapper the regress helper gets the real control,
# as a node at its compile-time path, so the suite's VMs get real root
# snapshots there; elsewhere it has none, as the installed helper would.
dm_control_real() {
	rm -f "$DM_CTL"
	kernel_has_dm || return 0
	mknod -m 0600 "$DM_CTL" c "$(stat -c '0x%t' /dev/mapper/control)" \
	    "$(stat -c '0x%T' /dev/mapper/control)"
}

# pc USER ARGS...: regress/priv-client as USER, driving the setuid helper
# as bangerd does; output in $W/pc.out and $W/pc.err, RC set.
pc() {
	_pu=$1
	shift
	trace "[$_pu] priv-client $*"
	as_user "$_pu" "$BIN/priv-client" "$PRIV_BIN" "$@" \
	    >"$W/pc.out" 2>"$W/pc.err" </dev/null
	RC=$?
	echo "  exit $RC"
	show "$W/pc.out" stdout
	show "$W/pc.err" stderr
}

# The helper's own exit status as priv-client saw it ("signal N" is not
# an exit and counts as a failure too); "none" if it printed none.
helper_exit() {
	_he=$(sed -n 's/^helper exit //p' "$W/pc.out")
	[ -n "$_he" ] && echo "$_he" && return
	_hs=$(sed -n 's/^helper signal //p' "$W/pc.out")
	[ -n "$_hs" ] && echo "signal$_hs" && return
	echo none
}

# expect_rc WANT WHAT: check RC from the last run.
expect_rc() {
	if [ "$RC" = "$1" ]; then
		ok "$2: exit $RC"
	else
		fail "$2: exit $RC, want $1"
	fi
}

# wait_until SECS CMD...: poll CMD every 0.2 s; 0 when it succeeded.
# ns_fetch URL WANT: an HTTP GET from the test namespace (into $W/got) gives
# exactly WANT.
# The test's "internet": namespace $INET joined to $NS by a veth,
# $UP_NS on the test namespace's side, $UP_INET on the other, and the
# test namespace's default route through it.  The caller deletes $INET.
UP_NS=198.51.100.1
UP_INET=198.51.100.2
INET=${NS:+$NS-inet}
inet_up() {
	INET=$NS-inet
	ip netns add "$INET" &&
	    ip -n "$INET" link set lo up &&
	    ip -n "$NS" link add bgup0 type veth peer name bgup1 \
	    netns "$INET" &&
	    ip -n "$NS" addr add "$UP_NS/24" dev bgup0 &&
	    ip -n "$NS" link set bgup0 up &&
	    ip -n "$INET" addr add "$UP_INET/24" dev bgup1 &&
	    ip -n "$INET" link set bgup1 up &&
	    ip -n "$NS" route add default via "$UP_INET"
}

# who_up: the test's internet (inet_up) serves $UP_INET:8080, where
# /cgi-bin/who answers with the source address it saw; its pid in WHO_PID.
who_up() {
	mkdir -p "$W/www/cgi-bin" || return 1
	cat >"$W/www/cgi-bin/who" <<-'EOS'
	#!/bin/sh
	printf 'Content-Type: text/plain\r\n\r\n'
	echo "who=$REMOTE_ADDR"
	EOS
	chmod -R a+rX "$W/www"
	chmod 0755 "$W/www/cgi-bin/who"
	ip netns exec "$INET" busybox httpd -f -p "$UP_INET:8080" -h "$W/www" \
	    -u nobody:nogroup &
	WHO_PID=$!
}

# bus_up: a system bus of the test's own (dbus-daemon, anyone may own
# and call anything) on the regress helper's compile-time bus path; its
# pid in BUS_PID.  Nothing talks to the host's system bus.  bus_down
# ends it.
BUS_SOCK=$PRIV_ROOT/system_bus_socket
BUS=unix:path=$BUS_SOCK
bus_up() {
	command -v dbus-daemon >/dev/null || { echo "dbus-daemon not installed"; return 1; }
	cat >"$W/bus.conf" <<-EOF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>$BUS</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <allow own="*"/>
	    <allow send_destination="*"/>
	    <allow receive_sender="*"/>
	  </policy>
	</busconfig>
	EOF
	rm -f "$BUS_SOCK"
	dbus-daemon --config-file="$W/bus.conf" --nofork --nopidfile \
	    >"$W/dbus.log" 2>&1 &
	BUS_PID=$!
	wait_until 10 test -S "$BUS_SOCK" ||
	    { kill "$BUS_PID"; echo "dbus-daemon did not start"; return 1; }
}

bus_down() {
	kill "$BUS_PID" 2>/dev/null
	wait "$BUS_PID" 2>/dev/null
	rm -f "$BUS_SOCK"
}

ns_fetch() {
	ip netns exec "$NS" timeout 5 busybox wget -q -O - "$1" >"$W/got" 2>&1
	[ "$(cat "$W/got")" = "$2" ]
}

wait_until() {
	_end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.2
	done
}

# ---- observing the world ---------------------------------------------------

# vm list --json of USER into $W/list.json (autostarts the daemon).
vm_list_json() {
	banger_as "$1" vm list --json >"$W/list.json" 2>"$W/list.err"
	_rc=$?
	if [ $_rc -ne 0 ]; then
		echo "  vm list --json as $1: exit $_rc: $(head -c 300 "$W/list.err")"
		return 1
	fi
	jq -e 'type == "array"' "$W/list.json" >/dev/null 2>&1 || {
		echo "  vm list --json as $1: not a JSON array:"
		head -c 500 "$W/list.json"
		return 1
	}
}

# vm_field USER NAME FIELD: one field of one VM ("" when absent).
vm_field() {
	vm_list_json "$1" || return 1
	jq -r --arg n "$2" --arg f "$3" \
	    '.[] | select(.name == $n) | .[$f] | tostring' "$W/list.json"
}

vm_state() {
	vm_field "$1" "$2" state
}

vm_is_running() {
	[ "$(vm_state "$1" "$2")" = running ]
}

vm_absent() {
	vm_list_json "$1" || return 1
	[ -z "$(jq -r --arg n "$2" '.[] | select(.name == $n) | .name' \
	    "$W/list.json")" ]
}

daemon_pid() {
	cat "$(rt_dir "$1")/bangerd.pid" 2>/dev/null
}

pid_alive() {
	[ -n "$1" ] || return 1
	[ -d "/proc/$1" ] || return 1
	# A zombie is dead for our purposes.
	! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

pid_gone() {
	! pid_alive "$1"
}

# proc_status PID KEY: one field of /proc/PID/status.
proc_status() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null
}

# The four uids (real, effective, saved, fs) of PID, space-separated.
uids_of() {
	echo $(proc_status "$1" Uid)
}

# True if every uid of PID is USER's.
runs_as() {
	_ra=$(user_uid "$2")
	[ "$(uids_of "$1")" = "$_ra $_ra $_ra $_ra" ]
}

# Pids of QEMU processes whose real uid is USER.
qemu_pids() {
	pgrep -U "$(user_uid "$1")" -f '^[^ ]*qemu-system' 2>/dev/null
}

no_qemu() {
	[ -z "$(qemu_pids "$1")" ]
}

# Tap names present in the test namespace.
ns_taps() {
	ip -n "$NS" -o link show 2>/dev/null |
	    sed -n 's/^[0-9]*: \(bgtap[0-9]*\)[:@].*/\1/p'
}

no_taps() {
	[ -z "$(ns_taps)" ]
}

tap_exists() {
	ip -n "$NS" link show "$1" >/dev/null 2>&1
}

# Lease lines ("tap UID VMID TAPNO HOST") of USER.
user_leases() {
	grep "^tap $(user_uid "$1") " "$LEASES" 2>/dev/null
}

no_leases() {
	[ -z "$(user_leases "$1")" ]
}

# Leave a record of what the world looks like, for the log.
dump_world() {
	echo "  --- world: links in $NS"
	ip -n "$NS" -o link show 2>&1 | cut -c1-100 | sed 's/^/  | /'
	echo "  --- leases"
	sed 's/^/  | /' "$LEASES" 2>/dev/null
	for _du in $RUSERS; do
		echo "  --- processes of $_du"
		ps -o pid,ppid,stat,etime,args -U "$(user_uid "$_du")" 2>/dev/null |
		    cut -c1-160 | sed 's/^/  | /'
	done
}

# ---- an OCI registry of the test's own (regress/oci-registry.py) -------------

# oci_busybox_layer TAR [PATH=CONTENT]...: a layer tar for oci-registry.py
# add: /bin/busybox with sh and the applets commands and banger's stage
# wrappers use, a /tmp, and the files given (PATH without its leading /).
oci_busybox_layer() {
	/usr/bin/python3 - "$@" <<'EOF'
import io, sys, tarfile
def add(t, name, kind, data=None, mode=0o755):
    ti = tarfile.TarInfo(name)
    ti.mode, ti.mtime = mode, 1700000000
    if kind == "d":
        ti.type = tarfile.DIRTYPE
    elif kind == "l":
        ti.type, ti.linkname = tarfile.SYMTYPE, data
    else:
        ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if kind == "f" else None)
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    add(t, "bin", "d")
    add(t, "bin/busybox", "f", open("/bin/busybox", "rb").read())
    for a in ("sh", "cat", "echo", "hostname", "mktemp", "pwd", "rm",
              "test"):
        add(t, "bin/" + a, "l", "busybox", 0o777)
    add(t, "etc", "d")
    add(t, "tmp", "d", mode=0o1777)
    for f in sys.argv[2:]:
        path, _, text = f.partition("=")
        add(t, path, "f", (text + "\n").encode(), 0o644)
EOF
}

# oci_serve NAME DIR [ARG...]: oci-registry.py serving DIR (made readable
# to all) on the test namespace's loopback as nobody, with ARGs (--auth
# is none unless given); its pid in REGPID, its address in REGHOST, its
# port file, requests (--log) and output in $W/oci-NAME.
oci_serve() {
	_os=$W/oci-$1
	_od=$2
	shift 2
	mkdir -p "$_os" && chown 65534:65534 "$_os" && chmod -R a+rX "$_od" ||
	    fatal "oci_serve: $_os"
	rm -f "$_os/port"
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups /usr/bin/python3 "$REGRESS/oci-registry.py" serve \
	    "$_od" --listen 127.0.0.1:0 --auth none --port-file "$_os/port" \
	    --log "$_os/log" "$@" >"$_os/out" 2>&1 &
	REGPID=$!
	wait_until 20 test -s "$_os/port" ||
	    fatal "the registry did not start: $(cat "$_os/out")"
	REGHOST=127.0.0.1:$(cat "$_os/port")
}

# ---- test prologue -----------------------------------------------------------

# Called when a test script sources this file.
test_begin() {
	[ "${REGRESS_READY:-}" = 1 ] ||
	    { echo "run tests through regress/run.sh"; exit 1; }
	[ "$(id -u)" = 0 ] || { echo "must run as root"; exit 1; }
	TEST=${TEST_NAME:-$(basename "$0" .sh)}
	W=$TESTROOT/work/$TEST
	mkdir -p "$W"
	chmod 0755 "$W"
	trap test_end EXIT
	echo "== $TEST ($(date '+%H:%M:%S'))"
}

test_end() {
	_st=$?
	trap - EXIT
	# Stop background jobs a test left (by pid: they are our children).
	for _j in $(jobs -p); do
		kill "$_j" 2>/dev/null
	done
	if [ "$FAILED" -gt 0 ]; then
		echo "== $TEST: $FAILED check(s) failed"
		exit 1
	fi
	if [ "$_st" = 77 ] && [ "${TEST_SKIPPED:-}" = 1 ]; then
		echo "== $TEST: skipped"
		exit 77
	fi
	# run.sh sets TEST_COMPLETE after the script's last line: a test
	# that stopped early (a syntax error, an unexpected exit) fails.
	if [ "${TEST_COMPLETE:-}" != 1 ]; then
		echo "== $TEST: stopped before its end (exit $_st)"
		exit 1
	fi
	echo "== $TEST: ok"
	exit 0
}

# ---- world setup and teardown (run.sh, bench.sh) -----------------------------

# The root namespace's network state, normalised to drop values that
# change on their own (address lifetimes, route expiry, nft counters).
netsnap() {
	{
		echo "## link"
		ip -o link show | sed 's/ qlen [0-9]*//'
		echo "## addr"
		ip -o addr show |
		    sed 's/valid_lft [^ ]* preferred_lft [^ ]*//'
		echo "## route"
		ip route show table all | sed 's/ expires [^ ]*//'
		ip -6 route show table all | sed 's/ expires [^ ]*//'
		echo "## rule"
		ip rule show
		ip -6 rule show
		echo "## sysctl"
		sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.forwarding \
		    net.ipv6.conf.all.forwarding 2>&1
		echo "## nft"
		nft -s list ruleset 2>&1
	} >"$1"
}

# Kill, by pid, every process whose real uid is a test user or that lives
# in one of this run's namespaces.  These are all ours: nothing else runs
# as the test users, and only the harness enters its namespaces.
kill_leftovers() {
	_pids=
	for _ku in $RUSERS; do
		_pids="$_pids $(pgrep -U "$(user_uid "$_ku")" 2>/dev/null)"
	done
	for _kn in $(run_namespaces); do
		_pids="$_pids $(ip netns pids "$_kn" 2>/dev/null)"
	done
	_pids=$(live_pids $_pids)
	[ -n "$_pids" ] || return 0
	echo "killing leftover processes: $_pids"
	ps -o pid,user,args -p "$(echo $_pids | tr ' ' ,)" 2>/dev/null |
	    cut -c1-160 | sed 's/^/  | /'
	kill -TERM $_pids 2>/dev/null
	_i=0
	while [ $_i -lt 25 ]; do
		_alive=
		for _p in $_pids; do
			pid_alive "$_p" && _alive="$_alive $_p"
		done
		[ -z "$_alive" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	kill -KILL $_alive 2>/dev/null
	sleep 0.5
}

# The arguments that are running processes (not zombies), one line.
live_pids() {
	_lp=
	for _p in "$@"; do
		pid_alive "$_p" && _lp="$_lp $_p"
	done
	echo $_lp
}

# This run's namespaces: the main one and any a test made (NS-suffix).
run_namespaces() {
	[ -n "${NS:-}" ] || return 0
	ip netns list 2>/dev/null | awk '{print $1}' |
	    grep -E "^$NS(-[a-z0-9]+)?\$"
}

need_file() {
	[ -f "$1" ] || { echo "missing $1 ($2)"; return 1; }
}

# Stop each user's daemon through the CLI (if it ever ran).
stop_daemons() {
	for _su in $RUSERS; do
		[ -S "$(rt_dir "$_su")/bangerd.sock" ] ||
		    pid_alive "$(daemon_pid "$_su")" || continue
		with_timeout 30 banger_as "$_su" daemon stop >/dev/null 2>&1 ||
		    echo "warning: 'banger daemon stop' as $_su failed"
		_dp=$(daemon_pid "$_su")
		[ -n "$_dp" ] && wait_until 10 pid_gone "$_dp"
		# The launcher follows bangerd out; zombies do not count.
		wait_until 10 no_live_bangerd "$_su"
	done
	return 0
}

no_live_bangerd() {
	! pgrep -r R,S,D -U "$(user_uid "$1")" -x bangerd >/dev/null
}

# Leave each user with no VMs and no daemon, through the CLI, so that one
# test's leftovers do not fail the next; anything the CLI could not clean
# up is reported and killed.
reset_users() {
	for _su in $RUSERS; do
		[ -d "$(state_dir "$_su")" ] || continue
		# Into a file: a daemon that kept the CLI's stdout would hang
		# a command substitution.
		with_timeout 60 banger_as "$_su" vm list --json \
		    >"$LOGDIR/reset.json" 2>/dev/null
		_l=$(jq -r '.[].name' "$LOGDIR/reset.json" 2>/dev/null)
		for _v in $_l; do
			echo "reset: deleting $_su's VM $_v"
			with_timeout 60 banger_as "$_su" vm delete "$_v" \
			    >/dev/null 2>&1 ||
			    echo "warning: could not delete $_su's VM $_v"
		done
	done
	stop_daemons
	sleep 0.3
	for _su in $RUSERS; do
		_p=$(live_pids $(pgrep -U "$(user_uid "$_su")" 2>/dev/null))
		[ -n "$_p" ] && echo "warning: processes of $_su still running after daemon stop: $(echo $_p)"
		user_leases "$_su" >/dev/null &&
		    echo "warning: leases of $_su left: $(user_leases "$_su" | tr '\n' ';')"
	done
	kill_leftovers
	_t=$(ns_taps)
	[ -n "$_t" ] && echo "warning: taps left in $NS: $(echo $_t)"
	return 0
}

regress_setup() {
	[ "$(id -u)" = 0 ] || { echo "regress: must run as root"; return 1; }
	for _c in ip nft setpriv timeout jq pgrep useradd install cmp \
	    busybox qemu-system-x86_64; do
		command -v "$_c" >/dev/null ||
		    { echo "regress: $_c not installed"; return 1; }
	done

	_miss=0
	need_file "$OBJDIR/banger/banger" "make" || _miss=1
	need_file "$OBJDIR/bangerd/bangerd" "make" || _miss=1
	need_file "$OBJDIR/banger-fetch/banger-fetch" "make" || _miss=1
	need_file "$OBJDIR/banger-net/banger-net" "make" || _miss=1
	need_file "$OBJDIR/banger-web/banger-web" "make" || _miss=1
	need_file "$OBJDIR/banger-priv/banger-priv-regress" "make" || _miss=1
	need_file "$TOP/images/out/initrd.img" "make images" || _miss=1
	[ -f "$TOP/images/out/vmlinux" ] || [ -f "$TOP/images/out/vmlinuz" ] ||
	    { echo "missing images/out/vmlinux|vmlinuz (make images)"; _miss=1; }
	[ $_miss = 0 ] || return 1
	# The setuid copy must be the regress variant: it reads its policy
	# and keeps its leases under /run/banger-regress, never the host's.
	grep -qa "$PRIV_ROOT/etc" "$OBJDIR/banger-priv/banger-priv-regress" || {
		echo "regress: $OBJDIR/banger-priv/banger-priv-regress does not use $PRIV_ROOT; refusing to install it setuid"
		return 1
	}

	RUNID=$$
	NS=bgtest-$RUNID
	export RUNID NS

	# One run at a time: the helper's paths are fixed.
	if [ -d "$PRIV_ROOT" ]; then
		_o=$(cat "$PRIV_ROOT/owner" 2>/dev/null)
		if [ -n "$_o" ] && [ -d "/proc/$_o" ]; then
			echo "regress: another run (pid $_o) owns $PRIV_ROOT"
			return 1
		fi
		echo "regress: removing stale $PRIV_ROOT"
		rm -rf "$PRIV_ROOT"
	fi
	install -d -m 0755 -o root -g root "$PRIV_ROOT" "$PRIV_ROOT/etc" \
	    "$PRIV_ROOT/run"
	echo $$ >"$PRIV_ROOT/owner"
	SETUP_OWNED=1

	# Stale namespaces of dead runs.
	for _sn in $(ip netns list 2>/dev/null | awk '{print $1}' |
	    grep -E '^bgtest-[0-9]+'); do
		_sp=${_sn#bgtest-}
		_sp=${_sp%%-*}
		[ -d "/proc/$_sp" ] && continue
		echo "regress: removing stale namespace $_sn"
		for _p in $(ip netns pids "$_sn" 2>/dev/null); do
			kill -KILL "$_p" 2>/dev/null
		done
		ip netns delete "$_sn"
	done

	for _su in $RUSERS; do
		_n=$(user_name "$_su")
		if ! getent passwd "$_n" >/dev/null; then
			useradd -r -M -U -s /usr/sbin/nologin "$_n" ||
			    { echo "regress: useradd $_n failed"; return 1; }
		fi
	done
	# Processes of the test users from an earlier, crashed run.
	kill_leftovers

	netsnap "$LOGDIR/netns-root.before"

	TESTROOT=$(mktemp -d /tmp/banger-regress.XXXXXX) || return 1
	chmod 0755 "$TESTROOT"
	BIN=$TESTROOT/bin
	IMAGES=$TESTROOT/images
	export TESTROOT BIN IMAGES OBJDIR
	mkdir -p "$BIN" "$IMAGES" "$TESTROOT/home" "$TESTROOT/work"
	chmod 0755 "$BIN" "$IMAGES" "$TESTROOT/home" "$TESTROOT/work"
	install -m 0755 "$OBJDIR/banger/banger" "$OBJDIR/bangerd/bangerd" \
	    "$OBJDIR/banger-fetch/banger-fetch" \
	    "$OBJDIR/banger-net/banger-net" \
	    "$OBJDIR/banger-web/banger-web" "$BIN/"
	if [ -f "$OBJDIR/regress/priv-client" ]; then
		install -m 0755 "$OBJDIR/regress/priv-client" "$BIN/"
	fi
	if [ -f "$OBJDIR/regress/boot-ready" ]; then
		install -m 0755 "$OBJDIR/regress/boot-ready" "$BIN/"
	fi
	for _f in sandbox-probe fetch-probe; do
		if [ -f "$OBJDIR/regress/$_f" ]; then
			install -m 0755 "$OBJDIR/regress/$_f" "$BIN/"
		fi
	done
	for _f in vmlinux vmlinuz initrd.img modules.tar.gz info; do
		[ -f "$TOP/images/out/$_f" ] &&
		    install -m 0644 "$TOP/images/out/$_f" "$IMAGES/"
	done
	# banger image build's recipes, as `make install` places them.
	# Image catalog keys the tests trust (bangerd's BANGER_CATALOG_KEYS).
	install -d -m 0755 "$TESTROOT/catalog.d"
	install -d -m 0755 "$TESTROOT/recipes/debian-bookworm"
	cp -p "$TOP"/images/debian-bookworm/* "$TESTROOT/recipes/debian-bookworm/"
	for _su in $RUSERS; do
		_h=$(user_home "$_su")
		_n=$(user_name "$_su")
		install -d -m 0700 -o "$_n" -g "$(id -g "$_n")" "$_h" "$_h/run"
	done

	cat >"$PRIV_CONF" <<-EOF
	# banger regress suite policy (written by regress/test-lib.sh)
	allow_users banger-t1 banger-t2
	pool 10.213.0.0/16
	max_taps_per_user 8
	publish_low_ports 80
	# two users: on by hand, for resolved.sh (its own bus, its own resolved)
	resolved_routing true
	EOF
	chmod 0644 "$PRIV_CONF"
	install -m 4755 -o root -g root \
	    "$OBJDIR/banger-priv/banger-priv-regress" "$PRIV_BIN"
	dm_control_real
	if findmnt -n -o OPTIONS -T "$PRIV_ROOT" | grep -qw nosuid; then
		echo "regress: $PRIV_ROOT is on a nosuid mount; the setuid helper cannot work"
		return 1
	fi

	ip netns add "$NS" || { echo "regress: ip netns add $NS failed"; return 1; }
	ip -n "$NS" link set lo up
	assert_ns
	REGRESS_READY=1
	export REGRESS_READY
	return 0
}

regress_cleanup() {
	# Touch nothing if setup stopped before this run owned the world
	# (for instance because another run does).
	[ "${SETUP_OWNED:-}" = 1 ] || return 0
	if [ -e "/run/netns/$NS" ]; then
		stop_daemons
	fi
	kill_leftovers
	for _n in $(run_namespaces); do
		ip netns delete "$_n" || echo "regress: could not delete $_n"
	done
	_q=
	for _su in $RUSERS; do
		_q="$_q $(qemu_pids "$_su")"
	done
	_q=$(echo $_q)
	if [ -n "$_q" ]; then
		echo "regress: qemu processes of the test users remain: $_q"
		kill -KILL $_q 2>/dev/null
		CLEANUP_FAILED=1
	fi
	if [ -n "${TESTROOT:-}" ] && [ -d "$TESTROOT" ]; then
		rm -rf "$TESTROOT"
	fi
	_o=$(cat "$PRIV_ROOT/owner" 2>/dev/null)
	[ "$_o" = "$$" ] && rm -rf "$PRIV_ROOT"
	return 0
}

# Compare the root namespace with the snapshot; print the difference.
netsnap_check() {
	netsnap "$LOGDIR/netns-root.after"
	if ! cmp -s "$LOGDIR/netns-root.before" "$LOGDIR/netns-root.after"; then
		echo "################################################################"
		echo "NETWORK SAFETY VIOLATION: the root network namespace changed"
		echo "################################################################"
		diff -u "$LOGDIR/netns-root.before" "$LOGDIR/netns-root.after"
		return 1
	fi
	return 0
}

if [ -n "${TEST_NAME:-}" ] && [ -z "${REGRESS_DRIVER:-}" ]; then
	test_begin
fi
