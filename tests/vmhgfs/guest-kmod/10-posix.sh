#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs.ko: the POSIX behaviour checks of the vmhgfs-fuse group
# (guest-fuse/posix.lib) on our mount of .host:/: listing, reads, writes,
# data integrity against the host's copy, rename, readdir, attributes,
# symlinks, statfs, the read-only share refusing every write.
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
ktap_plan 22
. "$PVBED_DIR/posix.lib"
