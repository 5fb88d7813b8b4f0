# vm run --rm leaves nothing behind: no VM, no state dir, no tap, no QEMU,
# no lease; also when the command fails.
. "$REGRESS/test-lib.sh"

vms=$(state_dir t1)/vms

vm_list_empty() {
	vm_list_json t1 && [ "$(jq length "$W/list.json")" = 0 ]
}

check_clean() {
	t0=$(date +%s)
	vm_list_json t1 || { fail "$1: vm list --json failed"; return; }
	n=$(jq length "$W/list.json")
	if [ "$n" != 0 ]; then
		# --rm is done when the CLI returns; say whether it was late
		# or never happened.
		fail "$1: vm list right after the CLI returned shows $n VM(s): $(jq -c . "$W/list.json")"
		if wait_until 20 vm_list_empty; then
			echo "  (gone $(($(date +%s) - t0))s later)"
		else
			echo "  (still listed 20s later)"
		fi
	fi
	[ -z "$(ls -A "$vms" 2>/dev/null)" ] ||
	    fail "$1: left under vms/: $(ls -A "$vms")"
	wait_until 10 no_qemu t1 || fail "$1: qemu still running: $(qemu_pids t1)"
	wait_until 10 no_taps || fail "$1: taps left: $(ns_taps)"
	no_leases t1 || fail "$1: lease left: $(user_leases t1)"
}

run t1 vm run --rm --name rmtest -- true
expect_rc 0 "vm run --rm --name rmtest -- true"
check_clean "after --rm with a name"

run t1 vm run --rm -- sh -c 'exit 3'
expect_rc 3 "vm run --rm -- sh -c 'exit 3'"
check_clean "after --rm with a failing command"
dump_world
