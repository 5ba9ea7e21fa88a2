// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Enhanced vmxnet (vmxnet2) host model: registers, driver-data attach, rx
 * ring 1 and the large-buffer ring 2, the tx ring with scatter-gather and
 * offloads, the LADRF filter, interrupts and hostile-device faults. Every
 * value the guest supplies is validated; the geometry is latched at INIT.
 */
#include <endian.h>
#include <string.h>

#include "netpkt.h"
#include "vmxnet2.h"

#define RX_ENTRY_SIZE	sizeof(struct vmxnet2_rx_ring_entry)
#define TX_ENTRY_SIZE	sizeof(struct vmxnet2_tx_ring_entry)
#define DD_SIZE		sizeof(struct vmxnet2_driver_data)
#define DD_OFF(field)	__builtin_offsetof(struct vmxnet2_driver_data, field)
#define RX_OFF(field)	__builtin_offsetof(struct vmxnet2_rx_ring_entry, field)
#define TX_OFF(field)	__builtin_offsetof(struct vmxnet2_tx_ring_entry, field)
/* A driver-data block larger than this is refused (the largest legal is 94384). */
#define DD_MAX_LENGTH	(1u << 20)
#define RING_ALIGN	8u

static const char *const fault_names[VMX2_FAULT_NUM] = {
	[VMX2_FAULT_NONE] = "none",
	[VMX2_FAULT_RX_BAD_INDEX] = "rx-bad-index",
	[VMX2_FAULT_TX_BAD_INDEX] = "tx-bad-index",
	[VMX2_FAULT_RX_BAD_LENGTH] = "rx-bad-length",
	[VMX2_FAULT_BAD_OWNER] = "bad-owner",
	[VMX2_FAULT_TX_STUCK] = "tx-stuck",
	[VMX2_FAULT_RX_FRAG_NO_EOP] = "rx-frag-no-eop",
	[VMX2_FAULT_INIT_REFUSE_ONCE] = "init-refuse-once",
	[VMX2_FAULT_LRO_BAD_LENGTH] = "lro-bad-length",
};

const char *vmx2_fault_name(enum vmx2_fault fault)
{
	return (unsigned int)fault < VMX2_FAULT_NUM ? fault_names[fault] : "?";
}

int vmx2_fault_parse(const char *name)
{
	int i;

	for (i = 0; i < VMX2_FAULT_NUM; i++)
		if (!strcmp(name, fault_names[i]))
			return i;
	return -1;
}

void vmx2_set_fault(struct vmx2 *m, enum vmx2_fault fault)
{
	if ((unsigned int)fault >= VMX2_FAULT_NUM)
		return;
	m->fault = fault;
	m->fault_seq = 0;
}

/* True on every other call while @fault is set (the first call included). */
static bool fault_hits(struct vmx2 *m, enum vmx2_fault fault)
{
	if (m->fault != fault)
		return false;
	if (m->fault_seq++ & 1)
		return false;
	m->st.faults_injected++;
	return true;
}

static bool fault_always(struct vmx2 *m, enum vmx2_fault fault)
{
	if (m->fault != fault)
		return false;
	m->fault_seq++;
	m->st.faults_injected++;
	return true;
}

static bool guest_read(struct vmx2 *m, uint64_t gpa, void *buf, size_t len)
{
	if (gpa + len < gpa)
		return false;
	return m->ops->read_guest(m->opaque, gpa, buf, len);
}

/*
 * One ring entry: its ownership first, then (after an acquire fence) the
 * rest. The guest may be filling the ring on a vCPU while we run, and it
 * publishes ownership last, so fields read after the ownership are at
 * least as new as it; the entry is judged by the ownership read first.
 */
static bool read_entry(struct vmx2 *m, uint64_t gpa, void *entry, size_t size,
		       size_t owner_off)
{
	__le16 owner;

	if (!guest_read(m, gpa + owner_off, &owner, sizeof(owner)))
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!guest_read(m, gpa, entry, size))
		return false;
	memcpy((uint8_t *)entry + owner_off, &owner, sizeof(owner));
	return true;
}

static bool read_rx_entry(struct vmx2 *m, uint64_t gpa, struct vmxnet2_rx_ring_entry *e)
{
	return read_entry(m, gpa, e, sizeof(*e), RX_OFF(ownership));
}

static bool read_tx_entry(struct vmx2 *m, uint64_t gpa, struct vmxnet2_tx_ring_entry *e)
{
	return read_entry(m, gpa, e, sizeof(*e), TX_OFF(ownership));
}

static bool guest_write(struct vmx2 *m, uint64_t gpa, const void *buf, size_t len)
{
	if (gpa + len < gpa)
		return false;
	return m->ops->write_guest(m->opaque, gpa, buf, len);
}

static void guest_write_le16(struct vmx2 *m, uint64_t gpa, uint16_t v)
{
	__le16 le = htole16(v);

	guest_write(m, gpa, &le, sizeof(le));
}

static void guest_write_le32(struct vmx2 *m, uint64_t gpa, uint32_t v)
{
	__le32 le = htole32(v);

	guest_write(m, gpa, &le, sizeof(le));
}

/* The guest sees every other field of an entry before its new ownership. */
static void publish_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint32_t ring_inc(const struct vmx2_ring *r, uint32_t i)
{
	return i + 1 >= r->len ? 0 : i + 1;
}

static uint64_t ring_entry(const struct vmx2_ring *r, uint32_t i, size_t size)
{
	return r->base + (uint64_t)i * size;
}

/* ---- interrupts ---- */

