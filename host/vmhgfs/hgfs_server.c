// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated host's HGFS server: framing (legacy header and V4 header with
 * sessions), the V3 operations, share table, handle and search tables.
 * Protocol facts: docs/protocol/hgfs.md (section labels in the comments).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "hgfs_server.h"

#define NAME_COMPONENT_MAX	255
#define SYMLINK_TARGET_MAX	4095

static const char *const fault_names[HGFS_FAULT_COUNT] = {
	[HGFS_FAULT_NONE] = "none",
	[HGFS_FAULT_TRUNCATE] = "truncate",
	[HGFS_FAULT_OVERLENGTH] = "overlength",
	[HGFS_FAULT_WRONG_ID] = "wrong-id",
	[HGFS_FAULT_WRONG_STATUS] = "wrong-status",
	[HGFS_FAULT_SILENT] = "silent",
};

/* Little-endian field access at byte offsets; nothing is assumed aligned. */
static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* One request being served. */
struct request {
	bool v4;
	uint32_t id;
	uint32_t op;
	uint64_t session;	/* 0 = legacy default session */
	uint32_t session_max;	/* reply limit of the session */
	const uint8_t *payload;
	size_t plen;
	uint8_t *out;		/* reply payload */
	size_t out_cap;		/* bytes usable at out */
};

/* A CP name resolved to a share and a relative path (§3.4, §5.1). */
struct path {
	int share;		/* -1: the HGFS root */
	bool by_handle;
	char rel[PATH_MAX];	/* "" = the share's root directory */
	const char *last;	/* last component inside rel, NULL for "" */
};

uint64_t hgfs_time_to_nt(int64_t sec, long nsec)
{
	int64_t base = (int64_t)(HGFS_NT_UNIX_EPOCH / 10000000ull);

	if (sec < -base)
		return 0;
	return (uint64_t)(sec + base) * 10000000ull + (uint64_t)(nsec / 100);
}

bool hgfs_time_from_nt(uint64_t nt, int64_t *sec, long *nsec)
{
	if (nt < HGFS_NT_UNIX_EPOCH) {
		*sec = 0;
		*nsec = 0;
		return false;
	}
	nt -= HGFS_NT_UNIX_EPOCH;
	*sec = (int64_t)(nt / 10000000ull);
	*nsec = (long)(nt % 10000000ull) * 100;
	return true;
}

uint32_t hgfs_errno_to_status(int err)
{
	switch (err) {
	case 0: return HGFS_STATUS_SUCCESS;
	case ENOENT: return HGFS_STATUS_NO_SUCH_FILE_OR_DIR;
	case EBADF: return HGFS_STATUS_INVALID_HANDLE;
	case EPERM: return HGFS_STATUS_OPERATION_NOT_PERMITTED;
	case EEXIST:
	case EISDIR: return HGFS_STATUS_FILE_EXISTS;
	case ENOTDIR: return HGFS_STATUS_NOT_DIRECTORY;
	case ENOTEMPTY: return HGFS_STATUS_DIR_NOT_EMPTY;
	case EPROTO: return HGFS_STATUS_PROTOCOL_ERROR;
	case EACCES: return HGFS_STATUS_ACCESS_DENIED;
	case EINVAL: return HGFS_STATUS_INVALID_NAME;
	case ENOSPC:
	case EDQUOT: return HGFS_STATUS_NO_SPACE;
	case EOPNOTSUPP: return HGFS_STATUS_OPERATION_NOT_SUPPORTED;
	case ENAMETOOLONG: return HGFS_STATUS_NAME_TOO_LONG;
	case EXDEV: return HGFS_STATUS_NOT_SAME_DEVICE;
	case EROFS: return HGFS_STATUS_ACCESS_DENIED;
	default: return HGFS_STATUS_GENERIC_ERROR;
	}
}

/* --- shares ------------------------------------------------------------ */

static bool share_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= HGFS_SHARE_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return !strpbrk(name, "/:;");
}

int hgfs_server_add_share(struct hgfs_server *s, const char *name, const char *path,
			  bool readonly)
{
	struct hgfs_share *share;
	unsigned int i;
	int fd;

	if (!share_name_ok(name) || !path || !*path)
		return -EINVAL;
	for (i = 0; i < s->share_count; i++)
		if (!strcmp(s->shares[i].name, name))
			return -EEXIST;
	if (s->share_count >= HGFS_MAX_SHARES)
		return -ENOSPC;
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	share = &s->shares[s->share_count];
	share->path = strdup(path);
	if (!share->path) {
		close(fd);
		return -ENOMEM;
	}
	strcpy(share->name, name);
	share->root_fd = fd;
	share->readonly = readonly;
	share->removed = false;
	s->share_count++;
	return 0;
}

int hgfs_server_add_shares(struct hgfs_server *s, const char *spec, char **error)
{
	char *copy = strdup(spec ? spec : ""), *entry, *save = NULL;
	int ret = 0;

	*error = NULL;
	if (!copy)
		return -ENOMEM;
	for (entry = strtok_r(copy, ";", &save); entry; entry = strtok_r(NULL, ";", &save)) {
		char *colon = strchr(entry, ':'), *path, *flag;
		bool readonly = false;

		if (!colon) {
			ret = -EINVAL;
			break;
		}
		*colon = '\0';
		path = colon + 1;
		flag = strrchr(path, ':');
		if (flag && (!strcmp(flag, ":ro") || !strcmp(flag, ":rw"))) {
			readonly = !strcmp(flag, ":ro");
			*flag = '\0';
		}
		ret = hgfs_server_add_share(s, entry, path, readonly);
		if (ret)
			break;
	}
	if (ret && asprintf(error, "share '%s': %s (want name:path[:ro];...)",
			    entry ? entry : "", strerror(-ret)) < 0)
		*error = NULL;
	free(copy);
	return ret;
}

int hgfs_server_set_share_removed(struct hgfs_server *s, const char *name, bool removed)
{
	unsigned int i;

	for (i = 0; i < s->share_count; i++) {
		if (!strcmp(s->shares[i].name, name)) {
			s->shares[i].removed = removed;
			return 0;
		}
	}
	return -ENOENT;
}

char *hgfs_server_removed_shares(const struct hgfs_server *s)
{
	size_t size = 1;
	unsigned int i;
	char *out;

	for (i = 0; i < s->share_count; i++)
		size += strlen(s->shares[i].name) + 1;
	out = calloc(1, size);
	if (!out)
		return NULL;
	for (i = 0; i < s->share_count; i++) {
		if (!s->shares[i].removed)
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, s->shares[i].name);
	}
	return out;
}

/* --- handles ----------------------------------------------------------- */

static void node_free(struct hgfs_server *s, struct hgfs_node *node)
{
	uint32_t i;

	if (node->kind == HGFS_NODE_FREE)
		return;
	if (node->fd >= 0)
		close(node->fd);
	for (i = 0; i < node->count; i++)
		free(node->names[i]);
	free(node->names);
	free(node->rel);
	memset(node, 0, sizeof(*node));
	node->fd = -1;
	s->node_count--;
}

static struct hgfs_node *node_alloc(struct hgfs_server *s, enum hgfs_node_kind kind,
				    uint64_t session)
{
	unsigned int i;

	for (i = 0; i < HGFS_MAX_HANDLES; i++) {
		struct hgfs_node *node = &s->nodes[i];

		if (node->kind != HGFS_NODE_FREE)
			continue;
		/* Never hand out the invalid handle (§5.2). */
		if (s->next_handle == HGFS_INVALID_HANDLE)
			s->next_handle = 0;
		node->kind = kind;
		node->handle = s->next_handle++;
		node->session = session;
		node->fd = -1;
		node->share = -1;
		s->node_count++;
		return node;
	}
	return NULL;
}

static struct hgfs_node *node_find(struct hgfs_server *s, uint32_t handle,
				   enum hgfs_node_kind kind, uint64_t session)
{
	unsigned int i;

