# Published ports: `--publish` and `vm port`.  banger-net listens on the
# host's loopback and relays to the guest; only the VM's owner may
# connect (another user's and root's connections are closed unanswered);
# unpublishing, stopping and kill -9 of banger-net do what they say.
# unix:PATH publishes on a 0600 socket of the owner's instead: another
# user cannot open it, and one who could (CAP_DAC_OVERRIDE) is closed by
# banger-net; what is at PATH already is left alone.
. "$REGRESS/test-lib.sh"

# $1 user (or root), $2 port: what the published port answers, in $W/got.
fetch_as() {
	if [ "$1" = root ]; then
		ip netns exec "$NS" timeout 10 busybox wget -q -O - \
		    "http://127.0.0.1:$2/" >"$W/got" 2>&1
	else
		as_user "$1" timeout 10 busybox wget -q -O - \
		    "http://127.0.0.1:$2/" >"$W/got" 2>&1
	fi
	grep -qx published "$W/got"
}

serve='mkdir -p /root/srv && echo published >/root/srv/index.html &&
busybox httpd -p 8080 -h /root/srv'

run t1 vm create --name web --publish 18080:8080
expect_rc 0 "t1: vm create --publish 18080:8080"
run t1 vm exec web -- sh -c "$serve"
expect_rc 0 "t1: httpd in the guest"

wait_until 30 fetch_as t1 18080 && ok "the owner reaches the published port" ||
    fail "t1 cannot reach 127.0.0.1:18080: '$(cat "$W/got")'"
fetch_as t2 18080 && fail "another user (t2) reached t1's published port"
grep -q published "$W/got" && fail "t2 got data: '$(cat "$W/got")'"
fetch_as root 18080 && fail "root reached t1's published port"

run t1 vm port list web
expect_rc 0 "vm port list"
grep -q '127.0.0.1:18080' "$W/out" && grep -q listening "$W/out" ||
    fail "vm port list: '$(cat "$W/out")'"
run t1 vm show --json web
expect_rc 0 "vm show --json"
grep -q '127.0.0.1:18080' "$W/out" || fail "vm show --json has no port"

# Refusals change nothing.
run t1 vm port publish web 18080:9090
[ "$RC" != 0 ] || fail "publishing a host port twice: exit 0"
grep -q "already published" "$W/err" || fail "clash: '$(cat "$W/err")'"
run t1 vm port publish web 0.0.0.0:18082:8080
[ "$RC" != 0 ] || fail "0.0.0.0 accepted"
grep -q "loopback" "$W/err" || fail "0.0.0.0: '$(cat "$W/err")'"
fetch_as t1 18080 || fail "a refused publish broke the port"

# Below 1024: banger-priv binds the listener where priv.conf's
# publish_low_ports allows (the suite's lists 80), still for the owner
# only; another port below 1024 is the port's error, nothing else.
run t1 vm port publish web 80:8080
expect_rc 0 "vm port publish 80:8080 (in publish_low_ports)"
wait_until 30 fetch_as t1 80 && ok "the owner reaches port 80" ||
    fail "t1 cannot reach 127.0.0.1:80: '$(cat "$W/got")'"
fetch_as t2 80 && fail "another user (t2) reached t1's port 80"
fetch_as root 80 && fail "root reached t1's port 80"
run t1 vm port publish web 81:8080
expect_rc 0 "vm port publish 81:8080 (not in publish_low_ports)"
port81() {
	banger_as t1 vm port list web >"$W/out" 2>&1
	grep -q "127.0.0.1:81 -> 8080  error: .*publish_low_ports" "$W/out"
}
wait_until 30 port81 && ok "port 81: $(grep ':81 ' "$W/out")" ||
    fail "port 81 not refused by the policy: '$(cat "$W/out")'"
fetch_as t1 18080 || fail "the refused low port broke another port"
run t1 vm port unpublish web 81:8080
expect_rc 0 "vm port unpublish 81"
# Restarted, banger-net gets the listener again from bangerd.
np=$(pgrep -U "$(user_uid t1)" -x banger-net | head -n 1)
if [ -n "$np" ]; then
	kill -KILL "$np"
	wait_until 60 fetch_as t1 80 &&
	    ok "port 80 works again after kill -9 of banger-net" ||
	    fail "port 80 after kill -9 of banger-net: '$(cat "$W/got")'"