static void update_irq(struct vmx2 *m)
{
	bool level = m->attached && m->intr_enabled && m->intr_pending;

	if (level == m->irq_level)
		return;
	m->irq_level = level;
	if (level)
		m->st.interrupts++;
	m->ops->set_irq(m->opaque, level);
}

static void raise_work(struct vmx2 *m)
{
	m->intr_pending = true;
	update_irq(m);
}

/* ---- attach / detach ---- */

static void save_indices(struct vmx2 *m)
{
	guest_write_le32(m, m->dd + DD_OFF(saved_rx_nic_next), m->rx1.next);
	guest_write_le32(m, m->dd + DD_OFF(saved_rx_nic_next2), m->rx2.next);
	guest_write_le32(m, m->dd + DD_OFF(saved_tx_nic_next), m->tx.next);
}

static void lro_flush(struct vmx2 *m);
static void lro_drop(struct vmx2 *m);

/*
 * @save: the guest detached (its buffers are still mapped): what LPD holds is
 * delivered first. Otherwise (a new INIT over the old block) it is dropped.
 */
static void detach(struct vmx2 *m, bool save)
{
	if (!m->attached)
		return;
	if (save) {
		lro_flush(m);
		save_indices(m);
	} else {
		lro_drop(m);
	}
	m->attached = false;
	m->init_length = 0;
	m->tx_pinned = false;
	m->intr_pending = false;
	m->st.detaches++;
	update_irq(m);
}

/* Every byte of [gpa, gpa + len) is guest RAM. */
static bool guest_range_ok(struct vmx2 *m, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	for (off = 0; off < len; off += sizeof(m->segbuf)) {
		uint64_t chunk = len - off < sizeof(m->segbuf) ? len - off : sizeof(m->segbuf);

		if (!guest_read(m, gpa + off, m->segbuf, chunk))
			return false;
	}
	return true;
}

static bool ring_geometry_ok(uint32_t offset, uint32_t count, uint32_t max, size_t entry,
			     uint32_t length)
{
	if (!count || count > max || offset % RING_ALIGN || offset < DD_SIZE)
		return false;
	return (uint64_t)offset + (uint64_t)count * entry <= length;
}

static bool dd_valid(struct vmx2 *m, const struct vmxnet2_driver_data *dd, uint32_t written)
{
	uint32_t length = le32toh(dd->length);

	if (le32toh(dd->magic) != VMXNET2_MAGIC || length != written)
		return false;
	if (length < DD_SIZE || length > DD_MAX_LENGTH)
		return false;
	if ((uint64_t)m->init_addr + length > (1ull << 32))
		return false;
	if (!ring_geometry_ok(le32toh(dd->rx_ring_offset), le32toh(dd->rx_ring_length),
			      VMXNET2_MAX_NUM_RX_BUFFERS_ENHANCED, RX_ENTRY_SIZE, length) ||
	    !ring_geometry_ok(le32toh(dd->rx_ring_offset2), le32toh(dd->rx_ring_length2),
			      VMXNET2_MAX_NUM_RX_BUFFERS2, RX_ENTRY_SIZE, length) ||
	    !ring_geometry_ok(le32toh(dd->tx_ring_offset), le32toh(dd->tx_ring_length),
			      VMXNET2_MAX_NUM_TX_BUFFERS_TSO, TX_ENTRY_SIZE, length))
		return false;
	return guest_range_ok(m, m->init_addr, length);
}

static void latch_ring(struct vmx2_ring *r, uint64_t dd, uint32_t offset, uint32_t len)
{
	r->base = dd + offset;
	r->len = len;
	r->next = 0;
}

static void attach(struct vmx2 *m, uint32_t written)
{
	struct vmxnet2_driver_data dd;

	detach(m, false);
	/* init-refuse-once: a host out of resources; the retry goes through. */
	if (m->init_addr && fault_always(m, VMX2_FAULT_INIT_REFUSE_ONCE)) {
		vmx2_set_fault(m, VMX2_FAULT_NONE);
		m->st.init_refused++;
		return;
	}
	if (!m->init_addr || !guest_read(m, m->init_addr, &dd, sizeof(dd)) ||
	    !dd_valid(m, &dd, written)) {
		m->st.init_refused++;
		return;
	}
	m->dd = m->init_addr;
	m->dd_len = written;
	latch_ring(&m->rx1, m->dd, le32toh(dd.rx_ring_offset), le32toh(dd.rx_ring_length));
	latch_ring(&m->rx2, m->dd, le32toh(dd.rx_ring_offset2), le32toh(dd.rx_ring_length2));
	latch_ring(&m->tx, m->dd, le32toh(dd.tx_ring_offset), le32toh(dd.tx_ring_length));
	m->max_frags = le16toh(dd.max_frags);
	m->lpd = (le16toh(dd.feature_ctl) & VMXNET_FEATURE_LPD) &&
		 (m->features & VMXNET_FEATURE_LPD) && (m->caps & VMNET_CAP_LPD);
	m->ifflags = le32toh(dd.ifflags);
	m->ladrf[0] = le32toh(dd.ladrf[0]);
	m->ladrf[1] = le32toh(dd.ladrf[1]);
	m->attached = true;
	m->init_length = written;
	m->intr_enabled = true;
	m->intr_pending = false;
	m->st.resets++;
}

/* ---- receive ---- */

static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, VMXNET_MAC_LEN);
}

