/*
 * The thread pointer belongs to each task: a child that loads a null
 * selector into %fs (which zeroes its FS base) and yields, again and
 * again, must never move the parent's, which keeps reading its thread
 * control block at %fs:0 and its canary at %fs:0x28 between the child's
 * turns. Built with -fstack-protector-all, so both have the block. The
 * child finally reads %fs:0 right after zeroing the base and must fault.
 */
#include <abi/syscall.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <string.h>

#define ROUNDS 200

/* Load the null selector into %fs: its base becomes 0, for this task only. */
static inline void fs_clear(void)
{
    __asm__ volatile("mov %0, %%fs" : : "r"(0) : "memory");
}

static inline uint64_t fs_read(unsigned offset)
{
    uint64_t v;

    __asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"((uint64_t)offset) : "memory");
    return v;
}

/* The child: clear %fs and yield ROUNDS times, then fault through the cleared base. */
static __attribute__((noreturn)) void child(void)
{
    for (int i = 0; i < ROUNDS; i++) {
        fs_clear();
        sys_yield();
    }
    /* A preemption between the two would restore the base: try until it faults. */
    for (int i = 0; i < 1000; i++) {
        fs_clear();
        (void)fs_read(0);
    }
    sys_exit(1);
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";
    struct task_status st = {0, 0, 0};
    uint64_t canary = fs_read(0x28);
    int bad = 0;

    if (strcmp(args, "child") == 0)
        child();
    long task = sys_task_spawn("test_thread_pointer", "child");
    if (!TEST_CHECK(task > 0, "spawn: %s", err_text(task)))
        return test_report("test_thread_pointer");
    for (int i = 0; i < ROUNDS * 2; i++) {
        sys_yield();
        if (fs_read(0) != ABI_USER_THREAD_POINTER || fs_read(0x28) != canary)
            bad++;
    }
    TEST_CHECK(bad == 0, "%d of %d reads of %%fs saw another task's base", bad, ROUNDS * 2);
    TEST_CHECK(canary != 0, "no canary");
    TEST_CHECK(sys_task_wait(task_port_of((uint32_t)task), &st) == 0 && st.end == TASK_END_FAULT,
               "the child ended %d (code %d), not by its fault through a zero FS base", st.end,
               st.code);
    printf("test_thread_pointer: child ended by a fault at %#llx\n",
           (unsigned long long)st.fault_addr);
    return test_report("test_thread_pointer");
}
