/*
 * System calls. Each handler checks every argument (user pointers are only
 * touched through vm_copy_*, which fail cleanly on a bad address) before it
 * changes any state, and returns 0 or a positive value, or -ERR_*.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <ipc/exception.h>
#include <ipc/ipc_right.h>
#include <kern/boot.h>
#include <kern/irq.h>
#include <kern/printk.h>
#include <kern/syscall.h>
#include <lib/lib.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#define CONSOLE_CHUNK 256
#define VM_ALLOCATE_MAX (64ULL << 30)

typedef int64_t (*syscall_fn)(struct task *self, struct syscall_regs *regs);

static int64_t sys_console_write(struct task *self, struct syscall_regs *regs)
{
    char buf[CONSOLE_CHUNK];
    uint64_t va = regs->arg[0], len = regs->arg[1];

    if (len > (1u << 20))
        return -ERR_INVAL;
    for (uint64_t done = 0; done < len;) {
        size_t n = MIN(len - done, sizeof(buf));
        if (vm_copy_in(&self->map, buf, va + done, n) != 0)
            return -ERR_FAULT;
        arch_console_write(buf, n);
        done += n;
    }
    return (int64_t)len;
}

static int64_t sys_exit(struct task *self, struct syscall_regs *regs)
{
    task_terminate(self, TASK_END_EXIT, (int)regs->arg[0], 0);
    return 0; /* not reached */
}

static int64_t sys_yield(struct task *self, struct syscall_regs *regs)
{
    (void)self, (void)regs;
    sched_yield();
    return 0;
}

static int64_t sys_thread_create(struct task *self, struct syscall_regs *regs)
{
    uint64_t entry = regs->arg[0], stack_top = regs->arg[1];

    if (entry >= MMU_USER_TOP || stack_top >= MMU_USER_TOP || stack_top % 16)
        return -ERR_INVAL;
    if (self->nthreads >= TASK_MAX_THREADS)
        return -ERR_LIMIT;
    struct thread *t = thread_create_user(self, entry, stack_top - 8, regs->arg[2], 0);
    return t ? (int64_t)t->id : -ERR_NOMEM;
}

static int64_t sys_thread_exit(struct task *self, struct syscall_regs *regs)
{
    (void)self, (void)regs;
    thread_exit_current();
}

static int64_t sys_sleep(struct task *self, struct syscall_regs *regs)
{
    uint64_t now = arch_time_ns();
    (void)self;
    sched_sleep_until(regs->arg[0] > UINT64_MAX - now ? UINT64_MAX : now + regs->arg[0]);
    return 0;
}

static int64_t sys_clock(struct task *self, struct syscall_regs *regs)
{
    (void)self, (void)regs;
    return (int64_t)arch_time_ns();
}

/* Map @obj (one reference, consumed) as a new region at @va: the address or -ERR_*. */
static int64_t map_new_object(struct task *self, vaddr_t va, uint64_t size, uint64_t prot,
                              struct vm_object *obj)
{
    int err = vm_map_enter(&self->map, va, size, (unsigned)prot, obj, 0, NULL);

    if (err)
        vm_object_unref(obj);
    return err ? err : (int64_t)va;
}

static int64_t sys_vm_allocate(struct task *self, struct syscall_regs *regs)
{
    uint64_t size = ALIGN_UP(regs->arg[0], PAGE_SIZE), prot = regs->arg[1] & 0xff;
    bool kernel_pager = regs->arg[1] & VM_ALLOC_KERNEL_PAGER;
    struct vm_object *obj;
    vaddr_t va = regs->arg[2];

    if (regs->arg[0] == 0 || regs->arg[0] > VM_ALLOCATE_MAX || !(prot & VM_PROT_READ) ||
        (regs->arg[1] &
         ~(uint64_t)(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC | VM_ALLOC_KERNEL_PAGER)) ||
        va % PAGE_SIZE)
        return -ERR_INVAL;
    int err = va ? 0 : vm_map_find_space(&self->map, size, &va);
    if (!err)
        err = vm_object_create_anonymous(self, size, kernel_pager, &obj);
    return err ? err : map_new_object(self, va, size, prot, obj);
}