bool vmx2_rx_accept(const struct vmx2 *m, const uint8_t *dst)
{
	static const uint8_t bcast[VMXNET_MAC_LEN] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	unsigned int idx;

	if (m->ifflags & VMXNET_IFF_PROMISC)
		return true;
	if (mac_equal(dst, bcast))
		return m->ifflags & VMXNET_IFF_BROADCAST;
	if (!(dst[0] & 1))
		return mac_equal(dst, m->mac);
	if (!(m->ifflags & VMXNET_IFF_MULTICAST))
		return false;
	idx = vmxnet_ladrf_index(dst);
	return m->ladrf[idx >> 5] & (1u << (idx & 31));
}

bool vmx2_can_receive(struct vmx2 *m)
{
	__le16 owner;

	if (!m->attached || !m->link_up)
		return true;
	/* Only the ownership counts here; vmx2_receive() reads the entry. */
	if (!guest_read(m, ring_entry(&m->rx1, m->rx1.next, RX_ENTRY_SIZE) + RX_OFF(ownership),
			&owner, sizeof(owner)))
		return true;
	return le16toh(owner) == VMXNET2_OWNERSHIP_NIC;
}

/* Length, flags and then (after a barrier) ownership of one rx entry. */
static void rx_complete(struct vmx2 *m, uint64_t at, uint32_t actual, uint16_t flags,
			uint16_t owner)
{
	guest_write_le32(m, at + RX_OFF(actual_length), actual);
	guest_write_le16(m, at + RX_OFF(flags), flags);
	publish_barrier();
	guest_write_le16(m, at + RX_OFF(ownership), owner);
}

/* rx-bad-length: just past the buffer, 0, then absurdly large. */
static uint32_t rx_fault_length(struct vmx2 *m, uint32_t actual, uint32_t buffer)
{
	if (!fault_always(m, VMX2_FAULT_RX_BAD_LENGTH))
		return actual;
	switch (m->fault_seq % 3) {
	case 1:	 return buffer + 1;
	case 2:	 return 0;
	default: return 0x7FFFFFF0u;
	}
}

/* bad-owner: the entry is handed back with a value the driver must not accept. */
static uint16_t fault_owner(struct vmx2 *m, uint16_t owner)
{
	static const uint16_t wrong[] = {
		VMXNET2_OWNERSHIP_DRIVER_FRAG, VMXNET2_OWNERSHIP_NIC_PENDING, 7,
		VMXNET2_OWNERSHIP_DRIVER_PENDING,
	};

	if (!fault_hits(m, VMX2_FAULT_BAD_OWNER))
		return owner;
	return wrong[(m->fault_seq / 2) % (sizeof(wrong) / sizeof(wrong[0]))];
}

static void rx_fault_index(struct vmx2 *m, uint64_t entry)
{
	if (!fault_always(m, VMX2_FAULT_RX_BAD_INDEX))
		return;
	guest_write_le32(m, m->dd + DD_OFF(rx_driver_next), m->rx1.len + (m->fault_seq & 7));
	guest_write_le32(m, m->dd + DD_OFF(rx_driver_next2), 0xFFFFFFFFu);
	guest_write_le32(m, m->dd + DD_OFF(saved_rx_nic_next), m->rx1.len);
	guest_write_le32(m, m->dd + DD_OFF(saved_rx_nic_next2), m->rx2.len + 1);
	guest_write_le32(m, entry + RX_OFF(index), 0xFFFFFFFFu);
}

struct rx_frag {
	uint64_t at;			/* the ring-2 entry */
	uint64_t paddr;
	uint32_t len;
};

/*
 * Reserve ring-2 entries for @rest bytes. Only NIC_FRAG entries with a
 * buffer count; at most max_frags of them and never the whole ring twice.
 */
static unsigned int rx_reserve_frags(struct vmx2 *m, size_t rest, struct rx_frag *frags,
				     unsigned int max)
{
	uint32_t idx = m->rx2.next;
	unsigned int n = 0;

	while (rest && n < max) {
		struct vmxnet2_rx_ring_entry e;
		uint32_t blen;

		frags[n].at = ring_entry(&m->rx2, idx, RX_ENTRY_SIZE);
		if (!read_rx_entry(m, frags[n].at, &e) ||
		    le16toh(e.ownership) != VMXNET2_OWNERSHIP_NIC_FRAG)
			return 0;
		blen = le32toh(e.buffer_length);
		if (!blen)
			return 0;
		frags[n].paddr = le64toh(e.paddr);
		frags[n].len = rest < blen ? (uint32_t)rest : blen;
		rest -= frags[n].len;
		n++;
		idx = ring_inc(&m->rx2, idx);
	}
	return rest ? 0 : n;
}

/* Ring-2 parts first, each fully written, so ring 1's ownership comes last. */
static bool rx_write_frags(struct vmx2 *m, const uint8_t *frame, size_t off,
			   const struct rx_frag *frags, unsigned int n)
{
	/* rx-frag-no-eop: the chain runs on into entries the host never filled. */
	bool eop = !fault_hits(m, VMX2_FAULT_RX_FRAG_NO_EOP);
	bool ok = true;
	unsigned int i;

	for (i = 0; i < n; i++) {
		bool last = i + 1 == n && eop;

		if (!guest_write(m, frags[i].paddr, frame + off, frags[i].len))
			ok = false;
		off += frags[i].len;
		rx_complete(m, frags[i].at, frags[i].len, last ? VMXNET2_RX_FRAG_EOP : 0,
			    VMXNET2_OWNERSHIP_DRIVER_FRAG);
		m->rx2.next = ring_inc(&m->rx2, m->rx2.next);
	}
	return ok;
}

#define RX_MAX_FRAGS	(VMXNET2_MAX_NUM_RX_BUFFERS2 < 64 ? VMXNET2_MAX_NUM_RX_BUFFERS2 : 64)

