/*
 * Kernel stacks with guard pages, mapped in the shared kernel half.
 */
#ifndef KERNEL_KSTACK_H
#define KERNEL_KSTACK_H

#include <stdint.h>

#define KSTACK_PAGES 4

/* Build the page tables of the stack area (at boot, after mmu_init). */
void kstack_init(void);
/* Map a new stack; returns its slot (>= 0) and the top in *@top, or -1. */
int kstack_alloc(uint64_t *top);
/* Unmap the stack of @slot and free its frames. */
void kstack_free(int slot);

#endif
