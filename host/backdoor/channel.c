// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest message channel (backdoor command MESSAGE): 128 channels with
 * random cookies, the LB sub-commands OPEN..CLOSE and the HB byte streams,
 * with the register contracts of docs/protocol/backdoor-and-rpc.md B.2-B.7 and the test faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdoor_host.h"

#define LOW32(reg)	((uint32_t)(reg))
#define HIGH16(reg)	((uint16_t)(LOW32(reg) >> 16))

static void set_status(struct bdoor_regs *regs, uint16_t status)
{
	regs->rcx = (uint32_t)status << 16;
}

static void set_edx_high(struct bdoor_regs *regs, uint16_t high)
{
	regs->rdx = ((uint32_t)high << 16) | (LOW32(regs->rdx) & 0xFFFFu);
}

void bdoor_buffer_free(struct bdoor_buffer *buffer)
{
	free(buffer->data);
	memset(buffer, 0, sizeof(*buffer));
}

static void channel_reset(struct bdoor_channel *channel, enum bdoor_channel_state state)
{
	bdoor_buffer_free(&channel->in);
	bdoor_buffer_free(&channel->reply);
	memset(channel, 0, sizeof(*channel));
	channel->state = state;
}

unsigned int bdoor_host_open_channels(const struct bdoor_host *host)
{
	unsigned int id, open = 0;

	for (id = 0; id < GUESTMSG_MAX_CHANNEL; id++)
		if (host->channels[id].state == BDOOR_CHANNEL_IDLE ||
		    host->channels[id].state == BDOOR_CHANNEL_RECEIVING)
			open++;
	return open;
}

static const char *channel_state_name(enum bdoor_channel_state state)
{
	switch (state) {
	case BDOOR_CHANNEL_IDLE:
		return "idle";
	case BDOOR_CHANNEL_RECEIVING:
		return "receiving";
	case BDOOR_CHANNEL_HOST_CLOSED:
		return "host-closed";
	default:
		return "free";
	}
}

char *bdoor_host_describe_channels(const struct bdoor_host *host)
{
	size_t size = GUESTMSG_MAX_CHANNEL * 64 + 1, used = 0;
	char *out = malloc(size);
	unsigned int id;

	if (!out)
		return NULL;
	out[0] = '\0';
	for (id = 0; id < GUESTMSG_MAX_CHANNEL; id++) {
		const struct bdoor_channel *channel = &host->channels[id];

		if (channel->state == BDOOR_CHANNEL_FREE)
			continue;
		used += snprintf(out + used, size - used, "%s%u %s %s", used ? "\n" : "", id,
				 channel->protocol == GUESTMSG_PROTO_TCLO ? "TCLO" : "RPCI",
				 channel_state_name(channel->state));
		if (channel->reply.data)
			used += snprintf(out + used, size - used, " reply=%u", channel->reply.len);
	}
	return out;
}

void bdoor_host_close_all_channels(struct bdoor_host *host)
{
	unsigned int id;

	for (id = 0; id < GUESTMSG_MAX_CHANNEL; id++) {
		struct bdoor_channel *channel = &host->channels[id];
		uint32_t protocol = channel->protocol;

		if (channel->state == BDOOR_CHANNEL_FREE)
			continue;
		channel_reset(channel, BDOOR_CHANNEL_HOST_CLOSED);
		channel->protocol = protocol;
	}
}

void bdoor_host_reset_channels(struct bdoor_host *host)
{
	unsigned int id;

	for (id = 0; id < GUESTMSG_MAX_CHANNEL; id++)
		channel_reset(&host->channels[id], BDOOR_CHANNEL_FREE);
}

/* Prefer never-used slots so a host-closed id keeps answering CLOSED for a while. */
static struct bdoor_channel *channel_alloc(struct bdoor_host *host, uint16_t *id_out)
{
	enum bdoor_channel_state wanted[] = { BDOOR_CHANNEL_FREE, BDOOR_CHANNEL_HOST_CLOSED };
	unsigned int pass, id;

	for (pass = 0; pass < 2; pass++) {
		for (id = 0; id < GUESTMSG_MAX_CHANNEL; id++) {
			if (host->channels[id].state != wanted[pass])
				continue;
			*id_out = id;
			return &host->channels[id];
		}
	}
	return NULL;
}

