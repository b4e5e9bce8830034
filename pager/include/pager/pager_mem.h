/*
 * The pager framework's own allocator: power-of-two blocks carved from arenas
 * the pager hands over up front. A default pager must not take page faults on
 * memory it serves itself, so it reserves its bookkeeping memory before it
 * registers with the kernel and allocates only from that reserve afterwards.
 */
#ifndef PAGER_PAGER_MEM_H
#define PAGER_PAGER_MEM_H

#include <stdbool.h>
#include <stddef.h>

#define PAGER_MEM_MIN_SHIFT 5  /* smallest block: 32 bytes */
#define PAGER_MEM_MAX_SHIFT 20 /* largest block: 1 MiB */

/* A spin lock word: 0 free, 1 held. */
typedef int pager_spin_t;

/*
 * Called by a spin lock that stays taken for a while (NULL: spin on). The
 * framework sets it to sys_yield: with one CPU, or a holder blocked in a
 * call to the backing store, spinning only burns the time slice.
 */
extern void (*pager_spin_yield)(void);

/* Take spin lock @lock, spinning with a pause hint (then yielding) until it is free. */
void pager_spin_lock(pager_spin_t *lock);
/* Release spin lock @lock, which the caller holds. */
void pager_spin_unlock(pager_spin_t *lock);

/*
 * Add the @size bytes at @base (16-byte aligned) to the allocator's arenas.
 * Up to 8 arenas may be added; past them nothing is added and the answer is
 * false. Thread safe.
 */
bool pager_mem_add(void *base, size_t size);

/*
 * A block of at least @size bytes (1..1 MiB, 16-byte aligned, contents
 * undefined), or NULL when the size is out of range or the arenas are used
 * up. Thread safe.
 */
void *pager_mem_alloc(size_t size);

/* Like pager_mem_alloc, but zero filled. */
void *pager_mem_zalloc(size_t size);

/* Give back block @ptr of @size bytes (the size it was allocated with); NULL is ignored. */
void pager_mem_free(void *ptr, size_t size);

/* Bytes still available in the arenas (blocks on free lists not counted). */
size_t pager_mem_left(void);

#endif
