# ~/.config/banger/config.toml: [vm_defaults] size new VMs, the request
# wins over them, and a broken file stops VM creation and doctor with the
# file, line and key.
. "$REGRESS/test-lib.sh"

cfgdir=$(user_home t1)/.config/banger
install -d -m 0700 -o banger-t1 "$(user_home t1)/.config" "$cfgdir"
put_config() {
	printf '%s\n' "$@" >"$cfgdir/config.toml"
	chown banger-t1 "$cfgdir/config.toml"
}

put_config '# test' 'vmm = "qemu"' '[vm_defaults]' 'vcpu = 2' \
    'memory_mib = 384' 'disk_size = "1G"' 'egress = "allowlist"' \
    'allow = ["Deb.Example", "*.npm.example"]'
run t1 vm create --no-start --name cfg1
expect_rc 0 "vm create with config defaults"
grep -q '^banger: spec: 2 vCPU, 384 MiB RAM, 1024 MiB disk' "$W/err" ||
    fail "spec line does not show the configured defaults"
run t1 vm show --json cfg1
jq -e '.egress.mode == "allowlist" and .egress.allow == ["deb.example",
    "*.npm.example"]' "$W/out" >/dev/null ||
    fail "the egress defaults of config.toml were not applied"
run t1 vm create --no-start --name cfg2 --vcpu 1 --memory 256M \
    --egress open
expect_rc 0 "vm create overriding the defaults"
run t1 vm show --json cfg2
jq -e '.vcpus == 1 and .memory_mib == 256 and .disk_mib == 1024 and
    .egress.mode == "open" and .egress.allow == []' \
    "$W/out" >/dev/null || fail "flags did not override config.toml"
run t1 vm create --no-start --name cfgeg --allow only.example
expect_rc 0 "vm create with --allow"
run t1 vm egress --json cfgeg
jq -e '.mode == "allowlist" and .allow == ["only.example"]' "$W/out" \
    >/dev/null || fail "--allow did not replace the default domains"

run t1 doctor
grep -q 'vm defaults: 2 vCPU (config.toml:4), 384 MiB memory (config.toml:5), 1024 MiB disk (config.toml:6)' "$W/out" ||
    fail "doctor does not show the defaults and where they come from"
grep -q 'egress default: allowlist: deb.example, \*.npm.example (config.toml:7)' \
    "$W/out" || fail "doctor does not show the egress default"

# [[file_sync]]: a file (default mode 0600) and a directory (modes kept,
# symlinks inside skipped with a warning), owned by root in the guest.
src=$(user_home t1)/syncsrc
install -d -m 0755 -o banger-t1 "$src" "$src/dir"
echo secret >"$src/token"
echo a >"$src/dir/a"
chmod 0644 "$src/token"
chmod 0640 "$src/dir/a"
ln -s /etc/passwd "$src/dir/link"
chown -h banger-t1 "$src/token" "$src/dir/a" "$src/dir/link"
put_config '[[file_sync]]' 'host = "~/syncsrc/token"' 'guest = "~/.token"' \
    '[[file_sync]]' 'host = "~/syncsrc/dir"' 'guest = "/root/cfg/dir"'
run t1 vm run --rm -- sh -c 'stat -c "%a %u" /root/.token; cat /root/.token;
    stat -c "%a %u" /root/cfg/dir/a; ls -A /root/cfg/dir'
expect_rc 0 "vm run with file_sync"
printf '600 0\nsecret\n640 0\na\n' >"$W/want"
cmp -s "$W/out" "$W/want" || fail "file_sync result: $(tr '\n' '|' <"$W/out")"
grep -q "skipped symlink" "$W/err" || fail "no warning for the skipped symlink"

put_config '[vm_defaults]' 'vcpu = 2' 'colour = "red"'
run t1 vm create --no-start --name cfg3
expect_rc 125 "vm create with an unknown key"
grep -q 'config.toml:3' "$W/err" || fail "error does not give file:line"
grep -q 'colour' "$W/err" || fail "error does not name the key"
vm_absent t1 cfg3 || fail "cfg3 was created despite the broken config"
run t1 doctor
expect_rc 1 "doctor with a broken config"
grep -q 'config.toml:3' "$W/out" || fail "doctor does not report file:line"

put_config 'ssh_key_path = "keys/id"'
run t1 vm create --no-start --name cfg4
expect_rc 125 "relative ssh_key_path"
grep -q 'ssh_key_path' "$W/err" || fail "relative ssh_key_path: key not named"

put_config '[vm_defaults]' 'vcpu = 0'
run t1 vm run --rm -- true
expect_rc 125 "vm run with vcpu = 0"
grep -q 'vm_defaults.vcpu' "$W/err" || fail "vcpu = 0: key not named"

rm -f "$cfgdir/config.toml"
run t1 vm delete cfg1 cfg2 cfgeg
expect_rc 0 "cleanup"
