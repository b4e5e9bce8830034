/*
 * PCI configuration space through the legacy I/O ports 0xcf8/0xcfc (every
 * PC chipset QEMU emulates has them). Only the driver system calls use it,
 * after checking the caller's privilege and every argument.
 */
#include "cpu.h"

#include <arch/arch.h>

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

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x4u
#define PCI_CAP_PTR 0x34
#define PCI_CAP_EXPRESS 0x10
#define PCIE_DEVSTA 0x0a /* within the PCI Express capability */
#define PCIE_DEVSTA_TRPND 0x20u
#define PCI_STOP_POLLS 100000

bool arch_pci_stop_dma(uint32_t bdf)
{
    uint32_t cmd = arch_pci_read32(bdf, PCI_COMMAND);

    arch_pci_write32(bdf, PCI_COMMAND, (cmd & 0xffffu) & ~PCI_COMMAND_MASTER);
    /* A PCI Express function says when its last transaction is done. */
    uint32_t cap = arch_pci_read32(bdf, PCI_CAP_PTR) & 0xfc;
    for (int n = 0; cap && n < 48; n++) {
        uint32_t head = arch_pci_read32(bdf, cap);
        if ((head & 0xff) == PCI_CAP_EXPRESS) {
            for (int i = 0; i < PCI_STOP_POLLS; i++)
                if (!((arch_pci_read32(bdf, (cap + PCIE_DEVSTA) & ~3u) >> 16) & PCIE_DEVSTA_TRPND))
                    return true;
            return false;
        }
        cap = (head >> 8) & 0xfc;
    }
    return true;
}
