/*
 * Every case the IPC fast paths (fast_call, fast_reply in microkernel/ipc/
 * ipc.c) take or refuse, told apart by the task's own counts of fast calls
 * and fast replies (SYS_IPC_STAT) and checked by what the user sees. Taken:
 * register-only calls and replies between two threads, with the reply slot
 * or a named reply right, inline bytes on mapped pages. Refused, with the
 * general path's result: bad, stale and receive-only names, an empty reply
 * slot, a call to a receiver not waiting (queued, answered later, the reply
 * itself fast), a full queue (-ERR_FULL, -ERR_TIMEOUT, or blocking with no
 * message lost), rights and out-of-line pages (delivered), inline bytes on a
 * page never touched (faulted in), a server thread or task that dies while
 * the caller waits (-ERR_DEAD), a caller killed while the server holds its
 * reply right (the reply gets -ERR_DEAD), and a late reply to a caller that
 * timed out and called again (dropped; the caller gets its own answer).
 */
#include "ipc_util.h"

#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <stddef.h>

#define FP_ECHO 0x701u /* reply: the words + 1, inline bytes ^ 0x5a */
#define FP_HOLD 0x702u /* keep the reply right under a name, answer nothing yet */
#define FP_LATE 0x703u /* keep this right too; answer the held one late, with the next receive */
#define FP_KICK 0x704u /* one-way: answer the right FP_LATE kept (w0 FP_ANSWER) */
#define FP_EXIT 0x705u /* the server thread ends holding the reply right */
#define FP_CALL 0x706u /* a call from the test's own client threads */

#define FP_LATE_WORD 0x1a7e1a7eull /* the late answer to FP_HOLD */
#define FP_ANSWER 0xa2a2a2a2ull    /* the answer to FP_LATE */
#define FP_POLLS 1000000           /* sys_yield rounds before a poll gives up */
#define FP_ANY UINT64_MAX          /* fp_expect: any number of fast replies */

static port_name_t fp_port; /* served by fp_server */
static struct ipc_message fp_server_msg, fp_msg, fp_client_msg;
static volatile long fp_server_failures;
static volatile unsigned fp_late_sent; /* the server is about to answer FP_HOLD late */
static volatile long fp_late_result = 1;

static void fp_server_fail(const char *what, long err)
{
    printf("FAIL: test_ipc_fastpath server: %s: %s\n", what, err_text(err));
    fp_server_failures++;
}

/* The reply right of request @m under a name (saved from the slot if it came there). */
static port_name_t fp_keep(const struct ipc_message *m)
{
    port_name_t name = m->remote;

    if (name == IPC_NAME_REPLY && port_reply_save(&name) != 0)
        fp_server_fail("save the reply slot", -ERR_NAME);
    return name;
}

/* Answer @m's request @id on right @to with words @w0 and the rest of @m's words + 1. */
static void fp_answer(struct ipc_message *m, port_name_t to, uint32_t id, uint64_t w0)
{
    uint64_t w[IPC_WORDS] = {w0, m->w[1] + 1, m->w[2] + 1, m->w[3] + 1};
    uint32_t n = id == FP_ECHO ? ipc_inline_size(m) : 0;
    uint8_t *b = ipc_inline(m);

    for (uint32_t i = 0; i < n; i++)
        b[i] ^= 0x5a;
    ipc_msg_init(m, to, IPC_DISP_MOVE_SEND_ONCE, id | IPC_ID_REPLY);
    memcpy(m->w, w, sizeof(w));
    ipc_set_inline(m, n);
}

/*
 * The in-task server: every answer goes with its next receive (ipc_reply_recv,
 * the fast path's shape), every receive takes the reply slot.
 */
