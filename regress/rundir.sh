# rundir: with XDG_RUNTIME_DIR unset the run directory is /tmp/banger-UID,
# a name any local user can take first.  t2 pre-creates t1's and listens
# on bangerd.sock there: t1's CLI must refuse to use it and send nothing,
# and t1's bangerd must refuse to start in it.  Then the directory is made
# t1's (as root) while t2 still listens: the server's SO_PEERCRED uid is
# not t1's, so the CLI refuses again without sending a byte.
. "$REGRESS/test-lib.sh"

uid1=$(user_uid t1)
d=/tmp/banger-$uid1
got=$W/got

# bangerd processes of t1 before (a previous test's may still be going).
pgrep -r R,S,D -U "$uid1" -x bangerd | sort >"$W/bangerd.before"

# A directory left by an earlier run is not this test's.
rm -rf "$d"
[ -e "$d" ] && fatal "cannot remove $d"
rm -f "$got"
: >"$got"
chown "$(user_name t2)" "$got"

# The listener: records each connection and every byte it receives.
cat >"$W/listen.pl" <<'PERL'
use strict;
use IO::Socket::UNIX;
use Socket;
my ($dir, $out) = @ARGV;
open(my $o, '>>', $out) or die "$out: $!";
$o->autoflush(1);
mkdir($dir, 0755) or die "mkdir $dir: $!";
chmod(0755, $dir);
my $path = "$dir/bangerd.sock";
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path,
    Listen => 5) or die "listen $path: $!";
chmod(0777, $path);
print $o "listening\n";
while (my $c = $s->accept) {
	print $o "connection\n";
	my $buf;
	while (sysread($c, $buf, 4096)) {
		print $o "bytes: ", length($buf), "\n";
	}
	close($c);
}
PERL
chmod 0644 "$W/listen.pl"

trace "[t2] listen on $d/bangerd.sock"
as_user t2 perl "$W/listen.pl" "$d" "$got" >"$W/listen.log" 2>&1 &
lpid=$!
wait_until 20 grep -q listening "$got" ||
    fatal "t2's listener did not start: $(cat "$W/listen.log")"
[ "$(stat -c %U "$d")" = "$(user_name t2)" ] ||
    fatal "$d is not t2's: $(stat -c '%U %a' "$d")"

# t1's CLI, with XDG_RUNTIME_DIR unset (as under su, sudo -u or cron).
cli_t1() {
	trace "[t1, no XDG_RUNTIME_DIR] banger $*"
	with_timeout 30 as_user t1 env -u XDG_RUNTIME_DIR "$BIN/banger" "$@" \
	    >"$W/out" 2>"$W/err"
	RC=$?
	echo "  exit $RC"
	show "$W/out" stdout
	show "$W/err" stderr
}

cli_t1 vm list
[ "$RC" != 0 ] || fail "vm list in t2's run directory succeeded"
grep -q "owned by uid $(user_uid t2), not by you" "$W/err" ||
    fail "vm list does not say the run directory is another user's"
grep -q "XDG_RUNTIME_DIR" "$W/err" ||
    fail "vm list does not say what to do"
cli_t1 vm run --rm -- true
[ "$RC" != 0 ] || fail "vm run in t2's run directory succeeded"
cli_t1 daemon status
[ "$RC" != 0 ] || fail "daemon status in t2's run directory succeeded"
grep -q "not by you" "$W/err" ||
    fail "daemon status does not say the run directory is another user's"
grep -q connection "$got" &&
    fail "the CLI connected to t2's socket: $(tr '\n' ' ' <"$got")"

# bangerd refuses the directory too (and does not stay in the foreground).
trace "[t1, no XDG_RUNTIME_DIR] bangerd -f"
with_timeout 30 as_user t1 env -u XDG_RUNTIME_DIR "$BIN/bangerd" -f \
    >"$W/out" 2>"$W/err"
RC=$?
echo "  exit $RC"
show "$W/err" stderr
[ "$RC" != 0 ] && [ "$RC" != 124 ] ||
    fail "bangerd started in t2's run directory (exit $RC)"
grep -q "not by you" "$W/err" ||
    fail "bangerd does not say the run directory is another user's"

# Now the directory passes (t1's, 0700), but t2 still serves the socket.
chown "$(user_name t1)" "$d"
chmod 0700 "$d"
cli_t1 vm list
[ "$RC" != 0 ] || fail "vm list talked to t2's server"
grep -q "served by uid $(user_uid t2), not by you" "$W/err" ||
    fail "vm list does not say the server is another user's"
# It may connect (to ask the kernel who listens) but sends nothing.
wait_until 5 grep -q connection "$got" ||
    echo "  (the listener saw no connection)"
sleep 0.5
grep -q bytes "$got" &&
    fail "the CLI sent bytes to t2's server: $(tr '\n' ' ' <"$got")"

pgrep -r R,S,D -U "$uid1" -x bangerd | sort >"$W/bangerd.after"
new=$(comm -13 "$W/bangerd.before" "$W/bangerd.after")
[ -z "$new" ] ||
    fail "a bangerd of t1 started despite the refusals: $(echo $new)"

kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
rm -rf "$d"
echo "listener log:"
cat "$got"
