# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the time host model (included from host/Makefile): append
# phony targets to MODEL_TESTS. The backdoor core answers the time commands
# through this model, so its tests and fuzz loop link it too.
TIME := time/bdoor_time.c
BACKDOOR += $(TIME)

$(BUILD)/test_time: time/test_time.c $(TIME) time/bdoor_time.h $(ABI)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Itime -o $@ $< $(TIME)

time-tests: $(BUILD)/test_time
	$(BUILD)/test_time

MODEL_TESTS += time-tests
.PHONY: time-tests

# The backdoor core's tests link the model: rebuild them when its header changes.
$(BUILD)/test_backdoor $(BUILD)/fuzz_backdoor: $(TIME) time/bdoor_time.h
