#!/bin/sh
# docs/finding-codes.md agrees with the finding-code table (libk8sagent/finding_codes.def):
# the summary table row for row (code, object, severity, trigger), and one section per code,
# in the table's order, opening with its "**Object:** ... **Triggered when:** ..." line
# (anything after a "; " on that line is free text).
set -eu
doc="$top_srcdir/docs/finding-codes.md"
expected=$("$top_builddir/tests/finding_codes_doc")
actual=$(awk '
	/^## / { if (past_summary) print; if ($0 == "## Summary") { in_summary = 1; past_summary = 1 } else in_summary = 0; next }
	in_summary && /^\|/ { print; next }
	past_summary && /^\*\*Object:\*\*/ { sub(/; .*$/, ""); sub(/\.$/, ""); print }
' "$doc")
if [ "$expected" != "$actual" ]; then
	echo "docs/finding-codes.md disagrees with libk8sagent/finding_codes.def (- table, + doc):"
	printf '%s\n' "$expected" >finding-codes.expected
	printf '%s\n' "$actual" >finding-codes.actual
	diff -u finding-codes.expected finding-codes.actual || true
	rm -f finding-codes.expected finding-codes.actual
	exit 1
fi
