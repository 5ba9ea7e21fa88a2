# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the vmbackup host model (included from host/Makefile): append
# phony targets to MODEL_TESTS.

VMBACKUP := vmbackup/vmbackup.c

$(BUILD)/test_vmbackup: vmbackup/test_vmbackup.c $(VMBACKUP) vmbackup/vmbackup.h $(ABI)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ivmbackup -o $@ $< $(VMBACKUP)

vmbackup-tests: $(BUILD)/test_vmbackup
	$(BUILD)/test_vmbackup

MODEL_TESTS += vmbackup-tests
.PHONY: vmbackup-tests
