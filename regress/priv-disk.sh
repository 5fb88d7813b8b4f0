# banger-priv's disk.snapshot / disk.release / disk.list.  This host's
# kernel has no device-mapper, so three layers are tested as far as each
# can go:
#  - without a device-mapper control the helper never holds CAP_SYS_ADMIN
#    and refuses the request as unsupported, changing nothing;
#  - every malformed request (wrong access modes, a file of another user,
#    one file twice, a directory, too small, a missing descriptor) ends the
#    helper before anything is made, whether or not the host could snapshot;
#  - with a stand-in control (a plain file at the regress build's control
#    path) the helper really attaches both loop devices under its seccomp
#    filter, raises CAP_SYS_ADMIN for the device-mapper call, which fails
#    (ENOTTY), and undoes everything: both loops detach, the leases stay;
#  - a control node that opens but has no device-mapper behind it (a
#    stale node) gives no CAP_SYS_ADMIN: the helper asks the kernel
#    (DM_VERSION) rather than trusting the node;
#  - only where the kernel answers DM_VERSION: a real snapshot, made, used,
#    refused release while held, released.
. "$REGRESS/test-lib.sh"

[ -x "$BIN/priv-client" ] || fatal "no priv-client (obj/regress/priv-client)"
NET_ADMIN=0000000000001400	# CAP_NET_ADMIN | CAP_NET_BIND_SERVICE
BOTH=0000000000201400		# ... | CAP_SYS_ADMIN
CTL=$DM_CTL
# The harness's control is put back for the tests that follow, and
# test_end (test-lib.sh) still reports the result.
trap 'dm_control_real; test_end' EXIT
rm -f "$CTL"

H=$(user_home t2)
D=$H/disks
install -d -m 0700 -o "$(user_name t2)" -g "$(id -g "$(user_name t2)")" "$D"
as_user t2 sh -c "head -c 4194304 /dev/urandom >'$D/base' &&
    truncate -s 4M '$D/cow' && truncate -s 4096 '$D/tiny' &&
    mkdir '$D/dir'" || fatal "cannot make t2's disk files"
# A file t2 can write but does not own.
install -m 0666 /dev/null "$D/rootcow"
truncate -s 4M "$D/rootcow"

# Loop devices backed by any of t2's disk files.
loops() {
	for _f in base cow rootcow; do
		losetup -n -O NAME -j "$D/$_f"
	done
}

no_loops() {
	[ -z "$(loops)" ]
}

# The lease records (a missing file and a header alone are both empty),
# then the loops.
snap() {
	grep -v '^banger-leases ' "$LEASES" 2>/dev/null >"$1"
	loops >>"$1"
}

unchanged() {
	snap "$W/after"
	if cmp -s "$W/before" "$W/after"; then
		ok "$1: leases and loop devices unchanged"
	else
		fail "$1: leases or loop devices changed"
		diff "$W/before" "$W/after" | sed 's/^/  /'
	fi
}

# caps WANT_PRM: a held helper's permitted and effective sets.
caps() {
	rm -f "$W/hold"
	mkfifo "$W/hold"
	as_user t2 "$BIN/priv-client" --hold "$PRIV_BIN" disks \
	    <"$W/hold" >"$W/hold.out" 2>&1 &
	_bg=$!
	exec 7>"$W/hold"
	wait_until 10 grep -q '^disks' "$W/hold.out" ||
	    fail "held helper did not answer disk.list"
	_hp=$(sed -n 's/^helper pid //p' "$W/hold.out")
	if [ -n "$_hp" ] && [ -r "/proc/$_hp/status" ]; then
		[ "$(proc_status "$_hp" CapPrm)" = "$1" ] ||
		    fail "CapPrm $(proc_status "$_hp" CapPrm), want $1"
		[ "$(proc_status "$_hp" CapEff)" = $NET_ADMIN ] ||
		    fail "CapEff $(proc_status "$_hp" CapEff), want $NET_ADMIN"
		[ "$(proc_status "$_hp" Seccomp)" = 2 ] ||
		    fail "helper not under seccomp"
		ok "helper CapPrm $1, CapEff $NET_ADMIN"
	else
		fail "no held helper pid"
	fi
	exec 7>&-
	wait "$_bg"
	rm -f "$W/hold"
}

snap "$W/before"

# ---- no device-mapper: no CAP_SYS_ADMIN, a clean refusal ----
caps $NET_ADMIN
pc t2 snap 1 "$D/base" "$D/cow"
grep -q '^error code=9 message=this kernel has no device-mapper' \
    "$W/pc.out" || fail "no device-mapper: not refused as unsupported"
[ "$(helper_exit)" = 0 ] || fail "refusal ended the helper: $(helper_exit)"
unchanged "unsupported snapshot"
pc t2 disks
grep -qx disks "$W/pc.out" || fail "disk.list not empty"

