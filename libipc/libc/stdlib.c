/*
 * The rest of <stdlib.h> (the heap is malloc.c, number parsing strtol.c),
 * <errno.h>'s errno and <assert.h>'s failure path for user programs.
 */
#include <stdlib.h>

#include <assert.h>
#include <errno.h>
#include <ipc/sys.h>
#include <stdio.h>

int errno;

void exit(int status)
{
    sys_exit(status);
}

/*
 * One line, then an invalid opcode: the kernel reports the fault (or hands
 * it to the task's exception port) and ends the task, as abnormal
 * termination should look.
 */
void abort(void)
{
    static const char line[] = "abort: program aborted\n";

    sys_console_write(line, sizeof(line) - 1);
    for (;;)
        __builtin_trap();
}

void __assert_fail(const char *expr, const char *file, unsigned int line, const char *func)
{
    printf("assertion failed: %s (%s:%u, %s)\n", expr, file, line, func);
    abort();
}

int abs(int v)
{
    return v < 0 ? -v : v;
}

long labs(long v)
{
    return v < 0 ? -v : v;
}
