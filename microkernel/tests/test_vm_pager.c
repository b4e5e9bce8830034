/*
 * The external pager's object and page state machine on the host: init,
 * data_request (one per busy page whatever the number of faulting threads),
 * data_supply, data_unavailable, data_error, lock_request, pager death and
 * termination, each refusal leaving the object and the frame counts as they
 * were. A fault runs the real code (vm_fault_page, vm_pager_fault) until the
 * thread would switch away: the linker wraps arch_context_switch with a
 * longjmp back to the test, so the thread stays parked on the busy page
 * exactly as the kernel left it, and the test checks how it is woken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <abi/pager.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <lib/lib.h>
#include <memory_object_control_kabi.h>
#include <memory_object_control_kserver.h>
#include <memory_object_kabi.h>
#include <syscalls_kabi.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#include "host_support.h"
#include "ipc_support.h"
#include "mmu_fake.h"

#define OBJ_PAGES 8u
#define OBJ_SIZE (OBJ_PAGES * PAGE_SIZE)
#define VA 0x10000000ULL     /* the object's region in the faulting task F */
#define SRC_VA 0x20000000ULL /* the pager's pages to supply, in P */
#define SRC_PAGES 8u
#define EXT_VA 0x30000000ULL /* the pager's message extension buffer */
#define NTHREADS 4
#define BLOCKED (-1) /* fault_as: the thread blocked */

#define LOCK_CLEAN 1u
#define LOCK_FLUSH 2u
#define LOCK_WRITE_PROTECT 3u
#define LOCK_GRANT_WRITE 4u

static struct task F, P;   /* the faulting task and the pager task */
static struct port *pager; /* the pager's port (receive right in P) */
static port_name_t pager_name, ctl_name;
static struct vm_object *obj;
static struct thread th[NTHREADS]; /* faulting threads of F */
static struct thread pt;           /* the pager's thread */
static struct thread *idle;
static uint64_t baseline, user_baseline;

/* --- threads that block: the switch goes back to the test --- */

static jmp_buf block_jmp;
static bool block_armed;

void __wrap_arch_context_switch(struct arch_context *from, struct arch_context *to);
void __wrap_arch_context_switch(struct arch_context *from, struct arch_context *to)
{
    (void)from, (void)to;
    if (!block_armed)
        fail_msg("a thread blocked outside fault_as");
    block_armed = false;
    longjmp(block_jmp, 1);
}

static void thread_fake(struct thread *t, struct task *task)
{
    static uint8_t stacks[NTHREADS + 1][1024] __attribute__((aligned(16)));
    static unsigned next;

    memset(t, 0, sizeof(*t));
    t->task = task;
    t->state = THREAD_READY;
    t->kstack_top = (uint64_t)(stacks[next++ % (NTHREADS + 1)] + 1024);
    thread_links_init(t);
}

/*
 * @t (of F) touches @va for @access: VM_FAULT_OK (the page is mapped), an
 * error, or BLOCKED when it waits (then the CPU went to the idle thread, or
 * to a pager thread the request was handed to).
 */
static int fault_as(struct thread *t, vaddr_t va, enum mmu_access access)
{
    paddr_t pa;

    assert_int_not_equal(t->state, THREAD_BLOCKED);
    ipc_test_thread_forget(t); /* off the run queue: it runs */
    t->state = THREAD_RUNNING;
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)t);
    block_armed = true;
    if (setjmp(block_jmp))
        return BLOCKED;
    int r = vm_fault_page(&F.map, va, access, &pa);
    block_armed = false;
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)idle);
    return r;
}

static void assert_waits(struct thread *t, uint64_t offset)
{
    struct vm_page *p = vm_object_page_lookup(obj, offset);

    assert_non_null(p);
    assert_int_equal(t->state, THREAD_BLOCKED);
    assert_ptr_equal(t->waiting_on, &p->waiters);
}

static void assert_woken(struct thread *t, int result)
{
    assert_int_equal(t->state, THREAD_READY);
    assert_null(t->waiting_on);
    assert_int_equal(t->wake_result, result);
}

/* --- the pager's side --- */

/* The frame @task maps at @va, or 0; its protection in *@prot. */
static paddr_t frame_at(struct task *task, vaddr_t va, unsigned *prot)
{
    struct mmu_mapping mm;

    if (mmu_query(&task->map.space, va, &mm) != MMU_OK)
        return 0;
    if (prot)
        *prot = mm.prot;
    return mm.pa;
}

static bool page_is(paddr_t pa, uint8_t byte)
{
    const uint8_t *b = phys_to_virt(pa);

    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (b[i] != byte)
            return false;
    return true;
}

/* The first queued message of the pager's port, taken off the queue. */
static struct kmsg *pager_take(uint32_t id)
{
    struct kmsg *m = port_peek(pager);

    assert_non_null(m);
    assert_int_equal(m->id, id);
    port_dequeue(pager, m);
    return m;
}

/* Take init off the pager's queue and give the control right to P. */
static void pager_accept_init(void)
{
    struct kmsg *m = pager_take(MEMORY_OBJECT_INIT_ID);

    assert_int_equal(ipc_space_reserve(&P.ipc, 1), 0);
    ctl_name = ipc_right_install(&P, &m->desc[MEMORY_OBJECT_INIT_CONTROL_DESC].right);
    ipc_kmsg_destroy(m);
}

/* Take a data_request for @npages pages off the queue and check it. */
static void pager_expect_request_n(uint64_t offset, uint64_t npages, unsigned access)
{
    struct kmsg *m = pager_take(MEMORY_OBJECT_DATA_REQUEST_ID);

    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_OBJECT_SLOT], obj->id);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT], offset);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_COUNT_SLOT], npages * PAGE_SIZE);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_ACCESS_SLOT], access);
    ipc_kmsg_destroy(m);
}

/* The same for a request of one page. */
static void pager_expect_request(uint64_t offset, unsigned access)
{
    pager_expect_request_n(offset, 1, access);
}

/*
 * P calls the control port through SYS_IPC (EXT_VA is its extension and its
 * receive buffer) with @ndesc descriptors and @inline_bytes inline bytes
 * there: the syscall's result, the reply code in *@code.
 */
static int64_t pager_call(uint32_t id, unsigned ndesc, uint32_t inline_bytes, const uint64_t w[3],
                          int64_t *code)
{
    struct syscall_regs regs = {
        .arg = {[IPC_ARG_OPTIONS] = IPC_SEND | IPC_RECV | IPC_CALL,
                [IPC_ARG_NAMES] = ctl_name,
                [IPC_ARG_TAG] = IPC_TAG(id, IPC_DISP_COPY_SEND, 0, ndesc),
                [IPC_ARG_EXT_SIZE] =
                    (ndesc * sizeof(struct ipc_desc) + inline_bytes) | (uint64_t)PAGE_SIZE << 32,
                [IPC_ARG_TIMEOUT] = IPC_TIMEOUT_NONE,
                [IPC_ARG_EXT_ADDR] = EXT_VA},
        .word = {w[0], w[1], w[2]}};

    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)&pt);
    pt.state = THREAD_RUNNING;
    int64_t r = sys_ipc(&P, &regs);
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)idle);
    *code = (int64_t)regs.word[0];
    return r;
}

/* A register-only control call: the call succeeds and the kernel answers @expect. */
static void pager_words(uint32_t id, uint64_t w0, uint64_t w1, uint64_t w2, int64_t expect)
{
    const uint64_t w[3] = {w0, w1, w2};
    int64_t code = 12345;

    assert_int_equal(pager_call(id, 0, 0, w, &code), 0);
    assert_int_equal(code, expect);
}

/*
 * P fills its pages [@first, @first + @n) with bytes @byte + i and supplies
 * them at @offset (moved, zero copy). Returns the reply code (or the
 * syscall's error); the frames that were P's in @frames (if not NULL).
 */
static int64_t pager_supply(uint64_t offset, uint64_t flags, unsigned first, unsigned n,
                            uint8_t byte, paddr_t *frames)
{
    static uint8_t page[PAGE_SIZE];
    struct ipc_desc d = {.type = IPC_DESC_OOL,
                         .flags = IPC_OOL_MOVE,
                         .address = SRC_VA + first * PAGE_SIZE,
                         .size = n * PAGE_SIZE};
    const uint64_t w[3] = {offset, flags, 0};
    int64_t code = 12345;

    for (unsigned i = 0; i < n; i++) {
        vaddr_t va = SRC_VA + (first + i) * PAGE_SIZE;
        memset(page, byte + i, sizeof(page));
        assert_int_equal(vm_copy_out(&P.map, va, page, sizeof(page)), 0);
        if (frames)
            frames[i] = frame_at(&P, va, NULL);
    }
    assert_int_equal(vm_copy_out(&P.map, EXT_VA, &d, sizeof(d)), 0);
    int64_t r = pager_call(MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID, 1, 0, w, &code);
    return r ? r : code;
}

/* --- everything a refused pager message must leave alone --- */

struct page_state {
    bool present;
    paddr_t frame;
    uint32_t flags;
    uint8_t first_byte;
};

struct snapshot {
    uint64_t resident, free_frames, user_frames, requests, supplies, zero_fills;
    uint32_t pager_qcount;
    struct page_state page[OBJ_PAGES];
    enum thread_state thread[NTHREADS];
};

static void snapshot_take(struct snapshot *s)
{
    memset(s, 0, sizeof(*s));
    s->resident = obj->resident;
    s->free_frames = host_free_frames();
    s->user_frames = frame_state_count(FRAME_USER);
    s->requests = vm_stats.pager_requests;
    s->supplies = vm_stats.pager_supplies;
    s->zero_fills = vm_stats.zero_fills;
    s->pager_qcount = pager->qcount;
    for (unsigned i = 0; i < OBJ_PAGES; i++) {
        struct vm_page *p = vm_object_page_lookup(obj, i * PAGE_SIZE);
        if (!p)
            continue;
        s->page[i] = (struct page_state){.present = true, .frame = p->frame, .flags = p->flags};
        if (p->frame)
            s->page[i].first_byte = *(uint8_t *)phys_to_virt(p->frame);
    }
    for (unsigned i = 0; i < NTHREADS; i++)
        s->thread[i] = th[i].state;
}

static void snapshot_check(const struct snapshot *before)
{
    struct snapshot now;

    snapshot_take(&now);
    assert_memory_equal(&now, before, sizeof(now));
}

/* A control message @id built in the kernel: words @w0..@w2, no descriptors yet. */
static struct kmsg *control_msg(uint32_t id, uint64_t w0, uint64_t w1, uint64_t w2)
{
    struct kmsg *m = ipc_kmsg_alloc(true);

    assert_non_null(m);
    m->id = id;
    m->w[0] = w0;
    m->w[1] = w1;
    m->w[2] = w2;
    return m;
}

/* Add to @m an OOL descriptor (moved) of @n fresh frames, not taken from P's
 * map, so the frame accounting is exact. */
static void msg_add_ool(struct kmsg *m, unsigned n)
{
    m->desc[m->ndesc++] = (struct kdesc){
        .type = IPC_DESC_OOL, .flags = IPC_OOL_MOVE, .first_page = m->ool_pages, .npages = n};
    for (unsigned i = 0; i < n; i++) {
        paddr_t pa = frame_alloc(FRAME_USER, NULL);
        assert_true(pa != 0);
        memset(phys_to_virt(pa), 0xee, PAGE_SIZE);
        m->ool[m->ool_pages++] = pa;
    }
}

/* Add to @m a port descriptor carrying a send right to the pager's port. */
static void msg_add_port(struct kmsg *m)
{
    port_ref(pager);
    pager->send_rights++;
    m->desc[m->ndesc++] = (struct kdesc){.type = IPC_DESC_PORT,
                                         .flags = IPC_DISP_COPY_SEND,
                                         .right = {.port = pager, .kind = IPC_RIGHT_SEND}};
}

/* Give @m @size inline bytes (zeros). */
static void msg_add_inline(struct kmsg *m, uint32_t size)
{
    m->inline_data = kzalloc(size);
    assert_non_null(m->inline_data);
    m->inline_size = size;
}

/*
 * A data_supply of @n fresh frames in a descriptor of @type, the message
 * claiming @ndesc descriptors.
 */