static int64_t sys_vm_map(struct task *self, struct syscall_regs *regs)
{
    uint64_t size = ALIGN_UP(regs->arg[1], PAGE_SIZE), prot = regs->arg[2];
    struct kright pager = {0};
    struct vm_object *obj;
    vaddr_t va;

    if (regs->arg[1] == 0 || regs->arg[1] > VM_ALLOCATE_MAX || !(prot & VM_PROT_READ) ||
        (prot & ~(uint64_t)(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)))
        return -ERR_INVAL;
    int err = vm_map_find_space(&self->map, size, &va);
    if (!err)
        err = ipc_right_make_send(&self->ipc, (port_name_t)regs->arg[0], &pager);
    if (!err)
        err = vm_object_create_external(&pager, size, &obj);
    ipc_right_release(&pager); /* still held only on failure */
    return err ? err : map_new_object(self, va, size, prot, obj);
}

/* Only init and its children may choose the default pager. */
static int64_t sys_set_default_pager(struct task *self, struct syscall_regs *regs)
{
    struct kright pager = {0};

    if (self->id != 1 && (!self->parent || self->parent->id != 1))
        return -ERR_PERM;
    int err = ipc_right_make_send(&self->ipc, (port_name_t)regs->arg[0], &pager);
    if (err)
        return err;
    vm_pager_set_default(&pager);
    self->kernel_paged = true;
    vm_map_wire(&self->map);
    kprintf("vm: default pager set by %s[%u]%s\n", self->name, self->id,
            vm_default_pager_enabled ? "" : " (not used: pager=kernel)");
    return 0;
}

static int64_t sys_vm_deallocate(struct task *self, struct syscall_regs *regs)
{
    return vm_map_remove(&self->map, regs->arg[0], ALIGN_UP(regs->arg[1], PAGE_SIZE));
}

static int64_t sys_vm_stat(struct task *self, struct syscall_regs *regs)
{
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
    };
    return vm_copy_out(&self->map, regs->arg[0], &st, sizeof(st));
}

/*
 * Make @t a driver: PCI configuration space, device memory, DMA pins and
 * interrupts. Its memory is wired and served by the in-kernel pager from now
 * on, since a pager may wait on a driver and a driver must never wait on it.
 */
static void task_make_driver(struct task *t)
{
    t->driver = true;
    t->kernel_paged = true;
    vm_map_wire(&t->map);
    kprintf("init granted driver access to %s[%u]\n", t->name, t->id);
}

static int64_t sys_task_spawn(struct task *self, struct syscall_regs *regs)
{
    char name[BOOT_MODULE_NAME_MAX], args[TASK_ARGS_MAX], task_name[TASK_NAME_MAX];
    struct task *child;

    if (regs->arg[3] & ~(uint64_t)TASK_SPAWN_DRIVER)
        return -ERR_INVAL;
    if ((regs->arg[3] & TASK_SPAWN_DRIVER) && self->id != 1)
        return -ERR_PERM;
    if (vm_copy_string_in(&self->map, name, regs->arg[0], sizeof(name)) < 0 ||
        vm_copy_string_in(&self->map, args, regs->arg[1], sizeof(args)) < 0)
        return -ERR_FAULT;
    const struct boot_module *m = boot_module_find(name);
    if (!m)
        return -ERR_NOENT;
    struct kright bootstrap = {0};
    int err =
        regs->arg[2] ? ipc_right_make_send(&self->ipc, (port_name_t)regs->arg[2], &bootstrap) : 0;
    if (err)
        return err;
    boot_module_task_name(m, task_name, sizeof(task_name));
    err = task_spawn(task_name, phys_to_virt(m->phys), m->size, args, self, &bootstrap, &child);
    ipc_right_release(&bootstrap); /* still held only if the spawn failed */
    if (err)
        return err;
    if (regs->arg[3] & TASK_SPAWN_DRIVER)
        task_make_driver(child); /* before its first instruction */
    return (int64_t)child->id;
}

