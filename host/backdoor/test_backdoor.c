// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Userspace unit tests of the emulated host's backdoor core (host/backdoor):
 * channel register contracts, docs/protocol/backdoor-and-rpc.md F11/F12, RPCI, TCLO, faults and
 * time commands. Prints KTAP; exits non-zero if any test fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdoor_host.h"

#define MAGIC			BDOOR_MAGIC
#define LB_EDX(id)		(((uint32_t)(id) << 16) | BDOOR_PORT)
#define STATUS(regs)		((uint16_t)((uint32_t)(regs).rcx >> 16))
#define EDX_HIGH(regs)		((uint16_t)((uint32_t)(regs).rdx >> 16))

struct fake_env {
	uint32_t random_state;
	int64_t now_us;
};

static struct fake_env env;
static struct bdoor_host host;
static int failures_in_test;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		failures_in_test++;					\
	}								\
} while (0)

static uint32_t fake_random(void *opaque)
{
	struct fake_env *fake = opaque;

	fake->random_state = fake->random_state * 1103515245u + 12345u;
	return fake->random_state ^ 0x5a5a0000u;
}

static int64_t fake_now(void *opaque)
{
	return ((struct fake_env *)opaque)->now_us;
}

static void host_setup(void)
{
	struct bdoor_host_ops ops = {
		.random_u32 = fake_random,
		.realtime_us = fake_now,
		.opaque = &env,
	};

	env.random_state = 42;
	env.now_us = 1700000000LL * 1000000 + 123456;
	bdoor_host_init(&host, &ops);
}

struct guest_channel {
	uint16_t id;
	uint32_t cookie_high;
	uint32_t cookie_low;
};

static struct bdoor_regs message_regs(const struct guest_channel *channel,
				      uint16_t subcommand, uint32_t ebx)
{
	struct bdoor_regs regs = {
		.rax = MAGIC,
		.rbx = ebx,
		.rcx = BDOOR_ECX(BDOOR_CMD_MESSAGE, subcommand),
		.rdx = LB_EDX(channel->id),
		.rsi = channel->cookie_high,
		.rdi = channel->cookie_low,
	};
	return regs;
}

static uint16_t message_call(const struct guest_channel *channel, uint16_t subcommand,
			     uint32_t ebx, struct bdoor_regs *out)
{
	struct bdoor_regs regs = message_regs(channel, subcommand, ebx);

	bdoor_host_call(&host, &regs);
	if (out)
		*out = regs;
	return STATUS(regs);
}

static int channel_open(uint32_t protocol, bool cookie, struct guest_channel *channel)
{
	struct bdoor_regs regs = {
		.rax = MAGIC,
		.rbx = protocol | (cookie ? GUESTMSG_FLAG_COOKIE : 0),
		.rcx = BDOOR_ECX(BDOOR_CMD_MESSAGE, MESSAGE_TYPE_OPEN),
		.rdx = BDOOR_PORT,
		.rsi = 0x11111111,
		.rdi = 0x22222222,
	};

	bdoor_host_call(&host, &regs);
	if (!(STATUS(regs) & MESSAGE_STATUS_SUCCESS))
		return -1;
	channel->id = EDX_HIGH(regs);
	channel->cookie_high = (uint32_t)regs.rsi;
	channel->cookie_low = (uint32_t)regs.rdi;
	return 0;
}

static int message_send(const struct guest_channel *channel, const void *data, uint32_t len)
{
	const uint8_t *bytes = data;
	uint32_t offset;

	if (!(message_call(channel, MESSAGE_TYPE_SENDSIZE, len, NULL) & MESSAGE_STATUS_SUCCESS))
		return -1;
	for (offset = 0; offset < len; offset += 4) {
		uint32_t word = 0, i;

		for (i = 0; i < 4 && offset + i < len; i++)
			word |= (uint32_t)bytes[offset + i] << (8 * i);
		if (!(message_call(channel, MESSAGE_TYPE_SENDPAYLOAD, word, NULL) &
		      MESSAGE_STATUS_SUCCESS))
			return -1;
	}
	return 0;
}

