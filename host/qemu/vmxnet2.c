// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for the Enhanced vmxnet host model (host/vmxnet): the PCI device
 * "vmxnet2" (15ad:0720, one 64-byte I/O BAR, INTx), its NIC backend, and QOM
 * properties for the tests (fault switch, counters). Transmit runs in a
 * bottom half of the main loop, not in the vCPU that kicked.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "sysemu/sysemu.h"

#include "vmxnet2.h"

#define TYPE_VMXNET2 "vmxnet2"
OBJECT_DECLARE_SIMPLE_TYPE(Vmxnet2State, VMXNET2)

/* How often a full ring 1 is looked at again: the guest refills silently. */
#define RX_RETRY_NS	(500 * SCALE_US)

struct Vmxnet2State {
	PCIDevice parent_obj;

	MemoryRegion io;
	NICState *nic;
	NICConf conf;
	QEMUTimer *rx_retry;
	bool rx_blocked;
	/* LPD: delivers what the model holds once the current burst is over. */
	QEMUBH *lpd_flush;
	/* Transmits in the main loop: a kick does not stall the vCPU. */
	QEMUBH *tx_bh;
	bool tx_bh_on;			/* "tx-bh"; off: the kick transmits */

	/* Configuration (-device properties). */
	uint32_t features;
	uint32_t caps;
	uint32_t rx_hint;
	uint32_t tx_hint;
	bool tx_irq_always;

	struct vmx2 model;
};

static bool glue_read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	return pci_dma_read(PCI_DEVICE(opaque), gpa, buf, len) == MEMTX_OK;
}

static bool glue_write_guest(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	return pci_dma_write(PCI_DEVICE(opaque), gpa, buf, len) == MEMTX_OK;
}

static void glue_send(void *opaque, const uint8_t *frame, size_t len)
{
	Vmxnet2State *s = opaque;

	qemu_send_packet(qemu_get_queue(s->nic), frame, len);
}

static void glue_set_irq(void *opaque, bool level)
{
	pci_set_irq(PCI_DEVICE(opaque), level);
}

static void glue_tx_kick(void *opaque)
{
	Vmxnet2State *s = opaque;

	if (s->tx_bh_on)
		qemu_bh_schedule(s->tx_bh);
	else
		vmx2_tx_run(&s->model);
}

/* A run stopped at its frame budget: the rest goes from the main loop, even with tx-bh off. */
static void glue_tx_resume(void *opaque)
{
	Vmxnet2State *s = opaque;

	qemu_bh_schedule(s->tx_bh);
}

static const struct vmx2_ops glue_ops = {
	.read_guest = glue_read_guest,
	.write_guest = glue_write_guest,
	.send = glue_send,
	.set_irq = glue_set_irq,
	.tx_kick = glue_tx_kick,
	.tx_resume = glue_tx_resume,
};

/* Hand queued frames over once ring 1 has room again. */
static void rx_unblock_if_room(Vmxnet2State *s)
{
	if (!s->rx_blocked)
		return;
	if (!vmx2_can_receive(&s->model)) {
		timer_mod(s->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + RX_RETRY_NS);
		return;
	}
	s->rx_blocked = false;
	timer_del(s->rx_retry);
	qemu_flush_queued_packets(qemu_get_queue(s->nic));
}

static void rx_retry_cb(void *opaque)
{
	rx_unblock_if_room(opaque);
}

static void rx_block(Vmxnet2State *s)
{
	if (s->rx_blocked)
		return;
	s->rx_blocked = true;
	timer_mod(s->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + RX_RETRY_NS);
}

static bool vmxnet2_can_receive(NetClientState *nc)
{
	Vmxnet2State *s = qemu_get_nic_opaque(nc);

	if (vmx2_can_receive(&s->model))
		return true;
	rx_block(s);
	return false;
}

static ssize_t vmxnet2_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
	Vmxnet2State *s = qemu_get_nic_opaque(nc);

	enum vmx2_rx_result res = vmx2_receive(&s->model, buf, size);

	/*
	 * The hub hands us a sender's frames one by one from inside its tx
	 * processing; a bottom half runs after that, at the end of the burst.
	 */
	if (vmx2_rx_held(&s->model))
		qemu_bh_schedule(s->lpd_flush);
	if (res == VMX2_RX_BUSY) {
		rx_block(s);
		return 0;
	}
	return size;
}

