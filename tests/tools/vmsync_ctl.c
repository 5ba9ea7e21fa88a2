// SPDX-License-Identifier: GPL-2.0
/*
 * vmsync_ctl: drives the vmsync ioctls from test scripts. Runs its
 * arguments as a sequence of steps on one open file, so a freeze lives as
 * long as this process (or until a thaw step), and checks each step's
 * outcome; exit 0 only if every expectation held.
 *
 *   vmsync_ctl [-n node] [-U uid] STEP...
 *     F PATHS        classic FREEZE with a ':'-list
 *     X PATHS        FREEZE_EX with a ','-list of paths; prints per-target results
 *     M IDS          FREEZE_EX with a ','-list of mount ids
 *     T              THAW
 *     Q N            QUERY must answer N
 *     S              STATUS, printed
 *     L              LIST, printed
 *     W MS           sleep
 *     H              print "holding" and wait forever (for kill tests)
 *     P FILE         print "holding" and wait until FILE exists
 *     E ERRNO        the next step must fail with this errno (name or number)
 *     B              bad user pointers: every ioctl must fail with EFAULT
 *     C FIELD=VALUE  the last STATUS must show it (frozen, autothawed, ...)
 *     Z SIZE PATH    FREEZE_EX of PATH with a SIZE-byte header (zeros behind it)
 *     R A,.. B N     N rounds of the auto-thaw race (see autothaw_race())
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pvtools/vmsync_abi.h>

static int fd = -1;
static int expect_errno;
static int failed;
static struct vmsync_status last_status;

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EIO", EIO }, { "EFAULT", EFAULT },
	{ "EBUSY", EBUSY }, { "EINVAL", EINVAL }, { "ENOTTY", ENOTTY },
	{ "E2BIG", E2BIG }, { "ENAMETOOLONG", ENAMETOOLONG }, { "ETIMEDOUT", ETIMEDOUT },
	{ "EACCES", EACCES }, { "EALREADY", EALREADY },
};

static int parse_errno(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(s, errnos[i].name))
			return errnos[i].value;
	return atoi(s);
}

/* Checks one step's result against the pending expectation. */
static void check(const char *what, int ret)
{
	int err = ret < 0 ? errno : 0;

	if (expect_errno && err != expect_errno) {
		printf("FAIL %s: expected %s, got %s\n", what, strerror(expect_errno),
		       err ? strerror(err) : "success");
		failed = 1;
	} else if (!expect_errno && err) {
		printf("FAIL %s: %s\n", what, strerror(err));
		failed = 1;
	} else {
		printf("%s: %s\n", what, err ? strerror(err) : "ok");
	}
	expect_errno = 0;
	fflush(stdout);
}

