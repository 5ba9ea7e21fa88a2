# SPDX-License-Identifier: GPL-2.0
#
# Entry points: `make` builds the guest modules (KDIR= for another kernel),
# `make vm` boots a guest on the emulated host with every driver loaded,
# `make check` runs the tests (T=<group> or T=-<group>, KERNELS=<line>), `make bench`
# runs benchmarks (B=<suite>), `make qemu` builds the emulated host,
# `make kselftest-install INSTALL_PATH=<dir>` installs the guest tests as
# kselftest collections (run_kselftest.sh; README: on a real VMware guest).

KDIR ?= /lib/modules/$(shell uname -r)/build
PVTOOLS_CACHE ?= /var/cache/pvtools
export PVTOOLS_CACHE

# Every host package the targets below need, from one list
# (tests/bed/host-packages); installed on first use, a no-op afterwards.
install_deps = tests/bed/install-deps

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C host clean

deps:
	$(install_deps)

qemu:
	@$(install_deps)
	host/build-qemu.sh

vm:
	@$(install_deps)
	tests/bed/vm $(if $(KERNELS),--kernels $(KERNELS))

check:
	@$(install_deps)
	tests/run $(if $(T),--group=$(T)) $(if $(KERNELS),--kernels $(KERNELS))

bench:
	@$(install_deps)
	tests/bench $(if $(B),--suite=$(B)) $(if $(KERNELS),--kernels $(KERNELS))

kselftest-install:
	@$(install_deps)
	$(if $(INSTALL_PATH),,$(error kselftest-install: set INSTALL_PATH=<dir>))
	tests/lib/kselftest/install.sh $(INSTALL_PATH)

.PHONY: all modules modules_install clean deps qemu vm check bench kselftest-install
