# banger doctor says which accelerator VMs will use and why, exits 0 when
# no check fails, and fails when the setuid helper is missing.
. "$REGRESS/test-lib.sh"

run t1 doctor
expect_rc 0 "banger doctor"
cat "$W/out" "$W/err" >"$W/doctor.txt"
# This machine has no usable KVM for the test users (/dev/kvm is root's,
# and it is the PVM flavour): QEMU falls back to TCG, and doctor says why.
grep -qi tcg "$W/doctor.txt" || fail "doctor does not mention TCG"
grep -qi kvm "$W/doctor.txt" || fail "doctor does not say why not KVM"
grep -q FAIL "$W/doctor.txt" && fail "doctor reports a FAIL but exits 0"
if [ -e /dev/mapper/control ]; then
	grep -q 'root disks: device-mapper snapshots' "$W/doctor.txt" ||
	    fail "doctor does not say root disks are snapshots"
else
	grep -q 'root disks: overlay in the guest: this kernel has no device-mapper' \
	    "$W/doctor.txt" || fail "doctor does not say why root disks are overlays"
fi

run t1 doctor --json
expect_rc 0 "banger doctor --json"
if jq -e . "$W/out" >/dev/null 2>&1; then
	jq -e 'tostring | test("tcg"; "i")' "$W/out" >/dev/null ||
	    fail "doctor --json does not mention tcg"
else
	fail "doctor --json is not JSON"
fi

# A missing helper is a failed prerequisite: non-zero, and it says so.
trace "[t1] BANGER_PRIV=/nonexistent banger doctor"
as_user t1 env BANGER_PRIV=/nonexistent/banger-priv "$BIN/banger" doctor \
    >"$W/out" 2>"$W/err"
RC=$?
echo "  exit $RC"
show "$W/out" stdout
show "$W/err" stderr
[ "$RC" != 0 ] || fail "doctor exits 0 although the helper is missing"
grep -q FAIL "$W/out" "$W/err" ||
    fail "doctor does not report a FAIL for the missing helper"
