# The egress policy (issue 8).  An allowlisted VM resolves only its
# allowed names (and .vm names); others get REFUSED.  The addresses of an
# allowed answer reach its user's set (inet banger egress_ok_UID) before
# the guest sees the answer, with the answer's TTL; an address that never
# came through DNS is refused, an allowed name answering with a private
# or loopback address gets SERVFAIL (rebinding), an entry expires with
# its TTL.  An open VM of the same user reaches everything; the policy
# changes on a running VM; a guest that takes its sibling's address gets
# nothing past the bridge.
#
# Topology (as dns.sh), all inside namespaces this run created:
#   guest -- bgtapN -- bgbrUID [$NS] bgup0 198.51.100.1 ==veth==
#       bgup1 [$NS-inet] 198.51.100.2-6: dnsmasq :53 on .2 (the
#       upstream), busybox httpd :8080 on all of them
. "$REGRESS/test-lib.sh"

BODY=egress-ok
ALLOWED=www.allowed.test	# -> $UP_INET
BLOCKED=www.blocked.test	# -> .3, never allowed
WILD=x.wild.test		# -> .4, allowed by *.wild.test
SHORT=short.allowed.test	# -> .5 with a TTL of 5 s
NEVER=198.51.100.6		# in no answer at all
A3=198.51.100.3
A4=198.51.100.4
A5=198.51.100.5

command -v dnsmasq >/dev/null || fatal "dnsmasq not installed (dnsmasq-base)"
command -v nft >/dev/null || fatal "nft not installed"

inet_up || fatal "cannot set up the test's internet ($INET)"
for x in $A3 $A4 $A5 $NEVER; do
	ip -n "$INET" addr add "$x/24" dev bgup1 ||
	    fatal "cannot add $x in $INET"
done

mkdir -p "$W/www"
echo "$BODY" >"$W/www/hello"
chmod -R a+rX "$W/www"
ip netns exec "$INET" busybox httpd -f -p 8080 -h "$W/www" \
    -u nobody:nogroup &
httpd=$!
ip netns exec "$INET" dnsmasq --keep-in-foreground --conf-file=/dev/null \
    --no-resolv --no-hosts --no-poll --pid-file= --bind-interfaces \
    --listen-address="$UP_INET" --local=/test/ --local-ttl=60 \
    --host-record="$ALLOWED,$UP_INET" --host-record="$BLOCKED,$A3" \
    --host-record="$WILD,$A4" --host-record="wild.test,$A4" \
    --host-record="$SHORT,$A5,5" \
    --host-record="private.allowed.test,10.1.2.3" \
    --host-record="loop.allowed.test,127.0.0.1" \
    --host-record="meta.allowed.test,169.254.169.254" \
    --log-facility=- --log-queries >"$W/dnsmasq.log" 2>&1 &
dnsd=$!

cfg=$(user_home t1)/.config/banger
cleanup_egress() {
	kill "$httpd" "$dnsd" 2>/dev/null
	wait "$httpd" "$dnsd" 2>/dev/null
	ip netns delete "$INET" 2>/dev/null
	rm -f "$cfg/config.toml"
}

wait_until 15 ns_fetch "http://$A3:8080/hello" "$BODY" ||
    { cleanup_egress; fatal "test internet broken: '$(cat "$W/got")'"; }

install -d -m 0700 -o "$(user_name t1)" "$(user_home t1)/.config" "$cfg"
printf 'dns_upstream = ["%s"]\n' "$UP_INET" >"$cfg/config.toml"
chown "$(user_name t1)" "$cfg/config.toml"

run t1 vm create --name ega --egress allowlist --allow '*.allowed.test' \
    --allow '*.wild.test'
expect_rc 0 "t1: vm create ega, allowlisted"
run t1 vm create --name egb
expect_rc 0 "t1: vm create egb, open"
a=$(vm_field t1 ega address)
b=$(vm_field t1 egb address)
echo "  ega $a (allowlist), egb $b (open)"
run t1 vm show --json ega
jq -e '.egress.mode == "allowlist" and
    .egress.allow == ["*.allowed.test", "*.wild.test"]' "$W/out" \
    >/dev/null && ok "vm show: ega's policy" ||
    fail "vm show --json ega: egress is $(jq -c .egress "$W/out")"
