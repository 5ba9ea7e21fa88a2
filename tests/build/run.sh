#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The `build` test group (host side): for every kernel line of
# tests/bed/kernels.conf (or only those in KERNELS="6.1 6.12"), builds the
# guest modules warning-free with W=1, sparse-clean with C=2, checks
# modinfo, switches kernels in one tree, and installs/removes them with
# DKMS. Prints KTAP; exits 0 when tests ran (failures are `not ok` lines),
# non-zero only when the harness itself cannot run.

set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PVTOOLS_CACHE:-/var/cache/pvtools}
work=$cache/buildtest
. "$root/tests/build/lib.sh"

n=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
fail() {
	n=$((n + 1))
	shift_diag=${2:-}
	[ -n "$shift_diag" ] && printf '%s\n' "$shift_diag" | sed 's/^/# /' | head -n 20
	echo "not ok $n $1"
}
harness_error() { echo "# harness error: $*" >&2; exit 2; }

for tool in make rsync dkms sparse modinfo flock; do
	command -v "$tool" >/dev/null || harness_error "$tool not installed"
done
kconf=$root/tests/bed/kernels.conf
[ -r "$kconf" ] || harness_error "$kconf missing"
version=$(pvtools_version "$root")
[ -n "$version" ] || harness_error "no PACKAGE_VERSION in dkms.conf"
mkdir -p "$work" || harness_error "cannot create $work"

# DKMS state and /usr/src/pvtools-<version> are machine-wide: one run at a time.
exec 8>/run/lock/pvtools-build-test.lock || harness_error "cannot open the lock file"
flock -w 1800 8 || harness_error "another tests/build/run.sh held the lock for 30 min"

# Lines outside the kernel build's own progress output, i.e. diagnostics.
diagnostics() {
	grep -Ev '^  (CC|LD|AR|CHECK|MODPOST|BTF|COMPAT|GEN|SIGN|STRIP|INSTALL|DEPMOD)\b|^make(\[[0-9]+\])?: |^make -C |^Skipping BTF generation' "$1"
}

wanted() {
	[ -z "${KERNELS:-}" ] && return 0
	case " $KERNELS " in *" $1 "*) return 0 ;; esac
	return 1
}

echo "KTAP version 1"

if bash -n "$root/dkms.conf" 2>/tmp/pvtools-dkms-n.$$; then
	ok "dkms.conf-syntax"
else
	fail "dkms.conf-syntax" "$(cat /tmp/pvtools-dkms-n.$$)"
fi
rm -f /tmp/pvtools-dkms-n.$$

# Every kernel line's ABI, for the kernel-switch test.
abis=()

test_kernel() {
	local line=$1 abi=$2
	local kdir=/usr/src/linux-headers-$abi src=$work/$abi log=$work/$abi.log
	local ko=$src/core/pvcore.ko out

	if ! ensure_headers "$abi" >"$log" 2>&1; then
		fail "$line-headers" "$(tail -n 5 "$log")"
		return
	fi
	ok "$line-headers"

	sync_tree "$root" "$src" >/dev/null || harness_error "rsync to $src failed"
	make -C "$src" KDIR="$kdir" clean >/dev/null 2>&1
	if ! make -C "$src" KDIR="$kdir" W=1 modules >"$log" 2>&1; then
		fail "$line-build-W1" "$(tail -n 20 "$log")"
		return
	elif out=$(grep -E 'warning:|error:' "$log"); then
		fail "$line-build-W1" "$out"
	else
		ok "$line-build-W1"
	fi

	# C=2 checks every file whether or not it is rebuilt.
	make -C "$src" KDIR="$kdir" C=2 modules >"$log.sparse" 2>&1
	if ! grep -q '^  CHECK ' "$log.sparse"; then
		fail "$line-sparse-C2" "sparse did not run: $(tail -n 5 "$log.sparse")"
	elif out=$(diagnostics "$log.sparse"); then
		fail "$line-sparse-C2" "$out"
	else
		ok "$line-sparse-C2"
	fi

	out=$(modinfo "$ko" 2>&1)
	if ! grep -qx "version: *$version" <<<"$out"; then
		fail "$line-modinfo" "$out"
	elif ! grep -q '^description: ' <<<"$out" || ! grep -q '^alias: ' <<<"$out"; then
		fail "$line-modinfo" "$out"
	elif ! grep -q "^vermagic: *$abi " <<<"$out"; then
		fail "$line-modinfo" "$out"
	else
		ok "$line-modinfo"
	fi

	test_dkms "$line" "$abi"
	test_modules_sh "$line" "$abi"
}

