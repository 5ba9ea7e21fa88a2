/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * The "guestlib" statistics RPC (what vmware-toolbox-cmd stat balloon and
 * libvmGuestLib ask the host), shared by the emulated host and any guest
 * tool. Request: the RPCI text "guestlib.info.get <version>".
 *
 * Facts from open-vm-tools libguestlib/vmGuestLib.c, vmGuestLibInt.h and
 * guestlibV3.x.
 */
#ifndef PVTOOLS_GUESTLIB_ABI_H
#define PVTOOLS_GUESTLIB_ABI_H

#include <linux/types.h>

#define GUESTLIB_INFO_GET_COMMAND	"guestlib.info.get"

/* Version 3 is the only one we serve; clients fall back from 3 to 2 on failure. */
#define GUESTLIB_DATA_VERSION_V2	2u
#define GUESTLIB_DATA_VERSION_V3	3u

/*
 * Successful v3 reply body (after "1 "): a packed little-endian header,
 * u32 version, u64 session id (non-zero; a change tells the client the VM
 * was restored or migrated), u32 length of the XDR data that follows.
 */
#define GUESTLIB_V3_HEADER_SIZE		16u
#define GUESTLIB_V3_OFF_VERSION		0u
#define GUESTLIB_V3_OFF_SESSION		4u
#define GUESTLIB_V3_OFF_DATA_SIZE	12u

/*
 * The XDR data (big-endian, 4-byte units): u32 count, then statistics 1..count
 * in id order, each a union: u32 id, u32 valid (XDR bool), then the value as
 * u32 or u64 (see guestlib_stat_is_u64). Clients stop at the first id they
 * do not know, so a host sends a prefix of the list.
 */
#define GUESTLIB_STAT_CPU_RESERVATION_MHZ	1u
#define GUESTLIB_STAT_CPU_LIMIT_MHZ		2u
#define GUESTLIB_STAT_CPU_SHARES		3u
#define GUESTLIB_STAT_CPU_USED_MS		4u	/* u64 */
#define GUESTLIB_STAT_HOST_MHZ			5u
#define GUESTLIB_STAT_MEM_RESERVATION_MB	6u
#define GUESTLIB_STAT_MEM_LIMIT_MB		7u
#define GUESTLIB_STAT_MEM_SHARES		8u
#define GUESTLIB_STAT_MEM_MAPPED_MB		9u
#define GUESTLIB_STAT_MEM_ACTIVE_MB		10u
#define GUESTLIB_STAT_MEM_OVERHEAD_MB		11u
#define GUESTLIB_STAT_MEM_BALLOONED_MB		12u
/* Ids 13-38 exist (18 and 37 are strings); clients accept fewer than 39. */
#define GUESTLIB_STAT_MAX_ID			38u

/* Of ids 1..12, only the CPU time is 64-bit. */
static inline int guestlib_stat_is_u64(__u32 id)
{
	return id == GUESTLIB_STAT_CPU_USED_MS;
}

#endif /* PVTOOLS_GUESTLIB_ABI_H */
