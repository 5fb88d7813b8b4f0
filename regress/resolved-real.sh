# Host names for VMs through a real systemd-resolved (issue 8).
# resolved.sh checks banger-priv's calls against a stand-in; this test runs
# Debian's own systemd-resolved and asks it for NAME.vm, the way `ssh
# NAME.vm` on the host would: resolved must send the query to the user's
# gateway, where banger-net answers.
#
# resolved runs inside the test's network namespace (it sees only the
# test's links and sends only to the gateway there), in a mount namespace
# of its own: /run/systemd is a fresh tmpfs, /etc/systemd holds a
# resolved.conf with no other DNS servers, no fallback servers, no LLMNR
# or mDNS and no stub listener, and /etc/passwd gains the
# systemd-resolve user it drops to where the host has none.  It is on
# the test's own bus (bus_up); the host's resolved, if any, and the
# host's bus are not touched.
#
# The binary: an installed systemd-resolved, else the package that
# `make deps` unpacks (never installs) under $RESOLVED_ROOT.  Without
# either the test is skipped.
. "$REGRESS/test-lib.sh"

RESOLVED_ROOT=${RESOLVED_ROOT:-/var/cache/banger-regress/systemd-resolved}
RD= RCTL=
for r in "$RESOLVED_ROOT" ""; do
	for d in lib/systemd usr/lib/systemd; do
		[ -x "$r/$d/systemd-resolved" ] || continue
		[ -x "$r/usr/bin/resolvectl" ] || continue
		RD=$r/$d/systemd-resolved
		RCTL=$r/usr/bin/resolvectl
		break 2
	done
done
[ -n "$RD" ] || skip "no systemd-resolved installed or unpacked in $RESOLVED_ROOT (make deps unpacks it)"
# An unpacked one needs the installed systemd's private library.
"$RD" --version >/dev/null 2>&1 ||
    skip "$RD does not run here (another systemd version?)"
# Its files go to a tmpfs mounted over /run/systemd, which must exist.
[ -d /run/systemd ] || skip "no /run/systemd on this host to hide resolved's files under"
echo "  resolved: $RD"

bus_up || fatal "no bus"
mkdir -p "$W/etc-systemd"
cat >"$W/etc-systemd/resolved.conf" <<EOF
[Resolve]
DNS=
FallbackDNS=
LLMNR=no
MulticastDNS=no
DNSStubListener=no
EOF
grep -v '^systemd-resolve:' /etc/passwd >"$W/passwd"
getent passwd systemd-resolve >>"$W/passwd" ||
    echo "systemd-resolve:x:$(id -u nobody):$(id -g nobody)::/:/usr/sbin/nologin" >>"$W/passwd"
cat >"$W/resolved-ns.sh" <<EOF
set -e
mount -t tmpfs none /run/systemd
mount --bind "$W/etc-systemd" /etc/systemd
mount --bind "$W/passwd" /etc/passwd
export DBUS_SYSTEM_BUS_ADDRESS="$BUS"
exec "$RD"
EOF
resolved_up() {
	ip netns exec "$NS" unshare -m --propagation private \
	    sh "$W/resolved-ns.sh" >>"$W/resolved.log" 2>&1 &
	RPID=$!
	wait_until 10 rctl status >/dev/null 2>&1 ||
	    { echo "resolved did not start: $(tail -n 5 "$W/resolved.log")"; return 1; }
}
resolved_down() {
	kill "$RPID" 2>/dev/null
	wait "$RPID" 2>/dev/null
}
rctl() {
	ip netns exec "$NS" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" timeout 10 \
	    "$RCTL" --no-pager "$@"
}
resolved_up || { bus_down; fatal "no resolved"; }

doctor_dns() {
	as_user t1 env DBUS_SYSTEM_BUS_ADDRESS="$BUS" "$BIN/banger" doctor \
	    >"$W/doctor" 2>&1
	grep '^\[.*\] dns routing:' "$W/doctor"
}
# query NAME ADDR: resolved answers NAME with ADDR, from the link BR.
query() {
	rctl query --legend=no "$1" >"$W/query" 2>&1
	sed 's/^/  | /' "$W/query"
	grep -q "^$1: $2 .*link: $br" "$W/query"
}

br=bgbr$(user_uid t1)
run t1 vm create --name rsr
expect_rc 0 "t1: vm create rsr"
a=$(vm_field t1 rsr address)
gw=$(ip -n "$NS" -4 -o addr show dev "$br" |
    sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
echo "  rsr: $a, $br's gateway $gw"

rctl status "$br" >"$W/status" 2>&1
sed 's/^/  | /' "$W/status"
grep -q "DNS Servers: $gw\$" "$W/status" &&
    ok "resolved: $br's DNS server is $gw" ||
    fail "resolved does not list $gw as $br's DNS server"
grep -q "DNS Domain: ~vm\$" "$W/status" &&
    ok "resolved: $br routes ~vm" ||
    fail "resolved does not route ~vm to $br"
grep -q -- "-DefaultRoute" "$W/status" &&
    ok "resolved: $br is no default route" ||
    fail "resolved uses $br as a default route"

line=$(doctor_dns)
case $line in
"[ ok ] dns routing: systemd-resolved sends NAME.vm to $gw on $br") ok "doctor: $line" ;;
*) fail "doctor with a real resolved: '$line'" ;;
esac

query rsr.vm "$a" && ok "resolved answers rsr.vm with $a through $gw" ||
    fail "resolved did not answer rsr.vm with $a"
# Another name is not sent to the gateway: resolved has no server for it.
rctl query --legend=no www.example.test >"$W/other" 2>&1
grep -q "No appropriate name servers or networks" "$W/other" &&
    ok "a name outside .vm is not sent to $br ($(head -n 1 "$W/other"))" ||
    fail "www.example.test: $(cat "$W/other")"

# resolved forgets its links when it restarts; doctor says so and the
# next bangerd wires the bridge again.
resolved_down
resolved_up || { bus_down; fatal "resolved did not restart"; }
line=$(doctor_dns)
case $line in
"[warn] dns routing: systemd-resolved does not send NAME.vm to $gw"*) ok "doctor after a restart of resolved: $line" ;;
*) fail "doctor after a restart of resolved: '$line'" ;;
esac
query rsr.vm "$a" && fail "rsr.vm resolved with no wiring"
run t1 daemon stop
expect_rc 0 "t1: daemon stop"
run t1 vm start rsr
expect_rc 0 "t1: vm start rsr"
a=$(vm_field t1 rsr address)
query rsr.vm "$a" && ok "a new bangerd wired $br again: rsr.vm is $a" ||
    fail "rsr.vm does not resolve after a new bangerd started rsr"

run t1 vm delete rsr
expect_rc 0 "t1: delete rsr"
resolved_down
bus_down
