/*
 * The machine-independent page-fault handler and the in-kernel pager.
 * Steps of a fault: find the region (none: invalid address; the stack guard
 * page: stack overflow), check the access against the region's protection,
 * and if the page is not resident take a frame, fill it from the region's
 * backing (zero fill or a copy from the executable image) and map it. The
 * faulting instruction then simply runs again: x86 faults are precise.
 */
#include <kernel/exception.h>
#include <kernel/frame.h>
#include <kernel/lib.h>
#include <kernel/printk.h>
#include <kernel/task.h>
#include <kernel/vm_fault.h>
#include <kernel/vm_map.h>

struct vm_stats vm_stats;

static const char *const result_text[] = {
    [VM_FAULT_OK] = "ok",
    [VM_FAULT_UNMAPPED] = "no mapping",
    [VM_FAULT_PROTECTION] = "protection violation",
    [VM_FAULT_GUARD] = "stack overflow into the guard page",
    [VM_FAULT_NOMEM] = "out of memory",
    [VM_FAULT_NOT_USER] = "not a user address",
};

static const char *const access_text[] = {
    [MMU_ACCESS_READ] = "read",
    [MMU_ACCESS_WRITE] = "write",
    [MMU_ACCESS_EXEC] = "execute",
};

const char *vm_fault_result_text(enum vm_fault_result r)
{
    return result_text[r];
}

static bool access_allowed(unsigned prot, enum mmu_access access)
{
    if (access == MMU_ACCESS_WRITE)
        return prot & MMU_PROT_WRITE;
    if (access == MMU_ACCESS_EXEC)
        return prot & MMU_PROT_EXEC;
    return prot & MMU_PROT_READ;
}

/* The in-kernel pager: fill a fresh frame for page @va of region @r. */
static void pager_fill(struct vm_region *r, vaddr_t va, paddr_t pa)
{
    uint8_t *dst = phys_to_virt(pa);
    uint64_t off = va - r->start;
    size_t n = 0;

    if (r->backing == VM_BACKING_IMAGE && off < r->image_len)
        n = MIN(PAGE_SIZE, r->image_len - off);
    if (n) {
        memcpy(dst, r->image + off, n);
        vm_stats.image_copies++;
    } else {
        vm_stats.zero_fills++;
    }
    memset(dst + n, 0, PAGE_SIZE - n);
}

enum vm_fault_result vm_fault_page(struct vm_map *map, vaddr_t va, enum mmu_access access,
                                   paddr_t *pa)
{
    struct vm_region *r = vm_map_lookup(map, va);
    vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    struct mmu_mapping m;

    if (!r)
        return vm_map_is_guard(map, va) ? VM_FAULT_GUARD : VM_FAULT_UNMAPPED;
    if (!access_allowed(r->prot, access))
        return VM_FAULT_PROTECTION;
    if (mmu_query(&map->space, page, &m) == MMU_OK) {
        if (m.prot != r->prot)
            mmu_protect(&map->space, page, r->prot);
        *pa = m.pa;
        return VM_FAULT_OK;
    }
    paddr_t frame = frame_alloc(FRAME_USER, map);
    if (!frame)
        return VM_FAULT_NOMEM;
    pager_fill(r, page, frame);
    if (mmu_map(&map->space, page, frame, r->prot) != MMU_OK) {
        frame_free(frame);
        return VM_FAULT_NOMEM;
    }
    map->resident++;
    vm_stats.faults++;
    *pa = frame;
    return VM_FAULT_OK;
}

void vm_fault_user(const struct mmu_fault *fault, uint64_t rip)
{
    struct task *task = task_current();
    enum vm_fault_result r = VM_FAULT_NOT_USER;
    paddr_t pa;

    if (fault->addr < MMU_USER_TOP && !fault->reserved_bit)
        r = vm_fault_page(&task->map, fault->addr, fault->access, &pa);
    if (r == VM_FAULT_OK)
        return;
    if (exception_raise(EXC_BAD_ACCESS, fault->addr, rip, fault->access | (uint64_t)r << 8))
        return; /* the handler fixed it: run the instruction again */
    kprintf("task %s[%u]: killed: %s at %llx (%s), rip %llx\n", task->name, task->id,
            access_text[fault->access], (unsigned long long)fault->addr, result_text[r],
            (unsigned long long)rip);
    task_terminate(task, TASK_END_FAULT, 0, fault->addr);
}
