// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side test client for pvcore's RPC test device (/dev/pvcore_rpc):
 * sends RPCI requests on one channel and checks replies and errors, so the
 * rpc tests can state exact expectations from a busybox shell.
 *
 * Usage: rpc_client [-d dev] STEP...
 *   REQUEST      send it, print the reply on stdout (one line per reply)
 *   -E ERRNO     the next REQUEST must fail with this errno (e.g. ECONNRESET)
 *   -p PREFIX    the next REQUEST's reply must start with PREFIX
 *   -x COMMAND   run a shell command between steps (e.g. hostctl)
 *   -b KEY:SIZE  info-set guestinfo.KEY to a SIZE-byte pattern, info-get it
 *                back on the same channel and compare
 *   -c N:ROUNDS  N threads, each on its own channel, ROUNDS set/get pairs
 *   -n N         open N channels at once, use each, close them all
 *   -O ERRNO     open the device now: it must fail with ERRNO (ends the
 *                run, 0); opening it is a failure (1)
 *   -U UID       drop to this uid (and gid) for the following steps
 * Exit status 0 iff every step met its expectation.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX (128 * 1024)

static const char *device = "/dev/pvcore_rpc";
/* With -O ERRNO: opening the device must fail so, which ends the run. */
static int want_open_errno;

struct errno_name {
	const char *name;
	int value;
};

static const struct errno_name errno_names[] = {
	{ "ECONNRESET", ECONNRESET }, { "EPROTO", EPROTO },
	{ "ETIMEDOUT", ETIMEDOUT },   { "EMSGSIZE", EMSGSIZE },
	{ "EINTR", EINTR },	      { "EIO", EIO },
	{ "ENODEV", ENODEV },	      { "EPERM", EPERM },
	{ "EACCES", EACCES },	      { "EINVAL", EINVAL },
	{ "EFAULT", EFAULT },	      { "ENOTCONN", ENOTCONN },
	{ "EBADMSG", EBADMSG },	      { "ECONNREFUSED", ECONNREFUSED },
};

static int errno_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(errno_names[i].name, name))
			return errno_names[i].value;
	fprintf(stderr, "rpc_client: unknown errno name %s\n", name);
	exit(2);
}

static int open_channel(void)
{
	int fd = open(device, O_RDWR);

	if (fd < 0 && want_open_errno && errno == want_open_errno) {
		printf("(open %s failed as expected: %s)\n", device,
		       strerror(errno));
		exit(0);
	}
	if (fd < 0) {
		fprintf(stderr, "rpc_client: open %s: %s\n", device,
			strerror(errno));
		exit(1);
	}
	if (want_open_errno) {
		fprintf(stderr, "rpc_client: open %s succeeded, expected %s\n",
			device, strerror(want_open_errno));
		exit(1);
	}
	return fd;
}

/*
 * One request/reply exchange. Returns the reply length, or -errno of the
 * failing write or read.
 */
/* How long the last exchange() and the last round's info-set took, in us. */
static long long last_exchange_us, last_set_us;

