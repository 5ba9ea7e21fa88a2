// SPDX-License-Identifier: GPL-2.0
/*
 * hostctl: lets a guest test drive the emulated host. It sends its arguments
 * over the third serial port to the test runner, which runs them as QMP
 * (set/get QOM properties, stop/cont, raw commands) and sends back the result.
 *
 * Usage: hostctl qmp JSON | set PATH-OR-ID PROP VALUE | get PATH-OR-ID PROP
 *        | stop | cont | pause SECONDS | probe
 * `probe` tells whether the channel is there at all (a guest started without
 * it, or a real VMware guest): a UART on the port, and the runner answering
 * within PROBE_TIMEOUT_S.
 * Wire format (one exchange, under an flock so concurrent callers queue):
 *   guest: "HOSTCTL <id> <json array of arguments>\n"
 *   host:  "HOSTCTL <id> <status> <length>\n" then <length> bytes of output
 *          (stdout if status is 0, else stderr).
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <linux/serial.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define HOSTCTL_TTY	"/dev/ttyS2"
#define LINE_MAX_LEN	256
#define REQ_MAX_LEN	(64 * 1024)
/* A runner that never answers must fail the test, not hang it. */
#define ANSWER_TIMEOUT_S	60
#define PROBE_TIMEOUT_S		5

static void answer_timeout(int sig)
{
	static const char msg[] = "hostctl: no answer from the runner on " HOSTCTL_TTY "\n";

	(void)sig;
	write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

static int tty_open(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* JSON string escaping; bytes >= 0x80 pass through (the host reads UTF-8). */
static size_t json_string(char *out, size_t room, const char *s)
{
	size_t n = 0;

	if (room < 8)
		return 0;
	out[n++] = '"';
	for (; *s && n + 8 < room; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = c;
		} else if (c < 0x20) {
			n += snprintf(out + n, room - n, "\\u%04x", c);
		} else {
			out[n++] = c;
		}
	}
	out[n++] = '"';
	return n;
}

static int read_line(int fd, char *buf, size_t room)
{
	size_t n = 0;

	while (n + 1 < room) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return 0;
		}
		n++;
	}
	return -1;
}

/* Copies len payload bytes from the tty to out. */
static int relay(int fd, FILE *out, long len)
{
	char buf[4096];

	while (len > 0) {
		ssize_t r = read(fd, buf, len < (long)sizeof(buf) ? len : (long)sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		fwrite(buf, 1, r, out);
		len -= r;
	}
	fflush(out);
	return 0;
}

/* Reads past stale answers (from a caller killed mid-exchange) to ours. */
static int await_reply(int fd, unsigned long id)
{
	char line[LINE_MAX_LEN];

	for (;;) {
		unsigned long got;
		int status;
		long len;

		if (read_line(fd, line, sizeof(line)))
			return -1;
		if (sscanf(line, "HOSTCTL %lu %d %ld", &got, &status, &len) != 3)
			continue;
		if (got != id) {
			relay(fd, fopen("/dev/null", "w"), len);
			continue;
		}
		if (relay(fd, status ? stderr : stdout, len))
			return -1;
		return status;
	}
}

int main(int argc, char **argv)
{
	static char req[REQ_MAX_LEN];
	unsigned long id;
	size_t n;
	int fd, i, status, probe;
	struct serial_struct ss;

	if (argc < 2) {
		fprintf(stderr, "usage: hostctl qmp JSON | set ID PROP VALUE | get ID PROP | stop | cont"
			" | pause SECONDS | probe\n");
		return 2;
	}
	probe = !strcmp(argv[1], "probe");
	fd = tty_open(getenv("HOSTCTL_TTY") ? getenv("HOSTCTL_TTY") : HOSTCTL_TTY);
	if (fd < 0) {
		perror("hostctl: open " HOSTCTL_TTY);
		return 1;
	}
	/* A port without a UART behind it swallows the request: say so at once. */
	if (probe && !ioctl(fd, TIOCGSERIAL, &ss) && ss.type == PORT_UNKNOWN) {
		fprintf(stderr, "hostctl: no UART at " HOSTCTL_TTY "\n");
		return 1;
	}
	if (flock(fd, LOCK_EX)) {
		perror("hostctl: flock");
		return 1;
	}
	id = ((unsigned long)getpid() << 16) ^ (unsigned long)time(NULL);
	n = snprintf(req, sizeof(req), "HOSTCTL %lu [", id);
	for (i = 1; i < argc && n + 16 < sizeof(req); i++) {
		if (i > 1)
			req[n++] = ',';
		n += json_string(req + n, sizeof(req) - n - 4, argv[i]);
	}
	if (n + 3 >= sizeof(req)) {
		fprintf(stderr, "hostctl: request too long\n");
		return 2;
	}
	req[n++] = ']';
	req[n++] = '\n';
	if (write_all(fd, req, n)) {
		perror("hostctl: write");
		return 1;
	}
	signal(SIGALRM, answer_timeout);
	alarm(probe ? PROBE_TIMEOUT_S : ANSWER_TIMEOUT_S);
	status = await_reply(fd, id);
	if (status < 0) {
		fprintf(stderr, "hostctl: no answer from the runner\n");
		return 1;
	}
	return status;
}
