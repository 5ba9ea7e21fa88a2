// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD library for the vmsync end-to-end tests: makes FIFREEZE and
 * FITHAW look absent (ENOTTY, as on a kernel without them) to the program it
 * is loaded into, so a real open-vm-tools agent falls back to the classic
 * /proc/driver/vmware-sync interface. Every refusal is appended to the file
 * named by $NOFIFREEZE_LOG, which proves the agent took this path.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

typedef int ioctl_fn(int fd, unsigned long request, ...);

static void note_refusal(int fd, unsigned long request)
{
	const char *path = getenv("NOFIFREEZE_LOG");
	char line[128];
	int saved = errno;
	int log, len;

	if (!path)
		return;
	log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log < 0)
		return;
	len = snprintf(line, sizeof(line), "pid %d fd %d %s -> ENOTTY\n", (int)getpid(), fd,
		       request == FIFREEZE ? "FIFREEZE" : "FITHAW");
	if (len > 0 && write(log, line, (size_t)len) < 0)
		len = 0;
	close(log);
	errno = saved;
}

/* glibc's prototype: the third argument, when there is one, is a pointer or int. */
int ioctl(int fd, unsigned long request, ...)
{
	static ioctl_fn *real_ioctl;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (request == FIFREEZE || request == FITHAW) {
		note_refusal(fd, request);
		errno = ENOTTY;
		return -1;
	}
	if (!real_ioctl)
		real_ioctl = (ioctl_fn *)dlsym(RTLD_NEXT, "ioctl");
	if (!real_ioctl) {
		errno = ENOSYS;
		return -1;
	}
	return real_ioctl(fd, request, arg);
}
