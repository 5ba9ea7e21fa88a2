# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the vmmemctl (balloon) host model (included from host/Makefile): append
# phony targets to MODEL_TESTS.
BALLOON := vmmemctl/balloon.c

$(BUILD)/test_balloon: vmmemctl/test_balloon.c $(BALLOON) vmmemctl/balloon.h $(ABI)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ivmmemctl -o $@ $< $(BALLOON)

vmmemctl-tests: $(BUILD)/test_balloon
	$(BUILD)/test_balloon

MODEL_TESTS += vmmemctl-tests
.PHONY: vmmemctl-tests