static void message_open(struct bdoor_host *host, struct bdoor_regs *regs)
{
	uint32_t protocol = LOW32(regs->rbx) & ~GUESTMSG_FLAG_COOKIE;
	struct bdoor_channel *channel;
	uint16_t id;

	if (protocol != GUESTMSG_PROTO_RPCI && protocol != GUESTMSG_PROTO_TCLO)
		return set_status(regs, 0);
	/* A hostile host: "success" with an id no channel can have. */
	if (host->fault == BDOOR_FAULT_BAD_CHANNEL_ID) {
		set_edx_high(regs, 0xFFFF);
		return set_status(regs, MESSAGE_STATUS_SUCCESS);
	}
	channel = channel_alloc(host, &id);
	if (!channel)
		return set_status(regs, 0);

	channel_reset(channel, BDOOR_CHANNEL_IDLE);
	channel->protocol = protocol;
	if (LOW32(regs->rbx) & GUESTMSG_FLAG_COOKIE) {
		channel->has_cookie = true;
		channel->cookie_high = host->ops.random_u32(host->ops.opaque);
		channel->cookie_low = host->ops.random_u32(host->ops.opaque);
		regs->rsi = channel->cookie_high;
		regs->rdi = channel->cookie_low;
	}
	host->stats.opens++;
	set_edx_high(regs, id);
	set_status(regs, MESSAGE_STATUS_SUCCESS);
}

/*
 * Finds the channel a call names and checks its cookies. On failure the
 * status to answer is stored in *status (0, or CLOSED for a host-closed one).
 */
static struct bdoor_channel *channel_lookup(struct bdoor_host *host, uint16_t id,
					    uint32_t cookie_high, uint32_t cookie_low,
					    uint16_t *status)
{
	struct bdoor_channel *channel;

	*status = 0;
	if (id >= GUESTMSG_MAX_CHANNEL)
		return NULL;
	channel = &host->channels[id];
	if (channel->state == BDOOR_CHANNEL_FREE)
		return NULL;
	if (channel->has_cookie &&
	    (channel->cookie_high != cookie_high || channel->cookie_low != cookie_low))
		return NULL;
	if (channel->state == BDOOR_CHANNEL_HOST_CLOSED) {
		*status = MESSAGE_STATUS_CLOSED;
		return NULL;
	}
	return channel;
}

/* A complete guest message goes to its protocol layer. */
static void message_complete(struct bdoor_host *host, struct bdoor_channel *channel)
{
	struct bdoor_buffer message = channel->in;

	memset(&channel->in, 0, sizeof(channel->in));
	channel->state = BDOOR_CHANNEL_IDLE;
	host->stats.messages_in++;
	if (channel->protocol == GUESTMSG_PROTO_RPCI)
		bdoor_rpci_dispatch(host, message.data, message.len, &channel->reply);
	else
		bdoor_tclo_take_result(host, channel, message.data, message.len);
	bdoor_buffer_free(&message);
}

static uint16_t message_send_size(struct bdoor_host *host, struct bdoor_channel *channel,
				  uint32_t len)
{
	uint16_t status = MESSAGE_STATUS_SUCCESS;

	bdoor_buffer_free(&channel->in);
	channel->state = BDOOR_CHANNEL_IDLE;
	if (len > GUESTMSG_MAX_IN_SIZE)
		return 0;
	if (channel->reply.data) {
		bdoor_buffer_free(&channel->reply);
		channel->reply_announced = false;
		status |= MESSAGE_STATUS_UNSENT;
	}
	channel->in.data = malloc(len ? len : 1);
	if (!channel->in.data)
		return 0;
	channel->in.len = len;
	channel->state = BDOOR_CHANNEL_RECEIVING;
	if (!len) {
		message_complete(host, channel);
		return status;
	}
	if (host->hb_enabled)
		status |= MESSAGE_STATUS_HB;
	return status;
}

