# gitlab: `banger ci gitlab`, GitLab Runner's custom executor, driven as
# the runner drives it: each stage its own process with the job's
# variables as CUSTOM_ENV_*, BUILD_FAILURE_EXIT_CODE and
# SYSTEM_FAILURE_EXIT_CODE set, scripts written on the host and run in
# the job's VM.  The tiny image has busybox sh and no bash or git: run
# uses bash when the guest has it, else sh, and get_sources here only
# echoes.
. "$REGRESS/test-lib.sh"

BF=41
SF=42

# gl JOB VERB [ARG...]: one stage of job JOB on runner 7 as the runner
# calls it, exit status in RC, output in $W/out and $W/err.
gl() {
	_job=$1
	shift
	trace "[t1] job $_job: banger ci gitlab $*"
	as_user t1 env CUSTOM_ENV_CI_RUNNER_ID=7 CUSTOM_ENV_CI_JOB_ID="$_job" \
	    CUSTOM_ENV_CI_CONCURRENT_PROJECT_ID=0 \
	    CUSTOM_ENV_CI_JOB_IMAGE="${GL_IMAGE-tiny}" \
	    CUSTOM_ENV_BANGER_MEMORY="${GL_MEMORY-}" \
	    BUILD_FAILURE_EXIT_CODE=$BF SYSTEM_FAILURE_EXIT_CODE=$SF \
	    "$BIN/banger" ci gitlab "$@" >"$W/out" 2>"$W/err"
	RC=$?
	echo "  exit $RC"
	show "$W/out" "stdout"
	show "$W/err" "stderr"
	return 0
}

# script NAME BODY: a stage script shaped like the runner's, readable by
# t1 (the runner writes them in a temporary directory of its user).
script() {
	{
		echo '#!/usr/bin/env bash'
		echo
		echo 'set -e'
		printf '%s\n' "$2"
	} >"$SD/$1"
	chmod 0644 "$SD/$1"
}

SD=$W/scripts
mkdir -p "$SD"
chmod 0755 "$SD"

# ---- config: the JSON the runner reads ----
gl 101 config
expect_rc 0 "config"
jq -e '.builds_dir == "/root/builds" and .cache_dir == "/root/cache" and
    .builds_dir_is_shared == false and .hostname == "gl-7-101" and
    .driver.name == "banger" and (.driver.version | length > 0) and
    .job_env.BANGER_VM == "gl-7-101"' "$W/out" >/dev/null ||
    fail "config: not the JSON the runner wants"

# Without the job's ids, config names no VM; bad ids are refused, with
# the system failure code.
as_user t1 env SYSTEM_FAILURE_EXIT_CODE=$SF "$BIN/banger" ci gitlab config \
    >"$W/out" 2>"$W/err"
RC=$?
expect_rc 0 "config without job ids"
jq -e '.builds_dir == "/root/builds" and .builds_dir_is_shared == false and
    has("job_env") == false and has("hostname") == false' "$W/out" \
    >/dev/null || fail "config without job ids: wrong JSON"
as_user t1 env CUSTOM_ENV_CI_RUNNER_ID=7 'CUSTOM_ENV_CI_JOB_ID=1;x' \
    SYSTEM_FAILURE_EXIT_CODE=$SF "$BIN/banger" ci gitlab config \
    >"$W/out" 2>"$W/err"
RC=$?
expect_rc $SF "config with a bad job id"
[ -s "$W/out" ] && fail "config with a bad job id printed JSON"

# ---- a job, stage by stage ----
gl 101 prepare
expect_rc 0 "prepare"
vm_is_running t1 gl-7-101 || fail "prepare: VM gl-7-101 is not running"

script prepare 'echo "Running on $(hostname)"'
gl 101 run "$SD/prepare" prepare_script
expect_rc 0 "run prepare_script"

script sources 'mkdir -p /root/builds/p && cd /root/builds/p
command -v git >/dev/null || echo "no git in this image: sources skipped"
echo hello >README'
gl 101 run "$SD/sources" get_sources
expect_rc 0 "run get_sources"

# The script's own output is streamed; it sees what earlier stages left,
# and a command reading stdin does not eat the rest of the script.
script build 'cd /root/builds/p
cat README
read line || true
echo "built $(cat README)" >out.txt
echo build-ok'
gl 101 run "$SD/build" build_script
expect_rc 0 "run build_script"
grep -qx hello "$W/out" && grep -qx build-ok "$W/out" ||
    fail "build_script: output not streamed back"

script fail 'echo about to fail
exit 3'
gl 101 run "$SD/fail" build_script
expect_rc $BF "a build_script exiting 3"
grep -qx "about to fail" "$W/out" || fail "failing script: output lost"

# A script the host cannot read, or a bad stage, is the system's failure.
gl 101 run "$SD/no-such-script" build_script
expect_rc $SF "run of a missing script"

