/*
 * The task ports of the children a program spawned through the wrappers of
 * <ipc/sys.h>, kept by task id: the kernel acts on another task only
 * through a send right to its task port, and most programs know their
 * children by id. A small table, one program's own; a right it cannot keep
 * (the table full) is released, and that child cannot be acted on.
 */
#include <ipc/sys.h>

#define TASK_PORTS_MAX 64

static struct {
    long id;
    port_name_t port; /* PORT_NULL: a free slot */
} task_ports[TASK_PORTS_MAX];

/* Keep @port, the task port of child @id, or release it when the table is full. */
static void task_port_keep(long id, port_name_t port)
{
    if (id <= 0 || port == PORT_NULL)
        return;
    for (int i = 0; i < TASK_PORTS_MAX; i++)
        if (task_ports[i].port == PORT_NULL) {
            task_ports[i].id = id;
            task_ports[i].port = port;
            return;
        }
    sys_port_op(PORT_OP_DEALLOCATE, port, 0);
}

/* See sys.h. */
long sys_task_spawn_flags(const char *module, const char *args, uint64_t bootstrap, uint64_t flags,
                          port_name_t host)
{
    port_name_t port = PORT_NULL;
    long id = sys_task_spawn_call(module, args, bootstrap, flags, host, &port);

    task_port_keep(id, port);
    return id;
}

/* See sys.h. */
port_name_t task_port_of(long id)
{
    for (int i = 0; i < TASK_PORTS_MAX; i++)
        if (task_ports[i].port != PORT_NULL && task_ports[i].id == id)
            return task_ports[i].port;
    return TASK_PORT_NONE;
}

/* See sys.h. */
void task_port_forget(port_name_t port)
{
    for (int i = 0; i < TASK_PORTS_MAX; i++)
        if (task_ports[i].port == port)
            task_ports[i].port = PORT_NULL;
}
