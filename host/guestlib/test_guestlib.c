// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the guestlib reply under ASan/UBSan: the bytes must decode
 * the way open-vm-tools' libguestlib reads them (header, XDR statistics in
 * id order). Prints KTAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "guestlib.h"


/* Exactly the promised size, so ASan sees any overrun. */
static uint8_t out[GUESTLIB_REPLY_MAX];

static size_t ask(const struct guestlib_stats *stats, const char *args, uint8_t *buf,
		  bool *success)
{
	return guestlib_info_get(stats, (const uint8_t *)args, strlen(args), buf, success);
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

struct decoded {
	uint32_t version;
	uint64_t session;
	uint32_t count;
	struct guestlib_stat stat[GUESTLIB_HOST_LAST_STAT + 1];
};

/* Decodes as the client does; false on any framing error. */
static bool decode(const uint8_t *buf, size_t len, struct decoded *d)
{
	const uint8_t *p, *end;

	memset(d, 0, sizeof(*d));
	CHECK(len >= GUESTLIB_V3_HEADER_SIZE + 4);
	d->version = get_le32(buf + GUESTLIB_V3_OFF_VERSION);
	d->session = get_le32(buf + GUESTLIB_V3_OFF_SESSION) |
		     (uint64_t)get_le32(buf + GUESTLIB_V3_OFF_SESSION + 4) << 32;
	CHECK(get_le32(buf + GUESTLIB_V3_OFF_DATA_SIZE) == len - GUESTLIB_V3_HEADER_SIZE);
	p = buf + GUESTLIB_V3_HEADER_SIZE;
	end = buf + len;
	d->count = get_be32(p);
	p += 4;
	CHECK(d->count <= GUESTLIB_HOST_LAST_STAT);
	for (uint32_t id = 1; id <= d->count; id++) {
		uint32_t valid;

		CHECK(end - p >= 12);
		CHECK(get_be32(p) == id);
		valid = get_be32(p + 4);
		CHECK(valid <= 1);
		d->stat[id].valid = valid;
		p += 8;
		if (guestlib_stat_is_u64(id)) {
			CHECK(end - p >= 8);
			d->stat[id].value = (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
			p += 8;
		} else {
			d->stat[id].value = get_be32(p);
			p += 4;
		}
	}
	CHECK(p == end);
	return true;
}

static bool t_v3_balloon_stat(void)
{
	struct guestlib_stats stats = { .session_id = 0x1122334455667788ull };
	struct decoded d;
	bool success;
	size_t len;

	stats.stat[GUESTLIB_STAT_MEM_BALLOONED_MB] =
		(struct guestlib_stat){ true, guestlib_frames_to_mb(768 * 256) };
	len = ask(&stats, "3", out, &success);
	CHECK(success);
	CHECK(len <= GUESTLIB_REPLY_MAX);
	CHECK(decode(out, len, &d));
	CHECK(d.version == GUESTLIB_DATA_VERSION_V3);
	CHECK(d.session == 0x1122334455667788ull);
	CHECK(d.count == GUESTLIB_STAT_MEM_BALLOONED_MB);
	CHECK(d.stat[GUESTLIB_STAT_MEM_BALLOONED_MB].valid);
	CHECK(d.stat[GUESTLIB_STAT_MEM_BALLOONED_MB].value == 768);
	for (uint32_t id = 1; id < GUESTLIB_STAT_MEM_BALLOONED_MB; id++)
		CHECK(!d.stat[id].valid && d.stat[id].value == 0);
	return true;
}

/* Pins byte order and widths independently of the decoder above. */
static bool t_golden_bytes(void)
{
	struct guestlib_stats stats = { .session_id = 0x0102030405060708ull };
	static const uint8_t head[] = {
		3, 0, 0, 0,  8, 7, 6, 5, 4, 3, 2, 1,  152, 0, 0, 0,
		0, 0, 0, 12,				/* count */
		0, 0, 0, 1,  0, 0, 0, 0,  0, 0, 0, 0,	/* cpu reservation */
		0, 0, 0, 2,  0, 0, 0, 0,  0, 0, 0, 0,
		0, 0, 0, 3,  0, 0, 0, 0,  0, 0, 0, 0,
		0, 0, 0, 4,  0, 0, 0, 1,  0, 0, 0, 9, 0xa, 0xb, 0xc, 0xd, /* u64 */
	};
	static const uint8_t tail[] = {
		0, 0, 0, 12,  0, 0, 0, 1,  0, 0, 0x12, 0x34,	/* ballooned */
	};
	bool success;
	size_t len;

	stats.stat[GUESTLIB_STAT_CPU_USED_MS] = (struct guestlib_stat){ true, 0x90a0b0c0dull };
	stats.stat[GUESTLIB_STAT_MEM_BALLOONED_MB] = (struct guestlib_stat){ true, 0x1234 };
	len = ask(&stats, "3", out, &success);
	CHECK(success);
	CHECK(len == 168);
	CHECK(!memcmp(out, head, sizeof(head)));
	CHECK(!memcmp(out + len - sizeof(tail), tail, sizeof(tail)));
	return true;
}

static bool t_u32_saturates(void)
{
	struct guestlib_stats stats = { .session_id = 1 };
	struct decoded d;
	bool success;
	size_t len;

	stats.stat[GUESTLIB_STAT_MEM_BALLOONED_MB] = (struct guestlib_stat){ true, 1ull << 40 };
	len = ask(&stats, "3", out, &success);
	CHECK(success && decode(out, len, &d));
	CHECK(d.stat[GUESTLIB_STAT_MEM_BALLOONED_MB].value == UINT32_MAX);
	CHECK(guestlib_frames_to_mb(0) == 0);
	CHECK(guestlib_frames_to_mb(255) == 0);
	CHECK(guestlib_frames_to_mb(256 + 511) == 2);
	CHECK(guestlib_frames_to_mb(UINT64_MAX) == UINT32_MAX);
	return true;
}

/* Other versions fail with our highest version as the text; junk fails plainly. */
static bool t_negotiation(void)
{
	static const char *const junk[] = { "", " 3", "3 ", "+3", "x", "1234567890", "3\n" };
	struct guestlib_stats stats = { .session_id = 1 };
	bool success;
	size_t len;

	len = ask(&stats, "2", out, &success);
	CHECK(!success && len == 1 && out[0] == '3');
	len = ask(&stats, "4", out, &success);
	CHECK(!success && len == 1 && out[0] == '3');
	len = ask(&stats, "003", out, &success);
	CHECK(success);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		len = ask(&stats, junk[i], out, &success);
		CHECK(!success && len == strlen("Invalid version"));
		CHECK(!memcmp(out, "Invalid version", len));
	}
	return true;
}

/* Random argument bytes never overrun the reply buffer (ASan watches). */
static bool t_fuzz_args(void)
{
	struct guestlib_stats stats = { .session_id = 7 };
	uint8_t args[16];
	unsigned int seed = 12345;

	for (int i = 0; i < 100000; i++) {
			size_t len = (size_t)(rand_r(&seed) % (sizeof(args) + 1));
		bool success;
		size_t n;

		for (size_t j = 0; j < len; j++)
			args[j] = (uint8_t)(rand_r(&seed) % 3 ? '0' + rand_r(&seed) % 10 : rand_r(&seed));
		n = guestlib_info_get(&stats, args, len, out, &success);
			CHECK(n <= GUESTLIB_REPLY_MAX);
	}
	return true;
}

int main(void)
{
	printf("KTAP version 1\n1..5\n");
	ktap_run("v3_reply_carries_ballooned_mb", t_v3_balloon_stat);
	ktap_run("golden_bytes", t_golden_bytes);
	ktap_run("u32_saturates_and_frames_to_mb", t_u32_saturates);
	ktap_run("version_negotiation", t_negotiation);
	ktap_run("fuzz_request_args", t_fuzz_args);
	return ktap_failures ? 1 : 0;
}
