/*
 * Bad input to the IPC system calls: each case gets its specific error code,
 * changes nothing (rights and queued messages stay as they were) and crashes
 * nothing: invalid and stale names, rights not held or of the wrong type,
 * oversized and truncated messages, unmapped and kernel-half buffers, pages
 * the sender does not own, garbage descriptors and options, a flood at a
 * full queue, and a receiver that dies under blocked senders. Raw SYS_IPC
 * calls reach the register fields that ipc_msg() always fills in correctly.
 */
#include "ipc_util.h"

#include <abi/syscall.h>
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>

#define KERNEL_ADDR 0xffff800000001000ull
#define UNMAPPED_ADDR 0x0000700000000000ull

static struct ipc_message bad_msg;
static uint8_t bad_buf[IPC_EXT_MAX] __attribute__((aligned(16)));
static volatile long bad_blocked_result = 1;

/* The registers of SYS_IPC (see abi/ipc.h). */
struct raw_ipc {
    uint64_t opt, names, tag, ext, sizes, timeout;
};

/* SYS_IPC with exactly @r's registers and zero payload words; @r gets the received ones. */
static long raw_ipc(struct raw_ipc *r)
{
    long ret = SYS_IPC;
    register uint64_t ext __asm__("r10") = r->ext;
    register uint64_t sizes __asm__("r8") = r->sizes;
    register uint64_t timeout __asm__("r9") = r->timeout;
    register uint64_t w0 __asm__("r12") = 0;

    __asm__ volatile("syscall"
                     : "+a"(ret), "+S"(r->names), "+d"(r->tag), "+r"(sizes), "+r"(w0)
                     : "D"(r->opt), "r"(ext), "r"(timeout)
                     : "rcx", "r11", "r13", "r14", "r15", "memory");
    r->sizes = sizes;
    return ret;
}

/* A raw poll-send to @remote (disposition @disp) with @ndesc and @size bytes of ext at @ext. */
static long raw_send(port_name_t remote, unsigned disp, unsigned ndesc, uint64_t ext, uint64_t size)
{
    struct raw_ipc r = {IPC_SEND, remote, IPC_TAG(IPCT_ID_PING, disp, 0, ndesc), ext, size, 0};
    return raw_ipc(&r);
}

/* A raw poll-receive on @name into @ext with @capacity bytes; extension size in *@got. */
static long raw_recv(port_name_t name, uint64_t ext, uint32_t capacity, uint32_t *got)
{
    struct raw_ipc r = {IPC_RECV | (uint64_t)name << 32, 0, 0, ext, (uint64_t)capacity << 32, 0};
    long err = raw_ipc(&r);

    *got = (uint32_t)r.sizes;
    return err;
}

static unsigned bad_refs(port_name_t name, unsigned *rights)
{
    unsigned refs = 0;

    *rights = 0;
    port_get_rights(name, rights, &refs);
    return refs;
}

static void bad_check_names(port_name_t p)
{
    struct ipc_message *m = &bad_msg;
    port_name_t stale;
    unsigned rights;

    TEST_CHECK(raw_send(0x12345, IPC_DISP_COPY_SEND, 0, 0, 0) == -ERR_NAME, "invalid name");
    TEST_CHECK(raw_send(PORT_NULL, IPC_DISP_COPY_SEND, 0, 0, 0) == -ERR_NAME, "PORT_NULL");
    TEST_CHECK(ipc_recv(m, 0xffffff00u, 0) == -ERR_NAME, "receive on an invalid name");
    TEST_CHECK(port_deallocate(0x777) == -ERR_NAME, "deallocate an invalid name");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &stale) == 0 && port_destroy(stale) == 0, "alloc");
    TEST_CHECK(raw_send(stale, IPC_DISP_MAKE_SEND, 0, 0, 0) == -ERR_NAME, "stale name: send");
    TEST_CHECK(ipc_recv(m, stale, 0) == -ERR_NAME, "stale name: receive");
    TEST_CHECK(port_destroy(stale) == -ERR_NAME, "stale name: destroy");
    ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    ipc_add_port(m, stale, IPC_DISP_COPY_SEND);
    TEST_CHECK(ipc_send(m, 0) == -ERR_NAME, "stale name in a descriptor");
    TEST_CHECK(port_get_rights(p, &rights, &(unsigned){0}) == 0 && rights == IPC_RIGHT_RECEIVE,
               "the destination changed");
}

