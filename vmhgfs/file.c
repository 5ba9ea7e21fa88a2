// SPDX-License-Identifier: GPL-2.0
/*
 * vmhgfs files and directories: open/close, reads through the page cache
 * (read_folio and readahead fill it with READ_V3 requests of up to the
 * session's I/O size), writes sent through to the host at once
 * (write-through: no dirty pages, so fsync has nothing to flush), and
 * directory listing with SEARCH_READ_V3 (docs/protocol/hgfs.md §3.6.1-§3.6.7).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vmhgfs.h"

#include <linux/bits.h>
#include <linux/dcache.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

#include <pvtools_compat.h>

/* Request payload offsets (§3.6). */
#define OPEN_OFF_MODE		8u
#define OPEN_OFF_FLAGS		12u
#define OPEN_OFF_PERMS		16u
#define OPEN_OFF_NAME		64u
#define OPEN_REPLY_SIZE		16u
#define READ_REQ_SIZE		24u
#define READ_REPLY_DATA		12u
#define WRITE_OFF_FLAGS		4u
#define WRITE_OFF_OFFSET	5u
#define WRITE_OFF_SIZE		13u
#define WRITE_OFF_DATA		25u
#define CLOSE_REQ_SIZE		12u
#define SEARCH_OPEN_OFF_NAME	8u
#define SEARCH_OPEN_REPLY_SIZE	12u
#define SEARCH_READ_REQ_SIZE	20u
#define SEARCH_READ_OFF_ATTR	20u	/* count u64, reserved u64, dirent */
#define SEARCH_READ_OFF_NAMELEN	124u
#define SEARCH_READ_OFF_NAME	140u

/* A listing longer than this is cut off (a host that never says "end"). */
#define HGFS_DIR_ENTRIES_MAX	BIT(20)

/**
 * hgfs_open_handle() - OPEN_V3 of @dentry.
 * @sb: the superblock.
 * @dentry: the file.
 * @mode: HGFS open mode.
 * @flags: HGFS open flags (create, truncate).
 * @perms: permission bits for a file the host creates.
 * @handle: the host's handle.
 *
 * Return: 0 or -errno.
 */
int hgfs_open_handle(struct super_block *sb, struct dentry *dentry, u32 mode, u32 flags,
		     umode_t perms, u32 *handle)
{
	struct hgfs_sb *sbi = HGFS_SB(sb);
	u64 mask = HGFS_OPEN_VALID_MODE | HGFS_OPEN_VALID_FLAGS | HGFS_OPEN_VALID_FILE_NAME;
	struct hgfs_req r;
	u8 *p;
	int ret, n;

	ret = hgfs_req_init(sbi, &r, HGFS_OP_OPEN_V3,
			    OPEN_OFF_NAME + HGFS_NAME_V3_HDR + hgfs_name_max(sbi));
	if (ret)
		goto out;
	p = r.payload;
	if (flags != HGFS_OPEN && flags != HGFS_OPEN_EMPTY) {
		mask |= HGFS_OPEN_VALID_SPECIAL_PERMS | HGFS_OPEN_VALID_OWNER_PERMS |
			HGFS_OPEN_VALID_GROUP_PERMS | HGFS_OPEN_VALID_OTHER_PERMS;
		p[OPEN_OFF_PERMS] = (perms >> 9) & 7;
		p[OPEN_OFF_PERMS + 1] = (perms >> 6) & 7;
		p[OPEN_OFF_PERMS + 2] = (perms >> 3) & 7;
		p[OPEN_OFF_PERMS + 3] = perms & 7;
	}
	put_unaligned_le64(mask, p);
	put_unaligned_le32(mode, p + OPEN_OFF_MODE);
	put_unaligned_le32(flags, p + OPEN_OFF_FLAGS);
	n = hgfs_put_name(sbi, dentry, p + OPEN_OFF_NAME + HGFS_NAME_V3_HDR,
			  r.room - OPEN_OFF_NAME - HGFS_NAME_V3_HDR);
	if (n < 0) {
		ret = n;
		goto out;
	}
	hgfs_put_name_hdr(p + OPEN_OFF_NAME, n);
	ret = hgfs_send(sbi, &r, OPEN_OFF_NAME + HGFS_NAME_V3_SIZE + n);
	if (ret)
		goto out;
	if (r.rplen < OPEN_REPLY_SIZE ||
	    get_unaligned_le32(r.rp) == HGFS_INVALID_HANDLE) {
		pr_warn_ratelimited("OPEN reply does not fit (%zu bytes)\n", r.rplen);
		ret = -EIO;
		goto out;
	}
	*handle = get_unaligned_le32(r.rp);
out:
	hgfs_req_free(&r);
	return ret;
}

