// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VMX side of a quiesced snapshot: a state machine driven by the host's
 * requests (start, abort), the agent's vmbackup.eventSet messages and one
 * timer, ending in exactly one result per operation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmbackup.h"

#define NS_PER_MS		1000000ll
/* An option value above a day is a typo, not a test. */
#define OPTION_MAX_MS		86400000u

static const struct vmbackup_options default_options = {
	.manifest = false,
	.snapshot_ms = 1000,
	.timeout_ms = 60000,
	/* Two keep-alive periods: a live agent speaks at least every 2.5 s. */
	.silence_ms = 2 * VMBACKUP_KEEP_ALIVE_PERIOD_MS,
	.grace_ms = 10000,
};

static const char *const state_names[VMBACKUP_STATE_COUNT] = {
	[VMBACKUP_IDLE] = "idle",
	[VMBACKUP_STARTING] = "starting",
	[VMBACKUP_QUIESCING] = "quiescing",
	[VMBACKUP_SNAPSHOT] = "snapshot",
	[VMBACKUP_THAWING] = "thawing",
	[VMBACKUP_ABORTING] = "aborting",
	[VMBACKUP_DONE] = "done",
};

static const char *const result_names[VMBACKUP_RESULT_COUNT] = {
	[VMBACKUP_RESULT_NONE] = "none",
	[VMBACKUP_RESULT_OK] = "ok",
	[VMBACKUP_RESULT_NOT_QUIESCED] = "not-quiesced",
	[VMBACKUP_RESULT_ERROR] = "error",
	[VMBACKUP_RESULT_ABORTED] = "aborted",
	[VMBACKUP_RESULT_TIMEOUT] = "timeout",
};

const char *vmbackup_state_name(enum vmbackup_state state)
{
	return state < VMBACKUP_STATE_COUNT ? state_names[state] : "?";
}

const char *vmbackup_result_name(enum vmbackup_result result)
{
	return result < VMBACKUP_RESULT_COUNT ? result_names[result] : "?";
}

void vmbackup_init(struct vmbackup *vb, const struct vmbackup_ops *ops)
{
	memset(vb, 0, sizeof(*vb));
	vb->ops = *ops;
	vb->options = default_options;
}

bool vmbackup_busy(const struct vmbackup *vb)
{
	return vb->state != VMBACKUP_IDLE && vb->state != VMBACKUP_DONE;
}

static int64_t now_ns(struct vmbackup *vb)
{
	return vb->ops.now_ns(vb->ops.opaque);
}

/* The log keeps the newest VMBACKUP_MAX_EVENTS lines. */
static void log_event(struct vmbackup *vb, int64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_event(struct vmbackup *vb, int64_t now, const char *fmt, ...)
{
	struct vmbackup_event *event;
	unsigned int slot;
	va_list ap;

	if (vb->event_count == VMBACKUP_MAX_EVENTS) {
		memmove(&vb->events[0], &vb->events[1],
			sizeof(vb->events[0]) * (VMBACKUP_MAX_EVENTS - 1));
		vb->event_count--;
		vb->events_dropped++;
	}
	slot = vb->event_count++;
	event = &vb->events[slot];
	event->at_ns = now - vb->started_ns;
	va_start(ap, fmt);
	vsnprintf(event->text, sizeof(event->text), fmt, ap);
	va_end(ap);
}

void vmbackup_clear_events(struct vmbackup *vb)
{
	vb->event_count = 0;
	vb->events_dropped = 0;
}

static void set_detail(struct vmbackup *vb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_detail(struct vmbackup *vb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vb->detail, sizeof(vb->detail), fmt, ap);
	va_end(ap);
}

uint64_t vmbackup_total_writes(const struct vmbackup_disk_set *disks)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < disks->count; i++)
		total += disks->disk[i].writes;
	return total;
}

char *vmbackup_disks_text(const struct vmbackup_disk_set *disks)
{
	size_t size = disks->count * (VMBACKUP_DISK_NAME + 24) + 1;
	char *text = malloc(size);
	size_t used = 0;
	unsigned int i;

	if (!text)
		return NULL;
	text[0] = '\0';
	for (i = 0; i < disks->count && i < VMBACKUP_MAX_DISKS; i++)
		used += snprintf(text + used, size - used, "%s%s=%llu", i ? " " : "",
				 disks->disk[i].name,
				 (unsigned long long)disks->disk[i].writes);
	return text;
}

