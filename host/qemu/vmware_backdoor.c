// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for the emulated VMware host (host/backdoor): an ISA device that
 * adds MESSAGE, the time commands and optionally GETHZ to QEMU's vmport, an
 * optional high-bandwidth port 0x5659, and QOM properties for tests.
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/acpi/acpi_aml_interface.h"
#include "hw/isa/isa.h"
#include "hw/i386/vmport.h"
#include "hw/qdev-properties.h"
#include "sysemu/cpu-timers.h"
#include "sysemu/hw_accel.h"
#include "sysemu/tcg.h"
#include "exec/exec-all.h"
#include "cpu.h"

#include "vmware_backdoor.h"

OBJECT_DECLARE_SIMPLE_TYPE(VMwareBackdoorState, VMWARE_BACKDOOR)

/* QEMU's APIC timer counts QEMU_CLOCK_VIRTUAL nanoseconds (before its divider). */
#define TCG_APIC_BUS_HZ         1000000000u
#define TSC_CALIBRATION_US      500000
#define TSC_CALIBRATION_SAMPLES 16

struct VMwareBackdoorState {
    ISADevice parent_obj;

    MemoryRegion hb_io;
    struct bdoor_host host;
    bool hb;
    bool hb_bulk;
    bool gethz;
    bool any_cpl;
    uint32_t time_max_lag_us;
    uint32_t time_interrupt_lag_us;
    bool precise_clock;
};

static bool backdoor_realized;

static bool backdoor_time_realize(VMwareBackdoorState *s, Error **errp);
static void backdoor_time_class_init(ObjectClass *klass);

static uint32_t glue_random_u32(void *opaque)
{
    return g_random_int();
}

static int64_t glue_realtime_us(void *opaque)
{
    return g_get_real_time();
}

/* The host's wall clock, what the time model offsets and drifts. */
static int64_t glue_realtime_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_HOST);
}

static void regs_from_cpu(const CPUX86State *env, struct bdoor_regs *regs)
{
    regs->rax = env->regs[R_EAX];
    regs->rbx = env->regs[R_EBX];
    regs->rcx = env->regs[R_ECX];
    regs->rdx = env->regs[R_EDX];
    regs->rsi = env->regs[R_ESI];
    regs->rdi = env->regs[R_EDI];
    regs->rbp = env->regs[R_EBP];
}

static void regs_to_cpu(CPUX86State *env, const struct bdoor_regs *regs)
{
    env->regs[R_EAX] = regs->rax;
    env->regs[R_EBX] = regs->rbx;
    env->regs[R_ECX] = regs->rcx;
    env->regs[R_EDX] = regs->rdx;
    env->regs[R_ESI] = regs->rsi;
    env->regs[R_EDI] = regs->rdi;
    env->regs[R_EBP] = regs->rbp;
}

/*
 * vmport calls us for ECX & 0xFF; the core decodes the whole of ECX.lo.
 * vmport stores our return value in EAX.
 */
static uint32_t backdoor_vmport_command(void *opaque, uint32_t address)
{
    VMwareBackdoorState *s = opaque;
    CPUX86State *env = &X86_CPU(current_cpu)->env;
    struct bdoor_regs regs;

    regs_from_cpu(env, &regs);
    bdoor_host_call(&s->host, &regs);
    regs_to_cpu(env, &regs);
    return (uint32_t)regs.rax;
}

/*
 * Under TCG every byte of `rep insb/outsb` is its own port access, made with
 * the guest's registers saved in env, so the core sees id and cookies per byte.
 */
static CPUX86State *hb_cpu_env(void)
{
    CPUX86State *env;

    if (!current_cpu) {
        return NULL;
    }
    cpu_synchronize_state(current_cpu);
    env = &X86_CPU(current_cpu)->env;
    if ((uint32_t)env->regs[R_EAX] != BDOOR_MAGIC) {
        return NULL;
    }
    return env;
}

/*
 * Bulk mode: at the first byte of a `rep outsb/insb` whose count (RCX) is
 * exactly what the transfer still expects, copy the whole string through
 * the guest's page tables and advance RSI/RDI and RCX so that TCG's own
 * per-iteration update (which rereads them from env) ends the loop. Only for
 * 64-bit code with DF clear; anything else, or an unmapped page, falls back
 * to one port access per byte.
 */