/* Ring-2 entries one packet may use now: max_frags, bounded by the ring. */
static unsigned int rx_frag_limit(const struct vmx2 *m)
{
	unsigned int max = m->max_frags;

	if (max > m->rx2.len)
		max = m->rx2.len;
	return max < RX_MAX_FRAGS ? max : RX_MAX_FRAGS;
}

static bool rx_deliver(struct vmx2 *m, const uint8_t *frame, size_t len,
		       const struct vmxnet2_rx_ring_entry *e, uint64_t at, bool csum_ok)
{
	struct rx_frag frags[RX_MAX_FRAGS];
	uint32_t blen = le32toh(e->buffer_length);
	unsigned int nfrags = 0, max;
	uint16_t flags = csum_ok ? VMXNET2_RX_HW_XSUM_OK : 0;
	size_t head = len;
	bool ok;

	if (!blen) {
		/* Nothing fits in a zero-length buffer: hand it back as an error. */
		m->st.rx_errors++;
		rx_complete(m, at, 0, 0, VMXNET2_OWNERSHIP_DRIVER);
		return true;
	}
	if (len > blen) {
		max = rx_frag_limit(m);
		head = blen;
		nfrags = rx_reserve_frags(m, len - head, frags, max);
		if (!nfrags) {
			m->st.rx_dropped++;
			return false;
		}
		flags |= VMXNET2_RX_WITH_FRAG;
	}
	ok = guest_write(m, le64toh(e->paddr), frame, head);
	ok &= rx_write_frags(m, frame, head, frags, nfrags);
	if (!ok) {
		/* The error form of docs/protocol/vmxnet.md A7.6: a DRIVER entry of length 0. */
		m->st.rx_errors++;
		head = 0;
		flags &= ~VMXNET2_RX_HW_XSUM_OK;
	} else {
		m->st.rx_packets++;
		m->st.rx_bytes += len;
		m->st.rx_jumbo += nfrags != 0;
		m->st.rx_csum_ok += (flags & VMXNET2_RX_HW_XSUM_OK) != 0;
	}
	rx_fault_index(m, at);
	rx_complete(m, at, rx_fault_length(m, (uint32_t)head, blen), flags,
		    fault_owner(m, VMXNET2_OWNERSHIP_DRIVER));
	return true;
}

/* ---- LPD: in-order TCP segments of one flow as one packet (docs/protocol/vmxnet.md A6.6) ---- */

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * A segment LPD may hold or append: unfragmented TCP over IPv4 without
 * options or IPv6 without extension headers, only ACK (and PSH), a payload,
 * and correct checksums (the aggregate's are recomputed, so a bad one must
 * not be hidden inside it).
 */
static bool lro_candidate(const uint8_t *f, size_t len, struct np_info *pi)
{
	const uint8_t *tcp;

	if (!np_parse(f, len, true, pi) || pi->fragment || pi->l4_proto != NP_IPPROTO_TCP)
		return false;
	/* The IPv4 header checksum too: the aggregate gets a fresh one. */
	if (!pi->ipv6 && (pi->l4_off - pi->l3_off != 20 ||
			  np_fold(np_sum(0, f + pi->l3_off, 20)) != 0))
		return false;
	tcp = f + pi->l4_off;
	/* Reserved bits / AE, then everything but ACK and PSH (SYN, FIN, RST, URG, ECE, CWR). */
	if ((tcp[12] & 0x0F) || (tcp[13] & ~NP_TCP_PSH) != NP_TCP_ACK)
		return false;
	if (pi->l3_end <= pi->l4_off + pi->l4_hdr_len)
		return false;
	return np_csum_ok(f, len);
}

/* Bytes one rx packet can take now: the ring-1 buffer plus the NIC_FRAG run of ring 2. */
static size_t lro_capacity(struct vmx2 *m, const struct vmxnet2_rx_ring_entry *e)
{
	size_t cap = le32toh(e->buffer_length);
	unsigned int n, max = rx_frag_limit(m);
	uint32_t idx = m->rx2.next;

	for (n = 0; n < max && cap < VMXNET2_LPD_MAX_FRAME; n++) {
		struct vmxnet2_rx_ring_entry f;

		if (!read_rx_entry(m, ring_entry(&m->rx2, idx, RX_ENTRY_SIZE), &f) ||
		    le16toh(f.ownership) != VMXNET2_OWNERSHIP_NIC_FRAG)
			break;
		cap += le32toh(f.buffer_length);
		idx = ring_inc(&m->rx2, idx);
	}
	return cap < VMXNET2_LPD_MAX_FRAME ? cap : VMXNET2_LPD_MAX_FRAME;
}

/*
 * Everything but the sequence number, the lengths, the IPv4 id, the
 * checksums and PSH must be what the held packet has: Ethernet/VLAN, IP
 * addresses, TOS/TTL/flow label, ports, ack, window and the option bytes
 * (timestamps included, as Linux GRO requires).
 */
