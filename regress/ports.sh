# Published ports: `--publish` and `vm port`.  banger-net listens on the
# host's loopback and relays to the guest; only the VM's owner may
# connect (another user's and root's connections are closed unanswered);
# unpublishing, stopping and kill -9 of banger-net do what they say.
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

run t1 vm delete web
expect_rc 0 "vm delete"
wait_until 15 sh -c '! ip netns exec "$1" ss -Hltn "sport = :18081" |
    grep -q LISTEN' sh "$NS" || fail "18081 still listens after delete"
