#!/bin/sh
# The shared library exports only k8sa_* symbols, and every public function in the headers
# is exported.
set -eu
so="$top_builddir/.libs/libk8sagent.so"
[ -f "$so" ] || { echo "missing $so"; exit 1; }
syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sed 's/@.*//' | sort -u)
bad=$(printf '%s\n' "$syms" | grep -v '^k8sa_' | grep -v '^K8SA_' || true)
if [ -n "$bad" ]; then
	echo "symbols exported without the k8sa_ prefix:"; echo "$bad"; exit 1
fi
# Every function declared in an installed public header must be exported.
# (comments stripped by the preprocessor so prose mentioning a name does not count)
decl=$(for h in $K8SA_PUBLIC_HEADERS; do h="$top_srcdir/$h"; ${CC:-cc} -fpreprocessed -dD -E -P "$h" 2>/dev/null; done |
	tr '\n' ' ' | grep -o 'k8sa_[a-z0-9_]* *(' | tr -d '( ' | sort -u)
missing=0
for f in $decl; do
	printf '%s\n' "$syms" | grep -qx "$f" || { echo "declared but not exported: $f"; missing=1; }
done
[ "$missing" = 0 ] || exit 1
n=$(printf '%s\n' "$syms" | grep -c '^k8sa_')
echo "ok: $n exported symbols, all k8sa_"
