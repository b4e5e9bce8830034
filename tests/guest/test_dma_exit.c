/*
 * A driver's pins outlive nothing (issue 5, item 2): dma_orphan, run by init
 * just before this test, exited with a DMA read into its pinned buffer still
 * in flight. The kernel must have stopped the device (bus mastering off)
 * before freeing those frames; init already checked that they came back.
 * This driver reads the device's command register to see it.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>

int main(void)
{
    unsigned seen = 0;

    for (unsigned dev = 0; dev < 32; dev++) {
        uint32_t id = (uint32_t)sys_pci_read32(dev << 3, 0);
        if (id != 0x10011af4u && id != 0x10421af4u)
            continue;
        if (seen++ != 1)
            continue; /* the data disk is the second one */
        uint32_t cmd = (uint32_t)sys_pci_read32(dev << 3, 4);
        TEST_CHECK(!(cmd & 0x4), "bus mastering still on (command %x)", cmd);
        printf("test_dma_exit: data disk at 00:%02x.0, command register %x\n", dev, cmd & 0xffff);
    }
    TEST_CHECK(seen == 2, "%u virtio-blk disks", seen);
    return test_report("test_dma_exit");
}
