// SPDX-License-Identifier: GPL-2.0
/*
 * vmhgfs names and attributes: lookup and dentry revalidation with a TTL,
 * getattr/setattr, create, mkdir, unlink, rmdir, rename, symlinks
 * (docs/protocol/hgfs.md §3.6.8-§3.6.14).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vmhgfs.h"

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>

#include <pvtools_compat.h>

/* Request payload offsets (§3.6). */
#define GETATTR_OFF_NAME	16u	/* hints u64, reserved u64, then the name */
#define SETATTR_OFF_ATTR	8u
#define SETATTR_OFF_NAME	120u
#define MKDIR_OFF_PERMS		8u
#define MKDIR_OFF_NAME		20u
#define DELETE_OFF_NAME		16u
#define RENAME_OFF_OLD		16u
#define SYMLINK_OFF_NAME	8u
/* GETATTR_V3 reply: attr, reserved u64, then the symlink target name. */
#define GETATTR_REPLY_TARGET	112u

static umode_t type_mode(u32 type)
{
	switch (type) {
	case HGFS_FILE_TYPE_DIRECTORY:
		return S_IFDIR;
	case HGFS_FILE_TYPE_SYMLINK:
		return S_IFLNK;
	default:
		return S_IFREG;
	}
}

/* Attributes into the inode; -ESTALE if the host's object changed type. */
static int apply_attr(struct inode *inode, const struct hgfs_attr *a, bool fresh_inode)
{
	struct hgfs_sb *sbi = HGFS_SB(inode->i_sb);
	struct hgfs_inode *hi = HGFS_I(inode);
	umode_t type = type_mode(a->type);
	umode_t perms = a->perms;
	bool changed;

	if (!fresh_inode && (inode->i_mode & S_IFMT) != type)
		return -ESTALE;
	if (!fresh_inode && (a->mask & HGFS_ATTR_VALID_FILEID) && hi->fileid &&
	    a->fileid != hi->fileid)
		return -ESTALE;
	if (type == S_IFDIR)
		perms &= ~sbi->dmask;
	else if (type == S_IFREG)
		perms &= ~sbi->fmask;
	else
		perms = 0777;
	inode->i_mode = type | perms;

	if (sbi->uid_set || !(a->mask & HGFS_ATTR_VALID_USERID))
		inode->i_uid = sbi->uid_set ? sbi->uid : GLOBAL_ROOT_UID;
	else
		inode->i_uid = make_kuid(&init_user_ns, a->uid);
	if (!uid_valid(inode->i_uid))
		inode->i_uid = GLOBAL_ROOT_UID;
	if (sbi->gid_set || !(a->mask & HGFS_ATTR_VALID_GROUPID))
		inode->i_gid = sbi->gid_set ? sbi->gid : GLOBAL_ROOT_GID;
	else
		inode->i_gid = make_kgid(&init_user_ns, a->gid);
	if (!gid_valid(inode->i_gid))
		inode->i_gid = GLOBAL_ROOT_GID;

	changed = i_size_read(inode) != a->size ||
		  !timespec64_equal(&hi->mtime, &a->mtime);
	if (type == S_IFREG && !fresh_inode && changed)
		invalidate_mapping_pages(inode->i_mapping, 0, -1);
	i_size_write(inode, a->size);
	inode->i_blocks = a->alloc >> 9;
	set_nlink(inode, type == S_IFDIR ? 2 : 1);
	hi->atime = a->atime;
	hi->mtime = a->mtime;
	hi->ctime = a->ctime;
	if (a->mask & HGFS_ATTR_VALID_FILEID)
		hi->fileid = a->fileid;
	WRITE_ONCE(hi->attr_time, jiffies | 1);
	return 0;
}

/**
 * hgfs_getattr_name() - GETATTR_V3 of @dentry by name.
 * @sb: the superblock.
 * @dentry: whose path is asked for.
 * @a: the validated attributes.
 * @link: if not NULL and the object is a symlink, its target (kmalloc'ed).
 *
 * Return: 0 or -errno (-EIO for a reply that does not fit the request).
 */