static struct kmsg *supply_msg(uint64_t offset, uint64_t flags, unsigned n, unsigned ndesc,
                               uint32_t type)
{
    struct kmsg *m = control_msg(MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID, offset, flags, 0);

    msg_add_ool(m, n);
    m->desc[0].type = type;
    m->ndesc = ndesc;
    return m;
}

/*
 * Control message @m (consumed) is refused with @err: its answer carries only
 * the code, the object took none of its pages, and nothing changes.
 */
static void control_refused(struct kmsg *m, int err)
{
    struct memory_object_control_kreply answer;
    struct snapshot before;
    uint32_t pages = m->ool_pages;

    memset(&answer, 0xa5, sizeof(answer));
    snapshot_take(&before);
    assert_int_equal(vm_pager_control(obj, m, &answer), err);
    assert_int_equal((int64_t)answer.w[0], err);
    assert_int_equal(answer.w[1] | answer.w[2] | answer.w[3], 0);
    assert_int_equal(answer.inline_size, 0);
    assert_int_equal(m->ool_pages, pages);
    snapshot_check(&before);
    ipc_kmsg_destroy(m);
}

/* The supply is refused with @err; nothing changes and its frames go back. */
static void supply_refused(uint64_t offset, uint64_t flags, unsigned n, unsigned ndesc,
                           uint32_t type, int err)
{
    control_refused(supply_msg(offset, flags, n, ndesc, type), err);
}

/* A register-only control message is refused with @err and changes nothing. */
static void words_refused(uint32_t id, uint64_t w0, uint64_t w1, uint64_t w2, int64_t err)
{
    struct snapshot before;

    snapshot_take(&before);
    pager_words(id, w0, w1, w2, err);
    snapshot_check(&before);
}

/* --- fixture --- */

static int group_setup(void **state)
{
    (void)state;
    ipc_test_env_init(2048);
    idle = thread_current();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ipc_test_env_fini();
    return 0;
}

/* A new external object of @size served by @pager, mapped read/write at VA in F. */
static int object_create(uint64_t size, struct vm_object **out)
{
    struct kright r = {.port = pager, .kind = IPC_RIGHT_SEND};

    port_ref(pager);
    pager->send_rights++;
    int err = vm_object_create_external(&r, size, acct_current(), out);
    ipc_right_release(&r); /* NULL once the object holds it */
    return err;
}

static int setup(void **state)
{
    static const uint8_t zero[PAGE_SIZE];

    (void)state;
    baseline = host_free_frames();
    ipc_test_task_init(&F, 1);
    ipc_test_task_init(&P, 2);
    pager_name = ipc_test_port_allocate(&P);
    pager = ipc_entry_lookup(&P.ipc, pager_name)->object;
    ipc_test_map_region(&P, SRC_VA, SRC_PAGES * PAGE_SIZE);
    ipc_test_map_region(&P, EXT_VA, PAGE_SIZE);
    assert_int_equal(vm_copy_out(&P.map, EXT_VA, zero, sizeof(zero)), 0);
    for (unsigned i = 0; i < NTHREADS; i++)
        thread_fake(&th[i], &F);
    thread_fake(&pt, &P);
    ctl_name = PORT_NULL;
    user_baseline = frame_state_count(FRAME_USER);
    assert_int_equal(object_create(OBJ_SIZE, &obj), 0);
    assert_int_equal(
        vm_map_enter(&F.map, VA, OBJ_SIZE, MMU_PROT_READ | MMU_PROT_WRITE, obj, 0, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    block_armed = false;
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)idle);
    mmu_switch(mmu_kernel_space());
    ipc_test_task_destroy(&F); /* the last reference to obj, unless the test dropped it */
    for (unsigned i = 0; i < NTHREADS; i++)
        ipc_test_thread_forget(&th[i]);
    ipc_test_thread_forget(&pt);
    ipc_test_task_destroy(&P);
    assert_int_equal(host_free_frames(), baseline);
    return 0;
}

/* --- init and requests --- */

static void test_vm_pager_init(void **state)
{
    (void)state;
    struct kmsg *m = port_peek(pager);
    struct vm_object *second;

    assert_int_equal(pager->qcount, 1);
    assert_int_equal(m->id, MEMORY_OBJECT_INIT_ID);
    assert_int_not_equal(obj->id, 0);
    assert_int_equal(m->w[MEMORY_OBJECT_INIT_OBJECT_SLOT], obj->id);
    assert_int_equal(m->w[MEMORY_OBJECT_INIT_SIZE_SLOT], OBJ_SIZE);
    assert_int_equal(m->ndesc, MEMORY_OBJECT_INIT_REQUEST_NDESC);
    struct kdesc *d = &m->desc[MEMORY_OBJECT_INIT_CONTROL_DESC];
    assert_int_equal(d->type, IPC_DESC_PORT);
    assert_int_equal(d->flags, MEMORY_OBJECT_INIT_CONTROL_DISP);
    assert_ptr_equal(d->right.port, obj->control);
    assert_int_equal(d->right.kind, IPC_RIGHT_SEND);
    assert_ptr_equal(obj->control->kobject, obj);
    assert_int_equal(obj->control->send_rights, 1); /* the one in the message */
    assert_ptr_equal(obj->ops, &vm_external_pager_ops);
    assert_ptr_equal(obj->pager, pager);
    assert_int_equal(pager->send_rights, 1);
    assert_ptr_equal(pager->pager_objects.next, &obj->pager_link);

    /* The pager learns the control port: its name in P is a send right. */
    pager_accept_init();
    assert_int_equal(ipc_test_port_op(&P, PORT_OP_GET_RIGHTS, ctl_name, 0),
                     IPC_RIGHT_SEND | (1 << 8));
    pager_words(MEMORY_OBJECT_CONTROL_READY_ID, 0, 0, 0, 0);

    /* A second object: its own id and control port. */
    assert_int_equal(object_create(PAGE_SIZE, &second), 0);
    m = port_peek(pager);
    assert_int_equal(m->w[MEMORY_OBJECT_INIT_OBJECT_SLOT], second->id);
    assert_int_not_equal(second->id, obj->id);
    assert_ptr_not_equal(second->control, obj->control);
    assert_int_equal(pager->send_rights, 2);
    vm_object_unref(second);
    assert_int_equal(pager->send_rights, 1);
}

/*
 * init names the task whose account the object is charged to (the account
 * given, not the creating thread's), so the pager can charge its swap
 * blocks to it; the kernel's account is task 0.
 */
static void test_vm_pager_init_owner(void **state)
{
    (void)state;
    uint32_t slot = acct_open(77);
    struct kright r = {.port = pager, .kind = IPC_RIGHT_SEND};
    struct vm_object *owned;

    assert_int_not_equal(slot, ACCT_KERNEL);
    assert_int_not_equal(acct_current(), slot);
    struct kmsg *m = pager_take(MEMORY_OBJECT_INIT_ID); /* setup's object: the current account */
    assert_int_equal(m->w[MEMORY_OBJECT_INIT_OWNER_SLOT], acct_task(acct_current()));
    ipc_kmsg_destroy(m);
    port_ref(pager);
    pager->send_rights++;
    assert_int_equal(vm_object_create_external(&r, PAGE_SIZE, slot, &owned), 0);
    assert_int_equal(owned->acct, slot);
    m = pager_take(MEMORY_OBJECT_INIT_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_INIT_OBJECT_SLOT], owned->id);
    assert_int_equal(m->w[MEMORY_OBJECT_INIT_OWNER_SLOT], 77);
    ipc_kmsg_destroy(m);
    vm_object_unref(owned);
    acct_close(slot);
    assert_true(acct_empty(slot));
}

/* Concurrent faults on one page: one busy page, one data_request, every thread waits on it. */
static void test_vm_pager_one_request(void **state)
{
    (void)state;
    uint64_t requests = vm_stats.pager_requests;

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE + 8, MMU_ACCESS_READ), BLOCKED);
    struct vm_page *p = vm_object_page_lookup(obj, PAGE_SIZE);
    assert_non_null(p);
    assert_true(p->flags & VM_PAGE_BUSY);
    assert_int_equal(p->frame, 0);
    assert_int_equal(obj->resident, 0);
    assert_waits(&th[0], PAGE_SIZE);
    assert_true(thread_deadline_armed(&th[0]));
    assert_ptr_equal(thread_current(), idle);
    assert_int_equal(pager->qcount, 1);
    assert_int_equal(vm_stats.pager_requests, requests + 1);

    /* More threads on the same page, reading and writing: no second request. */
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE + 0xff0, MMU_ACCESS_WRITE), BLOCKED);
    assert_int_equal(fault_as(&th[2], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_ptr_equal(vm_object_page_lookup(obj, PAGE_SIZE), p);
    assert_waits(&th[1], PAGE_SIZE);
    assert_waits(&th[2], PAGE_SIZE);
    assert_int_equal(pager->qcount, 1);
    assert_int_equal(vm_stats.pager_requests, requests + 1);
    assert_ptr_equal(obj->pages.next->next, &obj->pages); /* one page struct */

    /* A fault on another page is outstanding at the same time. */
    assert_int_equal(fault_as(&th[3], VA + 5 * PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    assert_waits(&th[3], 5 * PAGE_SIZE);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);
    pager_expect_request(5 * PAGE_SIZE, MMU_ACCESS_WRITE);
    assert_int_equal(pager->qcount, 0);
}

/* A pager thread waiting on its port gets the request in its registers (no message). */
static void test_vm_pager_request_handoff(void **state)
{
    (void)state;
    struct syscall_regs *regs = arch_user_regs(pt.kstack_top);

    pager_accept_init();
    ipc_test_thread_block(&pt, &P, &pager->receivers);
    pt.kstack_top = (uint64_t)(regs + 1);
    assert_int_equal(fault_as(&th[0], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_ptr_equal(thread_current(), &pt); /* switched straight to the pager */
    assert_int_equal(pt.state, THREAD_RUNNING);
    assert_int_equal(pt.wake_result, IPC_WAKE_DIRECT);
    assert_int_equal(IPC_TAG_ID(regs->arg[IPC_ARG_TAG]), MEMORY_OBJECT_DATA_REQUEST_ID);
    assert_int_equal(regs->arg[IPC_ARG_NAMES] >> 32, pager_name);
    assert_int_equal(regs->word[0], obj->id);
    assert_int_equal(regs->word[1], 2 * PAGE_SIZE);
    assert_int_equal(regs->word[2], PAGE_SIZE);
    assert_int_equal(regs->word[3], MMU_ACCESS_READ);
    assert_waits(&th[0], 2 * PAGE_SIZE);
    assert_int_equal(pager->qcount, 0);

    /* A second fault on the page: no request at all, it just waits. */
    ipc_test_thread_block(&pt, &P, &pager->receivers);
    assert_int_equal(fault_as(&th[1], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_ptr_equal(thread_current(), idle);
    assert_int_equal(pt.state, THREAD_BLOCKED);
    assert_int_equal(pager->qcount, 0);
    assert_waits(&th[1], 2 * PAGE_SIZE);
    ipc_test_thread_forget(&pt);
    pt.state = THREAD_READY;
}

/* --- data_supply --- */

/* Page @i of the object is resident with frame @frame holding @byte, owned by that page. */
static void assert_resident(unsigned i, paddr_t frame, uint8_t byte)
{
    struct vm_page *p = vm_object_page_lookup(obj, i * PAGE_SIZE);

    assert_non_null(p);
    assert_false(p->flags & VM_PAGE_BUSY);
    if (frame)
        assert_int_equal(p->frame, frame);
    assert_true(page_is(p->frame, byte));
    assert_ptr_equal(frame_of(p->frame)->owner, p);
    assert_int_equal(frame_of(p->frame)->state, FRAME_USER);
}

/* Pages moved out of the pager fill the busy page and prefetch the next ones. */
static void test_vm_pager_supply(void **state)
{
    (void)state;
    paddr_t frames[3];
    unsigned prot;
    uint64_t supplies = vm_stats.pager_supplies;

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);
    uint64_t user = frame_state_count(FRAME_USER);

    assert_int_equal(pager_supply(PAGE_SIZE, 0, 0, 3, 0x11, frames), 0);
    for (unsigned i = 0; i < 3; i++) {
        assert_resident(1 + i, frames[i], 0x11 + i); /* the same frames: zero copy */
        assert_int_equal(frame_at(&P, SRC_VA + i * PAGE_SIZE, NULL), 0); /* gone from P */
    }
    assert_int_equal(obj->resident, 3);
    assert_int_equal(frame_state_count(FRAME_USER), user + 3); /* P's three pages, not copies */
    assert_int_equal(vm_stats.pager_supplies, supplies + 1);
    assert_woken(&th[0], 0);
    assert_woken(&th[1], 0);

    /* The woken threads look again and map the page; the prefetched one needs no request. */
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);
    assert_int_equal(frame_at(&F, VA + PAGE_SIZE, &prot), frames[0]);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_OK);
    assert_int_equal(frame_at(&F, VA + PAGE_SIZE, &prot), frames[0]);
    assert_true(prot & MMU_PROT_WRITE);
    assert_int_equal(fault_as(&th[2], VA + 3 * PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_OK);
    assert_int_equal(frame_at(&F, VA + 3 * PAGE_SIZE, NULL), frames[2]);
    assert_int_equal(pager->qcount, 0);
    assert_int_equal(obj->resident, 3);
}

/*
 * Pageout's modified pages of one object at consecutive offsets go back in
 * one data_return (bit i of its dirty word for page i), sent when pageout
 * says so or when a fault on the object asks the pager for a page; a page
 * that does not follow starts a new message.
 */
static void test_vm_pager_returns_gathered(void **state)
{
    (void)state;
    paddr_t frames[5];

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(0, MMU_ACCESS_READ);
    assert_int_equal(pager_supply(0, 0, 0, 5, 0x40, frames), 0);
    for (unsigned i = 0; i < 5; i++)
        if (i != 1)
            vm_object_page_lookup(obj, i * PAGE_SIZE)->flags |= VM_PAGE_DIRTY;
    vm_object_page_lookup(obj, PAGE_SIZE)->flags |= VM_PAGE_PRECIOUS; /* back, unmodified */
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(vm_object_pageout(obj, i * PAGE_SIZE), 1);
    assert_int_equal(pager->qcount, 0); /* gathered, not sent yet */
    /* A gap: the three are a message of their own, held (as the frames of
     * any shootdown the unmaps owe) until pageout flushes. */
    assert_int_equal(vm_object_pageout(obj, 4 * PAGE_SIZE), 1);
    assert_int_equal(pager->qcount, 0);
    /* A fault on the object sends the gathered page before its request. */
    assert_int_equal(fault_as(&th[1], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager->qcount, 3);
    struct kmsg *m = port_peek(pager);
    assert_int_equal(m->id, MEMORY_OBJECT_DATA_RETURN_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT], 0);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT], 0x5);
    assert_int_equal(m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC].npages, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(m->ool[i], frames[i]);
    port_dequeue(pager, m);
    ipc_kmsg_destroy(m);
    m = port_peek(pager);
    assert_int_equal(m->id, MEMORY_OBJECT_DATA_RETURN_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT], 4 * PAGE_SIZE);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT], 0x1);
    assert_int_equal(m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC].npages, 1);
    port_dequeue(pager, m);
    ipc_kmsg_destroy(m);
    m = port_peek(pager);
    assert_int_equal(m->id, MEMORY_OBJECT_DATA_REQUEST_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT], 4 * PAGE_SIZE);
    assert_int_equal(obj->returned, 4);
}

