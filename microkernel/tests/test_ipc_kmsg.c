/*
 * Messages on the host: ipc_kmsg_copyin checks a send completely before it
 * takes anything (sizes, descriptors, rights, pages), then takes the rights
 * and moves or copies the pages; ipc_kmsg_deliver installs the rights, maps
 * the pages (the same frames for a move) and writes the extension and the
 * registers, or leaves the message queued; ipc_kmsg_destroy frees it all.
 * Sender and receiver are fake tasks with real address maps over simulated
 * RAM, so extensions really travel through vm_copy_in and vm_copy_out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <lib/lib.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_fault.h>

#include "host_support.h"
#include "ipc_support.h"

#define EXT_VA 0x400000ULL /* the sender's extension buffer, and the receiver's */
#define EXT_SIZE 0x4000ULL
#define OOL_VA 0x500000ULL /* the sender's pages to send */
#define OOL_PAGES 8u
#define HOLE_VA 0x900000ULL /* mapped in nobody */

static struct task s, r; /* sender and receiver */
static struct port *p, *q, *t;
static port_name_t rp, sp; /* p: receive right in r, send right in s (the destination) */
static port_name_t rq, sq; /* q: receive right in r, send right in s (to pass along) */
static port_name_t ts;     /* t: receive right in s (to make rights from) */
static uint64_t baseline;
static uint8_t ext[IPC_EXT_MAX + PAGE_SIZE];

/* One simulated RAM for the group: the slab caches outlive a test, so a failed
 * test leaks into the frame counts of the rest instead of crashing them. */
