/*
 * The order of several serving threads (pager_order.h): pager->turn is the
 * sequence number of the next message allowed to claim or queue; each
 * object's busy flag and queue are under its qlock, held only for a few
 * instructions.
 */
#include "pager_order.h"

#include <ipc/string.h>

struct pager_msg pager_msg_of(struct pager *pager, unsigned thread, const struct ipc_message *in)
{
    /* Only the pager's own port numbers what the turn counts (a port set's
     * members number their messages each on their own). */
    return (struct pager_msg){.pager = pager,
                              .in = in,
                              .seqno = in->seqno,
                              .turn = pager->ordered && in->local == pager->port,
                              .thread = thread < PAGER_THREADS_MAX ? thread : 0};
}

/* Waits spin this many times (a pause each) before they block on their gate. */
#define PAGER_ORDER_SPINS 256u

/*
 * Wake every serving thread that may be blocked on its gate (each looks
 * again at what it waits for): a message to each one's own port, sent
 * without waiting (a full queue already wakes it). A port per thread, not
 * one for all: with one, a thread that woke first and went back to wait
 * could take the others' wake-ups, and the one whose turn had come slept
 * on (seen with 4 CPUs).
 */
static void pager_order_wake(struct pager *pager)
{
    uint32_t mask = __atomic_exchange_n(&pager->gate_waiting, 0, __ATOMIC_ACQ_REL);
    struct ipc_message m;

    for (; mask != 0; mask &= mask - 1) {
        unsigned i = (unsigned)__builtin_ctz(mask);
        m = (struct ipc_message){.remote = pager->gates[i], .remote_disp = IPC_DISP_COPY_SEND};
        (void)ipc_send(&m, 0);
    }
}

/*
 * After a change a waiter may look for: wake the waiters, if any. The fence
 * keeps the load of the mask after the change (x86 may otherwise take the
 * load first: a waiter marked just then would find nothing changed and
 * block, and nobody would wake it). The waiter marks itself with a locked
 * instruction before it looks, the other half of the same handshake.
 */
static void pager_order_woken(struct pager *pager)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&pager->gate_waiting, __ATOMIC_RELAXED) != 0)
        pager_order_wake(pager);
}

/*
 * One step of @msg's thread waiting for @ready(@arg) to hold (false so
 * far): spin a while, then block on its gate until a thread that changed
 * something wakes it (none is lost: the message waits in the gate's
 * queue; one left there from an earlier wait only makes it look again).
 * Without a gate (the host tests), spin and yield.
 */
static void pager_order_pause(const struct pager_msg *msg, unsigned *n,
                              bool (*ready)(const void *arg), const void *arg)
{
    struct pager *pager = msg->pager;
    port_name_t gate = pager->gates[msg->thread];
    struct ipc_message m;

    if (++*n < PAGER_ORDER_SPINS || gate == PORT_NULL) {
        if (*n % 64 == 0 && pager_spin_yield != NULL)
            pager_spin_yield(); /* the one we wait for may be preempted: let it run */
        __builtin_ia32_pause();
        return;
    }
    *n = 0;
    __atomic_or_fetch(&pager->gate_waiting, 1u << msg->thread, __ATOMIC_ACQ_REL);
    if (ready(arg))
        return; /* changed meanwhile (a wake-up may come anyway: a later wait looks again) */
    (void)ipc_recv(&m, gate, IPC_TIMEOUT_NONE);
}

static bool pager_turn_ready(const void *arg)
{
    const struct pager_msg *msg = arg;
    return __atomic_load_n(&msg->pager->turn, __ATOMIC_ACQUIRE) == msg->seqno;
}

void pager_turn_wait(const struct pager_msg *msg)
{
    unsigned n = 0;

    if (!msg->turn)
        return;
    while (!pager_turn_ready(msg))
        pager_order_pause(msg, &n, pager_turn_ready, msg);
}

