// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for the VMware balloon host model (host/vmmemctl): an ISA device
 * answering port 0x5670, dropping the backing of ballooned frames so QEMU's
 * RSS falls, and QOM properties for the tests (target, caps, faults, counters).
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qapi/visitor.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/i386/x86.h"
#include "hw/isa/isa.h"
#include "hw/qdev-properties.h"
#include "sysemu/hw_accel.h"
#include "cpu.h"

#include "balloon.h"
#include "guestlib.h"
#include "vmware_backdoor.h"

#define TYPE_VMWARE_BALLOON "vmware-balloon"
OBJECT_DECLARE_SIMPLE_TYPE(VMwareBalloonState, VMWARE_BALLOON)

struct VMwareBalloonState {
    ISADevice parent_obj;

    MemoryRegion io;
    struct vmb model;
    /* Frames whose backing changes together: one madvise, not 512. */
    struct vmb_run taken;
    struct vmb_run returned;
    uint32_t caps;
    uint64_t discarded_frames;
    uint64_t discard_failures;
    /*
     * Since the target was last set: when the guest first read it, and when
     * the balloon size last changed. Their difference is the guest's whole
     * reaction (allocation and locking), without its poll latency.
     */
    int64_t target_seen_ns;
    int64_t last_change_ns;
    /* Identifies this VM run to guestlib clients; never 0. */
    uint64_t guestlib_session;
};

static bool glue_read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return address_space_read(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED,
                              buf, len) == MEMTX_OK;
}

static bool glue_write_guest(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    return address_space_write(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED,
                               buf, len) == MEMTX_OK;
}

/*
 * Drop the backing of guest RAM [gpa, gpa + len): it reads back as zeroes.
 * If the host cannot discard, zero it by hand so an unlocked frame is still
 * clean. Returns the bytes actually discarded.
 */
static uint64_t drop_backing(VMwareBalloonState *s, uint64_t gpa, uint64_t len)
{
    MemoryRegionSection sec = memory_region_find(get_system_memory(), gpa, len);
    uint64_t done = 0;

    if (!sec.mr) {
        return 0;
    }
    if (memory_region_is_ram(sec.mr) && !memory_region_is_rom(sec.mr) &&
        sec.offset_within_address_space == gpa && int128_get64(sec.size) == len) {
        if (!ram_block_discard_range(sec.mr->ram_block, sec.offset_within_region, len)) {
            done = len;
        } else {
            s->discard_failures++;
            memset((uint8_t *)memory_region_get_ram_ptr(sec.mr) +
                   sec.offset_within_region, 0, len);
        }
    }
    memory_region_unref(sec.mr);
    /* A run crossing a region boundary: retry frame by frame. */
    if (!done && len > TARGET_PAGE_SIZE && int128_get64(sec.size) != len) {
        uint64_t off;

        for (off = 0; off < len; off += TARGET_PAGE_SIZE) {
            done += drop_backing(s, gpa + off, TARGET_PAGE_SIZE);
        }
    }
    return done;
}

static void drop_run(VMwareBalloonState *s, struct vmb_run *run,
                     const struct vmb_run *done)
{
    uint64_t bytes = drop_backing(s, done->pfn << VMBALLOON_FRAME_SHIFT,
                                  done->count << VMBALLOON_FRAME_SHIFT);

    if (run == &s->taken) {
        s->discarded_frames += bytes >> VMBALLOON_FRAME_SHIFT;
    }
}

static void flush_run(VMwareBalloonState *s, struct vmb_run *run)
{
    struct vmb_run done;

    if (vmb_run_take(run, &done)) {
        drop_run(s, run, &done);
    }
}

static void add_to_run(VMwareBalloonState *s, struct vmb_run *run, uint64_t pfn,
                       uint64_t count)
{
    struct vmb_run done;

    if (vmb_run_add(run, pfn, count, &done)) {
        drop_run(s, run, &done);
    }
}

static void glue_frames_taken(void *opaque, uint64_t pfn, uint64_t count)
{
    VMwareBalloonState *s = opaque;

    add_to_run(s, &s->taken, pfn, count);
}

