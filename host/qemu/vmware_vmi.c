// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for the VMI paravirtual timer host model (host/vmi): the PCI
 * device "vmware-vmi" (15ad:0801, memory controller, revision 01) with the
 * VMI option ROM (docs/protocol/vmi.md §1.3), the registers in BAR0 (§5.2),
 * one MSI-X vector per slot in BAR2 (§5.4), alarms on QEMU's virtual clock,
 * and QOM properties for the tests: a fault switch, stolen-time injection
 * and counters.
 *
 * REAL follows QEMU_CLOCK_VIRTUAL; the guest TSC under TCG is QEMU's tick
 * counter (cpus_get_elapsed_ticks(): the host TSC plus an offset), which
 * stops and resumes with that clock, so the shared page (§5.3) relates the
 * two by one line refreshed once a second.
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/pci/pci.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/cpu-timers.h"
#include "sysemu/runstate.h"
#include "exec/memory.h"

#include "vmi_timer.h"

#define TYPE_VMWARE_VMI "vmware-vmi"
OBJECT_DECLARE_SIMPLE_TYPE(VmiState, VMWARE_VMI)

#define VMI_ROM_SIZE    2048
#define VMI_MSIX_BAR    2
#define REFRESH_NS      NANOSECONDS_PER_SECOND

struct VmiState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    MemoryRegion rom;
    QEMUTimer *slot_timer[VMIM_MAX_SLOTS];
    struct slot_ref {
        struct VmiState *s;
        unsigned int slot;
    } slot_ref[VMIM_MAX_SLOTS];
    QEMUTimer *refresh;
    VMChangeStateEntry *vmstate_change;

    /* Host TSC rate, measured against CLOCK_MONOTONIC since realize. */
    int64_t cal_ticks0;
    int64_t cal_ns0;
    uint64_t tsc_hz;
    /* The guest's TSC is the host's plus this (see guest_tsc_sync()). */
    int64_t guest_tsc_off;
    bool guest_tsc_off_valid;

    /* Configuration (-device properties). */
    uint32_t nr_slots;
    uint64_t freq;

    struct vmim model;
};

static uint64_t glue_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/*
 * What the guest's rdtsc returns is QEMU's tick counter: the host TSC plus
 * an offset that moves when the VM stops and resumes (and, with our patch
 * 0003, only on a host TSC step back of a millisecond or more). Reading the
 * counter takes QEMU's clock spinlock, which a loaded host may leave held
 * by a preempted vCPU thread, and a (REAL, TSC) pair for the shared page
 * should not wait there. So the offset is measured between two lock-free
 * host TSC reads, the tightest of a few tries, and kept until a tight
 * measurement (or a resumed VM, @must) replaces it; pairs then read the
 * host TSC alone.
 */
static void guest_tsc_sync(VmiState *s, bool must)
{
    int64_t best = INT64_MAX, off = 0, tight;
    int i;

    for (i = 0; i < 8; i++) {
        int64_t h0 = cpu_get_host_ticks();
        int64_t g = cpus_get_elapsed_ticks();
        int64_t h1 = cpu_get_host_ticks();

        if (h1 >= h0 && h1 - h0 < best) {
            best = h1 - h0;
            off = g - h0 - best / 2;
        }
    }
    /* 10 us of host TSC (20000 ticks before the rate is known). */
    tight = s->tsc_hz ? (int64_t)(s->tsc_hz / 100000) : 20000;
    if (best == INT64_MAX || (best > tight && !must && s->guest_tsc_off_valid)) {
        return;
    }
    s->guest_tsc_off = off;
    s->guest_tsc_off_valid = true;
}

static uint64_t glue_tsc_now(void *opaque)
{
    VmiState *s = opaque;

    if (!s->guest_tsc_off_valid) {
        guest_tsc_sync(s, true);
    }
    return cpu_get_host_ticks() + s->guest_tsc_off;
}

