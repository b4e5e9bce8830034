/*
 * Rights accounting on the host with real ports in fake tasks: what each
 * disposition does to the sender's entry and to the port's counts, how
 * send rights merge under one name, what the death of a send-once or a
 * receive right causes, and that a port is freed exactly when its last
 * reference goes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <notify_kabi.h>
#include <vm/frame.h>

#include "host_support.h"
#include "ipc_support.h"

static struct task a, b;
static uint64_t baseline;

static int setup(void **state)
{
    (void)state;
    baseline = host_free_frames();
    ipc_test_task_init(&a, 1);
    ipc_test_task_init(&b, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ipc_test_task_destroy(&a);
    ipc_test_task_destroy(&b);
    assert_int_equal(host_free_frames(), baseline);
    return 0;
}

static struct ipc_entry *entry_of(struct task *t, port_name_t name)
{
    struct ipc_entry *e = ipc_entry_lookup(&t->ipc, name);

    assert_non_null(e);
    return e;
}

static struct port *port_of(struct task *t, port_name_t name)
{
    return entry_of(t, name)->object;
}

static int64_t rights_of(struct task *t, port_name_t name)
{
    return ipc_test_port_op(t, PORT_OP_GET_RIGHTS, name, 0);
}

static void test_ipc_rights_make_and_copy_send(void **state)
{
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a);
    struct port *p = port_of(&a, pa);

    assert_int_equal(p->refs, 1);
    assert_ptr_equal(p->receiver, &a);
    assert_int_equal(p->recv_name, pa);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);
    assert_int_equal(p->send_rights, 1);
    assert_int_equal(p->refs, 2);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_SEND | 1 << 8);
    assert_int_equal(rights_of(&a, pa), IPC_RIGHT_RECEIVE); /* MAKE_SEND leaves a unchanged */

    /* A second send right to the same port merges into b's name. */
    assert_int_equal(ipc_test_right_transfer(&b, sb, IPC_DISP_COPY_SEND, &b), sb);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_SEND | 2 << 8);
    assert_int_equal(p->send_rights, 2);
    assert_int_equal(p->refs, 2); /* one per name, not per user reference */

    /* A send right coming back to the receiver joins its receive name. */
    assert_int_equal(ipc_test_right_transfer(&b, sb, IPC_DISP_COPY_SEND, &a), pa);
    assert_int_equal(rights_of(&a, pa), IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND | 1 << 8);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_SEND | 2 << 8);
    assert_int_equal(p->send_rights, 3);
    assert_int_equal(p->refs, 2);
    assert_int_equal(a.ipc.used, 1);
    assert_int_equal(b.ipc.used, 1);
}

static void test_ipc_rights_move_send(void **state)
{
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a);
    struct port *p = port_of(&a, pa);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);
    assert_int_equal(ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b), sb);

    struct kright r1 = ipc_test_right_take(&b, sb, IPC_DISP_MOVE_SEND);
    assert_int_equal(r1.kind, IPC_RIGHT_SEND);
    assert_ptr_equal(r1.port, p);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_SEND | 1 << 8); /* one user ref moved */
    assert_int_equal(p->send_rights, 2);                          /* moving creates none */
    assert_int_equal(p->refs, 3);                                 /* a, b, r1 */

    struct kright r2 = ipc_test_right_take(&b, sb, IPC_DISP_MOVE_SEND);
    assert_null(ipc_entry_lookup(&b.ipc, sb)); /* the last ref went: the name is free */
    assert_null(ipc_entry_find_port(&b.ipc, p));
    assert_int_equal(b.ipc.used, 0);
    struct ipc_entry *e;
    assert_int_equal(ipc_right_check(&b.ipc, sb, IPC_DISP_MOVE_SEND, &e), -ERR_NAME);
    assert_int_equal(p->send_rights, 2);
    assert_int_equal(p->refs, 3); /* a, r1, r2 */

    assert_int_equal(ipc_right_install(&a, &r1), pa);
    assert_int_equal(p->refs, 2);
    ipc_right_release(&r2);
    assert_null(r2.port);
    assert_int_equal(p->send_rights, 1);
    assert_int_equal(p->refs, 1);
    assert_int_equal(rights_of(&a, pa), IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND | 1 << 8);
}

