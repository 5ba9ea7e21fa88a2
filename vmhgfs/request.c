// SPDX-License-Identifier: GPL-2.0
/*
 * vmhgfs transport: HGFS packets in RPCI "f " messages over a few pvcore
 * channels, the V4 session with fallback to legacy headers, reply
 * validation and the status-to-errno table (docs/protocol/hgfs.md §1.3,
 * §1.4, §2.2-§2.6, §4.1, §7).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vmhgfs.h"

#include <linux/dcache.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <pvtools/pvcore.h>
#include <pvtools_compat.h>

/* A session reply advertising more capabilities than this is refused. */
#define HGFS_SESSION_CAPS_MAX	256u

static size_t hdr_size(bool v4)
{
	return v4 ? HGFS_HEADER_V4_SIZE : HGFS_HEADER_LEGACY_SIZE;
}

/* §4.1; statuses of another protocol version or unknown ones are EIO. */
int hgfs_status_to_errno(u32 status)
{
	switch (status) {
	case HGFS_STATUS_SUCCESS:
		return 0;
	case HGFS_STATUS_NO_SUCH_FILE_OR_DIR:
	case HGFS_STATUS_INVALID_NAME:
		return -ENOENT;
	case HGFS_STATUS_INVALID_HANDLE:
		return -EBADF;
	case HGFS_STATUS_OPERATION_NOT_PERMITTED:
		return -EPERM;
	case HGFS_STATUS_FILE_EXISTS:
		return -EEXIST;
	case HGFS_STATUS_NOT_DIRECTORY:
		return -ENOTDIR;
	case HGFS_STATUS_DIR_NOT_EMPTY:
		return -ENOTEMPTY;
	case HGFS_STATUS_ACCESS_DENIED:
	case HGFS_STATUS_SHARING_VIOLATION:
		return -EACCES;
	case HGFS_STATUS_NO_SPACE:
		return -ENOSPC;
	case HGFS_STATUS_OPERATION_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case HGFS_STATUS_NAME_TOO_LONG:
		return -ENAMETOOLONG;
	case HGFS_STATUS_NOT_SAME_DEVICE:
		return -EXDEV;
	case HGFS_STATUS_PROTOCOL_ERROR:
	case HGFS_STATUS_GENERIC_ERROR:
	case HGFS_STATUS_INVALID_PARAMETER:
	case HGFS_STATUS_STALE_SESSION:
	case HGFS_STATUS_TOO_MANY_SESSIONS:
	case HGFS_STATUS_TRANSPORT_ERROR:
	default:
		return -EIO;
	}
}

/**
 * hgfs_req_init() - allocate a request.
 * @sbi: the mount.
 * @r: the request, filled in here.
 * @op: HGFS opcode.
 * @payload_max: the most payload bytes the caller will write; clamped to
 *	what one packet of this mount can hold.
 *
 * Return: 0 or -ENOMEM. hgfs_req_free() releases it either way.
 */
int hgfs_req_init(struct hgfs_sb *sbi, struct hgfs_req *r, u32 op, size_t payload_max)
{
	size_t hdr = hdr_size(sbi->use_session);

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->v4 = sbi->use_session;
	r->room = min_t(size_t, payload_max, sbi->max_packet - hdr);
	r->cap = HGFS_RPCI_PREFIX_LEN + hdr + r->room;
	r->buf = kvzalloc(r->cap, GFP_KERNEL);
	if (!r->buf)
		return -ENOMEM;
	memcpy(r->buf, HGFS_RPCI_PREFIX, HGFS_RPCI_PREFIX_LEN);
	r->payload = r->buf + HGFS_RPCI_PREFIX_LEN + hdr;
	return 0;
}

void hgfs_req_free(struct hgfs_req *r)
{
	kvfree(r->buf);
	kvfree(r->reply);
	r->buf = NULL;
	r->reply = NULL;
}

