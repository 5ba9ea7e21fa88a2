// SPDX-License-Identifier: GPL-2.0
/*
 * Freeze+thaw latency of a set of filesystems, the two ways an agent does
 * it: through vmsync (open /proc/driver/vmware-sync, classic FREEZE with the
 * ':'-joined paths, THAW, close) and with FIFREEZE (open each mount point,
 * FIFREEZE each, FITHAW in reverse order, close), as open-vm-tools' two
 * backends do. Repetitions alternate between the two so load drift hits
 * both alike. Prints BENCH lines (p50, p99 in microseconds) and the RATIO of
 * the medians.
 *
 * With -w it measures instead the freeze window, first filesystem frozen to
 * last frozen (applications writing to the first are blocked all along),
 * both with CLOCK_BOOTTIME taken right after each freeze completed: for
 * vmsync the freeze times LIST reports (the driver stamps each filesystem
 * once freeze_super() returned), for FIFREEZE the return of each FIFREEZE.
 * The return to userspace costs the same for every FIFREEZE and cancels in
 * the difference. vmsync resolves every path before its first freeze, so
 * in window mode every mount point is opened before the first FIFREEZE too:
 * both windows hold freezes only, no path lookup.
 *
 * RATIO is ours/fifreeze as a speed: the baseline's median time over ours,
 * higher is better (as every RATIO of the benchmarks).
 *
 *   quiesce_bench [-w] -n REPS -c CASE PATH...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include <pvtools/vmsync_abi.h>

#define MAX_PATHS	16
/* Between repetitions, so the writer dirties something for the next freeze. */
#define PAUSE_US	20000

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "quiesce_bench: %s %s: %s\n", what, path ? path : "", strerror(errno));
	return -1;
}

static long long boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Last frozen_ns minus first of what the driver holds frozen now. */
static int vmsync_window(int fd, long long *window)
{
	struct vmsync_frozen_fs e[MAX_PATHS];
	struct vmsync_list list = { .size = sizeof(list), .count = MAX_PATHS,
				    .entries = (unsigned long)e };
	long long first = 0, last = 0;
	unsigned int i;

	if (ioctl(fd, VMSYNC_IOC_LIST, &list))
		return fail("vmsync LIST", NULL);
	for (i = 0; i < list.count && i < MAX_PATHS; i++) {
		if (!first || (long long)e[i].frozen_ns < first)
			first = (long long)e[i].frozen_ns;
		if ((long long)e[i].frozen_ns > last)
			last = (long long)e[i].frozen_ns;
	}
	*window = last - first;
	return 0;
}

/* @window NULL: latency run, nothing but FREEZE and THAW between open and close. */
static int freeze_thaw_vmsync(const char *joined, long long *window)
{
	int fd = open(VMSYNC_PROC_PATH, O_RDONLY);
	int ret = 0;

	if (fd < 0)
		return fail("open", VMSYNC_PROC_PATH);
	if (ioctl(fd, VMSYNC_IOC_FREEZE, joined))
		ret = fail("vmsync FREEZE", joined);
	else if (window && vmsync_window(fd, window))
		ret = -1;
	if (!ret && ioctl(fd, VMSYNC_IOC_THAW))
		ret = fail("vmsync THAW", joined);
	close(fd);
	return ret;
}

static int freeze_thaw_fifreeze(char **paths, int count, long long *window)
{
	long long first = 0, last = 0;
	int fds[MAX_PATHS];
	int opened = 0, frozen = 0, ret = 0, i;

	/* The latency run opens each just before its freeze, as an agent does. */
	for (i = 0; window && i < count; i++, opened++) {
		fds[i] = open(paths[i], O_RDONLY);
		if (fds[i] < 0) {
			ret = fail("open", paths[i]);
			break;
		}
	}
	for (i = 0; !ret && i < count; i++) {
		if (i >= opened) {
			fds[i] = open(paths[i], O_RDONLY);
			if (fds[i] < 0) {
				ret = fail("open", paths[i]);
				break;
			}
			opened++;
		}
		if (ioctl(fds[i], FIFREEZE, 0)) {
			ret = fail("FIFREEZE", paths[i]);
			break;
		}
		if (window) {
			last = boot_ns();
			if (!frozen)
				first = last;
		}
		frozen++;
	}
	if (window)
		*window = last - first;
	for (i = opened - 1; i >= 0; i--) {
		if (i < frozen && ioctl(fds[i], FITHAW, 0))
			ret = fail("FITHAW", paths[i]);
		close(fds[i]);
	}
	return ret;
}

static int compare(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples, in microseconds. */
static double percentile_us(const long long *sorted, int n, int pct)
{
	int rank = (pct * n + 99) / 100;

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1] / 1000.0;
}

static void usage(void)
{
	fprintf(stderr, "usage: quiesce_bench [-w] -n REPS -c CASE PATH...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long long *ours, *theirs;
	char joined[MAX_PATHS * 256] = "";
	const char *name = NULL, *what = "freeze-thaw";
	int reps = 0, opt, count, i;
	bool window = false;
	char **paths;
	double ours50, theirs50;

	while ((opt = getopt(argc, argv, "wn:c:")) != -1) {
		if (opt == 'w')
			window = true;
		else if (opt == 'n')
			reps = atoi(optarg);
		else if (opt == 'c')
			name = optarg;
		else
			usage();
	}
	paths = argv + optind;
	count = argc - optind;
	if (reps < 1 || !name || count < 1 || count > MAX_PATHS)
		usage();
	for (i = 0; i < count; i++) {
		if (strlen(joined) + strlen(paths[i]) + 2 > sizeof(joined))
			usage();
		if (i)
			strcat(joined, ":");
		strcat(joined, paths[i]);
	}
	ours = calloc((size_t)reps, sizeof(*ours));
	theirs = calloc((size_t)reps, sizeof(*theirs));
	if (!ours || !theirs)
		return 1;

	for (i = 0; i < 2 * reps; i++) {
		/* ours, theirs, theirs, ours, ...: neither always goes first. */
		bool vmsync = (i % 4 == 0 || i % 4 == 3);
		long long *sample = &(vmsync ? ours : theirs)[i / 2];
		long long t0 = now_ns(), *w = window ? sample : NULL;

		if (vmsync ? freeze_thaw_vmsync(joined, w) : freeze_thaw_fifreeze(paths, count, w))
			return 1;
		if (!window)
			*sample = now_ns() - t0;
		usleep(PAUSE_US);
	}
	qsort(ours, (size_t)reps, sizeof(*ours), compare);
	qsort(theirs, (size_t)reps, sizeof(*theirs), compare);
	ours50 = percentile_us(ours, reps, 50);
	theirs50 = percentile_us(theirs, reps, 50);
	if (window)
		what = "freeze-window";
	printf("BENCH vmsync %s-%s-ours-p50 %.1f us\n", what, name, ours50);
	printf("BENCH vmsync %s-%s-ours-p99 %.1f us\n", what, name, percentile_us(ours, reps, 99));
	printf("BENCH vmsync %s-%s-fifreeze-p50 %.1f us\n", what, name, theirs50);
	printf("BENCH vmsync %s-%s-fifreeze-p99 %.1f us\n", what, name,
	       percentile_us(theirs, reps, 99));
	/* A speed, as every RATIO: higher is better for ours. */
	printf("RATIO vmsync ours/fifreeze-%s%s %.2f\n", window ? "window-" : "", name,
	       ours50 > 0 ? theirs50 / ours50 : 0);
	free(ours);
	free(theirs);
	return 0;
}