static void test_ipc_rights_check_refuses(void **state)
{
    (void)state;
    struct ipc_entry *e = NULL;
    port_name_t pa = ipc_test_port_allocate(&a);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);
    port_name_t ob = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND_ONCE, &b);
    int64_t set = ipc_test_port_op(&a, PORT_OP_ALLOCATE, IPC_RIGHT_PORT_SET, 0);
    struct port *p = port_of(&a, pa);

    assert_true(set > 0);
    const unsigned bad_disp[] = {IPC_DISP_NONE, 7, 0xff};
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(ipc_right_check(&a.ipc, pa, bad_disp[i], &e), -ERR_INVAL);
    assert_int_equal(ipc_right_check(&a.ipc, PORT_NULL, IPC_DISP_COPY_SEND, &e), -ERR_NAME);
    assert_int_equal(ipc_right_check(&a.ipc, pa ^ 0x3, IPC_DISP_MAKE_SEND, &e), -ERR_NAME);
    /* a holds only the receive right. */
    assert_int_equal(ipc_right_check(&a.ipc, pa, IPC_DISP_COPY_SEND, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&a.ipc, pa, IPC_DISP_MOVE_SEND, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&a.ipc, pa, IPC_DISP_MOVE_SEND_ONCE, &e), -ERR_RIGHT);
    /* b holds a send right and a send-once right, under different names. */
    assert_int_not_equal(sb, ob);
    assert_int_equal(ipc_right_check(&b.ipc, sb, IPC_DISP_MOVE_RECEIVE, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&b.ipc, sb, IPC_DISP_MAKE_SEND, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&b.ipc, sb, IPC_DISP_MAKE_SEND_ONCE, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&b.ipc, sb, IPC_DISP_MOVE_SEND_ONCE, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&b.ipc, ob, IPC_DISP_COPY_SEND, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&b.ipc, ob, IPC_DISP_MOVE_SEND, &e), -ERR_RIGHT);
    /* A port set name carries no port right. */
    assert_int_equal(ipc_right_check(&a.ipc, (port_name_t)set, IPC_DISP_COPY_SEND, &e), -ERR_RIGHT);
    assert_int_equal(ipc_right_check(&a.ipc, (port_name_t)set, IPC_DISP_MOVE_RECEIVE, &e),
                     -ERR_RIGHT);
    /* Nothing changed. */
    assert_int_equal(p->send_rights, 1);
    assert_int_equal(p->send_once_rights, 1);
    assert_int_equal(p->refs, 3);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_SEND | 1 << 8);
    assert_int_equal(rights_of(&b, ob), IPC_RIGHT_SEND_ONCE);
}

static void test_ipc_rights_move_receive(void **state)
{
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a);
    struct port *p = port_of(&a, pa);
    int64_t set = ipc_test_port_op(&a, PORT_OP_ALLOCATE, IPC_RIGHT_PORT_SET, 0);
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_MOVE_MEMBER, pa, (uint64_t)set), 0);
    assert_non_null(p->set);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);

    struct kright r = ipc_test_right_take(&a, pa, IPC_DISP_MOVE_RECEIVE);
    assert_int_equal(r.kind, IPC_RIGHT_RECEIVE);
    assert_null(p->receiver); /* in transit */
    assert_int_equal(p->recv_name, PORT_NULL);
    assert_null(p->set); /* it left a's set */
    assert_false(p->dead);
    assert_null(ipc_entry_lookup(&a.ipc, pa));
    assert_int_equal(p->refs, 2); /* b's name and the right in transit */

    /* Arriving where a send right already is: one name holds both. */
    assert_int_equal(ipc_right_install(&b, &r), sb);
    assert_ptr_equal(p->receiver, &b);
    assert_int_equal(p->recv_name, sb);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND | 1 << 8);
    assert_int_equal(p->refs, 1);

    /* And back: b keeps its send right under the same name. */
    port_name_t back = ipc_test_right_transfer(&b, sb, IPC_DISP_MOVE_RECEIVE, &a);
    assert_ptr_equal(p->receiver, &a);
    assert_int_equal(p->recv_name, back);
    assert_int_equal(rights_of(&a, back), IPC_RIGHT_RECEIVE);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_SEND | 1 << 8);
    assert_int_equal(p->refs, 2);
    assert_int_equal(p->send_rights, 1);
}

