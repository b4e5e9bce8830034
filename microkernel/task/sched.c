/*
 * Threads and the round-robin scheduler, a run queue per CPU. Interrupts
 * are off in the kernel, and on several CPUs the kernel runs under one lock
 * (arch/x86_64/smp.c): a thread gives up its CPU only by blocking,
 * yielding, exiting, or being preempted by the timer while in user mode,
 * idle, or at a preemption point of long kernel work. A thread that
 * becomes ready joins the queue of the CPU it last ran on, or of a CPU of
 * its affinity that idles (which is woken); a CPU whose queue is empty
 * takes a thread from another's (the balancing). A dead thread's stack
 * cannot be freed while it runs on it, so the next thread frees it right
 * after the switch (sched_finish_switch).
 */
#include <abi/errors.h>
#include <arch/arch.h>
#include <ipc/ipc.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <task/kstack.h>
#include <task/sched.h>
#include <task/sched_queue.h>
#include <task/task.h>
#include <vm/frame.h>

static struct sched_queues queues;
static uint32_t idle_cpus; /* bit i: CPU i halts in its idle loop, to be kicked for work */
/* The threads with a deadline armed, earliest first: insert O(1), the
 * earliest or any other out in O(log n) amortised, whatever the number. */
static bool deadline_before(const struct pheap_node *a, const struct pheap_node *b);
static struct pheap sleepers = {NULL, deadline_before};
static uint64_t deadlines_armed; /* wake_seq of the next deadline armed */
static struct thread idle_threads[ARCH_MAX_CPUS];
static struct sched_cpu sched_cpus[ARCH_MAX_CPUS];
static uint32_t next_thread_id = 1;

static bool deadline_before(const struct pheap_node *a, const struct pheap_node *b)
{
    const struct thread *ta = container_of(a, struct thread, sleep_node);
    const struct thread *tb = container_of(b, struct thread, sleep_node);

    return ta->wake_ns < tb->wake_ns || (ta->wake_ns == tb->wake_ns && ta->wake_seq < tb->wake_seq);
}

static const char *const thread_states[] = {
    [THREAD_READY] = "ready",
    [THREAD_RUNNING] = "running",
    [THREAD_BLOCKED] = "blocked",
    [THREAD_DEAD] = "dead",
};

#define REPORT_PCS 8 /* kernel return addresses a report prints */

void thread_report(const struct thread *t, const char *prefix, const char *waits)
{
    uint64_t pc = 0, nr = 0, pcs[REPORT_PCS], now = arch_time_ns();
    char line[200];
    unsigned n = 0;
    int len = snprintf(line, sizeof(line), "%sthread %u %s%s", prefix, t->id,
                       thread_states[t->state], waits);

    if (thread_deadline_armed(t) && len < (int)sizeof(line))
        len += snprintf(line + len, sizeof(line) - len, ", deadline in %lld ms",
                        (long long)(t->wake_ns - now) / 1000000);
    if (!t->task) {
        kprintf("%s, a kernel thread\n", line);
    } else {
        unsigned vector = arch_user_entry(t->kstack_top, &pc, &nr);
        if (vector == ARCH_ENTRY_SYSCALL)
            kprintf("%s, in system call %llu, pc %llx\n", line, (unsigned long long)nr,
                    (unsigned long long)pc);
        else
            kprintf("%s, entered by vector %u, pc %llx\n", line, vector, (unsigned long long)pc);
    }
    if (t != thread_current() && t->kstack_top)
        n = arch_context_backtrace(&t->ctx, t->kstack_top - KSTACK_PAGES * PAGE_SIZE, t->kstack_top,
                                   pcs, REPORT_PCS);
    if (n == 0)
        return;
    len = snprintf(line, sizeof(line), "%s  kernel:", prefix);
    for (unsigned i = 0; i < n && len < (int)sizeof(line); i++)
        len += snprintf(line + len, sizeof(line) - len, " %llx", (unsigned long long)pcs[i]);
    kprintf("%s\n", line);
}

void thread_links_init(struct thread *t)
{
    list_init(&t->run_link);
    pheap_node_init(&t->sleep_node);
    list_init(&t->task_link);
}

void sched_cancel_deadline(struct thread *t)
{
    if (thread_deadline_armed(t))
        pheap_remove(&sleepers, &t->sleep_node);
}

/* This CPU's scheduler state, with its idle thread as the running one (the caller). */
static void sched_cpu_init(void)
{
    unsigned id = arch_cpu_id();
    struct thread *idle = &idle_threads[id];

    idle->state = THREAD_RUNNING;
    idle->kstack_slot = -1;
    idle->cpu = (uint8_t)id;
    thread_links_init(idle);
    sched_cpus[id].idle = idle;
    arch_cpu_word_set(ARCH_CPU_SCHED, (uintptr_t)&sched_cpus[id]);
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)idle);
}

