/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For other pvtools host models in QEMU (e.g. an HGFS server): serve an RPCI
 * command, such as "f", through the vmware-backdoor device's channels.
 */
#ifndef PVTOOLS_VMWARE_BACKDOOR_H
#define PVTOOLS_VMWARE_BACKDOOR_H

#include "qapi/error.h"
#include "bdoor_host.h"

#define TYPE_VMWARE_BACKDOOR "vmware-backdoor"

/* The backdoor device must already be realized (put it first on the command line). */
bool vmware_backdoor_add_rpci_command(const char *name, bdoor_rpci_handler *handle,
                                      void *opaque, Error **errp);

/* The same for binary arguments (HGFS's "f"): no trailing NUL stripped. */
bool vmware_backdoor_add_rpci_binary_command(const char *name, bdoor_rpci_handler *handle,
                                             void *opaque, Error **errp);

/*
 * Defined in TCG's I/O permission check (host/qemu/patches/0001-*): the
 * backdoor ports answer at any CPL, as on VMware.
 */
extern bool pvtools_backdoor_any_cpl;

#endif /* PVTOOLS_VMWARE_BACKDOOR_H */
