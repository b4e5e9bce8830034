/*
 * System calls of virtual memory: regions, queries and statistics, the
 * default pager, pageout on demand, pinning and device memory. Each handler
 * checks every argument before it changes any state and returns 0, a
 * positive value (an address, a count) or -ERR_*.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <ipc/ipc_right.h>
#include <kern/boot.h>
#include <kern/host.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <syscalls_kabi.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#define VM_ALLOCATE_MAX (64ULL << 30)

/* Map @obj (one reference, consumed) as a new region at @va: the address or -ERR_*. */
static int64_t map_new_object(struct task *self, vaddr_t va, uint64_t size, uint64_t prot,
                              struct vm_object *obj)
{
    int err = vm_map_enter(&self->map, va, size, (unsigned)prot, obj, 0, NULL);

    if (err)
        vm_object_unref(obj);
    return err ? err : (int64_t)va;
}

int64_t sys_vm_allocate(struct task *self, uint64_t size, uint64_t prot, uint64_t addr)
{
    uint64_t pages = ALIGN_UP(size, PAGE_SIZE), access = prot & 0xff;
    bool kernel_pager = prot & VM_ALLOC_KERNEL_PAGER;
    struct vm_object *obj;
    vaddr_t va = addr;

    if (size == 0 || size > VM_ALLOCATE_MAX || !(access & VM_PROT_READ) ||
        (prot & ~(uint64_t)(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC | VM_ALLOC_KERNEL_PAGER)) ||
        va % PAGE_SIZE)
        return -ERR_INVAL;
    int err = va ? 0 : vm_map_find_space(&self->map, pages, &va);
    if (!err) /* check first: creating an external object sends its pager init */
        err = vm_map_can_enter(&self->map, va, pages);
    if (!err)
        err = vm_object_create_anonymous(self, pages, kernel_pager, &obj);
    return err ? err : map_new_object(self, va, pages, access, obj);
}

int64_t sys_vm_map(struct task *self, port_name_t pager, uint64_t size, uint64_t prot)
{
    uint64_t pages = ALIGN_UP(size, PAGE_SIZE);
    struct kright right = {0};
    struct vm_object *obj;
    vaddr_t va;

    if (size == 0 || size > VM_ALLOCATE_MAX || !(prot & VM_PROT_READ) ||
        (prot & ~(uint64_t)(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)))
        return -ERR_INVAL;
    int err = vm_map_find_space(&self->map, pages, &va);
    if (!err)
        err = vm_map_can_enter(&self->map, va, pages);
    if (!err)
        err = ipc_right_make_send(&self->ipc, pager, &right);
    if (!err)
        err = vm_object_create_external(&right, pages, self->acct, &obj);
    ipc_right_release(&right); /* still held only on failure */
    return err ? err : map_new_object(self, va, pages, prot, obj);
}

/*
 * A send right in *@out for the port @name gives @self, if that port can
 * serve memory objects: alive, received by a task (the one to wire), and not
 * a kernel object port (the kernel would be sending pager requests to
 * itself). 0 or -ERR_* with nothing held.
 */
static int pager_right(struct task *self, port_name_t name, struct kright *out)
{
    int err = ipc_right_make_send(&self->ipc, name, out);

    if (!err && (out->port->kobject || !out->port->receiver)) {
        ipc_right_release(out);
        err = -ERR_INVAL;
    }
    return err;
}

/*
 * Everything is checked (the right, the pager, a free name for the previous
 * pager's right) before anything changes.
 */
int64_t sys_set_default_pager(struct task *self, port_name_t host, port_name_t pager)
{
    struct kright right = {0}, previous;

    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    int err = ipc_space_reserve(&self->ipc, 1);
    if (!err)
        err = pager_right(self, pager, &right);
    if (err)
        return err;
    struct task *served_by = right.port->receiver;
    previous = vm_pager_set_default(&right);
    served_by->kernel_paged = true; /* the pager never pages itself */
    vm_map_wire(&served_by->map);
    kprintf("vm: default pager is now served by %s[%u], set by %s[%u]%s\n", served_by->name,
            served_by->id, self->name, self->id,
            vm_default_pager_enabled ? "" : " (not used: pager=kernel)");
    return previous.port ? (int64_t)ipc_right_install(self, &previous) : PORT_NULL;
}

/*
 * Both ports are checked (live, received by a task) before the migration
 * starts; the caller then waits for it to end (by its deadline: the pager
 * timeout after its last step). A caller killed meanwhile leaves the
 * migration to end by itself. Without
 * the host right only the pager itself (the receiver of @old) may give its
 * objects away: it holds their data already.
 */
