/*
 * A client's view of the statistics every pager built on pager/lib answers
 * (libipc/idl/pager_stats.idl), in one struct, and the name under which init
 * publishes the system's pager. Programs link idl_pager_stats for it.
 */
#ifndef IPC_PAGER_STATS_H
#define IPC_PAGER_STATS_H

#include <abi/ipc.h>
#include <stdbool.h>
#include <stdint.h>

/* init's name service: the port of the pager that serves anonymous memory. */
#define PAGER_SYSTEM_NAME "pager"
#define PAGER_STATS_NAME_MAX 32 /* bytes of a pager's name, with its NUL */

/* The outputs of pager_stats get; see pager_stats.idl for each figure. */
struct pager_stats_info {
    char name[PAGER_STATS_NAME_MAX];
    uint64_t objects, resident, stored;
    uint64_t requests, returns, supplies, unavailable, errors;
    uint64_t disk, blocks, used, writes, reads, kept; /* the backing store, 0 without */
};

/* The outputs of pager_stats pool: a compressed pool's figures, all 0 without one. */
struct pager_pool_info {
    uint64_t bytes, capacity, pages, original;
    uint64_t hits, zero, rejected, evicted;
};

/* The outputs of pager_stats policy: a pager-side replacement policy's figures, or all 0. */
struct pager_policy_info {
    uint64_t quota, resident, peak, signals;
    uint64_t evictions, vetoes, rounds;
};

/* The outputs of pager_stats owner: what one task leaves with a pager. */
struct pager_owner_info {
    uint64_t counted; /* 1 when the pager counts its swap blocks per task, else blocks is 0 */
    uint64_t objects; /* the task's objects it serves */
    uint64_t blocks;  /* swap blocks holding their pages */
};

/* Ask the pager at @pager (a send right) for its statistics. Returns 0 or -ERR_*. */
int pager_stats_read(port_name_t pager, struct pager_stats_info *out);

/* Ask the pager at @pager for its compressed pool's figures. Returns 0 or -ERR_*. */
int pager_stats_pool_read(port_name_t pager, struct pager_pool_info *out);

/* Ask the pager at @pager for its replacement policy's figures. Returns 0 or -ERR_*. */
int pager_stats_policy_read(port_name_t pager, struct pager_policy_info *out);

/*
 * Ask the pager at @pager what task @task leaves with it; with @wait, once
 * no object of the task is left with it (the kernel dropped them all: it
 * handled their terminates), else at once. Returns 0 or -ERR_* (-ERR_NOSYS
 * from a pager that does not answer it).
 */
int pager_stats_owner_read(port_name_t pager, uint64_t task, bool wait,
                           struct pager_owner_info *out);

/*
 * A send right to the system's pager in *@out, looked up as PAGER_SYSTEM_NAME
 * through the bootstrap port. Returns 0, or -ERR_NOENT when anonymous memory
 * has no external pager (pager=kernel), or another -ERR_*.
 */
int pager_stats_system(port_name_t *out);

#endif
