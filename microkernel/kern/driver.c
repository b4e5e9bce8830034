/*
 * System calls of user-space drivers: PCI configuration space (bus mastering
 * is recorded, so the device is stopped when the driver ends) and device
 * interrupts delivered as messages. Drivers only: init grants the right.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <ipc/ipc_right.h>
#include <kern/driver.h>
#include <kern/irq.h>
#include <task/task.h>

#define PCI_COMMAND_REG 0x04
#define PCI_COMMAND_BUS_MASTER 0x4u

/*
 * PCI configuration space, 32 bits at a time: first argument 1 to write. Drivers
 * only. Turning bus mastering on is recorded (at most TASK_DMA_DEVICES
 * functions), so that the device is stopped when the driver ends.
 */
int64_t sys_pci_config(struct task *self, struct syscall_regs *regs)
{
    uint64_t bdf = regs->arg[1], offset = regs->arg[2];

    if (!self->driver)
        return -ERR_PERM;
    if (regs->arg[0] > 1 || bdf > 0xffff || offset > 252 || offset % 4)
        return -ERR_INVAL;
    if (regs->arg[0] && offset == PCI_COMMAND_REG && (regs->arg[3] & PCI_COMMAND_BUS_MASTER)) {
        /* Remember it: the device is stopped before this task's frames are freed. */
        uint32_t i = 0;
        while (i < self->dma_devices && self->dma_bdf[i] != bdf)
            i++;
        if (i == TASK_DMA_DEVICES)
            return -ERR_LIMIT;
        if (i == self->dma_devices)
            self->dma_bdf[self->dma_devices++] = (uint16_t)bdf;
    }
    if (regs->arg[0])
        arch_pci_write32((uint32_t)bdf, (uint32_t)offset, (uint32_t)regs->arg[3]);
    return regs->arg[0] ? 0 : (int64_t)arch_pci_read32((uint32_t)bdf, (uint32_t)offset);
}

int64_t sys_irq_attach(struct task *self, struct syscall_regs *regs)
{
    struct kright port = {0};

    if (!self->driver)
        return -ERR_PERM;
    int err = ipc_right_make_send(&self->ipc, (port_name_t)regs->arg[0], &port);
    if (err)
        return err;
    err = irq_attach(self, &port);
    ipc_right_release(&port); /* still held only on failure */
    return err;
}

int64_t sys_irq_ack(struct task *self, struct syscall_regs *regs)
{
    return irq_ack(self, (unsigned)regs->arg[0]);
}