run t1 vm show egb
grep -qx 'egress     open' "$W/out" && ok "vm show: egb is open" ||
    fail "vm show egb: '$(grep ^egress "$W/out")'"

# The guest's view, one fact per line: "A NAME ADDR", "RC NAME CODE",
# "GET HOST BODY" (or "GET HOST -" when the fetch failed).
probe=$(cat <<'EOS'
q() {
	out=$(timeout 30 nslookup -type=a "$1" 2>&1)
	echo "$out" | awk -v n="$1" '/^Name:/ { a = 1; next }
	    a && /^Address/ { print "A " n " " $NF }'
	for c in REFUSED SERVFAIL NXDOMAIN; do
		echo "$out" | grep -q "$c" && echo "RC $1 $c"
	done
	return 0
}
get() {
	if out=$(timeout 15 wget -q -O - "http://$1:8080/hello" 2>&1)
	then
		echo "GET $1 $out"
	else
		echo "GET $1 -"
	fi
}
for x in "$@"; do
	case $x in
	[0-9]*)	get "$x" ;;
	+*)	get "${x#+}" ;;
	*)	q "$x" ;;
	esac
done
EOS
)
# guest VM ARG...: run the probe in VM; its output in $W/$1.out.
guest() {
	_vm=$1
	shift
	run t1 vm exec "$_vm" -- sh -c "$probe" probe "$@"
	cp "$W/out" "$W/$_vm.out"
	sed 's/^/  | /' "$W/out"
}
has() {
	grep -qx "$2" "$W/$1.out"
}
expect() {
	if has "$1" "$2"; then ok "$1: $3"; else fail "$1: $3 (no '$2')"; fi
}
expect_not() {
	if has "$1" "$2"; then fail "$1: $3 ('$2')"; else ok "$1: $3"; fi
}
# t1's egress_ok has GUEST . ADDR (from the test namespace, where the
# table is).
OKSET=egress_ok_$(user_uid t1)
in_set() {
	ip netns exec "$NS" nft list set inet banger "$OKSET" 2>/dev/null |
	    grep -q "$1 \. $2 "
}

# ---- an allowlisted VM ---------------------------------------------------------

guest ega "$NEVER" "$A3" "$BLOCKED" "$ALLOWED" "+$ALLOWED" "$WILD" \
    "+$WILD" wild.test ega.vm egb.vm private.allowed.test \
    loop.allowed.test meta.allowed.test
expect ega "GET $NEVER -" "an address that came through no answer is refused"
expect ega "GET $A3 -" "a blocked name's address, typed as a number, is refused"
expect ega "RC $BLOCKED REFUSED" "a name not allowed is REFUSED"
expect_not ega "A $BLOCKED $A3" "a name not allowed has no address"
expect ega "A $ALLOWED $UP_INET" "an allowed name resolves"
expect ega "GET $ALLOWED $BODY" "an allowed name's server is reached"
expect ega "A $WILD $A4" "*.wild.test allows $WILD"
expect ega "GET $WILD $BODY" "$WILD's server is reached"
expect ega "RC wild.test REFUSED" "*.wild.test does not allow wild.test"
expect ega "A ega.vm $a" "its own .vm name resolves"
expect ega "A egb.vm $b" "a sibling's .vm name resolves"
for r in private loop meta; do
	expect ega "RC $r.allowed.test SERVFAIL" \
	    "an allowed name answering a non-public address gets SERVFAIL"
	expect_not ega "A $r.allowed.test .*" "no address for $r.allowed.test"
done
grep -q "query\[A\] $BLOCKED" "$W/dnsmasq.log" &&
    fail "the upstream was asked for $BLOCKED, which is not allowed" ||
    ok "a name not allowed never reached the upstream"
