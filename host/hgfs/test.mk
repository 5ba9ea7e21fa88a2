# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests and request fuzzer of the HGFS server (included from
# host/Makefile): append phony targets to MODEL_TESTS.
HGFS := hgfs/hgfs_server.c
HGFS_DEPS := $(HGFS) hgfs/hgfs_server.h $(ABI)
HGFS_FUZZ_ITERS ?= 100000

$(BUILD)/test_hgfs: hgfs/test_hgfs.c $(HGFS_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ihgfs -o $@ $< $(HGFS)

$(BUILD)/fuzz_hgfs: hgfs/fuzz_hgfs.c $(HGFS_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ihgfs -o $@ $< $(HGFS)

hgfs-tests: $(BUILD)/test_hgfs $(BUILD)/fuzz_hgfs
	$(BUILD)/test_hgfs
	$(BUILD)/fuzz_hgfs $(HGFS_FUZZ_ITERS)

MODEL_TESTS += hgfs-tests
.PHONY: hgfs-tests
