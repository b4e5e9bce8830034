/*
 * The order of several serving threads (pager_order.h): pager->turn is the
 * sequence number of the next message allowed to claim or queue; each
 * object's busy flag and queue are under its qlock, held only for a few
 * instructions.
 */
#include "pager_order.h"

#include <ipc/string.h>

struct pager_msg pager_msg_of(struct pager *pager, const struct ipc_message *in)
{
    /* Only the pager's own port numbers what the turn counts (a port set's
     * members number their messages each on their own). */
    return (struct pager_msg){.pager = pager,
                              .in = in,
                              .seqno = in->seqno,
                              .turn = pager->ordered && in->local == pager->port};
}

/* Waits spin this many times (a pause each) before they block on the gate. */
#define PAGER_ORDER_SPINS 256u
/*
 * A wait on the gate looks again after this long even without a wake-up.
 * Session 15 saw threads blocked for seconds on what they waited for with
 * 4 CPUs, the wake-up lost somewhere it did not find; bounded, such a loss
 * costs a millisecond instead of a hang. (A bound on a wait, not a timing
 * anything depends on: the thread only looks again.)
 */
#define PAGER_ORDER_NAP_NS 1000000u

/*
 * Wake every thread blocked on @pager's gate (they look again at what they
 * wait for): one message each, sent without waiting (a full queue already
 * wakes them all).
 */
static void pager_order_wake(struct pager *pager)
{
    unsigned n = __atomic_exchange_n(&pager->gate_waiters, 0, __ATOMIC_ACQ_REL);
    struct ipc_message m;

    for (; n > 0; n--) {
        m = (struct ipc_message){.remote = pager->gate, .remote_disp = IPC_DISP_COPY_SEND};
        (void)ipc_send(&m, 0);
    }
}

/*
 * After a change a waiter may look for: wake the waiters, if any. The fence
 * keeps the load of the count after the change (x86 may otherwise take the
 * load first: a waiter counted just then would find nothing changed and
 * block, and nobody would wake it). The waiter counts itself with a locked
 * instruction before it looks, the other half of the same handshake.
 */
static void pager_order_woken(struct pager *pager)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&pager->gate_waiters, __ATOMIC_RELAXED) != 0)
        pager_order_wake(pager);
}

/*
 * One step of waiting for @ready(@arg) to hold (false so far): spin a
 * while, then block on the gate until a thread that changed something wakes
 * us (none is lost: its message waits in the gate's queue). Without a gate
 * (the host tests), spin and yield. Returns when worth looking again.
 */
static void pager_order_pause(struct pager *pager, unsigned *n, bool (*ready)(const void *arg),
                              const void *arg)
{
    struct ipc_message m;

    if (++*n < PAGER_ORDER_SPINS || pager->gate == PORT_NULL) {
        if (*n % 64 == 0 && pager_spin_yield != NULL)
            pager_spin_yield(); /* the one we wait for may be preempted: let it run */
        __builtin_ia32_pause();
        return;
    }
    *n = 0;
    __atomic_add_fetch(&pager->gate_waiters, 1, __ATOMIC_ACQ_REL);
    if (ready(arg))
        return; /* changed meanwhile (a wake-up may be left queued: a later waiter looks again) */
    (void)ipc_recv(&m, pager->gate, PAGER_ORDER_NAP_NS);
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
        pager_order_pause(msg->pager, &n, pager_turn_ready, msg);
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
        pager_order_pause(pager, &n, pager_room_ready, obj);
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
    obj->busy = true; /* not yet in the table: nobody else sees it */
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
