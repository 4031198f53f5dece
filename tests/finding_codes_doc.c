/* SPDX-License-Identifier: MIT */
/* Prints what docs/finding-codes.md must say about the finding-code table
 * (libk8sagent/finding_codes.def): the summary table, then each code's heading and its
 * "Object / Triggered when" line. tests/finding-codes-doc.sh diffs it with the doc; the
 * summary table part can be pasted into the doc when a code is added. */
#include "finding_codes.h"

#include <ctype.h>
#include <stdio.h>

int main(void)
{
	static const char *const sev[] = {"info", "warning", "critical"};
	printf("| code | object | severity | triggered when |\n| --- | --- | --- | --- |\n");
	for (int i = 0; i < FC_COUNT; i++) {
		const fc_info *c = &fc_table[i];
		printf("| [%s](#", c->code);
		for (const char *p = c->code; *p; p++)
			putchar(tolower((unsigned char)*p));
		printf(") | %s | %s | %s |\n", c->kind, sev[c->severity], c->when);
	}
	for (int i = 0; i < FC_COUNT; i++)
		printf("## %s\n**Object:** %s. **Triggered when:** %s\n", fc_table[i].code, fc_table[i].kind,
		       fc_table[i].when);
	return 0;
}
