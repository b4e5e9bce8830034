/*
 * PCI configuration space through the legacy I/O ports 0xcf8/0xcfc (every
 * PC chipset QEMU emulates has them). Only the driver system calls use it,
 * after checking the caller's privilege and every argument.
 */
#include "cpu.h"

#include <kernel/arch.h>

#define PCI_ADDRESS 0xcf8
#define PCI_DATA 0xcfc

static uint32_t pci_address(uint32_t bdf, uint32_t offset)
{
    return 0x80000000u | (bdf << 8) | (offset & 0xfc);
}

uint32_t arch_pci_read32(uint32_t bdf, uint32_t offset)
{
    outl(PCI_ADDRESS, pci_address(bdf, offset));
    return inl(PCI_DATA);
}

void arch_pci_write32(uint32_t bdf, uint32_t offset, uint32_t value)
{
    outl(PCI_ADDRESS, pci_address(bdf, offset));
    outl(PCI_DATA, value);
}
