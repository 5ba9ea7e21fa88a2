// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vmxnet host model as a QEMU NIC backend, shared by the "vmxnet2" and
 * "vmxnet-flexible" devices (see vmxnet2_backend.h). Transmit runs in a
 * bottom half of the main loop, not in the vCPU that kicked.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"

#include "vmxnet2_backend.h"

/* How often a full ring 1 is looked at again: the guest refills silently. */
#define RX_RETRY_NS (500 * SCALE_US)

/* ---------------------------------------------------- the model's host */

static bool glue_read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    Vmxnet2Backend *b = opaque;

    return pci_dma_read(b->pdev, gpa, buf, len) == MEMTX_OK;
}

static bool glue_write_guest(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    Vmxnet2Backend *b = opaque;

    return pci_dma_write(b->pdev, gpa, buf, len) == MEMTX_OK;
}

static void glue_send(void *opaque, const uint8_t *frame, size_t len)
{
    Vmxnet2Backend *b = opaque;

    qemu_send_packet(qemu_get_queue(b->nic), frame, len);
}

static void glue_set_irq(void *opaque, bool level)
{
    Vmxnet2Backend *b = opaque;

    pci_set_irq(b->pdev, level);
}

static void glue_tx_kick(void *opaque)
{
    Vmxnet2Backend *b = opaque;

    if (b->tx_bh_on) {
        qemu_bh_schedule(b->tx_bh);
    } else {
        vmx2_tx_run(&b->model);
    }
}

/*
 * A run stopped at its frame budget: the rest goes from the main loop, even
 * with tx-bh off.
 */
static void glue_tx_resume(void *opaque)
{
    Vmxnet2Backend *b = opaque;

    qemu_bh_schedule(b->tx_bh);
}

static const struct vmx2_ops glue_ops = {
    .read_guest = glue_read_guest,
    .write_guest = glue_write_guest,
    .send = glue_send,
    .set_irq = glue_set_irq,
    .tx_kick = glue_tx_kick,
    .tx_resume = glue_tx_resume,
};

/*
 * Kicks that came while this ran scheduled it again; what they handed over
 * is sent then. Frames for a NIC on the same hub are delivered from here,
 * and its LPD flush runs after us.
 */
static void tx_bh_cb(void *opaque)
{
    Vmxnet2Backend *b = opaque;

    if (b->active) {
        vmx2_tx_run(&b->model);
    }
}

static void lpd_flush_cb(void *opaque)
{
    Vmxnet2Backend *b = opaque;

    if (b->active) {
        vmx2_rx_flush(&b->model);
    }
}

/* ------------------------------------------------------- back-pressure */

void vmxnet2_backend_rx_unblock(Vmxnet2Backend *b, bool force)
{
    if (!b->rx_blocked) {
        return;
    }
    if (!force && !vmx2_can_receive(&b->model)) {
        timer_mod(b->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + RX_RETRY_NS);
        return;
    }
    b->rx_blocked = false;
    timer_del(b->rx_retry);
    qemu_flush_queued_packets(qemu_get_queue(b->nic));
}

/* A device whose model no longer answers takes the frames itself. */
static void rx_retry_cb(void *opaque)
{
    Vmxnet2Backend *b = opaque;

    vmxnet2_backend_rx_unblock(b, !b->active);
}

static void rx_block(Vmxnet2Backend *b)
{
    if (b->rx_blocked) {
        return;
    }
    b->rx_blocked = true;
    timer_mod(b->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + RX_RETRY_NS);
}

bool vmxnet2_backend_can_receive(Vmxnet2Backend *b)
{
    if (vmx2_can_receive(&b->model)) {
        return true;
    }
    rx_block(b);
    return false;
}

ssize_t vmxnet2_backend_receive(Vmxnet2Backend *b, const uint8_t *buf, size_t size)
{
    enum vmx2_rx_result res = vmx2_receive(&b->model, buf, size);

    /*
     * The hub hands us a sender's frames one by one from inside its tx
     * processing; a bottom half runs after that, at the end of the burst.
     */
    if (vmx2_rx_held(&b->model)) {
        qemu_bh_schedule(b->lpd_flush);
    }
    if (res == VMX2_RX_BUSY) {
        rx_block(b);
        return 0;
    }
    return size;
}

void vmxnet2_backend_link_changed(Vmxnet2Backend *b, bool up)
{
    vmx2_set_link(&b->model, up);
}

/* ---------------------------------------------------------- registers */

