/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * VMware backdoor and guest message channel ABI, shared by the guest
 * modules and the emulated host models. One definition of every constant;
 * usable from kernel code and from userspace C (QEMU, unit tests, tools).
 *
 * Facts: docs/protocol/backdoor-and-rpc.md A.1-A.7, B.1-B.10 and B.12.
 */
#ifndef PVTOOLS_BACKDOOR_ABI_H
#define PVTOOLS_BACKDOOR_ABI_H

#include <linux/types.h>

/* Magic in EAX on every call; also the "present" answer in EBX. */
#define BDOOR_MAGIC			0x564D5868u
/* Low-bandwidth (one register per call) and high-bandwidth (string I/O) ports. */
#define BDOOR_PORT			0x5658u
#define BDOOR_HB_PORT			0x5659u

/* Hypercall flags in EDX.lo when VMCALL/VMMCALL is used instead of a port. */
#define BDOOR_FLAGS_LB			0x0u
#define BDOOR_FLAGS_HB			0x1u
#define BDOOR_FLAGS_WRITE		0x2u

/* CPUID leaves describing the hypervisor. */
#define BDOOR_CPUID_VENDOR_LEAF		0x40000000u
#define BDOOR_CPUID_TIMING_LEAF		0x40000010u
#define BDOOR_CPUID_VENDOR		"VMwareVMware"
#define BDOOR_CPUID_ECX_VMMCALL		(1u << 0)
#define BDOOR_CPUID_ECX_VMCALL		(1u << 1)

/* Low-bandwidth commands: ECX.lo. */
#define BDOOR_CMD_GETMHZ		1u
#define BDOOR_CMD_GETVERSION		10u
#define BDOOR_CMD_GETHWVERSION		17u
#define BDOOR_CMD_GETUUID		19u
#define BDOOR_CMD_GETMEMSIZE		20u
#define BDOOR_CMD_GETTIME		23u
#define BDOOR_CMD_STOPCATCHUP		24u
#define BDOOR_CMD_MESSAGE		30u
#define BDOOR_CMD_GETHZ			45u
#define BDOOR_CMD_GETTIMEFULL		46u
#define BDOOR_CMD_GETTIMEFULL_WITH_LAG	55u
#define BDOOR_CMD_GET_VCPU_INFO		68u
#define BDOOR_CMD_STEALCLOCK		91u
#define BDOOR_CMD_PRECISIONCLOCK	97u
#define BDOOR_CMD_GETBUILDNUM		100u

/* Command and sub-command fields of ECX. */
#define BDOOR_CMD(ecx)			((ecx) & 0xFFFFu)
#define BDOOR_SUBCMD(ecx)		((ecx) >> 16)
#define BDOOR_ECX(cmd, sub)		(((__u32)(sub) << 16) | (cmd))

/*
 * The high half of EDX: a message call's channel id on entry (the low
 * half is the port or the hypercall flags); OPEN's channel id and
 * RECVSIZE's reply type on return.
 */
#define BDOOR_EDX_HI(edx)		((__u32)(edx) >> 16)
#define BDOOR_EDX(hi, lo)		(((__u32)(hi) << 16) | (lo))

/* GETVERSION answer: protocol version in EAX, VMX type in ECX. */
#define BDOOR_VERSION			6u
#define BDOOR_VMX_TYPE_UNSET		0u
#define BDOOR_VMX_TYPE_ESX		2u
#define BDOOR_VMX_TYPE_WORKSTATION	4u
/* Value an unsupported command leaves in EAX on current hosts. */
#define BDOOR_UNSUPPORTED		0xFFFFFFFFu

/* High-bandwidth commands: EBX.lo of a string I/O call. */
#define BDOORHB_CMD_MESSAGE		0u
#define BDOORHB_CMD_VASSERT		1u

/* Guest message channel: sub-commands of BDOOR_CMD_MESSAGE in ECX.hi. */
#define MESSAGE_TYPE_OPEN		0u
#define MESSAGE_TYPE_SENDSIZE		1u
#define MESSAGE_TYPE_SENDPAYLOAD	2u
#define MESSAGE_TYPE_RECVSIZE		3u
#define MESSAGE_TYPE_RECVPAYLOAD	4u
#define MESSAGE_TYPE_RECVSTATUS		5u
#define MESSAGE_TYPE_CLOSE		6u

/* Status bits returned in ECX.hi (LB) or EBX.hi (HB). */
#define MESSAGE_STATUS_SUCCESS		0x0001u
#define MESSAGE_STATUS_DORECV		0x0002u
#define MESSAGE_STATUS_CLOSED		0x0004u
#define MESSAGE_STATUS_UNSENT		0x0008u
#define MESSAGE_STATUS_CPT		0x0010u
#define MESSAGE_STATUS_POWEROFF		0x0020u
#define MESSAGE_STATUS_TIMEOUT		0x0040u
#define MESSAGE_STATUS_HB		0x0080u

