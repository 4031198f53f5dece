#!/bin/sh
# k8sagent's global flags work where kubectl users put them: before or after the
# subcommand, as --flag VALUE or --flag=VALUE, up to a "--"; --scenario reaches every
# subcommand that reads a cluster (diagnose included).
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
K=$top_builddir/service/k8sagent
. "$top_srcdir/tests/lib/kubesim.sh"
pass=0; fail=0
ok() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "not ok - $2"; fi; }
start_kubesim demo-shop || exit 1
SCEN=$top_srcdir/tests/scenarios/demo-shop
T=$(mktemp -d "${TMPDIR:-/tmp}/cli-globals.XXXXXX")

"$K" analyze -n shop --kubeconfig "$KUBECONFIG_FILE" -o json >"$T/out" 2>"$T/err"
[ $? = 1 ]; ok $? "analyze -n shop --kubeconfig F: the global flag after the subcommand (exit 1: problems)"
grep -q '"OOMKilled"' "$T/out"; ok $? "  ... and the findings came from the cluster"
"$K" analyze -n shop -o json --kubeconfig="$KUBECONFIG_FILE" >"$T/out" 2>"$T/err"
grep -q '"OOMKilled"' "$T/out"; ok $? "--kubeconfig=FILE after the subcommand"
"$K" --kubeconfig "$KUBECONFIG_FILE" analyze -n shop -o json >"$T/out" 2>"$T/err"
grep -q '"OOMKilled"' "$T/out"; ok $? "before the subcommand still works"
"$K" analyze -n shop --kubeconfig >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 2 ] && grep -q -- "--kubeconfig needs a value" "$T/err"; ok $? "a global flag without its value: exit 2, named"
n=$(wc -l <"$AUDIT_LOG")
"$K" diagnose -n shop --print-prompt --scenario "$SCEN" >"$T/out" 2>"$T/err"
ok $? "diagnose --print-prompt --scenario DIR exits 0"
grep -q "OOMKilled" "$T/out"; ok $? "  ... the prompt holds the scenario's findings"
[ "$(wc -l <"$AUDIT_LOG")" = "$n" ]; ok $? "  ... and no API request was made (offline)"
"$K" --scenario "$SCEN" diagnose --print-prompt >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 2 ] && grep -q "with --scenario, give -n" "$T/err"; ok $? "diagnose --scenario without -n: exit 2, says what to give"
"$K" --scenario "$SCEN" diagnose -n shop -o json --llm-url http://127.0.0.1:9 >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 3 ] && grep -q '"OOMKilled"' "$T/out"; ok $? "diagnose --scenario with no model: exit 3, findings in the JSON"
"$K" analyze -n shop --scenario "$SCEN" -- --kubeconfig >"$T/out" 2>"$T/err"
[ $? = 2 ]; ok $? "after --, a flag is the subcommand's argument (analyze refuses it)"
rm -rf "$T"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