static uint16_t message_send_payload(struct bdoor_host *host, struct bdoor_channel *channel,
				     uint32_t word)
{
	uint32_t count, i;

	if (channel->state != BDOOR_CHANNEL_RECEIVING)
		return 0;
	if (host->fault == BDOOR_FAULT_CPT_FOREVER)
		return MESSAGE_STATUS_CPT;
	count = channel->in.len - channel->in.offset;
	if (count > 4)
		count = 4;
	for (i = 0; i < count; i++)
		channel->in.data[channel->in.offset++] = word >> (8 * i);
	if (channel->in.offset == channel->in.len)
		message_complete(host, channel);
	return MESSAGE_STATUS_SUCCESS;
}

/*
 * The oversize fault announces more than the limit the guest must enforce
 * (docs/protocol/backdoor-and-rpc.md E5); bytes past the real reply read as 'x'. The
 * reply itself is kept intact, so it is delivered normally once the fault
 * is switched off.
 */
static uint32_t reply_announced_len(struct bdoor_host *host, const struct bdoor_buffer *reply)
{
	if (host->fault == BDOOR_FAULT_OVERSIZE_REPLY && reply->len <= GUESTMSG_MAX_IN_SIZE)
		return GUESTMSG_MAX_IN_SIZE + 1;
	return reply->len;
}

static uint8_t reply_next_byte(struct bdoor_channel *channel)
{
	uint32_t offset = channel->reply.offset++;

	return offset < channel->reply.len ? channel->reply.data[offset] : 'x';
}

static uint16_t message_recv_size(struct bdoor_host *host, struct bdoor_channel *channel,
				  struct bdoor_regs *regs)
{
	uint16_t status = MESSAGE_STATUS_SUCCESS;
	uint16_t type = GUESTMSG_REPLY_TYPE_SIZE;

	if (channel->state != BDOOR_CHANNEL_IDLE)
		return 0;
	if (host->fault == BDOOR_FAULT_NEVER_COMPLETE)
		return status;
	if (!channel->reply.data && channel->protocol == GUESTMSG_PROTO_TCLO)
		bdoor_tclo_next_command(host, channel);
	if (!channel->reply.data)
		return status;

	if (host->fault == BDOOR_FAULT_WRONG_REPLY_TYPE)
		type = GUESTMSG_REPLY_TYPE_PAYLOAD;
	channel->reply.offset = 0;
	channel->reply_announced = true;
	channel->reply_announced_len = reply_announced_len(host, &channel->reply);
	regs->rbx = channel->reply_announced_len;
	set_edx_high(regs, type);
	status |= MESSAGE_STATUS_DORECV;
	if (host->hb_enabled && channel->reply.len)
		status |= MESSAGE_STATUS_HB;
	return status;
}

static void reply_drop(struct bdoor_channel *channel)
{
	bdoor_buffer_free(&channel->reply);
	channel->reply_announced = false;
}

static uint16_t message_recv_payload(struct bdoor_host *host, struct bdoor_channel *channel,
				     struct bdoor_regs *regs)
{
	struct bdoor_buffer *reply = &channel->reply;
	uint16_t type = GUESTMSG_REPLY_TYPE_PAYLOAD;
	uint32_t word = 0, count, i;

	if (!channel->reply_announced)
		return 0;
	if (!(LOW32(regs->rbx) & MESSAGE_STATUS_GUEST_MASK)) {
		reply_drop(channel);
		return MESSAGE_STATUS_SUCCESS;
	}
	if (host->fault == BDOOR_FAULT_CPT_FOREVER)
		return MESSAGE_STATUS_CPT;
	if (reply->offset >= channel->reply_announced_len)
		return 0;
	count = channel->reply_announced_len - reply->offset;
	if (count > 4)
		count = 4;
	for (i = 0; i < count; i++)
		word |= (uint32_t)reply_next_byte(channel) << (8 * i);
	if (host->fault == BDOOR_FAULT_WRONG_REPLY_TYPE)
		type = GUESTMSG_REPLY_TYPE_SIZE;
	regs->rbx = word;
	set_edx_high(regs, type);
	return MESSAGE_STATUS_SUCCESS;
}

static uint16_t message_recv_status(struct bdoor_host *host, struct bdoor_channel *channel,
				    uint32_t guest_status)
{
	if (!channel->reply_announced)
		return 0;
	if (host->fault == BDOOR_FAULT_CPT_FOREVER)
		return MESSAGE_STATUS_CPT;
	if (guest_status & MESSAGE_STATUS_GUEST_MASK)
		host->stats.messages_out++;
	reply_drop(channel);
	return MESSAGE_STATUS_SUCCESS;
}

