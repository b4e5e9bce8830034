/*
 * The run queues, one per CPU: where a thread that becomes ready waits, and
 * which thread a CPU runs next. No machine calls: the scheduler (sched.c)
 * passes the CPUs that run threads and those that idle, and wakes the CPUs
 * these functions name; the host tests drive them directly. The caller
 * holds the kernel lock.
 */
#ifndef KERNEL_TASK_SCHED_QUEUE_H
#define KERNEL_TASK_SCHED_QUEUE_H

#include <arch/arch.h>
#include <lib/list.h>
#include <stdbool.h>
#include <stdint.h>
#include <task/sched.h>

/* Threads of another CPU's queue a CPU looks at to take one (a bound on the work, not a goal). */
#define SCHED_STEAL_SCAN 16u

struct sched_queues {
    struct list_node cpu[ARCH_MAX_CPUS]; /* ready threads (struct thread.run_link) */
    uint32_t queued;                     /* bit i: cpu[i] may hold threads (set while it does) */
    uint64_t steals[ARCH_MAX_CPUS];      /* threads CPU i took from other CPUs' queues */
};

void sched_queues_init(struct sched_queues *q);

/* The CPUs @t may run on: those of its affinity among @running, or all of @running if none. */
static inline uint32_t sched_allowed(const struct thread *t, uint32_t running)
{
    uint32_t allowed = t->affinity & running;

    return allowed ? allowed : running;
}

/* The CPU sched_queue_put chooses when @t has an affinity or some CPU idles. */
unsigned sched_queue_place(const struct thread *t, uint32_t running, uint32_t idle);

/*
 * Queue ready thread @t (at the front when @front) on a CPU it may run on:
 * the one it last ran on (its caches, often its FPU state), unless that
 * one is busy while another of @idle is not: then the first such idle CPU,
 * which runs it at once. Returns the CPU chosen; the caller wakes it if it
 * is in @idle. (Inline: every switch puts or takes a thread.)
 */
static inline unsigned sched_queue_put(struct sched_queues *q, struct thread *t, bool front,
                                       uint32_t running, uint32_t idle)
{
    unsigned cpu = t->cpu; /* a CPU that ran it: one that runs threads */

    if (__builtin_expect(t->affinity != 0 || idle != 0, 0))
        cpu = sched_queue_place(t, running, idle);
    if (front)
        list_push_front(&q->cpu[cpu], &t->run_link);
    else
        list_push_back(&q->cpu[cpu], &t->run_link);
    q->queued |= 1u << cpu;
    return cpu;
}

struct thread *sched_queue_take_slow(struct sched_queues *q, unsigned me, uint32_t running,
                                     uint32_t idle, uint32_t *kick);

/*
 * The next thread for CPU @me: the first of its own queue, else the first
 * that may run on @me among the first SCHED_STEAL_SCAN of each other CPU's
 * queue (the balancing: an idle CPU pulls work), else NULL. A thread of its
 * own queue that may no longer run on @me (its affinity changed) is queued
 * again elsewhere, and the CPUs of @idle that got one are added to *@kick.
 */
static inline struct thread *sched_queue_take(struct sched_queues *q, unsigned me, uint32_t running,
                                              uint32_t idle, uint32_t *kick)
{
    struct list_node *n = q->cpu[me].next;

    if (__builtin_expect(n != &q->cpu[me], 1)) {
        struct thread *t = list_entry(n, struct thread, run_link);
        if (__builtin_expect(t->affinity == 0, 1)) { /* any CPU: the common case */
            list_remove(n);
            return t;
        }
    }
    return sched_queue_take_slow(q, me, running, idle, kick);
}

/* Might CPU @me find a thread (its own queue, or another's, maybe pinned there)? */
static inline bool sched_queue_work(const struct sched_queues *q, unsigned me)
{
    return !list_empty(&q->cpu[me]) || (q->queued & ~(1u << me));
}

#endif