uint64_t sched_cpu_switches(unsigned cpu)
{
    return cpu < ARCH_MAX_CPUS ? sched_cpus[cpu].switches : 0;
}

uint64_t sched_cpu_steals(unsigned cpu)
{
    return cpu < ARCH_MAX_CPUS ? queues.steals[cpu] : 0;
}

void sched_init(void)
{
    sched_queues_init(&queues);
    sched_cpu_init();
}

/*
 * A new thread with its kernel stack and, for a user thread (@user), its
 * register-state area in the clean initial state; not yet ready. NULL when
 * out of memory.
 */
static struct thread *thread_alloc(bool user)
{
    struct thread *t = kzalloc(sizeof(*t));
    if (!t)
        return NULL;
    t->kstack_slot = kstack_alloc(&t->kstack_top);
    t->ctx.fpu = user ? kzalloc(arch_fpu_size()) : NULL;
    if (t->kstack_slot < 0 || (user && !t->ctx.fpu)) {
        if (t->kstack_slot >= 0)
            kstack_free(t->kstack_slot);
        kfree(t->ctx.fpu);
        kfree(t);
        return NULL;
    }
    if (user)
        arch_fpu_context_init(&t->ctx);
    t->id = next_thread_id++;
    thread_links_init(t);
    return t;
}

struct thread *thread_create_user(struct task *task, uint64_t entry, uint64_t user_sp, uint64_t arg,
                                  uint64_t arg2)
{
    KASSERT(task && task->state != TASK_ZOMBIE);
    struct thread *t = thread_alloc(true);
    if (!t)
        return NULL;
    t->task = task;
    t->acct = task->acct;
    acct_object(task->acct, ACCT_OBJ_THREAD, 1);
    arch_context_init_user(&t->ctx, t->kstack_top, entry, user_sp, arg, arg2);
    list_push_back(&task->threads, &t->task_link);
    task->nthreads++;
    sched_make_ready(t);
    return t;
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg)
{
    struct thread *t = thread_alloc(false);
    if (!t)
        return NULL;
    arch_context_init_kernel(&t->ctx, t->kstack_top, fn, arg);
    sched_make_ready(t);
    return t;
}

/* Interrupt CPU @cpu (another) to schedule: it gave up halting, if it halted. */
static void kick_cpu(unsigned cpu)
{
    idle_cpus &= ~(1u << cpu);
    arch_cpu_kick(cpu);
}

/*
 * Queue ready thread @t (sched_queue_put) and interrupt the CPU that gets
 * it, if another: when it idles, and for a thread that was woken (@front),
 * also when it is busy. A woken thread runs ahead of those that used their
 * time slices (make_ready_woken): it should not wait for the busy CPU's
 * next tick, least of all a pager or driver kept to that CPU.
 */
static void enqueue(struct thread *t, bool front)
{
    unsigned cpu = sched_queue_put(&queues, t, front, arch_cpus_running(), idle_cpus);

    if (cpu != arch_cpu_id() && (front || ((idle_cpus >> cpu) & 1)))
        kick_cpu(cpu);
}

/* Wake the idle CPUs of @cpus (they were given threads). */
static void kick_cpus(uint32_t cpus)
{
    for (cpus &= idle_cpus & ~(1u << arch_cpu_id()); cpus; cpus &= cpus - 1)
        kick_cpu((unsigned)__builtin_ctz(cpus));
}

/* Take @t off its wait queue and the sleep queue and give it @result. */
static void unblock(struct thread *t, int result)
{
    KASSERT(t->state == THREAD_BLOCKED);
    list_remove(&t->run_link);
    sched_cancel_deadline(t);
    t->waiting_on = NULL;
    t->wake_result = result;
}

void sched_make_ready(struct thread *t)
{
    KASSERT(t->state != THREAD_READY && t->state != THREAD_DEAD && list_empty(&t->run_link));
    t->state = THREAD_READY;
    t->waiting_on = NULL;
    enqueue(t, false);
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
    enqueue(t, true);
}

static struct mmu_space *space_of(struct thread *t)
{
    return t->task ? &t->task->map.space : mmu_kernel_space();
}

/* Make @next the current thread, all but its stack; returns the previous one. (Inlined in
 * both switches: a call more costs each of them 6 ticks.) */
static inline __attribute__((always_inline)) struct thread *switch_prepare(struct thread *next)
{
    struct thread *prev = thread_current();
    uint64_t now = arch_cycles();

    KASSERT(next != prev && next->state != THREAD_DEAD);

    prev->cpu_cycles += now - prev->run_start;
    next->run_start = now;
    next->state = THREAD_RUNNING;
    next->cpu = (uint8_t)arch_cpu_id();
    sched_cpu()->switches++;
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)next);
    acct_switch(next->acct);
    if (next->kstack_top)
        arch_set_kernel_stack(next->kstack_top);
    if (mmu_current() != space_of(next)) {
        mmu_switch(space_of(next));
        if (next->task)
            arch_set_user_thread_pointer(); /* the last task may have moved its own */
    }
    arch_fpu_switch(&prev->ctx, &next->ctx);
    return prev;
}

