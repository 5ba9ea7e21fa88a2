#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Freeze+thaw latency through our vmsync driver (one classic FREEZE of the
# ':'-list, one THAW) against the FIFREEZE path (FIFREEZE each mount point,
# FITHAW in reverse), for 1 and 4 filesystems while a writer (4 KiB +
# fdatasync every 20 ms on every filesystem) runs, and the 4-filesystem
# freeze window (first frozen to last frozen). Prints BENCH and RATIO.
set -e
i=0
for spec in ext4:/dev/vda ext4:/dev/vdb xfs:/dev/vdc xfs:/dev/vdd; do
	fs=${spec%%:*}
	dev=${spec#*:}
	mnt=/mnt/fs$i
	mkdir -p $mnt
	if [ "$fs" = ext4 ]; then
		/sbin/mke2fs -q -t ext4 -F "$dev"
	else
		/sbin/mkfs.xfs -q -f "$dev"
	fi
	mount -t "$fs" "$dev" $mnt
	i=$((i + 1))
done
set +e

quiesce_writer -s /tmp/writer.state -i 20 /mnt/fs0/w /mnt/fs1/w /mnt/fs2/w /mnt/fs3/w \
	</dev/null >/tmp/writer.out 2>&1 &
writer=$!
sleep 1

rc=0
quiesce_bench -n "${REPS:-100}" -c 1fs /mnt/fs0 || rc=1
quiesce_bench -n "${REPS:-100}" -c 4fs /mnt/fs0 /mnt/fs1 /mnt/fs2 /mnt/fs3 || rc=1
# How long the first filesystem is frozen before the last one is: writers
# on it wait all that time (vmsync's pre-sync aims at this).
quiesce_bench -w -n "${WREPS:-50}" -c 4fs /mnt/fs0 /mnt/fs1 /mnt/fs2 /mnt/fs3 || rc=1

before=$(sed -n 's/^rounds //p' /tmp/writer.state)
sleep 1
after=$(sed -n 's/^rounds //p' /tmp/writer.state)
echo "writer: $after rounds, $((after - before)) in the last second, longest $(sed -n 's/^max_round_ms //p' /tmp/writer.state) ms"
[ "$after" -gt "$before" ] || rc=1
kill $writer
exit $rc