script after 'cat /root/builds/p/out.txt'
gl 101 run "$SD/after" after_script
expect_rc 0 "run after_script"
grep -qx "built hello" "$W/out" || fail "stages do not share the VM"

gl 101 cleanup
expect_rc 0 "cleanup"
vm_absent t1 gl-7-101 || fail "cleanup left VM gl-7-101"
gl 101 cleanup
expect_rc 0 "cleanup twice"

# run after the VM is gone: the system's failure, not the build's.
gl 101 run "$SD/prepare" build_script
expect_rc $SF "run with no VM"

# ---- two jobs at once ----
gl 201 prepare >/dev/null &
p1=$!
(
	W=$W/j2
	mkdir -p "$W"
	gl 202 prepare
	echo $RC >"$W/rc"
) >/dev/null &
p2=$!
wait $p1
wait $p2
vm_is_running t1 gl-7-201 || fail "job 201's VM is not running"
vm_is_running t1 gl-7-202 || fail "job 202's VM is not running"
[ "$(cat "$W/j2/rc")" = 0 ] || fail "job 202's prepare failed"
script who 'hostname; echo "$BANGER_VM"'
gl 201 run "$SD/who" build_script
expect_rc 0 "job 201 run"
grep -q gl-7-201 "$W/out" || fail "job 201 ran outside its VM"
gl 202 run "$SD/who" build_script
expect_rc 0 "job 202 run"
grep -q gl-7-202 "$W/out" || fail "job 202 ran outside its VM"
gl 201 cleanup
expect_rc 0 "job 201 cleanup"
vm_is_running t1 gl-7-202 || fail "job 201's cleanup touched job 202's VM"
gl 202 cleanup
expect_rc 0 "job 202 cleanup"

# ---- a job timeout: SIGTERM, then SIGKILL to the process group ----
gl 301 prepare
expect_rc 0 "prepare job 301"
dpid=$(daemon_pid t1)
pid_alive "$dpid" || fail "no running bangerd before the timeout"
script long 'echo started; sleep 1000; echo not-reached'
(gl 301 run "$SD/long" build_script; echo $RC >"$W/long.rc") \
    >"$W/long.log" 2>&1 &
wait_until 120 grep -qx started "$W/out" ||
    fail "the long script did not start"
# The runner signals the process group it started the executor in.
# Here that group is as_user's `timeout` (it makes its own group; ip
# netns exec, setpriv and env exec in place), with banger in it.
lp=$(pgrep -U "$(user_uid t1)" -f "banger ci gitlab run")
pg=$(ps -o pgid= -p "$lp" 2>/dev/null | tr -d ' ')
mypg=$(ps -o pgid= -p $$ | tr -d ' ')
if [ -z "$lp" ] || [ -z "$pg" ]; then
	fail "no run process to signal"
elif [ "$pg" = "$mypg" ] ||
    [ "$(cat "/proc/$pg/comm" 2>/dev/null)" != timeout ]; then
	# Never signal the test's own group.
	fail "run $lp is in group $pg, not in its own timeout's group"
else
	dpg=$(ps -o pgid= -p "$dpid" | tr -d ' ')
	trace "run $lp in process group $pg; bangerd $dpid in group $dpg"
	[ "$dpg" = "$pg" ] &&
	    fail "bangerd $dpid is in the job's process group $pg"
	trace "kill -TERM -$pg"
	kill -TERM -"$pg"
	# The runner's grace period, short here: then SIGKILL to the group.
	wait_until 30 pid_gone "$lp" ||
	    echo "  run still there 30 s after SIGTERM"
	trace "kill -KILL -$pg"
	kill -KILL -"$pg" 2>/dev/null
	wait_until 10 pid_gone "$lp" || fail "run survived SIGKILL to its group"
	[ -z "$(pgrep -g "$pg")" ] ||
	    fail "processes left in group $pg: $(pgrep -g "$pg" | tr '\n' ' ')"
fi
wait
cat "$W/long.log"
[ "$(cat "$W/long.rc")" = 0 ] && fail "the signalled run exited 0"
grep -q not-reached "$W/out" && fail "the long script ran to its end"
pid_alive "$dpid" || fail "bangerd $dpid died with the job's process group"
gl 301 cleanup
expect_rc 0 "cleanup after a timeout"
vm_absent t1 gl-7-301 || fail "cleanup after a timeout left the VM"
[ "$(daemon_pid t1)" = "$dpid" ] ||
    fail "bangerd was restarted (was $dpid, now $(daemon_pid t1))"

# ---- a failed prepare: nothing left, cleanup fine ----
GL_IMAGE=no-such-image gl 401 prepare
expect_rc $SF "prepare with a missing image"
vm_absent t1 gl-7-401 || fail "a failed prepare left a VM"
gl 401 cleanup
expect_rc 0 "cleanup after a failed prepare"
GL_IMAGE='bad image!' gl 402 prepare
expect_rc $SF "prepare with a bad image name"
GL_MEMORY=lots gl 403 prepare
expect_rc $SF "prepare with a bad BANGER_MEMORY"
vm_absent t1 gl-7-402 && vm_absent t1 gl-7-403 ||
    fail "a refused prepare left a VM"

