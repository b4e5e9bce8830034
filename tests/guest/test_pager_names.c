/*
 * A pager's name table under a hostile client (issue 13): each memory object
 * costs its pager a name (the object's control right), so a task creating
 * objects without end once filled the default pager's table, and its receive
 * then failed for everyone. Now a task holds at most VM_PAGED_OBJECTS_MAX
 * externally paged objects and is refused with -ERR_LIMIT past them. Three
 * hostile children at once create objects until refused, twice (more than
 * the pager's table holds in all, so the names must come back after each
 * round); while they hold them, this task's new memory is still served,
 * through pageout and back, and each holds nothing after its end. Then a
 * pager that refuses an object (memory_object_control refuse) makes the
 * waiting fault fail at once: booted with a pager deadline far beyond the
 * test's timeout, a dropped request would hang the test instead.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>

#define NAMES_ROUNDS 2
#define NAMES_CHILDREN 3 /* at once */
#define NAMES_PAGES 32u
#define NAMES_SLACK 16u /* objects the child holds before it starts (its stack, the heap) */
#define NAMES_ID_FULL 0x7b01u
#define NAMES_ID_GO 0x7b02u

static struct ipc_message names_msg;

/* Child "hostile": objects until refused; report how many and why; end when told. */
static int names_hostile(void)
{
    uint64_t count = 0;
    long err;

    while ((err = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE)) >= 0)
        count++;
    ipc_msg_init(&names_msg, ipc_bootstrap_port, IPC_DISP_COPY_SEND, NAMES_ID_FULL);
    names_msg.w[0] = count;
    names_msg.w[1] = (uint64_t)err;
    if (ipc_call(&names_msg, TEST_WAIT) != 0 || names_msg.w[0] != NAMES_ID_GO)
        return 1;
    return 0;
}

