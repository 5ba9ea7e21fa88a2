# SPDX-License-Identifier: GPL-2.0
# KTAP helpers for guest and host test scripts (busybox sh or bash):
#   . "$PVBED_DIR/ktap.sh"   (in the guest)   or   . tests/lib/ktap.sh
#   ktap_check NAME CMD...   runs CMD, prints ok/not ok NAME
#   ktap_ok NAME | ktap_fail NAME [why] | ktap_skip NAME reason
#   ktap_plan N [ref|model]   first: the number of subtests (a literal: the
#     runner reads it from the source, so subtests never reached still count
#     as `not ok`); `ref` or `model` if every subtest checks the kernel, QEMU,
#     an in-tree driver or our host model alone rather than our drivers (a
#     single subtest says so with a `ref/` or `model/` name prefix).
#   ktap_need_hostctl   before ktap_plan, in a script that drives the
#     emulated host (hostctl): without its control channel (a real VMware
#     guest, or a bed guest started without it) the script skips as a whole
#     with kselftest's skip code (4) and the reason.
#   ktap_have_hostctl   true if that channel answers (for optional resets).
#   ktap_need_scratch WHAT ITEM...   before touching disks or NICs (below).
#   ktap_need_qemu WHY   in a script that checks a QEMU-only machine (below).
# Numbering is per script; the runner renumbers. Exit with ktap_exit.
#
# Installed as a kselftest collection, the lines come from kselftest's own
# ktap_helpers.sh (../kselftest/ktap_helpers.sh next to the collection);
# elsewhere (host tests, benchmarks) from the fallbacks below.

# In the guest, module tools are kmod's (see tests/bed/initramfs/kmod.sh).
[ -f /usr/share/pvbed/kmod.sh ] && . /usr/share/pvbed/kmod.sh

KTAP_N=0
KTAP_FAILED=0
KTAP_PLAN=

if [ -n "${PVBED_DIR:-}" ] && [ -f "$PVBED_DIR/../kselftest/ktap_helpers.sh" ]; then
	. "$PVBED_DIR/../kselftest/ktap_helpers.sh"
else
	KSFT_SKIP=4
	ktap_print_header() { echo "TAP version 13"; }
	ktap_set_plan() { echo "1..$1"; }
	ktap_skip_all() { echo "1..0 # SKIP $*"; }
fi

# One result line, as kselftest's ktap_helpers.sh prints it, with a reason
# after a SKIP (its ktap_test_skip has none).
_ktap_line() {
	KTAP_N=$((KTAP_N + 1))
	echo "$1 $KTAP_N $2${3:+ # $3}"
}

ktap_plan() { KTAP_PLAN=$1; ktap_print_header; ktap_set_plan "$1"; }
ktap_ok() { _ktap_line ok "$1"; }
ktap_skip() { _ktap_line ok "$1" "SKIP $2"; }
ktap_fail() {
	KTAP_FAILED=1
	[ -n "${2:-}" ] && echo "# $1: $2"
	_ktap_line "not ok" "$1"
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

# The emulated host's control channel (COM3 to the bed's runner): hostctl
# is there and the runner answers its probe.
KTAP_HOSTCTL=
ktap_have_hostctl() {
	if [ -z "$KTAP_HOSTCTL" ]; then
		if ! command -v hostctl >/dev/null 2>&1; then
			KTAP_HOSTCTL="no hostctl program (it exists only in the pvtools test bed)"
		elif ! KTAP_HOSTCTL=$(hostctl probe 2>&1); then
			KTAP_HOSTCTL="no host-control channel: ${KTAP_HOSTCTL:-hostctl probe failed}"
		else
			KTAP_HOSTCTL=yes
		fi
	fi
	[ "$KTAP_HOSTCTL" = yes ]
}
ktap_need_hostctl() {
	ktap_have_hostctl && return 0
	ktap_print_header
	ktap_skip_all "needs the emulated host's controls; $KTAP_HOSTCTL"
	exit $KSFT_SKIP
}

# ktap_need_scratch WHAT ITEM...: the script does WHAT to these devices
# (disks it formats, NICs it takes over). The bed's VMs have them for the
# purpose; on any other machine the script skips unless every ITEM is listed
# in $PVTOOLS_SCRATCH (blank-separated).
ktap_need_scratch() {
	what=$1
	shift
	[ -n "${PVBED_ABI:-}" ] && return 0
	for item in "$@"; do
		case " ${PVTOOLS_SCRATCH:-} " in
		*" $item "*) ;;
		*)
			ktap_print_header
			ktap_skip_all "$what: $*; list them in PVTOOLS_SCRATCH if they exist for testing only"
			exit $KSFT_SKIP ;;
		esac
	done
}

# ktap_need_qemu WHY: the script checks a machine QEMU alone makes (no VMware
# platform at all, or QEMU's own vmport): on a VMware hypervisor it skips.
ktap_need_qemu() {
	vendor=$(cat /sys/class/dmi/id/sys_vendor 2>/dev/null)
	case "$vendor" in
	VMware*)
		ktap_print_header
		ktap_skip_all "$1; this machine is a $vendor one"
		exit $KSFT_SKIP ;;
	esac
}
