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

# Warm starts: `vm run --rm -- true` restored from a template against
# booted (--cold), in one run, and vm fork of a running VM (the time until
# the child's agent has answered, as vm fork waits for it).
# $1 image
bench_warm() {
	_e=$LOGDIR/warm-$1.err
	if ! banger image warm "$1" </dev/null >/dev/null 2>>"$_e"; then
		echo "warm start ($1): image warm failed; see $_e"
		return
	fi
	: >"$LOGDIR/warm-$1.times"
	: >"$LOGDIR/cold-$1.times"
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		for _k in warm cold; do
			_f=
			[ $_k = cold ] && _f=--cold
			_t0=$(now)
			banger vm run --rm $_f --image "$1" -- true </dev/null \
			    >/dev/null 2>>"$_e" || { _i=$RUNS; break; }
			_t1=$(now)
			echo "$_t0 $_t1" | awk '{ printf "%.3f\n", $2 - $1 }' \
			    >>"$LOGDIR/$_k-$1.times"
		done
		_i=$((_i + 1))
	done
	_w=$(median <"$LOGDIR/warm-$1.times")
	_c=$(median <"$LOGDIR/cold-$1.times")
	echo "vm run --rm -- true ($1): warm $_w s, cold $_c s;" \
	    "$(echo "$_w $_c" | awk '{ if ($2 > 0) printf "ratio warm / cold %.2f", $1 / $2 }')"
	if banger vm create --name bench-fork --image "$1" </dev/null \
	    >/dev/null 2>>"$_e"; then
		_t0=$(now)
		banger vm fork bench-fork </dev/null >/dev/null 2>>"$_e"
		_t1=$(now)
		echo "$_t0 $_t1" | awk '{ printf "vm fork of a running VM: %.3f s to the child answering\n", $2 - $1 }'
		banger vm delete bench-fork bench-fork-1 </dev/null \
		    >/dev/null 2>>"$_e"
	fi
}

bench_warm tiny
if [ -f "$(state_dir t1)/images/debian-bookworm/rootfs.ext4" ]; then
	bench_warm debian-bookworm
else
	echo "warm start (debian-bookworm): not built for the bench user; skipped"
fi
