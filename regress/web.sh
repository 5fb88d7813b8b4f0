# The web view: web_listen_addr makes bangerd start banger-web on that
# loopback address; `banger web` prints the URL with the token.  A real
# headless browser (Debian's chromium) shows a running VM and its console
# log and its sessions (banger-web asks the guest as `vm session list`
# does); a request without the token, with a wrong Host, or a POST from
# another origin is refused (a cross-site form in the browser too, even
# one that knows the token); a POST with the token from the page's own
# origin stops the VM, and one with the confirm box deletes it.
. "$REGRESS/test-lib.sh"

command -v chromium >/dev/null ||
    skip "chromium is not installed (.ci/deps.sh installs it)"
command -v curl >/dev/null || skip "curl is not installed"

PORT=18480
EVIL=127.0.0.2:18481
ADDR=127.0.0.1:$PORT
cfgdir=$(user_home t1)/.config/banger
install -d -m 0700 -o banger-t1 "$(user_home t1)/.config" "$cfgdir"
put_config() {
	printf '%s\n' "$@" >"$cfgdir/config.toml"
	chown banger-t1 "$cfgdir/config.toml"
}

# Only loopback: refused, and said so, before anything starts.
put_config 'web_listen_addr = "0.0.0.0:18480"'
run t1 web
[ "$RC" != 0 ] || fail "web_listen_addr 0.0.0.0 accepted"
grep -q "loopback" "$W/err" || fail "0.0.0.0: '$(cat "$W/err")'"
put_config 'web_listen_addr = "localhost:18480"'
run t1 web
[ "$RC" != 0 ] || fail "web_listen_addr localhost (a name) accepted"

# Off unless set: no banger-web, and banger web says how to turn it on.
rm -f "$cfgdir/config.toml"
run t1 daemon stop
run t1 web
[ "$RC" != 0 ] || fail "banger web without web_listen_addr: exit 0"
grep -q "web_listen_addr" "$W/err" || fail "off: '$(cat "$W/err")'"
pgrep -U "$(user_uid t1)" -x banger-web >/dev/null &&
    fail "banger-web runs without web_listen_addr"

put_config "web_listen_addr = \"$ADDR\""
run t1 daemon stop

# Another user on the port first (on the address, then on the wildcard
# address, which gets its connections too): banger web does not hand
# the token to it.
squat() {
	_what=$1
	_pat=$2
	shift 2
	as_user t2 "$@" >/dev/null 2>&1 &
	wait_until 10 sh -c "ip netns exec $NS ss -Hltn | grep -q ':$PORT '" ||
	    fail "t2's listener on port $PORT did not come up"
	run t1 web
	[ "$RC" != 0 ] || fail "banger web with t2 on the port ($_what): exit 0"
	grep -q "token=" "$W/out" && fail "the token went out with t2 on the port"
	grep -q "held by uid $(user_uid t2)" "$W/err" &&
	    ok "banger web refuses t2's listener ($_what)" ||
	    fail "t2 on the port ($_what): '$(cat "$W/err")'"
	# t1's banger-web must not take the port before the next squatter.
	run t1 daemon stop
	for _p in $(pgrep -U "$(user_uid t2)" -f "$_pat"); do
		kill "$_p"
	done
	wait_until 10 sh -c "! ip netns exec $NS ss -Hltn | grep -q ':$PORT '" ||
	    fail "t2's listener ($_what) did not go"
}
squat "on $ADDR" "^python3 -c import socket" python3 -c "import socket, time
s = socket.socket()
s.bind(('127.0.0.1', $PORT))
s.listen()
time.sleep(100)"
squat "on 0.0.0.0" "^busybox nc -l -p $PORT" busybox nc -l -p "$PORT"

run t1 vm run --name webvm -- sh -c 'echo web-console-marker-4711 >/dev/console'
expect_rc 0 "vm run --name webvm"
vm_is_running t1 webvm || fatal "webvm is not running"

# banger-web binds again after its back-off.
web_ok() {
	banger_as t1 web >"$W/out" 2>"$W/err"
}
wait_until 120 web_ok && ok "banger web: exit 0" ||
    fail "banger web: '$(cat "$W/err")'"
