# Guest network isolation, tried from inside a guest as a hostile user
# would: a host service listening on :: (IPv6), a forged source address,
# the cloud metadata address 169.254.169.254, another user's guest, and
# port 53 anywhere but on the guest's own gateway must all be out of
# reach, while the guest's own NAT path to the "internet" and its own
# gateway's port 53 still work (so a block is a block, not a broken
# network).
# Also: the bridge and taps carry no IPv6 address (one an older helper
# left is deleted), an "ip banger" table left by an older helper is gone,
# and re-ensuring never stacks rules.  A host service on :: is tried both
# at the bridge's default link-local address and at one put back by hand,
# so the firewall's IPv6 drop is tested on its own; the guest first shows
# it has a usable link-local address and that its wget reaches a scoped
# IPv6 address (its own), so a miss is the firewall, not a guest unable
# to try.
# From the host's side: a listener in t1's guest is reached by t1, not by
# t2 nor root (the output chain); and from the "internet", given a route
# to t1's subnet, a new connection into the bridge is dropped (only
# replies enter), while with an accept put in by hand it goes through.
#
# Topology, all inside namespaces this run created:
#   guest -- bgtapN -- bgbrUID [$NS] bgup0 198.51.100.1 ==veth==
#       198.51.100.2 bgup1 [$NS-inet] busybox httpd :8080, and
#       169.254.169.254 on bgup1 with busybox httpd :80 ("metadata")
#   [$NS] busybox httpd on [::]:8082 (a host service on ::) and on
#       port 53 (TCP, every address)
. "$REGRESS/test-lib.sh"

META=169.254.169.254
URL=http://$UP_INET:8080/cgi-bin/who
# The forged source: outside every user's /24, routed back to t1's guest
# on both sides so that, were it let through, the answer would arrive.
SPOOF=10.99.0.5

inet_up || fatal "cannot set up the test's internet ($INET)"
ip -n "$INET" addr add "$META/32" dev bgup1
ip -n "$INET" route add "$SPOOF/32" via "$UP_NS"

mkdir -p "$W/meta" "$W/v6" "$W/dns"
echo metasecret >"$W/meta/index.html"
echo v6secret >"$W/v6/index.html"
echo dnsok >"$W/dns/index.html"
chmod -R a+rX "$W/meta" "$W/v6" "$W/dns"
who_up
httpd=$WHO_PID
ip netns exec "$INET" busybox httpd -f -p "$META:80" -h "$W/meta" \
    -u nobody:nogroup &
metad=$!
ip netns exec "$NS" busybox httpd -f -p "[::]:8082" -h "$W/v6" \
    -u nobody:nogroup &
v6d=$!
# Port 53 (TCP) on every host address: guests may reach it only at their
# own gateway.
ip netns exec "$NS" busybox httpd -f -p 53 -h "$W/dns" -u nobody:nogroup &
dnsd=$!

cleanup_net() {
	kill "$httpd" "$metad" "$v6d" "$dnsd" 2>/dev/null
	ip -n "$NS" route del "$SPOOF/32" 2>/dev/null
	ip netns delete "$INET" 2>/dev/null
}

# Every listener works from the test namespace itself: what the guest
# cannot reach below is blocked, not absent.
wait_until 15 ns_fetch "$URL" "who=$UP_NS" ||
    { cleanup_net; fatal "test internet broken: '$(cat "$W/got")'"; }
wait_until 15 ns_fetch "http://$META/" metasecret ||
    { cleanup_net; fatal "test metadata service broken: '$(cat "$W/got")'"; }
wait_until 15 ns_fetch "http://[::1]:8082/" v6secret ||
    { cleanup_net; fatal "test host service on :: broken: '$(cat "$W/got")'"; }
wait_until 15 ns_fetch "http://$UP_NS:53/" dnsok ||
    { cleanup_net; fatal "test port 53 broken: '$(cat "$W/got")'"; }

# What an older banger-priv left: its own "ip banger" table.  The new
# helper must not leave it behind (it would hold stale sets).
ip netns exec "$NS" nft add table ip banger ||
    { cleanup_net; fatal "nft add table ip banger"; }

