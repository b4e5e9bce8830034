/*
 * The host-privilege port on the host: only a send right to it passes
 * host_priv_check, in whatever task holds one and under whatever name; it
 * travels like any right (copied, moved), and no other right (PORT_NULL,
 * stale and garbage names, receive, send-once, dead names, port sets, a
 * send right to another port) passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/host.h>
#include <vm/frame.h>

#include "host_support.h"
#include "ipc_support.h"

static struct task a, b;
static uint64_t baseline;

/* The host port lives for good: made once, before any frame count. */
static int group_setup(void **state)
{
    (void)state;
    ipc_test_env_init(1024);
    assert_int_equal(host_init(), 0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ipc_test_env_fini();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    baseline = host_free_frames();
    ipc_test_task_init(&a, 1);
    ipc_test_task_init(&b, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ipc_test_task_destroy(&a);
    ipc_test_task_destroy(&b);
    assert_int_equal(host_free_frames(), baseline);
    return 0;
}

/* Give @t a send right to the host port, as the kernel gives the first task. */
static port_name_t give_host(struct task *t)
{
    struct kright r = host_priv_right();

    assert_int_equal(ipc_space_reserve(&t->ipc, 1), 0);
    return ipc_right_install(t, &r);
}

/* A send right passes wherever it goes; the task that moved it away loses it. */
static void test_host_right_travels(void **state)
{
    (void)state;
    port_name_t host = give_host(&a);

    assert_int_equal(host_priv_check(&a, host), 0);
    assert_int_equal(host_priv_check(&b, host), -ERR_PERM); /* no such name in b */
    port_name_t copy = ipc_test_right_transfer(&a, host, IPC_DISP_COPY_SEND, &b);
    assert_int_equal(host_priv_check(&b, copy), 0);
    assert_int_equal(host_priv_check(&a, host), 0);
    ipc_test_right_transfer(&a, host, IPC_DISP_MOVE_SEND, &b); /* a's only reference */
    assert_int_equal(host_priv_check(&a, host), -ERR_PERM);
    assert_int_equal(host_priv_check(&b, copy), 0);
    /* A message to the host port is answered at once, never queued. */
    struct port *p = ipc_entry_lookup(&b.ipc, copy)->object;
    assert_non_null(p->kobject_ops);
    assert_int_equal(p->kobject_ops->call(p->kobject, NULL, NULL), -ERR_NOSYS);
}

/* Every other kind of name is refused. */
static void test_host_other_names_refused(void **state)
{
    (void)state;
    port_name_t host = give_host(&a), own = ipc_test_port_allocate(&a), set = PORT_NULL;

    assert_int_equal(host_priv_check(&a, PORT_NULL), -ERR_PERM);
    assert_int_equal(host_priv_check(&a, 0xfffff01u), -ERR_PERM);
    assert_int_equal(host_priv_check(&a, host + 1), -ERR_PERM); /* stale generation */
    assert_int_equal(host_priv_check(&a, own), -ERR_PERM);      /* a receive right */
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_INSERT_SEND, own, 0), 0);
    assert_int_equal(host_priv_check(&a, own), -ERR_PERM); /* a send right to another port */
    port_name_t once = ipc_test_right_transfer(&a, own, IPC_DISP_MAKE_SEND_ONCE, &b);
    assert_int_equal(host_priv_check(&b, once), -ERR_PERM);
    port_name_t dead = ipc_test_right_transfer(&a, own, IPC_DISP_MAKE_SEND, &b);
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_DESTROY, own, 0), 0);
    assert_int_equal(host_priv_check(&b, dead), -ERR_PERM);
    set = (port_name_t)ipc_test_port_op(&a, PORT_OP_ALLOCATE, IPC_RIGHT_PORT_SET, 0);
    assert_int_equal(host_priv_check(&a, set), -ERR_PERM);
    assert_int_equal(host_priv_check(&a, host), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_host_right_travels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_other_names_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
