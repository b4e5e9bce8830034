/*
 * The in-guest test helpers of <ipc/test.h>: failure lines and the final
 * PASS/FAIL verdict that the guest-test harness reads from the console.
 */
#include <ipc/test.h>

#include <ipc/ipc.h>
#include <ipc/sys.h>

int test_failures;

/* Print `FAIL: @file:@line: <message>` in one console write and count the failure. */
void test_fail(const char *file, int line, const char *fmt, ...)
{
    char text[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    printf("FAIL: %s:%d: %s\n", file, line, text);
    __atomic_add_fetch(&test_failures, 1, __ATOMIC_SEQ_CST);
}

/* Print the verdict for @name; returns 0 when no check failed, 1 otherwise. */
int test_report(const char *name)
{
    int failures = __atomic_load_n(&test_failures, __ATOMIC_SEQ_CST);

    if (failures == 0) {
        printf("PASS: %s\n", name);
        return 0;
    }
    printf("FAIL: %s (%d failed checks)\n", name, failures);
    return 1;
}

port_name_t test_dead_name(void)
{
    struct ipc_message m;
    port_name_t port, queue;
    unsigned rights = 0, srefs;

    if (port_allocate(IPC_RIGHT_RECEIVE, &port) || port_insert_send(port) ||
        port_allocate(IPC_RIGHT_RECEIVE, &queue))
        return PORT_NULL;
    ipc_msg_init(&m, queue, IPC_DISP_MAKE_SEND, 1);
    ipc_add_port(&m, port, IPC_DISP_MOVE_RECEIVE);
    if (ipc_send(&m, 0) != 0 || port_destroy(queue) != 0)
        return PORT_NULL;
    port_get_rights(port, &rights, &srefs);
    return rights == IPC_RIGHT_DEAD_NAME ? port : PORT_NULL;
}
