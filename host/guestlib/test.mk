# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the guestlib statistics reply (included from host/Makefile):
# append phony targets to MODEL_TESTS.
GUESTLIB := guestlib/guestlib.c

$(BUILD)/test_guestlib: guestlib/test_guestlib.c $(GUESTLIB) guestlib/guestlib.h $(ABI)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Iguestlib -o $@ $< $(GUESTLIB)

guestlib-tests: $(BUILD)/test_guestlib
	$(BUILD)/test_guestlib

MODEL_TESTS += guestlib-tests
.PHONY: guestlib-tests
