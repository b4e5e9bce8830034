/*
 * Authority is a capability (issue 11, issue 13 item 2): making a port the
 * default pager, driver access and a pager's reserve share need a send
 * right to the host-privilege port, which init gives only to the programs
 * `host_priv=` names. Modes (the argument string):
 * - "plain": run by init without the right. No name of its space is the
 *   host port; every privileged call with any name gets -ERR_PERM and
 *   changes nothing (the default pager still serves new memory).
 * - "priv": run with the right. Bad pagers are refused; setting its own
 *   pager returns the system's pager, which then serves nobody's new memory
 *   until it is set back (which returns ours); driver access and reserve
 *   shares work; a child gets the right only when spawned with it.
 * - "child": a task the others start (bootstrap: their go port). It waits
 *   for the go, touches fresh memory and exits with AUTH_CHILD_* bits.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <naming_defs.h>
#include <pager/pager.h>

#define AUTH_ID_GO 0x4155u      /* child -> parent: may I go on? (a call) */
#define AUTH_CHILD_HOST 1       /* exit bit: the child holds a host-privilege right */
#define AUTH_CHILD_DRIVER 2     /* exit bit: the child has driver access */
#define AUTH_CHILD_BAD_DATA 4   /* exit bit: its memory did not read back */
#define AUTH_CHILD_FOUND_HOST 8 /* exit bit: some name of its space passed the host check */
#define AUTH_CHILD_PAGES 8
#define AUTH_NAME_INDEXES 128 /* the first page of a name table: where a few rights live */

static struct pager auth_pager;               /* our own pager: counts the requests it gets */
static const struct pager_ops auth_pager_ops; /* the framework's defaults: zero fill */
static port_name_t auth_go;                   /* children call it and wait until we answer */

/* Does any name of this task's first table page pass the host check? */
static bool auth_any_name_is_host(void)
{
    for (uint32_t index = 0; index < AUTH_NAME_INDEXES; index++)
        for (uint32_t gen = 0; gen < 256; gen++)
            if (sys_set_default_pager(index << 8 | gen, PORT_NULL) != -ERR_PERM)
                return true;
    return false;
}

