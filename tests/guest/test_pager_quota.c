/*
 * The kernel's frame quota and lock_request's vetoes, against a pager
 * thread of the test's own that ignores the quota (docs/pager.md, "Frame
 * quota"): with a quota of 2 frames, every fault still completes (the quota
 * never holds a fault back), the requests made while 2 or more pages were
 * resident carry MEMORY_OBJECT_ACCESS_OVER_QUOTA, and the kernel's counts
 * (resident, peak, signals) say exactly what happened. Then a flush of the
 * whole object leaves the one pinned page and says so (1 vetoed, at its
 * offset).
 */
#include <abi/pager.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>

#include "pager_util.h"

#define QT_PAGES 8u
#define QT_TOUCHED 6u /* pages 0..5 read */
#define QT_QUOTA 2u
#define QT_FLUSH 2u /* lock_request op */

static port_name_t qt_port;
static volatile port_name_t qt_control;
static volatile unsigned qt_requests, qt_over;

/* Serve the object with pattern pages, one per request; count the marked requests. */
static void qt_pager(void *arg)
{
    struct pt_event ev;

    (void)arg;
    for (;;) {
        long r = pt_recv(qt_port, &ev, IPC_TIMEOUT_NONE);
        if (r == -ERR_DEAD || r == -ERR_NAME || r == -ERR_RIGHT)
            return;
        if (r != 0)
            continue;
        if (ev.kind == PT_INIT)
            qt_control = ev.control;
        if (ev.kind != PT_REQUEST)
            continue;
        /* Counted before the supply: the fault it completes may run (and the
         * test read the counts) before this thread runs again. */
        if (ev.access & MEMORY_OBJECT_ACCESS_OVER_QUOTA)
            pt_count(&qt_over); /* ignored: supplied all the same */
        pt_count(&qt_requests);
        TEST_CHECK(pt_supply(qt_control, ev.offset, 1, 0, 0) == 0, "supply %lx",
                   (unsigned long)ev.offset);
    }
}

/* The kernel's quota figures now (read only). */
static void qt_read(uint64_t *resident, uint64_t *peak, uint64_t *signals)
{
    long r = memory_object_control_quota(qt_control, QUOTA_KEEP, resident, peak, signals);
    TEST_CHECK(r == 0, "quota read: %ld", r);
}

int main(void)
{
    uint64_t resident = 0, peak = 0, signals = 0;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &qt_port) == 0, "port");
    TEST_CHECK(pt_thread(qt_pager, NULL) > 0, "pager thread");
    long base = sys_vm_map(qt_port, QT_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "vm_map: %ld", base))
        return test_report("test_pager_quota");
    volatile uint64_t *page0 = (volatile uint64_t *)base;
    TEST_CHECK(page0[1] == pt_word(0, 1, 0), "page 0"); /* init came: the control port is known */
    long r = memory_object_control_quota(qt_control, QT_QUOTA, &resident, &peak, &signals);
    TEST_CHECK(r == 0 && resident == 1 && peak == 1 && signals == 0,
               "set quota: %ld, resident %lu peak %lu signals %lu", r, (unsigned long)resident,
               (unsigned long)peak, (unsigned long)signals);

    /* Pages 1..5: every fault completes although the pager ignores the quota. */
    for (unsigned i = 1; i < QT_TOUCHED; i++) {
        volatile uint64_t *p = (volatile uint64_t *)(base + i * PAGE_SIZE);
        TEST_CHECK(p[2] == pt_word(i * PAGE_SIZE, 2, 0), "page %u", i);
    }
    TEST_CHECK(qt_requests == QT_TOUCHED && qt_over == QT_TOUCHED - QT_QUOTA,
               "%u requests, %u over quota (want %u, %u)", qt_requests, qt_over, QT_TOUCHED,
               QT_TOUCHED - QT_QUOTA);
    qt_read(&resident, &peak, &signals);
    TEST_CHECK(resident == QT_TOUCHED && peak == QT_TOUCHED && signals == QT_TOUCHED - QT_QUOTA,
               "kernel: resident %lu peak %lu signals %lu", (unsigned long)resident,
               (unsigned long)peak, (unsigned long)signals);

    /* A flush of everything with page 3 pinned: that one is vetoed, the rest go. */
    void *pinned = (void *)(base + 3 * PAGE_SIZE);
    TEST_CHECK(sys_vm_pin(pinned, PAGE_SIZE) == 0, "pin");
    uint64_t vetoed = 0, first = 0;
    r = memory_object_control_lock_request(qt_control, 0, QT_PAGES * PAGE_SIZE, QT_FLUSH, &vetoed,
                                           &first);
    TEST_CHECK(r == 0 && vetoed == 1 && first == 3 * PAGE_SIZE,
               "flush with page 3 pinned: %ld, %lu vetoed from %lx", r, (unsigned long)vetoed,
               (unsigned long)first);
    qt_read(&resident, &peak, &signals);
    TEST_CHECK(resident == 1, "after the flush %lu resident, want the pinned one",
               (unsigned long)resident);
    TEST_CHECK(sys_vm_unpin(pinned, PAGE_SIZE) == 0, "unpin");
    r = memory_object_control_lock_request(qt_control, 0, QT_PAGES * PAGE_SIZE, QT_FLUSH, &vetoed,
                                           &first);
    qt_read(&resident, &peak, &signals);
    TEST_CHECK(r == 0 && vetoed == 0 && resident == 0,
               "flush unpinned: %ld, %lu vetoed, %lu resident", r, (unsigned long)vetoed,
               (unsigned long)resident);
    TEST_CHECK(((volatile uint64_t *)pinned)[3] == pt_word(3 * PAGE_SIZE, 3, 0), "refetched");

    TEST_CHECK(sys_vm_deallocate((void *)base, QT_PAGES * PAGE_SIZE) == 0, "deallocate");
    port_deallocate(qt_control);
    port_destroy(qt_port);
    return test_report("test_pager_quota");
}
