/*
 * The system call ABI shared by the kernel and libipc: the flags and the
 * structures the calls exchange. The calls themselves (numbers, each call's
 * arguments in order, up to six, and its result, negative: -ERR_*) are
 * defined once in libipc/idl/syscalls.idl, from which tools/idlgen generates
 * the numbers (syscalls_numbers.h), the user stubs and the kernel's dispatch.
 * SYS_IPC also carries four message words (abi/ipc.h). Which registers hold
 * them is the machine's binding, written once on each side:
 * microkernel/arch/x86_64/arch_x86_64.h (struct trap_frame) for the kernel
 * and libipc (ipc/sys_call.h, src/ipc.c) for user programs.
 */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

#include <stdint.h>

/*
 * The thread pointer (on x86-64 the FS base) of every user thread: the
 * kernel loads it whenever it enters a task's address space, so what one
 * task does to its own never reaches another. The runtime puts its thread
 * control block there (libipc/user.ld), with the stack protector's canary
 * at offset 0x28 as compilers expect (docs/runtime.md).
 */
#define ABI_USER_THREAD_POINTER 0x3ff000ULL

/* Protection bits of SYS_VM_ALLOCATE and SYS_VM_MAP. */
#define VM_PROT_READ 0x1
#define VM_PROT_WRITE 0x2
#define VM_PROT_EXEC 0x4
/* SYS_VM_ALLOCATE: serve the region with the in-kernel pager even when a
 * default pager is registered (the baseline of the pager benchmarks). */
#define VM_ALLOC_KERNEL_PAGER 0x100
/* SYS_VM_ALLOCATE and SYS_VM_MAP: the tasks of a job (TASK_SPAWN_JOB) hold at
 * most this many memory objects served by external pagers (each costs its
 * pager a name); past it, and while the pager's name table is nearly full,
 * they fail with -ERR_LIMIT. */
#define VM_PAGED_OBJECTS_MAX 1024u

/* SYS_TASK_SPAWN flags; DRIVER, HOST_PRIV and JOB need the caller's host-privilege right. */
#define TASK_SPAWN_DRIVER 0x1u    /* a driver from the start */
#define TASK_SPAWN_HOST_PRIV 0x2u /* the child gets a send right to the host-privilege port */
/* The child starts with a copy of the caller's exception port (none if it has none):
 * its first fault already goes there, with no window before the parent could set it. */
#define TASK_SPAWN_EXC_INHERIT 0x4u
/* The child starts a job of its own. Without it, it joins the caller's job, and
 * the job's bounds are shared: at most 64 tasks (alive, or ended and still
 * holding something) and VM_PAGED_OBJECTS_MAX objects of external pagers. */
#define TASK_SPAWN_JOB 0x8u
/*
 * SYS_TASK_SPAWN's argument string: at most this many bytes with its NUL
 * (longer strings are cut). The program's runtime splits it into argv[1..]
 * (lib/cmdline.h).
 */
#define TASK_ARGS_MAX 512
#define TASK_ARGV_MAX 64 /* the most words the runtime splits it into */

struct vm_stat {
    uint64_t frames_total; /* frames the kernel manages */
    uint64_t frames_free;
    uint64_t faults;         /* page faults resolved since boot */
    uint64_t zero_fills;     /* pages supplied zero filled */
    uint64_t image_copies;   /* pages copied from an executable image */
    uint64_t pager_requests; /* data_requests sent to external pagers */
    uint64_t pager_supplies; /* data_supply messages accepted */
    /* Frames in use by kind: kernel objects (slabs, name tables, messages),
     * page tables, kernel stacks, and pages of memory objects. */
    uint64_t frames_kernel, frames_table, frames_kstack, frames_user;
    uint64_t pageouts;  /* pages pushed out of memory */
    uint64_t store_ins; /* pages read back from the in-kernel pager's store */
    /* Pageout: pages the pageout thread dropped clean and sent dirty to
     * their pager, frames on their way to a pager, faults that waited for
     * frames, and the reserve only pagers and drivers may use. */
    uint64_t evict_clean, evict_dirty;
    uint64_t frames_laundry;
    uint64_t throttled;
    uint64_t frames_reserve;
    /* The four times the OS does paging work (section 3.6.1): address
     * spaces created (task creation), address-space switches (process
     * switch; faults are above), and at exit the spaces torn down and the
     * pages they still mapped. */
    uint64_t spaces_created, space_switches, spaces_destroyed, exit_pages;
    /* Pager credits (docs/design.md): the default share of one pager and
     * the cap of all together, in frames below the reserve; frames taken on
     * credit; faults of pagers that waited on spent credit; the times
     * pageout held a modified page back from an ordinary pager (spent
     * credit or a full queue); the most one pager held at once in an
     * episode of pressure. */
    uint64_t credit_share, credit_cap;
    uint64_t credit_taken, credit_waits;
    uint64_t returns_deferred;
    uint64_t credit_max;
    /* Pages mapped next to a fault an external pager served, from the
     * same answer (docs/pager.md, "Clusters"): faults that never happen. */
    uint64_t mapped_around;
    /* User faults an external pager's answer completed: the kernel mapped
     * the page while handling the answer, and the thread resumed without
     * looking the fault up again (docs/pager.md, "The fault fast path"). */
    uint64_t faults_resumed;
    /* Pages a pager's supply had mapped (PAGER_SUPPLY_MAP: a working set
     * brought back ahead of its faults; docs/pager.md, "Prefetch"). */
    uint64_t mapped_supplied;
};
_Static_assert(sizeof(struct vm_stat) == 248, "vm_stat layout");

