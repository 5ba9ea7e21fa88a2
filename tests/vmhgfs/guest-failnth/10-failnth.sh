#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fail-nth walk (tests/tools/failnth.c) of a vmhgfs mount: the N-th slab
# allocation or user copy of the mount fails, for every N the mount
# reaches; each must end in ENOMEM or EFAULT with nothing left mounted, and
# the same mount must then succeed. Leaks: the bed's kmemleak check after
# this VM's tests. No walk of the module's load: an injected failure in the
# loader's jump-label step makes the kernel itself WARN ("Failed to
# allocate memory: jump_label may not work properly"), which panics the
# debug line (panic_on_warn) whatever the module does; pvcore and vmsync,
# whose loads the vmsync folder walks, have no jump labels.
. "$PVBED_DIR/ktap.sh"
. "$PVBED_DIR/failnth.lib"
failnth_need
ktap_plan 1
failnth_arm_quietly

mkdir -p /mnt/hgfs
ktap_check vmhgfs-mount walk mount 1000 vmhgfs .host:/data /mnt/hgfs
ktap_exit
