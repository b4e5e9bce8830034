/*
 * Call and reply between two tasks: a helper task (ipc_helper echo) hands us
 * a send right to its service port through our bootstrap port; then null
 * calls, register words, 64 and 4096 inline bytes, a send right and a
 * receive right passed in descriptors and used by the helper, and 1000 calls
 * in a row all come back right.
 */
#include "ipc_util.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define CALL_MANY 1000

static struct ipc_message call_msg;

/* Call @svc with @id and words @w; returns the error of ipc_call. */
static long call_words(port_name_t svc, uint32_t id, uint64_t w0, uint64_t w1)
{
    struct ipc_message *m = &call_msg;

    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, id);
    m->w[0] = w0;
    m->w[1] = w1;
    m->w[2] = w0 ^ w1;
    m->w[3] = ~w0;
    return ipc_call(m, IPC_TIMEOUT_NONE);
}

static void call_check_basic(port_name_t svc)
{
    struct ipc_message *m = &call_msg;
    long err = call_words(svc, IPCT_ID_NULL, 0, 0);

    TEST_CHECK(err == 0 && m->id == (IPCT_ID_NULL | IPC_ID_REPLY), "null call: %s, id 0x%x",
               err_text(err), m->id);
    TEST_CHECK(m->ndesc == 0 && m->ext_size == 0, "null reply carries %u bytes", m->ext_size);
    err = call_words(svc, IPCT_ID_WORDS, 0x1122334455667788ull, 42);
    TEST_CHECK(err == 0 && m->id == (IPCT_ID_WORDS | IPC_ID_REPLY), "words call: %s",
               err_text(err));
    TEST_CHECK(m->w[0] == ~0x1122334455667788ull && m->w[1] == ~42ull &&
                   m->w[2] == ~(0x1122334455667788ull ^ 42) && m->w[3] == 0x1122334455667788ull,
               "words came back wrong: 0x%lx 0x%lx", (unsigned long)m->w[0],
               (unsigned long)m->w[1]);
}

/* @n inline bytes each way; the helper flips every byte with 0x5a. */
static void call_check_bytes(port_name_t svc, uint32_t n)
{
    struct ipc_message *m = &call_msg;
    uint8_t *b = ipc_inline(m);
    uint32_t bad = 0;

    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_BYTES);
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + 3);
    ipc_set_inline(m, n);
    long err = ipc_call(m, IPC_TIMEOUT_NONE);
    TEST_CHECK(err == 0 && m->id == (IPCT_ID_BYTES | IPC_ID_REPLY), "%u bytes: %s", n,
               err_text(err));
    TEST_CHECK(m->w[0] == n && m->ext_size == n && m->ndesc == 0,
               "%u bytes: server saw %lu, reply has %u", n, (unsigned long)m->w[0], m->ext_size);
    for (uint32_t i = 0; i < n && i < m->ext_size; i++)
        bad += b[i] != (uint8_t)((i * 7 + 3) ^ 0x5a);
    TEST_CHECK(bad == 0, "%u bytes: %u wrong", n, bad);
}

/* Give the helper a send right to a port of ours; it sends a PING through it. */
static void call_check_send_right(port_name_t svc)
{
    struct ipc_message *m = &call_msg;
    port_name_t p;
    unsigned rights = 0, refs = 0;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return;
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_USE_SEND);
    ipc_add_port(m, p, IPC_DISP_MAKE_SEND);
    m->w[0] = 0xfeed;
    long err = ipc_call(m, IPC_TIMEOUT_NONE);
    TEST_CHECK(err == 0 && m->w[0] == 1, "use send right: %s, helper says %ld", err_text(err),
               (long)m->w[0]);
    err = ipc_recv(m, p, 0);
    TEST_CHECK(err == 0 && m->id == IPCT_ID_PING && m->w[0] == 0xfeed && m->local == p,
               "ping through the passed right: %s, id 0x%x", err_text(err), m->id);
    TEST_CHECK(port_get_rights(p, &rights, &refs) == 0 && rights == IPC_RIGHT_RECEIVE,
               "rights after the helper dropped its send right: 0x%x", rights);
    port_destroy(p);
}

/* Move a receive right (with a message queued on it) to the helper, which receives it. */
static void call_check_receive_right(port_name_t svc)
{
    struct ipc_message *m = &call_msg;
    port_name_t p;
    unsigned rights = 0, refs = 0;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return;
    ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    m->w[0] = 0xabcdef;
    TEST_CHECK(ipc_send(m, 0) == 0, "queue a message on our port");
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_USE_RECV);
    ipc_add_port(m, p, IPC_DISP_MOVE_RECEIVE);
    long err = ipc_call(m, IPC_TIMEOUT_NONE);
    TEST_CHECK(err == 0 && m->w[0] == 0xabcdef, "helper received 0x%lx on the moved port (%s)",
               (unsigned long)m->w[0], err_text(err));
    TEST_CHECK(port_get_rights(p, &rights, &refs) == -ERR_NAME,
               "the moved receive right's name still holds 0x%x", rights);
}

static void call_check_many(port_name_t svc)
{
    struct ipc_message *m = &call_msg;
    unsigned bad = 0;

    for (uint64_t i = 0; i < CALL_MANY; i++) {
        long err = call_words(svc, IPCT_ID_WORDS, i, i * 3);
        bad += err != 0 || m->w[0] != ~i || m->w[1] != ~(i * 3);
    }
    TEST_CHECK(bad == 0, "%u of %d calls in a row went wrong", bad, CALL_MANY);
}

int main(void)
{
    port_name_t svc;
    long task = ipct_spawn_helper("echo", &svc);

    if (!TEST_CHECK(task >= 0 && svc != PORT_NULL, "spawn helper: %s", err_text(task)))
        return test_report("test_ipc_call");
    call_check_basic(svc);
    call_check_bytes(svc, 64);
    call_check_bytes(svc, IPC_INLINE_MAX);
    call_check_send_right(svc);
    call_check_receive_right(svc);
    call_check_many(svc);
    TEST_CHECK(call_words(svc, IPCT_ID_QUIT, 0, 0) == 0, "quit");
    port_deallocate(svc);
    ipct_wait_child(task);
    return test_report("test_ipc_call");
}
