// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Random and mutated HGFS requests against the server over a real temporary
 * share, under ASan/UBSan: every reply must fit the buffer and carry a
 * header, the handle table stays bounded, and nothing outside the shares
 * is created, changed or removed.
 * Usage: fuzz_hgfs [iterations] [seed]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgfs_server.h"
#include "ktap.h"

static uint64_t rng_state = 1;
static struct hgfs_server srv;
static uint8_t req[70000], rep[HGFS_REPLY_BUFFER_SIZE];
static char root[64];
static uint64_t sessions[4];
static uint32_t handles[16];	/* handles the server handed out lately */

static uint32_t rnd(void);
static uint32_t pick_handle(void)
{
	return rnd() % 5 ? handles[rnd() % 16] : rnd() % 64;
}

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }
static void p32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static uint32_t g32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Names the server will meet: shares, nesting, escapes, odd bytes. */
static size_t random_name(uint8_t *p, size_t room)
{
	static const char *const parts[] = {
		"data", "ro", "nope", "a", "b", "dir", "up", "abs", "link", "..", ".",
		"sub", "", "\xff\xfe", "x/y", "long-name-long-name-long-name",
	};
	size_t n = 0, k = below(8) ? 2 + below(2) : below(5), i;

	for (i = 0; i < k; i++) {
		/* Mostly well-formed names that exist, sometimes hostile ones. */
		const char *part = parts[below(4) ? below(6) + 3 : below(sizeof(parts) / sizeof(parts[0]))];
		size_t len = strlen(part);

		if (i == 0 && below(4))
			part = below(2) ? "data" : "ro", len = strlen(part);
		if (n + len + 1 >= room)
			break;
		if (i)
			p[n++] = 0;
		memcpy(p + n, part, len);
		n += len;
	}
	return n;
}

static size_t put_name(uint8_t *p, size_t room)
{
	size_t n;

	if (room < 17)
		return 0;
	memset(p, 0, 16);
	n = random_name(p + 16, room - 17);
	p32(p, below(16) ? (uint32_t)n : rnd());
	p32(p + 4, below(6) ? 0 : rnd() & 3);
	p32(p + 12, below(3) ? pick_handle() : rnd());
	p[16 + n] = 0;
	return 17 + n;
}

/* A plausible payload for op, then random damage. */
static size_t build_payload(uint32_t op, uint8_t *p, size_t room)
{
	size_t n = 0, i;

	memset(p, 0, 200);
	switch (op) {
	case HGFS_OP_OPEN_V3:
		p32(p, below(8) ? 0xc3f : rnd());
		p32(p + 8, below(8) ? below(3) : below(8));
		p32(p + 12, below(8) ? below(5) : below(8));
		p[17] = below(8);
		n = 64 + put_name(p + 64, room - 64);
		break;
	case HGFS_OP_READ_V3:
		p32(p, pick_handle());
		p32(p + 4, below(2) ? 0 : below(3) ? below(100000) : rnd());
		p32(p + 12, below(4) ? below(70000) : rnd());
		n = 24;
		break;
	case HGFS_OP_WRITE_V3: {
		uint32_t size = below(4) ? below(8192) : below(61440);

		p32(p, pick_handle());
		p[4] = below(2);
		p32(p + 5, below(2) ? 0 : below(200000));
		p32(p + 13, below(8) ? size : rnd());
		if (25 + (size_t)size > room)
			size = (uint32_t)(room - 25);
		for (i = 0; i < size; i++)
			p[25 + i] = (uint8_t)i;
		n = 25 + size;
		break;
	}
	case HGFS_OP_CLOSE_V3:
	case HGFS_OP_SEARCH_CLOSE_V3:
		p32(p, pick_handle());
		n = 12;
		break;
	case HGFS_OP_SEARCH_READ_V3:
		p32(p, pick_handle());
		p32(p + 4, below(8) ? below(10) : rnd());
		n = 20;
		break;
	case HGFS_OP_SEARCH_OPEN_V3:
	case HGFS_OP_QUERY_VOLUME_INFO_V3:
		n = 8 + put_name(p + 8, room - 8);
		break;
	case HGFS_OP_GETATTR_V3:
	case HGFS_OP_DELETE_FILE_V3:
	case HGFS_OP_DELETE_DIR_V3:
		n = 16 + put_name(p + 16, room - 16);
		break;
	case HGFS_OP_SETATTR_V3:
		p32(p, below(4));
		p32(p + 8, rnd() & 0x3fff);
		p32(p + 8 + 12, below(70000));
		n = 120 + put_name(p + 120, room - 120);
		break;
	case HGFS_OP_CREATE_DIR_V3:
		p32(p, below(8) ? 0x1f : rnd());
		n = 20 + put_name(p + 20, room - 20);
		break;
	case HGFS_OP_RENAME_V3:
		p32(p, below(8));
		n = 16 + put_name(p + 16, room - 16);
		n += put_name(p + n, room - n);
		break;
	case HGFS_OP_CREATE_SYMLINK_V3:
		n = 8 + put_name(p + 8, room - 8);
		n += put_name(p + n, room - n);
		break;
	case HGFS_OP_CREATE_SESSION_V4:
		p32(p, below(4) ? 0 : rnd() % 100);
		p32(p + 4, below(2) ? 63488 : rnd());
		n = 12 + 8 * below(70);
		break;
	default:
		n = below(200);
		for (i = 0; i < n; i++)
			p[i] = rnd();
		break;
	}
	if (n > room)
		n = room;
	/* Damage: flip bytes, cut or extend. */
	if (!below(4)) {
		for (i = below(4) + 1; i > 0 && n; i--)
			p[below((uint32_t)n)] = rnd();
	}
	if (!below(6))
		n = below((uint32_t)n + 1);
	return n;
}

