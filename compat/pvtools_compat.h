/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels pvtools builds for (5.10, 6.1,
 * 6.12 and 7.x today), expressed in one spelling for the drivers. Keyed on features
 * detected from the target's headers by compat/detect.sh.
 */
#ifndef PVTOOLS_COMPAT_H
#define PVTOOLS_COMPAT_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/export.h>
#include <linux/timer.h>
#include <linux/hrtimer.h>
#include <linux/kernel_stat.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/device/class.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "compat_generated.h"

/* freeze_super() and friends left <linux/fs.h> for <linux/fs/super.h> (7.x). */
#ifdef PVTOOLS_HAVE_LINUX_FS_SUPER_H
#include <linux/fs/super.h>
#endif

/* Non-seekable files: stream_open() plus this as .llseek. */
#ifdef PVTOOLS_HAVE_NO_LLSEEK
#define pvtools_no_llseek	no_llseek
#else
#define pvtools_no_llseek	NULL
#endif

/* Symbol namespaces: written as bare identifiers by the drivers. */
#ifdef PVTOOLS_HAVE_NS_STRING
#define PVTOOLS_EXPORT_SYMBOL_NS_GPL(sym, ns)	EXPORT_SYMBOL_NS_GPL(sym, #ns)
#define PVTOOLS_MODULE_IMPORT_NS(ns)		MODULE_IMPORT_NS(#ns)
#else
#define PVTOOLS_EXPORT_SYMBOL_NS_GPL(sym, ns)	EXPORT_SYMBOL_NS_GPL(sym, ns)
#define PVTOOLS_MODULE_IMPORT_NS(ns)		MODULE_IMPORT_NS(ns)
#endif

#ifdef PVTOOLS_HAVE_CLASS_CREATE_NAME_ONLY
#define pvtools_class_create(name)	class_create(name)
#else
#define pvtools_class_create(name)	class_create(THIS_MODULE, name)
#endif

#ifndef PVTOOLS_HAVE_TIMER_DELETE_SYNC
#define timer_delete_sync(t)		del_timer_sync(t)
#endif

#ifndef PVTOOLS_HAVE_TIMER_CONTAINER_OF
#define timer_container_of(var, t, field)	from_timer(var, t, field)
#endif

/* Power management: pm_sleep_ptr() came in 5.17. */
#ifndef pm_sleep_ptr
#define pm_sleep_ptr(ptr)	(IS_ENABLED(CONFIG_PM_SLEEP) ? (ptr) : NULL)
#endif

/* 5.10: a PCI driver's device attributes go through its device_driver. */
#ifdef PVTOOLS_HAVE_PCI_DRIVER_DEV_GROUPS
#define PVTOOLS_PCI_DEV_GROUPS(groups)	.dev_groups = (groups)
#else
#define PVTOOLS_PCI_DEV_GROUPS(groups)	.driver.dev_groups = (groups)
#endif

/* 7.x has only hrtimer_setup(), which sets the callback with the timer. */
#ifndef PVTOOLS_HAVE_HRTIMER_SETUP
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/* INIT_CSD() came in 5.12; before, a csd was set up field by field. */
#ifndef INIT_CSD
static inline void pvtools_init_csd(call_single_data_t *csd, smp_call_func_t func, void *info)
{
	memset(csd, 0, sizeof(*csd));
	csd->func = func;
	csd->info = info;
}

#define INIT_CSD(csd, func, info)	pvtools_init_csd(csd, func, info)
#endif

/* A CPU's steal time as the scheduler counts it (nanoseconds). */
static inline u64 pvtools_kcpustat_steal(int cpu)
{
#ifdef PVTOOLS_HAVE_KCPUSTAT_FIELD_NO_STRUCT
	return kcpustat_field(CPUTIME_STEAL, cpu);
#else
	return kcpustat_field(&kcpustat_cpu(cpu), CPUTIME_STEAL, cpu);
#endif
}

/* Networking. */
#ifndef PVTOOLS_HAVE_GSO_LEGACY_MAX_SIZE
/* The 64K limit every device had before BIG TCP (6.0). */
#define GSO_LEGACY_MAX_SIZE	65536u
#endif

#ifndef PVTOOLS_HAVE_NETIF_SET_TSO_MAX_SIZE
/* Before 6.0 the stack read the TSO limit from the GSO one. */
static inline void netif_set_tso_max_size(struct net_device *dev, unsigned int size)
{
	netif_set_gso_max_size(dev, size);
}
#endif

/* netif_napi_add() without a weight argument (6.1): the default weight. */
#ifdef PVTOOLS_HAVE_NETIF_NAPI_ADD_NO_WEIGHT
#define pvtools_netif_napi_add(dev, napi, poll)	netif_napi_add(dev, napi, poll)
#else
#define pvtools_netif_napi_add(dev, napi, poll)	\
	netif_napi_add(dev, napi, poll, NAPI_POLL_WEIGHT)
#endif

