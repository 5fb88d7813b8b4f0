# A guest sends only from its own address: the "bridge banger" table
# drops IPv4 (and ARP) a tap sends with any other source, even one inside
# its user's own /24, which the forward chain's /24 check lets through.
# Without it an allowlisted guest could send as an open sibling.
# Tried from inside a guest against the test's "internet"; as a control,
# the same attempt goes through once the bridge table is deleted by hand,
# so a block is this table, not a guest unable to try.
#
#   guest -- bgtapN -- bgbrUID [$NS] bgup0 198.51.100.1 ==veth==
#       198.51.100.2 bgup1 [$NS-inet] busybox httpd :8080
. "$REGRESS/test-lib.sh"

URL=http://$UP_INET:8080/cgi-bin/who

inet_up || fatal "cannot set up the test's internet ($INET)"
who_up
httpd=$WHO_PID
cleanup_net() {
	kill "$httpd" 2>/dev/null
	ip netns delete "$INET" 2>/dev/null
}
wait_until 15 ns_fetch "$URL" "who=$UP_NS" ||
    { cleanup_net; fatal "test internet broken: '$(cat "$W/got")'"; }

run t1 vm create --name spa
expect_rc 0 "t1: vm create --name spa"
a=$(vm_field t1 spa address)
echo "  spa address: $a"
case $a in
"$POOL_PREFIX"*) ;;
*) cleanup_net; fatal "spa address '$a' not in the pool" ;;
esac
tap=$(ip netns exec "$NS" nft list set bridge banger tapip |
    grep -oE "\"bgtap[0-9]+\" \. $a([^0-9]|$)" | cut -d'"' -f2)
[ -n "$tap" ] || fail "tapip has no tap for $a: $(ip netns exec "$NS" \
    nft list set bridge banger tapip)"
# A source in t1's own /24 that no tap has: what a sibling's would be.
spoof=${a%.*}.200

script='
gw=$(ip route | awk "/default/ {print \$3}")
echo "OWN $(timeout 10 wget -q -O - '"$URL"' 2>&1)"
ip addr add '"$spoof"'/32 dev eth0
ip route add '"$UP_INET"'/32 via "$gw" src '"$spoof"'
echo "SPOOF $(timeout 10 wget -q -O - '"$URL"' 2>&1)"
ip route del '"$UP_INET"'/32
ip addr del '"$spoof"'/32 dev eth0
'
run t1 vm exec spa -- sh -c "$script"
expect_rc 0 "t1: spoofing script"
cp "$W/out" "$W/spa.out"
# NAT makes every source the namespace's own at the far end.
grep -qx "OWN who=$UP_NS" "$W/spa.out" ||
    fail "guest cannot reach the internet from its own address: $(grep ^OWN "$W/spa.out")"
grep -q "^SPOOF who=" "$W/spa.out" &&
    fail "a packet from $spoof (not $tap's address) left the bridge"

# The control: without the bridge table the same attempt goes through.
ip netns exec "$NS" nft delete table bridge banger ||
    fail "cannot delete the bridge banger table"
run t1 vm exec spa -- sh -c "$script"
expect_rc 0 "t1: spoofing script, no bridge table"
grep -qx "SPOOF who=$UP_NS" "$W/out" ||
    fail "control: $spoof did not get through without the table: $(grep ^SPOOF "$W/out")"

run t1 vm delete spa
expect_rc 0 "delete spa"
cleanup_net