void pager_turn_pass(struct pager_msg *msg)
{
    if (!msg->turn)
        return;
    msg->turn = false;
    __atomic_store_n(&msg->pager->turn, msg->seqno + 1, __ATOMIC_RELEASE);
    pager_order_woken(msg->pager);
}

void pager_turn_skip(struct pager_msg *msg)
{
    pager_turn_wait(msg);
    pager_turn_pass(msg);
}

/* A copy of @in to queue: its header and the part of its extension in use. */
static struct pager_pending *pager_pending_copy(const struct ipc_message *in)
{
    size_t used, size;
    struct pager_pending *p;

    if (in->ext_size > sizeof(in->ext))
        return NULL;
    used = offsetof(struct ipc_message, ext) + in->ext_size;
    size = offsetof(struct pager_pending, m) + used;
    p = pager_mem_alloc(size);
    if (p == NULL)
        return NULL;
    memcpy(&p->m, in, used);
    p->size = size;
    p->next = NULL;
    return p;
}

/* Is @arg (a busy object) free now, or is there room to queue on it? */
static bool pager_room_ready(const void *arg)
{
    const struct pager_object *obj = arg;
    return !__atomic_load_n(&obj->busy, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&obj->pager->pending, __ATOMIC_ACQUIRE) < PAGER_PENDING_MAX;
}

bool pager_order_admit(struct pager_msg *msg)
{
    struct pager *pager = msg->pager;
    unsigned n = 0;

    if (!msg->turn)
        return false;
    pager_turn_wait(msg);
    struct pager_object *obj = pager_object_get(pager, msg->in->w[0]);
    if (obj == NULL) {
        pager_turn_pass(msg);
        return false;
    }
    pager_spin_lock(&obj->qlock);
    while (obj->busy) {
        struct pager_pending *p = NULL;
        if (__atomic_load_n(&pager->pending, __ATOMIC_RELAXED) < PAGER_PENDING_MAX)
            p = pager_pending_copy(msg->in);
        if (p != NULL) {
            __atomic_add_fetch(&pager->pending, 1, __ATOMIC_RELAXED);
            *obj->pending_tail = p;
            obj->pending_tail = &p->next;
            pager_spin_unlock(&obj->qlock);
            pager_turn_pass(msg);
            pager_object_release(pager, obj);
            return true;
        }
        /* As many queued as allowed (or no memory for a copy): wait, turn in hand, for the
         * object to be free or a queue to shrink. So the pager stops taking messages, the
         * port's queue fills and the kernel holds back: the queues cannot take every frame. */
        pager_spin_unlock(&obj->qlock);
        pager_order_pause(msg, &n, pager_room_ready, obj);
        pager_spin_lock(&obj->qlock);
    }
    obj->busy = true;
    pager_spin_unlock(&obj->qlock);
    msg->claimed = obj;
    pager_turn_pass(msg);
    return false;
}

void pager_order_claim_new(struct pager_msg *msg, struct pager_object *obj)
{
    if (!msg->turn)
        return;
    __atomic_add_fetch(&obj->refs, 1, __ATOMIC_RELAXED);
    obj->busy = true; /* our turn is not passed yet: no later message looks for it */
    msg->claimed = obj;
}

struct pager_pending *pager_order_next(struct pager_msg *msg)
{
    struct pager_object *obj = msg->claimed;
    struct pager_pending *p;

    if (obj == NULL)
        return NULL;
    pager_spin_lock(&obj->qlock);
    p = obj->pending;
    if (p != NULL) {
        __atomic_sub_fetch(&msg->pager->pending, 1, __ATOMIC_RELAXED);
        obj->pending = p->next;
        if (obj->pending == NULL)
            obj->pending_tail = &obj->pending;
    } else {
        obj->busy = false;
    }
    pager_spin_unlock(&obj->qlock);
    pager_order_woken(msg->pager); /* room in the queues, or the object free */
    if (p == NULL) {
        msg->claimed = NULL;
        pager_object_release(msg->pager, obj);
    }
    return p;
}