static void test_ipc_rights_send_once(void **state)
{
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a);
    struct port *p = port_of(&a, pa);
    struct kright so = ipc_test_right_take(&a, pa, IPC_DISP_MAKE_SEND_ONCE);

    assert_int_equal(so.kind, IPC_RIGHT_SEND_ONCE);
    assert_int_equal(p->send_once_rights, 1);
    assert_int_equal(p->refs, 2);
    so.so_seq = 77;
    port_name_t o1 = ipc_right_install(&b, &so);
    port_name_t o2 = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND_ONCE, &b);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);
    assert_true(o1 != o2 && o1 != sb && o2 != sb); /* send-once rights never merge */
    assert_int_equal(entry_of(&b, o1)->so_seq, 77);
    assert_ptr_equal(ipc_entry_find_port(&b.ipc, p), entry_of(&b, sb));
    assert_int_equal(p->send_once_rights, 2);
    assert_int_equal(p->refs, 4);

    /* Moving it takes the entry, and its port reference, along. */
    struct kright moved = ipc_test_right_take(&b, o1, IPC_DISP_MOVE_SEND_ONCE);
    assert_int_equal(moved.kind, IPC_RIGHT_SEND_ONCE);
    assert_int_equal(moved.so_seq, 77);
    assert_null(ipc_entry_lookup(&b.ipc, o1));
    struct ipc_entry *e;
    assert_int_equal(ipc_right_check(&b.ipc, o1, IPC_DISP_MOVE_SEND_ONCE, &e), -ERR_NAME);
    assert_int_equal(p->refs, 4);
    assert_int_equal(p->send_once_rights, 2);

    /* Dropped unused: the receiver is told, with the sequence it answered. */
    ipc_right_release(&moved);
    assert_int_equal(p->send_once_rights, 1);
    assert_int_equal(p->refs, 3);
    assert_int_equal(p->qcount, 1);
    struct kmsg *m = port_peek(p);
    assert_non_null(m);
    assert_true(m->send_once_dead);
    assert_int_equal(m->reply_seq, 77);
    assert_null(m->reply.port);
    /* The same when the name holding it is destroyed. */
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DESTROY, o2, 0), 0);
    assert_int_equal(p->send_once_rights, 0);
    assert_int_equal(p->qcount, 2);
    assert_int_equal(p->refs, 2);
    /* teardown: a's death destroys the two notices */
}

/*
 * The reply slot (IPC_REPLY_SLOT): a send-once right a thread holds without
 * a name. Saved, it gets a name of its own with the same sequence; dropped
 * (the thread's next receive, a deallocation, its end), its receiver is
 * told as for any send-once right that dies unused; an empty slot is
 * -ERR_NAME.
 */
static void test_ipc_rights_reply_slot(void **state)
{
    struct thread server = {.task = &b};
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a);
    struct port *p = port_of(&a, pa);
    struct kright so = ipc_test_right_take(&a, pa, IPC_DISP_MAKE_SEND_ONCE);

    server.reply_slot = so.port;
    server.reply_slot_seq = so.so_seq = 31;
    int64_t name = ipc_reply_slot_save(&server);
    assert_true(name > 0);
    assert_null(server.reply_slot);
    assert_int_equal(entry_of(&b, (port_name_t)name)->rights, IPC_RIGHT_SEND_ONCE);
    assert_int_equal(entry_of(&b, (port_name_t)name)->so_seq, 31);
    assert_int_equal(p->send_once_rights, 1);
    assert_int_equal(ipc_reply_slot_save(&server), -ERR_NAME);

    /* A second right in the slot, dropped unused: the notice carries its sequence. */
    so = ipc_test_right_take(&a, pa, IPC_DISP_MAKE_SEND_ONCE);
    server.reply_slot = so.port;
    server.reply_slot_seq = 32;
    assert_int_equal(p->send_once_rights, 2);
    ipc_reply_slot_drop(&server);
    assert_null(server.reply_slot);
    assert_int_equal(p->send_once_rights, 1);
    assert_int_equal(p->qcount, 1);
    assert_true(port_peek(p)->send_once_dead);
    assert_int_equal(port_peek(p)->reply_seq, 32);
    ipc_reply_slot_drop(&server); /* an empty slot: nothing */
    assert_int_equal(p->qcount, 1);

    /* The saved right is an ordinary name: deallocating it tells the receiver too. */
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DEALLOCATE, (uint64_t)name, 0), 0);
    assert_int_equal(p->send_once_rights, 0);
    assert_int_equal(p->qcount, 2);
    /* teardown: a's death destroys the two notices */
}

/* A message on @p carrying a send right and a send-once reply right to @q, and inline bytes. */
static struct kmsg *message_with_rights(struct task *holder, port_name_t q)
{
    struct kmsg *m = ipc_kmsg_alloc(true);