void bdoor_host_message(struct bdoor_host *host, struct bdoor_regs *regs)
{
	uint16_t subcommand = BDOOR_SUBCMD(LOW32(regs->rcx));
	uint16_t id = HIGH16(regs->rdx);
	struct bdoor_channel *channel;
	uint16_t status;

	if (subcommand == MESSAGE_TYPE_OPEN)
		return message_open(host, regs);

	channel = channel_lookup(host, id, LOW32(regs->rsi), LOW32(regs->rdi), &status);
	if (subcommand == MESSAGE_TYPE_CLOSE) {
		if (channel || status == MESSAGE_STATUS_CLOSED)
			channel_reset(&host->channels[id], BDOOR_CHANNEL_FREE);
		return set_status(regs, channel ? MESSAGE_STATUS_SUCCESS : status);
	}
	if (!channel)
		return set_status(regs, status);

	switch (subcommand) {
	case MESSAGE_TYPE_SENDSIZE:
		status = message_send_size(host, channel, LOW32(regs->rbx));
		break;
	case MESSAGE_TYPE_SENDPAYLOAD:
		status = message_send_payload(host, channel, LOW32(regs->rbx));
		break;
	case MESSAGE_TYPE_RECVSIZE:
		status = message_recv_size(host, channel, regs);
		break;
	case MESSAGE_TYPE_RECVPAYLOAD:
		status = message_recv_payload(host, channel, regs);
		break;
	case MESSAGE_TYPE_RECVSTATUS:
		status = message_recv_status(host, channel, LOW32(regs->rbx));
		break;
	default:
		status = 0;
		break;
	}
	if (host->fault == BDOOR_FAULT_BAD_STATUS)
		status &= ~MESSAGE_STATUS_SUCCESS;
	set_status(regs, status);
}

/*
 * HB calls report their status in EBX.hi and keep EBX.lo (the HB command).
 * Each byte of the string instruction arrives as its own port access; what
 * makes a byte fail (cookies, state, fault) persists for the rest of the
 * string, so the status the guest reads after the instruction is the
 * transfer's.
 */
static void set_hb_status(struct bdoor_regs *regs, uint16_t status)
{
	regs->rbx = ((uint32_t)status << 16) | (LOW32(regs->rbx) & 0xFFFFu);
}

static struct bdoor_channel *hb_channel(struct bdoor_host *host, struct bdoor_regs *regs,
					uint32_t cookie_high, uint32_t cookie_low,
					uint16_t *status)
{
	*status = 0;
	if (!host->hb_enabled || (LOW32(regs->rbx) & 0xFFFFu) != BDOORHB_CMD_MESSAGE)
		return NULL;
	return channel_lookup(host, HIGH16(regs->rdx), cookie_high, cookie_low, status);
}

void bdoor_host_hb_send_byte(struct bdoor_host *host, struct bdoor_regs *regs, uint8_t byte)
{
	struct bdoor_channel *channel;
	uint16_t status;

	channel = hb_channel(host, regs, LOW32(regs->rbp), LOW32(regs->rdi), &status);
	if (!channel)
		return set_hb_status(regs, status);
	if (channel->state != BDOOR_CHANNEL_RECEIVING)
		return set_hb_status(regs, 0);
	if (host->fault == BDOOR_FAULT_CPT_FOREVER)
		return set_hb_status(regs, MESSAGE_STATUS_CPT);

	channel->in.data[channel->in.offset++] = byte;
	host->stats.hb_bytes_in++;
	if (channel->in.offset == channel->in.len)
		message_complete(host, channel);
	status = MESSAGE_STATUS_SUCCESS;
	if (host->fault == BDOOR_FAULT_BAD_STATUS)
		status = 0;
	set_hb_status(regs, status);
}

