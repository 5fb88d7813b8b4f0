# Sourced by bench.sh.  Suspend and resume (docs/snapshots.md): a running
# VM suspended and resumed $RUNS times, the saved state's size, and the
# resume against a cold start of the same VM (vm stop, then vm start),
# for tiny and, if the bench user has it, debian-bookworm.

# $1 VM name, $2 image
bench_snap() {
	_e=$LOGDIR/snap-$1.err
	if ! banger vm create --name "$1" --image "$2" </dev/null \
	    >/dev/null 2>>"$_e"; then
		echo "suspend/resume ($2): vm create failed; see $_e"
		return
	fi
	: >"$LOGDIR/$1.suspend"
	: >"$LOGDIR/$1.resume"
	: >"$LOGDIR/$1.cold"
	_size=
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_t0=$(now)
		banger vm suspend "$1" </dev/null >/dev/null 2>>"$_e" || break
		_t1=$(now)
		_size=$(stat -c %s "$(state_dir t1)/vms/$1/suspend/state")
		banger vm resume "$1" </dev/null >/dev/null 2>>"$_e" || break
		_t2=$(now)
		banger vm stop "$1" </dev/null >/dev/null 2>>"$_e" || break
		_t3=$(now)
		banger vm start "$1" </dev/null >/dev/null 2>>"$_e" || break
		_t4=$(now)
		echo "$_t0 $_t1" | awk '{ printf "%.3f\n", $2 - $1 }' \
		    >>"$LOGDIR/$1.suspend"
		echo "$_t1 $_t2" | awk '{ printf "%.3f\n", $2 - $1 }' \
		    >>"$LOGDIR/$1.resume"
		echo "$_t3 $_t4" | awk '{ printf "%.3f\n", $2 - $1 }' \
		    >>"$LOGDIR/$1.cold"
		_i=$((_i + 1))
	done
	banger vm delete "$1" </dev/null >/dev/null 2>>"$_e"
	if [ $_i -lt "$RUNS" ]; then
		echo "suspend/resume ($2): failed after $_i runs; see $_e"
		return
	fi
	_s=$(median <"$LOGDIR/$1.suspend")
	_r=$(median <"$LOGDIR/$1.resume")
	_c=$(median <"$LOGDIR/$1.cold")
	echo "vm suspend ($2): median $_s s, saved state $(echo "$_size" |
	    awk '{ printf "%.1f MiB", $1 / 1048576 }')"
	echo "vm resume ($2): median $_r s; cold vm start $_c s;" \
	    "$(echo "$_r $_c" | awk '{ printf "ratio resume / cold start %.2f", $1 / $2 }')"
}

bench_snap bench-snap tiny
if [ -f "$(state_dir t1)/images/debian-bookworm/rootfs.ext4" ]; then
	bench_snap bench-snap-g debian-bookworm
else
	echo "suspend/resume (debian-bookworm): not built for the bench user; skipped"
fi