static int64_t sys_task_wait(struct task *self, struct syscall_regs *regs)
{
    struct task_status st = {0};

    /* Check the buffer before blocking, so a bad pointer cannot lose the status. */
    if (vm_copy_out(&self->map, regs->arg[1], &st, sizeof(st)) != 0)
        return -ERR_FAULT;
    int err = task_wait(self, (uint32_t)regs->arg[0], &st);
    if (err)
        return err;
    return vm_copy_out(&self->map, regs->arg[1], &st, sizeof(st));
}

static int64_t sys_task_kill(struct task *self, struct syscall_regs *regs)
{
    struct task *t = task_find((uint32_t)regs->arg[0]);

    if (!t || t->state != TASK_ALIVE)
        return -ERR_NOENT;
    if (t != self && t->parent != self)
        return -ERR_PERM;
    task_terminate(t, TASK_END_KILLED, 0, 0);
    return 0;
}

static int64_t sys_task_info(struct task *self, struct syscall_regs *regs)
{
    struct task *t = regs->arg[0] ? task_find((uint32_t)regs->arg[0]) : self;
    struct task_info info = {0};

    if (!t)
        return -ERR_NOENT;
    if (t->state == TASK_ALIVE) {
        info.cpu_ns = task_cpu_ns(t);
        info.resident_pages = t->map.resident;
        info.threads = t->nthreads;
    } else {
        info.cpu_ns = arch_cycles_to_ns(t->dead_cpu_cycles);
    }
    return vm_copy_out(&self->map, regs->arg[1], &info, sizeof(info));
}

static int64_t sys_vm_query(struct task *self, struct syscall_regs *regs)
{
    struct vm_query q = {0};
    struct vm_region *r = vm_map_lookup(&self->map, regs->arg[0]);
    struct mmu_mapping m;

    if (regs->arg[0] >= MMU_USER_TOP)
        return -ERR_INVAL;
    if (r)
        q.prot = r->prot;
    if (mmu_query(&self->map.space, ALIGN_DOWN(regs->arg[0], PAGE_SIZE), &m) == MMU_OK) {
        q.resident = 1;
        q.frame = m.pa / PAGE_SIZE;
    }
    return vm_copy_out(&self->map, regs->arg[1], &q, sizeof(q));
}

static int64_t sys_task_set_exception_port(struct task *self, struct syscall_regs *regs)
{
    struct task *target = regs->arg[0] ? task_find((uint32_t)regs->arg[0]) : self;
    port_name_t name = (port_name_t)regs->arg[1];
    struct kright right = {0};

    if (!target || target->state != TASK_ALIVE)
        return -ERR_NOENT;
    if (target != self && target->parent != self)
        return -ERR_PERM;
    int err = name ? ipc_right_make_send(&self->ipc, name, &right) : 0;
    return err ? err : exception_port_set(target, &right);
}

static int64_t sys_vm_fault_trace(struct task *self, struct syscall_regs *regs)
{
    return vm_copy_out(&self->map, regs->arg[0], &vm_last_fault_trace, sizeof(vm_last_fault_trace));
}

/* Push the resident pages of [addr, addr + size) out to their pagers now. */
static int64_t sys_vm_pageout(struct task *self, struct syscall_regs *regs)
{
    vaddr_t start = ALIGN_DOWN(regs->arg[0], PAGE_SIZE), end = regs->arg[0] + regs->arg[1];
    int64_t pushed = 0;

    if (regs->arg[0] >= MMU_USER_TOP || regs->arg[1] > MMU_USER_TOP - regs->arg[0])
        return -ERR_INVAL;
    for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
        struct vm_region *r = vm_map_lookup(&self->map, va);
        if (r && vm_object_pageout(r->object, r->offset + (va - r->start)) >= 0)
            pushed++;
    }
    return pushed;
}

