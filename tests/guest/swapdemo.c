/*
 * Paging to disk, shown: writes a working set three times the memory the
 * machine has (boot with frames=N to make it small), reads it back twice,
 * and prints what the pageout thread and the default pager did: pages
 * evicted clean and dirty, blocks written to and read from the swap disk,
 * and whether every page came back as written. Needs swap=disk.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>

#include "swap_util.h"

int main(void)
{
    struct sw_stats s0, s1;
    struct vm_stat v0, v1;

    if (sw_stats(&s0) != 0 || !s0.disk) {
        printf("swapdemo: the system pager keeps pages in RAM (boot with swap=disk)\n");
        return 0;
    }
    sys_vm_stat(&v0);
    uint64_t npages = 3 * v0.frames_total, bad = 0;
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (base < 0)
        return 1;
    printf("swapdemo: %lu frames of memory, writing %lu pages (%lu MiB), swap disk of %lu blocks\n",
           (unsigned long)v0.frames_total, (unsigned long)npages,
           (unsigned long)(npages * PAGE_SIZE >> 20), (unsigned long)s0.blocks);
    for (uint64_t i = 0; i < npages; i++)
        sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 1);
    for (int pass = 0; pass < 2; pass++)
        for (uint64_t i = 0; i < npages; i++)
            bad += !sw_stamped((volatile const uint64_t *)(base + i * PAGE_SIZE),
                               base + i * PAGE_SIZE, 1);
    sys_vm_stat(&v1);
    sw_stats(&s1);
    sys_vm_deallocate((void *)base, npages * PAGE_SIZE);
    printf("swapdemo: pageout evicted %lu clean and %lu dirty pages; %lu blocks written, %lu read "
           "back\n",
           (unsigned long)(v1.evict_clean - v0.evict_clean),
           (unsigned long)(v1.evict_dirty - v0.evict_dirty), (unsigned long)(s1.writes - s0.writes),
           (unsigned long)(s1.reads - s0.reads));
    printf("swapdemo: %s\n", bad == 0 ? "every page read back as written" : "PAGES WRONG");
    return bad == 0 ? 0 : 1;
}
