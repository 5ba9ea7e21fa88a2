/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmhgfs: the VMware host-guest file system (shared folders) as a kernel
 * file system. Requests are HGFS V3 operations (docs/protocol/hgfs.md),
 * behind the V4 header of a session when the host grants one, carried in
 * RPCI "f " messages over pvcore's message channels.
 */
#ifndef VMHGFS_H
#define VMHGFS_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include <pvtools/hgfs_abi.h>

#define HGFS_SUPER_MAGIC	0xbacbacbc
#define HGFS_CHANNELS		4	/* requests in flight at once per mount */
#define HGFS_ROOT_DEPTH_MAX	PATH_MAX

/**
 * struct hgfs_sb - one mount.
 * @chans: RPCI channels, used round robin; each carries one request at a time.
 * @next_chan: round-robin cursor.
 * @next_id: request id counter.
 * @session_lock: serialises session (re)creation; taken before no other lock.
 * @session_id: the V4 session, valid when @use_session.
 * @use_session: requests carry the V4 header (else the legacy header).
 * @max_packet: largest packet (request or reply) the host accepts.
 * @max_io: data bytes per READ_V3/WRITE_V3, a multiple of PAGE_SIZE.
 * @prefix: CP name of the mount root (components NUL-separated).
 * @prefix_len: length of @prefix without a final NUL.
 * @uid: owner of every inode when @uid_set, else the host's.
 * @gid: group of every inode when @gid_set, else the host's.
 * @uid_set: the uid= mount option was given.
 * @gid_set: the gid= mount option was given.
 * @fmask: permission bits taken away from files.
 * @dmask: permission bits taken away from directories.
 * @ttl: how long attributes and dentries are trusted, in jiffies.
 * @ttl_sec: @ttl as given, for show_options.
 */
struct hgfs_sb {
	struct pvcore_chan *chans[HGFS_CHANNELS];
	atomic_t next_chan;
	atomic_t next_id;
	struct mutex session_lock;	/* session (re)creation */
	u64 session_id;
	bool use_session;
	u32 max_packet;
	u32 max_io;
	char *prefix;
	u32 prefix_len;
	kuid_t uid;
	kgid_t gid;
	bool uid_set;
	bool gid_set;
	umode_t fmask;
	umode_t dmask;
	unsigned long ttl;
	unsigned int ttl_sec;
};

/**
 * struct hgfs_inode - our part of an inode.
 * @attr_time: jiffies when the attributes were last fetched; 0 = stale.
 * @fileid: the host's file id, if it sent one.
 * @atime: access time as the host reported it.
 * @mtime: modification time as the host reported it.
 * @ctime: change time as the host reported it.
 * @wb_lock: serialises opening @wb_handle.
 * @wb_handle: host handle, open for writing, that writeback sends dirty
 *	pages with; opened by the first writable shared mmap of the file,
 *	closed when the inode is evicted (after its last pages went out).
 * @wb_open: @wb_handle is valid.
 * @vfs: the VFS inode.
 */
struct hgfs_inode {
	unsigned long attr_time;
	u64 fileid;
	struct timespec64 atime;
	struct timespec64 mtime;
	struct timespec64 ctime;
	struct mutex wb_lock;	/* opening wb_handle */
	u32 wb_handle;
	bool wb_open;
	struct inode vfs;
};

/**
 * struct hgfs_attr - the fields of an HgfsAttrV2 we use.
 * @mask: HGFS_ATTR_VALID_* bits: which of the fields below the host filled.
 * @type: HGFS_FILE_TYPE_*.
 * @size: file size in bytes.
 * @alloc: bytes allocated on the host.
 * @atime: last access.
 * @mtime: last modification.
 * @ctime: last attribute change.
 * @perms: permission bits (owner, group, other, special) as a mode.
 * @uid: the host's owner id.
 * @gid: the host's group id.
 * @fileid: the host's file id, the inode number.
 */
struct hgfs_attr {
	u64 mask;
	u32 type;
	u64 size;
	u64 alloc;
	struct timespec64 atime;
	struct timespec64 mtime;
	struct timespec64 ctime;
	umode_t perms;
	u32 uid;
	u32 gid;
	u64 fileid;
};

