// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the backdoor conformance vectors of docs/protocol/backdoor-and-rpc.md F inside a
 * guest: F1-F10 against QEMU's vmport, F11-F13 and an HB round trip against
 * our host model (--model). Root only (iopl); prints KTAP through the kernel's
 * kselftest.h, exits 0 iff all pass. Built only as part of a kselftest
 * collection (make kselftest-install), where ../kselftest.h is the framework's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvtools/backdoor_abi.h"
#include "../kselftest.h"

#define NOT_MAGIC	0xFFFFFFFFu
#define FILLER		0x33333333u
#define ESI_IN		0x11111111u
#define EDI_IN		0x22222222u
#define VECTOR_COUNT	17

struct options {
	bool model;
	bool gethz;
	uint64_t ram_bytes;
	uint8_t uuid[16];
};

static void port_in(struct bdoor_regs *regs)
{
	asm volatile("inl %%dx, %%eax"
		     : "+a"(regs->rax), "+b"(regs->rbx), "+c"(regs->rcx),
		       "+d"(regs->rdx), "+S"(regs->rsi), "+D"(regs->rdi)
		     : : "memory");
}

static void port_out(struct bdoor_regs *regs)
{
	asm volatile("outl %%eax, %%dx"
		     : "+a"(regs->rax), "+b"(regs->rbx), "+c"(regs->rcx),
		       "+d"(regs->rdx), "+S"(regs->rsi), "+D"(regs->rdi)
		     : : "memory");
}

static struct bdoor_regs vector_input(uint32_t eax, uint32_t ebx, uint32_t ecx)
{
	struct bdoor_regs regs = {
		.rax = eax, .rbx = ebx, .rcx = ecx, .rdx = BDOOR_PORT,
		.rsi = ESI_IN, .rdi = EDI_IN,
	};
	return regs;
}

static const char *const reg_names[] = { "EAX", "EBX", "ECX", "EDX", "ESI", "EDI" };

static uint32_t reg32(const struct bdoor_regs *regs, int index)
{
	const __u64 *fields[] = { &regs->rax, &regs->rbx, &regs->rcx,
				  &regs->rdx, &regs->rsi, &regs->rdi };

	return (uint32_t)*fields[index];
}

/* Compares the low 32 bits of all six registers; prints each mismatch. */
static bool regs_match(const char *vector, const struct bdoor_regs *got,
		       const struct bdoor_regs *want)
{
	bool match = true;
	int i;

	for (i = 0; i < 6; i++) {
		if (reg32(got, i) == reg32(want, i))
			continue;
		printf("# %s: %s = %08x, expected %08x\n", vector, reg_names[i],
		       reg32(got, i), reg32(want, i));
		match = false;
	}
	return match;
}

static void report(bool ok, const char *name)
{
	ksft_test_result(ok, "%s\n", name);
}

/* kselftest.h's ksft_test_result_skip() has no test name: keep ours. */
static void skip(const char *name, const char *reason)
{
	ksft_inc_xskip_cnt();
	printf("ok %u %s # SKIP %s\n", ksft_test_num(), name, reason);
}

static bool expect_call(const char *vector, struct bdoor_regs in, const struct bdoor_regs *want)
{
	port_in(&in);
	return regs_match(vector, &in, want);
}

static struct bdoor_regs getversion_answer(struct bdoor_regs regs)
{
	regs.rax = BDOOR_VERSION;
	regs.rbx = BDOOR_MAGIC;
	regs.rcx = BDOOR_VMX_TYPE_ESX;
	return regs;
}

static void vector_f1(void)
{
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, NOT_MAGIC, BDOOR_CMD_GETVERSION);
	struct bdoor_regs want = getversion_answer(in);

	report(expect_call("F1", in, &want), "F1 getversion");
}

static void vector_f2(void)
{
	struct bdoor_regs in = vector_input(0x12345678, NOT_MAGIC, BDOOR_CMD_GETVERSION);
	struct bdoor_regs want = in;

	want.rax = BDOOR_UNSUPPORTED;
	report(expect_call("F2", in, &want), "F2 bad_magic");
}

/*
 * Commands QEMU does not know; our model takes over 23, 46, 55 and 97 (the
 * precise clock, which the time group tests).
 */
