#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs-fuse against our HGFS server: share listing, read, write, rename,
# readdir, attributes, symlinks, statfs, data integrity against the host's
# copy, and the read-only share refusing every write.
. "$PVBED_DIR/hgfs.inc"
ktap_need_hostctl
ktap_plan 22 model

share_list() { [ "$(ls "$M" | tr '\n' ' ')" = "data ro " ]; }
read_host_file() { [ "$(cat "$M/data/hello.txt")" = "hello from the host" ]; }
session_used() { [ "$(hostctl get hgfs sessions-created)" -ge 1 ]; }

write_small() {
	echo "written by the guest" >"$M/data/w.txt" &&
		echo "written by the guest" >/tmp/w.txt &&
		same_on_host data/w.txt /tmp/w.txt
}

# 3 MiB of random data through 60 KiB requests, back and compared on both sides.
write_big() {
	dd if=/dev/urandom of=/tmp/big bs=65536 count=48 2>/dev/null &&
		cp /tmp/big "$M/data/big" && sync &&
		same_on_host data/big /tmp/big &&
		cmp /tmp/big "$M/data/big"
}

# Writes at random offsets and lengths (512-byte units, dd seek, no
# truncation) on the share and on a local twin.
random_writes() {
	i=0
	while [ $i -lt 20 ]; do
		blk=$(( $(od -An -N2 -tu2 /dev/urandom) % 6000 ))
		cnt=$(( $(od -An -N1 -tu1 /dev/urandom) % 140 + 1 ))
		dd if=/dev/urandom of=/tmp/chunk bs=512 count=$cnt 2>/dev/null
		dd if=/tmp/chunk of="$M/data/big" bs=512 seek=$blk conv=notrunc 2>/dev/null &&
			dd if=/tmp/chunk of=/tmp/big bs=512 seek=$blk conv=notrunc 2>/dev/null ||
			return 1
		i=$((i + 1))
	done
	same_on_host data/big /tmp/big && cmp /tmp/big "$M/data/big"
}

truncate_file() {
	truncate -s 1000000 "$M/data/big" && truncate -s 1000000 /tmp/big &&
		same_on_host data/big /tmp/big &&
		[ "$(stat -c %s "$M/data/big")" = 1000000 ]
}

append() {
	echo more >>"$M/data/w.txt" && echo more >>/tmp/w.txt &&
		same_on_host data/w.txt /tmp/w.txt
}

rename_file() {
	mv "$M/data/w.txt" "$M/data/w2.txt" &&
		[ ! -e "$M/data/w.txt" ] && cmp /tmp/w.txt "$M/data/w2.txt" &&
		[ "$(host_cksum data/w.txt)" = "error 2" ] &&
		same_on_host data/w2.txt /tmp/w.txt
}

rename_over_existing() {
	echo old >"$M/data/target" && echo new >"$M/data/source" &&
		mv "$M/data/source" "$M/data/target" &&
		[ "$(cat "$M/data/target")" = new ] && [ ! -e "$M/data/source" ]
}

readdir_many() {
	mkdir "$M/data/dir" || return 1
	i=0
	while [ $i -lt 60 ]; do
		: >"$M/data/dir/f$i" || return 1
		i=$((i + 1))
	done
	[ "$(ls "$M/data/dir" | wc -l)" = 60 ] && [ -e "$M/data/dir/f59" ]
}

remove() {
	rm "$M/data/dir/f0" && [ ! -e "$M/data/dir/f0" ] &&
		! rmdir "$M/data/dir" 2>/dev/null &&
		rm -r "$M/data/dir" && [ ! -e "$M/data/dir" ] &&
		[ "$(host_cksum data/dir/f1)" = "error 2" ]
}

attributes() {
	chmod 640 "$M/data/w2.txt" && [ "$(stat -c %a "$M/data/w2.txt")" = 640 ] &&
		touch -d "2020-01-02 03:04:05" "$M/data/w2.txt" &&
		[ "$(stat -c %Y "$M/data/w2.txt")" = "$(date -d "2020-01-02 03:04:05" +%s)" ] &&
		[ "$(stat -c %s "$M/data/w2.txt")" = "$(stat -c %s /tmp/w.txt)" ] &&
		[ -d "$M/data" ] && [ -f "$M/data/w2.txt" ]
}

symlink() {
	ln -s w2.txt "$M/data/link" && [ "$(readlink "$M/data/link")" = w2.txt ] &&
		cmp "$M/data/link" /tmp/w.txt && [ -L "$M/data/link" ]
}

mkdir_nested() { mkdir -p "$M/data/a/b/c" && [ -d "$M/data/a/b/c" ] && rmdir "$M/data/a/b/c"; }
missing() { ! cat "$M/data/nope" 2>/dev/null && ! ls "$M/nope" 2>/dev/null; }
statfs() { df "$M/data" | grep -q "$M"; }

# The read-only share: reads work, every write is refused, the host copy unchanged.
ro_read() { [ "$(cat "$M/ro/hello.txt")" = "hello from the host" ]; }
ro_refuses() {
	before=$(host_cksum ro/hello.txt)
	! sh -c "echo x >'$M/ro/new'" 2>/dev/null &&
		! sh -c "echo x >>'$M/ro/hello.txt'" 2>/dev/null &&
		! mkdir "$M/ro/d" 2>/dev/null &&
		! rm "$M/ro/hello.txt" 2>/dev/null &&
		! mv "$M/ro/hello.txt" "$M/ro/moved" 2>/dev/null &&
		! ln -s x "$M/ro/l" 2>/dev/null &&
		! mv "$M/data/w2.txt" "$M/ro/w2.txt" 2>/dev/null &&
		[ "$(host_cksum ro/hello.txt)" = "$before" ] &&
		[ "$(host_cksum ro/new)" = "error 2" ] &&
		[ "$(ls "$M/ro")" = hello.txt ]
}

# Guest-side ".." stays in the mount; names of shares cannot be created.
no_new_share() { ! mkdir "$M/newshare" 2>/dev/null && ! sh -c ": >'$M/newfile'" 2>/dev/null; }
dotdot() { [ "$(cat "$M/data/../data/../ro/hello.txt")" = "hello from the host" ]; }

mount_check
fuse_check share-list share_list
fuse_check read-host-file read_host_file
fuse_check v4-session-used session_used
fuse_check write-small write_small
fuse_check write-big-3MiB write_big
fuse_check random-offset-writes random_writes
fuse_check truncate truncate_file
fuse_check append append
fuse_check rename rename_file
fuse_check rename-over-existing rename_over_existing
fuse_check readdir-60 readdir_many
fuse_check unlink-rmdir remove
fuse_check attributes attributes
fuse_check symlink symlink
fuse_check mkdir-nested mkdir_nested
fuse_check missing-enoent missing
fuse_check statfs statfs
fuse_check ro-read ro_read
fuse_check ro-refuses-writes ro_refuses
fuse_check no-new-top-level-names no_new_share
fuse_check dotdot-stays-inside dotdot
umount "$M"
ktap_exit
