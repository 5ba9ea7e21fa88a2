#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the emulated VMware host: Debian's QEMU 7.2 (x86_64-softmmu, TCG only)
# with our device models linked in from this clone, incrementally, under the cache.
set -euo pipefail

cache=${PVTOOLS_CACHE:-/var/cache/pvtools}
qemu_dir=$cache/qemu
src=$qemu_dir/src
build=$qemu_dir/build
host_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

# Build and run-time packages are in the one host package list.
apt_locked=$host_dir/../tests/bed/apt-locked

log() { echo "build-qemu: $*" >&2; }

# apt-get source needs deb-src lines mirroring the deb822 deb entries.
ensure_deb_src() {
	local list=/etc/apt/sources.list.d/debian.sources
	local twin=/etc/apt/sources.list.d/pvtools-debian-src.sources

	if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 1
	fi
	[ -r "$list" ] || { log "no $list; add a deb-src entry by hand"; exit 1; }
	sed -e 's/^Types:.*/Types: deb-src/' "$list" > "$twin"
	log "added $twin"
	return 0
}

install_packages() {
	"$host_dir/../tests/bed/install-deps"
	if ensure_deb_src; then
		"$apt_locked" update -q
	fi
}

fetch_source() {
	[ -f "$src/.pvtools-unpacked" ] && return
	local tmp=$qemu_dir/fetch
	rm -rf "$tmp" "$src"
	mkdir -p "$tmp"
	# dpkg-source (run by apt-get source) applies Debian's patches.
	(cd "$tmp" && "$apt_locked" source qemu)
	mv "$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)" "$src"
	rm -rf "$tmp"
	touch "$src/.pvtools-unpacked"
}

# Our few changes to QEMU itself (host/qemu/patches), each applied once.
apply_patches() {
	local p
	for p in "$host_dir"/qemu/patches/*.patch; do
		[ -f "$p" ] || continue
		if patch -d "$src" -p1 -R --dry-run -s -f < "$p" >/dev/null 2>&1; then
			continue
		fi
		log "applying ${p##*/}"
		patch -d "$src" -p1 -N -s < "$p"
	done
}

# Our models live in this clone; QEMU sees them through one symlink and one subdir() line.
link_models() {
	local link=$src/hw/pvtools
	local hook="subdir('pvtools')  # pvtools device models"
	local hw_meson=$src/hw/meson.build

	if [ "$(readlink "$link" 2>/dev/null)" != "$host_dir" ]; then
		rm -f "$link"
		ln -s "$host_dir" "$link"
		# Another clone: its files may be older than our objects, and the
		# include path meson resolved points at the old one. Start over.
		rm -rf "$build"/libqemu-x86_64-softmmu.fa.p/hw_pvtools_*
		[ ! -f "$build/build.ninja" ] || touch "$hw_meson"
	fi
	[ -f "$host_dir/meson.build" ] || return 0
	grep -qxF "$hook" "$hw_meson" || echo "$hook" >> "$hw_meson"
}

# TCG only, no tools or docs; virtfs (virtio-9p, with the xattr and
# capabilities support it needs) for the HGFS bench's baseline.
configure_args=(--target-list=x86_64-softmmu
	--without-default-features --enable-tcg --disable-kvm
	--disable-docs --disable-tools --disable-werror
	--enable-virtfs --enable-attr --enable-cap-ng)

configure() {
	local stamp=$build/.pvtools-configure-args
	# A build directory copied from another cache still names that cache's
	# paths in build.ninja, and regenerating it would write there: start over.
	if [ -f "$build/build.ninja" ] &&
		! grep -qF -- "--internal regenerate $src $build" "$build/build.ninja"; then
		log "$build was configured elsewhere (a copied cache): configuring afresh"
		rm -f "$build/build.ninja"
	fi
	# Other options than the build was configured with: configure again.
	if [ -f "$build/build.ninja" ] && [ "$(cat "$stamp" 2>/dev/null)" != "${configure_args[*]}" ]; then
		log "configure options changed: configuring afresh"
		rm -f "$build/build.ninja"
	fi
	[ -f "$build/build.ninja" ] && return
	rm -rf "$build"
	mkdir -p "$build"
	(cd "$build" && "$src/configure" "${configure_args[@]}")
	echo "${configure_args[*]}" > "$stamp"
}

main() {
	mkdir -p "$qemu_dir"
	# One build per cache at a time: two runs sharing it (two clones, or a
	# check beside a bench) would both regenerate meson's build directory.
	exec 8>"$qemu_dir/.build.lock"
	if ! flock -n 8; then
		log "waiting for another build of $build"
		flock -w 3600 8 || { log "another build held $qemu_dir/.build.lock for an hour"; exit 1; }
	fi
	install_packages
	fetch_source
	apply_patches
	link_models
	configure
	ninja -C "$build" qemu-system-x86_64
	log "built $build/qemu-system-x86_64"
}

main "$@"
