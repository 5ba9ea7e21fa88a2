// SPDX-License-Identifier: GPL-2.0
/*
 * The creator's open of a new file: open(FILE, O_CREAT | O_EXCL | O_RDWR,
 * MODE), a write and a pread back through that one descriptor. POSIX lets
 * the creator read and write whatever MODE says (0444 included); EEXIST
 * when FILE exists. Prints "ok" or the failed call and its error; exits 0
 * only for "ok".
 * Usage: creat_rw [-U UID] FILE MODE   (MODE in octal; -U: as UID and GID)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char msg[] = "written by the creator\n";
	char back[sizeof(msg)];
	int fd;

	if (argc == 5 && !strcmp(argv[1], "-U")) {
		unsigned long id = strtoul(argv[2], NULL, 10);

		if (setgroups(0, NULL) || setgid((gid_t)id) || setuid((uid_t)id)) {
			printf("setuid: %s\n", strerror(errno));
			return 1;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: creat_rw [-U UID] FILE MODE\n");
		return 2;
	}
	fd = open(argv[1], O_CREAT | O_EXCL | O_RDWR, (mode_t)strtoul(argv[2], NULL, 8));
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	if (write(fd, msg, sizeof(msg) - 1) != (ssize_t)sizeof(msg) - 1) {
		printf("write: %s\n", strerror(errno));
		return 1;
	}
	memset(back, 0, sizeof(back));
	if (pread(fd, back, sizeof(msg) - 1, 0) != (ssize_t)sizeof(msg) - 1 ||
	    memcmp(back, msg, sizeof(msg) - 1)) {
		printf("pread: %s\n", errno ? strerror(errno) : "other bytes");
		return 1;
	}
	if (close(fd)) {
		printf("close: %s\n", strerror(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}