static void lpd_flush_cb(void *opaque)
{
	Vmxnet2State *s = opaque;

	vmx2_rx_flush(&s->model);
}

/*
 * Kicks that came while this ran scheduled it again; what they handed over
 * is sent then. Frames for a NIC on the same hub are delivered from here,
 * and its LPD flush runs after us.
 */
static void tx_bh_cb(void *opaque)
{
	Vmxnet2State *s = opaque;

	vmx2_tx_run(&s->model);
}

static void vmxnet2_link_status_changed(NetClientState *nc)
{
	Vmxnet2State *s = qemu_get_nic_opaque(nc);

	vmx2_set_link(&s->model, !nc->link_down);
}

static NetClientInfo net_vmxnet2_info = {
	.type = NET_CLIENT_DRIVER_NIC,
	.size = sizeof(NICState),
	.can_receive = vmxnet2_can_receive,
	.receive = vmxnet2_receive,
	.link_status_changed = vmxnet2_link_status_changed,
};

static uint64_t vmxnet2_io_read(void *opaque, hwaddr addr, unsigned size)
{
	Vmxnet2State *s = opaque;
	uint32_t v = vmx2_io_read(&s->model, addr, size);

	rx_unblock_if_room(s);
	return v;
}

static void vmxnet2_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
	Vmxnet2State *s = opaque;

	vmx2_io_write(&s->model, addr, val, size);
	rx_unblock_if_room(s);
}

static const MemoryRegionOps vmxnet2_io_ops = {
	.read = vmxnet2_io_read,
	.write = vmxnet2_io_write,
	.valid.min_access_size = 1,
	.valid.max_access_size = 4,
	.impl.min_access_size = 1,
	.impl.max_access_size = 4,
	.endianness = DEVICE_LITTLE_ENDIAN,
};

static void vmxnet2_apply_config(Vmxnet2State *s)
{
	s->model.features = s->features;
	s->model.caps = s->caps;
	s->model.rx_hint = s->rx_hint;
	s->model.tx_hint = s->tx_hint;
	s->model.tx_irq_always = s->tx_irq_always;
}

static void vmxnet2_realize(PCIDevice *pdev, Error **errp)
{
	Vmxnet2State *s = VMXNET2(pdev);
	DeviceState *dev = DEVICE(pdev);

	pdev->config[PCI_INTERRUPT_PIN] = 1;
	memory_region_init_io(&s->io, OBJECT(s), &vmxnet2_io_ops, s, "vmxnet2-io",
			      VMXNET_CHIP_IO_RESV_SIZE);
	pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);

	qemu_macaddr_default_if_unset(&s->conf.macaddr);
	vmx2_init(&s->model, &glue_ops, s, s->conf.macaddr.a);
	vmxnet2_apply_config(s);
	s->rx_retry = timer_new_ns(QEMU_CLOCK_VIRTUAL, rx_retry_cb, s);
	s->lpd_flush = qemu_bh_new_guarded(lpd_flush_cb, s, &dev->mem_reentrancy_guard);
	s->tx_bh = qemu_bh_new_guarded(tx_bh_cb, s, &dev->mem_reentrancy_guard);

	s->nic = qemu_new_nic(&net_vmxnet2_info, &s->conf, object_get_typename(OBJECT(s)),
			      dev->id, &dev->mem_reentrancy_guard, s);
	qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
	vmx2_set_link(&s->model, !qemu_get_queue(s->nic)->link_down);
}

static void vmxnet2_exit(PCIDevice *pdev)
{
	Vmxnet2State *s = VMXNET2(pdev);

	timer_free(s->rx_retry);
	qemu_bh_delete(s->lpd_flush);
	qemu_bh_delete(s->tx_bh);
	qemu_del_nic(s->nic);
}

