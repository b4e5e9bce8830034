/*
 * Per-thread x87/SSE/AVX state (issue 12, items 1-3). Threads load distinct
 * register patterns (fpu_regs.asm), leave the CPU in every way a thread can
 * (yields, timer preemption, faults served by the external pager and by the
 * swap disk, IPC calls to a server task that loads patterns of its own, an
 * exception its handler repairs) and check every register bit for bit. A
 * fresh thread of a fresh task starts in the defined clean state even right
 * after a task that filled the registers exited; unmasked SSE and x87 divide
 * by zero and an AVX instruction without AVX reach only the offending task,
 * as exceptions, while a thread of ours keeps running and keeps its state.
 * Child roles by argument: server, dirty, fresh, xm, mf, avx.
 */
#include <exc_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <stddef.h>

/* The registers one pattern sets; fpu_regs.asm's layout. */
struct fpu_regs {
    uint8_t st[8][16];   /* 80-bit values, st(0) first */
    uint8_t ymm[16][32]; /* xmm = the low 16 bytes */
    uint32_t mxcsr;
    uint16_t fcw;
    uint16_t pad;
};
_Static_assert(offsetof(struct fpu_regs, ymm) == 128, "REGS_YMM");
_Static_assert(offsetof(struct fpu_regs, mxcsr) == 640, "REGS_MXCSR");
_Static_assert(offsetof(struct fpu_regs, fcw) == 644, "REGS_FCW");

enum fpu_op_kind { FPU_OP_NONE, FPU_OP_SYSCALL, FPU_OP_TOUCH, FPU_OP_SPIN, FPU_OP_TRAP };
enum fpu_trap { FPU_TRAP_SSE, FPU_TRAP_X87, FPU_TRAP_AVX };

/* What fpu_op_run does between loading and storing the registers. */
struct fpu_op {
    uint64_t kind;
    volatile uint64_t *addr;
    uint64_t arg;
    volatile uint64_t *own;
    uint64_t regs[11]; /* rax rdi rsi rdx r10 r8 r9 r12 r13 r14 r15 */
};
_Static_assert(offsetof(struct fpu_op, regs) == 32, "OP_REGS");

/* What a fresh thread records at its first instruction (fpu_fresh_entry). */
struct fpu_fresh {
    uint8_t fxsave[512];
    uint8_t ymm_hi[16][16];
    uint64_t avx, exit_nr;
    volatile uint64_t done;
};
_Static_assert(offsetof(struct fpu_fresh, avx) == 768, "FRESH_AVX");
_Static_assert(offsetof(struct fpu_fresh, done) == 784, "FRESH_DONE");

void fpu_op_run(const struct fpu_regs *in, struct fpu_regs *out, uint64_t avx, struct fpu_op *op);
void fpu_fresh_entry(struct fpu_fresh *fresh);

#define FPU_THREADS 4
/* Pattern seeds: slot << 32 | number. Slots 0-3: the preempted threads. */
#define FPU_SLOT_MAIN (4ull << 32)
#define FPU_SLOT_BYSTANDER (5ull << 32)
#define FPU_SLOT_HANDLER (6ull << 32)
#define FPU_SLOT_SERVER (7ull << 32)
#define FPU_SLOTS 8
#define FPU_YIELDS 1000                    /* checked yields per thread */
#define FPU_SPINS 400                      /* checked timer preemptions per thread (at least) */
#define FPU_PAGES 48                       /* pages faulted in, then paged out and in again */
#define FPU_CALLS 1000                     /* checked IPC calls */
#define FPU_EXCEPTIONS 16                  /* exceptions repaired by the handler */
#define FPU_ID_CALL 0x600u                 /* to the server: w0 back + 1 */
#define FPU_ID_QUIT 0x601u                 /* to the server: reply w0 = its mismatches, then exit */
#define FPU_ID_HELLO 0x602u                /* server -> us: desc[0] is its port */
#define FPU_FIX_BASE 0x0000210000000000ULL /* unmapped; the handler maps pages here */
#define FPU_ONE_DOUBLE 0x3ff0000000000000ULL
#define FPU_NO_XM 42 /* exit status of "xm" when the divide by zero did not trap */

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c */

static uint64_t fpu_avx; /* AVX enabled by the kernel (XCR0): ymm patterns */
static port_name_t exc_port;
static volatile uint64_t exc_count, exc_kind, exc_code;