static void put_header(struct hgfs_sb *sbi, struct hgfs_req *r, size_t payload_len)
{
	u8 *h = r->buf + HGFS_RPCI_PREFIX_LEN;

	if (!r->v4) {
		put_unaligned_le32(r->id, h);
		put_unaligned_le32(r->op, h + 4);
		return;
	}
	memset(h, 0, HGFS_HEADER_V4_SIZE);
	h[HGFS_V4_OFF_VERSION] = HGFS_HEADER_VERSION_1;
	put_unaligned_le32(HGFS_OP_NEW_HEADER, h + HGFS_V4_OFF_DUMMY);
	put_unaligned_le32(HGFS_HEADER_V4_SIZE + payload_len, h + HGFS_V4_OFF_PACKET_SIZE);
	put_unaligned_le32(HGFS_HEADER_V4_SIZE, h + HGFS_V4_OFF_HEADER_SIZE);
	put_unaligned_le32(r->id, h + HGFS_V4_OFF_REQUEST_ID);
	put_unaligned_le32(r->op, h + HGFS_V4_OFF_OP);
	put_unaligned_le32(HGFS_V4_FLAG_REQUEST, h + HGFS_V4_OFF_FLAGS);
	put_unaligned_le64(r->op == HGFS_OP_CREATE_SESSION_V4 ? 0 : READ_ONCE(sbi->session_id),
			   h + HGFS_V4_OFF_SESSION_ID);
}

/*
 * Checks the reply's framing (§2.3, §2.4, §7) and finds its payload and
 * status. Returns 0 or -EIO for a reply that is not the answer to @r.
 */
static int parse_reply(struct hgfs_req *r, const u8 *reply, size_t len, u32 *status)
{
	const u8 *b = reply + HGFS_RPCI_PREFIX_LEN;
	size_t blen;
	u32 psize, hsize, flags;

	if (len < HGFS_RPCI_PREFIX_LEN || reply[0] != '1') {
		pr_warn_ratelimited("host refused the HGFS request (op %u)\n", r->op);
		return -EIO;
	}
	blen = len - HGFS_RPCI_PREFIX_LEN;
	if (!r->v4) {
		if (blen < HGFS_HEADER_LEGACY_SIZE)
			goto bad;
		if (get_unaligned_le32(b) != r->id)
			goto bad;
		*status = get_unaligned_le32(b + 4);
		r->rp = b + HGFS_HEADER_LEGACY_SIZE;
		r->rplen = blen - HGFS_HEADER_LEGACY_SIZE;
		return 0;
	}
	if (blen < HGFS_HEADER_V4_SIZE ||
	    get_unaligned_le32(b + HGFS_V4_OFF_DUMMY) != HGFS_OP_NEW_HEADER)
		goto bad;
	psize = get_unaligned_le32(b + HGFS_V4_OFF_PACKET_SIZE);
	hsize = get_unaligned_le32(b + HGFS_V4_OFF_HEADER_SIZE);
	flags = get_unaligned_le32(b + HGFS_V4_OFF_FLAGS);
	if (psize > blen || hsize < HGFS_HEADER_V4_SIZE || hsize > psize)
		goto bad;
	if (get_unaligned_le32(b + HGFS_V4_OFF_REQUEST_ID) != r->id ||
	    get_unaligned_le32(b + HGFS_V4_OFF_OP) != r->op)
		goto bad;
	if (flags && !(flags & HGFS_V4_FLAG_REPLY))
		goto bad;
	*status = get_unaligned_le32(b + HGFS_V4_OFF_STATUS);
	r->rp = b + hsize;
	r->rplen = psize - hsize;
	return 0;
bad:
	pr_warn_ratelimited("malformed reply to op %u (%zu bytes)\n", r->op, blen);
	return -EIO;
}