static void vector_f3(const struct options *options)
{
	static const uint32_t unsupported[] = {
		91, 69, 97, BDOOR_CMD_GETTIMEFULL, BDOOR_CMD_GETTIME,
		BDOOR_CMD_GETTIMEFULL_WITH_LAG,
	};
	size_t i, n = options->model ? 2 : 6;
	bool ok = true;

	for (i = 0; i < n; i++) {
		struct bdoor_regs in = vector_input(BDOOR_MAGIC, FILLER, unsupported[i]);
		struct bdoor_regs want = in;

		want.rax = BDOOR_UNSUPPORTED;
		ok &= expect_call("F3", in, &want);
	}
	report(ok, options->model ? "F3 unsupported_commands_91_69" :
				    "F3 unsupported_commands_46_23_55_91_97_69");
}

static void vector_f4(const struct options *options)
{
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, FILLER, BDOOR_CMD_GETMEMSIZE);
	struct bdoor_regs want = in;

	want.rax = (uint32_t)options->ram_bytes;
	want.rbx = BDOOR_QEMU_RAMSIZE_EBX;
	report(expect_call("F4", in, &want), "F4 getramsize");
}

static uint32_t le32_at(const uint8_t *bytes)
{
	return bytes[0] | bytes[1] << 8 | bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

static void vector_f5(const struct options *options)
{
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, FILLER, BDOOR_CMD_GETUUID);
	struct bdoor_regs want = in;

	want.rax = le32_at(options->uuid);
	want.rbx = le32_at(options->uuid + 4);
	want.rcx = le32_at(options->uuid + 8);
	want.rdx = le32_at(options->uuid + 12);
	report(expect_call("F5", in, &want), "F5 getbiosuuid");
}

/* With the model's gethz=on the success form must be plausible instead. */
static void vector_f6(const struct options *options)
{
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, FILLER, BDOOR_CMD_GETHZ);
	struct bdoor_regs want = in;
	uint64_t tsc_hz;

	if (!options->gethz) {
		want.rbx = BDOOR_GETHZ_SENTINEL;
		report(expect_call("F6", in, &want), "F6 gethz_unsupported");
		return;
	}
	port_in(&in);
	tsc_hz = (uint64_t)(uint32_t)in.rbx << 32 | (uint32_t)in.rax;
	printf("# F6: TSC %llu Hz, APIC bus %u Hz\n", (unsigned long long)tsc_hz,
	       (uint32_t)in.rcx);
	report((uint32_t)in.rbx != BDOOR_GETHZ_SENTINEL && tsc_hz > 100000000ull &&
	       tsc_hz < 100000000000ull && (uint32_t)in.rcx == 1000000000u,
	       "F6 gethz_model");
}

static void vector_f7(const struct options *options)
{
	uint32_t protocol = GUESTMSG_PROTO_RPCI | GUESTMSG_FLAG_COOKIE;
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, protocol, BDOOR_CMD_MESSAGE);
	struct bdoor_regs want = in;
	bool ok;

	if (options->model) {
		skip("F7 message_unsupported", "holds for QEMU without our device; see F11");
		return;
	}
	want.rax = BDOOR_UNSUPPORTED;
	ok = expect_call("F7", in, &want);
	in.rbx = want.rbx = GUESTMSG_PROTO_RPCI;
	ok &= expect_call("F7", in, &want);
	report(ok, "F7 message_unsupported");
}

static bool cpu_has_x2apic(void)
{
	uint32_t eax = 1, ebx, ecx = 0, edx;

	asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return ecx & (1u << 21);
}

static void vector_f8(void)
{
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, FILLER, BDOOR_CMD_GET_VCPU_INFO);
	struct bdoor_regs want = in;

	want.rax = cpu_has_x2apic() ? 1u << 3 : 0;
	report(expect_call("F8", in, &want), "F8 get_vcpu_info");
}

static void vector_f9(void)
{
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, NOT_MAGIC, 0x0001010A);
	struct bdoor_regs want = getversion_answer(in);

	report(expect_call("F9", in, &want), "F9 qemu_decodes_ecx_low_byte");
}

static void vector_f10(void)
{
	struct bdoor_regs in = vector_input(BDOOR_MAGIC, NOT_MAGIC, BDOOR_CMD_GETVERSION);
	struct bdoor_regs want = getversion_answer(in);

	port_out(&in);
	report(regs_match("F10", &in, &want), "F10 getversion_by_outl");
}