static const char *status_name(uint32_t s)
{
	static const char *const names[] = {
		"not-tried", "frozen", "duplicate", "held", "skipped", "failed", "rolled-back",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void freeze_ex(char *list, int by_id)
{
	struct vmsync_fs_result res[VMSYNC_MAX_TARGETS];
	struct vmsync_freeze_ex req = { .size = sizeof(req) };
	uint64_t ids[VMSYNC_MAX_TARGETS];
	char buf[8192];
	size_t len = 0;
	char *tok;
	unsigned int i, n = 0;
	int ret;

	for (tok = strtok(list, ","); tok && n < VMSYNC_MAX_TARGETS; tok = strtok(NULL, ",")) {
		if (by_id) {
			ids[n++] = strtoull(tok, NULL, 0);
			continue;
		}
		if (len + strlen(tok) + 1 > sizeof(buf))
			break;
		strcpy(buf + len, tok);
		len += strlen(tok) + 1;
		n++;
	}
	req.flags = by_id ? VMSYNC_FREEZE_MNT_IDS : 0;
	req.count = n;
	req.targets = (uintptr_t)(by_id ? (void *)ids : (void *)buf);
	req.targets_len = by_id ? n * sizeof(ids[0]) : len;
	req.results = (uintptr_t)res;
	ret = ioctl(fd, VMSYNC_IOC_FREEZE_EX, &req);
	printf("freeze_ex: frozen=%u skipped=%u error=%d failed_index=%d\n", req.frozen,
	       req.skipped, req.error, (int)req.failed_index);
	for (i = 0; i < n; i++)
		printf("  target %u: %s error=%d mnt_id=%llu dev=%u:%u fstype=%s\n", i,
		       status_name(res[i].status), res[i].error,
		       (unsigned long long)res[i].mnt_id, res[i].dev_major, res[i].dev_minor,
		       res[i].fstype);
	check("freeze_ex", ret);
}

/* FREEZE_EX of @count NUL-separated @paths (@len bytes); -1 and errno on failure. */
static int freeze_paths(const char *paths, size_t len, unsigned int count, uint32_t timeout_ms,
			struct vmsync_fs_result *res)
{
	struct vmsync_freeze_ex req = { .size = sizeof(req) };

	req.count = count;
	req.timeout_ms = timeout_ms;
	req.targets = (uintptr_t)paths;
	req.targets_len = len;
	req.results = (uintptr_t)res;
	return ioctl(fd, VMSYNC_IOC_FREEZE_EX, &req);
}

/* A ','-list into NUL-separated paths in @buf; returns their count. */
static unsigned int nul_list(char *list, char *buf, size_t size, size_t *len)
{
	unsigned int n = 0;
	char *tok;

	*len = 0;
	for (tok = strtok(list, ","); tok && n < VMSYNC_MAX_TARGETS; tok = strtok(NULL, ",")) {
		if (*len + strlen(tok) + 1 > size)
			break;
		strcpy(buf + *len, tok);
		*len += strlen(tok) + 1;
		n++;
	}
	return n;
}

/* FREEZE_EX with a @size-byte header: the kernel may refuse to read that much. */
static void freeze_big_header(size_t size, const char *path)
{
	struct vmsync_freeze_ex *req;

	req = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (req == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	req->size = size;
	req->count = 1;
	req->targets = (uintptr_t)path;
	req->targets_len = strlen(path) + 1;
	check("freeze_ex big header", ioctl(fd, VMSYNC_IOC_FREEZE_EX, req));
	munmap(req, size);
}

/*
 * The auto-thaw takes a file's entries off its list, then thaws them one by
 * one, the first frozen last. A FREEZE of that first one plus a new
 * filesystem @b, made as soon as STATUS shows the entries taken, lands while
 * they are thawed. Whatever it answers, it must not report the first one
 * frozen or held unless it stays frozen until THAW, or THAW fails with
 * ETIMEDOUT (the snapshot was not quiesced). Each round: freeze the @alist
 * with a 100 ms auto-thaw, wait for the auto-thaw, freeze first+@b, let the
 * auto-thaw finish, QUERY, THAW.
 */
static void autothaw_race(char *alist, const char *b, unsigned int rounds)
{
	struct vmsync_fs_result res[VMSYNC_MAX_TARGETS];
	unsigned int n, r, held = 0, busy = 0, claimed = 0, bad = 0, slow = 0;
	char abuf[4096], pair[2048];
	size_t alen, plen;
	int ret, err, thaw, thaw_err, q;

	n = nul_list(alist, abuf, sizeof(abuf), &alen);
	plen = strlen(abuf) + 1;
	if (!n || plen + strlen(b) + 1 > sizeof(pair)) {
		printf("FAIL race: bad lists\n");
		failed = 1;
		return;
	}
	memcpy(pair, abuf, plen);
	strcpy(pair + plen, b);
	plen += strlen(b) + 1;
	for (r = 0; r < rounds; r++) {
		struct vmsync_status st;

		if (freeze_paths(abuf, alen, n, 100, res)) {
			/* Freezing them all took longer than the 100 ms: no window this round. */
			if (errno == ETIMEDOUT && ioctl(fd, VMSYNC_IOC_THAW) && errno == ETIMEDOUT) {
				slow++;
				continue;
			}
			printf("FAIL race round %u: first freeze: %s\n", r, strerror(errno));
			failed = 1;
			return;
		}
		do {
			st = (struct vmsync_status){ .size = sizeof(st) };
			if (ioctl(fd, VMSYNC_IOC_STATUS, &st)) {
				printf("FAIL race: status: %s\n", strerror(errno));
				failed = 1;
				return;
			}
		} while (st.frozen || st.remaining_ms != -1);
		memset(res, 0, sizeof(res));
		ret = freeze_paths(pair, plen, 2, 5000, res);
		err = ret ? errno : 0;
		usleep(300000);
		q = -1;
		ioctl(fd, VMSYNC_IOC_QUERY, &q);
		thaw = ioctl(fd, VMSYNC_IOC_THAW);
		thaw_err = thaw ? errno : 0;
		if (err == EBUSY)
			busy++;
		else if (!ret && res[0].status == VMSYNC_FS_HELD)
			held++;
		else if (!ret)
			claimed++;
		if (!ret && (res[0].status == VMSYNC_FS_HELD || res[0].status == VMSYNC_FS_FROZEN) &&
		    q != 2 && thaw_err != ETIMEDOUT) {
			printf("FAIL race round %u: %s reported %s, %d frozen 300 ms later, THAW %s\n",
			       r, abuf, status_name(res[0].status), q,
			       thaw ? strerror(thaw_err) : "succeeded");
			bad++;
		}
	}
	printf("race: %u rounds: %u in the window held (wrongly), %u busy, %u after it, %u bad, %u auto-thawed while freezing\n",
	       rounds, held, busy, claimed, bad, slow);
	if (bad)
		failed = 1;
}

static void status(void)
{
	struct vmsync_status st = { .size = sizeof(st) };
	int ret = ioctl(fd, VMSYNC_IOC_STATUS, &st);

	if (!ret) {
		printf("status: abi=%u frozen=%u frozen_total=%u autothawed=%u timeout_ms=%u remaining_ms=%lld autothaw_count=%llu\n",
		       st.abi_version, st.frozen, st.frozen_total, st.autothawed, st.timeout_ms,
		       (long long)st.remaining_ms, (unsigned long long)st.autothaw_count);
		last_status = st;
	}
	check("status", ret);
}

static void list(void)
{
	struct vmsync_frozen_fs e[64];
	struct vmsync_list req = { .size = sizeof(req), .count = 64,
				   .entries = (uintptr_t)e };
	unsigned int i;
	int ret = ioctl(fd, VMSYNC_IOC_LIST, &req);

	if (!ret) {
		printf("list: %u frozen\n", req.count);
		for (i = 0; i < req.count && i < 64; i++)
			printf("  %s mnt_id=%llu dev=%u:%u %s by %s[%d] deadline_in_ms=%lld\n",
			       e[i].path, (unsigned long long)e[i].mnt_id, e[i].dev_major,
			       e[i].dev_minor, e[i].fstype, e[i].owner_comm, e[i].owner_pid,
			       (long long)(e[i].deadline_ns - e[i].frozen_ns) / 1000000);
	}
	check("list", ret);
}

static void check_field(const char *spec)
{
	const char *eq = strchr(spec, '=');
	long long want = eq ? atoll(eq + 1) : 0, got;
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);

	if (!strncmp(spec, "frozen", n) && n == 6)
		got = last_status.frozen;
	else if (!strncmp(spec, "frozen_total", n))
		got = last_status.frozen_total;
	else if (!strncmp(spec, "autothawed", n))
		got = last_status.autothawed;
	else if (!strncmp(spec, "timeout_ms", n))
		got = last_status.timeout_ms;
	else {
		printf("FAIL unknown field %s\n", spec);
		failed = 1;
		return;
	}
	if (got != want) {
		printf("FAIL status %.*s=%lld, expected %lld\n", (int)n, spec, got, want);
		failed = 1;
	}
}

/* Pointers into an unmapped page and into kernel space. */
static void bad_pointers(void)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *kernel = (void *)0xffffffff81000000UL;
	void *ptrs[] = { unmapped, kernel, (void *)1 };
	struct vmsync_freeze_ex req = { .size = sizeof(req), .count = 1 };
	struct vmsync_list lreq = { .size = sizeof(lreq), .count = 4 };
	char path[] = "/";
	size_t i;

	for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		expect_errno = EFAULT;
		check("freeze bad list", ioctl(fd, VMSYNC_IOC_FREEZE, ptrs[i]));
		expect_errno = EFAULT;
		check("query bad out", ioctl(fd, VMSYNC_IOC_QUERY, ptrs[i]));
		expect_errno = EFAULT;
		check("freeze_ex bad header", ioctl(fd, VMSYNC_IOC_FREEZE_EX, ptrs[i]));
		req.targets = (uintptr_t)ptrs[i];
		req.targets_len = 2;
		expect_errno = EFAULT;
		check("freeze_ex bad targets", ioctl(fd, VMSYNC_IOC_FREEZE_EX, &req));
		req.targets = (uintptr_t)path;
		req.results = (uintptr_t)ptrs[i];
		expect_errno = EFAULT;
		check("freeze_ex bad results", ioctl(fd, VMSYNC_IOC_FREEZE_EX, &req));
		req.results = 0;
		expect_errno = EFAULT;
		check("status bad", ioctl(fd, VMSYNC_IOC_STATUS, ptrs[i]));
		expect_errno = EFAULT;
		check("list bad header", ioctl(fd, VMSYNC_IOC_LIST, ptrs[i]));
		lreq.entries = (uintptr_t)ptrs[i];
		expect_errno = EFAULT;
		check("list bad entries", ioctl(fd, VMSYNC_IOC_LIST, &lreq));
	}
}

