#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's own needs come first. A target beyond what the guest can spare
# stops at vmmemctl's floor (1/32 of RAM: 32 MiB of MemAvailable here). Under
# memory pressure inside the guest (a writer needs more than the balloon left
# free) the balloon gives memory back (shrinker), nothing is OOM-killed, and
# it re-inflates once the pressure is gone.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 10

# 960 MiB is below the driver's clamp (RAM minus the floor) but more than the
# guest has available; from an empty balloon, one batch of 2M pages could
# hold all of it, so the floor must hold inside a batch.
set_target_mib 960
ktap_check floor-inflation-settles wait_settled 180
avail=$(mem_avail_kib)
echo "# balloon holds $(locked) frames of $((960 * FPM)); MemAvailable $avail kB"
ktap_check floor-stops-short sh -c "[ $(locked) -lt $((960 * FPM)) ] && [ $(locked) -gt $((512 * FPM)) ]"
ktap_check floor-memavailable-kept sh -c "[ $avail -ge $((16 * 1024)) ]"
ktap_check floor-back-to-0 back_to_zero

BIG=$(big_mib)
set_target_mib $BIG
ktap_check inflated wait_target $BIG
mkdir -p /mnt/p
mount -t tmpfs -o size=90% tmpfs /mnt/p
ktap_check writer-gets-600mib dd if=/dev/zero of=/mnt/p/x bs=1M count=600
held=$(locked)
echo "# balloon holds $held frames while the writer holds 600 MiB"
ktap_check balloon-gave-back sh -c "[ $held -le $(( (1024 - 600) * FPM )) ]"
ktap_check no-oom no_oom
rm -f /mnt/p/x
umount /mnt/p
ktap_check reinflates-after-pressure wait_target $BIG 120
ktap_check back-to-0 back_to_zero
ktap_exit
