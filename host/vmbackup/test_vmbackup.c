// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests and a random-input loop for the vmbackup host model, run under
 * ASan/UBSan with a fake clock, TCLO queue, disks and timer. Prints KTAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "vmbackup.h"

#define MS	1000000ll

struct fake_env {
	int64_t now;
	char tclo[16][64];
	unsigned int tclo_count;
	bool tclo_full;
	struct vmbackup_disk_set disks;
	int64_t timer;
};

static struct fake_env env;
static struct vmbackup vb;

static int64_t f_now(void *opaque)
{
	return env.now;
}

static bool f_send(void *opaque, const char *command)
{
	if (env.tclo_full || env.tclo_count == 16)
		return false;
	snprintf(env.tclo[env.tclo_count++], sizeof(env.tclo[0]), "%s", command);
	return true;
}

static void f_read_disks(void *opaque, struct vmbackup_disk_set *disks)
{
	*disks = env.disks;
}

static void f_set_timer(void *opaque, int64_t deadline)
{
	env.timer = deadline;
}

static void setup(void)
{
	static const struct vmbackup_ops ops = {
		.now_ns = f_now,
		.send_tclo = f_send,
		.read_disks = f_read_disks,
		.set_timer = f_set_timer,
	};

	memset(&env, 0, sizeof(env));
	env.now = 1000 * MS;
	env.timer = -1;
	env.disks.count = 2;
	strcpy(env.disks.disk[0].name, "vdb");
	strcpy(env.disks.disk[1].name, "vdc");
	env.disks.disk[0].writes = 100;
	env.disks.disk[1].writes = 7;
	vmbackup_init(&vb, &ops);
}

static bool event(const char *text)
{
	return vmbackup_event(&vb, (const uint8_t *)text, strlen(text));
}

/* Advances the clock to the armed timer (if it is earlier than limit) and fires it. */
static void run_timer_until(int64_t limit)
{
	while (env.timer >= 0 && env.timer <= limit) {
		if (env.timer > env.now)
			env.now = env.timer;
		vmbackup_tick(&vb);
	}
	if (env.now < limit)
		env.now = limit;
}

static const char *last_tclo(void)
{
	return env.tclo_count ? env.tclo[env.tclo_count - 1] : "";
}

static bool start(const char *options)
{
	const char *why = NULL;

	return vmbackup_start(&vb, options, &why) == 0;
}

/* reset, commit: the window is open. */
static bool reach_window(const char *options)
{
	CHECK(start(options));
	CHECK(vb.state == VMBACKUP_STARTING);
	env.now += 20 * MS;
	CHECK(event("reset 0 "));
	CHECK(vb.state == VMBACKUP_QUIESCING);
	env.now += 1500 * MS;
	CHECK(event("prov.snapshotCommit 0 "));
	CHECK(vb.state == VMBACKUP_SNAPSHOT);
	return true;
}

static bool test_happy_path(void)
{
	setup();
	CHECK(reach_window("snapshot-ms=800"));
	CHECK(!strcmp(env.tclo[0], "vmbackup.start 0"));
	CHECK(env.timer == env.now + 800 * MS);
	run_timer_until(env.now + 799 * MS);
	CHECK(vb.state == VMBACKUP_SNAPSHOT);
	run_timer_until(env.now + 1 * MS);
	CHECK(vb.state == VMBACKUP_THAWING);
	CHECK(!strcmp(last_tclo(), "vmbackup.snapshotDone"));
	CHECK(vb.window_ns == 800 * MS);
	CHECK(vb.writes_in_window == 0);
	/* The writer resumes once the guest thaws: not the window's business. */
	env.disks.disk[0].writes += 50;
	env.now += 300 * MS;
	CHECK(event("req.done 0 "));
	CHECK(vb.state == VMBACKUP_DONE);
	CHECK(vb.result == VMBACKUP_RESULT_OK);
	CHECK(strstr(vb.detail, "no write in the 800 ms window"));
	CHECK(env.timer < 0);
	CHECK(vb.operations == 1);
	return true;
}