struct channel {
	uint16_t id;
	uint32_t cookie_high;
	uint32_t cookie_low;
};

static struct bdoor_regs message_input(const struct channel *channel, uint32_t ecx,
				       uint32_t ebx)
{
	struct bdoor_regs regs = vector_input(BDOOR_MAGIC, ebx, ecx);

	regs.rdx = (uint32_t)channel->id << 16 | BDOOR_PORT;
	regs.rsi = channel->cookie_high;
	regs.rdi = channel->cookie_low;
	return regs;
}

static bool open_rpci(struct channel *channel)
{
	uint32_t protocol = GUESTMSG_PROTO_RPCI | GUESTMSG_FLAG_COOKIE;
	struct bdoor_regs regs = vector_input(BDOOR_MAGIC, protocol, BDOOR_CMD_MESSAGE);

	port_in(&regs);
	channel->id = (uint32_t)regs.rdx >> 16;
	channel->cookie_high = (uint32_t)regs.rsi;
	channel->cookie_low = (uint32_t)regs.rdi;
	if (!((uint32_t)regs.rcx >> 16 & MESSAGE_STATUS_SUCCESS) ||
	    channel->id >= GUESTMSG_MAX_CHANNEL) {
		printf("# open: ECX %08x EDX %08x\n", (uint32_t)regs.rcx, (uint32_t)regs.rdx);
		return false;
	}
	return true;
}

static bool close_channel(const struct channel *channel)
{
	struct bdoor_regs regs = message_input(channel, 0x0006001E, 0);

	port_in(&regs);
	return ((uint32_t)regs.rcx >> 16) == MESSAGE_STATUS_SUCCESS;
}

static void vector_f11(void)
{
	struct channel channel;
	bool ok = open_rpci(&channel);

	printf("# F11: id %u cookies %08x %08x\n", channel.id, channel.cookie_high,
	       channel.cookie_low);
	ok &= channel.cookie_high != ESI_IN || channel.cookie_low != EDI_IN;
	ok &= close_channel(&channel);
	report(ok, "F11 message_open_rpci_cookie");
}

struct message_step {
	uint32_t ecx;
	uint32_t ebx;
	uint16_t status;
	int edx_high;		/* -1: not checked */
	int64_t ebx_out;	/* -1: not checked */
};

/*
 * docs/protocol/backdoor-and-rpc.md F12: "log hi" over LB, each step's registers exactly.
 * A host may also offer the HB bit (our model's hb=on); F12 deliberately
 * stays on LB, which such a host must still accept, so that one bit is
 * ignored.
 */
static void vector_f12(void)
{
	static const struct message_step steps[] = {
		{ 0x0001001E, 6, 0x0001, -1, -1 },
		{ 0x0002001E, 0x20676F6C, 0x0001, -1, -1 },
		{ 0x0002001E, 0x00006968, 0x0001, -1, -1 },
		{ 0x0003001E, 0, 0x0003, 0x0001, 2 },
		{ 0x0004001E, 1, 0x0001, 0x0002, 0x00002031 },
		{ 0x0005001E, 1, 0x0001, -1, -1 },
		{ 0x0006001E, 0, 0x0001, -1, -1 },
	};
	struct channel channel;
	bool ok = open_rpci(&channel);
	size_t i;

	for (i = 0; ok && i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct bdoor_regs regs = message_input(&channel, steps[i].ecx, steps[i].ebx);
		bool step_ok;

		port_in(&regs);
		if ((uint32_t)regs.rcx >> 16 & MESSAGE_STATUS_HB)
			printf("# F12 step %zu: host offers HB, staying on LB\n", i);
		step_ok = ((uint32_t)regs.rcx >> 16 & ~MESSAGE_STATUS_HB) == steps[i].status &&
			  (steps[i].edx_high < 0 ||
			   ((uint32_t)regs.rdx >> 16) == (uint32_t)steps[i].edx_high) &&
			  (steps[i].ebx_out < 0 || (uint32_t)regs.rbx == steps[i].ebx_out);
		if (!step_ok)
			printf("# F12 step %zu (ECX %08x): ECX %08x EDX %08x EBX %08x\n", i,
			       steps[i].ecx, (uint32_t)regs.rcx, (uint32_t)regs.rdx,
			       (uint32_t)regs.rbx);
		ok &= step_ok;
	}
	report(ok, "F12 rpci_log_hi_lb");
}

