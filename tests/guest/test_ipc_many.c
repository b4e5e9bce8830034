/*
 * Many clients, one server: four helper tasks ("client N 200") each make 200
 * calls to a port of ours, served here with ipc_reply_recv. Every request is
 * checked (client number, sequence in order per client), every reply is
 * checked by the client, and the counts must add up to 800.
 */
#include "ipc_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define MANY_CLIENTS 4
#define MANY_CALLS 200
#define MANY_TIMEOUT_NS TEST_WAIT

static struct ipc_message many_msg;

/* Serve @total calls on @port; counts per client go to @count. Returns the requests served. */
static unsigned many_serve(port_name_t port, unsigned total, unsigned *count)
{
    struct ipc_message *m = &many_msg;
    unsigned served = 0, bad = 0;
    long err = ipc_recv(m, port, MANY_TIMEOUT_NS);

    while (err == 0) {
        uint64_t n = m->w[0], i = m->w[1];
        if (m->id != IPCT_ID_WORDS || n >= MANY_CLIENTS || m->local != port ||
            m->remote_disp != IPC_DISP_MOVE_SEND_ONCE || m->w[2] != n * 100000 + i)
            bad++;
        else if (i != count[n]++)
            bad++; /* one client's calls arrive in order */
        uint64_t w2 = m->w[2];
        ipc_msg_init(m, m->remote, IPC_DISP_MOVE_SEND_ONCE, IPCT_ID_WORDS | IPC_ID_REPLY);
        m->w[0] = n;
        m->w[1] = i;
        m->w[2] = w2 * 2 + 1;
        if (++served == total) {
            err = ipc_send(m, 0);
            break;
        }
        err = ipc_reply_recv(m, port, MANY_TIMEOUT_NS);
    }
    TEST_CHECK(err == 0, "server stopped after %u calls: %s", served, err_text(err));
    TEST_CHECK(bad == 0, "%u malformed or out-of-order requests", bad);
    return served;
}

int main(void)
{
    unsigned count[MANY_CLIENTS] = {0};
    long task[MANY_CLIENTS];
    port_name_t port;
    char arg[32];

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "allocate"))
        return test_report("test_ipc_many");
    for (int n = 0; n < MANY_CLIENTS; n++) {
        snprintf(arg, sizeof(arg), "client %d %d", n, MANY_CALLS);
        task[n] = sys_task_spawn_bootstrap("ipc_helper", arg, port);
        TEST_CHECK(task[n] >= 0, "spawn client %d: %s", n, err_text(task[n]));
    }
    unsigned served = many_serve(port, MANY_CLIENTS * MANY_CALLS, count);
    TEST_CHECK(served == MANY_CLIENTS * MANY_CALLS, "served %u calls", served);
    for (int n = 0; n < MANY_CLIENTS; n++) {
        TEST_CHECK(count[n] == MANY_CALLS, "client %d: %u calls arrived", n, count[n]);
        if (task[n] >= 0)
            ipct_wait_child(task[n]);
    }
    printf("test_ipc_many: %u calls from %d clients\n", served, MANY_CLIENTS);
    port_destroy(port);
    return test_report("test_ipc_many");
}
