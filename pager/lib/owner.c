/*
 * The owners of a pager's objects (pager_owner.h): a hash table from task id
 * to the owner's counts, entered with each object's init and left with its
 * terminate (or refusal), and pager_stats owner, which answers with them at
 * once or, asked to wait, when the owner's last object is gone: an event
 * (the pager handled the terminates), never a delay.
 */
#include <pager/pager.h>

#include <pager_stats_defs.h>

static const struct hash_type pager_owner_type = {
    .key_offset = HASH_KEY_OFFSET(struct pager_owner, task, link),
    .key_shift = 0,
    .order_min = 4,
    .order_max = 12,
    .zalloc = pager_mem_zalloc,
    .free = pager_mem_free,
};

int pager_owners_init(struct pager *pager)
{
    pager->owners_lock = 0;
    pager->nwaits = 0;
    return hash_init(&pager->owners, &pager_owner_type) ? 0 : -ERR_NOMEM;
}

/* The counts of task @task, or NULL. owners_lock held. */
static struct pager_owner *pager_owner_find_locked(struct pager *pager, uint64_t task)
{
    struct hash_link *l = hash_lookup(&pager->owners, task);

    return l != NULL ? hash_entry(l, struct pager_owner, link) : NULL;
}

int pager_owner_enter(struct pager *pager, struct pager_object *obj)
{
    struct pager_owner *o = pager_mem_zalloc(sizeof(*o)); /* before the lock: it may grow */
    int err = 0;

    pager_spin_lock(&pager->owners_lock);
    struct pager_owner *known = pager_owner_find_locked(pager, obj->owner);
    if (known == NULL && o != NULL) {
        o->task = obj->owner;
        hash_insert(&pager->owners, &o->link);
        known = o, o = NULL;
    }
    if (known != NULL)
        known->objects++;
    else
        err = -ERR_NOMEM;
    obj->acct = known;
    pager_spin_unlock(&pager->owners_lock);
    if (o != NULL)
        pager_mem_free(o, sizeof(*o));
    return err;
}

uint64_t *pager_owner_blocks(struct pager_object *obj)
{
    return obj->acct != NULL ? &obj->acct->blocks : NULL;
}

/* Does the store count blocks per owner? */
static uint64_t pager_owner_counted(struct pager *pager)
{
    struct pager_store_stats st = {0};

    if (pager->ops->on_store_stats != NULL)
        pager->ops->on_store_stats(pager, &st);
    return st.owner_blocks;
}

/* Take the requests waiting for task @task out of the list into @out; returns how many. */
static unsigned pager_owner_waits_take_locked(struct pager *pager, uint64_t task,
                                              port_name_t out[PAGER_OWNER_WAITS])
{
    unsigned n = 0;

    for (unsigned i = 0; i < pager->nwaits;) {
        if (pager->waits[i].task != task) {
            i++;
            continue;
        }
        out[n++] = pager->waits[i].reply;
        pager->waits[i] = pager->waits[--pager->nwaits];
    }
    return n;
}

void pager_owner_leave(struct pager *pager, struct pager_object *obj)
{
    struct pager_owner *o = obj->acct;
    port_name_t replies[PAGER_OWNER_WAITS];
    unsigned n = 0;
    uint64_t blocks = 0;

    if (o == NULL)
        return;
    pager_spin_lock(&pager->owners_lock);
    obj->acct = NULL;
    if (--o->objects == 0) {
        n = pager_owner_waits_take_locked(pager, o->task, replies);
        blocks = __atomic_load_n(&o->blocks, __ATOMIC_RELAXED);
        if (blocks == 0) /* else kept: what it still holds stays visible */
            hash_remove(&pager->owners, o->task);
        else
            o = NULL;
    } else {
        o = NULL;
    }
    pager_spin_unlock(&pager->owners_lock);
    if (o != NULL)
        pager_mem_free(o, sizeof(*o));
    uint64_t counted = n > 0 ? pager_owner_counted(pager) : 0;
    for (unsigned i = 0; i < n; i++) /* a client gone meanwhile: the reply right is released */
        (void)pager_stats_owner_reply(replies[i], 0, counted, 0, counted ? blocks : 0);
}

/* Handler of pager_stats owner (generated dispatch): @ctx is the struct pager. */
int pager_stats_do_owner(void *ctx, port_name_t reply, uint64_t task, uint64_t wait,
                         uint64_t *counted, uint64_t *objects, uint64_t *blocks)
{
    struct pager *pager = ctx;
    int err = 0;

    *counted = pager_owner_counted(pager); /* the store's lock first: never inside owners_lock */
    pager_spin_lock(&pager->owners_lock);
    struct pager_owner *o = pager_owner_find_locked(pager, task);
    *objects = o != NULL ? o->objects : 0;
    *blocks = o != NULL && *counted ? __atomic_load_n(&o->blocks, __ATOMIC_RELAXED) : 0;
    /* One serving thread handled every message queued before this one: nothing to wait for. */
    if (wait && *objects > 0 && !pager->single_thread) {
        err = pager->nwaits < PAGER_OWNER_WAITS ? IPC_REPLY_DEFERRED : -ERR_LIMIT;
        if (err == IPC_REPLY_DEFERRED)
            pager->waits[pager->nwaits++] = (struct pager_owner_wait){task, reply};
    }
    pager_spin_unlock(&pager->owners_lock);
    return err;
}
