# Guest networking: eth0 has the address vm list reports, the guest reaches
# its gateway (the user's bridge) and, through NAT, an "internet" in a
# second namespace that has no route back to the pool; host services other
# than DNS are closed to guests; two users' VMs cannot reach each other.
#
# Topology, all inside namespaces this run created:
#   guest -- bgtapN -- bgbrUID [$NS] bgup0 198.51.100.1 ==veth==
#       198.51.100.2 bgup1 [$NS-inet] busybox httpd :8080
# (busybox 1.35's wget -T crashes: time limits come from timeout(1).)
. "$REGRESS/test-lib.sh"

URL=http://$UP_INET:8080/cgi-bin/who

inet_up || fatal "cannot set up the test's internet ($INET)"

# The "internet" answers with the source address it saw.
who_up
httpd=$WHO_PID
# A host service on every address of the test namespace (where the
# bridges are): guests must not reach it.
mkdir -p "$W/host"
echo hostsecret >"$W/host/index.html"
chmod -R a+rX "$W/host"
ip netns exec "$NS" busybox httpd -f -p 8081 -h "$W/host" -u nobody:nogroup &
hostd=$!

cleanup_net() {
	kill "$httpd" "$hostd" 2>/dev/null
	ip netns delete "$INET" 2>/dev/null
}

# The harness's own "internet" works, seen from the test namespace.
wait_until 15 ns_fetch "$URL" "who=$UP_NS" ||
    { cleanup_net; fatal "test internet broken: '$(cat "$W/got")'"; }
wait_until 15 ns_fetch http://127.0.0.1:8081/ hostsecret ||
    { cleanup_net; fatal "test host service broken: '$(cat "$W/got")'"; }

# t2's VM first, so t1's guest knows whom not to reach.
run t2 vm run --name netb -- true
expect_rc 0 "t2: vm run --name netb -- true"
b=$(vm_field t2 netb address)
echo "  netb address: $b"
case $b in "$POOL_PREFIX"*) ;; *) fail "netb address '$b' not in the pool" ;; esac

script='
ip -4 -o addr show dev eth0
gw=$(ip route | awk "/^default/ {print \$3}")
echo "GW $gw"
if ping -c 2 -W 3 "$gw" >/dev/null 2>&1; then echo "PING-GW ok"; else echo "PING-GW fail"; fi
echo "HTTP $(timeout 10 wget -q -O - '"$URL"' 2>&1)"
echo "HOSTSVC $(timeout 5 wget -q -O - http://$gw:8081/ 2>&1)"
if ping -c 2 -W 3 "$1" >/dev/null 2>&1; then echo "PING-OTHER reached"; else echo "PING-OTHER blocked"; fi
'
run t1 vm run --name neta -- sh -c "$script" guest "$b"
expect_rc 0 "t1: guest network script"
cp "$W/out" "$W/neta.out"
a=$(vm_field t1 neta address)
echo "  neta address: $a"
gaddr=$(sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' "$W/neta.out" | head -n 1)
[ -n "$a" ] && [ "$gaddr" = "$a" ] ||
    fail "guest eth0 has '$gaddr', vm list says '$a'"
gw=$(sed -n 's/^GW //p' "$W/neta.out")
br=bgbr$(user_uid t1)
bra=$(ip -n "$NS" -4 -o addr show dev "$br" 2>/dev/null |
    sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p')
[ -n "$gw" ] && [ "$gw" = "$bra" ] ||
    fail "guest gateway '$gw' is not $br's address '$bra'"
grep -qx "PING-GW ok" "$W/neta.out" || fail "guest cannot ping its gateway"
grep -qx "HTTP who=$UP_NS" "$W/neta.out" ||
    fail "guest did not reach the internet masqueraded as $UP_NS: $(grep ^HTTP "$W/neta.out")"
grep -q "hostsecret" "$W/neta.out" &&
    fail "guest reached a host service on its gateway (port 8081)"
grep -qx "PING-OTHER blocked" "$W/neta.out" ||
    fail "t1's guest reached t2's VM $b"

# And the other way round; t2's own path works, so a block is a block.
vm_is_running t1 neta || fail "neta is not running any more"
run t2 vm run --rm -- sh -c "$script" guest "$a"
expect_rc 0 "t2: guest network script"
grep -qx "PING-GW ok" "$W/out" || fail "t2's guest cannot ping its gateway"
grep -qx "HTTP who=$UP_NS" "$W/out" || fail "t2's guest did not reach the internet"
grep -qx "PING-OTHER blocked" "$W/out" || fail "t2's guest reached t1's VM $a"

if [ "$FAILED" -gt 0 ]; then
	echo "  --- $NS: addresses, routes, forwarding, nft"
	ip -n "$NS" -o addr | sed 's/^/  | /'
	ip -n "$NS" route | sed 's/^/  | /'
	echo "  | ip_forward=$(ip netns exec "$NS" sysctl -n net.ipv4.ip_forward)"
	ip netns exec "$NS" nft list ruleset | sed 's/^/  | /'
fi

run t1 vm delete neta
expect_rc 0 "delete neta"
run t2 vm delete netb
expect_rc 0 "delete netb"
cleanup_net
