/*
 * query_bits: a pager reads the referenced and modified bits of a range, so
 * that it can run its own replacement policy. The bits are read over every
 * mapping and cleared; a modified bit seen stays in the page (VM_PAGE_DIRTY),
 * so clearing never makes the kernel drop a modified page.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <memory_object_control_kserver.h>
#include <mmu.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

/*
 * query_bits: one byte per page (bit 0 resident, 1 referenced, 2 modified),
 * the R and M bits read over every mapping and cleared, so that a pager can
 * run its own replacement policy.
 */
int vm_pager_control_query_bits(struct vm_object *obj, uint64_t offset, uint64_t count, void *bits,
                                uint32_t *bits_len)
{
    uint8_t *out = bits;

    if (!range_ok(obj, offset, count) ||
        count / PAGE_SIZE > MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_MAX)
        return -ERR_INVAL;
    *bits_len = (uint32_t)(count / PAGE_SIZE);
    for (uint32_t i = 0; i < *bits_len; i++) {
        struct vm_page *p = vm_object_page_lookup(obj, offset + i * PAGE_SIZE);
        unsigned b = 0;
        if (p && !(p->flags & VM_PAGE_BUSY))
            b = MMU_BIT_PRESENT |
                (vm_object_page_bits(obj, p->offset, true, false) & (MMU_BIT_REF | MMU_BIT_MOD));
        out[i] = (uint8_t)b;
    }
    return 0;
}