static bool test_manifest_option(void)
{
	setup();
	CHECK(start("manifest=1"));
	CHECK(!strcmp(env.tclo[0], "vmbackup.start 1"));
	return true;
}

static bool test_writes_in_window(void)
{
	char *text;

	setup();
	CHECK(reach_window("snapshot-ms=500"));
	env.disks.disk[1].writes += 3;
	env.disks.disk[1].bytes += 3 * 4096;
	run_timer_until(env.now + 500 * MS);
	CHECK(vb.writes_in_window == 3);
	text = vmbackup_disks_text(&vb.window_delta);
	CHECK(text && !strcmp(text, "vdb=0 vdc=3"));
	free(text);
	CHECK(event("req.done 0 "));
	CHECK(vb.result == VMBACKUP_RESULT_NOT_QUIESCED);
	CHECK(strstr(vb.detail, "vdc=3"));
	return true;
}

static bool test_disk_added_in_window(void)
{
	setup();
	CHECK(reach_window(""));
	env.disks.count = 3;
	strcpy(env.disks.disk[2].name, "vdd");
	env.disks.disk[2].writes = 2;
	run_timer_until(env.now + 1000 * MS);
	CHECK(vb.writes_in_window == 2);
	return true;
}

static bool test_guest_error(void)
{
	setup();
	CHECK(start(""));
	CHECK(event("reset 0 "));
	CHECK(event("req.error 3 Error when enabling the sync provider."));
	CHECK(vb.state == VMBACKUP_QUIESCING);
	CHECK(event("req.done 0 "));
	CHECK(vb.result == VMBACKUP_RESULT_ERROR);
	CHECK(strstr(vb.detail, "req.error 3: Error when enabling the sync provider."));
	return true;
}

static bool test_host_abort_in_window(void)
{
	const char *why;

	setup();
	CHECK(reach_window("snapshot-ms=5000 grace-ms=2000"));
	env.now += 100 * MS;
	CHECK(vmbackup_abort(&vb, &why) == 0);
	CHECK(vb.state == VMBACKUP_ABORTING);
	CHECK(!strcmp(last_tclo(), "vmbackup.abort"));
	CHECK(vb.window_done && vb.window_ns == 100 * MS);
	CHECK(vmbackup_abort(&vb, &why) == -1);
	CHECK(event("req.aborted 4 Quiesce canceled."));
	CHECK(event("req.done 0 "));
	CHECK(vb.result == VMBACKUP_RESULT_ABORTED);
	CHECK(strstr(vb.detail, "aborted by the host in state snapshot"));
	CHECK(vmbackup_abort(&vb, &why) == -1);
	return true;
}

static bool test_abort_unconfirmed(void)
{
	const char *why;

	setup();
	CHECK(start("grace-ms=2000"));
	CHECK(vmbackup_abort(&vb, &why) == 0);
	run_timer_until(env.now + 1999 * MS);
	CHECK(vb.state == VMBACKUP_ABORTING);
	run_timer_until(env.now + 1 * MS);
	CHECK(vb.state == VMBACKUP_DONE);
	CHECK(vb.result == VMBACKUP_RESULT_ABORTED);
	CHECK(strstr(vb.detail, "did not confirm"));
	return true;
}

/* The snapshot outlasts the host's patience: abort, the agent thaws. */
static bool test_overall_timeout(void)
{
	setup();
	CHECK(reach_window("snapshot-ms=9000 timeout-ms=3000 silence-ms=60000"));
	run_timer_until(env.now + 2000 * MS);
	CHECK(vb.state == VMBACKUP_ABORTING);
	CHECK(!strcmp(last_tclo(), "vmbackup.abort"));
	CHECK(strstr(vb.detail, "operation not done after 3000 ms"));
	CHECK(event("req.aborted 4 Quiesce canceled."));
	CHECK(event("req.done 0 "));
	CHECK(vb.result == VMBACKUP_RESULT_TIMEOUT);
	return true;
}

