#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The `build` test group (host side): for every kernel line of
# tests/bed/kernels.conf (or only those in KERNELS="6.1 6.12"), builds the
# guest modules warning-free with W=1 and sparse-clean (C=1 in the same
# pass after a clean, so every file), checks
# modinfo, switches kernels in one tree, and installs/removes them with
# DKMS, and checks that protocol citations resolve (citations.py), checkpatch
# --strict and kernel-doc (tests/build/kerneldoc.sh) are clean. Prints
# KTAP; exits 0 when tests ran (failures are `not ok` lines),
# non-zero only when the harness itself cannot run.

set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PVTOOLS_CACHE:-/var/cache/pvtools}
work=$cache/buildtest
# Every module is built several times per kernel line: use all CPUs.
JOBS=$(nproc)
. "$root/tests/build/build.lib"

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

for tool in make rsync dkms sparse modinfo flock python3; do
	command -v "$tool" >/dev/null || harness_error "$tool not installed"
done
kconf=$root/tests/bed/kernels.conf
[ -r "$kconf" ] || harness_error "$kconf missing"
version=$(pvtools_version "$root")
[ -n "$version" ] || harness_error "no PACKAGE_VERSION in dkms.conf"
mkdir -p "$work" || harness_error "cannot create $work"
# Every module dkms.conf names, and where kbuild leaves it.
mapfile -t mod_names < <(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root/dkms.conf")
mapfile -t mod_dirs < <(sed -n 's/^BUILT_MODULE_LOCATION\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root/dkms.conf")
[ "${#mod_names[@]}" -gt 0 ] && [ "${#mod_names[@]}" = "${#mod_dirs[@]}" ] ||
	harness_error "dkms.conf: BUILT_MODULE_NAME/BUILT_MODULE_LOCATION lists do not match"

# The work dir and the release roots belong to this cache: one run at a time.
mkdir -p "$cache/locks"
exec 7>"$cache/locks/buildtest.lock" || harness_error "cannot open the cache's lock file"
flock -w 1800 7 || harness_error "another tests/build/run.sh on $cache held the lock for 30 min"

wanted() {
	[ -z "${KERNELS:-}" ] && return 0
	case " ${KERNELS//,/ } " in *" $1 "*) return 0 ;; esac
	return 1
}

# The selected lines; DKMS on the host only for lines of the host's release
# (the others use the DKMS of their release's root).
lines=() host_dkms=
while read -r line abi _ rel guests _; do
	case $line in '' | '#'*) continue ;; esac
	wanted "$line" || continue
	# A line marked `explicit` (the debug kernel) only when KERNELS names it.
	[ "${guests:-}" = explicit ] && [ -z "${KERNELS:-}" ] && continue
	lines+=("$line $abi")
	[ -z "$(foreign_release "$abi")" ] && [ "${rel:-}" != source ] && host_dkms=1
done <"$kconf"

# The host's DKMS state and /usr/src/pvtools-<version> are machine-wide.
if [ -n "$host_dkms" ]; then
	exec 8>/run/lock/pvtools-build-test.lock || harness_error "cannot open the lock file"
	flock -w 1800 8 || harness_error "another tests/build/run.sh held the lock for 30 min"
fi

echo "KTAP version 1"

if bash -n "$root/dkms.conf" 2>/tmp/pvtools-dkms-n.$$; then
	ok "dkms.conf-syntax"
else
	fail "dkms.conf-syntax" "$(cat /tmp/pvtools-dkms-n.$$)"
fi
rm -f /tmp/pvtools-dkms-n.$$

# Protocol citations (docs/protocol/<file> <label>) resolve inside the tree.
if out=$(python3 "$root/tests/build/citations.py" "$root" 2>&1); then
	ok "protocol-citations"
else
	fail "protocol-citations" "$out"
fi

# The kernel's own module tree: the test bed's cached copy of the pinned image
# (fetched now if missing), so the check needs no kernel installed here.
kernel_moddir() {
	python3 - "$root/tests/lib" "$1" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from pvbed import assets
for k in assets.read_kernels_conf():
    if k.abi == sys.argv[2]:
        assets.fetch_kernel(k)
        print(k.moddir)
PY
}

# Every kernel line's ABI, for the kernel-switch test.
abis=()

