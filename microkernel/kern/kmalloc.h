/*
 * Allocation of kernel objects: power-of-two size classes from 16 bytes to
 * 2 KiB, each served from one-page slabs. An empty slab goes straight back to
 * the frame allocator, so frames used by kernel objects of an exited task are
 * visible in the free-frame count at once, except one kept per class (at
 * most 8 frames), which kmalloc_trim gives back.
 */
#ifndef KERNEL_KMALLOC_H
#define KERNEL_KMALLOC_H

#include <stddef.h>

#define KMALLOC_MAX 2048

/* Zeroed memory for @size <= KMALLOC_MAX bytes, or NULL. */
void *kzalloc(size_t size);
void kfree(void *p);
/* Give back the empty slab each class keeps (pageout, when frames run short). How many. */
unsigned kmalloc_trim(void);

#endif
