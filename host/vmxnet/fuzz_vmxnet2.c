// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Random register, ring and wire traffic against the vmxnet2 host model as
 * a hostile guest and peer would produce it, under ASan/UBSan, with the
 * model's invariants checked after every step.
 * Usage: fuzz_vmxnet2 [iterations] [seed]
 */
#include <stdio.h>

#include "ktap.h"
#include "netpkt.h"
#include "test_env.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static unsigned long iterations = 20000;
static unsigned long attached_steps, linkdown_steps;
/* The station address the model filters on now (the fuzz rewrites it). */
static const uint8_t *cur_mac = env_mac;
static uint8_t pkt[VMXNET2_MAX_TSO_FRAME];

/* A plausible layout most of the time, so attach succeeds and rings get exercised. */
static void fuzz_layout(struct env *e)
{
	static const uint32_t sizes[] = { 1, 2, 3, 7, 16, 33 };
	uint32_t n_rx = sizes[below(6)], n_rx2 = sizes[below(6)], n_tx = sizes[below(6)];
	uint32_t i;

	env_layout(e, n_rx, n_rx2, n_tx, below(2));
	/* LPD on half the time, with maxFrags sometimes beyond the ring or 0. */
	if (below(2))
		env_dd(e)->feature_ctl = htole16(VMXNET_FEATURE_LPD);
	if (below(4) == 0)
		env_dd(e)->max_frags = htole16(below(40));
	for (i = 0; i < n_tx; i++) {
		struct vmxnet2_tx_ring_entry *t = env_tx(e, i);
		unsigned int el;

		t->sg.length = htole16(below(8));
		for (el = 0; el < 6; el++) {
			t->sg.sg[el].addr_low = htole32((uint32_t)(TXDATA_AREA + below(0x200000)));
			t->sg.sg[el].length = htole16(below(4) ? below(2000) : rnd());
		}
	}
	if (below(8) == 0)
		gp(e, DD_ADDR)[below(176)] ^= 1u << below(8);
}

static void mutate_guest(struct env *e)
{
	uint32_t span = e->length ? e->length : 4096;
	uint8_t *p = gp(e, DD_ADDR + below(span));

	switch (below(4)) {
	case 0:
		if (p >= gp(e, DD_ADDR + 176) || below(16) == 0)
			*p = (uint8_t)rnd();
		break;
	case 1:
		/* An ownership field to a random small value. */
		if (e->n_tx && below(2))
			env_tx(e, below(e->n_tx))->ownership = htole16(below(8));
		else if (e->n_rx)
			env_rx(e, below(e->n_rx))->ownership = htole16(below(8));
		break;
	case 2:
		if (e->n_tx) {
			struct vmxnet2_tx_ring_entry *t = env_tx(e, below(e->n_tx));

			t->flags = htole16(below(64));
			t->tso_mss = htole32(below(3) ? below(9000) : rnd());
			t->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
		}
		break;
	default:
		if (e->n_rx2)
			env_rx2(e, below(e->n_rx2))->ownership = htole16(below(2) ?
				VMXNET2_OWNERSHIP_NIC_FRAG : below(8));
		break;
	}
}

/* Random bytes, sometimes shaped like Ethernet/IPv4/TCP to reach the parsers. */
static size_t random_frame(void)
{
	size_t len = below(3) ? 14 + below(1600) : below(VMXNET2_MAX_FRAME + 40);
	size_t i;

	for (i = 0; i < len; i++)
		pkt[i] = (uint8_t)rnd();
	if (len >= 14 && below(2))
		memcpy(pkt, cur_mac, 6);
	if (len >= 54 && below(2)) {
		pkt[12] = below(2) ? 0x08 : 0x86;
		pkt[13] = pkt[12] == 0x08 ? 0x00 : 0xDD;
		pkt[14] = pkt[12] == 0x08 ? 0x45 : 0x60;
		pkt[23] = NP_IPPROTO_TCP;
		pkt[20] = NP_IPPROTO_TCP;
	}
	return len;
}

