/*
 * SYS_IPC sends and/or receives; IPC_CALL sends with a fresh send-once right
 * to the caller's reply port and waits there. (SYS_PORT_OP is port_ops.c,
 * dead-name notifications ipc_notify.c.)
 *
 * Two paths. The general one checks and copies the message into a kernel
 * message (ipc_kmsg.c), queues it on the port and wakes a receiver, who
 * copies it out when it runs. The fast path serves the common RPC shape:
 * a call or a reply carrying only the four register words, to a partner that
 * is already blocked waiting for it. It writes the words straight into the
 * partner's saved registers, blocks the caller, and switches directly to the
 * partner without passing through the run queue; the partner, whose system
 * call has nothing left to do, returns to user mode straight from its saved
 * registers, without unwinding its kernel stack (sched_block_handoff_user). A
 * server whose receive takes IPC_REPLY_SLOT gets the caller's send-once
 * right in its thread's reply slot instead of a new name (IPC_NAME_REPLY),
 * and its reply uses it up from there: a call and its reply then allocate
 * nothing. Every condition the fast path does not handle falls back to the
 * general path, which gives the same results, errors included.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <syscalls_kabi.h>
#include <task/task.h>
#include <vm/vm_copy.h>

/* What a receive takes messages from: a port or a port set. */
struct rcv_object {
    struct port *port;
    struct pset *set;
};

static uint64_t deadline_of(uint64_t timeout)
{
    uint64_t now;

    if (timeout == IPC_TIMEOUT_NONE || timeout == 0)
        return timeout == 0 ? 0 : UINT64_MAX;
    now = arch_time_ns();
    return timeout > UINT64_MAX - now ? UINT64_MAX - 1 : now + timeout;
}

static int rcv_lookup(struct task *self, port_name_t name, struct rcv_object *o)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name);

    o->port = NULL;
    o->set = NULL;
    if (!e)
        return -ERR_NAME;
    if (e->rights & IPC_RIGHT_PORT_SET)
        o->set = e->object;
    else if (e->rights & IPC_RIGHT_RECEIVE)
        o->port = e->object;
    else
        return -ERR_RIGHT;
    return 0;
}

static struct kmsg *rcv_peek(struct rcv_object *o, struct port **from)
{
    if (o->set)
        return pset_peek(o->set, from);
    *from = o->port;
    return port_peek(o->port);
}

static struct wait_queue *rcv_wait_queue(struct rcv_object *o)
{
    return o->set ? &o->set->receivers : &o->port->receivers;
}

/*
 * A message on a reply port answers a call only if its sequence is the one
 * being waited for; older replies (after a timeout) are dropped. A send-once
 * right that died unused makes the call fail with -ERR_DEAD.
 */
static int reply_filter(struct port *rp, struct kmsg *m)
{
    if (m->reply_seq == rp->reply_seq && !m->send_once_dead)
        return 0;
    port_dequeue(rp, m);
    int stale = m->reply_seq != rp->reply_seq;
    ipc_kmsg_destroy(m);
    return stale ? 1 : -ERR_DEAD;
}

/*
 * The fast paths read the registers themselves (no parsed arguments) and
 * take only a message of the four words and at most IPC_FAST_INLINE_MAX
 * inline bytes: no descriptor, the destination as a plain send right (a
 * call) or the caller's send-once right (a reply), never a local right.
 * IPC_FAST_SHAPE masks the tag's dispositions and descriptor count.
 */
#define IPC_FAST_SHAPE(tag) ((unsigned)((tag) >> 32) & 0xffffffu)
/* Inline bytes a fast message may carry, copied once from buffer to buffer. */
#define IPC_FAST_INLINE_MAX 1024u

/*
 * The inline bytes of a fast message between the sender's fast_copy and
 * fast_resume, which copies them into the receiver's buffer during the
 * switch (or the receiver's fast_received, which runs right after it, if
 * that copy faulted), before anything else can run, so one buffer serves
 * (one per CPU once several CPUs schedule threads: issue 16).
 */
