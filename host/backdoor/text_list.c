// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounded FIFOs of byte strings: the RPCI log, the TCLO command queue and the
 * TCLO results, plus the escaping that turns them into one readable string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdoor_host.h"

void bdoor_text_list_init(struct bdoor_text_list *list, unsigned int max_count)
{
	memset(list, 0, sizeof(*list));
	list->max_count = max_count;
}

struct bdoor_text *bdoor_text_list_pop(struct bdoor_text_list *list)
{
	struct bdoor_text *text = list->head;

	if (!text)
		return NULL;
	list->head = text->next;
	if (!list->head)
		list->tail = NULL;
	list->count--;
	text->next = NULL;
	return text;
}

void bdoor_text_list_clear(struct bdoor_text_list *list)
{
	struct bdoor_text *text;

	while ((text = bdoor_text_list_pop(list)))
		free(text);
}

/* A full list forgets its oldest entry: logs keep the newest history. */
int bdoor_text_list_push(struct bdoor_text_list *list, const void *data, size_t len)
{
	struct bdoor_text *text = malloc(sizeof(*text) + len + 1);

	if (!text)
		return -1;
	text->next = NULL;
	text->len = len;
	if (len)
		memcpy(text->data, data, len);
	text->data[len] = '\0';

	if (list->count >= list->max_count)
		free(bdoor_text_list_pop(list));
	if (list->tail)
		list->tail->next = text;
	else
		list->head = text;
	list->tail = text;
	list->count++;
	return 0;
}

static size_t escaped_len(const uint8_t *data, size_t len)
{
	size_t out = 0, i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\\' || data[i] == '\n')
			out += 2;
		else if (data[i] < 0x20 || data[i] >= 0x7f)
			out += 4;
		else
			out++;
	}
	return out;
}

static char *escape_into(char *out, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\\') {
			*out++ = '\\';
			*out++ = '\\';
		} else if (data[i] == '\n') {
			*out++ = '\\';
			*out++ = 'n';
		} else if (data[i] < 0x20 || data[i] >= 0x7f) {
			sprintf(out, "\\x%02x", data[i]);
			out += 4;
		} else {
			*out++ = data[i];
		}
	}
	return out;
}

char *bdoor_escape(const uint8_t *data, size_t len)
{
	char *out = malloc(escaped_len(data, len) + 1);

	if (!out)
		return NULL;
	*escape_into(out, data, len) = '\0';
	return out;
}

char *bdoor_text_list_join(const struct bdoor_text_list *list)
{
	const struct bdoor_text *text;
	size_t total = 1;
	char *out, *pos;

	for (text = list->head; text; text = text->next)
		total += escaped_len(text->data, text->len) + 1;
	out = malloc(total);
	if (!out)
		return NULL;
	pos = out;
	for (text = list->head; text; text = text->next) {
		pos = escape_into(pos, text->data, text->len);
		if (text->next)
			*pos++ = '\n';
	}
	*pos = '\0';
	return out;
}
