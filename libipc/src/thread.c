/*
 * Thread start helper. The kernel starts a thread at an entry address with
 * a stack pointer and one argument; thread_start() puts a small start record
 * at the top of a fresh stack and enters through an assembly trampoline that
 * aligns the stack, runs the function and exits the thread.
 */
#include <ipc/thread.h>

#include <ipc/sys.h>
#include <stdint.h>

struct thread_start_record {
    void (*fn)(void *arg);
    void *arg;
};

void thread_run(struct thread_start_record *rec) __attribute__((noreturn, used));
void thread_trampoline(void);

/* Entry of new threads: %rdi = the start record; align %rsp as after a call. */
__asm__(".text\n"
        ".globl thread_trampoline\n"
        ".type thread_trampoline, @function\n"
        "thread_trampoline:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call thread_run\n"
        "    ud2\n"
        ".size thread_trampoline, . - thread_trampoline\n");

/* Run the thread's function, then end the thread. */
void thread_run(struct thread_start_record *rec)
{
    rec->fn(rec->arg);
    sys_thread_exit();
}

/* See <ipc/thread.h>: start @fn(@arg) on a new stack; returns the thread id or -ERR_*. */
long thread_start(void (*fn)(void *arg), void *arg, size_t stack_size)
{
    long base;
    long id;
    uintptr_t top;
    struct thread_start_record *rec;

    if (fn == NULL)
        return -ERR_INVAL;
    if (stack_size == 0)
        stack_size = THREAD_STACK_DEFAULT;
    stack_size = (stack_size + 4095) & ~(size_t)4095;
    base = sys_vm_allocate(stack_size, VM_PROT_READ | VM_PROT_WRITE);
    if (base < 0)
        return base;
    top = ((uintptr_t)base + stack_size - sizeof(*rec)) & ~(uintptr_t)15;
    rec = (struct thread_start_record *)top;
    rec->fn = fn;
    rec->arg = arg;
    id = sys_thread_create((void *)thread_trampoline, rec, rec);
    if (id < 0)
        sys_vm_deallocate((void *)base, stack_size);
    return id;
}
