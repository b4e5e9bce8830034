/*
 * Pager credits under memory pressure (issue 11): the example pager, an
 * ordinary program whose store lives in memory the default pager pages,
 * serves a client four times the usable frames while pageout returns pages
 * to it. It must neither deadlock nor lose a page; it gets frames below the
 * reserve on credit, never more than its share at once. With "leak", the
 * pager keeps fresh pages for good with every page returned to it (a
 * runaway pager): its credit runs out, pageout stops returning pages to it
 * for a while, and this task, an ordinary one paging its own memory
 * meanwhile, still gets all its work done. The runaway pager's own client
 * may fail (its modified pages can go nowhere but to that pager), but the
 * pager ends. init then checks that every frame and swap block came back.
 */
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#include "swap_util.h"

/* Stamp @npages pages at @base, then count those that do not read back. */
static uint64_t pc_touch(uint64_t base, uint64_t npages)
{
    uint64_t bad = 0;

    for (uint64_t i = 0; i < npages; i++)
        sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 7);
    for (uint64_t i = 0; i < npages; i++)
        bad +=
            !sw_stamped((volatile const uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 7);
    return bad;
}

int main(int argc, char **argv)
{
    bool leak = argc > 1 && strcmp(argv[1], "leak") == 0;
    const char *name = leak ? "test_pager_credit leak" : "test_pager_credit";
    struct vm_stat v0, v1;
    struct task_status st = {0};

    sys_vm_stat(&v0);
    long pager = sys_task_spawn("example_pager", leak ? "factor=2 leak=1" : "factor=4");
    if (!TEST_CHECK(pager > 0, "spawn example_pager: %s", err_text(pager)))
        return test_report(name);
    if (leak) {
        /* An ordinary task pages its own memory while the runaway pager runs. */
        uint64_t npages = sw_frames_total();
        long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
        if (TEST_CHECK(base > 0, "allocate %lu pages: %s", (unsigned long)npages, err_text(base))) {
            uint64_t bad = pc_touch((uint64_t)base, npages);
            TEST_CHECK(bad == 0, "%lu of my own pages read back wrong", (unsigned long)bad);
            sys_vm_deallocate((void *)base, npages * PAGE_SIZE);
        }
    }
    long err = sys_task_wait(task_port_of((uint32_t)pager), &st);
    /* The runaway pager's own client may fail (its pages could go nowhere else); it must end. */
    TEST_CHECK(err == 0 && (leak || (st.end == TASK_END_EXIT && st.code == 0)),
               "example_pager ended badly: wait %s, end %d, code %d", err_text(err), st.end,
               st.code);
    sys_vm_stat(&v1);
    printf("%s: %lu frames taken on credit (share %lu, at most %lu at once), %lu waits on "
           "spent credit, %lu times pages were held back from a pager\n",
           name, (unsigned long)(v1.credit_taken - v0.credit_taken), (unsigned long)v1.credit_share,
           (unsigned long)v1.credit_max, (unsigned long)(v1.credit_waits - v0.credit_waits),
           (unsigned long)(v1.returns_deferred - v0.returns_deferred));
    TEST_CHECK(v1.credit_taken > v0.credit_taken, "the pager never needed the reserve");
    TEST_CHECK(v1.credit_max <= v1.credit_share,
               "a pager held %lu frames below the reserve, its share is %lu",
               (unsigned long)v1.credit_max, (unsigned long)v1.credit_share);
    if (leak) {
        TEST_CHECK(v1.credit_waits > v0.credit_waits, "the runaway pager's credit never ran out");
        TEST_CHECK(v1.returns_deferred > v0.returns_deferred,
                   "pageout never held pages back from the runaway pager");
    }
    return test_report(name);
}