static uint8_t fast_bounce[IPC_FAST_INLINE_MAX];

/*
 * The @len (1 to IPC_FAST_INLINE_MAX, less than a page) bytes at @va lie in
 * user space and their one or two pages are mapped in @space for a user
 * access (a write when @write) to memory, not to a device.
 */
static bool fast_span_mapped(struct mmu_space *space, vaddr_t va, uint32_t len, bool write)
{
    vaddr_t last = va + len - 1;
    paddr_t pa;

    _Static_assert(IPC_FAST_INLINE_MAX <= PAGE_SIZE, "a fast message spans two pages at most");
    return mmu_user_frame(space, va, write, &pa) && /* (it refuses va >= MMU_USER_TOP) */
           ((last ^ va) < PAGE_SIZE || mmu_user_frame(space, last, write, &pa));
}

/*
 * The inline bytes of a fast message (@regs' extension, no descriptor) for
 * @to, blocked in its receive: read through the current (the sender's)
 * address space into fast_bounce; they go out through @to's own address
 * space during the switch to it (fast_resume). Only its receive
 * buffer's page-table entries are looked at here, so that the fast path
 * delivers exactly what the general path would (which refuses a buffer it
 * cannot write); the source needs no walk: a page that is not mapped makes
 * the read fail, and only a driver can map device memory (then it is
 * checked). False, with nothing changed, when they do not fit or a page
 * would need a fault (the general path faults it in).
 */
static bool fast_copy(struct task *self, const struct syscall_regs *regs, struct thread *to,
                      uint32_t ext)
{
    const struct syscall_regs *rcv = arch_user_regs(to->kstack_top);
    uint64_t src = regs->arg[IPC_ARG_EXT_ADDR];

    if (ext > IPC_FAST_INLINE_MAX || ext > (uint32_t)(rcv->arg[IPC_ARG_EXT_SIZE] >> 32) ||
        src >= MMU_USER_TOP - IPC_FAST_INLINE_MAX || /* (no user buffer is that high) */
        !fast_span_mapped(&to->task->map.space, rcv->arg[IPC_ARG_EXT_ADDR], ext, true) ||
        (self->driver && !fast_span_mapped(&self->map.space, src, ext, false)) ||
        mmu_current() != &self->map.space ||
        arch_user_copy(fast_bounce, (const void *)src, ext) != 0)
        return false;
    to->fast_inline = fast_bounce;
    return true;
}

/*
 * fast_resume's copy of our inline bytes faulted (fast_copy saw the buffer
 * mapped: not expected): take them from fast_bounce through a copy,
 * faulting pages in, now that we run on our own stack.
 */
static __attribute__((noinline)) void
fast_inline_slow(struct task *self, const struct syscall_regs *regs, struct thread *me)
{
    uint8_t copy[IPC_FAST_INLINE_MAX];
    uint32_t len = (uint32_t)regs->arg[IPC_ARG_EXT_SIZE];

    KASSERT(len <= IPC_FAST_INLINE_MAX);
    memcpy(copy, me->fast_inline, len); /* another fast message may use fast_bounce meanwhile */
    me->fast_inline = NULL;
    /* a bad buffer loses the bytes, as in ipc_kmsg */
    vm_copy_out(&self->map, regs->arg[IPC_ARG_EXT_ADDR], copy, len);
}

/*
 * A sender wrote a message straight into our registers (IPC_WAKE_DIRECT)
 * and we run on our own stack: take its inline bytes if fast_resume could
 * not. Returns the receive's result, 0.
 */
static inline int fast_received(struct task *self, struct syscall_regs *regs)
{
    struct thread *me = thread_current();

    if (me->fast_inline)
        fast_inline_slow(self, regs, me);
    return 0;
}

/*
 * @to, blocked in its own receive, whose registers hold our message, is the
 * current thread now and its address space the current one
 * (sched_block_handoff_user): copy the message's inline bytes, if any, from
 * fast_bounce into its receive buffer through its own mappings, and its
 * system call is done (result 0): true. False, with nothing changed, when
 * the copy faulted (fast_copy saw the buffer mapped: not expected): @to
 * then finishes on its own stack (fast_received, which faults pages in).
 */
