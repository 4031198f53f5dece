#!/bin/sh
# Run each libFuzzer harness for FUZZ_SECONDS (default 60) from a working copy of its seed
# corpus (plus its crash regressions). Fails when any harness crashes; the crashing input is
# kept in tests/fuzz/crashes/<name>/ of the build tree. Prints execs and coverage per harness.
# Usage: run-fuzzers.sh SRCDIR BUILDDIR NAME...
set -u
src=$1 build=$2
shift 2
secs=${FUZZ_SECONDS:-60}
rc=0
for name in "$@"; do
	bin="$build/tests/fuzz/fuzz_$name"
	work="$build/tests/fuzz/work/$name"
	crashes="$build/tests/fuzz/crashes/$name"
	mkdir -p "$work" "$crashes"
	cp -n "$src/tests/fuzz/corpus/$name"/* "$work/" 2>/dev/null
	[ -d "$src/tests/regress/$name" ] && cp -n "$src/tests/regress/$name"/* "$work/" 2>/dev/null
	dict=""
	[ -f "$src/tests/fuzz/$name.dict" ] && dict="-dict=$src/tests/fuzz/$name.dict"
	log="$build/tests/fuzz/work/$name.log"
	echo "fuzz $name: ${secs}s"
	# shellcheck disable=SC2086
	ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1 -artifact_prefix="$crashes/" $dict "$work" >"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	echo "fuzz $name: exit $st, ${execs:-?} execs in ${secs}s, $cov, corpus $(ls "$work" | wc -l) files"
	if [ "$st" != 0 ]; then
		echo "fuzz $name: FAILED; crash inputs in $crashes:" >&2
		ls "$crashes" >&2
		tail -40 "$log" >&2
		rc=1
	fi
done
exit $rc
