/*
 * Failover to a standby pager (issue 11 item 4): the main thread plays
 * pager A of an 8-page object and standby B, registered with
 * SYS_VM_PAGER_STANDBY. Some pages are resident, a fault waits for A, then
 * A's port dies. B gets init for the object and the waiting fault's request,
 * once; every page reads right, B is asked at most once per page, and the
 * pages only the kernel had (resident when A died) go to B by pageout. Bad
 * input: no right, the pager as its own standby; a standby set and removed
 * adopts nothing. Then the same with a pager task that dies during a
 * request (pager_child). Needs host_priv=test_pager_failover.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>

#define NPAGES 8u
#define RESIDENT 4u /* pages 0..3 are resident when A dies */
#define WAITING 5u  /* a fault on page 5 waits for A when it dies */
#define SALT 0xfa11ull
#define WAIT TEST_WAIT /* events are awaited, never timed */

static volatile uint64_t *base;

/* A toucher: check pages [first, first + n) against the pattern. */
struct touch {
    unsigned first, n;
    volatile unsigned done, bad;
};

static void touch_run(void *arg)
{
    struct touch *t = arg;

    for (unsigned i = t->first; i < t->first + t->n; i++)
        t->bad += !pt_page_ok(base + (uint64_t)i * PT_WORDS, i * PAGE_SIZE, SALT);
    pt_count(&t->done);
}

static void touch_start(struct touch *t, unsigned first, unsigned n)
{
    *t = (struct touch){.first = first, .n = n};
    TEST_CHECK(pt_thread(touch_run, t) > 0, "start a toucher");
}

/*
 * Serve @port with @control (pattern pages, not precious) until toucher @t
 * is done; @requests counts the requests per page. Requests are held, not
 * answered, when @hold.
 */
static void serve(port_name_t port, port_name_t control, struct touch *t, unsigned *requests,
                  bool hold)
{
    struct pt_event ev;
    while (!__atomic_load_n(&t->done, __ATOMIC_SEQ_CST)) {
        if (pt_recv(port, &ev, 50 * PT_MS) != 0)
            continue;
        unsigned i = ev.offset / PAGE_SIZE;
        if (!TEST_CHECK(ev.kind == PT_REQUEST && i < NPAGES, "unexpected event %d", ev.kind))
            continue;
        requests[i]++;
        if (hold)
            return;
        long err = pt_supply(control, i * PAGE_SIZE, 1, 0, SALT);
        TEST_CHECK(err == 0, "supply page %u: %s", i, err_text(err));
    }
}

/*
 * The pager is a task that dies (pager_child "pager": it takes init and the
 * first request, then exits unanswered): standby @b adopts the object and
 * answers the request.
 */
static void failover_task_dies(void)
{
    static struct ipc_message m;
    struct task_status st;
    struct pt_event ev;
    struct touch t;
    port_name_t boot, b;
    unsigned requests[NPAGES] = {0};

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &boot) == 0 &&
                        port_allocate(IPC_RIGHT_RECEIVE, &b) == 0,
                    "allocate ports"))
        return;
    long ptask = sys_task_spawn_bootstrap("pager_child", "pager", boot);
    if (!TEST_CHECK(ptask > 0, "spawn the dying pager") ||
        !TEST_CHECK(ipc_recv(&m, boot, WAIT) == 0 && m.id == PT_ID_HELLO && m.ndesc == 1 &&
                        ipc_desc_port_ok(&m.ext.desc[0], IPC_RIGHT_SEND),
                    "the dying pager's port"))
        return;
    port_name_t dying = m.ext.desc[0].name;
    TEST_CHECK(sys_vm_pager_standby(ipc_host_port, dying, b) == 0, "B is its standby");
    long addr = sys_vm_map(dying, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(addr > 0, "vm_map from the dying pager: %s", err_text(addr)))
        return;
    base = (volatile uint64_t *)addr;
    touch_start(&t, 0, 1);
    if (pt_wait_task(ptask, &st) == 0)
        TEST_CHECK(st.end == TASK_END_EXIT && st.code == 0, "dying pager: end %d code %d", st.end,
                   st.code);
    if (pt_expect(b, &ev, PT_INIT, WAIT)) {
        port_name_t control = ev.control;
        serve(b, control, &t, requests, false);
        TEST_CHECK(t.done && t.bad == 0 && requests[0] == 1,
                   "the fault the dead pager took, answered by B once");
        TEST_CHECK(sys_vm_deallocate((void *)base, PAGE_SIZE) == 0, "deallocate");
        TEST_CHECK(pt_expect(b, &ev, PT_TERMINATE, WAIT), "B: terminate");
        port_deallocate(control);
    }
    port_deallocate(dying);
    port_destroy(b);
    port_destroy(boot);
}

