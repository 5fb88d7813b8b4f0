# banger ssh-config prints the Include line; --install puts it at the
# top of ~/.ssh/config between markers (creating ~/.ssh 0700 and the file
# 0600), idempotently, touching no other byte; --uninstall restores the
# file exactly.  A symlinked config is edited at its target only when
# that is the user's own regular file.  No daemon is involved.
. "$REGRESS/test-lib.sh"

h=$(user_home t1)
u=$(user_name t1)
g=$(user_gid t1)
cfg=$h/.ssh/config
inc="Include ~/.config/banger/ssh_config"
rm -rf "$h/.ssh" "$h/dotfiles"
# ssh-config must not start bangerd.  Compare live daemons only: the
# previous test's daemon and launcher may still be zombies waiting for
# init, or finishing their exit, when this snapshot is taken; they vanish
# during the test, which is no evidence of anything (comparing all
# processes made this check fail at random).  What counts is a live
# bangerd that was not there before, or a control socket that appeared.
live_daemons() {
	pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd | sort
}
live_daemons >"$W/daemons.before"
sock=$(rt_dir t1)/bangerd.sock
sock_before=no
[ -e "$sock" ] && sock_before=yes

# as_user t1 CMD: a file operation as t1 (so ownership is right).
t1() {
	as_user t1 "$@"
}

run t1 ssh-config
expect_rc 0 "ssh-config"
[ "$(cat "$W/out")" = "$inc" ] ||
    fail "ssh-config printed '$(cat "$W/out")', want '$inc'"
[ -e "$h/.ssh" ] && fail "ssh-config without options created ~/.ssh"

run t1 ssh-config --install --uninstall
expect_rc 2 "--install with --uninstall"

run t1 ssh-config --uninstall
expect_rc 0 "--uninstall without ~/.ssh/config"
[ -e "$cfg" ] && fail "--uninstall created ~/.ssh/config"

# Fresh: ~/.ssh and the file are created private.
printf '# >>> banger >>>\n%s\n# <<< banger <<<\n' "$inc" >"$W/block"
run t1 ssh-config --install
expect_rc 0 "--install (no ~/.ssh)"
[ "$(stat -c '%a %U' "$h/.ssh")" = "700 $u" ] ||
    fail "~/.ssh: $(stat -c '%a %U' "$h/.ssh"), want 700 $u"
[ "$(stat -c '%a %U' "$cfg")" = "600 $u" ] ||
    fail "~/.ssh/config: $(stat -c '%a %U' "$cfg"), want 600 $u"
cmp -s "$cfg" "$W/block" || { fail "new config is not exactly the block"; cat "$cfg"; }
ino=$(stat -c %i "$cfg")
run t1 ssh-config --install
expect_rc 0 "second --install"
cmp -s "$cfg" "$W/block" || fail "second --install changed the file"
[ "$(stat -c %i "$cfg")" = "$ino" ] || fail "second --install rewrote the file"
run t1 ssh-config --uninstall
expect_rc 0 "--uninstall"
[ -f "$cfg" ] || fail "--uninstall removed the file"
[ -s "$cfg" ] && fail "--uninstall left bytes: $(head -c 200 "$cfg")"

# An existing config: block on top, the rest byte for byte, mode kept.
printf 'Host *\n\tServerAliveInterval 30\n\nHost gw\n\tUser me\n# no newline at end' \
    >"$W/orig"
t1 cp "$W/orig" "$cfg"
t1 chmod 0644 "$cfg"
run t1 ssh-config --install
expect_rc 0 "--install into an existing config"
cat "$W/block" "$W/orig" >"$W/want"
cmp -s "$cfg" "$W/want" || { fail "installed config differs"; diff "$W/want" "$cfg"; }
[ "$(stat -c '%a %U' "$cfg")" = "644 $u" ] ||
    fail "mode after --install: $(stat -c '%a %U' "$cfg"), want 644 $u"
run t1 ssh-config --install
cmp -s "$cfg" "$W/want" || fail "second --install changed an existing config"
run t1 ssh-config --uninstall
expect_rc 0 "--uninstall from an existing config"
cmp -s "$cfg" "$W/orig" || { fail "--uninstall did not restore the original"; diff "$W/orig" "$cfg"; }
run t1 ssh-config --uninstall
expect_rc 0 "second --uninstall"
cmp -s "$cfg" "$W/orig" || fail "second --uninstall changed the file"

# Damaged markers: refused, file untouched.
printf '# >>> banger >>>\nHost x\n' >"$W/damaged"
t1 cp "$W/damaged" "$cfg"
run t1 ssh-config --install
expect_rc 125 "--install with a damaged block"
cmp -s "$cfg" "$W/damaged" || fail "a damaged config was changed"

# A symlink to the user's own file: the target is edited, the link kept.
t1 mkdir -p "$h/dotfiles"
t1 cp "$W/orig" "$h/dotfiles/ssh_config"
t1 rm -f "$cfg"
t1 ln -s "$h/dotfiles/ssh_config" "$cfg"
run t1 ssh-config --install
expect_rc 0 "--install through a symlink"
[ -L "$cfg" ] || fail "the symlink was replaced"
cmp -s "$h/dotfiles/ssh_config" "$W/want" ||
    fail "symlink target does not hold the block and the original"
run t1 ssh-config --uninstall
cmp -s "$h/dotfiles/ssh_config" "$W/orig" ||
    fail "--uninstall through a symlink did not restore the target"

# A symlink to someone else's file: refused, nothing changes.
cp "$W/orig" "$W/roots"
chmod 0666 "$W/roots"
t1 rm -f "$cfg"
t1 ln -s "$W/roots" "$cfg"
run t1 ssh-config --install
expect_rc 125 "--install through a symlink to root's file"
cmp -s "$W/roots" "$W/orig" || fail "root's file was changed"
[ -L "$cfg" ] || fail "the symlink to root's file was replaced"
grep -q "not a regular file owned by you" "$W/err" ||
    fail "refusal does not say why"
t1 rm -f "$cfg"

# No temporary files left behind.
ls -A "$h/.ssh" "$h/dotfiles" | grep -q '\.banger-' &&
    fail "temporary files left: $(ls -A "$h/.ssh" "$h/dotfiles")"
live_daemons >"$W/daemons.after"
new=$(comm -13 "$W/daemons.before" "$W/daemons.after" | tr '\n' ' ')
[ -z "$new" ] || fail "ssh-config started bangerd (new pids: $new)"
[ $sock_before = no ] && [ -e "$sock" ] &&
    fail "ssh-config created the control socket $sock"
rm -rf "$h/.ssh" "$h/dotfiles"
