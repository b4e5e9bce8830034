/*
 * The in-guest fuzzer (issue 13 item 4). From a seed it runs random system
 * calls with random arguments (NULL, kernel, non-canonical, unmapped and
 * page-straddling pointers; live, stale, foreign and garbage names; every
 * disposition; malformed headers and descriptors), random vm operations,
 * children that run the same and die, and regions of its own served by its
 * lying pager (fuzz_pager.c). After every batch it asks the kernel to check
 * its tables (SYS_KERNEL_CHECK, which needs the host right: run it with
 * host_priv=fuzz). A failure names the seed and the operation to replay.
 * Arguments: "SEED:OPS", or "child:SEED:OPS" for the children it starts.
 */
#include "fuzz.h"

#include <abi/page.h>
#include <abi/syscall.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>

#define FUZZ_BATCH 64u /* operations between two kernel checks */
#define FUZZ_PROGRESS 10000u
#define FUZZ_NAMES 48u
#define FUZZ_STALE 16u
#define FUZZ_REGIONS 24u
#define FUZZ_CHILDREN 4u
#define FUZZ_REGION_PAGES 16u
#define FUZZ_KERNEL 0xffff800000000000ull
#define FUZZ_NONCANON 0x0000800000000000ull
#define FUZZ_UNMAPPED 0x0000600000000000ull /* nothing is placed there */
#define FUZZ_SYSCALLS 64u                   /* numbers tried: every call and unknown ones */
#define FUZZ_BUF (4 * PAGE_SIZE)
#define FUZZ_FOREIGN_DEAD (1ull << 32)           /* mask bit: dead-name requests on any port */
#define FUZZ_P(addr) ((void *)(uintptr_t)(addr)) /* a random address as a stub's pointer */

struct fuzz_region {
    uint64_t addr, size;
    bool touch; /* readable and writable, served by the default pager: safe to touch */
};

static struct {
    uint64_t rng, seed, op, ops, skip;
    bool child;
    port_name_t names[FUZZ_NAMES], stale[FUZZ_STALE], pager;
    unsigned nnames, nstale;
    struct fuzz_region regions[FUZZ_REGIONS];
    long children[FUZZ_CHILDREN];
    uint64_t checks, perm_checks;
    uint32_t self, default_pager; /* task ids: ours, and the one serving anonymous memory */
} fz;

static port_name_t fuzz_protected[FUZZ_PROTECTED_MAX]; /* PORT_NULL: a free slot */
static uint8_t *fuzz_buf; /* FUZZ_BUF bytes of a region of its own: OOL moves may take it */
static struct ipc_message fuzz_msg;
static uint8_t fuzz_ext[IPC_EXT_MAX] __attribute__((aligned(16)));

static void fuzz_fail(const char *what, long code);

uint64_t fuzz_rand(uint64_t *state, uint64_t n)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x *= 0x2545f4914f6cdd1dull;
    return n ? x % n : x;
}

static uint64_t fuzz_below(uint64_t n)
{
    return fuzz_rand(&fz.rng, n);
}

void fuzz_protect(port_name_t name)
{
    for (unsigned i = 0; i < FUZZ_PROTECTED_MAX; i++)
        if (__atomic_load_n(&fuzz_protected[i], __ATOMIC_SEQ_CST) == PORT_NULL) {
            __atomic_store_n(&fuzz_protected[i], name, __ATOMIC_SEQ_CST);
            return;
        }
    fuzz_fail("more protected names than FUZZ_PROTECTED_MAX", name);
}

void fuzz_unprotect(port_name_t name)
{
    for (unsigned i = 0; i < FUZZ_PROTECTED_MAX; i++)
        if (__atomic_load_n(&fuzz_protected[i], __ATOMIC_SEQ_CST) == name)
            __atomic_store_n(&fuzz_protected[i], PORT_NULL, __ATOMIC_SEQ_CST);
}

port_name_t fuzz_guard(port_name_t name)
{
    for (unsigned i = 0; i < FUZZ_PROTECTED_MAX; i++)
        if (__atomic_load_n(&fuzz_protected[i], __ATOMIC_SEQ_CST) == name)
            return PORT_NULL;
    return name;
}

/* Stop the run: print what broke with the seed and operation to replay it. */
static void fuzz_fail(const char *what, long code)
{
    printf("FAIL: fuzz seed %lu op %lu: %s (%ld); replay: tools/fuzz --seed %lu --ops %lu\n",
           (unsigned long)fz.seed, (unsigned long)fz.op, what, code, (unsigned long)fz.seed,
           (unsigned long)fz.op + 1);
    sys_exit(1);
}