/* SYS_VM_QUERY: the state of one page of the caller (a test and debugging aid). */
struct vm_query {
    uint64_t frame; /* physical frame number, valid when resident */
    uint32_t resident;
    uint32_t prot; /* VM_PROT_* of the region, 0 when no region covers it */
};
_Static_assert(sizeof(struct vm_query) == 16, "vm_query layout");

/* SYS_VM_FAULT_TRACE: cycle counter readings along the last fault that went
 * to an external pager (the IPC overhead breakdown of tools/bench fault). */
struct vm_fault_trace {
    uint64_t trap;     /* the fault entered the kernel */
    uint64_t request;  /* data_request queued for the pager */
    uint64_t supplied; /* the pager's answer filled the page */
    uint64_t resumed;  /* the faulting thread returns to user mode */
};
_Static_assert(sizeof(struct vm_fault_trace) == 32, "vm_fault_trace layout");

/* How a task ended. */
enum task_end {
    TASK_END_EXIT = 1,   /* called SYS_EXIT, or its last thread exited */
    TASK_END_FAULT = 2,  /* killed by an unresolvable fault */
    TASK_END_KILLED = 3, /* killed by SYS_TASK_KILL */
};

struct task_status {
    int32_t end;         /* enum task_end */
    int32_t code;        /* exit status for TASK_END_EXIT */
    uint64_t fault_addr; /* TASK_END_FAULT: faulting address */
};
_Static_assert(sizeof(struct task_status) == 16, "task_status layout");

struct task_info {
    uint64_t cpu_ns;         /* CPU time used by all its threads */
    uint64_t resident_pages; /* user pages mapped */
    uint32_t threads;        /* live threads */
    uint32_t reserve_share;  /* frames of the reserve it may use as a pager, 0: the default */
    uint32_t alive;          /* 1 running, 0 ended and not yet waited for */
    uint32_t id, parent;     /* the task's id and its parent's (0: none) */
    uint32_t flags;          /* TASK_INFO_* */
    uint64_t pinned_pages;   /* pages pinned (sys_vm_pin) */
    uint64_t regions;        /* regions in its address map */
    char name[32];           /* its boot module's name */
};
_Static_assert(sizeof(struct task_info) == 88, "task_info layout");
#define TASK_INFO_DRIVER 1u /* driver access granted */

/*
 * SYS_TASK_ACCT: what a task holds (its account): frames by kind and kernel
 * objects. Figures outlive the task while it still holds something.
 */
struct task_acct {
    uint32_t task;
    uint32_t flags;                   /* TASK_ACCT_ENDED */
    uint64_t frames_user;             /* pages of its memory objects, messages queued to it */
    uint64_t frames_table;            /* page tables of its address map */
    uint64_t frames_kstack;           /* its threads' kernel stacks */
    uint64_t frames_kernel;           /* its name table's pages, large message bodies */
    uint64_t ports, objects, threads; /* receive rights, memory objects, threads */
};
_Static_assert(sizeof(struct task_acct) == 64, "task_acct layout");
#define TASK_ACCT_WAIT 1u  /* request: block until the task has ended and released what it held */
#define TASK_ACCT_ENDED 1u /* answer: the task has ended */
#define TASK_INFO_KERNEL_PAGED 2u /* its memory is wired and served by the kernel */
#define TASK_INFO_PAGER 4u        /* it serves memory objects (receives pager messages) */

