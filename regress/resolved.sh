# Host names for VMs through systemd-resolved (issue 8): when banger-priv
# sets up a user's bridge it tells resolved, over the system bus, that
# the bridge's DNS server is the user's gateway and that "vm" is its
# routing-only domain (not a default route), so NAME.vm resolves on the
# host with no edit by hand.  `banger doctor` reads the link back and
# says whether it is wired.
#
# resolved here is regress/fake-resolved.py on a bus of the test's own
# (dbus-daemon listening on the regress helper's compile-time bus path,
# /run/banger-regress/system_bus_socket); nothing talks to the host's
# system bus.  Without a bus or a resolved, the helper goes on (every
# other regress test shows that).
. "$REGRESS/test-lib.sh"

PY=/usr/bin/python3

$PY -c 'import dbus, dbus.mainloop.glib, gi.repository.GLib' 2>/dev/null ||
    fatal "python3-dbus and python3-gi not installed"

bus_up || fatal "no bus"
: >"$W/resolved.log"
chmod 0644 "$W/resolved.log"
$PY "$REGRESS/fake-resolved.py" "$BUS" "$W/resolved.log" \
    >"$W/fake-resolved.out" 2>&1 &
fake=$!
wait_until 10 grep -q '^ready$' "$W/resolved.log" ||
    { kill "$fake"; bus_down; fatal "fake resolved did not start: $(cat "$W/fake-resolved.out")"; }
cleanup_bus() {
	kill "$fake" 2>/dev/null
	wait "$fake" 2>/dev/null
	bus_down
}

doctor_dns() {
	as_user t1 env DBUS_SYSTEM_BUS_ADDRESS="$BUS" "$BIN/banger" doctor \
	    >"$W/doctor" 2>&1
	grep '^\[.*\] dns routing:' "$W/doctor"
}

br=bgbr$(user_uid t1)
# The bridge may be left from an earlier test of the run, never wired.
line=$(doctor_dns)
case $line in
*"no bridge $br here yet"*|"[warn] dns routing: systemd-resolved does not send NAME.vm"*)
	ok "doctor before any VM: $line" ;;
*) fail "doctor before any VM: '$line'" ;;
esac

run t1 vm create --name rsa
expect_rc 0 "t1: vm create rsa"
idx=$(ip netns exec "$NS" cat "/sys/class/net/$br/ifindex")
gw=$(ip -n "$NS" -4 -o addr show dev "$br" |
    sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
echo "  $br: ifindex $idx, gateway $gw"
sed 's/^/  | /' "$W/resolved.log"
grep -qx "SetLinkDNS $idx 2:$gw" "$W/resolved.log" &&
    ok "resolved: $br's DNS server is $gw" ||
    fail "resolved was not told $br's DNS server $gw"
grep -qx "SetLinkDomains $idx vm:1" "$W/resolved.log" &&
    ok "resolved: $br routes ~vm" ||
    fail "resolved was not told $br's routing domain ~vm"
grep -qx "SetLinkDefaultRoute $idx 0" "$W/resolved.log" &&
    ok "resolved: $br is no default DNS route" ||
    fail "resolved was not told $br is no default route"
grep -v "^\(ready\|SetLink[A-Za-z]* $idx .*\)\$" "$W/resolved.log" |
    grep -q . && fail "resolved got calls for another link: $(grep -v "^ready" "$W/resolved.log" | grep -v " $idx ")"

line=$(doctor_dns)
case $line in
"[ ok ] dns routing: systemd-resolved sends NAME.vm to $gw on $br") ok "doctor: $line" ;;
*) fail "doctor after the VM started: '$line'" ;;
esac

# resolved forgets its link settings when it restarts: doctor says so.
kill "$fake"
wait "$fake" 2>/dev/null
: >"$W/resolved.log"
$PY "$REGRESS/fake-resolved.py" "$BUS" "$W/resolved.log" \
    >"$W/fake-resolved.out" 2>&1 &
fake=$!
wait_until 10 grep -q '^ready$' "$W/resolved.log" || fail "fake resolved did not restart"
line=$(doctor_dns)
case $line in
"[warn] dns routing: systemd-resolved does not send NAME.vm to $gw"*) ok "doctor after resolved forgot: $line" ;;
*) fail "doctor after resolved forgot the link: '$line'" ;;
esac
# A new bangerd wires it again at its first VM start.
run t1 daemon stop
expect_rc 0 "t1: daemon stop"
run t1 vm start rsa
expect_rc 0 "t1: vm start rsa"
grep -qx "SetLinkDomains $idx vm:1" "$W/resolved.log" &&
    ok "a new bangerd wired $br again" ||
    fail "a new bangerd did not wire $br again"

# Without resolved on the bus the helper goes on.
kill "$fake"
wait "$fake" 2>/dev/null
run t1 daemon stop
expect_rc 0 "t1: daemon stop"
run t1 vm start rsa
expect_rc 0 "t1: vm start rsa with no resolved on the bus"
line=$(doctor_dns)
case $line in
*"systemd-resolved does not answer"*) ok "doctor with no resolved: $line" ;;
*) fail "doctor with no resolved: '$line'" ;;
esac

run t1 vm delete rsa
expect_rc 0 "t1: delete rsa"
cleanup_bus
