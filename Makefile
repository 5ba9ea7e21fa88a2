# SPDX-License-Identifier: GPL-2.0
#
# Entry points: `make` builds the guest modules (KDIR= for another kernel),
# `make vm` boots a guest on the emulated host with every driver loaded,
# `make check` runs the tests (T=<group>, KERNELS=6.1|6.12), `make bench`
# runs benchmarks (B=<suite>), `make qemu` builds the emulated host.

KDIR ?= /lib/modules/$(shell uname -r)/build
PVTOOLS_CACHE ?= /var/cache/pvtools
export PVTOOLS_CACHE

# The test bed's runners are Python 3; a minimal Debian may not have it yet.
ensure_python = command -v python3 >/dev/null || { apt-get update && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3; }

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
	@$(ensure_python)
	tests/bed/vm $(if $(KERNELS),--kernels $(KERNELS))

check:
	@$(ensure_python)
	tests/run $(if $(T),--group $(T)) $(if $(KERNELS),--kernels $(KERNELS))

bench:
	@$(ensure_python)
	tests/bench $(if $(B),--suite $(B)) $(if $(KERNELS),--kernels $(KERNELS))

.PHONY: all modules modules_install clean qemu vm check bench