/* Fresh memory of the default pager, written, pushed out, read back. True when all came back. */
static bool names_served(uint64_t salt)
{
    long va = sys_vm_allocate(NAMES_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    bool ok = true;

    if (!TEST_CHECK(va >= 0, "another task's vm_allocate: %s", err_text(va)))
        return false;
    volatile uint64_t *w = (volatile uint64_t *)va;
    for (uint64_t i = 0; i < NAMES_PAGES; i++)
        w[i * PT_WORDS] = pt_word(i * PAGE_SIZE, 0, salt);
    long out = sys_vm_pageout((void *)va, NAMES_PAGES * PAGE_SIZE);
    TEST_CHECK(out >= 0, "pageout: %s", err_text(out));
    for (uint64_t i = 0; i < NAMES_PAGES; i++)
        ok &= w[i * PT_WORDS] == pt_word(i * PAGE_SIZE, 0, salt);
    TEST_CHECK(ok, "a page of another task came back changed");
    sys_vm_deallocate((void *)va, NAMES_PAGES * PAGE_SIZE);
    return ok;
}

/* Hostile child @i's report: refused at its limit. Its reply right in *@reply. */
static void names_report(port_name_t port, unsigned round, port_name_t *reply)
{
    long err = ipc_recv(&names_msg, port, TEST_WAIT);

    *reply = PORT_NULL;
    if (!TEST_CHECK(err == 0 && names_msg.id == NAMES_ID_FULL, "a child's report: %s",
                    err_text(err)))
        return;
    uint64_t count = names_msg.w[0];
    long why = (long)names_msg.w[1];
    TEST_CHECK(why == -ERR_LIMIT, "round %u: a child was refused with %s", round, err_text(why));
    TEST_CHECK(count + NAMES_SLACK >= VM_PAGED_OBJECTS_MAX && count < VM_PAGED_OBJECTS_MAX,
               "round %u: a child made %lu objects (limit %u)", round, (unsigned long)count,
               VM_PAGED_OBJECTS_MAX);
    printf("test_pager_names: round %u: a hostile child made %lu objects, then %s\n", round,
           (unsigned long)count, err_text(why));
    *reply = names_msg.remote;
}

/* Child @id has ended, holding nothing. */
static void names_child_end(long id, unsigned round)
{
    struct task_acct a;
    struct task_status st;
    long err = sys_task_acct(task_port_of(id), (uint32_t)id, TASK_ACCT_WAIT, &a);

    TEST_CHECK(err == 0 && (a.flags & TASK_ACCT_ENDED), "task_acct after its end: %s",
               err_text(err));
    TEST_CHECK(a.frames_user == 0 && a.objects == 0 && a.ports == 0,
               "round %u: a child holds %lu frames, %lu objects, %lu ports after its end", round,
               (unsigned long)a.frames_user, (unsigned long)a.objects, (unsigned long)a.ports);
    TEST_CHECK(pt_wait_task(id, &st) == 0 && st.end == TASK_END_EXIT && st.code == 0,
               "round %u: a child ended %d status %d", round, st.end, st.code);
}

/*
 * NAMES_CHILDREN hostile children at once, each refused at its limit (about
 * 3,000 objects of the default pager live together: its bookkeeping must
 * grow for them); we are served meanwhile; each holds nothing after its end.
 */
static void names_round(port_name_t port, unsigned round)
{
    long id[NAMES_CHILDREN];
    port_name_t reply[NAMES_CHILDREN];

    for (unsigned i = 0; i < NAMES_CHILDREN; i++) {
        id[i] = sys_task_spawn_bootstrap("test_pager_names", "hostile", port);
        TEST_CHECK(id[i] > 0, "spawn a hostile child: %s", err_text(id[i]));
    }
    for (unsigned i = 0; i < NAMES_CHILDREN; i++)
        names_report(port, round, &reply[i]);
    for (unsigned i = 0; i < 4; i++)
        names_served(round * 16 + i);
    for (unsigned i = 0; i < NAMES_CHILDREN; i++) {
        if (reply[i] == PORT_NULL)
            continue;
        ipc_msg_init(&names_msg, reply[i], IPC_DISP_MOVE_SEND_ONCE, NAMES_ID_FULL | IPC_ID_REPLY);
        names_msg.w[0] = NAMES_ID_GO;
        TEST_CHECK(ipc_send(&names_msg, TEST_WAIT) == 0, "tell a child to end");
    }
    for (unsigned i = 0; i < NAMES_CHILDREN; i++)
        if (id[i] > 0)
            names_child_end(id[i], round);
}

/* A pager refusing an object: the fault waiting on it fails at once, not at the deadline. */
static void names_refused(void)
{
    port_name_t port;
    struct pt_event init, ev;
    struct task_status st;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "port_allocate"))
        return;
    long task = sys_task_spawn_bootstrap("pager_child", "touch 1", port);
    if (!TEST_CHECK(task > 0, "spawn pager_child: %s", err_text(task)))
        return;
    if (pt_expect(port, &init, PT_INIT, TEST_WAIT) && pt_expect(port, &ev, PT_REQUEST, TEST_WAIT)) {
        TEST_CHECK(memory_object_control_refuse(init.control, -ERR_NOMEM) == 0, "refuse");
        TEST_CHECK(pt_wait_task(task, &st) == 0 && st.end == TASK_END_FAULT,
                   "the refused object's fault ended its task %d", st.end);
        if (pt_expect(port, &ev, PT_TERMINATE, TEST_WAIT))
            TEST_CHECK(ev.object == init.object, "terminate of another object");
        TEST_CHECK(memory_object_control_refuse(init.control, 0) < 0, "refuse after terminate");
        port_deallocate(init.control);
    }
    port_destroy(port);
    printf("test_pager_names: a refused object's fault failed at once\n");
}

int main(int argc, char **argv)
{
    port_name_t port;

    if (argc > 1 && strcmp(argv[1], "hostile") == 0)
        return names_hostile();
    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "port_allocate"))
        return test_report("test_pager_names");
    for (unsigned round = 1; round <= NAMES_ROUNDS; round++)
        names_round(port, round);
    names_refused();
    return test_report("test_pager_names");
}
