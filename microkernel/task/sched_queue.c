/*
 * The per-CPU run queues (sched_queue.h): placement of a ready thread, and
 * the next thread of a CPU, taken from another CPU's queue when its own is
 * empty.
 */
#include <task/sched_queue.h>

void sched_queues_init(struct sched_queues *q)
{
    for (unsigned i = 0; i < ARCH_MAX_CPUS; i++) {
        list_init(&q->cpu[i]);
        q->steals[i] = 0;
    }
    q->queued = 0;
}

unsigned sched_queue_place(const struct thread *t, uint32_t running, uint32_t idle)
{
    uint32_t allowed = sched_allowed(t, running);
    unsigned cpu = t->cpu;

    idle &= allowed;
    if (!((allowed >> cpu) & 1) || (idle && !((idle >> cpu) & 1)))
        cpu = (unsigned)__builtin_ctz(idle ? idle : allowed);
    return cpu;
}

/* The first thread that may run on @me among the first SCHED_STEAL_SCAN of CPU @cpu's queue. */
static struct thread *steal_from(struct sched_queues *q, unsigned cpu, unsigned me,
                                 uint32_t running)
{
    struct list_node *pos;
    unsigned scanned = 0;

    list_for_each(pos, &q->cpu[cpu])
    {
        struct thread *t = list_entry(pos, struct thread, run_link);
        if ((sched_allowed(t, running) >> me) & 1) {
            list_remove(&t->run_link);
            return t;
        }
        if (++scanned == SCHED_STEAL_SCAN)
            break;
    }
    return NULL;
}

struct thread *sched_queue_take_slow(struct sched_queues *q, unsigned me, uint32_t running,
                                     uint32_t idle, uint32_t *kick)
{
    struct list_node *n;

    while ((n = list_pop_front(&q->cpu[me])) != NULL) {
        struct thread *t = list_entry(n, struct thread, run_link);
        if (__builtin_expect((sched_allowed(t, running) >> me) & 1, 1))
            return t;
        unsigned cpu = sched_queue_put(q, t, true, running, idle); /* pinned elsewhere meanwhile */
        if ((idle >> cpu) & 1)
            *kick |= 1u << cpu;
    }
    q->queued &= ~(1u << me);
    for (uint32_t others = q->queued; others; others &= others - 1) {
        unsigned cpu = (unsigned)__builtin_ctz(others);
        if (list_empty(&q->cpu[cpu])) {
            q->queued &= ~(1u << cpu);
            continue;
        }
        struct thread *t = steal_from(q, cpu, me, running);
        if (t) {
            q->steals[me]++;
            return t;
        }
    }
    return NULL;
}