test_kernel() {
	local line=$1 abi=$2
	local src=$work/$abi log=$work/$abi.log
	local ko out f

	if ! ensure_headers "$abi" >"$log" 2>&1; then
		fail "$line-headers" "$(tail -n 5 "$log")"
		return
	fi
	ok "$line-headers"

	sync_tree "$root" "$src" >/dev/null || harness_error "rsync to $src failed"
	kmake "$abi" "$src" clean >/dev/null 2>&1
	# One pass for gcc's W=1 warnings and sparse: after the clean every file
	# is compiled, so C=1 checks each one, as C=2 would in a second pass (that
	# pass cost half again the build's CPU time). Sparse writes its
	# diagnostics through this wrapper into their own log; the wrapper lives
	# in the copy, so a release root sees it at the same path. A source not
	# in the copy (the kernel's probe of the checker) gets sparse untouched.
	local sparse_log=$src/.pvtools-sparse.log
	rm -f "$sparse_log"
	cat >"$src/.pvtools-sparse" <<-EOF
		#!/bin/sh
		for a; do last=\$a; done
		case \$last in
		"$src"/*) exec sparse "\$@" 2>>"$sparse_log" ;;
		*) exec sparse "\$@" ;;
		esac
	EOF
	chmod +x "$src/.pvtools-sparse"
	if ! kmake "$abi" "$src" -j"$JOBS" W=1 C=1 CHECK="$src/.pvtools-sparse" modules >"$log" 2>&1; then
		fail "$line-build-W1" "$(tail -n 20 "$log")"
		return
	elif out=$(grep -E 'warning:|error:' "$log"); then
		fail "$line-build-W1" "$out"
	else
		ok "$line-build-W1"
	fi

	if out=$(grep -m1 'specified, but .* is not available or not up to date' "$log"); then
		# The kernel's own build refuses this sparse (scripts/checker-valid.sh):
		# Debian 13's sparse 0.6.4 cannot parse 7.x headers (__typeof_unqual__).
		skip "$line-sparse" "the kernel build refuses $(on_build_side "$abi" "$src" sparse --version 2>&1 | head -n 1 || echo sparse) of $(foreign_release "$abi" | grep . || echo the host): ${out#*Makefile:*: }"
	elif ! grep -q '^  CHECK ' "$log"; then
		fail "$line-sparse" "sparse did not run: $(tail -n 5 "$log")"
	elif [ -s "$sparse_log" ]; then
		fail "$line-sparse" "$(head -n 40 "$sparse_log")"
	else
		ok "$line-sparse"
	fi

	local i why=
	for i in "${!mod_names[@]}"; do
		ko=$src/${mod_dirs[$i]%/}/${mod_names[$i]}.ko
		out=$(modinfo "$ko" 2>&1)
		if ! grep -qx "version: *$version" <<<"$out" ||
			! grep -q '^description: ' <<<"$out" ||
			! grep -q "^vermagic: *$abi " <<<"$out"; then
			why+="${mod_names[$i]}: $out"$'\n'
		fi
	done
	# The alias is what lets udev load the core on VMware platforms.
	grep -q '^alias: ' <<<"$(modinfo "$src/core/pvcore.ko" 2>&1)" || why+="pvcore: no alias"
	if [ -n "$why" ]; then fail "$line-modinfo" "$why"; else ok "$line-modinfo"; fi

	# Our names must not shadow a module of the kernel itself.
	local moddir
	why=
	if moddir=$(kernel_moddir "$abi" 2>"$log.kernel") && [ -d "$moddir/kernel" ]; then
		for i in "${mod_names[@]}"; do
			f=$(find "$moddir/kernel" -name "$i.ko*" | head -n 1)
			[ -n "$f" ] && why+="$i clashes with ${f#"$moddir/"}"$'\n'
		done
		if [ -n "$why" ]; then fail "$line-names-not-in-tree" "$why"; else ok "$line-names-not-in-tree"; fi
	else
		fail "$line-names-not-in-tree" "no module tree for $abi: $(tail -n 3 "$log.kernel")"
	fi

	# DKMS builds for kernels installed from packages (/lib/modules/<abi>/build);
	# a line built here from linux-source is never installed on the host.
	if [ "$(kconf_release "$abi")" = source ]; then
		skip "$line-dkms" "kernel built from linux-source by tests/bed/debug-kernel, not installed: no DKMS target"
	else
		test_dkms "$line" "$abi"
	fi
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
	local m
	for m in "${mod_names[@]}"; do
		if [ ! -s "$out/$m.ko" ]; then
			fail "$line-modules.sh" "no $m.ko in $out"
			return
		fi
	done
	# An unchanged tree must not build again: its stamp stays as it was
	# (a rebuild removes and recreates it). A stamp, not a time limit: the
	# build group may share the machine with the VMs.
	local stamp=$cache/modsrc/$abi/.pvtools-built before after
	before=$(stat -c %y "$stamp" 2>/dev/null)
	"$root/tests/build/modules.sh" "$abi" "$out" >/dev/null 2>&1
	after=$(stat -c %y "$stamp" 2>/dev/null)
	if [ -z "$before" ] || [ "$before" != "$after" ]; then
		fail "$line-modules.sh" "an unchanged tree was built again (stamp ${before:-missing} -> ${after:-missing})"
	else
		ok "$line-modules.sh"
	fi
}

# Where DKMS put module $2 for kernel $1 (.ko.xz where the kernel compresses),
# as seen from where DKMS runs.
dkms_module_file() {
	local d=$sysroot/lib/modules/$1/updates/dkms
	ls "$d/$2.ko" "$d/$2.ko.xz" "$d/$2.ko.zst" 2>/dev/null | head -n 1 | sed "s,^$sysroot,,"
}

# DKMS runs where the kernel line builds: on the host, or in its release's
# root, which gets its own /usr/src/pvtools-<version> and `dkms add` once.
dkms_roots=()
dkms_ready() {
	local rel=$1 rr
	[ -n "$rel" ] || return 0
	case " ${dkms_roots[*]} " in *" $rel "*) return 0 ;; esac
	rr=$("$root/tests/bed/release-root" "$rel" path) || return 1
	"$root/tests/bed/release-root" "$rel" run dkms remove "pvtools/$version" --all >/dev/null 2>&1
	sync_tree "$root" "$rr/usr/src/pvtools-$version" >/dev/null || return 1
	"$root/tests/bed/release-root" "$rel" run dkms add "pvtools/$version" || return 1
	dkms_roots+=("$rel")
}

test_dkms() {
	local line=$1 abi=$2 log=$work/$abi.dkms.log f out rel sysroot=
	rel=$(foreign_release "$abi")
	[ -n "$rel" ] && sysroot=$("$root/tests/bed/release-root" "$rel" path)
	dk() { on_build_side "$abi" "$work" "$@"; }

	if ! dkms_ready "$rel" >"$log" 2>&1; then
		fail "$line-dkms-build" "dkms add in the $rel root failed: $(tail -n 10 "$log")"
		return
	fi
	if ! dk dkms build "pvtools/$version" -k "$abi" >>"$log" 2>&1; then
		fail "$line-dkms-build" "$(tail -n 20 "$log"; tail -n 20 "$sysroot/var/lib/dkms/pvtools/$version/build/make.log" 2>/dev/null)"
		return
	fi
	ok "$line-dkms-build"
	if ! dk dkms install "pvtools/$version" -k "$abi" >>"$log" 2>&1; then
		fail "$line-dkms-install" "$(tail -n 20 "$log")"
		return
	fi
	local m missing= bad=
	for m in "${mod_names[@]}"; do
		f=$(dkms_module_file "$abi" "$m")
		if [ -z "$f" ]; then
			missing+="$m "
			continue
		fi
		if [ -e "$sysroot/lib/modules/$abi/modules.dep" ]; then
			out=$(dk modinfo -k "$abi" "$m" 2>&1)
		else
			# Only headers in the root: DKMS (3.2) leaves depmod to the image
			# package, so modinfo finds the module by its path alone.
			out=$(dk modinfo "$f" 2>&1)
		fi
		grep -q "^filename: *$f\$" <<<"$out" && grep -qx "version: *$version" <<<"$out" ||
			bad+="$out"$'\n'
	done
	if [ -n "$missing" ]; then
		fail "$line-dkms-install" "not in $sysroot/lib/modules/$abi/updates/dkms: $missing"
	else
		ok "$line-dkms-install"
	fi
	if [ -n "$bad" ]; then fail "$line-dkms-modinfo" "$bad"; else ok "$line-dkms-modinfo"; fi
	# POST_INSTALL: the softdep that lets vmxnet take the Flexible NIC.
	if cmp -s "$root/vmxnet/pvtools-vmxnet.conf" "$sysroot/etc/modprobe.d/pvtools-vmxnet.conf"; then
		ok "$line-dkms-modprobe-conf"
	else
		fail "$line-dkms-modprobe-conf" "$sysroot/etc/modprobe.d/pvtools-vmxnet.conf not installed"
	fi
	if dk dkms remove "pvtools/$version" -k "$abi" >>"$log" 2>&1 &&
		[ -z "$(ls "$sysroot/lib/modules/$abi/updates/dkms/" 2>/dev/null | grep -E "^($(IFS='|'; echo "${mod_names[*]}"))\.ko")" ]; then
		ok "$line-dkms-remove"
	else
		fail "$line-dkms-remove" "$(tail -n 10 "$log")"
	fi
	# POST_REMOVE takes the softdep away with the last kernel's vmxnet.
	if ls "$sysroot"/lib/modules/*/updates/dkms/vmxnet.ko* >/dev/null 2>&1 ||
		[ ! -e "$sysroot/etc/modprobe.d/pvtools-vmxnet.conf" ]; then
		ok "$line-dkms-modprobe-conf-removed"
	else
		fail "$line-dkms-modprobe-conf-removed" "$sysroot/etc/modprobe.d/pvtools-vmxnet.conf left behind"
	fi
}

