/*
 * virtio-blk in user space: PCI capabilities locate the common configuration,
 * the notification area, the device configuration and the MSI-X table in the
 * device's BARs (mapped uncached); the virtqueue lives in one DMA-pinned page.
 * A request is three descriptors (header, data, status); its completion is an
 * IPC_ID_IRQ message on our port.
 */
#include "virtio_blk.h"

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>

#define VQ_SIZE 16u
#define MS 1000000ull

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

static unsigned bdf;
static volatile uint8_t *common, *notify_base, *device_cfg, *msix_table;
static uint32_t notify_mult;
static struct vq_desc *desc;
static volatile uint16_t *avail, *used;
static volatile uint8_t *hdr; /* request header (16 bytes) and status byte */
static uint64_t ring_phys, hdr_phys;
static port_name_t irq_port;
static long irq_vector;

#define C8(o) (*(volatile uint8_t *)(common + (o)))
#define C16(o) (*(volatile uint16_t *)(common + (o)))
#define C32(o) (*(volatile uint32_t *)(common + (o)))
#define C64(o) (*(volatile uint64_t *)(common + (o)))

/* Map the page of BAR @bar holding @offset; the pointer to @offset. */
static volatile uint8_t *map_bar(unsigned bar, uint32_t offset)
{
    uint32_t lo = (uint32_t)sys_pci_read32(bdf, 0x10 + 4 * bar);
    uint64_t base = lo & ~0xfull;
    if ((lo & 0x6) == 0x4)
        base |= (uint64_t)(uint32_t)sys_pci_read32(bdf, 0x14 + 4 * bar) << 32;
    uint64_t page = (base + offset) & ~0xfffull;
    long va = sys_vm_map_device(page, 8192);
    return va > 0 ? (volatile uint8_t *)(va + ((base + offset) & 0xfff)) : NULL;
}

/* One capability: virtio structures (id 9) by type, or MSI-X (id 0x11). */
static void take_cap(unsigned cap, uint32_t head)
{
    uint32_t w1 = (uint32_t)sys_pci_read32(bdf, cap + 4);
    uint32_t off = (uint32_t)sys_pci_read32(bdf, cap + 8);
    unsigned type = (head >> 24) & 0xff;

    if ((head & 0xff) == 0x09 && type == 1)
        common = map_bar(w1 & 0xff, off);
    if ((head & 0xff) == 0x09 && type == 2) {
        notify_base = map_bar(w1 & 0xff, off);
        notify_mult = (uint32_t)sys_pci_read32(bdf, cap + 16);
    }
    if ((head & 0xff) == 0x09 && type == 4)
        device_cfg = map_bar(w1 & 0xff, off);
    if ((head & 0xff) == 0x11) {
        msix_table = map_bar(w1 & 7, w1 & ~7u);
        sys_pci_write32(bdf, cap, head | (1u << 31)); /* MSI-X enable */
    }
}

static int find_device(void)
{
    for (unsigned dev = 0; dev < 32 && !bdf; dev++) {
        uint32_t id = (uint32_t)sys_pci_read32(dev << 3, 0);
        if (id == 0x10011af4u || id == 0x10421af4u)
            bdf = dev << 3;
    }
    if (!bdf)
        return -1;
    sys_pci_write32(bdf, 4, (uint32_t)sys_pci_read32(bdf, 4) | 0x6);
    unsigned cap = (unsigned)sys_pci_read32(bdf, 0x34) & 0xfc;
    for (int n = 0; cap && n < 32; n++) {
        uint32_t head = (uint32_t)sys_pci_read32(bdf, cap);
        take_cap(cap, head);
        cap = (head >> 8) & 0xfc;
    }
    return common && notify_base && device_cfg && msix_table ? 0 : -2;
}

/* The ring (descriptors, available and used rings) and the request header, pinned. */
static int alloc_dma(void)
{
    static uint64_t phys[2];
    long mem = sys_vm_allocate(2 * 4096, VM_PROT_READ | VM_PROT_WRITE);

    if (mem < 0 || sys_vm_pin_dma((void *)mem, 2 * 4096, phys) != 0)
        return -3;
    ring_phys = phys[0];
    hdr_phys = phys[1];
    desc = (struct vq_desc *)mem;
    avail = (volatile uint16_t *)(mem + 256);
    used = (volatile uint16_t *)(mem + 512);
    hdr = (volatile uint8_t *)(mem + 4096);
    return 0;
}

int vblk_init(void)
{
    int err = find_device();
    if (!err)
        err = alloc_dma();
    if (err || port_allocate(IPC_RIGHT_RECEIVE, &irq_port) != 0 ||
        (irq_vector = sys_irq_attach(irq_port)) < 0)
        return err ? err : -4;
    C8(0x14) = 0;     /* reset */
    C8(0x14) = 1 | 2; /* ACKNOWLEDGE | DRIVER */
    C32(0x08) = 1;    /* driver features 32..63 */
    C32(0x0c) = 1;    /* VIRTIO_F_VERSION_1 */
    C8(0x14) = 1 | 2 | 8;
    if (!(C8(0x14) & 8) || C16(0x18) < VQ_SIZE)
        return -5;
    volatile uint32_t *entry = (volatile uint32_t *)msix_table;
    entry[0] = IRQ_MSI_ADDRESS, entry[1] = 0, entry[2] = (uint32_t)irq_vector, entry[3] = 0;
    C16(0x16) = 0; /* queue 0 */
    C16(0x18) = VQ_SIZE;
    C16(0x1a) = 0; /* MSI-X entry 0 */
    C64(0x20) = ring_phys;
    C64(0x28) = ring_phys + 256;
    C64(0x30) = ring_phys + 512;
    C16(0x1c) = 1;
    C8(0x14) = 1 | 2 | 8 | 4; /* DRIVER_OK */
    return 0;
}

uint64_t vblk_sectors(void)
{
    return *(volatile uint64_t *)device_cfg;
}

int vblk_transfer(bool write, uint64_t sector, uint64_t phys, uint32_t len)
{
    struct ipc_message m;

    *(volatile uint32_t *)hdr = write ? 1 : 0;
    *(volatile uint32_t *)(hdr + 4) = 0;
    *(volatile uint64_t *)(hdr + 8) = sector;
    hdr[16] = 0xff;
    desc[0] = (struct vq_desc){hdr_phys, 16, 1, 1};
    desc[1] = (struct vq_desc){phys, len, (uint16_t)(1 | (write ? 0 : 2)), 2};
    desc[2] = (struct vq_desc){hdr_phys + 16, 1, 2, 0};
    uint16_t idx = avail[1];
    avail[2 + idx % VQ_SIZE] = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    avail[1] = (uint16_t)(idx + 1);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *(volatile uint16_t *)(notify_base + C16(0x1e) * notify_mult) = 0;
    while (used[1] != (uint16_t)(idx + 1)) {
        if (ipc_recv(&m, irq_port, 2000 * MS) != 0)
            return -ERR_FAULT;
        sys_irq_ack(irq_vector);
    }
    return hdr[16] == 0 ? 0 : -ERR_FAULT;
}