/*
 * Sequential faults (docs/pager.md, "Clusters"): the second fault right
 * after the first asks for two pages, the third for four (cut before a
 * resident page); a pager may answer such a range one page per message,
 * and its data_unavailable fills the asked pages nobody waits for. Pages
 * outside the range are still refused.
 */
static void test_vm_pager_sequential(void **state)
{
    (void)state;

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(0, MMU_ACCESS_READ);
    assert_int_equal(pager_supply(0, 0, 0, 1, 0x10, NULL), 0);
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request_n(PAGE_SIZE, 2, MMU_ACCESS_READ);
    /* Page by page: the faulting page, then the other one alone. */
    assert_int_equal(pager_supply(PAGE_SIZE, 0, 0, 1, 0x11, NULL), 0);
    assert_int_equal(pager_supply(2 * PAGE_SIZE, 0, 1, 1, 0x12, NULL), 0);
    assert_int_equal(obj->resident, 3);
    supply_refused(3 * PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL, -ERR_INVAL); /* outside the range */
    /* Page 3 follows the range: four pages asked (3 to 6), page 7 resident cuts nothing. */
    assert_int_equal(fault_as(&th[1], VA + 3 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request_n(3 * PAGE_SIZE, 4, MMU_ACCESS_READ);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 3 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0);
    assert_woken(&th[1], 0);
    assert_int_equal(obj->resident, 7); /* the three asked pages too, zero filled */
    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 7 * PAGE_SIZE, PAGE_SIZE, 0,
                  -ERR_INVAL);
    /* A fault elsewhere starts again at one page, cut before a resident page. */
    assert_int_equal(fault_as(&th[2], VA + 7 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(7 * PAGE_SIZE, MMU_ACCESS_READ);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 7 * PAGE_SIZE, PAGE_SIZE, 0, 0);
}

/*
 * An answer the pager sent before it received a page's data_return was made
 * from what it held before the page came back: stale for that page
 * (page_returning). On several CPUs the pager answers an older request
 * while pageout sends pages back, and a stale data_unavailable zero filled
 * pages whose data was still in the queue (test_smp_shootdown with the
 * default pager read zeros). The page's new fault waits behind the return
 * and its own request brings the page in; neither a stale unavailable, an
 * error, a supply nor the asked range of an older request fills it. Once
 * the pager has received the return, its answers count again.
 */
static void test_vm_pager_stale_answer(void **state)
{
    (void)state;

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(0, MMU_ACCESS_READ);
    assert_int_equal(pager_supply(0, 0, 0, 1, 0x50, NULL), 0);
    assert_woken(&th[0], 0);
    /* Page 1 right after it: pages 1 and 2 are asked; the pager supplies page 1 alone. */
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request_n(PAGE_SIZE, 2, MMU_ACCESS_READ);
    assert_int_equal(pager_supply(PAGE_SIZE, 0, 1, 1, 0x51, NULL), 0);
    assert_woken(&th[1], 0);
    /* Both go back modified, in one data_return the pager has not received. */
    for (unsigned i = 0; i < 2; i++) {
        vm_object_page_lookup(obj, i * PAGE_SIZE)->flags |= VM_PAGE_DIRTY;
        assert_int_equal(vm_object_pageout(obj, i * PAGE_SIZE), 1);
    }
    vm_object_pageout_flush();
    assert_int_equal(pager->qcount, 1);
    /* The rest of the answer to the request for pages 1 and 2, stale for
     * page 1: page 2 is zero filled, page 1 stays absent. */
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0);
    assert_null(vm_object_page_lookup(obj, PAGE_SIZE));
    assert_non_null(vm_object_page_lookup(obj, 2 * PAGE_SIZE));
    /* Page 0 faults again: its request queues behind the return. Stale
     * answers for it leave it waiting. */
    assert_int_equal(fault_as(&th[2], VA, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager->qcount, 2);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 0, PAGE_SIZE, 0, 0);
    assert_waits(&th[2], 0);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_ERROR_ID, 0, PAGE_SIZE, 5, 0);
    assert_waits(&th[2], 0);
    uint64_t free_before = host_free_frames();
    assert_int_equal(pager_supply(0, 0, 2, 1, 0x60, NULL), 0);
    assert_waits(&th[2], 0);
    assert_int_equal(host_free_frames(), free_before); /* P's frame went, and was freed */
    assert_int_equal(obj->resident, 1);
    /* The pager receives the return, then the request: its answer is taken. */
    struct kmsg *m = pager_take(MEMORY_OBJECT_DATA_RETURN_ID);
    assert_int_equal(m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC].npages, 2);
    ipc_kmsg_destroy(m);
    m = pager_take(MEMORY_OBJECT_DATA_REQUEST_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT], 0);
    ipc_kmsg_destroy(m);
    assert_int_equal(pager_supply(0, 0, 3, 1, 0x50, NULL), 0);
    assert_woken(&th[2], 0);
    assert_true(page_is(vm_object_page_lookup(obj, 0)->frame, 0x50));
}

/*
 * A pager that answers ready with MEMORY_OBJECT_READY_CLUSTER gets the
 * absent pages around each request in its access word, may supply the
 * cluster whole, and may prefetch absent pages anywhere (SUPPLY_PREFETCH)
 * while the request waits, not after; SUPPLY_MAP maps them too. Unknown ready attributes are
 * refused.
 */