# DKMS builds from its own copy of the tree under /usr/src.
dkms_src=/usr/src/pvtools-$version
if [ -n "$host_dkms" ]; then
	dkms remove "pvtools/$version" --all >/dev/null 2>&1
	sync_tree "$root" "$dkms_src" >/dev/null || harness_error "cannot copy the tree to $dkms_src"
	dkms add "pvtools/$version" >"$work/dkms-add.log" 2>&1 ||
		harness_error "dkms add failed: $(tail -n 5 "$work/dkms-add.log")"
fi

for la in "${lines[@]}"; do
	read -r line abi <<<"$la"
	# The switch test needs one make and one gcc for all: the host's lines.
	[ -z "$(foreign_release "$abi")" ] && [ "$(kconf_release "$abi")" != source ] && abis+=("$abi")
	test_kernel "$line" "$abi"
done

if [ -n "$host_dkms" ]; then
	dkms remove "pvtools/$version" --all >/dev/null 2>&1
	rm -rf "$dkms_src"
fi
for rel in "${dkms_roots[@]}"; do
	"$root/tests/bed/release-root" "$rel" run dkms remove "pvtools/$version" --all >/dev/null 2>&1
	rm -rf "$("$root/tests/bed/release-root" "$rel" path)/usr/src/pvtools-$version"
