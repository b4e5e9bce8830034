/*
 * The IPC benchmark (run by tools/bench ipc). Run by init, it spawns itself
 * as a server task ("server") and measures, with rdtsc around each sample,
 * the metrics of docs/perf.md between the two address spaces. Under QEMU's
 * -icount shift=0 the TSC counts guest instructions, so the config=fast lines
 * are in icount ticks; the config=wall lines convert the same samples to
 * nanoseconds with the kernel clock and are meaningful only without icount.
 * With the argument "scaling" (spawned by bench_fault's scaling role, tools/bench
 * scaling) it prints only call_null, against a plain server and against one
 * that holds BENCH_SCALING_PORTS ports more, as scaling-suite rows (config=ipc).
 */
#include <abi/syscall.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>

#include "bench_util.h"

#define BENCH_N 10000      /* samples per metric */
#define BENCH_N_PAGE 2000  /* samples of call_page_move (each faults a page in) */
#define BENCH_N_ASYNC 1000 /* bursts of send_recv_async */
#define BENCH_WARMUP 200
#define BENCH_PROFILED (BENCH_WARMUP + 10) /* traced by tools/profile */
#define BENCH_BURST 32 /* one-way messages per burst (the server's queue limit is 64) */
#define BENCH_64B 64
#define BENCH_SCALING_PORTS 4000 /* ports in the server's space for call_null_4000_ports */

#define BENCH_ID_HELLO 0x300u
#define BENCH_ID_NULL 0x301u
#define BENCH_ID_64B 0x302u  /* 64 inline bytes each way */
#define BENCH_ID_PAGE 0x303u /* one page moved with the request; the server unmaps it */
#define BENCH_ID_ASYNC 0x304u
#define BENCH_ID_SYNC 0x305u /* answered after every queued ASYNC message */
#define BENCH_ID_QUIT 0x306u

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c */

static struct ipc_message bench_msg;
static bool bench_scaling; /* rows of the scaling suite: icount ticks only, config=ipc */
static uint64_t bench_samples[BENCH_N];
static uint64_t bench_tsc_per_ms; /* TSC ticks per kernel-clock millisecond */

/* --- server --- */

/* Build in @m the reply to its request. Returns false for a one-way message. */
static bool bench_server_reply(struct ipc_message *m)
{
    uint32_t id = m->id;

    if (m->remote == PORT_NULL)
        return false;
    if (id == BENCH_ID_PAGE && m->ndesc == 1)
        sys_vm_deallocate((void *)(uintptr_t)m->ext.desc[0].address, m->ext.desc[0].size);
    ipc_msg_init(m, m->remote, IPC_DISP_MOVE_SEND_ONCE, id | IPC_ID_REPLY);
    if (id == BENCH_ID_64B)
        ipc_set_inline(m, BENCH_64B); /* the request's bytes, sent back */
    return true;
}

/* @n receive rights that stay in the server's space, never used. */
static int bench_server_ports(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        port_name_t unused;
        if (port_allocate(IPC_RIGHT_RECEIVE, &unused) < 0)
            return 1;
    }
    return 0;
}

/* The server; with @ports, BENCH_SCALING_PORTS more ports in its space first. */
static int bench_server(bool ports)
{
    struct ipc_message *m = &bench_msg;
    port_name_t svc;

    if ((ports && bench_server_ports(BENCH_SCALING_PORTS) != 0) ||
        port_allocate(IPC_RIGHT_RECEIVE, &svc) < 0 || port_set_qlimit(svc, IPC_QUEUE_MAX) < 0)
        return 1;
    ipc_msg_init(m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, BENCH_ID_HELLO);
    ipc_add_port(m, svc, IPC_DISP_MAKE_SEND);
    if (ipc_send(m, IPC_TIMEOUT_NONE) < 0)
        return 1;
    port_deallocate(ipc_bootstrap_port);
    long err = ipc_recv(m, svc, IPC_TIMEOUT_NONE);
    while (err == 0) {
        uint32_t id = m->id;
        if (!bench_server_reply(m))
            err = ipc_recv(m, svc, IPC_TIMEOUT_NONE);
        else if (id == BENCH_ID_QUIT)
            return ipc_send(m, 0) < 0;
        else
            err = ipc_reply_recv(m, svc, IPC_TIMEOUT_NONE);
    }
    printf("FAIL: bench_ipc server: %s\n", err_text(err));
    return 1;
}

/* --- client --- */

/* Print the fast (ticks) and wall (ns) lines of metric @name from @n samples. */
static void bench_report(const char *name, unsigned n)
{
    if (bench_scaling) {
        bench_sort(bench_samples, n);
        printf("BENCH scaling metric=%s config=ipc median=%lu p99=%lu n=%u unit=icount_ticks\n",
               name, (unsigned long)bench_samples[n / 2],
               (unsigned long)bench_samples[(uint64_t)n * 99 / 100], n);
        return;
    }
    bench_report_fast_wall("ipc", name, bench_samples, n, 1, bench_tsc_per_ms);
}

