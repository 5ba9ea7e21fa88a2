// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the HGFS server against a real host directory tree in a
 * temporary directory: framing, sessions, every V3 operation, statuses,
 * handle limits, read-only shares, escape attempts and the fault switches.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgfs_server.h"
#include "ktap.h"

static struct hgfs_server srv;
static char root[64];		/* temp dir: data/ (rw share), ro/ (ro share), outside/ */
static uint8_t req[70000], rep[HGFS_REPLY_BUFFER_SIZE];
static size_t req_len;
static long rep_len;
static uint32_t next_id = 100;
static uint64_t session;	/* 0: legacy framing */

static uint32_t g32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t g64(const uint8_t *p) { return g32(p) | (uint64_t)g32(p + 4) << 32; }
static void p32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static void p64(uint8_t *p, uint64_t v) { p32(p, (uint32_t)v); p32(p + 4, (uint32_t)(v >> 32)); }

static size_t hdr_size(void) { return session ? HGFS_HEADER_V4_SIZE : 8; }

/* Starts a request: returns the payload pointer. */
static uint8_t *begin(uint32_t op)
{
	memset(req, 0, sizeof(req));
	if (session) {
		req[0] = 1;
		p32(req + 4, 0xff);
		p32(req + 12, HGFS_HEADER_V4_SIZE);
		p32(req + 16, ++next_id);
		p32(req + 20, op);
		p32(req + 28, HGFS_V4_FLAG_REQUEST);
		p64(req + 36, session);
	} else {
		p32(req, ++next_id);
		p32(req + 4, op);
	}
	return req + hdr_size();
}

/* Sends payload_len bytes of payload; returns the reply status. */
static uint32_t send_req(size_t payload_len)
{
	req_len = hdr_size() + payload_len;
	if (session)
		p32(req + 8, (uint32_t)req_len);
	rep_len = hgfs_server_handle(&srv, req, req_len, rep, sizeof(rep));
	if (rep_len < (long)hdr_size())
		return 0xdead;
	return session ? g32(rep + 24) : g32(rep + 4);
}

static const uint8_t *out(void) { return rep + hdr_size(); }
static long out_len(void) { return rep_len - (long)hdr_size(); }

/* A V3 name at p from a '/'-separated path; returns the bytes used (17 + N). */
static size_t put_name(uint8_t *p, const char *path)
{
	size_t n = strlen(path), i;

	p32(p, (uint32_t)n);
	p32(p + 8, 1);
	p32(p + 12, HGFS_INVALID_HANDLE);
	for (i = 0; i < n; i++)
		p[16 + i] = path[i] == '/' ? 0 : (uint8_t)path[i];
	p[16 + n] = 0;
	return 17 + n;
}

static size_t put_fid(uint8_t *p, uint32_t fid)
{
	p32(p, 0);
	p32(p + 4, HGFS_FILE_NAME_USE_FILE_DESC);
	p32(p + 12, fid);
	return 17;
}

static uint32_t do_open(const char *path, uint32_t mode, uint32_t flags, uint32_t *handle)
{
	uint8_t *p = begin(HGFS_OP_OPEN_V3);
	uint32_t st;

	p64(p, 0xc3f);
	p32(p + 8, mode);
	p32(p + 12, flags);
	p[17] = 6;
	p[18] = 4;
	p[19] = 4;
	st = send_req(64 + put_name(p + 64, path));
	if (!st && handle)
		*handle = g32(out());
	return st;
}

static uint32_t do_simple_name(uint32_t op, size_t off, const char *path)
{
	uint8_t *p = begin(op);

	return send_req(off + put_name(p + off, path));
}

static uint32_t do_close(uint32_t op, uint32_t handle)
{
	uint8_t *p = begin(op);

	p32(p, handle);
	return send_req(12);
}

static uint32_t do_write(uint32_t handle, uint64_t offset, const void *data, uint32_t n, uint8_t flags)
{
	uint8_t *p = begin(HGFS_OP_WRITE_V3);

	p32(p, handle);
	p[4] = flags;
	p64(p + 5, offset);
	p32(p + 13, n);
	memcpy(p + 25, data, n);
	return send_req(25 + n);
}

static uint32_t do_read(uint32_t handle, uint64_t offset, uint32_t n)
{
	uint8_t *p = begin(HGFS_OP_READ_V3);

	p32(p, handle);
	p64(p + 4, offset);
	p32(p + 12, n);
	return send_req(24);
}

static uint32_t do_rename(const char *from, const char *to, uint64_t hints)
{
	uint8_t *p = begin(HGFS_OP_RENAME_V3);
	size_t n;

	p64(p, hints);
	n = 16 + put_name(p + 16, from);
	return send_req(n + put_name(p + n, to));
}