static bool test_silence_timeout(void)
{
	setup();
	CHECK(start("silence-ms=4000 grace-ms=1000"));
	env.now += 10 * MS;
	CHECK(event("reset 0 "));
	/* Keep-alives keep it going past the silence limit... */
	run_timer_until(env.now + 3000 * MS);
	CHECK(event("req.keepAlive 0 "));
	run_timer_until(env.now + 3000 * MS);
	CHECK(vb.state == VMBACKUP_QUIESCING);
	/* ...until the agent dies. */
	run_timer_until(env.now + 1000 * MS);
	CHECK(vb.state == VMBACKUP_ABORTING);
	CHECK(strstr(vb.detail, "no event from the agent for 4000 ms"));
	run_timer_until(env.now + 1000 * MS);
	CHECK(vb.result == VMBACKUP_RESULT_TIMEOUT);
	CHECK(strstr(vb.detail, "did not confirm"));
	return true;
}

static bool test_events_without_operation(void)
{
	setup();
	CHECK(!event("prov.snapshotCommit 0 "));
	CHECK(vb.state == VMBACKUP_IDLE);
	CHECK(reach_window(""));
	CHECK(event("req.done 0 "));
	CHECK(vb.state == VMBACKUP_DONE);
	/* After the end the host no longer knows the operation. */
	CHECK(!event("req.keepAlive 0 "));
	return true;
}

static bool test_done_during_window(void)
{
	setup();
	CHECK(reach_window("snapshot-ms=5000"));
	env.disks.disk[0].writes++;
	CHECK(event("req.done 0 "));
	CHECK(vb.result == VMBACKUP_RESULT_ERROR);
	CHECK(vb.window_done && vb.writes_in_window == 1);
	CHECK(strstr(vb.detail, "before the snapshot was done"));
	return true;
}

static bool test_done_without_quiescing(void)
{
	setup();
	CHECK(start(""));
	CHECK(event("reset 0 "));
	CHECK(event("req.done 0 "));
	CHECK(vb.result == VMBACKUP_RESULT_ERROR);
	CHECK(!vb.window_done);
	return true;
}

static bool test_start_refusals(void)
{
	const char *why = NULL;

	setup();
	CHECK(vmbackup_start(&vb, "snapshot-ms=", &why) == -1 && why);
	CHECK(vmbackup_start(&vb, "bogus=1", &why) == -1);
	CHECK(vmbackup_start(&vb, "timeout-ms=0", &why) == -1);
	CHECK(vmbackup_start(&vb, "manifest=2", &why) == -1);
	CHECK(vmbackup_start(&vb, "snapshot-ms=99999999999", &why) == -1);
	CHECK(vmbackup_start(&vb, "novalue", &why) == -1);
	CHECK(vb.state == VMBACKUP_IDLE && env.tclo_count == 0);
	CHECK(start(" snapshot-ms=10\ttimeout-ms=20 "));
	CHECK(vb.options.snapshot_ms == 10 && vb.options.timeout_ms == 20);
	CHECK(vmbackup_start(&vb, "", &why) == -1 && strstr(why, "in progress"));
	CHECK(vmbackup_abort(&vb, &why) == 0);
	return true;
}

static bool test_tclo_refused(void)
{
	const char *why = NULL;

	setup();
	env.tclo_full = true;
	CHECK(vmbackup_start(&vb, "", &why) == -1 && strstr(why, "TCLO"));
	CHECK(vb.state == VMBACKUP_DONE && vb.result == VMBACKUP_RESULT_ERROR);
	/* A new start is allowed once the queue drains. */
	env.tclo_full = false;
	CHECK(start(""));
	return true;
}

static bool test_event_parsing(void)
{
	static const uint8_t odd[] = { 'r', 'e', 'q', '.', 'e', 'r', 'r', 'o', 'r', ' ',
				       '9', ' ', 0, 0xff, '\n', 'x' };
	char long_text[2000];
	char *log;

	setup();
	CHECK(start(""));
	CHECK(event("reset"));
	CHECK(vb.state == VMBACKUP_QUIESCING);
	CHECK(vmbackup_event(&vb, odd, sizeof(odd)));
	CHECK(vb.guest_error);
	CHECK(strstr(vb.detail, "req.error 9: ??"));
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	memcpy(long_text, "req.keepAlive 4294967299 ", 25);
	CHECK(event(long_text));
	CHECK(vmbackup_event(&vb, (const uint8_t *)"", 0));
	log = vmbackup_events_text(&vb);
	CHECK(log && strstr(log, "guest req.keepAlive 4294967295 aaa"));
	CHECK(strstr(log, "(no code)"));
	free(log);
	return true;
}