# ---- kill -9 of bangerd mid-job: the stage running then fails as the
# system's; bangerd restarts and adopts the job's VM, so the next stage
# runs in it; cleanup leaves nothing ----
gl 501 prepare
expect_rc 0 "prepare job 501"
q=$(vm_field t1 gl-7-501 pid)
(gl 501 run "$SD/long" build_script; echo $RC >"$W/mid.rc") \
    >"$W/mid.log" 2>&1 &
mid=$!
wait_until 120 grep -qx started "$W/out" ||
    fail "the long script did not start in job 501"
dpid=$(daemon_pid t1)
pid_alive "$dpid" || fail "no running bangerd (pid file: '$dpid')"
trace "kill -9 bangerd $dpid"
kill -KILL "$dpid"
wait_until 10 pid_gone "$dpid" || fail "bangerd $dpid survived kill -9"
wait "$mid"
cat "$W/mid.log"
[ "$(cat "$W/mid.rc")" = $SF ] ||
    fail "the stage bangerd died under exited $(cat "$W/mid.rc"), want $SF"
gl 501 run "$SD/prepare" build_script
expect_rc 0 "the next stage, in the adopted VM"
[ "$(vm_field t1 gl-7-501 pid)" = "$q" ] ||
    fail "job 501's VM is not its old QEMU $q"
gl 501 cleanup
expect_rc 0 "cleanup after bangerd died"
vm_absent t1 gl-7-501 || fail "cleanup after a bangerd crash left the VM"

# ---- a job whose image is an OCI reference: pulled from a registry of
# the test's own (regress/oci-registry.py on the namespace's loopback),
# booted, run in, cleaned up; a reference the registry lacks fails
# prepare as the system's and leaves no VM ----
mkdir -p "$W/oci" || fatal "mkdir"
oci_busybox_layer "$W/oci/l1.tar" "etc/gl-oci=only in the pulled image" ||
    fatal "making the layer"
/usr/bin/python3 "$REGRESS/oci-registry.py" add "$W/oci/reg" test/gl:1 \
    --layer "$W/oci/l1.tar" >"$W/oci/add.out" 2>&1 ||
    fatal "oci-registry.py add: $(cat "$W/oci/add.out")"
oci_serve gl "$W/oci/reg"
GL_IMAGE=$REGHOST/test/gl:1 gl 601 prepare
expect_rc 0 "prepare with an OCI reference"
grep -q "^[A-Z]* /v2/test/gl/manifests/1 .*status=200" "$W/oci-gl/log" &&
    ok "prepare fetched the manifest from the test registry" ||
    fail "no manifest fetched: $(cat "$W/oci-gl/log")"
vm_is_running t1 gl-7-601 || fail "prepare: VM gl-7-601 is not running"
[ "$(vm_field t1 gl-7-601 image)" = gl-1 ] &&
    ok "job 601's VM boots from the pulled image gl-1" ||
    fail "job 601's VM has image '$(vm_field t1 gl-7-601 image)', want gl-1"
run t1 image show gl-1
grep -q "^source .*$REGHOST/test/gl:1@sha256:" "$W/out" ||
    fail "image gl-1 does not name the reference: $(cat "$W/out")"
# tiny has no /etc/gl-oci: under set -e, the script fails anywhere else.
script oci 'cat /etc/gl-oci
echo oci-ok'
gl 601 run "$SD/oci" build_script
expect_rc 0 "build_script in the pulled image"
grep -qx "only in the pulled image" "$W/out" && grep -qx oci-ok "$W/out" &&
    ok "build_script ran in the pulled image" ||
    fail "build_script did not see the pulled image's file"
gl 601 cleanup
expect_rc 0 "cleanup of the OCI job"
vm_absent t1 gl-7-601 || fail "cleanup left VM gl-7-601"

GL_IMAGE=$REGHOST/test/gl:nosuch gl 602 prepare
expect_rc $SF "prepare with a reference the registry does not have"
grep -q "^[A-Z]* /v2/test/gl/manifests/nosuch .*status=404" "$W/oci-gl/log" ||
    fail "the missing reference was not asked for: $(cat "$W/oci-gl/log")"
vm_absent t1 gl-7-602 || fail "a failed pull left VM gl-7-602"
images=$(state_dir t1)/images
[ -e "$images/gl-nosuch" ] || [ -e "$images/gl-nosuch.build" ] &&
    fail "a failed pull left image gl-nosuch"
gl 602 cleanup
expect_rc 0 "cleanup after a failed pull"
kill "$REGPID" 2>/dev/null
wait "$REGPID" 2>/dev/null

wait_until 30 no_taps || fail "taps left: $(ns_taps)"
wait_until 30 no_qemu t1 || fail "QEMU left: $(qemu_pids t1)"
