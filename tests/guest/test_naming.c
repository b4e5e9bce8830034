/*
 * init's name service, seen from a client through its bootstrap port: the
 * service finds itself, a helper server (naming_echo) registers "echo" and
 * is looked up and called, missing names, bad names and raw malformed
 * messages get error replies while the service keeps serving, the service
 * is gone once the helper exits, and a full table refuses more names.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <naming_defs.h>
#include <naming_echo_defs.h>
#include <notify_kabi.h>

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c: from the kernel */

#define NT_RETRY_NS (10ull * 1000 * 1000)
#define NT_CALL_TIMEOUT (5ull * 1000 * 1000 * 1000)
#define NT_FILL_MAX 80 /* more registrations than the registry can hold */

static port_name_t nt_ns; /* init's name service */
static struct ipc_message nt_msg;

/* The service still answers: a lookup of its own name works. */
static void nt_check_serving(const char *after)
{
    port_name_t self = PORT_NULL;
    int err = naming_lookup(nt_ns, "naming", &self);

    TEST_CHECK(err == 0, "after %s: the name service stopped answering: %s", after, err_text(err));
    if (err == 0)
        port_deallocate(self);
}

/* Call with raw message @m (request id @id): 0 and the error reply's code in *@code, or -ERR_*. */
static long nt_raw_call(struct ipc_message *m, uint32_t id, int64_t *code)
{
    long err = ipc_call(m, NT_CALL_TIMEOUT);

    if (err != 0)
        return err;
    TEST_CHECK(m->id == (id | IPC_ID_REPLY), "reply id 0x%x to request 0x%x", m->id, id);
    TEST_CHECK(m->ndesc == 0 && m->ext_size == 0, "error reply to 0x%x carries %u bytes", id,
               m->ext_size);
    *code = (int64_t)m->w[0];
    return 0;
}

/* Start a raw request @id to the name service with no descriptors and no inline bytes. */
static void nt_raw_init(struct ipc_message *m, uint32_t id)
{
    ipc_msg_init(m, nt_ns, IPC_DISP_COPY_SEND, id);
    m->w[0] = m->w[1] = m->w[2] = m->w[3] = 0;
}

/* Write a name field: length word @len, then @bytes bytes copied from @text (padded with 'x'). */
static void nt_raw_name(struct ipc_message *m, uint64_t len, const char *text, uint32_t bytes)
{
    struct naming_register_request *rq = ipc_inline(m);
    size_t n = strlen(text) + 1;

    rq->name_len = len;
    memset(rq->name, 'x', bytes);
    memcpy(rq->name, text, n < bytes ? n : bytes);
    ipc_set_inline(m, (uint32_t)offsetof(struct naming_register_request, name) + bytes);
}

/* Raw register of @port with a name field as nt_raw_name(); expect error reply @want. */
static void nt_raw_register(port_name_t port, uint64_t len, const char *text, uint32_t bytes,
                            int64_t want, const char *what)
{
    struct ipc_message *m = &nt_msg;
    int64_t code = 0;
    long err;

    nt_raw_init(m, NAMING_REGISTER_ID);
    ipc_add_port(m, port, IPC_DISP_COPY_SEND);
    nt_raw_name(m, len, text, bytes);
    err = nt_raw_call(m, NAMING_REGISTER_ID, &code);
    TEST_CHECK(err == 0 && code == want, "register %s: call %s, reply %s (want %s)", what,
               err_text(err), err_text(code), err_text(want));
    nt_check_serving(what);
}

/* Look up the service itself, a missing name and a too long one (refused by the stub). */
static void nt_check_basics(void)
{
    port_name_t self = PORT_NULL, none = PORT_NULL;
    char longname[NAMING_LOOKUP_NAME_MAX + 8];
    int err;

    TEST_CHECK(nt_ns != PORT_NULL, "no bootstrap port");
    err = naming_lookup(nt_ns, "naming", &self);
    TEST_CHECK(err == 0 && self == nt_ns, "lookup naming: %s, name 0x%x (bootstrap 0x%x)",
               err_text(err), self, nt_ns);
    if (err == 0)
        port_deallocate(self);
    err = naming_lookup(nt_ns, "no-such-service", &none);
    TEST_CHECK(err == -ERR_NOENT, "lookup of a missing name: %s", err_text(err));
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    err = naming_lookup(nt_ns, longname, &none);
    TEST_CHECK(err == -ERR_INVAL, "lookup of a too long name: %s", err_text(err));
    TEST_CHECK(none == PORT_NULL, "a failed lookup wrote a name");
}