/**
 * hgfs_close_handle() - CLOSE_V3 or SEARCH_CLOSE_V3.
 * @sb: the superblock.
 * @handle: the handle.
 * @op: HGFS_OP_CLOSE_V3 or HGFS_OP_SEARCH_CLOSE_V3.
 *
 * Return: 0 or -errno; the handle is the host's problem either way.
 */
int hgfs_close_handle(struct super_block *sb, u32 handle, u32 op)
{
	struct hgfs_sb *sbi = HGFS_SB(sb);
	struct hgfs_req r;
	int ret;

	ret = hgfs_req_init(sbi, &r, op, CLOSE_REQ_SIZE);
	if (!ret) {
		put_unaligned_le32(handle, r.payload);
		ret = hgfs_send(sbi, &r, CLOSE_REQ_SIZE);
	}
	hgfs_req_free(&r);
	return ret;
}

static int hgfs_file_open(struct inode *inode, struct file *file)
{
	struct hgfs_file *hf;
	u32 acc = file->f_flags & O_ACCMODE;
	int ret;

	ret = hgfs_revalidate(file->f_path.dentry, false);
	if (ret)
		return ret == -ESTALE ? -ENOENT : ret;
	hf = kzalloc(sizeof(*hf), GFP_KERNEL);
	if (!hf)
		return -ENOMEM;
	mutex_init(&hf->lock);
	ret = -EACCES;
	/* Write-only opens try read-write first so the page cache can use the handle. */
	if (acc == O_WRONLY || acc == O_RDWR) {
		ret = hgfs_open_handle(inode->i_sb, file->f_path.dentry,
				       HGFS_OPEN_MODE_READ_WRITE, HGFS_OPEN, 0, &hf->handle);
		hf->readable = !ret;
	}
	if (ret && acc != O_RDWR)
		ret = hgfs_open_handle(inode->i_sb, file->f_path.dentry,
				       acc == O_WRONLY ? HGFS_OPEN_MODE_WRITE_ONLY :
				       HGFS_OPEN_MODE_READ_ONLY, HGFS_OPEN, 0, &hf->handle);
	if (ret) {
		kfree(hf);
		return ret;
	}
	if (acc == O_RDONLY)
		hf->readable = true;
	file->private_data = hf;
	return 0;
}

static int hgfs_file_release(struct inode *inode, struct file *file)
{
	struct hgfs_file *hf = file->private_data;

	hgfs_close_handle(inode->i_sb, hf->handle, HGFS_OP_CLOSE_V3);
	mutex_destroy(&hf->lock);
	kfree(hf);
	return 0;
}

/* One READ_V3; on success the data is at r->rp + READ_REPLY_DATA. */
static int read_req(struct hgfs_sb *sbi, struct hgfs_req *r, u32 handle, loff_t pos,
		    u32 len, u32 *actual)
{
	int ret;

	ret = hgfs_req_init(sbi, r, HGFS_OP_READ_V3, READ_REQ_SIZE);
	if (ret)
		return ret;
	put_unaligned_le32(handle, r->payload);
	put_unaligned_le64(pos, r->payload + 4);
	put_unaligned_le32(len, r->payload + 12);
	ret = hgfs_send(sbi, r, READ_REQ_SIZE);
	if (ret)
		return ret;
	/* §7: no more than asked for, and all of it inside the reply. */
	if (r->rplen < READ_REPLY_DATA)
		goto bad;
	*actual = get_unaligned_le32(r->rp);
	if (*actual > len || *actual > r->rplen - READ_REPLY_DATA)
		goto bad;
	return 0;
bad:
	pr_warn_ratelimited("READ reply does not fit (%zu bytes for %u)\n", r->rplen, len);
	return -EIO;
}

/*
 * A handle to read pages with: the open file's if it can read, else a
 * read-only one opened for this call (*@temp set; close it after).
 */
static int read_handle(struct file *file, struct inode *inode, u32 *handle, bool *temp)
{
	struct hgfs_file *hf = file ? file->private_data : NULL;
	struct dentry *dentry;
	int ret;

	*temp = false;
	if (hf && hf->readable) {
		*handle = hf->handle;
		return 0;
	}
	dentry = d_find_alias(inode);
	if (!dentry)
		return -ESTALE;
	ret = hgfs_open_handle(inode->i_sb, dentry, HGFS_OPEN_MODE_READ_ONLY, HGFS_OPEN, 0,
			       handle);
	dput(dentry);
	*temp = !ret;
	return ret;
}

