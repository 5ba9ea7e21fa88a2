#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A hostile guest talking HGFS directly (hgfs_raw): names a FUSE or kernel
# client never sends and symlinks planted to leave the share must be
# refused by the server; nothing outside the share is created.
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
ktap_plan 12 model

# HGFS statuses (docs/protocol/hgfs.md §4.1).
NO_SUCH_FILE=1
ACCESS_DENIED=8
INVALID_NAME=9

raw_is() { [ "$(hgfs_raw "$1" "$2")" = "status $3" ]; }

plant() {
	# Through the mount: host symlinks to the host's /etc and to the work dir
	# above the share (<workdir>/hgfs/data/../.. holds the VM's files).
	ln -s /etc "$M/data/abs" && ln -s ../.. "$M/data/up" &&
		raw_is getattr data/hello.txt 0
}

mount_check
fuse_check plant-symlinks plant
fuse_check dotdot-component-refused raw_is getattr data/../../cmd $INVALID_NAME
fuse_check dot-component-refused raw_is getattr data/./hello.txt $INVALID_NAME
fuse_check absolute-symlink-not-followed raw_is getattr data/abs/passwd $ACCESS_DENIED
fuse_check relative-symlink-out-not-followed raw_is getattr data/up/cmd $ACCESS_DENIED
# <workdir>/hgfs/ro is the read-only share's directory: a file created
# through data/up would show there.
fuse_check create-through-symlink-refused raw_is create data/up/hgfs/ro/planted $ACCESS_DENIED
fuse_check mkdir-through-symlink-refused raw_is mkdir data/abs/planted $ACCESS_DENIED
fuse_check list-through-symlink-refused raw_is search data/abs/ssl $ACCESS_DENIED
fuse_check nothing-created-outside [ "$(host_cksum ro/planted)" = "error 2" ]
fuse_check unknown-share raw_is getattr nope/x $NO_SUCH_FILE
fuse_check new-top-level-refused raw_is create newshare $ACCESS_DENIED
umount "$M"
ktap_exit
