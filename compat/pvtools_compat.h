/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels pvtools builds for (6.1 and
 * 6.12 today), expressed in one spelling for the drivers. Keyed on features
 * detected from the target's headers by compat/detect.sh.
 */
#ifndef PVTOOLS_COMPAT_H
#define PVTOOLS_COMPAT_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/export.h>
#include <linux/timer.h>
#include <linux/device/class.h>

#include "compat_generated.h"

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

/* get_unaligned_le32() and friends, wherever this kernel keeps them. */
#ifdef PVTOOLS_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* PVTOOLS_COMPAT_H */
