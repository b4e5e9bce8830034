/*
 * Program start-up. The kernel enters `_start` with %rdi pointing at the
 * task's NUL-terminated argument string, %rsi holding the name of its
 * bootstrap send right (PORT_NULL if none), %rdx the name of its send right
 * to the host-privilege port (PORT_NULL for all but the few tasks given it),
 * %r10 pointing at the program's name (the fourth argument register of
 * the system-call ABI), and %rsp at the top of the stack.
 * `_start` splits the arguments into words, calls main(argc, argv) with the
 * name as argv[0], and ends the task with main's return value. `_start`
 * lives in .text.start, which user.ld places first in .text.
 */
#include <abi/syscall.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>

int main(int argc, char **argv);
/* Present when the program links the stack protector's support (libc/stack_chk.c). */
void runtime_tcb_init(void) __attribute__((weak));

void start_main(const char *args, port_name_t bootstrap, port_name_t host, const char *name)
    __attribute__((noreturn, used));

port_name_t ipc_bootstrap_port;
port_name_t ipc_host_port;
const char *ipc_args = "";
/* Defined (true) only by a program that reads ipc_args itself: a weak reference. */
extern const bool ipc_args_whole __attribute__((weak));

static char arg_store[TASK_ARGS_MAX];
static char *argv_store[TASK_ARGV_MAX + 2];

/*
 * Entry point: clear the frame pointer so backtraces stop here, re-align
 * the stack to 16 bytes and call start_main(args, bootstrap, host, name)
 * (%rdi, %rsi and %rdx are passed through, the name moves to %rcx).
 */
__asm__(".section .text.start, \"ax\", @progbits\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    mov %r10, %rcx\n"
        "    call start_main\n"
        "    ud2\n"
        ".size _start, . - _start\n"
        ".previous\n");

/*
 * Run main with the words of @args (an empty string when the kernel passed
 * none) and exit with its result. Arguments that do not split (a quote not
 * closed, too many words) end the task with status 2 and a message: a
 * program never runs with arguments other than those it was given. A
 * program that takes its string whole (ipc_args_whole) gets argv[0] only.
 */
void start_main(const char *args, port_name_t bootstrap, port_name_t host, const char *name)
{
    ipc_bootstrap_port = bootstrap;
    ipc_host_port = host;
    if (runtime_tcb_init != NULL)
        runtime_tcb_init();
    if (args != NULL)
        ipc_args = args;
    argv_store[0] = (char *)(name != NULL ? name : "");
    if (&ipc_args_whole != NULL && ipc_args_whole)
        sys_exit(main(1, argv_store));
    int n = cmdline_split(ipc_args, arg_store, sizeof(arg_store), argv_store + 1, TASK_ARGV_MAX);
    if (n < 0) {
        printf("%s: malformed arguments \"%s\": %s\n", argv_store[0], ipc_args,
               n == CMDLINE_TOO_MANY ? "too many words" : "unclosed quote");
        sys_exit(2);
    }
    argv_store[n + 1] = NULL;
    sys_exit(main(n + 1, argv_store));
}
