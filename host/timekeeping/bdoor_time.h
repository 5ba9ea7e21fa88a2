/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated host's time services as the guest sees them: the host clock
 * with a test-controlled offset and drift, an on/off switch, the optional
 * precise clock, and the discontinuity events a VMware host causes (resume,
 * snapshot revert, migration). Plain C, no QEMU headers.
 */
#ifndef PVTOOLS_BDOOR_TIME_H
#define PVTOOLS_BDOOR_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include <pvtools/backdoor_abi.h>

/* Largest drift a test may ask for: 10 % keeps the reported clock monotonic. */
#define BDOOR_TIME_MAX_DRIFT_PPB	100000000LL

/* Broken-host answers tests switch on (docs/protocol/backdoor-and-rpc.md E2, E3, E19). */
enum bdoor_time_fault {
	BDOOR_TIME_FAULT_NONE,
	/* Unsupported the way QEMU <= 5.0 machine types answer: nothing changes, EAX stays MAGIC. */
	BDOOR_TIME_FAULT_UNTOUCHED,
	/* GETTIME* answer 1000000 + the real us in EBX. */
	BDOOR_TIME_FAULT_BAD_MICROS,
	/* GETTIME* answer seconds = 0 (and GETTIME EAX = 0). */
	BDOOR_TIME_FAULT_ZERO_SECONDS,
	/* PRECISIONCLOCK answers EAX = 1 (an error); the others stay correct. */
	BDOOR_TIME_FAULT_PRECISE_ERROR,
	BDOOR_TIME_FAULT_COUNT,
};

struct bdoor_time {
	/* GETTIME, GETTIMEFULL(_WITH_LAG) and PRECISIONCLOCK answer at all. */
	bool services_off;
	/* PRECISIONCLOCK (97) answers (the glue must also route 97 to us). */
	bool precise;
	int64_t offset_ns;
	/*
	 * Drift relative to the real host clock, anchored where it was last
	 * set so the reported time stays continuous when it changes.
	 */
	int64_t drift_ppb;
	int64_t drift_anchor_ns;
	int64_t drift_at_anchor_ns;
	uint64_t discontinuities;
	uint64_t reads;
	enum bdoor_time_fault fault;
};

/* By name ("none", "untouched", ...): -1 if unknown. */
int bdoor_time_set_fault(struct bdoor_time *t, const char *name);
const char *bdoor_time_fault_name(enum bdoor_time_fault fault);

/* What the host reports at real host time real_ns (ns since the epoch). */
int64_t bdoor_time_report_ns(const struct bdoor_time *t, int64_t real_ns);
/* Reported minus real: offset plus the drift accumulated so far. */
int64_t bdoor_time_error_ns(const struct bdoor_time *t, int64_t real_ns);
/* -1 if out of range (|ppb| > BDOOR_TIME_MAX_DRIFT_PPB). */
int bdoor_time_set_drift_ppb(struct bdoor_time *t, int64_t real_ns, int64_t ppb);
/* Moves the reported clock by delta_ns at once; negative steps it back. */
void bdoor_time_step(struct bdoor_time *t, int64_t delta_ns);
/*
 * A discontinuity as the guest sees it after being descheduled for lost_ns
 * (resume, snapshot revert, migration): host time runs lost_ns ahead of the
 * guest's clock, and the count the glue exposes goes up. The glue also
 * queues the TCLO one-shot bdoor_time_sync_command() for the guest agent.
 */
void bdoor_time_discontinuity(struct bdoor_time *t, int64_t lost_ns);
const char *bdoor_time_sync_command(void);

/*
 * The commands, on the reported time at real_ns. With services off every
 * one answers like an unsupported command (EAX = BDOOR_UNSUPPORTED, the
 * other registers untouched).
 */
void bdoor_time_gettime(struct bdoor_time *t, int64_t real_ns, uint32_t max_lag_us,
			struct bdoor_regs *regs);
void bdoor_time_gettimefull(struct bdoor_time *t, int64_t real_ns, uint32_t max_lag_us,
			    struct bdoor_regs *regs);
void bdoor_time_gettimefull_with_lag(struct bdoor_time *t, int64_t real_ns,
				     uint32_t max_lag_us, uint32_t interrupt_lag_us,
				     struct bdoor_regs *regs);
void bdoor_time_precisionclock(struct bdoor_time *t, int64_t real_ns, struct bdoor_regs *regs);

#endif /* PVTOOLS_BDOOR_TIME_H */
