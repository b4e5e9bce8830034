/*
 * Exact accounting (issue 13 item 5): every frame and kernel object is
 * charged to the task that holds it (SYS_TASK_ACCT). A child hands memory to
 * this task, acting as a server that keeps it, and ends before we even take
 * the message: the child holds exactly nothing after its end, and we hold
 * exactly its pages, queued and then mapped; a receive right moves the same
 * way, and a child killed by a fault holds nothing either. Every wait is for
 * an event (the child's end, a message), none for time.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define ACCT_PAGES 8
#define ACCT_ID_PAGES 0x7a01u
#define ACCT_ID_RIGHT 0x7a02u

static struct ipc_message acct_msg;

/* Child "pages": move ACCT_PAGES written pages to our bootstrap port and end at once. */
static int acct_child_pages(void)
{
    long va = sys_vm_allocate(ACCT_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (va < 0)
        return 1;
    for (unsigned i = 0; i < ACCT_PAGES; i++)
        ((volatile uint64_t *)va)[i * PAGE_SIZE / 8] = 0xacc7000 + i;
    ipc_msg_init(&acct_msg, ipc_bootstrap_port, IPC_DISP_COPY_SEND, ACCT_ID_PAGES);
    ipc_add_ool(&acct_msg, (void *)va, ACCT_PAGES * PAGE_SIZE, IPC_OOL_MOVE);
    return ipc_send(&acct_msg, IPC_TIMEOUT_NONE) == 0 ? 0 : 1;
}

/* Child "right": make a port and move its receive right to our bootstrap port. */
static int acct_child_right(void)
{
    port_name_t p;

    if (port_allocate(IPC_RIGHT_RECEIVE, &p) != 0)
        return 1;
    ipc_msg_init(&acct_msg, ipc_bootstrap_port, IPC_DISP_COPY_SEND, ACCT_ID_RIGHT);
    ipc_add_port(&acct_msg, p, IPC_DISP_MOVE_RECEIVE);
    return ipc_send(&acct_msg, IPC_TIMEOUT_NONE) == 0 ? 0 : 1;
}

/* Our own figures. */
static struct task_acct acct_self(void)
{
    struct task_acct a;
    long err = sys_task_acct(PORT_NULL, 0, 0, &a);

    TEST_CHECK(err == 0, "task_acct of ourselves: %s", err_text(err));
    return a;
}

/*
 * Spawn ourselves as child @role with @port as its bootstrap port, wait for
 * its end and check that it holds nothing then; collect it. Returns its id.
 */
static long acct_run_child(const char *role, port_name_t port, int want_end)
{
    struct task_acct a;
    struct task_status st = {0, 0, 0};
    long id = sys_task_spawn_bootstrap("test_acct", role, port);

    if (!TEST_CHECK(id > 0, "spawn %s: %s", role, err_text(id)))
        return id;
    long err = sys_task_acct(task_port_of(id), (uint32_t)id, TASK_ACCT_WAIT, &a);
    TEST_CHECK(err == 0 && (a.flags & TASK_ACCT_ENDED) && a.task == id,
               "%s: task_acct after its end: %s", role, err_text(err));
    TEST_CHECK(a.frames_user == 0 && a.frames_table == 0 && a.frames_kstack == 0 &&
                   a.frames_kernel == 0 && a.ports == 0 && a.objects == 0 && a.threads == 0,
               "%s holds after its end: frames user %lu table %lu kstack %lu kernel %lu, "
               "ports %lu, objects %lu, threads %lu",
               role, (unsigned long)a.frames_user, (unsigned long)a.frames_table,
               (unsigned long)a.frames_kstack, (unsigned long)a.frames_kernel,
               (unsigned long)a.ports, (unsigned long)a.objects, (unsigned long)a.threads);
    TEST_CHECK(sys_task_wait(task_port_of((uint32_t)id), &st) == 0 && st.end == want_end,
               "%s ended %d", role, st.end);
    /* Gone and holding nothing: no account is left (without the host right, not even a peek). */
    err = sys_task_acct(task_port_of(id), (uint32_t)id, 0, &a);
    TEST_CHECK(err == -ERR_NOENT, "%s collected: task_acct says %s", role, err_text(err));
    return id;
}

/* Memory handed to us, a server that keeps it: ours while queued, ours once mapped. */
static void acct_check_pages(port_name_t keep)
{
    struct task_acct before = acct_self();

    acct_run_child("pages", keep, TASK_END_EXIT);
    struct task_acct queued = acct_self();
    TEST_CHECK(queued.frames_user == before.frames_user + ACCT_PAGES,
               "queued to us: we hold %ld user frames, not %d",
               (long)(queued.frames_user - before.frames_user), ACCT_PAGES);
    long err = ipc_recv(&acct_msg, keep, IPC_TIMEOUT_NONE);
    if (!TEST_CHECK(err == 0 && acct_msg.id == ACCT_ID_PAGES && acct_msg.ndesc == 1 &&
                        ipc_desc_ool_ok(&acct_msg.ext.desc[0]),
                    "the pages message: %s", err_text(err)))
        return;
    const volatile uint64_t *w = (const uint64_t *)acct_msg.ext.desc[0].address;
    for (unsigned i = 0; i < ACCT_PAGES; i++)
        TEST_CHECK(w[i * PAGE_SIZE / 8] == 0xacc7000 + i, "page %u arrived changed", i);
    struct task_acct kept = acct_self();
    TEST_CHECK(kept.frames_user == before.frames_user + ACCT_PAGES &&
                   kept.objects == before.objects + 1,
               "kept: we hold %ld user frames and %ld objects, not %d and 1",
               (long)(kept.frames_user - before.frames_user), (long)(kept.objects - before.objects),
               ACCT_PAGES);
    sys_vm_deallocate((const void *)w, ACCT_PAGES * PAGE_SIZE);
    struct task_acct after = acct_self();
    TEST_CHECK(after.frames_user == before.frames_user && after.objects == before.objects,
               "given back: we hold %ld user frames and %ld objects",
               (long)(after.frames_user - before.frames_user),
               (long)(after.objects - before.objects));
    printf("test_acct: %d pages handed over: the client holds 0 after its end, we held +%ld\n",
           ACCT_PAGES, (long)(kept.frames_user - before.frames_user));
}

/* A receive right handed to us: the port is charged to its new holder. */
static void acct_check_right(port_name_t keep)
{
    struct task_acct before = acct_self();

    acct_run_child("right", keep, TASK_END_EXIT);
    long err = ipc_recv(&acct_msg, keep, IPC_TIMEOUT_NONE);
    if (!TEST_CHECK(err == 0 && acct_msg.id == ACCT_ID_RIGHT && acct_msg.ndesc == 1 &&
                        ipc_desc_port_ok(&acct_msg.ext.desc[0], IPC_RIGHT_RECEIVE),
                    "the right message: %s", err_text(err)))
        return;
    struct task_acct kept = acct_self();
    TEST_CHECK(kept.ports == before.ports + 1, "we hold %ld ports, not 1",
               (long)(kept.ports - before.ports));
    port_destroy(acct_msg.ext.desc[0].name);
    TEST_CHECK(acct_self().ports == before.ports, "the port destroyed is still ours");
}

/* The argument checks: flags, and waiting for our own end. */
static void acct_check_args(void)
{
    struct task_acct a;

    TEST_CHECK(sys_task_acct(PORT_NULL, 0, 2, &a) == -ERR_INVAL, "unknown flags accepted");
    TEST_CHECK(sys_task_acct(PORT_NULL, 0, TASK_ACCT_WAIT, &a) == -ERR_INVAL,
               "waiting for our own end accepted");
    TEST_CHECK(sys_task_acct(PORT_NULL, 1, 0, &a) == -ERR_PERM, "init's figures without the right");
    TEST_CHECK(sys_task_acct(PORT_NULL, 0, 0, (struct task_acct *)0x10) < 0, "a bad buffer");
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";
    port_name_t keep;

    if (strcmp(args, "pages") == 0)
        return acct_child_pages();
    if (strcmp(args, "right") == 0)
        return acct_child_right();
    if (strcmp(args, "fault") == 0)
        return *(volatile int *)0; /* killed: no exception handler of its own */
    if (strcmp(args, "none") == 0)
        return 0;
    memset(&acct_msg, 0, sizeof(acct_msg)); /* resident before any figure is taken */
    acct_check_args();
    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &keep) == 0, "port_allocate"))
        return test_report("test_acct");
    acct_run_child("none", keep, TASK_END_EXIT); /* the same path once: our stack is resident */
    acct_check_pages(keep);
    acct_check_right(keep);
    acct_run_child("fault", keep, TASK_END_FAULT);
    return test_report("test_acct");
}
