/*
 * Changing an object's pager at run time with its data (issue 11 item 4):
 * the main thread plays two pagers, A and B, of one 16-page object. Under A
 * some pages are resident and modified, some returned to A by pageout, some
 * only A can make (its pattern), and two faults wait for A's answer. Then
 * SYS_VM_PAGER_MIGRATE moves the object to B: B gets init and answers ready,
 * A gets evacuate and supplies everything it holds, the fault A never
 * answered goes to B once, and A gets terminate. Every byte reads back
 * right, B is asked for each page at most once until it is evicted again.
 * Refusals: no right, the same pager, a dead port, a kernel object port, a
 * second migration at once, a task that is not a pager (it never answers:
 * timeout, nothing moves); a caller killed while its migration runs (it
 * completes by itself, or ends at its deadline, and the next request
 * works); then back to A. Needs host_priv=test_pager_swap and a short
 * pager_timeout.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>
#include <string.h>

#define NPAGES 16u
#define HELD 12u       /* A can make pages 0..11 (pattern SALT_A); 12..15 are zero */
#define WRITTEN 8u     /* pages 0..7 are overwritten with SALT_W */
#define RETURNED 4u    /* of which 0..3 are pushed back to A */
#define WAIT_PAGE 9u   /* a fault waiting for A on a page A holds */
#define WAIT_ZERO 13u  /* a fault waiting for A on a page nobody holds */
#define CLEAN_PAGE 10u /* read under A, supplied not precious: only A has a copy besides */
#define SALT_A 0xa0a0ull
#define SALT_W 0x3e3eull
#define WAIT TEST_WAIT /* events are awaited, never timed */

/* One pager played by the main thread: its port, the object's control right, its store. */
struct tpager {
    const char *name;
    port_name_t port, control;
    void *store[NPAGES];       /* returned pages, kept where data_return mapped them */
    unsigned requests[NPAGES]; /* data_requests per page since the last reset */
    bool makes_pattern;        /* A: pages below HELD that it never stored have SALT_A */
    bool made[NPAGES];         /* pattern pages already handed to the kernel */
};

static struct tpager pa = {.name = "A", .makes_pattern = true}, pb = {.name = "B"};
static volatile uint64_t *base;
static uint64_t object;

/* What each page must hold now. */
static bool page_ok(unsigned i)
{
    volatile uint64_t *page = base + (uint64_t)i * PT_WORDS;

    if (i < WRITTEN)
        return pt_page_ok(page, i * PAGE_SIZE, SALT_W);
    if (i < HELD)
        return pt_page_ok(page, i * PAGE_SIZE, SALT_A);
    for (unsigned j = 0; j < PT_WORDS; j++)
        if (page[j] != 0)
            return false;
    return true;
}

/* A toucher thread: check (or, with @write, overwrite) pages [first, first + n). */
struct touch {
    unsigned first, n;
    bool write;
    volatile unsigned done, bad;
};

static void touch_run(void *arg)
{
    struct touch *t = arg;

    for (unsigned i = t->first; i < t->first + t->n; i++) {
        if (!t->write) {
            t->bad += !page_ok(i);
            continue;
        }
        volatile uint64_t *page = base + (uint64_t)i * PT_WORDS;
        t->bad += !pt_page_ok(page, i * PAGE_SIZE, SALT_A);
        for (unsigned j = 0; j < PT_WORDS; j++)
            page[j] = pt_word(i * PAGE_SIZE, j, SALT_W);
    }
    pt_count(&t->done);
}

static void touch_start(struct touch *t, unsigned first, unsigned n, bool write)
{
    *t = (struct touch){.first = first, .n = n, .write = write};
    TEST_CHECK(pt_thread(touch_run, t) > 0, "start a toucher");
}

/* Hand stored page @i of @p to the kernel with @flags; it leaves the store. */
static long store_supply(struct tpager *p, unsigned i, uint64_t flags)
{
    void *page = p->store[i];
    long err = memory_object_control_data_supply(p->control, i * PAGE_SIZE, flags, page, PAGE_SIZE);

    sys_vm_deallocate(page, PAGE_SIZE); /* the page left with the message */
    p->store[i] = NULL;
    return err;
}

