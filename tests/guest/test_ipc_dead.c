/*
 * Dead ports. A helper task ("holder") holds a receive right and exits or is
 * killed: sends to it then fail with -ERR_DEAD, senders blocked on its full
 * queue wake with -ERR_DEAD, a requested dead-name notification arrives and
 * port_get_rights reports a dead name. Callers waiting for a reply get
 * -ERR_DEAD when the server drops the send-once right or dies.
 */
#include "ipc_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <notify_kabi.h>

#define DEAD_BLOCKED 2
#define DEAD_WAIT_NS TEST_WAIT

static struct ipc_message dead_msg;
static struct ipc_message dead_thread_msg[DEAD_BLOCKED];
static port_name_t dead_target;
static volatile long dead_result[DEAD_BLOCKED];
static int dead_finished;

/* Send PING with @w0 to @to (a send right) with @timeout. */
static long dead_send(struct ipc_message *m, port_name_t to, uint64_t w0, uint64_t timeout)
{
    ipc_msg_init(m, to, IPC_DISP_COPY_SEND, IPCT_ID_PING);
    m->w[0] = w0;
    return ipc_send(m, timeout);
}

/* A sender that blocks on the full queue of dead_target until it dies. */
static void dead_blocked_sender(void *arg)
{
    long i = (long)arg;

    dead_result[i] = dead_send(&dead_thread_msg[i], dead_target, (uint64_t)i, DEAD_WAIT_NS);
    __atomic_add_fetch(&dead_finished, 1, __ATOMIC_SEQ_CST);
}

/* Wait until @n blocked senders have finished. */
static void dead_wait_senders(int n)
{
    while (__atomic_load_n(&dead_finished, __ATOMIC_SEQ_CST) < n)
        sys_sleep_ns(10000000);
}

/*
 * Holder with queue limit 1: fill it, block two senders, then end it with
 * @kill (SYS_TASK_KILL) or by letting it exit after its sleep.
 */
static void dead_check_blocked(int kill)
{
    struct ipc_message *m = &dead_msg;
    port_name_t notify;
    unsigned rights = 0, refs = 0;
    long task = ipct_spawn_helper(kill ? "holder 0 1" : "holder 300 1", &dead_target);

    if (!TEST_CHECK(task >= 0 && dead_target, "spawn holder: %s", err_text(task)))
        return;
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &notify) == 0, "allocate notify port");
    TEST_CHECK(port_request_dead_name(dead_target, notify) == 0, "request dead-name notification");
    TEST_CHECK(dead_send(m, dead_target, 1, 0) == 0, "first message fits the queue");
    TEST_CHECK(dead_send(m, dead_target, 2, 0) == -ERR_FULL, "queue limit 1 not enforced");
    dead_finished = 0;
    for (long i = 0; i < DEAD_BLOCKED; i++)
        TEST_CHECK(thread_start(dead_blocked_sender, (void *)i, 0) >= 0, "thread_start");
    sys_sleep_ns(50000000);
    TEST_CHECK(__atomic_load_n(&dead_finished, __ATOMIC_SEQ_CST) == 0, "senders did not block");
    if (kill)
        TEST_CHECK(sys_task_kill(task_port_of(task)) == 0, "kill holder");
    dead_wait_senders(DEAD_BLOCKED);
    for (int i = 0; i < DEAD_BLOCKED; i++)
        TEST_CHECK(dead_result[i] == -ERR_DEAD, "blocked sender %d woke with %s (%s)", i,
                   err_text(dead_result[i]), kill ? "killed" : "exited");
    if (kill) {
        struct task_status st = {0, 0, 0};
        TEST_CHECK(sys_task_wait(task_port_of(task), &st) == 0 && st.end == TASK_END_KILLED,
                   "holder not killed");
    } else {
        ipct_wait_child(task);
    }
    TEST_CHECK(dead_send(m, dead_target, 3, 0) == -ERR_DEAD, "send to the dead port");
    TEST_CHECK(port_get_rights(dead_target, &rights, &refs) == 0 && (rights & IPC_RIGHT_DEAD_NAME),
               "rights of the dead name: 0x%x", rights);
    long err = ipc_recv(m, notify, DEAD_WAIT_NS);
    TEST_CHECK(err == 0 && m->id == NOTIFY_DEAD_NAME_ID &&
                   m->w[NOTIFY_DEAD_NAME_NAME_SLOT] == dead_target,
               "dead-name notification: %s, id 0x%x, w0 0x%lx", err_text(err), m->id,
               (unsigned long)m->w[0]);
    TEST_CHECK(port_deallocate(dead_target) == 0, "deallocate the dead name");
    TEST_CHECK(port_get_rights(dead_target, &rights, &refs) == -ERR_NAME, "dead name stays");
    port_destroy(notify);
}

/* A caller waits while the server drops the reply right, then while it dies. */
static void dead_check_reply(void)
{
    struct ipc_message *m = &dead_msg;
    port_name_t svc;
    long task = ipct_spawn_helper("echo", &svc);

    if (!TEST_CHECK(task >= 0 && svc, "spawn echo: %s", err_text(task)))
        return;
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_DROP);
    long err = ipc_call(m, DEAD_WAIT_NS);
    TEST_CHECK(err == -ERR_DEAD, "call whose reply right was dropped: %s", err_text(err));
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_NULL);
    err = ipc_call(m, DEAD_WAIT_NS);
    TEST_CHECK(err == 0 && m->id == (IPCT_ID_NULL | IPC_ID_REPLY), "next call: %s", err_text(err));
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_EXIT);
    err = ipc_call(m, DEAD_WAIT_NS);
    TEST_CHECK(err == -ERR_DEAD, "call to a server that died: %s", err_text(err));
    ipct_wait_child(task);
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_NULL);
    TEST_CHECK(ipc_call(m, DEAD_WAIT_NS) == -ERR_DEAD, "call to the dead service port");
    port_deallocate(svc);
}

/* Destroying our own receive right: our send right becomes a dead name. */
static void dead_check_local(void)
{
    struct ipc_message *m = &dead_msg;
    unsigned rights = 0, refs = 0;
    port_name_t p, q;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return;
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &q) == 0, "allocate");
    ipc_msg_init(m, q, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    ipc_add_port(m, p, IPC_DISP_MAKE_SEND);
    TEST_CHECK(ipc_send(m, 0) == 0, "send a send right to ourselves");
    TEST_CHECK(port_destroy(q) == 0, "destroy a port holding a queued right");
    TEST_CHECK(port_get_rights(p, &rights, &refs) == 0 && rights == IPC_RIGHT_RECEIVE && refs == 0,
               "queued right not released: rights 0x%x refs %u", rights, refs);
    port_destroy(p);
}

int main(void)
{
    dead_check_blocked(0);
    dead_check_blocked(1);
    dead_check_reply();
    dead_check_local();
    return test_report("test_ipc_dead");
}
