# make uninstall stops the invoking user's bangerd first (as `sudo make
# uninstall` would for SUDO_USER), through `banger daemon stop`; only
# that step (make stop-daemon) is run here, against the per-run binaries
# and the harness's runtime directory, inside the test namespace.
. "$REGRESS/test-lib.sh"

# uninstall runs the stop before removing anything (a dry run).
make -s -n -C "$TOP" uninstall DESTDIR="$W/dest" STOP_DAEMON=yes \
    >"$W/dry" 2>&1 || fail "make -n uninstall failed: $(cat "$W/dry")"
grep -q 'daemon stop' "$W/dry" ||
    fail "make uninstall does not stop the user's bangerd"

run t1 vm list
expect_rc 0 "vm list (starts bangerd)"
dpid=$(daemon_pid t1)
pid_alive "$dpid" || fatal "bangerd (pid file: '$dpid') is not running"

assert_ns
ip netns exec "$NS" env SUDO_USER="$(user_name t1)" \
    make -s -C "$TOP" stop-daemon BINDIR="$BIN" STOP_DAEMON=yes \
    USER_RUNTIME_DIRS="$(user_home t1)/run" >"$W/out" 2>&1 ||
    fail "make stop-daemon failed"
sed 's/^/  | /' "$W/out"
wait_until 60 pid_gone "$dpid" ||
    fail "bangerd $dpid still runs after make stop-daemon"
grep -q "bangerd stopped" "$W/out" || fail "no 'bangerd stopped' reported"

# Nothing to stop: still fine, and says so.
ip netns exec "$NS" env SUDO_USER="$(user_name t1)" \
    make -s -C "$TOP" stop-daemon BINDIR="$BIN" STOP_DAEMON=yes \
    USER_RUNTIME_DIRS="$(user_home t1)/run" >"$W/out" 2>&1 ||
    fail "make stop-daemon with no daemon failed"
grep -q "not running" "$W/out" || fail "no 'not running' when stopped"
