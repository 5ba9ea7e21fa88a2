// SPDX-License-Identifier: GPL-2.0
/*
 * timecmp: measures the guest clock against the host's clock as the host
 * reports it (backdoor GETTIMEFULL, read here directly, independent of any
 * guest driver), and a PTP clock against both. Used by the time tests and
 * benchmark; every result is printed as key=value pairs for the shell.
 *
 *   timecmp offset                       guest - host, one best-of-N sample
 *   timecmp watch SECONDS MS [PHC]       sample every MS ms: offset stats,
 *                                        largest clock jumps (REALTIME and PHC)
 *   timecmp wait BOUND_US SECONDS        until |guest - host| <= bound for
 *                                        HOLD consecutive samples
 *   timecmp phc DEV [N]                  PHC read cost (read window, per read
 *                                        in bulk, per single-read call) and
 *                                        PHC - host
 *
 * Host reads need port 0x5658 from ring 3 (the host device's user-io=on).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/ptp_clock.h>

#include "pvtools/backdoor_abi.h"

#define NSEC_PER_USEC	1000LL
#define NSEC_PER_SEC	1000000000LL
/* Sandwich reads per sample; the tightest one is kept (as vmtoolsd does). */
#define SAMPLE_TRIES	4
/* Consecutive in-bound samples before `wait` calls the clock converged. */
#define HOLD_SAMPLES	5
#define WAIT_PERIOD_MS	200
#define MAX_SAMPLES	200000
/* Resolution of the host's time (QEMU's host clock: gettimeofday()). */
#define HOST_RES_NS	1000LL
/*
 * How far CLOCK_MONOTONIC_RAW's rate may be from the host clock's: the
 * kernel's TSC calibration error. With the host's TSC rate (gethz) it is
 * about 1 ppm, calibrated against the emulated PIT about 7 (host/README.md);
 * 100 leaves room for both.
 */
#define RAW_RATE_PPM	100