/* Returns the reply length, 0 for "no message", -1 on any protocol error. */
static int message_receive(const struct guest_channel *channel, uint8_t *buf, uint32_t size)
{
	struct bdoor_regs regs;
	uint32_t len, offset;
	uint16_t status;

	status = message_call(channel, MESSAGE_TYPE_RECVSIZE, 0, &regs);
	if (!(status & MESSAGE_STATUS_SUCCESS))
		return -1;
	if (!(status & MESSAGE_STATUS_DORECV))
		return 0;
	if (EDX_HIGH(regs) != GUESTMSG_REPLY_TYPE_SIZE)
		return -1;
	len = (uint32_t)regs.rbx;
	if (len > size)
		return -1;
	for (offset = 0; offset < len; offset += 4) {
		status = message_call(channel, MESSAGE_TYPE_RECVPAYLOAD, 1, &regs);
		if (!(status & MESSAGE_STATUS_SUCCESS) ||
		    EDX_HIGH(regs) != GUESTMSG_REPLY_TYPE_PAYLOAD)
			return -1;
		for (uint32_t i = 0; i < 4 && offset + i < len; i++)
			buf[offset + i] = (uint8_t)(regs.rbx >> (8 * i));
	}
	if (!(message_call(channel, MESSAGE_TYPE_RECVSTATUS, 1, NULL) & MESSAGE_STATUS_SUCCESS))
		return -1;
	return (int)len;
}

/* One RPCI exchange on a fresh channel; the reply is NUL-terminated in buf. */
static int rpci(const char *request, char *buf, uint32_t size)
{
	struct guest_channel channel;
	int len;

	if (channel_open(GUESTMSG_PROTO_RPCI, true, &channel))
		return -1;
	len = message_send(&channel, request, strlen(request) + 1);
	if (!len)
		len = message_receive(&channel, (uint8_t *)buf, size - 1);
	if (len >= 0)
		buf[len] = '\0';
	message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL);
	return len;
}

static void test_open_with_cookie(void)
{
	struct guest_channel channel;

	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(channel.id < GUESTMSG_MAX_CHANNEL);
	CHECK(channel.cookie_high != 0x11111111 && channel.cookie_low != 0x22222222);
	CHECK(channel.cookie_high == host.channels[channel.id].cookie_high);
	CHECK(bdoor_host_open_channels(&host) == 1);
	CHECK(message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL) == MESSAGE_STATUS_SUCCESS);
	CHECK(bdoor_host_open_channels(&host) == 0);
}

static void test_open_without_cookie(void)
{
	struct guest_channel channel;
	char reply[64];

	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, false, &channel));
	CHECK(channel.cookie_high == 0x11111111 && channel.cookie_low == 0x22222222);
	channel.cookie_high = 0xdeadbeef;	/* not checked without cookies */
	CHECK(!message_send(&channel, "log x", 5));
	CHECK(message_receive(&channel, (uint8_t *)reply, sizeof(reply)) == 2);
	CHECK(message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL) == MESSAGE_STATUS_SUCCESS);
}

static void test_open_bad_protocol(void)
{
	struct guest_channel channel;

	CHECK(channel_open(0x12345678, true, &channel) == -1);
	CHECK(bdoor_host_open_channels(&host) == 0);
}

static void test_bad_cookie_or_id(void)
{
	struct guest_channel channel, wrong;

	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	wrong = channel;
	wrong.cookie_low ^= 1;
	CHECK(message_call(&wrong, MESSAGE_TYPE_SENDSIZE, 4, NULL) == 0);
	CHECK(message_call(&wrong, MESSAGE_TYPE_CLOSE, 0, NULL) == 0);
	wrong = channel;
	wrong.id = (channel.id + 1) % GUESTMSG_MAX_CHANNEL;
	CHECK(message_call(&wrong, MESSAGE_TYPE_SENDSIZE, 4, NULL) == 0);
	wrong.id = 200;
	CHECK(message_call(&wrong, MESSAGE_TYPE_SENDSIZE, 4, NULL) == 0);
	wrong.id = 0xFFFF;
	CHECK(message_call(&wrong, MESSAGE_TYPE_RECVSIZE, 0, NULL) == 0);
	CHECK(message_call(&channel, 7, 0, NULL) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL) == MESSAGE_STATUS_SUCCESS);
	CHECK(message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL) == 0);
}

static void test_vector_f11(void)
{
	struct bdoor_regs regs = {
		.rax = 0x564D5868, .rbx = 0xC9435052, .rcx = 0x0000001E,
		.rdx = 0x00005658, .rsi = 0x11111111, .rdi = 0x22222222,
	};
	uint16_t id;

	bdoor_host_call(&host, &regs);
	id = EDX_HIGH(regs);
	CHECK(STATUS(regs) & 1);
	CHECK(id < GUESTMSG_MAX_CHANNEL);
	CHECK((regs.rdx & 0xFFFF) == 0x5658);
	CHECK(regs.rsi == host.channels[id].cookie_high);
	CHECK(regs.rdi == host.channels[id].cookie_low);
	CHECK(regs.rax == 0x564D5868 && regs.rbx == 0xC9435052);
}