static bool fast_resume(struct thread *to)
{
    struct syscall_regs *regs = arch_user_regs(to->kstack_top);

    if (to->fast_inline) {
        uint64_t dst = regs->arg[IPC_ARG_EXT_ADDR];
        uint32_t len = (uint32_t)regs->arg[IPC_ARG_EXT_SIZE];
        KASSERT(dst < MMU_USER_TOP && len <= MMU_USER_TOP - dst && len <= IPC_FAST_INLINE_MAX);
        if (arch_user_copy((void *)dst, to->fast_inline, len) != 0)
            return false;
        to->fast_inline = NULL;
    }
    regs->result = 0;
    return true;
}

/* Block on @wq until @deadline and switch straight to @to (fast_resume). Our wake result. */
static inline __attribute__((always_inline)) int fast_handoff(struct wait_queue *wq,
                                                              uint64_t deadline, struct thread *to)
{
    return sched_block_handoff_user(wq, deadline, to, IPC_WAKE_DIRECT, fast_resume);
}

/*
 * Receive into @regs: on @name, or on the caller's reply port when @reply.
 * @wake is the result of a block the caller already did (0 if none).
 */
static int ipc_receive(struct task *self, struct syscall_regs *regs, port_name_t name, bool reply,
                       const struct ipc_rcv_args *r, uint64_t deadline, int wake)
{
    for (;;) {
        if (wake == IPC_WAKE_DIRECT)
            return fast_received(self, regs);
        if (wake == -ERR_TIMEOUT || wake == -ERR_DEAD)
            return wake;
        struct rcv_object o = {.port = thread_current()->reply_port};
        int err = reply ? 0 : rcv_lookup(self, name, &o);
        if (err)
            return err;
        struct port *from;
        struct kmsg *m = rcv_peek(&o, &from);
        if (m && from->reply_of && (err = reply_filter(from, m)) != 0) {
            if (err < 0)
                return err;
            wake = 0;
            continue;
        }
        if (m && (err = ipc_kmsg_deliver(self, from, m, r, regs)) != IPC_DELIVER_RETRY)
            return err;
        if (m) {
            wake = 0; /* it faulted the buffer in (maybe waiting): look again */
            continue;
        }
        if (deadline == 0)
            return -ERR_TIMEOUT;
        wake = sched_block_timeout(rcv_wait_queue(&o), deadline);
    }
}

/* The queue of @a's destination has room (or blocks until it has, or the deadline). */
static int wait_for_room(struct task *self, const struct ipc_send_args *a, uint64_t deadline,
                         struct port **out)
{
    for (;;) {
        struct ipc_entry *e;
        int err = ipc_right_check(&self->ipc, a->remote, a->remote_disp, &e);
        if (err)
            return err;
        struct port *p = e->object;
        if (p->qcount < p->qlimit) {
            *out = p;
            return 0;
        }
        if (deadline == 0)
            return -ERR_FULL;
        err = sched_block_timeout(&p->senders, deadline);
        if (err == -ERR_TIMEOUT)
            return err;
    }
}

int ipc_reply_port_make(struct thread *t, struct port **out)
{
    if (!t->reply_port) {
        t->reply_port = port_create();
        if (!t->reply_port)
            return -ERR_NOMEM;
        t->reply_port->reply_of = t;
    }
    *out = t->reply_port;
    return 0;
}

struct kright ipc_reply_right(struct port *rp)
{
    struct kright so = {.port = rp, .kind = IPC_RIGHT_SEND_ONCE, .so_seq = ++rp->reply_seq};

    port_ref(rp);
    rp->send_once_rights++;
    return so;
}

/* The answer of a kernel object goes inline in a reply from kzalloc. */
_Static_assert(IPC_KOBJECT_INLINE_MAX <= KMALLOC_MAX, "an answer fits kzalloc");

