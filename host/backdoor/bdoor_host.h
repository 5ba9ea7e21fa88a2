/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated VMware host: backdoor message channels, RPCI/TCLO dispatch and the
 * time commands. Plain C without QEMU headers, so the same code runs inside
 * QEMU (through host/qemu/vmware_backdoor.c) and in userspace unit tests.
 */
#ifndef PVTOOLS_BDOOR_HOST_H
#define PVTOOLS_BDOOR_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvtools/backdoor_abi.h"
#include "../timekeeping/bdoor_time.h"

/* Hostile-host behaviours a test can switch on; see host/README.md. */
enum bdoor_fault {
	BDOOR_FAULT_NONE,
	BDOOR_FAULT_BAD_STATUS,
	BDOOR_FAULT_OVERSIZE_REPLY,
	BDOOR_FAULT_WRONG_REPLY_TYPE,
	BDOOR_FAULT_NEVER_COMPLETE,
	BDOOR_FAULT_CPT_FOREVER,
	BDOOR_FAULT_CLOSE_CHANNELS,
	BDOOR_FAULT_GARBAGE_REPLY,
	BDOOR_FAULT_BAD_CHANNEL_ID,
	BDOOR_FAULT_COUNT
};

/* One byte string in a bounded FIFO (RPCI log, TCLO queue and results). */
struct bdoor_text {
	struct bdoor_text *next;
	size_t len;
	uint8_t data[];
};

struct bdoor_text_list {
	struct bdoor_text *head;
	struct bdoor_text *tail;
	unsigned int count;
	unsigned int max_count;
};

/* A message in flight: bytes filled or drained so far. */
struct bdoor_buffer {
	uint8_t *data;
	uint32_t len;
	uint32_t offset;
};

enum bdoor_channel_state {
	BDOOR_CHANNEL_FREE,
	BDOOR_CHANNEL_IDLE,
	BDOOR_CHANNEL_RECEIVING,	/* the guest is sending us a message */
	BDOOR_CHANNEL_HOST_CLOSED,	/* closed under the guest's feet */
};

struct bdoor_channel {
	enum bdoor_channel_state state;
	uint32_t protocol;
	bool has_cookie;
	uint32_t cookie_high;
	uint32_t cookie_low;
	struct bdoor_buffer in;
	struct bdoor_buffer reply;	/* data == NULL: nothing to deliver */
	bool reply_announced;		/* RECVSIZE said DORECV for it */
	uint32_t reply_announced_len;	/* what RECVSIZE said, see faults */
	bool tclo_command_delivered;	/* the next message is its result */
};

struct bdoor_guestinfo {
	struct bdoor_guestinfo *next;
	char *key;
	uint8_t *value;
	size_t value_len;
};

/*
 * An RPCI command another host model serves (e.g. HGFS's "f"): gets the bytes
 * after "<name> " and answers with bdoor_rpci_reply().
 */
typedef void bdoor_rpci_handler(void *opaque, const uint8_t *args, uint32_t len,
				struct bdoor_buffer *reply);

struct bdoor_rpci_extension {
	char name[32];
	bdoor_rpci_handler *handle;
	void *opaque;
	bool binary;	/* arguments are bytes: no trailing NUL stripped, not logged */
};

#define BDOOR_MAX_RPCI_EXTENSIONS	8

/* What the host environment supplies: randomness and wall-clock time. */
struct bdoor_host_ops {
	uint32_t (*random_u32)(void *opaque);
	int64_t (*realtime_us)(void *opaque);
	/* Optional, for ns resolution (the precise clock); else realtime_us. */
	int64_t (*realtime_ns)(void *opaque);
	void *opaque;
};

struct bdoor_stats {
	uint64_t messages_in;
	uint64_t messages_out;
	uint64_t opens;
	uint64_t hb_bytes_in;
	uint64_t hb_bytes_out;
};

struct bdoor_host {
	struct bdoor_host_ops ops;
	struct bdoor_channel channels[GUESTMSG_MAX_CHANNEL];
	enum bdoor_fault fault;
	bool hb_enabled;
	/* GETTIME* "max time lag" and "interrupt lag", in microseconds. */
	uint32_t time_max_lag_us;
	uint32_t time_interrupt_lag_us;
	/* GETHZ answers only when both are known (non-zero). */
	uint64_t tsc_hz;
	uint32_t apic_bus_hz;
	/* Offset, drift, on/off switch and precise clock of the reported time. */
	struct bdoor_time time;
	struct bdoor_text_list rpci_log;
	struct bdoor_text_list tclo_queue;
	struct bdoor_text_list tclo_results;
	struct bdoor_guestinfo *guestinfo;
	unsigned int guestinfo_count;
	struct bdoor_rpci_extension rpci_extensions[BDOOR_MAX_RPCI_EXTENSIONS];
	unsigned int rpci_extension_count;
	char tools_version[64];
	struct bdoor_stats stats;
};

void bdoor_host_init(struct bdoor_host *host, const struct bdoor_host_ops *ops);
void bdoor_host_destroy(struct bdoor_host *host);

