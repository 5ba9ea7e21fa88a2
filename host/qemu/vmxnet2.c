// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for the Enhanced vmxnet host model (host/vmxnet): the PCI device
 * "vmxnet2" (15ad:0720, one 64-byte I/O BAR, INTx), its NIC backend, and QOM
 * properties for the tests (fault switch, counters). The model's NIC
 * backend, shared with the Flexible NIC, is vmxnet2_backend.c.
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

#include "vmxnet2_backend.h"

#define TYPE_VMXNET2 "vmxnet2"
OBJECT_DECLARE_SIMPLE_TYPE(Vmxnet2State, VMXNET2)

struct Vmxnet2State {
    PCIDevice parent_obj;

    MemoryRegion io;
    NICState *nic;
    NICConf conf;

    /* Configuration (-device properties). */
    uint32_t features;
    uint32_t caps;
    uint32_t rx_hint;
    uint32_t tx_hint;
    bool tx_irq_always;

    Vmxnet2Backend be;
};

static bool vmxnet2_can_receive(NetClientState *nc)
{
    Vmxnet2State *s = qemu_get_nic_opaque(nc);

    return vmxnet2_backend_can_receive(&s->be);
}

static ssize_t vmxnet2_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
    Vmxnet2State *s = qemu_get_nic_opaque(nc);

    return vmxnet2_backend_receive(&s->be, buf, size);
}

static void vmxnet2_link_status_changed(NetClientState *nc)
{
    Vmxnet2State *s = qemu_get_nic_opaque(nc);

    vmxnet2_backend_link_changed(&s->be, !nc->link_down);
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

    return vmxnet2_backend_io_read(&s->be, addr, size);
}

static void vmxnet2_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Vmxnet2State *s = opaque;

    vmxnet2_backend_io_write(&s->be, addr, val, size);
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
    s->be.model.features = s->features;
    s->be.model.caps = s->caps;
    s->be.model.rx_hint = s->rx_hint;
    s->be.model.tx_hint = s->tx_hint;
    s->be.model.tx_irq_always = s->tx_irq_always;
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
    vmxnet2_backend_init(&s->be, pdev, s->conf.macaddr.a);
    vmxnet2_apply_config(s);

    s->nic = qemu_new_nic(&net_vmxnet2_info, &s->conf, object_get_typename(OBJECT(s)),
                          dev->id, &dev->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    vmxnet2_backend_set_nic(&s->be, s->nic);
}

static void vmxnet2_exit(PCIDevice *pdev)
{
    Vmxnet2State *s = VMXNET2(pdev);

    vmxnet2_backend_exit(&s->be);
    qemu_del_nic(s->nic);
}

static void vmxnet2_reset(DeviceState *dev)
{
    Vmxnet2State *s = VMXNET2(dev);

    vmxnet2_backend_reset(&s->be);
    /* Detached now: frames QEMU still holds for us are flushed (and dropped). */
    vmxnet2_backend_rx_unblock(&s->be, false);
}

/* Settable at run time, so a benchmark can compare both in one VM. */
static bool vmxnet2_get_tx_bh(Object *obj, Error **errp)
{
    return VMXNET2(obj)->be.tx_bh_on;
}

static void vmxnet2_set_tx_bh(Object *obj, bool value, Error **errp)
{
    VMXNET2(obj)->be.tx_bh_on = value;
}

static bool vmxnet2_get_tx_irq_always(Object *obj, Error **errp)
{
    return VMXNET2(obj)->tx_irq_always;
}

static void vmxnet2_set_tx_irq_always(Object *obj, bool value, Error **errp)
{
    Vmxnet2State *s = VMXNET2(obj);

    s->tx_irq_always = value;
    s->be.model.tx_irq_always = value;
}

/* The model's live filter state, for tests of rx modes and multicast. */
static bool vmxnet2_get_lpd(Object *obj, Error **errp)
{
    return VMXNET2(obj)->be.model.lpd;
}

static void vmxnet2_get_u32(Object *obj, Visitor *v, const char *name, void *opaque,
                            Error **errp)
{
    const struct vmx2 *m = &VMXNET2(obj)->be.model;
    uint32_t value;

    if (!strcmp(name, "ifflags")) {
        value = m->ifflags;
    } else if (!strcmp(name, "ladrf-lo")) {
        value = m->ladrf[0];
    } else {
        value = m->ladrf[1];
    }
    visit_type_uint32(v, name, &value, errp);
}

static Vmxnet2Backend *vmxnet2_backend_of(Object *obj)
{
    return &VMXNET2(obj)->be;
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

    vmxnet2_backend_class_init(klass, vmxnet2_backend_of);
    object_class_property_add_bool(klass, "lpd", vmxnet2_get_lpd, NULL);
    object_class_property_add_bool(klass, "tx-bh", vmxnet2_get_tx_bh, vmxnet2_set_tx_bh);
    object_class_property_add_bool(klass, "tx-irq-always", vmxnet2_get_tx_irq_always,
                                   vmxnet2_set_tx_irq_always);
    object_class_property_add(klass, "ifflags", "uint32", vmxnet2_get_u32,
                              NULL, NULL, NULL);
    object_class_property_add(klass, "ladrf-lo", "uint32", vmxnet2_get_u32,
                              NULL, NULL, NULL);
    object_class_property_add(klass, "ladrf-hi", "uint32", vmxnet2_get_u32,
                              NULL, NULL, NULL);
}

static void vmxnet2_instance_init(Object *obj)
{
    Vmxnet2State *s = VMXNET2(obj);

    s->be.tx_bh_on = true;
    s->be.active = true;
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