static uint64_t fpu_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Pattern number @seed: normal x87 values, random vectors, control words with masked exceptions. */
static void fpu_pattern(struct fpu_regs *r, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;

    memset(r, 0, sizeof(*r));
    for (unsigned i = 0; i < 8; i++) {
        uint64_t mant = fpu_rand(&s) | 1ull << 63, se = 0x3f00 + fpu_rand(&s) % 0x200;
        se |= fpu_rand(&s) & 0x8000;
        memcpy(r->st[i], &mant, 8);
        memcpy(r->st[i] + 8, &se, 2);
    }
    for (unsigned i = 0; i < 16; i++)
        for (unsigned k = 0; k < 32; k += 8) {
            uint64_t v = fpu_rand(&s);
            memcpy(&r->ymm[i][k], &v, 8);
        }
    uint64_t c = fpu_rand(&s);
    r->mxcsr = 0x1f80 | (uint32_t)(c & 3) << 13 | (c & 4 ? 0x8000 : 0) | (uint32_t)(c >> 3 & 0x3f);
    static const uint16_t pc[3] = {0, 2, 3};
    r->fcw = (uint16_t)(0x7f | pc[c >> 9 & 1 ? 2 : (c >> 10) % 3] << 8 | (c >> 12 & 3) << 10);
}

/* Compare what came back with what went in; print the first difference under @what. */
static bool fpu_same(const struct fpu_regs *in, const struct fpu_regs *out, const char *what)
{
    unsigned vec = fpu_avx ? 32 : 16;

    if (in->fcw != out->fcw || in->mxcsr != out->mxcsr)
        return TEST_CHECK(0, "%s: fcw %x mxcsr %x, want %x %x", what, out->fcw, out->mxcsr, in->fcw,
                          in->mxcsr);
    for (unsigned i = 0; i < 8; i++)
        if (memcmp(in->st[i], out->st[i], 10) != 0)
            return TEST_CHECK(0, "%s: st(%u) differs", what, i);
    for (unsigned i = 0; i < 16; i++)
        if (memcmp(in->ymm[i], out->ymm[i], vec) != 0)
            return TEST_CHECK(0, "%s: %cmm%u differs", what, fpu_avx ? 'y' : 'x', i);
    return true;
}

/* Load pattern @seed, do @op, check the registers came back unchanged. */
static bool fpu_check_op(uint64_t seed, struct fpu_op *op, const char *what)
{
    static struct fpu_regs in[FPU_SLOTS], out[FPU_SLOTS];
    unsigned slot = (unsigned)(seed >> 32) % FPU_SLOTS;

    fpu_pattern(&in[slot], seed);
    memset(&out[slot], 0, sizeof(out[slot]));
    fpu_op_run(&in[slot], &out[slot], fpu_avx, op);
    return fpu_same(&in[slot], &out[slot], what);
}

/* AVX usable: the CPU has it and the kernel enabled it in XCR0. */
static uint64_t fpu_detect_avx(void)
{
    uint32_t a, b, c, d, lo, hi;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & 1u << 27) || !(c & 1u << 28))
        return 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;
}

/* --- preemption and yields --- */

static volatile uint64_t spin_count[FPU_THREADS], threads_done, threads_bad;

/* Thread @arg: checked yields, then checked spins each outlasting a preemption. */
static void preempt_thread(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg, next = (me + 1) % FPU_THREADS;
    uint64_t seed = (uint64_t)me << 32;
    struct fpu_op op = {.kind = FPU_OP_SYSCALL};
    bool ok = true;

    for (unsigned i = 0; i < FPU_YIELDS && ok; i++) {
        op.regs[0] = SYS_YIELD;
        ok = fpu_check_op(seed++, &op, "across a yield");
    }
    for (unsigned i = 0; i < FPU_SPINS && ok; i++) {
        /* The neighbour's count moves only while it runs: we were preempted meanwhile. */
        struct fpu_op spin = {
            FPU_OP_SPIN, &spin_count[next], spin_count[next] + 1, &spin_count[me], {0}};
        ok = fpu_check_op(seed++, &spin, "across a preemption");
    }
    threads_bad += !ok;
    threads_done++;
    while (threads_done < FPU_THREADS) { /* keep counting for neighbours still spinning */
        spin_count[me]++;
        sys_yield();
    }
}