/*
 * Pin a range; a driver may also ask for the physical address of every page
 * (third argument: an array of one uint64_t per page), for DMA.
 */
static int64_t sys_vm_pin(struct task *self, struct syscall_regs *regs)
{
    vaddr_t start = ALIGN_DOWN(regs->arg[0], PAGE_SIZE);
    uint64_t out = regs->arg[2];

    if (out && !self->driver)
        return -ERR_PERM;
    int err = vm_map_pin(&self->map, regs->arg[0], regs->arg[1]);
    for (vaddr_t va = start; !err && out && va < regs->arg[0] + regs->arg[1]; va += PAGE_SIZE) {
        struct mmu_mapping m;
        mmu_query(&self->map.space, va, &m); /* pinned: resident */
        uint64_t phys = m.pa;
        if (vm_copy_out(&self->map, out + (va - start) / PAGE_SIZE * sizeof(phys), &phys,
                        sizeof(phys)) != 0) {
            vm_map_unpin(&self->map, regs->arg[0], regs->arg[1]);
            err = -ERR_FAULT;
        }
    }
    return err;
}

static int64_t sys_vm_unpin(struct task *self, struct syscall_regs *regs)
{
    return vm_map_unpin(&self->map, regs->arg[0], regs->arg[1]);
}

static int64_t sys_task_grant_driver(struct task *self, struct syscall_regs *regs)
{
    struct task *t = task_find((uint32_t)regs->arg[0]);

    if (self->id != 1)
        return -ERR_PERM;
    if (!t || t->state != TASK_ALIVE || t->parent != self)
        return -ERR_NOENT;
    task_make_driver(t);
    return 0;
}

#define PCI_COMMAND_REG 0x04
#define PCI_COMMAND_BUS_MASTER 0x4u

/*
 * PCI configuration space, 32 bits at a time: first argument 1 to write. Drivers
 * only. Turning bus mastering on is recorded (at most TASK_DMA_DEVICES
 * functions), so that the device is stopped when the driver ends.
 */
