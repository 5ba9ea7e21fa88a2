# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests and fuzz loop of the backdoor core (included from host/Makefile):
# append phony targets to MODEL_TESTS. Other models the core answers through
# (timekeeping/test.mk) add their sources to BACKDOOR.
BACKDOOR := $(filter-out backdoor/test_% backdoor/fuzz_%,$(wildcard backdoor/*.c))
BACKDOOR_DEPS := $(BACKDOOR) $(wildcard backdoor/*.h) $(ABI)

$(BUILD)/test_backdoor: backdoor/test_backdoor.c $(BACKDOOR_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ibackdoor -o $@ $< $(BACKDOOR)

$(BUILD)/fuzz_backdoor: backdoor/fuzz_backdoor.c $(BACKDOOR_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ibackdoor -o $@ $< $(BACKDOOR)

backdoor-tests: $(BUILD)/test_backdoor $(BUILD)/fuzz_backdoor
	$(BUILD)/test_backdoor
	$(BUILD)/fuzz_backdoor $(FUZZ_CALLS)

MODEL_TESTS += backdoor-tests
.PHONY: backdoor-tests
