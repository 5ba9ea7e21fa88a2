# SPDX-License-Identifier: GPL-2.0
#
# Entry points: `make` builds the guest modules (KDIR= for another kernel),
# `make vm` boots a guest on the emulated host with every driver loaded,
# `make check` runs the tests (T=<group>, KERNELS=6.1|6.12), `make bench`
# runs benchmarks (B=<suite>), `make qemu` builds the emulated host.

KDIR ?= /lib/modules/$(shell uname -r)/build
PVTOOLS_CACHE ?= /var/cache/pvtools
export PVTOOLS_CACHE

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C host clean

qemu:
	host/build-qemu.sh

vm:
	tests/bed/vm $(if $(KERNELS),--kernels $(KERNELS))

check:
	tests/run $(if $(T),--group $(T)) $(if $(KERNELS),--kernels $(KERNELS))

bench:
	tests/bench $(if $(B),--suite $(B)) $(if $(KERNELS),--kernels $(KERNELS))

.PHONY: all modules modules_install clean qemu vm check bench