/* docs/protocol/backdoor-and-rpc.md F12: RPCI "log hi" over LB, register by register. */
static void test_vector_f12(void)
{
	struct guest_channel channel;
	struct bdoor_regs regs;

	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	regs = message_regs(&channel, 0, 6);
	regs.rcx = 0x0001001E;
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == 0x0001);

	regs = message_regs(&channel, 0, 0x20676F6C);
	regs.rcx = 0x0002001E;
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == 0x0001);
	regs = message_regs(&channel, 0, 0x00006968);
	regs.rcx = 0x0002001E;
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == 0x0001);

	regs = message_regs(&channel, 0, 0);
	regs.rcx = 0x0003001E;
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == 0x0003);
	CHECK(EDX_HIGH(regs) == 0x0001);
	CHECK(regs.rbx == 2);

	regs = message_regs(&channel, 0, 1);
	regs.rcx = 0x0004001E;
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == 0x0001);
	CHECK(EDX_HIGH(regs) == 0x0002);
	CHECK(regs.rbx == 0x00002031);

	regs = message_regs(&channel, 0, 1);
	regs.rcx = 0x0005001E;
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == 0x0001);

	regs = message_regs(&channel, 0, 0);
	regs.rcx = 0x0006001E;
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == 0x0001);
	CHECK(host.rpci_log.tail && !strcmp((char *)host.rpci_log.tail->data, "log hi"));
	CHECK(host.stats.messages_in == 1 && host.stats.messages_out == 1);
}

static void test_size_limit(void)
{
	struct guest_channel channel;
	uint8_t *big = malloc(GUESTMSG_MAX_IN_SIZE);
	char reply[64];

	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, GUESTMSG_MAX_IN_SIZE + 1, NULL) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, 0xFFFFFFFF, NULL) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDPAYLOAD, 0, NULL) == 0);
	memset(big, 'a', GUESTMSG_MAX_IN_SIZE);
	memcpy(big, "log ", 4);
	CHECK(!message_send(&channel, big, GUESTMSG_MAX_IN_SIZE));
	CHECK(message_receive(&channel, (uint8_t *)reply, sizeof(reply)) == 2);
	CHECK(host.rpci_log.tail->len == 4096);
	message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL);
	free(big);
}

static void test_all_channels(void)
{
	struct guest_channel channel;
	unsigned int i;

	for (i = 0; i < GUESTMSG_MAX_CHANNEL; i++)
		CHECK(!channel_open(GUESTMSG_PROTO_TCLO, true, &channel));
	CHECK(channel_open(GUESTMSG_PROTO_RPCI, true, &channel) == -1);
	CHECK(bdoor_host_open_channels(&host) == GUESTMSG_MAX_CHANNEL);
	bdoor_host_reset_channels(&host);
	CHECK(bdoor_host_open_channels(&host) == 0);
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel) && channel.id == 0);
}

static void test_rpci_commands(void)
{
	char reply[128];

	CHECK(rpci("info-set guestinfo.k some value", reply, sizeof(reply)) == 2);
	CHECK(!strcmp(reply, "1 "));
	CHECK(rpci("info-get guestinfo.k", reply, sizeof(reply)) > 0);
	CHECK(!strcmp(reply, "1 some value"));
	CHECK(rpci("info-get guestinfo.missing", reply, sizeof(reply)) > 0);
	CHECK(!strncmp(reply, "0 ", 2));
	CHECK(rpci("info-set notguestinfo.k v", reply, sizeof(reply)) > 0);
	CHECK(!strncmp(reply, "0 ", 2));
	CHECK(rpci("info-set guestinfo.empty", reply, sizeof(reply)) == 2);
	CHECK(rpci("info-get guestinfo.empty", reply, sizeof(reply)) == 2);
	CHECK(rpci("frobnicate now", reply, sizeof(reply)) > 0);
	CHECK(!strcmp(reply, "0 Unknown command"));
	CHECK(rpci("tools.set.versiontype 13344 4", reply, sizeof(reply)) == 2);
	CHECK(!strcmp(host.tools_version, "13344 4"));
	CHECK(rpci("tools.set.version 12345", reply, sizeof(reply)) == 2);
	CHECK(!strcmp(host.tools_version, "12345"));
	CHECK(rpci("tools.capability.resolution_set 1", reply, sizeof(reply)) == 2);
	CHECK(rpci("tools.capability.", reply, sizeof(reply)) > 2);
	CHECK(rpci("vmx.capability.unified_loop toolbox", reply, sizeof(reply)) == 2);
	CHECK(rpci("log", reply, sizeof(reply)) == 2);
	CHECK(!bdoor_host_guestinfo_set(&host, "guestinfo.fromhost", "h", 1));
	CHECK(rpci("info-get guestinfo.fromhost", reply, sizeof(reply)) == 3);
}

