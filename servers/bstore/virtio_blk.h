/*
 * The backing-store server's virtio-blk driver (virtio 1.0 over PCI, one
 * split virtqueue, completions as MSI-X interrupt messages). Transfers go
 * straight between the disk and pinned pages whose physical addresses the
 * kernel reported. Up to VBLK_SLOTS requests are in flight at once; each is a
 * chain of descriptors (header, one per page, status) of its own slot.
 */
#ifndef BSTORE_VIRTIO_BLK_H
#define BSTORE_VIRTIO_BLK_H

#include <abi/ipc.h>
#include <stdbool.h>
#include <stdint.h>

#define VBLK_SLOTS 8u      /* requests in flight at most */
#define VBLK_MAX_PAGES 16u /* pages of one request */

/* Find the disk (the first virtio-blk device), set it up. 0 or a negative step number. */
int vblk_init(void);
/* Where the disk's interrupts go (IRQ_MSI_ADDRESS_TO): set before vblk_init; CPU 0 by default. */
void vblk_set_msi_address(uint32_t address);
/* The same with the @nth virtio-blk device (0: the first, the swap disk). */
int vblk_init_nth(unsigned nth);
/* The PCI bus/device/function of the disk in use. */
unsigned vblk_bdf(void);
/* The disk's size in 512-byte sectors. */
uint64_t vblk_sectors(void);
/* The port the disk's completion interrupts (interrupt.irq messages) arrive on. */
port_name_t vblk_irq_port(void);

/*
 * Start moving @len bytes to (@write) or from the disk at @sector: @len is a
 * multiple of 512 and at most 4096 per page, the pages being the physical
 * addresses @phys[0..ceil(len / 4096)), at most VBLK_MAX_PAGES. @cookie comes
 * back with the completion. Returns the slot (>= 0), -ERR_BUSY when every
 * slot is in flight, or -ERR_INVAL.
 */
int vblk_submit(bool write, uint64_t sector, const uint64_t *phys, uint32_t len, void *cookie);

/*
 * After an interrupt message: acknowledge it and call @done(@cookie, 0 or
 * -ERR_IO) for each request the disk finished, in completion order. Returns
 * the number finished.
 */
unsigned vblk_complete(void (*done)(void *cookie, int err));

/* Requests in flight. */
unsigned vblk_inflight(void);

/* Synchronous transfer of one physical range: submit, then wait for it. 0 or -ERR_IO. */
int vblk_transfer(bool write, uint64_t sector, uint64_t phys, uint32_t len);

#endif