/* Discarding again guarantees zeroes even if the guest wrote to a locked frame. */
static void glue_frames_returned(void *opaque, uint64_t pfn, uint64_t count)
{
    VMwareBalloonState *s = opaque;

    add_to_run(s, &s->returned, pfn, count);
}

static const struct vmb_ops glue_ops = {
    .read_guest = glue_read_guest,
    .write_guest = glue_write_guest,
    .frames_taken = glue_frames_taken,
    .frames_returned = glue_frames_returned,
};

/* Timing for benchmarks: the guest's work, not its poll latency. */
static void note_timing(VMwareBalloonState *s, uint32_t cmd, uint32_t status,
                        bool changed)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    if (cmd == VMBALLOON_CMD_GET_TARGET && status == VMBALLOON_SUCCESS &&
        !s->target_seen_ns) {
        s->target_seen_ns = now;
    }
    if (changed) {
        s->last_change_ns = now;
    }
}

/* The port reads EAX; the model also answers in RBX and (START) RCX. */
static uint64_t balloon_io_read(void *opaque, hwaddr addr, unsigned size)
{
    VMwareBalloonState *s = opaque;
    CPUX86State *env;
    struct vmb_regs regs;
    uint64_t locked;
    uint32_t cmd;

    if (addr || size != 4 || !current_cpu) {
        return UINT64_MAX;
    }
    cpu_synchronize_state(current_cpu);
    env = &X86_CPU(current_cpu)->env;
    regs = (struct vmb_regs){
        .rax = env->regs[R_EAX], .rbx = env->regs[R_EBX], .rcx = env->regs[R_ECX],
        .rdx = env->regs[R_EDX], .rsi = env->regs[R_ESI], .rdi = env->regs[R_EDI],
    };
    locked = s->model.locked_frames;
    cmd = regs.rcx & VMBALLOON_CMD_MASK;
    if (!vmb_io(&s->model, &regs)) {
        return UINT32_MAX;
    }
    flush_run(s, &s->taken);
    flush_run(s, &s->returned);
    note_timing(s, cmd, (uint32_t)regs.rax, s->model.locked_frames != locked);
    env->regs[R_EBX] = regs.rbx;
    env->regs[R_ECX] = regs.rcx;
    return (uint32_t)regs.rax;
}

static void balloon_io_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
}

