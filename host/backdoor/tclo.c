// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCLO: host-to-guest commands. The host cannot call the guest, so queued
 * commands are handed out as replies to the agent's polls, and each message
 * the agent sends is the result of the command it received before.
 */
#include <stdlib.h>
#include <string.h>

#include "bdoor_host.h"

int bdoor_host_tclo_queue(struct bdoor_host *host, const void *command, size_t len)
{
	if (len > GUESTMSG_MAX_IN_SIZE)
		return -1;
	if (host->tclo_queue.count >= host->tclo_queue.max_count)
		return -1;
	return bdoor_text_list_push(&host->tclo_queue, command, len);
}

/* The agent's first message on a channel is empty: nothing to record. */
void bdoor_tclo_take_result(struct bdoor_host *host, struct bdoor_channel *channel,
			    const uint8_t *result, uint32_t len)
{
	if (channel->tclo_command_delivered || len)
		bdoor_text_list_push(&host->tclo_results, result, len);
	channel->tclo_command_delivered = false;
}

void bdoor_tclo_next_command(struct bdoor_host *host, struct bdoor_channel *channel)
{
	struct bdoor_text *command = bdoor_text_list_pop(&host->tclo_queue);

	if (!command)
		return;
	bdoor_buffer_free(&channel->reply);
	channel->reply.data = malloc(command->len ? command->len : 1);
	if (channel->reply.data) {
		memcpy(channel->reply.data, command->data, command->len);
		channel->reply.len = command->len;
		channel->tclo_command_delivered = true;
	}
	free(command);
}
