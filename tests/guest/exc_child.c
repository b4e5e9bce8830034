/*
 * Helper of test_exception: makes its bootstrap port its exception port
 * (unless a second argument says "inherited": it keeps the one it was spawned
 * with), then commits the fault its argument names ("null": a NULL write,
 * "ud2": an invalid opcode). Its parent's handler decides whether it survives.
 */
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <stdbool.h>

extern port_name_t ipc_bootstrap_port;

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "";

    bool inherited = argc > 2 && strcmp(argv[2], "inherited") == 0;

    if (!inherited && sys_task_set_exception_port(0, ipc_bootstrap_port) != 0)
        return 2;
    if (strcmp(how, "null") == 0)
        *(volatile int *)0 = 1;
    else if (strcmp(how, "ud2") == 0)
        __asm__ volatile("ud2");
    return 99; /* only reached if the handler let a fault through */
}
