// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the vmxnet2 host model: the vectors of docs/protocol/vmxnet.md C1-C8, registers,
 * attach validation, rx rings and filter, tx offloads and TSO segments
 * checked by an independent checksum routine, interrupts and every fault.
 */
#include <stdio.h>

#include "ktap.h"
#include "netpkt.h"
#include "test_env.h"

/* ---- an independent checksum: 32-bit word sums of a materialised pseudo-header ---- */

static uint16_t ref_fold(uint64_t sum)
{
	while (sum > 0xFFFF)
		sum = (sum >> 16) + (sum & 0xFFFF);
	return (uint16_t)(0xFFFF - sum);
}

static uint64_t ref_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint8_t last[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < len / 2; i++)
		sum += (uint64_t)p[2 * i] * 256 + p[2 * i + 1];
	if (len % 2) {
		last[0] = p[len - 1];
		sum += (uint64_t)last[0] * 256;
	}
	return sum;
}

/* Verify the L4 checksum of a frame built by test_frame() (no VLAN). */
static bool ref_l4_ok(const uint8_t *f, size_t len, bool v6, uint8_t proto)
{
	uint8_t pseudo[40];
	size_t l4 = v6 ? 54 : 14 + (size_t)(f[14] & 15) * 4;
	size_t l4len = v6 ? (size_t)(f[18] << 8 | f[19]) : (size_t)(f[16] << 8 | f[17]) - (l4 - 14);
	size_t plen;

	if (l4 + l4len > len)
		return false;
	memset(pseudo, 0, sizeof(pseudo));
	if (v6) {
		memcpy(pseudo, f + 22, 32);
		pseudo[34] = l4len >> 8;
		pseudo[35] = l4len & 0xFF;
		pseudo[39] = proto;
		plen = 40;
	} else {
		memcpy(pseudo, f + 26, 8);
		pseudo[9] = proto;
		pseudo[10] = l4len >> 8;
		pseudo[11] = l4len & 0xFF;
		plen = 12;
	}
	return ref_fold(ref_add(ref_add(0, pseudo, plen), f + l4, l4len)) == 0;
}

static bool ref_ip4_hdr_ok(const uint8_t *f)
{
	return ref_fold(ref_add(0, f + 14, (size_t)(f[14] & 15) * 4)) == 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t payload_byte(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) + 3);
}

/*
 * Ethernet + IPv4 (20 bytes) or IPv6 + TCP (32 bytes, options) or UDP, with
 * @payload pattern bytes. IP lengths as a GSO template has them; checksums
 * left as garbage seeds.
 */
