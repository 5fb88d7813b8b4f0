# banger-net's DNS (issue 8): each user's bangerd runs one banger-net, as
# that user, answering on the user's gateway (the bridge's address, which a
# guest's resolv.conf names) over UDP and TCP.  NAME.vm gives the address
# vm list reports for the same user's VM NAME, another user's VM names give
# NXDOMAIN and AAAA gives an empty NOERROR answer; every other name goes to
# dns_upstream from config.toml.  The host asks the gateway with drill.
# Malformed messages (RFC 9267) get no answer or FORMERR and a query flood
# from a guest does not take banger-net down; after kill -9 bangerd starts
# it again and names answer again; a VM stopped and started again
# answers again under its name.
#
# Topology, all inside namespaces this run created (as network.sh):
#   guest -- bgtapN -- bgbrUID [$NS] bgup0 198.51.100.1 ==veth==
#       198.51.100.2 bgup1 [$NS-inet] dnsmasq :53 (the upstream, which
#       knows www.example.test, *.flood.example.test and nothing else),
#       busybox httpd :8080
# Waits for an answer that may never come (a dropped malformed packet,
# a query lost to rate limiting) are bounded by timeout(1); "no answer"
# is an accepted result there, never a failure.
. "$REGRESS/test-lib.sh"

WWW=www.example.test
BODY=dns-www-ok

command -v drill >/dev/null || fatal "drill not installed (ldnsutils)"
command -v dnsmasq >/dev/null || fatal "dnsmasq not installed (dnsmasq-base)"
command -v bash >/dev/null || fatal "bash not installed (raw UDP via /dev/udp)"

inet_up || fatal "cannot set up the test's internet ($INET)"

mkdir -p "$W/www"
echo "$BODY" >"$W/www/hello"
chmod -R a+rX "$W/www"
ip netns exec "$INET" busybox httpd -f -p "$UP_INET:8080" -h "$W/www" \
    -u nobody:nogroup &
httpd=$!
# The upstream: authoritative for example.test (other names there are
# NXDOMAIN), no other server, in the foreground, logging each query.
ip netns exec "$INET" dnsmasq --keep-in-foreground --conf-file=/dev/null \
    --no-resolv --no-hosts --no-poll --pid-file= --bind-interfaces \
    --listen-address="$UP_INET" --local=/example.test/ --local-ttl=60 \
    --host-record="$WWW,$UP_INET" --address=/flood.example.test/"$UP_INET" \
    --log-facility=- --log-queries \
    >"$W/dnsmasq.log" 2>&1 &
dnsd=$!

cfg_files=
cleanup_dns() {
	kill "$httpd" "$dnsd" 2>/dev/null
	wait "$httpd" "$dnsd" 2>/dev/null
	ip netns delete "$INET" 2>/dev/null
	rm -f $cfg_files
}

# dq SERVER NAME TYPE [DRILL-OPTION...]: ask SERVER from the test
# namespace (where the bridges are).  drill's output in $W/drill, the
# rcode in DQ_RC ("" if no answer), the answer section's records of TYPE
# in DQ_ADDR (space-separated).
dq() {
	_ds=$1
	_dn=$2
	_dt=$3
	shift 3
	ip netns exec "$NS" timeout 15 drill "$@" "$_dn" "@$_ds" "$_dt" \
	    >"$W/drill" 2>&1
	DQ_RC=$(sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p' "$W/drill" | head -n 1)
	DQ_ADDR=$(awk -v t="$_dt" '
	    /^;; ANSWER SECTION/ { a = 1; next }
	    /^;;/ { a = 0 }
	    a && $4 == t { print $5 }' "$W/drill" | tr '\n' ' ')
	DQ_ADDR=${DQ_ADDR% }
}

# answers SERVER NAME WANT [DRILL-OPTION...]: NAME's A records are WANT.
answers() {
	_as=$1
	_an=$2
	_aw=$3
	shift 3
	dq "$_as" "$_an" A "$@"
	[ "$DQ_RC" = NOERROR ] && [ "$DQ_ADDR" = "$_aw" ]
}

# check_answer WHAT SERVER NAME WANT [DRILL-OPTION...]
check_answer() {
	_cw=$1
	shift
	if answers "$@"; then
		ok "$_cw: $2 -> $3"
	else
		fail "$_cw: $2 at $1 gave rcode '$DQ_RC' A '$DQ_ADDR', want NOERROR '$3'"
		sed 's/^/  | /' "$W/drill"
	fi
}

# check_nx WHAT SERVER NAME
check_nx() {
	_cw=$1
	shift
	dq "$1" "$2" A
	if [ "$DQ_RC" = NXDOMAIN ] && [ -z "$DQ_ADDR" ]; then
		ok "$_cw: $2 NXDOMAIN"
	else
		fail "$_cw: $2 at $1 gave rcode '$DQ_RC' A '$DQ_ADDR', want NXDOMAIN"
		sed 's/^/  | /' "$W/drill"
	fi
}

# The banger-net processes of USER (pids, one line).
net_pids() {
	echo $(pgrep -U "$(user_uid "$1")" -x banger-net 2>/dev/null)
}

# One live banger-net of USER, in the test namespace, all uids USER's;
# its pid in NETPID.
check_net_proc() {
	NETPID=$(live_pids $(net_pids "$1"))
	case $NETPID in
	"")	fail "$1 has no banger-net process"; return 1 ;;
	*" "*)	fail "$1 has more than one banger-net: $NETPID"; return 1 ;;
	esac
	runs_as "$NETPID" "$1" ||
	    fail "$1's banger-net $NETPID runs as uids '$(uids_of "$NETPID")'"
	pid_in_ns "$NETPID" ||
	    fail "$1's banger-net $NETPID is not in the test namespace"
	ok "$1's banger-net is pid $NETPID"
}

