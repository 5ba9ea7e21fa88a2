/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * vmsync user interface: the classic VMware sync-driver ioctls that
 * open-vm-tools' vmsync backend issues on /proc/driver/vmware-sync, and
 * pvtools' extended ioctls beside them. Shared by the guest driver, test
 * tools and the test bed's preload library; <linux/types.h> only.
 *
 * Classic facts: docs/protocol/vmsync.md C.1, checked against
 * open-vm-tools lib/include/syncDriverIoc.h.
 */
#ifndef PVTOOLS_VMSYNC_ABI_H
#define PVTOOLS_VMSYNC_ABI_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* The control node the agent opens O_RDONLY, and our misc device. */
#define VMSYNC_PROC_NAME		"driver/vmware-sync"
#define VMSYNC_PROC_PATH		"/proc/driver/vmware-sync"
#define VMSYNC_DEV_NAME			"vmsync"
#define VMSYNC_DEV_PATH			"/dev/vmsync"

#define VMSYNC_IOC_MAGIC		0xF5

/*
 * Classic interface. FREEZE's argument is the user pointer to a
 * NUL-terminated, ':'-separated list of paths (the pointer itself); the
 * size field of the number is sizeof(char *) of the caller, so a 32-bit
 * agent sends VMSYNC_IOC_FREEZE32. QUERY writes an __s32: the number of
 * filesystems the driver holds frozen through all files.
 */
#define VMSYNC_IOC_FREEZE		_IOW(VMSYNC_IOC_MAGIC, 0x01, const char *)
#define VMSYNC_IOC_FREEZE32		_IOW(VMSYNC_IOC_MAGIC, 0x01, __u32)
#define VMSYNC_IOC_THAW			_IO(VMSYNC_IOC_MAGIC, 0x02)
#define VMSYNC_IOC_QUERY		_IOR(VMSYNC_IOC_MAGIC, 0x03, int)

#define VMSYNC_PATH_SEPARATOR		':'
/* Longest classic path list, NUL included (the classic driver: PATH_MAX). */
#define VMSYNC_PATH_LIST_MAX		65536u
/* Most filesystems one open file may hold frozen, and targets per call. */
#define VMSYNC_MAX_TARGETS		256u

/* Auto-thaw timeout: the classic driver's 30 s, and the cap of ours. */
#define VMSYNC_AUTOTHAW_DEFAULT_MS	30000u
#define VMSYNC_AUTOTHAW_MIN_MS		100u
#define VMSYNC_AUTOTHAW_MAX_MS		900000u

/* ---- Extended interface (same nodes, same per-file ownership) ---- */

#define VMSYNC_ABI_VERSION		1u

/* Per-target outcome in struct vmsync_fs_result.status. */
enum vmsync_fs_status {
	VMSYNC_FS_NOT_TRIED	= 0,	/* not reached: an earlier target failed */
	VMSYNC_FS_FROZEN	= 1,	/* frozen by this call */
	VMSYNC_FS_DUPLICATE	= 2,	/* same filesystem as an earlier target: frozen once */
	VMSYNC_FS_HELD		= 3,	/* already frozen through this file by an earlier call */
	VMSYNC_FS_SKIPPED	= 4,	/* the filesystem cannot freeze (classic skip rule) */
	VMSYNC_FS_FAILED	= 5,	/* this target failed; error says why */
	VMSYNC_FS_ROLLED_BACK	= 6,	/* frozen, then thawed because a later target failed */
};

struct vmsync_fs_result {
	__u64 mnt_id;		/* mount id (as in /proc/self/mountinfo), 0 if unknown */
	__u32 dev_major;	/* st_dev of the filesystem */
	__u32 dev_minor;
	__u32 status;		/* enum vmsync_fs_status */
	__s32 error;		/* positive errno for FAILED/SKIPPED, else 0 */
	char fstype[16];	/* NUL-terminated, truncated */
};

/* struct vmsync_freeze_ex.flags */
#define VMSYNC_FREEZE_MNT_IDS		0x1u	/* targets is an array of __u64 mount ids */
#define VMSYNC_FREEZE_FLAGS		VMSYNC_FREEZE_MNT_IDS

#define VMSYNC_NO_INDEX			0xFFFFFFFFu

/*
 * FREEZE_EX: all targets or none. Targets are either consecutive
 * NUL-terminated paths (targets_len bytes, ':' allowed in names) or
 * count __u64 mount ids. The header and results are written back on
 * failure too, so the caller learns which target failed.
 */
struct vmsync_freeze_ex {
	__u32 size;		/* in: sizeof(struct vmsync_freeze_ex) the caller knows (<= 4096) */
	__u32 flags;		/* in: VMSYNC_FREEZE_* */
	__u32 count;		/* in: targets, and slots at results (<= VMSYNC_MAX_TARGETS) */
	__u32 timeout_ms;	/* in: auto-thaw after this; 0 = module default */
	__u64 targets;		/* in: user pointer */
	__u64 targets_len;	/* in: bytes at targets */
	__u64 results;		/* in: user pointer to count results, or 0 */
	__u32 frozen;		/* out: filesystems frozen by this call */
	__u32 skipped;		/* out: targets skipped as unfreezable */
	__s32 error;		/* out: 0 or the positive errno the call failed with */
	__u32 failed_index;	/* out: index of the failing target or VMSYNC_NO_INDEX */
};

/* STATUS: this file's freeze and the driver's totals. */
struct vmsync_status {
	__u32 size;		/* in */
	__u32 abi_version;	/* out: VMSYNC_ABI_VERSION */
	__u32 frozen;		/* filesystems frozen through this file */
	__u32 frozen_total;	/* through every file (QUERY's number) */
	__u32 autothawed;	/* the auto-thaw of this file fired since its last THAW */
	__u32 timeout_ms;	/* auto-thaw timeout of the current freeze, 0 if none */
	__s64 remaining_ms;	/* until the auto-thaw fires; -1 if none pending */
	__u64 autothaw_count;	/* auto-thaws since the module loaded */
};

/* LIST (CAP_SYS_ADMIN): every filesystem the driver holds frozen, and by whom. */
struct vmsync_frozen_fs {
	__u64 mnt_id;
	__u32 dev_major;
	__u32 dev_minor;
	__s32 owner_pid;	/* thread group that froze it */
	__u32 reserved;
	__u64 frozen_ns;	/* CLOCK_BOOTTIME when frozen */
	__u64 deadline_ns;	/* CLOCK_BOOTTIME when the auto-thaw fires */
	char owner_comm[16];
	char fstype[16];
	char path[256];		/* mount point as resolved, truncated */
};

struct vmsync_list {
	__u32 size;		/* in */
	__u32 count;		/* in: slots at entries; out: filesystems frozen (may exceed) */
	__u64 entries;		/* in: user pointer to count struct vmsync_frozen_fs */
};

#define VMSYNC_IOC_VERSION	_IOR(VMSYNC_IOC_MAGIC, 0x10, __u32)
#define VMSYNC_IOC_FREEZE_EX	_IOWR(VMSYNC_IOC_MAGIC, 0x11, struct vmsync_freeze_ex)
#define VMSYNC_IOC_STATUS	_IOWR(VMSYNC_IOC_MAGIC, 0x12, struct vmsync_status)
#define VMSYNC_IOC_LIST		_IOWR(VMSYNC_IOC_MAGIC, 0x13, struct vmsync_list)

/* Host-visible report of an auto-thaw (guestinfo key set through pvcore). */
#define VMSYNC_GUESTINFO_AUTOTHAW	"guestinfo.vmsync.autothaw"

#endif /* PVTOOLS_VMSYNC_ABI_H */