int hgfs_getattr_name(struct super_block *sb, struct dentry *dentry, struct hgfs_attr *a,
		      char **link)
{
	struct hgfs_sb *sbi = HGFS_SB(sb);
	struct hgfs_req r;
	u32 tlen;
	int ret, n;

	ret = hgfs_req_init(sbi, &r, HGFS_OP_GETATTR_V3,
			    GETATTR_OFF_NAME + HGFS_NAME_V3_HDR + hgfs_name_max(sbi));
	if (ret)
		goto out;
	n = hgfs_put_name_v3(sbi, &r, GETATTR_OFF_NAME, dentry);
	if (n < 0) {
		ret = n;
		goto out;
	}
	ret = hgfs_send(sbi, &r, GETATTR_OFF_NAME + HGFS_NAME_V3_SIZE + n);
	if (ret)
		goto out;
	ret = -EIO;
	if (r.rplen < HGFS_ATTR_V2_SIZE)
		goto bad;
	hgfs_parse_attr(r.rp, a);
	if (!(a->mask & HGFS_ATTR_VALID_TYPE) || a->type > HGFS_FILE_TYPE_SYMLINK ||
	    a->size > MAX_LFS_FILESIZE)
		goto bad;
	ret = 0;
	if (!link || a->type != HGFS_FILE_TYPE_SYMLINK)
		goto out;
	ret = -EIO;
	if (r.rplen < GETATTR_REPLY_TARGET + HGFS_NAME_V3_HDR)
		goto bad;
	tlen = get_unaligned_le32(r.rp + GETATTR_REPLY_TARGET);
	if (!tlen || tlen >= PATH_MAX ||
	    tlen > r.rplen - GETATTR_REPLY_TARGET - HGFS_NAME_V3_HDR)
		goto bad;
	*link = kmemdup_nul((const char *)r.rp + GETATTR_REPLY_TARGET + HGFS_NAME_V3_HDR,
			    tlen, GFP_KERNEL);
	if (!*link) {
		ret = -ENOMEM;
		goto out;
	}
	/* CPNameLite (§3.4): NULs stand for '/'. */
	for (n = 0; n < tlen; n++)
		if (!(*link)[n])
			(*link)[n] = '/';
	ret = 0;
	goto out;
bad:
	pr_warn_ratelimited("GETATTR reply does not fit (%zu bytes)\n", r.rplen);
out:
	hgfs_req_free(&r);
	return ret;
}

/**
 * hgfs_new_inode() - an inode for attributes the host sent.
 * @sb: the superblock.
 * @a: validated attributes.
 *
 * Return: the inode or NULL.
 */
struct inode *hgfs_new_inode(struct super_block *sb, const struct hgfs_attr *a)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = (a->mask & HGFS_ATTR_VALID_FILEID) && a->fileid ?
		       (unsigned long)a->fileid : get_next_ino();
	apply_attr(inode, a, true);
	switch (inode->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &hgfs_dir_iops;
		inode->i_fop = &hgfs_dir_fops;
		break;
	case S_IFLNK:
		inode->i_op = &hgfs_symlink_iops;
		break;
	default:
		inode->i_op = &hgfs_file_iops;
		inode->i_fop = &hgfs_file_fops;
		inode->i_mapping->a_ops = &hgfs_aops;
		/* Unhashed inodes never reach writeback's lists (hgfs_drop_inode). */
		inode_fake_hash(inode);
		break;
	}
	return inode;
}

/**
 * hgfs_revalidate() - refresh @dentry's inode once its TTL ran out.
 * @dentry: a positive dentry.
 * @force: ask the host even within the TTL.
 *
 * Return: 0, -ESTALE if the host now has another object there, -errno.
 */
int hgfs_revalidate(struct dentry *dentry, bool force)
{
	struct inode *inode = d_inode(dentry);
	struct hgfs_attr a;
	int ret;

	if (!force && hgfs_attr_fresh(inode))
		return 0;
	ret = hgfs_getattr_name(inode->i_sb, dentry, &a, NULL);
	if (ret)
		return ret;
	return apply_attr(inode, &a, false);
}

static struct dentry *hgfs_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags)
{
	struct inode *inode = NULL;
	struct hgfs_attr a;
	int ret;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	ret = hgfs_getattr_name(dir->i_sb, dentry, &a, NULL);
	if (ret && ret != -ENOENT)
		return ERR_PTR(ret);
	if (!ret) {
		inode = hgfs_new_inode(dir->i_sb, &a);
		if (!inode)
			return ERR_PTR(-ENOMEM);
	}
	dentry->d_time = jiffies;
	return d_splice_alias(inode, dentry);
}

