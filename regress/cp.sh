# vm cp: a tree (nested directories, an empty file, a few MiB of random
# bytes, a symlink, an exec bit) into a running VM and back out, byte for
# byte; cp -r's naming (into an existing directory, or as a new name);
# a symlink at DST is refused, not followed (DST/ copies through it);
# clear errors for a missing VM, a missing guest path and a guest without
# tar; and a hostile guest, whose `tar -c` sends crafted streams ("..",
# an absolute name, a file through a symlink to /, a FIFO, a character
# device, a setuid file): each is refused with the entry named, nothing
# appears at DST or beside it.  Then vm workspace prepare: a repository's
# tracked files arrive (untracked ones only when asked).
. "$REGRESS/test-lib.sh"

work=$TESTROOT/work/cp
src=$work/tree
mkdir -p "$src/nest/deeper" "$src/emptydir" "$work/back" "$work/evil"
: >"$src/empty"
head -c 3145728 /dev/urandom >"$src/nest/blob.bin"
printf '#!/bin/sh\necho ran\n' >"$src/nest/deeper/run.sh"
chmod 0755 "$src/nest/deeper/run.sh"
echo text >"$src/nest/deeper/t.txt"
chmod 0640 "$src/nest/deeper/t.txt"
ln -s nest/blob.bin "$src/link"
chown -R banger-t1 "$work"
chmod 0755 "$work"

# What a tree is, for comparing: kind, mode and (for files) size of each
# entry, then a byte-for-byte diff that compares symlinks as links.
tree_list() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %m\n' | sort)
}

run t1 vm create --name cpvm
expect_rc 0 "vm create cpvm"

run t1 vm cp "$src" cpvm:/root
expect_rc 0 "vm cp TREE VM:/root (an existing directory)"
[ -s "$W/out" ] && fail "vm cp printed on stdout"
[ -s "$W/err" ] && fail "vm cp printed on a stderr that is not a terminal"
run t1 vm exec cpvm -- sh -c 'cd /root/tree && find . | sort | tr "\n" " ";
    echo; stat -c "%a %s" nest/deeper/run.sh nest/deeper/t.txt empty;
    readlink link; md5sum nest/blob.bin | cut -d" " -f1; nest/deeper/run.sh'
expect_rc 0 "look at the copy in the guest"
cat >"$W/want" <<EOW
. ./empty ./emptydir ./link ./nest ./nest/blob.bin ./nest/deeper ./nest/deeper/run.sh ./nest/deeper/t.txt 
755 19
640 5
644 0
nest/blob.bin
$(md5sum "$src/nest/blob.bin" | cut -d" " -f1)
ran
EOW
cmp -s "$W/out" "$W/want" || {
	diff "$W/want" "$W/out"
	fail "the tree in the guest differs from the host's"
}

run t1 vm cp cpvm:/root/tree "$work/back"
expect_rc 0 "vm cp VM:/root/tree DIR (an existing directory)"
if diff -r --no-dereference "$src" "$work/back/tree" &&
    [ "$(tree_list "$src")" = "$(tree_list "$work/back/tree")" ]; then
	ok "the round trip gave the same tree, byte for byte, modes kept"
else
	tree_list "$src" >"$W/a"
	tree_list "$work/back/tree" >"$W/b"
	diff "$W/a" "$W/b"
	fail "the tree that came back differs"
fi
ls -A "$work/back" | grep -q banger-cp && fail "a temporary directory was left"

# On a terminal (script(1)'s pty) the bytes so far are shown, both ways.
trace "[t1] script -c 'banger vm cp VM:FILE FILE; banger vm cp FILE VM:FILE'"
as_user t1 script -qec "$BIN/banger vm cp cpvm:/root/tree/nest/blob.bin \
    $work/back/pty.bin && $BIN/banger vm cp $src/nest/blob.bin \
    cpvm:/root/pty.bin" /dev/null >"$W/pty" 2>&1
RC=$?
show "$W/pty" "the terminal"
expect_rc 0 "vm cp both ways on a terminal"
[ "$(grep -o 'copying cpvm:/root/tree/nest/blob.bin: [0-9]* MiB' "$W/pty" |
    tail -n 1)" = "copying cpvm:/root/tree/nest/blob.bin: 3 MiB" ] ||
    fail "no progress out of the VM on a terminal"
grep -q "copying $src/nest/blob.bin: [0-9]* MiB" "$W/pty" ||
    fail "no progress into the VM on a terminal"
cmp -s "$src/nest/blob.bin" "$work/back/pty.bin" ||
    fail "the copy made on a terminal differs"

# A new name on either side: SRC becomes DST.
run t1 vm cp "$src/nest/blob.bin" cpvm:/root/renamed.bin
expect_rc 0 "vm cp FILE VM:/root/NEWNAME"
run t1 vm cp cpvm:/root/renamed.bin "$work/back/again.bin"
expect_rc 0 "vm cp VM:FILE NEWNAME"
cmp "$src/nest/blob.bin" "$work/back/again.bin" ||
    fail "a file copied in and out under new names differs"