/* @svc: a send right only (the helper's service port); @p: a receive right only. */
static void bad_check_rights(port_name_t p, port_name_t svc)
{
    struct ipc_message *m = &bad_msg;
    port_name_t set;
    unsigned rights;

    TEST_CHECK(raw_send(p, IPC_DISP_COPY_SEND, 0, 0, 0) == -ERR_RIGHT, "COPY_SEND of a receive");
    TEST_CHECK(raw_send(p, IPC_DISP_MOVE_SEND_ONCE, 0, 0, 0) == -ERR_RIGHT, "no send-once");
    TEST_CHECK(raw_send(svc, IPC_DISP_MAKE_SEND, 0, 0, 0) == -ERR_RIGHT, "MAKE_SEND of a send");
    TEST_CHECK(ipc_recv(m, svc, 0) == -ERR_RIGHT, "receive through a send right");
    TEST_CHECK(port_insert_send(svc) == -ERR_RIGHT, "insert_send on a send right");
    TEST_CHECK(port_set_qlimit(svc, 4) == -ERR_RIGHT, "set_qlimit on a send right");
    TEST_CHECK(port_deallocate(p) == -ERR_RIGHT, "deallocate a receive right");
    TEST_CHECK(port_allocate(IPC_RIGHT_PORT_SET, &set) == 0, "allocate set");
    TEST_CHECK(port_move_member(svc, set) == -ERR_RIGHT, "a send right joined a set");
    TEST_CHECK(port_move_member(p, svc) == -ERR_RIGHT, "joined a port that is not a set");
    TEST_CHECK(raw_send(set, IPC_DISP_COPY_SEND, 0, 0, 0) == -ERR_RIGHT, "send to a set");
    port_destroy(set);
    /* Moving two send references of a name that holds one: nothing may be taken. */
    unsigned before = bad_refs(svc, &rights);
    ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    ipc_add_port(m, svc, IPC_DISP_MOVE_SEND);
    ipc_add_port(m, svc, IPC_DISP_MOVE_SEND);
    TEST_CHECK(ipc_send(m, 0) == -ERR_RIGHT, "moved more send refs than held");
    ipc_msg_init(m, svc, IPC_DISP_MOVE_SEND, IPCT_ID_PING);
    ipc_add_port(m, svc, IPC_DISP_MOVE_SEND);
    TEST_CHECK(ipc_send(m, 0) == -ERR_RIGHT, "destination and descriptor moved one ref twice");
    ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    ipc_add_port(m, svc, IPC_DISP_MOVE_RECEIVE);
    TEST_CHECK(ipc_send(m, 0) == -ERR_RIGHT, "moved a receive right not held");
    TEST_CHECK(bad_refs(svc, &rights) == before && rights == IPC_RIGHT_SEND,
               "failed sends changed the send right: refs %u, rights 0x%x", before, rights);
    TEST_CHECK(ipc_recv(m, p, 0) == -ERR_TIMEOUT, "a failed send queued something");
}

static void bad_check_sizes(port_name_t p)
{
    struct ipc_desc *d = (struct ipc_desc *)bad_buf;
    uint64_t buf = (uint64_t)(uintptr_t)bad_buf;

    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 0, buf, IPC_EXT_MAX + 1) == -ERR_TOO_LARGE,
               "extension over IPC_EXT_MAX");
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 0, buf, IPC_INLINE_MAX + 1) == -ERR_TOO_LARGE,
               "inline bytes over IPC_INLINE_MAX");
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, IPC_DESC_MAX + 1, buf, IPC_EXT_MAX) ==
                   -ERR_TOO_LARGE,
               "more than IPC_DESC_MAX descriptors");
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 2, buf, 32) == -ERR_TOO_LARGE,
               "descriptors beyond the extension");
    memset(d, 0, sizeof(*d));
    d->type = IPC_DESC_OOL;
    d->flags = IPC_OOL_COPY;
    d->address = buf & ~4095ull;
    d->size = (IPC_OOL_MAX_PAGES + 1) * 4096ull;
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 1, buf, 32) == -ERR_TOO_LARGE,
               "more than IPC_OOL_MAX_PAGES pages");
    memset(d, 0, sizeof(*d));
}