# t2's VM first, so t1's guest knows whom not to reach.
run t2 vm run --name isob -- true
expect_rc 0 "t2: vm run --name isob -- true"
b=$(vm_field t2 isob address)
echo "  isob address: $b"
case $b in
"$POOL_PREFIX"*) ;;
*) fail "isob address '$b' not in the pool" ;;
esac

# What an older helper left on t1's bridge: an IPv6 link-local address.
# (The bridge may be left from an earlier test; else make it, as that
# helper would have.)  bridge.ensure must take the address away.
br=bgbr$(user_uid t1)
ip -n "$NS" link show dev "$br" >/dev/null 2>&1 ||
    ip -n "$NS" link add "$br" type bridge ||
    { cleanup_net; fatal "make $br"; }
ip -n "$NS" -6 addr add fe80::abcd/64 dev "$br" nodad ||
    { cleanup_net; fatal "add an IPv6 address to $br"; }

run t1 vm create --name isoa
expect_rc 0 "t1: vm create --name isoa"
a=$(vm_field t1 isoa address)
echo "  isoa address: $a"

# No IPv6 address on any banger bridge or tap.
v6=$(ip -n "$NS" -6 -o addr show 2>/dev/null | awk '$2 ~ /^bg(br|tap)/')
[ -z "$v6" ] && ok "no IPv6 address on bridges and taps" ||
    fail "IPv6 addresses on banger interfaces: $v6"
# Put one back by hand: the firewall alone must keep guests from it.
ip -n "$NS" -6 addr add fe80::1/64 dev "$br" nodad ||
    fail "add fe80::1 to $br"
ip -n "$NS" route add "$SPOOF/32" dev "$br" ||
    fail "route $SPOOF back to $br"

# The IPv6 link-local address the bridge has, or would have, by default:
# EUI-64 from its (fixed) MAC.  The guest tries it either way.
bridge_ll() {
	_mac=$(ip -n "$NS" -o link show dev "$1" |
	    sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p')
	set -- $(echo "$_mac" | tr : ' ')
	echo "fe80::$(printf %02x $((0x$1 ^ 2)))$2:$3ff:fe$4:$5$6"
}
ll=$(bridge_ll "$br")
ll2=$(bridge_ll "bgbr$(user_uid t2)")
echo "  IPv6 link-locals tried: $br $ll, bgbr$(user_uid t2) $ll2"

# The guest's side.  $1: the bridge's IPv6 addresses to try, $2: the
# other user's guest, $3: the other user's gateway.
script='
gw=$(ip route | awk "/^default/ {print \$3}")
echo "GW $gw"
# Wait for eth0 and the bridge to finish IPv6 duplicate address
# detection, so that a failure is the firewall, not an address not yet
# usable on either side.
i=0
while [ $i -lt 50 ] && ! ip -6 -o addr show dev eth0 scope link |
    grep -v tentative | grep -q fe80; do
	sleep 0.2
	i=$((i + 1))
done
myll=$(ip -6 -o addr show dev eth0 scope link | grep -v tentative |
    awk "{print \$4}" | cut -d / -f 1 | head -n 1)
echo "V6-ETH0 ${myll:-none}"
# Positive control: the same wget, to a scoped fe80 address (the
# guest'"'"'s own) with a listener on [::].
mkdir -p /tmp/v6ctl && echo v6ctl >/tmp/v6ctl/index.html &&
    httpd -p "[::]:8083" -h /tmp/v6ctl
echo "V6-SELF $(timeout 3 wget -q -O - "http://[$myll%eth0]:8083/" 2>&1)"
for ll in $1; do
	for i in 1 2 3 4 5; do
		v6=$(timeout 3 wget -q -O - "http://[$ll%eth0]:8082/" 2>&1)
		[ "$v6" = v6secret ] && break
		sleep 1
	done
	echo "V6 $ll $v6"
done
echo "META $(timeout 5 wget -q -O - http://'"$META"'/ 2>&1)"
echo "HTTP $(timeout 10 wget -q -O - '"$URL"' 2>&1)"
if ping -c 2 -W 3 "$2" >/dev/null 2>&1; then
	echo "PING-OTHER reached"
else
	echo "PING-OTHER blocked"
fi
echo "DNS-OWN $(timeout 5 wget -q -O - "http://$gw:53/" 2>&1)"
echo "DNS-OTHER $(timeout 5 wget -q -O - "http://$3:53/" 2>&1)"
echo "DNS-HOST $(timeout 5 wget -q -O - http://'"$UP_NS"':53/ 2>&1)"
ip addr add '"$SPOOF"'/32 dev eth0
ip route add '"$UP_INET"'/32 via "$gw" src '"$SPOOF"'
echo "SPOOF-HTTP $(timeout 10 wget -q -O - '"$URL"' 2>&1)"
if ping -c 2 -W 3 -I '"$SPOOF"' "$gw" >/dev/null 2>&1; then
	echo "SPOOF-PING reached"
else
	echo "SPOOF-PING blocked"
fi
ip route del '"$UP_INET"'/32
ip addr del '"$SPOOF"'/32 dev eth0
'
run t1 vm exec isoa -- sh -c "$script" guest "$ll fe80::1" "$b" "${b%.*}.1"
expect_rc 0 "t1: guest isolation script"
cp "$W/out" "$W/isoa.out"

# (a) is only a test if the guest could have made the attempt: a usable
# link-local address, a wget that reaches a scoped IPv6 address, and a
# miss that is a timeout or an unreachable route, not an error of the
# client or a refused connection.
v6_capable() {
	grep -q "^V6-ETH0 fe80::" "$1" ||
	    fail "(a) $2: no usable IPv6 link-local address on eth0: $(grep ^V6-ETH0 "$1")"
	grep -qx "V6-SELF v6ctl" "$1" ||
	    fail "(a) $2: wget cannot reach a scoped IPv6 address: $(grep ^V6-SELF "$1")"
}
v6_missed() {
	grep -q "^V6 $2 " "$1" || { fail "(a) no IPv6 attempt at $2"; return; }
	_r=$(sed -n "s/^V6 $2 //p" "$1")
	case $_r in
	"" | *"timed out"* | *"o route to host"* | *nreachable*) ;;
	*) fail "(a) the attempt at $2 failed but not by the firewall: $_r" ;;
	esac
}
v6_capable "$W/isoa.out" "t1's guest"
v6_missed "$W/isoa.out" "$ll"
v6_missed "$W/isoa.out" fe80::1
grep -qx "HTTP who=$UP_NS" "$W/isoa.out" ||
    fail "guest's own NAT path is broken: $(grep ^HTTP "$W/isoa.out")"
