/*
 * The fast path's inline copy between two address spaces: the kernel reads
 * the sender's bytes through the sender's own mappings (a page fault there
 * only makes the read fail: the general path then faults the page in) and
 * the receiver writes them through its own. Against the echo helper (another
 * task), checked: every size up to the fast limit and past it, buffers
 * across a page boundary, a source on pages never touched (wholly or from
 * the middle on), sources the general path refuses (unmapped, the kernel,
 * a wrapping range, just below the top of user space) give -ERR_FAULT and
 * leave the server serving; a receive buffer mapped read-only gets
 * -ERR_FAULT as the general path gives it, and the message waits for a
 * receive that can take it; the kernel's invariants hold afterwards.
 */
#include "ipc_util.h"

#include <abi/page.h>
#include <abi/syscall.h>
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <stddef.h>

#define FC_KERNEL_ADDR 0xffff800000001000ull
#define FC_UNMAPPED_ADDR 0x0000700000000000ull
#define FC_USER_TOP 0x0000800000000000ull
#define FC_ID_RO 0x601u /* the request the read-only receiver must not take */

static struct ipc_message fc_msg;

/* A struct ipc_message whose inline bytes start @before bytes ahead of page @page of @base. */
static struct ipc_message *fc_msg_at(long base, unsigned page, unsigned before)
{
    return (struct ipc_message *)(base + page * PAGE_SIZE - before -
                                  offsetof(struct ipc_message, ext));
}

/* Call the echo helper with @n bytes at @m, the first @set of them (i * 7 + 3), the rest as they
 * are. */
static long fc_echo(port_name_t svc, struct ipc_message *m, uint32_t n, uint32_t set)
{
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_BYTES);
    uint8_t *b = ipc_inline(m); /* (after the init: it depends on ndesc) */
    for (uint32_t i = 0; i < set; i++)
        b[i] = (uint8_t)(i * 7 + 3);
    ipc_set_inline(m, n);
    return ipc_call(m, TEST_WAIT);
}

/* The echo of fc_echo(@n, @set) in @m: bytes ^ 0x5a, untouched (zero) ones 0x5a. */
static bool fc_echo_ok(struct ipc_message *m, long err, uint32_t n, uint32_t set)
{
    const uint8_t *b = ipc_inline(m);

    if (err || m->id != (IPCT_ID_BYTES | IPC_ID_REPLY) || m->w[0] != n || m->ext_size != n)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)((i < set ? (uint8_t)(i * 7 + 3) : 0) ^ 0x5a))
            return false;
    return true;
}

/* Sizes around the fast limit (1 KiB), in a buffer that crosses a page boundary or not. */
static void fc_check_sizes(port_name_t svc)
{
    static const uint32_t sizes[] = {1, 7, 8, 63, 64, 100, 512, 1023, 1024, 1025, 2048};
    long base = sys_vm_allocate(4 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (!TEST_CHECK(base > 0, "allocate: %s", err_text(base)))
        return;
    memset((void *)base, 1, 4 * PAGE_SIZE); /* every page resident */
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct ipc_message *m = fc_msg_at(base, 2, 0);
        long err = fc_echo(svc, m, sizes[i], sizes[i]);
        TEST_CHECK(fc_echo_ok(m, err, sizes[i], sizes[i]), "%u bytes: %s", (unsigned)sizes[i],
                   err_text(err));
        m = fc_msg_at(base, 2, sizes[i] / 2); /* half on each side of the boundary */
        err = fc_echo(svc, m, sizes[i], sizes[i]);
        TEST_CHECK(fc_echo_ok(m, err, sizes[i], sizes[i]), "%u bytes across a page: %s",
                   (unsigned)sizes[i], err_text(err));
    }
    sys_vm_deallocate((void *)base, 4 * PAGE_SIZE);
}

/*
 * Inline bytes on a page never touched (the kernel's read faults and the
 * general path faults the page in: zeros), wholly or from byte @set on.
 */
