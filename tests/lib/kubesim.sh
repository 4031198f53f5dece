# Shell harness for kubesim, shared by tests and the demo. POSIX sh; source it:
#
#   . "$top_srcdir/tests/lib/kubesim.sh"
#   start_kubesim demo-shop [kubesim options...]   # a name under tests/scenarios, or a path
#   kubectl --kubeconfig "$KUBECONFIG_FILE" get pods
#   kubesim_curl /api/v1/namespaces/shop/pods      # curl with the CA and the token
#
# start_kubesim starts kubesim on 127.0.0.1:0 in a fresh temp dir, waits until it listens
# and sets KUBESIM_DIR, KUBECONFIG_FILE, AUDIT_LOG, KUBESIM_CA, KUBESIM_URL, KUBESIM_TOKEN,
# KUBESIM_PID. An EXIT trap stops every simulator started and removes the temp dirs
# (tests/lib/simproc.sh; KUBESIM_KEEP=1 keeps them). stop_kubesim stops the last one early.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
KUBESIM_BIN=${KUBESIM_BIN:-$top_builddir/tests/kubesim/kubesim}
. "$top_srcdir/tests/lib/simproc.sh"

start_kubesim() {
	_scen=$1
	shift
	case $_scen in
	*/*) ;;
	*) _scen=$top_srcdir/tests/scenarios/$_scen ;;
	esac
	if [ ! -x "$KUBESIM_BIN" ]; then
		echo "kubesim: $KUBESIM_BIN not built (run make)" >&2
		return 1
	fi
	KUBESIM_DIR=$(_sim_tmpdir kubesim) || return 1
	KUBECONFIG_FILE=$KUBESIM_DIR/kubeconfig
	AUDIT_LOG=$KUBESIM_DIR/audit.jsonl
	KUBESIM_CA=$KUBESIM_DIR/ca.pem
	"$KUBESIM_BIN" --scenario "$_scen" --listen 127.0.0.1:0 \
		--write-kubeconfig "$KUBECONFIG_FILE" --audit-log "$AUDIT_LOG" \
		--write-ca "$KUBESIM_CA" "$@" >"$KUBESIM_DIR/stdout" 2>"$KUBESIM_DIR/stderr" &
	KUBESIM_PID=$!
	_sim_started kubesim "$KUBESIM_PID" "$KUBESIM_DIR" "$KUBECONFIG_FILE" || return 1
	KUBESIM_URL=$(sed -n 's/^    server: //p' "$KUBECONFIG_FILE")
	KUBESIM_TOKEN=$(sed -n 's/^    token: "\(.*\)"$/\1/p' "$KUBECONFIG_FILE")
	export KUBESIM_DIR KUBECONFIG_FILE AUDIT_LOG KUBESIM_CA KUBESIM_URL KUBESIM_TOKEN KUBESIM_PID
}

stop_kubesim() {
	kill "$KUBESIM_PID" 2>/dev/null && wait "$KUBESIM_PID" 2>/dev/null
	return 0
}

# kubesim_curl PATH [curl options...]: GET PATH with the CA and token; prints the body.
kubesim_curl() {
	_path=$1
	shift
	curl -sS --cacert "$KUBESIM_CA" -H "Authorization: Bearer $KUBESIM_TOKEN" "$@" \
		"$KUBESIM_URL$_path"
}
