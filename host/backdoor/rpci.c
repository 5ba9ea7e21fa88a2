// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RPCI: guest-to-host text requests and the host's "1 "/"0 " replies, with
 * the guestinfo variable store and the tools version the agent reports.
 */
#include <stdlib.h>
#include <string.h>

#include "bdoor_host.h"

#define GUESTINFO_MAX_KEYS	1024u
/* Bulk requests (e.g. HGFS) would make the log huge; keep each entry's head. */
#define RPCI_LOG_MAX_BYTES	4096u

struct rpci_request {
	const uint8_t *args;	/* after the space that ends the command name */
	uint32_t args_len;
};

void bdoor_rpci_reply(struct bdoor_buffer *reply, bool success, const void *text, size_t len)
{
	const char *prefix = success ? RPCI_REPLY_SUCCESS : RPCI_REPLY_FAILURE;
	size_t prefix_len = strlen(prefix);

	bdoor_buffer_free(reply);
	reply->data = malloc(prefix_len + len);
	if (!reply->data)
		return;
	memcpy(reply->data, prefix, prefix_len);
	if (len)
		memcpy(reply->data + prefix_len, text, len);
	reply->len = prefix_len + len;
}

static void reply_text(struct bdoor_buffer *reply, bool success, const char *text)
{
	bdoor_rpci_reply(reply, success, text, strlen(text));
}

static struct bdoor_guestinfo **guestinfo_find(struct bdoor_host *host, const char *key)
{
	struct bdoor_guestinfo **link;

	for (link = &host->guestinfo; *link; link = &(*link)->next)
		if (!strcmp((*link)->key, key))
			return link;
	return link;
}

const struct bdoor_guestinfo *bdoor_host_guestinfo_get(const struct bdoor_host *host,
							const char *key)
{
	return *guestinfo_find((struct bdoor_host *)host, key);
}

int bdoor_host_guestinfo_set(struct bdoor_host *host, const char *key,
			     const void *value, size_t len)
{
	struct bdoor_guestinfo **link = guestinfo_find(host, key);
	struct bdoor_guestinfo *entry = *link;
	uint8_t *copy = malloc(len + 1);

	if (!copy)
		return -1;
	if (len)
		memcpy(copy, value, len);
	copy[len] = '\0';

	if (!entry) {
		if (host->guestinfo_count >= GUESTINFO_MAX_KEYS)
			goto err_copy;
		entry = calloc(1, sizeof(*entry));
		if (!entry)
			goto err_copy;
		entry->key = strdup(key);
		if (!entry->key)
			goto err_entry;
		*link = entry;
		host->guestinfo_count++;
	}
	free(entry->value);
	entry->value = copy;
	entry->value_len = len;
	return 0;

err_entry:
	free(entry);
err_copy:
	free(copy);
	return -1;
}

/* Splits "key value" at the first space; a key without a value gets "". */
static char *split_key(const struct rpci_request *request, const uint8_t **value,
		       uint32_t *value_len)
{
	const uint8_t *space = memchr(request->args, ' ', request->args_len);
	uint32_t key_len = space ? (uint32_t)(space - request->args) : request->args_len;
	char *key;

	if (memchr(request->args, '\0', key_len))
		return NULL;
	key = malloc(key_len + 1);
	if (!key)
		return NULL;
	memcpy(key, request->args, key_len);
	key[key_len] = '\0';
	*value = space ? space + 1 : request->args + key_len;
	*value_len = request->args_len - (uint32_t)(*value - request->args);
	return key;
}

static bool guestinfo_key_allowed(const char *key)
{
	size_t prefix_len = strlen(GUESTINFO_KEY_PREFIX);

	return !strncmp(key, GUESTINFO_KEY_PREFIX, prefix_len) && key[prefix_len];
}

static void rpci_info_set(struct bdoor_host *host, const struct rpci_request *request,
			  struct bdoor_buffer *reply)
{
	const uint8_t *value;
	uint32_t value_len;
	char *key = split_key(request, &value, &value_len);

	if (!key || !guestinfo_key_allowed(key))
		reply_text(reply, false, "Invalid key");
	else if (bdoor_host_guestinfo_set(host, key, value, value_len))
		reply_text(reply, false, "Out of memory");
	else
		reply_text(reply, true, "");
	free(key);
}

static void rpci_info_get(struct bdoor_host *host, const struct rpci_request *request,
			  struct bdoor_buffer *reply)
{
	const struct bdoor_guestinfo *entry = NULL;
	const uint8_t *rest;
	uint32_t rest_len;
	char *key = split_key(request, &rest, &rest_len);

	if (key && guestinfo_key_allowed(key))
		entry = bdoor_host_guestinfo_get(host, key);
	if (entry)
		bdoor_rpci_reply(reply, true, entry->value, entry->value_len);
	else
		reply_text(reply, false, "No value found");
	free(key);
}

static void remember_version(struct bdoor_host *host, const struct rpci_request *request)
{
	size_t len = request->args_len;

	if (len >= sizeof(host->tools_version))
		len = sizeof(host->tools_version) - 1;
	memcpy(host->tools_version, request->args, len);
	host->tools_version[len] = '\0';
}

static void rpci_tools_version(struct bdoor_host *host, const struct rpci_request *request,
			       struct bdoor_buffer *reply)
{
	remember_version(host, request);
	reply_text(reply, true, "");
}

static void rpci_accept(struct bdoor_host *host, const struct rpci_request *request,
			struct bdoor_buffer *reply)
{
	reply_text(reply, true, "");
}

