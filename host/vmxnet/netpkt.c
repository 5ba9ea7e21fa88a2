// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet helpers of the vmxnet2 host model: what a VMware uplink does for a
 * guest's offload requests (checksums, TSO into real TCP segments) and the
 * checksum check behind the rx "checksum verified" flag.
 */
#include <string.h>

#include "netpkt.h"

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xFF;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xFFFF);
}

static bool parse_ipv4(const uint8_t *f, size_t len, bool use_ip_len, struct np_info *pi)
{
	const uint8_t *ip = f + pi->l3_off;
	size_t ihl, tot;

	if (len < pi->l3_off + 20 || (ip[0] >> 4) != 4)
		return false;
	ihl = (size_t)(ip[0] & 0x0F) * 4;
	if (ihl < 20 || len < pi->l3_off + ihl)
		return false;
	tot = use_ip_len ? get_be16(ip + 2) : len - pi->l3_off;
	if (tot < ihl || pi->l3_off + tot > len)
		return false;
	pi->l4_off = pi->l3_off + ihl;
	pi->l3_end = pi->l3_off + tot;
	pi->l4_proto = ip[9];
	/* More-fragments set or a non-zero offset. */
	pi->fragment = (get_be16(ip + 6) & 0x3FFF) != 0;
	return true;
}

static bool parse_ipv6(const uint8_t *f, size_t len, bool use_ip_len, struct np_info *pi)
{
	const uint8_t *ip = f + pi->l3_off;
	size_t payload;

	if (len < pi->l3_off + 40 || (ip[0] >> 4) != 6)
		return false;
	payload = use_ip_len ? get_be16(ip + 4) : len - pi->l3_off - 40;
	if (pi->l3_off + 40 + payload > len)
		return false;
	pi->ipv6 = true;
	pi->l4_off = pi->l3_off + 40;
	pi->l3_end = pi->l4_off + payload;
	pi->l4_proto = ip[6];
	return true;
}

bool np_parse(const uint8_t *f, size_t len, bool use_ip_len, struct np_info *pi)
{
	uint16_t type;
	const uint8_t *l4;

	memset(pi, 0, sizeof(*pi));
	if (len < NP_ETH_HLEN)
		return false;
	type = get_be16(f + 12);
	pi->l3_off = NP_ETH_HLEN;
	if (type == NP_ETH_P_8021Q) {
		if (len < NP_ETH_HLEN + NP_VLAN_HLEN)
			return false;
		type = get_be16(f + 16);
		pi->l3_off += NP_VLAN_HLEN;
	}
	if (type == NP_ETH_P_IP) {
		if (!parse_ipv4(f, len, use_ip_len, pi))
			return false;
	} else if (type == NP_ETH_P_IPV6) {
		if (!parse_ipv6(f, len, use_ip_len, pi))
			return false;
	} else {
		return false;
	}
	if (pi->fragment)
		return true;
	l4 = f + pi->l4_off;
	if (pi->l4_proto == NP_IPPROTO_TCP) {
		if (pi->l4_off + 20 > pi->l3_end)
			return false;
		pi->l4_hdr_len = (size_t)(l4[12] >> 4) * 4;
		if (pi->l4_hdr_len < 20 || pi->l4_off + pi->l4_hdr_len > pi->l3_end)
			return false;
		return true;
	}
	if (pi->l4_proto == NP_IPPROTO_UDP) {
		pi->l4_hdr_len = 8;
		return pi->l4_off + 8 <= pi->l3_end;
	}
	return false;
}

/*
 * The ones' complement sum is the same in either byte order once folded
 * (RFC 1071, 2(B)): add the data as native 32-bit words, fold to 16 bits,
 * and swap the result into network order on a little-endian host. Eight
 * bytes per step instead of two; this runs over every byte the model
 * transmits and verifies.
 */
uint32_t np_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t lo = 0, hi = 0, acc;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
		lo += (uint32_t)w;
		hi += w >> 32;
	}
	for (; i + 2 <= len; i += 2) {
		uint16_t h;

		memcpy(&h, p + i, sizeof(h));
		lo += h;
	}
	acc = lo + hi;
	while (acc >> 16)
		acc = (acc & 0xFFFF) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = (acc >> 8 | acc << 8) & 0xFFFF;
#endif
	acc += sum;
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 32)
		acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t np_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo_sum(const uint8_t *f, const struct np_info *pi, size_t l4_len)
{
	const uint8_t *ip = f + pi->l3_off;
	uint32_t sum;

	if (pi->ipv6) {
		sum = np_sum(0, ip + 8, 32);
		sum = np_sum(sum, (const uint8_t[]){ l4_len >> 24, (l4_len >> 16) & 0xFF,
						    (l4_len >> 8) & 0xFF, l4_len & 0xFF }, 4);
	} else {
		sum = np_sum(0, ip + 12, 8);
		sum = np_sum(sum, (const uint8_t[]){ 0, 0, (l4_len >> 8) & 0xFF, l4_len & 0xFF }, 4);
	}
	return np_sum(sum, (const uint8_t[]){ 0, pi->l4_proto }, 2);
}

static size_t csum_field(const struct np_info *pi)
{
	return pi->l4_off + (pi->l4_proto == NP_IPPROTO_TCP ? 16 : 6);
}