static void test_vm_pager_cluster_hint(void **state)
{
    (void)state;

    pager_accept_init();
    pager_words(MEMORY_OBJECT_CONTROL_READY_ID, 0x80, 0, 0, -ERR_INVAL);
    pager_words(MEMORY_OBJECT_CONTROL_READY_ID, MEMORY_OBJECT_READY_CLUSTER, 0, 0, 0);
    assert_int_equal(fault_as(&th[0], VA + 6 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(6 * PAGE_SIZE, MMU_ACCESS_READ | MEMORY_OBJECT_CLUSTER_HINT(6, 1));
    assert_int_equal(pager_supply(0, 0x4, 0, 1, 0x20, NULL), 0); /* prefetch while it waits */
    assert_int_equal(frame_at(&F, VA, NULL), 0);                 /* in the object, not mapped */
    uint64_t mapped = vm_stats.mapped_supplied;
    assert_int_equal(pager_supply(PAGE_SIZE, 0xc, 0, 1, 0x21, NULL), 0); /* and mapped */
    assert_int_not_equal(frame_at(&F, VA + PAGE_SIZE, NULL), 0);
    assert_int_equal(vm_stats.mapped_supplied, mapped + 1);
    supply_refused(2 * PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL, -ERR_INVAL);      /* unflagged: refused */
    assert_int_equal(pager_supply(4 * PAGE_SIZE, 0, 1, 4, 0x24, NULL), 0); /* the cluster */
    assert_woken(&th[0], 0);
    assert_int_equal(obj->resident, 6);
    supply_refused(2 * PAGE_SIZE, 0x4, 1, 1, IPC_DESC_OOL, -ERR_INVAL); /* answered: too late */
    /* Page 3: page 1 resident before it, pages 4 to 7 after it. */
    assert_int_equal(fault_as(&th[1], VA + 3 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(3 * PAGE_SIZE, MMU_ACCESS_READ | MEMORY_OBJECT_CLUSTER_HINT(1, 0));
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 2 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0);
    assert_woken(&th[1], 0);
}

/* Supplies that nobody asked for, that duplicate resident pages, or that are malformed. */
static void test_vm_pager_supply_refused(void **state)
{
    (void)state;
    paddr_t frames[2];

    pager_accept_init();
    /* Pages 1 and 2 resident (2 prefetched), page 4 busy with a waiter, the rest absent. */
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager_supply(PAGE_SIZE, 0, 0, 2, 0x21, frames), 0);
    assert_int_equal(fault_as(&th[1], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);

    supply_refused(5 * PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL, -ERR_INVAL); /* not requested */
    supply_refused(5 * PAGE_SIZE, 0, 3, 1, IPC_DESC_OOL, -ERR_INVAL);
    supply_refused(0, 0, 1, 1, IPC_DESC_OOL, -ERR_INVAL);
    supply_refused(PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL, -ERR_BUSY); /* duplicates */
    supply_refused(2 * PAGE_SIZE, 0, 3, 1, IPC_DESC_OOL, -ERR_BUSY);
    supply_refused(0, 0, 5, 1, IPC_DESC_OOL, -ERR_BUSY);
    supply_refused(7 * PAGE_SIZE, 0, 2, 1, IPC_DESC_OOL, -ERR_INVAL); /* past the end */
    supply_refused(3 * PAGE_SIZE, 0, 6, 1, IPC_DESC_OOL, -ERR_INVAL);
    supply_refused(OBJ_SIZE, 0, 1, 1, IPC_DESC_OOL, -ERR_INVAL);
    supply_refused(UINT64_MAX & ~(uint64_t)(PAGE_SIZE - 1), 0, 1, 1, IPC_DESC_OOL, -ERR_INVAL);
    supply_refused(4 * PAGE_SIZE + 8, 0, 1, 1, IPC_DESC_OOL, -ERR_INVAL); /* unaligned */
    supply_refused(4 * PAGE_SIZE, 0x10, 1, 1, IPC_DESC_OOL, -ERR_INVAL);  /* unknown flag */
    supply_refused(4 * PAGE_SIZE, 0, 0, 1, IPC_DESC_OOL, -ERR_INVAL);     /* no page */
    supply_refused(4 * PAGE_SIZE, 0, 1, 0, IPC_DESC_OOL, -ERR_INVAL);     /* no descriptor */
    supply_refused(4 * PAGE_SIZE, 0, 1, 2, IPC_DESC_OOL, -ERR_INVAL);
    supply_refused(4 * PAGE_SIZE, 0, 1, 1, IPC_DESC_PORT, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID, 4 * PAGE_SIZE, 0, 0, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_BASE + 0x40, 4 * PAGE_SIZE, 0, 0, -ERR_NOSYS);
    assert_resident(1, frames[0], 0x21);
    assert_resident(2, frames[1], 0x22);
    assert_waits(&th[1], 4 * PAGE_SIZE);

    /* Through SYS_IPC: a duplicate of pages P owns is refused too, and its frames freed. */
    uint64_t user = frame_state_count(FRAME_USER);
    assert_int_equal(pager_supply(PAGE_SIZE, 0, 2, 2, 0x41, NULL), -ERR_BUSY);
    assert_int_equal(frame_state_count(FRAME_USER), user);
    assert_resident(1, frames[0], 0x21);
    assert_null(vm_object_page_lookup(obj, 3 * PAGE_SIZE));

    /* The right answer still works. */
    assert_int_equal(pager_supply(4 * PAGE_SIZE, 0, 4, 1, 0x44, NULL), 0);
    assert_resident(4, 0, 0x44);
    assert_woken(&th[1], 0);
}

/* --- the shape of control messages (the generated dispatch) --- */

/*
 * Messages whose shape is wrong are refused before any handler runs: each
 * would zero fill or supply the busy page 1, or write-protect the resident
 * page 2, if its handler ran.
 */
static void test_vm_pager_control_shape(void **state)
{
    (void)state;
    const uint32_t unavailable = MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID;
    struct kmsg *m;

    pager_accept_init();
    assert_int_equal(fault_as(&th[1], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager_supply(2 * PAGE_SIZE, 0, 0, 1, 0x22, NULL), 0);
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(2 * PAGE_SIZE, MMU_ACCESS_READ);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);

    m = control_msg(unavailable, PAGE_SIZE, PAGE_SIZE, 0); /* an extra descriptor */
    msg_add_ool(m, 1);
    control_refused(m, -ERR_INVAL);
    m = control_msg(unavailable, PAGE_SIZE, PAGE_SIZE, 0); /* a port right nobody expects */
    msg_add_port(m);
    control_refused(m, -ERR_INVAL);
    m = control_msg(unavailable, PAGE_SIZE, PAGE_SIZE, 0); /* inline bytes where none belong */
    msg_add_inline(m, 8);
    control_refused(m, -ERR_INVAL);
    m = control_msg(MEMORY_OBJECT_CONTROL_DATA_ERROR_ID, PAGE_SIZE, PAGE_SIZE, 5);
    msg_add_inline(m, 8);
    control_refused(m, -ERR_INVAL);
    m = control_msg(MEMORY_OBJECT_CONTROL_STORE_FULL_ID, 1, 0, 0);
    msg_add_ool(m, 1);
    control_refused(m, -ERR_INVAL);

    /* data_supply: a missing descriptor, one of the wrong type or flags, one too many. */
    control_refused(control_msg(MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID, PAGE_SIZE, 0, 0), -ERR_INVAL);
    m = control_msg(MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID, PAGE_SIZE, 0, 0);
    msg_add_port(m);
    control_refused(m, -ERR_INVAL);
    m = supply_msg(PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL);
    m->desc[0].flags = 0;
    control_refused(m, -ERR_INVAL);
    m = supply_msg(PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL);
    msg_add_ool(m, 1);
    control_refused(m, -ERR_INVAL);
    m = supply_msg(PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL);
    msg_add_port(m);
    control_refused(m, -ERR_INVAL);
    m = supply_msg(PAGE_SIZE, 0, 1, 1, IPC_DESC_OOL);
    msg_add_inline(m, 16);
    control_refused(m, -ERR_INVAL);

    /* lock_request's op is a u32: high bits set are refused, not truncated away. */
    const uint64_t op_high = (uint64_t)1 << 32 | LOCK_WRITE_PROTECT;
    words_refused(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, 3 * PAGE_SIZE, op_high, -ERR_INVAL);
    control_refused(control_msg(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, 3 * PAGE_SIZE, op_high),
                    -ERR_INVAL);

    /* Ids no routine has: past the last one, below the first, a reply's. */
    control_refused(control_msg(MEMORY_OBJECT_CONTROL_BASE + MEMORY_OBJECT_CONTROL_COUNT, PAGE_SIZE,
                                PAGE_SIZE, 0),
                    -ERR_NOSYS);
    control_refused(control_msg(MEMORY_OBJECT_CONTROL_BASE - 1, PAGE_SIZE, PAGE_SIZE, 0),
                    -ERR_NOSYS);
    control_refused(control_msg(unavailable | IPC_ID_REPLY, PAGE_SIZE, PAGE_SIZE, 0), -ERR_NOSYS);

    /* Through SYS_IPC: inline bytes after the words of a data_unavailable. */
    struct snapshot before;
    const uint64_t w[3] = {PAGE_SIZE, PAGE_SIZE, 0};
    int64_t code = 12345;
    snapshot_take(&before);
    assert_int_equal(pager_call(unavailable, 0, 8, w, &code), 0);
    assert_int_equal(code, -ERR_INVAL);
    snapshot_check(&before);
    assert_waits(&th[0], PAGE_SIZE);

    /* A reply right other than send-once: the kernel answers through none. */
    port_name_t reply_name = ipc_test_port_allocate(&P);
    struct port *reply_port = ipc_entry_lookup(&P.ipc, reply_name)->object;
    struct syscall_regs regs = {
        .arg = {[IPC_ARG_OPTIONS] = IPC_SEND,
                [IPC_ARG_NAMES] = ctl_name | (uint64_t)reply_name << 32,
                [IPC_ARG_TAG] = IPC_TAG(unavailable, IPC_DISP_COPY_SEND, IPC_DISP_MAKE_SEND, 0),
                [IPC_ARG_TIMEOUT] = IPC_TIMEOUT_NONE},
        .word = {PAGE_SIZE, PAGE_SIZE}};
    snapshot_take(&before);
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)&pt);
    assert_int_equal(sys_ipc(&P, &regs), -ERR_INVAL);
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)idle);
    snapshot_check(&before);
    assert_int_equal(reply_port->send_rights, 0);
    assert_int_equal(reply_port->send_once_rights, 0);
    assert_int_equal(reply_port->qcount, 0);

    /* The same messages in the right shape are served. */
    pager_words(unavailable, PAGE_SIZE, PAGE_SIZE, 0, 0);
    assert_woken(&th[0], 0);
    assert_resident(1, 0, 0x00);
    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, 3 * PAGE_SIZE, LOCK_WRITE_PROTECT, 0);
    assert_true(vm_object_page_lookup(obj, 2 * PAGE_SIZE)->flags & VM_PAGE_WRITE_LOCK);
}

/* @t faults as vm_fault_user does for an untraced user fault: the answer may complete it. */
static int fault_armed_as(struct thread *t, vaddr_t va, enum mmu_access access)
{
    t->fault_resume.va = va;
    t->fault_resume.access = (uint8_t)access;
    t->fault_resume.armed = true;
    return fault_as(t, va, access);
}

/*
 * The fault fast path: the answer maps the page for the user faults that
 * wait on it (both readers and writers of one space, the page mapped once,
 * made dirty by the writer) and they resume without looking again; a
 * fault the kernel made for itself (a copy: not armed), a write to a page
 * supplied read-only and a waiter whose address is not that page look the
 * fault up again, as before.
 */
static void test_vm_pager_fault_resume(void **state)
{
    (void)state;
    paddr_t frames[2];
    unsigned prot = 0;
    uint64_t resumed = vm_stats.faults_resumed, resident = F.map.resident;

    pager_accept_init();
    assert_int_equal(fault_armed_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);
    assert_int_equal(fault_armed_as(&th[1], VA + PAGE_SIZE + 8, MMU_ACCESS_WRITE), BLOCKED);
    assert_int_equal(fault_as(&th[2], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_armed_as(&th[3], VA + 5 * PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(5 * PAGE_SIZE, MMU_ACCESS_WRITE);
    th[3].fault_resume.va = VA + 6 * PAGE_SIZE; /* as if it waited for another page */

    assert_int_equal(pager_supply(PAGE_SIZE, 0, 0, 1, 0x41, frames), 0);
    assert_woken(&th[0], VM_WAKE_MAPPED);
    assert_woken(&th[1], VM_WAKE_MAPPED);
    assert_woken(&th[2], 0);
    assert_int_equal(th[0].fault_resume.pa, frames[0]);
    assert_int_equal(frame_at(&F, VA + PAGE_SIZE, &prot), frames[0]);
    assert_true(prot & MMU_PROT_WRITE);
    assert_true(vm_object_page_lookup(obj, PAGE_SIZE)->flags & VM_PAGE_DIRTY);
    assert_int_equal(F.map.resident, resident + 1);
    assert_int_equal(vm_stats.faults_resumed, resumed + 2);

    /* Not its page: it looks again and finds it. */
    assert_int_equal(pager_supply(5 * PAGE_SIZE, 0, 1, 1, 0x42, frames + 1), 0);
    assert_woken(&th[3], 0);
    assert_int_equal(frame_at(&F, VA + 5 * PAGE_SIZE, NULL), 0);
    assert_int_equal(fault_as(&th[3], VA + 5 * PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_OK);

    /* A write to a page supplied read-only: the pager must grant it first. */
    assert_int_equal(fault_armed_as(&th[0], VA, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(0, MMU_ACCESS_WRITE);
    assert_int_equal(pager_supply(0, 1, 2, 1, 0x43, NULL), 0);
    assert_woken(&th[0], 0);
    assert_int_equal(frame_at(&F, VA, NULL), 0);
    assert_int_equal(vm_stats.faults_resumed, resumed + 2);
}

/* --- data_unavailable and data_error --- */

/* Zero fill: only the busy pages of the range; resident ones keep their data. */
static void test_vm_pager_unavailable(void **state)
{
    (void)state;
    paddr_t frames[1];

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager_supply(2 * PAGE_SIZE, 0, 0, 1, 0x22, frames), 0);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    assert_int_equal(fault_as(&th[2], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[3], VA + 6 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);

    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 2 * PAGE_SIZE, PAGE_SIZE, 0,
                  -ERR_INVAL); /* resident only: nobody asked */
    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 3 * PAGE_SIZE, 2 * PAGE_SIZE, 0,
                  -ERR_INVAL); /* absent only */
    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, PAGE_SIZE + 8, PAGE_SIZE, 0,
                  -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, PAGE_SIZE, PAGE_SIZE - 8, 0,
                  -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, PAGE_SIZE, 0, 0, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 6 * PAGE_SIZE, 3 * PAGE_SIZE, 0,
                  -ERR_INVAL); /* past the end */
    words_refused(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, PAGE_SIZE, UINT64_MAX - 4095, 0,
                  -ERR_INVAL);

    uint64_t user = frame_state_count(FRAME_USER);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 0, 4 * PAGE_SIZE, 0, 0);
    assert_resident(1, 0, 0x00); /* the simulated RAM starts as 0xa5: really zeroed */
    assert_resident(2, frames[0], 0x22);
    assert_null(vm_object_page_lookup(obj, 0));
    assert_null(vm_object_page_lookup(obj, 3 * PAGE_SIZE));
    assert_int_equal(frame_state_count(FRAME_USER), user + 1);
    assert_int_equal(obj->resident, 2);
    assert_woken(&th[1], 0);
    assert_woken(&th[2], 0);
    assert_waits(&th[3], 6 * PAGE_SIZE); /* outside the range */
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_OK);
}

/*
 * data_unavailable when no frame is free: the page cannot be zero filled,
 * so its fault starts over (woken to look again) instead of waiting for an
 * answer that was lost; once frames are back it asks again and gets one.
 */
static void test_vm_pager_unavailable_no_frame(void **state)
{
    (void)state;
    static paddr_t taken[1u << 16];
    uint64_t n = 0;

    pager_accept_init();
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_WRITE);
    while (n < ARRAY_SIZE(taken) && (taken[n] = frame_alloc(FRAME_USER, NULL)) != 0)
        n++;
    assert_int_equal(host_free_frames(), 0);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, PAGE_SIZE, PAGE_SIZE, 0, 0);
    assert_woken(&th[1], 0); /* to look again, not to fail */
    assert_null(vm_object_page_lookup(obj, PAGE_SIZE));
    while (n > 0)
        frame_free(taken[--n]);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_WRITE);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, PAGE_SIZE, PAGE_SIZE, 0, 0);
    assert_woken(&th[1], 0);
    assert_resident(1, 0, 0x00);
}

