/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vmxnet host model (host/vmxnet) as a QEMU NIC backend, shared by the
 * two PCI devices that carry it: "vmxnet2" (Enhanced vmxnet) and
 * "vmxnet-flexible" (a vlance that switches to vmxnet). It owns the model,
 * its guest-memory and interrupt callbacks, the transmit and LPD bottom
 * halves, the receive back-pressure (block while ring 1 is full, retry) and
 * the QOM properties every vmxnet device has (fault, attached, stat-*).
 * The device keeps its PCI BAR, its NIC and whatever else it is.
 */
#ifndef PVTOOLS_QEMU_VMXNET2_BACKEND_H
#define PVTOOLS_QEMU_VMXNET2_BACKEND_H

#include "hw/pci/pci.h"
#include "net/net.h"

#include "vmxnet2.h"

typedef struct Vmxnet2Backend {
    struct vmx2 model;
    PCIDevice *pdev;
    NICState *nic;          /* the device's NIC: frames go out through it */
    /*
     * The model answers the wire: always for vmxnet2, in vmxnet mode only
     * for the Flexible NIC (its bottom halves and retries do nothing else).
     */
    bool active;
    bool tx_bh_on;          /* transmit in the main loop; off: the kick does */
    QEMUTimer *rx_retry;
    bool rx_blocked;
    QEMUBH *lpd_flush;      /* LPD: what the model holds, after the burst */
    QEMUBH *tx_bh;
} Vmxnet2Backend;

/* The model with its host callbacks; @pdev does the DMA and the INTx. */
void vmxnet2_backend_init(Vmxnet2Backend *b, PCIDevice *pdev, const uint8_t *mac);
/* The NIC the device created; the model takes its link state. */
void vmxnet2_backend_set_nic(Vmxnet2Backend *b, NICState *nic);
void vmxnet2_backend_exit(Vmxnet2Backend *b);
/* Back to the model's reset state; pending transmits and flushes dropped. */
void vmxnet2_backend_reset(Vmxnet2Backend *b);

/* The vmxnet registers (offsets from their base). */
uint32_t vmxnet2_backend_io_read(Vmxnet2Backend *b, hwaddr addr, unsigned size);
void vmxnet2_backend_io_write(Vmxnet2Backend *b, hwaddr addr, uint64_t val,
                              unsigned size);

/* NetClientInfo hooks, for a device whose model answers the wire now. */
bool vmxnet2_backend_can_receive(Vmxnet2Backend *b);
ssize_t vmxnet2_backend_receive(Vmxnet2Backend *b, const uint8_t *buf, size_t size);
void vmxnet2_backend_link_changed(Vmxnet2Backend *b, bool up);
/*
 * Frames QEMU queued for us are offered again (@force: whether or not ring 1
 * has room).
 */
void vmxnet2_backend_rx_unblock(Vmxnet2Backend *b, bool force);

/*
 * The QOM properties of every vmxnet device: "fault", "attached" and one
 * uint64 "stat-*" per model counter. @backend_of finds the backend in an
 * instance of @klass.
 */
void vmxnet2_backend_class_init(ObjectClass *klass,
                                Vmxnet2Backend *(*backend_of)(Object *obj));

#endif /* PVTOOLS_QEMU_VMXNET2_BACKEND_H */