static int exchange(struct hgfs_sb *sbi, struct hgfs_req *r, size_t payload_len, u32 *status)
{
	unsigned int idx = (unsigned int)atomic_inc_return(&sbi->next_chan) % HGFS_CHANNELS;
	size_t len = HGFS_RPCI_PREFIX_LEN + hdr_size(r->v4) + payload_len;
	size_t rlen;
	void *reply;
	int ret;

	r->id = (u32)atomic_inc_return(&sbi->next_id);
	put_header(sbi, r, payload_len);
	kvfree(r->reply);
	r->reply = NULL;
	r->rp = NULL;
	r->rplen = 0;
	ret = pvcore_rpci_exchange(sbi->chans[idx], r->buf, len, &reply, &rlen);
	if (ret) {
		if (ret == -EINTR || ret == -ENOMEM)
			return ret;
		pr_warn_ratelimited("op %u: channel error %d\n", r->op, ret);
		return -EIO;
	}
	r->reply = reply;
	return parse_reply(r, reply, rlen, status);
}

static int session_create_locked(struct hgfs_sb *sbi)
{
	struct hgfs_req r;
	u32 status, n, max;
	int ret;

	lockdep_assert_held(&sbi->session_lock);
	memset(&r, 0, sizeof(r));
	r.op = HGFS_OP_CREATE_SESSION_V4;
	r.v4 = true;
	r.room = HGFS_CREATE_SESSION_REQ_MIN + 12;
	r.cap = HGFS_RPCI_PREFIX_LEN + HGFS_HEADER_V4_SIZE + r.room;
	r.buf = kvzalloc(r.cap, GFP_KERNEL);
	if (!r.buf)
		return -ENOMEM;
	memcpy(r.buf, HGFS_RPCI_PREFIX, HGFS_RPCI_PREFIX_LEN);
	r.payload = r.buf + HGFS_RPCI_PREFIX_LEN + HGFS_HEADER_V4_SIZE;
	/* numCapabilities 0, maxPacketSize, flags 0, reserved, one empty slot (§2.6). */
	put_unaligned_le32(HGFS_LARGE_PACKET_MAX, r.payload + 4);
	ret = exchange(sbi, &r, r.room, &status);
	if (ret)
		goto out;
	ret = hgfs_status_to_errno(status);
	if (ret)
		goto out;
	ret = -EIO;
	if (r.rplen < HGFS_CREATE_SESSION_REPLY_FIXED)
		goto out;
	n = get_unaligned_le32(r.rp + 8);
	max = get_unaligned_le32(r.rp + 12);
	if (n > HGFS_SESSION_CAPS_MAX ||
	    HGFS_CREATE_SESSION_REPLY_FIXED + 8 * (size_t)n > r.rplen ||
	    max < HGFS_PACKET_MAX || max > HGFS_LARGE_PACKET_MAX)
		goto out;
	sbi->session_id = get_unaligned_le64(r.rp);
	sbi->max_packet = max;
	ret = 0;
out:
	hgfs_req_free(&r);
	return ret;
}

/* STALE_SESSION: a new session unless another request made one already. */
static int session_renew(struct hgfs_sb *sbi, u64 stale)
{
	int ret = 0;

	mutex_lock(&sbi->session_lock);
	if (READ_ONCE(sbi->session_id) == stale) {
		ret = session_create_locked(sbi);
		if (!ret)
			pr_info_ratelimited("host session renewed\n");
	}
	mutex_unlock(&sbi->session_lock);
	return ret;
}

/**
 * hgfs_send() - send @r with @payload_len payload bytes and check the reply.
 * @sbi: the mount.
 * @r: a request from hgfs_req_init() with its payload written.
 * @payload_len: payload bytes, at most @r->room.
 *
 * A session the host forgot is renewed and the request sent once more.
 * On success @r->rp/@r->rplen hold the reply payload, which the caller
 * still has to validate field by field.
 *
 * Return: 0, the errno of the HGFS status, -EIO for a transport failure,
 * a malformed reply or no reply within pvcore's rpc_timeout_ms, -EINTR.
 */