grep -q "^V6 $ll v6secret" "$W/isoa.out" &&
    fail "(a) guest reached a host service on :: over IPv6 ($ll)"
grep -q "^V6 fe80::1 v6secret" "$W/isoa.out" &&
    fail "(a) guest reached a host service on :: at an address of its bridge"
grep -q metasecret "$W/isoa.out" &&
    fail "(c) guest reached $META"
grep -qx "SPOOF-HTTP who=$SPOOF" "$W/isoa.out" &&
    fail "(b) a packet from forged source $SPOOF left the bridge"
grep -qx "SPOOF-PING blocked" "$W/isoa.out" ||
    fail "(b) the gateway answered forged source $SPOOF"
grep -qx "PING-OTHER blocked" "$W/isoa.out" ||
    fail "(d) t1's guest reached t2's guest $b"
# The host: port 53 only on the guest's own gateway.
grep -qx "DNS-OWN dnsok" "$W/isoa.out" ||
    fail "guest cannot reach port 53 on its gateway"
grep -q "^DNS-OTHER dnsok" "$W/isoa.out" &&
    fail "guest reached the other user's gateway ${b%.*}.1 port 53"
grep -q "^DNS-HOST dnsok" "$W/isoa.out" &&
    fail "guest reached port 53 on another host address, $UP_NS"

# (d) the other way round, and t2's own path works.
run t2 vm exec isob -- sh -c "$script" guest "$ll2" "$a" "${a%.*}.1"
expect_rc 0 "t2: guest isolation script"
grep -qx "HTTP who=$UP_NS" "$W/out" ||
    fail "t2's guest did not reach the internet"
grep -qx "DNS-OWN dnsok" "$W/out" ||
    fail "t2's guest cannot reach port 53 on its gateway"
