/*
 * Acting on another task takes a right carried by a port (issue 13 item 2):
 * the send right to its task port, which the creator gets at spawn and can
 * pass on or drop; shutdown takes the host-privilege right. Run by init
 * without the host right. Modes (the argument string):
 * - "" (the test): bad names get their own errors; a sibling without the
 *   right can neither kill nor read its sibling, one handed the right in a
 *   message kills it and collects its status; a right given away or dropped
 *   leaves its former holder powerless; the exception port is set through
 *   the task port; shutdown is refused without the host right.
 * - "victim": sleeps until killed.
 * - "go" / "fault": calls its bootstrap port and, once answered, exits 0
 *   or writes to NULL.
 * - "norights:ID": a sibling of victim ID holding no right over it.
 * - "given": gets a task port in a message on its own port (announced to
 *   its bootstrap port), kills that task and waits for it.
 */
#include <exc_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdlib.h>

#define TP_ID_GO 0x5450u    /* child -> parent: may I go on? (a call) */
#define TP_ID_HELLO 0x5451u /* "given" -> parent: desc[0], a send right to its port */
#define TP_ID_RIGHT 0x5452u /* parent -> "given": desc[0], the task port to act on */
#define TP_NAME_INDEXES 128 /* the first page of a name table: where a few rights live */

static port_name_t tp_go; /* children call it and wait until we answer */

/* A send-once right to our port @port: a message to ourselves carries one. */
static port_name_t tp_send_once(port_name_t port)
{
    struct ipc_message m;

    ipc_msg_init(&m, port, IPC_DISP_MAKE_SEND, 1);
    m.local = port;
    m.local_disp = IPC_DISP_MAKE_SEND_ONCE;
    if (ipc_send(&m, 0) != 0 || ipc_recv(&m, port, 0) != 0)
        return PORT_NULL;
    return m.remote;
}

/* Let the child that calls the go port go on. */
static void tp_release(void)
{
    struct ipc_message m;

    TEST_CHECK(ipc_recv(&m, tp_go, IPC_TIMEOUT_NONE) == 0, "receive the child's call");
    ipc_msg_init(&m, m.remote, IPC_DISP_MOVE_SEND_ONCE, TP_ID_GO | IPC_ID_REPLY);
    m.w[0] = 0;
    TEST_CHECK(ipc_send(&m, IPC_TIMEOUT_NONE) == 0, "answer the child");
}

/* The "go" and "fault" children: wait for the go, then exit or fault. */
static int tp_child_go(bool fault)
{
    struct ipc_message m;

    ipc_msg_init(&m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, TP_ID_GO);
    if (ipc_call(&m, IPC_TIMEOUT_NONE) != 0)
        return 64;
    if (fault)
        *(volatile int *)0 = 1;
    return 0;
}

/*
 * The sibling without a right: no name of its space kills anything or
 * reads victim @victim, and the listing shows only itself. Exit 0 if so.
 */
static int tp_child_norights(long victim)
{
    struct task_info info;
    int bits = 0;

    for (uint32_t index = 1; index < TP_NAME_INDEXES; index++)
        for (uint32_t gen = 0; gen < 256; gen++) {
            port_name_t name = index << 8 | gen;
            if (sys_task_kill(name) == 0 || sys_task_info_host(name, victim, &info) == 0)
                bits |= 1;
        }
    if (sys_task_info(victim, &info) != -ERR_PERM)
        bits |= 2;
    if (sys_task_info(0, &info) != 0 || sys_task_next(PORT_NULL, 0) != (long)info.id ||
        sys_task_next(PORT_NULL, info.id) != -ERR_NOENT)
        bits |= 4;
    if (sys_shutdown(PORT_NULL, 0) != -ERR_PERM)
        bits |= 8;
    return bits;
}

/*
 * The sibling handed the right: announce its port, receive a task port,
 * kill that task and collect it. Exit 0 if every step went as expected.
 */
static int tp_child_given(void)
{
    struct ipc_message m;
    struct task_status st = {0, 0, 0};
    port_name_t mine;

    if (port_allocate(IPC_RIGHT_RECEIVE, &mine) != 0)
        return 1;
    ipc_msg_init(&m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, TP_ID_HELLO);
    if (ipc_add_port(&m, mine, IPC_DISP_MAKE_SEND) != 0 || ipc_send(&m, IPC_TIMEOUT_NONE) != 0)
        return 2;
    if (ipc_recv(&m, mine, IPC_TIMEOUT_NONE) != 0 || m.id != TP_ID_RIGHT || m.ndesc != 1 ||
        !ipc_desc_port_ok(&m.ext.desc[0], IPC_RIGHT_SEND))
        return 3;
    port_name_t victim = m.ext.desc[0].name;
    if (sys_task_kill(victim) != 0)
        return 4;
    if (sys_task_wait_call(victim, &st) != 0 || st.end != TASK_END_KILLED)
        return 5;
    if (sys_task_wait_call(victim, &st) != -ERR_DEAD || sys_task_kill(victim) != -ERR_DEAD)
        return 6; /* collected: its port is dead */
    return port_deallocate(victim) == 0 ? 0 : 7;
}