static int group_setup(void **state)
{
    (void)state;
    ipc_test_env_init(2048);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ipc_test_env_fini();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    baseline = host_free_frames();
    ipc_test_task_init(&s, 1);
    ipc_test_task_init(&r, 2);
    rp = ipc_test_port_allocate(&r);
    rq = ipc_test_port_allocate(&r);
    ts = ipc_test_port_allocate(&s);
    sp = ipc_test_right_transfer(&r, rp, IPC_DISP_MAKE_SEND, &s);
    sq = ipc_test_right_transfer(&r, rq, IPC_DISP_MAKE_SEND, &s);
    p = ipc_entry_lookup(&r.ipc, rp)->object;
    q = ipc_entry_lookup(&r.ipc, rq)->object;
    t = ipc_entry_lookup(&s.ipc, ts)->object;
    ipc_test_map_region(&s, EXT_VA, EXT_SIZE);
    ipc_test_map_region(&s, OOL_VA, OOL_PAGES * PAGE_SIZE);
    ipc_test_map_region(&r, EXT_VA, EXT_SIZE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ipc_test_task_destroy(&s);
    ipc_test_task_destroy(&r);
    assert_int_equal(host_free_frames(), baseline);
    return 0;
}

/* --- building sends --- */

static struct ipc_desc desc_port(port_name_t name, unsigned disp)
{
    return (struct ipc_desc){.type = IPC_DESC_PORT, .flags = disp, .name = name};
}

static struct ipc_desc desc_ool(uint64_t address, uint64_t size, unsigned flags)
{
    return (struct ipc_desc){
        .type = IPC_DESC_OOL, .flags = flags, .address = address, .size = size};
}

/* Write @ndesc descriptors and @inline_size pattern bytes to the sender's buffer. */
static struct ipc_send_args send_to_p(const struct ipc_desc *d, unsigned ndesc,
                                      uint32_t inline_size)
{
    uint32_t size = ndesc * (uint32_t)sizeof(*d) + inline_size;

    memcpy(ext, d, ndesc * sizeof(*d));
    for (uint32_t i = 0; i < inline_size; i++)
        ext[ndesc * sizeof(*d) + i] = (uint8_t)(i * 13 + 1);
    assert_true(size <= EXT_SIZE);
    if (size)
        assert_int_equal(vm_copy_out(&s.map, EXT_VA, ext, size), 0);
    return (struct ipc_send_args){.id = 0x1234,
                                  .remote_disp = IPC_DISP_COPY_SEND,
                                  .ndesc = ndesc,
                                  .remote = sp,
                                  .ext_addr = EXT_VA,
                                  .ext_size = size,
                                  .w = {11, 22, 33, 44}};
}

/* Fill the sender's page at @va with @byte; returns its frame. */
static paddr_t page_fill(vaddr_t va, uint8_t byte)
{
    static uint8_t page[PAGE_SIZE];
    struct mmu_mapping mm;

    memset(page, byte, sizeof(page));
    assert_int_equal(vm_copy_out(&s.map, va, page, sizeof(page)), 0);
    assert_int_equal(mmu_query(&s.map.space, va, &mm), MMU_OK);
    return mm.pa;
}

/* The frame mapped at @va in @task, or 0. */
static paddr_t frame_at(struct task *task, vaddr_t va)
{
    struct mmu_mapping mm;

    return mmu_query(&task->map.space, va, &mm) == MMU_OK ? mm.pa : 0;
}

static bool page_is(paddr_t pa, uint8_t byte)
{
    const uint8_t *b = phys_to_virt(pa);

    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (b[i] != byte)
            return false;
    return true;
}

/* Everything a refused send or a failed delivery must leave alone. */
struct snapshot {
    uint32_t s_used, r_used, p_send, q_send, t_send, t_once, p_qcount;
    int64_t sp_rights, sq_rights, ts_rights, rq_rights;
    paddr_t ool[OOL_PAGES];
};

static void snapshot_take(struct snapshot *snap)
{
    memset(snap, 0, sizeof(*snap));
    snap->s_used = s.ipc.used;
    snap->r_used = r.ipc.used;
    snap->p_send = p->send_rights;
    snap->q_send = q->send_rights;
    snap->t_send = t->send_rights;
    snap->t_once = t->send_once_rights;
    snap->p_qcount = p->qcount;
    snap->sp_rights = ipc_test_port_op(&s, PORT_OP_GET_RIGHTS, sp, 0);
    snap->sq_rights = ipc_test_port_op(&s, PORT_OP_GET_RIGHTS, sq, 0);
    snap->ts_rights = ipc_test_port_op(&s, PORT_OP_GET_RIGHTS, ts, 0);
    snap->rq_rights = ipc_test_port_op(&r, PORT_OP_GET_RIGHTS, rq, 0);
    for (unsigned i = 0; i < OOL_PAGES; i++)
        snap->ool[i] = frame_at(&s, OOL_VA + i * PAGE_SIZE);
}

static void snapshot_check(const struct snapshot *before)
{
    struct snapshot now;

    snapshot_take(&now);
    assert_memory_equal(&now, before, sizeof(now));
}

static void copyin_refused(const struct ipc_send_args *a, int err)
{
    struct snapshot before;
    struct kmsg *m = NULL;

    snapshot_take(&before);
    assert_int_equal(ipc_kmsg_copyin(&s, a, &m), err);
    assert_null(m);
    snapshot_check(&before);
}

/* --- copyin: refusals --- */

static void test_ipc_kmsg_sizes(void **state)
{
    (void)state;
    struct ipc_desc d[IPC_DESC_MAX + 1];
    struct ipc_send_args a;

    for (unsigned i = 0; i <= IPC_DESC_MAX; i++)
        d[i] = desc_port(sq, IPC_DISP_COPY_SEND);
    page_fill(OOL_VA, 1); /* make some pages resident: they must stay */
    a = send_to_p(d, 0, 0);
    a.ext_size = IPC_EXT_MAX + 1;
    copyin_refused(&a, -ERR_TOO_LARGE);
    a = send_to_p(d, IPC_DESC_MAX + 1, 0);
    copyin_refused(&a, -ERR_TOO_LARGE);
    a = send_to_p(d, 2, 0);
    a.ext_size = sizeof(struct ipc_desc); /* descriptors past the end of the extension */
    copyin_refused(&a, -ERR_TOO_LARGE);
    a = send_to_p(d, 1, IPC_INLINE_MAX);
    a.ndesc = 0; /* 4128 inline bytes */
    copyin_refused(&a, -ERR_TOO_LARGE);

    /* Extension buffers the sender cannot read. */
    a = send_to_p(d, 1, 8);
    a.ext_addr = HOLE_VA;
    copyin_refused(&a, -ERR_FAULT);
    a.ext_addr = EXT_VA + EXT_SIZE - 8; /* runs off the end of the region */
    copyin_refused(&a, -ERR_FAULT);
    a.ext_addr = 0xffff800000001000ULL; /* kernel half */
    copyin_refused(&a, -ERR_FAULT);
    a.ext_addr = 0x0000800000000000ULL - 16; /* crosses the top of user space */
    copyin_refused(&a, -ERR_FAULT);
}

static void test_ipc_kmsg_bad_descriptors(void **state)
{
    (void)state;
    const struct ipc_desc bad[] = {
        {.type = 0, .flags = IPC_DISP_COPY_SEND, .name = sq},
        {.type = 3, .flags = IPC_DISP_COPY_SEND, .name = sq},
        desc_port(sq, IPC_DISP_NONE),
        desc_port(sq, IPC_DISP_MAKE_SEND_ONCE + 1),
        desc_port(sq, 0xffffffffu),
        desc_ool(OOL_VA, PAGE_SIZE, 0),
        desc_ool(OOL_VA, PAGE_SIZE, IPC_OOL_MOVE | IPC_OOL_COPY),
        desc_ool(OOL_VA + 0x800, PAGE_SIZE, IPC_OOL_MOVE), /* not page aligned */
        desc_ool(OOL_VA, 0x800, IPC_OOL_COPY),             /* not whole pages */
        desc_ool(OOL_VA, 0, IPC_OOL_MOVE),                 /* empty */
        desc_ool(MMU_USER_TOP, PAGE_SIZE, IPC_OOL_MOVE),   /* past user space */
        desc_ool(0xffff800000000000ULL, PAGE_SIZE, IPC_OOL_COPY),
        desc_ool(MMU_USER_TOP - PAGE_SIZE, 2 * PAGE_SIZE, IPC_OOL_MOVE),
        desc_ool(OOL_VA, 0xfffffffffffff000ULL, IPC_OOL_MOVE), /* wraps around */
    };

    page_fill(OOL_VA, 7);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* A good descriptor that moves a right comes first: it must not be taken. */
        struct ipc_desc d[2] = {desc_port(sq, IPC_DISP_MOVE_SEND), bad[i]};
        struct ipc_send_args a = send_to_p(d, 2, 16);
        copyin_refused(&a, -ERR_INVAL);
    }
}

