/*
 * Preemption: two `spin` tasks that never enter the kernel must each get a
 * fair share of the CPU while this task sleeps, and must be killable. Then
 * two threads of this task, each in a busy loop, must both make progress.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <stdint.h>

#define PREEMPT_SLEEP_NS 1000000000ull
#define PREEMPT_THREAD_SLEEP_NS 300000000ull

static volatile uint64_t preempt_counters[2];
static volatile int preempt_stop;
static int preempt_done;

/* Spawn two spin tasks, let them run, check their CPU time, kill and reap them. */
static void preempt_check_tasks(void)
{
    struct task_info info[2];
    struct task_status status;
    long task[2];
    uint64_t t0, elapsed;
    int i;

    task[0] = sys_task_spawn("spin", "");
    task[1] = sys_task_spawn("spin", "");
    TEST_CHECK(task[0] >= 0 && task[1] >= 0, "spawn spin: %s",
               err_text(task[0] < 0 ? task[0] : task[1]));
    t0 = sys_clock_ns();
    sys_sleep_ns(PREEMPT_SLEEP_NS);
    elapsed = sys_clock_ns() - t0;
    TEST_CHECK(elapsed >= PREEMPT_SLEEP_NS, "slept only %lu ns", (unsigned long)elapsed);
    for (i = 0; i < 2; i++) {
        if (task[i] < 0)
            continue;
        info[i] = (struct task_info){.cpu_ns = 0};
        TEST_CHECK(sys_task_info_host(task_port_of(task[i]), task[i], &info[i]) == 0,
                   "task_info spin %d", i);
        printf("test_preempt: spin %d used %lu of %lu ns\n", i, (unsigned long)info[i].cpu_ns,
               (unsigned long)elapsed);
        TEST_CHECK(info[i].cpu_ns * 5 > elapsed, "spin %d got only %lu ns of %lu", i,
                   (unsigned long)info[i].cpu_ns, (unsigned long)elapsed);
        TEST_CHECK(sys_task_kill(task_port_of(task[i])) == 0, "kill spin %d", i);
    }
    for (i = 0; i < 2; i++) {
        if (task[i] < 0)
            continue;
        status = (struct task_status){0, 0, 0};
        TEST_CHECK(sys_task_wait(task_port_of(task[i]), &status) == 0, "wait spin %d", i);
        TEST_CHECK(status.end == TASK_END_KILLED, "spin %d ended %d, not killed", i, status.end);
    }
}

/* Busy thread: count until told to stop. */
static void preempt_busy(void *arg)
{
    long index = (long)arg;

    while (!preempt_stop)
        preempt_counters[index]++;
    __atomic_add_fetch(&preempt_done, 1, __ATOMIC_SEQ_CST);
}

/* Two busy threads in this task must both advance while main sleeps. */
static void preempt_check_threads(void)
{
    long i;

    for (i = 0; i < 2; i++)
        TEST_CHECK(thread_start(preempt_busy, (void *)i, 0) >= 0, "thread_start %ld", i);
    sys_sleep_ns(PREEMPT_THREAD_SLEEP_NS);
    printf("test_preempt: thread counters %lu and %lu\n", (unsigned long)preempt_counters[0],
           (unsigned long)preempt_counters[1]);
    TEST_CHECK(preempt_counters[0] > 0 && preempt_counters[1] > 0, "a busy thread starved");
    preempt_stop = 1;
    while (__atomic_load_n(&preempt_done, __ATOMIC_SEQ_CST) < 2)
        sys_sleep_ns(10000000);
    TEST_CHECK(__atomic_load_n(&preempt_done, __ATOMIC_SEQ_CST) == 2, "threads did not stop");
}

int main(void)
{
    preempt_check_tasks();
    preempt_check_threads();
    return test_report("test_preempt");
}
