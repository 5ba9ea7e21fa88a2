// SPDX-License-Identifier: GPL-2.0
/*
 * wakeup_latency: how late a task that sleeps 1 ms at a time wakes while a
 * command runs beside it on the same CPU. A kernel path that runs long
 * without a scheduling point (on a kernel without full preemption) shows
 * as lateness about as long as that path.
 *
 *   wakeup_latency CMD [ARGS...]
 * Both are pinned to CPU 0. Prints "wakeups=N max_late_us=X cmd_ms=Y" and
 * exits with the command's status.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int64_t start, next, late, max_late = 0;
	unsigned long wakeups = 0;
	cpu_set_t cpu;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: wakeup_latency CMD [ARGS...]\n");
		return 2;
	}
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu)) {
		perror("sched_setaffinity");
		return 2;
	}
	start = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (!pid) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	next = start;
	for (;;) {
		struct timespec ts;

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		next += 1000000;
		ts.tv_sec = next / 1000000000LL;
		ts.tv_nsec = next % 1000000000LL;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		late = now_ns() - next;
		if (late > max_late)
			max_late = late;
		if (late > 1000000)
			next = now_ns();
		wakeups++;
	}
	printf("wakeups=%lu max_late_us=%lld cmd_ms=%lld\n", wakeups, (long long)(max_late / 1000),
	       (long long)((now_ns() - start) / 1000000));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