int hgfs_send(struct hgfs_sb *sbi, struct hgfs_req *r, size_t payload_len)
{
	u64 sid;
	u32 status;
	int ret;

	if (WARN_ON_ONCE(payload_len > r->room))
		return -EINVAL;
	sid = READ_ONCE(sbi->session_id);
	ret = exchange(sbi, r, payload_len, &status);
	if (!ret && status == HGFS_STATUS_STALE_SESSION && r->v4) {
		ret = session_renew(sbi, sid);
		if (ret)
			return -EIO;
		ret = exchange(sbi, r, payload_len, &status);
	}
	if (ret)
		return ret;
	if (status != HGFS_STATUS_SUCCESS && status > HGFS_STATUS_TRANSPORT_ERROR)
		pr_warn_ratelimited("op %u: unknown status %u\n", r->op, status);
	return hgfs_status_to_errno(status);
}

/**
 * hgfs_transport_open() - channels, the HGFS ping and the session.
 * @sbi: the mount; @chans, @max_packet, @max_io and the session are set.
 *
 * Return: 0 or -errno (-EIO when the host has no HGFS server).
 */
int hgfs_transport_open(struct hgfs_sb *sbi)
{
	void *reply = NULL;
	size_t rlen;
	int i, ret;

	for (i = 0; i < HGFS_CHANNELS; i++) {
		sbi->chans[i] = pvcore_chan_open(GUESTMSG_PROTO_RPCI);
		if (IS_ERR(sbi->chans[i])) {
			ret = PTR_ERR(sbi->chans[i]);
			sbi->chans[i] = NULL;
			goto fail;
		}
	}
	/* §1.4: a bare "f " answered "1 " means HGFS is on. */
	ret = pvcore_rpci_exchange(sbi->chans[0], HGFS_RPCI_PREFIX, HGFS_RPCI_PREFIX_LEN,
				   &reply, &rlen);
	if (!ret && (rlen < 2 || ((u8 *)reply)[0] != '1'))
		ret = -EIO;
	kvfree(reply);
	/* No memory for the exchange, or a signal: say so, not "no server". */
	if (ret == -ENOMEM || ret == -EINTR)
		goto fail;
	if (ret) {
		pr_warn("no HGFS server on this host (%d)\n", ret);
		ret = -EIO;
		goto fail;
	}

	/* §2.5: a session if the host grants one, else legacy headers. */
	mutex_lock(&sbi->session_lock);
	ret = session_create_locked(sbi);
	mutex_unlock(&sbi->session_lock);
	if (ret == -EINTR)
		goto fail;
	if (ret) {
		pr_info("no HGFS session (%d): legacy headers, %u-byte I/O\n", ret, HGFS_IO_MAX);
		sbi->use_session = false;
		sbi->max_packet = HGFS_PACKET_MAX;
		sbi->max_io = HGFS_IO_MAX;
		return 0;
	}
	sbi->use_session = true;
	/* Room for the READ_V3 reply (13 + data) or the WRITE_V3 request (25 + data). */
	sbi->max_io = rounddown(sbi->max_packet - HGFS_HEADER_V4_SIZE - 26, PAGE_SIZE);
	return 0;
fail:
	hgfs_transport_close(sbi);
	return ret;
}

/**
 * hgfs_transport_close() - end the session and close the channels.
 * @sbi: the mount.
 */
void hgfs_transport_close(struct hgfs_sb *sbi)
{
	struct hgfs_req r;
	int i;

	if (sbi->use_session && sbi->chans[0] &&
	    !hgfs_req_init(sbi, &r, HGFS_OP_DESTROY_SESSION_V4, 8)) {
		/* Best effort: the host drops the session's handles. */
		hgfs_send(sbi, &r, 8);
		hgfs_req_free(&r);
	}
	sbi->use_session = false;
	for (i = 0; i < HGFS_CHANNELS; i++) {
		pvcore_chan_close(sbi->chans[i]);
		sbi->chans[i] = NULL;
	}
}

