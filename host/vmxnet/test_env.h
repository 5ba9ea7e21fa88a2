/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake guest for the vmxnet2 model's unit tests and fuzz loop: RAM as a
 * byte array, a log of guest writes and transmitted frames, the INTx level,
 * and a driver-data block laid out the way the Linux driver lays it out.
 */
#ifndef PVTOOLS_HOST_VMXNET_TEST_ENV_H
#define PVTOOLS_HOST_VMXNET_TEST_ENV_H

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "vmxnet2.h"

#define RAM_BASE	0x100000ull
#define RAM_SIZE	(8u << 20)
#define DD_ADDR		(RAM_BASE + 0x1000)
#define BUF_AREA	(RAM_BASE + 0x40000)	/* rx buffers from here */
#define TXDATA_AREA	(RAM_BASE + 0x600000)	/* tx payloads from here */
#define MAX_SENT	256
#define MAX_WRITES	4096

struct sent_frame {
	size_t len;
	uint8_t data[VMXNET2_MAX_FRAME];
};

struct env {
	struct vmx2 m;
	uint8_t *ram;
	bool irq;
	unsigned int nsent;
	uint64_t sent_total;
	struct sent_frame *sent;
	unsigned int nwrites;
	uint64_t write_gpa[MAX_WRITES];
	size_t write_len[MAX_WRITES];
	unsigned int nreads;
	uint64_t read_gpa[MAX_WRITES];
	size_t read_len[MAX_WRITES];
	unsigned int tx_kicks_deferred;	/* ops->tx_kick calls (env_ops_deferred) */
	unsigned int tx_resumes;	/* ops->tx_resume calls (env_ops_deferred) */
	/* geometry of the last env_layout() */
	uint32_t n_rx, n_rx2, n_tx, off_rx, off_rx2, off_tx, length;
};

static bool env_in_ram(uint64_t gpa, size_t len)
{
	return gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE);
}

static bool env_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct env *e = opaque;

	if (!env_in_ram(gpa, len))
		return false;
	memcpy(buf, e->ram + (gpa - RAM_BASE), len);
	if (e->nreads < MAX_WRITES) {
		e->read_gpa[e->nreads] = gpa;
		e->read_len[e->nreads] = len;
		e->nreads++;
	}
	return true;
}

static bool env_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct env *e = opaque;

	if (!env_in_ram(gpa, len))
		return false;
	memcpy(e->ram + (gpa - RAM_BASE), buf, len);
	if (e->nwrites < MAX_WRITES) {
		e->write_gpa[e->nwrites] = gpa;
		e->write_len[e->nwrites] = len;
		e->nwrites++;
	}
	return true;
}

static void env_send(void *opaque, const uint8_t *frame, size_t len)
{
	struct env *e = opaque;

	e->sent_total++;
	if (e->nsent < MAX_SENT && len <= VMXNET2_MAX_FRAME) {
		e->sent[e->nsent].len = len;
		memcpy(e->sent[e->nsent].data, frame, len);
		e->nsent++;
	}
}

static void env_set_irq(void *opaque, bool level)
{
	((struct env *)opaque)->irq = level;
}

static const struct vmx2_ops env_ops = {
	.read_guest = env_read,
	.write_guest = env_write,
	.send = env_send,
	.set_irq = env_set_irq,
};

/* A host with its own transmit context: the test calls vmx2_tx_run(). */
static void env_tx_defer(void *opaque)
{
	((struct env *)opaque)->tx_kicks_deferred++;
}

static void env_tx_resume(void *opaque)
{
	((struct env *)opaque)->tx_resumes++;
}

static const struct vmx2_ops env_ops_deferred = {
	.read_guest = env_read,
	.write_guest = env_write,
	.send = env_send,
	.set_irq = env_set_irq,
	.tx_kick = env_tx_defer,
	.tx_resume = env_tx_resume,
};

static const uint8_t env_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x01 };

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	e->ram = calloc(1, RAM_SIZE);
	e->sent = calloc(MAX_SENT, sizeof(*e->sent));
	vmx2_init(&e->m, &env_ops, e, env_mac);
	return e;
}

static void env_free(struct env *e)
{
	free(e->sent);
	free(e->ram);
	free(e);
}

static uint8_t *gp(struct env *e, uint64_t gpa)
{
	return e->ram + (gpa - RAM_BASE);
}

