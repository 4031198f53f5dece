#!/bin/sh
# Read-only law, checked in the source: the Kubernetes client's files (and the HTTP layer
# under it) configure no request method but GET (no CUSTOMREQUEST, POST, PUT, UPLOAD,
# NOBODY), follow no redirects, and name no Secret path.
set -eu
src="$top_srcdir/libk8sagent"
files="$src/kube.c $src/kube_errors.c $src/kubeconfig.c $src/http.c"
for f in $files; do
	[ -f "$f" ] || { echo "missing $f"; exit 1; }
done
fail=0
bad=$(grep -nE 'CURLOPT_(CUSTOMREQUEST|POST|POSTFIELDS|COPYPOSTFIELDS|PUT|UPLOAD|NOBODY|MIMEPOST|HTTPPOST|READFUNCTION|FOLLOWLOCATION, *1)' $files || true)
if [ -n "$bad" ]; then
	echo "the kube client must only send GET:"; echo "$bad"; fail=1
fi
n=$(grep -c 'CURLOPT_HTTPGET, 1L' "$src/kube.c" || true)
if [ "$n" != 1 ]; then
	echo "expected exactly one CURLOPT_HTTPGET setup in kube.c, found $n"; fail=1
fi
n=$(grep -c 'curl_easy_setopt(e, CURLOPT_URL\|CURLOPT_URL,' "$src/kube.c" || true)
if [ "$n" != 1 ]; then
	echo "expected exactly one place setting CURLOPT_URL in kube.c, found $n"; fail=1
fi
bad=$(grep -niE '"[^"]*secrets?[^"]*"' "$src/kube.c" "$src/kube_errors.c" | grep -v 'k8sa_fail\|fprintf' || true)
if [ -n "$bad" ]; then
	echo "the kube client names secrets in a string:"; echo "$bad"; fail=1
fi
[ "$fail" = 0 ] && echo "ok: kube client source is GET-only, one URL setter, no secrets"
exit $fail