static void test_rpci_log_escaping(void)
{
	char reply[16];
	char *joined;

	CHECK(rpci("log a\nb\\c\x01", reply, sizeof(reply)) == 2);
	CHECK(rpci("log second", reply, sizeof(reply)) == 2);
	joined = bdoor_text_list_join(&host.rpci_log);
	CHECK(joined && !strcmp(joined, "log a\\nb\\\\c\\x01\nlog second"));
	free(joined);
}

static void test_tclo_queue_and_results(void)
{
	struct guest_channel channel;
	uint8_t buf[64];
	char *results;

	CHECK(!channel_open(GUESTMSG_PROTO_TCLO, true, &channel));
	CHECK(!message_send(&channel, "", 0));
	CHECK(message_receive(&channel, buf, sizeof(buf)) == 0);
	CHECK(!bdoor_host_tclo_queue(&host, "ping", 4));
	CHECK(!bdoor_host_tclo_queue(&host, "reset", 5));
	CHECK(message_receive(&channel, buf, sizeof(buf)) == 4 && !memcmp(buf, "ping", 4));
	CHECK(!message_send(&channel, "OK ", 3));
	CHECK(message_receive(&channel, buf, sizeof(buf)) == 5 && !memcmp(buf, "reset", 5));
	CHECK(!message_send(&channel, "OK ATR toolbox", 14));
	CHECK(message_receive(&channel, buf, sizeof(buf)) == 0);
	CHECK(!message_send(&channel, "", 0));
	results = bdoor_text_list_join(&host.tclo_results);
	CHECK(results && !strcmp(results, "OK \nOK ATR toolbox"));
	free(results);
	CHECK(host.tclo_queue.count == 0);
}

static void test_close_with_reply_pending(void)
{
	struct guest_channel channel;
	struct bdoor_regs regs;

	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(!message_send(&channel, "log bye", 7));
	CHECK(host.channels[channel.id].reply.data);
	CHECK(message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL) == MESSAGE_STATUS_SUCCESS);
	CHECK(bdoor_host_open_channels(&host) == 0);
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	/* A new send while a reply is unread drops it and says so. */
	CHECK(!message_send(&channel, "log 1", 5));
	regs = message_regs(&channel, MESSAGE_TYPE_SENDSIZE, 5);
	bdoor_host_call(&host, &regs);
	CHECK(STATUS(regs) == (MESSAGE_STATUS_SUCCESS | MESSAGE_STATUS_UNSENT));
	/* Aborting a receive with RECVPAYLOAD(0) drops the reply. */
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, 0, NULL) & MESSAGE_STATUS_SUCCESS);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, NULL) ==
	      (MESSAGE_STATUS_SUCCESS | MESSAGE_STATUS_DORECV));
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVPAYLOAD, 0, NULL) == MESSAGE_STATUS_SUCCESS);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSTATUS, 1, NULL) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, NULL) == MESSAGE_STATUS_SUCCESS);
}

static void test_fault_bad_status(void)
{
	struct guest_channel channel;
	char reply[16];

	CHECK(!bdoor_host_set_fault(&host, "bad-status"));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, 0, NULL) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, NULL) == MESSAGE_STATUS_DORECV);
	CHECK(message_call(&channel, MESSAGE_TYPE_CLOSE, 0, NULL) == MESSAGE_STATUS_SUCCESS);
	CHECK(!bdoor_host_set_fault(&host, "none"));
	CHECK(rpci("log ok", reply, sizeof(reply)) == 2);
}

static void test_fault_oversize_reply(void)
{
	struct guest_channel channel;
	struct bdoor_regs regs;

	CHECK(!bdoor_host_set_fault(&host, "oversize-reply"));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(!message_send(&channel, "log x", 5));
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, &regs) & MESSAGE_STATUS_DORECV);
	CHECK(regs.rbx > GUESTMSG_MAX_IN_SIZE);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVPAYLOAD, 1, &regs) & MESSAGE_STATUS_SUCCESS);
	CHECK(regs.rbx == 0x78782031);	/* the real "1 " then padding */
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSTATUS, 0, NULL) == MESSAGE_STATUS_SUCCESS);
}

static void test_fault_wrong_reply_type(void)
{
	struct guest_channel channel;
	struct bdoor_regs regs;

	CHECK(!bdoor_host_set_fault(&host, "wrong-reply-type"));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(!message_send(&channel, "log x", 5));
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, &regs) & MESSAGE_STATUS_DORECV);
	CHECK(EDX_HIGH(regs) != GUESTMSG_REPLY_TYPE_SIZE);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVPAYLOAD, 1, &regs) & MESSAGE_STATUS_SUCCESS);
	CHECK(EDX_HIGH(regs) != GUESTMSG_REPLY_TYPE_PAYLOAD);
}

