/*
 * A small heap for user programs on top of sys_vm_allocate: power-of-two
 * size classes carved from demand-paged arenas with a free list per class;
 * large blocks get their own region. Safe to call from several threads.
 * The same functions as the runtime's <stdlib.h> (libipc/libc/malloc.c).
 */
#ifndef IPC_MALLOC_H
#define IPC_MALLOC_H

#include <stddef.h>

/* Return a 16-byte aligned block of at least @size bytes, or NULL. */
void *malloc(size_t size);
/* Return @n * @size zeroed bytes, or NULL (also on overflow). */
void *calloc(size_t n, size_t size);
/* Grow or shrink @ptr to @size bytes, keeping its contents; NULL on failure (@ptr stays). */
void *realloc(void *ptr, size_t size);
/* Release a block from malloc/calloc/realloc; NULL is ignored. */
void free(void *ptr);

#endif