static int64_t sys_pci_config(struct task *self, struct syscall_regs *regs)
{
    uint64_t bdf = regs->arg[1], offset = regs->arg[2];

    if (!self->driver)
        return -ERR_PERM;
    if (regs->arg[0] > 1 || bdf > 0xffff || offset > 252 || offset % 4)
        return -ERR_INVAL;
    if (regs->arg[0] && offset == PCI_COMMAND_REG && (regs->arg[3] & PCI_COMMAND_BUS_MASTER)) {
        /* Remember it: the device is stopped before this task's frames are freed. */
        uint32_t i = 0;
        while (i < self->dma_devices && self->dma_bdf[i] != bdf)
            i++;
        if (i == TASK_DMA_DEVICES)
            return -ERR_LIMIT;
        if (i == self->dma_devices)
            self->dma_bdf[self->dma_devices++] = (uint16_t)bdf;
    }
    if (regs->arg[0])
        arch_pci_write32((uint32_t)bdf, (uint32_t)offset, (uint32_t)regs->arg[3]);
    return regs->arg[0] ? 0 : (int64_t)arch_pci_read32((uint32_t)bdf, (uint32_t)offset);
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
static int64_t sys_vm_map_device(struct task *self, struct syscall_regs *regs)
{
    paddr_t phys = regs->arg[0];
    uint64_t size = ALIGN_UP(regs->arg[1], PAGE_SIZE);
    struct vm_object *obj;
    vaddr_t va;

    if (!self->driver)
        return -ERR_PERM;
    if (phys % PAGE_SIZE || !size || size > (1ULL << 30) || phys >= (1ULL << 46) ||
        size > (1ULL << 46) - phys)
        return -ERR_INVAL;
    for (paddr_t p = phys; p < phys + size; p += PAGE_SIZE)
        if (frame_of(p) && frame_of(p)->state != FRAME_RESERVED)
            return -ERR_PERM; /* a frame the kernel manages */
    if (!phys_is_device(phys, size))
        return -ERR_PERM; /* RAM, firmware or ACPI memory */
    int err = vm_map_find_space(&self->map, size, &va);
    if (!err)
        err = vm_object_create_kernel(size, NULL, 0, &obj);
    if (err)
        return err;
    obj->kind = VM_PAGER_DEVICE;
    obj->device_base = phys;
    return map_new_object(self, va, size, VM_PROT_READ | VM_PROT_WRITE, obj);
}

static int64_t sys_irq_attach(struct task *self, struct syscall_regs *regs)
{
    struct kright port = {0};

    if (!self->driver)
        return -ERR_PERM;
    int err = ipc_right_make_send(&self->ipc, (port_name_t)regs->arg[0], &port);
    if (err)
        return err;
    err = irq_attach(self, &port);
    ipc_right_release(&port); /* still held only on failure */
    return err;
}

static int64_t sys_irq_ack(struct task *self, struct syscall_regs *regs)
{
    return irq_ack(self, (unsigned)regs->arg[0]);
}

static int64_t sys_shutdown(struct task *self, struct syscall_regs *regs)
{
    if (self->id != 1)
        return -ERR_PERM;
    kprintf("shutdown requested by %s, status %d\n", self->name, (int)regs->arg[0]);
    arch_shutdown((int)regs->arg[0]);
}

static const syscall_fn syscall_table[SYS_COUNT] = {
    [SYS_CONSOLE_WRITE] = sys_console_write,
    [SYS_EXIT] = sys_exit,
    [SYS_YIELD] = sys_yield,
    [SYS_THREAD_CREATE] = sys_thread_create,
    [SYS_THREAD_EXIT] = sys_thread_exit,
    [SYS_SLEEP] = sys_sleep,
    [SYS_CLOCK] = sys_clock,
    [SYS_VM_ALLOCATE] = sys_vm_allocate,
    [SYS_VM_DEALLOCATE] = sys_vm_deallocate,
    [SYS_VM_STAT] = sys_vm_stat,
    [SYS_TASK_SPAWN] = sys_task_spawn,
    [SYS_TASK_WAIT] = sys_task_wait,
    [SYS_TASK_KILL] = sys_task_kill,
    [SYS_TASK_INFO] = sys_task_info,
    [SYS_SHUTDOWN] = sys_shutdown,
    [SYS_IPC] = sys_ipc,
    [SYS_PORT_OP] = sys_port_op,
    [SYS_VM_QUERY] = sys_vm_query,
    [SYS_TASK_SET_EXCEPTION_PORT] = sys_task_set_exception_port,
    [SYS_VM_MAP] = sys_vm_map,
    [SYS_SET_DEFAULT_PAGER] = sys_set_default_pager,
    [SYS_VM_FAULT_TRACE] = sys_vm_fault_trace,
    [SYS_VM_PAGEOUT] = sys_vm_pageout,
    [SYS_VM_PIN] = sys_vm_pin,
    [SYS_VM_UNPIN] = sys_vm_unpin,
    [SYS_TASK_GRANT_DRIVER] = sys_task_grant_driver,
    [SYS_PCI_CONFIG] = sys_pci_config,
    [SYS_VM_MAP_DEVICE] = sys_vm_map_device,
    [SYS_IRQ_ATTACH] = sys_irq_attach,
    [SYS_IRQ_ACK] = sys_irq_ack,
};

void syscall_dispatch(struct syscall_regs *regs)
{
    struct task *self = task_current();
    uint64_t nr = regs->result;

    regs->result = nr < SYS_COUNT && syscall_table[nr] ? (uint64_t)syscall_table[nr](self, regs)
                                                       : (uint64_t)-ERR_NOSYS;
}