	for (i = 0; i < HGFS_MAX_HANDLES; i++) {
		struct hgfs_node *node = &s->nodes[i];

		if (node->kind == kind && node->handle == handle && node->session == session) {
			/* A removed share's handles are gone with it. */
			if (node->share >= 0 && s->shares[node->share].removed)
				return NULL;
			return node;
		}
	}
	return NULL;
}

static void close_session_nodes(struct hgfs_server *s, uint64_t session)
{
	unsigned int i;

	for (i = 0; i < HGFS_MAX_HANDLES; i++)
		if (s->nodes[i].kind != HGFS_NODE_FREE && s->nodes[i].session == session)
			node_free(s, &s->nodes[i]);
}

/* Renames carry open handles' paths along (§5.2). */
static void rename_nodes(struct hgfs_server *s, int old_share, const char *old_rel,
			 int new_share, const char *new_rel)
{
	size_t old_len = strlen(old_rel);
	unsigned int i;

	for (i = 0; i < HGFS_MAX_HANDLES; i++) {
		struct hgfs_node *node = &s->nodes[i];
		char *moved;

		if (node->kind == HGFS_NODE_FREE || node->share != old_share || !node->rel)
			continue;
		if (strncmp(node->rel, old_rel, old_len) ||
		    (node->rel[old_len] && node->rel[old_len] != '/'))
			continue;
		if (asprintf(&moved, "%s%s", new_rel, node->rel + old_len) < 0)
			continue;
		free(node->rel);
		node->rel = moved;
		node->share = new_share;
	}
}

/* --- names ------------------------------------------------------------- */

static bool utf8_ok(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0 && c >= 0xc2)
			n = 1;
		else if ((c & 0xf0) == 0xe0)
			n = 2;
		else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		if (n >= len - i)
			return false;
		for (k = 1; k <= n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

/*
 * A CP name (§3.4): components separated by single NULs, the first is the
 * share. Returns an HGFS status.
 */
static uint32_t parse_cp_name(struct hgfs_server *s, const uint8_t *name, uint32_t len,
			      struct path *out)
{
	uint32_t pos = 0, rel_len = 0;
	bool first = true;

	out->share = -1;
	out->rel[0] = '\0';
	out->last = NULL;
	if (!len)
		return HGFS_STATUS_SUCCESS;
	if (name[0] == '\0' || name[len - 1] == '\0')
		return HGFS_STATUS_INVALID_NAME;
	while (pos < len) {
		const uint8_t *comp = name + pos;
		const uint8_t *end = memchr(comp, '\0', len - pos);
		uint32_t clen = end ? (uint32_t)(end - comp) : len - pos;

		pos += clen + 1;
		if (!clen)
			continue;	/* consecutive NULs collapse */
		if ((clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.') ||
		    memchr(comp, '/', clen) || !utf8_ok(comp, clen))
			return HGFS_STATUS_INVALID_NAME;
		if (clen > NAME_COMPONENT_MAX)
			return HGFS_STATUS_NAME_TOO_LONG;
		if (first) {
			unsigned int i;

			first = false;
			for (i = 0; i < s->share_count; i++) {
				if (strlen(s->shares[i].name) == clen &&
				    !memcmp(s->shares[i].name, comp, clen) &&
				    !s->shares[i].removed)
					break;
			}
			if (i == s->share_count)
				return HGFS_STATUS_NO_SUCH_FILE_OR_DIR;
			out->share = (int)i;
			continue;
		}
		if (rel_len + clen + 2 > sizeof(out->rel))
			return HGFS_STATUS_NAME_TOO_LONG;
		if (rel_len)
			out->rel[rel_len++] = '/';
		out->last = out->rel + rel_len;
		memcpy(out->rel + rel_len, comp, clen);
		rel_len += clen;
		out->rel[rel_len] = '\0';
	}
	return HGFS_STATUS_SUCCESS;
}

/* A CP name naming a single component that is not a share (§5.1). */
static bool names_new_top_level(struct hgfs_server *s, const uint8_t *name, uint32_t len)
{
	struct path scratch;

	return len && !memchr(name, '\0', len) &&
	       parse_cp_name(s, name, len, &scratch) == HGFS_STATUS_NO_SUCH_FILE_OR_DIR;
}

/*
 * HgfsFileNameV3 at payload offset off (§3.4, §2.7): the name bytes and the
 * NUL the client sends must be inside the payload. *next = the offset after
 * the NUL (where a second name starts).
 */
static uint32_t get_name_v3(struct hgfs_server *s, const struct request *r, size_t off,
			    struct path *path, uint32_t *fid, size_t *next,
			    const uint8_t **raw, uint32_t *raw_len)
{
	uint32_t len, flags;

	if (off + HGFS_NAME_V3_SIZE > r->plen)
		return HGFS_STATUS_PROTOCOL_ERROR;
	len = get32(r->payload + off);
	flags = get32(r->payload + off + 4);
	*fid = get32(r->payload + off + 12);
	path->by_handle = flags & HGFS_FILE_NAME_USE_FILE_DESC;
	if (path->by_handle) {
		if (next)
			*next = off + HGFS_NAME_V3_SIZE;
		path->share = -1;
		path->rel[0] = '\0';
		path->last = NULL;
		return HGFS_STATUS_SUCCESS;
	}
	if (len > r->plen - off - HGFS_NAME_V3_SIZE)
		return HGFS_STATUS_PROTOCOL_ERROR;
	if (next)
		*next = off + HGFS_NAME_V3_SIZE + len;
	if (raw) {
		*raw = r->payload + off + HGFS_NAME_V3_HDR;
		*raw_len = len;
	}
	return parse_cp_name(s, r->payload + off + HGFS_NAME_V3_HDR, len, path);
}

/* --- resolution beneath the share root ------------------------------- */

static int open_beneath(int root_fd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root_fd, *rel ? rel : ".", &how, sizeof(how));

	/* Leaving the share (.., absolute symlinks) is refused (§5.1). */
	if (fd < 0 && errno == EXDEV)
		errno = EACCES;
	return fd < 0 ? -1 : (int)fd;
}

/* The parent directory of path's last component, as an O_PATH fd. */
static int open_parent(struct hgfs_server *s, const struct path *path)
{
	char parent[PATH_MAX];
	size_t n = (size_t)(path->last - path->rel);

	memcpy(parent, path->rel, n);
	parent[n ? n - 1 : 0] = '\0';
	return open_beneath(s->shares[path->share].root_fd, parent,
			    O_PATH | O_DIRECTORY, 0);
}

/* --- attributes (§3.3, §5.6) ------------------------------------------ */

static uint32_t type_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return HGFS_FILE_TYPE_DIRECTORY;
	if (S_ISLNK(mode))
		return HGFS_FILE_TYPE_SYMLINK;
	return HGFS_FILE_TYPE_REGULAR;
}

/* What this process may do with the object, from its mode (cheap, race-free). */
static uint8_t effective_perms(const struct stat *st, bool readonly)
{
	uint8_t perms;

	if (geteuid() == 0)
		perms = 6 | ((st->st_mode & 0111) || S_ISDIR(st->st_mode) ? 1 : 0);
	else if (st->st_uid == geteuid())
		perms = (st->st_mode >> 6) & 7;
	else if (st->st_gid == getegid())
		perms = (st->st_mode >> 3) & 7;
	else
		perms = st->st_mode & 7;
	if (readonly)
		perms &= (uint8_t)~2;
	return perms;
}

