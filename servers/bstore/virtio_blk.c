/*
 * virtio-blk in user space: PCI capabilities locate the common configuration,
 * the notification area, the device configuration and the MSI-X table in the
 * device's BARs (mapped uncached); the virtqueue and the request headers live
 * in DMA-pinned pages. Each of the VBLK_SLOTS request slots owns a fixed run
 * of descriptors and a header, so submitting never searches; the used ring
 * says which slot finished, and the completion is an interrupt.irq message
 * (interrupt.idl).
 */
#include "virtio_blk.h"

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>

#define VQ_SIZE 256u                      /* descriptors: VBLK_SLOTS runs of SLOT_DESCS */
#define SLOT_DESCS (VQ_SIZE / VBLK_SLOTS) /* header + pages + status */
#define MS 1000000ull
#define RING_PAGES 2u /* descriptors in the first page, the rings in the second */
#define AVAIL_OFF 4096u
#define USED_OFF (4096u + 1024u)

_Static_assert(SLOT_DESCS >= VBLK_MAX_PAGES + 2, "a slot holds a whole request");
_Static_assert(VQ_SIZE * 16 <= 4096 && AVAIL_OFF + 6 + 2 * VQ_SIZE <= USED_OFF &&
                   USED_OFF + 6 + 8 * VQ_SIZE <= RING_PAGES * 4096,
               "virtqueue layout");

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

/* One request slot: its header (type, reserved, sector) and status byte live in the header page. */
struct vblk_slot {
    bool busy;
    void *cookie;
};

static unsigned bdf;
static volatile uint8_t *common, *notify_base, *device_cfg, *msix_table;
static uint32_t notify_mult;
static struct vq_desc *desc;
static volatile uint16_t *avail, *used;
static volatile uint8_t *hdrs; /* 32 bytes per slot: header (16), status (1) */
static uint64_t ring_phys, avail_phys, hdr_phys;
static port_name_t irq_port;
static long irq_vector;
static struct vblk_slot slots[VBLK_SLOTS];
static unsigned inflight;
static uint16_t used_seen; /* used ring entries consumed */

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

