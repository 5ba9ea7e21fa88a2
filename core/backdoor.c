// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the VMware backdoor and issuing calls on it: the I/O port or the
 * VMCALL/VMMCALL hypercall for low-bandwidth calls, string I/O or a flagged
 * hypercall for high-bandwidth message payloads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/dmi.h>
#include <linux/kernel.h>
#include <linux/objtool.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/hypervisor.h>
#include <asm/processor.h>

#include "pvcore_internal.h"

struct pvcore_host pvcore_host;

const char *pvcore_transport_name(enum pvcore_transport t)
{
	switch (t) {
	case PVCORE_TRANSPORT_VMCALL:
		return "vmcall";
	case PVCORE_TRANSPORT_VMMCALL:
		return "vmmcall";
	default:
		return "port";
	}
}

enum pvcore_transport pvcore_transport(void)
{
	return pvcore_host.transport;
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_transport, PVCORE);

/*
 * Every register is an in/out operand: the host may rewrite any of them,
 * and "memory" because a call can have side effects the compiler cannot see.
 */
#define PVCORE_LB_CALL(insn, regs)					\
	do {								\
		struct bdoor_regs *_r = (regs);				\
									\
		asm volatile(insn					\
			     : "+a" (_r->rax), "+b" (_r->rbx), "+c" (_r->rcx),	\
			       "+d" (_r->rdx), "+S" (_r->rsi), "+D" (_r->rdi)	\
			     : : "memory");				\
	} while (0)

static void lb_call(enum pvcore_transport t, struct bdoor_regs *r)
{
	r->rax = BDOOR_MAGIC;
	r->rdx &= 0xFFFF0000u;
	switch (t) {
	case PVCORE_TRANSPORT_VMCALL:
		r->rdx |= BDOOR_FLAGS_LB;
		PVCORE_LB_CALL("vmcall", r);
		break;
	case PVCORE_TRANSPORT_VMMCALL:
		r->rdx |= BDOOR_FLAGS_LB;
		PVCORE_LB_CALL("vmmcall", r);
		break;
	default:
		r->rdx |= BDOOR_PORT;
		PVCORE_LB_CALL("inl %%dx, %%eax", r);
		break;
	}
}

void pvcore_backdoor(struct bdoor_regs *regs)
{
	lb_call(pvcore_host.transport, regs);
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_backdoor, PVCORE);

/*
 * HB calls carry a cookie in RBP, so the frame pointer is saved around the
 * instruction; the kernel runs with DF clear, so no cld is needed.
 */
#define PVCORE_HB_CALL(insn, regs)					\
	do {								\
		struct bdoor_regs *_r = (regs);				\
									\
		asm volatile("push %%rbp\n\t"				\
			     "mov %[bp], %%rbp\n\t"			\
			     insn "\n\t"				\
			     "pop %%rbp"				\
			     : "+a" (_r->rax), "+b" (_r->rbx), "+c" (_r->rcx),	\
			       "+d" (_r->rdx), "+S" (_r->rsi), "+D" (_r->rdi)	\
			     : [bp] "r" (_r->rbp)			\
			     : "memory", "cc");				\
	} while (0)

static void hb_out(enum pvcore_transport t, struct bdoor_regs *r)
{
	switch (t) {
	case PVCORE_TRANSPORT_VMCALL:
		r->rdx |= BDOOR_FLAGS_HB | BDOOR_FLAGS_WRITE;
		PVCORE_HB_CALL("vmcall", r);
		break;
	case PVCORE_TRANSPORT_VMMCALL:
		r->rdx |= BDOOR_FLAGS_HB | BDOOR_FLAGS_WRITE;
		PVCORE_HB_CALL("vmmcall", r);
		break;
	default:
		r->rdx |= BDOOR_HB_PORT;
		PVCORE_HB_CALL("rep outsb", r);
		break;
	}
}

static void hb_in(enum pvcore_transport t, struct bdoor_regs *r)
{
	switch (t) {
	case PVCORE_TRANSPORT_VMCALL:
		r->rdx |= BDOOR_FLAGS_HB;
		PVCORE_HB_CALL("vmcall", r);
		break;
	case PVCORE_TRANSPORT_VMMCALL:
		r->rdx |= BDOOR_FLAGS_HB;
		PVCORE_HB_CALL("vmmcall", r);
		break;
	default:
		r->rdx |= BDOOR_HB_PORT;
		PVCORE_HB_CALL("rep insb", r);
		break;
	}
}