static long bench_call(port_name_t svc, uint32_t id)
{
    struct ipc_message *m = &bench_msg;

    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, id);
    if (id == BENCH_ID_64B)
        ipc_set_inline(m, BENCH_64B);
    return ipc_call(m, IPC_TIMEOUT_NONE);
}

static int bench_null_syscall(void)
{
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_N; i++) {
        uint64_t t0 = bench_rdtsc();
        long r = sys_call0(SYS_COUNT + 1000);
        uint64_t t1 = bench_rdtsc();
        if (r != -ERR_NOSYS)
            return 1;
        if (i >= BENCH_WARMUP)
            bench_samples[i - BENCH_WARMUP] = t1 - t0;
    }
    bench_report("null_syscall", BENCH_N);
    return 0;
}

/* A register-only call (@id NULL) or 64 bytes each way (@id 64B). */
static int bench_calls(port_name_t svc, uint32_t id, const char *name)
{
    memset(ipc_inline(&bench_msg), 0xab, BENCH_64B);
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_N; i++) {
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        uint64_t t0 = bench_rdtsc();
        long err = bench_call(svc, id);
        uint64_t t1 = bench_rdtsc();
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        if (err || bench_msg.id != (id | IPC_ID_REPLY) ||
            bench_msg.ext_size != (id == BENCH_ID_64B ? BENCH_64B : 0))
            return TEST_CHECK(0, "%s call %u: %s", name, i, err_text(err)), 1;
        if (i >= BENCH_WARMUP)
            bench_samples[i - BENCH_WARMUP] = t1 - t0;
    }
    bench_report(name, BENCH_N);
    return 0;
}

/* Register-only calls with ipc_call_words (no message struct on the client's side). */
static int bench_call_words(port_name_t svc)
{
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_N; i++) {
        uint64_t w[IPC_WORDS] = {i, 2, 3, 4};
        uint32_t id = 0;
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        uint64_t t0 = bench_rdtsc();
        long err = ipc_call_words(svc, BENCH_ID_NULL, w, &id, IPC_TIMEOUT_NONE);
        uint64_t t1 = bench_rdtsc();
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        if (err || id != (BENCH_ID_NULL | IPC_ID_REPLY) || w[0] != i || w[3] != 4)
            return TEST_CHECK(0, "call_words %u: %s", i, err_text(err)), 1;
        if (i >= BENCH_WARMUP)
            bench_samples[i - BENCH_WARMUP] = t1 - t0;
    }
    bench_report("call_words", BENCH_N);
    return 0;
}

/* One fresh page moved with each request; faulting it in is outside the sample. */
static int bench_page_move(port_name_t svc)
{
    struct ipc_message *m = &bench_msg;
    long va = sys_vm_allocate(4096, VM_PROT_READ | VM_PROT_WRITE);

    if (va <= 0)
        return 1;
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_N_PAGE; i++) {
        *(volatile uint64_t *)va = i; /* a fresh zero-fill page after each move */
        ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, BENCH_ID_PAGE);
        ipc_add_ool(m, (void *)va, 4096, IPC_OOL_MOVE);
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        uint64_t t0 = bench_rdtsc();
        long err = ipc_call(m, IPC_TIMEOUT_NONE);
        uint64_t t1 = bench_rdtsc();
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        if (err || m->id != (BENCH_ID_PAGE | IPC_ID_REPLY))
            return TEST_CHECK(0, "page move %u: %s", i, err_text(err)), 1;
        if (i >= BENCH_WARMUP)
            bench_samples[i - BENCH_WARMUP] = t1 - t0;
    }
    sys_vm_deallocate((void *)va, 4096);
    bench_report("call_page_move", BENCH_N_PAGE);
    return 0;
}

/* Bursts of one-way messages, each closed by a SYNC call; ticks per message. */
static int bench_async(port_name_t svc)
{
    struct ipc_message *m = &bench_msg;

    for (unsigned i = 0; i < BENCH_WARMUP / 10 + BENCH_N_ASYNC; i++) {
        long err = 0;
        uint64_t t0 = bench_rdtsc();
        for (unsigned k = 0; k < BENCH_BURST && err == 0; k++) {
            ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, BENCH_ID_ASYNC);
            err = ipc_send(m, IPC_TIMEOUT_NONE);
        }
        if (err == 0)
            err = bench_call(svc, BENCH_ID_SYNC);
        uint64_t t1 = bench_rdtsc();
        if (err)
            return TEST_CHECK(0, "async burst %u: %s", i, err_text(err)), 1;
        if (i >= BENCH_WARMUP / 10)
            bench_samples[i - BENCH_WARMUP / 10] = (t1 - t0) / BENCH_BURST;
    }
    bench_report("send_recv_async", BENCH_N_ASYNC);
    return 0;
}

static volatile unsigned bench_partner_state; /* 1 running, 2 asked to stop, 3 stopped */
static volatile bool bench_switch_fpu;

/*
 * With bench_switch_fpu, use an SSE register (a move onto itself: no value
 * changes, so no compiled code can be disturbed), as a thread that computes
 * with floating point would between two switches.
 */
