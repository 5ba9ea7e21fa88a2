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
. "$PVBED_DIR/failnth.lib"
ktap_need_scratch "formats these disks, whose data would be lost" /dev/vda /dev/vdb
failnth_need
ktap_plan 3
failnth_arm_quietly

# Two filesystems: a fault while freezing the second rolls the first back.
for d in a b; do
	mkdir -p /mnt/$d
	/sbin/mke2fs -q -t ext4 -F /dev/vd$d && mount -t ext4 /dev/vd$d /mnt/$d
done

ko=/lib/modules/$(uname -r)/extra
ktap_check vmsync-open-and-freeze walk vmsync 1000 /mnt/a,/mnt/b
ktap_check vmsync-module-load walk load 1000 vmsync "$ko/vmsync.ko"
# pvcore's probe of the backdoor with vmsync on top of it: vmsync goes first.
rmmod vmsync
ktap_check pvcore-module-load walk load 1000 pvcore "$ko/pvcore.ko"
modprobe vmsync
ktap_exit
