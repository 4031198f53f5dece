#!/bin/sh
# The Python binding the usual way: `make install DESTDIR=...` into a temp dir, then
# `pip install --no-build-isolation --no-index ./bindings/python` into a fresh virtualenv,
# with pkg-config and the compiler pointed at the DESTDIR tree; the installed package must
# import from the venv and report the library's version. Skips (77) without python3-venv,
# pip, setuptools, wheel or swig.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
PY=${SYSTEM_PYTHON:-python3}
for mod in venv pip setuptools wheel; do
	if ! "$PY" -c "import $mod" 2>/dev/null; then
		echo "SKIP: python3 module $mod is missing (Debian python3-venv, python3-pip, python3-setuptools, python3-wheel)"
		exit 77
	fi
done
command -v swig >/dev/null || { echo "SKIP: swig is missing"; exit 77; }
command -v pkg-config >/dev/null || { echo "SKIP: pkg-config is missing"; exit 77; }

tmp=$(mktemp -d /tmp/k8sa-pip.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
${MAKE:-make} -s -C "$top_builddir" install DESTDIR="$root" >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log"; echo "FAIL: make install DESTDIR=$root"; exit 1; }
pc=$(find "$root" -name k8sagent.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no k8sagent.pc under $root"; exit 1; }
libdir_root=$(dirname "$(dirname "$pc")")
want=$(sed -n 's/^Version: *//p' "$pc")

# pip builds in the source directory: build from a copy (srcdir may be read-only).
mkdir -p "$tmp/src/bindings"
cp -R "$top_srcdir/bindings/python" "$top_srcdir/bindings/swig" "$tmp/src/bindings/"
chmod -R u+w "$tmp/src"
rm -rf "$tmp/src/bindings/python/tests"

unset PYTHONPATH PYTHONDONTWRITEBYTECODE
"$PY" -m venv --system-site-packages "$tmp/venv"
PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$root" \
	PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
	"$tmp/venv/bin/pip" install --no-build-isolation --no-index "$tmp/src/bindings/python" \
	>"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log"; echo "FAIL: pip install ./bindings/python"; exit 1; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; }

# A sanitizer build's library needs ASan loaded first (as tests/lib/sanitizers.py does).
preload=""
if [ "${K8SA_SANITIZERS:-0}" = 1 ]; then
	preload=$(${CC:-gcc} -print-file-name=libasan.so)
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
fi
out=$(cd "$tmp" && LD_PRELOAD="$preload" LD_LIBRARY_PATH="$libdir_root" "$tmp/venv/bin/python" -c '
import os, sys, k8sagent, k8sagent_c
print(k8sagent.__version__)
print(os.path.dirname(k8sagent.__file__).startswith(sys.prefix))
print(os.path.dirname(k8sagent_c.__file__).startswith(sys.prefix))
print(k8sagent.redact("password=hunter2"))
print(k8sagent.namespace_is_valid("shop"))
' 2>&1) || { echo "$out"; bad "import k8sagent from the venv"; out=""; }
if [ -n "$out" ]; then
	set -- $out
	[ "$1" = "$want" ] && ok "version $1 is the library's" || bad "version $1, library $want"
	[ "$2" = True ] && [ "$3" = True ] && ok "k8sagent and k8sagent_c import from the venv" \
		|| bad "k8sagent imported from outside the venv ($2 $3)"
	case "$4" in *REDACTED*) ok "the extension calls the library (redact)";; *) bad "redact: $4";; esac
	[ "$5" = True ] && ok "namespace_is_valid" || bad "namespace_is_valid: $5"
fi
for f in bash-completion/completions/k8sagent zsh/site-functions/_k8sagent fish/vendor_completions.d/k8sagent.fish; do
	[ -n "$(find "$root" -path "*/share/$f")" ] && ok "make install put share/$f" || bad "no share/$f after make install"
done
"$tmp/venv/bin/pip" show k8sagent 2>/dev/null | grep -q "^Version: $want\$" && ok "pip show: Version $want" \
	|| bad "pip show k8sagent"
echo "python-pip: $passed passed, $failed failed"
[ "$failed" = 0 ]
