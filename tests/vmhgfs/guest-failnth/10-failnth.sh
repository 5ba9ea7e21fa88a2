#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fail-nth walks (tests/tools/failnth.c) of vmhgfs: the N-th slab
# allocation or user copy of a mount, and of the module's load, fails, for
# every N the call reaches; each must end in ENOMEM or EFAULT with nothing
# left mounted or loaded, and the same call must then succeed. Leaks: the
# bed's kmemleak check after this VM's tests.
. "$PVBED_DIR/ktap.sh"
if [ ! -d /sys/kernel/debug/failslab ]; then
	ktap_print_header
	ktap_skip_all "no fault injection in this kernel (CONFIG_FAILSLAB): the debug kernel line has it"
	exit $KSFT_SKIP
fi
ktap_plan 2

dbg=/sys/kernel/debug
echo 0 > $dbg/failslab/ignore-gfp-wait
for f in failslab fail_page_alloc fail_usercopy; do
	echo 0 > $dbg/$f/verbose
done

mkdir -p /mnt/hgfs
ktap_check vmhgfs-mount failnth mount 1000 vmhgfs .host:/data /mnt/hgfs
ktap_check vmhgfs-module-load failnth load 1000 vmhgfs "/lib/modules/$(uname -r)/extra/vmhgfs.ko"
ktap_exit
