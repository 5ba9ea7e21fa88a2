// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated host as a whole: state set-up and teardown, LB command
 * dispatch, the time commands GETTIME/GETTIMEFULL(_WITH_LAG)/PRECISIONCLOCK
 * (answered by the time model in host/timekeeping) and GETHZ, and the
 * fault switches tests flip.
 */
#include <stdlib.h>
#include <string.h>

#include "bdoor_host.h"

#define LOG_MAX_ENTRIES		1024u
#define TCLO_QUEUE_MAX		64u
#define DEFAULT_MAX_LAG_US	500000u

static const char *const fault_names[BDOOR_FAULT_COUNT] = {
	[BDOOR_FAULT_NONE] = "none",
	[BDOOR_FAULT_BAD_STATUS] = "bad-status",
	[BDOOR_FAULT_OVERSIZE_REPLY] = "oversize-reply",
	[BDOOR_FAULT_WRONG_REPLY_TYPE] = "wrong-reply-type",
	[BDOOR_FAULT_NEVER_COMPLETE] = "never-complete",
	[BDOOR_FAULT_CPT_FOREVER] = "cpt-forever",
	[BDOOR_FAULT_CLOSE_CHANNELS] = "close-channels",
	[BDOOR_FAULT_GARBAGE_REPLY] = "garbage-reply",
	[BDOOR_FAULT_BAD_CHANNEL_ID] = "bad-channel-id",
};

void bdoor_host_init(struct bdoor_host *host, const struct bdoor_host_ops *ops)
{
	memset(host, 0, sizeof(*host));
	host->ops = *ops;
	host->time_max_lag_us = DEFAULT_MAX_LAG_US;
	bdoor_text_list_init(&host->rpci_log, LOG_MAX_ENTRIES);
	bdoor_text_list_init(&host->tclo_queue, TCLO_QUEUE_MAX);
	bdoor_text_list_init(&host->tclo_results, LOG_MAX_ENTRIES);
}

void bdoor_host_destroy(struct bdoor_host *host)
{
	struct bdoor_guestinfo *entry, *next;
	unsigned int id;

	for (id = 0; id < GUESTMSG_MAX_CHANNEL; id++) {
		bdoor_buffer_free(&host->channels[id].in);
		bdoor_buffer_free(&host->channels[id].reply);
	}
	for (entry = host->guestinfo; entry; entry = next) {
		next = entry->next;
		free(entry->key);
		free(entry->value);
		free(entry);
	}
	bdoor_text_list_clear(&host->rpci_log);
	bdoor_text_list_clear(&host->tclo_queue);
	bdoor_text_list_clear(&host->tclo_results);
	memset(host, 0, sizeof(*host));
}

const char *bdoor_fault_name(enum bdoor_fault fault)
{
	return fault < BDOOR_FAULT_COUNT ? fault_names[fault] : "?";
}

/* close-channels is an action, not a mode: it closes what is open now. */
int bdoor_host_set_fault(struct bdoor_host *host, const char *name)
{
	unsigned int fault;

	for (fault = 0; fault < BDOOR_FAULT_COUNT; fault++)
		if (!strcmp(name, fault_names[fault]))
			break;
	if (fault == BDOOR_FAULT_COUNT)
		return -1;
	if (fault == BDOOR_FAULT_CLOSE_CHANNELS) {
		bdoor_host_close_all_channels(host);
		return 0;
	}
	host->fault = fault;
	return 0;
}

int64_t bdoor_host_realtime_ns(struct bdoor_host *host)
{
	if (host->ops.realtime_ns)
		return host->ops.realtime_ns(host->ops.opaque);
	return host->ops.realtime_us(host->ops.opaque) * 1000;
}

/* The time model (host/timekeeping) answers; ECX of 23/46 also counts interrupt lag. */
void bdoor_host_gettime(struct bdoor_host *host, struct bdoor_regs *regs)
{
	bdoor_time_gettime(&host->time, bdoor_host_realtime_ns(host),
			   host->time_max_lag_us + host->time_interrupt_lag_us, regs);
}

void bdoor_host_gettimefull(struct bdoor_host *host, struct bdoor_regs *regs)
{
	bdoor_time_gettimefull(&host->time, bdoor_host_realtime_ns(host),
			       host->time_max_lag_us + host->time_interrupt_lag_us, regs);
}

void bdoor_host_gettimefull_with_lag(struct bdoor_host *host, struct bdoor_regs *regs)
{
	bdoor_time_gettimefull_with_lag(&host->time, bdoor_host_realtime_ns(host),
					host->time_max_lag_us, host->time_interrupt_lag_us, regs);
}

void bdoor_host_precisionclock(struct bdoor_host *host, struct bdoor_regs *regs)
{
	bdoor_time_precisionclock(&host->time, bdoor_host_realtime_ns(host), regs);
}

/* Without known rates the failure form: EBX keeps the guest's sentinel. */
void bdoor_host_gethz(struct bdoor_host *host, struct bdoor_regs *regs)
{
	if (!host->tsc_hz || !host->apic_bus_hz) {
		regs->rbx = BDOOR_GETHZ_SENTINEL;
		return;
	}
	regs->rax = (uint32_t)host->tsc_hz;
	regs->rbx = (uint32_t)(host->tsc_hz >> 32);
	regs->rcx = host->apic_bus_hz;
}

/* Decodes all 16 bits of ECX.lo, as VMware does (QEMU's vmport uses 8). */
void bdoor_host_call(struct bdoor_host *host, struct bdoor_regs *regs)
{
	if ((uint32_t)regs->rax != BDOOR_MAGIC) {
		regs->rax = BDOOR_UNSUPPORTED;
		return;
	}
	switch (BDOOR_CMD((uint32_t)regs->rcx)) {
	case BDOOR_CMD_MESSAGE:
		bdoor_host_message(host, regs);
		break;
	case BDOOR_CMD_GETTIME:
		bdoor_host_gettime(host, regs);
		break;
	case BDOOR_CMD_GETTIMEFULL:
		bdoor_host_gettimefull(host, regs);
		break;
	case BDOOR_CMD_GETTIMEFULL_WITH_LAG:
		bdoor_host_gettimefull_with_lag(host, regs);
		break;
	case BDOOR_CMD_GETHZ:
		bdoor_host_gethz(host, regs);
		break;
	case BDOOR_CMD_PRECISIONCLOCK:
		bdoor_host_precisionclock(host, regs);
		break;
	default:
		regs->rax = BDOOR_UNSUPPORTED;
		break;
	}
}