/* data_error: the busy pages of the range go and their threads get an error. */
static void test_vm_pager_error(void **state)
{
    (void)state;
    paddr_t frames[1];

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager_supply(2 * PAGE_SIZE, 0, 0, 1, 0x22, frames), 0);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[2], VA + PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    assert_int_equal(fault_as(&th[3], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(2 * PAGE_SIZE, MMU_ACCESS_READ);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);
    pager_expect_request(4 * PAGE_SIZE, MMU_ACCESS_READ);

    words_refused(MEMORY_OBJECT_CONTROL_DATA_ERROR_ID, 2 * PAGE_SIZE, PAGE_SIZE, 5, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_DATA_ERROR_ID, PAGE_SIZE, 8, 5, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_DATA_ERROR_ID, 7 * PAGE_SIZE, 2 * PAGE_SIZE, 5, -ERR_INVAL);

    uint64_t user = frame_state_count(FRAME_USER);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_ERROR_ID, PAGE_SIZE, 2 * PAGE_SIZE, 5, 0);
    assert_null(vm_object_page_lookup(obj, PAGE_SIZE));
    assert_woken(&th[1], -ERR_FAULT);
    assert_woken(&th[2], -ERR_FAULT);
    assert_resident(2, frames[0], 0x22);
    assert_waits(&th[3], 4 * PAGE_SIZE);
    assert_int_equal(frame_state_count(FRAME_USER), user);
    assert_int_equal(obj->resident, 1);

    /* The page is not poisoned: the next fault asks again. */
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);
}

/* refuse: the waiting faults fail, later ones at once; a resident page stays. */
static void test_vm_pager_refuse(void **state)
{
    (void)state;
    paddr_t frames[1];

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager_supply(2 * PAGE_SIZE, 0, 0, 1, 0x72, frames), 0);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(2 * PAGE_SIZE, MMU_ACCESS_READ);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);

    pager_words(MEMORY_OBJECT_CONTROL_REFUSE_ID, (uint64_t)-ERR_NOMEM, 0, 0, 0);
    assert_true(obj->pager_dead);
    assert_woken(&th[1], -ERR_DEAD);
    assert_null(vm_object_page_lookup(obj, PAGE_SIZE));
    assert_resident(2, frames[0], 0x72);
    uint64_t requests = vm_stats.pager_requests;
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_PAGER_ERROR);
    assert_int_equal(vm_stats.pager_requests, requests);
    assert_int_equal(fault_as(&th[2], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);
}

/* No object is made while its pager's name table is nearly full, and nothing is left behind. */
static void test_vm_pager_names_full(void **state)
{
    (void)state;
    struct vm_object *o = (struct vm_object *)&o;

    pager_accept_init();
    assert_int_equal(pager->pager_inits, 1); /* received, not answered yet */
    while (ipc_space_free_names(&P.ipc) >= pager->pager_inits + VM_PAGER_NAMES_SPARE)
        ipc_test_port_allocate(&P);
    uint64_t free_frames = host_free_frames(), created = vm_objects_created;
    uint32_t rights = pager->send_rights;
    assert_int_equal(object_create(PAGE_SIZE, &o), -ERR_LIMIT);
    assert_ptr_equal(o, &o);
    assert_int_equal(vm_objects_created, created);
    assert_int_equal(host_free_frames(), free_frames);
    assert_int_equal(pager->send_rights, rights);
    assert_int_equal(pager->qcount, 0);

    /* ready answers the init: its name is no longer owed, so one more object fits. */
    pager_words(MEMORY_OBJECT_CONTROL_READY_ID, 0, 0, 0, 0);
    assert_int_equal(pager->pager_inits, 0);
    assert_int_equal(object_create(PAGE_SIZE, &o), 0);
    assert_int_equal(pager->pager_inits, 1);
    vm_object_unref(o); /* terminate: uncounted */
    assert_int_equal(pager->pager_inits, 0);
}

/* --- lock_request --- */

/* A page supplied read-only: a write asks the pager once; the grant lets every writer in. */
static void test_vm_pager_write_grant(void **state)
{
    (void)state;
    paddr_t frames[1];
    unsigned prot = 0;

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_WRITE);
    assert_int_equal(pager_supply(PAGE_SIZE, 1, 0, 1, 0x31, frames), 0);
    assert_woken(&th[0], 0);
    assert_true(vm_object_page_lookup(obj, PAGE_SIZE)->flags & VM_PAGE_WRITE_LOCK);
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);
    assert_int_equal(frame_at(&F, VA + PAGE_SIZE, &prot), frames[0]);
    assert_false(prot & MMU_PROT_WRITE);

    /* Two writers: one write request, both wait on the resident page. */
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE + 16, MMU_ACCESS_WRITE), BLOCKED);
    assert_waits(&th[0], PAGE_SIZE);
    assert_waits(&th[1], PAGE_SIZE);
    assert_true(vm_object_page_lookup(obj, PAGE_SIZE)->flags & VM_PAGE_WRITE_WANTED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_WRITE);
    assert_int_equal(pager->qcount, 0);
    /* Reads still go through meanwhile. */
    assert_int_equal(fault_as(&th[2], VA + PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);

    words_refused(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, PAGE_SIZE, PAGE_SIZE, 0, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, PAGE_SIZE, PAGE_SIZE, 5, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, PAGE_SIZE + 1, PAGE_SIZE, LOCK_GRANT_WRITE,
                  -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, PAGE_SIZE, OBJ_SIZE, LOCK_GRANT_WRITE,
                  -ERR_INVAL);

    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, PAGE_SIZE, PAGE_SIZE, LOCK_GRANT_WRITE, 0);
    struct vm_page *p = vm_object_page_lookup(obj, PAGE_SIZE);
    assert_false(p->flags & (VM_PAGE_WRITE_LOCK | VM_PAGE_WRITE_WANTED));
    assert_woken(&th[0], 0);
    assert_woken(&th[1], 0);
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_OK);
    assert_int_equal(frame_at(&F, VA + PAGE_SIZE, &prot), frames[0]);
    assert_true(prot & MMU_PROT_WRITE);
    assert_true(page_is(frames[0], 0x31));
}

