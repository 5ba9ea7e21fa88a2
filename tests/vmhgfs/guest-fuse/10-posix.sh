#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs-fuse against our HGFS server: share listing, read, write, rename,
# readdir, attributes, symlinks, statfs, data integrity against the host's
# copy, and the read-only share refusing every write (posix.lib, shared
# with the vmhgfs.ko group guest-kmod).
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
ktap_plan 22 model
. "$PVBED_DIR/posix.lib"
