# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the time host model (included from host/Makefile): append
# phony targets to MODEL_TESTS. The backdoor core answers the time commands
# through this model, so its tests and fuzz loop link it too.
TIME := timekeeping/bdoor_time.c
BACKDOOR += $(TIME)

$(BUILD)/test_time: timekeeping/test_time.c $(TIME) timekeeping/bdoor_time.h $(ABI)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Itimekeeping -o $@ $< $(TIME)

timekeeping-tests: $(BUILD)/test_time
	$(BUILD)/test_time

MODEL_TESTS += timekeeping-tests
.PHONY: timekeeping-tests

# The backdoor core's tests link the model: rebuild them when its header changes.
$(BUILD)/test_backdoor $(BUILD)/fuzz_backdoor: $(TIME) timekeeping/bdoor_time.h
