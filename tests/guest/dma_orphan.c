/*
 * A driver that ends with a transfer still on its way: it starts a 16-page
 * read from the second virtio-blk disk into its pinned buffer and exits at
 * once. The kernel must stop the device before the pinned frames are freed
 * (test_dma_exit checks that bus mastering is off and the frames are back).
 */
#include <ipc/sys.h>
#include <virtio_blk.h>

int main(void)
{
    static uint64_t phys[VBLK_MAX_PAGES];

    if (vblk_init_nth(1) != 0)
        return 2;
    long buf = sys_vm_allocate(VBLK_MAX_PAGES * 4096, VM_PROT_READ | VM_PROT_WRITE);
    if (buf < 0 || sys_vm_pin_dma((void *)buf, VBLK_MAX_PAGES * 4096, phys) != 0)
        return 3;
    if (vblk_submit(false, 0, phys, VBLK_MAX_PAGES * 4096, NULL) < 0)
        return 4;
    return 0; /* the read is still in flight, the buffer still pinned */
}