static void test_fault_never_complete(void)
{
	struct guest_channel channel;
	uint8_t buf[16];
	int i;

	CHECK(!bdoor_host_set_fault(&host, "never-complete"));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(!message_send(&channel, "log x", 5));
	for (i = 0; i < 100; i++)
		CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, NULL) == MESSAGE_STATUS_SUCCESS);
	CHECK(!bdoor_host_set_fault(&host, "none"));
	CHECK(message_receive(&channel, buf, sizeof(buf)) == 2);
}

static void test_fault_cpt_forever(void)
{
	struct guest_channel channel;
	int attempt;

	CHECK(!bdoor_host_set_fault(&host, "cpt-forever"));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	for (attempt = 0; attempt < 3; attempt++) {
		CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, 5, NULL) & MESSAGE_STATUS_SUCCESS);
		CHECK(message_call(&channel, MESSAGE_TYPE_SENDPAYLOAD, 0x20676F6C, NULL) ==
		      MESSAGE_STATUS_CPT);
	}
	CHECK(!bdoor_host_set_fault(&host, "none"));
	CHECK(!message_send(&channel, "log x", 5));
	CHECK(!bdoor_host_set_fault(&host, "cpt-forever"));
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, NULL) & MESSAGE_STATUS_DORECV);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVPAYLOAD, 1, NULL) == MESSAGE_STATUS_CPT);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSTATUS, 1, NULL) == MESSAGE_STATUS_CPT);
}

static void test_fault_close_channels(void)
{
	struct guest_channel first, second, third;
	char *description;
	char reply[16];

	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &first));
	CHECK(!channel_open(GUESTMSG_PROTO_TCLO, true, &second));
	description = bdoor_host_describe_channels(&host);
	CHECK(description && !strcmp(description, "0 RPCI idle\n1 TCLO idle"));
	free(description);
	CHECK(!bdoor_host_set_fault(&host, "close-channels"));
	description = bdoor_host_describe_channels(&host);
	CHECK(description && !strcmp(description, "0 RPCI host-closed\n1 TCLO host-closed"));
	free(description);
	CHECK(host.fault == BDOOR_FAULT_NONE);
	CHECK(bdoor_host_open_channels(&host) == 0);
	CHECK(message_call(&first, MESSAGE_TYPE_SENDSIZE, 1, NULL) == MESSAGE_STATUS_CLOSED);
	CHECK(message_call(&second, MESSAGE_TYPE_RECVSIZE, 0, NULL) == MESSAGE_STATUS_CLOSED);
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &third));
	CHECK(third.id != first.id && third.id != second.id);
	CHECK(message_call(&first, MESSAGE_TYPE_CLOSE, 0, NULL) == MESSAGE_STATUS_CLOSED);
	CHECK(message_call(&first, MESSAGE_TYPE_CLOSE, 0, NULL) == 0);
	CHECK(rpci("log again", reply, sizeof(reply)) == 2);
}

static void test_fault_garbage_reply(void)
{
	char reply[16];
	int len;

	CHECK(!bdoor_host_set_fault(&host, "garbage-reply"));
	len = rpci("info-get guestinfo.k", reply, sizeof(reply));
	CHECK(len >= 2);
	CHECK(memcmp(reply, "1 ", 2) && memcmp(reply, "0 ", 2));
	CHECK(bdoor_host_set_fault(&host, "no-such-fault") == -1);
	CHECK(!strcmp(bdoor_fault_name(host.fault), "garbage-reply"));
}

static void test_fault_bad_channel_id(void)
{
	struct guest_channel channel;
	char reply[16];

	CHECK(!bdoor_host_set_fault(&host, "bad-channel-id"));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(channel.id >= GUESTMSG_MAX_CHANNEL);
	/* Nothing was allocated, and the bogus id is refused. */
	CHECK(bdoor_host_open_channels(&host) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, 0, NULL) == 0);
	CHECK(!bdoor_host_set_fault(&host, "none"));
	CHECK(rpci("log ok", reply, sizeof(reply)) == 2);
}

static struct bdoor_regs time_regs(uint32_t command)
{
	struct bdoor_regs regs = {
		.rax = MAGIC, .rbx = 0xFFFFFFFF, .rcx = command,
		.rdx = BDOOR_PORT, .rsi = 0x11111111, .rdi = 0x22222222,
	};
	return regs;
}