/* An Ethernet/IPv4/TCP frame with @payload bytes: TSO and checksum paths. */
static size_t tcp_frame(size_t payload)
{
	size_t len = 54 + payload, i;

	memset(pkt, 0, 54);
	memcpy(pkt, cur_mac, 6);
	pkt[12] = 0x08;
	pkt[14] = 0x45;
	pkt[16] = (len - 14) >> 8, pkt[17] = (len - 14) & 0xFF;
	pkt[22] = 64, pkt[23] = NP_IPPROTO_TCP;
	pkt[46] = 0x50, pkt[47] = (uint8_t)rnd();
	for (i = 54; i < len; i++)
		pkt[i] = (uint8_t)i;
	return len;
}

/*
 * The next segment of one TCP stream (IPv4 or IPv6, checksums right) so LPD
 * has something to merge; now and then a gap, a flag or a changed ack.
 */
static size_t stream_frame(void)
{
	static uint32_t seq = 0xFFFF0000u;
	bool v6 = below(4) == 0;
	size_t l4 = v6 ? 54 : 34, payload = below(8) ? 1448 : below(1500);
	size_t len = l4 + 32 + payload, i;
	uint8_t *ip = pkt + 14, *t = pkt + l4;

	memset(pkt, 0, l4 + 32);
	memcpy(pkt, cur_mac, 6);
	pkt[6] = 0x52;
	if (v6) {
		pkt[12] = 0x86, pkt[13] = 0xDD;
		ip[0] = 0x60, ip[4] = (uint8_t)((len - l4) >> 8), ip[5] = (uint8_t)(len - l4);
		ip[6] = NP_IPPROTO_TCP, ip[7] = 64, ip[8] = 0xFD, ip[39] = 2;
	} else {
		uint16_t c;

		pkt[12] = 0x08;
		ip[0] = 0x45, ip[2] = (uint8_t)((len - 14) >> 8), ip[3] = (uint8_t)(len - 14);
		ip[6] = 0x40, ip[8] = 64, ip[9] = NP_IPPROTO_TCP, ip[12] = 10, ip[19] = 2;
		c = np_fold(np_sum(0, ip, 20));
		ip[10] = c >> 8, ip[11] = c & 0xFF;
	}
	t[0] = 0x14, t[1] = 0x51, t[2] = 0x9C, t[3] = 0x40;
	if (below(30) == 0)
		seq += below(3000);
	t[4] = seq >> 24, t[5] = seq >> 16, t[6] = seq >> 8, t[7] = seq;
	t[11] = below(40) == 0;
	t[12] = 0x80, t[13] = NP_TCP_ACK | (below(10) ? 0 : NP_TCP_PSH);
	if (below(40) == 0)
		t[13] |= 1u << below(8);
	t[14] = 1, t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10;
	for (i = 0; i < payload; i++)
		t[32 + i] = (uint8_t)(seq + i);
	seq += (uint32_t)payload;
	np_fill_csum(pkt, len, true);
	if (below(50) == 0)
		pkt[below((uint32_t)len)] ^= 1;
	return len;
}

static void driver_rearm(struct env *e)
{
	uint32_t i;

	for (i = 0; i < e->n_rx; i++)
		if (env_rx(e, i)->ownership == htole16(VMXNET2_OWNERSHIP_DRIVER))
			env_rx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	for (i = 0; i < e->n_rx2; i++)
		if (env_rx2(e, i)->ownership == htole16(VMXNET2_OWNERSHIP_DRIVER_FRAG))
			env_rx2(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC_FRAG);
}

