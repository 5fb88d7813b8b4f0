# config.toml's credentials: nothing is copied unless listed (files in
# the home alone are not enough); listed, the opencode, Claude and pi
# files reach /root in the guest with their exact bytes, 0600 root:root
# in 0700 directories, before vm run's command and for vm create + vm
# exec, and again (changed) at vm start; vm show and doctor list them; a
# missing file is a warning and the start goes on; a symbolic link out of
# the home is refused; no secret in bangerd.log or the console; a warm
# start gets them, its template none.
. "$REGRESS/test-lib.sh"

home=$(user_home t1)
# Cold starts until the warm part below (a template another test left).
tdir=$(state_dir t1)/templates
rm -rf "$tdir"
cfgdir=$home/.config/banger
install -d -m 0700 -o banger-t1 "$home/.config" "$cfgdir"
put_config() {
	printf '%s\n' "$@" >"$cfgdir/config.toml"
	chown banger-t1 "$cfgdir/config.toml"
}
# put_cred PATH TEXT: a credential file of t1's, mode 0600.
put_cred() {
	mkdir -p "$home/$(dirname "$1")"
	chown -R banger-t1 "$home/${1%%/*}"
	printf '%s' "$2" >"$home/$1"
	chown banger-t1 "$home/$1"
	chmod 0600 "$home/$1"
}
OC=.local/share/opencode/auth.json
CL=.claude/.credentials.json
PI=.pi/agent/auth.json
# Not a text file's usual last newline; a quote, a backslash, a tab.
put_cred $OC '{"openai":{"type":"api","key":"sk-OCSECRET-1"}}'
put_cred $CL ''
printf '{"claudeAiOauth":{"accessToken":"CLSECRET-1\\\\x\t"}}\n\n' >"$home/$CL"
put_cred $PI '{"anthropic":{"type":"oauth","refresh":"PISECRET-1"}}'
# What the guest prints for one file: mode, owner, its directory's mode,
# size, then the bytes.
probe='for f in /root/.local/share/opencode/auth.json /root/.claude/.credentials.json /root/.pi/agent/auth.json; do
	if [ -e "$f" ]; then stat -c "%a %u %g %s" "$f" "${f%/*}"; cat "$f"; echo; else echo "no $f"; fi
done'
# check_probe LABEL NAMES...: $W/out has exactly those files, with the
# home's bytes, and none of the others.
check_probe() {
	_l=$1
	shift
	: >"$W/want"
	for _n in opencode claude pi; do
		case $_n in
		opencode) _f=$OC ;;
		claude) _f=$CL ;;
		pi) _f=$PI ;;
		esac
		case " $* " in
		*" $_n "*)
			printf '600 0 0 %s\n700 0 0 DIR\n' \
			    "$(stat -c %s "$home/$_f")" >>"$W/want"
			cat "$home/$_f" >>"$W/want"
			echo >>"$W/want" ;;
		*)	echo "no /root/$_f" >>"$W/want" ;;
		esac
	done
	# The directory's size is the guest file system's own.
	sed 's/^\(700 0 0\) [0-9]*$/\1 DIR/' "$W/out" >"$W/got"
	cmp -s "$W/got" "$W/want" ||
	    fail "$_l: the guest has:
$(cat "$W/got")
want:
$(cat "$W/want")"
}

# No list: nothing, though the files are there.
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "vm run without credentials listed"
check_probe "no list"
grep -q 'credential' "$W/err" && fail "credentials mentioned without a list"
run t1 doctor
grep -q '^\[info\] credentials: none copied into VMs' "$W/out" ||
    fail "doctor without a list: $(grep credentials "$W/out")"

# An empty list is nothing too.
put_config 'credentials = []'
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "vm run with credentials = []"
check_probe "empty list"

# All three, before vm run's command.
put_config '# agents' 'credentials = ["claude", "opencode", "pi"]'
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "vm run with three credentials"
check_probe "vm run" opencode claude pi
for n in opencode claude pi; do
	grep -q "copying credential $n into VM" "$W/err" ||
	    fail "no progress line for $n"
done
run t1 doctor
expect_rc 0 "doctor with credentials"
grep -q "^\[ ok \] credentials: opencode (~/$OC, $(stat -c %s "$home/$OC") bytes); claude (~/$CL, $(stat -c %s "$home/$CL") bytes); pi (~/$PI, $(stat -c %s "$home/$PI") bytes) (config.toml:2)" \
    "$W/out" || fail "doctor: $(grep credentials "$W/out")"
run t1 doctor --json
jq -e '.config.credentials == [
    {"name": "opencode", "path": "~/.local/share/opencode/auth.json", "line": 2},
    {"name": "claude", "path": "~/.claude/.credentials.json", "line": 2},
    {"name": "pi", "path": "~/.pi/agent/auth.json", "line": 2}] and
    (.checks[] | select(.check == "credentials") | .status) == "ok"' \
    "$W/out" >/dev/null || fail "doctor --json: $(jq -c .config.credentials "$W/out")"

# vm create, then vm exec; vm show.
run t1 vm create --name cr1
expect_rc 0 "vm create cr1"
run t1 vm exec cr1 -- sh -c "$probe"
expect_rc 0 "vm exec cr1"
check_probe "vm create + vm exec" opencode claude pi
run t1 vm show --json cr1
jq -e '.credentials == ["opencode", "claude", "pi"]' "$W/out" >/dev/null ||
    fail "vm show --json: $(jq -c .credentials "$W/out")"