    assert_non_null(m);
    m->id = 42;
    m->ndesc = 1;
    m->desc[0].type = IPC_DESC_PORT;
    m->desc[0].right = ipc_test_right_take(holder, q, IPC_DISP_MAKE_SEND);
    m->reply = ipc_test_right_take(holder, q, IPC_DISP_MAKE_SEND_ONCE);
    m->inline_data = kzalloc(100);
    m->inline_size = 100;
    return m;
}

/* After p's death: q holds two send-once notices and the dead-name notice for @sb. */
static void notices_check(struct port *q, port_name_t sb)
{
    /* The queued messages' rights were released: two send-once notices on q,
     * and the dead-name notice naming sb. */
    assert_int_equal(q->send_rights, 0);
    assert_int_equal(q->send_once_rights, 0);
    assert_int_equal(q->qcount, 3);
    unsigned notices = 0, dead_names = 0;
    struct list_node *pos;
    list_for_each(pos, &q->queue)
    {
        struct kmsg *m = list_entry(pos, struct kmsg, link);
        notices += m->send_once_dead;
        dead_names += m->id == NOTIFY_DEAD_NAME_ID && m->w[NOTIFY_DEAD_NAME_NAME_SLOT] == sb;
    }
    assert_int_equal(notices, 2);
    assert_int_equal(dead_names, 1);
}

static void test_ipc_rights_receive_death(void **state)
{
    (void)state;
    struct thread sender, receiver;
    port_name_t pa = ipc_test_port_allocate(&a), qb = ipc_test_port_allocate(&b);
    struct port *p = port_of(&a, pa), *q = port_of(&b, qb);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);
    assert_int_equal(ipc_test_right_transfer(&b, sb, IPC_DISP_COPY_SEND, &b), sb);
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_REQUEST_DEAD_NAME, sb, qb), 0);
    assert_int_equal(q->send_rights, 1); /* the request holds a send right to q */

    port_enqueue(p, message_with_rights(&b, qb));
    port_enqueue(p, message_with_rights(&b, qb));
    assert_int_equal(q->send_rights, 3);
    assert_int_equal(q->send_once_rights, 2);
    ipc_test_thread_block(&sender, &b, &p->senders);
    ipc_test_thread_block(&receiver, &a, &p->receivers);

    assert_int_equal(ipc_test_port_op(&a, PORT_OP_DESTROY, pa, 0), 0);
    assert_true(p->dead);
    assert_null(p->receiver);
    assert_int_equal(p->qcount, 0);
    assert_true(list_empty(&p->queue));
    assert_int_equal(sender.state, THREAD_READY);
    assert_int_equal(sender.wake_result, -ERR_DEAD);
    assert_int_equal(receiver.state, THREAD_READY);
    assert_int_equal(receiver.wake_result, -ERR_DEAD);
    ipc_test_thread_forget(&sender);
    ipc_test_thread_forget(&receiver);
    assert_null(ipc_entry_lookup(&a.ipc, pa));

    notices_check(q, sb);

    /* b's send right now names a dead port. */
    struct ipc_entry *e;
    assert_int_equal(ipc_right_check(&b.ipc, sb, IPC_DISP_COPY_SEND, &e), -ERR_DEAD);
    assert_int_equal(ipc_right_check(&b.ipc, sb, IPC_DISP_MOVE_SEND, &e), -ERR_DEAD);
    assert_int_equal(rights_of(&b, sb), IPC_RIGHT_DEAD_NAME | 2 << 8);
    assert_int_equal(p->send_rights, 2);
    assert_int_equal(p->refs, 1);
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DEALLOCATE, sb, 0), 0);
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DEALLOCATE, sb, 0), 0); /* p is freed */
    assert_null(ipc_entry_lookup(&b.ipc, sb));
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DEALLOCATE, sb, 0), -ERR_NAME);
}

/* Only p lives in its slab size class here: its slab page shows when it is freed. */
static void test_ipc_rights_port_freed_with_last_ref(void **state)
{
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a);
    struct port *p = port_of(&a, pa);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);
    port_name_t ob = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND_ONCE, &b);
    struct kright r = ipc_test_right_take(&b, sb, IPC_DISP_COPY_SEND);
    uint64_t with_port = host_free_frames();

    assert_int_equal(p->refs, 4);
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_DESTROY, pa, 0), 0);
    assert_true(p->dead);
    assert_int_equal(p->refs, 3);
    assert_int_equal(p->qcount, 0);
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DEALLOCATE, ob, 0), 0);
    assert_int_equal(p->refs, 2);
    assert_int_equal(p->qcount, 0); /* a dead port gets no send-once notice */
    ipc_right_release(&r);
    assert_int_equal(p->refs, 1);
    assert_int_equal(p->send_rights, 1);
    assert_int_equal(host_free_frames(), with_port);
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DEALLOCATE, sb, 0), 0);
    assert_int_equal(host_free_frames(), with_port + 1); /* the port's slab went back */
    assert_int_equal(b.ipc.used, 0);
}

