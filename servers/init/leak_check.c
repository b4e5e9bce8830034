/*
 * init's leak check around each program, exact and without clocks: the
 * kernel charges every frame and kernel object to the task that holds it
 * (SYS_TASK_ACCT), so once a program has ended (an event: the kernel wakes
 * the waiter after the end's teardown) it must hold nothing at all. What
 * other tasks (servers, pagers) gained meanwhile is reported as theirs, not
 * the program's. The system pager's free swap blocks (pager_stats) are
 * still a global count: see docs/design.md, "Accounting".
 */
#include "init.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>

/* See init.h. */
uint64_t init_frames_free(void)
{
    struct vm_stat st;
    long err = sys_vm_stat(&st);

    if (err < 0) {
        printf("FAIL: init: vm_stat: %s\n", err_text(err));
        return 0;
    }
    return st.frames_free;
}

/* Free swap blocks of the system pager's disk, or 0 when it has none. */
static uint64_t init_swap_free(void)
{
    port_name_t pager = init_swap_pager_port();
    struct pager_stats_info st;

    if (pager == PORT_NULL || pager_stats_read(pager, &st) != 0)
        return 0;
    return st.blocks - st.used;
}

/*
 * The free swap blocks, once back at @before or after @tries reads @ns
 * apart: the default pager hears that a program's objects are gone
 * (terminate) asynchronously, and with several threads it may still be
 * writing a page of one when it answers the round trip below.
 */
static uint64_t init_swap_settled(uint64_t before, int tries, uint64_t ns)
{
    uint64_t now = init_swap_free();

    for (int i = 0; i < tries && now != before; i++) {
        sys_sleep_ns(ns);
        now = init_swap_free();
    }
    return now;
}

/*
 * A round trip to the system's pager, on the port where the kernel queues
 * its memory_object messages: when it answers, it has taken every
 * terminate queued before.
 */
static void init_pager_sync(void)
{
    port_name_t pager = init_default_pager_port();
    struct pager_stats_info st;

    if (pager != PORT_NULL)
        pager_stats_read(pager, &st);
}

/* Frames task @acct holds, of every kind. */
static uint64_t init_acct_frames(const struct task_acct *a)
{
    return a->frames_user + a->frames_table + a->frames_kstack + a->frames_kernel;
}

/* Record in @c the frames each live task holds (init's own included). */
static void init_tasks_snapshot(struct init_leak_counts *c)
{
    long id = 0;

    c->ntasks = 0;
    while (c->ntasks < INIT_LEAK_TASKS && (id = sys_task_next(ipc_host_port, (uint32_t)id)) > 0) {
        struct task_acct a;
        if (sys_task_acct(ipc_host_port, (uint32_t)id, 0, &a) == 0) {
            c->tasks[c->ntasks].id = (uint32_t)id;
            c->tasks[c->ntasks++].frames = init_acct_frames(&a);
        }
    }
}

/* See init.h. */
void init_leak_count(struct init_leak_counts *before)
{
    init_pager_sync(); /* what the previous program left with the pager is freed */
    before->swap = init_swap_free();
    init_tasks_snapshot(before);
}

/* See init.h. */
long init_leak_settle(long task, const struct init_leak_counts *before,
                      struct init_leak_counts *after)
{
    long err = sys_task_acct(ipc_host_port, (uint32_t)task, TASK_ACCT_WAIT, &after->held);

    init_pager_sync();
    after->swap = init_swap_settled(before->swap, 100, 10000000);
    init_tasks_snapshot(after);
    return err;
}

/* Print, for every task alive before and after, what it gained or gave back meanwhile. */
static void init_leak_print_others(const char *name, const struct init_leak_counts *before,
                                   const struct init_leak_counts *after)
{
    for (unsigned i = 0; i < after->ntasks; i++)
        for (unsigned j = 0; j < before->ntasks; j++) {
            if (before->tasks[j].id != after->tasks[i].id ||
                before->tasks[j].frames == after->tasks[i].frames)
                continue;
            struct task_info ti;
            long delta = (long)(after->tasks[i].frames - before->tasks[j].frames);
            if (sys_task_info_host(ipc_host_port, after->tasks[i].id, &ti) == 0)
                printf("init: %s: meanwhile %s [%u] holds %s%ld frames (its own)\n", name, ti.name,
                       after->tasks[i].id, delta > 0 ? "+" : "", delta);
        }
}

/* See init.h. */
int init_leak_check(const char *name, const struct init_leak_counts *before,
                    const struct init_leak_counts *after)
{
    const struct task_acct *a = &after->held;
    int failed = 0;

    if (init_acct_frames(a) != 0 || a->ports != 0 || a->objects != 0 || a->threads != 0) {
        printf("FAIL: init: %s [%u] holds %lu frames after its end (user %lu, page tables %lu, "
               "kernel stacks %lu, kernel %lu), %lu ports, %lu memory objects, %lu threads\n",
               name, a->task, (unsigned long)init_acct_frames(a), (unsigned long)a->frames_user,
               (unsigned long)a->frames_table, (unsigned long)a->frames_kstack,
               (unsigned long)a->frames_kernel, (unsigned long)a->ports, (unsigned long)a->objects,
               (unsigned long)a->threads);
        failed = 1;
    } else {
        printf("init: %s [%u] holds 0 frames and 0 kernel objects after its end\n", name, a->task);
    }
    init_leak_print_others(name, before, after);
    if (after->swap != before->swap) {
        printf("FAIL: init: %s leaked %ld swap blocks\n", name, (long)(before->swap - after->swap));
        return 1;
    }
    if (init_swap_pager_port() != PORT_NULL)
        printf("init: %s: swap blocks back to %lu free\n", name, (unsigned long)after->swap);
    return failed;
}