void pvcore_backdoor_hb(struct bdoor_regs *r, bool out)
{
	r->rax = BDOOR_MAGIC;
	r->rdx &= 0xFFFF0000u;
	if (out)
		hb_out(pvcore_host.transport, r);
	else
		hb_in(pvcore_host.transport, r);
}

bool pvcore_hb_usable(void)
{
	return pvcore_param_hb && !pvcore_host.mem_encrypted;
}

static bool cpuid_vendor_is_vmware(char vendor[13], u32 *max_leaf)
{
	u32 sig[3];

	cpuid(BDOOR_CPUID_VENDOR_LEAF, max_leaf, &sig[0], &sig[1], &sig[2]);
	memcpy(vendor, sig, 12);
	vendor[12] = '\0';
	return !memcmp(vendor, BDOOR_CPUID_VENDOR, 12);
}

/*
 * docs/protocol/backdoor-and-rpc.md A.1: OVT's order, VMCALL before VMMCALL, port when
 * neither is offered.
 */
static enum pvcore_transport select_transport(u32 max_leaf)
{
	u32 ecx;

	if (max_leaf < BDOOR_CPUID_TIMING_LEAF)
		return PVCORE_TRANSPORT_PORT;
	ecx = cpuid_ecx(BDOOR_CPUID_TIMING_LEAF);
	if (ecx & BDOOR_CPUID_ECX_VMCALL)
		return PVCORE_TRANSPORT_VMCALL;
	if (ecx & BDOOR_CPUID_ECX_VMMCALL)
		return PVCORE_TRANSPORT_VMMCALL;
	return PVCORE_TRANSPORT_PORT;
}

static bool dmi_serial_names_vmware(void)
{
	const char *serial = dmi_get_system_info(DMI_PRODUCT_SERIAL);

	return serial && strstr(serial, "VMware");
}

/*
 * docs/protocol/backdoor-and-rpc.md A.3/E1: EBX preloaded with a value the host must
 * overwrite with MAGIC.
 */
static bool getversion_probe(void)
{
	struct bdoor_regs r = {
		.rbx = ~BDOOR_MAGIC,
		.rcx = BDOOR_ECX(BDOOR_CMD_GETVERSION, 0),
	};

	pvcore_backdoor(&r);
	if ((u32)r.rbx != BDOOR_MAGIC || (u32)r.rax == BDOOR_UNSUPPORTED)
		return false;
	pvcore_host.version = (u32)r.rax;
	/* A host that does not report a type leaves our command number in ECX. */
	pvcore_host.vmx_type = (u32)r.rcx == BDOOR_CMD_GETVERSION ?
			       BDOOR_VMX_TYPE_UNSET : (u32)r.rcx;
	return true;
}

/*
 * Mirrors the stock kernel's decision (docs/protocol/backdoor-and-rpc.md A.3):
 * trust the kernel's own VMware detection, else the CPUID vendor when a
 * hypervisor is announced, else the DMI serial; in every case the backdoor
 * must answer GETVERSION.
 */
int pvcore_backdoor_detect(void)
{
	char vendor[13] = "";
	u32 max_leaf = 0;
	bool vmware_cpuid;

	vmware_cpuid = boot_cpu_has(X86_FEATURE_HYPERVISOR) &&
		       cpuid_vendor_is_vmware(vendor, &max_leaf);

	if (x86_hyper_type == X86_HYPER_VMWARE) {
		pvcore_host.detected_by = "kernel";
	} else if (vmware_cpuid) {
		pvcore_host.detected_by = "cpuid";
	} else if (boot_cpu_has(X86_FEATURE_HYPERVISOR) && !pvcore_param_force_probe) {
		pr_info("not a VMware hypervisor (CPUID vendor \"%s\"); force_probe=1 probes the port anyway\n",
			vendor);
		return -ENODEV;
	} else if (!boot_cpu_has(X86_FEATURE_HYPERVISOR) && dmi_serial_names_vmware()) {
		pvcore_host.detected_by = "dmi";
	} else if (pvcore_param_force_probe) {
		pvcore_host.detected_by = "forced";
	} else {
		pr_info("not a VMware platform (no hypervisor bit, DMI serial does not name VMware)\n");
		return -ENODEV;
	}

	pvcore_host.transport = vmware_cpuid ? select_transport(max_leaf) :
					       PVCORE_TRANSPORT_PORT;
	pvcore_host.mem_encrypted = cc_platform_has(CC_ATTR_MEM_ENCRYPT);

	if (!getversion_probe()) {
		pr_info("no VMware backdoor: GETVERSION over %s unanswered (platform found by %s)\n",
			pvcore_transport_name(pvcore_host.transport),
			pvcore_host.detected_by);
		return -ENODEV;
	}
	return 0;
}
