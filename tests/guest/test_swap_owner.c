/*
 * Swap blocks charged to the task that owns them (issue 13 item 5): a child
 * pushes its pages to the swap disk and the system pager's count for it
 * (pager_stats owner) goes from 0 to exactly the blocks the pager's disk
 * gained, then back to 0 once the child has ended, whether it exits or is
 * killed with its pages still on disk; the disk's blocks in use come back
 * to where they were. Every wait is for an event (a message, the child's
 * end, the pager's answer, pageout's pages taken), none for time.
 * Needs swap=disk; "child" and "child_kill" are the child's roles.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#include "swap_util.h"

#define SO_PAGES 48
#define SO_ID_STAMPED 0x5e01u /* the child's pages are written, none pushed out yet */
#define SO_ID_PUSHED 0x5e02u  /* pageout took them all */

/* Child: tell the parent (our bootstrap port) that we reached @id; wait for its answer. */
static int so_child_call(uint32_t id)
{
    uint64_t w[IPC_WORDS] = {0};
    uint32_t reply_id = 0;

    return ipc_call_words(ipc_bootstrap_port, id, w, &reply_id, IPC_TIMEOUT_NONE) == 0 &&
                   reply_id == (id | IPC_ID_REPLY)
               ? 0
               : 1;
}

/*
 * Child: SO_PAGES written pages, pushed to the pager, read back; then end
 * (or, with @killed, wait to be killed with them still on disk).
 */