/* Make *@out an answer of only @code (a refusal carries no data). */
static int answer_code(struct ipc_kobject_answer *out, int code)
{
    if (out) {
        memset(out->w, 0, sizeof(out->w));
        out->w[0] = (uint64_t)(int64_t)code;
        out->inline_size = 0;
    }
    return code;
}

/*
 * Hand message @m to the handler of kernel object port @p (struct
 * ipc_kobject_ops); the code it returns becomes w[0] of the answer.
 */
static int kobject_handle(struct port *p, struct kmsg *m, struct ipc_kobject_answer *out)
{
    KASSERT(p->kobject && p->kobject_ops);
    answer_code(out, 0);
    int code = p->kobject_ops->call(p->kobject, m, out);
    if (out && code != 0)
        answer_code(out, code);
    else if (out)
        out->w[0] = 0;
    return code;
}

/*
 * A message to a kernel object port is handled at once, in the sender's
 * context. The answer the handler made (its code in w[0], and its data) goes
 * back in a reply (id | IPC_ID_REPLY) when the message carries a send-once
 * reply right, else the code is the result of the send; a reply right of
 * another kind is refused (-ERR_INVAL, nothing handled). Consumes @m.
 */
static int ipc_kobject_call(struct port *p, struct kmsg *m)
{
    if (m->reply.port && m->reply.kind != IPC_RIGHT_SEND_ONCE) {
        ipc_kmsg_destroy(m);
        return -ERR_INVAL;
    }
    struct kmsg *reply = m->reply.port ? ipc_kmsg_alloc(false) : NULL;
    struct ipc_kobject_answer answer;
    int code = m->reply.port && !reply ? -ERR_NOMEM : kobject_handle(p, m, reply ? &answer : NULL);

    if (reply && answer.inline_size) { /* the data of the answer goes inline */
        reply->inline_data = kzalloc(answer.inline_size);
        if (reply->inline_data) {
            memcpy(reply->inline_data, answer.bytes, answer.inline_size);
            reply->inline_size = answer.inline_size;
        } else {
            code = answer_code(&answer, -ERR_NOMEM);
        }
    }
    if (reply) {
        struct port *rp = m->reply.port;
        reply->id = m->id | IPC_ID_REPLY;
        memcpy(reply->w, answer.w, sizeof(reply->w));
        reply->reply_seq = m->reply.so_seq;
        m->reply.port = NULL; /* the send-once right is used by this reply */
        rp->send_once_rights--;
        if (rp->dead)
            ipc_kmsg_destroy(reply);
        else
            port_enqueue(rp, reply);
        port_unref(rp);
        code = 0;
    }
    ipc_kmsg_destroy(m);
    return code;
}

/* The kernel object port whose send right @name names in @self's space, or NULL. */
static struct port *kobject_named(struct task *self, port_name_t name)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name);

    return e && (e->rights & IPC_RIGHT_SEND) && ((struct port *)e->object)->kobject ? e->object
                                                                                    : NULL;
}

/*
 * Hand message @id of only register words @w to kernel object port @p (no
 * kernel message is built: nothing to copy or take); the handler's code.
 */
static int kobject_handle_words(struct port *p, uint32_t id, const uint64_t w[IPC_WORDS],
                                struct ipc_kobject_answer *out)
{
    struct kmsg words = {.id = id, .w = {w[0], w[1], w[2], w[3]}};

    return kobject_handle(p, &words, out);
}

/*
 * IPC_CALL to a kernel object port (a pager answering on a control port):
 * handle it and write the reply straight into the caller's registers, as a
 * receive would, without a reply port, a queued message or a receive. Returns
 * false (nothing done) when the destination is not a kernel object port.
 */