static void fp_server(void *arg)
{
    struct ipc_message *m = &fp_server_msg;
    port_name_t held = PORT_NULL, kept = PORT_NULL;
    long err = ipc_msg(m, IPC_RECV | IPC_REPLY_SLOT, fp_port, TEST_WAIT);
    (void)arg;

    while (err == 0) {
        switch (m->id) {
        case FP_ECHO:
            if (m->ndesc)
                ipc_msg_destroy(m); /* a right or pages sent along */
            fp_answer(m, m->remote, FP_ECHO, m->w[0] + 1);
            err = ipc_reply_recv(m, fp_port, TEST_WAIT);
            continue;
        case FP_HOLD:
            held = fp_keep(m);
            break;
        case FP_LATE: /* the caller timed out on FP_HOLD and called again */
            kept = fp_keep(m);
            fp_answer(m, held, FP_HOLD, FP_LATE_WORD);
            __atomic_store_n(&fp_late_sent, 1, __ATOMIC_SEQ_CST);
            err = ipc_reply_recv(m, fp_port, TEST_WAIT);
            fp_late_result = err;
            held = PORT_NULL;
            continue;
        case FP_KICK:
            fp_answer(m, kept, FP_LATE, FP_ANSWER);
            kept = PORT_NULL;
            err = ipc_reply_recv(m, fp_port, TEST_WAIT);
            continue;
        case FP_EXIT:
            sys_thread_exit(); /* the slot's right dies with the thread */
        default:
            fp_server_fail("unknown request", -ERR_INVAL);
        }
        err = ipc_msg(m, IPC_RECV | IPC_REPLY_SLOT, fp_port, TEST_WAIT);
    }
    fp_server_fail("receive", err);
}

static int fp_server_start(void)
{
    long t = thread_start(fp_server, NULL, 16 * 1024);

    return TEST_CHECK(t > 0, "server thread: %s", err_text(t)) ? 0 : 1;
}

static struct ipc_stat fp_stat(void)
{
    struct ipc_stat s = {0, 0};
    long err = sys_ipc_stat(&s);

    TEST_CHECK(err == 0, "ipc_stat: %s", err_text(err));
    return s;
}

/* Since @before: @calls more fast calls and @replies (or FP_ANY) more fast replies by this task. */
static void fp_expect(const struct ipc_stat *before, uint64_t calls, uint64_t replies,
                      const char *what)
{
    struct ipc_stat now = fp_stat();

    TEST_CHECK(now.fast_calls - before->fast_calls == calls &&
                   (replies == FP_ANY || now.fast_replies - before->fast_replies == replies),
               "%s: %lu fast calls and %lu fast replies, expected %lu and %lu", what,
               (unsigned long)(now.fast_calls - before->fast_calls),
               (unsigned long)(now.fast_replies - before->fast_replies), (unsigned long)calls,
               (unsigned long)replies);
}

/* Call fp_server's FP_ECHO with words {@w0, 2, 3, 4} and @n inline bytes from @m. */
static long fp_echo(struct ipc_message *m, uint64_t w0, uint32_t n)
{
    ipc_msg_init(m, fp_port, IPC_DISP_COPY_SEND, FP_ECHO);
    uint8_t *b = ipc_inline(m);
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 3 + w0);
    m->w[0] = w0, m->w[1] = 2, m->w[2] = 3, m->w[3] = 4;
    ipc_set_inline(m, n);
    return ipc_call(m, TEST_WAIT);
}

/* The answer fp_echo(@w0, @n) expects, in @m; untouched (zero) bytes from @set on. */
static bool fp_echo_ok(const struct ipc_message *m, long err, uint64_t w0, uint32_t n, uint32_t set)
{
    const uint8_t *b = ipc_inline((struct ipc_message *)m);

    if (err || m->id != (FP_ECHO | IPC_ID_REPLY) || m->w[0] != w0 + 1 || m->w[1] != 3 ||
        m->w[2] != 4 || m->w[3] != 5 || m->ext_size != n)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)((i < set ? (uint8_t)(i * 3 + w0) : 0) ^ 0x5a))
            return false;
    return true;
}

