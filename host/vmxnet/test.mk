# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the vmxnet host model (included from host/Makefile): append
# phony targets to MODEL_TESTS.
VMXNET := vmxnet/vmxnet2.c vmxnet/netpkt.c
VMXNET_DEPS := $(VMXNET) $(wildcard vmxnet/*.h) $(ABI)
VMXNET_FUZZ_ITERS ?= 200000

$(BUILD)/test_vmxnet2: vmxnet/test_vmxnet2.c $(VMXNET_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ivmxnet -o $@ $< $(VMXNET)

$(BUILD)/fuzz_vmxnet2: vmxnet/fuzz_vmxnet2.c $(VMXNET_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Ivmxnet -o $@ $< $(VMXNET)

vmxnet-tests: $(BUILD)/test_vmxnet2 $(BUILD)/fuzz_vmxnet2
	$(BUILD)/test_vmxnet2
	$(BUILD)/fuzz_vmxnet2 $(VMXNET_FUZZ_ITERS)

MODEL_TESTS += vmxnet-tests
.PHONY: vmxnet-tests