/* Every call on another task refuses @name with @want. */
static void tp_refused(port_name_t name, long want, const char *what)
{
    struct task_status st;
    struct task_info info;

    TEST_CHECK(sys_task_kill(name) == want, "kill %s: %s", what, err_text(sys_task_kill(name)));
    TEST_CHECK(sys_task_wait_call(name, &st) == want, "wait %s", what);
    TEST_CHECK(sys_task_set_exception_port(name, PORT_NULL) == want, "exception port %s", what);
    TEST_CHECK(sys_task_info_host(name, 1, &info) == -ERR_PERM, "task_info of init with %s", what);
}

/* Names that are no task port, each with its error. */
static void tp_bad_names(void)
{
    port_name_t recv_only, set, own;
    struct task_status st;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &recv_only) == 0, "a receive right");
    TEST_CHECK(port_allocate(IPC_RIGHT_PORT_SET, &set) == 0, "a port set");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &own) == 0 && port_insert_send(own) == 0,
               "a port of ours with a send right");
    tp_refused(0x7fff12u, -ERR_NAME, "garbage");
    tp_refused(TASK_PORT_NONE, -ERR_NAME, "TASK_PORT_NONE");
    tp_refused(recv_only, -ERR_RIGHT, "a receive right");
    tp_refused(set, -ERR_RIGHT, "a port set");
    tp_refused(tp_send_once(own), -ERR_RIGHT, "a send-once right");
    tp_refused(test_dead_name(), -ERR_DEAD, "a dead name");
    tp_refused(own, -ERR_INVAL, "a send right to a plain port");
    tp_refused(ipc_bootstrap_port, -ERR_INVAL, "init's name service");
    TEST_CHECK(sys_task_wait_call(PORT_NULL, &st) == -ERR_INVAL, "waiting for ourselves");
    TEST_CHECK(sys_task_spawn_call("test_task_port", "victim", 0, 0, PORT_NULL,
                                   (port_name_t *)0x10) == -ERR_FAULT,
               "spawn with a bad port buffer");
    port_destroy(recv_only);
    port_destroy(set);
    port_destroy(own);
}

/* Shutdown without the host right: refused whatever the name. */
static void tp_shutdown_refused(void)
{
    TEST_CHECK(sys_shutdown(PORT_NULL, 3) == -ERR_PERM, "shutdown with PORT_NULL refused");
    TEST_CHECK(sys_shutdown(ipc_bootstrap_port, 3) == -ERR_PERM, "shutdown with a send right");
    TEST_CHECK(sys_shutdown(tp_go, 3) == -ERR_PERM, "shutdown with our receive right");
    TEST_CHECK(sys_shutdown(0x7fff12u, 3) == -ERR_PERM, "shutdown with garbage");
}

/* Spawn child @args with bootstrap @boot; its task port in *@port. Id (> 0) or 0. */
static long tp_spawn(const char *args, port_name_t boot, port_name_t *port)
{
    long id = sys_task_spawn_call("test_task_port", args, boot, 0, PORT_NULL, port);

    return TEST_CHECK(id > 0 && *port != PORT_NULL, "spawn %s: %s", args, err_text(id)) ? id : 0;
}

/* Wait for the task of @port: its end must be @end with @code. */
static void tp_expect_end(port_name_t port, int end, int code, const char *what)
{
    struct task_status st = {0, 0, 0};
    long err = sys_task_wait(port, &st);

    TEST_CHECK(err == 0 && st.end == end && st.code == code, "%s: %s, end %d code %d", what,
               err_text(err), st.end, st.code);
}