/*
 * ethtool ring parameter callbacks: the kernel_ethtool_ringparam and extack
 * arguments came in 5.17. Declare them as
 *     static int f(struct net_device *dev, PVTOOLS_RINGPARAM_ARGS)
 * and report errors to PVTOOLS_RINGPARAM_EXTACK (NULL without them).
 */
#ifdef PVTOOLS_HAVE_KERNEL_ETHTOOL_RINGPARAM
#define PVTOOLS_RINGPARAM_ARGS	struct ethtool_ringparam *ring,			\
				struct kernel_ethtool_ringparam *kring,		\
				struct netlink_ext_ack *extack
#define PVTOOLS_RINGPARAM_EXTACK	extack
#else
#define PVTOOLS_RINGPARAM_ARGS	struct ethtool_ringparam *ring
#define PVTOOLS_RINGPARAM_EXTACK	NULL
#endif

/* get_unaligned_le32() and friends, wherever this kernel keeps them. */
#ifdef PVTOOLS_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * Freezing a superblock on behalf of a module. With holders (6.6+) ours is
 * the kernel holder: only the freezer's own thaw ends it, and a FIFREEZE
 * from user space is counted apart. A filesystem's own ->freeze_super hook
 * is used when it has one, as FIFREEZE does.
 */
#if defined(PVTOOLS_HAVE_FREEZE_OWNER)
#define PVTOOLS_FREEZE_CALL(fn, sb)	fn(sb, FREEZE_HOLDER_KERNEL, NULL)
#elif defined(PVTOOLS_HAVE_FREEZE_HOLDER)
#define PVTOOLS_FREEZE_CALL(fn, sb)	fn(sb, FREEZE_HOLDER_KERNEL)
#else
#define PVTOOLS_FREEZE_CALL(fn, sb)	fn(sb)
#endif

static inline int pvtools_freeze_sb(struct super_block *sb)
{
	if (sb->s_op->freeze_super)
		return PVTOOLS_FREEZE_CALL(sb->s_op->freeze_super, sb);
	return PVTOOLS_FREEZE_CALL(freeze_super, sb);
}

static inline int pvtools_thaw_sb(struct super_block *sb)
{
	if (sb->s_op->thaw_super)
		return PVTOOLS_FREEZE_CALL(sb->s_op->thaw_super, sb);
	return PVTOOLS_FREEZE_CALL(thaw_super, sb);
}

/*
 * Expedited RCU grace periods for a while (nesting), as the kernel does
 * around suspend. Both are exported (EXPORT_SYMBOL_GPL) but declared only
 * in kernel/rcu/rcu.h, which no headers package ships, so they are
 * declared here, and only when the target's Module.symvers has the export
 * (detect.sh); without it (Tiny RCU) grace periods stay as they are.
 * Kept on purpose: nothing public does the same. synchronize_rcu_expedited()
 * expedites one grace period of our own, not the ones freeze_super() waits
 * for, and /sys/kernel/rcu_expedited is the admin's global, permanent knob.
 * Should a public header declare them one day, the same prototype still
 * compiles, and a changed one fails the build instead of calling wrongly.
 */
#ifdef PVTOOLS_HAVE_RCU_EXPEDITE_GP
void rcu_expedite_gp(void);
void rcu_unexpedite_gp(void);
#else
static inline void rcu_expedite_gp(void) { }
static inline void rcu_unexpedite_gp(void) { }
#endif

/*
 * Inode operations: the id-mapping argument (none before 5.12, a
 * user_namespace until 6.2, a mnt_idmap since). Declare them as
 *     static int f(PVTOOLS_IDMAP_PARAM struct dentry *dentry, ...)
 * and pass it on as setattr_prepare(PVTOOLS_IDMAP_ARG dentry, attr).
 */
#if defined(PVTOOLS_HAVE_IOP_MNT_IDMAP)
#define PVTOOLS_IDMAP_PARAM	struct mnt_idmap *idmap,
#define PVTOOLS_IDMAP_ARG	idmap,
#elif defined(PVTOOLS_HAVE_IOP_USER_NS)
#define PVTOOLS_IDMAP_PARAM	struct user_namespace *idmap,
#define PVTOOLS_IDMAP_ARG	idmap,
#else
#define PVTOOLS_IDMAP_PARAM
#define PVTOOLS_IDMAP_ARG
#endif

/* splice from the page cache: filemap_splice_read() since 6.5. */
#ifdef PVTOOLS_HAVE_FILEMAP_SPLICE_READ
#define pvtools_splice_read	filemap_splice_read
#else
#define pvtools_splice_read	generic_file_splice_read
#endif

/* The dentry operations every dentry of a superblock gets. */
static inline void pvtools_set_default_d_op(struct super_block *sb,
					    const struct dentry_operations *ops)
{
#ifdef PVTOOLS_HAVE_SET_DEFAULT_D_OP
	set_default_d_op(sb, ops);
#else
	sb->s_d_op = ops;
#endif
}

#endif /* PVTOOLS_COMPAT_H */
