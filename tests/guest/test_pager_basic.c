/*
 * The external pager protocol end to end (issue 4). The main thread is the
 * pager of an 8-page object; short-lived threads touch its pages and block
 * until the pager answers: pattern pages on first touch (read and write),
 * prefetched pages kept, zero fill, a read-only supply whose write comes
 * back as its own request, write-protect and grant write, data_error killing
 * a child task, and terminate on deallocation and on task exit.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>
#include <memory_object_defs.h>

#define BASIC_PAGES 8u
#define BASIC_WAIT TEST_WAIT /* events are awaited, never timed */

enum job_op { JOB_CHECK, JOB_ZERO, JOB_WRITE };

/* One touch of the object, run by its own thread while the main thread pages. */
struct job {
    enum job_op op;
    unsigned first, npages; /* JOB_CHECK, JOB_ZERO */
    unsigned word;          /* JOB_WRITE: word @word of page @first becomes @value */
    uint64_t value;
    volatile unsigned done, ok;
};

static port_name_t pager;
static volatile uint64_t *base;

/* A thread's body: do job @arg and record whether its data was right. */
static void job_run(void *arg)
{
    struct job *j = arg;
    unsigned ok = 1;

    for (unsigned i = j->first; i < j->first + j->npages; i++) {
        volatile uint64_t *page = base + (uint64_t)i * PT_WORDS;
        if (j->op == JOB_CHECK && !pt_page_ok(page, i * PAGE_SIZE, 0))
            ok = 0;
        for (uint64_t w = 0; j->op == JOB_ZERO && w < PT_WORDS; w++)
            ok &= page[w] == 0;
    }
    if (j->op == JOB_WRITE) {
        base[(uint64_t)j->first * PT_WORDS + j->word] = j->value;
        ok = base[(uint64_t)j->first * PT_WORDS + j->word] == j->value;
    }
    j->ok = ok;
    pt_count(&j->done);
}

static void job_start(struct job *j)
{
    j->done = j->ok = 0;
    if (j->op == JOB_WRITE)
        j->npages = 1;
    TEST_CHECK(pt_thread(job_run, j) > 0, "start a toucher thread");
}

/* Wait for job @j; true when it finished with the right data. */
static bool job_finish(struct job *j, const char *what)
{
    bool done = pt_wait_count(&j->done, 1, BASIC_WAIT);

    TEST_CHECK(done, "%s: the touch never completed", what);
    return TEST_CHECK(done && j->ok, "%s: wrong data", what);
}

/* Expect a data_request for page @page of object @obj with @access. */
static bool expect_request(uint64_t obj, unsigned page, unsigned access)
{
    struct pt_event ev;

    if (!pt_expect(pager, &ev, PT_REQUEST, BASIC_WAIT))
        return false;
    return TEST_CHECK(ev.object == obj && ev.offset == page * PAGE_SIZE && ev.count == PAGE_SIZE &&
                          ev.access == access,
                      "request: object %lu offset 0x%lx count %lu access %u (want page %u, "
                      "access %u)",
                      (unsigned long)ev.object, (unsigned long)ev.offset, (unsigned long)ev.count,
                      ev.access, page, access);
}

/* First touch by a read and a write; a supply larger than the request is kept. */
static void basic_supply(uint64_t obj, port_name_t ctl)
{
    struct job rd = {.op = JOB_CHECK, .first = 0, .npages = 1};
    job_start(&rd);
    expect_request(obj, 0, PT_ACCESS_READ);
    TEST_CHECK(rd.done == 0, "the reader ran before the pager answered");
    TEST_CHECK(pt_supply(ctl, 0, 1, 0, 0) == 0, "supply page 0");
    job_finish(&rd, "read of page 0");

    struct job wr = {.op = JOB_WRITE, .first = 0, .word = 5, .value = 0xfeedull};
    job_start(&wr); /* resident and writable: no request */
    job_finish(&wr, "write to resident page 0");
    wr.value = pt_word(0, 5, 0);
    job_start(&wr);
    job_finish(&wr, "second write to page 0");

    struct job wr3 = {
        .op = JOB_WRITE, .first = 3, .word = 0, .value = pt_word(3 * PAGE_SIZE, 0, 0)};
    job_start(&wr3);
    expect_request(obj, 3, PT_ACCESS_WRITE);
    TEST_CHECK(pt_supply(ctl, 3 * PAGE_SIZE, 3, 0, 0) == 0, "supply pages 3-5 for page 3");
    job_finish(&wr3, "write to page 3");

    struct job more = {.op = JOB_CHECK, .first = 3, .npages = 3};
    job_start(&more); /* pages 4 and 5 came as prefetch */
    job_finish(&more, "pages 3-5");
    TEST_CHECK(pt_quiet(pager, 50 * PT_MS), "prefetched pages were requested again");
}

/* data_unavailable zero fills the requested page. */
static void basic_unavailable(uint64_t obj, port_name_t ctl)
{
    struct job z = {.op = JOB_ZERO, .first = 1, .npages = 1};

    job_start(&z);
    expect_request(obj, 1, PT_ACCESS_READ);
    TEST_CHECK(memory_object_control_data_unavailable(ctl, PAGE_SIZE, PAGE_SIZE) == 0,
               "data_unavailable page 1");
    job_finish(&z, "zero-filled page 1");
}