int main(void)
{
    port_name_t a, b;
    struct pt_event ev;
    struct touch t, waiting;
    unsigned a_requests[NPAGES] = {0}, b_requests[NPAGES] = {0};

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &a) == 0 &&
                   port_allocate(IPC_RIGHT_RECEIVE, &b) == 0,
               "allocate the pager ports");
    long addr = sys_vm_map(a, NPAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(addr > 0, "vm_map: %s", err_text(addr)) || !pt_expect(a, &ev, PT_INIT, WAIT))
        return test_report("test_pager_failover");
    base = (volatile uint64_t *)addr;
    uint64_t object = ev.object;
    port_name_t a_control = ev.control;

    /* Bad input changes nothing. */
    TEST_CHECK(sys_vm_pager_standby(PORT_NULL, a, b) == -ERR_PERM, "no right");
    TEST_CHECK(sys_vm_pager_standby(ipc_host_port, a, a) == -ERR_INVAL, "its own standby");
    port_name_t gone;
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &gone) == 0 && port_insert_send(gone) == 0,
               "a port to kill");
    TEST_CHECK(sys_vm_pager_standby(ipc_host_port, a, gone) == 0 &&
                   sys_vm_pager_standby(ipc_host_port, a, PORT_NULL) == 0,
               "set a standby and remove it");
    TEST_CHECK(sys_vm_pager_standby(ipc_host_port, a, b) == 0, "B is A's standby");
    port_destroy(gone);

    /* Under A: resident pages, and a fault A holds. */
    touch_start(&t, 0, RESIDENT);
    serve(a, a_control, &t, a_requests, false);
    TEST_CHECK(t.done && t.bad == 0, "pages 0..3 under A");
    touch_start(&waiting, WAITING, 1);
    serve(a, a_control, &waiting, a_requests, true);
    TEST_CHECK(a_requests[WAITING] == 1, "A holds the request for page %u", WAITING);

    /* A dies: B adopts the object. */
    port_destroy(a);
    port_deallocate(a_control);
    if (!pt_expect(b, &ev, PT_INIT, WAIT))
        return test_report("test_pager_failover");
    TEST_CHECK(ev.object == object, "B: init of the object");
    port_name_t b_control = ev.control;
    serve(b, b_control, &waiting, b_requests, false);
    TEST_CHECK(waiting.done && waiting.bad == 0, "the fault that waited for A, answered by B");
    touch_start(&t, 0, NPAGES);
    serve(b, b_control, &t, b_requests, false);
    TEST_CHECK(t.done && t.bad == 0, "every page under B");
    for (unsigned i = 0; i < NPAGES; i++)
        TEST_CHECK(b_requests[i] == (i < RESIDENT ? 0u : 1u), "B asked %u times for page %u",
                   b_requests[i], i);

    /* The pages the kernel kept when A died are precious: pageout gives them to B. */
    long n = sys_vm_pageout((void *)base, NPAGES * PAGE_SIZE);
    TEST_CHECK(n == NPAGES, "push every page out: %ld", n);
    unsigned returned = 0;
    while (pt_recv(b, &ev, 100 * PT_MS) == 0)
        returned += ev.kind == PT_RETURN && ev.offset < RESIDENT * PAGE_SIZE;
    TEST_CHECK(returned == RESIDENT, "B got %u of the %u pages only the kernel had", returned,
               RESIDENT);

    TEST_CHECK(sys_vm_deallocate((void *)base, NPAGES * PAGE_SIZE) == 0, "deallocate");
    if (pt_expect(b, &ev, PT_TERMINATE, WAIT))
        TEST_CHECK(ev.object == object, "B: terminate");
    port_deallocate(b_control);
    port_destroy(b);
    failover_task_dies();
    return test_report("test_pager_failover");
}