char *vmbackup_events_text(const struct vmbackup *vb)
{
	size_t size = (size_t)vb->event_count * (VMBACKUP_EVENT_TEXT + 24) + 64;
	char *text = malloc(size);
	size_t used = 0;
	unsigned int i;

	if (!text)
		return NULL;
	text[0] = '\0';
	if (vb->events_dropped)
		used += snprintf(text, size, "(%llu older events dropped)",
				 (unsigned long long)vb->events_dropped);
	for (i = 0; i < vb->event_count; i++) {
		const struct vmbackup_event *event = &vb->events[i];

		used += snprintf(text + used, size - used, "%s%lld %s", used ? "\n" : "",
				 (long long)(event->at_ns / NS_PER_MS), event->text);
	}
	return text;
}

static void read_disks(struct vmbackup *vb, struct vmbackup_disk_set *disks)
{
	memset(disks, 0, sizeof(*disks));
	vb->ops.read_disks(vb->ops.opaque, disks);
	if (disks->count > VMBACKUP_MAX_DISKS)
		disks->count = VMBACKUP_MAX_DISKS;
}

static const struct vmbackup_disk *find_disk(const struct vmbackup_disk_set *disks,
					      const char *name)
{
	unsigned int i;

	for (i = 0; i < disks->count; i++)
		if (!strncmp(disks->disk[i].name, name, VMBACKUP_DISK_NAME))
			return &disks->disk[i];
	return NULL;
}

/* Writes per disk since the window opened; a disk new since then counts whole. */
static void disk_delta(const struct vmbackup_disk_set *before,
		       const struct vmbackup_disk_set *after,
		       struct vmbackup_disk_set *delta)
{
	unsigned int i;

	memset(delta, 0, sizeof(*delta));
	for (i = 0; i < after->count; i++) {
		const struct vmbackup_disk *now = &after->disk[i];
		const struct vmbackup_disk *then = find_disk(before, now->name);
		struct vmbackup_disk *out = &delta->disk[delta->count++];

		memcpy(out->name, now->name, sizeof(out->name));
		out->name[VMBACKUP_DISK_NAME - 1] = '\0';
		out->writes = now->writes - (then && then->writes <= now->writes ? then->writes : 0);
		out->bytes = now->bytes - (then && then->bytes <= now->bytes ? then->bytes : 0);
	}
}

static int64_t ms_to_ns(uint32_t ms)
{
	return (int64_t)ms * NS_PER_MS;
}

