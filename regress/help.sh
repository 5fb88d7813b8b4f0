# Every command answers --help with its usage and exit 0; unknown commands
# and options are usage errors (exit 2); asking for help starts no daemon.
. "$REGRESS/test-lib.sh"

for cmd in "" "vm" "vm run" "vm list" "vm delete" "daemon" "daemon status" \
    "daemon stop" "daemon restart" "doctor" "kernel" "kernel list" "kernel import" \
    "kernel pull" "kernel bundle" "kernel delete" "vm suspend" "vm resume" \
    "vm fork" "image warm" "vm pull" "vm acp" "web" "vm session" "vm cp" \
    "vm workspace prepare" "ci gitlab"; do
	run t1 $cmd --help
	expect_rc 0 "banger $cmd --help"
	cat "$W/out" "$W/err" >"$W/both"
	grep -qi usage "$W/both" ||
	    fail "banger $cmd --help: no usage line"
	# The usage names the command it documents.
	last=${cmd##* }
	[ -z "$last" ] || grep -q -- "$last" "$W/both" ||
	    fail "banger $cmd --help does not mention '$last'"
done

# The top-level help lists the nouns.
run t1 --help
for noun in vm image kernel daemon doctor; do
	grep -q "$noun" "$W/out" "$W/err" ||
	    fail "banger --help does not list '$noun'"
done

for bad in "frobnicate" "vm frobnicate" "daemon frobnicate" \
    "vm list --no-such-flag" "vm delete"; do
	run t1 $bad
	expect_rc 2 "banger $bad"
	[ -s "$W/err" ] || fail "banger $bad: nothing on stderr"
	[ -s "$W/out" ] && fail "banger $bad: usage error printed on stdout"
done

pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd >/dev/null &&
    fail "help or a usage error started bangerd"
[ -e "$(rt_dir t1)/bangerd.sock" ] &&
    fail "help or a usage error created the control socket"