/* Find virtio-blk function number @nth (0: the first) on bus 0 and take its capabilities. */
static int find_device(unsigned nth)
{
    for (unsigned dev = 0; dev < 32 && !bdf; dev++) {
        uint32_t id = (uint32_t)sys_pci_read32(dev << 3, 0);
        if ((id == 0x10011af4u || id == 0x10421af4u) && nth-- == 0)
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

/*
 * The ring (descriptors, available and used rings: two pages, which the
 * device addresses separately) and the request headers, pinned.
 */
static int alloc_dma(void)
{
    static uint64_t phys[RING_PAGES + 1];
    long mem = sys_vm_allocate((RING_PAGES + 1) * 4096, VM_PROT_READ | VM_PROT_WRITE);

    if (mem < 0 || sys_vm_pin_dma((void *)mem, (RING_PAGES + 1) * 4096, phys) != 0)
        return -3;
    ring_phys = phys[0];
    hdr_phys = phys[RING_PAGES];
    desc = (struct vq_desc *)mem;
    avail = (volatile uint16_t *)(mem + AVAIL_OFF);
    used = (volatile uint16_t *)(mem + USED_OFF);
    hdrs = (volatile uint8_t *)(mem + RING_PAGES * 4096);
    avail_phys = phys[1];
    return 0;
}

static uint32_t msi_address = IRQ_MSI_ADDRESS;

void vblk_set_msi_address(uint32_t address)
{
    msi_address = address;
}

int vblk_init(void)
{
    return vblk_init_nth(0);
}

unsigned vblk_bdf(void)
{
    return bdf;
}

int vblk_init_nth(unsigned nth)
{
    int err = find_device(nth);
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
    entry[0] = msi_address, entry[1] = 0, entry[2] = (uint32_t)irq_vector, entry[3] = 0;
    C16(0x16) = 0; /* queue 0 */
    C16(0x18) = VQ_SIZE;
    C16(0x1a) = 0; /* MSI-X entry 0 */
    C64(0x20) = ring_phys;
    C64(0x28) = avail_phys + AVAIL_OFF - 4096;
    C64(0x30) = avail_phys + USED_OFF - 4096;
    C16(0x1c) = 1;
    C8(0x14) = 1 | 2 | 8 | 4; /* DRIVER_OK */
    return 0;
}

uint64_t vblk_sectors(void)
{
    return *(volatile uint64_t *)device_cfg;
}

port_name_t vblk_irq_port(void)
{
    return irq_port;
}

unsigned vblk_inflight(void)
{
    return inflight;
}

int vblk_submit(bool write, uint64_t sector, const uint64_t *phys, uint32_t len, void *cookie)
{
    uint32_t npages = (len + 4095) / 4096;
    unsigned s = 0;

    if (len == 0 || len % 512 || npages > VBLK_MAX_PAGES)
        return -ERR_INVAL;
    while (s < VBLK_SLOTS && slots[s].busy)
        s++;
    if (s == VBLK_SLOTS)
        return -ERR_BUSY;
    volatile uint8_t *hdr = hdrs + 32 * s;
    uint16_t d = (uint16_t)(s * SLOT_DESCS);
    *(volatile uint32_t *)hdr = write ? 1 : 0;
    *(volatile uint32_t *)(hdr + 4) = 0;
    *(volatile uint64_t *)(hdr + 8) = sector;
    hdr[16] = 0xff;
    desc[d] = (struct vq_desc){hdr_phys + 32 * s, 16, 1, (uint16_t)(d + 1)};
    for (uint32_t i = 0; i < npages; i++) {
        uint32_t part = len - i * 4096 < 4096 ? len - i * 4096 : 4096;
        desc[d + 1 + i] =
            (struct vq_desc){phys[i], part, (uint16_t)(1 | (write ? 0 : 2)), (uint16_t)(d + 2 + i)};
    }
    desc[d + 1 + npages] = (struct vq_desc){hdr_phys + 32 * s + 16, 1, 2, 0};
    slots[s] = (struct vblk_slot){.busy = true, .cookie = cookie};
    inflight++;
    uint16_t idx = avail[1];
    avail[2 + idx % VQ_SIZE] = d;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    avail[1] = (uint16_t)(idx + 1);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *(volatile uint16_t *)(notify_base + C16(0x1e) * notify_mult) = 0;
    return (int)s;
}

unsigned vblk_complete(void (*done)(void *cookie, int err))
{
    unsigned n = 0;

    sys_irq_ack(irq_vector);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    while (used_seen != used[1]) {
        /* A used element: the head descriptor (u32 id) and the bytes written (u32). */
        uint32_t head = *(volatile uint32_t *)(used + 2 + 4 * (used_seen % VQ_SIZE));
        used_seen++;
        unsigned s = head / SLOT_DESCS;
        if (head % SLOT_DESCS != 0 || s >= VBLK_SLOTS || !slots[s].busy)
            continue; /* not ours: a confused device, ignored */
        int err = hdrs[32 * s + 16] == 0 ? 0 : -ERR_IO;
        void *cookie = slots[s].cookie;
        slots[s].busy = false;
        inflight--;
        n++;
        done(cookie, err);
    }
    return n;
}

/* vblk_complete callback of vblk_transfer: record the result in *@cookie. */
static void transfer_done(void *cookie, int err)
{
    *(int *)cookie = err;
}

int vblk_transfer(bool write, uint64_t sector, uint64_t phys, uint32_t len)
{
    struct ipc_message m;
    int result = 1; /* not finished */
    int s = vblk_submit(write, sector, &phys, len, &result);

    if (s < 0)
        return s;
    while (result == 1) {
        if (ipc_recv(&m, irq_port, 2000 * MS) != 0)
            return -ERR_IO; /* the slot stays busy: the device may still write */
        vblk_complete(transfer_done);
    }
    return result;
}