static void test_ipc_kmsg_ool_not_owned(void **state)
{
    (void)state;
    struct ipc_desc d[3];
    struct ipc_send_args a;

    page_fill(OOL_VA, 1);
    d[0] = desc_ool(HOLE_VA, PAGE_SIZE, IPC_OOL_MOVE);
    a = send_to_p(d, 1, 0);
    copyin_refused(&a, -ERR_NOT_OWNER);
    d[0] = desc_ool(HOLE_VA, PAGE_SIZE, IPC_OOL_COPY);
    a = send_to_p(d, 1, 0);
    copyin_refused(&a, -ERR_NOT_OWNER);
    d[0] = desc_ool(EXT_VA - PAGE_SIZE, PAGE_SIZE, IPC_OOL_MOVE); /* just below a region */
    a = send_to_p(d, 1, 0);
    copyin_refused(&a, -ERR_NOT_OWNER);

    /* More than IPC_OOL_MAX_PAGES pages in one message, in two descriptors. */
    d[0] = desc_ool(OOL_VA, OOL_PAGES * PAGE_SIZE, IPC_OOL_COPY);
    d[1] = desc_ool(0x10000000ULL, (IPC_OOL_MAX_PAGES - OOL_PAGES + 1) * PAGE_SIZE, IPC_OOL_MOVE);
    a = send_to_p(d, 2, 0);
    copyin_refused(&a, -ERR_TOO_LARGE);
    d[0] = desc_ool(0x10000000ULL, (IPC_OOL_MAX_PAGES + 1) * PAGE_SIZE, IPC_OOL_COPY);
    a = send_to_p(d, 1, 0);
    copyin_refused(&a, -ERR_TOO_LARGE);

    /* A pinned page cannot be moved away. */
    paddr_t pa = page_fill(OOL_VA + PAGE_SIZE, 2);
    frame_of(pa)->pin_count++;
    d[0] = desc_ool(OOL_VA, 2 * PAGE_SIZE, IPC_OOL_MOVE);
    a = send_to_p(d, 1, 0);
    copyin_refused(&a, -ERR_BUSY);
    frame_of(pa)->pin_count--;
}

static void test_ipc_kmsg_rights_moved_twice(void **state)
{
    (void)state;
    struct ipc_desc d[2];
    struct ipc_send_args a;

    /* One user reference moved twice: nothing is taken. */
    d[0] = desc_port(sq, IPC_DISP_MOVE_SEND);
    d[1] = desc_port(sq, IPC_DISP_MOVE_SEND);
    a = send_to_p(d, 2, 0);
    copyin_refused(&a, -ERR_RIGHT);
    /* The destination's only reference, moved twice. */
    d[0] = desc_port(sp, IPC_DISP_MOVE_SEND);
    a = send_to_p(d, 1, 0);
    a.remote_disp = IPC_DISP_MOVE_SEND;
    copyin_refused(&a, -ERR_RIGHT);
    /* The receive right moved twice; a send-once right moved as the reply right twice. */
    d[0] = desc_port(ts, IPC_DISP_MOVE_RECEIVE);
    d[1] = desc_port(ts, IPC_DISP_MOVE_RECEIVE);
    a = send_to_p(d, 2, 0);
    copyin_refused(&a, -ERR_RIGHT);
    port_name_t so = ipc_test_right_transfer(&s, ts, IPC_DISP_MAKE_SEND_ONCE, &s);
    d[0] = desc_port(so, IPC_DISP_MOVE_SEND_ONCE);
    a = send_to_p(d, 1, 0);
    a.local = so;
    a.local_disp = IPC_DISP_MOVE_SEND_ONCE;
    copyin_refused(&a, -ERR_RIGHT);
}

