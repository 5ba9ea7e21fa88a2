#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Inflate to 640 MiB of a 1 GiB guest (about 760 MiB available: vmmemctl
# leaves 32 MiB of it, so a bigger target would stop short; less where the
# guest has less, see big_mib) and back to 0: the host holds exactly the
# frames the guest says it gave, QEMU's RSS falls by the ballooned size (guest
# RAM is preallocated, so all of it starts resident) and the guest can use
# all its memory again afterwards.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 11

ktap_check session-started session_running
ktap_check guest-type-linux sh -c '[ "$(hostctl get balloon guest-type)" = 1 ]'

rss0=$(hget rss-kib)
free0=$(mem_free_kib)
t0=$(date +%s)
BIG=$(big_mib)
set_target_mib $BIG
ktap_check inflate-big wait_target $BIG
t1=$(date +%s)
echo "# inflate $BIG MiB took $((t1 - t0)) s"
rss1=$(hget rss-kib)
drop=$((rss0 - rss1))
echo "# QEMU RSS $rss0 -> $rss1 KiB (fell $drop KiB for $((BIG * 1024)) KiB ballooned)"
ktap_check host-rss-falls-95pct sh -c "[ $drop -ge $((BIG * 1024 * 95 / 100)) ]"
guest_says=$(guest_current)
ktap_check guest-and-host-agree sh -c "[ '$guest_says' = $(locked) ]"
ktap_check guest-memfree-dropped sh -c "[ $(mem_free_kib) -lt $((free0 - (BIG - 60) * 1024)) ]"

set_target_mib 0
t0=$(date +%s)
ktap_check deflate-to-0 wait_locked 0 0
t1=$(date +%s)
echo "# deflate took $((t1 - t0)) s"
guest_says=$(guest_current)
ktap_check guest-current-0 sh -c "[ '$guest_says' = 0 ]"
ktap_check guest-memfree-back memfree_back "$free0"
# Reuse it: the frames come back and are resident again once touched. The
# guest may also pick frames that were never ballooned, hence only 75 %.
touch_free_memory
rss2=$(hget rss-kib)
echo "# QEMU RSS after reuse $rss2 KiB"
ktap_check host-rss-recovers sh -c "[ $rss2 -ge $((rss1 + BIG * 1024 * 75 / 100)) ]"
ktap_check no-oom no_oom
ktap_exit
