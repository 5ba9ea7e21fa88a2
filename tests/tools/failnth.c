// SPDX-License-Identifier: GPL-2.0
/*
 * failnth: error-path walks with the kernel's per-task fault injection
 * (/proc/thread-self/fail-nth, the debug kernel line), as syzkaller does:
 * for N = 1, 2, ... the N-th fault site the call reaches (a slab or page
 * allocation, a user copy) fails; the call must end with an errno and leave
 * nothing behind, and the same call without injection must then succeed.
 * The walk ends at the first N the call no longer reaches.
 *
 *   failnth load MAX NAME KO [PARAMS]   finit_module of KO (module NAME)
 *   failnth vmsync MAX PATH,...         open of the vmsync node, then a
 *                                       FREEZE_EX of the paths and THAW
 *   failnth mount MAX TYPE SOURCE DIR   mount(2) of SOURCE on DIR, then
 *                                       umount
 *
 * Prints one line per injected failure ("nth N: errno") and a summary;
 * exit 0 only if every step held, 77 if the kernel has no fail-nth.
 * Leaks are the kmemleak check's job (the bed scans after the VM's tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pvtools/vmsync_abi.h>

static int nth_fd = -1;
static int failed;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	failed = 1;
}

/* Arms the N-th fault site of this task's next calls (0 disarms). */
static void arm(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(nth_fd, buf, len, 0) != len) {
		/*
		 * The write's own copy from user space is a fault site too
		 * (fail_usercopy). When disarming, it failing means it was the
		 * armed one: the fault is spent and nothing is armed any more.
		 */
		if (!n && errno == EFAULT)
			return;
		printf("FAIL writing fail-nth: %s\n", strerror(errno));
		exit(2);
	}
}

/* True if the armed fault was injected; disarms in any case. */
static int injected(void)
{
	char buf[16] = "";
	int left;

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) < 0) {
		/*
		 * The read's copy to user space is a fault site as well: it
		 * failing means the armed fault was still pending when the call
		 * returned, so the call did not reach it (and it is spent now).
		 */
		if (errno == EFAULT) {
			arm(0);
			return 0;
		}
		printf("FAIL reading fail-nth: %s\n", strerror(errno));
		exit(2);
	}
	left = atoi(buf);
	arm(0);
	return left == 0;
}

/*
 * What an injected failure may turn into: the allocation's ENOMEM or the
 * copy's EFAULT. Anything else (EINVAL, EIO, ENODEV...) hides the cause
 * from the caller and is reported.
 */
static void check_errno(const char *what, int n, int err)
{
	if (err != ENOMEM && err != EFAULT)
		fail("%s: fault %d became %s, not ENOMEM or EFAULT", what, n, strerror(err));
}

static int module_loaded(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return stat(path, &st) == 0;
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* One load of @ko, with the @n-th fault armed (0: none); -1 and errno on failure. */
static int load(const char *ko, const char *params, int n, int *hit)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret, err;

	if (fd < 0) {
		printf("FAIL open %s: %s\n", ko, strerror(errno));
		exit(2);
	}
	if (n)
		arm(n);
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	*hit = n ? injected() : 0;
	close(fd);
	errno = err;
	return ret;
}

