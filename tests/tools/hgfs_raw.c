// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A raw HGFS client for hostile-guest tests: sends one legacy-header V3
 * request over the backdoor's low-bandwidth message channel (root, iopl)
 * and prints the reply's HGFS status, so a test can show the server
 * refuses names a well-behaved client never sends ("..", a path through a
 * symlink that leaves the share).
 * Usage: hgfs_raw getattr|create|mkdir|search CPPATH
 *   CPPATH: '/' separates components (sent as NUL); prints "status N".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#include "pvtools/backdoor_abi.h"
#include "pvtools/hgfs_abi.h"

struct channel {
	uint32_t id, cookie_high, cookie_low;
};

static void port_in(struct bdoor_regs *regs)
{
	asm volatile("inl %%dx, %%eax"
		     : "+a"(regs->rax), "+b"(regs->rbx), "+c"(regs->rcx),
		       "+d"(regs->rdx), "+S"(regs->rsi), "+D"(regs->rdi)
		     : : "memory");
}

/* One message sub-command; returns the status half of ECX. */
static uint32_t call(const struct channel *ch, uint32_t sub, uint32_t ebx, struct bdoor_regs *out)
{
	struct bdoor_regs regs = {
		.rax = BDOOR_MAGIC, .rbx = ebx, .rcx = sub << 16 | BDOOR_CMD_MESSAGE,
		.rdx = ch->id << 16 | BDOOR_PORT, .rsi = ch->cookie_high, .rdi = ch->cookie_low,
	};

	port_in(&regs);
	if (out)
		*out = regs;
	return (uint32_t)regs.rcx >> 16;
}

static int rpc(const uint8_t *msg, uint32_t len, uint8_t *reply, uint32_t cap)
{
	struct channel ch = { 0 };
	struct bdoor_regs regs;
	uint32_t i, rlen;

	if (!(call(&ch, MESSAGE_TYPE_OPEN, GUESTMSG_PROTO_RPCI | GUESTMSG_FLAG_COOKIE, &regs) &
	      MESSAGE_STATUS_SUCCESS))
		return -1;
	ch.id = (uint32_t)regs.rdx >> 16;
	ch.cookie_high = (uint32_t)regs.rsi;
	ch.cookie_low = (uint32_t)regs.rdi;
	if (!(call(&ch, MESSAGE_TYPE_SENDSIZE, len, NULL) & MESSAGE_STATUS_SUCCESS))
		return -1;
	for (i = 0; i < len; i += 4) {
		uint32_t word = 0, k;

		for (k = 0; k < 4 && i + k < len; k++)
			word |= (uint32_t)msg[i + k] << (8 * k);
		if (!(call(&ch, MESSAGE_TYPE_SENDPAYLOAD, word, NULL) & MESSAGE_STATUS_SUCCESS))
			return -1;
	}
	if (!(call(&ch, MESSAGE_TYPE_RECVSIZE, 0, &regs) & MESSAGE_STATUS_DORECV))
		return -1;
	rlen = (uint32_t)regs.rbx;
	if (rlen > cap)
		return -1;
	for (i = 0; i < rlen; i += 4) {
		uint32_t k;

		if (!(call(&ch, MESSAGE_TYPE_RECVPAYLOAD, 1, &regs) & MESSAGE_STATUS_SUCCESS))
			return -1;
		for (k = 0; k < 4 && i + k < rlen; k++)
			reply[i + k] = (uint8_t)(regs.rbx >> (8 * k));
	}
	call(&ch, MESSAGE_TYPE_RECVSTATUS, 1, NULL);
	call(&ch, MESSAGE_TYPE_CLOSE, 0, NULL);
	return (int)rlen;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

int main(int argc, char **argv)
{
	static uint8_t msg[8192], reply[8192];
	uint8_t *p = msg + 2 + HGFS_HEADER_LEGACY_SIZE;
	size_t n, i, off;
	uint32_t op;
	int len;

	if (argc != 3 || (n = strlen(argv[2])) > 4000) {
		fprintf(stderr, "usage: hgfs_raw getattr|create|mkdir|search CPPATH\n");
		return 2;
	}
	if (!strcmp(argv[1], "getattr")) {
		op = HGFS_OP_GETATTR_V3;
		off = 16;
	} else if (!strcmp(argv[1], "create")) {
		op = HGFS_OP_OPEN_V3;
		off = 64;
		put32(p, HGFS_OPEN_VALID_MODE | HGFS_OPEN_VALID_FLAGS | HGFS_OPEN_VALID_FILE_NAME);
		put32(p + 8, HGFS_OPEN_MODE_READ_WRITE);
		put32(p + 12, HGFS_OPEN_CREATE);
	} else if (!strcmp(argv[1], "mkdir")) {
		op = HGFS_OP_CREATE_DIR_V3;
		off = 20;
		put32(p, HGFS_CREATE_DIR_VALID_FILE_NAME);
	} else if (!strcmp(argv[1], "search")) {
		op = HGFS_OP_SEARCH_OPEN_V3;
		off = 8;
	} else {
		fprintf(stderr, "unknown operation %s\n", argv[1]);
		return 2;
	}
	if (iopl(3)) {
		perror("iopl");
		return 1;
	}
	memcpy(msg, HGFS_RPCI_PREFIX, HGFS_RPCI_PREFIX_LEN);
	put32(msg + 2, 1);
	put32(msg + 6, op);
	put32(p + off, (uint32_t)n);
	put32(p + off + 8, 1);
	put32(p + off + 12, HGFS_INVALID_HANDLE);
	for (i = 0; i < n; i++)
		p[off + 16 + i] = argv[2][i] == '/' ? 0 : (uint8_t)argv[2][i];
	p[off + 16 + n] = 0;
	len = rpc(msg, (uint32_t)(2 + HGFS_HEADER_LEGACY_SIZE + off + 17 + n), reply, sizeof(reply));
	if (len < 2 + (int)HGFS_HEADER_LEGACY_SIZE || memcmp(reply, "1 ", 2)) {
		fprintf(stderr, "no HGFS reply (%d bytes)\n", len);
		return 1;
	}
	printf("status %u\n", reply[6] | reply[7] << 8 | reply[8] << 16 | (uint32_t)reply[9] << 24);
	return 0;
}