/* What a well-behaved driver does: re-arm rx entries, post one tx packet. */
static void driver_step(struct env *e)
{
	uint32_t idx, n, entries;
	size_t len, off = 0, per;
	uint64_t at = TXDATA_AREA + below(0x1000);
	bool tso = below(3) == 0;

	driver_rearm(e);
	if (!e->m.attached || !e->n_tx)
		return;
	len = tso ? tcp_frame(below(60000)) : below(2) ? tcp_frame(below(1500)) : random_frame();
	entries = 1 + below(e->n_tx < 4 ? e->n_tx : 4);
	per = len / entries;
	idx = e->m.tx.next;
	for (n = 0; n < entries; n++) {
		struct vmxnet2_tx_ring_entry *t = env_tx(e, idx);
		size_t chunk = n + 1 == entries ? len - off : per;
		unsigned int el, nel = chunk > 6 ? 6 : 1;

		if (le16toh(t->ownership) != VMXNET2_OWNERSHIP_DRIVER)
			return;
		t->flags = htole16((n + 1 < entries ? VMXNET2_TX_MORE : 0) |
				   (n ? 0 : (tso ? VMXNET2_TX_TSO : 0) | VMXNET2_TX_HW_XSUM));
		t->tso_mss = htole32(536 + below(9000));
		t->sg.addr_type = htole16(NET_SG_PHYS_ADDR);
		t->sg.length = htole16(nel);
		for (el = 0; el < nel; el++) {
			size_t c = el + 1 == nel ? chunk - (chunk / nel) * el : chunk / nel;

			if (c > 0xFFFF)
				return;
			memcpy(gp(e, at), pkt + off, c);
			t->sg.sg[el].addr_low = htole32((uint32_t)at);
			t->sg.sg[el].addr_hi = 0;
			t->sg.sg[el].length = htole16((uint16_t)c);
			at += c;
			off += c;
		}
		if (n)
			t->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
		idx = idx + 1 >= e->n_tx ? 0 : idx + 1;
	}
	env_tx(e, e->m.tx.next)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	env_kick(e);
}

static void register_op(struct env *e)
{
	static const unsigned int sizes[] = { 1, 2, 4, 3 };
	uint32_t addr = below(0x44), size = sizes[below(4)];

	switch (below(6)) {
	case 0:
		vmx2_io_read(&e->m, addr, size);
		break;
	case 1:
		vmx2_io_write(&e->m, addr, rnd(), size);
		break;
	case 2:
		env_cmd(e, 1u << below(17));
		vmx2_io_read(&e->m, VMXNET_COMMAND_ADDR, 4);
		break;
	case 3:
		env_kick(e);
		break;
	case 4:
		if (below(8) == 0)
			vmx2_io_write(&e->m, VMXNET_INIT_ADDR, 0, 4);
		else
			env_attach(e);
		break;
	default:
		if (below(4))
			break;
		vmx2_io_write(&e->m, VMXNET_INIT_ADDR,
			      below(2) ? (uint32_t)DD_ADDR : rnd(), 4);
		vmx2_io_write(&e->m, VMXNET_INIT_LENGTH, below(2) ? e->length : rnd(), 4);
		break;
	}
}

static bool invariants(struct env *e)
{
	struct vmx2 *m = &e->m;

	CHECK(e->irq == m->irq_level);
	CHECK(!m->irq_level || (m->attached && m->intr_enabled && m->intr_pending));
	if (m->attached) {
		CHECK(m->rx1.len && m->rx1.next < m->rx1.len);
		CHECK(m->rx2.len && m->rx2.next < m->rx2.len);
		CHECK(m->tx.len && m->tx.next < m->tx.len);
		CHECK(m->init_length == m->dd_len);
		CHECK(m->rx1.base >= m->dd && m->tx.base + (uint64_t)m->tx.len * 64 <= m->dd + m->dd_len);
	} else {
		CHECK(m->init_length == 0);
	}
	CHECK((unsigned int)m->fault < VMX2_FAULT_NUM);
	/* LPD holds only while it may deliver, and never beyond what the rings take. */
	if (vmx2_rx_held(m)) {
		CHECK(m->attached && m->link_up && m->lpd);
		CHECK(m->lro.segs >= 1 && m->lro.len > m->lro.hdr_len);
		CHECK(m->lro.len <= m->lro.cap && m->lro.cap <= VMXNET2_LPD_MAX_FRAME);
		CHECK(m->lro.len - m->lro.pi.l3_off <= 0xFFFF);
	}
	return true;
}

static bool check_sent(struct env *e)
{
	unsigned int i;

	for (i = 0; i < e->nsent; i++)
		CHECK(e->sent[i].len >= NP_ETH_HLEN && e->sent[i].len <= VMXNET2_MAX_FRAME);
	e->nsent = 0;
	return true;
}

