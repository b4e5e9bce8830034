/*
 * The host-privilege port: made at boot, never dies, and answers no
 * message (every message gets -ERR_NOSYS): it is a capability, checked by
 * the privileged system calls (host_priv_check), not a server.
 */
#include <abi/errors.h>
#include <kern/host.h>
#include <task/task.h>

static struct port *host_priv_port; /* the kernel's reference, for good */
static char host_object;            /* what the port's kobject points at */

static int host_call(void *object, struct kmsg *m, struct ipc_kobject_answer *out)
{
    (void)object, (void)m, (void)out;
    return -ERR_NOSYS;
}

static const struct ipc_kobject_ops host_kobject = {
    .name = "host privilege",
    .call = host_call,
};

int host_init(void)
{
    KASSERT(!host_priv_port);
    host_priv_port = port_create();
    if (!host_priv_port)
        return -ERR_NOMEM;
    host_priv_port->kobject = &host_object;
    host_priv_port->kobject_ops = &host_kobject;
    return 0;
}

struct kright host_priv_right(void)
{
    KASSERT(host_priv_port);
    port_ref(host_priv_port);
    host_priv_port->send_rights++;
    return (struct kright){.port = host_priv_port, .kind = IPC_RIGHT_SEND};
}

int host_priv_check(struct task *self, port_name_t name)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name);

    return e && (e->rights & IPC_RIGHT_SEND) && e->object == host_priv_port ? 0 : -ERR_PERM;
}