/* Spawn naming_echo and wait until "echo" can be looked up; returns its send right. */
static port_name_t nt_start_echo(long *task)
{
    port_name_t echo = PORT_NULL;
    int err = -ERR_NOENT;

    *task = sys_task_spawn_bootstrap("naming_echo", "", nt_ns);
    TEST_CHECK(*task > 0, "spawn naming_echo: %s", err_text(*task));
    if (*task <= 0)
        return PORT_NULL;
    while (err == -ERR_NOENT) { /* until it registers: waited for, not timed */
        err = naming_lookup(nt_ns, "echo", &echo);
        if (err == -ERR_NOENT)
            sys_sleep_ns(NT_RETRY_NS);
    }
    TEST_CHECK(err == 0, "lookup echo: %s", err_text(err));
    return err == 0 ? echo : PORT_NULL;
}

/* Call the echo service at @echo and check its answer. */
static void nt_check_echo(port_name_t echo)
{
    char text[NAMING_ECHO_ECHO_ECHOED_MAX];
    uint64_t result = 0;
    int err = naming_echo_echo(echo, "hello, naming", 20, text, &result);

    TEST_CHECK(err == 0, "echo call: %s", err_text(err));
    if (err == 0)
        TEST_CHECK(strcmp(text, "hello, naming") == 0 && result == 41, "echo answered \"%s\", %lu",
                   text, (unsigned long)result);
}

/* Duplicate, alias and bad names through the stubs, with our own port @mine. */
static void nt_check_register_rules(port_name_t mine, port_name_t echo)
{
    port_name_t got = PORT_NULL;
    int err;

    err = naming_register(nt_ns, "echo", mine);
    TEST_CHECK(err == -ERR_BUSY, "register a taken name: %s", err_text(err));
    err = naming_lookup(nt_ns, "echo", &got);
    TEST_CHECK(err == 0 && got == echo, "echo changed hands: %s, 0x%x", err_text(err), got);
    if (err == 0)
        port_deallocate(got);
    err = naming_register(nt_ns, "echo-alias", echo);
    TEST_CHECK(err == 0, "register a second name for echo: %s", err_text(err));
    err = naming_register(nt_ns, "", mine);
    TEST_CHECK(err == -ERR_INVAL, "register an empty name: %s", err_text(err));
    err = naming_register(nt_ns, "two words", mine);
    TEST_CHECK(err == -ERR_INVAL, "register a name with a space: %s", err_text(err));
    err = naming_register(nt_ns, "no-port", PORT_NULL);
    TEST_CHECK(err != 0, "register PORT_NULL succeeded");
    nt_check_serving("bad registrations");
}

/* Register requests built by hand with broken name fields: each gets -ERR_INVAL. */
static void nt_check_raw_names(port_name_t mine)
{
    nt_raw_register(mine, 48, "", 48, -ERR_INVAL, "unterminated 48-byte name");
    nt_raw_register(mine, 49, "", 49, -ERR_INVAL, "49-byte name");
    nt_raw_register(mine, 0, "", 0, -ERR_INVAL, "zero-length name");
    nt_raw_register(mine, 1ull << 40, "huge", 48, -ERR_INVAL, "name length 2^40");
    nt_raw_register(mine, 5, "abcd", 12, -ERR_INVAL, "name shorter than the message");
    nt_raw_register(mine, 5, "a\tcd", 5, -ERR_INVAL, "name with a tab");
    nt_raw_register(mine, 5, "abcde", 5, -ERR_INVAL, "short name without its NUL");
    nt_raw_register(mine, 7, "raw-ok", 7, 0, "well-formed raw name");
}

/* A request with one garbage descriptor: the kernel refuses it or init replies -ERR_INVAL. */
static void nt_check_garbage_desc(uint32_t type, uint32_t flags, const char *what)
{
    struct ipc_message *m = &nt_msg;
    int64_t code = 0;
    long err;

    nt_raw_init(m, NAMING_LOOKUP_ID);
    ipc_add_port(m, PORT_NULL, 0);
    m->ext.desc[0].type = type;
    m->ext.desc[0].flags = flags;
    m->ext.desc[0].name = 0xdead01;
    m->ext.desc[0].address = 0x1000;
    m->ext.desc[0].size = 3;
    nt_raw_name(m, 5, "echo", 5);
    err = nt_raw_call(m, NAMING_LOOKUP_ID, &code);
    TEST_CHECK(err < 0 || code == -ERR_INVAL, "%s: call %s, reply %s", what, err_text(err),
               err_text(code));
    nt_check_serving(what);
}

