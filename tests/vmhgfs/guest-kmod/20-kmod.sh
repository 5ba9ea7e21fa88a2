#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs.ko beyond the shared POSIX checks: one share as the mount root,
# the mount options (uid, gid, fmask, dmask, ttl, ro), host-side changes
# seen only once the TTL ran out, open(O_CREAT) in three requests with the
# creator's rights and over names the host made meanwhile, errnos, offsets
# past 4 GiB, a cold read through readahead, unmount refused while a file is
# open, and rmmod refused while mounted.
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
ktap_plan 19

D=/mnt/hgfs-data
mkdir -p "$D"

one_share() {
	mount -t vmhgfs .host:/data "$D" || return 1
	a=$(cat "$D/hello.txt")
	b=$(ls "$D" | grep -c -e '^data$' -e '^ro$' -e '^hello.txt$')
	umount "$D"
	echo "read '$a', $b of data/ro/hello.txt listed"
	[ "$a" = "hello from the host" ] && [ "$b" = 1 ]
}

options() {
	mount -t vmhgfs -o uid=1234,gid=2345,fmask=0177,dmask=0077,ttl=7 .host:/ "$D" || return 1
	mkdir -p "$D/data/optdir"
	out="$(stat -c '%u %g %a' "$D/data/hello.txt") $(stat -c '%a' "$D/data/optdir")"
	opts=$(grep " $D vmhgfs" /proc/mounts)
	rmdir "$D/data/optdir"
	umount "$D"
	echo "$out / $opts"
	[ "$out" = "1234 2345 600 700" ] &&
		case $opts in *uid=1234,gid=2345,fmask=0177,dmask=0077,ttl=7*) ;; *) false ;; esac
}

ro_option() {
	mount -t vmhgfs -o ro .host:/data "$D" || return 1
	e=$(err_of sh -c "echo x >'$D/new'")
	e2=$(err_of mkdir "$D/newdir")
	ok=$(cat "$D/hello.txt")
	umount "$D"
	echo "$e / $e2"
	case $e in *Read-only*) ;; *) return 1 ;; esac
	case $e2 in *Read-only*) ;; *) return 1 ;; esac
	[ "$ok" = "hello from the host" ] && [ "$(host_cksum data/new)" = "error 2" ]
}

bad_source() {
	! mount -t vmhgfs host:/data "$D" 2>/dev/null &&
		! mount -t vmhgfs .host:/nope "$D" 2>/dev/null &&
		! mount -t vmhgfs .host:/data/hello.txt "$D" 2>/dev/null &&
		! grep -q " $D vmhgfs" /proc/mounts
}

# A file created behind the mount's back (hgfs_raw talks HGFS directly):
# the cached negative lookup holds for the TTL, then the file shows.
TTLM=/mnt/hgfs-ttl
mkdir -p "$TTLM"
mount -t vmhgfs -o ttl=6 .host:/ "$TTLM"
ttl_cached() {
	! stat "$TTLM/data/behind" >/dev/null 2>&1 &&
		[ "$(hgfs_raw create data/behind)" = "status 0" ] &&
		! stat "$TTLM/data/behind" >/dev/null 2>&1
}
ttl_expired() { sleep 7; stat "$TTLM/data/behind" >/dev/null; }

# open(O_CREAT) of a new name (->atomic_open): one OPEN that creates the
# file and keeps its handle, one GETATTR, the CLOSE at close(2). Through
# lookup, create and open it was six requests.
CM=/mnt/hgfs-create
mkdir -p "$CM"
mount -t vmhgfs -o uid=65534,gid=65534,ttl=60 .host:/data "$CM"
create_requests() {
	ls "$CM" >/dev/null || return 1
	r0=$(hostctl get hgfs requests)
	: >"$CM/new-file"
	r1=$(hostctl get hgfs requests)
	echo "$((r1 - r0)) requests to create and close a file"
	[ $((r1 - r0)) -le 3 ] && [ "$(host_cksum data/new-file)" = "4294967295 0" ]
}

# The creator writes and reads through its descriptor whatever the mode
# (0444 here, as an unprivileged owner), and O_EXCL refuses a second time.
create_mode_0444() {
	a=$(creat_rw -U 65534 "$CM/mode-0444" 0444)
	b=$(creat_rw -U 65534 "$CM/mode-0444" 0444)
	echo "first: $a / second: $b / mode $(stat -c %a "$CM/mode-0444")"
	[ "$a" = ok ] && [ "$b" = "open: File exists" ] &&
		[ "$(host_cksum data/mode-0444)" = "$(echo 'written by the creator' | posix_cksum)" ]
}