static void test_ipc_kmsg_rights_wrong_or_stale(void **state)
{
    (void)state;
    struct ipc_desc d[1];
    struct ipc_send_args a;

    /* Rights of the wrong kind, and names that do not exist. */
    d[0] = desc_port(sq, IPC_DISP_MAKE_SEND);
    a = send_to_p(d, 1, 0);
    copyin_refused(&a, -ERR_RIGHT);
    d[0] = desc_port(sq + 1, IPC_DISP_COPY_SEND);
    a = send_to_p(d, 1, 0);
    copyin_refused(&a, -ERR_NAME);
    a = send_to_p(d, 0, 0);
    a.remote = PORT_NULL;
    copyin_refused(&a, -ERR_NAME);
    a.remote = sp ^ 0x5; /* stale generation */
    copyin_refused(&a, -ERR_NAME);
    a.remote = sp;
    a.remote_disp = IPC_DISP_NONE;
    copyin_refused(&a, -ERR_INVAL);
    a.remote_disp = IPC_DISP_MAKE_SEND;
    copyin_refused(&a, -ERR_RIGHT);
    a.remote_disp = IPC_DISP_COPY_SEND;
    a.local = ts ^ 0x2; /* stale */
    a.local_disp = IPC_DISP_MAKE_SEND;
    copyin_refused(&a, -ERR_NAME);
    a.local = sq;
    a.local_disp = IPC_DISP_MOVE_SEND_ONCE;
    copyin_refused(&a, -ERR_RIGHT);
    /* A destination whose receive right is gone. */
    assert_int_equal(ipc_test_port_op(&r, PORT_OP_DESTROY, rp, 0), 0);
    a = send_to_p(d, 0, 0);
    copyin_refused(&a, -ERR_DEAD);
}

/* --- copyin and delivery --- */

/* A message with every kind of content, sent from s to p. */
struct full_send {
    paddr_t moved[2], copied; /* the sender's frames */
    struct kmsg *m;
};

static void full_send_copyin(struct full_send *f)
{
    struct ipc_desc d[4] = {
        desc_port(sq, IPC_DISP_COPY_SEND),
        desc_port(ts, IPC_DISP_MAKE_SEND_ONCE),
        desc_ool(OOL_VA, 2 * PAGE_SIZE, IPC_OOL_MOVE),
        desc_ool(OOL_VA + 2 * PAGE_SIZE, PAGE_SIZE, IPC_OOL_COPY),
    };
    f->moved[0] = page_fill(OOL_VA, 'M');
    f->moved[1] = page_fill(OOL_VA + PAGE_SIZE, 'N');
    f->copied = page_fill(OOL_VA + 2 * PAGE_SIZE, 'C');
    struct ipc_send_args a = send_to_p(d, 4, 100);
    uint64_t resident = s.map.resident;
    a.local = ts;
    a.local_disp = IPC_DISP_MAKE_SEND;

    f->m = NULL;
    assert_int_equal(ipc_kmsg_copyin(&s, &a, &f->m), 0);
    assert_non_null(f->m);
    /* The rights were taken from s; s keeps what it had. */
    assert_int_equal(q->send_rights, 2);
    assert_int_equal(t->send_rights, 1);
    assert_int_equal(t->send_once_rights, 1);
    assert_int_equal(ipc_test_port_op(&s, PORT_OP_GET_RIGHTS, sq, 0), IPC_RIGHT_SEND | 1 << 8);
    assert_int_equal(ipc_test_port_op(&s, PORT_OP_GET_RIGHTS, ts, 0), IPC_RIGHT_RECEIVE);
    /* The moved pages left the sender with their frames; the copied one stayed. */
    assert_int_equal(frame_at(&s, OOL_VA), 0);
    assert_int_equal(frame_at(&s, OOL_VA + PAGE_SIZE), 0);
    assert_int_equal(frame_at(&s, OOL_VA + 2 * PAGE_SIZE), f->copied);
    assert_int_equal(s.map.resident, resident - 2);
    assert_int_equal(f->m->ool_pages, 3);
    assert_int_equal(f->m->ool[f->m->desc[2].first_page], f->moved[0]);
    assert_int_equal(f->m->ool[f->m->desc[2].first_page + 1], f->moved[1]);
    paddr_t copy = f->m->ool[f->m->desc[3].first_page];
    assert_int_not_equal(copy, f->copied);
    assert_true(page_is(copy, 'C'));
    assert_int_equal(f->m->inline_size, 100);
}

/* Deliver, looking again after the buffer was faulted in (IPC_DELIVER_RETRY). */
static int deliver(struct task *t, struct kmsg *m, const struct ipc_rcv_args *ra,
                   struct syscall_regs *regs)
{
    int err = ipc_kmsg_deliver(t, p, m, ra, regs);
    return err == IPC_DELIVER_RETRY ? ipc_kmsg_deliver(t, p, m, ra, regs) : err;
}