/* One page at @pos into @kaddr; past the host's end of file it is zeroes. */
static int fill_page(struct file *file, struct inode *inode, loff_t pos, u8 *kaddr)
{
	struct hgfs_sb *sbi = HGFS_SB(inode->i_sb);
	struct hgfs_req r;
	u32 handle, actual = 0;
	bool temp;
	int ret;

	ret = read_handle(file, inode, &handle, &temp);
	if (ret)
		return ret;
	ret = read_req(sbi, &r, handle, pos, PAGE_SIZE, &actual);
	if (!ret) {
		memcpy(kaddr, r.rp + READ_REPLY_DATA, actual);
		memset(kaddr + actual, 0, PAGE_SIZE - actual);
	}
	hgfs_req_free(&r);
	if (temp)
		hgfs_close_handle(inode->i_sb, handle, HGFS_OP_CLOSE_V3);
	return ret;
}

#ifdef PVTOOLS_HAVE_AOP_READ_FOLIO
static int hgfs_read_folio(struct file *file, struct folio *folio)
{
	u8 *kaddr = kmap_local_folio(folio, 0);
	int ret;

	ret = fill_page(file, folio->mapping->host, folio_pos(folio), kaddr);
	kunmap_local(kaddr);
	if (!ret)
		folio_mark_uptodate(folio);
	folio_unlock(folio);
	return ret;
}
#else
/* x86-64 only (Kbuild): page cache pages are always mapped. */
static int hgfs_readpage(struct file *file, struct page *page)
{
	int ret;

	ret = fill_page(file, page->mapping->host, page_offset(page), page_address(page));
	if (!ret)
		SetPageUptodate(page);
	unlock_page(page);
	return ret;
}
#endif

#ifdef PVTOOLS_HAVE_READAHEAD_FOLIO
/*
 * Up to max_io bytes per request; each reply fills the folios it covers.
 * Folios left over after an error are unlocked and dropped by the caller.
 */
static void hgfs_readahead(struct readahead_control *rac)
{
	struct inode *inode = rac->mapping->host;
	struct hgfs_sb *sbi = HGFS_SB(inode->i_sb);
	/*
	 * Taken before the first readahead_folio(): afterwards the position
	 * and length still count the folio last handed out.
	 */
	loff_t pos = readahead_pos(rac);
	size_t left = readahead_length(rac);
	u32 handle;
	bool temp;

	if (read_handle(rac->file, inode, &handle, &temp))
		return;
	while (left) {
		u32 len = min_t(size_t, left, sbi->max_io);
		struct hgfs_req r;
		u32 actual, off;
		int ret;

		ret = read_req(sbi, &r, handle, pos, len, &actual);
		if (ret) {
			hgfs_req_free(&r);
			break;
		}
		for (off = 0; off < len; off += PAGE_SIZE) {
			struct folio *folio = readahead_folio(rac);
			u32 n = actual > off ? min_t(u32, actual - off, PAGE_SIZE) : 0;
			u8 *kaddr;

			if (!folio)
				break;
			kaddr = kmap_local_folio(folio, 0);
			memcpy(kaddr, r.rp + READ_REPLY_DATA + off, n);
			memset(kaddr + n, 0, PAGE_SIZE - n);
			kunmap_local(kaddr);
			folio_mark_uptodate(folio);
			folio_unlock(folio);
		}
		hgfs_req_free(&r);
		pos += len;
		left -= len;
	}
	if (temp)
		hgfs_close_handle(inode->i_sb, handle, HGFS_OP_CLOSE_V3);
}
#endif

static ssize_t hgfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	int ret;

	/* Host-side changes: attributes past their TTL drop stale pages. */
	ret = hgfs_revalidate(file->f_path.dentry, false);
	if (ret == -EINTR)
		return ret;
	return generic_file_read_iter(iocb, to);
}