static void vmxnet2_reset(DeviceState *dev)
{
	Vmxnet2State *s = VMXNET2(dev);

	qemu_bh_cancel(s->tx_bh);
	vmx2_reset(&s->model);
	/* Detached now: frames QEMU still holds for us are flushed (and dropped). */
	rx_unblock_if_room(s);
}

static char *vmxnet2_get_fault(Object *obj, Error **errp)
{
	return g_strdup(vmx2_fault_name(VMXNET2(obj)->model.fault));
}

static void vmxnet2_set_fault(Object *obj, const char *value, Error **errp)
{
	int fault = vmx2_fault_parse(value);

	if (fault < 0) {
		error_setg(errp, "unknown fault '%s' (none, rx-bad-index, tx-bad-index, "
			   "rx-bad-length, bad-owner, tx-stuck, rx-frag-no-eop, init-refuse-once)",
			   value);
		return;
	}
	vmx2_set_fault(&VMXNET2(obj)->model, fault);
}

static bool vmxnet2_get_attached(Object *obj, Error **errp)
{
	return VMXNET2(obj)->model.attached;
}

/* Settable at run time, so a benchmark can compare both in one VM. */
static bool vmxnet2_get_tx_bh(Object *obj, Error **errp)
{
	return VMXNET2(obj)->tx_bh_on;
}

static void vmxnet2_set_tx_bh(Object *obj, bool value, Error **errp)
{
	VMXNET2(obj)->tx_bh_on = value;
}

static bool vmxnet2_get_tx_irq_always(Object *obj, Error **errp)
{
	return VMXNET2(obj)->tx_irq_always;
}

static void vmxnet2_set_tx_irq_always(Object *obj, bool value, Error **errp)
{
	Vmxnet2State *s = VMXNET2(obj);

	s->tx_irq_always = value;
	s->model.tx_irq_always = value;
}

#define STAT(name, field) { "stat-" name, offsetof(struct vmx2_stats, field) }

static const struct {
	const char *name;
	size_t offset;
} stat_props[] = {
	STAT("tx-kicks", tx_kicks),
	STAT("tx-guest-packets", tx_guest_packets),
	STAT("tx-packets", tx_packets),
	STAT("tx-bytes", tx_bytes),
	STAT("tx-tso-packets", tx_tso_packets),
	STAT("tx-tso-segments", tx_tso_segments),
	STAT("tx-csum", tx_csum),
	STAT("tx-csum-skipped", tx_csum_skipped),
	STAT("tx-errors", tx_errors),
	STAT("tx-dropped", tx_dropped),
	STAT("tx-resumes", tx_resumes),
	STAT("rx-packets", rx_packets),
	STAT("rx-bytes", rx_bytes),
	STAT("rx-jumbo", rx_jumbo),
	STAT("rx-csum-ok", rx_csum_ok),
	STAT("rx-filtered", rx_filtered),
	STAT("rx-dropped", rx_dropped),
	STAT("rx-busy", rx_busy),
	STAT("rx-errors", rx_errors),
	STAT("rx-lro-aggregates", rx_lro_aggregates),
	STAT("rx-lro-segments", rx_lro_segments),
	STAT("rx-lro-singles", rx_lro_singles),
	STAT("rx-lro-flushes", rx_lro_flushes),
	STAT("interrupts", interrupts),
	STAT("resets", resets),
	STAT("init-refused", init_refused),
	STAT("detaches", detaches),
	STAT("faults-injected", faults_injected),
};

static void vmxnet2_get_stat(Object *obj, Visitor *v, const char *name, void *opaque,
			     Error **errp)
{
	const uint8_t *base = (const uint8_t *)&VMXNET2(obj)->model.st;
	uint64_t value;

	memcpy(&value, base + stat_props[(uintptr_t)opaque].offset, sizeof(value));
	visit_type_uint64(v, name, &value, errp);
}

/* The model's live filter state, for tests of rx modes and multicast. */
static bool vmxnet2_get_lpd(Object *obj, Error **errp)
{
	return VMXNET2(obj)->model.lpd;
}