uint32_t vmxnet2_backend_io_read(Vmxnet2Backend *b, hwaddr addr, unsigned size)
{
    uint32_t v = vmx2_io_read(&b->model, addr, size);

    vmxnet2_backend_rx_unblock(b, false);
    return v;
}

void vmxnet2_backend_io_write(Vmxnet2Backend *b, hwaddr addr, uint64_t val,
                              unsigned size)
{
    vmx2_io_write(&b->model, addr, val, size);
    vmxnet2_backend_rx_unblock(b, false);
}

/* ---------------------------------------------------------- lifecycle */

void vmxnet2_backend_init(Vmxnet2Backend *b, PCIDevice *pdev, const uint8_t *mac)
{
    DeviceState *dev = DEVICE(pdev);

    b->pdev = pdev;
    vmx2_init(&b->model, &glue_ops, b, mac);
    b->rx_retry = timer_new_ns(QEMU_CLOCK_VIRTUAL, rx_retry_cb, b);
    b->lpd_flush = qemu_bh_new_guarded(lpd_flush_cb, b, &dev->mem_reentrancy_guard);
    b->tx_bh = qemu_bh_new_guarded(tx_bh_cb, b, &dev->mem_reentrancy_guard);
}

void vmxnet2_backend_set_nic(Vmxnet2Backend *b, NICState *nic)
{
    b->nic = nic;
    vmx2_set_link(&b->model, !qemu_get_queue(nic)->link_down);
}

void vmxnet2_backend_exit(Vmxnet2Backend *b)
{
    timer_free(b->rx_retry);
    qemu_bh_delete(b->lpd_flush);
    qemu_bh_delete(b->tx_bh);
}

void vmxnet2_backend_reset(Vmxnet2Backend *b)
{
    qemu_bh_cancel(b->tx_bh);
    qemu_bh_cancel(b->lpd_flush);
    vmx2_reset(&b->model);
}

/* --------------------------------------------------------- properties */

typedef Vmxnet2Backend *(*BackendOf)(Object *obj);

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

/* What a stat property's getter needs: where the backend is, which counter. */
typedef struct {
    BackendOf backend_of;
    size_t index;
} StatProp;

static void get_stat(Object *obj, Visitor *v, const char *name, void *opaque,
                     Error **errp)
{
    const StatProp *p = opaque;
    const uint8_t *base = (const uint8_t *)&p->backend_of(obj)->model.st;
    uint64_t value;

    memcpy(&value, base + stat_props[p->index].offset, sizeof(value));
    visit_type_uint64(v, name, &value, errp);
}

/* The other properties get a pointer to the backend lookup as their opaque. */
static void get_fault(Object *obj, Visitor *v, const char *name, void *opaque,
                      Error **errp)
{
    BackendOf backend_of = *(BackendOf *)opaque;
    char *value = g_strdup(vmx2_fault_name(backend_of(obj)->model.fault));

    visit_type_str(v, name, &value, errp);
    g_free(value);
}

static void set_fault(Object *obj, Visitor *v, const char *name, void *opaque,
                      Error **errp)
{
    BackendOf backend_of = *(BackendOf *)opaque;
    char *value;
    int fault;

    if (!visit_type_str(v, name, &value, errp)) {
        return;
    }
    fault = vmx2_fault_parse(value);
    if (fault < 0) {
        error_setg(errp, "unknown fault '%s' (none, rx-bad-index, "
                   "tx-bad-index, rx-bad-length, bad-owner, tx-stuck, "
                   "rx-frag-no-eop, init-refuse-once, lro-bad-length)", value);
    } else {
        vmx2_set_fault(&backend_of(obj)->model, fault);
    }
    g_free(value);
}

static void get_attached(Object *obj, Visitor *v, const char *name, void *opaque,
                         Error **errp)
{
    BackendOf backend_of = *(BackendOf *)opaque;
    bool value = backend_of(obj)->model.attached;

    visit_type_bool(v, name, &value, errp);
}

void vmxnet2_backend_class_init(ObjectClass *klass, BackendOf backend_of)
{
    BackendOf *lookup = g_new(BackendOf, 1);
    size_t i;

    *lookup = backend_of;
    object_class_property_add(klass, "fault", "str", get_fault, set_fault, NULL,
                              lookup);
    object_class_property_add(klass, "attached", "bool", get_attached, NULL, NULL,
                              lookup);
    for (i = 0; i < ARRAY_SIZE(stat_props); i++) {
        StatProp *p = g_new(StatProp, 1);

        p->backend_of = backend_of;
        p->index = i;
        object_class_property_add(klass, stat_props[i].name, "uint64", get_stat,
                                  NULL, NULL, p);
    }
}