static void test_time_commands(void)
{
	struct bdoor_regs regs;
	int64_t seconds = 0x123456789LL;

	env.now_us = seconds * 1000000 + 654321;
	host.time_max_lag_us = 1000;
	host.time_interrupt_lag_us = 30;

	regs = time_regs(BDOOR_CMD_GETTIME);
	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == 0x23456789 && regs.rbx == 654321 && regs.rcx == 1030);

	regs = time_regs(BDOOR_CMD_GETTIMEFULL);
	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == MAGIC && regs.rsi == 1 && regs.rdx == 0x23456789);
	CHECK(regs.rbx == 654321 && regs.rcx == 1030 && regs.rdi == 0x22222222);

	/* docs/protocol/backdoor-and-rpc.md F13 */
	regs = time_regs(BDOOR_CMD_GETTIMEFULL_WITH_LAG);
	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == MAGIC && regs.rsi == 1 && regs.rdx == 0x23456789);
	CHECK(regs.rbx < 1000000 && regs.rcx == 1000 && regs.rdi == 30);
}

static void test_gethz(void)
{
	struct bdoor_regs regs = time_regs(BDOOR_CMD_GETHZ);

	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == MAGIC && regs.rbx == BDOOR_GETHZ_SENTINEL && regs.rcx == 45);
	host.tsc_hz = 0x123456789ULL;
	host.apic_bus_hz = 1000000000;
	regs = time_regs(BDOOR_CMD_GETHZ);
	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == 0x23456789 && regs.rbx == 1 && regs.rcx == 1000000000);
}

static void test_decoding(void)
{
	struct bdoor_regs regs = time_regs(0x0001011E);

	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == BDOOR_UNSUPPORTED && regs.rcx == 0x0001011E);
	regs = time_regs(BDOOR_CMD_GETTIME);
	regs.rax = 0x12345678;
	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == BDOOR_UNSUPPORTED && regs.rbx == 0xFFFFFFFF);
	regs = time_regs(BDOOR_CMD_GETVERSION);
	bdoor_host_call(&host, &regs);
	CHECK(regs.rax == BDOOR_UNSUPPORTED);
}

static struct bdoor_regs hb_regs(const struct guest_channel *channel, bool send)
{
	struct bdoor_regs regs = {
		.rax = MAGIC,
		.rbx = (MESSAGE_STATUS_SUCCESS << 16) | BDOORHB_CMD_MESSAGE,
		.rdx = ((uint32_t)channel->id << 16) | BDOOR_HB_PORT,
	};

	if (send) {
		regs.rbp = channel->cookie_high;
		regs.rdi = channel->cookie_low;
	} else {
		regs.rsi = channel->cookie_high;
		regs.rbp = channel->cookie_low;
	}
	return regs;
}

static void test_high_bandwidth(void)
{
	const char *request = "info-get guestinfo.hb";
	struct guest_channel channel, wrong;
	struct bdoor_regs regs;
	char reply[32] = { 0 };
	size_t i;

	host.hb_enabled = true;
	CHECK(!bdoor_host_guestinfo_set(&host, "guestinfo.hb", "fast", 4));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, strlen(request), NULL) ==
	      (MESSAGE_STATUS_SUCCESS | MESSAGE_STATUS_HB));
	regs = hb_regs(&channel, true);
	CHECK(bdoor_host_hb_send_remaining(&host, &regs) == strlen(request));
	wrong = channel;
	wrong.cookie_high++;
	regs = hb_regs(&wrong, true);
	bdoor_host_hb_send_byte(&host, &regs, 'i');
	CHECK((regs.rbx >> 16) == 0 && (regs.rbx & 0xFFFF) == 0);
	for (i = 0; i < strlen(request); i++) {
		regs = hb_regs(&channel, true);
		bdoor_host_hb_send_byte(&host, &regs, request[i]);
		CHECK((regs.rbx >> 16) == MESSAGE_STATUS_SUCCESS);
	}
	regs = hb_regs(&channel, true);
	bdoor_host_hb_send_byte(&host, &regs, 'x');
	CHECK((regs.rbx >> 16) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, &regs) ==
	      (MESSAGE_STATUS_SUCCESS | MESSAGE_STATUS_DORECV | MESSAGE_STATUS_HB));
	CHECK(regs.rbx == 6);
	regs = hb_regs(&channel, false);
	CHECK(bdoor_host_hb_recv_remaining(&host, &regs) == 6);
	for (i = 0; i < 6; i++) {
		regs = hb_regs(&channel, false);
		reply[i] = bdoor_host_hb_recv_byte(&host, &regs);
		CHECK((regs.rbx >> 16) == MESSAGE_STATUS_SUCCESS);
	}
	regs = hb_regs(&channel, false);
	bdoor_host_hb_recv_byte(&host, &regs);
	CHECK((regs.rbx >> 16) == 0);
	CHECK(!strcmp(reply, "1 fast"));
	CHECK(host.stats.hb_bytes_in == strlen(request) && host.stats.hb_bytes_out == 6);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSTATUS, 1, NULL) == MESSAGE_STATUS_SUCCESS);
	host.hb_enabled = false;
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, 4, NULL) == MESSAGE_STATUS_SUCCESS);
	regs = hb_regs(&channel, true);
	bdoor_host_hb_send_byte(&host, &regs, 'l');
	CHECK((regs.rbx >> 16) == 0);
}

