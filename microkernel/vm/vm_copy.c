/*
 * Copies between kernel buffers and user memory (vm_copy.h). They go page by
 * page through the direct map after the fault handler has made the page
 * resident, so the kernel never takes a fault on a user address and the same
 * code serves the current task and one being built.
 */
#include <abi/errors.h>
#include <lib/lib.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

/* Copy @len bytes between @buf and user @va in page-sized steps. */
static int vm_copy(struct vm_map *map, vaddr_t va, void *buf, size_t len, bool to_user)
{
    enum mmu_access access = to_user ? MMU_ACCESS_WRITE : MMU_ACCESS_READ;
    char *p = buf;

    if (va >= MMU_USER_TOP || len > MMU_USER_TOP - va)
        return -ERR_FAULT;
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - va % PAGE_SIZE);
        paddr_t pa;
        if (vm_map_is_device(map, va)) /* the kernel does not touch device memory */
            return -ERR_FAULT;
        if (vm_fault_page(map, va, access, &pa) != VM_FAULT_OK)
            return -ERR_FAULT;
        char *kva = (char *)phys_to_virt(pa) + va % PAGE_SIZE;
        if (to_user) {
            struct vm_page *page = frame_of(pa)->owner;
            if (page) /* the MMU's M bit does not see writes through the kernel's mapping */
                page->flags |= VM_PAGE_DIRTY;
            memcpy(kva, p, chunk);
        } else
            memcpy(p, kva, chunk);
        va += chunk, p += chunk, len -= chunk;
    }
    return 0;
}

int vm_copy_in(struct vm_map *map, void *dst, vaddr_t va, size_t len)
{
    return vm_copy(map, va, dst, len, false);
}

int vm_copy_out(struct vm_map *map, vaddr_t va, const void *src, size_t len)
{
    return vm_copy(map, va, (void *)src, len, true);
}

int vm_copy_string_in(struct vm_map *map, char *dst, vaddr_t va, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (vm_copy_in(map, &dst[i], va + i, 1) != 0)
            return -ERR_FAULT;
        if (dst[i] == '\0')
            return (int)i;
    }
    return -ERR_INVAL;
}
