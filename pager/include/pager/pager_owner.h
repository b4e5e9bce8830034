/*
 * Whose objects a pager serves: memory_object init names the task whose
 * account each object is charged to (its owner), and the framework counts,
 * per owner, the objects in its table and the swap blocks its store keeps
 * for them (pager/lib/owner.c). pager_stats owner answers with them, at once
 * or once the owner has no object left, so that init's leak check can say
 * what a task that ended leaves with the pager without counting the whole
 * disk and without waiting for time to pass.
 */
#ifndef PAGER_PAGER_OWNER_H
#define PAGER_PAGER_OWNER_H

#include <abi/ipc.h>
#include <lib/hash.h>
#include <stdint.h>

#define PAGER_OWNER_WAITS 16u /* pager_stats owner requests that wait at once, at most */

/* One owner: the objects it has in the table and the blocks they hold. */
struct pager_owner {
    uint64_t task;    /* its task id (0: the kernel's account) */
    uint64_t objects; /* its objects in the table (the framework's, under owners_lock) */
    uint64_t blocks;  /* swap blocks holding their pages (the store's, under its own lock) */
    struct hash_link link;
};

/* A pager_stats owner request waiting until task @task has no object left. */
struct pager_owner_wait {
    uint64_t task;
    port_name_t reply; /* its reply right */
};

#endif
