// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_clock: measurements for the VMI timer tests and benchmark, printed as
 * key=value pairs for the shell.
 *
 *   vmi_clock drift SECONDS       REAL (debugfs vmi_timer/status) against
 *                                 CLOCK_MONOTONIC_RAW: ppm = rate error
 *   vmi_clock sleep CPU N USEC    N nanosleeps of USEC pinned to CPU:
 *                                 lateness p50/p99/max in us
 *   vmi_clock gettime N           clock_gettime(MONOTONIC) cost in ns:
 *                                 through libc (vDSO when the clocksource
 *                                 has a vDSO mode) and the raw syscall
 *   vmi_clock mono SECONDS        two threads on two CPUs read
 *                                 CLOCK_MONOTONIC and publish it: no reader
 *                                 may see time below what was published
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define STATUS "/sys/kernel/debug/vmi_timer/status"

static int64_t ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* REAL from debugfs, bracketed by two raw-clock reads; returns the midpoint. */
static int read_real(uint64_t *real, int64_t *mid, int64_t *width)
{
	char buf[4096], *p;
	int64_t t0, t1;
	FILE *f;
	size_t n;

	t0 = ns_of(CLOCK_MONOTONIC_RAW);
	f = fopen(STATUS, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	t1 = ns_of(CLOCK_MONOTONIC_RAW);
	buf[n] = 0;
	p = strstr(buf, "\nreal: ");
	if (!p)
		return -1;
	*real = strtoull(p + 7, NULL, 10);
	*mid = t0 + (t1 - t0) / 2;
	*width = t1 - t0;
	return 0;
}

/* Best (narrowest) of 20 brackets. */
static int sample(uint64_t *real, int64_t *mid)
{
	int64_t best = INT64_MAX, m, w;
	uint64_t r;
	int i;

	for (i = 0; i < 20; i++) {
		if (read_real(&r, &m, &w))
			return -1;
		if (w < best) {
			best = w;
			*real = r;
			*mid = m;
		}
	}
	return 0;
}

static int cmd_drift(int secs)
{
	uint64_t r0, r1;
	int64_t m0, m1;
	double ppm;

	if (sample(&r0, &m0))
		return 2;
	sleep(secs);
	if (sample(&r1, &m1))
		return 2;
	/* REAL is in cycles of 1 GHz on our host: ns. */
	ppm = ((double)(int64_t)(r1 - r0) - (double)(m1 - m0)) / (double)(m1 - m0) * 1e6;
	printf("seconds=%.3f real_ns=%llu raw_ns=%lld ppm=%.2f\n", (m1 - m0) / 1e9,
	       (unsigned long long)(r1 - r0), (long long)(m1 - m0), ppm);
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static int cmd_sleep(int cpu, int n, int usec)
{
	int64_t *late = calloc(n, sizeof(*late));
	struct timespec req = { usec / 1000000, (usec % 1000000) * 1000L };
	int i;

	if (!late)
		return 2;
	pin(cpu);
	for (i = 0; i < n; i++) {
		int64_t t0 = ns_of(CLOCK_MONOTONIC);

		nanosleep(&req, NULL);
		late[i] = ns_of(CLOCK_MONOTONIC) - t0 - (int64_t)usec * 1000;
	}
	qsort(late, n, sizeof(*late), cmp64);
	printf("cpu=%d n=%d usec=%d min_us=%lld p50_us=%lld p99_us=%lld max_us=%lld\n", cpu, n,
	       usec, (long long)late[0] / 1000, (long long)late[n / 2] / 1000,
	       (long long)late[n * 99 / 100] / 1000, (long long)late[n - 1] / 1000);
	free(late);
	return 0;
}

static int cmd_gettime(long n)
{
	struct timespec ts;
	int64_t t0, t1, t2;
	long i;

	t0 = ns_of(CLOCK_MONOTONIC_RAW);
	for (i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = ns_of(CLOCK_MONOTONIC_RAW);
	for (i = 0; i < n; i++)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	t2 = ns_of(CLOCK_MONOTONIC_RAW);
	printf("libc_ns=%lld syscall_ns=%lld\n", (long long)((t1 - t0) / n),
	       (long long)((t2 - t1) / n));
	return 0;
}

static volatile int64_t published;
static volatile int stop;
static volatile long violations;

static void *mono_thread(void *arg)
{
	pin((int)(intptr_t)arg);
	while (!stop) {
		int64_t seen = published;
		int64_t now = ns_of(CLOCK_MONOTONIC);

		if (now < seen)
			__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED);
		else
			__atomic_store_n(&published, now, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int cmd_mono(int secs)
{
	pthread_t t[2];
	int i;

	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, mono_thread, (void *)(intptr_t)i);
	sleep(secs);
	stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("violations=%ld\n", violations);
	return violations ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "drift"))
		return cmd_drift(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "sleep"))
		return cmd_sleep(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "gettime"))
		return cmd_gettime(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "mono"))
		return cmd_mono(atoi(argv[2]));
	fprintf(stderr, "usage: vmi_clock drift S | sleep CPU N USEC | gettime N | mono S\n");
	return 2;
}