struct sample {
	int64_t offset_ns;	/* guest REALTIME - host */
	int64_t gap_ns;		/* guest time spent around the host read */
	int64_t real_ns;	/* guest REALTIME at the sample */
	int64_t mono_ns;	/* guest MONOTONIC at the sample */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Host time in ns from GETTIMEFULL (46); -1 if the host does not answer. */
static int64_t host_time_ns(void)
{
	struct bdoor_regs r = {
		.rax = BDOOR_MAGIC, .rbx = ~0u, .rcx = BDOOR_CMD_GETTIMEFULL,
		.rdx = BDOOR_PORT, .rsi = ~0u, .rdi = 0,
	};
	uint64_t secs;

	asm volatile("inl %%dx, %%eax"
		     : "+a"(r.rax), "+b"(r.rbx), "+c"(r.rcx),
		       "+d"(r.rdx), "+S"(r.rsi), "+D"(r.rdi)
		     : : "memory");
	secs = ((r.rsi & 0xFFFFFFFFull) << 32) | (r.rdx & 0xFFFFFFFFull);
	if ((uint32_t)r.rax != BDOOR_MAGIC || (uint32_t)r.rbx >= 1000000u ||
	    secs == 0 || secs >= (1ull << 40))
		return -1;
	/* The host truncates to whole µs: the middle of that µs is the best guess. */
	return (int64_t)secs * NSEC_PER_SEC + (uint32_t)r.rbx * NSEC_PER_USEC + 500;
}

/* Guest read, host read, guest read; the tightest of SAMPLE_TRIES. */
static int take_sample(struct sample *out)
{
	int i, got = 0;

	for (i = 0; i < SAMPLE_TRIES; i++) {
		int64_t g1 = clock_ns(CLOCK_REALTIME);
		int64_t m = clock_ns(CLOCK_MONOTONIC);
		int64_t h = host_time_ns();
		int64_t g2 = clock_ns(CLOCK_REALTIME);

		if (h < 0)
			continue;
		/* A guest step between the reads makes the sample meaningless. */
		if (g2 < g1)
			continue;
		if (got && g2 - g1 >= out->gap_ns)
			continue;
		out->gap_ns = g2 - g1;
		out->offset_ns = g1 + (g2 - g1) / 2 - h;
		out->real_ns = g1;
		out->mono_ns = m;
		got = 1;
	}
	return got ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static int64_t percentile(const int64_t *sorted, size_t n, int pct)
{
	size_t rank = (n * pct + 99) / 100;

	return sorted[rank ? rank - 1 : 0];
}

static double us(int64_t ns)
{
	return ns / 1000.0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmd_offset(void)
{
	struct sample s;

	if (take_sample(&s)) {
		fprintf(stderr, "timecmp: the host does not answer GETTIMEFULL\n");
		return 1;
	}
	printf("offset_us=%.1f gap_us=%.1f\n", us(s.offset_ns), us(s.gap_ns));
	return 0;
}

/*
 * How finely guest REALTIME moves: the smallest non-zero step between
 * back-to-back reads (at most the clocksource's resolution plus one read).
 */
static int64_t clock_resolution_ns(void)
{
	int64_t prev = clock_ns(CLOCK_REALTIME), now, best = INT64_MAX;
	int i;

	for (i = 0; i < 1000; i++) {
		now = clock_ns(CLOCK_REALTIME);
		if (now > prev && now - prev < best)
			best = now - prev;
		prev = now;
	}
	return best == INT64_MAX ? NSEC_PER_USEC : best;
}

/* One PTP_SYS_OFFSET_EXTENDED call of n reads; -1 on error. */
static int phc_extended(int fd, struct ptp_sys_offset_extended *x, unsigned int n)
{
	memset(x, 0, sizeof(*x));
	x->n_samples = n;
	return ioctl(fd, PTP_SYS_OFFSET_EXTENDED, x);
}

static int64_t pct_ns(const struct ptp_clock_time *t)
{
	return t->sec * NSEC_PER_SEC + t->nsec;
}

/* The tightest read of one call: PHC - guest REALTIME, and its window. */
static void phc_best(const struct ptp_sys_offset_extended *x, int64_t *offset,
		     int64_t *window, int64_t *phc)
{
	unsigned int i;

	*window = INT64_MAX;
	for (i = 0; i < x->n_samples; i++) {
		int64_t pre = pct_ns(&x->ts[i][0]), dev = pct_ns(&x->ts[i][1]);
		int64_t post = pct_ns(&x->ts[i][2]);

		if (post - pre >= *window)
			continue;
		*window = post - pre;
		*offset = dev - (pre + (post - pre) / 2);
		*phc = dev;
	}
}

struct jumps {
	int64_t min_ns, max_ns;	/* extremes of (Δclock - Δmonotonic) */
	int have;
};

static void jump_add(struct jumps *j, int64_t d)
{
	if (!j->have || d < j->min_ns)
		j->min_ns = d;
	if (!j->have || d > j->max_ns)
		j->max_ns = d;
	j->have = 1;
}

static int cmd_watch(int seconds, int period_ms, const char *phc_path)
{
	static int64_t abs_off[MAX_SAMPLES];
	struct jumps real = { 0 }, phc = { 0 };
	int64_t end, sum = 0, prev_mono = 0, prev_real = 0;
	int64_t prev_phc = 0, prev_phc_mono = 0, prev_phc_half = 0, phc_uncert = 0;
	int64_t worst_gap = 0;
	size_t n = 0, failed = 0;
	int fd = -1;

	if (phc_path) {
		fd = open(phc_path, O_RDONLY);
		if (fd < 0) {
			perror(phc_path);
			return 1;
		}
	}
	end = clock_ns(CLOCK_MONOTONIC) + seconds * NSEC_PER_SEC;
	while (clock_ns(CLOCK_MONOTONIC) < end && n < MAX_SAMPLES) {
		struct sample s;

		if (take_sample(&s)) {
			failed++;
		} else {
			if (n)
				jump_add(&real, (s.real_ns - prev_real) -
						(s.mono_ns - prev_mono));
			prev_real = s.real_ns;
			prev_mono = s.mono_ns;
			abs_off[n++] = llabs(s.offset_ns);
			sum += s.offset_ns;
			if (s.gap_ns > worst_gap)
				worst_gap = s.gap_ns;
		}
		if (fd >= 0) {
			struct ptp_sys_offset_extended x;
			int64_t off, win, dev, raw0, raw1, mono, half, u;

			/*
			 * The PHC read is placed on CLOCK_MONOTONIC_RAW, which no
			 * daemon slews or steps, by reads on each side of the call:
			 * it happened within half their distance of their middle.
			 */
			raw0 = clock_ns(CLOCK_MONOTONIC_RAW);
			if (phc_extended(fd, &x, 1)) {
				failed++;
			} else {
				raw1 = clock_ns(CLOCK_MONOTONIC_RAW);
				mono = raw0 + (raw1 - raw0) / 2;
				half = (raw1 - raw0) / 2 + 1;
				phc_best(&x, &off, &win, &dev);
				/* Only the PHC's own steps count, not the guest's. */
				if (prev_phc) {
					jump_add(&phc, (dev - prev_phc) - (mono - prev_phc_mono));
					/*
					 * What a jump of 0 can measure as: both placements,
					 * the host's truncation (0.5 us per read, centred)
					 * and the raw clock's rate error over the interval.
					 */
					u = half + prev_phc_half + NSEC_PER_USEC +
					    (mono - prev_phc_mono) / 1000000 * RAW_RATE_PPM;
					if (u > phc_uncert)
						phc_uncert = u;
				}
				prev_phc = dev;
				prev_phc_mono = mono;
				prev_phc_half = half;
			}
		}
		sleep_ms(period_ms);
	}
	if (!n) {
		fprintf(stderr, "timecmp: no host time samples\n");
		return 1;
	}
	qsort(abs_off, n, sizeof(abs_off[0]), cmp_i64);
	printf("samples=%zu failed=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f "
	       "worst_gap_us=%.1f real_jump_min_us=%.1f real_jump_max_us=%.1f",
	       n, failed, us(percentile(abs_off, n, 50)), us(percentile(abs_off, n, 99)),
	       us(abs_off[n - 1]), us(sum / (int64_t)n), us(worst_gap),
	       us(real.min_ns), us(real.max_ns));
	if (fd >= 0)
		printf(" phc_jump_min_us=%.1f phc_jump_max_us=%.1f phc_jump_uncert_us=%.1f",
		       us(phc.min_ns), us(phc.max_ns), us(phc_uncert));
	printf("\n");
	return failed ? 2 : 0;
}

static int cmd_wait(double bound_us, int seconds)
{
	int64_t start = clock_ns(CLOCK_MONOTONIC), end = start + seconds * NSEC_PER_SEC;
	int64_t last = 0;
	int hold = 0;

	while (clock_ns(CLOCK_MONOTONIC) < end) {
		struct sample s;

		if (!take_sample(&s)) {
			last = s.offset_ns;
			hold = llabs(s.offset_ns) <= bound_us * NSEC_PER_USEC ? hold + 1 : 0;
			if (hold == HOLD_SAMPLES) {
				printf("converged_s=%.1f offset_us=%.1f\n",
				       (clock_ns(CLOCK_MONOTONIC) - start) / 1e9, us(last));
				return 0;
			}
		}
		sleep_ms(WAIT_PERIOD_MS);
	}
	printf("converged_s=never offset_us=%.1f\n", us(last));
	return 1;
}

/*
 * Median guest time of one PTP_SYS_OFFSET_EXTENDED call with a single read:
 * what a client such as chrony pays per gettimex64, syscall included.
 */
static int64_t single_call_p50(int fd, int calls)
{
	static int64_t took[MAX_SAMPLES / 10 + 1];
	struct ptp_sys_offset_extended x;
	int i;

	if (calls > (int)(sizeof(took) / sizeof(took[0])))
		calls = sizeof(took) / sizeof(took[0]);
	for (i = 0; i < calls; i++) {
		int64_t t0 = clock_ns(CLOCK_MONOTONIC);

		if (phc_extended(fd, &x, 1)) {
			perror("PTP_SYS_OFFSET_EXTENDED");
			return -1;
		}
		took[i] = clock_ns(CLOCK_MONOTONIC) - t0;
	}
	qsort(took, calls, sizeof(took[0]), cmp_i64);
	return percentile(took, calls, 50);
}

/*
 * PHC read cost (guest time around each gettimex64 host read, median over
 * N reads) and PHC - host: the PHC's offset from REALTIME plus REALTIME's
 * offset from the host, taken back to back, within the two windows.
 */
static int cmd_phc(const char *path, int reads)
{
	static int64_t windows[MAX_SAMPLES];
	int64_t best_off = 0, best_win = 0, best_bound = INT64_MAX, t0, t1, call_p50, res;
	struct ptp_sys_offset_extended x;
	int fd, done = 0, calls = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	if (reads > MAX_SAMPLES)
		reads = MAX_SAMPLES;
	t0 = clock_ns(CLOCK_MONOTONIC);
	while (done < reads) {
		unsigned int i, n = reads - done < PTP_MAX_SAMPLES ? reads - done : PTP_MAX_SAMPLES;

		if (phc_extended(fd, &x, n)) {
			perror("PTP_SYS_OFFSET_EXTENDED");
			return 1;
		}
		calls++;
		for (i = 0; i < n; i++)
			windows[done + i] = pct_ns(&x.ts[i][2]) - pct_ns(&x.ts[i][0]);
		done += n;
	}
	t1 = clock_ns(CLOCK_MONOTONIC);
	qsort(windows, done, sizeof(windows[0]), cmp_i64);
	call_p50 = single_call_p50(fd, reads / 10 + 1);
	if (call_p50 < 0)
		return 1;

	/*
	 * PHC - host: host read A, PHC read, host read B. The host's offset
	 * from REALTIME at the PHC read's midpoint is interpolated between A
	 * and B, so a guest REALTIME that runs at another rate than the host
	 * clock (slewed by a daemon, calibrated off) cancels to first order.
	 * The result is off by at most (bound_us): half the PHC read's
	 * window, half the wider host read's window, the host clock's
	 * resolution as each side sees it, and the guest clock's resolution
	 * (each window's midpoint is known to half of it). The host's time
	 * has whole microseconds (QEMU's host clock is gettimeofday()):
	 * timecmp's GETTIMEFULL reads are centred on theirs (0.5 us), the
	 * PHC's are not when it reads the precise clock, whose nanoseconds
	 * are that microsecond's start (up to 1 us). The tightest of a few
	 * tries is kept.
	 */
	res = clock_resolution_ns();
	for (calls = 0; calls < 8; calls++) {
		int64_t off, win, dev, mid_phc, mid_a, mid_b, host_off, bound;
		struct sample a, b;

		if (take_sample(&a) || phc_extended(fd, &x, 1) || take_sample(&b))
			continue;
		phc_best(&x, &off, &win, &dev);
		mid_phc = dev - off;
		mid_a = a.real_ns + a.gap_ns / 2;
		mid_b = b.real_ns + b.gap_ns / 2;
		if (mid_b <= mid_a)
			continue;
		host_off = a.offset_ns + (int64_t)((double)(b.offset_ns - a.offset_ns) *
						   (double)(mid_phc - mid_a) / (double)(mid_b - mid_a));
		bound = win / 2 + (a.gap_ns > b.gap_ns ? a.gap_ns : b.gap_ns) / 2 +
			HOST_RES_NS / 2 + HOST_RES_NS + res;
		if (bound >= best_bound)
			continue;
		best_bound = bound;
		best_off = off + host_off;
		best_win = win;
	}
	if (best_bound == INT64_MAX) {
		fprintf(stderr, "timecmp: no PHC/host sample pair\n");
		return 1;
	}
	printf("reads=%d read_p50_us=%.2f read_p99_us=%.2f per_read_us=%.2f call_p50_us=%.2f "
	       "phc_minus_host_us=%.2f bound_us=%.2f window_us=%.2f resolution_us=%.3f\n",
	       done, us(percentile(windows, done, 50)), us(percentile(windows, done, 99)),
	       us((t1 - t0) / done), us(call_p50), us(best_off), us(best_bound), us(best_win),
	       us(res));
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: timecmp offset | watch SECONDS MS [PHC] | "
		"wait BOUND_US SECONDS | phc DEV [N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "offset") && argc == 2)
		return cmd_offset();
	if (!strcmp(argv[1], "watch") && (argc == 4 || argc == 5))
		return cmd_watch(atoi(argv[2]), atoi(argv[3]), argc == 5 ? argv[4] : NULL);
	if (!strcmp(argv[1], "wait") && argc == 4)
		return cmd_wait(atof(argv[2]), atoi(argv[3]));
	if (!strcmp(argv[1], "phc") && (argc == 3 || argc == 4))
		return cmd_phc(argv[2], argc == 4 ? atoi(argv[3]) : 1000);
	usage();
	return 2;
}
