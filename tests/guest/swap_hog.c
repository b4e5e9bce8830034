/*
 * A task that writes ever more memory, page by page, until the system has no
 * frame and no swap block left for it: test_swap_full expects it to be ended
 * by the failed fault, with nothing else lost.
 */
#include <ipc/sys.h>

#define HOG_BYTES (256ul << 20)

int main(void)
{
    long base = sys_vm_allocate(HOG_BYTES, VM_PROT_READ | VM_PROT_WRITE);

    if (base < 0)
        return 2;
    for (unsigned long off = 0; off < HOG_BYTES; off += 4096)
        *(volatile unsigned long *)(base + off) = off;
    return 1; /* all of it fitted: the test set the machine up wrong */
}
