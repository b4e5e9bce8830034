/*
 * The part of the IPC test protocol that runs in the tests themselves:
 * spawning the helper task with a bootstrap port, collecting the send right
 * it hands back, and reaping it.
 */
#include "ipc_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>

long ipct_spawn_helper(const char *args, port_name_t *service)
{
    static struct ipc_message m;
    port_name_t boot;
    long task, err;

    *service = PORT_NULL;
    err = port_allocate(IPC_RIGHT_RECEIVE, &boot);
    if (err < 0)
        return err;
    task = sys_task_spawn_bootstrap("ipc_helper", args, boot);
    if (task < 0) {
        port_destroy(boot);
        return task;
    }
    err = ipc_recv(&m, boot, TEST_WAIT);
    if (err == 0 && m.id == IPCT_ID_HELLO && m.ndesc == 1 &&
        ipc_desc_port_ok(&m.ext.desc[0], IPC_RIGHT_SEND))
        *service = m.ext.desc[0].name;
    else
        TEST_CHECK(0, "helper \"%s\": no HELLO (%s, id 0x%x)", args, err_text(err), m.id);
    port_destroy(boot);
    return task;
}

int ipct_wait_child(long task)
{
    struct task_status st = {0, 0, 0};
    long err = sys_task_wait(task_port_of(task), &st);

    if (!TEST_CHECK(err == 0, "wait for task %ld: %s", task, err_text(err)))
        return 1;
    return TEST_CHECK(st.end == TASK_END_EXIT && st.code == 0, "task %ld ended %d with code %d",
                      task, st.end, st.code)
               ? 0
               : 1;
}
