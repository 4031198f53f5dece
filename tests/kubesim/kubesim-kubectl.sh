#!/bin/sh
# kubectl against kubesim: proves kubesim speaks Kubernetes (discovery, lists, logs, 403s)
# and that every request it served successfully was a read.
set -u
KUBECTL=${KUBECTL:-$(command -v kubectl || true)}
if [ -z "$KUBECTL" ] || [ ! -x "$KUBECTL" ]; then
	echo "SKIP: kubectl not found (install kubectl to run this test)"
	exit 77
fi
. "$top_srcdir/tests/lib/kubesim.sh"
start_kubesim demo-shop || exit 1

fails=0
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --cache-dir "$KUBESIM_DIR/cache" --request-timeout=20s "$@"; }
check() { # check DESCRIPTION OUTPUT PATTERN...
	_d=$1 _o=$2
	shift 2
	for _p in "$@"; do
		if ! printf '%s\n' "$_o" | grep -q -- "$_p"; then
			echo "FAIL: $_d: output lacks '$_p':"
			printf '%s\n' "$_o" | sed 's/^/    /'
			fails=$((fails + 1))
			return
		fi
	done
	echo "ok: $_d"
}

out=$(kc get pods -n shop 2>&1)
check "get pods" "$out" cart-tjfjrxcqw9-7j69q payment-k48qjvtqd6-rggbr catalog-8mzk68d8j7-zvbgr
out=$(kc get pods 2>&1) # namespace from the kubeconfig context
check "get pods (context namespace)" "$out" cart-tjfjrxcqw9-7j69q
out=$(kc get events -n shop 2>&1)
check "get events" "$out" cart-tjfjrxcqw9-7j69q
out=$(kc logs cart-tjfjrxcqw9-7j69q -n shop --previous 2>&1)
check "logs --previous" "$out" "cart 1.4.0 starting" "loading 250000 carts"
out=$(kc logs cart-tjfjrxcqw9-7j69q -n shop --previous --tail=1 2>&1)
check "logs --tail=1" "$out" "loading 250000 carts"
if printf '%s\n' "$out" | grep -q "cart 1.4.0 starting"; then
	echo "FAIL: logs --tail=1 printed more than the last line"; fails=$((fails + 1))
fi
out=$(kc get deploy,rs,svc -n shop 2>&1)
check "get deploy,rs,svc" "$out" deployment.apps/cart replicaset.apps/cart-tjfjrxcqw9 service/frontend
out=$(kc get nodes 2>&1)
check "get nodes" "$out" kind-control-plane kind-worker2
out=$(kc get pods -A 2>&1)
check "get pods -A" "$out" shop cart-tjfjrxcqw9-7j69q
out=$(kc get pod cart-tjfjrxcqw9-7j69q -n shop -o jsonpath='{.status.containerStatuses[0].lastState.terminated.reason}' 2>&1)
check "get pod -o jsonpath" "$out" OOMKilled
out=$(kc version 2>&1)
check "version" "$out" "Server Version: v1.31.2"

if out=$(kc get secrets -n shop 2>&1); then
	echo "FAIL: get secrets succeeded: $out"; fails=$((fails + 1))
else
	check "get secrets is forbidden" "$out" 'secrets is forbidden: User "system:serviceaccount:k8sagent:k8sagent" cannot list resource "secrets" in API group "" in the namespace "shop"'
fi
if out=$(kc delete pod cart-tjfjrxcqw9-7j69q -n shop --wait=false 2>&1); then
	echo "FAIL: delete pod succeeded: $out"; fails=$((fails + 1))
else
	check "delete pod is refused" "$out" "forbidden" "cannot delete resource"
fi

# The audit log: every request is logged; only GETs (or HEADs) succeeded; secrets never did.
n=$(wc -l <"$AUDIT_LOG")
[ "$n" -ge 10 ] || { echo "FAIL: audit log has only $n lines"; fails=$((fails + 1)); }
bad=$(grep '"status":2' "$AUDIT_LOG" | grep -v '"method":"GET"' | grep -v '"method":"HEAD"')
[ -z "$bad" ] || { echo "FAIL: non-GET requests succeeded: $bad"; fails=$((fails + 1)); }
bad=$(grep '"path":"[^"]*/secrets' "$AUDIT_LOG" | grep '"status":2')
[ -z "$bad" ] || { echo "FAIL: secrets were served: $bad"; fails=$((fails + 1)); }
grep -q '"method":"DELETE".*"status":403' "$AUDIT_LOG" || { echo "FAIL: DELETE not logged as 403"; fails=$((fails + 1)); }
grep -q '"path":"/api/v1/namespaces/shop/secrets".*"status":403' "$AUDIT_LOG" || { echo "FAIL: secrets 403 not logged"; fails=$((fails + 1)); }
echo "audit log: $n requests"
[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "PASS"