static bool lro_same_flow(const struct vmx2 *m, const uint8_t *f, const struct np_info *pi)
{
	const struct np_info *h = &m->lro.pi;
	const uint8_t *ip = f + pi->l3_off, *hip = m->lrobuf + h->l3_off;
	const uint8_t *t = f + pi->l4_off, *ht = m->lrobuf + h->l4_off;

	if (pi->l3_off != h->l3_off || pi->l4_off != h->l4_off ||
	    pi->l4_hdr_len != h->l4_hdr_len || pi->ipv6 != h->ipv6)
		return false;
	if (memcmp(f, m->lrobuf, pi->l3_off))
		return false;
	if (pi->ipv6 ? memcmp(ip, hip, 4) || memcmp(ip + 6, hip + 6, 34) :
		       memcmp(ip, hip, 2) || memcmp(ip + 6, hip + 6, 4) ||
		       memcmp(ip + 12, hip + 12, 8))
		return false;
	if (memcmp(t, ht, 4) || memcmp(t + 8, ht + 8, 5) || ((t[13] ^ ht[13]) & ~NP_TCP_PSH) ||
	    memcmp(t + 14, ht + 14, 2) || memcmp(t + 18, ht + 18, pi->l4_hdr_len - 18))
		return false;
	return get_be32(t + 4) == m->lro.next_seq;
}

static void lro_drop(struct vmx2 *m)
{
	if (!m->lro.len)
		return;
	m->st.rx_dropped += m->lro.segs;
	m->lro.len = 0;
}

/* Deliver what is held through ring 1 (+ ring 2), whose space lro_capacity() saw. */
static void lro_flush(struct vmx2 *m)
{
	struct vmxnet2_rx_ring_entry e;
	size_t len = m->lro.len;
	uint64_t at;

	if (!len)
		return;
	m->lro.len = 0;
	if (m->lro.segs > 1) {
		np_tcp_finish(m->lrobuf, len, &m->lro.pi);
		/* A hostile host: headers that disagree with the frame they describe. */
		if (fault_hits(m, VMX2_FAULT_LRO_BAD_LENGTH))
			np_set_ip_len(m->lrobuf, &m->lro.pi, len - m->lro.pi.l3_off - 100);
	}
	if (len < VMXNET2_MIN_FRAME_LEN) {
		memset(m->lrobuf + len, 0, VMXNET2_MIN_FRAME_LEN - len);
		len = VMXNET2_MIN_FRAME_LEN;
	}
	at = ring_entry(&m->rx1, m->rx1.next, RX_ENTRY_SIZE);
	/* Only a guest that took a NIC entry back makes this fail. */
	if (!m->attached || !read_rx_entry(m, at, &e) ||
	    le16toh(e.ownership) != VMXNET2_OWNERSHIP_NIC) {
		m->st.rx_dropped += m->lro.segs;
		return;
	}
	if (!rx_deliver(m, m->lrobuf, len, &e, at, true))
		return;
	if (m->lro.segs > 1) {
		m->st.rx_lro_aggregates++;
		m->st.rx_lro_segments += m->lro.segs;
	} else {
		m->st.rx_lro_singles++;
	}
	m->rx1.next = ring_inc(&m->rx1, m->rx1.next);
	raise_work(m);
}

/* Hold @f as the start of a packet if ring 1 (entry @e) and ring 2 can take it. */
static bool lro_start(struct vmx2 *m, const uint8_t *f, const struct np_info *pi,
		      const struct vmxnet2_rx_ring_entry *e)
{
	struct vmx2_lro *l = &m->lro;
	size_t len = pi->l3_end;

	/* Nothing can follow a PSH segment: no reason to wait. */
	if (f[pi->l4_off + 13] & NP_TCP_PSH)
		return false;
	l->cap = lro_capacity(m, e);
	l->hdr_len = pi->l4_off + pi->l4_hdr_len;
	l->mss = len - l->hdr_len;
	if (len + l->mss > l->cap)
		return false;
	memcpy(m->lrobuf, f, len);
	l->pi = *pi;
	l->segs = 1;
	l->next_seq = get_be32(f + pi->l4_off + 4) + (uint32_t)l->mss;
	l->len = len;
	return true;
}

/*
 * Append @f if it continues the held packet. As GRO does, a segment larger
 * than the first does not fit, and one that is shorter, or carries PSH, ends
 * the packet; so does a packet that could not take another full segment.
 */
static bool lro_append(struct vmx2 *m, const uint8_t *f, const struct np_info *pi)
{
	struct vmx2_lro *l = &m->lro;
	size_t payload = pi->l3_end - l->hdr_len;
	uint8_t flags;

	if (pi->l3_end <= l->hdr_len || payload > l->mss || l->len + payload > l->cap ||
	    l->len + payload - l->pi.l3_off > 0xFFFF || !lro_same_flow(m, f, pi))
		return false;
	memcpy(m->lrobuf + l->len, f + l->hdr_len, payload);
	l->len += payload;
	l->next_seq += (uint32_t)payload;
	l->segs++;
	flags = f[pi->l4_off + 13] & NP_TCP_PSH;
	m->lrobuf[l->pi.l4_off + 13] |= flags;
	if (flags || payload < l->mss || l->len + l->mss > l->cap ||
	    l->len + l->mss - l->pi.l3_off > 0xFFFF)
		lro_flush(m);
	return true;
}

bool vmx2_rx_held(const struct vmx2 *m)
{
	return m->lro.len != 0;
}

void vmx2_rx_flush(struct vmx2 *m)
{
	if (!m->lro.len)
		return;
	m->st.rx_lro_flushes++;
	lro_flush(m);
}

enum vmx2_rx_result vmx2_receive(struct vmx2 *m, const uint8_t *frame, size_t len)
{
	struct vmxnet2_rx_ring_entry e;
	struct np_info pi;
	bool lro = false;
	uint64_t at;