static bool kobject_call(struct task *self, struct syscall_regs *regs,
                         const struct ipc_send_args *a, int *result)
{
    struct port *p = kobject_named(self, a->remote);
    struct kmsg *m;

    if (!p)
        return false;
    struct ipc_kobject_answer answer;
    uint64_t ext_addr = regs->arg[IPC_ARG_EXT_ADDR], capacity = regs->arg[IPC_ARG_EXT_SIZE] >> 32;
    if (!a->ext_size && !a->ndesc) {
        /* Only register words (data_unavailable, data_error, lock_request). */
        kobject_handle_words(p, a->id, a->w, &answer);
    } else {
        *result = ipc_kmsg_copyin(self, a, &m);
        if (*result)
            return true;
        kobject_handle(p, m, &answer);
        ipc_kmsg_destroy(m);
    }
    if (answer.inline_size > capacity) /* the answer's data is the reply's inline part */
        answer_code(&answer, -ERR_TRUNCATED);
    else if (answer.inline_size &&
             vm_copy_out(&self->map, ext_addr, answer.bytes, answer.inline_size) != 0)
        answer_code(&answer, -ERR_FAULT);
    *result = 0; /* the call itself succeeded; the answer's code is in the reply */
    ipc_regs_received(regs, PORT_NULL, PORT_NULL,
                      IPC_TAG(a->id | IPC_ID_REPLY, IPC_DISP_NONE, 0, 0) | IPC_TAG_KERNEL,
                      answer.inline_size, 0, answer.w);
    return true;
}

/*
 * A one-way, register-only send to a kernel object port (a pager's answer
 * sent together with its next receive): handled at once, no kernel message.
 * The handler's code is the send's result. False when it does not apply.
 */
static bool kobject_send_words(struct task *self, const struct ipc_send_args *a, int *result)
{
    struct port *p;

    if (a->ext_size || a->ndesc || a->local_disp || a->remote_disp != IPC_DISP_COPY_SEND ||
        !(p = kobject_named(self, a->remote)))
        return false;
    *result = kobject_handle_words(p, a->id, a->w, NULL);
    return true;
}

static int ipc_send(struct task *self, const struct ipc_send_args *a, uint64_t deadline)
{
    struct port *p, *rp = NULL;
    struct kmsg *m;
    int err = wait_for_room(self, a, deadline, &p);

    if (!err && a->call)
        err = ipc_reply_port(thread_current(), &rp);
    if (!err)
        err = ipc_kmsg_copyin(self, a, &m);
    if (err)
        return err;
    if (rp)
        m->reply = ipc_reply_right(rp);
    if (p->kobject)
        return ipc_kobject_call(p, m);
    port_enqueue(p, m);
    return 0;
}

/* The receive arguments of @regs, for a fast path that must fall back to a full receive. */
static struct ipc_rcv_args rcv_args(const struct syscall_regs *regs)
{
    return (struct ipc_rcv_args){.ext_addr = regs->arg[IPC_ARG_EXT_ADDR],
                                 .capacity = (uint32_t)(regs->arg[IPC_ARG_EXT_SIZE] >> 32)};
}

/*
 * The pager's answer path: a register-only one-way send to a kernel object
 * port (data_unavailable, data_supply of a range it holds...) together with
 * the next receive, read straight from the registers. The same as
 * ipc_general's kobject_send_words and receive, without parsing every
 * argument or trying fast_reply first. False (nothing done) when the
 * message has another shape or the name is not a kernel object's send right.
 */
static bool fast_kobject_send(struct task *self, struct syscall_regs *regs, uint64_t deadline,
                              int *result)
{
    uint64_t tag = regs->arg[IPC_ARG_TAG];
    struct port *p;

    /* The shape first: a server's reply (a send-once right) costs no lookup here. */
    if (IPC_FAST_SHAPE(tag) != IPC_DISP_COPY_SEND || (uint32_t)regs->arg[IPC_ARG_EXT_SIZE] ||
        !(p = kobject_named(self, (port_name_t)regs->arg[IPC_ARG_NAMES])))
        return false;
    int err = kobject_handle_words(p, IPC_TAG_ID(tag), regs->word, NULL);
    if (err) {
        *result = err;
        return true;
    }
    ipc_reply_slot_drop(thread_current());
    struct ipc_rcv_args r = rcv_args(regs);
    *result = ipc_receive(self, regs, (port_name_t)(regs->arg[IPC_ARG_OPTIONS] >> 32), false, &r,
                          deadline, 0);
    return true;
}