/* SYS_VM_REGION_INFO: one region of a task's address map. */
struct vm_region_info {
    uint64_t start, size; /* bytes */
    uint32_t prot;        /* VM_PROT_* */
    uint32_t pager;       /* VM_REGION_PAGER_*: who serves its object */
    uint32_t pager_task;  /* external: the task holding the pager port's receive right, 0 if none */
    uint32_t wired;       /* its pages are never evicted */
    uint64_t resident;    /* pages of its object with a frame */
    uint64_t stored;      /* in-kernel pager: pages only its store holds */
    uint64_t returned;    /* external: pages pushed back to the pager, since creation */
    uint64_t object_size; /* bytes */
};
_Static_assert(sizeof(struct vm_region_info) == 64, "vm_region_info layout");
#define VM_REGION_PAGER_KERNEL 1u
#define VM_REGION_PAGER_EXTERNAL 2u
#define VM_REGION_PAGER_DEVICE 3u

/*
 * SYS_KERN_STAT: how long the kernel ran without a preemption point
 * (docs/design.md, "Bounded kernel work"), and counts a regression test or
 * a fuzzer checks.
 */
struct kern_stat {
    uint64_t stretch_max_ns;     /* the longest non-preemptible stretch since the last reset
                                  * (measured from the first SYS_KERN_STAT_RESET on; 0 before) */
    uint64_t stretch_max_cycles; /* the same in cycles (the TSC: instructions under icount) */
    uint32_t stretch_max_what;   /* its entry: a system call number, or KERN_STRETCH_* */
    uint32_t dead_name_requests; /* the caller's dead-name requests (at most 64) */
    uint64_t preempt_points;     /* preemption points passed since boot */
    uint64_t kernel_preemptions; /* of them, those where another thread ran */
    uint64_t objects_created;    /* memory objects created since boot */
    uint64_t objects_live;       /* memory objects that exist now */
    uint64_t idle_ns;            /* time the CPU spent idle since boot (waiting for a device) */
};
_Static_assert(sizeof(struct kern_stat) == 64, "kern_stat layout");
/*
 * SYS_CPU_INFO: the CPUs the ACPI tables list (enabled or online capable,
 * at most CPU_INFO_MAX), how many of them started and which run threads,
 * the CPU the caller runs on, and counts since boot of the work they share
 * (docs/design.md, "Several CPUs").
 */
#define CPU_INFO_MAX 16
struct cpu_info {
    uint32_t found;                  /* CPUs found (1 without ACPI tables) */
    uint32_t online;                 /* of them, those that started */
    uint32_t apic_id[CPU_INFO_MAX];  /* local APIC ids of the first @found, the boot CPU first */
    uint32_t cpu;                    /* the CPU the caller runs on (0: the boot CPU) */
    uint32_t running;                /* bit i: CPU i runs threads */
    uint64_t switches[CPU_INFO_MAX]; /* threads switched in on each CPU */
    uint64_t remote_kills;           /* threads whose task ended while they ran on another CPU */
    uint64_t shootdowns;             /* TLB shootdowns: interrupts other CPUs answered */
    uint64_t steals;                 /* ready threads a CPU took from another's run queue */
    uint64_t shootdown_batches;      /* of the shootdowns, batches pageout gathered (mmu.h) */
    uint64_t shootdown_batch_pages;  /* pages those batches carried */
    uint64_t irqs[CPU_INFO_MAX];     /* device interrupts (drivers' vectors) each CPU took */
};
_Static_assert(sizeof(struct cpu_info) == 376, "cpu_info layout");
/*
 * SYS_IPC_STAT: the calling task's messages that the IPC fast paths took
 * since it started (docs/design.md, "Fast path"); every other one took the
 * general path.
 */
struct ipc_stat {
    uint64_t fast_calls;   /* its IPC_CALLs written straight into a waiting receiver */
    uint64_t fast_replies; /* its replies (with the next receive) written into the caller */
};
_Static_assert(sizeof(struct ipc_stat) == 16, "ipc_stat layout");

#define KERN_STRETCH_TRAP 0x100u /* | vector: an interrupt or exception */
#define KERN_STRETCH_IDLE 0x200u /* woken from the idle loop */

#include <abi/trace.h> /* the fault-trace system calls' stamps */

#endif
