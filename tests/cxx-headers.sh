#!/bin/sh
# The public headers compile as C++ (no C++ keyword as a parameter name, extern "C" guards):
# <k8sagent/k8sagent.h> and each header on its own, with g++ -Wall -Wextra -pedantic -Werror,
# and the functions keep C linkage (a C++ caller links against the C library).
set -eu
CXX=${CXX_FOR_TEST:-g++}
if ! command -v "$CXX" >/dev/null 2>&1; then
	echo "SKIP: $CXX not found (install g++ to check the headers as C++)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inc="-I$top_srcdir/include -I$top_builddir/include"
flags="-std=c++11 -Wall -Wextra -pedantic -Werror"
# Every installed header has its guard when it declares anything.
for h in $K8SA_PUBLIC_HEADERS; do
	f="$top_srcdir/$h"
	if grep -q '^[a-z].*(' "$f" && ! grep -q 'extern "C"' "$f"; then
		echo "$h: declares functions but has no extern \"C\" guard"; exit 1
	fi
done
for h in $K8SA_PUBLIC_HEADERS k8sagent/version.h; do
	name=${h#include/}
	printf '#include <%s>\nint main() { return 0; }\n' "$name" > "$tmp/one.cc"
	$CXX $flags $inc -c "$tmp/one.cc" -o "$tmp/one.o" || { echo "FAIL: $name as C++"; exit 1; }
done
# The umbrella header, and a call through it: the symbol is the unmangled C name.
cat > "$tmp/all.cc" <<'CC'
#include <k8sagent/k8sagent.h>
int main()
{
	const char *v = k8sa_version();
	k8sa_error err = {};
	(void)err;
	return v && k8sa_strerror(K8SA_OK) ? 0 : 1;
}
CC
$CXX $flags $inc -c "$tmp/all.cc" -o "$tmp/all.o"
if nm "$tmp/all.o" | grep -q '_Z[0-9]*k8sa_'; then
	echo "FAIL: k8sa_ functions got C++ linkage"; nm "$tmp/all.o"; exit 1
fi
echo "ok: public headers compile as C++ ($($CXX --version | head -n1))"