/* Taken: calls to the waiting server and its replies with the next receive. */
static void fp_check_taken(void)
{
    struct ipc_message *m = &fp_msg;

    /* The first call may find the server not yet in its receive; after an answer it always
     * is, since it answers and receives in one system call. */
    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 1, 0), 1, 0, 0), "first echo");
    struct ipc_stat before = fp_stat();
    for (uint64_t i = 0; i < 8; i++) {
        long err = fp_echo(m, 10 + i, 0);
        TEST_CHECK(fp_echo_ok(m, err, 10 + i, 0, 0), "echo %lu: %s", (unsigned long)i,
                   err_text(err));
    }
    fp_expect(&before, 8, 8, "eight register-only calls");
    before = fp_stat();
    uint64_t w[IPC_WORDS] = {40, 2, 3, 4};
    uint32_t id = 0;
    long err = ipc_call_words(fp_port, FP_ECHO, w, &id, TEST_WAIT);
    TEST_CHECK(err == 0 && id == (FP_ECHO | IPC_ID_REPLY) && w[0] == 41 && w[3] == 5,
               "ipc_call_words: %s, id 0x%x, w0 %lu", err_text(err), id, (unsigned long)w[0]);
    fp_expect(&before, 1, 1, "ipc_call_words");
    before = fp_stat();
    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 50, 64), 50, 64, 64), "64 inline bytes");
    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 51, 1024), 51, 1024, 1024), "1,024 inline bytes");
    fp_expect(&before, 2, 2, "inline bytes on mapped pages");
    before = fp_stat();
    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 52, 1025), 52, 1025, 1025), "1,025 inline bytes");
    fp_expect(&before, 0, 0, "more inline bytes than the fast limit, both ways");
}

/* Refused: names the fast path cannot use get the general path's errors, and count nothing. */
static void fp_check_bad_names(void)
{
    struct ipc_message *m = &fp_msg;
    struct ipc_stat before = fp_stat();
    port_name_t gone, own;
    long err;

    ipc_msg_init(m, 0x12345u, IPC_DISP_COPY_SEND, FP_ECHO);
    err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(err == -ERR_NAME, "call on a name never given: %s", err_text(err));
    if (TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &gone) == 0, "allocate")) {
        port_destroy(gone);
        ipc_msg_init(m, gone, IPC_DISP_COPY_SEND, FP_ECHO);
        err = ipc_call(m, TEST_WAIT);
        TEST_CHECK(err == -ERR_NAME, "call on a stale name: %s", err_text(err));
    }
    if (TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &own) == 0, "allocate")) {
        ipc_msg_init(m, own, IPC_DISP_COPY_SEND, FP_ECHO);
        err = ipc_call(m, TEST_WAIT);
        TEST_CHECK(err == -ERR_RIGHT, "call on a receive right only: %s", err_text(err));
        port_destroy(own);
    }
    ipc_msg_init(m, IPC_NAME_REPLY, IPC_DISP_MOVE_SEND_ONCE, FP_ECHO | IPC_ID_REPLY);
    err = ipc_reply_recv(m, fp_port, TEST_WAIT);
    TEST_CHECK(err == -ERR_NAME, "a reply through an empty slot: %s", err_text(err));
    fp_expect(&before, 0, 0, "bad names");
    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 60, 0), 60, 0, 0), "the server still answers");
}

static port_name_t fp_client_port;
static volatile unsigned fp_client_calling;
static volatile long fp_client_result = 1;
static volatile uint64_t fp_client_w0;

/* A client thread: one call of FP_CALL with w0 @arg to fp_client_port. */
static void fp_client(void *arg)
{
    struct ipc_message *m = &fp_client_msg;

    ipc_msg_init(m, fp_client_port, IPC_DISP_COPY_SEND, FP_CALL);
    m->w[0] = (uint64_t)(uintptr_t)arg;
    __atomic_store_n(&fp_client_calling, 1, __ATOMIC_SEQ_CST);
    long err = ipc_call(m, TEST_WAIT);
    fp_client_w0 = m->w[0];
    __atomic_store_n(&fp_client_result,
                     err == 0 && m->id != (FP_CALL | IPC_ID_REPLY) ? -ERR_INVAL : err,
                     __ATOMIC_SEQ_CST);
}

