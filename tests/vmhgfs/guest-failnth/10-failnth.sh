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
if [ ! -d /sys/kernel/debug/failslab ]; then
	ktap_print_header
	ktap_skip_all "no fault injection in this kernel (CONFIG_FAILSLAB): the debug kernel line has it"
	exit $KSFT_SKIP
fi
ktap_plan 1

dbg=/sys/kernel/debug
echo 0 > $dbg/failslab/ignore-gfp-wait
for f in failslab fail_page_alloc fail_usercopy; do
	echo 0 > $dbg/$f/verbose
done

# The walk prints a line per injected failure: show its verdicts only.
walk() {
	out=$(failnth "$@")
	rc=$?
	echo "$out" | grep -E "^FAIL" | head -n 5
	echo "$out" | tail -n 1
	return $rc
}

mkdir -p /mnt/hgfs
ktap_check vmhgfs-mount walk mount 1000 vmhgfs .host:/data /mnt/hgfs
ktap_exit
