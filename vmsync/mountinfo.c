// SPDX-License-Identifier: GPL-2.0
/*
 * vmsync: mount ids. The kernel keeps mount ids private to fs/, so a
 * FREEZE by mount id, and the ids it reports, go through the caller's own
 * /proc/self/mountinfo: read whole, parsed into a table of id, device and
 * mount point, and searched both ways.
 */
#include "vmsync.h"

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

/* /proc/self/mountinfo larger than this cannot name a mount to freeze. */
#define MOUNTINFO_MAX	(4u << 20)

static char *read_mountinfo(void)
{
	size_t cap = 4 * PAGE_SIZE, used = 0;
	struct file *f;
	char *buf, *bigger;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open("/proc/self/mountinfo", O_RDONLY, 0);
	if (IS_ERR(f))
		return ERR_CAST(f);
	buf = kvmalloc(cap, GFP_KERNEL);
	if (!buf)
		goto nomem;
	for (;;) {
		if (used + 1 == cap) {
			if (cap >= MOUNTINFO_MAX)
				goto too_big;
			bigger = kvmalloc(cap * 2, GFP_KERNEL);
			if (!bigger)
				goto nomem;
			memcpy(bigger, buf, used);
			kvfree(buf);
			buf = bigger;
			cap *= 2;
		}
		n = kernel_read(f, buf + used, cap - used - 1, &pos);
		if (n < 0) {
			kvfree(buf);
			fput(f);
			return ERR_PTR(n);
		}
		if (!n)
			break;
		used += n;
	}
	fput(f);
	buf[used] = '\0';
	return buf;

too_big:
	kvfree(buf);
	fput(f);
	return ERR_PTR(-E2BIG);
nomem:
	kvfree(buf);
	fput(f);
	return ERR_PTR(-ENOMEM);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

static bool parse_mount_line(char *line, struct vmsync_mount_entry *e)
{
	unsigned int major, minor;
	char *field[5];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(field); i++)
		field[i] = strsep(&line, " ");
	if (!field[4] || kstrtoull(field[0], 10, &e->id) ||
	    sscanf(field[2], "%u:%u", &major, &minor) != 2)
		return false;
	e->dev = MKDEV(major, minor);
	unescape_octal(field[4]);
	e->mount_point = field[4];
	return true;
}

/**
 * vmsync_mount_table_load() - read and parse the caller's mountinfo.
 * @mt: the table to fill (zeroed by the caller).
 *
 * Return: 0, or a negative errno (-E2BIG beyond %MOUNTINFO_MAX bytes).
 */
int vmsync_mount_table_load(struct vmsync_mount_table *mt)
{
	unsigned int lines = 1;
	char *p, *line;

	mt->buf = read_mountinfo();
	if (IS_ERR(mt->buf)) {
		int err = PTR_ERR(mt->buf);

		mt->buf = NULL;
		return err;
	}
	for (p = mt->buf; *p; p++)
		lines += *p == '\n';
	mt->e = kvcalloc(lines, sizeof(*mt->e), GFP_KERNEL);
	if (!mt->e) {
		kvfree(mt->buf);
		mt->buf = NULL;
		return -ENOMEM;
	}
	p = mt->buf;
	while ((line = strsep(&p, "\n")) && mt->n < lines)
		if (parse_mount_line(line, &mt->e[mt->n]))
			mt->n++;
	return 0;
}

/**
 * vmsync_mount_table_free() - free what vmsync_mount_table_load() allocated.
 * @mt: the table.
 */
void vmsync_mount_table_free(struct vmsync_mount_table *mt)
{
	kvfree(mt->e);
	kvfree(mt->buf);
}

/**
 * vmsync_mount_id_of() - the id of the mount a path is on.
 * @mt: the caller's mount table.
 * @path: a path.
 *
 * Return: the mount id, or 0 if the table does not show the mount.
 */
u64 vmsync_mount_id_of(const struct vmsync_mount_table *mt, const struct path *path)
{
	struct path root = { .mnt = path->mnt, .dentry = path->mnt->mnt_root };
	dev_t dev = path->dentry->d_sb->s_dev;
	char *buf, *name;
	unsigned int i;
	u64 id = 0;

	if (!mt->n)
		return 0;
	buf = __getname();
	if (!buf)
		return 0;
	name = d_path(&root, buf, PATH_MAX);
	/* The last of several mounts on one point is the visible one. */
	for (i = mt->n; !IS_ERR(name) && i-- > 0;) {
		if (mt->e[i].dev == dev && !strcmp(mt->e[i].mount_point, name)) {
			id = mt->e[i].id;
			break;
		}
	}
	__putname(buf);
	return id;
}

/**
 * vmsync_resolve_mnt_id() - the root of a mount the caller sees, by id.
 * @mt: the caller's mount table.
 * @mnt_id: the mount id.
 * @path: set to the mount's root on success (a reference the caller puts).
 *
 * Return: 0, or -ENOENT if the table does not show @mnt_id or another
 * mount hides it, or the error of the path walk.
 */
int vmsync_resolve_mnt_id(const struct vmsync_mount_table *mt, u64 mnt_id, struct path *path)
{
	const struct vmsync_mount_entry *e = NULL;
	unsigned int i;
	int err;

	for (i = 0; i < mt->n && !e; i++)
		if (mt->e[i].id == mnt_id)
			e = &mt->e[i];
	if (!e)
		return -ENOENT;
	err = kern_path(e->mount_point, 0, path);
	if (err)
		return err;
	/* Another mount on top of it hides it from a path walk. */
	if (path->dentry != path->mnt->mnt_root || path->dentry->d_sb->s_dev != e->dev) {
		path_put(path);
		return -ENOENT;
	}
	return 0;
}