/* The whole-string forms, as the QEMU glue uses them for `rep outsb/insb`. */
static void test_high_bandwidth_bulk(void)
{
	static const char request[] = "info-set guestinfo.bulk 0123456789";
	struct guest_channel channel;
	struct bdoor_regs regs;
	uint8_t reply[2];

	host.hb_enabled = true;
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, sizeof(request) - 1, NULL) &
	      MESSAGE_STATUS_HB);
	regs = hb_regs(&channel, true);
	bdoor_host_hb_send_bytes(&host, &regs, (const uint8_t *)request, sizeof(request) - 1);
	CHECK((regs.rbx >> 16) == MESSAGE_STATUS_SUCCESS);
	CHECK(bdoor_host_hb_send_remaining(&host, &regs) == 0);
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, &regs) & MESSAGE_STATUS_HB);
	regs = hb_regs(&channel, false);
	bdoor_host_hb_recv_bytes(&host, &regs, reply, 2);
	CHECK((regs.rbx >> 16) == MESSAGE_STATUS_SUCCESS && !memcmp(reply, "1 ", 2));
	CHECK(bdoor_host_hb_recv_remaining(&host, &regs) == 0);
	CHECK(bdoor_host_guestinfo_get(&host, "guestinfo.bulk")->value_len == 10);
	CHECK(!bdoor_host_set_fault(&host, "cpt-forever"));
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, 4, NULL) & MESSAGE_STATUS_HB);
	regs = hb_regs(&channel, true);
	CHECK(bdoor_host_hb_send_remaining(&host, &regs) == 0);
}

static bool store_fails(void *opaque, const uint8_t *bytes, uint32_t count)
{
	return false;
}

static bool store_copies(void *opaque, const uint8_t *bytes, uint32_t count)
{
	memcpy(opaque, bytes, count);
	return true;
}

/*
 * A glue whose guest-memory store fails after it asked for the reply's bytes
 * falls back to single bytes: those must start where the bulk started, so
 * the guest still receives the whole reply.
 */
static void test_high_bandwidth_bulk_store_fails(void)
{
	const char *request = "info-get guestinfo.hb";
	struct guest_channel channel;
	struct bdoor_regs regs;
	uint8_t lost[6];
	char reply[8] = { 0 };
	size_t i;

	host.hb_enabled = true;
	CHECK(!bdoor_host_guestinfo_set(&host, "guestinfo.hb", "fast", 4));
	CHECK(!channel_open(GUESTMSG_PROTO_RPCI, true, &channel));
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, strlen(request), NULL) &
	      MESSAGE_STATUS_HB);
	regs = hb_regs(&channel, true);
	bdoor_host_hb_send_bytes(&host, &regs, (const uint8_t *)request, strlen(request));
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, &regs) & MESSAGE_STATUS_HB);
	CHECK(regs.rbx == 6);
	/* The glue's bulk path: the copy to guest memory fails. */
	regs = hb_regs(&channel, false);
	CHECK(!bdoor_host_hb_recv_bulk(&host, &regs, 6, store_fails, NULL));
	CHECK(!bdoor_host_hb_recv_bulk(&host, &regs, 7, store_copies, lost));
	CHECK(host.stats.hb_bytes_out == 0);
	for (i = 0; i < 6; i++) {
		regs = hb_regs(&channel, false);
		reply[i] = bdoor_host_hb_recv_byte(&host, &regs);
		CHECK((regs.rbx >> 16) == MESSAGE_STATUS_SUCCESS);
	}
	CHECK(!strcmp(reply, "1 fast"));
	CHECK(host.stats.hb_bytes_out == 6);
	/* And a store that succeeds consumes exactly what it stored. */
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSTATUS, 1, NULL) == MESSAGE_STATUS_SUCCESS);
	CHECK(message_call(&channel, MESSAGE_TYPE_SENDSIZE, strlen(request), NULL) &
	      MESSAGE_STATUS_HB);
	regs = hb_regs(&channel, true);
	bdoor_host_hb_send_bytes(&host, &regs, (const uint8_t *)request, strlen(request));
	CHECK(message_call(&channel, MESSAGE_TYPE_RECVSIZE, 0, &regs) & MESSAGE_STATUS_HB);
	regs = hb_regs(&channel, false);
	CHECK(bdoor_host_hb_recv_bulk(&host, &regs, 6, store_copies, lost));
	CHECK((regs.rbx >> 16) == MESSAGE_STATUS_SUCCESS && !memcmp(lost, "1 fast", 6));
	CHECK(bdoor_host_hb_recv_remaining(&host, &regs) == 0);
}