/* The descriptors and inline bytes of full_send_copyin's message, as r sees them. */
static void received_check(const struct full_send *f, paddr_t copy, const struct ipc_desc *got)
{
    uint8_t inl[100];

    assert_int_equal(got[0].type, IPC_DESC_PORT);
    assert_int_equal(got[0].flags, IPC_DISP_MOVE_SEND);
    assert_int_equal(got[0].name, rq); /* joined r's receive right for q */
    assert_int_equal(ipc_test_port_op(&r, PORT_OP_GET_RIGHTS, rq, 0),
                     IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND | 1 << 8);
    assert_int_equal(got[1].flags, IPC_DISP_MOVE_SEND_ONCE);
    assert_ptr_equal(ipc_entry_lookup(&r.ipc, got[1].name)->object, t);
    assert_int_equal(ipc_test_port_op(&r, PORT_OP_GET_RIGHTS, got[1].name, 0), IPC_RIGHT_SEND_ONCE);
    assert_int_equal(got[2].type, IPC_DESC_OOL);
    assert_int_equal(got[2].flags, IPC_OOL_MOVE);
    assert_int_equal(got[2].size, 2 * PAGE_SIZE);
    assert_int_equal(frame_at(&r, got[2].address), f->moved[0]); /* the same frames */
    assert_int_equal(frame_at(&r, got[2].address + PAGE_SIZE), f->moved[1]);
    assert_true(page_is(f->moved[0], 'M') && page_is(f->moved[1], 'N'));
    assert_int_equal(got[3].flags, IPC_OOL_COPY);
    assert_int_equal(got[3].size, PAGE_SIZE);
    assert_int_equal(frame_at(&r, got[3].address), copy);
    assert_int_equal(vm_copy_in(&r.map, inl, EXT_VA + 4 * sizeof(*got), sizeof(inl)), 0);
    for (unsigned i = 0; i < sizeof(inl); i++)
        assert_int_equal(inl[i], (uint8_t)(i * 13 + 1));
}

static void test_ipc_kmsg_copyin_deliver(void **state)
{
    (void)state;
    struct full_send f;
    struct syscall_regs regs;

    full_send_copyin(&f);
    paddr_t copy = f.m->ool[f.m->desc[3].first_page];
    port_enqueue(p, f.m);
    memset(&regs, 0, sizeof(regs));
    struct ipc_rcv_args ra = {.ext_addr = EXT_VA, .capacity = EXT_SIZE};
    assert_int_equal(deliver(&r, f.m, &ra, &regs), 0);
    assert_int_equal(p->qcount, 0);

    /* The registers. */
    assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE], 4 * sizeof(struct ipc_desc) + 100);
    assert_int_equal(IPC_TAG_ID(regs.arg[IPC_ARG_TAG]), 0x1234);
    assert_int_equal(IPC_TAG_NDESC(regs.arg[IPC_ARG_TAG]), 4);
    assert_int_equal(IPC_TAG_REMOTE_DISP(regs.arg[IPC_ARG_TAG]), IPC_DISP_MOVE_SEND);
    assert_int_equal(regs.arg[IPC_ARG_NAMES] >> 32, rp);
    port_name_t reply = (port_name_t)regs.arg[IPC_ARG_NAMES];
    assert_ptr_equal(ipc_entry_lookup(&r.ipc, reply)->object, t);
    assert_int_equal(ipc_test_port_op(&r, PORT_OP_GET_RIGHTS, reply, 0), IPC_RIGHT_SEND | 1 << 8);
    assert_true(regs.word[0] == 11 && regs.word[1] == 22 && regs.word[2] == 33 &&
                regs.word[3] == 44);

    struct ipc_desc got[4];

    assert_int_equal(vm_copy_in(&r.map, got, EXT_VA, sizeof(got)), 0);
    received_check(&f, copy, got);
    /* The receiver owns the pages: it can write them, and removing them frees them. */
    assert_int_equal(vm_copy_out(&r.map, got[2].address + 10, "x", 1), 0);
    assert_int_equal(vm_map_remove(&r.map, got[2].address, got[2].size), 0);
    assert_int_equal(frame_at(&r, got[2].address), 0);
}

