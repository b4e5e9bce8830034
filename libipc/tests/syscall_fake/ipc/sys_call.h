/*
 * Host stand-in for <ipc/sys_call.h> (found first on the include path of
 * test_idl_syscalls): the raw calls hand the number and the six argument
 * words to fake_syscall() (syscall_kernel.c), which runs the generated
 * kernel dispatch on them, instead of executing `syscall`.
 */
#ifndef IPC_SYS_CALL_H
#define IPC_SYS_CALL_H

long fake_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

static inline long sys_call0(long nr)
{
    return fake_syscall(nr, 0, 0, 0, 0, 0, 0);
}

static inline long sys_call1(long nr, long a1)
{
    return fake_syscall(nr, a1, 0, 0, 0, 0, 0);
}

static inline long sys_call2(long nr, long a1, long a2)
{
    return fake_syscall(nr, a1, a2, 0, 0, 0, 0);
}

static inline long sys_call3(long nr, long a1, long a2, long a3)
{
    return fake_syscall(nr, a1, a2, a3, 0, 0, 0);
}

static inline long sys_call4(long nr, long a1, long a2, long a3, long a4)
{
    return fake_syscall(nr, a1, a2, a3, a4, 0, 0);
}

static inline long sys_call5(long nr, long a1, long a2, long a3, long a4, long a5)
{
    return fake_syscall(nr, a1, a2, a3, a4, a5, 0);
}

static inline long sys_call6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    return fake_syscall(nr, a1, a2, a3, a4, a5, a6);
}

#endif
