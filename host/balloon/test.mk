# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the balloon host model (included from host/Makefile): append
# phony targets to MODEL_TESTS.
BALLOON := balloon/balloon.c

$(BUILD)/test_balloon: balloon/test_balloon.c $(BALLOON) balloon/balloon.h $(ABI)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Iballoon -o $@ $< $(BALLOON)

balloon-tests: $(BUILD)/test_balloon
	$(BUILD)/test_balloon

MODEL_TESTS += balloon-tests
.PHONY: balloon-tests