bridge_addr() {
	ip -n "$NS" -4 -o addr show dev "bgbr$(user_uid "$1")" 2>/dev/null |
	    sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1
}

# The upstream works, seen from the test namespace.
wait_until 15 answers "$UP_INET" "$WWW" "$UP_INET" ||
    { cleanup_dns; fatal "test upstream broken: $(cat "$W/drill")"; }
wait_until 15 ns_fetch "http://$UP_INET:8080/hello" "$BODY" ||
    { cleanup_dns; fatal "test internet broken: '$(cat "$W/got")'"; }

# Both users forward to the test's upstream, never the host's resolvers.
for u in t1 t2; do
	n=$(user_name "$u")
	d=$(user_home "$u")/.config/banger
	install -d -m 0700 -o "$n" "$(user_home "$u")/.config" "$d"
	printf 'dns_upstream = ["%s"]\n' "$UP_INET" >"$d/config.toml"
	chown "$n" "$d/config.toml"
	cfg_files="$cfg_files $d/config.toml"
done

run t2 vm create --name dnsc
expect_rc 0 "t2: vm create --name dnsc"
c=$(vm_field t2 dnsc address)
run t1 vm create --name dnsa
expect_rc 0 "t1: vm create --name dnsa"
a=$(vm_field t1 dnsa address)
echo "  dnsa $a, dnsc $c"
case $a in "$POOL_PREFIX"*) ;; *) cleanup_dns; fatal "dnsa address '$a' not in the pool" ;; esac
case $c in "$POOL_PREFIX"*) ;; *) cleanup_dns; fatal "dnsc address '$c' not in the pool" ;; esac
gw=$(bridge_addr t1)
gw2=$(bridge_addr t2)
echo "  t1 gateway $gw, t2 gateway $gw2"
[ -n "$gw" ] && [ -n "$gw2" ] || { cleanup_dns; fatal "no bridge address"; }

# ---- the process, and names asked from the host ----------------------------

# bangerd starts banger-net once the bridge exists: give it the time.
wait_until 60 answers "$gw" dnsa.vm "$a" ||
    fail "t1's gateway $gw never answered dnsa.vm (rcode '$DQ_RC', A '$DQ_ADDR')"
check_net_proc t1
pid1=$NETPID
check_answer "host, UDP" "$gw" dnsa.vm "$a"
check_answer "host, TCP" "$gw" dnsa.vm "$a" -t
# Any case: names are case-insensitive (RFC 4343).
check_answer "host, mixed case" "$gw" DnsA.Vm "$a"
dq "$gw" dnsa.vm AAAA
[ "$DQ_RC" = NOERROR ] && [ -z "$DQ_ADDR" ] &&
    ! grep -q '[[:space:]]AAAA[[:space:]]' "$W/drill" &&
    ok "AAAA dnsa.vm: empty NOERROR" ||
    { fail "AAAA dnsa.vm gave rcode '$DQ_RC' '$DQ_ADDR', want an empty NOERROR"; sed 's/^/  | /' "$W/drill"; }
check_nx "t1 asks for t2's VM" "$gw" dnsc.vm
check_nx "t1 asks for a VM that does not exist" "$gw" nosuch.vm
wait_until 60 answers "$gw2" dnsc.vm "$c" ||
    fail "t2's gateway $gw2 never answered dnsc.vm (rcode '$DQ_RC', A '$DQ_ADDR')"