/* Write, then read back, @pages fresh pages of anonymous memory. True when all match. */
static bool auth_touch(unsigned pages)
{
    long base = sys_vm_allocate(pages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    bool ok = base > 0;

    /* From the last page down: one request per page (ascending faults ask for runs). */
    for (unsigned i = pages; ok && i-- > 0;)
        ((volatile uint64_t *)base)[i * PAGE_SIZE / 8] = 0xa0710000u + i;
    for (unsigned i = 0; ok && i < pages; i++)
        ok = ((volatile uint64_t *)base)[i * PAGE_SIZE / 8] == 0xa0710000u + i;
    if (base > 0)
        sys_vm_deallocate((void *)base, pages * PAGE_SIZE);
    return ok;
}

/* The child: wait for the go, then report what it holds and how its memory did. */
static int auth_child(void)
{
    struct ipc_message m;
    int bits = 0;

    ipc_msg_init(&m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, AUTH_ID_GO);
    if (ipc_call(&m, IPC_TIMEOUT_NONE) != 0)
        return 64;
    if (ipc_host_port != PORT_NULL)
        bits |= AUTH_CHILD_HOST;
    else if (auth_any_name_is_host())
        bits |= AUTH_CHILD_FOUND_HOST;
    if (sys_pci_read32(0, 0) >= 0)
        bits |= AUTH_CHILD_DRIVER;
    if (!auth_touch(AUTH_CHILD_PAGES))
        bits |= AUTH_CHILD_BAD_DATA;
    return bits;
}

/* Start a child with @flags (host right @host), its bootstrap our go port. Id or -ERR_*. */
static long auth_spawn(unsigned flags, port_name_t host)
{
    return sys_task_spawn_flags("test_authority", "child", auth_go, flags, host);
}

/* Let the child that calls the go port go on. */
static void auth_release(void)
{
    struct ipc_message m;

    TEST_CHECK(ipc_recv(&m, auth_go, IPC_TIMEOUT_NONE) == 0, "receive the child's call");
    ipc_msg_init(&m, m.remote, IPC_DISP_MOVE_SEND_ONCE, AUTH_ID_GO | IPC_ID_REPLY);
    m.w[0] = 0;
    TEST_CHECK(ipc_send(&m, IPC_TIMEOUT_NONE) == 0, "answer the child");
}

/* Let child @id go and wait for it: its exit code (its AUTH_CHILD_* bits), or -1. */
static int auth_child_result(long id)
{
    struct task_status st;

    if (!TEST_CHECK(id > 0, "spawn the child: %ld", id))
        return -1;
    auth_release();
    if (!TEST_CHECK(sys_task_wait(task_port_of((uint32_t)id), &st) == 0, "wait for the child"))
        return -1;
    TEST_CHECK(st.end == TASK_END_EXIT, "the child exited (end %d)", st.end);
    return st.end == TASK_END_EXIT ? st.code : -1;
}

/* A send-once right to our port @port: a message to ourselves carries one. */
static port_name_t auth_send_once(port_name_t port)
{
    struct ipc_message m;

    ipc_msg_init(&m, port, IPC_DISP_MAKE_SEND, 1);
    m.local = port;
    m.local_disp = IPC_DISP_MAKE_SEND_ONCE;
    if (ipc_send(&m, 0) != 0 || ipc_recv(&m, port, 0) != 0)
        return PORT_NULL;
    return m.remote;
}

/* Names that are no send right to the host port. */
struct auth_names {
    port_name_t own, send_once, dead, set, naming, garbage;
};

static void auth_names_make(struct auth_names *n)
{
    n->own = auth_pager.port; /* receive and send right */
    n->send_once = auth_send_once(auth_go);
    n->dead = test_dead_name();
    TEST_CHECK(port_allocate(IPC_RIGHT_PORT_SET, &n->set) == 0, "a port set");
    n->naming = ipc_bootstrap_port; /* a send right to init's name service */
    n->garbage = 0x7fff12u;
    TEST_CHECK(n->send_once != PORT_NULL && n->dead != PORT_NULL, "make the bad names");
}

/*
 * The console and the view of other tasks need the right too: init (task 1,
 * whose task port we do not hold) cannot be read, the listing holds only
 * us, console input cannot be taken and the policy stays.
 */
static void auth_inspect_refused(port_name_t host, const char *what)
{
    struct task_info info;
    struct vm_region_info region;
    char before[16], after[16];
    long self = sys_task_info(0, &info) == 0 ? (long)info.id : -1;

    TEST_CHECK(sys_task_info_host(host, 1, &info) == -ERR_PERM, "%s: task_info of init refused",
               what);
    TEST_CHECK(sys_vm_region_info(host, 1, 0, &region) == -ERR_PERM, "%s: regions of init refused",
               what);
    TEST_CHECK(sys_vm_region_info(host, 0, 0, &region) > 0, "%s: our own regions listed", what);
    TEST_CHECK(sys_task_next(host, 0) == self, "%s: the listing starts with us (%ld)", what, self);
    TEST_CHECK(sys_console_attach(host, auth_pager.port) == -ERR_PERM, "%s: console refused", what);
    sys_vm_policy_get(before, sizeof(before));
    TEST_CHECK(sys_vm_policy_set(host, "fifo") == -ERR_PERM, "%s: policy change refused", what);
    sys_vm_policy_get(after, sizeof(after));
    TEST_CHECK(strcmp(before, after) == 0, "%s: policy still %s", what, after);
}

/* Every privileged call, with @host no host right, gets -ERR_PERM and changes nothing. */
static void auth_refused_with(port_name_t host, const char *what)
{
    struct task_info info;
    long child = auth_spawn(0, PORT_NULL);

    TEST_CHECK(sys_set_default_pager(host, auth_pager.port) == -ERR_PERM,
               "%s: set_default_pager refused", what);
    TEST_CHECK(sys_task_grant_driver(host, task_port_of((uint32_t)child)) == -ERR_PERM,
               "%s: grant_driver refused", what);
    TEST_CHECK(sys_task_set_reserve_share(host, PORT_NULL, 8) == -ERR_PERM,
               "%s: reserve share refused", what);
    TEST_CHECK(sys_task_port_for(host, 1) == -ERR_PERM &&
                   sys_task_port_for(host, 999999) == -ERR_PERM,
               "%s: task_port_for refused", what);
    TEST_CHECK(auth_spawn(TASK_SPAWN_DRIVER, host) == -ERR_PERM, "%s: spawn a driver refused",
               what);
    TEST_CHECK(auth_spawn(TASK_SPAWN_HOST_PRIV, host) == -ERR_PERM,
               "%s: spawn with the host right refused", what);
    if (host != PORT_NULL)
        TEST_CHECK(auth_spawn(0, host) == -ERR_PERM, "%s: spawn naming it as host refused", what);
    auth_inspect_refused(host, what);
    TEST_CHECK(sys_task_info(0, &info) == 0 && info.reserve_share == 0,
               "%s: reserve share unchanged", what);
    TEST_CHECK(auth_child_result(child) == 0, "%s: the child got no driver access or right", what);
}

/* New memory of a child goes to the system's pager, not ours. */
static void auth_system_pager_serves(const char *when)
{
    struct vm_stat before, after;
    uint64_t ours = auth_pager.requests;

    sys_vm_stat(&before);
    TEST_CHECK(auth_child_result(auth_spawn(0, PORT_NULL)) == 0, "%s: the child ran", when);
    sys_vm_stat(&after);
    TEST_CHECK(after.pager_requests >= before.pager_requests + AUTH_CHILD_PAGES,
               "%s: the external pager served the child (%lu requests)", when,
               (unsigned long)(after.pager_requests - before.pager_requests));
    TEST_CHECK(auth_pager.requests == ours, "%s: our pager got no request", when);
}

static void auth_plain(void)
{
    struct auth_names n;

    TEST_CHECK(ipc_host_port == PORT_NULL, "no host right without host_priv=");
    TEST_CHECK(!auth_any_name_is_host(), "no name of ours is the host port");
    auth_names_make(&n);
    auth_refused_with(PORT_NULL, "PORT_NULL");
    auth_refused_with(n.garbage, "garbage");
    auth_refused_with(n.own, "own receive right");
    auth_refused_with(n.send_once, "send-once right");
    auth_refused_with(n.dead, "dead name");
    auth_refused_with(n.set, "port set");
    auth_refused_with(n.naming, "name service");
    auth_system_pager_serves("after the refusals");
    TEST_CHECK(sys_set_default_pager(PORT_NULL, PORT_NULL) == -ERR_PERM, "still no right");
}

/* With the right: bad pagers are refused with their own error and change nothing. */
static void auth_bad_pagers(port_name_t host)
{
    struct auth_names n;

    auth_names_make(&n);
    TEST_CHECK(sys_set_default_pager(host, PORT_NULL) == -ERR_NAME, "pager PORT_NULL");
    TEST_CHECK(sys_set_default_pager(host, n.garbage) == -ERR_NAME, "pager garbage");
    TEST_CHECK(sys_set_default_pager(host, n.dead) == -ERR_DEAD, "pager dead");
    TEST_CHECK(sys_set_default_pager(host, n.send_once) == -ERR_RIGHT, "pager send-once");
    TEST_CHECK(sys_set_default_pager(host, n.set) == -ERR_RIGHT, "pager port set");
    TEST_CHECK(sys_set_default_pager(host, host) == -ERR_INVAL, "pager the host port");
    TEST_CHECK(sys_task_grant_driver(host, n.garbage) == -ERR_NAME, "grant_driver: garbage name");
    TEST_CHECK(sys_task_grant_driver(host, n.dead) == -ERR_DEAD, "grant_driver: dead name");
    TEST_CHECK(sys_task_grant_driver(host, n.naming) == -ERR_INVAL, "grant_driver: no task port");
    TEST_CHECK(sys_task_grant_driver(host, n.send_once) == -ERR_RIGHT, "grant_driver: send-once");
}

/* Messages to the host port: answered by the kernel, -ERR_NOSYS. */
static void auth_host_messages(port_name_t host)
{
    struct ipc_message m;
    unsigned rights = 0, srefs = 0;

    TEST_CHECK(port_get_rights(host, &rights, &srefs) == 0 && rights == IPC_RIGHT_SEND,
               "the host right is a send right (rights %x)", rights);
    ipc_msg_init(&m, host, IPC_DISP_COPY_SEND, 7);
    TEST_CHECK(ipc_call(&m, IPC_TIMEOUT_NONE) == 0 && (int64_t)m.w[0] == -ERR_NOSYS,
               "a call to the host port: -ERR_NOSYS");
    ipc_msg_init(&m, host, IPC_DISP_COPY_SEND, 7);
    TEST_CHECK(ipc_send(&m, 0) == -ERR_NOSYS, "a send to the host port: -ERR_NOSYS");
}

/* Switch to our pager and back: each set returns the previous one. */
static void auth_switch(port_name_t host)
{
    port_name_t system = PORT_NULL;

    TEST_CHECK(naming_lookup(ipc_bootstrap_port, "default_pager", &system) == 0,
               "look up the system's pager");
    long previous = sys_set_default_pager(host, auth_pager.port);
    TEST_CHECK(previous == (long)system, "set ours: the previous is the system's (%ld, %u)",
               previous, system);
    uint64_t ours = auth_pager.requests;
    TEST_CHECK(auth_child_result(auth_spawn(0, PORT_NULL)) == 0, "a child on our pager");
    TEST_CHECK(auth_pager.requests >= ours + AUTH_CHILD_PAGES,
               "our pager served the child's new memory (%lu requests)",
               (unsigned long)(auth_pager.requests - ours));
    previous = sys_set_default_pager(host, system);
    TEST_CHECK(previous == (long)auth_pager.port, "set back: the previous is ours (%ld)", previous);
    port_deallocate(previous); /* the send right it gave us */
    auth_system_pager_serves("after setting it back");
}

/* Driver access and reserve shares with the right; a child gets the right only when asked. */
static void auth_grants(port_name_t host)
{
    struct vm_stat st;
    struct task_info info;

    TEST_CHECK(auth_child_result(auth_spawn(TASK_SPAWN_DRIVER, host)) == AUTH_CHILD_DRIVER,
               "spawned a driver");
    long child = auth_spawn(0, PORT_NULL);
    TEST_CHECK(sys_task_grant_driver(host, task_port_of((uint32_t)child)) == 0,
               "grant driver access");
    TEST_CHECK(auth_child_result(child) == AUTH_CHILD_DRIVER, "the child is a driver");
    TEST_CHECK(auth_child_result(auth_spawn(TASK_SPAWN_HOST_PRIV, host)) == AUTH_CHILD_HOST,
               "a child spawned with the right holds it");
    TEST_CHECK(auth_child_result(auth_spawn(0, host)) == 0, "a child spawned without it has none");
    sys_vm_stat(&st);
    TEST_CHECK(sys_task_set_reserve_share(host, PORT_NULL, 8) == 0, "raise our reserve share");
    TEST_CHECK(sys_task_info(0, &info) == 0 && info.reserve_share == 8, "share 8 (%u)",
               info.reserve_share);
    TEST_CHECK(sys_task_set_reserve_share(host, PORT_NULL, (uint32_t)st.frames_reserve + 1) ==
                   -ERR_INVAL,
               "a share beyond the reserve");
    TEST_CHECK(sys_task_set_reserve_share(host, 0x7fff12u, 8) == -ERR_NAME, "no such task port");
    TEST_CHECK(sys_task_set_reserve_share(host, PORT_NULL, 0) == 0 &&
                   sys_task_info(0, &info) == 0 && info.reserve_share == 0,
               "back to the default share");
}

/*
 * task_port_for with the right: a child's port comes under the name we
 * already hold for it (one reference more), init's gives a name that acts
 * as init's task port; no such task is -ERR_NOENT.
 */
static void auth_port_for(port_name_t host)
{
    struct task_info info;
    unsigned rights = 0, before = 0, after = 0;
    long child = auth_spawn(0, PORT_NULL);
    port_name_t port = task_port_of((uint32_t)child);

    port_get_rights(port, &rights, &before);
    TEST_CHECK(sys_task_port_for(host, (uint32_t)child) == (long)port, "the child's task port");
    port_get_rights(port, &rights, &after);
    TEST_CHECK(after == before + 1, "one more reference (%u, %u)", before, after);
    port_deallocate(port);
    TEST_CHECK(auth_child_result(child) == 0, "the child ran");
    long init = sys_task_port_for(host, 1);
    TEST_CHECK(init > 0 && (port_name_t)init != host, "init's task port: %ld", init);
    TEST_CHECK(init > 0 && sys_task_info_host((port_name_t)init, 1, &info) == 0 && info.id == 1,
               "init's task port reads init");
    if (init > 0)
        port_deallocate((port_name_t)init);
    TEST_CHECK(sys_task_port_for(host, 999999) == -ERR_NOENT, "task_port_for: no such task");
    TEST_CHECK(sys_task_port_for(host, 0) == -ERR_NOENT, "task_port_for: task 0");
}

static void auth_priv(void)
{
    port_name_t host = ipc_host_port;

    if (!TEST_CHECK(host != PORT_NULL, "init gave us the host right"))
        return;
    auth_host_messages(host);
    auth_bad_pagers(host);
    auth_switch(host);
    auth_grants(host);
    auth_port_for(host);
}

/* Our pager's thread: zero fill whatever it is asked for (the framework's default). */
static void auth_serve(void *arg)
{
    (void)arg;
    pager_serve(&auth_pager, 1);
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    if (strcmp(args, "child") == 0)
        return auth_child();
    TEST_CHECK(pager_init(&auth_pager, &auth_pager_ops, NULL, PORT_NULL) == 0, "start our pager");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &auth_go) == 0 && port_insert_send(auth_go) == 0,
               "the go port");
    TEST_CHECK(thread_start(auth_serve, NULL, 64 * 1024) > 0, "our pager's thread");
    if (strcmp(args, "plain") == 0)
        auth_plain();
    else if (strcmp(args, "priv") == 0)
        auth_priv();
    else
        TEST_CHECK(false, "unknown mode \"%s\"", args);
    return test_report(strcmp(args, "plain") == 0 ? "authority without the right"
                                                  : "authority with the right");
}
