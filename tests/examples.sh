#!/bin/sh
# The example programs run against kubesim (demo-shop, namespace shop) and llmsim, so they
# cannot rot: C examples (built by make check) and Python examples (when the binding is built).
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/kubesim.sh"
start_kubesim demo-shop

tmp=$(mktemp -d "${TMPDIR:-/tmp}/examples.XXXXXX")
llm_pid=""
cleanup() { [ -n "$llm_pid" ] && kill "$llm_pid" 2>/dev/null; rm -rf "$tmp"; _sim_cleanup; }
trap cleanup EXIT
cat > "$tmp/script.json" <<'JSON'
{"rules": [{"reply": "The cart pod is OOMKilled: raise its memory limit.", "chunks": 4}]}
JSON
"$top_builddir/tests/llmsim/llmsim" --listen 127.0.0.1:0 --script "$tmp/script.json" \
	--record "$tmp/record.jsonl" --port-file "$tmp/port" > "$tmp/llmsim.out" &
llm_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
LLM_URL="http://127.0.0.1:$(cat "$tmp/port")"
fails=0
check() { # check NAME EXPECTED_STATUS GREP_PATTERN -- command...   (pattern "err:P": P on stderr)
	name=$1 want=$2 pat=$3; shift 4
	st=0; "$@" > "$tmp/out" 2> "$tmp/err" || st=$?
	where=$tmp/out
	case $pat in err:*) pat=${pat#err:}; where=$tmp/err ;; esac
	if [ "$st" != "$want" ] || ! grep -q -- "$pat" "$where"; then
		echo "FAIL: $name (exit $st, want $want; pattern '$pat')"; sed 's/^/  out: /' "$tmp/out" | head -20
		sed 's/^/  err: /' "$tmp/err" | head -20; fails=$((fails + 1))
	else
		echo "ok: $name"
	fi
}

ex=$top_builddir/examples/c
check "c/findings-json" 1 '"code": *"OOMKilled"' -- "$ex/findings-json" -k "$KUBECONFIG_FILE" shop
"$SYSTEM_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["namespace"]=="shop" and d["findings"], d' "$tmp/out" \
	|| { echo "FAIL: findings-json output is not the findings JSON"; fails=$((fails + 1)); }
check "c/findings-json default namespace" 1 '"namespace": *"shop"' -- "$ex/findings-json" -k "$KUBECONFIG_FILE"
check "c/findings-json bad kubeconfig" 2 'err:/nonexistent/kubeconfig.*configuration error' -- "$ex/findings-json" -k /nonexistent/kubeconfig
check "c/diagnose" 1 'raise its memory limit' -- "$ex/diagnose" -k "$KUBECONFIG_FILE" -u "$LLM_URL" shop "why?"
grep -q '"OOMKilled"' "$tmp/out" || { echo "FAIL: c/diagnose printed no findings"; fails=$((fails + 1)); }
check "c/diagnose without a model" 1 'no model answer' -- "$ex/diagnose" -k "$KUBECONFIG_FILE" -u "http://127.0.0.1:1" shop
check "c/investigate" 0 'raise its memory limit' -- sh -c '"$1" -k "$2" -u "$3" shop "why?" </dev/null' sh "$ex/investigate" "$KUBECONFIG_FILE" "$LLM_URL"
grep -q '"mutating_commands"' "$tmp/out" || { echo "FAIL: investigate printed no verification"; fails=$((fails + 1)); }

if "$SYSTEM_PYTHON" -c 'import k8sagent' 2>/dev/null; then
	py=$top_srcdir/examples/python
	check "python/diagnose.py" 1 'raise its memory limit' -- \
		"$SYSTEM_PYTHON" "$py/diagnose.py" --kubeconfig "$KUBECONFIG_FILE" --llm-url "$LLM_URL" shop "why?"
	grep -q 'OOMKilled' "$tmp/out" || { echo "FAIL: diagnose.py printed no findings"; fails=$((fails + 1)); }
	check "python/investigate.py with a follow-up" 0 'verification:' -- \
		"$SYSTEM_PYTHON" "$py/investigate.py" --kubeconfig "$KUBECONFIG_FILE" --llm-url "$LLM_URL" shop "why?" "and then?"
	[ "$(grep -c 'raise its memory limit' "$tmp/out")" = 2 ] || { echo "FAIL: investigate.py did not answer twice"; fails=$((fails + 1)); }
	check "python/diagnose.py, no model" 3 'no model answer' -- \
		"$SYSTEM_PYTHON" "$py/diagnose.py" --kubeconfig "$KUBECONFIG_FILE" --llm-url "http://127.0.0.1:9" shop "why?"
	check "python/diagnose.py --no-model" 1 'OOMKilled' -- \
		"$SYSTEM_PYTHON" "$py/diagnose.py" --kubeconfig "$KUBECONFIG_FILE" --no-model shop
	check "python/diagnose.py bad kubeconfig" 2 'err:/nonexistent/kubeconfig.*configuration error' -- \
		"$SYSTEM_PYTHON" "$py/diagnose.py" --kubeconfig /nonexistent/kubeconfig shop
	check "python/watch_findings.py --once" 0 '^+ critical *OOMKilled' -- \
		"$SYSTEM_PYTHON" "$py/watch_findings.py" --kubeconfig "$KUBECONFIG_FILE" --once shop
	# a second poll of an unchanged cluster prints nothing new
	check "python/watch_findings.py --iterations 2" 0 'OOMKilled' -- \
		"$SYSTEM_PYTHON" "$py/watch_findings.py" --kubeconfig "$KUBECONFIG_FILE" --iterations 2 --interval 0.1 --json shop
	n1=$(grep -c '"event": "+"' "$tmp/out" || true)
	[ -n "$n1" ] && [ "$n1" -gt 0 ] && ! grep -q '"event": "-"' "$tmp/out" \
		|| { echo "FAIL: watch_findings repeated or dropped findings"; fails=$((fails + 1)); }
	check "python/slack_message.py" 0 '"type": "header"' -- \
		"$SYSTEM_PYTHON" "$py/slack_message.py" --kubeconfig "$KUBECONFIG_FILE" shop
	"$SYSTEM_PYTHON" - "$tmp/out" <<'PY' || { echo "FAIL: slack message shape"; fails=$((fails + 1)); }
import json, sys
m = json.load(open(sys.argv[1]))
assert m["text"].endswith("namespace shop") and "problem" in m["text"], m["text"]
assert len(m["blocks"]) <= 50
assert any("OOMKilled" in b.get("text", {}).get("text", "") for b in m["blocks"]), m
PY
	"$ex/findings-json" -k "$KUBECONFIG_FILE" shop > "$tmp/findings.json" || true
	check "python/slack_message.py --from-json" 0 'OOMKilled' -- \
		"$SYSTEM_PYTHON" "$py/slack_message.py" --from-json "$tmp/findings.json"
else
	echo "skip: Python examples (the k8sagent binding is not built)"
fi
[ "$fails" = 0 ] || { echo "$fails example check(s) failed"; exit 1; }
echo "all example checks passed"