/* An HgfsFileNameV3 header: name length, flags, case type, file handle. */
static void put_name_v3_hdr(u8 *hdr, u32 len, u32 flags, u32 fid)
{
	put_unaligned_le32(len, hdr);
	put_unaligned_le32(flags, hdr + 4);
	put_unaligned_le32(1, hdr + 8);			/* case sensitive */
	put_unaligned_le32(fid, hdr + 12);
}

/**
 * hgfs_put_name_hdr() - an HgfsFileNameV3 header for a name sent by name.
 * @hdr: where the 16-byte header goes.
 * @len: name length without its NUL.
 */
void hgfs_put_name_hdr(u8 *hdr, u32 len)
{
	put_name_v3_hdr(hdr, len, 0, HGFS_INVALID_HANDLE);
}

/**
 * hgfs_put_handle_v3() - an open file's handle as the HgfsFileNameV3 of a
 * request (USE_FILE_DESC: the host acts on the file the handle holds open,
 * which may have no name any more).
 * @r: the request, from hgfs_req_init().
 * @off: where the name's 16-byte header goes; an empty name follows it, so
 *	 the payload ends HGFS_NAME_V3_SIZE after @off.
 * @handle: the handle, from OPEN.
 */
void hgfs_put_handle_v3(struct hgfs_req *r, size_t off, u32 handle)
{
	u8 *hdr = r->payload + off;

	put_name_v3_hdr(hdr, 0, HGFS_FILE_NAME_USE_FILE_DESC, handle);
	hdr[HGFS_NAME_V3_HDR] = 0;
}

/**
 * hgfs_put_name_v3() - a dentry's path as an HgfsFileNameV3 in a request.
 * @sbi: the mount.
 * @r: the request, from hgfs_req_init().
 * @off: where the name's 16-byte header goes in the payload; the name follows.
 * @dentry: whose path.
 *
 * Return: the name's length (the payload then ends HGFS_NAME_V3_SIZE + that
 * after @off), or -errno when it does not fit.
 */
int hgfs_put_name_v3(struct hgfs_sb *sbi, struct hgfs_req *r, size_t off, struct dentry *dentry)
{
	int n = hgfs_put_name(sbi, dentry, r->payload + off + HGFS_NAME_V3_HDR,
			      r->room - off - HGFS_NAME_V3_HDR);

	if (n >= 0)
		hgfs_put_name_hdr(r->payload + off, n);
	return n;
}

/* Payload room a request needs for one name of this mount. */
size_t hgfs_name_max(struct hgfs_sb *sbi)
{
	return sbi->prefix_len + 1 + PATH_MAX + 1;
}

/**
 * hgfs_put_name() - the CP name (§3.4) of @dentry, NUL-terminated.
 * @sbi: the mount (its root prefix comes first).
 * @dentry: the dentry; its path below the mount root is used (NULL: the root).
 * @dst: where the name goes.
 * @room: bytes available at @dst, the NUL included.
 *
 * Return: the name length without the NUL, or -ENAMETOOLONG, -ENOMEM.
 */
int hgfs_put_name(struct hgfs_sb *sbi, struct dentry *dentry, u8 *dst, size_t room)
{
	char *buf, *path;
	size_t plen, len = 0, i;
	int ret;

	buf = __getname();
	if (!buf)
		return -ENOMEM;
	if (dentry) {
		path = dentry_path_raw(dentry, buf, PATH_MAX);
	} else {
		buf[0] = '\0';
		path = buf;
	}
	if (IS_ERR(path)) {
		ret = PTR_ERR(path);
		goto out;
	}
	while (*path == '/')
		path++;
	plen = strlen(path);
	ret = -ENAMETOOLONG;
	if (sbi->prefix_len + 1 + plen + 1 > room)
		goto out;
	memcpy(dst, sbi->prefix, sbi->prefix_len);
	len = sbi->prefix_len;
	if (plen && len)
		dst[len++] = '\0';
	for (i = 0; i < plen; i++) {
		/* Runs of '/' become one separator; none at the end. */
		if (path[i] == '/') {
			if (i + 1 < plen && path[i + 1] != '/')
				dst[len++] = '\0';
			continue;
		}
		dst[len++] = path[i];
	}
	dst[len] = '\0';
	ret = len;
out:
	__putname(buf);
	return ret;
}

