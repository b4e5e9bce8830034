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

/*
 * The kernel addresses of the pages holding the @len bytes at user @va of
 * @map (two pages at most) in @kva, and their descriptors in @pages (NULL
 * for a frame no object owns), if every one is mapped for user access
 * (writable when @write) and is not device memory.
 */
static bool resident_span(struct vm_map *map, vaddr_t va, size_t len, bool write, char *kva[2],
                          struct vm_page *pages[2])
{
    vaddr_t first = ALIGN_DOWN(va, PAGE_SIZE);
    unsigned n = va + len > first + PAGE_SIZE ? 2 : 1;

    if (va >= MMU_USER_TOP || len > MMU_USER_TOP - va)
        return false;
    for (unsigned i = 0; i < n; i++) {
        paddr_t pa;
        struct frame *f;
        if (!mmu_user_frame(&map->space, first + i * PAGE_SIZE, write, &pa) || !(f = frame_of(pa)))
            return false;
        kva[i] = phys_to_virt(pa);
        pages[i] = f->owner;
    }
    return true;
}

bool vm_copy_resident(struct vm_map *to, vaddr_t dst, struct vm_map *from, vaddr_t src, size_t len)
{
    char *in[2], *out[2];
    struct vm_page *in_pages[2], *out_pages[2];

    if (len > PAGE_SIZE || !resident_span(from, src, len, false, in, in_pages) ||
        !resident_span(to, dst, len, true, out, out_pages))
        return false;
    for (size_t done = 0; done < len;) {
        vaddr_t s = src + done, d = dst + done;
        size_t chunk = MIN(len - done, MIN(PAGE_SIZE - s % PAGE_SIZE, PAGE_SIZE - d % PAGE_SIZE));
        unsigned si = (unsigned)(s / PAGE_SIZE - src / PAGE_SIZE);
        unsigned di = (unsigned)(d / PAGE_SIZE - dst / PAGE_SIZE);
        memcpy(out[di] + d % PAGE_SIZE, in[si] + s % PAGE_SIZE, chunk);
        if (out_pages[di]) /* the MMU's M bit does not see writes through the kernel's mapping */
            out_pages[di]->flags |= VM_PAGE_DIRTY;
        done += chunk;
    }
    return true;
}
