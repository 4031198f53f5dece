#!/bin/sh
# `k8sagent investigate` and `k8sagent chat` against kubesim (log-only-fault) and llmsim
# scripted to call tools: tool calls on stderr, the answer and its verification on stdout,
# `-o json` as DESIGN.md fixes it, exit 4 at the step limit, follow-ups without a second
# snapshot, and only GETs in the audit log.
set -eu
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
. "$top_srcdir/tests/lib/kubesim.sh"
. "$top_srcdir/tests/lib/llmsim.sh"
k8sagent=$top_builddir/service/k8sagent
pod=payments-9rq9jkchhs-wsplt
fail() { echo "FAIL: $*"; exit 1; }

start_kubesim log-only-fault
work=$KUBESIM_DIR
cat >"$work/script.json" <<JSON
{"rules":[
 {"match_last":"certificate has expired","reply":"The payments pod $pod cannot charge: the certificate of fraud-check.pay.svc expired.\n\`\`\`\nkubectl delete pod $pod -n pay\nkubectl logs payments-0000000000-zzzzz -n pay\n\`\`\`"},
 {"match":"loop","tool_calls":[{"name":"get_events","arguments":{"namespace":"pay"}}]},
 {"match":"checkouts","tool_calls":[{"name":"get_logs","arguments":{"namespace":"pay","pod":"$pod"}}]}
]}
JSON
start_llmsim "$work/script.json"
run() { "$k8sagent" --kubeconfig "$KUBECONFIG_FILE" --llm-url "$LLMSIM_URL" "$@"; }

# text: steps on stderr, answer and verification on stdout
rc=0
run investigate -n pay "Why do checkouts fail?" >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 0 ] || { cat "$work/out" "$work/err"; fail "investigate exit $rc"; }
grep -q "^\[step 1\] get_logs" "$work/err" || fail "no step on stderr"
grep -q "certificate of fraud-check.pay.svc expired" "$work/out" || fail "no answer on stdout"
grep -q "verification" "$work/out" || fail "no verification"
grep -q "payments-0000000000-zzzzz" "$work/out" || fail "made-up pod not flagged"
grep -q "kubectl delete pod $pod -n pay" "$work/out" || fail "delete not flagged"

# json: one object with the fixed keys
run investigate -n pay -o json "Why do checkouts fail?" >"$work/json" 2>/dev/null
python3 - "$work/json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["stopped"] == "answer", o
assert isinstance(o["answer"], str) and "fraud-check" in o["answer"]
s = o["steps"][0]
assert s["tool"] == "get_logs" and s["arguments"]["pod"].startswith("payments-") and s["error"] is None
assert s["result_chars"] > 100
v = o["verification"]
assert v["unknown_names"] == ["payments-0000000000-zzzzz"], v
assert any("kubectl delete pod" in c for c in v["mutating_commands"]), v
assert v["secret_commands"] == []
PY

# the step limit: exit 4, the best answer so far
rc=0
run investigate -n pay --max-steps 2 -o json "loop forever" >"$work/loop" 2>/dev/null || rc=$?
[ "$rc" = 4 ] || fail "step limit: exit $rc, want 4"
grep -q '"stopped":"max_steps"' "$work/loop" || fail "stopped is not max_steps"

# usage errors
rc=0; run investigate -n pay >/dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "no question: exit $rc"
rc=0; run investigate -n Bad_NS q >/dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "bad namespace: exit $rc"

# chat: follow-ups reuse the snapshot (one pod list for two questions)
before=$(grep -c '"path":"/api/v1/namespaces/pay/pods"' "$AUDIT_LOG" || true)
printf 'Why do checkouts fail?\nAnd are checkouts failing still?\n' |
	run chat -n pay >"$work/chat" 2>"$work/chaterr" || fail "chat failed"
after=$(grep -c '"path":"/api/v1/namespaces/pay/pods"' "$AUDIT_LOG" || true)
[ $((after - before)) = 1 ] || fail "chat took $((after - before)) snapshots for two questions"
[ "$(grep -c 'fraud-check.pay.svc expired' "$work/chat")" = 2 ] || fail "chat did not answer twice"
grep -q "from the session" "$work/chaterr" || fail "the repeated call was not answered from the session"

# read-only: every request a GET, never a Secret
if grep -v '"method":"GET"' "$AUDIT_LOG" | grep -q .; then fail "a request that is not a GET"; fi
if grep -qi secret "$AUDIT_LOG"; then fail "a Secret was requested"; fi
echo "ok: investigate and chat"
