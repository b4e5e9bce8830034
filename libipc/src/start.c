/*
 * Program start-up. The kernel enters `_start` with %rdi pointing at the
 * task's NUL-terminated argument string, %rsi holding the name of its
 * bootstrap send right (PORT_NULL if none), %rdx the name of its send right
 * to the host-privilege port (PORT_NULL for all but the few tasks given it)
 * and %rsp at the top of the stack;
 * `_start` calls main(args) and ends the task with main's return value.
 * `_start` lives in .text.start, which user.ld places first in .text.
 */
#include <ipc/ipc.h>
#include <ipc/sys.h>

int main(const char *args);
/* Present when the program links the stack protector's support (libc/stack_chk.c). */
void runtime_tcb_init(void) __attribute__((weak));

void start_main(const char *args, port_name_t bootstrap, port_name_t host)
    __attribute__((noreturn, used));

port_name_t ipc_bootstrap_port;
port_name_t ipc_host_port;

/*
 * Entry point: clear the frame pointer so backtraces stop here, re-align
 * the stack to 16 bytes and call start_main(args, bootstrap, host) (%rdi,
 * %rsi and %rdx are passed through).
 */
__asm__(".section .text.start, \"ax\", @progbits\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call start_main\n"
        "    ud2\n"
        ".size _start, . - _start\n"
        ".previous\n");

/* Run main(@args) (an empty string when the kernel passed none) and exit with its result. */
void start_main(const char *args, port_name_t bootstrap, port_name_t host)
{
    ipc_bootstrap_port = bootstrap;
    ipc_host_port = host;
    if (args == NULL)
        args = "";
    if (runtime_tcb_init != NULL)
        runtime_tcb_init();
    sys_exit(main(args));
}