/* Start fp_client calling @port with @w0 and wait until it is about to call. */
static bool fp_client_start(port_name_t port, uint64_t w0)
{
    fp_client_port = port;
    fp_client_calling = 0;
    fp_client_result = 1;
    long t = thread_start(fp_client, (void *)(uintptr_t)w0, 16 * 1024);
    if (!TEST_CHECK(t > 0, "client thread: %s", err_text(t)))
        return false;
    while (!__atomic_load_n(&fp_client_calling, __ATOMIC_SEQ_CST))
        sys_yield();
    return true;
}

/* Receive on @port with the reply slot, polling (no wait in the kernel) until a message is there.
 */
static long fp_poll(struct ipc_message *m, port_name_t port)
{
    long err = -ERR_TIMEOUT;

    for (int i = 0; i < FP_POLLS && err == -ERR_TIMEOUT; i++)
        if ((err = ipc_msg(m, IPC_RECV | IPC_REPLY_SLOT, port, 0)) == -ERR_TIMEOUT)
            sys_yield();
    return err;
}

/* Wait until fp_client has its result. */
static long fp_client_wait(void)
{
    while (__atomic_load_n(&fp_client_result, __ATOMIC_SEQ_CST) == 1)
        sys_yield();
    return fp_client_result;
}

/*
 * Refused: a call to a port whose receiver is not waiting is queued (the
 * general path gives the reply right a name, not the slot); the reply to
 * that caller, who does wait, is fast.
 */
static void fp_check_not_waiting(void)
{
    struct ipc_message *m = &fp_msg;
    port_name_t q;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &q) == 0 && port_insert_send(q) == 0,
                    "allocate"))
        return;
    struct ipc_stat before = fp_stat();
    if (!fp_client_start(q, 70))
        return;
    long err = fp_poll(m, q);
    TEST_CHECK(err == 0 && m->id == FP_CALL && m->w[0] == 70, "queued call: %s, id 0x%x",
               err_text(err), m->id);
    TEST_CHECK(m->remote != IPC_NAME_REPLY && m->remote != PORT_NULL,
               "a queued call's reply right has a name");
    fp_expect(&before, 0, 0, "a call to a receiver not waiting");
    before = fp_stat();
    fp_answer(m, m->remote, FP_CALL, 71);
    err = ipc_reply_recv(m, q, 1000000); /* nobody sends again: the receive times out */
    TEST_CHECK(err == -ERR_TIMEOUT, "reply and receive: %s", err_text(err));
    TEST_CHECK(fp_client_wait() == 0 && fp_client_w0 == 71, "the caller's answer: %s, w0 %lu",
               err_text(fp_client_result), (unsigned long)fp_client_w0);
    fp_expect(&before, 0, 1, "the reply to a waiting caller, through a name");
    port_destroy(q);
}

/*
 * Refused: a full queue fails a call at once (timeout 0), at its deadline,
 * or blocks it until there is room; no message is lost or reordered.
 */