static int64_t earliest(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void arm_timer(struct vmbackup *vb)
{
	int64_t deadline;

	switch (vb->state) {
	case VMBACKUP_STARTING:
	case VMBACKUP_QUIESCING:
	case VMBACKUP_SNAPSHOT:
	case VMBACKUP_THAWING:
		deadline = earliest(vb->started_ns + ms_to_ns(vb->options.timeout_ms),
				    vb->last_event_ns + ms_to_ns(vb->options.silence_ms));
		if (vb->state == VMBACKUP_SNAPSHOT)
			deadline = earliest(deadline, vb->window_end_ns);
		break;
	case VMBACKUP_ABORTING:
		deadline = vb->abort_deadline_ns;
		break;
	default:
		deadline = -1;
		break;
	}
	vb->ops.set_timer(vb->ops.opaque, deadline);
}

static bool send_tclo(struct vmbackup *vb, int64_t now, const char *command)
{
	bool sent = vb->ops.send_tclo(vb->ops.opaque, command);

	log_event(vb, now, "host %s%s", command, sent ? "" : " (TCLO refused)");
	return sent;
}

static void finish(struct vmbackup *vb, int64_t now, enum vmbackup_result result)
{
	vb->state = VMBACKUP_DONE;
	vb->result = result;
	log_event(vb, now, "host result %s%s%s", vmbackup_result_name(result),
		  vb->detail[0] ? ": " : "", vb->detail);
	arm_timer(vb);
}

static void open_window(struct vmbackup *vb, int64_t now)
{
	read_disks(vb, &vb->window_before);
	vb->window_start_ns = now;
	vb->window_end_ns = now + ms_to_ns(vb->options.snapshot_ms);
	vb->state = VMBACKUP_SNAPSHOT;
	log_event(vb, now, "host snapshot window open (%llu writes so far)",
		  (unsigned long long)vmbackup_total_writes(&vb->window_before));
}

static void close_window(struct vmbackup *vb, int64_t now)
{
	struct vmbackup_disk_set after;
	char *per_disk;

	read_disks(vb, &after);
	disk_delta(&vb->window_before, &after, &vb->window_delta);
	vb->window_ns = now - vb->window_start_ns;
	vb->writes_in_window = vmbackup_total_writes(&vb->window_delta);
	vb->window_done = true;
	per_disk = vmbackup_disks_text(&vb->window_delta);
	log_event(vb, now, "host snapshot window closed after %lld ms: %llu writes (%s)",
		  (long long)(vb->window_ns / NS_PER_MS),
		  (unsigned long long)vb->writes_in_window, per_disk ? per_disk : "");
	free(per_disk);
}

static void begin_abort(struct vmbackup *vb, int64_t now)
{
	if (vb->state == VMBACKUP_SNAPSHOT)
		close_window(vb, now);
	vb->host_aborted = true;
	vb->state = VMBACKUP_ABORTING;
	vb->abort_deadline_ns = now + ms_to_ns(vb->options.grace_ms);
	send_tclo(vb, now, VMBACKUP_TCLO_ABORT);
}

static void give_up(struct vmbackup *vb, int64_t now, const char *why, uint32_t ms)
{
	vb->abort_for_timeout = true;
	set_detail(vb, "%s %u ms", why, ms);
	begin_abort(vb, now);
}

static bool parse_u32(const char *text, uint32_t max, uint32_t *value)
{
	unsigned long long v = 0;

	if (!*text)
		return false;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return false;
		v = v * 10 + (unsigned int)(*text - '0');
		if (v > max)
			return false;
	}
	*value = (uint32_t)v;
	return true;
}

static int parse_option(struct vmbackup_options *opts, const char *key, const char *value)
{
	static const struct {
		const char *name;
		size_t offset;
	} ms_options[] = {
		{ "snapshot-ms", offsetof(struct vmbackup_options, snapshot_ms) },
		{ "timeout-ms", offsetof(struct vmbackup_options, timeout_ms) },
		{ "silence-ms", offsetof(struct vmbackup_options, silence_ms) },
		{ "grace-ms", offsetof(struct vmbackup_options, grace_ms) },
	};
	uint32_t number;
	size_t i;

	if (!strcmp(key, "manifest")) {
		if (!parse_u32(value, 1, &number))
			return -1;
		opts->manifest = number;
		return 0;
	}
	for (i = 0; i < sizeof(ms_options) / sizeof(ms_options[0]); i++) {
		if (strcmp(key, ms_options[i].name))
			continue;
		if (!parse_u32(value, OPTION_MAX_MS, &number) || !number)
			return -1;
		*(uint32_t *)((char *)opts + ms_options[i].offset) = number;
		return 0;
	}
	return -1;
}

static int parse_options(const char *text, struct vmbackup_options *opts)
{
	char *copy = strdup(text ? text : "");
	char *save = NULL, *word;
	int ret = 0;

	if (!copy)
		return -1;
	*opts = default_options;
	for (word = strtok_r(copy, " \t\n", &save); word && !ret;
	     word = strtok_r(NULL, " \t\n", &save)) {
		char *equals = strchr(word, '=');

		if (!equals) {
			ret = -1;
			break;
		}
		*equals = '\0';
		ret = parse_option(opts, word, equals + 1);
	}
	free(copy);
	return ret;
}

static void reset_operation(struct vmbackup *vb, int64_t now,
			    const struct vmbackup_options *opts)
{
	vb->options = *opts;
	vb->result = VMBACKUP_RESULT_NONE;
	vb->detail[0] = '\0';
	vb->started_ns = now;
	vb->last_event_ns = now;
	vb->window_end_ns = 0;
	vb->abort_deadline_ns = 0;
	vb->abort_for_timeout = false;
	vb->host_aborted = false;
	vb->guest_aborted = false;
	vb->guest_error = false;
	vb->window_done = false;
	vb->window_start_ns = 0;
	vb->window_ns = 0;
	memset(&vb->window_before, 0, sizeof(vb->window_before));
	memset(&vb->window_delta, 0, sizeof(vb->window_delta));
	vb->writes_in_window = 0;
	vmbackup_clear_events(vb);
}