/* --- the pools operations draw from --- */

static void fuzz_name_add(port_name_t name)
{
    if (!name || !fuzz_guard(name))
        return;
    for (unsigned i = 0; i < fz.nnames; i++)
        if (fz.names[i] == name)
            return;
    if (fz.nnames < FUZZ_NAMES) {
        fz.names[fz.nnames++] = name;
        return;
    }
    unsigned victim = (unsigned)fuzz_below(FUZZ_NAMES);
    port_destroy(fz.names[victim]); /* bounded: names never pile up in our space */
    fz.stale[fz.nstale++ % FUZZ_STALE] = fz.names[victim];
    fz.nstale %= FUZZ_STALE;
    fz.names[victim] = name;
}

/* A live, stale, null or garbage name; never a protected one. */
static port_name_t fuzz_name(void)
{
    switch (fuzz_below(10)) {
    case 0:
        return fz.stale[fuzz_below(FUZZ_STALE)];
    case 1:
        return PORT_NULL;
    case 2:
        return fuzz_guard((uint32_t)(fuzz_below(64) << 8 | fuzz_below(256)));
    case 3:
        return fuzz_guard((uint32_t)fuzz_below(0));
    case 4:
        return fuzz_guard(ipc_bootstrap_port);
    default:
        return fz.nnames ? fz.names[fuzz_below(fz.nnames)] : PORT_NULL;
    }
}

/*
 * Is [@addr, @addr + @size) still the region we think, served as @lying says
 * (our lying pager: our own external object of that size; else anonymous
 * memory of the system's pager or the kernel's)? Before we touch or remove
 * it: moves, removals and reuse of its addresses change what is there.
 */
static bool fuzz_region_served(const struct vm_region_info *info, bool lying);

static bool fuzz_region_is(uint64_t addr, uint64_t size, bool lying)
{
    struct vm_region_info info;

    if (sys_vm_region_info(PORT_NULL, 0, addr, &info) != (long)addr || info.size != size ||
        (info.prot & (VM_PROT_READ | VM_PROT_WRITE)) != (VM_PROT_READ | VM_PROT_WRITE))
        return false;
    return fuzz_region_served(&info, lying);
}

/*
 * May we remove the region at @addr of @size bytes (not the lying pager's)?
 * Any protection: a region we forget stays mapped, and its object with the
 * pager that serves it, for the rest of the run.
 */
static bool fuzz_region_ours(uint64_t addr, uint64_t size)
{
    struct vm_region_info info;

    return sys_vm_region_info(PORT_NULL, 0, addr, &info) == (long)addr && info.size == size &&
           !(info.pager == VM_REGION_PAGER_EXTERNAL && info.pager_task == fz.self &&
             info.object_size == FUZZ_LYING_PAGES * PAGE_SIZE);
}

/* Is a region described by @info served as @lying says? */
static bool fuzz_region_served(const struct vm_region_info *info, bool lying)
{
    if (lying)
        return info->pager == VM_REGION_PAGER_EXTERNAL && info->pager_task == fz.self &&
               info->object_size == FUZZ_LYING_PAGES * PAGE_SIZE;
    return info->pager == VM_REGION_PAGER_KERNEL ||
           (info->pager == VM_REGION_PAGER_EXTERNAL && info->pager_task == fz.default_pager);
}

static struct fuzz_region *fuzz_region_any(void)
{
    struct fuzz_region *r = &fz.regions[fuzz_below(FUZZ_REGIONS)];
    return r->size ? r : NULL;
}

static void fuzz_region_add(uint64_t addr, uint64_t size, bool touch)
{
    struct fuzz_region *r = &fz.regions[fuzz_below(FUZZ_REGIONS)];

    if (r->size && fuzz_region_ours(r->addr, r->size))
        sys_vm_deallocate((void *)r->addr, r->size);
    *r = (struct fuzz_region){addr, size, touch};
}