static int revalidate_dentry(struct dentry *dentry, unsigned int flags)
{
	struct super_block *sb = dentry->d_sb;
	int ret;

	if (flags & LOOKUP_RCU)
		return -ECHILD;
	if (IS_ROOT(dentry))
		return 1;
	if (d_really_is_negative(dentry))
		return time_before(jiffies, dentry->d_time + HGFS_SB(sb)->ttl);
	ret = hgfs_revalidate(dentry, false);
	if (!ret)
		return 1;
	if (ret == -ENOENT || ret == -ESTALE || ret == -ENOTDIR)
		return 0;
	return ret;
}

#ifdef PVTOOLS_HAVE_D_REVALIDATE_DIR_NAME
static int hgfs_d_revalidate(struct inode *dir, const struct qstr *name,
			     struct dentry *dentry, unsigned int flags)
{
	return revalidate_dentry(dentry, flags);
}
#else
static int hgfs_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	return revalidate_dentry(dentry, flags);
}
#endif

const struct dentry_operations hgfs_dentry_ops = {
	.d_revalidate = hgfs_d_revalidate,
};

static int hgfs_getattr(PVTOOLS_IDMAP_PARAM const struct path *path, struct kstat *stat,
			u32 request_mask, unsigned int flags)
{
	struct dentry *dentry = path->dentry;
	struct inode *inode = d_inode(dentry);
	struct hgfs_inode *hi = HGFS_I(inode);
	int ret;

	/*
	 * A file we unlinked has no name at the host to ask by; what is known
	 * of it (its size follows our writes and truncates) is the answer.
	 */
	if (!(flags & AT_STATX_DONT_SYNC) && inode->i_nlink) {
		ret = hgfs_revalidate(dentry, flags & AT_STATX_FORCE_SYNC);
		if (ret)
			return ret == -ESTALE ? -ENOENT : ret;
	}
	stat->result_mask = STATX_BASIC_STATS;
	stat->dev = inode->i_sb->s_dev;
	stat->ino = inode->i_ino;
	stat->mode = inode->i_mode;
	stat->nlink = inode->i_nlink;
	stat->uid = inode->i_uid;
	stat->gid = inode->i_gid;
	stat->rdev = 0;
	stat->size = i_size_read(inode);
	stat->atime = hi->atime;
	stat->mtime = hi->mtime;
	stat->ctime = hi->ctime;
	stat->blksize = PAGE_SIZE;
	stat->blocks = inode->i_blocks;
	return 0;
}