	if (!m->attached || !m->link_up || len > VMXNET2_MAX_FRAME || len < NP_ETH_HLEN) {
		m->st.rx_dropped++;
		return VMX2_RX_CONSUMED;
	}
	if (!vmx2_rx_accept(m, frame)) {
		m->st.rx_filtered++;
		return VMX2_RX_CONSUMED;
	}
	if (m->lpd)
		lro = lro_candidate(frame, len, &pi);
	if (m->lro.len) {
		if (lro && lro_append(m, frame, &pi))
			return VMX2_RX_CONSUMED;
		lro_flush(m);
	}
	at = ring_entry(&m->rx1, m->rx1.next, RX_ENTRY_SIZE);
	if (!read_rx_entry(m, at, &e)) {
		m->st.rx_dropped++;
		return VMX2_RX_CONSUMED;
	}
	if (le16toh(e.ownership) != VMXNET2_OWNERSHIP_NIC) {
		m->st.rx_busy++;
		return VMX2_RX_BUSY;
	}
	/* The ring-1 entry stays NIC (only we hand it back) while the packet is held. */
	if (lro && lro_start(m, frame, &pi, &e))
		return VMX2_RX_CONSUMED;
	if (len < VMXNET2_MIN_FRAME_LEN) {
		memset(m->rxpad, 0, sizeof(m->rxpad));
		memcpy(m->rxpad, frame, len);
		frame = m->rxpad;
		len = VMXNET2_MIN_FRAME_LEN;
	}
	/* A candidate's checksums were verified already (lro_candidate). */
	if (rx_deliver(m, frame, len, &e, at, lro || np_csum_ok(frame, len))) {
		m->rx1.next = ring_inc(&m->rx1, m->rx1.next);
		raise_work(m);
	}
	return VMX2_RX_CONSUMED;
}

/* ---- transmit ---- */

static void tx_emit(void *opaque, const uint8_t *frame, size_t len)
{
	struct vmx2 *m = opaque;

	m->st.tx_packets++;
	m->st.tx_bytes += len;
	m->ops->send(m->opaque, frame, len);
}

/* Sends one packet; returns how many frames went on the wire. */
static uint32_t tx_offload_and_send(struct vmx2 *m, uint16_t flags, uint32_t mss, size_t len)
{
	int segs;

	if (!m->link_up) {
		m->st.tx_dropped++;
		return 0;
	}
	if (flags & VMXNET2_TX_TSO) {
		segs = np_tso(m->txbuf, len, mss, m->caps & VMNET_CAP_TSO6, m->segbuf,
			      sizeof(m->segbuf), tx_emit, m);
		if (segs < 0) {
			m->st.tx_dropped++;
			return 0;
		}
		m->st.tx_tso_packets++;
		m->st.tx_tso_segments += segs;
		return (uint32_t)segs;
	}
	if (flags & VMXNET2_TX_HW_XSUM) {
		if (np_fill_csum(m->txbuf, len, m->caps & VMNET_CAP_IP6_CSUM))
			m->st.tx_csum++;
		else
			m->st.tx_csum_skipped++;
	}
	tx_emit(m, m->txbuf, len);
	return 1;
}

struct tx_packet {
	uint32_t entries;		/* ring entries the packet occupies */
	uint16_t flags;			/* of the first entry */
	uint32_t mss;
	size_t len;
	bool ok;
};

/* Copy the elements of one entry behind what was gathered so far. */
static void tx_gather_entry(struct vmx2 *m, const struct vmxnet2_tx_ring_entry *e,
			    struct tx_packet *p, size_t cap)
{
	unsigned int i, n = le16toh(e->sg.length);

	if (le16toh(e->sg.addr_type) != NET_SG_PHYS_ADDR || n > VMXNET2_SG_DEFAULT_LENGTH) {
		p->ok = false;
		return;
	}
	for (i = 0; i < n && p->ok; i++) {
		const struct vmxnet2_sg_elem *el = &e->sg.sg[i];
		uint64_t addr = (uint64_t)le16toh(el->addr_hi) << 32 | le32toh(el->addr_low);
		size_t len = le16toh(el->length);

		if (!len)
			continue;
		if (p->len + len > cap || !guest_read(m, addr, m->txbuf + p->len, len)) {
			p->ok = false;
			return;
		}
		p->len += len;
	}
}

/*
 * Collect the packet starting at tx.next (which is NIC): its entries up to
 * one without TX_MORE, a non-NIC continuation (malformed, not included) or
 * the whole ring (malformed).
 */
static void tx_collect(struct vmx2 *m, const struct vmxnet2_tx_ring_entry *first,
		       struct tx_packet *p)
{
	struct vmxnet2_tx_ring_entry e = *first;
	uint32_t idx = m->tx.next;
	size_t cap;

	memset(p, 0, sizeof(*p));
	p->ok = true;
	p->flags = le16toh(first->flags);
	p->mss = le32toh(first->tso_mss);
	cap = p->flags & VMXNET2_TX_TSO ? VMXNET2_MAX_TSO_FRAME : VMXNET2_MAX_FRAME;
	for (;;) {
		p->entries++;
		tx_gather_entry(m, &e, p, cap);
		if (!(le16toh(e.flags) & VMXNET2_TX_MORE))
			break;
		if (p->entries >= m->tx.len) {
			p->ok = false;
			break;
		}
		idx = ring_inc(&m->tx, idx);
		if (!read_tx_entry(m, ring_entry(&m->tx, idx, TX_ENTRY_SIZE), &e) ||
		    le16toh(e.ownership) != VMXNET2_OWNERSHIP_NIC) {
			p->ok = false;
			break;
		}
	}
	if (p->len < NP_ETH_HLEN)
		p->ok = false;
}

