/*
 * Memory pressure for other tests: writes a working set of twice the usable
 * frames (its args: the number of passes, default 3), stamping and checking
 * every page each pass, so that pageout keeps pushing pages to the swap disk
 * and the default pager keeps reading them back. Exits 0 when every page
 * read back as written.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>

#include "swap_util.h"

int main(int argc, char **argv)
{
    unsigned passes = 0;

    for (const char *p = argc > 1 ? argv[1] : ""; *p >= '0' && *p <= '9'; p++)
        passes = passes * 10 + (unsigned)(*p - '0');
    if (passes == 0)
        passes = 3;
    uint64_t npages = 2 * sw_frames_total(), bad = 0;
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (base < 0)
        return 2;
    for (unsigned n = 1; n <= passes; n++) {
        for (uint64_t i = 0; i < npages; i++)
            sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, n);
        for (uint64_t i = 0; i < npages; i++)
            bad += !sw_stamped((volatile const uint64_t *)(base + i * PAGE_SIZE),
                               base + i * PAGE_SIZE, n);
    }
    sys_vm_deallocate((void *)base, npages * PAGE_SIZE);
    if (bad)
        printf("swap_churn: %lu pages read back wrong\n", (unsigned long)bad);
    return bad ? 1 : 0;
}