/* Answer a request for page @i as pager @p: its store, its pattern, or no data. */
static void answer(struct tpager *p, unsigned i)
{
    long err;

    if (p->store[i])
        err = store_supply(p, i, 2);
    else if (p->makes_pattern && i < HELD && !p->made[i])
        err = pt_supply(p->control, i * PAGE_SIZE, 1, 0, SALT_A), p->made[i] = true;
    else
        err = memory_object_control_data_unavailable(p->control, i * PAGE_SIZE, PAGE_SIZE);
    TEST_CHECK(err == 0, "%s answers page %u: %s", p->name, i, err_text(err));
}

/* One message for pager @p: requests are answered (@hold: not), returns kept. */
static bool serve_one(struct tpager *p, struct pt_event *ev, bool hold)
{
    if (pt_recv(p->port, ev, 50 * PT_MS) != 0)
        return false;
    unsigned i = ev->offset / PAGE_SIZE;
    if (ev->kind == PT_REQUEST && i < NPAGES) {
        p->requests[i]++;
        if (!hold)
            answer(p, i);
    } else if (ev->kind == PT_RETURN && i < NPAGES && ev->pages) {
        if (p->store[i])
            sys_vm_deallocate(p->store[i], PAGE_SIZE);
        p->store[i] = ev->pages;
    } else {
        TEST_CHECK(false, "%s: unexpected event %d", p->name, ev->kind);
    }
    return true;
}

/* Serve @p until toucher @t is done; then check its data. */
static void serve_until(struct tpager *p, struct touch *t, const char *what)
{
    struct pt_event ev;
    while (!__atomic_load_n(&t->done, __ATOMIC_SEQ_CST))
        serve_one(p, &ev, false);
    TEST_CHECK(t->done && t->bad == 0, "%s: done %u, %u bad pages", what, t->done, t->bad);
}

/* Take messages for @p until @want events of @kind came (requests held with @hold). */
static unsigned take(struct tpager *p, enum pt_kind kind, unsigned want, bool hold)
{
    struct pt_event ev;
    unsigned got = 0;

    while (got < want)
        if (serve_one(p, &ev, hold))
            got += ev.kind == kind;
    return got;
}

/* Push pages [0, NPAGES) out; @p takes the @want returns that follow. */
static void push_out(struct tpager *p, unsigned want)
{
    long n = sys_vm_pageout((void *)base, NPAGES * PAGE_SIZE);

    TEST_CHECK(n >= 0, "vm_pageout: %s", err_text(n));
    unsigned got = take(p, PT_RETURN, want, false);
    TEST_CHECK(got == want, "%s took %u returns, want %u", p->name, got, want);
    TEST_CHECK(pt_quiet(p->port, 100 * PT_MS), "%s: nothing more returned", p->name);
}

/* Every page at most once from @p since its counts were reset. */
static void requests_once(struct tpager *p, const char *what)
{
    for (unsigned i = 0; i < NPAGES; i++)
        TEST_CHECK(p->requests[i] <= 1, "%s: %s asked %u times for page %u", what, p->name,
                   p->requests[i], i);
    memset(p->requests, 0, sizeof(p->requests));
}

/* The migration, run by its own thread (the call waits until it is over). */
struct migrate {
    port_name_t host, old, new;
    volatile long result;
    volatile unsigned done;
};

static void migrate_run(void *arg)
{
    struct migrate *m = arg;

    m->result = sys_vm_pager_migrate(m->host, m->old, m->new);
    pt_count(&m->done);
}

static void migrate_start(struct migrate *m, port_name_t host, port_name_t old, port_name_t new)
{
    *m = (struct migrate){.host = host, .old = old, .new = new};
    TEST_CHECK(pt_thread(migrate_run, m) > 0, "start the migration thread");
}

/* @to got init for the object: it takes the new control right and answers ready. */
static bool adopt(struct tpager *to)
{
    struct pt_event ev;

    if (!pt_expect(to->port, &ev, PT_INIT, WAIT))
        return false;
    TEST_CHECK(ev.object == object, "%s: init of object %lu", to->name, (unsigned long)ev.object);
    to->control = ev.control;
    return true;
}