/* A message too big for the buffer stays queued; a big enough receive gets it. */
static void bad_check_truncated(port_name_t p)
{
    uint64_t buf = (uint64_t)(uintptr_t)bad_buf;
    uint32_t got = 0;

    memset(bad_buf, 0x3c, 100);
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 0, buf, 100) == 0, "send 100 bytes");
    memset(bad_buf, 0, 100);
    TEST_CHECK(raw_recv(p, buf, 99, &got) == -ERR_TRUNCATED, "receive 100 bytes into 99");
    TEST_CHECK(raw_recv(p, buf, 0, &got) == -ERR_TRUNCATED, "receive 100 bytes into 0");
    TEST_CHECK(raw_recv(p, UNMAPPED_ADDR, 200, &got) == -ERR_FAULT, "receive into unmapped");
    TEST_CHECK(raw_recv(p, KERNEL_ADDR, 200, &got) == -ERR_FAULT, "receive into the kernel");
    TEST_CHECK(raw_recv(p, (uint64_t)(uintptr_t)&raw_ipc, 200, &got) == -ERR_FAULT,
               "receive into read-only text");
    TEST_CHECK(bad_buf[0] == 0, "a failed receive wrote the buffer");
    TEST_CHECK(raw_recv(p, buf, 100, &got) == 0 && got == 100 && bad_buf[99] == 0x3c,
               "the message was not kept for a big enough receive (got %u)", got);
    TEST_CHECK(raw_recv(p, buf, 100, &got) == -ERR_TIMEOUT, "more than one message queued");
}

static void bad_check_buffers(port_name_t p)
{
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 0, UNMAPPED_ADDR, 64) == -ERR_FAULT,
               "send from an unmapped buffer");
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 0, KERNEL_ADDR, 64) == -ERR_FAULT,
               "send from a kernel address");
    TEST_CHECK(raw_send(p, IPC_DISP_MAKE_SEND, 0, ~0ull - 16, 64) == -ERR_FAULT,
               "send from a wrapping address");
}

/* Moving a range that runs past the end of a two-page region: nothing moves. */
static void bad_check_past_region(port_name_t p)
{
    struct ipc_desc *d = (struct ipc_desc *)bad_buf;
    struct vm_query q = {0, 0, 0};
    long big = sys_vm_allocate(4 * 4096, VM_PROT_READ | VM_PROT_WRITE);
    long r = big > 0 && sys_vm_deallocate((void *)big, 4 * 4096) == 0
                 ? sys_vm_allocate(2 * 4096, VM_PROT_READ | VM_PROT_WRITE)
                 : -ERR_NOMEM;

    if (!TEST_CHECK(r > 0, "vm_allocate: %s", err_text(r)))
        return;
    *(volatile uint64_t *)r = 0x77;
    sys_vm_query((void *)(r + 2 * 4096), &q);
    if (q.prot == 0) { /* the range after the region is free */
        memset(d, 0, sizeof(*d));
        d->type = IPC_DESC_OOL;
        d->flags = IPC_OOL_MOVE;
        d->address = (uint64_t)r;
        d->size = 4 * 4096;
        long err = raw_send(p, IPC_DISP_MAKE_SEND, 1, (uint64_t)(uintptr_t)bad_buf, sizeof(*d));
        TEST_CHECK(err == -ERR_NOT_OWNER, "move past the end of a region: %s", err_text(err));
        TEST_CHECK(sys_vm_query((void *)r, &q) == 0 && q.resident && *(uint64_t *)r == 0x77,
                   "a refused move took the first page");
        memset(d, 0, sizeof(*d));
    } else {
        printf("test_ipc_bad: no free range after a region: past-the-end move not tried\n");
    }
    sys_vm_deallocate((void *)r, 2 * 4096);
}

/* Out-of-line ranges the sender does not own, and malformed descriptors. */
static void bad_check_descriptors(port_name_t p)
{
    struct ipc_desc *d = (struct ipc_desc *)bad_buf;
    uint64_t buf = (uint64_t)(uintptr_t)bad_buf;
    const struct {
        uint32_t type, flags;
        uint64_t address, size;
        long err;
        const char *what;
    } cases[] = {
        {IPC_DESC_OOL, IPC_OOL_MOVE, UNMAPPED_ADDR, 4096, -ERR_NOT_OWNER, "move unmapped pages"},
        {IPC_DESC_OOL, IPC_OOL_COPY, UNMAPPED_ADDR, 4096, -ERR_NOT_OWNER, "copy unmapped pages"},
        {IPC_DESC_OOL, IPC_OOL_MOVE, KERNEL_ADDR, 4096, -ERR_INVAL, "move kernel pages"},
        {IPC_DESC_OOL, IPC_OOL_MOVE, (buf & ~4095ull) + 8, 4096, -ERR_INVAL, "unaligned"},
        {IPC_DESC_OOL, IPC_OOL_MOVE, buf & ~4095ull, 100, -ERR_INVAL, "partial page"},
        {IPC_DESC_OOL, IPC_OOL_MOVE, buf & ~4095ull, 0, -ERR_INVAL, "empty range"},
        {IPC_DESC_OOL, 3, buf & ~4095ull, 4096, -ERR_INVAL, "move and copy"},
        {IPC_DESC_OOL, 0, buf & ~4095ull, 4096, -ERR_INVAL, "no OOL flags"},
        {0, 0, 0, 0, -ERR_INVAL, "descriptor type 0"},
        {77, 0, 0, 0, -ERR_INVAL, "descriptor type 77"},
        {IPC_DESC_PORT, 0, 0, 0, -ERR_INVAL, "port disposition NONE"},
        {IPC_DESC_PORT, 99, 0, 0, -ERR_INVAL, "port disposition 99"},
    };

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(d, 0, sizeof(*d));
        d->type = cases[i].type;
        d->flags = cases[i].flags;
        d->name = p;
        d->address = cases[i].address;
        d->size = cases[i].size;
        long err = raw_send(p, IPC_DISP_MAKE_SEND, 1, buf, sizeof(*d));
        TEST_CHECK(err == cases[i].err, "%s: %s, expected %s", cases[i].what, err_text(err),
                   err_text(cases[i].err));
    }
    memset(d, 0, sizeof(*d));
    bad_check_past_region(p);
}