static int hgfs_setattr(PVTOOLS_IDMAP_PARAM struct dentry *dentry, struct iattr *ia)
{
	struct inode *inode = d_inode(dentry);
	struct hgfs_sb *sbi = HGFS_SB(inode->i_sb);
	u64 mask = 0, hints = 0;
	struct hgfs_req r;
	u8 *attr;
	int ret, n;

	ret = setattr_prepare(PVTOOLS_IDMAP_ARG dentry, ia);
	if (ret)
		return ret;
	ret = hgfs_req_init(sbi, &r, HGFS_OP_SETATTR_V3,
			    SETATTR_OFF_NAME + HGFS_NAME_V3_HDR + hgfs_name_max(sbi));
	if (ret)
		goto out;
	attr = r.payload + SETATTR_OFF_ATTR;
	if (ia->ia_valid & ATTR_MODE) {
		mask |= HGFS_ATTR_VALID_SPECIAL_PERMS | HGFS_ATTR_VALID_OWNER_PERMS |
			HGFS_ATTR_VALID_GROUP_PERMS | HGFS_ATTR_VALID_OTHER_PERMS;
		attr[HGFS_ATTR_OFF_SPECIAL_PERMS] = (ia->ia_mode >> 9) & 7;
		attr[HGFS_ATTR_OFF_OWNER_PERMS] = (ia->ia_mode >> 6) & 7;
		attr[HGFS_ATTR_OFF_GROUP_PERMS] = (ia->ia_mode >> 3) & 7;
		attr[HGFS_ATTR_OFF_OTHER_PERMS] = ia->ia_mode & 7;
	}
	if (ia->ia_valid & ATTR_UID) {
		mask |= HGFS_ATTR_VALID_USERID;
		put_unaligned_le32(from_kuid(&init_user_ns, ia->ia_uid),
				   attr + HGFS_ATTR_OFF_USER_ID);
	}
	if (ia->ia_valid & ATTR_GID) {
		mask |= HGFS_ATTR_VALID_GROUPID;
		put_unaligned_le32(from_kgid(&init_user_ns, ia->ia_gid),
				   attr + HGFS_ATTR_OFF_GROUP_ID);
	}
	if (ia->ia_valid & ATTR_SIZE) {
		/*
		 * Pages dirtied through mmap reach the host before it cuts the
		 * file; whatever the flush reports stays for fsync to see.
		 */
		filemap_write_and_wait(inode->i_mapping);
		mask |= HGFS_ATTR_VALID_SIZE;
		put_unaligned_le64(ia->ia_size, attr + HGFS_ATTR_OFF_SIZE);
	}
	if (ia->ia_valid & ATTR_ATIME) {
		mask |= HGFS_ATTR_VALID_ACCESS_TIME;
		if (ia->ia_valid & ATTR_ATIME_SET) {
			hints |= HGFS_ATTR_HINT_SET_ACCESS_TIME;
			hgfs_put_time(attr + HGFS_ATTR_OFF_ACCESS_TIME, &ia->ia_atime);
		}
	}
	if (ia->ia_valid & ATTR_MTIME) {
		mask |= HGFS_ATTR_VALID_WRITE_TIME;
		if (ia->ia_valid & ATTR_MTIME_SET) {
			hints |= HGFS_ATTR_HINT_SET_WRITE_TIME;
			hgfs_put_time(attr + HGFS_ATTR_OFF_WRITE_TIME, &ia->ia_mtime);
		}
	}
	if (!mask)
		goto out;
	put_unaligned_le64(hints, r.payload);
	put_unaligned_le64(mask, attr + HGFS_ATTR_OFF_MASK);
	/* ftruncate() names its file: go by its handle, which outlives unlink. */
	if ((ia->ia_valid & ATTR_FILE) && ia->ia_file && ia->ia_file->private_data) {
		const struct hgfs_file *hf = ia->ia_file->private_data;

		hgfs_put_handle_v3(&r, SETATTR_OFF_NAME, hf->handle);
		n = 0;
	} else {
		n = hgfs_put_name_v3(sbi, &r, SETATTR_OFF_NAME, dentry);
		if (n < 0) {
			ret = n;
			goto out;
		}
	}
	ret = hgfs_send(sbi, &r, SETATTR_OFF_NAME + HGFS_NAME_V3_SIZE + n);
	if (ret)
		goto out;
	if (ia->ia_valid & ATTR_SIZE) {
		hgfs_cache_zero(inode, i_size_read(inode), ia->ia_size);
		truncate_setsize(inode, ia->ia_size);
	}
	hgfs_attr_stale(inode);
	if (inode->i_nlink)
		hgfs_revalidate(dentry, true);
out:
	hgfs_req_free(&r);
	return ret;
}

/*
 * What @dentry names at the host now, as a new inode put into @dentry:
 * spliced while the dentry is still being looked up, instantiated when it
 * is a cached negative one. @type_want: the HGFS file type it must have, or
 * -1 for any. Returns the dentry to use (a reference the caller drops when
 * it is not @dentry) or an ERR_PTR.
 */
static struct dentry *attach_inode(struct inode *dir, struct dentry *dentry, int type_want)
{
	struct hgfs_attr a;
	struct inode *inode;
	struct dentry *res;
	int ret;

	ret = hgfs_getattr_name(dir->i_sb, dentry, &a, NULL);
	if (ret)
		return ERR_PTR(ret);
	if (type_want >= 0 && a.type != (u32)type_want)
		return ERR_PTR(-EIO);	/* someone replaced what we just made */
	inode = hgfs_new_inode(dir->i_sb, &a);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	dentry->d_time = jiffies;
	if (!d_in_lookup(dentry)) {
		d_instantiate(dentry, inode);
		return dentry;
	}
	res = d_splice_alias(inode, dentry);
	return res ?: dentry;
}

/* After a create: the new object's attributes, the dentry made positive. */
static int instantiate(struct inode *dir, struct dentry *dentry)
{
	hgfs_attr_stale(dir);
	return PTR_ERR_OR_ZERO(attach_inode(dir, dentry, -1));
}