# A name cached negative (TTL 60 s) that the host made meanwhile: O_CREAT
# opens the host's file (>> appends to it), O_CREAT|O_EXCL says EEXIST.
create_over_negative() {
	! stat "$CM/behind-a" >/dev/null 2>&1 && ! stat "$CM/behind-b" >/dev/null 2>&1 &&
		[ "$(hgfs_raw create data/behind-a)" = "status 0" ] &&
		[ "$(hgfs_raw create data/behind-b)" = "status 0" ] || return 1
	echo appended >>"$CM/behind-a" || return 1
	e=$(err_of sh -c "set -C; echo x >'$CM/behind-b'")
	echo "exclusive create over the host's file: $e"
	case $e in *"File exists"*) ;; *) return 1 ;; esac
	[ "$(host_cksum data/behind-a)" = "$(echo appended | posix_cksum)" ] &&
		[ "$(host_cksum data/behind-b)" = "4294967295 0" ]
}

errnos() {
	mkdir "$M/data/e" && : >"$M/data/e/f" || return 1
	a=$(err_of mkdir "$M/data/e")
	b=$(err_of rmdir "$M/data/e")
	c=$(err_of ls "$M/data/e/f/x")
	d=$(err_of cat "$M/data/e/missing")
	rm -r "$M/data/e"
	echo "$a / $b / $c / $d"
	case "$a|$b|$c|$d" in
	*"File exists"*"not empty"*"Not a directory"*"No such file"*) ;;
	*) return 1 ;;
	esac
}

# 4 KiB of random bytes 5 GiB into a sparse file: 64-bit offsets both ways.
past_4g() {
	dd if=/dev/urandom of=/tmp/tail bs=4096 count=1 2>/dev/null &&
		dd if=/tmp/tail of="$M/data/huge" bs=4096 seek=1310720 2>/dev/null &&
		[ "$(stat -c %s "$M/data/huge")" = $((5 * 1024 * 1024 * 1024 + 4096)) ] &&
		dd if="$M/data/huge" of=/tmp/back bs=4096 skip=1310720 2>/dev/null &&
		cmp /tmp/tail /tmp/back && rm "$M/data/huge"
}

# 8 MiB written, the page cache dropped, read back cold: readahead requests
# of the session's I/O size land on the right pages.
cold_read() {
	dd if=/dev/urandom of=/tmp/cold bs=65536 count=128 2>/dev/null &&
		cp /tmp/cold "$M/data/cold" && sync && echo 3 >/proc/sys/vm/drop_caches &&
		cmp /tmp/cold "$M/data/cold" && same_on_host data/cold /tmp/cold &&
		rm "$M/data/cold"
}

busy_umount() {
	exec 3<"$M/data/hello.txt"
	if umount "$M" 2>/dev/null; then
		exec 3<&-
		return 1
	fi
	exec 3<&-
	grep -q " $M vmhgfs" /proc/mounts
}

rmmod_mounted() {
	! rmmod vmhgfs 2>/dev/null && grep -q '^vmhgfs ' /proc/modules &&
		[ "$(cat "$M/data/hello.txt")" = "hello from the host" ]
}

rmmod_unmounted() {
	umount "$M" && umount "$TTLM" && rmmod vmhgfs && ! grep -q '^vmhgfs ' /proc/modules &&
		modprobe vmhgfs
}

mount_check
ktap_check one-share-as-root one_share
ktap_check options-uid-gid-fmask-dmask-ttl options
ktap_check ro-option-refuses-writes ro_option
ktap_check bad-sources-refused bad_source
fuse_check ttl-negative-cached ttl_cached
fuse_check ttl-host-change-seen ttl_expired
fuse_check create-three-requests create_requests
fuse_check create-mode-0444-creator-writes create_mode_0444
fuse_check create-over-host-made-name create_over_negative
ktap_check create-mount-unmounted sh -c "rm -f '$CM/new-file' '$CM/mode-0444' '$CM/behind-a' '$CM/behind-b' && umount '$CM'"
fuse_check errnos errnos
fuse_check offsets-past-4GiB past_4g
fuse_check cold-read-8MiB cold_read
fuse_check umount-busy-refused busy_umount
fuse_check readdir-sees-host-file sh -c "ls '$M/data' | grep -qx behind"
fuse_check rmmod-while-mounted-refused rmmod_mounted
fuse_check rmmod-after-umount rmmod_unmounted
ktap_check no-oops sh -c '! dmesg | grep -E "BUG|Oops|WARNING|general protection"'
ktap_exit
