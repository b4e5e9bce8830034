/*
 * Demand paging demo: reserves 64 MiB, touches every 16th page and shows
 * with SYS_VM_STAT that only the touched pages took faults and frames, and
 * that the frames come back when the region is removed.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/prefault.h>
#include <ipc/sys.h>

#define MEMDEMO_SIZE (64ul * 1024 * 1024)
#define MEMDEMO_STRIDE 16

static void memdemo_stat(struct vm_stat *st)
{
    if (sys_vm_stat(st) < 0)
        *st = (struct vm_stat){0};
}

int main(void)
{
    struct vm_stat s0, s1, s2;
    unsigned long touched = 0, off;
    long base;

    prefault_image();
    prefault_stack(8 * 1024);
    memdemo_stat(&s0);
    base = sys_vm_allocate(MEMDEMO_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (base < 0) {
        printf("memdemo: vm_allocate: %s\n", err_text(base));
        return 1;
    }
    for (off = 0; off < MEMDEMO_SIZE; off += MEMDEMO_STRIDE * PAGE_SIZE, touched++)
        *(volatile unsigned long *)(base + off) = off;
    memdemo_stat(&s1);
    printf("memdemo: reserved %lu MiB at 0x%lx (%lu pages)\n", MEMDEMO_SIZE >> 20,
           (unsigned long)base, (unsigned long)(MEMDEMO_SIZE / PAGE_SIZE));
    printf("memdemo: demand paging: touched %lu pages, frames used %lu, faults %lu, "
           "zero fills %lu\n",
           touched, (unsigned long)(s0.frames_free - s1.frames_free),
           (unsigned long)(s1.faults - s0.faults), (unsigned long)(s1.zero_fills - s0.zero_fills));
    printf("memdemo: %lu of those faults went to an external pager (data_request)\n",
           (unsigned long)(s1.pager_requests - s0.pager_requests));
    sys_vm_deallocate((void *)base, MEMDEMO_SIZE);
    memdemo_stat(&s2);
    printf("memdemo: after vm_deallocate frames free %lu (before %lu)\n",
           (unsigned long)s2.frames_free, (unsigned long)s0.frames_free);
    return s1.faults - s0.faults >= touched ? 0 : 1;
}