static void fp_check_full_queue(void)
{
    struct ipc_message *m = &fp_msg;
    port_name_t f;
    long err;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &f) == 0 && port_insert_send(f) == 0 &&
                        port_set_qlimit(f, 2) == 0,
                    "allocate"))
        return;
    struct ipc_stat before = fp_stat();
    for (uint64_t i = 1; i <= 2; i++) {
        ipc_msg_init(m, f, IPC_DISP_COPY_SEND, FP_ECHO);
        m->w[0] = i;
        TEST_CHECK((err = ipc_send(m, 0)) == 0, "send %lu: %s", (unsigned long)i, err_text(err));
    }
    ipc_msg_init(m, f, IPC_DISP_COPY_SEND, FP_CALL);
    err = ipc_call(m, 0);
    TEST_CHECK(err == -ERR_FULL, "a call to a full queue, timeout 0: %s", err_text(err));
    ipc_msg_init(m, f, IPC_DISP_COPY_SEND, FP_CALL);
    err = ipc_call(m, 2000000);
    TEST_CHECK(err == -ERR_TIMEOUT, "a call to a full queue, 2 ms: %s", err_text(err));
    if (!fp_client_start(f, 3))
        return;
    sys_yield(); /* most likely it waits for room now (the results are the same either way) */
    uint64_t got[3] = {0, 0, 0};
    port_name_t reply = PORT_NULL;
    for (int n = 0; n < 3; n++) {
        err = fp_poll(m, f);
        if (!TEST_CHECK(err == 0, "receive %d: %s", n, err_text(err)))
            break;
        got[n] = m->w[0];
        if (m->id == FP_CALL)
            reply = m->remote;
    }
    TEST_CHECK(got[0] == 1 && got[1] == 2 && got[2] == 3, "in order: %lu %lu %lu",
               (unsigned long)got[0], (unsigned long)got[1], (unsigned long)got[2]);
    TEST_CHECK(ipc_recv(m, f, 0) == -ERR_TIMEOUT, "nothing else queued");
    if (TEST_CHECK(reply != PORT_NULL, "the blocked call arrived")) {
        fp_answer(m, reply, FP_CALL, 4);
        TEST_CHECK((err = ipc_send(m, 0)) == 0, "answer: %s", err_text(err));
        TEST_CHECK(fp_client_wait() == 0 && fp_client_w0 == 4, "the blocked caller's answer: %s",
                   err_text(fp_client_result));
    }
    fp_expect(&before, 0, 0, "a full queue");
    port_destroy(f);
}

/*
 * Refused: the caller times out on a request the server holds, then calls
 * again; the server's late answer to the first goes (reply and receive, the
 * fast shape) while the caller waits for the second. It must not be taken
 * for the second's answer: the caller drops it and gets its own.
 */
static volatile unsigned fp_kicked;

static void fp_kicker(void *arg)
{
    struct ipc_message k;
    (void)arg;

    while (!__atomic_load_n(&fp_late_sent, __ATOMIC_SEQ_CST))
        sys_yield();
    ipc_msg_init(&k, fp_port, IPC_DISP_COPY_SEND, FP_KICK);
    long err = ipc_send(&k, TEST_WAIT);
    if (err)
        printf("FAIL: test_ipc_fastpath kicker: %s\n", err_text(err));
    __atomic_store_n(&fp_kicked, 1, __ATOMIC_SEQ_CST);
}

static void fp_check_late_reply(void)
{
    struct ipc_message *m = &fp_msg;

    ipc_msg_init(m, fp_port, IPC_DISP_COPY_SEND, FP_HOLD);
    long err = ipc_call(m, 2000000);
    TEST_CHECK(err == -ERR_TIMEOUT, "a held call with 2 ms: %s", err_text(err));
    long t = thread_start(fp_kicker, NULL, 16 * 1024);
    if (!TEST_CHECK(t > 0, "kicker thread: %s", err_text(t)))
        return;
    ipc_msg_init(m, fp_port, IPC_DISP_COPY_SEND, FP_LATE);
    m->w[0] = 1, m->w[1] = 2, m->w[2] = 3, m->w[3] = 4;
    err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(err == 0 && m->id == (FP_LATE | IPC_ID_REPLY) && m->w[0] == FP_ANSWER,
               "the call after a timeout gets its own answer: %s, id 0x%x, w0 0x%lx", err_text(err),
               m->id, (unsigned long)m->w[0]);
    while (!__atomic_load_n(&fp_kicked, __ATOMIC_SEQ_CST))
        sys_yield();
    TEST_CHECK(fp_late_result == 0, "the late answer was sent: %s", err_text(fp_late_result));
    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 80, 0), 80, 0, 0), "the server still answers");
}