run t1 vm cp cpvm:/root/tree/nest "$work/back/nest2"
expect_rc 0 "vm cp VM:DIR NEWNAME"
diff -r "$src/nest" "$work/back/nest2" || fail "a directory under a new name differs"
# An existing directory is never merged into on the host.
run t1 vm cp cpvm:/root/tree "$work/back"
expect_rc 125 "vm cp over an existing directory"
grep -q "does not merge" "$W/err" || fail "no 'does not merge' message"
# A symlink at DST (a guest's top entry may have been one) is neither
# followed nor replaced; DST/ copies into the directory it points to.
install -d -o banger-t1 "$work/victim"
ln -s ../victim "$work/back/slink"
chown -h banger-t1 "$work/back/slink"
run t1 vm cp cpvm:/root/renamed.bin "$work/back/slink"
expect_rc 125 "vm cp onto a symlink at DST"
grep -q "is a symlink" "$W/err" || fail "no 'is a symlink' message"
[ -z "$(ls -A "$work/victim")" ] || fail "vm cp wrote through a symlink at DST"
[ -L "$work/back/slink" ] || fail "vm cp replaced a symlink at DST"
run t1 vm cp cpvm:/root/renamed.bin "$work/back/slink/"
expect_rc 0 "vm cp into DST/ through a symlink"
cmp -s "$src/nest/blob.bin" "$work/victim/renamed.bin" ||
    fail "vm cp did not copy into DST/ through a symlink"
rm -f "$work/back/slink"

# Errors: usage, a missing VM, a missing path on either side.
run t1 vm cp "$src" "$work/x"
expect_rc 2 "vm cp with no VM side"
grep -q "exactly one side" "$W/err" || fail "no 'exactly one side' message"
run t1 vm cp cpvm:relative "$work/x"
expect_rc 2 "vm cp with a relative guest path"
run t1 vm cp "$src" nosuchvm:/root
[ "$RC" != 0 ] || fail "vm cp to a missing VM succeeded"
grep -q nosuchvm "$W/err" || fail "the error does not name the missing VM"
run t1 vm cp cpvm:/no/such/path "$work/back"
expect_rc 125 "vm cp of a missing guest path"
grep -q "/no/such/path: no such file or directory in the guest" "$W/err" ||
    fail "no clear 'no such file' message"
run t1 vm cp "$work/nonexistent" cpvm:/root
expect_rc 125 "vm cp of a missing host path"
grep -q "nonexistent" "$W/err" || fail "the error does not name the host path"
run t1 vm cp "$src/empty" cpvm:/no/such/dir/x
expect_rc 125 "vm cp into a missing guest directory"
[ -z "$(ls -A "$work/x" 2>/dev/null)" ] || fail "a failed copy created $work/x"

# A hostile guest: its tar answers `tar -c` with a crafted stream.  Each
# entry sits under x/, the name vm cp asks for, so that the refusal is
# about the entry itself.
python3 - "$W" <<'EOP' || fatal "cannot craft the evil tars"
import io, sys, tarfile
w = sys.argv[1]
def mk(name, ents):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.GNU_FORMAT) as t:
        for n, kind, extra in ents:
            ti = tarfile.TarInfo(n)
            ti.type = kind
            ti.mode = 0o644
            data = None
            if kind == tarfile.REGTYPE:
                data = b"pwned\n"
                ti.size = len(data)
                if extra:
                    ti.mode = extra
            elif kind == tarfile.SYMTYPE:
                ti.linkname = extra
            elif kind == tarfile.DIRTYPE:
                ti.mode = 0o755
            elif kind == tarfile.CHRTYPE:
                ti.devmajor, ti.devminor = 1, 3
            t.addfile(ti, io.BytesIO(data) if data else None)
    open(f"{w}/{name}.tar", "wb").write(b.getvalue())
R, D, S = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE
mk("dotdot", [("x", D, 0), ("x/../../../escape-dotdot", R, 0)])
mk("abs", [("x", D, 0), ("/tmp/banger-cp-escape-abs", R, 0)])
mk("symroot", [("x", D, 0), ("x/l", S, "/"),
    ("x/l/tmp/banger-cp-escape-sym", R, 0)])
mk("fifo", [("x", D, 0), ("x/fifo", tarfile.FIFOTYPE, 0)])
mk("chardev", [("x", D, 0), ("x/null", tarfile.CHRTYPE, 0)])
mk("setuid", [("x", D, 0), ("x/su", R, 0o4755)])
EOP
run t1 vm exec cpvm -- sh -c 'mkdir -p /root/x /usr/local/bin &&
    printf "#!/bin/sh\ncat /root/evil.tar\n" >/usr/local/bin/tar &&
    chmod 0755 /usr/local/bin/tar'
