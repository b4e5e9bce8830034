/*
 * System calls of user-space drivers: PCI configuration space (bus mastering
 * is recorded, so the device is stopped when the driver ends) and device
 * interrupts delivered as messages. Drivers only: init grants the right.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <ipc/ipc_right.h>
#include <kern/irq.h>
#include <syscalls_kabi.h>
#include <task/task.h>

#define PCI_COMMAND_REG 0x04
#define PCI_COMMAND_BUS_MASTER 0x4u

/*
 * PCI configuration space, 32 bits at a time: @write 1 to write. Drivers
 * only. Turning bus mastering on is recorded (at most TASK_DMA_DEVICES
 * functions), so that the device is stopped when the driver ends.
 */
int64_t sys_pci_config(struct task *self, uint64_t write, uint64_t bdf, uint64_t offset,
                       uint32_t value)
{
    if (!self->driver)
        return -ERR_PERM;
    if (write > 1 || bdf > 0xffff || offset > 252 || offset % 4)
        return -ERR_INVAL;
    if (write && offset == PCI_COMMAND_REG && (value & PCI_COMMAND_BUS_MASTER)) {
        /* Remember it: the device is stopped before this task's frames are freed. */
        uint32_t i = 0;
        while (i < self->dma_devices && self->dma_bdf[i] != bdf)
            i++;
        if (i == TASK_DMA_DEVICES)
            return -ERR_LIMIT;
        if (i == self->dma_devices)
            self->dma_bdf[self->dma_devices++] = (uint16_t)bdf;
    }
    if (write)
        arch_pci_write32((uint32_t)bdf, (uint32_t)offset, value);
    return write ? 0 : (int64_t)arch_pci_read32((uint32_t)bdf, (uint32_t)offset);
}

int64_t sys_irq_attach(struct task *self, port_name_t port)
{
    struct kright right = {0};

    if (!self->driver)
        return -ERR_PERM;
    int err = ipc_right_make_send(&self->ipc, port, &right);
    if (err)
        return err;
    err = irq_attach(self, &right);
    ipc_right_release(&right); /* still held only on failure */
    return err;
}

int64_t sys_irq_ack(struct task *self, uint32_t vector)
{
    return irq_ack(self, vector);
}
