/*
 * Timeouts. A receive on an empty port polls with timeout 0 and gives up
 * after at least 50 ms with 50 ms; a send to a full queue fails at once with
 * -ERR_FULL for timeout 0 and with -ERR_TIMEOUT after 20 ms. A call to a
 * server (the helper task) that holds the reply times out, and the late
 * reply it sends afterwards is not taken for the reply to the next call.
 */
#include "ipc_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define MS 1000000ull

static struct ipc_message to_msg;

static void timeout_check_receive(void)
{
    struct ipc_message *m = &to_msg;
    port_name_t p;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return;
    uint64_t poll = UINT64_MAX, t1 = 0;
    long err = 0;
    for (int i = 0; i < 5 && err == 0; i++) { /* the fastest of five: the host may stall one */
        uint64_t t0 = sys_clock_ns();
        long e = ipc_recv(m, p, 0);
        t1 = sys_clock_ns();
        poll = t1 - t0 < poll ? t1 - t0 : poll;
        err = TEST_CHECK(e == -ERR_TIMEOUT, "poll of an empty port: %s", err_text(e)) ? 0 : 1;
    }
    err = err == 0 ? ipc_recv(m, p, 50 * MS) : err;
    uint64_t t2 = sys_clock_ns();
    TEST_CHECK(err == -ERR_TIMEOUT, "receive on an empty port: %s", err_text(err));
    TEST_CHECK(poll < 10 * MS, "a poll took %lu ns", (unsigned long)poll);
    TEST_CHECK(t2 - t1 >= 50 * MS && t2 - t1 < 2000 * MS, "a 50 ms receive took %lu ns",
               (unsigned long)(t2 - t1));
    printf("test_ipc_timeout: poll %lu ns, 50 ms receive %lu ns\n", (unsigned long)poll,
           (unsigned long)(t2 - t1));
    port_destroy(p);
}

static void timeout_check_send(void)
{
    struct ipc_message *m = &to_msg;
    port_name_t p;
    long err = 0;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return;
    TEST_CHECK(port_set_qlimit(p, 2) == 0, "set qlimit");
    for (int i = 0; i < 2 && err == 0; i++) {
        ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
        err = ipc_send(m, 0);
    }
    TEST_CHECK(err == 0, "filling the queue: %s", err_text(err));
    /* -ERR_FULL, not -ERR_TIMEOUT: the poll did not wait (no clock needed to tell). */
    err = ipc_send(m, 0);
    TEST_CHECK(err == -ERR_FULL, "send to a full queue, poll: %s", err_text(err));
    uint64_t t1 = sys_clock_ns();
    err = ipc_send(m, 20 * MS);
    uint64_t t2 = sys_clock_ns();
    TEST_CHECK(err == -ERR_TIMEOUT, "send to a full queue, 20 ms: %s", err_text(err));
    TEST_CHECK(t2 - t1 >= 20 * MS && t2 - t1 < 2000 * MS, "a 20 ms send took %lu ns",
               (unsigned long)(t2 - t1));
    TEST_CHECK(ipc_recv(m, p, 0) == 0 && ipc_recv(m, p, 0) == 0 &&
                   ipc_recv(m, p, 0) == -ERR_TIMEOUT,
               "not exactly the two messages queued after the timeouts");
    port_destroy(p);
}

/* Call @svc with @id and @timeout; reply in to_msg. */
static long timeout_call(port_name_t svc, uint32_t id, uint64_t w0, uint64_t timeout)
{
    ipc_msg_init(&to_msg, svc, IPC_DISP_COPY_SEND, id);
    to_msg.w[0] = w0;
    return ipc_call(&to_msg, timeout);
}

static void timeout_check_call(void)
{
    struct ipc_message *m = &to_msg;
    port_name_t svc;
    long task = ipct_spawn_helper("echo", &svc);

    if (!TEST_CHECK(task >= 0 && svc, "spawn helper: %s", err_text(task)))
        return;
    uint64_t t0 = sys_clock_ns();
    long err = timeout_call(svc, IPCT_ID_HOLD, 1, 30 * MS);
    uint64_t t1 = sys_clock_ns();
    TEST_CHECK(err == -ERR_TIMEOUT, "call to a server that holds the reply: %s", err_text(err));
    TEST_CHECK(t1 - t0 >= 30 * MS, "the call gave up after %lu ns", (unsigned long)(t1 - t0));
    /* The helper now answers the held call late, then this one. */
    err = timeout_call(svc, IPCT_ID_WORDS, 0x5555, 2000 * MS);
    TEST_CHECK(err == 0 && m->id == (IPCT_ID_WORDS | IPC_ID_REPLY) && m->w[0] == ~0x5555ull,
               "next call got id 0x%x w0 0x%lx (%s)", m->id, (unsigned long)m->w[0], err_text(err));
    err = timeout_call(svc, IPCT_ID_WORDS, 0x6666, 2000 * MS);
    TEST_CHECK(err == 0 && m->w[0] == ~0x6666ull, "the call after: %s", err_text(err));
    err = timeout_call(svc, IPCT_ID_QUIT, 0, 2000 * MS);
    TEST_CHECK(err == 0, "quit: %s", err_text(err));
    port_deallocate(svc);
    ipct_wait_child(task);
}

int main(void)
{
    timeout_check_receive();
    timeout_check_send();
    timeout_check_call();
    return test_report("test_ipc_timeout");
}