static void test_ipc_kmsg_inline_limits(void **state)
{
    (void)state;
    struct syscall_regs regs;
    struct kmsg *m = NULL;
    struct ipc_desc d[IPC_DESC_MAX];
    static uint8_t got[IPC_EXT_MAX];

    for (unsigned i = 0; i < IPC_DESC_MAX; i++)
        d[i] = desc_port(sq, IPC_DISP_COPY_SEND);
    struct ipc_send_args a = send_to_p(d, IPC_DESC_MAX, IPC_INLINE_MAX); /* the largest */
    assert_int_equal(a.ext_size, IPC_EXT_MAX);
    assert_int_equal(ipc_kmsg_copyin(&s, &a, &m), 0);
    assert_int_equal(q->send_rights, 1 + IPC_DESC_MAX);
    port_enqueue(p, m);
    struct ipc_rcv_args ra = {.ext_addr = EXT_VA, .capacity = IPC_EXT_MAX};
    assert_int_equal(deliver(&r, m, &ra, &regs), 0);
    assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE], IPC_EXT_MAX);
    assert_int_equal(IPC_TAG_REMOTE_DISP(regs.arg[IPC_ARG_TAG]), IPC_DISP_NONE);
    assert_int_equal((port_name_t)regs.arg[IPC_ARG_NAMES], PORT_NULL);
    assert_int_equal(vm_copy_in(&r.map, got, EXT_VA, IPC_EXT_MAX), 0);
    assert_memory_equal(got + sizeof(d), ext + sizeof(d), IPC_INLINE_MAX);
    for (unsigned i = 0; i < IPC_DESC_MAX; i++)
        assert_int_equal(((struct ipc_desc *)got)[i].name, rq);
    assert_int_equal(ipc_test_port_op(&r, PORT_OP_GET_RIGHTS, rq, 0),
                     IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND | IPC_DESC_MAX << 8);

    /* No extension at all: only registers. */
    a = send_to_p(d, 0, 0);
    m = NULL;
    assert_int_equal(ipc_kmsg_copyin(&s, &a, &m), 0);
    port_enqueue(p, m);
    ra.capacity = 0;
    assert_int_equal(deliver(&r, m, &ra, &regs), 0);
    assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE], 1ull << 32); /* no bytes; p's second message */
    assert_int_equal(regs.word[3], 44);
}

/*
 * Sequence numbers: each message received from a port gets the next one, in
 * the upper half of IPC_ARG_EXT_SIZE; a refused delivery (the message stays
 * queued) and a message dropped for want of names take none, so the
 * receivers see no gap; a reply port's message carries 0 and counts nothing.
 */
static void test_ipc_kmsg_seqno(void **state)
{
    (void)state;
    struct syscall_regs regs;
    struct ipc_rcv_args ra = {.ext_addr = EXT_VA, .capacity = EXT_SIZE};
    struct ipc_desc none[1] = {0};
    struct kmsg *m[3];

    for (unsigned i = 0; i < 3; i++) {
        struct ipc_send_args a = send_to_p(none, 0, 8);
        a.w[0] = i;
        assert_int_equal(ipc_kmsg_copyin(&s, &a, &m[i]), 0);
        port_enqueue(p, m[i]);
    }
    assert_int_equal(deliver(&r, m[0], &ra, &regs), 0);
    assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE], 8);
    struct ipc_rcv_args small = {.ext_addr = EXT_VA, .capacity = 4};
    assert_int_equal(ipc_kmsg_deliver(&r, p, m[1], &small, &regs), -ERR_TRUNCATED);
    assert_int_equal(p->seqno, 1);
    for (unsigned i = 1; i < 3; i++) {
        assert_int_equal(deliver(&r, m[i], &ra, &regs), 0);
        assert_int_equal(regs.word[0], i);
        assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE], 8 | (uint64_t)i << 32);
    }

    /* Counted from wherever the port is: 2^32 - 1 wraps to 0. */
    p->seqno = UINT32_MAX;
    for (unsigned i = 0; i < 2; i++) {
        struct ipc_send_args a = send_to_p(none, 0, 0);
        assert_int_equal(ipc_kmsg_copyin(&s, &a, &m[0]), 0);
        port_enqueue(p, m[0]);
        assert_int_equal(deliver(&r, m[0], &ra, &regs), 0);
        assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE] >> 32, i ? 0 : UINT32_MAX);
    }

    /* A reply port (a thread's: reply_of set) numbers nothing. */
    struct thread waiter = {0};
    p->reply_of = &waiter;
    p->seqno = 7;
    struct ipc_send_args a = send_to_p(none, 0, 0);
    assert_int_equal(ipc_kmsg_copyin(&s, &a, &m[0]), 0);
    port_enqueue(p, m[0]);
    assert_int_equal(deliver(&r, m[0], &ra, &regs), 0);
    assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE], 0);
    assert_int_equal(p->seqno, 7);
    p->reply_of = NULL;
}

/*
 * The sender's mark: a task's message (ipc_kmsg_copyin) arrives without
 * IPC_TAG_KERNEL, whatever its id, and one the kernel built with it, so a
 * pager can drop forged memory_object messages.
 */