static void vmxnet2_get_u32(Object *obj, Visitor *v, const char *name, void *opaque,
			    Error **errp)
{
	const struct vmx2 *m = &VMXNET2(obj)->model;
	uint32_t value;

	if (!strcmp(name, "ifflags"))
		value = m->ifflags;
	else if (!strcmp(name, "ladrf-lo"))
		value = m->ladrf[0];
	else
		value = m->ladrf[1];
	visit_type_uint32(v, name, &value, errp);
}

static const VMStateDescription vmstate_vmxnet2 = {
	.name = TYPE_VMXNET2,
	.unmigratable = 1,
};

static Property vmxnet2_properties[] = {
	DEFINE_NIC_PROPERTIES(Vmxnet2State, conf),
	DEFINE_PROP_UINT32("features", Vmxnet2State, features, VMX2_DEFAULT_FEATURES),
	DEFINE_PROP_UINT32("caps", Vmxnet2State, caps, VMX2_DEFAULT_CAPS),
	DEFINE_PROP_UINT32("rx-hint", Vmxnet2State, rx_hint, VMX2_DEFAULT_RX_HINT),
	DEFINE_PROP_UINT32("tx-hint", Vmxnet2State, tx_hint, VMX2_DEFAULT_TX_HINT),
	DEFINE_PROP_END_OF_LIST(),
};

static void vmxnet2_class_init(ObjectClass *klass, void *data)
{
	DeviceClass *dc = DEVICE_CLASS(klass);
	PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
	size_t i;

	k->realize = vmxnet2_realize;
	k->exit = vmxnet2_exit;
	k->vendor_id = VMXNET_PCI_VENDOR_ID;
	k->device_id = VMXNET_PCI_DEVICE_ID;
	k->subsystem_vendor_id = VMXNET_PCI_VENDOR_ID;
	k->subsystem_id = VMXNET_PCI_DEVICE_ID;
	k->revision = 0;
	k->class_id = PCI_CLASS_NETWORK_ETHERNET;
	dc->desc = "VMware Enhanced vmxnet (vmxnet2) NIC host model";
	dc->reset = vmxnet2_reset;
	dc->vmsd = &vmstate_vmxnet2;
	device_class_set_props(dc, vmxnet2_properties);
	set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

	object_class_property_add_str(klass, "fault", vmxnet2_get_fault, vmxnet2_set_fault);
	object_class_property_add_bool(klass, "attached", vmxnet2_get_attached, NULL);
	object_class_property_add_bool(klass, "lpd", vmxnet2_get_lpd, NULL);
	object_class_property_add_bool(klass, "tx-bh", vmxnet2_get_tx_bh, vmxnet2_set_tx_bh);
	object_class_property_add_bool(klass, "tx-irq-always", vmxnet2_get_tx_irq_always,
				       vmxnet2_set_tx_irq_always);
	object_class_property_add(klass, "ifflags", "uint32", vmxnet2_get_u32, NULL, NULL, NULL);
	object_class_property_add(klass, "ladrf-lo", "uint32", vmxnet2_get_u32, NULL, NULL, NULL);
	object_class_property_add(klass, "ladrf-hi", "uint32", vmxnet2_get_u32, NULL, NULL, NULL);
	for (i = 0; i < ARRAY_SIZE(stat_props); i++)
		object_class_property_add(klass, stat_props[i].name, "uint64", vmxnet2_get_stat,
					  NULL, NULL, (void *)(uintptr_t)i);
}

static void vmxnet2_instance_init(Object *obj)
{
	Vmxnet2State *s = VMXNET2(obj);

	s->tx_bh_on = true;
	device_add_bootindex_property(obj, &s->conf.bootindex, "bootindex",
				      "/ethernet-phy@0", DEVICE(obj));
}

static const TypeInfo vmxnet2_info = {
	.name = TYPE_VMXNET2,
	.parent = TYPE_PCI_DEVICE,
	.instance_size = sizeof(Vmxnet2State),
	.instance_init = vmxnet2_instance_init,
	.class_init = vmxnet2_class_init,
	.interfaces = (InterfaceInfo[]) {
		{ INTERFACE_CONVENTIONAL_PCI_DEVICE },
		{ },
	},
};

static void vmxnet2_register_types(void)
{
	type_register_static(&vmxnet2_info);
}

type_init(vmxnet2_register_types)
