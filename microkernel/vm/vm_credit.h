/*
 * Pager credits: the bounded share of the frame reserve an ordinary pager
 * (a task serving memory objects that is neither the default pager nor a
 * driver) may take while free memory is at or below the reserve, so that
 * it can answer faults and take returned pages under pressure, and no
 * runaway pager can drain the reserve for the others. Pure bookkeeping,
 * O(1); vm_pageout.c decides when to call it. The rule:
 *   - A pressure episode lasts from the first charge until free memory is
 *     seen above the reserve again (vm_credit_restore): the reserve is then
 *     whole, and every charge of the episode is void at once.
 *   - Within an episode, each frame a pager takes at or below the reserve
 *     is charged to it. A charge is allowed while the pager's charges stay
 *     within its share and the charges of all pagers together within the
 *     pool's cap (half the reserve: the rest stays for the default pager,
 *     drivers and the kernel).
 *   - Each frame the pager gives back within the episode (it deallocates
 *     memory, or it ends) cancels one of its charges (vm_credit_refund), so
 *     a pager that frees what it takes (copies a returned page into its
 *     store, then releases the page) never runs out; one that keeps what it
 *     takes does, after its share.
 *   - A pager whose share is spent waits for frames like any other task and
 *     gets no data_return until the episode ends (vm_credit_spent).
 */
#ifndef KERNEL_VM_CREDIT_H
#define KERNEL_VM_CREDIT_H

#include <stdbool.h>
#include <stdint.h>

/* The credits of all pagers together. */
struct vm_credit_pool {
    uint64_t epoch;    /* the current episode; vm_credit_restore starts the next */
    uint64_t used;     /* frames charged to all pagers in this episode */
    uint64_t cap;      /* at most this many together */
    uint64_t share;    /* the share of a pager that has no share of its own */
    uint64_t max_used; /* the most any pager was charged in one episode (statistics) */
};

/* One pager's charges (struct task.credit). Zero is a valid, empty state. */
struct vm_credit {
    uint64_t epoch; /* the episode @used counts in */
    uint64_t used;  /* frames charged in that episode */
};

/* Set up @pool for a reserve of @reserve frames: share reserve/4, cap reserve/2 (at least 1). */
void vm_credit_pool_init(struct vm_credit_pool *pool, uint64_t reserve);

/* The share of a pager whose own share is @task_share (0: the pool's default share). */
uint64_t vm_credit_share(const struct vm_credit_pool *pool, uint64_t task_share);

/* Frames charged to @c in the current episode. */
uint64_t vm_credit_used(const struct vm_credit_pool *pool, const struct vm_credit *c);

/*
 * Charge one frame to @c (own share @task_share, 0 for the default) if its
 * share and the pool's cap allow it. Returns true when charged.
 */
bool vm_credit_take(struct vm_credit_pool *pool, struct vm_credit *c, uint64_t task_share);

/* Is @c's share spent in this episode (the next vm_credit_take would fail)? */
bool vm_credit_spent(const struct vm_credit_pool *pool, const struct vm_credit *c,
                     uint64_t task_share);

/* @c gave back @n frames: up to @n of its charges in this episode are cancelled. */
void vm_credit_refund(struct vm_credit_pool *pool, struct vm_credit *c, uint64_t n);

/* Free memory is above the reserve: the episode ends, every charge is void. */
void vm_credit_restore(struct vm_credit_pool *pool);

#endif
