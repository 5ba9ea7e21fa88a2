// SPDX-License-Identifier: GPL-2.0
/*
 * vmsync_io: I/O helpers for the vmsync tests.
 *   vmsync_io fill FILE TOKEN KIB   write KIB KiB of TOKEN repeated, no sync
 *   vmsync_io find DEV TOKEN        read DEV with O_DIRECT (past the page
 *                                   cache) and exit 0 if TOKEN is on it
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK	(1 << 20)

static int fill(const char *file, const char *token, long kib)
{
	size_t tlen = strlen(token), off;
	char buf[1024];
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long i;

	if (fd < 0 || !tlen) {
		perror(file);
		return 2;
	}
	for (off = 0; off < sizeof(buf); off++)
		buf[off] = token[off % tlen];
	for (i = 0; i < kib; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			perror("write");
			return 2;
		}
	return close(fd) ? 2 : 0;
}

static int find(const char *dev, const char *token)
{
	size_t tlen = strlen(token);
	long long pos = 0;
	char *buf;
	ssize_t n;
	int fd = open(dev, O_RDONLY | O_DIRECT);

	if (fd < 0 || posix_memalign((void **)&buf, 4096, CHUNK + 4096)) {
		perror(dev);
		return 2;
	}
	while ((n = read(fd, buf, CHUNK)) > 0) {
		/* Tokens repeat, so one wholly inside a chunk is enough. */
		if (memmem(buf, n, token, tlen)) {
			printf("found at chunk %lld\n", pos / CHUNK);
			return 0;
		}
		pos += n;
	}
	if (n < 0) {
		perror("read");
		return 2;
	}
	printf("not found in %lld bytes\n", pos);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "fill"))
		return fill(argv[2], argv[3], atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "find"))
		return find(argv[2], argv[3]);
	fprintf(stderr, "usage: vmsync_io fill FILE TOKEN KIB | find DEV TOKEN\n");
	return 2;
}
