#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A 64 KiB message over the low-bandwidth path is 16,384 backdoor calls;
# the channel must offer the scheduler a chance between them. Debian's
# kernels preempt voluntarily: without a scheduling point, a task waking
# (every 1 ms) on the same CPU waits until the message is through, so one
# wakeup lands in the first half of the info-set or the info-get and waits
# more than half of it. With scheduling points it waits for a few calls.
# The bound is half the faster of the two messages, as rpc_client timed
# them. A host that deschedules the VM for that long also delays a wakeup:
# one of five tries must stay under the bound (without scheduling points
# none can).
. "$PVBED_DIR/rpc.inc"

preempt=$(cat /sys/kernel/debug/sched/preempt 2>/dev/null)
echo "# preemption: ${preempt:-unknown}"

try() {
	out=$(wakeup_latency rpc_client -b "resched:$((65536 - 27))" 2>&1) || {
		echo "$out"
		return 2
	}
	late=$(echo "$out" | sed -n 's/.*max_late_us=\([0-9]*\).*/\1/p')
	set_us=$(echo "$out" | sed -n 's/.*set_us=\([0-9]*\).*/\1/p')
	get_us=$(echo "$out" | sed -n 's/.*get_us=\([0-9]*\).*/\1/p')
	msg=$set_us
	[ "$get_us" -lt "$msg" ] && msg=$get_us
	echo "# max wakeup lateness $late us; info-set $set_us us, info-get $get_us us"
	[ -n "$late" ] && [ "$late" -lt $((msg / 2)) ]
}

echo 0 >/sys/module/pvcore/parameters/hb
rc=1
for i in 1 2 3 4 5; do
	try && { rc=0; break; }
	[ $? = 2 ] && break
done
echo 1 >/sys/module/pvcore/parameters/hb
if echo "$preempt" | grep -q '(full)'; then
	ktap_skip low-bandwidth-yields-cpu "full preemption: no scheduling point needed"
elif [ $rc = 0 ]; then
	ktap_ok low-bandwidth-yields-cpu
else
	ktap_fail low-bandwidth-yields-cpu "every try waited half a message or more"
fi
ktap_exit