int64_t sys_vm_pager_migrate(struct task *self, port_name_t host, port_name_t old, port_name_t new)
{
    struct kright from = {0}, to = {0};
    bool privileged = host_priv_check(self, host) == 0;
    int err = pager_right(self, old, &from);

    if (!err && !privileged && from.port->receiver != self)
        err = -ERR_PERM;
    if (!err)
        err = pager_right(self, new, &to);
    if (!err)
        err = vm_pager_migrate_start(&from, &to, NULL);
    ipc_right_release(&from); /* still held only on failure */
    ipc_right_release(&to);
    if (err < 0)
        return err;
    uint64_t started = arch_time_ns();
    err = vm_pager_migrate_wait();
    kprintf("vm: pager migration by %s[%u]: %d (objects moved, or error) in %llu us\n", self->name,
            self->id, err, (unsigned long long)(arch_time_ns() - started) / 1000);
    return err;
}

/*
 * The object of the caller's region at @addr moves to the pager of @pager,
 * with its data. Only an external object that this region alone maps: the
 * caller's own memory (a shared object would change for the other tasks
 * too, and an object of the in-kernel pager has no pager to evacuate).
 */
int64_t sys_vm_region_migrate(struct task *self, uint64_t addr, port_name_t pager)
{
    struct vm_region *r = vm_map_lookup(&self->map, addr);
    struct kright from = {0}, to = {0};

    if (!r)
        return -ERR_NOENT;
    struct vm_object *obj = r->object;
    if (!obj->pager || obj->pager_dead)
        return -ERR_INVAL;
    if (obj->mappings.next->next != &obj->mappings)
        return -ERR_PERM; /* mapped more than once */
    int err = pager_right(self, pager, &to);
    if (err)
        return err;
    from = vm_pager_object_right(obj);
    err = vm_pager_migrate_start(&from, &to, obj);
    ipc_right_release(&from); /* still held only on failure */
    ipc_right_release(&to);
    if (err < 0)
        return err;
    return vm_pager_migrate_wait();
}

/* Both ports are checked (live, received by a task) before the table changes. */
int64_t sys_vm_pager_standby(struct task *self, port_name_t host, port_name_t pager,
                             port_name_t standby)
{
    struct kright from = {0}, to = {0};

    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    int err = pager_right(self, pager, &from);
    if (!err && standby != PORT_NULL)
        err = pager_right(self, standby, &to);
    if (!err)
        err = vm_pager_standby_set(&from, &to);
    ipc_right_release(&from); /* still held on failure, or when the standby was removed */
    ipc_right_release(&to);
    return err;
}

/*
 * The whole run of regions is checked first; then one region goes at a
 * time, with a preemption point between two (a run may hold thousands of
 * regions). Nothing is held across it: the next region is looked up again,
 * and if another thread of the task changed the map meanwhile, the removal
 * stops at the first region that is no longer the one expected.
 */
int64_t sys_vm_deallocate(struct task *self, uint64_t addr, uint64_t size)
{
    uint64_t free = frame_free_count(), end = addr + ALIGN_UP(size, PAGE_SIZE);
    int err = vm_map_remove_check(&self->map, addr, end - addr);

    for (vaddr_t va = addr; !err && va < end;) {
        struct vm_region *r = vm_map_lookup(&self->map, va);
        if (!r || r->start != va || r->end > end)
            break;
        va = r->end;
        err = vm_map_remove(&self->map, r->start, r->end - r->start);
        if (va < end)
            sched_preempt_point();
    }
    if (frame_free_count() > free) /* a pager's credit grows back with what it frees */
        vm_pageout_frames_given_back(self, frame_free_count() - free);
    return err;
}

int64_t sys_vm_stat(struct task *self, uint64_t stat)
{
    struct vm_credit_pool credits = vm_pageout_credits();
    struct vm_stat st = {
        .frames_total = frame_total_count(),
        .frames_free = frame_free_count(),
        .faults = vm_stats.faults,
        .zero_fills = vm_stats.zero_fills,
        .image_copies = vm_stats.image_copies,
        .pager_requests = vm_stats.pager_requests,
        .pager_supplies = vm_stats.pager_supplies,
        .frames_kernel = frame_state_count(FRAME_KERNEL),
        .frames_table = frame_state_count(FRAME_TABLE),
        .frames_kstack = frame_state_count(FRAME_KSTACK),
        .frames_user = frame_state_count(FRAME_USER),
        .pageouts = vm_stats.pageouts,
        .store_ins = vm_stats.store_ins,
        .evict_clean = vm_stats.evict_clean,
        .evict_dirty = vm_stats.evict_dirty,
        .frames_laundry = frame_laundry_count(),
        .throttled = vm_stats.throttled,
        .frames_reserve = vm_pageout_levels().reserve,
        .spaces_created = vm_stats.spaces_created,
        .space_switches = mmu_switch_count(),
        .spaces_destroyed = vm_stats.spaces_destroyed,
        .exit_pages = vm_stats.exit_pages,
        .credit_share = credits.share,
        .credit_cap = credits.cap,
        .credit_taken = vm_stats.credit_taken,
        .credit_waits = vm_stats.credit_waits,
        .returns_deferred = vm_stats.returns_deferred,
        .credit_max = credits.max_used,
        .mapped_around = vm_stats.mapped_around,
        .mapped_supplied = vm_stats.mapped_supplied,
        .faults_resumed = vm_stats.faults_resumed,
    };
    return vm_copy_out(&self->map, stat, &st, sizeof(st));
}