static int so_child(bool killed)
{
    long va = sys_vm_allocate(SO_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (va < 0)
        return 1;
    for (unsigned i = 0; i < SO_PAGES; i++)
        sw_stamp((volatile uint64_t *)(va + i * PAGE_SIZE), (uint64_t)va + i * PAGE_SIZE, i);
    if (so_child_call(SO_ID_STAMPED) != 0)
        return 1;
    if (sys_vm_pageout((void *)va, SO_PAGES * PAGE_SIZE) != SO_PAGES)
        return 1;
    if (so_child_call(SO_ID_PUSHED) != 0)
        return 1;
    if (killed) {
        port_name_t never;
        struct ipc_message m;
        port_allocate(IPC_RIGHT_RECEIVE, &never);
        ipc_recv(&m, never, IPC_TIMEOUT_NONE); /* nothing comes: the parent kills us */
        return 1;
    }
    for (unsigned i = 0; i < SO_PAGES; i++)
        if (!sw_stamped((volatile uint64_t *)(va + i * PAGE_SIZE), (uint64_t)va + i * PAGE_SIZE, i))
            return 1;
    return 0;
}

static port_name_t so_pager;

/* What task @id leaves with the pager now (@wait: once its objects are gone). */
static struct pager_owner_info so_owner(long id, bool wait)
{
    struct pager_owner_info o = {0, 0, 0};
    int err = pager_stats_owner_read(so_pager, (uint64_t)id, wait, &o);

    TEST_CHECK(err == 0, "pager_stats owner %ld: %s", id, err_text(err));
    TEST_CHECK(o.counted == 1, "the pager counts no swap blocks per task");
    return o;
}

/* Blocks in use on the pager's disk now. */
static uint64_t so_used(void)
{
    struct pager_stats_info st;

    TEST_CHECK(pager_stats_read(so_pager, &st) == 0 && st.disk == 1, "the pager has no disk");
    return st.used;
}

/* Receive the child's call @id on @port: its reply right (answer with so_answer). */
static port_name_t so_called(port_name_t port, uint32_t id)
{
    struct ipc_message m;
    long err = ipc_recv(&m, port, TEST_WAIT);

    if (!TEST_CHECK(err == 0 && m.id == id, "child's call %x: %s, got %x", id, err_text(err), m.id))
        return PORT_NULL;
    return m.remote;
}

/* Answer the child's call @id (it goes on). */
static void so_answer(port_name_t reply, uint32_t id)
{
    struct ipc_message r;

    ipc_msg_init(&r, reply, IPC_DISP_MOVE_SEND_ONCE, id | IPC_ID_REPLY);
    TEST_CHECK(reply != PORT_NULL && ipc_send(&r, TEST_WAIT) == 0, "answer the child");
}

/*
 * One child in role @role: its count goes up by exactly the blocks the
 * disk gained once its pages are out, and to 0 (objects and blocks) after
 * its end, with the disk's blocks back.
 */
static void so_run(const char *role)
{
    port_name_t port;
    struct task_acct a;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "port");
    uint64_t used0 = so_used();
    long id = sys_task_spawn_bootstrap("test_swap_owner", role, port);
    if (!TEST_CHECK(id > 0, "spawn %s: %s", role, err_text(id)))
        return;
    port_name_t reply = so_called(port, SO_ID_STAMPED);
    /* Nothing pushed yet: its objects are with the pager (its init), its blocks are the
     * areas static placement reserved for them, if any. */
    struct pager_owner_info o = so_owner(id, false);
    TEST_CHECK(o.objects > 0, "%s: the pager knows no object of the child", role);
    TEST_CHECK(o.blocks == so_used() - used0, "%s: %lu blocks charged, the disk gained %lu", role,
               (unsigned long)o.blocks, (unsigned long)(so_used() - used0));
    uint64_t before = o.blocks, r0 = sw_returns(so_pager);
    so_answer(reply, SO_ID_STAMPED);
    reply = so_called(port, SO_ID_PUSHED);    /* it waits for our answer: it cannot end yet */
    sw_wait_returned(so_pager, r0, SO_PAGES); /* the pager took them: their blocks are given */
    o = so_owner(id, false);
    uint64_t used1 = so_used();
    printf("test_swap_owner: %s [%ld]: %lu objects, %lu blocks while it runs (%lu before the "
           "pageout), the disk gained %lu\n",
           role, id, (unsigned long)o.objects, (unsigned long)o.blocks, (unsigned long)before,
           (unsigned long)(used1 - used0));
    TEST_CHECK(o.blocks == used1 - used0, "%s: %lu blocks charged, the disk gained %lu", role,
               (unsigned long)o.blocks, (unsigned long)(used1 - used0));
    TEST_CHECK(o.blocks >= SO_PAGES && (before > 0 || o.blocks == SO_PAGES),
               "%s: %lu blocks charged for %d pages pushed", role, (unsigned long)o.blocks,
               SO_PAGES);
    so_answer(reply, SO_ID_PUSHED);
    if (strcmp(role, "child_kill") == 0)
        TEST_CHECK(sys_task_kill(task_port_of(id)) == 0, "kill the child");
    long err = sys_task_acct(task_port_of(id), (uint32_t)id, TASK_ACCT_WAIT, &a);
    TEST_CHECK(err == 0 && a.objects == 0, "%s: task_acct after its end: %s, %lu objects", role,
               err_text(err), (unsigned long)a.objects);
    o = so_owner(id, true); /* once the pager handled its terminates */
    printf("test_swap_owner: %s [%ld] after its end: %lu objects, %lu blocks; disk %lu used "
           "(%lu before)\n",
           role, id, (unsigned long)o.objects, (unsigned long)o.blocks, (unsigned long)so_used(),
           (unsigned long)used0);
    TEST_CHECK(o.objects == 0 && o.blocks == 0, "%s holds %lu blocks, %lu objects after its end",
               role, (unsigned long)o.blocks, (unsigned long)o.objects);
    TEST_CHECK(so_used() == used0, "%s: the disk uses %lu blocks, %lu before", role,
               (unsigned long)so_used(), (unsigned long)used0);
    struct task_status st = {0, 0, 0};
    TEST_CHECK(sys_task_wait(task_port_of(id), &st) == 0, "collect %s", role);
    if (strcmp(role, "child") == 0)
        TEST_CHECK(st.end == TASK_END_EXIT && st.code == 0, "child ended %d, code %d", st.end,
                   st.code);
    port_destroy(port);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return so_child(false);
    if (argc > 1 && strcmp(argv[1], "child_kill") == 0)
        return so_child(true);
    if (!TEST_CHECK(pager_stats_system(&so_pager) == 0, "no system pager (pager=kernel?)"))
        return test_report("test_swap_owner");
    struct task_info self;
    TEST_CHECK(sys_task_info(0, &self) == 0, "task_info");
    struct pager_owner_info o = so_owner(self.id, false);
    TEST_CHECK(o.objects > 0, "the pager knows no object of ours (owner %u)", self.id);
    so_run("child");
    so_run("child_kill");
    return test_report("test_swap_owner");
}
