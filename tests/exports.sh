#!/bin/sh
# The shared library exports only k8sa_* symbols, every public function in the headers is
# exported, and every export carries a symbol version node of libk8sagent.vers, the newest of
# which is named for the current release (K8SA_<major>.<minor>, from version.h).
set -eu
so="$top_builddir/.libs/libk8sagent.so"
vers="$top_srcdir/libk8sagent/libk8sagent.vers"
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

# Symbol versions. The nodes of the version script, oldest first; the newest is the release's.
nodes=$(sed -n 's/^[[:space:]]*\(K8SA_[0-9][0-9.]*\)[[:space:]]*{.*/\1/p' "$vers")
[ -n "$nodes" ] || { echo "$vers: no K8SA_<version> node"; exit 1; }
newest=$(printf '%s\n' "$nodes" | tail -n 1)
vh="$top_builddir/include/k8sagent/version.h"
major=$(sed -n 's/^#define K8SA_VERSION_MAJOR \([0-9]*\).*/\1/p' "$vh")
minor=$(sed -n 's/^#define K8SA_VERSION_MINOR \([0-9]*\).*/\1/p' "$vh")
release="K8SA_$major.$minor"
if [ "$newest" != "$release" ]; then
	echo "the newest node of libk8sagent.vers is $newest, but this is release $major.$minor:"
	echo "add a node $release (docs/conventions.md, ABI)"
	exit 1
fi
# objdump -T: "... DF .text  size  VERSION  name" for each defined dynamic symbol.
versioned=$(objdump -T "$so" | awk '$NF ~ /^k8sa_/ && $0 !~ /\*UND\*/ {print $NF, $(NF-1)}')
unversioned=$(printf '%s\n' "$versioned" | awk '$2 !~ /^K8SA_/ {print $1 " (" $2 ")"}')
if [ -n "$unversioned" ]; then
	echo "exported without a K8SA_ version node:"; echo "$unversioned"; exit 1
fi
unknown=$(printf '%s\n' "$versioned" | while read -r name node; do
	printf '%s\n' "$nodes" | grep -qx "$node" || echo "$name ($node)"
done)
if [ -n "$unknown" ]; then
	echo "exported with a version node libk8sagent.vers does not define:"; echo "$unknown"; exit 1
fi
nver=$(printf '%s\n' "$versioned" | grep -c .)
n=$(printf '%s\n' "$syms" | grep -c '^k8sa_')
[ "$nver" = "$n" ] || { echo "objdump -T saw $nver k8sa_ symbols, nm -D $n"; exit 1; }
echo "ok: $n exported symbols, all k8sa_, all versioned (newest node $newest; nodes: $(echo $nodes))"