static bool hb_bulk_possible(VMwareBackdoorState *s, const CPUX86State *env,
                             uint32_t remaining, const struct bdoor_regs *regs)
{
    return s->hb_bulk && tcg_enabled() && remaining > 1 && regs->rcx == remaining &&
           env->df == 1 && (env->hflags & HF_CS64_MASK);
}

/*
 * The bulk copy may only touch what the string instruction itself could:
 * every page of [addr, addr + len) must allow @type at the current privilege
 * level (user/supervisor, SMAP, read-only). A copy-on-write, zero-page or
 * page-cache mapping is read-only until the guest's fault handler runs, so
 * writing it behind the guest's back would change memory others share.
 * Such a page, like an unmapped one, makes the caller fall back to byte-wise
 * transfers, whose own accesses raise the guest's page fault. The probe
 * sets the accessed and dirty bits as the CPU's access would.
 */
static bool hb_range_accessible(CPUX86State *env, uint64_t addr, uint32_t len,
                MMUAccessType type)
{
    int mmu_idx = cpu_mmu_index(env, false);
    uint64_t last = addr + len - 1;
    uint64_t page = addr & TARGET_PAGE_MASK;
    void *host;
    int flags;

    if (!len || last < addr) {
        return false;
    }
    for (;;) {
        flags = probe_access_flags(env, page < addr ? addr : page, type, mmu_idx,
                                   true, &host, 0);
        if (flags & (TLB_INVALID_MASK | TLB_MMIO)) {
            return false;
        }
        if (page == (last & TARGET_PAGE_MASK)) {
            return true;
        }
        page += TARGET_PAGE_SIZE;
    }
}

static bool hb_bulk_send(VMwareBackdoorState *s, CPUX86State *env,
                         struct bdoor_regs *regs, uint8_t first)
{
    uint32_t count = bdoor_host_hb_send_remaining(&s->host, regs);
    g_autofree uint8_t *bytes = NULL;

    if (!hb_bulk_possible(s, env, count, regs)) {
        return false;
    }
    if (!hb_range_accessible(env, regs->rsi + 1, count - 1, MMU_DATA_LOAD)) {
        return false;
    }
    bytes = g_malloc(count);
    bytes[0] = first;
    if (cpu_memory_rw_debug(current_cpu, regs->rsi + 1, bytes + 1, count - 1, false)) {
        return false;
    }
    bdoor_host_hb_send_bytes(&s->host, regs, bytes, count);
    regs->rsi += count - 1;
    regs->rcx -= count - 1;
    return true;
}

/* Where a bulk receive puts the reply: the first byte is the IN's value. */
struct hb_recv_dest {
    uint64_t addr;                      /* guest address of the second byte */
    uint8_t first;
};

static bool hb_store_reply(void *opaque, const uint8_t *bytes, uint32_t count)
{
    struct hb_recv_dest *d = opaque;

    if (count > 1 &&
        cpu_memory_rw_debug(current_cpu, d->addr, (void *)(bytes + 1), count - 1, true)) {
        return false;
    }
    d->first = bytes[0];
    return true;
}

static bool hb_bulk_receive(VMwareBackdoorState *s, CPUX86State *env,
                            struct bdoor_regs *regs, uint8_t *first)
{
    uint32_t count = bdoor_host_hb_recv_remaining(&s->host, regs);
    struct hb_recv_dest dest = { .addr = regs->rdi + 1 };

    if (!hb_bulk_possible(s, env, count, regs)) {
        return false;
    }
    /* Check the destination before asking for the reply. */
    if (!hb_range_accessible(env, regs->rdi + 1, count - 1, MMU_DATA_STORE)) {
        return false;
    }
    /* The reply is consumed only once the guest memory holds it. */
    if (!bdoor_host_hb_recv_bulk(&s->host, regs, count, hb_store_reply, &dest)) {
        return false;
    }
    *first = dest.first;
    regs->rdi += count - 1;
    regs->rcx -= count - 1;
    return true;
}

