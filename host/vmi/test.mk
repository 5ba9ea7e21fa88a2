# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the VMI timer host model (included from host/Makefile): append
# phony targets to MODEL_TESTS.
VMI := vmi/vmi_timer.c

$(BUILD)/test_vmi_timer: vmi/test_vmi_timer.c $(VMI) vmi/vmi_timer.h $(ABI)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ivmi -o $@ $< $(VMI)

vmi-tests: $(BUILD)/test_vmi_timer
	$(BUILD)/test_vmi_timer

MODEL_TESTS += vmi-tests
.PHONY: vmi-tests