/* A sibling without the right can do nothing to the victim; a passed right can. */
static void tp_siblings(void)
{
    port_name_t victim, lonely, given, boot, theirs;
    char args[32];
    struct task_info info;
    struct ipc_message m;
    long id = tp_spawn("victim", PORT_NULL, &victim);

    snprintf(args, sizeof(args), "norights:%ld", id);
    tp_spawn(args, PORT_NULL, &lonely);
    tp_expect_end(lonely, TASK_END_EXIT, 0, "the sibling without a right");
    TEST_CHECK(sys_task_info_host(victim, id, &info) == 0 && info.alive, "the victim lives on");
    TEST_CHECK(sys_task_info(id, &info) == -ERR_PERM, "its state is ours only with the right");

    /* Give the right away (moved in a message): the one handed it kills and collects. */
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &boot) == 0, "a port for the hello");
    tp_spawn("given", boot, &given);
    TEST_CHECK(ipc_recv(&m, boot, IPC_TIMEOUT_NONE) == 0 && m.id == TP_ID_HELLO && m.ndesc == 1,
               "the sibling's hello");
    theirs = m.ext.desc[0].name;
    ipc_msg_init(&m, theirs, IPC_DISP_MOVE_SEND, TP_ID_RIGHT);
    TEST_CHECK(ipc_add_port(&m, victim, IPC_DISP_MOVE_SEND) == 0 &&
                   ipc_send(&m, IPC_TIMEOUT_NONE) == 0,
               "hand the victim's task port over");
    TEST_CHECK(sys_task_kill(victim) == -ERR_NAME, "given away: our name is gone");
    tp_expect_end(given, TASK_END_EXIT, 0, "the sibling handed the right");
    TEST_CHECK(sys_task_info(id, &info) == -ERR_NOENT, "the sibling collected the victim");
    port_destroy(boot);
}

/* A dropped right is lost; a killed task not yet collected is a dead task. */
static void tp_dropped(void)
{
    port_name_t port;
    struct task_info info;
    long id = tp_spawn("go", tp_go, &port);

    TEST_CHECK(port_deallocate(port) == 0, "drop our right");
    TEST_CHECK(sys_task_kill(port) == -ERR_NAME, "dropped: kill refused");
    TEST_CHECK(sys_task_info_host(port, id, &info) == -ERR_PERM, "dropped: task_info refused");
    tp_release(); /* it ends by itself */

    id = tp_spawn("victim", PORT_NULL, &port);
    TEST_CHECK(sys_task_kill(port) == 0, "kill the victim");
    /* Ended, not collected: its record answers, nothing acts on it. */
    TEST_CHECK(sys_task_kill(port) == -ERR_NOENT, "kill an ended task");
    TEST_CHECK(sys_task_set_exception_port(port, PORT_NULL) == -ERR_NOENT,
               "exception port of an ended task");
    TEST_CHECK(sys_task_info_host(port, id, &info) == 0 && !info.alive, "its record, ended");
    tp_expect_end(port, TASK_END_KILLED, 0, "the killed victim");
    TEST_CHECK(sys_task_kill(port) == -ERR_NAME, "collected: our name is released");
}

/* Answer the exception of the "fault" child: kill it. Records what it was. */
static uint64_t tp_exc_kind, tp_exc_code;

int exc_do_raise(void *ctx, uint64_t kind, uint64_t code, uint64_t pc, uint64_t info)
{
    (void)ctx, (void)pc, (void)info;
    tp_exc_kind = kind;
    tp_exc_code = code;
    return -ERR_FAULT;
}

/* The exception port of a child is set through its task port. */
static void tp_exception_port(void)
{
    static struct ipc_message in, out;
    port_name_t exc, port;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &exc) == 0, "an exception port");
    tp_spawn("fault", tp_go, &port);
    TEST_CHECK(sys_task_set_exception_port(port, 0x7fff12u) == -ERR_NAME, "a bad exception port");
    TEST_CHECK(sys_task_set_exception_port(port, exc) == 0, "set its exception port");
    tp_release();
    TEST_CHECK(ipc_recv(&in, exc, IPC_TIMEOUT_NONE) == 0 &&
                   in.remote_disp == IPC_DISP_MOVE_SEND_ONCE && exc_dispatch(NULL, &in, &out),
               "its exception came to us");
    TEST_CHECK(tp_exc_kind == EXC_BAD_ACCESS && tp_exc_code == 0, "a NULL write (kind %llu)",
               (unsigned long long)tp_exc_kind);
    TEST_CHECK(ipc_send(&out, IPC_TIMEOUT_NONE) == 0, "answer it");
    tp_expect_end(port, TASK_END_FAULT, 0, "the faulting child");
    port_destroy(exc);
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    if (strcmp(args, "victim") == 0)
        for (;;)
            sys_sleep_ns(1000000000ull);
    if (strcmp(args, "go") == 0 || strcmp(args, "fault") == 0)
        return tp_child_go(strcmp(args, "fault") == 0);
    if (strncmp(args, "norights:", 9) == 0)
        return tp_child_norights(strtol(args + 9, NULL, 10));
    if (strcmp(args, "given") == 0)
        return tp_child_given();
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &tp_go) == 0 && port_insert_send(tp_go) == 0,
               "the go port");
    tp_bad_names();
    tp_shutdown_refused();
    tp_siblings();
    tp_dropped();
    tp_exception_port();
    return test_report("test_task_port");
}