static void tx_fault_index(struct vmx2 *m)
{
	if (!fault_always(m, VMX2_FAULT_TX_BAD_INDEX))
		return;
	guest_write_le32(m, m->dd + DD_OFF(tx_driver_cur), m->tx.len + (m->fault_seq & 7));
	guest_write_le32(m, m->dd + DD_OFF(tx_driver_next), 0xFFFFFFFFu);
	guest_write_le32(m, m->dd + DD_OFF(saved_tx_nic_next), m->tx.len);
}

/* Hand the packet's entries back in ring order. */
static void tx_complete(struct vmx2 *m, uint32_t entries)
{
	uint16_t owner = fault_owner(m, VMXNET2_OWNERSHIP_DRIVER);
	uint32_t i;

	publish_barrier();
	for (i = 0; i < entries; i++) {
		guest_write_le16(m, ring_entry(&m->tx, m->tx.next, TX_ENTRY_SIZE) +
				 TX_OFF(ownership), owner);
		m->tx.next = ring_inc(&m->tx, m->tx.next);
	}
	tx_fault_index(m);
}

static bool driver_tx_stopped(struct vmx2 *m)
{
	__le32 v = 0;

	return guest_read(m, m->dd + DD_OFF(tx_stopped), &v, sizeof(v)) && v;
}

void vmx2_tx_run(struct vmx2 *m)
{
	uint64_t budget = VMX2_TX_RUN_FRAMES(m->tx.len), cost;
	uint32_t entries = m->tx.len, completed = 0, frames;
	bool ring_low = false;
	struct vmxnet2_tx_ring_entry first;

	if (!m->attached || fault_always(m, VMX2_FAULT_TX_STUCK))
		return;
	/*
	 * A guest refilling behind us on another vCPU must not keep us here
	 * forever (at most a ring's worth of entries), nor a tiny MSS make one
	 * run send a flood (at most the frame budget, see VMX2_TX_RUN_FRAMES).
	 */
	while (entries && budget) {
		struct tx_packet p;

		if (!read_tx_entry(m, ring_entry(&m->tx, m->tx.next, TX_ENTRY_SIZE), &first) ||
		    le16toh(first.ownership) != VMXNET2_OWNERSHIP_NIC)
			break;
		tx_collect(m, &first, &p);
		m->st.tx_guest_packets++;
		frames = 0;
		if (p.ok)
			frames = tx_offload_and_send(m, p.flags, p.mss, p.len);
		else
			m->st.tx_errors++;
		ring_low |= p.flags & VMXNET2_TX_RING_LOW;
		tx_complete(m, p.entries);
		completed++;
		entries = p.entries < entries ? entries - p.entries : 0;
		cost = frames > p.entries ? frames : p.entries;
		budget = cost < budget ? budget - cost : 0;
	}
	if (completed && (ring_low || m->tx_irq_always || driver_tx_stopped(m)))
		raise_work(m);
	/* Stopped by the frame budget with more to send: the host runs us again. */
	if (!budget && entries && m->ops->tx_resume &&
	    read_tx_entry(m, ring_entry(&m->tx, m->tx.next, TX_ENTRY_SIZE), &first) &&
	    le16toh(first.ownership) == VMXNET2_OWNERSHIP_NIC) {
		m->st.tx_resumes++;
		m->ops->tx_resume(m->opaque);
	}
}

/*
 * The guest's kick (a TX_ADDR read). A host that has its own transmit thread
 * (ops->tx_kick) runs vmx2_tx_run() there, so the kicking vCPU goes on at
 * once, as on a real host; otherwise the kick transmits before it returns.
 */
static void tx_kick(struct vmx2 *m)
{
	m->st.tx_kicks++;
	if (m->ops->tx_kick)
		m->ops->tx_kick(m->opaque);
	else
		vmx2_tx_run(m);
}

/* ---- registers ---- */

static void pin_tx_buffers(struct vmx2 *m)
{
	struct vmxnet2_driver_data dd;
	uint32_t start, length;

	if (!m->attached || !(m->caps & VMNET_CAP_ENABLE_HEADER_COPY) ||
	    !guest_read(m, m->dd, &dd, sizeof(dd)))
		return;
	start = le32toh(dd.tx_buffer_phys_start);
	length = le32toh(dd.tx_buffer_phys_length);
	/* The area is ordinary guest memory to us; pinning only checks it is RAM. */
	m->tx_pinned = start && length && length <= DD_MAX_LENGTH &&
		       guest_range_ok(m, start, length);
}

static void read_filter(struct vmx2 *m, bool ladrf)
{
	struct vmxnet2_driver_data dd;

	if (!m->attached || !guest_read(m, m->dd, &dd, sizeof(dd)))
		return;
	if (ladrf) {
		m->ladrf[0] = le32toh(dd.ladrf[0]);
		m->ladrf[1] = le32toh(dd.ladrf[1]);
	} else {
		m->ifflags = le32toh(dd.ifflags);
	}
}

static uint32_t command(struct vmx2 *m, uint32_t cmd)
{
	switch (cmd) {
	case VMXNET_CMD_INTR_ACK:
		m->intr_pending = false;
		update_irq(m);
		return 0;
	case VMXNET_CMD_UPDATE_LADRF:
		read_filter(m, true);
		return 0;
	case VMXNET_CMD_UPDATE_IFF:
		read_filter(m, false);
		return 0;
	case VMXNET_CMD_INTR_DISABLE:
		m->intr_enabled = false;
		update_irq(m);
		return 0;
	case VMXNET_CMD_INTR_ENABLE:
		m->intr_enabled = true;
		update_irq(m);
		return 0;
	case VMXNET_CMD_CHECK_TX_DONE:
		/* Synchronous: the driver polls the ring right after it (close). */
		m->st.tx_kicks++;
		vmx2_tx_run(m);
		return 0;
	case VMXNET_CMD_GET_NUM_RX_BUFFERS:
		return m->rx_hint;
	case VMXNET_CMD_GET_NUM_TX_BUFFERS:
		return m->tx_hint;
	case VMXNET_CMD_PIN_TX_BUFFERS:
		pin_tx_buffers(m);
		return 0;
	case VMXNET_CMD_GET_CAPABILITIES:
		return m->caps;
	case VMXNET_CMD_GET_FEATURES:
		return m->features;
	default:
		/* SET_POWER_*, unused codes and combined bits: nothing. */
		return 0;
	}
}