static int walk_load(int max, const char *name, const char *ko, const char *params)
{
	int n, hit, ret, err, faults = 0, ok_anyway = 0;

	if (module_loaded(name) && unload(name)) {
		printf("FAIL %s is loaded and cannot be removed: %s\n", name, strerror(errno));
		return 1;
	}
	for (n = 1; n <= max; n++) {
		ret = load(ko, params, n, &hit);
		if (!hit) {
			/* The load no longer reaches an N-th fault site: the walk is over. */
			if (ret)
				fail("load %s without a fault (n=%d): %s", name, n, strerror(errno));
			else if (unload(name))
				fail("unload %s (n=%d): %s", name, n, strerror(errno));
			break;
		}
		faults++;
		if (!ret) {
			/* A fault the module (or the loader) tolerated: it must work and go. */
			ok_anyway++;
			if (unload(name))
				fail("unload %s after a tolerated fault %d: %s", name, n, strerror(errno));
			continue;
		}
		err = errno;
		printf("nth %d: %s\n", n, strerror(err));
		check_errno(name, n, err);
		if (module_loaded(name)) {
			fail("%s still present after failed load %d", name, n);
			unload(name);
		}
		/* The next attempt, without injection, succeeds. */
		if (load(ko, params, 0, &hit))
			fail("load %s after fault %d: %s", name, n, strerror(errno));
		else if (unload(name))
			fail("unload %s after fault %d: %s", name, n, strerror(errno));
	}
	if (n > max)
		fail("walk of %s did not end within %d faults", name, max);
	printf("load %s: %d faults injected, %d tolerated, walk ended at %d\n", name, faults,
	       ok_anyway, n);
	/* Leave it loaded, as the VM found it. */
	if (load(ko, params, 0, &hit))
		fail("final load of %s: %s", name, strerror(errno));
	return failed;
}

static int vmsync_status(int fd, struct vmsync_status *st)
{
	*st = (struct vmsync_status){ .size = sizeof(*st) };
	return ioctl(fd, VMSYNC_IOC_STATUS, st);
}

/* FREEZE_EX of @count NUL-separated paths, then THAW; the fault armed at @n. */
static int vmsync_once(int fd, const char *paths, size_t len, unsigned int count, int n,
		       int *hit)
{
	struct vmsync_fs_result res[VMSYNC_MAX_TARGETS];
	struct vmsync_freeze_ex req = { .size = sizeof(req) };
	int ret, err;

	req.count = count;
	req.timeout_ms = 60000;
	req.targets = (uintptr_t)paths;
	req.targets_len = len;
	req.results = (uintptr_t)res;
	if (n)
		arm(n);
	ret = ioctl(fd, VMSYNC_IOC_FREEZE_EX, &req);
	err = errno;
	*hit = n ? injected() : 0;
	/* Whatever it froze, THAW lets go of it. */
	ioctl(fd, VMSYNC_IOC_THAW);
	errno = err;
	return ret;
}

static void vmsync_clean(int fd, const char *what, int n)
{
	struct vmsync_status st;
	int q = -1;

	if (vmsync_status(fd, &st) || ioctl(fd, VMSYNC_IOC_QUERY, &q)) {
		fail("status after %s %d: %s", what, n, strerror(errno));
		return;
	}
	if (st.frozen || st.frozen_total || q)
		fail("%s %d left something frozen (frozen=%u total=%u query=%d)", what, n, st.frozen, st.frozen_total, q);
}