/* One LB backdoor call: dispatches on ECX.lo, answers like a VMware host. */
void bdoor_host_call(struct bdoor_host *host, struct bdoor_regs *regs);
void bdoor_host_message(struct bdoor_host *host, struct bdoor_regs *regs);
void bdoor_host_gettime(struct bdoor_host *host, struct bdoor_regs *regs);
void bdoor_host_gettimefull(struct bdoor_host *host, struct bdoor_regs *regs);
void bdoor_host_gettimefull_with_lag(struct bdoor_host *host, struct bdoor_regs *regs);
void bdoor_host_gethz(struct bdoor_host *host, struct bdoor_regs *regs);
void bdoor_host_precisionclock(struct bdoor_host *host, struct bdoor_regs *regs);
/* The real host time the time commands start from, in ns. */
int64_t bdoor_host_realtime_ns(struct bdoor_host *host);

/* One byte of an HB `rep outsb` / `rep insb` on BDOOR_HB_PORT. */
void bdoor_host_hb_send_byte(struct bdoor_host *host, struct bdoor_regs *regs, uint8_t byte);
uint8_t bdoor_host_hb_recv_byte(struct bdoor_host *host, struct bdoor_regs *regs);
/*
 * Whole-string forms for a glue that can copy guest memory itself: how many
 * bytes the HB transfer this call belongs to still expects (0: none), and
 * the same per-byte semantics applied to count bytes at once.
 */
uint32_t bdoor_host_hb_send_remaining(struct bdoor_host *host, struct bdoor_regs *regs);
uint32_t bdoor_host_hb_recv_remaining(struct bdoor_host *host, struct bdoor_regs *regs);
void bdoor_host_hb_send_bytes(struct bdoor_host *host, struct bdoor_regs *regs,
			      const uint8_t *bytes, uint32_t count);
void bdoor_host_hb_recv_bytes(struct bdoor_host *host, struct bdoor_regs *regs,
			      uint8_t *bytes, uint32_t count);
/*
 * Bulk receive for a glue that writes guest memory itself: hands the next
 * @count reply bytes to @store and consumes them only if it returns true.
 * False (nothing consumed, @regs untouched) when they are not all available
 * at once or the store failed: the glue then falls back to single bytes,
 * which start where this call would have.
 */
bool bdoor_host_hb_recv_bulk(struct bdoor_host *host, struct bdoor_regs *regs, uint32_t count,
			     bool (*store)(void *opaque, const uint8_t *bytes, uint32_t count),
			     void *opaque);

/* Test controls. */
int bdoor_host_set_fault(struct bdoor_host *host, const char *name);
const char *bdoor_fault_name(enum bdoor_fault fault);
void bdoor_host_close_all_channels(struct bdoor_host *host);
/* Machine reset: every channel becomes free; guestinfo, logs and queue stay. */
void bdoor_host_reset_channels(struct bdoor_host *host);
unsigned int bdoor_host_open_channels(const struct bdoor_host *host);
/* One line per channel in use: "<id> <RPCI|TCLO> <state>[ reply=<len>]". malloc'd. */
char *bdoor_host_describe_channels(const struct bdoor_host *host);
int bdoor_host_tclo_queue(struct bdoor_host *host, const void *command, size_t len);
int bdoor_host_guestinfo_set(struct bdoor_host *host, const char *key,
			     const void *value, size_t len);
const struct bdoor_guestinfo *bdoor_host_guestinfo_get(const struct bdoor_host *host,
							const char *key);
/* Extension point for other host models; -1 if full, the name is taken or too long. */
int bdoor_host_add_rpci_command(struct bdoor_host *host, const char *name,
				bdoor_rpci_handler *handle, void *opaque);
/*
 * The same for a command whose arguments are binary (HGFS's "f"): a last
 * NUL byte is part of them, and only the command name goes to the RPCI log.
 */
int bdoor_host_add_rpci_binary_command(struct bdoor_host *host, const char *name,
				       bdoor_rpci_handler *handle, void *opaque);
/* Sets an RPCI reply: "1 " or "0 " followed by len bytes of text (may be binary). */
void bdoor_rpci_reply(struct bdoor_buffer *reply, bool success, const void *text, size_t len);

/* Protocol layers above the channels: called by channel.c, tested directly. */
void bdoor_rpci_dispatch(struct bdoor_host *host, const uint8_t *request, uint32_t len,
			 struct bdoor_buffer *reply);
void bdoor_tclo_take_result(struct bdoor_host *host, struct bdoor_channel *channel,
			    const uint8_t *result, uint32_t len);
void bdoor_tclo_next_command(struct bdoor_host *host, struct bdoor_channel *channel);
void bdoor_buffer_free(struct bdoor_buffer *buffer);

/* Bounded FIFOs of byte strings. */
void bdoor_text_list_init(struct bdoor_text_list *list, unsigned int max_count);
void bdoor_text_list_clear(struct bdoor_text_list *list);
int bdoor_text_list_push(struct bdoor_text_list *list, const void *data, size_t len);
struct bdoor_text *bdoor_text_list_pop(struct bdoor_text_list *list);
/* Newline-separated, oldest first; '\\', newline and unprintables escaped. malloc'd. */
char *bdoor_text_list_join(const struct bdoor_text_list *list);
char *bdoor_escape(const uint8_t *data, size_t len);

#endif /* PVTOOLS_BDOOR_HOST_H */
