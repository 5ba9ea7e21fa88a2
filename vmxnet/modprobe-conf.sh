#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DKMS POST_INSTALL ("install") and POST_REMOVE ("remove"): the modprobe.d
# snippet that loads vmxnet before pcnet32, so vmxnet gets VMware's Flexible
# NIC (vmxnet/pvtools-vmxnet.conf, installed as /etc/modprobe.d/pvtools-vmxnet.conf).
set -e
dst=/etc/modprobe.d/pvtools-vmxnet.conf
here=$(dirname "$0")
case "$1" in
install)
	install -D -m 0644 "$here/pvtools-vmxnet.conf" "$dst"
	;;
remove)
	# DKMS removes kernel by kernel: keep it while any kernel still has our vmxnet.
	if ! ls /lib/modules/*/updates/dkms/vmxnet.ko* >/dev/null 2>&1; then
		rm -f "$dst"
	fi
	;;
*)
	echo "usage: $0 install|remove" >&2
	exit 2
	;;
esac
