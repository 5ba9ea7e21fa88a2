#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Interfaces a review found wanting: LIST is for admins only (it names
# other processes' mount points, PIDs and commands across namespaces), an
# extensible header is bounded before it is read, and an auto-thaw whose
# host report hangs does not hold up the agent's THAW.
. "$PVBED_DIR/vmsync.lib"
ktap_need_hostctl
ktap_plan 8

setup_fs

# Someone freezes $E; an unprivileged reader must not learn who or where.
hold /tmp/holder.out X $E P /tmp/holder.go
ktap_check list-needs-cap-sys-admin vmsync_ctl -U 65534 E EPERM L
ktap_check list-as-root sh -c "vmsync_ctl L | grep -q '$E .* by vmsync_ctl'"
touch /tmp/holder.go
wait $HOLDER
rm -f /tmp/holder.go

# copy_struct_from_user() reads (and checks zero) all of a header's size:
# more than a page is refused as openat2(2) and clone3(2) do.
ktap_check freeze-ex-header-over-a-page vmsync_ctl E E2BIG Z 1048576 $E Q 0
ktap_check freeze-ex-header-of-a-page vmsync_ctl Z 4096 $E Q 1 T Q 0

# The auto-thaw's host report waits up to rpc_timeout_ms for a host that
# never completes the message. THAW (and close) must not wait for it: with
# a 8000 ms RPC timeout, a THAW 400 ms into a 100 ms freeze that waited for
# the report could not return before 8.1 s, whatever the load; without the
# wait it takes the 400 ms and two ioctls.
uptime_cs() { tr -d . < /proc/uptime | cut -d' ' -f1; }
rpc_was=$(cat /sys/module/pvcore/parameters/rpc_timeout_ms)
echo 8000 > /sys/module/pvcore/parameters/rpc_timeout_ms
echo 100 > /sys/module/vmsync/parameters/autothaw_ms
not_reported() { dmesg | grep -c 'auto-thaw not reported to the host'; }
n0=$(not_reported)
hostctl set bdoor fault never-complete
t0=$(uptime_cs)
vmsync_ctl X $E W 400 E ETIMEDOUT T > /tmp/report.out 2>&1
rc=$?
t1=$(uptime_cs)
echo "# auto-thaw then THAW with the host report hanging: $(((t1 - t0) * 10)) ms"
if [ $rc = 0 ] && [ $((t1 - t0)) -lt 800 ]; then
	ktap_ok thaw-does-not-wait-for-report
else
	ktap_fail thaw-does-not-wait-for-report "rc=$rc, $(((t1 - t0) * 10)) ms"
fi
# The report gives up after the RPC timeout, logged, nothing else.
reported() { [ "$(not_reported)" -gt "$n0" ]; }
i=0
while ! reported && [ $i -lt 120 ]; do sleep 0.1; i=$((i + 1)); done
ktap_check report-times-out-logged reported
hostctl set bdoor fault none
echo "$rpc_was" > /sys/module/pvcore/parameters/rpc_timeout_ms
echo 30000 > /sys/module/vmsync/parameters/autothaw_ms
ktap_check nothing-left-frozen vmsync_ctl Q 0
ktap_check writable writable $E
ktap_exit
