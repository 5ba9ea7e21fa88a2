// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guestlib statistics reply: a little-endian header followed by the
 * XDR (big-endian) list of statistics that open-vm-tools' libguestlib
 * decodes for vmware-toolbox-cmd stat.
 */
#include <stdio.h>
#include <string.h>

#include "guestlib.h"

static uint8_t *put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *put_le64(uint8_t *p, uint64_t v)
{
	p = put_le32(p, (uint32_t)v);
	return put_le32(p, (uint32_t)(v >> 32));
}

static uint8_t *put_xdr32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *put_xdr64(uint8_t *p, uint64_t v)
{
	p = put_xdr32(p, (uint32_t)(v >> 32));
	return put_xdr32(p, (uint32_t)v);
}

static uint8_t *put_stat(uint8_t *p, uint32_t id, const struct guestlib_stat *stat)
{
	uint64_t value = stat->valid ? stat->value : 0;

	p = put_xdr32(p, id);
	p = put_xdr32(p, stat->valid);
	if (guestlib_stat_is_u64(id))
		return put_xdr64(p, value);
	return put_xdr32(p, value > UINT32_MAX ? UINT32_MAX : (uint32_t)value);
}

static size_t encode_v3(const struct guestlib_stats *stats, uint8_t *out)
{
	uint8_t *data = out + GUESTLIB_V3_HEADER_SIZE;
	uint8_t *p = put_xdr32(data, GUESTLIB_HOST_LAST_STAT);

	for (uint32_t id = 1; id <= GUESTLIB_HOST_LAST_STAT; id++)
		p = put_stat(p, id, &stats->stat[id]);

	put_le32(out + GUESTLIB_V3_OFF_VERSION, GUESTLIB_DATA_VERSION_V3);
	put_le64(out + GUESTLIB_V3_OFF_SESSION, stats->session_id);
	put_le32(out + GUESTLIB_V3_OFF_DATA_SIZE, (uint32_t)(p - data));
	return (size_t)(p - out);
}

/* A plain decimal number, as the client formats it; anything else is -1. */
static long parse_version(const uint8_t *args, size_t len)
{
	long version = 0;

	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (args[i] < '0' || args[i] > '9')
			return -1;
		version = version * 10 + (args[i] - '0');
	}
	return version;
}

static size_t reply_text(uint8_t *out, const char *text)
{
	size_t len = strlen(text);

	memcpy(out, text, len);
	return len;
}

size_t guestlib_info_get(const struct guestlib_stats *stats, const uint8_t *args,
			 size_t len, uint8_t *out, bool *success)
{
	long version = parse_version(args, len);

	*success = false;
	if (version < 0)
		return reply_text(out, "Invalid version");
	/*
	 * A v3+ client reads the failure text as the highest version we speak
	 * and asks again; a v2 client gives up, as against any v3-only host.
	 */
	if (version != GUESTLIB_DATA_VERSION_V3)
		return (size_t)snprintf((char *)out, GUESTLIB_REPLY_MAX, "%u",
					GUESTLIB_DATA_VERSION_V3);
	*success = true;
	return encode_v3(stats, out);
}