static void echo_reversed(void *opaque, const uint8_t *args, uint32_t len,
			  struct bdoor_buffer *reply)
{
	uint8_t out[64];
	uint32_t i;

	(*(int *)opaque)++;
	for (i = 0; i < len && i < sizeof(out); i++)
		out[i] = args[len - 1 - i];
	bdoor_rpci_reply(reply, true, out, i);
}

static void test_rpci_extension(void)
{
	char reply[64];
	int calls = 0;

	CHECK(!bdoor_host_add_rpci_command(&host, "f", echo_reversed, &calls));
	CHECK(bdoor_host_add_rpci_command(&host, "f", echo_reversed, &calls) == -1);
	CHECK(bdoor_host_add_rpci_command(&host, "a b", echo_reversed, &calls) == -1);
	CHECK(rpci("f abc", reply, sizeof(reply)) == 5 && !strcmp(reply, "1 cba"));
	CHECK(rpci("fx abc", reply, sizeof(reply)) > 0 && !strcmp(reply, "0 Unknown command"));
	CHECK(rpci("log x", reply, sizeof(reply)) == 2);
	CHECK(calls == 1);
	/* A binary command keeps the last NUL byte: "abc\0" reversed. */
	CHECK(!bdoor_host_add_rpci_binary_command(&host, "bin", echo_reversed, &calls));
	CHECK(bdoor_host_add_rpci_binary_command(&host, "bin", echo_reversed, &calls) == -1);
	CHECK(rpci("bin abc", reply, sizeof(reply)) == 6 && !memcmp(reply, "1 \0cba", 6));
	CHECK(rpci("bin", reply, sizeof(reply)) == 2 && !memcmp(reply, "1 ", 2));
	CHECK(calls == 3);
}

struct test_case {
	const char *name;
	void (*run)(void);
};

static const struct test_case tests[] = {
	{ "open_with_cookie", test_open_with_cookie },
	{ "open_without_cookie", test_open_without_cookie },
	{ "open_bad_protocol", test_open_bad_protocol },
	{ "bad_cookie_or_id", test_bad_cookie_or_id },
	{ "vector_f11_open", test_vector_f11 },
	{ "vector_f12_log_hi", test_vector_f12 },
	{ "size_limit_64k", test_size_limit },
	{ "all_128_channels", test_all_channels },
	{ "rpci_commands", test_rpci_commands },
	{ "rpci_log_escaping", test_rpci_log_escaping },
	{ "tclo_queue_and_results", test_tclo_queue_and_results },
	{ "close_with_reply_pending", test_close_with_reply_pending },
	{ "fault_bad_status", test_fault_bad_status },
	{ "fault_oversize_reply", test_fault_oversize_reply },
	{ "fault_wrong_reply_type", test_fault_wrong_reply_type },
	{ "fault_never_complete", test_fault_never_complete },
	{ "fault_cpt_forever", test_fault_cpt_forever },
	{ "fault_close_channels", test_fault_close_channels },
	{ "fault_garbage_reply", test_fault_garbage_reply },
	{ "fault_bad_channel_id", test_fault_bad_channel_id },
	{ "time_commands", test_time_commands },
	{ "gethz", test_gethz },
	{ "command_decoding", test_decoding },
	{ "high_bandwidth", test_high_bandwidth },
	{ "high_bandwidth_bulk", test_high_bandwidth_bulk },
	{ "high_bandwidth_bulk_store_fails", test_high_bandwidth_bulk_store_fails },
	{ "rpci_extension", test_rpci_extension },
};

int main(void)
{
	size_t count = sizeof(tests) / sizeof(tests[0]), i;
	int failed = 0;

	printf("KTAP version 1\n1..%zu\n", count);
	for (i = 0; i < count; i++) {
		failures_in_test = 0;
		host_setup();
		tests[i].run();
		bdoor_host_destroy(&host);
		printf("%sok %zu %s\n", failures_in_test ? "not " : "", i + 1, tests[i].name);
		failed += !!failures_in_test;
	}
	return failed ? 1 : 0;
}
