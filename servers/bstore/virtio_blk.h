/*
 * The backing-store server's virtio-blk driver (virtio 1.0 over PCI, one
 * split virtqueue, completions as MSI-X interrupt messages). Transfers go
 * straight between the disk and pinned pages whose physical addresses the
 * kernel reported; one request is in flight at a time.
 */
#ifndef BSTORE_VIRTIO_BLK_H
#define BSTORE_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

/* Find the disk, set it up. 0 or a negative step number on failure. */
int vblk_init(void);
/* The disk's size in 512-byte sectors. */
uint64_t vblk_sectors(void);
/* Move @len bytes (a multiple of 512, at most 4096, one physical range at
 * @phys) to (@write) or from the disk at @sector. 0, or -ERR_FAULT. */
int vblk_transfer(bool write, uint64_t sector, uint64_t phys, uint32_t len);

#endif