static const uint32_t ops[] = {
	24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 41, 42, 19, 39, 40, 0, 7, 60, 255,
};

static bool one_request(void)
{
	uint32_t op = ops[below(sizeof(ops) / sizeof(ops[0]))];
	bool v4 = !below(3);
	size_t hdr = v4 ? HGFS_HEADER_V4_SIZE : 8, len;
	long got;

	memset(req, 0, hdr);
	if (v4) {
		uint64_t sid = sessions[below(4)];

		req[0] = below(8) ? 1 : rnd();
		p32(req + 4, 0xff);
		p32(req + 12, below(8) ? 52 : below(100));
		p32(req + 16, rnd());
		p32(req + 20, op);
		p32(req + 28, 1);
		p32(req + 36, (uint32_t)sid);
		p32(req + 40, (uint32_t)(sid >> 32));
	} else {
		p32(req, rnd());
		p32(req + 4, op);
	}
	len = hdr + build_payload(op, req + hdr, sizeof(req) - hdr - 1);
	if (v4)
		p32(req + 8, below(8) ? (uint32_t)len : below((uint32_t)len + 100));
	if (!below(50))
		len = below(60);
	got = hgfs_server_handle(&srv, req, len, rep, sizeof(rep));
	CHECK(got >= -1);
	CHECK(got <= (long)HGFS_LARGE_PACKET_MAX);
	if (got > 0) {
		uint32_t max_len = v4 ? HGFS_LARGE_PACKET_MAX : HGFS_LARGE_PACKET_MAX;

		CHECK(got >= 8 && (uint32_t)got <= max_len);
		size_t rhdr = g32(rep + 4) == 0xff ? HGFS_HEADER_V4_SIZE : 8;
		uint32_t status = g32(rep + (rhdr == 8 ? 4 : 24));

		if (!status && got >= (long)rhdr + 4 &&
		    (op == HGFS_OP_OPEN_V3 || op == HGFS_OP_SEARCH_OPEN_V3))
			handles[below(16)] = g32(rep + rhdr);
		if (g32(rep + 4) == 0xff) {
			CHECK(got >= (long)HGFS_HEADER_V4_SIZE && g32(rep + 8) == (uint32_t)got);
			if (g32(rep + 20) == HGFS_OP_CREATE_SESSION_V4 && g32(rep + 24) == 0)
				sessions[below(4)] = (uint64_t)g32(rep + 52) | (uint64_t)g32(rep + 56) << 32;
		} else {
			/* Legacy replies stay within 6144 unless a large read was asked. */
			CHECK(got <= (long)HGFS_PACKET_MAX || op == HGFS_OP_READ_V3);
		}
	}
	CHECK(srv.node_count <= HGFS_MAX_HANDLES);
	return true;
}

static bool outside_intact(void)
{
	char path[160];
	struct stat st;
	DIR *dir;
	struct dirent *de;
	int entries = 0;

	snprintf(path, sizeof(path), "%s/outside", root);
	dir = opendir(path);
	CHECK(dir);
	while ((de = readdir(dir)))
		entries++;
	closedir(dir);
	CHECK(entries == 3);	/* ".", "..", "secret" */
	snprintf(path, sizeof(path), "%s/outside/secret", root);
	CHECK(!stat(path, &st) && st.st_size == 6 && (st.st_mode & 07777) == 0600);
	return true;
}

static unsigned long iterations = 20000;