static void vector_f13(void)
{
	struct bdoor_regs regs = vector_input(BDOOR_MAGIC, NOT_MAGIC,
					      BDOOR_CMD_GETTIMEFULL_WITH_LAG);
	uint64_t seconds;
	struct timeval now;
	bool ok;

	port_in(&regs);
	gettimeofday(&now, NULL);
	seconds = (uint64_t)(uint32_t)regs.rsi << 32 | (uint32_t)regs.rdx;
	printf("# F13: host %llu.%06u s, guest %lld s, max lag %u us, interrupt lag %u us\n",
	       (unsigned long long)seconds, (uint32_t)regs.rbx, (long long)now.tv_sec,
	       (uint32_t)regs.rcx, (uint32_t)regs.rdi);
	ok = (uint32_t)regs.rax == BDOOR_MAGIC && (uint32_t)regs.rbx < 1000000 &&
	     seconds > 1000000000ull && seconds < (1ull << 40) &&
	     (uint32_t)regs.rcx < 1000000000u && (uint32_t)regs.rdi < 1000000000u;
	report(ok, "F13 gettimefull_with_lag");
}

/*
 * HB transfers: `rep outsb` / `rep insb` on BDOOR_HB_PORT. EBP carries a
 * cookie, so it is swapped in and out around the instruction instead of
 * being pushed (the red zone below RSP may be live in this leaf function).
 */
static uint16_t hb_send(const struct channel *channel, const void *buf, size_t len)
{
	uint64_t rbx = (uint32_t)MESSAGE_STATUS_SUCCESS << 16 | BDOORHB_CMD_MESSAGE;
	uint64_t rcx = len, rdx = (uint32_t)channel->id << 16 | BDOOR_HB_PORT;
	uint64_t rsi = (uintptr_t)buf, rdi = channel->cookie_low;
	uint64_t rbp = channel->cookie_high;

	asm volatile("xchg %[bp], %%rbp\n\tcld\n\trep outsb\n\txchg %[bp], %%rbp"
		     : "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi), [bp] "+r"(rbp)
		     : "a"((uint64_t)BDOOR_MAGIC) : "memory", "cc");
	return (uint32_t)rbx >> 16;
}

static uint16_t hb_receive(const struct channel *channel, void *buf, size_t len)
{
	uint64_t rbx = (uint32_t)MESSAGE_STATUS_SUCCESS << 16 | BDOORHB_CMD_MESSAGE;
	uint64_t rcx = len, rdx = (uint32_t)channel->id << 16 | BDOOR_HB_PORT;
	uint64_t rsi = channel->cookie_high, rdi = (uintptr_t)buf;
	uint64_t rbp = channel->cookie_low;

	asm volatile("xchg %[bp], %%rbp\n\tcld\n\trep insb\n\txchg %[bp], %%rbp"
		     : "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi), [bp] "+r"(rbp)
		     : "a"((uint64_t)BDOOR_MAGIC) : "memory", "cc");
	return (uint32_t)rbx >> 16;
}

static uint16_t message_status(const struct channel *channel, uint32_t subcommand,
			       uint32_t ebx, struct bdoor_regs *out)
{
	*out = message_input(channel, BDOOR_ECX(BDOOR_CMD_MESSAGE, subcommand), ebx);
	port_in(out);
	return (uint32_t)out->rcx >> 16;
}

/* One RPCI request and reply, both through the HB port; -1 if HB is not offered. */
static int hb_exchange(const struct channel *channel, const char *request,
		       char *reply, size_t size)
{
	struct bdoor_regs regs;
	uint32_t len = strlen(request);
	uint16_t status;

	status = message_status(channel, MESSAGE_TYPE_SENDSIZE, len, &regs);
	if (!(status & MESSAGE_STATUS_HB))
		return -1;
	if (!(status & MESSAGE_STATUS_SUCCESS) ||
	    !(hb_send(channel, request, len) & MESSAGE_STATUS_SUCCESS))
		return -2;
	status = message_status(channel, MESSAGE_TYPE_RECVSIZE, 0, &regs);
	len = (uint32_t)regs.rbx;
	if ((status & (MESSAGE_STATUS_SUCCESS | MESSAGE_STATUS_DORECV | MESSAGE_STATUS_HB)) !=
	    (MESSAGE_STATUS_SUCCESS | MESSAGE_STATUS_DORECV | MESSAGE_STATUS_HB) ||
	    ((uint32_t)regs.rdx >> 16) != GUESTMSG_REPLY_TYPE_SIZE || len >= size)
		return -2;
	if (!(hb_receive(channel, reply, len) & MESSAGE_STATUS_SUCCESS))
		return -2;
	reply[len] = '\0';
	status = message_status(channel, MESSAGE_TYPE_RECVSTATUS, 1, &regs);
	return status & MESSAGE_STATUS_SUCCESS ? 0 : -2;
}