URL=$(cat "$W/out")
TOKEN=${URL##*token=}
case $URL in
"http://$ADDR/?token="*) ok "banger web: http://$ADDR/?token=..." ;;
*) fatal "banger web printed '$URL'" ;;
esac
echo "$TOKEN" | grep -Eqx '[0-9a-f]{64}' || fail "token '$TOKEN'"
tf=$(state_dir t1)/web-token
[ "$(stat -c '%a %U' "$tf")" = "600 banger-t1" ] ||
    fail "token file: $(stat -c '%a %U' "$tf")"
wp=$(pgrep -U "$(user_uid t1)" -x banger-web | head -n 1)
if [ -n "$wp" ]; then
	runs_as "$wp" t1 || fail "banger-web does not run as t1"
	[ "$(proc_status "$wp" NoNewPrivs)" = 1 ] ||
	    fail "banger-web without no_new_privs"
	[ "$(proc_status "$wp" Seccomp)" = 2 ] ||
	    fail "banger-web without a seccomp filter"
	tr '\0' ' ' </proc/"$wp"/cmdline | grep -q "$TOKEN" &&
	    fail "the token is on banger-web's command line"
else
	fail "no banger-web process"
fi

# A session in the guest, for the page to list.
run t1 vm session start webvm --name websess-7 -- sleep 600
expect_rc 0 "vm session start webvm --name websess-7"

# The browser: the page, with the VM, its session and its console log.
B=$W/chrome
install -d -o banger-t1 -m 0700 "$B"
browse() {
	as_user t1 env HOME="$B" timeout 120 chromium --headless \
	    --no-sandbox --disable-gpu --no-first-run --user-data-dir="$B/ud" \
	    --virtual-time-budget=5000 --dump-dom "$1" 2>"$W/chrome.err"
}
browse "$URL" >"$W/dom.html"
show "$W/dom.html" "DOM"
grep -q 'class="name">webvm<' "$W/dom.html" ||
    fail "the page does not show webvm"
grep -q 'class="state">running<' "$W/dom.html" ||
    fail "the page does not show webvm running"
grep -q 'web-console-marker-4711' "$W/dom.html" ||
    fail "the page does not show webvm's console log"
grep -q '<td class="session-name">websess-7</td><td class="session-state">running</td>' \
    "$W/dom.html" && ok "the page shows webvm's session websess-7 running" ||
    fail "the page does not show session websess-7 running"
grep -q '<code>sleep 600</code>' "$W/dom.html" ||
    fail "the page does not show websess-7's command"
grep -q 'could not list sessions\|(no answer)' "$W/dom.html" &&
    fail "the page could not list webvm's sessions"
browse "http://$ADDR/" >"$W/dom-notoken.html"
grep -q webvm "$W/dom-notoken.html" &&
    fail "the browser saw the VMs without the token"

