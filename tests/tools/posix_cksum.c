// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX cksum(1) of a file or stdin, printed as "<crc> <size>" (the guest's
 * busybox has no cksum): the HGFS tests compare it with the host's copy,
 * which the vmware-hgfs device reports the same way (host-cksum).
 * Usage: posix_cksum [FILE]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static uint32_t update(uint32_t crc, const unsigned char *p, size_t n)
{
	size_t i;
	int bit;

	for (i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
	}
	return crc;
}

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 16];
	unsigned char len_bytes[8];
	uint64_t total = 0, v;
	uint32_t crc = 0;
	int fd = 0, k = 0;
	ssize_t got;

	if (argc > 1 && (fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		crc = update(crc, buf, (size_t)got);
		total += (uint64_t)got;
	}
	if (got < 0) {
		perror("read");
		return 1;
	}
	for (v = total; v; v >>= 8)
		len_bytes[k++] = (unsigned char)v;
	printf("%u %llu\n", ~update(crc, len_bytes, (size_t)k), (unsigned long long)total);
	return 0;
}