/* With the checksum field zeroed in the buffer. */
uint16_t np_l4_csum(const uint8_t *f, const struct np_info *pi, size_t l4_len)
{
	return np_fold(np_sum(pseudo_sum(f, pi, l4_len), f + pi->l4_off, l4_len));
}

static void ipv4_fix_hdr_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0F) * 4;

	put_be16(ip + 10, 0);
	put_be16(ip + 10, np_fold(np_sum(0, ip, ihl)));
}

bool np_fill_csum(uint8_t *f, size_t len, bool allow_v6)
{
	struct np_info pi;
	size_t l4_len, at;
	uint16_t csum;

	if (!np_parse(f, len, true, &pi) || pi.fragment || (pi.ipv6 && !allow_v6))
		return false;
	l4_len = pi.l3_end - pi.l4_off;
	at = csum_field(&pi);
	put_be16(f + at, 0);
	csum = np_l4_csum(f, &pi, l4_len);
	/* UDP sends a computed zero as all ones; zero means "no checksum". */
	if (pi.l4_proto == NP_IPPROTO_UDP && csum == 0)
		csum = 0xFFFF;
	put_be16(f + at, csum);
	return true;
}

bool np_csum_ok(const uint8_t *f, size_t len)
{
	struct np_info pi;
	size_t l4_len;

	if (!np_parse(f, len, true, &pi) || pi.fragment)
		return false;
	/* An IPv4 UDP datagram without a checksum was not verified. */
	if (pi.l4_proto == NP_IPPROTO_UDP && !pi.ipv6 && get_be16(f + pi.l4_off + 6) == 0)
		return false;
	l4_len = pi.l3_end - pi.l4_off;
	/* Summing over the stored checksum gives 0 after folding when it is right. */
	return np_fold(np_sum(pseudo_sum(f, &pi, l4_len), f + pi.l4_off, l4_len)) == 0;
}

void np_tcp_finish(uint8_t *f, size_t len, struct np_info *pi)
{
	uint8_t *ip = f + pi->l3_off;

	pi->l3_end = len;
	if (pi->ipv6) {
		put_be16(ip + 4, (uint16_t)(len - pi->l4_off));
	} else {
		put_be16(ip + 2, (uint16_t)(len - pi->l3_off));
		ipv4_fix_hdr_csum(ip);
	}
	put_be16(f + pi->l4_off + 16, 0);
	put_be16(f + pi->l4_off + 16, np_l4_csum(f, pi, len - pi->l4_off));
}

void np_set_ip_len(uint8_t *f, const struct np_info *pi, size_t l3_len)
{
	uint8_t *ip = f + pi->l3_off;

	if (pi->ipv6) {
		put_be16(ip + 4, (uint16_t)(l3_len - 40));
	} else {
		put_be16(ip + 2, (uint16_t)l3_len);
		ipv4_fix_hdr_csum(ip);
	}
}

static void build_segment(uint8_t *seg, const uint8_t *f, const struct np_info *pi,
			  size_t hdr_len, size_t off, size_t chunk, unsigned int n, bool last)
{
	uint8_t *ip = seg + pi->l3_off;
	uint8_t *tcp = seg + pi->l4_off;
	uint8_t flags;

	memcpy(seg, f, hdr_len);
	memcpy(seg + hdr_len, f + hdr_len + off, chunk);
	if (pi->ipv6) {
		put_be16(ip + 4, (uint16_t)(hdr_len + chunk - pi->l4_off));
	} else {
		put_be16(ip + 2, (uint16_t)(hdr_len + chunk - pi->l3_off));
		put_be16(ip + 4, (uint16_t)(get_be16(f + pi->l3_off + 4) + n));
		ipv4_fix_hdr_csum(ip);
	}
	put_be32(tcp + 4, get_be32(f + pi->l4_off + 4) + (uint32_t)off);
	flags = tcp[13];
	if (!last)
		flags &= ~(NP_TCP_FIN | NP_TCP_PSH);
	if (n)
		flags &= ~NP_TCP_CWR;
	tcp[13] = flags;
	put_be16(tcp + 16, 0);
	put_be16(tcp + 16, np_l4_csum(seg, pi, hdr_len + chunk - pi->l4_off));
}

int np_tso(const uint8_t *f, size_t len, uint32_t mss, bool allow_v6,
	   uint8_t *seg, size_t max_frame, np_emit_fn emit, void *opaque)
{
	struct np_info pi;
	size_t hdr_len, payload, off = 0;
	unsigned int n = 0;

	if (!np_parse(f, len, false, &pi) || pi.fragment || pi.l4_proto != NP_IPPROTO_TCP ||
	    (pi.ipv6 && !allow_v6) || !mss)
		return -1;
	hdr_len = pi.l4_off + pi.l4_hdr_len;
	payload = len - hdr_len;
	/* The first segment is the largest: if it fits, all do. */
	if (hdr_len + (payload < mss ? payload : mss) > max_frame)
		return -1;
	do {
		size_t chunk = payload - off < mss ? payload - off : mss;
		bool last = off + chunk == payload;

		build_segment(seg, f, &pi, hdr_len, off, chunk, n, last);
		emit(opaque, seg, hdr_len + chunk);
		off += chunk;
		n++;
	} while (off < payload);
	return (int)n;
}
