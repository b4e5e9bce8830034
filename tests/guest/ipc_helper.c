/*
 * The helper task of the in-guest IPC tests, started by them with a bootstrap
 * port. Its argument string picks a role: "echo" serves the test protocol of
 * ipc_util.h on a fresh service port; "client N CALLS" makes CALLS calls to
 * the bootstrap port and checks every reply; "holder MS QLIMIT" holds the
 * receive right of a port, then exits after MS milliseconds (0: never).
 */
#include "ipc_util.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/lib.h>

static struct ipc_message helper_msg, helper_aux;

/* The unsigned decimal number in argv[@i] (0 if absent or not a number). */
static unsigned long helper_arg(int argc, char **argv, int i)
{
    uint64_t v = 0;

    if (i >= argc || !parse_u64(argv[i], &v))
        return 0;
    return (unsigned long)v;
}

/* Send HELLO with a send right made from receive right @port to the bootstrap port. */
static int helper_hello(port_name_t port)
{
    struct ipc_message *m = &helper_aux;

    ipc_msg_init(m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, IPCT_ID_HELLO);
    ipc_add_port(m, port, IPC_DISP_MAKE_SEND);
    long err = ipc_send(m, IPC_TIMEOUT_NONE);
    port_deallocate(ipc_bootstrap_port);
    return (int)err;
}

/* Describe the out-of-line pages of @m in w[] and inline frame numbers, then drop them. */
static void helper_ool_info(struct ipc_message *m)
{
    uint64_t frames[IPC_OOL_MAX_PAGES], h = 0, pages = 0, resident = 0;

    for (unsigned i = 0; i < m->ndesc; i++) {
        const struct ipc_desc *d = &m->ext.desc[i];
        if (!ipc_desc_ool_ok(d))
            continue;
        for (uint64_t off = 0; off < d->size; off += 4096) {
            struct vm_query q = {0, 0, 0};
            const uint64_t *page = (const uint64_t *)(uintptr_t)(d->address + off);
            sys_vm_query(page, &q);
            resident += q.resident;
            if (pages < IPC_OOL_MAX_PAGES)
                frames[pages] = q.frame;
            pages++;
            h ^= ipct_checksum(page, 512) + off;
        }
    }
    ipc_msg_destroy(m);
    ipc_msg_init(m, m->remote, IPC_DISP_MOVE_SEND_ONCE, IPCT_ID_OOL_INFO | IPC_ID_REPLY);
    memcpy(ipc_inline(m), frames, pages * sizeof(uint64_t));
    ipc_set_inline(m, (uint32_t)(pages * sizeof(uint64_t)));
    m->w[0] = h;
    m->w[1] = pages;
    m->w[2] = resident;
}

/* Use the right in desc[0] of request @m as its id says; returns the reply's w0. */
static uint64_t helper_use_right(struct ipc_message *m)
{
    struct ipc_message *a = &helper_aux;
    port_name_t name = m->ext.desc[0].name;
    long err;

    if (m->ndesc != 1 || m->ext.desc[0].type != IPC_DESC_PORT)
        return 0;
    if (m->id == IPCT_ID_USE_SEND) {
        ipc_msg_init(a, name, IPC_DISP_MOVE_SEND, IPCT_ID_PING);
        a->w[0] = m->w[0];
        err = ipc_send(a, 0);
        return err < 0 ? (uint64_t)err : 1;
    }
    err = ipc_recv(a, name, 0);
    port_destroy(name);
    return err < 0 ? (uint64_t)err : a->w[0];
}

/* Build in @m the reply to the request it holds. Returns false when no reply is due. */
static bool helper_handle(struct ipc_message *m, port_name_t *held)
{
    uint32_t n = ipc_inline_size(m);
    uint64_t w[IPC_WORDS];
    uint8_t *b = ipc_inline(m);

    memcpy(w, m->w, sizeof(w));
    switch (m->id) {
    case IPCT_ID_HOLD:
        *held = m->remote;
        return false;
    case IPCT_ID_DROP:
        port_deallocate(m->remote);
        return false;
    case IPCT_ID_EXIT:
        sys_exit(0);
    case IPCT_ID_OOL_INFO:
        helper_ool_info(m);
        return true;
    case IPCT_ID_USE_SEND:
    case IPCT_ID_USE_RECV:
        w[0] = helper_use_right(m);
        break;
    case IPCT_ID_BYTES:
        for (uint32_t i = 0; i < n; i++)
            b[i] ^= 0x5a;
        w[0] = n;
        break;
    case IPCT_ID_WORDS:
        for (int i = 0; i < IPC_WORDS; i++)
            w[i] = ~w[i];
        break;
    default:
        break;
    }
    ipc_msg_init(m, m->remote, IPC_DISP_MOVE_SEND_ONCE, m->id | IPC_ID_REPLY);
    if (m->id == (IPCT_ID_BYTES | IPC_ID_REPLY))
        ipc_set_inline(m, n);
    memcpy(m->w, w, sizeof(w));
    return true;
}

