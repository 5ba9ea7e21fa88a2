// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Random-register fuzz loop for the backdoor core: many calls with random
 * commands, sub-commands, ids, cookies and fault switches, mostly aimed at
 * open channels so deep states are reached. Run under ASan/UBSan; also
 * checks invariants every guest depends on. Prints one KTAP result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdoor_host.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static unsigned long violations;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static uint32_t fuzz_random(void *opaque)
{
	return rng();
}

static int64_t fuzz_now(void *opaque)
{
	return (int64_t)(rng() % 4000000000u) * 1000000 + rng() % 1000000;
}

static void check(int cond, const char *what)
{
	if (!cond && violations++ < 10)
		printf("# invariant broken: %s\n", what);
}

/* Picks a channel's real id and cookies most of the time, garbage otherwise. */
static void aim_at_channel(struct bdoor_host *host, struct bdoor_regs *regs, bool hb)
{
	uint32_t id = rng() % (GUESTMSG_MAX_CHANNEL + 8);
	const struct bdoor_channel *channel;
	uint32_t high, low;

	if (rng() % 16 == 0)
		id = rng() & 0xFFFF;
	regs->rdx = (id << 16) | (hb ? BDOOR_HB_PORT : BDOOR_PORT);
	channel = id < GUESTMSG_MAX_CHANNEL ? &host->channels[id] : NULL;
	high = channel && rng() % 8 ? channel->cookie_high : rng();
	low = channel && rng() % 8 ? channel->cookie_low : rng();
	if (!hb) {
		regs->rsi = high;
		regs->rdi = low;
	} else if (rng() & 1) {
		regs->rbp = high;
		regs->rdi = low;
	} else {
		regs->rsi = high;
		regs->rbp = low;
	}
}

static void random_message_call(struct bdoor_host *host, struct bdoor_regs *regs)
{
	uint32_t subcommand = rng() % 8;
	static const uint32_t protocols[] = {
		GUESTMSG_PROTO_RPCI, GUESTMSG_PROTO_TCLO, 0x12345678,
	};

	regs->rcx = BDOOR_ECX(BDOOR_CMD_MESSAGE, subcommand);
	aim_at_channel(host, regs, false);
	switch (subcommand) {
	case MESSAGE_TYPE_OPEN:
		regs->rbx = protocols[rng() % 3] | (rng() & GUESTMSG_FLAG_COOKIE);
		break;
	case MESSAGE_TYPE_SENDSIZE:
		regs->rbx = rng() % 4 ? rng() % 9 : rng() % (2 * GUESTMSG_MAX_IN_SIZE);
		break;
	case MESSAGE_TYPE_RECVPAYLOAD:
	case MESSAGE_TYPE_RECVSTATUS:
		regs->rbx = rng() % 4 ? 1 : rng();
		break;
	}
}

static void random_call(struct bdoor_host *host)
{
	static const uint32_t commands[] = {
		BDOOR_CMD_MESSAGE, BDOOR_CMD_MESSAGE, BDOOR_CMD_MESSAGE, BDOOR_CMD_MESSAGE,
		BDOOR_CMD_GETTIME, BDOOR_CMD_GETTIMEFULL, BDOOR_CMD_GETTIMEFULL_WITH_LAG,
		BDOOR_CMD_GETHZ,
	};
	struct bdoor_regs regs = {
		.rax = rng() % 64 ? BDOOR_MAGIC : rng(),
		.rbx = rng(), .rcx = rng(), .rdx = rng(),
		.rsi = rng(), .rdi = rng(), .rbp = rng(),
	};
	uint32_t command = commands[rng() % 8];
	uint32_t kind = rng() % 16;
	uint32_t subcommand;

	if (kind < 4) {
		uint8_t bytes[16] = { 0 };
		uint32_t count = rng() % 2 ? rng() % 17 : 0;

		regs.rbx = (rng() % 4 ? BDOORHB_CMD_MESSAGE : rng()) | (1u << 16);
		aim_at_channel(host, &regs, true);
		if (count && rng() % 2)
			count = bdoor_host_hb_send_remaining(host, &regs) % 17;
		if (kind == 0)
			bdoor_host_hb_send_byte(host, &regs, rng());
		else if (kind == 1)
			bdoor_host_hb_recv_byte(host, &regs);
		else if (kind == 2)
			bdoor_host_hb_send_bytes(host, &regs, bytes, count);
		else
			bdoor_host_hb_recv_bytes(host, &regs, bytes, count);
		return;
	}
	if (command == BDOOR_CMD_MESSAGE)
		random_message_call(host, &regs);
	else
		regs.rcx = command;
	subcommand = BDOOR_SUBCMD((uint32_t)regs.rcx);
	bdoor_host_call(host, &regs);
	if ((uint32_t)regs.rax == BDOOR_UNSUPPORTED)
		return;
	if (command == BDOOR_CMD_GETTIMEFULL_WITH_LAG)
		check((uint32_t)regs.rbx < 1000000, "GETTIMEFULL_WITH_LAG microseconds < 10^6");
	if (command == BDOOR_CMD_MESSAGE && subcommand == MESSAGE_TYPE_RECVSIZE &&
	    BDOOR_SUBCMD((uint32_t)regs.rcx) & MESSAGE_STATUS_DORECV)
		check((uint32_t)regs.rbx <= GUESTMSG_MAX_IN_SIZE ||
		      host->fault == BDOOR_FAULT_OVERSIZE_REPLY, "reply length bounded");
}

static void random_control(struct bdoor_host *host)
{
	uint32_t action = rng() % 8;
	char command[16];
	char *joined;

	if (action == 0) {
		bdoor_host_set_fault(host, bdoor_fault_name(rng() % BDOOR_FAULT_COUNT));
	} else if (action == 1) {
		bdoor_host_set_fault(host, "none");
	} else if (action == 2) {
		snprintf(command, sizeof(command), "cmd%u", rng() % 100);
		bdoor_host_tclo_queue(host, command, strlen(command));
	} else if (action == 3) {
		host->hb_enabled = !host->hb_enabled;
	} else if (action == 4) {
		joined = bdoor_text_list_join(&host->tclo_results);
		free(joined);
		joined = bdoor_text_list_join(&host->rpci_log);
		free(joined);
	} else {
		bdoor_host_guestinfo_set(host, "guestinfo.fuzz", command, rng() % 8);
	}
}

int main(int argc, char **argv)
{
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	struct bdoor_host_ops ops = { .random_u32 = fuzz_random, .realtime_us = fuzz_now };
	struct bdoor_host host;
	unsigned long i;

	bdoor_host_init(&host, &ops);
	host.tsc_hz = 2000000000ull;
	host.apic_bus_hz = 1000000000u;
	for (i = 0; i < calls; i++) {
		if (rng() % 512 == 0)
			random_control(&host);
		random_call(&host);
		check(bdoor_host_open_channels(&host) <= GUESTMSG_MAX_CHANNEL, "channel count");
	}
	printf("# %lu calls, %llu opens, %llu messages in, %llu out, %u channels open\n",
	       calls, (unsigned long long)host.stats.opens,
	       (unsigned long long)host.stats.messages_in,
	       (unsigned long long)host.stats.messages_out, bdoor_host_open_channels(&host));
	bdoor_host_destroy(&host);
	printf("KTAP version 1\n1..1\n%sok 1 fuzz_%lu_random_calls\n", violations ? "not " : "",
	       calls);
	return violations ? 1 : 0;
}