check_net_proc t2
check_nx "t2 asks for t1's VM" "$gw2" dnsa.vm

# ---- names asked from a guest ------------------------------------------------

# One line per fact for the host to check: "A LABEL ADDR" for each
# address of an answer, "NX LABEL" for NXDOMAIN.
script=$(cat <<'EOS'
gw=$(ip route | awk '/^default/ {print $3}')
echo "GW $gw"
echo "RESOLV $(grep nameserver /etc/resolv.conf | tr '\n' ' ')"
echo "ME $(ip -4 -o addr show dev eth0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p')"
# q LABEL NAME [SERVER]
q() {
	out=$(timeout 30 nslookup -type=a "$2" $3 2>&1)
	echo "$out" | sed "s/^/  [$1] /"
	echo "$out" | awk -v n="$1" '/^Name:/ { a = 1; next }
	    a && /^Address/ { print "A " n " " $NF }'
	echo "$out" | grep -q NXDOMAIN && echo "NX $1"
	return 0
}
q dnsa.vm dnsa.vm "$gw"
q dnsb.vm dnsb.vm "$gw"
q dnsc.vm dnsc.vm "$gw"
q www.example.test www.example.test "$gw"
q nosuch.example.test nosuch.example.test "$gw"
# Through resolv.conf, as programs resolve.
q resolv.conf:dnsa.vm dnsa.vm
echo "HTTP $(timeout 30 wget -q -O - http://www.example.test:8080/hello 2>&1)"
EOS
)
run t1 vm run --name dnsb -- sh -c "$script" guest
expect_rc 0 "t1: guest DNS script in dnsb"
cp "$W/out" "$W/dnsb.out"
b=$(vm_field t1 dnsb address)
echo "  dnsb $b"
g=$(sed -n 's/^GW //p' "$W/dnsb.out")
[ "$g" = "$gw" ] || fail "guest gateway '$g', t1's bridge has '$gw'"
grep -qx "RESOLV nameserver $gw " "$W/dnsb.out" ||
    fail "guest resolv.conf: '$(grep ^RESOLV "$W/dnsb.out")', want nameserver $gw"
# guest_a NAME ADDR: the guest's answers for NAME are exactly ADDR.
guest_a() {
	_ga=$(grep "^A $1 " "$W/dnsb.out" | cut -d' ' -f3 | tr '\n' ' ')
	if [ "$_ga" = "$2 " ]; then
		ok "guest: $1 -> $2"
	else
		fail "guest: $1 gave '$_ga', want '$2'"
	fi
}
guest_a dnsa.vm "$a"
guest_a dnsb.vm "$b"
guest_a "$WWW" "$UP_INET"
guest_a resolv.conf:dnsa.vm "$a"
grep -qx "NX dnsc.vm" "$W/dnsb.out" && ! grep -q "^A dnsc.vm " "$W/dnsb.out" &&
    ok "guest: t2's dnsc.vm NXDOMAIN" ||
    fail "guest: t2's VM name dnsc.vm did not give NXDOMAIN"
grep -qx "NX nosuch.example.test" "$W/dnsb.out" ||
    fail "guest: the upstream's NXDOMAIN for nosuch.example.test did not come through"
grep -qx "HTTP $BODY" "$W/dnsb.out" && ok "guest fetched http://$WWW:8080/hello" ||
    fail "guest: wget http://$WWW:8080/hello gave '$(sed -n 's/^HTTP //p' "$W/dnsb.out")'"
grep -q "query\[A\] $WWW from $UP_NS" "$W/dnsmasq.log" ||
    fail "the upstream never saw a query for $WWW (forwarded from $UP_NS)"

# ---- malformed messages (RFC 9267) -------------------------------------------

# NAME BODY: BODY is the message, each byte either itself or =NNN in
# octal (printf's \NNN once = is turned into a backslash: kept out of
# the strings so that no log shows raw bytes).  The header is a query (RD,
# one question) unless the case is about the header.
Q='=125=125=001=000=000=001=000=000=000=000=000=000'
QT='=000=001=000=001'
WWWN='=003www=007example=004test=000'
a63=$(printf '%063d' 0 | tr 0 a)
cases="selfptr $Q=300=014$QT
ptrloop $Q=300=016=300=014$QT
ptrout $Q=300=377$QT
labelpast $Q=077abc
longname $Q=077$a63=077$a63=077$a63=077$a63=077$a63=000$QT
labeltype $Q=100abc=000$QT
qdcount =125=125=001=000=377=377=000=000=000=000=000=000$WWWN$QT
shorthdr =125=125=001=000=000
rdlength =125=125=001=000=000=001=000=000=000=000=000=001$WWWN$QT=000=000=051=020=000=000=000=000=000=377=377"

