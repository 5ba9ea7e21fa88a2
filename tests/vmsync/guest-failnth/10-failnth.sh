#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fail-nth walks (tests/tools/failnth.c): the N-th slab allocation or user
# copy of a call fails, for every N the call reaches; each must end in an
# errno with nothing left frozen or loaded, and the same call must then
# succeed. Page allocations are left alone (fail_page_alloc ignores
# sleeping ones, its default): a module load makes hundreds, all in the
# loader's vmalloc, none in our code. Leaks: the bed's kmemleak check after
# this VM's tests.
. "$PVBED_DIR/ktap.sh"
ktap_need_scratch "formats these disks, whose data would be lost" /dev/vda /dev/vdb
if [ ! -d /sys/kernel/debug/failslab ]; then
	ktap_print_header
	ktap_skip_all "no fault injection in this kernel (CONFIG_FAILSLAB): the debug kernel line has it"
	exit $KSFT_SKIP
fi
ktap_plan 3

dbg=/sys/kernel/debug
echo 0 > $dbg/failslab/ignore-gfp-wait
for f in failslab fail_page_alloc fail_usercopy; do
	echo 0 > $dbg/$f/verbose
done

# Two filesystems: a fault while freezing the second rolls the first back.
for d in a b; do
	mkdir -p /mnt/$d
	/sbin/mke2fs -q -t ext4 -F /dev/vd$d && mount -t ext4 /dev/vd$d /mnt/$d
done

ko=/lib/modules/$(uname -r)/extra
ktap_check vmsync-open-and-freeze failnth vmsync 1000 /mnt/a,/mnt/b
ktap_check vmsync-module-load failnth load 1000 vmsync "$ko/vmsync.ko"
# pvcore's probe of the backdoor with vmsync on top of it: vmsync goes first.
rmmod vmsync
ktap_check pvcore-module-load failnth load 1000 pvcore "$ko/pvcore.ko"
modprobe vmsync
ktap_exit