/* Not a vector of docs/protocol/backdoor-and-rpc.md F: the model's HB port, as OVT uses it. */
static void vector_hb(void)
{
	static const char value[] = "0123456789abcdefghijklmnopqrstuvwxyz-HB-roundtrip";
	char request[128], reply[128];
	struct channel channel;
	int result = -2;

	if (open_rpci(&channel)) {
		snprintf(request, sizeof(request), "info-set guestinfo.bdoor-vectors %s", value);
		result = hb_exchange(&channel, request, reply, sizeof(reply));
		if (!result && strcmp(reply, "1 "))
			result = -2;
		if (!result)
			result = hb_exchange(&channel, "info-get guestinfo.bdoor-vectors",
					     reply, sizeof(reply));
		if (!result && (strncmp(reply, "1 ", 2) || strcmp(reply + 2, value)))
			result = -2;
		close_channel(&channel);
	}
	/* Our model offers HB (hb=on) wherever --model runs: no HB is a failure. */
	if (result == -1)
		printf("# host does not offer HB\n");
	report(!result, "HB rpci_over_hb_port");
}

/*
 * HB receives into pages the guest maps read-only although they are
 * writable to the process: the string instruction must take the guest's
 * page fault there, as on a real CPU, so a copy-on-write page is copied
 * before it changes, the zero page stays zero and a private file mapping
 * never writes the file. The reply straddles two pages: the CPU's own
 * access to the first byte already resolves the first page's fault, so the
 * second page is the one the host must not write behind the guest's back.
 */
static const char hb_shared_value[] = "HB-into-a-shared-page:0123456789abcdefghijklmnopqrstuvwxyz";

static int hb_get_into(char *reply, size_t size)
{
	char request[128], scratch[128];
	struct channel channel;
	int result;

	if (!open_rpci(&channel))
		return -2;
	snprintf(request, sizeof(request), "info-set guestinfo.bdoor-vectors %s",
		 hb_shared_value);
	result = hb_exchange(&channel, request, scratch, sizeof(scratch));
	if (!result)
		result = hb_exchange(&channel, "info-get guestinfo.bdoor-vectors", reply, size);
	if (!result && (strncmp(reply, "1 ", 2) || strcmp(reply + 2, hb_shared_value)))
		result = -2;
	close_channel(&channel);
	return result;
}

static bool all_bytes(const char *p, size_t len, char value)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != value)
			return false;
	return true;
}

static void report_hb(int result, bool ok, const char *name)
{
	if (result == -1)
		printf("# host does not offer HB\n");
	report(!result && ok, name);
}

