// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for VMware's Flexible NIC: the PCI device "vmxnet-flexible"
 * (AMD 79c970 PCnet32 "vlance", 1022:2000 rev 0x10) with one I/O BAR laid
 * out as the vmxnet guest driver expects of a morphable vlance:
 *
 *   +0x00  32 bytes of LANCE ports   QEMU's own PCnet core (hw/net/pcnet.h)
 *   +0x20  the 16-bit morph port     LANCE_CHIP 0x2934 / VMXNET_CHIP 0x4392
 *   +0x24  the vmxnet registers      our vmxnet2 model (host/vmxnet)
 *
 * One mode at a time answers on the one netdev: vlance after every PCI reset;
 * writing VMXNET_CHIP to the morph port switches to vmxnet, LANCE_CHIP back.
 * Each switch resets both sides, so the side that is left stops its DMA and
 * drops its interrupt, and the side that is entered starts from its reset
 * state. In vmxnet mode the LANCE ports are inert (reads all ones), in vlance
 * mode the vmxnet registers are.
 *
 * After the switch the model offers plain vmxnet, not Enhanced vmxnet: no
 * TSO, no jumbo frames, no LPD (the "enhanced" bits of the feature word),
 * hence the smaller ring defaults. What a VMware host offered beyond that is
 * not documented; the default profile below is our choice (vmxnet/README,
 * "The Flexible adapter"), overridable with the "features"/"caps" properties.
 *
 * Test controls (QOM, over QMP): "mode" (vlance|vmxnet, read-only),
 * "switch-fault" (none|refuse: a VMXNET_CHIP write is ignored, the read-back
 * stays LANCE_CHIP), "bar-size" (a -device property: 0x40 gives a BAR too
 * small for the vmxnet block), the vmxnet model's "fault" and counters.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/irq.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "sysemu/dma.h"
#include "sysemu/sysemu.h"
#include "hw/net/pcnet.h"

#include "vmxnet2_backend.h"

#define TYPE_VMXNET_FLEXIBLE "vmxnet-flexible"
OBJECT_DECLARE_SIMPLE_TYPE(FlexState, VMXNET_FLEXIBLE)

#define FLEX_BAR_DEFAULT        0x80u   /* a power of two >= 0x64 */

/* Plain vmxnet: zero-copy transmit and IPv4 checksums, none of A3.3's enhanced bits. */
#define FLEX_DEFAULT_FEATURES   VMXNET_FEATURE_ZERO_COPY_TX
#define FLEX_DEFAULT_CAPS \
    (VMNET_CAP_SG | VMNET_CAP_IP4_CSUM | VMNET_CAP_VMXNET_APROM)

enum flex_switch_fault {
    FLEX_SWITCH_OK,
    FLEX_SWITCH_REFUSE,
};

struct FlexState {
    PCIDevice parent_obj;

    MemoryRegion io;
    uint32_t bar_size;
    uint16_t mode;                      /* LANCE_CHIP or VMXNET_CHIP */
    enum flex_switch_fault switch_fault;
    uint64_t switches_vmxnet, switches_vlance, switches_refused;

    /* vlance: QEMU's PCnet core; it owns the NIC (its opaque is &pcnet). */
    PCNetState pcnet;

    /* vmxnet: our model, as the vmxnet2 device drives it (active in vmxnet mode). */
    Vmxnet2Backend be;
    uint32_t features;
    uint32_t caps;
    uint32_t rx_hint;
    uint32_t tx_hint;
};

static FlexState *flex_of_nc(NetClientState *nc)
{
    PCNetState *p = qemu_get_nic_opaque(nc);

    return container_of(p, FlexState, pcnet);
}

/* ------------------------------------------------------------ the netdev */

static bool flex_can_receive(NetClientState *nc)
{
    FlexState *s = flex_of_nc(nc);

    /* PCnet takes (or drops) every frame itself. */
    if (s->mode != VMXNET_CHIP) {
        return true;
    }
    return vmxnet2_backend_can_receive(&s->be);
}

static ssize_t flex_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
    FlexState *s = flex_of_nc(nc);

    if (s->mode != VMXNET_CHIP) {
        return pcnet_receive(nc, buf, size);
    }
    return vmxnet2_backend_receive(&s->be, buf, size);
}