static bool test_event_log_bounded(void)
{
	unsigned int i;
	char *log;

	setup();
	CHECK(start("silence-ms=86400000 timeout-ms=86400000"));
	for (i = 0; i < 3 * VMBACKUP_MAX_EVENTS; i++)
		CHECK(event("req.keepAlive 0 "));
	CHECK(vb.event_count == VMBACKUP_MAX_EVENTS && vb.events_dropped);
	log = vmbackup_events_text(&vb);
	CHECK(log && strstr(log, "older events dropped"));
	free(log);
	vmbackup_clear_events(&vb);
	CHECK(vb.event_count == 0);
	return true;
}

/* Random events, ticks, starts and aborts: no crash, state always sane. */
static bool test_random_inputs(void)
{
	static const char *const names[] = {
		"reset", "prov.snapshotCommit", "req.keepAlive", "req.error",
		"req.aborted", "req.done", "req.manifest", "bogus", "",
	};
	unsigned int seed = 12345, i;
	uint8_t raw[64];
	const char *why;

	setup();
	for (i = 0; i < 200000; i++) {
		unsigned int r = rand_r(&seed);
		char text[96];

		env.now += (r >> 8) % (700 * MS);
		env.disks.disk[r % 2].writes += (r >> 4) & 1;
		switch (r % 7) {
		case 0:
			vmbackup_start(&vb, (r >> 3) & 1 ? "snapshot-ms=300 silence-ms=900" : "",
				       &why);
			break;
		case 1:
			vmbackup_abort(&vb, &why);
			break;
		case 2:
			vmbackup_tick(&vb);
			break;
		case 3: {
			unsigned int j, len = (r >> 5) % sizeof(raw);

			for (j = 0; j < len; j++)
				raw[j] = (uint8_t)rand_r(&seed);
			vmbackup_event(&vb, raw, len);
			break;
		}
		default:
			snprintf(text, sizeof(text), "%s %u x",
				 names[(r >> 3) % (sizeof(names) / sizeof(names[0]))], r % 6);
			event(text);
			break;
		}
		if (env.tclo_count == 16)
			env.tclo_count = 0;
		CHECK(vb.state < VMBACKUP_STATE_COUNT);
		CHECK((vb.state == VMBACKUP_DONE) == (vb.result != VMBACKUP_RESULT_NONE));
		CHECK(vmbackup_busy(&vb) == (env.timer >= 0));
	}
	return true;
}

int main(void)
{
	printf("KTAP version 1\n1..17\n");
	ktap_run("vmbackup-happy-path", test_happy_path);
	ktap_run("vmbackup-manifest-option", test_manifest_option);
	ktap_run("vmbackup-writes-in-window", test_writes_in_window);
	ktap_run("vmbackup-disk-added-in-window", test_disk_added_in_window);
	ktap_run("vmbackup-guest-error", test_guest_error);
	ktap_run("vmbackup-host-abort-in-window", test_host_abort_in_window);
	ktap_run("vmbackup-abort-unconfirmed", test_abort_unconfirmed);
	ktap_run("vmbackup-overall-timeout", test_overall_timeout);
	ktap_run("vmbackup-silence-timeout", test_silence_timeout);
	ktap_run("vmbackup-events-without-operation", test_events_without_operation);
	ktap_run("vmbackup-done-during-window", test_done_during_window);
	ktap_run("vmbackup-done-without-quiescing", test_done_without_quiescing);
	ktap_run("vmbackup-start-refusals", test_start_refusals);
	ktap_run("vmbackup-tclo-refused", test_tclo_refused);
	ktap_run("vmbackup-event-parsing", test_event_parsing);
	ktap_run("vmbackup-event-log-bounded", test_event_log_bounded);
	ktap_run("vmbackup-random-inputs", test_random_inputs);
	return ktap_failures ? 1 : 0;
}
