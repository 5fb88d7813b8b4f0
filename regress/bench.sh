#!/bin/sh
# banger bench (make bench): how long `banger vm run --rm -- true` takes,
# against a bare QEMU boot of the same kernel and initrd to the agent's
# AG_READY (regress/boot-ready), and the peak memory of bangerd and
# banger-priv, DNS latency through banger-net against its upstream, and
# image pull of a 100 MB image, cold and warm, against mkfs.ext4 -d,
# what a 30,000-file workspace adds to a vm run against tar -c, and vm
# suspend / resume, warm against cold starts and vm fork (bench-snap.sh).
# Same world as the regress suite (test-lib.sh): test user,
# private network namespace, setuid helper under /run/banger-regress.
# Prints numbers; timing never fails it.
#
#	sh regress/bench.sh [RUNS]	(default 5, after one warm-up each)
#	BENCH_ONLY=workspace sh regress/bench.sh	(that section alone)
#	BENCH_ONLY=snap sh regress/bench.sh	(bench-snap.sh alone)

REGRESS=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$REGRESS/.." && pwd)
export REGRESS TOP
RUNS=${1:-5}

REGRESS_DRIVER=1
. "$REGRESS/test-lib.sh"

case ${O:-obj} in
/*)	OBJDIR=$O ;;
*)	OBJDIR=$TOP/${O:-obj} ;;
esac
LOGDIR=$OBJDIR/bench-log
export OBJDIR LOGDIR
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

cleaned=0
cleanup() {
	[ $cleaned = 1 ] && return
	cleaned=1
	regress_cleanup >>"$LOGDIR/cleanup.log" 2>&1
}
trap 'cleanup; exit 1' INT TERM HUP
trap cleanup EXIT

if ! regress_setup >"$LOGDIR/setup.log" 2>&1; then
	cat "$LOGDIR/setup.log"
	echo "bench: setup failed"
	exit 1
fi
[ -x "$BIN/boot-ready" ] ||
    { echo "bench: no $OBJDIR/regress/boot-ready (make)"; exit 1; }
W=$LOGDIR
QEMU=$(command -v qemu-system-x86_64)
KERNEL=$IMAGES/vmlinux
[ -f "$KERNEL" ] || KERNEL=$IMAGES/vmlinuz

now() {
	date +%s.%N
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a"; exit }
		if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One timed `vm run --rm -- true`; appends seconds to $1 on success.
time_vm_run() {
	_t0=$(now)
	banger vm run --rm -- true </dev/null >>"$LOGDIR/vmrun.out" \
	    2>>"$LOGDIR/vmrun.err"
	_rc=$?
	_t1=$(now)
	if [ $_rc = 0 ]; then
		echo "$_t0 $_t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$1"
	else
		echo "  vm run failed (exit $_rc); see $LOGDIR/vmrun.err"
	fi
}

# One bare boot; boot-ready prints its own seconds.
time_boot() {
	if as_user t1 "$BIN/boot-ready" -q "$QEMU" "$KERNEL" \
	    "$IMAGES/initrd.img" </dev/null >"$LOGDIR/boot.one" \
	    2>>"$LOGDIR/boot.err"; then
		cat "$LOGDIR/boot.one" >>"$1"
	else
		echo "  bare boot failed; see $LOGDIR/boot.err"
	fi
}

# Workspace copy: what a 30,000-file workspace adds to `vm run`, against
# `tar -c` of the same tree.  The repository (made once, in the test
# user's space) is about 350 MB of mixed sizes in nested directories.
# Timed: `vm run --rm REPO -- true` against a bare `vm run --rm -- true`
# (same image and disk size), median of BENCH_WS_RUNS (default 3) each
# after one warm-up; the warm-up with the workspace counts the files the
# guest sees, so the copy is known to be complete.  Goal: (time added
# over a bare vm run) / (tar time) <= 1.5.
bench_workspace() {
	repo=$TESTROOT/work/bench-ws
	wsruns=${BENCH_WS_RUNS:-3}
	if [ ! -d "$repo" ]; then
		mkdir -p "$repo"
		/usr/bin/python3 - "$repo" <<'PYEOF' ||
import os, random, sys
top = sys.argv[1]
rng = random.Random(1)
text = b"".join(b"line %d of a source file, more or less\n" % i
    for i in range(20000))
# 80% small (0.2-8 KB), 17% medium (8-64 KB), 3% large (64-400 KB),
# scaled to about 350 MB in all.
sizes = []
for i in range(30000):
    r = rng.random()
    if r < 0.80:
        sizes.append(rng.randint(200, 8000))
    elif r < 0.97:
        sizes.append(rng.randint(8000, 64000))
    else:
        sizes.append(rng.randint(64000, 400000))
scale = 350e6 / sum(sizes)
n = 0
for a in range(10):
    for b in range(6):
        for c in range(5):
            d = "%s/src%d/mod%d/part%d" % (top, a, b, c)
            os.makedirs(d, exist_ok=True)
            for f in range(100):
                # a few files one and two levels up, too
                where = d if f < 90 else os.path.dirname(d) \
                    if f < 97 else os.path.dirname(os.path.dirname(d))
                size = int(sizes[n] * scale)
                name = "%s/f%d-%d-%d.%s" % (where, b, c, f, "c" if f % 3
                    else "bin")
                with open(name, "wb") as o:
                    if f % 2:
                        o.write(os.urandom(size))
                    else:
                        o.write((text * (size // len(text) + 1))[:size])
                if f % 10 == 0:
                    os.chmod(name, 0o755)
                n += 1
PYEOF
		    { echo "  could not make the bench tree"; return; }
		(
			cd "$repo" || exit 1
			git init -q .
			git add -A
			git -c user.email=b@example.invalid -c user.name=b \
			    commit -qm bench
		) >/dev/null || { echo "  could not commit the bench tree"; return; }
		chown -R "$(user_name t1)" "$TESTROOT/work"
	fi
	nf=$(git -c safe.directory='*' -C "$repo" ls-files | wc -l)
	sz=$(du -sm --apparent-size --exclude=.git "$repo" | cut -f1)
	: >"$LOGDIR/ws-tar.times"
	: >"$LOGDIR/ws-bare.times"
	: >"$LOGDIR/ws-run.times"
	wsflags="--image tiny --disk-size 2G"
	# Warm-ups: the page cache, the daemon, and the file count.
	tar -C "$repo" --exclude=.git -cf - . | cat >/dev/null
	banger vm run --rm $wsflags -- true </dev/null >/dev/null \
	    2>>"$LOGDIR/ws.err"
	n=$(banger vm run --rm $wsflags "$repo" -- \
	    sh -c 'find . -type f | wc -l' </dev/null 2>>"$LOGDIR/ws.err")
	i=0
	while [ $i -lt "$wsruns" ]; do
		t0=$(now)
		tar -C "$repo" --exclude=.git -cf - . | cat >/dev/null
		t1=$(now)
		echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' \
		    >>"$LOGDIR/ws-tar.times"
		t0=$(now)
		banger vm run --rm $wsflags -- true </dev/null >/dev/null \
		    2>>"$LOGDIR/ws.err" && t1=$(now) &&
		    echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' \
		    >>"$LOGDIR/ws-bare.times"
		t0=$(now)
		banger vm run --rm $wsflags "$repo" -- true </dev/null \
		    >/dev/null 2>>"$LOGDIR/ws.err" && t1=$(now) &&
		    echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' \
		    >>"$LOGDIR/ws-run.times"
		i=$((i + 1))
	done
	tar_s=$(median <"$LOGDIR/ws-tar.times")
	bare_s=$(median <"$LOGDIR/ws-bare.times")
	ws_s=$(median <"$LOGDIR/ws-run.times")
	echo "workspace of $nf files ($sz MB; the guest saw ${n:-?} files), medians of $wsruns:"
	echo "  vm run --rm REPO -- true: ${ws_s} s  (runs: $(echo $(cat "$LOGDIR/ws-run.times")))"
	echo "  vm run --rm -- true:      ${bare_s} s  (runs: $(echo $(cat "$LOGDIR/ws-bare.times")))"
	echo "  tar -c of the tree:       ${tar_s} s  (runs: $(echo $(cat "$LOGDIR/ws-tar.times")))"
	if [ "$ws_s" != n/a ] && [ "$bare_s" != n/a ] && [ "$tar_s" != n/a ]; then
		echo "$ws_s $bare_s $tar_s" | awk '{
		    printf "  added by the workspace %.3f s; ratio added / tar %.2f (goal <= 1.5)\n",
		    $1 - $2, ($1 - $2) / $3 }'
	else
		echo "  a run failed; see $LOGDIR/ws.err"
	fi
}

# The golden image for the bench user, from Debian's archive (a few
# minutes; see as_user_hostnet).
golden_build() {
	stop_daemons >/dev/null 2>&1
	_t0=$(now)
	with_timeout 1800 as_user_hostnet t1 "$BIN/banger" image build \
	    debian-bookworm </dev/null >/dev/null 2>>"$LOGDIR/golden.err"
	_t1=$(now)
	as_user_hostnet t1 "$BIN/banger" daemon stop >/dev/null 2>&1
	wait_until 10 no_live_bangerd t1
	echo "$_t0 $_t1" | awk '{ printf "golden image build: %.1f s\n", $2 - $1 }'
}

# BENCH_ONLY=workspace or snap: only that section (snap with
# BENCH_GOLDEN=1: the golden image too).
if [ "${BENCH_ONLY:-}" = workspace ] || [ "${BENCH_ONLY:-}" = snap ]; then
	if [ "$BENCH_ONLY" = workspace ]; then
		bench_workspace
	else
		[ "${BENCH_GOLDEN:-0}" = 1 ] && golden_build
		. "$REGRESS/bench-snap.sh"
	fi
	stop_daemons >/dev/null 2>&1
	cleanup
	netsnap_check || exit 1
	exit 0
fi

echo "== bench: $RUNS runs each after one warm-up ($(nproc) CPUs, $(basename "$KERNEL"))"

: >"$LOGDIR/vmrun.times"
time_vm_run /dev/null
i=0
while [ $i -lt "$RUNS" ]; do
	time_vm_run "$LOGDIR/vmrun.times"
	i=$((i + 1))
done

# Peak memory while the daemon is still up.
dpid=$(daemon_pid t1)
banger daemon status --json </dev/null >"$LOGDIR/status.json" 2>/dev/null
ppid=$(jq -r .priv_pid "$LOGDIR/status.json" 2>/dev/null)
lpid=
[ -n "$dpid" ] && lpid=$(pgrep -P "$dpid" -f 'bangerd --launcher' | head -n 1)
hwm() {
	_h=$(proc_status "$1" VmHWM 2>/dev/null)
	echo "${_h:-n/a}"
}
d_hwm=$(hwm "$dpid")
p_hwm=$(hwm "$ppid")
l_hwm=$(hwm "$lpid")

: >"$LOGDIR/boot.times"
time_boot /dev/null
i=0
while [ $i -lt "$RUNS" ]; do
	time_boot "$LOGDIR/boot.times"
	i=$((i + 1))
done

vm_med=$(median <"$LOGDIR/vmrun.times")
boot_med=$(median <"$LOGDIR/boot.times")
echo "banger vm run --rm -- true:   median ${vm_med} s  (runs: $(echo $(cat "$LOGDIR/vmrun.times")))"
echo "bare QEMU boot to AG_READY:   median ${boot_med} s  (runs: $(echo $(cat "$LOGDIR/boot.times")))"
if [ "$vm_med" != n/a ] && [ "$boot_med" != n/a ]; then
	echo "$vm_med $boot_med" | awk '{
	    printf "ratio vm run / bare boot:     %.2f  (banger overhead %.3f s)\n",
	    $1 / $2, $1 - $2 }'
fi
echo "peak RSS (VmHWM): bangerd ${d_hwm}, bangerd --launcher ${l_hwm}, banger-priv ${p_hwm}"

bench_workspace

# The golden image: create -> ready, and delete.  BENCH_GOLDEN=1 builds it
# first (golden_build).
[ "${BENCH_GOLDEN:-0}" = 1 ] && golden_build
if [ -f "$(state_dir t1)/images/debian-bookworm/rootfs.ext4" ]; then
	t0=$(now)
	banger vm create --name bench-g --image debian-bookworm </dev/null \
	    >/dev/null 2>>"$LOGDIR/golden.err"
	t1=$(now)
	banger vm delete bench-g </dev/null >/dev/null 2>>"$LOGDIR/golden.err"
	t2=$(now)
	echo "$t0 $t1 $t2" | awk '{ printf "golden image: create -> ready %.3f s, delete %.3f s\n", $2 - $1, $3 - $2 }'
else
	echo "golden image: not built for the bench user (banger image build debian-bookworm); skipped"
fi

. "$REGRESS/bench-snap.sh"

# DNS through banger-net against asking the upstream directly: dnsmasq
# in an "internet" namespace of this run (198.51.100.2, as in
# regress/dns.sh), N sequential drill queries for distinct names from the
# test namespace, each way.  Wall time per query includes starting drill
# (the same both ways); drill's own "Query time" is summed too.
stop_daemons >/dev/null 2>&1
DNS_N=${BENCH_DNS_QUERIES:-200}
dns_ok=0
if inet_up 2>>"$LOGDIR/dns.err"; then
	ip netns exec "$INET" dnsmasq --keep-in-foreground --conf-file=/dev/null \
	    --no-resolv --no-hosts --bind-interfaces \
	    --listen-address=198.51.100.2 --address=/bench.test/198.51.100.2 \
	    --pid-file= --user=nobody 2>>"$LOGDIR/dnsmasq.err" &
	dnsmasq_pid=$!
	d=$(user_home t1)/.config/banger
	install -d -m 0700 -o "$(user_name t1)" "$(user_home t1)/.config" "$d"
	printf 'dns_upstream = ["198.51.100.2"]\n' >"$d/config.toml"
	chown "$(user_name t1)" "$d/config.toml"
	if banger vm create --name bench-dns </dev/null >/dev/null \
	    2>>"$LOGDIR/dns.err"; then
		gw=$(ip -n "$NS" -4 -o addr show dev "bgbr$(user_uid t1)" |
		    sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
		dns_ok=1
	fi
fi
# $1 server, $2 label; prints "wall_s querytime_ms answered"
time_dns() {
	_t0=$(now)
	_i=0
	_qt=0
	_ok=0
	while [ $_i -lt "$DNS_N" ]; do
		_o=$(ip netns exec "$NS" drill "q$_i-$2.bench.test" @"$1" A 2>&1)
		case $_o in *"198.51.100.2"*) _ok=$((_ok + 1)) ;; esac
		_m=$(echo "$_o" | sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p')
		_qt=$((_qt + ${_m:-0}))
		_i=$((_i + 1))
	done
	_t1=$(now)
	echo "$_t0 $_t1 $_qt $_ok" | awk '{ printf "%.3f %d %d\n", $2 - $1, $3, $4 }'
}
if [ $dns_ok = 1 ] && [ -n "$gw" ]; then
	time_dns 198.51.100.2 warm >/dev/null
	time_dns "$gw" warm >/dev/null
	set -- $(time_dns 198.51.100.2 up)
	up_s=$1 up_qt=$2 up_ok=$3
	set -- $(time_dns "$gw" gw)
	gw_s=$1 gw_qt=$2 gw_ok=$3
	echo "DNS, $DNS_N sequential drill queries from the host side:"
	echo "  to the upstream directly:   ${up_s} s (${up_ok} answered; drill query time ${up_qt} ms in all)"
	echo "  through banger-net at $gw: ${gw_s} s (${gw_ok} answered; drill query time ${gw_qt} ms in all)"
	echo "$gw_s $up_s $gw_qt $up_qt $DNS_N" | awk '{
	    printf "  ratio banger-net / direct: %.2f wall, added %.2f ms per query (drill: %.2f ms)\n",
	    $1 / $2, ($1 - $2) * 1000 / $5, ($3 - $4) / $5 }'
	banger vm delete bench-dns </dev/null >/dev/null 2>>"$LOGDIR/dns.err"
else
	echo "DNS: could not set up the upstream or a VM; skipped (see $LOGDIR/dns.err)"
fi
[ -n "${dnsmasq_pid:-}" ] && kill "$dnsmasq_pid" 2>/dev/null
rm -f "$(user_home t1)/.config/banger/config.toml"

# image pull of a 100 MB image (one gzip layer of a synthetic tree: half
# random bytes, half text) from regress/oci-registry.py on the test
# namespace's loopback, cold (empty blob cache) and warm (layers cached);
# and the layer applier's ext4 write rate against `mkfs.ext4 -d` of the
# same tree.
PY=/usr/bin/python3
PT=$LOGDIR/pull
mkdir -p "$PT/tree" "$PT/reg" "$PT/srv" && chown 65534:65534 "$PT/srv"
$PY - "$PT/tree" <<'PYEOF' || echo "  could not make the pull tree"
import os, sys
top = sys.argv[1]
text = (b"the quick brown fox jumps over the lazy dog %d\n" * 2000)
for d in range(50):
    os.makedirs("%s/d%02d" % (top, d), exist_ok=True)
    for f in range(40):
        with open("%s/d%02d/f%02d" % (top, d, f), "wb") as o:
            o.write(os.urandom(25000) if f % 2 else text[:25000])
PYEOF
tar -C "$PT/tree" -cf "$PT/layer.tar" . 2>/dev/null
$PY "$REGRESS/oci-registry.py" add "$PT/reg" bench/pull:1 \
    --layer "$PT/layer.tar" >/dev/null 2>&1 && chmod -R a+rX "$PT/reg"
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
    $PY "$REGRESS/oci-registry.py" serve "$PT/reg" --listen 127.0.0.1:0 \
    --port-file "$PT/srv/port" --log "$PT/srv/log" >"$PT/srv.out" 2>&1 &
reg_pid=$!
i=0
while [ ! -s "$PT/srv/port" ] && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
if [ -s "$PT/srv/port" ]; then
	ref=127.0.0.1:$(cat "$PT/srv/port")/bench/pull:1
	mb=$(du -m --apparent-size "$PT/layer.tar" | cut -f1)
	rm -rf "$(user_home t1)/.cache/banger/oci"
	t0=$(now)
	banger image pull --name bench-pull "$ref" </dev/null >/dev/null 2>>"$LOGDIR/pull.err"
	t1=$(now)
	banger image delete bench-pull </dev/null >/dev/null 2>>"$LOGDIR/pull.err"
	t2=$(now)
	banger image pull --name bench-pull "$ref" </dev/null >/dev/null 2>>"$LOGDIR/pull.err"
	t3=$(now)
	banger image delete bench-pull </dev/null >/dev/null 2>>"$LOGDIR/pull.err"
	truncate -s 2G "$PT/mkfs.ext4"
	t4=$(now)
	mkfs.ext4 -q -F -d "$PT/tree" "$PT/mkfs.ext4" >/dev/null 2>&1
	t5=$(now)
	echo "$t0 $t1 $t2 $t3 $t4 $t5 $mb" | awk '{
	    cold = $2 - $1; warm = $4 - $3; mk = $6 - $5
	    printf "image pull of a %d MB image: cold %.3f s, blob cache warm %.3f s (ratio %.2f)\n", $7, cold, warm, warm / cold
	    printf "  mkfs.ext4 -d of the same tree: %.3f s (%.1f MB/s); the warm pull writes %.1f MB/s, ratio warm pull / mkfs.ext4 -d %.2f\n", mk, $7 / mk, $7 / warm, warm / mk }'
else
	echo "image pull: the registry did not start; skipped (see $PT/srv.out)"
fi
kill "$reg_pid" 2>/dev/null

stop_daemons >/dev/null 2>&1
ip netns delete "$INET" 2>/dev/null
cleanup
netsnap_check || exit 1
exit 0