static void flex_link_status_changed(NetClientState *nc)
{
    FlexState *s = flex_of_nc(nc);

    pcnet_set_link_status(nc);
    vmxnet2_backend_link_changed(&s->be, !nc->link_down);
}

static NetClientInfo net_flex_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = flex_can_receive,
    .receive = flex_receive,
    .link_status_changed = flex_link_status_changed,
};

/* ------------------------------------------------------------- switching */

/* Both sides back to their reset state, then @mode answers. */
static void flex_enter(FlexState *s, uint16_t mode)
{
    vmxnet2_backend_reset(&s->be);
    pcnet_h_reset(&s->pcnet);
    s->mode = mode;
    s->be.active = mode == VMXNET_CHIP;
    /* Whatever waited for the old side is offered to the new one. */
    vmxnet2_backend_rx_unblock(&s->be, true);
}

static void flex_morph_write(FlexState *s, uint16_t val)
{
    if (val == VMXNET_CHIP && s->mode != VMXNET_CHIP) {
        if (s->switch_fault == FLEX_SWITCH_REFUSE) {
            s->switches_refused++;
            return;
        }
        flex_enter(s, VMXNET_CHIP);
        s->switches_vmxnet++;
    } else if (val == LANCE_CHIP && s->mode != LANCE_CHIP) {
        flex_enter(s, LANCE_CHIP);
        s->switches_vlance++;
    }
    /* Anything else, or the mode it is in: nothing happens. */
}

/* ------------------------------------------------------- the LANCE ports */

/*
 * The address PROM at +0x00..0x0f: bytes and words in 16-bit I/O mode,
 * dwords in 32-bit.
 */
static uint32_t lance_aprom_read(PCNetState *p, hwaddr addr, unsigned size)
{
    uint32_t v = 0;
    unsigned int i;

    if (BCR_DWIO(p) ? size != 4 || (addr & 3) : size == 4 || (addr & (size - 1))) {
        return UINT32_MAX >> (32 - 8 * size);
    }
    for (i = 0; i < size; i++) {
        v |= (uint32_t)p->prom[(addr + i) & 15] << (8 * i);
    }
    return v;
}

static void lance_aprom_write(PCNetState *p, hwaddr addr, uint32_t val, unsigned size)
{
    unsigned int i;

    if (!BCR_APROMWE(p)) {
        return;
    }
    if (BCR_DWIO(p) ? size != 4 || (addr & 3) : size == 4 || (addr & (size - 1))) {
        return;
    }
    for (i = 0; i < size; i++) {
        p->prom[(addr + i) & 15] = val >> (8 * i);
    }
}

static uint32_t lance_read(FlexState *s, hwaddr addr, unsigned size)
{
    if (addr < 0x10) {
        return lance_aprom_read(&s->pcnet, addr, size);
    }
    if (size == 2) {
        return pcnet_ioport_readw(&s->pcnet, addr);
    }
    if (size == 4) {
        return pcnet_ioport_readl(&s->pcnet, addr);
    }
    return 0xff;
}

static void lance_write(FlexState *s, hwaddr addr, uint32_t val, unsigned size)
{
    if (addr < 0x10) {
        lance_aprom_write(&s->pcnet, addr, val, size);
    } else if (size == 2) {
        pcnet_ioport_writew(&s->pcnet, addr, val);
    } else if (size == 4) {
        pcnet_ioport_writel(&s->pcnet, addr, val);
    }
}

/* ------------------------------------------------------------ the I/O BAR */

static uint64_t flex_io_read(void *opaque, hwaddr addr, unsigned size)
{
    FlexState *s = opaque;
    uint64_t ones = UINT32_MAX >> (32 - 8 * size);

    if (addr < VMXNET_MORPH_PORT) {
        return s->mode == LANCE_CHIP ? lance_read(s, addr, size) : ones;
    }
    if (addr < VMXNET_MORPH_REGS) {
        return (s->mode >> (8 * (addr - VMXNET_MORPH_PORT))) & ones;
    }
    if (addr >= VMXNET_MORPH_IO_MIN_SIZE || s->mode != VMXNET_CHIP) {
        return ones;
    }
    return vmxnet2_backend_io_read(&s->be, addr - VMXNET_MORPH_REGS, size);
}