int vmbackup_start(struct vmbackup *vb, const char *options, const char **why)
{
	struct vmbackup_options opts;
	char command[64];
	int64_t now;

	if (vmbackup_busy(vb)) {
		*why = "an operation is in progress";
		return -1;
	}
	if (parse_options(options, &opts)) {
		*why = "bad options (manifest=0|1 snapshot-ms= timeout-ms= silence-ms= grace-ms=)";
		return -1;
	}
	now = now_ns(vb);
	reset_operation(vb, now, &opts);
	vb->operations++;
	vb->state = VMBACKUP_STARTING;
	snprintf(command, sizeof(command), "%s %d", VMBACKUP_TCLO_START, opts.manifest);
	if (!send_tclo(vb, now, command)) {
		set_detail(vb, "TCLO queue refused %s", VMBACKUP_TCLO_START);
		finish(vb, now, VMBACKUP_RESULT_ERROR);
		*why = "TCLO queue full";
		return -1;
	}
	arm_timer(vb);
	return 0;
}

int vmbackup_abort(struct vmbackup *vb, const char **why)
{
	int64_t now;

	if (!vmbackup_busy(vb)) {
		*why = "no operation in progress";
		return -1;
	}
	if (vb->state == VMBACKUP_ABORTING) {
		*why = "already aborting";
		return -1;
	}
	now = now_ns(vb);
	set_detail(vb, "aborted by the host in state %s", vmbackup_state_name(vb->state));
	begin_abort(vb, now);
	arm_timer(vb);
	return 0;
}

static void tick_snapshot(struct vmbackup *vb, int64_t now)
{
	if (now < vb->window_end_ns)
		return;
	close_window(vb, now);
	vb->state = VMBACKUP_THAWING;
	if (!send_tclo(vb, now, VMBACKUP_TCLO_SNAPSHOT_DONE)) {
		set_detail(vb, "TCLO queue refused %s", VMBACKUP_TCLO_SNAPSHOT_DONE);
		begin_abort(vb, now);
	}
}

void vmbackup_tick(struct vmbackup *vb)
{
	int64_t now = now_ns(vb);

	if (vb->state == VMBACKUP_SNAPSHOT)
		tick_snapshot(vb, now);

	switch (vb->state) {
	case VMBACKUP_STARTING:
	case VMBACKUP_QUIESCING:
	case VMBACKUP_SNAPSHOT:
	case VMBACKUP_THAWING:
		if (now - vb->started_ns >= ms_to_ns(vb->options.timeout_ms))
			give_up(vb, now, "operation not done after", vb->options.timeout_ms);
		else if (now - vb->last_event_ns >= ms_to_ns(vb->options.silence_ms))
			give_up(vb, now, "no event from the agent for", vb->options.silence_ms);
		break;
	case VMBACKUP_ABORTING:
		if (now >= vb->abort_deadline_ns) {
			size_t len = strlen(vb->detail);

			snprintf(vb->detail + len, sizeof(vb->detail) - len,
				 "%sagent did not confirm the abort", len ? "; " : "");
			finish(vb, now, vb->abort_for_timeout ? VMBACKUP_RESULT_TIMEOUT :
					VMBACKUP_RESULT_ABORTED);
			return;
		}
		break;
	default:
		break;
	}
	arm_timer(vb);
}

static enum vmbackup_result result_at_done(struct vmbackup *vb)
{
	if (vb->abort_for_timeout)
		return VMBACKUP_RESULT_TIMEOUT;
	if (vb->host_aborted)
		return VMBACKUP_RESULT_ABORTED;
	if (vb->guest_error)
		return VMBACKUP_RESULT_ERROR;
	if (vb->guest_aborted)
		return VMBACKUP_RESULT_ABORTED;
	if (vb->state != VMBACKUP_THAWING) {
		set_detail(vb, "agent finished in state %s, before the snapshot was done",
			   vmbackup_state_name(vb->state));
		return VMBACKUP_RESULT_ERROR;
	}
	if (vb->writes_in_window) {
		char *per_disk = vmbackup_disks_text(&vb->window_delta);

		set_detail(vb, "%llu writes in the %lld ms window (%s)",
			   (unsigned long long)vb->writes_in_window,
			   (long long)(vb->window_ns / NS_PER_MS), per_disk ? per_disk : "");
		free(per_disk);
		return VMBACKUP_RESULT_NOT_QUIESCED;
	}
	set_detail(vb, "no write in the %lld ms window", (long long)(vb->window_ns / NS_PER_MS));
	return VMBACKUP_RESULT_OK;
}

