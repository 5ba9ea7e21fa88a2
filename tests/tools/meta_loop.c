// SPDX-License-Identifier: GPL-2.0
/*
 * The HGFS bench's metadata loop in one process: in DIR/meta, create N
 * empty files (open O_CREAT|O_TRUNC, close), stat each, list the directory
 * (N entries expected), unlink each, remove the directory. A shell loop
 * spends most of its time starting `stat` 500 times, the same for every
 * client; here each phase is the file system's. Prints one line, the
 * phases' times in ms and the total; exits 1 at the first failure, with the
 * call and its error.
 * Usage: meta_loop DIR N
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int fail(const char *what, const char *path)
{
	printf("%s %s: %s\n", what, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char dir[4096], path[4200];
	double t[5];
	struct dirent *de;
	struct stat st;
	long i, n, seen = 0;
	DIR *d;
	int fd;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: meta_loop DIR N\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/meta", argv[1]);
	if (mkdir(dir, 0755))
		return fail("mkdir", dir);
	t[0] = now_ms();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (fd < 0)
			return fail("open", path);
		if (close(fd))
			return fail("close", path);
	}
	t[1] = now_ms();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		if (stat(path, &st))
			return fail("stat", path);
		if (!S_ISREG(st.st_mode) || st.st_size) {
			printf("stat %s: not an empty regular file\n", path);
			return 1;
		}
	}
	t[2] = now_ms();
	d = opendir(dir);
	if (!d)
		return fail("opendir", dir);
	errno = 0;
	while ((de = readdir(d)))
		seen += de->d_name[0] == 'f';
	if (errno)
		return fail("readdir", dir);
	closedir(d);
	if (seen != n) {
		printf("readdir %s: %ld entries, %ld expected\n", dir, seen, n);
		return 1;
	}
	t[3] = now_ms();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		if (unlink(path))
			return fail("unlink", path);
	}
	if (rmdir(dir))
		return fail("rmdir", dir);
	t[4] = now_ms();
	printf("create %.0f stat %.0f list %.0f remove %.0f total %.0f ms\n",
	       t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3], t[4] - t[0]);
	return 0;
}
