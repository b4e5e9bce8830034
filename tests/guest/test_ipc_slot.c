/*
 * The reply slot (IPC_REPLY_SLOT, IPC_NAME_REPLY) and the fast path's
 * inline copy. A server thread receives with the slot; the main thread
 * calls it. Checked: a register-only call and its reply leave no name in
 * the server; a saved reply (port_reply_save) answers after another
 * receive; the next receive drops an unanswered slot and a deallocation
 * empties it (the caller gets -ERR_DEAD either way); an empty slot is
 * -ERR_NAME; inline bytes come back right whether the fast path copies them
 * (resident buffers, up to its limit) or the general path does (a receive
 * buffer on a page never touched, more bytes than the fast limit); the
 * kernel's invariants hold afterwards (SYS_KERNEL_CHECK).
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <stddef.h>

#define SLOT_ECHO 0x501u    /* reply: the words + 1, the inline bytes ^ 0x5a */
#define SLOT_SAVE 0x502u    /* save the reply right, answer it after the next request */
#define SLOT_DROP 0x503u    /* receive again without answering */
#define SLOT_DEALLOC 0x504u /* deallocate the slot, check it is empty, answer nothing */
#define SLOT_QUIT 0x505u

static port_name_t slot_port;
static struct ipc_message slot_server_msg, slot_msg;
static volatile long slot_server_failures;
static volatile unsigned slot_names_seen; /* register-only requests whose right had a name */
static volatile unsigned slot_saves;      /* SAVE requests whose right the server saved */

static void slot_fail(const char *what, long err)
{
    printf("FAIL: test_ipc_slot server: %s: %s\n", what, err_text(err));
    slot_server_failures++;
}

/* Build the echo reply to request @m in place: words + 1, inline bytes ^ 0x5a. */
static void slot_echo(struct ipc_message *m, port_name_t to)
{
    uint32_t n = ipc_inline_size(m);
    uint8_t *b = ipc_inline(m);
    uint64_t w[IPC_WORDS] = {m->w[0] + 1, m->w[1] + 1, m->w[2] + 1, m->w[3] + 1};

    for (uint32_t i = 0; i < n; i++)
        b[i] ^= 0x5a;
    ipc_msg_init(m, to, IPC_DISP_MOVE_SEND_ONCE, SLOT_ECHO | IPC_ID_REPLY);
    memcpy(m->w, w, sizeof(w));
    ipc_set_inline(m, n);
}

static void slot_server(void *arg)
{
    struct ipc_message *m = &slot_server_msg;
    port_name_t saved = PORT_NULL;
    unsigned options = IPC_RECV | IPC_REPLY_SLOT;
    (void)arg;

    for (;;) {
        long err = ipc_msg(m, options, slot_port, IPC_TIMEOUT_NONE);
        options = IPC_RECV | IPC_REPLY_SLOT;
        if (err) {
            slot_fail("receive", err);
            return;
        }
        if (m->ext_size == 0 && m->remote != IPC_NAME_REPLY)
            slot_names_seen++; /* a register-only call to a waiting server takes the slot */
        switch (m->id) {
        case SLOT_ECHO:
            slot_echo(m, m->remote);
            options |= IPC_SEND;
            if (saved != PORT_NULL) { /* the saved request first, through its name */
                struct ipc_message late;
                ipc_msg_init(&late, saved, IPC_DISP_MOVE_SEND_ONCE, SLOT_SAVE | IPC_ID_REPLY);
                late.w[0] = 0x5a7ed;
                if ((err = ipc_send(&late, 0)) != 0)
                    slot_fail("saved reply", err);
                saved = PORT_NULL;
            }
            break;
        case SLOT_SAVE:
            if (m->remote != IPC_NAME_REPLY) /* it came with a name: keep that */
                saved = m->remote;
            else if ((err = port_reply_save(&saved)) != 0 || saved == IPC_NAME_REPLY)
                slot_fail("save", err);
            __atomic_add_fetch(&slot_saves, 1, __ATOMIC_SEQ_CST);
            break;
        case SLOT_DROP:
            break; /* the next receive drops the slot's right */
        case SLOT_DEALLOC: {
            unsigned rights = 0, refs = 0;
            if ((err = port_get_rights(IPC_NAME_REPLY, &rights, &refs)) != 0 ||
                rights != IPC_RIGHT_SEND_ONCE)
                slot_fail("rights of the slot", err);
            if ((err = port_deallocate(IPC_NAME_REPLY)) != 0)
                slot_fail("deallocate the slot", err);
            if ((err = port_deallocate(IPC_NAME_REPLY)) != -ERR_NAME)
                slot_fail("deallocate an empty slot", err);
            ipc_msg_init(m, IPC_NAME_REPLY, IPC_DISP_MOVE_SEND_ONCE, 0);
            if ((err = ipc_send(m, 0)) != -ERR_NAME)
                slot_fail("send to an empty slot", err);
            if ((err = port_reply_save(&saved)) != -ERR_NAME)
                slot_fail("save an empty slot", err);
            saved = PORT_NULL;
            break;
        }
        case SLOT_QUIT:
            slot_echo(m, m->remote);
            if ((err = ipc_send(m, 0)) != 0)
                slot_fail("quit reply", err);
            return;
        default:
            slot_fail("unknown request", -ERR_INVAL);
        }
    }
}

