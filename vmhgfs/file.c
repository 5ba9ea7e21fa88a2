// SPDX-License-Identifier: GPL-2.0
/*
 * vmhgfs files and directories: open/close, reads through the page cache
 * (read_folio and readahead fill it with READ_V3 requests of up to the
 * session's I/O size), write() sent through to the host at once (and
 * copied into the cached pages of its range), writable shared mmap whose
 * dirty pages writeback sends with WRITE_V3, and directory listing with
 * SEARCH_READ_V3 (docs/protocol/hgfs.md §3.6.1-§3.6.7).
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
#include <linux/writeback.h>

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

/**
 * hgfs_file_alloc() - per-open state, before its handle is opened.
 *
 * Return: the state or NULL; free with hgfs_file_free().
 */
struct hgfs_file *hgfs_file_alloc(void)
{
	struct hgfs_file *hf = kzalloc(sizeof(*hf), GFP_KERNEL);

	if (hf)
		mutex_init(&hf->lock);
	return hf;
}

/**
 * hgfs_file_free() - free what hgfs_file_alloc() gave (the handle is closed).
 * @hf: the state.
 */
void hgfs_file_free(struct hgfs_file *hf)
{
	mutex_destroy(&hf->lock);
	kfree(hf);
}

static int hgfs_file_open(struct inode *inode, struct file *file)
{
	struct hgfs_file *hf;
	u32 acc = file->f_flags & O_ACCMODE;
	int ret;

	ret = hgfs_revalidate(file->f_path.dentry, false);
	if (ret)
		return ret == -ESTALE ? -ENOENT : ret;
	hf = hgfs_file_alloc();
	if (!hf)
		return -ENOMEM;
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
		hgfs_file_free(hf);
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
	hgfs_file_free(hf);
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

/*
 * Copies @len bytes at @src (zeroes if @src is NULL) into those cached
 * pages of [@pos, @pos + @len) that are up to date, each under its page
 * lock once its writeback ended: writeback that copied a page earlier has
 * reached the host by then, and writeback of it later sends these bytes.
 */
static void update_cached(struct inode *inode, loff_t pos, const u8 *src, size_t len)
{
	struct address_space *mapping = inode->i_mapping;

	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(pos));
#ifdef PVTOOLS_HAVE_FILEMAP_LOCK_FOLIO
		struct folio *folio = filemap_lock_folio(mapping, pos >> PAGE_SHIFT);

		if (!IS_ERR_OR_NULL(folio)) {
			folio_wait_writeback(folio);
			if (folio_test_uptodate(folio)) {
				u8 *kaddr = kmap_local_folio(folio, offset_in_folio(folio, pos));

				if (src)
					memcpy(kaddr, src, n);
				else
					memset(kaddr, 0, n);
				kunmap_local(kaddr);
				flush_dcache_folio(folio);
			}
			folio_unlock(folio);
			folio_put(folio);
		}
#else
		/* x86-64 only (Kbuild): page cache pages are always mapped. */
		struct page *page = find_lock_page(mapping, pos >> PAGE_SHIFT);

		if (page) {
			wait_on_page_writeback(page);
			if (PageUptodate(page)) {
				u8 *kaddr = page_address(page) + offset_in_page(pos);

				if (src)
					memcpy(kaddr, src, n);
				else
					memset(kaddr, 0, n);
				flush_dcache_page(page);
			}
			unlock_page(page);
			put_page(page);
		}
#endif
		pos += n;
		len -= n;
		if (src)
			src += n;
	}
}

/**
 * hgfs_cache_zero() - zero the cached bytes of [@from, @to) in the page of @from.
 * @inode: a regular file.
 * @from: the old end of file.
 * @to: where the file grows to (write() past the end, truncate up).
 *
 * A store through a shared mapping may leave bytes past the end of file in
 * its last page, which writeback does not send; before the end of file
 * moves past them they become zeroes as on the host. The caller holds the
 * inode lock.
 */
void hgfs_cache_zero(struct inode *inode, loff_t from, loff_t to)
{
	lockdep_assert_held(&inode->i_rwsem);
	if (to <= from || !offset_in_page(from))
		return;
	update_cached(inode, from, NULL,
		      min_t(loff_t, to, round_up(from, PAGE_SIZE)) - from);
}