static uint32_t do_mkdir(const char *path)
{
	uint8_t *p = begin(HGFS_OP_CREATE_DIR_V3);

	p64(p, 0x1f);
	p[9] = 7;
	p[10] = 5;
	p[11] = 5;
	return send_req(20 + put_name(p + 20, path));
}

static uint32_t do_symlink(const char *path, const char *target)
{
	uint8_t *p = begin(HGFS_OP_CREATE_SYMLINK_V3);
	size_t n = 8 + put_name(p + 8, path);

	return send_req(n + put_name(p + n, target));
}

static char *host_path(const char *rel)
{
	static char buf[384];

	snprintf(buf, sizeof(buf), "%s/%s", root, rel);
	return buf;
}

static void write_host(const char *rel, const char *text)
{
	int fd = open(host_path(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

static bool setup(void)
{
	char cmd[600];

	hgfs_server_destroy(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/data/sub %s/ro %s/outside", root, root, root, root);
	CHECK(!system(cmd));
	write_host("data/a.txt", "hello");
	write_host("ro/r.txt", "readonly");
	write_host("outside/secret", "secret");
	CHECK(!symlink("/etc", host_path("data/abs")));
	CHECK(!symlink("../outside", host_path("data/up")));
	CHECK(!symlink("sub", host_path("data/inner")));
	hgfs_server_init(&srv, 42);
	snprintf(cmd, sizeof(cmd), "data:%s/data;ro:%s/ro:ro", root, root);
	{
		char *err = NULL;

		CHECK(!hgfs_server_add_shares(&srv, cmd, &err));
		free(err);
	}
	session = 0;
	return true;
}

static bool test_time_conversion(void)
{
	int64_t sec;
	long nsec;

	CHECK(hgfs_time_to_nt(1700000000, 0) == 0x01DA1747C66D0000ull);
	CHECK(hgfs_time_to_nt(0, 0) == HGFS_NT_UNIX_EPOCH);
	CHECK(hgfs_time_to_nt(-20000000000LL, 0) == 0);
	CHECK(hgfs_time_from_nt(0x01DA1747C66D0000ull + 1234567, &sec, &nsec));
	CHECK(sec == 1700000000 && nsec == 123456700);
	CHECK(!hgfs_time_from_nt(5, &sec, &nsec) && sec == 0 && nsec == 0);
	return true;
}

static bool test_ping_and_garbage(void)
{
	static const uint8_t v4_op_no_header[8] = { 1, 0, 0, 0, 41, 0, 0, 0 };

	CHECK(setup());
	CHECK(hgfs_server_handle(&srv, req, 0, rep, sizeof(rep)) == 0);
	CHECK(hgfs_server_handle(&srv, req, 7, rep, sizeof(rep)) == 0);
	/* An op >= 41 without the V4 header is unparseable: empty reply (§2.4). */
	CHECK(hgfs_server_handle(&srv, v4_op_no_header, 8, rep, sizeof(rep)) == 0);
	/* V1/V2 ops are answered PROTOCOL_ERROR, lock change NOT_SUPPORTED (§3.1). */
	begin(7);
	CHECK(send_req(5) == HGFS_STATUS_PROTOCOL_ERROR && rep_len == 8);
	CHECK(g32(rep) == next_id);
	begin(HGFS_OP_SERVER_LOCK_CHANGE_V3);
	CHECK(send_req(8) == HGFS_STATUS_OPERATION_NOT_SUPPORTED);
	/* CREATE_SESSION needs the V4 header: without it, unparseable. */
	begin(HGFS_OP_CREATE_SESSION_V4);
	CHECK(send_req(24) == 0xdead && rep_len == 0);
	return true;
}

/* Spec vector V2: GETATTR_V3 of share/a.txt; reply 137 bytes with mask 0x2FBFF. */
static bool test_getattr_vector(void)
{
	static const char v2[] = "010000001f000000000000000000000000000000000000000b0000000000000001000000ffffffff736861726500612e74787400";
	uint8_t packet[52];
	struct stat st;
	size_t i;

	CHECK(setup());
	CHECK(!hgfs_server_set_share_removed(&srv, "data", false));
	{
		char *err = NULL, spec[300];

		snprintf(spec, sizeof(spec), "share:%s/data", root);
		CHECK(!hgfs_server_add_shares(&srv, spec, &err));
	}
	for (i = 0; i < sizeof(packet); i++)
		sscanf(v2 + 2 * i, "%2hhx", &packet[i]);
	rep_len = hgfs_server_handle(&srv, packet, sizeof(packet), rep, sizeof(rep));
	CHECK(rep_len == 137);
	CHECK(g32(rep) == 1 && g32(rep + 4) == 0);
	CHECK(g64(rep + 8) == 0x2fbff);
	CHECK(g32(rep + 16) == HGFS_FILE_TYPE_REGULAR && g64(rep + 20) == 5);
	CHECK(!stat(host_path("data/a.txt"), &st));
	CHECK(g64(rep + 44) == hgfs_time_to_nt(st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
	CHECK(rep[61] == 6 && rep[62] == 4 && rep[63] == 4);
	CHECK(g64(rep + 88) == st.st_ino);
	CHECK(g32(rep + 120) == 0 && rep[136] == 0);
	/* Missing file: the 8-byte error reply of vector V4. */
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "share/none") == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	CHECK(rep_len == 8);
	return true;
}

static bool test_root_listing(void)
{
	uint32_t search, i;
	const char *want[] = { ".", "..", "data", "ro" };

	CHECK(setup());
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "") == 0);
	CHECK(g64(out()) == 0x3ff && g32(out() + 8) == HGFS_FILE_TYPE_DIRECTORY);
	CHECK(do_simple_name(HGFS_OP_SEARCH_OPEN_V3, 8, "") == 0 && out_len() == 12);
	search = g32(out());
	for (i = 0; i < 4; i++) {
		uint8_t *p = begin(HGFS_OP_SEARCH_READ_V3);

		p32(p, search);
		p32(p + 4, i);
		CHECK(send_req(20) == 0);
		CHECK(g64(out()) == 1);
		CHECK(g32(out() + 124) == strlen(want[i]));
		CHECK(!memcmp(out() + 140, want[i], strlen(want[i])) && out()[140 + strlen(want[i])] == 0);
		CHECK(out_len() == (long)(17 + 128 + strlen(want[i])));
		CHECK(g32(out() + 20 + 8) == HGFS_FILE_TYPE_DIRECTORY);
	}
	{
		uint8_t *p = begin(HGFS_OP_SEARCH_READ_V3);

		p32(p, search);
		p32(p + 4, 4);
		CHECK(send_req(20) == 0 && g32(out() + 124) == 0 && out_len() == 145);
	}
	CHECK(do_close(HGFS_OP_SEARCH_CLOSE_V3, search) == 0);
	CHECK(do_close(HGFS_OP_SEARCH_CLOSE_V3, search) == HGFS_STATUS_INVALID_HANDLE);
	/* Operations naming the root itself, or a new top-level name. */
	CHECK(do_simple_name(HGFS_OP_DELETE_FILE_V3, 16, "") == HGFS_STATUS_INVALID_NAME);
	CHECK(do_mkdir("newshare") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_open("newshare", 2, HGFS_OPEN_CREATE, NULL) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "nope/x") == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	return true;
}

static bool test_file_io(void)
{
	uint32_t h, h2;
	static uint8_t big[61440];
	size_t i;
	int fd;

	CHECK(setup());
	CHECK(do_open("data/a.txt", HGFS_OPEN_MODE_READ_ONLY, HGFS_OPEN, &h) == 0);
	CHECK(out_len() == 16 && h != HGFS_INVALID_HANDLE);
	/* Vector V6 shape: 8 + 12 + 5 + the slack byte. */
	CHECK(do_read(h, 0, 4096) == 0 && rep_len == 26);
	CHECK(g32(out()) == 5 && !memcmp(out() + 12, "hello", 5));
	CHECK(do_read(h, 5, 100) == 0 && g32(out()) == 0);
	CHECK(do_write(h, 0, "x", 1, 0) == HGFS_STATUS_INVALID_HANDLE);
	CHECK(do_close(HGFS_OP_CLOSE_V3, h) == 0 && out_len() == 8);
	CHECK(do_read(h, 0, 1) == HGFS_STATUS_INVALID_HANDLE);

	CHECK(do_open("data/new.bin", HGFS_OPEN_MODE_READ_WRITE, HGFS_OPEN_CREATE_SAFE, &h) == 0);
	CHECK(do_open("data/new.bin", HGFS_OPEN_MODE_READ_WRITE, HGFS_OPEN_CREATE_SAFE, NULL) ==
	      HGFS_STATUS_FILE_EXISTS);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	/* A legacy write can carry a large packet; the reply is 12 bytes. */
	CHECK(do_write(h, 0, big, 4096, 0) == 0 && g32(out()) == 4096 && out_len() == 12);
	CHECK(do_write(h, 4096, big + 4096, 4096, 0) == 0);
	CHECK(do_write(h, 0, "APP", 3, HGFS_WRITE_APPEND) == 0);
	CHECK(do_read(h, 8192, 3) == 0 && !memcmp(out() + 12, "APP", 3));
	/* Legacy read of one page: at most 6144 bytes of reply. */
	CHECK(do_read(h, 0, 4096) == 0 && g32(out()) == 4096 && !memcmp(out() + 12, big, 4096));
	CHECK(do_read(h, 0, 60000) == 0 && g32(out()) == 8195);
	CHECK(rep_len <= HGFS_LARGE_PACKET_MAX);
	/* A write claiming more data than the packet has is malformed. */
	{
		uint8_t *p = begin(HGFS_OP_WRITE_V3);

		p32(p, h);
		p32(p + 13, 100);
		CHECK(send_req(25 + 10) == HGFS_STATUS_PROTOCOL_ERROR);
		CHECK(send_req(25) == HGFS_STATUS_PROTOCOL_ERROR);
	}
	/* Truncate-on-open, exclusive create refused, open of a missing file. */
	CHECK(do_open("data/new.bin", HGFS_OPEN_MODE_WRITE_ONLY, HGFS_OPEN_EMPTY, &h2) == 0);
	CHECK(do_close(HGFS_OP_CLOSE_V3, h2) == 0);
	fd = open(host_path("data/new.bin"), O_RDONLY);
	CHECK(fd >= 0 && lseek(fd, 0, SEEK_END) == 0);
	close(fd);
	CHECK(do_open("data/missing", 0, HGFS_OPEN, NULL) == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	/* Missing mask bits are a protocol error (§3.6.1). */
	{
		uint8_t *p = begin(HGFS_OP_OPEN_V3);

		p64(p, HGFS_OPEN_VALID_FILE_NAME);
		CHECK(send_req(64 + put_name(p + 64, "data/a.txt")) == HGFS_STATUS_PROTOCOL_ERROR);
	}
	/* Getattr by handle and by a handle of another kind. */
	{
		uint8_t *p = begin(HGFS_OP_GETATTR_V3);

		put_fid(p + 16, h);
		CHECK(send_req(33) == 0 && g64(out() + 12) == 0);
		p = begin(HGFS_OP_GETATTR_V3);
		put_fid(p + 16, 0x7777);
		CHECK(send_req(33) == HGFS_STATUS_INVALID_HANDLE);
	}
	CHECK(do_close(HGFS_OP_CLOSE_V3, h) == 0);
	return true;
}

static bool test_namespace_ops(void)
{
	struct stat st;
	uint32_t h;
	char target[64];
	ssize_t n;

	CHECK(setup());
	CHECK(do_mkdir("data/d1") == 0);
	CHECK(!stat(host_path("data/d1"), &st) && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755);
	CHECK(do_mkdir("data/d1") == HGFS_STATUS_FILE_EXISTS);
	CHECK(do_mkdir("data/nodir/x") == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	CHECK(do_open("data/d1/f", 2, HGFS_OPEN_CREATE, &h) == 0);
	CHECK(do_simple_name(HGFS_OP_DELETE_DIR_V3, 16, "data/d1") == HGFS_STATUS_DIR_NOT_EMPTY);
	/* Rename keeps the open handle's path (§5.2). */
	CHECK(do_rename("data/d1/f", "data/d1/g", 0) == 0);
	{
		uint8_t *p = begin(HGFS_OP_DELETE_FILE_V3);

		put_fid(p + 16, h);
		CHECK(send_req(33) == 0);
	}
	CHECK(stat(host_path("data/d1/g"), &st) && errno == ENOENT);
	CHECK(do_close(HGFS_OP_CLOSE_V3, h) == 0);
	CHECK(do_simple_name(HGFS_OP_DELETE_FILE_V3, 16, "data/d1") == HGFS_STATUS_FILE_EXISTS);
	CHECK(do_simple_name(HGFS_OP_DELETE_DIR_V3, 16, "data/d1") == 0);
	CHECK(do_simple_name(HGFS_OP_DELETE_DIR_V3, 16, "data/a.txt") == HGFS_STATUS_NOT_DIRECTORY);
	/* Rename over an existing file, and NO_REPLACE_EXISTING. */
	write_host("data/b.txt", "bbb");
	CHECK(do_rename("data/a.txt", "data/b.txt", HGFS_RENAME_HINT_NO_REPLACE_EXISTING) ==
	      HGFS_STATUS_FILE_EXISTS);
	CHECK(do_rename("data/a.txt", "data/b.txt", 0) == 0);
	CHECK(!stat(host_path("data/b.txt"), &st) && st.st_size == 5);
	CHECK(do_rename("data/nothere", "data/x", 0) == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	/* Symlink: stored as given, reported by GETATTR in CPNameLite form. */
	CHECK(do_symlink("data/ln", "../x/y") == 0);
	n = readlink(host_path("data/ln"), target, sizeof(target) - 1);
	CHECK(n == 6 && !memcmp(target, "../x/y", 6));
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/ln") == 0);
	CHECK(g32(out() + 8) == HGFS_FILE_TYPE_SYMLINK && g32(out() + 112) == 6);
	CHECK(!memcmp(out() + 128, "..\0x\0y", 7));
	CHECK(!(g64(out()) & HGFS_ATTR_VALID_EFFECTIVE_PERMS));
	/* Volume info of a share and of the root. */
	CHECK(do_simple_name(HGFS_OP_QUERY_VOLUME_INFO_V3, 8, "data") == 0 && out_len() == 24);
	CHECK(g64(out() + 8) > 0 && g64(out()) <= g64(out() + 8));
	CHECK(do_simple_name(HGFS_OP_QUERY_VOLUME_INFO_V3, 8, "") == 0 && g64(out() + 8) > 0);
	return true;
}

static bool test_setattr(void)
{
	uint8_t *p;
	struct stat st;

	CHECK(setup());
	p = begin(HGFS_OP_SETATTR_V3);
	p64(p, HGFS_ATTR_HINT_SET_WRITE_TIME);
	p64(p + 8, HGFS_ATTR_VALID_OWNER_PERMS | HGFS_ATTR_VALID_OTHER_PERMS |
		   HGFS_ATTR_VALID_SIZE | HGFS_ATTR_VALID_WRITE_TIME);
	p[8 + HGFS_ATTR_OFF_OWNER_PERMS] = 7;
	p[8 + HGFS_ATTR_OFF_OTHER_PERMS] = 0;
	p64(p + 8 + HGFS_ATTR_OFF_SIZE, 2);
	p64(p + 8 + HGFS_ATTR_OFF_WRITE_TIME, hgfs_time_to_nt(1700000000, 500));
	CHECK(send_req(120 + put_name(p + 120, "data/a.txt")) == 0);
	CHECK(!stat(host_path("data/a.txt"), &st));
	CHECK((st.st_mode & 0777) == 0740 && st.st_size == 2);
	CHECK(st.st_mtim.tv_sec == 1700000000 && st.st_mtim.tv_nsec == 500);
	/* A symlink is refused by name (§5.6). */
	p = begin(HGFS_OP_SETATTR_V3);
	p64(p + 8, HGFS_ATTR_VALID_OWNER_PERMS);
	CHECK(send_req(120 + put_name(p + 120, "data/inner")) == HGFS_STATUS_INVALID_NAME);
	CHECK(!lstat(host_path("data/sub"), &st) && (st.st_mode & 0700) == 0700);
	return true;
}

static bool test_readonly_share(void)
{
	uint32_t h;

	CHECK(setup());
	CHECK(do_open("ro/r.txt", HGFS_OPEN_MODE_READ_ONLY, HGFS_OPEN, &h) == 0);
	CHECK(do_read(h, 0, 100) == 0 && g32(out()) == 8);
	CHECK(do_close(HGFS_OP_CLOSE_V3, h) == 0);
	CHECK(do_open("ro/r.txt", HGFS_OPEN_MODE_READ_WRITE, HGFS_OPEN, NULL) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_open("ro/r.txt", HGFS_OPEN_MODE_WRITE_ONLY, HGFS_OPEN_EMPTY, NULL) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_open("ro/n", HGFS_OPEN_MODE_READ_WRITE, HGFS_OPEN_CREATE, NULL) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_open("ro/n", HGFS_OPEN_MODE_READ_ONLY, HGFS_OPEN, NULL) == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	CHECK(do_mkdir("ro/d") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_mkdir("ro/r.txt") == HGFS_STATUS_FILE_EXISTS);
	CHECK(do_simple_name(HGFS_OP_DELETE_FILE_V3, 16, "ro/r.txt") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_simple_name(HGFS_OP_DELETE_FILE_V3, 16, "ro/zz") == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	CHECK(do_rename("ro/r.txt", "ro/s.txt", 0) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_rename("data/a.txt", "ro/a.txt", 0) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_symlink("ro/l", "x") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "ro/r.txt") == 0);
	CHECK(!(out()[HGFS_ATTR_OFF_EFFECTIVE_PERMS] & 2));
	CHECK(access(host_path("ro/r.txt"), F_OK) == 0);
	return true;
}

static bool test_escapes(void)
{
	uint8_t *p;

	CHECK(setup());
	/* "." and ".." components, '/', empty ends, bad UTF-8: INVALID_NAME. */
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/../outside/secret") == HGFS_STATUS_INVALID_NAME);
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/./a.txt") == HGFS_STATUS_INVALID_NAME);
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/") == HGFS_STATUS_INVALID_NAME);
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "/data") == HGFS_STATUS_INVALID_NAME);
	p = begin(HGFS_OP_GETATTR_V3);
	put_name(p + 16, "data/a.txt");
	p[16 + 16 + 5] = '/';	/* "data\0a/txt" */
	CHECK(send_req(33 + 10) == HGFS_STATUS_INVALID_NAME);
	p = begin(HGFS_OP_GETATTR_V3);
	put_name(p + 16, "data/ab");
	p[16 + 16 + 5] = 0xc3;
	p[16 + 16 + 6] = 0x28;
	CHECK(send_req(33 + 7) == HGFS_STATUS_INVALID_NAME);
	/* Doubled separators collapse. */
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data//a.txt") == 0);
	/* Symlinks out of the share (absolute, relative via ..) are not followed. */
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/abs/passwd") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/up/secret") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_open("data/up/secret", 0, HGFS_OPEN, NULL) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_open("data/up/new", 2, HGFS_OPEN_CREATE, NULL) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(access(host_path("outside/new"), F_OK) && errno == ENOENT);
	CHECK(do_simple_name(HGFS_OP_SEARCH_OPEN_V3, 8, "data/abs/ssl") == HGFS_STATUS_ACCESS_DENIED);
	/* A symlink as the last component is not listed through. */
	CHECK(do_simple_name(HGFS_OP_SEARCH_OPEN_V3, 8, "data/abs") == HGFS_STATUS_NOT_DIRECTORY);
	CHECK(do_simple_name(HGFS_OP_SEARCH_OPEN_V3, 8, "data/up") == HGFS_STATUS_NOT_DIRECTORY);
	CHECK(do_mkdir("data/up/dir") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_rename("data/up/secret", "data/stolen", 0) == HGFS_STATUS_ACCESS_DENIED);
	CHECK(do_simple_name(HGFS_OP_DELETE_FILE_V3, 16, "data/up/secret") == HGFS_STATUS_ACCESS_DENIED);
	CHECK(access(host_path("outside/secret"), F_OK) == 0);
	/* The final component is never followed: opening a symlink fails. */
	CHECK(do_open("data/up", 0, HGFS_OPEN, NULL) != 0);
	/* A symlink that stays inside the share is followed as a directory. */
	CHECK(do_open("data/inner/../a.txt", 0, HGFS_OPEN, NULL) == HGFS_STATUS_INVALID_NAME);
	CHECK(do_mkdir("data/inner/in") == 0);
	CHECK(access(host_path("data/sub/in"), F_OK) == 0);
	return true;
}

static bool test_sessions(void)
{
	static const char v11[] = "01000000ff0000004c000000340000000000000029000000000000000100000000000000000000000000000000000000000000000000000000f8000000000000000000000000000000000000";
	uint8_t packet[76];
	uint64_t sid, sid2;
	uint32_t h, old_h;
	size_t i;

	CHECK(setup());
	for (i = 0; i < sizeof(packet); i++)
		sscanf(v11 + 2 * i, "%2hhx", &packet[i]);
	rep_len = hgfs_server_handle(&srv, packet, sizeof(packet), rep, sizeof(rep));
	CHECK(rep_len == 52 + 28 + 8 * HGFS_OP_MAX);
	CHECK(rep[0] == 1 && g32(rep + 4) == 0xff && g32(rep + 8) == rep_len && g32(rep + 12) == 52);
	CHECK(g32(rep + 20) == 41 && g32(rep + 24) == 0 && g32(rep + 28) == 2);
	CHECK(g64(rep + 36) == HGFS_V4_NO_SESSION);
	sid = g64(rep + 52);
	CHECK(sid && g32(rep + 60) == HGFS_OP_MAX && g32(rep + 64) == 63488);
	CHECK(g32(rep + 72) & HGFS_SESSION_MAXPACKETSIZE_VALID);
	CHECK(g32(rep + 80 + 8 * 24) == 24 && g32(rep + 84 + 8 * 24) == 1);
	CHECK(g32(rep + 84 + 8 * 19) == 0 && g32(rep + 84 + 8 * 1) == 0);

	/* A handle opened in the legacy session is not visible in the V4 one. */
	CHECK(do_open("data/a.txt", 0, HGFS_OPEN, &old_h) == 0);
	session = sid;
	CHECK(do_read(old_h, 0, 5) == HGFS_STATUS_INVALID_HANDLE);
	CHECK(g64(rep + 36) == sid && g32(rep + 28) == HGFS_V4_FLAG_REPLY && g32(rep + 32) == 2);
	CHECK(do_open("data/a.txt", 0, HGFS_OPEN, &h) == 0);
	/* Session reads go up to the negotiated packet size. */
	{
		static uint8_t big[61440];
		uint32_t w;

		memset(big, 'z', sizeof(big));
		CHECK(do_open("data/big", 2, HGFS_OPEN_CREATE, &w) == 0);
		CHECK(do_write(w, 0, big, sizeof(big), 0) == 0 && g32(out()) == sizeof(big));
		CHECK(do_read(w, 0, 61440) == 0 && g32(out()) == 61440);
		CHECK(rep_len <= 63488 && g32(rep + 8) == rep_len);
		CHECK(do_read(w, 0, 100000) == 0 && rep_len <= 63488);
	}
	/* A second session, then destroy the first: its handles are gone. */
	session = 0;
	rep_len = hgfs_server_handle(&srv, packet, sizeof(packet), rep, sizeof(rep));
	sid2 = g64(rep + 52);
	CHECK(sid2 && sid2 != sid);
	session = sid;
	begin(HGFS_OP_DESTROY_SESSION_V4);
	CHECK(send_req(8) == 0 && out_len() == 8);
	CHECK(do_read(h, 0, 5) == HGFS_STATUS_STALE_SESSION && rep_len == 52);
	session = sid2;
	CHECK(do_read(h, 0, 5) == HGFS_STATUS_INVALID_HANDLE);
	/* The session table is bounded. */
	session = 0;
	for (i = 0; i < HGFS_MAX_SESSIONS; i++)
		rep_len = hgfs_server_handle(&srv, packet, sizeof(packet), rep, sizeof(rep));
	CHECK(g32(rep + 24) == HGFS_STATUS_TOO_MANY_SESSIONS);
	/* Spec vector V12: GETATTR in an unknown session: STALE_SESSION, 52 bytes. */
	session = 0x1122334455667788ull;
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/a.txt") == HGFS_STATUS_STALE_SESSION);
	CHECK(rep_len == 52 && g32(rep + 32) == HGFS_STATUS_STALE_SESSION);
	/* Bad V4 headers: empty reply. */
	session = sid2;
	begin(HGFS_OP_GETATTR_V3);
	req_len = 60;
	p32(req + 8, 1000);
	CHECK(hgfs_server_handle(&srv, req, req_len, rep, sizeof(rep)) == 0);
	p32(req + 8, 60);
	p32(req + 12, 20);
	CHECK(hgfs_server_handle(&srv, req, req_len, rep, sizeof(rep)) == 0);
	return true;
}

static bool test_handle_limits(void)
{
	uint32_t h = 0, first = 0, i, st = 0;

	CHECK(setup());
	for (i = 0; i < HGFS_MAX_HANDLES + 5; i++) {
		st = do_open("data/a.txt", 0, HGFS_OPEN, &h);
		if (st)
			break;
		if (!i)
			first = h;
	}
	CHECK(i == HGFS_MAX_HANDLES && st == HGFS_STATUS_GENERIC_ERROR);
	CHECK(srv.node_count == HGFS_MAX_HANDLES);
	CHECK(do_close(HGFS_OP_CLOSE_V3, first) == 0);
	CHECK(do_open("data/a.txt", 0, HGFS_OPEN, &h) == 0 && h != first);
	/* Never the invalid handle, even at wrap-around (§5.2). */
	CHECK(do_close(HGFS_OP_CLOSE_V3, h) == 0);
	srv.next_handle = HGFS_INVALID_HANDLE;
	CHECK(do_open("data/a.txt", 0, HGFS_OPEN, &h) == 0 && h == 0);
	hgfs_server_reset(&srv);
	CHECK(srv.node_count == 0);
	return true;
}

static bool test_removed_share(void)
{
	uint32_t h;
	char *removed;

	CHECK(setup());
	CHECK(do_open("data/a.txt", 0, HGFS_OPEN, &h) == 0);
	CHECK(!hgfs_server_set_share_removed(&srv, "data", true));
	CHECK(hgfs_server_set_share_removed(&srv, "nope", true) == -ENOENT);
	removed = hgfs_server_removed_shares(&srv);
	CHECK(removed && !strcmp(removed, "data"));
	free(removed);
	CHECK(do_read(h, 0, 5) == HGFS_STATUS_INVALID_HANDLE);
	CHECK(do_simple_name(HGFS_OP_GETATTR_V3, 16, "data/a.txt") == HGFS_STATUS_NO_SUCH_FILE_OR_DIR);
	CHECK(do_simple_name(HGFS_OP_SEARCH_OPEN_V3, 8, "") == 0);
	{
		uint32_t search = g32(out());
		uint8_t *p = begin(HGFS_OP_SEARCH_READ_V3);

		p32(p, search);
		p32(p + 4, 2);
		CHECK(send_req(20) == 0 && g32(out() + 124) == 2 && !memcmp(out() + 140, "ro", 2));
	}
	CHECK(!hgfs_server_set_share_removed(&srv, "data", false));
	CHECK(do_read(h, 0, 5) == 0 && g32(out()) == 5);
	return true;
}

static bool test_faults(void)
{
	uint32_t h;

	CHECK(setup());
	CHECK(hgfs_server_set_fault(&srv, "bogus") == -1);
	CHECK(do_open("data/a.txt", 0, HGFS_OPEN, &h) == 0);
	CHECK(!hgfs_server_set_fault(&srv, "wrong-id"));
	CHECK(do_read(h, 0, 5) == 0 && g32(rep) != next_id);
	CHECK(!hgfs_server_set_fault(&srv, "wrong-status"));
	CHECK(do_read(h, 0, 5) == HGFS_FAULT_BAD_STATUS_VALUE);
	CHECK(!hgfs_server_set_fault(&srv, "truncate"));
	do_read(h, 0, 5);
	CHECK(rep_len == 13);
	CHECK(!hgfs_server_set_fault(&srv, "overlength"));
	CHECK(do_read(h, 0, 5) == 0 && g32(out()) > (uint32_t)rep_len);
	CHECK(do_simple_name(HGFS_OP_SEARCH_OPEN_V3, 8, "data") == 0);
	CHECK(!hgfs_server_set_fault(&srv, "silent"));
	CHECK(hgfs_server_handle(&srv, req, req_len, rep, sizeof(rep)) == -1);
	CHECK(!hgfs_server_set_fault(&srv, "none"));
	CHECK(do_read(h, 0, 5) == 0 && g32(out()) == 5 && g32(rep) == next_id);
	CHECK(!strcmp(hgfs_fault_name(srv.fault), "none"));
	return true;
}

static bool test_host_cksum(void)
{
	uint32_t crc;
	uint64_t size;

	CHECK(setup());
	/* cksum(1) of "hello" is 3287646509 5. */
	CHECK(!hgfs_server_host_cksum(&srv, "data/a.txt", &crc, &size));
	CHECK(crc == 3287646509u && size == 5);
	CHECK(hgfs_server_host_cksum(&srv, "data/up/secret", &crc, &size) == -EACCES);
	CHECK(hgfs_server_host_cksum(&srv, "data/none", &crc, &size) == -ENOENT);
	CHECK(hgfs_server_host_cksum(&srv, "none/x", &crc, &size) == -ENOENT);
	return true;
}

static bool test_share_config(void)
{
	struct hgfs_server s2;
	char *err = NULL;

	hgfs_server_init(&s2, 1);
	CHECK(hgfs_server_add_shares(&s2, "bad", &err) == -EINVAL && err);
	free(err);
	CHECK(hgfs_server_add_shares(&s2, "x:/nonexistent/dir", &err) == -ENOENT && err);
	free(err);
	CHECK(hgfs_server_add_share(&s2, "..", "/tmp", false) == -EINVAL);
	CHECK(hgfs_server_add_share(&s2, "a/b", "/tmp", false) == -EINVAL);
	CHECK(hgfs_server_add_shares(&s2, "t:/tmp:ro;u:/tmp", &err) == 0 && !err);
	CHECK(s2.share_count == 2 && s2.shares[0].readonly && !s2.shares[1].readonly);
	CHECK(hgfs_server_add_share(&s2, "t", "/tmp", false) == -EEXIST);
	hgfs_server_destroy(&s2);
	return true;
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/pvtools-hgfs-test.%d", (int)getpid());
	hgfs_server_init(&srv, 1);
	printf("KTAP version 1\n1..15\n");
	ktap_run("hgfs-time-conversion", test_time_conversion);
	ktap_run("hgfs-ping-and-garbage", test_ping_and_garbage);
	ktap_run("hgfs-getattr-vector", test_getattr_vector);
	ktap_run("hgfs-root-listing", test_root_listing);
	ktap_run("hgfs-file-io", test_file_io);
	ktap_run("hgfs-namespace-ops", test_namespace_ops);
	ktap_run("hgfs-setattr", test_setattr);
	ktap_run("hgfs-readonly-share", test_readonly_share);
	ktap_run("hgfs-escapes", test_escapes);
	ktap_run("hgfs-sessions", test_sessions);
	ktap_run("hgfs-handle-limits", test_handle_limits);
	ktap_run("hgfs-removed-share", test_removed_share);
	ktap_run("hgfs-faults", test_faults);
	ktap_run("hgfs-share-config", test_share_config);
	ktap_run("hgfs-host-cksum", test_host_cksum);
	hgfs_server_destroy(&srv);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd))
			return 1;
	}
	return ktap_failures ? 1 : 0;
}
