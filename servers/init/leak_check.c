/*
 * init's leak check around each program, exact and without clocks: the
 * kernel charges every frame and kernel object to the task that holds it
 * (SYS_TASK_ACCT), so once a program has ended (an event: the kernel wakes
 * the waiter after the end's teardown) it must hold nothing at all. What
 * other tasks (servers, pagers) gained meanwhile is reported as theirs, not
 * the program's. The swap blocks the system pager keeps for the program
 * are its own figure too (pager_stats owner), asked once it has ended and
 * answered once the pager has handled its objects' terminates.
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

/*
 * What task @task leaves with the system pager's swap, in after->swap. When
 * the kernel says the task holds no memory object any more (it sent every
 * terminate before TASK_ACCT_WAIT returned, and they wait on the pager's
 * port ahead of this request), the pager answers once it has handled them:
 * an event, not a delay. Otherwise (objects the task's account still holds)
 * the figures now.
 */
static void init_swap_held(long task, struct init_leak_counts *after)
{
    port_name_t pager = init_swap_pager_port();

    after->swap = (struct pager_owner_info){0, 0, 0};
    after->swap_err =
        pager == PORT_NULL
            ? -ERR_NOENT
            : pager_stats_owner_read(pager, (uint64_t)task, after->held.objects == 0, &after->swap);
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
    init_tasks_snapshot(before);
}

/* See init.h. */
long init_leak_settle(long task, const struct init_leak_counts *before,
                      struct init_leak_counts *after)
{
    long err = sys_task_acct(ipc_host_port, (uint32_t)task, TASK_ACCT_WAIT, &after->held);

    (void)before;
    if (err == 0)
        init_swap_held(task, after);
    else
        after->swap_err = err;
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

/*
 * Report what program @name left with the system pager's swap: 0 blocks, or
 * a FAIL line with the count; a pager that counts no blocks per task (or
 * does not answer) gets a line saying the figure is skipped. 0 or 1.
 */
static int init_swap_check(const char *name, const struct init_leak_counts *after)
{
    const struct pager_owner_info *o = &after->swap;

    if (after->swap_err == -ERR_NOENT) /* no swap disk: nothing to check */
        return 0;
    if (after->swap_err < 0 || !o->counted) {
        printf("init: %s [%u]: the system pager counts no swap blocks per task (%s): skipped\n",
               name, after->held.task,
               after->swap_err < 0 ? err_text(after->swap_err) : "no per-task figure");
        return 0;
    }
    if (o->blocks != 0 || o->objects != 0) {
        printf("FAIL: init: %s [%u] holds %lu swap blocks after its end (%lu memory objects with "
               "the pager)\n",
               name, after->held.task, (unsigned long)o->blocks, (unsigned long)o->objects);
        return 1;
    }
    printf("init: %s [%u] holds 0 swap blocks after its end\n", name, after->held.task);
    return 0;
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
    return init_swap_check(name, after) || failed;
}