static ssize_t hgfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct hgfs_sb *sbi = HGFS_SB(inode->i_sb);
	struct hgfs_file *hf = file->private_data;
	size_t written = 0;
	struct hgfs_req r;
	ssize_t ret;
	loff_t pos;

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
	pos = iocb->ki_pos;
	/* A hole after the end of file reads as zeroes, in the cache too. */
	hgfs_cache_zero(inode, i_size_read(inode), pos);
	while (iov_iter_count(from)) {
		size_t chunk = min_t(size_t, iov_iter_count(from), sbi->max_io);
		size_t got;
		u32 actual;

		got = copy_from_iter(r.payload + WRITE_OFF_DATA, chunk, from);
		if (!got) {
			ret = -EFAULT;
			break;
		}
		/* Cached pages first: writeback of a dirty one then carries these bytes. */
		update_cached(inode, pos, r.payload + WRITE_OFF_DATA, got);
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
			actual = 0;
		}
		if (ret || actual < got) {
			/* The host lacks what the cache now holds: drop it (unless dirty). */
			invalidate_inode_pages2_range(inode->i_mapping,
						      (pos + actual) >> PAGE_SHIFT,
						      (pos + got - 1) >> PAGE_SHIFT);
			iov_iter_revert(from, got - actual);
		}
		if (ret)
			break;
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

/* ------------------------------------------------------------------ mmap -- */

/* Pages per WRITE_V3 of writeback, at most (a session's I/O is 60 KiB). */
#define HGFS_WB_PAGES	16u

/*
 * struct hgfs_wb - contiguous dirty pages gathered for one WRITE_V3.
 * Each page stays locked, under writeback and referenced until its request
 * is answered; the first error of a writepages call is sticky: the pages
 * after it are not sent.
 */
struct hgfs_wb {
	struct inode *inode;
	struct writeback_control *wbc;
	struct hgfs_req r;
	loff_t pos;		/* file offset of pages[0] */
	size_t len;		/* data bytes at r.payload + WRITE_OFF_DATA */
	unsigned int n;
	unsigned int max;
	struct page *pages[HGFS_WB_PAGES];
	int err;
};

/* A signal or no memory: the pages stay dirty for a later writeback. */
static bool wb_retry(int err)
{
	return err == -EINTR || err == -ENOMEM;
}

#ifdef PVTOOLS_HAVE_FOLIO_MARK_DIRTY
static void wb_start(struct page *page)
{
	struct folio *folio = page_folio(page);

	folio_get(folio);
	folio_start_writeback(folio);
}

static void wb_done(struct writeback_control *wbc, struct page *page, bool redirty)
{
	struct folio *folio = page_folio(page);

	if (redirty)
		folio_redirty_for_writepage(wbc, folio);
	folio_end_writeback(folio);
	folio_unlock(folio);
	folio_put(folio);
}

static void wb_copy(struct page *page, u8 *dst, size_t len)
{
	u8 *kaddr = kmap_local_page(page);

	memcpy(dst, kaddr, len);
	kunmap_local(kaddr);
}
#else
static void wb_start(struct page *page)
{
	get_page(page);
	set_page_writeback(page);
}

static void wb_done(struct writeback_control *wbc, struct page *page, bool redirty)
{
	if (redirty)
		redirty_page_for_writepage(wbc, page);
	end_page_writeback(page);
	unlock_page(page);
	put_page(page);
}

/* x86-64 only (Kbuild): page cache pages are always mapped. */
static void wb_copy(struct page *page, u8 *dst, size_t len)
{
	memcpy(dst, page_address(page), len);
}
#endif

/* Sends the gathered pages (unless an earlier error stands) and ends their writeback. */
static void wb_flush(struct hgfs_wb *wb)
{
	struct hgfs_sb *sbi = HGFS_SB(wb->inode->i_sb);
	u8 *p = wb->r.payload;
	unsigned int i;
	int ret = wb->err;

	if (!wb->n)
		return;
	if (!ret) {
		put_unaligned_le32(HGFS_I(wb->inode)->wb_handle, p);
		p[WRITE_OFF_FLAGS] = 0;
		put_unaligned_le64(wb->pos, p + WRITE_OFF_OFFSET);
		put_unaligned_le32(wb->len, p + WRITE_OFF_SIZE);
		ret = hgfs_send(sbi, &wb->r, WRITE_OFF_DATA + wb->len);
		if (!ret && wb->r.rplen < 4) {
			ret = -EIO;
		} else if (!ret && get_unaligned_le32(wb->r.rp) > wb->len) {
			pr_warn_ratelimited("WRITE reply claims %u of %zu bytes\n",
					    get_unaligned_le32(wb->r.rp), wb->len);
			ret = -EIO;
		} else if (!ret && get_unaligned_le32(wb->r.rp) < wb->len) {
			ret = -ENOSPC;	/* as write() reports a host that takes nothing */
		}
		if (ret && !wb_retry(ret)) {
			pr_warn_ratelimited("writeback of %zu bytes at %lld failed (%d)\n",
					    wb->len, wb->pos, ret);
			mapping_set_error(wb->inode->i_mapping, ret);
		}
		wb->err = ret;
	}
	for (i = 0; i < wb->n; i++)
		wb_done(wb->wbc, wb->pages[i], wb_retry(ret));
	wb->n = 0;
	wb->len = 0;
}