static const MemoryRegionOps balloon_io_ops = {
    .read = balloon_io_read,
    .write = balloon_io_write,
    .valid.min_access_size = 1,
    .valid.max_access_size = 4,
    .impl.min_access_size = 1,
    .impl.max_access_size = 4,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/* "guestlib.info.get": vmware-toolbox-cmd stat balloon reads our size here. */
static void balloon_guestlib_info_get(void *opaque, const uint8_t *args, uint32_t len,
                                      struct bdoor_buffer *reply)
{
    VMwareBalloonState *s = opaque;
    struct guestlib_stats stats = { .session_id = s->guestlib_session };
    uint8_t body[GUESTLIB_REPLY_MAX];
    bool success;
    size_t body_len;

    stats.stat[GUESTLIB_STAT_MEM_BALLOONED_MB] = (struct guestlib_stat){
        .valid = true,
        .value = guestlib_frames_to_mb(s->model.locked_frames),
    };
    body_len = guestlib_info_get(&stats, args, len, body, &success);
    bdoor_rpci_reply(reply, success, body, body_len);
}

/* Without a backdoor device the balloon still works; only the statistics are missing. */
static void balloon_serve_guestlib(VMwareBalloonState *s)
{
    Error *err = NULL;

    s->guestlib_session = ((uint64_t)g_random_int() << 32 | g_random_int()) | 1;
    if (!vmware_backdoor_add_rpci_command(GUESTLIB_INFO_GET_COMMAND,
                                          balloon_guestlib_info_get, s, &err)) {
        warn_report_err(err);
    }
}

static void balloon_realize(DeviceState *dev, Error **errp)
{
    VMwareBalloonState *s = VMWARE_BALLOON(dev);
    X86MachineState *x86ms = X86_MACHINE(qdev_get_machine());
    struct vmb_range ram[2];
    unsigned int nram = 0;

    if (x86ms->below_4g_mem_size) {
        ram[nram++] = (struct vmb_range){
            0, x86ms->below_4g_mem_size >> VMBALLOON_FRAME_SHIFT
        };
    }
    if (x86ms->above_4g_mem_size) {
        ram[nram++] = (struct vmb_range){
            x86ms->above_4g_mem_start >> VMBALLOON_FRAME_SHIFT,
            x86ms->above_4g_mem_size >> VMBALLOON_FRAME_SHIFT,
        };
    }
    if (vmb_init(&s->model, ram, nram, &glue_ops, s)) {
        error_setg(errp, "%s: cannot track guest RAM", TYPE_VMWARE_BALLOON);
        return;
    }
    vmb_set_host_caps(&s->model, s->caps);
    memory_region_init_io(&s->io, OBJECT(s), &balloon_io_ops, s, "vmware-balloon", 4);
    isa_register_ioport(ISA_DEVICE(dev), &s->io, VMBALLOON_PORT);
    balloon_serve_guestlib(s);
}

static void balloon_unrealize(DeviceState *dev)
{
    vmb_destroy(&VMWARE_BALLOON(dev)->model);
}

static VMwareBalloonState *balloon_of(Object *obj)
{
    return VMWARE_BALLOON(obj);
}

static void balloon_get_target(Object *obj, Visitor *v, const char *name, void *opaque,
                               Error **errp)
{
    uint64_t value = balloon_of(obj)->model.admin_target;

    visit_type_uint64(v, name, &value, errp);
}

static void balloon_set_target(Object *obj, Visitor *v, const char *name, void *opaque,
                               Error **errp)
{
    uint64_t value;

    VMwareBalloonState *s = balloon_of(obj);

    if (!visit_type_uint64(v, name, &value, errp)) {
        return;
    }
    s->target_seen_ns = 0;
    s->last_change_ns = 0;
    vmb_set_target(&s->model, value);
}

static void balloon_get_caps(Object *obj, Visitor *v, const char *name, void *opaque,
                             Error **errp)
{
    uint32_t value = balloon_of(obj)->model.host_caps;

    visit_type_uint32(v, name, &value, errp);
}

static void balloon_set_caps(Object *obj, Visitor *v, const char *name, void *opaque,
                             Error **errp)
{
    VMwareBalloonState *s = balloon_of(obj);
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp)) {
        return;
    }
    s->caps = value;
    vmb_set_host_caps(&s->model, value);
}

static void balloon_set_pin(Object *obj, Visitor *v, const char *name, void *opaque,
                            Error **errp)
{
    uint64_t value;

    if (visit_type_uint64(v, name, &value, errp) &&
        !vmb_pin(&balloon_of(obj)->model, value)) {
        error_setg(errp, "at most %d pinned frames", VMB_MAX_PINNED);
    }
}

static bool balloon_get_legacy(Object *obj, Error **errp)
{
    return balloon_of(obj)->model.legacy;
}

static void balloon_set_legacy(Object *obj, bool value, Error **errp)
{
    balloon_of(obj)->model.legacy = value;
}

static bool balloon_get_reset(Object *obj, Error **errp)
{
    return false;
}

static void balloon_set_reset(Object *obj, bool value, Error **errp)
{
    if (value) {
        vmb_host_reset(&balloon_of(obj)->model);
    }
}

static char *balloon_get_fault(Object *obj, Error **errp)
{
    return g_strdup(vmb_fault_name(balloon_of(obj)->model.fault));
}

static void balloon_set_fault(Object *obj, const char *value, Error **errp)
{
    int fault = vmb_fault_parse(value);

    if (fault < 0) {
        error_setg(errp, "unknown fault '%s'", value);
        return;
    }
    vmb_set_fault(&balloon_of(obj)->model, fault);
}

/* "CMD STATUS [SKIP]": the (SKIP+1)th next CMD answers STATUS and does nothing. */
static void balloon_set_force_status(Object *obj, const char *value, Error **errp)
{
    unsigned int cmd, status;
    unsigned long long skip = 0;

    if (sscanf(value, "%u %u %llu", &cmd, &status, &skip) < 2 ||
        cmd >= VMBALLOON_CMD_NUM) {
        error_setg(errp, "expected \"CMD STATUS [SKIP]\" with CMD < %u",
                   VMBALLOON_CMD_NUM);
        return;
    }
    vmb_force_cmd_status_after(&balloon_of(obj)->model, cmd, status, skip);
}

