/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz harnesses: each defines LLVMFuzzerTestOneInput(). Built with libFuzzer
 * (clang, configure --enable-fuzzing, `make fuzz`) or with replay.c's main(), which runs a
 * harness over its seed corpus and crash regressions in every `make check`. */
#ifndef K8SA_FUZZ_H
#define K8SA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant a harness checks beyond "no crash": abort so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                                        \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#endif
