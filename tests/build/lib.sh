# SPDX-License-Identifier: GPL-2.0
# Helpers shared by tests/build/run.sh and tests/build/modules.sh (bash).

# Installs linux-headers-<abi> when missing; apt-get update only if needed.
ensure_headers() {
	local abi=$1
	[ -e "/usr/src/linux-headers-$abi/Makefile" ] && return 0
	local apt=$root/tests/bed/apt-locked
	"$apt" install -y -q --no-install-recommends "linux-headers-$abi" ||
		{ "$apt" update -q && "$apt" install -y -q --no-install-recommends "linux-headers-$abi"; }
	[ -e "/usr/src/linux-headers-$abi/Makefile" ]
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
