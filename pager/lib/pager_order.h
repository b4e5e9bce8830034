/*
 * Private to the framework: the order of one object's messages when several
 * threads serve a pager. Each message received on the pager's port carries
 * the port's sequence number (abi/ipc.h). A thread waits for its message's
 * turn only to find the object and either claim it (no other thread is
 * handling that object's messages) or queue a copy of the message on it,
 * and then passes the turn on. The thread that claimed an object handles
 * its message and then the ones queued meanwhile, in order, before it lets
 * the object go. So one object's messages are handled in the order the
 * kernel sent them (a data_request never overtakes the data_return of the
 * same page), different objects' at once, and no thread waits for another
 * object's slow work (a disk write) with the turn in hand. With one thread
 * there is no turn and none of this costs anything.
 */
#ifndef PAGER_LIB_PAGER_ORDER_H
#define PAGER_LIB_PAGER_ORDER_H

#include <pager/pager.h>
#include <stdbool.h>
#include <stdint.h>

/* A message on its way through the handlers: the generated dispatch's ctx. */
struct pager_msg {
    struct pager *pager;
    const struct ipc_message *in;
    uint32_t seqno;  /* its number on the pager's port */
    bool turn;       /* it still holds its place in the order (pager_turn_pass ends it) */
    unsigned thread; /* the serving thread handling it (its gate: pager->gates[thread]) */
    /* The object whose messages this thread handles (claimed, one reference), or NULL. */
    struct pager_object *claimed;
};

/* A message queued on a busy object (a copy: the receiving thread's buffer is reused). */
struct pager_pending {
    struct pager_pending *next;
    size_t size; /* bytes allocated */
    struct ipc_message m;
};

/* The context of message @in for serving thread @thread of @pager: ordered when several
 * threads serve it. */
struct pager_msg pager_msg_of(struct pager *pager, unsigned thread, const struct ipc_message *in);

/* Wait until every message numbered before @msg passed its turn. Nothing when not ordered. */
void pager_turn_wait(const struct pager_msg *msg);

/* Let the next message go. Idempotent. */
void pager_turn_pass(struct pager_msg *msg);

/* pager_turn_wait then pager_turn_pass: for a message that names no object. */
void pager_turn_skip(struct pager_msg *msg);

/*
 * In its turn: claim the object that kernel message @msg names (word 0) for
 * this thread (msg->claimed) and return false, the caller handling it; or,
 * when another thread handles that object, queue a copy of the message on
 * it and return true (the caller is done with it). The turn is passed
 * either way. An unknown object is left to the handler.
 */
bool pager_order_admit(struct pager_msg *msg);

/*
 * Claim @obj, just entered in the table by init in @msg's turn, for @msg's
 * thread (a reference taken); the caller then passes the turn: messages
 * for it queue until the init is done. Nothing when not ordered.
 */
void pager_order_claim_new(struct pager_msg *msg, struct pager_object *obj);

/*
 * The next message queued on msg->claimed, or NULL, the claim then ended
 * (the reference dropped, msg->claimed NULL). The caller handles it with
 * msg as its context and frees it with pager_mem_free(p, p->size).
 */
struct pager_pending *pager_order_next(struct pager_msg *msg);

#endif
