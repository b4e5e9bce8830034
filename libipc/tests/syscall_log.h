/*
 * What the fake system-call handlers of syscall_kernel.c saw, shared with
 * test_idl_syscalls.c (which cannot include the kernel's prototypes: the
 * user stubs have the same names).
 */
#ifndef SYSCALL_LOG_H
#define SYSCALL_LOG_H

#include <stdint.h>

struct syscall_log {
    int calls;           /* handler calls since the last reset */
    const char *handler; /* the last handler called */
    const void *self;    /* its task */
    uint64_t arg[6];     /* its arguments after @self, widened as C widens them */
    unsigned nargs;      /* how many */
    uint64_t regs_word0; /* a raw handler: regs->word[0] */
    uint64_t regs_arg5;  /* a raw handler: regs->arg[5] */
    int64_t result;      /* what the next handler returns */
};

extern struct syscall_log syscall_log;

/* The task the fake kernel passes as `self`. */
extern const char syscall_fake_task[];

/* Forget what the handlers saw; they return @result from now on. */
void syscall_log_reset(int64_t result);

/* Run number @nr with the six argument words @a and message word @w0. */
long fake_syscall_words(long nr, const uint64_t a[6], uint64_t w0);

#endif