done

# One tree, one kernel after the other, no clean in between (kbuild's
# command tracking must rebuild everything for the new kernel).
if [ "${#abis[@]}" -ge 2 ]; then
	sw=$work/switch
	sync_tree "$root" "$sw" >/dev/null
	make -C "$sw" KDIR="/usr/src/linux-headers-${abis[0]}" clean >/dev/null 2>&1
	res=ok why=
	for abi in "${abis[@]}" "${abis[0]}"; do
		if ! make -C "$sw" -j"$JOBS" KDIR="/usr/src/linux-headers-$abi" modules >"$work/switch.log" 2>&1; then
			res=fail why="build for $abi failed: $(tail -n 10 "$work/switch.log")"
			break
		fi
		if ! modinfo "$sw/core/pvcore.ko" 2>/dev/null | grep -q "^vermagic: *$abi "; then
			res=fail why="after building for $abi: $(modinfo -F vermagic "$sw/core/pvcore.ko")"
			break
		fi
	done
	if [ $res = ok ]; then ok "kernel-switch-one-tree"; else fail "kernel-switch-one-tree" "$why"; fi
else
	skip "kernel-switch-one-tree" "needs two kernel lines of the host's release"
fi

# checkpatch ships in the kernel source, not in Debian's headers: linux-source
# (tests/bed/host-packages) has it as a tarball, from which checkpatch.pl and
# the data files it reads are unpacked once into the cache. The bed
# guarantees the package, so its absence fails. CHECKPATCH= overrides.
checkpatch_pl() {
	local tar dir
	[ -n "${CHECKPATCH:-}" ] && { echo "$CHECKPATCH"; return; }
	tar=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tar" ] || return 1
	dir=$cache/checkpatch/$(basename "$tar" .tar.xz)-$(stat -c %Y "$tar")
	if [ ! -f "$dir/scripts/checkpatch.pl" ]; then
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" &&
			tar -xJf "$tar" -C "$dir.tmp" --strip-components=1 --wildcards \
				'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
				'*/scripts/const_structs.checkpatch' &&
			rm -rf "$dir" && mv "$dir.tmp" "$dir" || return 1
	fi
	echo "$dir/scripts/checkpatch.pl"
}
# Policy: --strict, and every ERROR, WARNING and CHECK fails but these types:
#   CAMELCASE         the kernel's own names we call (__SetPageOffline)
#   LONG_LINE_STRING  a user-visible string is never split (coding-style.rst)
#   BIT_MACRO         only in include/pvtools/: ABI headers the userspace
#                     tools compile too, where there is no BIT()
#   LINE_SPACING      only before PVTOOLS_EXPORT_SYMBOL*: our compat wrapper
#                     of EXPORT_SYMBOL*, which checkpatch knows by name only
if ! checkpatch=$(checkpatch_pl); then
	fail "checkpatch" "no checkpatch.pl from /usr/src/linux-source-*.tar.xz (tests/bed/host-packages has linux-source: run tests/bed/install-deps)"