uint8_t bdoor_host_hb_recv_byte(struct bdoor_host *host, struct bdoor_regs *regs)
{
	struct bdoor_channel *channel;
	uint16_t status;

	channel = hb_channel(host, regs, LOW32(regs->rsi), LOW32(regs->rbp), &status);
	if (!channel) {
		set_hb_status(regs, status);
		return 0;
	}
	if (!channel->reply_announced ||
	    channel->reply.offset >= channel->reply_announced_len) {
		set_hb_status(regs, 0);
		return 0;
	}
	if (host->fault == BDOOR_FAULT_CPT_FOREVER) {
		set_hb_status(regs, MESSAGE_STATUS_CPT);
		return 0;
	}
	status = MESSAGE_STATUS_SUCCESS;
	if (host->fault == BDOOR_FAULT_BAD_STATUS)
		status = 0;
	set_hb_status(regs, status);
	host->stats.hb_bytes_out++;
	return reply_next_byte(channel);
}

uint32_t bdoor_host_hb_send_remaining(struct bdoor_host *host, struct bdoor_regs *regs)
{
	struct bdoor_channel *channel;
	uint16_t status;

	channel = hb_channel(host, regs, LOW32(regs->rbp), LOW32(regs->rdi), &status);
	if (!channel || channel->state != BDOOR_CHANNEL_RECEIVING ||
	    host->fault != BDOOR_FAULT_NONE)
		return 0;
	return channel->in.len - channel->in.offset;
}

uint32_t bdoor_host_hb_recv_remaining(struct bdoor_host *host, struct bdoor_regs *regs)
{
	struct bdoor_channel *channel;
	uint16_t status;

	channel = hb_channel(host, regs, LOW32(regs->rsi), LOW32(regs->rbp), &status);
	if (!channel || !channel->reply_announced || host->fault != BDOOR_FAULT_NONE ||
	    channel->reply.offset >= channel->reply_announced_len)
		return 0;
	return channel->reply_announced_len - channel->reply.offset;
}

/* Same outcome as count single bytes, with one lookup and one copy. */
void bdoor_host_hb_send_bytes(struct bdoor_host *host, struct bdoor_regs *regs,
			      const uint8_t *bytes, uint32_t count)
{
	uint32_t remaining = bdoor_host_hb_send_remaining(host, regs);
	struct bdoor_channel *channel;
	uint32_t i;

	if (!remaining || count > remaining) {
		for (i = 0; i < count; i++)
			bdoor_host_hb_send_byte(host, regs, bytes[i]);
		return;
	}
	channel = &host->channels[HIGH16(regs->rdx)];
	memcpy(channel->in.data + channel->in.offset, bytes, count);
	channel->in.offset += count;
	host->stats.hb_bytes_in += count;
	if (channel->in.offset == channel->in.len)
		message_complete(host, channel);
	set_hb_status(regs, MESSAGE_STATUS_SUCCESS);
}

bool bdoor_host_hb_recv_bulk(struct bdoor_host *host, struct bdoor_regs *regs, uint32_t count,
			     bool (*store)(void *opaque, const uint8_t *bytes, uint32_t count),
			     void *opaque)
{
	uint32_t remaining = bdoor_host_hb_recv_remaining(host, regs);
	struct bdoor_channel *channel;

	if (!count || count > remaining)
		return false;
	channel = &host->channels[HIGH16(regs->rdx)];
	if (channel->reply.offset + count > channel->reply.len)
		return false;
	/* Nothing is consumed until the bytes reached the guest. */
	if (!store(opaque, channel->reply.data + channel->reply.offset, count))
		return false;
	channel->reply.offset += count;
	host->stats.hb_bytes_out += count;
	set_hb_status(regs, MESSAGE_STATUS_SUCCESS);
	return true;
}

void bdoor_host_hb_recv_bytes(struct bdoor_host *host, struct bdoor_regs *regs,
			      uint8_t *bytes, uint32_t count)
{
	uint32_t remaining = bdoor_host_hb_recv_remaining(host, regs);
	struct bdoor_channel *channel;
	uint32_t i;

	if (!remaining || count > remaining) {
		for (i = 0; i < count; i++)
			bytes[i] = bdoor_host_hb_recv_byte(host, regs);
		return;
	}
	channel = &host->channels[HIGH16(regs->rdx)];
	for (i = 0; i < count; i++)
		bytes[i] = reply_next_byte(channel);
	host->stats.hb_bytes_out += count;
	set_hb_status(regs, MESSAGE_STATUS_SUCCESS);
}
