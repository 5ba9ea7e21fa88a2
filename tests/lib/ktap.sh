# SPDX-License-Identifier: GPL-2.0
# KTAP helpers for guest and host test scripts (busybox sh or bash):
#   . /usr/share/pvbed/ktap.sh   (in the guest)   or   . tests/lib/ktap.sh
#   ktap_check NAME CMD...   runs CMD, prints ok/not ok NAME
#   ktap_ok NAME | ktap_fail NAME [why] | ktap_skip NAME reason
# Numbering is per script; the runner renumbers. Exit with ktap_exit.

# In the guest, module tools are kmod's (see tests/bed/initramfs/kmod.sh).
[ -f /usr/share/pvbed/kmod.sh ] && . /usr/share/pvbed/kmod.sh

KTAP_N=0
KTAP_FAILED=0

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
ktap_exit() { exit $KTAP_FAILED; }