static uint64_t ticks_per_sec(int64_t ticks, int64_t ns)
{
    if (ns <= 0 || ticks <= 0) {
        return 0;
    }
    return (uint64_t)((unsigned __int128)ticks * NANOSECONDS_PER_SECOND /
                      (uint64_t)ns);
}

/*
 * A (host TSC, monotonic ns) pair: the clock read on both sides of the TSC,
 * the tightest of 8 tries, so that a thread preempted between two reads does
 * not put milliseconds of error into the rate.
 */
static void tsc_pair(int64_t *ticks, int64_t *ns)
{
    int64_t best = INT64_MAX;
    int i;

    for (i = 0; i < 8; i++) {
        int64_t before = get_clock();
        int64_t t = cpu_get_host_ticks();
        int64_t after = get_clock();

        if (after - before < best) {
            best = after - before;
            *ticks = t;
            *ns = before + best / 2;
        }
    }
}

static uint64_t glue_tsc_hz(void *opaque)
{
    VmiState *s = opaque;
    int64_t ticks, ns;

    /* The longer the baseline, the better; the first 20 ms come from realize. */
    tsc_pair(&ticks, &ns);
    if (ns - s->cal_ns0 >= 20 * SCALE_MS) {
        s->tsc_hz = ticks_per_sec(ticks - s->cal_ticks0, ns - s->cal_ns0);
    }
    return s->tsc_hz;
}

static uint64_t glue_wall_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_HOST);
}

static void glue_arm(void *opaque, unsigned int slot, uint64_t deadline)
{
    VmiState *s = opaque;

    if (!s->slot_timer[slot]) {
        return;
    }
    if (deadline == UINT64_MAX) {
        timer_del(s->slot_timer[slot]);
    } else {
        timer_mod(s->slot_timer[slot], (int64_t)MIN(deadline, (uint64_t)INT64_MAX));
    }
}

static void glue_notify(void *opaque, unsigned int entry)
{
    PCIDevice *pdev = PCI_DEVICE(opaque);

    if (entry < VMWARE_VMI(opaque)->nr_slots && msix_enabled(pdev)) {
        msix_notify(pdev, entry);
    }
}

static bool glue_write_guest(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    return pci_dma_write(PCI_DEVICE(opaque), gpa, buf, len) == MEMTX_OK;
}

static void glue_stall(void *opaque, uint64_t ns)
{
    g_usleep(ns / 1000);
}

static const struct vmim_ops glue_ops = {
    .now_ns = glue_now_ns,
    .tsc_now = glue_tsc_now,
    .tsc_hz = glue_tsc_hz,
    .wall_ns = glue_wall_ns,
    .arm = glue_arm,
    .notify = glue_notify,
    .write_guest = glue_write_guest,
    .stall = glue_stall,
};

static uint64_t vmi_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return vmim_read(&VMWARE_VMI(opaque)->model, addr, size);
}

static void vmi_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    vmim_write(&VMWARE_VMI(opaque)->model, addr, val, size);
}

