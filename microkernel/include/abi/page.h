/*
 * The page size, defined once for the kernel, the loader, the MMU handler
 * and user programs: the unit of every address and size the virtual-memory
 * calls, out-of-line IPC and the pager protocol take, and of the hardware's
 * smallest mapping.
 */
#ifndef ABI_PAGE_H
#define ABI_PAGE_H

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096ULL

_Static_assert(PAGE_SIZE == 1ULL << PAGE_SHIFT, "PAGE_SIZE is 2^PAGE_SHIFT");

#endif
