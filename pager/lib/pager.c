/*
 * The framework's core: setting a pager up, the request loop (one or several
 * threads receiving on the pager's port and dispatching through the
 * generated memory_object_dispatch) and the reference counting that keeps an
 * object alive while a handler uses it.
 */
#include "pager_order.h"

#include <pager/pager.h>

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/thread.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <memory_object_defs.h>
#include <naming_defs.h>
#include <pager_stats_defs.h>

/* Stack of a serving thread: two messages (about 9.5 KiB), a third while it waits for its
 * turn (pager_order.c), plus the handlers. */
#define PAGER_THREAD_STACK (64 * 1024)

/* Give the allocator a demand-paged arena when the pager brought none. */
static int pager_mem_reserve_default(void)
{
    long base;

    if (pager_mem_left() != 0)
        return 0;
    base = sys_vm_allocate(PAGER_MEM_DEFAULT_RESERVE, VM_PROT_READ | VM_PROT_WRITE);
    if (base < 0)
        return (int)base;
    pager_mem_add((void *)base, PAGER_MEM_DEFAULT_RESERVE);
    return 0;
}

int pager_mem_add_touched(size_t size)
{
    long base = sys_vm_allocate(size, VM_PROT_READ | VM_PROT_WRITE);

    if (base < 0)
        return (int)base;
    for (unsigned long off = 0; off < size; off += PAGE_SIZE)
        ((volatile char *)base)[off] = 0;
    if (!pager_mem_add((void *)base, size)) {
        sys_vm_deallocate((void *)base, size);
        return -ERR_NOMEM;
    }
    return 0;
}

int pager_mem_top_up(void)
{
    if (pager_mem_left() >= PAGER_MEM_LOW)
        return 0;
    return pager_mem_add_touched(PAGER_MEM_GROW);
}

int pager_init(struct pager *pager, const struct pager_ops *ops, void *data, port_name_t port)
{
    int err = pager_mem_reserve_default();

    if (err < 0)
        return err;
    pager_spin_yield = sys_yield;
    pager->ops = ops;
    pager->data = data;
    pager->table_lock = 0;
    pager->requests = pager->supplies = pager->unavailable = pager->returns = 0;
    pager->errors = pager->resident = pager->forged = 0;
    pager->names_full_said = false;
    pager->single_thread = pager->ordered = false;
    pager->threads = 0;
    pager->turn = 0; /* a port of our own numbers its first message 0 */
    pager->pending = 0;
    for (unsigned i = 0; i < PAGER_THREADS_MAX; i++)
        pager->gates[i] = PORT_NULL;
    pager->gate_waiting = 0;
    pager->thread_next = 1; /* 0 is pager_serve's caller */
    memcpy(pager->name, "pager", sizeof("pager"));
    err = pager_table_init(&pager->table);
    if (err == 0 && (err = pager_owners_init(pager)) < 0)
        pager_table_fini(&pager->table);
    if (err < 0)
        return err;
    if (port == PORT_NULL) {
        err = port_allocate(IPC_RIGHT_RECEIVE, &port);
        if (err == 0)
            err = port_insert_send(port);
        if (err < 0) {
            pager_table_fini(&pager->table);
            hash_fini(&pager->owners);
            return err;
        }
    }
    pager->port = port;
    return 0;
}

struct pager_object *pager_object_get(struct pager *pager, uint64_t id)
{
    struct pager_object *obj;

    pager_spin_lock(&pager->table_lock);
    obj = pager_table_lookup(&pager->table, id);
    if (obj != NULL)
        __atomic_add_fetch(&obj->refs, 1, __ATOMIC_RELAXED);
    pager_spin_unlock(&pager->table_lock);
    return obj;
}

