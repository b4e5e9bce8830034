/*
 * Threads and the round-robin scheduler. One CPU, interrupts off in the
 * kernel: a thread gives up the CPU only by blocking, yielding, exiting, or
 * being preempted by the timer while in user mode or idle. A dead thread's
 * stack cannot be freed while it runs on it, so the next thread frees it
 * right after the switch (sched_finish_switch).
 */
#include <abi/errors.h>
#include <arch/arch.h>
#include <ipc/ipc.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <task/kstack.h>
#include <task/sched.h>
#include <task/task.h>

static struct list_node run_queue = LIST_INIT(run_queue);
static struct list_node sleepers = LIST_INIT(sleepers); /* sorted by wake_ns */
static struct thread idle_thread;
struct thread *sched_current = &idle_thread;
#define current sched_current
static struct thread *dead_thread; /* to be freed after the next switch */
static uint32_t next_thread_id = 1;

void sched_init(void)
{
    idle_thread.state = THREAD_RUNNING;
    idle_thread.kstack_slot = -1;
    list_init(&idle_thread.run_link);
    list_init(&idle_thread.sleep_link);
    list_init(&idle_thread.task_link);
}

/* A new thread with its kernel stack, not yet ready; NULL when out of memory. */
static struct thread *thread_alloc(void)
{
    struct thread *t = kzalloc(sizeof(*t));
    if (!t)
        return NULL;
    t->kstack_slot = kstack_alloc(&t->kstack_top);
    if (t->kstack_slot < 0) {
        kfree(t);
        return NULL;
    }
    t->id = next_thread_id++;
    list_init(&t->run_link);
    list_init(&t->sleep_link);
    list_init(&t->task_link);
    return t;
}

struct thread *thread_create_user(struct task *task, uint64_t entry, uint64_t user_sp, uint64_t arg,
                                  uint64_t arg2)
{
    KASSERT(task && task->state != TASK_ZOMBIE);
    struct thread *t = thread_alloc();
    if (!t)
        return NULL;
    t->task = task;
    arch_context_init_user(&t->ctx, t->kstack_top, entry, user_sp, arg, arg2);
    list_push_back(&task->threads, &t->task_link);
    task->nthreads++;
    sched_make_ready(t);
    return t;
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg)
{
    struct thread *t = thread_alloc();
    if (!t)
        return NULL;
    arch_context_init_kernel(&t->ctx, t->kstack_top, fn, arg);
    sched_make_ready(t);
    return t;
}

/* Take @t off its wait queue and the sleep queue and give it @result. */
static void unblock(struct thread *t, int result)
{
    KASSERT(t->state == THREAD_BLOCKED);
    list_remove(&t->run_link);
    list_remove(&t->sleep_link);
    t->waiting_on = NULL;
    t->wake_result = result;
}

void sched_make_ready(struct thread *t)
{
    KASSERT(t->state != THREAD_READY && t->state != THREAD_DEAD && list_empty(&t->run_link));
    t->state = THREAD_READY;
    t->waiting_on = NULL;
    list_push_back(&run_queue, &t->run_link);
}

/*
 * A thread that blocked (on I/O, a message, a page, a sleep) and is woken
 * goes to the front of the run queue, ahead of threads that were preempted
 * with time slices used up: a task that waits for the disk gets the CPU as
 * soon as its page is there, while a CPU-bound task still gets every slice
 * the others leave, since a woken thread soon blocks again.
 */
static void make_ready_woken(struct thread *t)
{
    KASSERT(t->state == THREAD_BLOCKED && list_empty(&t->run_link));
    t->state = THREAD_READY;
    t->waiting_on = NULL;
    list_push_front(&run_queue, &t->run_link);
}

static struct mmu_space *space_of(struct thread *t)
{
    return t->task ? &t->task->map.space : mmu_kernel_space();
}

/* Switch from the current thread to @next; returns when the caller runs again. */
static void switch_to(struct thread *next)
{
    struct thread *prev = current;
    uint64_t now = arch_cycles();

    KASSERT(next != prev && next->state != THREAD_DEAD);

    prev->cpu_cycles += now - prev->run_start;
    next->run_start = now;
    next->state = THREAD_RUNNING;
    current = next;
    if (next->kstack_top)
        arch_set_kernel_stack(next->kstack_top);
    if (mmu_current() != space_of(next)) {
        mmu_switch(space_of(next));
        if (next->task)
            arch_set_user_thread_pointer(); /* the last task may have moved its own */
    }
    arch_context_switch(&prev->ctx, &next->ctx);
    sched_finish_switch();
}