in_set "$a" "$UP_INET" && ok "egress_ok has $a . $UP_INET" ||
    fail "egress_ok lacks $a . $UP_INET"
in_set "$a" "$A3" && fail "egress_ok has $a . $A3 (never allowed)" ||
    ok "egress_ok lacks $a . $A3"
ip netns exec "$NS" nft list set inet banger "$OKSET" | grep -q "10\.1\.2\.3\|127\.0\.0\.1" &&
    fail "a rebinding address reached egress_ok" ||
    ok "no rebinding address in egress_ok"

# ---- expiry: an entry lives as long as its TTL ----------------------------------

guest ega "$SHORT" "$A5"
expect ega "A $SHORT $A5" "$SHORT resolves"
expect ega "GET $A5 $BODY" "$SHORT's address is reachable within its TTL"
in_set "$a" "$A5" || fail "egress_ok lacks $a . $A5"
not_in_set() { ! in_set "$@"; }
wait_until 60 not_in_set "$a" "$A5" &&
    ok "egress_ok dropped $a . $A5 after its 5 s TTL" ||
    fail "egress_ok still has $a . $A5 a minute later"
guest ega "$A5"
expect ega "GET $A5 -" "after the TTL the address is refused again"

# ---- an open VM of the same user -------------------------------------------------

guest egb "$A3" "$BLOCKED" "$NEVER"
expect egb "GET $A3 $BODY" "an open VM reaches any address"
expect egb "A $BLOCKED $A3" "an open VM resolves any name"
expect egb "GET $NEVER $BODY" "an open VM reaches an address without DNS"

# ---- the policy changes on a running VM ---------------------------------------------

run t1 vm egress ega open
expect_rc 0 "t1: vm egress ega open"
grep -qx open "$W/out" || fail "vm egress ega open printed '$(cat "$W/out")'"
guest ega "$A3" "$BLOCKED"
expect ega "GET $A3 $BODY" "open again: any address"
expect ega "A $BLOCKED $A3" "open again: any name"
# A connection made while open is cut when the VM becomes allowlisted:
# a server in the internet sends a line every 0.2 s to whoever connects,
# the guest's nc reads them (and sends one every 0.2 s) until its
# connection ends.  After the switch no line gets through and the guest's
# next send is reset.
cat >"$W/ticker.py" <<'EOS'
import socket, sys, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9000))
s.listen(4)
print("listening", flush=True)
def serve(c):
    n = 0
    try:
        while True:
            n += 1
            c.sendall(b"tick %d\n" % n)
            print("sent", n, flush=True)
            time.sleep(0.2)
    except OSError as e:
        print("ended", e, flush=True)
while True:
    c, _ = s.accept()
    print("accepted", flush=True)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOS
ip netns exec "$INET" python3 "$W/ticker.py" "$NEVER" >"$W/ticker.log" 2>&1 &
ticker=$!
wait_until 30 grep -q '^listening$' "$W/ticker.log" ||
    fail "the ticker did not start: $(cat "$W/ticker.log")"
as_user t1 "$BIN/banger" vm exec ega -- sh -c \
    "while :; do echo up; sleep 0.2; done |
    timeout 15 nc $NEVER 9000 >/tmp/ticks; echo NC \$?; tail -n 1 /tmp/ticks" \
    >"$W/nc.out" 2>&1 &
ncjob=$!
wait_until 60 grep -q '^sent 5$' "$W/ticker.log" ||
    fail "the open guest's connection to $NEVER:9000 did not start: $(tail -n 3 "$W/ticker.log")"
