/*
 * Misbehaving external pagers (issue 4, item 4 and 5). Every refused answer
 * (a supply nobody asked for, a duplicate, a range past the object's end,
 * pages the pager does not own, malformed messages) gets its error and
 * changes nothing: the faulting thread still gets the right data afterwards.
 * A pager that never answers (booted with a short pager_timeout), one whose
 * task dies during a request, one whose port is destroyed, and a child
 * killed while it waits for a pager all end as specified; init checks that
 * every frame came back.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>

#define BAD_PAGES 8u
#define BAD_WAIT TEST_WAIT /* events are awaited, never timed */
#define BAD_SALT 0xbadbadull
#define BAD_UNMAPPED ((const void *)0x0000310000000000ull)

static port_name_t pager;
static volatile uint64_t *base;
static uint64_t object;
static port_name_t control;
static volatile unsigned reads_done, reads_ok;

/* A thread's body: read page @arg and check the pattern. */
static void bad_reader(void *arg)
{
    uint64_t page = (uint64_t)(uintptr_t)arg;

    if (pt_page_ok(base + page * PT_WORDS, page * PAGE_SIZE, 0))
        pt_count(&reads_ok);
    pt_count(&reads_done);
}

/* Start a reader of @page; expect its request. True when it came. */
static bool bad_fault(unsigned page)
{
    struct pt_event ev;

    TEST_CHECK(pt_thread(bad_reader, (void *)(uintptr_t)page) > 0, "start a reader");
    if (!pt_expect(pager, &ev, PT_REQUEST, BAD_WAIT))
        return false;
    return TEST_CHECK(ev.object == object && ev.offset == page * PAGE_SIZE, "request 0x%lx",
                      (unsigned long)ev.offset);
}

/* Wait for reader number @n (counting from 1) and check it read the right data. */
static void bad_reader_done(unsigned n, const char *what)
{
    TEST_CHECK(pt_wait_count(&reads_done, n, BAD_WAIT), "%s: the reader never resumed", what);
    TEST_CHECK(reads_ok == n, "%s: the reader saw wrong data", what);
}

/* Supplies for the wrong offset, twice, past the end, of pages we do not own. */
static void bad_supplies(void)
{
    if (!bad_fault(2))
        return;
    TEST_CHECK(pt_supply(control, 6 * PAGE_SIZE, 1, 0, 0) == -ERR_INVAL, "unrequested supply");
    TEST_CHECK(pt_supply(control, 1 * PAGE_SIZE, 1, 0, 0) == -ERR_INVAL, "supply next to it");
    TEST_CHECK(pt_supply(control, 2 * PAGE_SIZE, 7, 0, 0) == -ERR_INVAL, "supply past the end");
    TEST_CHECK(pt_supply(control, 2 * PAGE_SIZE + 8, 1, 0, 0) == -ERR_INVAL, "unaligned supply");
    TEST_CHECK(pt_supply(control, 2 * PAGE_SIZE, 1, 0x80, 0) == -ERR_INVAL, "unknown flags");
    TEST_CHECK(memory_object_control_data_supply(control, 2 * PAGE_SIZE, 0, BAD_UNMAPPED,
                                                 PAGE_SIZE) == -ERR_NOT_OWNER,
               "supply of pages we do not own");
    TEST_CHECK(memory_object_control_data_unavailable(control, 2 * PAGE_SIZE, 7 * PAGE_SIZE) ==
                   -ERR_INVAL,
               "data_unavailable past the end");
    TEST_CHECK(memory_object_control_data_error(control, 5 * PAGE_SIZE, PAGE_SIZE, -ERR_FAULT) ==
                   -ERR_INVAL,
               "data_error for an unrequested page");
    TEST_CHECK(pt_lock(control, 0, PAGE_SIZE, 9) == -ERR_INVAL, "lock_request with a bad op");
    TEST_CHECK(reads_done == 0, "the reader resumed on a refused answer");
    TEST_CHECK(pt_supply(control, 2 * PAGE_SIZE, 1, 0, 0) == 0, "the right supply");
    bad_reader_done(1, "page 2");

    TEST_CHECK(pt_supply(control, 2 * PAGE_SIZE, 1, 0, BAD_SALT) == -ERR_BUSY, "duplicate supply");
    if (bad_fault(3)) /* a range over resident page 2 and requested page 3 */
        TEST_CHECK(pt_supply(control, 2 * PAGE_SIZE, 2, 0, BAD_SALT) == -ERR_BUSY,
                   "supply over a resident page");
    TEST_CHECK(pt_supply(control, 3 * PAGE_SIZE, 1, 0, 0) == 0, "supply page 3");
    bad_reader_done(2, "page 3");
    TEST_CHECK(pt_thread(bad_reader, (void *)(uintptr_t)2) > 0, "reread page 2");
    bad_reader_done(3, "page 2 after the duplicate"); /* the first data stayed */
    TEST_CHECK(pt_quiet(pager, 20 * PT_MS), "a refused supply left a request behind");
}