/* Page 2 is supplied read-only: a write comes back as its own request, granted. */
static void basic_read_only(uint64_t obj, port_name_t ctl)
{
    struct job rd = {.op = JOB_CHECK, .first = 2, .npages = 1};
    job_start(&rd);
    expect_request(obj, 2, PT_ACCESS_READ);
    TEST_CHECK(pt_supply(ctl, 2 * PAGE_SIZE, 1, PT_SUPPLY_READ_ONLY, 0) == 0, "read-only supply");
    job_finish(&rd, "read of read-only page 2");

    struct job wr = {.op = JOB_WRITE, .first = 2, .word = 7, .value = 0xabcdull};
    job_start(&wr);
    expect_request(obj, 2, PT_ACCESS_WRITE);
    sys_sleep_ns(20 * PT_MS);
    TEST_CHECK(wr.done == 0, "the write to a read-only page completed without the pager");
    TEST_CHECK(pt_lock(ctl, 2 * PAGE_SIZE, PAGE_SIZE, PT_LOCK_GRANT_WRITE) == 0,
               "grant write on page 2");
    job_finish(&wr, "write to page 2 after the grant");
    TEST_CHECK(pt_quiet(pager, 20 * PT_MS), "a second request for page 2");
}

/* Write-protect resident page 0: reads go on, a write asks the pager again. */
static void basic_write_protect(uint64_t obj, port_name_t ctl)
{
    TEST_CHECK(pt_lock(ctl, 0, PAGE_SIZE, PT_LOCK_WRITE_PROTECT) == 0, "write-protect page 0");
    struct job rd = {.op = JOB_CHECK, .first = 0, .npages = 1};
    job_start(&rd);
    job_finish(&rd, "read of write-protected page 0");
    TEST_CHECK(pt_quiet(pager, 20 * PT_MS), "a read of a write-protected page asked the pager");

    struct job wr = {.op = JOB_WRITE, .first = 0, .word = 9, .value = 0x99ull};
    job_start(&wr);
    expect_request(obj, 0, PT_ACCESS_WRITE);
    TEST_CHECK(pt_lock(ctl, 0, PAGE_SIZE, PT_LOCK_GRANT_WRITE) == 0, "grant write on page 0");
    job_finish(&wr, "write to page 0 after the grant");
}

/* data_error: the faulting child task is killed; its exit terminates its object. */
static void basic_error(void)
{
    struct task_status st;
    struct pt_event ev;
    long task = sys_task_spawn_bootstrap("pager_child", "touch 1", pager);

    if (!TEST_CHECK(task > 0, "spawn pager_child: %s", err_text(task)))
        return;
    if (pt_expect(pager, &ev, PT_INIT, BASIC_WAIT)) {
        uint64_t obj = ev.object;
        port_name_t ctl = ev.control;
        TEST_CHECK(ev.owner == (uint64_t)task, "init: owner %lu, the child that mapped it is %ld",
                   (unsigned long)ev.owner, task);
        if (expect_request(obj, 0, PT_ACCESS_READ))
            TEST_CHECK(memory_object_control_data_error(ctl, 0, PAGE_SIZE, -ERR_FAULT) == 0,
                       "data_error");
        if (pt_wait_task(task, &st) == 0)
            TEST_CHECK(st.end == TASK_END_FAULT, "data_error: child ended %d (want fault)", st.end);
        if (pt_expect(pager, &ev, PT_TERMINATE, BASIC_WAIT))
            TEST_CHECK(ev.object == obj, "terminate of object %lu", (unsigned long)ev.object);
        port_deallocate(ctl);
    }
}

/*
 * A terminate of our object sent by a task (we, holding the port) is not
 * the kernel's: pt_recv drops it (-ERR_PERM), and the object lives on.
 */
static void basic_forged(uint64_t obj)
{
    struct ipc_message m;
    struct pt_event ev;

    memory_object_terminate_build(&m, pager, obj);
    m.remote_disp = IPC_DISP_MAKE_SEND; /* we hold the receive right */
    m.flags = IPC_FLAG_KERNEL;          /* a send ignores it */
    TEST_CHECK(ipc_send(&m, TEST_WAIT) == 0, "forge a terminate");
    long err = pt_recv(pager, &ev, BASIC_WAIT);
    TEST_CHECK(err == -ERR_PERM && ev.kind == PT_NONE, "the forged terminate dropped (%s, %d)",
               err_text(err), ev.kind);
}

int main(void)
{
    struct pt_event ev;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &pager) == 0, "allocate the pager port");
    long addr = sys_vm_map(pager, BASIC_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(addr > 0, "vm_map: %s", err_text(addr)) ||
        !pt_expect(pager, &ev, PT_INIT, BASIC_WAIT))
        return test_report("test_pager_basic");
    TEST_CHECK(ev.size == BASIC_PAGES * PAGE_SIZE, "init: size %lu", (unsigned long)ev.size);
    struct task_info self;
    TEST_CHECK(sys_task_info(0, &self) == 0 && ev.owner == self.id && self.id != 0,
               "init: owner %lu, we are %u", (unsigned long)ev.owner, self.id);
    base = (volatile uint64_t *)addr;
    uint64_t obj = ev.object;
    port_name_t ctl = ev.control;

    basic_supply(obj, ctl);
    basic_unavailable(obj, ctl);
    basic_read_only(obj, ctl);
    basic_write_protect(obj, ctl);
    basic_error();
    basic_forged(obj);

    TEST_CHECK(sys_vm_deallocate((void *)base, BASIC_PAGES * PAGE_SIZE) == 0, "deallocate");
    if (pt_expect(pager, &ev, PT_TERMINATE, BASIC_WAIT))
        TEST_CHECK(ev.object == obj, "terminate of object %lu", (unsigned long)ev.object);
    TEST_CHECK(memory_object_control_ready(ctl, 0) < 0, "the control port outlived its object");
    port_deallocate(ctl);
    port_destroy(pager);
    return test_report("test_pager_basic");
}