/*
 * Fast path of IPC_CALL: a register-only request over a send right to a port
 * whose receiver is already waiting. The reply right goes into the
 * receiver's reply slot when its receive takes one (no name), else gets a
 * name. Returns false (nothing done) otherwise.
 */
static bool fast_call(struct task *self, struct syscall_regs *regs, uint64_t deadline, int *result)
{
    uint64_t tag = regs->arg[IPC_ARG_TAG];
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, (port_name_t)regs->arg[IPC_ARG_NAMES]);
    struct thread *me = thread_current();
    uint32_t ext = (uint32_t)regs->arg[IPC_ARG_EXT_SIZE];
    struct port *rp;

    if ((IPC_FAST_SHAPE(tag) & 0xff00ffu) != IPC_DISP_COPY_SEND || /* the local part is ignored */
        !e || !(e->rights & IPC_RIGHT_SEND) || deadline == 0)
        return false;
    struct port *p = e->object;
    struct wait_queue *wq = port_receivers(p);
    struct thread *t;
    /* (A kernel object port has no receiver: its call needs no reply port. A receiver
     * kept to other CPUs is woken there by the general path.) */
    if (p->dead || p->qcount || !(t = sched_waiter_here(wq)) || ipc_reply_port(me, &rp) != 0)
        return false;
    if ((!t->reply_slot_ok && ipc_space_reserve(&t->task->ipc, 1) != 0) ||
        (ext && !fast_copy(self, regs, t, ext)))
        return false;
    port_name_t so_name = IPC_NAME_REPLY;
    if (t->reply_slot_ok) { /* the reply right goes into its slot: no name */
        KASSERT(!t->reply_slot);
        t->reply_slot = rp;
        t->reply_slot_seq = ipc_reply_right(rp).so_seq;
    } else {
        struct kright so = ipc_reply_right(rp);
        so_name = ipc_right_install(t->task, &so);
    }
    self->ipc_stat.fast_calls++;
    ipc_regs_received(arch_user_regs(t->kstack_top), so_name, p->recv_name,
                      IPC_TAG(IPC_TAG_ID(tag), IPC_DISP_MOVE_SEND_ONCE, 0, 0), ext,
                      port_seqno_take(p), regs->word);
    int wake = fast_handoff(&rp->receivers, deadline, t);
    /* The usual end: the server's reply came the same way, straight into our registers. */
    if (wake == IPC_WAKE_DIRECT) {
        *result = fast_received(self, regs);
    } else {
        struct ipc_rcv_args r = rcv_args(regs);
        *result = ipc_receive(self, regs, PORT_NULL, true, &r, deadline, wake);
    }
    return true;
}

/*
 * Fast path of a reply followed by a receive: a register-only reply through
 * a send-once right (a name, or the reply slot) whose caller waits for
 * exactly this reply, while nothing is queued for our own receive. Returns
 * false (nothing done) otherwise.
 */
