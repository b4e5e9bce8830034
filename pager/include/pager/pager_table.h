/*
 * Pager objects and the table that finds them: the kernel names a memory
 * object by a 64-bit id in every message, and the table maps that id to the
 * pager's struct pager_object in O(1) (a hash table that doubles as it fills,
 * lib/hash.h).
 * The table does not lock; the framework holds pager->table_lock around it.
 */
#ifndef PAGER_PAGER_TABLE_H
#define PAGER_PAGER_TABLE_H

#include <abi/ipc.h>
#include <lib/hash.h>
#include <pager/pager_mem.h>
#include <pager/pager_store.h>
#include <stdbool.h>
#include <stdint.h>

struct pager_owner;

/* One memory object a pager serves. */
struct pager_object {
    uint64_t id;         /* the kernel's id of the object */
    uint64_t size;       /* bytes */
    port_name_t control; /* send right to the object's control port */
    uint32_t refs;       /* the table's reference + handlers running (atomic) */
    pager_spin_t lock;   /* serializes the handlers of this object */
    bool terminated;     /* terminate arrived: no more handlers */
    /* Several serving threads (pager/lib/pager_order.h): a thread handles its messages
     * (@busy) while the others queue theirs on @pending, in order; @qlock guards both. */
    pager_spin_t qlock;
    bool busy;
    struct pager_pending *pending, **pending_tail;
    struct pager_store store; /* the pages the pager holds for it */
    void *data;               /* the concrete pager's per-object state */
    struct hash_link link;    /* the table's */
    struct pager *pager;      /* the pager serving it */
    uint64_t owner;           /* the task it is charged to, as init names it */
    struct pager_owner *acct; /* that owner's counts while in the table, else NULL */
};

struct pager_table {
    struct hash_table table; /* of struct pager_object by id */
};

/* Start an empty table in @t. Returns 0 or -ERR_NOMEM. */
int pager_table_init(struct pager_table *t);

/* Release the buckets of @t, which must be empty. */
void pager_table_fini(struct pager_table *t);

/* The object with id @id, or NULL. */
struct pager_object *pager_table_lookup(const struct pager_table *t, uint64_t id);

/* Enter @obj under obj->id. Returns 0 or -ERR_BUSY when the id is taken. */
int pager_table_insert(struct pager_table *t, struct pager_object *obj);

/* Take the object with id @id out of the table and return it, or NULL. */
struct pager_object *pager_table_remove(struct pager_table *t, uint64_t id);

#endif
