/*
 * Stand-ins for the machine layer the scheduler and the IPC code call on the
 * host, and helpers that build fake tasks and threads. No test ever switches
 * threads: a context switch or idling is a test failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arch/arch.h>
#include <ipc/ipc_right.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <syscalls_kabi.h>
#include <vm/frame.h>

#include "host_support.h"
#include "ipc_support.h"

#include <vm/policy/vm_policy.h>

static uint64_t fake_now;

void arch_context_switch(struct arch_context *from, struct arch_context *to)
{
    (void)from, (void)to;
    panic("host test: a thread tried to switch (it would block)");
}

void arch_context_switch_user(struct arch_context *from, uint64_t stack_top)
{
    (void)from, (void)stack_top;
    panic("host test: a thread tried to switch (it would block)");
}

void arch_context_init_user(struct arch_context *ctx, uint64_t stack_top, uint64_t entry,
                            uint64_t user_sp, uint64_t arg, uint64_t arg2)
{
    (void)ctx, (void)stack_top, (void)entry, (void)user_sp, (void)arg, (void)arg2;
}

void arch_context_init_kernel(struct arch_context *ctx, uint64_t stack_top, void (*fn)(void *),
                              void *arg)
{
    (void)ctx, (void)stack_top, (void)fn, (void)arg;
}

void arch_preempt_point(void)
{
}

/* No user space is current on the host: a copy through it fails, and the fast path falls back. */
int arch_user_copy(void *dst, const void *src, size_t n)
{
    (void)dst, (void)src, (void)n;
    return 1;
}

/* The host threads never run user code: a register-state area of the FXSAVE size, never used. */
size_t arch_fpu_size(void)
{
    return 512;
}

void arch_fpu_context_init(struct arch_context *ctx)
{
    (void)ctx;
}

void arch_fpu_switch(struct arch_context *from, struct arch_context *to)
{
    (void)from, (void)to;
}

void arch_fpu_release(struct arch_context *ctx)
{
    (void)ctx;
}

/* The host has no trap frame: the registers alone sit at the top of the stack. */
struct syscall_regs *arch_user_regs(uint64_t stack_top)
{
    return (struct syscall_regs *)stack_top - 1;
}

unsigned arch_user_entry(uint64_t stack_top, uint64_t *pc, uint64_t *nr)
{
    *pc = 0;
    *nr = arch_user_regs(stack_top)->result;
    return ARCH_ENTRY_SYSCALL;
}

unsigned arch_context_backtrace(const struct arch_context *ctx, uint64_t stack_lo,
                                uint64_t stack_hi, uint64_t *pcs, unsigned max)
{
    (void)ctx, (void)stack_lo, (void)stack_hi, (void)pcs, (void)max;
    return 0;
}

void arch_set_kernel_stack(uint64_t stack_top)
{
    (void)stack_top;
}

void arch_set_user_thread_pointer(void)
{
}

uint64_t arch_cycles(void)
{
    return 0;
}

uint64_t arch_time_ns(void)
{
    return fake_now += 1000;
}

void arch_idle(void)
{
    panic("host test: idle loop reached");
}

void task_last_thread_gone(struct task *task)
{
    (void)task;
}

void ipc_test_env_init(uint64_t frames)
{
    host_memory_init(frames, 0, sizeof(struct vm_policy_frame)); /* pageout may run */
    paddr_t root = frame_alloc(FRAME_TABLE, NULL);
    assert_true(root != 0);
    memset(phys_to_virt(root), 0, PAGE_SIZE);
    assert_int_equal(mmu_init(root, false), MMU_OK);
    sched_init();
}

void ipc_test_env_fini(void)
{
    host_memory_free();
}

void ipc_test_task_init(struct task *t, uint32_t id)
{
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->state = TASK_ALIVE;
    strcpy(t->name, "ipc-test");
    list_init(&t->threads);
    list_init(&t->children);
    list_init(&t->sibling);
    list_init(&t->all_link);
    wait_queue_init(&t->exit_waiters);
    assert_int_equal(vm_map_init(&t->map), 0);
    assert_int_equal(ipc_space_init(&t->ipc), 0);
}

void ipc_test_task_destroy(struct task *t)
{
    ipc_space_destroy(&t->ipc);
    vm_map_destroy(&t->map);
}

void ipc_test_map_region(struct task *t, vaddr_t va, size_t size)
{
    assert_int_equal(vm_map_enter(&t->map, va, size, MMU_PROT_READ | MMU_PROT_WRITE, NULL, 0, NULL),
                     0);
}

int64_t ipc_test_port_op(struct task *t, enum ipc_port_op op, uint64_t a1, uint64_t a2)
{
    return sys_port_op(t, op, (port_name_t)a1, a2); /* truncated as the decoder does */
}

port_name_t ipc_test_port_allocate(struct task *t)
{
    int64_t name = ipc_test_port_op(t, PORT_OP_ALLOCATE, IPC_RIGHT_RECEIVE, 0);

    assert_true(name > 0);
    return (port_name_t)name;
}

void ipc_test_thread_block(struct thread *th, struct task *task, struct wait_queue *wq)
{
    memset(th, 0, sizeof(*th));
    th->task = task;
    th->state = THREAD_BLOCKED;
    th->waiting_on = wq;
    th->wake_result = 12345;
    thread_links_init(th);
    list_push_back(&wq->threads, &th->run_link);
}

void ipc_test_thread_forget(struct thread *th)
{
    list_remove(&th->run_link);
    sched_cancel_deadline(th);
}

/* Check and take the right @name of @t denotes with @disp (the test fails if refused). */
struct kright ipc_test_right_take(struct task *t, port_name_t name, unsigned disp)
{
    struct ipc_entry *e = NULL;

    assert_int_equal(ipc_right_check(&t->ipc, name, disp, &e), 0);
    assert_ptr_equal(e, ipc_entry_lookup(&t->ipc, name));
    return ipc_right_take(&t->ipc, name, e, disp);
}

/* Move the right @name of @from denotes with @disp into @to; its name there. */
port_name_t ipc_test_right_transfer(struct task *from, port_name_t name, unsigned disp,
                                    struct task *to)
{
    struct kright r = ipc_test_right_take(from, name, disp);
    port_name_t got = ipc_right_install(to, &r);

    assert_null(r.port); /* consumed */
    assert_int_not_equal(got, PORT_NULL);
    return got;
}

int ipc_test_group_setup(void **state)
{
    (void)state;
    ipc_test_env_init(1024);
    return 0;
}

int ipc_test_group_teardown(void **state)
{
    (void)state;
    ipc_test_env_fini();
    return 0;
}