static int do_create(struct inode *dir, struct dentry *dentry, umode_t mode, bool excl)
{
	u32 handle;
	int ret;

	ret = hgfs_open_handle(dir->i_sb, dentry, HGFS_OPEN_MODE_WRITE_ONLY,
			       excl ? HGFS_OPEN_CREATE_SAFE : HGFS_OPEN_CREATE,
			       mode & 07777, &handle);
	if (ret)
		return ret;
	hgfs_close_handle(dir->i_sb, handle, HGFS_OP_CLOSE_V3);
	return instantiate(dir, dentry);
}

#ifdef PVTOOLS_HAVE_IOP_CREATE_EXCL
static int hgfs_create(PVTOOLS_IDMAP_PARAM struct inode *dir, struct dentry *dentry,
		       umode_t mode, bool excl)
{
	return do_create(dir, dentry, mode, excl);
}
#else
/*
 * Without the O_EXCL hint the host is asked to create the file anew: the
 * dentry was negative, and an exclusive create must never open a file the
 * host made meanwhile (EEXIST instead).
 */
static int hgfs_create(PVTOOLS_IDMAP_PARAM struct inode *dir, struct dentry *dentry,
		       umode_t mode)
{
	return do_create(dir, dentry, mode, true);
}
#endif

/* finish_open()'s open callback for a created file: its handle is open. */
static int hgfs_open_created(struct inode *inode, struct file *file)
{
	return 0;
}

/*
 * open(O_CREAT) of a name not known to exist: one OPEN that creates the file
 * exclusively, whose handle the open file keeps, and one GETATTR. Through
 * ->lookup, ->create and ->open that was six requests (GETATTR, OPEN, CLOSE,
 * GETATTR, OPEN and at last CLOSE); now three with the last CLOSE. A name
 * that exists after all (EEXIST without O_EXCL) takes the usual way:
 * lookup, then ->open with the permission checks of an existing file.
 */
static int hgfs_atomic_open(struct inode *dir, struct dentry *dentry, struct file *file,
			    unsigned int open_flags, umode_t mode)
{
	struct dentry *res = NULL;
	struct hgfs_file *hf;
	int ret;

	if (dentry->d_name.len > NAME_MAX)
		return -ENAMETOOLONG;
	if (!(open_flags & O_CREAT))
		goto no_create;
	hf = hgfs_file_alloc();
	if (!hf)
		return -ENOMEM;
	/* The creator may write even a file whose mode forbids it (POSIX). */
	ret = hgfs_open_handle(dir->i_sb, dentry,
			       (open_flags & O_ACCMODE) == O_RDONLY ? HGFS_OPEN_MODE_READ_ONLY :
			       HGFS_OPEN_MODE_READ_WRITE,
			       HGFS_OPEN_CREATE_SAFE, mode & 07777, &hf->handle);
	if (ret) {
		hgfs_file_free(hf);
		if (ret == -EEXIST && !(open_flags & O_EXCL))
			goto no_create;
		return ret;
	}
	hf->readable = true;
	hgfs_attr_stale(dir);
	res = attach_inode(dir, dentry, HGFS_FILE_TYPE_REGULAR);
	if (IS_ERR(res)) {
		ret = PTR_ERR(res);
		goto close;
	}
	file->f_mode |= FMODE_CREATED;
	ret = finish_open(file, res, hgfs_open_created);
	if (res != dentry)
		dput(res);
	if (ret)
		goto close;
	file->private_data = hf;
	return 0;
close:
	hgfs_close_handle(dir->i_sb, hf->handle, HGFS_OP_CLOSE_V3);
	hgfs_file_free(hf);
	return ret;

no_create:
	if (d_in_lookup(dentry)) {
		res = hgfs_lookup(dir, dentry, 0);
		if (IS_ERR(res))
			return PTR_ERR(res);
		return finish_no_open(file, res);
	}
	/* A cached negative dentry whose name the host has a file for by now. */
	res = attach_inode(dir, dentry, -1);
	return IS_ERR(res) ? PTR_ERR(res) : finish_no_open(file, NULL);
}

