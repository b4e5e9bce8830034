/*
 * Kernel start-up: check the loader's hand-off, bring up the CPU tables,
 * time, frames and the MMU handler, start the first boot module as the
 * first task with the kernel command line as its arguments, and become the
 * idle thread.
 */
#include <abi/errors.h>
#include <arch/arch.h>
#include <kern/boot.h>
#include <kern/console.h>
#include <kern/host.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <task/kstack.h>
#include <task/sched.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

const struct boot_info *boot_info;

/* Does module file @file match @name, exactly or with ".elf" added? */
static bool module_name_matches(const char *file, const char *name)
{
    size_t n = strlen(name);
    return strncmp(file, name, n) == 0 && (file[n] == '\0' || strcmp(file + n, ".elf") == 0);
}

const struct boot_module *boot_module_find(const char *name)
{
    for (uint32_t i = 0; i < boot_info->module_count; i++)
        if (module_name_matches(boot_info->modules[i].name, name))
            return &boot_info->modules[i];
    return NULL;
}

void boot_module_task_name(const struct boot_module *m, char *out, size_t size)
{
    size_t n = strlen(m->name);
    if (n > 4 && strcmp(m->name + n - 4, ".elf") == 0)
        n -= 4;
    strlcpy(out, m->name, MIN(size, n + 1));
}

/* Start pageout with the policy of pageout= (default clock); pageout=off leaves it out. */
static void pageout_init(const struct boot_info *bi)
{
    char value[32];
    int kind = VM_POLICY_CLOCK;

    if (cmdline_get(bi->cmdline, "pageout", value, sizeof(value))) {
        if (strcmp(value, "off") == 0)
            return;
        kind = vm_pageout_policy_by_name(value);
        if (kind < 0) {
            kprintf("boot: unknown pageout=%s, using clock\n", value);
            kind = VM_POLICY_CLOCK;
        }
    }
    if (vm_pageout_init((enum vm_policy_kind)kind) != 0)
        panic("pageout: cannot start");
}

static void memory_init(const struct boot_info *bi)
{
    char value[32];
    uint64_t limit = 0;

    if (cmdline_get(bi->cmdline, "frames", value, sizeof(value)) && !parse_u64(value, &limit))
        kprintf("boot: ignoring bad frames=%s\n", value);
    if (frame_init(bi->mem, bi->mem_count, limit, sizeof(struct vm_policy_frame)) != 0)
        panic("no memory for the frame table");
    uint64_t buckets = vm_object_hash_init(frame_total_count());
    bool pcid = !cmdline_get(bi->cmdline, "nopcid", value, sizeof(value));
    uint64_t ms;
    if (cmdline_get(bi->cmdline, "pager", value, sizeof(value)) && strcmp(value, "kernel") == 0)
        vm_default_pager_enabled = false;
    if (cmdline_get(bi->cmdline, "pager_timeout", value, sizeof(value)) && parse_u64(value, &ms))
        vm_pager_timeout_ns = ms * 1000000ULL;
    if (mmu_init(bi->boot_pml4, pcid) != MMU_OK)
        panic("mmu_init: out of memory");
    pageout_init(bi);
    kprintf("memory: %llu frames free (%llu MiB), PCID %s, %llu page hash buckets\n",
            (unsigned long long)frame_free_count(), (unsigned long long)(frame_free_count() >> 8),
            mmu_pcid_enabled() ? "on" : "off", (unsigned long long)buckets);
}

/* The FPU for user threads: fpu=eager or fpu=lazy, else lazy until a thread's first use. */
static void fpu_init(const struct boot_info *bi)
{
    char value[16];
    enum arch_fpu_mode mode = ARCH_FPU_AUTO;

    if (cmdline_get(bi->cmdline, "fpu", value, sizeof(value))) {
        if (strcmp(value, "eager") == 0)
            mode = ARCH_FPU_EAGER;
        else if (strcmp(value, "lazy") == 0)
            mode = ARCH_FPU_LAZY;
        else
            kprintf("boot: unknown fpu=%s, using the default\n", value);
    }
    arch_fpu_init(mode);
}

static void start_first_task(const struct boot_info *bi)
{
    struct task *task;

    if (bi->module_count == 0)
        panic("no boot modules: nothing to run");
    const struct boot_module *m = &bi->modules[0];
    char name[TASK_NAME_MAX];

    boot_module_task_name(m, name, sizeof(name));
    /* The first task holds the host-privilege port: it decides who else may. */
    if (host_init() != 0)
        panic("cannot make the host-privilege port: out of memory");
    struct kright host = host_priv_right();
    int err = task_spawn(name, phys_to_virt(m->phys), m->size, bi->cmdline, NULL, true, NULL, &host,
                         &task);
    if (err)
        panic("cannot start %s: error %d", m->name, err);
    kprintf("started first task %s[%u]\n", task->name, task->id);
}

void kernel_main(uint64_t boot_info_phys)
{
    struct boot_info *bi = phys_to_virt(boot_info_phys);

    arch_early_init();
    boot_info = bi;
    if (boot_info->magic != BOOT_INFO_MAGIC || boot_info->version != BOOT_INFO_VERSION ||
        boot_info->size != sizeof(struct boot_info)) {
        arch_console_write("kernel: bad boot information from the loader\n", 46);
        arch_shutdown(0x7e);
    }
    kprintf("kernel: loaded at %llx, %llu KiB, %u modules, cmdline '%s'\n",
            (unsigned long long)boot_info->kernel_phys,
            (unsigned long long)(boot_info->kernel_size >> 10), boot_info->module_count,
            boot_info->cmdline);
    arch_cpu_init();
    fpu_init(boot_info);
    console_init(boot_info->acpi_rsdp); /* reads ACPI tables: before their frames are free */
    arch_smp_prepare(bi->mem, bi->mem_count, bi->acpi_rsdp); /* edits the map: before frames */
    sched_init(); /* the run queues: memory_init starts the pageout thread */
    memory_init(boot_info);
    arch_smp_start();
    kstack_init();
    start_first_task(boot_info);
    arch_timer_start(SCHED_TICK_HZ);
    sched_start();
}
