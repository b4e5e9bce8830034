/*
 * Concurrent faults through an external pager (issue 4, section 3.6.2). 32
 * threads fault the same page while the pager holds its answer back: the
 * pager sees exactly one data_request and all of them get the page. Then
 * four child tasks of 60 threads each fault 240 distinct pages at once; the
 * pager collects every request before answering any, answers them in a
 * random order, and every child checks its data.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define SAME_THREADS 32u
#define CHILDREN 4u
#define CHILD_PAGES 60u
#define ALL_FAULTS (CHILDREN * CHILD_PAGES)
#define CONC_WAIT TEST_WAIT /* events are awaited, never timed */

static port_name_t pager;
static volatile uint64_t *same_page;
static volatile unsigned same_started, same_done, same_good;

/* One of the SAME_THREADS threads: fault page 0 and check it. */
static void same_toucher(void *arg)
{
    (void)arg;
    pt_count(&same_started);
    if (pt_page_ok(same_page, 0, 0))
        pt_count(&same_good);
    pt_count(&same_done);
}

/* 32 threads fault one page: one request, answered late, wakes them all. */
static void conc_same_page(void)
{
    struct pt_event ev;
    long addr = sys_vm_map(pager, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (!TEST_CHECK(addr > 0, "vm_map: %s", err_text(addr)) ||
        !pt_expect(pager, &ev, PT_INIT, CONC_WAIT))
        return;
    port_name_t ctl = ev.control;
    same_page = (volatile uint64_t *)addr;
    for (unsigned i = 0; i < SAME_THREADS; i++)
        TEST_CHECK(pt_thread(same_toucher, NULL) > 0, "start thread %u", i);
    if (pt_expect(pager, &ev, PT_REQUEST, CONC_WAIT))
        TEST_CHECK(ev.offset == 0 && ev.access == PT_ACCESS_READ, "request offset 0x%lx",
                   (unsigned long)ev.offset);
    TEST_CHECK(pt_wait_count(&same_started, SAME_THREADS, CONC_WAIT), "threads did not start");
    sys_sleep_ns(100 * PT_MS); /* every thread is now waiting on the busy page */
    TEST_CHECK(same_done == 0, "%u threads got the page before the pager answered", same_done);
    TEST_CHECK(pt_quiet(pager, 0), "a second request for the same page");
    TEST_CHECK(pt_supply(ctl, 0, 1, 0, 0) == 0, "supply page 0");
    TEST_CHECK(pt_wait_count(&same_done, SAME_THREADS, CONC_WAIT), "only %u of %u threads resumed",
               same_done, SAME_THREADS);
    TEST_CHECK(same_good == SAME_THREADS, "%u of %u threads read the right data", same_good,
               SAME_THREADS);
    TEST_CHECK(pt_quiet(pager, 50 * PT_MS), "a request after the supply");
    sys_vm_deallocate((void *)addr, PAGE_SIZE);
    if (pt_expect(pager, &ev, PT_TERMINATE, CONC_WAIT))
        TEST_CHECK(ev.object != 0, "terminate");
    port_deallocate(ctl);
}

/* The objects of the children and the requests collected for them. */
struct conc_object {
    uint64_t id;
    port_name_t control;
};
struct conc_request {
    unsigned object; /* index into the object table */
    uint64_t offset;
};
static struct conc_object objects[CHILDREN];
static unsigned nobjects;
static struct conc_request requests[ALL_FAULTS];
static unsigned nrequests;
static uint8_t seen[CHILDREN][CHILD_PAGES];

/* Index of object @id in the table, or CHILDREN when unknown. */
static unsigned conc_object_find(uint64_t id)
{
    unsigned i = 0;

    while (i < nobjects && objects[i].id != id)
        i++;
    return i < nobjects ? i : CHILDREN;
}

/* Record one data_request; false (a failure) when it is unexpected. */
static bool conc_record(const struct pt_event *ev)
{
    unsigned o = conc_object_find(ev->object);
    uint64_t page = ev->offset / PAGE_SIZE;

    if (!TEST_CHECK(o < CHILDREN && ev->offset % PAGE_SIZE == 0 && page < CHILD_PAGES &&
                        ev->count >= PAGE_SIZE && ev->count % PAGE_SIZE == 0,
                    "request object %lu offset 0x%lx", (unsigned long)ev->object,
                    (unsigned long)ev->offset))
        return false;
    unsigned want = page % 2 ? PT_ACCESS_WRITE : PT_ACCESS_READ;
    TEST_CHECK(ev->access == want, "page %lu: access %u (want %u)", (unsigned long)page, ev->access,
               want);
    if (!TEST_CHECK(!seen[o][page], "two requests for page %lu of object %u", (unsigned long)page,
                    o))
        return false;
    seen[o][page] = 1;
    requests[nrequests++] = (struct conc_request){o, ev->offset};
    return true;
}

/* Take inits and requests until all ALL_FAULTS faults are waiting. */
static bool conc_collect(void)
{
    struct pt_event ev;

    while (nrequests < ALL_FAULTS) {
        long err = pt_recv(pager, &ev, CONC_WAIT);
        if (!TEST_CHECK(err == 0, "only %u of %u requests came (%s)", nrequests, ALL_FAULTS,
                        err_text(err)))
            return false;
        if (ev.kind == PT_INIT && nobjects < CHILDREN)
            objects[nobjects++] = (struct conc_object){ev.object, ev.control};
        else if (ev.kind != PT_REQUEST || !conc_record(&ev))
            return TEST_CHECK(false, "unexpected event %d", ev.kind);
    }
    return true;
}

/* Answer the collected requests in a random order. */
static void conc_answer_shuffled(void)
{
    uint64_t x = sys_clock_ns() | 1;

    printf("test_pager_concurrent: %u faults outstanding, answering in random order\n", nrequests);
    for (unsigned i = nrequests; i > 1; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        unsigned j = (unsigned)(x % i);
        struct conc_request t = requests[i - 1];
        requests[i - 1] = requests[j];
        requests[j] = t;
    }
    for (unsigned i = 0; i < nrequests; i++) {
        long err = pt_supply(objects[requests[i].object].control, requests[i].offset, 1, 0, 0);
        TEST_CHECK(err == 0, "supply %u: %s", i, err_text(err));
    }
}

/* 240 outstanding faults from 4 tasks, answered in random order. */
static void conc_many_pages(void)
{
    long task[CHILDREN];
    struct task_status st;
    struct pt_event ev;
    char args[16];

    snprintf(args, sizeof(args), "touch %u", CHILD_PAGES);
    for (unsigned i = 0; i < CHILDREN; i++) {
        task[i] = sys_task_spawn_bootstrap("pager_child", args, pager);
        TEST_CHECK(task[i] > 0, "spawn pager_child: %s", err_text(task[i]));
    }
    if (conc_collect()) {
        TEST_CHECK(pt_quiet(pager, 50 * PT_MS), "a request beyond the %u faults", ALL_FAULTS);
        conc_answer_shuffled();
    }
    for (unsigned i = 0; i < CHILDREN; i++)
        if (task[i] > 0 && pt_wait_task(task[i], &st) == 0)
            TEST_CHECK(st.end == TASK_END_EXIT && st.code == 0, "child %u ended %d, code %d", i,
                       st.end, st.code);
    for (unsigned i = 0; i < nobjects; i++) {
        if (pt_expect(pager, &ev, PT_TERMINATE, CONC_WAIT))
            TEST_CHECK(conc_object_find(ev.object) < nobjects, "terminate of an unknown object");
        port_deallocate(objects[i].control);
    }
}

int main(void)
{
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &pager) == 0, "allocate the pager port");
    conc_same_page();
    conc_many_pages();
    port_destroy(pager);
    return test_report("test_pager_concurrent");
}