static void flex_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    FlexState *s = opaque;

    if (addr < VMXNET_MORPH_PORT) {
        if (s->mode == LANCE_CHIP) {
            lance_write(s, addr, val, size);
        }
        return;
    }
    if (addr < VMXNET_MORPH_REGS) {
        /* A 16-bit port; a 32-bit write carries it in its low half. */
        if (addr == VMXNET_MORPH_PORT && size >= 2) {
            flex_morph_write(s, val & 0xffff);
        }
        return;
    }
    if (addr >= VMXNET_MORPH_IO_MIN_SIZE || s->mode != VMXNET_CHIP) {
        return;
    }
    vmxnet2_backend_io_write(&s->be, addr - VMXNET_MORPH_REGS, val, size);
}

static const MemoryRegionOps flex_io_ops = {
    .read = flex_io_read,
    .write = flex_io_write,
    .valid.min_access_size = 1,
    .valid.max_access_size = 4,
    .impl.min_access_size = 1,
    .impl.max_access_size = 4,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/* ---------------------------------------------------------------- device */

static void flex_dma_read(void *dma_opaque, hwaddr addr, uint8_t *buf, int len,
                          int do_bswap)
{
    pci_dma_read(PCI_DEVICE(dma_opaque), addr, buf, len);
}

static void flex_dma_write(void *dma_opaque, hwaddr addr, uint8_t *buf, int len,
                           int do_bswap)
{
    pci_dma_write(PCI_DEVICE(dma_opaque), addr, buf, len);
}

static void flex_realize(PCIDevice *pdev, Error **errp)
{
    FlexState *s = VMXNET_FLEXIBLE(pdev);
    DeviceState *dev = DEVICE(pdev);
    PCNetState *p = &s->pcnet;

    if (s->bar_size < LANCE_CHIP_IO_RESV_SIZE || s->bar_size > 0x100 ||
        (s->bar_size & (s->bar_size - 1))) {
        error_setg(errp, "bar-size must be a power of two from 0x20 to 0x100");
        return;
    }
    pdev->config[PCI_INTERRUPT_PIN] = 1;
    memory_region_init_io(&s->io, OBJECT(s), &flex_io_ops, s, "vmxnet-flexible-io",
                          s->bar_size);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);

    p->irq = pci_allocate_irq(pdev);
    p->phys_mem_read = flex_dma_read;
    p->phys_mem_write = flex_dma_write;
    p->dma_opaque = dev;
    /* Creates the NIC, with &s->pcnet as its opaque; sets a default MAC. */
    pcnet_common_init(dev, p, &net_flex_info);

    vmxnet2_backend_init(&s->be, pdev, p->conf.macaddr.a);
    s->be.model.features = s->features;
    s->be.model.caps = s->caps;
    s->be.model.rx_hint = s->rx_hint;
    s->be.model.tx_hint = s->tx_hint;
    s->be.tx_bh_on = true;
    vmxnet2_backend_set_nic(&s->be, s->pcnet.nic);
    s->mode = LANCE_CHIP;
    s->be.active = false;
}

static void flex_exit(PCIDevice *pdev)
{
    FlexState *s = VMXNET_FLEXIBLE(pdev);

    vmxnet2_backend_exit(&s->be);
    qemu_free_irq(s->pcnet.irq);
    timer_free(s->pcnet.poll_timer);
    qemu_del_nic(s->pcnet.nic);
}

/* A PCI reset powers the adapter up as vlance, as a VMware VM boots. */
static void flex_reset(DeviceState *dev)
{
    flex_enter(VMXNET_FLEXIBLE(dev), LANCE_CHIP);
}

/* ------------------------------------------------------------ properties */

static char *flex_get_mode(Object *obj, Error **errp)
{
    return g_strdup(VMXNET_FLEXIBLE(obj)->mode == VMXNET_CHIP ? "vmxnet" : "vlance");
}