/* Switch from the current thread to @next; returns when the caller runs again. */
static void switch_to(struct thread *next)
{
    struct thread *prev = switch_prepare(next);

    arch_context_switch(&prev->ctx, &next->ctx);
    sched_finish_switch();
}

/* When the CPU went idle, 0 while it is not: the interrupt that ends it may switch away at once. */
static void idle_end(void)
{
    struct sched_cpu *c = sched_cpu();

    if (c->idle_since) {
        sched_stretch.idle_cycles += arch_cycles() - c->idle_since;
        c->idle_since = 0;
    }
}

/*
 * Pick the next thread and run it. A caller that wants to stay runnable
 * leaves its state THREAD_RUNNING; blocked or dead callers set it first.
 */
static void schedule(void)
{
    struct sched_cpu *c = sched_cpu();
    struct thread *prev = thread_current();
    unsigned me = arch_cpu_id();
    uint32_t running = arch_cpus_running(), kick = 0;

    /* The next thread first: a thread that yields or is preempted lets one
     * waiting on another CPU run here when none waits on this one (the
     * balancing between busy CPUs; idle ones take work as they wake). */
    struct thread *next = sched_queue_take(&queues, me, running, idle_cpus, &kick);
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        if (!next && sched_runs_here(prev))
            return; /* nothing else to run here: it goes on */
        prev->state = THREAD_READY;
        /* The back of this CPU's queue (idle CPUs do not count: one that
         * wakes takes it), or of one it may use if its affinity changed. */
        unsigned cpu = sched_queue_put(&queues, prev, false, running, 0);
        if (__builtin_expect(cpu != me, 0))
            kick |= 1u << cpu;
        if (!next)
            next = sched_queue_take(&queues, me, running, idle_cpus, &kick);
    }
    if (__builtin_expect(kick != 0, 0))
        kick_cpus(kick);
    if (!next)
        next = c->idle;
    if (next == prev) {
        prev->state = THREAD_RUNNING;
        return;
    }
    if (prev == c->idle) {
        idle_end();
        idle_cpus &= ~(1u << me);
    }
    switch_to(next);
}

void sched_finish_switch(void)
{
    struct sched_cpu *c = sched_cpu();
    struct thread *dead = c->dead;

    if (dead) {
        c->dead = NULL;
        thread_destroy(dead);
    }
}

void sched_yield(void)
{
    schedule();
}

/* Arm a deadline for the current thread. */
static void arm_deadline(uint64_t deadline)
{
    struct thread *self = thread_current();

    KASSERT(!thread_deadline_armed(self));
    self->wake_ns = deadline;
    self->wake_seq = deadlines_armed++;
    pheap_insert(&sleepers, &self->sleep_node);
}

/* Mark the current thread blocked on @wq (NULL: none) with @deadline armed, not switching yet. */
static inline __attribute__((always_inline)) void sched_prepare_block(struct wait_queue *wq,
                                                                      uint64_t deadline)
{
    struct thread *self = thread_current();

    KASSERT(self != sched_cpu()->idle && self->state == THREAD_RUNNING && !self->waiting_on);
    self->state = THREAD_BLOCKED;
    self->waiting_on = wq;
    self->wake_result = 0;
    if (wq)
        list_push_back(&wq->threads, &self->run_link);
    if (deadline != UINT64_MAX)
        arm_deadline(deadline);
}