static char *balloon_get_state(Object *obj, Error **errp)
{
    return g_strdup(balloon_of(obj)->model.state == VMB_RUNNING ?
                    "running" : "need-start");
}

/* "cmd:status" pairs in hex, oldest first. */
static char *balloon_get_cmd_log(Object *obj, Error **errp)
{
    g_autofree struct vmb_log_entry *log = g_new(struct vmb_log_entry, VMB_LOG_SIZE);
    unsigned int i, n = vmb_log_read(&balloon_of(obj)->model, log, VMB_LOG_SIZE);
    GString *out = g_string_new("");

    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "%s%x:%x", i ? " " : "", log[i].cmd, log[i].status);
    }
    return g_string_free(out, false);
}

static void balloon_set_cmd_log(Object *obj, const char *value, Error **errp)
{
    if (*value) {
        error_setg(errp, "cmd-log can only be cleared (set to \"\")");
        return;
    }
    vmb_log_clear(&balloon_of(obj)->model);
}

/* Every counter of the model for people: "name value" lines. */
static char *balloon_get_stats(Object *obj, Error **errp)
{
    const struct vmb *m = &balloon_of(obj)->model;
    GString *out = g_string_new("");
    uint32_t i;

    for (i = 0; i < VMB_CMD_SLOTS; i++) {
        g_string_append_printf(out, "%s %" PRIu64 " %" PRIu64 "\n", vmb_cmd_name(i),
                               m->cnt.calls[i], m->cnt.failed[i]);
    }
    for (i = 0; i < VMB_STATUS_SLOTS; i++) {
        if (m->cnt.status[i]) {
            g_string_append_printf(out, "status-%u %" PRIu64 "\n", i, m->cnt.status[i]);
        }
    }
    return g_string_free(out, false);
}

static uint64_t rss_kib(void)
{
    g_autofree char *text = NULL;
    unsigned long long size, resident;

    if (!g_file_get_contents("/proc/self/statm", &text, NULL, NULL) ||
        sscanf(text, "%llu %llu", &size, &resident) != 2) {
        return 0;
    }
    return resident * qemu_real_host_page_size() / 1024;
}

enum counter {
    C_LOCKED_PAGES, C_LOCKED_4K, C_LOCKED_2M, C_EFFECTIVE_TARGET, C_LIMIT,
    C_GUEST_TYPE, C_GRANTED, C_RESETS, C_STARTS, C_TAKEN, C_RETURNED,
    C_FORGOTTEN, C_DISCARDED, C_DISCARD_FAILURES, C_BAD_MAGIC, C_RSS_KIB,
    C_PAGE_CMDS, C_ACTIVE_US,
    C_NUM
};

static const char *const counter_names[C_NUM] = {
    [C_LOCKED_PAGES] = "locked-pages",
    [C_LOCKED_4K] = "locked-4k",
    [C_LOCKED_2M] = "locked-2m",
    [C_EFFECTIVE_TARGET] = "effective-target",
    [C_LIMIT] = "limit",
    [C_GUEST_TYPE] = "guest-type",
    [C_GRANTED] = "granted",
    [C_RESETS] = "host-resets",
    [C_STARTS] = "starts",
    [C_TAKEN] = "frames-taken",
    [C_RETURNED] = "frames-unlocked",
    [C_FORGOTTEN] = "frames-forgotten",
    [C_DISCARDED] = "frames-discarded",
    [C_DISCARD_FAILURES] = "discard-failures",
    [C_BAD_MAGIC] = "bad-magic",
    [C_RSS_KIB] = "rss-kib",
    [C_PAGE_CMDS] = "page-cmd-calls",
    [C_ACTIVE_US] = "active-us",
};