static bool t_fuzz(void)
{
	struct env *e = env_new();
	unsigned long i;

	cur_mac = e->m.mac;
	fuzz_layout(e);
	env_attach(e);
	for (i = 0; i < iterations; i++) {
		switch (below(12)) {
		case 10: case 11:
			driver_step(e);
			break;
		case 0: case 1: case 2:
			register_op(e);
			break;
		case 3: case 4:
			mutate_guest(e);
			break;
		case 5:
			vmx2_receive(&e->m, pkt, random_frame());
			break;
		case 6: {
			size_t len;

			if (below(3)) {
				if (below(2))
					driver_rearm(e);
				for (len = 1 + below(8); len; len--)
					vmx2_receive(&e->m, pkt, stream_frame());
				break;
			}
			len = tcp_frame(below(3) ? below(1400) : below(9000));
			np_fill_csum(pkt, len, true);
			vmx2_receive(&e->m, pkt, len);
			break;
		}
		case 7:
			if (below(50) == 0)
				vmx2_set_link(&e->m, below(4) != 0);
			else if (below(20) == 0)
				vmx2_set_fault(&e->m, (enum vmx2_fault)below(VMX2_FAULT_NUM + 1));
			else
				vmx2_can_receive(&e->m);
			break;
		case 8:
			if (below(200) == 0) {
				fuzz_layout(e);
				vmx2_reset(&e->m);
			} else if (below(100) == 0) {
				/* Switch between a kick that transmits and a deferred one. */
				e->m.ops = e->m.ops == &env_ops ? &env_ops_deferred : &env_ops;
			} else if (e->m.ops == &env_ops_deferred && below(2)) {
				/* The host's transmit context runs, kicked or not. */
				vmx2_tx_run(&e->m);
			} else {
				env_kick(e);
			}
			break;
		default:
			if (below(2)) {
				/* The glue's end-of-burst flush. */
				vmx2_rx_flush(&e->m);
				CHECK(!vmx2_rx_held(&e->m));
				break;
			}
			env_cmd(e, below(2) ? VMXNET_CMD_INTR_ACK : VMXNET_CMD_INTR_ENABLE);
			break;
		}
		e->nwrites = 0;
		e->nreads = 0;
		attached_steps += e->m.attached;
		linkdown_steps += !e->m.link_up;
		if (!invariants(e) || !check_sent(e)) {
			printf("# after step %lu\n", i);
			env_free(e);
			return false;
		}
	}
	printf("# %lu steps: %llu attaches, %llu refused, %llu tx frames, %llu rx frames, "
	       "%llu tx errors, %llu faults\n", iterations,
	       (unsigned long long)e->m.st.resets, (unsigned long long)e->m.st.init_refused,
	       (unsigned long long)e->m.st.tx_packets, (unsigned long long)e->m.st.rx_packets,
	       (unsigned long long)e->m.st.tx_errors, (unsigned long long)e->m.st.faults_injected);
	printf("# attached %lu steps, link down %lu steps\n", attached_steps, linkdown_steps);
	printf("# rx: %llu busy, %llu filtered, %llu dropped, %llu jumbo, %llu csum ok\n", (unsigned long long)e->m.st.rx_busy, (unsigned long long)e->m.st.rx_filtered, (unsigned long long)e->m.st.rx_dropped, (unsigned long long)e->m.st.rx_jumbo, (unsigned long long)e->m.st.rx_csum_ok);
	printf("# lpd: %llu aggregates of %llu segments, %llu singles, %llu burst flushes\n",
	       (unsigned long long)e->m.st.rx_lro_aggregates,
	       (unsigned long long)e->m.st.rx_lro_segments,
	       (unsigned long long)e->m.st.rx_lro_singles,
	       (unsigned long long)e->m.st.rx_lro_flushes);
	CHECK(e->m.st.resets > 0 && e->m.st.rx_packets > 0 && e->m.st.tx_packets > 0);
	CHECK(e->m.st.rx_lro_aggregates > 0 && e->m.st.rx_lro_singles > 0);
	env_free(e);
	return true;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		iterations = strtoul(argv[1], NULL, 0);
	rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x9E3779B97F4A7C15ull;
	if (!rng_state)
		rng_state = 1;
	printf("KTAP version 1\n1..1\n");
	ktap_run("fuzz_vmxnet2", t_fuzz);
	return ktap_failures ? 1 : 0;
}