static inline void bench_touch_fpu(void)
{
    if (bench_switch_fpu)
        __asm__ volatile("movaps %%xmm0, %%xmm0" ::: "memory");
}

/* The other thread of the switch benchmark: yield back at once, until told to stop. */
static void bench_partner(void *arg)
{
    (void)arg;
    bench_partner_state = 1;
    while (bench_partner_state == 1) {
        bench_touch_fpu();
        sys_yield();
    }
    bench_partner_state = 3;
}

/*
 * Context switches between two threads of this task that yield to each
 * other: a sample is one yield and the partner's, two switches. With @fpu
 * both threads use an SSE register after every switch (the cost of saving
 * and loading their registers, or of the trap of lazy switching).
 */
static int bench_switch(bool fpu, const char *name)
{
    bench_switch_fpu = fpu;
    bench_partner_state = 0;
    if (thread_start(bench_partner, NULL, THREAD_STACK_DEFAULT) <= 0)
        return TEST_CHECK(0, "%s: partner thread", name), 1;
    while (bench_partner_state == 0)
        sys_yield();
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_N; i++) {
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        uint64_t t0 = bench_rdtsc();
        sys_yield();
        bench_touch_fpu();
        uint64_t t1 = bench_rdtsc();
        if (i == BENCH_PROFILED)
            sys_profile_mark();
        if (i >= BENCH_WARMUP)
            bench_samples[i - BENCH_WARMUP] = t1 - t0;
    }
    bench_partner_state = 2;
    while (bench_partner_state != 3)
        sys_yield();
    bench_report(name, BENCH_N);
    return 0;
}

/*
 * Spawn the server (@args "server", or "server_ports" for one with
 * BENCH_SCALING_PORTS more ports) and return a send right to its port
 * (PORT_NULL on failure).
 */
static port_name_t bench_spawn_server(const char *args, long *task)
{
    struct ipc_message *m = &bench_msg;
    port_name_t boot, svc = PORT_NULL;

    if (port_allocate(IPC_RIGHT_RECEIVE, &boot) < 0)
        return PORT_NULL;
    *task = sys_task_spawn_bootstrap("bench_ipc", args, boot);
    if (*task >= 0 && ipc_recv(m, boot, 5000000000ull) == 0 && m->id == BENCH_ID_HELLO &&
        m->ndesc == 1)
        svc = m->ext.desc[0].name;
    port_destroy(boot);
    return svc;
}

/* Tell the server of @task at @svc to quit and check that it ended well. */
static void bench_server_quit(port_name_t svc, long task)
{
    struct task_status st = {0, 0, 0};

    TEST_CHECK(bench_call(svc, BENCH_ID_QUIT) == 0, "quit the server");
    TEST_CHECK(sys_task_wait(task_port_of(task), &st) == 0 && st.end == TASK_END_EXIT &&
                   st.code == 0,
               "server ended %d/%d", st.end, st.code);
    port_deallocate(svc);
}

/* The scaling rows: call_null against a plain server and one with many ports. */
static int bench_scaling_client(void)
{
    static const char *const args[2] = {"server", "server_ports"};
    static const char *const names[2] = {"call_null", "call_null_4000_ports"};

    bench_scaling = true;
    for (unsigned i = 0; i < 2; i++) {
        long task = -1;
        port_name_t svc = bench_spawn_server(args[i], &task);
        if (!TEST_CHECK(svc != PORT_NULL, "no %s (task %ld)", args[i], task))
            break;
        TEST_CHECK(bench_calls(svc, BENCH_ID_NULL, names[i]) == 0, "%s", names[i]);
        bench_server_quit(svc, task);
    }
    return test_report("bench_ipc");
}

static int bench_client(void)
{
    long task = -1;
    port_name_t svc = bench_spawn_server("server", &task);

    if (!TEST_CHECK(svc != PORT_NULL, "no server (task %ld)", task))
        return test_report("bench_ipc");
    bench_tsc_per_ms = bench_calibrate();
    printf("BENCH ipc calibration tsc_per_ms=%lu\n", (unsigned long)bench_tsc_per_ms);
    int failed = bench_null_syscall() || bench_calls(svc, BENCH_ID_NULL, "call_null") ||
                 bench_call_words(svc) || bench_calls(svc, BENCH_ID_64B, "call_64b") ||
                 bench_page_move(svc) || bench_async(svc) || bench_switch(false, "switch_yield") ||
                 bench_switch(true, "switch_yield_fpu");
    TEST_CHECK(!failed, "a benchmark failed");
    bench_server_quit(svc, task);
    return test_report("bench_ipc");
}

int main(int argc, char **argv)
{
    const char *role = argc > 1 ? argv[1] : "";

    if (strcmp(role, "server") == 0 || strcmp(role, "server_ports") == 0)
        return bench_server(strcmp(role, "server_ports") == 0);
    if (strcmp(role, "scaling") == 0)
        return bench_scaling_client();
    return bench_client();
}