/* Raw requests of the wrong shape, id or reply right; each is refused and init keeps serving. */
static void nt_check_raw_malformed(port_name_t mine)
{
    struct ipc_message *m = &nt_msg;
    int64_t code = 0;
    long err;

    nt_raw_init(m, 0x1234);
    err = nt_raw_call(m, 0x1234, &code);
    TEST_CHECK(err == 0 && code == -ERR_NOSYS, "unknown id: %s, reply %s", err_text(err),
               err_text(code));
    nt_raw_init(m, NOTIFY_DEAD_NAME_ID); /* a forged kernel notification */
    m->w[NOTIFY_DEAD_NAME_NAME_SLOT] = mine;
    err = nt_raw_call(m, NOTIFY_DEAD_NAME_ID, &code);
    TEST_CHECK(err == 0 && code == -ERR_NOSYS, "forged dead-name: %s, reply %s", err_text(err),
               err_text(code));
    nt_raw_init(m, NAMING_REGISTER_ID); /* no port descriptor */
    nt_raw_name(m, 5, "nodesc", 5);
    err = nt_raw_call(m, NAMING_REGISTER_ID, &code);
    TEST_CHECK(err == 0 && code == -ERR_INVAL, "register without a port: %s, reply %s",
               err_text(err), err_text(code));
    nt_raw_init(m, NAMING_LOOKUP_ID); /* a port where none belongs */
    ipc_add_port(m, mine, IPC_DISP_COPY_SEND);
    nt_raw_name(m, 5, "echo", 5);
    err = nt_raw_call(m, NAMING_LOOKUP_ID, &code);
    TEST_CHECK(err == 0 && code == -ERR_INVAL, "lookup with a port: %s, reply %s", err_text(err),
               err_text(code));
    nt_check_serving("malformed requests");
    nt_check_garbage_desc(99, 0, "descriptor of type 99");
    nt_check_garbage_desc(IPC_DESC_PORT, 77, "port descriptor with disposition 77");
    nt_check_garbage_desc(IPC_DESC_OOL, IPC_OOL_COPY, "out-of-line descriptor of 3 bytes");
}

/* A register request whose port argument is an out-of-line page: refused, the page dropped. */
static void nt_check_raw_ool(void)
{
    struct ipc_message *m = &nt_msg;
    long page = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    int64_t code = 0;
    long err;

    TEST_CHECK(page > 0, "vm_allocate: %s", err_text(page));
    if (page <= 0)
        return;
    memset((void *)page, 0x5a, PAGE_SIZE);
    nt_raw_init(m, NAMING_REGISTER_ID);
    ipc_add_ool(m, (void *)page, PAGE_SIZE, IPC_OOL_COPY);
    nt_raw_name(m, 5, "oolx", 5);
    err = nt_raw_call(m, NAMING_REGISTER_ID, &code);
    TEST_CHECK(err == 0 && code == -ERR_INVAL, "register with a page: %s, reply %s", err_text(err),
               err_text(code));
    sys_vm_deallocate((void *)page, PAGE_SIZE);
    nt_check_serving("a page instead of a port");
}

/*
 * Requests that get no reply or whose reply cannot be delivered: one-way
 * (no reply right), a send right as reply right, and a send-once right to a
 * full queue. init must drop them and keep serving without blocking.
 */
