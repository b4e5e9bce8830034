/*
 * init's exception handler: every program init starts has init's exception
 * port, and a thread here receives the exceptions those programs cannot
 * survive (section 3.6.2, step 4: "the process is sent a signal or
 * killed"). It logs each one and asks the kernel to end the task; a program
 * that wants to repair its own faults sets its own exception port.
 */
#include "exceptions.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/thread.h>

static port_name_t exceptions_port;
static struct ipc_message exceptions_msg;

static const char *exceptions_kind(uint64_t kind)
{
    return kind == EXC_BAD_ACCESS ? "bad access" : kind == EXC_CPU ? "CPU exception" : "?";
}

/* Answer every exception with "end the task" after logging it. */
static void exceptions_loop(void *arg)
{
    struct ipc_message *m = &exceptions_msg;

    (void)arg;
    while (ipc_recv(m, exceptions_port, IPC_TIMEOUT_NONE) == 0) {
        if (m->id != IPC_ID_EXCEPTION || m->remote_disp != IPC_DISP_MOVE_SEND_ONCE) {
            ipc_msg_destroy(m);
            continue;
        }
        printf("init: exception in thread %lu: %s at %lx, rip %lx: ending the task\n",
               (unsigned long)(m->w[3] >> 32), exceptions_kind(m->w[0]), (unsigned long)m->w[1],
               (unsigned long)m->w[2]);
        port_name_t reply = m->remote;
        ipc_msg_init(m, reply, IPC_DISP_MOVE_SEND_ONCE, IPC_ID_EXCEPTION | IPC_ID_REPLY);
        m->w[0] = 1; /* not resumed: the kernel ends the task */
        if (ipc_send(m, 0) != 0)
            port_deallocate(reply);
    }
}

int exceptions_start(void)
{
    if (port_allocate(IPC_RIGHT_RECEIVE, &exceptions_port) != 0)
        return -1;
    return thread_start(exceptions_loop, NULL, THREAD_STACK_DEFAULT) > 0 ? 0 : -1;
}

void exceptions_watch(long task)
{
    if (exceptions_port != PORT_NULL && sys_task_set_exception_port(task, exceptions_port) != 0)
        printf("init: could not set the exception port of task %ld\n", task);
}