static int do_mkdir(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct hgfs_sb *sbi = HGFS_SB(dir->i_sb);
	struct hgfs_req r;
	u8 *p;
	int ret, n;

	ret = hgfs_req_init(sbi, &r, HGFS_OP_CREATE_DIR_V3,
			    MKDIR_OFF_NAME + HGFS_NAME_V3_HDR + hgfs_name_max(sbi));
	if (ret)
		goto out;
	p = r.payload;
	put_unaligned_le64(HGFS_CREATE_DIR_VALID_SPECIAL_PERMS |
			   HGFS_CREATE_DIR_VALID_OWNER_PERMS |
			   HGFS_CREATE_DIR_VALID_GROUP_PERMS |
			   HGFS_CREATE_DIR_VALID_OTHER_PERMS |
			   HGFS_CREATE_DIR_VALID_FILE_NAME, p);
	p[MKDIR_OFF_PERMS] = (mode >> 9) & 7;
	p[MKDIR_OFF_PERMS + 1] = (mode >> 6) & 7;
	p[MKDIR_OFF_PERMS + 2] = (mode >> 3) & 7;
	p[MKDIR_OFF_PERMS + 3] = mode & 7;
	n = hgfs_put_name(sbi, dentry, p + MKDIR_OFF_NAME + HGFS_NAME_V3_HDR,
			  r.room - MKDIR_OFF_NAME - HGFS_NAME_V3_HDR);
	if (n < 0) {
		ret = n;
		goto out;
	}
	hgfs_put_name_hdr(p + MKDIR_OFF_NAME, n);
	ret = hgfs_send(sbi, &r, MKDIR_OFF_NAME + HGFS_NAME_V3_SIZE + n);
	if (!ret)
		ret = instantiate(dir, dentry);
out:
	hgfs_req_free(&r);
	return ret;
}

#ifdef PVTOOLS_HAVE_IOP_MKDIR_DENTRY
static struct dentry *hgfs_mkdir(PVTOOLS_IDMAP_PARAM struct inode *dir,
				 struct dentry *dentry, umode_t mode)
{
	return ERR_PTR(do_mkdir(dir, dentry, mode));
}
#else
static int hgfs_mkdir(PVTOOLS_IDMAP_PARAM struct inode *dir, struct dentry *dentry,
		      umode_t mode)
{
	return do_mkdir(dir, dentry, mode);
}
#endif

static int do_delete(struct inode *dir, struct dentry *dentry, u32 op)
{
	struct hgfs_sb *sbi = HGFS_SB(dir->i_sb);
	struct hgfs_req r;
	int ret, n;

	ret = hgfs_req_init(sbi, &r, op, DELETE_OFF_NAME + HGFS_NAME_V3_HDR + hgfs_name_max(sbi));
	if (ret)
		goto out;
	n = hgfs_put_name_v3(sbi, &r, DELETE_OFF_NAME, dentry);
	if (n < 0) {
		ret = n;
		goto out;
	}
	ret = hgfs_send(sbi, &r, DELETE_OFF_NAME + HGFS_NAME_V3_SIZE + n);
	if (ret)
		goto out;
	hgfs_attr_stale(dir);
	clear_nlink(d_inode(dentry));
	dentry->d_time = jiffies;
out:
	hgfs_req_free(&r);
	return ret;
}

static int hgfs_unlink(struct inode *dir, struct dentry *dentry)
{
	return do_delete(dir, dentry, HGFS_OP_DELETE_FILE_V3);
}

static int hgfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	return do_delete(dir, dentry, HGFS_OP_DELETE_DIR_V3);
}

