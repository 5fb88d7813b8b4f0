# Workspace mode: the repository's tracked files land at /root/<repo>
# (symlinks stay symlinks, modes kept, nothing else), --dry-run lists
# them without creating anything, and the workspace flags need a PATH.
. "$REGRESS/test-lib.sh"

repo=$TESTROOT/work/ws/myrepo
mkdir -p "$repo/sub/dir"
(
	cd "$repo" || exit 1
	git init -q .
	echo hello > a.txt
	printf '#!/bin/sh\necho ran\n' > run.sh
	chmod 0755 run.sh
	chmod 0640 a.txt
	echo deep > sub/dir/file
	ln -s a.txt link
	ln -s /etc/passwd abs
	echo 'ignored.txt' > .gitignore
	echo gone > gone.txt
	git add -A
	git -c user.email=t@example.invalid -c user.name=t commit -qm init
	rm gone.txt
	echo x > ignored.txt
	echo y > untracked.txt
) || fatal "cannot make the test repository"
chown -R banger-t1 "$TESTROOT/work/ws"
chmod 0755 "$TESTROOT/work/ws"

want=".gitignore
a.txt
abs
link
run.sh
sub/dir/file"

run t1 vm run --dry-run "$repo"
expect_rc 0 "--dry-run"
[ "$(sort "$W/out")" = "$want" ] || fail "--dry-run listed: $(tr '\n' ' ' <"$W/out")"
vm_list_json t1
[ "$(jq length "$W/list.json")" = 0 ] || fail "--dry-run created a VM"

run t1 vm run --dry-run --include-untracked "$repo"
expect_rc 0 "--dry-run --include-untracked"
[ "$(sort "$W/out")" = "$(printf '%s\nuntracked.txt' "$want" | sort)" ] ||
    fail "--include-untracked listed: $(tr '\n' ' ' <"$W/out")"

run t1 vm run --dry-run -- true
expect_rc 2 "--dry-run without a workspace"
grep -q "needs a workspace" "$W/err" || fail "no 'needs a workspace' message"
run t1 vm run --include-untracked -- true
expect_rc 2 "--include-untracked without a workspace"
run t1 vm run "$TESTROOT/work/ws" -- true
expect_rc 2 "a directory that is not a repository"
grep -q "not inside a git repository" "$W/err" || fail "no 'not a repository' message"
run t1 vm run /nonexistent-dir -- true
expect_rc 2 "a missing directory"

run t1 vm run --rm "$repo" -- sh -c 'pwd; cat a.txt; cat sub/dir/file;
    readlink link; readlink abs; ./run.sh; stat -c "%a %u" run.sh a.txt;
    ls -A | tr "\n" " "; echo'
expect_rc 0 "vm run with a workspace"
cat >"$W/want" <<EOW
/root/myrepo
hello
deep
a.txt
/etc/passwd
ran
755 0
640 0
.gitignore a.txt abs link run.sh sub 
EOW
cmp -s "$W/out" "$W/want" || {
	diff "$W/want" "$W/out"
	fail "the workspace in the guest is not the repository's tracked files"
}
no_qemu t1 || fail "qemu left after --rm"

# The tool bootstrap: a (fake) mise in ~/.local/bin runs `install` in the
# workspace before the command, logging in the guest; its failure does
# not fail the run.
echo "tiny 1.0" >"$repo/.tool-versions"
chown banger-t1 "$repo/.tool-versions"
(cd "$repo" && git -c safe.directory="*" add .tool-versions &&
    git -c safe.directory="*" -c user.email=t@example.invalid \
    -c user.name=t commit -qm tools) ||
    fail "cannot commit .tool-versions"
fake=$(user_home t1)/fake-mise
printf '#!/bin/sh\necho "fake mise $* in $(pwd)"\nexit 3\n' >"$fake"
chmod 0755 "$fake"
chown banger-t1 "$fake"
cfgdir=$(user_home t1)/.config/banger
install -d -m 0700 -o banger-t1 "$(user_home t1)/.config" "$cfgdir"
printf '[[file_sync]]\nhost = "~/fake-mise"\nguest = "~/.local/bin/mise"\nmode = "0755"\n' \
    >"$cfgdir/config.toml"
chown banger-t1 "$cfgdir/config.toml"
run t1 vm run --rm "$repo" -- cat /root/.cache/banger/vm-run-tooling-myrepo.log
expect_rc 0 "vm run with a failing tool bootstrap"
[ "$(cat "$W/out")" = "fake mise install in /root/myrepo" ] ||
    fail "bootstrap log: '$(cat "$W/out")'"
rm -f "$cfgdir/config.toml"