static void on_done(struct vmbackup *vb, int64_t now)
{
	enum vmbackup_result result;

	if (vb->state == VMBACKUP_SNAPSHOT)
		close_window(vb, now);
	result = result_at_done(vb);
	finish(vb, now, result);
}

/* Printable copy of guest text for the log. */
static void sanitize(char *out, size_t size, const uint8_t *in, size_t len)
{
	size_t i;

	if (len >= size)
		len = size - 1;
	for (i = 0; i < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	out[len] = '\0';
}

struct parsed_event {
	char name[32];
	uint32_t code;
	bool has_code;
	char text[VMBACKUP_EVENT_TEXT];
};

/* "<event> <code> <text>"; the text may be empty, the code missing. */
static void parse_event(const uint8_t *args, uint32_t len, struct parsed_event *ev)
{
	const uint8_t *end = args + len;
	const uint8_t *p = args;
	const uint8_t *name_end = memchr(p, ' ', len);
	unsigned long long code = 0;

	memset(ev, 0, sizeof(*ev));
	if (!name_end)
		name_end = end;
	sanitize(ev->name, sizeof(ev->name), p, (size_t)(name_end - p));
	p = name_end < end ? name_end + 1 : end;
	while (p < end && *p >= '0' && *p <= '9') {
		ev->has_code = true;
		code = code * 10 + (unsigned int)(*p - '0');
		if (code > UINT32_MAX)
			code = UINT32_MAX;
		p++;
	}
	ev->code = (uint32_t)code;
	if (p < end && *p == ' ')
		p++;
	sanitize(ev->text, sizeof(ev->text), p, (size_t)(end - p));
}

static void on_commit(struct vmbackup *vb, int64_t now)
{
	if (vb->state == VMBACKUP_STARTING || vb->state == VMBACKUP_QUIESCING) {
		open_window(vb, now);
		return;
	}
	log_event(vb, now, "host ignored the commit in state %s",
		  vmbackup_state_name(vb->state));
}

static void note_guest_failure(struct vmbackup *vb, const struct parsed_event *ev)
{
	if (!strcmp(ev->name, VMBACKUP_EVENT_ERROR))
		vb->guest_error = true;
	else
		vb->guest_aborted = true;
	if (!vb->detail[0])
		set_detail(vb, "agent %s %u: %s", ev->name, ev->code, ev->text);
}

bool vmbackup_event(struct vmbackup *vb, const uint8_t *args, uint32_t len)
{
	int64_t now = now_ns(vb);
	struct parsed_event ev;

	parse_event(args, len, &ev);
	if (!vmbackup_busy(vb)) {
		log_event(vb, now, "guest %s %u %s (no operation: refused)", ev.name, ev.code,
			  ev.text);
		return false;
	}
	vb->last_event_ns = now;
	log_event(vb, now, "guest %s %u%s%s%s", ev.name, ev.code, ev.text[0] ? " " : "",
		  ev.text, ev.has_code ? "" : " (no code)");

	if (!strcmp(ev.name, VMBACKUP_EVENT_RESET)) {
		if (vb->state == VMBACKUP_STARTING)
			vb->state = VMBACKUP_QUIESCING;
	} else if (!strcmp(ev.name, VMBACKUP_EVENT_SNAPSHOT_COMMIT)) {
		on_commit(vb, now);
	} else if (!strcmp(ev.name, VMBACKUP_EVENT_ERROR) ||
		   !strcmp(ev.name, VMBACKUP_EVENT_ABORTED)) {
		note_guest_failure(vb, &ev);
	} else if (!strcmp(ev.name, VMBACKUP_EVENT_DONE)) {
		on_done(vb, now);
		return true;
	}
	arm_timer(vb);
	return true;
}