static int hgfs_rename(PVTOOLS_IDMAP_PARAM struct inode *old_dir, struct dentry *old_dentry,
		       struct inode *new_dir, struct dentry *new_dentry, unsigned int flags)
{
	struct hgfs_sb *sbi = HGFS_SB(old_dir->i_sb);
	struct hgfs_req r;
	size_t off;
	int ret, n1, n2;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	ret = hgfs_req_init(sbi, &r, HGFS_OP_RENAME_V3,
			    RENAME_OFF_OLD + 2 * (HGFS_NAME_V3_HDR + hgfs_name_max(sbi)));
	if (ret)
		goto out;
	if (flags & RENAME_NOREPLACE)
		put_unaligned_le64(HGFS_RENAME_HINT_NO_REPLACE_EXISTING, r.payload);
	off = RENAME_OFF_OLD + HGFS_NAME_V3_HDR;
	n1 = hgfs_put_name(sbi, old_dentry, r.payload + off, r.room - off);
	if (n1 < 0) {
		ret = n1;
		goto out;
	}
	hgfs_put_name_hdr(r.payload + RENAME_OFF_OLD, n1);
	off = RENAME_OFF_OLD + HGFS_NAME_V3_SIZE + n1;
	ret = -ENAMETOOLONG;
	if (off + HGFS_NAME_V3_HDR >= r.room)
		goto out;
	n2 = hgfs_put_name(sbi, new_dentry, r.payload + off + HGFS_NAME_V3_HDR,
			   r.room - off - HGFS_NAME_V3_HDR);
	if (n2 < 0) {
		ret = n2;
		goto out;
	}
	hgfs_put_name_hdr(r.payload + off, n2);
	ret = hgfs_send(sbi, &r, off + HGFS_NAME_V3_SIZE + n2);
	if (ret)
		goto out;
	hgfs_attr_stale(old_dir);
	hgfs_attr_stale(new_dir);
	hgfs_attr_stale(d_inode(old_dentry));
	if (d_really_is_positive(new_dentry))
		clear_nlink(d_inode(new_dentry));
out:
	hgfs_req_free(&r);
	return ret;
}

static int hgfs_symlink(PVTOOLS_IDMAP_PARAM struct inode *dir, struct dentry *dentry,
			const char *target)
{
	struct hgfs_sb *sbi = HGFS_SB(dir->i_sb);
	size_t tlen = strlen(target), off, i;
	struct hgfs_req r;
	u8 *t;
	int ret, n;

	if (!tlen)
		return -ENOENT;
	if (tlen >= PATH_MAX)
		return -ENAMETOOLONG;
	ret = hgfs_req_init(sbi, &r, HGFS_OP_CREATE_SYMLINK_V3,
			    SYMLINK_OFF_NAME + 2 * HGFS_NAME_V3_SIZE + hgfs_name_max(sbi) + tlen);
	if (ret)
		goto out;
	off = SYMLINK_OFF_NAME + HGFS_NAME_V3_HDR;
	n = hgfs_put_name(sbi, dentry, r.payload + off, r.room - off);
	if (n < 0) {
		ret = n;
		goto out;
	}
	hgfs_put_name_hdr(r.payload + SYMLINK_OFF_NAME, n);
	off = SYMLINK_OFF_NAME + HGFS_NAME_V3_SIZE + n;
	ret = -ENAMETOOLONG;
	if (off + HGFS_NAME_V3_SIZE + tlen > r.room)
		goto out;
	/* The target in CPNameLite: every '/' a NUL, nothing else changed. */
	hgfs_put_name_hdr(r.payload + off, tlen);
	t = r.payload + off + HGFS_NAME_V3_HDR;
	for (i = 0; i < tlen; i++)
		t[i] = target[i] == '/' ? '\0' : target[i];
	t[tlen] = '\0';
	ret = hgfs_send(sbi, &r, off + HGFS_NAME_V3_SIZE + tlen);
	if (!ret)
		ret = instantiate(dir, dentry);
out:
	hgfs_req_free(&r);
	return ret;
}

static const char *hgfs_get_link(struct dentry *dentry, struct inode *inode,
				 struct delayed_call *done)
{
	struct hgfs_attr a;
	char *link = NULL;
	int ret;

	if (!dentry)
		return ERR_PTR(-ECHILD);
	ret = hgfs_getattr_name(inode->i_sb, dentry, &a, &link);
	if (ret)
		return ERR_PTR(ret);
	if (!link)
		return ERR_PTR(-EINVAL);	/* no longer a symlink on the host */
	set_delayed_call(done, kfree_link, link);
	return link;
}

const struct inode_operations hgfs_dir_iops = {
	.lookup		= hgfs_lookup,
	.atomic_open	= hgfs_atomic_open,
	.create		= hgfs_create,
	.mkdir		= hgfs_mkdir,
	.unlink		= hgfs_unlink,
	.rmdir		= hgfs_rmdir,
	.rename		= hgfs_rename,
	.symlink	= hgfs_symlink,
	.getattr	= hgfs_getattr,
	.setattr	= hgfs_setattr,
};

const struct inode_operations hgfs_file_iops = {
	.getattr	= hgfs_getattr,
	.setattr	= hgfs_setattr,
};

const struct inode_operations hgfs_symlink_iops = {
	.get_link	= hgfs_get_link,
	.getattr	= hgfs_getattr,
};
