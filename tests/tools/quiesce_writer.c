// SPDX-License-Identifier: GPL-2.0
/*
 * A steady writer for the quiesce tests: every round writes 4 KiB to each
 * file and fdatasync()s it, so each round reaches the disks; a frozen
 * filesystem blocks it. After each round it publishes its progress in a
 * state file (rounds, longest round in ms) that a test reads to see the
 * writer stall during a freeze and resume after.
 *
 *   quiesce_writer -s STATE [-i INTERVAL_MS] FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK		4096
#define BLOCKS_PER_FILE	256

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int publish(const char *state, unsigned long long rounds, long long max_round_ms,
		   long long last_round_ms)
{
	char tmp[4096], text[128];
	int fd, len;

	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	len = snprintf(text, sizeof(text), "rounds %llu\nmax_round_ms %lld\nlast_round_ms %lld\n",
		       rounds, max_round_ms, last_round_ms);
	if (write(fd, text, (size_t)len) != len) {
		close(fd);
		return -1;
	}
	close(fd);
	return rename(tmp, state);
}

static void usage(void)
{
	fprintf(stderr, "usage: quiesce_writer -s STATE [-i INTERVAL_MS] FILE...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char block[BLOCK];
	unsigned long long rounds = 0;
	long long max_round_ms = 0;
	const char *state = NULL;
	int interval_ms = 20;
	int opt, i, nfiles;
	int *fds;

	while ((opt = getopt(argc, argv, "s:i:")) != -1) {
		if (opt == 's')
			state = optarg;
		else if (opt == 'i')
			interval_ms = atoi(optarg);
		else
			usage();
	}
	nfiles = argc - optind;
	if (!state || nfiles < 1 || interval_ms < 0)
		usage();
	fds = calloc((size_t)nfiles, sizeof(*fds));
	if (!fds)
		return 1;
	for (i = 0; i < nfiles; i++) {
		fds[i] = open(argv[optind + i], O_WRONLY | O_CREAT, 0644);
		if (fds[i] < 0) {
			fprintf(stderr, "quiesce_writer: %s: %s\n", argv[optind + i],
				strerror(errno));
			return 1;
		}
	}
	memset(block, 0x5a, sizeof(block));
	for (;;) {
		long long start = now_ms(), took;
		off_t offset = (off_t)(rounds % BLOCKS_PER_FILE) * BLOCK;

		for (i = 0; i < nfiles; i++) {
			if (pwrite(fds[i], block, BLOCK, offset) != BLOCK || fdatasync(fds[i])) {
				fprintf(stderr, "quiesce_writer: %s: %s\n", argv[optind + i],
					strerror(errno));
				return 1;
			}
		}
		rounds++;
		took = now_ms() - start;
		if (took > max_round_ms)
			max_round_ms = took;
		if (publish(state, rounds, max_round_ms, took))
			fprintf(stderr, "quiesce_writer: %s: %s\n", state, strerror(errno));
		if (interval_ms)
			usleep((useconds_t)interval_ms * 1000);
	}
}
