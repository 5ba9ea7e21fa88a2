#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs.ko: shared writable mmap (tests/tools/mmap_io.c). Random stores
# through MAP_SHARED mappings reach the host's copy after msync, after
# fsync, by sync(1) of nothing in particular, and with no sync at all by
# unmount or by the inode's eviction (drop_caches); stores and write() of the
# same file stay coherent; truncate of a mapped file with dirty pages; a
# host fault during writeback fails msync and fsync with EIO, without an
# oops, and the mapping works again after it; a read-only mount and the
# read-only share refuse writable shared maps, read-only and private ones
# work.
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
ktap_plan 13

R=/tmp/mmap-ref

# The guest's view (cached, then cold) and the host's copy equal $R.
all_equal() {
	cmp "$M/data/$1" $R || return 1
	echo 3 >/proc/sys/vm/drop_caches
	cmp "$M/data/$1" $R && same_on_host "data/$1" $R
}

rand_case() { # file size stores seed how
	mmap_io rand "$M/data/$1" $R "$2" "$3" "$4" "$5" && all_equal "$1"
}

# Nothing synced and the descriptor closed before the stores: the dirty
# pages reach the host when the mount goes away.
detached() {
	mmap_io rand "$M/data/mm-detach" $R 300000 200 11 detach || return 1
	umount "$M" && mount_share && all_equal mm-detach
}

# sync(1): the dirty inode is on writeback's lists (a hashed inode).
synced() {
	mmap_io rand "$M/data/mm-sync" $R 300000 200 13 detach || return 1
	sync
	same_on_host data/mm-sync $R && all_equal mm-sync
}

# The same, but the dentry and inode are dropped (drop_caches) while the
# pages are dirty: eviction sends them; the host's copy is read by QMP.
evicted() {
	mmap_io rand "$M/data/mm-evict" $R 300000 200 12 detach || return 1
	echo 2 >/proc/sys/vm/drop_caches
	same_on_host data/mm-evict $R && all_equal mm-evict
}

ro_mount() {
	D=/mnt/hgfs-ro
	mkdir -p "$D"
	mount -t vmhgfs -o ro .host:/data "$D" || return 1
	a=$(mmap_io map "$D/hello.txt" shared-rw)
	b=$(mmap_io map "$D/hello.txt" shared-ro)
	c=$(mmap_io map "$D/hello.txt" private)
	umount "$D"
	echo "ro mount: shared-rw '$a', shared-ro '$b', private '$c'"
	case $a in *"Read-only file system"*) ;; *) return 1 ;; esac
	case "$b|$c" in "ok "*"|ok "*) ;; *) return 1 ;; esac
}

ro_share() {
	a=$(mmap_io map "$M/ro/hello.txt" shared-rw)
	b=$(mmap_io map "$M/ro/hello.txt" shared-ro)
	echo "ro share: shared-rw '$a', shared-ro '$b'"
	case $a in "open: "*|"mmap: "*) ;; *) return 1 ;; esac
	case $b in "ok "*) ;; *) return 1 ;; esac
	[ "$(cat "$M/ro/hello.txt")" = "hello from the host" ]
}

mix_case() {
	mmap_io mix "$M/data/mm-mix" $R 262144 400 3 && all_equal mm-mix
}

trunc_case() { mmap_io trunc "$M/data/mm-trunc" $R && all_equal mm-trunc; }

host_fault() {
	mmap_io eio "$M/data/mm-eio" $R "hostctl set hgfs fault $1" "hostctl set hgfs fault none"
	rc=$?
	hostctl set hgfs fault none
	[ $rc = 0 ] && all_equal mm-eio
}

mount_check
fuse_check msync-random-stores-on-host rand_case mm-rand 1048576 500 1 msync
fuse_check fsync-random-stores-on-host rand_case mm-fsync 200000 300 2 fsync
fuse_check stores-on-host-after-sync synced
fuse_check unsynced-stores-on-host-after-umount detached
fuse_check unsynced-stores-on-host-after-eviction evicted
fuse_check stores-and-write-coherent mix_case
fuse_check truncate-mapped-dirty trunc_case
fuse_check writeback-wrong-status-eio host_fault wrong-status
fuse_check writeback-silent-host-eio host_fault silent
ktap_check ro-mount-refuses-shared-writable ro_mount
fuse_check ro-share-refuses-shared-writable ro_share
ktap_check no-oops sh -c '! dmesg | grep -E "BUG|Oops|WARNING|general protection"'
rm -f "$M"/data/mm-*
umount "$M"
ktap_exit