/**
 * struct hgfs_file - an open regular file or directory.
 * @handle: host file or search handle.
 * @readable: @handle may be read from (regular files).
 * @lock: serialises directory reads on this file (search restart).
 * @search_used: the search handle was read from (rewind reopens it).
 */
struct hgfs_file {
	u32 handle;
	bool readable;
	struct mutex lock;	/* search handle and its position */
	bool search_used;
};

/**
 * struct hgfs_req - one request being built and its reply.
 * @buf: "f " + header + payload.
 * @cap: bytes allocated at @buf.
 * @room: payload bytes available.
 * @v4: framed with the V4 header.
 * @op: HGFS opcode.
 * @id: request id.
 * @payload: where the V3 payload starts in @buf.
 * @reply: the raw reply (pvcore's buffer), NULL before hgfs_send().
 * @rp: the reply's V3 payload after a successful hgfs_send().
 * @rplen: bytes at @rp.
 */
struct hgfs_req {
	u8 *buf;
	size_t cap;
	size_t room;
	bool v4;
	u32 op;
	u32 id;
	u8 *payload;
	void *reply;
	const u8 *rp;
	size_t rplen;
};

static inline struct hgfs_sb *HGFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct hgfs_inode *HGFS_I(struct inode *inode)
{
	return container_of(inode, struct hgfs_inode, vfs);
}

/* Attributes within the mount's TTL; attr_time 0 means never or stale. */
static inline bool hgfs_attr_fresh(struct inode *inode)
{
	unsigned long t = READ_ONCE(HGFS_I(inode)->attr_time);

	return t && time_before(jiffies, t + HGFS_SB(inode->i_sb)->ttl);
}

static inline void hgfs_attr_stale(struct inode *inode)
{
	WRITE_ONCE(HGFS_I(inode)->attr_time, 0);
}

/* request.c */
int hgfs_transport_open(struct hgfs_sb *sbi);
void hgfs_transport_close(struct hgfs_sb *sbi);
int hgfs_req_init(struct hgfs_sb *sbi, struct hgfs_req *r, u32 op, size_t payload_max);
int hgfs_send(struct hgfs_sb *sbi, struct hgfs_req *r, size_t payload_len);
void hgfs_req_free(struct hgfs_req *r);
int hgfs_status_to_errno(u32 status);
int hgfs_put_name(struct hgfs_sb *sbi, struct dentry *dentry, u8 *dst, size_t room);
void hgfs_put_name_hdr(u8 *hdr, u32 len);
void hgfs_put_handle_v3(struct hgfs_req *r, size_t off, u32 handle);
int hgfs_put_name_v3(struct hgfs_sb *sbi, struct hgfs_req *r, size_t off, struct dentry *dentry);
size_t hgfs_name_max(struct hgfs_sb *sbi);
void hgfs_parse_attr(const u8 *p, struct hgfs_attr *a);
void hgfs_put_time(u8 *p, const struct timespec64 *ts);

/* inode.c */
extern const struct inode_operations hgfs_dir_iops;
extern const struct inode_operations hgfs_file_iops;
extern const struct inode_operations hgfs_symlink_iops;
extern const struct dentry_operations hgfs_dentry_ops;
struct inode *hgfs_new_inode(struct super_block *sb, const struct hgfs_attr *a);
int hgfs_getattr_name(struct super_block *sb, struct dentry *dentry, struct hgfs_attr *a,
		      char **link);
int hgfs_revalidate(struct dentry *dentry, bool force);

/* file.c */
extern const struct file_operations hgfs_file_fops;
extern const struct file_operations hgfs_dir_fops;
extern const struct address_space_operations hgfs_aops;
int hgfs_open_handle(struct super_block *sb, struct dentry *dentry, u32 mode, u32 flags,
		     umode_t perms, u32 *handle);
int hgfs_close_handle(struct super_block *sb, u32 handle, u32 op);
struct hgfs_file *hgfs_file_alloc(void);
void hgfs_file_free(struct hgfs_file *hf);
void hgfs_evict_pages(struct inode *inode);
void hgfs_cache_zero(struct inode *inode, loff_t from, loff_t to);

#endif /* VMHGFS_H */