/* A user address for @len bytes: bad in every way, or one of ours. */
static uint64_t fuzz_ptr(uint64_t len)
{
    struct fuzz_region *r = fuzz_region_any();

    switch (fuzz_below(10)) {
    case 0:
        return 0;
    case 1:
        return FUZZ_KERNEL + fuzz_below(1ull << 32);
    case 2:
        return fuzz_below(2) ? FUZZ_NONCANON + fuzz_below(1ull << 40) : fuzz_below(0) | 1ull << 63;
    case 3:
        return FUZZ_UNMAPPED + fuzz_below(1ull << 36);
    case 4:
        return FUZZ_NONCANON - 1 - fuzz_below(len + 2); /* straddles the top of user space */
    case 5:
        return r && r->touch ? r->addr + r->size - fuzz_below(len + 1) : 0; /* straddles */
    case 6:
        return r && r->touch ? r->addr + fuzz_below(r->size) : 0;
    default:
        return (uint64_t)(uintptr_t)fuzz_buf + fuzz_below(FUZZ_BUF - len % PAGE_SIZE);
    }
}

/* A size: small, page multiples, huge. */
static uint64_t fuzz_size(void)
{
    switch (fuzz_below(5)) {
    case 0:
        return fuzz_below(64);
    case 1:
        return PAGE_SIZE * fuzz_below(FUZZ_REGION_PAGES + 1);
    case 2:
        return fuzz_below(0);
    case 3:
        return PAGE_SIZE * fuzz_below(1024) + fuzz_below(2);
    default:
        return PAGE_SIZE;
    }
}

/* An argument of any kind. */
static uint64_t fuzz_arg(void)
{
    switch (fuzz_below(5)) {
    case 0:
        return fuzz_name();
    case 1:
        return fuzz_ptr(64);
    case 2:
        return fuzz_size();
    case 3:
        return fuzz_below(8);
    default:
        return fuzz_below(0);
    }
}

/* --- messages --- */

/* SYS_IPC with exactly these registers; the payload registers are clobbered by a receive. */
static long fuzz_ipc_raw(uint64_t opt, uint64_t names, uint64_t tag, uint64_t ext, uint64_t sizes,
                         uint64_t timeout)
{
    long ret = SYS_IPC;
    register uint64_t r10 __asm__("r10") = ext;
    register uint64_t r8 __asm__("r8") = sizes;
    register uint64_t r9 __asm__("r9") = timeout;

    __asm__ volatile("syscall"
                     : "+a"(ret), "+D"(opt), "+S"(names), "+d"(tag), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "r12", "r13", "r14", "r15", "memory");
    return ret;
}

/* Fill the extension buffer with @ndesc random descriptors followed by random bytes. */
static void fuzz_descs(unsigned ndesc)
{
    struct ipc_desc *d = (struct ipc_desc *)fuzz_ext;

    for (unsigned i = 0; i < ndesc && i < IPC_DESC_MAX; i++) {
        d[i].type = fuzz_below(4) ? 1 + (uint32_t)fuzz_below(2) : (uint32_t)fuzz_below(0);
        d[i].flags = (uint32_t)fuzz_below(fuzz_below(4) ? 8 : 0);
        d[i].name = fuzz_name();
        d[i].reserved = fuzz_below(8) ? 0 : (uint32_t)fuzz_below(0);
        d[i].size = fuzz_below(3) ? PAGE_SIZE * fuzz_below(4) : fuzz_size();
        d[i].address = fuzz_ptr(d[i].size);
        if (fuzz_below(2))
            d[i].address &= ~(uint64_t)(PAGE_SIZE - 1);
    }
    for (unsigned i = ndesc * sizeof(struct ipc_desc); i < ndesc * 32 + 64 && i < IPC_EXT_MAX; i++)
        fuzz_ext[i] = (uint8_t)fuzz_below(256);
}

/* A random message id: one the kernel or a server knows, or any. */
static uint32_t fuzz_msg_id(void)
{
    static const uint32_t bases[] = {0x2000, 0x2100, IPC_ID_KERNEL, 0x100, 0x1000, 0x3000};

    if (fuzz_below(4) == 0)
        return (uint32_t)fuzz_below(0);
    return (bases[fuzz_below(sizeof(bases) / sizeof(bases[0]))] + (uint32_t)fuzz_below(16)) |
           (fuzz_below(4) == 0 ? IPC_ID_REPLY : 0);
}