static int walk_vmsync(int max, char *list)
{
	char buf[4096];
	size_t len = 0;
	unsigned int count = 0;
	int n, fd, hit, ret, faults = 0, ok_anyway = 0;
	char *tok;

	for (tok = strtok(list, ","); tok && count < VMSYNC_MAX_TARGETS; tok = strtok(NULL, ",")) {
		if (len + strlen(tok) + 1 > sizeof(buf))
			break;
		strcpy(buf + len, tok);
		len += strlen(tok) + 1;
		count++;
	}

	/* open() of the node. */
	for (n = 1; n <= max; n++) {
		arm(n);
		fd = open(VMSYNC_PROC_PATH, O_RDONLY);
		ret = fd < 0 ? errno : 0;
		hit = injected();
		if (fd >= 0)
			close(fd);
		if (!hit)
			break;
		faults++;
		if (ret) {
			printf("open nth %d: %s\n", n, strerror(ret));
			check_errno("open", n, ret);
		} else {
			ok_anyway++;
		}
		fd = open(VMSYNC_PROC_PATH, O_RDONLY);
		if (fd < 0)
			fail("open after fault %d: %s", n, strerror(errno));
		else
			close(fd);
	}
	if (n > max)
		fail("open walk did not end within %d faults", max);
	printf("open: %d faults injected, %d tolerated, walk ended at %d\n", faults, ok_anyway, n);

	fd = open(VMSYNC_PROC_PATH, O_RDONLY);
	if (fd < 0) {
		printf("FAIL open %s: %s\n", VMSYNC_PROC_PATH, strerror(errno));
		return 1;
	}
	faults = ok_anyway = 0;
	for (n = 1; n <= max; n++) {
		ret = vmsync_once(fd, buf, len, count, n, &hit);
		if (!hit) {
			if (ret)
				fail("freeze without a fault (n=%d): %s", n, strerror(errno));
			vmsync_clean(fd, "freeze without a fault", n);
			break;
		}
		faults++;
		if (ret) {
			ret = errno;
			printf("freeze nth %d: %s\n", n, strerror(ret));
			check_errno("freeze", n, ret);
		} else {
			ok_anyway++;
		}
		vmsync_clean(fd, "fault", n);
		if (vmsync_once(fd, buf, len, count, 0, &hit))
			fail("freeze after fault %d: %s", n, strerror(errno));
		vmsync_clean(fd, "freeze after fault", n);
	}
	if (n > max)
		fail("freeze walk did not end within %d faults", max);
	printf("freeze: %d faults injected, %d tolerated, walk ended at %d\n", faults, ok_anyway,
	       n);
	close(fd);
	return failed;
}

static int mounted(const char *dir)
{
	char line[4096], needle[4096 + 2];
	FILE *f = fopen("/proc/self/mounts", "r");
	int found = 0;

	if (!f)
		return 0;
	snprintf(needle, sizeof(needle), " %s ", dir);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static int walk_mount(int max, const char *type, const char *src, const char *dir)
{
	int n, hit, ret, err, faults = 0, ok_anyway = 0;

	if (mounted(dir)) {
		printf("FAIL %s is mounted already\n", dir);
		return 1;
	}
	for (n = 1; n <= max; n++) {
		arm(n);
		ret = mount(src, dir, type, 0, NULL);
		err = errno;
		hit = injected();
		if (!hit) {
			if (ret)
				fail("mount without a fault (n=%d): %s", n, strerror(err));
			else if (umount(dir))
				fail("umount (n=%d): %s", n, strerror(errno));
			break;
		}
		faults++;
		if (!ret) {
			/* A fault the file system tolerated: the mount must work and go. */
			ok_anyway++;
			if (umount(dir))
				fail("umount after a tolerated fault %d: %s", n, strerror(errno));
			continue;
		}
		printf("nth %d: %s\n", n, strerror(err));
		check_errno("mount", n, err);
		if (mounted(dir)) {
			fail("%s mounted after failed mount %d", dir, n);
			umount(dir);
		}
		/* The next attempt, without injection, succeeds. */
		if (mount(src, dir, type, 0, NULL))
			fail("mount after fault %d: %s", n, strerror(errno));
		else if (umount(dir))
			fail("umount after fault %d: %s", n, strerror(errno));
	}
	if (n > max)
		fail("mount walk did not end within %d faults", max);
	printf("mount %s: %d faults injected, %d tolerated, walk ended at %d\n", type, faults,
	       ok_anyway, n);
	return failed;
}

int main(int argc, char **argv)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		printf("no /proc/thread-self/fail-nth (kernel without CONFIG_FAULT_INJECTION)\n");
		return 77;
	}
	if (argc >= 5 && !strcmp(argv[1], "load"))
		return walk_load(atoi(argv[2]), argv[3], argv[4], argc > 5 ? argv[5] : "");
	if (argc == 4 && !strcmp(argv[1], "vmsync"))
		return walk_vmsync(atoi(argv[2]), argv[3]);
	if (argc == 6 && !strcmp(argv[1], "mount"))
		return walk_mount(atoi(argv[2]), argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: failnth load MAX NAME KO [PARAMS] | failnth vmsync MAX PATH,... | "
		"failnth mount MAX TYPE SOURCE DIR\n");
	return 2;
}