int sched_block_timeout(struct wait_queue *wq, uint64_t deadline)
{
    sched_prepare_block(wq, deadline);
    schedule();
    return thread_current()->wake_result;
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

bool sched_runs_here_masked(const struct thread *t)
{
    return (sched_allowed(t, arch_cpus_running()) >> arch_cpu_id()) & 1;
}

int64_t sched_set_affinity(struct thread *t, uint32_t cpus)
{
    uint32_t old = t->affinity;

    if (cpus && !(cpus & arch_cpus_running()))
        return -ERR_INVAL;
    t->affinity = cpus;
    if (t == thread_current() && !sched_runs_here(t))
        schedule(); /* it stays runnable: schedule() queues it where it may run */
    return old;
}

int sched_block_handoff(struct wait_queue *wq, uint64_t deadline, struct thread *next, int result)
{
    KASSERT(next->state == THREAD_BLOCKED);
    if (__builtin_expect(!sched_runs_here(next), 0)) {
        unblock(next, result); /* pinned elsewhere: it runs there */
        make_ready_woken(next);
        return sched_block_timeout(wq, deadline);
    }
    sched_prepare_block(wq, deadline);
    unblock(next, result);
    switch_to(next);
    return thread_current()->wake_result;
}

int sched_block_handoff_user(struct wait_queue *wq, uint64_t deadline, struct thread *next,
                             int result, bool (*resume)(struct thread *next))
{
    KASSERT(next->state == THREAD_BLOCKED && next->task && !sched_cpu()->dead &&
            sched_runs_here(next));
    sched_prepare_block(wq, deadline);
    unblock(next, result);
    struct thread *prev = switch_prepare(next);
    if (resume(next)) {
        sched_stretch_end(); /* the kernel returns to user mode */
        arch_context_switch_user(&prev->ctx, next->kstack_top);
    } else {
        arch_context_switch(&prev->ctx, &next->ctx);
    }
    sched_finish_switch();
    return thread_current()->wake_result;
}

void sched_sleep_until(uint64_t deadline)
{
    sched_block_timeout(NULL, deadline);
}

void sched_tick(void)
{
    uint64_t now = arch_time_ns();
    struct pheap_node *n;

    while ((n = pheap_min(&sleepers)) != NULL &&
           container_of(n, struct thread, sleep_node)->wake_ns <= now) {
        struct thread *t = container_of(n, struct thread, sleep_node);
        unblock(t, -ERR_TIMEOUT);
        make_ready_woken(t);
    }
    sched_preempt();
}

void sched_preempt(void)
{
    struct sched_cpu *c = sched_cpu();

    if (thread_current() != c->idle || sched_queue_work(&queues, arch_cpu_id()))
        schedule();
}

void thread_destroy(struct thread *t)
{
    struct task *task = t->task;

    KASSERT(t != thread_current() && task);
    list_remove(&t->run_link);
    sched_cancel_deadline(t);
    list_remove(&t->task_link);
    ipc_thread_cleanup(t);
    kstack_free(t->kstack_slot);
    arch_fpu_release(&t->ctx);
    kfree(t->ctx.fpu);
    task->dead_cpu_cycles += t->cpu_cycles;
    task->nthreads--;
    acct_object(task->acct, ACCT_OBJ_THREAD, -1);
    kfree(t);
    if (task->nthreads == 0)
        task_last_thread_gone(task);
}

void thread_exit_current(void)
{
    struct sched_cpu *c = sched_cpu();

    struct thread *self = thread_current();

    KASSERT(self != c->idle && !c->dead);
    self->state = THREAD_DEAD;
    c->dead = self;
    schedule();
    panic("dead thread resumed");
}

struct sched_stretch_stat sched_stretch;
void sched_stretch_open(uint32_t what)
{
    struct sched_cpu *c = sched_cpu();

    c->stretch_start = arch_cycles();
    c->stretch_what = what;
}

void sched_stretch_close(void)
{
    struct sched_cpu *c = sched_cpu();
    uint64_t now = arch_cycles();

    if (c->stretch_start && now - c->stretch_start > sched_stretch.max_cycles) {
        sched_stretch.max_cycles = now - c->stretch_start;
        sched_stretch.max_what = c->stretch_what;
    }
    c->stretch_start = 0;
}

void sched_stretch_measure(uint32_t what)
{
    sched_stretch.max_cycles = 0;
    sched_stretch.max_what = 0;
    if (!sched_stretch.measuring) {
        sched_stretch.measuring = true; /* the caller's own stretch counts from here */
        sched_stretch_open(what);
    }
}

void sched_preempt_point(void)
{
    struct thread *self = thread_current();
    uint64_t ran_since = self->run_start;
    uint32_t what = sched_cpu()->stretch_what;

    sched_stretch_end();
    sched_stretch.points++;
    arch_preempt_point(); /* a pending tick switches to the next thread here */
    if (self->run_start != ran_since)
        sched_stretch.preemptions++;
    sched_stretch_begin(what);
}

/* A CPU's idle thread: run what is ready, else halt until an interrupt. */
static __attribute__((noreturn)) void idle_loop(void)
{
    unsigned me = arch_cpu_id();
    uint32_t self = 1u << me;

    for (;;) {
        if (sched_queue_work(&queues, me))
            schedule();
        sched_stretch_end();
        sched_cpu()->idle_since = arch_cycles();
        idle_cpus |= self;
        arch_idle(); /* drops the kernel lock while halted */
        idle_cpus &= ~self;
        idle_end();
        sched_stretch_begin(SCHED_STRETCH_IDLE);
    }
}

/* An application processor, holding the kernel lock: its idle thread is the caller. */
static void sched_cpu_main(void)
{
    sched_cpu_init();
    idle_loop();
}

void sched_start(void)
{
    arch_smp_run(sched_cpu_main, SCHED_TICK_HZ);
    idle_loop();
}
