// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pvcore_rpc: RPCI from user space, for tests and administrators.
 * Each open file is one channel; a write sends one whole request and
 * fetches its reply, reads then return that reply until it is used up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pvcore_internal.h"

struct rpc_file {
	struct mutex lock;		/* one request at a time per file */
	struct pvcore_chan *chan;	/* opened on the first write */
	void *reply;
	size_t reply_len;
	size_t reply_pos;
};

static int rpc_open(struct inode *inode, struct file *file)
{
	struct rpc_file *rf;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	mutex_init(&rf->lock);
	file->private_data = rf;
	return stream_open(inode, file);
}

static int rpc_release(struct inode *inode, struct file *file)
{
	struct rpc_file *rf = file->private_data;

	pvcore_chan_close(rf->chan);
	kvfree(rf->reply);
	mutex_destroy(&rf->lock);
	kfree(rf);
	return 0;
}

static void rpc_drop_reply(struct rpc_file *rf)
{
	kvfree(rf->reply);
	rf->reply = NULL;
	rf->reply_len = 0;
	rf->reply_pos = 0;
}

static int rpc_request(struct rpc_file *rf, const void *req, size_t len)
{
	struct pvcore_chan *chan;

	if (!rf->chan) {
		chan = pvcore_chan_open(GUESTMSG_PROTO_RPCI);
		if (IS_ERR(chan))
			return PTR_ERR(chan);
		rf->chan = chan;
	}
	return pvcore_rpci_exchange(rf->chan, req, len, &rf->reply, &rf->reply_len);
}

static ssize_t rpc_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct rpc_file *rf = file->private_data;
	void *req;
	int ret;

	if (count > GUESTMSG_MAX_IN_SIZE)
		return -EMSGSIZE;
	req = vmemdup_user(ubuf, count);
	if (IS_ERR(req))
		return PTR_ERR(req);
	if (mutex_lock_interruptible(&rf->lock)) {
		kvfree(req);
		return -EINTR;
	}
	rpc_drop_reply(rf);
	ret = rpc_request(rf, req, count);
	mutex_unlock(&rf->lock);
	kvfree(req);
	return ret ? ret : count;
}

static ssize_t rpc_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	struct rpc_file *rf = file->private_data;
	size_t n;
	ssize_t ret;

	if (mutex_lock_interruptible(&rf->lock))
		return -EINTR;
	n = min(count, rf->reply_len - rf->reply_pos);
	if (!n) {
		ret = 0;
	} else if (copy_to_user(ubuf, (u8 *)rf->reply + rf->reply_pos, n)) {
		ret = -EFAULT;
	} else {
		rf->reply_pos += n;
		ret = n;
	}
	mutex_unlock(&rf->lock);
	return ret;
}

static const struct file_operations rpc_fops = {
	.owner = THIS_MODULE,
	.open = rpc_open,
	.release = rpc_release,
	.read = rpc_read,
	.write = rpc_write,
	.llseek = pvtools_no_llseek,
};

static struct miscdevice rpc_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pvcore_rpc",
	.fops = &rpc_fops,
	.mode = 0600,
};

int pvcore_rpcdev_init(void)
{
	return misc_register(&rpc_miscdev);
}

void pvcore_rpcdev_exit(void)
{
	misc_deregister(&rpc_miscdev);
}
