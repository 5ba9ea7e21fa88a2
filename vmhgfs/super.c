// SPDX-License-Identifier: GPL-2.0
/*
 * vmhgfs: mounting (new mount API), the superblock, statfs, the module.
 *
 *   mount -t vmhgfs .host:/share[/dir] /mnt/hgfs [-o uid=,gid=,fmask=,dmask=,ttl=,ro]
 *   mount -t vmhgfs .host:/ /mnt/hgfs          (every share, as directories)
 *
 * The file system type holds a reference on this module while mounted, so
 * rmmod fails with EBUSY until every mount is gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vmhgfs.h"

#include <linux/backing-dev.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/string.h>

#include <pvtools/pvcore.h>
#include <pvtools_compat.h>

#define HGFS_DEFAULT_TTL	1	/* seconds */
#define HGFS_TTL_MAX		3600
#define QUERY_VOLUME_OFF_NAME	8u
#define QUERY_VOLUME_REPLY_SIZE	16u

static struct kmem_cache *hgfs_inode_cache;

struct hgfs_fs_ctx {
	kuid_t uid;
	kgid_t gid;
	bool uid_set;
	bool gid_set;
	umode_t fmask;
	umode_t dmask;
	unsigned int ttl;
};

enum { OPT_UID, OPT_GID, OPT_FMASK, OPT_DMASK, OPT_TTL };

static const struct fs_parameter_spec hgfs_params[] = {
	fsparam_u32("uid", OPT_UID),
	fsparam_u32("gid", OPT_GID),
	fsparam_u32oct("fmask", OPT_FMASK),
	fsparam_u32oct("dmask", OPT_DMASK),
	fsparam_u32("ttl", OPT_TTL),
	{}
};

static int hgfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct hgfs_fs_ctx *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, hgfs_params, param, &result);
	if (opt < 0)
		return opt;
	switch (opt) {
	case OPT_UID:
		ctx->uid = make_kuid(current_user_ns(), result.uint_32);
		if (!uid_valid(ctx->uid))
			return invalfc(fc, "uid %u does not map", result.uint_32);
		ctx->uid_set = true;
		break;
	case OPT_GID:
		ctx->gid = make_kgid(current_user_ns(), result.uint_32);
		if (!gid_valid(ctx->gid))
			return invalfc(fc, "gid %u does not map", result.uint_32);
		ctx->gid_set = true;
		break;
	case OPT_FMASK:
		ctx->fmask = result.uint_32 & 07777;
		break;
	case OPT_DMASK:
		ctx->dmask = result.uint_32 & 07777;
		break;
	case OPT_TTL:
		if (result.uint_32 > HGFS_TTL_MAX)
			return invalfc(fc, "ttl above %u s", HGFS_TTL_MAX);
		ctx->ttl = result.uint_32;
		break;
	}
	return 0;
}

/* ".host:/a/b" -> "a\0b" (§3.5): the CP name of the mount root. */
static int parse_source(struct fs_context *fc, struct hgfs_sb *sbi)
{
	const char *src = fc->source, *p;
	size_t len = 0;
	char *out;

	if (!src || strncmp(src, ".host:", 6))
		return invalfc(fc, "source must be .host:/[share[/path]]");
	p = src + 6;
	out = kzalloc(strlen(p) + 1, GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	while (*p) {
		const char *c;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = strchrnul(p, '/');
		n = c - p;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			kfree(out);
			return invalfc(fc, "no . or .. in the share path");
		}
		if (len)
			out[len++] = '\0';
		memcpy(out + len, p, n);
		len += n;
		p = c;
	}
	sbi->prefix = out;
	sbi->prefix_len = len;
	return 0;
}

static struct inode *hgfs_alloc_inode(struct super_block *sb)
{
	struct hgfs_inode *hi = kmem_cache_alloc(hgfs_inode_cache, GFP_KERNEL);