run t1 vm egress ega allowlist "$ALLOWED"
expect_rc 0 "t1: vm egress ega allowlist $ALLOWED"
nsw=$(sed -n 's/^sent //p' "$W/ticker.log" | tail -n 1)
wait "$ncjob"
kill "$ticker"
wait "$ticker" 2>/dev/null
sed 's/^/  | /' "$W/nc.out"
grep -q '^sent 5$' "$W/ticker.log" &&
case $(grep '^NC ' "$W/nc.out") in
"NC 124" | "NC 143") fail "a connection made while open outlived the switch to allowlist" ;;
"NC "*) ok "allowlisted: the guest's connection made while open ended before its timeout" ;;
*) fail "the guest's nc did not report: $(cat "$W/nc.out")" ;;
esac
got=$(sed -n 's/^tick //p' "$W/nc.out")
[ "${got:-0}" -le $((nsw + 2)) ] &&
    ok "no line after the switch reached the guest (its last: $got; sent by the switch: $nsw)" ||
    fail "lines reached the guest after the switch (its last: $got; sent by the switch: $nsw)"
grep -qx "allowlist: $ALLOWED" "$W/out" ||
    fail "vm egress ega allowlist printed '$(cat "$W/out")'"
guest ega "$NEVER" "$WILD"
expect ega "GET $NEVER -" "allowlisted again: an address without DNS is refused"
expect ega "RC $WILD REFUSED" "the new list no longer allows $WILD"
run t1 vm egress ega bogus
expect_rc 2 "vm egress with a bad mode is a usage error"
run t1 vm egress ega
grep -qx "allowlist: $ALLOWED" "$W/out" &&
    ok "a refused change left the policy as it was" ||
    fail "after a refused change: '$(cat "$W/out")'"

# ---- stop and start: the policy holds ----------------------------------------------

run t1 vm stop ega
expect_rc 0 "t1: vm stop ega"
run t1 vm start ega
expect_rc 0 "t1: vm start ega"
a=$(vm_field t1 ega address)
guest ega "$NEVER" "$ALLOWED" "+$ALLOWED"
expect ega "GET $NEVER -" "after stop/start: still refused"
expect ega "GET $ALLOWED $BODY" "after stop/start: the allowed name works"

# ---- a guest taking its open sibling's address ---------------------------------------

# Count what gets past the bridge with egb's address: a table of the
# test's own in the test namespace, before banger's forward chain (past
# it the source is masqueraded).
ip netns exec "$NS" nft -f - <<EOF || fail "cannot add the counter in $NS"
table inet egtest {
	chain forward {
		type filter hook forward priority -10; policy accept;
		ip saddr $b tcp dport 8080 counter
	}
}
EOF
spoof=$(cat <<'EOS'
gw=$(ip route | awk '/^default/ {print $3}')
ip addr flush dev eth0
ip addr add "$1/24" dev eth0
ip route add default via "$gw" 2>/dev/null
timeout 15 wget -q -O - "http://$2:8080/hello" 2>&1
echo "SPOOF done"
EOS
)
run t1 vm exec ega -- sh -c "$spoof" spoof "$b" "$NEVER"
grep -q "SPOOF done" "$W/out" || fail "the spoofing guest did not finish"
grep -q "$BODY" "$W/out" && fail "ega, using egb's address, fetched from $NEVER"
n=$(ip netns exec "$NS" nft list table inet egtest |
    sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "$n" = 0 ] && ok "nothing from ega under egb's address left the bridge" ||
    fail "$n packets with egb's address $b from ega got past the bridge"
guest egb "$NEVER"
expect egb "GET $NEVER $BODY" "egb itself still reaches it"
n=$(ip netns exec "$NS" nft list table inet egtest |
    sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "${n:-0}" -gt 0 ] && ok "the counter counts egb's own packets ($n)" ||
    fail "the counter saw none of egb's own packets"

if [ "$FAILED" -gt 0 ]; then
	echo "  --- inet banger in $NS"
	ip netns exec "$NS" nft list table inet banger 2>&1 | sed 's/^/  | /'
	ip netns exec "$NS" nft list table bridge banger 2>&1 | sed 's/^/  | /'
	echo "  --- t1's bangerd.log, last lines"
	tail -n 40 "$(state_dir t1)/bangerd.log" 2>/dev/null | sed 's/^/  | /'
fi

run t1 vm delete ega egb
expect_rc 0 "t1: delete ega egb"
ip netns exec "$NS" nft delete table inet egtest
cleanup_egress
