/*
 * A pager's name table under hostile clients (issue 13): each memory object
 * costs its pager a name (the object's control right), so a task creating
 * objects without end once filled the default pager's table, and its
 * receive then failed for everyone. A quota per task was not enough: four
 * tasks of one program (it and three children it spawns) filled it again.
 * Now the tasks of a job (a program init starts, and whatever it spawns)
 * hold at most VM_PAGED_OBJECTS_MAX externally paged objects together and
 * are refused with -ERR_LIMIT past them.
 *
 * Each round, three hostile children of ours, one of which spawns a hostile
 * grandchild, create objects until refused, at once: the five tasks of our
 * job stop at the job's quota together (twice: the names must come back
 * after each round). Meanwhile our own vm_allocate is refused too, while a
 * task of another job (TASK_SPAWN_JOB, which needs the host right) is
 * served through pageout and back; every task of the job holds nothing
 * after its end. Then a pager that refuses an object (memory_object_control
 * refuse) makes the waiting fault fail at once: booted with a pager
 * deadline far beyond the test's timeout, a dropped request would hang the
 * test instead.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>

#define NAMES_ROUNDS 2
#define NAMES_CHILDREN 3                   /* at once, besides the grandchild */
#define NAMES_HOSTILE (NAMES_CHILDREN + 1) /* the grandchild too */
#define NAMES_PAGES 32u
#define NAMES_SLACK 16u /* objects a task of the job holds besides its loop's (stack, heap) */
#define NAMES_ID_READY 0x7b00u
#define NAMES_ID_FULL 0x7b01u
#define NAMES_ID_GO 0x7b02u

static struct ipc_message names_msg;

/* Tell the test @id with @w0 and @w1 on the bootstrap port; true when it answers go. */
static bool names_tell(unsigned id, uint64_t w0, uint64_t w1)
{
    ipc_msg_init(&names_msg, ipc_bootstrap_port, IPC_DISP_COPY_SEND, id);
    names_msg.w[0] = w0;
    names_msg.w[1] = w1;
    return ipc_call(&names_msg, TEST_WAIT) == 0 && names_msg.w[0] == NAMES_ID_GO;
}

/*
 * Ready (@spawned: a spawner's grandchild's id, or why there is none; 0 for
 * the others); once every task is spawned (the job's quota covers their
 * stacks too), make objects until refused, report how many and why; 0 when
 * told to end.
 */
static int names_hostile_loop(long spawned)
{
    uint64_t count = 0;
    long err;

    if (!names_tell(NAMES_ID_READY, (uint64_t)spawned, 0))
        return 1;
    while ((err = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE)) >= 0)
        count++;
    return names_tell(NAMES_ID_FULL, count, (uint64_t)err) ? 0 : 1;
}

/*
 * Child "spawner": a hostile grandchild first (in our job, though it is not
 * our child), then the loop; after the go, wait for the grandchild and check
 * it ended well holding nothing.
 */
static int names_spawner(void)
{
    struct task_status st;
    struct task_acct a;
    port_name_t port = PORT_NULL;
    long id = sys_task_spawn_port("test_pager_names", "hostile", ipc_bootstrap_port, &port);
    int code = names_hostile_loop(id);

    if (id < 0)
        return 2;
    long err = sys_task_acct(port, (uint32_t)id, TASK_ACCT_WAIT, &a);
    if (err != 0 || a.frames_user || a.objects || a.ports)
        return 3;
    if (sys_task_wait(port, &st) != 0 || st.end != TASK_END_EXIT || st.code != 0)
        return 4;
    return code;
}

