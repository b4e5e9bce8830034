/*
 * The pager side of the in-guest external pager tests: one message from the
 * kernel decoded into a pt_event through the generated memory_object
 * dispatch, pattern pages supplied through the generated memory_object_control
 * client stubs, and the thread and waiting helpers the tests share.
 */
#include "pager_util.h"

#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <memory_object_control_defs.h>
#include <memory_object_defs.h>

#define PT_STACK (16 * 1024)

/* The handlers memory_object_dispatch calls: each records the event in @ctx. */
bool pt_keep_returns;

int memory_object_do_init(void *ctx, uint64_t object, uint64_t size, uint64_t owner,
                          port_name_t control)
{
    struct pt_event *ev = ctx;

    ev->kind = PT_INIT;
    ev->object = object;
    ev->size = size;
    ev->owner = owner;
    ev->control = control;
    return 0;
}

int memory_object_do_data_request(void *ctx, uint64_t object, uint64_t offset, uint64_t count,
                                  uint32_t access)
{
    struct pt_event *ev = ctx;

    ev->kind = PT_REQUEST;
    ev->object = object;
    ev->offset = offset;
    ev->count = count;
    ev->access = access;
    return 0;
}

/*
 * The pages of the last data_return not yet handed out as events: pageout
 * sends up to 16 consecutive pages in one message, and pt_recv gives the
 * tests one PT_RETURN per page, as they count them.
 */
static struct {
    uint64_t object, offset;
    unsigned next, n;
    uint64_t word0[IPC_OOL_MAX_PAGES];
    char *pages; /* with pt_keep_returns */
} pt_returned;

int memory_object_do_data_return(void *ctx, uint64_t object, uint64_t offset, uint64_t dirty,
                                 void *pages, uint64_t pages_size)
{
    struct pt_event *ev = ctx;
    unsigned n = (unsigned)(pages_size / PAGE_SIZE);

    (void)dirty;
    if (n == 0 || n > IPC_OOL_MAX_PAGES) {
        sys_vm_deallocate(pages, pages_size);
        return -ERR_INVAL;
    }
    pt_returned.object = object, pt_returned.offset = offset;
    pt_returned.next = 0, pt_returned.n = n;
    for (unsigned i = 0; i < n; i++)
        pt_returned.word0[i] = *(volatile uint64_t *)((char *)pages + i * PAGE_SIZE);
    pt_returned.pages = pt_keep_returns ? pages : NULL;
    if (!pt_keep_returns)
        sys_vm_deallocate(pages, pages_size); /* the test keeps no store */
    ev->kind = PT_RETURN;
    return 0;
}

/* The next page of the last data_return as an event, if one is left. */
static bool pt_next_return(struct pt_event *ev)
{
    unsigned i = pt_returned.next;

    if (i >= pt_returned.n)
        return false;
    pt_returned.next++;
    *ev = (struct pt_event){.kind = PT_RETURN,
                            .object = pt_returned.object,
                            .offset = pt_returned.offset + (uint64_t)i * PAGE_SIZE,
                            .word0 = pt_returned.word0[i],
                            .pages = pt_returned.pages ? pt_returned.pages + i * PAGE_SIZE : NULL};
    return true;
}

int memory_object_do_evacuate(void *ctx, uint64_t object, uint64_t count, uint64_t first)
{
    struct pt_event *ev = ctx;

    (void)first;

    ev->kind = PT_EVACUATE;
    ev->object = object;
    ev->count = count;
    return 0;
}

int memory_object_do_terminate(void *ctx, uint64_t object)
{
    struct pt_event *ev = ctx;

    ev->kind = PT_TERMINATE;
    ev->object = object;
    return 0;
}

long pt_recv(port_name_t port, struct pt_event *ev, uint64_t timeout_ns)
{
    static struct ipc_message in, out; /* about 4.7 KiB each: not on a small stack */

    if (pt_next_return(ev))
        return 0;
    long err = ipc_recv(&in, port, timeout_ns);

    *ev = (struct pt_event){.kind = PT_NONE};
    if (err < 0)
        return err;
    if (MEMORY_OBJECT_ID_IS(in.id) && !(in.flags & IPC_FLAG_KERNEL)) {
        ipc_msg_destroy(&in); /* a task's forgery: only the kernel speaks for objects */
        return -ERR_PERM;
    }
    if (memory_object_dispatch(ev, &in, &out))
        ipc_send(&out, 0); /* only an error reply to a request that wanted one */
    if (ev->kind == PT_RETURN)
        pt_next_return(ev); /* its first page */
    return ev->kind == PT_NONE ? -ERR_INVAL : 0;
}

bool pt_expect(port_name_t port, struct pt_event *ev, enum pt_kind kind, uint64_t timeout_ns)
{
    long err = pt_recv(port, ev, timeout_ns);

    return TEST_CHECK(err == 0 && ev->kind == kind, "pager: want event %d, got %d (%s)", kind,
                      ev->kind, err_text(err));
}

bool pt_quiet(port_name_t port, uint64_t timeout_ns)
{
    struct pt_event ev;
    long err = pt_recv(port, &ev, timeout_ns);

    if (err == -ERR_TIMEOUT)
        return true;
    printf("pager: unexpected message: event %d object %lu offset 0x%lx access %u (%s)\n", ev.kind,
           (unsigned long)ev.object, (unsigned long)ev.offset, ev.access, err_text(err));
    return false;
}

bool pt_page_ok(const volatile uint64_t *page, uint64_t offset, uint64_t salt)
{
    for (uint64_t j = 0; j < PT_WORDS; j++)
        if (page[j] != pt_word(offset, j, salt))
            return false;
    return true;
}

long pt_lock(port_name_t control, uint64_t offset, uint64_t count, uint32_t op)
{
    uint64_t vetoed, first;

    return memory_object_control_lock_request(control, offset, count, op, &vetoed, &first);
}

long pt_supply(port_name_t control, uint64_t offset, uint64_t npages, uint64_t flags, uint64_t salt)
{
    uint64_t size = npages * PAGE_SIZE;
    long addr = sys_vm_allocate(size, VM_PROT_READ | VM_PROT_WRITE | VM_ALLOC_KERNEL_PAGER);

    if (addr < 0)
        return addr;
    uint64_t *w = (uint64_t *)addr;
    for (uint64_t i = 0; i < npages; i++)
        for (uint64_t j = 0; j < PT_WORDS; j++)
            w[i * PT_WORDS + j] = pt_word(offset + i * PAGE_SIZE, j, salt);
    long err = memory_object_control_data_supply(control, offset, flags, w, size);
    sys_vm_deallocate(w, size); /* the pages left with the message (or never did) */
    return err;
}

long pt_thread(void (*fn)(void *arg), void *arg)
{
    return thread_start(fn, arg, PT_STACK);
}

bool pt_wait_count(const volatile unsigned *counter, unsigned want, uint64_t timeout_ns)
{
    uint64_t start = sys_clock_ns();

    while (__atomic_load_n(counter, __ATOMIC_SEQ_CST) < want) {
        if (timeout_ns != TEST_WAIT && sys_clock_ns() - start > timeout_ns)
            return false;
        sys_sleep_ns(PT_MS);
    }
    return true;
}

long pt_wait_task(long task, struct task_status *st)
{
    long err = sys_task_wait(task_port_of(task), st);

    TEST_CHECK(err == 0, "wait for task %ld: %s", task, err_text(err));
    return err;
}
