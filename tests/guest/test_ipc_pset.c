/*
 * Port sets: a receiver waiting on a set of three ports gets the messages of
 * each (the local name tells which port), including while blocked; a port
 * moved out of the set is no longer served through it; destroying the set
 * wakes a thread blocked on it with -ERR_DEAD and leaves its ports usable.
 */
#include "ipc_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>

#define PSET_PORTS 3
#define PSET_WAIT_NS TEST_WAIT

static struct ipc_message pset_msg, pset_thread_msg;
static port_name_t pset_ports[PSET_PORTS], pset_set;
static volatile long pset_thread_result = 1;
static volatile int pset_thread_done;

/* Send a message with @w0 to port @p through a send right made on the fly. */
static long pset_send(port_name_t p, uint64_t w0)
{
    struct ipc_message *m = &pset_msg;

    ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    m->w[0] = w0;
    return ipc_send(m, 0);
}

/* Messages to each member (sent in reverse order) all arrive through the set. */
static void pset_check_receive(void)
{
    struct ipc_message *m = &pset_msg;
    unsigned seen = 0;

    for (int i = PSET_PORTS - 1; i >= 0; i--)
        TEST_CHECK(pset_send(pset_ports[i], 100 + (uint64_t)i) == 0, "send to member %d", i);
    for (int k = 0; k < PSET_PORTS; k++) {
        long err = ipc_recv(m, pset_set, 0);
        if (!TEST_CHECK(err == 0, "receive %d on the set: %s", k, err_text(err)))
            continue;
        for (int i = 0; i < PSET_PORTS; i++)
            if (m->local == pset_ports[i]) {
                TEST_CHECK(m->w[0] == 100 + (uint64_t)i, "port %d got w0 %lu", i,
                           (unsigned long)m->w[0]);
                seen |= 1u << i;
            }
    }
    TEST_CHECK(seen == (1u << PSET_PORTS) - 1, "ports seen through the set: 0x%x", seen);
    TEST_CHECK(ipc_recv(m, pset_set, 0) == -ERR_TIMEOUT, "set not empty afterwards");
}

/* A thread blocked on the set: receives once, then waits again (to see the set die). */
static void pset_thread(void *arg)
{
    struct ipc_message *m = &pset_thread_msg;

    (void)arg;
    long err = ipc_recv(m, pset_set, PSET_WAIT_NS);
    pset_thread_result = err == 0 && m->local == pset_ports[1] && m->w[0] == 7 ? 0 : -1;
    __atomic_store_n(&pset_thread_done, 1, __ATOMIC_SEQ_CST);
    err = ipc_recv(m, pset_set, PSET_WAIT_NS);
    pset_thread_result = err;
    __atomic_store_n(&pset_thread_done, 2, __ATOMIC_SEQ_CST);
}

static void pset_wait_thread(int state)
{
    while (__atomic_load_n(&pset_thread_done, __ATOMIC_SEQ_CST) < state)
        sys_sleep_ns(10000000);
}

/* A blocked receiver is woken by a message to a member, then by the set's death. */
static void pset_check_blocked_and_destroy(void)
{
    struct ipc_message *m = &pset_msg;

    if (!TEST_CHECK(thread_start(pset_thread, 0, 0) >= 0, "thread_start"))
        return;
    sys_sleep_ns(20000000); /* let it block */
    TEST_CHECK(pset_send(pset_ports[1], 7) == 0, "send to member 1");
    pset_wait_thread(1);
    TEST_CHECK(pset_thread_result == 0, "blocked set receiver did not get the message");
    sys_sleep_ns(20000000);
    TEST_CHECK(port_destroy(pset_set) == 0, "destroy the set");
    pset_wait_thread(2);
    TEST_CHECK(pset_thread_result == -ERR_DEAD, "receiver on the destroyed set got %s",
               err_text(pset_thread_result));
    TEST_CHECK(ipc_recv(m, pset_set, 0) == -ERR_NAME, "the set's name still works");
    TEST_CHECK(pset_send(pset_ports[0], 9) == 0, "send to a former member");
    TEST_CHECK(ipc_recv(m, pset_ports[0], 0) == 0 && m->w[0] == 9,
               "a former member is not usable on its own");
}

/* A thread blocked receiving directly on a member port gets a message sent to that port. */
static void pset_direct_thread(void *arg)
{
    struct ipc_message *m = &pset_thread_msg;

    (void)arg;
    long err = ipc_recv(m, pset_ports[0], TEST_WAIT);
    pset_thread_result = err == 0 && m->w[0] == 11 ? 0 : err < 0 ? err : -1;
    __atomic_store_n(&pset_thread_done, 1, __ATOMIC_SEQ_CST);
}

static void pset_check_direct(void)
{
    pset_thread_done = 0;
    if (!TEST_CHECK(thread_start(pset_direct_thread, 0, 0) >= 0, "thread_start"))
        return;
    sys_sleep_ns(20000000); /* let it block */
    TEST_CHECK(pset_send(pset_ports[0], 11) == 0, "send to member 0");
    pset_wait_thread(1);
    TEST_CHECK(pset_thread_result == 0, "a receiver blocked on member port 0 got %s",
               err_text(pset_thread_result));
    pset_thread_done = 0;
}

/* A port moved out of the set is served only directly. */
static void pset_check_move_out(void)
{
    struct ipc_message *m = &pset_msg;

    TEST_CHECK(port_move_member(pset_ports[2], PORT_NULL) == 0, "move member 2 out");
    TEST_CHECK(pset_send(pset_ports[2], 55) == 0, "send to the removed port");
    TEST_CHECK(ipc_recv(m, pset_set, 0) == -ERR_TIMEOUT, "the set still serves the removed port");
    TEST_CHECK(ipc_recv(m, pset_ports[2], 0) == 0 && m->w[0] == 55,
               "the removed port does not receive directly");
    TEST_CHECK(pset_send(pset_ports[0], 56) == 0, "send to member 0");
    TEST_CHECK(ipc_recv(m, pset_set, 0) == 0 && m->local == pset_ports[0] && m->w[0] == 56,
               "the remaining members are still served");
    TEST_CHECK(port_move_member(pset_ports[2], pset_set) == 0, "move member 2 back");
}

int main(void)
{
    if (!TEST_CHECK(port_allocate(IPC_RIGHT_PORT_SET, &pset_set) == 0, "allocate set"))
        return test_report("test_ipc_pset");
    for (int i = 0; i < PSET_PORTS; i++) {
        TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &pset_ports[i]) == 0, "allocate port %d", i);
        TEST_CHECK(port_move_member(pset_ports[i], pset_set) == 0, "add port %d", i);
    }
    unsigned rights = 0, refs = 0;
    TEST_CHECK(port_get_rights(pset_set, &rights, &refs) == 0 && rights == IPC_RIGHT_PORT_SET,
               "set rights 0x%x", rights);
    TEST_CHECK(port_move_member(pset_set, pset_set) == -ERR_RIGHT, "a set joined a set");
    pset_check_receive();
    pset_check_move_out();
    pset_check_direct();
    pset_check_blocked_and_destroy();
    for (int i = 0; i < PSET_PORTS; i++)
        TEST_CHECK(port_destroy(pset_ports[i]) == 0, "destroy port %d", i);
    return test_report("test_ipc_pset");
}