/* Fresh memory of the default pager, written, pushed out, read back. True when all came back. */
static bool names_served(uint64_t salt)
{
    long va = sys_vm_allocate(NAMES_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    bool ok = true;

    if (!TEST_CHECK(va >= 0, "another job's vm_allocate: %s", err_text(va)))
        return false;
    volatile uint64_t *w = (volatile uint64_t *)va;
    for (uint64_t i = 0; i < NAMES_PAGES; i++)
        w[i * PT_WORDS] = pt_word(i * PAGE_SIZE, 0, salt);
    long out = sys_vm_pageout((void *)va, NAMES_PAGES * PAGE_SIZE);
    TEST_CHECK(out >= 0, "pageout: %s", err_text(out));
    for (uint64_t i = 0; i < NAMES_PAGES; i++)
        ok &= w[i * PT_WORDS] == pt_word(i * PAGE_SIZE, 0, salt);
    TEST_CHECK(ok, "a page of another job came back changed");
    sys_vm_deallocate((void *)va, NAMES_PAGES * PAGE_SIZE);
    return ok;
}

/* Child "served" (a job of its own): served four times over; 0 when every page came back. */
static int names_other_job(void)
{
    bool ok = true;

    for (uint64_t i = 0; i < 4; i++)
        ok &= names_served(i);
    return ok ? 0 : 1;
}

/* Receive a message @id from a hostile task: its words in @w; its reply right, or PORT_NULL. */
static port_name_t names_hear(port_name_t port, unsigned id, uint64_t w[2])
{
    long err = ipc_recv(&names_msg, port, TEST_WAIT);

    if (!TEST_CHECK(err == 0 && names_msg.id == id, "a child's message %x: %s (id %x)", id,
                    err_text(err), err ? 0 : names_msg.id))
        return PORT_NULL;
    w[0] = names_msg.w[0];
    w[1] = names_msg.w[1];
    return names_msg.remote;
}

/* Answer go on @reply (a hostile task's message @id). */
static void names_go(port_name_t reply, unsigned id)
{
    if (reply == PORT_NULL)
        return;
    ipc_msg_init(&names_msg, reply, IPC_DISP_MOVE_SEND_ONCE, id | IPC_ID_REPLY);
    names_msg.w[0] = NAMES_ID_GO;
    TEST_CHECK(ipc_send(&names_msg, TEST_WAIT) == 0, "tell a child to go on");
}

/* Child @id has ended with status 0, holding nothing. */
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
 * NAMES_HOSTILE hostile tasks of our job at once, refused together at the
 * job's quota; we are refused too, another job is served; each holds
 * nothing after its end.
 */
static void names_round(port_name_t port, unsigned round)
{
    long id[NAMES_CHILDREN];
    port_name_t reply[NAMES_HOSTILE];
    uint64_t made = 0, w[2];
    unsigned tasks = 0, ready = 0;

    for (unsigned i = 0; i < NAMES_CHILDREN; i++) {
        id[i] = sys_task_spawn_bootstrap("test_pager_names", i == 0 ? "spawner" : "hostile", port);
        TEST_CHECK(id[i] > 0, "spawn a hostile child: %s", err_text(id[i]));
        tasks += id[i] > 0;
    }
    /* Every task spawned before any loop: the grandchild too, unless the spawner says it failed. */
    tasks += id[0] > 0;
    for (; ready < tasks && ready < NAMES_HOSTILE; ready++) {
        reply[ready] = names_hear(port, NAMES_ID_READY, w);
        if (reply[ready] == PORT_NULL)
            return;
        if (TEST_CHECK((long)w[0] >= 0, "round %u: the spawner's grandchild: %s", round,
                       err_text((long)w[0])) == 0)
            tasks--;
    }
    TEST_CHECK(tasks == NAMES_HOSTILE, "round %u: %u hostile tasks, not %u", round, tasks,
               NAMES_HOSTILE);
    for (unsigned i = 0; i < ready; i++)
        names_go(reply[i], NAMES_ID_READY);
    for (unsigned i = 0; i < ready; i++) {
        reply[i] = names_hear(port, NAMES_ID_FULL, w);
        made += w[0];
        TEST_CHECK((long)w[1] == -ERR_LIMIT, "round %u: a task of the job was refused with %s",
                   round, err_text((long)w[1]));
    }
    /* Together, not each: the job's quota, less what its tasks held before their loops. */
    TEST_CHECK(made < VM_PAGED_OBJECTS_MAX &&
                   made + (NAMES_HOSTILE + 1) * NAMES_SLACK >= VM_PAGED_OBJECTS_MAX,
               "round %u: the job's %u hostile tasks made %lu objects (its limit %u)", round, ready,
               (unsigned long)made, VM_PAGED_OBJECTS_MAX);
    printf("test_pager_names: round %u: %u hostile tasks of one job made %lu objects together\n",
           round, ready, (unsigned long)made);
    long mine = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    TEST_CHECK(mine == -ERR_LIMIT, "round %u: our own allocation with the job full: %s", round,
               err_text(mine));
    if (mine >= 0)
        sys_vm_deallocate((void *)mine, PAGE_SIZE);
    long other = sys_task_spawn_flags("test_pager_names", "served", PORT_NULL, TASK_SPAWN_JOB,
                                      ipc_host_port);
    if (TEST_CHECK(other > 0, "spawn a task of another job: %s", err_text(other)))
        names_child_end(other, round);
    for (unsigned i = 0; i < ready; i++)
        names_go(reply[i], NAMES_ID_FULL);
    for (unsigned i = 0; i < NAMES_CHILDREN; i++)
        if (id[i] > 0)
            names_child_end(id[i], round);
}

/* Without the host right, no task starts a job. */
static void names_job_needs_host(void)
{
    long id =
        sys_task_spawn_flags("test_pager_names", "served", PORT_NULL, TASK_SPAWN_JOB, PORT_NULL);

    TEST_CHECK(id == -ERR_PERM, "TASK_SPAWN_JOB without the host right: %s", err_text(id));
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
        return names_hostile_loop(0);
    if (argc > 1 && strcmp(argv[1], "spawner") == 0)
        return names_spawner();
    if (argc > 1 && strcmp(argv[1], "served") == 0)
        return names_other_job();
    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "port_allocate"))
        return test_report("test_pager_names");
    names_job_needs_host();
    for (unsigned round = 1; round <= NAMES_ROUNDS; round++)
        names_round(port, round);
    names_refused();
    return test_report("test_pager_names");
}