static uint32_t status(const struct vmx2 *m)
{
	return (m->link_up ? VMXNET_STATUS_CONNECTED : 0) |
	       (m->attached ? VMXNET_STATUS_ENABLED : 0) |
	       (m->tx_pinned ? VMXNET_STATUS_TX_PINNED : 0);
}

static bool in_window(uint32_t addr, uint32_t base)
{
	return addr >= base && addr < base + VMXNET_MAC_LEN;
}

/* MAC, APROM and reserved bytes read byte by byte; 32-bit registers as a whole. */
static uint8_t read_byte(const struct vmx2 *m, uint32_t addr)
{
	if (in_window(addr, VMXNET_MAC_ADDR))
		return m->mac[addr - VMXNET_MAC_ADDR];
	if (in_window(addr, VMXNET_APROM_ADDR))
		return m->aprom[addr - VMXNET_APROM_ADDR];
	return 0;
}

static bool byte_window(uint32_t addr, unsigned int size)
{
	return (addr >= VMXNET_MAC_ADDR && addr + size <= VMXNET_LOW_VERSION) ||
	       (addr >= VMXNET_APROM_ADDR && addr + size <= VMXNET_INT_ENABLE_ADDR);
}

uint32_t vmx2_io_read(struct vmx2 *m, uint32_t addr, unsigned int size)
{
	uint32_t v = 0;
	unsigned int i;

	if ((size != 1 && size != 2 && size != 4) || addr + size > VMXNET_CHIP_IO_RESV_SIZE)
		return 0xFFFFFFFFu;
	if (byte_window(addr, size)) {
		for (i = 0; i < size; i++)
			v |= (uint32_t)read_byte(m, addr + i) << (8 * i);
		return v;
	}
	if (size != 4 || addr % 4)
		return 0xFFFFFFFFu >> (32 - 8 * size);
	switch (addr) {
	case VMXNET_INIT_ADDR:		return m->init_addr;
	case VMXNET_INIT_LENGTH:	return m->init_length;
	case VMXNET_TX_ADDR:
		tx_kick(m);
		return 0;
	case VMXNET_COMMAND_ADDR:	return m->cmd_result;
	case VMXNET_LOW_VERSION:
	case VMXNET_HIGH_VERSION:	return VMXNET2_MAGIC;
	case VMXNET_STATUS_ADDR:	return status(m);
	case VMXNET_INT_ENABLE_ADDR:	return m->intr_enabled;
	default:			return 0;
	}
}

void vmx2_io_write(struct vmx2 *m, uint32_t addr, uint32_t val, unsigned int size)
{
	unsigned int i;

	if ((size != 1 && size != 2 && size != 4) || addr + size > VMXNET_CHIP_IO_RESV_SIZE)
		return;
	if (byte_window(addr, size)) {
		for (i = 0; i < size; i++)
			if (in_window(addr + i, VMXNET_MAC_ADDR))
				m->mac[addr + i - VMXNET_MAC_ADDR] = val >> (8 * i);
		return;
	}
	if (size != 4 || addr % 4)
		return;
	switch (addr) {
	case VMXNET_INIT_ADDR:
		m->init_addr = val;
		if (!val)
			detach(m, true);
		break;
	case VMXNET_INIT_LENGTH:
		attach(m, val);
		break;
	case VMXNET_COMMAND_ADDR:
		m->cmd_result = command(m, val);
		break;
	default:
		break;
	}
}

/* ---- link, setup ---- */

void vmx2_set_link(struct vmx2 *m, bool up)
{
	if (m->link_up == up)
		return;
	/* What came in while the link was up still goes to the guest. */
	lro_flush(m);
	m->link_up = up;
	/* Not in docs/protocol/vmxnet.md A7.5 (drivers poll STATUS): a driver notices at once. */
	if (m->attached)
		raise_work(m);
}

void vmx2_reset(struct vmx2 *m)
{
	lro_drop(m);
	m->lpd = false;
	m->attached = false;
	m->init_addr = 0;
	m->init_length = 0;
	m->cmd_result = 0;
	m->tx_pinned = false;
	m->intr_enabled = true;
	m->intr_pending = false;
	m->ifflags = 0;
	memset(m->ladrf, 0, sizeof(m->ladrf));
	memcpy(m->mac, m->aprom, VMXNET_MAC_LEN);
	update_irq(m);
}

void vmx2_init(struct vmx2 *m, const struct vmx2_ops *ops, void *opaque,
	       const uint8_t *mac)
{
	memset(m, 0, sizeof(*m));
	m->ops = ops;
	m->opaque = opaque;
	m->features = VMX2_DEFAULT_FEATURES;
	m->caps = VMX2_DEFAULT_CAPS;
	m->rx_hint = VMX2_DEFAULT_RX_HINT;
	m->tx_hint = VMX2_DEFAULT_TX_HINT;
	m->link_up = true;
	memcpy(m->aprom, mac, VMXNET_MAC_LEN);
	vmx2_reset(m);
}