/* Write-protect: the mappings lose write access at once and the next write asks the pager. */
static void test_vm_pager_write_protect(void **state)
{
    (void)state;
    unsigned prot = 0;

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(0, MMU_ACCESS_WRITE);
    assert_int_equal(pager_supply(0, 0, 0, 2, 0x51, NULL), 0);
    assert_int_equal(fault_as(&th[0], VA, MMU_ACCESS_WRITE), VM_FAULT_OK);
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_OK);
    paddr_t frame = frame_at(&F, VA, &prot);
    assert_true(prot & MMU_PROT_WRITE);

    /* Pages 0..2: 2 is absent, and stays so. */
    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, 3 * PAGE_SIZE, LOCK_WRITE_PROTECT, 0);
    for (unsigned i = 0; i < 2; i++) {
        assert_true(vm_object_page_lookup(obj, i * PAGE_SIZE)->flags & VM_PAGE_WRITE_LOCK);
        assert_int_not_equal(frame_at(&F, VA + i * PAGE_SIZE, &prot), 0);
        assert_false(prot & MMU_PROT_WRITE);
        assert_true(prot & MMU_PROT_READ);
    }
    assert_null(vm_object_page_lookup(obj, 2 * PAGE_SIZE));
    assert_true(page_is(frame, 0x51));
    assert_int_equal(fault_as(&th[1], VA, MMU_ACCESS_READ), VM_FAULT_OK);
    assert_int_equal(fault_as(&th[1], VA + 8, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(0, MMU_ACCESS_WRITE);
    assert_waits(&th[1], 0);
}

/* --- pager death and termination --- */

/* The pager's port dies: waiting faults fail, later ones fail at once, resident data stays. */
static void test_vm_pager_port_death(void **state)
{
    (void)state;
    paddr_t frames[1];

    pager_accept_init();
    assert_int_equal(fault_as(&th[0], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager_supply(2 * PAGE_SIZE, 1, 0, 1, 0x62, frames), 0);
    assert_int_equal(fault_as(&th[0], VA + 2 * PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[2], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    uint64_t user = frame_state_count(FRAME_USER);

    port_ref(pager); /* the test's own, to look at it after the object is gone */
    assert_int_equal(ipc_test_port_op(&P, PORT_OP_DESTROY, pager_name, 0), 0);
    assert_true(pager->dead);
    assert_true(obj->pager_dead);
    assert_woken(&th[1], -ERR_DEAD);
    assert_woken(&th[2], -ERR_DEAD);
    assert_null(vm_object_page_lookup(obj, PAGE_SIZE));
    assert_woken(&th[0], -ERR_DEAD); /* its write request is lost with the pager */
    struct vm_page *p = vm_object_page_lookup(obj, 2 * PAGE_SIZE);
    assert_true(p->flags & VM_PAGE_WRITE_LOCK);
    assert_false(p->flags & VM_PAGE_WRITE_WANTED);
    assert_resident(2, frames[0], 0x62);
    assert_int_equal(frame_state_count(FRAME_USER), user);

    /* Later faults on missing pages, and writes the pager would have to grant, fail at once. */
    uint64_t requests = vm_stats.pager_requests;
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_PAGER_ERROR);
    assert_int_equal(fault_as(&th[2], VA + 5 * PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_PAGER_ERROR);
    assert_int_equal(vm_stats.pager_requests, requests);
    assert_int_equal(fault_as(&th[3], VA + 2 * PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_PAGER_ERROR);
    assert_int_equal(fault_as(&th[3], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);
    assert_int_equal(obj->resident, 1);

    /* Termination after death: no message, every frame freed. */
    assert_int_equal(vm_map_remove(&F.map, VA, OBJ_SIZE), 0);
    assert_int_equal(pager->qcount, 0);
    assert_int_equal(frame_state_count(FRAME_USER), user - 1);
    assert_int_equal(pager->send_rights, 0);

    /* A new object for a dead pager cannot be made, and leaves nothing behind. */
    uint64_t free_frames = host_free_frames();
    struct vm_object *o = (struct vm_object *)&o;
    assert_int_equal(object_create(PAGE_SIZE, &o), -ERR_DEAD);
    assert_ptr_equal(o, &o);
    assert_int_equal(host_free_frames(), free_frames);
    assert_int_equal(pager->send_rights, 0);
    assert_true(list_empty(&pager->pager_objects));
    assert_int_equal(pager->refs, 1);
    port_unref(pager);
}

/* The last reference: terminate to the pager, the control port dies, every frame goes. */
static void test_vm_pager_terminate(void **state)
{
    (void)state;
    int64_t code;
    const uint64_t w[3] = {4 * PAGE_SIZE, PAGE_SIZE, 0};

    pager_accept_init();
    uint64_t id = obj->id;
    struct port *control = obj->control;
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager_supply(PAGE_SIZE, 0, 0, 2, 0x71, NULL), 0);
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);
    assert_int_equal(fault_as(&th[1], VA + 3 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[2], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 3 * PAGE_SIZE, PAGE_SIZE, 0, 0);
    assert_int_equal(obj->resident, 3);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);
    pager_expect_request(3 * PAGE_SIZE, MMU_ACCESS_READ);
    pager_expect_request_n(4 * PAGE_SIZE, 2, MMU_ACCESS_READ); /* right after page 3: a run */

    /* An extra reference keeps it; the last one (unmapping) ends it. */
    vm_object_ref(obj);
    vm_object_unref(obj);
    assert_int_equal(pager->qcount, 0);
    assert_int_equal(vm_map_remove(&F.map, VA, OBJ_SIZE), 0);
    obj = NULL;
    struct kmsg *m = pager_take(MEMORY_OBJECT_TERMINATE_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_TERMINATE_OBJECT_SLOT], id);
    ipc_kmsg_destroy(m);
    assert_int_equal(pager->qcount, 0);
    assert_woken(&th[2], -ERR_DEAD); /* still waiting for page 4 */
    assert_int_equal(frame_state_count(FRAME_USER), user_baseline + 0);
    assert_int_equal(frame_at(&F, VA + PAGE_SIZE, NULL), 0);
    assert_int_equal(pager->send_rights, 0);
    assert_true(list_empty(&pager->pager_objects));

    /* The pager's control name now denotes a dead port. */
    assert_true(control->dead);
    assert_null(control->kobject);
    assert_int_equal(pager_call(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 0, 0, w, &code),
                     -ERR_DEAD);
    assert_int_equal(pager_supply(PAGE_SIZE, 0, 0, 1, 0x72, NULL), -ERR_DEAD);
}

/* --- lock_request clean and flush, query_bits --- */

/* The PT entry of @va in F (the test plays the hardware setting A and D). */
static uint64_t *pte_of(vaddr_t va)
{
    uint64_t *table = phys_to_virt(F.map.space.root);

    for (int level = 4; level > 1; level--) {
        uint64_t e = table[pte_index(va, level)];
        assert_true(e & PTE_P);
        table = phys_to_virt(e & PTE_ADDR);
    }
    return &table[pte_index(va, 1)];
}

/*
 * Pages [0, @n) supplied with bytes 0x80 + i and mapped writable in F, and
 * clean: mapped by read faults (a write fault's page is dirty at once), so
 * that the tests decide which are modified by playing the hardware's D bit.
 */
static void pages_resident(unsigned n)
{
    assert_int_equal(fault_as(&th[0], VA, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(0, MMU_ACCESS_READ);
    assert_int_equal(pager_supply(0, 0, 0, n, 0x80, NULL), 0);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(fault_as(&th[0], VA + i * PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);
}

/*
 * A write fault's page is dirty as soon as it is mapped (the restarted
 * instruction writes it): pageout must not take it for a clean page and
 * drop it before that. A read fault's page stays clean.
 */
static void test_vm_pager_write_fault_dirty(void **state)
{
    (void)state;
    pager_accept_init();
    pages_resident(2);
    assert_false(vm_object_page_lookup(obj, 0)->flags & VM_PAGE_DIRTY);
    assert_false(vm_object_page_lookup(obj, PAGE_SIZE)->flags & VM_PAGE_DIRTY);
    /* A write to a page not yet there: once supplied and mapped, it is dirty. */
    assert_int_equal(fault_as(&th[1], VA + 2 * PAGE_SIZE, MMU_ACCESS_WRITE), BLOCKED);
    pager_expect_request(2 * PAGE_SIZE, MMU_ACCESS_WRITE);
    assert_int_equal(pager_supply(2 * PAGE_SIZE, 0, 0, 1, 0x90, NULL), 0);
    assert_int_equal(fault_as(&th[1], VA + 2 * PAGE_SIZE, MMU_ACCESS_WRITE), VM_FAULT_OK);
    assert_true(vm_object_page_lookup(obj, 2 * PAGE_SIZE)->flags & VM_PAGE_DIRTY);
    assert_true(vm_page_needs_writeback(vm_object_page_lookup(obj, 2 * PAGE_SIZE)));
    assert_false(vm_page_needs_writeback(vm_object_page_lookup(obj, 0)));
}

/* Take a data_return off the queue: its page's frame, after checking the words. */
static paddr_t pager_expect_return(uint64_t offset, struct kmsg **out)
{
    struct kmsg *m = pager_take(MEMORY_OBJECT_DATA_RETURN_ID);

    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_OBJECT_SLOT], obj->id);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT], offset);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT], 1);
    assert_int_equal(m->ndesc, MEMORY_OBJECT_DATA_RETURN_REQUEST_NDESC);
    assert_int_equal(m->desc[0].type, IPC_DESC_OOL);
    assert_int_equal(m->desc[0].npages, 1);
    assert_int_equal(m->ool_pages, 1);
    *out = m;
    return m->ool[0];
}

/* query_bits over [0, @n pages): the reply's bytes in @bits. */
static void pager_query(unsigned n, uint8_t *bits)
{
    const uint64_t w[3] = {0, n * PAGE_SIZE, 0};
    uint64_t len = 0;
    int64_t code = 12345;

    (void)pager_call(MEMORY_OBJECT_CONTROL_QUERY_BITS_ID, 0, 0, w, &code);
    assert_int_equal(code, 0);
    assert_int_equal(vm_copy_in(&P.map, &len, EXT_VA, sizeof(len)), 0);
    assert_int_equal(len, n);
    assert_int_equal(vm_copy_in(&P.map, bits, EXT_VA + sizeof(len), n), 0);
}