static void test_ipc_kmsg_kernel_mark(void **state)
{
    (void)state;
    struct syscall_regs regs;
    struct kmsg *m = NULL;
    struct ipc_rcv_args ra = {.ext_addr = EXT_VA, .capacity = EXT_SIZE};
    struct ipc_desc none[1] = {0};
    struct ipc_send_args a = send_to_p(none, 0, 0);

    a.id = IPC_ID_KERNEL + 1; /* a kernel message's id does not make it one */
    assert_int_equal(ipc_kmsg_copyin(&s, &a, &m), 0);
    port_enqueue(p, m);
    memset(&regs, 0xff, sizeof(regs));
    assert_int_equal(deliver(&r, m, &ra, &regs), 0);
    assert_int_equal(IPC_TAG_ID(regs.arg[IPC_ARG_TAG]), IPC_ID_KERNEL + 1);
    assert_int_equal(regs.arg[IPC_ARG_TAG] & IPC_TAG_KERNEL, 0);

    m = ipc_kmsg_alloc(false);
    assert_non_null(m);
    m->id = 0x1234;
    m->w[0] = 77;
    port_enqueue(p, m);
    memset(&regs, 0, sizeof(regs));
    assert_int_equal(deliver(&r, m, &ra, &regs), 0);
    assert_int_equal(IPC_TAG_ID(regs.arg[IPC_ARG_TAG]), 0x1234);
    assert_int_equal(regs.arg[IPC_ARG_TAG] & IPC_TAG_KERNEL, IPC_TAG_KERNEL);
    assert_int_equal(IPC_TAG_NDESC(regs.arg[IPC_ARG_TAG]), 0); /* the flag is no field's part */
    assert_int_equal(regs.word[0], 77);
}

static unsigned region_count(struct task *task)
{
    unsigned n = 0;
    struct list_node *pos;

    list_for_each(pos, &task->map.regions) n++;
    return n;
}

static void deliver_refused(struct kmsg *m, const struct ipc_rcv_args *ra, int err)
{
    struct snapshot before;
    struct syscall_regs regs, tf0;
    unsigned regions = region_count(&r);

    paddr_t pa;
    if (ra->capacity && ra->ext_addr < MMU_USER_TOP) /* make the buffer resident first */
        vm_fault_page(&r.map, ra->ext_addr, MMU_ACCESS_WRITE, &pa);
    memset(&regs, 0x5a, sizeof(regs));
    tf0 = regs;
    snapshot_take(&before);
    assert_int_equal(ipc_kmsg_deliver(&r, p, m, ra, &regs), err);
    snapshot_check(&before);
    assert_memory_equal(&regs, &tf0, sizeof(regs));
    assert_int_equal(region_count(&r), regions);
    assert_ptr_equal(port_peek(p), m); /* still queued */
    assert_int_equal(m->ool_pages, 3);
}

static void test_ipc_kmsg_deliver_refused(void **state)
{
    (void)state;
    struct full_send f;
    struct syscall_regs regs;
    uint32_t ext_bytes = 4 * sizeof(struct ipc_desc) + 100;

    full_send_copyin(&f);
    port_enqueue(p, f.m);
    struct ipc_rcv_args ra = {.ext_addr = EXT_VA, .capacity = ext_bytes - 1};
    deliver_refused(f.m, &ra, -ERR_TRUNCATED);
    ra.capacity = 0;
    deliver_refused(f.m, &ra, -ERR_TRUNCATED);
    ra.capacity = ext_bytes;
    ra.ext_addr = HOLE_VA;
    deliver_refused(f.m, &ra, -ERR_FAULT);
    ra.ext_addr = EXT_VA + EXT_SIZE - 64; /* runs off the end of the region */
    deliver_refused(f.m, &ra, -ERR_FAULT);
    ra.ext_addr = 0xffff800000000000ULL;
    deliver_refused(f.m, &ra, -ERR_FAULT);

    /* One free name for the two new ones it needs (the send right to q joins
     * rq): it can never be delivered, so it is dropped with what it holds
     * instead of blocking the queue for good. */
    port_name_t fill[IPC_SPACE_MAX_NAMES];
    unsigned n = 0, used;
    while (ipc_space_free_names(&r.ipc) > 1) {
        struct ipc_entry *e = ipc_entry_alloc(&r.ipc, &fill[n++]);
        assert_non_null(e);
        e->rights = IPC_RIGHT_DEAD_NAME;
    }
    ra.ext_addr = EXT_VA;
    used = r.ipc.used;
    assert_int_equal(ipc_kmsg_deliver(&r, p, f.m, &ra, &regs), -ERR_NOSPACE);
    assert_int_equal(p->qcount, 0);
    assert_int_equal(r.ipc.used, used);
    assert_int_equal(q->send_rights, 1); /* the copy it carried went with it */
    assert_int_equal(t->send_rights, 0);
    assert_int_equal(t->send_once_rights, 0);
    assert_int_equal(ipc_test_port_op(&r, PORT_OP_DEALLOCATE, fill[0], 0), 0);

    /* With exactly the two names it needs, the same send is delivered. */
    full_send_copyin(&f);
    port_enqueue(p, f.m);
    assert_int_equal(deliver(&r, f.m, &ra, &regs), 0);
    assert_int_equal(p->qcount, 0);
    assert_null(port_peek(p));
    assert_int_equal(ipc_space_free_names(&r.ipc), 0); /* the send right to q joined rq */
    assert_int_equal(regs.arg[IPC_ARG_EXT_SIZE], ext_bytes);
}