static struct ipc_message slot_saver_msg;
static volatile long slot_saver_result = -1;
static volatile unsigned slot_saver_done;

/* A second caller whose request the server saves and answers after the next one. */
static void slot_saver(void *arg)
{
    struct ipc_message *m = &slot_saver_msg;
    (void)arg;

    ipc_msg_init(m, slot_port, IPC_DISP_COPY_SEND, SLOT_SAVE);
    slot_saver_result = ipc_call(m, TEST_WAIT);
    if (slot_saver_result == 0 && m->id != (SLOT_SAVE | IPC_ID_REPLY))
        slot_saver_result = -ERR_INVAL;
    __atomic_store_n(&slot_saver_done, 1, __ATOMIC_SEQ_CST);
}

/* Call the server with @id, words {@w0, 2, 3, 4} and @n inline bytes from @m; 0 or -ERR_*. */
static long slot_call(struct ipc_message *m, uint32_t id, uint64_t w0, uint32_t n)
{
    uint8_t *b = ipc_inline(m);

    ipc_msg_init(m, slot_port, IPC_DISP_COPY_SEND, id);
    m->w[0] = w0, m->w[1] = 2, m->w[2] = 3, m->w[3] = 4;
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + w0);
    ipc_set_inline(m, n);
    return ipc_call(m, TEST_WAIT);
}

/* An echo of @n bytes came back right in @m. */
static bool slot_echo_ok(const struct ipc_message *m, uint64_t w0, uint32_t n)
{
    const uint8_t *b = ipc_inline((struct ipc_message *)m);

    if (m->id != (SLOT_ECHO | IPC_ID_REPLY) || m->w[0] != w0 + 1 || m->w[3] != 5 ||
        ipc_inline_size(m) != n)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)((uint8_t)(i * 7 + w0) ^ 0x5a))
            return false;
    return true;
}

