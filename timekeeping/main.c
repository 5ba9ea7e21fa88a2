// SPDX-License-Identifier: GPL-2.0
/*
 * vmw_hostclock: the VMware host's clock as a PTP hardware clock (/dev/ptpN),
 * so chrony (refclock PHC) or phc2sys can discipline the guest against it,
 * plus a periodic check that steps the guest clock after a discontinuity
 * when nobody else does (see README).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <asm/hypervisor.h>

#include <pvtools/pvcore.h>
#include "hostclock.h"

/* What /sys/class/ptp/ptpN/clock_name says, so tools can find us. */
#define HOSTCLOCK_CLOCK_NAME	"vmw_hostclock"

unsigned int hostclock_param_check_interval_ms = 1000;
module_param_named(check_interval_ms, hostclock_param_check_interval_ms, uint, 0444);
MODULE_PARM_DESC(check_interval_ms, "Compare guest and host time this often, 0 = never, else 100..60000 ms (default: 1000)");

unsigned int hostclock_param_step_threshold_ms = 1000;
module_param_named(step_threshold_ms, hostclock_param_step_threshold_ms, uint, 0644);
MODULE_PARM_DESC(step_threshold_ms, "Step the guest clock when it is off the host by more than this, 0 = never step (default: 1000)");

unsigned int hostclock_param_defer_to_daemon_s = 10;
module_param_named(defer_to_daemon_s, hostclock_param_defer_to_daemon_s, uint, 0644);
MODULE_PARM_DESC(defer_to_daemon_s, "Do not step while a sync daemon (chrony, phc2sys) has read this clock within so many seconds, at most 3600, 0 = step anyway (default: 10)");

bool hostclock_param_step_backward;
module_param_named(step_backward, hostclock_param_step_backward, bool, 0644);
MODULE_PARM_DESC(step_backward, "Also step the guest clock back when it is ahead of the host (default: off)");

static struct hostclock *hostclock_dev;

static struct hostclock *to_hostclock(struct ptp_clock_info *info)
{
	return container_of(info, struct hostclock, info);
}

/*
 * Interrupts stay off so nothing lands between the system timestamps and
 * the single host read they bracket: their gap is the read's uncertainty.
 */
static int hostclock_gettimex64(struct ptp_clock_info *info, struct timespec64 *ts,
				struct ptp_system_timestamp *sts)
{
	struct hostclock *hc = to_hostclock(info);
	struct hostclock_sample sample;
	unsigned long flags;
	int ret;

	local_irq_save(flags);
	ptp_read_system_prets(sts);
	ret = hostclock_read(hc->source, &sample);
	ptp_read_system_postts(sts);
	local_irq_restore(flags);

	hostclock_count(hc, HOSTCLOCK_STAT_READS);
	hostclock_note_read(hc, ret);
	if (ret)
		return ret;
	if (sts) {
		hostclock_count(hc, HOSTCLOCK_STAT_DAEMON_READS);
		atomic_long_set(&hc->last_daemon_read, jiffies);
	}
	*ts = ns_to_timespec64(sample.host_ns);
	return 0;
}

/*
 * A host that keeps failing would otherwise log on every read: say it once
 * when the answers go bad and once when they recover (still rate-limited,
 * for a host that flaps); read_errors has the count.
 */
void hostclock_note_read(struct hostclock *hc, int ret)
{
	if (ret) {
		hostclock_count(hc, HOSTCLOCK_STAT_READ_ERRORS);
		if (!atomic_xchg(&hc->failing, 1))
			pr_warn_ratelimited("host answers %s with invalid times; reads fail until it recovers\n",
					    hostclock_source_name(hc->source));
		return;
	}
	if (atomic_xchg(&hc->failing, 0))
		pr_info_ratelimited("host answers %s plausibly again\n",
				    hostclock_source_name(hc->source));
}

static int hostclock_gettime64(struct ptp_clock_info *info, struct timespec64 *ts)
{
	return hostclock_gettimex64(info, ts, NULL);
}

/* The host's clock is not ours to steer: every adjustment is refused. */
static int hostclock_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int hostclock_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int hostclock_settime64(struct ptp_clock_info *info, const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int hostclock_enable(struct ptp_clock_info *info, struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static long hostclock_aux_work(struct ptp_clock_info *info)
{
	return hostclock_check(to_hostclock(info));
}

static const struct ptp_clock_info hostclock_info_template = {
	.owner = THIS_MODULE,
	.name = HOSTCLOCK_CLOCK_NAME,
	.max_adj = 0,
	.adjfine = hostclock_adjfine,
	.adjtime = hostclock_adjtime,
	.gettime64 = hostclock_gettime64,
	.gettimex64 = hostclock_gettimex64,
	.settime64 = hostclock_settime64,
	.enable = hostclock_enable,
	.do_aux_work = hostclock_aux_work,
};

static void clamp_params(void)
{
	unsigned int *interval = &hostclock_param_check_interval_ms;

	if (*interval)
		*interval = clamp(*interval, 100U, 60000U);
}

static int __init hostclock_init(void)
{
	struct hostclock *hc;
	int ret;

	if (x86_hyper_type != X86_HYPER_VMWARE) {
		pr_info("not a VMware platform; no host clock\n");
		return -ENODEV;
	}
	clamp_params();
	hc = kzalloc(sizeof(*hc), GFP_KERNEL);
	if (!hc)
		return -ENOMEM;
	ret = hostclock_probe_source(&hc->source);
	if (ret) {
		pr_info("host offers no time service (precise clock, GETTIMEFULL_WITH_LAG, GETTIMEFULL)\n");
		goto err_free;
	}
	hc->info = hostclock_info_template;
	atomic_long_set(&hc->last_daemon_read, jiffies - HZ * (HOSTCLOCK_MAX_DEFER_S + 1UL));
	hc->ptp = ptp_clock_register(&hc->info, NULL);
	if (IS_ERR(hc->ptp)) {
		ret = PTR_ERR(hc->ptp);
		pr_err("cannot register the PTP clock: %d\n", ret);
		goto err_free;
	}
	hostclock_dev = hc;
	hostclock_debugfs_init(hc);
	if (hostclock_param_check_interval_ms)
		ptp_schedule_worker(hc->ptp, 0);
	pr_info("host clock on /dev/ptp%d via %s\n", ptp_clock_index(hc->ptp),
		hostclock_source_name(hc->source));
	return 0;

err_free:
	kfree(hc);
	return ret;
}

static void __exit hostclock_exit(void)
{
	hostclock_debugfs_exit();
	ptp_clock_unregister(hostclock_dev->ptp);
	kfree(hostclock_dev);
}

module_init(hostclock_init);
module_exit(hostclock_exit);

MODULE_DESCRIPTION("VMware host clock as a PTP hardware clock (pvtools)");
MODULE_AUTHOR("pvtools");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVTOOLS_VERSION);
PVTOOLS_MODULE_IMPORT_NS(PVCORE);
