// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU glue for the HGFS server (host/vmhgfs): the vmware-hgfs device answers
 * "f " RPCI requests through the vmware-backdoor device, with the shares
 * given on the command line, and offers the QOM properties tests drive
 * (faults, removed shares, the host's view of a file, counters).
 *
 * Data moves once on the host: a READ's pread() fills the RPCI reply buffer
 * the backdoor hands to the guest, a WRITE's pwrite() takes the bytes from
 * the received message in place.
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"

#include "hgfs_server.h"
#include "vmware_backdoor.h"

#define TYPE_VMWARE_HGFS "vmware-hgfs"
OBJECT_DECLARE_SIMPLE_TYPE(VMwareHgfsState, VMWARE_HGFS)

struct VMwareHgfsState {
    DeviceState parent_obj;

    struct hgfs_server server;
    char *shares;
    char *cksum_path;
    bool realized;
};

static void hgfs_rpci(void *opaque, const uint8_t *args, uint32_t len,
                      struct bdoor_buffer *reply)
{
    VMwareHgfsState *s = opaque;
    uint8_t *data;
    long n;

    bdoor_buffer_free(reply);
    data = g_try_malloc(HGFS_RPCI_PREFIX_LEN + HGFS_REPLY_BUFFER_SIZE);
    if (!data) {
        bdoor_rpci_reply(reply, false, "out of memory", 13);
        return;
    }
    /* The reply is built behind "1 " so it goes out without another copy. */
    memcpy(data, "1 ", HGFS_RPCI_PREFIX_LEN);
    n = hgfs_server_handle(&s->server, args, len, data + HGFS_RPCI_PREFIX_LEN,
                           HGFS_REPLY_BUFFER_SIZE);
    if (n < 0) {
        /* Fault "silent": no reply at all, RECVSIZE reports no message. */
        g_free(data);
        return;
    }
    reply->data = data;
    reply->len = HGFS_RPCI_PREFIX_LEN + (uint32_t)n;
    reply->offset = 0;
}

static void hgfs_realize(DeviceState *dev, Error **errp)
{
    VMwareHgfsState *s = VMWARE_HGFS(dev);
    char *why = NULL;

    hgfs_server_init(&s->server, ((uint64_t)g_random_int() << 32) | g_random_int());
    if (s->shares && hgfs_server_add_shares(&s->server, s->shares, &why)) {
        error_setg(errp, "%s: %s", TYPE_VMWARE_HGFS, why ? why : "bad shares");
        free(why);
        hgfs_server_destroy(&s->server);
        return;
    }
    if (!vmware_backdoor_add_rpci_binary_command(HGFS_RPCI_COMMAND, hgfs_rpci, s, errp)) {
        hgfs_server_destroy(&s->server);
        return;
    }
    s->realized = true;
}

/* A rebooted guest starts without handles or sessions. */
static void hgfs_reset(DeviceState *dev)
{
    VMwareHgfsState *s = VMWARE_HGFS(dev);

    if (s->realized) {
        hgfs_server_reset(&s->server);
    }
}

static char *hgfs_get_fault(Object *obj, Error **errp)
{
    return g_strdup(hgfs_fault_name(VMWARE_HGFS(obj)->server.fault));
}

static void hgfs_set_fault(Object *obj, const char *value, Error **errp)
{
    if (hgfs_server_set_fault(&VMWARE_HGFS(obj)->server, value)) {
        error_setg(errp, "unknown fault '%s' (none, truncate, overlength, wrong-id, "
                   "wrong-status, silent)", value);
    }
}

static char *hgfs_get_removed(Object *obj, Error **errp)
{
    char *list = hgfs_server_removed_shares(&VMWARE_HGFS(obj)->server);
    char *ret = g_strdup(list ? list : "");

    free(list);
    return ret;
}

/* "a,b": exactly these shares are hidden; "" brings every share back. */
static void hgfs_set_removed(Object *obj, const char *value, Error **errp)
{
    struct hgfs_server *server = &VMWARE_HGFS(obj)->server;
    g_auto(GStrv) names = g_strsplit(value, ",", -1);
    unsigned int i;

    for (i = 0; names[i]; i++) {
        if (*names[i] &&
            hgfs_server_set_share_removed(server, names[i], true) == -ENOENT) {
            error_setg(errp, "no share '%s'", names[i]);
            return;
        }
    }
    for (i = 0; i < server->share_count; i++) {
        server->shares[i].removed = g_strv_contains((const char *const *)names,
                                                    server->shares[i].name);
    }
}

static char *hgfs_get_shares(Object *obj, Error **errp)
{
    return g_strdup(VMWARE_HGFS(obj)->shares ? VMWARE_HGFS(obj)->shares : "");
}

static void hgfs_set_shares(Object *obj, const char *value, Error **errp)
{
    VMwareHgfsState *s = VMWARE_HGFS(obj);

    if (s->realized) {
        error_setg(errp, "shares are set on the command line");
        return;
    }
    g_free(s->shares);
    s->shares = g_strdup(value);
}

/* Write "share/path", read back "<crc> <size>" as cksum(1) prints, or "error <errno>". */
static void hgfs_set_cksum(Object *obj, const char *value, Error **errp)
{
    VMwareHgfsState *s = VMWARE_HGFS(obj);

    g_free(s->cksum_path);
    s->cksum_path = g_strdup(value);
}

static char *hgfs_get_cksum(Object *obj, Error **errp)
{
    VMwareHgfsState *s = VMWARE_HGFS(obj);
    uint64_t size;
    uint32_t crc;
    int ret;

    if (!s->cksum_path) {
        return g_strdup("");
    }
    ret = hgfs_server_host_cksum(&s->server, s->cksum_path, &crc, &size);
    if (ret) {
        return g_strdup_printf("error %d", -ret);
    }
    return g_strdup_printf("%u %" PRIu64, crc, size);
}

static void hgfs_get_stat(Object *obj, Visitor *v, const char *name, void *opaque,
                          Error **errp)
{
    const struct hgfs_server *server = &VMWARE_HGFS(obj)->server;
    uint64_t value;

    if (!strcmp(name, "requests")) {
        value = server->stats.requests;
    } else if (!strcmp(name, "errors")) {
        value = server->stats.errors;
    } else if (!strcmp(name, "bytes-read")) {
        value = server->stats.bytes_read;
    } else if (!strcmp(name, "bytes-written")) {
        value = server->stats.bytes_written;
    } else if (!strcmp(name, "sessions-created")) {
        value = server->stats.sessions_created;
    } else {
        value = server->node_count;
    }
    visit_type_uint64(v, name, &value, errp);
}

static void hgfs_finalize(Object *obj)
{
    VMwareHgfsState *s = VMWARE_HGFS(obj);

    if (s->realized) {
        hgfs_server_destroy(&s->server);
    }
    g_free(s->shares);
    g_free(s->cksum_path);
}

static void hgfs_class_init(ObjectClass *klass, void *data)
{
    static const char *const stats[] = {
        "requests", "errors", "bytes-read", "bytes-written", "sessions-created",
        "open-handles",
    };
    DeviceClass *dc = DEVICE_CLASS(klass);
    unsigned int i;

    dc->realize = hgfs_realize;
    dc->reset = hgfs_reset;
    dc->desc = "VMware shared folders (HGFS) server";
    dc->user_creatable = true;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);

    object_class_property_add_str(klass, "shares", hgfs_get_shares, hgfs_set_shares);
    object_class_property_add_str(klass, "fault", hgfs_get_fault, hgfs_set_fault);
    object_class_property_add_str(klass, "removed-shares", hgfs_get_removed,
                                  hgfs_set_removed);
    object_class_property_add_str(klass, "host-cksum", hgfs_get_cksum, hgfs_set_cksum);
    for (i = 0; i < ARRAY_SIZE(stats); i++) {
        object_class_property_add(klass, stats[i], "uint64", hgfs_get_stat,
                                  NULL, NULL, NULL);
    }
}

static const TypeInfo hgfs_info = {
    .name = TYPE_VMWARE_HGFS,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(VMwareHgfsState),
    .instance_finalize = hgfs_finalize,
    .class_init = hgfs_class_init,
};

static void hgfs_register_types(void)
{
    type_register_static(&hgfs_info);
}

type_init(hgfs_register_types)