/* R and M bits, read over the mappings and cleared; busy and absent pages read 0. */
static void test_vm_pager_query_bits(void **state)
{
    (void)state;
    uint8_t bits[OBJ_PAGES];

    pager_accept_init();
    pages_resident(3);
    assert_int_equal(fault_as(&th[1], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    for (unsigned i = 0; i < 3; i++)
        *pte_of(VA + i * PAGE_SIZE) &= ~(PTE_A | PTE_D);
    *pte_of(VA) |= PTE_A;
    *pte_of(VA + PAGE_SIZE) |= PTE_A | PTE_D;

    pager_query(6, bits);
    const uint8_t want[6] = {MMU_BIT_PRESENT | MMU_BIT_REF,
                             MMU_BIT_PRESENT | MMU_BIT_REF | MMU_BIT_MOD,
                             MMU_BIT_PRESENT,
                             0,
                             0,
                             0};
    assert_memory_equal(bits, want, sizeof(want));
    pager_query(2, bits); /* cleared by the first query */
    assert_int_equal(bits[0], MMU_BIT_PRESENT);
    assert_int_equal(bits[1], MMU_BIT_PRESENT);
    assert_false(*pte_of(VA + PAGE_SIZE) & (PTE_A | PTE_D));
    assert_true(*pte_of(VA + PAGE_SIZE) & PTE_P);
    assert_waits(&th[1], 4 * PAGE_SIZE);

    words_refused(MEMORY_OBJECT_CONTROL_QUERY_BITS_ID, 8, PAGE_SIZE, 0, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_QUERY_BITS_ID, 0, 0, 0, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_QUERY_BITS_ID, 0, OBJ_SIZE + PAGE_SIZE, 0, -ERR_INVAL);
    struct kmsg *m = ipc_kmsg_alloc(false); /* sent without a reply: nowhere to answer */
    m->id = MEMORY_OBJECT_CONTROL_QUERY_BITS_ID;
    m->w[MEMORY_OBJECT_CONTROL_QUERY_BITS_COUNT_SLOT] = PAGE_SIZE;
    assert_int_equal(vm_pager_control(obj, m, NULL), -ERR_INVAL);
    ipc_kmsg_destroy(m);
}

/* Clean: dirty pages go back as copies and stay; the pager's copy is the page's data. */
static void test_vm_pager_clean(void **state)
{
    (void)state;
    struct kmsg *m0, *m2;

    pager_accept_init();
    pages_resident(3);
    assert_int_equal(fault_as(&th[1], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(4 * PAGE_SIZE, MMU_ACCESS_READ);
    for (unsigned i = 0; i < 3; i++)
        *pte_of(VA + i * PAGE_SIZE) &= ~PTE_D;
    *pte_of(VA) |= PTE_D;
    *pte_of(VA + 2 * PAGE_SIZE) |= PTE_D;
    uint64_t user = frame_state_count(FRAME_USER);

    words_refused(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 8, PAGE_SIZE, LOCK_CLEAN, -ERR_INVAL);
    words_refused(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, OBJ_SIZE + PAGE_SIZE, LOCK_FLUSH,
                  -ERR_INVAL);
    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, 5 * PAGE_SIZE, LOCK_CLEAN, 0);
    paddr_t c0 = pager_expect_return(0, &m0);
    paddr_t c2 = pager_expect_return(2 * PAGE_SIZE, &m2);
    assert_int_equal(pager->qcount, 0); /* not page 1 (clean), not 4 (busy) */
    for (unsigned i = 0; i < 3; i++) {
        paddr_t f = vm_object_page_lookup(obj, i * PAGE_SIZE)->frame;
        assert_int_equal(frame_at(&F, VA + i * PAGE_SIZE, NULL), f); /* still mapped */
        assert_true(page_is(f, 0x80 + i));
        assert_false(*pte_of(VA + i * PAGE_SIZE) & PTE_D); /* clean now */
    }
    assert_int_not_equal(c0, vm_object_page_lookup(obj, 0)->frame);
    assert_true(page_is(c0, 0x80));
    assert_true(page_is(c2, 0x82));
    assert_int_equal(obj->resident, 3);
    assert_int_equal(frame_state_count(FRAME_USER), user + 2);
    ipc_kmsg_destroy(m0);
    ipc_kmsg_destroy(m2);
    assert_int_equal(frame_state_count(FRAME_USER), user);
    assert_waits(&th[1], 4 * PAGE_SIZE);
}

/* Flush: dirty pages go back (their own frames), clean ones are dropped, all leave memory. */
static void test_vm_pager_flush(void **state)
{
    (void)state;
    struct kmsg *m1;

    pager_accept_init();
    pages_resident(3);
    assert_int_equal(fault_as(&th[1], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(4 * PAGE_SIZE, MMU_ACCESS_READ);
    for (unsigned i = 0; i < 3; i++)
        *pte_of(VA + i * PAGE_SIZE) &= ~PTE_D;
    *pte_of(VA + PAGE_SIZE) |= PTE_D;
    paddr_t f1 = vm_object_page_lookup(obj, PAGE_SIZE)->frame;
    uint64_t user = frame_state_count(FRAME_USER);
    uint64_t mapped = F.map.resident;

    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, 5 * PAGE_SIZE, LOCK_FLUSH, 0);
    assert_int_equal(pager_expect_return(PAGE_SIZE, &m1), f1); /* moved, not copied */
    assert_true(page_is(f1, 0x81));
    assert_int_equal(pager->qcount, 0);
    for (unsigned i = 0; i < 3; i++) {
        assert_null(vm_object_page_lookup(obj, i * PAGE_SIZE));
        assert_int_equal(frame_at(&F, VA + i * PAGE_SIZE, NULL), 0);
    }
    assert_int_equal(obj->resident, 0);
    assert_int_equal(F.map.resident, mapped - 3);
    assert_int_equal(frame_state_count(FRAME_USER), user - 2);
    ipc_kmsg_destroy(m1);
    assert_int_equal(frame_state_count(FRAME_USER), user - 3);
    assert_waits(&th[1], 4 * PAGE_SIZE); /* busy pages are not the pager's to flush */

    /* The data is the pager's now: the next touch asks for it again. */
    assert_int_equal(fault_as(&th[0], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(PAGE_SIZE, MMU_ACCESS_READ);
}

/* lock_request @op over [@offset, +@count) answers 0 with @vetoed pages left, the first at @first.
 */
static void lock_vetoes(uint64_t offset, uint64_t count, uint32_t op, uint64_t vetoed,
                        uint64_t first)
{
    uint64_t v = 99, f = 99;

    assert_int_equal(vm_pager_control_lock_request(obj, offset, count, op, &v, &f), 0);
    assert_int_equal(v, vetoed);
    assert_int_equal(f, first);
}

/*
 * lock_request flush: a pinned page and a busy one stay (the kernel's
 * vetoes), and the answer counts them and names the first; the others go.
 */
static void test_vm_pager_flush_vetoes(void **state)
{
    (void)state;

    pager_accept_init();
    pages_resident(3);
    assert_int_equal(fault_as(&th[1], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(4 * PAGE_SIZE, MMU_ACCESS_READ);
    struct frame *pinned = frame_of(vm_object_page_lookup(obj, PAGE_SIZE)->frame);
    pinned->pin_count++;

    lock_vetoes(0, 5 * PAGE_SIZE, LOCK_FLUSH, 2, PAGE_SIZE);
    assert_null(vm_object_page_lookup(obj, 0));
    assert_null(vm_object_page_lookup(obj, 2 * PAGE_SIZE));
    assert_non_null(vm_object_page_lookup(obj, PAGE_SIZE)); /* pinned: vetoed */
    assert_int_equal(obj->resident, 1);
    assert_waits(&th[1], 4 * PAGE_SIZE); /* busy: vetoed */
    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, 5 * PAGE_SIZE, LOCK_FLUSH, 0);
    assert_non_null(vm_object_page_lookup(obj, PAGE_SIZE));
    lock_vetoes(PAGE_SIZE, PAGE_SIZE, LOCK_CLEAN, 1, PAGE_SIZE); /* clean leaves it too */
    pinned->pin_count--;
    lock_vetoes(0, 2 * PAGE_SIZE, LOCK_FLUSH, 0, 0);
    assert_int_equal(obj->resident, 0);
}

/* The quota's figures now (read only). */
static void quota_read(uint64_t *resident, uint64_t *peak, uint64_t *signals)
{
    assert_int_equal(vm_pager_control_quota(obj, QUOTA_KEEP, resident, peak, signals), 0);
}

/* Fault on page @page, expect its one-page request with @access, supply it. */
static void quota_fault(unsigned page, unsigned access)
{
    assert_int_equal(fault_as(&th[0], VA + page * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(page * PAGE_SIZE, access);
    assert_int_equal(pager_supply(page * PAGE_SIZE, 0, page, 1, 0x40, NULL), 0);
    assert_int_equal(fault_as(&th[0], VA + page * PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_OK);
}

/*
 * A quota of 2 frames: the third fault's request is marked over quota; a
 * pager that answers anyway is not refused (the fault never hangs on the
 * quota), the peak shows the overrun; a flush brings the count down; a
 * quota of 0 marks nothing.
 */
static void test_vm_pager_quota(void **state)
{
    (void)state;
    uint64_t resident, peak, signals;

    pager_accept_init();
    assert_int_equal(vm_pager_control_quota(obj, 2, &resident, &peak, &signals), 0);
    assert_int_equal(resident, 0);
    quota_fault(0, MMU_ACCESS_READ);
    quota_fault(5, MMU_ACCESS_READ);
    quota_read(&resident, &peak, &signals);
    assert_true(resident == 2 && peak == 2 && signals == 0);

    quota_fault(2, MMU_ACCESS_READ | MEMORY_OBJECT_ACCESS_OVER_QUOTA);
    quota_read(&resident, &peak, &signals);
    assert_true(resident == 3 && peak == 3 && signals == 1);

    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 0, PAGE_SIZE, LOCK_FLUSH, 0);
    pager_words(MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID, 5 * PAGE_SIZE, PAGE_SIZE, LOCK_FLUSH, 0);
    quota_fault(7, MMU_ACCESS_READ); /* 1 resident: under the quota again */
    quota_read(&resident, &peak, &signals);
    assert_true(resident == 2 && peak == 3 && signals == 1);

    assert_int_equal(vm_pager_control_quota(obj, 0, &resident, &peak, &signals), 0);
    assert_true(resident == 2 && peak == 2 && signals == 0);
    quota_fault(4, MMU_ACCESS_READ);
    quota_read(&resident, &peak, &signals);
    assert_true(resident == 3 && peak == 2 && signals == 0); /* no quota: no peak kept */
}

/* --- moving an object to another pager (vm_pager_migrate.c) --- */

static struct port *newp; /* the second pager's port (receive right in P) */

/* A send right to @port for vm_pager_migrate_start. */
static struct kright send_right(struct port *port)
{
    port_ref(port);
    port->send_rights++;
    return (struct kright){.port = port, .kind = IPC_RIGHT_SEND};
}

/* The first message of @port, taken off its queue, and checked to be @id for the object. */
static struct kmsg *port_take(struct port *port, uint32_t id)
{
    struct kmsg *m = port_peek(port);

    assert_non_null(m);
    assert_int_equal(m->id, id);
    assert_int_equal(m->w[0], obj->id); /* every kernel -> pager message names the object first */
    port_dequeue(port, m);
    return m;
}

/* Start moving the object to newp; the new pager accepts init. Returns its control name. */
static port_name_t migrate_begin(void)
{
    struct kright from = send_right(pager), to = send_right(newp);

    assert_int_equal(vm_pager_migrate_start(&from, &to, NULL), 1);
    assert_null(from.port);
    assert_null(to.port);
    assert_int_equal(obj->migrate, VM_MIGRATE_ADOPTING);
    struct kmsg *m = port_take(newp, MEMORY_OBJECT_INIT_ID);
    assert_ptr_equal(m->desc[MEMORY_OBJECT_INIT_CONTROL_DESC].right.port, obj->adopt_control);
    assert_int_equal(ipc_space_reserve(&P.ipc, 1), 0);
    port_name_t name = ipc_right_install(&P, &m->desc[MEMORY_OBJECT_INIT_CONTROL_DESC].right);
    ipc_kmsg_destroy(m);
    assert_int_equal(newp->qcount, 0);
    return name;
}

/* The new pager answers ready on @adopt: the old one gets evacuate. */
static void migrate_ready(port_name_t adopt)
{
    port_name_t old = ctl_name;

    ctl_name = adopt;
    pager_words(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 0, PAGE_SIZE, 0, -ERR_BUSY);
    pager_words(MEMORY_OBJECT_CONTROL_READY_ID, 0, 0, 0, 0);
    ctl_name = old;
    assert_int_equal(obj->migrate, VM_MIGRATE_EVACUATING);
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_EVACUATE_ID));
}

/*
 * The move with its data: a request outstanding at the switch goes to the new
 * pager exactly once, pages handed over unrequested are kept precious, faults
 * during the evacuation wait without a request, and pageout later returns the
 * precious pages to the new pager.
 */
static void test_vm_pager_migrate(void **state)
{
    (void)state;
    paddr_t frames[2];

    newp = ipc_entry_lookup(&P.ipc, ipc_test_port_allocate(&P))->object;
    pager_accept_init();
    pages_resident(1); /* page 0: resident, not precious */
    assert_int_equal(fault_as(&th[1], VA + PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    /* page 1, after page 0: a run of two (the pages from 1 to 2) */
    pager_expect_request_n(PAGE_SIZE, 2, MMU_ACCESS_READ); /* the old pager will supply it */
    assert_int_equal(fault_as(&th[2], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    /* page 2: the run goes on, 4 pages; the old pager never answers */
    pager_expect_request_n(2 * PAGE_SIZE, 4, MMU_ACCESS_READ);
    port_name_t adopt = migrate_begin();

    /* A second migration at once is refused, and consumes nothing. */
    struct kright a = send_right(newp), b = send_right(pager);
    assert_int_equal(vm_pager_migrate_start(&a, &b, NULL), -ERR_BUSY);
    ipc_right_release(&a);
    ipc_right_release(&b);

    uint32_t queued;
    newp->qcount = 7; /* as if it held messages: pageout bounds the queue its pages go to */
    assert_ptr_equal(vm_pager_task(obj, &queued), &P);
    assert_int_equal(queued, pager->qcount);
    migrate_ready(adopt);
    assert_ptr_equal(vm_pager_task(obj, &queued), &P);
    assert_int_equal(queued, 7); /* the new pager's: it takes the modified pages now */
    newp->qcount = 0;
    /* During the evacuation a fault waits without asking anyone. */
    assert_int_equal(fault_as(&th[3], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_waits(&th[3], 4 * PAGE_SIZE);
    assert_int_equal(pager->qcount, 0);
    assert_int_equal(newp->qcount, 0);
    /* The old pager hands over page 1 (requested: it stays, precious) and
     * pages 5..6 (never asked for: they go straight on to the new pager). */
    assert_int_equal(pager_supply(PAGE_SIZE, 0, 2, 1, 0x31, frames), 0);
    assert_woken(&th[1], 0);
    assert_true(vm_object_page_lookup(obj, PAGE_SIZE)->flags & VM_PAGE_PRECIOUS);
    assert_int_equal(pager_supply(5 * PAGE_SIZE, 0, 3, 2, 0x51, NULL), 0);
    assert_null(vm_object_page_lookup(obj, 5 * PAGE_SIZE));
    struct kmsg *m = port_take(newp, MEMORY_OBJECT_DATA_RETURN_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT], 5 * PAGE_SIZE);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT], 3);
    assert_true(page_is(m->ool[0], 0x51) && page_is(m->ool[1], 0x52));
    ipc_kmsg_destroy(m);
    assert_int_equal(pager_supply(0, 0, 5, 1, 0x01, NULL), -ERR_BUSY); /* resident: kept */
    /* Pageout gives a page to the new pager, modified or not; a busy page
     * stays behind, so the old pager's older copy is refused, and a fault
     * waits for the move without asking anyone. */
    vm_object_page_lookup(obj, 0)->flags |= VM_PAGE_DIRTY;
    assert_int_equal(vm_object_pageout(obj, 0), 1);
    m = port_take(newp, MEMORY_OBJECT_DATA_RETURN_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT], 0);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT], 1);
    ipc_kmsg_destroy(m);
    assert_true(vm_object_page_lookup(obj, 0)->flags & VM_PAGE_HANDED);
    assert_int_equal(pager_supply(0, 0, 6, 1, 0x02, NULL), -ERR_BUSY);
    assert_int_equal(fault_as(&th[0], VA, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager->qcount, 0);
    assert_int_equal(newp->qcount, 0);
    /* Once pages went on, the old pager can no longer refuse the move. */
    words_refused(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, EVACUATE_REFUSED, 0, 0, -ERR_BUSY);

    pager_words(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, 0, 0, 0, 0);
    assert_int_equal(obj->migrate, VM_MIGRATE_NONE);
    assert_ptr_equal(obj->pager, newp);
    assert_ptr_equal(newp->pager_objects.next, &obj->pager_link);
    assert_true(list_empty(&pager->pager_objects));
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_TERMINATE_ID));
    /* The old control port is dead: a late answer goes nowhere. */
    const uint64_t w[3] = {2 * PAGE_SIZE, PAGE_SIZE, 0};
    int64_t code;
    assert_int_equal(pager_call(MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID, 0, 0, w, &code),
                     -ERR_DEAD);
    /* Every resident page is precious now: the new pager has no copy of any. */
    for (unsigned i = 0; i < OBJ_PAGES; i++) {
        struct vm_page *p = vm_object_page_lookup(obj, i * PAGE_SIZE);
        if (p && p->frame)
            assert_true(p->flags & VM_PAGE_PRECIOUS);
    }
    assert_resident(1, frames[0], 0x31);

    /* The waiting faults start over: one request each to the new pager, none twice. */
    assert_woken(&th[0], 0);
    assert_woken(&th[2], 0);
    assert_woken(&th[3], 0);
    assert_null(vm_object_page_lookup(obj, 0));
    assert_null(vm_object_page_lookup(obj, 2 * PAGE_SIZE));
    assert_int_equal(fault_as(&th[2], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[3], VA + 4 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[1], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(newp->qcount, 2);
    m = port_take(newp, MEMORY_OBJECT_DATA_REQUEST_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT], 2 * PAGE_SIZE);
    ipc_kmsg_destroy(m);
    m = port_take(newp, MEMORY_OBJECT_DATA_REQUEST_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT], 4 * PAGE_SIZE);
    ipc_kmsg_destroy(m);
    assert_int_equal(pager->qcount, 0);
    assert_int_equal(vm_pager_migrate_finish(), 1);
    assert_int_equal(pager->send_rights, 0);
    assert_int_equal(newp->send_rights, 1); /* the object's */

    /* A clean precious page goes back to the new pager. */
    assert_int_equal(vm_object_pageout(obj, PAGE_SIZE), 1);
    vm_object_pageout_flush(); /* (pageout gathers its returns: sent at its preemption points) */
    m = port_take(newp, MEMORY_OBJECT_DATA_RETURN_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT], PAGE_SIZE);
    assert_true(page_is(m->ool[0], 0x31));
    ipc_kmsg_destroy(m);
}

/*
 * Refusals change nothing: the same pager, a dead one, an object that is not
 * moving; a new pager that never answers ready (the deadline passes), and an
 * old one that refuses the evacuation, leave the object with its pager, whose
 * held-back faults are asked of it again.
 */
static void test_vm_pager_migrate_refused(void **state)
{
    (void)state;
    struct kright a, b;

    port_name_t newp_name = ipc_test_port_allocate(&P);
    newp = ipc_entry_lookup(&P.ipc, newp_name)->object;
    pager_accept_init();
    a = send_right(pager), b = send_right(pager);
    assert_int_equal(vm_pager_migrate_start(&a, &b, NULL), -ERR_INVAL);
    ipc_right_release(&a);
    ipc_right_release(&b);
    words_refused(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, 0, 0, 0, -ERR_INVAL);

    /* The new pager never answers: at the deadline nothing has moved. */
    migrate_begin();
    assert_int_equal(vm_pager_migrate_finish(), -ERR_TIMEOUT);
    assert_int_equal(obj->migrate, VM_MIGRATE_NONE);
    assert_null(obj->adopt_control);
    assert_ptr_equal(obj->pager, pager);
    ipc_kmsg_destroy(port_take(newp, MEMORY_OBJECT_TERMINATE_ID));
    assert_int_equal(newp->send_rights, 0);

    /* The old pager refuses: a fault held back meanwhile goes to it. */
    migrate_ready(migrate_begin());
    assert_int_equal(fault_as(&th[0], VA + 3 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(pager->qcount, 0);
    words_refused(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, 3, 0, 0, -ERR_INVAL);
    pager_words(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, 1, 0, 0, 0);
    assert_ptr_equal(obj->pager, pager);
    assert_woken(&th[0], 0);
    assert_int_equal(fault_as(&th[0], VA + 3 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(3 * PAGE_SIZE, MMU_ACCESS_READ);
    assert_int_equal(vm_pager_migrate_finish(), 0);
    ipc_kmsg_destroy(port_take(newp, MEMORY_OBJECT_TERMINATE_ID));

    /* The new pager's port is dead: refused before anything starts. */
    a = send_right(pager), b = send_right(newp);
    assert_int_equal(ipc_test_port_op(&P, PORT_OP_DESTROY, newp_name, 0), 0);
    assert_int_equal(vm_pager_migrate_start(&a, &b, NULL), -ERR_DEAD);
    ipc_right_release(&a);
    ipc_right_release(&b);

    /* The old pager dies while it evacuates: the move ends, its faults fail as always. */
    newp = ipc_entry_lookup(&P.ipc, ipc_test_port_allocate(&P))->object;
    migrate_ready(migrate_begin());
    assert_int_equal(fault_as(&th[1], VA + 6 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    port_ref(pager);
    assert_int_equal(ipc_test_port_op(&P, PORT_OP_DESTROY, pager_name, 0), 0);
    assert_true(obj->pager_dead);
    assert_int_equal(obj->migrate, VM_MIGRATE_NONE);
    assert_woken(&th[1], 0);
    assert_int_equal(fault_as(&th[1], VA + 6 * PAGE_SIZE, MMU_ACCESS_READ), VM_FAULT_PAGER_ERROR);
    assert_int_equal(vm_pager_migrate_finish(), 0);
    port_unref(pager);
}

/*
 * A migration runs by itself, whether its caller still waits or not (it
 * may have been killed): batch after batch, it completes as the pagers
 * answer, and the next request is served; one that stalls is over at its
 * deadline, ended by the next request, which then starts.
 */
static void test_vm_pager_migrate_orphaned(void **state)
{
    (void)state;
    uint64_t timeout = vm_pager_timeout_ns;

    newp = ipc_entry_lookup(&P.ipc, ipc_test_port_allocate(&P))->object;
    pager_accept_init();
    migrate_ready(migrate_begin());
    pager_words(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, EVACUATE_MORE, 0, 0, 0);
    struct kmsg *m = port_take(pager, MEMORY_OBJECT_EVACUATE_ID); /* the next batch, at once */
    assert_int_equal(m->w[MEMORY_OBJECT_EVACUATE_COUNT_SLOT], EVACUATE_BATCH);
    assert_int_equal(m->w[MEMORY_OBJECT_EVACUATE_FIRST_SLOT], 0);
    ipc_kmsg_destroy(m);
    pager_words(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, EVACUATE_DONE, 0, 0, 0);
    assert_ptr_equal(obj->pager, newp);
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_TERMINATE_ID));

    /* Nobody finished it, yet the next request is served (back to the first pager). */
    vm_pager_timeout_ns = 0; /* this one is overdue at once */
    struct kright a = send_right(newp), b = send_right(pager);
    assert_int_equal(vm_pager_migrate_start(&a, &b, NULL), 1);
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_INIT_ID));
    /* It stalls (no ready); the next request ends it, nothing moved, and starts. */
    vm_pager_timeout_ns = timeout;
    a = send_right(newp), b = send_right(pager);
    assert_int_equal(vm_pager_migrate_start(&a, &b, NULL), 1);
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_TERMINATE_ID));
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_INIT_ID));
    assert_ptr_equal(obj->pager, newp);
    assert_int_equal(obj->migrate, VM_MIGRATE_ADOPTING);
    assert_int_equal(vm_pager_migrate_finish(), -ERR_TIMEOUT);
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_TERMINATE_ID));
    assert_int_equal(obj->migrate, VM_MIGRATE_NONE);
}

/* The object dies while it moves: both pagers get terminate, the migration ends with 0 moved. */
static void test_vm_pager_migrate_object_dies(void **state)
{
    (void)state;

    newp = ipc_entry_lookup(&P.ipc, ipc_test_port_allocate(&P))->object;
    pager_accept_init();
    migrate_ready(migrate_begin());
    assert_int_equal(vm_map_remove(&F.map, VA, OBJ_SIZE), 0);
    ipc_kmsg_destroy(port_take(newp, MEMORY_OBJECT_TERMINATE_ID));
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_TERMINATE_ID));
    assert_int_equal(vm_pager_migrate_finish(), 0);
    assert_int_equal(newp->send_rights, 0);
    assert_int_equal(pager->send_rights, 0);
}

