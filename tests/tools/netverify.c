// SPDX-License-Identifier: GPL-2.0
/*
 * netverify: moves a seeded pseudo-random byte stream over TCP, UDP or
 * multicast and checks every byte and the length at the receiver, because
 * throughput tools such as iperf3 never look at the data they carry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UDP_HDR 8
#define UDP_MAX 65507
#define UDP_RETRIES 20
#define ACK_WAIT_MS 300
#define CHUNK_MAX (1 << 20)

static const char *mode = "netverify";
static unsigned int timeout_s = 60;
static size_t chunk = 65536;
static unsigned int delay_us;

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", mode, what, strerror(errno));
	exit(2);
}

static void on_alarm(int sig)
{
	static const char msg[] = "netverify: timed out\n";

	(void)sig;
	/* Only async-signal-safe calls here. */
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

/* splitmix64: every 8-byte word of the stream depends only on seed and offset. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint8_t stream_byte(uint64_t seed, uint64_t off)
{
	uint64_t w = mix(seed * 0x100000001b3ULL ^ (off >> 3));

	return (uint8_t)(w >> ((off & 7) * 8));
}

static void fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	size_t i = 0;

	/* Whole words at a time where the offset allows it. */
	while (i < len && ((off + i) & 7))
		buf[i] = stream_byte(seed, off + i), i++;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = mix(seed * 0x100000001b3ULL ^ ((off + i) >> 3));

		memcpy(buf + i, &w, 8);
	}
	for (; i < len; i++)
		buf[i] = stream_byte(seed, off + i);
}

/* Returns the index of the first byte that differs, or len. */
static size_t verify(const uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint8_t want[4096];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(want) ? len - done : sizeof(want);
		size_t i;

		fill(want, n, seed, off + done);
		if (memcmp(want, buf + done, n)) {
			for (i = 0; i < n && want[i] == buf[done + i]; i++)
				;
			return done + i;
		}
		done += n;
	}
	return len;
}

static unsigned long long num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "%s: bad %s '%s'\n", mode, what, s);
		exit(2);
	}
	return v;
}

static struct sockaddr_in inet(const char *addr, unsigned int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (addr && inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "%s: bad address '%s'\n", mode, addr);
		exit(2);
	}
	if (!addr)
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
	return sa;
}

static int bound_socket(int type, unsigned int port)
{
	struct sockaddr_in sa = inet(NULL, port);
	int one = 1;
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* tcp-recv PORT SEED BYTES: one connection; BYTES 0 = any length. */
static int tcp_recv(char **av)
{
	unsigned int port = num(av[0], "port");
	uint64_t seed = num(av[1], "seed"), want = num(av[2], "bytes");
	uint64_t got = 0;
	static uint8_t buf[CHUNK_MAX];
	int lfd = bound_socket(SOCK_STREAM, port);
	int fd;

	if (listen(lfd, 1))
		die("listen");
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(lfd);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		size_t bad;

		if (n < 0)
			die("read");
		if (!n)
			break;
		bad = verify(buf, n, seed, got);
		if (bad < (size_t)n) {
			printf("%s: data differs at byte %llu\n", mode,
			       (unsigned long long)(got + bad));
			return 1;
		}
		got += n;
	}
	if (want && got != want) {
		printf("%s: stream ended after %llu of %llu bytes\n", mode,
		       (unsigned long long)got, (unsigned long long)want);
		return 1;
	}
	printf("%s: %llu bytes verified\n", mode, (unsigned long long)got);
	return 0;
}

static int connect_retry(const struct sockaddr_in *sa)
{
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			die("socket");
		if (!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
			return fd;
		/* The receiver may not listen yet, or ARP is still resolving. */
		if (errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != ETIMEDOUT)
			die("connect");
		close(fd);
		usleep(100000);
	}
}

