/*
 * Driver access for user-space drivers (issue 5, item 1), granted by init to
 * the programs named by `drivers=`: PCI configuration space and device
 * memory. The test finds the virtio-blk disk every boot attaches, reads its
 * identity and maps one of its memory BARs; a program init did not grant
 * gets -ERR_PERM for both, and RAM can never be mapped as device memory.
 */
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define VIRTIO_VENDOR 0x1af4u

/* The first virtio-blk function on bus 0 (transitional 0x1001 or modern 0x1042), or -1. */
static long pci_find_virtio_blk(void)
{
    for (unsigned dev = 0; dev < 32; dev++) {
        long id = sys_pci_read32(dev << 3, 0);
        if (id < 0)
            return id;
        if ((id & 0xffff) == VIRTIO_VENDOR && ((id >> 16) == 0x1001 || (id >> 16) == 0x1042))
            return dev << 3;
    }
    return -1;
}

/* The physical address of the first memory BAR of @bdf, or 0. */
static uint64_t pci_memory_bar(unsigned bdf)
{
    for (unsigned bar = 0; bar < 6; bar++) {
        uint32_t lo = (uint32_t)sys_pci_read32(bdf, 0x10 + 4 * bar);
        if (lo & 1 || (lo & ~0xfu) == 0)
            continue; /* an I/O BAR, or not set up */
        uint64_t base = lo & ~0xfull;
        if ((lo & 0x6) == 0x4)
            base |= (uint64_t)(uint32_t)sys_pci_read32(bdf, 0x10 + 4 * (bar + 1)) << 32;
        return base;
    }
    return 0;
}

/* DMA: pinning a buffer tells a driver the physical address of each page. */
static void pci_check_dma(void)
{
    static uint64_t phys[4];
    long buf = sys_vm_allocate(4 * 4096, VM_PROT_READ | VM_PROT_WRITE);

    TEST_CHECK(buf > 0 && sys_vm_pin_dma((void *)buf, 4 * 4096, phys) == 0, "pin for DMA");
    for (unsigned i = 0; i < 4; i++) {
        struct vm_query q;
        sys_vm_query((const void *)(buf + i * 4096), &q);
        TEST_CHECK(q.resident && phys[i] == q.frame * 4096, "page %u at %lx, frame %lx", i,
                   (unsigned long)phys[i], (unsigned long)q.frame);
    }
    TEST_CHECK(sys_vm_unpin((void *)buf, 4 * 4096) == 0, "unpin after DMA");
    sys_vm_deallocate((void *)buf, 4 * 4096);
}

static int pci_unprivileged(void)
{
    static uint64_t phys[1];
    long buf = sys_vm_allocate(4096, VM_PROT_READ | VM_PROT_WRITE);
    TEST_CHECK(sys_vm_pin_dma((void *)buf, 4096, phys) == -ERR_PERM, "DMA pin without a grant");
    TEST_CHECK(sys_pci_read32(0, 0) == -ERR_PERM, "PCI access without a grant");
    TEST_CHECK(sys_vm_map_device(0xfe000000ull, 4096) == -ERR_PERM, "device map without a grant");
    return test_report("test_pci (not a driver)");
}

int main(int argc, char **argv)
{
    struct task_status st;

    if (argc > 1 && strcmp(argv[1], "unprivileged") == 0)
        return pci_unprivileged();
    long bdf = pci_find_virtio_blk();
    if (!TEST_CHECK(bdf >= 0, "no virtio-blk device found: %ld", bdf))
        return test_report("test_pci");
    uint32_t cmd = (uint32_t)sys_pci_read32((unsigned)bdf, 4);
    TEST_CHECK(sys_pci_write32((unsigned)bdf, 4, cmd | 0x2) == 0, "enable memory decoding");
    uint64_t bar = pci_memory_bar((unsigned)bdf);
    printf("test_pci: virtio-blk at 00:%02lx.0, memory BAR at %lx\n", bdf >> 3, (unsigned long)bar);
    long va = bar ? sys_vm_map_device(bar, 4096) : -1;
    TEST_CHECK(va > 0, "map the BAR: %ld", va);
    if (va > 0)
        (void)*(volatile uint32_t *)va; /* a device read: must not fault */
    TEST_CHECK(sys_vm_map_device(0x100000, 4096) == -ERR_PERM, "RAM mapped as device memory");
    pci_check_dma();
    TEST_CHECK(sys_pci_read32(0x10000, 0) == -ERR_INVAL, "bad PCI address accepted");
    long child = sys_task_spawn("test_pci", "unprivileged");
    TEST_CHECK(child > 0 && sys_task_wait(task_port_of(child), &st) == 0 &&
                   st.end == TASK_END_EXIT && st.code == 0,
               "the unprivileged child failed");
    return test_report("test_pci");
}