else
	files=$(own_files "$root" $(cd "$root" && for d in "${mod_dirs[@]}" compat/; do ls "$d"*.c "$d"*.h 2>/dev/null; done))
	# Run in the unpacked source, not in our tree: checkpatch leaves a cache
	# of CamelCase names from <root>/include in its working directory.
	cproot=$(cd "$(dirname "$checkpatch")/.." && pwd)
	mkdir -p "$cproot/include"
	cp_run() {
		(cd "$cproot" && perl "$checkpatch" --root="$cproot" --no-tree --quiet --terse \
			--strict --show-types --ignore "$1" -f $(printf "$root/%s " $2) 2>&1) |
			grep -v '^total: ' | sed "s|^$root/||" |
			while IFS= read -r l; do
				# file:line: CHECK:LINE_SPACING: ... before our export wrapper
				f=${l%%:*} r=${l#*:} ln=${r%%:*}
				case $l in
				*:LINE_SPACING:*)
					sed -n "${ln}p" "$root/$f" 2>/dev/null |
						grep -q '^PVTOOLS_EXPORT_SYMBOL' && continue ;;
				esac
				echo "$l"
			done
	}
	out=$(cp_run CAMELCASE,LONG_LINE_STRING "$files"
	      cp_run CAMELCASE,LONG_LINE_STRING,BIT_MACRO "$(cd "$root" && ls include/pvtools/*.h)")
	if [ -z "$out" ]; then
		ok "checkpatch"
	else
		fail "checkpatch" "$out"
	fi
fi

# kernel-doc, from the same linux-source tarball, unpacked once into the
# cache beside checkpatch. KERNEL_DOC= overrides.
kernel_doc_pl() {
	local tar dir
	[ -n "${KERNEL_DOC:-}" ] && { echo "$KERNEL_DOC"; return; }
	tar=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tar" ] || return 1
	dir=$cache/kernel-doc/$(basename "$tar" .tar.xz)-$(stat -c %Y "$tar")
	if [ ! -f "$dir/scripts/kernel-doc" ]; then
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" &&
			tar -xJf "$tar" -C "$dir.tmp" --strip-components=1 --wildcards \
				'*/scripts/kernel-doc' &&
			rm -rf "$dir" && mv "$dir.tmp" "$dir" || return 1
	fi
	echo "$dir/scripts/kernel-doc"
}
# Every kerneldoc comment well-formed, and present on every exported
# function and every struct a module's files share (tests/build/kerneldoc.sh).
if ! kdoc=$(kernel_doc_pl); then
	fail "kernel-doc" "no scripts/kernel-doc from /usr/src/linux-source-*.tar.xz (tests/bed/host-packages has linux-source: run tests/bed/install-deps)"
	fail "kernel-doc-coverage" "no scripts/kernel-doc"
else
	for what in format coverage; do
		name=kernel-doc
		[ $what = coverage ] && name=kernel-doc-coverage
		if out=$("$root/tests/build/kerneldoc.sh" "$root" "$kdoc" $what); then
			ok "$name"
		else
			fail "$name" "$out"
		fi
	done
fi

echo "1..$n"
exit 0
