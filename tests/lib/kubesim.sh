# Shell harness for kubesim, shared by tests and the demo. POSIX sh; source it:
#
#   . "$top_srcdir/tests/lib/kubesim.sh"
#   start_kubesim demo-shop [kubesim options...]   # a name under tests/scenarios, or a path
#   kubectl --kubeconfig "$KUBECONFIG_FILE" get pods
#   kubesim_curl /api/v1/namespaces/shop/pods      # curl with the CA and the token
#
# start_kubesim starts kubesim on 127.0.0.1:0 in a fresh temp dir, waits until it listens
# and sets KUBESIM_DIR, KUBECONFIG_FILE, AUDIT_LOG, KUBESIM_CA, KUBESIM_URL, KUBESIM_TOKEN,
# KUBESIM_PID. An EXIT trap stops every kubesim started and removes the temp dirs
# (KUBESIM_KEEP=1 keeps them). stop_kubesim stops the last one early.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
KUBESIM_BIN=${KUBESIM_BIN:-$top_builddir/tests/kubesim/kubesim}
_kubesim_pids=""
_kubesim_dirs=""

_kubesim_cleanup() {
	for _p in $_kubesim_pids; do
		kill "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	done
	_kubesim_pids=""
	if [ "${KUBESIM_KEEP:-0}" != 1 ]; then
		for _d in $_kubesim_dirs; do rm -rf "$_d"; done
	else
		echo "kubesim: kept $_kubesim_dirs" >&2
	fi
	_kubesim_dirs=""
}

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
	KUBESIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kubesim.XXXXXX") || return 1
	_kubesim_dirs="$_kubesim_dirs $KUBESIM_DIR"
	KUBECONFIG_FILE=$KUBESIM_DIR/kubeconfig
	AUDIT_LOG=$KUBESIM_DIR/audit.jsonl
	KUBESIM_CA=$KUBESIM_DIR/ca.pem
	trap _kubesim_cleanup EXIT
	trap 'exit 130' INT TERM
	"$KUBESIM_BIN" --scenario "$_scen" --listen 127.0.0.1:0 \
		--write-kubeconfig "$KUBECONFIG_FILE" --audit-log "$AUDIT_LOG" \
		--write-ca "$KUBESIM_CA" "$@" >"$KUBESIM_DIR/stdout" 2>"$KUBESIM_DIR/stderr" &
	KUBESIM_PID=$!
	_kubesim_pids="$_kubesim_pids $KUBESIM_PID"
	_i=0
	while [ ! -s "$KUBECONFIG_FILE" ]; do
		if ! kill -0 "$KUBESIM_PID" 2>/dev/null; then
			echo "kubesim: failed to start:" >&2
			cat "$KUBESIM_DIR/stderr" >&2
			return 1
		fi
		_i=$((_i + 1))
		if [ $_i -gt 200 ]; then
			echo "kubesim: no kubeconfig after 10 s" >&2
			return 1
		fi
		sleep 0.05
	done
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