/* One locked page whose dirty bit writeback cleared. */
static void wb_add(struct hgfs_wb *wb, struct page *page)
{
	loff_t size = i_size_read(wb->inode);
	loff_t pos = page_offset(page);
	size_t len;

	if (wb->n && (wb->n == wb->max || pos != wb->pos + (loff_t)wb->len ||
		      wb->len != (size_t)wb->n << PAGE_SHIFT))
		wb_flush(wb);
	wb_start(page);
	if (pos >= size) {
		/* Truncated meanwhile: nothing of it is in the file. */
		wb_done(wb->wbc, page, false);
		return;
	}
	len = min_t(loff_t, size - pos, PAGE_SIZE);
	if (!wb->n)
		wb->pos = pos;
	if (!wb->err)
		wb_copy(page, wb->r.payload + WRITE_OFF_DATA + wb->len, len);
	wb->pages[wb->n++] = page;
	wb->len += len;
}

#if !defined(PVTOOLS_HAVE_WRITEBACK_ITER) && defined(PVTOOLS_HAVE_WRITEPAGE_T_FOLIO)
static int wb_one(struct folio *folio, struct writeback_control *wbc, void *data)
{
	wb_add(data, folio_page(folio, 0));
	return 0;
}
#elif !defined(PVTOOLS_HAVE_WRITEBACK_ITER)
static int wb_one(struct page *page, struct writeback_control *wbc, void *data)
{
	wb_add(data, page);
	return 0;
}
#endif

/*
 * Dirty pages (only stores through shared mappings make them) go to the
 * host in WRITE_V3 requests of up to HGFS_WB_PAGES contiguous pages, with
 * the handle the first writable shared mmap opened. Up to the end of file
 * only: what a store left past it is not file data. A host error is
 * recorded in the mapping (fsync, msync and close report it) and the pages
 * are clean afterwards; a signal leaves them dirty.
 */
static int hgfs_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct inode *inode = mapping->host;
	struct hgfs_sb *sbi = HGFS_SB(inode->i_sb);
	struct hgfs_wb wb = { .inode = inode, .wbc = wbc };
#ifdef PVTOOLS_HAVE_WRITEBACK_ITER
	struct folio *folio = NULL;
	int error = 0;
#endif

	wb.err = hgfs_req_init(sbi, &wb.r, HGFS_OP_WRITE_V3,
			       WRITE_OFF_DATA + HGFS_WB_PAGES * PAGE_SIZE);
	wb.max = 1;
	if (!wb.err)
		wb.max = clamp_t(size_t, (wb.r.room - WRITE_OFF_DATA) >> PAGE_SHIFT, 1,
				 min_t(size_t, sbi->max_io >> PAGE_SHIFT, HGFS_WB_PAGES));
	/*
	 * Pairs with the release in wb_handle_get(): the handle is valid
	 * before any page can be dirty (hgfs_file_mmap).
	 */
	if (!wb.err && !smp_load_acquire(&HGFS_I(inode)->wb_open))
		wb.err = -EBADF;
#ifdef PVTOOLS_HAVE_WRITEBACK_ITER
	while ((folio = writeback_iter(mapping, wbc, folio, &error)))
		wb_add(&wb, folio_page(folio, 0));
#else
	write_cache_pages(mapping, wbc, wb_one, &wb);
#endif
	wb_flush(&wb);
	hgfs_req_free(&wb.r);
	return wb.err;
}

/**
 * hgfs_evict_pages() - send an evicted file's dirty pages, close its writeback handle.
 * @inode: a regular file being evicted.
 *
 * Errors have nobody left to report to; the pages are dropped after.
 */
