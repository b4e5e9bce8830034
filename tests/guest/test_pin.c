/*
 * Pinning pages in memory (section 3.6.4). A pinned range is made resident at
 * once, its pages are not pushed out (SYS_VM_PAGEOUT skips them), cannot be
 * moved to another task, and its region cannot be removed; unpinning lifts
 * all of that. The per-task limit holds, and a task that exits with pins
 * gives every frame back (init checks).
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define PIN_PAGES 8u

static unsigned pin_resident(long base)
{
    unsigned n = 0;
    for (unsigned i = 0; i < PIN_PAGES; i++) {
        struct vm_query q;
        if (sys_vm_query((const void *)(base + i * PAGE_SIZE), &q) == 0 && q.resident)
            n++;
    }
    return n;
}

/* Moving a pinned page out of line is refused; the page stays where it is. */
static void pin_check_move(long base)
{
    struct ipc_message m;
    port_name_t p;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "port");
    ipc_msg_init(&m, p, IPC_DISP_MAKE_SEND, 1);
    ipc_add_ool(&m, (void *)base, PAGE_SIZE, IPC_OOL_MOVE);
    TEST_CHECK(ipc_send(&m, 0) == -ERR_BUSY, "moving a pinned page was not refused");
    port_destroy(p);
}

int main(void)
{
    long base = sys_vm_allocate(PIN_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate"))
        return test_report("test_pin");
    TEST_CHECK(pin_resident(base) == 0, "resident before any touch");
    TEST_CHECK(sys_vm_pin((void *)base, PIN_PAGES * PAGE_SIZE) == 0, "pin");
    TEST_CHECK(pin_resident(base) == PIN_PAGES, "pinning did not fault the pages in");
    for (unsigned i = 0; i < PIN_PAGES; i++)
        *(volatile uint64_t *)(base + i * PAGE_SIZE) = 0x9170 + i;
    TEST_CHECK(sys_vm_pageout((void *)base, PIN_PAGES * PAGE_SIZE) == 0, "pinned pages pushed out");
    TEST_CHECK(pin_resident(base) == PIN_PAGES, "a pinned page left memory");
    pin_check_move(base);
    TEST_CHECK(sys_vm_deallocate((void *)base, PIN_PAGES * PAGE_SIZE) == -ERR_BUSY,
               "a pinned region was removed");
    TEST_CHECK(sys_vm_unpin((void *)base, PAGE_SIZE) == -ERR_NOENT, "unpin of another range");
    TEST_CHECK(sys_vm_pin((void *)0xffff800000000000ul, PAGE_SIZE) == -ERR_INVAL, "kernel range");
    TEST_CHECK(sys_vm_pin((void *)0x10000000ul, PAGE_SIZE) == -ERR_FAULT, "unmapped range");
    long big = sys_vm_allocate(2048 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    TEST_CHECK(big > 0 && sys_vm_pin((void *)big, 1020 * PAGE_SIZE) == -ERR_LIMIT,
               "the per-task limit (1024 pages) did not hold");

    TEST_CHECK(sys_vm_unpin((void *)base, PIN_PAGES * PAGE_SIZE) == 0, "unpin");
    TEST_CHECK(sys_vm_pageout((void *)base, PIN_PAGES * PAGE_SIZE) == PIN_PAGES,
               "unpinned pages not pushed out");
    unsigned bad = 0;
    for (unsigned i = 0; i < PIN_PAGES; i++)
        bad += *(volatile uint64_t *)(base + i * PAGE_SIZE) != 0x9170 + i;
    TEST_CHECK(bad == 0, "%u pages lost their data", bad);
    /* Exit with pins held: the kernel releases them (init checks the frames). */
    TEST_CHECK(sys_vm_pin((void *)base, 2 * PAGE_SIZE) == 0, "pin again");
    return test_report("test_pin");
}