struct rpci_command {
	const char *name;
	bool is_prefix;
	void (*handle)(struct bdoor_host *host, const struct rpci_request *request,
		       struct bdoor_buffer *reply);
};

static const struct rpci_command rpci_commands[] = {
	{ RPCI_CMD_LOG, false, rpci_accept },
	{ RPCI_CMD_INFO_SET, false, rpci_info_set },
	{ RPCI_CMD_INFO_GET, false, rpci_info_get },
	{ RPCI_CMD_TOOLS_SET_VERSION, false, rpci_tools_version },
	{ RPCI_CMD_TOOLS_SET_VERSIONTYPE, false, rpci_tools_version },
	{ RPCI_CMD_UNIFIED_LOOP, false, rpci_accept },
	{ RPCI_CMD_TOOLS_CAPABILITY, true, rpci_accept },
};

static const struct rpci_command *rpci_lookup(const uint8_t *name, uint32_t len)
{
	size_t i;

	for (i = 0; i < sizeof(rpci_commands) / sizeof(rpci_commands[0]); i++) {
		const struct rpci_command *command = &rpci_commands[i];
		size_t command_len = strlen(command->name);

		if (command->is_prefix ? len > command_len : len == command_len)
			if (!memcmp(name, command->name, command_len))
				return command;
	}
	return NULL;
}

int bdoor_host_add_rpci_command(struct bdoor_host *host, const char *name,
				bdoor_rpci_handler *handle, void *opaque)
{
	struct bdoor_rpci_extension *extension;
	unsigned int i;

	if (host->rpci_extension_count >= BDOOR_MAX_RPCI_EXTENSIONS ||
	    strlen(name) >= sizeof(extension->name) || !*name || strchr(name, ' '))
		return -1;
	for (i = 0; i < host->rpci_extension_count; i++)
		if (!strcmp(host->rpci_extensions[i].name, name))
			return -1;
	extension = &host->rpci_extensions[host->rpci_extension_count++];
	strcpy(extension->name, name);
	extension->handle = handle;
	extension->opaque = opaque;
	extension->binary = false;
	return 0;
}

int bdoor_host_add_rpci_binary_command(struct bdoor_host *host, const char *name,
				       bdoor_rpci_handler *handle, void *opaque)
{
	if (bdoor_host_add_rpci_command(host, name, handle, opaque))
		return -1;
	host->rpci_extensions[host->rpci_extension_count - 1].binary = true;
	return 0;
}

static const struct bdoor_rpci_extension *rpci_lookup_extension(const struct bdoor_host *host,
								const uint8_t *name,
								uint32_t len)
{
	unsigned int i;

	for (i = 0; i < host->rpci_extension_count; i++) {
		const struct bdoor_rpci_extension *extension = &host->rpci_extensions[i];

		if (strlen(extension->name) == len && !memcmp(name, extension->name, len))
			return extension;
	}
	return NULL;
}

/* Replaces a well-formed reply with one no "1 "/"0 " parser may accept. */
static void make_reply_garbage(struct bdoor_buffer *reply)
{
	static const uint8_t garbage[] = { '?', 'x', 0xff, '\0', '1', ' ' };

	bdoor_buffer_free(reply);
	reply->data = malloc(sizeof(garbage));
	if (!reply->data)
		return;
	memcpy(reply->data, garbage, sizeof(garbage));
	reply->len = sizeof(garbage);
}

void bdoor_rpci_dispatch(struct bdoor_host *host, const uint8_t *request, uint32_t len,
			 struct bdoor_buffer *reply)
{
	const struct bdoor_rpci_extension *extension;
	const struct rpci_command *command;
	struct rpci_request parsed = { 0 };
	const uint8_t *space;
	uint32_t name_len;

	/* A binary command's bytes are taken as they are. */
	space = len ? memchr(request, ' ', len) : NULL;
	name_len = space ? (uint32_t)(space - request) : len;
	if (!space && name_len && request[name_len - 1] == '\0')
		name_len--;
	extension = rpci_lookup_extension(host, request, name_len);
	if (extension && extension->binary && !rpci_lookup(request, name_len)) {
		bdoor_text_list_push(&host->rpci_log, request, name_len);
		extension->handle(extension->opaque, space ? space + 1 : request + len,
				  space ? len - name_len - 1 : 0, reply);
		if (host->fault == BDOOR_FAULT_GARBAGE_REPLY)
			make_reply_garbage(reply);
		return;
	}

	/* vmtoolsd sends the C string's terminating NUL. */
	if (len && request[len - 1] == '\0')
		len--;
	bdoor_text_list_push(&host->rpci_log, request,
			     len < RPCI_LOG_MAX_BYTES ? len : RPCI_LOG_MAX_BYTES);

	space = len ? memchr(request, ' ', len) : NULL;
	name_len = space ? (uint32_t)(space - request) : len;
	if (space) {
		parsed.args = space + 1;
		parsed.args_len = len - name_len - 1;
	} else {
		parsed.args = request + len;
	}

	command = rpci_lookup(request, name_len);
	extension = rpci_lookup_extension(host, request, name_len);
	if (command)
		command->handle(host, &parsed, reply);
	else if (extension)
		extension->handle(extension->opaque, parsed.args, parsed.args_len, reply);
	else
		reply_text(reply, false, RPCI_UNKNOWN_COMMAND);
	if (host->fault == BDOOR_FAULT_GARBAGE_REPLY)
		make_reply_garbage(reply);
}
