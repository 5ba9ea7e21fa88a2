// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for the quiesced-snapshot host model (host/vmbackup): the
 * vmware-vmbackup device serves vmbackup.eventSet through the backdoor,
 * queues the TCLO commands, reads the guest disks' block-layer write counters
 * for the snapshot window, and offers QOM properties the tests drive.
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "block/accounting.h"
#include "hw/qdev-core.h"
#include "sysemu/block-backend.h"

#include "vmbackup.h"
#include "vmware_backdoor.h"

#define TYPE_VMWARE_VMBACKUP "vmware-vmbackup"
OBJECT_DECLARE_SIMPLE_TYPE(VMwareVmbackupState, VMWARE_VMBACKUP)

struct VMwareVmbackupState {
    DeviceState parent_obj;

    struct vmbackup model;
    QEMUTimer *timer;
    Object *backdoor;
    char *last_options;
};

static int64_t glue_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

static bool glue_send_tclo(void *opaque, const char *command)
{
    VMwareVmbackupState *s = opaque;
    Error *err = NULL;

    if (!object_property_set_str(s->backdoor, "tclo-send", command, &err)) {
        error_free(err);
        return false;
    }
    return true;
}

/* The drive id, else the guest device's id: what a test's -drive/-device named. */
static void disk_name(BlockBackend *blk, char *name, size_t size, unsigned int index)
{
    g_autofree char *dev_id = NULL;

    if (*blk_name(blk)) {
        g_strlcpy(name, blk_name(blk), size);
        return;
    }
    dev_id = blk_get_attached_dev_id(blk);
    if (dev_id && *dev_id) {
        g_strlcpy(name, dev_id, size);
    } else {
        snprintf(name, size, "disk%u", index);
    }
}

/* Completed guest writes per disk attached to a guest device. */
static void glue_read_disks(void *opaque, struct vmbackup_disk_set *disks)
{
    BlockBackend *blk = NULL;
    unsigned int index = 0;

    while ((blk = blk_all_next(blk)) && disks->count < VMBACKUP_MAX_DISKS) {
        struct vmbackup_disk *disk;
        BlockAcctStats *stats;

        index++;
        if (!blk_get_attached_dev(blk)) {
            continue;
        }
        stats = blk_get_stats(blk);
        disk = &disks->disk[disks->count++];
        disk_name(blk, disk->name, sizeof(disk->name), index);
        qemu_mutex_lock(&stats->lock);
        disk->writes = stats->nr_ops[BLOCK_ACCT_WRITE];
        disk->bytes = stats->nr_bytes[BLOCK_ACCT_WRITE];
        qemu_mutex_unlock(&stats->lock);
    }
}

static void glue_set_timer(void *opaque, int64_t deadline_ns)
{
    VMwareVmbackupState *s = opaque;

    if (deadline_ns < 0) {
        timer_del(s->timer);
    } else {
        timer_mod(s->timer, deadline_ns);
    }
}

static void vmbackup_timer_fired(void *opaque)
{
    VMwareVmbackupState *s = opaque;

    vmbackup_tick(&s->model);
}

static void vmbackup_event_set(void *opaque, const uint8_t *args, uint32_t len,
                               struct bdoor_buffer *reply)
{
    static const char refused[] = "No quiesce operation in progress";
    VMwareVmbackupState *s = opaque;

    if (vmbackup_event(&s->model, args, len)) {
        bdoor_rpci_reply(reply, true, "", 0);
    } else {
        bdoor_rpci_reply(reply, false, refused, strlen(refused));
    }
}

static void vmbackup_realize(DeviceState *dev, Error **errp)
{
    VMwareVmbackupState *s = VMWARE_VMBACKUP(dev);
    struct vmbackup_ops ops = {
        .now_ns = glue_now_ns,
        .send_tclo = glue_send_tclo,
        .read_disks = glue_read_disks,
        .set_timer = glue_set_timer,
        .opaque = s,
    };

    s->backdoor = object_resolve_path_type("", TYPE_VMWARE_BACKDOOR, NULL);
    if (!s->backdoor) {
        error_setg(errp, "%s needs -device %s first", TYPE_VMWARE_VMBACKUP,
                   TYPE_VMWARE_BACKDOOR);
        return;
    }
    if (!vmware_backdoor_add_rpci_command(VMBACKUP_RPCI_EVENT_SET, vmbackup_event_set,
                                          s, errp)) {
        return;
    }
    s->timer = timer_new_ns(QEMU_CLOCK_REALTIME, vmbackup_timer_fired, s);
    vmbackup_init(&s->model, &ops);
}

static VMwareVmbackupState *vmbackup_of(Object *obj)
{
    return VMWARE_VMBACKUP(obj);
}

/* Core strings are malloc'd; QOM wants GLib allocations. */
static char *to_gstring(char *text)
{
    char *copy = g_strdup(text ? text : "");

    free(text);
    return copy;
}

static char *vmbackup_get_start(Object *obj, Error **errp)
{
    return g_strdup(vmbackup_of(obj)->last_options ?: "");
}

