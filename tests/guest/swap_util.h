/*
 * Helpers of the swap tests: the system pager's swap statistics, pages
 * stamped with their own address and a counter, and waiting for the swap
 * space to come back to a baseline.
 */
#ifndef SWAP_UTIL_H
#define SWAP_UTIL_H

#include <abi/ipc.h>
#include <abi/page.h>
#include <stdbool.h>
#include <stdint.h>

struct sw_stats {
    uint64_t disk, blocks, free, writes, reads, kept;
    uint64_t quota, evictions;  /* a pager-side policy's frame quota and victims (or 0) */
    uint64_t rounds, vetoes;    /* its aging rounds and the victims the kernel left */
    uint64_t requests, returns; /* data_requests the pager got, pages pageout returned */
    uint64_t ios;               /* requests the backing-store server served (0 without it) */
};

/*
 * The swap statistics of the system's pager (init's "pager", through
 * pager_stats): all 0 but for a disk, and the quota, evictions, rounds and
 * vetoes of a pager that runs its own replacement (policy_pager); with them
 * the disk requests the backing-store server ("bstore") served. 0, or
 * -ERR_NOENT with pager=kernel.
 */
int sw_stats(struct sw_stats *out);

/* Pages pager @pager has taken from pageout so far (pager_stats returns); 0 on error. */
uint64_t sw_returns(port_name_t pager);

/*
 * Wait until pager @pager has taken @n pages from pageout since its count was
 * @r0: an event, not a time (the harness's timeout ends a test that never
 * sees it). PORT_NULL: the in-kernel pager, which takes them at once.
 */
void sw_wait_returned(port_name_t pager, uint64_t r0, uint64_t n);

/* Write the stamp of page @va for counter @n into the page (a few words across it). */
void sw_stamp(volatile uint64_t *page, uint64_t va, uint64_t n);

/* Does the page at @va hold the stamp of counter @n? */
bool sw_stamped(volatile const uint64_t *page, uint64_t va, uint64_t n);

/* Usable frames of this boot (vm_stat frames_total). */
uint64_t sw_frames_total(void);

#endif