static bool fast_reply(struct task *self, struct syscall_regs *regs, uint64_t deadline, int *result)
{
    uint64_t tag = regs->arg[IPC_ARG_TAG];
    port_name_t remote = (port_name_t)regs->arg[IPC_ARG_NAMES];
    port_name_t rcv = (port_name_t)(regs->arg[IPC_ARG_OPTIONS] >> 32);
    struct thread *me = thread_current();
    bool slot = remote == IPC_NAME_REPLY;
    struct ipc_entry *e = NULL;
    struct rcv_object o;
    struct port *from;
    uint32_t ext = (uint32_t)regs->arg[IPC_ARG_EXT_SIZE];

    if (IPC_FAST_SHAPE(tag) != IPC_DISP_MOVE_SEND_ONCE || deadline == 0)
        return false; /* (the shape first: a pager's answer to the kernel costs no lookup) */
    if (!slot)
        e = ipc_entry_lookup(&self->ipc, remote);
    if (slot ? !me->reply_slot : !e || !(e->rights & IPC_RIGHT_SEND_ONCE))
        return false;
    struct port *rp = slot ? me->reply_slot : e->object;
    struct thread *caller = rp->reply_of;
    if (!caller || caller->in_exception || rp->dead || rp->qcount || !sched_runs_here(caller) ||
        (slot ? me->reply_slot_seq : e->so_seq) != rp->reply_seq ||
        caller->waiting_on != &rp->receivers || rcv_lookup(self, rcv, &o) != 0 ||
        rcv_peek(&o, &from) || (ext && !fast_copy(self, regs, caller, ext)))
        return false;
    if (slot) { /* the send-once right is used up */
        me->reply_slot = NULL;
    } else {
        e->rights = 0;
        ipc_entry_free(&self->ipc, remote);
        ipc_reply_slot_drop(me); /* this receive ends a right left in the slot */
    }
    rp->send_once_rights--;
    port_unref(rp);
    self->ipc_stat.fast_replies++;
    ipc_regs_received(arch_user_regs(caller->kstack_top), PORT_NULL, PORT_NULL,
                      IPC_TAG(IPC_TAG_ID(tag), IPC_DISP_NONE, 0, 0), ext, 0, regs->word);
    int wake = fast_handoff(rcv_wait_queue(&o), deadline, caller);
    if (wake == IPC_WAKE_DIRECT) {
        *result = fast_received(self, regs);
    } else {
        struct ipc_rcv_args r = rcv_args(regs);
        *result = ipc_receive(self, regs, rcv, false, &r, deadline, wake);
    }
    return true;
}

int64_t ipc_reply_slot_save(struct thread *t)
{
    if (!t->reply_slot)
        return -ERR_NAME;
    int err = ipc_space_reserve(&t->task->ipc, 1);
    if (err)
        return err;
    struct kright so = {
        .port = t->reply_slot, .kind = IPC_RIGHT_SEND_ONCE, .so_seq = t->reply_slot_seq};
    t->reply_slot = NULL;
    return ipc_right_install(t->task, &so);
}

void ipc_reply_slot_drop(struct thread *t)
{
    struct port *rp = t->reply_slot;

    if (rp) {
        t->reply_slot = NULL;
        port_send_once_dead(rp, t->reply_slot_seq);
    }
}

/*
 * A send names the reply slot (IPC_NAME_REPLY as its remote or local name)
 * on a path that takes rights by name: the right gets a name first, in
 * *@saved (else PORT_NULL). 0 or -ERR_* (an empty slot is -ERR_NAME).
 */
static int reply_slot_name(struct ipc_send_args *a, port_name_t *saved)
{
    port_name_t *which = a->remote == IPC_NAME_REPLY  ? &a->remote
                         : a->local == IPC_NAME_REPLY ? &a->local
                                                      : NULL;
    if (!which)
        return 0;
    int64_t name = ipc_reply_slot_save(thread_current());
    if (name < 0)
        return (int)name;
    *which = *saved = (port_name_t)name;
    return 0;
}

/* The send that named the slot's right @saved failed: the right goes back into the slot. */
static void reply_slot_unname(struct task *self, port_name_t saved)
{
    struct ipc_entry *e = saved ? ipc_entry_lookup(&self->ipc, saved) : NULL;
    struct thread *me = thread_current();

    if (!e || e->rights != IPC_RIGHT_SEND_ONCE || me->reply_slot)
        return;
    me->reply_slot = e->object;
    me->reply_slot_seq = e->so_seq;
    e->rights = 0;
    ipc_entry_free(&self->ipc, saved);
}

static void send_args_parse(const struct syscall_regs *regs, unsigned options,
                            struct ipc_send_args *a)
{
    uint64_t tag = regs->arg[IPC_ARG_TAG], names = regs->arg[IPC_ARG_NAMES];