static void test_preemption(void)
{
    for (unsigned i = 0; i < FPU_THREADS; i++)
        TEST_CHECK(thread_start(preempt_thread, (void *)(uintptr_t)i, THREAD_STACK_DEFAULT) > 0,
                   "thread %u", i);
    while (threads_done < FPU_THREADS)
        sys_sleep_ns(10000000);
    TEST_CHECK(threads_bad == 0, "%llu threads saw foreign registers",
               (unsigned long long)threads_bad);
    printf("test_fpu: %u threads, %u yields and %u preemptions each, registers kept\n", FPU_THREADS,
           FPU_YIELDS, FPU_SPINS);
}

/* --- a thread that keeps running with its own pattern while others fault or trap --- */

static volatile uint64_t bystander_stop, bystander_count, bystander_ok;

static void bystander(void *arg)
{
    (void)arg;
    struct fpu_op spin = {FPU_OP_SPIN, &bystander_stop, 1, &bystander_count, {0}};
    bystander_ok = fpu_check_op(FPU_SLOT_BYSTANDER | 77, &spin, "bystander thread");
    bystander_stop = 2;
}

/* Start the bystander; returns its count once it runs. */
static uint64_t bystander_start(void)
{
    bystander_stop = 0;
    bystander_count = 0;
    TEST_CHECK(thread_start(bystander, NULL, THREAD_STACK_DEFAULT) > 0, "bystander thread");
    while (bystander_count == 0)
        sys_yield();
    return bystander_count;
}

/* Stop the bystander; true if it ran meanwhile and kept its registers. */
static bool bystander_finish(uint64_t count_before)
{
    bool ran = bystander_count > count_before;
    bystander_stop = 1;
    while (bystander_stop != 2)
        sys_yield();
    return TEST_CHECK(ran && bystander_ok, "bystander ran %d, registers kept %d", ran,
                      (int)bystander_ok);
}

/* --- faults: the external pager, then the swap disk --- */

static void test_faults(void)
{
    long va = sys_vm_allocate(FPU_PAGES * 4096, VM_PROT_READ | VM_PROT_WRITE);
    bool ok = TEST_CHECK(va > 0, "allocate: %ld", va);

    uint64_t before = bystander_start();
    for (unsigned pass = 0; pass < 2 && ok; pass++) {
        for (unsigned i = 0; i < FPU_PAGES && ok; i++) {
            struct fpu_op op = {FPU_OP_TOUCH, (volatile uint64_t *)(va + i * 4096), 0, NULL, {0}};
            ok = fpu_check_op(FPU_SLOT_MAIN | (pass * 1000 + i), &op,
                              pass ? "across a swap-in" : "across a pager fault");
            ok = ok && TEST_CHECK(*op.addr == pass + 1, "page %u holds %llu", i,
                                  (unsigned long long)*op.addr);
        }
        if (pass == 0 && ok) {
            long n = sys_vm_pageout((void *)va, FPU_PAGES * 4096);
            struct vm_query q = {0, 0, 0};
            sys_vm_query((void *)va, &q);
            ok = TEST_CHECK(n == FPU_PAGES && !q.resident, "pageout: %ld pages, resident %u", n,
                            q.resident);
        }
    }
    bystander_finish(before);
    if (va > 0)
        sys_vm_deallocate((void *)va, FPU_PAGES * 4096);
    printf("test_fpu: %u pager faults and %u swap-ins, registers kept\n", FPU_PAGES, FPU_PAGES);
}

/* --- IPC to a server task that loads patterns of its own --- */

/* Set @op to make system call SYS_IPC with @m as ipc_msg() would (libipc/src/ipc.c). */
static void fpu_ipc_op(struct fpu_op *op, struct ipc_message *m, unsigned options,
                       port_name_t rcv_name)
{
    *op = (struct fpu_op){.kind = FPU_OP_SYSCALL};
    op->regs[0] = SYS_IPC;
    op->regs[1] = options | (uint64_t)rcv_name << 32;
    op->regs[2] = m->remote | (uint64_t)m->local << 32;
    op->regs[3] = IPC_TAG(m->id, m->remote_disp, m->local_disp, 0);
    op->regs[4] = (uintptr_t)&m->ext;
    op->regs[5] = (uint64_t)sizeof(m->ext) << 32;
    op->regs[6] = IPC_TIMEOUT_NONE;
    memcpy(&op->regs[7], m->w, sizeof(m->w));
}

/* The message @op received into @m (no descriptors, no inline bytes in this protocol). */
static void fpu_ipc_received(const struct fpu_op *op, struct ipc_message *m)
{
    m->id = IPC_TAG_ID(op->regs[3]);
    m->remote_disp = (uint8_t)IPC_TAG_REMOTE_DISP(op->regs[3]);
    m->remote = (port_name_t)op->regs[2];
    m->ndesc = 0;
    m->ext_size = 0;
    memcpy(m->w, &op->regs[7], sizeof(m->w));
}