run t1 vm show cr1
grep -q '^credentials opencode, claude, pi$' "$W/out" ||
    fail "vm show: $(grep credentials "$W/out")"
run t1 vm list --json
jq -e '.[] | select(.name == "cr1") | .credentials == ["opencode", "claude", "pi"]' \
    "$W/out" >/dev/null || fail "vm list --json has no credentials"

# Each start copies them afresh: a changed file, one now missing.
put_cred $CL '{"claudeAiOauth":{"accessToken":"CLSECRET-2"}}'
rm -f "$home/$PI"
run t1 vm stop cr1
expect_rc 0 "vm stop cr1"
run t1 vm start cr1
expect_rc 0 "vm start cr1 with pi missing"
grep -q "warning: credential pi not copied into VM cr1: ~/$PI: no such file" \
    "$W/err" || fail "no warning for the missing file: $(cat "$W/err")"
run t1 vm exec cr1 -- sh -c "$probe"
# The old pi file stays on the VM's disk: not removed, not replaced.
grep -q PISECRET-1 "$W/out" ||
    fail "cr1 lost the pi file it had: $(cat "$W/out")"
grep -q CLSECRET-2 "$W/out" || fail "vm start did not copy the new claude file"
grep -q CLSECRET-1 "$W/out" && fail "the old claude file is left"
run t1 vm show --json cr1
jq -e '.credentials == ["opencode", "claude"]' "$W/out" >/dev/null ||
    fail "vm show after a start without pi: $(jq -c .credentials "$W/out")"
# No secret in bangerd's log or cr1's console and logs.
for s in OCSECRET CLSECRET PISECRET; do
	for f in "$(state_dir t1)/bangerd.log" "$(state_dir t1)/vms/cr1/"*.log; do
		grep -qa "$s" "$f" && fail "$s found in $f"
	done
done
run t1 vm delete cr1
expect_rc 0 "vm delete cr1"

# Missing in a new VM: a warning, the run goes on, the others are there.
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "vm run with pi missing"
check_probe "pi missing" opencode claude
grep -q "warning: credential pi not copied" "$W/err" ||
    fail "vm run: no warning for the missing file"
run t1 doctor
expect_rc 0 "doctor with a missing credential"
grep -q "^\[warn\] credentials: .*pi (missing: ~/$PI: no such file)" "$W/out" ||
    fail "doctor with pi missing: $(grep credentials "$W/out")"

# A link out of the home is refused; one inside it is followed.
outside=$TESTROOT/work/credentials-outside
printf 'OUTSIDE-SECRET' >"$outside"
chown banger-t1 "$outside"
chmod 0644 "$outside"
ln -s "$outside" "$home/$PI"
chown -h banger-t1 "$home/$PI"
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "vm run with pi a link out of the home"
check_probe "pi a link out" opencode claude
grep -q OUTSIDE-SECRET "$W/out" && fail "the file out of the home was copied"
grep -q "warning: credential pi not copied into VM .*: ~/$PI: a symbolic link on the way leads out of the home directory (refused)" \
    "$W/err" || fail "no refusal said: $(cat "$W/err")"
run t1 doctor
grep -q "^\[warn\] credentials: .*pi (refused: ~/$PI: a symbolic link" "$W/out" ||
    fail "doctor with pi a link out: $(grep credentials "$W/out")"
rm -f "$home/$PI"
printf 'PISECRET-3' >"$home/.pi/agent/real.json"
chown banger-t1 "$home/.pi/agent/real.json"
ln -s real.json "$home/$PI"
chown -h banger-t1 "$home/$PI"
run t1 vm run --rm -- cat /root/$PI
expect_rc 0 "vm run with pi a link in the home"
[ "$(cat "$W/out")" = PISECRET-3 ] || fail "link in the home: $(cat "$W/out")"

# A directory where the file should be: refused, the rest copied.
rm -f "$home/$PI"
install -d -o banger-t1 "$home/$PI"
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "vm run with pi a directory"
check_probe "pi a directory" opencode claude
grep -q "credential pi not copied .*not a regular file (refused)" "$W/err" ||
    fail "no refusal for a directory"
rmdir "$home/$PI"
put_cred $PI '{"anthropic":{"type":"oauth","refresh":"PISECRET-4"}}'

# One only: the others stay out.
put_config 'credentials = ["pi"]'
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "vm run with pi only"
check_probe "pi only" pi

grep -qa OUTSIDE-SECRET "$(state_dir t1)/bangerd.log" &&
    fail "the refused file's bytes are in bangerd.log"

# A warm start gets them after the restore; the template has none.
run t1 image warm tiny
expect_rc 0 "image warm tiny (with credentials listed)"
put_config 'credentials = ["opencode", "claude", "pi"]'
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "warm vm run with credentials"
grep -q 'starting VM .* warm' "$W/err" || fail "the run was not warm"
check_probe "warm vm run" opencode claude pi
put_config '# none'
run t1 vm run --rm -- sh -c "$probe"
expect_rc 0 "warm vm run without credentials"
grep -q 'starting VM .* warm' "$W/err" || fail "the second run was not warm"
check_probe "warm, no list: the template holds none"
# Later tests start without this test's template.
run t1 daemon stop
rm -rf "$tdir"
