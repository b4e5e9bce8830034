/*
 * Exceptions as messages (issue 3, item 8). A handler thread receives the
 * exception messages of this task and of two children: it repairs a fault
 * on an unmapped address by mapping the page and resumes the thread (the
 * store then completes), and it has the children killed for a NULL write
 * and an invalid opcode. Without a handler a fault kills as before.
 */
#include <exc_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <string.h>

#define FIX_ADDR ((volatile uint64_t *)0x0000200000000000ULL)

static port_name_t exc_port;
static volatile unsigned handled;
static volatile uint64_t last_kind, last_code, last_info;

/* Handler of exc.raise: resume for a fault at FIX_ADDR (after mapping it), kill otherwise. */
int exc_do_raise(void *ctx, uint64_t kind, uint64_t code, uint64_t pc, uint64_t info)
{
    (void)ctx, (void)pc;
    last_kind = kind;
    last_code = code;
    last_info = info;
    handled++;
    if (kind == EXC_BAD_ACCESS && code == (uint64_t)FIX_ADDR &&
        sys_vm_allocate_at((void *)FIX_ADDR, 4096, VM_PROT_READ | VM_PROT_WRITE) == (long)FIX_ADDR)
        return 0;
    return -ERR_FAULT;
}

/* Answer each exception, which the kernel sends with a send-once reply right. */
static void handler(void *arg)
{
    static struct ipc_message in, out;

    (void)arg;
    while (ipc_recv(&in, exc_port, IPC_TIMEOUT_NONE) == 0) {
        if (in.remote_disp != IPC_DISP_MOVE_SEND_ONCE)
            continue;
        if (exc_dispatch(NULL, &in, &out))
            ipc_send(&out, IPC_TIMEOUT_NONE);
    }
}

/* Spawn exc_child with @what and check the handler had it killed. */
static void check_child_killed(const char *what, uint64_t kind, uint64_t code)
{
    struct task_status st;
    unsigned before = handled;
    bool inherited = strstr(what, "inherited") != NULL;
    long id = inherited
                  ? sys_task_spawn_flags("exc_child", what, PORT_NULL, TASK_SPAWN_EXC_INHERIT, 0)
                  : sys_task_spawn_bootstrap("exc_child", what, exc_port);

    TEST_CHECK(id > 0, "spawn exc_child %s: %ld", what, id);
    if (id <= 0)
        return;
    TEST_CHECK(sys_task_wait(task_port_of(id), &st) == 0, "wait");
    TEST_CHECK(st.end == TASK_END_FAULT, "%s: end %d (want fault)", what, st.end);
    TEST_CHECK(handled == before + 1, "%s: handler saw %u exceptions", what, handled - before);
    TEST_CHECK(last_kind == kind && last_code == code, "%s: kind %llu code %llx", what,
               (unsigned long long)last_kind, (unsigned long long)last_code);
}

int main(void)
{
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &exc_port) == 0, "allocate exception port");
    TEST_CHECK(sys_task_set_exception_port(0, exc_port) == 0, "set exception port");
    TEST_CHECK(sys_task_set_exception_port(0, 0x7fff00) == -ERR_NAME, "bad name refused");
    TEST_CHECK(thread_start(handler, NULL, THREAD_STACK_DEFAULT) > 0, "handler thread");

    /* A store to an unmapped address: the handler maps the page, the store completes. */
    *FIX_ADDR = 42;
    TEST_CHECK(*FIX_ADDR == 42, "the repaired store did not land");
    TEST_CHECK(handled == 1, "handler saw %u exceptions (want 1)", handled);
    TEST_CHECK(last_kind == EXC_BAD_ACCESS && last_code == (uint64_t)FIX_ADDR,
               "exception words: kind %llu addr %llx", (unsigned long long)last_kind,
               (unsigned long long)last_code);
    TEST_CHECK((last_info & 0xff) == 2, "access %llu (want write)",
               (unsigned long long)(last_info & 0xff));

    check_child_killed("null", EXC_BAD_ACCESS, 0);
    check_child_killed("ud2", EXC_CPU, 6);
    /* TASK_SPAWN_EXC_INHERIT (no privilege needed): the first instruction's fault comes here. */
    check_child_killed("null inherited", EXC_BAD_ACCESS, 0);

    /* Without it the child has no exception port: the kernel ends it, nothing comes here. */
    unsigned before = handled;
    struct task_status st = {0};
    long id = sys_task_spawn_flags("exc_child", "null inherited", PORT_NULL, 0, 0);
    TEST_CHECK(id > 0 && sys_task_wait(task_port_of(id), &st) == 0 && st.end == TASK_END_FAULT,
               "child without an exception port: id %ld, end %d", id, st.end);
    TEST_CHECK(handled == before, "handler saw %u exceptions of it", handled - before);
    TEST_CHECK(sys_task_spawn_call("exc_child", "", PORT_NULL, 0x80, 0, NULL) == -ERR_INVAL,
               "unknown spawn flag refused");

    TEST_CHECK(sys_task_set_exception_port(0, 0) == 0, "clear exception port");
    TEST_CHECK(port_destroy(exc_port) == 0, "destroy exception port");
    sys_vm_deallocate((void *)FIX_ADDR, 4096);
    return test_report("test_exception");
}