static void get_time(const u8 *p, struct timespec64 *ts)
{
	u64 nt = get_unaligned_le64(p);
	u32 rem;

	/* §5.9: 100 ns units since 1601; earlier than 1970 shows as 1970. */
	if (nt < HGFS_NT_UNIX_EPOCH) {
		ts->tv_sec = 0;
		ts->tv_nsec = 0;
		return;
	}
	ts->tv_sec = div_u64_rem(nt - HGFS_NT_UNIX_EPOCH, 10000000, &rem);
	ts->tv_nsec = rem * 100;
}

/**
 * hgfs_put_time() - a time in the host's format.
 * @p: where the 8 bytes go.
 * @ts: the time; before 1970 is sent as 1970.
 */
void hgfs_put_time(u8 *p, const struct timespec64 *ts)
{
	u64 nt = HGFS_NT_UNIX_EPOCH;

	if (ts->tv_sec >= 0)
		nt += (u64)ts->tv_sec * 10000000 + ts->tv_nsec / 100;
	put_unaligned_le64(nt, p);
}

/**
 * hgfs_parse_attr() - decode an HgfsAttrV2 (§3.3).
 * @p: the 104 bytes, already checked to be inside the reply.
 * @a: the result; fields the host did not mark valid are 0.
 */
void hgfs_parse_attr(const u8 *p, struct hgfs_attr *a)
{
	u64 m = get_unaligned_le64(p + HGFS_ATTR_OFF_MASK);

	memset(a, 0, sizeof(*a));
	a->mask = m;
	a->type = get_unaligned_le32(p + HGFS_ATTR_OFF_TYPE);
	if (m & HGFS_ATTR_VALID_SIZE)
		a->size = get_unaligned_le64(p + HGFS_ATTR_OFF_SIZE);
	if (m & HGFS_ATTR_VALID_ACCESS_TIME)
		get_time(p + HGFS_ATTR_OFF_ACCESS_TIME, &a->atime);
	if (m & HGFS_ATTR_VALID_WRITE_TIME)
		get_time(p + HGFS_ATTR_OFF_WRITE_TIME, &a->mtime);
	if (m & HGFS_ATTR_VALID_CHANGE_TIME)
		get_time(p + HGFS_ATTR_OFF_CHANGE_TIME, &a->ctime);
	if (m & HGFS_ATTR_VALID_SPECIAL_PERMS)
		a->perms |= (p[HGFS_ATTR_OFF_SPECIAL_PERMS] & 7) << 9;
	if (m & HGFS_ATTR_VALID_OWNER_PERMS)
		a->perms |= (p[HGFS_ATTR_OFF_OWNER_PERMS] & 7) << 6;
	if (m & HGFS_ATTR_VALID_GROUP_PERMS)
		a->perms |= (p[HGFS_ATTR_OFF_GROUP_PERMS] & 7) << 3;
	if (m & HGFS_ATTR_VALID_OTHER_PERMS)
		a->perms |= p[HGFS_ATTR_OFF_OTHER_PERMS] & 7;
	if (m & HGFS_ATTR_VALID_ALLOCATION_SIZE)
		a->alloc = get_unaligned_le64(p + HGFS_ATTR_OFF_ALLOCATION_SIZE);
	if (m & HGFS_ATTR_VALID_USERID)
		a->uid = get_unaligned_le32(p + HGFS_ATTR_OFF_USER_ID);
	if (m & HGFS_ATTR_VALID_GROUPID)
		a->gid = get_unaligned_le32(p + HGFS_ATTR_OFF_GROUP_ID);
	if (m & HGFS_ATTR_VALID_FILEID)
		a->fileid = get_unaligned_le64(p + HGFS_ATTR_OFF_FILE_ID);
}
