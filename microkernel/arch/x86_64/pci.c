/*
 * PCI configuration space through the legacy I/O ports 0xcf8/0xcfc (every
 * PC chipset QEMU emulates has them). Only the driver system calls use it,
 * after checking the caller's privilege and every argument.
 */
#include "cpu.h"

#include <kernel/arch.h>

#define PCI_ADDRESS 0xcf8
#define PCI_DATA 0xcfc

static inline void outl_port(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl_port(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static uint32_t pci_address(uint32_t bdf, uint32_t offset)
{
    return 0x80000000u | (bdf << 8) | (offset & 0xfc);
}

uint32_t arch_pci_read32(uint32_t bdf, uint32_t offset)
{
    outl_port(PCI_ADDRESS, pci_address(bdf, offset));
    return inl_port(PCI_DATA);
}

void arch_pci_write32(uint32_t bdf, uint32_t offset, uint32_t value)
{
    outl_port(PCI_ADDRESS, pci_address(bdf, offset));
    outl_port(PCI_DATA, value);
}
