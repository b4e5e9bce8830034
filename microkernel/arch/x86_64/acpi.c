/*
 * Legacy (ISA) interrupts through the I/O APIC: the ACPI MADT the loader
 * found (boot_info.acpi_rsdp) says where the I/O APIC is and how an ISA line
 * maps onto its inputs (interrupt source overrides). Used for the serial
 * console's receive interrupt; the 8259 PICs stay masked.
 */
#include "arch_x86_64.h"
#include "madt.h"

#include <boot/bootinfo.h>
#include <lib/lib.h>

#define IOAPIC_REDIR(n) (0x10 + 2 * (n))
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)

struct acpi_rsdp {
    char signature[8];
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length; /* revision 2 and later */
    uint64_t xsdt;
} __attribute__((packed));

static volatile uint32_t *ioapic; /* NULL: none found */
static uint32_t ioapic_gsi_base;

/* Tables and registers through the direct map (the loader's, then the kernel's). */
static void *acpi_virt(uint64_t phys)
{
    return (void *)(BOOT_HHDM_BASE + phys);
}

static bool checksum_ok(const void *p, uint32_t len)
{
    uint8_t sum = 0;

    for (uint32_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

/* The table with @sig among the RSDT's or XSDT's entries, or NULL. */
const struct acpi_header *acpi_find(uint64_t rsdp_phys, const char *sig)
{
    const struct acpi_rsdp *rsdp = acpi_virt(rsdp_phys);
    bool x = rsdp->revision >= 2 && rsdp->xsdt;
    const struct acpi_header *root = acpi_virt(x ? rsdp->xsdt : rsdp->rsdt);

    if (memcmp(rsdp->signature, "RSD PTR ", 8) != 0 || !checksum_ok(rsdp, 20) ||
        !checksum_ok(root, root->length))
        return NULL;
    uint32_t width = x ? 8 : 4, n = (root->length - sizeof(*root)) / width;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t phys = 0;
        memcpy(&phys, entries + i * width, width);
        const struct acpi_header *h = acpi_virt(phys);
        if (memcmp(h->signature, sig, 4) == 0 && checksum_ok(h, h->length))
            return h;
    }
    return NULL;
}

static void ioapic_write(uint32_t reg, uint32_t value)
{
    ioapic[0] = reg;
    ioapic[4] = value;
}

/*
 * Walk the MADT: the first I/O APIC, and ISA line @isa's input and flags
 * (identity, edge and active high unless an override says otherwise).
 */
static bool madt_route(uint64_t rsdp, unsigned isa, uint32_t *gsi, uint32_t *redir_flags)
{
    const struct acpi_header *madt = rsdp ? acpi_find(rsdp, "APIC") : NULL;

    *gsi = isa;
    *redir_flags = 0;
    if (!madt)
        return false;
    for (const struct madt_entry *e = madt_next(madt, NULL); e; e = madt_next(madt, e)) {
        if (e->type == MADT_IOAPIC && !ioapic) {
            ioapic = acpi_virt(e->ioapic.address);
            ioapic_gsi_base = e->ioapic.gsi_base;
        } else if (e->type == MADT_ISO && e->iso.bus == 0 && e->iso.source == isa) {
            *gsi = e->iso.gsi;
            *redir_flags = ((e->iso.flags & 3) == 3 ? REDIR_ACTIVE_LOW : 0) |
                           (((e->iso.flags >> 2) & 3) == 3 ? REDIR_LEVEL : 0);
        }
    }
    return ioapic != NULL;
}

bool ioapic_route_isa(uint64_t rsdp, unsigned isa, unsigned vector)
{
    uint32_t gsi, flags;

    if (!madt_route(rsdp, isa, &gsi, &flags) || gsi < ioapic_gsi_base)
        return false;
    uint32_t pin = gsi - ioapic_gsi_base;
    ioapic_write(IOAPIC_REDIR(pin) + 1, lapic_id() << 24);
    ioapic_write(IOAPIC_REDIR(pin), vector | flags); /* fixed delivery, physical, unmasked */
    return true;
}
