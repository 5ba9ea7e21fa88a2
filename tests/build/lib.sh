# SPDX-License-Identifier: GPL-2.0
# Helpers shared by tests/build/run.sh and tests/build/modules.sh (bash).

# tests/bed/kernels.conf: <line> <abi> <version> [<release> [<guests>]].
# The Debian release a pinned ABI comes from (bookworm when not given).
kconf_release() {
	awk -v a="$1" '$1 !~ /^#/ && $2 == a { print ($4 == "" ? "bookworm" : $4); exit }' \
		"$root/tests/bed/kernels.conf"
}

# The release whose root builds for <abi>, or nothing when the host's own
# gcc and apt sources do (an ABI kernels.conf does not pin: the host; a
# line built here from linux-source: release `source`).
foreign_release() {
	local rel host
	rel=$(kconf_release "$1")
	host=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$rel" ] && [ "$rel" != "$host" ] && [ "$rel" != source ] && echo "$rel"
	return 0
}

# Where <abi>'s headers are seen from the host (inside the root if foreign;
# the build tree of tests/bed/debug-kernel for a line built here, which
# builds it when absent).
headers_dir() {
	local rel
	rel=$(kconf_release "$1")
	if [ "$rel" = source ]; then
		"$root/tests/bed/debug-kernel" dir
		return
	fi
	rel=$(foreign_release "$1")
	if [ -n "$rel" ]; then
		echo "$("$root/tests/bed/release-root" "$rel" path)/usr/src/linux-headers-$1"
	else
		echo "/usr/src/linux-headers-$1"
	fi
}

# Installs linux-headers-<abi> when missing (in the root of its release when
# that is not the host's); apt-get update only if needed.
ensure_headers() {
	local abi=$1 rel apt
	if [ "$(kconf_release "$abi")" = source ]; then
		[ -e "$(headers_dir "$abi")/Makefile" ]
		return
	fi
	rel=$(foreign_release "$abi")
	if [ -n "$rel" ]; then
		apt=("$root/tests/bed/release-root" "$rel" apt)
	else
		apt=("$root/tests/bed/apt-locked")
	fi
	local dir
	dir=$(headers_dir "$abi") || return 1
	if ! [ -e "$dir/Makefile" ]; then
		"${apt[@]}" install -y -q --no-install-recommends "linux-headers-$abi" ||
			{ "${apt[@]}" update -q && "${apt[@]}" install -y -q --no-install-recommends "linux-headers-$abi"; }
	fi
	[ -e "$dir/Makefile" ] || return 1
	# Debian's 7.x headers run scripts/checker-valid.sh for C= but lack it:
	# without it sparse is always skipped. Ours stands in (and replaces an
	# older copy of itself, never a script the package ships).
	local scripts common
	scripts=$(readlink -f "$dir/scripts")
	common=$(dirname "$dir")/linux-headers-${abi%-amd64}-common
	if grep -qs 'scripts/checker-valid.sh' "$common/Makefile" &&
		{ [ ! -e "$scripts/checker-valid.sh" ] || grep -qs pvtools "$scripts/checker-valid.sh"; } &&
		! cmp -s "$root/tests/build/checker-valid.sh" "$scripts/checker-valid.sh"; then
		install -m 755 "$root/tests/build/checker-valid.sh" "$scripts/checker-valid.sh"
	fi
}

# Runs CMD... where modules for <abi> build: on the host, or chrooted into
# its release's root with DIR bound at the same path.
#   on_build_side <abi> <dir> CMD...
on_build_side() {
	local abi=$1 dir=$2 rel
	shift 2
	rel=$(foreign_release "$abi")
	if [ -n "$rel" ]; then
		"$root/tests/bed/release-root" "$rel" run --bind "$dir" -- "$@"
	else
		"$@"
	fi
}

# make in module tree <dir> against <abi>'s headers, wherever they live.
#   kmake <abi> <dir> MAKE-ARGS...
kmake() {
	local abi=$1 dir=$2 kdir
	shift 2
	kdir=/usr/src/linux-headers-$abi
	[ "$(kconf_release "$abi")" = source ] && kdir=$(headers_dir "$abi")
	on_build_side "$abi" "$dir" make -C "$dir" KDIR="$kdir" "$@"
}

# Copies the module sources (not VCS data, tests, host models or build
# outputs) from <root> to <dest>, keeping mtimes so kbuild sees no change.
# Prints one line per changed file (nothing when the copy was up to date).
sync_tree() {
	local root=$1 dest=$2
	mkdir -p "$dest"
	rsync -a --omit-dir-times --delete --out-format=%n \
		--exclude=/.git --exclude=/.ci --exclude=/tests --exclude=/host \
		--exclude=/docs --exclude=/out --exclude=/build --exclude=/.pvtools-built \
		--exclude='*.o' --exclude='*.ko' --exclude='*.ko.xz' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' --exclude='*.d' \
		--exclude=Module.symvers --exclude=modules.order \
		--exclude=compat_generated.h --exclude='.tmp_versions' --exclude='.cache.mk' \
		"$root/" "$dest/"
}

# PACKAGE_VERSION from dkms.conf (the single source of the version).
pvtools_version() {
	sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$1/dkms.conf"
}

# own_files ROOT FILE...: the FILEs (relative to ROOT) that are the tree's
# own, not build outputs of an in-tree `make` (*.mod.c, compat_generated.h,
# and in a git checkout whatever git ignores).
own_files() {
	local root=$1 f
	shift
	for f in "$@"; do
		case $f in *.mod.c | compat_generated.h | */compat_generated.h) continue ;; esac
		git -C "$root" check-ignore -q -- "$f" 2>/dev/null && continue
		echo "$f"
	done
}