void pager_object_release(struct pager *pager, struct pager_object *obj)
{
    (void)pager;
    if (__atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    pager_store_fini(&obj->store);
    pager_mem_free(obj, sizeof(*obj));
}

int pager_register(struct pager *pager, const char *name)
{
    size_t n = strlen(name);

    if (n >= PAGER_NAME_MAX)
        n = PAGER_NAME_MAX - 1;
    memcpy(pager->name, name, n);
    pager->name[n] = '\0';
    return naming_register(ipc_bootstrap_port, pager->name, pager->port);
}

/*
 * Hand @in to the interface it belongs to: the kernel's memory_object
 * messages and pager_stats to the framework, anything else to the concrete
 * pager's on_message. A memory_object message the kernel did not send (any
 * holder of a send right to our port can forge one) is dropped with its
 * rights and pages, and counted. True when @out holds an answer to send.
 * With several threads serving, a message that locks no object passes its
 * turn at once (pager_order.h), before it is handled.
 */
static bool pager_dispatch(struct pager *pager, unsigned thread, struct ipc_message *in,
                           struct ipc_message *out)
{
    struct pager_msg msg = pager_msg_of(pager, thread, in);
    bool object = MEMORY_OBJECT_ID_IS(in->id), kernel = in->flags & IPC_FLAG_KERNEL;

    if (!object || !kernel)
        pager_turn_skip(&msg);
    else if (in->id != MEMORY_OBJECT_INIT_ID && pager_order_admit(&msg))
        return false; /* queued on its object, whose thread handles it */
    if (PAGER_STATS_ID_IS(in->id))
        return pager_stats_dispatch(pager, in, out);
    if (!object && pager->ops->on_message != NULL)
        return pager->ops->on_message(pager, in, out);
    if (object && !kernel) {
        ipc_msg_destroy(in);
        if (in->remote != PORT_NULL)
            (void)port_deallocate(in->remote);
        __atomic_add_fetch(&pager->forged, 1, __ATOMIC_RELAXED);
        return false;
    }
    bool answer = memory_object_dispatch(&msg, in, out);
    pager_turn_skip(&msg); /* an init the handler refused before its turn (a bad message) */
    if (msg.claimed == NULL)
        return answer;
    /* Then the messages other threads queued on our object meanwhile, in order, their
     * answers built in @out too (the kernel's memory_object messages have none: one here
     * is to a forged shape), so the loop's frame holds no third message. */
    if (answer)
        (void)ipc_send(out, 0);
    struct pager_pending *p;
    while ((p = pager_order_next(&msg)) != NULL) {
        msg.in = &p->m;
        if (memory_object_dispatch(&msg, &p->m, out))
            (void)ipc_send(out, 0);
        pager_mem_free(p, p->size);
    }
    return false;
}

/* Receive and dispatch until the port goes away. */
static long pager_loop(struct pager *pager, unsigned thread)
{
    struct ipc_message local_in, out;
    struct ipc_message *in = pager->single_thread ? &pager->bufs[0] : &local_in;

    for (;;) {
        long err;
        /* Work put off until the port is empty: look without waiting first. */
        bool poll = pager->idle_work && pager->on_idle != NULL;
        uint64_t wait = poll ? 0 : IPC_TIMEOUT_NONE;
        if (pager->answer) {
            /* The deferred answer goes out and the next request comes in with
             * one call; the buffers then trade places. */
            struct ipc_message *m = pager->answer;
            pager->answer = NULL;
            err = ipc_msg(m, IPC_SEND | IPC_RECV, pager->port, wait);
            pager->spare = in;
            in = m;
            /* The answer may have failed (the object died meanwhile: its
             * control port is dead), not the receive: receive on its own.
             * (A kernel object's port never makes a send wait: a timeout is
             * the poll's empty port.) */
            if (err < 0 && err != -ERR_NOMEM && !(poll && err == -ERR_TIMEOUT))
                err = ipc_recv(in, pager->port, wait);
        } else {
            err = ipc_recv(in, pager->port, wait);
        }
        if (poll && err == -ERR_TIMEOUT) {
            pager->idle_work = false;
            pager->on_idle(pager);
            continue;
        }
        if (err == -ERR_NAME || err == -ERR_RIGHT || err == -ERR_DEAD)
            return err;
        if (err == -ERR_NOSPACE) {
            /* The rights of the message did not fit our full name table (the
             * kernel keeps room in it for the objects it creates, so rights
             * some task sent us filled it): the kernel dropped that message,
             * and the next one may fit. Said once. */
            if (!pager->names_full_said) {
                pager->names_full_said = true;
                printf("pager: a message was dropped: our name table is full\n");
            }
            continue;
        }
        if (err == -ERR_NOMEM) {
            /* The kernel had no memory to take the message in; it stays
             * queued: wait for pageout, not in a spin. */
            sys_sleep_ns(1000000);
            continue;
        }
        if (err < 0) {
            printf("pager: answer or receive failed: %s\n", err_text(err));
            continue;
        }
        if (pager_dispatch(pager, thread, in, &out))
            (void)ipc_send(&out, 0); /* never wait on a reply right */
    }
}

static void pager_thread(void *arg)
{
    struct pager *pager = arg;

    if (pager->spread != 0) { /* pager_threads_per_cpu: the next of its CPUs is ours */
        unsigned i = __atomic_fetch_add(&pager->spread_next, 1, __ATOMIC_RELAXED);
        uint32_t mask = pager->spread;
        while (i-- > 0 && mask != 0)
            mask &= mask - 1;
        if (mask != 0)
            (void)sys_thread_affinity(0, mask & -mask);
    }
    long err = pager_loop(pager, __atomic_fetch_add(&pager->thread_next, 1, __ATOMIC_RELAXED));

    printf("pager: serving thread stops: %s\n", err_text(err));
}

int pager_cpu_from_args(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "cpu");
    uint64_t cpu;
    long err;

    if (v == NULL)
        return 0;
    err = parse_u64(v, &cpu) && cpu < 64 ? sys_thread_affinity(0, 1ull << cpu) : -ERR_INVAL;
    if (err < 0) {
        printf("pager: cpu=%s: %s; on any CPU\n", v, err_text(err));
        return (int)err;
    }
    printf("pager: threads kept to CPU %lu\n", (unsigned long)cpu);
    return 0;
}

