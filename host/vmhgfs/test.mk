# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests and request fuzzer of the HGFS server (included from
# host/Makefile): append phony targets to MODEL_TESTS.
HGFS := vmhgfs/hgfs_server.c
HGFS_DEPS := $(HGFS) vmhgfs/hgfs_server.h $(ABI)
HGFS_FUZZ_ITERS ?= 100000

$(BUILD)/test_hgfs: vmhgfs/test_hgfs.c $(HGFS_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ivmhgfs -o $@ $< $(HGFS)

$(BUILD)/fuzz_hgfs: vmhgfs/fuzz_hgfs.c $(HGFS_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ivmhgfs -o $@ $< $(HGFS)

vmhgfs-tests: $(BUILD)/test_hgfs $(BUILD)/fuzz_hgfs
	$(BUILD)/test_hgfs
	$(BUILD)/fuzz_hgfs $(HGFS_FUZZ_ITERS)

MODEL_TESTS += vmhgfs-tests
.PHONY: vmhgfs-tests
