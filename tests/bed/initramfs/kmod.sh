# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest's init and scripts: module tools are kmod's, as on a
# distribution, not the busybox applets the shell runs before $PATH (busybox's
# modprobe loads a module a second time when the first attempt fails).
modprobe() { /sbin/modprobe "$@"; }
insmod() { /sbin/insmod "$@"; }
rmmod() { /sbin/rmmod "$@"; }
lsmod() { /sbin/lsmod "$@"; }
modinfo() { /sbin/modinfo "$@"; }
