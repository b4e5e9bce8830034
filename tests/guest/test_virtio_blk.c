/*
 * A first user-space virtio-blk driver (virtio 1.0 over PCI, split virtqueue),
 * as a test of the driver mechanisms: it finds the disk every boot attaches,
 * maps its configuration structures, sets up one queue in DMA-pinned memory,
 * writes sectors and reads them back, and waits for completions as interrupt
 * messages (MSI-X). The backing-store server will grow out of this.
 */
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define VQ_SIZE 16u
#define MS 1000000ull

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct blk_req {
    uint32_t type, reserved;
    uint64_t sector;
};

static volatile uint8_t *common, *notify_base, *msix_table;
static uint32_t notify_mult;
static unsigned bdf;

/* Map the BAR region @bar + @offset (page granular); returns the pointer to @offset. */
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

/* Walk the capability list: virtio structures (id 9) and MSI-X (id 0x11). */
static int find_caps(void)
{
    unsigned cap = (unsigned)sys_pci_read32(bdf, 0x34) & 0xfc;
    for (int n = 0; cap && n < 32; n++) {
        uint32_t head = (uint32_t)sys_pci_read32(bdf, cap);
        uint32_t w1 = (uint32_t)sys_pci_read32(bdf, cap + 4);
        uint32_t off = (uint32_t)sys_pci_read32(bdf, cap + 8);
        if ((head & 0xff) == 0x09 && ((head >> 24) & 0xff) == 1)
            common = map_bar(w1 & 0xff, off);
        if ((head & 0xff) == 0x09 && ((head >> 24) & 0xff) == 2) {
            notify_base = map_bar(w1 & 0xff, off);
            notify_mult = (uint32_t)sys_pci_read32(bdf, cap + 16);
        }
        if ((head & 0xff) == 0x11) { /* MSI-X: table in BAR w1 & 7 at w1 & ~7 */
            msix_table = map_bar(w1 & 7, w1 & ~7u);
            sys_pci_write32(bdf, cap, head | (1u << 31)); /* enable */
        }
        cap = (head >> 8) & 0xfc;
    }
    return common && notify_base && msix_table ? 0 : -1;
}

static struct vq_desc *desc;
static volatile uint16_t *avail; /* flags, idx, ring[] */
static volatile uint16_t *used;  /* flags, idx, then {u32 id, u32 len}[] */
static uint64_t ring_phys;
static port_name_t irq_port;
static long irq_vector;

#define C8(o) (*(volatile uint8_t *)(common + (o)))
#define C16(o) (*(volatile uint16_t *)(common + (o)))
#define C32(o) (*(volatile uint32_t *)(common + (o)))
#define C64(o) (*(volatile uint64_t *)(common + (o)))

/* Reset, negotiate VERSION_1, set up queue 0 with MSI-X entry 0, DRIVER_OK. */
static int device_init(void)
{
    static uint64_t phys[1];
    long ring = sys_vm_allocate(4096, VM_PROT_READ | VM_PROT_WRITE);
    if (ring < 0 || sys_vm_pin_dma((void *)ring, 4096, phys) != 0)
        return -1;
    ring_phys = phys[0];
    desc = (struct vq_desc *)ring;
    avail = (volatile uint16_t *)(ring + 256);
    used = (volatile uint16_t *)(ring + 512);
    C8(0x14) = 0;     /* reset */
    C8(0x14) = 1 | 2; /* ACKNOWLEDGE | DRIVER */
    C32(0x08) = 1;    /* driver_feature_select: bits 32.. */
    C32(0x0c) = 1;    /* VIRTIO_F_VERSION_1 */
    C8(0x14) = 1 | 2 | 8;
    if (!(C8(0x14) & 8))
        return -2;
    volatile uint32_t *entry = (volatile uint32_t *)msix_table; /* entry 0 */
    entry[0] = IRQ_MSI_ADDRESS, entry[1] = 0, entry[2] = (uint32_t)irq_vector, entry[3] = 0;
    C16(0x16) = 0; /* queue_select */
    if (C16(0x18) < VQ_SIZE)
        return -3;
    C16(0x18) = VQ_SIZE;
    C16(0x1a) = 0; /* queue_msix_vector: table entry 0 */
    C64(0x20) = ring_phys;
    C64(0x28) = ring_phys + 256;
    C64(0x30) = ring_phys + 512;
    C16(0x1c) = 1;            /* queue_enable */
    C8(0x14) = 1 | 2 | 8 | 4; /* DRIVER_OK */
    return 0;
}