static uint64_t backdoor_hb_read(void *opaque, hwaddr addr, unsigned size)
{
    VMwareBackdoorState *s = opaque;
    CPUX86State *env = hb_cpu_env();
    struct bdoor_regs regs;
    uint8_t byte;

    if (!env || size != 1) {
        return UINT64_MAX;
    }
    regs_from_cpu(env, &regs);
    if (!hb_bulk_receive(s, env, &regs, &byte)) {
        byte = bdoor_host_hb_recv_byte(&s->host, &regs);
    }
    regs_to_cpu(env, &regs);
    return byte;
}

static void backdoor_hb_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    VMwareBackdoorState *s = opaque;
    CPUX86State *env = hb_cpu_env();
    struct bdoor_regs regs;

    if (!env || size != 1) {
        return;
    }
    regs_from_cpu(env, &regs);
    if (!hb_bulk_send(s, env, &regs, value)) {
        bdoor_host_hb_send_byte(&s->host, &regs, value);
    }
    regs_to_cpu(env, &regs);
}

static const MemoryRegionOps backdoor_hb_ops = {
    .read = backdoor_hb_read,
    .write = backdoor_hb_write,
    .valid.min_access_size = 1,
    .valid.max_access_size = 4,
    .impl.min_access_size = 1,
    .impl.max_access_size = 4,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/*
 * Under TCG without icount the guest's TSC is the host's TSC (QEMU's
 * cpu_get_tsc reads host ticks), so its rate is the host TSC rate measured
 * against QEMU's monotonic clock, which also drives the virtual clock.
 */
struct tsc_sample {
    int64_t ns;
    int64_t ticks;
};

/* The tightest of a few clock/TSC/clock reads, so a preemption cannot skew it. */
static struct tsc_sample tsc_sample_take(void)
{
    struct tsc_sample best = { 0 };
    int64_t best_gap = INT64_MAX;
    int i;

    for (i = 0; i < TSC_CALIBRATION_SAMPLES; i++) {
        int64_t before = get_clock();
        int64_t ticks = cpu_get_host_ticks();
        int64_t after = get_clock();

        if (after - before >= best_gap) {
            continue;
        }
        best_gap = after - before;
        best.ns = before + best_gap / 2;
        best.ticks = ticks;
    }
    return best;
}

static uint64_t measure_guest_tsc_hz(void)
{
    struct tsc_sample start, end;

    if (icount_enabled()) {
        return 0;
    }
    start = tsc_sample_take();
    g_usleep(TSC_CALIBRATION_US);
    end = tsc_sample_take();
    if (end.ns <= start.ns || end.ticks <= start.ticks) {
        return 0;
    }
    return muldiv64(end.ticks - start.ticks, NANOSECONDS_PER_SECOND, end.ns - start.ns);
}

static void backdoor_realize(DeviceState *dev, Error **errp)
{
    VMwareBackdoorState *s = VMWARE_BACKDOOR(dev);
    struct bdoor_host_ops ops = {
        .random_u32 = glue_random_u32,
        .realtime_us = glue_realtime_us,
        .realtime_ns = glue_realtime_ns,
        .opaque = s,
    };

    if (backdoor_realized) {
        error_setg(errp, "only one %s device is supported", TYPE_VMWARE_BACKDOOR);
        return;
    }
    if (!object_resolve_path_type("", TYPE_VMPORT, NULL)) {
        error_setg(errp, "%s needs vmport: use -machine pc,vmport=on",
                   TYPE_VMWARE_BACKDOOR);
        return;
    }

    bdoor_host_init(&s->host, &ops);
    s->host.hb_enabled = s->hb;
    s->host.time_max_lag_us = s->time_max_lag_us;
    s->host.time_interrupt_lag_us = s->time_interrupt_lag_us;
    if (s->gethz) {
        s->host.tsc_hz = measure_guest_tsc_hz();
        s->host.apic_bus_hz = TCG_APIC_BUS_HZ;
        vmport_register(VMPORT_CMD_GETHZ, backdoor_vmport_command, s);
    }
    vmport_register(BDOOR_CMD_MESSAGE, backdoor_vmport_command, s);
    vmport_register(BDOOR_CMD_GETTIME, backdoor_vmport_command, s);
    vmport_register(BDOOR_CMD_GETTIMEFULL, backdoor_vmport_command, s);
    vmport_register(BDOOR_CMD_GETTIMEFULL_WITH_LAG, backdoor_vmport_command, s);
    if (!backdoor_time_realize(s, errp)) {
        return;
    }

    if (s->hb) {
        memory_region_init_io(&s->hb_io, OBJECT(s), &backdoor_hb_ops, s,
                              "vmware-backdoor-hb", 1);
        isa_register_ioport(ISA_DEVICE(dev), &s->hb_io, BDOOR_HB_PORT);
    }
    pvtools_backdoor_any_cpl = s->any_cpl;
    backdoor_realized = true;
}

/* A rebooted guest starts with no channels, as on VMware. */
static void backdoor_reset(DeviceState *dev)
{
    bdoor_host_reset_channels(&VMWARE_BACKDOOR(dev)->host);
}

static VMwareBackdoorState *backdoor_of(Object *obj)
{
    return VMWARE_BACKDOOR(obj);
}

static bool add_rpci_command(const char *name, bdoor_rpci_handler *handle,
                             void *opaque, bool binary, Error **errp)
{
    Object *obj = object_resolve_path_type("", TYPE_VMWARE_BACKDOOR, NULL);
    struct bdoor_host *host;
    int ret;

    if (!obj || !backdoor_realized) {
        error_setg(errp, "RPCI command '%s' needs -device %s first", name,
                   TYPE_VMWARE_BACKDOOR);
        return false;
    }
    host = &backdoor_of(obj)->host;
    ret = binary ? bdoor_host_add_rpci_binary_command(host, name, handle, opaque) :
                   bdoor_host_add_rpci_command(host, name, handle, opaque);
    if (ret) {
        error_setg(errp, "cannot add RPCI command '%s'", name);
        return false;
    }
    return true;
}

bool vmware_backdoor_add_rpci_command(const char *name, bdoor_rpci_handler *handle,
                                      void *opaque, Error **errp)
{
    return add_rpci_command(name, handle, opaque, false, errp);
}

bool vmware_backdoor_add_rpci_binary_command(const char *name, bdoor_rpci_handler *handle,
                                             void *opaque, Error **errp)
{
    return add_rpci_command(name, handle, opaque, true, errp);
}

static char *backdoor_get_fault(Object *obj, Error **errp)
{
    return g_strdup(bdoor_fault_name(backdoor_of(obj)->host.fault));
}

static void backdoor_set_fault(Object *obj, const char *value, Error **errp)
{
    if (bdoor_host_set_fault(&backdoor_of(obj)->host, value)) {
        error_setg(errp, "unknown fault '%s'", value);
    }
}

/* Core strings are malloc'd; QOM wants GLib allocations. */
static char *to_gstring(char *text)
{
    char *copy = g_strdup(text ? text : "");

    free(text);
    return copy;
}

static char *backdoor_get_tclo_queue(Object *obj, Error **errp)
{
    return to_gstring(bdoor_text_list_join(&backdoor_of(obj)->host.tclo_queue));
}

static void backdoor_set_tclo_send(Object *obj, const char *value, Error **errp)
{
    if (bdoor_host_tclo_queue(&backdoor_of(obj)->host, value, strlen(value))) {
        error_setg(errp, "TCLO queue full or command too long");
    }
}

static char *backdoor_get_tclo_results(Object *obj, Error **errp)
{
    return to_gstring(bdoor_text_list_join(&backdoor_of(obj)->host.tclo_results));
}

static void backdoor_set_tclo_results(Object *obj, const char *value, Error **errp)
{
    if (*value) {
        error_setg(errp, "tclo-results can only be cleared (set to \"\")");
        return;
    }
    bdoor_text_list_clear(&backdoor_of(obj)->host.tclo_results);
}

static char *backdoor_get_rpci_log(Object *obj, Error **errp)
{
    return to_gstring(bdoor_text_list_join(&backdoor_of(obj)->host.rpci_log));
}

static void backdoor_set_rpci_log(Object *obj, const char *value, Error **errp)
{
    if (*value) {
        error_setg(errp, "rpci-log can only be cleared (set to \"\")");
        return;
    }
    bdoor_text_list_clear(&backdoor_of(obj)->host.rpci_log);
}

static char *backdoor_get_tools_version(Object *obj, Error **errp)
{
    return g_strdup(backdoor_of(obj)->host.tools_version);
}

static char *backdoor_get_channels(Object *obj, Error **errp)
{
    return to_gstring(bdoor_host_describe_channels(&backdoor_of(obj)->host));
}

static char *backdoor_get_guestinfo(Object *obj, Error **errp)
{
    const struct bdoor_guestinfo *entry;
    GString *out = g_string_new("");

    for (entry = backdoor_of(obj)->host.guestinfo; entry; entry = entry->next) {
        char *value = bdoor_escape(entry->value, entry->value_len);

        g_string_append_printf(out, "%s%s=%s", out->len ? "\n" : "", entry->key,
                               value ? value : "");
        free(value);
    }
    return g_string_free(out, false);
}

/* "guestinfo.key value": the value is everything after the first space. */
static void backdoor_set_guestinfo(Object *obj, const char *value, Error **errp)
{
    const char *space = strchr(value, ' ');
    const char *data = space ? space + 1 : "";
    g_autofree char *key = g_strndup(value, space ? space - value : strlen(value));

    if (!*key) {
        error_setg(errp, "expected \"<key> <value>\"");
        return;
    }
    if (bdoor_host_guestinfo_set(&backdoor_of(obj)->host, key, data, strlen(data))) {
        error_setg(errp, "guestinfo store full");
    }
}

static void backdoor_get_open_channels(Object *obj, Visitor *v, const char *name,
                                       void *opaque, Error **errp)
{
    uint32_t value = bdoor_host_open_channels(&backdoor_of(obj)->host);

    visit_type_uint32(v, name, &value, errp);
}

static void backdoor_get_stat(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    const struct bdoor_stats *stats = &backdoor_of(obj)->host.stats;
    size_t offset = (size_t)(uintptr_t)opaque;
    uint64_t value = *(const uint64_t *)((const char *)stats + offset);

    visit_type_uint64(v, name, &value, errp);
}

static void backdoor_get_tsc_hz(Object *obj, Visitor *v, const char *name,
                void *opaque, Error **errp)
{
    uint64_t value = backdoor_of(obj)->host.tsc_hz;

    visit_type_uint64(v, name, &value, errp);
}

/*
 * Host time services (host/timekeeping): the precise clock, and test controls on
 * the time the host reports. All run under the BQL, as do the vmport calls.
 */

/*
 * The ACPI device that announces the precise clock (ptp_vmw binds to its
 * _HID): QEMU asks every device on the ISA bus for its AML when it builds
 * the DSDT, and this one adds, in the ISA bridge's scope,
 *   Device (VMW5) { Name (_HID, "VMW0005") }
 */
static void backdoor_build_aml(AcpiDevAmlIf *adev, Aml *scope)
{
    VMwareBackdoorState *s = VMWARE_BACKDOOR(adev);
    Aml *dev;

    if (!s->precise_clock) {
        return;
    }
    dev = aml_device("VMW5");
    aml_append(dev, aml_name_decl("_HID",
                                  aml_string("%s", BDOOR_PRECISIONCLOCK_ACPI_HID)));
    aml_append(scope, dev);
}

static bool backdoor_time_realize(VMwareBackdoorState *s, Error **errp)
{
    if (!s->precise_clock) {
        return true;
    }
    s->host.time.precise = true;
    /* vmport dispatches 97 only with host/qemu/patches/0002-*. */
    vmport_register(VMPORT_CMD_PRECISIONCLOCK, backdoor_vmport_command, s);
    return true;
}

static bool get_int64_arg(Visitor *v, const char *name, int64_t *value, Error **errp)
{
    return visit_type_int64(v, name, value, errp);
}

static void put_int64(Visitor *v, const char *name, int64_t value, Error **errp)
{
    visit_type_int64(v, name, &value, errp);
}

static void time_get_services(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    bool on = !backdoor_of(obj)->host.time.services_off;

    visit_type_bool(v, name, &on, errp);
}

static void time_set_services(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    bool on;

    if (visit_type_bool(v, name, &on, errp)) {
        backdoor_of(obj)->host.time.services_off = !on;
    }
}

static void time_get_offset(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    put_int64(v, name, backdoor_of(obj)->host.time.offset_ns, errp);
}

static void time_set_offset(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    int64_t ns;

    if (get_int64_arg(v, name, &ns, errp)) {
        backdoor_of(obj)->host.time.offset_ns = ns;
    }
}

static void time_set_step(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    int64_t ns;

    if (get_int64_arg(v, name, &ns, errp)) {
        bdoor_time_step(&backdoor_of(obj)->host.time, ns);
    }
}

/* opaque: ppb per unit of the property (1000 for ppm, 1 for ppb). */
static void time_get_drift(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    put_int64(v, name, backdoor_of(obj)->host.time.drift_ppb / (intptr_t)opaque, errp);
}

static void time_set_drift(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    struct bdoor_host *host = &backdoor_of(obj)->host;
    int64_t unit = (intptr_t)opaque, value;

    if (!get_int64_arg(v, name, &value, errp)) {
        return;
    }
    if (value > BDOOR_TIME_MAX_DRIFT_PPB / unit ||
        value < -BDOOR_TIME_MAX_DRIFT_PPB / unit ||
        bdoor_time_set_drift_ppb(&host->time, bdoor_host_realtime_ns(host),
                                 value * unit)) {
        error_setg(errp, "%s: at most %" PRId64 " in magnitude", name,
                   (int64_t)(BDOOR_TIME_MAX_DRIFT_PPB / unit));
    }
}

static void time_get_error(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    struct bdoor_host *host = &backdoor_of(obj)->host;

    put_int64(v, name, bdoor_time_error_ns(&host->time, bdoor_host_realtime_ns(host)),
              errp);
}

/*
 * What a VMware host does after resume, snapshot revert or migration: the
 * guest has lost lost_ns of time (modelled as host time running that far
 * ahead) and the guest agent is told to resync with the TCLO one-shot.
 */
static void time_set_discontinuity(Object *obj, Visitor *v, const char *name,
                                   void *opaque, Error **errp)
{
    struct bdoor_host *host = &backdoor_of(obj)->host;
    const char *cmd = bdoor_time_sync_command();
    int64_t lost_ns;

    if (!get_int64_arg(v, name, &lost_ns, errp)) {
        return;
    }
    if (lost_ns < 0) {
        error_setg(errp, "%s: lost time cannot be negative (use time-step-ns)", name);
        return;
    }
    if (bdoor_host_tclo_queue(host, cmd, strlen(cmd))) {
        error_setg(errp, "TCLO queue full");
        return;
    }
    bdoor_time_discontinuity(&host->time, lost_ns);
}

static void time_get_counter(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    const struct bdoor_time *t = &backdoor_of(obj)->host.time;
    uint64_t value = opaque ? t->discontinuities : t->reads;

    visit_type_uint64(v, name, &value, errp);
}

/* Run-time switch for a device realized with precise-clock=on. */
static void time_get_precise(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    bool on = backdoor_of(obj)->host.time.precise;

    visit_type_bool(v, name, &on, errp);
}

static void time_set_precise(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    VMwareBackdoorState *s = backdoor_of(obj);
    bool on;

    if (!visit_type_bool(v, name, &on, errp)) {
        return;
    }
    if (on && !s->precise_clock) {
        error_setg(errp, "%s: the device was created with precise-clock=off", name);
        return;
    }
    s->host.time.precise = on;
}

static char *time_get_fault(Object *obj, Error **errp)
{
    return g_strdup(bdoor_time_fault_name(backdoor_of(obj)->host.time.fault));
}

static void time_set_fault(Object *obj, const char *value, Error **errp)
{
    if (bdoor_time_set_fault(&backdoor_of(obj)->host.time, value)) {
        error_setg(errp, "unknown time fault '%s'", value);
    }
}

static void backdoor_time_class_init(ObjectClass *klass)
{
    object_class_property_add_str(klass, "time-fault", time_get_fault, time_set_fault);
    object_class_property_add(klass, "time-precise", "bool", time_get_precise,
                              time_set_precise, NULL, NULL);
    object_class_property_add(klass, "time-services", "bool", time_get_services,
                              time_set_services, NULL, NULL);
    object_class_property_add(klass, "time-offset-ns", "int64", time_get_offset,
                              time_set_offset, NULL, NULL);
    object_class_property_add(klass, "time-step-ns", "int64", NULL, time_set_step,
                              NULL, NULL);
    object_class_property_add(klass, "time-drift-ppm", "int64", time_get_drift,
                              time_set_drift, NULL, (void *)(intptr_t)1000);
    object_class_property_add(klass, "time-drift-ppb", "int64", time_get_drift,
                              time_set_drift, NULL, (void *)(intptr_t)1);
    object_class_property_add(klass, "time-error-ns", "int64", time_get_error,
                              NULL, NULL, NULL);
    object_class_property_add(klass, "time-discontinuity", "int64", NULL,
                              time_set_discontinuity, NULL, NULL);
    object_class_property_add(klass, "time-discontinuities", "uint64", time_get_counter,
                              NULL, NULL, (void *)(intptr_t)1);
    object_class_property_add(klass, "time-reads", "uint64", time_get_counter,
                              NULL, NULL, NULL);
}

static Property backdoor_properties[] = {
    DEFINE_PROP_BOOL("hb", VMwareBackdoorState, hb, true),
    DEFINE_PROP_BOOL("hb-bulk", VMwareBackdoorState, hb_bulk, true),
    DEFINE_PROP_BOOL("gethz", VMwareBackdoorState, gethz, false),
    /* VMware answers the backdoor ports at CPL 3 too; off = TSS bitmap applies. */
    DEFINE_PROP_BOOL("user-io", VMwareBackdoorState, any_cpl, true),
    DEFINE_PROP_UINT32("time-max-lag-us", VMwareBackdoorState, time_max_lag_us, 500000),
    DEFINE_PROP_UINT32("time-interrupt-lag-us", VMwareBackdoorState,
                       time_interrupt_lag_us, 0),
    DEFINE_PROP_BOOL("precise-clock", VMwareBackdoorState, precise_clock, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void backdoor_add_stat(ObjectClass *klass, const char *name, size_t offset)
{
    object_class_property_add(klass, name, "uint64", backdoor_get_stat, NULL, NULL,
                              (void *)(uintptr_t)offset);
}

static void backdoor_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = backdoor_realize;
    dc->reset = backdoor_reset;
    dc->desc = "VMware backdoor host model: guest RPC channels and time";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    device_class_set_props(dc, backdoor_properties);

    object_class_property_add_str(klass, "fault", backdoor_get_fault, backdoor_set_fault);
    object_class_property_add_str(klass, "tclo-send", backdoor_get_tclo_queue,
                                  backdoor_set_tclo_send);
    object_class_property_add_str(klass, "tclo-results", backdoor_get_tclo_results,
                                  backdoor_set_tclo_results);
    object_class_property_add_str(klass, "rpci-log", backdoor_get_rpci_log,
                                  backdoor_set_rpci_log);
    object_class_property_add_str(klass, "tools-version", backdoor_get_tools_version,
                                  NULL);
    object_class_property_add_str(klass, "guestinfo", backdoor_get_guestinfo,
                                  backdoor_set_guestinfo);
    object_class_property_add_str(klass, "channels", backdoor_get_channels, NULL);
    object_class_property_add(klass, "open-channels", "uint32",
                              backdoor_get_open_channels, NULL, NULL, NULL);
    backdoor_add_stat(klass, "messages-in", offsetof(struct bdoor_stats, messages_in));
    backdoor_add_stat(klass, "messages-out", offsetof(struct bdoor_stats, messages_out));
    backdoor_add_stat(klass, "channel-opens", offsetof(struct bdoor_stats, opens));
    backdoor_add_stat(klass, "hb-bytes-in", offsetof(struct bdoor_stats, hb_bytes_in));
    backdoor_add_stat(klass, "hb-bytes-out", offsetof(struct bdoor_stats, hb_bytes_out));
    object_class_property_add(klass, "tsc-hz", "uint64", backdoor_get_tsc_hz,
                              NULL, NULL, NULL);
    backdoor_time_class_init(klass);
    ACPI_DEV_AML_IF_CLASS(klass)->build_dev_aml = backdoor_build_aml;
}

static const TypeInfo backdoor_info = {
    .name = TYPE_VMWARE_BACKDOOR,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(VMwareBackdoorState),
    .class_init = backdoor_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_ACPI_DEV_AML_IF },
        { },
    },
};

static void backdoor_register_types(void)
{
    type_register_static(&backdoor_info);
}

type_init(backdoor_register_types)