/* Raw messages of the wrong shape to the control port. */
static void bad_messages(void)
{
    static struct ipc_message m;

    ipc_msg_init(&m, control, IPC_DISP_COPY_SEND, MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID);
    m.w[0] = 4 * PAGE_SIZE; /* no pages descriptor */
    TEST_CHECK(ipc_call(&m, BAD_WAIT) == 0 && (int64_t)m.w[0] == -ERR_INVAL,
               "a supply without pages: %ld", (long)m.w[0]);
    ipc_msg_init(&m, control, IPC_DISP_COPY_SEND, 0x2199);
    TEST_CHECK(ipc_call(&m, BAD_WAIT) == 0 && (int64_t)m.w[0] == -ERR_NOSYS, "an unknown id: %ld",
               (long)m.w[0]);
}

/* Spawn pager_child "touch 1" served by @port; expect its init and request if @port is ours. */
static long bad_spawn_toucher(port_name_t port, struct pt_event *init)
{
    long task = sys_task_spawn_bootstrap("pager_child", "touch 1", port);

    TEST_CHECK(task > 0, "spawn pager_child: %s", err_text(task));
    if (task > 0 && port == pager && pt_expect(pager, init, PT_INIT, BAD_WAIT)) {
        struct pt_event ev;
        if (pt_expect(pager, &ev, PT_REQUEST, BAD_WAIT))
            TEST_CHECK(ev.object == init->object && ev.offset == 0, "child request");
    }
    return task;
}

/* Child task @task must end @end; then its object @init terminates. */
static void bad_child_end(long task, int end, const struct pt_event *init, const char *what)
{
    struct task_status st;
    struct pt_event ev;

    if (task > 0 && pt_wait_task(task, &st) == 0)
        TEST_CHECK(st.end == end, "%s: child ended %d (want %d)", what, st.end, end);
    if (init == NULL)
        return;
    if (pt_expect(pager, &ev, PT_TERMINATE, BAD_WAIT))
        TEST_CHECK(ev.object == init->object, "%s: terminate", what);
    TEST_CHECK(pt_supply(init->control, 0, 1, 0, 0) < 0, "%s: late supply accepted", what);
    port_deallocate(init->control);
}

/* Never answering: the fault fails at the deadline and kills the child. */
static void bad_never_reply(void)
{
    struct pt_event init;
    uint64_t t0 = sys_clock_ns();
    long task = bad_spawn_toucher(pager, &init);

    bad_child_end(task, TASK_END_FAULT, &init, "no answer");
    uint64_t ms = (sys_clock_ns() - t0) / PT_MS;
    printf("test_pager_bad: the silent pager's child died after %lu ms\n", (unsigned long)ms);
    /* Below the default deadline (30 s): pager_timeout=2000 took effect. Far
     * above 2000 ms, so that a slow machine cannot trip it. */
    TEST_CHECK(ms < 30000, "the fault waited %lu ms (boot with pager_timeout=2000)",
               (unsigned long)ms);
}

/*
 * A write to a page supplied read-only that pager @port never grants (it
 * stays silent, or its port is destroyed when @die): the fault fails, at
 * the deadline or at once; the resident page is neither lost nor leaked.
 */
static void bad_write_never_granted(port_name_t port, bool die)
{
    struct pt_event init, ev;
    long task = sys_task_spawn_bootstrap("pager_child", "rw", port);

    if (!TEST_CHECK(task > 0, "spawn pager_child rw: %s", err_text(task)) ||
        !pt_expect(port, &init, PT_INIT, BAD_WAIT))
        return;
    if (pt_expect(port, &ev, PT_REQUEST, BAD_WAIT))
        TEST_CHECK(pt_supply(init.control, 0, 1, PT_SUPPLY_READ_ONLY, 0) == 0, "read-only supply");
    if (pt_expect(port, &ev, PT_REQUEST, BAD_WAIT))
        TEST_CHECK(ev.access == PT_ACCESS_WRITE, "write request: access %u", ev.access);
    uint64_t t0 = sys_clock_ns();
    if (die) {
        TEST_CHECK(port_destroy(port) == 0, "destroy the pager port");
        bad_child_end(task, TASK_END_FAULT, NULL, "write, pager died");
        /* Not at the deadline (pager_timeout=2000): at the port's death. */
        TEST_CHECK(sys_clock_ns() - t0 < 2000 * PT_MS, "the write waited for the deadline");
        port_deallocate(init.control);
    } else {
        bad_child_end(task, TASK_END_FAULT, &init, "write never granted");
    }
}

/* A child waiting for a pager is killed: it ends killed and its object terminates. */
static void bad_kill_waiting(void)
{
    struct pt_event init;
    long task = bad_spawn_toucher(pager, &init);

    if (task > 0)
        TEST_CHECK(sys_task_kill(task_port_of(task)) == 0, "kill the waiting child");
    bad_child_end(task, TASK_END_KILLED, &init, "killed while waiting");
}