/* @from got evacuate: it hands every stored page over (precious), then evacuate_done. */
static void evacuate(struct tpager *from)
{
    struct pt_event ev;

    if (!pt_expect(from->port, &ev, PT_EVACUATE, WAIT))
        return;
    for (unsigned i = 0; i < NPAGES; i++) {
        long err = 0;
        if (from->store[i])
            err = store_supply(from, i, 2);
        else if (from->makes_pattern && i < HELD && !from->made[i])
            err = pt_supply(from->control, i * PAGE_SIZE, 1, 2, SALT_A), from->made[i] = true;
        TEST_CHECK(err == 0, "%s hands page %u over: %s", from->name, i, err_text(err));
    }
    long err = memory_object_control_evacuate_done(from->control, 0);
    TEST_CHECK(err == 0, "%s: evacuate_done: %s", from->name, err_text(err));
}

/* The old pager's end: terminate, and its control right no longer works. */
static void retired(struct tpager *p)
{
    struct pt_event ev;

    if (pt_expect(p->port, &ev, PT_TERMINATE, WAIT))
        TEST_CHECK(ev.object == object, "%s: terminate", p->name);
    TEST_CHECK(memory_object_control_data_unavailable(p->control, 0, PAGE_SIZE) < 0,
               "%s: its old control right is dead", p->name);
    port_deallocate(p->control);
    p->control = PORT_NULL;
}

/* Under A: resident modified pages, pages returned to A, two faults waiting for A. */
static void prepare(struct touch *wait_held, struct touch *wait_zero)
{
    struct touch t;

    touch_start(&t, 0, WRITTEN, true);
    serve_until(&pa, &t, "write pages 0..7 under A");
    touch_start(&t, CLEAN_PAGE, 1, false); /* resident, clean, and A keeps its copy */
    serve_until(&pa, &t, "read a page under A");
    long n = sys_vm_pageout((void *)base, RETURNED * PAGE_SIZE);
    TEST_CHECK(n == RETURNED, "push 4 pages back to A: %ld", n);
    take(&pa, PT_RETURN, RETURNED, false);
    for (unsigned i = 0; i < RETURNED; i++)
        TEST_CHECK(pa.store[i] != NULL, "A holds page %u", i);
    requests_once(&pa, "before the move");
    touch_start(wait_held, WAIT_PAGE, 1, false);
    touch_start(wait_zero, WAIT_ZERO, 1, false);
    take(&pa, PT_REQUEST, 2, true);
    TEST_CHECK(pa.requests[WAIT_PAGE] == 1 && pa.requests[WAIT_ZERO] == 1,
               "A holds both requests unanswered");
}

/* A -> B while two faults wait, with the refusals that need a migration running. */
static void move_a_to_b(void)
{
    struct touch wait_held, wait_zero, all;
    struct migrate m;

    prepare(&wait_held, &wait_zero);
    uint64_t t0 = sys_clock_ns();
    migrate_start(&m, ipc_host_port, pa.port, pb.port);
    if (!adopt(&pb))
        return;
    long err = sys_vm_pager_migrate(ipc_host_port, pb.port, pa.port);
    TEST_CHECK(err == -ERR_BUSY, "a second migration at once: %s", err_text(err));
    err = pt_supply(pb.control, 0, 1, 0, 0);
    TEST_CHECK(err == -ERR_BUSY, "B supplies before the object is its own: %s", err_text(err));
    TEST_CHECK(memory_object_control_ready(pb.control, 0) == 0, "B: ready");
    evacuate(&pa);
    /* The fault on the page nobody held now asks B, once. */
    serve_until(&pb, &wait_zero, "the fault A never answered, answered by B");
    TEST_CHECK(pb.requests[WAIT_ZERO] == 1, "B asked once for page %u", WAIT_ZERO);
    TEST_CHECK(pt_wait_count(&m.done, 1, WAIT) && m.result == 1, "migration A -> B: %ld", m.result);
    printf("test_pager_swap: A -> B took %lu us (%u stored, %u resident pages)\n",
           (unsigned long)((sys_clock_ns() - t0) / 1000), HELD - (WRITTEN - RETURNED),
           WRITTEN - RETURNED);
    TEST_CHECK(pt_wait_count(&wait_held.done, 1, WAIT) && wait_held.bad == 0,
               "the fault on a page A held got A's data");
    retired(&pa);
    touch_start(&all, 0, NPAGES, false);
    serve_until(&pb, &all, "every page under B");
    requests_once(&pb, "after the move");
    /* Everything A had is precious now: pageout gives it all to B, which serves it back. */
    push_out(&pb, HELD);
    touch_start(&all, 0, NPAGES, false);
    serve_until(&pb, &all, "every page from B's store");
    requests_once(&pb, "after pageout to B");
}