/*
 * A batch deferred for memory goes once free memory is back at the low
 * watermark, whichever way it came back: the pageout thread wakes on the
 * rise (vm_pager_migrate_wants_room) and resumes it. Turns pageout on for
 * good, so it runs last.
 */
static void test_vm_pager_migrate_deferred(void **state)
{
    (void)state;
    assert_int_equal(vm_pageout_setup(VM_POLICY_CLOCK), 0);
    struct vm_pageout_levels lv = vm_pageout_levels();
    static paddr_t taken[1u << 16];
    uint64_t n = 0;

    newp = ipc_entry_lookup(&P.ipc, ipc_test_port_allocate(&P))->object;
    pager_accept_init();
    migrate_ready(migrate_begin());
    while (host_free_frames() >= lv.low && n < ARRAY_SIZE(taken))
        taken[n++] = frame_alloc(FRAME_USER, NULL);
    assert_true(host_free_frames() < lv.low);
    /* Below the low watermark: the next batch waits, and pageout is told. */
    pager_words(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, EVACUATE_MORE, 0, 0, 0);
    assert_true(obj->evac_deferred);
    assert_true(vm_pager_migrate_wants_room());
    assert_true(vm_pager_migrate_resume()); /* still no room */
    assert_int_equal(pager->qcount, 0);
    while (n > 0)
        frame_free(taken[--n]);
    assert_true(vm_pager_migrate_wants_room());
    /* Free memory is back, but the laundry towards ordinary pagers (the new
     * pager is one) has no room for a batch: it still waits. */
    paddr_t laundry[VM_PAGEOUT_LAUNDRY_MAX];
    for (unsigned i = 0; i < VM_PAGEOUT_LAUNDRY_MAX; i++) {
        laundry[i] = frame_alloc(FRAME_USER, NULL);
        frame_laundry_mark(laundry[i], true);
    }
    assert_true(vm_pager_migrate_resume());
    assert_int_equal(pager->qcount, 0);
    for (unsigned i = 0; i < VM_PAGEOUT_LAUNDRY_MAX; i++)
        frame_free(laundry[i]);
    assert_int_equal(frame_laundry_ordinary_count(), 0);
    assert_false(vm_pager_migrate_resume()); /* room: the batch is asked for */
    assert_false(vm_pager_migrate_wants_room());
    assert_false(obj->evac_deferred);
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_EVACUATE_ID));
    pager_words(MEMORY_OBJECT_CONTROL_EVACUATE_DONE_ID, EVACUATE_DONE, 0, 0, 0);
    assert_ptr_equal(obj->pager, newp);
    ipc_kmsg_destroy(port_take(pager, MEMORY_OBJECT_TERMINATE_ID));
    assert_int_equal(vm_pager_migrate_finish(), 1);
}

/*
 * Failover: when the pager's port dies, its standby adopts the object with
 * a fresh control port; resident pages stay (precious), and a fault that
 * waited for the dead pager asks the standby once.
 */
static void test_vm_pager_failover(void **state)
{
    (void)state;
    struct kright a, b;

    newp = ipc_entry_lookup(&P.ipc, ipc_test_port_allocate(&P))->object;
    pager_accept_init();
    pages_resident(1);
    assert_int_equal(fault_as(&th[1], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    pager_expect_request(2 * PAGE_SIZE, MMU_ACCESS_READ);
    a = send_right(pager);
    assert_int_equal(vm_pager_standby_set(&a, &a), -ERR_INVAL);
    b = send_right(newp);
    assert_int_equal(vm_pager_standby_set(&a, &b), 0);
    assert_null(a.port);
    assert_null(b.port);
    struct port *old_control = obj->control;

    port_ref(pager); /* the test's own, to look at it after it died */
    port_ref(old_control);
    assert_int_equal(ipc_test_port_op(&P, PORT_OP_DESTROY, pager_name, 0), 0);
    assert_false(obj->pager_dead);
    assert_ptr_equal(obj->pager, newp);
    assert_true(old_control->dead);
    assert_ptr_not_equal(obj->control, old_control);
    assert_true(list_empty(&pager->pager_objects));
    assert_int_equal(pager->send_rights, 0);
    struct kmsg *m = port_take(newp, MEMORY_OBJECT_INIT_ID);
    assert_ptr_equal(m->desc[MEMORY_OBJECT_INIT_CONTROL_DESC].right.port, obj->control);
    ipc_kmsg_destroy(m);
    assert_true(vm_object_page_lookup(obj, 0)->flags & VM_PAGE_PRECIOUS);
    assert_woken(&th[1], 0);
    assert_int_equal(fault_as(&th[1], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    assert_int_equal(fault_as(&th[2], VA + 2 * PAGE_SIZE, MMU_ACCESS_READ), BLOCKED);
    m = port_take(newp, MEMORY_OBJECT_DATA_REQUEST_ID);
    assert_int_equal(m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT], 2 * PAGE_SIZE);
    ipc_kmsg_destroy(m);
    assert_int_equal(newp->qcount, 0);
    port_unref(old_control);
    port_unref(pager);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vm_pager_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_init_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_one_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_request_handoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_supply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_supply_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_stale_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_cluster_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_control_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_fault_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_unavailable_no_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_names_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_write_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_write_protect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_query_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_write_fault_dirty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_flush_vetoes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_port_death, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_terminate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_migrate_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_migrate_object_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_migrate_orphaned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_failover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_migrate_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pager_returns_gathered, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