	if (!hi)
		return NULL;
	hi->attr_time = 0;
	hi->fileid = 0;
	memset(&hi->atime, 0, sizeof(hi->atime));
	memset(&hi->mtime, 0, sizeof(hi->mtime));
	memset(&hi->ctime, 0, sizeof(hi->ctime));
	hi->wb_open = false;
	return &hi->vfs;
}

static void hgfs_free_inode(struct inode *inode)
{
	kmem_cache_free(hgfs_inode_cache, HGFS_I(inode));
}

/*
 * The last reference went: evict at once (inodes are found through their
 * dentries only; the hash they carry just lets writeback see them).
 */
static int hgfs_drop_inode(struct inode *inode)
{
	return 1;
}

static void hgfs_evict_inode(struct inode *inode)
{
	if (S_ISREG(inode->i_mode))
		hgfs_evict_pages(inode);
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
}

static int hgfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct hgfs_sb *sbi = HGFS_SB(dentry->d_sb);
	u64 free_b, total;
	struct hgfs_req r;
	int ret, n;

	buf->f_type = HGFS_SUPER_MAGIC;
	buf->f_bsize = PAGE_SIZE;
	buf->f_namelen = NAME_MAX;
	ret = hgfs_req_init(sbi, &r, HGFS_OP_QUERY_VOLUME_INFO_V3,
			    QUERY_VOLUME_OFF_NAME + HGFS_NAME_V3_HDR + hgfs_name_max(sbi));
	if (ret)
		goto out;
	n = hgfs_put_name_v3(sbi, &r, QUERY_VOLUME_OFF_NAME, dentry);
	if (n < 0) {
		ret = n;
		goto out;
	}
	/* The HGFS root is no volume: report an empty one. */
	if (!n)
		goto out;
	ret = hgfs_send(sbi, &r, QUERY_VOLUME_OFF_NAME + HGFS_NAME_V3_SIZE + n);
	if (ret)
		goto out;
	if (r.rplen < QUERY_VOLUME_REPLY_SIZE) {
		pr_warn_ratelimited("QUERY_VOLUME reply does not fit (%zu bytes)\n", r.rplen);
		ret = -EIO;
		goto out;
	}
	free_b = get_unaligned_le64(r.rp);
	total = get_unaligned_le64(r.rp + 8);
	free_b = min(free_b, total);
	buf->f_blocks = total >> PAGE_SHIFT;
	buf->f_bfree = free_b >> PAGE_SHIFT;
	buf->f_bavail = buf->f_bfree;
out:
	hgfs_req_free(&r);
	return ret;
}

static int hgfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct hgfs_sb *sbi = HGFS_SB(root->d_sb);

	if (sbi->uid_set)
		seq_printf(m, ",uid=%u", from_kuid_munged(&init_user_ns, sbi->uid));
	if (sbi->gid_set)
		seq_printf(m, ",gid=%u", from_kgid_munged(&init_user_ns, sbi->gid));
	if (sbi->fmask)
		seq_printf(m, ",fmask=%04o", sbi->fmask);
	if (sbi->dmask)
		seq_printf(m, ",dmask=%04o", sbi->dmask);
	seq_printf(m, ",ttl=%u", sbi->ttl_sec);
	return 0;
}

static const struct super_operations hgfs_sops = {
	.alloc_inode	= hgfs_alloc_inode,
	.free_inode	= hgfs_free_inode,
	.drop_inode	= hgfs_drop_inode,
	.evict_inode	= hgfs_evict_inode,
	.statfs		= hgfs_statfs,
	.show_options	= hgfs_show_options,
};

static void hgfs_sbi_free(struct hgfs_sb *sbi)
{
	if (!sbi)
		return;
	hgfs_transport_close(sbi);
	mutex_destroy(&sbi->session_lock);
	kfree(sbi->prefix);
	kfree(sbi);
}