static size_t test_frame(uint8_t *f, bool v6, uint8_t proto, size_t payload, uint8_t tcp_flags)
{
	size_t l3 = 14, l4 = v6 ? 54 : 34, hl = proto == NP_IPPROTO_TCP ? 32 : 8, i;
	size_t len = l4 + hl + payload;

	memset(f, 0, l4 + hl);
	memcpy(f, (uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x02 }, 6);
	memcpy(f + 6, env_mac, 6);
	if (v6) {
		f[12] = 0x86, f[13] = 0xDD;
		f[l3] = 0x60;
		f[l3 + 4] = (len - l4) >> 8, f[l3 + 5] = (len - l4) & 0xFF;
		f[l3 + 6] = proto, f[l3 + 7] = 64;
		f[l3 + 8] = 0xFD, f[l3 + 23] = 1;
		f[l3 + 24] = 0xFD, f[l3 + 39] = 2;
	} else {
		f[12] = 0x08, f[13] = 0x00;
		f[l3] = 0x45;
		f[l3 + 2] = (len - l3) >> 8, f[l3 + 3] = (len - l3) & 0xFF;
		f[l3 + 4] = 0x12, f[l3 + 5] = 0x34;	/* id */
		f[l3 + 6] = 0x40;			/* DF */
		f[l3 + 8] = 64, f[l3 + 9] = proto;
		f[l3 + 10] = 0xAB, f[l3 + 11] = 0xCD;	/* stale header checksum */
		memcpy(f + l3 + 12, (uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	}
	if (proto == NP_IPPROTO_TCP) {
		f[l4] = 0x9C, f[l4 + 1] = 0x40, f[l4 + 2] = 0x14, f[l4 + 3] = 0x51;
		f[l4 + 4] = 0xFF, f[l4 + 5] = 0xFF, f[l4 + 6] = 0xF0, f[l4 + 7] = 0x00;
		f[l4 + 12] = 0x80;			/* doff 8 */
		f[l4 + 13] = tcp_flags;
		f[l4 + 14] = 0x01;
		f[l4 + 16] = 0x55, f[l4 + 17] = 0xAA;	/* seed */
		f[l4 + 20] = 1, f[l4 + 21] = 1, f[l4 + 22] = 8, f[l4 + 23] = 10;
	} else {
		f[l4] = 0x30, f[l4 + 1] = 0x39, f[l4 + 2] = 0x30, f[l4 + 3] = 0x3A;
		f[l4 + 4] = (hl + payload) >> 8, f[l4 + 5] = (hl + payload) & 0xFF;
		f[l4 + 6] = 0x12, f[l4 + 7] = 0x34;
	}
	for (i = 0; i < payload; i++)
		f[l4 + hl + i] = payload_byte(i);
	return len;
}

static uint8_t frame[VMXNET2_MAX_TSO_FRAME];

/* Put @len bytes of @f into tx entry @idx as @nelem elements (spread in guest RAM). */
static void tx_fill(struct env *e, uint32_t idx, const uint8_t *f, size_t len, unsigned int nelem,
		    uint16_t flags, uint32_t mss, uint64_t *data_at)
{
	struct vmxnet2_tx_ring_entry *t = env_tx(e, idx);
	size_t off = 0;
	unsigned int i;

	t->flags = htole16(flags);
	t->tso_mss = htole32(mss);
	t->sg.length = htole16(nelem);
	for (i = 0; i < nelem; i++) {
		size_t chunk = i + 1 == nelem ? len - off : len / nelem;

		memcpy(gp(e, *data_at), f + off, chunk);
		t->sg.sg[i].addr_low = htole32((uint32_t)*data_at);
		t->sg.sg[i].addr_hi = htole16((uint16_t)(*data_at >> 32));
		t->sg.sg[i].length = htole16((uint16_t)chunk);
		*data_at += chunk + 64;
		off += chunk;
	}
}

static struct env *attached_env(uint32_t n_rx, uint32_t n_rx2, uint32_t n_tx, bool jumbo)
{
	struct env *e = env_new();

	env_layout(e, n_rx, n_rx2, n_tx, jumbo);
	if (!env_attach(e)) {
		env_free(e);
		return NULL;
	}
	return e;
}

/* ---- the checksum core against the reference, every length and alignment ---- */

static bool t_np_sum(void)
{
	static uint8_t buf[4096 + 16];
	uint32_t seed = 12345, start;
	size_t off, len, i;

	for (i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (off = 0; off < 8; off++) {
		for (len = 0; len <= 4096; len += len < 80 ? 1 : 61) {
			for (start = 0; start < 3; start++) {
				uint32_t s0 = start == 0 ? 0 : start == 1 ? 0xFFFF : 0xFFFFFFF0u;

				CHECK(np_fold(np_sum(s0, buf + off, len)) ==
				      ref_fold(ref_add(s0, buf + off, len)));
			}
		}
	}
	/* All ones and all zeros: the two representations of zero stay apart. */
	memset(buf, 0xFF, 64);
	CHECK(np_fold(np_sum(0, buf, 64)) == ref_fold(ref_add(0, buf, 64)));
	memset(buf, 0, 64);
	CHECK(np_fold(np_sum(0, buf, 64)) == 0xFFFF);
	return true;
}

/* ---- docs/protocol/vmxnet.md C1-C8 ---- */

static bool t_abi_vectors(void)
{
	static const uint8_t mc[4][6] = {
		{ 0x01, 0x00, 0x5E, 0x00, 0x00, 0x01 }, { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
		{ 0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB }, { 0x33, 0x33, 0xFF, 0x00, 0x00, 0x01 },
	};

	CHECK(VMXNET2_ABI_LAYOUT_OK);
	CHECK(vmxnet_ladrf_index(mc[0]) == 54);
	CHECK(vmxnet_ladrf_index(mc[1]) == 23);
	CHECK(vmxnet_ladrf_index(mc[2]) == 33);
	CHECK(vmxnet_ladrf_index(mc[3]) == 32);
	CHECK(vmxnet_version_ok(0xBABE864F, 0xBABE864F));
	CHECK(vmxnet_version_ok(0xBABE0000, 0xBABEFFFF));
	CHECK(!vmxnet_version_ok(0xBABF0000, 0xFFFFFFFF));
	CHECK(!vmxnet_version_ok(0xBABE0000, 0xBABE8000));
	CHECK(!vmxnet_version_ok(0xBABE8650, 0xBABEFFFF));
	CHECK(VMXNET2_DD_MAX_LENGTH == 94384);
	return true;
}

static bool t_registers_after_reset(void)
{
	struct env *e = env_new();
	struct vmx2 *m = &e->m;
	unsigned int i;

	CHECK(vmx2_io_read(m, VMXNET_LOW_VERSION, 4) == VMXNET2_MAGIC);
	CHECK(vmx2_io_read(m, VMXNET_HIGH_VERSION, 4) == VMXNET2_MAGIC);
	CHECK(vmx2_io_read(m, VMXNET_STATUS_ADDR, 4) == VMXNET_STATUS_CONNECTED);
	CHECK(vmx2_io_read(m, VMXNET_INIT_LENGTH, 4) == 0);
	for (i = 0; i < 6; i++) {
		CHECK(vmx2_io_read(m, VMXNET_APROM_ADDR + i, 1) == env_mac[i]);
		CHECK(vmx2_io_read(m, VMXNET_MAC_ADDR + i, 1) == env_mac[i]);
	}
	CHECK(vmx2_io_read(m, VMXNET_MAC_ADDR, 4) == 0x12005452);
	CHECK(vmx2_io_read(m, VMXNET_MAC_ADDR + 4, 2) == 0x0134);
	env_cmd(e, VMXNET_CMD_GET_FEATURES);
	CHECK(vmx2_io_read(m, VMXNET_COMMAND_ADDR, 4) == 0x0F);
	CHECK(vmx2_io_read(m, VMXNET_COMMAND_ADDR, 4) == 0x0F);	/* latched */
	env_cmd(e, VMXNET_CMD_GET_CAPABILITIES);
	CHECK(vmx2_io_read(m, VMXNET_COMMAND_ADDR, 4) == VMX2_DEFAULT_CAPS);
	CHECK((VMX2_DEFAULT_CAPS & 0xC0A3) == 0xC0A3);
	env_cmd(e, VMXNET_CMD_GET_NUM_RX_BUFFERS);
	CHECK(vmx2_io_read(m, VMXNET_COMMAND_ADDR, 4) == 150);
	env_cmd(e, VMXNET_CMD_GET_NUM_TX_BUFFERS);
	CHECK(vmx2_io_read(m, VMXNET_COMMAND_ADDR, 4) == 256);
	env_cmd(e, VMXNET_CMD_INTR_ACK);
	CHECK(vmx2_io_read(m, VMXNET_COMMAND_ADDR, 4) == 0);
	env_cmd(e, VMXNET_CMD_GET_FEATURES | VMXNET_CMD_GET_CAPABILITIES);
	CHECK(vmx2_io_read(m, VMXNET_COMMAND_ADDR, 4) == 0);
	/* Byte writes move the station address, not the PROM. */
	vmx2_io_write(m, VMXNET_MAC_ADDR + 5, 0x77, 1);
	CHECK(vmx2_io_read(m, VMXNET_MAC_ADDR + 5, 1) == 0x77);
	CHECK(vmx2_io_read(m, VMXNET_APROM_ADDR + 5, 1) == 0x01);
	vmx2_io_write(m, VMXNET_APROM_ADDR, 0, 4);
	CHECK(vmx2_io_read(m, VMXNET_APROM_ADDR, 1) == 0x52);
	/* Out of the BAR, odd sizes: harmless. */
	CHECK(vmx2_io_read(m, 0x3E, 4) == 0xFFFFFFFFu);
	CHECK(vmx2_io_read(m, VMXNET_STATUS_ADDR, 3) == 0xFFFFFFFFu);
	vmx2_reset(m);
	CHECK(vmx2_io_read(m, VMXNET_MAC_ADDR + 5, 1) == 0x01);
	CHECK(!e->irq);
	env_free(e);
	return true;
}

/* docs/protocol/vmxnet.md C3: the Linux layout of an enhanced device is accepted as is. */
static bool t_attach_linux_layout(void)
{
	struct env *e = env_new();

	env_layout(e, 150, 600, 256, true);
	CHECK(e->off_rx == 176 && e->off_rx2 == 3776 && e->off_tx == 18176 && e->length == 34560);
	CHECK(env_attach(e));
	CHECK(vmx2_io_read(&e->m, VMXNET_STATUS_ADDR, 4) ==
	      (VMXNET_STATUS_CONNECTED | VMXNET_STATUS_ENABLED));
	CHECK(e->m.rx1.len == 150 && e->m.rx2.len == 600 && e->m.tx.len == 256);
	CHECK(e->m.st.resets == 1);
	env_free(e);

	e = env_new();
	env_layout(e, 100, 1, 100, false);
	CHECK(e->length == 9000);
	CHECK(env_attach(e));
	env_free(e);
	return true;
}

/* One broken field at a time: INIT_LENGTH reads 0, nothing is written, no irq. */
static bool t_attach_refusals(void)
{
	enum { MAGIC, LEN_MISMATCH, SHORT, RX0, RX_BIG, RX2_BIG, TX_BIG, MISALIGNED,
	       OVERLAP_DD, BEYOND, OUTSIDE_RAM, NCASES };
	unsigned int c;

	for (c = 0; c < NCASES; c++) {
		struct env *e = env_new();
		struct vmxnet2_driver_data *dd;
		uint32_t written;

		env_layout(e, 16, 8, 16, true);
		dd = env_dd(e);
		written = e->length;
		switch (c) {
		case MAGIC:		dd->magic = 0; break;
		case LEN_MISMATCH:	written += 8; break;
		case SHORT:		dd->length = htole32(100); written = 100; break;
		case RX0:		dd->rx_ring_length = 0; break;
		case RX_BIG:		dd->rx_ring_length = htole32(513); break;
		case RX2_BIG:		dd->rx_ring_length2 = htole32(2049); break;
		case TX_BIG:		dd->tx_ring_length = htole32(513); break;
		case MISALIGNED:	dd->rx_ring_offset = htole32(e->off_rx + 4); break;
		case OVERLAP_DD:	dd->tx_ring_offset = htole32(64); break;
		case BEYOND:		dd->tx_ring_length = htole32(17); break;
		case OUTSIDE_RAM:
			dd->length = htole32(RAM_SIZE);
			dd->tx_ring_offset = htole32(RAM_SIZE - 64 * 16);
			written = RAM_SIZE;
			break;
		}
		e->nwrites = 0;
		vmx2_io_write(&e->m, VMXNET_INIT_ADDR, (uint32_t)DD_ADDR, 4);
		vmx2_io_write(&e->m, VMXNET_INIT_LENGTH, written, 4);
		if (vmx2_io_read(&e->m, VMXNET_INIT_LENGTH, 4) != 0 || e->m.attached ||
		    e->nwrites || e->irq) {
			printf("# refusal case %u accepted\n", c);
			return false;
		}
		/* Refused: a kick and a frame do nothing. */
		env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
		env_kick(e);
		CHECK(vmx2_receive(&e->m, frame, 60) == VMX2_RX_CONSUMED);
		CHECK(e->nwrites == 0 && e->nsent == 0);
		env_free(e);
	}
	/* INIT with address 0, and a block crossing 4 GiB. */
	{
		struct env *e = env_new();

		env_layout(e, 16, 8, 16, true);
		vmx2_io_write(&e->m, VMXNET_INIT_LENGTH, e->length, 4);
		CHECK(vmx2_io_read(&e->m, VMXNET_INIT_LENGTH, 4) == 0);
		vmx2_io_write(&e->m, VMXNET_INIT_ADDR, 0xFFFFF000u, 4);
		vmx2_io_write(&e->m, VMXNET_INIT_LENGTH, e->length, 4);
		CHECK(vmx2_io_read(&e->m, VMXNET_INIT_LENGTH, 4) == 0);
		CHECK(e->m.st.init_refused == 2);
		env_free(e);
	}
	return true;
}

/* docs/protocol/vmxnet.md C7: after detach, no DMA; the saved indices are written once. */
static bool t_detach(void)
{
	struct env *e = attached_env(8, 1, 8, false);
	uint8_t f[60];

	CHECK(e);
	memset(f, 0, sizeof(f));
	memcpy(f, env_mac, 6);
	CHECK(vmx2_receive(&e->m, f, sizeof(f)) == VMX2_RX_CONSUMED);
	CHECK(e->m.rx1.next == 1);
	vmx2_io_write(&e->m, VMXNET_INIT_ADDR, 0, 4);
	CHECK(!e->m.attached && !e->irq);
	CHECK(le32toh(env_dd(e)->saved_rx_nic_next) == 1);
	CHECK(vmx2_io_read(&e->m, VMXNET_INIT_LENGTH, 4) == 0);
	CHECK(!(vmx2_io_read(&e->m, VMXNET_STATUS_ADDR, 4) & VMXNET_STATUS_ENABLED));
	e->nwrites = 0;
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	env_cmd(e, VMXNET_CMD_CHECK_TX_DONE);
	vmx2_receive(&e->m, f, sizeof(f));
	CHECK(e->nwrites == 0 && e->nsent == 0);
	CHECK(le16toh(env_tx(e, 0)->ownership) == VMXNET2_OWNERSHIP_NIC);
	/* Re-INIT restarts at index 0. */
	CHECK(env_attach(e));
	CHECK(e->m.rx1.next == 0 && e->m.st.resets == 2);
	env_free(e);
	return true;
}

/* ---- receive ---- */

static bool t_rx_basic_and_irq(void)
{
	struct env *e = attached_env(8, 1, 8, false);
	struct vmxnet2_rx_ring_entry *r;
	size_t len;

	CHECK(e);
	len = test_frame(frame, false, NP_IPPROTO_TCP, 100, 0x18);
	memcpy(frame, env_mac, 6);
	CHECK(np_fill_csum(frame, len, false));
	CHECK(vmx2_receive(&e->m, frame, len) == VMX2_RX_CONSUMED);
	r = env_rx(e, 0);
	CHECK(le16toh(r->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le32toh(r->actual_length) == len);
	CHECK(le16toh(r->flags) == VMXNET2_RX_HW_XSUM_OK);
	CHECK(!memcmp(gp(e, env_rx_buf(0)), frame, len));
	/* docs/protocol/vmxnet.md C8 */
	CHECK(e->irq && e->m.st.interrupts == 1);
	env_cmd(e, VMXNET_CMD_INTR_ACK);
	CHECK(!e->irq);
	env_cmd(e, VMXNET_CMD_INTR_DISABLE);
	frame[len - 1] ^= 1;			/* now a bad checksum */
	CHECK(vmx2_receive(&e->m, frame, len) == VMX2_RX_CONSUMED);
	CHECK(le16toh(env_rx(e, 1)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le16toh(env_rx(e, 1)->flags) == 0);
	CHECK(!e->irq);
	env_cmd(e, VMXNET_CMD_INTR_ENABLE);
	CHECK(e->irq && e->m.st.interrupts == 2);
	CHECK(e->m.st.rx_packets == 2 && e->m.st.rx_csum_ok == 1);
	env_free(e);
	return true;
}

static bool t_rx_pad_and_ring_full(void)
{
	struct env *e = attached_env(2, 1, 2, false);
	uint8_t f[20];

	CHECK(e);
	memset(f, 0xEE, sizeof(f));
	memcpy(f, env_mac, 6);
	memset(gp(e, env_rx_buf(0)), 0x99, 64);
	CHECK(vmx2_can_receive(&e->m));
	vmx2_receive(&e->m, f, sizeof(f));
	CHECK(le32toh(env_rx(e, 0)->actual_length) == 60);
	CHECK(gp(e, env_rx_buf(0))[19] == 0xEE && gp(e, env_rx_buf(0))[20] == 0);
	CHECK(gp(e, env_rx_buf(0))[59] == 0);
	vmx2_receive(&e->m, f, sizeof(f));
	/* Both entries are the driver's: ring full. */
	CHECK(!vmx2_can_receive(&e->m));
	CHECK(vmx2_receive(&e->m, f, sizeof(f)) == VMX2_RX_BUSY);
	CHECK(e->m.st.rx_busy == 1 && e->m.st.rx_packets == 2);
	/* The driver re-arms entry 0: room again, wrapping to index 0. */
	env_rx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	CHECK(vmx2_can_receive(&e->m));
	CHECK(vmx2_receive(&e->m, f, sizeof(f)) == VMX2_RX_CONSUMED);
	CHECK(e->m.st.rx_packets == 3 && e->m.rx1.next == 1);
	/* Runts below 14 bytes and frames above 16 KiB never reach the ring. */
	CHECK(vmx2_receive(&e->m, f, 10) == VMX2_RX_CONSUMED);
	CHECK(e->m.st.rx_dropped == 1);
	env_free(e);
	return true;
}

/* Ownership writes to the rx rings, in order: (gpa of the ownership field). */
static unsigned int owner_writes(struct env *e, uint64_t *out, unsigned int max)
{
	uint64_t lo = DD_ADDR + e->off_rx, hi = DD_ADDR + e->off_tx;
	unsigned int i, n = 0;

	for (i = 0; i < e->nwrites && n < max; i++)
		if (e->write_gpa[i] >= lo && e->write_gpa[i] < hi &&
		    (e->write_gpa[i] - lo) % 24 == 16 && e->write_len[i] == 2)
			out[n++] = e->write_gpa[i];
	return n;
}

/*
 * docs/protocol/vmxnet.md C6: 9014 bytes = ring 1 (1536) + ring 2 (4096 + 3382);
 * ring 1's ownership last.
 */
static bool t_rx_jumbo_split(void)
{
	struct env *e = attached_env(8, 8, 8, true);
	uint64_t owners[8];
	size_t i;

	CHECK(e);
	/* Start ring 2 at a non-zero index, as after earlier traffic. */
	env_rx2(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_DRIVER_FRAG);
	e->m.rx2.next = 5;
	for (i = 0; i < 9014; i++)
		frame[i] = (uint8_t)(i * 13);
	memcpy(frame, env_mac, 6);
	frame[12] = 0x88, frame[13] = 0xB5;
	e->nwrites = 0;
	CHECK(vmx2_receive(&e->m, frame, 9014) == VMX2_RX_CONSUMED);
	CHECK(le32toh(env_rx(e, 0)->actual_length) == 1536);
	CHECK(le16toh(env_rx(e, 0)->flags) == VMXNET2_RX_WITH_FRAG);
	CHECK(le16toh(env_rx(e, 0)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le32toh(env_rx2(e, 5)->actual_length) == 4096);
	CHECK(le16toh(env_rx2(e, 5)->flags) == 0);
	CHECK(le16toh(env_rx2(e, 5)->ownership) == VMXNET2_OWNERSHIP_DRIVER_FRAG);
	CHECK(le32toh(env_rx2(e, 6)->actual_length) == 3382);
	CHECK(le16toh(env_rx2(e, 6)->flags) == VMXNET2_RX_FRAG_EOP);
	CHECK(le16toh(env_rx2(e, 6)->ownership) == VMXNET2_OWNERSHIP_DRIVER_FRAG);
	CHECK(!memcmp(gp(e, env_rx_buf(0)), frame, 1536));
	CHECK(!memcmp(gp(e, env_rx2_buf(5)), frame + 1536, 4096));
	CHECK(!memcmp(gp(e, env_rx2_buf(6)), frame + 1536 + 4096, 3382));
	CHECK(owner_writes(e, owners, 8) == 3);
	CHECK(owners[2] == DD_ADDR + e->off_rx + 16);
	CHECK(e->m.rx2.next == 7 && e->m.st.rx_jumbo == 1);
	/* Next: wraps in ring 2 (7, 0 is DRIVER_FRAG: not usable) -> dropped. */
	CHECK(vmx2_receive(&e->m, frame, 9014) == VMX2_RX_CONSUMED);
	CHECK(e->m.st.rx_dropped == 1 && e->m.rx1.next == 1);
	CHECK(le16toh(env_rx(e, 1)->ownership) == VMXNET2_OWNERSHIP_NIC);
	env_rx2(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC_FRAG);
	CHECK(vmx2_receive(&e->m, frame, 9014) == VMX2_RX_CONSUMED);
	CHECK(e->m.rx2.next == 1 && e->m.st.rx_jumbo == 2);
	env_free(e);
	return true;
}

/* A driver without jumbo (dummy ring 2, maxFrags 0) never gets a large frame. */
static bool t_rx_jumbo_without_ring2(void)
{
	struct env *e = attached_env(8, 1, 8, false);

	CHECK(e);
	memset(frame, 0, 4000);
	memcpy(frame, env_mac, 6);
	e->nwrites = 0;
	CHECK(vmx2_receive(&e->m, frame, 4000) == VMX2_RX_CONSUMED);
	CHECK(e->m.st.rx_dropped == 1 && e->nwrites == 0 && e->m.rx1.next == 0);
	/* maxFrags 1 with a 2-fragment frame: dropped too. */
	env_free(e);
	e = env_new();
	env_layout(e, 8, 8, 8, true);
	env_dd(e)->max_frags = htole16(1);
	CHECK(env_attach(e));
	memcpy(frame, env_mac, 6);
	CHECK(vmx2_receive(&e->m, frame, 9014) == VMX2_RX_CONSUMED);
	CHECK(e->m.st.rx_dropped == 1);
	CHECK(vmx2_receive(&e->m, frame, 5000) == VMX2_RX_CONSUMED);
	CHECK(e->m.st.rx_jumbo == 1);
	env_free(e);
	return true;
}

/* A buffer outside RAM: the entry comes back with length 0 (docs/protocol/vmxnet.md A7.6). */
static bool t_rx_bad_buffer(void)
{
	struct env *e = attached_env(4, 1, 4, false);
	uint8_t f[60] = { 0 };

	CHECK(e);
	memcpy(f, env_mac, 6);
	env_rx(e, 0)->paddr = htole64(0xFFFFFFFFFFFFFF00ull);
	vmx2_receive(&e->m, f, sizeof(f));
	CHECK(le16toh(env_rx(e, 0)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le32toh(env_rx(e, 0)->actual_length) == 0);
	CHECK(e->m.st.rx_errors == 1 && e->m.rx1.next == 1);
	/* A zero-length buffer: the same error form, the ring moves on. */
	env_rx(e, 1)->buffer_length = 0;
	memset(gp(e, env_rx_buf(1)), 0x5A, 64);
	vmx2_receive(&e->m, f, sizeof(f));
	CHECK(le16toh(env_rx(e, 1)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le32toh(env_rx(e, 1)->actual_length) == 0);
	CHECK(gp(e, env_rx_buf(1))[0] == 0x5A);
	CHECK(e->m.st.rx_errors == 2 && e->m.rx1.next == 2);
	env_free(e);
	return true;
}

static bool t_rx_filter(void)
{
	static const uint8_t other[6] = { 0x52, 0x54, 0, 0, 0, 9 };
	static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	static const uint8_t mc1[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0x01 };
	static const uint8_t mcfb[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB };
	struct env *e = attached_env(4, 1, 4, false);
	struct vmx2 *m = &e->m;
	struct vmxnet2_driver_data *dd;

	CHECK(e);
	dd = env_dd(e);
	/* FreeBSD-style flags: nothing set, unicast to us still passes. */
	dd->ifflags = 0;
	env_cmd(e, VMXNET_CMD_UPDATE_IFF);
	CHECK(vmx2_rx_accept(m, env_mac));
	CHECK(!vmx2_rx_accept(m, other));
	CHECK(!vmx2_rx_accept(m, bcast));
	CHECK(!vmx2_rx_accept(m, mc1));
	/* Linux-style: high bits set, broadcast on; LADRF before IFF and after. */
	dd->ladrf[1] = htole32(0x00400000);
	env_cmd(e, VMXNET_CMD_UPDATE_LADRF);
	CHECK(!vmx2_rx_accept(m, mc1));
	dd->ifflags = htole32(0xFFFFFFF8u | VMXNET_IFF_BROADCAST | VMXNET_IFF_MULTICAST);
	env_cmd(e, VMXNET_CMD_UPDATE_IFF);
	CHECK(vmx2_rx_accept(m, bcast));
	CHECK(vmx2_rx_accept(m, mc1));
	CHECK(!vmx2_rx_accept(m, mcfb));
	CHECK(!vmx2_rx_accept(m, other));
	dd->ladrf[0] = dd->ladrf[1] = htole32(VMXNET_LADRF_ALL);
	env_cmd(e, VMXNET_CMD_UPDATE_LADRF);
	CHECK(vmx2_rx_accept(m, mcfb));
	dd->ifflags = htole32(VMXNET_IFF_PROMISC);
	env_cmd(e, VMXNET_CMD_UPDATE_IFF);
	CHECK(vmx2_rx_accept(m, other));
	/* The filter follows a new station MAC written byte by byte. */
	dd->ifflags = 0;
	env_cmd(e, VMXNET_CMD_UPDATE_IFF);
	for (unsigned int i = 0; i < 6; i++)
		vmx2_io_write(m, VMXNET_MAC_ADDR + i, other[i], 1);
	CHECK(vmx2_rx_accept(m, other));
	CHECK(!vmx2_rx_accept(m, env_mac));
	/* A filtered frame is counted and touches nothing. */
	memset(frame, 0, 60);
	memcpy(frame, env_mac, 6);
	e->nwrites = 0;
	CHECK(vmx2_receive(m, frame, 60) == VMX2_RX_CONSUMED);
	CHECK(m->st.rx_filtered == 1 && e->nwrites == 0);
	env_free(e);
	return true;
}

static bool t_link(void)
{
	struct env *e = attached_env(4, 1, 4, false);

	CHECK(e);
	vmx2_set_link(&e->m, false);
	CHECK(!(vmx2_io_read(&e->m, VMXNET_STATUS_ADDR, 4) & VMXNET_STATUS_CONNECTED));
	CHECK(e->irq);
	env_cmd(e, VMXNET_CMD_INTR_ACK);
	memset(frame, 0, 60);
	memcpy(frame, env_mac, 6);
	vmx2_receive(&e->m, frame, 60);
	CHECK(e->m.st.rx_packets == 0 && e->m.st.rx_dropped == 1);
	tx_fill(e, 0, frame, 60, 1, VMXNET2_TX_CAN_KEEP, 0, &(uint64_t){ TXDATA_AREA });
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->nsent == 0 && e->m.st.tx_dropped == 1);
	CHECK(le16toh(env_tx(e, 0)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	vmx2_set_link(&e->m, true);
	CHECK(vmx2_io_read(&e->m, VMXNET_STATUS_ADDR, 4) & VMXNET_STATUS_CONNECTED);
	env_free(e);
	return true;
}

/* ---- transmit ---- */

static bool t_tx_plain_and_sg(void)
{
	struct env *e = attached_env(4, 1, 8, false);
	uint64_t at = TXDATA_AREA;
	size_t len;

	CHECK(e);
	len = test_frame(frame, false, NP_IPPROTO_UDP, 300, 0);
	/* Entry 0: one element, no offload: sent byte for byte. */
	tx_fill(e, 0, frame, len, 1, VMXNET2_TX_CAN_KEEP, 0, &at);
	/* Entries 1-2: the same frame as 6 + 3 elements (with a zero-length one). */
	tx_fill(e, 1, frame, 200, 6, VMXNET2_TX_CAN_KEEP | VMXNET2_TX_MORE, 0, &at);
	tx_fill(e, 2, frame + 200, len - 200, 2, 0, 0, &at);
	/* Entry 2 becomes [a, empty, rest]. */
	env_tx(e, 2)->sg.sg[2] = env_tx(e, 2)->sg.sg[1];
	env_tx(e, 2)->sg.sg[1].length = 0;
	env_tx(e, 2)->sg.length = htole16(3);
	env_tx(e, 2)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_tx(e, 1)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->nsent == 2);
	CHECK(e->sent[0].len == len && !memcmp(e->sent[0].data, frame, len));
	CHECK(e->sent[1].len == len && !memcmp(e->sent[1].data, frame, len));
	CHECK(le16toh(env_tx(e, 0)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le16toh(env_tx(e, 1)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le16toh(env_tx(e, 2)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(e->m.tx.next == 3 && e->m.st.tx_guest_packets == 2);
	/* No RING_LOW, txStopped 0: no interrupt for completions. */
	CHECK(!e->irq);
	env_free(e);
	return true;
}

static bool t_tx_irq_conditions(void)
{
	struct env *e = attached_env(4, 1, 4, false);
	uint64_t at = TXDATA_AREA;
	size_t len;

	CHECK(e);
	len = test_frame(frame, false, NP_IPPROTO_UDP, 20, 0);
	tx_fill(e, 0, frame, len, 1, VMXNET2_TX_CAN_KEEP | VMXNET2_TX_RING_LOW, 0, &at);
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->irq);
	env_cmd(e, VMXNET_CMD_INTR_ACK);
	CHECK(!e->irq);
	env_dd(e)->tx_stopped = htole32(1);
	tx_fill(e, 1, frame, len, 1, VMXNET2_TX_CAN_KEEP, 0, &at);
	env_tx(e, 1)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_cmd(e, VMXNET_CMD_CHECK_TX_DONE);
	CHECK(e->irq);
	env_free(e);
	return true;
}

static bool t_tx_csum_offload(void)
{
	static const struct { bool v6; uint8_t proto; size_t payload; } cases[] = {
		{ false, NP_IPPROTO_TCP, 1000 }, { false, NP_IPPROTO_UDP, 333 },
		{ true, NP_IPPROTO_TCP, 1001 }, { true, NP_IPPROTO_UDP, 0 },
		{ false, NP_IPPROTO_TCP, 0 },
	};
	unsigned int c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct env *e = attached_env(4, 1, 4, false);
		uint64_t at = TXDATA_AREA;
		size_t len = test_frame(frame, cases[c].v6, cases[c].proto, cases[c].payload, 0x10);

		CHECK(e);
		CHECK(!ref_l4_ok(frame, len, cases[c].v6, cases[c].proto));
		tx_fill(e, 0, frame, len, 2, VMXNET2_TX_CAN_KEEP | VMXNET2_TX_HW_XSUM, 0, &at);
		env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
		env_kick(e);
		CHECK(e->nsent == 1 && e->sent[0].len == len);
		CHECK(ref_l4_ok(e->sent[0].data, len, cases[c].v6, cases[c].proto));
		CHECK(np_csum_ok(e->sent[0].data, len));
		/* Only the checksum changed. */
		{
			size_t at_csum = (cases[c].v6 ? 54 : 34) +
					 (cases[c].proto == NP_IPPROTO_TCP ? 16 : 6);

			memcpy(e->sent[0].data + at_csum, frame + at_csum, 2);
			CHECK(!memcmp(e->sent[0].data, frame, len));
		}
		CHECK(e->m.st.tx_csum == 1);
		env_free(e);
	}
	return true;
}

struct tso_case {
	bool v6;
	size_t payload;
	uint32_t mss;
	uint8_t flags;
};

/* Check @n sent frames as the segments of test_frame(v6, TCP, payload, flags). */
static bool check_segments(struct env *e, const struct tso_case *tc, unsigned int first)
{
	size_t l4 = tc->v6 ? 54 : 34, hl = 32, off = 0;
	unsigned int n = (unsigned int)((tc->payload + tc->mss - 1) / tc->mss), i;

	if (!tc->payload)
		n = 1;
	CHECK(e->nsent - first == n);
	for (i = 0; i < n; i++) {
		const uint8_t *s = e->sent[first + i].data;
		size_t chunk = tc->payload - off < tc->mss ? tc->payload - off : tc->mss;
		bool last = i + 1 == n;
		uint8_t fl = s[l4 + 13];
		size_t k;

		CHECK(e->sent[first + i].len == l4 + hl + chunk);
		if (tc->v6) {
			CHECK(be16(s + 18) == hl + chunk);
		} else {
			CHECK(be16(s + 16) == 20 + hl + chunk);
			CHECK(be16(s + 18) == (uint16_t)(0x1234 + i));
			CHECK(s[20] == 0x40);		/* DF kept */
			CHECK(ref_ip4_hdr_ok(s));
		}
		CHECK(be32(s + l4 + 4) == (uint32_t)(0xFFFFF000u + off));	/* wraps past 2^32 */
		CHECK(!!(fl & NP_TCP_FIN) == (last && (tc->flags & NP_TCP_FIN)));
		CHECK(!!(fl & NP_TCP_PSH) == (last && (tc->flags & NP_TCP_PSH)));
		CHECK(!!(fl & NP_TCP_CWR) == (!i && (tc->flags & NP_TCP_CWR)));
		CHECK((fl & 0x10) == (tc->flags & 0x10));	/* ACK everywhere */
		CHECK(ref_l4_ok(s, e->sent[first + i].len, tc->v6, NP_IPPROTO_TCP));
		for (k = 0; k < chunk; k++)
			CHECK(s[l4 + hl + k] == payload_byte(off + k));
		off += chunk;
	}
	return true;
}

/*
 * docs/protocol/vmxnet.md C5: 65226 bytes (66 header bytes in a header-copy slot + 16 page
 * fragments, 17 elements in 3 entries), MSS 1448: 45 frames of 1514.
 */
static bool t_tso_spec_vector(void)
{
	struct env *e = attached_env(4, 1, 16, false);
	const struct tso_case tc = { false, 45 * 1448, 1448, 0x19 /* FIN|PSH|ACK */ };
	uint64_t slot = TXDATA_AREA, data = TXDATA_AREA + 0x1000;
	size_t len, off = 66, frag = (45 * 1448) / 16;
	unsigned int i, entry, el;

	CHECK(e);
	len = test_frame(frame, false, NP_IPPROTO_TCP, tc.payload, tc.flags);
	CHECK(len == 65226);
	memcpy(gp(e, slot), frame, 66);
	for (entry = 0; entry < 3; entry++) {
		struct vmxnet2_tx_ring_entry *t = env_tx(e, entry);
		unsigned int nel = entry == 2 ? 5 : 6;

		t->flags = htole16(entry == 0 ? 0x2D : entry == 1 ? 0x20 : 0);
		t->tso_mss = htole32(entry == 0 ? 1448 : 0);
		t->sg.length = htole16(nel);
		for (el = 0; el < nel; el++) {
			size_t chunk;

			if (entry == 0 && el == 0) {
				t->sg.sg[0].addr_low = htole32((uint32_t)slot);
				t->sg.sg[0].length = htole16(66);
				continue;
			}
			chunk = off + frag * 2 > len ? len - off : frag;
			memcpy(gp(e, data), frame + off, chunk);
			t->sg.sg[el].addr_low = htole32((uint32_t)data);
			t->sg.sg[el].length = htole16((uint16_t)chunk);
			data += 4096 + 64;
			off += chunk;
		}
	}
	CHECK(off == len);
	env_tx(e, 1)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_tx(e, 2)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->nsent == 45);
	for (i = 0; i < 45; i++)
		CHECK(e->sent[i].len == 1514);
	CHECK(check_segments(e, &tc, 0));
	CHECK(e->m.st.tx_tso_packets == 1 && e->m.st.tx_tso_segments == 45);
	CHECK(e->m.st.tx_packets == 45);
	for (i = 0; i < 3; i++)
		CHECK(le16toh(env_tx(e, i)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	env_free(e);
	return true;
}

static bool t_tso_variants(void)
{
	static const struct tso_case cases[] = {
		{ false, 10000, 1448, 0x18 },	/* short last segment, PSH */
		{ false, 1000, 1448, 0x19 },	/* one segment */
		{ false, 0, 1448, 0x11 },	/* header only (FIN) */
		{ false, 60000, 8948, 0x98 },	/* jumbo MSS, CWR on the first only */
		{ true, 20000, 1428, 0x18 },	/* IPv6 */
		{ true, 30001, 8928, 0x99 },
		{ false, 3, 1, 0x18 },		/* MSS 1 */
	};
	unsigned int c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct env *e = attached_env(4, 1, 64, false);
		uint64_t at = TXDATA_AREA;
		size_t len = test_frame(frame, cases[c].v6, NP_IPPROTO_TCP, cases[c].payload,
					cases[c].flags);
		unsigned int entries = (unsigned int)(len / 60000) + 1, i;
		size_t per = len / entries;

		CHECK(e);
		for (i = 0; i < entries; i++) {
			size_t chunk = i + 1 == entries ? len - per * i : per;

			tx_fill(e, i, frame + per * i, chunk, chunk > 6 ? 6 : 1,
				i + 1 < entries ? VMXNET2_TX_MORE : 0, 0, &at);
		}
		env_tx(e, 0)->flags |= htole16(VMXNET2_TX_TSO | VMXNET2_TX_HW_XSUM |
					       VMXNET2_TX_CAN_KEEP);
		env_tx(e, 0)->tso_mss = htole32(cases[c].mss);
		for (i = entries; i-- > 0;)
			env_tx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
		env_kick(e);
		if (!check_segments(e, &cases[c], 0)) {
			printf("# tso case %u\n", c);
			return false;
		}
		env_free(e);
	}
	return true;
}

/* Rejected TSO packets are dropped but their entries still come back. */
static bool t_tso_rejects(void)
{
	struct env *e = attached_env(4, 1, 16, false);
	uint64_t at = TXDATA_AREA;
	size_t len;

	CHECK(e);
	len = test_frame(frame, false, NP_IPPROTO_TCP, 5000, 0x10);
	tx_fill(e, 0, frame, len, 1, VMXNET2_TX_TSO | VMXNET2_TX_HW_XSUM, 0, &at);	/* mss 0 */
	len = test_frame(frame, false, NP_IPPROTO_UDP, 5000, 0);
	tx_fill(e, 1, frame, len, 1, VMXNET2_TX_TSO | VMXNET2_TX_HW_XSUM, 1448, &at);
	len = test_frame(frame, false, NP_IPPROTO_TCP, 40000, 0x10);
	tx_fill(e, 2, frame, len, 1, VMXNET2_TX_TSO, 20000, &at);	/* MSS > 16 KiB frame */
	len = test_frame(frame, true, NP_IPPROTO_TCP, 5000, 0x10);
	tx_fill(e, 3, frame, len, 1, VMXNET2_TX_TSO, 1400, &at);	/* v6 without TSO6 */
	e->m.caps &= ~VMNET_CAP_TSO6;
	for (unsigned int i = 0; i < 4; i++)
		env_tx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->nsent == 0 && e->m.st.tx_dropped == 4);
	for (unsigned int i = 0; i < 4; i++)
		CHECK(le16toh(env_tx(e, i)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(e->m.tx.next == 4);
	env_free(e);
	return true;
}

/*
 * A guest-chosen MSS of 1 turns one packet into thousands of frames: one
 * transmit run stops once it put its frame budget on the wire (not after a
 * ring's worth of packets), asks its host for another run, and the rest
 * of the ring goes out in the runs that follow.
 */
static bool t_tso_tiny_mss_budget(void)
{
	const unsigned int n = 16, payload = 3000;
	struct env *e = attached_env(4, 1, n, false);
	uint64_t at = TXDATA_AREA, runs = 0;
	unsigned int i;
	size_t len;

	CHECK(e);
	e->m.ops = &env_ops_deferred;
	len = test_frame(frame, false, NP_IPPROTO_TCP, payload, 0x10);
	for (i = 0; i < n; i++) {
		tx_fill(e, i, frame, len, 1, VMXNET2_TX_TSO | VMXNET2_TX_HW_XSUM, 1, &at);
		env_tx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	}
	vmx2_tx_run(&e->m);
	printf("# one run: %llu frames of %u packets\n", (unsigned long long)e->sent_total,
	       (unsigned int)e->m.st.tx_guest_packets);
	CHECK(e->sent_total <= VMX2_TX_RUN_FRAMES(n) + payload);
	CHECK(e->m.tx.next < n && e->tx_resumes == 1);
	while (e->m.tx.next != 0 && runs++ < 2 * n)
		vmx2_tx_run(&e->m);
	printf("# %llu runs after it, %u asked for\n", (unsigned long long)runs, e->tx_resumes);
	CHECK(e->sent_total == (uint64_t)n * payload && e->m.st.tx_tso_packets == n);
	for (i = 0; i < n; i++)
		CHECK(le16toh(env_tx(e, i)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	/* Nothing left: the last run and an empty one ask for no other. */
	CHECK(e->tx_resumes == runs);
	vmx2_tx_run(&e->m);
	CHECK(e->tx_resumes == runs && e->m.st.tx_resumes == runs);
	env_free(e);
	return true;
}

/* Malformed packets: dropped, counted, completed; the ring moves on. */
static bool t_tx_malformed(void)
{
	struct env *e = attached_env(4, 1, 8, false);
	uint64_t at = TXDATA_AREA;
	size_t len;
	unsigned int i;

	CHECK(e);
	len = test_frame(frame, false, NP_IPPROTO_UDP, 100, 0);
	tx_fill(e, 0, frame, len, 1, 0, 0, &at);
	env_tx(e, 0)->sg.length = htole16(7);
	tx_fill(e, 1, frame, len, 1, 0, 0, &at);
	env_tx(e, 1)->sg.addr_type = htole16(NET_SG_VIRT_ADDR);
	tx_fill(e, 2, frame, len, 1, 0, 0, &at);
	env_tx(e, 2)->sg.sg[0].addr_hi = htole16(0x7FFF);
	tx_fill(e, 3, frame, 10, 1, 0, 0, &at);			/* runt */
	tx_fill(e, 4, frame, len, 1, VMXNET2_TX_MORE, 0, &at);	/* continuation not NIC */
	for (i = 0; i < 5; i++)
		env_tx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->nsent == 0 && e->m.st.tx_errors == 5);
	CHECK(e->m.tx.next == 5);
	CHECK(le16toh(env_tx(e, 5)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	/* Every entry MORE and NIC: the chain is cut at the ring length. */
	for (i = 0; i < 8; i++) {
		tx_fill(e, i, frame, len, 1, VMXNET2_TX_MORE, 0, &at);
		env_tx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	}
	env_kick(e);
	CHECK(e->nsent == 0 && e->m.st.tx_errors == 6);
	for (i = 0; i < 8; i++)
		CHECK(le16toh(env_tx(e, i)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	/* A non-TSO frame over 16 KiB. */
	memset(frame, 0, 20000);
	tx_fill(e, 5, frame, 16385, 1, 0, 0, &at);
	env_tx(e, 5)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->nsent == 0 && e->m.st.tx_errors == 7);
	env_free(e);
	return true;
}

/* ---- faults ---- */

static size_t unicast_frame(void)
{
	memset(frame, 0, 60);
	memcpy(frame, env_mac, 6);
	return 60;
}

static bool t_fault_rx_bad_index(void)
{
	struct env *e = attached_env(8, 1, 8, false);
	struct vmxnet2_driver_data *dd;

	CHECK(e);
	dd = env_dd(e);
	CHECK(vmx2_fault_parse("rx-bad-index") == VMX2_FAULT_RX_BAD_INDEX);
	vmx2_set_fault(&e->m, VMX2_FAULT_RX_BAD_INDEX);
	vmx2_receive(&e->m, frame, unicast_frame());
	CHECK(le32toh(dd->rx_driver_next) >= 8);
	CHECK(le32toh(dd->rx_driver_next2) >= 1);
	CHECK(le32toh(dd->saved_rx_nic_next) >= 8);
	CHECK(le32toh(env_rx(e, 0)->index) == 0xFFFFFFFFu);
	/* The data itself is delivered correctly. */
	CHECK(le16toh(env_rx(e, 0)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(le32toh(env_rx(e, 0)->actual_length) == 60);
	CHECK(e->m.st.faults_injected == 1);
	vmx2_set_fault(&e->m, VMX2_FAULT_NONE);
	dd->rx_driver_next = 0;
	vmx2_receive(&e->m, frame, unicast_frame());
	CHECK(le32toh(dd->rx_driver_next) == 0 && e->m.st.faults_injected == 1);
	env_free(e);
	return true;
}

static bool t_fault_tx_bad_index(void)
{
	struct env *e = attached_env(4, 1, 8, false);
	uint64_t at = TXDATA_AREA;

	CHECK(e);
	vmx2_set_fault(&e->m, vmx2_fault_parse("tx-bad-index"));
	tx_fill(e, 0, frame, unicast_frame(), 1, 0, 0, &at);
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->nsent == 1);
	CHECK(le32toh(env_dd(e)->tx_driver_cur) >= 8);
	CHECK(le32toh(env_dd(e)->tx_driver_next) >= 8);
	CHECK(le32toh(env_dd(e)->saved_tx_nic_next) >= 8);
	env_free(e);
	return true;
}

static bool t_fault_rx_bad_length(void)
{
	struct env *e = attached_env(8, 1, 8, false);
	uint32_t seen[3];
	unsigned int i;

	CHECK(e);
	vmx2_set_fault(&e->m, vmx2_fault_parse("rx-bad-length"));
	for (i = 0; i < 3; i++) {
		vmx2_receive(&e->m, frame, unicast_frame());
		seen[i] = le32toh(env_rx(e, i)->actual_length);
		CHECK(le16toh(env_rx(e, i)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	}
	CHECK(seen[0] == VMXNET2_PKT_BUF_SZ + 1);
	CHECK(seen[1] == 0);
	CHECK(seen[2] > 0x10000000u);
	/* Nothing was written past the 1536-byte buffer. */
	CHECK(gp(e, env_rx_buf(0))[1536] == 0 && gp(e, env_rx_buf(0))[60] == 0);
	env_free(e);
	return true;
}

static bool t_fault_bad_owner(void)
{
	struct env *e = attached_env(8, 1, 8, false);
	uint64_t at = TXDATA_AREA;
	unsigned int i, wrong = 0;

	CHECK(e);
	vmx2_set_fault(&e->m, vmx2_fault_parse("bad-owner"));
	for (i = 0; i < 4; i++)
		vmx2_receive(&e->m, frame, unicast_frame());
	for (i = 0; i < 4; i++) {
		uint16_t o = le16toh(env_rx(e, i)->ownership);

		CHECK(o != VMXNET2_OWNERSHIP_NIC);
		wrong += o != VMXNET2_OWNERSHIP_DRIVER;
	}
	CHECK(wrong == 2);
	/* The host moved on regardless. */
	CHECK(e->m.rx1.next == 4);
	for (i = 0; i < 4; i++) {
		tx_fill(e, i, frame, 60, 1, 0, 0, &at);
		env_tx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	}
	env_kick(e);
	CHECK(e->nsent == 4);
	for (wrong = 0, i = 0; i < 4; i++)
		wrong += le16toh(env_tx(e, i)->ownership) != VMXNET2_OWNERSHIP_DRIVER;
	CHECK(wrong == 2);
	for (i = 0; i < 4; i++)
		CHECK(le16toh(env_tx(e, i)->ownership) != VMXNET2_OWNERSHIP_NIC);
	env_free(e);
	return true;
}

static bool t_fault_tx_stuck(void)
{
	struct env *e = attached_env(4, 1, 8, false);
	uint64_t at = TXDATA_AREA;

	CHECK(e);
	vmx2_set_fault(&e->m, vmx2_fault_parse("tx-stuck"));
	tx_fill(e, 0, frame, unicast_frame(), 1, 0, 0, &at);
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	env_cmd(e, VMXNET_CMD_CHECK_TX_DONE);
	CHECK(e->nsent == 0 && le16toh(env_tx(e, 0)->ownership) == VMXNET2_OWNERSHIP_NIC);
	vmx2_set_fault(&e->m, vmx2_fault_parse("none"));
	env_kick(e);
	CHECK(e->nsent == 1 && le16toh(env_tx(e, 0)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	CHECK(vmx2_fault_parse("bogus") == -1);
	CHECK(!strcmp(vmx2_fault_name(VMX2_FAULT_TX_STUCK), "tx-stuck"));
	env_free(e);
	return true;
}

/* init-refuse-once: one refused INIT (detached, counted), then the retry attaches. */
static bool t_fault_init_refuse_once(void)
{
	struct env *e = attached_env(4, 1, 8, false);

	CHECK(e);
	vmx2_set_fault(&e->m, vmx2_fault_parse("init-refuse-once"));
	CHECK(!env_attach(e));
	CHECK(!e->m.attached && e->m.st.init_refused == 1 && e->m.st.faults_injected == 1);
	CHECK(e->m.fault == VMX2_FAULT_NONE);
	CHECK(env_attach(e) && e->m.attached && e->m.st.init_refused == 1);
	CHECK(!strcmp(vmx2_fault_name(VMX2_FAULT_INIT_REFUSE_ONCE), "init-refuse-once"));
	env_free(e);
	return true;
}

/*
 * A host that transmits in its own context (QEMU: a bottom half): the kick
 * only asks for vmx2_tx_run(), CHECK_TX_DONE stays synchronous, and a run
 * after a detach or reset touches nothing.
 */
static bool t_tx_deferred(void)
{
	struct env *e = attached_env(4, 1, 8, false);
	uint64_t at = TXDATA_AREA;
	unsigned int i, writes;
	size_t len;

	CHECK(e);
	e->m.ops = &env_ops_deferred;
	len = unicast_frame();
	for (i = 0; i < 4; i++)
		tx_fill(e, i, frame, len, 1, VMXNET2_TX_CAN_KEEP, 0, &at);
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	CHECK(e->tx_kicks_deferred == 1 && e->m.st.tx_kicks == 1 && e->nsent == 0);
	CHECK(le16toh(env_tx(e, 0)->ownership) == VMXNET2_OWNERSHIP_NIC);
	/* A second kick before the run: one run sends both. */
	env_tx(e, 1)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	vmx2_tx_run(&e->m);
	CHECK(e->tx_kicks_deferred == 2 && e->nsent == 2);
	CHECK(le16toh(env_tx(e, 1)->ownership) == VMXNET2_OWNERSHIP_DRIVER);
	/* A run with nothing handed over sends nothing. */
	vmx2_tx_run(&e->m);
	CHECK(e->nsent == 2);
	env_tx(e, 2)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_cmd(e, VMXNET_CMD_CHECK_TX_DONE);
	CHECK(e->tx_kicks_deferred == 2 && e->nsent == 3);
	/* Kicked, then detached before the run: the run leaves the ring alone. */
	env_tx(e, 3)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	vmx2_io_write(&e->m, VMXNET_INIT_ADDR, 0, 4);
	writes = e->nwrites;
	vmx2_tx_run(&e->m);
	CHECK(e->nsent == 3 && e->nwrites == writes);
	CHECK(le16toh(env_tx(e, 3)->ownership) == VMXNET2_OWNERSHIP_NIC);
	/* The same after a PCI reset. */
	CHECK(env_attach(e));
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
	vmx2_reset(&e->m);
	writes = e->nwrites;
	vmx2_tx_run(&e->m);
	CHECK(e->nsent == 3 && e->nwrites == writes);
	env_free(e);
	return true;
}

/* Index of the first read log entry at or after @from that touches [gpa, gpa + len). */
static int first_read_of(const struct env *e, unsigned int from, uint64_t gpa, size_t len)
{
	unsigned int i;

	for (i = from; i < e->nreads; i++)
		if (e->read_gpa[i] < gpa + len && gpa < e->read_gpa[i] + e->read_len[i])
			return (int)i;
	return -1;
}

/*
 * The guest may be filling a ring on another vCPU while the host reads it:
 * every entry is read ownership first (the field the guest writes last),
 * then the rest.
 */
static bool t_entry_read_order(void)
{
	const size_t tx_own = offsetof(struct vmxnet2_tx_ring_entry, ownership);
	const size_t rx_own = offsetof(struct vmxnet2_rx_ring_entry, ownership);
	struct env *e = attached_env(4, 4, 8, true);
	uint64_t at = TXDATA_AREA, entry;
	unsigned int i;
	size_t len;
	int r;

	CHECK(e);
	len = unicast_frame();
	tx_fill(e, 0, frame, len, 1, VMXNET2_TX_MORE, 0, &at);
	tx_fill(e, 1, frame, len, 1, 0, 0, &at);
	env_tx(e, 1)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_tx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	e->nreads = 0;
	env_kick(e);
	CHECK(e->nsent == 1);
	for (i = 0; i < 2; i++) {
		entry = DD_ADDR + e->off_tx + i * sizeof(struct vmxnet2_tx_ring_entry);
		r = first_read_of(e, 0, entry, sizeof(struct vmxnet2_tx_ring_entry));
		CHECK(r >= 0 && e->read_gpa[r] == entry + tx_own && e->read_len[r] == 2);
	}
	/* rx: ring 1 and, for a jumbo frame, ring 2. */
	len = test_frame(frame, false, NP_IPPROTO_UDP, 3000, 0);
	memcpy(frame, env_mac, 6);
	e->nreads = 0;
	CHECK(vmx2_receive(&e->m, frame, len) == VMX2_RX_CONSUMED);
	CHECK(le16toh(env_rx(e, 0)->flags) & VMXNET2_RX_WITH_FRAG);
	entry = DD_ADDR + e->off_rx;
	r = first_read_of(e, 0, entry, sizeof(struct vmxnet2_rx_ring_entry));
	CHECK(r >= 0 && e->read_gpa[r] == entry + rx_own && e->read_len[r] == 2);
	entry = DD_ADDR + e->off_rx2;
	r = first_read_of(e, 0, entry, sizeof(struct vmxnet2_rx_ring_entry));
	CHECK(r >= 0 && e->read_gpa[r] == entry + rx_own && e->read_len[r] == 2);
	env_free(e);
	return true;
}

/* Two models back to back: what one sends the other receives intact, checksum verified. */
static bool t_loopback_tso_to_rx(void)
{
	struct env *a = attached_env(4, 1, 16, false);
	struct env *b = attached_env(64, 128, 4, true);
	const struct tso_case tc = { false, 30000, 8948, 0x18 };
	uint64_t at = TXDATA_AREA;
	size_t len;
	unsigned int i;

	CHECK(a && b);
	len = test_frame(frame, false, NP_IPPROTO_TCP, tc.payload, tc.flags);
	memcpy(frame, env_mac, 6);
	tx_fill(a, 0, frame, len, 6, VMXNET2_TX_TSO | VMXNET2_TX_HW_XSUM | VMXNET2_TX_CAN_KEEP,
		tc.mss, &at);
	env_tx(a, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(a);
	CHECK(a->nsent == 4);
	for (i = 0; i < a->nsent; i++)
		CHECK(vmx2_receive(&b->m, a->sent[i].data, a->sent[i].len) == VMX2_RX_CONSUMED);
	CHECK(b->m.st.rx_packets == 4 && b->m.st.rx_csum_ok == 4 && b->m.st.rx_jumbo == 4);
	env_free(a);
	env_free(b);
	return true;
}

/* ---- LPD (docs/protocol/vmxnet.md A6.6): receive-side aggregation ---- */

#define LPD_SEQ0	0x7FFFF000u
#define LPD_MSS		1448u

static uint8_t seg[VMXNET2_MAX_FRAME];
static uint8_t got[VMXNET2_LPD_MAX_FRAME + 4096];

static struct env *lpd_env(uint32_t n_rx, uint32_t n_rx2, uint16_t max_frags, bool lpd)
{
	struct env *e = env_new();

	env_layout(e, n_rx, n_rx2, 8, true);
	env_dd(e)->max_frags = htole16(max_frags);
	if (lpd)
		env_dd(e)->feature_ctl = htole16(VMXNET_FEATURE_LPD);
	if (!env_attach(e)) {
		env_free(e);
		return NULL;
	}
	return e;
}

static void ip4_fix(uint8_t *f)
{
	f[24] = 0, f[25] = 0;
	uint16_t c = ref_fold(ref_add(0, f + 14, (size_t)(f[14] & 15) * 4));

	f[24] = c >> 8, f[25] = c & 0xFF;
}

/* Segment @n of a stream: payload bytes follow the stream offset, checksums right. */
static size_t lpd_seg(bool v6, size_t off, size_t payload, uint8_t flags)
{
	size_t len = test_frame(seg, v6, NP_IPPROTO_TCP, payload, flags), l4 = v6 ? 54 : 34, i;
	uint32_t seq = LPD_SEQ0 + (uint32_t)off;

	memcpy(seg, env_mac, 6);
	memcpy(seg + 6, (uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x02 }, 6);
	seg[l4 + 4] = seq >> 24, seg[l4 + 5] = seq >> 16, seg[l4 + 6] = seq >> 8, seg[l4 + 7] = seq;
	seg[l4 + 8] = 0x11, seg[l4 + 11] = 0x22;	/* ack */
	for (i = 0; i < payload; i++)
		seg[l4 + 32 + i] = payload_byte(off + i);
	if (!v6) {
		seg[18] = (uint8_t)(off >> 8), seg[19] = (uint8_t)off;	/* ids differ */
		ip4_fix(seg);
	}
	np_fill_csum(seg, len, true);
	return len;
}

static void reseal(bool v6, size_t len)
{
	if (!v6)
		ip4_fix(seg);
	np_fill_csum(seg, len, true);
}

/* The packet in ring-1 entry @i (with its ring-2 fragments from *@r2) gathered into got[]. */
static size_t lpd_gather(struct env *e, uint32_t i, uint32_t *r2, uint16_t *flags)
{
	struct vmxnet2_rx_ring_entry *r = env_rx(e, i);
	size_t len = le32toh(r->actual_length);

	if (le16toh(r->ownership) != VMXNET2_OWNERSHIP_DRIVER)
		return 0;
	*flags = le16toh(r->flags);
	memcpy(got, gp(e, env_rx_buf(i)), len);
	if (!(*flags & VMXNET2_RX_WITH_FRAG))
		return len;
	for (;;) {
		struct vmxnet2_rx_ring_entry *f = env_rx2(e, *r2);
		size_t n = le32toh(f->actual_length);

		if (le16toh(f->ownership) != VMXNET2_OWNERSHIP_DRIVER_FRAG || len + n > sizeof(got))
			return 0;
		memcpy(got + len, gp(e, env_rx2_buf(*r2)), n);
		len += n;
		*r2 = (*r2 + 1) % e->n_rx2;
		if (le16toh(f->flags) & VMXNET2_RX_FRAG_EOP)
			return len;
	}
}

/* got[] is a valid TCP packet carrying stream bytes [off, off + payload). */
static bool lpd_check_packet(size_t len, bool v6, size_t off, size_t payload)
{
	size_t l4 = v6 ? 54 : 34, i;
	uint32_t seq = LPD_SEQ0 + (uint32_t)off;

	CHECK(len == l4 + 32 + payload || (len == 60 && l4 + 32 + payload < 60));
	if (v6)
		CHECK(be16(got + 18) == 32 + payload);
	else
		CHECK(be16(got + 16) == 20 + 32 + payload && ref_ip4_hdr_ok(got));
	CHECK(ref_l4_ok(got, len, v6, NP_IPPROTO_TCP));
	CHECK(be32(got + l4 + 4) == seq);
	for (i = 0; i < payload; i++)
		CHECK(got[l4 + 32 + i] == payload_byte(off + i));
	return true;
}

static bool t_lpd_merge(void)
{
	int v6;

	for (v6 = 0; v6 < 2; v6++) {
		struct env *e = lpd_env(16, 64, 17, true);
		uint32_t r2 = 0;
		uint16_t flags;
		size_t len, i;

		CHECK(e && e->m.lpd);
		for (i = 0; i < 3; i++) {
			len = lpd_seg(v6, i * LPD_MSS, LPD_MSS, NP_TCP_ACK);
			CHECK(vmx2_receive(&e->m, seg, len) == VMX2_RX_CONSUMED);
		}
		/* Held: nothing in the guest yet, no interrupt. */
		CHECK(vmx2_rx_held(&e->m) && !e->irq);
		CHECK(le16toh(env_rx(e, 0)->ownership) == VMXNET2_OWNERSHIP_NIC);
		/* PSH ends the packet at once. */
		len = lpd_seg(v6, 3 * LPD_MSS, LPD_MSS, NP_TCP_ACK | NP_TCP_PSH);
		CHECK(vmx2_receive(&e->m, seg, len) == VMX2_RX_CONSUMED);
		CHECK(!vmx2_rx_held(&e->m) && e->irq);
		len = lpd_gather(e, 0, &r2, &flags);
		CHECK(flags == (VMXNET2_RX_WITH_FRAG | VMXNET2_RX_HW_XSUM_OK));
		CHECK(lpd_check_packet(len, v6, 0, 4 * LPD_MSS));
		CHECK(got[(v6 ? 54 : 34) + 13] == (NP_TCP_ACK | NP_TCP_PSH));
		/* The first segment's IPv4 id stays. */
		CHECK(v6 || be16(got + 18) == 0);
		CHECK(e->m.st.rx_lro_aggregates == 1 && e->m.st.rx_lro_segments == 4);
		CHECK(e->m.st.rx_packets == 1 && e->m.st.rx_csum_ok == 1);
		/* The end of a burst: vmx2_rx_flush() delivers what is held. */
		for (i = 4; i < 6; i++) {
			len = lpd_seg(v6, i * LPD_MSS, LPD_MSS, NP_TCP_ACK);
			vmx2_receive(&e->m, seg, len);
		}
		CHECK(vmx2_rx_held(&e->m));
		vmx2_rx_flush(&e->m);
		CHECK(!vmx2_rx_held(&e->m) && e->m.st.rx_lro_flushes == 1);
		len = lpd_gather(e, 1, &r2, &flags);
		CHECK(lpd_check_packet(len, v6, 4 * LPD_MSS, 2 * LPD_MSS));
		/* A single held segment goes out as it came. */
		len = lpd_seg(v6, 6 * LPD_MSS, 100, NP_TCP_ACK);
		vmx2_receive(&e->m, seg, len);
		vmx2_rx_flush(&e->m);
		len = lpd_gather(e, 2, &r2, &flags);
		CHECK(flags == VMXNET2_RX_HW_XSUM_OK && !memcmp(got, seg, len));
		CHECK(e->m.st.rx_lro_singles == 1 && e->m.st.rx_lro_aggregates == 2);
		env_free(e);
	}
	return true;
}

/* Each case: A is held, B must not join it; both arrive as they were. */
static bool t_lpd_no_merge(void)
{
	enum { GAP, OLD_SEQ, PORT, ACKNO, WINDOW, TSVAL, TTL, ADDR, SYN, FIN, RST, URG, ECE, CWR,
	       FRAG, BAD_CSUM, BAD_IPCSUM, BIGGER, NO_PAYLOAD, UDP, NCASES };
	unsigned int c;

	for (c = 0; c < NCASES; c++) {
		struct env *e = lpd_env(8, 32, 17, true);
		uint32_t r2 = 0;
		uint16_t flags;
		size_t len, blen;
		uint8_t b[2048];

		CHECK(e);
		len = lpd_seg(false, 0, 1000, NP_TCP_ACK);
		vmx2_receive(&e->m, seg, len);
		CHECK(vmx2_rx_held(&e->m));
		blen = lpd_seg(false, 1000, 1000, NP_TCP_ACK);
		switch (c) {
		case GAP:	seg[41] += 1; break;
		case OLD_SEQ:	seg[41] -= 8; break;
		case PORT:	seg[35] ^= 1; break;
		case ACKNO:	seg[45] ^= 1; break;
		case WINDOW:	seg[48] ^= 1; break;
		case TSVAL:	seg[54 + 4] ^= 1; break;
		case TTL:	seg[22] -= 1; break;
		case ADDR:	seg[29] ^= 1; break;
		case SYN:	seg[47] |= 0x02; break;
		case FIN:	seg[47] |= 0x01; break;
		case RST:	seg[47] |= 0x04; break;
		case URG:	seg[47] |= 0x20; break;
		case ECE:	seg[47] |= 0x40; break;
		case CWR:	seg[47] |= 0x80; break;
		case FRAG:	seg[20] |= 0x20; break;
		case BIGGER:
			blen = lpd_seg(false, 1000, 1001, NP_TCP_ACK);
			break;
		case NO_PAYLOAD:
			blen = lpd_seg(false, 1000, 0, NP_TCP_ACK);
			break;
		case UDP:
			blen = test_frame(seg, false, NP_IPPROTO_UDP, 1000, 0);
			memcpy(seg, env_mac, 6);
			break;
		}
		if (c != BAD_CSUM && c != BAD_IPCSUM)
			reseal(false, blen);
		if (c == BAD_CSUM)
			seg[50] ^= 0x40;
		if (c == BAD_IPCSUM)
			seg[24] ^= 0x40;
		memcpy(b, seg, blen);
		CHECK(vmx2_receive(&e->m, b, blen) == VMX2_RX_CONSUMED);
		vmx2_rx_flush(&e->m);
		if (e->m.st.rx_lro_aggregates || e->m.st.rx_packets != 2) {
			printf("# no-merge case %u: %llu aggregates, %llu packets\n", c,
			       (unsigned long long)e->m.st.rx_lro_aggregates,
			       (unsigned long long)e->m.st.rx_packets);
			return false;
		}
		len = lpd_gather(e, 0, &r2, &flags);
		CHECK(lpd_check_packet(len, false, 0, 1000));
		len = lpd_gather(e, 1, &r2, &flags);
		CHECK(len >= blen && !memcmp(got, b, blen));
		CHECK(!!(flags & VMXNET2_RX_HW_XSUM_OK) == (c != BAD_CSUM && c != FRAG));
		env_free(e);
	}
	return true;
}

/* LPD off in featureCtl, or not offered: every segment is its own packet. */
static bool t_lpd_off(void)
{
	int round;

	for (round = 0; round < 2; round++) {
		struct env *e = round ? lpd_env(8, 32, 17, false) : env_new();
		size_t len, i;

		CHECK(e);
		if (!round) {
			e->m.features &= ~VMXNET_FEATURE_LPD;
			env_layout(e, 8, 32, 8, true);
			env_dd(e)->feature_ctl = htole16(VMXNET_FEATURE_LPD);
			CHECK(env_attach(e));
		}
		CHECK(!e->m.lpd);
		for (i = 0; i < 4; i++) {
			len = lpd_seg(false, i * LPD_MSS, LPD_MSS, NP_TCP_ACK);
			vmx2_receive(&e->m, seg, len);
			CHECK(!vmx2_rx_held(&e->m));
		}
		CHECK(e->m.st.rx_packets == 4 && !e->m.st.rx_lro_aggregates);
		env_free(e);
	}
	return true;
}

/* 64 KiB, maxFrags and the ring-2 space bound a packet; the stream arrives whole. */
static bool t_lpd_limits(void)
{
	static const struct { uint32_t n_rx2; uint16_t max_frags; size_t max; } cases[] = {
		{ 64, 17, VMXNET2_LPD_MAX_FRAME },
		{ 64, 2, 1536 + 2 * 4096 },
		{ 3, 17, 1536 + 3 * 4096 },
	};
	unsigned int c;

	for (c = 0; c < 3; c++) {
		struct env *e = lpd_env(64, cases[c].n_rx2, cases[c].max_frags, true);
		size_t off = 0, len, i, got_off = 0;
		uint32_t r2 = 0, idx = 0;
		uint16_t flags;

		CHECK(e);
		for (i = 0; i < 60; i++) {
			len = lpd_seg(false, i * LPD_MSS, LPD_MSS, NP_TCP_ACK);
			CHECK(vmx2_receive(&e->m, seg, len) == VMX2_RX_CONSUMED);
			/* The driver returns ring 2 at once, so only its length bounds it. */
			while (le16toh(env_rx(e, idx)->ownership) == VMXNET2_OWNERSHIP_DRIVER) {
				size_t payload;

				len = lpd_gather(e, idx, &r2, &flags);
				CHECK(len && len <= cases[c].max);
				payload = len - 66;
				CHECK(payload % LPD_MSS == 0);
				CHECK(lpd_check_packet(len, false, got_off, payload));
				got_off += payload;
				for (uint32_t k = 0; k < e->n_rx2; k++)
					env_rx2(e, k)->ownership = htole16(VMXNET2_OWNERSHIP_NIC_FRAG);
				idx++;
			}
			off += LPD_MSS;
		}
		vmx2_rx_flush(&e->m);
		while (le16toh(env_rx(e, idx)->ownership) == VMXNET2_OWNERSHIP_DRIVER) {
			len = lpd_gather(e, idx, &r2, &flags);
			CHECK(lpd_check_packet(len, false, got_off, len - 66));
			got_off += len - 66;
			idx++;
		}
		CHECK(got_off == off);
		CHECK(e->m.st.rx_lro_segments + e->m.st.rx_lro_singles == 60);
		CHECK(!e->m.st.rx_dropped);
		env_free(e);
	}
	return true;
}

/* Nothing is held across a link down, a detach, a reset or a full ring 1. */
static bool t_lpd_never_held(void)
{
	struct env *e = lpd_env(2, 32, 17, true);
	size_t len;

	CHECK(e);
	len = lpd_seg(false, 0, 500, NP_TCP_ACK);
	vmx2_receive(&e->m, seg, len);
	CHECK(vmx2_rx_held(&e->m));
	vmx2_set_link(&e->m, false);
	CHECK(!vmx2_rx_held(&e->m) && e->m.st.rx_packets == 1);
	vmx2_set_link(&e->m, true);

	/* Ring 1 has one entry left: A takes it, B waits (BUSY) rather than being dropped. */
	len = lpd_seg(false, 500, 500, NP_TCP_ACK);
	vmx2_receive(&e->m, seg, len);
	CHECK(vmx2_rx_held(&e->m));
	len = lpd_seg(false, 2000, 500, NP_TCP_ACK);
	CHECK(vmx2_receive(&e->m, seg, len) == VMX2_RX_BUSY);
	CHECK(!vmx2_rx_held(&e->m) && e->m.st.rx_packets == 2 && !e->m.st.rx_dropped);

	/* Detach by the guest: delivered first; re-INIT or reset: dropped and counted. */
	env_rx(e, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	vmx2_receive(&e->m, seg, len);
	CHECK(vmx2_rx_held(&e->m));
	vmx2_io_write(&e->m, VMXNET_INIT_ADDR, 0, 4);
	CHECK(!vmx2_rx_held(&e->m) && e->m.st.rx_packets == 3);
	env_layout(e, 2, 32, 8, true);
	env_dd(e)->feature_ctl = htole16(VMXNET_FEATURE_LPD);
	CHECK(env_attach(e));
	vmx2_receive(&e->m, seg, len);
	CHECK(vmx2_rx_held(&e->m));
	CHECK(env_attach(e));
	CHECK(!vmx2_rx_held(&e->m) && e->m.st.rx_dropped == 1);
	vmx2_receive(&e->m, seg, len);
	e->nwrites = 0;
	vmx2_reset(&e->m);
	CHECK(!vmx2_rx_held(&e->m) && e->m.st.rx_dropped == 2 && !e->nwrites);
	vmx2_rx_flush(&e->m);
	CHECK(!e->nwrites);
	env_free(e);
	return true;
}

/* rx-frag-no-eop: every other ring-2 packet ends without FRAG_EOP. */
static bool t_fault_frag_no_eop(void)
{
	struct env *e = lpd_env(8, 32, 17, true);
	uint32_t r2 = 0;
	uint16_t flags;
	size_t len, i;

	CHECK(e);
	vmx2_set_fault(&e->m, vmx2_fault_parse("rx-frag-no-eop"));
	for (i = 0; i < 4; i++) {
		len = lpd_seg(false, i * LPD_MSS, LPD_MSS, NP_TCP_ACK | (i == 3 ? NP_TCP_PSH : 0));
		vmx2_receive(&e->m, seg, len);
	}
	CHECK(e->m.st.rx_lro_aggregates == 1 && e->m.st.faults_injected == 1);
	CHECK(lpd_gather(e, 0, &r2, &flags) == 0);	/* the chain has no end */
	CHECK(le16toh(env_rx2(e, 1)->flags) == 0 && e->m.rx2.next == 2);
	r2 = 2;
	for (i = 4; i < 8; i++) {
		len = lpd_seg(false, i * LPD_MSS, LPD_MSS, NP_TCP_ACK | (i == 7 ? NP_TCP_PSH : 0));
		vmx2_receive(&e->m, seg, len);
	}
	len = lpd_gather(e, 1, &r2, &flags);
	CHECK(lpd_check_packet(len, false, 4 * LPD_MSS, 4 * LPD_MSS));
	CHECK(!strcmp(vmx2_fault_name(VMX2_FAULT_RX_FRAG_NO_EOP), "rx-frag-no-eop"));
	env_free(e);
	return true;
}

/* TSO on one model, LPD on the other: the original packet comes back in one piece. */
static bool t_lpd_loopback(void)
{
	struct env *a = attached_env(4, 1, 16, false);
	struct env *b = lpd_env(16, 64, 17, true);
	uint64_t at = TXDATA_AREA;
	uint32_t r2 = 0;
	uint16_t flags;
	size_t len, i;

	CHECK(a && b);
	len = test_frame(frame, false, NP_IPPROTO_TCP, 40000, NP_TCP_ACK | NP_TCP_PSH);
	memcpy(frame, env_mac, 6);
	tx_fill(a, 0, frame, len, 6, VMXNET2_TX_TSO | VMXNET2_TX_HW_XSUM | VMXNET2_TX_CAN_KEEP,
		LPD_MSS, &at);
	env_tx(a, 0)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(a);
	CHECK(a->nsent == 28);
	for (i = 0; i < a->nsent; i++)
		CHECK(vmx2_receive(&b->m, a->sent[i].data, a->sent[i].len) == VMX2_RX_CONSUMED);
	CHECK(!vmx2_rx_held(&b->m));
	CHECK(b->m.st.rx_packets == 1 && b->m.st.rx_lro_segments == 28);
	len = lpd_gather(b, 0, &r2, &flags);
	CHECK(len == 66 + 40000 && (flags & VMXNET2_RX_HW_XSUM_OK));
	CHECK(!memcmp(got + 66, frame + 66, 40000) && ref_l4_ok(got, len, false, 6));
	CHECK(ref_ip4_hdr_ok(got) && be16(got + 16) == 40052);
	env_free(a);
	env_free(b);
	return true;
}

int main(void)
{
	printf("KTAP version 1\n1..37\n");
	ktap_run("np_sum", t_np_sum);
	ktap_run("abi_vectors", t_abi_vectors);
	ktap_run("registers_after_reset", t_registers_after_reset);
	ktap_run("attach_linux_layout", t_attach_linux_layout);
	ktap_run("attach_refusals", t_attach_refusals);
	ktap_run("detach", t_detach);
	ktap_run("rx_basic_and_irq", t_rx_basic_and_irq);
	ktap_run("rx_pad_and_ring_full", t_rx_pad_and_ring_full);
	ktap_run("rx_jumbo_split", t_rx_jumbo_split);
	ktap_run("rx_jumbo_without_ring2", t_rx_jumbo_without_ring2);
	ktap_run("rx_bad_buffer", t_rx_bad_buffer);
	ktap_run("rx_filter", t_rx_filter);
	ktap_run("link", t_link);
	ktap_run("tx_plain_and_sg", t_tx_plain_and_sg);
	ktap_run("tx_irq_conditions", t_tx_irq_conditions);
	ktap_run("tx_csum_offload", t_tx_csum_offload);
	ktap_run("tso_spec_vector", t_tso_spec_vector);
	ktap_run("tso_variants", t_tso_variants);
	ktap_run("tso_rejects", t_tso_rejects);
	ktap_run("tso_tiny_mss_budget", t_tso_tiny_mss_budget);
	ktap_run("tx_malformed", t_tx_malformed);
	ktap_run("fault_rx_bad_index", t_fault_rx_bad_index);
	ktap_run("fault_tx_bad_index", t_fault_tx_bad_index);
	ktap_run("fault_rx_bad_length", t_fault_rx_bad_length);
	ktap_run("fault_bad_owner", t_fault_bad_owner);
	ktap_run("fault_tx_stuck", t_fault_tx_stuck);
	ktap_run("fault_init_refuse_once", t_fault_init_refuse_once);
	ktap_run("tx_deferred", t_tx_deferred);
	ktap_run("entry_read_order", t_entry_read_order);
	ktap_run("loopback_tso_to_rx", t_loopback_tso_to_rx);
	ktap_run("lpd_merge", t_lpd_merge);
	ktap_run("lpd_no_merge", t_lpd_no_merge);
	ktap_run("lpd_off", t_lpd_off);
	ktap_run("lpd_limits", t_lpd_limits);
	ktap_run("lpd_never_held", t_lpd_never_held);
	ktap_run("lpd_loopback", t_lpd_loopback);
	ktap_run("fault_frag_no_eop", t_fault_frag_no_eop);
	return ktap_failures ? 1 : 0;
}