int main(void)
{
    struct ipc_message *m = &slot_msg;
    uint64_t w[IPC_WORDS] = {41, 1, 2, 3};
    uint32_t id = 0;
    long err;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &slot_port) == 0 &&
                        port_insert_send(slot_port) == 0,
                    "a port"))
        return test_report("test_ipc_slot");
    TEST_CHECK(thread_start(slot_server, NULL, 64 * 1024) > 0, "server thread");

    /* Register-only calls: the reply right travels in the slot, never as a name, once the
     * server waits in its receive (the first call may reach it queued, before it runs). */
    for (unsigned i = 0; i < 100; i++) {
        if (i == 1)
            slot_names_seen = 0;
        err = ipc_call_words(slot_port, SLOT_ECHO, w, &id, TEST_WAIT);
        TEST_CHECK(err == 0 && id == (SLOT_ECHO | IPC_ID_REPLY) && w[0] == 42 + i,
                   "call_words %u: %s, w0 %lu", i, err_text(err), (unsigned long)w[0]);
        if (err)
            break;
    }
    err = slot_call(m, SLOT_ECHO, 7, 0);
    TEST_CHECK(err == 0 && slot_echo_ok(m, 7, 0), "a register-only call: %s", err_text(err));

    /* Inline bytes: copied by the fast path (64, 1024) or the general one (2000). */
    static const uint32_t sizes[] = {1, 64, 1000, 1024, 2000, 4096};
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        err = slot_call(m, SLOT_ECHO, 100 + i, sizes[i]);
        TEST_CHECK(err == 0 && slot_echo_ok(m, 100 + i, sizes[i]), "%u inline bytes: %s",
                   (unsigned)sizes[i], err_text(err));
    }
    /* A message whose extension lies on pages never touched: the reply cannot be copied
     * without a fault, so the general path delivers it, faulting the page in. */
    long fresh = sys_vm_allocate(3 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (TEST_CHECK(fresh > 0, "allocate")) {
        struct ipc_message *far =
            (struct ipc_message *)(fresh + PAGE_SIZE - offsetof(struct ipc_message, ext));
        ipc_msg_init(far, slot_port, IPC_DISP_COPY_SEND, SLOT_ECHO);
        far->w[0] = 9, far->w[1] = 2, far->w[2] = 3, far->w[3] = 4;
        far->ext_size = 0;
        err = ipc_call(far, TEST_WAIT);
        TEST_CHECK(err == 0 && slot_echo_ok(far, 9, 0), "words, untouched buffer: %s",
                   err_text(err));
        err = slot_call(far, SLOT_ECHO, 10, 64);
        TEST_CHECK(err == 0 && slot_echo_ok(far, 10, 64), "bytes, buffer faulted in: %s",
                   err_text(err));
        sys_vm_deallocate((void *)fresh, 3 * PAGE_SIZE);
    }

    /* A saved reply right outlives the next receive and answers after it. */
    TEST_CHECK(thread_start(slot_saver, NULL, 16 * 1024) > 0, "saver thread");
    while (__atomic_load_n(&slot_saves, __ATOMIC_SEQ_CST) == 0)
        sys_yield(); /* until the server holds the saved right */
    err = slot_call(m, SLOT_ECHO, 20, 0);
    TEST_CHECK(err == 0 && slot_echo_ok(m, 20, 0), "the call after the saved one: %s",
               err_text(err));
    while (__atomic_load_n(&slot_saver_done, __ATOMIC_SEQ_CST) == 0)
        sys_yield();
    TEST_CHECK(slot_saver_result == 0 && slot_saver_msg.w[0] == 0x5a7ed,
               "the saved reply: %s, w0 %lx", err_text(slot_saver_result),
               (unsigned long)slot_saver_msg.w[0]);

    /* An unanswered slot: the next receive drops it, and so does a deallocation. */
    err = slot_call(m, SLOT_DROP, 0, 0);
    TEST_CHECK(err == -ERR_DEAD, "a dropped slot: %s", err_text(err));
    err = slot_call(m, SLOT_DEALLOC, 0, 0);
    TEST_CHECK(err == -ERR_DEAD, "a deallocated slot: %s", err_text(err));
    err = slot_call(m, SLOT_QUIT, 30, 16);
    TEST_CHECK(err == 0 && slot_echo_ok(m, 30, 16), "quit: %s", err_text(err));
    TEST_CHECK(slot_server_failures == 0, "%ld server checks failed", slot_server_failures);
    TEST_CHECK(slot_names_seen == 0, "%u reply rights came as names, not in the slot",
               slot_names_seen);

    /* Our own thread's slot is empty: a send to it and its operations are refused. */
    ipc_msg_init(m, IPC_NAME_REPLY, IPC_DISP_MOVE_SEND_ONCE, 1);
    TEST_CHECK(ipc_send(m, 0) == -ERR_NAME, "send to an empty slot");
    TEST_CHECK(port_deallocate(IPC_NAME_REPLY) == -ERR_NAME, "deallocate an empty slot");
    TEST_CHECK(ipc_msg(m, IPC_SEND | IPC_REPLY_SLOT, PORT_NULL, 0) == -ERR_INVAL,
               "the slot without a receive");
    TEST_CHECK(ipc_msg(m, IPC_CALL | IPC_SEND | IPC_RECV | IPC_REPLY_SLOT, PORT_NULL, 0) ==
                   -ERR_INVAL,
               "the slot with a call");
    char why[128] = "";
    err = sys_kernel_check(ipc_host_port, why, sizeof(why));
    TEST_CHECK(err == 0, "kernel check: %s (%s)", err_text(err), why);
    return test_report("test_ipc_slot");
}