/* Refused: a message with a right or out-of-line pages goes the general path and arrives. */
static void fp_check_general_shapes(void)
{
    struct ipc_message *m = &fp_msg;
    port_name_t p;

    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 90, 0), 90, 0, 0), "echo");
    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return;
    struct ipc_stat before = fp_stat();
    ipc_msg_init(m, fp_port, IPC_DISP_COPY_SEND, FP_ECHO);
    m->w[0] = 91, m->w[1] = 2, m->w[2] = 3, m->w[3] = 4;
    ipc_add_port(m, p, IPC_DISP_MAKE_SEND);
    long err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(err == 0 && m->w[0] == 92, "a call with a right: %s", err_text(err));
    fp_expect(&before, 0, 1, "a call with a right (its reply is fast)");
    unsigned rights = 0, refs = 0;
    TEST_CHECK(port_get_rights(p, &rights, &refs) == 0 && rights == IPC_RIGHT_RECEIVE,
               "the server dropped the send right it got (rights 0x%x)", rights);
    port_destroy(p);

    long base = sys_vm_allocate(3 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate: %s", err_text(base)))
        return;
    before = fp_stat();
    ipc_msg_init(m, fp_port, IPC_DISP_COPY_SEND, FP_ECHO);
    m->w[0] = 93, m->w[1] = 2, m->w[2] = 3, m->w[3] = 4;
    memset((void *)base, 0x33, PAGE_SIZE);
    TEST_CHECK(ipc_add_ool(m, (void *)base, PAGE_SIZE, IPC_OOL_COPY) == 0, "add pages");
    err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(err == 0 && m->w[0] == 94, "a call with out-of-line pages: %s", err_text(err));
    fp_expect(&before, 0, 1, "a call with out-of-line pages");

    sys_vm_deallocate((void *)base, 3 * PAGE_SIZE);
}

/*
 * Refused: inline bytes on a page never touched (the fast path's read faults,
 * the general path faults the page in: zeros). The page is a region of its
 * own, so that no fault on the message's header brings it in with a cluster.
 */
static void fp_check_untouched(void)
{
    long base = sys_vm_allocate(2 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (!TEST_CHECK(base > 0, "allocate: %s", err_text(base)))
        return;
    sys_vm_deallocate((void *)base, 2 * PAGE_SIZE);
    void *page = (void *)(base + PAGE_SIZE);
    if (!TEST_CHECK(
            sys_vm_allocate_at((void *)base, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE) == base &&
                sys_vm_allocate_at(page, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE) == (long)page,
            "two regions side by side"))
        return;
    struct ipc_message *u =
        (struct ipc_message *)(base + PAGE_SIZE - offsetof(struct ipc_message, ext));
    ipc_msg_init(u, fp_port, IPC_DISP_COPY_SEND, FP_ECHO);
    u->w[0] = 95, u->w[1] = 2, u->w[2] = 3, u->w[3] = 4;
    ipc_set_inline(u, 64);
    struct vm_query q = {0, 0, 0};
    TEST_CHECK(sys_vm_query(page, &q) == 0 && !q.resident, "the bytes' page is not resident");
    struct ipc_stat before = fp_stat();
    long err = ipc_call(u, TEST_WAIT);
    TEST_CHECK(fp_echo_ok(u, err, 95, 64, 0), "inline bytes on a page never touched: %s",
               err_text(err));
    fp_expect(&before, 0, FP_ANY, "inline bytes on a page never touched");
    sys_vm_deallocate((void *)base, 2 * PAGE_SIZE);
}

/* Dead partners: the server thread ends holding the slot; a server task dies. */
static void fp_check_dead_server(void)
{
    struct ipc_message *m = &fp_msg;
    struct ipc_stat before = fp_stat();

    ipc_msg_init(m, fp_port, IPC_DISP_COPY_SEND, FP_EXIT);
    long err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(err == -ERR_DEAD, "the server thread ended holding the slot: %s", err_text(err));
    fp_expect(&before, 1, 0, "a call whose server thread ends");
    if (fp_server_start())
        return;
    TEST_CHECK(fp_echo_ok(m, fp_echo(m, 100, 0), 100, 0, 0), "a new server thread answers");

    port_name_t svc;
    long task = ipct_spawn_helper("echo", &svc);
    if (!TEST_CHECK(task >= 0 && svc != PORT_NULL, "spawn helper: %s", err_text(task)))
        return;
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_WORDS);
    TEST_CHECK(ipc_call(m, TEST_WAIT) == 0, "the helper answers");
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_EXIT);
    err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(err == -ERR_DEAD, "the server task exits without answering: %s", err_text(err));
    struct task_status st = {0, 0, 0};
    TEST_CHECK(sys_task_wait(task_port_of(task), &st) == 0 && st.end == TASK_END_EXIT,
               "the helper exited");
    before = fp_stat();
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_WORDS);
    err = ipc_call(m, TEST_WAIT);
    TEST_CHECK(err == -ERR_DEAD, "a call to the dead server's port: %s", err_text(err));
    fp_expect(&before, 0, 0, "a call to a dead port");
    port_deallocate(svc);
}