# curl from the test namespace, as t1: status codes.
install -d -o banger-t1 -m 0700 "$W/c"
code() {
	as_user t1 curl -s -o "$W/c/body" -w '%{http_code}' "$@"
}
c=$(code "http://$ADDR/")
[ "$c" = 401 ] && ok "no token: $c" || fail "no token: $c"
c=$(code "http://$ADDR/?token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
[ "$c" = 401 ] && ok "wrong token: $c" || fail "wrong token: $c"
c=$(code -H "Host: evil.example:$PORT" "http://$ADDR/?token=$TOKEN")
[ "$c" = 403 ] && ok "wrong Host: $c" || fail "wrong Host: $c"
grep -q webvm "$W/c/body" && fail "wrong Host got the page"
c=$(code -H "Host: 127.0.0.1:1" "http://$ADDR/?token=$TOKEN")
[ "$c" = 403 ] || fail "wrong port in Host: $c"
c=$(code "http://$ADDR/?token=$TOKEN")
[ "$c" = 200 ] && ok "with the token: $c" || fail "with the token: $c"
c=$(code -H "X-Banger-Token: $TOKEN" "http://$ADDR/")
[ "$c" = 200 ] || fail "token in X-Banger-Token: $c"

post() {
	code -X POST -H "Content-Type: application/x-www-form-urlencoded" "$@"
}
c=$(post -H "Origin: http://evil.example" \
    --data "name=webvm&token=$TOKEN" "http://$ADDR/stop")
[ "$c" = 403 ] && ok "foreign Origin POST: $c" || fail "foreign Origin: $c"
c=$(post --data "name=webvm&token=$TOKEN" "http://$ADDR/stop")
[ "$c" = 403 ] || fail "POST without Origin: $c"
c=$(post -H "Origin: http://$ADDR" -H "Sec-Fetch-Site: cross-site" \
    --data "name=webvm&token=$TOKEN" "http://$ADDR/stop")
[ "$c" = 403 ] || fail "Sec-Fetch-Site cross-site: $c"
c=$(post -H "Origin: http://$ADDR" --data "name=webvm" "http://$ADDR/stop")
[ "$c" = 401 ] || fail "POST without the token: $c"
c=$(code -H "Origin: http://$ADDR" "http://$ADDR/stop?name=webvm&token=$TOKEN")
[ "$c" = 405 ] || fail "GET /stop: $c"
c=$(post -H "Origin: http://$ADDR" \
    --data "name=webvm&token=$TOKEN&pad=$(head -c 6000 /dev/zero | tr '\0' a)" \
    "http://$ADDR/stop")
[ "$c" = 413 ] && ok "oversized form: $c" || fail "oversized form: $c"
c=$(code -H "X-Big: $(head -c 10000 /dev/zero | tr '\0' a)" \
    "http://$ADDR/?token=$TOKEN")
# evhttp answers 400, or closes the connection (curl's 000).
[ "$c" = 400 ] || [ "$c" = 000 ] && ok "oversized headers: $c" ||
    fail "oversized headers: $c"
vm_is_running t1 webvm || fail "a refused request stopped webvm"

# A cross-site form in the browser, even one that knows the token.
mkdir -p "$W/evil"
cat >"$W/evil/index.html" <<EOS
<!DOCTYPE html><html><body>
<form method="post" action="http://$ADDR/stop">
<input type="hidden" name="token" value="$TOKEN">
<input type="hidden" name="name" value="webvm"></form>
<script>document.forms[0].submit();</script>
</body></html>
EOS
chmod -R a+rX "$W/evil"
ip netns exec "$NS" busybox httpd -f -p "$EVIL" -h "$W/evil" \
    -u nobody:nogroup &
EP=$!
wait_until 10 ip netns exec "$NS" busybox wget -q -O /dev/null \
    "http://$EVIL/" || fail "the cross-site page is not served"
browse "http://$EVIL/" >"$W/dom-evil.html"
show "$W/dom-evil.html" "DOM after the cross-site form"
grep -q "cross-origin request refused" "$W/dom-evil.html" &&
    ok "the browser's cross-site POST was refused" ||
    fail "the cross-site POST was not refused visibly"
kill "$EP" 2>/dev/null
wait "$EP" 2>/dev/null
vm_is_running t1 webvm || fail "a cross-site form stopped webvm"

# The page's own forms: stop, then delete (which needs its box).
c=$(post -H "Origin: http://$ADDR" --data "name=webvm&token=$TOKEN" \
    "http://$ADDR/stop")
[ "$c" = 303 ] && ok "stop from the web view: $c" || fail "stop: $c"
[ "$(vm_state t1 webvm)" = stopped ] ||
    fail "webvm after stop: '$(vm_state t1 webvm)'"
no_qemu t1 || fail "a qemu runs after stop"
c=$(post -H "Origin: http://$ADDR" --data "name=webvm&token=$TOKEN" \
    "http://$ADDR/delete")
[ "$c" = 400 ] || fail "delete without confirm: $c"
vm_absent t1 webvm && fail "delete without confirm deleted webvm"
c=$(post -H "Origin: http://$ADDR" \
    --data "name=webvm&token=$TOKEN&confirm=yes" "http://$ADDR/delete")
[ "$c" = 303 ] && ok "delete from the web view: $c" || fail "delete: $c"
vm_absent t1 webvm || fail "webvm still listed after delete"

rm -f "$cfgdir/config.toml"
run t1 daemon stop
wait_until 10 eval '! pgrep -U "$(user_uid t1)" -x banger-web >/dev/null' ||
    fail "banger-web outlived bangerd"