static void *map_anonymous(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

#define STRADDLE	16

static void vector_hb_cow(void)
{
	size_t page = sysconf(_SC_PAGESIZE), len = 2 * page;
	int go[2], answer[2], result = -2;
	char verdict = 'x', *buf;
	pid_t child;

	buf = map_anonymous(len);
	if (!buf || pipe(go) || pipe(answer)) {
		report(false, "HB receive_into_copy_on_write_page");
		return;
	}
	memset(buf, 'C', len);
	child = fork();
	if (child == 0) {
		char c;

		verdict = read(go[0], &c, 1) == 1 && all_bytes(buf, len, 'C') ? 'y' : 'n';
		_exit(write(answer[1], &verdict, 1) == 1 ? 0 : 1);
	}
	if (child > 0) {
		result = hb_get_into(buf + page - STRADDLE, page + STRADDLE);
		if (write(go[1], "g", 1) != 1 || read(answer[0], &verdict, 1) != 1)
			verdict = 'x';
		waitpid(child, NULL, 0);
	}
	if (verdict != 'y')
		printf("# the child's copy changed (%c): the host wrote a shared page\n", verdict);
	report_hb(result, verdict == 'y', "HB receive_into_copy_on_write_page");
	munmap(buf, len);
}

static void vector_hb_zero_page(void)
{
	size_t page = sysconf(_SC_PAGESIZE), len = 2 * page;
	char *buf = map_anonymous(len), *fresh = map_anonymous(page);
	volatile char sink;
	int result = -2;
	bool zero;

	if (!buf || !fresh) {
		report(false, "HB receive_into_zero_page_mapping");
		return;
	}
	/* Read faults map the shared zero page, read-only. */
	sink = buf[0];
	sink = buf[page];
	(void)sink;
	result = hb_get_into(buf + page - STRADDLE, page + STRADDLE);
	zero = all_bytes(fresh, page, 0);
	if (!zero)
		printf("# a fresh anonymous page is not zero: the host wrote the zero page\n");
	report_hb(result, zero, "HB receive_into_zero_page_mapping");
	munmap(buf, len);
	munmap(fresh, page);
}

static void vector_hb_file_mapping(void)
{
	static const char name[] = "/tmp/bdoor-vectors-hb-file";
	size_t page = sysconf(_SC_PAGESIZE), len = 2 * page;
	char *file_bytes = malloc(len), *map = NULL;
	volatile char sink;
	int fd, result = -2;
	bool unchanged = false;

	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && file_bytes) {
		memset(file_bytes, 'F', len);
		if (pwrite(fd, file_bytes, len, 0) == (ssize_t)len)
			map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	}
	if (map && map != MAP_FAILED) {
		/* Read faults map the file's page-cache pages, read-only. */
		sink = map[0];
		sink = map[page];
		(void)sink;
		result = hb_get_into(map + page - STRADDLE, page + STRADDLE);
		unchanged = pread(fd, file_bytes, len, 0) == (ssize_t)len &&
			    all_bytes(file_bytes, len, 'F');
		if (!unchanged)
			printf("# the file changed: the host wrote its page cache\n");
		munmap(map, len);
	}
	report_hb(result, unchanged, "HB receive_into_private_file_mapping");
	if (fd >= 0) {
		close(fd);
		unlink(name);
	}
	free(file_bytes);
}

static int parse_uuid(const char *text, uint8_t uuid[16])
{
	int count = 0;

	for (; *text && count < 16; text++) {
		unsigned int byte;

		if (*text == '-')
			continue;
		if (sscanf(text, "%2x", &byte) != 1 || !text[1])
			return -1;
		uuid[count++] = byte;
		text++;
	}
	return count == 16 && !*text ? 0 : -1;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--model] [--gethz] [--ram-bytes N] [--uuid UUID]\n", argv0);
	exit(2);
}

static void parse_options(int argc, char **argv, struct options *options)
{
	static const struct option long_options[] = {
		{ "model", no_argument, NULL, 'm' },
		{ "gethz", no_argument, NULL, 'g' },
		{ "ram-bytes", required_argument, NULL, 'r' },
		{ "uuid", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	int option;

	options->ram_bytes = 128ull << 20;
	parse_uuid("12345678-9abc-def0-1122-334455667788", options->uuid);
	while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (option) {
		case 'm':
			options->model = true;
			break;
		case 'g':
			options->gethz = true;
			break;
		case 'r':
			options->ram_bytes = strtoull(optarg, NULL, 0);
			break;
		case 'u':
			if (parse_uuid(optarg, options->uuid))
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}
}

int main(int argc, char **argv)
{
	struct options options = { 0 };

	parse_options(argc, argv, &options);
	ksft_print_header();
	ksft_set_plan(options.model ? VECTOR_COUNT : 10);
	if (iopl(3))
		ksft_exit_fail_msg("need root and an x86 I/O privilege level: %s\n",
				   strerror(errno));
	vector_f1();
	vector_f2();
	vector_f3(&options);
	vector_f4(&options);
	vector_f5(&options);
	vector_f6(&options);
	vector_f7(&options);
	vector_f8();
	vector_f9();
	vector_f10();
	if (options.model) {
		vector_f11();
		vector_f12();
		vector_f13();
		vector_hb();
		vector_hb_cow();
		vector_hb_zero_page();
		vector_hb_file_mapping();
	}
	ksft_finished();
}