grep -qx "PING-OTHER blocked" "$W/out" ||
    fail "(d) t2's guest reached t1's guest $a"
grep -q "^DNS-OTHER dnsok" "$W/out" &&
    fail "(d) t2's guest reached t1's gateway ${a%.*}.1 port 53"
grep -q v6secret "$W/out" &&
    fail "(a) t2's guest reached a host service on :: over IPv6 ($ll2)"
v6_capable "$W/out" "t2's guest"
v6_missed "$W/out" "$ll2"

ip -n "$NS" -6 addr del fe80::1/64 dev "$br"

# (e) Into t1's guest from the host: a listener there is open to t1 only.
run t1 vm exec isoa -- sh -c 'mkdir -p /tmp/svc &&
    echo guestsvc >/tmp/svc/index.html && httpd -p 8090 -h /tmp/svc'
expect_rc 0 "t1: start a listener in isoa"
# $1: who tries (t1, t2, root, inet).
gfetch() {
	case $1 in
	root)	ip netns exec "$NS" timeout 5 busybox wget -q -O - \
		    "http://$a:8090/" ;;
	inet)	ip netns exec "$INET" timeout 5 busybox wget -q -O - \
		    "http://$a:8090/" ;;
	*)	as_user "$1" timeout 5 busybox wget -q -O - "http://$a:8090/" ;;
	esac >"$W/got" 2>&1
	[ "$(cat "$W/got")" = guestsvc ]
}
wait_until 15 gfetch t1 ||
    fail "(e) t1 cannot reach the listener in its own guest: $(cat "$W/got")"
gfetch t2 && fail "(e) t2 opened a connection into t1's guest $a"
gfetch root && fail "(e) root opened a connection into t1's guest $a"

# (f) From outside into a bridge: only replies.  The "internet" gets a
# route to t1's subnet; its new connection must be dropped (the guest's
# own connection out, HTTP above, works), and goes through once an
# accept is put ahead by hand, so the drop is the rule, not the route.
ip -n "$INET" route add "${a%.*}.0/24" via "$UP_NS" ||
    fail "route ${a%.*}.0/24 in $INET"
gfetch inet && fail "(f) a new connection from outside entered $br"
h=$(ip netns exec "$NS" nft --echo --handle insert rule inet banger \
    forward oifname "$br" ip saddr "$UP_INET" tcp dport 8090 accept |
    sed -n 's/.*# handle \([0-9]*\).*/\1/p')
if [ -n "$h" ]; then
	wait_until 15 gfetch inet ||
	    fail "(f) control: $INET cannot reach $a even with an accept: $(cat "$W/got")"
	ip netns exec "$NS" nft delete rule inet banger forward handle "$h"
else
	fail "(f) could not insert the control accept rule"
fi
gfetch inet && fail "(f) a new connection from outside entered $br"

# One table, inet; the old ip table gone; no rule twice after two users'
# helpers each ensured it.
ip netns exec "$NS" nft list table ip banger >/dev/null 2>&1 &&
    fail "an old 'ip banger' table is still there"
ip netns exec "$NS" nft list table inet banger >"$W/nft" 2>&1 ||
    fail "no 'inet banger' table"
n=$(grep -c 'meta nfproto ipv6 drop' "$W/nft")
[ "$n" = 4 ] || fail "IPv6 drop rules: $n, want 4 (rules stacked or missing)"
grep -q "\"$br\" \. $POOL_PREFIX" "$W/nft" ||
    fail "$br's subnet is not in the anti-spoof set"
grep -q "\"bgbr$(user_uid t2)\" \. $POOL_PREFIX" "$W/nft" ||
    fail "t2's subnet is not in the anti-spoof set"

if [ "$FAILED" -gt 0 ]; then
	echo "  --- $NS: addresses, routes, nft"
	ip -n "$NS" -o addr | sed 's/^/  | /'
	ip -n "$NS" route | sed 's/^/  | /'
	ip netns exec "$NS" nft list ruleset | sed 's/^/  | /'
fi

run t1 vm delete isoa
expect_rc 0 "delete isoa"
run t2 vm delete isob
expect_rc 0 "delete isob"
cleanup_net
