# Process bookkeeping shared by tests/lib/kubesim.sh and tests/lib/llmsim.sh (sourced by
# them; POSIX sh). One list of simulator PIDs and temp dirs, one EXIT trap that stops and
# removes them all (SIM_KEEP=1, KUBESIM_KEEP=1 or LLMSIM_KEEP=1 keeps the dirs).

_sim_pids=${_sim_pids:-}
_sim_dirs=${_sim_dirs:-}

_sim_cleanup() {
	for _p in $_sim_pids; do
		kill "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	done
	_sim_pids=""
	if [ "${SIM_KEEP:-0}${KUBESIM_KEEP:-0}${LLMSIM_KEEP:-0}" = 000 ]; then
		for _d in $_sim_dirs; do rm -rf "$_d"; done
	else
		echo "simulators: kept $_sim_dirs" >&2
	fi
	_sim_dirs=""
}

# _sim_tmpdir NAME: a fresh temp dir, removed at exit; prints its path.
_sim_tmpdir() {
	mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX"
}

# _sim_started NAME PID DIR FILE: track PID and DIR, then wait up to 10 s until the
# simulator wrote FILE (its kubeconfig or port file); on failure print its stderr.
_sim_started() {
	_sim_pids="$_sim_pids $2"
	_sim_dirs="$_sim_dirs $3"
	trap _sim_cleanup EXIT
	trap 'exit 130' INT TERM
	_i=0
	while [ ! -s "$4" ]; do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "$1: failed to start:" >&2
			cat "$3/stderr" >&2
			return 1
		fi
		_i=$((_i + 1))
		if [ "$_i" -gt 500 ]; then
			echo "$1: not listening after 10 s" >&2
			return 1
		fi
		sleep 0.02
	done
}