static void bad_check_options(port_name_t p)
{
    struct raw_ipc r[] = {
        {0, p, IPC_TAG(1, IPC_DISP_MAKE_SEND, 0, 0), 0, 0, 0},
        {0x80, p, IPC_TAG(1, IPC_DISP_MAKE_SEND, 0, 0), 0, 0, 0},
        {IPC_CALL, p, IPC_TAG(1, IPC_DISP_MAKE_SEND, 0, 0), 0, 0, 0},
        {IPC_CALL | IPC_SEND, p, IPC_TAG(1, IPC_DISP_MAKE_SEND, 0, 0), 0, 0, 0},
        {IPC_SEND, p, IPC_TAG(1, IPC_DISP_NONE, 0, 0), 0, 0, 0},
        {IPC_SEND, p, IPC_TAG(1, 9, 0, 0), 0, 0, 0},
        {IPC_SEND, p | (uint64_t)p << 32, IPC_TAG(1, IPC_DISP_MAKE_SEND, 9, 0), 0, 0, 0},
    };

    for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
        long err = raw_ipc(&r[i]);
        TEST_CHECK(err == -ERR_INVAL, "garbage options/dispositions case %u: %s", i, err_text(err));
    }
    TEST_CHECK(sys_call2(SYS_PORT_OP, 99, p) == -ERR_INVAL, "port op 99");
    TEST_CHECK(port_allocate(3, &(port_name_t){0}) == -ERR_INVAL, "allocate kind 3");
    TEST_CHECK(port_set_qlimit(p, 0) == -ERR_INVAL, "qlimit 0");
    TEST_CHECK(port_set_qlimit(p, IPC_QUEUE_MAX + 1) == -ERR_INVAL, "qlimit over the maximum");
    TEST_CHECK(sys_call0(1000) == -ERR_NOSYS, "syscall 1000");
}

/* Flood a port: exactly @limit messages fit, then -ERR_FULL; all of them drain. */
static void bad_check_flood(port_name_t p, unsigned limit)
{
    struct ipc_message *m = &bad_msg;
    unsigned sent = 0, drained = 0;
    long err = 0;

    if (limit != IPC_QUEUE_DEFAULT)
        TEST_CHECK(port_set_qlimit(p, limit) == 0, "set qlimit %u", limit);
    for (unsigned i = 0; i < limit + 50 && err == 0; i++) {
        ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
        m->w[0] = i;
        err = ipc_send(m, 0);
        sent += err == 0;
    }
    TEST_CHECK(err == -ERR_FULL && sent == limit, "flood with limit %u: %u queued, then %s", limit,
               sent, err_text(err));
    while (ipc_recv(m, p, 0) == 0 && m->w[0] == drained)
        drained++;
    TEST_CHECK(drained == limit, "drained %u of %u in order", drained, limit);
}

/* Blocks sending to the full queue of the holder's port @arg. */
static void bad_blocked_sender(void *arg)
{
    static struct ipc_message m;

    ipc_msg_init(&m, (port_name_t)(uintptr_t)arg, IPC_DISP_COPY_SEND, IPCT_ID_PING);
    bad_blocked_result = ipc_send(&m, TEST_WAIT);
}