void hgfs_evict_pages(struct inode *inode)
{
	struct hgfs_inode *hi = HGFS_I(inode);

	if (!hi->wb_open)
		return;
	filemap_write_and_wait(inode->i_mapping);
	hgfs_close_handle(inode->i_sb, hi->wb_handle, HGFS_OP_CLOSE_V3);
	hi->wb_open = false;
}

/* The handle writeback sends with, opened once per inode. */
static int wb_handle_get(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct hgfs_inode *hi = HGFS_I(inode);
	u32 handle;
	int ret = 0;

	/* Pairs with the release below: a set wb_open means wb_handle is valid. */
	if (smp_load_acquire(&hi->wb_open))
		return 0;
	mutex_lock(&hi->wb_lock);
	if (!hi->wb_open) {
		ret = hgfs_open_handle(inode->i_sb, file->f_path.dentry,
				       HGFS_OPEN_MODE_WRITE_ONLY, HGFS_OPEN, 0, &handle);
		if (!ret) {
			hi->wb_handle = handle;
			/* Publishes wb_handle to writepages and to the check above. */
			smp_store_release(&hi->wb_open, true);
		}
	}
	mutex_unlock(&hi->wb_lock);
	return ret;
}

/* The first store to a clean page of a shared mapping: the page becomes dirty. */
static vm_fault_t hgfs_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	vm_fault_t ret = VM_FAULT_LOCKED;
#ifdef PVTOOLS_HAVE_FOLIO_MARK_DIRTY
	struct folio *folio = page_folio(vmf->page);

	sb_start_pagefault(inode->i_sb);
	folio_lock(folio);
	/* Truncated (or dropped) since the fault mapped it. */
	if (folio->mapping != inode->i_mapping || folio_pos(folio) >= i_size_read(inode)) {
		folio_unlock(folio);
		ret = VM_FAULT_NOPAGE;
	} else {
		folio_mark_dirty(folio);
		folio_wait_stable(folio);
	}
#else
	struct page *page = vmf->page;

	sb_start_pagefault(inode->i_sb);
	lock_page(page);
	if (page->mapping != inode->i_mapping || page_offset(page) >= i_size_read(inode)) {
		unlock_page(page);
		ret = VM_FAULT_NOPAGE;
	} else {
		set_page_dirty(page);
		wait_for_stable_page(page);
	}
#endif
	sb_end_pagefault(inode->i_sb);
	return ret;
}

static const struct vm_operations_struct hgfs_vm_ops = {
	.fault		= filemap_fault,
	.map_pages	= filemap_map_pages,
	.page_mkwrite	= hgfs_page_mkwrite,
};

/*
 * A mapping that may become writable and shared needs the writeback
 * handle: opening it (with the host's errno, e.g. EACCES on a read-only
 * share) is what can refuse the mmap. A file that cannot be opened for
 * writing (ro mount: EROFS) never gets that far.
 */
static int hgfs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	int ret;

	if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE)) {
		ret = wb_handle_get(file);
		if (ret)
			return ret;
	}
	file_accessed(file);
	vma->vm_ops = &hgfs_vm_ops;
	return 0;
}

/* close() of a file open for writing sends what its mappings dirtied. */
static int hgfs_flush(struct file *file, fl_owner_t id)
{
	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	return filemap_write_and_wait(file->f_mapping);
}

/* write() reached the host already; pages dirtied through mmap have not. */
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
	.mmap		= hgfs_file_mmap,
	.flush		= hgfs_flush,
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
#ifdef PVTOOLS_HAVE_AOP_DIRTY_FOLIO
	.dirty_folio	= filemap_dirty_folio,
#else
	.set_page_dirty	= __set_page_dirty_nobuffers,
#endif
	.writepages	= hgfs_writepages,
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
	struct hgfs_file *hf = hgfs_file_alloc();
	int ret;

	if (!hf)
		return -ENOMEM;
	ret = search_open(inode->i_sb, file->f_path.dentry, &hf->handle);
	if (ret) {
		hgfs_file_free(hf);
		return ret;
	}
	file->private_data = hf;
	return 0;
}

static int hgfs_dir_release(struct inode *inode, struct file *file)
{
	struct hgfs_file *hf = file->private_data;

	hgfs_close_handle(inode->i_sb, hf->handle, HGFS_OP_SEARCH_CLOSE_V3);
	hgfs_file_free(hf);
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