else
	fail "t1 has no banger-net"
fi
run t1 vm port unpublish web 80:8080
expect_rc 0 "vm port unpublish 80"
wait_until 15 sh -c '! ip netns exec "$1" ss -Hltn "sport = :80" |
    grep -q .' _ "$NS" && ok "port 80 closed after unpublish" ||
    fail "port 80 still listens after unpublish"

# Another port at run time, then the first one goes.
run t1 vm port publish web 18081:8080
expect_rc 0 "vm port publish 18081:8080"
wait_until 15 fetch_as t1 18081 && ok "a port published at run time works" ||
    fail "18081: '$(cat "$W/got")'"
run t1 vm port unpublish web 18080:8080
expect_rc 0 "vm port unpublish 18080"
wait_until 15 sh -c '! ip netns exec "$1" ss -Hltn "sport = :18080" |
    grep -q LISTEN' sh "$NS" && ok "18080 no longer listens" ||
    fail "18080 still listens after unpublish"
fetch_as t1 18080 && fail "18080 answers after unpublish"

# banger-net killed: bangerd restarts it and the port comes back.
np=$(pgrep -u "$(user_name t1)" -x banger-net | head -n 1)
if [ -n "$np" ]; then
	kill -9 "$np"
	wait_until 30 fetch_as t1 18081 && ok "18081 back after kill -9 of banger-net" ||
	    fail "18081 after kill -9: '$(cat "$W/got")'"
else
	fail "no banger-net process for t1"
fi

# Stopped, the port waits; started again, it serves.
run t1 vm stop web
expect_rc 0 "vm stop"
run t1 vm port list web
grep -q waiting "$W/out" || fail "stopped VM's port: '$(cat "$W/out")'"
run t1 vm start web
expect_rc 0 "vm start"
run t1 vm exec web -- sh -c 'busybox httpd -p 8080 -h /root/srv'
wait_until 30 fetch_as t1 18081 && ok "the port serves again after a restart" ||
    fail "18081 after restart: '$(cat "$W/got")'"

# ---- unix:PATH ------------------------------------------------------------
SD=$W/sock
mkdir -p "$SD"
chown "$(user_name t1)" "$SD"
chmod 0755 "$SD"
US=$SD/web.sock

# $1 user: what the unix: port answers, in $W/got.
ufetch_as() {
	as_user "$1" timeout 10 curl -sS --max-time 8 --unix-socket "$US" \
	    http://web/ >"$W/got" 2>&1
	grep -qx published "$W/got"
}

# A regular file at PATH is refused and left as it was.
as_user t1 sh -c 'echo mine >"$1"' _ "$SD/file.sock"
run t1 vm port publish web "unix:$SD/file.sock:8080"
[ "$RC" != 0 ] || fail "publishing onto a regular file: exit 0"
grep -q "exists and is not a socket: remove it" "$W/err" ||
    fail "a file at PATH: '$(cat "$W/err")'"
[ -f "$SD/file.sock" ] && [ "$(cat "$SD/file.sock")" = mine ] &&
    ok "the regular file at PATH is refused and unchanged" ||
    fail "the regular file at PATH changed: $(ls -l "$SD")"
run t1 vm port list web
grep -q file.sock "$W/out" && fail "the refused unix: port was kept"
run t1 vm port publish web "unix:$SD/nodir/x.sock:8080"
[ "$RC" != 0 ] || fail "publishing into a missing directory: exit 0"
grep -q "directory does not exist" "$W/err" ||
    fail "missing directory: '$(cat "$W/err")'"

# A relative PATH is the CLI's: made absolute against its directory.
trace "[t1] cd $SD && banger vm port publish web unix:web.sock:8080"
as_user t1 sh -c 'cd "$1" && exec "$2" vm port publish web \
    unix:web.sock:8080' _ "$SD" "$BIN/banger" >"$W/out" 2>"$W/err"
