/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ethernet/IP/TCP/UDP helpers of the vmxnet2 host model: header parsing,
 * full checksum insertion and verification, and TCP segmentation (TSO) into
 * real MSS-sized segments. Pure functions over byte buffers.
 */
#ifndef PVTOOLS_HOST_NETPKT_H
#define PVTOOLS_HOST_NETPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NP_ETH_HLEN		14u
#define NP_VLAN_HLEN		4u
#define NP_ETH_P_IP		0x0800u
#define NP_ETH_P_IPV6		0x86DDu
#define NP_ETH_P_8021Q		0x8100u
#define NP_IPPROTO_TCP		6u
#define NP_IPPROTO_UDP		17u

#define NP_TCP_FIN		0x01u
#define NP_TCP_PSH		0x08u
#define NP_TCP_ACK		0x10u
#define NP_TCP_CWR		0x80u

/* Where the headers of one frame are; offsets from the frame start. */
struct np_info {
	size_t l3_off;
	size_t l4_off;
	size_t l4_hdr_len;	/* TCP doff * 4, UDP 8 */
	size_t l3_end;		/* end of the IP datagram (total/payload length) */
	uint8_t l4_proto;
	bool ipv6;
	bool fragment;		/* IPv4 fragment: L4 header not (all) here */
};

/*
 * Parse Ethernet (+ one 802.1Q tag), IPv4 with options or IPv6 without
 * extension headers, then TCP or UDP. False if the frame is not such a
 * packet or its headers do not fit in @len. With @use_ip_len false the IP
 * length fields are ignored and the datagram runs to @len (TSO templates).
 */
bool np_parse(const uint8_t *f, size_t len, bool use_ip_len, struct np_info *pi);

/* One's-complement sum helpers (RFC 1071), big-endian 16-bit words. */
uint32_t np_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t np_fold(uint32_t sum);

/* TCP/UDP checksum of the L4 bytes [l4_off, l4_off + l4_len) incl. pseudo-header. */
uint16_t np_l4_csum(const uint8_t *f, const struct np_info *pi, size_t l4_len);

/*
 * TX checksum offload: compute the TCP or UDP checksum from scratch and store
 * it. False (frame untouched) if the frame is not TCP/UDP over IPv4, or over
 * IPv6 when @allow_v6, or is a fragment.
 */
bool np_fill_csum(uint8_t *f, size_t len, bool allow_v6);

/* RX: true if the frame is unfragmented TCP/UDP whose checksum is correct. */
bool np_csum_ok(const uint8_t *f, size_t len);

/*
 * LRO: the TCP packet @f now ends at @len (payload appended behind the
 * headers described by @pi): set the IPv4 total length and header checksum
 * (or the IPv6 payload length) and compute the TCP checksum from scratch.
 * @pi->l3_end follows.
 */
void np_tcp_finish(uint8_t *f, size_t len, struct np_info *pi);
/* Set the IP length field to @l3_len bytes of datagram (IPv4: header checksum fixed). */
void np_set_ip_len(uint8_t *f, const struct np_info *pi, size_t l3_len);

typedef void (*np_emit_fn)(void *opaque, const uint8_t *frame, size_t len);

/*
 * Segment the TCP packet @f into frames of at most @mss payload bytes and
 * pass each to @emit, built in @seg (at least @max_frame bytes). Every
 * segment gets its own IPv4 total length, id (template + n) and header
 * checksum (or IPv6 payload length), sequence number, FIN/PSH only on the
 * last and CWR only on the first, and a full TCP checksum. Returns the number
 * of segments, or -1 if the packet is rejected (not TCP, IPv6 without
 * @allow_v6, @mss 0, or headers + @mss beyond @max_frame).
 */
int np_tso(const uint8_t *f, size_t len, uint32_t mss, bool allow_v6,
	   uint8_t *seg, size_t max_frame, np_emit_fn emit, void *opaque);

#endif /* PVTOOLS_HOST_NETPKT_H */