/* Only the SUCCESS bit of a guest-supplied status is meaningful. */
#define MESSAGE_STATUS_GUEST_MASK	MESSAGE_STATUS_SUCCESS

/* Protocols named at OPEN (EBX); the cookie flag asks for cookies in ESI/EDI. */
#define GUESTMSG_PROTO_RPCI		0x49435052u	/* "RPCI" */
#define GUESTMSG_PROTO_TCLO		0x4F4C4354u	/* "TCLO" */
#define GUESTMSG_FLAG_COOKIE		0x80000000u

/* EDX.hi after RECVSIZE / RECVPAYLOAD: the type of what the host answered. */
#define GUESTMSG_REPLY_TYPE_SIZE	MESSAGE_TYPE_SENDSIZE
#define GUESTMSG_REPLY_TYPE_PAYLOAD	MESSAGE_TYPE_SENDPAYLOAD

/* Limits: channel ids below this, and messages of at most this many bytes. */
#define GUESTMSG_MAX_CHANNEL		128u
#define GUESTMSG_MAX_IN_SIZE		65536u

/* RPCI replies start with one of these; TCLO results likewise. */
#define RPCI_REPLY_SUCCESS		"1 "
#define RPCI_REPLY_FAILURE		"0 "
#define RPCI_UNKNOWN_COMMAND		"Unknown command"
#define TCLO_RESULT_OK			"OK "
#define TCLO_RESULT_ERROR		"ERROR "
#define TCLO_UNKNOWN_COMMAND		"ERROR Unknown Command"
#define TCLO_BAD_COMMAND		"ERROR Bad command"

/* GETHZ: EBX is preloaded with this sentinel; a host that fails leaves it. */
#define BDOOR_GETHZ_SENTINEL		0xFFFFFFFFu

/*
 * One backdoor call's registers, as the guest loads them and the host
 * answers them. Only bits 31..0 matter for LB calls; the HB address and
 * length registers (RSI, RDI, RCX) are full width.
 */
struct bdoor_regs {
	__u64 rax;
	__u64 rbx;
	__u64 rcx;
	__u64 rdx;
	__u64 rsi;
	__u64 rdi;
	__u64 rbp;
};

/* QEMU's GETRAMSIZE answer: EBX is set to this marker (docs/protocol/backdoor-and-rpc.md A.6). */
#define BDOOR_QEMU_RAMSIZE_EBX		0x00001177u

/* RPCI requests (guest -> host): "<command> <arguments>". */
#define RPCI_CMD_LOG			"log"
#define RPCI_CMD_INFO_SET		"info-set"
#define RPCI_CMD_INFO_GET		"info-get"
#define RPCI_CMD_TOOLS_SET_VERSION	"tools.set.version"
#define RPCI_CMD_TOOLS_SET_VERSIONTYPE	"tools.set.versiontype"
#define RPCI_CMD_UNIFIED_LOOP		"vmx.capability.unified_loop"
#define RPCI_CMD_TOOLS_CAPABILITY	"tools.capability."
/* The only variables a guest may set or read with info-set / info-get. */
#define GUESTINFO_KEY_PREFIX		"guestinfo."

/* TCLO commands (host -> guest) every agent answers. */
#define TCLO_CMD_PING			"ping"
#define TCLO_CMD_RESET			"reset"

/*
 * Host time services (docs/protocol/time.md D.1, D.4, D.7). GETTIME fails with EAX =
 * BDOOR_UNSUPPORTED; GETTIMEFULL(_WITH_LAG) succeed only with EAX left at
 * BDOOR_MAGIC; PRECISIONCLOCK answers EAX = 0 and ns in EBX:ECX.
 */
#define BDOOR_USEC_PER_SEC		1000000u
#define BDOOR_PRECISIONCLOCK_GETTIME	0u
#define BDOOR_PRECISIONCLOCK_SETTIME	1u
#define BDOOR_PRECISIONCLOCK_ADJTIME	2u
#define BDOOR_PRECISIONCLOCK_ADJFREQ	3u
#define BDOOR_PRECISIONCLOCK_OK		0u
/* ACPI _HID of the precise clock device (in-tree ptp_vmw binds to it). */
#define BDOOR_PRECISIONCLOCK_ACPI_HID	"VMW0005"
/* TCLO one-shot time sync; argument "1" allows stepping backward. */
#define TCLO_CMD_TIME_SYNCHRONIZE	"Time_Synchronize"

#endif /* PVTOOLS_BACKDOOR_ABI_H */