/*
 * Pick the next thread and run it. A caller that wants to stay runnable
 * leaves its state THREAD_RUNNING; blocked or dead callers set it first.
 */
static void schedule(void)
{
    struct thread *prev = current;

    if (prev->state == THREAD_RUNNING && prev != &idle_thread) {
        prev->state = THREAD_READY;
        list_push_back(&run_queue, &prev->run_link);
    }
    struct list_node *n = list_pop_front(&run_queue);
    struct thread *next = n ? list_entry(n, struct thread, run_link) : &idle_thread;

    if (next == prev) {
        prev->state = THREAD_RUNNING;
        return;
    }
    switch_to(next);
}

void sched_finish_switch(void)
{
    struct thread *dead = dead_thread;

    if (dead) {
        dead_thread = NULL;
        thread_destroy(dead);
    }
}

void sched_yield(void)
{
    schedule();
}

/* Arm a deadline for the current thread: keep the sleep queue sorted. */
static void arm_deadline(uint64_t deadline)
{
    struct list_node *pos;

    KASSERT(list_empty(&current->sleep_link));
    current->wake_ns = deadline;
    list_for_each(pos, &sleepers)
    {
        if (list_entry(pos, struct thread, sleep_link)->wake_ns > deadline)
            break;
    }
    list_insert_between(&current->sleep_link, pos->prev, pos);
}

void sched_prepare_block(struct wait_queue *wq, uint64_t deadline)
{
    KASSERT(current != &idle_thread && current->state == THREAD_RUNNING && !current->waiting_on);
    current->state = THREAD_BLOCKED;
    current->waiting_on = wq;
    current->wake_result = 0;
    if (wq)
        list_push_back(&wq->threads, &current->run_link);
    if (deadline != UINT64_MAX)
        arm_deadline(deadline);
}

int sched_block_timeout(struct wait_queue *wq, uint64_t deadline)
{
    sched_prepare_block(wq, deadline);
    schedule();
    return current->wake_result;
}

int sched_block(struct wait_queue *wq)
{
    return sched_block_timeout(wq, UINT64_MAX);
}

struct thread *sched_wake_one(struct wait_queue *wq, int result)
{
    if (list_empty(&wq->threads))
        return NULL;
    struct thread *t = list_entry(wq->threads.next, struct thread, run_link);
    unblock(t, result);
    make_ready_woken(t);
    return t;
}

void sched_wake_all(struct wait_queue *wq, int result)
{
    while (sched_wake_one(wq, result))
        ;
}

int sched_handoff(struct thread *next, int result)
{
    KASSERT(next->state == THREAD_BLOCKED && current->state == THREAD_BLOCKED);
    unblock(next, result);
    switch_to(next);
    return current->wake_result;
}

void sched_sleep_until(uint64_t deadline)
{
    sched_block_timeout(NULL, deadline);
}

void sched_tick(void)
{
    uint64_t now = arch_time_ns();
    struct list_node *n;

    while ((n = sleepers.next) != &sleepers &&
           list_entry(n, struct thread, sleep_link)->wake_ns <= now) {
        struct thread *t = list_entry(n, struct thread, sleep_link);
        unblock(t, -ERR_TIMEOUT);
        make_ready_woken(t);
    }
    sched_preempt();
}

void sched_preempt(void)
{
    if (current != &idle_thread || !list_empty(&run_queue))
        schedule();
}

void thread_destroy(struct thread *t)
{
    struct task *task = t->task;

    KASSERT(t != current && task);
    list_remove(&t->run_link);
    list_remove(&t->sleep_link);
    list_remove(&t->task_link);
    ipc_thread_cleanup(t);
    kstack_free(t->kstack_slot);
    task->dead_cpu_cycles += t->cpu_cycles;
    task->nthreads--;
    kfree(t);
    if (task->nthreads == 0)
        task_last_thread_gone(task);
}

void thread_exit_current(void)
{
    KASSERT(current != &idle_thread && !dead_thread);
    current->state = THREAD_DEAD;
    dead_thread = current;
    schedule();
    panic("dead thread resumed");
}

void sched_start(void)
{
    for (;;) {
        arch_idle();
        if (!list_empty(&run_queue))
            schedule();
    }
}