static void put_attr(uint8_t *a, const struct stat *st, bool readonly)
{
	uint64_t mask = 0x0fbffull;

	memset(a, 0, HGFS_ATTR_V2_SIZE);
	if (!S_ISLNK(st->st_mode))
		mask |= HGFS_ATTR_VALID_EFFECTIVE_PERMS;
	put64(a + HGFS_ATTR_OFF_MASK, mask);
	put32(a + HGFS_ATTR_OFF_TYPE, type_of(st->st_mode));
	put64(a + HGFS_ATTR_OFF_SIZE, (uint64_t)st->st_size);
	/* A POSIX host has no birth time here: mtime stands in (§3.3). */
	put64(a + HGFS_ATTR_OFF_CREATE_TIME, hgfs_time_to_nt(st->st_mtim.tv_sec, st->st_mtim.tv_nsec));
	put64(a + HGFS_ATTR_OFF_ACCESS_TIME, hgfs_time_to_nt(st->st_atim.tv_sec, st->st_atim.tv_nsec));
	put64(a + HGFS_ATTR_OFF_WRITE_TIME, hgfs_time_to_nt(st->st_mtim.tv_sec, st->st_mtim.tv_nsec));
	put64(a + HGFS_ATTR_OFF_CHANGE_TIME, hgfs_time_to_nt(st->st_ctim.tv_sec, st->st_ctim.tv_nsec));
	a[HGFS_ATTR_OFF_SPECIAL_PERMS] = (st->st_mode >> 9) & 7;
	a[HGFS_ATTR_OFF_OWNER_PERMS] = (st->st_mode >> 6) & 7;
	a[HGFS_ATTR_OFF_GROUP_PERMS] = (st->st_mode >> 3) & 7;
	a[HGFS_ATTR_OFF_OTHER_PERMS] = st->st_mode & 7;
	put64(a + HGFS_ATTR_OFF_ALLOCATION_SIZE, (uint64_t)st->st_blocks * 512);
	put32(a + HGFS_ATTR_OFF_USER_ID, st->st_uid);
	put32(a + HGFS_ATTR_OFF_GROUP_ID, st->st_gid);
	put64(a + HGFS_ATTR_OFF_FILE_ID, st->st_ino);
	put32(a + HGFS_ATTR_OFF_VOLUME_ID, (uint32_t)st->st_dev);
	if (!S_ISLNK(st->st_mode))
		put32(a + HGFS_ATTR_OFF_EFFECTIVE_PERMS, effective_perms(st, readonly));
}

/* The virtual root and its "." and "..": a read-only directory (§5.1). */
static void put_root_attr(uint8_t *a)
{
	struct timespec now;
	uint64_t nt;

	clock_gettime(CLOCK_REALTIME, &now);
	nt = hgfs_time_to_nt(now.tv_sec, now.tv_nsec);
	memset(a, 0, HGFS_ATTR_V2_SIZE);
	put64(a + HGFS_ATTR_OFF_MASK, 0x3ff);
	put32(a + HGFS_ATTR_OFF_TYPE, HGFS_FILE_TYPE_DIRECTORY);
	put64(a + HGFS_ATTR_OFF_SIZE, 4192);
	put64(a + HGFS_ATTR_OFF_CREATE_TIME, nt);
	put64(a + HGFS_ATTR_OFF_ACCESS_TIME, nt);
	put64(a + HGFS_ATTR_OFF_WRITE_TIME, nt);
	put64(a + HGFS_ATTR_OFF_CHANGE_TIME, nt);
	a[HGFS_ATTR_OFF_OWNER_PERMS] = 5;
	a[HGFS_ATTR_OFF_GROUP_PERMS] = 5;
	a[HGFS_ATTR_OFF_OTHER_PERMS] = 5;
}

/* lstat of path (the share root when rel is ""). */
static int stat_path(struct hgfs_server *s, const struct path *path, struct stat *st)
{
	int dirfd, ret, err;

	if (!path->last)
		return fstatat(s->shares[path->share].root_fd, "", st, AT_EMPTY_PATH) ? -errno : 0;
	dirfd = open_parent(s, path);
	if (dirfd < 0)
		return -errno;
	ret = fstatat(dirfd, path->last, st, AT_SYMLINK_NOFOLLOW);
	err = errno;
	close(dirfd);
	return ret ? -err : 0;
}

/* --- operations -------------------------------------------------------- */

#define NEED(r, n) do { if ((r)->plen < (n)) return HGFS_STATUS_PROTOCOL_ERROR; } while (0)
#define ERRNO_STATUS() hgfs_errno_to_status(errno)

static bool share_ro(struct hgfs_server *s, const struct path *path)
{
	return path->share >= 0 && s->shares[path->share].readonly;
}