/* One request of @type for @sector with the 512-byte buffer at physical @data. */
static int do_request(uint32_t type, uint64_t sector, uint64_t data_phys, volatile uint8_t *hdr,
                      uint64_t hdr_phys)
{
    struct ipc_message m;
    struct blk_req *rq = (struct blk_req *)hdr;
    rq->type = type, rq->reserved = 0, rq->sector = sector;
    hdr[16] = 0xff; /* status, written by the device */
    desc[0] = (struct vq_desc){hdr_phys, 16, 1, 1};
    desc[1] = (struct vq_desc){data_phys, 512, (uint16_t)(1 | (type == 0 ? 2 : 0)), 2};
    desc[2] = (struct vq_desc){hdr_phys + 16, 1, 2, 0};
    uint16_t idx = avail[1];
    avail[2 + idx % VQ_SIZE] = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    avail[1] = (uint16_t)(idx + 1);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *(volatile uint16_t *)(notify_base + C16(0x1e) * notify_mult) = 0;
    long r = ipc_recv(&m, irq_port, 2000 * MS);
    if (r != 0 || m.id != IPC_ID_IRQ)
        return -1;
    sys_irq_ack(irq_vector);
    return used[1] == (uint16_t)(idx + 1) && hdr[16] == 0 ? 0 : -2;
}

int main(const char *args)
{
    static uint64_t phys[2];
    (void)args;
    for (unsigned dev = 0; dev < 32 && !bdf; dev++)
        if ((uint32_t)sys_pci_read32(dev << 3, 0) == 0x10011af4u ||
            (uint32_t)sys_pci_read32(dev << 3, 0) == 0x10421af4u)
            bdf = dev << 3;
    if (!TEST_CHECK(bdf != 0, "no virtio-blk"))
        return test_report("test_virtio_blk");
    sys_pci_write32(bdf, 4, (uint32_t)sys_pci_read32(bdf, 4) | 0x6);
    TEST_CHECK(find_caps() == 0, "virtio capabilities");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &irq_port) == 0, "port");
    irq_vector = sys_irq_attach(irq_port);
    int init = device_init();
    if (!TEST_CHECK(init == 0, "device init: %d", init))
        return test_report("test_virtio_blk");
    long buf = sys_vm_allocate(2 * 4096, VM_PROT_READ | VM_PROT_WRITE);
    TEST_CHECK(buf > 0 && sys_vm_pin_dma((void *)buf, 2 * 4096, phys) == 0, "pin buffers");
    volatile uint8_t *data = (volatile uint8_t *)buf, *hdr = (volatile uint8_t *)(buf + 4096);
    for (unsigned s = 0; s < 4; s++) {
        for (unsigned i = 0; i < 512; i++)
            data[i] = (uint8_t)(s * 7 + i);
        TEST_CHECK(do_request(1, 100 + s * 8, phys[0], hdr, phys[1]) == 0, "write %u", s);
    }
    for (unsigned s = 0; s < 4; s++) {
        memset((void *)data, 0, 512);
        TEST_CHECK(do_request(0, 100 + s * 8, phys[0], hdr, phys[1]) == 0, "read %u", s);
        unsigned bad = 0;
        for (unsigned i = 0; i < 512; i++)
            bad += data[i] != (uint8_t)(s * 7 + i);
        TEST_CHECK(bad == 0, "sector %u: %u bytes differ", s, bad);
    }
    C8(0x14) = 0; /* reset: the device stops using our memory before we exit */
    printf("test_virtio_blk: 4 sectors written and read back through virtio-blk\n");
    return test_report("test_virtio_blk");
}