/* The pager's port is destroyed during a request: the child gets a fault, not zeros. */
static void bad_port_dies(void)
{
    port_name_t port;
    struct pt_event ev;

    if (port_allocate(IPC_RIGHT_RECEIVE, &port) < 0)
        return;
    long task = bad_spawn_toucher(port, NULL);
    if (pt_expect(port, &ev, PT_INIT, BAD_WAIT)) {
        port_name_t ctl = ev.control;
        if (pt_expect(port, &ev, PT_REQUEST, BAD_WAIT))
            TEST_CHECK(port_destroy(port) == 0, "destroy the pager port");
        bad_child_end(task, TASK_END_FAULT, NULL, "pager port destroyed");
        port_deallocate(ctl);
    }
}

/* The pager task exits during a request: the child gets a fault, not zeros. */
static void bad_pager_task_dies(void)
{
    static struct ipc_message m;
    struct task_status st;
    port_name_t boot;

    if (port_allocate(IPC_RIGHT_RECEIVE, &boot) < 0)
        return;
    long ptask = sys_task_spawn_bootstrap("pager_child", "pager", boot);
    TEST_CHECK(ptask > 0, "spawn the dying pager");
    if (ptask > 0 &&
        TEST_CHECK(ipc_recv(&m, boot, BAD_WAIT) == 0 && m.id == PT_ID_HELLO && m.ndesc == 1 &&
                       ipc_desc_port_ok(&m.ext.desc[0], IPC_RIGHT_SEND),
                   "no pager port from the dying pager")) {
        long task = bad_spawn_toucher(m.ext.desc[0].name, NULL);
        if (pt_wait_task(ptask, &st) == 0)
            TEST_CHECK(st.end == TASK_END_EXIT && st.code == 0, "dying pager: end %d code %d",
                       st.end, st.code);
        bad_child_end(task, TASK_END_FAULT, NULL, "pager task died");
        port_deallocate(m.ext.desc[0].name);
    }
    port_destroy(boot);
}

/*
 * vm_allocate at an address it refuses (kernel, non-canonical, taken) makes
 * no memory object first (issue 13, item 4 of its defects): object ids are
 * handed out in order, so the next object mapped has the very next id.
 */
static void bad_allocate_creates_nothing(void)
{
    static const uint64_t refused[] = {0xffff800000000000ull, 0x0000800000000000ull, 0x8000ull};
    struct pt_event ev;
    uint64_t ids[2] = {0, 0};
    long addr[2];

    for (int i = 0; i < 2; i++) {
        addr[i] = sys_vm_map(pager, PAGE_SIZE, VM_PROT_READ);
        if (addr[i] > 0 && pt_expect(pager, &ev, PT_INIT, BAD_WAIT)) {
            ids[i] = ev.object;
            port_deallocate(ev.control);
        }
        for (unsigned j = 0; i == 0 && j < 3; j++)
            TEST_CHECK(sys_vm_allocate_at((void *)refused[j], PAGE_SIZE, VM_PROT_READ) < 0,
                       "vm_allocate at 0x%lx", (unsigned long)refused[j]);
        TEST_CHECK(i == 1 || sys_vm_allocate_at((void *)base, PAGE_SIZE, VM_PROT_READ) == -ERR_BUSY,
                   "vm_allocate over a region");
    }
    TEST_CHECK(ids[0] && ids[1] == ids[0] + 1, "refused allocations made objects: ids %lu, %lu",
               (unsigned long)ids[0], (unsigned long)ids[1]);
    for (int i = 0; i < 2; i++) {
        sys_vm_deallocate((void *)addr[i], PAGE_SIZE);
        pt_expect(pager, &ev, PT_TERMINATE, BAD_WAIT);
    }
}

int main(void)
{
    struct pt_event ev;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &pager) == 0, "allocate the pager port");
    long addr = sys_vm_map(pager, BAD_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(addr > 0, "vm_map: %s", err_text(addr)) ||
        !pt_expect(pager, &ev, PT_INIT, BAD_WAIT))
        return test_report("test_pager_bad");
    base = (volatile uint64_t *)addr;
    object = ev.object;
    control = ev.control;

    bad_allocate_creates_nothing();
    bad_supplies();
    bad_messages();
    bad_kill_waiting();
    bad_port_dies();
    bad_pager_task_dies();
    bad_never_reply();
    bad_write_never_granted(pager, false);
    port_name_t port;
    if (TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "allocate a pager port"))
        bad_write_never_granted(port, true);

    sys_vm_deallocate((void *)base, BAD_PAGES * PAGE_SIZE);
    if (pt_expect(pager, &ev, PT_TERMINATE, BAD_WAIT))
        TEST_CHECK(ev.object == object, "terminate");
    port_deallocate(control);
    port_destroy(pager);
    return test_report("test_pager_bad");
}