static ssize_t hgfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct hgfs_sb *sbi = HGFS_SB(inode->i_sb);
	struct hgfs_file *hf = file->private_data;
	size_t written = 0;
	struct hgfs_req r;
	loff_t start, pos;
	ssize_t ret;

	inode_lock(inode);
	if (iocb->ki_flags & IOCB_APPEND) {
		/* Appends go to the host's end of file as of now. */
		ret = hgfs_revalidate(file->f_path.dentry, true);
		if (ret == -EINTR)
			goto unlock;
	}
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto unlock;
	ret = hgfs_req_init(sbi, &r, HGFS_OP_WRITE_V3, WRITE_OFF_DATA + sbi->max_io);
	if (ret)
		goto free;
	start = iocb->ki_pos;
	pos = start;
	while (iov_iter_count(from)) {
		size_t chunk = min_t(size_t, iov_iter_count(from), sbi->max_io);
		size_t got;
		u32 actual;

		got = copy_from_iter(r.payload + WRITE_OFF_DATA, chunk, from);
		if (!got) {
			ret = -EFAULT;
			break;
		}
		put_unaligned_le32(hf->handle, r.payload);
		r.payload[WRITE_OFF_FLAGS] = 0;
		put_unaligned_le64(pos, r.payload + WRITE_OFF_OFFSET);
		put_unaligned_le32(got, r.payload + WRITE_OFF_SIZE);
		ret = hgfs_send(sbi, &r, WRITE_OFF_DATA + got);
		if (!ret && r.rplen < 4)
			ret = -EIO;
		actual = ret ? 0 : get_unaligned_le32(r.rp);
		if (!ret && actual > got) {
			pr_warn_ratelimited("WRITE reply claims %u of %zu bytes\n", actual, got);
			ret = -EIO;
		}
		if (ret) {
			iov_iter_revert(from, got);
			break;
		}
		if (actual < got)
			iov_iter_revert(from, got - actual);
		pos += actual;
		written += actual;
		if (!actual) {
			ret = -ENOSPC;
			break;
		}
		if (actual < got || fatal_signal_pending(current))
			break;
	}
	if (written) {
		/* Cached pages of the range are out of date now. */
		invalidate_inode_pages2_range(inode->i_mapping, start >> PAGE_SHIFT,
					      (pos - 1) >> PAGE_SHIFT);
		if (pos > i_size_read(inode))
			i_size_write(inode, pos);
		hgfs_attr_stale(inode);
		iocb->ki_pos = pos;
		ret = written;
	}
free:
	hgfs_req_free(&r);
unlock:
	inode_unlock(inode);
	return ret;
}

/* Writes reached the host before write() returned: nothing is dirty here. */
static int hgfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return file_write_and_wait_range(file, start, end);
}

const struct file_operations hgfs_file_fops = {
	.open		= hgfs_file_open,
	.release	= hgfs_file_release,
	.llseek		= generic_file_llseek,
	.read_iter	= hgfs_read_iter,
	.write_iter	= hgfs_write_iter,
	.mmap		= generic_file_readonly_mmap,
	.fsync		= hgfs_fsync,
	.splice_read	= pvtools_splice_read,
	.splice_write	= iter_file_splice_write,
};

const struct address_space_operations hgfs_aops = {
#ifdef PVTOOLS_HAVE_AOP_READ_FOLIO
	.read_folio	= hgfs_read_folio,
#else
	.readpage	= hgfs_readpage,
#endif
#ifdef PVTOOLS_HAVE_READAHEAD_FOLIO
	.readahead	= hgfs_readahead,
#endif
};

static int search_open(struct super_block *sb, struct dentry *dentry, u32 *handle)
{
	struct hgfs_sb *sbi = HGFS_SB(sb);
	struct hgfs_req r;
	int ret, n;

	ret = hgfs_req_init(sbi, &r, HGFS_OP_SEARCH_OPEN_V3,
			    SEARCH_OPEN_OFF_NAME + HGFS_NAME_V3_HDR + hgfs_name_max(sbi));
	if (ret)
		goto out;
	n = hgfs_put_name_v3(sbi, &r, SEARCH_OPEN_OFF_NAME, dentry);
	if (n < 0) {
		ret = n;
		goto out;
	}
	ret = hgfs_send(sbi, &r, SEARCH_OPEN_OFF_NAME + HGFS_NAME_V3_SIZE + n);
	if (ret)
		goto out;
	if (r.rplen < SEARCH_OPEN_REPLY_SIZE ||
	    get_unaligned_le32(r.rp) == HGFS_INVALID_HANDLE) {
		pr_warn_ratelimited("SEARCH_OPEN reply does not fit (%zu bytes)\n", r.rplen);
		ret = -EIO;
		goto out;
	}
	*handle = get_unaligned_le32(r.rp);
out:
	hgfs_req_free(&r);
	return ret;
}

static int hgfs_dir_open(struct inode *inode, struct file *file)
{
	struct hgfs_file *hf = kzalloc(sizeof(*hf), GFP_KERNEL);
	int ret;

	if (!hf)
		return -ENOMEM;
	mutex_init(&hf->lock);
	ret = search_open(inode->i_sb, file->f_path.dentry, &hf->handle);
	if (ret) {
		kfree(hf);
		return ret;
	}
	file->private_data = hf;
	return 0;
}