/* Refusals that change nothing; a pager that never answers times out. */
static void refusals(void)
{
    struct migrate m;
    struct pt_event ev;
    port_name_t dead, mute;
    struct touch all;

    TEST_CHECK(sys_vm_pager_migrate(PORT_NULL, ipc_bootstrap_port, pa.port) == -ERR_PERM,
               "no right, and not the pager of @old");
    TEST_CHECK(sys_vm_pager_migrate(ipc_host_port, pb.port, pb.port) == -ERR_INVAL, "same pager");
    TEST_CHECK((dead = test_dead_name()) != PORT_NULL, "make a dead name");
    long err = sys_vm_pager_migrate(ipc_host_port, pb.port, dead);
    TEST_CHECK(err == -ERR_DEAD, "to a dead port: %s", err_text(err));
    err = sys_vm_pager_migrate(ipc_host_port, pb.port, ipc_host_port);
    TEST_CHECK(err == -ERR_INVAL, "to a kernel object, not a task: %s", err_text(err));
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &mute) == 0, "allocate a port nobody serves");
    migrate_start(&m, ipc_host_port, pb.port, mute);
    TEST_CHECK(pt_wait_count(&m.done, 1, WAIT) && m.result == -ERR_TIMEOUT,
               "to a port that never answers: %s", err_text(m.result));
    if (pt_expect(mute, &ev, PT_INIT, WAIT)) {
        port_name_t control = ev.control;
        TEST_CHECK(pt_expect(mute, &ev, PT_TERMINATE, WAIT), "the mute port's object is gone");
        TEST_CHECK(memory_object_control_ready(control, 0) < 0, "its control port is dead");
        port_deallocate(control);
    }
    port_destroy(mute);
    /* Still B's: a page pushed out comes back from B. */
    push_out(&pb, HELD);
    touch_start(&all, 0, NPAGES, false);
    serve_until(&pb, &all, "every page still from B");
    requests_once(&pb, "after the refused moves");
}

/*
 * A pager_child "migrate" task with the host right, told to move @old's
 * objects to @new: its task id, once it has the rights (0 on failure).
 */
static long orphan_spawn(port_name_t old, port_name_t new)
{
    static struct ipc_message m;
    port_name_t boot;
    long task = -1;

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &boot) == 0, "a port for the child's hello");
    task =
        sys_task_spawn_flags("pager_child", "migrate", boot, TASK_SPAWN_HOST_PRIV, ipc_host_port);
    if (!TEST_CHECK(task > 0, "spawn the migrating child: %s", err_text(task)) ||
        !TEST_CHECK(ipc_recv(&m, boot, WAIT) == 0 && m.id == PT_ID_HELLO && m.ndesc == 1,
                    "the child's port")) {
        port_destroy(boot);
        return 0;
    }
    port_name_t child = m.ext.desc[0].name;
    ipc_msg_init(&m, child, IPC_DISP_MOVE_SEND, PT_ID_HELLO);
    ipc_add_port(&m, old, IPC_DISP_MAKE_SEND);
    ipc_add_port(&m, new, IPC_DISP_MAKE_SEND);
    TEST_CHECK(ipc_send(&m, WAIT) == 0, "send the child both pagers");
    port_destroy(boot);
    return task;
}

/* Kill the migrating child @task while its call waits. */
static void orphan_kill(long task)
{
    struct task_status st;

    TEST_CHECK(sys_task_kill(task_port_of((uint32_t)task)) == 0 && pt_wait_task(task, &st) == 0,
               "the caller is killed while its migration runs");
}

/*
 * The caller of a migration is killed while it waits: the migration goes on
 * by itself (B -> A completes as the pagers answer), and the next request
 * works. Then one whose new pager never answers: at its deadline the next
 * request ends it (nothing moved, the object stays), and works.
 */