static void nt_check_bad_reply_rights(port_name_t mine)
{
    struct ipc_message *m = &nt_msg;
    port_name_t full;
    long err;

    nt_raw_init(m, NAMING_LOOKUP_ID);
    nt_raw_name(m, 7, "naming", 7);
    err = ipc_send(m, NT_CALL_TIMEOUT);
    TEST_CHECK(err == 0, "one-way lookup: %s", err_text(err));
    nt_check_serving("a one-way request");
    m->local = mine;
    m->local_disp = IPC_DISP_MAKE_SEND;
    err = ipc_send(m, NT_CALL_TIMEOUT);
    TEST_CHECK(err == 0, "lookup with a send right to reply to: %s", err_text(err));
    nt_check_serving("a send right as reply right");
    err = ipc_recv(m, mine, 0);
    TEST_CHECK(err == -ERR_TIMEOUT, "a reply came through a send right: %s", err_text(err));
    err = port_allocate(IPC_RIGHT_RECEIVE, &full);
    if (err == 0)
        err = port_set_qlimit(full, 1);
    if (err == 0) {
        ipc_msg_init(m, full, IPC_DISP_MAKE_SEND, 0x55);
        err = ipc_send(m, 0);
    }
    TEST_CHECK(err == 0, "fill a queue: %s", err_text(err));
    nt_raw_init(m, NAMING_LOOKUP_ID);
    nt_raw_name(m, 7, "naming", 7);
    m->local = full;
    m->local_disp = IPC_DISP_MAKE_SEND_ONCE;
    err = ipc_send(m, NT_CALL_TIMEOUT);
    TEST_CHECK(err == 0, "lookup replying to a full queue: %s", err_text(err));
    nt_check_serving("a reply right to a full queue");
    port_destroy(full);
}

/* Stop the echo server @task and check that its names are gone. */
static void nt_check_echo_gone(long task, port_name_t echo)
{
    struct task_status status = {0, 0, 0};
    port_name_t got = PORT_NULL;
    int err = naming_echo_quit(echo);

    TEST_CHECK(err == 0, "quit echo: %s", err_text(err));
    err = (int)sys_task_wait(task_port_of(task), &status);
    TEST_CHECK(err == 0 && status.end == TASK_END_EXIT && status.code == 0,
               "naming_echo ended %d/%d: %s", status.end, status.code, err_text(err));
    port_deallocate(echo);
    /*
     * The kernel queued init's dead-name notification when the port died,
     * before sys_task_wait returned, so init drops both names before it
     * serves our lookups (-ERR_DEAD would mean the notification was lost).
     */
    err = naming_lookup(nt_ns, "echo", &got);
    TEST_CHECK(err == -ERR_NOENT, "lookup of a dead service: %s", err_text(err));
    err = naming_lookup(nt_ns, "echo-alias", &got);
    TEST_CHECK(err == -ERR_NOENT, "lookup of a dead alias: %s", err_text(err));
    TEST_CHECK(got == PORT_NULL, "a lookup of a dead service gave a right");
}

/* The name of a dead service can be taken again; then fill the registry until it refuses. */
static void nt_check_reuse_and_full(port_name_t mine)
{
    char name[16];
    port_name_t got = PORT_NULL;
    int err = naming_register(nt_ns, "echo", mine), added = 0;

    TEST_CHECK(err == 0, "register echo again after its death: %s", err_text(err));
    err = naming_lookup(nt_ns, "echo", &got);
    TEST_CHECK(err == 0 && got == mine, "lookup of the new echo: %s, 0x%x", err_text(err), got);
    if (err == 0)
        port_deallocate(got);
    for (int i = 0; i < NT_FILL_MAX; i++) {
        snprintf(name, sizeof(name), "fill-%d", i);
        err = naming_register(nt_ns, name, mine);
        if (err != 0)
            break;
        added++;
    }
    TEST_CHECK(err == -ERR_LIMIT && added > 0, "filling the registry: %d added, then %s", added,
               err_text(err));
    err = naming_lookup(nt_ns, "fill-0", &got);
    TEST_CHECK(err == 0 && got == mine, "lookup in a full registry: %s", err_text(err));
    if (err == 0)
        port_deallocate(got);
    nt_check_serving("a full registry");
    printf("test_naming: registry took %d more names before -ERR_LIMIT\n", added);
}

int main(void)
{
    port_name_t mine = PORT_NULL, echo;
    long task = 0;

    nt_ns = ipc_bootstrap_port;
    nt_check_basics();
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &mine) == 0 && port_insert_send(mine) == 0,
               "allocate a port");
    echo = nt_start_echo(&task);
    if (echo != PORT_NULL) {
        nt_check_echo(echo);
        nt_check_register_rules(mine, echo);
        nt_check_raw_names(mine);
        nt_check_raw_malformed(mine);
        nt_check_raw_ool();
        nt_check_bad_reply_rights(mine);
        nt_check_echo(echo); /* still reachable after all that */
        nt_check_echo_gone(task, echo);
        nt_check_reuse_and_full(mine);
    }
    return test_report("test_naming");
}