# formerr_or_none WHAT HEX SKIP: the answer (hex bytes; SKIP bytes before
# the DNS header) is absent or a response with RCODE FORMERR.
formerr_or_none() {
	if [ -z "$2" ]; then
		ok "$1: no answer"
		return
	fi
	_f3=$(echo $2 | cut -d' ' -f$(($3 + 3)))
	_f4=$(echo $2 | cut -d' ' -f$(($3 + 4)))
	if [ -n "$_f4" ] && [ $((0x$_f3 & 0x80)) != 0 ] &&
	    [ $((0x$_f4 & 0x0f)) = 1 ]; then
		ok "$1: FORMERR"
	else
		fail "$1: answered '$2', want no answer or FORMERR"
	fi
}

# From the host, over UDP (bash's /dev/udp: busybox nc has no UDP).
while read -r name body; do
	hex=$(ip netns exec "$NS" bash -c \
	    'exec 3<>"/dev/udp/$1/53" || exit 1
	    printf "$(printf %s "$2" | tr = "\\\\")" >&3
	    timeout 3 dd bs=65536 count=1 status=none <&3' raw "$gw" "$body" \
	    </dev/null | od -An -tx1 -v | tr -s ' \n' '  ')
	formerr_or_none "UDP $name" "$(echo $hex)" 0
done <<EOC
$cases
EOC

# From a guest, over TCP (two length bytes, then the message).
tcpscript=$(cat <<'EOS'
gw=$(ip route | awk '/^default/ {print $3}')
echo "$1" | while read -r name body; do
	body=$(printf %s "$body" | tr = '\\')
	len=$(printf "$body" | wc -c)
	hex=$( { printf "$(printf '\\%03o\\%03o' $((len / 256)) $((len % 256)))"
	    printf "$body"; } | timeout 5 nc "$gw" 53 | od -An -tx1 -v |
	    tr -s ' \n' '  ')
	echo "TCP $name" $hex
done
EOS
)
run t1 vm exec dnsb -- sh -c "$tcpscript" guest "$cases"
expect_rc 0 "t1: malformed messages over TCP from dnsb"
while read -r name body; do
	l=$(grep "^TCP $name\( \|\$\)" "$W/out")
	[ -n "$l" ] || { fail "TCP $name: the guest did not report"; continue; }
	formerr_or_none "TCP $name" "$(echo ${l#TCP $name})" 2
done <<EOC
$cases
EOC

pid_alive "$pid1" && [ "$(net_pids t1)" = "$pid1" ] &&
    ok "banger-net $pid1 survived the malformed messages" ||
    fail "t1's banger-net $pid1 did not survive the malformed messages (now: '$(net_pids t1)')"
check_answer "after the malformed messages" "$gw" dnsa.vm "$a"

# ---- a query flood from a guest ------------------------------------------------

# UDP: $1 queries from $2 parallel loops of nslookup (one process per
# query, the fastest busybox has), alternating a .vm name and a forwarded
# one (the upstream answers every NAME.flood.example.test); counts the
# answered, which rate limiting may make fewer.  TCP: $3 queries
# pipelined on one connection (RFC 7766), as fast as nc writes.
flood=$(cat <<'EOS'
gw=$(ip route | awk '/^default/ {print $3}')
per=$(($1 / $2))
t0=$(date +%s)
i=0
while [ $i -lt $2 ]; do
	(
		j=0
		n=0
		while [ $j -lt $per ]; do
			if [ $((j % 2)) = 0 ]; then h=dnsa.vm; else h=f$i-$j.flood.example.test; fi
			nslookup -type=a -timeout=1 -retry=1 $h "$gw" \
			    >/dev/null 2>&1 && n=$((n + 1))
			j=$((j + 1))
		done
		echo $n >/tmp/answered.$i
	) &
	i=$((i + 1))
done
wait
echo "FLOOD udp sent $((per * $2)) answered $(cat /tmp/answered.* | awk '{ s += $1 } END { print s }') in $(($(date +%s) - t0)) s"
# One query: length 26, an ID of two digits (printf turns escapes into
# bytes before it formats), RD, one question t$k.vm, A IN.
k=0
while [ $k -lt $3 ]; do
	printf '\000\032%02d\001\000\000\001\000\000\000\000\000\000\005t%04d\002vm\000\000\001\000\001' \
	    $((k % 100)) $((k % 10000))
	k=$((k + 1))
done >/tmp/burst
t0=$(date +%s)
got=$(timeout 20 nc "$gw" 53 </tmp/burst | wc -c)
echo "FLOOD tcp sent $(wc -c </tmp/burst) bytes got $got bytes in $(($(date +%s) - t0)) s"
EOS
)
dlog=$(state_dir t1)/bangerd.log
dsize=$(stat -c %s "$dlog" 2>/dev/null || echo 0)
with_timeout 800 run t1 vm exec dnsb -- sh -c "$flood" guest 3000 20 3000
expect_rc 0 "t1: query flood from dnsb"
grep -q '^FLOOD tcp' "$W/out" || fail "the flood script did not finish"
echo "  bangerd.log grew by $(($(stat -c %s "$dlog" 2>/dev/null || echo 0) - dsize)) bytes during the flood"
pid_alive "$pid1" && [ "$(net_pids t1)" = "$pid1" ] &&
    ok "banger-net $pid1 survived the flood" ||
    fail "t1's banger-net $pid1 did not survive the flood (now: '$(net_pids t1)')"
# Answers come back once the flood is over (rate limits refill).
wait_until 60 answers "$gw" dnsa.vm "$a" ||
    fail "after the flood: dnsa.vm at $gw gave rcode '$DQ_RC' A '$DQ_ADDR'"
run t1 vm exec dnsb -- sh -c 'timeout 30 nslookup -type=a dnsa.vm'
grep -q "^Address: $a\$" "$W/out" && ok "after the flood: dnsb resolves dnsa.vm" ||
    fail "after the flood: dnsb does not resolve dnsa.vm"

# ---- kill -9: bangerd starts banger-net again ---------------------------------

if pid_alive "$pid1" && runs_as "$pid1" t1; then
	trace "kill -9 $pid1 (t1's banger-net)"
	kill -KILL "$pid1"
	wait_until 30 pid_gone "$pid1" || fail "banger-net $pid1 outlived kill -9"
	new_net() {
		_nn=$(live_pids $(net_pids t1))
		[ -n "$_nn" ] && [ "$_nn" != "$pid1" ]
	}
	wait_until 60 new_net ||
	    fail "bangerd did not start banger-net again after kill -9"
	check_net_proc t1
	wait_until 60 answers "$gw" dnsa.vm "$a" ||
	    fail "after kill -9: dnsa.vm at $gw gave rcode '$DQ_RC' A '$DQ_ADDR'"
	check_answer "after kill -9, TCP" "$gw" dnsa.vm "$a" -t
	run t1 vm exec dnsb -- sh -c "timeout 30 nslookup -type=a $WWW"
	grep -q "^Address: $UP_INET\$" "$W/out" &&
	    ok "after kill -9: dnsb resolves $WWW through the upstream" ||
	    fail "after kill -9: dnsb does not resolve $WWW"
else
	fail "no banger-net of t1 to kill (pid '$pid1')"
fi

# ---- a VM stopped and started again keeps its name ------------------------------

run t1 vm stop dnsa
expect_rc 0 "t1: vm stop dnsa"
run t1 vm start dnsa
expect_rc 0 "t1: vm start dnsa"
a=$(vm_field t1 dnsa address)
wait_until 60 answers "$gw" dnsa.vm "$a" &&
    ok "after vm stop/start: dnsa.vm -> $a" ||
    fail "after vm stop/start: dnsa.vm at $gw gave rcode '$DQ_RC' A '$DQ_ADDR', want '$a'"

if [ "$FAILED" -gt 0 ]; then
	echo "  --- the test users' banger-net processes"
	for u in t1 t2; do
		for p in $(net_pids "$u"); do
			ps -o pid=,ppid=,user=,stat=,etime=,args= -p "$p"
		done
	done | sed 's/^/  | /'
	echo "  --- sockets in $NS"
	ip netns exec "$NS" ss -lnup 2>/dev/null | sed 's/^/  | /'
	ip netns exec "$NS" ss -lntp 2>/dev/null | sed 's/^/  | /'
	echo "  --- upstream (dnsmasq) log, last lines"
	tail -n 20 "$W/dnsmasq.log" | sed 's/^/  | /'
	echo "  --- t1's bangerd.log, last lines"
	tail -n 40 "$dlog" 2>/dev/null | sed 's/^/  | /'
fi

run t1 vm delete dnsa dnsb
expect_rc 0 "t1: delete dnsa dnsb"
run t2 vm delete dnsc
expect_rc 0 "t2: delete dnsc"
cleanup_dns
