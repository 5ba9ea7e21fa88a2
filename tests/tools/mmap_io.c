// SPDX-License-Identifier: GPL-2.0
/*
 * Shared writable mmap on a file system under test. Each mode keeps the
 * file's expected content in memory and writes it to REF (a file elsewhere)
 * at the end, so the caller compares the file, and the host's copy of it,
 * with REF. Prints what it checked; exits 0 when everything held.
 *
 * Usage:
 *   mmap_io rand FILE REF SIZE COUNT SEED HOW
 *	FILE made SIZE bytes long (ftruncate), COUNT stores of 1..8192
 *	random bytes at random offsets through a MAP_SHARED mapping, then
 *	HOW: "msync" (msync(MS_SYNC) must succeed), "fsync" (fsync of the
 *	descriptor), or "detach" (the descriptor closed before the stores,
 *	no sync at all: munmap and exit leave dirty pages to writeback or
 *	unmount).
 *   mmap_io mix FILE REF SIZE COUNT SEED
 *	stores through the mapping interleaved with pwrite() of random
 *	ranges: after each pwrite() the mapping shows its bytes, after each
 *	store pread() shows it; msync at the end.
 *   mmap_io trunc FILE REF
 *	a 64 KiB mapped file with dirty pages is cut to 10000 bytes with
 *	ftruncate: the bytes after 10000 in the last page read zero, the
 *	page after it faults SIGBUS; a store below 10000; grown back to
 *	64 KiB: the grown part reads zero. msync at the end.
 *   mmap_io eio FILE REF ON OFF
 *	a store through the mapping, then the shell command ON (a host
 *	fault), then msync must fail with EIO (and after a second store,
 *	fsync with EIO); then the command OFF: a store, msync and fsync
 *	succeed.
 *   mmap_io map FILE KIND
 *	maps FILE's first page: KIND "shared-rw" (open O_RDWR, MAP_SHARED,
 *	PROT_WRITE), "shared-ro" (O_RDONLY, MAP_SHARED, PROT_READ) or
 *	"private" (O_RDONLY, MAP_PRIVATE, PROT_WRITE, a store); prints "ok"
 *	or the call that failed and its error, exits 0 only for "ok".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)next();
}

static int fail(const char *what)
{
	fprintf(stderr, "mmap_io: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_ref(const char *path, const unsigned char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n || close(fd))
		return fail(path);
	return 0;
}

/* A file of @size zero bytes, open read-write, mapped shared. */
static unsigned char *map_new(const char *path, size_t size, int *fdp)
{
	unsigned char *m;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		fail(path);
		return NULL;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		fail("mmap");
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return m;
}

static void rand_store(unsigned char *m, unsigned char *ref, size_t size)
{
	size_t off = next() % size;
	size_t len = 1 + next() % 8192;

	if (len > size - off)
		len = size - off;
	fill(ref + off, len);
	memcpy(m + off, ref + off, len);
}

static int mode_rand(char **av)
{
	size_t size = strtoull(av[2], NULL, 0);
	long count = strtol(av[3], NULL, 0), i;
	const char *how = av[5];
	unsigned char *m, *ref = calloc(1, size);
	int fd;

	rng = strtoull(av[4], NULL, 0) | 1;
	m = map_new(av[0], size, &fd);
	if (!m || !ref)
		return 1;
	if (!strcmp(how, "detach") && close(fd))
		return fail("close");
	for (i = 0; i < count; i++)
		rand_store(m, ref, size);
	if (!strcmp(how, "msync") && msync(m, size, MS_SYNC))
		return fail("msync");
	if (!strcmp(how, "fsync") && fsync(fd))
		return fail("fsync");
	if (munmap(m, size))
		return fail("munmap");
	if (strcmp(how, "detach") && close(fd))
		return fail("close");
	printf("%ld stores into %zu bytes, then %s\n", count, size, how);
	return write_ref(av[1], ref, size);
}