static char *flex_get_switch_fault(Object *obj, Error **errp)
{
    return g_strdup(VMXNET_FLEXIBLE(obj)->switch_fault == FLEX_SWITCH_REFUSE ?
            "refuse" : "none");
}

static void flex_set_switch_fault(Object *obj, const char *value, Error **errp)
{
    FlexState *s = VMXNET_FLEXIBLE(obj);

    if (!strcmp(value, "none")) {
        s->switch_fault = FLEX_SWITCH_OK;
    } else if (!strcmp(value, "refuse")) {
        s->switch_fault = FLEX_SWITCH_REFUSE;
    } else {
        error_setg(errp, "unknown switch-fault '%s' (none, refuse)", value);
    }
}

/* The switch counters; the model's are the backend's stat-* properties. */
#define FSTAT(name, field) { "stat-" name, offsetof(FlexState, field) }

static const struct {
    const char *name;
    size_t offset;
} stat_props[] = {
    FSTAT("switches-vmxnet", switches_vmxnet),
    FSTAT("switches-vlance", switches_vlance),
    FSTAT("switches-refused", switches_refused),
};

static void flex_get_stat(Object *obj, Visitor *v, const char *name, void *opaque,
                          Error **errp)
{
    const uint8_t *base = (const uint8_t *)VMXNET_FLEXIBLE(obj);
    uint64_t value;

    memcpy(&value, base + stat_props[(uintptr_t)opaque].offset, sizeof(value));
    visit_type_uint64(v, name, &value, errp);
}

static Vmxnet2Backend *flex_backend_of(Object *obj)
{
    return &VMXNET_FLEXIBLE(obj)->be;
}

static const VMStateDescription vmstate_flex = {
    .name = TYPE_VMXNET_FLEXIBLE,
    .unmigratable = 1,
};

static Property flex_properties[] = {
    DEFINE_NIC_PROPERTIES(FlexState, pcnet.conf),
    DEFINE_PROP_UINT32("bar-size", FlexState, bar_size, FLEX_BAR_DEFAULT),
    DEFINE_PROP_UINT32("features", FlexState, features, FLEX_DEFAULT_FEATURES),
    DEFINE_PROP_UINT32("caps", FlexState, caps, FLEX_DEFAULT_CAPS),
    DEFINE_PROP_UINT32("rx-hint", FlexState, rx_hint, VMXNET2_DEFAULT_NUM_RX_BUFFERS),
    DEFINE_PROP_UINT32("tx-hint", FlexState, tx_hint, VMXNET2_DEFAULT_NUM_TX_BUFFERS),
    DEFINE_PROP_END_OF_LIST(),
};

static void flex_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    size_t i;

    k->realize = flex_realize;
    k->exit = flex_exit;
    k->vendor_id = VMXNET_VLANCE_VENDOR_ID;
    k->device_id = VMXNET_VLANCE_DEVICE_ID;
    k->revision = VMXNET_VLANCE_REVISION;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;
    dc->desc = "VMware Flexible NIC (vlance that switches to vmxnet) host model";
    dc->reset = flex_reset;
    dc->vmsd = &vmstate_flex;
    device_class_set_props(dc, flex_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

    object_class_property_add_str(klass, "mode", flex_get_mode, NULL);
    object_class_property_add_str(klass, "switch-fault", flex_get_switch_fault,
                                  flex_set_switch_fault);
    vmxnet2_backend_class_init(klass, flex_backend_of);
    for (i = 0; i < ARRAY_SIZE(stat_props); i++) {
        object_class_property_add(klass, stat_props[i].name, "uint64", flex_get_stat,
                                  NULL, NULL, (void *)(uintptr_t)i);
    }
}

static void flex_instance_init(Object *obj)
{
    FlexState *s = VMXNET_FLEXIBLE(obj);

    device_add_bootindex_property(obj, &s->pcnet.conf.bootindex, "bootindex",
                                  "/ethernet-phy@0", DEVICE(obj));
}

static const TypeInfo flex_info = {
    .name = TYPE_VMXNET_FLEXIBLE,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(FlexState),
    .instance_init = flex_instance_init,
    .class_init = flex_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void flex_register_types(void)
{
    type_register_static(&flex_info);
}

type_init(flex_register_types)
