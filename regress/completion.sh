# banger completion bash|zsh|fish prints scripts that parse; the hidden
# `banger __complete` never starts bangerd, says nothing while it is down
# and lists the user's VMs while it is up; bash completes them.
. "$REGRESS/test-lib.sh"

# Zombies (not yet reaped by init) do not count.
pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd >/dev/null &&
    fatal "bangerd of t1 is already running at test start"

for sh in bash zsh fish; do
	run t1 completion $sh
	expect_rc 0 "completion $sh"
	cp "$W/out" "$W/comp.$sh"
	chmod 0644 "$W/comp.$sh"
	grep -q 'banger __complete vms' "$W/comp.$sh" ||
	    fail "completion $sh does not call 'banger __complete vms'"
	for word in vm daemon doctor completion ssh-config delete; do
		grep -q -- "$word" "$W/comp.$sh" ||
		    fail "completion $sh does not know '$word'"
	done
	grep -q "__complete[^ ]* -d\|'__complete:\|_banger_top=.*__complete" \
	    "$W/comp.$sh" && fail "completion $sh offers the hidden __complete"
	if command -v $sh >/dev/null; then
		$sh -n "$W/comp.$sh" >"$W/syntax" 2>&1 ||
		    fail "$sh -n rejects the $sh script: $(head -c 300 "$W/syntax")"
	else
		say "($sh not installed: syntax not checked)"
	fi
done

run t1 completion tcsh
expect_rc 2 "completion tcsh"
run t1 completion
expect_rc 2 "completion without a shell"

# The hidden command is not in the help.
run t1 --help
grep -q __complete "$W/out" && fail "--help lists __complete"

# Daemon down: nothing, silently, and no daemon.
for kind in vms images kernels; do
	run t1 __complete $kind
	expect_rc 0 "__complete $kind while down"
	[ -s "$W/out" ] && fail "__complete $kind while down printed something"
	[ -s "$W/err" ] && fail "__complete $kind while down wrote to stderr"
done
run t1 __complete frobs
expect_rc 2 "__complete frobs"
sleep 0.3
# Zombies (not yet reaped by init) do not count.
pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd >/dev/null &&
    fatal "__complete started bangerd"
[ -e "$(rt_dir t1)/bangerd.sock" ] &&
    fail "__complete created the control socket"

# bash completion as the user: $1 = words, the last one being completed.
bash_complete() {
	as_user t1 bash -c '. "$1"; shift; COMP_WORDS=("$@");
	    COMP_CWORD=$(($# - 1)); _banger; printf "%s\n" "${COMPREPLY[@]}"' \
	    sh "$W/comp.bash" "$@"
}

out=$(bash_complete banger vm delete '')
[ -z "$out" ] || fail "vm delete TAB while down offered: $out"
# Zombies (not yet reaped by init) do not count.
pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd >/dev/null &&
    fatal "completing a VM name started bangerd"
out=$(bash_complete banger vm d)
[ "$out" = delete ] || fail "banger vm d TAB gave '$out', want delete"

# Daemon up with two VMs.
run t1 vm run --name comp-a -- true
expect_rc 0 "vm run --name comp-a"
run t1 vm run --name comp-b -- true
expect_rc 0 "vm run --name comp-b"
run t1 __complete vms
expect_rc 0 "__complete vms while up"
[ "$(sort "$W/out" | tr '\n' ' ')" = "comp-a comp-b " ] ||
    fail "__complete vms printed '$(tr '\n' ' ' <"$W/out")', want comp-a comp-b"
[ -s "$W/err" ] && fail "__complete vms wrote to stderr"
out=$(bash_complete banger vm delete comp- | sort | tr '\n' ' ')
[ "$out" = "comp-a comp-b " ] ||
    fail "vm delete comp-TAB gave '$out', want comp-a comp-b"
out=$(bash_complete banger vm delete comp-a comp-b | tr '\n' ' ')
[ "$out" = "comp-b " ] || fail "vm delete comp-a comp-bTAB gave '$out'"

# Another user's VMs are not offered.
run t2 __complete vms
expect_rc 0 "__complete vms as t2"
grep -q comp- "$W/out" && fail "t2 sees t1's VMs in completion"

run t1 vm delete comp-a comp-b
expect_rc 0 "vm delete comp-a comp-b"
run t1 __complete vms
[ -s "$W/out" ] && fail "__complete vms after delete printed '$(cat "$W/out")'"