/* tcp-send ADDR PORT SEED BYTES: BYTES 0 = until the connection breaks. */
static int tcp_send(char **av)
{
	struct sockaddr_in sa = inet(av[0], num(av[1], "port"));
	uint64_t seed = num(av[2], "seed"), total = num(av[3], "bytes");
	uint64_t sent = 0;
	static uint8_t buf[CHUNK_MAX];
	double t0;
	int fd = connect_retry(&sa);

	t0 = now();
	while (!total || sent < total) {
		size_t n = chunk;
		size_t off = 0;

		if (total && total - sent < n)
			n = total - sent;
		fill(buf, n, seed, sent);
		while (off < n) {
			ssize_t w = write(fd, buf + off, n - off);

			if (w < 0) {
				printf("%s: write failed after %llu bytes: %s\n", mode,
				       (unsigned long long)(sent + off), strerror(errno));
				return 1;
			}
			off += w;
		}
		sent += n;
		if (delay_us)
			usleep(delay_us);
	}
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	/* Wait for the receiver's close, so "sent" means "taken". */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	printf("%s: %llu bytes sent in %.2f s\n", mode, (unsigned long long)sent, now() - t0);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

/* Datagram SEQ of SIZE bytes: seq, size, then stream bytes at offset seq << 20. */
static void make_datagram(uint8_t *buf, uint32_t seq, size_t size, uint64_t seed)
{
	put32(buf, seq);
	put32(buf + 4, size);
	fill(buf + UDP_HDR, size - UDP_HDR, seed, (uint64_t)seq << 20);
}

/* Returns NULL if the datagram is whole and right, else what is wrong. */
static const char *check_datagram(const uint8_t *buf, size_t n, size_t size, uint64_t seed)
{
	if (n < UDP_HDR)
		return "runt";
	if (n != size || get32(buf + 4) != size)
		return "wrong length";
	if (verify(buf + UDP_HDR, n - UDP_HDR, seed, (uint64_t)get32(buf) << 20) < n - UDP_HDR)
		return "data differs";
	return NULL;
}

static size_t udp_size(const char *s)
{
	size_t size = num(s, "size");

	if (size < UDP_HDR || size > UDP_MAX) {
		fprintf(stderr, "%s: size must be %d..%d\n", mode, UDP_HDR, UDP_MAX);
		exit(2);
	}
	return size;
}

/*
 * udp-recv PORT SEED COUNT SIZE: checks each datagram and acks its seq;
 * done once COUNT distinct ones arrived and the sender went quiet.
 */
static int udp_recv(char **av)
{
	unsigned int port = num(av[0], "port");
	uint64_t seed = num(av[1], "seed");
	uint32_t count = num(av[2], "count"), seen = 0, bad = 0;
	size_t size = udp_size(av[3]);
	static uint8_t buf[UDP_MAX + 1];
	uint8_t *have = calloc(count + 1, 1);
	int fd = bound_socket(SOCK_DGRAM, port);

	if (!have)
		die("calloc");
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		const char *why;
		uint8_t ack[8];
		ssize_t n;
		uint32_t seq;

		/* Keep acking retries for a while after the last new datagram. */
		if (poll(&p, 1, seen == count ? 1000 : -1) == 0)
			break;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			die("recvfrom");
		why = check_datagram(buf, n, size, seed);
		seq = n >= 4 ? get32(buf) : ~0u;
		if (why || seq >= count) {
			printf("%s: bad datagram (%zd bytes, seq %u): %s\n", mode, n, seq,
			       why ? why : "seq out of range");
			bad++;
			continue;
		}
		if (!have[seq]) {
			have[seq] = 1;
			seen++;
		}
		put32(ack, seq);
		put32(ack + 4, 0);
		sendto(fd, ack, sizeof(ack), 0, (struct sockaddr *)&from, fl);
	}
	printf("%s: %u of %u datagrams of %zu bytes verified, %u bad\n", mode, seen, count,
	       size, bad);
	return bad ? 1 : 0;
}

/* udp-send ADDR PORT SEED COUNT SIZE: each datagram until acked. */
static int udp_send(char **av)
{
	struct sockaddr_in sa = inet(av[0], num(av[1], "port"));
	uint64_t seed = num(av[2], "seed");
	uint32_t count = num(av[3], "count"), seq, resent = 0;
	size_t size = udp_size(av[4]);
	static uint8_t buf[UDP_MAX];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	for (seq = 0; seq < count; seq++) {
		int tries;

		make_datagram(buf, seq, size, seed);
		for (tries = 0; tries < UDP_RETRIES; tries++) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			uint8_t ack[8];
			int acked = 0;

			/* ECONNREFUSED: the receiver is not up yet; retry. */
			if (send(fd, buf, size, 0) < 0 && errno != ECONNREFUSED)
				die("send");
			while (!acked && poll(&p, 1, ACK_WAIT_MS) > 0) {
				if (recv(fd, ack, sizeof(ack), 0) == sizeof(ack) &&
				    get32(ack) == seq)
					acked = 1;
			}
			if (acked)
				break;
			resent++;
		}
		if (tries == UDP_RETRIES) {
			printf("%s: datagram %u never acked\n", mode, seq);
			return 1;
		}
	}
	printf("%s: %u datagrams of %zu bytes acked, %u resent\n", mode, count, size, resent);
	return 0;
}