static int mode_mix(char **av)
{
	size_t size = strtoull(av[2], NULL, 0);
	long count = strtol(av[3], NULL, 0), i;
	unsigned char *m, *ref = calloc(1, size), *buf = malloc(8192);
	int fd;

	rng = strtoull(av[4], NULL, 0) | 1;
	m = map_new(av[0], size, &fd);
	if (!m || !ref || !buf)
		return 1;
	for (i = 0; i < count; i++) {
		size_t off = next() % size;
		size_t len = 1 + next() % 8192;

		if (len > size - off)
			len = size - off;
		if (i & 1) {
			fill(ref + off, len);
			if (pwrite(fd, ref + off, len, (off_t)off) != (ssize_t)len)
				return fail("pwrite");
			if (memcmp(m + off, ref + off, len)) {
				printf("round %ld: the mapping misses pwrite() of %zu at %zu\n",
				       i, len, off);
				return 1;
			}
		} else {
			fill(ref + off, len);
			memcpy(m + off, ref + off, len);
			if (pread(fd, buf, len, (off_t)off) != (ssize_t)len)
				return fail("pread");
			if (memcmp(buf, ref + off, len)) {
				printf("round %ld: pread() misses a store of %zu at %zu\n",
				       i, len, off);
				return 1;
			}
		}
	}
	if (memcmp(m, ref, size)) {
		printf("the mapping differs from the expected content\n");
		return 1;
	}
	if (msync(m, size, MS_SYNC))
		return fail("msync");
	munmap(m, size);
	close(fd);
	printf("%ld rounds of stores and pwrite() over %zu bytes coherent\n", count, size);
	return write_ref(av[1], ref, size);
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

static int mode_trunc(char **av)
{
	const size_t size = 65536, cut = 10000;
	unsigned char *m, *ref = calloc(1, size), *buf = malloc(size);
	volatile unsigned char *vm;
	size_t i;
	int fd;

	rng = 12345;
	m = map_new(av[0], size, &fd);
	if (!m || !ref || !buf)
		return 1;
	vm = m;
	fill(ref, size);
	memcpy(m, ref, size);
	if (ftruncate(fd, (off_t)cut))
		return fail("ftruncate down");
	memset(ref + cut, 0, size - cut);
	for (i = cut; i < 12288; i++)
		if (vm[i]) {
			printf("byte %zu past the new end reads %u\n", i, vm[i]);
			return 1;
		}
	signal(SIGBUS, on_bus);
	if (!sigsetjmp(bus_jmp, 1)) {
		(void)vm[12288];
		printf("no SIGBUS past the truncated end\n");
		return 1;
	}
	signal(SIGBUS, SIG_DFL);
	fill(ref + 100, 5000);
	memcpy(m + 100, ref + 100, 5000);
	/* A store past the end of file in the last page is no file data. */
	memset(m + cut, 0xaa, 100);
	if (ftruncate(fd, (off_t)size))
		return fail("ftruncate up");
	if (pread(fd, buf, size, 0) != (ssize_t)size)
		return fail("pread");
	if (memcmp(buf, ref, size)) {
		for (i = 0; i < size && buf[i] == ref[i]; i++)
			;
		printf("after growing back: byte %zu is %u, expected %u\n", i, buf[i], ref[i]);
		return 1;
	}
	if (msync(m, size, MS_SYNC))
		return fail("msync");
	munmap(m, size);
	close(fd);
	printf("cut to %zu with dirty pages, SIGBUS past it, grown back to %zu with zeroes\n",
	       cut, size);
	return write_ref(av[1], ref, size);
}

static int mode_eio(char **av)
{
	const size_t size = 3 * 4096 + 100;
	unsigned char *m, *ref = malloc(size);
	int fd, e;

	if (!ref)
		return 1;
	m = map_new(av[0], size, &fd);
	if (!m)
		return 1;
	memset(m, 'a', size);
	if (msync(m, size, MS_SYNC))
		return fail("msync before the fault");
	memset(m, 'b', size);
	if (system(av[2]))
		return fail(av[2]);
	errno = 0;
	e = msync(m, size, MS_SYNC) ? errno : 0;
	printf("msync under the fault: %s\n", strerror(e));
	if (e != EIO)
		return 1;
	memset(m + 5000, 'c', 10);
	e = fsync(fd) ? errno : 0;
	printf("fsync under the fault: %s\n", strerror(e));
	if (e != EIO)
		return 1;
	if (system(av[3]))
		return fail(av[3]);
	memset(m, 'd', size);
	if (msync(m, size, MS_SYNC))
		return fail("msync after the fault");
	if (fsync(fd))
		return fail("fsync after the fault");
	munmap(m, size);
	if (close(fd))
		return fail("close");
	printf("msync and fsync succeed again once the fault is off\n");
	memset(ref, 'd', size);
	return write_ref(av[1], ref, size);
}

static int mode_map(char **av)
{
	int shared_rw = !strcmp(av[1], "shared-rw");
	int private = !strcmp(av[1], "private");
	unsigned char *m;
	int fd;

	fd = open(av[0], shared_rw ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	m = mmap(NULL, 4096, PROT_READ | (shared_rw || private ? PROT_WRITE : 0),
		 private ? MAP_PRIVATE : MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		return 1;
	}
	if (private)
		m[0] ^= 1;
	printf("ok (first byte %u)\n", m[0]);
	munmap(m, 4096);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "map"))
		return mode_map(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "rand"))
		return mode_rand(argv + 2);
	if (argc == 7 && !strcmp(argv[1], "mix"))
		return mode_mix(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "trunc"))
		return mode_trunc(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "eio"))
		return mode_eio(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of mmap_io.c\n");
	return 2;
}