static void fc_check_untouched(port_name_t svc, uint32_t n, uint32_t set)
{
    long base = sys_vm_allocate(3 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (!TEST_CHECK(base > 0, "allocate: %s", err_text(base)))
        return;
    struct ipc_message *m = fc_msg_at(base, 1, set); /* page 1 starts after @set bytes */
    long err = fc_echo(svc, m, n, set);
    TEST_CHECK(fc_echo_ok(m, err, n, set), "%u bytes, untouched after %u: %s", (unsigned)n,
               (unsigned)set, err_text(err));
    sys_vm_deallocate((void *)base, 3 * PAGE_SIZE);
}

/* A raw call to @svc with @size bytes of extension at @ext (no struct ipc_message). */
static long fc_raw_call(port_name_t svc, uint64_t ext, uint32_t size)
{
    long ret = SYS_IPC;
    register uint64_t ext_r __asm__("r10") = ext;
    register uint64_t sizes __asm__("r8") = size | (uint64_t)64 << 32;
    register uint64_t timeout __asm__("r9") = TEST_WAIT;
    uint64_t names = svc, tag = IPC_TAG(IPCT_ID_BYTES, IPC_DISP_COPY_SEND, 0, 0);

    __asm__ volatile("syscall"
                     : "+a"(ret), "+S"(names), "+d"(tag), "+r"(sizes)
                     : "D"((uint64_t)(IPC_CALL | IPC_SEND | IPC_RECV)), "r"(ext_r), "r"(timeout)
                     : "rcx", "r11", "r12", "r13", "r14", "r15", "memory");
    return ret;
}

/* Sources the general path refuses: the same -ERR_FAULT, and the server still answers. */
static void fc_check_bad_sources(port_name_t svc)
{
    static const struct {
        uint64_t ext;
        const char *what;
    } cases[] = {
        {FC_UNMAPPED_ADDR, "unmapped"},
        {FC_KERNEL_ADDR, "a kernel address"},
        {~0ull - 16, "a wrapping range"},
        {FC_USER_TOP - 32, "across the top of user space"},
        {FC_USER_TOP - 64, "the last bytes of user space (unmapped)"},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long err = fc_raw_call(svc, cases[i].ext, 64);
        TEST_CHECK(err == -ERR_FAULT, "a source at %s: %s", cases[i].what, err_text(err));
        err = fc_echo(svc, &fc_msg, 64, 64);
        TEST_CHECK(fc_echo_ok(&fc_msg, err, 64, 64), "a call after %s: %s", cases[i].what,
                   err_text(err));
    }
}

static port_name_t fc_ro_port;
static struct ipc_message *fc_ro_buf;                   /* on a page mapped read-only */
static struct ipc_message fc_ro_good;                   /* the second receive's buffer */
static volatile long fc_ro_first = 1, fc_ro_second = 1; /* the two receives' results */
static volatile unsigned fc_ro_waiting;

/*
 * Receive into the read-only buffer (-ERR_FAULT expected: the message
 * stays queued), then into a good one, and answer with the bytes ^ 0x5a.
 */
static void fc_ro_receiver(void *arg)
{
    struct ipc_message *g = &fc_ro_good;
    (void)arg;

    __atomic_store_n(&fc_ro_waiting, 1, __ATOMIC_SEQ_CST);
    fc_ro_first = ipc_recv(fc_ro_buf, fc_ro_port, TEST_WAIT);
    fc_ro_second = ipc_recv(g, fc_ro_port, 0);
    if (fc_ro_second != 0)
        return;
    uint32_t n = ipc_inline_size(g);
    uint8_t *b = ipc_inline(g);
    for (uint32_t i = 0; i < n; i++)
        b[i] ^= 0x5a;
    uint64_t count = n;
    ipc_msg_init(g, g->remote, IPC_DISP_MOVE_SEND_ONCE, IPCT_ID_BYTES | IPC_ID_REPLY);
    g->w[0] = count;
    ipc_set_inline(g, n);
    fc_ro_second = ipc_send(g, 0);
}

static void fc_check_readonly_receiver(void)
{
    long base = sys_vm_allocate(2 * PAGE_SIZE, VM_PROT_READ);

    if (!TEST_CHECK(base > 0, "allocate: %s", err_text(base)) ||
        !TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &fc_ro_port) == 0 &&
                        port_insert_send(fc_ro_port) == 0,
                    "a port"))
        return;
    for (long p = base; p < base + 2 * (long)PAGE_SIZE; p += PAGE_SIZE)
        (void)*(volatile uint8_t *)p; /* mapped, read-only */
    fc_ro_buf = (struct ipc_message *)base;
    long t = thread_start(fc_ro_receiver, NULL, 16 * 1024);
    if (!TEST_CHECK(t > 0, "receiver thread: %s", err_text(t)))
        return;
    while (!__atomic_load_n(&fc_ro_waiting, __ATOMIC_SEQ_CST))
        sys_yield();
    sys_yield(); /* most likely it waits in its receive now (either way the result is the same) */
    struct ipc_message *m = &fc_msg;
    ipc_msg_init(m, fc_ro_port, IPC_DISP_COPY_SEND, IPCT_ID_BYTES);
    for (uint32_t i = 0; i < 64; i++)
        ((uint8_t *)ipc_inline(m))[i] = (uint8_t)(i * 7 + 3);
    ipc_set_inline(m, 64);
    long err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(fc_ro_first == -ERR_FAULT, "a read-only receive buffer: %s", err_text(fc_ro_first));
    TEST_CHECK(fc_ro_second == 0 && fc_echo_ok(m, err, 64, 64),
               "the message waited for the second receive: %s, %s", err_text(fc_ro_second),
               err_text(err));
    port_destroy(fc_ro_port);
}

int main(void)
{
    port_name_t svc;
    long task = ipct_spawn_helper("echo", &svc);

    if (!TEST_CHECK(task >= 0 && svc != PORT_NULL, "spawn helper: %s", err_text(task)))
        return test_report("test_ipc_fastcopy");
    fc_check_sizes(svc);
    fc_check_untouched(svc, 64, 0);
    fc_check_untouched(svc, 64, 20);
    fc_check_untouched(svc, 1024, 1000);
    fc_check_bad_sources(svc);
    fc_check_readonly_receiver();
    TEST_CHECK(fc_echo(svc, &fc_msg, 16, 16) == 0, "the helper still answers");
    ipc_msg_init(&fc_msg, svc, IPC_DISP_COPY_SEND, IPCT_ID_QUIT);
    TEST_CHECK(ipc_call(&fc_msg, TEST_WAIT) == 0, "quit");
    port_deallocate(svc);
    ipct_wait_child(task);
    char why[128] = "";
    long err = sys_kernel_check(ipc_host_port, why, sizeof(why));
    TEST_CHECK(err == 0, "kernel check: %s (%s)", err_text(err), why);
    return test_report("test_ipc_fastcopy");
}