/* Child "server": answer FPU_ID_CALL with w0 + 1, each reply_recv with a pattern loaded. */
static int fpu_server(void)
{
    static struct ipc_message m;
    struct fpu_op op;
    port_name_t svc;
    uint64_t seed = FPU_SLOT_SERVER, bad = 0;

    if (port_allocate(IPC_RIGHT_RECEIVE, &svc) < 0)
        return 1;
    ipc_msg_init(&m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, FPU_ID_HELLO);
    ipc_add_port(&m, svc, IPC_DISP_MAKE_SEND);
    if (ipc_send(&m, IPC_TIMEOUT_NONE) < 0 || ipc_recv(&m, svc, IPC_TIMEOUT_NONE) < 0)
        return 1;
    while (m.id == FPU_ID_CALL) {
        uint64_t w0 = m.w[0] + 1;
        ipc_msg_init(&m, m.remote, IPC_DISP_MOVE_SEND_ONCE, FPU_ID_CALL | IPC_ID_REPLY);
        m.w[0] = w0;
        fpu_ipc_op(&op, &m, IPC_SEND | IPC_RECV, svc);
        bad += !fpu_check_op(seed++, &op, "server across reply_recv");
        if (op.regs[0] != 0)
            return 1;
        fpu_ipc_received(&op, &m);
    }
    ipc_msg_init(&m, m.remote, IPC_DISP_MOVE_SEND_ONCE, FPU_ID_QUIT | IPC_ID_REPLY);
    m.w[0] = bad;
    return ipc_send(&m, IPC_TIMEOUT_NONE) != 0 || bad != 0;
}

static void test_ipc(void)
{
    static struct ipc_message m;
    struct task_status st;
    port_name_t boot, svc = PORT_NULL;
    struct fpu_op op;
    bool ok = true;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &boot) == 0, "bootstrap port");
    long id = sys_task_spawn_bootstrap("test_fpu", "server", boot);
    if (id > 0 && ipc_recv(&m, boot, IPC_TIMEOUT_NONE) == 0 && m.ndesc == 1)
        svc = m.ext.desc[0].name;
    port_destroy(boot);
    if (!TEST_CHECK(svc != PORT_NULL, "no server (%ld)", id))
        return;
    for (unsigned i = 0; i < FPU_CALLS && ok; i++) {
        ipc_msg_init(&m, svc, IPC_DISP_COPY_SEND, FPU_ID_CALL);
        m.w[0] = i;
        fpu_ipc_op(&op, &m, IPC_CALL | IPC_SEND | IPC_RECV, PORT_NULL);
        ok = fpu_check_op(FPU_SLOT_MAIN | (2000 + i), &op, "client across a call");
        ok = ok && TEST_CHECK(op.regs[0] == 0 && op.regs[7] == i + 1, "call %u: %ld, w0 %llu", i,
                              (long)op.regs[0], (unsigned long long)op.regs[7]);
    }
    ipc_msg_init(&m, svc, IPC_DISP_COPY_SEND, FPU_ID_QUIT);
    TEST_CHECK(ipc_call(&m, IPC_TIMEOUT_NONE) == 0 && m.w[0] == 0,
               "the server saw foreign registers %llu times", (unsigned long long)m.w[0]);
    TEST_CHECK(sys_task_wait(task_port_of((uint32_t)id), &st) == 0 && st.end == TASK_END_EXIT &&
                   st.code == 0,
               "server ended %d/%d", st.end, st.code);
    port_deallocate(svc);
    printf("test_fpu: %u calls to a server using SSE, registers kept on both sides\n", FPU_CALLS);
}

/* --- exceptions: repaired and resumed, or the task killed --- */

/* exc.raise: map a page at FPU_FIX_BASE (with registers of our own loaded) and resume; else kill.
 */
int exc_do_raise(void *ctx, uint64_t kind, uint64_t code, uint64_t pc, uint64_t info)
{
    struct fpu_op none = {.kind = FPU_OP_NONE};

    (void)ctx, (void)pc, (void)info;
    exc_kind = kind;
    exc_code = code;
    exc_count++;
    if (kind != EXC_BAD_ACCESS || code < FPU_FIX_BASE ||
        code >= FPU_FIX_BASE + FPU_EXCEPTIONS * 4096)
        return -ERR_FAULT;
    fpu_check_op(FPU_SLOT_HANDLER | exc_count, &none, "handler");
    void *page = (void *)(uintptr_t)(code & ~4095ull);
    return sys_vm_allocate_at(page, 4096, VM_PROT_READ | VM_PROT_WRITE) == (long)page ? 0
                                                                                      : -ERR_FAULT;
}

