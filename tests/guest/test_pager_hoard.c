/*
 * A pager whose name table other tasks fill (issue 13): a pager that keeps
 * every right sent to it (mode "hoard", a child) is sent more receive rights
 * than its name table holds. A message whose rights no longer fit used to
 * stay at the head of the queue for good, the pager's loop polling every
 * millisecond, and every fault on its memory hung. Now the kernel destroys
 * such a message (-ERR_NOSPACE for the receiver) and the pager goes on: the
 * pages of its object are still served, and it dropped some of the flood.
 */
#include "pager_util.h" /* its inline helpers only: pager_util's handlers would be the framework's */

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <pager/pager.h>

#define HOARD_ID_RIGHTS 0x7b10u /* parent -> child: IPC_DESC_MAX receive rights to keep */
#define HOARD_ID_QUIT 0x7b11u   /* parent -> child: exit 0 when some flood message was dropped */
#define HOARD_MESSAGES 300u     /* 4,800 rights: more than a name table's 4,096 names */
#define HOARD_PAGES 16u
#define HOARD_SALT 0x40a4du

static struct pager hoard_pager;
static unsigned hoard_kept; /* flood messages the child received (their rights kept) */

/* The child's messages besides the kernel's: keep the rights; on QUIT, say whether some were
 * dropped. */
static bool hoard_message(struct pager *pager, struct ipc_message *in, struct ipc_message *out)
{
    (void)pager, (void)out;
    if (in->id == HOARD_ID_RIGHTS)
        hoard_kept++;
    if (in->id == HOARD_ID_QUIT) {
        printf("test_pager_hoard: the pager kept %u of %u messages\n", hoard_kept, HOARD_MESSAGES);
        sys_exit(hoard_kept < HOARD_MESSAGES ? 0 : 1);
    }
    return false;
}

static const struct pager_ops hoard_ops = {.on_message = hoard_message};

/* The child: a pager (framework defaults: zero fill) that hoards the rights it is sent. */
static int hoard_child(void)
{
    struct ipc_message m;

    if (pager_init(&hoard_pager, &hoard_ops, NULL, PORT_NULL) != 0)
        return 2;
    ipc_msg_init(&m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, PT_ID_HELLO);
    ipc_add_port(&m, hoard_pager.port, IPC_DISP_MAKE_SEND);
    if (ipc_send(&m, TEST_WAIT) != 0)
        return 3;
    return pager_serve(&hoard_pager, 1) == 0 ? 0 : 4;
}

/* Write and read back the pattern of pages [@first, @last) of @w. True when all match. */
static bool hoard_pages_ok(volatile uint64_t *w, unsigned first, unsigned last)
{
    bool ok = true;

    for (unsigned i = first; i < last; i++)
        w[i * PT_WORDS] = pt_word(i * PAGE_SIZE, 0, HOARD_SALT);
    for (unsigned i = first; i < last; i++)
        ok &= w[i * PT_WORDS] == pt_word(i * PAGE_SIZE, 0, HOARD_SALT);
    return ok;
}

/* Send the child HOARD_MESSAGES messages of IPC_DESC_MAX fresh receive rights each. */
static void hoard_flood(port_name_t pager)
{
    struct ipc_message m;
    unsigned sent = 0;

    for (unsigned i = 0; i < HOARD_MESSAGES; i++) {
        ipc_msg_init(&m, pager, IPC_DISP_COPY_SEND, HOARD_ID_RIGHTS);
        for (unsigned j = 0; j < IPC_DESC_MAX; j++) {
            port_name_t port = PORT_NULL;
            if (port_allocate(IPC_RIGHT_RECEIVE, &port) == 0)
                ipc_add_port(&m, port, IPC_DISP_MOVE_RECEIVE);
        }
        sent += m.ndesc == IPC_DESC_MAX && ipc_send(&m, TEST_WAIT) == 0;
    }
    TEST_CHECK(sent == HOARD_MESSAGES, "sent %u flood messages of %u", sent, HOARD_MESSAGES);
}

int main(int argc, char **argv)
{
    struct ipc_message m;
    struct task_status st;
    port_name_t go = PORT_NULL;

    if (argc > 1 && strcmp(argv[1], "hoard") == 0)
        return hoard_child();
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &go) == 0 && port_insert_send(go) == 0, "go port");
    long child = sys_task_spawn_bootstrap("test_pager_hoard", "hoard", go);
    if (!TEST_CHECK(child > 0, "spawn the hoarding pager: %ld", child) ||
        !TEST_CHECK(ipc_recv(&m, go, TEST_WAIT) == 0 && m.id == PT_ID_HELLO && m.ndesc == 1,
                    "its hello"))
        return test_report("pager_hoard");
    port_name_t pager = m.ext.desc[0].name;
    long va = sys_vm_map(pager, HOARD_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(va > 0, "map an object of the hoarding pager: %ld", va))
        return test_report("pager_hoard");
    volatile uint64_t *w = (volatile uint64_t *)va;
    TEST_CHECK(hoard_pages_ok(w, 0, 1), "its first page before the flood");

    hoard_flood(pager);
    /* Its table is full now; faults on its object still get answers. */
    TEST_CHECK(hoard_pages_ok(w, 1, HOARD_PAGES), "its pages after the flood");

    ipc_msg_init(&m, pager, IPC_DISP_COPY_SEND, HOARD_ID_QUIT);
    TEST_CHECK(ipc_send(&m, TEST_WAIT) == 0, "tell it to quit");
    TEST_CHECK(sys_task_wait(task_port_of((uint32_t)child), &st) == 0 && st.end == TASK_END_EXIT &&
                   st.code == 0,
               "the pager dropped some of the flood (end %d, code %d)", st.end, st.code);
    sys_vm_deallocate((void *)va, HOARD_PAGES * PAGE_SIZE);
    return test_report("pager_hoard");
}