/* A raw SYS_IPC: any options, names, tag and extension; it never waits (timeout 0). */
static void fuzz_op_ipc(void)
{
    unsigned ndesc = (unsigned)fuzz_below(fuzz_below(8) ? 4 : 20);
    uint64_t opt = (fuzz_below(4) ? fuzz_below(8) : fuzz_below(0)) & 0xffffffffull;
    uint64_t names = fuzz_name() | (uint64_t)fuzz_name() << 32;
    uint64_t tag = IPC_TAG(fuzz_msg_id(), fuzz_below(8), fuzz_below(8), ndesc);
    uint64_t ext = fuzz_below(4) ? (uint64_t)(uintptr_t)fuzz_ext : fuzz_ptr(ndesc * 32);
    uint64_t send = fuzz_below(4) ? ndesc * 32 + fuzz_below(64) : fuzz_below(IPC_EXT_MAX + 64);
    uint64_t cap = fuzz_below(4) ? IPC_EXT_MAX : fuzz_below(IPC_EXT_MAX + 64);

    fuzz_descs(ndesc);
    opt |= (uint64_t)fuzz_name() << 32;
    fuzz_ipc_raw(opt, names, tag, ext, send | cap << 32, 0);
}

/* Take what a received message brought: its names and pages join the pools. */
static void fuzz_harvest(const struct ipc_message *m)
{
    fuzz_name_add(m->remote);
    for (unsigned i = 0; i < m->ndesc && i < IPC_DESC_MAX; i++) {
        const struct ipc_desc *d = &m->ext.desc[i];
        if (d->type == IPC_DESC_PORT)
            fuzz_name_add(d->name);
        else if (d->type == IPC_DESC_OOL && d->size)
            fuzz_region_add(d->address, d->size, true);
    }
}

/* Receive (never waiting) on a name of ours; keep what came. */
static void fuzz_op_recv(void)
{
    if (ipc_recv(&fuzz_msg, fuzz_name(), 0) == 0)
        fuzz_harvest(&fuzz_msg);
}

/* A well-formed message with rights and pages of every kind to one of our names. */
static void fuzz_op_send(void)
{
    struct ipc_message *m = &fuzz_msg;
    static const unsigned disps[] = {IPC_DISP_COPY_SEND, IPC_DISP_MAKE_SEND,
                                     IPC_DISP_MAKE_SEND_ONCE, IPC_DISP_MOVE_SEND};

    ipc_msg_init(m, fuzz_name(), disps[fuzz_below(4)], fuzz_msg_id());
    for (unsigned n = (unsigned)fuzz_below(4); n > 0; n--) {
        if (fuzz_below(2)) {
            ipc_add_port(m, fuzz_name(), 1 + (unsigned)fuzz_below(6));
        } else {
            struct fuzz_region *r = fuzz_region_any();
            if (r && r->touch)
                ipc_add_ool(m, (void *)r->addr, r->size,
                            fuzz_below(2) ? IPC_OOL_COPY : IPC_OOL_MOVE);
        }
    }
    if (fuzz_below(3) == 0)
        ipc_set_inline(m, (uint32_t)fuzz_below(IPC_INLINE_MAX));
    if (fuzz_below(4) == 0)
        m->local = fuzz_name(), m->local_disp = (uint8_t)fuzz_below(7);
    ipc_msg(m, fuzz_below(4) ? IPC_SEND : IPC_CALL, PORT_NULL, 0);
}

/* --- ports --- */

/*
 * SYS_PORT_OP. A dead-name request stays until the watched port dies, even
 * when the requester is gone (issue 13 item 3, fixed on another branch): on
 * a port that outlives the campaign (init's) it would fail init's leak
 * check. So requests go only to ports we receive on, unless FUZZ_FOREIGN_DEAD
 * is set in the argument's mask.
 */
static void fuzz_port_op(uint64_t op, port_name_t name, uint64_t arg)
{
    unsigned rights = 0;

    if (op == PORT_OP_REQUEST_DEAD_NAME && !(fz.skip & FUZZ_FOREIGN_DEAD) &&
        (port_get_rights(name, &rights, &(unsigned){0}) != 0 || !(rights & IPC_RIGHT_RECEIVE)))
        return;
    sys_port_op(op, name, arg);
}

static void fuzz_op_port(void)
{
    port_name_t name;

    switch (fuzz_below(4)) {
    case 0:
        if (port_allocate(fuzz_below(3) ? IPC_RIGHT_RECEIVE : IPC_RIGHT_PORT_SET, &name) == 0)
            fuzz_name_add(name);
        break;
    case 1:
        fuzz_port_op(fuzz_below(12), fuzz_name(), fuzz_below(2) ? fuzz_name() : fuzz_below(80));
        break;
    case 2:
        fuzz_port_op(PORT_OP_REQUEST_DEAD_NAME, fuzz_name(), fuzz_name());
        break;
    default:
        port_move_member(fuzz_name(), fuzz_below(3) ? fuzz_name() : PORT_NULL);
        break;
    }
}

