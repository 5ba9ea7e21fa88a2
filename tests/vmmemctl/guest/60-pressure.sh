#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Memory pressure inside the guest: a writer needs more than the balloon left
# free. The balloon gives memory back (shrinker), nothing is OOM-killed, and
# it re-inflates once the pressure is gone.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 6

set_target_mib 768
ktap_check inflated wait_target 768
mkdir -p /mnt/p
mount -t tmpfs -o size=90% tmpfs /mnt/p
ktap_check writer-gets-600mib dd if=/dev/zero of=/mnt/p/x bs=1M count=600
held=$(locked)
echo "# balloon holds $held frames while the writer holds 600 MiB"
ktap_check balloon-gave-back sh -c "[ $held -le $(( (1024 - 600) * FPM )) ]"
ktap_check no-oom no_oom
rm -f /mnt/p/x
umount /mnt/p
ktap_check reinflates-after-pressure wait_target 768 120
ktap_check back-to-0 back_to_zero
ktap_exit