/* @addr lies in user space (checked by the dispatch). */
int64_t sys_vm_query(struct task *self, uint64_t addr, uint64_t query)
{
    struct vm_query q = {0};
    struct vm_region *r = vm_map_lookup(&self->map, addr);
    struct mmu_mapping m;

    if (r)
        q.prot = r->prot;
    if (mmu_query(&self->map.space, ALIGN_DOWN(addr, PAGE_SIZE), &m) == MMU_OK) {
        q.resident = 1;
        q.frame = m.pa / PAGE_SIZE;
    }
    return vm_copy_out(&self->map, query, &q, sizeof(q));
}

int64_t sys_vm_policy_get(struct task *self, uint64_t name, uint64_t len)
{
    const char *cur = vm_pageout_policy();
    uint64_t n = strlen(cur);

    if (len <= n)
        return -ERR_INVAL;
    int err = vm_copy_out(&self->map, name, cur, n + 1);
    return err ? err : (int64_t)n;
}

int64_t sys_vm_policy_set(struct task *self, port_name_t host, uint64_t name)
{
    char buf[16];

    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    if (vm_copy_string_in(&self->map, buf, name, sizeof(buf)) < 0)
        return -ERR_FAULT;
    return vm_pageout_set_policy(buf);
}

/* @task: a task id, or 0 for the caller; the whole word is tested. */
int64_t sys_vm_region_info(struct task *self, port_name_t host, uint64_t task, uint64_t addr,
                           uint64_t info)
{
    struct task *t = task ? task_find((uint32_t)task) : self;
    struct vm_region_info ri = {0};

    if (!t || task > UINT32_MAX || t->state != TASK_ALIVE)
        return -ERR_NOENT;
    if (!task_may_read(self, t, host))
        return -ERR_PERM;
    struct vm_region *r = vm_map_lookup_from(&t->map, addr); /* O(log n), not a walk */
    if (r) {
        struct vm_object *obj = r->object;
        ri.start = r->start;
        ri.size = r->end - r->start;
        ri.prot = r->prot & (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC);
        ri.pager = obj->ops->abi_kind;
        ri.pager_task = vm_pager_object_server(obj);
        ri.wired = obj->wired;
        ri.resident = obj->resident;
        ri.stored = obj->stored_only;
        ri.returned = obj->returned;
        ri.object_size = obj->size;
        int err = vm_copy_out(&self->map, info, &ri, sizeof(ri)); /* may wait: r may go */
        return err ? err : (int64_t)ri.start;
    }
    return -ERR_NOENT;
}

int64_t sys_vm_fault_trace(struct task *self, uint64_t trace)
{
    return vm_copy_out(&self->map, trace, &vm_last_fault_trace, sizeof(vm_last_fault_trace));
}

/* Pages vm_pageout looks at between two preemption points. */
#define VM_PAGEOUT_CHUNK 32u

/* Push page @p out (vm_object_range_walk_some); count it in *@ctx. */
static int pageout_page(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    if (p->frame && vm_object_pageout(obj, p->offset) >= 0)
        ++*(int64_t *)ctx;
    return 0;
}

/* Where a vm_pageout is in its walk of a region's object list. */
struct pageout_walk {
    struct vm_object *obj; /* the object whose list is being walked, or NULL */
    uint64_t left;         /* steps left in its walk */
};

/*
 * Push out what [@va, @stop) of region @r maps, a chunk at most: the next
 * VM_PAGEOUT_CHUNK pages of the range, or the next VM_PAGEOUT_CHUNK pages
 * of the object's list when that is shorter than the range (a huge sparse
 * region costs its pages, not its size). Returns where the walk goes on.
 */