static const MemoryRegionOps vmi_mmio_ops = {
    .read = vmi_mmio_read,
    .write = vmi_mmio_write,
    .valid.min_access_size = 1,
    .valid.max_access_size = 8,
    .impl.min_access_size = 1,
    .impl.max_access_size = 8,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void slot_timer_cb(void *opaque)
{
    struct slot_ref *ref = opaque;

    vmim_timer_expired(&ref->s->model, ref->slot);
}

static void refresh_cb(void *opaque)
{
    VmiState *s = opaque;

    guest_tsc_sync(s, false);
    vmim_refresh_page(&s->model);
    timer_mod(s->refresh, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + REFRESH_NS);
}

/* After a stop (hostctl pause): the host wallclock moved relative to REAL (§2.2). */
static void vmi_vm_state_change(void *opaque, bool running, RunState state)
{
    VmiState *s = opaque;

    if (!running) {
        s->guest_tsc_off_valid = false;     /* QEMU's ticks stand still */
    } else {
        guest_tsc_sync(s, true);
        vmim_wallclock_stepped(&s->model);
        vmim_refresh_page(&s->model);
    }
}

static void vmi_calibrate(VmiState *s)
{
    int64_t ticks, ns;

    tsc_pair(&s->cal_ticks0, &s->cal_ns0);
    g_usleep(20000);
    tsc_pair(&ticks, &ns);
    s->tsc_hz = ticks_per_sec(ticks - s->cal_ticks0, ns - s->cal_ns0);
}

static void vmi_realize(PCIDevice *pdev, Error **errp)
{
    ERRP_GUARD();
    VmiState *s = VMWARE_VMI(pdev);
    uint64_t bar_size = pow2ceil(VMI_SLOT_BASE(s->nr_slots));
    unsigned int i;

    if (s->nr_slots < 1 || s->nr_slots > VMIM_MAX_SLOTS) {
        error_setg(errp, "slots must be 1..%d", VMIM_MAX_SLOTS);
        return;
    }
    if (s->freq < 1000000 || s->freq > UINT32_MAX) {
        error_setg(errp, "freq must be 1 MHz..4294967295 Hz");
        return;
    }

    memory_region_init_io(&s->mmio, OBJECT(s), &vmi_mmio_ops, s, "vmware-vmi-mmio",
                          bar_size);
    pci_register_bar(pdev, 0,
                     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->mmio);
    if (msix_init_exclusive_bar(pdev, s->nr_slots, VMI_MSIX_BAR, errp)) {
        return;
    }
    for (i = 0; i < s->nr_slots; i++) {
        msix_vector_use(pdev, i);
    }

    /* The option ROM: how VMI-era kernels found the interface (§1.2). */
    memory_region_init_rom(&s->rom, OBJECT(s), "vmware-vmi.rom", VMI_ROM_SIZE, errp);
    if (*errp) {
        return;
    }
    vmim_build_rom(memory_region_get_ram_ptr(&s->rom), VMI_ROM_SIZE);
    pci_register_bar(pdev, PCI_ROM_SLOT, 0, &s->rom);

    vmi_calibrate(s);
    vmim_init(&s->model, &glue_ops, s, s->nr_slots, s->freq);
    for (i = 0; i < s->nr_slots; i++) {
        struct slot_ref *ref = &s->slot_ref[i];

        ref->s = s;
        ref->slot = i;
        s->slot_timer[i] = timer_new_ns(QEMU_CLOCK_VIRTUAL, slot_timer_cb, ref);
    }
    s->refresh = timer_new_ns(QEMU_CLOCK_VIRTUAL, refresh_cb, s);
    timer_mod(s->refresh, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + REFRESH_NS);
    s->vmstate_change = qemu_add_vm_change_state_handler(vmi_vm_state_change, s);
}

static void vmi_exit(PCIDevice *pdev)
{
    VmiState *s = VMWARE_VMI(pdev);
    unsigned int i;

    qemu_del_vm_change_state_handler(s->vmstate_change);
    timer_free(s->refresh);
    for (i = 0; i < s->nr_slots; i++) {
        if (!s->slot_timer[i]) {
            continue;
        }
        timer_free(s->slot_timer[i]);
        s->slot_timer[i] = NULL;
    }
    msix_uninit_exclusive_bar(pdev);
}

static void vmi_reset(DeviceState *dev)
{
    VmiState *s = VMWARE_VMI(dev);

    vmim_reset(&s->model);
    msix_reset(PCI_DEVICE(dev));
}

static char *vmi_get_fault(Object *obj, Error **errp)
{
    return g_strdup(vmim_fault_name(VMWARE_VMI(obj)->model.fault));
}

static void vmi_set_fault(Object *obj, const char *value, Error **errp)
{
    int fault = vmim_fault_parse(value);

    if (fault < 0) {
        error_setg(errp, "unknown fault '%s' (none, freq-zero, backwards, frozen, "
                   "torn-version, alarm-lost, irq-storm, page-offset, slow-real)",
                   value);
        return;
    }
    vmim_set_fault(&VMWARE_VMI(obj)->model, fault);
}

static char *vmi_get_steal(Object *obj, Error **errp)
{
    return g_strdup("");
}

/* "SLOT:NS": the vCPU of that slot was descheduled (ready) for NS more. */
static void vmi_set_steal(Object *obj, const char *value, Error **errp)
{
    VmiState *s = VMWARE_VMI(obj);
    unsigned int slot;
    uint64_t ns;
    char tail;

    if (sscanf(value, "%u:%" SCNu64 "%c", &slot, &ns, &tail) != 2 ||
        vmim_inject_steal(&s->model, slot, ns)) {
        error_setg(errp, "steal wants SLOT:NS with SLOT < %u", s->nr_slots);
    }
}

#define STAT(name, field) { "stat-" name, offsetof(struct vmim_stats, field) }

static const struct {
    const char *name;
    size_t offset;
} stat_props[] = {
    STAT("deliveries", deliveries),
    STAT("dropped", dropped),
    STAT("sets", sets),
    STAT("cancels", cancels),
    STAT("page-updates", page_updates),
    STAT("loose-pairs", loose_pairs),
    STAT("resyncs", resyncs),
    STAT("stolen-injected-ns", stolen_injected_ns),
};

static void vmi_get_stat(Object *obj, Visitor *v, const char *name, void *opaque,
                         Error **errp)
{
    const uint8_t *base = (const uint8_t *)&VMWARE_VMI(obj)->model.st;
    uint64_t value;

    memcpy(&value, base + stat_props[(uintptr_t)opaque].offset, sizeof(value));
    visit_type_uint64(v, name, &value, errp);
}

static void vmi_get_tsc_hz(Object *obj, Visitor *v, const char *name, void *opaque,
                           Error **errp)
{
    uint64_t value = glue_tsc_hz(VMWARE_VMI(obj));

    visit_type_uint64(v, name, &value, errp);
}

static const VMStateDescription vmstate_vmi = {
    .name = TYPE_VMWARE_VMI,
    .unmigratable = 1,
};

static Property vmi_properties[] = {
    DEFINE_PROP_UINT32("slots", VmiState, nr_slots, VMIM_DEFAULT_SLOTS),
    DEFINE_PROP_UINT64("freq", VmiState, freq, VMIM_DEFAULT_FREQ),
    DEFINE_PROP_END_OF_LIST(),
};

static void vmi_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    size_t i;

    k->realize = vmi_realize;
    k->exit = vmi_exit;
    k->vendor_id = VMI_PCI_VENDOR_ID;
    k->device_id = VMI_PCI_DEVICE_ID;
    k->subsystem_vendor_id = VMI_PCI_VENDOR_ID;
    k->subsystem_id = VMI_PCI_SUBSYS_ID;
    k->revision = VMI_PCI_REVISION;
    k->class_id = VMI_PCI_CLASS;
    dc->desc = "VMware VMI paravirtual timer host model";
    dc->reset = vmi_reset;
    dc->vmsd = &vmstate_vmi;
    device_class_set_props(dc, vmi_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);

    object_class_property_add_str(klass, "fault", vmi_get_fault, vmi_set_fault);
    object_class_property_add_str(klass, "steal", vmi_get_steal, vmi_set_steal);
    object_class_property_add(klass, "tsc-hz", "uint64", vmi_get_tsc_hz,
                              NULL, NULL, NULL);
    for (i = 0; i < ARRAY_SIZE(stat_props); i++) {
        object_class_property_add(klass, stat_props[i].name, "uint64", vmi_get_stat,
                                  NULL, NULL, (void *)(uintptr_t)i);
    }
}

static const TypeInfo vmi_info = {
    .name = TYPE_VMWARE_VMI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(VmiState),
    .class_init = vmi_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void vmi_register_types(void)
{
    type_register_static(&vmi_info);
}

type_init(vmi_register_types)