static long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long exchange(int fd, const char *request, size_t len, char *reply,
		     size_t reply_size)
{
	long long t0 = mono_us();
	ssize_t n;
	size_t got = 0;

	n = write(fd, request, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	for (;;) {
		n = read(fd, reply + got, reply_size - got);
		if (n < 0)
			return -errno;
		if (n == 0 || got + n == reply_size)
			break;
		got += n;
	}
	got += n;
	last_exchange_us = mono_us() - t0;
	return (long)got;
}

static int send_step(int fd, const char *request, int want_errno,
		     const char *want_prefix)
{
	static char reply[REPLY_MAX];
	long n = exchange(fd, request, strlen(request), reply, sizeof(reply));

	if (n < 0) {
		if (-n == want_errno) {
			printf("(%s: failed as expected: %s)\n", request,
			       strerror(want_errno));
			return 0;
		}
		fprintf(stderr, "rpc_client: '%s': %s\n", request, strerror(-n));
		return 1;
	}
	printf("%.*s\n", (int)n, reply);
	if (want_errno) {
		fprintf(stderr, "rpc_client: '%s' succeeded, expected %s\n",
			request, strerror(want_errno));
		return 1;
	}
	if (want_prefix && strncmp(reply, want_prefix, strlen(want_prefix))) {
		fprintf(stderr, "rpc_client: '%s': reply does not start with '%s'\n",
			request, want_prefix);
		return 1;
	}
	return 0;
}

static void fill_pattern(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = 'a' + (char)((i * 7 + seed) % 26);
}

/* info-set a value of @size bytes, get it back, compare. */
static int set_get_round(int fd, const char *key, size_t size, unsigned int seed)
{
	size_t header_len = strlen("info-set guestinfo.") + strlen(key) + 1;
	char *request = malloc(header_len + size + 1);
	char *reply = malloc(size + 64);
	char get[256];
	long long set_us;
	long n;
	int ret = 1;

	if (!request || !reply)
		goto out;
	snprintf(request, header_len + 1, "info-set guestinfo.%s ", key);
	fill_pattern(request + header_len, size, seed);
	n = exchange(fd, request, header_len + size, reply, size + 64);
	set_us = last_exchange_us;
	if (n < 2 || strncmp(reply, "1 ", 2)) {
		fprintf(stderr, "rpc_client: info-set %s (%zu bytes): %s\n",
			key, header_len + size,
			n < 0 ? strerror(-n) : "host refused");
		goto out;
	}
	snprintf(get, sizeof(get), "info-get guestinfo.%s", key);
	n = exchange(fd, get, strlen(get), reply, size + 64);
	if (n != (long)size + 2 || strncmp(reply, "1 ", 2) ||
	    memcmp(reply + 2, request + header_len, size)) {
		fprintf(stderr, "rpc_client: info-get %s: %ld bytes back, %s\n",
			key, n, n < 0 ? strerror(-n) : "content differs");
		goto out;
	}
	last_set_us = set_us;
	ret = 0;
out:
	free(request);
	free(reply);
	return ret;
}

static int big_step(const char *arg)
{
	char key[64];
	size_t size;
	int fd, ret;

	if (sscanf(arg, "%63[^:]:%zu", key, &size) != 2)
		return 2;
	fd = open_channel();
	ret = set_get_round(fd, key, size, 3);
	close(fd);
	if (!ret)
		printf("(%s: %zu-byte value round-tripped, set_us=%lld get_us=%lld)\n", key, size,
		       last_set_us, last_exchange_us);
	return ret;
}

struct worker {
	pthread_t thread;
	unsigned int index;
	unsigned int rounds;
	int failed;
};

static void *worker_run(void *data)
{
	struct worker *w = data;
	char key[32];
	unsigned int round;
	int fd = open_channel();

	for (round = 0; round < w->rounds && !w->failed; round++) {
		snprintf(key, sizeof(key), "worker%u", w->index);
		w->failed = set_get_round(fd, key, 100 + w->index * 13 + round,
					  w->index + round);
	}
	close(fd);
	return NULL;
}

static int concurrent_step(const char *arg)
{
	unsigned int count, rounds, i;
	struct worker *workers;
	int failed = 0;

	if (sscanf(arg, "%u:%u", &count, &rounds) != 2 || !count)
		return 2;
	workers = calloc(count, sizeof(*workers));
	if (!workers)
		return 1;
	for (i = 0; i < count; i++) {
		workers[i].index = i;
		workers[i].rounds = rounds;
		if (pthread_create(&workers[i].thread, NULL, worker_run,
				   &workers[i]))
			return 1;
	}
	for (i = 0; i < count; i++) {
		pthread_join(workers[i].thread, NULL);
		failed |= workers[i].failed;
	}
	free(workers);
	if (!failed)
		printf("(%u threads x %u rounds on separate channels: ok)\n",
		       count, rounds);
	return failed;
}

static int many_channels_step(const char *arg)
{
	unsigned int count = (unsigned int)atoi(arg), i;
	int *fds = calloc(count, sizeof(int));
	char key[32];
	int failed = 0;

	if (!fds || !count)
		return 2;
	for (i = 0; i < count; i++)
		fds[i] = open_channel();
	for (i = 0; i < count && !failed; i++) {
		snprintf(key, sizeof(key), "chan%u", i);
		failed = set_get_round(fds[i], key, 16, i);
	}
	for (i = 0; i < count; i++)
		close(fds[i]);
	free(fds);
	if (!failed)
		printf("(%u channels open at once: ok)\n", count);
	return failed;
}

static int drop_privileges(const char *arg)
{
	unsigned int id = (unsigned int)atoi(arg);

	if (setgid(id) || setuid(id)) {
		fprintf(stderr, "rpc_client: cannot drop to uid %u: %s\n", id,
			strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *want_prefix = NULL;
	int want_errno = 0, failed = 0, fd = -1, i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int has_value = arg[0] == '-' && arg[1] && !arg[2] &&
				strchr("dEpxbcnUO", arg[1]);

		if (has_value && i + 1 >= argc) {
			fprintf(stderr, "rpc_client: %s needs a value\n", arg);
			return 2;
		}
		if (!has_value) {
			if (fd < 0)
				fd = open_channel();
			failed |= send_step(fd, arg, want_errno, want_prefix);
			want_errno = 0;
			want_prefix = NULL;
			continue;
		}
		switch (arg[1]) {
		case 'd':
			device = argv[++i];
			break;
		case 'E':
			want_errno = errno_from_name(argv[++i]);
			break;
		case 'p':
			want_prefix = argv[++i];
			break;
		case 'x':
			fflush(stdout);
			if (system(argv[++i]) != 0) {
				fprintf(stderr, "rpc_client: '%s' failed\n", argv[i]);
				failed = 1;
			}
			break;
		case 'b':
			failed |= big_step(argv[++i]);
			break;
		case 'c':
			failed |= concurrent_step(argv[++i]);
			break;
		case 'n':
			failed |= many_channels_step(argv[++i]);
			break;
		case 'O':
			/* The open is the step: without it nothing was checked. */
			want_open_errno = errno_from_name(argv[++i]);
			if (fd >= 0) {
				fprintf(stderr, "rpc_client: -O after the device was opened\n");
				return 2;
			}
			fd = open_channel();
			break;
		case 'U':
			if (drop_privileges(argv[++i]))
				return 2;
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	return failed ? 1 : 0;
}