/* --- memory --- */

static void fuzz_op_alloc(void)
{
    uint64_t size = PAGE_SIZE * (1 + fuzz_below(FUZZ_REGION_PAGES));
    unsigned prot = fuzz_below(4) ? VM_PROT_READ | VM_PROT_WRITE : (unsigned)fuzz_below(0x200);
    void *at = fuzz_below(4) ? NULL : (void *)fuzz_ptr(size);
    long addr = sys_vm_allocate_call(fuzz_below(8) ? size : fuzz_size(), prot, at);

    if (addr > 0)
        fuzz_region_add((uint64_t)addr, size, (prot & 0x3) == 0x3 && !(prot & ~0x107u));
}

static void fuzz_op_dealloc(void)
{
    struct fuzz_region *r = fuzz_region_any();

    static const uint64_t bad[] = {0, FUZZ_KERNEL, FUZZ_NONCANON, FUZZ_UNMAPPED, 1ull << 63};

    if (r && fuzz_below(4)) {
        if (fuzz_region_ours(r->addr, r->size))
            sys_vm_deallocate((void *)r->addr, r->size);
        r->size = 0;
    } else { /* anywhere but our own code, data and stack */
        sys_vm_deallocate((void *)(bad[fuzz_below(5)] + PAGE_SIZE * fuzz_below(1 << 20)),
                          fuzz_size());
    }
}

/* Write or read a page of a region of ours (the default pager's or the lying pager's). */
static void fuzz_op_touch(void)
{
    struct fuzz_region *r = fuzz_region_any();
    struct fuzz_lying *l = &fuzz_lying[fuzz_below(FUZZ_LYING_MAX)];
    uint64_t addr = 0, size = 0;

    if (fuzz_below(2) && r && r->touch && fuzz_region_is(r->addr, r->size, false))
        addr = r->addr, size = r->size;
    else if (!fz.child && l->size && fuzz_region_is(l->addr, l->size, true))
        addr = l->addr, size = l->size;
    if (!size)
        return;
    volatile uint64_t *w = (volatile uint64_t *)(addr + (fuzz_below(size) & ~7ull));
    if (fuzz_below(2))
        *w = fz.op;
    else
        (void)*w;
}

/* Pageout, pin, unpin, query: on a region of ours, or anywhere. */
static void fuzz_op_vm(void)
{
    struct fuzz_region *r = fuzz_region_any();
    struct fuzz_lying *l = &fuzz_lying[fuzz_below(FUZZ_LYING_MAX)];
    uint64_t addr = fuzz_ptr(PAGE_SIZE), size = PAGE_SIZE * fuzz_below(FUZZ_REGION_PAGES);
    struct vm_query q;

    if (fuzz_below(2) && r && r->touch)
        addr = r->addr, size = r->size;
    else if (fuzz_below(2) && l->size)
        addr = l->addr, size = l->size;
    switch (fuzz_below(5)) {
    case 0:
        sys_vm_pageout(FUZZ_P(addr), size);
        break;
    case 1:
        sys_vm_pin((void *)addr, size);
        break;
    case 2:
        sys_vm_unpin((void *)addr, size);
        break;
    case 3:
        sys_vm_query(FUZZ_P(addr + fuzz_below(size + 1)), &q);
        break;
    default:
        sys_vm_query(FUZZ_P(fuzz_ptr(8)), FUZZ_P(fuzz_ptr(sizeof(q))));
        break;
    }
}