static void drop_to(uid_t uid)
{
	if (setgid(uid) || setuid(uid)) {
		perror("setuid");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *node = VMSYNC_PROC_PATH;
	int i = 1, q;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-n"))
			node = argv[i + 1];
		else if (!strcmp(argv[i], "-U"))
			drop_to(atoi(argv[i + 1]));
	}
	fd = open(node, O_RDONLY);
	if (fd < 0) {
		printf("open %s: %s\n", node, strerror(errno));
		return 2;
	}
	for (; i < argc; i++) {
		const char *step = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : "";

		switch (step[0]) {
		case 'F':
			check("freeze", ioctl(fd, VMSYNC_IOC_FREEZE, arg));
			i++;
			break;
		case 'X':
		case 'M':
			freeze_ex(argv[++i], step[0] == 'M');
			break;
		case 'T':
			check("thaw", ioctl(fd, VMSYNC_IOC_THAW));
			break;
		case 'Q':
			q = -1;
			check("query", ioctl(fd, VMSYNC_IOC_QUERY, &q));
			if (q != atoi(arg)) {
				printf("FAIL query: %d frozen, expected %s\n", q, arg);
				failed = 1;
			}
			i++;
			break;
		case 'S':
			status();
			break;
		case 'L':
			list();
			break;
		case 'W':
			usleep(atoi(arg) * 1000);
			i++;
			break;
		case 'H':
			printf("holding\n");
			fflush(stdout);
			for (;;)
				pause();
		case 'P':
			printf("holding\n");
			fflush(stdout);
			while (access(arg, F_OK))
				usleep(20000);
			i++;
			break;
		case 'E':
			expect_errno = parse_errno(arg);
			i++;
			break;
		case 'B':
			bad_pointers();
			break;
		case 'C':
			check_field(arg);
			i++;
			break;
		case 'Z':
			if (i + 2 >= argc)
				return 2;
			freeze_big_header(strtoul(arg, NULL, 0), argv[i + 2]);
			i += 2;
			break;
		case 'R':
			if (i + 3 >= argc)
				return 2;
			autothaw_race(argv[i + 1], argv[i + 2], atoi(argv[i + 3]));
			i += 3;
			break;
		default:
			printf("unknown step %s\n", step);
			return 2;
		}
	}
	return failed;
}