static struct vmxnet2_driver_data *env_dd(struct env *e)
{
	return (struct vmxnet2_driver_data *)gp(e, DD_ADDR);
}

static struct vmxnet2_rx_ring_entry *env_rx(struct env *e, uint32_t i)
{
	return (struct vmxnet2_rx_ring_entry *)gp(e, DD_ADDR + e->off_rx) + i;
}

static struct vmxnet2_rx_ring_entry *env_rx2(struct env *e, uint32_t i)
{
	return (struct vmxnet2_rx_ring_entry *)gp(e, DD_ADDR + e->off_rx2) + i;
}

static struct vmxnet2_tx_ring_entry *env_tx(struct env *e, uint32_t i)
{
	return (struct vmxnet2_tx_ring_entry *)gp(e, DD_ADDR + e->off_tx) + i;
}

static uint64_t env_rx_buf(uint32_t i)
{
	return BUF_AREA + (uint64_t)i * 2048;
}

static uint64_t env_rx2_buf(uint32_t i)
{
	return BUF_AREA + 0x100000 + (uint64_t)i * 4096;
}

/*
 * The Linux layout: DD, ring 1, ring 2, tx back to back. Ring 1 armed with
 * 1536-byte buffers; ring 2 with pages when @jumbo, else one DRIVER dummy.
 */
static void env_layout(struct env *e, uint32_t n_rx, uint32_t n_rx2, uint32_t n_tx, bool jumbo)
{
	struct vmxnet2_driver_data *dd = env_dd(e);
	uint32_t i;

	e->n_rx = n_rx;
	e->n_rx2 = jumbo ? n_rx2 : 1;
	e->n_tx = n_tx;
	e->off_rx = sizeof(*dd);
	e->off_rx2 = e->off_rx + n_rx * 24;
	e->off_tx = e->off_rx2 + e->n_rx2 * 24;
	e->length = e->off_tx + n_tx * 64;
	memset(dd, 0, e->length);
	dd->magic = htole32(VMXNET2_MAGIC);
	dd->rx_ring_length = htole32(n_rx);
	dd->rx_ring_length2 = htole32(e->n_rx2);
	dd->tx_ring_length = htole32(n_tx);
	dd->rx_ring_offset = htole32(e->off_rx);
	dd->rx_ring_offset2 = htole32(e->off_rx2);
	dd->tx_ring_offset = htole32(e->off_tx);
	dd->length = htole32(e->length);
	dd->ifflags = htole32(~(VMXNET_IFF_PROMISC | VMXNET_IFF_BROADCAST | VMXNET_IFF_MULTICAST) |
			      VMXNET_IFF_BROADCAST);
	if (jumbo)
		dd->max_frags = htole16(17);
	for (i = 0; i < n_rx; i++) {
		env_rx(e, i)->paddr = htole64(env_rx_buf(i));
		env_rx(e, i)->buffer_length = htole32(VMXNET2_PKT_BUF_SZ);
		env_rx(e, i)->ownership = htole16(VMXNET2_OWNERSHIP_NIC);
	}
	for (i = 0; i < e->n_rx2; i++) {
		env_rx2(e, i)->paddr = htole64(jumbo ? env_rx2_buf(i) : 0);
		env_rx2(e, i)->buffer_length = htole32(jumbo ? 4096 : 0);
		env_rx2(e, i)->ownership = htole16(jumbo ? VMXNET2_OWNERSHIP_NIC_FRAG :
						   VMXNET2_OWNERSHIP_DRIVER);
	}
	for (i = 0; i < n_tx; i++)
		env_tx(e, i)->sg.addr_type = htole16(NET_SG_PHYS_ADDR);
}

static bool env_attach(struct env *e)
{
	vmx2_io_write(&e->m, VMXNET_INIT_ADDR, (uint32_t)DD_ADDR, 4);
	vmx2_io_write(&e->m, VMXNET_INIT_LENGTH, e->length, 4);
	return vmx2_io_read(&e->m, VMXNET_INIT_LENGTH, 4) == e->length;
}

static void env_cmd(struct env *e, uint32_t cmd)
{
	vmx2_io_write(&e->m, VMXNET_COMMAND_ADDR, cmd, 4);
}

static void env_kick(struct env *e)
{
	vmx2_io_read(&e->m, VMXNET_TX_ADDR, 4);
}

#endif /* PVTOOLS_HOST_VMXNET_TEST_ENV_H */