static void exc_handler(void *arg)
{
    static struct ipc_message in, out;

    (void)arg;
    while (ipc_recv(&in, exc_port, IPC_TIMEOUT_NONE) == 0)
        if (in.remote_disp == IPC_DISP_MOVE_SEND_ONCE && exc_dispatch(NULL, &in, &out))
            ipc_send(&out, IPC_TIMEOUT_NONE);
}

static void test_exception_resume(void)
{
    bool ok = true;

    for (unsigned i = 0; i < FPU_EXCEPTIONS && ok; i++) {
        uint64_t before = exc_count;
        struct fpu_op op = {
            FPU_OP_TOUCH, (volatile uint64_t *)(FPU_FIX_BASE + i * 4096), 0, NULL, {0}};
        ok = fpu_check_op(FPU_SLOT_MAIN | (4000 + i), &op, "across exception delivery");
        ok = ok &&
             TEST_CHECK(exc_count == before + 1 && *op.addr == 1,
                        "exception %u: handled %llu, word %llu", i,
                        (unsigned long long)(exc_count - before), (unsigned long long)*op.addr);
    }
    sys_vm_deallocate((void *)FPU_FIX_BASE, FPU_EXCEPTIONS * 4096);
    printf("test_fpu: %u exceptions handled and resumed, registers kept\n", FPU_EXCEPTIONS);
}

/* Children "xm", "mf", "avx": unmask a divide by zero (or use AVX) and take the exception. */
static int fpu_trap_child(enum fpu_trap which)
{
    static struct fpu_regs in, out;
    struct fpu_op op = {.kind = FPU_OP_TRAP, .arg = which};
    uint64_t one = FPU_ONE_DOUBLE;

    if (ipc_bootstrap_port != PORT_NULL && sys_task_set_exception_port(0, ipc_bootstrap_port) != 0)
        return 2;
    fpu_pattern(&in, 99);
    memcpy(in.ymm[0], &one, 8);  /* 1.0 / 0.0 */
    in.mxcsr = 0x1f80 & ~0x200u; /* zero divide unmasked */
    in.fcw = 0x37f & ~0x4u;
    fpu_op_run(&in, &out, fpu_avx, &op);
    /* QEMU's emulation (TCG) sets MXCSR.ZE but never raises #XM: say so. */
    return which == FPU_TRAP_SSE && (out.mxcsr & 4) ? FPU_NO_XM : 99;
}

/*
 * Child @role must end by fault; with our exception port, the handler sees
 * vector @vector. A CPU that does not raise #XM (QEMU's emulation) must at
 * least have flagged the divide by zero in MXCSR.
 */
static void check_trap(const char *role, uint64_t vector, port_name_t boot)
{
    struct task_status st;
    uint64_t before = exc_count;
    long id = sys_task_spawn_bootstrap("test_fpu", role, boot);

    TEST_CHECK(id > 0 && sys_task_wait(task_port_of((uint32_t)id), &st) == 0, "spawn %s: %ld", role,
               id);
    if (vector == 19 && st.end == TASK_END_EXIT && st.code == FPU_NO_XM) {
        printf("test_fpu: this CPU flags an unmasked SSE divide by zero without #XM\n");
        return;
    }
    TEST_CHECK(st.end == TASK_END_FAULT, "%s ended %d/%d", role, st.end, st.code);
    if (boot != PORT_NULL)
        TEST_CHECK(exc_count == before + 1 && exc_kind == EXC_CPU && exc_code == vector,
                   "%s: %llu exceptions, last kind %llu code %llu", role,
                   (unsigned long long)(exc_count - before), (unsigned long long)exc_kind,
                   (unsigned long long)exc_code);
}

static void test_simd_exceptions(void)
{
    uint64_t before = bystander_start();

    check_trap("xm", 19, exc_port);
    check_trap("xm", 19, PORT_NULL); /* no handler: killed */
    check_trap("mf", 16, exc_port);
    if (!fpu_avx)
        check_trap("avx", 6, exc_port);
    else
        printf("test_fpu: AVX enabled, no #UD to check\n");
    bystander_finish(before);
    printf("test_fpu: #XM and #MF%s went to the offending task only\n", fpu_avx ? "" : " and #UD");
}