static uint64_t page_cmd_calls(const struct vmb *m)
{
    static const uint32_t cmds[] = {
        VMBALLOON_CMD_LOCK, VMBALLOON_CMD_UNLOCK,
        VMBALLOON_CMD_BATCHED_LOCK, VMBALLOON_CMD_BATCHED_UNLOCK,
        VMBALLOON_CMD_BATCHED_2M_LOCK, VMBALLOON_CMD_BATCHED_2M_UNLOCK,
    };
    uint64_t n = 0;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cmds); i++) {
        n += m->cnt.calls[cmds[i]];
    }
    return n;
}

static uint64_t counter_value(VMwareBalloonState *s, enum counter c)
{
    const struct vmb *m = &s->model;

    switch (c) {
    case C_LOCKED_PAGES:        return m->locked_frames;
    case C_LOCKED_4K:   return m->locked_4k_pages;
    case C_LOCKED_2M:   return m->locked_2m_pages;
    case C_EFFECTIVE_TARGET: return vmb_target(m);
    case C_LIMIT:               return m->limit;
    case C_GUEST_TYPE:  return m->guest_type;
    case C_GRANTED:             return m->granted;
    case C_RESETS:              return m->cnt.resets;
    case C_STARTS:              return m->cnt.starts;
    case C_TAKEN:               return m->cnt.frames_taken;
    case C_RETURNED:    return m->cnt.frames_returned;
    case C_FORGOTTEN:   return m->cnt.frames_forgotten;
    case C_DISCARDED:   return s->discarded_frames;
    case C_DISCARD_FAILURES: return s->discard_failures;
    case C_BAD_MAGIC:   return m->cnt.bad_magic;
    case C_RSS_KIB:             return rss_kib();
    case C_PAGE_CMDS:   return page_cmd_calls(m);
    case C_ACTIVE_US:
        if (!s->target_seen_ns || s->last_change_ns < s->target_seen_ns) {
            return 0;
        }
        return (s->last_change_ns - s->target_seen_ns) / 1000;
    default:            return 0;
    }
}

static void balloon_get_counter(Object *obj, Visitor *v, const char *name, void *opaque,
                Error **errp)
{
    uint64_t value = counter_value(balloon_of(obj), (enum counter)(uintptr_t)opaque);

    visit_type_uint64(v, name, &value, errp);
}

static void balloon_instance_init(Object *obj)
{
    /*
     * No VMCI device model, so no doorbell by default
     * (docs/protocol/balloon.md §6.7).
     */
    balloon_of(obj)->caps = VMBALLOON_CAPS_ALL & ~VMBALLOON_CAP_DOORBELL;
}

static void balloon_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    int i;

    dc->realize = balloon_realize;
    dc->unrealize = balloon_unrealize;
    dc->desc = "VMware memory balloon host model (port 0x5670)";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);

    /* target: 4 KiB frames the host wants ballooned. */
    object_class_property_add(klass, "target", "uint64", balloon_get_target,
                              balloon_set_target, NULL, NULL);
    object_class_property_add(klass, "caps", "uint32", balloon_get_caps,
                              balloon_set_caps, NULL, NULL);
    object_class_property_add(klass, "pin", "uint64", NULL, balloon_set_pin, NULL, NULL);
    object_class_property_add_bool(klass, "legacy", balloon_get_legacy,
                                   balloon_set_legacy);
    object_class_property_add_bool(klass, "reset", balloon_get_reset, balloon_set_reset);
    object_class_property_add_str(klass, "fault", balloon_get_fault, balloon_set_fault);
    object_class_property_add_str(klass, "state", balloon_get_state, NULL);
    object_class_property_add_str(klass, "force-status", NULL, balloon_set_force_status);
    object_class_property_add_str(klass, "cmd-log", balloon_get_cmd_log,
                                  balloon_set_cmd_log);
    object_class_property_add_str(klass, "stats", balloon_get_stats, NULL);
    for (i = 0; i < C_NUM; i++) {
        object_class_property_add(klass, counter_names[i], "uint64", balloon_get_counter,
                                  NULL, NULL, (void *)(uintptr_t)i);
    }
}

static const TypeInfo balloon_info = {
    .name = TYPE_VMWARE_BALLOON,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(VMwareBalloonState),
    .instance_init = balloon_instance_init,
    .class_init = balloon_class_init,
};

static void balloon_register_types(void)
{
    type_register_static(&balloon_info);
}

type_init(balloon_register_types)
