# Shell harness for llmsim, shared by tests and the demo. POSIX sh; source it:
#
#   . "$top_srcdir/tests/lib/llmsim.sh"
#   start_llmsim [SCRIPT.json] [llmsim options...]
#   curl "$LLMSIM_URL/api/tags"; grep num_ctx "$LLMSIM_RECORD"
#
# start_llmsim starts llmsim on 127.0.0.1:0 in a fresh temp dir, waits until it listens and
# sets LLMSIM_DIR, LLMSIM_URL, LLMSIM_RECORD (its --record file), LLMSIM_PID. An EXIT trap
# stops every llmsim started (and kubesim too, when tests/lib/kubesim.sh is also sourced:
# the two traps would otherwise replace each other) and removes the temp dirs
# (LLMSIM_KEEP=1 keeps them).

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
LLMSIM_BIN=${LLMSIM_BIN:-$top_builddir/tests/llmsim/llmsim}
_llmsim_pids=""
_llmsim_dirs=""

_llmsim_cleanup() {
	for _p in $_llmsim_pids; do
		kill "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	done
	_llmsim_pids=""
	if [ "${LLMSIM_KEEP:-0}" != 1 ]; then
		for _d in $_llmsim_dirs; do rm -rf "$_d"; done
	else
		echo "llmsim: kept $_llmsim_dirs" >&2
	fi
	_llmsim_dirs=""
}

_llmsim_exit() {
	_llmsim_cleanup
	if command -v _kubesim_cleanup >/dev/null 2>&1; then _kubesim_cleanup; fi
}

start_llmsim() {
	_script=""
	case ${1:-} in
	*.json) _script=$1; shift ;;
	esac
	if [ ! -x "$LLMSIM_BIN" ]; then
		echo "llmsim: $LLMSIM_BIN not built (run make)" >&2
		return 1
	fi
	LLMSIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/llmsim.XXXXXX") || return 1
	_llmsim_dirs="$_llmsim_dirs $LLMSIM_DIR"
	LLMSIM_RECORD=$LLMSIM_DIR/record.jsonl
	trap _llmsim_exit EXIT
	trap 'exit 130' INT TERM
	if [ -n "$_script" ]; then set -- --script "$_script" "$@"; fi
	"$LLMSIM_BIN" --listen 127.0.0.1:0 --record "$LLMSIM_RECORD" \
		--port-file "$LLMSIM_DIR/port" "$@" >"$LLMSIM_DIR/stdout" 2>"$LLMSIM_DIR/stderr" &
	LLMSIM_PID=$!
	_llmsim_pids="$_llmsim_pids $LLMSIM_PID"
	_i=0
	while [ ! -s "$LLMSIM_DIR/port" ]; do
		if ! kill -0 "$LLMSIM_PID" 2>/dev/null; then
			echo "llmsim: failed to start:" >&2
			cat "$LLMSIM_DIR/stderr" >&2
			return 1
		fi
		_i=$((_i + 1))
		if [ "$_i" -gt 500 ]; then
			echo "llmsim: not listening after 10 s" >&2
			return 1
		fi
		sleep 0.02
	done
	LLMSIM_URL=http://127.0.0.1:$(cat "$LLMSIM_DIR/port")
	export LLMSIM_URL LLMSIM_RECORD LLMSIM_DIR LLMSIM_PID
}