/* --- the state a new thread starts with --- */

/* A fresh thread of this task records its first registers: true if they are the clean state. */
static bool fpu_fresh_clean(void)
{
    static struct fpu_fresh f __attribute__((aligned(64)));
    static uint8_t stack[4096] __attribute__((aligned(16)));
    static const uint8_t zero[sizeof(f.ymm_hi)];
    uint16_t fcw, fsw;
    uint32_t mxcsr;

    memset(&f, 0, sizeof(f));
    f.avx = fpu_avx;
    f.exit_nr = SYS_THREAD_EXIT;
    if (sys_thread_create((void *)fpu_fresh_entry, stack + sizeof(stack), &f) <= 0)
        return TEST_CHECK(0, "thread_create");
    while (!f.done)
        sys_yield();
    memcpy(&fcw, f.fxsave, 2);
    memcpy(&fsw, f.fxsave + 2, 2);
    memcpy(&mxcsr, f.fxsave + 24, 4);
    return TEST_CHECK(fcw == 0x37f && fsw == 0 && f.fxsave[4] == 0 && mxcsr == 0x1f80,
                      "fresh thread: fcw %x fsw %x ftw %x mxcsr %x", fcw, fsw, f.fxsave[4],
                      mxcsr) &&
           TEST_CHECK(memcmp(f.fxsave + 6, zero, 18) == 0, "fresh thread: last x87 operation") &&
           TEST_CHECK(memcmp(f.fxsave + 32, zero, 128) == 0 &&
                          memcmp(f.fxsave + 160, zero, 128) == 0 &&
                          memcmp(f.fxsave + 288, zero, 128) == 0,
                      "fresh thread: st or xmm registers not zero") &&
           TEST_CHECK(memcmp(f.ymm_hi, zero, sizeof(zero)) == 0, "fresh thread: ymm not zero");
}

/* Run child test_fpu @role to its end; true if it exited with status 0. */
static bool fpu_child_ok(const char *role)
{
    struct task_status st = {0, 0, 0};
    long id = sys_task_spawn_bootstrap("test_fpu", role, PORT_NULL);

    TEST_CHECK(id > 0 && sys_task_wait(task_port_of((uint32_t)id), &st) == 0, "spawn %s: %ld", role,
               id);
    return TEST_CHECK(st.end == TASK_END_EXIT && st.code == 0, "%s ended %d/%d", role, st.end,
                      st.code);
}

static void test_fresh_state(void)
{
    for (unsigned i = 0; i < 3; i++)
        if (!fpu_child_ok("dirty") || !fpu_child_ok("fresh"))
            return;
    TEST_CHECK(fpu_fresh_clean(), "a new thread of this task");
    printf("test_fpu: new tasks and threads start clean after a task left its registers full\n");
}

/* Child "dirty": fill every register with a pattern and exit with it in place. */
static int fpu_dirty(void)
{
    static struct fpu_regs in, out;
    struct fpu_op op = {.kind = FPU_OP_SYSCALL, .regs = {SYS_EXIT, 0}};

    fpu_pattern(&in, 1234);
    fpu_op_run(&in, &out, fpu_avx, &op);
    return 1;
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    fpu_avx = fpu_detect_avx();
    if (strcmp(args, "server") == 0)
        return fpu_server();
    if (strcmp(args, "dirty") == 0)
        return fpu_dirty();
    if (strcmp(args, "fresh") == 0)
        return !fpu_fresh_clean();
    if (strcmp(args, "xm") == 0)
        return fpu_trap_child(FPU_TRAP_SSE);
    if (strcmp(args, "mf") == 0)
        return fpu_trap_child(FPU_TRAP_X87);
    if (strcmp(args, "avx") == 0)
        return fpu_trap_child(FPU_TRAP_AVX);
    printf("test_fpu: %s registers\n", fpu_avx ? "x87, sse and avx" : "x87 and sse");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &exc_port) == 0, "exception port");
    TEST_CHECK(sys_task_set_exception_port(0, exc_port) == 0, "set exception port");
    TEST_CHECK(thread_start(exc_handler, NULL, THREAD_STACK_DEFAULT) > 0, "handler thread");
    test_fresh_state();
    test_preemption();
    test_faults();
    test_ipc();
    test_exception_resume();
    test_simd_exceptions();
    return test_report("test_fpu");
}
