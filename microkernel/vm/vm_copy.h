/*
 * Copies between kernel buffers and user memory: the interface system calls
 * and IPC use to read and write a task's address space. Each page is made
 * resident through the fault handler and reached through the direct map, so
 * the kernel never takes a fault on a user address.
 */
#ifndef KERNEL_VM_COPY_H
#define KERNEL_VM_COPY_H

#include <mmu.h>
#include <stdbool.h>
#include <stddef.h>

struct vm_map;

/*
 * Copy between a kernel buffer and the user range [@va, @va + @len) of @map,
 * faulting pages in as a user access would. 0 or -ERR_FAULT (bad address or
 * protection). Works whether or not @map is the current space.
 */
int vm_copy_in(struct vm_map *map, void *dst, vaddr_t va, size_t len);
int vm_copy_out(struct vm_map *map, vaddr_t va, const void *src, size_t len);
/* Copy a NUL terminated string of at most @size - 1 bytes. Length or -ERR_FAULT/-ERR_INVAL. */
int vm_copy_string_in(struct vm_map *map, char *dst, vaddr_t va, size_t size);

#endif
