/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host side of the guestlib statistics RPC ("guestlib.info.get"): parses the
 * request and builds the v3 reply, independent of QEMU and of the transport.
 */
#ifndef PVTOOLS_HOST_GUESTLIB_H
#define PVTOOLS_HOST_GUESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvtools/guestlib_abi.h"

/* We send ids 1..GUESTLIB_HOST_LAST_STAT: enough to carry the balloon size. */
#define GUESTLIB_HOST_LAST_STAT	GUESTLIB_STAT_MEM_BALLOONED_MB

/* Header, count, and per statistic id + valid + at most 8 bytes of value. */
#define GUESTLIB_REPLY_MAX \
	(GUESTLIB_V3_HEADER_SIZE + 4 + GUESTLIB_HOST_LAST_STAT * 16)

struct guestlib_stat {
	bool valid;
	uint64_t value;		/* saturated to 32 bits for 32-bit statistics */
};

struct guestlib_stats {
	uint64_t session_id;	/* must not be 0: clients read 0 as "no data" */
	struct guestlib_stat stat[GUESTLIB_HOST_LAST_STAT + 1];	/* by id; [0] unused */
};

/*
 * Answers the bytes after "guestlib.info.get ". Writes the reply body (the
 * part after "1 " or "0 ") to out, which holds GUESTLIB_REPLY_MAX bytes, and
 * returns its length; *success says which prefix it needs.
 */
size_t guestlib_info_get(const struct guestlib_stats *stats, const uint8_t *args,
			 size_t len, uint8_t *out, bool *success);

/* 4 KiB frames to whole MiB, as VMware reports ballooned memory. */
static inline uint32_t guestlib_frames_to_mb(uint64_t frames)
{
	uint64_t mb = frames >> 8;

	return mb > UINT32_MAX ? UINT32_MAX : (uint32_t)mb;
}

#endif /* PVTOOLS_HOST_GUESTLIB_H */