/* A receiver (helper task) killed while a sender is blocked on its full queue. */
static void bad_check_receiver_dies(void)
{
    struct ipc_message *m = &bad_msg;
    struct task_status st = {0, 0, 0};
    port_name_t target;
    long task = ipct_spawn_helper("holder 0 1", &target);

    if (!TEST_CHECK(task >= 0 && target, "spawn holder: %s", err_text(task)))
        return;
    ipc_msg_init(m, target, IPC_DISP_COPY_SEND, IPCT_ID_PING);
    TEST_CHECK(ipc_send(m, 0) == 0, "fill the holder's queue");
    TEST_CHECK(thread_start(bad_blocked_sender, (void *)(uintptr_t)target, 0) >= 0, "thread");
    sys_sleep_ns(30000000);
    TEST_CHECK(bad_blocked_result == 1, "the sender did not block");
    TEST_CHECK(sys_task_kill(task_port_of(task)) == 0, "kill the holder");
    while (bad_blocked_result == 1) /* the kill wakes it */
        sys_sleep_ns(10000000);
    TEST_CHECK(bad_blocked_result == -ERR_DEAD, "blocked sender woke with %s",
               err_text(bad_blocked_result));
    TEST_CHECK(sys_task_wait(task_port_of(task), &st) == 0 && st.end == TASK_END_KILLED,
               "holder not killed");
    port_deallocate(target);
}

/*
 * A receive right may not travel to its own port, nor to a port whose
 * receive right is itself in a message: the message would hold the only way
 * to receive it, and the ports and their queues would live for ever (a
 * fuzzer finding, issue 13). init's leak check sees the frames if they stay.
 */
static void bad_check_cycle(void)
{
    struct ipc_message *m = &bad_msg;
    port_name_t a, b, got;
    unsigned rights;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &a) == 0 &&
                        port_allocate(IPC_RIGHT_RECEIVE, &b) == 0 && port_insert_send(b) == 0,
                    "allocate"))
        return;
    ipc_msg_init(m, a, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    ipc_add_port(m, a, IPC_DISP_MOVE_RECEIVE);
    TEST_CHECK(ipc_send(m, 0) == -ERR_INVAL, "a receive right sent to its own port");
    TEST_CHECK(port_get_rights(a, &rights, &(unsigned){0}) == 0 && rights == IPC_RIGHT_RECEIVE,
               "the refused send took the receive right");
    ipc_msg_init(m, a, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    ipc_add_port(m, b, IPC_DISP_MOVE_RECEIVE);
    TEST_CHECK(ipc_send(m, 0) == 0, "b's receive right queued on a");
    ipc_msg_init(m, b, IPC_DISP_COPY_SEND, IPCT_ID_PING);
    ipc_add_port(m, a, IPC_DISP_MOVE_RECEIVE);
    TEST_CHECK(ipc_send(m, 0) == -ERR_INVAL, "a's receive right sent to b, whose is in transit");
    ipc_msg_init(m, b, IPC_DISP_COPY_SEND, IPCT_ID_PING);
    TEST_CHECK(ipc_send(m, 0) == 0, "a plain message to a port in transit");
    TEST_CHECK(ipc_recv(m, a, 0) == 0 && m->ndesc == 1, "b's receive right back");
    got = m->ext.desc[0].name;
    TEST_CHECK(ipc_recv(m, got, 0) == 0, "the message queued on b while it travelled");
    port_destroy(got);
    port_destroy(b); /* the send right we kept */
    port_destroy(a);
}

int main(void)
{
    port_name_t p, svc;
    long task = ipct_spawn_helper("echo", &svc);

    if (!TEST_CHECK(task >= 0 && svc, "spawn helper: %s", err_text(task)) ||
        !TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return test_report("test_ipc_bad");
    bad_check_names(p);
    bad_check_rights(p, svc);
    bad_check_sizes(p);
    bad_check_truncated(p);
    bad_check_buffers(p);
    bad_check_descriptors(p);
    bad_check_options(p);
    TEST_CHECK(ipc_recv(&bad_msg, p, 0) == -ERR_TIMEOUT, "a refused message was queued");
    bad_check_flood(p, IPC_QUEUE_DEFAULT);
    bad_check_flood(p, 5);
    bad_check_flood(p, IPC_QUEUE_MAX);
    bad_check_receiver_dies();
    bad_check_cycle();
    ipc_msg_init(&bad_msg, svc, IPC_DISP_COPY_SEND, IPCT_ID_QUIT);
    TEST_CHECK(ipc_call(&bad_msg, IPC_TIMEOUT_NONE) == 0, "quit the helper");
    port_deallocate(svc);
    port_destroy(p);
    ipct_wait_child(task);
    return test_report("test_ipc_bad");
}
