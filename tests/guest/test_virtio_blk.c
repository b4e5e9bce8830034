/*
 * The user-space virtio-blk driver on its own (servers/bstore/virtio_blk.c,
 * virtio 1.0 over PCI, one split virtqueue in DMA-pinned memory, completions
 * as MSI-X interrupt messages): sectors written straight from pinned pages
 * are read back intact, and the disk reports its size.
 */
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <virtio_blk.h>

int main(void)
{
    static uint64_t phys[1];

    int init = vblk_init();
    if (!TEST_CHECK(init == 0, "driver init: step %d", init))
        return test_report("test_virtio_blk");
    TEST_CHECK(vblk_sectors() >= 1024, "disk size %lu sectors", (unsigned long)vblk_sectors());
    long buf = sys_vm_allocate(4096, VM_PROT_READ | VM_PROT_WRITE);
    TEST_CHECK(buf > 0 && sys_vm_pin_dma((void *)buf, 4096, phys) == 0, "pin the buffer");
    volatile uint8_t *data = (volatile uint8_t *)buf;
    for (unsigned s = 0; s < 4; s++) {
        for (unsigned i = 0; i < 512; i++)
            data[i] = (uint8_t)(s * 7 + i);
        TEST_CHECK(vblk_transfer(true, 100 + s * 8, phys[0], 512) == 0, "write %u", s);
    }
    for (unsigned s = 0; s < 4; s++) {
        memset((void *)data, 0, 512);
        TEST_CHECK(vblk_transfer(false, 100 + s * 8, phys[0], 512) == 0, "read %u", s);
        unsigned bad = 0;
        for (unsigned i = 0; i < 512; i++)
            bad += data[i] != (uint8_t)(s * 7 + i);
        TEST_CHECK(bad == 0, "sector %u: %u bytes differ", s, bad);
    }
    TEST_CHECK(vblk_transfer(false, vblk_sectors(), phys[0], 512) != 0, "read past the end");
    printf("test_virtio_blk: 4 sectors written and read back through virtio-blk\n");
    return test_report("test_virtio_blk");
}