# ---- a node that is not device-mapper: still no CAP_SYS_ADMIN ----
# (/dev/null's numbers: it opens, but DM_VERSION finds no driver.)
mknod -m 0600 "$CTL" c 1 3
caps $NET_ADMIN
pc t2 snap 1 "$D/base" "$D/cow"
grep -q '^error code=9 message=this kernel has no device-mapper' \
    "$W/pc.out" || fail "stale node: not refused as unsupported"
unchanged "stale control node"
rm -f "$CTL"

# ---- malformed requests end the helper, with or without a control ----
bad() {
	_label=$1
	shift
	pc t2 snap 1 "$@"
	_he=$(helper_exit)
	if [ "$_he" != 0 ] && [ "$_he" != none ]; then
		ok "$_label: helper ended with $_he"
	else
		fail "$_label: helper exit $_he, want non-zero"
	fi
	grep -q '^disk \|^error ' "$W/pc.out" &&
	    fail "$_label: helper answered instead of exiting"
	unchanged "$_label"
}

for ctl in none stand-in; do
	[ $ctl = stand-in ] && install -m 0600 /dev/null "$CTL"
	bad "$ctl: image open read-write" "$D/base:rw" "$D/cow"
	bad "$ctl: copy-on-write read-only" "$D/base" "$D/cow:r"
	bad "$ctl: copy-on-write write-only" "$D/base" "$D/cow:w"
	bad "$ctl: another owner's copy-on-write" "$D/base" "$D/rootcow"
	bad "$ctl: one file twice" "$D/base:r" "$D/base:rw"
	bad "$ctl: a directory" "$D/dir" "$D/cow"
	bad "$ctl: a 4 KiB image" "$D/tiny" "$D/cow"
	bad "$ctl: a 4 KiB copy-on-write" "$D/base" "$D/tiny:rw"
	bad "$ctl: one descriptor" "$D/base" -
	bad "$ctl: no descriptors" - -
done
pc t2 release 1
[ "$(helper_exit)" != 0 ] || fail "release of no snapshot: helper exit 0"
unchanged "release of no snapshot"

# ---- a stand-in control: loops, CAP_SYS_ADMIN, and the undo ----
caps $BOTH
pc t2 snap 1 "$D/base" "$D/cow"
grep -q 'image on loop 7:[0-9]*, copy-on-write on loop 7:[0-9]*' \
    "$W/pc.err" || fail "stand-in: the loops were not attached"
grep -q '^error code=5 message=device-mapper version: Inappropriate ioctl' \
    "$W/pc.out" || fail "stand-in: not the device-mapper call's error"
[ "$(helper_exit)" = 0 ] || fail "stand-in: helper exit $(helper_exit)"
wait_until 10 no_loops || fail "stand-in: loops left: $(loops)"
unchanged "stand-in snapshot undone"

# ---- a lease left over (say, a release refused before a restart) ----
# A second snapshot for that VM is refused as busy and the helper lives;
# disk.list names it; a release that cannot remove the device (the
# stand-in again) keeps the lease for a later try.
if [ -s "$LEASES" ]; then
	cp -p "$LEASES" "$W/leases.saved"
else
	install -m 0600 /dev/null "$LEASES"
	echo "banger-leases 1" >"$LEASES"
fi
echo "disk $(user_uid t2) 3" >>"$LEASES"
pc t2 disks snap 3 "$D/base" "$D/cow"
grep -qx 'disks 3' "$W/pc.out" || fail "leftover: disk.list does not name it"
grep -q '^error code=8 message=vm_id 3 already has a snapshot' "$W/pc.out" ||
    fail "leftover: second snapshot not refused as busy"
[ "$(helper_exit)" = 0 ] || fail "leftover: helper exit $(helper_exit)"
pc t2 release 3
grep -q '^error code=5 message=banger-.*-3: device-mapper remove' \
    "$W/pc.out" || fail "leftover: release did not report the failure"
grep -q "^disk $(user_uid t2) 3\$" "$LEASES" ||
    fail "leftover: the lease went although the device could not"
wait_until 10 no_loops || fail "leftover: loops left: $(loops)"
if [ -f "$W/leases.saved" ]; then
	cp -p "$W/leases.saved" "$LEASES"
else
	echo "banger-leases 1" >"$LEASES"
fi
unchanged "leftover lease restored"

# ---- a real snapshot, where the kernel has device-mapper ----
if kernel_has_dm; then
	dm_control_real
	# Held by priv-client: release is refused as busy.
	pc t2 snap 1 "$D/base" "$D/cow" release 1
	grep -q '^disk vm_id=1 name=banger-[0-9]*-1 sectors=8192 fd=ok' \
	    "$W/pc.out" || fail "dm: no snapshot with a checked fd"
	grep -q '^error code=8 ' "$W/pc.out" ||
	    fail "dm: release while held was not refused as busy"
	pc t2 release 1 disks
	expect_rc 0 "dm: release once closed"
	grep -qx disks "$W/pc.out" || fail "dm: disk.list not empty"
	wait_until 10 no_loops || fail "dm: loops left: $(loops)"
	unchanged "dm snapshot released"
else
	echo "skip: real snapshot (this kernel has no device-mapper)"
fi