/* Releasing rights in transit: a receive right kills its port, which frees on its last ref. */
static void test_ipc_rights_release_in_transit(void **state)
{
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a);
    struct port *p = port_of(&a, pa);
    uint64_t with_port = host_free_frames();
    struct kright send = ipc_test_right_take(&a, pa, IPC_DISP_MAKE_SEND);
    struct kright recv = ipc_test_right_take(&a, pa, IPC_DISP_MOVE_RECEIVE);

    assert_int_equal(a.ipc.used, 0);
    assert_int_equal(p->refs, 2);
    ipc_right_release(&recv);
    assert_true(p->dead);
    assert_int_equal(p->refs, 1);
    ipc_right_release(&send);
    assert_int_equal(host_free_frames(), with_port + 1);
    struct kright none = {0};
    ipc_right_release(&none); /* no right: nothing happens */
}

static unsigned dead_name_requests_on(struct port *p)
{
    unsigned n = 0;
    struct list_node *pos;

    list_for_each(pos, &p->dead_name_requests) n++;
    return n;
}

/*
 * Dead-name requests are the requester's: its own limit, not the watched
 * port's, and they go when it ends. (Before: 16 per watched port, kept until
 * the port died, so one task denied every other one for good.)
 */
static void test_ipc_rights_dead_name_requester_ends(void **state)
{
    (void)state;
    struct task c;
    ipc_test_task_init(&c, 3);
    port_name_t pa = ipc_test_port_allocate(&a), qb = ipc_test_port_allocate(&b);
    port_name_t qc = ipc_test_port_allocate(&c);
    struct port *p = port_of(&a, pa), *q = port_of(&b, qb);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);
    port_name_t sc = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &c);

    for (unsigned i = 0; i < IPC_DEAD_NAME_REQUESTS_MAX; i++)
        assert_int_equal(ipc_test_port_op(&c, PORT_OP_REQUEST_DEAD_NAME, sc, qc), 0);
    assert_int_equal(ipc_test_port_op(&c, PORT_OP_REQUEST_DEAD_NAME, sc, qc), -ERR_LIMIT);
    assert_int_equal(c.ipc.dead_name_count, IPC_DEAD_NAME_REQUESTS_MAX);
    /* c's requests do not count against b. */
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_REQUEST_DEAD_NAME, sb, qb), 0);
    assert_int_equal(dead_name_requests_on(p), IPC_DEAD_NAME_REQUESTS_MAX + 1);

    ipc_test_task_destroy(&c); /* its requests go with it */
    assert_int_equal(dead_name_requests_on(p), 1);
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_DESTROY, pa, 0), 0);
    assert_int_equal(q->qcount, 1); /* b still hears of the death */
    assert_int_equal(b.ipc.dead_name_count, 0);
}

/* A request whose notify port dies goes at once: it could never be delivered. */
static void test_ipc_rights_dead_name_notify_dies(void **state)
{
    (void)state;
    port_name_t pa = ipc_test_port_allocate(&a), qb = ipc_test_port_allocate(&b);
    struct port *p = port_of(&a, pa), *q = port_of(&b, qb);
    port_name_t sb = ipc_test_right_transfer(&a, pa, IPC_DISP_MAKE_SEND, &b);

    assert_int_equal(ipc_test_port_op(&b, PORT_OP_REQUEST_DEAD_NAME, sb, qb), 0);
    assert_int_equal(q->send_rights, 1); /* held by the request */
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DESTROY, qb, 0), 0);
    assert_int_equal(dead_name_requests_on(p), 0);
    assert_int_equal(b.ipc.dead_name_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipc_rights_make_and_copy_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_move_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_check_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_move_receive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_send_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_reply_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_receive_death, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_port_freed_with_last_ref, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_release_in_transit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_dead_name_requester_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_rights_dead_name_notify_dies, setup, teardown),
    };
    return cmocka_run_group_tests_name("ipc_rights", tests, ipc_test_group_setup,
                                       ipc_test_group_teardown);
}
