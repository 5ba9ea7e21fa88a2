/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The small KTAP harness the host models' unit tests share: a test is a
 * bool function whose CHECKs say where it failed; ktap_run() numbers it.
 */
#ifndef PVTOOLS_HOST_KTAP_H
#define PVTOOLS_HOST_KTAP_H

#include <stdbool.h>
#include <stdio.h>

static int ktap_test_no;
static int ktap_failures;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		printf("# %s:%d: check failed: %s\n", __func__, __LINE__, #cond); \
		return false;							\
	}									\
} while (0)

static inline void ktap_run(const char *name, bool (*test)(void))
{
	bool ok = test();

	ktap_test_no++;
	if (!ok)
		ktap_failures++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", ktap_test_no, name);
	fflush(stdout);
}

#endif /* PVTOOLS_HOST_KTAP_H */
