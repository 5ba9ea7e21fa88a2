# SPDX-License-Identifier: GPL-2.0
# KTAP helpers for guest and host test scripts (busybox sh or bash):
#   . /usr/share/pvbed/ktap.sh   (in the guest)   or   . tests/lib/ktap.sh
#   ktap_check NAME CMD...   runs CMD, prints ok/not ok NAME
#   ktap_ok NAME | ktap_fail NAME [why] | ktap_skip NAME reason
#   ktap_plan N [ref|model]   first: the number of subtests (a literal: the
#     runner reads it from the source, so subtests never reached still count
#     as `not ok`); `ref` or `model` if every subtest checks the kernel, QEMU,
#     an in-tree driver or our host model alone rather than our drivers (a
#     single subtest says so with a `ref/` or `model/` name prefix).
# Numbering is per script; the runner renumbers. Exit with ktap_exit.

# In the guest, module tools are kmod's (see tests/bed/initramfs/kmod.sh).
[ -f /usr/share/pvbed/kmod.sh ] && . /usr/share/pvbed/kmod.sh

KTAP_N=0
KTAP_FAILED=0
KTAP_PLAN=

ktap_plan() { KTAP_PLAN=$1; echo "1..$1"; }
ktap_ok() { KTAP_N=$((KTAP_N + 1)); echo "ok $KTAP_N $1"; }
ktap_skip() { KTAP_N=$((KTAP_N + 1)); echo "ok $KTAP_N $1 # SKIP $2"; }
ktap_fail() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=1
	[ -n "$2" ] && echo "# $1: $2"
	echo "not ok $KTAP_N $1"
}
ktap_check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ktap_ok "$name"
	else
		ktap_fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}
ktap_exit() {
	[ -n "$KTAP_PLAN" ] && [ "$KTAP_N" != "$KTAP_PLAN" ] &&
		echo "# planned $KTAP_PLAN subtests, ran $KTAP_N"
	exit $KTAP_FAILED
}
