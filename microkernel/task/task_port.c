/*
 * Task ports: one kernel object port per task, made at spawn and killed
 * when the task's record is freed. The port answers no message (every
 * message gets -ERR_NOSYS); its send right is checked by the system calls
 * that act on another task (task_syscalls.c). When the last send right to
 * an ended task's port goes, nobody can wait for it any more and its record
 * is freed (task_port_no_senders).
 */
#include <abi/errors.h>
#include <ipc/ipc_right.h>
#include <task/task.h>
#include <task/task_port.h>

static int task_port_call(void *object, struct kmsg *m, struct ipc_kobject_answer *out)
{
    (void)object, (void)m, (void)out;
    return -ERR_NOSYS;
}

/* The last send right went: an ended task nobody can wait for is freed. */
static void task_port_no_senders(void *object)
{
    struct task *task = object;

    if (task->state == TASK_ZOMBIE)
        task_release(task);
}

static const struct ipc_kobject_ops task_kobject = {
    .name = "task",
    .call = task_port_call,
    .no_senders = task_port_no_senders,
};

int task_port_init(struct task *task)
{
    KASSERT(!task->self_port);
    struct port *port = port_create();
    if (!port)
        return -ERR_NOMEM;
    port->kobject = task;
    port->kobject_ops = &task_kobject;
    task->self_port = port;
    return 0;
}

struct kright task_port_right(struct task *task)
{
    struct port *port = task->self_port;

    KASSERT(port && !port->dead);
    port_ref(port);
    port->send_rights++;
    return (struct kright){.port = port, .kind = IPC_RIGHT_SEND};
}

void task_port_destroy(struct task *task)
{
    struct port *port = task->self_port;

    KASSERT(port && port->kobject == task);
    task->self_port = NULL;
    port->kobject = NULL;
    port->kobject_ops = NULL;
    port_kill(port);
    port_unref(port);
}

int task_port_lookup(struct task *self, port_name_t name, struct task **out)
{
    struct ipc_entry *e;

    if (name == PORT_NULL) {
        *out = self;
        return 0;
    }
    int err = ipc_right_check(&self->ipc, name, IPC_DISP_COPY_SEND, &e);
    if (err)
        return err;
    struct port *port = e->object;
    if (port->kobject_ops != &task_kobject)
        return -ERR_INVAL;
    *out = port->kobject;
    return 0;
}

bool task_port_names(struct task *self, port_name_t name, const struct task *t)
{
    struct task *named;

    return name != PORT_NULL && task_port_lookup(self, name, &named) == 0 && named == t;
}