# The bed's entry point: builds, delivers .ko files, and is cheap the second time.
test_modules_sh() {
	local line=$1 abi=$2 out=$work/$abi.modules-out t0 t1
	rm -rf "$out"
	if ! "$root/tests/build/modules.sh" "$abi" "$out" >"$work/$abi.modules.log" 2>&1; then
		fail "$line-modules.sh" "$(tail -n 10 "$work/$abi.modules.log")"
		return
	fi
	if [ ! -s "$out/pvcore.ko" ]; then
		fail "$line-modules.sh" "no pvcore.ko in $out"
		return
	fi
	t0=$(date +%s%N)
	"$root/tests/build/modules.sh" "$abi" "$out" >/dev/null 2>&1
	t1=$(date +%s%N)
	if [ $(((t1 - t0) / 1000000)) -gt 3000 ]; then
		fail "$line-modules.sh" "unchanged tree took $(((t1 - t0) / 1000000)) ms"
	else
		ok "$line-modules.sh"
	fi
}

dkms_module_file() {
	ls "/lib/modules/$1/updates/dkms/pvcore.ko" "/lib/modules/$1/updates/dkms/pvcore.ko.xz" 2>/dev/null | head -n 1
}

test_dkms() {
	local line=$1 abi=$2 log=$work/$abi.dkms.log f out

	if ! dkms build "pvtools/$version" -k "$abi" >"$log" 2>&1; then
		fail "$line-dkms-build" "$(tail -n 20 "$log"; tail -n 20 "/var/lib/dkms/pvtools/$version/build/make.log" 2>/dev/null)"
		return
	fi
	ok "$line-dkms-build"
	if ! dkms install "pvtools/$version" -k "$abi" >>"$log" 2>&1; then
		fail "$line-dkms-install" "$(tail -n 20 "$log")"
		return
	fi
	f=$(dkms_module_file "$abi")
	if [ -z "$f" ]; then
		fail "$line-dkms-install" "no pvcore.ko[.xz] in /lib/modules/$abi/updates/dkms"
	else
		ok "$line-dkms-install"
	fi
	out=$(modinfo -k "$abi" pvcore 2>&1)
	if grep -q "^filename: *$f\$" <<<"$out" && grep -qx "version: *$version" <<<"$out"; then
		ok "$line-dkms-modinfo"
	else
		fail "$line-dkms-modinfo" "$out"
	fi
	if dkms remove "pvtools/$version" -k "$abi" >>"$log" 2>&1 && [ -z "$(dkms_module_file "$abi")" ]; then
		ok "$line-dkms-remove"
	else
		fail "$line-dkms-remove" "$(tail -n 10 "$log")"
	fi
}

# DKMS builds from its own copy of the tree under /usr/src.
dkms_src=/usr/src/pvtools-$version
dkms remove "pvtools/$version" --all >/dev/null 2>&1
sync_tree "$root" "$dkms_src" >/dev/null || harness_error "cannot copy the tree to $dkms_src"
dkms add "pvtools/$version" >"$work/dkms-add.log" 2>&1 ||
	harness_error "dkms add failed: $(tail -n 5 "$work/dkms-add.log")"

while read -r line abi _; do
	case $line in '' | '#'*) continue ;; esac
	wanted "$line" || continue
	abis+=("$abi")
	test_kernel "$line" "$abi"
done <"$kconf"

dkms remove "pvtools/$version" --all >/dev/null 2>&1
rm -rf "$dkms_src"

# One tree, one kernel after the other, no clean in between (kbuild's
# command tracking must rebuild everything for the new kernel).
if [ "${#abis[@]}" -ge 2 ]; then
	sw=$work/switch
	sync_tree "$root" "$sw" >/dev/null
	make -C "$sw" KDIR="/usr/src/linux-headers-${abis[0]}" clean >/dev/null 2>&1
	res=ok why=
	for abi in "${abis[@]}" "${abis[0]}"; do
		if ! make -C "$sw" KDIR="/usr/src/linux-headers-$abi" modules >"$work/switch.log" 2>&1; then
			res=fail why="build for $abi failed: $(tail -n 10 "$work/switch.log")"
			break
		fi
		if ! modinfo "$sw/core/pvcore.ko" | grep -q "^vermagic: *$abi "; then
			res=fail why="after building for $abi: $(modinfo -F vermagic "$sw/core/pvcore.ko")"
			break
		fi
	done
	if [ $res = ok ]; then ok "kernel-switch-one-tree"; else fail "kernel-switch-one-tree" "$why"; fi
else
	skip "kernel-switch-one-tree" "needs two kernel lines"
fi

# checkpatch ships with the kernel source, not with Debian's headers.
checkpatch=
for f in /usr/src/linux-headers-*/scripts/checkpatch.pl /usr/src/linux-source-*/scripts/checkpatch.pl; do
	[ -x "$f" ] && checkpatch=$f && break
done
if [ -z "$checkpatch" ]; then
	skip "checkpatch" "scripts/checkpatch.pl not in the installed headers (it ships in linux-source)"
else
	files=$(cd "$root" && ls core/*.c core/*.h compat/*.h 2>/dev/null)
	if out=$(cd "$root" && "$checkpatch" --no-tree --quiet --terse --strict -f $files 2>&1); then
		ok "checkpatch"
	else
		fail "checkpatch" "$out"
	fi
fi

echo "1..$n"
exit 0