static void test_ipc_kmsg_destroy_frees(void **state)
{
    (void)state;
    struct kmsg *m = NULL;
    struct ipc_desc d[4] = {
        desc_port(sq, IPC_DISP_COPY_SEND),
        desc_port(ts, IPC_DISP_MAKE_SEND),
        desc_ool(OOL_VA, 3 * PAGE_SIZE, IPC_OOL_MOVE),
        desc_ool(OOL_VA + 3 * PAGE_SIZE, 2 * PAGE_SIZE, IPC_OOL_COPY),
    };

    for (unsigned i = 0; i < 5; i++)
        page_fill(OOL_VA + i * PAGE_SIZE, (uint8_t)i);
    struct ipc_send_args a = send_to_p(d, 4, 3000); /* inline data in a whole frame */
    a.local = sq;
    a.local_disp = IPC_DISP_COPY_SEND;
    uint64_t before = host_free_frames();
    assert_int_equal(ipc_kmsg_copyin(&s, &a, &m), 0);
    assert_int_equal(q->send_rights, 3);
    assert_int_equal(t->send_rights, 1);
    assert_int_equal(t->refs, 2);
    ipc_kmsg_destroy(m);
    assert_int_equal(q->send_rights, 1);
    assert_int_equal(t->send_rights, 0);
    assert_int_equal(t->refs, 1);
    /* The message, its inline frame and the copies are gone, and so are the moved pages. */
    assert_int_equal(host_free_frames(), before + 3);
    assert_int_equal(frame_at(&s, OOL_VA + 3 * PAGE_SIZE) != 0, 1);
}

/*
 * A message that moves a right out of a name and also copies or makes a right
 * from that same name is refused (-ERR_RIGHT) before anything is taken: the
 * move may free the name (this once crashed the kernel).
 */
static void test_ipc_kmsg_move_then_copy_refused(void **state)
{
    (void)state;
    struct kmsg *m = NULL;
    struct ipc_desc d[2] = {desc_port(sq, IPC_DISP_MOVE_SEND), desc_port(sq, IPC_DISP_COPY_SEND)};
    struct ipc_send_args a = send_to_p(d, 2, 0);
    int err = ipc_kmsg_copyin(&s, &a, &m);

    assert_int_equal(err, -ERR_RIGHT);
}

static void test_ipc_kmsg_move_receive_then_make_refused(void **state)
{
    (void)state;
    struct kmsg *m = NULL;
    struct ipc_desc d[2] = {desc_port(ts, IPC_DISP_MOVE_RECEIVE),
                            desc_port(ts, IPC_DISP_MAKE_SEND)};
    struct ipc_send_args a = send_to_p(d, 2, 0);
    int err = ipc_kmsg_copyin(&s, &a, &m);

    assert_int_equal(err, -ERR_RIGHT);
}

/*
 * A delivery that needs a new page of name entries when no frame is left
 * fails with -ERR_NOMEM and leaves the message queued (this once panicked).
 */
static void test_ipc_kmsg_deliver_out_of_memory(void **state)
{
    (void)state;
    struct kmsg *m = NULL;
    struct ipc_desc d[1] = {desc_port(ts, IPC_DISP_MAKE_SEND_ONCE)};
    struct ipc_send_args a = send_to_p(d, 1, 0);
    struct ipc_rcv_args ra = {.ext_addr = EXT_VA, .capacity = EXT_SIZE};
    struct syscall_regs regs;
    paddr_t hoard = 0, pa;
    port_name_t name;

    while (r.ipc.used < IPC_ENTRIES_PER_PAGE - 1) /* the first page of entries is full */
        ipc_entry_alloc(&r.ipc, &name)->rights = IPC_RIGHT_DEAD_NAME;
    assert_int_equal(ipc_kmsg_copyin(&s, &a, &m), 0);
    port_enqueue(p, m);
    assert_int_equal(vm_copy_out(&r.map, EXT_VA, "", 1), 0); /* the buffer is resident */
    while ((pa = frame_alloc(FRAME_KERNEL, NULL)) != 0) {
        *(paddr_t *)phys_to_virt(pa) = hoard;
        hoard = pa;
    }
    int err = deliver(&r, m, &ra, &regs);
    while ((pa = hoard) != 0) {
        hoard = *(paddr_t *)phys_to_virt(pa);
        frame_free(pa);
    }
    assert_int_equal(err, -ERR_NOMEM);
    assert_ptr_equal(port_peek(p), m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_bad_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_ool_not_owned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_rights_moved_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_rights_wrong_or_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_copyin_deliver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_inline_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_seqno, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_kernel_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_deliver_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_destroy_frees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_move_then_copy_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_move_receive_then_make_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ipc_kmsg_deliver_out_of_memory, setup, teardown),
    };
    return cmocka_run_group_tests_name("ipc_kmsg", tests, group_setup, group_teardown);
}