static int hgfs_dir_release(struct inode *inode, struct file *file)
{
	struct hgfs_file *hf = file->private_data;

	hgfs_close_handle(inode->i_sb, hf->handle, HGFS_OP_SEARCH_CLOSE_V3);
	mutex_destroy(&hf->lock);
	kfree(hf);
	return 0;
}

static unsigned char dtype_of(const struct hgfs_attr *a)
{
	if (!(a->mask & HGFS_ATTR_VALID_TYPE))
		return DT_UNKNOWN;
	switch (a->type) {
	case HGFS_FILE_TYPE_REGULAR:
		return DT_REG;
	case HGFS_FILE_TYPE_DIRECTORY:
		return DT_DIR;
	case HGFS_FILE_TYPE_SYMLINK:
		return DT_LNK;
	default:
		return DT_UNKNOWN;
	}
}

/*
 * Entry ctx->pos of the host's snapshot. Returns 1 for an entry emitted or
 * skipped, 0 at the end (or when the caller's buffer is full), -errno.
 */
static int read_entry(struct file *file, struct hgfs_file *hf, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	struct hgfs_sb *sbi = HGFS_SB(dir->i_sb);
	struct hgfs_attr a;
	struct hgfs_req r;
	const char *name;
	u64 ino;
	u32 len;
	int ret;

	ret = hgfs_req_init(sbi, &r, HGFS_OP_SEARCH_READ_V3, SEARCH_READ_REQ_SIZE);
	if (ret)
		goto out;
	put_unaligned_le32(hf->handle, r.payload);
	put_unaligned_le32((u32)ctx->pos, r.payload + 4);
	ret = hgfs_send(sbi, &r, SEARCH_READ_REQ_SIZE);
	hf->search_used = true;
	if (ret)
		goto out;
	ret = -EIO;
	if (r.rplen < 8 || get_unaligned_le64(r.rp) > 1)
		goto bad;
	ret = 0;
	if (!get_unaligned_le64(r.rp))
		goto out;
	ret = -EIO;
	if (r.rplen < SEARCH_READ_OFF_NAME)
		goto bad;
	len = get_unaligned_le32(r.rp + SEARCH_READ_OFF_NAMELEN);
	ret = 0;
	if (!len)
		goto out;		/* end of directory */
	ret = -EIO;
	if (len > NAME_MAX || len > r.rplen - SEARCH_READ_OFF_NAME)
		goto bad;
	name = (const char *)r.rp + SEARCH_READ_OFF_NAME;
	ret = 1;
	if (memchr(name, '/', len) || memchr(name, '\0', len)) {
		pr_warn_ratelimited("skipping a directory entry with '/' or NUL in its name\n");
		ctx->pos++;
		goto out;
	}
	hgfs_parse_attr(r.rp + SEARCH_READ_OFF_ATTR, &a);
	if (len == 1 && name[0] == '.')
		ino = dir->i_ino;
	else if (len == 2 && name[0] == '.' && name[1] == '.')
		ino = d_inode(READ_ONCE(file->f_path.dentry->d_parent))->i_ino;
	else if ((a.mask & HGFS_ATTR_VALID_FILEID) && a.fileid)
		ino = a.fileid;
	else
		ino = ctx->pos + 2;
	if (!dir_emit(ctx, name, len, ino, dtype_of(&a))) {
		ret = 0;
		goto out;
	}
	ctx->pos++;
	goto out;
bad:
	pr_warn_ratelimited("SEARCH_READ reply does not fit (%zu bytes)\n", r.rplen);
out:
	hgfs_req_free(&r);
	return ret;
}

static int hgfs_readdir(struct file *file, struct dir_context *ctx)
{
	struct hgfs_file *hf = file->private_data;
	struct inode *dir = file_inode(file);
	int ret = 0;

	mutex_lock(&hf->lock);
	/* A rewound directory gets a fresh snapshot from the host. */
	if (ctx->pos == 0 && hf->search_used) {
		u32 handle;

		ret = search_open(dir->i_sb, file->f_path.dentry, &handle);
		if (ret)
			goto out;
		hgfs_close_handle(dir->i_sb, hf->handle, HGFS_OP_SEARCH_CLOSE_V3);
		hf->handle = handle;
		hf->search_used = false;
	}
	while (ctx->pos < HGFS_DIR_ENTRIES_MAX) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = read_entry(file, hf, ctx);
		if (ret <= 0)
			break;
	}
out:
	mutex_unlock(&hf->lock);
	return ret < 0 ? ret : 0;
}

const struct file_operations hgfs_dir_fops = {
	.open		= hgfs_dir_open,
	.release	= hgfs_dir_release,
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= hgfs_readdir,
	.fsync		= noop_fsync,
};