expect_rc 0 "a fake tar earlier in the guest's PATH"
for evil in dotdot:"'..'" abs:absolute symroot:symlink fifo:"a FIFO" \
    chardev:"a character device" setuid:setuid; do
	name=${evil%%:*}
	why=${evil#*:}
	trace "[t1] banger vm exec cpvm -- sh -c 'cat >/root/evil.tar' <$name.tar"
	banger vm exec cpvm -- sh -c 'cat >/root/evil.tar' <"$W/$name.tar" \
	    >/dev/null 2>&1 || fail "cannot send $name.tar into the guest"
	run t1 vm cp cpvm:/root/x "$work/evil/got"
	expect_rc 125 "vm cp of a stream with $name"
	grep -q "refused entry" "$W/err" && grep -qF "$why" "$W/err" ||
	    fail "$name: no clear refusal naming '$why'"
	[ -z "$(ls -A "$work/evil")" ] ||
	    fail "$name: left $(ls -A "$work/evil") at or beside DST"
	for f in "$work/escape-dotdot" "$TESTROOT/work/escape-dotdot" \
	    /tmp/banger-cp-escape-abs /tmp/banger-cp-escape-sym; do
		[ -e "$f" ] && fail "$name: $f escaped"
	done
	rm -rf "$work/evil"
	install -d -o banger-t1 "$work/evil"
done

# --max-size bounds what the host takes.
run t1 vm exec cpvm -- rm /usr/local/bin/tar
run t1 vm cp --max-size 1M cpvm:/root/tree "$work/evil/big"
expect_rc 125 "vm cp --max-size 1M of 3 MiB"
grep -q "max-size" "$W/err" || fail "no --max-size message"
[ -z "$(ls -A "$work/evil")" ] || fail "--max-size left $(ls -A "$work/evil")"
# 2^44 MiB is 2^64 bytes: refused, not wrapped to 0.
run t1 vm cp --max-size 16777216T cpvm:/root/tree "$work/evil/big"
expect_rc 2 "vm cp --max-size beyond 1T"
grep -q "from 1M to 1T" "$W/err" || fail "no '--max-size: from 1M to 1T' message"

# A guest without tar, either way.
run t1 vm exec cpvm -- rm -f /bin/tar /usr/bin/tar
run t1 vm cp cpvm:/root/tree "$work/evil/none"
expect_rc 125 "vm cp out of a guest without tar"
grep -q "has no tar" "$W/err" || fail "no 'has no tar' message (out)"
run t1 vm cp "$src" cpvm:/root/none
expect_rc 125 "vm cp into a guest without tar"
grep -q "has no tar" "$W/err" || fail "no 'has no tar' message (in)"
run t1 vm exec cpvm -- ln -s /bin/busybox /bin/tar
expect_rc 0 "tar back in the guest"

# vm workspace prepare: vm run PATH's files, into a running VM.
repo=$work/proj
mkdir -p "$repo/sub"
(
	cd "$repo" || exit 1
	git init -q .
	echo one >a.txt
	printf '#!/bin/sh\n' >sub/x.sh
	chmod 0755 sub/x.sh
	ln -s a.txt link
	echo ignored.txt >.gitignore
	git add -A
	git -c user.email=t@example.invalid -c user.name=t commit -qm init
	echo x >ignored.txt
	echo y >untracked.txt
) || fatal "cannot make the test repository"
chown -R banger-t1 "$repo"
run t1 vm workspace prepare cpvm "$repo"
expect_rc 0 "vm workspace prepare"
[ "$(cat "$W/out")" = /root/proj ] || fail "printed '$(cat "$W/out")', not /root/proj"
run t1 vm exec cpvm -- sh -c 'cd /root/proj && ls -A | tr "\n" " ";
    stat -c %a sub/x.sh; readlink link'
expect_rc 0 "look at the workspace"
[ "$(cat "$W/out")" = ".gitignore a.txt link sub 755
a.txt" ] || fail "the workspace holds: $(tr '\n' ' ' <"$W/out")"
run t1 vm workspace prepare --include-untracked --guest-path /srv/p cpvm \
    "$repo"
expect_rc 0 "vm workspace prepare --include-untracked --guest-path"
run t1 vm exec cpvm -- sh -c 'ls -A /srv/p | tr "\n" " "'
[ "$(cat "$W/out")" = ".gitignore a.txt link sub untracked.txt " ] ||
    fail "--include-untracked: $(cat "$W/out")"
run t1 vm workspace prepare --guest-path relative cpvm "$repo"
expect_rc 2 "--guest-path must be absolute"
run t1 vm workspace prepare cpvm "$work/back"
expect_rc 2 "vm workspace prepare of a directory that is not a repository"
grep -q "not inside a git repository" "$W/err" || fail "no 'not a repository' message"
run t1 vm workspace prepare --from v1 cpvm "$repo"
expect_rc 2 "--from without --branch"
grep -q -- "--from needs --branch" "$W/err" || fail "no '--from needs --branch'"
run t1 vm workspace prepare --branch feat cpvm "$repo"
expect_rc 125 "--branch on the tiny image"
grep -q "has no git" "$W/err" || fail "no 'has no git' message"

run t1 vm delete cpvm
expect_rc 0 "vm delete cpvm"
