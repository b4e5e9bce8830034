/*
 * Host stand-in for exception.c: no task has an exception handler, so every
 * unresolvable fault goes on to kill the task (link-time substitution).
 */
#include <kernel/exception.h>

bool exception_raise(uint64_t kind, uint64_t code, uint64_t rip, uint64_t info)
{
    (void)kind, (void)code, (void)rip, (void)info;
    return false;
}