/*
 * A dead partner the other way: the caller's task is killed while the
 * server holds its reply right in the slot. The reply (with the next
 * receive, the fast shape) gets -ERR_DEAD, and the right is gone.
 */
static void fp_check_dead_caller(void)
{
    struct ipc_message *m = &fp_msg;
    port_name_t boot;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &boot) == 0, "allocate"))
        return;
    long task = sys_task_spawn_bootstrap("ipc_helper", "client 1 1", boot);
    if (!TEST_CHECK(task >= 0, "spawn a client: %s", err_text(task)))
        return;
    long err = ipc_msg(m, IPC_RECV | IPC_REPLY_SLOT, boot, TEST_WAIT);
    TEST_CHECK(err == 0 && m->id == IPCT_ID_WORDS, "the client's call: %s", err_text(err));
    port_name_t reply = m->remote; /* the slot, or a name if it was queued */
    TEST_CHECK(sys_task_kill(task_port_of(task)) == 0, "kill the client");
    struct task_status st = {0, 0, 0};
    TEST_CHECK(sys_task_wait(task_port_of(task), &st) == 0 && st.end == TASK_END_KILLED,
               "the client was killed");
    struct ipc_stat before = fp_stat();
    ipc_msg_init(m, reply, IPC_DISP_MOVE_SEND_ONCE, IPCT_ID_WORDS | IPC_ID_REPLY);
    err = ipc_reply_recv(m, boot, TEST_WAIT);
    TEST_CHECK(err == -ERR_DEAD, "a reply to a killed caller: %s", err_text(err));
    fp_expect(&before, 0, 0, "a reply to a killed caller");
    port_deallocate(reply);
    unsigned rights = 0, refs = 0;
    err = port_get_rights(reply, &rights, &refs);
    TEST_CHECK(err == -ERR_NAME, "the dead reply right is gone: %s, rights 0x%x", err_text(err),
               rights);
    port_destroy(boot);
}

int main(void)
{
    /* Every page of the messages resident: the fast path takes only mapped buffers. */
    memset(&fp_msg, 0, sizeof(fp_msg));
    memset(&fp_server_msg, 0, sizeof(fp_server_msg));
    memset(&fp_client_msg, 0, sizeof(fp_client_msg));
    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &fp_port) == 0 &&
                        port_insert_send(fp_port) == 0,
                    "allocate") ||
        fp_server_start())
        return test_report("test_ipc_fastpath");
    fp_check_taken();
    fp_check_bad_names();
    fp_check_not_waiting();
    fp_check_full_queue();
    fp_check_late_reply();
    fp_check_general_shapes();
    fp_check_untouched();
    fp_check_dead_server();
    fp_check_dead_caller();
    TEST_CHECK(fp_server_failures == 0, "the server thread saw no failure");
    char why[128] = "";
    long err = sys_kernel_check(ipc_host_port, why, sizeof(why));
    TEST_CHECK(err == 0, "kernel check: %s (%s)", err_text(err), why);
    return test_report("test_ipc_fastpath");
}