    a->id = IPC_TAG_ID(tag);
    a->remote_disp = IPC_TAG_REMOTE_DISP(tag);
    a->local_disp = IPC_TAG_LOCAL_DISP(tag);
    a->ndesc = IPC_TAG_NDESC(tag);
    a->remote = (port_name_t)names;
    a->local = (port_name_t)(names >> 32);
    a->call = options & IPC_CALL;
    a->ext_addr = regs->arg[IPC_ARG_EXT_ADDR];
    a->ext_size = (uint32_t)regs->arg[IPC_ARG_EXT_SIZE];
    a->w[0] = regs->word[0];
    a->w[1] = regs->word[1];
    a->w[2] = regs->word[2];
    a->w[3] = regs->word[3];
}

/* SYS_IPC past the fast paths: any message shape, queued, waiting or refused. */
static __attribute__((noinline)) int64_t ipc_general(struct task *self, struct syscall_regs *regs,
                                                     unsigned options, uint64_t deadline)
{
    port_name_t rcv = (port_name_t)(regs->arg[IPC_ARG_OPTIONS] >> 32);
    struct ipc_rcv_args r = rcv_args(regs);
    struct ipc_send_args a;
    int result;

    if (options & IPC_SEND) {
        send_args_parse(regs, options, &a);
        port_name_t saved = PORT_NULL;
        int err = reply_slot_name(&a, &saved);
        if (err)
            return err;
        if (a.call && kobject_call(self, regs, &a, &result))
            return result;
        err = !a.call && kobject_send_words(self, &a, &result) ? result
                                                               : ipc_send(self, &a, deadline);
        if (err) {
            reply_slot_unname(self, saved);
            return err;
        }
    }
    if (options & IPC_RECV) {
        if (!(options & IPC_CALL))
            ipc_reply_slot_drop(thread_current());
        return ipc_receive(self, regs, rcv, options & IPC_CALL, &r, deadline, 0);
    }
    return 0;
}

int64_t sys_ipc(struct task *self, struct syscall_regs *regs)
{
    unsigned options = (uint32_t)regs->arg[IPC_ARG_OPTIONS];
    uint64_t timeout = regs->arg[IPC_ARG_TIMEOUT];
    uint64_t deadline = timeout == IPC_TIMEOUT_NONE ? UINT64_MAX : deadline_of(timeout);
    int result;

    thread_current()->reply_slot_ok = options & IPC_REPLY_SLOT;
    if (options == (IPC_SEND | IPC_RECV | IPC_CALL)) {
        if (fast_call(self, regs, deadline, &result))
            return result;
    } else if ((options & ~IPC_REPLY_SLOT) == (IPC_SEND | IPC_RECV)) {
        /* A server's reply (a send-once right) is tried first: its shape
         * costs fast_kobject_send a test, the other order a lookup. */
        if (fast_reply(self, regs, deadline, &result) ||
            fast_kobject_send(self, regs, deadline, &result))
            return result;
    } else if (!options || (options & ~(IPC_SEND | IPC_RECV | IPC_CALL | IPC_REPLY_SLOT)) ||
               (options & IPC_CALL) || ((options & IPC_REPLY_SLOT) && !(options & IPC_RECV))) {
        return -ERR_INVAL; /* a call is only send, receive and call together */
    }
    return ipc_general(self, regs, options, deadline);
}

int64_t sys_ipc_stat(struct task *self, uint64_t stat)
{
    return vm_copy_out(&self->map, stat, &self->ipc_stat, sizeof(self->ipc_stat));
}

void ipc_thread_cleanup(struct thread *t)
{
    struct port *rp = t->reply_port;

    ipc_reply_slot_drop(t);
    if (t->sending) {
        ipc_kmsg_destroy(t->sending); /* killed while its send waited: it holds no rights yet */
        t->sending = NULL;
    }
    if (!rp)
        return;
    t->reply_port = NULL;
    rp->reply_of = NULL;
    port_kill(rp);
    port_unref(rp);
}