static void orphaned(void)
{
    struct migrate m;
    struct pt_event ev;
    struct touch all;
    port_name_t mute;

    long task = orphan_spawn(pb.port, pa.port);
    if (!task || !adopt(&pa))
        return;
    orphan_kill(task);
    long err = sys_vm_pager_migrate(ipc_host_port, pa.port, pb.port);
    TEST_CHECK(err == -ERR_BUSY, "the orphaned migration still runs: %s", err_text(err));
    memset(pa.made, 1, sizeof(pa.made)); /* A's pattern pages left with the first move */
    TEST_CHECK(memory_object_control_ready(pa.control, 0) == 0, "A: ready");
    evacuate(&pb);
    retired(&pb); /* it completed without its caller */
    touch_start(&all, 0, NPAGES, false);
    serve_until(&pa, &all, "every page under A after the orphaned move");
    requests_once(&pa, "after the orphaned move");
    /* The next request works: A -> B. */
    migrate_start(&m, ipc_host_port, pa.port, pb.port);
    if (!adopt(&pb))
        return;
    TEST_CHECK(memory_object_control_ready(pb.control, 0) == 0, "B: ready");
    evacuate(&pa);
    TEST_CHECK(pt_wait_count(&m.done, 1, WAIT) && m.result == 1, "then A -> B: %ld", m.result);
    retired(&pa);

    /* Orphaned, and the new pager never answers. */
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &mute) == 0, "allocate a port nobody serves");
    task = orphan_spawn(pb.port, mute);
    if (!task || !pt_expect(mute, &ev, PT_INIT, WAIT))
        return;
    port_name_t control = ev.control;
    orphan_kill(task);
    /* Busy until the orphaned migration's deadline (pager_timeout) passes:
     * an event the kernel's clock brings, so wait for it, whatever it takes. */
    while ((err = sys_vm_pager_migrate(ipc_host_port, pb.port, pb.port)) == -ERR_BUSY)
        sys_sleep_ns(10 * 1000 * 1000);
    TEST_CHECK(err == -ERR_INVAL, "past its deadline the next request is served: %s",
               err_text(err));
    TEST_CHECK(pt_expect(mute, &ev, PT_TERMINATE, WAIT), "the mute port's object is gone");
    TEST_CHECK(memory_object_control_ready(control, 0) < 0, "its control port is dead");
    port_deallocate(control);
    port_destroy(mute);
    push_out(&pb, NPAGES); /* still B's, every page precious since the moves */
    touch_start(&all, 0, NPAGES, false);
    serve_until(&pb, &all, "every page still from B");
    requests_once(&pb, "after the orphaned moves");
}

/* And back: B -> A by B itself (no host right), B's store evacuated, every byte still right. */
static void move_b_to_a(void)
{
    struct migrate m;
    struct touch all;

    memset(pa.made, 1, sizeof(pa.made));            /* A's pattern pages left with the first move */
    migrate_start(&m, PORT_NULL, pb.port, pa.port); /* B's own objects: no right needed */
    if (!adopt(&pa))
        return;
    TEST_CHECK(memory_object_control_ready(pa.control, 0) == 0, "A: ready");
    evacuate(&pb);
    TEST_CHECK(pt_wait_count(&m.done, 1, WAIT) && m.result == 1, "migration B -> A: %ld", m.result);
    retired(&pb);
    touch_start(&all, 0, NPAGES, false);
    serve_until(&pa, &all, "every page back under A");
    requests_once(&pa, "after the move back");
}

int main(void)
{
    struct pt_event ev;

    pt_keep_returns = true;
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &pa.port) == 0 &&
                   port_allocate(IPC_RIGHT_RECEIVE, &pb.port) == 0,
               "allocate the pager ports");
    long addr = sys_vm_map(pa.port, NPAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(addr > 0, "vm_map: %s", err_text(addr)) ||
        !pt_expect(pa.port, &ev, PT_INIT, WAIT))
        return test_report("test_pager_swap");
    base = (volatile uint64_t *)addr;
    object = ev.object;
    pa.control = ev.control;
    move_a_to_b();
    refusals();
    orphaned();
    move_b_to_a();
    TEST_CHECK(sys_vm_deallocate((void *)base, NPAGES * PAGE_SIZE) == 0, "deallocate");
    if (pt_expect(pa.port, &ev, PT_TERMINATE, WAIT))
        TEST_CHECK(ev.object == object, "terminate from A");
    for (unsigned i = 0; i < NPAGES; i++)
        if (pa.store[i])
            sys_vm_deallocate(pa.store[i], PAGE_SIZE);
    port_deallocate(pa.control);
    port_destroy(pa.port);
    port_destroy(pb.port);
    return test_report("test_pager_swap");
}
