/*
 * init's exception handler: every program init starts has init's exception
 * port, and a thread here receives the exceptions those programs cannot
 * survive (section 3.6.2, step 4: "the process is sent a signal or
 * killed"). It logs each one and asks the kernel to end the task; a program
 * that wants to repair its own faults sets its own exception port.
 */
#include "exceptions.h"
#include "naming_service.h"

#include <exc_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/thread.h>

static port_name_t exceptions_port;
static struct ipc_message exceptions_in, exceptions_out;

static const char *exceptions_kind(uint64_t kind)
{
    return kind == EXC_BAD_ACCESS ? "bad access" : kind == EXC_CPU ? "CPU exception" : "?";
}

/* Handler of exc.raise (exc.idl): log it, and answer "end the task" (any code but 0). */
int exc_do_raise(void *ctx, uint64_t kind, uint64_t code, uint64_t pc, uint64_t info)
{
    (void)ctx;
    printf("init: exception in thread %lu: %s at %lx, rip %lx: ending the task\n",
           (unsigned long)(info >> 32), exceptions_kind(kind), (unsigned long)code,
           (unsigned long)pc);
    return -ERR_FAULT; /* not resumed: the kernel ends the task */
}

/* Answer every exception through the generated dispatch; never wait on a reply right. */
static void exceptions_loop(void *arg)
{
    struct ipc_message *in = &exceptions_in, *out = &exceptions_out;

    (void)arg;
    while (ipc_recv(in, exceptions_port, IPC_TIMEOUT_NONE) == 0) {
        if (exc_dispatch(NULL, in, out) && ipc_send(out, 0) != 0)
            port_deallocate(out->remote);
    }
}

/*
 * init's own faults come here too: the thread logs them and init ends, which
 * shuts the system down with the cause on the console. (A fault in this
 * thread itself would wait for itself; it runs only the code above.)
 */
int exceptions_start(void)
{
    if (port_allocate(IPC_RIGHT_RECEIVE, &exceptions_port) != 0 ||
        sys_task_set_exception_port(0, exceptions_port) != 0)
        return -1;
    return thread_start(exceptions_loop, NULL, THREAD_STACK_DEFAULT) > 0 ? 0 : -1;
}

/*
 * Inherited at the spawn, not set after it: a child that faults (or sets its
 * own exception port) before init could set it must not race init. Every
 * program init starts is a job of its own: what it spawns shares its
 * bounds (docs/security.md, "Jobs").
 */
long exceptions_spawn(const char *module, const char *args, unsigned flags, port_name_t *port)
{
    return sys_task_spawn_call(module, args, naming_service_port(),
                               flags | TASK_SPAWN_EXC_INHERIT | TASK_SPAWN_JOB, ipc_host_port,
                               port);
}