static void vmbackup_set_start(Object *obj, const char *value, Error **errp)
{
    VMwareVmbackupState *s = vmbackup_of(obj);
    const char *why = NULL;

    if (vmbackup_start(&s->model, value, &why)) {
        error_setg(errp, "vmbackup start: %s", why);
        return;
    }
    g_free(s->last_options);
    s->last_options = g_strdup(value);
}

static bool vmbackup_get_abort(Object *obj, Error **errp)
{
    return vmbackup_of(obj)->model.state == VMBACKUP_ABORTING;
}

static void vmbackup_set_abort(Object *obj, bool value, Error **errp)
{
    const char *why = NULL;

    if (value && vmbackup_abort(&vmbackup_of(obj)->model, &why)) {
        error_setg(errp, "vmbackup abort: %s", why);
    }
}

static char *vmbackup_get_state(Object *obj, Error **errp)
{
    return g_strdup(vmbackup_state_name(vmbackup_of(obj)->model.state));
}

static char *vmbackup_get_result(Object *obj, Error **errp)
{
    return g_strdup(vmbackup_result_name(vmbackup_of(obj)->model.result));
}

static char *vmbackup_get_detail(Object *obj, Error **errp)
{
    return g_strdup(vmbackup_of(obj)->model.detail);
}

static char *vmbackup_get_events(Object *obj, Error **errp)
{
    return to_gstring(vmbackup_events_text(&vmbackup_of(obj)->model));
}

static void vmbackup_set_events(Object *obj, const char *value, Error **errp)
{
    if (*value) {
        error_setg(errp, "events can only be cleared (set to \"\")");
        return;
    }
    vmbackup_clear_events(&vmbackup_of(obj)->model);
}

static char *vmbackup_get_window_disks(Object *obj, Error **errp)
{
    return to_gstring(vmbackup_disks_text(&vmbackup_of(obj)->model.window_delta));
}

static char *vmbackup_get_disks(Object *obj, Error **errp)
{
    struct vmbackup_disk_set disks = { 0 };

    glue_read_disks(vmbackup_of(obj), &disks);
    return to_gstring(vmbackup_disks_text(&disks));
}

static void vmbackup_get_disk_writes(Object *obj, Visitor *v, const char *name,
                                     void *opaque, Error **errp)
{
    struct vmbackup_disk_set disks = { 0 };
    uint64_t value;

    glue_read_disks(vmbackup_of(obj), &disks);
    value = vmbackup_total_writes(&disks);
    visit_type_uint64(v, name, &value, errp);
}

static void vmbackup_get_u64(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    const struct vmbackup *model = &vmbackup_of(obj)->model;
    uint64_t value;

    if (!strcmp(name, "window-ns")) {
        value = (uint64_t)model->window_ns;
    } else if (!strcmp(name, "writes-in-window")) {
        value = model->writes_in_window;
    } else {
        value = model->operations;
    }
    visit_type_uint64(v, name, &value, errp);
}

static void vmbackup_finalize(Object *obj)
{
    VMwareVmbackupState *s = vmbackup_of(obj);

    if (s->timer) {
        timer_free(s->timer);
    }
    g_free(s->last_options);
}

static void vmbackup_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = vmbackup_realize;
    dc->desc = "VMware quiesced-snapshot (vmbackup) host model";
    dc->user_creatable = true;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);

    object_class_property_add_str(klass, "start", vmbackup_get_start, vmbackup_set_start);
    object_class_property_add_bool(klass, "abort", vmbackup_get_abort,
                                   vmbackup_set_abort);
    object_class_property_add_str(klass, "state", vmbackup_get_state, NULL);
    object_class_property_add_str(klass, "result", vmbackup_get_result, NULL);
    object_class_property_add_str(klass, "result-detail", vmbackup_get_detail, NULL);
    object_class_property_add_str(klass, "events", vmbackup_get_events,
                                  vmbackup_set_events);
    object_class_property_add_str(klass, "window-disks", vmbackup_get_window_disks, NULL);
    object_class_property_add_str(klass, "disks", vmbackup_get_disks, NULL);
    object_class_property_add(klass, "disk-writes", "uint64", vmbackup_get_disk_writes,
                              NULL, NULL, NULL);
    object_class_property_add(klass, "window-ns", "uint64", vmbackup_get_u64,
                              NULL, NULL, NULL);
    object_class_property_add(klass, "writes-in-window", "uint64", vmbackup_get_u64,
                              NULL, NULL, NULL);
    object_class_property_add(klass, "operations", "uint64", vmbackup_get_u64,
                              NULL, NULL, NULL);
}

static const TypeInfo vmbackup_info = {
    .name = TYPE_VMWARE_VMBACKUP,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(VMwareVmbackupState),
    .instance_finalize = vmbackup_finalize,
    .class_init = vmbackup_class_init,
};

static void vmbackup_register_types(void)
{
    type_register_static(&vmbackup_info);
}

type_init(vmbackup_register_types)