static uint32_t op_open(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	uint64_t mask;
	uint32_t mode, flags, fid, status;
	const uint8_t *raw = NULL;
	uint32_t raw_len = 0;
	uint8_t owner, group, other, special;
	struct hgfs_node *node;
	struct path path;
	int oflags, dirfd, fd;
	mode_t perms;

	NEED(r, 64 + HGFS_NAME_V3_SIZE);
	mask = get64(r->payload);
	if (!(mask & HGFS_OPEN_VALID_MODE) || !(mask & HGFS_OPEN_VALID_FLAGS))
		return HGFS_STATUS_PROTOCOL_ERROR;
	mode = get32(r->payload + 8);
	flags = get32(r->payload + 12);
	status = get_name_v3(s, r, 64, &path, &fid, NULL, &raw, &raw_len);
	if (flags > HGFS_OPEN_CREATE_EMPTY || (mode & HGFS_OPEN_MODE_ACCMODES) == 3)
		return HGFS_STATUS_INVALID_PARAMETER;
	if (status == HGFS_STATUS_NO_SUCH_FILE_OR_DIR && flags >= HGFS_OPEN_CREATE &&
	    names_new_top_level(s, raw, raw_len))
		return HGFS_STATUS_ACCESS_DENIED;
	if (status)
		return status;
	if (path.by_handle || path.share < 0)
		return HGFS_STATUS_INVALID_NAME;

	special = (mask & HGFS_OPEN_VALID_SPECIAL_PERMS) ? r->payload[16] & 7 : 0;
	owner = (mask & HGFS_OPEN_VALID_OWNER_PERMS) ? r->payload[17] & 7 : 6;
	group = (mask & HGFS_OPEN_VALID_GROUP_PERMS) ? r->payload[18] & 7 : owner;
	other = (mask & HGFS_OPEN_VALID_OTHER_PERMS) ? r->payload[19] & 7 : owner;
	perms = (mode_t)(special << 9 | owner << 6 | group << 3 | other);

	if (share_ro(s, &path)) {
		/* §5.1: a read-only share opens existing files for reading only. */
		struct stat st;
		int exists = stat_path(s, &path, &st);

		if (flags == HGFS_OPEN_EMPTY || flags == HGFS_OPEN_CREATE_SAFE ||
		    flags == HGFS_OPEN_CREATE_EMPTY)
			return HGFS_STATUS_ACCESS_DENIED;
		if (exists == -ENOENT)
			return flags == HGFS_OPEN_CREATE ? HGFS_STATUS_ACCESS_DENIED :
			       HGFS_STATUS_NO_SUCH_FILE_OR_DIR;
		if ((mode & HGFS_OPEN_MODE_ACCMODES) != HGFS_OPEN_MODE_READ_ONLY)
			return HGFS_STATUS_ACCESS_DENIED;
		flags = HGFS_OPEN;
	}

	switch (mode & HGFS_OPEN_MODE_ACCMODES) {
	case HGFS_OPEN_MODE_READ_ONLY: oflags = O_RDONLY; break;
	case HGFS_OPEN_MODE_WRITE_ONLY: oflags = O_WRONLY; break;
	default: oflags = O_RDWR; break;
	}
	oflags |= O_NOFOLLOW | O_NONBLOCK;
	switch (flags) {
	case HGFS_OPEN_EMPTY: oflags |= O_TRUNC; break;
	case HGFS_OPEN_CREATE: oflags |= O_CREAT; break;
	case HGFS_OPEN_CREATE_SAFE: oflags |= O_CREAT | O_EXCL; break;
	case HGFS_OPEN_CREATE_EMPTY: oflags |= O_CREAT | O_TRUNC; break;
	default: break;
	}

	node = node_alloc(s, HGFS_NODE_FILE, r->session);
	if (!node)
		return HGFS_STATUS_GENERIC_ERROR;
	node->rel = strdup(path.rel);
	if (!node->rel) {
		node_free(s, node);
		return HGFS_STATUS_GENERIC_ERROR;
	}
	if (!path.last) {
		fd = (oflags & O_ACCMODE) == O_RDONLY ?
		     open_beneath(s->shares[path.share].root_fd, "", O_RDONLY | O_DIRECTORY, 0) :
		     (errno = EISDIR, -1);
	} else {
		dirfd = open_parent(s, &path);
		fd = dirfd < 0 ? -1 : openat(dirfd, path.last, oflags | O_CLOEXEC, perms);
		if (dirfd >= 0) {
			int err = errno;

			close(dirfd);
			errno = err;
		}
	}
	if (fd < 0) {
		status = ERRNO_STATUS();
		node_free(s, node);
		return status;
	}
	node->fd = fd;
	node->share = path.share;
	node->mode = mode;
	memset(r->out, 0, 16);
	put32(r->out, node->handle);
	*out_len = 16;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_read(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	struct hgfs_node *node;
	uint64_t offset;
	uint32_t want;
	ssize_t got;
	size_t room;

	NEED(r, 24);
	node = node_find(s, get32(r->payload), HGFS_NODE_FILE, r->session);
	if (!node)
		return HGFS_STATUS_INVALID_HANDLE;
	offset = get64(r->payload + 4);
	want = get32(r->payload + 12);
	/* §5.4: never more than the reply buffer holds (12 fixed + slack byte). */
	room = r->out_cap > 13 ? r->out_cap - 13 : 0;
	if (want > room)
		want = (uint32_t)room;
	if (offset > (uint64_t)INT64_MAX)
		return HGFS_STATUS_INVALID_PARAMETER;
	if (node->mode & HGFS_OPEN_SEQUENTIAL)
		got = read(node->fd, r->out + 12, want);
	else
		got = pread(node->fd, r->out + 12, want, (off_t)offset);
	if (got < 0)
		return ERRNO_STATUS();
	memset(r->out, 0, 12);
	put32(r->out, (uint32_t)got);
	r->out[12 + got] = 0;
	*out_len = 13 + (size_t)got;
	s->stats.bytes_read += (uint64_t)got;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_write(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	struct hgfs_node *node;
	uint64_t offset;
	uint32_t size;
	ssize_t done;

	NEED(r, 26);
	node = node_find(s, get32(r->payload), HGFS_NODE_FILE, r->session);
	size = get32(r->payload + 13);
	offset = get64(r->payload + 5);
	if (size > r->plen - 25)
		return HGFS_STATUS_PROTOCOL_ERROR;
	if (!node)
		return HGFS_STATUS_INVALID_HANDLE;
	if (offset > (uint64_t)INT64_MAX)
		return HGFS_STATUS_INVALID_PARAMETER;
	if (r->payload[4] & HGFS_WRITE_APPEND) {
		struct stat st;

		if (fstat(node->fd, &st))
			return ERRNO_STATUS();
		offset = (uint64_t)st.st_size;
	}
	if (node->mode & HGFS_OPEN_SEQUENTIAL)
		done = write(node->fd, r->payload + 25, size);
	else
		done = pwrite(node->fd, r->payload + 25, size, (off_t)offset);
	if (done < 0)
		return ERRNO_STATUS();
	memset(r->out, 0, 12);
	put32(r->out, (uint32_t)done);
	*out_len = 12;
	s->stats.bytes_written += (uint64_t)done;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_close(struct hgfs_server *s, struct request *r, size_t *out_len,
			 enum hgfs_node_kind kind)
{
	struct hgfs_node *node;

	NEED(r, 12);
	node = node_find(s, get32(r->payload), kind, r->session);
	if (!node)
		return HGFS_STATUS_INVALID_HANDLE;
	node_free(s, node);
	memset(r->out, 0, 8);
	*out_len = 8;
	return HGFS_STATUS_SUCCESS;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Snapshot of a directory's names at open time (§5.5). */
static int snapshot_dir(struct hgfs_node *node, int dirfd)
{
	uint32_t cap = 0;
	struct dirent *de;
	int fd;
	DIR *dir;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		int err = errno;

		close(fd);
		return -err;
	}
	while ((de = readdir(dir)) && node->count < HGFS_MAX_SEARCH_ENTRIES) {
		if (node->count == cap) {
			char **bigger;

			cap = cap ? cap * 2 : 32;
			bigger = realloc(node->names, cap * sizeof(*bigger));
			if (!bigger)
				break;
			node->names = bigger;
		}
		node->names[node->count] = strdup(de->d_name);
		if (!node->names[node->count])
			break;
		node->count++;
	}
	closedir(dir);
	/* A stable order lets a client re-read any index. */
	if (node->count)
		qsort(node->names, node->count, sizeof(*node->names), name_cmp);
	return 0;
}

static int snapshot_root(struct hgfs_server *s, struct hgfs_node *node)
{
	unsigned int i;

	node->names = calloc(s->share_count + 2, sizeof(*node->names));
	if (!node->names)
		return -ENOMEM;
	node->names[node->count++] = strdup(".");
	node->names[node->count++] = strdup("..");
	for (i = 0; i < s->share_count; i++)
		if (!s->shares[i].removed)
			node->names[node->count++] = strdup(s->shares[i].name);
	for (i = 0; i < node->count; i++)
		if (!node->names[i])
			return -ENOMEM;
	return 0;
}

static uint32_t op_search_open(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	struct hgfs_node *node;
	struct path path;
	uint32_t fid, status;
	int err;

	NEED(r, 8 + HGFS_NAME_V3_SIZE);
	status = get_name_v3(s, r, 8, &path, &fid, NULL, NULL, NULL);
	if (status)
		return status;
	if (path.by_handle)
		return HGFS_STATUS_INVALID_PARAMETER;
	node = node_alloc(s, HGFS_NODE_SEARCH, r->session);
	if (!node)
		return HGFS_STATUS_GENERIC_ERROR;
	if (path.share < 0) {
		err = snapshot_root(s, node);
	} else {
		node->share = path.share;
		node->fd = open_beneath(s->shares[path.share].root_fd, path.rel,
					O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
		err = node->fd < 0 ? -errno : snapshot_dir(node, node->fd);
	}
	if (err) {
		node_free(s, node);
		return hgfs_errno_to_status(-err);
	}
	memset(r->out, 0, 12);
	put32(r->out, node->handle);
	*out_len = 12;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_search_read(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	struct hgfs_node *node;
	uint8_t *entry = r->out + 16;
	uint32_t index;
	const char *name;
	size_t name_len, len;

	NEED(r, 20);
	node = node_find(s, get32(r->payload), HGFS_NODE_SEARCH, r->session);
	if (!node)
		return HGFS_STATUS_INVALID_HANDLE;
	index = get32(r->payload + 4);
	memset(r->out, 0, 16 + HGFS_DIRENT_SIZE + 1);
	put64(r->out, 1);	/* count is 1 even for the end marker (§3.6.6) */
	if (index >= node->count) {
		*out_len = 17 + HGFS_DIRENT_SIZE;
		return HGFS_STATUS_SUCCESS;
	}
	name = node->names[index];
	name_len = strlen(name);
	len = 17 + HGFS_DIRENT_SIZE + name_len;
	if (len > r->out_cap)
		return HGFS_STATUS_INVALID_PARAMETER;
	if (node->share < 0) {
		if (index < 2) {
			put_root_attr(entry + HGFS_DIRENT_OFF_ATTR);
		} else {
			struct path share = { .share = -1 };
			struct stat st;
			unsigned int i;

			for (i = 0; i < s->share_count; i++)
				if (!strcmp(s->shares[i].name, name))
					share.share = (int)i;
			/* An unreadable share root is listed with zero attributes. */
			if (share.share >= 0 && !stat_path(s, &share, &st))
				put_attr(entry + HGFS_DIRENT_OFF_ATTR, &st,
					 s->shares[share.share].readonly);
		}
	} else {
		struct stat st;

		if (!fstatat(node->fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
			put_attr(entry + HGFS_DIRENT_OFF_ATTR, &st, s->shares[node->share].readonly);
		} else {
			/* §5.5: a vanished entry is a regular file with only its type. */
			put64(entry + HGFS_DIRENT_OFF_ATTR, HGFS_ATTR_VALID_TYPE);
		}
	}
	put32(entry + HGFS_DIRENT_OFF_NAME, (uint32_t)name_len);
	memcpy(entry + HGFS_DIRENT_OFF_NAME + 16, name, name_len);
	entry[HGFS_DIRENT_OFF_NAME + 16 + name_len] = 0;
	memset(r->out + 16 + HGFS_DIRENT_OFF_NAME + 16 + name_len, 0,
	       len - (16 + HGFS_DIRENT_OFF_NAME + 16 + name_len));
	*out_len = len;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_getattr(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	char target[SYMLINK_TARGET_MAX + 1];
	ssize_t target_len = 0;
	struct path path;
	struct stat st;
	uint32_t fid, status;
	bool readonly;
	ssize_t i;

	NEED(r, 16 + HGFS_NAME_V3_SIZE);
	status = get_name_v3(s, r, 16, &path, &fid, NULL, NULL, NULL);
	if (status)
		return status;
	if (path.by_handle) {
		struct hgfs_node *node = node_find(s, fid, HGFS_NODE_FILE, r->session);

		if (!node)
			return HGFS_STATUS_INVALID_HANDLE;
		if (fstat(node->fd, &st))
			return ERRNO_STATUS();
		readonly = s->shares[node->share].readonly;
	} else if (path.share < 0) {
		memset(r->out, 0, 129);
		put_root_attr(r->out);
		*out_len = 129;
		return HGFS_STATUS_SUCCESS;
	} else {
		int err = stat_path(s, &path, &st);

		if (err)
			/* §5.1: a share whose host directory is gone is a generic error. */
			return !path.last && err == -ENOENT ? HGFS_STATUS_GENERIC_ERROR :
			       hgfs_errno_to_status(-err);
		readonly = share_ro(s, &path);
		if (S_ISLNK(st.st_mode)) {
			int dirfd = open_parent(s, &path);

			if (dirfd < 0)
				return ERRNO_STATUS();
			target_len = readlinkat(dirfd, path.last, target, sizeof(target) - 1);
			close(dirfd);
			if (target_len < 0)
				return ERRNO_STATUS();
		}
	}
	if (129 + (size_t)target_len > r->out_cap)
		return HGFS_STATUS_INVALID_PARAMETER;
	memset(r->out, 0, 128);
	put_attr(r->out, &st, readonly);
	/* The target in CPNameLite form: '/' becomes NUL (§3.4). */
	put32(r->out + 112, (uint32_t)target_len);
	for (i = 0; i < target_len; i++)
		r->out[128 + i] = target[i] == '/' ? 0 : (uint8_t)target[i];
	r->out[128 + target_len] = 0;
	*out_len = 129 + (size_t)target_len;
	return HGFS_STATUS_SUCCESS;
}

static struct timespec nt_to_timespec(uint64_t nt)
{
	struct timespec ts;
	int64_t sec;
	long nsec;

	hgfs_time_from_nt(nt, &sec, &nsec);
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = nsec;
	return ts;
}

/* §5.6: every requested change is tried; the last error is returned. */
static uint32_t op_setattr(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	const uint8_t *a = r->payload + 8;
	uint64_t hints, mask;
	char proc[64];
	struct path path;
	struct stat st;
	uint32_t fid, status;
	int fd, err = 0;
	bool own_fd = false;

	NEED(r, 120 + HGFS_NAME_V3_SIZE);
	hints = get64(r->payload);
	mask = get64(a + HGFS_ATTR_OFF_MASK);
	status = get_name_v3(s, r, 120, &path, &fid, NULL, NULL, NULL);
	if (status)
		return status;
	if (path.by_handle) {
		struct hgfs_node *node = node_find(s, fid, HGFS_NODE_FILE, r->session);

		if (!node)
			return HGFS_STATUS_INVALID_HANDLE;
		fd = node->fd;
	} else {
		if (path.share < 0)
			return HGFS_STATUS_INVALID_NAME;
		if (share_ro(s, &path))
			return HGFS_STATUS_ACCESS_DENIED;
		fd = open_beneath(s->shares[path.share].root_fd, path.rel,
				  O_PATH | O_NOFOLLOW, 0);
		if (fd < 0)
			return ERRNO_STATUS();
		own_fd = true;
	}
	if (fstat(fd, &st)) {
		err = errno;
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		err = EINVAL;
		goto out;
	}
	/* O_PATH fds take the changes through their /proc link (never a symlink here). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);

	if (mask & (HGFS_ATTR_VALID_USERID | HGFS_ATTR_VALID_GROUPID)) {
		uid_t uid = (mask & HGFS_ATTR_VALID_USERID) ? get32(a + HGFS_ATTR_OFF_USER_ID) : (uid_t)-1;
		gid_t gid = (mask & HGFS_ATTR_VALID_GROUPID) ? get32(a + HGFS_ATTR_OFF_GROUP_ID) : (gid_t)-1;

		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH))
			err = errno;
	}
	if (mask & (HGFS_ATTR_VALID_SPECIAL_PERMS | HGFS_ATTR_VALID_OWNER_PERMS |
		    HGFS_ATTR_VALID_GROUP_PERMS | HGFS_ATTR_VALID_OTHER_PERMS)) {
		mode_t mode = st.st_mode & 07777;

		if (mask & HGFS_ATTR_VALID_SPECIAL_PERMS)
			mode = (mode & ~07000u) | (a[HGFS_ATTR_OFF_SPECIAL_PERMS] & 7u) << 9;
		if (mask & HGFS_ATTR_VALID_OWNER_PERMS)
			mode = (mode & ~0700u) | (a[HGFS_ATTR_OFF_OWNER_PERMS] & 7u) << 6;
		if (mask & HGFS_ATTR_VALID_GROUP_PERMS)
			mode = (mode & ~070u) | (a[HGFS_ATTR_OFF_GROUP_PERMS] & 7u) << 3;
		if (mask & HGFS_ATTR_VALID_OTHER_PERMS)
			mode = (mode & ~07u) | (a[HGFS_ATTR_OFF_OTHER_PERMS] & 7u);
		if (chmod(proc, mode))
			err = errno;
	}
	if (mask & HGFS_ATTR_VALID_SIZE) {
		uint64_t size = get64(a + HGFS_ATTR_OFF_SIZE);

		if (size > (uint64_t)INT64_MAX)
			err = EINVAL;
		else if (S_ISDIR(st.st_mode))
			err = EISDIR;
		else if (own_fd ? truncate(proc, (off_t)size) : ftruncate(fd, (off_t)size))
			err = errno;
	}
	if (mask & (HGFS_ATTR_VALID_ACCESS_TIME | HGFS_ATTR_VALID_WRITE_TIME)) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

		if (mask & HGFS_ATTR_VALID_ACCESS_TIME) {
			if (hints & HGFS_ATTR_HINT_SET_ACCESS_TIME)
				ts[0] = nt_to_timespec(get64(a + HGFS_ATTR_OFF_ACCESS_TIME));
			else
				ts[0].tv_nsec = UTIME_NOW;
		}
		if (mask & HGFS_ATTR_VALID_WRITE_TIME) {
			if (hints & HGFS_ATTR_HINT_SET_WRITE_TIME)
				ts[1] = nt_to_timespec(get64(a + HGFS_ATTR_OFF_WRITE_TIME));
			else
				ts[1].tv_nsec = UTIME_NOW;
		}
		if (utimensat(AT_FDCWD, proc, ts, 0))
			err = errno;
	}
out:
	if (own_fd)
		close(fd);
	if (err)
		return hgfs_errno_to_status(err);
	memset(r->out, 0, 8);
	*out_len = 8;
	return HGFS_STATUS_SUCCESS;
}

/* Resolves a name to operate on its last component; fills *dirfd. */
static uint32_t prepare_entry(struct hgfs_server *s, const struct path *path, int *dirfd)
{
	if (path->by_handle)
		return HGFS_STATUS_INVALID_PARAMETER;
	if (path->share < 0)
		return HGFS_STATUS_INVALID_NAME;
	if (!path->last)
		return HGFS_STATUS_ACCESS_DENIED;	/* the share itself */
	*dirfd = open_parent(s, path);
	return *dirfd < 0 ? ERRNO_STATUS() : HGFS_STATUS_SUCCESS;
}

/* Read-only share: FILE_EXISTS if the name is taken, else ACCESS_DENIED (§5.1). */
static uint32_t refuse_create_ro(struct hgfs_server *s, const struct path *path)
{
	struct stat st;

	return path->share >= 0 && !stat_path(s, path, &st) ? HGFS_STATUS_FILE_EXISTS :
	       HGFS_STATUS_ACCESS_DENIED;
}

static uint32_t op_create_dir(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	const uint8_t *raw = NULL;
	uint32_t raw_len = 0, fid, status;
	uint8_t owner, group, other, special;
	struct path path;
	uint64_t mask;
	int dirfd = -1, ret;

	NEED(r, 20 + HGFS_NAME_V3_SIZE);
	mask = get64(r->payload);
	if (!(mask & HGFS_CREATE_DIR_VALID_FILE_NAME))
		return HGFS_STATUS_PROTOCOL_ERROR;
	status = get_name_v3(s, r, 20, &path, &fid, NULL, &raw, &raw_len);
	if (status == HGFS_STATUS_NO_SUCH_FILE_OR_DIR && names_new_top_level(s, raw, raw_len))
		return HGFS_STATUS_ACCESS_DENIED;
	if (status)
		return status;
	if (!path.by_handle && path.share >= 0 && !path.last)
		return HGFS_STATUS_FILE_EXISTS;
	if (share_ro(s, &path))
		return refuse_create_ro(s, &path);
	status = prepare_entry(s, &path, &dirfd);
	if (status)
		return status;
	special = (mask & HGFS_CREATE_DIR_VALID_SPECIAL_PERMS) ? r->payload[8] & 7 : 0;
	owner = (mask & HGFS_CREATE_DIR_VALID_OWNER_PERMS) ? r->payload[9] & 7 : 7;
	group = (mask & HGFS_CREATE_DIR_VALID_GROUP_PERMS) ? r->payload[10] & 7 : owner;
	other = (mask & HGFS_CREATE_DIR_VALID_OTHER_PERMS) ? r->payload[11] & 7 : owner;
	ret = mkdirat(dirfd, path.last, (mode_t)(special << 9 | owner << 6 | group << 3 | other));
	status = ret ? ERRNO_STATUS() : HGFS_STATUS_SUCCESS;
	close(dirfd);
	if (!status) {
		memset(r->out, 0, 8);
		*out_len = 8;
	}
	return status;
}

/* The path of an open file handle, for the USE_FILE_DESC name form. */
static uint32_t path_of_handle(struct hgfs_server *s, const struct request *r, uint32_t fid,
			       struct path *path)
{
	struct hgfs_node *node = node_find(s, fid, HGFS_NODE_FILE, r->session);
	char *slash;

	if (!node || !node->rel || strlen(node->rel) >= sizeof(path->rel))
		return HGFS_STATUS_INVALID_HANDLE;
	path->by_handle = false;
	path->share = node->share;
	strcpy(path->rel, node->rel);
	slash = strrchr(path->rel, '/');
	path->last = *path->rel ? (slash ? slash + 1 : path->rel) : NULL;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_delete(struct hgfs_server *s, struct request *r, size_t *out_len, bool dir)
{
	struct path path;
	uint32_t fid, status;
	int dirfd = -1;

	NEED(r, 16 + HGFS_NAME_V3_SIZE);
	status = get_name_v3(s, r, 16, &path, &fid, NULL, NULL, NULL);
	if (!status && path.by_handle)
		status = path_of_handle(s, r, fid, &path);
	if (status)
		return status;
	if (share_ro(s, &path)) {
		struct stat st;

		return stat_path(s, &path, &st) ? HGFS_STATUS_NO_SUCH_FILE_OR_DIR :
		       HGFS_STATUS_ACCESS_DENIED;
	}
	status = prepare_entry(s, &path, &dirfd);
	if (status)
		return status;
	status = unlinkat(dirfd, path.last, dir ? AT_REMOVEDIR : 0) ? ERRNO_STATUS() :
		 HGFS_STATUS_SUCCESS;
	close(dirfd);
	if (!status) {
		memset(r->out, 0, 8);
		*out_len = 8;
	}
	return status;
}

static uint32_t op_rename(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	struct path from, to;
	uint32_t fid, status;
	uint64_t hints;
	size_t next;
	int from_dir = -1, to_dir = -1;
	unsigned int flags;

	NEED(r, 16 + 2 * HGFS_NAME_V3_SIZE);
	hints = get64(r->payload);
	status = get_name_v3(s, r, 16, &from, &fid, &next, NULL, NULL);
	if (!status && from.by_handle)
		status = path_of_handle(s, r, fid, &from);
	if (status)
		return status;
	status = get_name_v3(s, r, next, &to, &fid, NULL, NULL, NULL);
	if (!status && to.by_handle)
		status = path_of_handle(s, r, fid, &to);
	if (status)
		return status;
	if (share_ro(s, &from)) {
		struct stat st;

		return stat_path(s, &from, &st) ? HGFS_STATUS_NO_SUCH_FILE_OR_DIR :
		       HGFS_STATUS_ACCESS_DENIED;
	}
	if (share_ro(s, &to))
		return HGFS_STATUS_ACCESS_DENIED;
	status = prepare_entry(s, &from, &from_dir);
	if (status)
		return status;
	status = prepare_entry(s, &to, &to_dir);
	if (status) {
		close(from_dir);
		return status;
	}
	flags = (hints & HGFS_RENAME_HINT_NO_REPLACE_EXISTING) ? RENAME_NOREPLACE : 0;
	status = renameat2(from_dir, from.last, to_dir, to.last, flags) ? ERRNO_STATUS() :
		 HGFS_STATUS_SUCCESS;
	close(from_dir);
	close(to_dir);
	if (!status) {
		rename_nodes(s, from.share, from.rel, to.share, to.rel);
		memset(r->out, 0, 8);
		*out_len = 8;
	}
	return status;
}

static uint32_t op_query_volume(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	uint64_t free_bytes = UINT64_MAX, total = UINT64_MAX;
	struct path path;
	struct statvfs vfs;
	uint32_t fid, status;
	unsigned int i;

	NEED(r, 8 + HGFS_NAME_V3_SIZE);
	status = get_name_v3(s, r, 8, &path, &fid, NULL, NULL, NULL);
	if (status)
		return status;
	if (path.by_handle)
		return HGFS_STATUS_INVALID_PARAMETER;
	if (path.share >= 0) {
		int fd = open_beneath(s->shares[path.share].root_fd, path.rel, O_PATH, 0);
		int ret, err;

		if (fd < 0)
			return ERRNO_STATUS();
		ret = fstatvfs(fd, &vfs);
		err = errno;
		close(fd);
		if (ret)
			return hgfs_errno_to_status(err);
		free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	} else {
		/* The root: the smallest of the shares (§5.7). */
		for (i = 0; i < s->share_count; i++) {
			if (s->shares[i].removed || fstatvfs(s->shares[i].root_fd, &vfs))
				continue;
			if ((uint64_t)vfs.f_bavail * vfs.f_frsize < free_bytes)
				free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
			if ((uint64_t)vfs.f_blocks * vfs.f_frsize < total)
				total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		}
		if (free_bytes == UINT64_MAX)
			free_bytes = total = 0;
	}
	memset(r->out, 0, 24);
	put64(r->out, free_bytes);
	put64(r->out + 8, total);
	*out_len = 24;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_symlink(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	char target[SYMLINK_TARGET_MAX + 1];
	struct path path;
	uint32_t fid, status, tlen, i;
	const uint8_t *raw = NULL;
	size_t next;
	int dirfd = -1;

	NEED(r, 8 + 2 * HGFS_NAME_V3_SIZE);
	status = get_name_v3(s, r, 8, &path, &fid, &next, NULL, NULL);
	if (status)
		return status;
	if (next + HGFS_NAME_V3_SIZE > r->plen)
		return HGFS_STATUS_PROTOCOL_ERROR;
	tlen = get32(r->payload + next);
	if (tlen > r->plen - next - HGFS_NAME_V3_SIZE)
		return HGFS_STATUS_PROTOCOL_ERROR;
	if (!tlen)
		return HGFS_STATUS_INVALID_NAME;
	if (tlen > SYMLINK_TARGET_MAX)
		return HGFS_STATUS_NAME_TOO_LONG;
	raw = r->payload + next + HGFS_NAME_V3_HDR;
	/* CPNameLite: NUL separates components; back to '/' (§3.4). */
	for (i = 0; i < tlen; i++)
		target[i] = raw[i] ? (char)raw[i] : '/';
	target[tlen] = '\0';
	if (share_ro(s, &path))
		return refuse_create_ro(s, &path);
	status = prepare_entry(s, &path, &dirfd);
	if (status)
		return status;
	/* The target is stored, never followed by the server (§5.7). */
	status = symlinkat(target, dirfd, path.last) ? ERRNO_STATUS() : HGFS_STATUS_SUCCESS;
	close(dirfd);
	if (!status) {
		memset(r->out, 0, 8);
		*out_len = 8;
	}
	return status;
}

/* --- sessions (§2.6, §5.8) ---------------------------------------------- */

static uint64_t next_random(struct hgfs_server *s)
{
	/* xorshift64*: session ids only need to be unpredictable-ish and non-zero. */
	uint64_t x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static struct hgfs_session *session_find(struct hgfs_server *s, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < HGFS_MAX_SESSIONS; i++)
		if (s->sessions[i].used && s->sessions[i].id == id)
			return &s->sessions[i];
	return NULL;
}

static bool op_supported(uint32_t op)
{
	return (op >= HGFS_OP_OPEN_V3 && op <= HGFS_OP_CREATE_SYMLINK_V3) ||
	       op == HGFS_OP_CREATE_SESSION_V4 || op == HGFS_OP_DESTROY_SESSION_V4;
}

static uint32_t op_create_session(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	struct hgfs_session *session = NULL;
	uint32_t caps, client_max, op;
	unsigned int i;
	uint64_t id;

	NEED(r, HGFS_CREATE_SESSION_REQ_MIN);
	caps = get32(r->payload);
	if (caps && (caps > HGFS_OP_MAX || r->plen < 16 + 8 * (size_t)caps))
		return HGFS_STATUS_PROTOCOL_ERROR;
	client_max = get32(r->payload + 4);
	for (i = 0; i < HGFS_MAX_SESSIONS; i++) {
		if (!s->sessions[i].used) {
			session = &s->sessions[i];
			break;
		}
	}
	if (!session)
		return HGFS_STATUS_TOO_MANY_SESSIONS;
	if (HGFS_CREATE_SESSION_REPLY_FIXED + 8 * HGFS_OP_MAX > r->out_cap)
		return HGFS_STATUS_INVALID_PARAMETER;
	do {
		id = next_random(s);
	} while (!id || id == HGFS_V4_NO_SESSION || session_find(s, id));
	session->used = true;
	session->id = id;
	session->max_packet = client_max < HGFS_LARGE_PACKET_MAX ? client_max :
			      HGFS_LARGE_PACKET_MAX;
	if (session->max_packet < HGFS_PACKET_MAX)
		session->max_packet = HGFS_PACKET_MAX;
	s->stats.sessions_created++;

	memset(r->out, 0, HGFS_CREATE_SESSION_REPLY_FIXED);
	put64(r->out, id);
	put32(r->out + 8, HGFS_OP_MAX);
	put32(r->out + 12, session->max_packet);
	put32(r->out + 16, 0);
	put32(r->out + 20, HGFS_SESSION_MAXPACKETSIZE_VALID);
	for (op = 0; op < HGFS_OP_MAX; op++) {
		put32(r->out + 28 + 8 * op, op);
		put32(r->out + 32 + 8 * op, op_supported(op) ? HGFS_CAPABILITY_SUPPORTED : 0);
	}
	*out_len = HGFS_CREATE_SESSION_REPLY_FIXED + 8 * HGFS_OP_MAX;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t op_destroy_session(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	struct hgfs_session *session = session_find(s, r->session);

	if (!session)
		return HGFS_STATUS_STALE_SESSION;
	close_session_nodes(s, session->id);
	memset(session, 0, sizeof(*session));
	memset(r->out, 0, 8);
	*out_len = 8;
	return HGFS_STATUS_SUCCESS;
}

static uint32_t dispatch(struct hgfs_server *s, struct request *r, size_t *out_len)
{
	switch (r->op) {
	case HGFS_OP_OPEN_V3: return op_open(s, r, out_len);
	case HGFS_OP_READ_V3: return op_read(s, r, out_len);
	case HGFS_OP_WRITE_V3: return op_write(s, r, out_len);
	case HGFS_OP_CLOSE_V3: return op_close(s, r, out_len, HGFS_NODE_FILE);
	case HGFS_OP_SEARCH_OPEN_V3: return op_search_open(s, r, out_len);
	case HGFS_OP_SEARCH_READ_V3: return op_search_read(s, r, out_len);
	case HGFS_OP_SEARCH_CLOSE_V3: return op_close(s, r, out_len, HGFS_NODE_SEARCH);
	case HGFS_OP_GETATTR_V3: return op_getattr(s, r, out_len);
	case HGFS_OP_SETATTR_V3: return op_setattr(s, r, out_len);
	case HGFS_OP_CREATE_DIR_V3: return op_create_dir(s, r, out_len);
	case HGFS_OP_DELETE_FILE_V3: return op_delete(s, r, out_len, false);
	case HGFS_OP_DELETE_DIR_V3: return op_delete(s, r, out_len, true);
	case HGFS_OP_RENAME_V3: return op_rename(s, r, out_len);
	case HGFS_OP_QUERY_VOLUME_INFO_V3: return op_query_volume(s, r, out_len);
	case HGFS_OP_CREATE_SYMLINK_V3: return op_symlink(s, r, out_len);
	case HGFS_OP_SERVER_LOCK_CHANGE:
	case HGFS_OP_SERVER_LOCK_CHANGE_V3: return HGFS_STATUS_OPERATION_NOT_SUPPORTED;
	case HGFS_OP_CREATE_SESSION_V4:
		return r->v4 ? op_create_session(s, r, out_len) : HGFS_STATUS_PROTOCOL_ERROR;
	case HGFS_OP_DESTROY_SESSION_V4:
		return r->v4 ? op_destroy_session(s, r, out_len) : HGFS_STATUS_PROTOCOL_ERROR;
	default:
		/* V1/V2 and the V4-only operations are not served (§3.1). */
		return HGFS_STATUS_PROTOCOL_ERROR;
	}
}

/* --- faults -------------------------------------------------------------- */

const char *hgfs_fault_name(enum hgfs_fault fault)
{
	return fault < HGFS_FAULT_COUNT ? fault_names[fault] : "?";
}

int hgfs_server_set_fault(struct hgfs_server *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < HGFS_FAULT_COUNT; i++) {
		if (!strcmp(name, fault_names[i])) {
			s->fault = (enum hgfs_fault)i;
			return 0;
		}
	}
	return -1;
}

/* Length fields of the reply claim more than it holds. */
static void make_overlength(const struct request *r, uint8_t *packet, size_t hdr, size_t len)
{
	uint8_t *p = packet + hdr;

	if (r->v4)
		put32(packet + HGFS_V4_OFF_PACKET_SIZE, (uint32_t)len + 4096);
	if (len - hdr < 4)
		return;
	switch (r->op) {
	case HGFS_OP_READ_V3:
	case HGFS_OP_WRITE_V3:
		put32(p, get32(p) + 65536);
		break;
	case HGFS_OP_SEARCH_READ_V3:
		if (len - hdr >= 16 + HGFS_DIRENT_OFF_NAME + 4)
			put32(p + 16 + HGFS_DIRENT_OFF_NAME, 0x10000);
		break;
	case HGFS_OP_GETATTR_V3:
		if (len - hdr >= 116)
			put32(p + 112, 0x10000);
		break;
	case HGFS_OP_CREATE_SESSION_V4:
		if (len - hdr >= 12)
			put32(p + 8, 0x10000);
		break;
	default:
		break;
	}
}

/* --- framing (§2.2-§2.4) ----------------------------------------------- */

long hgfs_server_handle(struct hgfs_server *s, const uint8_t *request, size_t len,
			uint8_t *reply, size_t cap)
{
	struct request r = { 0 };
	size_t hdr, out_len = 0, max, total;
	uint32_t status, word1;

	s->stats.requests++;
	if (s->fault == HGFS_FAULT_SILENT)
		return -1;
	/* The ping and anything unparseable: an empty reply body (§1.4, §1.8). */
	if (len < HGFS_HEADER_LEGACY_SIZE)
		return 0;
	word1 = get32(request + 4);
	if (word1 == HGFS_OP_NEW_HEADER) {
		uint32_t packet_size, header_size;

		if (len < HGFS_HEADER_V4_SIZE || request[HGFS_V4_OFF_VERSION] < HGFS_HEADER_VERSION_1)
			return 0;
		packet_size = get32(request + HGFS_V4_OFF_PACKET_SIZE);
		header_size = get32(request + HGFS_V4_OFF_HEADER_SIZE);
		if (packet_size > len || header_size > packet_size ||
		    header_size < HGFS_HEADER_V4_SIZE)
			return 0;
		r.v4 = true;
		r.id = get32(request + HGFS_V4_OFF_REQUEST_ID);
		r.op = get32(request + HGFS_V4_OFF_OP);
		r.session = get64(request + HGFS_V4_OFF_SESSION_ID);
		r.payload = request + header_size;
		r.plen = packet_size - header_size;
		hdr = HGFS_HEADER_V4_SIZE;
	} else if (word1 <= HGFS_OP_WRITE_WIN32_STREAM_V3) {
		r.id = get32(request);
		r.op = word1;
		r.payload = request + HGFS_HEADER_LEGACY_SIZE;
		r.plen = len - HGFS_HEADER_LEGACY_SIZE;
		hdr = HGFS_HEADER_LEGACY_SIZE;
	} else {
		return 0;
	}

	/* Reply limit: legacy 6144 (READ_V3 of a large-packet client more), session's max. */
	if (r.v4) {
		struct hgfs_session *session = NULL;

		if (r.op != HGFS_OP_CREATE_SESSION_V4)
			session = session_find(s, r.session);
		max = session ? session->max_packet : HGFS_PACKET_MAX;
		if (r.op == HGFS_OP_CREATE_SESSION_V4)
			max = HGFS_LARGE_PACKET_MAX;
	} else {
		max = HGFS_PACKET_MAX;
		if (r.op == HGFS_OP_READ_V3 && r.plen >= 16 && get32(r.payload + 12) > HGFS_IO_MAX)
			max = HGFS_LARGE_PACKET_MAX;
	}
	if (max > cap)
		max = cap;
	if (max < hdr + 1)
		return 0;
	r.out = reply + hdr;
	r.out_cap = max - hdr;

	if (r.v4 && r.op != HGFS_OP_CREATE_SESSION_V4 && !session_find(s, r.session))
		status = HGFS_STATUS_STALE_SESSION;
	else
		status = dispatch(s, &r, &out_len);
	if (status)
		out_len = 0;
	total = hdr + out_len;
	if (status)
		s->stats.errors++;

	if (s->fault == HGFS_FAULT_WRONG_STATUS)
		status = HGFS_FAULT_BAD_STATUS_VALUE;
	if (s->fault == HGFS_FAULT_WRONG_ID)
		r.id ^= 0x5a5a5a5au;
	if (r.v4) {
		uint64_t sid = r.op == HGFS_OP_CREATE_SESSION_V4 ? HGFS_V4_NO_SESSION : r.session;

		memset(reply, 0, HGFS_HEADER_V4_SIZE);
		reply[HGFS_V4_OFF_VERSION] = HGFS_HEADER_VERSION_1;
		put32(reply + HGFS_V4_OFF_DUMMY, HGFS_OP_NEW_HEADER);
		put32(reply + HGFS_V4_OFF_PACKET_SIZE, (uint32_t)total);
		put32(reply + HGFS_V4_OFF_HEADER_SIZE, HGFS_HEADER_V4_SIZE);
		put32(reply + HGFS_V4_OFF_REQUEST_ID, r.id);
		put32(reply + HGFS_V4_OFF_OP, r.op);
		put32(reply + HGFS_V4_OFF_STATUS, status);
		put32(reply + HGFS_V4_OFF_FLAGS, HGFS_V4_FLAG_REPLY);
		put32(reply + HGFS_V4_OFF_INFORMATION, status);
		put64(reply + HGFS_V4_OFF_SESSION_ID, sid);
	} else {
		put32(reply, r.id);
		put32(reply + 4, status);
	}
	if (s->fault == HGFS_FAULT_OVERLENGTH)
		make_overlength(&r, reply, hdr, total);
	if (s->fault == HGFS_FAULT_TRUNCATE)
		total /= 2;
	return (long)total;
}

/* --- test helpers -------------------------------------------------------- */

/* POSIX cksum: CRC-32 (polynomial 0x04c11db7, MSB first) over data then length. */
static uint32_t cksum_update(uint32_t crc, const uint8_t *p, size_t n)
{
	size_t i;
	int bit;

	for (i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
	}
	return crc;
}

int hgfs_server_host_cksum(struct hgfs_server *s, const char *path, uint32_t *crc,
			   uint64_t *size)
{
	uint8_t cp[PATH_MAX], buf[65536], len_bytes[8];
	size_t n = strlen(path), i, k = 0;
	struct path resolved;
	uint64_t total = 0, v;
	ssize_t got;
	int fd, err = 0;

	if (n >= sizeof(cp))
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++)
		cp[i] = path[i] == '/' ? 0 : (uint8_t)path[i];
	if (parse_cp_name(s, cp, (uint32_t)n, &resolved) || resolved.share < 0)
		return -ENOENT;
	fd = open_beneath(s->shares[resolved.share].root_fd, resolved.rel, O_RDONLY | O_NOFOLLOW, 0);
	if (fd < 0)
		return -errno;
	*crc = 0;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		*crc = cksum_update(*crc, buf, (size_t)got);
		total += (uint64_t)got;
	}
	if (got < 0)
		err = -errno;
	close(fd);
	for (v = total; v; v >>= 8)
		len_bytes[k++] = (uint8_t)v;
	*crc = ~cksum_update(*crc, len_bytes, k);
	*size = total;
	return err;
}

/* --- life cycle ------------------------------------------------------- */

void hgfs_server_init(struct hgfs_server *s, uint64_t seed)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < HGFS_MAX_HANDLES; i++)
		s->nodes[i].fd = -1;
	s->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	s->next_handle = 1;
}

void hgfs_server_reset(struct hgfs_server *s)
{
	unsigned int i;

	for (i = 0; i < HGFS_MAX_HANDLES; i++)
		node_free(s, &s->nodes[i]);
	memset(s->sessions, 0, sizeof(s->sessions));
}

void hgfs_server_destroy(struct hgfs_server *s)
{
	unsigned int i;

	hgfs_server_reset(s);
	for (i = 0; i < s->share_count; i++) {
		close(s->shares[i].root_fd);
		free(s->shares[i].path);
	}
	s->share_count = 0;
}