/* A region of the lying pager: map one, or remove one. */
static void fuzz_op_lying(void)
{
    struct fuzz_lying *l = &fuzz_lying[fuzz_below(FUZZ_LYING_MAX)];

    if (fz.child)
        return;
    if (l->size) { /* a pinned one stays (-ERR_BUSY): its object would outlive our record */
        if (!fuzz_region_is(l->addr, l->size, true) ||
            sys_vm_deallocate((void *)l->addr, l->size) == 0)
            l->size = 0;
        return;
    }
    long addr = sys_vm_map(fz.pager, FUZZ_LYING_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (addr > 0)
        *l = (struct fuzz_lying){(uint64_t)addr, FUZZ_LYING_PAGES * PAGE_SIZE};
}

/* vm_map with a name of ours that nobody serves: the region is never touched. */
static void fuzz_op_map(void)
{
    uint64_t size = fuzz_below(2) ? PAGE_SIZE : fuzz_size();
    long addr = sys_vm_map(fuzz_name(), size == FUZZ_LYING_PAGES * PAGE_SIZE ? PAGE_SIZE : size,
                           fuzz_below(8));

    if (addr > 0)
        fuzz_region_add((uint64_t)addr, PAGE_SIZE, false);
}

/* --- tasks --- */

/* End child slot @i (a child may wait for ever on an exception port of ours): kill, collect. */
static void fuzz_child_reap(unsigned i)
{
    struct task_status st;

    if (!fz.children[i])
        return;
    sys_task_kill(task_port_of(fz.children[i]));
    sys_task_wait(task_port_of(fz.children[i]), &st);
    fz.children[i] = 0;
}

static void fuzz_op_child(void)
{
    unsigned i = (unsigned)fuzz_below(FUZZ_CHILDREN);
    char args[64];

    if (fz.children[i]) {
        fuzz_child_reap(i);
        return;
    }
    if (fz.child)
        return; /* a grandchild would outlive a killed child */
    snprintf(args, sizeof(args), "child:%lu:%lu:%lu", (unsigned long)fuzz_below(0),
             (unsigned long)(20 + fuzz_below(200)), (unsigned long)fz.skip);
    static const char *const modules[] = {"fuzz", "fuzz", "spin", "hello", "nonexistent", ""};
    const char *module = modules[fuzz_below(6)];
    long id = sys_task_spawn_flags(fuzz_below(8) ? module : FUZZ_P(fuzz_ptr(8)),
                                   fuzz_below(8) ? args : FUZZ_P(fuzz_ptr(8)),
                                   fuzz_below(2) ? fuzz_name() : 0, 0, PORT_NULL);
    if (id > 0)
        fz.children[i] = id;
}

/* A thread that does a little and ends, or a bad thread_create the kernel refuses. */
static void fuzz_thread_body(void *arg)
{
    (void)arg;
    sys_yield();
}

static void fuzz_op_thread(void)
{
    if (fuzz_below(2)) {
        thread_start(fuzz_thread_body, NULL, 0);
        return;
    }
    uint64_t entry = fuzz_below(2) ? FUZZ_KERNEL + fuzz_below(1 << 20) : FUZZ_NONCANON;
    long err = sys_thread_create(FUZZ_P(entry), FUZZ_P(fuzz_below(0)), NULL);
    if (err >= 0)
        fuzz_fail("thread_create accepted an entry outside user space", err);
}

/* --- authority: without the host right, every privileged call is refused --- */

static void fuzz_op_priv(void)
{
    port_name_t not_host = fuzz_name(); /* never the host right (protected) */
    long err;

    switch (fuzz_below(10)) {
    case 0:
        err = sys_set_default_pager(not_host, fuzz_name());
        break;
    case 1:
        err = sys_task_grant_driver(not_host, fuzz_name());
        break;
    case 2:
        err = sys_task_set_reserve_share(not_host, fuzz_name(), (uint32_t)fuzz_below(64));
        break;
    case 3:
        err = sys_console_attach(not_host, fuzz_name());
        break;
    case 4:
        err = sys_vm_pager_standby(not_host, fuzz_name(), fuzz_name());
        break;
    case 5:
        err = sys_trace_start(not_host, (uint32_t)fuzz_below(64));
        break;
    case 6:
        err = sys_vm_policy_set(not_host, "fifo");
        break;
    case 7:
        err = sys_kernel_check(not_host, (char *)fuzz_ptr(64), fuzz_below(64));
        break;
    case 8:
        err = sys_task_spawn_call("hello", "", 0, 1 + fuzz_below(3), not_host, NULL);
        break;
    default:
        err = sys_shutdown(not_host, 0);
        break;
    }
    fz.perm_checks++;
    if (err != -ERR_PERM)
        fuzz_fail("a privileged call without the host right was not refused", err);
}

/* --- any system call number, with arguments of any kind --- */

/* Numbers that would end, block or corrupt the fuzzer itself, or that have their own op. */
static bool fuzz_syscall_skipped(uint64_t nr)
{
    switch (nr) {
    case SYS_EXIT:
    case SYS_THREAD_EXIT:
    case SYS_THREAD_CREATE:
    case SYS_SLEEP:
    case SYS_TASK_WAIT:
    case SYS_TASK_KILL:
    case SYS_IPC:
    case SYS_PORT_OP:
    case SYS_VM_ALLOCATE:
    case SYS_VM_DEALLOCATE:
    case SYS_VM_MAP:
    case SYS_VM_PAGEOUT:
    case SYS_VM_PIN:
    case SYS_VM_UNPIN:
    case SYS_TASK_SPAWN:
    case SYS_SET_DEFAULT_PAGER:
    case SYS_VM_PAGER_MIGRATE:
    case SYS_VM_PAGER_STANDBY:
    case SYS_VM_REGION_MIGRATE:
    case SYS_TASK_SET_EXCEPTION_PORT:
    case SYS_TASK_SET_RESERVE_SHARE:
    case SYS_CONSOLE_ATTACH:
    case SYS_VM_POLICY_SET:
    case SYS_TASK_GRANT_DRIVER:
    case SYS_CONSOLE_WRITE:
        return true;
    case SYS_TASK_ACCT: /* TASK_ACCT_WAIT on init or on itself waits for ever */
        return true;
    default:
        return false;
    }
}

static void fuzz_op_syscall(void)
{
    uint64_t nr = fuzz_below(8) ? fuzz_below(FUZZ_SYSCALLS) : fuzz_below(0);

    if (fuzz_syscall_skipped(nr))
        nr = SYS_VM_STAT;
    sys_call6((long)nr, (long)fuzz_arg(), (long)fuzz_arg(), (long)fuzz_arg(), (long)fuzz_arg(),
              (long)fuzz_arg(), (long)fuzz_arg());
}

/* Calls that need care: bounded sleeps, the console with bad buffers, migration with no pager. */
static void fuzz_op_careful(void)
{
    switch (fuzz_below(5)) {
    case 0:
        sys_sleep_ns(fuzz_below(100000));
        break;
    case 1: /* bad buffers only: garbage on the console would hide the verdict lines */
        sys_console_write(FUZZ_P(FUZZ_KERNEL + fuzz_below(1 << 20)), fuzz_below(3));
        break;
    case 2: /* a stale, foreign or wrong name, or one of our children's task ports */
        if (fuzz_below(2)) {
            port_name_t name = fuzz_name();
            if (name != PORT_NULL)
                sys_task_kill(name);
        } else {
            sys_task_kill((uint32_t)(fuzz_below(64) + 100));
        }
        break;
    case 3:
        sys_vm_region_migrate(FUZZ_P(fuzz_ptr(8)), fuzz_below(2) ? PORT_NULL : test_dead_name());
        break;
    default:
        sys_task_set_exception_port(fuzz_below(64) + 100, fuzz_name());
        break;
    }
}

/* One random operation. */
static void fuzz_op(void)
{
    static void (*const ops[])(void) = {
        fuzz_op_ipc,    fuzz_op_ipc,  fuzz_op_recv,    fuzz_op_send,    fuzz_op_send,
        fuzz_op_port,   fuzz_op_port, fuzz_op_alloc,   fuzz_op_dealloc, fuzz_op_touch,
        fuzz_op_touch,  fuzz_op_vm,   fuzz_op_lying,   fuzz_op_map,     fuzz_op_child,
        fuzz_op_thread, fuzz_op_priv, fuzz_op_syscall, fuzz_op_syscall, fuzz_op_careful,
    };

    unsigned kind = (unsigned)fuzz_below(sizeof(ops) / sizeof(ops[0]));

    if (!(fz.skip >> kind & 1))
        ops[kind]();
}

/* A child's end: exit, a fault, a thread that jumps nowhere, or just returning from main. */
static void fuzz_child_end(void)
{
    switch (fuzz_below(4)) {
    case 0:
        sys_exit((int)fuzz_below(256));
    case 1:
        *(volatile uint64_t *)fuzz_ptr(8) = 1;
        break;
    case 2:
        sys_thread_create(FUZZ_P(0x10000 + fuzz_below(1 << 20)), FUZZ_P(fuzz_below(0) & ~15ull),
                          NULL);
        sys_sleep_ns(1000000);
        break;
    default:
        break;
    }
}

/* --- the run --- */

static void fuzz_check(void)
{
    char why[160] = "";
    long err = sys_kernel_check(ipc_host_port, why, sizeof(why));

    fz.checks++;
    if (err != 0)
        fuzz_fail(why[0] ? why : err_text(err), err);
}

/* Put everything back: children, regions, names; the last check covers the cleanup. */
static void fuzz_cleanup(void)
{
    for (unsigned i = 0; i < FUZZ_CHILDREN; i++)
        fuzz_child_reap(i);
    for (unsigned i = 0; i < FUZZ_REGIONS; i++)
        if (fz.regions[i].size && fuzz_region_ours(fz.regions[i].addr, fz.regions[i].size))
            sys_vm_deallocate((void *)fz.regions[i].addr, fz.regions[i].size);
    for (unsigned i = 0; i < FUZZ_LYING_MAX; i++)
        if (fuzz_lying[i].size && fuzz_region_is(fuzz_lying[i].addr, fuzz_lying[i].size, true))
            sys_vm_deallocate((void *)fuzz_lying[i].addr, fuzz_lying[i].size);
    for (unsigned i = 0; i < fz.nnames; i++)
        port_destroy(fz.names[i]);
    fz.nnames = 0;
}

/* Our task id, who serves anonymous memory, and the scratch region. True when all went. */
static bool fuzz_setup(void)
{
    struct task_info self;
    struct vm_region_info info;
    long buf = sys_vm_allocate(FUZZ_BUF, VM_PROT_READ | VM_PROT_WRITE);

    if (buf < 0 || sys_task_info(0, &self) != 0 ||
        sys_vm_region_info(PORT_NULL, 0, (uint64_t)buf, &info) != buf)
        return false;
    fuzz_buf = (uint8_t *)buf;
    fz.self = self.id;
    fz.default_pager = info.pager_task;
    return true;
}

/* The decimal number at @s into *@out: the text after it, or NULL when there is none. */
static const char *fuzz_number(const char *s, uint64_t *out)
{
    *out = 0;
    if (*s < '0' || *s > '9')
        return NULL;
    for (; *s >= '0' && *s <= '9'; s++)
        *out = *out * 10 + (uint64_t)(*s - '0');
    return s;
}

/* Parse "[child:]SEED:OPS". False when malformed. */
static bool fuzz_args(const char *args)
{
    if (strncmp(args, "child:", 6) == 0) {
        fz.child = true;
        args += 6;
    }
    const char *end = fuzz_number(args, &fz.seed);
    if (!end || *end != ':')
        return false;
    end = fuzz_number(end + 1, &fz.ops);
    if (end && *end == ':') /* a mask of operation kinds to leave out, to narrow a failure */
        end = fuzz_number(end + 1, &fz.skip);
    return end && *end == '\0' && fz.ops > 0;
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    if (!fuzz_args(args)) { /* children may be started with garbage on purpose: no FAIL */
        printf("fuzz: arguments \"%.40s\": want [child:]SEED:OPS\n", args);
        return 2;
    }
    fz.rng = fz.seed * 0x9e3779b97f4a7c15ull | 1;
    fuzz_protect(ipc_host_port);
    if (!fuzz_setup())
        fuzz_fail("setting up failed", 0);
    if (!fz.child) {
        fz.pager = fuzz_pager_start(fz.seed);
        if (!fz.pager)
            fuzz_fail("the lying pager did not start", 0);
        printf("fuzz: seed %lu, %lu operations\n", (unsigned long)fz.seed, (unsigned long)fz.ops);
    }
    for (fz.op = 0; fz.op < fz.ops; fz.op++) {
        fuzz_op();
        if (!fz.child && (fz.op + 1) % FUZZ_BATCH == 0)
            fuzz_check();
        if (!fz.child && (fz.op + 1) % FUZZ_PROGRESS == 0)
            printf("fuzz: seed %lu: %lu operations, %lu checks passed\n", (unsigned long)fz.seed,
                   (unsigned long)fz.op + 1, (unsigned long)fz.checks);
    }
    if (fz.child)
        fuzz_child_end();
    fuzz_cleanup();
    if (fz.child)
        return 0;
    fuzz_check();
    printf("fuzz: seed %lu: %lu operations, %lu kernel checks, %lu refusals checked, "
           "%u pager lies, %u true answers\n",
           (unsigned long)fz.seed, (unsigned long)fz.ops, (unsigned long)fz.checks,
           (unsigned long)fz.perm_checks, fuzz_pager_lies, fuzz_pager_answers);
    return test_report("fuzz");
}
