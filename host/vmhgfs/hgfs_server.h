/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated host: the HGFS (shared folders) server. Plain C without QEMU
 * headers: host/qemu/vmware_hgfs.c feeds it the bytes after "f " of an RPCI
 * request, and the unit tests and the fuzzer call it directly.
 *
 * Paths never leave a share: every name is resolved with openat2() and
 * RESOLVE_BENEATH below the share's root directory fd, and the last
 * component is acted on with *at() calls that do not follow symlinks.
 */
#ifndef PVTOOLS_HGFS_SERVER_H
#define PVTOOLS_HGFS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvtools/hgfs_abi.h"

#define HGFS_MAX_SHARES		16
#define HGFS_SHARE_NAME_MAX	64
#define HGFS_MAX_HANDLES	1024	/* open files and searches, all sessions */
#define HGFS_MAX_SESSIONS	8
#define HGFS_MAX_SEARCH_ENTRIES	65536	/* a bigger directory is cut off */
/* The reply buffer a caller passes: the largest reply plus the slack byte. */
#define HGFS_REPLY_BUFFER_SIZE	(HGFS_LARGE_PACKET_MAX + 64)

/* Hostile-server behaviours a test can switch on (host/README.md). */
enum hgfs_fault {
	HGFS_FAULT_NONE,
	HGFS_FAULT_TRUNCATE,		/* every reply cut to half its length */
	HGFS_FAULT_OVERLENGTH,		/* length fields point past the reply */
	HGFS_FAULT_WRONG_ID,		/* reply id differs from the request's */
	HGFS_FAULT_WRONG_STATUS,	/* a status outside the protocol's range */
	HGFS_FAULT_SILENT,		/* no reply at all */
	HGFS_FAULT_COUNT
};

#define HGFS_FAULT_BAD_STATUS_VALUE	99u

struct hgfs_share {
	char name[HGFS_SHARE_NAME_MAX];
	char *path;
	int root_fd;		/* O_PATH directory fd of the host directory */
	bool readonly;
	bool removed;		/* hidden: "a share removed while mounted" */
};

enum hgfs_node_kind {
	HGFS_NODE_FREE,
	HGFS_NODE_FILE,
	HGFS_NODE_SEARCH,
};

struct hgfs_node {
	enum hgfs_node_kind kind;
	uint32_t handle;
	uint64_t session;	/* 0: the legacy (default) session */
	int share;		/* index, -1 for a search of the root */
	int fd;			/* file: open fd; search: O_PATH fd of the directory */
	uint32_t mode;		/* HGFS open mode incl. HGFS_OPEN_SEQUENTIAL */
	char *rel;		/* path below the share root ("" = the root) */
	char **names;		/* search snapshot */
	uint32_t count;
};

struct hgfs_session {
	bool used;
	uint64_t id;
	uint32_t max_packet;
};

struct hgfs_stats {
	uint64_t requests;
	uint64_t errors;	/* replies with a status other than SUCCESS */
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t sessions_created;
};

struct hgfs_server {
	struct hgfs_share shares[HGFS_MAX_SHARES];
	unsigned int share_count;
	struct hgfs_node nodes[HGFS_MAX_HANDLES];
	unsigned int node_count;
	uint32_t next_handle;
	struct hgfs_session sessions[HGFS_MAX_SESSIONS];
	uint64_t rng;
	enum hgfs_fault fault;
	struct hgfs_stats stats;
};

void hgfs_server_init(struct hgfs_server *s, uint64_t seed);
/* Closes every handle and share. */
void hgfs_server_destroy(struct hgfs_server *s);
/* Closes every handle and session (machine reset); shares stay. */
void hgfs_server_reset(struct hgfs_server *s);

/* 0 or -errno (EEXIST, EINVAL for a bad name, ENOSPC when full, open(2)'s). */
int hgfs_server_add_share(struct hgfs_server *s, const char *name, const char *path,
			  bool readonly);
/*
 * "name:path[:ro];name:path[:ro];...". On failure *error (malloc'd) says why
 * and the shares added before it stay.
 */
int hgfs_server_add_shares(struct hgfs_server *s, const char *spec, char **error);
/* Hides (removed) or shows a share again; -ENOENT if there is no such share. */
int hgfs_server_set_share_removed(struct hgfs_server *s, const char *name, bool removed);
/* Names of the removed shares, comma-separated. malloc'd. */
char *hgfs_server_removed_shares(const struct hgfs_server *s);

/*
 * The host's copy of a file for tests: POSIX cksum(1) CRC and size of
 * "share/rel/path", resolved beneath the share like any request.
 * 0, or -errno.
 */
int hgfs_server_host_cksum(struct hgfs_server *s, const char *path, uint32_t *crc,
			   uint64_t *size);

/*
 * One HGFS request (the bytes after "f "). Writes the reply packet into
 * reply (capacity cap, at least HGFS_REPLY_BUFFER_SIZE for full-size
 * reads) and returns its length; 0 means an empty reply body (the ping,
 * an unparseable packet) and -1 means no reply at all (fault "silent").
 */
long hgfs_server_handle(struct hgfs_server *s, const uint8_t *request, size_t len,
			uint8_t *reply, size_t cap);

int hgfs_server_set_fault(struct hgfs_server *s, const char *name);
const char *hgfs_fault_name(enum hgfs_fault fault);

/* Time conversion (docs/protocol/hgfs.md §5.9). */
uint64_t hgfs_time_to_nt(int64_t sec, long nsec);
/* false (and 0 s) for a time before the Unix epoch. */
bool hgfs_time_from_nt(uint64_t nt, int64_t *sec, long *nsec);

/* Host errno to HGFS status (§4.2). */
uint32_t hgfs_errno_to_status(int err);

#endif /* PVTOOLS_HGFS_SERVER_H */