static int hgfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct hgfs_fs_ctx *ctx = fc->fs_private;
	struct hgfs_sb *sbi;
	struct hgfs_attr a;
	struct inode *root;
	int ret;

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	mutex_init(&sbi->session_lock);
	sbi->uid = ctx->uid;
	sbi->gid = ctx->gid;
	sbi->uid_set = ctx->uid_set;
	sbi->gid_set = ctx->gid_set;
	sbi->fmask = ctx->fmask;
	sbi->dmask = ctx->dmask;
	sbi->ttl_sec = ctx->ttl;
	sbi->ttl = (unsigned long)ctx->ttl * HZ;
	sb->s_fs_info = sbi;
	ret = parse_source(fc, sbi);
	if (ret)
		return ret;
	ret = hgfs_transport_open(sbi);
	if (ret)
		return ret;

	/* Readahead of 1 MiB: sequential reads become max_io-sized requests. */
	ret = super_setup_bdi(sb);
	if (ret)
		return ret;
	sb->s_bdi->ra_pages = SZ_1M / PAGE_SIZE;
	sb->s_bdi->io_pages = SZ_1M / PAGE_SIZE;
	sb->s_magic = HGFS_SUPER_MAGIC;
	sb->s_op = &hgfs_sops;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_time_gran = 100;
	pvtools_set_default_d_op(sb, &hgfs_dentry_ops);

	/* The root: a GETATTR of the prefix, which must be a directory. */
	ret = hgfs_getattr_name(sb, NULL, &a, NULL);
	if (ret) {
		errorfc(fc, "%s: error %d", fc->source, ret);
		return ret;
	}
	if (a.type != HGFS_FILE_TYPE_DIRECTORY)
		return invalfc(fc, "%s is not a directory", fc->source);
	root = hgfs_new_inode(sb, &a);
	if (!root)
		return -ENOMEM;
	root->i_ino = 1;
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	return 0;
}

static int hgfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, hgfs_fill_super);
}

static void hgfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations hgfs_context_ops = {
	.parse_param	= hgfs_parse_param,
	.get_tree	= hgfs_get_tree,
	.free		= hgfs_free_fc,
};

static int hgfs_init_fs_context(struct fs_context *fc)
{
	struct hgfs_fs_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	ctx->ttl = HGFS_DEFAULT_TTL;
	fc->fs_private = ctx;
	fc->ops = &hgfs_context_ops;
	return 0;
}

static void hgfs_kill_sb(struct super_block *sb)
{
	struct hgfs_sb *sbi = HGFS_SB(sb);

	kill_anon_super(sb);
	hgfs_sbi_free(sbi);
}

static struct file_system_type hgfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "vmhgfs",
	.init_fs_context	= hgfs_init_fs_context,
	.parameters		= hgfs_params,
	.kill_sb		= hgfs_kill_sb,
};
MODULE_ALIAS_FS("vmhgfs");

static void hgfs_inode_init_once(void *p)
{
	struct hgfs_inode *hi = p;

	inode_init_once(&hi->vfs);
	mutex_init(&hi->wb_lock);
}

static int __init hgfs_init(void)
{
	int ret;

	hgfs_inode_cache = kmem_cache_create("vmhgfs_inode", sizeof(struct hgfs_inode), 0,
					     SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					     hgfs_inode_init_once);
	if (!hgfs_inode_cache)
		return -ENOMEM;
	ret = register_filesystem(&hgfs_fs_type);
	if (ret)
		kmem_cache_destroy(hgfs_inode_cache);
	return ret;
}

static void __exit hgfs_exit(void)
{
	unregister_filesystem(&hgfs_fs_type);
	/* Inodes are freed after an RCU grace period. */
	rcu_barrier();
	kmem_cache_destroy(hgfs_inode_cache);
}

module_init(hgfs_init);
module_exit(hgfs_exit);

PVTOOLS_MODULE_IMPORT_NS(PVCORE);
MODULE_DESCRIPTION("pvtools vmhgfs: VMware shared folders (HGFS) file system");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVTOOLS_VERSION);