static vaddr_t pageout_chunk(struct vm_region *r, vaddr_t va, vaddr_t stop, struct pageout_walk *w,
                             int64_t *pushed)
{
    struct vm_object *obj = r->object;
    uint64_t offset = r->offset + (va - r->start);

    if (!obj->resident)
        return stop; /* nothing left to push in this region */
    if ((stop - va) / PAGE_SIZE <= obj->npages) {
        vaddr_t end = MIN(stop, va + VM_PAGEOUT_CHUNK * PAGE_SIZE);
        vm_object_range_walk(obj, offset, end - va, pageout_page, pushed);
        return end;
    }
    if (w->obj != obj) {
        w->obj = obj;
        w->left = obj->npages;
    }
    uint64_t steps = MIN(w->left, VM_PAGEOUT_CHUNK);
    w->left -= steps;
    vm_object_range_walk_some(obj, offset, stop - va, steps, pageout_page, pushed);
    if (w->left)
        return va;
    w->obj = NULL;
    return stop;
}

/*
 * Push the resident pages of [addr, addr + size) out to their pagers now;
 * @addr lies in user space (checked by the dispatch). Only regions are
 * walked (the gaps between them cost nothing), each in chunks
 * (pageout_chunk) with a preemption point after every one: nothing is held
 * across it (the region is looked up again by address).
 */
int64_t sys_vm_pageout(struct task *self, uint64_t addr, uint64_t size)
{
    vaddr_t va = ALIGN_DOWN(addr, PAGE_SIZE), end = addr + size;
    struct pageout_walk walk = {0};
    int64_t pushed = 0;

    if (size > MMU_USER_TOP - addr)
        return -ERR_INVAL;
    while (va < end) {
        struct vm_region *r = vm_map_lookup_from(&self->map, va);
        if (!r || r->start >= end)
            break;
        va = MAX(va, r->start);
        va = pageout_chunk(r, va, MIN(end, r->end), &walk, &pushed);
        vm_object_pageout_flush();
        sched_preempt_point();
    }
    return pushed;
}

/*
 * Pin a range; a driver may also ask for the physical address of every page
 * (third argument: an array of one uint64_t per page), for DMA.
 */
int64_t sys_vm_pin(struct task *self, uint64_t addr, uint64_t size, uint64_t phys)
{
    vaddr_t start = ALIGN_DOWN(addr, PAGE_SIZE);

    if (phys && !self->driver)
        return -ERR_PERM;
    int err = vm_map_pin(&self->map, addr, size);
    for (vaddr_t va = start; !err && phys && va < addr + size; va += PAGE_SIZE) {
        struct mmu_mapping m;
        mmu_query(&self->map.space, va, &m); /* pinned: resident */
        uint64_t pa = m.pa;
        if (vm_copy_out(&self->map, phys + (va - start) / PAGE_SIZE * sizeof(pa), &pa,
                        sizeof(pa)) != 0) {
            vm_map_unpin(&self->map, addr, size);
            err = -ERR_FAULT;
        }
    }
    return err;
}

int64_t sys_vm_unpin(struct task *self, uint64_t addr, uint64_t size)
{
    return vm_map_unpin(&self->map, addr, size);
}

/*
 * Is [@phys, @phys + @size) clear of memory: of every range of the firmware's
 * memory map except MMIO (RAM, firmware and ACPI memory)? Device BARs are
 * not in the memory map at all.
 */
static bool phys_is_device(paddr_t phys, uint64_t size)
{
    for (uint32_t i = 0; i < boot_info->mem_count; i++) {
        const struct boot_mem_range *r = &boot_info->mem[i];
        if (r->type != BOOT_MEM_MMIO && phys < r->base + r->pages * PAGE_SIZE &&
            r->base < phys + size)
            return false;
    }
    return true;
}

/*
 * Map device memory (a PCI BAR) uncached. Drivers only, and never memory:
 * no page may be a frame the kernel manages or lie in a memory range of the
 * firmware's map.
 */
int64_t sys_vm_map_device(struct task *self, uint64_t phys, uint64_t size)
{
    uint64_t bytes = ALIGN_UP(size, PAGE_SIZE);
    struct vm_object *obj;
    vaddr_t va;

    if (!self->driver)
        return -ERR_PERM;
    if (phys % PAGE_SIZE || !bytes || bytes > (1ULL << 30) || phys >= (1ULL << 46) ||
        bytes > (1ULL << 46) - phys)
        return -ERR_INVAL;
    for (paddr_t p = phys; p < phys + bytes; p += PAGE_SIZE)
        if (frame_of(p) && frame_of(p)->state != FRAME_RESERVED)
            return -ERR_PERM; /* a frame the kernel manages */
    if (!phys_is_device(phys, bytes))
        return -ERR_PERM; /* RAM, firmware or ACPI memory */
    int err = vm_map_find_space(&self->map, bytes, &va);
    if (!err)
        err = vm_map_can_enter(&self->map, va, bytes);
    if (!err)
        err = vm_object_create_device(phys, bytes, &obj);
    if (err)
        return err;
    return map_new_object(self, va, bytes, VM_PROT_READ | VM_PROT_WRITE, obj);
}