/* mcast-recv GROUP PORT IFADDR COUNT: joined for the run; exits at COUNT or timeout. */
static int mcast_recv(char **av)
{
	struct ip_mreq mr;
	unsigned int port = num(av[1], "port");
	uint32_t count = num(av[3], "count"), got = 0, bad = 0;
	static uint8_t buf[UDP_MAX + 1];
	double end = now() + timeout_s - 1;
	int fd = bound_socket(SOCK_DGRAM, port);

	alarm(0);	/* the receive window below is the timeout */
	memset(&mr, 0, sizeof(mr));
	if (inet_pton(AF_INET, av[0], &mr.imr_multiaddr) != 1 ||
	    inet_pton(AF_INET, av[2], &mr.imr_interface) != 1) {
		fprintf(stderr, "%s: bad group or interface address\n", mode);
		return 2;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		die("IP_ADD_MEMBERSHIP");
	printf("%s: joined %s\n", mode, av[0]);
	fflush(stdout);
	while (got < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = end - now();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left * 1000)) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			die("recv");
		if (n < UDP_HDR || check_datagram(buf, n, get32(buf + 4), 1))
			bad++;
		else
			got++;
	}
	printf("%s: %u of %u multicast datagrams received, %u bad\n", mode, got, count, bad);
	return got >= count && !bad ? 0 : 1;
}

/* mcast-send GROUP PORT IFADDR COUNT: COUNT datagrams, delay_us apart. */
static int mcast_send(char **av)
{
	struct sockaddr_in sa = inet(av[0], num(av[1], "port"));
	struct in_addr ifa;
	uint32_t count = num(av[3], "count"), seq;
	unsigned char ttl = 1, loop = 0;
	uint8_t buf[256];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	if (inet_pton(AF_INET, av[2], &ifa) != 1) {
		fprintf(stderr, "%s: bad interface address\n", mode);
		return 2;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)))
		die("multicast options");
	for (seq = 0; seq < count; seq++) {
		make_datagram(buf, seq, sizeof(buf), 1);
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("sendto");
		usleep(delay_us ? delay_us : 10000);
	}
	printf("%s: %u multicast datagrams sent\n", mode, count);
	return 0;
}

static const struct {
	const char *name;
	int args;
	int (*run)(char **av);
	const char *usage;
} modes[] = {
	{ "tcp-recv", 3, tcp_recv, "PORT SEED BYTES" },
	{ "tcp-send", 4, tcp_send, "ADDR PORT SEED BYTES" },
	{ "udp-recv", 4, udp_recv, "PORT SEED COUNT SIZE" },
	{ "udp-send", 5, udp_send, "ADDR PORT SEED COUNT SIZE" },
	{ "mcast-recv", 4, mcast_recv, "GROUP PORT IFADDR COUNT" },
	{ "mcast-send", 4, mcast_send, "GROUP PORT IFADDR COUNT" },
};

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: netverify [-t timeout_s] [-c chunk] [-d delay_us] MODE ARGS\n");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		fprintf(stderr, "  %s %s\n", modes[i].name, modes[i].usage);
	exit(2);
}

int main(int argc, char **argv)
{
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "+t:c:d:")) != -1) {
		switch (opt) {
		case 't':
			timeout_s = num(optarg, "timeout");
			break;
		case 'c':
			chunk = num(optarg, "chunk");
			if (!chunk || chunk > CHUNK_MAX)
				usage();
			break;
		case 'd':
			delay_us = num(optarg, "delay");
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[optind], modes[i].name))
			continue;
		if (argc - optind - 1 != modes[i].args)
			usage();
		mode = modes[i].name;
		alarm(timeout_s);
		return modes[i].run(argv + optind + 1);
	}
	usage();
	return 2;
}