int pager_threads_start(struct pager *pager, unsigned count)
{
    if (count >= PAGER_THREADS_MAX || pager->threads + count >= PAGER_THREADS_MAX)
        return -ERR_INVAL;
    if (count == 0)
        return 0;
    /* Before any of them receives: from now on messages take turns (pager_order.h), and
     * each serving thread, the caller's too, has a gate to wait on. */
    for (unsigned i = 0; i <= pager->threads + count; i++) {
        if (pager->gates[i] != PORT_NULL)
            continue;
        int err = port_allocate(IPC_RIGHT_RECEIVE, &pager->gates[i]);
        if (err == 0)
            err = port_insert_send(pager->gates[i]);
        if (err < 0)
            return err;
    }
    pager->single_thread = false;
    pager->ordered = true;
    pager->threads += count;
    for (unsigned i = 0; i < count; i++) {
        long tid = thread_start(pager_thread, pager, PAGER_THREAD_STACK);
        if (tid < 0)
            return (int)tid;
    }
    return 0;
}

int pager_threads_per_cpu(struct pager *pager)
{
    struct cpu_info ci;
    long err = sys_cpu_info(&ci);

    if (err < 0)
        return (int)err;
    /* The first PAGER_THREADS_MAX of the CPUs that run threads. */
    uint32_t cpus = 0, left = ci.running;
    unsigned n;
    for (n = 0; left != 0 && n < PAGER_THREADS_MAX; n++, left &= left - 1)
        cpus |= left & -left;
    if (n <= 1)
        return 0;                               /* one CPU: the caller serves alone */
    err = sys_thread_affinity(0, cpus & -cpus); /* the caller: the first */
    if (err < 0)
        return (int)err;
    pager->spread = cpus & (cpus - 1);
    pager->spread_next = 0;
    return pager_threads_start(pager, n - 1);
}

int pager_serve(struct pager *pager, unsigned nthreads)
{
    int err;

    if (nthreads == 0 || nthreads > PAGER_THREADS_MAX)
        return -ERR_INVAL;
    err = pager_threads_start(pager, nthreads - 1);
    /* (A caller that started threads of its own with pager_threads_start serves with them.) */
    pager->single_thread = pager->threads == 0;
    pager->spare = &pager->bufs[1];
    return err < 0 ? err : (int)pager_loop(pager, 0);
}
