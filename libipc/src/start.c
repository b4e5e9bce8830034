/*
 * Program start-up. The kernel enters `_start` with %rdi pointing at the
 * task's NUL-terminated argument string and %rsp at the top of the stack;
 * `_start` calls main(args) and ends the task with main's return value.
 * `_start` lives in .text.start, which user.ld places first in .text.
 */
#include <ipc/sys.h>

int main(const char *args);

void start_main(const char *args) __attribute__((noreturn, used));

/*
 * Entry point: clear the frame pointer so backtraces stop here, re-align
 * the stack to 16 bytes and call start_main(args) (%rdi is passed through).
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
void start_main(const char *args)
{
    if (args == NULL)
        args = "";
    sys_exit(main(args));
}
