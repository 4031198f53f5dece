# Shell harness for llmsim, shared by tests and the demo. POSIX sh; source it:
#
#   . "$top_srcdir/tests/lib/llmsim.sh"
#   start_llmsim [SCRIPT.json] [llmsim options...]
#   curl "$LLMSIM_URL/api/tags"; grep num_ctx "$LLMSIM_RECORD"
#
# start_llmsim starts llmsim on 127.0.0.1:0 in a fresh temp dir, waits until it listens and
# sets LLMSIM_DIR, LLMSIM_URL, LLMSIM_RECORD (its --record file), LLMSIM_PID. An EXIT trap
# stops every simulator started, kubesim too, and removes the temp dirs
# (tests/lib/simproc.sh; LLMSIM_KEEP=1 keeps them).

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
LLMSIM_BIN=${LLMSIM_BIN:-$top_builddir/tests/llmsim/llmsim}
. "$top_srcdir/tests/lib/simproc.sh"

start_llmsim() {
	_script=""
	case ${1:-} in
	*.json) _script=$1; shift ;;
	esac
	if [ ! -x "$LLMSIM_BIN" ]; then
		echo "llmsim: $LLMSIM_BIN not built (run make)" >&2
		return 1
	fi
	LLMSIM_DIR=$(_sim_tmpdir llmsim) || return 1
	LLMSIM_RECORD=$LLMSIM_DIR/record.jsonl
	if [ -n "$_script" ]; then set -- --script "$_script" "$@"; fi
	"$LLMSIM_BIN" --listen 127.0.0.1:0 --record "$LLMSIM_RECORD" \
		--port-file "$LLMSIM_DIR/port" "$@" >"$LLMSIM_DIR/stdout" 2>"$LLMSIM_DIR/stderr" &
	LLMSIM_PID=$!
	_sim_started llmsim "$LLMSIM_PID" "$LLMSIM_DIR" "$LLMSIM_DIR/port" || return 1
	LLMSIM_URL=http://127.0.0.1:$(cat "$LLMSIM_DIR/port")
	export LLMSIM_URL LLMSIM_RECORD LLMSIM_DIR LLMSIM_PID
}