static void refill(void)
{
	static char text[8192];
	char path[200];
	FILE *f;

	if (!text[0])
		memset(text, 'q', sizeof(text) - 1);
	snprintf(path, sizeof(path), "%s/data/a", root);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	/* The escape routes come back too (a fuzzed delete or rename replaces them). */
	snprintf(path, sizeof(path), "rm -rf %s/data/up %s/data/abs", root, root);
	if (system(path))
		perror("rm");
	snprintf(path, sizeof(path), "%s/data/up", root);
	if (symlink("../outside", path))
		perror("symlink");
	snprintf(path, sizeof(path), "%s/data/abs", root);
	if (symlink("/etc", path))
		perror("symlink");
}

/* Fixed hostile requests between the random ones: none may succeed. */
static bool probe_escapes(void)
{
	static const char *const names[] = { "data\0up\0new", "data\0abs\0passwd" };
	static const uint32_t probe_ops[] = { HGFS_OP_OPEN_V3, HGFS_OP_GETATTR_V3, HGFS_OP_CREATE_DIR_V3 };
	static const size_t name_off[] = { 64, 16, 20 };
	unsigned int i, j;

	if (srv.shares[0].removed)
		return true;
	for (i = 0; i < 2; i++) {
		size_t n = i ? 15 : 11;

		for (j = 0; j < 3; j++) {
			uint8_t *p = req + 8;
			long got;

			memset(req, 0, 200);
			p32(req, 1);
			p32(req + 4, probe_ops[j]);
			if (j == 0) {
				p32(p, 0xc3f);
				p32(p + 8, HGFS_OPEN_MODE_READ_WRITE);
				p32(p + 12, HGFS_OPEN_CREATE);
			}
			if (j == 2)
				p32(p, 0x1f);
			p32(p + name_off[j], (uint32_t)n);
			memcpy(p + name_off[j] + 16, names[i], n);
			got = hgfs_server_handle(&srv, req, 8 + name_off[j] + 17 + n, rep, sizeof(rep));
			CHECK(got >= 8);
			if (g32(rep + 4) == 0)
				printf("# probe %u/%u escaped\n", i, j);
			CHECK(g32(rep + 4) != 0);
		}
	}
	return true;
}

static bool fuzz(void)
{
	char cmd[1200], *err = NULL;
	unsigned long i;

	snprintf(cmd, sizeof(cmd),
		 "rm -rf %s && mkdir -p %s/data/dir %s/ro %s/outside && printf secret > %s/outside/secret && seq 5000 > %s/data/a && "
		 "chmod 600 %s/outside/secret && ln -s /etc %s/data/abs && ln -s ../outside %s/data/up && "
		 "ln -s ../outside/secret %s/data/link && chmod 555 %s/ro",
		 root, root, root, root, root, root, root, root, root, root, root);
	CHECK(!system(cmd));
	hgfs_server_init(&srv, rng_state);
	snprintf(cmd, sizeof(cmd), "data:%s/data;ro:%s/ro:ro", root, root);
	CHECK(!hgfs_server_add_shares(&srv, cmd, &err));
	for (i = 0; i < iterations; i++) {
		if (!one_request()) {
			printf("# iteration %lu\n", i);
			return false;
		}
		if (!(i % 2000)) {
			refill(); /* deletes and truncates eat the file the reads want */
			CHECK(probe_escapes());
		}
		if (!below(5000))
			hgfs_server_set_share_removed(&srv, "data", below(2));
		if (!below(20000))
			hgfs_server_reset(&srv);
	}
	CHECK(outside_intact());
	printf("# %llu requests, %llu errors, %llu bytes read, %llu written, %llu sessions\n",
	       (unsigned long long)srv.stats.requests, (unsigned long long)srv.stats.errors,
	       (unsigned long long)srv.stats.bytes_read, (unsigned long long)srv.stats.bytes_written,
	       (unsigned long long)srv.stats.sessions_created);
	/* The run must reach the operations, not only the framing checks. */
	CHECK(srv.stats.bytes_read + srv.stats.bytes_written && srv.stats.sessions_created);
	CHECK(srv.stats.requests - srv.stats.errors > iterations / 10);
	hgfs_server_destroy(&srv);
	CHECK(srv.node_count == 0);
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx %s; rm -rf %s", root, root);
	return !system(cmd);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		iterations = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		rng_state = strtoull(argv[2], NULL, 0) | 1;
	snprintf(root, sizeof(root), "/tmp/pvtools-hgfs-fuzz.%d", (int)getpid());
	printf("KTAP version 1\n1..1\n");
	ktap_run("hgfs-fuzz-requests", fuzz);
	return ktap_failures ? 1 : 0;
}
