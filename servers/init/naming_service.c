/*
 * init's name service. One thread receives on a port set of two ports: the
 * public naming port (every task's bootstrap port; requests go through the
 * generated naming_dispatch, which refuses malformed ones) and a private
 * control port that only the kernel's dead-name notifications and init's
 * main thread (sync requests) can reach, so neither can be forged by a
 * client. Replies are sent without waiting, so no client can stall the
 * service by handing it a reply right to a full queue.
 */
#include "naming_service.h"

#include "registry.h"

#include <init_pager_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/sys.h>
#include <ipc/thread.h>
#include <naming_control_defs.h>
#include <naming_defs.h>
#include <notify_defs.h>

#define NAMING_SERVICE_STACK (32 * 1024)
#define NAMING_SERVICE_STACK_TOUCH (16 * 1024) /* all the stack the thread ever uses */
#define NAMING_SERVICE_SYNC_TIMEOUT (10ull * 1000 * 1000 * 1000)
#define NAMING_SERVICE_RETRY_NS (10ull * 1000 * 1000)

static struct registry naming_registry;
static port_name_t naming_port;    /* public: receive right and send rights */
static port_name_t naming_control; /* private: receive right and one send right */
static port_name_t naming_set;     /* both of them */
/* In .bss, so prefault_image() makes them resident before any program runs. */
static struct ipc_message naming_msg_in, naming_msg_out;

/* registry_ops.dead: the name no longer denotes a live port's send right. */
static bool naming_service_port_dead(void *cookie, port_name_t port)
{
    unsigned rights, srefs;

    (void)cookie;
    if (port_get_rights(port, &rights, &srefs) < 0)
        return true;
    return (rights & IPC_RIGHT_DEAD_NAME) != 0 || (rights & IPC_RIGHT_SEND) == 0;
}

/* registry_ops.release: drop one send reference (a dead name goes with its last one). */
static void naming_service_port_release(void *cookie, port_name_t port)
{
    (void)cookie;
    port_deallocate(port);
}

/* registry_ops.watch: the kernel tells the control port when @port dies. */
static void naming_service_port_watch(void *cookie, port_name_t port)
{
    (void)cookie;
    port_request_dead_name(port, naming_control); /* on failure lookups and sweeps still notice */
}

static const struct registry_ops naming_service_ops = {
    .dead = naming_service_port_dead,
    .release = naming_service_port_release,
    .watch = naming_service_port_watch,
};

/* Handler of naming.register (see naming.idl): the registry owns @service from here on. */
int naming_do_register(void *ctx, const char *name, port_name_t service)
{
    return registry_add(ctx, name, service);
}

/* Handler of naming.lookup: the reply carries a copy (copy_send) of the registry's send right. */
int naming_do_lookup(void *ctx, const char *name, port_name_t *service)
{
    return registry_lookup(ctx, name, service);
}

/* Handler of notify.dead_name (notify.idl): the registry forgets the port of @name. */
int notify_do_dead_name(void *ctx, uint32_t name)
{
    registry_port_died(ctx, name);
    return 0;
}

/* Serve message @in from the control port; true when reply @out must be sent. */
static bool naming_service_control(struct ipc_message *in, struct ipc_message *out)
{
    if (NOTIFY_ID_IS(in->id) && in->remote == PORT_NULL) /* the kernel's: no reply right */
        return notify_dispatch(&naming_registry, in, out);
    return naming_control_dispatch(&naming_registry, in, out);
}

/* Handler of naming_control.alias (naming_control.idl). */
int naming_control_do_alias(void *ctx, const char *alias, const char *target)
{
    return registry_alias(ctx, alias, target);
}

/* Handler of naming_control.sync (naming_control.idl). */
int naming_control_do_sync(void *ctx)
{
    registry_sweep(ctx);
    return 0;
}

/* Serve received message @in; true when reply @out must be sent. */
static bool naming_service_serve(struct ipc_message *in, struct ipc_message *out)
{
    if (in->local == naming_control)
        return naming_service_control(in, out);
    if (INIT_PAGER_ID_IS(in->id)) /* pager_switch.c */
        return init_pager_dispatch(&naming_registry, in, out);
    return naming_dispatch(&naming_registry, in, out);
}

/*
 * Send reply @out to request @in without waiting. A lookup reply whose
 * service died since the check becomes an -ERR_DEAD reply; a reply right
 * that cannot be used (its caller died, its queue is full, it is no
 * send-once right) is dropped.
 */
static void naming_service_reply(const struct ipc_message *in, struct ipc_message *out)
{
    port_name_t client = out->remote;

    if (ipc_send(out, 0) == 0)
        return;
    if (out->ndesc != 0 && naming_error_reply(in, out, -ERR_DEAD) && ipc_send(out, 0) == 0)
        return;
    port_deallocate(client);
}

/* The service thread: receive, serve, reply, forever. */
static void naming_service_loop(void *arg)
{
    struct ipc_message *in = &naming_msg_in, *out = &naming_msg_out;

    (void)arg;
    prefault_stack(NAMING_SERVICE_STACK_TOUCH); /* no page faults while programs are measured */
    for (;;) {
        long err = ipc_recv(in, naming_set, IPC_TIMEOUT_NONE);
        if (err != 0) {
            printf("init: naming: receive failed: %s\n", err_text(err));
            sys_sleep_ns(NAMING_SERVICE_RETRY_NS);
            continue;
        }
        if (naming_service_serve(in, out))
            naming_service_reply(in, out);
    }
}

/* Allocate the public and control ports and their set, with send rights and full queues. */
static int naming_service_ports(void)
{
    int err = port_allocate(IPC_RIGHT_RECEIVE, &naming_port);

    if (err == 0)
        err = port_allocate(IPC_RIGHT_RECEIVE, &naming_control);
    if (err == 0)
        err = port_allocate(IPC_RIGHT_PORT_SET, &naming_set);
    if (err == 0)
        err = port_set_qlimit(naming_port, IPC_QUEUE_MAX);
    if (err == 0)
        err = port_set_qlimit(naming_control, IPC_QUEUE_MAX);
    if (err == 0)
        err = port_move_member(naming_port, naming_set);
    if (err == 0)
        err = port_move_member(naming_control, naming_set);
    if (err == 0)
        err = port_insert_send(naming_control);
    return err;
}

int naming_service_start(void)
{
    long err;

    registry_init(&naming_registry, &naming_service_ops, NULL);
    err = naming_service_ports();
    if (err == 0)
        err = port_insert_send(naming_port); /* the reference the registry keeps */
    if (err == 0)
        err = registry_add(&naming_registry, NAMING_SERVICE_NAME, naming_port);
    if (err == 0) {
        err = thread_start(naming_service_loop, NULL, NAMING_SERVICE_STACK);
        err = err < 0 ? err : 0;
    }
    if (err == 0)
        err = naming_service_sync(); /* the thread serves; our reply port exists now */
    if (err != 0)
        printf("FAIL: init: naming service: %s\n", err_text(err));
    return (int)err;
}

port_name_t naming_service_port(void)
{
    return naming_port;
}

int naming_service_alias(const char *alias, const char *target)
{
    return naming_control_alias(naming_control, alias, target);
}

int naming_service_sync(void)
{
    return naming_control_sync(naming_control, NAMING_SERVICE_SYNC_TIMEOUT);
}