RC=$?
show "$W/err" stderr
expect_rc 0 "vm port publish web unix:web.sock:8080 (relative)"
wait_until 30 ufetch_as t1 && ok "the owner fetches through unix:$US" ||
    fail "t1 through $US: '$(cat "$W/got")'"
m=$(stat -c '%A %U' "$US")
[ "$m" = "srw------- $(user_name t1)" ] && ok "$US is $m" ||
    fail "$US is '$m', not srw------- $(user_name t1)"
run t1 vm port list web
grep -q "unix:$US -> 8080  listening" "$W/out" ||
    fail "vm port list: '$(cat "$W/out")'"
vm_list_json t1 && jq -e --arg s "unix:$US:8080" --arg h "unix:$US" \
    '.[] | select(.name == "web") | .ports[] | select(.spec == $s and
    .host == $h and .guest == 8080)' "$W/list.json" >/dev/null ||
    fail "vm list --json: $(cat "$W/list.json")"
ufetch_as t2 && fail "another user (t2) fetched through t1's socket"
grep -q published "$W/got" && fail "t2 got data: '$(cat "$W/got")'"
# t2 with CAP_DAC_OVERRIDE may open the file: its connection is made,
# and banger-net closes it (SO_PEERCRED) before a byte comes back.
peer_fetch() {
	ip netns exec "$NS" setpriv --reuid="$(user_uid t2)" \
	    --regid="$(user_gid t2)" --clear-groups \
	    --inh-caps=+dac_override --ambient-caps=+dac_override \
	    timeout 10 python3 -c 'import socket, sys
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1])
print("connected")
got = b""
try:
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    while True:
        b = c.recv(4096)
        if not b:
            break
        got += b
except OSError:
    pass
print("got %d bytes" % len(got))
sys.stdout.write(got.decode("latin-1"))' "$US" >"$W/got" 2>&1
}
peer_fetch
grep -q published "$W/got" &&
    fail "t2 with CAP_DAC_OVERRIDE fetched through t1's socket"
[ "$(head -n 2 "$W/got")" = "connected
got 0 bytes" ] && ok "t2 (able to open the file) is closed by banger-net" ||
    fail "t2 with CAP_DAC_OVERRIDE: '$(cat "$W/got")'"

# Restarted, banger-net gets the socket again from bangerd.
np=$(pgrep -u "$(user_name t1)" -x banger-net | head -n 1)
if [ -n "$np" ]; then
	kill -9 "$np"
	wait_until 60 ufetch_as t1 &&
	    ok "unix: port works again after kill -9 of banger-net" ||
	    fail "unix: port after kill -9: '$(cat "$W/got")'"
else
	fail "no banger-net process for t1"
fi

run t1 vm port unpublish web "unix:$US:8080"
expect_rc 0 "vm port unpublish unix:"
wait_until 15 sh -c '! [ -e "$1" ]' _ "$US" &&
    ok "unpublish removed $US" || fail "$US left after unpublish"
ufetch_as t1 && fail "$US answers after unpublish"

# Published again: stopping the VM removes the socket, starting it
# makes it again, and deleting the VM removes it (below).
run t1 vm port publish web "unix:$US:8080"
expect_rc 0 "vm port publish unix: again"
wait_until 30 ufetch_as t1 || fail "unix: again: '$(cat "$W/got")'"
run t1 vm stop web
expect_rc 0 "vm stop (unix: port)"
wait_until 15 sh -c '! [ -e "$1" ]' _ "$US" &&
    ok "vm stop removed $US" || fail "$US left after vm stop"
run t1 vm start web
expect_rc 0 "vm start (unix: port)"
wait_until 15 test -S "$US" && ok "vm start made $US again" ||
    fail "no $US after vm start"

run t1 vm delete web
expect_rc 0 "vm delete"
wait_until 15 sh -c '! [ -e "$1" ]' _ "$US" &&
    ok "vm delete removed $US" || fail "$US left after vm delete"
[ "$(cat "$SD/file.sock")" = mine ] || fail "$SD/file.sock changed"
wait_until 15 sh -c '! ip netns exec "$1" ss -Hltn "sport = :18081" |
    grep -q LISTEN' sh "$NS" || fail "18081 still listens after delete"