/* Answer a held request late, so that its caller (who gave up) must ignore it. */
static void helper_answer_held(port_name_t *held)
{
    struct ipc_message *a = &helper_aux;

    if (*held == PORT_NULL)
        return;
    ipc_msg_init(a, *held, IPC_DISP_MOVE_SEND_ONCE, IPCT_ID_HOLD | IPC_ID_REPLY);
    a->w[0] = IPCT_LATE;
    ipc_send(a, 0);
    *held = PORT_NULL;
}

static int helper_echo(void)
{
    struct ipc_message *m = &helper_msg;
    port_name_t svc, held = PORT_NULL;
    long err;

    if (port_allocate(IPC_RIGHT_RECEIVE, &svc) < 0 || helper_hello(svc) < 0)
        return 1;
    for (;;) {
        err = ipc_recv(m, svc, IPC_TIMEOUT_NONE);
        if (err < 0) {
            printf("FAIL: ipc_helper: receive: %s\n", err_text(err));
            return 1;
        }
        helper_answer_held(&held);
        uint32_t id = m->id;
        if (helper_handle(m, &held))
            ipc_send(m, 0);
        if (id == IPCT_ID_QUIT)
            return 0;
    }
}

/* Make @calls calls to the bootstrap port as client @n; returns the number of bad replies. */
static int helper_client(unsigned long n, unsigned long calls)
{
    struct ipc_message *m = &helper_msg;
    int bad = 0;

    for (unsigned long i = 0; i < calls; i++) {
        ipc_msg_init(m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, IPCT_ID_WORDS);
        m->w[0] = n;
        m->w[1] = i;
        m->w[2] = n * 100000 + i;
        m->w[3] = 0;
        long err = ipc_call(m, IPC_TIMEOUT_NONE);
        if (err < 0 || m->id != (IPCT_ID_WORDS | IPC_ID_REPLY) || m->w[0] != n || m->w[1] != i ||
            m->w[2] != (n * 100000 + i) * 2 + 1) {
            if (bad++ < 3)
                printf("FAIL: client %lu call %lu: %s, id 0x%x, w 0x%lx 0x%lx 0x%lx\n", n, i,
                       err_text(err), m->id, (unsigned long)m->w[0], (unsigned long)m->w[1],
                       (unsigned long)m->w[2]);
        }
    }
    port_deallocate(ipc_bootstrap_port);
    return bad > 255 ? 255 : bad;
}

/* Hold a receive right (queue limit @qlimit) whose send right goes to the spawner. */
static int helper_holder(unsigned long ms, unsigned long qlimit)
{
    port_name_t port, idle;

    if (port_allocate(IPC_RIGHT_RECEIVE, &port) < 0 || port_allocate(IPC_RIGHT_RECEIVE, &idle) < 0)
        return 1;
    if (qlimit)
        port_set_qlimit(port, (unsigned)qlimit);
    if (helper_hello(port) < 0)
        return 1;
    if (ms)
        sys_sleep_ns(ms * 1000000ull);
    else
        ipc_recv(&helper_msg, idle, IPC_TIMEOUT_NONE); /* nobody sends: wait to be killed */
    return 0;
}

int main(int argc, char **argv)
{
    const char *role = argc > 1 ? argv[1] : "";

    if (strcmp(role, "echo") == 0)
        return helper_echo();
    if (strcmp(role, "client") == 0)
        return helper_client(helper_arg(argc, argv, 2), helper_arg(argc, argv, 3));
    if (strcmp(role, "holder") == 0)
        return helper_holder(helper_arg(argc, argv, 2), helper_arg(argc, argv, 3));
    printf("FAIL: ipc_helper: unknown role \"%s\"\n", role);
    return 1;
}
